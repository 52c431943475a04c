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

#define SHAPE_INSET_MM 0.8   /* the printed outline (0.35 mm) and its blur */
#define SHAPE_INK 0.18       /* darkness above which a sample is ink (as measure.c) */
#define SHAPE_MIN_SAMPLES 12 /* fewer ink samples than this: no shape to speak of */

static int printed_at(const print_mask *mask, double x, double y) {
    if (!mask || !mask->printed)
        return 0;
    int mx = (int)(x / mask->pitch), my = (int)(y / mask->pitch);
    if (mx < 0 || my < 0 || mx >= mask->width || my >= mask->height)
        return 0;
    return mask->printed[(size_t)my * (size_t)mask->width + (size_t)mx] != 0;
}

void measure_shape(const omr_image *scan, const page_transform *t, const page_levels *levels,
                   const print_mask *mask, omr_rect box, box_measure *out) {
    assert(scan && t && levels && out && t->px_per_mm > 0);
    out->compact = 0;
    out->ink_span = 0;
    out->ink_width_mm = 0;
    out->ink_axis_deg = 0;
    out->ink_x_mm = out->ink_y_mm = 0;
    double range = levels->white - levels->black;
    double side = fmin(box.w, box.h) - 2 * SHAPE_INSET_MM;
    if (range <= 0 || side <= 0)
        return;
    double pitch = fmax(1.0 / t->px_per_mm, 0.12);
    double x0 = box.x + SHAPE_INSET_MM, y0 = box.y + SHAPE_INSET_MM;
    double x1 = box.x + box.w - SHAPE_INSET_MM, y1 = box.y + box.h - SHAPE_INSET_MM;
    double n = 0, sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
    for (double y = y0; y < y1; y += pitch)
        for (double x = x0; x < x1; x += pitch) {
            if (printed_at(mask, x, y))
                continue;
            omr_point p = locate_map(t, x + out->dx_mm, y + out->dy_mm);
            if (p.x < 0 || p.y < 0 || p.x >= scan->width || p.y >= scan->height)
                continue;
            double dark = (levels->white - omr_image_at(scan, (int)p.x, (int)p.y)) / range;
            if (dark <= SHAPE_INK)
                continue;
            double u = x - x0, v = y - y0;
            n++;
            sx += u;
            sy += v;
            sxx += u * u;
            syy += v * v;
            sxy += u * v;
        }
    if (n < SHAPE_MIN_SAMPLES)
        return;
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
