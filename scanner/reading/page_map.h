/*
 * page_map.h — how a page lies on its scan: the map from template millimetres
 * to scan pixels that locate (omr's forms) and register (forms omr did not
 * print) hand on to measure and ocr. Only types and inline arithmetic, so
 * every reading stage can include it without including another stage.
 */
#ifndef OMR_PAGE_MAP_H
#define OMR_PAGE_MAP_H

#include <math.h>

#include "base/common.h"
#include "base/cv_wrap.h"

/* A region of the page (a question's boxes) whose printed outlines lie off
 * the global map: paper that curls near a spine, rollers that stretch it
 * unevenly, a lens's barrel, a sheet photographed at an angle. Found by
 * locate_local (locate.c) from the box outlines actually seen. */
#define PAGE_LOCAL_MAX 64
typedef struct {
    omr_rect area;           /* template mm: the boxes' bounding box */
    double dx_mm, dy_mm;     /* where its print is, against the global map (template mm) */
    int unsure;              /* its print could not be found: its boxes go to review */
} page_local;

typedef struct {
    cvw_affine to_image;     /* template mm -> scan px: the best affine fit */
    /* template mm -> scan px as a projective map (row-major 3x3, [8] = 1):
     * the same as to_image unless four marks show perspective (a sheet pulled
     * unevenly by a feeder, a photo); every measurement maps through this */
    double homography[9];
    int projective;          /* homography has perspective terms */
    double px_per_mm;        /* sqrt(|det|) of to_image */
    int fiducials_found;     /* 2 (the rest off a cut scan, or covered), 3 or 4 */
    int fiducial_missing;    /* index 0..3 of the mark not found, or -1 */
    int fiducials_covered;   /* 2 found: how many of the other two lie on the scan (covered, torn) */
    double residual_mm;      /* worst fit error over the marks used (0 with 3) */
    int quarter_turns;       /* 0..3: how the page lies in the scan, clockwise */
    omr_point fiducial_px[4];/* where each mark was found (if found) */
    int n_local;             /* regions that need their own correction (most pages: 0) */
    page_local local[PAGE_LOCAL_MAX];
} page_transform;

/* (x, y) through the projective map h (row-major 3x3). */
static inline omr_point page_map_point(const double h[9], double x, double y) {
    double w = h[6] * x + h[7] * y + h[8];
    omr_point p = {(h[0] * x + h[1] * y + h[2]) / w, (h[3] * x + h[4] * y + h[5]) / w};
    return p;
}

/* Is scan pixel (px, py) on a scan of width x height? */
static inline int page_px_on_scan(double px, double py, int width, int height) {
    return px >= 0 && py >= 0 && px < width && py < height;
}

/* Template mm to scan px through the page's transform. */
static inline omr_point locate_map(const page_transform *t, double x_mm, double y_mm) {
    return page_map_point(t->homography, x_mm, y_mm);
}

/* t with template (x, y) read at (x + dx, y + dy): H * translate(dx, dy),
 * whose column 2 picks up H's first two columns (the last row keeps its
 * form, so an affine map stays affine). */
static inline void page_map_shifted(const page_transform *t, double dx_mm, double dy_mm, page_transform *out) {
    *out = *t;
    const double *h = t->homography;
    out->homography[2] = h[0] * dx_mm + h[1] * dy_mm + h[2];
    out->homography[5] = h[3] * dx_mm + h[4] * dy_mm + h[5];
    out->homography[8] = h[6] * dx_mm + h[7] * dy_mm + h[8];
    const double *m = t->to_image.m;
    out->to_image.m[2] = m[0] * dx_mm + m[1] * dy_mm + m[2];
    out->to_image.m[5] = m[3] * dx_mm + m[4] * dy_mm + m[5];
}

/* The region of t's local corrections that holds the centre of `box`
 * (template mm), or NULL. */
static inline const page_local *page_map_local_of(const page_transform *t, omr_rect box) {
    double cx = box.x + box.w / 2, cy = box.y + box.h / 2;
    for (int i = 0; i < t->n_local; i++) {
        const page_local *l = &t->local[i];
        if (!(cx < l->area.x || cy < l->area.y || cx > l->area.x + l->area.w || cy > l->area.y + l->area.h))
            return l;
    }
    return NULL;
}

/* The transform for a box at `box` (template mm): the global one, shifted
 * by the correction of the region that holds the box's centre, if any (a
 * translation in template mm: the last row of the map keeps its form, so an
 * affine map stays affine). Returns 1 when that region's registration is
 * unsure (its boxes must not be read silently), else 0. */
static inline int page_map_for_box(const page_transform *t, omr_rect box, page_transform *out) {
    *out = *t;
    const page_local *l = page_map_local_of(t, box);
    if (!l)
        return 0;
    if (l->unsure)
        return 1;
    page_map_shifted(t, l->dx_mm, l->dy_mm, out);
    return 0;
}

/* Does `r` (template mm), grown by `margin_mm`, lie wholly on a scan of
 * width x height pixels under map t? Its four corners are mapped; a box
 * whose surroundings run off a cut or folded-away edge is not on the page,
 * and what is not on the page must not be read as blank paper. */
static inline int page_map_rect_on_scan(const page_transform *t, omr_rect r, double margin_mm, int width,
                                        int height) {
    const double xs[2] = {r.x - margin_mm, r.x + r.w + margin_mm}, ys[2] = {r.y - margin_mm, r.y + r.h + margin_mm};
    for (int i = 0; i < 4; i++) {
        omr_point p = locate_map(t, xs[i & 1], ys[i >> 1]);
        if (!(p.x >= 0 && p.y >= 0 && p.x < width && p.y < height))
            return 0;
    }
    return 1;
}

/* Every entry of the map finite (SQLite's habit: assert what must hold). */
static inline int page_map_is_finite(const double h[9]) {
    for (int i = 0; i < 9; i++)
        if (!isfinite(h[i]))
            return 0;
    return 1;
}

#endif
