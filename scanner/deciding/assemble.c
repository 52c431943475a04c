/*
 * assemble.c — pages to forms, and forms to decided records.
 *
 * Pages are sorted by (template, code, page, arrival) so that a form's pages
 * come together whatever order the envelopes were scanned in. The first copy
 * of a page is used; a second copy is flagged, and questions it reads
 * differently go to review. The hand is judged over the whole form (a
 * dotter's dots are read on every page: decide_form_dots, which counts the
 * hand by question), ink beside a box that a circle in the next question
 * reaches is given to that circle, and ink that a firm mark's overshoot
 * puts beside the option above or below to that mark (decide_circle_spill),
 * then each question
 * is decided from its page's box decisions (decide.c); routing and review
 * lists are built in template order.
 */
#include "deciding/assemble.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/files.h"

void page_reading_free(page_reading *p) {
    if (!p)
        return;
    if (p->texts && p->tmpl)
        for (size_t i = 0; i < p->tmpl->n_text_fields; i++) {
            free(p->texts[i].text);
            free(p->texts[i].crop_path);
            omr_image_free(p->texts[i].crop);
        }
    free(p->texts);
    free(p->measures);
    free(p->decisions);
    free(p->file);
    free(p);
}

int page_reading_alloc(page_reading *p, int page, omr_error *err) {
    const omr_template *t = p->tmpl;
    assert(t && p->n_boxes == 0 && !p->measures && !p->decisions && !p->texts);
    for (size_t i = 0; i < t->n_questions; i++)
        if (t->questions[i].page == page)
            p->n_boxes += t->questions[i].n_boxes;
    p->measures = calloc(p->n_boxes ? p->n_boxes : 1, sizeof *p->measures);
    p->decisions = calloc(p->n_boxes ? p->n_boxes : 1, sizeof *p->decisions);
    p->texts = calloc(t->n_text_fields ? t->n_text_fields : 1, sizeof *p->texts);
    if (!p->measures || !p->decisions || !p->texts) {
        page_reading_free(p);
        return omr_fail(err, OMR_ERR_MEMORY, "out of memory");
    }
    return OMR_OK;
}

size_t assemble_box_offset(const omr_template *t, const template_question *q) {
    size_t offset = 0;
    for (const template_question *o = t->questions; o < q; o++)
        if (o->page == q->page)
            offset += o->n_boxes;
    return offset;
}

static int compare_pages(const void *a, const void *b) {
    const page_reading *x = *(page_reading *const *)a, *y = *(page_reading *const *)b;
    int c = strcmp(x->tmpl->id, y->tmpl->id);
    if (!c)
        c = strcmp(x->identity.code, y->identity.code);
    if (!c)
        c = x->identity.page - y->identity.page;
    return c; /* qsort is not stable, so arrival is broken below by index */
}

typedef struct {
    page_reading *page;
    size_t arrival;
} indexed_page;

static int compare_indexed(const void *a, const void *b) {
    const indexed_page *x = a, *y = b;
    int c = compare_pages(&x->page, &y->page);
    if (!c)
        c = x->arrival < y->arrival ? -1 : x->arrival > y->arrival;
    return c;
}

/* Does a duplicate page read question q the same way as the first copy? */
static int same_reading(const page_reading *a, const page_reading *b, size_t offset, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (a->decisions[offset + i].state != b->decisions[offset + i].state)
            return 0;
    return 1;
}

const char *text_review_reason(const text_reading *tr) {
    if (tr->covered)
        return "part of the field is covered (its paper does not show): read it on the paper";
    return tr->text ? "handwriting OCR unsure (confidence low)" : "writing to transcribe";
}

/* "missing_questions:q9|q10|comment": the questions and text fields of a
 * missing page, so that the empty cells of records.csv are known for what
 * they are (unknown, not unanswered). No commas: a flag needs no quoting. */
static void add_missing_questions(const omr_template *t, int page, omr_strbuf *flags) {
    omr_strbuf ids = {0};
    for (size_t i = 0; i < t->n_questions; i++)
        if (t->questions[i].page == page)
            omr_strbuf_add(&ids, "|", t->questions[i].id);
    for (size_t i = 0; i < t->n_text_fields; i++)
        if (t->text_fields[i].page == page)
            omr_strbuf_add(&ids, "|", t->text_fields[i].id);
    if (ids.s && *ids.s) {
        omr_strbuf item = {0};
        omr_strbuf_add(&item, "", "missing_questions:");
        omr_strbuf_add(&item, "", ids.s);
        omr_strbuf_add(flags, " ", item.s ? item.s : "");
        omr_strbuf_free(&item);
    }
    omr_strbuf_free(&ids);
}

static void decide_form(form_record *f, page_reading **duplicates, size_t n_duplicates) {
    const omr_template *t = f->tmpl;
    omr_strbuf items = {0}, reasons = {0}, flags = {0}, sources = {0};
    f->answers = calloc(t->n_questions ? t->n_questions : 1, sizeof *f->answers);
    f->texts = calloc(t->n_text_fields ? t->n_text_fields : 1, sizeof *f->texts);
    char item[256];

    for (size_t p = 0; p < t->n_pages; p++) {
        page_reading *page = f->pages[p];
        if (!page) {
            f->incomplete = 1;
            snprintf(item, sizeof item, "missing_page:%zu", p + 1);
            omr_strbuf_add(&flags, " ", item);
            add_missing_questions(t, (int)p + 1, &flags);
            continue;
        }
        snprintf(item, sizeof item, "%s#%d", page->file, page->file_page);
        omr_strbuf_add(&sources, ";", item);
        if (page->transform.fiducials_found == 3 || page->transform.fiducials_covered > 0) {
            snprintf(item, sizeof item, "fiducial_covered:%zu", p + 1);
            omr_strbuf_add(&flags, " ", item);
        }
    }

    /* the respondent's hand over the whole form: a dotter is read on every page */
    box_decision **hand = calloc(t->n_pages ? t->n_pages : 1, sizeof *hand);
    if (hand) {
        for (size_t p = 0; p < t->n_pages; p++)
            if (f->pages[p])
                hand[p] = f->pages[p]->decisions;
        if (decide_form_dots(t, hand, t->n_pages)) {
            for (size_t p = 0; p < t->n_pages; p++)
                if (f->pages[p])
                    decide_read_dots(f->pages[p]->decisions, f->pages[p]->n_boxes);
            for (size_t d = 0; d < n_duplicates; d++)
                decide_read_dots(duplicates[d]->decisions, duplicates[d]->n_boxes);
        } else if (decide_form_denies_dots(t, hand, t->n_pages)) {
            /* a page may dot where the form clearly does not (a circler's two
             * dots beside one cross on page 2): the form's hand decides */
            for (size_t p = 0; p < t->n_pages; p++)
                if (f->pages[p])
                    decide_unread_dots(f->pages[p]->decisions, f->pages[p]->n_boxes);
            for (size_t d = 0; d < n_duplicates; d++)
                decide_unread_dots(duplicates[d]->decisions, duplicates[d]->n_boxes);
        }
    }
    free(hand);
    /* ink beside a box that a circle in the next question reaches is that circle's */
    for (size_t p = 0; p < t->n_pages; p++)
        if (f->pages[p])
            decide_circle_spill(t, (int)p + 1, f->pages[p]->measures, f->pages[p]->decisions, f->pages[p]->n_boxes);

    for (size_t i = 0; i < t->n_questions; i++) {
        const template_question *q = &t->questions[i];
        question_answer *a = &f->answers[i];
        assert(q->page >= 1 && (size_t)q->page <= t->n_pages);
        page_reading *page = f->pages[q->page - 1];
        if (!page) {
            a->chosen = -1;
            if (q->type == QUESTION_MULTI)
                a->selected = calloc(q->n_boxes, sizeof *a->selected);
            continue;
        }
        size_t offset = assemble_box_offset(t, q);
        decide_question(q, page->decisions + offset, a);
        for (size_t d = 0; d < n_duplicates; d++)
            if (duplicates[d]->identity.page == q->page &&
                !same_reading(page, duplicates[d], offset, q->n_boxes) && a->status == ANSWER_OK) {
                a->status = ANSWER_REVIEW;
                snprintf(a->reason, sizeof a->reason, "two copies of page %d read differently", q->page);
            }
    }
    for (size_t i = 0; i < t->n_questions; i++) {
        const template_question *q = &t->questions[i];
        if (f->answers[i].status == ANSWER_REVIEW) {
            omr_strbuf_add(&items, " ", q->id);
            snprintf(item, sizeof item, "%s: %s", q->id, f->answers[i].reason);
            omr_strbuf_add(&reasons, "; ", item);
        }
        if (decide_routing_violated(t, q, f->answers)) {
            snprintf(item, sizeof item, "routing:%s", q->id);
            omr_strbuf_add(&flags, " ", item);
        }
        if (f->answers[i].taken_back) {
            snprintf(item, sizeof item, "corrected:%s", q->id);
            omr_strbuf_add(&flags, " ", item);
        }
    }
    for (size_t k = 0; k < t->n_text_fields; k++) {
        const template_text_field *field = &t->text_fields[k];
        page_reading *page = f->pages[field->page - 1];
        if (!page)
            continue;
        f->texts[k] = page->texts[k];
        if (page->texts[k].needs_review) {
            omr_strbuf_add(&items, " ", field->id);
            snprintf(item, sizeof item, "%s: %s", field->id, text_review_reason(&page->texts[k]));
            omr_strbuf_add(&reasons, "; ", item);
        }
    }
    for (size_t d = 0; d < n_duplicates; d++) {
        snprintf(item, sizeof item, "duplicate_page:%d", duplicates[d]->identity.page);
        omr_strbuf_add(&flags, " ", item);
        snprintf(item, sizeof item, "%s#%d", duplicates[d]->file, duplicates[d]->file_page);
        omr_strbuf_add(&sources, ";", item);
    }
    f->review_items = omr_strbuf_take(&items);
    f->review_reasons = omr_strbuf_take(&reasons);
    f->flags = omr_strbuf_take(&flags);
    f->sources = omr_strbuf_take(&sources);
}

int assemble_forms(page_reading **pages, size_t n_pages, form_set *out, omr_error *err) {
    out->forms = NULL;
    out->n_forms = 0;
    indexed_page *sorted = malloc((n_pages ? n_pages : 1) * sizeof *sorted);
    form_record *forms = calloc(n_pages ? n_pages : 1, sizeof *forms);
    page_reading **duplicates = malloc((n_pages ? n_pages : 1) * sizeof *duplicates);
    if (!sorted || !forms || !duplicates) {
        free(sorted);
        free(forms);
        free(duplicates);
        return omr_fail(err, OMR_ERR_MEMORY, "out of memory assembling %zu pages", n_pages);
    }
    for (size_t i = 0; i < n_pages; i++)
        sorted[i] = (indexed_page){pages[i], i};
    qsort(sorted, n_pages, sizeof *sorted, compare_indexed);

    size_t n_forms = 0;
    for (size_t i = 0; i < n_pages;) {
        page_reading *first = sorted[i].page;
        form_record *f = &forms[n_forms++];
        f->tmpl = first->tmpl;
        snprintf(f->code, sizeof f->code, "%s", first->identity.code);
        f->pages = calloc(f->tmpl->n_pages, sizeof *f->pages);
        size_t n_dup = 0;
        for (; i < n_pages && sorted[i].page->tmpl == f->tmpl &&
               strcmp(sorted[i].page->identity.code, f->code) == 0;
             i++) {
            page_reading *p = sorted[i].page;
            if (!f->pages[p->identity.page - 1])
                f->pages[p->identity.page - 1] = p;
            else
                duplicates[n_dup++] = p;
        }
        decide_form(f, duplicates, n_dup);
    }
    free(sorted);
    free(duplicates);
    out->forms = forms;
    out->n_forms = n_forms;
    return OMR_OK;
}

void form_set_free(form_set *set) {
    for (size_t i = 0; i < set->n_forms; i++) {
        form_record *f = &set->forms[i];
        for (size_t q = 0; f->answers && q < f->tmpl->n_questions; q++)
            free(f->answers[q].selected);
        free(f->answers);
        free(f->texts);
        free(f->pages);
        free(f->review_items);
        free(f->review_reasons);
        free(f->flags);
        free(f->sources);
    }
    free(set->forms);
    set->forms = NULL;
    set->n_forms = 0;
}
