/*
 * test_decide.c — decide.c: box thresholds and the question rules (double
 * ticks, corrections, lone solid fills, ink beside a box, routing).
 */
#include "decide_fixtures.h"

static box_decision box(double fill, double extent, double near_mm2) {
    box_measure m = {.fill = fill, .extent = extent, .near_mm2 = near_mm2, .outline_found = 1};
    return decide_box(&cal, &m);
}

TestSuite(decide, .init = setup);

Test(decide, box_thresholds) {
    cr_assert_eq(box(0.0, 0, 0).state, BOX_BLANK);
    cr_assert_eq(box(cal.blank_max, 0, 0).state, BOX_BLANK);
    cr_assert_eq(box(0.25, 0.9, 0).state, BOX_MARKED);
    cr_assert_eq(box(0.95, 1, 0).state, BOX_SOLID);
    /* the review band between the thresholds */
    cr_assert_eq(box((cal.blank_max + cal.mark_min) / 2, 0.9, 0).state, BOX_UNSURE);
    /* enough ink but concentrated in a dot: unsure, not a mark */
    cr_assert_eq(box(0.12, 0.25, 0).state, BOX_UNSURE);
    /* nearly solid but not quite (a bubble filled at 0.85-0.89): a fill, a
     * mark, not a doubt (issue 9); what it means beside a cross is the rule's */
    cr_assert_eq(box(cal.solid_min - 0.02, 1, 0).state, BOX_MARKED);
    cr_assert(box(cal.solid_min - 0.02, 1, 0).scribble);
    cr_assert(box(0.0, 0, 4.0).ink_near);
    cr_assert_not(box(0.0, 0, 0.5).ink_near);
    cr_assert_gt(box(0.3, 0.9, 0).confidence, box(0.09, 0.9, 0).confidence);
}


Test(decide, single_mark_is_the_answer) {
    template_question q = question(QUESTION_SCALE, 5);
    box_decision d[5] = {box(0, 0, 0), box(0, 0, 0), box(0.3, 0.9, 0), box(0, 0, 0), box(0, 0, 0)};
    question_answer a = decide(&q, d);
    cr_assert_eq(a.status, ANSWER_OK);
    cr_assert_eq(a.chosen, 2);
}

Test(decide, two_marks_go_to_review_with_no_value) {
    template_question q = question(QUESTION_SINGLE, 3);
    box_decision d[3] = {box(0.3, 0.9, 0), box(0, 0, 0), box(0.25, 0.9, 0)};
    question_answer a = decide(&q, d);
    cr_assert_eq(a.status, ANSWER_REVIEW);
    cr_assert_eq(a.chosen, -1);
    cr_assert(strstr(a.reason, "2 boxes marked"));
}

Test(decide, solid_beside_a_mark_is_taken_back) {
    template_question q = question(QUESTION_SINGLE, 3);
    box_decision d[3] = {box(0.9, 1, 0), box(0, 0, 0), box(0.3, 0.9, 0)};
    question_answer a = decide(&q, d);
    cr_assert_eq(a.status, ANSWER_OK);
    cr_assert_eq(a.chosen, 2);
    cr_assert(a.taken_back);
}

Test(decide, lone_solid_is_the_answer) {
    template_question q = question(QUESTION_SINGLE, 3);
    box_decision d[3] = {box(0, 0, 0), box(0.9, 1, 0), box(0, 0, 0)};
    question_answer a = decide(&q, d);
    cr_assert_eq(a.status, ANSWER_OK);
    cr_assert_eq(a.chosen, 1);
    cr_assert(!a.taken_back);
}

Test(decide, two_solids_alone_are_ambiguous) {
    template_question q = question(QUESTION_SINGLE, 3);
    box_decision d[3] = {box(0.9, 1, 0), box(0.9, 1, 0), box(0, 0, 0)};
    cr_assert_eq(decide(&q, d).status, ANSWER_REVIEW);
}

Test(decide, ink_beside_blank_boxes_is_never_blank) {
    template_question q = question(QUESTION_SINGLE, 2);
    box_decision d[2] = {box(0, 0, 5.0), box(0, 0, 0)};
    question_answer a = decide(&q, d);
    cr_assert_eq(a.status, ANSWER_REVIEW);
    cr_assert_eq(a.chosen, -1);
}

Test(decide, unsure_box_keeps_best_reading) {
    template_question q = question(QUESTION_SINGLE, 3);
    box_decision d[3] = {box(0.3, 0.9, 0), box(0.05, 0.5, 0), box(0, 0, 0)};
    question_answer a = decide(&q, d);
    cr_assert_eq(a.status, ANSWER_REVIEW);
    cr_assert_eq(a.chosen, 0);
}

Test(decide, multi_choice_options) {
    template_question q = question(QUESTION_MULTI, 4);
    box_decision d[4] = {box(0.3, 0.9, 0), box(0, 0, 0), box(0.3, 0.9, 0), box(0, 0, 0)};
    question_answer a = decide(&q, d);
    cr_assert_eq(a.status, ANSWER_OK);
    cr_assert_eq(a.selected[0] + a.selected[1] * 2 + a.selected[2] * 4 + a.selected[3] * 8, 5);
    free(a.selected);
    box_decision e[4] = {box(0.9, 1, 0), box(0.3, 0.9, 0), box(0, 0, 0), box(0.06, 0.8, 0)};
    a = decide(&q, e);
    cr_assert_eq(a.status, ANSWER_REVIEW); /* box 4 is unclear */
    cr_assert_eq(a.selected[0], 0);        /* solid beside a mark: taken back */
    cr_assert_eq(a.selected[1], 1);
    free(a.selected);
}

Test(decide, routing_inconsistency_flagged) {
    omr_template *t = test_template("ekb-2024");
    question_answer *answers = calloc(t->n_questions, sizeof *answers);
    for (size_t i = 0; i < t->n_questions; i++)
        answers[i].chosen = -1;
    const template_question *q4a = template_question_by_id(t, "q4a");
    const template_question *q4a1 = template_question_by_id(t, "q4a1");
    answers[q4a1 - t->questions].chosen = 0;
    /* q4a unanswered: nothing to contradict */
    cr_assert_not(decide_routing_violated(t, q4a1, answers));
    for (size_t b = 0; b < q4a->n_boxes; b++) {
        answers[q4a - t->questions].chosen = (int)b;
        int expected = strcmp(q4a->boxes[b].value, "1") != 0;
        cr_assert_eq(decide_routing_violated(t, q4a1, answers), expected, "q4a = %s",
                     q4a->boxes[b].value);
    }
    free(answers);
    template_free(t);
}

Test(decide, calibration_file_is_read_and_checked) {
    calibration c;
    omr_error err;
    cr_assert_eq(calibration_load("calibration/default.cfg", &c, &err), OMR_OK, "%s", err.message);
    cr_assert_str_eq(c.name, "default");
    char *dir = test_tempdir();
    char path[512];
    snprintf(path, sizeof path, "%s/bad.cfg", dir);
    FILE *f = fopen(path, "w");
    fputs("box = { blank_max = 0.2; mark_min = 0.1; };\n", f);
    fclose(f);
    cr_assert_eq(calibration_load(path, &c, &err), OMR_ERR_INVALID);
    cr_assert(strstr(err.message, "must rise"), "%s", err.message);
    rm_rf(dir);
}

/* ---- the form's rule for corrections (template `corrections`) ---------------- */

static box_decision faint_trace(void) {
    box_measure m = {.fill = 0.0, .faint_fill = 0.5, .extent = 0, .outline_found = 1};
    return decide_box(&cal, &m);
}

static box_decision scribble(void) {
    box_measure m = {.fill = 0.84, .extent = 1, .core_mm2 = 8, .outline_found = 1};
    return decide_box(&cal, &m);
}

Test(decide, a_lone_solid_box_under_each_correction_rule) {
    const struct {
        template_corrections rule;
        int chosen;
        int taken_back;
    } want[] = {{CORRECTIONS_FILL_CANCELS, 1, 0},
                {CORRECTIONS_FILL_IS_UNDO, -1, 1}, /* withdrawn: no answer, flagged corrected */
                {CORRECTIONS_SCRIBBLE_CANCELS, 1, 0},
                {CORRECTIONS_NONE, 1, 0}};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        template_question q = question(QUESTION_SINGLE, 3);
        q.corrections = want[i].rule;
        box_decision d[3] = {box(0, 0, 0), box(0.97, 1, 0), box(0, 0, 0)};
        question_answer a = decide(&q, d);
        cr_assert_eq(a.status, ANSWER_OK, "rule %zu: %s", i, a.reason);
        cr_assert_eq(a.chosen, want[i].chosen, "rule %zu: read %d", i, a.chosen);
        cr_assert_eq(a.taken_back, want[i].taken_back, "rule %zu", i);
        /* multi: the same box selected or not */
        q.type = QUESTION_MULTI;
        a = decide(&q, d);
        cr_assert_eq(a.selected[1], want[i].chosen == 1, "rule %zu (multi)", i);
        free(a.selected);
    }
}

Test(decide, a_solid_box_beside_a_cross_under_each_correction_rule) {
    template_corrections cancel[] = {CORRECTIONS_FILL_CANCELS, CORRECTIONS_FILL_IS_UNDO, CORRECTIONS_SCRIBBLE_CANCELS};
    for (size_t i = 0; i < 3; i++) {
        template_question q = question(QUESTION_SINGLE, 3);
        q.corrections = cancel[i];
        box_decision d[3] = {box(0.97, 1, 0), box(0, 0, 0), box(0.3, 0.9, 0)};
        question_answer a = decide(&q, d);
        cr_assert_eq(a.status, ANSWER_OK);
        cr_assert_eq(a.chosen, 2, "rule %d: the cross is the answer", (int)cancel[i]);
        cr_assert(a.taken_back);
    }
    /* no printed rule: two marks */
    template_question q = question(QUESTION_SINGLE, 3);
    q.corrections = CORRECTIONS_NONE;
    box_decision d[3] = {box(0.97, 1, 0), box(0, 0, 0), box(0.3, 0.9, 0)};
    question_answer a = decide(&q, d);
    cr_assert_eq(a.status, ANSWER_REVIEW);
    cr_assert_eq(a.chosen, -1);
}

/* A box read solid on a fold's dark panel (fresh seed 8522 V2WY55Y4 q4c:
 * "3" crossed where a harsh 1-bit scan turned the paper below a crease
 * black, fill 0.94, beside the thin remnant of a "2" rubbed out, 0.15; read
 * as "2", corrected, silently): a correction, or a mark in the dark? A
 * person looks, under every rule that takes a fill for a correction, and a
 * lone one under fill-is-undo too. The same boxes on clean paper keep the
 * rule's reading, and the flag survives the ledger. */
Test(decide, a_box_solid_on_a_dark_panel_is_no_sure_correction) {
    /* a page whose panel holds three boxes of speckle as dense as their
     * paper, and the crossed box read solid in it */
    enum { N = 12 };
    box_measure m[N];
    box_decision page[N];
    for (size_t i = 0; i < N; i++)
        m[i] = (box_measure){.fill = 0.0, .outline_found = 1, .box_x_mm = 20.0 + 17 * (double)(i % 5),
                             .box_y_mm = 80.0 + 14 * (double)(i / 5)};
    for (size_t i = 8; i < 11; i++)
        m[i].fill = 0.18, m[i].extent = 0.9, m[i].near_share = 0.16, m[i].paper_share = 0.17, m[i].darkness = 1;
    m[11] = m[8];
    m[11].fill = 0.94, m[11].extent = 1, m[11].near_mm2 = 54;
    for (size_t i = 0; i < N; i++)
        page[i] = decide_box(&cal, &m[i]);
    decide_page(&cal, m, page, N);
    box_decision dark = page[11];
    cr_assert_eq(dark.state, BOX_SOLID, "read %s", decide_box_state_name(dark.state));
    cr_assert(dark.maybe_drowned);
    box_decision back = {0};
    decide_box_set_flags(&back, decide_box_flags(&dark));
    cr_assert(back.maybe_drowned, "the flag is kept in the ledger");
    template_corrections cancel[] = {CORRECTIONS_FILL_CANCELS, CORRECTIONS_FILL_IS_UNDO, CORRECTIONS_SCRIBBLE_CANCELS};
    for (size_t i = 0; i < 3; i++) {
        template_question q = question(QUESTION_SINGLE, 3);
        q.corrections = cancel[i];
        box_decision d[3] = {box(0, 0, 0), box(0.15, 0.83, 0), dark};
        question_answer a = decide(&q, d);
        cr_assert_eq(a.status, ANSWER_REVIEW, "rule %d: read %d, %s", (int)cancel[i], a.chosen, a.reason);
        cr_assert_not(a.taken_back, "rule %d", (int)cancel[i]);
        /* on clean paper the fill corrects the mark beside it */
        d[2] = box(0.97, 1, 0);
        a = decide(&q, d);
        cr_assert_eq(a.status, ANSWER_OK, "rule %d: %s", (int)cancel[i], a.reason);
        cr_assert_eq(a.chosen, 1);
        /* multi-choice: the dark box neither withdrawn nor read */
        q.type = QUESTION_MULTI;
        d[2] = dark;
        a = decide(&q, d);
        cr_assert_eq(a.status, ANSWER_REVIEW, "rule %d (multi): %s", (int)cancel[i], a.reason);
        free(a.selected);
    }
    /* alone under fill-is-undo: undone, or the answer in the dark */
    template_question q = question(QUESTION_SINGLE, 3);
    q.corrections = CORRECTIONS_FILL_IS_UNDO;
    box_decision d[3] = {box(0, 0, 0), box(0, 0, 0), dark};
    question_answer a = decide(&q, d);
    cr_assert_eq(a.status, ANSWER_REVIEW, "read %d, %s", a.chosen, a.reason);
    /* a box black through and through above the panel's speckle is a fill
     * there too (fresh seed 8534 7TPVPBFZ q1b: 1.000 on paper of 0.33,
     * beside the cross it corrects), under each rule that withdraws fills */
    m[11].fill = 1.0;
    for (size_t i = 0; i < N; i++)
        page[i] = decide_box(&cal, &m[i]);
    decide_page(&cal, m, page, N);
    cr_assert(page[11].state == BOX_SOLID && !page[11].maybe_drowned, "a fill through and through");
    for (size_t i = 0; i < 3; i++) {
        q.corrections = cancel[i];
        box_decision beside[3] = {box(0, 0, 0), box(0.15, 0.83, 0), page[11]};
        a = decide(&q, beside);
        cr_assert(a.status == ANSWER_OK && a.chosen == 1 && a.taken_back, "rule %d: read %d, %s", (int)cancel[i],
                  a.chosen, a.reason);
    }
}

/* A correction is a fill beside a cross: a solid box barely denser than the
 * marks beside it is the same hand's mark (held-out 2606 ZLT63KM0 q5r, a
 * scribbler: 0.93 beside 0.78 and 0.62, all three answers), or a fill as
 * dense as its cross: a person looks, under either rule that withdraws
 * fills. A fill well above its cross is still a correction. */
Test(decide, a_fill_nearly_as_dense_as_the_mark_beside_it_is_no_correction) {
    template_corrections cancel[] = {CORRECTIONS_FILL_CANCELS, CORRECTIONS_SCRIBBLE_CANCELS};
    for (size_t i = 0; i < 2; i++) {
        template_question q = question(QUESTION_MULTI, 3);
        q.corrections = cancel[i];
        box_decision d[3] = {box(0.93, 1, 0), box(0.78, 1, 0), box(0.62, 1, 0)};
        cr_assert_eq(d[0].state, BOX_SOLID);
        cr_assert(d[1].state == BOX_MARKED && !d[1].scribble && d[2].state == BOX_MARKED);
        question_answer a = decide(&q, d);
        cr_assert_eq(a.status, ANSWER_REVIEW, "rule %d: read as a correction", (int)cancel[i]);
        cr_assert(strstr(a.reason, "nearly as dense"), "%s", a.reason);
        cr_assert(!a.taken_back);
        free(a.selected);
        /* blurred, the same hand: 0.94 beside a scribble of 0.86 and 0.68 */
        box_decision blurred[3] = {box(0.94, 1, 0), box(0.86, 1, 0), box(0.68, 1, 0)};
        cr_assert(blurred[1].scribble && !blurred[2].scribble);
        a = decide(&q, blurred);
        cr_assert_eq(a.status, ANSWER_REVIEW, "rule %d: blurred, read as a correction", (int)cancel[i]);
        free(a.selected);
        q.type = QUESTION_SINGLE;
        box_decision two[3] = {box(0.93, 1, 0), box(0, 0, 0), box(0.77, 1, 0)};
        a = decide(&q, two);
        cr_assert_eq(a.status, ANSWER_REVIEW, "rule %d: single", (int)cancel[i]);
        cr_assert_eq(a.chosen, -1);
        /* a fill well above the cross beside it: a correction */
        box_decision fixed[3] = {box(1.0, 1, 0), box(0, 0, 0), box(0.77, 1, 0)};
        a = decide(&q, fixed);
        cr_assert_eq(a.status, ANSWER_OK, "rule %d: %s", (int)cancel[i], a.reason);
        cr_assert_eq(a.chosen, 2);
        cr_assert(a.taken_back);
        /* a scribbler's two answers 0.22 apart (held-out 2617 Q7NFD3UB and
         * H81MG5Y9 q5r: 0.94 beside 0.71, 0.97 beside 0.74): the fill is no
         * fill through and through, the mark beside it no pen's line */
        q.type = QUESTION_MULTI;
        box_decision scribbled[3] = {box(0.94, 1, 0), box(0, 0, 0), box(0.71, 1, 0)};
        a = decide(&q, scribbled);
        cr_assert_eq(a.status, ANSWER_REVIEW, "rule %d: two scribbles read as a correction", (int)cancel[i]);
        cr_assert(!a.taken_back);
        free(a.selected);
        box_decision denser[3] = {box(0.99, 1, 0), box(0, 0, 0), box(0.74, 1, 0)};
        a = decide(&q, denser);
        cr_assert_eq(a.status, ANSWER_OK, "rule %d: a fill through and through corrects: %s", (int)cancel[i],
                     a.reason);
        cr_assert(a.taken_back);
        free(a.selected);
        q.type = QUESTION_SINGLE;
        box_decision pen[3] = {box(0.92, 1, 0), box(0, 0, 0), box(0.3, 0.9, 0)};
        a = decide(&q, pen);
        cr_assert_eq(a.status, ANSWER_OK, "rule %d: %s", (int)cancel[i], a.reason);
        cr_assert_eq(a.chosen, 2);
    }
}

Test(decide, a_scribble_withdraws_only_where_the_form_says_so) {
    template_question q = question(QUESTION_SINGLE, 3);
    box_decision d[3] = {scribble(), box(0, 0, 0), box(0.3, 0.9, 0)};
    cr_assert(d[0].scribble);
    q.corrections = CORRECTIONS_SCRIBBLE_CANCELS;
    question_answer a = decide(&q, d);
    cr_assert_eq(a.status, ANSWER_OK, "%s", a.reason);
    cr_assert_eq(a.chosen, 2);
    cr_assert(a.taken_back);
    q.corrections = CORRECTIONS_FILL_CANCELS;
    a = decide(&q, d);
    cr_assert_eq(a.status, ANSWER_REVIEW, "a scribble is no correction on a fill-cancels form");
    /* a lone scribble where scribbling withdraws: withdrawn or meant? a person looks */
    box_decision lone[3] = {scribble(), box(0, 0, 0), box(0, 0, 0)};
    q.corrections = CORRECTIONS_SCRIBBLE_CANCELS;
    cr_assert_eq(decide(&q, lone).status, ANSWER_REVIEW);
    /* where it does not, a box filled short of solid is a filled box: the answer */
    q.corrections = CORRECTIONS_FILL_CANCELS;
    a = decide(&q, lone);
    cr_assert_eq(a.status, ANSWER_OK, "%s", a.reason);
    cr_assert_eq(a.chosen, 0);
}

Test(decide, an_erased_mark_beside_a_firm_one_is_withdrawn_alone_it_is_reviewed) {
    template_question q = question(QUESTION_SINGLE, 3);
    box_decision d[3] = {faint_trace(), box(0, 0, 0), box(0.3, 0.9, 0)};
    cr_assert(d[0].faint);
    question_answer a = decide(&q, d);
    cr_assert_eq(a.status, ANSWER_OK);
    cr_assert_eq(a.chosen, 2, "the firm mark, never the faint one");
    cr_assert(a.taken_back);
    q.corrections = CORRECTIONS_NONE;
    a = decide(&q, d);
    cr_assert_eq(a.status, ANSWER_REVIEW, "no printed rule: any second mark is a double");
    box_decision alone[3] = {faint_trace(), box(0, 0, 0), box(0, 0, 0)};
    q.corrections = CORRECTIONS_FILL_CANCELS;
    a = decide(&q, alone);
    cr_assert_eq(a.status, ANSWER_REVIEW, "a lone pale trace is never blank");
    /* beside a fill that answers (fill-cancels: a lone solid box is the
     * answer) the trace is withdrawn as beside a cross (make_variants
     * show_through: the back's print showing through beside a solid "Ja");
     * where a fill undoes, the trace may be all the hand left: review */
    box_decision by_fill[3] = {faint_trace(), box(1.0, 1.0, 0), box(0, 0, 0)};
    cr_assert_eq(by_fill[1].state, BOX_SOLID);
    a = decide(&q, by_fill);
    cr_assert_eq(a.status, ANSWER_OK, "%s", a.reason);
    cr_assert_eq(a.chosen, 1, "the fill, never the faint trace");
    q.corrections = CORRECTIONS_FILL_IS_UNDO;
    a = decide(&q, by_fill);
    cr_assert_eq(a.status, ANSWER_REVIEW, "a fill that undoes beside a pale trace: a person looks");
}

Test(decide, a_circled_box_is_marked_and_its_ink_near_the_neighbours_is_its_own) {
    box_measure circled = {.fill = 0.0, .ring = 0.95, .ring_gap = 0.04, .near_mm2 = 9, .outline_found = 1};
    box_measure beside = {.fill = 0.0, .ring = 0.2, .ring_gap = 0.7, .near_mm2 = 2.5, .outline_found = 1};
    template_question q = question(QUESTION_SCALE, 3);
    box_decision d[3] = {decide_box(&cal, &beside), decide_box(&cal, &circled), box(0, 0, 0)};
    cr_assert_eq(d[1].state, BOX_MARKED);
    cr_assert(d[1].circled);
    question_answer a = decide(&q, d);
    cr_assert_eq(a.status, ANSWER_OK, "%s", a.reason);
    cr_assert_eq(a.chosen, 1);
    /* round two boxes: review */
    box_decision two[3] = {decide_box(&cal, &circled), decide_box(&cal, &circled), box(0, 0, 0)};
    a = decide(&q, two);
    cr_assert_eq(a.status, ANSWER_REVIEW);
    cr_assert_eq(a.chosen, -1);
    /* the flags survive the ledger */
    box_decision back = {0};
    decide_box_set_flags(&back, decide_box_flags(&d[1]));
    cr_assert(back.circled && !back.faint && !back.dot);
}

Test(decide, the_template_key_corrections_is_read_and_checked) {
    char *dir = test_tempdir();
    char path[512];
    snprintf(path, sizeof path, "%s/t.cfg", dir);
    omr_template *base = test_template("ekb-2024");
    FILE *in = fopen(base->path, "r");
    cr_assert_not_null(in);
    static char text[1 << 17];
    size_t n = fread(text, 1, sizeof text - 1, in);
    fclose(in);
    text[n] = 0;
    template_free(base);
    const char *rules[] = {"fill-is-undo", "fill-cancels", "scribble-cancels", "none", "fill-undoes"};
    const template_corrections want[] = {CORRECTIONS_FILL_IS_UNDO, CORRECTIONS_FILL_CANCELS,
                                         CORRECTIONS_SCRIBBLE_CANCELS, CORRECTIONS_NONE};
    for (int i = 0; i < 5; i++) {
        FILE *out = fopen(path, "w");
        fprintf(out, "corrections = \"%s\";\n%s", rules[i], text);
        fclose(out);
        omr_template *t = NULL;
        omr_error err = {0};
        template_problems problems = {0};
        int rc = template_parse(path, &t, &problems, &err);
        if (i == 4) {
            cr_assert_neq(rc, OMR_OK, "an unknown rule is refused");
            cr_assert_eq(problems.count, 1);
            cr_assert(strstr(problems.messages[0], "corrections") && strstr(problems.messages[0], "fill-undoes"),
                      "%s", problems.messages[0]);
            template_problems_clear(&problems);
            continue;
        }
        template_problems_clear(&problems);
        cr_assert_eq(rc, OMR_OK, "%s", err.message);
        cr_assert_eq(t->corrections, want[i]);
        for (size_t k = 0; k < t->n_questions; k++)
            cr_assert_eq(t->questions[k].corrections, want[i]);
        template_free(t);
    }
    rm_rf(dir);
}

Test(decide, a_line_passing_one_side_of_a_box_is_no_circle_round_it) {
    /* make_variants coffee_ring ZUG5E95V q2b: a coffee cup's rim down the
     * right side of the empty "4", with a speck or two beside the box: 0.46
     * of its rays closed, the widest gap 0.29, 0.04 of the rays opposed;
     * read as a circle, "4" for no answer, silently */
    box_measure rim = {.fill = 0.0, .ring = 0.46, .ring_gap = 0.29, .ring_opposed = 0.04, .ring_traced = 0.38,
                       .near_mm2 = 4.68, .outline_found = 1};
    box_decision d[3] = {box(0, 0, 0), decide_box(&cal, &rim), box(0, 0, 0)};
    cr_assert_not(d[1].circled, "the rim read as a circle round the box");
    cr_assert_eq(d[1].state, BOX_BLANK);
    cr_assert(d[1].ink_near, "its ink beside the box is kept");
    template_question q = question(QUESTION_SINGLE, 3);
    question_answer a = decide(&q, d);
    cr_assert_eq(a.status, ANSWER_REVIEW, "a person looks: %s", a.reason);
    /* a pen circle as barely closed encloses the box: its rays face each other */
    rim.ring_opposed = 0.25;
    d[1] = decide_box(&cal, &rim);
    cr_assert(d[1].circled && d[1].state == BOX_MARKED, "a barely closed circle");
}

Test(decide, a_barely_closed_circle_beside_a_well_closed_one_is_not_read_silently) {
    box_measure strong = {.fill = 0.0, .ring = 1.0, .ring_gap = 0.0, .near_mm2 = 30, .outline_found = 1};
    box_measure weak = {.fill = 0.0, .ring = 0.47, .ring_gap = 0.25, .ring_opposed = 0.3, .near_mm2 = 4,
                        .outline_found = 1};
    template_question q = question(QUESTION_MULTI, 3);
    box_decision d[3] = {decide_box(&cal, &strong), decide_box(&cal, &weak), box(0, 0, 0)};
    cr_assert(d[0].circled && d[1].circled);
    question_answer a = decide(&q, d);
    cr_assert_eq(a.status, ANSWER_REVIEW, "the weak ring may be the strong circle's ink");
    free(a.selected);
    /* alone, a barely closed circle (a tight one, half under the outline) is the answer */
    box_decision alone[3] = {box(0, 0, 0), decide_box(&cal, &weak), box(0, 0, 0)};
    a = decide(&q, alone);
    cr_assert_eq(a.status, ANSWER_OK, "%s", a.reason);
    cr_assert(a.selected[1]);
    free(a.selected);
}
