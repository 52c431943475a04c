/*
 * report_national.h — the national shape of a survey of municipalities
 * (oj-2021-ekb: one form per municipality, city district or office, every
 * indicator a Ja/Nej question), as Socialstyrelsen's "Öppna jämförelser"
 * prints it (`omr report --national`):
 *
 *   Tabell 1–3  per section, per indicator: the share of municipalities
 *               answering Ja, for each year (this year's ledger and the
 *               earlier years' ledgers given with --earlier YEAR=DB), riket
 *   Tabell 4–   per section, this year: the same by a grouping variable of
 *               the frame (--by size_group), groups in frame order, and riket
 *
 * A share is of those who answered the question (Ja or Nej), rounded half up
 * to a whole percent from the exact counts, unweighted: every municipality
 * counts once. A group with fewer answers than REPORT_MIN_CELL shows ".".
 * Written as national.csv (indicator, year, variable, group, n, yes,
 * yes_pct) and riket.html (Swedish).
 */
#ifndef OMR_REPORT_NATIONAL_H
#define OMR_REPORT_NATIONAL_H

#include "survey/analysis.h"
#include "survey/report.h"

/* A Ja/Nej indicator: a single-choice question with a box labelled "Ja". */
const char *report_yes_value(const template_question *q);

typedef struct {
    const analysis_data *data; /* the year's respondents (same template) */
    int year;
} report_year;

/* Whole percent, rounded half up from counts; -1 when n == 0. */
long report_percent_whole(long hits, long n);

/* `years` in any order (the latest is "this year" for the grouped tables);
 * by_var NULL for no grouped tables. OMR_ERR_INVALID for an unknown by_var or
 * a template without Ja/Nej questions. */
int report_national_write(const report_year *years, size_t n_years, const char *by_var,
                          const char *dir, const report_options *o, omr_error *err);

#endif
