/*
 * report_parts.h — private to the report's files (report.c: tables and the
 * whole run; report_chart.c: charts and the HTML page): the groups a table
 * runs over, and the value lists a table and its chart share.
 */
#ifndef OMR_REPORT_PARTS_H
#define OMR_REPORT_PARTS_H

#include <sqlite3.h>
#include <stdio.h>

#include "survey/report.h"

/* Groups: 0 = the whole survey, then each unit. */
const char *report_group_unit(const analysis_data *d, size_t g);
const char *report_group_name(const analysis_data *d, const report_options *o, size_t g);

/* The values above the middle of a numeric scale ("6 7 8 9 10" of 1..10). */
void report_upper_values(const template_question *q, char *buf, size_t size);

/* The values of a routed question's filter that open it ("Ja"). */
void report_filter_values(const template_question *q, char *buf, size_t size);

/* "7 581" */
void report_format_int_sv(char *buf, size_t size, long v);
/* hundredths of a percent as "28,29%" (swedish) or "28.29" (csv); "–" or "" when < 0 */
void report_format_hundredths(char *buf, size_t size, long h, int swedish);

/* index.html (o has its labels filled in). */
void report_write_page(FILE *f, sqlite3 *db, const analysis_data *d, const report_rates *rates,
                       const report_options *o);

/* The charts: response-rate, agree, distribution, grade, filter, options
 * (.png and .svg), each file written atomically. */
int report_write_charts(const char *dir, const analysis_data *d, const report_rates *rates,
                        const report_options *o, omr_error *err);

#endif
