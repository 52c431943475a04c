/*
 * export_records.c — records.csv and review.csv, written in one walk over the
 * ledger's returns (ledger/export_queries.h). Column order in records.csv is
 * a contract that other tools rely on: code, status, review_items, the
 * answers in template order (multi-choice options as <question>.<value> =
 * 1/0), the text fields, then provenance (template, flags, review_reasons,
 * confirmed, sources, return). New columns only ever go at the end. With
 * several templates, the columns are the union in order of the templates
 * given, and a return leaves the others' columns empty. A page that is
 * missing leaves its answers empty (unknown), never "0".
 */
#include "export/export_write.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "base/files.h"
#include "export/redact.h"

/* Is `id` a column already written for an earlier template? */
static int column_seen(const omr_template *const *templates, size_t upto, const char *question,
                       const char *value, int is_text) {
    for (size_t k = 0; k < upto; k++) {
        const omr_template *t = templates[k];
        if (is_text) {
            for (size_t i = 0; i < t->n_text_fields; i++)
                if (strcmp(t->text_fields[i].id, question) == 0)
                    return 1;
            continue;
        }
        const template_question *q = template_question_by_id(t, question);
        if (!q || (q->type == QUESTION_MULTI) != (value != NULL))
            continue;
        if (!value)
            return 1;
        for (size_t b = 0; b < q->n_boxes; b++)
            if (strcmp(q->boxes[b].value, value) == 0)
                return 1;
    }
    return 0;
}

typedef struct {
    const char *question; /* question or text field id */
    const char *value;    /* multi option value, or NULL */
    int is_text;
    char name[160];
} column;

/* The columns between review_items and the provenance, in order; 0 when out
 * of memory. */
static int build_columns(const omr_template *const *templates, size_t n_templates, column **out, size_t *n_out) {
    size_t n = 0, cap = 64;
    column *cols = malloc(cap * sizeof *cols);
    if (!cols)
        return 0;
    for (int pass = 0; pass < 2; pass++) /* answers first, then text fields */
        for (size_t k = 0; k < n_templates; k++) {
            const omr_template *t = templates[k];
            size_t count = pass == 0 ? t->n_questions : t->n_text_fields;
            for (size_t i = 0; i < count; i++) {
                const template_question *q = pass == 0 ? &t->questions[i] : NULL;
                size_t options = q && q->type == QUESTION_MULTI ? q->n_boxes : 1;
                for (size_t b = 0; b < options; b++) {
                    const char *id = q ? q->id : t->text_fields[i].id;
                    const char *value = q && q->type == QUESTION_MULTI ? q->boxes[b].value : NULL;
                    if (column_seen(templates, k, id, value, pass == 1))
                        continue;
                    if (n == cap) {
                        column *grown = realloc(cols, cap * 2 * sizeof *cols);
                        if (!grown) {
                            free(cols);
                            return 0;
                        }
                        cols = grown;
                        cap *= 2;
                    }
                    column *c = &cols[n++];
                    c->question = id;
                    c->value = value;
                    c->is_text = pass == 1;
                    if (value)
                        snprintf(c->name, sizeof c->name, "%s.%s", id, value);
                    else
                        snprintf(c->name, sizeof c->name, "%s", id);
                }
            }
        }
    assert(n <= cap);
    *out = cols;
    *n_out = n;
    return 1;
}

static int return_incomplete(const export_return *r) {
    if (r->web)
        return 0;
    for (size_t p = 0; p < r->tmpl->n_pages; p++)
        if (!r->page_present[p])
            return 1;
    return 0;
}

/* A return with a page missing is incomplete whatever else needs a person:
 * its missing page's answers are empty, and "review" would say the rest was
 * read (flags `missing_page:` and `missing_questions:` say what is absent). */
static const char *return_status(const export_return *r) {
    if (return_incomplete(r))
        return "incomplete";
    return r->n_items ? "review" : "ok";
}

/* Is `value` one of the space-separated words of `list`? */
static int list_has(const char *list, const char *value) {
    size_t n = strlen(value);
    for (const char *p = list; p && *p;) {
        while (*p == ' ')
            p++;
        size_t len = strcspn(p, " ");
        if (len == n && strncmp(p, value, n) == 0)
            return 1;
        p += len;
    }
    return 0;
}

static const char *cell_for(const export_return *r, const column *c, char *buf, size_t size) {
    const omr_template *t = r->tmpl;
    if (c->is_text) {
        for (size_t i = 0; i < t->n_text_fields; i++)
            if (strcmp(t->text_fields[i].id, c->question) == 0)
                return r->texts[i] ? r->texts[i] : "";
        return "";
    }
    const template_question *q = template_question_by_id(t, c->question);
    if (!q || (q->type == QUESTION_MULTI) != (c->value != NULL))
        return "";
    size_t i = (size_t)(q - t->questions);
    if (!r->has_answer[i])
        return ""; /* page missing: unknown, not "no" */
    if (!c->value)
        return r->answers[i] ? r->answers[i] : "";
    snprintf(buf, size, "%d", list_has(r->answers[i], c->value));
    return buf;
}

static void write_record(FILE *out, const export_return *r, const column *cols, size_t n_cols) {
    const omr_template *t = r->tmpl;
    omr_strbuf items = {0}, reasons = {0}, flags = {0}, confirmed = {0};
    for (size_t i = 0; i < r->n_items; i++) {
        omr_strbuf_add(&items, " ", r->items[i].item);
        char reason[1400];
        snprintf(reason, sizeof reason, "%s: %s", r->items[i].item, r->items[i].reason);
        omr_strbuf_add(&reasons, "; ", reason);
    }
    if (r->flags && *r->flags)
        omr_strbuf_add(&flags, " ", r->flags);
    for (size_t i = 0; i < t->n_text_fields; i++)
        if (r->text_pending[i]) {
            char flag[160];
            snprintf(flag, sizeof flag, "ocr_pending:%s", t->text_fields[i].id);
            omr_strbuf_add(&flags, " ", flag);
        }
    for (size_t i = 0; i < t->n_questions; i++)
        if (r->answer_confirmed[i])
            omr_strbuf_add(&confirmed, " ", t->questions[i].id);
    for (size_t i = 0; i < t->n_text_fields; i++)
        if (r->text_confirmed[i])
            omr_strbuf_add(&confirmed, " ", t->text_fields[i].id);

    omr_csv_field(out, r->code, ',');
    fputc(',', out);
    fputs(return_status(r), out);
    fputc(',', out);
    omr_csv_field(out, items.s ? items.s : "", ',');
    for (size_t i = 0; i < n_cols; i++) {
        char buf[16];
        fputc(',', out);
        /* a text field's cell is text (formula-neutralised), with personal data
         * masked (export/redact.h; the ledger keeps it as read); answers are codes */
        if (cols[i].is_text) {
            char *masked = redact_comment(cell_for(r, &cols[i], buf, sizeof buf));
            omr_csv_cell(out, masked ? masked : "[masking failed: out of memory]", ',', OMR_CSV_TEXT);
            free(masked);
        } else
            omr_csv_cell(out, cell_for(r, &cols[i], buf, sizeof buf), ',', OMR_CSV_PLAIN);
    }
    char id[32];
    snprintf(id, sizeof id, "%lld", r->id);
    const char *prov[] = {t->id, flags.s ? flags.s : "", reasons.s ? reasons.s : "",
                          confirmed.s ? confirmed.s : "", r->sources ? r->sources : "", id};
    static const omr_csv_kind prov_kind[] = {OMR_CSV_PLAIN, OMR_CSV_PLAIN, OMR_CSV_TEXT,
                                             OMR_CSV_PLAIN, OMR_CSV_FILE,  OMR_CSV_PLAIN};
    for (size_t i = 0; i < sizeof prov / sizeof prov[0]; i++) {
        fputc(',', out);
        omr_csv_cell(out, prov[i], ',', prov_kind[i]);
    }
    fputs("\r\n", out);
    omr_strbuf_free(&items);
    omr_strbuf_free(&reasons);
    omr_strbuf_free(&flags);
    omr_strbuf_free(&confirmed);
}

static void write_review_rows(FILE *out, const export_return *r) {
    char id[32];
    snprintf(id, sizeof id, "%lld", r->id);
    for (size_t i = 0; i < r->n_items; i++) {
        const char *row[] = {r->code, r->tmpl->id, r->items[i].item, r->items[i].reason, id};
        omr_csv_row_kinds(out, row, 5, "pppt");
    }
}

typedef struct {
    FILE *records, *review;
    const column *cols;
    size_t n_cols;
    export_counts *counts;
} records_walk;

static int write_return(void *user, const export_return *r, omr_error *err) {
    (void)err;
    records_walk *w = user;
    write_record(w->records, r, w->cols, w->n_cols);
    write_review_rows(w->review, r);
    export_counts *s = w->counts;
    s->forms++;
    progress_update(s->progress, s->forms, NULL);
    s->forms_review += r->n_items > 0;
    s->forms_incomplete += return_incomplete(r);
    for (size_t i = 0; i < r->tmpl->n_text_fields; i++)
        s->comments_read += r->texts[i] != NULL;
    return OMR_OK;
}

int export_write_records_and_review(export_snapshot *snap, FILE *records, FILE *review,
                                    const omr_template *const *templates, size_t n_templates,
                                    export_counts *s, omr_error *err) {
    column *cols = NULL;
    size_t n_cols = 0;
    if (!build_columns(templates, n_templates, &cols, &n_cols))
        return omr_fail(err, OMR_ERR_MEMORY, "out of memory");
    static const char *const head[] = {"code", "status", "review_items"};
    static const char *const tail[] = {"template", "flags", "review_reasons", "confirmed", "sources", "return"};
    for (size_t i = 0; i < 3; i++)
        fprintf(records, "%s%s", i ? "," : "", head[i]);
    for (size_t i = 0; i < n_cols; i++) {
        fputc(',', records);
        omr_csv_field(records, cols[i].name, ',');
    }
    for (size_t i = 0; i < sizeof tail / sizeof tail[0]; i++)
        fprintf(records, ",%s", tail[i]);
    fputs("\r\n", records);
    static const char *const review_head[] = {"code", "template", "item", "reason", "return"};
    omr_csv_row(review, review_head, 5);

    records_walk w = {records, review, cols, n_cols, s};
    int rc = export_each_return(snap, templates, n_templates, write_return, &w, &s->left_out, err);
    free(cols);
    return rc;
}
