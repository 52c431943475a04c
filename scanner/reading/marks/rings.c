/*
 * rings.c — circles drawn round a box or its label (measure_rings,
 * reading/measure.h), measured after measure_box on the box's re-centred
 * place. The label is the one printed right of the box, else a number
 * printed alone above it (label.h). Rays from the box's (the label's)
 * centre look for unprinted ink in every direction, past the box's own
 * outline and stopping at other boxes; a closed circle meets ink in nearly
 * all of them. Round a long label each ray counts for the part of an oval
 * round the words its direction stands for (oval_weights). A circle drawn tight
 * along the printed outline, which on a page whose print bleeds is hidden
 * in the outline's own blur, is told by geometry instead: the outline there
 * is thicker than the page prints the outlines of the boxes around it, on
 * three sides at least, and the ink it adds is ink near the box; where it
 * closes the rays all round but too few of them for a circle, the box is a
 * person's (decide_box).
 */
#include "reading/measure.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define RING_RAYS 48
#define RING_STEP_MM 0.12
#define RING_OUTLINE_IN_MM 0.55  /* the own outline: from this far inside the box ... */
#define RING_OUTLINE_OUT_MM 0.15 /* ... to this far outside it (print and its blur) */
#define RING_INTERIOR_MM 0.8     /* deeper inside than this is the box's interior (fill's) */
#define LABEL_MIN_MM 1.0         /* a label printed narrower than this is no label to circle */
#define LABEL_OVAL_MM 1.5        /* a circle round a label: an oval about this far beyond its print */
#define LABEL_LONG 2.0           /* a label whose oval is this many times as long as high is long */
#define RING_CLEAR_OF_BOX_MM 0.6 /* ring_clear: ink this far outside the outline and more */
#define RING_TRACE_MM 0.5        /* ring_traced: neighbouring rays meet one line within this ... */
#define RING_TRACE_SHARE 0.25    /* ... and this share of the farther hit's distance */

/* Comparisons instead of libm's fmin/fmax, which gcc calls rather than
 * inlines (NaN rules): nothing measured here is NaN. */
static inline double min2(double a, double b) { return a < b ? a : b; }
static inline double max2(double a, double b) { return a > b ? a : b; }

/* Signed depth of (x, y) inside rect r: > 0 inside, < 0 outside (mm). */
static inline double depth_in(omr_rect r, double x, double y) {
    double d = min2(min2(x - r.x, r.x + r.w - x), min2(y - r.y, r.y + r.h - y));
    if (d >= 0)
        return d;
    double ox = max2(max2(r.x - x, 0), x - (r.x + r.w)), oy = max2(max2(r.y - y, 0), y - (r.y + r.h));
    return -hypot(ox, oy);
}

/* depth_in(r, x, y) > -within, without the square root for a point farther
 * than `within` along x or y (hypot is at least the larger of the two):
 * the same answer, for the ray's stop test run at every step. */
static int nearer_than(omr_rect r, double x, double y, double within) {
    double ox = max2(max2(r.x - x, 0), x - (r.x + r.w)), oy = max2(max2(r.y - y, 0), y - (r.y + r.h));
    if (ox >= within || oy >= within)
        return 0;
    return depth_in(r, x, y) > -within;
}

/* depth_in as cast_rays asks it: of a point outside the box, only whether
 * it lies deeper than -RING_OUTLINE_OUT_MM and than -RAY_EXACT_MM. A point
 * more than RAY_EXACT_MM out along x or y is beyond both (hypot is at least
 * the larger of the two), so -max(ox, oy) answers alike without the square
 * root. A test of d deeper outside than this needs the exact depth_in. */
#define RAY_EXACT_MM 0.45 /* asserted in measure_rings: RING_OUTLINE_OUT_MM <= RAY_EXACT_MM
                             (clang takes no floating comparison in _Static_assert) */
static inline double ray_depth(omr_rect r, double x, double y) {
    double d = min2(min2(x - r.x, r.x + r.w - x), min2(y - r.y, r.y + r.h - y));
    if (d >= 0)
        return d;
    double ox = max2(max2(r.x - x, 0), x - (r.x + r.w)), oy = max2(max2(r.y - y, 0), y - (r.y + r.h));
    double m = max2(ox, oy);
    return m > RAY_EXACT_MM ? -m : -hypot(ox, oy);
}

typedef struct {
    const omr_image *scan;
    const page_transform *t;
    const page_levels *levels;
    const print_mask *mask;
    omr_rect own;         /* the box, template mm */
    omr_rect others[64];  /* boxes of the page near enough to stop a ray */
    int n_others;
    double dx, dy;        /* the box's re-centring shift */
    omr_rect words;       /* label rays: the label's print, LABEL_WORDS_MM round it (w 0: none) */
    double dark_at[256];  /* darkness of each grey level against the page's levels */
} ring_ctx;

/* Is (x, y) nearer the box than clear_mm outside it (clear_mm > 0), where
 * ring_clear counts no ink? The exact depth: ray_depth's is not so far out. */
static int in_bled_band(omr_rect own, double x, double y, double clear_mm) {
    return clear_mm > 0 && depth_in(own, x, y) > -clear_mm;
}

/* Ink at (x, y) on the label's words, for a ray aimed past their end
 * (`past_words`): a circle round the label meets such a ray beyond them. */
static int on_words(const ring_ctx *c, int past_words, double x, double y) {
    return past_words && x >= c->words.x && x <= c->words.x + c->words.w && y >= c->words.y &&
           y <= c->words.y + c->words.h;
}

/* Does the segment from (x0, y0) along (ca, sa) for length len touch the
 * rectangle r grown by `grow`? (slabs; a conservative filter for the exact
 * per-sample test in cast_rays, which it leaves unchanged) */
static int segment_touches(double x0, double y0, double ca, double sa, double len, omr_rect r, double grow) {
    double lo = 0, hi = len;
    const double o[2] = {x0, y0}, dir[2] = {ca, sa};
    const double mn[2] = {r.x - grow, r.y - grow}, mx[2] = {r.x + r.w + grow, r.y + r.h + grow};
    for (int a = 0; a < 2; a++) {
        if (fabs(dir[a]) < 1e-12) {
            if (o[a] < mn[a] || o[a] > mx[a])
                return 0;
            continue;
        }
        double t1 = (mn[a] - o[a]) / dir[a], t2 = (mx[a] - o[a]) / dir[a];
        if (t1 > t2) {
            double tmp = t1;
            t1 = t2;
            t2 = tmp;
        }
        lo = max2(lo, t1);
        hi = min2(hi, t2);
        if (lo > hi)
            return 0;
    }
    return 1;
}

/* Can the ray along (ca, sa) meet unprinted ink at all? Its samples, at the
 * very positions cast_rays takes, looked up in the scan first (one table
 * read each): a ray hits only at a sample darker than INK_DARKNESS,
 * inside the bands cast_rays lets ink be in and, beyond RAY_EXACT_MM
 * outside the box, off the print mask's own cell (the first of cast_rays'
 * five cells). A ray without such a sample cannot hit, so cast_rays leaves
 * it at once, with the same result; most rays cross only paper and the
 * box's printed outline. */
static int ray_may_hit(const ring_ctx *c, double cx, double cy, double ca, double sa, double rmin, double rmax,
                       int around_box, double clear_mm, int past_words) {
    const double *h = c->t->homography;
    int affine = page_map_is_affine(h);
    int width = c->scan->width, height = c->scan->height;
    /* on an affine map the ray's samples lie between its ends (up to
     * rounding, far under a pixel): with both ends a pixel inside the scan,
     * every sample is on it */
    int on_scan = 0;
    if (affine) {
        double ax = cx + rmin * ca + c->dx, ay = cy + rmin * sa + c->dy;
        double bx = cx + rmax * ca + c->dx, by = cy + rmax * sa + c->dy;
        on_scan = page_px_on_scan(h[0] * ax + h[1] * ay + h[2] - 1, h[3] * ax + h[4] * ay + h[5] - 1, width - 2,
                                  height - 2) &&
                  page_px_on_scan(h[0] * bx + h[1] * by + h[2] - 1, h[3] * bx + h[4] * by + h[5] - 1, width - 2,
                                  height - 2);
    }
    for (double r = rmin; r < rmax; r += RING_STEP_MM) {
        double x = cx + r * ca, y = cy + r * sa;
        omr_point sp;
        if (affine) { /* as cast_rays */
            double mx = x + c->dx, my = y + c->dy;
            sp.x = h[0] * mx + h[1] * my + h[2];
            sp.y = h[3] * mx + h[4] * my + h[5];
        } else {
            sp = locate_map(c->t, x + c->dx, y + c->dy);
        }
        if ((!on_scan && !page_px_on_scan(sp.x, sp.y, width, height)) ||
            c->dark_at[omr_image_at(c->scan, (int)sp.x, (int)sp.y)] <= INK_DARKNESS)
            continue;
        double d = ray_depth(c->own, x, y);
        if (d > RING_INTERIOR_MM || (d >= -RING_OUTLINE_OUT_MM && d <= RING_OUTLINE_IN_MM) ||
            (d > RING_OUTLINE_IN_MM && !around_box) || in_bled_band(c->own, x, y, clear_mm) ||
            on_words(c, past_words, x, y))
            continue;
        if (d < -RAY_EXACT_MM) {
            int mx = (int)(x / c->mask->pitch), my = (int)(y / c->mask->pitch);
            if (mx < 0 || my < 0 || mx >= c->mask->width || my >= c->mask->height ||
                c->mask->printed[(size_t)my * (size_t)c->mask->width + (size_t)mx])
                continue;
        }
        return 1;
    }
    return 0;
}

/* Casts RING_RAYS rays from (cx, cy), from rmin out to rmax, and reports the share of
 * rays that meet unprinted ink (two samples in a row) and the widest run of
 * rays that do not. `around_box`: rays start at the box's interior edge and
 * read the inset band (a tight circle cuts the corners there); otherwise the
 * box is passed over (a circle round the box and its label). `clear_mm` > 0:
 * only ink at least that far outside the box counts. `opposed` (unless
 * NULL): the share of rays that meet ink with the opposite ray meeting it too.
 * `weight` (unless NULL: each ray 1 / RING_RAYS): what each ray's direction
 * stands for, summing to 1 (oval_weights); the shares and the gap are
 * weighed by it. */
static void cast_rays(const ring_ctx *c, double cx, double cy, double rmin, double rmax, int around_box,
                      double clear_mm, const double *weight, const uint8_t *past_words, double *ring, double *gap,
                      double *opposed, double *traced) {
    int hit[RING_RAYS];
    double hit_at[RING_RAYS]; /* where each ray met the ink, mm from the centre */
    const double *h = c->t->homography;
    int affine = page_map_is_affine(h);
    for (int k = 0; k < RING_RAYS; k++) {
        double a = 2 * M_PI * k / RING_RAYS, ca = cos(a), sa = sin(a);
        int run = 0, past = past_words && past_words[k];
        hit[k] = 0;
        if (!ray_may_hit(c, cx, cy, ca, sa, rmin, rmax, around_box, clear_mm, past))
            continue;
        /* the boxes this ray can reach (the stop test below runs on these only) */
        int near[64], n_near = 0;
        for (int o = 0; o < c->n_others; o++)
            if (segment_touches(cx, cy, ca, sa, rmax + 0.5, c->others[o], 0.5))
                near[n_near++] = o;
        for (double r = rmin; r < rmax && !hit[k]; r += RING_STEP_MM) {
            double x = cx + r * ca, y = cy + r * sa;
            double d = ray_depth(c->own, x, y);
            int ink_allowed = 1;
            if (d > RING_INTERIOR_MM || (d >= -RING_OUTLINE_OUT_MM && d <= RING_OUTLINE_IN_MM))
                ink_allowed = 0; /* the interior (fill's business) or the printed outline */
            else if (d > RING_OUTLINE_IN_MM && !around_box)
                ink_allowed = 0; /* seen from the label: the box is passed over */
            else if (in_bled_band(c->own, x, y, clear_mm))
                ink_allowed = 0; /* within the band a bled outline fills */
            else if (on_words(c, past, x, y))
                ink_allowed = 0; /* the label's print, or what a map a little off leaves of it */
            int stop = 0;
            for (int o = 0; o < n_near && !stop; o++)
                stop = nearer_than(c->others[near[o]], x, y, 0.3);
            if (stop)
                break; /* another box: its ink is its own */
            if (!ink_allowed) {
                run = 0;
                continue;
            }
            omr_point sp;
            if (affine) { /* locate_map's sums; w is 1 exactly */
                double mx = x + c->dx, my = y + c->dy;
                sp.x = h[0] * mx + h[1] * my + h[2];
                sp.y = h[3] * mx + h[4] * my + h[5];
            } else {
                sp = locate_map(c->t, x + c->dx, y + c->dy);
            }
            if (sp.x < 0 || sp.y < 0 || sp.x >= c->scan->width || sp.y >= c->scan->height) {
                run = 0;
                continue;
            }
            double dark = c->dark_at[omr_image_at(c->scan, (int)sp.x, (int)sp.y)];
            if (dark <= INK_DARKNESS && !(dark > 0.45 && d < -RING_OUTLINE_OUT_MM)) {
                run = 0; /* paper: no need to ask the mask */
                continue;
            }
            /* away from the blank form's print, by a further 0.3 mm: the
             * print's own edge (the mask a pixel off) is no circle */
            for (int e = 0; ink_allowed && d < -RAY_EXACT_MM && c->mask && c->mask->printed && e < 5; e++) {
                static const double ex[5] = {0, 0.3, -0.3, 0, 0}, ey[5] = {0, 0, 0, 0.3, -0.3};
                int mx = (int)((x + ex[e]) / c->mask->pitch), my = (int)((y + ey[e]) / c->mask->pitch);
                if (mx < 0 || my < 0 || mx >= c->mask->width || my >= c->mask->height ||
                    c->mask->printed[(size_t)my * (size_t)c->mask->width + (size_t)mx])
                    ink_allowed = 0;
            }
            if (!ink_allowed) {
                run = 0;
                continue;
            }
            run = dark > INK_DARKNESS ? run + 1 : 0;
            /* two samples in a row, or one clearly dark (a tight circle shows
             * only a sliver beside the printed outline) */
            if (run >= 2 || (dark > 0.45 && d < -RING_OUTLINE_OUT_MM)) {
                hit[k] = 1;
                hit_at[k] = r;
            }
        }
    }
    /* counted in rays, each 1 of RING_RAYS, or weighed, out of 1 */
    double unit[RING_RAYS], whole = weight ? 1 : RING_RAYS;
    for (int k = 0; k < RING_RAYS; k++)
        unit[k] = weight ? weight[k] : 1;
    double widest = 0, closed = 0;
    for (int k = 0; k < RING_RAYS; k++) {
        closed += hit[k] ? unit[k] : 0;
        double open = 0;
        for (int n = 0; n < RING_RAYS && !hit[(k + n) % RING_RAYS]; n++)
            open += unit[(k + n) % RING_RAYS];
        widest = max2(widest, open);
    }
    *ring = closed / whole;
    *gap = min2(widest / whole, 1);
    if (traced) {
        /* a line drawn round: neighbouring rays meet it at nearly the same
         * distance (it runs on between them); specks lie at any distance */
        int joined = 0;
        for (int k = 0; k < RING_RAYS; k++) {
            int next = (k + 1) % RING_RAYS;
            if (!hit[k] || !hit[next])
                continue;
            double far = max2(hit_at[k], hit_at[next]);
            joined += fabs(hit_at[k] - hit_at[next]) <= RING_TRACE_MM + RING_TRACE_SHARE * far;
        }
        *traced = (double)joined / RING_RAYS;
    }
    if (opposed) {
        double both = 0;
        for (int k = 0; k < RING_RAYS; k++)
            both += hit[k] && hit[(k + RING_RAYS / 2) % RING_RAYS] ? unit[k] : 0;
        *opposed = both / whole;
    }
}

/* The share of an oval of half-axes a (along x) and b (along y) round the
 * centre that each ray's direction stands for: the arc between the
 * directions half way to its neighbours, over the whole. Round a long label
 * a circle is a flat oval close over and under the words: rays at equal
 * angles from its middle nearly all meet its two long sides near the
 * middle, and an opening there, a small part of the way round, is a wide
 * run of them (fresh seed 8413 DTGJVQGP q5r: 25 mm open over the top of an
 * oval 145 mm round, 0.38 of the rays). */
static void oval_weights(double a, double b, double words_half_w, double weight[RING_RAYS],
                         uint8_t past_words[RING_RAYS]) {
    assert(a > 0 && b > 0);
    double total = 0;
    for (int k = 0; k < RING_RAYS; k++) {
        double at = 2 * M_PI * k / RING_RAYS;
        past_words[k] = fabs(a * cos(atan2(a * sin(at), b * cos(at)))) >= words_half_w;
        double from = 2 * M_PI * (k - 0.5) / RING_RAYS, to = 2 * M_PI * (k + 0.5) / RING_RAYS;
        /* the oval's own angle where each direction meets it */
        double t0 = atan2(a * sin(from), b * cos(from)), t1 = atan2(a * sin(to), b * cos(to));
        double dt = remainder(t1 - t0, 2 * M_PI), arc = 0;
        for (int i = 0; i < 8; i++) { /* the arc, by the midpoint rule */
            double t = t0 + dt * (i + 0.5) / 8;
            arc += hypot(a * sin(t), b * cos(t)) * fabs(dt) / 8;
        }
        weight[k] = arc;
        total += arc;
    }
    for (int k = 0; k < RING_RAYS; k++)
        weight[k] /= total;
}

/* ---- a stroke along the printed outline -------------------------------------------
 *
 * A circle drawn tight round a box runs along its printed outline, partly on
 * the print and within NEAR_FROM_MM of it, where ink near the box is not
 * counted (the print's own blur lies there). On a page whose outlines bleed
 * (a dark 1-bit scan) that band is all print, every box's rays meet it, and
 * the circle shows only as an outline thicker than the page prints it. So
 * the band is measured across: at positions along each side (away from the
 * corners, where the other side's line runs across), the run of ink through
 * the outline, from the interior's edge (INSET_MM past the line) out to
 * NEAR_FROM_MM outside. The print's own thickness is that of the boxes of
 * like size around it (the median of their upper quartiles), measured the
 * same way on the same scan; a run that reaches the interior is the interior's ink (a fill, a
 * cross's arm) and is left out. Where the run is thicker than the print by a
 * pen line along a good part of three sides or four, the stroke goes round
 * the box, and the ink it adds to the band is ink near the box. Measured
 * only round a box whose rays see a closed ring (decide.c's circle: ink in
 * RING_MIN of the directions, no gap wider than RING_GAP_MAX), as a stroke
 * round it makes them, or a tight one too few (HUG_RAYS_TIGHT): elsewhere
 * (most boxes of most pages) the band costs its time for nothing. */
#define HUG_STEP_MM 0.15     /* positions along a side */
#define HUG_SAMPLE_MM 0.05   /* samples across the outline */
#define HUG_CORNER_MM 0.8    /* positions start this far from a corner */
#define HUG_FIND_MM 0.4      /* the outline's run is looked for this far from the line's middle */
#define HUG_THICKER_MM 0.15  /* a run this much thicker than the print: a stroke along it ... */
#define HUG_SIDE_SHARE 0.25  /* ... along this share of a side, on three sides: round the box */
#define HUG_POSITIONS 256
#define HUG_REFERENCES 6     /* the nearest boxes of like size: the print's thickness */
#define HUG_RAYS_MIN 0.45    /* decide.h's RING_MIN */
#define HUG_RAYS_GAP 0.30    /* decide.h's RING_GAP_MAX */
/* ... and from this few: a circle drawn tight and off the box's centre
 * lies mostly along the outline, where no ray reads ink (fresh seed 8447
 * YFWEECM4 q2e, rays 0.44; a 0.3 mm pen's, 0.25-0.42), but still closes
 * them all round (no gap over HUG_RAYS_GAP) and thickens the outline */
#define HUG_RAYS_TIGHT 0.20

/* The runs of ink through the outline of r (template mm, shifted by dx, dy)
 * at positions `step` mm apart; inner[k] when the run reaches the interior.
 * Returns the number of positions. */
static int outline_runs(const ring_ctx *c, omr_rect r, double dx, double dy, double step, double *run,
                        uint8_t *inner, uint8_t *side_of) {
    const double from = -NEAR_FROM_MM, to = OUTLINE_MM + INSET_MM, mid = OUTLINE_MM / 2;
    enum { MAX_SAMPLES = 64 };
    int n_samples = (int)((to - from) / HUG_SAMPLE_MM) + 1;
    if (n_samples > MAX_SAMPLES)
        n_samples = MAX_SAMPLES;
    int n = 0;
    for (int side = 0; side < 4; side++) {
        double len = side % 2 ? r.h : r.w;
        for (double s = HUG_CORNER_MM; s <= len - HUG_CORNER_MM && n < HUG_POSITIONS; s += step) {
            /* the point on the box's edge, and the inward normal */
            double x, y, nx, ny;
            switch (side) {
            case 0: x = r.x + s, y = r.y, nx = 0, ny = 1; break;
            case 1: x = r.x + r.w, y = r.y + s, nx = -1, ny = 0; break;
            case 2: x = r.x + s, y = r.y + r.h, nx = 0, ny = -1; break;
            default: x = r.x, y = r.y + s, nx = 1, ny = 0; break;
            }
            uint8_t ink[MAX_SAMPLES];
            for (int i = 0; i < n_samples; i++) {
                double depth = from + i * HUG_SAMPLE_MM;
                omr_point sp = locate_map(c->t, x + nx * depth + dx, y + ny * depth + dy);
                ink[i] = sp.x >= 0 && sp.y >= 0 && sp.x < c->scan->width && sp.y < c->scan->height &&
                         c->dark_at[omr_image_at(c->scan, (int)sp.x, (int)sp.y)] > INK_DARKNESS;
            }
            /* the run nearest the line's middle */
            int m = (int)lround((mid - from) / HUG_SAMPLE_MM), found = -1;
            for (int d = 0; d <= (int)(HUG_FIND_MM / HUG_SAMPLE_MM) && found < 0; d++) {
                if (m - d >= 0 && ink[m - d])
                    found = m - d;
                else if (m + d < n_samples && ink[m + d])
                    found = m + d;
            }
            int a = found, b = found;
            if (found >= 0) {
                while (a > 0 && ink[a - 1])
                    a--;
                while (b + 1 < n_samples && ink[b + 1])
                    b++;
            }
            run[n] = found < 0 ? 0 : (b - a + 1) * HUG_SAMPLE_MM;
            inner[n] = found >= 0 && b == n_samples - 1;
            if (side_of)
                side_of[n] = (uint8_t)side;
            n++;
        }
    }
    return n;
}

/* The print's thickness round r: the upper quartile of its runs not
 * reaching its interior (a run lies on whole scan pixels: the same line
 * measures a pixel thicker at some positions than at others); -1 with fewer
 * than half of its positions left. */
static double print_run(const ring_ctx *c, omr_rect r, double dx, double dy) {
    double run[HUG_POSITIONS], kept[HUG_POSITIONS];
    uint8_t inner[HUG_POSITIONS];
    int n = outline_runs(c, r, dx, dy, 2 * HUG_STEP_MM, run, inner, NULL), k = 0; /* every other position */
    for (int i = 0; i < n; i++)
        if (!inner[i])
            kept[k++] = run[i];
    if (n == 0 || 2 * k < n)
        return -1;
    qsort(kept, (size_t)k, sizeof *kept, omr_cmp_double);
    return kept[k * 3 / 4];
}

/* The ink a stroke along the own box's outline adds to it (mm^2): the runs'
 * excess over the print's thickness (the median of the `n_refs` boxes of
 * like size nearest it), where they are thicker by a pen line; 0 unless
 * they are along a quarter of three sides or four. With a mark inside the box (`interior_marked`) a run
 * reaching the interior is that mark's; in an empty box it is the stroke's
 * (a circle cuts the box's corners). */
static double outline_hug(const ring_ctx *c, const omr_rect *refs, int n_refs, int interior_marked) {
    double print_of[HUG_REFERENCES];
    int n_print = 0;
    for (int o = 0; o < n_refs; o++) {
        double v = print_run(c, refs[o], c->dx, c->dy);
        if (v > 0)
            print_of[n_print++] = v;
    }
    if (n_print < 2)
        return 0; /* nothing to tell the print's thickness by */
    double print = omr_sort_middle(print_of, (size_t)n_print);
    double run[HUG_POSITIONS];
    uint8_t inner[HUG_POSITIONS], side_of[HUG_POSITIONS];
    int n = outline_runs(c, c->own, c->dx, c->dy, HUG_STEP_MM, run, inner, side_of), kept = 0;
    /* ... and thicker than any box around prints it: a run lies on whole
     * scan pixels, and the same print measures a pixel thicker at some
     * boxes than at others (warped or resampled scans) */
    double thicker = fmax(print + HUG_THICKER_MM, print_of[n_print - 1] + 1e-6);
    int per_side[4] = {0}, thick[4] = {0};
    double added = 0;
    for (int i = 0; i < n; i++) {
        if (inner[i] && interior_marked)
            continue;
        kept++;
        per_side[side_of[i]]++;
        if (run[i] >= thicker) {
            thick[side_of[i]]++;
            added += (run[i] - print) * HUG_STEP_MM;
        }
    }
    /* round the box: thicker along a good part of three sides at least (a
     * cross's arms, a tick, a neighbour's mark or a word beside the box
     * cross one or two) */
    int sides = 0;
    for (int k = 0; k < 4; k++)
        sides += per_side[k] > 0 && thick[k] >= HUG_SIDE_SHARE * per_side[k];
    return kept > 0 && 2 * kept >= n && sides >= 3 ? added : 0;
}

/* The blank's print inside `label` (the bounds of its printed cells),
 * LABEL_WORDS_MM round it; w 0 when none is printed there. */
#define LABEL_WORDS_MM 0.3
static omr_rect words_of(const print_mask *mask, omr_rect label) {
    int lx, hx, ly, hy;
    if (!print_mask_bounds(mask, (int)(label.x / mask->pitch), (int)(label.y / mask->pitch),
                           (int)((label.x + label.w) / mask->pitch), (int)((label.y + label.h) / mask->pitch), &lx,
                           &ly, &hx, &hy))
        return (omr_rect){label.x, label.y, 0, 0};
    return (omr_rect){lx * mask->pitch - LABEL_WORDS_MM, ly * mask->pitch - LABEL_WORDS_MM,
                      (hx + 1 - lx) * mask->pitch + 2 * LABEL_WORDS_MM,
                      (hy + 1 - ly) * mask->pitch + 2 * LABEL_WORDS_MM};
}

void measure_rings(const omr_image *scan, const page_transform *t, const page_levels *levels,
                   const print_mask *mask, const omr_template *tmpl, const template_question *q,
                   size_t index, box_measure *out) {
    assert(scan && t && levels && tmpl && q && out && index < q->n_boxes);
    assert(RING_OUTLINE_OUT_MM <= RAY_EXACT_MM); /* ray_depth is exact only to RAY_EXACT_MM */
    out->ring = out->label_ring = out->label_opposed = out->ring_clear = out->ring_hug_mm2 = out->ring_traced =
        out->ring_opposed = 0;
    out->ring_gap = out->label_gap = out->ring_clear_gap = 1;
    out->label_above = 0;
    if (!mask || !mask->printed)
        return;
    ring_ctx c;
    memset(&c, 0, sizeof c);
    c.scan = scan;
    c.t = t;
    c.levels = levels;
    c.mask = mask;
    c.own = q->boxes[index].rect;
    c.dx = out->dx_mm;
    c.dy = out->dy_mm;
    double range = levels->white - levels->black;
    for (int v = 0; v < 256; v++)
        c.dark_at[v] = (levels->white - v) / range;
    omr_rect b = c.own;
    double side = fmax(b.w, b.h);
    double reach = 2.6 * side;
    /* the label as printed: a circle round a short label ("Ja") is centred
     * on its letters, not on the room beside it (seed 7701 N9W3HBHD q5:
     * the rays from the middle of the 9 mm up to half way to the next box
     * lay outside the circle round "Ja" and saw it on one side only) */
    omr_rect label = measure_label_print(tmpl, q, index, mask);
    int has_label = label.w >= LABEL_MIN_MM;
    if (!has_label) { /* a number printed over the box instead (q6's "8") */
        label = measure_label_above(tmpl, q, index, mask);
        has_label = out->label_above = label.w > 0;
    }
    double lreach = has_label ? hypot(label.w, label.h) / 2 + 5 : 0;
    omr_rect refs[HUG_REFERENCES];
    double ref_d[HUG_REFERENCES];
    int n_refs = 0;
    for (size_t i = 0; i < tmpl->n_questions; i++) {
        const template_question *o = &tmpl->questions[i];
        if (o->page != q->page)
            continue;
        for (size_t k = 0; k < o->n_boxes; k++) {
            omr_rect r = o->boxes[k].rect;
            if (o == q && k == index)
                continue;
            if (fabs(r.w - b.w) <= 0.15 * b.w && fabs(r.h - b.h) <= 0.15 * b.h) {
                /* the nearest boxes of like size: the print's outline */
                double d = hypot(r.x + r.w / 2 - (b.x + b.w / 2), r.y + r.h / 2 - (b.y + b.h / 2));
                omr_keep_nearest(ref_d, refs, sizeof *refs, &n_refs, HUG_REFERENCES, d, &r);
            }
            if (c.n_others >= 64)
                continue;
            int near_box = -depth_in(r, b.x + b.w / 2, b.y + b.h / 2) < reach + side;
            int near_label = has_label && -depth_in(r, label.x + label.w / 2, label.y + label.h / 2) < lreach + side;
            if (near_box || near_label)
                c.others[c.n_others++] = r;
        }
    }
    cast_rays(&c, b.x + b.w / 2, b.y + b.h / 2, 0, reach, 1, 0, NULL, NULL, &out->ring, &out->ring_gap,
              &out->ring_opposed, &out->ring_traced);
    /* rays that meet ink all round: the same again beyond the band round the
     * outline that a bled print fills (every box's rays end there on a dark
     * 1-bit page); a circle clear of the box still closes these */
    if (out->ring >= HUG_RAYS_MIN && out->ring_gap <= HUG_RAYS_GAP)
        cast_rays(&c, b.x + b.w / 2, b.y + b.h / 2, 0, reach, 1, RING_CLEAR_OF_BOX_MM, NULL, NULL,
                  &out->ring_clear, &out->ring_clear_gap, NULL, NULL);
    if (out->ring >= HUG_RAYS_TIGHT && out->ring_gap <= HUG_RAYS_GAP) {
        out->ring_hug_mm2 = outline_hug(&c, refs, n_refs, out->core_mm2 > 0);
        out->near_mm2 += out->ring_hug_mm2;
    }
    /* from the label, rays start a quarter of its height out: a circle round
     * the label passes outside its print, and ink where the rays begin (a
     * speck beside the letters) lies on every ray at once, so it would close
     * them all (seed 7002 FA634HPD: one 0.2 mm speck read as a circled "Ja") */
    if (has_label) {
        double cx = label.x + label.w / 2, cy = label.y + label.h / 2;
        double half_long = label.w / 2 + LABEL_OVAL_MM, half_high = label.h / 2 + LABEL_OVAL_MM;
        if (half_long >= LABEL_LONG * half_high)
            c.words = words_of(mask, label);
        if (c.words.w > 0) {
            /* a long label: its rays weighed by the oval round it (oval_weights).
             * Rays along its line of words are the heaviest and pass over
             * the most of its print: what a map a little off leaves of it
             * there is not counted on a ray aimed past the words' end, and
             * the rays start past the words' half height (a circle round
             * them passes outside; a fleck of their print in the middle
             * lay on nine rays at once, 1.4-1.9 mm out) */
            double from = fmax(label.h / 4, fmax(cy - c.words.y, c.words.y + c.words.h - cy) - 2 * LABEL_WORDS_MM);
            double half_w = fmax(cx - c.words.x, c.words.x + c.words.w - cx);
            double weight[RING_RAYS];
            uint8_t past_words[RING_RAYS];
            oval_weights(half_long, half_high, half_w, weight, past_words);
            cast_rays(&c, cx, cy, from, lreach, 0, 0, weight, past_words, &out->label_ring, &out->label_gap,
                      &out->label_opposed, NULL);
        } else {
            cast_rays(&c, cx, cy, label.h / 4, lreach, 0, 0, NULL, NULL, &out->label_ring, &out->label_gap,
                      &out->label_opposed, NULL);
        }
    }
}
