/*
 * report.h — the survey's standard tables from the ledger and the frame:
 * response rates per unit (Table 1 of the city's report: sent, returned,
 * response rate, undeliverable, corrected response rate = returned / (sent -
 * undeliverable)), and from the respondents (analysis.h): the share who agree
 * with each statement (values 5 and 4 of a five-point scale), the answer
 * distributions, the mean grade, the share a routed question applies to (who
 * felt discriminated) and the share of each of its options (the reasons),
 * optionally weighted. Written as CSV tables, charts (PNG and SVG, cairo) and
 * one HTML page.
 *
 * Shares are of those who answered the question (missing-value codes left
 * out); for a multiple-choice question, of those who marked at least one
 * option. Percentages in the response-rate table are rounded half up to two
 * decimals from exact integer counts, as the city's report prints them.
 */
#ifndef OMR_REPORT_H
#define OMR_REPORT_H

#include "ledger/db.h"
#include <stdio.h>

#include "survey/analysis.h"
#include "base/common.h"

typedef struct {
    char *unit;
    long sent;          /* codes in the frame */
    long returned;      /* codes with a return (paper or web) */
    long undeliverable; /* codes whose envelope came back, and that never answered */
} report_rate_row;

typedef struct {
    report_rate_row *rows; /* units in frame order */
    size_t n;
    report_rate_row total;
} report_rates;

int report_response_rates(omr_db *db, const char *template_id, report_rates *out,
                          omr_error *err);
void report_rates_free(report_rates *rates);

/* 100 * num / den in hundredths of a percent, rounded half up (2829 for
 * 28.29%); -1 when den <= 0. */
long report_percent_hundredths(long num, long den);

typedef enum { REPORT_TEXT, REPORT_CSV, REPORT_CSV_EXCEL } report_format;

/* Table 1. REPORT_TEXT: aligned columns with Swedish headings and numbers as
 * the city prints them ("7 581", "28,29%"); REPORT_CSV: unit, sent, returned,
 * response_rate, undeliverable, corrected_response_rate (percent, '.');
 * REPORT_CSV_EXCEL: the same columns in the Excel dialect Swedish offices use
 * (UTF-8 byte order mark, ';', decimal comma), headed in Swedish for the
 * people who open it ("Enhet;Antal i utskick;Inkomna svar;…"). The whole survey comes first,
 * as `total_label`. */
void report_write_rates(FILE *out, const report_rates *rates, const char *total_label,
                        report_format format);

typedef struct {
    long n;       /* respondents who answered (unweighted) */
    double base;  /* the same, weighted */
    double hits;  /* weighted count with one of the values */
    double value; /* percent of base, or the mean; NAN when n == 0 */
} report_stat;

/* The share (percent) of respondents in `unit` (NULL: all) whose answer to
 * `question` is one of `values` (space-separated), among those who answered. */
int report_share(const analysis_data *data, const char *unit, const char *question,
                 const char *values, report_stat *out);
/* The (weighted) mean of a numeric question's answers. */
int report_mean(const analysis_data *data, const char *unit, const char *question,
                report_stat *out);

/* Kinds of question the report treats apart. */
int report_is_statement(const template_question *q); /* scale of exactly 5..1 */
int report_is_grade(const template_question *q);     /* another numeric scale */

/* Suppression, as official statistics do it: a share, a mean or a
 * distribution resting on fewer than `min_cell` answers (but at least one) is
 * not shown: "." in its place, with a footnote, on the page, in the CSV
 * tables (value ".", column `note`) and in the charts. The number of answers
 * itself is always shown. */
#define REPORT_MIN_CELL_DEFAULT 5

typedef struct {
    const char *total_label; /* the whole survey's row, e.g. "Stockholms stad" */
    const char *title;       /* the page's title; NULL: the template's title */
    long min_cell;           /* fewer answers than this are suppressed; 0: the default 5 */
    int excel;               /* CSV tables in the Excel dialect (BOM, ';', decimal comma) */
    unsigned pages;          /* the pages this run writes besides index.html, as
                              * REPORT_PAGE_BIT(REPORT_PAGE_GROUPS) | ... (report_page.h):
                              * every page's navigation links them */
} report_options;

/* The smallest number of answers shown under o (--min-cell; o NULL or 0: the default). */
long report_min_cell(const report_options *o);

/* Is a cell of n answers suppressed under o? (n == 0 is "no answers", shown as "–") */
int report_suppressed(const report_options *o, long n);

/* The footnote for a suppressed cell, in Swedish ("Färre än 5 svar; ..."). */
void report_suppression_note(const report_options *o, char *buf, size_t size);

/* ---- the report's parts (report.c: tables; report_chart.c: charts, page, report_write) ---- */

/* Groups of a table: 0 = the whole survey, then each unit. */
const char *report_group_unit(const analysis_data *d, size_t g);
const char *report_group_name(const analysis_data *d, const report_options *o, size_t g);

/* The values above the middle of a numeric scale ("6 7 8 9 10" of 1..10). */
void report_upper_values(const template_question *q, char *buf, size_t size);

/* The values of a routed question's filter that open it, space-separated. */
void report_filter_values(const template_question *q, char *buf, size_t size);

/* "7 581" */
void report_format_int_sv(char *buf, size_t size, long v);
/* hundredths of a percent as "28,29%" (swedish) or "28.29" (csv); "–" or "" when < 0 */
void report_format_hundredths(char *buf, size_t size, long h, int swedish);

/* The CSV tables and index.html into `dir` (which exists); o has its labels
 * filled in. Each file atomically (base/files.h). */
int report_write_tables(omr_db *db, const analysis_data *d, const report_rates *rates,
                        const char *dir, const report_options *o, omr_error *err);

/* index.html's content (report_chart.c). */
void report_write_page(FILE *f, omr_db *db, const analysis_data *d, const report_rates *rates,
                       const report_options *o);

/* The whole report (report_chart.c): writes into `dir` (created if missing): response-rate.csv, agree.csv,
 * distribution.csv, grade.csv, filter.csv, options.csv; charts
 * response-rate, agree, distribution, grade, filter, options (.png, .svg);
 * and index.html. Each file is written to a temporary name and renamed. */
int report_write(omr_db *db, const analysis_data *data, const report_rates *rates,
                 const char *dir, const report_options *options, omr_error *err);

#endif
