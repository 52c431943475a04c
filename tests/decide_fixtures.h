/*
 * decide_fixtures.h — what test_decide.c and test_decide_page.c share: the
 * built-in calibration, a question of n boxes valued 1..n, and deciding it.
 */
#ifndef OMR_TEST_DECIDE_FIXTURES_H
#define OMR_TEST_DECIDE_FIXTURES_H

#include "deciding/decide.h"
#include "helpers.h"

static calibration cal;
static inline void setup(void) { calibration_defaults(&cal); }

static inline template_question question(question_type type, size_t n) {
    static template_box boxes[10];
    static char values[10][24];
    for (size_t i = 0; i < n; i++) {
        snprintf(values[i], sizeof values[i], "%zu", i + 1);
        boxes[i].value = values[i];
    }
    template_question q = {.id = "q", .type = type, .boxes = boxes, .n_boxes = n, .page = 1};
    return q;
}

static inline question_answer decide(template_question *q, box_decision *d) {
    question_answer a;
    decide_question(q, d, &a);
    return a;
}

#endif
