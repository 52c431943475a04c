/*
 * qr_grid.c — omr's QR code read from its module grid (qr_grid.h), for a
 * page whose code zbar could not read on the scan but which was located by
 * its look (its corner marks and its print).
 *
 * A dark 1-bit threshold grows every black module into the white around it:
 * zbar's edge finder then sees no 1:1:3:1:1 finder ratios. The middle of each
 * module keeps its colour longest. So: the symbol's ink is found in the code
 * square (its bounding box, grown by the bleed on every side, keeps its
 * centre); for each symbol size a login code gives (21 to 33 modules) the
 * grid is laid from that centre at the template's module size; each
 * module's middle is sampled; the threshold is the one under which the
 * modules every QR code has (finder patterns, separators, timing rows) come
 * out right; and the bits are drawn again as a clean symbol for zbar (those
 * known modules as they must be, so a blotted finder pattern is whole again), whose
 * error correction (omr prints level H) mends the modules still wrong. The
 * payload's check character (forms/code.c) catches a wrong read.
 */
#include "reading/code/qr_grid.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <zbar.h>

#define QUIET_MODULES 2  /* forms/draw.c's white modules inside the code square */
#define MIN_MODULES 21   /* version 1 */
#define MAX_MODULES 33   /* version 4: a payload of up to 50 bytes at level H */
#define DRAW_PX 4        /* pixels per module of the re-drawn symbol */
#define DRAW_QUIET 4     /* its quiet zone, modules */
#define CENTRE_SHARE 0.2 /* the module's middle: this share of a module either way */

/* Grey at template point (x, y) mm, bilinear between scan pixels; white
 * off the scan. */
static double sample(const omr_image *scan, const page_transform *tr, double x, double y) {
    omr_point p = locate_map(tr, x, y);
    double fx = p.x - 0.5, fy = p.y - 0.5;
    int x0 = (int)floor(fx), y0 = (int)floor(fy);
    if (x0 < 0 || y0 < 0 || x0 + 1 >= scan->width || y0 + 1 >= scan->height)
        return 255;
    double ax = fx - x0, ay = fy - y0;
    return (1 - ay) * ((1 - ax) * omr_image_at(scan, x0, y0) + ax * omr_image_at(scan, x0 + 1, y0)) +
           ay * ((1 - ax) * omr_image_at(scan, x0, y0 + 1) + ax * omr_image_at(scan, x0 + 1, y0 + 1));
}

/* Is module (i, j) of an n-module symbol one every QR code has, and if so
 * is it dark (*dark)? Finder patterns with their separators, timing rows. */
static int known_module(int n, int i, int j, int *dark) {
    static const int fx[3] = {0, 1, 0}, fy[3] = {0, 0, 1}; /* top-left, top-right, bottom-left */
    for (int f = 0; f < 3; f++) {
        int cx = fx[f] ? n - 4 : 3, cy = fy[f] ? n - 4 : 3;
        int d = abs(i - cx) > abs(j - cy) ? abs(i - cx) : abs(j - cy);
        if (d <= 4) {
            *dark = d != 2 && d != 4;
            return 1;
        }
    }
    if ((i == 6 && j >= 8 && j < n - 8) || (j == 6 && i >= 8 && i < n - 8)) {
        *dark = (i + j) % 2 == 0;
        return 1;
    }
    return 0;
}

/* The symbol's ink in the code square: the centre of its bounding box in mm
 * (rows and columns with ink over at least a module's length; speckle and
 * the code printed under the square are left out). 0 when there is none. */
static int ink_centre(const omr_image *scan, const omr_template *t, const page_transform *tr, double module,
                      double *cx, double *cy) {
    omr_rect r = t->code_rect;
    double step = module / 4;
    int n = (int)(r.w / step);
    assert(n > 0 && n < 4096);
    int *rows = calloc((size_t)n, sizeof *rows), *cols = calloc((size_t)n, sizeof *cols);
    if (!rows || !cols) {
        free(rows);
        free(cols);
        return 0;
    }
    for (int v = 0; v < n; v++)
        for (int u = 0; u < n; u++)
            if (sample(scan, tr, r.x + (u + 0.5) * step, r.y + (v + 0.5) * step) < 128) {
                rows[v]++;
                cols[u]++;
            }
    int x0 = -1, x1 = -1, y0 = -1, y1 = -1;
    for (int k = 0; k < n; k++) {
        if (cols[k] >= 4) {
            x0 = x0 < 0 ? k : x0;
            x1 = k;
        }
        if (rows[k] >= 4) {
            y0 = y0 < 0 ? k : y0;
            y1 = k;
        }
    }
    free(rows);
    free(cols);
    if (x0 < 0 || y0 < 0)
        return 0;
    *cx = r.x + (x0 + x1 + 1) / 2.0 * step;
    *cy = r.y + (y0 + y1 + 1) / 2.0 * step;
    return 1;
}

/* zbar on the grid `bits` (n x n, 1 = dark) drawn as a clean symbol. */
static int decode_bits(zbar_image_scanner_t *scanner, const unsigned char *bits, int n, code_payload *out) {
    int side = (n + 2 * DRAW_QUIET) * DRAW_PX;
    unsigned char *px = malloc((size_t)side * side);
    if (!px)
        return 0;
    memset(px, 255, (size_t)side * side);
    for (int j = 0; j < n; j++)
        for (int i = 0; i < n; i++)
            if (bits[j * n + i])
                for (int y = 0; y < DRAW_PX; y++)
                    memset(px + (size_t)((DRAW_QUIET + j) * DRAW_PX + y) * side + (DRAW_QUIET + i) * DRAW_PX, 0,
                           DRAW_PX);
    zbar_image_t *zimage = zbar_image_create();
    int ok = 0;
    if (zimage) {
        zbar_image_set_format(zimage, zbar_fourcc('Y', '8', '0', '0'));
        zbar_image_set_size(zimage, (unsigned)side, (unsigned)side);
        zbar_image_set_data(zimage, px, (unsigned long)side * side, NULL);
        if (zbar_scan_image(scanner, zimage) > 0)
            for (const zbar_symbol_t *s = zbar_image_first_symbol(zimage); s && !ok; s = zbar_symbol_next(s)) {
                omr_error perr;
                ok = identify_parse_payload(zbar_symbol_get_data(s), out, &perr) == OMR_OK;
            }
        zbar_image_destroy(zimage);
    }
    free(px);
    return ok;
}

/* The module grid of an n-module symbol centred at (cx, cy) mm, sampled;
 * thresholded where the known modules come out best; decoded. */
static int try_grid(zbar_image_scanner_t *scanner, const omr_image *scan, const page_transform *tr, double module,
                    int n, double cx, double cy, code_payload *out) {
    double grey[MAX_MODULES * MAX_MODULES];
    unsigned char bits[MAX_MODULES * MAX_MODULES];
    int hist_dark[256] = {0}, hist_light[256] = {0};
    double d = module * CENTRE_SHARE;
    for (int j = 0; j < n; j++)
        for (int i = 0; i < n; i++) {
            double x = cx + (i + 0.5 - n / 2.0) * module, y = cy + (j + 0.5 - n / 2.0) * module;
            /* the lightest point of the module's middle: bleed leaves a
             * white module white only there, and a black one is black
             * all through */
            double g = 0;
            for (int dy = -1; dy <= 1; dy++)
                for (int dx = -1; dx <= 1; dx++)
                    g = fmax(g, sample(scan, tr, x + dx * d, y + dy * d));
            grey[j * n + i] = g;
            int dark;
            if (known_module(n, i, j, &dark))
                (dark ? hist_dark : hist_light)[(int)g]++;
        }
    /* the threshold under which the known modules come out best, dark
     * and light weighed alike (bleed turns many light ones dark): dark
     * below it, light at or above it */
    int best_t = 128, dark_below = 0, light_below = 0, light_total = 0, dark_total = 0;
    double best = -1;
    for (int v = 0; v < 256; v++) {
        light_total += hist_light[v];
        dark_total += hist_dark[v];
    }
    if (!light_total || !dark_total)
        return 0;
    for (int t = 1; t < 256; t++) {
        dark_below += hist_dark[t - 1];
        light_below += hist_light[t - 1];
        double right = (double)dark_below / dark_total + (double)(light_total - light_below) / light_total;
        if (right > best) {
            best = right;
            best_t = t;
        }
    }
    /* the modules every code has are drawn as they must be (a blot over a
     * finder pattern hides no data); the rest as sampled */
    for (int j = 0; j < n; j++)
        for (int i = 0; i < n; i++) {
            int dark;
            bits[j * n + i] = known_module(n, i, j, &dark) ? (unsigned char)dark : grey[j * n + i] < best_t;
        }
    return decode_bits(scanner, bits, n, out);
}

int qr_grid_read(const omr_image *scan, const omr_template *t, const page_transform *tr, code_payload *out,
                 omr_error *err) {
    assert(scan && t && tr && out);
    memset(out, 0, sizeof *out);
    zbar_image_scanner_t *scanner = zbar_image_scanner_create();
    if (!scanner)
        return omr_fail(err, OMR_ERR_MEMORY, "out of memory starting the QR code reader (zbar)");
    zbar_image_scanner_set_config(scanner, 0, ZBAR_CFG_ENABLE, 0);
    zbar_image_scanner_set_config(scanner, ZBAR_QRCODE, ZBAR_CFG_ENABLE, 1);
    int ok = 0;
    for (int n = MIN_MODULES; n <= MAX_MODULES && !ok; n += 4) {
        double module = t->code_rect.w / (n + 2 * QUIET_MODULES);
        double cx, cy;
        if (!ink_centre(scan, t, tr, module, &cx, &cy))
            break;
        /* the centre as found, then a quarter module either way */
        static const double jitter[9][2] = {{0, 0},      {.25, 0},  {-.25, 0},  {0, .25},  {0, -.25},
                                            {.25, .25}, {-.25, .25}, {.25, -.25}, {-.25, -.25}};
        for (int k = 0; k < 9 && !ok; k++)
            ok = try_grid(scanner, scan, tr, module, n, cx + jitter[k][0] * module, cy + jitter[k][1] * module,
                          out);
    }
    zbar_image_scanner_destroy(scanner);
    if (!ok)
        return omr_fail(err, OMR_ERR_NOT_FOUND, "the QR code's modules could not be read from its grid either");
    return OMR_OK;
}
