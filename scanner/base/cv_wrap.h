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

#include "base/common.h"

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

/* A copy of `in` with black grown (thin_black = 0) or shrunk (thin_black =
 * 1) by `r` pixels: a square min filter, or max filter when thin_black, of
 * side 2r + 1, its window clipped at the edges (a 1-bit scan with a dark
 * threshold grows every module of a code into its neighbours; shrinking the
 * black by as much gives them back). OpenCV's vectorised running filter: a
 * fraction of the work of the plain loops on a large window (tests/
 * test_identify.c holds those loops as the definition). NULL when out of
 * memory. */
omr_image *cvw_morph_square(const omr_image *in, int r, int thin_black);

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

/* ---- features, for registering a page against its blank copy ----------------- */

/* Keypoints and binary descriptors of an image (ORB), opaque to C. */
typedef struct cvw_features cvw_features;

/* Finds up to `max_features` ORB features, spread over the image (a grid of
 * cells each keeps its strongest); NULL when out of memory. */
cvw_features *cvw_features_detect(const omr_image *image, int max_features);
/* Every k-th of `features`, at most `n` of them (so still spread over the
 * image, as detect left them): a cheap first comparison. NULL when out of
 * memory. */
cvw_features *cvw_features_sample(const cvw_features *features, int n);
void cvw_features_free(cvw_features *features);
int cvw_features_count(const cvw_features *features);
/* The features as plain arrays, to be kept in a cache and made again
 * (reading/look/cache.c): 4 floats a feature (x, y, size, angle) and
 * cvw_features_bytes descriptor bytes a feature. import returns NULL when out
 * of memory. */
int cvw_features_bytes(const cvw_features *features);
void cvw_features_export(const cvw_features *features, float *points, uint8_t *descriptors);
cvw_features *cvw_features_import(int n, int bytes, const float *points, const uint8_t *descriptors);

/* Matches `from` to `to` (nearest neighbour with Lowe's ratio test, both
 * ways) and fits a homography with RANSAC (`ransac_px` in `to` pixels),
 * refined on its inliers. h maps from-pixels to to-pixels (row-major,
 * h[8] = 1). Returns the number of inliers (0 when no map was found) or
 * OMR_ERR_*. */
int cvw_features_homography(const cvw_features *from, const cvw_features *to, double ransac_px,
                            double h[9]);
/* The same, but 0 at once (no RANSAC) when fewer than `min_pairs` features
 * pair up: the map could not have that many inliers. */
int cvw_features_homography_min(const cvw_features *from, const cvw_features *to, double ransac_px,
                                int min_pairs, double h[9]);
/* How many features of `from` and `to` are each other's distinctive nearest
 * match (as cvw_features_homography pairs them), without fitting a map: a
 * cheap likeness of two pages. >= 0, or OMR_ERR_*. */
int cvw_features_agreeing(const cvw_features *from, const cvw_features *to);
/* Of those pairs, the most that one similarity (a turn, a scale, a shift)
 * puts within `tol_px` of their partners: a likeness that pages of one
 * maker sharing headers and letters score low on, as their other pairs lie
 * anywhere. >= 0, or OMR_ERR_*. */
int cvw_features_placed(const cvw_features *from, const cvw_features *to, double tol_px);

/* ---- shapes, for finding check boxes on a blank form ------------------------------ */

typedef struct {
    int x, y, w, h;       /* bounding box of the outer contour, pixels */
    double area;          /* area inside the outer contour (holes included), px^2 */
    double ink;           /* ink pixels of the component */
    double cx, cy;        /* centre of gravity of the ink */
    int n_holes;          /* holes of at least 4 px^2 */
    int hx, hy, hw, hh;   /* bounding box of the largest hole */
    double hole_area;     /* area of the largest hole */
    int hole_children;    /* components inside the largest hole (text in a field) */
    int vertices;         /* corners of the outer contour, simplified to 4% of its length */
} cvw_shape;

/* The connected components of pixels darker than `threshold` (8-connected),
 * with their holes. Fills up to max_shapes; returns how many there are
 * (possibly more than max_shapes) or OMR_ERR_*. */
int cvw_find_shapes(const omr_image *image, int threshold, cvw_shape *shapes, int max_shapes);

#ifdef __cplusplus
}
#endif

#endif
