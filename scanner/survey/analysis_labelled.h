/*
 * analysis_labelled.h — the respondents' data as labelled files that SPSS,
 * PSPP, Stata and R (haven) open directly, written by libreadstat: the
 * variables of data.csv (analysis.h) with the question as variable label,
 * the boxes' labels as value labels and the missing-value codes declared
 * missing. Comment text is masked as in data.csv (export/redact.h).
 *
 *   data.sav  SPSS system file: missing codes -9..-6 kept as values and
 *             declared user-missing (range -9 thru -6), labelled.
 *   data.dta  Stata 14+ (format 118, UTF-8): Stata has no user-missing
 *             values, so the codes become Stata's extended missing values
 *             .a (-9 unanswered), .b (-8 not applicable), .c (-7 awaiting
 *             review), .d (-6 page missing), each labelled. Variable labels
 *             are cut to Stata's 80 bytes, strings to 2045 bytes.
 * The weight (when weighted) is the variable `weight`; data.sav also names
 * it the file's weight (SPSS's WEIGHT BY, as data.sps does).
 */
#ifndef OMR_ANALYSIS_LABELLED_H
#define OMR_ANALYSIS_LABELLED_H

#include "base/common.h"
#include "survey/analysis.h"

typedef enum { ANALYSIS_SAV, ANALYSIS_DTA } analysis_labelled_format;

/* Writes `dir`/data.sav or data.dta (dir exists) atomically. OMR_ERR_IO or
 * OMR_ERR_MEMORY with readstat's reason. */
int analysis_write_labelled(const analysis_data *d, const char *dir,
                            analysis_labelled_format format, omr_error *err);

#endif
