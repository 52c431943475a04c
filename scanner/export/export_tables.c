/*
 * export_tables.c — marks.csv (one row per box of every read page, boxes in
 * template order, numbers at fixed precision), rejects.csv (every page or
 * file that could not be used and why, blank pages listed as "blank", files
 * not counted again as "duplicate"), and codebook.csv (variables, question
 * texts, value labels and what an empty cell means), written from the
 * snapshot export.c holds (ledger/export_queries.h).
 */
#include "export/export_write.h"

#include <assert.h>
#include <string.h>

#include "base/files.h"

/* ---- marks.csv ------------------------------------------------------------------------ */

/* in_answer: what the box's question decided about this box, which the
 * box's own `decision` may not say (a dot read as a mark because the form's
 * hand dots, a box withdrawn by the form's correction rule, an operator's
 * answer): "1" the box's value is in the answer, "0" it is not, "review"
 * the question waits for an operator, "" no answer row. */
static const char *in_answer(const export_mark *m) {
    if (!m->has_answer)
        return "";
    if (m->in_review)
        return "review";
    size_t len = strlen(m->value);
    for (const char *a = m->answer; len && (a = strstr(a, m->value)); a += len)
        if ((a == m->answer || a[-1] == ' ') && (a[len] == 0 || a[len] == ' '))
            return "1";
    return "0";
}

static void write_page_marks(void *user, const export_page *p) {
    FILE *out = user;
    const omr_template *t = p->tmpl;
    assert(t);
    int number = p->page;
    char page[16], fpage[16], ret[32];
    snprintf(page, sizeof page, "%d", number);
    snprintf(fpage, sizeof fpage, "%d", p->file_page);
    snprintf(ret, sizeof ret, "%lld", p->return_id);
    /* boxes in template order */
    for (size_t qi = 0; qi < t->n_questions; qi++) {
        const template_question *q = &t->questions[qi];
        if (q->page != number)
            continue;
        for (size_t b = 0; b < q->n_boxes; b++) {
            const export_mark *m = NULL;
            for (size_t k = 0; k < p->n_marks && !m; k++)
                if (strcmp(p->marks[k].question, q->id) == 0 && strcmp(p->marks[k].value, q->boxes[b].value) == 0)
                    m = &p->marks[k];
            if (!m)
                continue;
            char fill[24], conf[24], extent[24], near[24], shift[24];
            snprintf(fill, sizeof fill, "%.4f", m->fill);
            snprintf(conf, sizeof conf, "%.3f", m->confidence);
            snprintf(extent, sizeof extent, "%.3f", m->extent);
            snprintf(near, sizeof near, "%.2f", m->near);
            snprintf(shift, sizeof shift, "%.2f", m->shift);
            const char *row[] = {p->code, page, q->id, q->boxes[b].value, fill, m->decision,
                                 conf, extent, near, shift, p->file, fpage, ret, in_answer(m)};
            omr_csv_row_kinds(out, row, sizeof row / sizeof row[0], "ppppppppppfpp");
        }
    }
}

int export_write_marks(export_snapshot *snap, FILE *out, const omr_template *const *templates,
                       size_t n_templates, omr_error *err) {
    static const char *const head[] = {"code", "page", "question", "value", "fill", "decision",
                                       "confidence", "extent", "ink_near_mm2", "shift_mm", "file",
                                       "file_page", "return", "in_answer"};
    omr_csv_row(out, head, sizeof head / sizeof head[0]);
    return export_each_read_page(snap, templates, n_templates, write_page_marks, out, err);
}

/* ---- rejects.csv ---------------------------------------------------------------------- */

static void write_reject(void *user, const export_reject *r) {
    FILE *out = user;
    char page[16] = "";
    if (r->file_page > 0)
        snprintf(page, sizeof page, "%d", r->file_page);
    const char *row[] = {r->file, page, r->blank ? "blank" : "error", r->reason ? r->reason : ""};
    omr_csv_row_kinds(out, row, 4, "fppt");
}

static void write_duplicate(void *user, const export_duplicate *d) {
    FILE *out = user;
    char reason[1400];
    snprintf(reason, sizeof reason, "the same content as %s (received %s); not counted again", d->first_name,
             d->first_received_at);
    const char *row[] = {d->name, "", "duplicate", reason};
    omr_csv_row_kinds(out, row, 4, "fppt");
}

int export_write_rejects(export_snapshot *snap, FILE *out, omr_error *err) {
    static const char *const head[] = {"file", "page", "kind", "reason"};
    omr_csv_row(out, head, 4);
    int rc = export_each_reject(snap, write_reject, out, err);
    if (rc == OMR_OK)
        rc = export_each_duplicate(snap, write_duplicate, out, err);
    return rc;
}

/* ---- codebook.csv --------------------------------------------------------------------- */

void export_write_codebook(FILE *out, const omr_template *const *templates, size_t n_templates) {
    static const char *const head[] = {"template", "variable", "type", "question", "value",
                                       "label", "missing"};
    omr_csv_row(out, head, sizeof head / sizeof head[0]);
    for (size_t k = 0; k < n_templates; k++) {
        const omr_template *t = templates[k];
        for (size_t i = 0; i < t->n_questions; i++) {
            const template_question *q = &t->questions[i];
            for (size_t b = 0; b < q->n_boxes; b++) {
                char variable[160];
                if (q->type == QUESTION_MULTI) {
                    snprintf(variable, sizeof variable, "%s.%s", q->id, q->boxes[b].value);
                    const char *row1[] = {t->id, variable, "multi", q->text, "1",
                                          q->boxes[b].label ? q->boxes[b].label : "", "empty = page missing"};
                    const char *row0[] = {t->id, variable, "multi", q->text, "0", "not marked",
                                          "empty = page missing"};
                    omr_csv_row_kinds(out, row1, 7, "ppptpt");
                    omr_csv_row_kinds(out, row0, 7, "ppptpt");
                } else {
                    const char *row[] = {t->id, q->id, template_question_type_name(q->type), q->text,
                                         q->boxes[b].value, q->boxes[b].label ? q->boxes[b].label : "",
                                         "empty = unanswered, unreadable or page missing"};
                    omr_csv_row_kinds(out, row, 7, "ppptpt");
                }
            }
        }
        for (size_t i = 0; i < t->n_text_fields; i++) {
            const template_text_field *f = &t->text_fields[i];
            const char *row[] = {t->id, f->id, "text", f->prompt ? f->prompt : "", "", "",
                                 "empty = nothing written"};
            omr_csv_row_kinds(out, row, 7, "ppptpt");
        }
    }
}
