/*
 * shape.c — a dot or strokes (shape.h). The interior of the box (inset past
 * its printed outline) is sampled once per scan pixel; its ink pixels give
 * an area and second moments. The ellipse with the same moments has area
 * 4*pi*sqrt(det) of the covariance: a compact blob fills it, strokes do not.
 * A bleeding 1-bit scan swells a dot until its fill and extent pass for a
 * cross; its compactness stays that of a dot, so decide can still ask for a
 * person (a lone dot is ambiguous) instead of reading a cross. The same
 * samples give the strokes' width (area over outline) and the pieces they
 * fall into: what a 1-bit scan leaves of a mark rubbed out is thin and
 * broken. Just outside the box, a line drawn through it and out past both
 * sides is looked for (a cross struck through).
 */
#include "reading/marks/shape.h"

#include <assert.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#define SHAPE_INSET_MM 0.8   /* the printed outline (0.35 mm) and its blur */
#define SHAPE_MIN_SAMPLES 12 /* fewer ink samples than this: no shape to speak of */
#define STROKE_GRID 96       /* samples a side for the strokes' edges: 11.5 mm at the finest pitch */
_Static_assert(STROKE_GRID <= 256, "count_pieces keeps grid coordinates in bytes");

static int printed_at(const print_mask *mask, double x, double y) {
    if (!mask || !mask->printed)
        return 0;
    int mx = (int)(x / mask->pitch), my = (int)(y / mask->pitch);
    if (mx < 0 || my < 0 || mx >= mask->width || my >= mask->height)
        return 0;
    return mask->printed[(size_t)my * (size_t)mask->width + (size_t)mx] != 0;
}

/* The pieces the ink falls into (8-connected; the grid is cleared as it
 * is counted). A pen's cross or tick is one or two; what rubbing a mark out
 * leaves on a 1-bit scan, a dozen specks and dashes along its strokes. */
static int count_pieces(uint8_t ink[STROKE_GRID][STROKE_GRID], int rows, int cols) {
    static const int dr[8] = {-1, -1, -1, 0, 0, 1, 1, 1}, dc[8] = {-1, 0, 1, -1, 1, -1, 0, 1};
    uint8_t stack[STROKE_GRID * STROKE_GRID][2]; /* grid coordinates, each under 256 */
    int pieces = 0;
    for (int r = 0; r < rows; r++)
        for (int c = 0; c < cols; c++) {
            if (!ink[r][c])
                continue;
            pieces++;
            int top = 0;
            ink[r][c] = 0;
            stack[top][0] = (uint8_t)r, stack[top][1] = (uint8_t)c, top++;
            while (top > 0) {
                top--;
                int pr = stack[top][0], pc = stack[top][1];
                for (int k = 0; k < 8; k++) {
                    int nr = pr + dr[k], nc = pc + dc[k];
                    if (nr < 0 || nc < 0 || nr >= rows || nc >= cols || !ink[nr][nc])
                        continue;
                    ink[nr][nc] = 0;
                    assert(top < STROKE_GRID * STROKE_GRID); /* each sample is pushed once */
                    stack[top][0] = (uint8_t)nr, stack[top][1] = (uint8_t)nc, top++;
                }
            }
        }
    return pieces;
}

/* Ink at (x, y) on the template (shifted by the box's re-centring), where
 * the blank prints nothing, darker than `ink` (0..1 of the way from
 * paper to print): a sample of the interior, or of the paper just past its
 * sides (levels' white above black: measure_shape checks) */
static int unprinted_ink(const omr_image *scan, const page_transform *t, const page_levels *levels,
                         const print_mask *mask, const box_measure *out, double x, double y, double ink) {
    if (printed_at(mask, x, y))
        return 0;
    omr_point p = locate_map(t, x + out->dx_mm, y + out->dy_mm);
    if (p.x < 0 || p.y < 0 || p.x >= scan->width || p.y >= scan->height)
        return 0;
    return (levels->white - omr_image_at(scan, (int)p.x, (int)p.y)) / (levels->white - levels->black) > ink;
}

/* A line through the box and out past two opposite sides: ink all across
 * the band THROUGH_FROM_MM to THROUGH_TO_MM outside each side (a line that
 * runs on out of the box; a speck of dust beside it does not fill the
 * band), across the side's middle half, the two within THROUGH_LEVEL_MM of
 * level (a line drawn across, tilted as a hand tilts it). A cross's arms
 * overshoot near the corners, a tick's tail at one; neither crosses both
 * sides' middles. */
#define THROUGH_FROM_MM 0.6 /* past the printed outline and its blur */
#define THROUGH_TO_MM 1.0
#define THROUGH_LEVEL_MM 1.5
/* A pale mark's strike is as pale as the mark: looked for at this share of
 * the darkness of the mark's ink (box_measure's darkness), where that is
 * below INK_DARKNESS (held-out 4301 1FWS8UJE q4b: a pencil cross 0.195
 * dark, its strike past both sides about as pale, under INK_DARKNESS in
 * most of the band; read as the cross, silently). The mark's ink is
 * darker than INK_DARKNESS, so this is at least half of it. */
#define STRIKE_OF_MARK 0.5
static int struck_through(const omr_image *scan, const page_transform *t, const page_levels *levels,
                          const print_mask *mask, omr_rect box, const box_measure *out, double pitch, double ink) {
    for (int across_y = 0; across_y < 2; across_y++) {
        /* across_y 0: a line along x, out past the left and right sides */
        double len = across_y ? box.w : box.h, lo = (across_y ? box.x : box.y) + len / 4, hi = lo + len / 2;
        double first[2] = {NAN, NAN}, last[2] = {NAN, NAN};
        for (int side = 0; side < 2; side++)
            for (double along = lo; along <= hi; along += pitch) {
                int across = 1;
                for (double out_mm = THROUGH_FROM_MM; across && out_mm <= THROUGH_TO_MM + 1e-9; out_mm += pitch) {
                    double edge = across_y ? (side ? box.y + box.h + out_mm : box.y - out_mm)
                                           : (side ? box.x + box.w + out_mm : box.x - out_mm);
                    across = unprinted_ink(scan, t, levels, mask, out, across_y ? along : edge,
                                           across_y ? edge : along, ink);
                }
                if (!across)
                    continue;
                if (isnan(first[side]))
                    first[side] = along;
                last[side] = along;
            }
        if (isnan(first[0]) || isnan(first[1]))
            continue;
        /* the two sides' inked stretches come within THROUGH_LEVEL_MM */
        if (first[0] <= last[1] + THROUGH_LEVEL_MM && first[1] <= last[0] + THROUGH_LEVEL_MM)
            return 1;
    }
    return 0;
}

void measure_shape(const omr_image *scan, const page_transform *t, const page_levels *levels,
                   const print_mask *mask, omr_rect box, box_measure *out) {
    assert(scan && t && levels && out && t->px_per_mm > 0);
    out->compact = 0;
    out->ink_span = 0;
    out->ink_width_mm = 0;
    out->ink_axis_deg = 0;
    out->ink_x_mm = out->ink_y_mm = 0;
    out->stroke_mm = 0;
    out->ink_pieces = 0;
    out->struck_through = 0;
    double range = levels->white - levels->black;
    double side = fmin(box.w, box.h) - 2 * SHAPE_INSET_MM;
    if (range <= 0 || side <= 0)
        return;
    double pitch = fmax(1.0 / t->px_per_mm, 0.12);
    double x0 = box.x + SHAPE_INSET_MM, y0 = box.y + SHAPE_INSET_MM;
    double x1 = box.x + box.w - SHAPE_INSET_MM, y1 = box.y + box.h - SHAPE_INSET_MM;
    double n = 0, sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
    /* which samples are ink, for the strokes' edges (a box wider than the
     * grid has its edges counted over the grid's part only) */
    uint8_t ink[STROKE_GRID][STROKE_GRID];
    memset(ink, 0, sizeof ink);
    int row = 0, cols = 0;
    for (double y = y0; y < y1; y += pitch, row++) {
        int col = 0;
        for (double x = x0; x < x1; x += pitch, col++) {
            if (!unprinted_ink(scan, t, levels, mask, out, x, y, INK_DARKNESS))
                continue;
            if (row < STROKE_GRID && col < STROKE_GRID)
                ink[row][col] = 1;
            double u = x - x0, v = y - y0;
            n++;
            sx += u;
            sy += v;
            sxx += u * u;
            syy += v * v;
            sxy += u * v;
        }
        cols = col > cols ? col : cols;
    }
    /* looked for round every box: on a page whose print bleeds past the
     * mask, empty boxes show it too (decide_struck_through). Against the
     * paper round the box, as its fill and its ink near are: on a page
     * shaded across, the page's paper is darker than a bright side's, and
     * a pencil line there is no ink against it (held-out 4201 AYOAGRA5 q2d,
     * 0N504VTD q4c: pencil crosses struck through, read as the cross) */
    page_levels own = {out->paper_white > levels->black ? out->paper_white : levels->white, levels->black};
    double strike_ink = out->darkness > 0 ? fmin(INK_DARKNESS, STRIKE_OF_MARK * out->darkness) : INK_DARKNESS;
    out->struck_through = struck_through(scan, t, &own, mask, box, out, pitch, strike_ink);
    if (n < SHAPE_MIN_SAMPLES)
        return;
    /* the strokes' width: twice their area over their outline's length
     * (a stroke w wide and L long: 2wL / 2L); a trace broken into specks
     * is all outline */
    int rows = row < STROKE_GRID ? row : STROKE_GRID;
    cols = cols < STROKE_GRID ? cols : STROKE_GRID;
    long inked = 0, edges = 0;
    for (int r = 0; r < rows; r++)
        for (int c = 0; c < cols; c++) {
            if (!ink[r][c])
                continue;
            inked++;
            edges += (r == 0 || !ink[r - 1][c]) + (r == rows - 1 || !ink[r + 1][c]) + (c == 0 || !ink[r][c - 1]) +
                     (c == cols - 1 || !ink[r][c + 1]);
        }
    out->stroke_mm = edges > 0 ? 2.0 * (double)inked * pitch / (double)edges : 0;
    out->ink_pieces = count_pieces(ink, rows, cols);
    double mx = sx / n, my = sy / n;
    double cxx = sxx / n - mx * mx, cyy = syy / n - my * my, cxy = sxy / n - mx * my;
    /* a sample stands for a pitch x pitch cell: its own spread is pitch^2/12 */
    cxx += pitch * pitch / 12;
    cyy += pitch * pitch / 12;
    double det = cxx * cyy - cxy * cxy;
    if (det <= 0)
        return;
    double area = n * pitch * pitch;
    out->compact = area / (4 * M_PI * sqrt(det));
    double mean = (cxx + cyy) / 2, dev = sqrt(fmax(0, (cxx - cyy) * (cxx - cyy) / 4 + cxy * cxy));
    out->ink_span = 4 * sqrt(mean + dev) / side;
    /* across the long axis: a uniform stroke of width w has variance w^2/12 */
    out->ink_width_mm = sqrt(12 * fmax(0, mean - dev));
    /* the long axis's angle to the page's x axis, 0..90 degrees either way */
    double angle = 0.5 * atan2(2 * cxy, cxx - cyy) * 180 / M_PI;
    out->ink_axis_deg = fabs(angle);
    out->ink_x_mm = x0 + mx + out->dx_mm;
    out->ink_y_mm = y0 + my + out->dy_mm;
}
