/*
 * export.c — the CSV outputs of a batch, written atomically (temporary file,
 * fflush + fsync, rename). Column order in records.csv is a contract that
 * other tools rely on: code, status, review_items, the answers in template
 * order (multi-choice options as <question>.<value> = 1/0), the text fields,
 * then provenance (template, flags, review_reasons, confirmed, sources).
 * With several templates in one batch, the columns are the union in order of
 * the templates given, and a form leaves the others' columns empty.
 */
#include "export.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void reject_list_add(reject_list *list, const char *file, int page, const char *reason, int blank) {
    if (list->count == list->cap) {
        size_t cap = list->cap ? list->cap * 2 : 16;
        reject_entry *grown = realloc(list->items, cap * sizeof *grown);
        if (!grown)
            return;
        list->items = grown;
        list->cap = cap;
    }
    list->items[list->count++] = (reject_entry){omr_strdup(file), page, omr_strdup(reason), blank};
}

void reject_list_free(reject_list *list) {
    for (size_t i = 0; i < list->count; i++) {
        free(list->items[i].file);
        free(list->items[i].reason);
    }
    free(list->items);
    memset(list, 0, sizeof *list);
}

void export_csv_field(FILE *out, const char *value) {
    if (!value)
        return;
    if (strpbrk(value, ",\"\r\n") == NULL) {
        fputs(value, out);
        return;
    }
    fputc('"', out);
    for (const char *p = value; *p; p++) {
        if (*p == '"')
            fputc('"', out);
        fputc(*p, out);
    }
    fputc('"', out);
}

static void csv_row(FILE *out, const char *const *fields, size_t n) {
    for (size_t i = 0; i < n; i++) {
        if (i)
            fputc(',', out);
        export_csv_field(out, fields[i]);
    }
    fputs("\r\n", out);
}

const char *export_form_status(const form_record *f) {
    if (f->review_items && *f->review_items)
        return "review";
    return f->incomplete ? "incomplete" : "ok";
}

/* ---- atomic files ----------------------------------------------------------- */

typedef struct {
    FILE *fp;
    char final_path[4096];
    char temp_path[4096];
} atomic_file;

static int atomic_open(atomic_file *a, const char *dir, const char *name, omr_error *err) {
    snprintf(a->final_path, sizeof a->final_path, "%s/%s", dir, name);
    snprintf(a->temp_path, sizeof a->temp_path, "%s/.%s.tmp.%d", dir, name, (int)getpid());
    a->fp = fopen(a->temp_path, "w");
    if (!a->fp)
        return omr_fail(err, OMR_ERR_IO, "cannot write %s: %s", a->final_path, strerror(errno));
    return OMR_OK;
}

static int atomic_commit(atomic_file *a, omr_error *err) {
    int failed = ferror(a->fp) || fflush(a->fp) != 0 || fsync(fileno(a->fp)) != 0;
    int saved = errno;
    if (fclose(a->fp) != 0 && !failed) {
        failed = 1;
        saved = errno;
    }
    if (!failed && rename(a->temp_path, a->final_path) != 0) {
        failed = 1;
        saved = errno;
    }
    if (failed) {
        unlink(a->temp_path);
        return omr_fail(err, OMR_ERR_IO, "cannot write %s: %s", a->final_path, strerror(saved));
    }
    return OMR_OK;
}

/* ---- the files ----------------------------------------------------------------- */

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

static size_t build_columns(const omr_template *const *templates, size_t n_templates, column **out) {
    size_t n = 0, cap = 64;
    column *cols = malloc(cap * sizeof *cols);
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
                        cap *= 2;
                        cols = realloc(cols, cap * sizeof *cols);
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
    *out = cols;
    return n;
}

static const char *cell_for(const form_record *f, const column *c, char *buf, size_t size) {
    const omr_template *t = f->tmpl;
    if (c->is_text) {
        for (size_t i = 0; i < t->n_text_fields; i++)
            if (strcmp(t->text_fields[i].id, c->question) == 0)
                return f->texts[i].text ? f->texts[i].text : "";
        return "";
    }
    const template_question *q = template_question_by_id(t, c->question);
    if (!q || (q->type == QUESTION_MULTI) != (c->value != NULL))
        return "";
    const question_answer *a = &f->answers[q - t->questions];
    if (!f->pages[q->page - 1])
        return ""; /* page missing: unknown, not "no" */
    if (!c->value)
        return a->chosen >= 0 ? q->boxes[a->chosen].value : "";
    for (size_t b = 0; b < q->n_boxes; b++)
        if (strcmp(q->boxes[b].value, c->value) == 0) {
            snprintf(buf, size, "%d", a->selected && a->selected[b] ? 1 : 0);
            return buf;
        }
    return "";
}

static void write_records(FILE *out, const omr_template *const *templates, size_t n_templates,
                          const form_set *forms) {
    column *cols = NULL;
    size_t n_cols = build_columns(templates, n_templates, &cols);
    static const char *const head[] = {"code", "status", "review_items"};
    static const char *const tail[] = {"template", "flags", "review_reasons", "confirmed", "sources"};
    for (size_t i = 0; i < 3; i++)
        fprintf(out, "%s%s", i ? "," : "", head[i]);
    for (size_t i = 0; i < n_cols; i++) {
        fputc(',', out);
        export_csv_field(out, cols[i].name);
    }
    for (size_t i = 0; i < 5; i++)
        fprintf(out, ",%s", tail[i]);
    fputs("\r\n", out);
    for (size_t r = 0; r < forms->n_forms; r++) {
        const form_record *f = &forms->forms[r];
        export_csv_field(out, f->code);
        fputc(',', out);
        fputs(export_form_status(f), out);
        fputc(',', out);
        export_csv_field(out, f->review_items);
        for (size_t i = 0; i < n_cols; i++) {
            char buf[16];
            fputc(',', out);
            export_csv_field(out, cell_for(f, &cols[i], buf, sizeof buf));
        }
        const char *prov[] = {f->tmpl->id, f->flags, f->review_reasons, "", f->sources};
        for (size_t i = 0; i < 5; i++) {
            fputc(',', out);
            export_csv_field(out, prov[i]);
        }
        fputs("\r\n", out);
    }
    free(cols);
}

static void write_marks(FILE *out, page_reading *const *pages, size_t n_pages) {
    static const char *const head[] = {"code", "page", "question", "value", "fill", "decision",
                                       "confidence", "extent", "ink_near_mm2", "shift_mm", "file",
                                       "file_page"};
    csv_row(out, head, sizeof head / sizeof head[0]);
    for (size_t i = 0; i < n_pages; i++) {
        const page_reading *p = pages[i];
        const omr_template *t = p->tmpl;
        size_t k = 0;
        for (size_t qi = 0; qi < t->n_questions; qi++) {
            const template_question *q = &t->questions[qi];
            if (q->page != p->identity.page)
                continue;
            for (size_t b = 0; b < q->n_boxes; b++, k++) {
                const box_measure *m = &p->measures[k];
                const box_decision *d = &p->decisions[k];
                char page[16], fill[16], conf[16], extent[16], near[16], shift[16], fpage[16];
                snprintf(page, sizeof page, "%d", p->identity.page);
                snprintf(fill, sizeof fill, "%.4f", m->fill);
                snprintf(conf, sizeof conf, "%.3f", d->confidence);
                snprintf(extent, sizeof extent, "%.3f", m->extent);
                snprintf(near, sizeof near, "%.2f", m->near_mm2);
                snprintf(shift, sizeof shift, "%.2f", m->shift_mm);
                snprintf(fpage, sizeof fpage, "%d", p->file_page);
                const char *row[] = {p->identity.code, page, q->id, q->boxes[b].value, fill,
                                     decide_box_state_name(d->state), conf, extent, near, shift,
                                     p->file, fpage};
                csv_row(out, row, sizeof row / sizeof row[0]);
            }
        }
    }
}

static void write_review(FILE *out, const form_set *forms) {
    static const char *const head[] = {"code", "template", "item", "reason"};
    csv_row(out, head, 4);
    for (size_t r = 0; r < forms->n_forms; r++) {
        const form_record *f = &forms->forms[r];
        if (!*f->review_reasons)
            continue;
        char *copy = omr_strdup(f->review_reasons);
        for (char *save = NULL, *part = strtok_r(copy, ";", &save); part;
             part = strtok_r(NULL, ";", &save)) {
            while (*part == ' ')
                part++;
            char *colon = strchr(part, ':');
            if (!colon)
                continue;
            *colon = 0;
            const char *row[] = {f->code, f->tmpl->id, part, colon + 2};
            csv_row(out, row, 4);
        }
        free(copy);
    }
}

static void write_rejects(FILE *out, const reject_list *rejects) {
    static const char *const head[] = {"file", "page", "kind", "reason"};
    csv_row(out, head, 4);
    for (size_t i = 0; i < rejects->count; i++) {
        const reject_entry *e = &rejects->items[i];
        char page[16] = "";
        if (e->page > 0)
            snprintf(page, sizeof page, "%d", e->page);
        const char *row[] = {e->file, page, e->blank ? "blank" : "error", e->reason};
        csv_row(out, row, 4);
    }
}

static void write_codebook(FILE *out, const omr_template *const *templates, size_t n_templates) {
    static const char *const head[] = {"template", "variable", "type", "question", "value",
                                       "label", "missing"};
    csv_row(out, head, sizeof head / sizeof head[0]);
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
                    csv_row(out, row1, 7);
                    csv_row(out, row0, 7);
                } else {
                    const char *row[] = {t->id, q->id, template_question_type_name(q->type), q->text,
                                         q->boxes[b].value, q->boxes[b].label ? q->boxes[b].label : "",
                                         "empty = unanswered, unreadable or page missing"};
                    csv_row(out, row, 7);
                }
            }
        }
        for (size_t i = 0; i < t->n_text_fields; i++) {
            const template_text_field *f = &t->text_fields[i];
            const char *row[] = {t->id, f->id, "text", f->prompt ? f->prompt : "", "", "",
                                 "empty = nothing written"};
            csv_row(out, row, 7);
        }
    }
}

int export_batch(const char *dir, const omr_template *const *templates, size_t n_templates,
                 const form_set *forms, page_reading *const *pages, size_t n_pages,
                 const reject_list *rejects, omr_error *err) {
    struct {
        const char *name;
        int which;
    } files[] = {{"records.csv", 0}, {"marks.csv", 1}, {"review.csv", 2}, {"rejects.csv", 3},
                 {"codebook.csv", 4}};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        atomic_file a;
        int rc = atomic_open(&a, dir, files[i].name, err);
        if (rc != OMR_OK)
            return rc;
        switch (files[i].which) {
        case 0: write_records(a.fp, templates, n_templates, forms); break;
        case 1: write_marks(a.fp, pages, n_pages); break;
        case 2: write_review(a.fp, forms); break;
        case 3: write_rejects(a.fp, rejects); break;
        default: write_codebook(a.fp, templates, n_templates); break;
        }
        rc = atomic_commit(&a, err);
        if (rc != OMR_OK)
            return rc;
    }
    return OMR_OK;
}
