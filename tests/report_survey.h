/*
 * tests/report_survey.h — the survey test_report_groups.c and
 * test_report_trends.c read: a frame of 70 respondents (unit, gender, age
 * group) whose every answer is a known function of the person, filled into a
 * ledger and reported with `omr report --by gender,age_group`.
 */
#ifndef OMR_TEST_REPORT_SURVEY_H
#define OMR_TEST_REPORT_SURVEY_H

/* each test file uses some of these fixtures */
#pragma GCC diagnostic ignored "-Wunused-function"

#include <criterion/criterion.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "helpers.h"
#include "ledger/store.h"
#include "survey/frame.h"
#include "survey/report_groups.h"

#define N 70
static char codes[N][FRAME_CODE_RANDOM + 2];
static const char *const ages[3] = {"31-39", "40-59", "60+"};

static int woman(int i) { return i < 40; }
static const char *unit_of(int i) { return i % 2 ? "Farsta" : "Södermalm"; }
static const char *age_of(int i) { return i < 3 ? "18-30" : ages[i % 3]; }
/* the position of i among its gender */
static int rank(int i) { return woman(i) ? i : i - 40; }

/* every answer of person i, by question */
static int answer(int i, const char *q) {
    if (!strcmp(q, "q1a"))
        return rank(i) < (woman(i) ? 32 : 15) ? 5 - i % 2 : 2 - i % 2;
    if (!strcmp(q, "q1b"))
        return rank(i) < (woman(i) ? 28 : 21) ? 4 : 3;
    if (!strcmp(q, "q2a"))
        return i % 5 ? 5 : 1;
    if (!strcmp(q, "q2b"))
        return i % 4 ? 4 : 2;
    if (!strcmp(q, "q3a"))
        return i % 2 == 0 ? 5 : 3;
    if (!strcmp(q, "q3b"))
        return i % 3 == 0 ? 4 : 1;
    if (!strcmp(q, "q4a") || !strcmp(q, "q4b") || !strcmp(q, "q4c"))
        return i % 2 == 0 || i % 7 == 0 ? 1 : 2;
    if (!strcmp(q, "q5"))
        return i % 10 == 0 ? 1 : 2;
    if (!strcmp(q, "q6"))
        return woman(i) ? 6 + i % 5 : 3 + i % 5; /* women 8.0, men 5.0 */
    return 3;
}

static const char *const questions[] = {"q1a", "q1b", "q2a", "q2b", "q2c", "q2d", "q2e", "q3a",
                                        "q3b", "q4a", "q4b", "q4c", "q5",  "q6"};
#define NQ (sizeof questions / sizeof questions[0])

static int run(const char *cmd, char **out) {
    FILE *p = popen(cmd, "r");
    cr_assert_not_null(p);
    size_t cap = 1 << 20, len = 0, got;
    char *buf = malloc(cap);
    while ((got = fread(buf + len, 1, cap - len - 1, p)) > 0)
        len += got;
    buf[len] = 0;
    int status = pclose(p);
    if (out)
        *out = buf;
    else
        free(buf);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static const char *omr_bin(void) {
    const char *b = getenv("OMR_BIN");
    return b && *b ? b : "build/omr";
}

static char *read_all(const char *dir, const char *name) {
    char path[600], *text = NULL;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "%s", path);
    text = malloc(1 << 20);
    size_t len = fread(text, 1, (1 << 20) - 1, f);
    text[len] = 0;
    fclose(f);
    return text;
}

/* The ledger: frame (unit, gender, age_group) and everyone's return. */
static char *make_survey(const char *extra) {
    char *dir = test_tempdir();
    omr_error err = {0};
    cr_assert_eq(frame_make_codes(NULL, N, codes, &err), OMR_OK);
    char path[600], cmd[2048];
    snprintf(path, sizeof path, "%s/frame.csv", dir);
    FILE *f = fopen(path, "w");
    fputs("code,unit,gender,age_group\n", f);
    for (int i = 0; i < N; i++)
        fprintf(f, "%s,%s,%s,%s\n", codes[i], unit_of(i), woman(i) ? "Kvinna" : "Man", age_of(i));
    fclose(f);
    snprintf(cmd, sizeof cmd, "%s frame import --db %s/omr.db --template ekb-2024 %s 2>&1", omr_bin(),
             dir, path);
    char *out;
    cr_assert_eq(run(cmd, &out), 0, "%s", out);
    free(out);
    sqlite3 *db = NULL;
    snprintf(path, sizeof path, "%s/omr.db", dir);
    cr_assert_eq(store_open(path, &db, &err), OMR_OK, "%s", err.message);
    cr_assert_eq(store_exec(db, "BEGIN", &err), OMR_OK);
    for (int i = 0; i < N; i++) {
        char sql[1024];
        snprintf(sql, sizeof sql,
                 "INSERT INTO returns(template, code, mode, created_at) VALUES ('ekb-2024', '%s', "
                 "'paper', '2024-06-01T10:00:00Z')",
                 codes[i]);
        cr_assert_eq(store_exec(db, sql, &err), OMR_OK, "%s", err.message);
        long long id = sqlite3_last_insert_rowid(db);
        for (size_t q = 0; q < NQ; q++) {
            snprintf(sql, sizeof sql,
                     "INSERT INTO answers(return_id, question, value, status) VALUES (%lld, '%s', "
                     "'%d', 'ok')",
                     id, questions[q], answer(i, questions[q]));
            cr_assert_eq(store_exec(db, sql, &err), OMR_OK, "%s", err.message);
        }
    }
    cr_assert_eq(store_exec(db, "COMMIT", &err), OMR_OK);
    store_close(db);
    snprintf(cmd, sizeof cmd,
             "%s report --db %s/omr.db --by gender,age_group --total-label 'Stockholms stad' --out "
             "%s/report %s 2>&1",
             omr_bin(), dir, dir, extra);
    cr_assert_eq(run(cmd, &out), 0, "%s", out);
    free(out);
    return dir;
}

/* Independent share (percent) of person filter `in` agreeing (value >= 4) with q. */
static double truth_share(const char *q, int (*in)(int, const void *), const void *arg, long *n,
                          const char *values) {
    long hits = 0;
    *n = 0;
    for (int i = 0; i < N; i++) {
        if (!in(i, arg))
            continue;
        (*n)++;
        char v[8];
        snprintf(v, sizeof v, "%d", answer(i, q));
        hits += values ? strstr(values, v) != NULL : answer(i, q) >= 4;
    }
    return 100.0 * hits / *n;
}

static int in_gender(int i, const void *arg) { return woman(i) == *(const int *)arg; }
static int in_age(int i, const void *arg) { return strcmp(age_of(i), arg) == 0; }
static int in_unit(int i, const void *arg) { return !arg || strcmp(unit_of(i), arg) == 0; }

#endif
