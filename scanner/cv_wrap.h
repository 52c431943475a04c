/*
 * cv_wrap.h — the thin C interface over the few OpenCV operations omr uses
 * (OpenCV 4 has no C API). Everything takes and returns omr_image or plain
 * arrays; no OpenCV type leaks into the C code. Functions return OMR_OK or
 * OMR_ERR_* and never throw.
 */
#ifndef OMR_CV_WRAP_H
#define OMR_CV_WRAP_H

#ifdef __cplusplus
extern "C" {
#endif

#include "common.h"

/* An affine map x' = m[0]x + m[1]y + m[2], y' = m[3]x + m[4]y + m[5]. */
typedef struct {
    double m[6];
} cvw_affine;

/* Least-squares affine map from n >= 3 point pairs; OMR_ERR_INVALID when the
 * points are degenerate (collinear). */
int cvw_fit_affine(const omr_point *from, const omr_point *to, int n, cvw_affine *out);

/* Projective map (3x3, row-major, h[8] = 1) from n >= 4 point pairs. */
int cvw_fit_homography(const omr_point *from, const omr_point *to, int n, double h[9]);

/* out = in warped by `forward` (which maps in-pixels to out-pixels), bilinear,
 * with white outside. out must be allocated by the caller. */
int cvw_warp_affine(const omr_image *in, omr_image *out, const cvw_affine *forward);

/* out = in warped by the 3x3 `forward` homography (in-pixels to out-pixels),
 * bilinear, white outside. */
int cvw_warp_perspective(const omr_image *in, omr_image *out, const double forward[9]);

/* Gaussian blur in place with standard deviation sigma (pixels). */
int cvw_gaussian_blur(omr_image *image, double sigma);

/* Median filter in place over a `size` x `size` window (odd): removes scanner
 * speckle (isolated dots) while keeping strokes. */
int cvw_median_blur(omr_image *image, int size);

/* New image scaled by `factor` with area interpolation (down) or linear (up). */
omr_image *cvw_resize(const omr_image *in, double factor);

/* Otsu's threshold of the rectangle of `image` (clipped); -1 if empty. */
int cvw_otsu_threshold(const omr_image *image, int x, int y, int w, int h);

typedef struct {
    int x, y, w, h;      /* bounding box, pixels */
    int area;            /* ink pixels */
    double cx, cy;       /* centroid */
} cvw_blob;

/* Connected components of pixels darker than `threshold` inside the rectangle
 * (8-connected). Fills up to max_blobs, returns how many were found (>= 0) or
 * OMR_ERR_*. Coordinates are in the full image. */
int cvw_find_blobs(const omr_image *image, int x, int y, int w, int h, int threshold,
                   cvw_blob *blobs, int max_blobs);

#ifdef __cplusplus
}
#endif

#endif
