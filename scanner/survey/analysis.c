/*
 * analysis.c — loads the respondents (counted returns of frame codes) with
 * their frame variables and answers from the ledger, decides for each answer
 * its value or its missing-value code, computes post-stratification weights,
 * and writes the exports for analysis: data.csv with a codebook, an SPSS
 * syntax file (PSPP runs it), an R script, and the Swedish Excel dialect.
 * See analysis.h for the codes and the weighting rule.
 */
#include "survey/analysis.h"

#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/files.h"
#include "export/redact.h"
#include "ledger/survey_queries.h"

const char *analysis_missing_label(int code) {
    switch (code) {
    case ANALYSIS_UNANSWERED: return "Ej svar";
    case ANALYSIS_NOT_APPLICABLE: return "Ej aktuell (frågan hoppades över)";
    case ANALYSIS_REVIEW: return "Väntar på granskning";
    case ANALYSIS_PAGE_MISSING: return "Sidan saknas";
    default: return "";
    }
}

static const int missing_codes[] = {ANALYSIS_UNANSWERED, ANALYSIS_NOT_APPLICABLE, ANALYSIS_REVIEW,
                                    ANALYSIS_PAGE_MISSING};

int analysis_question_is_numeric(const template_question *q) {
    for (size_t b = 0; b < q->n_boxes; b++) {
        const char *v = q->boxes[b].value;
        char *end;
        if (!*v || (strtol(v, &end, 10), *end))
            return 0;
    }
    return 1;
}

int analysis_value_in(const char *list, const char *value) {
    if (!list)
        return 0;
    size_t len = strlen(value);
    for (const char *p = list; *p;) {
        while (*p == ' ')
            p++;
        const char *e = p;
        while (*e && *e != ' ')
            e++;
        if ((size_t)(e - p) == len && strncmp(p, value, len) == 0)
            return 1;
        p = e;
    }
    return 0;
}

/* ---- loading ---------------------------------------------------------------------------- */

static int strings_index(char *const *items, size_t n, const char *s) {
    for (size_t i = 0; i < n; i++)
        if (strcmp(items[i], s) == 0)
            return (int)i;
    return -1;
}

/* The answer's fate for question q of a row whose answers are loaded. */
static void decide_missing(const omr_template *t, analysis_row *r, const int *has_row,
                           const int *in_review) {
    for (size_t q = 0; q < t->n_questions; q++) {
        if (!has_row[q]) {
            free(r->values[q]);
            r->values[q] = NULL;
            r->missing[q] = ANALYSIS_PAGE_MISSING;
        } else if (in_review[q]) {
            free(r->values[q]);
            r->values[q] = NULL;
            r->missing[q] = ANALYSIS_REVIEW;
        } else if (!r->values[q] || !*r->values[q]) {
            free(r->values[q]);
            r->values[q] = NULL;
            r->missing[q] = ANALYSIS_UNANSWERED;
        } else
            r->missing[q] = 0;
    }
    /* routed past: the filter question was answered with a value that skips it */
    for (size_t q = 0; q < t->n_questions; q++) {
        const template_question *tq = &t->questions[q];
        if (r->missing[q] != ANALYSIS_UNANSWERED || !tq->only_if_question)
            continue;
        const template_question *filter = template_question_by_id(t, tq->only_if_question);
        if (!filter)
            continue;
        size_t f = (size_t)(filter - t->questions);
        if (r->missing[f] != 0)
            continue;
        int opens = 0;
        for (size_t i = 0; i < tq->n_only_if_values; i++)
            opens |= strcmp(r->values[f], tq->only_if_values[i]) == 0;
        if (!opens)
            r->missing[q] = ANALYSIS_NOT_APPLICABLE;
    }
}

/* A row of the analysis from one respondent as the ledger hands it. */
static int fill_row(const analysis_data *d, const survey_respondent *from, analysis_row *r,
                    int *has_row, int *in_review) {
    const omr_template *t = d->tmpl;
    size_t nq = t->n_questions, nt = t->n_text_fields;
    memset(r, 0, sizeof *r);
    r->code = from->code ? strdup(from->code) : NULL;
    r->unit = from->unit ? strdup(from->unit) : NULL;
    r->mode = from->mode ? strdup(from->mode) : NULL;
    r->flags = strdup(from->flags ? from->flags : "");
    r->weight = 1.0;
    r->vars = calloc(d->n_vars ? d->n_vars : 1, sizeof *r->vars);
    r->values = calloc(nq ? nq : 1, sizeof *r->values);
    r->missing = calloc(nq ? nq : 1, sizeof *r->missing);
    r->texts = calloc(nt ? nt : 1, sizeof *r->texts);
    if (!r->vars || !r->values || !r->missing || !r->texts)
        return OMR_ERR_MEMORY;
    for (size_t i = 0; i < from->n_vars; i++) {
        const survey_pair *p = &from->vars[i];
        int k = strings_index(d->var_names, d->n_vars, p->name);
        if (k >= 0 && !r->vars[k])
            r->vars[k] = p->value ? strdup(p->value) : NULL;
    }
    for (size_t k = 0; k < d->n_vars; k++)
        if (!r->vars[k])
            r->vars[k] = strdup("");
    memset(has_row, 0, (nq ? nq : 1) * sizeof *has_row);
    memset(in_review, 0, (nq ? nq : 1) * sizeof *in_review);
    for (size_t i = 0; i < from->n_answers; i++) {
        const survey_pair *p = &from->answers[i];
        const template_question *q = p->name ? template_question_by_id(t, p->name) : NULL;
        if (!q)
            continue;
        size_t qi = (size_t)(q - t->questions);
        has_row[qi] = 1;
        in_review[qi] = p->in_review;
        free(r->values[qi]);
        r->values[qi] = p->value ? strdup(p->value) : NULL;
    }
    decide_missing(t, r, has_row, in_review);
    for (size_t i = 0; i < from->n_texts; i++) {
        const survey_pair *p = &from->texts[i];
        for (size_t f = 0; f < nt; f++)
            if (p->name && strcmp(p->name, t->text_fields[f].id) == 0 && !r->texts[f])
                r->texts[f] = p->value ? strdup(p->value) : NULL;
    }
    for (size_t f = 0; f < nt; f++)
        if (!r->texts[f])
            r->texts[f] = strdup("");
    return OMR_OK;
}

int analysis_load(omr_db *db, const omr_template *t, analysis_data *d, omr_error *err) {
    memset(d, 0, sizeof *d);
    d->tmpl = t;
    int rc = frame_open(db, err);
    if (rc == OMR_OK)
        rc = survey_query_variables(db, t->id, &d->var_names, &d->n_vars, err);
    if (rc == OMR_OK)
        rc = survey_query_units(db, t->id, &d->units, &d->n_units, err);
    survey_respondent *from = NULL;
    size_t n = 0;
    if (rc == OMR_OK)
        rc = survey_query_respondents(db, t->id, &from, &n, err);
    if (rc != OMR_OK) {
        analysis_free(d);
        return rc;
    }
    size_t nq = t->n_questions;
    int *has_row = malloc((nq ? nq : 1) * sizeof *has_row);
    int *in_review = malloc((nq ? nq : 1) * sizeof *in_review);
    d->rows = calloc(n ? n : 1, sizeof *d->rows);
    if (!has_row || !in_review || !d->rows)
        rc = omr_fail(err, OMR_ERR_MEMORY, "out of memory for %zu respondents", n);
    for (size_t i = 0; i < n && rc == OMR_OK; i++) {
        d->n_rows++;
        if (fill_row(d, &from[i], &d->rows[i], has_row, in_review) != OMR_OK)
            rc = omr_fail(err, OMR_ERR_MEMORY, "out of memory for %zu respondents", n);
    }
    free(has_row);
    free(in_review);
    survey_respondents_free(from, n);
    if (rc != OMR_OK)
        analysis_free(d);
    return rc;
}

void analysis_free(analysis_data *d) {
    const omr_template *t = d->tmpl;
    for (size_t i = 0; i < d->n_rows; i++) {
        analysis_row *r = &d->rows[i];
        free(r->code);
        free(r->unit);
        free(r->mode);
        free(r->flags);
        for (size_t k = 0; r->vars && k < d->n_vars; k++)
            free(r->vars[k]);
        free(r->vars);
        if (t) {
            for (size_t q = 0; r->values && q < t->n_questions; q++)
                free(r->values[q]);
            for (size_t f = 0; r->texts && f < t->n_text_fields; f++)
                free(r->texts[f]);
        }
        free(r->values);
        free(r->missing);
        free(r->texts);
    }
    free(d->rows);
    for (size_t k = 0; k < d->n_vars; k++)
        free(d->var_names[k]);
    free(d->var_names);
    for (size_t k = 0; k < d->n_units; k++)
        free(d->units[k]);
    free(d->units);
    free(d->weight_vars);
    frame_strings_free(&d->notes);
    memset(d, 0, sizeof *d);
}

/* ---- weights ---------------------------------------------------------------------------- */

typedef struct {
    char *key;
    long population, respondents;
} weight_cell;

static weight_cell *cell_find(weight_cell **cells, size_t *n, const char *key, int add) {
    for (size_t i = 0; i < *n; i++)
        if (strcmp((*cells)[i].key, key) == 0)
            return &(*cells)[i];
    if (!add)
        return NULL;
    weight_cell *grown = realloc(*cells, (*n + 1) * sizeof **cells);
    if (!grown)
        return NULL;
    *cells = grown;
    (*cells)[*n] = (weight_cell){strdup(key), 0, 0};
    return &(*cells)[(*n)++];
}

/* Counts one of the population or one respondent in the cell `key`; 0 when
 * out of memory. */
static int cell_count(weight_cell **cells, size_t *n, const char *key, int respondent) {
    weight_cell *c = cell_find(cells, n, key, 1);
    if (!c)
        return 0;
    if (respondent)
        c->respondents++;
    else
        c->population++;
    return 1;
}

/* "unit=Järva, gender=Kvinna" from the values in the order of vars */
static void cell_key(char *buf, size_t size, char *const *vars, size_t n_vars, char *const *values) {
    buf[0] = 0;
    for (size_t i = 0; i < n_vars; i++) {
        size_t len = strlen(buf);
        snprintf(buf + len, size - len, "%s%s=%s", i ? ", " : "", vars[i], values[i]);
    }
}

int analysis_weight(omr_db *db, analysis_data *d, char *const *vars, size_t n_vars,
                    omr_error *err) {
    if (n_vars == 0)
        return OMR_OK;
    int *index = malloc(n_vars * sizeof *index); /* -1: unit, else frame variable */
    for (size_t i = 0; i < n_vars; i++) {
        if (strcmp(vars[i], "unit") == 0)
            index[i] = -1;
        else if ((index[i] = strings_index(d->var_names, d->n_vars, vars[i])) < 0) {
            char have[1024] = "unit";
            for (size_t k = 0; k < d->n_vars; k++) {
                size_t len = strlen(have);
                snprintf(have + len, sizeof have - len, ", %s", d->var_names[k]);
            }
            free(index);
            return omr_fail(err, OMR_ERR_INVALID,
                            "cannot weight on \"%s\": the frame of %s has no such variable (it has "
                            "%s)",
                            vars[i], d->tmpl->id, have);
        }
    }
    /* population counts per cell, from the whole frame */
    survey_frame_value *frame = NULL;
    size_t n_frame = 0;
    int rc = survey_query_frame_values(db, d->tmpl->id, &frame, &n_frame, err);
    if (rc != OMR_OK) {
        free(index);
        return rc;
    }
    weight_cell *cells = NULL;
    size_t n_cells = 0;
    char **values = calloc(n_vars, sizeof *values);
    if (!values) {
        survey_frame_values_free(frame, n_frame);
        free(index);
        return omr_fail(err, OMR_ERR_MEMORY, "out of memory weighting");
    }
    char key[2048];
    for (size_t f = 0; f < n_frame;) {
        /* one code's rows: its unit and the values of the weighting variables */
        const char *code = frame[f].code;
        for (; f < n_frame && strcmp(frame[f].code, code) == 0; f++)
            for (size_t i = 0; i < n_vars; i++) {
                if (index[i] < 0 && !values[i])
                    values[i] = strdup(frame[f].unit);
                else if (index[i] >= 0 && frame[f].name && strcmp(frame[f].name, vars[i]) == 0 &&
                         !values[i])
                    values[i] = strdup(frame[f].value ? frame[f].value : "");
            }
        for (size_t i = 0; i < n_vars; i++)
            if (!values[i])
                values[i] = strdup("");
        cell_key(key, sizeof key, vars, n_vars, values);
        if (!cell_count(&cells, &n_cells, key, 0))
            rc = OMR_ERR_MEMORY;
        for (size_t i = 0; i < n_vars; i++) {
            free(values[i]);
            values[i] = NULL;
        }
    }
    survey_frame_values_free(frame, n_frame);
    /* respondents per cell */
    char **row_keys = calloc(d->n_rows ? d->n_rows : 1, sizeof *row_keys);
    for (size_t r = 0; r < d->n_rows && row_keys; r++) {
        for (size_t i = 0; i < n_vars; i++)
            values[i] = index[i] < 0 ? d->rows[r].unit : d->rows[r].vars[index[i]];
        cell_key(key, sizeof key, vars, n_vars, values);
        row_keys[r] = strdup(key);
        if (!cell_count(&cells, &n_cells, key, 1))
            rc = OMR_ERR_MEMORY;
    }
    if (rc != OMR_OK || !row_keys) {
        for (size_t r = 0; row_keys && r < d->n_rows; r++)
            free(row_keys[r]);
        free(row_keys);
        for (size_t c = 0; c < n_cells; c++)
            free(cells[c].key);
        free(cells);
        free(values);
        free(index);
        return omr_fail(err, OMR_ERR_MEMORY, "out of memory weighting %zu respondents", d->n_rows);
    }
    /* the population that respondents can represent: cells with respondents */
    long covered = 0;
    for (size_t c = 0; c < n_cells; c++) {
        if (cells[c].respondents > 0)
            covered += cells[c].population;
        else {
            char note[2300];
            snprintf(note, sizeof note,
                     "viktning: inga svarande i cellen %s (%ld i urvalet); vikterna "
                     "representerar de övriga cellerna",
                     cells[c].key, cells[c].population);
            frame_strings_add(&d->notes, note);
        }
    }
    double n = (double)d->n_rows;
    for (size_t r = 0; r < d->n_rows; r++) {
        weight_cell *c = cell_find(&cells, &n_cells, row_keys[r], 0);
        assert(c && c->respondents > 0); /* every respondent was counted in its cell */
        d->rows[r].weight = covered > 0 ? ((double)c->population / (double)covered) /
                                              ((double)c->respondents / n)
                                        : 1.0;
        free(row_keys[r]);
    }
    free(row_keys);
    for (size_t c = 0; c < n_cells; c++)
        free(cells[c].key);
    free(cells);
    free(values);
    free(index);
    char joined[1024] = "";
    for (size_t i = 0; i < n_vars; i++) {
        size_t len = strlen(joined);
        snprintf(joined + len, sizeof joined - len, "%s%s", i ? "," : "", vars[i]);
    }
    free(d->weight_vars);
    d->weight_vars = strdup(joined);
    return OMR_OK;
}

/* ---- exports ---------------------------------------------------------------------------- */

size_t analysis_vars_build(const analysis_data *d, analysis_var **out) {
    const omr_template *t = d->tmpl;
    size_t cap = 8 + d->n_vars + t->n_text_fields;
    for (size_t q = 0; q < t->n_questions; q++)
        cap += t->questions[q].n_boxes;
    analysis_var *v = calloc(cap, sizeof *v);
    *out = v;
    if (!v)
        return 0;
    size_t n = 0;
    v[n++] = (analysis_var){.name = "code", .kind = ANALYSIS_VAR_STRING, .source = ANALYSIS_SRC_CODE,
                          .label = "Inloggningskod"};
    v[n++] = (analysis_var){.name = "unit", .kind = ANALYSIS_VAR_STRING, .source = ANALYSIS_SRC_UNIT,
                          .label = "Enhet (från urvalsramen)"};
    for (size_t k = 0; k < d->n_vars; k++) {
        analysis_var *e = &v[n++];
        snprintf(e->name, sizeof e->name, "%s", d->var_names[k]);
        e->kind = ANALYSIS_VAR_STRING;
        e->source = ANALYSIS_SRC_FRAME;
        e->index = k;
        snprintf(e->text_label, sizeof e->text_label, "%s (från urvalsramen)", d->var_names[k]);
        e->label = e->text_label;
    }
    v[n++] = (analysis_var){.name = "mode", .kind = ANALYSIS_VAR_STRING, .source = ANALYSIS_SRC_MODE,
                          .label = "Svarssätt (papper eller webb)"};
    for (size_t q = 0; q < t->n_questions; q++) {
        const template_question *tq = &t->questions[q];
        if (tq->type == QUESTION_MULTI) {
            for (size_t b = 0; b < tq->n_boxes; b++) {
                analysis_var *e = &v[n++];
                snprintf(e->name, sizeof e->name, "%s_%s", tq->id, tq->boxes[b].value);
                e->kind = ANALYSIS_VAR_NUMERIC;
                e->source = ANALYSIS_SRC_OPTION;
                e->index = q;
                e->option = b;
                snprintf(e->text_label, sizeof e->text_label, "%s: %s", tq->text,
                         tq->boxes[b].label ? tq->boxes[b].label : tq->boxes[b].value);
                e->label = e->text_label;
            }
            continue;
        }
        analysis_var *e = &v[n++];
        snprintf(e->name, sizeof e->name, "%s", tq->id);
        e->kind = analysis_question_is_numeric(tq) ? ANALYSIS_VAR_NUMERIC : ANALYSIS_VAR_STRING;
        e->source = ANALYSIS_SRC_QUESTION;
        e->index = q;
        e->label = tq->text;
    }
    for (size_t f = 0; f < t->n_text_fields; f++) {
        analysis_var *e = &v[n++];
        snprintf(e->name, sizeof e->name, "%s", t->text_fields[f].id);
        e->kind = ANALYSIS_VAR_STRING;
        e->source = ANALYSIS_SRC_TEXT;
        e->index = f;
        e->label = t->text_fields[f].prompt ? t->text_fields[f].prompt : t->text_fields[f].id;
    }
    if (d->weight_vars) {
        analysis_var *e = &v[n++];
        snprintf(e->name, sizeof e->name, "weight");
        e->kind = ANALYSIS_VAR_DECIMAL;
        e->source = ANALYSIS_SRC_WEIGHT;
        snprintf(e->text_label, sizeof e->text_label, "Vikt (poststratifiering på %s)",
                 d->weight_vars);
        e->label = e->text_label;
    }
    *out = v;
    return n;
}

/* The cell of variable v for row r, into buf; line breaks become " / " so
 * that every respondent is one physical line (PSPP and SPSS read by line). */
const char *analysis_cell_value(const analysis_data *d, const analysis_var *v, const analysis_row *r,
                              char *buf, size_t size) {
    const omr_template *t = d->tmpl;
    switch (v->source) {
    case ANALYSIS_SRC_CODE: return r->code;
    case ANALYSIS_SRC_UNIT: return r->unit;
    case ANALYSIS_SRC_FRAME: return r->vars[v->index];
    case ANALYSIS_SRC_MODE: return r->mode;
    case ANALYSIS_SRC_QUESTION:
        if (r->missing[v->index]) {
            snprintf(buf, size, "%d", r->missing[v->index]);
            return v->kind == ANALYSIS_VAR_NUMERIC ? buf : "";
        }
        return r->values[v->index];
    case ANALYSIS_SRC_OPTION: {
        const template_question *q = &t->questions[v->index];
        if (r->missing[v->index])
            snprintf(buf, size, "%d", r->missing[v->index]);
        else
            snprintf(buf, size, "%d",
                     analysis_value_in(r->values[v->index], q->boxes[v->option].value));
        return buf;
    }
    case ANALYSIS_SRC_TEXT: {
        /* personal data masked (export/redact.h); the ledger keeps the text as read */
        char *masked = redact_comment(r->texts[v->index]);
        const char *s = masked ? masked : "[maskeringen misslyckades: minnet räckte inte]";
        size_t o = 0;
        for (; *s && o + 4 < size; s++) {
            if (*s == '\r')
                continue;
            if (*s == '\n') {
                memcpy(buf + o, " / ", 3);
                o += 3;
            } else
                buf[o++] = *s;
        }
        buf[o] = 0;
        free(masked);
        return buf;
    }
    case ANALYSIS_SRC_WEIGHT: snprintf(buf, size, "%.6f", r->weight); return buf;
    }
    return "";
}

/* Returns 0, or -1 when out of memory (the file is then abandoned). */
static int write_data(FILE *f, const analysis_data *d, const analysis_var *v, size_t nv, int excel) {
    char delim = excel ? ';' : ',';
    if (excel)
        fputs("\xEF\xBB\xBF", f);
    for (size_t i = 0; i < nv; i++) {
        if (i)
            fputc(delim, f);
        omr_csv_field(f, v[i].name, delim);
    }
    fputs("\r\n", f);
    char *buf = malloc(65536);
    if (!buf)
        return -1;
    for (size_t r = 0; r < d->n_rows; r++) {
        for (size_t i = 0; i < nv; i++) {
            if (i)
                fputc(delim, f);
            const char *s = analysis_cell_value(d, &v[i], &d->rows[r], buf, 65536);
            if (excel && v[i].kind == ANALYSIS_VAR_DECIMAL && s == buf) {
                char *dot = strchr(buf, '.');
                if (dot)
                    *dot = ',';
            }
            /* in the Excel file, strings (comments, units, frame variables) are text,
             * formula-neutralised; data.csv is read by the R and SPSS scripts, which
             * must get the values as they are. Numbers and missing-value codes (-9)
             * stay numbers in both (base/files.h) */
            omr_csv_cell(f, s, delim, excel && v[i].kind == ANALYSIS_VAR_STRING ? OMR_CSV_TEXT : OMR_CSV_PLAIN);
        }
        fputs("\r\n", f);
    }
    free(buf);
    return 0;
}

static const char *kind_name(analysis_var_kind k) {
    return k == ANALYSIS_VAR_STRING ? "string" : k == ANALYSIS_VAR_NUMERIC ? "numeric" : "decimal";
}

/* codebook.csv: variable, type, question, value, label, missing */
static void write_codebook(FILE *f, const analysis_data *d, const analysis_var *v, size_t nv) {
    static const char *const head[] = {"variable", "type", "question", "value", "label", "missing"};
    omr_csv_row(f, head, 6);
    const omr_template *t = d->tmpl;
    for (size_t i = 0; i < nv; i++) {
        const analysis_var *e = &v[i];
        const char *row[] = {e->name, kind_name(e->kind), e->label, "", "", ""};
        omr_csv_row_kinds(f, row, 6, "pptptp");
        if (e->source == ANALYSIS_SRC_QUESTION && e->kind == ANALYSIS_VAR_NUMERIC) {
            const template_question *q = &t->questions[e->index];
            for (size_t b = 0; b < q->n_boxes; b++) {
                const char *vr[] = {e->name, kind_name(e->kind), e->label, q->boxes[b].value,
                                    q->boxes[b].label ? q->boxes[b].label : "", ""};
                omr_csv_row_kinds(f, vr, 6, "pptptp");
            }
        } else if (e->source == ANALYSIS_SRC_OPTION) {
            const char *one[] = {e->name, kind_name(e->kind), e->label, "1", "Markerad", ""};
            const char *zero[] = {e->name, kind_name(e->kind), e->label, "0",
                                  "Ej markerad", ""};
            omr_csv_row_kinds(f, one, 6, "pptptp");
            omr_csv_row_kinds(f, zero, 6, "pptptp");
        }
        if (e->source == ANALYSIS_SRC_QUESTION || e->source == ANALYSIS_SRC_OPTION) {
            for (size_t m = 0; m < 4; m++) {
                char code[16];
                snprintf(code, sizeof code, "%d", missing_codes[m]);
                const char *mr[] = {e->name, kind_name(e->kind), e->label,
                                    e->kind == ANALYSIS_VAR_NUMERIC ? code : "",
                                    analysis_missing_label(missing_codes[m]), "missing"};
                omr_csv_row_kinds(f, mr, 6, "pptptp");
                if (e->kind != ANALYSIS_VAR_NUMERIC)
                    break; /* a string question: empty is its only missing value */
            }
        }
    }
}

/* A quoted string for SPSS syntax ('' inside, UTF-8 as is) or R ("\"" inside,
 * non-ASCII as \u escapes so the script reads the same in any locale). */
static void put_quoted(FILE *f, const char *s, char quote) {
    fputc(quote, f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (quote == '"' && c >= 0x80) {
            unsigned cp = 0;
            int extra = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : 1;
            cp = c & (0x3F >> extra);
            for (int k = 0; k < extra && (s[1] & 0xC0) == 0x80; k++)
                cp = (cp << 6) | ((unsigned char)*++s & 0x3F);
            fprintf(f, cp > 0xFFFF ? "\\U{%X}" : "\\u%04X", cp);
            continue;
        }
        if (*s == quote)
            fputc(quote == '\'' ? '\'' : '\\', f);
        if (*s == '\\' && quote == '"')
            fputc('\\', f);
        if (*s == '\n' || *s == '\r') {
            fputc(' ', f);
            continue;
        }
        fputc(*s, f);
    }
    fputc(quote, f);
}

size_t analysis_string_width(const analysis_data *d, const analysis_var *e) {
    size_t w = 1;
    char *buf = malloc(65536);
    if (!buf)
        return -1;
    for (size_t r = 0; r < d->n_rows; r++) {
        const char *s = analysis_cell_value(d, e, &d->rows[r], buf, 65536);
        size_t len = s ? strlen(s) : 0;
        if (len > w)
            w = len;
    }
    free(buf);
    return w > 32767 ? 32767 : w;
}

static void write_spss(FILE *f, const analysis_data *d, analysis_var *v, size_t nv) {
    const omr_template *t = d->tmpl;
    fprintf(f, "* Encoding: UTF-8.\n"
               "* %s: exporterad av omr för analys. Läser data.csv i aktuell mapp\n"
               "* (byt till den först, eller ändra FILE), sätter etiketter och sparar data.sav.\n"
               "* Koder för saknade värden: -9 ej svar, -8 ej aktuell (frågan hoppades över),\n"
               "* -7 väntar på granskning, -6 sidan saknas.\n"
               "* Varje rad inne i ett kommando börjar med ett format eller ett snedstreck, så\n"
               "* att inget variabelnamn läses som början på ett kommando.\n",
            t->id);
    fputs("GET DATA\n  /TYPE=TXT\n  /FILE='data.csv'\n  /ENCODING='UTF-8'\n"
          "  /ARRANGEMENT=DELIMITED\n  /DELCASE=LINE\n  /FIRSTCASE=2\n  /DELIMITERS=','\n"
          "  /QUALIFIER='\"'\n  /VARIABLES=",
          f);
    for (size_t i = 0; i < nv; i++) {
        analysis_var *e = &v[i];
        fprintf(f, " %s\n  ", e->name); /* the name ends a line, its format starts the next */
        if (e->kind == ANALYSIS_VAR_STRING) {
            e->width = analysis_string_width(d, e);
            fprintf(f, "A%zu", e->width);
        } else if (e->kind == ANALYSIS_VAR_NUMERIC)
            fputs("F3.0", f);
        else
            fputs("F10.6", f);
    }
    fputs(".\n", f);
    /* the first name follows the command on its line; the others start with '/' */
    fputs("VARIABLE LABELS", f);
    for (size_t i = 0; i < nv; i++) {
        fprintf(f, i ? "\n  /%s " : " %s ", v[i].name);
        put_quoted(f, v[i].label, '\'');
    }
    fputs(".\n", f);
    fputs("VALUE LABELS", f);
    for (size_t i = 0; i < nv; i++) {
        const analysis_var *e = &v[i];
        if (e->kind != ANALYSIS_VAR_NUMERIC)
            continue;
        fprintf(f, "\n  /%s", e->name);
        if (e->source == ANALYSIS_SRC_QUESTION) {
            const template_question *q = &t->questions[e->index];
            for (size_t b = 0; b < q->n_boxes; b++) {
                fprintf(f, "\n    %s ", q->boxes[b].value);
                put_quoted(f, q->boxes[b].label ? q->boxes[b].label : q->boxes[b].value, '\'');
            }
        } else
            fputs("\n    1 'Markerad'\n    0 'Ej markerad'", f);
        for (size_t m = 0; m < 4; m++) {
            fprintf(f, "\n    %d ", missing_codes[m]);
            put_quoted(f, analysis_missing_label(missing_codes[m]), '\'');
        }
    }
    fputs(".\n", f);
    fputs("MISSING VALUES", f);
    int first = 1;
    for (size_t i = 0; i < nv; i++)
        if (v[i].kind == ANALYSIS_VAR_NUMERIC) {
            fprintf(f, first ? " %s (LOWEST THRU -1)" : "\n  /%s (LOWEST THRU -1)", v[i].name);
            first = 0;
        }
    fputs(".\n", f);
    fputs("VARIABLE LEVEL", f);
    for (size_t i = 0; i < nv; i++) {
        const analysis_var *e = &v[i];
        const char *level = "NOMINAL";
        if (e->kind == ANALYSIS_VAR_DECIMAL)
            level = "SCALE";
        else if (e->source == ANALYSIS_SRC_QUESTION && t->questions[e->index].type == QUESTION_SCALE &&
                 e->kind == ANALYSIS_VAR_NUMERIC)
            level = "ORDINAL";
        fprintf(f, i ? "\n  /%s (%s)" : " %s (%s)", e->name, level);
    }
    fputs(".\n", f);
    if (d->weight_vars)
        fputs("WEIGHT BY weight.\n", f);
    fputs("SAVE OUTFILE='data.sav'.\n", f);
}

static void write_r(FILE *f, const analysis_data *d, const analysis_var *v, size_t nv) {
    const omr_template *t = d->tmpl;
    fprintf(f,
            "# %s: exporterad av omr för analys. Läser data.csv (bredvid skriptet, eller\n"
            "# filen som omr_data_file anger) till dataramen `d`, med varje kolumns fråga\n"
            "# i attr(, \"label\") och dess värdeetiketter i attr(, \"labels\") (en namngiven\n"
            "# vektor, som haven använder). Koder för saknade värden blir NA; vilken kod det\n"
            "# var sparas i kolumnens attr(, \"missing_codes\"): -9 ej svar, -8 ej aktuell\n"
            "# (frågan hoppades över), -7 väntar på granskning, -6 sidan saknas.\n"
            "# Kör: Rscript data.R, eller source(\"data.R\") i R.\n",
            t->id);
    fputs("omr_file <- if (exists(\"omr_data_file\")) omr_data_file else \"data.csv\"\n", f);
    fputs("d <- read.csv(omr_file, fileEncoding = \"UTF-8\", encoding = \"UTF-8\",\n"
          "              na.strings = character(0), check.names = FALSE,\n"
          "              stringsAsFactors = FALSE, colClasses = c(",
          f);
    for (size_t i = 0; i < nv; i++) {
        if (i)
            fputs(",\n                                               ", f);
        put_quoted(f, v[i].name, '"');
        fprintf(f, " = \"%s\"", v[i].kind == ANALYSIS_VAR_STRING ? "character" : "numeric");
    }
    fputs("))\n", f);
    fputs("omr_label <- function(x, label, labels = NULL, missing = FALSE) {\n"
          "  if (missing) {\n"
          "    codes <- ifelse(!is.na(x) & x < 0, x, NA)\n"
          "    x[!is.na(x) & x < 0] <- NA\n"
          "    attr(x, \"missing_codes\") <- codes\n"
          "  }\n"
          "  attr(x, \"label\") <- label\n"
          "  if (!is.null(labels)) attr(x, \"labels\") <- labels\n"
          "  x\n"
          "}\n",
          f);
    for (size_t i = 0; i < nv; i++) {
        const analysis_var *e = &v[i];
        fputs("d[[", f);
        put_quoted(f, e->name, '"');
        fputs("]] <- omr_label(d[[", f);
        put_quoted(f, e->name, '"');
        fputs("]], ", f);
        put_quoted(f, e->label, '"');
        if (e->kind == ANALYSIS_VAR_NUMERIC) {
            fputs(", c(", f);
            if (e->source == ANALYSIS_SRC_QUESTION) {
                const template_question *q = &t->questions[e->index];
                for (size_t b = 0; b < q->n_boxes; b++) {
                    if (b)
                        fputs(", ", f);
                    put_quoted(f, q->boxes[b].label ? q->boxes[b].label : q->boxes[b].value, '"');
                    fprintf(f, " = %s", q->boxes[b].value);
                }
            } else
                fputs("\"Markerad\" = 1, \"Ej markerad\" = 0", f);
            fputs("), missing = TRUE", f);
        }
        fputs(")\n", f);
    }
    fputs("invisible(d)\n", f);
}

int analysis_export(const analysis_data *d, const char *dir, const analysis_export_options *o,
                    omr_error *err) {
    if (mkdir(dir, 0777) != 0 && errno != EEXIST)
        return omr_fail(err, OMR_ERR_IO, "cannot create %s: %s", dir, strerror(errno));
    analysis_var *v = NULL;
    size_t nv = analysis_vars_build(d, &v);
    if (!v)
        return omr_fail(err, OMR_ERR_MEMORY, "out of memory listing the variables of %s", dir);
    static const char *const names[] = {"data.csv", "codebook.csv", "data.sps", "data.R",
                                        "data-excel.csv"};
    int rc = OMR_OK;
    for (size_t i = 0; i < 5 && rc == OMR_OK; i++) {
        if (i == 4 && !(o && o->excel))
            break;
        omr_atomic_file of;
        if ((rc = omr_atomic_open(&of, dir, names[i], err)) != OMR_OK)
            break;
        int written = 0;
        switch (i) {
        case 0: written = write_data(of.fp, d, v, nv, 0); break;
        case 1: write_codebook(of.fp, d, v, nv); break;
        case 2: write_spss(of.fp, d, v, nv); break;
        case 3: write_r(of.fp, d, v, nv); break;
        default: written = write_data(of.fp, d, v, nv, 1); break;
        }
        if (written != 0) {
            omr_atomic_abort(&of);
            rc = omr_fail(err, OMR_ERR_MEMORY, "out of memory writing %s/%s", dir, names[i]);
            break;
        }
        rc = omr_atomic_commit(&of, err);
    }
    free(v);
    return rc;
}
