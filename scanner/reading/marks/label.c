/*
 * label.c — where a box's long label is printed on the scan (label.h).
 *
 * The blank's print cells of the label (every third cell of the print mask,
 * 0.3 mm apart) are laid on the scan at a trial shift, and the shift that
 * puts them on the darkest scan wins: over LABEL_SEARCH_MM round the box's
 * place 0.5 mm apart, then 0.125 mm apart round the best. A label bent
 * along its length (a sheet warped 1-2 mm over the label's 40 mm: seed 8336
 * UY27CMHU q4c, 4.4 mm^2 of its words' edges left beside an empty box after
 * the best single shift) is then followed piece by piece, each piece within
 * LABEL_BEND_MM of the whole label's shift, so a piece cannot wander off to
 * a respondent's stroke across it.
 *
 * Also where the blank prints a box's label and the zone round a box where
 * stray ink is "near" it (measure_label_print, measure_near_zone: declared
 * in label.h: template geometry from the print mask alone), and the
 * number printed alone above a box (measure_label_above).
 */
#include "reading/marks/label.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>

/* How dark the scan is under the cells shifted by (sx, sy) mm. */
static double label_darkness_at(const omr_image *scan, const page_transform *t, const omr_point *cells, int n,
                                double sx, double sy) {
    double sum = 0;
    for (int k = 0; k < n; k++) {
        omr_point p = locate_map(t, cells[k].x + sx, cells[k].y + sy);
        int px = (int)p.x, py = (int)p.y;
        sum += page_px_on_scan(px, py, scan->width, scan->height) ? 255 - omr_image_at(scan, px, py) : 0;
    }
    return sum;
}

/* The darkest shift of the cells within `reach` of (cx, cy), `step` apart,
 * then within one step of that a quarter step apart, down to steps of
 * `finest` (the nearer shift wins a tie), into (*bx, *by). */
static void darkest_shift(const omr_image *scan, const page_transform *t, const omr_point *cells, int n, double cx,
                          double cy, double reach, double step, double finest, double *bx, double *by) {
    double best = -1;
    *bx = cx;
    *by = cy;
    for (; step >= finest; reach = step, step /= 4) {
        double ox = *bx, oy = *by;
        for (double sy = -reach; sy <= reach + 1e-9; sy += step)
            for (double sx = -reach; sx <= reach + 1e-9; sx += step) {
                double v = label_darkness_at(scan, t, cells, n, ox + sx, oy + sy) - 1e-6 * (fabs(sx) + fabs(sy));
                if (v > best) {
                    best = v;
                    *bx = ox + sx;
                    *by = oy + sy;
                }
            }
    }
}

int label_find(const omr_image *scan, const page_transform *t, const print_mask *mask, omr_rect label, double dx,
               double dy, label_place *out) {
    int x0 = (int)(label.x / mask->pitch), x1 = (int)((label.x + label.w) / mask->pitch);
    int y0 = (int)(label.y / mask->pitch), y1 = (int)((label.y + label.h) / mask->pitch);
    if (x0 < 0 || y0 < 0 || x1 > mask->width || y1 > mask->height || x1 <= x0 || y1 <= y0)
        return 0;
    /* the cells column by column, so a piece's cells lie together */
    size_t cap = (size_t)((x1 - x0) / 3 + 1) * (size_t)((y1 - y0) / 3 + 1);
    omr_point *cells = malloc(cap * sizeof *cells);
    if (!cells)
        return 0;
    int n = 0;
    for (int mx = x0; mx < x1; mx += 3)
        for (int my = y0; my < y1; my += 3)
            if (mask->printed[(size_t)my * (size_t)mask->width + (size_t)mx] && (size_t)n < cap)
                cells[n++] = (omr_point){(mx + 0.5) * mask->pitch, (my + 0.5) * mask->pitch};
    double first = n ? cells[0].x : 0, last = n ? cells[n - 1].x : 0;
    if (n < 10 || last - first < LABEL_LONG_MM) {
        free(cells);
        return 0;
    }
    double bx, by;
    darkest_shift(scan, t, cells, n, dx, dy, LABEL_SEARCH_MM, 0.5, 0.125, &bx, &by);
    out->dx = bx;
    out->dy = by;
    int pieces = (int)ceil((last - first) / LABEL_PIECE_MM);
    if (pieces > LABEL_PIECES)
        pieces = LABEL_PIECES;
    out->n = pieces;
    double len = (last - first) / pieces;
    int from = 0;
    for (int k = 0; k < pieces; k++) {
        label_piece *p = &out->piece[k];
        p->to_x = k + 1 < pieces ? first + (k + 1) * len : INFINITY;
        int to = from;
        while (to < n && cells[to].x < p->to_x)
            to++;
        p->dx = bx;
        p->dy = by;
        if (pieces > 1 && to - from >= 10)
            darkest_shift(scan, t, cells + from, to - from, bx, by, LABEL_BEND_MM, 0.25, 0.0625, &p->dx, &p->dy);
        from = to;
    }
    free(cells);
    return 1;
}

/* The nearest boxes on box `index`'s row (any question of the page, within
 * `reach` mm): the previous one's right edge into *prev, the next one's left
 * edge into *next (and, when `next_box` is not NULL, that box into it);
 * returns bit 1 when there is a previous one, bit 2 a next. */
#define ROW_REACH_MM 40.0
static int row_neighbours(const omr_template *t, const template_question *q, size_t index, double reach,
                          double *prev, double *next, const template_box **next_box) {
    omr_rect b = q->boxes[index].rect;
    int found = 0;
    *next = b.x + b.w + reach;
    *prev = b.x - reach;
    for (size_t i = 0; i < t->n_questions; i++) {
        const template_question *o = &t->questions[i];
        if (o->page != q->page)
            continue;
        for (size_t k = 0; k < o->n_boxes; k++) {
            omr_rect r = o->boxes[k].rect;
            if (fabs(r.y - b.y) >= b.h || (o == q && k == index))
                continue;
            if (r.x > b.x && r.x < *next) {
                *next = r.x;
                found |= 2;
                if (next_box)
                    *next_box = &o->boxes[k];
            }
            if (r.x < b.x && r.x + r.w > *prev) {
                *prev = r.x + r.w;
                found |= 1;
            }
        }
    }
    return found;
}

/* The last printed column right of box b (template mm): from 1 mm right of
 * the box, until the print on the box's row stops for 4 mm (counted from 4
 * mm right of the box at the nearest), never at `limit` or past it; 1 mm
 * right of the box when none is printed there. */
static double label_print_last(omr_rect b, const print_mask *mask, double limit) {
    double start = b.x + b.w + 1, last = start;
    int y0 = (int)(b.y / mask->pitch), y1 = (int)((b.y + b.h) / mask->pitch);
    for (double x = start; x < limit && x < fmax(last, b.x + b.w + 4) + 4; x += mask->pitch) {
        int mx = (int)(x / mask->pitch);
        if (mx >= mask->width)
            break;
        for (int my = y0 < 0 ? 0 : y0; my < y1 && my < mask->height; my++)
            if (mask->printed[(size_t)my * (size_t)mask->width + (size_t)mx]) {
                last = x;
                break;
            }
    }
    return last;
}

/* How far right of box b its label may reach: short of the next box on its
 * row by NEAR_TO_MM (`neighbours` as row_neighbours returns), else 45 mm. */
static double label_limit(omr_rect b, int neighbours, double next) {
    return neighbours & 2 ? next - NEAR_TO_MM : b.x + b.w + 45;
}

static int has_label_right(const template_question *q, size_t index, const print_mask *mask) {
    return q->labels == LABELS_RIGHT && q->boxes[index].label && *q->boxes[index].label && mask && mask->printed;
}

/* The whole label, however long: a circle round it is drawn round all its
 * words (the near zone's 45 mm, label_limit, cut "Religion eller annan
 * trosuppfattning" short, and rays from the middle of what was left saw
 * the circle round all of it open over its top; fresh seed 8413 --folds
 * --warp 1 DTGJVQGP q5r) */
omr_rect measure_label_print(const omr_template *t, const template_question *q, size_t index,
                            const print_mask *mask) {
    assert(q && index < q->n_boxes);
    omr_rect b = q->boxes[index].rect;
    if (!has_label_right(q, index, mask))
        return (omr_rect){b.x + b.w, b.y, 0, b.h};
    double prev, next; /* the next box on the row, however far: the page's width at most */
    row_neighbours(t, q, index, t->page_width, &prev, &next, NULL);
    double last = label_print_last(b, mask, fmin(next, t->page_width) - NEAR_TO_MM);
    return (omr_rect){b.x + b.w + 1, b.y, last + mask->pitch - (b.x + b.w + 1), b.h};
}

/* The print above a box comes no nearer it than this (its outline's own
 * print and blur lie nearer), and is at least this tall: a digit, not a
 * rule or a speck of the mask */
#define LABEL_ABOVE_GAP_MM 0.6
#define LABEL_ABOVE_TALL_MM 1.5

omr_rect measure_label_above(const omr_template *t, const template_question *q, size_t index,
                            const print_mask *mask) {
    assert(t && q && index < q->n_boxes);
    omr_rect b = q->boxes[index].rect, none = {b.x, b.y, 0, 0};
    if (q->labels != LABELS_NONE || !q->boxes[index].label || !*q->boxes[index].label || !mask || !mask->printed)
        return none;
    omr_rect win = {b.x - LABEL_ABOVE_SIDE_MM, b.y - LABEL_ABOVE_MM, b.w + 2 * LABEL_ABOVE_SIDE_MM,
                    LABEL_ABOVE_MM - LABEL_ABOVE_GAP_MM};
    for (size_t i = 0; i < t->n_questions; i++) { /* no other box in the window */
        const template_question *o = &t->questions[i];
        for (size_t k = 0; o->page == q->page && k < o->n_boxes; k++) {
            if ((o != q || k != index) && omr_rects_meet(o->boxes[k].rect, win))
                return none;
        }
    }
    int x0 = (int)ceil(win.x / mask->pitch), x1 = (int)floor((win.x + win.w) / mask->pitch);
    int y0 = (int)ceil(win.y / mask->pitch), y1 = (int)floor((win.y + win.h) / mask->pitch);
    if (x0 < 0 || y0 < 0 || x1 >= mask->width || y1 >= mask->height || x1 - x0 < 2 || y1 - y0 < 2)
        return none;
    int lx, hx, ly, hy;
    /* none, or touching the window's top or sides: print running past it */
    if (!print_mask_bounds(mask, x0, y0, x1 + 1, y1 + 1, &lx, &ly, &hx, &hy) || lx == x0 || hx == x1 || ly == y0)
        return none;
    omr_rect label = {lx * mask->pitch, ly * mask->pitch, (hx - lx + 1) * mask->pitch, (hy - ly + 1) * mask->pitch};
    return label.h >= LABEL_ABOVE_TALL_MM ? label : none;
}

omr_rect measure_near_zone(const omr_template *t, const template_question *q, size_t index,
                           const print_mask *mask) {
    assert(q && index < q->n_boxes);
    assert(q->page >= 1 && (size_t)q->page <= t->n_pages);
    omr_rect b = q->boxes[index].rect;
    double prev, next;
    int found = row_neighbours(t, q, index, ROW_REACH_MM, &prev, &next, NULL), has_prev = found & 1,
        has_next = found & 2;
    /* to the left: half way to the previous box (a cross between two boxes
     * belongs to both), else the plain ring */
    double left = has_prev ? (prev + b.x) / 2 : b.x - NEAR_TO_MM;
    double right = b.x + b.w + NEAR_TO_MM;
    if (has_next)
        right = (b.x + b.w + next) / 2;
    if (q->labels == LABELS_RIGHT && q->boxes[index].label && mask) {
        /* and at least over the printed label (4 mm at least), never past
         * the next box */
        double limit = label_limit(b, found, next);
        double end = fmax(label_print_last(b, mask, limit), b.x + b.w + 4);
        end = (end < limit ? end : limit) + NEAR_TO_MM;
        if (end > right)
            right = end;
    }
    omr_rect zone = {left, b.y - NEAR_TO_MM, right - left, b.h + 2 * NEAR_TO_MM};
    return zone;
}

const template_box *measure_zone_meets_next(const omr_template *t, const template_question *q, size_t index) {
    assert(q && index < q->n_boxes);
    double prev, next;
    const template_box *next_box = NULL;
    if (!(row_neighbours(t, q, index, ROW_REACH_MM, &prev, &next, &next_box) & 2))
        return NULL;
    /* a label right of the box stretches its zone over the label (measure_near_zone) */
    if (q->labels == LABELS_RIGHT && q->boxes[index].label)
        return NULL;
    return next_box;
}
