/*
 * test_progress.c — the progress of long commands and Ctrl-C during
 * `omr scan`: the figures of the progress line (done/total, rate, time left,
 * the bar), the plain lines a log gets while the real omr scans (and none
 * with --quiet), and SIGINT sent to a running `omr scan`: it stops with exit
 * status 130, leaves no temporary ledger behind and does not touch the
 * outputs already in --out. Runs the real omr binary (OMR_BIN).
 */
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>

#include "helpers.h"
#include "base/progress.h"

Test(progress, figures_of_the_line) {
    char buf[256];
    progress_format(buf, sizeof buf, "pages", 50, 200, 10.0, 1);
    /* 5 pages/s, 150 left: 30 s; the bar a quarter full */
    cr_assert_str_eq(buf, "[#####...............] 50/200 pages, 5.0 pages/s, 0:30 left");
    progress_format(buf, sizeof buf, "pages", 200, 200, 8.0, 0);
    cr_assert_str_eq(buf, "200/200 pages, 25.0 pages/s");
    progress_format(buf, sizeof buf, "codes", 7, 0, 2.0, 1); /* total unknown: no bar, no time */
    cr_assert_str_eq(buf, "7 codes, 3.5 codes/s");
    progress_format(buf, sizeof buf, "forms", 1, 1000, 60.0, 0); /* 999 min left */
    cr_assert(strstr(buf, "999:00 left"), "%s", buf);
}

Test(progress, plain_lines_in_a_log_and_silence_when_quiet) {
    char *dir = test_tempdir();
    char path[4096];
    snprintf(path, sizeof path, "%s/log", dir);
    FILE *log = fopen(path, "w+");
    cr_assert_not_null(log);
    setenv("OMR_PROGRESS_SECONDS", "0", 1);
    progress *p = progress_new(log, "omr render", "forms", 3);
    for (size_t i = 1; i <= 3; i++)
        progress_update(p, i, NULL);
    progress_finish(p);
    unsetenv("OMR_PROGRESS_SECONDS");
    rewind(log);
    char text[2048];
    text[fread(text, 1, sizeof text - 1, log)] = 0;
    fclose(log);
    cr_assert(strstr(text, "omr render: 1/3 forms, ") && strstr(text, "omr render: 3/3 forms, "),
              "%s", text);
    cr_assert(!strchr(text, '\r') && !strchr(text, '['), "no bar in a log: %s", text);
    /* the default interval (10 s): a short run prints nothing */
    log = fopen(path, "w+");
    p = progress_new(log, "omr render", "forms", 3);
    progress_update(p, 1, NULL);
    progress_finish(p);
    cr_assert_eq(ftell(log), 0);
    fclose(log);
    rm_rf(dir);
}

/* n forms of ekb-2024 rendered as PNG pages into dir/scans. */
static void render_scans(const char *dir, int n) {
    char here[2048], cmd[8192];
    cr_assert_not_null(getcwd(here, sizeof here));
    snprintf(cmd, sizeof cmd,
             "cd %s && %s/%s frame codes %d > codes.txt && "
             "%s/%s render ekb-2024 --codes codes.txt --format png --dpi 150 --out scans "
             ">/dev/null 2>&1",
             dir, here, getenv("OMR_BIN"), n, here, getenv("OMR_BIN"));
    cr_assert_eq(system(cmd), 0);
}

/* Starts omr scan in dir with stderr to dir/err and TMPDIR dir/tmp. */
static pid_t start_scan(const char *dir, const char *extra) {
    char here[2048];
    cr_assert_not_null(getcwd(here, sizeof here));
    pid_t pid = fork();
    cr_assert_neq(pid, -1);
    if (pid == 0) {
        char bin[4096], err[4096], tmp[4096];
        snprintf(bin, sizeof bin, "%s/%s", here, getenv("OMR_BIN"));
        snprintf(err, sizeof err, "%s/err", dir);
        snprintf(tmp, sizeof tmp, "%s/tmp", dir);
        int fd = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd < 0 || dup2(fd, 2) < 0 || chdir(dir) != 0)
            _exit(99);
        setenv("TMPDIR", tmp, 1);
        setenv("OMR_PROGRESS_SECONDS", "0", 1);
        execl(bin, bin, "scan", "--template", "ekb-2024", "--no-ocr", "--jobs", "1", "--out",
              "out", "scans", extra, (char *)NULL);
        _exit(98);
    }
    return pid;
}

static void read_file(const char *dir, const char *name, char *buf, size_t size) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    buf[0] = 0;
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    buf[fread(buf, 1, size - 1, f)] = 0;
    fclose(f);
}

Test(progress, scan_prints_lines_to_a_log_and_none_when_quiet, .timeout = 240) {
    char *dir = test_tempdir();
    render_scans(dir, 3);
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "mkdir %s/tmp", dir);
    cr_assert_eq(system(cmd), 0);
    int status;
    pid_t pid = start_scan(dir, NULL);
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status %d", status);
    static char err[65536];
    read_file(dir, "err", err, sizeof err);
    /* 6 files: a line per file, 0/6 to 6/6, pages counted beside */
    cr_assert(strstr(err, "omr scan: 0/6 files, ") && strstr(err, "omr scan: 5/6 files, ") &&
                  strstr(err, "omr scan: 6/6 files, ") && strstr(err, " pages/s"),
              "%s", err);
    pid = start_scan(dir, "--quiet");
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status %d", status);
    read_file(dir, "err", err, sizeof err);
    cr_assert(!strstr(err, "/6 files"), "--quiet printed progress: %s", err);
    rm_rf(dir);
}

Test(progress, ctrl_c_during_scan_leaves_no_temporary_ledger, .timeout = 240) {
    char *dir = test_tempdir();
    render_scans(dir, 12);
    char cmd[4200];
    /* outputs of an earlier run, which an interrupted scan must leave whole */
    snprintf(cmd, sizeof cmd, "mkdir %s/tmp %s/out && echo earlier > %s/out/records.csv", dir, dir,
             dir);
    cr_assert_eq(system(cmd), 0);
    pid_t pid = start_scan(dir, NULL);
    static char err[65536];
    /* wait until the scan is inside the batch: two files stored */
    for (int i = 0; i < 1200; i++) {
        read_file(dir, "err", err, sizeof err);
        if (strstr(err, "omr scan: 2/24 files"))
            break;
        struct timespec ts = {0, 100 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    cr_assert(strstr(err, "omr scan: 2/24 files"), "the scan never got going: %s", err);
    snprintf(cmd, sizeof cmd, "ls %s/tmp | grep -q omr-scan", dir);
    cr_assert_eq(system(cmd), 0, "no temporary ledger while scanning: the test proves nothing");
    cr_assert_eq(kill(pid, SIGINT), 0);
    int status;
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    read_file(dir, "err", err, sizeof err);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 130, "status %d: %s", status, err);
    cr_assert(strstr(err, "stopped by Ctrl-C"), "%s", err);
    snprintf(cmd, sizeof cmd, "test -z \"$(ls -A %s/tmp)\"", dir);
    cr_assert_eq(system(cmd), 0, "a temporary file was left in TMPDIR");
    char records[256];
    read_file(dir, "out/records.csv", records, sizeof records);
    cr_assert_str_eq(records, "earlier\n", "the outputs were touched");
    snprintf(cmd, sizeof cmd, "test ! -e %s/out/marks.csv", dir);
    cr_assert_eq(system(cmd), 0, "a half set of outputs was written");
    rm_rf(dir);
}

/* Every long command prints its progress to a log (OMR_PROGRESS_SECONDS=0:
 * every update) and nothing of it with --quiet. */
Test(progress, render_export_report_and_frame_import_show_progress, .timeout = 240) {
    char *dir = test_tempdir();
    char here[2048], cmd[8192];
    cr_assert_not_null(getcwd(here, sizeof here));
    snprintf(cmd, sizeof cmd,
             "cd %s && O=%s/%s && export OMR_PROGRESS_SECONDS=0 && $O frame codes 4 > codes.txt && "
             "{ echo code,unit; for c in $(cat codes.txt); do echo $c,A; done; } > frame.csv && "
             "$O frame import frame.csv --template ekb-2024 --db l.db 2> import.txt && "
             "$O render ekb-2024 --codes codes.txt --format png --dpi 150 --out scans 2> render.txt && "
             "$O render ekb-2024 --codes codes.txt --out q.pdf --quiet 2> render-quiet.txt && "
             "$O scan --template ekb-2024 --db l.db --no-ocr --quiet --out out scans 2>/dev/null && "
             "$O export --db l.db --out out2 2> export.txt && "
             "$O export --db l.db --out out3 --quiet 2> export-quiet.txt && "
             "$O report --db l.db --out rep 2> report.txt && "
             "$O report --db l.db --out rep2 --quiet 2> report-quiet.txt",
             dir, here, getenv("OMR_BIN"));
    cr_assert_eq(system(cmd), 0);
    static char text[65536];
    read_file(dir, "import.txt", text, sizeof text);
    cr_assert(strstr(text, "omr frame import: 4/4 rows, ") && strstr(text, "writing to the ledger"),
              "%s", text);
    read_file(dir, "render.txt", text, sizeof text);
    cr_assert(strstr(text, "omr render: 1/4 forms, ") && strstr(text, "omr render: 4/4 forms, ") &&
                  strstr(text, " left"),
              "%s", text);
    read_file(dir, "render-quiet.txt", text, sizeof text);
    cr_assert(!strstr(text, "/4 forms"), "%s", text);
    read_file(dir, "export.txt", text, sizeof text);
    cr_assert(strstr(text, "omr export: 4 forms, ") && strstr(text, "forms/s"), "%s", text);
    read_file(dir, "export-quiet.txt", text, sizeof text);
    cr_assert(!strstr(text, "forms/s"), "%s", text);
    read_file(dir, "report.txt", text, sizeof text);
    cr_assert(strstr(text, "omr report: 1/5 steps, ") && strstr(text, "tables and charts"), "%s",
              text);
    read_file(dir, "report-quiet.txt", text, sizeof text);
    cr_assert(!strstr(text, " steps"), "%s", text);
    rm_rf(dir);
}

/* Ctrl-C in the middle of a long file (a 200-page PDF, several seconds of reading even on a quiet machine) with --db: the scan
 * stops without finishing the file, and the ledger holds none of it. */
Test(progress, ctrl_c_inside_a_file_stores_none_of_it, .timeout = 240) {
    char *dir = test_tempdir();
    char here[2048], cmd[8192];
    cr_assert_not_null(getcwd(here, sizeof here));
    snprintf(cmd, sizeof cmd,
             "cd %s && mkdir tmp scans && %s/%s frame codes 100 > codes.txt && "
             "%s/%s render ekb-2024 --codes codes.txt --out scans/run.pdf --quiet",
             dir, here, getenv("OMR_BIN"), here, getenv("OMR_BIN"));
    cr_assert_eq(system(cmd), 0);
    pid_t pid = start_scan(dir, "--db=l.db");
    static char err[65536];
    for (int i = 0; i < 600 && !strstr(err, "omr scan: 0/1 files"); i++) {
        struct timespec ts = {0, 100 * 1000 * 1000};
        nanosleep(&ts, NULL);
        read_file(dir, "err", err, sizeof err);
    }
    struct timespec reading = {3, 0}; /* well inside the file's 200 pages (40 were read in under 3 s on a quiet machine) */
    nanosleep(&reading, NULL);
    cr_assert_eq(kill(pid, SIGINT), 0);
    int status;
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    read_file(dir, "err", err, sizeof err);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 130, "status %d: %s", status, err);
    cr_assert(!strstr(err, "1/1 files"), "the file was read to its end: %s", err);
    snprintf(cmd, sizeof cmd, "cd %s && %s/%s export --db l.db --out o --quiet 2>/dev/null", dir,
             here, getenv("OMR_BIN"));
    cr_assert_eq(system(cmd), 0);
    static char records[65536];
    read_file(dir, "o/records.csv", records, sizeof records);
    cr_assert(strchr(records, '\n') && !strchr(strchr(records, '\n') + 1, '\n'),
              "the ledger holds forms of the interrupted file: %s", records);
    rm_rf(dir);
}
