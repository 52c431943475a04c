/*
 * test_measure.c — measure.c: boxes with known ink on a rendered page, read
 * through identify and locate as a scan is. An empty box, a faint dot, a
 * cross and a solid fill measure in that order of fill, and decide as blank,
 * blank-or-unsure, marked and solid; very light pencil shows only as faint
 * fill; a circle drawn around a box is ink near it, not in it.
 */
#include "deciding/decide.h"
#include "reading/identify.h"
#include "reading/locate.h"
#include "reading/mask.h"
#include "reading/measure.h"
#include "print/render.h"
#include "helpers.h"

#define DPI 200.0

/* Measures every box of question `qid` on `img`. */
static void measure_question(const omr_template *t, const omr_image *img, const char *qid,
                             box_measure *out) {
    identify_reader *reader = identify_reader_new();
    page_identity id;
    omr_error err = {0};
    cr_assert_eq(identify_page(reader, img, NULL, &id, &err), OMR_OK, "%s", err.message);
    identify_reader_free(reader);
    page_transform pt;
    cr_assert_eq(locate_page(img, t, &id, &pt, &err), OMR_OK, "%s", err.message);
    page_levels levels;
    measure_levels(img, &pt, &levels);
    cr_assert_gt(levels.white, levels.black + 100, "paper %.0f, print %.0f", levels.white, levels.black);
    print_mask mask;
    cr_assert_eq(measure_print_mask(t, id.page, &mask, &err), OMR_OK, "%s", err.message);
    const template_question *q = template_question_by_id(t, qid);
    for (size_t b = 0; b < q->n_boxes; b++)
        measure_box(img, &pt, &levels, &mask, q->boxes[b].rect, measure_near_zone(t, q, b, &mask), &out[b]);
    print_mask_free(&mask);
}

Test(measure, empty_dot_cross_fill_order_and_decide_as_expected) {
    omr_template *t = test_template("ekb-2024");
    const template_question *q = template_question_by_id(t, "q1a");
    cr_assert_geq(q->n_boxes, 5);
    omr_error err = {0};
    omr_image *img = render_page_image(t, "A7K2QX", 1, DPI, &err);
    cr_assert_not_null(img, "%s", err.message);
    omr_rect *b = (omr_rect[5]){q->boxes[0].rect, q->boxes[1].rect, q->boxes[2].rect, q->boxes[3].rect,
                                q->boxes[4].rect};
    /* box 0 empty; box 1 a small dot; box 2 a cross; box 3 filled; box 4
     * very light pencil over the whole box */
    double cx = b[1].x + b[1].w / 2, cy = b[1].y + b[1].h / 2;
    test_draw_line(img, cx - 0.2, cy, cx + 0.2, cy, 0.6, 40);
    test_cross(img, b[2]);
    test_fill(img, b[3]);
    for (double y = b[4].y + 0.8; y < b[4].y + b[4].h - 0.8; y += 0.3)
        test_draw_line(img, b[4].x + 0.8, y, b[4].x + b[4].w - 0.8, y, 0.3, 228);
    box_measure m[16];
    measure_question(t, img, "q1a", m);
    for (int i = 0; i < 4; i++)
        cr_assert(m[i].outline_found, "box %d: outline", i);
    cr_assert_lt(m[0].fill, 0.02, "empty: %.3f", m[0].fill);
    cr_assert_gt(m[1].fill, m[0].fill, "dot %.3f > empty %.3f", m[1].fill, m[0].fill);
    cr_assert_gt(m[2].fill, m[1].fill, "cross %.3f > dot %.3f", m[2].fill, m[1].fill);
    cr_assert_gt(m[3].fill, m[2].fill, "fill %.3f > cross %.3f", m[3].fill, m[2].fill);
    cr_assert_gt(m[3].fill, 0.8);
    cr_assert_gt(m[2].extent, 0.6, "a cross spans the box: %.2f", m[2].extent);
    cr_assert_lt(m[1].extent, m[2].extent);
    cr_assert_gt(m[2].darkness, 0.5);
    cr_assert_lt(m[4].fill, m[2].fill, "light pencil is not ink: %.3f", m[4].fill);
    cr_assert_gt(m[4].faint_fill, m[4].fill, "but it is faint ink: %.3f", m[4].faint_fill);
    calibration cal;
    calibration_defaults(&cal);
    cr_assert_eq(decide_box(&cal, &m[0]).state, BOX_BLANK);
    cr_assert(decide_box(&cal, &m[1]).state == BOX_BLANK || decide_box(&cal, &m[1]).state == BOX_UNSURE);
    cr_assert_eq(decide_box(&cal, &m[2]).state, BOX_MARKED);
    cr_assert_eq(decide_box(&cal, &m[3]).state, BOX_SOLID);
    omr_image_free(img);
    template_free(t);
}

Test(measure, a_circle_around_a_box_is_ink_near_it_not_in_it) {
    omr_template *t = test_template("ekb-2024");
    const template_question *q = template_question_by_id(t, "q1b");
    omr_error err = {0};
    omr_image *img = render_page_image(t, "A7K2QX", 1, DPI, &err);
    cr_assert_not_null(img, "%s", err.message);
    test_circle(img, q->boxes[2].rect, q->boxes[2].rect.w * 0.85);
    box_measure m[16];
    measure_question(t, img, "q1b", m);
    cr_assert_lt(m[2].fill, 0.02, "%.3f", m[2].fill);
    cr_assert_gt(m[2].near_mm2, 1.0, "%.2f mm2", m[2].near_mm2);
    cr_assert_lt(m[0].near_mm2, 0.2, "a box far from the circle: %.2f mm2", m[0].near_mm2);
    omr_image_free(img);
    template_free(t);
}
