/*
 * test_watch.c — `omr watch` as the mailroom runs it: the real binary
 * ($OMR_BIN) over rendered, ticked forms dropped into an inbox.
 *
 *   - killed with SIGKILL at random moments (at least 20 times) and
 *     restarted: every form in the ledger and records.csv exactly once,
 *     every input file in the archive or the rejected folder;
 *   - a file written slowly, in pieces, is read only when complete;
 *   - files that vanish, cannot be read or are no scan are reported and the
 *     daemon goes on (.reason beside a rejected file);
 *   - a full disk (RLIMIT_FSIZE) and a read-only output folder are reported
 *     in plain words and nothing is lost once writing works again;
 *   - SIGHUP reloads the config file, SIGTERM drains and stops, omr status;
 *   - comments follow through the background OCR queue.
 *
 * The daemon's stderr is collected through a pipe into DIR/watch.log (a
 * file-size limit on the daemon must not cut its own log).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pthread.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include "pages/encode.h"
#include "helpers.h"
#include "print/render.h"
#include "daemon/watch.h"
#include "daemon/watch_daemon.h"
#include "ledger/store.h"

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif
#ifndef UNDER_ASAN
#define UNDER_ASAN 0
#endif

static omr_template *tmpl;
static char *dir;
static char omr_bin[512];

/* ---- folders and files ------------------------------------------------------------- */

static void path_in(char *out, size_t size, const char *name) { snprintf(out, size, "%s/%s", dir, name); }

/* A folder anyone may write (the daemon may run as nobody). */
static void make_open_dir(const char *name) {
    char path[512];
    path_in(path, sizeof path, name);
    mkdir(path, 0777);
    chmod(path, 0777);
}

static void setup(void) {
    tmpl = test_template("ekb-2024");
    dir = test_tempdir();
    chmod(dir, 0777);
    const char *bin = getenv("OMR_BIN");
    cr_assert_not_null(bin, "OMR_BIN is not set (run through make test)");
    /* the binary, template and calibration beside the test, readable by all */
    char cmd[2048];
    snprintf(cmd, sizeof cmd,
             "cp '%s' '%s/omr' && cp templates/ekb-2024.cfg calibration/default.cfg '%s/' && chmod 755 '%s/omr' && "
             "chmod 644 '%s/ekb-2024.cfg' '%s/default.cfg'",
             bin, dir, dir, dir, dir, dir);
    cr_assert_eq(system(cmd), 0, "%s", cmd);
    snprintf(omr_bin, sizeof omr_bin, "%s/omr", dir);
    const char *folders[] = {"inbox", "archive", "rejected", "out", "staging", "state"};
    for (size_t i = 0; i < sizeof folders / sizeof folders[0]; i++)
        make_open_dir(folders[i]);
}

static void teardown(void) {
    template_free(tmpl);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "chmod -R u+rwX '%s' 2>/dev/null", dir);
    if (system(cmd) != 0)
        cr_log_warn("chmod failed");
    rm_rf(dir);
}

static const char *const q1a_values[] = {"5", "4", "3", "2", "1"};

/* Page `page` of form number i (code W0000i): q1a ticked by i, q4a by i. */
static omr_image *form_page(int i, int page, double dpi) {
    char code[32];
    snprintf(code, sizeof code, "W%04d", i);
    omr_error err;
    omr_image *img = render_page_image(tmpl, code, page, dpi, &err);
    cr_assert_not_null(img, "%s", err.message);
    if (page == 1)
        test_cross(img, test_box_of(tmpl, "q1a", q1a_values[i % 5]));
    else
        test_cross(img, test_box_of(tmpl, "q4a", i % 2 ? "1" : "2"));
    return img;
}

static void write_png_at(omr_image *img, const char *path) {
    omr_error err;
    cr_assert_eq(encode_png(img, path, &err), OMR_OK, "%s", err.message);
    chmod(path, 0644);
}

/* Form i as it comes from the scanner, into folder `into`: every third as one
 * two-page G4 TIFF, the others as two PNG files (one per page). Returns the
 * number of files written; their names go to names[] (if not NULL). */
static int write_form(int i, const char *into, char names[][64], double dpi) {
    omr_image *p1 = form_page(i, 1, dpi), *p2 = form_page(i, 2, dpi);
    char path[700];
    int n = 0;
    omr_error err;
    if (i % 3 == 0) {
        snprintf(path, sizeof path, "%s/env-%04d.tif", into, i);
        tiff_writer *w;
        cr_assert_eq(encode_tiff_open(path, &w, &err), OMR_OK, "%s", err.message);
        cr_assert_eq(encode_tiff_add(w, p1, TIFF_G4, &err), OMR_OK);
        cr_assert_eq(encode_tiff_add(w, p2, TIFF_G4, &err), OMR_OK);
        cr_assert_eq(encode_tiff_close(w, &err), OMR_OK);
        chmod(path, 0644);
        if (names)
            snprintf(names[n], 64, "env-%04d.tif", i);
        n++;
    } else {
        for (int page = 1; page <= 2; page++) {
            snprintf(path, sizeof path, "%s/img-%04d-%c.png", into, i, page == 1 ? 'a' : 'b');
            write_png_at(page == 1 ? p1 : p2, path);
            if (names)
                snprintf(names[n], 64, "img-%04d-%c.png", i, page == 1 ? 'a' : 'b');
            n++;
        }
    }
    omr_image_free(p1);
    omr_image_free(p2);
    return n;
}

/* Moves names[from .. from+n) from staging/ into inbox/; returns the next index. */
static int drop_some(char names[][64], int from, int n, int total) {
    int i = from;
    for (; i < total && i < from + n; i++) {
        char a[700], b[700];
        snprintf(a, sizeof a, "%s/staging/%s", dir, names[i]);
        snprintf(b, sizeof b, "%s/inbox/%s", dir, names[i]);
        cr_assert_eq(rename(a, b), 0, "%s: %s", a, strerror(errno));
    }
    return i;
}

/* ---- the daemon --------------------------------------------------------------------- */

typedef struct {
    pid_t pid;
    int fd;
    pthread_t reader;
} daemon_proc;

static void *copy_log(void *arg) {
    daemon_proc *p = arg;
    char path[512], buf[4096];
    path_in(path, sizeof path, "watch.log");
    FILE *log = fopen(path, "a");
    ssize_t n;
    while ((n = read(p->fd, buf, sizeof buf)) > 0)
        if (log) {
            fwrite(buf, 1, (size_t)n, log);
            fflush(log);
        }
    if (log)
        fclose(log);
    close(p->fd);
    return NULL;
}

typedef struct {
    int unprivileged;       /* run as nobody when the test runs as root */
    const char *extra[16];  /* more arguments */
    const char *config;     /* --config FILE instead of the folder flags */
} daemon_options;

/* Can the daemon be run as another user (root dropping to nobody)? */
static int can_drop_privileges(void) { return geteuid() == 0; }

static void start(daemon_proc *p, const daemon_options *o) {
    char inbox[512], archive[512], rejected[512], out[512], db[512], templ[512], cal[512];
    path_in(inbox, sizeof inbox, "inbox");
    path_in(archive, sizeof archive, "archive");
    path_in(rejected, sizeof rejected, "rejected");
    path_in(out, sizeof out, "out");
    path_in(db, sizeof db, "state/omr.db");
    path_in(templ, sizeof templ, "ekb-2024.cfg");
    path_in(cal, sizeof cal, "default.cfg");
    const char *argv[64] = {omr_bin, "watch"};
    int argc = 2;
    if (o && o->config) {
        argv[argc++] = "--config";
        argv[argc++] = o->config;
    } else {
        const char *base[] = {"--inbox", inbox, "--archive", archive, "--rejected", rejected, "--out", out,
                              "--db", db, "--template", templ, "--calibration", cal, "--no-ocr",
                              "--settle", "0.3", "--poll", "0.5", "--export-every", "1", "--retry", "0.5",
                              "--workers", "2"};
        for (size_t i = 0; i < sizeof base / sizeof base[0]; i++)
            argv[argc++] = base[i];
    }
    for (size_t i = 0; o && i < 16 && o->extra[i]; i++)
        argv[argc++] = o->extra[i];
    argv[argc] = NULL;
    int pipefd[2];
    cr_assert_eq(pipe(pipefd), 0);
    pid_t pid = fork();
    cr_assert_neq(pid, -1);
    if (pid == 0) {
        dup2(pipefd[1], 2);
        close(pipefd[0]);
        close(pipefd[1]);
        int devnull = open("/dev/null", O_RDWR);
        dup2(devnull, 0);
        dup2(devnull, 1);
        if (o && o->unprivileged && geteuid() == 0) {
            if (setgroups(0, NULL) != 0 || setgid(65534) != 0 || setuid(65534) != 0) {
                fprintf(stderr, "cannot drop privileges: %s\n", strerror(errno));
                _exit(99);
            }
        }
        execv(omr_bin, (char *const *)argv);
        fprintf(stderr, "exec %s: %s\n", omr_bin, strerror(errno));
        _exit(98);
    }
    close(pipefd[1]);
    p->pid = pid;
    p->fd = pipefd[0];
    cr_assert_eq(pthread_create(&p->reader, NULL, copy_log, p), 0);
}

static char *read_file(const char *name);

/* Waits for the daemon to end; its exit status, or -signal. Fails on a
 * sanitizer report in the daemon's log. */
static int finish(daemon_proc *p, double timeout) {
    int status = 0;
    struct timespec pause = {0, 50 * 1000 * 1000};
    for (double waited = 0;; waited += 0.05) {
        pid_t r = waitpid(p->pid, &status, WNOHANG);
        if (r == p->pid)
            break;
        if (waited > timeout) {
            kill(p->pid, SIGKILL);
            waitpid(p->pid, &status, 0);
            pthread_join(p->reader, NULL);
            cr_assert_fail("the daemon did not stop within %.0f s", timeout);
        }
        nanosleep(&pause, NULL);
    }
    pthread_join(p->reader, NULL);
    /* the daemon's own sanitizer reports land in its log, not in ours */
    char *log = read_file("watch.log");
    const char *report = strstr(log, "ERROR: AddressSanitizer");
    if (!report)
        report = strstr(log, "ERROR: LeakSanitizer");
    if (!report)
        report = strstr(log, "runtime error:");
    if (report) {
        char excerpt[3000];
        snprintf(excerpt, sizeof excerpt, "%s", report);
        free(log);
        cr_assert_fail("sanitizer report from the daemon:\n%s", excerpt);
    }
    free(log);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
}

static char *read_file(const char *name) {
    char path[512];
    path_in(path, sizeof path, name);
    FILE *f = fopen(path, "r");
    if (!f)
        return strdup("");
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)size + 1);
    size_t n = fread(buf, 1, (size_t)size, f);
    buf[n] = 0;
    fclose(f);
    return buf;
}

static int log_has(const char *text) {
    char *log = read_file("watch.log");
    int found = strstr(log, text) != NULL;
    free(log);
    return found;
}

/* Waits until `test` holds (polled every 100 ms); 0 on timeout. */
static int wait_for(int (*test)(const void *), const void *arg, double timeout) {
    struct timespec pause = {0, 100 * 1000 * 1000};
    for (double waited = 0; waited < timeout; waited += 0.1) {
        if (test(arg))
            return 1;
        nanosleep(&pause, NULL);
    }
    return test(arg);
}

static int log_has_test(const void *text) { return log_has(text); }

/* Waits for `text` in the daemon's log; fails with the log's end. */
static void expect_log(const char *text, double timeout) {
    if (wait_for(log_has_test, text, timeout))
        return;
    char *log = read_file("watch.log");
    size_t len = strlen(log);
    cr_assert_fail("\"%s\" not in the log within %.0f s; the log ends:\n%s", text, timeout,
                   log + (len > 3000 ? len - 3000 : 0));
}

/* Waits until the daemon watches its inbox (run number `run`, from 1). */
static void expect_ready(int run) {
    struct timespec pause = {0, 100 * 1000 * 1000};
    for (int i = 0; i < 300; i++) {
        char *log = read_file("watch.log");
        int n = 0;
        for (const char *p = log; (p = strstr(p, " watching ")); p++)
            n++;
        free(log);
        if (n >= run)
            return;
        nanosleep(&pause, NULL);
    }
    expect_log(" watching ", 0);
}

/* ---- what came out --------------------------------------------------------------------- */

static sqlite3 *ledger(void) {
    char path[512];
    path_in(path, sizeof path, "state/omr.db");
    sqlite3 *db = NULL;
    cr_assert_eq(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    return db;
}

static long long ledger_count(const char *sql) {
    sqlite3 *db = ledger();
    sqlite3_stmt *st;
    cr_assert_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK, "%s: %s", sql, sqlite3_errmsg(db));
    long long n = -1;
    if (sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return n;
}

/* How many records.csv rows have `code` as first field; *q1a and *q4a get
 * the columns of the last such row. */
static int record_rows(const char *records, const char *code, char *q1a, char *q4a) {
    int n = 0, col_q1a = -1, col_q4a = -1;
    const char *line = records;
    int first = 1;
    while (*line) {
        const char *end = strstr(line, "\r\n");
        size_t len = end ? (size_t)(end - line) : strlen(line);
        char row[4096];
        snprintf(row, sizeof row, "%.*s", (int)len, line);
        if (first) {
            int i = 0;
            for (char *save = NULL, *h = strtok_r(row, ",", &save); h; h = strtok_r(NULL, ",", &save), i++) {
                if (strcmp(h, "q1a") == 0)
                    col_q1a = i;
                if (strcmp(h, "q4a") == 0)
                    col_q4a = i;
            }
            first = 0;
        } else if (strncmp(row, code, strlen(code)) == 0 && row[strlen(code)] == ',') {
            n++;
            char *p = row;
            for (int i = 0; p; i++) {
                char *comma = strchr(p, ',');
                size_t l = comma ? (size_t)(comma - p) : strlen(p);
                if (i == col_q1a && q1a)
                    snprintf(q1a, 16, "%.*s", (int)l, p);
                if (i == col_q4a && q4a)
                    snprintf(q4a, 16, "%.*s", (int)l, p);
                p = comma ? comma + 1 : NULL;
            }
        }
        line += len;
        if (*line)
            line += 2;
    }
    return n;
}

/* Is `name` (a base name) somewhere under folder `root`? */
static int filed_under(const char *root, const char *name) {
    DIR *d = opendir(root);
    if (!d)
        return 0;
    int found = 0;
    for (struct dirent *e; !found && (e = readdir(d));) {
        if (e->d_name[0] == '.')
            continue;
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", root, e->d_name);
        struct stat st;
        if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
            found = filed_under(path, name);
        else
            found = strcmp(e->d_name, name) == 0;
    }
    closedir(d);
    return found;
}

static int count_files(const char *name) {
    char path[512];
    path_in(path, sizeof path, name);
    DIR *d = opendir(path);
    if (!d)
        return 0;
    int n = 0;
    for (struct dirent *e; (e = readdir(d));)
        n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

/* ---- tests ---------------------------------------------------------------------------------- */

TestSuite(watch, .init = setup, .fini = teardown, .timeout = 240);

#define KILL_FORMS 200
#define KILLS 20

Test(watch, survives_sigkill_at_random_moments_and_counts_every_form_once, .timeout = 600) {
    /* about 25 s, 40 s under AddressSanitizer: it runs in both builds */
    int forms = getenv("OMR_KILL_FORMS") ? atoi(getenv("OMR_KILL_FORMS")) : KILL_FORMS;
    if (forms > KILL_FORMS)
        forms = KILL_FORMS;
    unsigned seed = getenv("OMR_KILL_SEED") ? (unsigned)atoi(getenv("OMR_KILL_SEED")) : (unsigned)time(NULL);
    cr_log_info("kill test: %d forms, seed %u (OMR_KILL_SEED=%u repeats the kill moments)", forms, seed, seed);
    char staging[512];
    path_in(staging, sizeof staging, "staging");
    static char names[KILL_FORMS * 2 + 16][64];
    int n_files = 0;
    for (int i = 0; i < forms && i < KILL_FORMS; i++)
        n_files += write_form(i, staging, names + n_files, 150);
    /* the same content under another name (a scanner that saves twice) and
     * a file that is no scan at all */
    const char *copies[] = {"env-0000.tif", "img-0001-a.png", "img-0002-b.png"};
    for (size_t i = 0; i < 3; i++) {
        char cmd[1400];
        snprintf(cmd, sizeof cmd, "cp '%s/%s' '%s/again-%s'", staging, copies[i], staging, copies[i]);
        cr_assert_eq(system(cmd), 0);
        snprintf(names[n_files++], 64, "again-%s", copies[i]);
    }
    char notes[600];
    snprintf(notes, sizeof notes, "%s/notes.tif", staging);
    FILE *f = fopen(notes, "w");
    fputs("Hej! Här är min enkät.\n", f);
    fclose(f);
    snprintf(names[n_files++], 64, "notes.tif");

    /* the mail keeps coming: a share of the files before each run, another
     * while it runs, so that every kill finds work in hand */
    unsigned r = seed;
    int kills = 0, dropped = 0, slice = n_files / (2 * KILLS + 1) + 1;
    for (; kills < KILLS; kills++) {
        dropped = drop_some(names, dropped, slice, n_files);
        daemon_proc p;
        daemon_options fast = {.extra = {"--settle", "0.05"}}; /* the files were renamed in: complete */
        start(&p, &fast);
        /* 0.1 .. 1 s after the start (start-up, the first files, an export),
         * more mail, and the kill 0 .. 0.35 s later: before the claim, in a
         * file's transaction, while filing, between files */
        struct timespec first = {0, (100 + (long)(rand_r(&r) % 900)) * 1000 * 1000};
        struct timespec then = {0, (long)(rand_r(&r) % 350) * 1000 * 1000};
        nanosleep(&first, NULL);
        dropped = drop_some(names, dropped, slice, n_files);
        nanosleep(&then, NULL);
        kill(p.pid, SIGKILL);
        int status = finish(&p, 30);
        cr_assert_eq(status, -SIGKILL, "run %d ended by itself with %d", kills, status);
    }
    /* the last run gets the rest and goes to the end */
    drop_some(names, dropped, n_files, n_files);
    daemon_proc p;
    daemon_options o = {.extra = {"--exit-when-idle"}};
    start(&p, &o);
    int status = finish(&p, 300);
    cr_assert_eq(status, 0, "the last run exited with %d", status);
    char *log = read_file("watch.log");
    int reread = 0, refiled = 0;
    for (const char *q = log; (q = strstr(q, "by the last run: read again")); q++)
        reread++;
    for (const char *q = log; (q = strstr(q, "already recorded before the restart")); q++)
        refiled++;
    free(log);
    cr_log_info("%d kills; %lld files in the ledger; %d restarts found files left in processing, %d files were "
                "recorded before a kill and filed after it", kills, ledger_count("SELECT count(*) FROM scan_files"),
                reread, refiled);

    char *records = read_file("out/records.csv");
    for (int i = 0; i < forms; i++) {
        char code[32], q1a[16] = "", q4a[16] = "";
        snprintf(code, sizeof code, "W%04d", i);
        cr_assert_eq(record_rows(records, code, q1a, q4a), 1, "%s is in records.csv %d times (OMR_KILL_SEED=%u)", code,
                     record_rows(records, code, NULL, NULL), seed);
        cr_assert_str_eq(q1a, q1a_values[i % 5], "%s q1a", code);
        cr_assert_str_eq(q4a, i % 2 ? "1" : "2", "%s q4a", code);
    }
    free(records);
    /* a failure names the seed that replays its kills (the log says it only with --verbose) */
    cr_assert_eq(ledger_count("SELECT count(*) FROM returns"), forms, "OMR_KILL_SEED=%u", seed);
    cr_assert_eq(ledger_count("SELECT count(*) FROM (SELECT code FROM returns GROUP BY code HAVING count(*) > 1)"), 0,
                 "OMR_KILL_SEED=%u", seed);
    cr_assert_eq(ledger_count("SELECT count(*) FROM pages WHERE status = 'read'"), 2 * forms, "OMR_KILL_SEED=%u",
                 seed);
    cr_assert_eq(ledger_count("SELECT count(*) FROM scan_files"), n_files - 3, "each content once (OMR_KILL_SEED=%u)",
                 seed);
    cr_assert_eq(ledger_count("SELECT count(*) FROM scan_files WHERE state = 'processing'"), 0, "OMR_KILL_SEED=%u",
                 seed);
    cr_assert_eq(ledger_count("SELECT count(*) FROM duplicate_files"), 3,
                 "each later copy noted once (OMR_KILL_SEED=%u)", seed);
    char archive[512], rejected[512];
    path_in(archive, sizeof archive, "archive");
    path_in(rejected, sizeof rejected, "rejected");
    for (int i = 0; i < n_files; i++)
        cr_assert(filed_under(archive, names[i]) || filed_under(rejected, names[i]), "%s was not filed", names[i]);
    cr_assert(filed_under(rejected, "notes.tif") && filed_under(rejected, "notes.tif.reason"));
    cr_assert_eq(count_files("inbox"), 0);
    cr_assert_eq(count_files("inbox/.processing"), 0);
}

/* Writes `path` from `data` in pieces: a pause after each piece, the file
 * held open throughout (one long pause), or closed and reopened. */
static void write_slowly(const char *path, const char *data, size_t size, int reopen) {
    struct timespec short_pause = {0, 300 * 1000 * 1000}, long_pause = {1, 400 * 1000 * 1000};
    size_t piece = size / 6 + 1;
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    cr_assert_geq(fd, 0);
    for (size_t done = 0, k = 0; done < size; done += piece, k++) {
        size_t n = size - done < piece ? size - done : piece;
        cr_assert_eq(write(fd, data + done, n), (ssize_t)n);
        if (done + n >= size)
            break;
        if (reopen) {
            close(fd);
            nanosleep(&short_pause, NULL);
            fd = open(path, O_WRONLY | O_APPEND);
            cr_assert_geq(fd, 0);
        } else {
            nanosleep(k == 2 ? &long_pause : &short_pause, NULL);
        }
    }
    close(fd);
}

Test(watch, a_file_written_slowly_is_read_only_when_complete) {
    char staging[512], inbox[512];
    path_in(staging, sizeof staging, "staging");
    path_in(inbox, sizeof inbox, "inbox");
    write_form(3, staging, NULL, 150);  /* env-0003.tif: both pages */
    write_form(6, staging, NULL, 150);  /* env-0006.tif */
    char path[700];
    snprintf(path, sizeof path, "%s/env-0003.tif", staging);
    char *a = read_file("staging/env-0003.tif"), *b = read_file("staging/env-0006.tif");
    struct stat st_a, st_b;
    stat(path, &st_a);
    snprintf(path, sizeof path, "%s/env-0006.tif", staging);
    stat(path, &st_b);

    daemon_proc p;
    daemon_options o = {.extra = {"--settle", "1"}};
    start(&p, &o);
    expect_ready(1);
    /* held open, with one pause longer than the settle time */
    snprintf(path, sizeof path, "%s/slow-open.tif", inbox);
    write_slowly(path, a, (size_t)st_a.st_size, 0);
    /* closed and reopened between pieces, pauses shorter than the settle time */
    snprintf(path, sizeof path, "%s/slow-reopened.tif", inbox);
    write_slowly(path, b, (size_t)st_b.st_size, 1);
    expect_log("slow-reopened.tif: read 2 pages", 60);
    expect_log("slow-open.tif: read 2 pages", 60);
    kill(p.pid, SIGTERM);
    cr_assert_eq(finish(&p, 60), 0);
    cr_assert(!log_has(": rejected:"), "a piece was read as a file");
    cr_assert_eq(ledger_count("SELECT count(*) FROM scan_files"), 2);
    cr_assert_eq(ledger_count("SELECT count(*) FROM scan_files WHERE state = 'done'"), 2);
    cr_assert_eq(ledger_count("SELECT count(*) FROM returns WHERE code IN ('W0003', 'W0006')"), 2);
    char *records = read_file("out/records.csv");
    cr_assert_eq(record_rows(records, "W0003", NULL, NULL), 1);
    cr_assert_eq(record_rows(records, "W0006", NULL, NULL), 1);
    free(records);
    free(a);
    free(b);
}

Test(watch, files_that_vanish_cannot_be_read_or_are_no_scan_are_reported_and_the_daemon_goes_on) {
    int drop = can_drop_privileges();
    char inbox[512], path[700];
    path_in(inbox, sizeof inbox, "inbox");
    daemon_proc p;
    daemon_options o = {.unprivileged = 1, .extra = {"--settle", "1"}};
    start(&p, &o);
    expect_ready(1);
    /* appears, and is gone again before it is complete */
    snprintf(path, sizeof path, "%s/gone.png", inbox);
    FILE *f = fopen(path, "w");
    fputs("\x89PNG half", f);
    fclose(f);
    struct timespec half = {0, 400 * 1000 * 1000};
    nanosleep(&half, NULL);
    unlink(path);
    /* no scan: a text file with an image's name */
    snprintf(path, sizeof path, "%s/letter.tif", inbox);
    f = fopen(path, "w");
    fputs("Hej! Jag vill inte vara med.\n", f);
    fclose(f);
    chmod(path, 0644);
    /* cannot be read (only meaningful when the daemon is not root) */
    int unreadable = drop || geteuid() != 0;
    if (unreadable) {
        snprintf(path, sizeof path, "%s/locked.png", inbox);
        f = fopen(path, "w");
        fputs("secret", f);
        fclose(f);
        chmod(path, 0000);
    }
    /* and then a good form, which must still be read */
    write_form(3, inbox, NULL, 150);
    expect_log("env-0003.tif: read 2 pages", 60);
    expect_log("letter.tif: rejected", 30);
    expect_log("gone.png: vanished from the inbox", 30);
    if (unreadable)
        expect_log("locked.png: ", 30);
    kill(p.pid, SIGTERM);
    cr_assert_eq(finish(&p, 60), 0);

    char rejected[512];
    path_in(rejected, sizeof rejected, "rejected");
    cr_assert(filed_under(rejected, "letter.tif") && filed_under(rejected, "letter.tif.reason"));
    char cmd[800];
    snprintf(cmd, sizeof cmd, "grep -q 'not a TIFF, PNG, JPEG or PDF' %s/*/letter.tif.reason", rejected);
    cr_assert_eq(system(cmd), 0, "the .reason file does not say why");
    snprintf(cmd, sizeof cmd, "grep -q 'What to do' %s/*/letter.tif.reason", rejected);
    cr_assert_eq(system(cmd), 0);
    if (unreadable) {
        cr_assert(log_has("Permission denied"), "the unreadable file was not reported");
        cr_assert(filed_under(rejected, "locked.png") || filed_under(inbox, "locked.png"));
        if (filed_under(rejected, "locked.png")) {
            snprintf(cmd, sizeof cmd, "grep -q 'Permission denied' %s/*/locked.png.reason", rejected);
            cr_assert_eq(system(cmd), 0);
        }
    } else {
        cr_log_warn("running as root without a way to drop privileges: the unreadable-file case is not checked");
    }
    char *rejects = read_file("out/rejects.csv");
    cr_assert(strstr(rejects, "letter.tif,,error,"), "%s", rejects);
    free(rejects);
    char *records = read_file("out/records.csv");
    cr_assert_eq(record_rows(records, "W0003", NULL, NULL), 1);
    free(records);
}

/* The inbox and the processing folder are empty. */
static int all_filed(const void *arg) {
    (void)arg;
    return count_files("inbox") == 0 && count_files("inbox/.processing") == 0;
}

Test(watch, a_full_disk_is_reported_and_nothing_is_lost_once_there_is_room) {
    daemon_proc p;
    start(&p, NULL);
    char inbox[512];
    path_in(inbox, sizeof inbox, "inbox");
    write_form(0, inbox, NULL, 150);
    expect_log("env-0000.tif: read 2 pages", 60);
    /* the disk fills: no file of the daemon may grow past 4 KB */
    struct rlimit tiny = {4096, RLIM_INFINITY}, room = {RLIM_INFINITY, RLIM_INFINITY};
    cr_assert_eq(prlimit(p.pid, RLIMIT_FSIZE, &tiny, NULL), 0, "prlimit: %s", strerror(errno));
    for (int i = 1; i <= 4; i++)
        write_form(i, inbox, NULL, 150);
    expect_log("Nothing is lost", 60);
    struct timespec a_while = {2, 0};
    nanosleep(&a_while, NULL);
    cr_assert_eq(ledger_count("SELECT count(*) FROM returns"), 1, "something was recorded on a full disk");
    /* room again */
    cr_assert_eq(prlimit(p.pid, RLIMIT_FSIZE, &room, NULL), 0, "prlimit: %s", strerror(errno));
    cr_assert(wait_for(all_filed, NULL, 60), "not recovered: files still waiting");
    kill(p.pid, SIGTERM);
    cr_assert_eq(finish(&p, 60), 0);
    char *log = read_file("watch.log");
    cr_assert(strstr(log, "full") || strstr(log, "refused the write"), "not in plain words:\n%s", log);
    free(log);
    char *records = read_file("out/records.csv");
    for (int i = 0; i <= 4; i++) {
        char code[16];
        snprintf(code, sizeof code, "W%04d", i);
        cr_assert_eq(record_rows(records, code, NULL, NULL), 1, "%s", code);
    }
    free(records);
    cr_assert_eq(ledger_count("SELECT count(*) FROM returns"), 5);
    cr_assert_eq(ledger_count("SELECT count(*) FROM pages WHERE status = 'read'"), 10);
}

Test(watch, a_read_only_output_folder_is_reported_and_written_once_writable) {
    if (geteuid() == 0 && !can_drop_privileges())
        cr_skip_test("needs a daemon that is not root");
    char out[512], inbox[512];
    path_in(out, sizeof out, "out");
    path_in(inbox, sizeof inbox, "inbox");
    daemon_proc p;
    daemon_options o = {.unprivileged = 1};
    start(&p, &o);
    write_form(0, inbox, NULL, 150);
    expect_log("env-0000.tif: read 2 pages", 60);
    struct timespec pause = {1, 500 * 1000 * 1000};
    nanosleep(&pause, NULL);
    cr_assert_eq(chmod(out, 0555), 0);
    write_form(3, inbox, NULL, 150);
    expect_log("read-only", 60);
    char *records = read_file("out/records.csv");
    cr_assert_eq(record_rows(records, "W0003", NULL, NULL), 0);
    free(records);
    cr_assert_eq(chmod(out, 0777), 0);
    expect_log("outputs written again", 60);
    kill(p.pid, SIGTERM);
    cr_assert_eq(finish(&p, 60), 0);
    records = read_file("out/records.csv");
    cr_assert_eq(record_rows(records, "W0000", NULL, NULL), 1);
    cr_assert_eq(record_rows(records, "W0003", NULL, NULL), 1);
    free(records);
}

static int status_shows(const void *arg) {
    (void)arg;
    char cmd[800];
    snprintf(cmd, sizeof cmd, "'%s' status --db '%s/state/omr.db' --json > '%s/status.json' 2>&1", omr_bin, dir, dir);
    if (system(cmd) != 0)
        return 0;
    char *json = read_file("status.json");
    int ok = strstr(json, "\"running\": true") && strstr(json, "\"total\": 2");
    free(json);
    return ok;
}

Test(watch, sighup_reloads_the_config_sigterm_drains_and_status_tells_staff) {
    char config[512], archive2[512];
    path_in(config, sizeof config, "omr-watch.conf");
    path_in(archive2, sizeof archive2, "archive2");
    const char *text =
        "# written by test_watch\n"
        "inbox = \"inbox\";\narchive = \"%s\";\nrejected = \"rejected\";\nout = \"out\";\n"
        "db = \"state/omr.db\";\ntemplates = [\"ekb-2024.cfg\"];\ncalibration = \"%s/default.cfg\";\n"
        "workers = 1;\nocr = false;\nsettle_seconds = 0.3;\npoll_seconds = 0.5;\nexport_seconds = 1;\n"
        "retry_seconds = 1;\n";
    /* templates are resolved from the working folder: give the full path */
    char templ[512];
    path_in(templ, sizeof templ, "ekb-2024.cfg");
    FILE *f = fopen(config, "w");
    fprintf(f, text, "archive", dir);
    fclose(f);
    char cmd[1600];
    snprintf(cmd, sizeof cmd, "sed -i 's|\"ekb-2024.cfg\"|\"%s\"|' '%s'", templ, config);
    cr_assert_eq(system(cmd), 0);
    daemon_proc p;
    daemon_options o = {.config = config};
    start(&p, &o);
    char inbox[512];
    path_in(inbox, sizeof inbox, "inbox");
    write_form(0, inbox, NULL, 150);
    expect_log("env-0000.tif: read 2 pages", 60);
    /* a new archive folder and a typo: the typo is refused, the old config stays */
    f = fopen(config, "a");
    fputs("archvie = \"x\";\n", f);
    fclose(f);
    kill(p.pid, SIGHUP);
    cr_assert(wait_for(log_has_test, "unknown setting \"archvie\"", 30), "a bad config was not refused");
    f = fopen(config, "w");
    fprintf(f, text, "archive2", dir);
    fclose(f);
    cr_assert_eq(system(cmd), 0);
    kill(p.pid, SIGHUP);
    expect_log("reloaded; watching", 30);
    write_form(3, inbox, NULL, 150);
    expect_log("env-0003.tif: read 2 pages", 60);
    cr_assert(filed_under(archive2, "env-0003.tif"), "the reloaded archive folder is not used");
    cr_assert(wait_for(status_shows, NULL, 20), "omr status --json while running");
    kill(p.pid, SIGTERM);
    cr_assert_eq(finish(&p, 60), 0);
    cr_assert(log_has("SIGTERM: finishing the files in hand") && log_has("stopped: 2 files read"));
    snprintf(cmd, sizeof cmd, "'%s' status --db '%s/state/omr.db' > '%s/status.txt' 2>&1", omr_bin, dir, dir);
    cr_assert_eq(system(cmd), 0);
    char *status = read_file("status.txt");
    cr_assert(strstr(status, "NOT running") && strstr(status, "today: 2 files read") &&
                  strstr(status, "0 files waiting"),
              "%s", status);
    free(status);
}

Test(watch, comments_follow_through_the_background_ocr_queue_and_export_rewrites_everything) {
    if (UNDER_ASAN)
        cr_skip_test("Tesseract under AddressSanitizer is too slow for CI");
    char inbox[512], path[700];
    path_in(inbox, sizeof inbox, "inbox");
    omr_image *p2 = form_page(7, 2, 200);
    const template_text_field *field = NULL;
    for (size_t k = 0; k < tmpl->n_text_fields; k++)
        if (tmpl->text_fields[k].page == 2)
            field = &tmpl->text_fields[k];
    cr_assert_not_null(field);
    /* three lines of "writing": joined-up waves (a straight rule across the
     * field would be a fold to writing.c, not writing) */
    for (int line = 0; line < 3; line++)
        for (double x = 10; x < 90; x += 0.25)
            test_draw_line(p2, field->rect.x + x, field->rect.y + 12 + 8 * line + 2 * sin(x * 1.8),
                           field->rect.x + x + 0.25, field->rect.y + 12 + 8 * line + 2 * sin((x + 0.25) * 1.8),
                           0.6, 20);
    snprintf(path, sizeof path, "%s/comment.png", inbox);
    write_png_at(p2, path);
    omr_image_free(p2);
    daemon_proc p;
    daemon_options o = {.extra = {"--exit-when-idle"}};
    /* with OCR this time (the flags after --no-ocr cannot switch it back on: use a config) */
    char config[512];
    path_in(config, sizeof config, "ocr.conf");
    FILE *f = fopen(config, "w");
    fprintf(f, "inbox = \"inbox\"; archive = \"archive\"; rejected = \"rejected\"; out = \"out\";\n"
               "db = \"state/omr.db\"; templates = [\"%s/ekb-2024.cfg\"]; calibration = \"%s/default.cfg\";\n"
               "workers = 1; ocr = true; ocr_workers = 1; settle_seconds = 0.3; poll_seconds = 0.5;\n"
               "export_seconds = 1; retry_seconds = 1;\n", dir, dir);
    fclose(f);
    o.config = config;
    start(&p, &o);
    cr_assert_eq(finish(&p, 120), 0);
    cr_assert_eq(ledger_count("SELECT count(*) FROM texts WHERE status = 'pending_ocr'"), 0);
    cr_assert_eq(ledger_count("SELECT count(*) FROM texts WHERE status IN ('ok', 'review')"), 1);
    /* omr export rewrites every output from the ledger alone */
    char out[512], cmd[2400];
    path_in(out, sizeof out, "out");
    snprintf(cmd, sizeof cmd, "rm -f '%s'/*.csv && '%s' export --db '%s/state/omr.db' --out '%s' 2>/dev/null", out,
             omr_bin, dir, out);
    cr_assert_eq(system(cmd), 0);
    char *records = read_file("out/records.csv");
    cr_assert_eq(record_rows(records, "W0007", NULL, NULL), 1);
    cr_assert(strstr(records, "missing_page:1"));
    free(records);
    const char *files[] = {"out/marks.csv", "out/review.csv", "out/rejects.csv", "out/codebook.csv"};
    for (size_t i = 0; i < 4; i++) {
        char *text = read_file(files[i]);
        cr_assert(strlen(text) > 10, "%s is missing", files[i]);
        free(text);
    }
}

Test(watch, the_example_config_is_valid_and_mistakes_are_refused_with_their_line) {
    watch_config c;
    watch_config_defaults(&c);
    omr_error err;
    cr_assert_eq(watch_config_read("contrib/omr-watch.conf.example", &c, &err), OMR_OK, "%s", err.message);
    cr_assert_str_eq(c.inbox, "/srv/omr/inbox");
    cr_assert_eq(c.n_templates, 1);
    cr_assert_str_eq(c.templates[0], "ekb-2024");
    cr_assert_eq(c.ocr, 1);
    cr_assert_float_eq(c.settle_seconds, 5.0, 1e-9);
    cr_assert_eq(watch_config_check(&c, &err), OMR_OK, "%s", err.message);
    watch_config_free(&c);

    char path[512];
    path_in(path, sizeof path, "bad.conf");
    FILE *f = fopen(path, "w");
    fputs("inbox = \"in\";\nworkers = \"two\";\n", f);
    fclose(f);
    watch_config_defaults(&c);
    cr_assert_eq(watch_config_read(path, &c, &err), OMR_ERR_INVALID);
    cr_assert(strstr(err.message, "bad.conf:2: workers must be a number"), "%s", err.message);
    /* relative folders are taken from the config file's folder */
    cr_assert(strstr(c.inbox, dir) && strstr(c.inbox, "/in"), "%s", c.inbox);
    watch_config_free(&c);
}

Test(watch, a_file_recorded_before_a_crash_is_filed_without_being_counted_again) {
    char inbox[512];
    path_in(inbox, sizeof inbox, "inbox");
    write_form(3, inbox, NULL, 150);
    daemon_proc p;
    daemon_options o = {.extra = {"--exit-when-idle"}};
    start(&p, &o);
    cr_assert_eq(finish(&p, 60), 0);
    /* the state a kill between the ledger's commit and the move leaves:
     * recorded as done, but the file still in the processing folder */
    char cmd[1600];
    snprintf(cmd, sizeof cmd, "mv %s/archive/*/env-0003.tif '%s/.processing/1795400000-1~env-0003.tif'", dir, inbox);
    cr_assert_eq(system(cmd), 0);
    start(&p, &o);
    cr_assert_eq(finish(&p, 60), 0);
    expect_log("env-0003.tif: already recorded before the restart (done); filed as", 0);
    char archive[512];
    path_in(archive, sizeof archive, "archive");
    cr_assert(filed_under(archive, "env-0003.tif"));
    cr_assert_eq(count_files("inbox/.processing"), 0);
    cr_assert_eq(ledger_count("SELECT count(*) FROM scan_files"), 1);
    cr_assert_eq(ledger_count("SELECT count(*) FROM duplicate_files"), 0);
    cr_assert_eq(ledger_count("SELECT count(*) FROM returns"), 1);
    char *records = read_file("out/records.csv");
    cr_assert_eq(record_rows(records, "W0003", NULL, NULL), 1);
    free(records);
}

/* The same for a later arrival of content already read (a scanner that saves
 * twice): a kill between noting it as a duplicate and filing it must not note
 * it again on restart. */
Test(watch, a_duplicate_noted_before_a_crash_is_filed_without_being_noted_again) {
    char inbox[512], staging[512];
    path_in(inbox, sizeof inbox, "inbox");
    path_in(staging, sizeof staging, "staging");
    write_form(3, staging, NULL, 150);
    char cmd[2400];
    snprintf(cmd, sizeof cmd, "cp '%s/env-0003.tif' '%s/again-env-0003.tif' && mv '%s/env-0003.tif' '%s/'", staging,
             staging, staging, inbox);
    cr_assert_eq(system(cmd), 0);
    daemon_proc p;
    daemon_options o = {.extra = {"--exit-when-idle"}};
    start(&p, &o);
    cr_assert_eq(finish(&p, 60), 0);
    snprintf(cmd, sizeof cmd, "mv '%s/again-env-0003.tif' '%s/'", staging, inbox);
    cr_assert_eq(system(cmd), 0);
    start(&p, &o);
    cr_assert_eq(finish(&p, 60), 0);
    cr_assert_eq(ledger_count("SELECT count(*) FROM duplicate_files"), 1);
    /* the state a kill between the duplicate's commit and its move leaves */
    snprintf(cmd, sizeof cmd, "mv %s/archive/*/again-env-0003.tif '%s/.processing/1795400000-1~again-env-0003.tif'",
             dir, inbox);
    cr_assert_eq(system(cmd), 0);
    start(&p, &o);
    cr_assert_eq(finish(&p, 60), 0);
    expect_log("again-env-0003.tif: already recorded before the restart (the same content as env-0003.tif", 0);
    char archive[512];
    path_in(archive, sizeof archive, "archive");
    cr_assert(filed_under(archive, "again-env-0003.tif"));
    cr_assert(!filed_under(archive, "again-env-0003-2.tif"), "filed twice");
    cr_assert_eq(count_files("inbox/.processing"), 0);
    cr_assert_eq(ledger_count("SELECT count(*) FROM scan_files"), 1);
    cr_assert_eq(ledger_count("SELECT count(*) FROM duplicate_files"), 1, "the duplicate was noted again");
    cr_assert_eq(ledger_count("SELECT count(*) FROM returns"), 1);
    /* a third arrival of the same content under the same name is a duplicate again */
    snprintf(cmd, sizeof cmd, "cp %s/archive/*/env-0003.tif '%s/again-env-0003.tif'", dir, inbox);
    cr_assert_eq(system(cmd), 0);
    start(&p, &o);
    cr_assert_eq(finish(&p, 60), 0);
    cr_assert_eq(ledger_count("SELECT count(*) FROM duplicate_files"), 2);
    cr_assert(filed_under(archive, "again-env-0003-2.tif"));
}

/* ---- hardening (issue 12) ------------------------------------------------------------------ */

/* A mistyped inbox is refused (exit 2), not made; so is a folder whose parent
 * does not exist; --create-folders makes them. */
Test(watch, a_missing_inbox_or_folder_parent_is_refused_unless_asked_to_create) {
    char missing[512], archive[512];
    path_in(missing, sizeof missing, "no-such/inbox");
    path_in(archive, sizeof archive, "gone/archive");
    daemon_proc p;
    daemon_options o = {.extra = {"--inbox", missing, "--exit-when-idle"}};
    start(&p, &o);
    cr_assert_eq(finish(&p, 60), 2);
    expect_log("the inbox", 0);
    expect_log("no-such/inbox does not exist; check the path for a typo", 0);
    struct stat st;
    cr_assert_neq(stat(missing, &st), 0, "the mistyped inbox was created");

    daemon_options o2 = {.extra = {"--archive", archive, "--exit-when-idle"}};
    start(&p, &o2);
    cr_assert_eq(finish(&p, 60), 2);
    expect_log("gone/archive cannot be made: its folder", 0);
    cr_assert_neq(stat(archive, &st), 0);

    daemon_options o3 = {.extra = {"--inbox", missing, "--archive", archive, "--create-folders", "--exit-when-idle"}};
    start(&p, &o3);
    cr_assert_eq(finish(&p, 60), 0);
    cr_assert(stat(missing, &st) == 0 && S_ISDIR(st.st_mode));
    cr_assert(stat(archive, &st) == 0 && S_ISDIR(st.st_mode));
}

/* A FIFO and a link in the inbox are set aside into rejected/ with their
 * reason, never opened, and counted by omr status. */
Test(watch, a_fifo_and_a_link_in_the_inbox_are_set_aside_with_their_reason_and_counted) {
    char inbox[512], path[700], cmd[1600];
    path_in(inbox, sizeof inbox, "inbox");
    snprintf(path, sizeof path, "%s/scanner.tif", inbox);
    cr_assert_eq(mkfifo(path, 0666), 0);
    snprintf(path, sizeof path, "%s/passwd.tif", inbox);
    cr_assert_eq(symlink("/etc/passwd", path), 0);
    write_form(3, inbox, NULL, 150);
    daemon_proc p;
    daemon_options o = {.extra = {"--exit-when-idle"}};
    start(&p, &o);
    cr_assert_eq(finish(&p, 60), 0);
    expect_log("scanner.tif: rejected: a named pipe (FIFO), not a file", 0);
    expect_log("passwd.tif: rejected: a link (to /etc/passwd), not a file", 0);
    char rejected[512];
    path_in(rejected, sizeof rejected, "rejected");
    cr_assert(filed_under(rejected, "scanner.tif.reason") && filed_under(rejected, "passwd.tif.reason"));
    snprintf(cmd, sizeof cmd, "grep -q 'a named pipe (FIFO)' %s/*/scanner.tif.reason", rejected);
    cr_assert_eq(system(cmd), 0);
    snprintf(path, sizeof path, "%s/scanner.tif", inbox);
    struct stat st;
    cr_assert_neq(lstat(path, &st), 0, "the FIFO stayed in the inbox");
    snprintf(path, sizeof path, "%s/passwd.tif", inbox);
    cr_assert_neq(lstat(path, &st), 0, "the link stayed in the inbox");
    cr_assert_eq(ledger_count("SELECT count(*) FROM scan_files WHERE state = 'rejected'"), 2);
    cr_assert_eq(ledger_count("SELECT count(*) FROM scan_files WHERE state = 'done'"), 1);
    snprintf(cmd, sizeof cmd, "'%s' status --db '%s/state/omr.db' > '%s/status.txt' 2>&1", omr_bin, dir, dir);
    cr_assert_eq(system(cmd), 0);
    char *status = read_file("status.txt");
    cr_assert(strstr(status, "1 file read, 2 rejected") && strstr(status, "a named pipe (FIFO)") &&
                  !strstr(status, "no errors"), "%s", status);
    free(status);
    char *rejects = read_file("out/rejects.csv");
    cr_assert(strstr(rejects, "passwd.tif,,error,"), "%s", rejects);
    free(rejects);
}

/* A kill between the copy across disks and the delete leaves the file both in
 * the archive and in processing/: the restart finishes the move, and lists no
 * phantom duplicate. */
Test(watch, a_crash_between_copy_and_delete_finishes_the_move_without_a_duplicate) {
    char inbox[512];
    path_in(inbox, sizeof inbox, "inbox");
    write_form(3, inbox, NULL, 150);
    daemon_proc p;
    daemon_options o = {.extra = {"--exit-when-idle"}};
    start(&p, &o);
    cr_assert_eq(finish(&p, 60), 0);
    char cmd[1600];
    /* what a move across disks leaves when killed after the copy: the note
     * naming the target, and the file in processing/ */
    snprintf(cmd, sizeof cmd,
             "cp %s/archive/*/env-0003.tif '%s/.processing/1795400000-1~env-0003.tif' && "
             "printf %%s %s/archive/*/env-0003.tif > '%s/.processing/.1795400000-1~env-0003.tif.filing'",
             dir, inbox, dir, inbox);
    cr_assert_eq(system(cmd), 0);
    start(&p, &o);
    cr_assert_eq(finish(&p, 60), 0);
    expect_log("env-0003.tif: already recorded and filed before the restart (done", 0);
    char note[700];
    snprintf(note, sizeof note, "%s/.processing/.1795400000-1~env-0003.tif.filing", inbox);
    struct stat st;
    cr_assert_neq(stat(note, &st), 0, "the note of the move was left behind");
    char archive[512];
    path_in(archive, sizeof archive, "archive");
    cr_assert(!filed_under(archive, "env-0003-2.tif"), "archived again as -2");
    cr_assert_eq(count_files("inbox/.processing"), 0);
    cr_assert_eq(ledger_count("SELECT count(*) FROM scan_files"), 1);
    cr_assert_eq(ledger_count("SELECT count(*) FROM duplicate_files"), 0);
    char *rejects = read_file("out/rejects.csv");
    cr_assert(!strstr(rejects, "duplicate"), "%s", rejects);
    free(rejects);
}

/* Two daemons with their own inboxes and ledgers share one archive; files of
 * the same names arrive at both: none overwrites another, every ledger row
 * points at a file with its own content. */
Test(watch, two_daemons_sharing_an_archive_never_overwrite_each_others_files, .timeout = 400) {
    enum { FORMS = 12 };
    char names[FORMS * 2][64], staging[512], inbox2[512], out2[512], db2[512];
    path_in(staging, sizeof staging, "staging");
    path_in(inbox2, sizeof inbox2, "inbox2");
    path_in(out2, sizeof out2, "out2");
    path_in(db2, sizeof db2, "state/b.db");
    mkdir(inbox2, 0777);
    mkdir(out2, 0777);
    /* inbox: forms 0..11; inbox2: forms 50..61 under the same names */
    int n = 0;
    for (int i = 0; i < FORMS; i++)
        n += write_form(i, staging, names + n, 150);
    for (int k = 0; k < n; k++) {
        char a[2200], b[2200];
        snprintf(a, sizeof a, "%s/%s", staging, names[k]);
        snprintf(b, sizeof b, "%s/inbox/%s", dir, names[k]);
        cr_assert_eq(rename(a, b), 0);
    }
    int n2 = 0;
    char names2[FORMS * 2][64];
    for (int i = 0; i < FORMS; i++)
        n2 += write_form(i + 50, staging, names2 + n2, 150);
    cr_assert_eq(n, n2);
    for (int k = 0; k < n2; k++) {
        char a[2200], b[2200];
        snprintf(a, sizeof a, "%s/%s", staging, names2[k]);
        snprintf(b, sizeof b, "%s/%s", inbox2, names[k]); /* the first inbox's names */
        cr_assert_eq(rename(a, b), 0);
    }
    daemon_proc p, q;
    daemon_options o = {.extra = {"--exit-when-idle", "--settle", "0", "--workers", "3"}};
    daemon_options o2 = {.extra = {"--inbox", inbox2, "--out", out2, "--db", db2, "--exit-when-idle", "--settle", "0",
                                   "--workers", "3"}};
    start(&p, &o);
    start(&q, &o2);
    cr_assert_eq(finish(&p, 300), 0);
    cr_assert_eq(finish(&q, 300), 0);
    /* every row of both ledgers: its stored file exists and holds its content */
    const char *dbs[2] = {"state/omr.db", "state/b.db"};
    int files = 0;
    for (int l = 0; l < 2; l++) {
        char path[512];
        path_in(path, sizeof path, dbs[l]);
        sqlite3 *db = NULL;
        cr_assert_eq(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
        sqlite3_stmt *st;
        cr_assert_eq(sqlite3_prepare_v2(db, "SELECT sha256, stored_path FROM scan_files", -1, &st, NULL), SQLITE_OK);
        while (sqlite3_step(st) == SQLITE_ROW) {
            const char *sha = (const char *)sqlite3_column_text(st, 0), *stored = (const char *)sqlite3_column_text(st, 1);
            char hex[65];
            long long size;
            omr_error err;
            cr_assert_eq(store_hash_file(stored, hex, &size, &err), OMR_OK, "%s: %s", stored, err.message);
            cr_assert_str_eq(hex, sha, "%s holds another file's content (overwritten)", stored);
            files++;
        }
        sqlite3_finalize(st);
        sqlite3_close(db);
    }
    cr_assert_eq(files, 2 * n);
    char cmd[800];
    snprintf(cmd, sizeof cmd, "test $(find '%s/archive' -type f ! -name '.*' | wc -l) -eq %d", dir, 2 * n);
    cr_assert_eq(system(cmd), 0, "the archive does not hold every file once");
}

/* The ledger deleted while the daemon runs: it stops with exit 4 and saves
 * what it held; a restart with a new ledger beside a full archive warns. New
 * ledgers are created 0600, their -wal and -shm too. */
Test(watch, a_ledger_deleted_while_running_stops_the_daemon_and_a_new_empty_one_warns) {
    char inbox[512], db[512], wal[600];
    path_in(inbox, sizeof inbox, "inbox");
    path_in(db, sizeof db, "state/omr.db");
    snprintf(wal, sizeof wal, "%s-wal", db);
    mode_t old_mask = umask(022);
    daemon_proc p;
    start(&p, NULL);
    umask(old_mask);
    write_form(3, inbox, NULL, 150);
    expect_log("env-0003.tif: read 2 pages", 60);
    struct stat st;
    cr_assert_eq(stat(db, &st), 0);
    cr_assert_eq(st.st_mode & 0777, 0600, "the ledger is %o", (unsigned)(st.st_mode & 0777));
    cr_assert_eq(stat(wal, &st), 0);
    cr_assert_eq(st.st_mode & 0777, 0600, "the ledger's WAL is %o", (unsigned)(st.st_mode & 0777));
    cr_assert_eq(unlink(db), 0);
    cr_assert_eq(finish(&p, 60), 4, "the daemon did not stop with exit status 4");
    expect_log("was deleted or moved away while omr watch ran", 0);
    expect_log("put it back in place of", 0);
    char cmd[1200];
    /* the rescued copy: the file read before the deletion */
    snprintf(cmd, sizeof cmd, "ls %s.rescued-* > %s/rescued.txt", db, dir);
    cr_assert_eq(system(cmd), 0);
    char *rescued = read_file("rescued.txt");
    rescued[strcspn(rescued, "\n")] = 0;
    sqlite3 *r = NULL;
    cr_assert_eq(sqlite3_open_v2(rescued, &r, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    sqlite3_stmt *q;
    cr_assert_eq(sqlite3_prepare_v2(r, "SELECT count(*) FROM scan_files", -1, &q, NULL), SQLITE_OK);
    cr_assert_eq(sqlite3_step(q), SQLITE_ROW);
    cr_assert_eq(sqlite3_column_int(q, 0), 1);
    sqlite3_finalize(q);
    sqlite3_close(r);
    cr_assert_eq(stat(rescued, &st), 0);
    cr_assert_eq(st.st_mode & 0777, 0600);
    free(rescued);

    /* started again: a new ledger, but the archive holds files */
    daemon_options o = {.extra = {"--exit-when-idle"}};
    start(&p, &o);
    cr_assert_eq(finish(&p, 60), 0);
    expect_log("WARNING: the ledger", 0);
    expect_log("was just created, but the archive", 0);
    snprintf(cmd, sizeof cmd, "'%s' status --db '%s' > '%s/status.txt' 2>&1", omr_bin, db, dir);
    cr_assert_eq(system(cmd), 0);
    char *status = read_file("status.txt");
    cr_assert(strstr(status, "WARNING: the ledger") && !strstr(status, "no errors"), "%s", status);
    free(status);
}

/* The names two daemons pick in one shared archive: never the same, and a
 * move never replaces a file already there (the same content completes an
 * interrupted move instead). */
Test(watch, two_daemons_reserve_different_names_and_a_move_never_overwrites) {
    daemon_state a = {0}, b = {0};
    pthread_mutex_init(&a.mu, NULL);
    pthread_mutex_init(&b.mu, NULL);
    char archive[512], ta[1024], tb[1024], src[700];
    path_in(archive, sizeof archive, "archive");
    watch_reserve_target(&a, archive, "scan.tif", ta, sizeof ta);
    watch_reserve_target(&b, archive, "scan.tif", tb, sizeof tb);
    cr_assert_str_neq(ta, tb, "both daemons would file as %s", ta);
    /* a file put at b's name by someone else is never overwritten */
    FILE *f = fopen(tb, "w");
    fputs("someone else's", f);
    fclose(f);
    path_in(src, sizeof src, "mine.tif");
    f = fopen(src, "w");
    fputs("mine", f);
    fclose(f);
    omr_error err;
    cr_assert_neq(watch_move_file(src, tb, &err), OMR_OK);
    cr_assert(strstr(err.message, "never overwritten"), "%s", err.message);
    char *kept = read_file("mine.tif");
    cr_assert_str_eq(kept, "mine");
    free(kept);
    /* the same content at the target: the move is done, the source removed */
    f = fopen(tb, "w");
    fputs("mine", f);
    fclose(f);
    cr_assert_eq(watch_move_file(src, tb, &err), OMR_OK, "%s", err.message);
    struct stat st;
    cr_assert_neq(stat(src, &st), 0);
    cr_assert_eq(watch_move_file(tb, ta, &err), OMR_OK, "%s", err.message);
    watch_release_target(&a, ta);
    watch_release_target(&b, tb);
    for (size_t i = 0; i < a.n_reserved; i++)
        free(a.reserved[i]);
    free(a.reserved);
    free(a.reserved_fd);
    for (size_t i = 0; i < b.n_reserved; i++)
        free(b.reserved[i]);
    free(b.reserved);
    free(b.reserved_fd);
    /* no claim file is left behind */
    char cmd[800];
    snprintf(cmd, sizeof cmd, "test -z \"$(find '%s' -name '*.omr-claim')\"", archive);
    cr_assert_eq(system(cmd), 0, "a claim file was left in the archive");
}

/* A real move across disks (when /dev/shm is another file system): copied,
 * the source and the note of the move removed; a target already holding the
 * same bytes with the note beside the source (a kill after the copy) is
 * recognised as that move, and one without the note is not. */
Test(watch, a_move_across_disks_leaves_no_note_and_an_interrupted_one_is_recognised) {
    struct stat a, b;
    if (stat(dir, &a) != 0 || stat("/dev/shm", &b) != 0 || a.st_dev == b.st_dev || access("/dev/shm", W_OK) != 0)
        cr_skip_test("no second file system to move across");
    char src[512], dst[512], note[600], cmd[1200];
    path_in(src, sizeof src, "scan.tif");
    snprintf(dst, sizeof dst, "/dev/shm/omr-test-%ld/day/scan.tif", (long)getpid());
    FILE *f = fopen(src, "w");
    fputs("the scan's bytes", f);
    fclose(f);
    omr_error err;
    cr_assert_eq(watch_move_file(src, dst, &err), OMR_OK, "%s", err.message);
    cr_assert_neq(stat(src, &a), 0, "the source stayed");
    path_in(note, sizeof note, ".scan.tif.filing");
    cr_assert_neq(stat(note, &a), 0, "the note of the move stayed");
    /* a kill after the copy: the source back, the note naming the target */
    f = fopen(src, "w");
    fputs("the scan's bytes", f);
    fclose(f);
    cr_assert(!watch_move_interrupted(src, dst), "a copy with the same content is not an interrupted move");
    f = fopen(note, "w");
    fputs(dst, f);
    fclose(f);
    cr_assert(watch_move_interrupted(src, dst));
    snprintf(cmd, sizeof cmd, "rm -rf /dev/shm/omr-test-%ld", (long)getpid());
    cr_assert_eq(system(cmd), 0);
}

/* ---- omr status and the exit codes the unit relies on ---------------------------------------- */

/* A config file that is not there is a configuration error (2): the unit's
 * RestartPreventExitStatus=2 then stops systemd from restarting in a loop. */
Test(watch, a_missing_config_file_exits_2_so_the_unit_does_not_restart) {
    char cmd[1400];
    snprintf(cmd, sizeof cmd, "'%s' watch --config '%s/no-such.conf' > '%s/out.txt' 2>&1", omr_bin, dir, dir);
    int rc = system(cmd);
    cr_assert(WIFEXITED(rc));
    cr_assert_eq(WEXITSTATUS(rc), 2);
    char *out = read_file("out.txt");
    cr_assert(strstr(out, "no-such.conf") && strstr(out, "No such file"), "%s", out);
    free(out);
}

/* A second paper return of a code and a code outside the frame are counted
 * as forms, but `omr status` says what they are. */
Test(watch, status_names_second_returns_and_forms_not_in_the_frame) {
    char db_path[600];
    snprintf(db_path, sizeof db_path, "%s/status.db", dir);
    sqlite3 *db = NULL;
    omr_error err;
    cr_assert_eq(store_open(db_path, &db, &err), OMR_OK, "%s", err.message);
    char now[32];
    time_t t = time(NULL);
    strftime(now, sizeof now, "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
    char *sql = sqlite3_mprintf(
        "INSERT INTO returns(id, template, code, created_at) VALUES (1, 'ekb-2024', 'AAA111', '%q');"
        "INSERT INTO returns(id, template, code, created_at, duplicate_of) VALUES (2, 'ekb-2024', 'AAA111', '%q', 1);"
        "INSERT INTO returns(id, template, code, created_at, flags) VALUES (3, 'ekb-2024', 'ZZZ999', '%q', "
        "'not_in_frame');",
        now, now, now);
    char *msg = NULL;
    cr_assert_eq(sqlite3_exec(db, sql, NULL, NULL, &msg), SQLITE_OK, "%s", msg ? msg : "");
    sqlite3_free(sql);
    store_close(db);
    char cmd[1600];
    snprintf(cmd, sizeof cmd, "'%s' status --db '%s' > '%s/status.txt' 2>&1", omr_bin, db_path, dir);
    cr_assert_eq(system(cmd), 0);
    char *status = read_file("status.txt");
    cr_assert(strstr(status, "3 forms (of them 1 a second return of a code already returned, waiting in review; 1 not in the frame"),
              "%s", status);
    free(status);
    snprintf(cmd, sizeof cmd, "'%s' status --json --db '%s' > '%s/status.json' 2>&1", omr_bin, db_path, dir);
    cr_assert_eq(system(cmd), 0);
    status = read_file("status.json");
    cr_assert(strstr(status, "\"second_returns\": 1") && strstr(status, "\"not_in_frame\": 1"), "%s", status);
    free(status);
}

/* A ledger this user may not read is not "no ledger": the message says so. */
Test(watch, status_without_permission_says_so) {
    char db_path[600];
    snprintf(db_path, sizeof db_path, "%s/private/omr.db", dir);
    char folder[600];
    snprintf(folder, sizeof folder, "%s/private", dir);
    cr_assert_eq(mkdir(folder, 0700), 0);
    sqlite3 *db = NULL;
    omr_error err;
    cr_assert_eq(store_open(db_path, &db, &err), OMR_OK, "%s", err.message);
    store_close(db);
    chmod(db_path, 0600);
    char cmd[1600];
    if (getuid() == 0) /* root reads everything: ask as nobody */
        snprintf(cmd, sizeof cmd, "setpriv --reuid=65534 --regid=65534 --clear-groups '%s' status --db '%s' "
                 "> '%s/status.txt' 2>&1", omr_bin, db_path, dir);
    else {
        chmod(folder, 0);
        snprintf(cmd, sizeof cmd, "'%s' status --db '%s' > '%s/status.txt' 2>&1", omr_bin, db_path, dir);
    }
    int rc = system(cmd);
    chmod(folder, 0700);
    cr_assert(WIFEXITED(rc));
    cr_assert_eq(WEXITSTATUS(rc), 3);
    char *status = read_file("status.txt");
    cr_assert(strstr(status, "may not read it (permission denied)") && !strstr(status, "no ledger"), "%s", status);
    free(status);
}

/* The same login code on a second paper (another scan, both pages): the log
 * names it a second return, never plain "complete". */
Test(watch, a_second_return_of_a_code_is_named_so_in_the_log) {
    char inbox[512], staging[512];
    path_in(inbox, sizeof inbox, "inbox");
    path_in(staging, sizeof staging, "staging");
    write_form(3, inbox, NULL, 150);   /* env-0003.tif */
    write_form(3, staging, NULL, 200); /* the same form, another scan */
    char from[700], to[700];
    snprintf(from, sizeof from, "%s/env-0003.tif", staging);
    snprintf(to, sizeof to, "%s/env-0003-again.tif", inbox);
    cr_assert_eq(rename(from, to), 0);
    daemon_proc p;
    daemon_options o = {.extra = {"--exit-when-idle", "--settle", "1"}};
    start(&p, &o);
    cr_assert_eq(finish(&p, 120), 0);
    cr_assert_eq(ledger_count("SELECT count(*) FROM returns WHERE code = 'W0003'"), 2);
    expect_log("W0003 (complete)", 0);
    expect_log("W0003 (a second return of this code: waits in review)", 0);
}
