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

typedef struct {
    cvw_affine to_image;     /* template mm -> scan px: the best affine fit */
    /* template mm -> scan px as a projective map (row-major 3x3, [8] = 1):
     * the same as to_image unless four marks show perspective (a sheet pulled
     * unevenly by a feeder, a photo); every measurement maps through this */
    double homography[9];
    int projective;          /* homography has perspective terms */
    double px_per_mm;        /* sqrt(|det|) of to_image */
    int fiducials_found;     /* 3 or 4 */
    int fiducial_missing;    /* index 0..3 of the mark not found, or -1 */
    double residual_mm;      /* worst fit error over the marks used (0 with 3) */
    int quarter_turns;       /* 0..3: how the page lies in the scan, clockwise */
    omr_point fiducial_px[4];/* where each mark was found (if found) */
} page_transform;

/* (x, y) through the projective map h (row-major 3x3). */
static inline omr_point page_map_point(const double h[9], double x, double y) {
    double w = h[6] * x + h[7] * y + h[8];
    omr_point p = {(h[0] * x + h[1] * y + h[2]) / w, (h[3] * x + h[4] * y + h[5]) / w};
    return p;
}

/* Template mm to scan px through the page's transform. */
static inline omr_point locate_map(const page_transform *t, double x_mm, double y_mm) {
    return page_map_point(t->homography, x_mm, y_mm);
}

/* Every entry of the map finite (SQLite's habit: assert what must hold). */
static inline int page_map_is_finite(const double h[9]) {
    for (int i = 0; i < 9; i++)
        if (!isfinite(h[i]))
            return 0;
    return 1;
}

#endif
