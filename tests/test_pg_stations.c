/*
 * test_pg_stations.c — several `omr watch` stations ($OMR_BIN), each with
 * its own inbox and workers, one PostgreSQL ledger (the test's own server,
 * tests/pg_server.h), one shared archive and rejected folder. Forms' two
 * pages are spread over the inboxes (many forms' pages at two stations),
 * some content arrives at two stations at once, and stations are killed
 * with SIGKILL at random moments and restarted. At the end: every form
 * exactly once in `omr export` with its answers, every file archived or
 * rejected exactly once, nothing left in an inbox, every archived file
 * holding the content the ledger says (never overwritten).
 * OMR_STATIONS_FORMS (default 24, up to 300) and OMR_STATIONS_KILLS
 * (default 8, up to 30) scale it to the 300 forms and 30 kills;
 * OMR_KILL_SEED repeats the kill moments. Skipped without PostgreSQL.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include "helpers.h"
#include "ledger/store.h"
#include "pages/encode.h"
#include "pg_server.h"
#include "print/render.h"

enum { STATIONS = 3, MAX_FORMS = 300, MAX_KILLS = 30 };

static omr_template *tmpl;
static char *dir;
static const char *omr_bin;

static void setup(void) {
    tmpl = test_template("ekb-2024");
    dir = test_tempdir();
    omr_bin = getenv("OMR_BIN");
    cr_assert_not_null(omr_bin, "OMR_BIN is not set (run through make test)");
}

static void teardown(void) {
    template_free(tmpl);
    rm_rf(dir);
}

TestSuite(pg_stations, .init = setup, .fini = teardown, .timeout = 1200);

static const char *const q1a_values[] = {"5", "4", "3", "2", "1"};

static void write_page(int i, int page, const char *path) {
    char code[32];
    snprintf(code, sizeof code, "S%04d", i);
    omr_error err;
    omr_image *img = render_page_image(tmpl, code, page, 150, &err);
    cr_assert_not_null(img, "%s", err.message);
    if (page == 1)
        test_cross(img, test_box_of(tmpl, "q1a", q1a_values[i % 5]));
    else
        test_cross(img, test_box_of(tmpl, "q4a", i % 2 ? "1" : "2"));
    cr_assert_eq(encode_png(img, path, &err), OMR_OK, "%s", err.message);
    omr_image_free(img);
}

typedef struct {
    char name[64];
    int station;
} dropped_file;

static pid_t start_station(int s, const char *uri, int last) {
    char inbox[600], out[600], archive[600], rejected[600], log[600];
    snprintf(inbox, sizeof inbox, "%s/inbox%d", dir, s);
    snprintf(out, sizeof out, "%s/out%d", dir, s);
    snprintf(archive, sizeof archive, "%s/archive", dir);
    snprintf(rejected, sizeof rejected, "%s/rejected", dir);
    snprintf(log, sizeof log, "%s/station%d.log", dir, s);
    pid_t pid = fork();
    cr_assert_neq(pid, -1);
    if (pid == 0) {
        int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
        dup2(fd, 2);
        dup2(fd, 1);
        const char *argv[] = {omr_bin, "watch", "--inbox", inbox, "--archive", archive, "--rejected", rejected,
                              "--out", out, "--db", uri, "--template", "templates/ekb-2024.cfg", "--no-ocr",
                              "--settle", "0.05", "--poll", "0.3", "--export-every", "5", "--retry", "0.3",
                              "--workers", "2", last ? "--exit-when-idle" : NULL, NULL};
        execv(omr_bin, (char *const *)argv);
        _exit(98);
    }
    return pid;
}

static int env_int(const char *name, int fallback, int max) {
    const char *v = getenv(name);
    int n = v ? atoi(v) : fallback;
    return n < 1 ? fallback : n > max ? max : n;
}

static void drop(const dropped_file *f) {
    char a[700], b[700];
    snprintf(a, sizeof a, "%s/staging/%s", dir, f->name);
    snprintf(b, sizeof b, "%s/inbox%d/%s", dir, f->station, f->name);
    cr_assert_eq(rename(a, b), 0, "%s: %s", a, strerror(errno));
}

/* How many files named `name` are under `root` (any day folder). */
static int filed(const char *root, const char *name) {
    char cmd[1400];
    snprintf(cmd, sizeof cmd, "find '%s' -type f -name '%s' | wc -l", root, name);
    FILE *p = popen(cmd, "r");
    int n = -1;
    if (p) {
        if (fscanf(p, "%d", &n) != 1)
            n = -1;
        pclose(p);
    }
    return n;
}

Test(pg_stations, stations_killed_at_random_count_every_form_and_file_exactly_once) {
    pg_test_require();
    char uri[512], path[800];
    pg_test_database(uri, sizeof uri);
    int forms = env_int("OMR_STATIONS_FORMS", 24, MAX_FORMS), kills = env_int("OMR_STATIONS_KILLS", 8, MAX_KILLS);
    unsigned seed = getenv("OMR_KILL_SEED") ? (unsigned)atoi(getenv("OMR_KILL_SEED")) : (unsigned)time(NULL);
    cr_log_info("stations: %d forms, %d kills, seed %u (OMR_KILL_SEED=%u repeats them)", forms, kills, seed, seed);
    const char *folders[] = {"staging", "archive", "rejected", "inbox0", "inbox1", "inbox2", "out0", "out1", "out2"};
    for (size_t i = 0; i < sizeof folders / sizeof folders[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, folders[i]);
        mkdir(path, 0777);
    }
    /* each page its own file, at a station of its own: about two thirds of
     * the forms have their pages at two stations */
    static dropped_file files[2 * MAX_FORMS + 8];
    int n = 0;
    unsigned r = seed;
    for (int i = 0; i < forms; i++)
        for (int page = 1; page <= 2; page++) {
            snprintf(files[n].name, sizeof files[n].name, "form%04d-p%d.png", i, page);
            files[n].station = (int)(rand_r(&r) % STATIONS);
            snprintf(path, sizeof path, "%s/staging/%s", dir, files[n].name);
            write_page(i, page, path);
            n++;
        }
    /* the same content at two stations (a page scanned twice and sent to both) */
    int same = n;
    for (int k = 0; k < 2; k++) {
        char first[sizeof files[k].name]; /* a copy: gcc -O1 cannot see that n != k */
        memcpy(first, files[k].name, sizeof first);
        snprintf(files[n].name, sizeof files[n].name, "again-%.50s", first);
        files[n].station = (files[k].station + 1) % STATIONS;
        char cmd[2000];
        snprintf(cmd, sizeof cmd, "cp '%s/staging/%.60s' '%s/staging/%.60s'", dir, files[k].name, dir, files[n].name);
        cr_assert_eq(system(cmd), 0);
        n++;
    }
    /* shuffled arrival */
    for (int i = n - 1; i > 0; i--) {
        int j = (int)(rand_r(&r) % (unsigned)(i + 1));
        dropped_file t = files[i];
        files[i] = files[j];
        files[j] = t;
    }
    pid_t pids[STATIONS];
    for (int s = 0; s < STATIONS; s++)
        pids[s] = start_station(s, uri, 0);
    int dropped = 0, slice = n / (kills + 1) + 1;
    for (int k = 0; k < kills; k++) {
        for (int i = 0; i < slice && dropped < n; i++)
            drop(&files[dropped++]);
        struct timespec wait = {0, (200 + (long)(rand_r(&r) % 800)) * 1000 * 1000};
        nanosleep(&wait, NULL);
        int s = (int)(rand_r(&r) % STATIONS);
        kill(pids[s], SIGKILL);
        int status;
        waitpid(pids[s], &status, 0);
        pids[s] = start_station(s, uri, 0);
    }
    while (dropped < n)
        drop(&files[dropped++]);
    /* every station to the end of its inbox */
    for (int s = 0; s < STATIONS; s++) {
        kill(pids[s], SIGKILL);
        waitpid(pids[s], NULL, 0);
    }
    for (int s = 0; s < STATIONS; s++)
        pids[s] = start_station(s, uri, 1);
    for (int s = 0; s < STATIONS; s++) {
        int status;
        cr_assert_eq(waitpid(pids[s], &status, 0), pids[s]);
        cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "station %d ended with %d (see station%d.log)", s,
                  WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status), s);
    }
    char cmd[2000];
    snprintf(cmd, sizeof cmd, "'%s' export --db '%s' --out '%s/export' --template templates/ekb-2024.cfg 2>/dev/null",
             omr_bin, uri, dir);
    cr_assert_eq(system(cmd), 0);
    snprintf(path, sizeof path, "%s/export/records.csv", dir);
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f);
    static char records[1 << 20];
    records[fread(records, 1, sizeof records - 1, f)] = 0;
    fclose(f);
    for (int i = 0; i < forms; i++) {
        char code[32];
        snprintf(code, sizeof code, "\nS%04d,", i);
        const char *row = strstr(records, code);
        cr_assert_not_null(row, "S%04d is not in records.csv", i);
        cr_assert_null(strstr(row + 1, code), "S%04d is in records.csv twice", i);
        char line[4096];
        snprintf(line, sizeof line, "%.*s", (int)strcspn(row + 1, "\r\n"), row + 1);
        cr_assert_null(strstr(line, "missing_page"), "S%04d's pages were not joined: %s", i, line);
        cr_assert_null(strstr(line, "duplicate_of"), "S%04d counted twice: %s", i, line);
    }
    /* every file filed once: archived or rejected, never both, never twice */
    char archive[600], rejected[600];
    snprintf(archive, sizeof archive, "%s/archive", dir);
    snprintf(rejected, sizeof rejected, "%s/rejected", dir);
    for (int i = 0; i < n; i++) {
        int a = filed(archive, files[i].name), j = filed(rejected, files[i].name);
        cr_assert_eq(a + j, 1, "%s: %d archived, %d rejected", files[i].name, a, j);
    }
    snprintf(cmd, sizeof cmd, "test $(find '%s' '%s' -type f ! -name '.*' ! -name '*.reason' | wc -l) -eq %d",
             archive, rejected, n);
    cr_assert_eq(system(cmd), 0, "the archive and rejected folders hold other files than the %d dropped", n);
    for (int s = 0; s < STATIONS; s++) {
        snprintf(cmd, sizeof cmd, "test -z \"$(find '%s/inbox%d' -type f ! -name '.omr-watch.lock')\"", dir, s);
        cr_assert_eq(system(cmd), 0, "inbox%d still holds files", s);
    }
    /* the ledger's stored paths hold the content it recorded (no overwrite) */
    omr_db *db = NULL;
    omr_error err;
    cr_assert_eq(store_open(uri, &db, &err), OMR_OK, "%s", err.message);
    for (int i = 0; i < n; i++) {
        snprintf(cmd, sizeof cmd, "find '%s' '%s' -type f -name '%.60s'", archive, rejected, files[i].name);
        FILE *p = popen(cmd, "r");
        char stored[1000] = "";
        cr_assert(p && fgets(stored, sizeof stored, p));
        pclose(p);
        stored[strcspn(stored, "\n")] = 0;
        char hex[65];
        long long size;
        cr_assert_eq(store_hash_file(stored, hex, &size, &err), OMR_OK, "%s", err.message);
        store_file_info info;
        cr_assert_eq(store_find_file(db, hex, &info, &err), OMR_OK, "%s", err.message);
        cr_assert(info.found, "%s is not in the ledger", stored);
    }
    store_close(db);
    /* omr status lists every station */
    snprintf(cmd, sizeof cmd, "'%s' status --db '%s' > '%s/status.txt'", omr_bin, uri, dir);
    cr_assert_eq(system(cmd), 0, "%s", cmd);
    snprintf(path, sizeof path, "%s/status.txt", dir);
    f = fopen(path, "r");
    cr_assert_not_null(f);
    static char status[1 << 16];
    status[fread(status, 1, sizeof status - 1, f)] = 0;
    fclose(f);
    cr_assert_not_null(strstr(status, "stations (3):"), "%s", status);
    for (int s = 0; s < STATIONS; s++) {
        char inbox[64];
        snprintf(inbox, sizeof inbox, "/inbox%d/.processing ", s);
        cr_assert_not_null(strstr(status, inbox), "station %d is not in omr status:\n%s", s, status);
    }
    cr_log_info("%d files (%d pages and %d copies) over %d stations, %d kills", n, same, n - same, STATIONS, kills);
}
