/*
 * tests/test_report_trends.c — earlier years beside this year's, as the
 * city's report prints them ("85 procent (80 procent 2022)", "7,1 år
 * 2022"): a trends CSV for the survey of report_survey.h, whose this-year
 * figures are known (q1a: 47 of 70 agree, 67 procent; mean grade 470/70 =
 * 6,7; 7 of 70 felt discriminated; Södermalm's delaktighet 67), checked in
 * trends.csv and trender.html with every change in points; a unit the frame
 * does not have refuses the file; an earlier year's own ledger gives that year.
 */
#include "report_survey.h"

#include "survey/report_trends.h"

Test(report_trends, this_year_beside_earlier_years_with_the_change) {
    char *src = test_tempdir();
    char trends[600], extra[700];
    snprintf(trends, sizeof trends, "%s/trends.csv", src);
    FILE *f = fopen(trends, "w");
    fputs("unit,item,year,value\n"
          "Stockholms stad,q1a,2022,60\n"
          "Stockholms stad,q1a,2020,\"55,0\"\n"
          "Stockholms stad,q6,2022,\"7,1\"\n"
          "Stockholms stad,q5=1,2022,13\n"
          "Stockholms stad,q5=1,2020,22\n"
          "Södermalm,delaktighet,2022,70\n",
          f);
    fclose(f);
    snprintf(extra, sizeof extra, "--trends %s --year 2024", trends);
    char *dir = make_survey(extra);
    char rdir[600];
    snprintf(rdir, sizeof rdir, "%s/report", dir);
    char *csv = read_all(rdir, "trends.csv");
    static const char *const want_csv[] = {
        "unit,item,year,value,change_points\r\n",
        "Stockholms stad,q1a,2024,67,7\r\nStockholms stad,q1a,2022,60,5\r\nStockholms stad,q1a,2020,55,\r\n",
        "Stockholms stad,q6,2024,6.7,-0.4\r\nStockholms stad,q6,2022,7.1,\r\n",
        "Stockholms stad,q5=1,2024,10,-3\r\nStockholms stad,q5=1,2022,13,-9\r\n",
        "Södermalm,delaktighet,2024,67,-3\r\nSödermalm,delaktighet,2022,70,\r\n"};
    for (size_t i = 0; i < sizeof want_csv / sizeof *want_csv; i++)
        cr_assert(strstr(csv, want_csv[i]), "want\n%s\nin\n%s", want_csv[i], csv);
    free(csv);
    char *html = read_all(rdir, "trender.html");
    static const char *const want_html[] = {
        "<h2>Stockholms stad</h2>",
        "<td>Min handläggare bemöter mig på ett respektfullt sätt</td><td>67 procent (60 procent "
        "2022, 55 procent 2020)</td><td class=\"num\">+7</td>",
        "<td>6,7 (7,1 år 2022)</td><td class=\"num\">−0,4</td>",
        /* "q5=1" as a reader reads it: the question, and the answer's label */
        "<td>Har du under det senaste året upplevt dig diskriminerad i kontakten med din handläggare? – "
        "Ja</td><td>10 procent (13 procent 2022, 22 procent 2020)</td><td class=\"num\">−3</td>",
        "<h2>Södermalm</h2>",
        "<td>delaktighet</td><td>67 procent (70 procent 2022)</td><td class=\"num\">−3</td>",
        "Förändringen är i procentenheter"};
    for (size_t i = 0; i < sizeof want_html / sizeof *want_html; i++)
        cr_assert(strstr(html, want_html[i]), "want\n%s\nin\n%s", want_html[i], html);
    free(html);

    /* a unit the frame does not have: the file is refused, with its line */
    f = fopen(trends, "a");
    fputs("Bromma,q1a,2022,50\n", f);
    fclose(f);
    char cmd[2048], *out;
    snprintf(cmd, sizeof cmd, "%s report --db %s/omr.db --total-label 'Stockholms stad' --trends %s --out %s/r2 2>&1", omr_bin(), dir,
             trends, dir);
    cr_assert_eq(run(cmd, &out), 2, "%s", out);
    cr_assert(strstr(out, "trends.csv:8: unit \"Bromma\" is neither a unit of the frame"), "%s", out);
    free(out);
    rm_rf(dir);
    rm_rf(src);
}

/* The survey's own earlier ledger as the earlier year: the same answers give the same
 * figures, so every change is zero, and every statement, grade and area is there. */
Test(report_trends, an_earlier_ledger_gives_the_earlier_year) {
    char *before = make_survey("");
    char extra[700];
    snprintf(extra, sizeof extra, "--earlier 2022=%s/omr.db --year 2024", before);
    char *dir = make_survey(extra);
    char rdir[600];
    snprintf(rdir, sizeof rdir, "%s/report", dir);
    char *csv = read_all(rdir, "trends.csv");
    static const char *const want[] = {
        "Stockholms stad,q1a,2024,67,0\r\nStockholms stad,q1a,2022,67,\r\n",
        "Stockholms stad,q6,2024,6.7,0.0\r\nStockholms stad,q6,2022,6.7,\r\n",
        "Södermalm,delaktighet,2024,67,0\r\nSödermalm,delaktighet,2022,67,\r\n",
        "Farsta,q3a,2024,0,0\r\nFarsta,q3a,2022,0,\r\n"};
    for (size_t i = 0; i < sizeof want / sizeof *want; i++)
        cr_assert(strstr(csv, want[i]), "want\n%s\nin\n%s", want[i], csv);
    free(csv);
    char *html = read_all(rdir, "trender.html");
    cr_assert(strstr(html, "<td>delaktighet</td><td>67 procent (67 procent 2022)</td><td class=\"num\">±0</td>"),
              "%s", html);
    free(html);
    rm_rf(dir);
    rm_rf(before);
}
