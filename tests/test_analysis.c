/*
 * tests/test_analysis.c — the exports for analysis: respondents joined with
 * the frame's variables, every kind of missing value coded, weights; then the
 * SPSS syntax run by PSPP and the R script run by R (both from Debian, which
 * `make test` installs) on the exported data, and the labels, missing values
 * and data they load checked; and the Swedish Excel dialect.
 */
#include <criterion/criterion.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "survey/analysis.h"
#include "survey/analysis_labelled.h"
#include "survey/frame.h"
#include "helpers.h"
#include "ledger/store.h"

static char *dir;
static sqlite3 *db;
static omr_template *tmpl;
static char codes[6][FRAME_CODE_RANDOM + 2];

static void exec_sql(const char *sql) {
    omr_error err = {0};
    cr_assert_eq(store_exec(db, sql, &err), OMR_OK, "%s", err.message);
}

static long long add_return(const char *code, const char *mode) {
    char sql[256];
    snprintf(sql, sizeof sql,
             "INSERT INTO returns(template, code, mode, created_at) VALUES ('ekb-2024', '%s', '%s', "
             "'2024-06-01T10:00:00Z')",
             code, mode);
    exec_sql(sql);
    return sqlite3_last_insert_rowid(db);
}

static void answer(long long id, const char *q, const char *value, const char *status,
                   const char *confirmed_by) {
    char sql[512];
    snprintf(sql, sizeof sql,
             "INSERT INTO answers(return_id, question, value, status, confirmed_by) VALUES (%lld, "
             "'%s', %s%s%s, '%s', %s%s%s)",
             id, q, value ? "'" : "", value ? value : "NULL", value ? "'" : "", status,
             confirmed_by ? "'" : "", confirmed_by ? confirmed_by : "NULL", confirmed_by ? "'" : "");
    exec_sql(sql);
}

/* Three respondents of six in the frame:
 *   0 (paper, Kvinna, Järva): every page; q1b unsure and undecided (-7), q4a Nej so q4a1
 *     is not asked (-8), discriminated for ethnicity and "rather not say", grade 10,
 *     a comment with a comma, quotes, a line break and Swedish letters
 *   1 (web, Man, Farsta): page 1 missing (-6), q4a Ja but q4a1 unanswered (-9),
 *     q5 Nej so q5r not asked (-8), no grade (-9)
 *   2 (paper, Kvinna, Järva): q1b unsure but confirmed by an operator (counts) */
static void setup(void) {
    dir = test_tempdir();
    char path[512];
    snprintf(path, sizeof path, "%s/omr.db", dir);
    omr_error err = {0};
    cr_assert_eq(store_open(path, &db, &err), OMR_OK, "%s", err.message);
    cr_assert_eq(frame_open(db, &err), OMR_OK);
    cr_assert_eq(frame_make_codes(NULL, 6, codes, &err), OMR_OK);
    snprintf(path, sizeof path, "%s/frame.csv", dir);
    FILE *f = fopen(path, "w");
    fputs("code,unit,kon,alder\n", f);
    for (int i = 0; i < 6; i++)
        fprintf(f, "%s,%s,%s,%s\n", codes[i], i == 1 || i == 4 ? "Farsta" : "Järva",
                i % 2 ? "Man" : "Kvinna", i < 3 ? "60+" : "18-30");
    fclose(f);
    tmpl = test_template("ekb-2024");
    frame_import_options o = {.template_id = "ekb-2024", .tmpl = tmpl, .check_digits = 1};
    frame_problems p = {0};
    size_t n = 0;
    cr_assert_eq(frame_import_csv(db, path, &o, &p, &n, &err), OMR_OK, "%s", err.message);
    frame_problems_clear(&p);

    static const char *const page1[] = {"q1a", "q1b", "q2a", "q2b", "q2c", "q2d", "q2e", "q3a", "q3b"};
    long long r0 = add_return(codes[0], "paper");
    for (int i = 0; i < 9; i++)
        answer(r0, page1[i], i == 1 ? "4" : "5", i == 1 ? "review" : "ok", NULL);
    answer(r0, "q4a", "2", "ok", NULL);
    answer(r0, "q4a1", NULL, "ok", NULL);
    answer(r0, "q4b", "1", "ok", NULL);
    answer(r0, "q4c", "3", "ok", NULL);
    answer(r0, "q5", "1", "ok", NULL);
    answer(r0, "q5r", "3 8", "ok", NULL);
    answer(r0, "q6", "10", "ok", NULL);
    char sql[512];
    snprintf(sql, sizeof sql,
             "INSERT INTO texts(return_id, field, text, status) VALUES (%lld, 'comment', "
             "'Bra, men \"svårt\" att nå\nhandläggaren', 'ok')",
             r0);
    exec_sql(sql);
    long long r1 = add_return(codes[1], "web");
    answer(r1, "q4a", "1", "ok", NULL);
    answer(r1, "q4a1", NULL, "ok", NULL);
    answer(r1, "q4b", "4", "ok", NULL);
    answer(r1, "q4c", "1", "ok", NULL);
    answer(r1, "q5", "2", "ok", NULL);
    answer(r1, "q5r", NULL, "ok", NULL);
    answer(r1, "q6", NULL, "ok", NULL);
    long long r2 = add_return(codes[2], "paper");
    for (int i = 0; i < 9; i++)
        answer(r2, page1[i], i == 1 ? "2" : "3", i == 1 ? "review" : "ok", i == 1 ? "anna" : NULL);
    answer(r2, "q4a", "3", "ok", NULL);
    answer(r2, "q4a1", NULL, "ok", NULL);
    answer(r2, "q4b", "2", "ok", NULL);
    answer(r2, "q4c", "2", "ok", NULL);
    answer(r2, "q5", NULL, "ok", NULL);
    answer(r2, "q5r", NULL, "ok", NULL);
    answer(r2, "q6", "7", "ok", NULL);
}

static void teardown(void) {
    template_free(tmpl);
    store_close(db);
    rm_rf(dir);
}

TestSuite(analysis, .init = setup, .fini = teardown);

static char *slurp(const char *path) {
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "%s", path);
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)len + 1);
    cr_assert_eq(fread(s, 1, (size_t)len, f), (size_t)len);
    s[len] = 0;
    fclose(f);
    return s;
}

static int run(const char *cmd, char **out) {
    FILE *p = popen(cmd, "r");
    cr_assert_not_null(p);
    size_t cap = 1 << 16, len = 0, got;
    char *buf = malloc(cap);
    while ((got = fread(buf + len, 1, cap - len - 1, p)) > 0) {
        len += got;
        if (cap - len < 4096)
            buf = realloc(buf, cap *= 2);
    }
    buf[len] = 0;
    int status = pclose(p);
    *out = buf;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void export_all(const char *sub, int weighted) {
    analysis_data d;
    omr_error err = {0};
    cr_assert_eq(analysis_load(db, tmpl, &d, &err), OMR_OK, "%s", err.message);
    cr_assert_eq(d.n_rows, 3);
    if (weighted) {
        char *vars[] = {"kon"};
        cr_assert_eq(analysis_weight(db, &d, vars, 1, &err), OMR_OK, "%s", err.message);
    }
    char out[600];
    snprintf(out, sizeof out, "%s/%s", dir, sub);
    analysis_export_options o = {.excel = 1};
    cr_assert_eq(analysis_export(&d, out, &o, &err), OMR_OK, "%s", err.message);
    analysis_free(&d);
}

Test(analysis, every_missing_value_has_its_code) {
    analysis_data d;
    omr_error err = {0};
    cr_assert_eq(analysis_load(db, tmpl, &d, &err), OMR_OK, "%s", err.message);
    size_t q1b = 1, q4a1 = 10, q5r = 14, q6 = 15, q2a = 2;
    cr_assert_str_eq(tmpl->questions[q4a1].id, "q4a1");
    cr_assert_str_eq(tmpl->questions[q5r].id, "q5r");
    cr_assert_eq(d.rows[0].missing[q1b], ANALYSIS_REVIEW);
    cr_assert_eq(d.rows[0].missing[q4a1], ANALYSIS_NOT_APPLICABLE);
    cr_assert_eq(d.rows[0].missing[q5r], 0);
    cr_assert_str_eq(d.rows[0].values[q5r], "3 8");
    cr_assert_eq(d.rows[1].missing[q2a], ANALYSIS_PAGE_MISSING);
    cr_assert_eq(d.rows[1].missing[q4a1], ANALYSIS_UNANSWERED);
    cr_assert_eq(d.rows[1].missing[q5r], ANALYSIS_NOT_APPLICABLE);
    cr_assert_eq(d.rows[1].missing[q6], ANALYSIS_UNANSWERED);
    cr_assert_eq(d.rows[2].missing[q1b], 0, "a confirmed answer counts");
    cr_assert_str_eq(d.rows[2].values[q1b], "2");
    cr_assert_eq(d.rows[2].missing[q5r], ANALYSIS_UNANSWERED, "q5 unanswered: q5r is not routed past");
    analysis_free(&d);
}

Test(analysis, data_and_codebook_are_joined_with_the_frame) {
    export_all("out", 1);
    char path[700];
    snprintf(path, sizeof path, "%s/out/data.csv", dir);
    char *data = slurp(path);
    const char *header =
        "code,unit,kon,alder,mode,q1a,q1b,q2a,q2b,q2c,q2d,q2e,q3a,q3b,q4a,q4a1,q4b,q4c,q5,"
        "q5r_1,q5r_2,q5r_3,q5r_4,q5r_5,q5r_6,q5r_7,q5r_8,q6,comment,weight\r\n";
    cr_assert_eq(strncmp(data, header, strlen(header)), 0, "%s", data);
    char want[512];
    snprintf(want, sizeof want,
             "%s,Järva,Kvinna,60+,paper,5,-7,5,5,5,5,5,5,5,2,-8,1,3,1,0,0,1,0,0,0,0,1,10,"
             "\"Bra, men \"\"svårt\"\" att nå / handläggaren\",0.750000\r\n",
             codes[0]);
    cr_assert(strstr(data, want), "%s\nnot in\n%s", want, data);
    snprintf(want, sizeof want,
             "%s,Farsta,Man,60+,web,-6,-6,-6,-6,-6,-6,-6,-6,-6,1,-9,4,1,2,-8,-8,-8,-8,-8,-8,-8,-8,"
             "-9,,1.500000\r\n",
             codes[1]);
    cr_assert(strstr(data, want), "%s\nnot in\n%s", want, data);
    free(data);
    snprintf(path, sizeof path, "%s/out/codebook.csv", dir);
    char *book = slurp(path);
    cr_assert(strstr(book, "variable,type,question,value,label,missing\r\n"));
    cr_assert(strstr(book, "q1a,numeric,Min handläggare bemöter mig på ett respektfullt sätt,5,"
                           "Stämmer mycket bra,\r\n"),
              "%s", book);
    cr_assert(strstr(book, "q4a1,numeric,\"Om ja, fick du också beslutet inom den tiden?\",-8,"
                           "Ej aktuell (frågan hoppades över),missing\r\n"),
              "%s", book);
    cr_assert(strstr(book, "q5r_3,numeric,\"Om ja, på grund av vad? Du kan kryssa i ett eller flera "
                           "alternativ.: Etnisk tillhörighet\",1,Markerad,\r\n"),
              "%s", book);
    cr_assert(strstr(book, "kon,string,kon (från urvalsramen),,,\r\n"), "%s", book);
    free(book);
}

Test(analysis, the_swedish_excel_dialect) {
    export_all("out", 1);
    char path[700];
    snprintf(path, sizeof path, "%s/out/data-excel.csv", dir);
    char *data = slurp(path);
    cr_assert_eq(memcmp(data, "\xEF\xBB\xBF" "code;unit;kon;alder;mode;q1a;", 31), 0, "%s", data);
    char want[256];
    snprintf(want, sizeof want, "%s;Farsta;Man;60+;web;-6;", codes[1]);
    cr_assert(strstr(data, want), "%s", data);
    cr_assert(strstr(data, ";\"Bra, men \"\"svårt\"\" att nå / handläggaren\";0,750000\r\n"), "%s", data);
    cr_assert(strstr(data, ";;1,500000\r\n"), "%s", data);
    free(data);
}

Test(analysis, pspp_runs_the_spss_syntax_and_loads_labels_and_values) {
    export_all("out", 1);
    char path[700], cmd[2048];
    snprintf(path, sizeof path, "%s/out/check.sps", dir);
    FILE *f = fopen(path, "w");
    fputs("DISPLAY DICTIONARY.\nLIST VARIABLES=code unit kon q1a q1b q4a1 q5r_3 q6 comment weight.\n"
          "FREQUENCIES VARIABLES=q1a.\n",
          f);
    fclose(f);
    char *out = NULL;
    cr_assert_eq(run("command -v pspp >/dev/null", &out), 0,
                 "pspp is not installed: run `make test-deps` (Debian package pspp)");
    free(out);
    snprintf(cmd, sizeof cmd,
             "cd %s/out && LANG=C.UTF-8 pspp -O format=csv -o pspp.csv data.sps check.sps 2>&1; "
             "cat pspp.csv",
             dir);
    int rc = run(cmd, &out);
    cr_assert_eq(rc, 0, "%s", out);
    cr_assert_null(strstr(out, "error"), "%s", out);
    cr_assert_null(strstr(out, "warning"), "%s", out);
    /* the dictionary: question text, measurement level, format, missing values */
    cr_assert(strstr(out, "q1a,6,Min handläggare bemöter mig på ett respektfullt sätt,Ordinal,Input,8,"
                          "Right,F3.0,F3.0,LOWEST THRU -1"),
              "%s", out);
    cr_assert(strstr(out, "q5r_3,22,\"Om ja, på grund av vad? Du kan kryssa i ett eller flera "
                          "alternativ.: Etnisk tillhörighet\",Nominal"),
              "%s", out);
    cr_assert(strstr(out, "weight,30,Vikt (poststratifiering på kon),Scale"), "%s", out);
    /* value labels, with the missing codes marked user-missing */
    cr_assert(strstr(out, ",5,Stämmer mycket bra"), "%s", out);
    cr_assert(strstr(out, ",-7[a],Väntar på granskning"), "%s", out);
    cr_assert(strstr(out, "Ej aktuell (frågan hoppades över)"), "%s", out);
    /* the data as loaded */
    char want[256];
    snprintf(want, sizeof want, "%s,Järva,Kvinna,5,-7,-8,1,10,\"Bra, men \"\"svårt\"\" att nå / "
                                "handläggaren\",.750000",
             codes[0]);
    cr_assert(strstr(out, want), "%s\nnot in\n%s", want, out);
    snprintf(want, sizeof want, "%s,Farsta,Man,-6,-6,-9,-8,-9,,1.500000", codes[1]);
    cr_assert(strstr(out, want), "%s\nnot in\n%s", want, out);
    /* frequencies of q1a, weighted: two valid answers (0.75 each), and the respondent
     * whose page is missing (weight 1.5) counted as missing, not as an answer */
    cr_assert(strstr(out, "Valid,Varken eller,.750000,25.0%,50.0%,50.0%"), "%s", out);
    cr_assert(strstr(out, "Missing,Sidan saknas,1.500000,50.0%"), "%s", out);
    free(out);
    snprintf(path, sizeof path, "%s/out/data.sav", dir);
    FILE *sav = fopen(path, "rb");
    cr_assert_not_null(sav, "PSPP did not save data.sav");
    fclose(sav);
}

Test(analysis, r_runs_the_script_and_loads_labels_and_values) {
    export_all("out", 1);
    char *out = NULL;
    cr_assert_eq(run("command -v Rscript >/dev/null", &out), 0,
                 "R is not installed: run `make test-deps` (Debian package r-base-core)");
    free(out);
    char cmd[2048];
    snprintf(cmd, sizeof cmd,
             "cd %s/out && LANG=C.UTF-8 Rscript -e 'source(\"data.R\")' -e '"
             "cat(\"label:\", attr(d$q1a, \"label\"), \"\\n\");"
             "l <- attr(d$q1a, \"labels\"); cat(\"labels:\", paste(names(l), l, sep = \"=\", "
             "collapse = \"|\"), \"\\n\");"
             "cat(\"q1a:\", d$q1a, \"\\n\"); cat(\"q1b:\", d$q1b, \"\\n\");"
             "cat(\"q4a1 codes:\", attr(d$q4a1, \"missing_codes\"), \"\\n\");"
             "cat(\"q5r_3:\", d$q5r_3, \"\\n\"); cat(\"q6:\", d$q6, \"\\n\");"
             "cat(\"kon:\", d$kon, \"\\n\"); cat(\"comment:\", d$comment[1], \"\\n\");"
             "cat(\"weight:\", d$weight, \"\\n\"); cat(\"class q6:\", class(d$q6), \"\\n\");"
             "cat(\"n:\", nrow(d), \"\\n\")' 2>&1",
             dir);
    int rc = run(cmd, &out);
    cr_assert_eq(rc, 0, "%s", out);
    cr_assert(strstr(out, "label: Min handläggare bemöter mig på ett respektfullt sätt \n"), "%s", out);
    cr_assert(strstr(out, "labels: Stämmer mycket bra=5|Stämmer bra=4|Varken eller=3|Stämmer inte så "
                          "bra=2|Stämmer inte alls=1 \n"),
              "%s", out);
    cr_assert(strstr(out, "q1a: 5 NA 3 \n"), "%s", out);
    cr_assert(strstr(out, "q1b: NA NA 2 \n"), "%s", out);
    cr_assert(strstr(out, "q4a1 codes: -8 -9 -8 \n"), "%s", out);
    cr_assert(strstr(out, "q5r_3: 1 NA NA \n"), "%s", out);
    cr_assert(strstr(out, "q6: 10 NA 7 \n"), "%s", out);
    cr_assert(strstr(out, "kon: Kvinna Man Kvinna \n"), "%s", out);
    cr_assert(strstr(out, "comment: Bra, men \"svårt\" att nå / handläggaren \n"), "%s", out);
    cr_assert(strstr(out, "weight: 0.75 1.5 0.75 \n"), "%s", out);
    cr_assert(strstr(out, "class q6: numeric \n"), "%s", out);
    cr_assert(strstr(out, "n: 3 \n"), "%s", out);
    free(out);
}

Test(analysis, comments_leave_with_personal_data_masked) {
    exec_sql("UPDATE texts SET text = 'Ring 070-123 45 67 eller mejla a.b@example.se; pnr 811218-9876'");
    export_all("out", 0);
    char path[700];
    static const char *const files[] = {"data.csv", "data-excel.csv"};
    for (int i = 0; i < 2; i++) {
        snprintf(path, sizeof path, "%s/out/%s", dir, files[i]);
        char *data = slurp(path);
        cr_assert(strstr(data, "Ring [telefon] eller mejla [e-post]; pnr [personnummer]"), "%s", data);
        cr_assert_null(strstr(data, "9876"), "%s", data);
        cr_assert_null(strstr(data, "example.se"), "%s", data);
        free(data);
    }
    /* the ledger keeps what was read */
    sqlite3_stmt *st;
    cr_assert_eq(sqlite3_prepare_v2(db, "SELECT text FROM texts", -1, &st, NULL), SQLITE_OK);
    cr_assert_eq(sqlite3_step(st), SQLITE_ROW);
    cr_assert(strstr((const char *)sqlite3_column_text(st, 0), "811218-9876"));
    sqlite3_finalize(st);
}

/* data.sav and data.dta through libreadstat: the same data, labels and missing values */
static void export_labelled(const char *sub) {
    analysis_data d;
    omr_error err = {0};
    cr_assert_eq(analysis_load(db, tmpl, &d, &err), OMR_OK, "%s", err.message);
    char *vars[] = {"kon"};
    cr_assert_eq(analysis_weight(db, &d, vars, 1, &err), OMR_OK, "%s", err.message);
    char out[600];
    snprintf(out, sizeof out, "%s/%s", dir, sub);
    analysis_export_options o = {0};
    cr_assert_eq(analysis_export(&d, out, &o, &err), OMR_OK, "%s", err.message);
    cr_assert_eq(analysis_write_labelled(&d, out, ANALYSIS_SAV, &err), OMR_OK, "%s", err.message);
    cr_assert_eq(analysis_write_labelled(&d, out, ANALYSIS_DTA, &err), OMR_OK, "%s", err.message);
    analysis_free(&d);
}

Test(analysis, pspp_opens_data_sav_with_labels_and_missing_values) {
    exec_sql("UPDATE texts SET text = 'Bra, ring 070-123 45 67'");
    export_labelled("lab");
    char path[700], cmd[2048];
    snprintf(path, sizeof path, "%s/lab/open.sps", dir);
    FILE *f = fopen(path, "w");
    fputs("GET FILE='data.sav'.\nDISPLAY DICTIONARY.\n"
          "LIST VARIABLES=code unit kon q1a q1b q4a1 q5r_3 q6 comment weight.\n"
          "FREQUENCIES VARIABLES=q1a.\n",
          f);
    fclose(f);
    char *out = NULL;
    snprintf(cmd, sizeof cmd,
             "cd %s/lab && LANG=C.UTF-8 pspp -O format=csv -o pspp.csv open.sps 2>&1; cat pspp.csv", dir);
    cr_assert_eq(run(cmd, &out), 0, "%s", out);
    cr_assert_null(strstr(out, "error"), "%s", out);
    /* variable label, measurement level, user-missing range */
    cr_assert(strstr(out, "q1a,6,Min handläggare bemöter mig på ett respektfullt sätt,Ordinal"), "%s", out);
    cr_assert(strstr(out, "-9 THRU -6"), "%s", out);
    /* value labels, the missing codes marked missing */
    cr_assert(strstr(out, ",5,Stämmer mycket bra"), "%s", out);
    cr_assert(strstr(out, ",-7[a],Väntar på granskning"), "%s", out);
    cr_assert(strstr(out, ",1,Markerad"), "%s", out);
    /* the data: the same values as data.csv, the comment masked */
    char want[256];
    snprintf(want, sizeof want, "%s,Järva,Kvinna,5,-7,-8,1,10,\"Bra, ring [telefon]\",.75", codes[0]);
    cr_assert(strstr(out, want), "%s\nnot in\n%s", want, out);
    snprintf(want, sizeof want, "%s,Farsta,Man,-6,-6,-9,-8,-9,,1.50", codes[1]);
    cr_assert(strstr(out, want), "%s\nnot in\n%s", want, out);
    /* the file carries its weight: q1a's frequencies are weighted as data.sps weights them */
    cr_assert(strstr(out, "Valid,Varken eller,.750000,25.0%,50.0%,50.0%"), "%s", out);
    cr_assert(strstr(out, "Missing,Sidan saknas,1.500000,50.0%"), "%s", out);
    free(out);
}

Test(analysis, r_haven_opens_data_sav_and_data_dta_with_labels) {
    export_labelled("lab");
    char *out = NULL;
    cr_assert_eq(run("Rscript -e 'library(haven)' >/dev/null 2>&1", &out), 0,
                 "R's haven is not installed: run `make test-deps` (Debian package r-cran-haven)");
    free(out);
    char cmd[3000];
    snprintf(cmd, sizeof cmd,
             "cd %s/lab && LANG=C.UTF-8 Rscript -e 'library(haven)' -e '"
             "for (f in c(\"data.sav\", \"data.dta\")) {"
             "  d <- if (f == \"data.sav\") read_sav(f, user_na = TRUE) else read_dta(f);"
             "  cat(f, \"label:\", attr(d$q1a, \"label\"), \"\\n\");"
             "  l <- attr(d$q1a, \"labels\"); cat(f, \"labels:\", paste(names(l), format(l), sep = \"=\", collapse = \"|\"), \"\\n\");"
             "  cat(f, \"q1a:\", format(zap_missing(d$q1a)), \"\\n\");"
             "  cat(f, \"q1b na:\", is.na(d$q1b), \"\\n\");"
             "  cat(f, \"q6:\", format(zap_missing(d$q6)), \"\\n\");"
             "  cat(f, \"kon:\", d$kon, \"\\n\"); cat(f, \"weight:\", d$weight, \"\\n\");"
             "  cat(f, \"n:\", nrow(d), \"\\n\")"
             "};"
             "d <- read_sav(\"data.sav\", user_na = TRUE); cat(\"sav q1b:\", unclass(d$q1b), \"\\n\");"
             "d <- read_dta(\"data.dta\"); cat(\"dta q1b tags:\", na_tag(d$q1b), \"\\n\");"
             "cat(\"dta q4a1 tags:\", na_tag(d$q4a1), \"\\n\")' 2>&1",
             dir);
    int rc = run(cmd, &out);
    cr_assert_eq(rc, 0, "%s", out);
    static const char *const files[] = {"data.sav", "data.dta"};
    for (int i = 0; i < 2; i++) {
        char want[300];
        snprintf(want, sizeof want, "%s label: Min handläggare bemöter mig på ett respektfullt sätt \n",
                 files[i]);
        cr_assert(strstr(out, want), "%s\nnot in\n%s", want, out);
        snprintf(want, sizeof want, "%s labels: ", files[i]);
        const char *labels = strstr(out, want);
        cr_assert(labels, "%s\nnot in\n%s", want, out);
        size_t line = strcspn(labels, "\n");
        static const char *const named[] = {"Stämmer mycket bra= 5", "Stämmer inte alls= 1",
                                            "Väntar på granskning=",
                                            "Sidan saknas="};
        for (int k = 0; k < 4; k++) {
            const char *hit = strstr(labels, named[k]);
            cr_assert(hit && (size_t)(hit - labels) < line, "%s: %s not in %.*s", files[i], named[k],
                      (int)line, labels);
        }
        snprintf(want, sizeof want, "%s q1a:  5 NA  3 \n", files[i]);
        cr_assert(strstr(out, want), "%s\nnot in\n%s", want, out);
        snprintf(want, sizeof want, "%s q1b na: TRUE TRUE FALSE \n", files[i]);
        cr_assert(strstr(out, want), "%s\nnot in\n%s", want, out);
        snprintf(want, sizeof want, "%s q6: 10 NA  7 \n", files[i]);
        cr_assert(strstr(out, want), "%s\nnot in\n%s", want, out);
        snprintf(want, sizeof want, "%s kon: Kvinna Man Kvinna \n", files[i]);
        cr_assert(strstr(out, want), "%s\nnot in\n%s", want, out);
        snprintf(want, sizeof want, "%s weight: 0.75 1.5 0.75 \n", files[i]);
        cr_assert(strstr(out, want), "%s\nnot in\n%s", want, out);
        snprintf(want, sizeof want, "%s n: 3 \n", files[i]);
        cr_assert(strstr(out, want), "%s\nnot in\n%s", want, out);
    }
    /* which missing: the SPSS code, and Stata's extended missing value */
    cr_assert(strstr(out, "sav q1b: -7 -6 2 \n"), "%s", out);
    cr_assert(strstr(out, "dta q1b tags: c d NA \n"), "%s", out);
    cr_assert(strstr(out, "dta q4a1 tags: b a b \n"), "%s", out);
    free(out);
}
