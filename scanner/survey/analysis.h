/*
 * analysis.h — the respondents' data as an analyst sees it: one row per
 * counted return of a code in the frame (see frame.h for which return
 * counts), joined to the frame's unit and background variables, every answer
 * either a value or a reason why there is none (missing-value codes), with
 * optional post-stratification weights. The report's tables are computed
 * from it, and the exports for R, SPSS/PSPP and Excel write it out.
 *
 * Missing-value codes (numeric variables; shown in codebook, SPSS and R):
 *   -9  unanswered (no box marked; for a multiple-choice question, none)
 *   -8  not applicable: routed past (q4a1 when q4a is not "Ja"), left empty
 *   -7  awaiting review: the machine was unsure and no operator has decided
 *   -6  page missing: the page holding the question never came back
 *
 * Weights (post-stratification): with variables V1..Vk (frame variables or
 * `unit`), every cell of their combination gets w = (N_cell / N) / (n_cell / n),
 * N counting the whole frame as sent (undeliverable included, they belong to
 * the population) and n the respondents; the weights of the respondents sum
 * to n. A cell of the frame without respondents cannot be represented: it is
 * named in `notes`, and the weights are scaled over the cells that have
 * respondents.
 */
#ifndef OMR_ANALYSIS_H
#define OMR_ANALYSIS_H

#include "ledger/db.h"

#include "base/common.h"
#include "survey/frame.h"
#include "forms/template.h"

enum {
    ANALYSIS_UNANSWERED = -9,
    ANALYSIS_NOT_APPLICABLE = -8,
    ANALYSIS_REVIEW = -7,
    ANALYSIS_PAGE_MISSING = -6,
};

typedef struct {
    char *code, *unit, *mode, *flags;
    char **vars;    /* n_vars frame values */
    char **values;  /* per question: the value (multi: chosen values, space-separated), or NULL */
    int *missing;   /* per question: 0 when values[q] is an answer, else a missing code */
    char **texts;   /* per text field; "" when nothing was written */
    double weight;  /* 1 unless weighted */
} analysis_row;

typedef struct {
    const omr_template *tmpl;
    char **var_names;   /* the frame's background variables, in column order */
    size_t n_vars;
    char **units;       /* in the order they first appear in the frame */
    size_t n_units;
    analysis_row *rows; /* frame order */
    size_t n_rows;
    char *weight_vars;  /* "unit,gender" when weighted, else NULL */
    frame_strings notes;/* what the reader of a table should know (weighting cells) */
} analysis_data;

/* Loads the respondents of `tmpl`'s frame from the ledger. */
int analysis_load(omr_db *db, const omr_template *tmpl, analysis_data *out, omr_error *err);
void analysis_free(analysis_data *data);

/* Post-stratification weights on the named variables (frame variables or
 * "unit"); OMR_ERR_INVALID for an unknown name. */
int analysis_weight(omr_db *db, analysis_data *data, char *const *vars, size_t n_vars,
                    omr_error *err);

/* The missing-value code's label ("Ej svar"). */
const char *analysis_missing_label(int code);

/* Is every value of the question an integer (a numeric variable)? */
int analysis_question_is_numeric(const template_question *q);

/* Is `value` among the space-separated `list`? */
int analysis_value_in(const char *list, const char *value);

typedef struct {
    int excel;       /* also data-excel.csv: ';', decimal comma, UTF-8 BOM */
} analysis_export_options;

/* Writes into `dir` (created if missing), each file atomically:
 *   data.csv       one row per respondent: code, unit, frame variables, mode,
 *                  one numeric variable per single/scale question, <q>_<v> = 1/0
 *                  per multiple-choice option, text fields, weight (if any);
 *                  missing-value codes as above; UTF-8, RFC 4180, CRLF
 *   codebook.csv   variable, type, question text, value, label, missing
 *   data.sps       SPSS syntax (runs in PSPP): reads data.csv, variable and
 *                  value labels, missing values, measurement levels, saves data.sav
 *   data.R         R script: reads data.csv, missing codes to NA, attributes
 *                  "label" (question) and "labels" (named values) on each column
 *   data-excel.csv with options->excel. */
int analysis_export(const analysis_data *data, const char *dir,
                    const analysis_export_options *options, omr_error *err);

/* ---- the exported variables, one per column of data.csv (also for data.sav and
 * data.dta, analysis_labelled.h) ---- */

typedef enum { ANALYSIS_VAR_STRING, ANALYSIS_VAR_NUMERIC, ANALYSIS_VAR_DECIMAL } analysis_var_kind;
typedef enum { ANALYSIS_SRC_CODE, ANALYSIS_SRC_UNIT, ANALYSIS_SRC_FRAME, ANALYSIS_SRC_MODE,
               ANALYSIS_SRC_QUESTION, ANALYSIS_SRC_OPTION, ANALYSIS_SRC_TEXT,
               ANALYSIS_SRC_WEIGHT } analysis_var_source;

typedef struct {
    char name[160];
    analysis_var_kind kind;
    analysis_var_source source;
    size_t index;  /* frame variable, question or text field */
    size_t option; /* box of a multi question */
    const char *label;
    size_t width;  /* bytes, for strings */
    char text_label[200];
} analysis_var;

/* The variables of data.csv in column order; the caller frees *out. Returns
 * their number (0 and *out NULL when out of memory). */
size_t analysis_vars_build(const analysis_data *d, analysis_var **out);

/* Variable v's cell for row r as data.csv holds it (comments masked, line
 * breaks as " / ", missing codes as numbers), possibly written into buf. */
const char *analysis_cell_value(const analysis_data *d, const analysis_var *v,
                                const analysis_row *r, char *buf, size_t size);

/* The longest cell of a string variable, in bytes (at least 1). */
size_t analysis_string_width(const analysis_data *d, const analysis_var *e);

#endif
