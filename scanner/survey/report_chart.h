/*
 * report_chart.h — the report's one bar chart (report_chart.c), for every
 * page: rows of labelled bars, one bar per series (up to
 * REPORT_CHART_MAX_SERIES: groups, or years), each optionally with its 95%
 * interval as an error bar and its number of answers; a cell resting on too
 * few answers is drawn as "." with the suppression footnote, never as a bar.
 * Saved as <name>.png and <name>.svg, each through the one atomic file.
 */
#ifndef OMR_REPORT_CHART_H
#define OMR_REPORT_CHART_H

#include "base/common.h"
#include "survey/report.h"

#define REPORT_CHART_MAX_SERIES 6

typedef struct {
    const char *title;
    const char *const *series; /* legend names (n_series > 1); NULL with one series */
    size_t n_series;           /* 1..REPORT_CHART_MAX_SERIES */
    const char *const *labels; /* n_rows row labels */
    size_t n_rows;
    const double *values;      /* n_rows * n_series, row by row; NAN: no data ("–") */
    const double *low, *high;  /* the same shape: an interval drawn as an error bar; or NULL */
    const long *n;             /* the same shape: answers per cell (shown; suppression); or NULL */
    double max;                /* axis maximum */
    int percent;               /* values are percentages */
    int whole;                 /* values printed as whole numbers (published figures) */
    const report_options *suppress; /* cells with n under its minimum: "." and the footnote */
    const char *note;          /* a footnote line under the chart, or NULL */
} report_chart;

/* The chart's height in points (its width is fixed). */
double report_chart_height(const report_chart *c);

/* <dir>/<name>.png (twice the size, for sharp screens) and <name>.svg. */
int report_chart_save(const char *dir, const char *name, const report_chart *c, omr_error *err);

/* An <img> of <name>.png with `alt`, and links to both files, for a page. */
void report_chart_html(FILE *f, const char *name, const char *alt);

#endif
