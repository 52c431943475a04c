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
    cr_assert(strstr(csv, "age_group,18-30,3,q1a,agree,5 4,,,,,,,1\r\n"), "%s", csv);
    cr_assert(strstr(csv, "age_group,18-30,3,q5,share,1,,,,,,,1\r\n"), "%s", csv);

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
