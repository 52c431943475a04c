/*
 * test_decide.c — decide.c: box thresholds and the question rules (double
 * ticks, corrections, lone solid fills, ink beside a box, routing).
 */
#include "deciding/decide.h"
#include "helpers.h"

static calibration cal;
static void setup(void) { calibration_defaults(&cal); }

static box_decision box(double fill, double extent, double near_mm2) {
    box_measure m = {.fill = fill, .extent = extent, .near_mm2 = near_mm2, .outline_found = 1};
    return decide_box(&cal, &m);
}

static template_question question(question_type type, size_t n) {
    static template_box boxes[10];
    static char values[10][24];
    for (size_t i = 0; i < n; i++) {
        snprintf(values[i], sizeof values[i], "%zu", i + 1);
        boxes[i].value = values[i];
    }
    template_question q = {.id = "q", .type = type, .boxes = boxes, .n_boxes = n, .page = 1};
    return q;
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
    /* nearly solid but not quite: unsure */
    cr_assert_eq(box(cal.solid_min - 0.02, 1, 0).state, BOX_UNSURE);
    cr_assert(box(0.0, 0, 4.0).ink_near);
    cr_assert_not(box(0.0, 0, 0.5).ink_near);
    cr_assert_gt(box(0.3, 0.9, 0).confidence, box(0.09, 0.9, 0).confidence);
}

static question_answer decide(template_question *q, box_decision *d) {
    question_answer a;
    decide_question(q, d, &a);
    return a;
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
