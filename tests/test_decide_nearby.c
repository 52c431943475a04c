/*
 * test_decide_nearby.c — decide.c's judgement of a box by what lies round it
 * on its page: a pen circle against the clear rays of its neighbours (not the
 * whole page's, half of which a fold's step turned to speckle), a straight
 * line that runs on past the box (a stamp's edge), a speck of dust beside the
 * cross that answers, pale traces on a page whose hand circles, empty boxes in
 * a fold's speckled panel (their specks against the paper round them and the
 * boxes near them), and what cleaning a grey crease leaves in a row of boxes.
 */
#include "decide_fixtures.h"

TestSuite(decide_nearby, .init = setup);

static void decide_page_of(box_measure *m, box_decision *d, size_t n) {
    for (size_t i = 0; i < n; i++)
        d[i] = decide_box(&cal, &m[i]);
    decide_page(&cal, m, d, n);
}

/* A page of `rows` questions of 5 boxes, 17 mm apart along a row and 14 mm
 * between rows, every box empty. */
static void empty_grid(box_measure *m, int rows) {
    for (int r = 0; r < rows; r++)
        for (int c = 0; c < 5; c++)
            m[r * 5 + c] = (box_measure){.box_x_mm = 118 + 17.0 * c, .box_y_mm = 97 + 14.0 * r,
                                         .outline_found = 1};
}

Test(decide_nearby, a_pen_circle_is_judged_against_the_boxes_round_it_not_the_whole_page) {
    /* a dark 1-bit page whose outlines bleed: every box's rays meet ink
     * (ring 1). Below a fold's step in brightness the paper scanned as
     * speckle, which closes the clear rays of every box there too; above
     * it the paper is clean. Three pen circles in the clean half stand far
     * above their neighbours' clear rays (fresh seed 8321 --folds --warp 1,
     * PZGDM9NK: page median 0.85, circles 0.92-1.00, neighbours 0.02-0.29,
     * all three went to review as ink beside a box) */
    enum { ROWS = 8, N = ROWS * 5 };
    box_measure m[N];
    box_decision d[N];
    empty_grid(m, ROWS);
    for (int i = 0; i < N; i++) {
        int speckled = i >= 20; /* rows 4-7 */
        m[i].ring = 1.0, m[i].ring_gap = 0.0;
        m[i].ring_clear = speckled ? 0.84 + 0.02 * (i % 5) : 0.02 + 0.06 * (i % 5);
        m[i].ring_clear_gap = speckled ? 0.06 : 0.9 - 0.1 * (i % 5);
        m[i].near_mm2 = speckled ? 3.0 + 0.4 * (i % 5) : 0.2 + 0.3 * (i % 5);
    }
    const int circles[3] = {3, 7, 12};
    for (int k = 0; k < 3; k++) {
        int i = circles[k];
        m[i].ring_clear = 0.92 + 0.04 * k, m[i].ring_clear_gap = 0.04, m[i].near_mm2 = 17.5 + 3 * k;
    }
    /* and one in the speckled half: as closed as the speckle round it */
    m[27].ring_clear = 0.96, m[27].ring_clear_gap = 0.02, m[27].near_mm2 = 24;
    decide_page_of(m, d, N);
    for (int k = 0; k < 3; k++) {
        int i = circles[k];
        cr_assert(d[i].circled && d[i].state == BOX_MARKED, "box %d: a pen circle in the clean half, read %s", i,
                  decide_box_state_name(d[i].state));
        template_question q = question(QUESTION_SINGLE, 5);
        question_answer a = decide(&q, &d[i - i % 5]);
        cr_assert_eq(a.status, ANSWER_OK, "row %d: %s", i / 5, a.reason);
        cr_assert_eq(a.chosen, i % 5);
    }
    for (int i = 0; i < N; i++)
        if (i != 3 && i != 7 && i != 12 && i != 27)
            cr_assert_not(d[i].circled, "box %d: the page's own rays read as a circle", i);
    /* in the speckle nothing stands apart: never a circle, never blank
     * with its ink unseen */
    cr_assert_not(d[27].circled, "a ring no more closed than the speckle round it");
    cr_assert(d[27].state != BOX_BLANK || d[27].ink_near, "the ink round box 27 is not lost");
}

Test(decide_nearby, a_pen_circle_above_a_dark_panel_goes_to_a_person_never_blank) {
    /* a harsh 1-bit page whose outlines bleed (every box's rays closed), a
     * fold's dark panel over most of it: specks fill the zone round every
     * box there, 14-140 mm^2 (fresh seed 8444 --folds --warp 2.5,
     * F8BTBHJD page 2, the page's median 21). On the clean paper above it a
     * tight pen circle round "Ej fått beslut än", 18 mm^2 round the box
     * against 0.04-0.32 round its neighbours, its clear rays 0.77 closed
     * against theirs 0.33, was read blank, silently: a pen circle's ink
     * was asked to be four times the page's median. Against the boxes
     * round it, it is a circle; against the page, not: a person looks */
    enum { ROWS = 8, N = ROWS * 5 };
    box_measure m[N];
    box_decision d[N];
    empty_grid(m, ROWS);
    for (int i = 0; i < N; i++) {
        int panel = i >= 15; /* rows 3-7 */
        m[i].ring = 1.0, m[i].ring_gap = 0.0;
        m[i].ring_clear = panel ? 0.8 + 0.04 * (i % 5) : 0.1 + 0.06 * (i % 5);
        m[i].ring_clear_gap = panel ? 0.05 : 0.7;
        m[i].near_mm2 = panel ? 14 + 25.0 * (i % 5) : 0.04 + 0.07 * (i % 5);
    }
    m[8].ring_clear = 0.77, m[8].ring_clear_gap = 0.12, m[8].near_mm2 = 18.2;
    /* in the panel a box with as much ink and as closed rays as the specks
     * give every box there */
    m[27].ring_clear = 0.85, m[27].ring_clear_gap = 0.05, m[27].near_mm2 = 19;
    decide_page_of(m, d, N);
    cr_assert_eq(d[8].state, BOX_UNSURE, "the pen circle on the clean paper read %s",
                 decide_box_state_name(d[8].state));
    template_question q = question(QUESTION_SINGLE, 5);
    question_answer a = decide(&q, &d[5]);
    cr_assert_eq(a.status, ANSWER_REVIEW, "never blank");
    cr_assert_not(d[27].circled, "the panel's specks read as a circle");
    /* with as little ink round it as the boxes round it hold: no circle there */
    m[8].near_mm2 = 0.2;
    decide_page_of(m, d, N);
    cr_assert_eq(d[8].state, BOX_BLANK, "clear rays alone, no pen's ink: %s", decide_box_state_name(d[8].state));
}

Test(decide_nearby, in_a_tight_grid_rays_round_an_empty_box_are_no_circle_for_the_ink_of_its_neighbours) {
    /* Auto Multiple Choice's modulo sheet read from its drawn layout: a
     * tight grid whose outlines close most boxes' rays (the page looks
     * bled), and print edges round its empty boxes, 3.6-16 mm^2. A circle
     * read by the rays round the box alone must leave the ink the page
     * asks of one: against the empty boxes round it only, eleven empty
     * boxes were read as circled (mult19 "3", "34"-"36", ...) */
    enum { ROWS = 8, N = ROWS * 5 };
    box_measure m[N];
    box_decision d[N];
    empty_grid(m, ROWS);
    for (int i = 0; i < N; i++) {
        m[i].ring = i % 3 ? 0.6 : 1.0, m[i].ring_gap = i % 3 ? 0.2 : 0.0, m[i].ring_opposed = 0.5;
        m[i].ring_clear = 0, m[i].ring_clear_gap = 1;
        m[i].near_mm2 = i < 15 ? 0.2 + 0.05 * (i % 5) : 6 + 0.5 * (i % 5);
    }
    /* an empty box of the clean rows with print edges round it (mult19 "3":
     * 6.8 mm^2, its clear rays 0.40 closed, open 0.60 of a turn) */
    m[7].near_mm2 = 6.8, m[7].ring = 1.0, m[7].ring_gap = 0, m[7].ring_clear = 0.4, m[7].ring_clear_gap = 0.6;
    decide_page_of(m, d, N);
    for (int i = 0; i < N; i++)
        cr_assert_not(d[i].circled && d[i].state == BOX_MARKED, "box %d: the grid's rays read as a circle", i);
}

Test(decide_nearby, a_label_stands_apart_from_the_labels_round_it_not_only_from_the_pages) {
    /* a harsh 1-bit page whose outlines bleed (every box's rays closed),
     * clean above a fold and speckled below it (fresh seed 8440 --folds
     * --warp 1, UA6WMK8K q5r "4"): in the speckled panel the specks close
     * the labels' rays too, 0.17-0.53; one empty box's label 0.50 closed,
     * above the page's median label by the page's margin, with 4 mm^2 of
     * specks and bled print round it, was read as circled, silently */
    enum { ROWS = 6, N = ROWS * 5 };
    box_measure m[N];
    box_decision d[N];
    empty_grid(m, ROWS);
    for (int i = 0; i < N; i++) {
        int panel = i >= 20; /* rows 4-5 */
        m[i].ring = 0.92 + 0.01 * (i % 6), m[i].ring_gap = 0.04, m[i].ring_clear = 0.1, m[i].ring_clear_gap = 0.6;
        m[i].label_ring = panel ? 0.17 + 0.09 * (i % 5) : 0.05 + 0.02 * (i % 5);
        m[i].label_gap = panel ? 0.2 : 0.6, m[i].label_opposed = panel ? 0.3 : 0.05;
        m[i].near_mm2 = panel ? 1.0 + 0.3 * (i % 5) : 0.2 + 0.1 * (i % 5);
        m[i].fill = 0.002;
    }
    m[26].label_ring = 0.50, m[26].label_gap = 0.29, m[26].label_opposed = 0.27, m[26].near_mm2 = 4.05;
    /* a pencil circle round a label in the clean half, and one in the panel */
    m[7].label_ring = 1.0, m[7].label_gap = 0.02, m[7].label_opposed = 1.0, m[7].near_mm2 = 30;
    m[23].label_ring = 1.0, m[23].label_gap = 0.02, m[23].label_opposed = 1.0, m[23].near_mm2 = 30;
    decide_page_of(m, d, N);
    cr_assert(d[7].circled && d[7].state == BOX_MARKED, "the circle in the clean half: %s",
              decide_box_state_name(d[7].state));
    cr_assert(d[23].circled && d[23].state == BOX_MARKED, "the circle in the panel: %s",
              decide_box_state_name(d[23].state));
    cr_assert_not(d[26].circled, "a label no more closed than the labels round it read as circled");
    cr_assert_eq(d[26].state, BOX_UNSURE, "its rays and ink go to a person, never blank: %s",
                 decide_box_state_name(d[26].state));
}

Test(decide_nearby, a_line_running_on_past_the_box_is_no_mark_in_it) {
    /* the edge of the mailroom's date stamp through "Vet ej" (make_variants
     * received_stamp, S8M55YUW q4a1): one thin straight stroke across the
     * box, dark on the paper 2-10 mm past it on one side. Beside the fill
     * that answers, it was read "3", silently. A hand's bar stops at the box */
    enum { N = 15 };
    box_measure m[N];
    box_decision d[N];
    empty_grid(m, 3);
    m[0].fill = 1.0, m[0].extent = 1, m[0].darkness = 0.9, m[0].core_mm2 = 12; /* a solid "Ja" */
    box_measure edge = m[2];
    edge.fill = 0.13, edge.extent = 1, edge.darkness = 0.8, edge.core_mm2 = 1.2, edge.ink_width_mm = 0.45,
    edge.ink_span = 1.1, edge.ink_axis_deg = 5, edge.ink_x_mm = edge.box_x_mm, edge.ink_y_mm = edge.box_y_mm + 1.5,
    edge.line_beyond = 0.45, edge.line_one_side = 0.95;
    m[2] = edge;
    m[6].fill = 0.4, m[6].extent = 1, m[6].darkness = 0.9, m[6].core_mm2 = 3, m[6].ink_width_mm = 3.1; /* a cross */
    decide_page_of(m, d, N);
    cr_assert_eq(d[2].state, BOX_UNSURE, "the stamp's edge read %s", decide_box_state_name(d[2].state));
    cr_assert_not(d[2].creased, "no crease was found: never dropped beside the fill as a crease's stroke is");
    template_question q = question(QUESTION_SINGLE, 3);
    question_answer a = decide(&q, d);
    cr_assert_eq(a.status, ANSWER_REVIEW, "a person looks");
    /* the same stroke stopping at the box (a hand's dash): a mark */
    m[2].line_one_side = 0.1, m[2].line_beyond = 0.05;
    decide_page_of(m, d, N);
    cr_assert_eq(d[2].state, BOX_MARKED, "a hand's dash read %s", decide_box_state_name(d[2].state));
}

Test(decide_nearby, a_speck_beside_the_cross_that_answers_is_dust) {
    /* dust on the glass: a 0.4 mm speck in an empty box (its dark core
     * 0.16 mm^2, make_variants dust 6T2AN49K q3b) beside a cross, on a page
     * of crosses, sent the question to review. No hand's dot is so small */
    enum { N = 15 };
    box_measure m[N];
    box_decision d[N];
    empty_grid(m, 3);
    for (int r = 0; r < 3; r++) {
        box_measure *x = &m[r * 5 + 2 + r % 2];
        x->fill = 0.35 + 0.03 * r, x->extent = 1, x->darkness = 0.9, x->core_mm2 = 3, x->ink_width_mm = 3;
    }
    const box_measure speck = {.fill = 0.015, .faint_fill = 0.022, .extent = 0.14, .darkness = 0.66,
                               .near_mm2 = 0.04, .core_mm2 = 0.16, .compact = 0.21, .ink_span = 0.14,
                               .ink_width_mm = 0.33, .outline_found = 1};
    m[0] = speck, m[0].box_x_mm = 118, m[0].box_y_mm = 97;
    decide_page_of(m, d, N);
    cr_assert(d[0].speck, "a 0.4 mm speck from a hand that crosses");
    template_question q = question(QUESTION_SINGLE, 5);
    question_answer a = decide(&q, d);
    cr_assert_eq(a.status, ANSWER_OK, "beside the cross it is dust: %s", a.reason);
    cr_assert_eq(a.chosen, 2);
    /* alone in its question, a person looks ("no answer" or a tiny mark) */
    m[2].fill = 0, m[2].extent = 0, m[2].darkness = 0, m[2].core_mm2 = 0, m[2].ink_width_mm = 0;
    decide_page_of(m, d, N);
    a = decide(&q, d);
    cr_assert_eq(a.status, ANSWER_REVIEW, "a speck alone is not read as blank");
    /* a small dot a hand makes (0.6 mm: core 0.3 mm^2) beside a cross stays unclear */
    m[2].fill = 0.35, m[2].extent = 1, m[2].darkness = 0.9, m[2].core_mm2 = 3, m[2].ink_width_mm = 3;
    m[0].core_mm2 = 0.3, m[0].fill = 0.03;
    decide_page_of(m, d, N);
    cr_assert_not(d[0].speck, "a 0.6 mm dot is no speck");
    a = decide(&q, d);
    cr_assert_eq(a.status, ANSWER_REVIEW, "a dot beside a cross: a person looks");
    /* light pencil's grain at 150 dpi: no speck of 0.4 mm, no dark core,
     * 0.05 of the box (held-out H30 WBH0ICUZ): a pale second mark beside a
     * cross is no dust, a person looks */
    m[0] = (box_measure){.fill = 0.052, .faint_fill = 0.06, .darkness = 0.5, .box_x_mm = 118, .box_y_mm = 97,
                         .outline_found = 1};
    decide_page_of(m, d, N);
    cr_assert_not(d[0].speck, "pencil grain is no speck");
    a = decide(&q, d);
    cr_assert_eq(a.status, ANSWER_REVIEW, "a pale mark beside a cross: a person looks");
}

Test(decide_nearby, pale_traces_on_a_page_whose_hand_circles_are_not_its_marks) {
    /* a page with no firm mark whose pale traces are read as very light
     * pencil marks, unless the hand circles: then its marks are circles,
     * and a trace in a box is something else (the back of a thin sheet
     * showing through: make_variants show_through HNYJ3G8X, q5r "8") */
    enum { N = 20 };
    box_measure m[N];
    box_decision d[N];
    empty_grid(m, 4);
    for (int i = 0; i < N; i++)
        m[i].ring = 0.02 * (i % 3), m[i].ring_gap = 0.9;
    m[4].faint_fill = 0.09, m[13].faint_fill = 0.10, m[17].faint_fill = 0.087;
    decide_page_of(m, d, N);
    cr_assert_eq(d[13].state, BOX_MARKED, "a page all in very light pencil: its traces are its marks");
    m[1].ring = 1.0, m[1].ring_gap = 0, m[1].near_mm2 = 10; /* pen circles round two boxes */
    m[11].ring = 0.98, m[11].ring_gap = 0.02, m[11].near_mm2 = 11;
    decide_page_of(m, d, N);
    cr_assert(d[1].circled && d[11].circled, "the hand's circles");
    for (int i = 0; i < N; i++)
        if (i == 4 || i == 13 || i == 17)
            cr_assert_eq(d[i].state, BOX_UNSURE, "box %d: a pale trace on a circling page read %s", i,
                         decide_box_state_name(d[i].state));
}

Test(decide_nearby, a_box_under_a_sticky_note_is_never_read) {
    /* what lies under a sticky note cannot be read: a box wholly under it
     * was blank at confidence 1, a fill half under its edge read as a cross
     * (make_variants sticky_note, 87SCAYAE q5r, silently wrong) */
    enum { N = 15 };
    box_measure m[N];
    box_decision d[N];
    empty_grid(m, 3);
    for (int i = 0; i < N; i++)
        m[i].outline_found = 1, m[i].outline_weakest = 0.85 + 0.01 * (i % 5);
    m[2].fill = 0.4, m[2].extent = 1, m[2].darkness = 0.9, m[2].core_mm2 = 3, m[2].ink_width_mm = 3; /* a cross */
    m[0].outline_weakest = 0.0, m[0].outline_found = 0;                             /* wholly under */
    m[6].fill = 0.73, m[6].extent = 1, m[6].darkness = 0.9, m[6].core_mm2 = 9, m[6].outline_weakest = 0.06;
    m[11].outline_weakest = 0.39; /* a rubbed-out mark lightened this outline: it still shows */
    decide_page_of(m, d, N);
    decide_unseen_outlines(m, d, N);
    cr_assert(d[0].hidden && d[0].state == BOX_UNSURE, "a box wholly under the note read %s",
              decide_box_state_name(d[0].state));
    cr_assert(d[6].hidden && d[6].state == BOX_UNSURE, "a fill half under its edge read %s",
              decide_box_state_name(d[6].state));
    cr_assert_not(d[11].hidden, "a rubbed outline is no cover");
    cr_assert_not(d[2].hidden);
    /* a crease along a box's side, cleaned off, takes the side with it
     * (fresh seed 8331 2929NU3Z q6 "1": 0.12 of the page's level): no cover */
    m[12].outline_weakest = 0.12, m[12].crease_along = 1, m[12].crease_darkness = 0.25;
    decide_page_of(m, d, N);
    decide_unseen_outlines(m, d, N);
    cr_assert_not(d[12].hidden, "a side cleaned with its crease");
    cr_assert_eq(d[12].state, BOX_BLANK);
    m[12].crease_along = 0, m[12].crease_darkness = 0;
    /* ... and so does one whose line passes just outside the box, its band
     * over the side (fresh seed 8342 DNAMFVMJ q5r "6": 0.6 mm above it) */
    m[12].outline_weakest = 0.0, m[12].crease_band = 1;
    decide_page_of(m, d, N);
    decide_unseen_outlines(m, d, N);
    cr_assert_not(d[12].hidden, "a side cleaned with the crease beside it");
    m[12].crease_band = 0;
    decide_page_of(m, d, N);
    decide_unseen_outlines(m, d, N);
    cr_assert(d[12].hidden, "a side gone with no crease near: covered");
    template_question q = question(QUESTION_SINGLE, 5);
    question_answer a = decide(&q, d);
    cr_assert_eq(a.status, ANSWER_REVIEW, "the covered box beside the cross: a person looks");
    cr_assert(strstr(a.reason, "covered"), "the reason says so: %s", a.reason);
    /* a side half a millimetre off its place, found there (a sheet squeezed
     * locally: fresh seed 8461 GEBU2JWU q2e): the box's own line */
    m[12].outline_weakest_off = 0.9;
    decide_page_of(m, d, N);
    decide_unseen_outlines(m, d, N);
    cr_assert_not(d[12].hidden, "a side found 0.5 mm off its place read as covered");
    m[12].outline_weakest_off = 0;
    /* a light 1-bit threshold that breaks every outline into dots: no box
     * stands out as covered; nor where the outlines show only off their
     * places (AMC's thin outlines up to 1 mm off their layout): the page's
     * level is that of its sides in place */
    for (int i = 0; i < N; i++)
        m[i].outline_weakest = 0.12 + 0.02 * (i % 4), m[i].outline_weakest_off = 0.8;
    m[5].outline_weakest_off = 0.05;
    decide_page_of(m, d, N);
    decide_unseen_outlines(m, d, N);
    for (int i = 0; i < N; i++)
        cr_assert_not(d[i].hidden, "box %d on a page of faint outlines", i);
}

Test(decide_nearby, a_pens_dash_along_a_faint_crease_is_the_hands) {
    /* a fold's faint crease (26 levels deep: darkness 0.1) runs along a row
     * of q5r; the respondent's black dash in box 6 lies on it, and box 7
     * holds another dash (held-out 2613 5TN278DQ: "6 7" read "7", the dash
     * dropped as the crease's stroke). The crease's cleaning took out what
     * was no darker than the crease; a stroke far darker is ink */
    enum { N = 10 };
    box_measure m[N];
    box_decision d[N];
    empty_grid(m, 2);
    const box_measure dash = {.fill = 0.2, .extent = 1, .darkness = 0.85, .core_mm2 = 1.0, .ink_width_mm = 0.5,
                              .ink_span = 1.2, .ink_axis_deg = 2, .crease_along = 1, .crease_darkness = 0.1,
                              .outline_found = 1};
    for (int k = 5; k <= 6; k++) {
        double x = m[k].box_x_mm, y = m[k].box_y_mm;
        m[k] = dash, m[k].box_x_mm = m[k].ink_x_mm = x, m[k].box_y_mm = m[k].ink_y_mm = y;
    }
    m[6].crease_along = 0, m[6].crease_darkness = 0;
    decide_page_of(m, d, N);
    cr_assert_eq(d[5].state, BOX_MARKED, "a black dash along a faint crease read %s", decide_box_state_name(d[5].state));
    template_question q = question(QUESTION_MULTI, 5);
    question_answer a = decide(&q, &d[5]);
    cr_assert_eq(a.status, ANSWER_OK, "%s", a.reason);
    cr_assert(a.selected[0] && a.selected[1], "both dashes are answers");
    free(a.selected);
    /* what a crease leaves when its cleaning misses it: no darker than the crease by far */
    m[5].darkness = 0.3;
    decide_page_of(m, d, N);
    cr_assert(d[5].creased && d[5].state == BOX_UNSURE, "a crease's own stroke read %s",
              decide_box_state_name(d[5].state));
    /* a crease drawn black by a 1-bit scanner: its stroke is as dark as ink */
    m[5].darkness = 1.0, m[5].crease_darkness = 1.0;
    decide_page_of(m, d, N);
    cr_assert(d[5].creased, "a black crease's stroke");
}

Test(decide_nearby, empty_boxes_in_a_folds_speckled_panel_are_blank_a_circle_there_is_not) {
    /* a dark 1-bit scan of a folded sheet: the lower panel's paper scanned
     * as specks (fresh seed 8331 --folds --warp 1, 7NH3THV3 q5r). Its empty
     * boxes hold 0.035-0.055 of specks (no speck of 0.4 mm, no core), as
     * much as the paper round them, and 9-24 mm^2 of specks lie round each
     * (5-7% of the zone round box and label, whatever the label's length);
     * the clean upper panel sets the page's level at 2-3 mm^2. Every empty
     * box of the panel went to review, a question's worth at a time */
    enum { ROWS = 8, N = ROWS * 5 };
    box_measure m[N];
    box_decision d[N];
    empty_grid(m, ROWS);
    for (int i = 0; i < N; i++) {
        m[i].near_specks = 0.1, m[i].near_share = 0.02, m[i].near_mm2 = 2.0 + 0.2 * (i % 5);
        if (i < 20)
            continue; /* rows 0-3: clean paper */
        double zone = 150 + 60 * (i % 5); /* mm^2 round box and label */
        m[i].fill = m[i].faint_fill = 0.035 + 0.005 * (i % 5), m[i].darkness = 1;
        m[i].paper_share = 0.04 + 0.005 * (i % 3);
        m[i].near_share = 0.05 + 0.005 * (i % 4), m[i].near_mm2 = m[i].near_share * zone;
        m[i].near_specks = 0.55 + 0.03 * (i % 4);
    }
    /* a pen circle round box 32 in the panel: 18 mm^2 of line on its
     * specks, still most of its samples lone */
    m[32].near_mm2 += 18, m[32].near_share = m[32].near_mm2 / (150 + 60 * 2), m[32].near_specks = 0.52;
    /* and a pale pencil mark in the clean half, specks' size (grain) */
    m[7].fill = m[7].faint_fill = 0.05, m[7].darkness = 0.5;
    decide_page_of(m, d, N);
    for (int i = 20; i < N; i++)
        if (i != 32)
            cr_assert(d[i].state == BOX_BLANK && !d[i].ink_near, "box %d: %s, ink near %d", i,
                      decide_box_state_name(d[i].state), d[i].ink_near);
    template_question q = question(QUESTION_SINGLE, 5);
    question_answer a = decide(&q, &d[20]);
    cr_assert_eq(a.status, ANSWER_OK, "an empty question in the panel: %s", a.reason);
    cr_assert_eq(a.chosen, -1);
    cr_assert(d[32].ink_near, "the circle's ink above the panel's specks is seen");
    a = decide(&q, &d[30]);
    cr_assert_eq(a.status, ANSWER_REVIEW, "a circle in the panel: a person looks");
    cr_assert_neq(d[7].state, BOX_BLANK, "pencil grain on clean paper is not the paper's");
    /* a panel of three boxes at the page's corner, clean paper all round:
     * their neighbours' boxes hold nothing, the paper round each holds
     * what each box does: blank (the specks round them stay ink near the
     * box: too few boxes share the panel to tell its paper's level) */
    for (int i = 20; i < 37; i++)
        m[i].fill = m[i].faint_fill = 0, m[i].paper_share = 0, m[i].near_share = 0.02, m[i].near_mm2 = 2.0,
        m[i].near_specks = 0.1;
    decide_page_of(m, d, N);
    for (int i = 37; i < N; i++)
        cr_assert_eq(d[i].state, BOX_BLANK, "box %d in a small panel: %s", i, decide_box_state_name(d[i].state));
}

Test(decide_nearby, a_grey_creases_shadow_along_an_outline_is_no_dotters_dot_a_dot_on_the_crease_is) {
    /* a dotting hand's page (fresh seed 8436 --folds --warp 1.5 --quick,
     * 5UNDC7YG): clear dots in four questions; a grey crease 0.26 deep along
     * the top of a row of two boxes, its shadow 0.22 dark along the inside
     * of the second box's top outline, nothing of it beyond the outline's
     * margin (no shape), read as the hand's dot, silently */
    enum { ROWS = 4, N = ROWS * 5 + 2 };
    box_measure m[N];
    box_decision d[N];
    empty_grid(m, ROWS);
    for (int r = 0; r < ROWS; r++) /* the hand's dots */
        m[r * 5 + r] = (box_measure){.box_x_mm = 118 + 17.0 * r, .box_y_mm = 97 + 14.0 * r, .outline_found = 1,
                                     .fill = 0.08, .faint_fill = 0.09, .extent = 0.35, .core_mm2 = 1.0,
                                     .darkness = 0.7, .compact = 0.95, .ink_span = 0.35, .ink_width_mm = 1.0};
    box_measure *row = &m[ROWS * 5];
    for (int k = 0; k < 2; k++)
        row[k] = (box_measure){.box_x_mm = 26 + 90.0 * k, .box_y_mm = 143.5, .outline_found = 1, .crease_along = 1,
                               .crease_darkness = 0.26};
    row[1].fill = row[1].faint_fill = 0.023, row[1].darkness = 0.22, row[1].extent = 0.64, row[1].core_mm2 = 0.26;
    decide_page_of(m, d, N);
    cr_assert(d[0].dot && d[5 + 1].dot, "the hand's dots: %s", decide_box_state_name(d[0].state));
    box_decision *rd = &d[ROWS * 5];
    cr_assert(rd[1].creased && rd[1].state == BOX_UNSURE && !rd[1].dot, "the crease's shadow read %s, dot %d",
              decide_box_state_name(rd[1].state), rd[1].dot);
    /* a dot no darker than the crease, inside the box, alone on it: the
     * crease's bit or a dot too pale to tell from it. A person looks:
     * neither dropped as the crease's nor read as the hand's */
    row[1].compact = 0.9, row[1].ink_span = 0.3, row[1].ink_width_mm = 0.8, row[1].core_mm2 = 0.5;
    row[1].ink_x_mm = row[1].box_x_mm, row[1].ink_y_mm = row[1].box_y_mm;
    decide_page_of(m, d, N);
    cr_assert(rd[1].state == BOX_UNSURE && !rd[1].creased, "a pale dot alone on the crease: %s, creased %d",
              decide_box_state_name(rd[1].state), rd[1].creased);
    /* a pencil dot on it adds its own grey to the crease's (8447 9N645EA7:
     * 0.36 on a crease 0.32 deep): the hand's dot */
    row[1].darkness = 0.30;
    decide_page_of(m, d, N);
    cr_assert(rd[1].dot && rd[1].state == BOX_MARKED && !rd[1].creased, "a dot darker than the crease: %s",
              decide_box_state_name(rd[1].state));
}

Test(decide_nearby, a_crease_bit_alone_in_one_box_of_a_dotting_hand_is_no_dot_of_it) {
    /* a dotting hand's page (fresh seed 8443 --folds --warp 1.2, 27ETFX45):
     * a grey crease 0.27 deep along the top of q5r's second row; the only
     * bit it left, 0.25 dark and dot-shaped, lies in the empty "Sexuell
     * läggning". It was read as the hand's dot: "6" for no answer, silently */
    enum { ROWS = 4, N = ROWS * 5 + 2 };
    box_measure m[N];
    box_decision d[N];
    empty_grid(m, ROWS);
    for (int r = 0; r < ROWS; r++) /* the hand's dots, pen and pencil */
        m[r * 5 + r] = (box_measure){.box_x_mm = 118 + 17.0 * r, .box_y_mm = 97 + 14.0 * r, .outline_found = 1,
                                     .fill = 0.09, .faint_fill = 0.1, .extent = 0.35, .core_mm2 = 1.1,
                                     .darkness = r % 2 ? 0.36 : 0.7, .compact = 0.95, .ink_span = 0.4,
                                     .ink_width_mm = 1.0};
    box_measure *row = &m[ROWS * 5];
    for (int k = 0; k < 2; k++)
        row[k] = (box_measure){.box_x_mm = 26 + 90.0 * k, .box_y_mm = 151.5, .outline_found = 1, .crease_along = 1,
                               .crease_darkness = 0.27};
    row[1].fill = 0.041, row[1].faint_fill = 0.073, row[1].darkness = 0.25, row[1].extent = 0.25,
    row[1].core_mm2 = 0.46, row[1].compact = 0.93, row[1].ink_span = 0.21, row[1].ink_width_mm = 0.7,
    row[1].ink_x_mm = row[1].box_x_mm, row[1].ink_y_mm = row[1].box_y_mm - 1.2;
    decide_page_of(m, d, N);
    cr_assert(d[0].state == BOX_MARKED && d[5 + 1].state == BOX_MARKED, "the hand's dots are read");
    box_decision *rd = &d[ROWS * 5];
    cr_assert_neq(rd[1].state, BOX_MARKED, "the crease's bit read as the hand's dot");
    cr_assert_eq(rd[1].state, BOX_UNSURE, "a person looks: %s", decide_box_state_name(rd[1].state));
    template_question q = question(QUESTION_MULTI, 2);
    question_answer a = decide(&q, rd);
    cr_assert_eq(a.status, ANSWER_REVIEW, "never read as an answer, nor as none");
    free(a.selected);
}

Test(decide_nearby, what_cleaning_a_grey_crease_leaves_in_its_boxes_is_no_hands_dot) {
    /* a grey crease 0.25 deep through a row of ten boxes, bent off its
     * fitted line by the sheet's warp: cleaning it left bits of it in
     * eight boxes, as dark as the crease, the size of dots (fresh seed 8331
     * --folds --warp 1, 2929NU3Z q6: six read as a dotting hand's dots,
     * one marked at confidence 1). The answer is the cross in box 10 */
    enum { ROWS = 4, N = ROWS * 5 + 10 };
    box_measure m[N];
    box_decision d[N];
    empty_grid(m, ROWS);
    m[2].fill = 0.4, m[2].extent = 1, m[2].darkness = 0.6, m[2].core_mm2 = 3, m[2].ink_width_mm = 3; /* a cross */
    box_measure *row = &m[ROWS * 5];
    for (int k = 0; k < 10; k++) {
        row[k] = (box_measure){.box_x_mm = 22 + 16.0 * k, .box_y_mm = 198, .outline_found = 1, .crease_along = 1,
                               .crease_darkness = 0.25};
        if (k >= 1 && k <= 8) /* the crease's bits */
            row[k].fill = row[k].faint_fill = 0.03 + 0.005 * (k % 4), row[k].darkness = 0.23 + 0.01 * (k % 3),
            row[k].extent = 0.28, row[k].core_mm2 = 0.3 + 0.05 * (k % 4), row[k].compact = 0.9,
            row[k].ink_span = 0.3, row[k].ink_width_mm = 0.6, row[k].ink_x_mm = row[k].box_x_mm,
            row[k].ink_y_mm = 196.1 + 0.08 * k;
    }
    /* a pencil dot as pale as another crease, alone on it (seed 8304
     * FM4ECVZG q4c "3"): the hand's */
    m[7].crease_along = 1, m[7].crease_darkness = 0.3, m[7].fill = m[7].faint_fill = 0.056, m[7].darkness = 0.35,
    m[7].extent = 0.29, m[7].core_mm2 = 0.5, m[7].compact = 0.9, m[7].ink_span = 0.3, m[7].ink_width_mm = 0.8,
    m[7].ink_x_mm = m[7].box_x_mm, m[7].ink_y_mm = m[7].box_y_mm;
    row[9].fill = 0.4, row[9].extent = 1, row[9].darkness = 0.51, row[9].core_mm2 = 2.5, row[9].ink_width_mm = 3.3;
    decide_page_of(m, d, N);
    box_decision *rd = &d[ROWS * 5];
    for (int k = 1; k <= 8; k++)
        cr_assert(rd[k].creased && rd[k].state == BOX_UNSURE && !rd[k].dot, "box %d: %s, dot %d", k + 1,
                  decide_box_state_name(rd[k].state), rd[k].dot);
    template_question q = question(QUESTION_SINGLE, 10);
    question_answer a = decide(&q, rd);
    cr_assert_eq(a.status, ANSWER_OK, "%s", a.reason);
    cr_assert_eq(a.chosen, 9);
    cr_assert_not(a.taken_back, "no correction was made");
    cr_assert(d[7].dot && !d[7].creased, "a lone pencil dot on a crease, darker than it, is the hand's");
    /* alone in its question, the crease's bits go to a person */
    row[9].fill = 0, row[9].extent = 0, row[9].darkness = 0, row[9].core_mm2 = 0, row[9].ink_width_mm = 0;
    decide_page_of(m, d, N);
    a = decide(&q, rd);
    cr_assert_eq(a.status, ANSWER_REVIEW);
    /* a pen's dot on the crease is darker than it: the hand's */
    row[4].darkness = 0.8;
    decide_page_of(m, d, N);
    cr_assert(rd[4].dot && !rd[4].creased, "a pen's dot on the crease");
    /* on a black 1-bit crease darkness tells nothing: its dots stay dots */
    for (int k = 0; k < 10; k++)
        row[k].crease_darkness = 1.4;
    row[4].darkness = 1;
    decide_page_of(m, d, N);
    cr_assert(rd[4].dot && !rd[4].creased, "a dot on a black crease");
}

/* A dotting hand's dot in box i: 1 mm across, at the box's centre. */
static void hand_dot(box_measure *b) {
    b->fill = 0.06, b->faint_fill = 0.06, b->extent = 0.27, b->darkness = 1, b->core_mm2 = 1.0, b->compact = 0.9,
    b->ink_span = 0.25, b->ink_width_mm = 1.0, b->ink_x_mm = b->box_x_mm + 0.2, b->ink_y_mm = b->box_y_mm - 0.3;
}

Test(decide_nearby, what_a_black_crease_leaves_where_it_crosses_the_outlines_is_no_hands_dot) {
    /* a black 1-bit crease down the "4" column of a dotting hand's page,
     * bent off its fitted line by the sheet's warp: cleaning it left a bit
     * where it crosses the bottom of four boxes' outlines, 2 mm below their
     * centres (fresh seed 8337 --folds --warp 1, B7T74WRQ: fill 0.013-0.019,
     * read as the hand's dots; q2d "4" for no answer at 0.52, q1a, q1b and
     * q2b to review as doubles beside the hand's dots) */
    enum { ROWS = 6, N = ROWS * 5 };
    box_measure m[N];
    box_decision d[N];
    empty_grid(m, ROWS);
    for (int r = 0; r < ROWS; r++)
        m[r * 5 + 1].crease_along = 2, m[r * 5 + 1].crease_darkness = 1.4, m[r * 5 + 1].crease_width_mm[1] = 1.4;
    for (int r = 0; r < 4; r++) {
        box_measure *b = &m[r * 5 + 1];
        b->fill = 0.013 + 0.002 * r, b->faint_fill = b->fill, b->extent = 0.192, b->darkness = 1,
        b->core_mm2 = 0.15 + 0.02 * r;
        if (r != 3) /* the last has too little ink beyond the outline's margin for a shape */
            b->compact = 0.95, b->ink_span = 0.2, b->ink_width_mm = 0.4, b->ink_x_mm = b->box_x_mm + 0.3 - 0.2 * r,
            b->ink_y_mm = b->box_y_mm + 1.9;
    }
    /* the hand's dots: beside the bits in rows 0-2, alone in rows 4 and 5 */
    hand_dot(&m[0]), hand_dot(&m[5 + 4]), hand_dot(&m[10 + 0]), hand_dot(&m[20 + 2]), hand_dot(&m[25 + 3]);
    decide_page_of(m, d, N);
    template_question q = question(QUESTION_SINGLE, 5);
    static const int answer[3] = {0, 4, 0};
    for (int r = 0; r < 3; r++) {
        question_answer a = decide(&q, &d[r * 5]);
        cr_assert_eq(a.status, ANSWER_OK, "row %d: %s", r, a.reason);
        cr_assert_eq(a.chosen, answer[r], "row %d", r);
    }
    cr_assert(d[15 + 1].creased && d[15 + 1].state == BOX_UNSURE, "row 3's bit: %s", decide_box_state_name(d[16].state));
    question_answer a = decide(&q, &d[15]);
    cr_assert_eq(a.status, ANSWER_REVIEW, "the bit alone in its question went to no person");
    cr_assert(d[20 + 2].state == BOX_MARKED && d[25 + 3].state == BOX_MARKED, "the hand's dots are its answers");
    /* the same hand dotting the crease's column, its dots inside the boxes:
     * the hand's, not the crease's */
    for (int r = 0; r < 4; r++)
        hand_dot(&m[r * 5 + 1]);
    m[0].fill = m[5 + 4].fill = m[10].fill = 0, m[0].core_mm2 = m[9].core_mm2 = m[10].core_mm2 = 0;
    m[0].compact = m[9].compact = m[10].compact = 0, m[0].extent = m[9].extent = m[10].extent = 0;
    decide_page_of(m, d, N);
    for (int r = 0; r < 4; r++)
        cr_assert(d[r * 5 + 1].state == BOX_MARKED && !d[r * 5 + 1].creased, "row %d: the hand's dot on the crease: %s",
                  r, decide_box_state_name(d[r * 5 + 1].state));
}

Test(decide_nearby, a_black_creases_bits_at_both_sides_of_one_box_are_the_creases_beside_a_fill) {
    /* a black 1-bit crease along a row of a bent sheet, cleaned up to the
     * print as the page's map places it: in one box of the row it left a
     * bit where it crosses the outline on either side, together 0.02 of the
     * box, their centre the box's, their ink spread right across it
     * (compactness 0.09); the other boxes are clean. The fill in box 4
     * answers (fresh seed 8336 --warp 2 FYR2V52N q6, its crease cleaned
     * with the print where locate found it: box 1 read as a dot, and "1"
     * taken for the answer beside the fill, silently) */
    enum { ROWS = 3, N = ROWS * 5 };
    box_measure m[N];
    box_decision d[N];
    empty_grid(m, ROWS);
    box_measure *row = &m[5];
    for (int k = 0; k < 5; k++)
        row[k].crease_along = 1, row[k].crease_darkness = 1.4, row[k].crease_width_mm[0] = 0.5;
    row[0].fill = 0.022, row[0].faint_fill = 0.022, row[0].extent = 0.31, row[0].darkness = 0.9,
    row[0].core_mm2 = 0.24, row[0].compact = 0.09, row[0].ink_span = 1.0, row[0].ink_width_mm = 0.4,
    row[0].ink_x_mm = row[0].box_x_mm, row[0].ink_y_mm = row[0].box_y_mm + 0.4;
    row[3].fill = 1.0, row[3].faint_fill = 1.0, row[3].extent = 1, row[3].darkness = 1, row[3].core_mm2 = 10.6,
    row[3].compact = 0.95, row[3].ink_span = 1.0, row[3].ink_width_mm = 4.5;
    row[3].ink_x_mm = row[3].box_x_mm, row[3].ink_y_mm = row[3].box_y_mm;
    decide_page_of(m, d, N);
    cr_assert(d[5].creased && d[5].state == BOX_UNSURE, "the crease's bits: %s", decide_box_state_name(d[5].state));
    template_question q = question(QUESTION_SINGLE, 5);
    question_answer a = decide(&q, &d[5]);
    cr_assert_eq(a.status, ANSWER_OK, "%s", a.reason);
    cr_assert_eq(a.chosen, 3, "the fill answers");
    /* a hand's dot at the same place is compact: the hand's, alone on the crease */
    row[0].compact = 0.9, row[0].ink_span = 0.25;
    decide_page_of(m, d, N);
    cr_assert_not(d[5].creased, "a hand's dot on the crease taken for the crease's bits");
}

Test(decide_nearby, a_black_crease_kept_in_a_box_beside_a_sliver_of_outline_is_no_mark) {
    /* a harsh 1-bit page, a black crease found along q5r's first row (fresh
     * seed 8443 --folds --warp 1.2, 2M9KXQQ6): the sheet's warp moved it
     * 0.9 mm off its fitted line through the empty "Kön", where it was kept
     * inside the box; with a sliver of the swollen top outline its ink is
     * two pieces 2.12 mm across, wider than a crease's stroke. Read as a
     * mark beside the cross that answered: "1 5" for "5", silently */
    enum { ROWS = 3, N = ROWS * 5 };
    box_measure m[N];
    box_decision d[N];
    empty_grid(m, ROWS);
    box_measure *row = &m[5];
    for (int k = 0; k < 5; k++)
        row[k].crease_along = 1, row[k].crease_darkness = 1.4, row[k].crease_width_mm[0] = 0.9;
    row[0].fill = 0.118, row[0].faint_fill = 0.118, row[0].extent = 1, row[0].darkness = 1, row[0].core_mm2 = 1.2,
    row[0].compact = 0.23, row[0].ink_span = 1.19, row[0].ink_width_mm = 2.12, row[0].ink_axis_deg = 0.1,
    row[0].stroke_mm = 0.22, row[0].ink_pieces = 2, row[0].line_beyond = 1, row[0].line_one_side = 1;
    row[0].ink_x_mm = row[0].box_x_mm, row[0].ink_y_mm = row[0].box_y_mm - 0.5;
    row[4].fill = 0.79, row[4].faint_fill = 0.79, row[4].extent = 1, row[4].darkness = 1, row[4].core_mm2 = 8,
    row[4].compact = 0.76, row[4].ink_span = 1.21, row[4].ink_width_mm = 3.2, row[4].ink_axis_deg = 40,
    row[4].stroke_mm = 0.7, row[4].ink_pieces = 2; /* the cross */
    decide_page_of(m, d, N);
    cr_assert_eq(d[9].state, BOX_MARKED, "the cross: %s", decide_box_state_name(d[9].state));
    cr_assert_eq(d[5].state, BOX_UNSURE, "the crease kept in the box read %s", decide_box_state_name(d[5].state));
    cr_assert_not(d[5].creased, "a flat tick looks so too: never dropped as the crease's");
    template_question q = question(QUESTION_MULTI, 5);
    question_answer a = decide(&q, &d[5]);
    cr_assert_eq(a.status, ANSWER_REVIEW, "a person looks");
    free(a.selected);
    /* as wide as a cross: the hand's mark on the crease */
    row[0].ink_width_mm = 2.9;
    decide_page_of(m, d, N);
    cr_assert_eq(d[5].state, BOX_MARKED, "a mark as wide as a cross on the crease: %s",
                 decide_box_state_name(d[5].state));
}

Test(decide_nearby, a_grey_crease_along_the_top_of_a_row_leaves_pale_traces_that_are_its_own) {
    /* a grey crease 0.27 deep along the top of a question's five boxes: in
     * two it left a pale band across the box (a faint trace, as an erased
     * mark leaves), in two a dot-sized bit, all as pale as the crease; the
     * cross in box 2 answers (fresh seed 8342 --folds --warp 2, 6T8UZD8T
     * q2c, sent to review as "3 boxes unclear") */
    enum { ROWS = 3, N = ROWS * 5 + 5 };
    box_measure m[N];
    box_decision d[N];
    empty_grid(m, ROWS);
    box_measure *row = &m[ROWS * 5];
    for (int k = 0; k < 5; k++)
        row[k] = (box_measure){.box_x_mm = 118 + 17.0 * k, .box_y_mm = 151.5, .outline_found = 1, .crease_along = 1,
                               .crease_darkness = 0.27, .ink_x_mm = 118.8 + 17.0 * k, .ink_y_mm = 149.9};
    row[1].fill = 0.49, row[1].extent = 1, row[1].darkness = 0.77, row[1].core_mm2 = 3, row[1].ink_width_mm = 3,
    row[1].compact = 0.52, row[1].ink_y_mm = 151.5; /* the cross */
    for (int k = 0; k < 5; k += 2) { /* the pale bands: faint traces */
        if (k == 4)
            continue;
        row[k].fill = 0.02, row[k].faint_fill = 0.12, row[k].darkness = 0.23, row[k].extent = 0.25,
        row[k].compact = 0.16 + 0.2 * k;
    }
    for (int k = 3; k < 5; k++) /* the bits: dots */
        row[k].fill = row[k].faint_fill = 0.033 + 0.02 * (k - 3), row[k].darkness = 0.28 + 0.01 * (k - 3),
        row[k].extent = 0.25, row[k].core_mm2 = 0.3, row[k].compact = 0.9, row[k].ink_span = 0.3,
        row[k].ink_width_mm = 0.6;
    cr_assert(decide_box(&cal, &row[0]).faint && decide_box(&cal, &row[2]).faint, "the bands are faint traces");
    decide_page_of(m, d, N);
    box_decision *rd = &d[ROWS * 5];
    for (int k = 0; k < 5; k++)
        if (k != 1)
            cr_assert(rd[k].creased && rd[k].state == BOX_UNSURE, "box %d: %s, creased %d", k + 1,
                      decide_box_state_name(rd[k].state), rd[k].creased);
    template_question q = question(QUESTION_SINGLE, 5);
    question_answer a = decide(&q, rd);
    cr_assert_eq(a.status, ANSWER_OK, "%s", a.reason);
    cr_assert_eq(a.chosen, 1);
    free(a.selected);
    /* a trace darker than the crease is no part of it: a mark rubbed out
     * beside the cross, judged as any such trace */
    row[2].darkness = 0.5;
    decide_page_of(m, d, N);
    cr_assert(rd[2].faint && !rd[2].creased, "a rubbed-out mark darker than the crease: faint %d, creased %d",
              rd[2].faint, rd[2].creased);
    /* alone in its question, with no firm mark, the crease's traces go to a person */
    row[1] = row[0];
    row[1].box_x_mm = 135, row[1].ink_x_mm = 135.8;
    row[2].darkness = 0.23;
    decide_page_of(m, d, N);
    a = decide(&q, rd);
    cr_assert_eq(a.status, ANSWER_REVIEW, "traces alone read as %d", a.chosen);
    free(a.selected);
}

Test(decide_nearby, a_ring_round_a_box_a_black_crease_runs_through_is_no_circle_read) {
    /* what cleaning left of a black 1-bit crease beside an empty box
     * closes its rays as a circle would (fresh seed 8332 --folds --warp 1,
     * 89NTUWR3 q5r "7": rays 0.85 closed, the rays clear of the outline
     * 0.31 with a gap of 0.65, 4.2 mm^2 round the box, read as circled,
     * silently). The same rays with no crease through the box are a circle;
     * a pen circle on the crease closes the clear rays all round, or leaves
     * twice the ink a circle needs (seed 8334: 0.94-1.00; QUGC57AG 8.6 mm^2) */
    enum { N = 15 };
    box_measure m[N];
    box_decision d[N];
    empty_grid(m, 3);
    m[7].ring = 0.85, m[7].ring_gap = 0.06, m[7].ring_clear = 0.31, m[7].ring_clear_gap = 0.65;
    m[7].near_mm2 = 4.2, m[7].near_specks = 0.04;
    decide_page_of(m, d, N);
    cr_assert(d[7].circled && d[7].state == BOX_MARKED, "a circle on clean paper: %s",
              decide_box_state_name(d[7].state));
    for (int i = 5; i < 10; i++)
        m[i].crease_along = 1, m[i].crease_darkness = 1.2;
    decide_page_of(m, d, N);
    cr_assert(!d[7].circled && d[7].state == BOX_UNSURE && d[7].ink_near, "on a black crease: %s, circled %d",
              decide_box_state_name(d[7].state), d[7].circled);
    template_question q = question(QUESTION_MULTI, 5);
    question_answer a = decide(&q, &d[5]);
    cr_assert_eq(a.status, ANSWER_REVIEW, "a person looks");
    free(a.selected);
    /* the same crease along the box's side, 0.9 mm above it where locate's
     * local correction puts the box (its band reaches it, its line does
     * not pass through): the same remnants, the same doubt */
    for (int i = 5; i < 10; i++)
        m[i].crease_along = 0, m[i].crease_band = 1;
    decide_page_of(m, d, N);
    cr_assert(!d[7].circled && d[7].state == BOX_UNSURE && d[7].ink_near, "beside a black crease: %s, circled %d",
              decide_box_state_name(d[7].state), d[7].circled);
    /* a grey crease's band is no such line */
    for (int i = 5; i < 10; i++)
        m[i].crease_darkness = 0.3;
    decide_page_of(m, d, N);
    cr_assert(d[7].circled && d[7].state == BOX_MARKED, "beside a grey crease: %s", decide_box_state_name(d[7].state));
    for (int i = 5; i < 10; i++)
        m[i].crease_along = 1, m[i].crease_band = 0, m[i].crease_darkness = 1.2;
    /* a pen circle on the crease: clear rays all round ... */
    m[7].ring = 1.0, m[7].ring_gap = 0, m[7].ring_clear = 0.94, m[7].ring_clear_gap = 0.06, m[7].near_mm2 = 17;
    decide_page_of(m, d, N);
    cr_assert(d[7].circled && d[7].state == BOX_MARKED, "a pen circle on the crease: %s",
              decide_box_state_name(d[7].state));
    /* ... or drawn tight, its clear rays open, with a pen circle's ink */
    m[7].ring = 0.92, m[7].ring_gap = 0.04, m[7].ring_clear = 0.48, m[7].ring_clear_gap = 0.42, m[7].near_mm2 = 8.6;
    decide_page_of(m, d, N);
    cr_assert(d[7].circled && d[7].state == BOX_MARKED, "a tight circle on the crease: %s",
              decide_box_state_name(d[7].state));
}

Test(decide_nearby, a_box_on_a_speckled_panels_creased_edge_is_judged_by_the_panel) {
    /* a fold's speckled panel below a black crease; the box the crease runs
     * through at its top has clean paper above, speckle below: its paper
     * 0.08, 0.13 of ink spanning it, read as a cross beside the two ticks
     * that answered (fresh seed 8332 --folds --warp 1, KF6MYJW9 q5r "5",
     * silently). Judged by the panel's paper beside it (0.14-0.17), it holds
     * no more than that paper */
    enum { N = 20 };
    box_measure m[N];
    box_decision d[N];
    for (int r = 0; r < 4; r++)
        for (int c = 0; c < 5; c++) {
            int i = r * 5 + c;
            m[i] = (box_measure){.box_x_mm = 118 + 17.0 * (i % 2), .box_y_mm = 144 + 8.0 * (i / 2),
                                 .outline_found = 1};
            if (i >= 2) { /* the panel: rows below the crease */
                m[i].fill = m[i].faint_fill = 0.16 + 0.005 * (i % 4), m[i].darkness = 1, m[i].extent = 0.3;
                m[i].paper_share = 0.14 + 0.01 * (i % 4), m[i].near_share = 0.15, m[i].near_mm2 = 40;
                m[i].near_specks = 0.45;
            }
        }
    /* the crease's box: its paper half clean */
    m[0].fill = m[0].faint_fill = 0.132, m[0].darkness = 1, m[0].extent = 1, m[0].core_mm2 = 1.1;
    m[0].paper_share = 0.08, m[0].near_share = 0.09, m[0].near_mm2 = 31, m[0].near_specks = 0.54;
    m[0].crease_along = 1, m[0].crease_darkness = 1.2;
    /* two ticks in the panel */
    m[3].fill = 0.75, m[3].extent = 1, m[3].core_mm2 = 8.4;
    m[5].fill = 0.76, m[5].extent = 1, m[5].core_mm2 = 8.7;
    decide_page_of(m, d, N);
    cr_assert_neq(d[0].state, BOX_MARKED, "the creased box at the panel's edge read as a mark");
    cr_assert(d[0].speckled, "as its panel's paper");
    cr_assert_eq(d[3].state, BOX_MARKED);
    cr_assert_eq(d[5].state, BOX_MARKED);
    /* without the crease through it, the box is judged on its own */
    m[0].crease_along = 0, m[0].crease_darkness = 0;
    decide_page_of(m, d, N);
    cr_assert_not(d[0].speckled, "no crease: no panel's edge");
}

Test(decide_nearby, an_oval_wider_than_the_zone_round_its_box_is_that_boxes_mark) {
    /* an oval three boxes wide round "5", all of its ink beyond the zone
     * round the box (2.4 mm), its rays closed all round; in the zone one
     * speck, 0.02 mm^2 (fresh seed 8333 8W63JAD6 q2a: taken for specks
     * closing the rays, to review). Rays closed by a grey panel's specks
     * leave specks in the zone too: that stays unclear */
    enum { N = 15 };
    box_measure m[N];
    box_decision d[N];
    empty_grid(m, 3);
    m[0].ring = 1.0, m[0].ring_gap = 0, m[0].ring_clear = 1.0, m[0].ring_clear_gap = 0;
    m[0].near_mm2 = 0.02, m[0].near_specks = 1.0;
    m[1].near_mm2 = 7.0, m[1].near_specks = 0.02; /* the oval's arc beside box 2 */
    decide_page_of(m, d, N);
    cr_assert(d[0].circled && d[0].state == BOX_MARKED, "the oval's box: %s", decide_box_state_name(d[0].state));
    template_question q = question(QUESTION_SINGLE, 5);
    question_answer a = decide(&q, d);
    cr_assert_eq(a.status, ANSWER_OK, "%s", a.reason);
    cr_assert_eq(a.chosen, 0);
    /* a panel's specks close the rays and lie in the zone as well */
    m[0].near_mm2 = 2.5, m[0].near_specks = 0.8;
    decide_page_of(m, d, N);
    cr_assert_neq(d[0].state, BOX_MARKED, "specks all round: %s", decide_box_state_name(d[0].state));
    cr_assert(d[0].state != BOX_BLANK || d[0].ink_near, "and never blank with its ink unseen");
}

Test(decide_nearby, ink_on_a_dark_line_through_the_box_and_beyond_is_unclear_whatever_its_width) {
    /* a black crease no crease search found, widened by the speckled panel
     * it bounds, down one column: 0.67-0.93 of each box's interior, 2.4-3.2
     * mm wide along y, the line dark on 0.94-1.00 of the paper beyond the
     * box (fresh seed 8335 --folds --warp 1, MXCS29Y4 q2b: read "4" beside
     * the solid "5" that answered, silently). A person looks; a cross whose
     * paper beside it is clean is a cross */
    enum { N = 15 };
    box_measure m[N];
    box_decision d[N];
    empty_grid(m, 3);
    m[0].fill = 1.0, m[0].extent = 1, m[0].darkness = 1, m[0].core_mm2 = 12; /* the solid "5" */
    box_measure *b = &m[1];
    b->fill = 0.68, b->extent = 1, b->darkness = 1, b->core_mm2 = 8, b->ink_width_mm = 2.85, b->ink_axis_deg = 88;
    b->ink_span = 1.12, b->compact = 0.77, b->line_beyond = 0.97, b->line_one_side = 0.97;
    m[7].fill = 0.4, m[7].extent = 1, m[7].darkness = 1, m[7].core_mm2 = 3, m[7].ink_width_mm = 3; /* a cross */
    m[7].ink_axis_deg = 45, m[7].ink_span = 1.2;
    decide_page_of(m, d, N);
    cr_assert_eq(d[1].state, BOX_UNSURE, "ink on the line: %s", decide_box_state_name(d[1].state));
    cr_assert_not(d[1].creased, "no crease was found: never dropped beside a firm mark");
    template_question q = question(QUESTION_SINGLE, 5);
    question_answer a = decide(&q, d);
    cr_assert_eq(a.status, ANSWER_REVIEW, "the solid beside it: a person looks");
    cr_assert_eq(d[7].state, BOX_MARKED, "a cross on clean paper");
    /* a crease found along that line was cleaned off the box before it was
     * measured: the box is judged as it is */
    b->crease_along = 2, b->crease_darkness = 1.2;
    decide_page_of(m, d, N);
    cr_assert_eq(d[1].state, BOX_MARKED, "on a crease found: %s", decide_box_state_name(d[1].state));
    b->crease_along = 0, b->crease_darkness = 0;
    /* the line on one side only (a stamp's edge past a thick mark) is no line through */
    b->line_beyond = 0.5;
    decide_page_of(m, d, N);
    cr_assert_eq(d[1].state, BOX_MARKED, "%s", decide_box_state_name(d[1].state));
}

Test(decide_nearby, a_black_creases_band_as_wide_as_the_crease_found_is_the_creases) {
    /* a black crease found across a row of boxes, its band in one empty box
     * 1.61 mm wide (past the 1.5 mm a crease's stroke was allowed), read as
     * a cross (fresh seed 8337 --folds --warp 1, 7K5NAAYE q1b "5",
     * silently). The crease found is 1.8 mm wide: the band is its stroke */
    enum { N = 15 };
    box_measure m[N];
    box_decision d[N];
    empty_grid(m, 3);
    box_measure *b = &m[5];
    b->fill = 0.333, b->extent = 1, b->darkness = 1, b->core_mm2 = 5, b->ink_width_mm = 1.61, b->ink_axis_deg = 1;
    b->ink_span = 1.17, b->compact = 0.71, b->line_beyond = 1, b->line_one_side = 1;
    b->crease_along = 1, b->crease_darkness = 1.0, b->crease_width_mm[0] = 1.8;
    decide_page_of(m, d, N);
    cr_assert(d[5].creased && d[5].state == BOX_UNSURE, "the crease's band: %s", decide_box_state_name(d[5].state));
    /* a stroke wider than the crease found is no stroke of it */
    b->ink_width_mm = 2.3;
    decide_page_of(m, d, N);
    cr_assert_not(d[5].creased, "a 2.3 mm bar on a 1.8 mm crease");
}
