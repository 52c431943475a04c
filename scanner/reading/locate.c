/*
 * locate.c — from the QR code's corners to a precise template-to-scan map.
 *
 * 1. A coarse similarity map from the QR symbol: its centre is the centre of
 *    the template's code square, its top edge gives the page's turn, and its
 *    size on the scan against its printed size gives the scale. The
 *    resolution tag is only a hint (missing, 1:1, 72 dpi, or 200-dpi pixels
 *    tagged 300 are all common): it is tried after the symbol, and the
 *    page's size in pixels last.
 * 2. Each fiducial is searched in a window of +-12 mm around its predicted
 *    place: dark connected components whose size and squareness fit a solid
 *    square mark; the one nearest the prediction wins. A sheet stretched
 *    along the feed puts the far marks off that guess: with two found the
 *    others are looked for where the guess stretched 6% along either axis
 *    puts them, and with three, the fourth where their affine map puts it.
 * 3. An affine map is fitted to the marks found. With four, a mark that
 *    disagrees with the other three by more than 1 mm is dropped (a blot or a
 *    finger over it). With two, the page is placed by them when the other two
 *    lie beyond the scan's edge (a sheet longer than the scanner's bed) and
 *    the QR code agrees (fit_two_marks); else, with fewer than three, the page
 *    is refused in words the mailroom can act on.
 * 4. When four marks disagree (one a blot, or a sheet photographed at an
 *    angle steeper than a feeder's perspective), the maps they allow are
 *    weighed by the page's own print: how well each puts the printed box
 *    outlines where they are seen.
 * 5. Paper is not flat (curl near a spine, rollers that stretch it, a lens's
 *    barrel): each region of boxes (a question's boxes within 45 mm) whose
 *    outlines fit clearly worse than the page's others is looked for within
 *    3.5 mm; found, it gets its own shift (page_map_for_box), found nowhere,
 *    its boxes are unsure and go to review. Where the whole sheet is bent
 *    (every region fits as badly as the others, none worse) the region of
 *    median fit is looked for too, and when it lies clearly better
 *    elsewhere, every region is. A page the map fits keeps it.
 * Forms omr did not print (registered by their own marks or their blank
 * copy) are handed to register.c (no step 5 there yet).
 */
#include "reading/locate.h"

#include "forms/draw.h"
#include "reading/mark.h"
#include "reading/register.h"

#include <assert.h>
#include <math.h>
#include <qrencode.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PERSPECTIVE_MAX_MM 8.0 /* an affine misfit up to this may be perspective */

static const char *const corner_names[4] = {"top-left", "top-right", "bottom-left", "bottom-right"};

/* The coarse map: rotation by `angle`, scale `s`, QR centre to QR centre. */
static void coarse_map(const omr_template *t, const page_identity *id, double s, double angle,
                       cvw_affine *out) {
    omr_point c_img = {0, 0};
    for (int i = 0; i < 4; i++) {
        c_img.x += id->corners[i].x / 4;
        c_img.y += id->corners[i].y / 4;
    }
    double cx = t->code_rect.x + t->code_rect.w / 2, cy = t->code_rect.y + t->code_rect.h / 2;
    double c = cos(angle) * s, sn = sin(angle) * s;
    out->m[0] = c;
    out->m[1] = -sn;
    out->m[2] = c_img.x - c * cx + sn * cy;
    out->m[3] = sn;
    out->m[4] = c;
    out->m[5] = c_img.y - sn * cx - c * cy;
}

static double fit_residual(const cvw_affine *a, const omr_point *from, const omr_point *to, int n) {
    double worst = 0;
    for (int i = 0; i < n; i++) {
        double x = a->m[0] * from[i].x + a->m[1] * from[i].y + a->m[2];
        double y = a->m[3] * from[i].x + a->m[4] * from[i].y + a->m[5];
        double d = hypot(x - to[i].x, y - to[i].y);
        if (d > worst)
            worst = d;
    }
    return worst;
}

/* Fits marks `use` (bitmask of found marks) into out; returns the count used. */
static int fit_marks(const omr_template *t, const omr_point *found_px, unsigned use, cvw_affine *out,
                     double *residual_px) {
    omr_point from[4], to[4];
    int n = 0;
    for (int i = 0; i < 4; i++)
        if (use & (1u << i)) {
            from[n] = t->fiducials[i];
            to[n] = found_px[i];
            n++;
        }
    if (n < 3 || cvw_fit_affine(from, to, n, out) != OMR_OK)
        return 0;
    *residual_px = fit_residual(out, from, to, n);
    return n;
}

/* A homography through the four marks, accepted only when it is a gentle
 * perspective: each mark's own scale stays within 4% of the others and the
 * perspective terms bend the page by under 3% from corner to corner. */
static int fit_perspective(const omr_template *t, const omr_point *found_px, double s, double max_bend,
                           double h[9]) {
    double hm[9];
    if (cvw_fit_homography(t->fiducials, found_px, 4, hm) != OMR_OK || hm[8] == 0)
        return 0;
    for (int i = 0; i < 9; i++)
        hm[i] /= hm[8];
    double bend = fabs(hm[6]) * t->page_width + fabs(hm[7]) * t->page_height;
    if (bend > max_bend)
        return 0;
    for (int i = 0; i < 4; i++) {
        /* local scale at each mark: the map's derivative, roughly */
        double x = t->fiducials[i].x, y = t->fiducials[i].y, w = hm[6] * x + hm[7] * y + hm[8];
        double sx = hypot(hm[0] - hm[6] * (hm[0] * x + hm[1] * y + hm[2]) / w,
                          hm[3] - hm[6] * (hm[3] * x + hm[4] * y + hm[5]) / w) / w;
        if (fabs(sx / s - 1) > 0.3)
            return 0;
    }
    memcpy(h, hm, sizeof hm);
    return 1;
}

/* ---- the page's own print: how well a map fits it -------------------------------------- */

#define EDGE_IN_MM 0.175   /* a box's outline (0.35 mm) has its centre line this far inside its x/y */
#define EDGE_OFF_MM 0.8    /* paper beside a printed edge: this far off its centre line */
#define EDGE_STEP_MM 0.5   /* sampling pitch along an edge */
#define LOCAL_NEAR_MM 0.75 /* a region found this close needs nothing (measure re-centres +-1.2 mm) */
#define LOCAL_FIT_MM 0.5   /* a region's fit where the map puts it: the best within this */
#define LOCAL_FAR_MM 3.5   /* how far a region's print is looked for */
#define LOCAL_WEAK 0.4     /* a region found at best this share of the page's usual fit is unsure */
#define LOCAL_SEARCH 0.8   /* a region fitting under this share of the page's usual fit is looked for
                              (a region 0.75 mm or more off loses most of its 0.35 mm outline) */
#define LOCAL_BETTER 1.25  /* a shift must fit this much better than where the map puts the region */

/* One printed edge of a box, sampled at m points EDGE_STEP_MM apart along
 * it from (x, y) (template mm): down an upright edge, rightwards along a
 * level one. */
typedef struct {
    double x, y;   /* the first point, on the outline's centre line */
    double nx, ny; /* inward normal: (+-1, 0) for an upright edge, (0, +-1) for a level one */
    int m;         /* points, EDGE_STEP_MM apart along the edge */
} edge_run;

/* Grey level at template (x, y) mm through h, bilinear (paper outside). */
static double grey_at(const omr_image *scan, const double h[9], double x, double y) {
    omr_point p = page_map_point(h, x, y);
    int x0 = (int)floor(p.x), y0 = (int)floor(p.y);
    if (x0 < 0 || y0 < 0 || x0 + 1 >= scan->width || y0 + 1 >= scan->height)
        return 255;
    double fx = p.x - x0, fy = p.y - y0;
    return (1 - fx) * (1 - fy) * omr_image_at(scan, x0, y0) + fx * (1 - fy) * omr_image_at(scan, x0 + 1, y0) +
           (1 - fx) * fy * omr_image_at(scan, x0, y0 + 1) + fx * fy * omr_image_at(scan, x0 + 1, y0 + 1);
}

/* The edges along the middle 70% of each side of box r (away from the
 * corners, where a label or a neighbour's rule may touch). Returns how many
 * (at most 4). */
static int box_edge_runs(omr_rect r, edge_run *out) {
    int n = 0;
    for (int e = 0; e < 4; e++) {
        int upright = e < 2;
        double len = upright ? r.h : r.w;
        int m = 0;
        for (double k = 0.15 * len; k <= 0.85 * len + 1e-9; k += EDGE_STEP_MM)
            m++;
        if (m == 0)
            continue;
        if (upright)
            out[n++] = (edge_run){e == 0 ? r.x + EDGE_IN_MM : r.x + r.w - EDGE_IN_MM, r.y + 0.15 * len,
                                  e == 0 ? 1 : -1, 0, m};
        else
            out[n++] = (edge_run){r.x + 0.15 * len, e == 2 ? r.y + EDGE_IN_MM : r.y + r.h - EDGE_IN_MM, 0,
                                  e == 2 ? 1 : -1, m};
    }
    return n;
}

/* How clearly the printed edges lie on print with the whole region shifted
 * by (cx + i*step, cy + j*step) mm, for every |i|, |j| <= k: into
 * fit[(j + k) * (2k + 1) + (i + k)] the mean over the edges' points of
 * (the lighter of the paper inside and outside) - (the edge), in grey
 * levels. Ink on one side of an edge (a cross) does not lower it.
 * The points of one edge lie `along` steps apart (EDGE_STEP_MM = along *
 * step), so a point shifted by j steps along its edge samples where the
 * next point shifted by j - along does: each edge's samples are taken once
 * on its own lattice, (2k + 1) across by (2k + 1 + along * (m - 1)) along.
 * Returns 0 when out of memory. */
static int edge_fits(const omr_image *scan, const double h[9], const edge_run *runs, int n_runs, double cx,
                     double cy, int k, double step, double *fit) {
    int along = (int)lround(EDGE_STEP_MM / step), w = 2 * k + 1, points = 0, longest = 0;
    assert(along >= 1 && fabs(along * step - EDGE_STEP_MM) < 1e-9);
    for (int r = 0; r < n_runs; r++) {
        points += runs[r].m;
        if (runs[r].m > longest)
            longest = runs[r].m;
    }
    for (int c = 0; c < w * w; c++)
        fit[c] = 0;
    if (points == 0)
        return 1;
    int cells_along = w + along * (longest - 1);
    double *cell = malloc((size_t)w * (size_t)cells_along * sizeof *cell);
    if (!cell)
        return 0;
    for (int r = 0; r < n_runs; r++) {
        const edge_run *e = &runs[r];
        int upright = e->nx != 0, len = w + along * (e->m - 1);
        /* cell[a * len + u]: the point at u steps along the edge (from the
         * first point's -k) and a - k steps across it */
        for (int a = 0; a < w; a++)
            for (int u = 0; u < len; u++) {
                double ds = (a - k) * step, dl = (u - k) * step;
                double x = e->x + cx + (upright ? ds : dl), y = e->y + cy + (upright ? dl : ds);
                double on = grey_at(scan, h, x, y);
                double in = grey_at(scan, h, x + e->nx * EDGE_OFF_MM, y + e->ny * EDGE_OFF_MM);
                double out = grey_at(scan, h, x - e->nx * EDGE_OFF_MM, y - e->ny * EDGE_OFF_MM);
                cell[a * len + u] = fmax(in, out) - on;
            }
        for (int j = -k; j <= k; j++)
            for (int i = -k; i <= k; i++) {
                /* upright: across is x (i), along is y (j); level: the other way */
                int a = (upright ? i : j) + k, u0 = (upright ? j : i) + k;
                const double *row = cell + a * len + u0;
                double sum = 0;
                for (int p = 0; p < e->m; p++)
                    sum += row[p * along];
                fit[(j + k) * w + (i + k)] += sum;
            }
    }
    free(cell);
    for (int c = 0; c < w * w; c++)
        fit[c] /= points;
    return 1;
}

/* The best fit of the edges over shifts within +-range of (cx, cy), on a
 * grid of `step` mm; the shift in (*bx, *by). */
static double edge_search(const omr_image *scan, const double h[9], const edge_run *runs, int n_runs, double cx,
                          double cy, double range, double step, double *bx, double *by) {
    int k = (int)lround(range / step), w = 2 * k + 1;
    double best = -1e18;
    *bx = cx;
    *by = cy;
    double *fit = malloc((size_t)w * (size_t)w * sizeof *fit);
    if (!fit || !edge_fits(scan, h, runs, n_runs, cx, cy, k, step, fit)) {
        free(fit);
        return 0; /* out of memory: no print seen, the map is kept */
    }
    for (int j = -k; j <= k; j++)
        for (int i = -k; i <= k; i++) {
            /* prefer the nearer shift when fits tie */
            double f = fit[(j + k) * w + (i + k)] - 1e-6 * (abs(i) + abs(j));
            if (f > best) {
                best = f;
                *bx = cx + i * step;
                *by = cy + j * step;
            }
        }
    free(fit);
    return best;
}

/* A page's regions: a question's boxes, split where they spread more than
 * REGION_SPAN_MM (two columns of a list, the ends of a long scale), since
 * paper bends over a few centimetres and a region moves as one. */
#define REGION_SPAN_MM 45.0
typedef struct {
    const template_question *q;
    size_t from, to; /* boxes [from, to) */
} region;

/* The regions of `page` into out[] (at most cap); returns how many. */
static int page_regions(const omr_template *t, int page, region *out, int cap) {
    int n = 0;
    for (size_t i = 0; i < t->n_questions; i++) {
        const template_question *q = &t->questions[i];
        if (q->page != page)
            continue;
        size_t from = 0;
        for (size_t b = 1; b <= q->n_boxes; b++) {
            int split = b == q->n_boxes;
            if (!split) {
                omr_rect a = q->boxes[from].rect, r = q->boxes[b].rect;
                split = fabs(r.x - a.x) > REGION_SPAN_MM || fabs(r.y - a.y) > REGION_SPAN_MM;
            }
            if (split && n < cap) {
                out[n++] = (region){q, from, b};
                from = b;
            }
        }
    }
    return n;
}

/* The edges of a region's boxes (malloc'ed; NULL when none), and the
 * boxes' bounding box. */
static edge_run *region_edges(const region *g, int *n, omr_rect *area) {
    *n = 0;
    size_t cap = 4 * (g->to - g->from);
    edge_run *runs = cap ? malloc(cap * sizeof *runs) : NULL;
    if (!runs)
        return NULL;
    double x0 = 1e18, y0 = 1e18, x1 = -1e18, y1 = -1e18;
    for (size_t b = g->from; b < g->to; b++) {
        omr_rect r = g->q->boxes[b].rect;
        *n += box_edge_runs(r, runs + *n);
        x0 = fmin(x0, r.x);
        y0 = fmin(y0, r.y);
        x1 = fmax(x1, r.x + r.w);
        y1 = fmax(y1, r.y + r.h);
    }
    *area = (omr_rect){x0, y0, x1 - x0, y1 - y0};
    return runs;
}

/* Each region's fit near where h puts it (within LOCAL_FIT_MM) into fit[]. */
static void region_fits(const omr_image *scan, const double h[9], const region *g, int n, double *fit) {
    for (int i = 0; i < n; i++) {
        int np;
        omr_rect area;
        edge_run *runs = region_edges(&g[i], &np, &area);
        double bx, by;
        fit[i] = runs ? edge_search(scan, h, runs, np, 0, 0, LOCAL_FIT_MM, 0.25, &bx, &by) : 0;
        free(runs);
    }
}

/* The page's usual fit: the upper quartile of its regions' fits (most
 * regions lie where the map puts them). */
static double usual_fit(const double *fit, int n) {
    if (n == 0)
        return 0;
    double sorted[PAGE_LOCAL_MAX];
    memcpy(sorted, fit, (size_t)n * sizeof *sorted);
    qsort(sorted, (size_t)n, sizeof *sorted, omr_cmp_double);
    return sorted[(n * 3) / 4];
}

/* How well a whole-page map fits the page's printed boxes: the mean of
 * its regions' fits (to choose between maps the marks allow). */
static double page_fit(const omr_image *scan, const omr_template *t, int page, const double h[9]) {
    region g[PAGE_LOCAL_MAX];
    double fit[PAGE_LOCAL_MAX], sum = 0;
    int n = page_regions(t, page, g, PAGE_LOCAL_MAX);
    region_fits(scan, h, g, n, fit);
    for (int i = 0; i < n; i++)
        sum += fit[i];
    return n ? sum / n : 0;
}

/* Region g's area, and its print looked for within LOCAL_FAR_MM of (cx, cy)
 * mm off where h puts it: its best fit there, the shift it is found at in
 * *sx, *sy; -1 (and (cx, cy)) without edges. */
static double region_look_from(const omr_image *scan, const double h[9], const region *g, double cx, double cy,
                               double *sx, double *sy, omr_rect *area) {
    int np;
    edge_run *runs = region_edges(g, &np, area);
    double fit = -1, bx, by;
    *sx = cx, *sy = cy;
    if (runs) {
        edge_search(scan, h, runs, np, cx, cy, LOCAL_FAR_MM, 0.25, &bx, &by);
        fit = edge_search(scan, h, runs, np, bx, by, 0.25, 0.05, sx, sy);
    }
    free(runs);
    return fit;
}

/* Region g's area, and when `search`, its print looked for within
 * LOCAL_FAR_MM of where h puts it: returns its best fit there and the shift
 * it is found at in *sx, *sy; else (or without edges) `near`, its fit where
 * the map puts it, unshifted. */
static double region_look(const omr_image *scan, const double h[9], const region *g, double near, int search,
                          double *sx, double *sy, omr_rect *area) {
    if (!search) {
        int np;
        free(region_edges(g, &np, area));
        *sx = *sy = 0;
        return near;
    }
    double far = region_look_from(scan, h, g, 0, 0, sx, sy, area);
    return far < 0 ? near : far;
}

/* A sheet bent further than one search reaches (fresh seed 8434 --warp 2, a
 * fax, 5WRX8VF9 page 2: its questions 1.7-3.75 mm off the marks' map, q4b's
 * two regions 4.35, found only in part at the search's edge, their boxes
 * measured beside their outlines and the cross unread): a region found
 * nowhere, or only in part (under LOCAL_SEARCH of the page's usual fit), is
 * looked for again round the shift of the nearest region found well and
 * moved, and so on outwards while more are found. A region found where the
 * map puts it lends nothing (the search from there was made); each region
 * is looked for once from each neighbour. Found there, it must fit as the
 * page's regions do (over LOCAL_WEAK of their usual fit) and clearly better
 * than where the map puts it and than where it was found before; else it
 * keeps what it had. */
static void follow_moved_neighbours(const omr_image *scan, const double h[9], const region *g, int n,
                                    const omr_rect *area, const double *near, double usual, double *far, double *sx,
                                    double *sy) {
    assert(n >= 0 && n <= PAGE_LOCAL_MAX);
    int tried_from[PAGE_LOCAL_MAX];
    for (int i = 0; i < n; i++)
        tried_from[i] = -1;
    int found_more = 1;
    while (found_more) {
        found_more = 0;
        for (int i = 0; i < n; i++) {
            if (far[i] >= LOCAL_SEARCH * usual)
                continue;
            int from = -1;
            double nearest = 1e18;
            double ix = area[i].x + area[i].w / 2, iy = area[i].y + area[i].h / 2;
            for (int j = 0; j < n; j++) {
                if (j == i || far[j] < LOCAL_SEARCH * usual || hypot(sx[j], sy[j]) <= LOCAL_NEAR_MM)
                    continue;
                double d = hypot(area[j].x + area[j].w / 2 - ix, area[j].y + area[j].h / 2 - iy);
                if (d < nearest) {
                    nearest = d;
                    from = j;
                }
            }
            if (from < 0 || from == tried_from[i])
                continue;
            tried_from[i] = from;
            omr_rect seen;
            double x, y, fit = region_look_from(scan, h, &g[i], sx[from], sy[from], &x, &y, &seen);
            if (fit >= LOCAL_WEAK * usual && fit > LOCAL_BETTER * near[i] && fit > LOCAL_BETTER * far[i]) {
                far[i] = fit, sx[i] = x, sy[i] = y;
                found_more = 1;
            }
        }
    }
}

/* The index of the region of median fit. */
static int median_region(const double *fit, int n) {
    int order[PAGE_LOCAL_MAX];
    for (int i = 0; i < n; i++)
        order[i] = i;
    for (int i = 1; i < n; i++) /* a few regions: insertion sort by fit */
        for (int k = i; k > 0 && fit[order[k]] < fit[order[k - 1]]; k--) {
            int tmp = order[k];
            order[k] = order[k - 1];
            order[k - 1] = tmp;
        }
    return order[n / 2];
}

/* After the global map, each region's printed boxes are looked for within
 * LOCAL_FAR_MM of where the map puts them. One found clearly better (by
 * LOCAL_BETTER) further than measure's own search reaches gets its own
 * shift; one found nowhere, or only in part, is looked for again from
 * where its neighbours were found (follow_moved_neighbours); one whose print
 * is found nowhere as clearly as the page's other regions' (under
 * LOCAL_WEAK of their upper quartile) is unsure: its boxes go to review. A
 * page the map fits keeps it exactly (no region listed). */
void locate_local(const omr_image *scan, const omr_template *t, int page, page_transform *out) {
    out->n_local = 0;
    region g[PAGE_LOCAL_MAX];
    double near[PAGE_LOCAL_MAX], far[PAGE_LOCAL_MAX], sx[PAGE_LOCAL_MAX], sy[PAGE_LOCAL_MAX];
    omr_rect area[PAGE_LOCAL_MAX];
    int n = page_regions(t, page, g, PAGE_LOCAL_MAX);
    region_fits(scan, out->homography, g, n, near);
    /* a region that fits about as well as the page's best-fitting ones is
     * where the map puts it: only the others are looked for further */
    double usual_near = usual_fit(near, n);
    /* ... unless the page is off its map all over (a sheet bent past the
     * marks' fit everywhere: every region fits as badly as the others, so
     * none fits worse). The region of median fit is looked for first; when
     * it fits clearly better elsewhere, every region is looked for (seed
     * 7501 --folds --warp 1 XNPWGM89 page 1: every box of q2a-q2e measured
     * beside its outline) */
    int m = n > 0 ? median_region(near, n) : -1, everywhere = 0;
    if (m >= 0) {
        far[m] = region_look(scan, out->homography, &g[m], near[m], 1, &sx[m], &sy[m], &area[m]);
        everywhere = far[m] > LOCAL_BETTER * near[m] && hypot(sx[m], sy[m]) > LOCAL_NEAR_MM;
        if (!everywhere && near[m] >= LOCAL_SEARCH * usual_near) { /* it is where the map puts it */
            far[m] = near[m];
            sx[m] = sy[m] = 0;
        }
    }
    for (int i = 0; i < n; i++)
        if (i != m)
            far[i] = region_look(scan, out->homography, &g[i], near[i], everywhere || near[i] < LOCAL_SEARCH * usual_near,
                                 &sx[i], &sy[i], &area[i]);
    double usual = usual_fit(far, n);
    if (usual < 8) /* no print to speak of (a blank-looking page): nothing to judge by */
        return;
    follow_moved_neighbours(scan, out->homography, g, n, area, near, usual, far, sx, sy);
    for (int i = 0; i < n; i++) {
        page_local l = {area[i], sx[i], sy[i], 0};
        if (far[i] < LOCAL_WEAK * usual) {
            l.dx_mm = l.dy_mm = 0;
            l.unsure = 1;
        } else if (!(far[i] > LOCAL_BETTER * near[i] && hypot(sx[i], sy[i]) > LOCAL_NEAR_MM)) {
            continue;
        }
        out->local[out->n_local++] = l;
    }
}

/* How surely page `page`'s printed boxes are where tr puts them: each
 * region looked for within LOCAL_FAR_MM, found when its outlines fit at
 * least BOXES_FOUND of the print's contrast (the darkest corner mark
 * against the paper beside it), among the regions whose paper can be seen
 * (at least BOXES_PAPER of the points inside its boxes, a 3x3 grid in
 * each, at least halfway from the mark to the paper: not under a fold's
 * black panel, a panel a 1-bit scanner turned to speckle, or a note; a
 * cross over a box leaves 4 of its 9 points; the lightest point alone
 * called speckle paper: seed 8413 --folds --warp 1 WMU64Y5A page 2, its
 * lower half 50% speckle, 71% of its rows found, the page refused).
 * Returns the share found, or -1 when fewer than BOXES_SEEN_MIN regions
 * can be seen. */
#define BOXES_FOUND 0.35
#define BOXES_PAPER 0.7
#define BOXES_SEEN_MIN 3
double locate_boxes_in_place(const omr_image *scan, const omr_template *t, int page, const page_transform *tr) {
    const double *h = tr->homography;
    double paper = 0, mark = 255;
    for (int i = 0; i < 4; i++) {
        double x = t->fiducials[i].x, y = t->fiducials[i].y, f = t->fiducial_size;
        double beside = fmax(fmax(grey_at(scan, h, x + f, y), grey_at(scan, h, x - f, y)),
                             fmax(grey_at(scan, h, x, y + f), grey_at(scan, h, x, y - f)));
        if (beside - grey_at(scan, h, x, y) > paper - mark) {
            paper = beside;
            mark = grey_at(scan, h, x, y);
        }
    }
    double contrast = paper - mark;
    region g[PAGE_LOCAL_MAX];
    int n = page_regions(t, page, g, PAGE_LOCAL_MAX), seen = 0, found = 0;
    for (int i = 0; i < n; i++) {
        double sx, sy;
        omr_rect area;
        double fit = region_look(scan, h, &g[i], 0, 1, &sx, &sy, &area);
        int samples = 0, light = 0;
        for (size_t b = g[i].from; b < g[i].to; b++) {
            omr_rect r = g[i].q->boxes[b].rect;
            for (double dy = 0.25; dy < 0.8; dy += 0.25)
                for (double dx = 0.25; dx < 0.8; dx += 0.25) {
                    samples++;
                    light += grey_at(scan, h, r.x + dx * r.w + sx, r.y + dy * r.h + sy) >= (paper + mark) / 2;
                }
        }
        if (light < BOXES_PAPER * samples)
            continue; /* nothing to be seen here */
        seen++;
        found += fit >= BOXES_FOUND * contrast;
    }
    return seen >= BOXES_SEEN_MIN ? (double)found / seen : -1;
}

/* The printed QR symbol's side in mm (quiet zone excluded): the code square
 * holds the symbol and QR_QUIET modules on each side (forms/draw.c), and the
 * symbol's module count follows from its payload. 0 when it cannot be told. */
#define QR_QUIET 2
double locate_qr_symbol_mm(const omr_template *t, const page_identity *id) {
    char payload[256];
    if (identify_format_payload(payload, sizeof payload, id->template_id, id->code, id->page) != OMR_OK)
        return 0;
    QRcode *qr = QRcode_encodeString(payload, 0, QR_ECLEVEL_H, QR_MODE_8, 1);
    if (!qr)
        return 0;
    int n = qr->width;
    QRcode_free(qr);
    return t->code_rect.w * n / (n + 2 * QR_QUIET);
}

/* Candidate scales (px per mm), best first: the QR symbol's printed size
 * against its size on the scan (a 20 mm symbol at 200 dpi is ~150 px, so a
 * pixel off is under 1%); then the resolution tag, when it agrees with the
 * page's size in pixels within 15% (a 200-dpi page tagged 300 does not);
 * then the page's width edge to edge. Returns how many (1..3). */
static int locate_scales(const omr_image *scan, const omr_template *t, const page_identity *id,
                         int quarter_turns, double out[3]) {
    int n = 0;
    double across = (quarter_turns % 2) ? scan->height : scan->width;
    double s_page = across / t->page_width;
    double side_mm = locate_qr_symbol_mm(t, id);
    if (side_mm > 0) {
        double px = 0;
        for (int i = 0; i < 4; i++)
            px += hypot(id->corners[(i + 1) % 4].x - id->corners[i].x,
                        id->corners[(i + 1) % 4].y - id->corners[i].y) / 4;
        /* a symbol read off a page is between 1/3 and 3 times the page's
         * own scale; anything else is not this code square */
        double s_qr = px / side_mm;
        if (s_qr > s_page / 3 && s_qr < s_page * 3)
            out[n++] = s_qr;
    }
    double s_tag = scan->dpi > 0 ? scan->dpi / 25.4 : 0;
    if (s_tag > 0 && fabs(s_tag / s_page - 1) < 0.15)
        out[n++] = s_tag;
    out[n++] = s_page;
    return n;
}

/* Looks for the four marks around where the coarse map at scale `s` puts
 * them, and beyond where a sheet stretched along the feed puts them
 * (mark_find_corners). */
static void find_marks(const omr_image *scan, const omr_template *t, const page_identity *id, double s,
                       double angle, omr_point found_px[4], unsigned *found) {
    cvw_affine coarse;
    coarse_map(t, id, s, angle, &coarse);
    omr_point code = {t->code_rect.x + t->code_rect.w / 2, t->code_rect.y + t->code_rect.h / 2};
    *found |= mark_find_corners(scan, t->fiducials, t->fiducial_size, s, &coarse, code, found_px);
}

/* A sheet longer than the scan (A4 on a Letter flatbed loses its last 18 mm;
 * a feeder that stops early), or one whose lower marks are covered (a fold's
 * panel a harsh 1-bit scanner turned black, a letter lying over it): two
 * marks are found and the other two are not. Pixels are square (decode.c),
 * so the two marks fix a similarity exactly (scale, turn, shift); it is kept
 * when it agrees with the QR code (scale within 3%, turn within 2 degrees,
 * the symbol's centre within 1.5 mm: only when `code_read`; a page known by
 * its look has its code where the sheet would put it, and the look's match
 * judges the map instead: its print's likeness and its rows of boxes in
 * place, locate_by_look). A missing mark whose place is off the scan is cut
 * off; one whose place is on it is covered. The page is then read where its
 * print shows (the map's regions are each found by their own print,
 * locate_local; a box whose outline does not show is covered, decide.c) and
 * flagged (assemble.c), not refused whole: seed 8444 --folds --warp 2.5,
 * SM6NQKC5's page 2, its lower half black, its code read, was refused and
 * its form incomplete; seed 8373 EYQZXXW9's page 1, its lower half black
 * and its code bled past reading, was lost, its other page read. Returns 1
 * with *out, the index of the first missing mark and how many are
 * covered. */
#define TWO_MARKS_EDGE_MM 0.5 /* a missing mark's square must reach this near the scan's edge, or past it */
static int fit_two_marks(const omr_image *scan, const omr_template *t, const page_identity *id, int code_read,
                         double s, double angle, const omr_point found_px[4], unsigned found, cvw_affine *out,
                         int *missing, int *covered) {
    int k[2], n = 0;
    for (int i = 0; i < 4 && n < 2; i++)
        if (found & (1u << i))
            k[n++] = i;
    if (n != 2)
        return 0;
    /* z = a w + b over complex numbers: template mm w, scan px z */
    double wx = t->fiducials[k[1]].x - t->fiducials[k[0]].x, wy = t->fiducials[k[1]].y - t->fiducials[k[0]].y;
    double zx = found_px[k[1]].x - found_px[k[0]].x, zy = found_px[k[1]].y - found_px[k[0]].y;
    double ww = wx * wx + wy * wy;
    if (ww < 50 * 50)
        return 0;
    double ar = (zx * wx + zy * wy) / ww, ai = (zy * wx - zx * wy) / ww;
    double scale = hypot(ar, ai), turn = atan2(ai, ar), dturn = remainder(turn - angle, 2 * M_PI);
    if (fabs(scale / s - 1) > 0.03 || fabs(dturn) > 2 * M_PI / 180)
        return 0;
    cvw_affine a = {{ar, -ai, found_px[k[0]].x - (ar * t->fiducials[k[0]].x - ai * t->fiducials[k[0]].y),
                     ai, ar, found_px[k[0]].y - (ai * t->fiducials[k[0]].x + ar * t->fiducials[k[0]].y)}};
    double cx = t->code_rect.x + t->code_rect.w / 2, cy = t->code_rect.y + t->code_rect.h / 2;
    omr_point qr = {0, 0};
    for (int i = 0; i < 4; i++) {
        qr.x += id->corners[i].x / 4;
        qr.y += id->corners[i].y / 4;
    }
    if (code_read &&
        hypot(a.m[0] * cx + a.m[1] * cy + a.m[2] - qr.x, a.m[3] * cx + a.m[4] * cy + a.m[5] - qr.y) > 1.5 * scale)
        return 0;
    *missing = -1;
    *covered = 0;
    /* a missing mark is cut off when its square reaches past the scan's
     * edge, or to within TWO_MARKS_EDGE_MM of it (a half-cut mark is not
     * found: letter_bed seed 4903, a skewed A4 page on a Letter bed whose
     * bottom-right mark's centre fell 2 px inside the edge) */
    double reach = (t->fiducial_size / 2 + TWO_MARKS_EDGE_MM) * scale;
    for (int i = 0; i < 4; i++) {
        if (found & (1u << i))
            continue;
        double x = a.m[0] * t->fiducials[i].x + a.m[1] * t->fiducials[i].y + a.m[2];
        double y = a.m[3] * t->fiducials[i].x + a.m[4] * t->fiducials[i].y + a.m[5];
        if (x - reach > 0 && y - reach > 0 && x + reach < scan->width - 1 && y + reach < scan->height - 1)
            ++*covered; /* wholly on the scan: covered */
        if (*missing < 0)
            *missing = i;
    }
    *out = a;
    return 1;
}

/* The global map from the marks (locate_page without locate_local);
 * `code_read` 0: id's symbol corners are only where the code would be. */
int locate_global(const omr_image *scan, const omr_template *t, const page_identity *id, int code_read,
                  page_transform *out, omr_error *err) {
    memset(out, 0, sizeof *out);
    out->fiducial_missing = -1;
    if (!id->has_corners)
        return omr_fail(err, OMR_ERR_NOT_FOUND, "the QR code was read but not located on the page");

    /* Turn: the direction of the symbol's top edge (TL -> TR, and BL -> BR). */
    double vx = (id->corners[1].x - id->corners[0].x) + (id->corners[2].x - id->corners[3].x);
    double vy = (id->corners[1].y - id->corners[0].y) + (id->corners[2].y - id->corners[3].y);
    double angle = atan2(vy, vx);
    int quarter = (int)lround(angle / (M_PI / 2));
    out->quarter_turns = ((quarter % 4) + 4) % 4;

    /* Scale: from what is printed, the tag only a hint (locate_scales). The
     * first scale under which three or more marks are found is kept. */
    double scales[3];
    int n_scales = locate_scales(scan, t, id, out->quarter_turns, scales);
    double s = scales[0];
    omr_point found_px[4];
    unsigned found = 0;
    int n_found = 0;
    for (int k = 0; k < n_scales && n_found < 3; k++) {
        s = scales[k];
        found = 0;
        find_marks(scan, t, id, s, angle, found_px, &found);
        n_found = __builtin_popcount(found);
    }
    if (n_found < 3) {
        /* two marks and the QR code, the rest of the sheet beyond the scan */
        cvw_affine two;
        int missing = -1, covered = 0, placed = 0;
        unsigned found2 = 0;
        omr_point px2[4];
        /* under each candidate scale: a page known by its look has none from
         * a code, and a sheet that does not fill the bed gives the page's
         * width a few per cent off (A4 on a Letter bed: 2.8%) */
        for (int k = 0; k < n_scales && !placed; k++) {
            found2 = 0;
            find_marks(scan, t, id, scales[k], angle, px2, &found2);
            placed = __builtin_popcount(found2) == 2 &&
                     fit_two_marks(scan, t, id, code_read, scales[k], angle, px2, found2, &two, &missing, &covered);
        }
        if (placed) {
            for (int i = 0; i < 4; i++)
                out->fiducial_px[i] = px2[i];
            out->to_image = two;
            for (int i = 0; i < 6; i++)
                out->homography[i] = two.m[i];
            out->homography[6] = out->homography[7] = 0;
            out->homography[8] = 1;
            out->px_per_mm = hypot(two.m[0], two.m[3]);
            out->fiducials_found = 2;
            out->fiducial_missing = missing;
            out->fiducials_covered = covered;
            out->residual_mm = 0;
            return OMR_OK;
        }
    }
    for (int i = 0; i < 4; i++)
        out->fiducial_px[i] = found_px[i];
    if (n_found < 3) {
        char missing[128] = "";
        for (int i = 0; i < 4; i++)
            if (!(found & (1u << i))) {
                strcat(missing, *missing ? ", " : "");
                strcat(missing, corner_names[i]);
            }
        return omr_fail(err, OMR_ERR_NOT_FOUND,
                        "only %d of the 4 corner marks found (missing: %s); is the page cut off by "
                        "the scanner, folded, or covered?", n_found, missing);
    }

    double residual = 0, limit = 1.0 * s; /* 1 mm */
    int used = fit_marks(t, found_px, found, &out->to_image, &residual);
    for (int i = 0; i < 6; i++)
        out->homography[i] = out->to_image.m[i];
    out->homography[6] = out->homography[7] = 0;
    out->homography[8] = 1;
    if (used == 4 && residual > 0.3 * s && residual < PERSPECTIVE_MAX_MM * s &&
        fit_perspective(t, found_px, s, 0.03, out->homography)) {
        /* four marks that an affine map cannot fit, but a gentle perspective
         * can: a keystoned sheet. Four points fix a homography exactly. */
        out->projective = 1;
        residual = 0;
    } else if (used == 4 && residual > limit) {
        /* one mark disagrees (a blot or a finger over it): keep three */
        cvw_affine four = out->to_image;
        double best = 1e18;
        for (int drop = 0; drop < 4; drop++) {
            cvw_affine a;
            double r3;
            if (!fit_marks(t, found_px, found & ~(1u << drop), &a, &r3))
                continue;
            /* a three-point fit is exact, so judge it by its shape: the three
             * true marks give a near-similarity at the expected scale */
            double sx = hypot(a.m[0], a.m[3]), sy = hypot(a.m[1], a.m[4]);
            double shape = fabs(sx / s - 1) + fabs(sy / s - 1) +
                           fabs(a.m[0] * a.m[1] + a.m[3] * a.m[4]) / (sx * sy);
            if (shape < best) {
                best = shape;
                out->to_image = a;
                out->fiducial_missing = drop;
            }
        }
        used = 3;
        residual = 0;
        /* ... unless the page's own print says otherwise: the four marks'
         * affine fit, the three kept, or a steeper perspective through all
         * four (a sheet photographed at an angle) are weighed by how well
         * each puts the printed boxes where they are seen */
        double h3[9] = {out->to_image.m[0], out->to_image.m[1], out->to_image.m[2],
                        out->to_image.m[3], out->to_image.m[4], out->to_image.m[5], 0, 0, 1};
        double hp[9], f4 = page_fit(scan, t, id->page, out->homography), f3 = page_fit(scan, t, id->page, h3);
        double fp = fit_perspective(t, found_px, s, 0.08, hp) ? page_fit(scan, t, id->page, hp) : -1e18;
        if (fp > f4 && fp > f3) {
            memcpy(out->homography, hp, sizeof hp);
            out->projective = 1;
            out->fiducial_missing = -1;
            out->to_image = four;
            used = 4;
        } else if (f3 > f4) {
            memcpy(out->homography, h3, sizeof h3);
        } else {
            out->to_image = four; /* measure maps through the four marks' fit, as before */
        }
    } else if (used == 3) {
        for (int i = 0; i < 4; i++)
            if (!(found & (1u << i)))
                out->fiducial_missing = i;
    }
    if (!used)
        return omr_fail(err, OMR_ERR_NOT_FOUND, "the corner marks do not form a page (collinear?)");

    const double *m = out->to_image.m;
    out->px_per_mm = sqrt(fabs(m[0] * m[4] - m[1] * m[3]));
    double sx = hypot(m[0], m[3]), sy = hypot(m[1], m[4]);
    if (fabs(sx / sy - 1) > 0.08 || fabs(out->px_per_mm / s - 1) > 0.3)
        return omr_fail(err, OMR_ERR_NOT_FOUND,
                        "the corner marks found do not fit the form's shape (stretched %.0f%%); is "
                        "this a copy scaled unevenly, or a different form?", 100 * fabs(sx / sy - 1));
    out->fiducials_found = used;
    out->residual_mm = residual / out->px_per_mm;
    assert(used == 3 || used == 4);
    assert(out->px_per_mm > 0 && page_map_is_finite(out->homography));
    assert(out->fiducial_missing >= -1 && out->fiducial_missing < 4);
    return OMR_OK;
}

int locate_page(const omr_image *scan, const omr_template *t, const page_identity *id,
                page_transform *out, omr_error *err) {
    assert(scan && scan->width > 0 && scan->height > 0);
    assert(t && id && t->page_width > 0 && t->page_height > 0);
    if (t->registration != REGISTRATION_FIDUCIALS)
        return register_locate(scan, t, id, out, err); /* a form omr did not print */
    int rc = locate_global(scan, t, id, 1, out, err);
    if (rc == OMR_OK)
        locate_local(scan, t, id->page, out);
    return rc;
}
