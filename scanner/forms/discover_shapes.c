/*
 * discover_shapes.c — boxes, combs and corner marks on one page of a blank
 * (discover_shapes.h).
 *
 * Boxes are found by the paper inside them, not by their ink: on a real
 * blank a box's outline is often joined to a dotted or solid leader line, a
 * table rule or its neighbours in a grid, so its ink component is no box at
 * all; the paper it encloses still is. The ink is thickened by ~0.2 mm
 * first, which closes the gaps a light 1-bit threshold leaves in thin
 * outlines; every enclosed patch of paper that is empty, square, round or
 * oval, and 1.5 to 19.5 mm wide and high is a box when the ink around it is
 * a thin line (the outline's width is the lower third of twelve probes that meet ink, so a
 * leader line running out of a side does not count; a square's may be up to a quarter of
 * its size where the paper round it is clear, as a bold box is and the paper
 * between a QR code's modules is not). Rectangles that are
 * not about square are kept only as the cells of a comb: five or more boxes
 * of one size side by side with gaps under a third of their width, which is
 * a text field (a name written a letter per box), not a row of questions.
 *
 * Boxes with print inside (a digit or sign in each box, as AMC's number
 * grids) are found in a second pass on the ink as it is, not thickened (a
 * thickened digit would touch its outline): a patch of paper with holes is
 * such a box when the print takes at most 30% of it, sits in its middle,
 * and the outline's edges stop at its corners (a table's cell with a
 * heading in it has rules running on). On a light 1-bit scan such a box's
 * outline is broken too: a third pass takes the ink closed by ~0.2 mm
 * (thickened, then thinned as much), which bridges the outline's gaps but
 * leaves the print inside apart from it. A box with print round another box
 * is a cell round a bubble: the bubble is the box.
 *
 * An outline about one pixel thick on a light 1-bit scan (200 dpi) breaks
 * into dots that no closing joins. Two more passes (the ink thickened by
 * 0.6 mm; the ink closed by 0.35 mm, for print inside) give rough guesses
 * that are kept only as examples: discover_lattice.c then looks for boxes
 * of the examples' sizes everywhere on the page by the ink along their
 * outline, and only what it finds (examples included) becomes a box.
 * An outline a light threshold nearly erased keeps only a dot here and
 * there: the specks alone (no letter or digit) thickened by 1 to 1.4 mm
 * give examples of their own (faint_seeds), which discover_lattice scores
 * on the specks, not on the print round them.
 *
 * Corner marks are the ink components near each corner that look like one:
 * a solid square or disc, a ring (a thick outline), an L-bar or a long bar.
 */
#include "forms/discover_shapes.h"

#include "forms/discover_lattice.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/common.h"

#define MAX_PAPER 200000

/* ---- boxes ------------------------------------------------------------------------ */

typedef struct {
    omr_rect r;   /* mm, outer edge */
    int round;
    int squareish; /* aspect 0.8..1.25 */
    int comb;
    int print_inside; /* a digit or letter printed in it */
    int seed_only;    /* found on heavily thickened ink: an example for discover_lattice only
                       * (2: on the specks of a nearly erased outline alone) */
    double stroke;    /* mm, the outline's width */
} candidate;

/* Ink run length from (x, y) outward in (dx, dy), after skipping at most
 * `skip` px of paper; -1 when no ink is met. */
static int ink_run(const uint8_t *ink, int w, int h, int x, int y, int dx, int dy, int skip, int max) {
    int k = 0;
    while (k <= skip && x >= 0 && y >= 0 && x < w && y < h && !ink[(size_t)y * w + x]) {
        x += dx;
        y += dy;
        k++;
    }
    if (k > skip || x < 0 || y < 0 || x >= w || y >= h)
        return -1;
    int n = 0;
    while (n < max && x >= 0 && y >= 0 && x < w && y < h && ink[(size_t)y * w + x]) {
        x += dx;
        y += dy;
        n++;
    }
    return n;
}

static int cmp_cand(const void *a, const void *b) {
    const candidate *p = a, *q = b;
    double d = p->r.y - q->r.y;
    if (fabs(d) > 0.3 * fmin(p->r.h, q->r.h))
        return d < 0 ? -1 : 1;
    return p->r.x < q->r.x ? -1 : p->r.x > q->r.x;
}

/* The outline's width around the paper patch (px of the undilated ink). */
static double outline_width(const uint8_t *ink, int w, int h, int x0, int y0, int x1, int y1, int skip,
                            int max) {
    int probe[12], n = 0;
    for (int k = 1; k <= 3; k++) {
        int xm = x0 + (x1 - x0) * k / 4, ym = y0 + (y1 - y0) * k / 4;
        int v[4] = {ink_run(ink, w, h, xm, y0, 0, -1, skip, max), ink_run(ink, w, h, xm, y1, 0, 1, skip, max),
                    ink_run(ink, w, h, x0, ym, -1, 0, skip, max), ink_run(ink, w, h, x1, ym, 1, 0, skip, max)};
        for (int i = 0; i < 4; i++)
            if (v[i] > 0) /* a probe through a gap in a broken outline says nothing */
                probe[n++] = v[i];
    }
    if (n < 4)
        return 0;
    qsort(probe, (size_t)n, sizeof *probe, omr_cmp_int);
    return probe[n / 3];
}

/* How the patch's rows fill its bounding box, at 9 heights (10% .. 90%),
 * against a rectangle (all 1) and an ellipse (sqrt(1 - v^2)): mean absolute
 * differences. A cell of a ruled grid with boxes in its corners is neither. */
static void row_profile(const omr_image *paper, const cvw_shape *p, int extent, double *off_rect,
                        double *off_ellipse) {
    double dr = 0, de = 0;
    for (int k = 1; k <= 9; k++) {
        int y = p->y + (int)(p->h * k / 10.0);
        int run = 0, first = -1, last = -1;
        for (int x = p->x; x < p->x + p->w; x++)
            if (omr_image_at(paper, x, y) < 128) {
                run++;
                last = x;
                if (first < 0)
                    first = x;
            }
        if (extent) /* print inside: the row from its first paper to its last */
            run = first < 0 ? 0 : last - first + 1;
        double f = (double)run / p->w, v = 2 * (y + 0.5 - p->y) / p->h - 1; /* the row's own height */
        dr += fabs(f - 1);
        de += fabs(f - sqrt(1 - v * v));
    }
    *off_rect = dr / 9;
    *off_ellipse = de / 9;
}

/* Share of ink on the segment (x0, y0)-(x1, y1), px, a pixel either side. */
static double ink_along(const uint8_t *ink, int w, int h, double x0, double y0, double x1, double y1) {
    int n = (int)fmax(fabs(x1 - x0), fabs(y1 - y0)) + 1, hit = 0;
    for (int k = 0; k < n; k++) {
        int x = (int)lround(x0 + (x1 - x0) * k / n), y = (int)lround(y0 + (y1 - y0) * k / n), found = 0;
        for (int d = -1; d <= 1 && !found; d++) {
            int u = x0 == x1 ? x + d : x, v = x0 == x1 ? y : y + d;
            found = u >= 0 && v >= 0 && u < w && v < h && ink[(size_t)v * w + u];
        }
        hit += found;
    }
    return (double)hit / n;
}

/* 1 when the outline's edges run on past its corners (two or more of the
 * eight ways): a cell of a ruled table, not a box standing on its own. */
static int edges_run_on(const uint8_t *ink, int w, int h, omr_rect r, double stroke, double s) {
    double x0 = r.x * s, y0 = r.y * s, x1 = (r.x + r.w) * s, y1 = (r.y + r.h) * s, m = stroke * s / 2;
    double a = 0.3 * s, b = 1.2 * s;
    double probes[8] = {
        ink_along(ink, w, h, x0 - b, y0 + m, x0 - a, y0 + m), ink_along(ink, w, h, x1 + a, y0 + m, x1 + b, y0 + m),
        ink_along(ink, w, h, x0 - b, y1 - m, x0 - a, y1 - m), ink_along(ink, w, h, x1 + a, y1 - m, x1 + b, y1 - m),
        ink_along(ink, w, h, x0 + m, y0 - b, x0 + m, y0 - a), ink_along(ink, w, h, x0 + m, y1 + a, x0 + m, y1 + b),
        ink_along(ink, w, h, x1 - m, y0 - b, x1 - m, y0 - a), ink_along(ink, w, h, x1 - m, y1 + a, x1 - m, y1 + b)};
    int on = 0;
    for (int k = 0; k < 8; k++)
        on += probes[k] > 0.7;
    return on >= 2;
}

/* 1 when the paper 0.5 mm outside the rectangle r (mm) is mostly clear
 * (under 30% ink round it): a box standing on the page, a leader line or a
 * table's rule running into it aside; not a gap among a QR code's modules. */
static int clear_around(const uint8_t *ink, int w, int h, omr_rect r, double s) {
    double x0 = (r.x - 0.5) * s, y0 = (r.y - 0.5) * s, x1 = (r.x + r.w + 0.5) * s, y1 = (r.y + r.h + 0.5) * s;
    double share = ink_along(ink, w, h, x0, y0, x1, y0) + ink_along(ink, w, h, x0, y1, x1, y1) +
                   ink_along(ink, w, h, x0, y0, x0, y1) + ink_along(ink, w, h, x1, y0, x1, y1);
    return share < 4 * 0.3;
}

static int on_mark(const discover_page *pg, const omr_rect areas[4], omr_rect r) {
    double cx = r.x + r.w / 2, cy = r.y + r.h / 2;
    for (int k = 0; k < 4; k++)
        if (pg->has_mark[k] && cx > areas[k].x - 1 && cx < areas[k].x + areas[k].w + 1 && cy > areas[k].y - 1 &&
            cy < areas[k].y + areas[k].h + 1)
            return 1;
    return 0;
}

/* The cell of a comb beside c[i] on its `dir` side (1 right, -1 left): not
 * round, of its size (15%), on its row (30% of its height) and at most a
 * third of its width away; nc when there is none. */
static size_t comb_neighbour(const candidate *c, size_t nc, size_t i, int dir) {
    const omr_rect a = c[i].r;
    for (size_t j = 0; j < nc; j++) {
        const omr_rect b = c[j].r;
        double gap = dir > 0 ? b.x - (a.x + a.w) : a.x - (b.x + b.w);
        if (j != i && !c[j].round && fabs(b.y - a.y) < 0.3 * a.h && fabs(b.w - a.w) < 0.15 * a.w &&
            fabs(b.h - a.h) < 0.15 * a.h && gap < 0.35 * a.w && gap > -0.35 * a.w)
            return j;
    }
    return nc;
}

/* The paper patches of `paper` (paper dark, the ink thickened by r px) that
 * are boxes: appended to c[*nc]. With `print_inside`, only patches with
 * something printed inside them (a digit or letter in each box: its holes)
 * are taken, the print small and near the middle. */
static void paper_boxes(const omr_image *paper, const uint8_t *ink, const cvw_shape *shapes, int n, int r,
                        double s, int print_inside, int seed_only, const omr_rect areas[4],
                        const discover_page *pg, candidate *c, size_t *nc) {
    int w = paper->width, h = paper->height;
    for (int i = 0; i < n; i++) {
        const cvw_shape *p = &shapes[i];
        /* the true inside: the patch grown back by r */
        int x0 = p->x - r, y0 = p->y - r, x1 = p->x + p->w - 1 + r, y1 = p->y + p->h - 1 + r;
        double iw = (x1 - x0 + 1) / s, ih = (y1 - y0 + 1) / s;
        if (iw < 1.5 || ih < 1.5 || iw > 19.5 || ih > 19.5 || x0 <= 0 || y0 <= 0 || x1 >= w - 1 || y1 >= h - 1)
            continue;
        double printed = 1 - p->ink / p->area; /* the share of the inside that holes take */
        /* the first pass takes empty patches (specks of a 1-bit scan aside),
         * the second those with anything printed inside, however small */
        if (print_inside ? p->n_holes == 0 : (p->n_holes > 0 && p->hole_area > 0.03 * p->area))
            continue;
        if (print_inside) {
            /* one glyph or a short word, in the middle, clear of the outline */
            double hcx = p->hx + p->hw / 2.0 - (p->x + p->w / 2.0), hcy = p->hy + p->hh / 2.0 - (p->y + p->h / 2.0);
            if (printed > 0.3 || fabs(hcx) > 0.2 * p->w || fabs(hcy) > 0.2 * p->h || p->hw > 0.8 * p->w ||
                p->hh > 0.85 * p->h || iw > 12 || ih > 12)
                continue;
        }
        double fill = p->area / ((double)p->w * p->h), aspect = iw / ih, off_rect, off_ellipse;
        row_profile(paper, p, print_inside, &off_rect, &off_ellipse);
        /* (the unthickened ink of a 1-bit scan leaves a box's inside ragged) */
        int square = fill > 0.85 && p->vertices == 4 && off_rect < (print_inside ? 0.09 : 0.06) && aspect > 0.5 &&
                     aspect < 2.0;
        int round = !square && fabs(fill - M_PI / 4) < 0.09 && off_ellipse < 0.05 + 1.2 / p->h && aspect > 0.4 && aspect < 3.5;
        if (seed_only == 2 && !square && !round) { /* specks thickened leave a ragged patch: a rough guess */
            square = fill > 0.8 && off_rect < 0.12 && aspect > 0.5 && aspect < 2.0;
            round = !square && fabs(fill - M_PI / 4) < 0.12 && off_ellipse < 0.12 && aspect > 0.4 && aspect < 3.5;
        }
        if (!square && !round)
            continue;
        double stroke = outline_width(ink, w, h, x0 + r, y0 + r, x1 - r, y1 - r, 2 * r + 1, (int)(2 * s)) / s;
        if (seed_only == 2) /* a dot here and there: most probes meet none */
            stroke = fmax(stroke, 1 / s);
        double ow = iw + 2 * stroke, oh = ih + 2 * stroke;
        /* a thin line; a square's may be thicker (up to a quarter of its
         * size: a box printed bold, or bled on a 200-dpi scan) when it stands
         * on clear paper, unlike the paper between a QR code's modules */
        double thin = fmax(0.7, 0.12 * fmin(ow, oh));
        if (stroke < 1 / s || ow < 2.5 || oh < 2.5 || ow > 20 || oh > 20)
            continue;
        if (stroke > thin && !(square && stroke <= 0.25 * fmin(ow, oh) &&
                               clear_around(ink, w, h, (omr_rect){x0 / s - stroke, y0 / s - stroke, ow, oh}, s)))
            continue;
        candidate k = {{x0 / s - stroke, y0 / s - stroke, ow, oh}, round, ow / oh > 0.8 && ow / oh < 1.25, 0,
                       print_inside, seed_only, stroke};
        if (on_mark(pg, areas, k.r))
            continue;
        if (print_inside && edges_run_on(ink, w, h, k.r, stroke, s)) /* a table's cell with its heading */
            continue;
        if (print_inside || seed_only) { /* found by an earlier pass already */
            int seen = 0;
            for (size_t j = 0; j < *nc && !seen; j++)
                seen = fabs(c[j].r.x - k.r.x) < 0.5 * k.r.w && fabs(c[j].r.y - k.r.y) < 0.5 * k.r.h;
            if (seen)
                continue;
        }
        c[(*nc)++] = k;
    }
}

/* Boxes like those found (discover_lattice.h) appended to *c; the
 * heavily-thickened pass's guesses kept only when found again, or (still
 * marked seed_only, never a box) as a possible cell of a comb where nothing
 * else stands: a comb's cell the matched filter missed still joins its
 * comb's neighbours, which then make a text field, not boxes. */
static int add_lattice(const uint8_t *ink, const uint8_t *speck, int w, int h, double s, const omr_rect areas[4], const discover_page *pg,
                       candidate **c, size_t *nc, omr_error *err) {
    size_t max = 4096;
    lattice_box *seeds = malloc((*nc + 1) * sizeof *seeds), *found = malloc(max * sizeof *found);
    if (!seeds || !found) {
        free(seeds);
        free(found);
        return omr_fail(err, OMR_ERR_MEMORY, "out of memory");
    }
    for (size_t i = 0; i < *nc; i++) {
        const candidate *k = &(*c)[i];
        seeds[i] = (lattice_box){k->r.x * s, k->r.y * s, k->r.w * s, k->r.h * s, k->stroke * s, k->round,
                                 k->print_inside, k->seed_only};
    }
    int n = discover_lattice(ink, speck, w, h, s, seeds, *nc, found, max);
    candidate *grown = n > 0 ? realloc(*c, (*nc + (size_t)n) * sizeof **c) : *c;
    if (n < 0 || !grown) {
        free(seeds);
        free(found);
        return omr_fail(err, OMR_ERR_MEMORY, "out of memory");
    }
    *c = grown;
    size_t kept = 0;
    for (size_t i = 0; i < *nc; i++)
        if (!(*c)[i].seed_only)
            (*c)[kept++] = (*c)[i];
    for (int i = 0; i < n; i++) {
        const lattice_box *f = &found[i];
        candidate k = {{f->x / s, f->y / s, f->w / s, f->h / s}, f->round, f->w / f->h > 0.8 && f->w / f->h < 1.25,
                       0, f->print_inside, 0, f->stroke / s};
        /* as paper_boxes: a table's cell with its heading is no box */
        if (!on_mark(pg, areas, k.r) && !(k.print_inside && edges_run_on(ink, w, h, k.r, k.stroke, s)))
            (*c)[kept++] = k;
    }
    size_t real = kept;
    for (size_t i = 0; i < *nc; i++) {
        const lattice_box *g = &seeds[i];
        double cx = (g->x + g->w / 2) / s, cy = (g->y + g->h / 2) / s;
        int free_spot = g->seed_only == 1 && !g->round;
        for (size_t j = 0; j < real && free_spot; j++) {
            omr_rect o = (*c)[j].r;
            free_spot = !(cx > o.x && cx < o.x + o.w && cy > o.y && cy < o.y + o.h);
        }
        if (free_spot)
            (*c)[kept++] = (candidate){{g->x / s, g->y / s, g->w / s, g->h / s}, 0, 0, 0, 0, 1, g->stroke / s};
    }
    *nc = kept;
    free(seeds);
    free(found);
    return OMR_OK;
}

/* dst = the pixels equal to `on` in src thickened by r px (a square), as
 * 1 (and the rest 0); tmp is scratch. */
static void thicken(const uint8_t *src, uint8_t on, uint8_t *tmp, uint8_t *dst, int w, int h, int r) {
    /* a running count of `on` pixels in the window, along rows then columns */
    for (int y = 0; y < h; y++) {
        const uint8_t *row = src + (size_t)y * w;
        int n = 0;
        for (int x = 0; x < r && x < w; x++)
            n += row[x] == on;
        for (int x = 0; x < w; x++) {
            if (x + r < w)
                n += row[x + r] == on;
            if (x - r - 1 >= 0)
                n -= row[x - r - 1] == on;
            tmp[(size_t)y * w + x] = n > 0;
        }
    }
    int *n = calloc((size_t)w, sizeof *n);
    if (!n) { /* the slow way: no scratch for the column counts */
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) {
                uint8_t v = 0;
                for (int d = -r; d <= r && !v; d++)
                    v = y + d >= 0 && y + d < h && tmp[(size_t)(y + d) * w + x];
                dst[(size_t)y * w + x] = v;
            }
        return;
    }
    for (int y = 0; y < r && y < h; y++)
        for (int x = 0; x < w; x++)
            n[x] += tmp[(size_t)y * w + x];
    for (int y = 0; y < h; y++) {
        if (y + r < h)
            for (int x = 0; x < w; x++)
                n[x] += tmp[(size_t)(y + r) * w + x];
        if (y - r - 1 >= 0)
            for (int x = 0; x < w; x++)
                n[x] -= tmp[(size_t)(y - r - 1) * w + x];
        for (int x = 0; x < w; x++)
            dst[(size_t)y * w + x] = n[x] > 0;
    }
    free(n);
}

/* The paper of `img` with the ink thickened by r px (a square); paper dark. */
static void paper_image(const uint8_t *ink, uint8_t *tmp, uint8_t *thick, int w, int h, int r, omr_image *paper) {
    thicken(ink, 1, tmp, thick, w, h, r);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            paper->pixels[(size_t)y * paper->stride + x] = thick[(size_t)y * w + x] ? 255 : 0; /* paper "dark" */
}

/* The ink closed by r px: thickened, then thinned again by as much. Gaps
 * narrower than 2r in a broken 1-bit outline are bridged, while a digit
 * printed 0.5 mm or more inside its box stays apart from the outline (a
 * thickened digit would touch it). */
static void close_ink(const uint8_t *ink, uint8_t *tmp, uint8_t *out, int w, int h, int r) {
    uint8_t *thick = malloc((size_t)w * h);
    if (!thick) { /* no closing: the ink as it is (the pass finds less, nothing wrong) */
        memcpy(out, ink, (size_t)w * h);
        return;
    }
    thicken(ink, 1, tmp, thick, w, h, r);
    thicken(thick, 0, tmp, out, w, h, r); /* the paper thickened back: out = 1 on paper */
    for (size_t i = 0; i < (size_t)w * h; i++)
        out[i] = !out[i];
    free(thick);
}

/* An outline a light 1-bit threshold nearly erased keeps a dot here and
 * there (a tenth to a third of its length), too far apart for any closing
 * of the page's ink: closed by 1 mm, the labels and digits round and inside
 * the boxes would fill them. The specks alone (ink pieces at most 0.45 mm
 * across: no letter or digit) are thickened by 1 mm instead, which closes
 * gaps of up to 2 mm and leaves the paper of a box 2.5 mm or more inside;
 * the patches it encloses are examples only (seed_only 2): discover_lattice
 * keeps what the page repeats. */
static int faint_seeds(const omr_image *img, int threshold, const uint8_t *ink, uint8_t *tmp, uint8_t *work,
                       omr_image *paper, cvw_shape *shapes, double s, const omr_rect areas[4], const discover_page *pg,
                       candidate **c, size_t *nc, size_t *cap, uint8_t *speck, omr_error *err) {
    int w = img->width, h = img->height, max_blobs = MAX_PAPER;
    cvw_blob *blobs = malloc((size_t)max_blobs * sizeof *blobs);
    if (!blobs)
        return omr_fail(err, OMR_ERR_MEMORY, "out of memory");
    int nb = cvw_find_blobs(img, 0, 0, w, h, threshold, blobs, max_blobs), n_specks = 0;
    double most = fmax(2, 0.45 * s);
    for (int i = 0; i < nb && i < max_blobs; i++) {
        const cvw_blob *b = &blobs[i];
        if (b->w > most || b->h > most)
            continue;
        n_specks++;
        for (int y = b->y; y < b->y + b->h; y++)
            for (int x = b->x; x < b->x + b->w; x++)
                speck[(size_t)y * w + x] = ink[(size_t)y * w + x];
    }
    free(blobs);
    int rc = OMR_OK;
    for (int k = 0; k < 3 && n_specks >= 12 && rc == OMR_OK; k++) { /* a few boxes' worth of specks */
        int rf = (int)lround((1.0 + 0.2 * k) * s);
        paper_image(speck, tmp, work, w, h, rf, paper);
        int n = cvw_find_shapes(paper, 128, shapes, MAX_PAPER);
        if (n > MAX_PAPER)
            n = MAX_PAPER;
        if (n <= 0)
            continue;
        candidate *grown = realloc(*c, (*cap + (size_t)n + 1) * sizeof **c);
        if (!grown) {
            rc = omr_fail(err, OMR_ERR_MEMORY, "out of memory");
            break;
        }
        *c = grown;
        *cap += (size_t)n + 1;
        size_t first = *nc;
        paper_boxes(paper, speck, shapes, n, rf, s, 0, 2, areas, pg, *c, nc);
        for (size_t i = first; i < *nc; i++)
            (*c)[i].seed_only = 2;
    }
    return rc;
}

int discover_find_boxes(const omr_image *img, int threshold, double s, const omr_rect areas[4], discover_page *pg,
                        size_t max_fields, int *n_combs, omr_error *err) {
    *n_combs = 0;
    int w = img->width, h = img->height;
    size_t npx = (size_t)w * h;
    uint8_t *ink = malloc(npx), *tmp = malloc(npx), *work = malloc(npx), *speck = NULL;
    omr_image *paper = omr_image_new(w, h, img->dpi, 0);
    cvw_shape *shapes = malloc(MAX_PAPER * sizeof *shapes);
    candidate *c = NULL;
    size_t nc = 0, cap = 0;
    int rc = OMR_OK;
    if (!ink || !tmp || !work || !paper || !shapes) {
        rc = omr_fail(err, OMR_ERR_MEMORY, "out of memory");
        goto done;
    }
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            ink[(size_t)y * w + x] = omr_image_at(img, x, y) < threshold;
    /* first the ink thickened by ~0.2 mm, closing gaps in broken outlines;
     * then the ink as it is, for boxes with print inside (thickened, a digit
     * in a box would touch the outline); then the ink closed by ~0.2 mm, for
     * boxes with print inside and a broken 1-bit outline; then examples
     * only (seed_only) for discover_lattice: the ink thickened by 0.6 mm,
     * and closed by 0.35 mm for boxes with print inside */
    int r = (int)lround(0.2 * s);
    if (r < 1)
        r = 1;
    int rbig = (int)lround(0.6 * s);
    for (int pass = 0; pass < 5; pass++) {
        int rp = pass == 0 ? r : pass == 3 ? rbig : 0;
        if (pass == 2 || pass == 4) {
            uint8_t *closed = malloc(npx);
            if (!closed) {
                rc = omr_fail(err, OMR_ERR_MEMORY, "out of memory");
                goto done;
            }
            close_ink(ink, tmp, closed, w, h, pass == 2 ? r : (int)lround(0.35 * s));
            paper_image(closed, tmp, work, w, h, 0, paper);
            free(closed);
        } else {
            paper_image(ink, tmp, work, w, h, rp, paper);
        }
        int n = cvw_find_shapes(paper, 128, shapes, MAX_PAPER);
        if (n < 0) {
            rc = omr_fail(err, OMR_ERR_INVALID, "cannot analyse the blank page");
            goto done;
        }
        if (n > MAX_PAPER)
            n = MAX_PAPER;
        candidate *grown = realloc(c, (cap + (size_t)n + 1) * sizeof *c);
        if (!grown) {
            rc = omr_fail(err, OMR_ERR_MEMORY, "out of memory");
            goto done;
        }
        c = grown;
        cap += (size_t)n + 1;
        paper_boxes(paper, ink, shapes, n, rp, s, pass == 1 || pass == 2 || pass == 4, pass >= 3, areas, pg, c, &nc);
    }
    /* outlines nearly erased: examples from the specks alone */
    speck = calloc(npx, 1);
    rc = speck ? faint_seeds(img, threshold, ink, tmp, work, paper, shapes, s, areas, pg, &c, &nc, &cap, speck, err)
               : omr_fail(err, OMR_ERR_MEMORY, "out of memory");
    if (rc)
        goto done;
    /* more boxes like those found: outlines too broken to close any paper */
    rc = add_lattice(ink, speck, w, h, s, areas, pg, &c, &nc, err);
    if (rc)
        goto done;
    /* a "box with print inside" round another box is a table cell round a
     * bubble: the bubble is the box */
    size_t kept = 0;
    for (size_t i = 0; i < nc; i++) {
        int cell = 0;
        for (size_t j = 0; j < nc && !cell && c[i].print_inside; j++)
            cell = j != i && !c[j].seed_only && c[j].r.x > c[i].r.x && c[j].r.y > c[i].r.y &&
                   c[j].r.x + c[j].r.w < c[i].r.x + c[i].r.w && c[j].r.y + c[j].r.h < c[i].r.y + c[i].r.h;
        if (!cell)
            c[kept++] = c[i];
    }
    nc = kept;
    /* combs: five or more boxes of one size side by side, followed cell
     * by cell (not in the page's row order: on a skewed page a long comb's
     * ends stand on different rows) */
    qsort(c, nc, sizeof *c, cmp_cand);
    size_t *chain = malloc((nc + 1) * sizeof *chain);
    if (!chain) {
        rc = omr_fail(err, OMR_ERR_MEMORY, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < nc; i++) {
        if (c[i].comb || c[i].round || comb_neighbour(c, nc, i, -1) < nc)
            continue; /* not the first cell of a row of cells */
        size_t m = 0;
        for (size_t k = i; k < nc && m < nc; k = comb_neighbour(c, nc, k, 1))
            chain[m++] = k;
        size_t seen = 0; /* cells found for sure (a third at least), not only guessed (seed_only) */
        for (size_t k = 0; k < m; k++)
            seen += !c[chain[k]].seed_only;
        if (m >= 5 && 3 * seen >= m && pg->n_fields < max_fields) {
            const candidate *a = &c[chain[0]], *z = &c[chain[m - 1]];
            pg->fields[pg->n_fields++] = (omr_rect){a->r.x, fmin(a->r.y, z->r.y), z->r.x + z->r.w - a->r.x,
                                                    fmax(a->r.y + a->r.h, z->r.y + z->r.h) - fmin(a->r.y, z->r.y)};
            (*n_combs)++;
            for (size_t k = 0; k < m; k++)
                c[chain[k]].comb = 1;
        }
    }
    free(chain);
    pg->boxes = calloc(nc + 1, sizeof *pg->boxes);
    if (!pg->boxes) {
        rc = omr_fail(err, OMR_ERR_MEMORY, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < nc; i++) {
        if (c[i].comb || c[i].seed_only || (!c[i].round && !c[i].squareish))
            continue;
        discover_box *b = &pg->boxes[pg->n_boxes++];
        b->rect = c[i].r;
        b->round = c[i].round;
        b->print_inside = c[i].print_inside;
    }
done:
    free(c);
    free(shapes);
    omr_image_free(paper);
    free(speck);
    free(work);
    free(tmp);
    free(ink);
    return rc;
}

/* ---- corner marks ----------------------------------------------------------------- */

/* 1 when the ink component looks like a registration mark. */
static int mark_like(const cvw_shape *c, double s) {
    double w = c->w / s, h = c->h / s, big = fmax(w, h), small = fmin(w, h);
    double fill = c->ink / ((double)c->w * c->h);
    if (big > 40 || small < 1.0)
        return 0;
    /* solid, but for specks of paper a 1-bit scan leaves in it */
    if (c->n_holes == 0 || c->hole_area < 0.03 * (double)c->w * c->h) {
        if (small >= 2.5 && big / small < 1.6 && fill > 0.6) /* solid square or disc */
            return 1;
        if (big >= 5 && big / small < 1.4 && fill > 0.08 && fill < 0.5 && c->vertices <= 8) /* L-bar */
            return 1;
        /* long bar: solid within its own outline (not its bounding box: a bar
         * skewed by 2 degrees fills only 70% of that), a rectangle's corners */
        if (big >= 8 && big / small >= 3 && small <= 6 && c->area > 0 && c->ink / c->area > 0.85 &&
            c->vertices <= 6)
            return 1;
        return 0;
    }
    if (c->n_holes >= 1 && small >= 3 && big / small < 1.25) { /* ring: a thick outline round a hole */
        double hcx = c->hx + c->hw / 2.0, hcy = c->hy + c->hh / 2.0;
        double ccx = c->x + c->w / 2.0, ccy = c->y + c->h / 2.0;
        double stroke = (c->w - c->hw) / 2.0 / s;
        return fabs(hcx - ccx) < 0.1 * c->w && fabs(hcy - ccy) < 0.1 * c->h && stroke >= 0.12 * big &&
               c->hole_children == 0;
    }
    return 0;
}

/* The centre of gravity (mm) of the largest 8-connected piece of ink in
 * `area` (mm); 0 when there is none. */
static int largest_ink_centre(const omr_image *img, int threshold, omr_rect area, double s, omr_point *out) {
    int x0 = (int)(area.x * s), y0 = (int)(area.y * s);
    int x1 = (int)ceil((area.x + area.w) * s), y1 = (int)ceil((area.y + area.h) * s);
    x0 = x0 < 0 ? 0 : x0;
    y0 = y0 < 0 ? 0 : y0;
    x1 = x1 > img->width ? img->width : x1;
    y1 = y1 > img->height ? img->height : y1;
    if (x1 <= x0 || y1 <= y0)
        return 0;
    int bw = x1 - x0, bh = y1 - y0;
    uint8_t *seen = calloc((size_t)bw * bh, 1);
    int *stack = malloc((size_t)bw * bh * sizeof *stack);
    double best = 0;
    int found = 0;
    for (int i = 0; seen && stack && i < bw * bh; i++) {
        if (seen[i] || omr_image_at(img, x0 + i % bw, y0 + i / bw) >= threshold)
            continue;
        double sx = 0, sy = 0, m = 0;
        int top = 0;
        stack[top++] = i;
        seen[i] = 1;
        while (top) {
            int j = stack[--top], x = j % bw, y = j / bw;
            sx += x0 + x + 0.5;
            sy += y0 + y + 0.5;
            m++;
            for (int dy = -1; dy <= 1; dy++)
                for (int dx = -1; dx <= 1; dx++) {
                    int u = x + dx, v = y + dy;
                    if (u < 0 || v < 0 || u >= bw || v >= bh || seen[v * bw + u] ||
                        omr_image_at(img, x0 + u, y0 + v) >= threshold)
                        continue;
                    seen[v * bw + u] = 1;
                    stack[top++] = v * bw + u; /* each pixel pushed once: the stack holds bw * bh */
                }
        }
        if (m > best) {
            best = m;
            *out = (omr_point){sx / m / s, sy / m / s};
            found = 1;
        }
    }
    free(stack);
    free(seen);
    return found;
}

void discover_find_marks(const omr_image *img, int threshold, const cvw_shape *shapes, int n, double s, double pw,
                         double ph, discover_page *pg, omr_rect areas[4]) {
    double best[4] = {45, 45, 45, 45};
    for (int i = 0; i < n; i++) {
        const cvw_shape *c = &shapes[i];
        if (!mark_like(c, s))
            continue;
        double x0 = c->x / s, y0 = c->y / s, x1 = (c->x + c->w) / s, y1 = (c->y + c->h) / s;
        double cx = c->cx / s, cy = c->cy / s;
        int k = (cx > pw / 2) + 2 * (cy > ph / 2);
        /* distance from the corner to the nearest point of the shape's box */
        double dx = k % 2 ? pw - x1 : x0, dy = k / 2 ? ph - y1 : y0;
        double d = hypot(fmax(dx, 0), fmax(dy, 0));
        if (d < best[k]) {
            best[k] = d;
            pg->marks[k] = (omr_point){cx, cy};
            pg->has_mark[k] = 1;
            areas[k] = (omr_rect){x0, y0, x1 - x0, y1 - y0};
        }
    }
    pg->mark_size = 0;
    for (int k = 0; k < 4; k++) {
        if (!pg->has_mark[k])
            continue;
        pg->mark_size = fmax(pg->mark_size, fmax(areas[k].w, areas[k].h));
        /* the centre of gravity of the mark's ink in its box, as registration
         * measures it on a scan (the shape list's is an estimate): of the
         * largest piece of ink there, as an L-bar's box also holds what is
         * printed in the crook of the L (a page barcode, a word) */
        omr_point c;
        if (largest_ink_centre(img, threshold, areas[k], s, &c))
            pg->marks[k] = c;
    }
    /* a long bar may be longer than a template's marks may be (25 mm): the
     * size is what registration looks for, and 25 mm finds it still */
    if (pg->mark_size > 25)
        pg->mark_size = 25;
}
