/*
 * tests/test_report.c — the report: Table 1 of the city's 2024 report
 * reproduced to two decimals by `omr report response-rate` from a synthetic
 * frame of 7,581 codes (returns on paper and on the web, undeliverable
 * envelopes, a duplicate and a foreign code that must not count); and the
 * report's shares, means and weighted shares equal to those computed here,
 * independently, from the synthetic truth the ledger was filled from.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "survey/analysis.h"
#include "survey/frame.h"
#include "helpers.h"
#include "survey/report.h"
#include "ledger/store.h"

/* Runs a shell command; its standard output into *out (may be NULL). */
static int run(const char *cmd, char **out) {
    FILE *p = popen(cmd, "r");
    cr_assert_not_null(p);
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap);
    size_t got;
    while ((got = fread(buf + len, 1, cap - len - 1, p)) > 0) {
        len += got;
        if (cap - len < 4096)
            buf = realloc(buf, cap *= 2);
    }
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

static void exec_sql(sqlite3 *db, const char *sql) {
    omr_error err = {0};
    cr_assert_eq(store_exec(db, sql, &err), OMR_OK, "%s", err.message);
}

/* ---- Table 1 ------------------------------------------------------------------------------ */

/* Table 1 as printed in the seed report (Stockholms stad, 2024). */
static const struct {
    const char *unit;
    long sent, returned, undeliverable;
    const char *printed; /* the row's numbers exactly as printed */
} table1[] = {
    {"Stockholms stad", 7581, 2145, 843, "7 581  2 145  28,29%  843  31,83%"},
    {"Bromma", 340, 86, 43, "340  86  25,29%  43  28,96%"},
    {"Enskede-Årsta-Vantör", 929, 275, 98, "929  275  29,60%  98  33,09%"},
    {"Farsta", 597, 204, 55, "597  204  34,17%  55  37,64%"},
    {"Hägersten-Älvsjö", 701, 193, 63, "701  193  27,53%  63  30,25%"},
    {"Hässelby-Vällingby", 806, 221, 66, "806  221  27,42%  66  29,86%"},
    {"Järva", 1696, 508, 101, "1 696  508  29,95%  101  31,85%"},
    {"Kungsholmen", 164, 50, 20, "164  50  30,49%  20  34,72%"},
    {"Norra innerstaden", 312, 86, 34, "312  86  27,56%  34  30,94%"},
    {"Skarpnäck", 354, 88, 31, "354  88  24,86%  31  27,24%"},
    {"Skärholmen", 538, 151, 43, "538  151  28,07%  43  30,51%"},
    {"Socialförvaltningen", 733, 162, 247, "733  162  22,10%  247  33,33%"},
    {"Södermalm", 411, 121, 42, "411  121  29,44%  42  32,79%"},
};
#define N_UNITS 12

/* Splits a printed row into its five number cells (separated by 2+ spaces). */
static int cells_of(const char *row, char cells[5][32]) {
    int n = 0;
    const char *p = row;
    while (*p && n < 5) {
        while (*p == ' ')
            p++;
        if (!*p)
            break;
        const char *e = p;
        while (*e && !(e[0] == ' ' && e[1] == ' '))
            e++;
        snprintf(cells[n++], 32, "%.*s", (int)(e - p), p);
        p = e;
    }
    return n;
}

Test(report, table1_of_the_city_report_is_reproduced_to_two_decimals) {
    char *dir = test_tempdir();
    char path[512], cmd[2048];
    /* the frame: 7,581 codes with check characters, in the seed's unit order */
    static char codes[7581][FRAME_CODE_RANDOM + 2];
    omr_error err = {0};
    cr_assert_eq(frame_make_codes(NULL, 7581, codes, &err), OMR_OK);
    snprintf(path, sizeof path, "%s/frame.csv", dir);
    FILE *f = fopen(path, "w");
    fputs("code,unit,gender,age_group\n", f);
    size_t first[N_UNITS + 1];
    size_t k = 0;
    static const char *const ages[] = {"18-30", "31-39", "40-59", "60+"};
    for (int u = 1; u <= N_UNITS; u++) {
        first[u] = k;
        for (long i = 0; i < table1[u].sent; i++, k++)
            fprintf(f, "%s,%s,%s,%s\n", codes[k], table1[u].unit, k % 7 < 4 ? "Kvinna" : "Man",
                    ages[k % 4]);
    }
    fclose(f);
    cr_assert_eq(k, 7581);
    snprintf(cmd, sizeof cmd, "%s frame import --db %s/omr.db --template ekb-2024 %s/frame.csv 2>&1",
             omr_bin(), dir, dir);
    char *out = NULL;
    int rc = run(cmd, &out);
    cr_assert_eq(rc, 0, "%s", out);
    free(out);

    /* per unit: the first `returned` codes answered (every fifth on the web, one of those
     * also on paper), the next `undeliverable` came back to the sender */
    snprintf(path, sizeof path, "%s/undeliverable.txt", dir);
    FILE *und = fopen(path, "w");
    snprintf(path, sizeof path, "%s/web.csv", dir);
    FILE *web = fopen(path, "w");
    fputs("code,q1a,q1b,q2a,q2b,q2c,q2d,q2e,q3a,q3b,q4a,q4a1,q4b,q4c,q5,q5r.1,q5r.2,q5r.3,q5r.4,"
          "q5r.5,q5r.6,q5r.7,q5r.8,q6,comment,submitted_at\n",
          web);
    sqlite3 *db = NULL;
    snprintf(path, sizeof path, "%s/omr.db", dir);
    cr_assert_eq(store_open(path, &db, &err), OMR_OK, "%s", err.message);
    exec_sql(db, "BEGIN");
    for (int u = 1; u <= N_UNITS; u++) {
        for (long i = 0; i < table1[u].returned; i++) {
            const char *code = codes[first[u] + i];
            int on_web = i % 5 == 0, both = i == 1;
            if (on_web || both)
                fprintf(web, "%s,5,4,4,3,5,4,2,4,5,1,1,1,1,2,0,0,0,0,0,0,0,0,9,,2024-06-%02ld\n",
                        code, 1 + i % 28);
            if (!on_web) {
                snprintf(cmd, sizeof cmd,
                         "INSERT INTO returns(template, code, mode, created_at) VALUES "
                         "('ekb-2024', '%s', 'paper', '2024-06-15T10:00:00Z')",
                         code);
                exec_sql(db, cmd);
            }
        }
        for (long i = 0; i < table1[u].undeliverable; i++)
            fprintf(und, "%s\n", codes[first[u] + table1[u].returned + i]);
    }
    /* a second paper form of a code that already answered (a duplicate), and a form
     * whose code is not in the frame: neither may count */
    snprintf(cmd, sizeof cmd,
             "INSERT INTO returns(template, code, mode, created_at, duplicate_of) SELECT "
             "template, code, 'paper', '2024-06-20T10:00:00Z', id FROM returns WHERE code = '%s'",
             codes[first[3] + 1]);
    exec_sql(db, cmd);
    exec_sql(db, "INSERT INTO returns(template, code, mode, created_at) VALUES ('ekb-2024', "
                 "'NOTINFRAME', 'paper', '2024-06-20T10:00:00Z')");
    exec_sql(db, "COMMIT");
    store_close(db);
    fclose(und);
    fclose(web);
    snprintf(cmd, sizeof cmd, "%s frame undeliverable --db %s/omr.db --codes %s/undeliverable.txt 2>&1",
             omr_bin(), dir, dir);
    rc = run(cmd, &out);
    cr_assert_eq(rc, 0, "%s", out);
    cr_assert(strstr(out, "843 envelopes registered"), "%s", out);
    free(out);
    snprintf(cmd, sizeof cmd, "%s frame web-returns --db %s/omr.db %s/web.csv 2>&1", omr_bin(), dir, dir);
    rc = run(cmd, &out);
    cr_assert_eq(rc, 0, "%s", out);
    cr_assert(strstr(out, "also answered on paper"), "%s", out);
    free(out);

    /* the text table, as the city prints it */
    snprintf(cmd, sizeof cmd,
             "%s report response-rate --db %s/omr.db --total-label 'Stockholms stad' 2>/dev/null",
             omr_bin(), dir);
    rc = run(cmd, &out);
    cr_assert_eq(rc, 0, "%s", out);
    for (int u = 0; u <= N_UNITS; u++) {
        char want[5][32], got[5][32];
        cr_assert_eq(cells_of(table1[u].printed, want), 5);
        /* the line that starts with the unit's name */
        const char *line = out;
        size_t len = strlen(table1[u].unit);
        while (line && !(strncmp(line, table1[u].unit, len) == 0 && line[len] == ' ')) {
            line = strchr(line, '\n');
            line = line ? line + 1 : NULL;
        }
        cr_assert_not_null(line, "no row for %s in:\n%s", table1[u].unit, out);
        char row[256];
        snprintf(row, sizeof row, "%.*s", (int)strcspn(line + len, "\n"), line + len);
        cr_assert_eq(cells_of(row, got), 5, "%s", row);
        for (int c = 0; c < 5; c++)
            cr_assert_str_eq(got[c], want[c], "%s, column %d: %s, the city printed %s",
                             table1[u].unit, c + 2, got[c], want[c]);
    }
    free(out);

    /* the CSV: every number, two decimals */
    snprintf(cmd, sizeof cmd,
             "%s report response-rate --format csv --db %s/omr.db --total-label 'Stockholms stad' "
             "2>/dev/null",
             omr_bin(), dir);
    rc = run(cmd, &out);
    cr_assert_eq(rc, 0);
    cr_assert(strstr(out, "unit,sent,returned,response_rate,undeliverable,corrected_response_rate\r\n"));
    cr_assert(strstr(out, "Stockholms stad,7581,2145,28.29,843,31.83\r\n"), "%s", out);
    cr_assert(strstr(out, "Socialförvaltningen,733,162,22.10,247,33.33\r\n"), "%s", out);
    cr_assert(strstr(out, "Enskede-Årsta-Vantör,929,275,29.60,98,33.09\r\n"), "%s", out);
    free(out);

    /* the report page says who answered twice and which form is not in the frame */
    snprintf(cmd, sizeof cmd, "%s report --db %s/omr.db --out %s/report 2>&1 && cat %s/report/index.html",
             omr_bin(), dir, dir, dir);
    rc = run(cmd, &out);
    cr_assert_eq(rc, 0, "%s", out);
    cr_assert(strstr(out, "<li>12 personer svarade både på papper och på webben"), "%s", out);
    cr_assert(strstr(out, "<li>1 inkomna formulär har en kod som inte finns i urvalet"), "%s", out);
    cr_assert(strstr(out, "<td>Socialförvaltningen</td><td class=\"num\">733</td><td class=\"num\">162</td>"
                          "<td class=\"num\">22,10%</td><td class=\"num\">247</td><td class=\"num\">33,33%</td>"),
              "%s", out);
    free(out);

    /* and the reminder list holds exactly the others */
    snprintf(cmd, sizeof cmd, "%s frame reminders --db %s/omr.db --no-record --out - 2>/dev/null | wc -l",
             omr_bin(), dir);
    rc = run(cmd, &out);
    cr_assert_eq(atol(out), 7581 - 2145 - 843);
    free(out);
    rm_rf(dir);
}

Test(report, percentages_round_half_up_from_exact_counts) {
    cr_assert_eq(report_percent_hundredths(2145, 7581), 2829);
    cr_assert_eq(report_percent_hundredths(2145, 7581 - 843), 3183);
    cr_assert_eq(report_percent_hundredths(1, 8), 1250);
    cr_assert_eq(report_percent_hundredths(1, 80000), 0);   /* 0.00125% */
    cr_assert_eq(report_percent_hundredths(1, 20000), 1);   /* 0.005%: half rounds up */
    cr_assert_eq(report_percent_hundredths(1, 20001), 0);
    cr_assert_eq(report_percent_hundredths(5, 0), -1);
}

/* ---- shares from a synthetic truth ------------------------------------------------------------ */

#define N_PEOPLE 900
#define N_STATEMENTS 9
static const char *const statements[N_STATEMENTS] = {"q1a", "q1b", "q2a", "q2b", "q2c",
                                                     "q2d", "q2e", "q3a", "q3b"};
static const char *const units[3] = {"Farsta", "Järva", "Bromma"};

typedef struct {
    int unit, woman, answered;
    int statement[N_STATEMENTS]; /* 1..5, 0 unanswered, -1 in review */
    int q5;                      /* 1 Ja, 2 Nej, 0 unanswered */
    int reasons[8];              /* q5r options marked */
    int grade;                   /* 1..10, 0 unanswered */
} person;

static unsigned long long rng_state = 88172645463325252ULL;
static unsigned rnd(unsigned n) {
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (unsigned)(rng_state % n);
}

static person people[N_PEOPLE];
static char people_codes[N_PEOPLE][FRAME_CODE_RANDOM + 2];

/* Fills a ledger with a frame of N_PEOPLE and the returns of those who answered. */
static sqlite3 *truth_ledger(char *dir) {
    omr_error err = {0};
    cr_assert_eq(frame_make_codes(NULL, N_PEOPLE, people_codes, &err), OMR_OK);
    char path[512];
    snprintf(path, sizeof path, "%s/frame.csv", dir);
    FILE *f = fopen(path, "w");
    fputs("code,unit,gender\n", f);
    for (int i = 0; i < N_PEOPLE; i++) {
        person *p = &people[i];
        memset(p, 0, sizeof *p);
        p->unit = i % 3;
        p->woman = rnd(100) < 55;
        /* women and Järva answer more often: weighting has something to correct */
        p->answered = (int)rnd(100) < 30 + 15 * p->woman + 10 * (p->unit == 1);
        fprintf(f, "%s,%s,%s\n", people_codes[i], units[p->unit], p->woman ? "Kvinna" : "Man");
        if (!p->answered)
            continue;
        for (int s = 0; s < N_STATEMENTS; s++) {
            unsigned r = rnd(100);
            int skew = p->unit * 8 + s * 2 - 10 * p->woman; /* units and statements differ */
            p->statement[s] = r < 3 ? 0 : r < 5 ? -1 : 1 + (int)((rnd(100) + 100 - skew) % 100) / 20;
        }
        int r = (int)rnd(100);
        p->q5 = r < 4 ? 0 : r < 16 + 5 * p->unit ? 1 : 2;
        if (p->q5 == 1)
            for (int o = 0; o < 8; o++)
                p->reasons[o] = rnd(100) < (o == 7 ? 40 : o == 2 ? 25 : 12);
        p->grade = rnd(100) < 5 ? 0 : 1 + (int)rnd(10) / (p->unit == 2 ? 2 : 1) + (int)rnd(5);
        if (p->grade > 10)
            p->grade = 10;
    }
    fclose(f);
    sqlite3 *db = NULL;
    snprintf(path, sizeof path, "%s/omr.db", dir);
    cr_assert_eq(store_open(path, &db, &err), OMR_OK);
    cr_assert_eq(frame_open(db, &err), OMR_OK);
    frame_import_options o = {.template_id = "ekb-2024", .check_digits = 1};
    frame_problems problems = {0};
    size_t n = 0;
    snprintf(path, sizeof path, "%s/frame.csv", dir);
    cr_assert_eq(frame_import_csv(db, path, &o, &problems, &n, &err), OMR_OK, "%s", err.message);
    frame_problems_clear(&problems);
    exec_sql(db, "BEGIN");
    char sql[512];
    for (int i = 0; i < N_PEOPLE; i++) {
        const person *p = &people[i];
        if (!p->answered)
            continue;
        snprintf(sql, sizeof sql,
                 "INSERT INTO returns(template, code, mode, created_at) VALUES ('ekb-2024', '%s', "
                 "'%s', '2024-06-01T10:00:00Z')",
                 people_codes[i], i % 4 ? "paper" : "web");
        exec_sql(db, sql);
        long long id = sqlite3_last_insert_rowid(db);
        for (int s = 0; s < N_STATEMENTS; s++) {
            int v = p->statement[s];
            if (v > 0)
                snprintf(sql, sizeof sql,
                         "INSERT INTO answers(return_id, question, value, status) VALUES (%lld, '%s', '%d', 'ok')",
                         id, statements[s], v);
            else if (v == 0)
                snprintf(sql, sizeof sql,
                         "INSERT INTO answers(return_id, question, value, status) VALUES (%lld, '%s', NULL, 'ok')",
                         id, statements[s]);
            else /* unsure, best reading 5, nobody has decided yet */
                snprintf(sql, sizeof sql,
                         "INSERT INTO answers(return_id, question, value, machine_value, status) "
                         "VALUES (%lld, '%s', '5', '5', 'review')",
                         id, statements[s]);
            exec_sql(db, sql);
        }
        char chosen[64] = "";
        for (int o = 0; o < 8; o++)
            if (p->reasons[o]) {
                size_t len = strlen(chosen);
                snprintf(chosen + len, sizeof chosen - len, "%s%d", len ? " " : "", o + 1);
            }
        char q5[16] = "NULL", q6[16] = "NULL", q5r[80] = "NULL";
        if (p->q5)
            snprintf(q5, sizeof q5, "'%d'", p->q5);
        if (p->grade)
            snprintf(q6, sizeof q6, "'%d'", p->grade);
        if (*chosen)
            snprintf(q5r, sizeof q5r, "'%s'", chosen);
        snprintf(sql, sizeof sql,
                 "INSERT INTO answers(return_id, question, value, status) VALUES (%lld, 'q5', %s, "
                 "'ok'), (%lld, 'q5r', %s, 'ok'), (%lld, 'q6', %s, 'ok')",
                 id, q5, id, q5r, id, q6);
        exec_sql(db, sql);
    }
    exec_sql(db, "COMMIT");
    return db;
}

/* Independent share: over the truth, with per-person weights w (NULL: 1). */
static double truth_share(int unit, int s, const double *w, long *n) {
    double base = 0, hits = 0;
    *n = 0;
    for (int i = 0; i < N_PEOPLE; i++) {
        const person *p = &people[i];
        if (!p->answered || (unit >= 0 && p->unit != unit) || p->statement[s] <= 0)
            continue;
        double wi = w ? w[i] : 1;
        (*n)++;
        base += wi;
        hits += p->statement[s] >= 4 ? wi : 0;
    }
    return 100.0 * hits / base;
}

Test(report, shares_equal_those_computed_from_the_truth) {
    char *dir = test_tempdir();
    sqlite3 *db = truth_ledger(dir);
    omr_template *t = test_template("ekb-2024");
    analysis_data d;
    omr_error err = {0};
    cr_assert_eq(analysis_load(db, t, &d, &err), OMR_OK, "%s", err.message);
    long respondents = 0;
    for (int i = 0; i < N_PEOPLE; i++)
        respondents += people[i].answered;
    cr_assert_eq((long)d.n_rows, respondents);
    cr_assert_eq(d.n_units, 3);
    cr_assert_str_eq(d.units[1], "Järva");

    report_rates rates;
    cr_assert_eq(report_response_rates(db, "ekb-2024", &rates, &err), OMR_OK);
    report_options o = {.total_label = "Alla"};
    char out[600];
    snprintf(out, sizeof out, "%s/report", dir);
    cr_assert_eq(report_write(db, &d, &rates, out, &o, &err), OMR_OK, "%s", err.message);

    /* agree.csv against the truth, every unit and statement, to two decimals */
    char path[700];
    snprintf(path, sizeof path, "%s/agree.csv", out);
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f);
    char line[1024];
    int rows = 0;
    cr_assert_not_null(fgets(line, sizeof line, f));
    while (fgets(line, sizeof line, f)) {
        char unit[64], q[16];
        cr_assert_eq(sscanf(line, "%63[^,],%15[^,],", unit, q), 2, "%s", line);
        int u = strcmp(unit, "Alla") == 0 ? -1 : -2;
        for (int k = 0; k < 3; k++)
            if (strcmp(unit, units[k]) == 0)
                u = k;
        cr_assert_neq(u, -2, "%s", unit);
        int s = 0;
        while (strcmp(statements[s], q) != 0)
            s++;
        long n;
        double share = truth_share(u, s, NULL, &n);
        char want[64];
        snprintf(want, sizeof want, ",%ld,%.2f,\r\n", n, share);
        cr_assert(strstr(line, want), "%s %s: %s, the truth gives%s", unit, q, line, want);
        rows++;
    }
    fclose(f);
    cr_assert_eq(rows, 4 * N_STATEMENTS);

    /* discrimination, reasons and mean grade, per unit */
    for (int u = -1; u < 3; u++) {
        long yes = 0, answered = 0, any = 0, reason[8] = {0}, graded = 0, grade_sum = 0, upper = 0;
        for (int i = 0; i < N_PEOPLE; i++) {
            const person *p = &people[i];
            if (!p->answered || (u >= 0 && p->unit != u))
                continue;
            answered += p->q5 != 0;
            yes += p->q5 == 1;
            int marked = 0;
            for (int k = 0; k < 8; k++)
                marked |= p->reasons[k];
            any += marked;
            for (int k = 0; k < 8; k++)
                reason[k] += p->reasons[k];
            graded += p->grade != 0;
            grade_sum += p->grade;
            upper += p->grade >= 6;
        }
        const char *unit = u < 0 ? NULL : units[u];
        report_stat s;
        cr_assert_eq(report_share(&d, unit, "q5", "1", &s), OMR_OK);
        cr_assert_eq(s.n, answered);
        cr_assert_float_eq(s.value, 100.0 * yes / answered, 1e-9);
        for (int k = 0; k < 8; k++) {
            char v[16];
            snprintf(v, sizeof v, "%d", k + 1);
            cr_assert_eq(report_share(&d, unit, "q5r", v, &s), OMR_OK);
            cr_assert_eq(s.n, any);
            cr_assert_float_eq(s.value, 100.0 * reason[k] / any, 1e-9, "reason %d", k + 1);
        }
        cr_assert_eq(report_mean(&d, unit, "q6", &s), OMR_OK);
        cr_assert_eq(s.n, graded);
        cr_assert_float_eq(s.value, (double)grade_sum / graded, 1e-9);
        cr_assert_eq(report_share(&d, unit, "q6", "6 7 8 9 10", &s), OMR_OK);
        cr_assert_float_eq(s.value, 100.0 * upper / graded, 1e-9);
    }

    /* the charts and the page exist and are what they claim */
    static const char *const charts[] = {"response-rate", "agree", "distribution", "grade", "filter",
                                         "options"};
    for (size_t c = 0; c < 6; c++) {
        unsigned char head[8] = {0};
        snprintf(path, sizeof path, "%s/%s.png", out, charts[c]);
        f = fopen(path, "rb");
        cr_assert_not_null(f, "%s", path);
        cr_assert_eq(fread(head, 1, 8, f), 8);
        fclose(f);
        cr_assert_eq(memcmp(head, "\x89PNG\r\n\x1a\n", 8), 0, "%s", path);
        snprintf(path, sizeof path, "%s/%s.svg", out, charts[c]);
        f = fopen(path, "r");
        cr_assert_not_null(f, "%s", path);
        char svg[256] = {0};
        cr_assert(fread(svg, 1, sizeof svg - 1, f) > 0);
        fclose(f);
        cr_assert(strstr(svg, "<svg"), "%s", path);
    }
    snprintf(path, sizeof path, "%s/index.html", out);
    f = fopen(path, "r");
    cr_assert_not_null(f);
    static char html[1 << 20];
    size_t len = fread(html, 1, sizeof html - 1, f);
    html[len] = 0;
    fclose(f);
    cr_assert(strstr(html, "<h2>Svarsfrekvens</h2>"));
    cr_assert(strstr(html, "Min handläggare bemöter mig på ett respektfullt sätt"));
    cr_assert(strstr(html, "<img src=\"agree.png\""));
    cr_assert(strstr(html, "Resultaten är oviktade"));

    report_rates_free(&rates);
    analysis_free(&d);
    template_free(t);
    store_close(db);
    rm_rf(dir);
}

Test(report, weighted_shares_follow_the_frame) {
    char *dir = test_tempdir();
    sqlite3 *db = truth_ledger(dir);
    omr_template *t = test_template("ekb-2024");
    analysis_data d;
    omr_error err = {0};
    cr_assert_eq(analysis_load(db, t, &d, &err), OMR_OK, "%s", err.message);
    char *vars[] = {"unit", "gender"};
    cr_assert_eq(analysis_weight(db, &d, vars, 2, &err), OMR_OK, "%s", err.message);
    cr_assert_str_eq(d.weight_vars, "unit,gender");
    /* independent weights: (N_cell / N) / (n_cell / n) */
    long N[3][2] = {{0}}, n[3][2] = {{0}}, total = 0, resp = 0;
    for (int i = 0; i < N_PEOPLE; i++) {
        N[people[i].unit][people[i].woman]++;
        total++;
        if (people[i].answered) {
            n[people[i].unit][people[i].woman]++;
            resp++;
        }
    }
    static double w[N_PEOPLE];
    double sum = 0;
    for (int i = 0; i < N_PEOPLE; i++) {
        const person *p = &people[i];
        w[i] = ((double)N[p->unit][p->woman] / total) / ((double)n[p->unit][p->woman] / resp);
        if (p->answered)
            sum += w[i];
    }
    cr_assert_float_eq(sum, (double)resp, 1e-6);
    double check = 0;
    for (size_t r = 0; r < d.n_rows; r++)
        check += d.rows[r].weight;
    cr_assert_float_eq(check, (double)resp, 1e-6);
    for (int s = 0; s < N_STATEMENTS; s++)
        for (int u = -1; u < 3; u++) {
            long cnt;
            double want = truth_share(u, s, w, &cnt);
            report_stat got;
            cr_assert_eq(report_share(&d, u < 0 ? NULL : units[u], statements[s], "5 4", &got), OMR_OK);
            cr_assert_eq(got.n, cnt);
            cr_assert_float_eq(got.value, want, 1e-9, "%s unit %d", statements[s], u);
        }
    /* weighting on a name the frame does not have is refused */
    char *bad[] = {"income"};
    cr_assert_eq(analysis_weight(db, &d, bad, 1, &err), OMR_ERR_INVALID);
    cr_assert(strstr(err.message, "has no such variable"), "%s", err.message);
    analysis_free(&d);
    template_free(t);
    store_close(db);
    rm_rf(dir);
}

/* ---- suppression, answers per unit, the Excel dialect ------------------------------------------ */

static char *slurp(const char *dir, const char *name, size_t *len_out) {
    char path[700];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "%s", path);
    static char buf[4][1 << 20];
    static int next;
    char *b = buf[next++ % 4];
    size_t len = fread(b, 1, sizeof buf[0] - 1, f);
    b[len] = 0;
    fclose(f);
    if (len_out)
        *len_out = len;
    return b;
}

static unsigned png_height(const char *dir, const char *name) {
    size_t len;
    const unsigned char *p = (const unsigned char *)slurp(dir, name, &len);
    cr_assert(len > 24);
    return (unsigned)p[20] << 24 | (unsigned)p[21] << 16 | (unsigned)p[22] << 8 | p[23];
}

Test(report, cells_under_the_minimum_are_suppressed_with_a_footnote) {
    char *dir = test_tempdir();
    sqlite3 *db = truth_ledger(dir);
    omr_template *t = test_template("ekb-2024");
    analysis_data d;
    omr_error err = {0};
    cr_assert_eq(analysis_load(db, t, &d, &err), OMR_OK, "%s", err.message);
    report_rates rates;
    cr_assert_eq(report_response_rates(db, "ekb-2024", &rates, &err), OMR_OK);
    /* every unit has 100-200 respondents, the whole survey more than 300 */
    long per_unit[3] = {0};
    for (int i = 0; i < N_PEOPLE; i++)
        per_unit[people[i].unit] += people[i].answered;
    for (int u = 0; u < 3; u++)
        cr_assert(per_unit[u] < 250 && per_unit[u] > 50, "%ld", per_unit[u]);
    char plain[600], hidden[600];
    snprintf(plain, sizeof plain, "%s/plain", dir);
    snprintf(hidden, sizeof hidden, "%s/hidden", dir);
    report_options all = {.total_label = "Alla", .min_cell = 1};
    cr_assert_eq(report_write(db, &d, &rates, plain, &all, &err), OMR_OK, "%s", err.message);
    report_options o = {.total_label = "Alla", .min_cell = 250};
    cr_assert_eq(report_write(db, &d, &rates, hidden, &o, &err), OMR_OK, "%s", err.message);

    /* CSV: the units' values are ".", with the note; the whole survey's are numbers; n stays */
    const char *agree = slurp(hidden, "agree.csv", NULL);
    cr_assert(strncmp(agree, "unit,question,statement,n,agree_pct,note\r\n", 42) == 0, "%s", agree);
    long n;
    double share = truth_share(1, 0, NULL, &n);
    char want[200];
    snprintf(want, sizeof want, "J\xC3\xA4rva,q1a,");
    const char *row = strstr(agree, want);
    cr_assert_not_null(row);
    snprintf(want, sizeof want, ",%ld,.,F\xC3\xA4rre \xC3\xA4n 250 svar: v\xC3\xA4rdet visas inte\r\n", n);
    cr_assert(strstr(row, want) && strstr(row, want) < strchr(row, '\n'), "%.200s wants %s", row, want);
    share = truth_share(-1, 0, NULL, &n);
    snprintf(want, sizeof want, ",%ld,%.2f,\r\n", n, share);
    cr_assert(strstr(strstr(agree, "Alla,q1a,"), want), "%s", want);
    const char *grade = slurp(hidden, "grade.csv", NULL);
    cr_assert(strstr(grade, "Farsta,q6,") && strstr(strstr(grade, "Farsta,q6,"), ",.,6 7 8 9 10,.,F"),
              "%s", grade);
    const char *filter = slurp(hidden, "filter.csv", NULL);
    cr_assert(strstr(strstr(filter, "Bromma,q5,"), ",.,F"), "%s", filter);
    /* with every value shown, none is a dot */
    cr_assert_null(strstr(slurp(plain, "agree.csv", NULL), ",.,"));

    /* the page: the rule stated, a dot with its footnote, n printed in the table */
    const char *html = slurp(hidden, "index.html", NULL);
    cr_assert(strstr(html, "Minsta redovisade grupp: 250 svar"));
    cr_assert(strstr(html, ">.<sup><a href=\"#fn-sup\">*</a></sup>"));
    cr_assert(strstr(html, "* . = F\xC3\xA4rre \xC3\xA4n 250 svar"));
    snprintf(want, sizeof want, "<span class=\"n\">n = %ld</span>", n);
    cr_assert(strstr(html, want), "%s", want);
    cr_assert_null(strstr(html, "muspekaren"));
    const char *html_plain = slurp(plain, "index.html", NULL);
    cr_assert_null(strstr(html_plain, "#fn-sup\">*</a>"));
    cr_assert(strstr(html_plain, want), "n is printed whether or not anything is hidden");

    /* charts: a suppressed chart carries its footnote line (taller); whole-survey charts do not */
    cr_assert_eq(png_height(hidden, "grade.png"), png_height(plain, "grade.png") + 44);
    cr_assert_eq(png_height(hidden, "filter.png"), png_height(plain, "filter.png") + 44);
    cr_assert_eq(png_height(hidden, "agree.png"), png_height(plain, "agree.png"));

    report_rates_free(&rates);
    analysis_free(&d);
    template_free(t);
    store_close(db);
    rm_rf(dir);
}

Test(report, excel_dialect_has_bom_semicolons_and_decimal_commas) {
    char *dir = test_tempdir();
    sqlite3 *db = truth_ledger(dir);
    omr_template *t = test_template("ekb-2024");
    analysis_data d;
    omr_error err = {0};
    cr_assert_eq(analysis_load(db, t, &d, &err), OMR_OK, "%s", err.message);
    report_rates rates;
    cr_assert_eq(report_response_rates(db, "ekb-2024", &rates, &err), OMR_OK);
    char out[600];
    snprintf(out, sizeof out, "%s/excel", dir);
    report_options o = {.total_label = "Alla", .excel = 1};
    cr_assert_eq(report_write(db, &d, &rates, out, &o, &err), OMR_OK, "%s", err.message);
    static const char *const names[] = {"response-rate.csv", "agree.csv", "distribution.csv",
                                        "grade.csv", "filter.csv", "options.csv"};
    for (size_t i = 0; i < 6; i++) {
        const char *csv = slurp(out, names[i], NULL);
        /* headed in Swedish, for the people who open it in Excel */
        cr_assert(strncmp(csv, "\xEF\xBB\xBF" "Enhet;", 9) == 0, "%s: %.40s", names[i], csv);
        /* every row has the header's number of ';' and no number has a decimal point */
        int fields = -1;
        for (const char *line = csv; *line;) {
            const char *end = strstr(line, "\r\n");
            cr_assert_not_null(end, "%s: rows end in CRLF", names[i]);
            int semis = 0;
            for (const char *p = line; p < end; p++) {
                semis += *p == ';';
                cr_assert(!(p > line && *p == '.' && p[-1] >= '0' && p[-1] <= '9' && p[1] >= '0' &&
                            p[1] <= '9'),
                          "%s: a decimal point in %.*s", names[i], (int)(end - line), line);
            }
            if (fields < 0)
                fields = semis;
            cr_assert_eq(semis, fields, "%s: %.*s", names[i], (int)(end - line), line);
            line = end + 2;
        }
        cr_assert(fields >= 4);
    }
    long n;
    double share = truth_share(-1, 0, NULL, &n);
    char want[100];
    snprintf(want, sizeof want, ";%ld;%.2f;\r\n", n, share);
    *strchr(want + 1, '.') = ',';
    cr_assert(strstr(slurp(out, "agree.csv", NULL), want), "%s", want);
    /* Table 1 through the command line too */
    report_rates_free(&rates);
    analysis_free(&d);
    template_free(t);
    store_close(db);
    char cmd[900], *text = NULL;
    snprintf(cmd, sizeof cmd, "%s report response-rate --db %s/omr.db --format csv --excel", omr_bin(), dir);
    cr_assert_eq(run(cmd, &text), 0);
    cr_assert(strncmp(text, "\xEF\xBB\xBF" "Enhet;Antal i utskick;Inkomna svar;Svarsfrekvens (%);", 56) == 0,
              "%s", text);
    free(text);
    snprintf(cmd, sizeof cmd, "%s report --db %s/omr.db --min-cell 0 --out %s/x 2>/dev/null", omr_bin(), dir, dir);
    cr_assert_eq(run(cmd, &text), 2, "--min-cell 0 is a usage error");
    free(text);
    rm_rf(dir);
}
