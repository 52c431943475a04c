/*
 * test_speckle.c — a panel of the page scanned as speckle: the lower part of
 * a rendered page 2 of ekb-2024 turned into what a 1-bit scanner's dark
 * threshold makes of a grey panel (a third of the paper black, in specks of
 * 1-2 px), over the corner marks at the bottom and the eight boxes of q5r.
 * The page is still located (its lower marks are found in the specks); the
 * paper round every box is measured as speckled; an empty box there is no
 * mark, and a cross that stands out of the specks is the answer; with no
 * such cross the question goes to a person, never read as marked or blank.
 * On the same page unspeckled the rule has nothing to act on.
 */
#include "deciding/decide.h"
#include "print/render.h"
#include "page_fixture.h"

#define DPI 200.0


/* Question `id`'s boxes measured and decided, and the question decided;
 * the page's levels in *levels when asked. */
static void read_question(const omr_template *t, const omr_image *img, const char *id, box_measure *m,
                          box_decision *d, question_answer *a, page_setup *setup) {
    const template_question *q = template_question_by_id(t, id);
    cr_assert_not_null(q);
    page_setup s;
    set_up(t, img, &s);
    calibration cal;
    calibration_defaults(&cal);
    for (size_t b = 0; b < q->n_boxes; b++) {
        measure_box(img, &s.transform, &s.levels, &s.mask, q->boxes[b].rect, measure_near_zone(t, q, b, &s.mask),
                    NULL, &m[b]);
        d[b] = decide_box(&cal, &m[b]);
    }
    decide_page(&cal, m, d, q->n_boxes);
    decide_question(q, d, a);
    print_mask_free(&s.mask);
    if (setup)
        *setup = s;
}

static void read_q5r(const omr_template *t, const omr_image *img, box_measure *m, box_decision *d,
                     question_answer *a) {
    read_question(t, img, "q5r", m, d, a, NULL);
}

static omr_image *page_with_q5r(const omr_template *t, const template_question **q) {
    *q = template_question_by_id(t, "q5r");
    cr_assert_not_null(*q);
    cr_assert_eq((*q)->type, QUESTION_MULTI);
    cr_assert_eq((*q)->n_boxes, 8);
    omr_error err = {0};
    omr_image *img = render_page_image(t, "A7K2QX", (*q)->page, DPI, &err);
    cr_assert_not_null(img, "%s", err.message);
    return img;
}

Test(speckle, a_cross_standing_out_of_speckled_paper_is_the_answer_the_specks_are_not) {
    omr_template *t = test_template("ekb-2024");
    const template_question *q;
    omr_image *img = page_with_q5r(t, &q);
    test_cross(img, q->boxes[3].rect);
    test_speckle_panel(img, q->boxes[0].rect.y - 15, 0, 0.33);

    box_measure m[8];
    box_decision d[8];
    question_answer a;
    read_q5r(t, img, m, d, &a);
    int full_of_specks = 0;
    calibration cal;
    calibration_defaults(&cal);
    for (int b = 0; b < 8; b++) {
        cr_assert_gt(m[b].near_share, 0.25, "box %d: %.3f of the paper round it is ink", b + 1, m[b].near_share);
        full_of_specks += b != 3 && m[b].fill >= cal.mark_min;
    }
    cr_assert_gt(full_of_specks, 3, "the specks fill the empty boxes past a mark's threshold");
    cr_assert_eq(d[3].state, BOX_MARKED, "the cross: fill %.3f in paper %.3f", m[3].fill, m[3].near_share);
    cr_assert_eq(a.status, ANSWER_OK, "%s", a.reason);
    cr_assert_not_null(a.selected);
    for (int b = 0; b < 8; b++)
        cr_assert_eq(a.selected[b], b == 3, "box %d: fill %.3f in paper %.3f", b + 1, m[b].fill, m[b].near_share);
    free(a.selected);
    omr_image_free(img);
    template_free(t);
}

Test(speckle, speckled_boxes_with_no_mark_standing_out_go_to_a_person) {
    omr_template *t = test_template("ekb-2024");
    const template_question *q;
    omr_image *img = page_with_q5r(t, &q);
    test_speckle_panel(img, q->boxes[0].rect.y - 15, 0, 0.33);
    box_measure m[8];
    box_decision d[8];
    question_answer a;
    read_q5r(t, img, m, d, &a);
    cr_assert_eq(a.status, ANSWER_REVIEW, "no answer and a light mark lost in specks look alike");
    cr_assert(strstr(a.reason, "speckle") != NULL, "%s", a.reason);
    for (int b = 0; b < 8; b++) {
        cr_assert_eq(d[b].state, BOX_UNSURE, "box %d: fill %.3f", b + 1, m[b].fill);
        cr_assert_not(a.selected && a.selected[b], "box %d read as marked", b + 1);
    }
    free(a.selected);
    omr_image_free(img);
    template_free(t);
}

/* Seed 7903 JQNACTH7: a fold's speckled panel ends a few mm right of q5r's
 * second column of boxes, so their labels run on into clean paper and the
 * near zone (box and label) is half clean (0.10 against a panel of 0.20):
 * an empty box there, as inked as its paper, was read as a cross. The
 * paper just round the box is what it lies on. */
Test(speckle, a_box_at_the_panels_edge_is_judged_by_the_paper_round_it) {
    omr_template *t = test_template("ekb-2024");
    const template_question *q;
    omr_image *img = page_with_q5r(t, &q);
    double panel_end = q->boxes[4].rect.x + q->boxes[4].rect.w + 4;
    test_speckle_panel(img, q->boxes[0].rect.y - 15, panel_end, 0.2);
    box_measure m[8];
    box_decision d[8];
    question_answer a;
    read_q5r(t, img, m, d, &a);
    calibration cal;
    calibration_defaults(&cal);
    int half_clean = 0;
    for (int b = 4; b < 8; b++) {
        cr_assert_gt(m[b].paper_share, 0.12, "box %d: %.3f of the paper round it is ink", b + 1, m[b].paper_share);
        half_clean += m[b].near_share < 0.12;
        cr_assert_gt(m[b].fill, cal.mark_min, "box %d: the specks fill it past a mark's threshold", b + 1);
        cr_assert_neq(d[b].state, BOX_MARKED, "box %d: fill %.3f, paper %.3f, near zone %.3f", b + 1, m[b].fill,
                      m[b].paper_share, m[b].near_share);
    }
    cr_assert_gt(half_clean, 0, "the labels' clean paper halves some near zones' share");
    cr_assert_eq(a.status, ANSWER_REVIEW, "no answer and a light mark lost in specks look alike");
    for (int b = 0; b < 8; b++)
        cr_assert_not(a.selected && a.selected[b], "box %d read as marked", b + 1);
    free(a.selected);
    omr_image_free(img);
    template_free(t);
}

Test(speckle, clean_paper_is_not_speckled) {
    omr_template *t = test_template("ekb-2024");
    const template_question *q;
    omr_image *img = page_with_q5r(t, &q);
    test_cross(img, q->boxes[3].rect);
    box_measure m[8];
    box_decision d[8];
    question_answer a;
    read_q5r(t, img, m, d, &a);
    for (int b = 0; b < 8; b++) {
        cr_assert_lt(m[b].near_share, 0.05, "box %d: %.3f", b + 1, m[b].near_share);
        cr_assert_lt(m[b].paper_share, 0.05, "box %d: %.3f", b + 1, m[b].paper_share);
        cr_assert_not(d[b].speckled);
        cr_assert_eq(d[b].state, b == 3 ? BOX_MARKED : BOX_BLANK, "box %d", b + 1);
    }
    cr_assert_eq(a.status, ANSWER_OK, "%s", a.reason);
    free(a.selected);
    omr_image_free(img);
    template_free(t);
}

/* A fold's panel that a 1-bit scanner's dark threshold turned almost
 * black: print black, paper black but for `white` of its pixels. */
static void dark_panel(omr_image *img, double y_mm, double white) {
    uint32_t state = 4321;
    for (int y = (int)(y_mm * img->dpi / 25.4); y < img->height; y++)
        for (int x = 0; x < img->width; x++) {
            uint8_t *p = img->pixels + (size_t)y * (size_t)img->stride + (size_t)x;
            state = state * 1664525u + 1013904223u;
            *p = *p >= 128 && (state >> 8) % 10000 < (uint32_t)(white * 10000) ? 255 : 0;
        }
}

/* Seed 8412 --folds S57JHEJY page 1: the sheet's lower 55%, both lower
 * corner marks in it, 97.7% black. The marks were not found in it (the
 * page refused), and with them found, the page's paper, taken as the
 * median of the page, was black: every box above the panel unsure. The
 * page is located, the paper is the paper above the panel, a cross there
 * is read, and the boxes in the panel go to a person. */
Test(speckle, a_panel_scanned_almost_black_loses_neither_the_page_nor_the_answers_above_it) {
    omr_template *t = test_template("ekb-2024");
    const template_question *q;
    omr_image *img = page_with_q5r(t, &q);
    test_cross(img, test_box_of(t, "q4a", "1"));
    dark_panel(img, q->boxes[0].rect.y - 15, 0.023);
    box_measure m[10];
    box_decision d[10];
    question_answer a;
    page_setup s;
    read_question(t, img, "q4a", m, d, &a, &s);
    cr_assert_eq(s.transform.fiducials_found, 4, "the lower marks are found in the panel");
    cr_assert_gt(s.levels.white, 200, "the paper is the paper above the panel: %.0f", s.levels.white);
    cr_assert_eq(a.status, ANSWER_OK, "%s", a.reason);
    cr_assert_eq(a.chosen, 0, "q4a read %d: fills %.3f %.3f %.3f", a.chosen, m[0].fill, m[1].fill, m[2].fill);
    read_q5r(t, img, m, d, &a);
    cr_assert_eq(a.status, ANSWER_REVIEW, "q5r under the panel: %s", a.reason);
    for (int b = 0; b < 8; b++)
        cr_assert_not(a.selected && a.selected[b], "q5r box %d read as marked", b + 1);
    free(a.selected);
    omr_image_free(img);
    template_free(t);
}
