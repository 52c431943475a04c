/*
 * common.h — the few types every stage of the omr pipeline shares.
 *
 *   omr_error   a message a mailroom operator can act on; library code fills it
 *               and returns a status instead of printing or exiting.
 *   omr_image   an 8-bit grey raster (0 = black ink, 255 = white paper) with its
 *               resolution; every decoded page becomes one of these.
 *   omr_point / omr_rect   geometry, in millimetres on the template or in
 *               pixels on a scan (the name of the variable says which).
 */
#ifndef OMR_COMMON_H
#define OMR_COMMON_H

#include <stddef.h>
#include <stdint.h>

#define OMR_ERROR_SIZE 512

typedef struct {
    char message[OMR_ERROR_SIZE];
} omr_error;

/* Status codes returned by library functions. */
enum {
    OMR_OK = 0,
    OMR_ERR_IO = -1,       /* file missing, unreadable, disk full */
    OMR_ERR_FORMAT = -2,   /* not an image we read, or corrupt */
    OMR_ERR_INVALID = -3,  /* input parsed but makes no sense (template errors, absurd sizes) */
    OMR_ERR_NOT_FOUND = -4,/* something expected on the page is absent (QR, fiducials) */
    OMR_ERR_MEMORY = -5,
};

/* Fill err->message printf-style; returns `status` so callers can
 * `return omr_fail(err, OMR_ERR_IO, "...", ...)`. err may be NULL. */
int omr_fail(omr_error *err, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

typedef struct {
    int width, height;  /* pixels */
    int stride;         /* bytes per row, >= width */
    uint8_t *pixels;    /* owned; row-major grey, 0 black .. 255 white */
    double dpi;         /* dots per inch (x and y are equal after decode) */
} omr_image;

/* Allocates an image filled with `fill`; NULL when out of memory. */
omr_image *omr_image_new(int width, int height, double dpi, uint8_t fill);
/* The same with the pixels left as allocated, for a decoder that writes
 * every pixel before the image is used (or frees it); NULL when out of memory. */
omr_image *omr_image_new_uninit(int width, int height, double dpi);
void omr_image_free(omr_image *image);
/* Copy of the rectangle (clipped to the image); NULL if it is empty. */
omr_image *omr_image_crop(const omr_image *image, int x, int y, int w, int h);
/* The image turned by quarter turns clockwise (0..3). */
omr_image *omr_image_rotate_quarter(const omr_image *image, int quarter_turns);

static inline uint8_t omr_image_at(const omr_image *image, int x, int y) {
    return image->pixels[(size_t)y * (size_t)image->stride + (size_t)x];
}

typedef struct {
    double x, y;
} omr_point;

typedef struct {
    double x, y, w, h; /* top-left corner and size */
} omr_rect;

/* 1 when rectangles a and b share some area (touching edges do not). */
static inline int omr_rects_meet(omr_rect a, omr_rect b) {
    return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}

/* Millimetres to pixels at `dpi`. */
static inline double omr_mm_to_px(double mm, double dpi) { return mm * dpi / 25.4; }
/* v held to 0..1 */
static inline double omr_clamp01(double v) { return v < 0 ? 0 : v > 1 ? 1 : v; }

/* Finds a data file "<folder>/<name>.cfg": `name` itself if it is a file,
 * else in $<env_var>, ./<folder>, <folder> beside the executable's parent
 * (a build tree: build/omr -> ./<folder>), OMR_SHARE_DIR/<folder> (where
 * make install put them), and PREFIX/share/omr/<folder> beside PREFIX/bin/omr
 * (an installed tree not at its PREFIX, as under a DESTDIR).
 * Returns a malloc'd path or NULL. */
char *omr_find_data_file(const char *folder, const char *env_var, const char *name);

/* strdup that tolerates NULL. */
char *omr_strdup(const char *s);

/* Grows *items (of `size` bytes each, *cap of them) to hold `need`, doubling
 * from 256; 1, or 0 when out of memory (*items and *cap as they were). */
int omr_grow_array(void **items, size_t *cap, size_t need, size_t size);

/* qsort's comparisons of doubles and of ints, ascending. */
int omr_cmp_double(const void *a, const void *b);
int omr_cmp_int(const void *a, const void *b);

/* Sorts values[0..n) ascending (n > 0) and returns values[n / 2]: the
 * median, the upper of the middle two for an even n. */
double omr_sort_middle(double *values, size_t n);
/* ... and returns values[(n - 1) / 2]: the lower of the middle two for an
 * even n (of two values, the smaller) */
double omr_sort_lower_middle(double *values, size_t n);

/* The `cap` nearest items seen so far, nearest first: dist[0..*n) ascending
 * and items (item_size bytes each) beside them. Offers `item` at distance d:
 * kept in its place when nearer than the farthest kept (or while fewer than
 * cap are kept), the farthest then dropped. */
void omr_keep_nearest(double *dist, void *items, size_t item_size, int *n, int cap, double d, const void *item);

#endif
