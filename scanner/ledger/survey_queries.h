/*
 * survey_queries.h — what the survey room's report and analysis exports read
 * from the ledger, as plain C values: the response counts per unit, the
 * frame's variables and units, the counted returns of the frame's codes with
 * their frame values, answers and texts, the frame's values for weighting,
 * and how many codes answered on paper and on the web. The rules (which
 * return counts, what is missing and why) are computed in survey/; these
 * queries only read.
 */
#ifndef OMR_SURVEY_QUERIES_H
#define OMR_SURVEY_QUERIES_H

#include "ledger/db.h"
#include <stddef.h>

#include "base/common.h"

/* Table 1's counts for one unit, units in frame order. */
typedef struct {
    char *unit;
    long sent;          /* codes in the frame */
    long returned;      /* codes with a return (paper or web) */
    long undeliverable; /* codes whose envelope came back, and that never answered */
} survey_unit_counts;

int survey_query_unit_counts(omr_db *db, const char *template_id, survey_unit_counts **out,
                             size_t *n, omr_error *err);
void survey_unit_counts_free(survey_unit_counts *rows, size_t n);

/* The frame's background variables in column order, and its units in the
 * order they first appear. Caller frees each string and the array. */
int survey_query_variables(omr_db *db, const char *template_id, char ***out, size_t *n,
                           omr_error *err);
int survey_query_units(omr_db *db, const char *template_id, char ***out, size_t *n,
                       omr_error *err);

/* A (name, value) pair as the ledger holds it; either may be NULL. */
typedef struct {
    char *name, *value;
    int in_review; /* answers: awaiting an operator */
} survey_pair;

/* One counted return of a frame code, in frame order. */
typedef struct {
    char *code, *unit, *mode, *flags; /* flags NULL when none */
    survey_pair *vars;    /* frame values (name, value) */
    size_t n_vars;
    survey_pair *answers; /* (question, value, in_review) */
    size_t n_answers;
    survey_pair *texts;   /* (field, text) */
    size_t n_texts;
} survey_respondent;

int survey_query_respondents(omr_db *db, const char *template_id, survey_respondent **out,
                             size_t *n, omr_error *err);
void survey_respondents_free(survey_respondent *rows, size_t n);

/* The whole frame's values for weighting, ordered by seq and code: code,
 * unit, and one variable's (name, value), or NULL name for a code without
 * values. */
typedef struct {
    char *code, *unit, *name, *value;
} survey_frame_value;

int survey_query_frame_values(omr_db *db, const char *template_id, survey_frame_value **out,
                              size_t *n, omr_error *err);
void survey_frame_values_free(survey_frame_value *rows, size_t n);

/* Codes with a paper and a web return (0 when the ledger cannot say). */
long survey_query_both_modes(omr_db *db, const char *template_id);

#endif
