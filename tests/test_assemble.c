/*
 * test_assemble.c — assemble.c: pages into forms by template and login code,
 * whatever order they were scanned in; a missing page, a covered fiducial and
 * a second copy of a page are flagged; review items, reasons and sources are
 * the strings the exports write.
 */
#include "deciding/assemble.h"
#include "helpers.h"

static omr_template *tmpl;
static void setup(void) { tmpl = test_template("ekb-2024"); }
static void teardown(void) { template_free(tmpl); }
TestSuite(assemble, .init = setup, .fini = teardown);

/* A page of `code` whose boxes all read blank, from scan file `file`. */
static page_reading *page(const char *file, int file_page, const char *code, int number) {
    page_reading *p = calloc(1, sizeof *p);
    p->file = strdup(file);
    p->file_page = file_page;
    p->tmpl = tmpl;
    snprintf(p->identity.template_id, sizeof p->identity.template_id, "%s", tmpl->id);
    snprintf(p->identity.code, sizeof p->identity.code, "%s", code);
    p->identity.page = number;
    p->transform.fiducials_found = 4;
    p->transform.fiducial_missing = -1;
    for (size_t i = 0; i < tmpl->n_questions; i++)
        if (tmpl->questions[i].page == number)
            p->n_boxes += tmpl->questions[i].n_boxes;
    p->measures = calloc(p->n_boxes + 1, sizeof *p->measures);
    p->decisions = calloc(p->n_boxes + 1, sizeof *p->decisions);
    p->texts = calloc(tmpl->n_text_fields + 1, sizeof *p->texts);
    return p;
}

/* The first question on page `number`. */
static const template_question *first_question(int number) {
    for (size_t i = 0; i < tmpl->n_questions; i++)
        if (tmpl->questions[i].page == number)
            return &tmpl->questions[i];
    cr_assert_fail("no question on page %d", number);
    return NULL;
}

static void mark(page_reading *p, const template_question *q, size_t box) {
    box_decision *d = &p->decisions[assemble_box_offset(tmpl, q) + box];
    d->state = BOX_MARKED;
    d->confidence = 1;
}

Test(assemble, pages_in_any_order_make_forms_sorted_by_code_and_a_missing_page_is_flagged) {
    cr_assert_eq(tmpl->n_pages, 2);
    /* scanned: B's page 2, A's page 2, A's page 1 (A's envelope back to front) */
    page_reading *pages[3] = {page("b.tif", 1, "BBB222", 2), page("a.tif", 1, "AAA111", 2),
                              page("a.tif", 2, "AAA111", 1)};
    form_set set;
    omr_error err = {0};
    cr_assert_eq(assemble_forms(pages, 3, &set, &err), OMR_OK, "%s", err.message);
    cr_assert_eq(set.n_forms, 2);
    form_record *a = &set.forms[0], *b = &set.forms[1];
    cr_assert_str_eq(a->code, "AAA111");
    cr_assert_str_eq(b->code, "BBB222");
    cr_assert(!a->incomplete);
    cr_assert_eq(a->pages[0], pages[2]);
    cr_assert_eq(a->pages[1], pages[1]);
    cr_assert_str_eq(a->sources, "a.tif#2;a.tif#1", "sources are in page order");
    cr_assert_str_eq(a->flags, "");
    cr_assert(b->incomplete);
    cr_assert_null(b->pages[0]);
    /* the missing page's questions are listed, and only they */
    cr_assert_eq(strncmp(b->flags, "missing_page:1 missing_questions:", 33), 0, "%s", b->flags);
    char listed[2048];
    snprintf(listed, sizeof listed, "|%s|", b->flags + 33);
    for (size_t i = 0; i < tmpl->n_questions; i++) {
        char id[80];
        snprintf(id, sizeof id, "|%s|", tmpl->questions[i].id);
        cr_assert_eq(strstr(listed, id) != NULL, tmpl->questions[i].page == 1, "%s in %s", id, b->flags);
    }
    cr_assert_str_eq(b->sources, "b.tif#1");
    /* a question on the missing page has no answer */
    const template_question *q1 = first_question(1);
    cr_assert_eq(b->answers[q1 - tmpl->questions].chosen, -1);
    form_set_free(&set);
    for (int i = 0; i < 3; i++)
        page_reading_free(pages[i]);
}

Test(assemble, a_marked_box_is_the_answer_and_a_covered_fiducial_is_flagged) {
    page_reading *pages[2] = {page("s.tif", 1, "C1", 1), page("s.tif", 2, "C1", 2)};
    const template_question *q = first_question(1);
    mark(pages[0], q, 2);
    pages[1]->transform.fiducials_found = 3;
    pages[1]->transform.fiducial_missing = 1;
    form_set set;
    omr_error err = {0};
    cr_assert_eq(assemble_forms(pages, 2, &set, &err), OMR_OK, "%s", err.message);
    cr_assert_eq(set.n_forms, 1);
    const question_answer *a = &set.forms[0].answers[q - tmpl->questions];
    cr_assert_eq(a->chosen, 2);
    cr_assert_eq(a->status, ANSWER_OK);
    cr_assert_str_eq(set.forms[0].flags, "fiducial_covered:2");
    cr_assert_str_eq(set.forms[0].review_items, "");
    cr_assert_str_eq(set.forms[0].review_reasons, "");
    form_set_free(&set);
    for (int i = 0; i < 2; i++)
        page_reading_free(pages[i]);
}

Test(assemble, two_copies_of_a_page_that_disagree_go_to_review_and_both_are_sources) {
    page_reading *pages[3] = {page("x.tif", 1, "D4", 1), page("x.tif", 2, "D4", 2),
                              page("y.tif", 1, "D4", 1)};
    const template_question *q = first_question(1);
    mark(pages[0], q, 0); /* the first copy reads box 1, the second copy nothing */
    form_set set;
    omr_error err = {0};
    cr_assert_eq(assemble_forms(pages, 3, &set, &err), OMR_OK, "%s", err.message);
    cr_assert_eq(set.n_forms, 1);
    form_record *f = &set.forms[0];
    cr_assert_eq(f->pages[0], pages[0], "the first copy scanned is the one used");
    cr_assert_str_eq(f->flags, "duplicate_page:1");
    cr_assert_str_eq(f->sources, "x.tif#1;x.tif#2;y.tif#1");
    cr_assert_str_eq(f->review_items, q->id);
    char reason[128];
    snprintf(reason, sizeof reason, "%s: two copies of page 1 read differently", q->id);
    cr_assert_str_eq(f->review_reasons, reason);
    cr_assert_eq(f->answers[q - tmpl->questions].status, ANSWER_REVIEW);
    form_set_free(&set);
    for (int i = 0; i < 3; i++)
        page_reading_free(pages[i]);
}

/* A box of question `id` on page p (0-based), in the state given. */
static box_decision *box_of(page_reading *p, const char *id, size_t box) {
    const template_question *q = template_question_by_id(tmpl, id);
    cr_assert(q && box < q->n_boxes, "%s has no box %zu", id, box + 1);
    return &p->decisions[assemble_box_offset(tmpl, q) + box];
}

static void dot(page_reading *p, const char *id, size_t box) {
    *box_of(p, id, box) = (box_decision){.state = BOX_UNSURE, .dot = 1, .dot_clear = 1};
}

static void firm(page_reading *p, const char *id, size_t box, box_state state) {
    *box_of(p, id, box) = (box_decision){.state = state, .confidence = 1, .fill = state == BOX_SOLID ? 1.0 : 0.3};
}

Test(assemble, a_dotter_with_a_correction_and_a_ticked_multi_choice_question_is_read) {
    /* three questions answered by a dot; a correction (a filled box beside
     * the cross that answers) and three ticks in the multi-choice q5r: five
     * firm boxes, but two questions. The hand dots: its dots are answers
     * (issue 9: counted by box, every dot went to review). */
    page_reading *pages[2] = {page("d.tif", 1, "E5", 1), page("d.tif", 2, "E5", 2)};
    dot(pages[0], "q1a", 3);
    dot(pages[0], "q2b", 1);
    dot(pages[1], "q4b", 2);
    firm(pages[0], "q3a", 0, BOX_SOLID);
    firm(pages[0], "q3a", 2, BOX_MARKED);
    for (size_t k = 0; k < 3; k++)
        firm(pages[1], "q5r", k, BOX_MARKED);
    form_set set;
    omr_error err = {0};
    cr_assert_eq(assemble_forms(pages, 2, &set, &err), OMR_OK, "%s", err.message);
    cr_assert_eq(set.n_forms, 1);
    const form_record *f = &set.forms[0];
    cr_assert_str_eq(f->review_items, "", "a dotter's dots need no person: %s", f->review_reasons);
    const question_answer *a = &f->answers[template_question_by_id(tmpl, "q4b") - tmpl->questions];
    cr_assert_eq(a->status, ANSWER_OK);
    cr_assert_eq(a->chosen, 2, "the dot on page 2 is read by the form's hand");
    form_set_free(&set);
    for (int i = 0; i < 2; i++)
        page_reading_free(pages[i]);

    /* the same three dots in a crosser's form (plain crosses in four more
     * questions; its correction says nothing of the hand's way, being the
     * form's printed rule): dots are not how this hand answers; each goes
     * to review */
    page_reading *crosser[2] = {page("c.tif", 1, "F6", 1), page("c.tif", 2, "F6", 2)};
    dot(crosser[0], "q1a", 3);
    dot(crosser[0], "q2b", 1);
    dot(crosser[1], "q4b", 2);
    firm(crosser[0], "q3a", 0, BOX_SOLID);
    firm(crosser[0], "q3a", 2, BOX_MARKED);
    firm(crosser[0], "q1b", 1, BOX_MARKED);
    firm(crosser[0], "q2a", 4, BOX_MARKED);
    firm(crosser[1], "q4a", 0, BOX_MARKED);
    firm(crosser[1], "q4c", 1, BOX_MARKED);
    cr_assert_eq(assemble_forms(crosser, 2, &set, &err), OMR_OK, "%s", err.message);
    a = &set.forms[0].answers[template_question_by_id(tmpl, "q4b") - tmpl->questions];
    cr_assert_eq(a->status, ANSWER_REVIEW, "three dots beside four crossed questions");
    cr_assert_eq(a->chosen, -1);
    form_set_free(&set);
    for (int i = 0; i < 2; i++)
        page_reading_free(crosser[i]);
}

Test(assemble, no_pages_make_no_forms) {
    form_set set;
    omr_error err = {0};
    cr_assert_eq(assemble_forms(NULL, 0, &set, &err), OMR_OK);
    cr_assert_eq(set.n_forms, 0);
    form_set_free(&set);
}
