/*
 * tests/test_report_pages.c — the report as a reader meets it: every page
 * the run writes is linked from every page (one navigation), its charts
 * exist (per group with intervals, per area, beside earlier years), and no
 * sentence a reader sees is English. The survey is report_survey.h's 70
 * respondents, reported with --by gender,age_group, the template's areas and
 * earlier years from a CSV.
 */
#include "report_survey.h"
#include "report_swedish.h"
#include "survey/report_chart.h"

#include <stdint.h>

#include <cairo.h>

static const char *const pages[] = {"index.html", "grupper.html", "omraden.html", "trender.html"};
#define NP (sizeof pages / sizeof pages[0])

static char *full_report(void) {
    char *src = test_tempdir();
    char trends[600], extra[700];
    snprintf(trends, sizeof trends, "%s/trends.csv", src);
    FILE *f = fopen(trends, "w");
    fputs("unit,item,year,value\n"
          "Stockholms stad,q1a,2022,60\n"
          "Stockholms stad,q1a,2020,55\n"
          "Stockholms stad,q2a,2022,70\n"
          "Stockholms stad,q6,2022,\"7,1\"\n"
          "Södermalm,delaktighet,2022,70\n",
          f);
    fclose(f);
    snprintf(extra, sizeof extra, "--trends %s --year 2024", trends);
    char *dir = make_survey(extra);
    rm_rf(src);
    return dir;
}

static int exists(const char *dir, const char *name) {
    char path[700];
    snprintf(path, sizeof path, "%s/report/%s", dir, name);
    return access(path, R_OK) == 0;
}

/* The <nav> of a page, as a string (caller frees). */
static char *nav_of(const char *html) {
    const char *a = strstr(html, "<nav class=\"report-nav\""), *b = a ? strstr(a, "</nav>") : NULL;
    cr_assert(a && b, "no navigation in\n%.500s", html);
    return strndup(a, (size_t)(b - a));
}

Test(report_pages, every_page_links_every_page_the_run_wrote_and_nothing_else) {
    char *dir = full_report();
    char rdir[600];
    snprintf(rdir, sizeof rdir, "%s/report", dir);
    for (size_t p = 0; p < NP; p++) {
        cr_assert(exists(dir, pages[p]), "%s not written", pages[p]);
        char *html = read_all(rdir, pages[p]), *nav = nav_of(html);
        for (size_t q = 0; q < NP; q++) {
            char link[200];
            snprintf(link, sizeof link, "<a href=\"%s\"%s>", pages[q], p == q ? " aria-current=\"page\"" : "");
            cr_assert(strstr(nav, link), "%s: no %s in %s", pages[p], link, nav);
        }
        /* no national page in this run: no link to one */
        cr_assert_null(strstr(nav, "riket.html"), "%s links riket.html: %s", pages[p], nav);
        /* one navigation per page */
        cr_assert_null(strstr(strstr(html, "</nav>"), "<nav"), "%s has two navigations", pages[p]);
        free(nav);
        free(html);
    }
    /* the main page also says what each other page holds */
    char *index = read_all(rdir, "index.html");
    cr_assert(strstr(index, "<h2>Rapportens övriga sidor</h2>"));
    cr_assert(strstr(index, "<li><a href=\"grupper.html\">Per grupp</a>:"));
    cr_assert(strstr(index, "<li><a href=\"trender.html\">Jämfört med tidigare år</a>:"));
    free(index);
    rm_rf(dir);
}

/* Reads a PNG; asserts its size is sane. */
static cairo_surface_t *png(const char *dir, const char *name) {
    char path[700];
    snprintf(path, sizeof path, "%s/report/%s", dir, name);
    cairo_surface_t *s = cairo_image_surface_create_from_png(path);
    cr_assert_eq(cairo_surface_status(s), CAIRO_STATUS_SUCCESS, "%s", path);
    cr_assert_gt(cairo_image_surface_get_height(s), 100);
    return s;
}

Test(report_pages, charts_per_group_per_area_and_beside_earlier_years) {
    char *dir = full_report();
    char rdir[600];
    snprintf(rdir, sizeof rdir, "%s/report", dir);
    /* per --by variable, per area (ekb-2024.areas has nine), per unit with history */
    static const char *const charts[] = {"grupper-1", "grupper-2", "omrade-1", "omrade-9", "trender-1"};
    for (size_t c = 0; c < sizeof charts / sizeof *charts; c++) {
        char name[64];
        snprintf(name, sizeof name, "%s.svg", charts[c]);
        cr_assert(exists(dir, name), "%s", name);
        snprintf(name, sizeof name, "%s.png", charts[c]);
        cairo_surface_destroy(png(dir, name));
    }
    cr_assert_not(exists(dir, "omrade-10.png"));
    /* the pages show them */
    char *groups = read_all(rdir, "grupper.html");
    cr_assert(strstr(groups, "<img src=\"grupper-1.png\" alt=\"Andel som instämmer per kön, med 95 % "
                             "konfidensintervall\""), "%s", groups);
    cr_assert(strstr(groups, "<img src=\"grupper-2.png\""));
    free(groups);
    char *areas = read_all(rdir, "omraden.html");
    cr_assert(strstr(areas, "<img src=\"omrade-1.png\" alt=\"bemötande\""));
    free(areas);
    char *trends = read_all(rdir, "trender.html");
    cr_assert(strstr(trends, "<img src=\"trender-1.png\""), "%s", trends);
    free(trends);
    /* grupper-1 (kön: Kvinna, Man; all shown) is taller per row than a
     * one-series chart and as tall as its rows need: the age chart has one
     * group too small to show (18-30: 3 respondents) and a footnote for it */
    cairo_surface_t *g1 = png(dir, "grupper-1.png"), *g2 = png(dir, "grupper-2.png");
    cr_assert_gt(cairo_image_surface_get_height(g2), cairo_image_surface_get_height(g1));
    cairo_surface_destroy(g1);
    cairo_surface_destroy(g2);
    rm_rf(dir);
}

Test(report_pages, no_english_sentence_in_the_swedish_report) {
    char *dir = full_report();
    char rdir[600];
    snprintf(rdir, sizeof rdir, "%s/report", dir);
    char found[256];
    for (size_t p = 0; p < NP; p++) {
        char *html = read_all(rdir, pages[p]);
        cr_assert_not(english_word(html, found, sizeof found), "%s: English: %s", pages[p], found);
        free(html);
    }
    /* the checker finds an English sentence (so its silence above means something) */
    char *index = read_all(rdir, "index.html"), *h2 = strstr(index, "<h2>Svarsfrekvens</h2>");
    cr_assert_not_null(h2);
    memcpy(h2, "<h2>Rate of the", 15);
    cr_assert(english_word(index, found, sizeof found));
    cr_assert(strncmp(found, "rate ", 5) == 0, "%s", found);
    free(index);
    rm_rf(dir);
}

/* --min-cell reaches every page: with 200 (more than the 70 respondents)
 * no area, trend or group figure is shown, and the pages say 200. */
Test(report_pages, min_cell_applies_to_areas_and_trends_too) {
    char *src = test_tempdir();
    char trends[600], extra[700];
    snprintf(trends, sizeof trends, "%s/trends.csv", src);
    FILE *f = fopen(trends, "w");
    fputs("unit,item,year,value\nStockholms stad,q1a,2022,60\n", f);
    fclose(f);
    snprintf(extra, sizeof extra, "--min-cell 200 --trends %s --year 2024", trends);
    char *dir = make_survey(extra);
    char rdir[600];
    snprintf(rdir, sizeof rdir, "%s/report", dir);
    char *areas = read_all(rdir, "areas.csv");
    cr_assert(strstr(areas, "Stockholms stad,bemötande,q1a,,,1\r\n"), "%s", areas);
    cr_assert_null(strstr(areas, ",0\r\n"), "an area shown: %s", areas);
    free(areas);
    char *page = read_all(rdir, "omraden.html");
    cr_assert(strstr(page, "Färre än 200 svar"), "%s", page);
    free(page);
    char *csv = read_all(rdir, "trends.csv");
    cr_assert(strstr(csv, "Stockholms stad,q1a,2024,,\r\n"), "%s", csv);
    free(csv);
    page = read_all(rdir, "trender.html");
    cr_assert(strstr(page, "Färre än 200 svar"), "%s", page);
    free(page);
    rm_rf(dir);
    rm_rf(src);
}

/* The chart helper draws what it is given: a bar to its value, the interval
 * as a line from its low to its high end, and no bar for a suppressed cell.
 * Measured on the PNG: the bar (the report's blue) spans 0..50 of 100, so
 * the interval 40..60 must end at 1.2 times the bar's length. */
Test(report_pages, a_chart_bar_ends_at_its_value_and_its_error_bar_at_the_interval) {
    char *dir = test_tempdir();
    static const char *const labels[] = {"Med intervall", "För få svar"};
    static const double values[] = {50, 80}, low[] = {40, NAN}, high[] = {60, NAN};
    static const long ns[] = {100, 2};
    report_options o = {.min_cell = 5};
    report_chart c = {.title = "Prov", .n_series = 1, .labels = labels, .n_rows = 2, .values = values,
                      .low = low, .high = high, .n = ns, .max = 100, .percent = 1, .suppress = &o};
    omr_error err = {0};
    cr_assert_eq(report_chart_save(dir, "prov", &c, &err), OMR_OK, "%s", err.message);
    char path[700];
    snprintf(path, sizeof path, "%s/prov.png", dir);
    cairo_surface_t *s = cairo_image_surface_create_from_png(path);
    cr_assert_eq(cairo_surface_status(s), CAIRO_STATUS_SUCCESS);
    int w = cairo_image_surface_get_width(s), h = cairo_image_surface_get_height(s),
        stride = cairo_image_surface_get_stride(s);
    const unsigned char *px = cairo_image_surface_get_data(s);
#define PIX(x, y) (*(const uint32_t *)(px + (size_t)(y) * (size_t)stride + 4 * (size_t)(x)) & 0xFFFFFF)
    /* the bar: pixels of the first series' colour (0.16, 0.38, 0.62) */
    int x0 = w, x1 = -1, y0 = h, y1 = -1;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            uint32_t p = PIX(x, y);
            int r = (int)(p >> 16), g = (int)(p >> 8 & 255), b = (int)(p & 255);
            if (abs(r - 41) < 6 && abs(g - 97) < 6 && abs(b - 158) < 6) {
                x0 = x < x0 ? x : x0;
                x1 = x > x1 ? x : x1;
                y0 = y < y0 ? y : y0;
                y1 = y > y1 ? y : y1;
            }
        }
    cr_assert_gt(x1, x0, "no bar drawn");
    /* one bar only, one bar high (20 points at twice the scale): the suppressed row has none */
    cr_assert_leq(y1 - y0, 42, "bar rows %d..%d: the suppressed cell drew a bar", y0, y1);
    double len = x1 - x0 + 1;
    int cy = (y0 + y1) / 2;
    /* the interval's line runs on past the bar's end (50) to 60: 1.2 bar lengths */
    int end = x1 + 1;
    while (end < w && (PIX(end, cy) & 0xFF) < 128)
        end++;
    double want = x0 + 1.2 * len;
    cr_assert(fabs(end - want) <= 4, "the error bar ends at %d, want %.0f (bar %d..%d)", end, want, x0, x1);
    /* and starts inside the bar at 40 (0.8 bar lengths): a dark cap there, above the bar's centre */
    int cap = (int)(x0 + 0.8 * len), dark = 0;
    for (int dx = -3; dx <= 3; dx++)
        dark |= (PIX(cap + dx, cy - 5) & 0xFF) < 100;
    cr_assert(dark, "no cap at 40 (x %d)", cap);
#undef PIX
    cairo_surface_destroy(s);
    rm_rf(dir);
}
