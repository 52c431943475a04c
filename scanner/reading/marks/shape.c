/*
 * shape.c — a dot or strokes (shape.h). The interior of the box (inset past
 * its printed outline) is sampled once per scan pixel; its ink pixels give
 * an area and second moments. The ellipse with the same moments has area
 * 4*pi*sqrt(det) of the covariance: a compact blob fills it, strokes do not.
 * A bleeding 1-bit scan swells a dot until its fill and extent pass for a
 * cross; its compactness stays that of a dot, so decide can still ask for a
 * person (a lone dot is ambiguous) instead of reading a cross.
 */
#include "reading/marks/shape.h"

#include <assert.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#define SHAPE_INSET_MM 0.8   /* the printed outline (0.35 mm) and its blur */
#define SHAPE_INK 0.18       /* darkness above which a sample is ink (as measure.c) */
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
            if (printed_at(mask, x, y))
                continue;
            omr_point p = locate_map(t, x + out->dx_mm, y + out->dy_mm);
            if (p.x < 0 || p.y < 0 || p.x >= scan->width || p.y >= scan->height)
                continue;
            double dark = (levels->white - omr_image_at(scan, (int)p.x, (int)p.y)) / range;
            if (dark <= SHAPE_INK)
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
