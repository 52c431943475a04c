/*
 * tests/test_frame.c — the sample frame: importing it (and refusing a bad
 * file whole, with the line and reason), login codes with a check character,
 * checking a code read at scan time, undeliverable envelopes, web returns and
 * the reminder list. Ledger rows that the scan pipeline would write are
 * inserted with SQL.
 */
#include <criterion/criterion.h>
#include <unistd.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "survey/frame.h"
#include "helpers.h"
#include "reading/identify.h"
#include "ledger/store.h"

static char *dir;
static sqlite3 *db;

static void setup(void) {
    dir = test_tempdir();
    char path[512];
    snprintf(path, sizeof path, "%s/omr.db", dir);
    omr_error err = {0};
    cr_assert_eq(store_open(path, &db, &err), OMR_OK, "%s", err.message);
    cr_assert_eq(frame_open(db, &err), OMR_OK, "%s", err.message);
}

static void teardown(void) {
    store_close(db);
    rm_rf(dir);
}

TestSuite(frame, .init = setup, .fini = teardown);

static char *write_file(const char *name, const char *content) {
    static char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f);
    fputs(content, f);
    fclose(f);
    return path;
}

static long count(const char *sql) {
    sqlite3_stmt *st = NULL;
    cr_assert_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK, "%s", sqlite3_errmsg(db));
    long n = -1;
    if (sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return n;
}

/* n valid codes with check characters */
static void make_codes(size_t n, char (*codes)[FRAME_CODE_RANDOM + 2]) {
    omr_error err = {0};
    cr_assert_eq(frame_make_codes(NULL, n, codes, &err), OMR_OK, "%s", err.message);
}

static int has_problem(const frame_problems *p, size_t line, const char *needle) {
    for (size_t i = 0; i < p->count; i++)
        if (p->items[i].line == line && strstr(p->items[i].reason, needle))
            return 1;
    return 0;
}

static void dump(const frame_problems *p) {
    for (size_t i = 0; i < p->count; i++)
        fprintf(stderr, "  line %zu: %s\n", p->items[i].line, p->items[i].reason);
}

static int import(const char *path, frame_problems *p, size_t *n) {
    frame_import_options o = {.template_id = "ekb-2024", .check_digits = 1};
    omr_error err = {0};
    return frame_import_csv(db, path, &o, p, n, &err);
}

Test(frame, codes_carry_a_check_character_that_catches_one_changed_character) {
    char codes[200][FRAME_CODE_RANDOM + 2];
    make_codes(200, codes);
    for (size_t i = 0; i < 200; i++) {
        cr_assert_eq(strlen(codes[i]), FRAME_CODE_RANDOM + 1);
        cr_assert(frame_code_check_ok(codes[i]), "%s", codes[i]);
        char body[16];
        snprintf(body, sizeof body, "%.*s", FRAME_CODE_RANDOM, codes[i]);
        cr_assert_null(strpbrk(body, "0O1IL"), "%s has a look-alike", codes[i]);
        for (size_t k = 0; k < i; k++)
            cr_assert_str_neq(codes[i], codes[k]);
        /* every single changed character is caught */
        char bad[16];
        strcpy(bad, codes[i]);
        bad[i % FRAME_CODE_RANDOM] = bad[i % FRAME_CODE_RANDOM] == 'A' ? 'B' : 'A';
        cr_assert_not(frame_code_check_ok(bad), "%s passes", bad);
    }
}

Test(frame, a_good_frame_is_imported_with_its_variables_in_order) {
    char codes[3][FRAME_CODE_RANDOM + 2];
    make_codes(3, codes);
    char csv[1024];
    snprintf(csv, sizeof csv,
             "\xEF\xBB\xBF" "code,unit,gender,age_group\r\n%s,Järva,Kvinna,40-59\r\n"
             "%s,Farsta,Man,18-30\r\n%s,\"Enskede-Årsta-Vantör\",Kvinna,\"60, eller äldre\"\r\n",
             codes[0], codes[1], codes[2]);
    frame_problems p = {0};
    size_t n = 0;
    int rc = import(write_file("frame.csv", csv), &p, &n);
    dump(&p);
    cr_assert_eq(rc, OMR_OK);
    cr_assert_eq(n, 3);
    cr_assert_eq(count("SELECT count(*) FROM frame"), 3);
    cr_assert_eq(count("SELECT count(*) FROM frame_values"), 6);
    cr_assert_eq(count("SELECT count(*) FROM frame_values WHERE value = '60, eller äldre'"), 1);
    cr_assert_eq(count("SELECT position FROM frame_variables WHERE name = 'age_group'"), 1);
    cr_assert_eq(count("SELECT count(*) FROM frame WHERE unit = 'Enskede-Årsta-Vantör'"), 1);
    frame_problems_clear(&p);
}

Test(frame, semicolon_frames_from_swedish_excel_are_read) {
    char codes[2][FRAME_CODE_RANDOM + 2];
    make_codes(2, codes);
    char csv[512];
    snprintf(csv, sizeof csv, "code;unit;kon\n%s;Järva;Kvinna\n%s;Bromma;Man\n", codes[0], codes[1]);
    frame_problems p = {0};
    size_t n = 0;
    cr_assert_eq(import(write_file("f.csv", csv), &p, &n), OMR_OK);
    cr_assert_eq(count("SELECT count(*) FROM frame_values WHERE name = 'kon'"), 2);
    frame_problems_clear(&p);
}

/* A frame of 50 good rows plus a bad one: refused whole, nothing in the ledger. */
static void refused(const char *bad_line, size_t line, const char *needle, int bad_at_end) {
    char codes[50][FRAME_CODE_RANDOM + 2];
    make_codes(50, codes);
    size_t cap = 8192;
    char *csv = malloc(cap);
    strcpy(csv, "code,unit,gender\n");
    if (!bad_at_end)
        strcat(csv, bad_line);
    for (size_t i = 0; i < 50; i++) {
        size_t len = strlen(csv);
        snprintf(csv + len, cap - len, "%s,Järva,Kvinna\n", codes[i]);
    }
    if (bad_at_end)
        strcat(csv, bad_line);
    frame_problems p = {0};
    size_t n = 99;
    int rc = import(write_file("bad.csv", csv), &p, &n);
    cr_assert_eq(rc, OMR_ERR_INVALID);
    cr_assert_eq(n, 0);
    if (!has_problem(&p, line, needle)) {
        dump(&p);
        cr_assert_fail("no problem \"%s\" on line %zu", needle, line);
    }
    cr_assert_eq(count("SELECT count(*) FROM frame"), 0, "half-imported");
    cr_assert_eq(count("SELECT count(*) FROM frame_values"), 0, "half-imported");
    frame_problems_clear(&p);
    free(csv);
}

Test(frame, duplicate_codes_are_refused_with_both_lines) {
    char codes[1][FRAME_CODE_RANDOM + 2];
    make_codes(1, codes);
    char csv[512];
    snprintf(csv, sizeof csv, "code,unit\n%s,Järva\nX,Farsta\n%s,Bromma\n", codes[0], codes[0]);
    frame_problems p = {0};
    size_t n = 0;
    cr_assert_eq(import(write_file("dup.csv", csv), &p, &n), OMR_ERR_INVALID);
    char want[128];
    snprintf(want, sizeof want, "login code %s appears twice (first on line 2)", codes[0]);
    cr_assert(has_problem(&p, 4, want));
    cr_assert(has_problem(&p, 3, "fails its check character"));
    cr_assert_eq(count("SELECT count(*) FROM frame"), 0);
    frame_problems_clear(&p);
}

Test(frame, a_bad_check_character_at_the_end_refuses_everything) {
    refused("K7M2QX9Z,Järva,Man\n", 52, "login code K7M2QX9Z fails its check character", 1);
}

Test(frame, a_missing_column_is_refused_on_the_header_line) {
    char codes[1][FRAME_CODE_RANDOM + 2];
    make_codes(1, codes);
    char csv[256];
    snprintf(csv, sizeof csv, "code,district\n%s,Järva\n", codes[0]);
    frame_problems p = {0};
    size_t n = 0;
    cr_assert_eq(import(write_file("nocol.csv", csv), &p, &n), OMR_ERR_INVALID);
    cr_assert(has_problem(&p, 1, "no column \"unit\""));
    cr_assert_eq(count("SELECT count(*) FROM frame"), 0);
    frame_problems_clear(&p);
}

Test(frame, a_short_row_is_refused_with_its_line) {
    refused("ABC,Järva\n", 2, "2 fields, but the header has 3", 0);
}

Test(frame, broken_encoding_is_refused_with_its_line) {
    /* "Järva" in Latin-1, as an old Excel saves it */
    char codes[1][FRAME_CODE_RANDOM + 2];
    make_codes(1, codes);
    char line[64];
    snprintf(line, sizeof line, "%s,J\xE4rva,Man\n", codes[0]);
    refused(line, 52, "not UTF-8 text (byte 0xE4 at column", 1);
}

Test(frame, malformed_quoting_is_refused) {
    refused("\"ABC\"x,Järva,Man\n", 2, "malformed CSV", 0);
}

Test(frame, a_bad_file_leaves_an_existing_frame_as_it_was) {
    char codes[4][FRAME_CODE_RANDOM + 2];
    make_codes(4, codes);
    char csv[512];
    snprintf(csv, sizeof csv, "code,unit\n%s,Järva\n%s,Farsta\n", codes[0], codes[1]);
    frame_problems p = {0};
    size_t n = 0;
    cr_assert_eq(import(write_file("a.csv", csv), &p, &n), OMR_OK);
    /* appending: one new code, one already there -> refused whole */
    snprintf(csv, sizeof csv, "code,unit\n%s,Bromma\n%s,Järva\n", codes[2], codes[0]);
    cr_assert_eq(import(write_file("b.csv", csv), &p, &n), OMR_ERR_INVALID);
    cr_assert(has_problem(&p, 3, "is already in the frame of ekb-2024"));
    cr_assert_eq(count("SELECT count(*) FROM frame"), 2);
    cr_assert_eq(count("SELECT count(*) FROM frame WHERE unit = 'Bromma'"), 0);
    frame_problems_clear(&p);
    /* a good append goes in after the others */
    snprintf(csv, sizeof csv, "code,unit\n%s,Bromma\n", codes[3]);
    cr_assert_eq(import(write_file("c.csv", csv), &p, &n), OMR_OK);
    cr_assert_eq(count("SELECT max(seq) FROM frame WHERE unit = 'Bromma'"), 3);
    frame_problems_clear(&p);
}

/* ---- codes at scan time, undeliverable, web returns, reminders ------------------------ */

static char frame_codes[6][FRAME_CODE_RANDOM + 2];

static void small_frame(void) {
    make_codes(6, frame_codes);
    char csv[1024] = "code,unit\n";
    for (int i = 0; i < 6; i++) {
        size_t len = strlen(csv);
        snprintf(csv + len, sizeof csv - len, "%s,%s\n", frame_codes[i], i < 3 ? "Järva" : "Farsta");
    }
    frame_problems p = {0};
    size_t n = 0;
    cr_assert_eq(import(write_file("frame.csv", csv), &p, &n), OMR_OK);
    frame_problems_clear(&p);
}

static void paper_return(const char *code, const char *created) {
    char sql[512];
    snprintf(sql, sizeof sql,
             "INSERT INTO returns(template, code, mode, created_at) VALUES ('ekb-2024', '%s', "
             "'paper', '%s')",
             code, created);
    omr_error err = {0};
    cr_assert_eq(store_exec(db, sql, &err), OMR_OK, "%s", err.message);
}

Test(frame, codes_read_at_scan_time_are_checked_against_the_frame) {
    char reason[300];
    cr_assert_eq(frame_check_code(db, "ekb-2024", "ANYTHING", reason, sizeof reason),
                 FRAME_CODE_NO_FRAME);
    small_frame();
    cr_assert_eq(frame_check_code(db, "ekb-2024", frame_codes[2], reason, sizeof reason),
                 FRAME_CODE_OK);
    char other[1][FRAME_CODE_RANDOM + 2];
    make_codes(1, other);
    cr_assert_eq(frame_check_code(db, "ekb-2024", other[0], reason, sizeof reason),
                 FRAME_CODE_UNKNOWN);
    cr_assert(strstr(reason, "is not in the frame of ekb-2024"), "%s", reason);
    char misread[16];
    strcpy(misread, frame_codes[2]);
    misread[0] = misread[0] == '2' ? '3' : '2';
    cr_assert_eq(frame_check_code(db, "ekb-2024", misread, reason, sizeof reason),
                 FRAME_CODE_BAD_CHECK);
    cr_assert(strstr(reason, "fails its check character"), "%s", reason);
    /* such returns are listed for the report */
    paper_return(other[0], "2024-06-01T10:00:00Z");
    paper_return(frame_codes[0], "2024-06-01T10:00:00Z");
    frame_strings foreign;
    omr_error err = {0};
    cr_assert_eq(frame_list_foreign_returns(db, "ekb-2024", &foreign, &err), OMR_OK);
    cr_assert_eq(foreign.count, 1);
    cr_assert(strstr(foreign.items[0], other[0]));
    frame_strings_free(&foreign);
}

Test(frame, reminders_go_to_those_who_neither_answered_nor_bounced) {
    small_frame();
    paper_return(frame_codes[1], "2024-06-01T10:00:00Z");
    char list[256];
    snprintf(list, sizeof list, "# returned to sender, week 23\n%s\n\n%s\n", frame_codes[4],
             frame_codes[4]);
    frame_strings codes;
    size_t *lines = NULL;
    frame_problems p = {0};
    omr_error err = {0};
    cr_assert_eq(frame_read_code_list(write_file("und.txt", list), &codes, &lines, &p, &err), OMR_OK);
    cr_assert_eq(codes.count, 2);
    size_t added = 0, already = 0;
    cr_assert_eq(frame_add_undeliverable(db, "ekb-2024", codes.items, lines, codes.count, "list",
                                         &p, &added, &already, &err),
                 OMR_OK, "%s", err.message);
    cr_assert_eq(added, 1);
    cr_assert_eq(already, 1);
    frame_strings_free(&codes);
    free(lines);
    /* an unknown code refuses the whole list */
    snprintf(list, sizeof list, "code\n%s\nZZZZ\n", frame_codes[5]);
    cr_assert_eq(frame_read_code_list(write_file("und2.csv", list), &codes, &lines, &p, &err), OMR_OK);
    cr_assert_eq(frame_add_undeliverable(db, "ekb-2024", codes.items, lines, codes.count, "list",
                                         &p, &added, &already, &err),
                 OMR_ERR_INVALID);
    cr_assert(has_problem(&p, 3, "ZZZZ"));
    cr_assert_eq(count("SELECT count(*) FROM undeliverable"), 1);
    frame_strings_free(&codes);
    free(lines);
    frame_problems_clear(&p);

    frame_strings rem;
    cr_assert_eq(frame_list_reminders(db, "ekb-2024", 1, &rem, &err), OMR_OK, "%s", err.message);
    cr_assert_eq(rem.count, 4);
    const int expect[] = {0, 2, 3, 5};
    for (int i = 0; i < 4; i++)
        cr_assert_str_eq(rem.items[i], frame_codes[expect[i]]);
    frame_strings_free(&rem);
    cr_assert_eq(count("SELECT n_codes FROM mailings WHERE kind = 'reminder'"), 4);
    cr_assert_eq(count("SELECT count(*) FROM mailing_codes"), 4);
}

static const char *web_header =
    "code,q1a,q1b,q2a,q2b,q2c,q2d,q2e,q3a,q3b,q4a,q4a1,q4b,q4c,q5,q5r.1,q5r.2,q5r.3,q5r.4,"
    "q5r.5,q5r.6,q5r.7,q5r.8,q6,comment,submitted_at\n";

Test(frame, web_answers_become_returns_and_the_first_return_counts) {
    const omr_template *t = test_template("ekb-2024");
    small_frame();
    paper_return(frame_codes[0], "2024-06-10T09:00:00Z");
    char csv[2048];
    snprintf(csv, sizeof csv,
             "%s%s,5,4,3,2,1,5,4,3,2,2,1,1,1,1,0,0,1,0,1,0,0,0,8,\"Bra, tack\",2024-06-01 12:00+02:00\n"
             "%s,5,5,5,5,5,5,5,5,5,1,1,1,1,2,0,0,0,0,0,0,0,0,10,,2024-06-02\n",
             web_header, frame_codes[0], frame_codes[3]);
    frame_problems p = {0};
    size_t imported = 0, skipped = 0, both = 0;
    omr_error err = {0};
    int rc = frame_import_web(db, t, write_file("web.csv", csv), &p, &imported, &skipped, &both, &err);
    dump(&p);
    cr_assert_eq(rc, OMR_OK, "%s", err.message);
    cr_assert_eq(imported, 2);
    cr_assert_eq(both, 1);
    cr_assert_eq(count("SELECT count(*) FROM returns WHERE mode = 'web'"), 2);
    cr_assert_eq(count("SELECT count(*) FROM returns WHERE flags LIKE '%paper_and_web%routing:q4a1%'"), 1);
    cr_assert_eq(count("SELECT count(*) FROM answers a JOIN returns r ON r.id = a.return_id "
                       "WHERE r.mode = 'web' AND a.question = 'q5r' AND a.value = '3 5'"),
                 1);
    cr_assert_eq(count("SELECT count(*) FROM texts WHERE text = 'Bra, tack' AND status = 'ok'"), 1);
    /* the web answer of code 0 came first (June 1), so it counts, not the paper one */
    cr_assert_eq(count("SELECT count(*) FROM frame_counted_returns"), 2);
    cr_assert_eq(count("SELECT count(*) FROM frame_counted_returns WHERE mode = 'web'"), 2);
    /* importing the same file again adds nothing */
    cr_assert_eq(frame_import_web(db, t, write_file("web.csv", csv), &p, &imported, &skipped, &both, &err),
                 OMR_OK);
    cr_assert_eq(skipped, 2);
    cr_assert_eq(count("SELECT count(*) FROM returns"), 3);
    frame_problems_clear(&p);
    template_free((omr_template *)t);
}

Test(frame, bad_web_answers_are_refused_whole) {
    const omr_template *t = test_template("ekb-2024");
    small_frame();
    char other[1][FRAME_CODE_RANDOM + 2];
    make_codes(1, other);
    char csv[2048];
    snprintf(csv, sizeof csv,
             "%s%s,5,4,3,2,1,5,4,3,2,2,,1,1,2,0,0,0,0,0,0,0,0,8,,\n"
             "%s,7,4,3,2,1,5,4,3,2,2,,1,1,2,0,0,0,0,0,0,0,0,8,,\n"
             "%s,5,4,3,2,1,5,4,3,2,2,,1,1,2,0,0,0,0,0,0,0,0,8,,\n",
             web_header, frame_codes[0], frame_codes[1], other[0]);
    frame_problems p = {0};
    size_t imported = 0, skipped = 0, both = 0;
    omr_error err = {0};
    cr_assert_eq(frame_import_web(db, t, write_file("web.csv", csv), &p, &imported, &skipped, &both, &err),
                 OMR_ERR_INVALID);
    cr_assert(has_problem(&p, 3, "q1a = \"7\" is not one of the values of q1a"));
    cr_assert(has_problem(&p, 4, "is not in the frame of ekb-2024"));
    cr_assert_eq(count("SELECT count(*) FROM returns"), 0);
    frame_problems_clear(&p);
    /* a missing question column */
    cr_assert_eq(frame_import_web(db, t, write_file("web2.csv", "code,q1a\nX,5\n"), &p, &imported,
                                  &skipped, &both, &err),
                 OMR_ERR_INVALID);
    cr_assert(has_problem(&p, 1, "no column \"q6\""));
    frame_problems_clear(&p);
    template_free((omr_template *)t);
}

/* ---- the command line ------------------------------------------------------------------- */

static const char *omr_bin(void) {
    const char *b = getenv("OMR_BIN");
    return b && *b ? b : "build/omr";
}

/* Runs a command with its output (both streams) into out; returns the exit status. */
static int run(const char *cmd, char *out, size_t size) {
    char full[2048];
    snprintf(full, sizeof full, "%s 2>&1", cmd);
    FILE *p = popen(full, "r");
    cr_assert_not_null(p);
    size_t len = fread(out, 1, size - 1, p);
    out[len] = 0;
    int status = pclose(p);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

Test(frame, omr_frame_codes_prints_checked_codes) {
    char cmd[1024], out[4096];
    snprintf(cmd, sizeof cmd, "%s frame codes 5 --db %s/omr.db", omr_bin(), dir);
    cr_assert_eq(run(cmd, out, sizeof out), 0, "%s", out);
    int lines = 0;
    for (char *save = NULL, *line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        cr_assert(frame_code_check_ok(line), "%s", line);
        lines++;
    }
    cr_assert_eq(lines, 5);
}

Test(frame, omr_frame_import_prints_every_problem_with_its_line) {
    char codes[2][FRAME_CODE_RANDOM + 2];
    make_codes(2, codes);
    char csv[512];
    snprintf(csv, sizeof csv, "code,unit\n%s,Järva\n%s,Farsta\n%s,Bromma\n", codes[0], codes[1],
             codes[0]);
    char path[512];
    snprintf(path, sizeof path, "%s", write_file("frame.csv", csv));
    char cmd[2048], out[4096];
    snprintf(cmd, sizeof cmd, "%s frame import --db %s/omr.db --template ekb-2024 %s", omr_bin(),
             dir, path);
    cr_assert_eq(run(cmd, out, sizeof out), 1, "%s", out);
    char want[700];
    snprintf(want, sizeof want, "%s:4: login code %s appears twice (first on line 2)", path, codes[0]);
    cr_assert(strstr(out, want), "%s", out);
    cr_assert(strstr(out, "nothing was imported"), "%s", out);
    cr_assert_eq(count("SELECT count(*) FROM frame"), 0);
    /* a usage error is told apart */
    snprintf(cmd, sizeof cmd, "%s frame import --db %s/omr.db %s", omr_bin(), dir, path);
    cr_assert_eq(run(cmd, out, sizeof out), 2, "%s", out);
    cr_assert(strstr(out, "--template"), "%s", out);
}

/* issue 12 (frame-lowercase-code): a frame typed in lower case. The codes
 * were kept as typed, so the scanned form (upper case in its QR code) was
 * not_in_frame, counted as not returned and reminded. Codes are upper-cased
 * wherever they enter: the frame, a code list, web answers, a QR payload. */
static void lower(char *s) {
    for (; *s; s++)
        if (*s >= 'A' && *s <= 'Z')
            *s = (char)(*s - 'A' + 'a');
}

Test(frame, lowercase_codes_are_the_same_codes_as_the_scanned_upper_case_ones) {
    char codes[4][FRAME_CODE_RANDOM + 2], typed[4][FRAME_CODE_RANDOM + 2];
    make_codes(4, codes);
    for (int i = 0; i < 4; i++) {
        strcpy(typed[i], codes[i]);
        lower(typed[i]);
    }
    char csv[512];
    snprintf(csv, sizeof csv, "code,unit\n%s,Järva\n %s ,Farsta\n%s,Järva\n%s,Farsta\n", typed[0], typed[1], typed[2],
             codes[3]);
    frame_problems p = {0};
    size_t n = 0;
    int rc = import(write_file("lower.csv", csv), &p, &n);
    dump(&p);
    cr_assert_eq(rc, OMR_OK);
    cr_assert_eq(count("SELECT count(*) FROM frame WHERE code = upper(code)"), 4);
    /* the code the QR code carries, as identify reads it */
    char payload[128];
    cr_assert_eq(identify_format_payload(payload, sizeof payload, "ekb-2024", typed[0], 1), OMR_OK);
    code_payload read;
    omr_error err = {0};
    cr_assert_eq(identify_parse_payload(payload, &read, &err), OMR_OK, "%s", err.message);
    cr_assert_str_eq(read.code, codes[0]);
    char reason[300];
    cr_assert_eq(frame_check_code(db, "ekb-2024", read.code, reason, sizeof reason), FRAME_CODE_OK, "%s", reason);
    paper_return(read.code, "2024-06-01T10:00:00Z");
    /* an undeliverable list typed in lower case */
    char list[128];
    snprintf(list, sizeof list, "%s\n", typed[1]);
    frame_strings und;
    size_t *lines = NULL, added = 0, already = 0;
    cr_assert_eq(frame_read_code_list(write_file("und.txt", list), &und, &lines, &p, &err), OMR_OK);
    cr_assert_str_eq(und.items[0], codes[1]);
    cr_assert_eq(frame_add_undeliverable(db, "ekb-2024", und.items, lines, und.count, "list", &p, &added, &already,
                                         &err),
                 OMR_OK, "%s", err.message);
    frame_strings_free(&und);
    free(lines);
    /* a web answer typed in lower case */
    const omr_template *t = test_template("ekb-2024");
    char web[1024];
    snprintf(web, sizeof web, "%s%s,5,4,3,2,1,5,4,3,2,2,,1,1,1,0,0,1,0,1,0,0,0,8,,2024-06-01 12:00Z\n", web_header,
             typed[2]);
    size_t imported = 0, skipped = 0, both = 0;
    rc = frame_import_web(db, t, write_file("web.csv", web), &p, &imported, &skipped, &both, &err);
    dump(&p);
    cr_assert_eq(rc, OMR_OK, "%s", err.message);
    template_free((omr_template *)t);
    /* returned: 0 (paper) and 2 (web); undeliverable: 1; reminded: only 3 */
    frame_strings rem;
    cr_assert_eq(frame_list_reminders(db, "ekb-2024", 0, &rem, &err), OMR_OK, "%s", err.message);
    cr_assert_eq(rem.count, 1);
    cr_assert_str_eq(rem.items[0], codes[3]);
    frame_strings_free(&rem);
    cr_assert_eq(count("SELECT count(*) FROM frame_counted_returns"), 2);
    /* the check character is still checked: one changed character in lower case is refused */
    char bad[16];
    strcpy(bad, typed[3]);
    bad[0] = bad[0] == 'a' ? 'b' : 'a';
    snprintf(csv, sizeof csv, "code,unit\n%s,Järva\n", bad);
    frame_problems p2 = {0};
    cr_assert_eq(import(write_file("bad.csv", csv), &p2, &n), OMR_ERR_INVALID);
    cr_assert(has_problem(&p2, 2, "fails its check character"));
    frame_problems_clear(&p2);
    frame_problems_clear(&p);
}

Test(frame, codes_have_no_look_alikes_even_in_the_check_character) {
    enum { N = 3000 };
    static char codes[N][FRAME_CODE_RANDOM + 2];
    omr_error err = {0};
    cr_assert_eq(frame_make_codes(NULL, N, codes, &err), OMR_OK, "%s", err.message);
    for (int i = 0; i < N; i++) {
        cr_assert_eq(strlen(codes[i]), FRAME_CODE_RANDOM + 1);
        cr_assert_null(strpbrk(codes[i], "0O1IL"), "code %s has a look-alike", codes[i]);
        cr_assert(frame_code_check_ok(codes[i]), "%s", codes[i]);
    }
}

Test(frame, web_return_times_are_real_dates_with_a_zone) {
    const omr_template *t = test_template("ekb-2024");
    small_frame();
    static const char *const times[] = {"2024-06-01T12:00:00+02:00", /* accepted: 10:00 UTC */
                                        "2024-02-31T10:00:00Z",      /* no such day */
                                        "2024-06-01T12:00",          /* no zone */
                                        "2024-06-02T25:00Z"};        /* no such hour */
    char csv[4096];
    snprintf(csv, sizeof csv, "%s", web_header);
    for (int i = 0; i < 4; i++) {
        size_t len = strlen(csv);
        snprintf(csv + len, sizeof csv - len,
                 "%s,5,5,5,5,5,5,5,5,5,1,1,1,1,2,0,0,0,0,0,0,0,0,10,,%s\n", frame_codes[i], times[i]);
    }
    frame_problems p = {0};
    size_t imported = 0, skipped = 0, both = 0;
    omr_error err = {0};
    cr_assert_eq(frame_import_web(db, t, write_file("web.csv", csv), &p, &imported, &skipped, &both, &err),
                 OMR_ERR_INVALID);
    cr_assert(!has_problem(&p, 2, "submitted_at"), "+02:00 is a zone");
    cr_assert(has_problem(&p, 3, "\"2024-02-31T10:00:00Z\" is not a real date"));
    cr_assert(has_problem(&p, 4, "has a time but no time zone"));
    cr_assert(has_problem(&p, 5, "is not a real date"));
    frame_problems_clear(&p);
    /* the good row alone: stored in UTC */
    snprintf(csv, sizeof csv, "%s%s,5,5,5,5,5,5,5,5,5,1,1,1,1,2,0,0,0,0,0,0,0,0,10,,%s\n"
             "%s,5,5,5,5,5,5,5,5,5,1,1,1,1,2,0,0,0,0,0,0,0,0,10,,2024-02-29T23:30-0100\n",
             web_header, frame_codes[0], times[0], frame_codes[1]);
    cr_assert_eq(frame_import_web(db, t, write_file("web2.csv", csv), &p, &imported, &skipped, &both, &err),
                 OMR_OK, "%s", err.message);
    dump(&p);
    cr_assert_eq(count("SELECT count(*) FROM returns WHERE created_at = '2024-06-01T10:00:00Z'"), 1);
    cr_assert_eq(count("SELECT count(*) FROM returns WHERE created_at = '2024-03-01T00:30:00Z'"), 1);
    frame_problems_clear(&p);
    template_free((omr_template *)t);
}

/* The demo's path (samples/demo.sh, README "From sample to tables"): the sample
 * generator's codes are imported as a frame with the check-digit check on. */
Test(frame, the_sample_generators_codes_pass_the_frame_import_check, .timeout = 120) {
    const char *samples = getenv("OMR_SAMPLES_BIN");
    if (!samples || !*samples)
        samples = "build/omr-samples";
    cr_assert_eq(access(samples, X_OK), 0, "%s is missing: make build/omr-samples", samples);
    char cmd[2048], out[8192];
    snprintf(cmd, sizeof cmd, "%s make --template ekb-2024 --count 6 --seed 2024 --out %s/sample", samples,
             dir);
    cr_assert_eq(run(cmd, out, sizeof out), 0, "%s", out);
    char path[600];
    snprintf(path, sizeof path, "%s/sample/codes.txt", dir);
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f);
    char frame_path[600];
    snprintf(frame_path, sizeof frame_path, "%s/sample-frame.csv", dir);
    FILE *frame = fopen(frame_path, "w");
    fputs("code,unit\n", frame);
    char line[64];
    int n = 0;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = 0;
        if (!*line)
            continue;
        cr_assert(frame_code_check_ok(line), "the sample's code %s fails its check character", line);
        cr_assert_null(strpbrk(line, "0O1IL"), "the sample's code %s has a look-alike", line);
        fprintf(frame, "%s,%s\n", line, n % 2 ? "Farsta" : "Järva");
        n++;
    }
    fclose(f);
    fclose(frame);
    cr_assert_eq(n, 6);
    snprintf(cmd, sizeof cmd, "%s frame import --db %s/omr.db --template ekb-2024 %s", omr_bin(), dir,
             frame_path);
    cr_assert_eq(run(cmd, out, sizeof out), 0, "%s", out);
    cr_assert_eq(count("SELECT count(*) FROM frame"), 6);
}
