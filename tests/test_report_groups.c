/*
 * tests/test_report_groups.c — the report per group (`omr report --by`) and
 * per area: a frame of 70 respondents whose answers are built so that every
 * breakdown is known (40 women, 30 men; 80% of the women and 50% of the men
 * agree with q1a, a difference the two-proportion test must mark; 70% of
 * both with q1b, which it must not; an age group of 3 that must be
 * suppressed), checked figure by figure in groups.csv, grupper.html,
 * areas.csv and omraden.html. Intervals and z are checked against values
 * computed outside omr (Wilson 32/40: 65.24–89.50; z = 2.645).
 */
#include "report_survey.h"

Test(report_groups, wilson_and_the_two_proportion_test_match_outside_values) {
    double lo, hi;
    report_wilson(80.0, 40, &lo, &hi);
    cr_assert_float_eq(lo, 65.2427, 1e-3);
    cr_assert_float_eq(hi, 89.5000, 1e-3);
    report_wilson(0.0, 10, &lo, &hi);
    cr_assert_float_eq(lo, 0.0, 1e-12);
    cr_assert_float_eq(hi, 27.7533, 1e-3);
    report_wilson(50.0, 0, &lo, &hi);
    cr_assert(isnan(lo) && isnan(hi));
    cr_assert_float_eq(report_two_prop_z(80, 40, 50, 30), 2.6445, 1e-3);
    cr_assert_float_eq(report_two_prop_z(70, 40, 70, 30), 0.0, 1e-12);
    cr_assert_float_eq(report_two_prop_z(100, 10, 100, 12), 0.0, 1e-12); /* no variance */
}

Test(report_groups, every_figure_by_gender_and_age_is_the_truth) {
    char *dir = make_survey("");
    char rdir[600];
    snprintf(rdir, sizeof rdir, "%s/report", dir);
    char *csv = read_all(rdir, "groups.csv");
    cr_assert(strstr(csv, "variable,group,respondents,question,measure,value,n,estimate,ci_low,"
                          "ci_high,z,significant,suppressed\r\n"));
    /* the published-style figures, from values computed outside omr */
    cr_assert(strstr(csv, "gender,Kvinna,40,q1a,agree,5 4,40,80.00,65.24,89.50,2.645,1,0\r\n"), "%s", csv);
    cr_assert(strstr(csv, "gender,Man,30,q1a,agree,5 4,30,50.00,33.15,66.85,-2.645,1,0\r\n"), "%s", csv);
    cr_assert(strstr(csv, "gender,Kvinna,40,q1b,agree,5 4,40,70.00,54.57,81.93,0.000,0,0\r\n"), "%s", csv);
    cr_assert(strstr(csv, "gender,Man,30,q1b,agree,5 4,30,70.00,52.12,83.34,0.000,0,0\r\n"), "%s", csv);
    cr_assert(strstr(csv, "gender,Kvinna,40,q6,mean,,40,8.00,"), "%s", csv);
    cr_assert(strstr(csv, "gender,Man,30,q6,mean,,30,5.00,"), "%s", csv);
    /* the age group of three: every figure suppressed, none tested */
    cr_assert(strstr(csv, "age_group,18-30,,q1a,agree,5 4,,,,,,,1\r\n"), "%s", csv);
    cr_assert(strstr(csv, "age_group,18-30,,q5,share,1,,,,,,,1\r\n"), "%s", csv);

    /* every agree row of every group equals the truth, with its interval */
    int rows = 0;
    for (char *line = csv; (line = strstr(line, "\n")) && line[1]; rows += 0) {
        line++;
        char var[32], group[32], q[16], measure[16];
        long resp;
        if (sscanf(line, "%31[^,],%31[^,],%ld,%15[^,],%15[^,],", var, group, &resp, q, measure) != 5 ||
            strcmp(measure, "agree") != 0 || strcmp(group, "18-30") == 0)
            continue;
        int g = strcmp(group, "Kvinna") == 0;
        const void *arg = strcmp(var, "gender") == 0 ? (const void *)&g : group;
        int (*in)(int, const void *) = strcmp(var, "gender") == 0 ? in_gender : in_age;
        long n;
        double p = truth_share(q, in, arg, &n, NULL);
        /* the rest: everyone else who answered */
        long n_rest = N - n, hits_rest = 0;
        for (int i = 0; i < N; i++)
            if (!in(i, arg))
                hits_rest += answer(i, q) >= 4;
        double p_rest = 100.0 * hits_rest / n_rest;
        double lo, hi;
        report_wilson(p, n, &lo, &hi);
        double z = report_two_prop_z(p, n, p_rest, n_rest);
        char want[128];
        snprintf(want, sizeof want, ",%ld,%.2f,%.2f,%.2f,%.3f,%d,0\r", n, p, lo, hi, z, fabs(z) > 1.959963985);
        char got[256];
        snprintf(got, sizeof got, "%.*s", (int)strcspn(line, "\n"), line);
        cr_assert(strstr(got, want), "%s: want %s", got, want);
        cr_assert_eq(resp, n);
        rows++;
    }
    cr_assert_eq(rows, 9 * (2 + 3), "agree rows: %d", rows);

    /* the page: Swedish, the mark, the suppressed dot, the footnote naming the test */
    char *html = read_all(rdir, "grupper.html");
    cr_assert(strstr(html, "<h2>Resultat per kön</h2>"));
    cr_assert(strstr(html, "<h2>Resultat per åldersgrupp</h2>"));
    cr_assert(strstr(html, "<td>Kvinna</td><td class=\"num\">40</td><td class=\"num\">57 %</td>"), "%s", html);
    cr_assert(strstr(html, "<td>Man</td><td class=\"num\">30</td><td class=\"num\">43 %</td>"));
    cr_assert(strstr(html, "<td>18-30</td><td class=\"num\">.</td>"));
    cr_assert(strstr(html, ">80,0<b class=\"sig\">*</b> <span class=\"ci\">(65,2–89,5)</span>"), "%s", html);
    cr_assert(strstr(html, ">70,0 <span class=\"ci\">(54,6–81,9)</span>"));
    cr_assert(strstr(html, "z-test för skillnaden mellan två andelar"));
    cr_assert(strstr(html, "Wilsons intervall"));
    cr_assert(strstr(html, "Färre än 5 svar"));
    /* the gender-equality sentence, counted from the truth */
    int higher = 0, same = 0, lower = 0, marked = 0;
    for (int q = 0; q < 9; q++) {
        long nw, nm;
        int w = 1, m = 0;
        double pw = truth_share(questions[q], in_gender, &w, &nw, NULL);
        double pm = truth_share(questions[q], in_gender, &m, &nm, NULL);
        double x = floor(pw + 0.5), y = floor(pm + 0.5);
        higher += x > y;
        same += x == y;
        lower += x < y;
        marked += fabs(report_two_prop_z(pw, nw, pm, nm)) > REPORT_Z_95;
    }
    cr_assert_geq(higher, 1);
    cr_assert_geq(same, 1); /* q1b: 70 against 70 */
    char sentence[300];
    snprintf(sentence, sizeof sentence,
             "<p>Gruppen Kvinna har en högre andel som instämmer än gruppen Man i %d av 9 "
             "påståenden, samma andel (i hela procent) i %d och en lägre i %d. %d av skillnaderna",
             higher, same, lower, marked);
    cr_assert(strstr(html, sentence), "want %s", sentence);
    free(html);
    free(csv);

    /* a variable the frame does not have is a usage error */
    char cmd[1024], *out;
    snprintf(cmd, sizeof cmd, "%s report --db %s/omr.db --by income --out %s/r2 2>&1", omr_bin(), dir, dir);
    cr_assert_eq(run(cmd, &out), 2, "%s", out);
    cr_assert(strstr(out, "no such variable"), "%s", out);
    free(out);
    rm_rf(dir);
}

Test(report_groups, areas_per_unit_are_the_mean_of_their_statements_shares) {
    char *dir = make_survey("");
    char rdir[600];
    snprintf(rdir, sizeof rdir, "%s/report", dir);
    char *csv = read_all(rdir, "areas.csv");
    cr_assert(strstr(csv, "unit,area,items,n_min,value,suppressed\r\n"));
    static const char *const units[] = {NULL, "Södermalm", "Farsta"};
    for (int u = 0; u < 3; u++) {
        long n;
        double tydlighet = (truth_share("q2a", in_unit, units[u], &n, NULL) +
                            truth_share("q2b", in_unit, units[u], &n, NULL)) / 2;
        double delaktighet = (truth_share("q3a", in_unit, units[u], &n, NULL) +
                              truth_share("q3b", in_unit, units[u], &n, NULL)) / 2;
        double bemotande = truth_share("q1a", in_unit, units[u], &n, NULL);
        double rs = (truth_share("q4a", in_unit, units[u], &n, "1") +
                     truth_share("q4b", in_unit, units[u], &n, "1") +
                     truth_share("q4c", in_unit, units[u], &n, "1")) / 3;
        double disk = truth_share("q5", in_unit, units[u], &n, "1");
        const char *name = units[u] ? units[u] : "Stockholms stad";
        char want[256];
        snprintf(want, sizeof want, "%s,tydlighet,q2a q2b,%ld,%.2f,0\r\n", name, n, tydlighet);
        cr_assert(strstr(csv, want), "want %s in\n%s", want, csv);
        snprintf(want, sizeof want, "%s,delaktighet,q3a q3b,%ld,%.2f,0\r\n", name, n, delaktighet);
        cr_assert(strstr(csv, want), "want %s in\n%s", want, csv);
        snprintf(want, sizeof want, "%s,bemötande,q1a,%ld,%.2f,0\r\n", name, n, bemotande);
        cr_assert(strstr(csv, want), "want %s in\n%s", want, csv);
        snprintf(want, sizeof want, "%s,rättssäkerhet,q4a=1 q4b=1 q4c=1,%ld,%.2f,0\r\n", name, n, rs);
        cr_assert(strstr(csv, want), "want %s in\n%s", want, csv);
        snprintf(want, sizeof want, "%s,upplevd diskriminering,q5=1,%ld,%.2f,0\r\n", name, n, disk);
        cr_assert(strstr(csv, want), "want %s in\n%s", want, csv);
    }
    /* Södermalm (the even ones): everyone agrees with q3a, a third with q3b -> delaktighet
     * (100 + 34.29) / 2 = 67.14; the page says it in the city's words */
    cr_assert(strstr(csv, "Södermalm,delaktighet,q3a q3b,35,67.14,0\r\n"), "%s", csv);
    char *html = read_all(rdir, "omraden.html");
    /* Södermalm's strongest: rättssäkerhet 35/35, tillgänglighet 25/35, bemötande 24/35 */
    cr_assert(strstr(html, "<p><b>Södermalm</b>: starkast resultat för rättssäkerhet (100 procent), "
                           "tillgänglighet (71 procent) och bemötande (69 procent); lägst för "),
              "%s", html);
    cr_assert(strstr(html, "<td class=\"num\" title=\"minst 35 svar\">67</td>"), "%s", html);
    cr_assert(strstr(html, "medelvärdet av dess frågors andelar"));
    free(html);
    free(csv);
    rm_rf(dir);
}

/* ---- the city's published figures ------------------------------------------------------------ */

#define CITY 2145
#define SOD 121

/* "Av de som besvarade enkäten var 57 procent kvinnor och 43 procent män … 71 procent av
 * kvinnorna respektive 70 procent av männen vet hur de ska lämna synpunkter … 48 procent inom
 * åldersgruppen 40-59 år, 28 procent var 60 år eller äldre, 15 procent var 31-39 år och 9
 * procent var 18-30", and "Södermalm … tydlighet (85 procent), kompetens (82 procent) och
 * delaktighet (82 procent)": 2,145 respondents, 121 of them in Södermalm, shaped like it. */
Test(report_groups, the_city_reports_gender_age_and_area_figures_are_reproduced) {
    static char city_codes[CITY][FRAME_CODE_RANDOM + 2];
    char *dir = test_tempdir();
    omr_error err = {0};
    cr_assert_eq(frame_make_codes(NULL, CITY, city_codes, &err), OMR_OK);
    char path[600], cmd[2048], *out;
    snprintf(path, sizeof path, "%s/frame.csv", dir);
    FILE *f = fopen(path, "w");
    fputs("code,unit,gender,age_group\n", f);
    int sod_rank[CITY], q2b[CITY], sod_women_agree = 0, sod_men_agree = 0, n_sod = 0;
    for (int i = 0; i < CITY; i++) {
        int j = (int)(((long)i * 7919) % CITY), k = (int)(((long)i * 104729) % CITY);
        const char *age = j < 192 ? "18-30" : j < 514 ? "31-39" : j < 1544 ? "40-59" : "60+";
        sod_rank[i] = k < SOD ? n_sod++ : -1;
        fprintf(f, "%s,%s,%s,%s\n", city_codes[i], k < SOD ? "Södermalm" : "Övriga stadsdelar",
                i < 1223 ? "Kvinna" : "Man", age);
        q2b[i] = sod_rank[i] >= 0 && sod_rank[i] < 103;
        if (q2b[i])
            *(i < 1223 ? &sod_women_agree : &sod_men_agree) += 1;
    }
    fclose(f);
    cr_assert_eq(n_sod, SOD);
    /* outside Södermalm, women and men agree with q2b until 868 and 645 do */
    int women = sod_women_agree, men = sod_men_agree;
    for (int i = 0; i < CITY; i++)
        if (sod_rank[i] < 0) {
            int *count = i < 1223 ? &women : &men;
            q2b[i] = *count < (i < 1223 ? 868 : 645);
            *count += q2b[i];
        }
    cr_assert_eq(women, 868);
    cr_assert_eq(men, 645);
    snprintf(cmd, sizeof cmd, "%s frame import --db %s/omr.db --template ekb-2024 %s 2>&1", omr_bin(), dir,
             path);
    cr_assert_eq(run(cmd, &out), 0, "%s", out);
    free(out);
    sqlite3 *db;
    snprintf(path, sizeof path, "%s/omr.db", dir);
    cr_assert_eq(store_open(path, &db, &err), OMR_OK);
    cr_assert_eq(store_exec(db, "BEGIN", &err), OMR_OK);
    for (int i = 0; i < CITY; i++) {
        char sql[1024];
        snprintf(sql, sizeof sql,
                 "INSERT INTO returns(template, code, mode, created_at) VALUES ('ekb-2024', '%.16s', "
                 "'paper', '2024-06-01T10:00:00Z')",
                 city_codes[i]);
        cr_assert_eq(store_exec(db, sql, &err), OMR_OK);
        long long id = sqlite3_last_insert_rowid(db);
        int r = sod_rank[i], s = r >= 0;
        /* Södermalm: q2a 103, q2d 99, q3a 99, q3b 99 of 121 agree; the rest 90; no Ja in q4 */
        int v[NQ];
        for (size_t q = 0; q < NQ; q++)
            v[q] = s ? (r < 90 ? 4 : 2) : (i % 3 ? 5 : 2);
        v[2] = s ? (r < 103 ? 5 : 2) : v[2];                         /* q2a */
        v[3] = q2b[i] ? 4 : 2;                                        /* q2b */
        v[5] = s ? (r < 99 ? 4 : 3) : v[5];                          /* q2d */
        v[7] = v[8] = s ? (r < 99 ? 5 : 1) : v[7];                   /* q3a, q3b */
        v[9] = v[10] = v[11] = s ? 2 : 1;                            /* q4a, q4b, q4c */
        v[12] = 2;                                                    /* q5 */
        v[13] = 7;                                                    /* q6 */
        for (size_t q = 0; q < NQ; q++) {
            snprintf(sql, sizeof sql,
                     "INSERT INTO answers(return_id, question, value, status) VALUES (%lld, '%s', "
                     "'%d', 'ok')",
                     id, questions[q], v[q]);
            cr_assert_eq(store_exec(db, sql, &err), OMR_OK);
        }
    }
    cr_assert_eq(store_exec(db, "COMMIT", &err), OMR_OK);
    store_close(db);
    snprintf(cmd, sizeof cmd,
             "%s report --db %s/omr.db --by gender,age_group --total-label 'Stockholms stad' --out "
             "%s/report 2>&1",
             omr_bin(), dir, dir);
    cr_assert_eq(run(cmd, &out), 0, "%s", out);
    free(out);
    char rdir[700];
    snprintf(rdir, sizeof rdir, "%s/report", dir);
    char *html = read_all(rdir, "grupper.html");
    static const char *const split[] = {
        "<td>Kvinna</td><td class=\"num\">1223</td><td class=\"num\">57 %</td>",
        "<td>Man</td><td class=\"num\">922</td><td class=\"num\">43 %</td>",
        "<td>40-59</td><td class=\"num\">1030</td><td class=\"num\">48 %</td>",
        "<td>60+</td><td class=\"num\">601</td><td class=\"num\">28 %</td>",
        "<td>31-39</td><td class=\"num\">322</td><td class=\"num\">15 %</td>",
        "<td>18-30</td><td class=\"num\">192</td><td class=\"num\">9 %</td>"};
    for (size_t i = 0; i < sizeof split / sizeof *split; i++)
        cr_assert(strstr(html, split[i]), "want %s", split[i]);
    /* the city's gender-equality section, in its words and figures: "57 procent
     * kvinnor och 43 procent män", "71 procent av kvinnorna respektive 70 procent av männen" */
    const char *eq = strstr(html, "<h2 id=\"jamstalldhet\">Jämställdhetsanalys</h2>");
    cr_assert_not_null(eq);
    cr_assert(strstr(eq, "var 57 procent kvinnor och 43 procent män (1223 kvinnor, 922 män)."), "%.400s", eq);
    const char *q2b_row = strstr(eq, "Om jag är missnöjd så vet jag hur jag ska lämna synpunkter</td>");
    cr_assert_not_null(q2b_row, "%.3000s", eq);
    cr_assert(strncmp(strstr(q2b_row, "<td class=\"num\">"),
                      "<td class=\"num\">71 %<br><span class=\"n\">n = 1223</span></td>"
                      "<td class=\"num\">70 %<br><span class=\"n\">n = 922</span></td>"
                      "<td class=\"num\">+1</td></tr>",
                      strlen("<td class=\"num\">71 %<br><span class=\"n\">n = 1223</span></td>"
                             "<td class=\"num\">70 %<br><span class=\"n\">n = 922</span></td>"
                             "<td class=\"num\">+1</td></tr>")) == 0,
              "%.400s", q2b_row);
    free(html);
    /* 71 procent av kvinnorna respektive 70 procent av männen (q2b) */
    char *csv = read_all(rdir, "groups.csv");
    cr_assert(strstr(csv, "gender,Kvinna,1223,q2b,agree,5 4,1223,70.97,"), "%s", csv);
    cr_assert(strstr(csv, "gender,Man,922,q2b,agree,5 4,922,69.96,"));
    free(csv);
    html = read_all(rdir, "omraden.html");
    cr_assert(strstr(html, "<p><b>Södermalm</b>: starkast resultat för tydlighet (85 procent), "
                           "kompetens (82 procent) och delaktighet (82 procent); "),
              "%s", html);
    free(html);
    rm_rf(dir);
}

/* z of two shares (percent) on n1 and n2, pooled: computed here, apart from omr */
static double pooled_z(double p1, double n1, double p2, double n2) {
    double p = (p1 * n1 + p2 * n2) / (100.0 * (n1 + n2)), se = sqrt(p * (1 - p) * (1 / n1 + 1 / n2));
    return se > 0 ? (p1 - p2) / 100.0 / se : 0;
}

static double whole_pct(double v) { return floor(v + 0.5); }

/* The city report's gender-equality section, from the truth of every
 * person's answers: the split, women's and men's shares with the difference
 * and its test, the counts of statements, the largest and smallest
 * difference, the grade, who felt discriminated, and age against gender. */
Test(report_groups, the_gender_equality_section_is_the_truth) {
    char *dir = make_survey("");
    char rdir[600];
    snprintf(rdir, sizeof rdir, "%s/report", dir);
    char *html = read_all(rdir, "grupper.html");
    const char *sec = strstr(html, "<h2 id=\"jamstalldhet\">Jämställdhetsanalys</h2>");
    cr_assert_not_null(sec, "%s", html);
    /* 40 women and 30 men of 70: 57 and 43 percent, as the city's "57 procent kvinnor och 43 procent män" */
    cr_assert(strstr(sec, "var 57 procent kvinnor och 43 procent män (40 kvinnor, 30 män).</p>"), "%.300s", sec);
    int higher = 0, same = 0, lower = 0, marked = 0, total = 0, one = 1, zero = 0;
    double max_diff = -1, min_diff = 1e9, spread_gender = 0;
    const char *max_q = NULL;
    static const char *const statements[] = {"q1a", "q1b", "q2a", "q2b", "q2c", "q2d", "q2e", "q3a", "q3b"};
    static const char *const texts[] = {"Min handläggare bemöter mig på ett respektfullt sätt"};
    for (size_t s = 0; s < 9; s++) {
        long nw, nm;
        double pw = truth_share(statements[s], in_gender, &one, &nw, NULL);
        double pm = truth_share(statements[s], in_gender, &zero, &nm, NULL);
        double x = whole_pct(pw), y = whole_pct(pm), diff = x - y;
        int sig = fabs(pooled_z(pw, (double)nw, pm, (double)nm)) > 1.959963985;
        char row[400];
        snprintf(row, sizeof row,
                 "<td class=\"num\">%.0f %%<br><span class=\"n\">n = %ld</span></td>"
                 "<td class=\"num\">%.0f %%<br><span class=\"n\">n = %ld</span></td>"
                 "<td class=\"num\">%s%.0f%s</td></tr>",
                 x, nw, y, nm, diff > 0 ? "+" : diff < 0 ? "−" : "±", fabs(diff),
                 sig ? "<b class=\"sig\">*</b>" : "");
        cr_assert(strstr(sec, row), "%s: want %s", statements[s], row);
        higher += diff > 0;
        same += diff == 0;
        lower += diff < 0;
        marked += sig;
        total++;
        if (fabs(diff) > max_diff) {
            max_diff = fabs(diff);
            max_q = s == 0 ? texts[0] : NULL;
        }
        min_diff = fmin(min_diff, fabs(diff));
        spread_gender += fabs(diff) / 9;
    }
    /* q1a (80 against 50) is the largest difference */
    cr_assert_not_null(max_q);
    char want[600];
    snprintf(want, sizeof want,
             "<p>Kvinnornas andel som instämmer är högre än männens i %d av %d påståenden, lika (i hela "
             "procent) i %d och lägre i %d. Skillnaden är högst %.0f procentenheter (%s) och lägst %.0f. "
             "%d av skillnaderna är större än slumpen förklarar",
             higher, total, same, lower, max_diff, max_q, min_diff, marked);
    cr_assert(strstr(sec, want), "want %s in\n%.3000s", want, sec);
    /* the grade: women 8.0, men 5.0 (report_survey.h) */
    cr_assert(strstr(sec, " Medelbetyget är 8,0 för kvinnor och 5,0 för män.</li>"), "%.4000s", sec);
    /* who felt discriminated (q5 = 1: every tenth person) */
    long n;
    snprintf(want, sizeof want, " Ja: %.0f procent av kvinnorna och %.0f procent av männen.</li>",
             whole_pct(truth_share("q5", in_gender, &one, &n, "1")),
             whole_pct(truth_share("q5", in_gender, &zero, &n, "1")));
    cr_assert(strstr(sec, want), "want %s", want);
    /* age against gender: the mean distance between the highest and lowest age
     * group's share (18-30 has three people: suppressed, not counted) */
    double spread_age = 0;
    for (size_t s = 0; s < 9; s++) {
        double lo = 1e9, hi = -1;
        for (int a = 0; a < 3; a++) {
            double p = whole_pct(truth_share(statements[s], in_age, ages[a], &n, NULL));
            lo = fmin(lo, p);
            hi = fmax(hi, p);
        }
        spread_age += (hi - lo) / 9;
    }
    char g[32], a[32];
    snprintf(g, sizeof g, "%.1f", spread_gender);
    snprintf(a, sizeof a, "%.1f", spread_age);
    *strchr(g, '.') = ',';
    *strchr(a, '.') = ',';
    snprintf(want, sizeof want, "andel: kön %s procentenheter, åldersgrupp %s.", g, a);
    cr_assert(strstr(sec, want), "want %s in\n%.5000s", want, sec);
    cr_assert(strstr(sec, spread_age > spread_gender ? " Kön har en mindre inverkan på resultatet än åldersgrupp."
                                                     : " Kön har minst lika stor inverkan"),
              "%.5000s", sec);
    free(html);
    rm_rf(dir);
}
