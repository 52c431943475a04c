/*
 * inside.c — ink in a box that has print inside it, measured against the
 * blank's own pixels in that box (inside.h).
 *
 * measure_box leaves out of a box's interior every cell the print mask
 * marks, and the mask is the blank's print grown by 0.4 mm for any
 * registration error. Around a digit printed in a 3.8 mm box that growth
 * covers most of the interior: a mark there is barely seen (AMC's number
 * grids: a blob over a printed digit read "unsure" at extent 0, a box filled
 * black over its letter read blank at fill 0). Here, per box, the blank's
 * pixels are resampled at the scan's pitch and aligned on the scan's print
 * (the shift within 0.4 mm that puts most of the blank's print on scan ink),
 * so the print needs growing only by what that alignment leaves: the growth
 * is chosen per page, the least at which the page's empty boxes show no
 * ink; a box whose only ink off the print, faint or not, is a sliver
 * along it, 0.2 mm or a sample wide (the print's edge: a sub-pixel off, or
 * printed bolder than the blank's copy), takes the next growth. A box whose blank print is not on the scan (a blank drawn from a
 * layout, with another font than the print's) keeps measure_box's numbers.
 */
#include "reading/inside.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "reading/reference.h"

#define INSIDE_FRAME_MM 0.8   /* the interior starts this far inside the outline (measure.c's
                                 outline 0.35 + inset 0.45) */
#define INSIDE_ALIGN_MM 1.2   /* the blank's print is looked for this far around (measure.c's SEARCH_MM) */
#define INSIDE_DIST_MM 0.5    /* distances to the print are measured up to this */
#define INSIDE_INK 0.18       /* darkness of ink (measure.c's INK) */
#define INSIDE_FAINT 0.09     /* ... and of very light pencil (FAINT_INK) */
#define INSIDE_FIT_MIN 0.80   /* share of the blank's print that must lie on scan ink */
#define INSIDE_EMPTY_MAX 0.02 /* an empty box's ink share at the chosen growth */
#define INSIDE_MIN_FREE 0.15  /* share of the interior that must stay unprinted */
#define INSIDE_MARKED 0.33    /* a box this inked at the widest growth is plainly marked */
#define INSIDE_SLIVER_MM 0.2 /* ink only this close along a box's print is its edge: the scan's
                                 print bolder than the blank's copy, or a sample off */
#define N_GROW 5
static const double grows[N_GROW] = {0.10, 0.15, 0.20, 0.30, 0.40};

static _Thread_local double last_grow;

double measure_inside_last_grow(void) { return last_grow; }

typedef struct {
    size_t k;        /* index among the page's boxes */
    int w, h;        /* interior samples */
    float *dark;     /* w*h scan darkness */
    float *dist;     /* w*h distance to the aligned blank print, mm (INSIDE_DIST_MM+: none near) */
    double fit;      /* share of the blank's print on scan ink */
    double fill[N_GROW];
    int free_px[N_GROW];
} inside_box;

/* Does the print mask mark a cell inside `r` (template mm)? */
static int mask_inside(const print_mask *mask, omr_rect r) {
    if (!mask || !mask->printed || r.w <= 0 || r.h <= 0)
        return 0;
    int x0 = (int)(r.x / mask->pitch), x1 = (int)((r.x + r.w) / mask->pitch);
    int y0 = (int)(r.y / mask->pitch), y1 = (int)((r.y + r.h) / mask->pitch);
    for (int y = y0 < 0 ? 0 : y0; y < y1 && y < mask->height; y++)
        for (int x = x0 < 0 ? 0 : x0; x < x1 && x < mask->width; x++)
            if (mask->printed[(size_t)y * (size_t)mask->width + (size_t)x])
                return 1;
    return 0;
}

/* The scan's paper level around a box: the 90th percentile of the box and
 * 1 mm around it (mostly paper even when the box is filled), as measure.c. */
static double local_white(const omr_image *scan, const page_transform *t, const page_levels *lv, omr_rect r,
                          double pitch) {
    int hist[256] = {0};
    long n = 0;
    for (double y = r.y - 1; y < r.y + r.h + 1; y += pitch)
        for (double x = r.x - 1; x < r.x + r.w + 1; x += pitch) {
            omr_point p = locate_map(t, x, y);
            if (p.x < 0 || p.y < 0 || p.x >= scan->width || p.y >= scan->height)
                continue;
            hist[omr_image_at(scan, (int)p.x, (int)p.y)]++;
            n++;
        }
    long above = 0;
    int white = 255;
    for (; white > 0 && n; white--) {
        above += hist[white];
        if (above * 10 >= n)
            break;
    }
    if (!n)
        white = (int)lv->white;
    if (white < lv->black + 60)
        white = (int)lv->black + 60;
    return white;
}

/* One box: its blank print aligned on the scan (the shift within
 * INSIDE_ALIGN_MM of where the page's map puts the box at which the most of
 * the blank's print, outline and all, lies on ink and the least on paper),
 * then over the interior the scan's darkness and each sample's distance to
 * that print. `r` is the box (template mm). 0 when out of memory. */
static int inside_sample(const omr_image *scan, const page_transform *t, const page_levels *lv,
                         const omr_image *blank, double blank_ppm, omr_rect r, double pitch, inside_box *b) {
    int nx = (int)floor(r.w / pitch), ny = (int)floor(r.h / pitch), f = (int)lround(INSIDE_FRAME_MM / pitch);
    int a = (int)ceil(INSIDE_ALIGN_MM / pitch), rr = (int)ceil(INSIDE_DIST_MM / pitch);
    int w = nx - 2 * f, h = ny - 2 * f;
    b->w = w;
    b->h = h;
    if (w < 3 || h < 3)
        return 1; /* nothing to measure: left to measure_box */
    int sw = nx + 2 * a, sh = ny + 2 * a, pw = nx + 2 * rr, ph = ny + 2 * rr;
    float *scan_dark = malloc((size_t)sw * (size_t)sh * sizeof *scan_dark);
    uint8_t *print = calloc((size_t)pw * (size_t)ph, 1);
    uint8_t *raw = malloc((size_t)pw * (size_t)ph);
    b->dark = malloc((size_t)w * (size_t)h * sizeof *b->dark);
    b->dist = malloc((size_t)w * (size_t)h * sizeof *b->dist);
    if (!scan_dark || !print || !raw || !b->dark || !b->dist) {
        free(scan_dark);
        free(print);
        free(raw);
        free(b->dark);
        free(b->dist);
        b->dark = b->dist = NULL;
        return 0;
    }
    omr_rect in = {r.x + f * pitch, r.y + f * pitch, w * pitch, h * pitch};
    double white = local_white(scan, t, lv, in, pitch), range = white - lv->black;
    for (int j = 0; j < sh; j++)
        for (int i = 0; i < sw; i++) {
            omr_point p = locate_map(t, r.x + (i - a + 0.5) * pitch, r.y + (j - a + 0.5) * pitch);
            int v = page_px_on_scan(p.x, p.y, scan->width, scan->height)
                        ? omr_image_at(scan, (int)p.x, (int)p.y)
                        : (int)white;
            double d = (white - v) / range;
            scan_dark[(size_t)j * sw + i] = (float)(d < 0 ? 0 : d > 1 ? 1 : d);
        }
    /* the blank, at the same pitch, over the box and the distance window */
    int hist[256] = {0};
    for (int j = 0; j < ph; j++)
        for (int i = 0; i < pw; i++) {
            int x = (int)((r.x + (i - rr + 0.5) * pitch) * blank_ppm);
            int y = (int)((r.y + (j - rr + 0.5) * pitch) * blank_ppm);
            uint8_t v = (x >= 0 && y >= 0 && x < blank->width && y < blank->height) ? omr_image_at(blank, x, y) : 255;
            raw[(size_t)j * pw + i] = v;
            hist[v]++;
        }
    long above = 0, n = (long)pw * ph;
    int bwhite = 255;
    for (; bwhite > 0; bwhite--) {
        above += hist[bwhite];
        if (above * 10 >= n)
            break;
    }
    int bdark = 0;
    while (bdark < 255 && !hist[bdark])
        bdark++;
    /* print where the blank is as dark as the scan's ink is (INSIDE_INK of
     * the way from its paper to its darkest): its antialiased or blurred
     * edge too, as the scan's print has one */
    int level = bwhite - (int)lround(INSIDE_INK * (bwhite - bdark));
    for (long k = 0; k < n; k++)
        print[k] = (uint8_t)((raw[k] < level) + (raw[k] < (bwhite + bdark) / 2)); /* 1 edge, 2 core */
    free(raw);
    double best = -1e30;
    int bu = 0, bv = 0;
    for (int v = -a; v <= a; v++)
        for (int u = -a; u <= a; u++) {
            double score = -1e-6 * (abs(u) + abs(v)); /* ties (a box all ink): the map's place */
            for (int j = 0; j < ny; j++) {
                const uint8_t *row = print + (size_t)(j + rr) * pw + rr;
                const float *sd = scan_dark + (size_t)(j + a + v) * sw + a + u;
                for (int i = 0; i < nx; i++)
                    if (row[i] == 2) /* aligned on the print's core */
                        score += sd[i] - 0.5;
            }
            if (score > best) {
                best = score;
                bu = u;
                bv = v;
            }
        }
    long on = 0, all = 0;
    for (int j = 0; j < h; j++)
        for (int i = 0; i < w; i++) {
            int pi = i + f + rr, pj = j + f + rr; /* this sample in the blank's print */
            float dk = scan_dark[(size_t)(j + f + a + bv) * sw + (size_t)(i + f + a + bu)];
            b->dark[(size_t)j * w + i] = dk;
            double dmin = INSIDE_DIST_MM + 1;
            for (int dj = -rr; dj <= rr; dj++)
                for (int di = -rr; di <= rr; di++)
                    if (print[(size_t)(pj + dj) * pw + (size_t)(pi + di)]) {
                        double d = hypot(di, dj) * pitch;
                        if (d < dmin)
                            dmin = d;
                    }
            b->dist[(size_t)j * w + i] = (float)dmin;
            if (print[(size_t)pj * pw + (size_t)pi] == 2) { /* the print's core: ink on it (within a sample)? */
                int ink = 0;
                for (int dj = -1; dj <= 1 && !ink; dj++)
                    for (int di = -1; di <= 1 && !ink; di++)
                        ink = scan_dark[(size_t)(j + f + a + bv + dj) * sw + (size_t)(i + f + a + bu + di)] > INSIDE_INK;
                all++;
                on += ink;
            }
        }
    free(print);
    free(scan_dark);
    b->fit = all ? (double)on / all : 0;
    for (int g = 0; g < N_GROW; g++) {
        long inked = 0, free_px = 0;
        for (long k = 0; k < (long)w * h; k++)
            if (b->dist[k] > grows[g]) {
                free_px++;
                inked += b->dark[k] > INSIDE_INK;
            }
        b->free_px[g] = (int)free_px;
        b->fill[g] = free_px ? (double)inked / free_px : NAN;
    }
    return 1;
}

/* Is all the ink off the print at growth `g`, very light ink too, within
 * INSIDE_SLIVER_MM (at least a sample and a half, for the diagonal) beyond
 * it? 0 when there is none. */
static int ink_only_along_print(const inside_box *b, double g, double pitch) {
    long inked = 0;
    double sliver = fmax(INSIDE_SLIVER_MM, 1.5 * pitch);
    for (long k = 0; k < (long)b->w * b->h; k++)
        if (b->dist[k] > g && b->dark[k] > INSIDE_FAINT) {
            if (b->dist[k] > g + sliver)
                return 0;
            inked++;
        }
    return inked > 0;
}

/* The box's measures at growth `g`: ink off the print, its spread (over
 * pieces of at least a 0.4 mm speck) and its core. */
static void inside_measure(const inside_box *b, double g, double pitch, box_measure *out) {
    int w = b->w, h = b->h;
    long n = 0, inked = 0, faint = 0;
    double dark_sum = 0;
    uint8_t *ink = calloc((size_t)w * (size_t)h, 1);
    int *stack = malloc((size_t)w * (size_t)h * sizeof *stack);
    if (!ink || !stack) {
        free(ink);
        free(stack);
        return;
    }
    for (long k = 0; k < (long)w * h; k++) {
        if (b->dist[k] <= g)
            continue;
        n++;
        faint += b->dark[k] > INSIDE_FAINT;
        if (b->dark[k] > INSIDE_INK) {
            inked++;
            dark_sum += b->dark[k];
            ink[k] = 1;
        }
    }
    int min_blob = (int)fmax(4, (0.4 / pitch) * (0.4 / pitch));
    int bbox[4];
    long core = measure_core_blobs(ink, w, h, min_blob, stack, bbox);
    int x0 = bbox[0], x1 = bbox[1], y0 = bbox[2], y1 = bbox[3];
    free(ink);
    free(stack);
    if (!n)
        return;
    out->fill = (double)inked / n;
    out->faint_fill = (double)faint / n;
    out->darkness = inked ? dark_sum / inked : 0;
    double ex = x1 >= x0 ? (double)(x1 - x0 + 1) / w : 0, ey = y1 >= y0 ? (double)(y1 - y0 + 1) / h : 0;
    out->extent = ex > ey ? ex : ey;
    out->core_mm2 = (double)core * pitch * pitch;
}

int measure_inside_print(const omr_image *scan, const page_transform *t, const page_levels *levels,
                         const print_mask *mask, const omr_template *tmpl, int page, box_measure *m,
                         size_t n) {
    assert(scan && t && levels && tmpl && (m || n == 0));
    last_grow = 0;
    const reference_page *ref = template_reference(tmpl, page);
    if (!ref || !mask || !mask->printed || t->px_per_mm <= 0)
        return 0;
    const omr_image *blank = NULL;
    double pitch = 1.0 / t->px_per_mm;
    inside_box *boxes = calloc(n ? n : 1, sizeof *boxes);
    if (!boxes)
        return -1;
    size_t nb = 0, k = 0;
    int rc = 0;
    for (size_t qi = 0; qi < tmpl->n_questions && rc == 0; qi++) {
        const template_question *q = &tmpl->questions[qi];
        if (q->page != page)
            continue;
        for (size_t bi = 0; bi < q->n_boxes && rc == 0; bi++, k++) {
            assert(k < n);
            omr_rect r = q->boxes[bi].rect;
            omr_rect blank_in = {r.x + INSIDE_FRAME_MM, r.y + INSIDE_FRAME_MM, r.w - 2 * INSIDE_FRAME_MM,
                                 r.h - 2 * INSIDE_FRAME_MM};
            if (blank_in.w < 0.5 || blank_in.h < 0.5 || !mask_inside(mask, blank_in))
                continue; /* no print inside: measure_box's reading stands */
            if (!blank && !(blank = reference_page_image(ref)))
                break;
            inside_box *b = &boxes[nb];
            b->k = k;
            if (!inside_sample(scan, t, levels, blank, ref->px_per_mm, r, pitch, b))
                rc = -1;
            else if (b->dark)
                nb++;
        }
    }
    /* the page's growth: the least at which its boxes with only print in
     * them hold no ink (three quarters of those whose print the scan shows,
     * leaving out the plainly marked: over a third of them ink even at the
     * widest growth) */
    int chosen = N_GROW - 1;
    double *fills = malloc((nb ? nb : 1) * sizeof *fills);
    if (!fills)
        rc = -1;
    for (int g = 0; g < N_GROW && rc == 0; g++) {
        size_t nf = 0;
        for (size_t i = 0; i < nb; i++)
            if (boxes[i].fit >= INSIDE_FIT_MIN && boxes[i].free_px[g] >= INSIDE_MIN_FREE * boxes[i].w * boxes[i].h &&
                !(boxes[i].fill[N_GROW - 1] > INSIDE_MARKED))
                fills[nf++] = boxes[i].fill[g];
        if (nf < 2)
            continue;
        qsort(fills, nf, sizeof *fills, omr_cmp_double);
        if (fills[(nf * 3) / 4 < nf ? (nf * 3) / 4 : nf - 1] <= INSIDE_EMPTY_MAX) {
            chosen = g;
            break;
        }
    }
    free(fills);
    int done = 0;
    for (size_t i = 0; i < nb && rc == 0; i++) {
        inside_box *b = &boxes[i];
        if (b->fit < INSIDE_FIT_MIN)
            continue; /* the blank's print is not this scan's: the mask's reading stands */
        /* a box almost all print at this growth: the least growth that leaves room */
        int g = chosen;
        while (g > 0 && b->free_px[g] < INSIDE_MIN_FREE * b->w * b->h)
            g--;
        /* ink only in a sliver along this box's print is the print's own
         * edge (its copy in the blank a sample off, or thinner): the next
         * growth, as long as it leaves room */
        while (g + 1 < N_GROW && b->free_px[g + 1] >= INSIDE_MIN_FREE * b->w * b->h &&
               ink_only_along_print(b, grows[g], pitch))
            g++;
        inside_measure(b, grows[g], pitch, &m[b->k]);
        done++;
    }
    if (rc == 0 && done)
        last_grow = grows[chosen];
    for (size_t i = 0; i < nb; i++) {
        free(boxes[i].dark);
        free(boxes[i].dist);
    }
    free(boxes);
    return rc < 0 ? -1 : done;
}
