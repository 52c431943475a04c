/*
 * measure.c — box ink, measured in the box's own frame.
 *
 * A box and a margin around it are resampled from the scan into a small
 * "patch" aligned with the template (one sample per scan pixel), as darkness
 * 0 (paper) .. 1 (black print). In the patch the outline is found by
 * projections: the pair of columns (rows) a box-width apart with the most
 * darkness are its vertical (horizontal) edges. The interior, inset past the
 * outline, gives fill and extent; a ring outside gives the halo. Where the
 * scan shows a printed line inside that interior, along a whole side (a thick
 * outline, a box printed larger or smaller than the template, a re-centring
 * that fell short), the interior starts past it.
 */
#include "reading/measure.h"
#include "reading/marks/label.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define SEARCH_MM 1.2       /* how far the outline may be from its predicted place */
#define LINE_REACH_MM 0.5   /* a printed line this far inside the interior is still the outline's */
#define LINE_COVER 0.8      /* ... when inked along this share of the box's side */
#define LINE_PAPER 0.5      /* ... and the next line inward along less than this */
#define LINE_RAGGED 2       /* ... or along less than LINE_COVER on at most this many lines (a ragged edge) */
#define LINE_BLUR_MM 0.2    /* the interior then starts this far past it (its blur) */
#define NEAR_PITCH_MM 0.15  /* sampling pitch of the zone around a box */
#define HALO_MM 0.4         /* ink this close to the (grown) print lies where a bleeding print swells */
#define LINE_BAND_MARGIN_MM 0.3 /* a crease's band (near_line), and this either side: its blurred edge */
#define PAPER_FROM_MM 0.6   /* the paper round a box: from this far off its edge (past a bleeding outline) */
#define PAPER_MIN_SAMPLES 20 /* ... on a side with at least this many samples */
#define FAINT_INK 0.09      /* darkness above which a sample may be very light pencil (below INK_DARKNESS) */

/* The grey level at which the samples counted from 255 down reach num/den
 * of `total`, among levels `from` and up; `from` when they never do. */
static int level_from_light(const int hist[256], int from, int total, int num, int den) {
    for (int v = 255, seen = 0; v >= from; v--)
        if ((seen += hist[v]) * den >= total * num)
            return v;
    return from;
}

void measure_levels(const omr_image *scan, const page_transform *transform, page_levels *out) {
    assert(scan && scan->width > 0 && scan->height > 0);
    assert(transform->px_per_mm > 0 && page_map_is_finite(transform->homography));
    /* paper: the median of a coarse grid (a form is mostly paper);
     * ink: the darkest fiducial centre */
    int hist[256] = {0}, n = 0;
    int step = scan->width / 120 > 1 ? scan->width / 120 : 1;
    for (int y = step / 2; y < scan->height; y += step)
        for (int x = step / 2; x < scan->width; x += step) {
            hist[omr_image_at(scan, x, y)]++;
            n++;
        }
    int white = level_from_light(hist, 0, n, 1, 2);
    double black = 255;
    for (int i = 0; i < 4; i++) {
        if (i == transform->fiducial_missing)
            continue;
        int cx = (int)transform->fiducial_px[i].x, cy = (int)transform->fiducial_px[i].y;
        double sum = 0;
        int count = 0;
        for (int dy = -2; dy <= 2; dy++)
            for (int dx = -2; dx <= 2; dx++) {
                int x = cx + dx, y = cy + dy;
                if (x >= 0 && y >= 0 && x < scan->width && y < scan->height) {
                    sum += omr_image_at(scan, x, y);
                    count++;
                }
            }
        if (count && sum / count < black)
            black = sum / count;
    }
    /* more than half the page darker than halfway from its lightest tenth
     * to the marks: a panel of it black (a fold's shadow a 1-bit scanner
     * turned almost black; seed 8412 --folds S57JHEJY page 1, 55% of it):
     * the paper is the median of what is lighter than that halfway */
    double halfway = (level_from_light(hist, 0, n, 1, 10) + black) / 2;
    int above = (int)floor(halfway) + 1; /* the levels lighter than halfway */
    if (white < halfway && above <= 255) {
        int lighter = 0;
        for (int v = 255; v >= above; v--)
            lighter += hist[v];
        white = level_from_light(hist, above, lighter, 1, 2);
    }
    if (white - black < 60) /* a washed-out scan: do not amplify noise */
        black = white - 60;
    out->white = white;
    out->black = black;
}

typedef struct {
    int w, h;
    float *dark;   /* w*h */
    double white;  /* the paper's grey level around this box */
} patch;

/* The grey levels of [x0, x0+w_mm] x [y0, y0+h_mm] (template mm) at `pitch`
 * mm, their histogram, and the paper's level around the box: the 90th
 * percentile of the patch (mostly paper even when the box is filled), so a
 * page darker at one edge (a vignette, a fold, a shadow) is measured alike.
 * `raw` (w*h) is the caller's to free; NULL when out of memory. */
static uint8_t *patch_grey(patch *p, const omr_image *scan, const page_transform *t, const page_levels *levels,
                           double x0, double y0, double w_mm, double h_mm, double pitch, int hist[256]) {
    p->w = (int)ceil(w_mm / pitch);
    p->h = (int)ceil(h_mm / pitch);
    p->dark = NULL;
    size_t n = (size_t)p->w * (size_t)p->h;
    uint8_t *raw = malloc(n ? n : 1);
    if (!raw)
        return NULL;
    const double *h = t->homography;
    memset(hist, 0, 256 * sizeof *hist);
    uint8_t paper = (uint8_t)levels->white;
    int affine = page_map_is_affine(h);
    for (int j = 0; j < p->h; j++) {
        double ymm = y0 + (j + 0.5) * pitch;
        double px = h[1] * ymm + h[2], py = h[4] * ymm + h[5], pw = h[7] * ymm + h[8];
        uint8_t *row = raw + (size_t)j * (size_t)p->w;
        if (affine) { /* w is 1 exactly: the same pixels without the divisions */
            /* sx and sy are monotone along the row (a product of x and a
             * constant, plus a constant, truncated): when its first and last
             * samples lie on the scan, all do */
            double xa = x0 + 0.5 * pitch, xb = x0 + (p->w - 0.5) * pitch;
            int row_on_scan =
                page_px_on_scan((int)(h[0] * xa + px), (int)(h[3] * xa + py), scan->width, scan->height) &&
                page_px_on_scan((int)(h[0] * xb + px), (int)(h[3] * xb + py), scan->width, scan->height);
            for (int i = 0; i < p->w; i++) {
                double xmm = x0 + (i + 0.5) * pitch;
                int sx = (int)(h[0] * xmm + px), sy = (int)(h[3] * xmm + py);
                uint8_t v = row_on_scan || page_px_on_scan(sx, sy, scan->width, scan->height)
                                ? omr_image_at(scan, sx, sy)
                                : paper;
                row[i] = v;
                hist[v]++;
            }
        } else
            for (int i = 0; i < p->w; i++) {
                double xmm = x0 + (i + 0.5) * pitch;
                double w = h[6] * xmm + pw;
                int sx = (int)((h[0] * xmm + px) / w), sy = (int)((h[3] * xmm + py) / w);
                uint8_t v = page_px_on_scan(sx, sy, scan->width, scan->height)
                                ? omr_image_at(scan, sx, sy)
                                : paper;
                row[i] = v;
                hist[v]++;
            }
    }
    size_t above = 0;
    int white = 255;
    for (; white > 0; white--) {
        above += (size_t)hist[white];
        if (above * 10 >= n)
            break;
    }
    /* never so dark that grey print counts as paper */
    if (white < levels->black + 60)
        white = (int)levels->black + 60;
    p->white = white;
    return raw;
}

/* Darkness 0 (paper) .. 1 (black) of each grey level against the patch's
 * paper: one division per level, not per sample (the same floats). */
static void darkness_table(const patch *p, const page_levels *levels, float table[256]) {
    double range = p->white - levels->black;
    for (int v = 0; v < 256; v++)
        table[v] = (float)omr_clamp01((p->white - v) / range);
}

/* The patch as darkness relative to the paper around the box (patch_grey). */
static int patch_sample(patch *p, const omr_image *scan, const page_transform *t,
                        const page_levels *levels, double x0, double y0, double w_mm, double h_mm,
                        double pitch) {
    int hist[256];
    uint8_t *raw = patch_grey(p, scan, t, levels, x0, y0, w_mm, h_mm, pitch, hist);
    size_t n = (size_t)p->w * (size_t)p->h;
    p->dark = raw ? malloc((n ? n : 1) * sizeof *p->dark) : NULL;
    if (!p->dark) {
        free(raw);
        return 0;
    }
    float table[256];
    darkness_table(p, levels, table);
    for (size_t k = 0; k < n; k++)
        p->dark[k] = table[raw[k]];
    free(raw);
    return 1;
}

static inline float patch_at(const patch *p, int i, int j) {
    if (i < 0 || j < 0 || i >= p->w || j >= p->h)
        return 0;
    return p->dark[(size_t)j * (size_t)p->w + (size_t)i];
}

/* Best offset (in samples, within +-range) for a pair of edges at a and b
 * (band `t` samples wide), given a profile; returns the offset and its mean
 * edge darkness in *strength. */
static int best_edge_pair(const double *profile, int n, int a, int b, int t, int range,
                          double *strength) {
    int best = 0;
    double best_score = -1;
    for (int d = -range; d <= range; d++) {
        double score = 0;
        for (int k = 0; k < t; k++) {
            int ia = a + d + k, ib = b + d - k;
            if (ia >= 0 && ia < n)
                score += profile[ia];
            if (ib >= 0 && ib < n)
                score += profile[ib];
        }
        /* prefer the prediction when scores tie (a solid fill) */
        score -= 1e-6 * abs(d);
        if (score > best_score) {
            best_score = score;
            best = d;
        }
    }
    *strength = best_score / (2.0 * t);
    return best;
}

typedef struct {
    double mm2, share, alone_share, halo_mm2;
    double left_mm2, right_mm2; /* of mm2, the ink left of the box's (grown) column, right of it */
} near_ink;
/* 1 if the blank has print within HALO_MM of mask cell (mx, my) */
static int in_print_halo(const print_mask *mask, int mx, int my) {
    int r = (int)lround(HALO_MM / mask->pitch), lx, ly, hx, hy;
    return print_mask_bounds(mask, mx - r, my - r, mx + r + 1, my + r + 1, &lx, &ly, &hx, &hy);
}
/* The line of `lines` (near_line, measure.h) whose band template point
 * (x, y) of the box's own map lies within, NULL for none */
static const near_line *on_a_line(const near_lines *lines, double x, double y) {
    for (int i = 0; lines && i < lines->n; i++) {
        const near_line *l = &lines->line[i];
        double along = l->vertical ? y + lines->dy_mm : x + lines->dx_mm;
        double across = l->vertical ? x + lines->dx_mm : y + lines->dy_mm;
        if (fabs(across - (l->at + l->slope * along)) <= l->half_width + LINE_BAND_MARGIN_MM)
            return l;
    }
    return NULL;
}

/* Ink in `zone` (mm) outside the box (grown by NEAR_FROM_MM) where the blank
 * form has no print: its area, its share of the unprinted paper sampled
 * (speckled paper: a third and more), the share of it lying alone, and how
 * much of it lies within HALO_MM of the print as the map places it (past
 * the mask's own growth: where a print that bleeds swells). (dx, dy) is the box's re-centring shift: the
 * surroundings are read shifted with the box, and a sample is ink near it
 * only where the blank has no print either at the shifted place or where
 * the page map puts it. Where the map is off (omr's forms: the shift is the
 * map's local error) the print moved with the box; where the box itself is
 * printed off its place (AMC's sheets, printed from another layout than the
 * corpus gives: boxes 0.5-0.8 mm off, the labels and grey panels round them
 * where the map says) it did not, and a shifted mask left the edges of that
 * print unmasked as "ink beside the box" (modulo: 159 boxes in review).
 * A sample on the band of one of `lines` (NULL: none) is neither paper nor
 * ink, unless it is darker than the crease by far: the pieces of a crease
 * passing the box by (measure.h). */
static near_ink unexpected_ink(const omr_image *scan, const page_transform *t, const page_levels *levels,
                               const print_mask *mask, omr_rect box, omr_rect zone, double dx, double dy,
                               const label_place *label, const near_lines *lines) {
    double range = levels->white - levels->black;
    uint8_t inked_at[256]; /* is grey level v ink? (one division per level) */
    for (int v = 0; v < 256; v++)
        inked_at[v] = (levels->white - v) / range > INK_DARKNESS;
    double bx0 = box.x - NEAR_FROM_MM, bx1 = box.x + box.w + NEAR_FROM_MM;
    double by0 = box.y - NEAR_FROM_MM, by1 = box.y + box.h + NEAR_FROM_MM;
    long inked = 0, paper = 0, joined = 0, halo = 0, left = 0, right = 0;
    /* The samples' x are the same on every row (one running sum), so what
     * depends on x alone is taken once per column, CHUNK columns at a time:
     * the same sums and products in the same order as locate_map's. */
    enum { CHUNK = 256 };
    int col_mx[CHUNK], col_at[CHUNK], col_label[CHUNK], col_piece[CHUNK];
    int8_t col_side[CHUNK]; /* -1 left of the box's grown column, 1 right of it, 0 within it */
    double col_h0[CHUNK], col_h3[CHUNK], col_h6[CHUNK], col_sx[CHUNK];
    const double *h = t->homography;
    int affine = page_map_is_affine(h);
    double x = zone.x;
    while (x < zone.x + zone.w) {
        int n = 0;
        for (; n < CHUNK && x < zone.x + zone.w; n++, x += NEAR_PITCH_MM) {
            double sx_mm = x + dx;
            col_sx[n] = sx_mm;
            col_side[n] = (int8_t)(x < bx0 ? -1 : x >= bx1 ? 1 : 0);
            col_mx[n] = (int)(x / mask->pitch);
            col_at[n] = (int)(sx_mm / mask->pitch); /* unshifted: where the map puts it */
            /* the label's print where it was found (-1: not the label's part) */
            col_piece[n] = label && x >= label->from_x ? label_piece_at(label, x) : -1;
            col_label[n] = col_piece[n] >= 0 ? (int)((sx_mm - label->piece[col_piece[n]].dx) / mask->pitch) : -1;
            col_h0[n] = h[0] * sx_mm;
            col_h3[n] = h[3] * sx_mm;
            col_h6[n] = h[6] * sx_mm;
        }
        /* each sample's ink, the row above's: a sample joined to inked
         * samples before it (left, above-left, above, above-right) lies
         * on a line; a speck lies alone */
        uint8_t above[CHUNK + 1] = {0}, row[CHUNK + 1];
        for (double y = zone.y; y < zone.y + zone.h; y += NEAR_PITCH_MM) {
            int my = (int)(y / mask->pitch);
            memset(row, 0, (size_t)n + 1);
            if (my < 0 || my >= mask->height) {
                memset(above, 0, (size_t)n + 1);
                continue;
            }
            int y_in_box = y >= by0 && y < by1;
            const uint8_t *printed = mask->printed + (size_t)my * (size_t)mask->width;
            int my_at = (int)((y + dy) / mask->pitch);
            const uint8_t *printed_at =
                my_at >= 0 && my_at < mask->height ? mask->printed + (size_t)my_at * (size_t)mask->width : NULL;
            const uint8_t *printed_label[LABEL_PIECES] = {NULL};
            for (int k = 0; label && k < label->n; k++) {
                int my_label = (int)((y + dy - label->piece[k].dy) / mask->pitch);
                if (my_label >= 0 && my_label < mask->height)
                    printed_label[k] = mask->printed + (size_t)my_label * (size_t)mask->width;
            }
            /* the shift found for the box applies to its surroundings too */
            double sy_mm = y + dy, h1 = h[1] * sy_mm, h4 = h[4] * sy_mm, h7 = h[7] * sy_mm;
            /* on an affine map sx and sy are monotone along the row (the
             * columns' running x times a constant, plus constants): when its
             * first and last samples lie on the scan, all do */
            int row_on_scan =
                affine && n > 0 &&
                page_px_on_scan(col_h0[0] + h1 + h[2], col_h3[0] + h4 + h[5], scan->width, scan->height) &&
                page_px_on_scan(col_h0[n - 1] + h1 + h[2], col_h3[n - 1] + h4 + h[5], scan->width, scan->height);
            for (int i = 0; i < n; i++) {
                if (col_side[i] == 0 && y_in_box)
                    continue;
                int mx = col_mx[i];
                if (mx < 0 || mx >= mask->width || printed[mx])
                    continue;
                if (printed_at && col_at[i] >= 0 && col_at[i] < mask->width && printed_at[col_at[i]])
                    continue;
                if (col_piece[i] >= 0 && printed_label[col_piece[i]] && col_label[i] >= 0 && col_label[i] < mask->width &&
                    printed_label[col_piece[i]][col_label[i]])
                    continue;
                const near_line *line = lines ? on_a_line(lines, col_sx[i], sy_mm) : NULL;
                if (line && line->ink_below <= 0)
                    continue;
                double sx = col_h0[i] + h1 + h[2], sy = col_h3[i] + h4 + h[5];
                if (!affine) { /* else w is 1 exactly: the same point */
                    double w = col_h6[i] + h7 + h[8];
                    sx /= w;
                    sy /= w;
                }
                if (!row_on_scan && !page_px_on_scan(sx, sy, scan->width, scan->height))
                    continue;
                uint8_t grey = omr_image_at(scan, (int)sx, (int)sy);
                if (line && grey >= line->ink_below)
                    continue; /* the crease's own grey: neither paper nor ink */
                uint8_t ink = inked_at[grey];
                row[i] = ink;
                inked += ink;
                left += ink && col_side[i] < 0;
                right += ink && col_side[i] > 0;
                halo += ink && in_print_halo(mask, mx, my);
                joined += ink && ((i > 0 && (row[i - 1] || above[i - 1])) || above[i] || above[i + 1]);
                paper++;
            }
            memcpy(above, row, (size_t)n + 1);
        }
    }
    return (near_ink){.mm2 = (double)inked * NEAR_PITCH_MM * NEAR_PITCH_MM,
                      .share = paper > 0 ? (double)inked / (double)paper : 0,
                      .alone_share = inked > 0 ? (double)(inked - joined) / (double)inked : 0,
                      .halo_mm2 = (double)halo * NEAR_PITCH_MM * NEAR_PITCH_MM,
                      .left_mm2 = (double)left * NEAR_PITCH_MM * NEAR_PITCH_MM,
                      .right_mm2 = (double)right * NEAR_PITCH_MM * NEAR_PITCH_MM};
}

/* Which interior samples (x0..x1, y0..y1 of a patch whose sample (0, 0) lies
 * at (ox, oy) mm on the template) are the blank form's print; NULL when
 * none is (always so on omr's own forms, whose boxes are empty squares). */
static uint8_t *interior_print(const print_mask *mask, double ox, double oy, double pitch, int x0, int x1,
                               int y0, int y1) {
    if (!mask || !mask->printed || x1 <= x0 || y1 <= y0)
        return NULL;
    uint8_t *out = calloc((size_t)(x1 - x0) * (size_t)(y1 - y0), 1);
    int any = 0;
    for (int j = y0; out && j < y1; j++)
        for (int i = x0; i < x1; i++) {
            int mx = (int)((ox + (i + 0.5) * pitch) / mask->pitch), my = (int)((oy + (j + 0.5) * pitch) / mask->pitch);
            if (mx >= 0 && my >= 0 && mx < mask->width && my < mask->height &&
                mask->printed[(size_t)my * (size_t)mask->width + (size_t)mx]) {
                out[(size_t)(j - y0) * (size_t)(x1 - x0) + (size_t)(i - x0)] = 1;
                any = 1;
            }
        }
    if (!any) {
        free(out);
        return NULL;
    }
    return out;
}

/* Is sample (i, j) of the interior x0..x1, y0.. print (interior_print's
 * map, NULL for none)? */
static inline int interior_printed(const uint8_t *printed, int x0, int x1, int y0, int i, int j) {
    return printed && printed[(size_t)(j - y0) * (size_t)(x1 - x0) + (size_t)(i - x0)];
}

/* The bounding box of the mark's core (darkness > core) inside [x0,x1) x
 * [y0,y1) of the patch, over connected blobs of at least a 0.4 mm speck:
 * scanner speckle and dust beside a dot do not make it span the box. */
long measure_core_blobs(uint8_t *ink, int w, int h, int min_blob, int *stack, int bbox[4]) {
    assert(ink && stack && w > 0 && h > 0);
    long area = 0;
    bbox[0] = w, bbox[1] = -1, bbox[2] = h, bbox[3] = -1;
    for (int start = 0; start < w * h; start++) {
        if (ink[start] != 1)
            continue;
        /* flood the blob, marking it 2, and note its box */
        int n = 0, top = 0, bx0 = w, bx1 = -1, by0 = h, by1 = -1;
        stack[top++] = start;
        ink[start] = 2;
        while (top) {
            int k = stack[--top], i = k % w, j = k / w;
            n++;
            if (i < bx0) bx0 = i;
            if (i > bx1) bx1 = i;
            if (j < by0) by0 = j;
            if (j > by1) by1 = j;
            for (int dj = -1; dj <= 1; dj++)
                for (int di = -1; di <= 1; di++) {
                    int ni = i + di, nj = j + dj;
                    if (ni >= 0 && nj >= 0 && ni < w && nj < h && ink[nj * w + ni] == 1) {
                        ink[nj * w + ni] = 2;
                        stack[top++] = nj * w + ni;
                    }
                }
        }
        if (n < min_blob)
            continue;
        area += n;
        if (bx0 < bbox[0]) bbox[0] = bx0;
        if (bx1 > bbox[1]) bbox[1] = bx1;
        if (by0 < bbox[2]) bbox[2] = by0;
        if (by1 > bbox[3]) bbox[3] = by1;
    }
    return area;
}

static long core_extent(const patch *p, int x0, int x1, int y0, int y1, double core,
                        const uint8_t *printed, double pitch, int *min_x, int *max_x, int *min_y,
                        int *max_y) {
    int w = x1 - x0, h = y1 - y0;
    long area = 0;
    if (w <= 0 || h <= 0)
        return 0;
    uint8_t *ink = calloc((size_t)w * (size_t)h, 1);
    int *stack = malloc((size_t)w * (size_t)h * sizeof *stack);
    if (!ink || !stack) {
        free(ink);
        free(stack);
        return 0;
    }
    for (int j = 0; j < h; j++)
        for (int i = 0; i < w; i++)
            ink[j * w + i] = !(printed && printed[(size_t)j * (size_t)w + (size_t)i]) &&
                             patch_at(p, x0 + i, y0 + j) > core;
    int min_blob = (int)fmax(4, (0.4 / pitch) * (0.4 / pitch));
    int bbox[4];
    area = measure_core_blobs(ink, w, h, min_blob, stack, bbox);
    if (area) {
        if (x0 + bbox[0] < *min_x) *min_x = x0 + bbox[0];
        if (x0 + bbox[1] > *max_x) *max_x = x0 + bbox[1];
        if (y0 + bbox[2] < *min_y) *min_y = y0 + bbox[2];
        if (y0 + bbox[3] > *max_y) *max_y = y0 + bbox[3];
    }
    free(ink);
    free(stack);
    return area;
}

/* Share of the samples along line `c` of the patch (a column when
 * `vertical`, else a row), from `from` to `to` (exclusive), that are ink. */
static double line_cover(const patch *p, int c, int from, int to, int vertical) {
    int n = 0, inked = 0;
    for (int k = from; k < to; k++, n++)
        inked += (vertical ? patch_at(p, c, k) : patch_at(p, k, c)) > INK_DARKNESS;
    return n ? (double)inked / n : 0;
}

/* The interior's first line on one side (`border`: its outermost column or
 * row, `dir` +1 from the left or top, -1 from the right or bottom) moved
 * past a printed line that lies within `reach` samples inside it: a line
 * inked along LINE_COVER of the box's whole length (`from`..`to`, outline
 * to outline, so it runs on into the outlines at both ends), as a box's
 * printed side is and a respondent's mark hardly ever is (a cross, a tick,
 * a circle or a scribble is not straight along the whole box), with paper
 * on its inner side (under LINE_PAPER of the next line inked: a box filled
 * up to its outline is ink throughout, and stays measured whole). Between
 * the line and the paper may lie up to LINE_RAGGED lines of its ragged edge
 * (inked along LINE_PAPER to LINE_COVER: a dark 1-bit scan bleeds a line
 * unevenly; fresh seed 8331 --folds --warp 1, 7NH3THV3 q5r: an edge inked
 * along 0.74 kept in every interior, 0.12-0.16 of ink spanning the box, all
 * eight empty boxes read as crosses, silently); the line just outside the
 * border counts only with such an edge inside it. The new border lies
 * `blur` samples past the innermost such line or edge; with none, the
 * border stays. */
static int past_outline(const patch *p, int border, int dir, int reach, int blur, int from, int to,
                        int vertical) {
    int inner = -1;
    for (int k = -1; k < reach; k++) {
        if (line_cover(p, border + dir * k, from, to, vertical) < LINE_COVER)
            continue;
        /* the line's ragged edge (a bled 1-bit outline): up to LINE_RAGGED
         * lines inked along less than LINE_COVER but not paper. The line
         * just outside the border counts only with such an edge inside it */
        int edge = k;
        double next = line_cover(p, border + dir * (edge + 1), from, to, vertical);
        while (next >= LINE_PAPER && next < LINE_COVER && edge < k + LINE_RAGGED)
            next = line_cover(p, border + dir * (++edge + 1), from, to, vertical);
        if (next < LINE_PAPER && edge >= 0)
            inner = edge;
    }
    return inner < 0 ? border : border + dir * (inner + 1 + blur);
}

/* Histograms of darkness (0..1, as darkness_table gives it) in DARK_BINS
 * bins, and the level below which num/den of their n samples lie (the
 * lower edge of the bin that reaches that share). */
#define DARK_BINS 64
static inline int dark_bin(float d) { return (int)(d * (DARK_BINS - 1)); }
static double dark_quantile(const int hist[DARK_BINS], int n, int num, int den) {
    int b = 0;
    for (int seen = 0; b < DARK_BINS - 1 && den * (seen + hist[b]) < num * n; b++)
        seen += hist[b];
    return (double)b / (DARK_BINS - 1);
}

/* The share of ink in the paper just round a box whose outline spans
 * columns x..x+bw-1 and rows y..y+bh-1 of the patch: per side, the band
 * from `gap` samples off the box's edge to the patch's edge, along the
 * middle 60% of the side (a cross or a tick spills over the corners), the
 * print in `other` left out. With all four sides seen, the lesser of the
 * two pairs' inkier sides (left or right, top or bottom): a speckled panel
 * inks three or four sides, or two that meet at a corner where it ends; a
 * hand's dash or bar overshoots the box on two opposite sides only (held-out
 * seed 2604 PTPX9G46: dashes 2.5 mm past each side, 0.11-0.13 as the
 * median of the sides, read as speckle). Else the median of the sides seen.
 * *paper_dark: how dark that paper itself is against the patch's paper
 * level (the median of the sides' median darkness, 0 where fewer than three
 * sides were seen): the patch's brightest tenth may lie on whiter paper
 * beyond a fold's step or a shadow's edge than the paper the box lies on. */
#define PAPER_STEP_WHITE (1.0 / (DARK_BINS - 1)) /* a side's paper this dark at most: the white */
static double paper_round_box(const patch *p, const uint8_t *other, int x, int y, int bw, int bh, int gap,
                              double *paper_dark) {
    double by_side[4]; /* left, right, top, bottom; -1: too few samples */
    double dark_of_side[4];
    int n_dark = 0;
    for (int side = 0; side < 4; side++) {
        int vertical_side = side < 2; /* left, right: a band of columns */
        int along0 = vertical_side ? y + bh / 5 : x + bw / 5;
        int along1 = vertical_side ? y + bh - bh / 5 : x + bw - bw / 5;
        int across0, across1;
        if (side == 0) across0 = 0, across1 = x - gap;
        else if (side == 1) across0 = x + bw + gap, across1 = p->w;
        else if (side == 2) across0 = 0, across1 = y - gap;
        else across0 = y + bh + gap, across1 = p->h;
        int n = 0, inked = 0, hist[DARK_BINS] = {0};
        for (int a = along0; a < along1; a++)
            for (int c = across0; c < across1; c++) {
                int i = vertical_side ? c : a, j = vertical_side ? a : c;
                if (i < 0 || j < 0 || i >= p->w || j >= p->h)
                    continue;
                size_t k = (size_t)j * (size_t)p->w + (size_t)i;
                if (other && other[k])
                    continue;
                n++;
                inked += p->dark[k] > INK_DARKNESS;
                hist[dark_bin(p->dark[k])]++;
            }
        by_side[side] = n >= PAPER_MIN_SAMPLES ? (double)inked / n : -1;
        if (n >= PAPER_MIN_SAMPLES)
            dark_of_side[n_dark++] = dark_quantile(hist, n, 1, 2);
    }
    /* ... where a side's paper is the patch's white (a step: the white lies
     * beyond it) and the others' is darker; paper greyed all round (the
     * smear round an erased mark) is no step, and its trace stays one */
    *paper_dark = 0;
    if (n_dark >= 3) {
        qsort(dark_of_side, (size_t)n_dark, sizeof *dark_of_side, omr_cmp_double);
        if (dark_of_side[0] <= PAPER_STEP_WHITE)
            *paper_dark = omr_sort_middle(dark_of_side, (size_t)n_dark);
    }
    double share[4];
    int sides = 0;
    for (int side = 0; side < 4; side++)
        if (by_side[side] >= 0)
            share[sides++] = by_side[side];
    if (sides == 0)
        return 0;
    if (sides == 4)
        return fmin(fmax(by_side[0], by_side[1]), fmax(by_side[2], by_side[3]));
    qsort(share, (size_t)sides, sizeof *share, omr_cmp_double);
    return sides % 2 ? share[sides / 2] : 0.5 * (share[sides / 2 - 1] + share[sides / 2]);
}

/* How much of the box's printed outline the scan shows: for each side, along
 * its middle 70%, the darkest sample within a sample of the line's expected
 * place (x0, y0 its top-left sample, bw x bh, `line` samples thick),
 * averaged; the weakest side's. A side the print lies under shows its line
 * (0.6 and more on a clean scan); a side something covers (a sticky note,
 * correction fluid, a torn-off corner) shows paper. The box is re-centred
 * as a whole (best_edge_pair), at its printed size: where the sheet was
 * squeezed or stretched locally (a feeder's uneven pull, a curl: fresh seed
 * 8461 --folds --warp 3, GEBU2JWU q2e, boxes printed 4.5 mm tall, their
 * bottom line 0.5 mm above where the top's puts it, read "covered") a side
 * may lie off its place by up to SIDE_SEARCH_MM: *off is the weakest side
 * with each side weaker than SIDE_SHOWS looked for so far. The page's level
 * of outlines is judged by the sides in place (decide_unseen_outlines): on
 * AMC's scans, whose thin outlines lie up to 1 mm off their layout, a level
 * of sides looked for so far passed the level at which the page's outlines
 * are said to show, and boxes whose print is merely faint became
 * "covered". */
#define SIDE_SEARCH_MM 0.6
#define SIDE_SHOWS 0.5
static double side_shows(const patch *p, int x0, int y0, int span, int vertical, int at, int line) {
    int from = span * 15 / 100, to = span * 85 / 100;
    if (to <= from)
        return 1;
    double sum = 0;
    for (int k = from; k < to; k++) {
        float darkest = 0;
        for (int c = at - 1; c <= at + line; c++) {
            float d = vertical ? patch_at(p, c, y0 + k) : patch_at(p, x0 + k, c);
            if (d > darkest)
                darkest = d;
        }
        sum += darkest;
    }
    return sum / (to - from);
}

static double weakest_side(const patch *p, int x0, int y0, int bw, int bh, int line, double pitch, double *off) {
    double weakest = 1;
    int reach = (int)lround(SIDE_SEARCH_MM / pitch);
    *off = 1;
    for (int side = 0; side < 4; side++) {
        int vertical = side % 2; /* 1: the left or right side, along y */
        int span = vertical ? bh : bw;
        int at = side == 0 ? y0 : side == 1 ? x0 + bw - line : side == 2 ? y0 + bh - line : x0;
        double in_place = side_shows(p, x0, y0, span, vertical, at, line), shows = in_place;
        for (int o = 1; o <= reach && shows < SIDE_SHOWS; o++)
            shows = fmax(shows, fmax(side_shows(p, x0, y0, span, vertical, at - o, line),
                                     side_shows(p, x0, y0, span, vertical, at + o, line)));
        weakest = fmin(weakest, in_place);
        *off = fmin(*off, shows);
    }
    assert(*off >= weakest);
    return weakest;
}

/* A long label right of its box may lie off the box's own place on a
 * sheet bent unevenly (a warp of 1-2 mm over the label's 40 mm): the print
 * mask placed with the box then leaves the edges of its words as "ink beside
 * the box" (fresh seeds --folds --warp 2: 37 of 48 clear answers flagged so,
 * all in the list questions' labelled boxes, 3-4 mm^2 round every box of a
 * question alike). Where the zone's ink reaches LABEL_RECHECK_MM2, the
 * label's print is looked for (reading/marks/label.c: the whole label
 * within LABEL_SEARCH_MM of the box's place, then piece by piece, as a
 * label bent along its length lies). Ink is then unexpected only where the
 * blank has no print there either, when that leaves at most LABEL_EXPLAINS
 * of it or a trace (LABEL_TRACE_MM2: a bled 1-bit page's words swell past
 * the mask; seed 8336 left 0.04-0.81 mm^2 of 1.3-4.4, 8342's harsh pages
 * 1.1-1.4 of 3.5, with one shift for the whole label). Only a label of
 * LABEL_LONG_MM and more is looked for: a short one ("Ja") is too little
 * print to be found against a respondent's strokes (seed 8325 HVYFQRQ6 q5:
 * "Ja" found on the stroke of the circle round its box hid half the
 * circle's ink, 4.25 -> 1.96 mm^2, and the circled answer went to review),
 * and bends too little off its box to need it. A circle round the box or a
 * long label, or a word beside it, is no print anywhere: its ink stays. */
#define LABEL_RECHECK_MM2 1.0
#define LABEL_EXPLAINS 0.5
#define LABEL_TRACE_MM2 1.0

/* Does any piece of the label lie elsewhere than the box's shift puts it? */
static int label_moved(const label_place *l, double dx, double dy) {
    for (int k = 0; k < l->n; k++)
        if (l->piece[k].dx != dx || l->piece[k].dy != dy)
            return 1;
    return 0;
}

/* A pale trace is paler ink on the paper the box lies on. Where that paper
 * is darker than the patch's brightest tenth (a fold's grey panel below its
 * step, a shadow's edge: held-out 2643 VAKF6J6N q2c, two empty boxes 0.08-0.09
 * "faint" against the white above the step, to review), FAINT_INK counts
 * from its level, never above INK_DARKNESS: the lesser of how dark the
 * paper round the box is (paper_dark, from paper_round_box) and how dark
 * the interior's own cleanest tenth is. A smudge round an erased mark darkens the paper
 * round the box but leaves clean paper inside it; a pale pencil fill
 * darkens the interior, not the paper round it: both stay traces. The
 * number of faint samples of the interior x0..x1, y0..y1; `faint` as
 * counted against FAINT_INK where the paper is no darker. */
static int faint_on_darker_paper(const patch *p, const uint8_t *printed, int x0, int x1, int y0, int y1,
                                 double paper_dark, int faint) {
    int hist[DARK_BINS] = {0}, total = 0;
    for (int j = y0; j < y1; j++)
        for (int i = x0; i < x1; i++)
            if (!interior_printed(printed, x0, x1, y0, i, j)) {
                hist[dark_bin(patch_at(p, i, j))]++;
                total++;
            }
    double shift = fmin(paper_dark, dark_quantile(hist, total, 1, 10));
    if (shift <= 0)
        return faint;
    double faint_ink = fmin(FAINT_INK + shift, INK_DARKNESS);
    int n = 0;
    for (int j = y0; j < y1; j++)
        for (int i = x0; i < x1; i++)
            if (!interior_printed(printed, x0, x1, y0, i, j))
                n += patch_at(p, i, j) > faint_ink;
    return n;
}

void measure_box(const omr_image *scan, const page_transform *t, const page_levels *levels,
                 const print_mask *mask, omr_rect box, omr_rect near_zone, const near_lines *lines,
                 box_measure *out) {
    assert(scan && scan->width > 0 && scan->height > 0 && levels);
    assert(t->px_per_mm > 0 && page_map_is_finite(t->homography));
    assert(box.w > 0 && box.h > 0);
    assert(!mask || !mask->printed || (mask->width > 0 && mask->height > 0 && mask->pitch > 0));
    memset(out, 0, sizeof *out);
    out->box_x_mm = box.x + box.w / 2;
    out->box_y_mm = box.y + box.h / 2;
    /* one sample per scan pixel, but no finer than 0.12 mm (212 dpi): a 300
     * dpi scan carries no more mark information, and costs twice the time */
    double pitch = fmax(1.0 / t->px_per_mm, 0.12);
    double margin = SEARCH_MM + 0.5;
    patch p;
    if (!patch_sample(&p, scan, t, levels, box.x - margin, box.y - margin, box.w + 2 * margin,
                      box.h + 2 * margin, pitch))
        return;
    int m = (int)lround(margin / pitch);            /* box's left/top edge in the patch */
    int bw = (int)lround(box.w / pitch), bh = (int)lround(box.h / pitch);
    int line = (int)lround(OUTLINE_MM / pitch);
    if (line < 1)
        line = 1;
    int range = (int)lround(SEARCH_MM / pitch);

    /* A form omr did not print: the blank's print that is not this box's
     * outline (a table cell's rules, a label, a leader line) is no edge of
     * the box, however straight and dark; it is left out of the profiles. */
    uint8_t *other = print_mask_beyond(mask, box, box.x - margin, box.y - margin, pitch, p.w, p.h);
    /* Re-centre: columns, then rows, then columns again with the rows found. */
    double *profile = calloc((size_t)(p.w > p.h ? p.w : p.h), sizeof *profile);
    int dx = 0, dy = 0;
    double sx = 0, sy = 0;
    for (int pass = 0; pass < 3 && profile; pass++) {
        int by_columns = pass != 1;
        int n = by_columns ? p.w : p.h;
        memset(profile, 0, (size_t)n * sizeof *profile);
        /* sum along the middle 70% of the edge, away from the corners */
        int span = by_columns ? bh : bw, from = span * 15 / 100, to = span * 85 / 100;
        for (int k = from; k < to; k++) {
            /* a row or column outside the patch adds nothing (patch_at's 0) */
            int line_at = by_columns ? m + dy + k : m + dx + k;
            if (line_at < 0 || line_at >= (by_columns ? p.h : p.w))
                continue;
            if (by_columns) {
                const float *row = p.dark + (size_t)line_at * (size_t)p.w;
                const uint8_t *skip = other ? other + (size_t)line_at * (size_t)p.w : NULL;
                for (int i = 0; i < n; i++)
                    profile[i] += skip && skip[i] ? 0 : row[i];
            } else
                for (int i = 0; i < n; i++) {
                    size_t k = (size_t)i * (size_t)p.w + (size_t)line_at;
                    profile[i] += other && other[k] ? 0 : p.dark[k];
                }
        }
        for (int i = 0; i < n; i++)
            profile[i] /= (to - from);
        if (by_columns)
            dx = best_edge_pair(profile, n, m, m + bw - 1, line, range, &sx);
        else
            dy = best_edge_pair(profile, n, m, m + bh - 1, line, range, &sy);
    }
    free(profile);
    /* an edge that is not clearly darker than paper was not really found */
    out->outline_found = sx > 0.3 && sy > 0.3;
    if (!out->outline_found)
        dx = dy = 0;
    out->outline_weakest = weakest_side(&p, m + dx, m + dy, bw, bh, line, pitch, &out->outline_weakest_off);
    double paper_dark;
    out->paper_share = paper_round_box(&p, other, m + dx, m + dy, bw, bh, (int)lround(PAPER_FROM_MM / pitch),
                                       &paper_dark);
    free(other);
    out->shift_mm = hypot(dx, dy) * pitch;
    out->dx_mm = dx * pitch;
    out->dy_mm = dy * pitch;

    /* Interior */
    int inset = line + (int)lround(INSET_MM / pitch);
    int x0 = m + dx + inset, x1 = m + dx + bw - inset, y0 = m + dy + inset, y1 = m + dy + bh - inset;
    /* ... and past the printed outline where the scan shows it inside that
     * (a thick or blurred line, a box printed larger than the template
     * says, a box whose re-centring fell short): per side, the box's full
     * length, outline to outline, is the span a line must cover */
    int reach = (int)lround(LINE_REACH_MM / pitch), blur = (int)lround(LINE_BLUR_MM / pitch);
    if (reach < 1)
        reach = 1;
    if (blur < 1)
        blur = 1;
    int nx0 = past_outline(&p, x0, +1, reach, blur, y0 - inset, y1 + inset, 1);
    int nx1 = past_outline(&p, x1 - 1, -1, reach, blur, y0 - inset, y1 + inset, 1) + 1;
    int ny0 = past_outline(&p, y0, +1, reach, blur, x0 - inset, x1 + inset, 0);
    int ny1 = past_outline(&p, y1 - 1, -1, reach, blur, x0 - inset, x1 + inset, 0) + 1;
    if (nx1 > nx0 && ny1 > ny0) {
        x0 = nx0, x1 = nx1, y0 = ny0, y1 = ny1;
    }
    int inked = 0, faint = 0, total = 0;
    double dark_sum = 0;
    int min_x = x1, max_x = x0 - 1, min_y = y1, max_y = y0 - 1;
    /* forms omr did not print: the blank form's own print inside the box (a
     * bubble's round outline in the corners of its square) is not ink */
    uint8_t *printed = interior_print(mask, box.x - margin - dx * pitch, box.y - margin - dy * pitch, pitch,
                                      x0, x1, y0, y1);
    int dark_hist[21] = {0};
    for (int j = y0; j < y1; j++)
        for (int i = x0; i < x1; i++) {
            if (interior_printed(printed, x0, x1, y0, i, j))
                continue;
            float d = patch_at(&p, i, j);
            total++;
            faint += d > FAINT_INK;
            if (d > INK_DARKNESS) {
                inked++;
                dark_sum += d;
                dark_hist[(int)(d * 20)]++;
            }
        }
    if (paper_dark > 0 && total > 0)
        faint = faint_on_darker_paper(&p, printed, x0, x1, y0, y1, paper_dark, faint);
    /* The extent is measured on the mark's core: pixels at least half as
     * dark as its darkest tenth. A blurred dot's grey halo then does not
     * make it look as wide as a cross; a pencil cross is its own core. */
    double core = INK_DARKNESS;
    for (int b = 20, seen = 0; b >= 0 && inked; b--) {
        seen += dark_hist[b];
        if (seen * 10 >= inked) {
            core = fmax(INK_DARKNESS, 0.5 * b / 20.0);
            break;
        }
    }
    long core_area = core_extent(&p, x0, x1, y0, y1, core, printed, pitch, &min_x, &max_x, &min_y, &max_y);
    out->core_mm2 = (double)core_area * pitch * pitch;
    out->ink_mm2 = inked * pitch * pitch;
    if (total > 0) {
        out->fill = (double)inked / total;
        out->faint_fill = (double)faint / total;
        out->darkness = inked ? dark_sum / inked : 0;
        double ex = max_x >= min_x ? (double)(max_x - min_x + 1) / (x1 - x0) : 0;
        double ey = max_y >= min_y ? (double)(max_y - min_y + 1) / (y1 - y0) : 0;
        out->extent = ex > ey ? ex : ey;
    }
    free(printed);

    free(p.dark);
    out->paper_white = p.white;
    page_levels local = {p.white, levels->black};
    near_ink near = {0};
    if (mask)
        near = unexpected_ink(scan, t, &local, mask, box, near_zone, dx * pitch, dy * pitch, NULL, lines);
    /* a label right of the box (the zone reaches past the plain ring): its
     * print where it lies, when the zone holds ink */
    double label_from = box.x + box.w + NEAR_FROM_MM, label_to = near_zone.x + near_zone.w - NEAR_TO_MM;
    label_place label = {.from_x = label_from};
    if (mask && mask->printed && near.mm2 >= LABEL_RECHECK_MM2 && label_to > box.x + box.w + 1 &&
        label_find(scan, t, mask, (omr_rect){box.x + box.w + 1, box.y, label_to - (box.x + box.w + 1), box.h},
                   dx * pitch, dy * pitch, &label) &&
        label_moved(&label, dx * pitch, dy * pitch)) {
        /* piece by piece, or the whole label at one shift, whichever
         * leaves less: a piece is placed by its own print's darkness, and
         * a short piece of a bled page's words may settle a little off */
        label_place whole = label_whole(&label);
        near_ink moved = unexpected_ink(scan, t, &local, mask, box, near_zone, dx * pitch, dy * pitch, &label, lines);
        near_ink moved1 = label.n > 1 ? unexpected_ink(scan, t, &local, mask, box, near_zone, dx * pitch, dy * pitch,
                                                       &whole, lines)
                                      : moved;
        if (moved1.mm2 < moved.mm2)
            moved = moved1;
        if (moved.mm2 <= fmax(LABEL_EXPLAINS * near.mm2, LABEL_TRACE_MM2)) /* the label's print, moved */
            near = moved;
    }
    out->near_mm2 = near.mm2;
    out->near_share = near.share;
    out->near_specks = near.alone_share;
    out->near_halo_mm2 = near.halo_mm2;
    out->near_left_mm2 = near.left_mm2;
    out->near_right_mm2 = near.right_mm2;
    assert(out->near_halo_mm2 <= out->near_mm2); /* the halo's ink is some of the ink near */
    assert(out->near_left_mm2 + out->near_right_mm2 <= out->near_mm2 + 1e-9);
}

double measure_text_ink(const omr_image *scan, const page_transform *t, const page_levels *levels,
                        omr_rect field) {
    assert(scan && scan->width > 0 && scan->height > 0 && levels);
    assert(t->px_per_mm > 0 && page_map_is_finite(t->homography));
    const double inset = 1.5;
    double pitch = 2.0 / t->px_per_mm; /* every other pixel is plenty */
    patch p;
    int hist[256];
    uint8_t *raw = patch_grey(&p, scan, t, levels, field.x + inset, field.y + inset, field.w - 2 * inset,
                              field.h - 2 * inset, pitch, hist);
    if (!raw)
        return 0;
    free(raw);
    /* the inked samples counted by grey level: no darkness array */
    float table[256];
    darkness_table(&p, levels, table);
    size_t inked = 0, n = (size_t)p.w * (size_t)p.h;
    for (int v = 0; v < 256; v++)
        if (table[v] > INK_DARKNESS)
            inked += (size_t)hist[v];
    return n ? (double)inked / (double)n : 0;
}

#define PAGE_PAPER_PERCENTILE 0.9 /* the paper's grey: 90% of the page is no darker */
/* ink: this far under the paper at least. A duplex back's show-through is
 * 25-40 levels; a 16-colour palette scan of a vignetted page drew its print
 * 75 levels under the paper (make_variants png_palette, seed-4921 base: 155
 * on 230, one form page taken for a blank back at 80) */
#define PAGE_INK_BELOW_PAPER 60
double measure_page_ink(const omr_image *scan) {
    assert(scan && scan->width > 0 && scan->height > 0);
    int step = scan->width / 300 > 1 ? scan->width / 300 : 1;
    int gw = (scan->width + step - 1) / step, gh = (scan->height + step - 1) / step;
    size_t n = (size_t)gw * (size_t)gh;
    /* 1 dark, 2 dark and joined to the scan's edge: the scanner's lid or
     * bed round the sheet, a deskew's wedge, not print (a blank back framed
     * in black was taken for a page whose code could not be found) */
    uint8_t *dark = malloc(n);
    int *queue = malloc(n * sizeof *queue);
    if (!dark || !queue) {
        free(dark);
        free(queue);
        long inked = 0;
        for (int y = 0; y < scan->height; y += step)
            for (int x = 0; x < scan->width; x += step)
                inked += omr_image_at(scan, x, y) < 128;
        return (double)inked / (double)n;
    }
    /* dark: under half grey, or PAGE_INK_BELOW_PAPER under the paper (the
     * grid's PAGE_PAPER_PERCENTILE grey), whichever is lighter: grey print
     * on white (a 16-colour palette scan drew every ink at 135 on 245, and
     * its form pages were taken for blank backs, one form lost whole) is
     * ink; a duplex back's show-through, a few tens of levels, is not */
    long histogram[256] = {0};
    for (int j = 0; j < gh; j++)
        for (int i = 0; i < gw; i++)
            histogram[omr_image_at(scan, i * step, j * step)]++;
    int paper = 255;
    for (long seen = 0; paper > 0; paper--) {
        seen += histogram[paper];
        if ((double)seen >= (1 - PAGE_PAPER_PERCENTILE) * (double)n)
            break;
    }
    int below = paper - PAGE_INK_BELOW_PAPER > 128 ? paper - PAGE_INK_BELOW_PAPER : 128;
    for (int j = 0; j < gh; j++)
        for (int i = 0; i < gw; i++)
            dark[(size_t)j * (size_t)gw + (size_t)i] = omr_image_at(scan, i * step, j * step) < below;
    size_t head = 0, tail = 0;
    for (int j = 0; j < gh; j++)
        for (int i = 0; i < gw; i++) {
            size_t k = (size_t)j * (size_t)gw + (size_t)i;
            if ((i == 0 || j == 0 || i == gw - 1 || j == gh - 1) && dark[k] == 1) {
                dark[k] = 2;
                queue[tail++] = (int)k;
            }
        }
    while (head < tail) {
        int k = queue[head++], i = k % gw, j = k / gw;
        const int di[4] = {1, -1, 0, 0}, dj[4] = {0, 0, 1, -1};
        for (int d = 0; d < 4; d++) {
            int a = i + di[d], b = j + dj[d];
            if (a < 0 || b < 0 || a >= gw || b >= gh)
                continue;
            size_t m = (size_t)b * (size_t)gw + (size_t)a;
            if (dark[m] == 1) {
                dark[m] = 2;
                queue[tail++] = (int)m;
            }
        }
    }
    long inked = 0;
    for (size_t k = 0; k < n; k++)
        inked += dark[k] == 1;
    free(dark);
    free(queue);
    return (double)inked / (double)n;
}
