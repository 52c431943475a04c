/*
 * tests/test_boxes.c — a page's boxes measured together (reading/marks/boxes.c):
 * a box whose outline lies beyond the outline search, on a sheet bent so that
 * its question's other boxes were found shifted, is looked for where they
 * were found (seed 8342 YUBP7NKS q4c: an empty box read "covered" and sent
 * its question to review).
 */
#include <criterion/criterion.h>

#include "helpers.h"
#include "print/render.h"
#include "reading/identify.h"
#include "reading/locate.h"
#include "reading/marks/boxes.h"

#define DPI 200.0

typedef struct {
    omr_template *t;
    omr_image *img;
    page_transform map; /* the page's true map, from locate */
    page_levels levels;
    print_mask mask;
    const template_question *q;
    size_t first;       /* index of q's first box among the page's boxes */
    size_t n;           /* the page's boxes */
} bent_page;

static void bent_page_open(bent_page *p, const char *qid, const char *crossed) {
    p->t = test_template("ekb-2024");
    p->q = template_question_by_id(p->t, qid);
    cr_assert_not_null(p->q);
    omr_error err = {0};
    p->img = render_page_image(p->t, "BENT4C", p->q->page, DPI, &err);
    cr_assert_not_null(p->img, "%s", err.message);
    if (crossed)
        test_cross(p->img, test_box_of(p->t, qid, crossed));
    identify_reader *reader = identify_reader_new();
    page_identity id;
    cr_assert_eq(identify_page(reader, p->img, NULL, &id, &err), OMR_OK, "%s", err.message);
    identify_reader_free(reader);
    cr_assert_eq(locate_page(p->img, p->t, &id, &p->map, &err), OMR_OK, "%s", err.message);
    measure_levels(p->img, &p->map, &p->levels);
    cr_assert_eq(measure_print_mask(p->t, p->q->page, &p->mask, &err), OMR_OK, "%s", err.message);
    p->n = p->first = 0;
    for (size_t i = 0; i < p->t->n_questions; i++) {
        const template_question *q = &p->t->questions[i];
        if (q->page != p->q->page)
            continue;
        if (q == p->q)
            p->first = p->n;
        p->n += q->n_boxes;
    }
}

static void bent_page_close(bent_page *p) {
    print_mask_free(&p->mask);
    omr_image_free(p->img);
    template_free(p->t);
}

/* The page's boxes read through `map`, with `creases` (found through it). */
static void measure_creased(const bent_page *p, const page_transform *map, const page_crease *creases, int n_creases,
                            box_measure *m, uint8_t *unsure) {
    marks_measure_page(p->img, p->img, map, &p->levels, &p->mask, p->t, p->q->page, creases, n_creases, m, unsure,
                       p->n);
}

static void measure_all(const bent_page *p, const page_transform *map, box_measure *m, uint8_t *unsure) {
    measure_creased(p, map, NULL, 0, m, unsure);
}

/* The map off by `off` mm down the page everywhere, but by `off + local`
 * over the boxes of q from box `from` on (a local correction that fell
 * short). */
static page_transform bent_map(const bent_page *p, double off, double local, size_t from) {
    page_transform map;
    page_map_shifted(&p->map, 0, off, &map);
    map.n_local = 1;
    omr_rect a = p->q->boxes[from].rect, z = p->q->boxes[p->q->n_boxes - 1].rect;
    map.local[0] = (page_local){{a.x - 1, a.y - 1, z.x + z.w - a.x + 2, z.y + z.h - a.y + 2}, 0, local, 0};
    return map;
}

Test(boxes, a_box_beyond_the_outline_search_is_looked_for_where_its_questions_boxes_were_found) {
    bent_page p;
    bent_page_open(&p, "q4c", "1");
    cr_assert_geq(p.q->n_boxes, 3);
    box_measure *m = calloc(p.n, sizeof *m);
    uint8_t *unsure = calloc(p.n, 1);
    /* box 1 lies 2 mm from where the map puts it, beyond the 1.2 mm the
     * outline is looked for; boxes 2 and 3 1.1 mm (a local correction of
     * their region that fell short) */
    page_transform map = bent_map(&p, 2.0, -0.9, 1);
    measure_all(&p, &map, m, unsure);
    const box_measure *b = &m[p.first];
    cr_assert(b[1].outline_found && b[2].outline_found, "boxes 2 and 3 are within reach");
    cr_assert_gt(b[1].shift_mm, 0.9, "box 2 %.2f mm off", b[1].shift_mm);
    cr_assert(b[0].outline_found, "box 1 not found where box 2 was (shift %.2f)", b[0].shift_mm);
    cr_assert_float_eq(b[0].dy_mm, -2.0, 0.3, "box 1 found %.2f mm off, not 2", b[0].dy_mm);
    cr_assert_float_eq(b[0].shift_mm, hypot(b[0].dx_mm, b[0].dy_mm), 1e-9);
    /* measured where it is: its cross fills it, no print beside it as ink */
    cr_assert_gt(b[0].fill, 0.15, "fill %.3f", b[0].fill);
    cr_assert_lt(b[0].near_mm2, 1.0, "ink near %.2f", b[0].near_mm2);
    for (size_t k = 0; k < p.n; k++)
        cr_assert_eq(unsure[k], 0);

    /* the same map with no box of the question found: nothing to go by, box
     * 1 stays unseen (the decision sends it to a person) */
    page_transform lost = bent_map(&p, 2.0, 0, 0);
    measure_all(&p, &lost, m, unsure);
    for (size_t k = 0; k < p.q->n_boxes; k++)
        cr_assert(!m[p.first + k].outline_found, "box %zu found 2 mm off", k + 1);
    free(m);
    free(unsure);
    bent_page_close(&p);
}

Test(boxes, a_covered_box_among_shifted_ones_stays_unseen) {
    bent_page p;
    bent_page_open(&p, "q4c", NULL);
    /* white tape over box 1: no outline to find, wherever it is looked for */
    omr_rect r = p.q->boxes[0].rect;
    double s = DPI / 25.4;
    for (int y = (int)((r.y - 1) * s); y < (int)((r.y + r.h + 1) * s); y++)
        for (int x = (int)((r.x - 1) * s); x < (int)((r.x + r.w + 1) * s); x++)
            p.img->pixels[(size_t)y * p.img->stride + x] = 255;
    box_measure *m = calloc(p.n, sizeof *m);
    uint8_t *unsure = calloc(p.n, 1);
    page_transform map = bent_map(&p, 2.0, -0.9, 1);
    measure_all(&p, &map, m, unsure);
    const box_measure *b = &m[p.first];
    cr_assert(b[1].outline_found && b[2].outline_found);
    cr_assert(!b[0].outline_found, "an outline made up %.2f mm off", b[0].shift_mm);
    free(m);
    free(unsure);
    bent_page_close(&p);
}

/* Creases are found through the page's map; a box's region corrected by
 * locate lies elsewhere on that map, and a crease is judged against the box
 * where it lies (seed 8342 8BP3YV3T q6: a black crease along the top of
 * boxes 1 and 2, 1.4 mm above them on the page's map, cleaned with their
 * top sides; the boxes went to review as covered). */
Test(boxes, a_crease_is_judged_against_the_box_where_its_region_lies) {
    bent_page p;
    bent_page_open(&p, "q6", NULL);
    box_measure *m = calloc(p.n, sizeof *m);
    uint8_t *unsure = calloc(p.n, 1);
    /* the map 1.4 mm off down the page, put right over q6 by locate */
    page_transform map = bent_map(&p, 1.4, -1.4, 0);
    omr_rect box = p.q->boxes[0].rect;
    /* along the top of the boxes as printed: on the map, 1.4 mm higher */
    page_crease crease = {.vertical = 0, .at = box.y - 1.4, .slope = 0, .depth = 200, .half_width = 0.6, .support = 12};
    measure_creased(&p, &map, &crease, 1, m, unsure);
    for (size_t k = 0; k < p.q->n_boxes; k++) {
        const box_measure *b = &m[p.first + k];
        cr_assert(b->outline_found && b->shift_mm < 0.5, "box %zu %.2f mm off", k + 1, b->shift_mm);
        cr_assert(b->crease_along && b->crease_band, "box %zu: the crease along its top not seen", k + 1);
    }
    /* the same crease where the map and the print agree lies 1.4 mm above
     * the boxes: not through them */
    page_crease above = {.vertical = 0, .at = box.y - 2.8, .slope = 0, .depth = 200, .half_width = 0.6, .support = 12};
    measure_creased(&p, &map, &above, 1, m, unsure);
    for (size_t k = 0; k < p.q->n_boxes; k++)
        cr_assert(!m[p.first + k].crease_along, "box %zu: a crease 1.4 mm above taken as through it", k + 1);
    free(m);
    free(unsure);
    bent_page_close(&p);
}
