/*
 * analysis_labelled.c — data.sav and data.dta through libreadstat (the
 * rules are in analysis_labelled.h). One pass declares the variables, their
 * labels, value labels and missing values from analysis.c's variable list;
 * a second writes the rows from the same cells as data.csv, so the three
 * files cannot disagree. Bytes go to one atomic file (base/files.h).
 */
#include "survey/analysis_labelled.h"

#include <readstat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/files.h"

#define DTA_LABEL_MAX 80
#define DTA_STRING_MAX 2045
#define CELL_MAX 65536

static const int missing_codes[4] = {ANALYSIS_UNANSWERED, ANALYSIS_NOT_APPLICABLE, ANALYSIS_REVIEW,
                                     ANALYSIS_PAGE_MISSING};

/* Stata's extended missing value for a missing code: .a for -9 ... .d for -6. */
static char dta_tag(int code) { return (char)('a' + (code - ANALYSIS_UNANSWERED)); }

static ssize_t write_bytes(const void *data, size_t len, void *ctx) {
    return fwrite(data, 1, len, (FILE *)ctx) == len ? (ssize_t)len : -1;
}

/* `s` cut to at most `max` bytes on a UTF-8 character boundary, into buf. */
static const char *utf8_cut(const char *s, size_t max, char *buf, size_t size) {
    size_t len = strlen(s);
    if (len <= max)
        return s;
    if (max >= size)
        max = size - 1;
    while (max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80)
        max--;
    memcpy(buf, s, max);
    buf[max] = 0;
    return buf;
}

static int is_missing_code(long v) { return v >= ANALYSIS_UNANSWERED && v <= ANALYSIS_PAGE_MISSING; }

typedef struct {
    readstat_writer_t *w;
    readstat_variable_t **vars;
    const analysis_var *v;
    size_t nv;
    int dta;
} labelled_writer;

/* Declares variable i with its labels and missing values. */
static void declare(labelled_writer *lw, const analysis_data *d, size_t i) {
    const analysis_var *e = &lw->v[i];
    const omr_template *t = d->tmpl;
    char cut[DTA_LABEL_MAX + 8];
    const char *label = lw->dta ? utf8_cut(e->label ? e->label : "", DTA_LABEL_MAX, cut, sizeof cut)
                                : (e->label ? e->label : "");
    readstat_variable_t *var;
    if (e->kind == ANALYSIS_VAR_STRING) {
        size_t width = analysis_string_width(d, e);
        if (lw->dta && width > DTA_STRING_MAX)
            width = DTA_STRING_MAX;
        var = readstat_add_variable(lw->w, e->name, READSTAT_TYPE_STRING, width);
        readstat_variable_set_label(var, label);
        readstat_variable_set_measure(var, READSTAT_MEASURE_NOMINAL);
        lw->vars[i] = var;
        return;
    }
    if (e->kind == ANALYSIS_VAR_DECIMAL) {
        var = readstat_add_variable(lw->w, e->name, READSTAT_TYPE_DOUBLE, 0);
        readstat_variable_set_label(var, label);
        readstat_variable_set_measure(var, READSTAT_MEASURE_SCALE);
        readstat_variable_set_format(var, lw->dta ? "%9.6f" : "F10.6");
        lw->vars[i] = var;
        return;
    }
    /* numeric: a question's values or a multiple-choice option's 1/0, labelled */
    char set_name[32];
    snprintf(set_name, sizeof set_name, "l%zu", i);
    readstat_label_set_t *set =
        readstat_add_label_set(lw->w, lw->dta ? READSTAT_TYPE_INT32 : READSTAT_TYPE_DOUBLE, set_name);
    if (e->source == ANALYSIS_SRC_QUESTION) {
        const template_question *q = &t->questions[e->index];
        for (size_t b = 0; b < q->n_boxes; b++) {
            long value = atol(q->boxes[b].value);
            const char *text = q->boxes[b].label ? q->boxes[b].label : q->boxes[b].value;
            if (lw->dta)
                readstat_label_int32_value(set, (int32_t)value, text);
            else
                readstat_label_double_value(set, (double)value, text);
        }
    } else {
        if (lw->dta) {
            readstat_label_int32_value(set, 1, "Markerad");
            readstat_label_int32_value(set, 0, "Ej markerad");
        } else {
            readstat_label_double_value(set, 1, "Markerad");
            readstat_label_double_value(set, 0, "Ej markerad");
        }
    }
    for (size_t m = 0; m < 4; m++) {
        if (lw->dta)
            readstat_label_tagged_value(set, dta_tag(missing_codes[m]),
                                        analysis_missing_label(missing_codes[m]));
        else
            readstat_label_double_value(set, missing_codes[m], analysis_missing_label(missing_codes[m]));
    }
    var = readstat_add_variable(lw->w, e->name, lw->dta ? READSTAT_TYPE_INT32 : READSTAT_TYPE_DOUBLE, 0);
    readstat_variable_set_label(var, label);
    readstat_variable_set_label_set(var, set);
    int scale = e->source == ANALYSIS_SRC_QUESTION && t->questions[e->index].type == QUESTION_SCALE;
    readstat_variable_set_measure(var, scale ? READSTAT_MEASURE_ORDINAL : READSTAT_MEASURE_NOMINAL);
    if (!lw->dta) {
        readstat_variable_set_format(var, "F3.0");
        readstat_variable_add_missing_double_range(var, ANALYSIS_UNANSWERED, ANALYSIS_PAGE_MISSING);
    }
    lw->vars[i] = var;
}

/* Writes one cell. */
static readstat_error_t insert(labelled_writer *lw, size_t i, const char *cell) {
    const analysis_var *e = &lw->v[i];
    readstat_variable_t *var = lw->vars[i];
    if (e->kind == ANALYSIS_VAR_STRING) {
        char cut[DTA_STRING_MAX + 8];
        const char *s = cell ? cell : "";
        if (lw->dta)
            s = utf8_cut(s, DTA_STRING_MAX, cut, sizeof cut);
        return readstat_insert_string_value(lw->w, var, s);
    }
    if (!cell || !*cell)
        return readstat_insert_missing_value(lw->w, var);
    if (e->kind == ANALYSIS_VAR_DECIMAL)
        return readstat_insert_double_value(lw->w, var, atof(cell));
    long value = atol(cell);
    if (!lw->dta)
        return readstat_insert_double_value(lw->w, var, (double)value);
    if (is_missing_code(value))
        return readstat_insert_tagged_missing_value(lw->w, var, dta_tag((int)value));
    return readstat_insert_int32_value(lw->w, var, (int32_t)value);
}

int analysis_write_labelled(const analysis_data *d, const char *dir,
                            analysis_labelled_format format, omr_error *err) {
    const char *name = format == ANALYSIS_DTA ? "data.dta" : "data.sav";
    labelled_writer lw = {.dta = format == ANALYSIS_DTA};
    analysis_var *v = NULL;
    lw.nv = analysis_vars_build(d, &v);
    lw.v = v;
    lw.vars = calloc(lw.nv ? lw.nv : 1, sizeof *lw.vars);
    char *buf = malloc(CELL_MAX);
    lw.w = readstat_writer_init();
    if (!v || !lw.vars || !buf || !lw.w) {
        free(v);
        free(lw.vars);
        free(buf);
        if (lw.w)
            readstat_writer_free(lw.w);
        return omr_fail(err, OMR_ERR_MEMORY, "out of memory writing %s/%s", dir, name);
    }
    omr_atomic_file of;
    int rc = omr_atomic_open(&of, dir, name, err);
    readstat_error_t st = READSTAT_OK;
    if (rc == OMR_OK) {
        readstat_set_data_writer(lw.w, write_bytes);
        readstat_writer_set_file_label(lw.w, d->tmpl->title ? d->tmpl->title : d->tmpl->id);
        for (size_t i = 0; i < lw.nv; i++) {
            declare(&lw, d, i);
            /* SPSS keeps WEIGHT BY in the file, as data.sps sets it */
            if (!lw.dta && v[i].source == ANALYSIS_SRC_WEIGHT)
                st = readstat_writer_set_fweight_variable(lw.w, lw.vars[i]);
        }
        if (st == READSTAT_OK && lw.dta) {
            st = readstat_writer_set_file_format_version(lw.w, 118);
            if (st == READSTAT_OK)
                st = readstat_begin_writing_dta(lw.w, of.fp, (long)d->n_rows);
        } else if (st == READSTAT_OK)
            st = readstat_begin_writing_sav(lw.w, of.fp, (long)d->n_rows);
        for (size_t r = 0; r < d->n_rows && st == READSTAT_OK; r++) {
            st = readstat_begin_row(lw.w);
            for (size_t i = 0; i < lw.nv && st == READSTAT_OK; i++)
                st = insert(&lw, i, analysis_cell_value(d, &v[i], &d->rows[r], buf, CELL_MAX));
            if (st == READSTAT_OK)
                st = readstat_end_row(lw.w);
        }
        if (st == READSTAT_OK)
            st = readstat_end_writing(lw.w);
        if (st != READSTAT_OK) {
            omr_atomic_abort(&of);
            rc = omr_fail(err, OMR_ERR_IO, "cannot write %s/%s: %s", dir, name,
                          readstat_error_message(st));
        } else
            rc = omr_atomic_commit(&of, err);
    }
    readstat_writer_free(lw.w);
    free(buf);
    free(lw.vars);
    free(v);
    return rc;
}
