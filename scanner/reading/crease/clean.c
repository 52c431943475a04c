/*
 * clean.c — taking the creases out of the scan (crease_clean), and what the
 * boxes ask of them (crease.h).
 *
 * Cleaning keeps ink: along each crease, an unprinted pixel within its
 * width is made the paper beside it again only when it is no darker than
 * the crease; a stroke crossing a faint crease is darker and stays. A crease
 * as dark as print (a 1-bit scan draws it black, up to 2 mm wide, and a
 * bowed sheet puts it a little off its straight line) is taken out run by
 * run across it: the dark run nearest the line, no wider than a crease, and
 * its blurred edges; a stroke crossing it is dark far across and stays. The
 * form's print is left as it is, where it lies on the scan (on a bent sheet
 * 1-2 mm off the page's map: print_place). Only pages with a crease pay for
 * the copy.
 */
#include "reading/crease/crease.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define SIDE_MM 0.8         /* the paper either side of a crease, when cleaning */

/* Grey at template (x, y); -1 off the scan. */
static inline int grey_at(const omr_image *scan, const page_transform *t, double x, double y) {
    omr_point p = locate_map(t, x, y);
    if (!page_px_on_scan(p.x, p.y, scan->width, scan->height))
        return -1;
    return omr_image_at(scan, (int)p.x, (int)p.y);
}

/* Is template (x, y) the form's print (or off the mask)? */
static int printed_at(const print_mask *mask, omr_point xy) {
    int mx = (int)(xy.x / mask->pitch), my = (int)(xy.y / mask->pitch);
    return mx < 0 || my < 0 || mx >= mask->width || my >= mask->height ||
           mask->printed[(size_t)my * (size_t)mask->width + (size_t)mx];
}

/* Where the blank's print lies on a bent sheet. The page's map fits a
 * sheet bent in the scanner badly: locate_local found the print of some of
 * its questions moved against it (page_local: 1-2 mm on seed 8373 --folds
 * --warp 1), and a black crease under a row of labels, clear of their print
 * but where the map puts it, was left in as print and read as ink beside
 * the boxes below, whose own shift puts them on it (8JHK824T q5r). Each box
 * of the page moved as its region did (0 where the map fits), and a point of
 * the page as the boxes within LOCAL_REACH_MM of it, the nearer weighing
 * more ((1 + distance)^-2; none that near: 0), on a grid of SHIFT_GRID_MM.
 * A page whose map fits everywhere has none: the mask is read where the map
 * puts it. */
#define LOCAL_REACH_MM 40.0
#define SHIFT_GRID_MM 2.0
typedef struct {
    const print_mask *mask;
    int nx, ny;       /* grid points; 0: no shift */
    float *dx, *dy;   /* the print's move at each, template mm */
} print_place;

static void print_place_make(const print_mask *mask, const omr_template *tmpl, int page, const page_transform *t,
                             print_place *out) {
    memset(out, 0, sizeof *out);
    out->mask = mask;
    if (t->n_local == 0)
        return;
    int nx = (int)ceil(tmpl->page_width / SHIFT_GRID_MM) + 1, ny = (int)ceil(tmpl->page_height / SHIFT_GRID_MM) + 1;
    if (nx < 2 || ny < 2) /* no page to speak of: where the map puts it */
        return;
    out->dx = malloc((size_t)nx * (size_t)ny * sizeof *out->dx);
    out->dy = malloc((size_t)nx * (size_t)ny * sizeof *out->dy);
    if (!out->dx || !out->dy) { /* out of memory: where the map puts it */
        free(out->dx);
        free(out->dy);
        out->dx = out->dy = NULL;
        return;
    }
    out->nx = nx, out->ny = ny;
    for (int gy = 0; gy < ny; gy++)
        for (int gx = 0; gx < nx; gx++) {
            double x = gx * SHIFT_GRID_MM, y = gy * SHIFT_GRID_MM, sw = 0, sx = 0, sy = 0;
            for (size_t i = 0; i < tmpl->n_questions; i++) {
                const template_question *q = &tmpl->questions[i];
                for (size_t b = 0; q->page == page && b < q->n_boxes; b++) {
                    omr_rect r = q->boxes[b].rect;
                    double dist = hypot(fmax(fmax(r.x - x, x - (r.x + r.w)), 0), fmax(fmax(r.y - y, y - (r.y + r.h)), 0));
                    if (dist > LOCAL_REACH_MM)
                        continue;
                    const page_local *l = page_map_local_of(t, r);
                    double w = 1 / ((1 + dist) * (1 + dist));
                    sw += w;
                    if (l && !l->unsure) {
                        sx += w * l->dx_mm;
                        sy += w * l->dy_mm;
                    }
                }
            }
            size_t k = (size_t)gy * (size_t)nx + (size_t)gx;
            out->dx[k] = sw > 0 ? (float)(sx / sw) : 0;
            out->dy[k] = sw > 0 ? (float)(sy / sw) : 0;
        }
}

static void print_place_free(print_place *p) {
    free(p->dx);
    free(p->dy);
    memset(p, 0, sizeof *p);
}

/* Is the blank's print where template (x, y) lies on the scan? */
static int printed_on_scan(const print_place *print, omr_point xy) {
    if (print->nx > 0) {
        assert(print->nx >= 2 && print->ny >= 2 && print->dx && print->dy);
        double gx = fmin(fmax(xy.x / SHIFT_GRID_MM, 0), print->nx - 1.001);
        double gy = fmin(fmax(xy.y / SHIFT_GRID_MM, 0), print->ny - 1.001);
        int ix = (int)gx, iy = (int)gy;
        double fx = gx - ix, fy = gy - iy;
        size_t k = (size_t)iy * (size_t)print->nx + (size_t)ix, nx = (size_t)print->nx;
        double dx = (1 - fy) * ((1 - fx) * print->dx[k] + fx * print->dx[k + 1]) +
                    fy * ((1 - fx) * print->dx[k + nx] + fx * print->dx[k + nx + 1]);
        double dy = (1 - fy) * ((1 - fx) * print->dy[k] + fx * print->dy[k + 1]) +
                    fy * ((1 - fx) * print->dy[k + nx] + fx * print->dy[k + nx + 1]);
        xy = (omr_point){xy.x - dx, xy.y - dy};
    }
    return printed_at(print->mask, xy);
}

/* The paper beside crease c at `along` (its middle at `mid`): the lighter
 * of its two sides, each sampled SIDE_MM beyond its band or, where the form
 * prints there (a box's outline beside a crease that runs between two rows:
 * seed 8304 --folds 6TEJ5GE2, where both sides fell on outlines, the crease
 * was left in as "paper" and read as a ring round the box below), up to
 * PAPER_FURTHER_MM further out; the page's white where both sides are print
 * that far; -1 when both are off the scan. */
#define PAPER_FURTHER_MM 1.5
static int crease_paper(const omr_image *scan, const page_transform *t, const print_place *print,
                        const page_levels *levels, const page_crease *c, double along, double mid) {
    int side_grey[2] = {-1, -1}, on_scan = 0;
    for (int side = 0; side < 2; side++) {
        double dir = side ? 1 : -1;
        for (double extra = 0; extra <= PAPER_FURTHER_MM + 1e-9; extra += 0.25) {
            omr_point xy = crease_xy(c->vertical, along, mid + dir * (c->half_width + SIDE_MM + extra));
            int g = grey_at(scan, t, xy.x, xy.y);
            if (g < 0)
                break; /* off the scan */
            on_scan = 1;
            if (!printed_on_scan(print, xy)) {
                side_grey[side] = g;
                break;
            }
        }
    }
    if (!on_scan)
        return -1;
    if (side_grey[0] < 0 && side_grey[1] < 0)
        return (int)levels->white;
    return side_grey[0] > side_grey[1] ? side_grey[0] : side_grey[1];
}

/* A crease as dark as print (a 1-bit scanner draws it black), at one place
 * along it: the run of samples across it darker than half its depth nearest
 * its middle (within BLACK_FIND_MM; the line is fitted straight, the paper
 * is not quite). Returns its width in samples, with r->lo and r->hi its
 * ends among the r->n samples r->at[] (r->grey -1: the form's print, or off
 * the scan), or 0 when there is none, or when it touches the window's end
 * (black beyond it: a stroke or a blot) or is wider than any crease. */
#define BLACK_FIND_MM 0.6
#define EDGE_MM 0.25
enum { MAX_STEPS = 256 };
typedef struct {
    int n, lo, hi;
    int grey[MAX_STEPS];
    omr_point at[MAX_STEPS];
} black_run;
static int find_black_run(const omr_image *scan, const page_transform *t, const print_place *print,
                          const page_crease *c, double along, double mid, double step, int black_below,
                          black_run *r) {
    double reach = c->half_width + BLACK_FIND_MM;
    int n = (int)(2 * reach / step) + 1;
    if (n > MAX_STEPS)
        n = MAX_STEPS;
    r->n = n;
    for (int k = 0; k < n; k++) {
        omr_point xy = crease_xy(c->vertical, along, mid - reach + k * step);
        r->at[k] = locate_map(t, xy.x, xy.y);
        int on_scan = r->at[k].x >= 0 && r->at[k].y >= 0 && r->at[k].x < scan->width && r->at[k].y < scan->height;
        r->grey[k] = on_scan && !printed_on_scan(print, xy) ? omr_image_at(scan, (int)r->at[k].x, (int)r->at[k].y) : -1;
    }
#define BLACK(k) (r->grey[k] >= 0 && r->grey[k] < black_below)
    /* the black sample nearest the middle within BLACK_FIND_MM of the line's edge */
    int centre = n / 2, from = -1;
    for (int d = 0; d <= centre && from < 0; d++) {
        if (centre - d >= 0 && BLACK(centre - d))
            from = centre - d;
        else if (centre + d < n && BLACK(centre + d))
            from = centre + d;
    }
    if (from < 0)
        return 0;
    int lo = from, hi = from;
    while (lo > 0 && BLACK(lo - 1))
        lo--;
    while (hi + 1 < n && BLACK(hi + 1))
        hi++;
#undef BLACK
    if (lo == 0 || hi == n - 1 || (hi - lo + 1) * step > CREASE_MAX_BLACK_WIDTH_MM)
        return 0;
    r->lo = lo, r->hi = hi;
    return hi - lo + 1;
}

/* The darkest grey of the run's samples (the crease's middle, or ink on it). */
static int run_darkest(const black_run *r) {
    int darkest = 255;
    for (int k = r->lo; k <= r->hi; k++)
        if (r->grey[k] >= 0 && r->grey[k] < darkest)
            darkest = r->grey[k];
    return darkest;
}

/* The run, and the crease's blurred edges either side of it, to the paper.
 * The form's print stays as printed, and so does ink darker than
 * `keep_below` (a grey level; 0 or less keeps nothing). */
static void clean_black_run(omr_image *copy, const black_run *r, double step, int paper, int keep_below) {
    int edge = (int)(EDGE_MM / step);
    for (int k = r->lo - edge; k <= r->hi + edge; k++)
        if (k >= 0 && k < r->n && r->grey[k] >= 0 && r->grey[k] >= keep_below && r->grey[k] < paper)
            copy->pixels[(size_t)(int)r->at[k].y * (size_t)copy->stride + (size_t)(int)r->at[k].x] = (uint8_t)paper;
}

/* A black crease is cleaned only where its run across is no wider than the
 * crease itself is along most of its length (its BLACK_WIDTH_PERCENTILE run
 * width): a dot or a blob drawn on the line (seed 8304 94QRD9DH, a 1 mm dot
 * in a box a black crease runs through, was cleaned away and the answer read
 * blank, silently) is wider there, by KEPT_WIDER times and KEPT_WIDER_MM at
 * least, and stays. A crease is as wide all along, give or take the
 * scanner's threshold; a dot takes a millimetre or two of a 200 mm line. */
#define BLACK_WIDTH_PERCENTILE 0.9
#define KEPT_WIDER 1.5
#define KEPT_WIDER_MM 0.2
/* A crease drawn grey, however deep, is no darker at its middle than it is
 * along nearly all its length (the darkest grey of its runs: all but
 * DARKEST_SHARE of them are no darker); ink darker than that by
 * KEPT_DARKER grey levels is a pen's, and stays, though it lies within the
 * crease's band and does not widen its run: a dot drawn on the crease
 * (fresh seed 8372 --folds, GSU95RRU q6 "7": a 0.6 mm black dot, grey
 * 6-60, on a crease whose middle was 165-175, went with the run and the
 * answer read blank, silently). A 1-bit scan's crease is black: nothing
 * is darker, the run goes as before */
#define DARKEST_SHARE 0.05
#define KEPT_DARKER 40
/* ... and, inside a box, where the crease is wider than it is round about
 * (the median of its runs within KEPT_LOCAL_MM either side) by
 * KEPT_LOCAL_WIDER_MM over a stretch of KEPT_STRETCH_MM or more: a dot on
 * the line swells it for a millimetre or so, under the whole crease's limit
 * (fresh seed 8422 --folds, F3HDHC74 q2c "4": a blue dot on a black crease
 * 0.9-1.0 mm wide, its runs 1.15-1.4 mm over 1.6 mm of the line, under the
 * limit of 1.5; cleaned away and the question read blank, silently). A
 * crease's width round about moves by a pixel; where it meets a box's
 * outline it swells for a sample or two, no more. Outside the boxes such
 * swellings are the crease meeting bled words, and kept they were ink
 * beside a box (seven questions of five sets in review) */
#define KEPT_LOCAL_MM 10.0
#define KEPT_LOCAL_WIDER_MM 0.2
#define KEPT_STRETCH_MM 0.5

/* Is template (x, y) within `grow` of one of the boxes? */
static int near_a_box(const omr_rect *boxes, int n, double x, double y, double grow) {
    for (int i = 0; i < n; i++)
        if (x >= boxes[i].x - grow && x <= boxes[i].x + boxes[i].w + grow && y >= boxes[i].y - grow &&
            y <= boxes[i].y + boxes[i].h + grow)
            return 1;
    return 0;
}

/* Is template point p inside a box of the page (a mark's place)? */
static int in_a_box(const omr_template *tmpl, int page, omr_point p) {
    for (size_t q = 0; q < tmpl->n_questions; q++) {
        const template_question *tq = &tmpl->questions[q];
        for (size_t b = 0; tq->page == page && b < tq->n_boxes; b++)
            if (near_a_box(&tq->boxes[b].rect, 1, p.x, p.y, 0))
                return 1;
    }
    return 0;
}

/* Which runs of a black crease (widths in samples, 0 where none was found)
 * stand wider than the crease round about them over a stretch: keep[i]
 * set for those (KEPT_LOCAL_MM above) */
static void wider_than_round_about(const short *width, size_t n, double step, uint8_t *keep) {
    size_t reach = (size_t)(KEPT_LOCAL_MM / step), stretch = (size_t)ceil(KEPT_STRETCH_MM / step);
    size_t count[MAX_STEPS + 1] = {0}, in_window = 0, lo = 0, hi = 0; /* the window [lo, hi) */
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        keep[i] = 0;
        for (; hi < n && hi <= i + reach; hi++) {
            assert(width[hi] <= MAX_STEPS); /* a run is at most MAX_STEPS samples (find_black_run) */
            if (width[hi] > 0)
                count[width[hi]]++, in_window++;
        }
        for (; lo + reach < i; lo++)
            if (width[lo] > 0)
                count[width[lo]]--, in_window--;
        int median = 0;
        for (size_t w = 1, seen = 0; w <= MAX_STEPS && in_window > 0; w++)
            if ((seen += count[w]) * 2 >= in_window) {
                median = (int)w;
                break;
            }
        int wider = width[i] > 0 && median > 0 && (double)(width[i] - median) * step >= KEPT_LOCAL_WIDER_MM;
        run = wider ? run + 1 : 0;
        if (run >= stretch)
            for (size_t k = i + 1 - run; k <= i; k++)
                keep[k] = 1;
    }
}
static void clean_black_crease(const omr_image *scan, omr_image *copy, const page_transform *t,
                               const page_levels *levels, const print_place *print, const page_crease *c,
                               double along_len, double step, const omr_template *tmpl, int page) {
    size_t n_along = (size_t)(along_len / step) + 1, found = 0;
    short *width = malloc(n_along * sizeof *width);
    if (!width)
        return; /* out of memory: the crease stays, and its boxes may go to review */
    /* widths in samples (at most MAX_STEPS), counted for their percentile,
     * and the runs' darkest greys, for theirs */
    size_t count[MAX_STEPS + 1] = {0}, darkest_count[256] = {0};
    black_run r;
    for (size_t i = 0; i < n_along; i++) {
        double along = (double)i * step, mid = crease_across(c, along);
        width[i] = 0;
        int paper = crease_paper(scan, t, print, levels, c, along, mid);
        if (paper < 0)
            continue;
        width[i] = (short)find_black_run(scan, t, print, c, along, mid, step, (int)(paper - c->depth / 2), &r);
        if (width[i] > 0) {
            count[width[i]]++;
            darkest_count[run_darkest(&r)]++;
            found++;
        }
    }
    /* the crease's own darkest, but for DARKEST_SHARE of its runs */
    int keep_below = 0;
    size_t darker = 0;
    for (int g = 0; g < 256 && found > 0; g++) {
        darker += darkest_count[g];
        if ((double)darker > DARKEST_SHARE * (double)found) {
            keep_below = g - KEPT_DARKER;
            break;
        }
    }
    int limit = MAX_STEPS;
    if (found > 0) {
        size_t seen = 0;
        int typical = 1;
        for (int w = 1; w <= MAX_STEPS; w++) {
            seen += count[w];
            if ((double)seen >= BLACK_WIDTH_PERCENTILE * (double)found) {
                typical = w;
                break;
            }
        }
        double wider = fmax(KEPT_WIDER * typical, typical + KEPT_WIDER_MM / step);
        limit = (int)floor(wider);
    }
    uint8_t *keep = malloc(n_along);
    if (keep)
        wider_than_round_about(width, n_along, step, keep);
    for (size_t i = 0; keep && i < n_along; i++)
        if (keep[i])
            keep[i] = (uint8_t)in_a_box(tmpl, page, crease_xy(c->vertical, (double)i * step,
                                                              crease_across(c, (double)i * step)));
    for (size_t i = 0; i < n_along; i++) {
        if (width[i] <= 0 || width[i] > limit || (keep && keep[i]))
            continue;
        double along = (double)i * step, mid = crease_across(c, along);
        int paper = crease_paper(scan, t, print, levels, c, along, mid);
        if (find_black_run(scan, t, print, c, along, mid, step, (int)(paper - c->depth / 2), &r) > 0)
            clean_black_run(copy, &r, step, paper, keep_below);
    }
    free(keep);
    free(width);
}

omr_image *crease_clean(const omr_image *scan, const page_transform *t, const page_levels *levels,
                        const print_mask *mask, const omr_template *tmpl, int page, const page_crease *creases,
                        int n) {
    assert(tmpl && page >= 1 && (size_t)page <= tmpl->n_pages);
    omr_image *copy = omr_image_new_uninit(scan->width, scan->height, scan->dpi);
    if (!copy)
        return NULL;
    print_place print;
    print_place_make(mask, tmpl, page, t, &print);
    for (int y = 0; y < scan->height; y++)
        memcpy(copy->pixels + (size_t)y * (size_t)copy->stride, scan->pixels + (size_t)y * (size_t)scan->stride,
               (size_t)scan->width);
    double step = 0.5 / t->px_per_mm; /* half a pixel: every pixel of the band is visited */
    for (int i = 0; i < n; i++) {
        const page_crease *c = &creases[i];
        double along_len = c->vertical ? tmpl->page_height : tmpl->page_width;
        /* no darker than the crease, with room for the scanner's noise */
        double allowance = 2 * c->depth + 10;
        /* a crease as dark as print (a 1-bit scan's) must not clean the
         * print away: it is taken out run by run, keeping to the mask; a
         * faint one's allowance leaves print as it is, also where the mask
         * sits a little off the outlines as scanned */
        int as_dark_as_print = levels->white - allowance < (levels->white + levels->black) / 2;
        if (as_dark_as_print) {
            clean_black_crease(scan, copy, t, levels, &print, c, along_len, step, tmpl, page);
            continue;
        }
        for (double along = 0; along <= along_len; along += step) {
            double mid = crease_across(c, along);
            int paper = crease_paper(scan, t, &print, levels, c, along, mid);
            if (paper < 0)
                continue;
            for (double off = -c->half_width; off <= c->half_width; off += step) {
                omr_point xy = crease_xy(c->vertical, along, mid + off);
                omr_point p = locate_map(t, xy.x, xy.y);
                if (!page_px_on_scan(p.x, p.y, scan->width, scan->height))
                    continue;
                uint8_t *px = copy->pixels + (size_t)(int)p.y * (size_t)copy->stride + (size_t)(int)p.x;
                int v = omr_image_at(scan, (int)p.x, (int)p.y);
                if (v < paper && v >= paper - allowance)
                    *px = (uint8_t)paper;
            }
        }
    }
    print_place_free(&print);
    return copy;
}

double crease_across(const page_crease *c, double along) {
    assert(c->n_knots >= 0 && c->n_knots <= CREASE_KNOTS);
    const double *u = c->knot_along, *v = c->knot_across;
    int n = c->n_knots;
    if (n < 2)
        return c->at + c->slope * along;
    if (along <= u[0])
        return v[0] + c->slope * (along - u[0]);
    if (along >= u[n - 1])
        return v[n - 1] + c->slope * (along - u[n - 1]);
    int k = 1;
    while (u[k] < along)
        k++;
    assert(u[k] > u[k - 1]);
    return v[k - 1] + (v[k] - v[k - 1]) * (along - u[k - 1]) / (u[k] - u[k - 1]);
}

#define NEAR_LINE_SPAN_MM 5.0 /* a box's width or so: the crease's slope where it passes */
near_line crease_near_line(const page_crease *c, const page_levels *levels, omr_rect box) {
    /* ink on its band is darker than its middle by KEPT_DARKER, as its
     * cleaning keeps it; on a black crease nothing is */
    double ink_below = levels->white - c->depth - KEPT_DARKER;
    if (c->n_knots < 2) /* straight: its own line */
        return (near_line){c->vertical, c->at, c->slope, c->half_width, ink_below};
    double mid = c->vertical ? box.y + box.h / 2 : box.x + box.w / 2;
    double ahead = crease_across(c, mid + NEAR_LINE_SPAN_MM), behind = crease_across(c, mid - NEAR_LINE_SPAN_MM);
    double slope = (ahead - behind) / (2 * NEAR_LINE_SPAN_MM);
    return (near_line){c->vertical, crease_across(c, mid) - slope * mid, slope, c->half_width, ink_below};
}

/* Whether the crease's line, widened by `reach` mm either side, lies within
 * the box or CREASE_NEAR_MM of its edge where it passes the box. */
static int reaches_box(const page_crease *c, omr_rect box, double reach) {
    /* the crease's place across at the box's middle along it */
    double mid_along = c->vertical ? box.y + box.h / 2 : box.x + box.w / 2;
    double across = crease_across(c, mid_along);
    double lo = c->vertical ? box.x : box.y, hi = lo + (c->vertical ? box.w : box.h);
    return across + reach >= lo - CREASE_NEAR_MM && across - reach <= hi + CREASE_NEAR_MM;
}
/* Does crease c pass through box (within CREASE_NEAR_MM of it)? */
static int passes_box(const page_crease *c, omr_rect box) { return reaches_box(c, box, 0); }

int crease_through_box(const page_crease *creases, int n, omr_rect box) {
    assert(n == 0 || creases);
    int along = 0;
    for (int i = 0; i < n; i++)
        if (passes_box(&creases[i], box))
            along |= creases[i].vertical ? 2 : 1;
    return along;
}

int crease_band_on_box(const page_crease *creases, int n, omr_rect box) {
    assert(n == 0 || creases);
    for (int i = 0; i < n; i++)
        if (reaches_box(&creases[i], box, creases[i].half_width))
            return 1;
    return 0;
}

/* The depth of the deepest crease whose line (band 0) or band (band 1)
 * reaches the box; 0 for none. */
static double deepest_reaching(const page_crease *creases, int n, omr_rect box, int band) {
    assert(n == 0 || creases);
    double deepest = 0;
    for (int i = 0; i < n; i++)
        if (reaches_box(&creases[i], box, band ? creases[i].half_width : 0) && creases[i].depth > deepest)
            deepest = creases[i].depth;
    return deepest;
}

double crease_deepest_through_box(const page_crease *creases, int n, omr_rect box) {
    return deepest_reaching(creases, n, box, 0);
}

double crease_deepest_band_on_box(const page_crease *creases, int n, omr_rect box) {
    return deepest_reaching(creases, n, box, 1);
}

double crease_widest_through_box(const page_crease *creases, int n, omr_rect box, int along_y) {
    assert(n == 0 || creases);
    double widest = 0;
    for (int i = 0; i < n; i++)
        if (creases[i].vertical == (along_y != 0) && passes_box(&creases[i], box) &&
            2 * creases[i].half_width > widest)
            widest = 2 * creases[i].half_width;
    return widest;
}

/* Grey at template (x, y) where the form prints nothing; -1 on print or off the scan. */
static int paper_grey_at(const omr_image *scan, const page_transform *t, const print_mask *mask, double x, double y) {
    /* (x < 0: the cast in printed_at would round -0.5 to column 0) */
    return x < 0 || y < 0 || printed_at(mask, (omr_point){x, y}) ? -1 : grey_at(scan, t, x, y);
}


double crease_line_beyond(const omr_image *scan, const page_transform *t, const page_levels *levels,
                          const print_mask *mask, omr_rect box, const omr_rect *others, int n_others, int along_y,
                          double at, double tilt, double *one_side) {
    assert(scan && t && levels && one_side && tilt >= 0 && (others || n_others == 0));
    *one_side = -1;
    if (!mask || !mask->printed)
        return -1;
    enum { ROWS = 5, COLS = (int)((LINE_BEYOND_FAR_MM - LINE_BEYOND_NEAR_MM) / LINE_BEYOND_STEP_MM) + 1 };
    const double dys[ROWS] = {-0.4, -0.2, 0, 0.2, 0.4}, paper_dys[4] = {-1.3, -1.0, 1.0, 1.3};
    /* a dip this deep under the paper 1-1.3 mm above and below (a faint
     * grey crease is 15-40 levels deep; paper noise a few) */
    double depth_min = fmax(10, 0.06 * (levels->white - levels->black));
    /* (along, across) of the line to template (x, y); it passes the box's
     * middle at `at`, straight or tilted either way by `tilt` */
    double lo = along_y ? box.y : box.x, hi = lo + (along_y ? box.h : box.w), mid = (lo + hi) / 2;
    const double slopes[3] = {0, tilt, -tilt};
    int n_slopes = tilt >= LINE_TILT_MIN ? 3 : 1;
#define LINE_XY(u, v) (along_y ? (v) : (u)), (along_y ? (u) : (v))
    int seen = 0, dark = 0;
    for (int side = 0; side < 2; side++) {
        /* the line the ink runs along: the deepest (slope, row) on average
         * (a crease runs straight; a bowed sheet moves it off the stroke's
         * height by a few tenths; a stamp's edge is tilted) */
        int best_seen = 0, best_dark = 0;
        double deepest = -1e9;
        for (int sl = 0; sl < n_slopes; sl++) {
            int grey[COLS][ROWS], n = 0, past_boxes = 0;
            double paper[COLS];
            for (int c = 0; c < COLS + past_boxes; c++) {
                double off = LINE_BEYOND_NEAR_MM + c * LINE_BEYOND_STEP_MM, u = side ? hi + off : lo - off;
                double v = at + slopes[sl] * (u - mid), sum = 0;
                int count = 0;
                if (near_a_box(others, n_others, LINE_XY(u, v), LINE_OTHER_BOX_MM)) {
                    past_boxes += off < LINE_BEYOND_PAST_BOXES_MM; /* the window runs on past it */
                    continue;
                }
                for (int k = 0; k < 4; k++) {
                    int g = paper_grey_at(scan, t, mask, LINE_XY(u, v + paper_dys[k]));
                    if (g >= 0)
                        sum += g, count++;
                }
                if (!count || paper_grey_at(scan, t, mask, LINE_XY(u, v)) < 0)
                    continue;
                assert(n < COLS); /* the columns skipped for boxes were added to the window */
                paper[n] = sum / count;
                for (int k = 0; k < ROWS; k++)
                    grey[n][k] = paper_grey_at(scan, t, mask, LINE_XY(u, v + dys[k]));
                n++;
            }
            for (int k = 0; k < ROWS; k++) {
                double sum = 0;
                int count = 0, count_dark = 0;
                for (int c = 0; c < n; c++)
                    if (grey[c][k] >= 0) {
                        sum += paper[c] - grey[c][k], count++;
                        count_dark += paper[c] - grey[c][k] >= depth_min;
                    }
                if (count && sum / count > deepest)
                    deepest = sum / count, best_seen = count, best_dark = count_dark;
            }
        }
        seen += best_seen;
        dark += best_dark;
        if (best_seen >= 8 && (double)best_dark / best_seen > *one_side)
            *one_side = (double)best_dark / best_seen;
    }
#undef LINE_XY
    return seen < 8 ? -1 : (double)dark / seen;
}

void crease_measure_line(const omr_image *scan, const page_transform *t, const page_levels *levels,
                         const print_mask *mask, omr_rect box, const omr_rect *others, int n_others,
                         box_measure *m) {
    assert(m && m->ink_width_mm > 0);
    int along_y = m->ink_axis_deg >= 45;
    /* a thin stroke's own tilt off the axis (which way is not measured) */
    double off_axis_deg = along_y ? 90 - m->ink_axis_deg : m->ink_axis_deg;
    double tilt = m->ink_width_mm <= LINE_TILTED_WIDTH_MM ? tan(off_axis_deg * M_PI / 180) : 0;
    double one_side;
    m->line_beyond = fmax(0, crease_line_beyond(scan, t, levels, mask, box, others, n_others, along_y,
                                                along_y ? m->ink_x_mm : m->ink_y_mm, tilt, &one_side));
    m->line_one_side = fmax(0, one_side);
}
