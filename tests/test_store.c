/*
 * test_store.c — the ledger's rules (store.c) and the exports written from it
 * (export.c), on page readings made by hand: one transaction per scan file,
 * pages joining the oldest return that lacks them, answers recomputed when a
 * later page joins, the same content counted once, the same login code on a
 * second paper return kept and flagged, confirmed values kept, the OCR
 * queue, a failed write that records nothing, and a schema-1 ledger upgraded.
 */
#include <sqlite3.h>
#include <sys/stat.h>

#include "pages/encode.h"
#include "export/export.h"
#include "helpers.h"
#include "ledger/store.h"

static omr_template *tmpl;
static char *dir;
static sqlite3 *db;

static void setup(void) {
    tmpl = test_template("ekb-2024");
    dir = test_tempdir();
    char path[512];
    snprintf(path, sizeof path, "%s/omr.db", dir);
    omr_error err;
    cr_assert_eq(store_open(path, &db, &err), OMR_OK, "%s", err.message);
    snprintf(path, sizeof path, "%s/comments", dir);
    mkdir(path, 0777);
}

static void teardown(void) {
    store_close(db);
    template_free(tmpl);
    rm_rf(dir);
}

TestSuite(store, .init = setup, .fini = teardown, .timeout = 60);

/* A read page of `code`, every box blank except the (question, value)
 * pairs in `marked` (NULL-terminated, alternating). */
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
        p->measures[k].fill = 0.01;
    }
    for (size_t m = 0; marked && marked[m]; m += 2) {
        const template_question *q = template_question_by_id(tmpl, marked[m]);
        cr_assert_not_null(q, "%s", marked[m]);
        cr_assert_eq(q->page, page);
        size_t offset = assemble_box_offset(tmpl, q);
        for (size_t b = 0; b < q->n_boxes; b++)
            if (strcmp(q->boxes[b].value, marked[m + 1]) == 0) {
                p->decisions[offset + b].state = BOX_MARKED;
                p->measures[offset + b].fill = 0.2;
                p->measures[offset + b].extent = 0.9;
            }
    }
    return p;
}

/* Writes one scan file holding the given pages; returns the result. */
static store_file_result write_file(const char *sha, const char *name, page_reading **pages, size_t n, int *rc) {
    store_page sp[4];
    for (size_t i = 0; i < n; i++)
        sp[i] = (store_page){(int)i + 1, STORE_PAGE_READ, NULL, 0, pages[i], 0};
    store_scan_file f = {.sha256 = sha, .name = name, .archive_path = name, .rejected_path = name,
                         .size = 100, .pages = sp, .n_pages = n, .out_dir = dir, .ocr = 1};
    store_file_result r;
    omr_error err;
    *rc = store_write_file(db, (const omr_template *const *)&tmpl, 1, &f, &r, &err);
    for (size_t i = 0; i < n; i++)
        page_reading_free(pages[i]);
    return r;
}

static long long count(const char *sql) {
    sqlite3_stmt *st;
    cr_assert_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK, "%s: %s", sql, sqlite3_errmsg(db));
    long long n = -1;
    if (sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return n;
}

static char *text_of(const char *sql) {
    static char buf[4096];
    sqlite3_stmt *st;
    cr_assert_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK, "%s: %s", sql, sqlite3_errmsg(db));
    buf[0] = 0;
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
        snprintf(buf, sizeof buf, "%s", sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return buf;
}

static void exec(const char *sql) {
    char *msg = NULL;
    cr_assert_eq(sqlite3_exec(db, sql, NULL, NULL, &msg), SQLITE_OK, "%s: %s", sql, msg ? msg : "");
}

/* A fake content hash: 64 times `c`. */
static const char *SHA(const char *c) {
    static char buf[8][65];
    static int next;
    char *b = buf[next++ % 8];
    memset(b, c[0], 64);
    b[64] = 0;
    return b;
}

/* ---- the export, read back ---------------------------------------------------------- */

static char *slurp(const char *name) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f, "%s", path);
    static char buf[1 << 20];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = 0;
    fclose(f);
    return buf;
}

static export_summary export_all(void) {
    export_summary s;
    omr_error err;
    cr_assert_eq(export_ledger(db, dir, (const omr_template *const *)&tmpl, 1, &s, &err), OMR_OK, "%s", err.message);
    return s;
}

/* Column `column` of the `nth` (0-based) records.csv row of `code`. */
static const char *cell(const char *code, int nth, const char *column) {
    char *csv = strdup(slurp("records.csv"));
    char *save = NULL, *header = strtok_r(csv, "\r\n", &save);
    int index = -1, i = 0;
    char *hsave = NULL;
    for (char *h = strtok_r(header, ",", &hsave); h; h = strtok_r(NULL, ",", &hsave), i++)
        if (strcmp(h, column) == 0)
            index = i;
    cr_assert_geq(index, 0, "no column %s", column);
    static char value[512];
    for (char *line = strtok_r(NULL, "\r\n", &save); line; line = strtok_r(NULL, "\r\n", &save)) {
        if (strncmp(line, code, strlen(code)) != 0 || line[strlen(code)] != ',' || nth-- > 0)
            continue;
        char *p = line;
        for (int k = 0; k < index && p; k++) {
            p = strchr(p, ',');
            if (p)
                p++;
        }
        cr_assert_not_null(p);
        size_t len = strcspn(p, ",");
        snprintf(value, sizeof value, "%.*s", (int)len, p);
        free(csv);
        return value;
    }
    free(csv);
    cr_assert_fail("no row %d for %s", nth, code);
    return NULL;
}

/* ---- tests ------------------------------------------------------------------------------ */

Test(store, hashes_a_file_with_sha256) {
    char path[512], hex[65];
    snprintf(path, sizeof path, "%s/abc", dir);
    FILE *f = fopen(path, "w");
    fputs("abc", f);
    fclose(f);
    long long size;
    omr_error err;
    cr_assert_eq(store_hash_file(path, hex, &size, &err), OMR_OK);
    cr_assert_str_eq(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    cr_assert_eq(size, 3);
    snprintf(path, sizeof path, "%s/missing", dir);
    cr_assert_eq(store_hash_file(path, hex, &size, &err), OMR_ERR_IO);
    cr_assert(strstr(err.message, "No such file"), "%s", err.message);
}

Test(store, a_page_starts_a_return_and_a_later_page_joins_it) {
    int rc;
    const char *p1[] = {"q1a", "5", "q2c", "5", "q2c", "1", NULL};
    page_reading *pages[] = {reading("ABC1", 1, p1)};
    /* placed by two marks, the other two covered: flagged now and when the
     * form is put together again from the ledger */
    pages[0]->transform.fiducials_found = 2;
    pages[0]->transform.fiducials_covered = 2;
    store_file_result r = write_file(SHA("a"), "first.tif", pages, 1, &rc);
    cr_assert_eq(rc, OMR_OK);
    cr_assert_eq(r.returns_new, 1);
    cr_assert_str_eq(r.state, "done");
    cr_assert(strstr(r.codes, "ABC1 (page 1 of 2)"), "%s", r.codes);
    cr_assert_eq(count("SELECT count(*) FROM returns"), 1);
    /* answers only for page 1; a double tick goes to review */
    cr_assert_eq(count("SELECT count(*) FROM answers WHERE question = 'q4a'"), 0);
    cr_assert_str_eq(text_of("SELECT value FROM answers WHERE question = 'q1a'"), "5");
    cr_assert_str_eq(text_of("SELECT status FROM answers WHERE question = 'q2c'"), "review");
    cr_assert_eq(count("SELECT count(*) FROM review_items WHERE kind = 'answer' AND item = 'q2c' AND state = 'open'"), 1);
    cr_assert(strstr(text_of("SELECT flags FROM returns"), "missing_page:2"));
    export_all();
    /* a page missing: incomplete, whatever else needs a person */
    cr_assert_str_eq(cell("ABC1", 0, "status"), "incomplete");
    cr_assert_str_eq(cell("ABC1", 0, "review_items"), "q2c");
    cr_assert_str_eq(cell("ABC1", 0, "q4a"), "");     /* page missing: empty */
    cr_assert_str_eq(cell("ABC1", 0, "q5r.1"), "");

    /* page 2 arrives in another file: it joins, and its answers are decided */
    const char *p2[] = {"q4a", "2", "q4a1", "1", "q5r", "3", NULL};
    page_reading *more[] = {reading("ABC1", 2, p2)};
    r = write_file(SHA("b"), "second.tif", more, 1, &rc);
    cr_assert_eq(rc, OMR_OK);
    cr_assert_eq(r.returns_new, 0);
    cr_assert_eq(r.returns_joined, 1);
    cr_assert(strstr(r.codes, "ABC1 (complete)"), "%s", r.codes);
    cr_assert_eq(count("SELECT count(*) FROM returns"), 1);
    cr_assert_str_eq(text_of("SELECT value FROM answers WHERE question = 'q5r'"), "3");
    const char *flags = text_of("SELECT flags FROM returns");
    cr_assert(!strstr(flags, "missing_page") && strstr(flags, "routing:q4a1"), "%s", flags);
    cr_assert(strstr(flags, "fiducial_covered:1"), "page 1's covered marks lost in the ledger: %s", flags);
    export_all();
    cr_assert_str_eq(cell("ABC1", 0, "q4a"), "2");
    cr_assert_str_eq(cell("ABC1", 0, "q5r.3"), "1");
    cr_assert_str_eq(cell("ABC1", 0, "q5r.1"), "0");
    cr_assert_str_eq(cell("ABC1", 0, "review_items"), "q2c");
    cr_assert_str_eq(cell("ABC1", 0, "sources"), "first.tif#1;second.tif#1");
    cr_assert_str_eq(cell("ABC1", 0, "return"), "1");
}

Test(store, the_same_content_twice_is_counted_once) {
    int rc;
    const char *p1[] = {"q1a", "4", NULL};
    page_reading *pages[] = {reading("DUP1", 1, p1)};
    write_file(SHA("c"), "scan.tif", pages, 1, &rc);
    cr_assert_eq(rc, OMR_OK);
    page_reading *again[] = {reading("DUP1", 1, p1)};
    store_file_result r = write_file(SHA("c"), "scan-copy.tif", again, 1, &rc);
    cr_assert_eq(rc, OMR_OK);
    cr_assert(r.duplicate);
    cr_assert_str_eq(r.first_name, "scan.tif");
    cr_assert_str_eq(r.state, "done");
    cr_assert_eq(count("SELECT count(*) FROM returns"), 1);
    cr_assert_eq(count("SELECT count(*) FROM pages"), 1);
    cr_assert_eq(count("SELECT count(*) FROM scan_files"), 1);
    cr_assert_eq(count("SELECT count(*) FROM duplicate_files"), 1);
    export_all();
    const char *rejects = slurp("rejects.csv");
    cr_assert(strstr(rejects, "scan-copy.tif,,duplicate,the same content as scan.tif"), "%s", rejects);
}

Test(store, the_same_code_on_a_second_paper_return_is_kept_and_flagged) {
    int rc;
    const char *a[] = {"q1a", "5", NULL}, *b[] = {"q1a", "1", NULL};
    page_reading *first[] = {reading("TWICE", 1, a)};
    write_file(SHA("d"), "one.tif", first, 1, &rc);
    page_reading *second[] = {reading("TWICE", 1, b)};
    store_file_result r = write_file(SHA("e"), "two.tif", second, 1, &rc);
    cr_assert_eq(rc, OMR_OK);
    cr_assert_eq(r.returns_new, 1);
    cr_assert_eq(count("SELECT count(*) FROM returns WHERE code = 'TWICE'"), 2);
    cr_assert_eq(count("SELECT duplicate_of FROM returns WHERE id = 2"), 1);
    cr_assert_eq(count("SELECT count(*) FROM review_items WHERE kind = 'duplicate' AND return_id = 2"), 1);
    export_all();
    cr_assert_str_eq(cell("TWICE", 0, "q1a"), "5");
    cr_assert_str_eq(cell("TWICE", 1, "q1a"), "1");
    cr_assert_str_eq(cell("TWICE", 1, "status"), "incomplete"); /* one page of two; its item stays listed */
    cr_assert_str_eq(cell("TWICE", 1, "review_items"), "duplicate");
    cr_assert(strstr(cell("TWICE", 1, "flags"), "duplicate_of:1"));
    /* a person decides it is the same form scanned twice: it leaves the records */
    exec("UPDATE review_items SET state = 'decided' WHERE kind = 'duplicate'");
    exec("INSERT INTO decisions(review_item_id, operator, decided_at, final_value) "
         "SELECT id, 'anna', '2026-11-23T10:00:00Z', 'discard' FROM review_items WHERE kind = 'duplicate'");
    export_summary s = export_all();
    cr_assert_eq(s.forms, 1);
    cr_assert_str_eq(cell("TWICE", 0, "q1a"), "5");
    /* page 2 of the paper joins the first return, not the duplicate */
    page_reading *p2[] = {reading("TWICE", 2, NULL)};
    write_file(SHA("f"), "three.tif", p2, 1, &rc);
    cr_assert_eq(count("SELECT return_id FROM pages WHERE page = 2"), 1);
}

Test(store, confirmed_values_survive_a_recomputation_and_are_exported) {
    int rc;
    const char *p1[] = {"q2c", "5", "q2c", "1", NULL};
    page_reading *pages[] = {reading("CONF", 1, p1)};
    write_file(SHA("1"), "c.tif", pages, 1, &rc);
    /* an operator decides q2c = 3 */
    exec("UPDATE answers SET value = '3', status = 'ok', confirmed_by = 'anna', confirmed_at = '2026-11-23T10:00:00Z' "
         "WHERE question = 'q2c'");
    exec("UPDATE review_items SET state = 'decided' WHERE item = 'q2c'");
    omr_error err;
    cr_assert_eq(store_recompute_return(db, (const omr_template *const *)&tmpl, 1, 1, &err), OMR_OK, "%s", err.message);
    cr_assert_str_eq(text_of("SELECT value FROM answers WHERE question = 'q2c'"), "3");
    cr_assert_eq(count("SELECT machine_value IS NULL FROM answers WHERE question = 'q2c'"), 1);
    cr_assert_eq(count("SELECT count(*) FROM review_items WHERE item = 'q2c'"), 1);
    export_all();
    cr_assert_str_eq(cell("CONF", 0, "q2c"), "3");
    cr_assert_str_eq(cell("CONF", 0, "confirmed"), "q2c");
    cr_assert_str_eq(cell("CONF", 0, "status"), "incomplete");
    cr_assert_str_eq(cell("CONF", 0, "review_items"), "");
}

Test(store, comments_wait_in_the_ocr_queue_and_follow) {
    int rc;
    page_reading *p = reading("TXT1", 2, NULL);
    size_t k = 0;
    while (tmpl->text_fields[k].page != 2)
        k++;
    p->texts[k].has_writing = 1;
    p->texts[k].needs_review = 1;
    p->texts[k].crop = omr_image_new(200, 60, 200, 255);
    page_reading *pages[] = {p};
    write_file(SHA("2"), "t.tif", pages, 1, &rc);
    cr_assert_eq(rc, OMR_OK);
    cr_assert_str_eq(text_of("SELECT status FROM texts"), "pending_ocr");
    char crop[600];
    snprintf(crop, sizeof crop, "%s/%s", dir, text_of("SELECT crop_path FROM texts"));
    cr_assert(strstr(crop, "comments/ekb-2024-TXT1-p2-"), "%s", crop);
    cr_assert_eq(access(crop, R_OK), 0, "%s", crop);
    export_all();
    cr_assert(strstr(cell("TXT1", 0, "flags"), "ocr_pending:"), "%s", cell("TXT1", 0, "flags"));
    cr_assert_str_eq(cell("TXT1", 0, "status"), "incomplete");

    store_text_job job;
    int found;
    omr_error err;
    cr_assert_eq(store_next_text_job(db, 0, 0, 1, "test", 60, &job, &found, &err), OMR_OK);
    cr_assert(found);
    cr_assert_str_eq(job.code, "TXT1");
    cr_assert_eq(store_finish_text_job(db, &job, "hej då", 40, 1, "handwriting OCR unsure (confidence low)", &err), OMR_OK);
    long long pending;
    store_count_pending_texts(db, &pending, &err);
    cr_assert_eq(pending, 0);
    cr_assert_eq(count("SELECT count(*) FROM review_items WHERE kind = 'text' AND state = 'open'"), 1);
    export_all();
    cr_assert_str_eq(cell("TXT1", 0, "status"), "incomplete"); /* page 1 is still missing */
    cr_assert_str_eq(cell("TXT1", 0, tmpl->text_fields[k].id), "hej då");
    cr_assert_eq(strncmp(cell("TXT1", 0, "flags"), "missing_page:1 missing_questions:q", 34), 0, "%s",
                 cell("TXT1", 0, "flags"));
}

Test(store, a_write_that_fails_records_nothing) {
    int rc;
    page_reading *p = reading("FAIL1", 2, NULL);
    size_t k = 0;
    while (tmpl->text_fields[k].page != 2)
        k++;
    p->texts[k].has_writing = 1;
    p->texts[k].crop = omr_image_new(200, 60, 200, 255);
    /* the crop cannot be saved: the whole file's transaction is rolled back */
    char comments[512];
    snprintf(comments, sizeof comments, "%s/comments", dir);
    cr_assert_eq(rmdir(comments), 0);
    page_reading *pages[] = {p};
    write_file(SHA("3"), "f.tif", pages, 1, &rc);
    cr_assert_neq(rc, OMR_OK);
    cr_assert_eq(count("SELECT count(*) FROM scan_files"), 0);
    cr_assert_eq(count("SELECT count(*) FROM returns"), 0);
    cr_assert_eq(count("SELECT count(*) FROM pages"), 0);
    cr_assert_eq(count("SELECT count(*) FROM marks"), 0);
}

Test(store, rejected_pages_and_unreadable_files_are_listed_with_their_reason) {
    store_page sp[2] = {{1, STORE_PAGE_REJECTED, "no QR code found in any corner", 1, NULL, 0},
                        {2, STORE_PAGE_BLANK, "blank page (the back of a duplex scan?)", 0, NULL, 0}};
    store_scan_file f = {.sha256 = SHA("4"), .name = "letter.tif", .archive_path = "a", .rejected_path = "r",
                         .pages = sp, .n_pages = 2, .out_dir = dir};
    store_file_result r;
    omr_error err;
    cr_assert_eq(store_write_file(db, (const omr_template *const *)&tmpl, 1, &f, &r, &err), OMR_OK, "%s", err.message);
    cr_assert_str_eq(r.state, "rejected");
    cr_assert(strstr(r.error, "page 1: no QR code"), "%s", r.error);
    cr_assert_str_eq(text_of("SELECT stored_path FROM scan_files"), "r");
    cr_assert_eq(count("SELECT count(*) FROM review_items WHERE kind = 'unmatched_page'"), 1);
    /* a file of blank backs only: read, nothing to count, not a reject */
    store_page backs[1] = {{1, STORE_PAGE_BLANK, "blank page (the back of a duplex scan?)", 0, NULL, 0}};
    store_scan_file b = {.sha256 = SHA("5"), .name = "back.png", .archive_path = "a/back.png",
                         .rejected_path = "r/back.png", .pages = backs, .n_pages = 1, .out_dir = dir};
    cr_assert_eq(store_write_file(db, (const omr_template *const *)&tmpl, 1, &b, &r, &err), OMR_OK, "%s", err.message);
    cr_assert_str_eq(r.state, "done");
    cr_assert_str_eq(text_of("SELECT stored_path FROM scan_files WHERE original_name = 'back.png'"), "a/back.png");
    cr_assert_eq(store_write_unreadable(db, "locked.pdf", "rejected/locked.pdf", "cannot be read: Permission denied",
                                        &err), OMR_OK);
    cr_assert(strstr(text_of("SELECT sha256 FROM scan_files WHERE original_name = 'locked.pdf'"), "unreadable:"));
    export_all();
    const char *rejects = slurp("rejects.csv");
    cr_assert(strstr(rejects, "letter.tif,1,error,no QR code found in any corner\r\n"), "%s", rejects);
    cr_assert(strstr(rejects, "letter.tif,2,blank,"), "%s", rejects);
    cr_assert(strstr(rejects, "locked.pdf,,error,cannot be read: Permission denied"), "%s", rejects);
    cr_assert(strstr(rejects, "back.png,1,blank,"), "%s", rejects);
}

Test(store, a_schema_1_ledger_is_upgraded_in_place) {
    char path[512];
    snprintf(path, sizeof path, "%s/old.db", dir);
    sqlite3 *old;
    cr_assert_eq(sqlite3_open(path, &old), SQLITE_OK);
    cr_assert_eq(sqlite3_exec(old,
                              "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
                              "INSERT INTO meta VALUES ('schema_version', '1');"
                              "CREATE TABLE marks(page_id INTEGER NOT NULL, question TEXT NOT NULL, value TEXT NOT NULL,"
                              " fill REAL NOT NULL, extent REAL NOT NULL, near_mm2 REAL NOT NULL, decision TEXT NOT NULL,"
                              " confidence REAL NOT NULL, PRIMARY KEY(page_id, question, value));"
                              "INSERT INTO marks VALUES (1, 'q1a', '5', 0.2, 0.9, 0, 'marked', 0.8);",
                              NULL, NULL, NULL),
                 SQLITE_OK);
    sqlite3_close(old);
    sqlite3 *upgraded;
    omr_error err;
    cr_assert_eq(store_open(path, &upgraded, &err), OMR_OK, "%s", err.message);
    sqlite3_stmt *st;
    cr_assert_eq(sqlite3_prepare_v2(upgraded, "SELECT shift_mm IS NULL, ink_near, (SELECT value FROM meta WHERE "
                                              "key = 'schema_version') FROM marks", -1, &st, NULL), SQLITE_OK);
    cr_assert_eq(sqlite3_step(st), SQLITE_ROW);
    cr_assert_eq(sqlite3_column_int(st, 0), 1);
    cr_assert_eq(sqlite3_column_int(st, 1), 0);
    cr_assert_str_eq((const char *)sqlite3_column_text(st, 2), "4");
    sqlite3_finalize(st);
    /* schema 4: where a duplicate arrival is filed */
    cr_assert_eq(sqlite3_prepare_v2(upgraded, "SELECT stored_path FROM duplicate_files", -1, &st, NULL), SQLITE_OK,
                 "%s", sqlite3_errmsg(upgraded));
    sqlite3_finalize(st);
    /* schema 3: the OCR queue's claims, the stations, the review queue's change feed */
    cr_assert_eq(sqlite3_prepare_v2(upgraded, "SELECT ocr_owner, ocr_until FROM texts", -1, &st, NULL), SQLITE_OK,
                 "%s", sqlite3_errmsg(upgraded));
    sqlite3_finalize(st);
    cr_assert_eq(sqlite3_prepare_v2(upgraded, "SELECT station, seen_at FROM stations", -1, &st, NULL), SQLITE_OK);
    sqlite3_finalize(st);
    cr_assert_eq(sqlite3_prepare_v2(upgraded, "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND "
                                              "tbl_name = 'review_items'", -1, &st, NULL), SQLITE_OK);
    cr_assert_eq(sqlite3_step(st), SQLITE_ROW);
    cr_assert_eq(sqlite3_column_int(st, 0), 3, "the change feed's triggers");
    sqlite3_finalize(st);
    store_close(upgraded);
    /* and opening it again changes nothing */
    cr_assert_eq(store_open(path, &upgraded, &err), OMR_OK, "%s", err.message);
    store_close(upgraded);
}

/* A schema-3 ledger (duplicate_files without stored_path) gains the column,
 * keeps its rows, and notes where later duplicates are filed. */
Test(store, a_schema_3_ledger_learns_where_duplicates_are_filed) {
    char path[512];
    snprintf(path, sizeof path, "%s/three.db", dir);
    omr_db *db;
    omr_error err;
    cr_assert_eq(store_open(path, &db, &err), OMR_OK, "%s", err.message);
    store_close(db);
    sqlite3 *old;
    cr_assert_eq(sqlite3_open(path, &old), SQLITE_OK);
    cr_assert_eq(sqlite3_exec(old,
                              "DROP TABLE duplicate_files;"
                              "CREATE TABLE duplicate_files(id INTEGER PRIMARY KEY, file_id INTEGER NOT NULL "
                              " REFERENCES scan_files(id), name TEXT NOT NULL, received_at TEXT NOT NULL);"
                              "INSERT INTO scan_files(sha256, original_name, size, state, received_at) "
                              " VALUES ('abc', 'a.tif', 1, 'done', '2026-01-01T00:00:00Z');"
                              "INSERT INTO duplicate_files(file_id, name, received_at) "
                              " VALUES (1, 'b.tif', '2026-01-02T00:00:00Z');"
                              "UPDATE meta SET value = '3' WHERE key = 'schema_version';",
                              NULL, NULL, NULL),
                 SQLITE_OK, "%s", sqlite3_errmsg(old));
    sqlite3_close(old);
    cr_assert_eq(store_open(path, &db, &err), OMR_OK, "%s", err.message);
    char version[16], stored[256];
    cr_assert_eq(store_get_meta(db, "schema_version", version, sizeof version, &err), OMR_OK);
    cr_assert_str_eq(version, "4");
    cr_assert_eq(store_find_duplicate(db, 1, "b.tif", stored, sizeof stored, &err), OMR_OK, "%s", err.message);
    cr_assert_str_eq(stored, "", "an old row says nothing of where it went");
    cr_assert_eq(store_record_duplicate(db, 1, "b.tif", NULL, "/archive/b-2.tif", &err), OMR_OK, "%s", err.message);
    cr_assert_eq(store_find_duplicate(db, 1, "b.tif", stored, sizeof stored, &err), OMR_OK);
    cr_assert_str_eq(stored, "/archive/b-2.tif", "the latest arrival under that name");
    cr_assert_eq(store_find_duplicate(db, 1, "c.tif", stored, sizeof stored, &err), OMR_OK);
    cr_assert_str_eq(stored, "");
    store_close(db);
}
