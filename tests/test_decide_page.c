/*
 * test_decide_page.c — judgement by the page (decide.c) and the form
 * (decide_form.c): rings against the page's own print (bled 1-bit pages, speckled faxes), dots and
 * pale traces by the respondent's hand (decide_page, decide_form_dots),
 * circles' spill and rivals, ink beside a box against the page's level.
 */
#include "decide_fixtures.h"

TestSuite(decide_page, .init = setup);

/* A page of 30 boxes measured by decide_box and then by decide_page. */
static void decide_page_of(box_measure *m, box_decision *d, size_t n) {
    for (size_t i = 0; i < n; i++)
        d[i] = decide_box(&cal, &m[i]);
    decide_page(&cal, m, d, n);
}

Test(decide_page, circles_everywhere_on_a_page_are_its_print_not_a_pen) {
    /* a dark 1-bit scan: the labels' letters swell past the print mask, so
     * rays from most boxes meet "ink" all round. No respondent circles most
     * of a page: the print's rings are no circle. Each box is what the rest
     * of its evidence says: an empty box is blank (a page of them in review
     * is an operator's wasted minute), a cross is a cross. A pen's circle
     * still stands apart from the page in two ways at once: its rays close
     * far past the page's own rings, and it leaves ink round the box where
     * the page's empty boxes have none: it is that box's answer. Ink beside
     * a box whose rays close no more than the page's is no circle: review. */
    enum { N = 30 };
    box_measure m[N];
    box_decision d[N];
    for (size_t i = 0; i < N; i++)
        m[i] = (box_measure){.fill = 0.0, .ring = 0.55 + 0.01 * (double)(i % 10), .ring_gap = 0.1,
                             .near_mm2 = 0.05 * (double)(i % 3), .outline_found = 1};
    m[3] = (box_measure){.fill = 0.45, .extent = 1, .darkness = 0.9, .ring = 0.6, .ring_gap = 0.1, .outline_found = 1};
    m[7].ring = 1.0, m[7].ring_gap = 0.0, m[7].near_mm2 = 15; /* a pen's circle round box 7 */
    /* a tight circle cuts its box's corners: a dot-like core, ink all round;
     * along the sides it thickens the bled outline (outline_hug) */
    m[7].fill = 0.02, m[7].core_mm2 = 0.5, m[7].extent = 0.3, m[7].ring_hug_mm2 = 6;
    /* a real dot: its core, nothing round it */
    m[12] = (box_measure){.fill = 0.1, .extent = 0.35, .core_mm2 = 1.0, .darkness = 0.9, .ring = 0.6,
                          .ring_gap = 0.1, .outline_found = 1};
    /* ink beside box 21 (a word, a stray stroke) that closes no ring beyond the page's own */
    m[21].near_mm2 = 12;
    decide_page_of(m, d, N);
    cr_assert_not(d[7].dot, "a circle's corners are no dot of a dotting hand");
    cr_assert(d[12].dot, "a dot with no ink round it is still a dot");
    for (size_t i = 0; i < N; i++) {
        if (i == 7)
            continue;
        cr_assert_not(d[i].circled, "box %zu: the page's print read as a circle", i);
        if (i != 3 && i != 12)
            cr_assert_eq(d[i].state, BOX_BLANK, "box %zu: the page's print read as %s", i,
                         decide_box_state_name(d[i].state));
    }
    cr_assert_eq(d[3].state, BOX_MARKED, "a cross on a bleeding page is still a cross");
    cr_assert(d[7].circled, "a pen's circle stands apart from the page's rings");
    cr_assert_eq(d[7].state, BOX_MARKED);
    template_question q = question(QUESTION_SINGLE, 4);
    question_answer a = decide(&q, &d[6]);
    cr_assert_eq(a.status, ANSWER_OK, "a clear circle on a bleeding page is its answer: %s", a.reason);
    cr_assert_eq(a.chosen, 1);
    a = decide(&q, &d[20]);
    cr_assert_eq(a.status, ANSWER_REVIEW, "ink beside a box that is no circle goes to a person");
    cr_assert_eq(a.chosen, -1);

    /* the same pen's circle with a neighbour's ring just as closed and as
     * much ink round it: it cannot be attributed, a person looks */
    m[8].ring = 0.98, m[8].ring_gap = 0.02, m[8].near_mm2 = 14;
    decide_page_of(m, d, N);
    a = decide(&q, &d[6]);
    cr_assert_eq(a.status, ANSWER_REVIEW, "two circles in one question are no answer");

    /* a page whose print closes nearly every ray (a grey glass edge): a
     * full ring there is no more than the page's own; ink round a box
     * goes to a person, never to an answer */
    for (size_t i = 0; i < N; i++)
        m[i] = (box_measure){.fill = 0.0, .ring = 0.96 + 0.01 * (double)(i % 5), .ring_gap = 0.02,
                             .near_mm2 = 0.3, .outline_found = 1};
    m[7].ring = 1.0, m[7].ring_gap = 0, m[7].near_mm2 = 3.5;
    decide_page_of(m, d, N);
    cr_assert_not(d[7].circled, "a ring on a page of rings is no circle");
    a = decide(&q, &d[6]);
    cr_assert_eq(a.status, ANSWER_REVIEW, "ink beside a box on such a page goes to a person");
    cr_assert_eq(a.chosen, -1);

    /* boxes in a tight grid (Auto Multiple Choice's digit grids): the
     * neighbours' outlines close every box's rays, so the page looks bled,
     * and its empty boxes have no ink round them at all. A neighbour's
     * cross spilling into a box's surroundings (about 2 mm^2, closed rays)
     * is less ink than any pen line once round a box: no circle, and the
     * box is blank (it was read as a second answer before) */
    for (size_t i = 0; i < N; i++)
        m[i] = (box_measure){.fill = 0.0, .ring = 0.6 + 0.01 * (double)(i % 10), .ring_gap = 0.1,
                             .near_mm2 = 0.0, .outline_found = 1};
    m[3] = (box_measure){.fill = 0.45, .extent = 1, .darkness = 0.9, .ring = 0.6, .ring_gap = 0.1, .outline_found = 1};
    m[2].ring = 1.0, m[2].ring_gap = 0.0, m[2].near_mm2 = 2.2;
    m[7].ring = 1.0, m[7].ring_gap = 0.0, m[7].near_mm2 = 7.0; /* the least a measured pen circle left */
    m[7].ring_clear = 0.5, m[7].ring_clear_gap = 0.2;           /* ... clear of the outline on most sides */
    decide_page_of(m, d, N);
    cr_assert_not(d[2].circled, "a neighbour's spill read as a circle");
    cr_assert_neq(d[2].state, BOX_MARKED, "a neighbour's spill read as a mark");
    cr_assert(d[7].circled, "a pen's circle with the least ink measured is still a circle");
    /* the same ink with nothing clear of the outline and no stroke along
     * it: the grid's own print or the box's outline; a person looks */
    m[7].ring_clear = 0.0, m[7].ring_clear_gap = 1.0;
    decide_page_of(m, d, N);
    cr_assert_not(d[7].circled);
    cr_assert_eq(d[7].state, BOX_UNSURE, "%s", decide_box_state_name(d[7].state));
}

Test(decide_page, a_dot_swollen_by_a_bleeding_scan_is_a_dot_not_a_cross) {
    /* A 1.5 mm dot on a dark 1-bit fax swells until its fill and extent
     * pass for a cross; its shape does not: its ink fills its own moment
     * ellipse (compact ~1), a cross's strokes fill some 0.3-0.7 of theirs.
     * A lone dot among crosses is ambiguous and goes to a person; the same
     * blobs from a hand that dots are its marks. */
    enum { N = 15 };
    box_measure m[N];
    box_decision d[N];
    for (size_t i = 0; i < N; i++)
        m[i] = (box_measure){.fill = 0.002, .outline_found = 1};
    const box_measure cross = {.fill = 0.7, .extent = 1, .darkness = 0.95, .core_mm2 = 7, .compact = 0.7,
                               .ink_span = 1.15, .outline_found = 1};
    const box_measure dot = {.fill = 0.36, .extent = 0.72, .darkness = 0.95, .core_mm2 = 3.4, .compact = 0.94,
                             .ink_span = 0.71, .outline_found = 1};
    m[1] = cross, m[7] = cross, m[11] = dot;
    decide_page_of(m, d, N);
    cr_assert_eq(d[1].state, BOX_MARKED, "a bled cross is a cross");
    cr_assert(d[11].dot, "a swollen dot is a dot");
    template_question q = question(QUESTION_SINGLE, 5);
    question_answer a = decide(&q, &d[10]);
    cr_assert_eq(a.status, ANSWER_REVIEW, "a lone dot among crosses is never read silently");
    a = decide(&q, &d[0]);
    cr_assert_eq(a.status, ANSWER_OK);
    cr_assert_eq(a.chosen, 1, "the crosses are read as before");
    /* without a shape measured (compact 0), the box is judged as before */
    box_measure unmeasured = dot;
    unmeasured.compact = unmeasured.ink_span = 0;
    cr_assert_eq(decide_box(&cal, &unmeasured).state, BOX_MARKED);

    /* a dotter: three such dots and nothing else on the page */
    for (size_t i = 0; i < N; i++)
        m[i] = (box_measure){.fill = 0.002, .outline_found = 1};
    m[1] = dot, m[7] = dot, m[11] = dot;
    decide_page_of(m, d, N);
    for (size_t i = 0; i < 3; i++) {
        a = decide(&q, &d[5 * i]);
        cr_assert_eq(a.status, ANSWER_OK, "question %zu of a dotter: %s", i, a.reason);
        cr_assert_eq(a.chosen, (int)(i == 0 ? 1 : i == 1 ? 2 : 1));
    }
}

/* Ten questions of four boxes, five on each of two pages. */
static omr_template *two_page_form(void) {
    static template_question qs[10];
    static omr_template t;
    for (size_t i = 0; i < 10; i++) {
        qs[i] = question(QUESTION_SINGLE, 4);
        qs[i].page = i < 5 ? 1 : 2;
    }
    t = (omr_template){.id = "dots", .n_pages = 2, .questions = qs, .n_questions = 10};
    return &t;
}

Test(decide_page, a_dotter_is_read_on_every_page_of_the_form_a_crossers_lone_dots_are_not) {
    /* page 1: three clear dots (questions 1-3) beside two crosses; page 2:
     * two dots beside five crosses in three questions (two of them hold two
     * crosses each: a correction, or two ticks of a multi-choice question):
     * alone, page 2 does not show a hand that dots */
    enum { N = 20 };
    omr_template *form = two_page_form();
    box_measure m1[N], m2[N];
    box_decision d1[N], d2[N];
    for (size_t i = 0; i < N; i++) {
        m1[i] = (box_measure){.fill = 0.002, .outline_found = 1};
        m2[i] = m1[i];
    }
    box_measure dot = {.fill = 0.10, .extent = 0.35, .core_mm2 = 1.0, .darkness = 0.8, .outline_found = 1};
    box_measure cross = {.fill = 0.35, .extent = 1, .core_mm2 = 4, .darkness = 0.8, .outline_found = 1};
    m1[0] = dot, m1[5] = dot, m1[10] = dot;
    m1[13] = cross, m1[18] = cross;
    m2[2] = dot, m2[5] = dot;
    m2[8] = cross, m2[12] = cross, m2[14] = cross, m2[16] = cross, m2[18] = cross;
    decide_page_of(m1, d1, N);
    decide_page_of(m2, d2, N);
    cr_assert_eq(d1[0].state, BOX_MARKED, "three dots beside two crosses on a page: a dotter");
    cr_assert_eq(d2[2].state, BOX_UNSURE, "page 2 alone: two dots beside five crosses");
    cr_assert(d2[2].dot_clear && d2[5].dot_clear);
    /* the flags survive the ledger (marks.ink_near) */
    box_decision back = {0};
    decide_box_set_flags(&back, decide_box_flags(&d2[2]));
    cr_assert(back.dot && back.dot_clear);
    /* the form: five questions answered by a dot, five with crosses (seven
     * crosses: counted by box, dots would lose 5 to 7; issue 9) */
    box_decision *pages[2] = {d1, d2};
    cr_assert(decide_form_dots(form, pages, 2));
    decide_read_dots(d2, N);
    cr_assert_eq(d2[2].state, BOX_MARKED);
    cr_assert_eq(d2[5].state, BOX_MARKED);
    cr_assert_eq(d2[0].state, BOX_BLANK);
    /* a page missing: only the pages read are counted */
    pages[0] = NULL;
    decide_page_of(m2, d2, N);
    cr_assert_not(decide_form_dots(form, pages, 2), "two dots beside three crossed questions");
    /* a crosser's form: page 2's two dots, four crossed questions on page 1 */
    box_decision crosser[N];
    box_measure mc[N];
    for (size_t i = 0; i < N; i++)
        mc[i] = (i % 4 == 1 && i < 16) ? cross : m1[1];
    decide_page_of(mc, crosser, N);
    pages[0] = crosser;
    cr_assert_not(decide_form_dots(form, pages, 2), "two dots among seven crossed questions are anyone's guess");
    /* three stray dots among the crosses: still a crosser (issue 9: no silent miss) */
    mc[17] = dot;
    decide_page_of(mc, crosser, N);
    cr_assert_not(decide_form_dots(form, pages, 2), "three dots among seven crossed questions");
    /* a dot beside a cross in one question is no question answered by a dot */
    for (size_t i = 0; i < N; i++)
        mc[i] = (i % 4 == 1) ? cross : (i % 4 == 2) ? dot : m1[1];
    decide_page_of(mc, crosser, N);
    pages[1] = crosser;
    cr_assert_not(decide_form_dots(form, pages, 2), "dots beside crosses, question by question");
    /* a speck no larger than the page's blanks is no dot of the hand's */
    m2[1] = (box_measure){.fill = 0.002, .core_mm2 = 0.8, .extent = 0.9, .outline_found = 1};
    decide_page_of(m2, d2, N);
    cr_assert_not(d2[2].dot_clear, "a dot no larger than a blank box's speck");
}

Test(decide_page, a_line_of_thin_dashes_across_a_box_is_no_dotters_dot) {
    /* a dotting hand's page; in one box a faint crease no search found,
     * broken by a 1-bit threshold into five dashes 0.09 mm thick right
     * across the box (fresh seed 8439 --folds --quick, QQGWWA6M q5r "1"):
     * read as the hand's dot beside its "2", silently. A dot with a speck
     * beside it spans the box as well, but is a blob */
    enum { N = 20 };
    box_measure m[N];
    box_decision d[N];
    for (size_t i = 0; i < N; i++)
        m[i] = (box_measure){.fill = 0.002, .outline_found = 1};
    box_measure dot = {.fill = 0.10, .extent = 0.35, .core_mm2 = 1.0, .darkness = 0.8, .outline_found = 1,
                       .compact = 0.95, .ink_span = 0.4, .stroke_mm = 0.45, .ink_pieces = 1};
    m[0] = dot, m[5] = dot, m[10] = dot, m[15] = dot;
    box_measure dashes = {.fill = 0.026, .faint_fill = 0.026, .extent = 0.46, .core_mm2 = 0.19, .darkness = 1.0,
                          .outline_found = 1, .compact = 0.69, .ink_span = 0.90, .stroke_mm = 0.09, .ink_pieces = 5};
    m[2] = dashes;
    box_measure specked = dot;
    specked.ink_span = 1.2, specked.stroke_mm = 0.38, specked.ink_pieces = 3;
    m[7] = specked;
    decide_page_of(m, d, N);
    cr_assert(d[0].dot && d[0].dot_clear, "the hand's dots");
    cr_assert(!d[2].dot && !d[2].dot_clear && d[2].state == BOX_UNSURE, "the dashes read %s, dot %d",
              decide_box_state_name(d[2].state), d[2].dot);
    cr_assert(d[7].dot, "a dot with specks about it: %s", decide_box_state_name(d[7].state));
    decide_read_dots(d, N);
    cr_assert_eq(d[0].state, BOX_MARKED);
    cr_assert_eq(d[7].state, BOX_MARKED);
    cr_assert_eq(d[2].state, BOX_UNSURE, "the dashes read as the dotter's: %s", decide_box_state_name(d[2].state));
}

Test(decide_page, a_clear_circle_on_a_clean_page_is_read_a_barely_closed_lone_one_is_reviewed) {
    enum { N = 30 };
    box_measure m[N];
    box_decision d[N];
    for (size_t i = 0; i < N; i++)
        m[i] = (box_measure){.fill = 0.0, .ring = 0.05, .ring_gap = 0.9, .outline_found = 1};
    m[4].ring = 0.92, m[4].ring_gap = 0.05;  /* a clear circle */
    /* barely closed, the only other one: a pen's line, its rays traced by
     * their neighbours at nearly one distance */
    m[17].ring = 0.50, m[17].ring_gap = 0.2, m[17].ring_opposed = 0.3, m[17].ring_traced = 0.45;
    m[9] = (box_measure){.fill = 0.30, .extent = 0.8, .outline_found = 1, .darkness = 0.8}; /* a cross */
    decide_page_of(m, d, N);
    cr_assert_eq(d[4].state, BOX_MARKED);
    cr_assert(d[4].circled);
    cr_assert_eq(d[17].state, BOX_UNSURE, "a lone barely closed ring beside crosses is a question");
    /* the same weak ring from a hand that circles (two clear circles) is read */
    m[22].ring = 0.88, m[22].ring_gap = 0.05;
    decide_page_of(m, d, N);
    cr_assert_eq(d[17].state, BOX_MARKED);
    cr_assert(d[17].circled);
}

Test(decide_page, grey_paper_is_not_a_page_of_pale_traces_a_real_trace_still_is) {
    /* a scan showing the glass, or recycled paper: every empty box holds a
     * few pale pixels (faint share 0.05-0.10). That is the page's paper, not
     * pencil; a light pencil cross well above it is still a pale trace. */
    enum { N = 24 };
    box_measure m[N];
    box_decision d[N];
    for (size_t i = 0; i < N; i++)
        m[i] = (box_measure){.fill = 0.001, .faint_fill = 0.05 + 0.002 * (double)i, .outline_found = 1};
    m[5] = (box_measure){.fill = 0.35, .extent = 1, .darkness = 0.8, .core_mm2 = 4, .outline_found = 1};
    m[11] = (box_measure){.fill = 0.01, .faint_fill = 0.40, .extent = 0.9, .outline_found = 1};
    for (size_t i = 0; i < N; i++)
        d[i] = decide_box(&cal, &m[i]);
    cr_assert(d[20].faint, "alone, a box at faint 0.09 looks like a pale trace");
    decide_page(&cal, m, d, N);
    for (size_t i = 0; i < N; i++)
        if (i != 5 && i != 11)
            cr_assert_eq(d[i].state, BOX_BLANK, "box %zu (faint %.3f): the page's paper", i, m[i].faint_fill);
    cr_assert(d[11].faint);
    cr_assert_eq(d[11].state, BOX_UNSURE, "a pale cross beside a firm mark: a person looks");
}

Test(decide_page, a_dotters_smallest_dot_is_read_beside_its_largest_a_smaller_speck_is_not) {
    /* one hand's dots run from 0.6 to 1.5 mm across (issue 9): a page of a
     * dotter whose dots are mostly 1.4-1.5 mm (core 1.5-1.7 mm^2) and one
     * 0.6 mm dot (core 0.27, as measured on seed 7333's MWC3RYR4 q3b) */
    enum { N = 35 };
    box_measure m[N];
    box_decision d[N];
    for (size_t i = 0; i < N; i++)
        m[i] = (box_measure){.fill = 0.002, .outline_found = 1};
    const double cores[] = {1.28, 1.60, 1.63, 1.73, 1.47, 1.50};
    for (size_t k = 0; k < 6; k++)
        m[5 * k + 1] = (box_measure){.fill = 0.15, .extent = 0.4, .core_mm2 = cores[k], .darkness = 0.9,
                                     .compact = 0.98, .ink_span = 0.42, .outline_found = 1};
    m[33] = (box_measure){.fill = 0.033, .extent = 0.18, .core_mm2 = 0.27, .darkness = 0.68, .compact = 0.97,
                          .ink_span = 0.22, .outline_found = 1};
    decide_page_of(m, d, N);
    cr_assert(d[33].dot, "a 0.6 mm dot is a dot");
    cr_assert(d[33].dot_clear, "the hand's smallest dot stands clear of the blanks");
    cr_assert_eq(d[33].state, BOX_MARKED, "a dotter's 0.6 mm dot beside its 1.5 mm dots is its answer");
    template_question q = question(QUESTION_SINGLE, 5);
    question_answer a = decide(&q, &d[30]);
    cr_assert_eq(a.status, ANSWER_OK, "%s", a.reason);
    cr_assert_eq(a.chosen, 3);
    /* a blob under (0.6/1.5)^2 of the hand's median dot is a speck beside it */
    m[33].core_mm2 = 0.2;
    decide_page_of(m, d, N);
    cr_assert(d[33].dot);
    cr_assert_not(d[33].dot_clear, "core 0.2 beside a median of 1.5: a speck, not the hand's dot");
    cr_assert_neq(d[33].state, BOX_MARKED);
}

Test(decide_page, a_rubbed_out_mark_with_a_dark_remnant_is_withdrawn_not_a_dot) {
    /* seed 8581, EU5FYYGY q2e: a pencil cross in box 3, and in box 4 a
     * cross rubbed out: a pale trace over 0.62 of the box around a small
     * dark remnant (fill 0.10, core 0.24 mm^2). The remnant is no dot: the
     * pale trace around it spans the box, as a dot's never does */
    enum { N = 10 };
    box_measure m[N];
    box_decision d[N];
    for (size_t i = 0; i < N; i++)
        m[i] = (box_measure){.fill = 0.0, .faint_fill = 0.015, .outline_found = 1};
    m[2] = (box_measure){.fill = 0.39, .faint_fill = 0.46, .extent = 1, .darkness = 0.30, .core_mm2 = 4.4,
                         .compact = 0.43, .ink_span = 1.16, .outline_found = 1};
    m[3] = (box_measure){.fill = 0.10, .faint_fill = 0.62, .extent = 0.25, .darkness = 0.21, .core_mm2 = 0.24,
                         .compact = 0.04, .ink_span = 1.5, .outline_found = 1};
    /* a pencil dot of the same hand elsewhere: its pale rim adds little */
    m[8] = (box_measure){.fill = 0.031, .faint_fill = 0.054, .extent = 0.14, .darkness = 0.53, .core_mm2 = 0.22,
                         .compact = 0.96, .ink_span = 0.2, .outline_found = 1};
    decide_page_of(m, d, N);
    cr_assert(d[3].faint, "a pale trace over the box: a mark rubbed out");
    cr_assert_not(d[3].dot, "its remnant is no dot");
    cr_assert(d[8].dot, "a pencil dot is still a dot");
    template_question q = question(QUESTION_SINGLE, 5);
    question_answer a = decide(&q, d);
    cr_assert_eq(a.status, ANSWER_OK, "%s", a.reason);
    cr_assert_eq(a.chosen, 2);
    cr_assert(a.taken_back);
    /* alone (no firm mark beside it), a rubbed-out mark is never an answer */
    m[2] = m[0];
    decide_page_of(m, d, N);
    a = decide(&q, d);
    cr_assert_eq(a.status, ANSWER_REVIEW);
}

/* Two single-choice questions of five 5 mm boxes, rows 14 mm apart, as
 * ekb-2024 prints them (q2a above q2b, boxes 17 mm apart). */
static omr_template *two_rows(void) {
    static template_box boxes[2][5];
    static char values[5][4];
    static template_question qs[2];
    static omr_template t;
    for (size_t r = 0; r < 2; r++) {
        for (size_t b = 0; b < 5; b++) {
            snprintf(values[b], sizeof values[b], "%zu", 5 - b);
            boxes[r][b] = (template_box){.value = values[b], .rect = {115.5 + 17.0 * (double)b, 121.0 + 14.0 * (double)r, 5, 5}};
        }
        qs[r] = (template_question){.id = r ? "q2b" : "q2a", .type = QUESTION_SINGLE, .boxes = boxes[r], .n_boxes = 5, .page = 1};
    }
    t = (omr_template){.id = "rows", .n_pages = 1, .questions = qs, .n_questions = 2};
    return &t;
}

/* n empty boxes of a clean page: nothing in them, no ray meeting ink */
static void empty_clean_page(box_measure *m, size_t n) {
    for (size_t i = 0; i < n; i++)
        m[i] = (box_measure){.fill = 0.0, .ring = 0.02, .ring_gap = 0.98, .outline_found = 1};
}

Test(decide_page, rays_a_clear_circle_closed_round_the_empty_box_beside_it_are_the_circles) {
    /* fresh seed 8414 MQQEQB38 q2b: "4" circled (rays 0.85, 18.5 mm^2 of ink
     * round it); "5" beside it, empty, just under 0.60 of its rays closed by that
     * circle and by q2a's oval above, 0.02 mm^2 round it, its rays clear of
     * the outline closed 0.19 (open 0.67 of a turn): "1 box unclear" */
    omr_template *t = two_rows();
    box_measure m[10];
    box_decision d[10];
    empty_clean_page(m, 10);
    m[3].ring = 0.85, m[3].ring_gap = 0.15, m[3].ring_clear = 0.85, m[3].ring_clear_gap = 0.15;
    m[3].ring_traced = 0.60, m[3].near_mm2 = 18.5;
    m[4].ring = 0.58, m[4].ring_gap = 0.10, m[4].ring_opposed = 0.25, m[4].ring_traced = 0.48, m[4].ring_clear = 0.19;
    m[4].ring_clear_gap = 0.67, m[4].near_mm2 = 0.02;
    decide_page_of(m, d, 10);
    cr_assert(d[3].circled && d[3].state == BOX_MARKED && d[3].confidence >= CIRCLE_STRONG, "the fixture's circle");
    cr_assert_eq(d[4].state, BOX_UNSURE, "the fixture: the rays alone send the box beside it to a person");
    decide_circle_rivals(&cal, t, 1, m, d, 10);
    question_answer a = decide(&t->questions[0], d);
    cr_assert_eq(a.status, ANSWER_OK, "the circle's arc closed those rays: %s", a.reason);
    cr_assert_eq(a.chosen, 3);
    free(a.selected);
    /* the box's rays clear of its outline closed all round: a circle of its
     * own, far out (nothing of it in the zone round the box): a person looks */
    m[4].ring_clear = 0.92, m[4].ring_clear_gap = 0.06;
    decide_page_of(m, d, 10);
    decide_circle_rivals(&cal, t, 1, m, d, 10);
    cr_assert_eq(decide(&t->questions[0], d).status, ANSWER_REVIEW);
    /* ... and with no clear circle beside it, the rays alone still do */
    m[4].ring_clear = 0.19, m[4].ring_clear_gap = 0.67;
    empty_clean_page(m, 4);
    decide_page_of(m, d, 10);
    decide_circle_rivals(&cal, t, 1, m, d, 10);
    cr_assert_eq(decide(&t->questions[0], d).status, ANSWER_REVIEW);
}

Test(decide_page, a_clear_circles_arc_leaves_its_ink_round_the_box_beside_it) {
    /* fresh seed 8432 K85PAZG9 q2e, a page whose empty boxes' rays meet
     * specks here and there: "4" circled (every ray closed, 11.7 mm^2 round
     * it); "3" beside it, 0.88 of its rays closed by that circle's arc, 4.5
     * mm^2 of the arc round it, its rays clear of the outline open 0.85 of
     * a turn: "1 box unclear". The arc's ink is the circle's */
    omr_template *t = two_rows();
    box_measure m[10];
    box_decision d[10];
    empty_clean_page(m, 10);
    for (int i = 0; i < 10; i++)
        m[i].ring = 0.58, m[i].ring_gap = 0.15, m[i].ring_opposed = 0.3, m[i].ring_traced = 0.35,
        m[i].ring_clear = 0.05, m[i].ring_clear_gap = 0.95, m[i].near_mm2 = 0.9 + 0.1 * (i % 3);
    m[3].ring = 1.0, m[3].ring_gap = 0, m[3].ring_opposed = 1.0, m[3].ring_traced = 0.62, m[3].ring_clear = 1.0,
    m[3].ring_clear_gap = 0, m[3].near_mm2 = 11.7;
    m[2].ring = 0.88, m[2].ring_gap = 0.06, m[2].ring_opposed = 0.5, m[2].ring_traced = 0.75, m[2].ring_clear = 0.15,
    m[2].ring_clear_gap = 0.85, m[2].near_mm2 = 4.5;
    decide_page_of(m, d, 10);
    cr_assert(d[3].circled && d[3].state == BOX_MARKED, "the fixture's circle");
    cr_assert_eq(d[2].state, BOX_UNSURE, "the fixture: the rays send the box beside it to a person");
    decide_circle_rivals(&cal, t, 1, m, d, 10);
    question_answer a = decide(&t->questions[0], d);
    cr_assert_eq(a.status, ANSWER_OK, "the circle's arc: %s", a.reason);
    cr_assert_eq(a.chosen, 3);
    /* as much ink as a circle of its own leaves: a person looks */
    m[2].near_mm2 = 8;
    decide_page_of(m, d, 10);
    decide_circle_rivals(&cal, t, 1, m, d, 10);
    cr_assert_eq(decide(&t->questions[0], d).status, ANSWER_REVIEW);
}

Test(decide_page, a_circle_reaching_the_next_questions_box_is_no_ink_beside_that_box) {
    /* seed 7333 TXBCKRMD: a circle round q2a's fourth box reaches down to
     * q2b's fourth box, 2.1 mm^2 of its ink inside that box's near zone;
     * q2b is blank and went to review as "ink beside a box" */
    omr_template *t = two_rows();
    box_measure m[10];
    box_decision d[10];
    empty_clean_page(m, 10);
    m[3] = (box_measure){.fill = 0.0, .near_mm2 = 14.1, .ring = 0.85, .ring_gap = 0.06, .outline_found = 1};
    m[8].near_mm2 = 2.1, m[8].ring = 0.23, m[8].ring_gap = 0.52;
    decide_page_of(m, d, 10);
    cr_assert(d[3].circled && d[3].state == BOX_MARKED);
    cr_assert(d[8].ink_near && d[8].state == BOX_BLANK);
    decide_circle_spill(t, 1, m, d, 10);
    cr_assert_not(d[8].ink_near, "the circle above put that ink there");
    question_answer a = decide(&t->questions[1], &d[5]);
    cr_assert_eq(a.status, ANSWER_OK, "%s", a.reason);
    cr_assert_eq(a.chosen, -1, "q2b is blank");
    a = decide(&t->questions[0], d);
    cr_assert_eq(a.chosen, 3);

    /* more than the thinnest pen's smallest circle, but under half of what
     * this hand's circle leaves round its own box: the arc passing by (seed
     * 6833 BFKZVJNA: 4.2 mm^2 beside q2b's blank box, the circle above
     * leaving 12.2 round its own) */
    m[8].near_mm2 = 4.5;
    decide_page_of(m, d, 10);
    cr_assert(d[8].ink_near);
    decide_circle_spill(t, 1, m, d, 10);
    cr_assert_not(d[8].ink_near, "4.5 mm^2 beside a circle leaving 14.1 round its own box is its arc");
    /* as much ink as this hand's circle leaves round its own box: a person looks */
    m[8].near_mm2 = 7.5;
    decide_page_of(m, d, 10);
    decide_circle_spill(t, 1, m, d, 10);
    cr_assert(d[8].ink_near);
    /* ink along the box's own outline on three sides or four (a tight
     * circle hugging a bled outline: fresh seed 8373 RC5U67P3 q3b, 3.78
     * mm^2 round the box, 1.51 of it along the outline, under a circled
     * box of q3a leaving 24.6): no arc passing by; a person looks, never
     * blank (it was read blank, silently) */
    m[8].near_mm2 = 3.78, m[8].ring_hug_mm2 = 1.51;
    decide_page_of(m, d, 10);
    decide_circle_spill(t, 1, m, d, 10);
    cr_assert(d[8].ink_near, "a stroke round the box itself is no arc of the circle above");
    cr_assert_eq(decide(&t->questions[1], &d[5]).status, ANSWER_REVIEW);
    /* ... as the form is assembled: decisions as the ledger keeps them (their
     * flags), the measures without their rings */
    decide_page_of(m, d, 10);
    for (size_t k = 0; k < 10; k++) {
        box_decision kept = {.state = d[k].state, .confidence = d[k].confidence, .fill = d[k].fill};
        decide_box_set_flags(&kept, decide_box_flags(&d[k]));
        d[k] = kept;
    }
    m[8].ring_hug_mm2 = 0;
    decide_circle_spill(t, 1, m, d, 10);
    cr_assert(d[8].ink_near, "the stroke round the box is kept with its decision");
    /* ink beside a box no circle reaches (two columns away): a person looks */
    m[8].near_mm2 = 0, m[6].near_mm2 = 2.1;
    decide_page_of(m, d, 10);
    decide_circle_spill(t, 1, m, d, 10);
    cr_assert(d[6].ink_near, "q2b's second box is 34 mm from the circled box");
    cr_assert_eq(decide(&t->questions[1], &d[5]).status, ANSWER_REVIEW);
}

Test(decide_page, a_barely_closed_circle_with_a_pens_ink_round_its_box_is_read) {
    /* seed 8581 YG9848M8 q5: a black circle closing 58% of the directions
     * (gap 0.21), 9.0 mm^2 of ink round its box, on a page of crosses whose
     * empty boxes carry about 0.1 mm^2 */
    enum { N = 30 };
    box_measure m[N];
    box_decision d[N];
    for (size_t i = 0; i < N; i++)
        m[i] = (box_measure){.fill = 0.0, .near_mm2 = 0.05 + 0.01 * (double)(i % 5), .ring = 0.04,
                             .ring_gap = 0.9, .outline_found = 1};
    m[2] = m[9] = m[14] = (box_measure){.fill = 0.40, .extent = 1, .darkness = 0.8, .core_mm2 = 4, .outline_found = 1};
    m[21].ring = 0.583, m[21].ring_gap = 0.21, m[21].ring_opposed = 0.3, m[21].near_mm2 = 8.95;
    decide_page_of(m, d, N);
    cr_assert_eq(d[21].state, BOX_MARKED);
    cr_assert(d[21].circled);
    template_question q = question(QUESTION_SINGLE, 5);
    question_answer a = decide(&q, &d[20]);
    cr_assert_eq(a.status, ANSWER_OK, "%s", a.reason);
    cr_assert_eq(a.chosen, 1);
    /* the same rays with little ink round the box (a neighbour's spill, a
     * word beside it): not a pen's circle, a person looks */
    m[21].near_mm2 = 2.5;
    decide_page_of(m, d, N);
    cr_assert_eq(d[21].state, BOX_UNSURE);
    /* on a page whose empty boxes all carry ink near them (noise), 9 mm^2
     * does not stand apart */
    for (size_t i = 0; i < N; i++)
        if (i != 21 && m[i].fill == 0)
            m[i].near_mm2 = 3.0;
    m[21].near_mm2 = 8.95;
    decide_page_of(m, d, N);
    cr_assert_eq(d[21].state, BOX_UNSURE);
}

Test(decide_page, rays_barely_closed_by_scattered_ink_with_none_round_the_box_are_no_circle) {
    /* fresh seed 8501 --folds --warp 1.7, 2SXTMVJ9 q3a: three empty boxes
     * of a clean page, rays 0.52-0.54 closed here and there (0.33-0.40
     * traced by their neighbours), 0.02-0.16 mm^2 round them; T95RKC94
     * q4a "Vet ej" the same on a page whose rays are noisy, 1.17 mm^2
     * round it. Each sent its form to a person */
    enum { N = 30 };
    for (int noisy = 0; noisy < 2; noisy++) {
        box_measure m[N];
        box_decision d[N];
        for (size_t i = 0; i < N; i++)
            m[i] = (box_measure){.fill = 0.0, .near_mm2 = 0.05 + 0.01 * (double)(i % 5),
                                 .ring = noisy ? 0.19 : 0.04, .ring_gap = 0.9, .outline_found = 1};
        m[2] = m[9] = m[14] = (box_measure){.fill = 0.40, .extent = 1, .darkness = 0.8, .core_mm2 = 4, .outline_found = 1};
        m[21].ring = 0.54, m[21].ring_gap = 0.23, m[21].ring_opposed = 0.17, m[21].ring_traced = 0.33;
        m[21].ring_clear = 0.42, m[21].ring_clear_gap = 0.46;
        m[21].near_mm2 = noisy ? 1.17 : 0.02;
        decide_page_of(m, d, N);
        cr_assert_eq(d[21].state, BOX_BLANK, "noisy %d: scattered rays read %s", noisy,
                     decide_box_state_name(d[21].state));
        /* the same rays closed by one line far out (their neighbours meet
         * it at nearly one distance): a hand's barely closed circle, never
         * blank */
        m[21].ring_traced = 0.50, m[21].ring_clear = 0.54, m[21].ring_clear_gap = 0.23;
        decide_page_of(m, d, N);
        cr_assert_neq(d[21].state, BOX_BLANK, "noisy %d: a line round the box read blank", noisy);
        /* ... and scattered, but with more ink round the box than an empty
         * one may hold: a person looks */
        m[21].ring_traced = 0.33, m[21].ring_clear = 0.42, m[21].ring_clear_gap = 0.46;
        m[21].near_mm2 = 2.5;
        decide_page_of(m, d, N);
        cr_assert_eq(d[21].state, BOX_UNSURE, "noisy %d: ink round the box read %s", noisy,
                     decide_box_state_name(d[21].state));
    }
    /* a barely closed circle round the label (its rays are not traced:
     * ring_traced is the box's own), with no ink round the box, is never
     * blank either */
    {
        box_measure m[N];
        box_decision d[N];
        for (size_t i = 0; i < N; i++)
            m[i] = (box_measure){.fill = 0.0, .near_mm2 = 0.05, .ring = 0.04, .ring_gap = 0.9, .outline_found = 1};
        m[21].label_ring = 0.54, m[21].label_gap = 0.23, m[21].label_opposed = 0.3, m[21].near_mm2 = 0.02;
        decide_page_of(m, d, N);
        cr_assert_neq(d[21].state, BOX_BLANK, "a barely closed circle round the label read blank");
    }
    /* on a page of a hand that circles (two clear circles), scattered rays
     * are no circle either (fresh seed 8513 R3AHNX4X q2d "1", under the
     * circle round q2c's "1": read as circled beside the answer) */
    box_measure m[N];
    box_decision d[N];
    for (size_t i = 0; i < N; i++)
        m[i] = (box_measure){.fill = 0.0, .near_mm2 = 0.05, .ring = 0.04, .ring_gap = 0.9, .outline_found = 1};
    m[4].ring = m[4].ring_traced = m[4].ring_clear = m[4].ring_opposed = 1.0, m[4].ring_gap = m[4].ring_clear_gap = 0;
    m[4].near_mm2 = 13.1;
    m[12] = m[4];
    m[21].ring = 0.48, m[21].ring_gap = 0.23, m[21].ring_opposed = 0.25, m[21].ring_traced = 0.29;
    m[21].ring_clear = 0.17, m[21].ring_clear_gap = 0.54, m[21].near_mm2 = 0.04;
    decide_page_of(m, d, N);
    cr_assert(d[4].circled && d[12].circled);
    cr_assert_eq(d[21].state, BOX_BLANK, "scattered rays on a circling page read %s", decide_box_state_name(d[21].state));
}

/* held-out 4612 1U7LIVKA page 1: a hand in very light pencil (darkness
 * 0.19 in every mark), three marks read at fill 0.11-0.13, six pressed
 * lighter (0.055-0.080) sent to a person, the empty boxes 0.000. As dark
 * as the hand's marks and far above the empty boxes, they are its marks;
 * a trace paler than the hand's is not, nor is a light trace on a page
 * crossed in pen */
Test(decide_page, a_very_light_pencils_lighter_marks_are_its_marks) {
    enum { N = 30 };
    for (int k = 0; k < 3; k++) {
        box_measure m[N];
        box_decision d[N];
        for (size_t i = 0; i < N; i++)
            m[i] = (box_measure){.fill = 0.0, .outline_found = 1, .box_x_mm = 20.0 + 17 * (double)(i % 5),
                                 .box_y_mm = 80.0 + 14 * (double)(i / 5)};
        double hand = k == 2 ? 0.9 : 0.19; /* k 2: a page crossed in pen */
        size_t firm[3] = {3, 9, 16};
        for (int f = 0; f < 3; f++)
            m[firm[f]].fill = 0.12, m[firm[f]].extent = 0.95, m[firm[f]].darkness = hand, m[firm[f]].faint_fill = 0.12;
        m[22].fill = 0.06, m[22].extent = 0.3, m[22].faint_fill = 0.06;
        m[22].darkness = k == 1 ? 0.09 : 0.19; /* k 1: paler than the hand */
        decide_page_of(m, d, N);
        for (int f = 0; f < 3; f++)
            cr_assert_eq(d[firm[f]].state, BOX_MARKED, "k %d: a firm mark read %s", k,
                         decide_box_state_name(d[firm[f]].state));
        if (k == 0)
            cr_assert_eq(d[22].state, BOX_MARKED, "the hand's lighter mark read %s", decide_box_state_name(d[22].state));
        else
            cr_assert_eq(d[22].state, BOX_UNSURE, "k %d: read %s", k, decide_box_state_name(d[22].state));
    }
}

Test(decide_page, a_pale_dot_far_above_its_pages_empty_boxes_is_never_silently_blank) {
    /* seed 9931 MDG4W9J9 q4b: a dotter's pencil dot at 200 dpi, no dark
     * core, fill 0.023 (under blank_max) on a page whose empty boxes hold
     * 0.000-0.0014: it was read blank, a wrong answer */
    enum { N = 25 };
    box_measure m[N];
    box_decision d[N];
    for (size_t i = 0; i < N; i++)
        m[i] = (box_measure){.fill = 0.0014 * (double)(i % 2), .outline_found = 1};
    const box_measure dot = {.fill = 0.17, .faint_fill = 0.19, .extent = 0.41, .darkness = 0.66, .core_mm2 = 1.44,
                             .compact = 0.68, .ink_span = 0.7, .outline_found = 1};
    m[0] = m[6] = m[18] = dot;
    m[12] = (box_measure){.fill = 0.0233, .faint_fill = 0.0412, .darkness = 0.41, .compact = 0.23, .ink_span = 0.75,
                          .outline_found = 1};
    cr_assert_eq(decide_box(&cal, &m[12]).state, BOX_BLANK, "alone, under blank_max");
    decide_page_of(m, d, N);
    cr_assert_eq(d[12].state, BOX_UNSURE);
    template_question q = question(QUESTION_SINGLE, 5);
    question_answer a = decide(&q, &d[10]);
    cr_assert_eq(a.status, ANSWER_REVIEW, "a person looks");
    for (size_t i = 0; i < N; i++)
        if (m[i].fill < 0.01)
            cr_assert_eq(d[i].state, BOX_BLANK, "box %zu, an empty box of the page", i);
    /* beside crosses (no dotting hand), the same ink is the page's print
     * and residue, as on AMC's scans: blank */
    for (size_t i = 0; i < N; i++)
        if (m[i].core_mm2 > 1)
            m[i] = (box_measure){.fill = 0.40, .extent = 1, .darkness = 0.8, .core_mm2 = 4, .outline_found = 1};
    decide_page_of(m, d, N);
    cr_assert_eq(d[12].state, BOX_BLANK, "a crossing hand's page");
    for (size_t i = 0; i < N; i++)
        if (m[i].core_mm2 > 1)
            m[i] = dot;
    /* on a page whose empty boxes all hold 0.02 (grey noise), it is one of them */
    for (size_t i = 0; i < N; i++)
        if (m[i].fill < 0.01)
            m[i].fill = 0.02;
    decide_page_of(m, d, N);
    cr_assert_eq(d[12].state, BOX_BLANK);
}

Test(decide_page, an_oval_round_one_options_label_is_not_read_as_the_next_option) {
    /* seed 4127 BYAWXGMG q4c: an oval round option 1's label, open by 0.31
     * of the directions (not a circle by itself), its lower arc over option
     * 2's label: option 2's label rays closed 0.48 with a small gap, so
     * option 2 was read as circled (fill 0), silently wrong */
    omr_template *t = two_rows();
    box_measure m[10];
    box_decision d[10];
    empty_clean_page(m, 10);
    m[0].near_mm2 = 43.4, m[0].label_ring = 0.667, m[0].label_gap = 0.312, m[0].label_opposed = 0.5;
    m[1].near_mm2 = 20.7, m[1].label_ring = 0.479, m[1].label_gap = 0.271, m[1].label_opposed = 0.3;
    decide_page_of(m, d, 10);
    cr_assert(d[1].circled && d[1].state == BOX_MARKED, "the fixture: option 2 looks circled");
    decide_circle_rivals(&cal, t, 1, m, d, 10);
    cr_assert_eq(d[1].state, BOX_UNSURE, "option 1 shows more ring than the circled option 2");
    question_answer a = decide(&t->questions[0], d);
    cr_assert_eq(a.status, ANSWER_REVIEW, "%s", a.reason);
    cr_assert_eq(a.chosen, -1);

    /* a circle round option 2 itself, option 1 showing a little of its arc:
     * the circle is option 2's */
    m[0].label_ring = 0.30, m[0].label_gap = 0.5, m[0].near_mm2 = 3.0;
    m[1].ring = 0.92, m[1].ring_gap = 0.04, m[1].label_ring = 0.2, m[1].near_mm2 = 15.0;
    decide_page_of(m, d, 10);
    decide_circle_rivals(&cal, t, 1, m, d, 10);
    cr_assert(d[1].circled && d[1].state == BOX_MARKED);
    cr_assert_eq(decide(&t->questions[0], d).chosen, 1);
    /* another question's ring is no rival */
    m[6].ring = 0.95, m[6].ring_gap = 0.3;
    decide_page_of(m, d, 10);
    decide_circle_rivals(&cal, t, 1, m, d, 10);
    cr_assert(d[1].circled && d[1].state == BOX_MARKED);
}

Test(decide_page, rays_meeting_specks_on_a_noisy_page_are_no_circle_without_a_pens_ink) {
    /* seed 8291 NB9KYZN5 q2c (a fax page, specks everywhere): an empty box's
     * rays met specks in 0.73 of the directions, 0.04 mm^2 round the box, on
     * a page whose median box had 0.15; it was read as circled, silently */
    enum { N = 40 };
    box_measure m[N];
    box_decision d[N];
    for (size_t i = 0; i < N; i++)
        m[i] = (box_measure){.fill = 0.0, .ring = 0.05 + 0.25 * (double)(i % 5) / 4, .ring_gap = 0.6,
                             .near_mm2 = 0.05, .outline_found = 1};
    /* specks lie at any distance: the rays clear of the outline meet them too */
    m[23].ring = 0.73, m[23].ring_gap = 0.23, m[23].near_mm2 = 0.04;
    m[23].ring_clear = 0.69, m[23].ring_clear_gap = 0.25;
    decide_page_of(m, d, N);
    cr_assert_neq(d[23].state, BOX_MARKED, "specks read as a circle");
    cr_assert_neq(d[23].state, BOX_BLANK, "rays closed all round: a person looks, never blank");
    /* rays closed only within the band round the box's own outline (fresh
     * seed 8403 ZF43TRAD q2e, an empty box: 0.83 closed, 0.02 clear of the
     * outline as round the boxes about it, 0.04 mm^2 round it, no stroke
     * along the outline): the box's own outline, judged without rings */
    m[23].ring = 0.83, m[23].ring_gap = 0.06, m[23].ring_clear = 0.02, m[23].ring_clear_gap = 0.98;
    decide_page_of(m, d, N);
    cr_assert_eq(d[23].state, BOX_BLANK, "the box's own outline is no circle");
    /* ... but a stroke along the outline (a tight circle hidden in it), or a
     * pen's ink round the box, is never blank */
    m[23].ring_hug_mm2 = 2.2;
    decide_page_of(m, d, N);
    cr_assert_neq(d[23].state, BOX_BLANK, "a tight circle along the outline");
    m[23].ring_hug_mm2 = 0, m[23].near_mm2 = 2.5;
    decide_page_of(m, d, N);
    cr_assert_neq(d[23].state, BOX_BLANK, "ink round the box");
    m[23].ring = 0.73, m[23].ring_gap = 0.23, m[23].ring_clear = 0.69, m[23].ring_clear_gap = 0.25;
    /* the same rays with a pen line's ink round the box: a circle */
    m[23].near_mm2 = 12.0;
    decide_page_of(m, d, N);
    cr_assert(d[23].circled && d[23].state == BOX_MARKED);
    /* ... or with a line drawn all round, neighbouring rays meeting it at
     * nearly one distance, far out beyond the near zone (fresh seed 8371
     * XW7XM2EV q2d: an oval 20 by 15 mm, every ray closed and traced, 1.03
     * mm^2 round the box): a circle */
    m[23].ring = 1.0, m[23].ring_gap = 0, m[23].near_mm2 = 1.03, m[23].ring_traced = 1.0;
    m[23].ring_clear = 1.0, m[23].ring_clear_gap = 0;
    decide_page_of(m, d, N);
    cr_assert(d[23].circled && d[23].state == BOX_MARKED, "an oval traced all round, far out");
    /* ... but not the box's own outline, moved off its print by a bent
     * sheet and traced all round just outside it (8336 SREJ7Y3V q4a: 0.94
     * traced, nothing beyond the outline) */
    m[23].ring = 0.96, m[23].ring_gap = 0.04, m[23].ring_traced = 0.94, m[23].near_mm2 = 0.61;
    m[23].ring_clear = 0.04, m[23].ring_clear_gap = 0.94;
    decide_page_of(m, d, N);
    cr_assert_neq(d[23].state, BOX_MARKED, "an outline traced round, nothing clear of it");
    m[23].ring = 1.0, m[23].ring_gap = 0, m[23].near_mm2 = 1.03, m[23].ring_clear = 1.0, m[23].ring_clear_gap = 0;
    /* specks met at any distance are traced a little of the way round */
    m[23].ring_traced = 0.33;
    decide_page_of(m, d, N);
    cr_assert_eq(d[23].state, BOX_UNSURE, "specks all round, not one line");
    m[23].ring_traced = 0;
    /* on a clean page (empty boxes' rays meet nothing) a wide circle, whose
     * line lies beyond the near zone, is read from its rays */
    for (size_t i = 0; i < N; i++)
        m[i].ring = 0.02, m[i].ring_gap = 0.98;
    m[23].ring = 0.73, m[23].ring_gap = 0.23, m[23].near_mm2 = 0.04;
    decide_page_of(m, d, N);
    cr_assert(d[23].circled && d[23].state == BOX_MARKED);
}

Test(decide_page, a_hand_that_circles_does_not_make_its_page_speckled) {
    /* fresh seed 8393 --folds --warp 1, 69S9FR4S page 1: a hand that
     * circled nine answers, each circle closing part of its neighbours'
     * rays, so that the page's median box had 0.125 of its rays closed and
     * the page was taken for a speckled one; a tight circle round q2e's
     * "5" (0.85 closed, 2.72 mm^2 of ink round the box, under the 3 a pen
     * circle leaves) went to a person as rays alone. Here ten columns of
     * four stacked options 8 mm apart: eight pen circles in the second row,
     * their neighbours above and below 0.3 closed by their arcs, the other
     * boxes 0.05; the tight circle in column 10 */
    enum { COLS = 10, ROWS = 4, N = COLS * ROWS };
    box_measure m[N];
    box_decision d[N];
    for (int c = 0; c < COLS; c++)
        for (int r = 0; r < ROWS; r++) {
            box_measure *b = &m[c * ROWS + r];
            *b = (box_measure){.fill = 0.0, .ring = 0.05, .ring_gap = 0.9, .near_mm2 = 0.05, .outline_found = 1,
                               .box_x_mm = 20 + 18.0 * c, .box_y_mm = 100 + 8.0 * r};
            if (r == 1 && c < 8) /* a pen circle */
                b->ring = 0.95, b->ring_gap = 0.02, b->near_mm2 = 9.0;
            if (r != 1 && r != 3 && (c < 8 || c == 9)) /* a neighbour its arcs reach */
                b->ring = 0.3, b->ring_gap = 0.5;
        }
    box_measure *tight = &m[9 * ROWS + 1];
    tight->ring = 0.85, tight->ring_gap = 0.04, tight->near_mm2 = 2.72, tight->ring_traced = 0.75;
    tight->ring_clear = 0.35, tight->ring_clear_gap = 0.46;
    cr_assert_geq(decide_page_ray_level(m, N, RAYS_EITHER), 0.10, "the fixture: the page looks speckled");
    decide_page_of(m, d, N);
    for (int c = 0; c < 8; c++)
        cr_assert(d[c * ROWS + 1].circled, "column %d's pen circle", c + 1);
    cr_assert(d[9 * ROWS + 1].circled && d[9 * ROWS + 1].state == BOX_MARKED,
              "the tight circle went to a person: %s", decide_box_state_name(d[9 * ROWS + 1].state));
    /* a fax's specks all over the page, no pen circle: rays alone are no circle */
    for (int i = 0; i < N; i++)
        if (&m[i] != tight)
            m[i].ring = 0.15 + 0.1 * (i % 3), m[i].ring_gap = 0.6, m[i].near_mm2 = 0.05;
    decide_page_of(m, d, N);
    cr_assert_eq(d[9 * ROWS + 1].state, BOX_UNSURE, "rays on a speckled page read as a circle");
}

Test(decide_page, a_page_that_dots_in_a_form_that_does_not_has_its_dots_reviewed) {
    /* seed 5903 H2Q5MSAT: a circler (seven circled questions on page 1) dots
     * two questions on page 2 beside one cross: page 2 alone looks like a
     * dotter's and its two dots were read; the form's hand is no dotter's,
     * so each lone dot is anyone's guess (issue 9: every ambiguous answer
     * flagged) */
    enum { N = 20 };
    omr_template *form = two_page_form();
    box_measure m1[N], m2[N];
    box_decision d1[N], d2[N];
    for (size_t i = 0; i < N; i++) {
        m1[i] = (box_measure){.fill = 0.002, .ring = 0.02, .ring_gap = 0.98, .outline_found = 1};
        m2[i] = m1[i];
    }
    box_measure dot = {.fill = 0.10, .extent = 0.35, .core_mm2 = 1.0, .darkness = 0.8, .outline_found = 1};
    box_measure cross = {.fill = 0.35, .extent = 1, .core_mm2 = 4, .darkness = 0.8, .outline_found = 1};
    box_measure circle = {.fill = 0.0, .ring = 0.95, .ring_gap = 0.02, .near_mm2 = 15, .outline_found = 1};
    for (size_t q = 0; q < 5; q++)
        m1[4 * q + 1] = circle;
    m2[2] = dot, m2[5] = dot, m2[9] = cross;
    decide_page_of(m1, d1, N);
    decide_page_of(m2, d2, N);
    cr_assert_eq(d2[2].state, BOX_MARKED, "the fixture: page 2 alone reads its dots");
    box_decision *pages[2] = {d1, d2};
    cr_assert_not(decide_form_dots(form, pages, 2), "five circled questions, two dotted");
    cr_assert(decide_form_denies_dots(form, pages, 2), "six other answers against two dots");
    decide_unread_dots(d2, N);
    cr_assert_eq(d2[2].state, BOX_UNSURE);
    cr_assert_eq(d2[5].state, BOX_UNSURE);
    cr_assert_eq(d2[9].state, BOX_MARKED, "the cross stays");
    cr_assert_eq(decide(&form->questions[5], &d2[0]).status, ANSWER_REVIEW);
    /* the same page in a dotter's form keeps its dots */
    for (size_t q = 0; q < 5; q++)
        m1[4 * q + 1] = dot;
    decide_page_of(m1, d1, N);
    decide_page_of(m2, d2, N);
    cr_assert(decide_form_dots(form, pages, 2));
    cr_assert_not(decide_form_denies_dots(form, pages, 2));
    cr_assert_eq(d2[2].state, BOX_MARKED);
    /* seed 5903 3JTDS5ZM: a dotter's page of dots beside a page of crosses
     * and fills (dotted questions 3 here, other answers 5): no dotter by the
     * form's count, but not clearly otherwise: each page keeps its reading */
    for (size_t q = 0; q < 5; q++)
        m1[4 * q + 1] = q < 3 ? dot : cross;
    m2[2] = cross, m2[5] = cross, m2[9] = cross;
    decide_page_of(m1, d1, N);
    decide_page_of(m2, d2, N);
    cr_assert_eq(d1[1].state, BOX_MARKED, "page 1 alone: three dots beside two crosses");
    cr_assert_not(decide_form_dots(form, pages, 2));
    cr_assert_not(decide_form_denies_dots(form, pages, 2), "3 dotted questions against 5 others");
}

Test(decide_page, a_dotters_fills_and_corrections_do_not_outvote_its_dots) {
    /* seed 6833 XBQYC974: a dotter's four dotted questions beside four
     * crossed or ticked ones, one box filled solid and corrections (a box
     * filled beside the answering cross, as ekb-2024 prints the rule): its
     * dots went to review. A correction is marked as the form's rule says,
     * whoever answers; a fill is no cross: the hand's way is told by its
     * plain marks. Page 1: two dots, three crosses; page 2: two dots, a
     * cross, a lone solid box, a correction */
    enum { N = 20 };
    omr_template *form = two_page_form();
    box_measure m1[N], m2[N];
    box_decision d1[N], d2[N];
    for (size_t i = 0; i < N; i++) {
        m1[i] = (box_measure){.fill = 0.002, .outline_found = 1};
        m2[i] = m1[i];
    }
    box_measure dot = {.fill = 0.10, .extent = 0.35, .core_mm2 = 1.0, .darkness = 0.8, .outline_found = 1};
    box_measure cross = {.fill = 0.35, .extent = 1, .core_mm2 = 4, .darkness = 0.8, .outline_found = 1};
    box_measure solid = {.fill = 0.97, .extent = 1, .core_mm2 = 12, .darkness = 0.8, .outline_found = 1};
    m1[0] = dot, m1[5] = dot, m1[10] = cross, m1[13] = cross, m1[18] = cross;
    m2[1] = dot, m2[6] = dot, m2[8] = cross, m2[13] = solid, m2[16] = solid, m2[18] = cross;
    decide_page_of(m1, d1, N);
    decide_page_of(m2, d2, N);
    cr_assert_eq(d1[0].state, BOX_UNSURE, "page 1 alone: two dots beside three crosses");
    cr_assert_eq(d2[1].state, BOX_UNSURE, "page 2 alone: two dots beside four firm boxes");
    box_decision *pages[2] = {d1, d2};
    cr_assert(decide_form_dots(form, pages, 2), "four dotted questions, four plainly crossed");
    cr_assert_not(decide_form_denies_dots(form, pages, 2));
    decide_read_dots(d1, N);
    decide_read_dots(d2, N);
    cr_assert_eq(d1[0].state, BOX_MARKED);
    cr_assert_eq(d2[6].state, BOX_MARKED);
    question_answer a = decide(&form->questions[9], &d2[16]);
    cr_assert_eq(a.status, ANSWER_OK, "%s", a.reason);
    cr_assert_eq(a.chosen, 2, "the correction: the cross is the answer");
    /* a crosser with the same fills and corrections and two lone dots: its
     * dots stay anyone's guess */
    m2[1] = cross, m2[6] = cross;
    decide_page_of(m1, d1, N);
    decide_page_of(m2, d2, N);
    cr_assert_not(decide_form_dots(form, pages, 2), "two dotted questions, six crossed");
    cr_assert_eq(decide(&form->questions[0], &d1[0]).status, ANSWER_REVIEW);
}

Test(decide_page, a_label_circled_on_a_page_whose_box_outlines_bleed_is_read_by_its_label_rays) {
    /* seed 6833 9W6652YV page 2, a harsh 1-bit scan at 200 dpi: every box's
     * own rays meet its bled outline (0.92-1.00), the labels' rays far less
     * (0.08-0.35); "Vet ej" circled in pencil: label rays 1.00, gap 0.04,
     * 34.6 mm^2 of ink round the box against the empty boxes' 0.2-1.8. It
     * went to review as ink beside a box */
    omr_template *t = two_rows();
    box_measure m[10];
    box_decision d[10];
    for (size_t i = 0; i < 10; i++)
        m[i] = (box_measure){.fill = 0.002, .ring = 0.92 + 0.01 * (double)(i % 8), .ring_gap = 0.04,
                             .label_ring = 0.08 + 0.03 * (double)(i % 8), .label_gap = 0.45,
                             .near_mm2 = 0.2 + 0.15 * (double)(i % 9), .outline_found = 1};
    m[2].label_ring = 1.0, m[2].label_gap = 0.04, m[2].label_opposed = 1.0, m[2].near_mm2 = 34.6;
    m[3].near_mm2 = 7.2; /* the circle's ink beside the next box */
    decide_page_of(m, d, 10);
    decide_circle_rivals(&cal, t, 1, m, d, 10);
    cr_assert(d[2].circled && d[2].state == BOX_MARKED, "label rays far above the page's labels, a pen's ink");
    cr_assert_gt(d[2].confidence, 0.9);
    question_answer a = decide(&t->questions[0], d);
    cr_assert_eq(a.status, ANSWER_OK, "%s", a.reason);
    cr_assert_eq(a.chosen, 2);
    /* the same label rays without a pen's ink round the box: no circle */
    m[2].near_mm2 = 0.9;
    decide_page_of(m, d, 10);
    cr_assert_not(d[2].circled);
    /* where the labels' rays are closed too (all of the page bled), none
     * stands apart: the ink goes to review, never to blank */
    m[2].near_mm2 = 34.6;
    for (size_t i = 0; i < 10; i++)
        if (i != 2)
            m[i].label_ring = 0.9, m[i].label_gap = 0.06, m[i].label_opposed = 0.85;
    decide_page_of(m, d, 10);
    cr_assert_not(d[2].circled);
    cr_assert_eq(decide(&t->questions[0], d).status, ANSWER_REVIEW);
    /* a label on a fold's speckled panel, its rays closed by the specks
     * round it (fresh seed 8571 35TGS9B6 q4b: 19.6 mm^2 round the box, 0.48
     * of it specks, label rays 0.95): no circle, a person looks */
    for (size_t i = 0; i < 10; i++)
        if (i != 2)
            m[i].label_ring = 0.08 + 0.03 * (double)(i % 8), m[i].label_gap = 0.45, m[i].label_opposed = 0;
    m[2].label_ring = 0.95, m[2].label_gap = 0.05, m[2].label_opposed = 0.90;
    m[2].near_mm2 = 19.6, m[2].near_specks = 0.48;
    decide_page_of(m, d, 10);
    cr_assert_not(d[2].circled, "specks round the label are no pen's circle");
    cr_assert_eq(decide(&t->questions[0], d).status, ANSWER_REVIEW);
    /* a pen's line round it, a few specks beside: the circle */
    m[2].near_specks = 0.1;
    decide_page_of(m, d, 10);
    cr_assert(d[2].circled && d[2].state == BOX_MARKED);
}

Test(decide_page, ink_beside_a_box_counts_above_its_pages_own_level) {
    /* seed 6833 9W6652YV page 2: its empty boxes carry 0.2-1.8 mm^2 of bled
     * print round them (median 0.45); q4c's blank box with 1.82 went to
     * review as ink beside a box */
    omr_template *t = two_rows();
    box_measure m[10];
    box_decision d[10];
    for (size_t i = 0; i < 10; i++)
        m[i] = (box_measure){.fill = 0.002, .near_mm2 = 0.2 + 0.1 * (double)i, .outline_found = 1};
    m[0] = (box_measure){.fill = 0.4, .extent = 1, .core_mm2 = 4, .darkness = 0.9, .outline_found = 1};
    m[7].near_mm2 = 1.82;
    decide_page_of(m, d, 10);
    cr_assert_not(d[7].ink_near, "1.82 mm^2 on a page whose empty boxes hold 0.2-1.1");
    question_answer a = decide(&t->questions[1], &d[5]);
    cr_assert_eq(a.status, ANSWER_OK, "%s", a.reason);
    /* a stroke beside the box, well above the page's level: a person looks */
    m[7].near_mm2 = 2.6;
    decide_page_of(m, d, 10);
    cr_assert(d[7].ink_near);
    cr_assert_eq(decide(&t->questions[1], &d[5]).status, ANSWER_REVIEW);
    /* on a clean page the threshold stays where it was */
    for (size_t i = 1; i < 10; i++)
        m[i].near_mm2 = 0.02;
    m[7].near_mm2 = 1.6;
    decide_page_of(m, d, 10);
    cr_assert(d[7].ink_near);
}

/* Down a column a line runs beside the boxes: its ink lies left of their
 * column (a row's line lies above or below the boxes, where measure keeps
 * no split) */
static void line_ink_beside(box_measure *m, size_t n, int column) {
    for (size_t i = 0; i < n; i++)
        m[i].near_left_mm2 = column ? m[i].near_mm2 : 0;
}

/* Ink round every empty box of a row alike: a fold's crease the warp bent
 * off its fitted line along the row (fresh seed 8452 --folds --warp 2.2,
 * R3XAJGT3 q1b: 2.7-4.8 mm^2 round its four empty boxes, 0.3 the page's
 * level), no mark beside one box; the same down a column. A stroke beside
 * one box of the row, the others clean, is still for a person. */
Test(decide_page, ink_round_every_empty_box_of_a_row_is_no_mark_beside_one_of_them) {
    omr_template *t = two_rows();
    box_measure m[10];
    box_decision d[10];
    for (int column = 0; column < 2; column++) {
        for (size_t i = 0; i < 10; i++) {
            omr_rect r = t->questions[i / 5].boxes[i % 5].rect;
            /* as a column: the rows turned, boxes 14 mm apart down x = 115.5 + 17 r */
            double x = column ? r.y - 121.0 + 115.5 : r.x, y = column ? r.x - 115.5 + 121.0 : r.y;
            m[i] = (box_measure){.fill = 0.002, .near_mm2 = 0.3, .outline_found = 1, .box_x_mm = x + 2.5,
                                 .box_y_mm = y + 2.5};
        }
        m[6].fill = 0.4, m[6].extent = 1, m[6].core_mm2 = 4, m[6].darkness = 0.9; /* the cross */
        m[5].near_mm2 = 2.72, m[7].near_mm2 = 4.68, m[8].near_mm2 = 4.82, m[9].near_mm2 = 3.01;
        line_ink_beside(m, 10, column);
        decide_page_of(m, d, 10);
        for (size_t i = 5; i < 10; i++)
            cr_assert_not(d[i].ink_near, "%s: box %zu, %.2f mm^2 as round the line's others, read as ink beside it",
                          column ? "column" : "row", i, m[i].near_mm2);
        question_answer a = decide(&t->questions[1], &d[5]);
        cr_assert_eq(a.status, ANSWER_OK, "%s", a.reason);
        /* one of the line's empty boxes unsure for a pale trace the crease
         * left in it (fresh seed 8531 U5348FVA q2c): still one of the
         * line's, though two blank boxes are left beside each */
        m[8].faint_fill = 0.2;
        decide_page_of(m, d, 10);
        cr_assert_eq(d[8].state, BOX_UNSURE, "%s: the trace", column ? "column" : "row");
        for (size_t i = 5; i < 10; i++)
            cr_assert(i == 8 || !d[i].ink_near, "%s: box %zu, %.2f mm^2 as round the line's others, one unsure",
                      column ? "column" : "row", i, m[i].near_mm2);
        a = decide(&t->questions[1], &d[5]);
        cr_assert_eq(a.status, ANSWER_OK, "%s: %s", column ? "column" : "row", a.reason);
        m[8].faint_fill = 0;
        /* a stroke beside one box, the rest of its line clean */
        m[5].near_mm2 = m[8].near_mm2 = m[9].near_mm2 = 0.3;
        line_ink_beside(m, 10, column);
        decide_page_of(m, d, 10);
        cr_assert(d[7].ink_near, "%s: a stroke beside one box taken for the line's", column ? "column" : "row");
        cr_assert_eq(decide(&t->questions[1], &d[5]).status, ANSWER_REVIEW);
        /* a stroke between two boxes (held-out `between`): both keep it */
        m[7].near_mm2 = m[8].near_mm2 = 5.0;
        decide_page_of(m, d, 10);
        cr_assert(d[7].ink_near && d[8].ink_near, "%s: a stroke between two boxes taken for the line's",
                  column ? "column" : "row");
        /* a line whose boxes hold no more than a box may hold alone is no
         * line: a tight circle's 1.6 mm^2 (fresh seed 8449 TYQAZDM3 q3a)
         * beside the print's specks along it stays a person's */
        for (size_t i = 0; i < 5; i++)
            m[i].near_mm2 = 0.05;
        m[5].near_mm2 = m[8].near_mm2 = m[9].near_mm2 = 0.45, m[7].near_mm2 = 1.6;
        line_ink_beside(m, 10, column);
        decide_page_of(m, d, 10);
        cr_assert(d[7].ink_near, "%s: a tight circle's ink taken for the line's specks", column ? "column" : "row");
    }
}

/* Two crosses each drawn between two boxes, in one column of three empty
 * boxes beside the answer: one between the second and the third (its ink above the one and below
 * the other, in their column), one between the fourth and a box of another
 * column (its ink right of the fourth). Each is no line for the other: the
 * column's level is the ink beside its boxes (fresh held-out 4502
 * ENVQJT29: q4c's cross between "2" and "3", 4.5 mm^2 round each, was
 * taken for a line with q5's cross beside "1", 3.7; q4c read as no
 * answer, silently) */
Test(decide_page, crosses_between_boxes_down_a_column_are_no_line_along_it) {
    omr_template *t = two_rows();
    box_measure m[10];
    box_decision d[10];
    for (size_t i = 0; i < 10; i++) {
        omr_rect r = t->questions[i / 5].boxes[i % 5].rect;
        /* the second question as a column down x = 129.5, boxes 17 mm apart */
        double x = i >= 5 ? r.y - 121.0 + 115.5 : r.x, y = i >= 5 ? r.x - 115.5 + 121.0 : r.y;
        m[i] = (box_measure){.fill = 0.002, .near_mm2 = 0.02, .outline_found = 1, .box_x_mm = x + 2.5,
                             .box_y_mm = y + 2.5};
    }
    m[6].fill = 0.4, m[6].extent = 1, m[6].core_mm2 = 4, m[6].darkness = 0.9; /* a cross answers */
    m[7].near_mm2 = 4.52, m[8].near_mm2 = 4.48;        /* the cross between them, in their column */
    m[9].near_mm2 = m[9].near_right_mm2 = 3.67;       /* the other cross, right of the fourth */
    decide_page_of(m, d, 10);
    cr_assert(d[7].ink_near && d[8].ink_near, "a cross between two boxes taken for a line down the column");
    cr_assert_eq(decide(&t->questions[1], &d[5]).status, ANSWER_REVIEW);
    /* the same ink beside each box of the column: a line down it */
    for (size_t i = 5; i < 10; i++)
        m[i].near_left_mm2 = m[i].near_mm2 = i == 6 ? 0.02 : 4.5, m[i].near_right_mm2 = 0;
    decide_page_of(m, d, 10);
    cr_assert_not(d[7].ink_near || d[8].ink_near, "a line beside the column taken for marks beside its boxes");
}

Test(decide_page, on_a_bled_page_the_ink_in_the_prints_halo_is_the_print_a_stroke_beyond_it_is_not) {
    /* fresh seed 8417 --folds --warp 1, 493GK8YN page 1: a harsh 1-bit page
     * whose words swell past the mask; its empty boxes hold 0.2-3.2 mm^2
     * in the print's halo, and "Vet ej" 2.68 (2.52 of it in the halo):
     * q4a went to review as ink beside a box */
    omr_template *t = two_rows();
    box_measure m[10];
    box_decision d[10];
    for (size_t i = 0; i < 10; i++) {
        double halo = 0.5 + 0.1 * (double)i;
        m[i] = (box_measure){.fill = 0.002, .near_mm2 = halo + 0.05, .near_halo_mm2 = halo, .outline_found = 1};
    }
    m[0] = (box_measure){.fill = 0.4, .extent = 1, .core_mm2 = 4, .darkness = 0.9, .outline_found = 1};
    m[7].near_mm2 = 4.1, m[7].near_halo_mm2 = 4.0; /* beside a long, bold label */
    decide_page_of(m, d, 10);
    cr_assert_not(d[7].ink_near, "4.0 of its 4.1 mm^2 where the page's print swells");
    question_answer a = decide(&t->questions[1], &d[5]);
    cr_assert_eq(a.status, ANSWER_OK, "%s", a.reason);
    /* a stroke beside the box, beyond the halo: a person looks */
    m[7].near_mm2 = 4.1 + 2.0;
    decide_page_of(m, d, 10);
    cr_assert(d[7].ink_near, "2 mm^2 beyond the print's halo is a stroke beside the box");
    cr_assert_eq(decide(&t->questions[1], &d[5]).status, ANSWER_REVIEW);
    /* on a page whose print does not bleed, ink hugging the print is no
     * swelling of it (a line drawn along the label): it counts */
    for (size_t i = 1; i < 10; i++)
        m[i].near_mm2 = 0.05, m[i].near_halo_mm2 = 0;
    m[7].near_mm2 = 4.1, m[7].near_halo_mm2 = 4.0;
    decide_page_of(m, d, 10);
    cr_assert(d[7].ink_near, "no bleeding on the page: the ink by the label is the hand's");
}

/* Ink in a box whose printed outline was not seen, on a page whose other
 * outlines were: the print beside a box measured where the map is off
 * (seed 5101 --warp 2: "Vet ej" read as a cross in q4a1's third box). It
 * goes to review; a page where most outlines go unseen is left as read. */
Test(decide_page, ink_in_a_box_whose_outline_went_unseen_is_not_read_silently) {
    box_measure m[6];
    box_decision d[6];
    memset(m, 0, sizeof m);
    for (int k = 0; k < 6; k++) {
        m[k].outline_found = 1;
        m[k].fill = 0.01;
        d[k] = decide_box(&cal, &m[k]);
    }
    m[1].fill = 0.30, m[1].extent = 1; /* a cross, its outline seen */
    m[4].fill = 0.16, m[4].extent = 1, m[4].outline_found = 0; /* "ink", outline unseen */
    m[5].outline_found = 0;                                   /* blank, outline unseen */
    for (int k = 0; k < 6; k++)
        d[k] = decide_box(&cal, &m[k]);
    cr_assert_eq(d[4].state, BOX_MARKED, "the measure alone reads it as a mark");
    decide_unseen_outlines(m, d, 6);
    cr_assert_eq(d[1].state, BOX_MARKED, "a mark in a seen outline stays");
    cr_assert_eq(d[4].state, BOX_UNSURE, "ink where the outline was not seen goes to review");
    cr_assert_eq(d[5].state, BOX_BLANK, "a blank box stays blank");
    /* most outlines unseen: the page says nothing by it */
    for (int k = 0; k < 6; k++) {
        m[k].outline_found = k == 1;
        d[k] = decide_box(&cal, &m[k]);
    }
    decide_unseen_outlines(m, d, 6);
    cr_assert_eq(d[4].state, BOX_MARKED);
}

Test(decide_page, specks_strewn_across_a_box_beside_a_firm_mark_are_a_rubbed_out_mark) {
    /* seed 7003 596YHMWU q3a, a dotter's harsh 1-bit page: a cross in box
     * 1, and in box 3 a cross rubbed out, thresholded to a few black specks
     * strewn across the box (fill 0.037, core 0.21 mm^2, span 1.10 of the
     * box, compactness 0.08). It was taken for one of the hand's dots and
     * read: two marks, the form in review */
    enum { N = 15 };
    box_measure m[N];
    box_decision d[N];
    for (size_t i = 0; i < N; i++)
        m[i] = (box_measure){.fill = 0.0, .outline_found = 1};
    m[0] = (box_measure){.fill = 0.52, .faint_fill = 0.52, .extent = 1, .darkness = 1, .core_mm2 = 5.3,
                         .compact = 0.52, .ink_span = 1.12, .near_mm2 = 0.56, .outline_found = 1};
    m[2] = (box_measure){.fill = 0.037, .faint_fill = 0.037, .extent = 0.2, .darkness = 1, .core_mm2 = 0.21,
                         .compact = 0.079, .ink_span = 1.10, .outline_found = 1};
    /* the hand's dots in the other questions */
    box_measure dot = {.fill = 0.10, .faint_fill = 0.10, .extent = 0.4, .darkness = 1, .core_mm2 = 1.0,
                       .compact = 0.98, .ink_span = 0.37, .outline_found = 1};
    m[6] = dot, m[12] = dot;
    /* a dot on a harsh page showing the glass, joined by its specks until
     * it spans the box (seed 6833 M23J7UPD): still a blob, still a dot */
    m[9] = (box_measure){.fill = 0.11, .faint_fill = 0.11, .extent = 0.42, .darkness = 1, .core_mm2 = 1.3,
                         .compact = 0.28, .ink_span = 1.08, .outline_found = 1};
    decide_page_of(m, d, N);
    cr_assert(d[9].dot && d[9].state == BOX_MARKED, "a dot spanning the box, still a blob");
    cr_assert(d[6].dot && d[6].state == BOX_MARKED, "the hand dots: its dots are read");
    cr_assert(d[2].strewn, "specks across the whole box, no blob");
    cr_assert_not(d[9].strewn);
    template_question q = question(QUESTION_SINGLE, 5);
    question_answer a = decide(&q, d);
    cr_assert_eq(a.status, ANSWER_OK, "%s", a.reason);
    cr_assert_eq(a.chosen, 0);
    cr_assert(a.taken_back);
    /* alone, on a dotter's page: a dot with the paper's specks about it
     * (seed 1228 CXQE8YBK q2a), read as the hand's dot */
    m[0] = m[1];
    decide_page_of(m, d, N);
    a = decide(&q, d);
    cr_assert_eq(a.status, ANSWER_OK, "%s", a.reason);
    cr_assert_eq(a.chosen, 2);
    /* alone, from a hand that does not dot: never an answer nor blank */
    m[6] = m[9] = m[12] = m[1];
    decide_page_of(m, d, N);
    cr_assert_eq(decide(&q, d).status, ANSWER_REVIEW);
    m[6] = m[12] = dot;
    /* the same specks with a pen line's ink round the box: a circle's line
     * cutting the box, not a trace (never withdrawn silently) */
    m[0] = (box_measure){.fill = 0.52, .faint_fill = 0.52, .extent = 1, .darkness = 1, .core_mm2 = 5.3,
                         .compact = 0.52, .ink_span = 1.12, .outline_found = 1};
    m[2].near_mm2 = 6.0;
    decide_page_of(m, d, N);
    cr_assert_not(d[2].strewn);
    cr_assert_eq(decide(&q, d).status, ANSWER_REVIEW);
}

Test(decide_page, an_ovals_arc_over_the_next_label_is_the_ovals_not_a_second_circle) {
    /* seed 7101 S22YZYUP q4c: option 2's label circled (label rays 0.92,
     * 45.7 mm^2 of ink round the box); the oval's arcs pass over the labels
     * of options 1 and 3: option 3's label rays 0.46 closed with 15.4 mm^2,
     * read as a barely closed circle, and the question went to review */
    omr_template *t = two_rows();
    box_measure m[10];
    box_decision d[10];
    empty_clean_page(m, 10);
    m[0].label_ring = 0.438, m[0].label_gap = 0.562, m[0].near_mm2 = 21.8;
    m[1].label_ring = 0.917, m[1].label_gap = 0.042, m[1].label_opposed = 0.875, m[1].near_mm2 = 45.7;
    m[2].label_ring = 0.458, m[2].label_gap = 0.208, m[2].label_opposed = 0.29, m[2].near_mm2 = 15.4;
    decide_page_of(m, d, 10);
    cr_assert(d[2].circled && d[2].state == BOX_MARKED, "the fixture: option 3 looks barely circled");
    decide_circle_rivals(&cal, t, 1, m, d, 10);
    cr_assert_not(d[2].circled, "the clear circle's arc");
    question_answer a = decide(&t->questions[0], d);
    cr_assert_eq(a.status, ANSWER_OK, "%s", a.reason);
    cr_assert_eq(a.chosen, 1);
    /* as much ink round option 3 as round option 2: a second circle of the
     * same pen, not an arc passing by: a person looks */
    m[2].near_mm2 = 40.0;
    decide_page_of(m, d, 10);
    decide_circle_rivals(&cal, t, 1, m, d, 10);
    cr_assert_eq(decide(&t->questions[0], d).status, ANSWER_REVIEW);
}

Test(decide_page, on_a_bled_page_an_empty_boxs_closed_rays_are_no_rival_to_a_pen_circle) {
    /* seed 7101 ZT25N559 q6, a harsh 1-bit page whose bled outlines close
     * 0.58-0.98 of every box's rays: a pen circle (rays 0.96, 23.3 mm^2 of
     * ink round it) went to review for an empty neighbour whose rays the
     * bleed closed 0.98, with 0.11 mm^2 round it */
    omr_template *t = two_rows();
    box_measure m[10];
    box_decision d[10];
    for (size_t i = 0; i < 10; i++)
        m[i] = (box_measure){.fill = 0.0, .ring = 0.77, .ring_gap = 0.08, .near_mm2 = 0.05, .outline_found = 1};
    m[3].ring = 0.958, m[3].ring_gap = 0.042, m[3].near_mm2 = 23.3;
    m[3].ring_clear = 0.92, m[3].ring_clear_gap = 0.04; /* 23 mm^2 of pen: a circle well clear of the box */
    m[2].ring = 0.979, m[2].ring_gap = 0.021, m[2].near_mm2 = 0.11;
    decide_page_of(m, d, 10);
    cr_assert(d[3].circled && d[3].state == BOX_MARKED, "rays and a pen's ink: a circle");
    decide_circle_rivals(&cal, t, 1, m, d, 10);
    cr_assert(d[3].circled && d[3].state == BOX_MARKED, "no rival without a pen's ink");
    question_answer a = decide(&t->questions[0], d);
    cr_assert_eq(a.status, ANSWER_OK, "%s", a.reason);
    cr_assert_eq(a.chosen, 3);
    /* a neighbour with a pen's ink round it as well: two circles, reviewed */
    m[2].near_mm2 = 20.0;
    decide_page_of(m, d, 10);
    decide_circle_rivals(&cal, t, 1, m, d, 10);
    cr_assert_eq(decide(&t->questions[0], d).status, ANSWER_REVIEW);
}

Test(decide_page, on_a_bled_page_a_circle_stands_by_its_clear_rays_against_a_neighbour_it_touches) {
    /* fresh seed 8403 --folds --warp 1, 6N53GH6Z q1b: on a page whose bled
     * outlines close every box's rays (0.65-1.00), an oval round "4" (its
     * rays clear of the outline 1.00 closed, 15.7 mm^2 of ink round it)
     * touches box "3" (13.6 mm^2 of the oval round it, its clear rays 0.19
     * closed, open 0.48 of a turn). By the rays round the box alone the
     * circle stood no higher than "3", and went to review */
    omr_template *t = two_rows();
    box_measure m[10];
    box_decision d[10];
    for (size_t i = 0; i < 10; i++)
        m[i] = (box_measure){.fill = 0.0, .ring = 1.0, .ring_gap = 0.0, .ring_traced = 1.0, .ring_clear = 0.15,
                             .ring_clear_gap = 0.5, .near_mm2 = 0.8, .near_specks = 0.08, .outline_found = 1};
    m[1].ring_clear = 1.0, m[1].ring_clear_gap = 0.0, m[1].near_mm2 = 15.66, m[1].near_specks = 0.02;
    m[2].ring = 0.96, m[2].ring_gap = 0.02, m[2].ring_clear = 0.19, m[2].ring_clear_gap = 0.48;
    m[2].near_mm2 = 13.61, m[2].near_specks = 0.01;
    decide_page_of(m, d, 10);
    cr_assert(d[1].circled && d[1].state == BOX_MARKED, "the fixture: read by its clear rays");
    decide_circle_rivals(&cal, t, 1, m, d, 10);
    question_answer a = decide(&t->questions[0], d);
    cr_assert_eq(a.status, ANSWER_OK, "%s", a.reason);
    cr_assert_eq(a.chosen, 1);
    /* a second circle round "3", its clear rays closed as well: a person looks */
    m[2].ring_clear = 0.98, m[2].ring_clear_gap = 0.02;
    decide_page_of(m, d, 10);
    decide_circle_rivals(&cal, t, 1, m, d, 10);
    cr_assert_eq(decide(&t->questions[0], d).status, ANSWER_REVIEW);
}

Test(decide_page, on_a_bled_page_a_box_closed_by_its_own_outline_is_no_circle) {
    /* fresh seed 8101 --warp 2 7B6XT7J5 q5r "4": on a harsh page whose
     * bled outlines close 0.5-0.85 of every box's rays, the sheet's warp
     * moved one box's swollen outline past its print: rays 1.00, 8.1 mm^2
     * of "ink" round it, nothing 0.6 mm clear of the outline (0.04) and no
     * stroke along it. It was read as circled; a person looks. A circle
     * whose rays close the same and that shows clear of the outline
     * somewhere (0.42 of its rays: seed 8001 YVQ4FRBG q5 "Ja") is read. */
    box_measure m[10];
    box_decision d[10];
    for (size_t i = 0; i < 10; i++)
        m[i] = (box_measure){.fill = 0.0, .ring = 0.65, .ring_gap = 0.12, .ring_clear = 0.02,
                             .ring_clear_gap = 0.98, .near_mm2 = 0.1, .outline_found = 1};
    m[4].ring = 1.0, m[4].ring_gap = 0, m[4].ring_clear = 0.04, m[4].ring_clear_gap = 0.5, m[4].near_mm2 = 8.08;
    decide_page_of(m, d, 10);
    cr_assert_eq(d[4].state, BOX_UNSURE, "its own outline read as %s", decide_box_state_name(d[4].state));
    cr_assert_not(d[4].circled);
    template_question q = question(QUESTION_MULTI, 10);
    question_answer a = decide(&q, d);
    cr_assert_eq(a.status, ANSWER_REVIEW, "never read as circled, never blank");
    free(a.selected);
    m[4].ring_clear = 0.42, m[4].ring_clear_gap = 0.58, m[4].near_mm2 = 7.09;
    decide_page_of(m, d, 10);
    cr_assert(d[4].circled && d[4].state == BOX_MARKED, "a circle clear of the outline on one side: %s",
              decide_box_state_name(d[4].state));
    m[4].ring_clear = 0.04, m[4].ring_hug_mm2 = 5.0; /* a tight circle thickening the outline all round */
    decide_page_of(m, d, 10);
    cr_assert(d[4].circled && d[4].state == BOX_MARKED, "a stroke along the outline: %s",
              decide_box_state_name(d[4].state));
}

/* Question `id` of n options stacked 8 mm apart (3 mm between boxes), in
 * columns of `per_column` 90 mm apart from (x, y) on page `page`, labels
 * right of the boxes, as ekb-2024 prints q4c and q5r */
static omr_template *stacked_question(char *id, question_type type, size_t n, size_t per_column, double x,
                                      double y, int page) {
    static template_box boxes[8];
    static template_question q;
    static omr_template t;
    static char values[8][24];
    cr_assert(n <= 8 && per_column > 0);
    for (size_t b = 0; b < n; b++) {
        snprintf(values[b], sizeof values[b], "%zu", b + 1);
        boxes[b] = (template_box){.value = values[b],
                                  .rect = {x + 90.0 * (double)(b / per_column), y + 8.0 * (double)(b % per_column), 5, 5}};
    }
    q = (template_question){.id = id, .type = type, .boxes = boxes, .n_boxes = n, .page = page, .labels = LABELS_RIGHT};
    t = (omr_template){.id = "stacked", .n_pages = (size_t)page, .questions = &q, .n_questions = 1};
    return &t;
}
/* ekb-2024's q4c: three options in a column */
static omr_template *stacked(void) { return stacked_question("q4c", QUESTION_SINGLE, 3, 3, 20, 81, 1); }

Test(decide_page, a_cross_between_two_stacked_options_is_no_circle_round_one) {
    /* held-out 4651 OQXF32GQ q4c: a cross between "1" and "2" (a column, 3
     * mm apart), in both boxes' zones alike: 6.1 mm^2 round "1", 6.0 round
     * "2"; it closed "1"'s rays 0.50, gap 0.25, 0.33 of them opposed: read
     * as "1" circled, silently */
    omr_template *t = stacked();
    box_measure m[3];
    box_decision d[3];
    for (size_t i = 0; i < 3; i++)
        m[i] = (box_measure){.fill = 0.0, .ring = 0.04, .ring_gap = 0.96, .outline_found = 1};
    m[0].ring = 0.50, m[0].ring_gap = 0.25, m[0].ring_opposed = 0.33, m[0].ring_traced = 0.40, m[0].near_mm2 = 6.12;
    m[1].ring = 0.27, m[1].ring_gap = 0.73, m[1].near_mm2 = 6.03;
    decide_page_of(m, d, 3);
    cr_assert(d[0].circled && d[0].state == BOX_MARKED, "the fixture: rays closed enough for a circle");
    decide_ink_between(&cal, t, 1, m, d, 3);
    cr_assert_neq(d[0].state, BOX_MARKED, "a mark between two options is a person's");
    cr_assert_eq(decide(&t->questions[0], d).status, ANSWER_REVIEW);
    /* a circle round "1" leaves "2" its lower arc, a quarter of its ink: "1" */
    m[1].near_mm2 = 1.6;
    decide_page_of(m, d, 3);
    decide_ink_between(&cal, t, 1, m, d, 3);
    cr_assert(d[0].circled && d[0].state == BOX_MARKED, "a circle round one box is its mark");
}

Test(decide_page, a_ticks_overshoot_beside_the_option_above_is_the_ticks) {
    /* seed 7101 VEFHUY2T q4c, a speckled 1-bit page: a pencil tick in
     * option 3 runs out of its box, 2.79 mm^2 round it; the blank option 2
     * above holds 2.29 in the overlap of their near zones: review */
    omr_template *t = stacked();
    box_measure m[3];
    box_decision d[3];
    m[0] = (box_measure){.fill = 0.004, .near_mm2 = 0.3, .outline_found = 1};
    m[1] = (box_measure){.fill = 0.002, .near_mm2 = 2.29, .outline_found = 1};
    m[2] = (box_measure){.fill = 0.50, .faint_fill = 0.50, .extent = 0.96, .darkness = 1, .core_mm2 = 5.6,
                         .compact = 0.76, .ink_span = 1.41, .near_mm2 = 2.79, .outline_found = 1};
    for (size_t i = 0; i < 3; i++)
        d[i] = decide_box(&cal, &m[i]);
    cr_assert(d[1].state == BOX_BLANK && d[1].ink_near, "the fixture: ink beside option 2");
    decide_circle_spill(t, 1, m, d, 3);
    cr_assert_not(d[1].ink_near, "the tick's overshoot");
    question_answer a = decide(&t->questions[0], d);
    cr_assert_eq(a.status, ANSWER_OK, "%s", a.reason);
    cr_assert_eq(a.chosen, 2);
    /* more ink beside option 2 than the tick leaves round its own box: a
     * mark of its own there, a person looks */
    m[1].near_mm2 = 5.0;
    for (size_t i = 0; i < 3; i++)
        d[i] = decide_box(&cal, &m[i]);
    decide_circle_spill(t, 1, m, d, 3);
    cr_assert_eq(decide(&t->questions[0], d).status, ANSWER_REVIEW);
    /* a tick that stays in its box reaches nothing */
    m[1].near_mm2 = 2.29, m[2].near_mm2 = 0.4;
    for (size_t i = 0; i < 3; i++)
        d[i] = decide_box(&cal, &m[i]);
    decide_circle_spill(t, 1, m, d, 3);
    cr_assert_eq(decide(&t->questions[0], d).status, ANSWER_REVIEW);
}

Test(decide_page, a_dusty_pages_empty_boxes_are_its_paper_a_pencil_dot_on_clean_paper_is_not) {
    /* a 1-bit page that scanned dusty: every empty box holds 0.02-0.05 of
     * fine specks (none of 0.4 mm, no dark core): in the band between blank
     * and marked, but no more than twice what the page's empty boxes hold */
    enum { N = 24 };
    box_measure m[N];
    box_decision d[N];
    for (size_t i = 0; i < N; i++)
        m[i] = (box_measure){.fill = 0.02 + 0.0012 * (double)i, .outline_found = 1};
    m[7] = (box_measure){.fill = 0.65, .extent = 1, .darkness = 0.8, .core_mm2 = 6, .outline_found = 1};
    /* a dot among the dust (a dark core): still a dot, never blank */
    m[9] = (box_measure){.fill = 0.05, .extent = 0.3, .core_mm2 = 0.5, .compact = 0.9, .ink_span = 0.3,
                         .outline_found = 1};
    for (size_t i = 0; i < N; i++)
        d[i] = decide_box(&cal, &m[i]);
    int unsure_alone = 0;
    for (size_t i = 0; i < N; i++)
        unsure_alone += d[i].state == BOX_UNSURE && i != 9;
    cr_assert_gt(unsure_alone, 10, "alone, boxes at 0.035-0.05 are in the band: %d unsure", unsure_alone);
    decide_page(&cal, m, d, N);
    for (size_t i = 0; i < N; i++)
        if (i != 7 && i != 9)
            cr_assert_eq(d[i].state, BOX_BLANK, "box %zu (fill %.3f): the page's dust", i, m[i].fill);
    cr_assert_eq(d[7].state, BOX_MARKED);
    cr_assert_neq(d[9].state, BOX_BLANK, "a dot among dust");

    /* a clean page: a pencil dot's fine grain (0.053, no speck, no core)
     * stands far above the page's empty boxes: a person looks */
    for (size_t i = 0; i < N; i++)
        m[i] = (box_measure){.fill = 0.002, .outline_found = 1};
    m[3] = (box_measure){.fill = 0.053, .outline_found = 1};
    decide_page_of(m, d, N);
    cr_assert_eq(d[3].state, BOX_UNSURE, "a pencil dot on clean paper is never blank");
}

/* A box whose only ink is one thin straight stroke along x right across it,
 * its centre at (x, y) on the page: what a fold's crease leaves in a box. */
static box_measure stroke_box(double x, double y, double axis_deg) {
    return (box_measure){.fill = 0.14, .faint_fill = 0.14, .extent = 1, .darkness = 0.9, .core_mm2 = 1.6,
                         .outline_found = 1, .compact = 0.9, .ink_span = 1.15, .ink_width_mm = 0.5,
                         .ink_axis_deg = axis_deg, .ink_x_mm = x, .ink_y_mm = y};
}

Test(decide_page, a_crease_through_a_row_of_boxes_beside_a_cross_is_no_mark) {
    /* seed 7601 TE9378XX q5r (two columns of four): a black crease ran
     * through the first row, boxes 1 and 5, and the cross was in box 2;
     * "1 2 5" was read... the crease's strokes are no answer */
    box_measure m[8] = {0};
    box_decision d[8];
    m[0] = stroke_box(28.5, 142.1, 1);
    m[4] = stroke_box(118.5, 142.6, 3);
    m[0].line_beyond = m[4].line_beyond = 1.0; /* the line runs on across the paper beside them */
    m[1] = (box_measure){.fill = 0.48, .faint_fill = 0.48, .extent = 1, .darkness = 0.9, .core_mm2 = 5.5,
                         .outline_found = 1, .compact = 0.5, .ink_span = 1.2, .ink_width_mm = 3.0,
                         .ink_axis_deg = 37, .ink_x_mm = 28.5, .ink_y_mm = 151.4};
    decide_page_of(m, d, 8);
    for (int b = 0; b < 8; b += 4) {
        cr_assert_eq(d[b].state, BOX_UNSURE, "box %d: a crease's stroke read %s", b + 1,
                     decide_box_state_name(d[b].state));
        cr_assert(d[b].creased);
    }
    cr_assert_eq(d[1].state, BOX_MARKED, "the cross");
    cr_assert_not(d[1].creased);
    template_question q = question(QUESTION_MULTI, 8);
    question_answer a = decide(&q, d);
    cr_assert_eq(a.status, ANSWER_OK, "beside the cross, the crease's strokes are blank: %s", a.reason);
    for (int b = 0; b < 8; b++)
        cr_assert_eq(a.selected[b], b == 1, "box %d", b + 1);
    free(a.selected);

    /* with no mark beside them, no answer and a hand's two dashes look alike */
    m[1] = (box_measure){.outline_found = 1};
    decide_page_of(m, d, 8);
    a = decide(&q, d);
    cr_assert_eq(a.status, ANSWER_REVIEW);
    cr_assert(strstr(a.reason, "crease") != NULL, "%s", a.reason);
    for (int b = 0; b < 8; b++)
        cr_assert_not(a.selected[b], "box %d read as marked", b + 1);
    free(a.selected);
}

Test(decide_page, a_lone_dash_and_a_column_of_bars_are_the_hands_marks) {
    /* held-out hands mark with a dash or a bar: alone, or bars lined up down
     * one column of a grid, they are no crease (a crease runs along a row) */
    box_measure m[6] = {0};
    box_decision d[6];
    for (int i = 0; i < 6; i++)
        m[i] = (box_measure){.outline_found = 1};
    m[0] = stroke_box(62.0, 40.2, 2);   /* a dash in one question */
    m[3] = stroke_box(80.1, 60.0, 88);  /* bars in one column, two questions */
    m[5] = stroke_box(80.3, 72.0, 87);
    decide_page_of(m, d, 6);
    for (int b = 0; b < 6; b += 3)
        cr_assert_eq(d[b].state, BOX_MARKED, "box %d: %s", b + 1, decide_box_state_name(d[b].state));
    cr_assert_eq(d[5].state, BOX_MARKED);
    cr_assert_not(d[0].creased || d[3].creased || d[5].creased);
}

Test(decide_page, a_stroke_along_a_crease_found_through_its_box_is_the_creases) {
    /* one box of a row on a found crease drawn black by a 1-bit scan (seed
     * 8002 4T8TRZ8S q5r "2"): its stroke along the crease is the crease's;
     * across it, the hand's */
    box_measure m[4] = {0};
    box_decision d[4];
    for (int i = 0; i < 4; i++)
        m[i] = (box_measure){.outline_found = 1};
    m[1] = stroke_box(28.5, 150.6, 3);
    m[1].crease_along = 1, m[1].crease_darkness = 1.0;
    decide_page_of(m, d, 4);
    cr_assert_eq(d[1].state, BOX_UNSURE, "%s", decide_box_state_name(d[1].state));
    cr_assert(d[1].creased);
    m[1].crease_along = 2; /* a crease down the page; the stroke runs across it */
    decide_page_of(m, d, 4);
    cr_assert_eq(d[1].state, BOX_MARKED);
    /* a circle round the box is its mark, whatever the crease left inside */
    m[1].crease_along = 1;
    m[1].fill = m[1].faint_fill = 0.05, m[1].ring = 1.0, m[1].ring_gap = 0, m[1].near_mm2 = 20;
    decide_page_of(m, d, 4);
    cr_assert(d[1].circled);
    cr_assert_not(d[1].creased);
    cr_assert_eq(d[1].state, BOX_MARKED);
}

Test(decide_page, a_hands_dashes_in_a_row_are_marks_where_no_line_runs_on_beside_them) {
    /* held-out seed 2603 L73P5QKK q5r "1 5 6", dashes: boxes 1 and 5 share
     * a row and their dashes its height, but the paper beside them is clean
     * (line_beyond 0), unlike a crease's; all three are the answer */
    box_measure m[8] = {0};
    box_decision d[8];
    for (int i = 0; i < 8; i++)
        m[i] = (box_measure){.outline_found = 1};
    m[0] = stroke_box(28.5, 143.7, 2);
    m[4] = stroke_box(118.4, 143.2, 1);
    m[5] = stroke_box(118.4, 151.6, 2);
    decide_page_of(m, d, 8);
    template_question q = question(QUESTION_MULTI, 8);
    question_answer a = decide(&q, d);
    cr_assert_eq(a.status, ANSWER_OK, "%s", a.reason);
    for (int b = 0; b < 8; b++)
        cr_assert_eq(a.selected[b], b == 0 || b == 4 || b == 5, "box %d", b + 1);
    free(a.selected);
    /* one of the two with the line running on beside it: still no crease */
    m[0].line_beyond = 1.0;
    decide_page_of(m, d, 8);
    cr_assert_not(d[0].creased || d[4].creased);
    /* both: the crease's (beside the dash in box 6, blank) */
    m[4].line_beyond = 0.9;
    decide_page_of(m, d, 8);
    cr_assert(d[0].creased && d[4].creased);
    a = decide(&q, d);
    cr_assert_eq(a.status, ANSWER_OK, "%s", a.reason);
    for (int b = 0; b < 8; b++)
        cr_assert_eq(a.selected[b], b == 5, "box %d", b + 1);
    free(a.selected);
}

Test(decide_page, a_dashed_line_running_on_past_both_sides_of_a_lone_stroke_is_no_dash) {
    /* a faint crease no search found, drawn in dashes by a 1-bit fax (fresh
     * seed 8437 --folds --warp 0.5, EPKSE4ZR q5r): through the empty
     * "Sexuell läggning", 0.55 of the paper dark past each side of the box,
     * read "6", silently. A hand's dash stops by its box: the paper beside
     * it clean, or dark on one side only (a long stroke started outside) */
    box_measure m[8] = {0};
    box_decision d[8];
    for (int i = 0; i < 8; i++)
        m[i] = (box_measure){.outline_found = 1};
    m[5] = stroke_box(118.6, 151.5, 0);
    m[5].line_beyond = 0.55, m[5].line_one_side = 0.55;
    decide_page_of(m, d, 8);
    cr_assert_eq(d[5].state, BOX_UNSURE, "the dashed line read %s", decide_box_state_name(d[5].state));
    template_question q = question(QUESTION_MULTI, 8);
    question_answer a = decide(&q, d);
    cr_assert_eq(a.status, ANSWER_REVIEW, "%s", a.reason);
    free(a.selected);
    /* the line on one side only, or clean paper beside it: the hand's dash */
    const double sides[2][2] = {{0.3, 0.6}, {0.0, 0.0}};
    for (int k = 0; k < 2; k++) {
        m[5].line_beyond = sides[k][0], m[5].line_one_side = sides[k][1];
        decide_page_of(m, d, 8);
        cr_assert_eq(d[5].state, BOX_MARKED, "beside it %.2f, %.2f on one side: %s", sides[k][0], sides[k][1],
                     decide_box_state_name(d[5].state));
    }
}

Test(decide_page, on_a_bled_page_a_circles_arc_over_the_next_box_is_no_second_circle) {
    /* fresh seed 8342 --folds --warp 2, 7PMK4A5C q5r (tick all that apply),
     * a harsh fax page whose bled outlines close every box's rays: a circle
     * round "1", its rays clear of the outline closed 0.90 with 21.9 mm^2 of
     * ink; its lower arc and a crease under "2" left 13.3 mm^2 round that
     * box, whose clear rays stayed open 0.77 of a turn. Both were read at
     * 0.5 by their ink: "1 2", silently */
    omr_template *t = two_rows();
    t->questions[0].type = QUESTION_MULTI;
    box_measure m[10];
    box_decision d[10];
    for (size_t i = 0; i < 10; i++)
        m[i] = (box_measure){.fill = 0.0, .ring = 0.8, .ring_gap = 0.06, .ring_clear = 0.1, .ring_clear_gap = 0.8,
                             .near_mm2 = 0.3, .outline_found = 1};
    m[3].ring = 1.0, m[3].ring_gap = 0, m[3].ring_clear = 0.90, m[3].ring_clear_gap = 0.10, m[3].near_mm2 = 21.9;
    m[2].ring = 1.0, m[2].ring_gap = 0, m[2].ring_clear = 0.23, m[2].ring_clear_gap = 0.77, m[2].near_mm2 = 13.3;
    decide_page_of(m, d, 10);
    cr_assert(d[3].circled && d[3].state == BOX_MARKED, "the fixture: the circle is read");
    cr_assert(d[2].circled && d[2].state == BOX_MARKED, "the fixture: the arc's box reads as circled too");
    decide_circle_rivals(&cal, t, 1, m, d, 10);
    cr_assert(d[3].circled && d[3].state == BOX_MARKED, "the circle stays its box's");
    cr_assert(!d[2].circled && d[2].state == BOX_UNSURE, "whose arc this is, a person says");
    cr_assert_eq(decide(&t->questions[0], d).status, ANSWER_REVIEW);
    /* a second circle of its own round "2" (its clear rays closed too):
     * two answers of a tick-all question */
    m[2].ring_clear = 0.88, m[2].ring_clear_gap = 0.12;
    decide_page_of(m, d, 10);
    decide_circle_rivals(&cal, t, 1, m, d, 10);
    cr_assert(d[2].circled && d[2].state == BOX_MARKED && d[3].circled && d[3].state == BOX_MARKED);
    t->questions[0].type = QUESTION_SINGLE;
}

Test(decide_page, an_ovals_arc_over_the_next_questions_box_is_for_a_person_not_its_answer) {
    /* fresh seed 8553 --warp 1.5, GBTTWAWH: an oval round q1a's "2", its
     * rays clear of the outline closed all round with 14.4 mm^2 of ink;
     * its lower arc closed 0.75 of the rays of q1b's "2" below it, on a
     * harsh page whose outlines close 0.4-0.6 of every box's, 0.21 of them
     * clear of the outline, open 0.79 of a turn, 5.3 mm^2 round the box:
     * read as q1b's answer, silently */
    omr_template *t = two_rows();
    box_measure m[10];
    box_decision d[10];
    for (size_t i = 0; i < 10; i++)
        m[i] = (box_measure){.fill = 0.0, .ring = 0.4, .ring_gap = 0.5, .ring_clear_gap = 1, .outline_found = 1};
    m[3] = (box_measure){.ring = 1.0, .ring_clear = 0.96, .ring_clear_gap = 0.04, .near_mm2 = 14.4,
                         .ring_traced = 0.96, .ring_opposed = 0.96, .outline_found = 1};
    m[8] = (box_measure){.ring = 0.75, .ring_gap = 0.25, .ring_clear = 0.21, .ring_clear_gap = 0.79, .near_mm2 = 5.26,
                         .ring_traced = 0.60, .ring_opposed = 0.50, .outline_found = 1};
    decide_page_of(m, d, 10);
    cr_assert(d[3].circled && d[3].state == BOX_MARKED, "the fixture: the oval is read");
    cr_assert(d[8].circled && d[8].state == BOX_MARKED, "the fixture: the arc's box reads as circled too");
    decide_circle_rivals(&cal, t, 1, m, d, 10);
    cr_assert(d[3].circled && d[3].state == BOX_MARKED, "the oval stays q1a's answer");
    cr_assert(!d[8].circled && d[8].state == BOX_UNSURE, "whose arc this is, a person says");
    cr_assert_eq(decide(&t->questions[1], &d[5]).status, ANSWER_REVIEW);
    /* a circle of its own round q1b's box, clear of its outline all round:
     * each question has its answer */
    m[8].ring_clear = 0.9, m[8].ring_clear_gap = 0.1;
    decide_page_of(m, d, 10);
    decide_circle_rivals(&cal, t, 1, m, d, 10);
    cr_assert(d[8].circled && d[8].state == BOX_MARKED, "a circle of its own is read");
    /* ... or leaving as much ink round its box as the oval leaves round its own */
    m[8].ring_clear = 0.21, m[8].ring_clear_gap = 0.79, m[8].near_mm2 = 8.0;
    decide_page_of(m, d, 10);
    decide_circle_rivals(&cal, t, 1, m, d, 10);
    cr_assert(d[8].circled && d[8].state == BOX_MARKED, "8 mm^2 of ink beside an oval leaving 14.4 is its own");
}

Test(decide_page, a_rubbed_out_mark_on_a_1_bit_page_is_withdrawn_beside_the_answer) {
    /* fresh seed 8372 --folds, BJSRSB3H q4c and EDKGABZG q2a, harsh 1-bit
     * pages: a cross rubbed out, its pale strokes thresholded into black
     * specks and dashes (fill 0.22-0.26, strokes 0.16-0.18 mm wide, 6-9
     * pieces), beside the cross that answers (0.52-0.57, 0.62-0.63 mm, one
     * piece): "2 boxes marked", two forms in review needlessly */
    omr_template *t = two_rows();
    box_measure m[10];
    box_decision d[10];
    empty_clean_page(m, 10);
    box_measure cross = {.fill = 0.57, .extent = 1, .darkness = 1, .core_mm2 = 6.9, .compact = 0.6,
                         .ink_span = 1.2, .stroke_mm = 0.62, .ink_pieces = 1, .outline_found = 1};
    box_measure trace = {.fill = 0.26, .extent = 1, .darkness = 1, .core_mm2 = 3.0, .compact = 0.31,
                         .ink_span = 1.2, .stroke_mm = 0.18, .ink_pieces = 6, .outline_found = 1};
    m[1] = trace, m[2] = cross;
    decide_page_of(m, d, 10);
    cr_assert(d[1].state == BOX_MARKED && d[2].state == BOX_MARKED, "the fixture: two marks");
    question_answer a = decide(&t->questions[0], d);
    cr_assert_eq(a.status, ANSWER_REVIEW, "the fixture: without the step, a double");
    decide_rubbed_out_traces(t, 1, m, d, 10);
    a = decide(&t->questions[0], d);
    cr_assert_eq(a.status, ANSWER_OK, "%s", a.reason);
    cr_assert_eq(a.chosen, 2, "the cross answers, the trace beside it is withdrawn");
    cr_assert(a.taken_back, "the rubbed-out mark is reported as a correction");

    /* the same trace in pale ink on a grey scan (a pencil cross at the edge
     * of ink, broken up: 8352 XF4M643A q5r) is no threshold's: two marks */
    m[1].darkness = 0.6;
    decide_page_of(m, d, 10);
    decide_rubbed_out_traces(t, 1, m, d, 10);
    cr_assert_eq(decide(&t->questions[0], d).status, ANSWER_REVIEW, "a pale broken cross beside a firm one");
    /* one pen's two marks, alike (a double tick): both stand */
    m[1] = cross, m[1].ink_pieces = 5, m[1].stroke_mm = 0.30;
    decide_page_of(m, d, 10);
    decide_rubbed_out_traces(t, 1, m, d, 10);
    cr_assert_eq(decide(&t->questions[0], d).status, ANSWER_REVIEW, "strokes 0.30 and 0.62 mm: a double");
    /* a trace in another question is no correction of this one's cross */
    m[1] = (box_measure){.fill = 0.0, .ring = 0.02, .ring_gap = 0.98, .outline_found = 1};
    m[6] = trace;
    decide_page_of(m, d, 10);
    decide_rubbed_out_traces(t, 1, m, d, 10);
    cr_assert_eq(decide(&t->questions[1], d + 5).chosen, 1, "q2b's only mark is its answer");
    cr_assert_eq(decide(&t->questions[0], d).chosen, 2);
}

Test(decide_page, a_circle_on_a_page_nearly_bled_stands_apart_by_its_clear_rays) {
    /* fresh seed 8371 KWGUXREV q4a1, a harsh 1-bit page whose median box's
     * rays were 0.44 closed by its swollen print, just under a bled page's
     * 0.45: a circle three boxes wide over two lines of print closed 0.75 of
     * its rays (the print masks the rest), under the page's level and a
     * third; but 0.75 of them clear of the outline where its neighbours'
     * clear rays met nothing, and 15.7 mm^2 of ink round the box. It went to
     * review as ink beside a box. On a bled page that is a circle
     * (bled_page_circles); so it is here */
    enum { N = 30 };
    box_measure m[N];
    box_decision d[N];
    for (size_t i = 0; i < N; i++)
        m[i] = (box_measure){.fill = 0.0, .ring = 0.40 + 0.02 * (double)(i % 4), .ring_gap = 0.25, .ring_clear = 0.0,
                             .ring_clear_gap = 1.0, .near_mm2 = 0.05, .outline_found = 1,
                             .box_x_mm = 20.0 + 17.0 * (double)(i % 6), .box_y_mm = 40.0 + 14.0 * (double)(i / 6)};
    m[14].ring = 0.75, m[14].ring_gap = 0.19, m[14].ring_clear = 0.75, m[14].ring_clear_gap = 0.19;
    m[14].near_mm2 = 15.7;
    decide_page_of(m, d, N);
    cr_assert(d[14].circled && d[14].state == BOX_MARKED, "the circle: state %d", (int)d[14].state);
    for (size_t i = 0; i < N; i++)
        if (i != 14)
            cr_assert_eq(d[i].state, BOX_BLANK, "box %zu: the page's own rings are no circle", i);
    /* the same rays with nothing clear of the outline: the print's ring,
     * and the ink beside the box for a person */
    m[14].ring_clear = 0.10, m[14].ring_clear_gap = 0.8;
    decide_page_of(m, d, N);
    cr_assert(!d[14].circled && d[14].state != BOX_MARKED, "no ring clear of the outline");
    /* clear rays closed round a box with no pen's ink round it: no circle */
    m[14].ring_clear = 0.75, m[14].ring_clear_gap = 0.19, m[14].near_mm2 = 0.3;
    decide_page_of(m, d, N);
    cr_assert(!d[14].circled && d[14].state != BOX_MARKED, "no pen's ink round the box");
}

/* Box k's state once the page and the strikes through its boxes are judged */
static box_state struck_state(box_measure *m, box_decision *d, size_t n, size_t k) {
    decide_page_of(m, d, n);
    decide_struck_through(m, d, n);
    return d[k].state;
}

Test(decide_page, a_line_past_both_sides_of_a_cross_says_nothing_where_empty_boxes_show_it_too) {
    /* a 1-bit page whose print bleeds past the mask puts ink just outside
     * every box's sides: there a cross with ink past both sides is a cross
     * (fresh seed 8372, harsh pages: bled crosses 0.67-0.82 full, ink past
     * their sides as past the empty boxes'); on a clean page it is a cross
     * struck through, for a person */
    enum { N = 20 };
    box_measure m[N];
    box_decision d[N];
    for (size_t i = 0; i < N; i++)
        m[i] = (box_measure){.fill = 0.0, .ring = 0.02, .ring_gap = 0.98, .outline_found = 1};
    m[7] = (box_measure){.fill = 0.55, .extent = 1, .darkness = 0.9, .core_mm2 = 5, .compact = 0.5, .ink_span = 1.2,
                         .ink_width_mm = 2.8, .struck_through = 1, .outline_found = 1};
    decide_page_of(m, d, N);
    cr_assert_eq(d[7].state, BOX_MARKED, "the fixture: a cross");
    decide_struck_through(m, d, N);
    cr_assert_eq(d[7].state, BOX_UNSURE, "a cross struck through on a clean page");
    for (size_t i = 0; i < N; i += 3)
        if (i != 7)
            m[i].struck_through = 1;
    cr_assert_eq(struck_state(m, d, N, 7), BOX_MARKED, "empty boxes show ink past their sides too: the page's print");
    /* a speckled or bled page (its median box's rays meet ink): a bled
     * cross's arms and the specks put ink past a marked box's sides */
    for (size_t i = 0; i < N; i++)
        m[i].struck_through = i == 7, m[i].ring = i == 7 ? 0.02 : 0.3, m[i].ring_gap = 0.6;
    cr_assert_eq(struck_state(m, d, N, 7), BOX_MARKED, "on a speckled page ink past the sides says nothing");
    /* a fold's crease as dark as ink along the box runs on through it and
     * past both sides (a 1-bit scan's black crease) */
    for (size_t i = 0; i < N; i++)
        m[i].ring = 0.02, m[i].ring_gap = 0.98;
    m[7].crease_along = 1, m[7].crease_darkness = 1.0;
    cr_assert_eq(struck_state(m, d, N, 7), BOX_MARKED, "a black crease through the box is no strike");
    /* a flatbed's fold, paler than ink (held-out H30 ML8M84LI q4c: 0.12),
     * puts no ink past the sides: the strike is the hand's */
    m[7].crease_darkness = 0.12;
    cr_assert_eq(struck_state(m, d, N, 7), BOX_UNSURE, "a cross struck through along a pale fold");
}

Test(decide_page, a_pen_cross_struck_through_on_a_page_with_a_few_rays_closed_goes_to_a_person) {
    /* held-out H30 P545KTG4 q2a, TCY265W2 q2b: pen crosses struck through on
     * 150-dpi pages in perspective whose print edges past the mask close 6
     * of the median box's 48 rays (0.125, RING_NOISE); the strike's ends
     * left 3.2 mm^2 of a pen's line beside each box, 0.4 of it in the
     * print's halo. Read as the cross, silently */
    enum { N = 20 };
    box_measure m[N];
    box_decision d[N];
    for (size_t i = 0; i < N; i++)
        m[i] = (box_measure){.fill = 0.0, .ring = 0.125, .ring_gap = 0.7, .near_mm2 = 0.1, .near_halo_mm2 = 0.1,
                             .outline_found = 1};
    m[7] = (box_measure){.fill = 0.39, .ink_mm2 = 6.2, .extent = 1, .darkness = 0.63, .core_mm2 = 5, .compact = 0.46,
                         .ink_span = 1.2, .ink_width_mm = 2.6, .struck_through = 1, .near_mm2 = 3.17,
                         .near_halo_mm2 = 0.36, .near_specks = 0.04, .ring = 0.125, .ring_gap = 0.7,
                         .outline_found = 1};
    decide_page_of(m, d, N);
    cr_assert_eq(d[7].state, BOX_MARKED, "the fixture: a cross");
    decide_struck_through(m, d, N);
    cr_assert_eq(d[7].state, BOX_UNSURE, "a pen cross struck through, its strike's ends beside the box");
    /* ink beside it that lies mostly in the print's halo is the bled print's */
    m[7].near_halo_mm2 = 2.0;
    cr_assert_eq(struck_state(m, d, N, 7), BOX_MARKED, "ink in the print's halo");
    /* ... or specks, the paper's */
    m[7].near_halo_mm2 = 0.36, m[7].near_specks = 0.8;
    cr_assert_eq(struck_state(m, d, N, 7), BOX_MARKED, "specks beside the box");
    /* ... and on a bled page (its median box's rays closed past RING_MIN) nothing is judged so */
    m[7].near_specks = 0.04;
    for (size_t i = 0; i < N; i++)
        m[i].ring = 0.6, m[i].ring_gap = 0.2;
    cr_assert_eq(struck_state(m, d, N, 7), BOX_MARKED, "a bled page");
}

Test(decide_page, a_correction_in_pencil_on_a_page_crossed_in_pen_is_read_a_trace_paler_than_it_is_not) {
    /* fresh seed 8401 YYDZEVU4 q3b: a hand that crosses in black pen
     * (darkness 0.78) corrects one question in pencil: the wrong box filled
     * (0.32 dark), the right one crossed (0.30). Far paler than the page's
     * marks, the cross was taken for a mark rubbed out and withdrawn beside
     * the fill, which was read: "1" for "4", silently */
    omr_template *t = two_rows();
    cr_assert_eq(t->questions[0].corrections, CORRECTIONS_FILL_CANCELS);
    box_measure m[10];
    empty_clean_page(m, 10);
    box_measure pen = {.fill = 0.45, .extent = 1, .darkness = 0.78, .core_mm2 = 5.0, .compact = 0.3,
                       .ink_span = 1.1, .outline_found = 1};
    box_measure pencil_fill = {.fill = 1.0, .faint_fill = 1.0, .extent = 1, .darkness = 0.32, .core_mm2 = 16,
                               .compact = 0.9, .ink_span = 1.0, .outline_found = 1};
    box_measure pencil_cross = {.fill = 0.64, .faint_fill = 0.68, .extent = 1, .darkness = 0.30, .core_mm2 = 8.0,
                                .compact = 0.35, .ink_span = 1.2, .outline_found = 1};
    m[6] = pen; /* q2b's answer, and crosses on the page's other questions */
    box_measure others[3] = {pen, pen, pen};
    box_measure page[13];
    memcpy(page, m, sizeof m);
    memcpy(page + 10, others, sizeof others);
    /* in a pencil lighter than a whole pencil line's floor (0.25, 0.26):
     * the page's pale rule takes it for rubbed out, its question's fill
     * as pale says otherwise (decide_pale_marks) */
    box_measure light_cross = pencil_cross, light_fill = pencil_fill;
    light_cross.darkness = 0.25, light_fill.darkness = 0.26;
    page[1] = light_cross, page[4] = light_fill;
    box_decision pd[13];
    decide_page_of(page, pd, 13);
    cr_assert(pd[1].pale && pd[1].faint, "the fixture: far paler than the page's pen");
    decide_pale_marks(&cal, t, 1, page, pd, 10);
    cr_assert_not(pd[1].pale);
    question_answer a = decide(&t->questions[0], pd);
    cr_assert_eq(a.status, ANSWER_OK, "%s", a.reason);
    cr_assert_eq(a.chosen, 1, "the cross answers, the fill beside it takes the other box back (read %d)", a.chosen);
    cr_assert(a.taken_back);

    /* in the pencil of the seed (0.30, 0.32) the cross is a whole line,
     * never pale: the same reading */
    page[1] = pencil_cross, page[4] = pencil_fill;
    decide_page_of(page, pd, 13);
    decide_pale_marks(&cal, t, 1, page, pd, 10);
    a = decide(&t->questions[0], pd);
    cr_assert(!pd[1].pale && a.status == ANSWER_OK && a.chosen == 1 && a.taken_back, "read %d: %s", a.chosen,
              a.reason);

    /* a trace rubbed out (0.10 dark) beside the same fill stays a trace:
     * the fill alone is the answer, as the rule reads a lone fill */
    page[1] = (box_measure){.fill = 0.30, .faint_fill = 0.45, .extent = 1, .darkness = 0.10, .core_mm2 = 2.0,
                            .compact = 0.3, .ink_span = 1.1, .outline_found = 1};
    decide_page_of(page, pd, 13);
    decide_pale_marks(&cal, t, 1, page, pd, 10);
    a = decide(&t->questions[0], pd);
    cr_assert(pd[1].faint && a.status == ANSWER_OK && a.chosen == 4, "read %d: %s", a.chosen, a.reason);
    /* the pencil cross alone in its question: a pencil's whole line, the
     * answer (fresh seeds 8431 B5DSSYSN q4c, 8434 4RUT95C8 q6: sixteen such
     * over twenty sets went to a person as rubbed out) */
    page[1] = pencil_cross, page[4] = m[0];
    decide_page_of(page, pd, 13);
    decide_pale_marks(&cal, t, 1, page, pd, 10);
    cr_assert_not(pd[1].pale, "a whole pencil line taken for a mark rubbed out");
    a = decide(&t->questions[0], pd);
    cr_assert(a.status == ANSWER_OK && a.chosen == 1, "the lone pencil cross read %d: %s", a.chosen, a.reason);
    /* ... but a ghost of a mark rubbed out, alone, is no answer read
     * silently: pale (0.22), or broken into pieces */
    page[1].darkness = 0.22;
    decide_page_of(page, pd, 13);
    decide_pale_marks(&cal, t, 1, page, pd, 10);
    cr_assert_eq(decide(&t->questions[0], pd).status, ANSWER_REVIEW, "a pale ghost alone");
    page[1].darkness = 0.30, page[1].ink_pieces = 6;
    decide_page_of(page, pd, 13);
    decide_pale_marks(&cal, t, 1, page, pd, 10);
    cr_assert_eq(decide(&t->questions[0], pd).status, ANSWER_REVIEW, "a broken trace alone");
}

/* ekb-2024's q5r, tick all that apply: two columns of four options */
static omr_template *two_columns(void) { return stacked_question("q5r", QUESTION_MULTI, 8, 4, 26, 141, 2); }

Test(decide_page, on_a_bled_page_an_ovals_arc_closing_a_bled_outlines_rays_is_for_a_person) {
    /* fresh seed 8471 --folds --warp 2, AK3JHJXV q5r on a harsh 1-bit
     * page: "2"'s long label circled in pencil, an oval (label rays 0.82)
     * with 76.8 mm^2 of ink round the box; its lower arc passes just above
     * "3", whose bled outline closes every one of its rays (1.00) with
     * 27.8 mm^2 of the arc round it, 0.17 of its rays clear of the outline
     * and no stroke along it. Both were read: "2 3", silently. */
    omr_template *t = two_columns();
    box_measure m[8];
    box_decision d[8];
    for (size_t i = 0; i < 8; i++)
        m[i] = (box_measure){.fill = 0.0, .ring = 0.55 + 0.05 * (double)i, .ring_gap = 0.25, .ring_clear = 0.05,
                             .ring_clear_gap = 0.9, .label_ring = 0.15, .label_gap = 0.7, .near_mm2 = 0.3,
                             .outline_found = 1, .box_x_mm = t->questions[0].boxes[i].rect.x + 2.5,
                             .box_y_mm = t->questions[0].boxes[i].rect.y + 2.5};
    m[1].ring = 0.65, m[1].ring_gap = 0.15, m[1].ring_clear = 0.15, m[1].ring_clear_gap = 0.62;
    m[1].label_ring = 0.82, m[1].label_gap = 0.18, m[1].label_opposed = 0.8, m[1].near_mm2 = 76.75;
    m[2].ring = 1.0, m[2].ring_gap = 0, m[2].ring_traced = 1, m[2].ring_opposed = 1, m[2].ring_clear = 0.17,
    m[2].ring_clear_gap = 0.38, m[2].label_ring = 0.40, m[2].label_gap = 0.30, m[2].near_mm2 = 27.79;
    decide_page_of(m, d, 8);
    cr_assert(d[1].circled && d[1].state == BOX_MARKED, "the fixture: the oval is read");
    cr_assert(d[2].circled && d[2].state == BOX_MARKED, "the fixture: the box under its arc reads as circled");
    decide_circle_rivals(&cal, t, 2, m, d, 8);
    cr_assert(d[1].circled && d[1].state == BOX_MARKED, "the oval stays its box's");
    cr_assert_eq(d[2].state, BOX_UNSURE, "the arc's box read %s", decide_box_state_name(d[2].state));
    question_answer a = decide(&t->questions[0], d);
    cr_assert_eq(a.status, ANSWER_REVIEW);
    free(a.selected);
    /* a circle of its own round "3": tight, along its outline, or wide,
     * clear of it; two answers of a tick-all question */
    for (int k = 0; k < 2; k++) {
        m[2].ring_hug_mm2 = k == 0 ? 4.0 : 0;
        m[2].ring_clear = k == 0 ? 0.17 : 0.9, m[2].ring_clear_gap = k == 0 ? 0.38 : 0.06;
        decide_page_of(m, d, 8);
        decide_circle_rivals(&cal, t, 2, m, d, 8);
        cr_assert(d[2].circled && d[2].state == BOX_MARKED, "%s circle of its own read %s", k ? "a wide" : "a tight",
                  decide_box_state_name(d[2].state));
    }
}

/* Page 1 of ekb-2024 measured empty on a clean page: m and d in template order */
static size_t empty_page_one(const omr_template *t, box_measure *m, size_t room) {
    size_t n = 0;
    for (size_t i = 0; i < t->n_questions; i++)
        for (size_t b = 0; t->questions[i].page == 1 && b < t->questions[i].n_boxes; b++) {
            cr_assert_lt(n, room);
            omr_rect r = t->questions[i].boxes[b].rect;
            m[n++] = (box_measure){.ring = 0.02, .ring_gap = 0.98, .outline_found = 1, .box_x_mm = r.x + r.w / 2,
                                   .box_y_mm = r.y + r.h / 2};
        }
    return n;
}
/* The index on page 1 (template order) of question `id`'s box `b` */
static size_t page_one_index(const omr_template *t, const char *id, size_t b) {
    size_t k = 0;
    for (size_t i = 0; i < t->n_questions; i++) {
        if (t->questions[i].page != 1)
            continue;
        if (strcmp(t->questions[i].id, id) == 0)
            return k + b;
        k += t->questions[i].n_boxes;
    }
    cr_assert_fail("no %s on page 1", id);
    return 0;
}
/* ink `mm2` in the gap right of box a of question id, half round each */
static void ink_in_gap(box_measure *m, size_t a, double mm2) {
    m[a].near_right_mm2 += mm2 / 2, m[a].near_mm2 += mm2 / 2;
    m[a + 1].near_left_mm2 += mm2 / 2, m[a + 1].near_mm2 += mm2 / 2;
}
static question_answer decide_on_page_one(const omr_template *t, box_measure *m, box_decision *d, size_t n,
                                          const char *id) {
    decide_page_of(m, d, n);
    decide_ink_between(&cal, t, 1, m, d, n);
    question_answer a;
    decide_question(template_question_by_id(t, id), &d[page_one_index(t, id, 0)], &a);
    return a;
}

/* held-out 4502 J0GDAKP8 q2b: a cross drawn between "2" and "1", tight
 * against "2", closed "2"'s rays just enough for a circle (0.46, gap 0.29,
 * 0.21 opposed), all its 5.44 mm^2 right of "2" and as much left of "1":
 * read as "2" circled, silently. A circle leaning one way with a clean
 * neighbour, or one with ink either side of its box, is still the answer. */
Test(decide_page, rays_closed_by_a_cross_between_two_boxes_are_no_circle) {
    omr_template *t = test_template("ekb-2024");
    box_measure m[80];
    box_decision d[80];
    size_t n = empty_page_one(t, m, 80), q = page_one_index(t, "q2b", 0);
    box_measure *two = &m[q + 3], *one = &m[q + 4];
    two->ring = 0.458, two->ring_gap = 0.292, two->ring_opposed = 0.208, two->ring_clear = 0.188;
    two->near_mm2 = two->near_right_mm2 = 5.44;
    one->near_mm2 = one->near_left_mm2 = 5.44;
    decide_page_of(m, d, n);
    cr_assert(d[q + 3].circled && d[q + 3].state == BOX_MARKED, "the fixture: rays closed as a circle's");
    question_answer a = decide_on_page_one(t, m, d, n, "q2b");
    cr_assert_eq(a.status, ANSWER_REVIEW, "a cross between two boxes read as a circle: chose %d", a.chosen);
    cr_assert_eq(d[q + 3].state, BOX_UNSURE);
    /* its neighbour clean: a circle leaning to that side (fresh seed 8491
     * PDPP3E68 q2c, 0.9 of its ink on one side, the neighbour 0.07) */
    one->near_mm2 = one->near_left_mm2 = 0.07;
    a = decide_on_page_one(t, m, d, n, "q2b");
    cr_assert(a.status == ANSWER_OK && a.chosen == 3, "a circle beside a clean box: %s", a.reason);
    /* ink either side of the box: a circle, whatever its neighbour holds */
    one->near_mm2 = one->near_left_mm2 = 5.44;
    two->near_right_mm2 = 2.7, two->near_left_mm2 = 2.0;
    a = decide_on_page_one(t, m, d, n, "q2b");
    cr_assert(a.status == ANSWER_OK && a.chosen == 3, "a circle with ink either side: %s", a.reason);
    template_free(t);
}

Test(decide_page, ink_between_two_boxes_of_an_unanswered_question_is_for_a_person) {
    /* held-out 4202 653C2EBZ q1a: a pencil cross half way between "3" and
     * "2", 1.21 and 1.15 mm^2 round each box, each under what one box may
     * hold alone (1.5): read as no answer, silently */
    omr_template *t = test_template("ekb-2024");
    box_measure m[80];
    box_decision d[80];
    size_t n = empty_page_one(t, m, 80), q1a = page_one_index(t, "q1a", 0);
    m[q1a + 2].near_right_mm2 = m[q1a + 2].near_mm2 = 1.21;
    m[q1a + 3].near_left_mm2 = m[q1a + 3].near_mm2 = 1.15;
    decide_page_of(m, d, n);
    question_answer a;
    decide_question(template_question_by_id(t, "q1a"), &d[q1a], &a);
    cr_assert_eq(a.status, ANSWER_OK, "the fixture: each half alone is no ink beside a box");
    a = decide_on_page_one(t, m, d, n, "q1a");
    cr_assert_eq(a.status, ANSWER_REVIEW, "the cross between two boxes read as no answer");
    for (size_t i = 0; i < n; i++)
        cr_assert_eq(d[i].ink_near, i == q1a + 2 || i == q1a + 3, "box %zu", i);
    /* the same ink as specks (a fold's grey panel) is no cross */
    m[q1a + 2].near_specks = m[q1a + 3].near_specks = 0.8;
    cr_assert_eq(decide_on_page_one(t, m, d, n, "q1a").status, ANSWER_OK, "specks between two boxes");
    m[q1a + 2].near_specks = m[q1a + 3].near_specks = 0;
    /* ... nor is the grey of a panel the boxes are printed on (Auto
     * Multiple Choice's digit grids: the paper round each box all ink) */
    m[q1a + 2].paper_share = m[q1a + 3].paper_share = 0.9;
    cr_assert_eq(decide_on_page_one(t, m, d, n, "q1a").status, ANSWER_OK, "a grey panel between two boxes");
    m[q1a + 2].paper_share = m[q1a + 3].paper_share = 0;
    /* beside a cross that answers, the boxes' own rules judge the ink */
    m[q1a].fill = 0.35, m[q1a].extent = 0.9, m[q1a].ink_mm2 = 5, m[q1a].darkness = 0.9, m[q1a].core_mm2 = 3;
    a = decide_on_page_one(t, m, d, n, "q1a");
    cr_assert_eq(d[q1a].state, BOX_MARKED, "the fixture: a cross");
    cr_assert(a.status == ANSWER_OK && a.chosen == 0, "a cross that answers: %s", a.reason);

    /* a crease along the row: 1 mm^2 each side of every box, 2 in each gap */
    n = empty_page_one(t, m, 80);
    for (size_t b = 0; b < 5; b++)
        m[q1a + b].near_left_mm2 = m[q1a + b].near_right_mm2 = 1.0, m[q1a + b].near_mm2 = 2.0;
    a = decide_on_page_one(t, m, d, n, "q1a");
    cr_assert_eq(a.status, ANSWER_OK, "a crease along the row: %s", a.reason);

    /* a page whose gaps all hold as much as the cross (a grey scan): the page's own level */
    n = empty_page_one(t, m, 80);
    const char *rows[] = {"q1a", "q1b", "q2a", "q2b", "q2c", "q2d", "q2e", "q3a", "q3b"};
    size_t q1b = page_one_index(t, "q1b", 0);
    ink_in_gap(m, q1b + 1, 2.36);
    cr_assert_eq(decide_on_page_one(t, m, d, n, "q1b").status, ANSWER_REVIEW, "the fixture: q1b's one gap");
    for (size_t r = 0; r < sizeof rows / sizeof rows[0]; r++)
        for (size_t b = 0; b < 4; b++)
            if (r != 1)
                ink_in_gap(m, page_one_index(t, rows[r], b), 1.4);
    cr_assert_eq(decide_on_page_one(t, m, d, n, "q1b").status, ANSWER_OK, "a page of grey gaps");
    template_free(t);
}

/* A fold's panel a harsh 1-bit scan turned black (fresh seed 8534
 * --folds --warp 1, H3RF6K7R page 1: six questions under it, every box
 * "unclear"): nothing can be read there, and the reason says so, so the
 * operator fetches the paper or a lighter scan instead of peering at
 * black boxes. A panel only speckled keeps its own reason, and
 * the ledger keeps the flag (a re-read decides alike). */
Test(decide_page, boxes_on_a_panel_scanned_black_say_the_scan_is_black) {
    omr_template *t = test_template("ekb-2024");
    box_measure m[80];
    box_decision d[80];
    size_t n = empty_page_one(t, m, 80), q2a = page_one_index(t, "q2a", 0), q2b = page_one_index(t, "q2b", 0);
    for (size_t b = 0; b < 5; b++) {
        box_measure *black = &m[q2a + b], *grey = &m[q2b + b];
        black->fill = black->paper_share = black->near_share = 0.85, black->near_specks = 0.9;
        grey->fill = grey->paper_share = grey->near_share = 0.3, grey->near_specks = 0.9;
    }
    question_answer a = decide_on_page_one(t, m, d, n, "q2a");
    cr_assert_eq(a.status, ANSWER_REVIEW, "boxes in black read: %s", a.reason);
    cr_assert(strstr(a.reason, "too dark") != NULL, "the reason: %s", a.reason);
    for (size_t b = 0; b < 5; b++) {
        cr_assert(d[q2a + b].state == BOX_UNSURE && d[q2a + b].black_paper, "box %zu", b);
        box_decision back = {0};
        decide_box_set_flags(&back, decide_box_flags(&d[q2a + b]));
        cr_assert(back.black_paper, "box %zu: the flag lost in the ledger", b);
    }
    a = decide_on_page_one(t, m, d, n, "q2b");
    cr_assert_eq(a.status, ANSWER_REVIEW, "speckled boxes, no mark: %s", a.reason);
    cr_assert(strstr(a.reason, "speckle") != NULL && strstr(a.reason, "too dark") == NULL, "the reason: %s", a.reason);
    for (size_t b = 0; b < 5; b++)
        cr_assert_not(d[q2b + b].black_paper, "box %zu", b);
    template_free(t);
}

/* A grey crease found through an empty box, nothing dark in it, only the
 * pale trace of the crease's shoulders (fresh seed 8533 4FQMY9Y7 q5r: 0.098
 * pale under a crease 0.27 deep, the question's only unsure box, to a
 * person): on a page crossed in pen, the crease's, and the question has no
 * answer. Not where the crease is black (it can hide a dot), not on a page
 * of very light pencil (its marks are as pale), not without the crease. */
Test(decide_page, a_grey_creases_pale_trace_in_an_empty_box_is_the_creases) {
    omr_template *t = test_template("ekb-2024");
    box_measure m[80];
    box_decision d[80];
    size_t n = empty_page_one(t, m, 80), q2b = page_one_index(t, "q2b", 0);
    const char *crossed[] = {"q1a", "q1b", "q2a"};
    for (size_t k = 0; k < 3; k++) {
        box_measure *x = &m[page_one_index(t, crossed[k], 1)];
        x->fill = 0.35, x->extent = 0.9, x->ink_mm2 = 5, x->darkness = 0.9, x->core_mm2 = 3;
    }
    box_measure *trace = &m[q2b + 3];
    trace->fill = 0.008, trace->faint_fill = 0.098, trace->darkness = 0.23;
    trace->crease_along = 1, trace->crease_darkness = 0.27;
    question_answer a = decide_on_page_one(t, m, d, n, "q2b");
    cr_assert_eq(d[q2b + 3].state, BOX_BLANK, "the crease's trace read %s", decide_box_state_name(d[q2b + 3].state));
    cr_assert(a.status == ANSWER_OK && a.chosen < 0, "read %d: %s", a.chosen, a.reason);
    /* a black crease can hide a dot: a person looks */
    trace->crease_darkness = 1.0;
    cr_assert_eq(decide_on_page_one(t, m, d, n, "q2b").status, ANSWER_REVIEW, "the trace on a black crease");
    /* no crease found through the box: a pale trace alone is unclear */
    trace->crease_darkness = 0.27, trace->crease_along = 0;
    cr_assert_eq(decide_on_page_one(t, m, d, n, "q2b").status, ANSWER_REVIEW, "a pale trace, no crease");
    /* remnants darker than the crease: a mark rubbed out, alone, unclear */
    trace->crease_along = 1, trace->darkness = 0.5;
    cr_assert_eq(decide_on_page_one(t, m, d, n, "q2b").status, ANSWER_REVIEW, "a rubbed-out mark on the crease");
    trace->darkness = 0.23;
    /* a page crossed in very light pencil: its marks are as pale */
    for (size_t k = 0; k < 3; k++)
        m[page_one_index(t, crossed[k], 1)].darkness = 0.2;
    cr_assert_eq(decide_on_page_one(t, m, d, n, "q2b").status, ANSWER_REVIEW, "the trace on a light pencil's page");
    template_free(t);
}
