/*
 * locate.h — finds the page's four fiducial marks and the transform from the
 * template (millimetres) to the scan (pixels). The QR code's corners give a
 * first guess of position, turn and scale; each mark is then searched for in a
 * window around its predicted place, and an affine map is fitted to the marks
 * found. One missing or covered mark is survived (three fix an affine map).
 * Hands the transform on to measure.
 */
#ifndef OMR_LOCATE_H
#define OMR_LOCATE_H

#include "base/common.h"
#include "base/cv_wrap.h"
#include "reading/identify.h"
#include "forms/template.h"

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

int locate_page(const omr_image *scan, const omr_template *tmpl, const page_identity *identity,
                page_transform *out, omr_error *err);

static inline omr_point locate_map(const page_transform *t, double x_mm, double y_mm) {
    const double *h = t->homography;
    double w = h[6] * x_mm + h[7] * y_mm + h[8];
    omr_point p = {(h[0] * x_mm + h[1] * y_mm + h[2]) / w, (h[3] * x_mm + h[4] * y_mm + h[5]) / w};
    return p;
}

#endif
