/*
 * tests/test_report_national.c — the national shape of oj-2021-ekb: three
 * ledgers (2019, 2020, 2021) of 290 municipality returns each, shaped like
 * "Öppna jämförelser 2021 – Ekonomiskt bistånd", must give its Tabell 1–3
 * (every indicator, every year, as printed) and its Tabell 4 (the follow-up
 * indicators by municipality size group and riket, 2021), and its combined
 * indicator (avhysning: both parts Ja, of those who answered both: 24 20 19)
 * from templates/oj-2021-ekb.indicators.
 */
#include <criterion/criterion.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "helpers.h"
#include "report_swedish.h"
#include "ledger/store.h"
#include "survey/frame.h"
#include "survey/report_national.h"

#define M 290
static const char *const indicators[] = {"socialjour", "vantetid_nybesok", "arbetsmarknad_18_24",
                                         "arbetsmarknad_25", "hushallsekonomi", "utredningsmall_barn",
                                         "samordning_barn_unga", "uppfoljning_utveckling",
                                         "uppfoljning_kon", "uppfoljning_kon_utveckling"};
#define NI 10
/* the national report's tables 1-3: 2019 2020 2021 */
static const int printed[NI][3] = {{87, 89, 93}, {87, 86, 95}, {35, 32, 33}, {30, 30, 28},
                                   {74, 74, 74}, {61, 64, 67}, {61, 61, 60}, {15, 19, 26},
                                   {17, 16, 19}, {9, 13, 17}};
/* Tabell 4: size groups (sizes sum to 290) and, per follow-up indicator, the Ja per group */
static const char *const sizes[5] = {"0 – 14 999", "15 000 – 29 999", "30 000 – 69 999",
                                     "70 000 – 199 999", "200 000 eller fler"};
static const int group_n[5] = {113, 72, 59, 28, 18};
static const int group_yes[3][5] = {{20, 22, 18, 9, 7}, {12, 17, 11, 9, 6}, {11, 15, 10, 8, 6}};
static const int table4[6][3] = {{18, 11, 10}, {31, 24, 21}, {31, 19, 17}, {32, 32, 29}, {39, 33, 33},
                                 {26, 19, 17}};

/* The combined indicator of Tabell 2 (24 20 19): its parts' answers. In
 * 2021 two municipalities leave one part unanswered and are not counted. */
static const int combined_printed[3] = {24, 20, 19};
#define UNANSWERED (-1)

static int yes_count_of(int p, int n);

static int combined_n(int year) { return year == 2 ? M - 2 : M; }

/* the answer (1 Ja, 2 Nej, UNANSWERED) of municipality i to part 0 (uppsök) or 1 (uppföljning) */
static int part_answer(int year, int part, int i) {
    int both = yes_count_of(combined_printed[year], combined_n(year));
    if (year == 2 && i == M - 2 + part)
        return UNANSWERED; /* 288 skips uppsök, 289 uppföljning */
    if (i < both)
        return 1;
    if (part == 0)
        return i < both + 60 ? 1 : 2;     /* uppsök without follow-up */
    return i >= M - 52 && i < M - 2 ? 1 : 2; /* follow-up without uppsök */
}

static int group_of(int i, int *rank) {
    int g = 0, first = 0;
    while (i >= first + group_n[g])
        first += group_n[g++];
    *rank = i - first;
    return g;
}

/* the fewest Ja of n that print as p percent */
static int yes_count_of(int p, int n) {
    for (int k = 0; k <= n; k++)
        if ((200 * k + n) / (2 * n) == p)
            return k;
    cr_assert_fail("no count prints as %d", p);
    return -1;
}

static int yes_count(int p) { return yes_count_of(p, M); }

static int yes(int year, int ind, int i) {
    int rank, g = group_of(i, &rank);
    if (year == 2 && ind >= 7)
        return rank < group_yes[ind - 7][g];
    return i < yes_count(printed[ind][year]);
}

static int run(const char *cmd, char **out) {
    FILE *p = popen(cmd, "r");
    cr_assert_not_null(p);
    size_t cap = 1 << 20, len = 0, got;
    char *buf = malloc(cap);
    while ((got = fread(buf + len, 1, cap - len - 1, p)) > 0)
        len += got;
    buf[len] = 0;
    int status = pclose(p);
    *out = buf;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static const char *omr_bin(void) {
    const char *b = getenv("OMR_BIN");
    return b && *b ? b : "build/omr";
}

static void make_year(const char *dir, int year) {
    static char codes[M][FRAME_CODE_RANDOM + 2];
    omr_error err = {0};
    cr_assert_eq(frame_make_codes(NULL, M, codes, &err), OMR_OK);
    char path[600], cmd[2048], *out;
    snprintf(path, sizeof path, "%s/frame%d.csv", dir, 2019 + year);
    FILE *f = fopen(path, "w");
    fputs("code,unit,size_group\n", f);
    for (int i = 0; i < M; i++) {
        int rank;
        fprintf(f, "%s,Kommun %03d,%s\n", codes[i], i + 1, sizes[group_of(i, &rank)]);
    }
    fclose(f);
    snprintf(cmd, sizeof cmd, "%s frame import --db %s/oj%d.db --template oj-2021-ekb %s 2>&1", omr_bin(),
             dir, 2019 + year, path);
    cr_assert_eq(run(cmd, &out), 0, "%s", out);
    free(out);
    sqlite3 *db;
    snprintf(path, sizeof path, "%s/oj%d.db", dir, 2019 + year);
    cr_assert_eq(store_open(path, &db, &err), OMR_OK, "%s", err.message);
    cr_assert_eq(store_exec(db, "BEGIN", &err), OMR_OK);
    for (int i = 0; i < M; i++) {
        char sql[1024];
        snprintf(sql, sizeof sql,
                 "INSERT INTO returns(template, code, mode, created_at) VALUES ('oj-2021-ekb', '%s', "
                 "'paper', '2021-03-01T10:00:00Z')",
                 codes[i]);
        cr_assert_eq(store_exec(db, sql, &err), OMR_OK, "%s", err.message);
        long long id = sqlite3_last_insert_rowid(db);
        for (int k = 0; k < NI; k++) {
            snprintf(sql, sizeof sql,
                     "INSERT INTO answers(return_id, question, value, status) VALUES (%lld, '%s', "
                     "'%d', 'ok')",
                     id, indicators[k], yes(year, k, i) ? 1 : 2);
            cr_assert_eq(store_exec(db, sql, &err), OMR_OK, "%s", err.message);
        }
        static const char *const parts[2] = {"avhysning_uppsok", "avhysning_uppfoljning"};
        for (int part = 0; part < 2; part++) {
            int a = part_answer(year, part, i);
            if (a == UNANSWERED)
                continue;
            snprintf(sql, sizeof sql,
                     "INSERT INTO answers(return_id, question, value, status) VALUES (%lld, '%s', "
                     "'%d', 'ok')",
                     id, parts[part], a);
            cr_assert_eq(store_exec(db, sql, &err), OMR_OK, "%s", err.message);
        }
    }
    cr_assert_eq(store_exec(db, "COMMIT", &err), OMR_OK);
    store_close(db);
}

Test(report_national, tables_1_to_4_of_the_national_report_are_reproduced) {
    char *dir = test_tempdir();
    for (int y = 0; y < 3; y++)
        make_year(dir, y);
    char cmd[4096], *out;
    snprintf(cmd, sizeof cmd,
             "%s report --db %s/oj2021.db --national --earlier 2019=%s/oj2019.db --earlier "
             "2020=%s/oj2020.db --year 2021 --by size_group --out %s/riket 2>&1 && cat %s/riket/national.csv",
             omr_bin(), dir, dir, dir, dir, dir);
    cr_assert_eq(run(cmd, &out), 0, "%s", out);
    char want[256];
    for (int k = 0; k < NI; k++)
        for (int y = 0; y < 3; y++) {
            int hits = 0;
            for (int i = 0; i < M; i++)
                hits += yes(y, k, i);
            snprintf(want, sizeof want, "%s,%d,,Riket,290,%d,%d\r\n", indicators[k], 2019 + y, hits,
                     printed[k][y]);
            cr_assert(strstr(out, want), "want %s in\n%s", want, out);
        }
    for (int k = 0; k < 3; k++)
        for (int g = 0; g < 5; g++) {
            snprintf(want, sizeof want, "%s,2021,size_group,%s,%d,%d,%d\r\n", indicators[7 + k], sizes[g],
                     group_n[g], group_yes[k][g], table4[g][k]);
            cr_assert(strstr(out, want), "want %s in\n%s", want, out);
        }
    free(out);
    snprintf(cmd, sizeof cmd, "cat %s/riket/riket.html", dir);
    cr_assert_eq(run(cmd, &out), 0);
    cr_assert(strstr(out, "<h2>Tabell 1. Tillgänglighet</h2>"), "%s", out);
    /* in Swedish throughout, one navigation: the main page and this one */
    char english[256];
    cr_assert_not(english_word(out, english, sizeof english), "riket.html: English: %s", english);
    cr_assert(strstr(out, "<nav class=\"report-nav\" aria-label=\"Rapportens sidor\"><ul>"
                          "<li><a href=\"index.html\">Huvudrapport</a></li><li><a href=\"grupper.html\">"
                          "Per grupp</a></li><li><a href=\"riket.html\" aria-current=\"page\">Riket</a>"),
              "%.600s", out);
    cr_assert(strstr(out, "<th>2019</th><th>2020</th><th>2021</th>"));
    /* Socialjour: 87 89 93, in that order on one row */
    char row[512];
    snprintf(row, sizeof row, "title=\"%d av 290\">87</td><td class=\"num\" title=\"%d av 290\">89</td>"
                              "<td class=\"num\" title=\"%d av 290\">93</td></tr>",
             yes_count(87), yes_count(89), yes_count(93));
    cr_assert(strstr(out, row), "want %s", row);
    /* Tabell 4's rows, exactly: the size groups, then riket */
    const char *t4 = strstr(out, "Systematisk uppföljning utifrån kommunstorlek</h2>");
    cr_assert_not_null(t4, "%s", out);
    for (int g = 0; g <= 5; g++) {
        char r[1024];
        int n = g < 5 ? group_n[g] : M, len;
        len = snprintf(r, sizeof r, "%s%s%s", g < 5 ? "<tr><td>" : "<tr><th>", g < 5 ? sizes[g] : "Riket",
                       g < 5 ? "</td>" : "</th>");
        for (int k = 0; k < 3; k++) {
            int hits = 0;
            for (int i = 0; i < M; i++) {
                int rank;
                hits += (g == 5 || group_of(i, &rank) == g) && yes(2, 7 + k, i);
            }
            len += snprintf(r + len, sizeof r - (size_t)len, "<td class=\"num\" title=\"%d av %d\">%d</td>",
                            hits, n, table4[g][k]);
        }
        cr_assert(strstr(t4, r), "want %s", r);
    }
    free(out);
    rm_rf(dir);
}

/* The combined indicator: a municipality meets it when both parts are Ja;
 * the share is of those who answered both. The national report prints
 * 24 20 19; a program taking the mean of the parts' shares, or either part,
 * prints other figures (the parts alone are near 45 and 42). */
Test(report_national, the_combined_indicator_is_both_parts_ja_of_those_who_answered_both) {
    char *dir = test_tempdir();
    for (int y = 0; y < 3; y++)
        make_year(dir, y);
    char cmd[4096], *out;
    snprintf(cmd, sizeof cmd,
             "%s report --db %s/oj2021.db --national --earlier 2019=%s/oj2019.db --earlier "
             "2020=%s/oj2020.db --year 2021 --by size_group --out %s/riket 2>&1 && cat %s/riket/national.csv",
             omr_bin(), dir, dir, dir, dir, dir);
    cr_assert_eq(run(cmd, &out), 0, "%s", out);
    char want[512];
    int hits_now[3];
    for (int y = 0; y < 3; y++) {
        int hits = 0, n = 0;
        for (int i = 0; i < M; i++) {
            int a = part_answer(y, 0, i), b = part_answer(y, 1, i);
            if (a == UNANSWERED || b == UNANSWERED)
                continue;
            n++;
            hits += a == 1 && b == 1;
        }
        cr_assert_eq(n, combined_n(y));
        hits_now[y] = hits;
        snprintf(want, sizeof want, "avhysning_barnfamiljer,%d,,Riket,%d,%d,%d\r\n", 2019 + y, n, hits,
                 combined_printed[y]);
        cr_assert(strstr(out, want), "want %s in\n%s", want, out);
    }
    /* by size group, 2021: counted from the parts, not from the printed share */
    for (int g = 0; g < 5; g++) {
        int hits = 0, n = 0, rank;
        for (int i = 0; i < M; i++) {
            if (group_of(i, &rank) != g)
                continue;
            int a = part_answer(2, 0, i), b = part_answer(2, 1, i);
            if (a == UNANSWERED || b == UNANSWERED)
                continue;
            n++;
            hits += a == 1 && b == 1;
        }
        snprintf(want, sizeof want, "avhysning_barnfamiljer,2021,size_group,%s,%d,%d,%d\r\n", sizes[g], n,
                 hits, (200 * hits + n) / (2 * n));
        cr_assert(strstr(out, want), "want %s in\n%s", want, out);
    }
    free(out);
    snprintf(cmd, sizeof cmd, "cat %s/riket/riket.html", dir);
    cr_assert_eq(run(cmd, &out), 0);
    /* the row as the national report prints it: 24 20 19, each with its count */
    const char *row = strstr(out, "<tr class=\"combined\"><td>Aktuell rutin för att förhindra avhysning");
    cr_assert_not_null(row, "%s", out);
    snprintf(want, sizeof want,
             "<td class=\"num\" title=\"%d av 290\">24</td><td class=\"num\" title=\"%d av 290\">20</td>"
             "<td class=\"num\" title=\"%d av 288\">19</td></tr>",
             hits_now[0], hits_now[1], hits_now[2]);
    cr_assert(strstr(row, want), "want %s in\n%.2000s", want, row);
    /* its parts below it, with their own (higher) shares; the definition in the footnote */
    const char *part = strstr(row, "<tr class=\"part\"><td>Delfråga: … alla familjer med hyresskuld söks upp?");
    cr_assert_not_null(part, "%.2000s", row);
    cr_assert(strstr(out, "är uppfylld när kommunen svarat ja på alla dess delfrågor"));
    /* and it is in Tabell 4's shape as one column, its parts not */
    const char *t4 = strstr(out, "Barns situation utifrån kommunstorlek</h2>");
    cr_assert_not_null(t4, "%s", out);
    cr_assert(strstr(t4, "<th>Aktuell rutin för att förhindra avhysning"));
    cr_assert_null(strstr(t4, "<th>… alla familjer med hyresskuld söks upp?</th>"));
    free(out);
    rm_rf(dir);
}
