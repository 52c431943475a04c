/*
 * test_pg_ledger.c — the ledger's rules on both backends (ledger/sql.c over
 * SQLite, ledger/backend/postgres.c over a PostgreSQL server this test
 * starts itself, tests/pg_server.h): the same ledger is built on each by the
 * same calls — two complete returns, a page without its partner, a blank
 * and an unreadable page, a file rejected whole, the same content again (not
 * counted twice), a second paper of a code (a duplicate return) — then two
 * operators share the review queue (leases: never the same item; nobody
 * decides another's), decisions keep who made them and what the machine
 * read, and `omr export`'s files from the two ledgers are identical byte for
 * byte. Then what only the server has: SQLite's dialect rewritten
 * (pg_dialect), a failed statement that leaves its transaction usable (as
 * SQLite), the write lock BEGIN IMMEDIATE takes, and a clear refusal of what
 * is file-bound (sql_copy). Skipped with a message when PostgreSQL is not
 * installed.
 */
#include <pthread.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include "export/export.h"
#include "helpers.h"
#include "ledger/backend/pg_dialect.h"
#include "ledger/queue.h"
#include "ledger/sql.h"
#include "ledger/store.h"
#include "pg_server.h"
#include "review/review.h"
#include "review/review_users.h"
#include "review_client.h"

static omr_template *tmpl;
static char *dir;

static void setup(void) {
    tmpl = test_template("ekb-2024");
    dir = test_tempdir();
}

static void teardown(void) {
    template_free(tmpl);
    rm_rf(dir);
}

TestSuite(pg_ledger, .init = setup, .fini = teardown, .timeout = 120);

/* A read page of `code`, every box blank except the (question, value) pairs
 * in `marked` (NULL-terminated, alternating); q1b's boxes unsure (review). */
static page_reading *reading(const char *code, int page, const char *const *marked) {
    page_reading *p = calloc(1, sizeof *p);
    p->tmpl = tmpl;
    p->file = strdup("x");
    p->file_page = 1;
    snprintf(p->identity.template_id, sizeof p->identity.template_id, "%s", tmpl->id);
    snprintf(p->identity.code, sizeof p->identity.code, "%s", code);
    p->identity.page = page;
    p->transform.fiducials_found = 4;
    p->transform.fiducial_missing = -1;
    double id[9] = {10, 0, 0, 0, 10, 0, 0, 0, 1};
    memcpy(p->transform.homography, id, sizeof id);
    for (size_t i = 0; i < tmpl->n_questions; i++)
        if (tmpl->questions[i].page == page)
            p->n_boxes += tmpl->questions[i].n_boxes;
    p->measures = calloc(p->n_boxes, sizeof *p->measures);
    p->decisions = calloc(p->n_boxes, sizeof *p->decisions);
    p->texts = calloc(tmpl->n_text_fields, sizeof *p->texts);
    for (size_t k = 0; k < p->n_boxes; k++) {
        p->decisions[k].state = BOX_BLANK;
        p->decisions[k].confidence = 0.9;
        p->measures[k].fill = 0.01 + 0.001 * (double)k; /* reals that print with many digits */
        p->measures[k].extent = 1.0 / 3.0;
    }
    for (size_t m = 0; marked && marked[m]; m += 2) {
        const template_question *q = template_question_by_id(tmpl, marked[m]);
        cr_assert_not_null(q, "%s", marked[m]);
        size_t offset = assemble_box_offset(tmpl, q);
        for (size_t b = 0; b < q->n_boxes; b++)
            if (strcmp(q->boxes[b].value, marked[m + 1]) == 0) {
                p->decisions[offset + b].state = strcmp(marked[m], "q1b") == 0 ? BOX_UNSURE : BOX_MARKED;
                p->decisions[offset + b].confidence = strcmp(marked[m], "q1b") == 0 ? 0.2 : 0.95;
                p->measures[offset + b].fill = 0.2;
                p->measures[offset + b].extent = 0.9;
            }
    }
    return p;
}

static const char *SHA(char c) {
    static char buf[8][65];
    static int next;
    char *b = buf[next++ % 8];
    memset(b, c, 64);
    b[64] = 0;
    return b;
}

static store_file_result write_file(omr_db *db, const char *sha, const char *name, const store_page *pages,
                                    size_t n) {
    store_scan_file f = {.sha256 = sha, .name = name, .archive_path = name, .rejected_path = name,
                         .size = 100, .pages = (store_page *)pages, .n_pages = n, .out_dir = dir, .ocr = 0,
                         .received_at = "2026-11-30T08:00:00Z"};
    store_file_result r;
    omr_error err;
    cr_assert_eq(store_write_file(db, (const omr_template *const *)&tmpl, 1, &f, &r, &err), OMR_OK, "%s",
                 err.message);
    for (size_t i = 0; i < n; i++)
        page_reading_free(pages[i].reading);
    return r;
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

/* What an operator decides for an item of `kind`. */
static const review_choice *choice_for(const char *kind) {
    static const review_choice keep = {.kind = REVIEW_CHOICE_KEEP}, v4 = {.kind = REVIEW_CHOICE_VALUE, .value = "4"},
                               letter = {.kind = REVIEW_CHOICE_NOT_FORM};
    return strcmp(kind, "duplicate") == 0 ? &keep : strcmp(kind, "unmatched_page") == 0 ? &letter : &v4;
}

/* The ledger at `path` (a file or a URI) built and reviewed by the same
 * calls, its rules asserted, its outputs exported into `out`. */
static void ledger_rules(const char *path, const char *out) {
    omr_db *db = NULL;
    omr_error err;
    cr_assert_eq(store_open(path, &db, &err), OMR_OK, "%s", err.message);
    mkdir(out, 0777);
    const char *a1[] = {"q1a", "5", "q1b", "3", NULL};
    const char *a2[] = {"q5", "1", "q5r", "2", "q5r", "7", NULL};
    store_page both[] = {{1, STORE_PAGE_READ, NULL, 0, reading("A1", 1, a1), 0},
                         {2, STORE_PAGE_READ, NULL, 0, reading("A1", 2, a2), 0},
                         {3, STORE_PAGE_BLANK, "blank page (the back of a duplex scan?)", 0, NULL, 0},
                         {4, STORE_PAGE_REJECTED, "no QR code found, \"anywhere\"", 1, NULL, 0}};
    write_file(db, SHA('a'), "in/scan, \"one\".tif", both, 4);
    const char *b2[] = {"q6", "4", NULL};
    store_page second[] = {{1, STORE_PAGE_READ, NULL, 0, reading("B2", 2, b2), 0}};
    write_file(db, SHA('b'), "in/two.tif", second, 1);
    const char *b1[] = {"q1a", "2", "q1b", "1", NULL};
    store_page first[] = {{1, STORE_PAGE_READ, NULL, 0, reading("B2", 1, b1), 0}};
    write_file(db, SHA('d'), "in/two-front.tif", first, 1); /* joins B2's return: page 1 it lacked */
    store_scan_file bad = {.sha256 = SHA('c'), .name = "in/letter.pdf", .archive_path = "x", .rejected_path = "x",
                           .size = 5, .error = "in/letter.pdf is not a scan", .out_dir = dir,
                           .received_at = "2026-11-30T08:00:00Z"};
    store_file_result r;
    cr_assert_eq(store_write_file(db, (const omr_template *const *)&tmpl, 1, &bad, &r, &err), OMR_OK, "%s",
                 err.message);
    /* the same content again: not a second return */
    store_page again[] = {{1, STORE_PAGE_READ, NULL, 0, reading("B2", 2, b2), 0}};
    write_file(db, SHA('b'), "in/two again.tif", again, 1);
    /* a second paper of A1 (other content): a duplicate return */
    store_page dup[] = {{1, STORE_PAGE_READ, NULL, 0, reading("A1", 1, a1), 0}};
    write_file(db, SHA('e'), "in/a1 again.tif", dup, 1);

    /* the review queue: two operators, leases */
    review_queue *q = NULL;
    cr_assert_eq(review_queue_new(db, 600, out, &q, &err), OMR_OK, "%s", err.message);
    long long open_before = queue_count_open(db);
    cr_assert_geq(open_before, 3, "q1b of A1 and B2 and A1's duplicate wait: %lld", open_before);
    time_t t = 1790000000;
    int64_t a = 0, b = 0, c = 0;
    cr_assert_eq(review_next(q, "anna", t, NULL, 0, &a, &err), OMR_OK, "%s", err.message);
    cr_assert_eq(review_next(q, "bert", t, NULL, 0, &b, &err), OMR_OK, "%s", err.message);
    cr_assert(a > 0 && b > 0 && a != b, "anna %lld, bert %lld", (long long)a, (long long)b);
    cr_assert_eq(review_next(q, "anna", t + 1, NULL, 0, &c, &err), OMR_OK);
    cr_assert_eq(c, a, "asking again gives anna the item she holds");
    queue_item ia = {0}, ib = {0};
    cr_assert_eq(queue_item_get(db, a, &ia, &err), OMR_OK, "%s", err.message);
    cr_assert_eq(queue_item_get(db, b, &ib, &err), OMR_OK, "%s", err.message);
    cr_assert_str_eq(ia.lease_owner, "anna");
    cr_assert_str_eq(ib.lease_owner, "bert");
    /* decide: each the one it holds; never the other's */
    const review_choice *for_a = choice_for(ia.kind), *for_b = choice_for(ib.kind);
    cr_assert_eq(review_decide(q, "bert", a, for_a, t + 2, &err), REVIEW_ERR_CONFLICT);
    cr_assert_eq(review_decide(q, "anna", a, for_a, t + 3, &err), OMR_OK, "%s", err.message);
    cr_assert_eq(review_decide(q, "bert", b, for_b, t + 4, &err), OMR_OK, "%s", err.message);
    cr_assert_eq(review_decide(q, "bert", a, for_a, t + 5, &err), REVIEW_ERR_CONFLICT, "decided already");
    cr_assert_eq(queue_count_open(db), open_before - 2);
    /* the history keeps who decided, when, what and what the machine read;
     * written beside the exports to be compared across backends */
    char file[700];
    snprintf(file, sizeof file, "%s/history.json", out);
    FILE *hf = fopen(file, "w");
    cr_assert_not_null(hf);
    int64_t ids[2] = {a, b};
    for (int i = 0; i < 2; i++) {
        json_t *h = queue_item_history(db, ids[i]);
        cr_assert_not_null(h);
        char *hs = json_dumps(h, JSON_SORT_KEYS);
        cr_assert_not_null(strstr(hs, i ? "\"operator\": \"bert\"" : "\"operator\": \"anna\""), "%s", hs);
        cr_assert_not_null(strstr(hs, "\"machine_value\""), "%s", hs);
        fprintf(hf, "%s\n", hs);
        free(hs);
        json_decref(h);
    }
    fclose(hf);
    queue_item_clear(&ia);
    queue_item_clear(&ib);
    review_queue_free(q);

    export_summary s;
    cr_assert_eq(export_ledger(db, out, (const omr_template *const *)&tmpl, 1, &s, &err), OMR_OK, "%s",
                 err.message);
    store_close(db);
    snprintf(file, sizeof file, "%s/records.csv", out);
    char *records = slurp(file);
    cr_assert_not_null(strstr(records, "duplicate_of:"), "A1's second paper is flagged:\n%s", records);
    cr_assert_not_null(strstr(records, "B2"), "%s", records);
    free(records);
    snprintf(file, sizeof file, "%s/rejects.csv", out);
    char *rejects = slurp(file);
    cr_assert_not_null(strstr(rejects, "two again.tif"), "the same content again is listed:\n%s", rejects);
    free(rejects);
}

static void ledger_uri(char *uri, size_t size) {
    pg_test_require();
    pg_test_database(uri, size);
}

Test(pg_ledger, the_same_rules_and_the_same_exports_on_sqlite_and_postgresql) {
    char uri[512], file[600], out_lite[600], out_pg[600];
    ledger_uri(uri, sizeof uri);
    snprintf(file, sizeof file, "%s/omr.db", dir);
    snprintf(out_lite, sizeof out_lite, "%s/out-sqlite", dir);
    snprintf(out_pg, sizeof out_pg, "%s/out-postgresql", dir);
    ledger_rules(file, out_lite);
    ledger_rules(uri, out_pg);
    const char *files[] = {"records.csv", "marks.csv", "review.csv", "rejects.csv", "codebook.csv", "history.json"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char a[700], b[700];
        snprintf(a, sizeof a, "%s/%s", out_lite, files[i]);
        snprintf(b, sizeof b, "%s/%s", out_pg, files[i]);
        char *x = slurp(a), *y = slurp(b), cmd[1500];
        snprintf(cmd, sizeof cmd, "diff '%s' '%s' >&2", a, b);
        if (strcmp(x, y) != 0 && system(cmd) != 0)
            cr_log_error("%s differs (above)", files[i]);
        cr_assert_gt(strlen(x), 0, "%s is empty", a);
        cr_assert_str_eq(x, y, "%s differs between SQLite and PostgreSQL", files[i]);
        free(x);
        free(y);
    }
}

/* The OCR queue (texts waiting for a background OCR thread, read by their
 * rowid) on one backend: a comment with writing waits, is taken once,
 * finished once, and is then no longer waiting. SQLite's tables have an
 * implicit rowid; PostgreSQL's are given one (pg_dialect). */
static void ocr_queue_rules(const char *path) {
    omr_db *db = NULL;
    omr_error err;
    cr_assert_eq(store_open(path, &db, &err), OMR_OK, "%s", err.message);
    page_reading *pages[2] = {reading("OCRQ0001", 1, NULL), reading("OCRQ0001", 2, NULL)};
    for (size_t i = 0; i < tmpl->n_text_fields; i++)
        if (tmpl->text_fields[i].page == 2) {
            pages[1]->texts[i].has_writing = 1;
            pages[1]->texts[i].crop_path = strdup("comments/ocrq.png");
        }
    pages[1]->file_page = 2;
    store_page sp[2] = {{.file_page = 1, .status = STORE_PAGE_READ, .reading = pages[0]},
                        {.file_page = 2, .status = STORE_PAGE_READ, .reading = pages[1]}};
    store_scan_file f = {.sha256 = SHA('q'), .name = "q.tif", .archive_path = "q.tif", .rejected_path = "q.tif",
                         .size = 100, .pages = sp, .n_pages = 2, .out_dir = dir, .ocr = 1,
                         .received_at = "2026-11-30T08:00:00Z"};
    store_file_result r;
    cr_assert_eq(store_write_file(db, (const omr_template *const *)&tmpl, 1, &f, &r, &err), OMR_OK, "%s",
                 err.message);
    page_reading_free(pages[0]);
    page_reading_free(pages[1]);
    long long pending = -1;
    cr_assert_eq(store_count_pending_texts(db, &pending, &err), OMR_OK, "%s", err.message);
    cr_assert_eq(pending, 1, "%s: %lld texts wait for OCR", path, pending);
    store_text_job job;
    int found = 0;
    cr_assert_eq(store_next_text_job(db, 0, 0, 1, "test", 60, &job, &found, &err), OMR_OK, "%s: %s", path, err.message);
    cr_assert(found, "%s: the waiting comment is not in the queue", path);
    cr_assert_str_eq(job.code, "OCRQ0001");
    cr_assert_str_eq(job.crop_path, "comments/ocrq.png");
    cr_assert_eq(store_finish_text_job(db, &job, "Ja", 91, 0, NULL, &err), OMR_OK, "%s", err.message);
    /* a second station finishing the same job changes nothing */
    cr_assert_eq(store_finish_text_job(db, &job, "Nej", 50, 1, "unsure", &err), OMR_OK, "%s", err.message);
    cr_assert_eq(store_next_text_job(db, 0, 0, 1, "test", 60, &job, &found, &err), OMR_OK, "%s", err.message);
    cr_assert(!found, "%s: a finished comment is still in the queue", path);
    cr_assert_eq(store_count_pending_texts(db, &pending, &err), OMR_OK, "%s", err.message);
    cr_assert_eq(pending, 0);
    store_close(db);
}

Test(pg_ledger, the_ocr_queue_works_on_both_backends) {
    char uri[512], file[600];
    snprintf(file, sizeof file, "%s/ocr.db", dir);
    ocr_queue_rules(file);
    ledger_uri(uri, sizeof uri);
    ocr_queue_rules(uri);
}

Test(pg_ledger, sqlite_dialect_is_rewritten_for_postgresql) {
    int n = 0;
    char *s = pg_dialect("SELECT a FROM t WHERE b = ? AND c = ?", &n);
    cr_assert_str_eq(s, "SELECT a FROM t WHERE b = $1 AND c = $2");
    cr_assert_eq(n, 2);
    free(s);
    s = pg_dialect("UPDATE t SET a = ?2 WHERE id = ?1 AND o IS ?2 AND x = '?' ", &n);
    cr_assert_str_eq(s, "UPDATE t SET a = $2 WHERE id = $1 AND o IS NOT DISTINCT FROM $2 AND x = '?' ");
    cr_assert_eq(n, 2);
    free(s);
    s = pg_dialect("INSERT OR IGNORE INTO m(k) VALUES (?);\nINSERT OR IGNORE INTO m(k) VALUES ('it''s')", &n);
    cr_assert_str_eq(s, "INSERT INTO m(k) VALUES ($1) ON CONFLICT DO NOTHING;\n"
                        "INSERT INTO m(k) VALUES ('it''s') ON CONFLICT DO NOTHING");
    free(s);
    s = pg_dialect("CREATE TABLE x(id INTEGER PRIMARY KEY, text TEXT, f REAL, n INTEGER)", &n);
    cr_assert_str_eq(s, "CREATE TABLE x(id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, "
                        "text TEXT COLLATE \"C\", f DOUBLE PRECISION, n BIGINT)");
    free(s);
    s = pg_dialect("SELECT ifnull(a, ''), group_concat(b, ','), last_insert_rowid() FROM t", &n);
    cr_assert_str_eq(s, "SELECT coalesce(a, ''), string_agg(b, ','), lastval() FROM t");
    cr_assert_eq(n, 0);
    free(s);
    s = pg_dialect("PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON; SELECT 1", &n);
    cr_assert_null(strstr(s, "PRAGMA"), "%s", s);
    cr_assert_not_null(strstr(s, "SELECT 1"), "%s", s);
    free(s);
    s = pg_dialect("SELECT a FROM t WHERE x IN (SELECT y FROM u ORDER BY y DESC LIMIT 1) ORDER BY (a IS ?) DESC, "
                   "coalesce(b, c), d ASC LIMIT 2", &n);
    cr_assert_str_eq(s, "SELECT a FROM t WHERE x IN (SELECT y FROM u ORDER BY y DESC NULLS LAST LIMIT 1) ORDER BY "
                        "(a IS NOT DISTINCT FROM $1) DESC NULLS LAST, coalesce(b, c) NULLS FIRST, d ASC NULLS FIRST "
                        "LIMIT 2");
    free(s);
    s = pg_dialect("SELECT a IS NOT b, a IS NULL, a IS NOT NULL, (a = 1) IS TRUE FROM t", &n);
    cr_assert_str_eq(s, "SELECT a IS DISTINCT FROM b, a IS NULL, a IS NOT NULL, (a = 1) IS TRUE FROM t");
    free(s);
    s = pg_dialect("CREATE VIEW IF NOT EXISTS v AS SELECT 1", &n);
    cr_assert_str_eq(s, "CREATE OR REPLACE VIEW v AS SELECT 1");
    free(s);
    s = pg_dialect("BEGIN IMMEDIATE", &n);
    cr_assert_not_null(strstr(s, "pg_advisory_xact_lock"), "%s", s);
    free(s);
}

Test(pg_ledger, a_failed_statement_leaves_the_transaction_usable_as_on_sqlite) {
    char uri[512];
    ledger_uri(uri, sizeof uri);
    omr_db *db = NULL;
    omr_error err;
    cr_assert_eq(store_open(uri, &db, &err), OMR_OK, "%s", err.message);
    cr_assert_str_eq(sql_backend(db), "postgresql");
    cr_assert_eq(store_begin(db, &err), OMR_OK, "%s", err.message);
    cr_assert_eq(sql_run(db, &err, "an event", "INSERT INTO events(at, level, message) VALUES (?, 'info', ?)", "tt",
                         "2026-01-01T00:00:00Z", "first"),
                 OMR_OK, "%s", err.message);
    long long id = sql_last_id(db);
    cr_assert_gt(id, 0);
    /* a table that does not exist: the statement fails (on PostgreSQL when
     * stepped, not when prepared), the transaction goes on */
    sql_stmt *st = sql_query(db, "SELECT 1 FROM no_such_table", "");
    cr_assert(!st || sql_step(st) == SQL_ERROR);
    sql_finalize(st);
    st = sql_query(db, "SELECT 1 FROM frame_settings_missing WHERE x = ?", "t", "a");
    cr_assert(!st || sql_step(st) == SQL_ERROR);
    sql_finalize(st);
    cr_assert_eq(sql_run(db, &err, "an event", "INSERT INTO events(at, level, message) VALUES (?, 'info', ?)", "tt",
                         "2026-01-01T00:00:01Z", "second"),
                 OMR_OK, "%s", err.message);
    cr_assert_eq(sql_last_id(db), id + 1);
    cr_assert_eq(sql_changes(db), 1, "one row inserted");
    long long seen = 0;
    cr_assert_eq(sql_int_query(db, &seen, 0, &err, "count", "SELECT count(*) FROM events", ""), OMR_OK);
    cr_assert_eq(sql_changes(db), 1, "a SELECT leaves the count of changed rows alone, as on SQLite");
    cr_assert_eq(store_commit(db, &err), OMR_OK, "%s", err.message);
    long long n = 0;
    cr_assert_eq(sql_int_query(db, &n, -1, &err, "count", "SELECT count(*) FROM events", ""), OMR_OK);
    cr_assert_eq(n, 2);
    /* a boolean reads as SQLite's 1/0, a real as SQLite prints it */
    st = sql_query(db, "SELECT 1 = 1, CAST(2 AS REAL), CAST(0.1 AS REAL), ? IS NULL", "t", NULL);
    cr_assert_not_null(st, "%s", sql_message(db));
    cr_assert_eq(sql_step(st), SQL_ROW, "%s", sql_message(db));
    cr_assert_eq(sql_int(st, 0), 1);
    cr_assert_str_eq(sql_text(st, 0), "1");
    cr_assert_str_eq(sql_text(st, 1), "2.0");
    cr_assert_str_eq(sql_text(st, 2), "0.1");
    cr_assert_eq(sql_int(st, 3), 1);
    sql_finalize(st);
    /* what is bound to a file says so */
    cr_assert_str_eq(store_filename(db), "");
    char to[600];
    snprintf(to, sizeof to, "%s/copy.db", dir);
    cr_assert_neq(sql_copy(db, to, &err), OMR_OK);
    cr_assert_not_null(strstr(err.message, "pg_dump"), "%s", err.message);
    store_close(db);
}

/* BEGIN IMMEDIATE on one connection holds the write lock: another
 * connection's BEGIN IMMEDIATE waits until the first commits. */
static void *second_writer(void *arg) {
    const char *uri = arg;
    omr_db *db = NULL;
    omr_error err;
    if (store_open(uri, &db, &err) != OMR_OK)
        return (void *)1;
    int rc = store_begin(db, &err);
    if (rc == OMR_OK)
        rc = sql_run(db, &err, "b", "INSERT INTO meta(key, value) VALUES ('order', 'second') ON CONFLICT(key) "
                                    "DO UPDATE SET value = meta.value || ' then second'", "");
    if (rc == OMR_OK)
        rc = store_commit(db, &err);
    store_close(db);
    return rc == OMR_OK ? NULL : (void *)1;
}

Test(pg_ledger, begin_immediate_is_one_writer_at_a_time) {
    char uri[512];
    ledger_uri(uri, sizeof uri);
    omr_db *db = NULL;
    omr_error err;
    cr_assert_eq(store_open(uri, &db, &err), OMR_OK, "%s", err.message);
    cr_assert_eq(store_begin(db, &err), OMR_OK, "%s", err.message);
    pthread_t th;
    pthread_create(&th, NULL, second_writer, uri);
    usleep(300000); /* the second writer waits on the lock meanwhile */
    cr_assert_eq(store_set_meta(db, "order", "first", &err), OMR_OK, "%s", err.message);
    cr_assert_eq(store_commit(db, &err), OMR_OK, "%s", err.message);
    void *res;
    pthread_join(th, &res);
    cr_assert_null(res);
    char value[64];
    cr_assert_eq(store_get_meta(db, "order", value, sizeof value, &err), OMR_OK);
    cr_assert_str_eq(value, "first then second");
    store_close(db);
}

/* omr ledger: its help, and the mistakes it refuses before touching a ledger. */
Test(pg_ledger, omr_ledger_migrate_answers_help_and_refuses_what_it_cannot_do) {
    const char *bin = getenv("OMR_BIN");
    cr_assert_not_null(bin, "OMR_BIN is not set (run through make test)");
    char cmd[1400], out[700];
    snprintf(out, sizeof out, "%s/out.txt", dir);
    snprintf(cmd, sizeof cmd, "'%s' ledger --help > '%s' 2>&1", bin, out);
    cr_assert_eq(system(cmd), 0);
    FILE *f = fopen(out, "r");
    char text[4096] = "";
    text[fread(text, 1, sizeof text - 1, f)] = 0;
    fclose(f);
    cr_assert_not_null(strstr(text, "omr ledger migrate --from"), "%s", text);
    struct {
        const char *args;
        int status;
    } cases[] = {{"ledger migrate", 2},
                 {"ledger migrate --from postgresql://x@/a --to postgresql://x@/b", 2},
                 {"ledger migrate --from a.db --to a.db", 2},
                 {"ledger migrate --from /nonexistent/omr.db --to /tmp/x.db", 3},
                 {"ledger frobnicate", 2}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        snprintf(cmd, sizeof cmd, "'%s' %s >/dev/null 2>&1", bin, cases[i].args);
        int rc = system(cmd);
        cr_assert_eq(WEXITSTATUS(rc), cases[i].status, "omr %s: exit %d", cases[i].args, WEXITSTATUS(rc));
    }
}

/* ---- the review queue's change feed: two review servers on one ledger ---- */

#define PASSWORD "correct horse battery"
#define JSON "Content-Type: application/json\r\n"

static double seconds_now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + t.tv_nsec / 1e9;
}

typedef struct {
    char headers[400]; /* Cookie and X-CSRF-Token, for a POST also JSON */
} signed_in;

static signed_in sign_in(int port, const char *name) {
    char body[256];
    snprintf(body, sizeof body, "{\"name\":\"%s\",\"password\":\"" PASSWORD "\"}", name);
    http_reply r = http(port, "POST", "/api/login", JSON, body);
    cr_assert_eq(r.status, 200, "%s signing in: %d %s", name, r.status, r.body);
    const char *c = strstr(r.headers, "Set-Cookie: ");
    cr_assert_not_null(c);
    json_t *me = json_loads(r.body, 0, NULL);
    cr_assert_not_null(me);
    signed_in s;
    snprintf(s.headers, sizeof s.headers, JSON "Cookie: %.*s\r\nX-CSRF-Token: %s\r\n", (int)strcspn(c + 12, ";\r"),
             c + 12, json_string_value(json_object_get(me, "csrf")));
    json_decref(me);
    reply_free(&r);
    return s;
}

/* GET /api/events?since=N on `port` (since < 0: none), its answer parsed. */
typedef struct {
    int port;
    long long since;
    const signed_in *who;
    long long version, waiting;
    int changed;
    double returned_at;
    int returned; /* set (atomically) when the answer has come */
} events_call;

static void *events_get(void *arg) {
    events_call *e = arg;
    char path[64];
    if (e->since >= 0)
        snprintf(path, sizeof path, "/api/events?since=%lld", e->since);
    else
        snprintf(path, sizeof path, "/api/events");
    http_reply r = http(e->port, "GET", path, e->who->headers, NULL);
    e->returned_at = seconds_now();
    cr_assert_eq(r.status, 200, "%s: %d %s", path, r.status, r.body);
    json_t *o = json_loads(r.body, 0, NULL);
    cr_assert_not_null(o, "%s", r.body);
    e->version = json_integer_value(json_object_get(o, "version"));
    e->waiting = json_integer_value(json_object_get(o, "waiting"));
    e->changed = json_is_true(json_object_get(o, "changed"));
    cr_assert_str_eq(json_string_value(json_object_get(o, "feed_error")), "", "the feed failed");
    json_decref(o);
    reply_free(&r);
    __atomic_store_n(&e->returned, 1, __ATOMIC_SEQ_CST);
    return NULL;
}

/* Two review servers ("stations") on the ledger at `path`: an item decided
 * through one makes a request waiting on the other's /api/events return
 * within two seconds with the new count; an unchanged queue keeps it waiting. */
static void events_rules(const char *path) {
    omr_db *db = NULL;
    omr_error err;
    cr_assert_eq(store_open(path, &db, &err), OMR_OK, "%s", err.message);
    cr_assert_eq(review_open(db, &err), OMR_OK, "%s", err.message);
    cr_assert_eq(review_user_add(db, "anna", PASSWORD, REVIEW_ROLE_OPERATOR, NULL, &err), OMR_OK, "%s", err.message);
    cr_assert_eq(review_user_add(db, "bert", PASSWORD, REVIEW_ROLE_OPERATOR, NULL, &err), OMR_OK, "%s", err.message);
    const char *unsure[] = {"q1a", "5", "q1b", "3", NULL};
    store_page p1[] = {{1, STORE_PAGE_READ, NULL, 0, reading("EV01", 1, unsure), 0}};
    store_page p2[] = {{1, STORE_PAGE_READ, NULL, 0, reading("EV02", 1, unsure), 0}};
    write_file(db, SHA('e'), "e.tif", p1, 1);
    write_file(db, SHA('f'), "f.tif", p2, 1);
    long long open_items = queue_count_open(db);
    cr_assert_geq(open_items, 2, "%s: %lld items to review", path, open_items);

    review_server *a = NULL, *b = NULL;
    review_options o = {.db_path = path, .listen = "127.0.0.1:0"};
    cr_assert_eq(review_server_start(&o, &a, &err), OMR_OK, "%s", err.message);
    cr_assert_eq(review_server_start(&o, &b, &err), OMR_OK, "%s", err.message);
    int port_a = review_server_port(a), port_b = review_server_port(b);
    signed_in anna = sign_in(port_a, "anna"), bert = sign_in(port_b, "bert");

    /* now: at once, with the counts */
    events_call now = {.port = port_b, .since = -1, .who = &bert};
    events_get(&now);
    cr_assert_eq(now.waiting, open_items, "%s: /api/events counts %lld, the ledger %lld", path, now.waiting,
                 open_items);
    /* anna takes an item on station A: a lease is a change too */
    http_reply r = http(port_a, "POST", "/api/next", anna.headers, "{}");
    cr_assert_eq(r.status, 200, "%d %s", r.status, r.body);
    json_t *next = json_loads(r.body, 0, NULL);
    long long item = json_integer_value(json_object_get(json_object_get(next, "item"), "id"));
    cr_assert_gt(item, 0, "%s", r.body);
    json_decref(next);
    reply_free(&r);
    events_call leased = {.port = port_b, .since = now.version, .who = &bert};
    events_get(&leased);
    cr_assert(leased.changed && leased.version != now.version, "%s: a lease taken on A was not heard on B", path);

    /* a request waiting on B: still waiting after a second of no change */
    events_call waiting = {.port = port_b, .since = leased.version, .who = &bert};
    pthread_t t;
    cr_assert_eq(pthread_create(&t, NULL, events_get, &waiting), 0);
    struct timespec second = {.tv_sec = 1};
    nanosleep(&second, NULL);
    /* a write elsewhere in the ledger is no change of the queue */
    cr_assert_eq(store_set_meta(db, "events_test", "unrelated", &err), OMR_OK, "%s", err.message);
    nanosleep(&second, NULL);
    cr_assert_eq(__atomic_load_n(&waiting.returned, __ATOMIC_SEQ_CST), 0,
                 "%s: /api/events returned without a change of the queue", path);
    /* anna decides on A */
    char body[128];
    snprintf(body, sizeof body, "{\"item\":%lld,\"choice\":\"value\",\"value\":\"3\"}", item);
    r = http(port_a, "POST", "/api/decide", anna.headers, body);
    double decided_at = seconds_now();
    cr_assert_eq(r.status, 200, "%d %s", r.status, r.body);
    reply_free(&r);
    pthread_join(t, NULL);
    double took = waiting.returned_at - decided_at;
    fprintf(stderr, "%s: a decision on station A reached the waiting page on B in %.3f s\n",
            strcmp(sql_backend(db), "sqlite") == 0 ? "sqlite" : "postgresql", took < 0 ? 0 : took);
    cr_assert(waiting.changed, "%s: B's answer says nothing changed", path);
    cr_assert_lt(took, 2.0, "%s: the decision took %.2f s to reach B", path, took);
    cr_assert_eq(waiting.waiting, queue_count_open(db), "%s: B counts %lld waiting, the ledger %lld", path,
                 waiting.waiting, queue_count_open(db));
    cr_assert_eq(waiting.waiting, open_items - 1);

    review_server_stop(a);
    review_server_stop(b);
    store_close(db);
}

Test(pg_ledger, a_decision_on_one_station_wakes_the_other_stations_page) {
    char uri[512], file[600];
    snprintf(file, sizeof file, "%s/events.db", dir);
    events_rules(file);
    ledger_uri(uri, sizeof uri);
    events_rules(uri);
}

/* ---- OCR across stations: each comment claimed once ---------------------- */

enum { OCR_COMMENTS = 24, OCR_STATIONS = 3 };

typedef struct {
    const char *path;
    char owner[48];
    int claims[OCR_COMMENTS * 4 + 64]; /* by rowid */
    int done;
} ocr_station;

static void *ocr_station_run(void *arg) {
    ocr_station *s = arg;
    omr_db *db = NULL;
    omr_error err;
    cr_assert_eq(store_open_existing(s->path, &db, &err), OMR_OK, "%s", err.message);
    for (;;) {
        store_text_job job;
        int found = 0;
        cr_assert_eq(store_next_text_job(db, 0, 0, 1, s->owner, 60, &job, &found, &err), OMR_OK, "%s", err.message);
        if (!found)
            break;
        cr_assert(job.rowid > 0 && job.rowid < (long long)(sizeof s->claims / sizeof s->claims[0]));
        s->claims[job.rowid]++;
        struct timespec ocr = {.tv_nsec = 2000000}; /* a short OCR */
        nanosleep(&ocr, NULL);
        cr_assert_eq(store_finish_text_job(db, &job, "Ja", 90, 0, NULL, &err), OMR_OK, "%s", err.message);
        s->done++;
    }
    store_close(db);
    return NULL;
}

/* Comments waiting for OCR in the ledger at `path`, three stations' OCR
 * threads at once: every comment is claimed once in all, none twice; a
 * claim of a station that died holds until its lease runs out, then
 * another station takes it over. */
static void ocr_claim_rules(const char *path) {
    omr_db *db = NULL;
    omr_error err;
    cr_assert_eq(store_open(path, &db, &err), OMR_OK, "%s", err.message);
    for (int i = 0; i <= OCR_COMMENTS; i++) {
        char code[16], name[32];
        snprintf(code, sizeof code, "OC%04d", i);
        snprintf(name, sizeof name, "oc%d.tif", i);
        page_reading *p2 = reading(code, 2, NULL);
        for (size_t k = 0; k < tmpl->n_text_fields; k++)
            if (tmpl->text_fields[k].page == 2) {
                p2->texts[k].has_writing = 1;
                p2->texts[k].crop_path = strdup("comments/oc.png");
            }
        store_page sp[] = {{.file_page = 1, .status = STORE_PAGE_READ, .reading = p2}};
        char sha[65];
        snprintf(sha, sizeof sha, "%064d", i + 1);
        store_scan_file f = {.sha256 = sha, .name = name, .archive_path = name, .rejected_path = name, .size = 100,
                             .pages = sp, .n_pages = 1, .out_dir = dir, .ocr = 1,
                             .received_at = "2026-11-30T08:00:00Z"};
        store_file_result r;
        cr_assert_eq(store_write_file(db, (const omr_template *const *)&tmpl, 1, &f, &r, &err), OMR_OK, "%s",
                     err.message);
        page_reading_free(p2);
    }
    long long pending = 0;
    cr_assert_eq(store_count_pending_texts(db, &pending, &err), OMR_OK, "%s", err.message);
    cr_assert_geq(pending, OCR_COMMENTS + 1, "%s: %lld comments wait", path, pending);

    /* a station claims one comment and dies (its claim runs 1 s) */
    store_text_job dead;
    int found = 0;
    cr_assert_eq(store_next_text_job(db, 0, 0, 1, "dead:1/0", 1, &dead, &found, &err), OMR_OK, "%s", err.message);
    cr_assert(found);
    double claimed_at = seconds_now();

    static ocr_station st[OCR_STATIONS];
    pthread_t t[OCR_STATIONS];
    for (int i = 0; i < OCR_STATIONS; i++) {
        memset(&st[i], 0, sizeof st[i]);
        st[i].path = path;
        snprintf(st[i].owner, sizeof st[i].owner, "station%d:%d/0", i, 100 + i);
        cr_assert_eq(pthread_create(&t[i], NULL, ocr_station_run, &st[i]), 0);
    }
    for (int i = 0; i < OCR_STATIONS; i++)
        pthread_join(t[i], NULL);
    int done = 0;
    for (int i = 0; i < OCR_STATIONS; i++)
        done += st[i].done;
    int taken_over = 0;
    for (size_t k = 0; k < sizeof st[0].claims / sizeof st[0].claims[0]; k++) {
        int n = 0;
        for (int i = 0; i < OCR_STATIONS; i++)
            n += st[i].claims[k];
        cr_assert_leq(n, 1, "%s: comment %zu was OCRed %d times", path, k, n);
        if ((long long)k == dead.rowid)
            taken_over = n;
    }
    long long left = 0;
    cr_assert_eq(store_count_pending_texts(db, &left, &err), OMR_OK, "%s", err.message);
    fprintf(stderr, "%s: %d of %lld comments OCRed by %d stations (%d, %d, %d), each once\n", sql_backend(db), done,
            pending, OCR_STATIONS, st[0].done, st[1].done, st[2].done);
    cr_assert_eq(done + left, pending, "%s: %d done and %lld left of %lld", path, done, left, pending);
    if (left) { /* the stations were quicker than the dead one's lease */
        cr_assert_eq(left, 1);
        cr_assert_eq(taken_over, 0);
        store_text_job again;
        if (seconds_now() - claimed_at < 0.8) {
            cr_assert_eq(store_next_text_job(db, 0, 0, 1, "station0:100/0", 60, &again, &found, &err), OMR_OK, "%s",
                         err.message);
            cr_assert(!found, "%s: a claim that has not run out was taken", path);
        }
        struct timespec wait = {.tv_sec = 1, .tv_nsec = 200000000};
        nanosleep(&wait, NULL);
        cr_assert_eq(store_next_text_job(db, 0, 0, 1, "station0:100/0", 60, &again, &found, &err), OMR_OK, "%s",
                     err.message);
        cr_assert(found && again.rowid == dead.rowid, "%s: the dead station's comment was not taken over", path);
        cr_assert_eq(store_finish_text_job(db, &again, "Nej", 90, 0, NULL, &err), OMR_OK, "%s", err.message);
    } else {
        cr_assert_eq(taken_over, 1, "%s: the dead station's comment was done but not claimed", path);
    }
    cr_assert_eq(store_count_pending_texts(db, &pending, &err), OMR_OK, "%s", err.message);
    cr_assert_eq(pending, 0, "%s: %lld comments still wait", path, pending);
    store_close(db);
}

Test(pg_ledger, each_comment_is_ocred_once_across_stations) {
    char uri[512], file[600];
    snprintf(file, sizeof file, "%s/ocr-claims.db", dir);
    ocr_claim_rules(file);
    ledger_uri(uri, sizeof uri);
    ocr_claim_rules(uri);
}

/* ---- stations starting at once make the tables once ---------------------- */

enum { STARTING = 6 };

static void *start_station(void *arg) {
    const char *uri = arg;
    omr_db *db = NULL;
    omr_error err = {0};
    int rc = store_open(uri, &db, &err);
    if (rc == OMR_OK)
        rc = review_open(db, &err);
    store_close(db);
    return rc == OMR_OK ? NULL : strdup(err.message);
}

Test(pg_ledger, stations_starting_at_once_make_the_tables_under_the_write_lock) {
    char uri[512];
    ledger_uri(uri, sizeof uri);
    pthread_t t[STARTING];
    for (int i = 0; i < STARTING; i++)
        cr_assert_eq(pthread_create(&t[i], NULL, start_station, uri), 0);
    for (int i = 0; i < STARTING; i++) {
        char *failed = NULL;
        pthread_join(t[i], (void **)&failed);
        cr_assert_null(failed, "station %d could not open the new ledger: %s", i, failed);
    }
    omr_db *db = NULL;
    omr_error err;
    cr_assert_eq(store_open(uri, &db, &err), OMR_OK, "%s", err.message);
    char version[16];
    cr_assert_eq(store_get_meta(db, "schema_version", version, sizeof version, &err), OMR_OK, "%s", err.message);
    cr_assert_str_eq(version, "4");
    store_close(db);
}
