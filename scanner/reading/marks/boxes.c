/*
 * boxes.c — every box of one page measured (see boxes.h): the per-box
 * sequence that scan.c ran inline, and a second look for a box whose
 * outline went unseen, where the nearest box of its question was found.
 */
#include "reading/marks/boxes.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>

#include "reading/marks/shape.h"

/* One box measured through the map `at`: the page's map `global` with the
 * box's region's local correction and (a second look) `extra` mm more. The
 * creases were found through `global`: against them the box lies where
 * those corrections and the shift its outline was found at put it (a
 * crease 1.4 mm above a box on the global map runs along its top side on a
 * sheet bent that far: seed 8342 8BP3YV3T q6). */
static void measure_one(const omr_image *seen, const omr_image *scan, const page_transform *global,
                        const page_transform *at, omr_point extra, const page_levels *levels,
                        const print_mask *mask, const omr_template *t, const template_question *q, size_t b,
                        const page_crease *creases, int n_creases, const omr_rect *others, int n_others,
                        box_measure *m) {
    omr_rect box = q->boxes[b].rect;
    /* where the box's own map puts it against the page's */
    omr_point to_page = extra;
    const page_local *l = page_map_local_of(global, box);
    if (l && !l->unsure) {
        to_page.x += l->dx_mm;
        to_page.y += l->dy_mm;
    }
    /* the pieces cleaning left of a crease passing by the box, by the
     * print, are no ink beside it. A crease through the box or along its
     * side is judged with the box (decide_crease.c): a circle round the box
     * crosses it, and its ink there is the circle's (fresh seed 8412
     * MV6H35NH q6: "8" circled on a crease along the row, sent to a person
     * when that ink was left out) */
    near_line crease_lines[CREASE_MAX];
    int n_lines = 0;
    omr_rect placed = {box.x + to_page.x, box.y + to_page.y, box.w, box.h};
    for (int i = 0; i < n_creases && n_lines < CREASE_MAX; i++)
        if (!crease_band_on_box(&creases[i], 1, placed))
            crease_lines[n_lines++] = crease_near_line(&creases[i], levels, placed);
    near_lines lines = {crease_lines, n_lines, to_page.x, to_page.y};
    measure_box(seen, at, levels, mask, box, measure_near_zone(t, q, b, mask), n_lines ? &lines : NULL, m);
    measure_rings(seen, at, levels, mask, t, q, b, m);
    measure_shape(seen, at, levels, mask, box, m);
    omr_rect on_page = box;
    on_page.x += to_page.x + m->dx_mm;
    on_page.y += to_page.y + m->dy_mm;
    m->crease_along = crease_through_box(creases, n_creases, on_page);
    m->crease_band = crease_band_on_box(creases, n_creases, on_page);
    m->crease_darkness = (m->crease_along ? crease_deepest_through_box(creases, n_creases, on_page)
                                          : crease_deepest_band_on_box(creases, n_creases, on_page)) /
                         (levels->white - levels->black);
    for (int along_y = 0; along_y < 2; along_y++)
        m->crease_width_mm[along_y] = crease_widest_through_box(creases, n_creases, on_page, along_y);
    /* on the page as scanned: a crease found is cleaned off the paper beside the box */
    if (m->ink_width_mm > 0)
        crease_measure_line(scan, at, levels, mask, box, others, n_others, m);
}

/* The page's boxes but the one at `self` into others; their number. */
static int others_than(const omr_rect *page_boxes, int n, int self, omr_rect *others) {
    int k = 0;
    for (int i = 0; i < n; i++)
        if (i != self)
            others[k++] = page_boxes[i];
    return k;
}

/* The nearest box of the question (first box's measure at `first`) whose
 * outline was found, within MARKS_NEIGHBOUR_MM of box b: its index, or -1. */
static long nearest_found(const template_question *q, const box_measure *first, size_t b) {
    long best = -1;
    double best_d = MARKS_NEIGHBOUR_MM;
    for (size_t j = 0; j < q->n_boxes; j++) {
        if (j == b || !first[j].outline_found)
            continue;
        double d = hypot(first[j].box_x_mm - first[b].box_x_mm, first[j].box_y_mm - first[b].box_y_mm);
        if (d <= best_d) {
            best_d = d;
            best = (long)j;
        }
    }
    return best;
}

void marks_measure_page(const omr_image *seen, const omr_image *scan, const page_transform *transform,
                        const page_levels *levels, const print_mask *mask, const omr_template *t, int page,
                        const page_crease *creases, int n_creases, box_measure *measures, uint8_t *unsure_at,
                        size_t n) {
    /* the page's boxes, and for each box all but itself: a line beside a
     * box is not looked for in the others (crease_line_beyond) */
    omr_rect *page_boxes = malloc((n ? n : 1) * sizeof *page_boxes), *others = malloc((n ? n : 1) * sizeof *others);
    int n_page_boxes = 0;
    for (size_t i = 0; page_boxes && i < t->n_questions; i++)
        for (size_t b = 0; t->questions[i].page == page && b < t->questions[i].n_boxes; b++) {
            assert((size_t)n_page_boxes < n); /* n: the page's boxes */
            page_boxes[n_page_boxes++] = t->questions[i].boxes[b].rect;
        }
    if (!page_boxes || !others)
        n_page_boxes = 0; /* without room, every box's line is looked for as if alone */
    size_t k = 0;
    for (size_t i = 0; i < t->n_questions; i++) {
        const template_question *q = &t->questions[i];
        if (q->page != page)
            continue;
        assert(k + q->n_boxes <= n);
        box_measure *first = &measures[k];
        for (size_t b = 0; b < q->n_boxes; b++) {
            /* the page's map where this box lies (locate's local corrections) */
            page_transform at;
            unsure_at[k + b] = (uint8_t)page_map_for_box(transform, q->boxes[b].rect, &at);
            /* a box (with its near ink) off the scan's edge, cut off or
             * folded away, is unread, never blank */
            if (!page_map_rect_on_scan(&at, q->boxes[b].rect, 1.0, scan->width, scan->height))
                unsure_at[k + b] = 1;
            int n_others = others_than(page_boxes, n_page_boxes, (int)(k + b), others);
            measure_one(seen, scan, transform, &at, (omr_point){0, 0}, levels, mask, t, q, b, creases, n_creases,
                        others, n_others, &first[b]);
        }
        /* a box whose outline went unseen, looked for where the nearest box
         * of its question was found: taken only when its outline is found
         * there, close to that box's shift (else it stays as measured) */
        for (size_t b = 0; b < q->n_boxes; b++) {
            if (first[b].outline_found || unsure_at[k + b])
                continue;
            long j = nearest_found(q, first, b);
            if (j < 0 || hypot(first[j].dx_mm, first[j].dy_mm) < MARKS_NEIGHBOUR_SHIFT_MM)
                continue;
            page_transform at, moved;
            page_map_for_box(transform, q->boxes[b].rect, &at);
            page_map_shifted(&at, first[j].dx_mm, first[j].dy_mm, &moved);
            if (!page_map_rect_on_scan(&moved, q->boxes[b].rect, 1.0, scan->width, scan->height))
                continue;
            box_measure again;
            int n_others = others_than(page_boxes, n_page_boxes, (int)(k + b), others);
            measure_one(seen, scan, transform, &moved, (omr_point){first[j].dx_mm, first[j].dy_mm}, levels, mask, t, q,
                        b, creases, n_creases, others, n_others, &again);
            if (!again.outline_found || again.shift_mm > MARKS_AGAIN_MM)
                continue;
            /* its place against the map where the box lies, as for any box */
            again.dx_mm += first[j].dx_mm;
            again.dy_mm += first[j].dy_mm;
            again.shift_mm = hypot(again.dx_mm, again.dy_mm);
            first[b] = again;
        }
        k += q->n_boxes;
    }
    assert(k == n);
    free(page_boxes);
    free(others);
}
