/*
 * discover_lattice.c — more boxes like those a blank's page already showed
 * (discover_lattice.h).
 *
 * The boxes found so far are grouped into classes of one size, shape and
 * print. For each class with two or more examples, every place on the page
 * is scored by the share of the class's outline (sample points every 2 px
 * along the outline's middle line, a rectangle's four sides or an
 * ellipse's four quarters) that has ink within a pixel: a dotted outline of
 * a 1-bit scan keeps a good share of it, blank paper and print of another
 * size do not. The bar is set by the class's own examples on this page
 * (0.6 of their median share, never under 0.35, each side or quarter at
 * least half the bar; where the examples are all alike, as on a clean
 * scan, no more than 0.15 under the worse of them, their 10th
 * percentile), not by a constant tuned to one scan; the inside must
 * be clear of ink (for boxes with a glyph printed inside them, a band just
 * inside the outline). A class seen only on the specks of nearly erased
 * outlines (a dot here and there) is scored on those specks alone, with a
 * bar of 0.1 at least: print and rules round it are no dots of an outline.
 * Integral images of the ink and of the ink thickened
 * by a pixel make the band and inside sums cheap, so only places with ink
 * enough round them are sampled. The best-scoring places win over their
 * overlapping neighbours and over nothing already found.
 */
#include "forms/discover_lattice.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/common.h"

#define MAX_CLASSES 16
#define MAX_POINTS 512
#define MIN_SHARE 0.35
#define MIN_SHARE_FAINT 0.1 /* a class seen only on specks (seed_only 2): a nearly erased outline */
#define ARCS 16 /* the outline cut in as many pieces along its length */

typedef struct {
    int w, h, stroke, round, print_inside, n, faint;
    size_t first; /* index of the first example in seeds */
} box_class;

typedef struct {
    int x, y, cls, print_inside;
    double score;
} place;

typedef struct {
    const uint32_t *sd, *si; /* integral images of the thickened ink and the ink, (w+1) × (h+1) */
    const uint8_t *d, *ink;
    int w, h;
} page_sums;

static uint32_t rect_sum(const uint32_t *S, int w, int x0, int y0, int x1, int y1) {
    /* pixels x0 <= x < x1, y0 <= y < y1 */
    size_t W = (size_t)w + 1;
    return S[(size_t)y1 * W + x1] - S[(size_t)y0 * W + x1] - S[(size_t)y1 * W + x0] + S[(size_t)y0 * W + x0];
}

static void integral(const uint8_t *a, int w, int h, uint32_t *S) {
    size_t W = (size_t)w + 1;
    memset(S, 0, W * sizeof *S);
    for (int y = 0; y < h; y++) {
        uint32_t row = 0;
        S[(size_t)(y + 1) * W] = 0;
        for (int x = 0; x < w; x++) {
            row += a[(size_t)y * w + x];
            S[(size_t)(y + 1) * W + x + 1] = S[(size_t)y * W + x + 1] + row;
        }
    }
}

/* Sample points of a class's outline middle line, relative to its top-left,
 * and the side or quarter (0..3) each belongs to. */
static int outline_points(const box_class *c, int px[], int py[], int side[], int qx[], int qy[]) {
    double e = fmax(0.5, c->stroke / 2.0), o = c->stroke / 2.0 + 3.5; /* q: as far outside the line */
    int n = 0;
    if (c->round) {
        double a = c->w / 2.0 - e, b = c->h / 2.0 - e, per = M_PI * (3 * (a + b) - sqrt((3 * a + b) * (a + 3 * b)));
        int m = (int)(per / 2);
        if (m > MAX_POINTS)
            m = MAX_POINTS;
        for (int k = 0; k < m; k++) {
            double t = 2 * M_PI * (k + 0.5) / m;
            px[n] = (int)floor(c->w / 2.0 + a * cos(t));
            py[n] = (int)floor(c->h / 2.0 + b * sin(t));
            qx[n] = (int)floor(c->w / 2.0 + (a + o) * cos(t));
            qy[n] = (int)floor(c->h / 2.0 + (b + o) * sin(t));
            side[n++] = (int)(t / (M_PI / 2));
        }
        return n;
    }
    int ex = (int)floor(e);
    for (int sd = 0; sd < 4; sd++) {
        int len = sd < 2 ? c->w : c->h, m = len / 2;
        for (int k = 0; k < m && n < MAX_POINTS; k++) {
            int t = (int)((k + 0.5) * len / m);
            px[n] = sd < 2 ? t : (sd == 2 ? ex : c->w - 1 - ex);
            py[n] = sd < 2 ? (sd == 0 ? ex : c->h - 1 - ex) : t;
            int oo = (int)ceil(o);
            qx[n] = sd < 2 ? t : (sd == 2 ? ex - oo : c->w - 1 - ex + oo);
            qy[n] = sd < 2 ? (sd == 0 ? ex - oo : c->h - 1 - ex + oo) : t;
            side[n++] = sd;
        }
    }
    return n;
}

/* The share of the outline's points with thickened ink, 0 when a side or
 * quarter has less than `side_min` of its points. */
static double coverage(const page_sums *p, int x, int y, int n, const int px[], const int py[], const int side[],
                       const int qx[], const int qy[], double side_min, double *raw, double *out, int *arcs) {
    int hit[4] = {0}, all[4] = {0}, exact = 0, beyond = 0, arc[ARCS] = {0};
    for (int k = 0; k < n; k++) {
        size_t i = (size_t)(y + py[k]) * p->w + x + px[k];
        hit[side[k]] += p->d[i];
        arc[k * ARCS / n] |= p->d[i];
        exact += p->ink[i];
        beyond += p->ink[(size_t)(y + qy[k]) * p->w + x + qx[k]];
        all[side[k]]++;
    }
    *out = (double)beyond / n;
    *arcs = 0;
    for (int a = 0; a < ARCS; a++)
        *arcs += arc[a];
    int total = 0;
    for (int sd = 0; sd < 4; sd++) {
        if (all[sd] && hit[sd] < side_min * all[sd])
            return 0;
        total += hit[sd];
    }
    *raw = (double)exact / n;
    return (double)total / n;
}

/* The inner rectangle a class's outline cannot touch: inset by the stroke
 * and two pixels (for an ellipse, the rectangle inscribed in its inside). */
static void inner_rect(const box_class *c, int *ix, int *iy, int *iw, int *ih) {
    int m = c->stroke + 2;
    double hw = c->w / 2.0 - m, hh = c->h / 2.0 - m;
    if (c->round) {
        hw /= M_SQRT2;
        hh /= M_SQRT2;
    }
    *iw = (int)(2 * hw);
    *ih = (int)(2 * hh);
    *ix = (int)(c->w / 2.0 - hw);
    *iy = (int)(c->h / 2.0 - hh);
}

/* 1 when a stroke inside the band along one side of the inner rectangle
 * (x0..x1 × y0..y1 on the page, band b px) carries on across the outline:
 * ink in the band and ink 3 px beyond the box's outer edge (x, y, c->w × c->h)
 * on the same column or row (±1 px for skew). A glyph printed in a box stays
 * inside its outline; a bar of a barcode, or a rule, runs through it. */
static int stroke_runs_through(const page_sums *p, const box_class *c, int x, int y, int x0, int y0, int x1, int y1,
                               int b) {
    int above = y - 3, below = y + c->h + 2, left = x - 3, right = x + c->w + 2;
    for (int side = 0; side < 4; side++) {
        int horiz = side < 2, out = side == 0 ? above : side == 1 ? below : side == 2 ? left : right;
        if (out < 0 || (horiz ? out >= p->h : out >= p->w))
            continue;
        int from = horiz ? x0 : y0, to = horiz ? x1 : y1;
        int band0 = side == 0 ? y0 : side == 1 ? y1 - b : side == 2 ? x0 : x1 - b;
        for (int t = from; t < to; t++) {
            int in_band = 0, beyond = 0;
            for (int k = band0; k < band0 + b && !in_band; k++)
                in_band = horiz ? p->ink[(size_t)k * p->w + t] : p->ink[(size_t)t * p->w + k];
            for (int d = -1; d <= 1 && in_band && !beyond; d++) {
                int u = t + d;
                if (u >= 0 && (horiz ? u < p->w : u < p->h))
                    beyond = horiz ? p->ink[(size_t)out * p->w + u] : p->ink[(size_t)u * p->w + out];
            }
            if (beyond)
                return 1;
        }
    }
    return 0;
}

/* 1 when the inside at (x, y) is clear: the whole inner rectangle (but for
 * specks); 2 when only a band along each of its sides is (each at most 10%
 * ink) and no stroke in those bands runs on out of the box: a glyph printed
 * in the middle, as in AMC's digit grids (only that for a class with print
 * inside); 0 otherwise. */
static int inside_clear(const page_sums *p, const box_class *c, int x, int y) {
    int ix, iy, iw, ih;
    inner_rect(c, &ix, &iy, &iw, &ih);
    if (iw < 2 || ih < 2)
        return 0;
    int x0 = x + ix, y0 = y + iy, x1 = x0 + iw, y1 = y0 + ih;
    /* specks, not a line: a line across it has ink on most of its width */
    if (!c->print_inside && rect_sum(p->si, p->w, x0, y0, x1, y1) <= 0.15 * fmin(iw, ih) + 1)
        return 1;
    int b = (int)fmax(2, 0.06 * fmin(c->w, c->h));
    uint32_t s[4] = {rect_sum(p->si, p->w, x0, y0, x1, y0 + b), rect_sum(p->si, p->w, x0, y1 - b, x1, y1),
                     rect_sum(p->si, p->w, x0, y0, x0 + b, y1), rect_sum(p->si, p->w, x1 - b, y0, x1, y1)};
    for (int k = 0; k < 4; k++)
        if (s[k] > 0.1 * b * (k < 2 ? iw : ih) + 1)
            return 0;
    return stroke_runs_through(p, c, x, y, x0, y0, x1, y1, b) ? 0 : 2;
}

/* d = a thickened by a pixel (3 × 3). */
static void thicken1(const uint8_t *a, uint8_t *d, int w, int h) {
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            uint8_t v = 0;
            for (int dy = -1; dy <= 1 && !v; dy++)
                for (int dx = -1; dx <= 1 && !v; dx++) {
                    int u = x + dx, t = y + dy;
                    v = u >= 0 && t >= 0 && u < w && t < h && a[(size_t)t * w + u];
                }
            d[(size_t)y * w + x] = v;
        }
}

static int cmp_place(const void *a, const void *b) {
    const place *p = a, *q = b;
    return p->score > q->score ? -1 : p->score < q->score;
}

/* 1 when two places of about one size overlap (a bubble inside a table's
 * cell is no rival of the cell: discover_shapes keeps the bubble). */
static int overlaps(double ax, double ay, double aw, double ah, double bx, double by, double bw, double bh) {
    double ox = fmin(ax + aw, bx + bw) - fmax(ax, bx), oy = fmin(ay + ah, by + bh) - fmax(ay, by);
    double ratio = aw * ah / (bw * bh);
    return ox > 0 && oy > 0 && ox * oy > 0.25 * fmin(aw * ah, bw * bh) && ratio > 0.5 && ratio < 2;
}

/* 1 when two boxes of like size (areas within 3 times) cross: they share
 * paper but neither holds the other (a form prints no box across another;
 * a place of one size straddling a box of another and the rule beside it is
 * no box). A patch many times bigger is rather a table's cell between rules,
 * which drop_crowded gives up for the boxes on it. */
static int crosses(double ax, double ay, double aw, double ah, double bx, double by, double bw, double bh) {
    double ox = fmin(ax + aw, bx + bw) - fmax(ax, bx), oy = fmin(ay + ah, by + bh) - fmax(ay, by);
    double ratio = aw * ah / (bw * bh);
    if (ratio < 1.0 / 3 || ratio > 3)
        return 0;
    int a_in_b = ax >= bx - 1 && ay >= by - 1 && ax + aw <= bx + bw + 1 && ay + ah <= by + bh + 1;
    int b_in_a = bx >= ax - 1 && by >= ay - 1 && bx + bw <= ax + aw + 1 && by + bh <= ay + ah + 1;
    return ox > 1 && oy > 1 && !a_in_b && !b_in_a;
}

static int median_int(int *v, int n) {
    for (int i = 1; i < n; i++) /* insertion sort: a class holds few examples */
        for (int j = i; j > 0 && v[j] < v[j - 1]; j--) {
            int t = v[j];
            v[j] = v[j - 1];
            v[j - 1] = t;
        }
    return v[n / 2];
}

/* Groups the seeds into classes; returns how many. */
static int make_classes(const page_sums *p, const lattice_box *seeds, size_t n, box_class *cls, int *member) {
    int nc = 0;
    for (size_t i = 0; i < n; i++) {
        lattice_box b1 = seeds[i];
        const lattice_box *b = &b1;
        if (b->seed_only && b->x >= 0 && b->y >= 0 && b->x + b->w < p->w && b->y + b->h < p->h) {
            /* found on thickened ink, which joins a glyph printed inside
             * to the outline: whether it has print, from the ink as it is */
            box_class one = {(int)lround(b->w), (int)lround(b->h), (int)lround(fmax(1, b->stroke)), b->round, 0, 1, 0, i};
            b1.print_inside = inside_clear(p, &one, (int)lround(b->x), (int)lround(b->y)) != 1;
        }
        member[i] = -1;
        for (int k = 0; k < nc && member[i] < 0; k++) {
            const lattice_box *f = &seeds[cls[k].first];
            if (f->round == b->round && cls[k].print_inside == b->print_inside && fabs(b->w - f->w) < 0.12 * f->w &&
                fabs(b->h - f->h) < 0.12 * f->h)
                member[i] = k;
        }
        if (member[i] < 0 && nc < MAX_CLASSES) {
            cls[nc] = (box_class){0, 0, 0, b->round, b->print_inside, 0, 0, i};
            member[i] = nc++;
        }
        if (member[i] >= 0) {
            cls[member[i]].faint = cls[member[i]].n ? cls[member[i]].faint && b->seed_only == 2 : b->seed_only == 2;
            cls[member[i]].n++;
        }
    }
    for (int k = 0; k < nc; k++) { /* the class's size and stroke: its examples' medians */
        int *vw = malloc(sizeof(int) * 3 * (size_t)cls[k].n), m = 0;
        if (!vw) {
            cls[k].n = 0;
            continue;
        }
        int *vh = vw + cls[k].n, *vs = vh + cls[k].n;
        for (size_t i = 0; i < n; i++)
            if (member[i] == k) {
                vw[m] = (int)lround(seeds[i].w);
                vh[m] = (int)lround(seeds[i].h);
                vs[m++] = (int)lround(fmax(1, seeds[i].stroke));
            }
        cls[k].w = median_int(vw, m);
        cls[k].h = median_int(vh, m);
        cls[k].stroke = median_int(vs, m);
        free(vw);
    }
    return nc;
}

int discover_lattice(const uint8_t *ink, const uint8_t *specks, int w, int h, double s, const lattice_box *seeds, size_t n_seeds,
                     lattice_box *out, size_t max) {
    assert(ink && w > 0 && h > 0 && s > 0);
    if (n_seeds < 3)
        return 0;
    size_t npx = (size_t)w * h, nS = ((size_t)w + 1) * ((size_t)h + 1);
    uint8_t *d = malloc(npx), *df = specks ? malloc(npx) : NULL;
    uint32_t *sd = malloc(nS * sizeof *sd), *si = malloc(nS * sizeof *si), *sf = specks ? malloc(nS * sizeof *sf) : NULL;
    int *member = malloc(n_seeds * sizeof *member);
    int *px = malloc(6 * MAX_POINTS * sizeof *px);
    place *pl = NULL;
    size_t npl = 0, cap = 0;
    int written = -1;
    if (!d || !sd || !si || !member || !px || (specks && (!df || !sf)))
        goto done;
    int *py = px + MAX_POINTS, *side = py + MAX_POINTS, *qx = side + MAX_POINTS, *qy = qx + MAX_POINTS;
    thicken1(ink, d, w, h);
    integral(d, w, h, sd);
    integral(ink, w, h, si);
    page_sums p = {sd, si, d, ink, w, h}, pf = p;
    if (specks) { /* a faint class's outline is scored on the specks alone (not letters or rules) */
        thicken1(specks, df, w, h);
        integral(df, w, h, sf);
        pf.sd = sf;
        pf.d = df;
    }
    box_class cls[MAX_CLASSES];
    int nc = make_classes(&p, seeds, n_seeds, cls, member);
    double bar[MAX_CLASSES];
    for (int k = 0; k < nc; k++) {
        box_class *c = &cls[k];
        const page_sums *pc = c->faint && specks ? &pf : &p;
        if (c->n < 3 || c->w < 8 || c->h < 8 || c->w >= w - 4 || c->h >= h - 4)
            continue;
        int n = outline_points(c, px, py, side, qx, qy), mg = c->stroke / 2 + 6; /* margin for q */
        /* the bar: what the class's own examples show (their best place
         * within 2 px, as their size is the class's median) */
        double *got = malloc(2 * (size_t)c->n * sizeof *got), *got_out = got + c->n;
        int *got_arcs = malloc((size_t)c->n * sizeof *got_arcs);
        if (!got || !got_arcs) {
            free(got);
            free(got_arcs);
            goto done;
        }
        int m = 0;
        for (size_t i = 0; i < n_seeds; i++) {
            if (member[i] != k)
                continue;
            double best = 0, raw, out, best_out = 1;
            int arcs, best_arcs = 0;
            for (int dy = -2; dy <= 2; dy++)
                for (int dx = -2; dx <= 2; dx++) {
                    int x = (int)lround(seeds[i].x) + dx, y = (int)lround(seeds[i].y) + dy;
                    if (x >= mg && y >= mg && x + c->w < w - mg && y + c->h < h - mg) {
                        double cov = coverage(pc, x, y, n, px, py, side, qx, qy, 0, &raw, &out, &arcs);
                        if (cov > best) {
                            best = cov;
                            best_out = out;
                            best_arcs = arcs;
                        }
                    }
                }
            got[m] = best;
            got_arcs[m] = best_arcs;
            got_out[m++] = best_out;
        }
        qsort(got, (size_t)m, sizeof *got, omr_cmp_double);
        /* ... and where the examples are alike (a clean scan: all whole),
         * not much under the worse of them (their 10th percentile): rules
         * and a letter that touch a bubble's outline in a table's corner
         * are not one */
        bar[k] = fmax(fmax(c->faint ? MIN_SHARE_FAINT : MIN_SHARE, 0.6 * got[m / 2]), got[m / 10] - 0.15);
        /* an outline is a line: ink just beyond it is a rule or leader
         * crossing it at a few points (as on the examples), not print that
         * happens to lie along it */
        double out_bar = omr_sort_middle(got_out, (size_t)m) + 0.15;
        /* ink all round: a real outline, even dotted, has ink in nearly
         * every sixteenth of its length, rules crossing it in a few */
        int arcs_bar = median_int(got_arcs, m) - 2;
        free(got_arcs);
        free(got);
        /* examples whose outline is no thin line (ink beyond it on a
         * sixth of its length: print, texture) are no class of boxes */
        if (out_bar > 0.3)
            continue;
        int ix, iy, iw, ih;
        inner_rect(c, &ix, &iy, &iw, &ih);
        for (int y = mg; y + c->h < h - mg; y++)
            for (int x = mg; x + c->w < w - mg; x++) {
                /* cheap first: enough thickened ink between the outer edge
                 * and the inner rectangle for the bar, and a clear inside */
                uint32_t band = rect_sum(pc->sd, w, x - 1, y - 1, x + c->w + 1, y + c->h + 1) -
                                rect_sum(pc->sd, w, x + ix, y + iy, x + ix + iw, y + iy + ih);
                int inside;
                if (band < bar[k] * n || !(inside = inside_clear(&p, c, x, y)))
                    continue;
                int arcs;
                double raw, out, cov = coverage(pc, x, y, n, px, py, side, qx, qy, 0.5 * bar[k], &raw, &out, &arcs);
                if (cov < bar[k] || out > out_bar || arcs < arcs_bar)
                    continue;
                if (npl == cap) {
                    size_t nc2 = cap ? 2 * cap : 1024;
                    place *g = realloc(pl, nc2 * sizeof *pl);
                    if (!g)
                        goto done;
                    pl = g;
                    cap = nc2;
                }
                pl[npl++] = (place){x, y, k, inside == 2, cov + 0.5 * raw};
            }
    }
    qsort(pl, npl, sizeof *pl, cmp_place);
    written = 0;
    for (size_t i = 0; i < npl && (size_t)written < max; i++) {
        const box_class *c = &cls[pl[i].cls];
        int taken = 0;
        for (size_t j = 0; j < n_seeds && !taken; j++)
            taken = !seeds[j].seed_only &&
                    (overlaps(pl[i].x, pl[i].y, c->w, c->h, seeds[j].x, seeds[j].y, seeds[j].w, seeds[j].h) ||
                     crosses(pl[i].x, pl[i].y, c->w, c->h, seeds[j].x, seeds[j].y, seeds[j].w, seeds[j].h));
        for (int j = 0; j < written && !taken; j++)
            taken = overlaps(pl[i].x, pl[i].y, c->w, c->h, out[j].x, out[j].y, out[j].w, out[j].h);
        if (!taken)
            out[written++] = (lattice_box){pl[i].x, pl[i].y, c->w, c->h, c->stroke, c->round, pl[i].print_inside, 0};
    }
done:
    free(pl);
    free(px);
    free(member);
    free(si);
    free(sd);
    free(d);
    free(sf);
    free(df);
    return written;
}
