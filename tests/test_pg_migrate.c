/*
 * test_pg_migrate.c — `omr ledger migrate` in the middle of a survey: forms
 * scanned with the real binary ($OMR_BIN) into a ledger file, review items
 * decided there, the file migrated into PostgreSQL, the rest scanned and
 * decided into PostgreSQL; `omr export` then gives files identical byte for
 * byte to a survey run wholly on SQLite with the same scans and decisions
 * (so every answer, decision and id survived, and new ids continue after the
 * copied ones). Also: a non-empty target is refused, and --replace empties
 * it. The server is the test's own (tests/pg_server.h); skipped without
 * PostgreSQL.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include "helpers.h"
#include "ledger/queue.h"
#include "ledger/store.h"
#include "pages/encode.h"
#include "pg_server.h"
#include "print/render.h"
#include "review/review.h"

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

TestSuite(pg_migrate, .init = setup, .fini = teardown, .timeout = 300);

/* Form i's two pages as PNG files into folder `into` (name prefix `name`):
 * q1a ticked by i (an even i ticks two boxes: a question for review), q4a. */
static void write_form(int i, const char *into, const char *name, double dpi) {
    static const char *const q1a[] = {"5", "4", "3", "2", "1"};
    char code[32], path[700];
    snprintf(code, sizeof code, "M%04d", i);
    mkdir(into, 0777);
    for (int page = 1; page <= 2; page++) {
        omr_error err;
        omr_image *img = render_page_image(tmpl, code, page, dpi, &err);
        cr_assert_not_null(img, "%s", err.message);
        if (page == 1) {
            test_cross(img, test_box_of(tmpl, "q1a", q1a[i % 5]));
            if (i % 2 == 0)
                test_cross(img, test_box_of(tmpl, "q1a", q1a[(i + 2) % 5]));
        } else {
            test_cross(img, test_box_of(tmpl, "q4a", i % 2 ? "1" : "2"));
        }
        snprintf(path, sizeof path, "%s/%s-p%d.png", into, name, page);
        cr_assert_eq(encode_png(img, path, &err), OMR_OK, "%s", err.message);
        omr_image_free(img);
    }
}

static void run(const char *fmt, ...) {
    char cmd[3000];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    int rc = system(cmd);
    cr_assert(rc == 0 || WEXITSTATUS(rc) == 1, "%s: exit %d", cmd, WEXITSTATUS(rc));
}

static void scan(const char *ledger, const char *batch, const char *out) {
    run("'%s' scan --template templates/ekb-2024.cfg --no-ocr --db '%s' --out '%s/%s' '%s/%s' >/dev/null 2>&1",
        omr_bin, ledger, dir, out, dir, batch);
}

static const review_choice *choice_for(const char *kind) {
    static const review_choice keep = {.kind = REVIEW_CHOICE_KEEP}, v3 = {.kind = REVIEW_CHOICE_VALUE, .value = "3"},
                               letter = {.kind = REVIEW_CHOICE_NOT_FORM},
                               text = {.kind = REVIEW_CHOICE_TEXT, .value = "read by hand"};
    return strcmp(kind, "duplicate") == 0        ? &keep
           : strcmp(kind, "unmatched_page") == 0 ? &letter
           : strcmp(kind, "text") == 0           ? &text
                                                 : &v3;
}

/* An operator decides every open item of the ledger; returns how many. */
static int decide_all(const char *ledger, const char *op, time_t t) {
    omr_db *db = NULL;
    omr_error err;
    cr_assert_eq(store_open(ledger, &db, &err), OMR_OK, "%s", err.message);
    review_queue *q = NULL;
    cr_assert_eq(review_queue_new(db, 600, NULL, &q, &err), OMR_OK, "%s", err.message);
    int n = 0;
    for (;;) {
        int64_t item = 0;
        cr_assert_eq(review_next(q, op, t, NULL, 0, &item, &err), OMR_OK, "%s", err.message);
        if (!item)
            break;
        queue_item it = {0};
        cr_assert_eq(queue_item_get(db, item, &it, &err), OMR_OK, "%s", err.message);
        cr_assert_eq(review_decide(q, op, item, choice_for(it.kind), t + 1, &err), OMR_OK, "%s (%s)", err.message,
                     it.kind);
        queue_item_clear(&it);
        n++;
        cr_assert_lt(n, 500);
    }
    review_queue_free(q);
    store_close(db);
    return n;
}

static char *slurp(const char *path) {
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "%s", path);
    char *buf = calloc(1, 1 << 20);
    size_t n = fread(buf, 1, (1 << 20) - 1, f);
    buf[n] = 0;
    fclose(f);
    return buf;
}

Test(pg_migrate, a_survey_moved_to_postgresql_midway_exports_as_if_it_had_stayed_on_sqlite) {
    pg_test_require();
    char uri[512], path[700], batch[700];
    pg_test_database(uri, sizeof uri);
    /* batch 1: forms 1-4 and a second paper of form 1; batch 2: forms 5-8
     * and a second paper of form 5 */
    for (int i = 1; i <= 8; i++) {
        snprintf(batch, sizeof batch, "%s/%s", dir, i <= 4 ? "batch1" : "batch2");
        snprintf(path, sizeof path, "form%d", i);
        write_form(i, batch, path, 150);
    }
    snprintf(batch, sizeof batch, "%s/batch1", dir);
    write_form(1, batch, "form1-again", 160);
    snprintf(batch, sizeof batch, "%s/batch2", dir);
    write_form(5, batch, "form5-again", 160);

    char lite_all[700], lite_mid[700];
    snprintf(lite_all, sizeof lite_all, "%s/all.db", dir);
    snprintf(lite_mid, sizeof lite_mid, "%s/mid.db", dir);
    time_t t = 1790000000;
    /* all on SQLite */
    scan(lite_all, "batch1", "scan-a1");
    int first = decide_all(lite_all, "anna", t);
    scan(lite_all, "batch2", "scan-a2");
    int second = decide_all(lite_all, "bert", t + 100);
    cr_assert_gt(first, 1, "batch 1 left items to decide (%d)", first);
    cr_assert_gt(second, 1, "batch 2 left items to decide (%d)", second);
    /* SQLite, then PostgreSQL */
    scan(lite_mid, "batch1", "scan-b1");
    cr_assert_eq(decide_all(lite_mid, "anna", t), first);
    run("'%s' ledger migrate --from '%s' --to '%s' >'%s/migrate.txt' 2>&1", omr_bin, lite_mid, uri, dir);
    snprintf(path, sizeof path, "%s/migrate.txt", dir);
    char *said = slurp(path);
    cr_assert_not_null(strstr(said, "counts match"), "%s", said);
    free(said);
    /* a second migration into the same database is refused; --replace is asked for */
    char cmd[2000];
    snprintf(cmd, sizeof cmd, "'%s' ledger migrate --from '%s' --to '%s' 2>'%s/refused.txt'", omr_bin, lite_mid,
             uri, dir);
    int rc = system(cmd);
    cr_assert_eq(WEXITSTATUS(rc), 2, "a non-empty target is refused");
    snprintf(path, sizeof path, "%s/refused.txt", dir);
    said = slurp(path);
    cr_assert_not_null(strstr(said, "--replace"), "%s", said);
    free(said);
    run("'%s' ledger migrate --from '%s' --to '%s' --replace >/dev/null", omr_bin, lite_mid, uri);
    scan(uri, "batch2", "scan-b2");
    cr_assert_eq(decide_all(uri, "bert", t + 100), second);

    run("'%s' export --db '%s' --out '%s/export-sqlite' --template templates/ekb-2024.cfg >/dev/null", omr_bin,
        lite_all, dir);
    run("'%s' export --db '%s' --out '%s/export-postgresql' --template templates/ekb-2024.cfg >/dev/null", omr_bin,
        uri, dir);
    const char *files[] = {"records.csv", "marks.csv", "review.csv", "rejects.csv", "codebook.csv"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char a[800], b[800];
        snprintf(a, sizeof a, "%s/export-sqlite/%s", dir, files[i]);
        snprintf(b, sizeof b, "%s/export-postgresql/%s", dir, files[i]);
        char *x = slurp(a), *y = slurp(b);
        snprintf(cmd, sizeof cmd, "diff '%s' '%s' >&2", a, b);
        if (strcmp(x, y) != 0 && system(cmd) != 0)
            cr_log_error("%s differs (above)", files[i]);
        cr_assert_str_eq(x, y, "%s differs between the SQLite survey and the migrated one", files[i]);
        free(x);
        free(y);
    }
    snprintf(path, sizeof path, "%s/export-postgresql/records.csv", dir);
    char *records = slurp(path);
    for (int i = 1; i <= 8; i++) {
        char code[16];
        snprintf(code, sizeof code, "\r\nM%04d,", i);
        cr_assert_not_null(strstr(records, code), "form %d is in records.csv:\n%s", i, records);
    }
    free(records);
}
