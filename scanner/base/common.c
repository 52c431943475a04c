/*
 * common.c — errors, grey images and small helpers shared by every stage.
 */
#include "base/common.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int omr_fail(omr_error *err, int status, const char *fmt, ...) {
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->message, sizeof err->message, fmt, ap);
        va_end(ap);
    }
    return status;
}

char *omr_strdup(const char *s) {
    if (!s)
        return NULL;
    size_t n = strlen(s) + 1;
    char *copy = malloc(n);
    if (copy)
        memcpy(copy, s, n);
    return copy;
}

omr_image *omr_image_new(int width, int height, double dpi, uint8_t fill) {
    omr_image *image = omr_image_new_uninit(width, height, dpi);
    if (image)
        memset(image->pixels, fill, (size_t)width * (size_t)height);
    return image;
}

omr_image *omr_image_new_uninit(int width, int height, double dpi) {
    if (width <= 0 || height <= 0)
        return NULL;
    omr_image *image = calloc(1, sizeof *image);
    if (!image)
        return NULL;
    image->width = width;
    image->height = height;
    image->stride = width;
    image->dpi = dpi;
    image->pixels = malloc((size_t)width * (size_t)height);
    if (!image->pixels) {
        free(image);
        return NULL;
    }
    return image;
}

void omr_image_free(omr_image *image) {
    if (!image)
        return;
    free(image->pixels);
    free(image);
}

omr_image *omr_image_crop(const omr_image *image, int x, int y, int w, int h) {
    int x0 = x < 0 ? 0 : x, y0 = y < 0 ? 0 : y;
    int x1 = x + w > image->width ? image->width : x + w;
    int y1 = y + h > image->height ? image->height : y + h;
    if (x1 <= x0 || y1 <= y0)
        return NULL;
    /* clipped to the image: every row is copied whole, no fill first */
    omr_image *out = omr_image_new_uninit(x1 - x0, y1 - y0, image->dpi);
    if (!out)
        return NULL;
    for (int row = y0; row < y1; row++)
        memcpy(out->pixels + (size_t)(row - y0) * (size_t)out->stride,
               image->pixels + (size_t)row * (size_t)image->stride + (size_t)x0, (size_t)(x1 - x0));
    return out;
}

omr_image *omr_image_rotate_quarter(const omr_image *image, int quarter_turns) {
    int q = ((quarter_turns % 4) + 4) % 4;
    int w = image->width, h = image->height;
    omr_image *out = (q % 2) ? omr_image_new(h, w, image->dpi, 255) : omr_image_new(w, h, image->dpi, 255);
    if (!out)
        return NULL;
    for (int y = 0; y < h; y++) {
        const uint8_t *src = image->pixels + (size_t)y * (size_t)image->stride;
        for (int x = 0; x < w; x++) {
            int nx, ny;
            switch (q) {
            case 0: nx = x; ny = y; break;
            case 1: nx = h - 1 - y; ny = x; break;          /* clockwise */
            case 2: nx = w - 1 - x; ny = h - 1 - y; break;
            default: nx = y; ny = w - 1 - x; break;         /* counter-clockwise */
            }
            out->pixels[(size_t)ny * (size_t)out->stride + (size_t)nx] = src[x];
        }
    }
    return out;
}

static int is_file(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

char *omr_find_data_file(const char *folder, const char *env_var, const char *name) {
    if (is_file(name))
        return omr_strdup(name);
    char exe[4096], beside[4096 + 16] = "";
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = 0;
        char *slash = strrchr(exe, '/');
        if (slash) {
            *slash = 0; /* the executable's folder */
            slash = strrchr(exe, '/');
            if (slash)
                *slash = 0; /* its parent */
            snprintf(beside, sizeof beside, "%s", exe);
        }
    }
    char share[4096], installed[sizeof beside + 16] = "";
    snprintf(share, sizeof share, "%s", OMR_SHARE_DIR);
    if (*beside) /* an installed tree moved as a whole (make install DESTDIR=...): PREFIX/bin/omr */
        snprintf(installed, sizeof installed, "%s/share/omr", beside);
    const char *roots[] = {getenv(env_var), ".", beside, share, installed};
    for (size_t i = 0; i < sizeof roots / sizeof roots[0]; i++) {
        if (!roots[i] || !*roots[i])
            continue;
        char path[8400];
        if (i == 0)
            snprintf(path, sizeof path, "%s/%s.cfg", roots[i], name);
        else if (i == 1)
            snprintf(path, sizeof path, "%s/%s.cfg", folder, name);
        else
            snprintf(path, sizeof path, "%s/%s/%s.cfg", roots[i], folder, name);
        if (is_file(path))
            return omr_strdup(path);
    }
    return NULL;
}

int omr_cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int omr_cmp_int(const void *a, const void *b) {
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

double omr_sort_middle(double *values, size_t n) {
    assert(values && n > 0);
    qsort(values, n, sizeof *values, omr_cmp_double);
    return values[n / 2];
}

int omr_grow_array(void **items, size_t *cap, size_t need, size_t size) {
    assert(items && cap && size > 0);
    if (need <= *cap)
        return 1;
    size_t cap2 = *cap ? *cap * 2 : 256;
    while (cap2 < need)
        cap2 *= 2;
    void *grown = realloc(*items, cap2 * size);
    if (!grown)
        return 0;
    *items = grown;
    *cap = cap2;
    return 1;
}

double omr_sort_lower_middle(double *values, size_t n) {
    assert(values && n > 0);
    qsort(values, n, sizeof *values, omr_cmp_double);
    return values[(n - 1) / 2];
}

void omr_keep_nearest(double *dist, void *items, size_t item_size, int *n, int cap, double d, const void *item) {
    assert(dist && items && n && item && cap > 0 && *n >= 0 && *n <= cap);
    int at = *n;
    while (at > 0 && dist[at - 1] > d)
        at--;
    if (at >= cap)
        return;
    int keep = *n < cap ? *n : cap - 1; /* the kept items at and after `at` that stay */
    unsigned char *bytes = items;
    memmove(dist + at + 1, dist + at, (size_t)(keep - at) * sizeof *dist);
    memmove(bytes + (size_t)(at + 1) * item_size, bytes + (size_t)at * item_size, (size_t)(keep - at) * item_size);
    dist[at] = d;
    memcpy(bytes + (size_t)at * item_size, item, item_size);
    if (*n < cap)
        (*n)++;
}
