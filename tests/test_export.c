/*
 * test_export.c — the five outputs (export.c, export_records.c,
 * export_tables.c) read back byte by byte from a ledger built with
 * store_write_file on page readings made by hand: records.csv's column
 * contract and its cells (a missing page leaves answers empty, multi options
 * as 1/0, sources, status), RFC 4180 quoting and CRLF, marks.csv in template
 * order at fixed precision, review.csv, rejects.csv (blank, error, whole
 * file, duplicate), the codebook, and no temporary file left behind.
 */
#include <dirent.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include "base/files.h"
#include "export/export.h"
#include "helpers.h"
#include "export/redact.h"
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

TestSuite(export, .init = setup, .fini = teardown, .timeout = 60);

/* A read page of `code`, every box blank except the (question, value) pairs
 * in `marked` (NULL-terminated, alternating). */
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

/* One scan file named `name` holding `pages` (read when reading given). */
static void write_file(const char *sha, const char *name, const store_page *pages, size_t n) {
    store_scan_file f = {.sha256 = sha, .name = name, .archive_path = name, .rejected_path = name,
                         .size = 100, .pages = (store_page *)pages, .n_pages = n, .out_dir = dir, .ocr = 0};
    store_file_result r;
    omr_error err;
    cr_assert_eq(store_write_file(db, (const omr_template *const *)&tmpl, 1, &f, &r, &err), OMR_OK, "%s",
                 err.message);
    for (size_t i = 0; i < n; i++)
        page_reading_free(pages[i].reading);
}

static const char *SHA(char c) {
    static char buf[8][65];
    static int next;
    char *b = buf[next++ % 8];
    memset(b, c, 64);
    b[64] = 0;
    return b;
}

static char *slurp(const char *name) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "%s", path);
    char *buf = calloc(1, 1 << 20);
    size_t n = fread(buf, 1, (1 << 20) - 1, f);
    buf[n] = 0;
    fclose(f);
    return buf;
}

static export_summary export_all(void) {
    export_summary s;
    omr_error err;
    cr_assert_eq(export_ledger(db, dir, (const omr_template *const *)&tmpl, 1, &s, &err), OMR_OK, "%s",
                 err.message);
    return s;
}

/* Every line ends in CRLF, and no bare LF or CR appears outside quotes. */
static void assert_crlf(const char *csv, const char *name) {
    int quoted = 0;
    size_t lines = 0;
    for (const char *p = csv; *p; p++) {
        if (*p == '"')
            quoted = !quoted;
        if (quoted)
            continue;
        if (*p == '\r') {
            cr_assert_eq(p[1], '\n', "%s: CR without LF at %zu", name, (size_t)(p - csv));
            lines++;
            p++;
        } else {
            cr_assert_neq(*p, '\n', "%s: LF without CR at %zu", name, (size_t)(p - csv));
        }
    }
    cr_assert_gt(lines, 0, "%s is empty", name);
    cr_assert_eq(csv[strlen(csv) - 1], '\n', "%s does not end its last line", name);
}

/* The line of `csv` that starts with `prefix` (without its CRLF), or NULL. */
static char *line_starting(const char *csv, const char *prefix) {
    /* a prefix may end in "\r": the whole line */
    static char line[8192];
    for (const char *p = csv; p && *p;) {
        const char *end = strstr(p, "\r\n");
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (strncmp(p, prefix, strlen(prefix)) == 0) {
            snprintf(line, sizeof line, "%.*s", (int)len, p);
            return line;
        }
        p = end ? end + 2 : NULL;
    }
    return NULL;
}

static size_t count_lines(const char *csv) {
    size_t n = 0;
    for (const char *p = csv; (p = strstr(p, "\r\n")); p += 2)
        n++;
    return n;
}

/* Two complete returns, one with page 2 only, a blank page and a page that
 * could not be read, a file rejected as a whole and a duplicate. */
static void build_ledger(void) {
    const char *a1[] = {"q1a", "5", "q1b", "3", NULL};
    const char *a2[] = {"q5", "1", "q5r", "2", "q5r", "7", NULL};
    store_page both[] = {{1, STORE_PAGE_READ, NULL, 0, reading("A1", 1, a1), 0},
                         {2, STORE_PAGE_READ, NULL, 0, reading("A1", 2, a2), 0},
                         {3, STORE_PAGE_BLANK, "blank page (the back of a duplex scan?)", 0, NULL, 0},
                         {4, STORE_PAGE_REJECTED, "no QR code found, \"anywhere\"", 1, NULL, 0}};
    write_file(SHA('a'), "in/scan, \"one\".tif", both, 4);
    const char *b2[] = {"q6", "4", NULL};
    store_page second[] = {{1, STORE_PAGE_READ, NULL, 0, reading("B2", 2, b2), 0}};
    write_file(SHA('b'), "in/two.tif", second, 1);
    store_scan_file bad = {.sha256 = SHA('c'), .name = "in/letter.pdf", .archive_path = "x", .rejected_path = "x",
                           .size = 5, .error = "in/letter.pdf is not a scan: it starts with %PDF-1.4 but has no pages",
                           .out_dir = dir};
    store_file_result r;
    omr_error err;
    cr_assert_eq(store_write_file(db, (const omr_template *const *)&tmpl, 1, &bad, &r, &err), OMR_OK, "%s",
                 err.message);
    store_page again[] = {{1, STORE_PAGE_READ, NULL, 0, reading("B2", 2, b2), 0}};
    write_file(SHA('b'), "in/two again.tif", again, 1);
}

Test(export, records_csv_keeps_its_column_contract_and_cells) {
    build_ledger();
    export_summary s = export_all();
    cr_assert_eq(s.forms, 2);
    cr_assert_eq(s.forms_incomplete, 1);
    char *csv = slurp("records.csv");
    assert_crlf(csv, "records.csv");
    /* head, every answer column in template order (multi as q.value), text, provenance */
    char expect[8192] = "code,status,review_items";
    for (size_t i = 0; i < tmpl->n_questions; i++) {
        const template_question *q = &tmpl->questions[i];
        if (q->type == QUESTION_MULTI)
            for (size_t b = 0; b < q->n_boxes; b++)
                snprintf(expect + strlen(expect), sizeof expect - strlen(expect), ",%s.%s", q->id, q->boxes[b].value);
        else
            snprintf(expect + strlen(expect), sizeof expect - strlen(expect), ",%s", q->id);
    }
    for (size_t i = 0; i < tmpl->n_text_fields; i++)
        snprintf(expect + strlen(expect), sizeof expect - strlen(expect), ",%s", tmpl->text_fields[i].id);
    strcat(expect, ",template,flags,review_reasons,confirmed,sources,return\r\n");
    cr_assert_eq(strncmp(csv, expect, strlen(expect)), 0, "header:\n%.*s\nwanted:\n%s", (int)strlen(expect), csv,
                 expect);
    cr_assert_eq(count_lines(csv), 3, "%s", csv);

    /* A1: both pages; answers and multi options; sources quoted (comma and quote in the name) */
    char *a1 = line_starting(csv, "A1,");
    cr_assert_not_null(a1, "%s", csv);
    cr_assert(strstr(a1, ",5,3,"), "q1a,q1b: %s", a1);
    cr_assert(strstr(a1, ",0,1,0,0,0,0,1,0,"), "q5r as 1/0 per option: %s", a1);
    cr_assert(strstr(a1, ",\"in/scan, \"\"one\"\".tif#1;in/scan, \"\"one\"\".tif#2\","), "sources: %s", a1);
    cr_assert(strstr(a1, ",ekb-2024,"), "%s", a1);

    /* B2: page 1 missing: its answers are empty (unknown), not 0; the status says incomplete */
    char *b2 = line_starting(csv, "B2,");
    cr_assert_not_null(b2, "%s", csv);
    cr_assert_eq(strncmp(b2, "B2,incomplete,,,,", 17), 0, "%s", b2);
    cr_assert(strstr(b2, ",in/two.tif#1,"), "the duplicate adds no source: %s", b2);
    free(csv);
}

Test(export, marks_csv_lists_every_box_of_read_pages_in_template_order) {
    build_ledger();
    export_all();
    char *csv = slurp("marks.csv");
    assert_crlf(csv, "marks.csv");
    const char *head = "code,page,question,value,fill,decision,confidence,extent,ink_near_mm2,shift_mm,file,"
                       "file_page,return,in_answer\r\n";
    cr_assert_eq(strncmp(csv, head, strlen(head)), 0, "%s", csv);
    size_t boxes[3] = {0};
    for (size_t i = 0; i < tmpl->n_questions; i++)
        boxes[tmpl->questions[i].page] += tmpl->questions[i].n_boxes;
    /* A1 pages 1 and 2, B2 page 2 (its duplicate file is not read again) */
    cr_assert_eq(count_lines(csv), 1 + boxes[1] + 2 * boxes[2], "%s", csv);
    const template_question *first = &tmpl->questions[0];
    char prefix[256];
    snprintf(prefix, sizeof prefix, "A1,1,%s,%s,0.2000,", first->id, first->boxes[0].value);
    char *row = line_starting(csv, prefix);
    cr_assert_not_null(row, "%s", prefix);
    cr_assert(strstr(row, ",0.900,0.900,0.00,0.00,\"in/scan, \"\"one\"\".tif\",1,"), "%s", row);
    /* the first data row is the template's first box */
    cr_assert_eq(strncmp(csv + strlen(head), prefix, strlen(prefix)), 0, "%s", csv + strlen(head));
    free(csv);
}

/* The cell of marks.csv row `row` in column `col` (0-based), in `out`. */
static void csv_cell(const char *row, int col, char *out, size_t size) {
    const char *c = row;
    for (int i = 0; i < col && c; i++) {
        c = strchr(c, ',');
        c = c ? c + 1 : NULL;
    }
    cr_assert_not_null(c, "no column %d in %s", col, row);
    size_t n = strcspn(c, ",\r\n");
    snprintf(out, size, "%.*s", (int)(n < size - 1 ? n : size - 1), c);
}

/* The index of `value` among q's boxes (the test fails without one). */
static size_t value_index(const template_question *q, const char *value) {
    for (size_t b = 0; b < q->n_boxes; b++)
        if (strcmp(q->boxes[b].value, value) == 0)
            return b;
    cr_assert_fail("no box %s=%s", q->id, value);
    return 0;
}

Test(export, marks_csv_says_what_the_question_decided_about_each_box) {
    /* a consistent dotter: three small dots, each too small for a mark on
     * its own (decide_box: unsure), read as marks by the form's hand; q2b
     * has a dot and a cross, so it waits for an operator */
    page_reading *p = reading("D1", 1, NULL);
    const char *dots[][2] = {{"q1a", "5"}, {"q1b", "3"}, {"q2a", "4"}, {"q2b", "2"}};
    for (size_t i = 0; i < 4; i++) {
        const template_question *q = template_question_by_id(tmpl, dots[i][0]);
        cr_assert_not_null(q);
        size_t k = assemble_box_offset(tmpl, q) + value_index(q, dots[i][1]);
        p->decisions[k] = (box_decision){.state = BOX_UNSURE, .dot = 1, .dot_clear = 1};
        p->measures[k].fill = 0.02;
        p->measures[k].core_mm2 = 0.8;
    }
    const template_question *q2b = template_question_by_id(tmpl, "q2b");
    size_t kc = assemble_box_offset(tmpl, q2b) + value_index(q2b, "4");
    p->decisions[kc] = (box_decision){.state = BOX_UNSURE};
    p->measures[kc].fill = 0.05;
    store_page pages[] = {{1, STORE_PAGE_READ, NULL, 0, p, 0}};
    write_file(SHA('d'), "dots.tif", pages, 1);
    export_all();
    char *csv = slurp("marks.csv");
    char cell[32];
    struct {
        const char *prefix, *in_answer;
    } want[] = {{"D1,1,q1a,5,", "1"}, {"D1,1,q1a,4,", "0"}, {"D1,1,q1b,3,", "1"},
                {"D1,1,q2a,4,", "1"}, {"D1,1,q2b,2,", "review"}, {"D1,1,q2b,4,", "review"}};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        char *row = line_starting(csv, want[i].prefix);
        cr_assert_not_null(row, "%s in %s", want[i].prefix, csv);
        csv_cell(row, 13, cell, sizeof cell);
        cr_assert_str_eq(cell, want[i].in_answer, "%s: in_answer %s, not %s", want[i].prefix, cell,
                         want[i].in_answer);
    }
    /* the dot's own decision column still says what the box alone looked like */
    csv_cell(line_starting(csv, "D1,1,q1a,5,"), 5, cell, sizeof cell);
    cr_assert(strcmp(cell, "unsure") == 0 || strcmp(cell, "marked") == 0, "%s", cell);
    free(csv);
}

Test(export, rejects_csv_names_file_page_kind_and_reason) {
    build_ledger();
    export_all();
    char *csv = slurp("rejects.csv");
    assert_crlf(csv, "rejects.csv");
    const char *expect =
        "file,page,kind,reason\r\n"
        "\"in/scan, \"\"one\"\".tif\",3,blank,blank page (the back of a duplex scan?)\r\n"
        "\"in/scan, \"\"one\"\".tif\",4,error,\"no QR code found, \"\"anywhere\"\"\"\r\n"
        "in/letter.pdf,,error,in/letter.pdf is not a scan: it starts with %PDF-1.4 but has no pages\r\n";
    cr_assert_eq(strncmp(csv, expect, strlen(expect)), 0, "%s\nwanted:\n%s", csv, expect);
    char *dup = line_starting(csv + strlen(expect), "in/two again.tif,,duplicate,the same content as in/two.tif (received ");
    cr_assert_not_null(dup, "%s", csv);
    cr_assert(strstr(dup, "); not counted again"), "%s", dup);
    cr_assert_eq(count_lines(csv), 5, "%s", csv);
    free(csv);
}

Test(export, review_csv_has_one_row_per_open_item) {
    build_ledger();
    export_all();
    char *csv = slurp("review.csv");
    assert_crlf(csv, "review.csv");
    const char *head = "code,template,item,reason,return\r\n";
    cr_assert_eq(strncmp(csv, head, strlen(head)), 0, "%s", csv);
    /* every review row names a return that records.csv marks "review" (or
     * "incomplete": a page missing comes first), and the item is in its review_items */
    char *records = slurp("records.csv");
    size_t rows = 0;
    for (const char *p = csv + strlen(head); *p;) {
        const char *end = strstr(p, "\r\n");
        cr_assert_not_null(end);
        char line[2048], code[64] = "", item[128] = "";
        snprintf(line, sizeof line, "%.*s", (int)(end - p), p);
        sscanf(line, "%63[^,],ekb-2024,%127[^,],", code, item);
        char prefix[80];
        snprintf(prefix, sizeof prefix, "%s,review,", code);
        char *record = line_starting(records, prefix);
        if (!record) { /* a page missing: incomplete, with its items still listed */
            snprintf(prefix, sizeof prefix, "%s,incomplete,", code);
            record = line_starting(records, prefix);
        }
        cr_assert_not_null(record, "%s has no record in review: %s", code, records);
        cr_assert(strstr(record, item), "%s not among %s", item, record);
        rows++;
        p = end + 2;
    }
    export_summary s = export_all();
    cr_assert_eq(rows > 0, s.forms_review > 0, "%zu rows, %zu forms to review", rows, s.forms_review);
    free(records);
    free(csv);
}

Test(export, codebook_lists_variables_values_and_labels) {
    export_all();
    char *csv = slurp("codebook.csv");
    assert_crlf(csv, "codebook.csv");
    const char *head = "template,variable,type,question,value,label,missing\r\n";
    cr_assert_eq(strncmp(csv, head, strlen(head)), 0, "%s", csv);
    size_t rows = 0;
    for (size_t i = 0; i < tmpl->n_questions; i++)
        rows += tmpl->questions[i].n_boxes * (tmpl->questions[i].type == QUESTION_MULTI ? 2 : 1);
    rows += tmpl->n_text_fields;
    cr_assert_eq(count_lines(csv), 1 + rows, "%s", csv);
    cr_assert_not_null(line_starting(csv, "ekb-2024,q5r.2,multi,"), "%s", csv);
    char *one = line_starting(csv, "ekb-2024,q5r.2,multi,");
    cr_assert(strstr(one, ",1,Könsöverskridande identitet eller uttryck,empty = page missing"), "%s", one);
    cr_assert_not_null(line_starting(csv, "ekb-2024,q1a,scale,Min handläggare bemöter mig på ett respektfullt "
                                          "sätt,5,Stämmer mycket bra,\"empty = unanswered, unreadable or page missing\"\r"),
                       "%s", csv);
    free(csv);
}

Test(export, leaves_no_temporary_file_and_clears_a_killed_one) {
    build_ledger();
    char path[512];
    snprintf(path, sizeof path, "%s/.records.csv.tmp.99999", dir);
    FILE *f = fopen(path, "w");
    fputs("half", f);
    fclose(f);
    export_remove_leftovers(dir);
    struct stat st;
    cr_assert_neq(stat(path, &st), 0, "the leftover is still there");
    export_all();
    DIR *d = opendir(dir);
    for (struct dirent *e; (e = readdir(d));)
        cr_assert_null(strstr(e->d_name, ".tmp."), "left behind: %s", e->d_name);
    closedir(d);
    const char *names[] = {"records.csv", "marks.csv", "review.csv", "rejects.csv", "codebook.csv"};
    for (size_t i = 0; i < 5; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        cr_assert_eq(stat(path, &st), 0, "%s missing", names[i]);
    }
}

Test(export, csv_field_quotes_only_where_rfc4180_needs_it) {
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    export_csv_field(f, "plain");
    fputc('|', f);
    export_csv_field(f, "a,b");
    fputc('|', f);
    export_csv_field(f, "say \"hi\"");
    fputc('|', f);
    export_csv_field(f, "two\r\nlines");
    fputc('|', f);
    export_csv_field(f, NULL);
    fputc('|', f);
    export_csv_field(f, "semi;colon");
    fclose(f);
    cr_assert_str_eq(buf, "plain|\"a,b\"|\"say \"\"hi\"\"\"|\"two\r\nlines\"||semi;colon");
    free(buf);
}

/* issue 12: every cell is valid UTF-8 (an invalid byte as \xNN), a file
 * name's backslash is doubled so the name is recoverable, and a text cell
 * starting with = + - @ TAB CR or ' gets a leading ' (OWASP), never a plain
 * cell: "-1" as an answer code stays a number. */
Test(export, csv_cells_are_utf8_and_text_cannot_run_as_a_formula) {
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    const char *row[] = {"-1", "=1+2", "-1", "in/sk\xE4nn\\ing.tif", "J\xC3\xA4rva", "@SUM(A1)", "a\xC0\xAF" "b\xE2\x82",
                         "'quoted", "=a,b", "+46 8", "plain text"};
    omr_csv_row_kinds(f, row, sizeof row / sizeof row[0], "pttfftpttpt");
    fclose(f);
    cr_assert_str_eq(buf, "-1,'=1+2,'-1,in/sk\\xE4nn\\\\ing.tif,J\xC3\xA4rva,'@SUM(A1),a\\xC0\\xAFb\\xE2\\x82,"
                          "''quoted,\"'=a,b\",+46 8,plain text\r\n");
    free(buf);
}

Test(export, file_names_and_comments_reach_the_csvs_escaped_and_neutralised) {
    page_reading *p = reading("C3", 2, (const char *[]){"q6", "4", NULL});
    size_t k = 0;
    while (tmpl->text_fields[k].page != 2)
        k++;
    p->texts[k].has_writing = 1;
    p->texts[k].crop = omr_image_new(200, 60, 200, 255);
    store_page pages[] = {{1, STORE_PAGE_READ, NULL, 0, p, 0},
                          {2, STORE_PAGE_REJECTED, "no QR code found", 1, NULL, 0}};
    write_file(SHA('d'), "in/sk\xE4nning.tif", pages, 2);
    store_page other[] = {{1, STORE_PAGE_BLANK, "blank page", 0, NULL, 0}};
    write_file(SHA('e'), "=cmd|' /C calc'!A0.tif", other, 1);
    omr_error err;
    cr_assert_eq(store_exec(db, "UPDATE texts SET text = '=HYPERLINK(\"http://x\",\"y\")', status = 'ok'", &err),
                 OMR_OK, "%s", err.message);
    export_all();
    char *records = slurp("records.csv"), *rejects = slurp("rejects.csv"), *marks = slurp("marks.csv");
    cr_assert_null(strchr(records, '\xE4'), "a raw invalid byte in records.csv");
    cr_assert_null(strchr(rejects, '\xE4'), "a raw invalid byte in rejects.csv");
    cr_assert_null(strchr(marks, '\xE4'), "a raw invalid byte in marks.csv");
    char *row = line_starting(records, "C3,");
    cr_assert_not_null(row, "%s", records);
    cr_assert(strstr(row, ",4,"), "the answer 4 is written as it is: %s", row);
    cr_assert(strstr(row, ",\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\","), "%s", row);
    cr_assert(strstr(row, ",in/sk\\xE4nning.tif#1,"), "%s", row);
    cr_assert_not_null(line_starting(rejects, "in/sk\\xE4nning.tif,2,error,no QR code found\r"), "%s", rejects);
    cr_assert_not_null(line_starting(rejects, "'=cmd|' /C calc'!A0.tif,1,blank,blank page\r"), "%s", rejects);
    cr_assert(strstr(marks, ",in/sk\\xE4nning.tif,1,"), "%s", marks);
    free(records);
    free(rejects);
    free(marks);
}

/* ---- personal data in comments (export/redact.h) ------------------------------------------ */

static void expect_redacted(const char *in, const char *want) {
    char *got = redact_comment(in);
    cr_assert_not_null(got);
    cr_assert_str_eq(got, want, "\"%s\"", in);
    free(got);
}

Test(export, personal_numbers_phones_and_emails_are_masked_in_comment_text) {
    /* personal identity numbers: 10 or 12 digits, '-', '+' or nothing, Luhn checked */
    expect_redacted("mitt pnr 811218-9876 tack", "mitt pnr [personnummer] tack");
    expect_redacted("19811218-9876", "[personnummer]");
    expect_redacted("(8112189876)", "([personnummer])");
    expect_redacted("198112189876.", "[personnummer].");
    expect_redacted("811218+9876", "[personnummer]");
    expect_redacted("samordningsnr 701063-2391", "samordningsnr [personnummer]");
    /* a wrong check digit or an impossible date is not a personal number */
    expect_redacted("ärende 811218-9875", "ärende 811218-9875");
    expect_redacted("811318-9876", "811318-9876");
    /* phone numbers */
    expect_redacted("ring 070-123 45 67 efter 5", "ring [telefon] efter 5");
    expect_redacted("Tel: +46 70 123 45 67.", "Tel: [telefon].");
    expect_redacted("08-12345678", "[telefon]");
    expect_redacted("0046701234567", "[telefon]");
    expect_redacted("0701234567, helst kvällstid", "[telefon], helst kvällstid");
    /* e-mail addresses */
    expect_redacted("mejla anna.svensson@example.se.", "mejla [e-post].");
    expect_redacted("a_b+c@sub.kommun.stockholm.se ok", "[e-post] ok");
    /* ordinary numbers and text are left alone */
    expect_redacted("Jag har väntat 3 veckor sedan 2024-03-01, kl 10.30 i rum 204.",
                    "Jag har väntat 3 veckor sedan 2024-03-01, kl 10.30 i rum 204.");
    expect_redacted("svårt @ handläggaren, 5 av 10", "svårt @ handläggaren, 5 av 10");
    expect_redacted("", "");
    cr_assert_null(redact_comment(NULL));
    cr_assert(redact_is_personal_number("8112189876", 10));
    cr_assert(!redact_is_personal_number("8112189877", 10));
}

Test(export, records_csv_masks_personal_data_the_ledger_keeps_it) {
    page_reading *p = reading("C4", 2, (const char *[]){"q6", "4", NULL});
    size_t k = 0;
    while (tmpl->text_fields[k].page != 2)
        k++;
    p->texts[k].has_writing = 1;
    p->texts[k].crop = omr_image_new(200, 60, 200, 255);
    store_page pages[] = {{1, STORE_PAGE_READ, NULL, 0, p, 0}};
    write_file(SHA('f'), "c4.tif", pages, 1);
    omr_error err;
    cr_assert_eq(store_exec(db, "UPDATE texts SET text = 'Ring mig 070-123 45 67 eller anna@example.se, "
                                "pnr 19811218-9876', status = 'ok'",
                            &err),
                 OMR_OK, "%s", err.message);
    export_all();
    char *records = slurp("records.csv");
    char *row = line_starting(records, "C4,");
    cr_assert_not_null(row, "%s", records);
    cr_assert(strstr(row, ",\"Ring mig [telefon] eller [e-post], pnr [personnummer]\","), "%s", row);
    cr_assert_null(strstr(records, "9876"), "%s", records);
    cr_assert_null(strstr(records, "anna@"), "%s", records);
    free(records);
    /* the ledger keeps the text as read, for the operator */
    sqlite3_stmt *st;
    cr_assert_eq(sqlite3_prepare_v2(db, "SELECT text FROM texts", -1, &st, NULL), SQLITE_OK);
    cr_assert_eq(sqlite3_step(st), SQLITE_ROW);
    cr_assert(strstr((const char *)sqlite3_column_text(st, 0), "19811218-9876"));
    sqlite3_finalize(st);
}
