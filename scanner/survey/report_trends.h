/*
 * report_trends.h — this year's results beside earlier years' published
 * ones, as the city's report prints them: "85 procent (80 procent 2022)",
 * "7,5 (7,1 år 2022)", with the change in points.
 *
 * Earlier results come from a CSV (`omr report --trends FILE`; RFC 4180,
 * UTF-8, ',' or ';' as separator, a header naming the columns):
 *
 *   unit,item,year,value
 *   Stockholms stad,q1a,2022,80
 *   Stockholms stad,q6,2022,"7,1"
 *   Södermalm,tydlighet,2022,79
 *
 *   unit   a unit of the frame, or the whole survey (the --total-label, or
 *          empty)
 *   item   what the value is of: a statement's id (share who agree), a grade
 *          question's id (the mean), "question=values" (the share with those
 *          values, e.g. q5=1 for who felt discriminated), or an area's name
 *          (report_areas.h)
 *   year   the survey year; value  a percent or a mean, '.' or ',' decimal
 *
 * This year's value is computed from the ledger as everywhere in the report.
 * The change is between the values as printed: this year's rounded to a
 * whole percent (a mean to one decimal) minus the published value of the
 * latest earlier year. A unit whose answers are fewer than the minimum cell
 * shows "." and no change.
 */
#ifndef OMR_REPORT_TRENDS_H
#define OMR_REPORT_TRENDS_H

#include "survey/analysis.h"
#include "survey/report.h"
#include "survey/report_areas.h"

typedef struct {
    char *unit; /* NULL: the whole survey */
    char *item;
    int year;
    double value;
} report_trend_point;

typedef struct {
    report_trend_point *points; /* in file order */
    size_t n;
} report_trends;

/* Reads the CSV; every unit must be one of d's units or the total label,
 * every item known (areas may be NULL), every year and value a number.
 * OMR_ERR_INVALID naming the line and what is wrong; nothing is kept. */
int report_trends_load(const char *path, const analysis_data *d, const report_areas *areas,
                       const char *total_label, report_trends *out, omr_error *err);
void report_trends_free(report_trends *t);

/* Adds an earlier year computed from that year's own ledger (`earlier`, the
 * same template): every statement, grade and area, for the whole survey and
 * each unit with at least REPORT_MIN_CELL answers, as printed (whole percent,
 * a mean to one decimal). A (unit, item, year) already in `t` (from the CSV)
 * is kept, not replaced. */
int report_trends_add_year(report_trends *t, const analysis_data *earlier, const report_areas *areas,
                           int year, omr_error *err);

/* This year's value of an item for a unit (NULL: all); *n its answers (for
 * an area the fewest of its items); *is_mean for a grade's mean. */
double report_trend_current(const analysis_data *d, const report_areas *areas, const char *unit,
                            const char *item, long *n, int *is_mean);

/* trends.csv (unit, item, year, value, change_points: each year's value and
 * its change from the year before it in the table) and trender.html into
 * `dir`, each atomically. */
int report_trends_write(const analysis_data *d, const report_areas *areas, const report_trends *t,
                        int year, const char *dir, const report_options *o, omr_error *err);

#endif
