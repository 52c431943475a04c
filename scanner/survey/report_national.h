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
 * counts once. A group with fewer answers than the minimum cell (--min-cell) shows ".".
 * Written as national.csv (indicator, year, variable, group, n, yes,
 * yes_pct) and riket.html (Swedish).
 *
 * Combined indicators (`<template>.indicators` beside the template, libconfig;
 * templates/oj-2021-ekb.indicators is the documented example): an indicator
 * made of several Ja/Nej questions, met by a municipality that answered Ja to
 * all of them; its share is of the municipalities that answered every part.
 * This is how the national report's "rutin för att förhindra avhysning …
 * genom att söka upp … och följa upp …" (24 20 19) is built. It stands in the
 * tables where its first part stands, its parts below it.
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

typedef struct {
    char *id;      /* national.csv's indicator */
    char *text;    /* the wording in the tables */
    char **parts;  /* question ids, each a Ja/Nej question of the template */
    size_t n_parts;
} report_combined;

typedef struct {
    report_combined *items;
    size_t n;
} report_indicators;

/* Reads an indicators file; every part must be a Ja/Nej question of `t`, at
 * least two per indicator, no question in two indicators, no id a question's.
 * OMR_ERR_INVALID naming the line and what is wrong. */
int report_indicators_load(const char *path, const omr_template *t, report_indicators *out,
                           omr_error *err);
void report_indicators_free(report_indicators *ind);

/* A combined indicator's counts over the rows whose `var` is `level` (var
 * NULL: all): *n who answered every part, *hits who answered Ja to all. */
void report_combined_count(const analysis_data *d, const report_combined *c, const char *var,
                           const char *level, long *hits, long *n);

/* `years` in any order (the latest is "this year" for the grouped tables);
 * by_var NULL for no grouped tables; combined NULL for none. OMR_ERR_INVALID for an unknown by_var or
 * a template without Ja/Nej questions. */
int report_national_write(const report_year *years, size_t n_years, const char *by_var,
                          const report_indicators *combined, const char *dir,
                          const report_options *o, omr_error *err);

#endif
