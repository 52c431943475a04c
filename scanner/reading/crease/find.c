/*
 * find.c — finding the folds in the paper (crease_find, crease.h).
 *
 * Found from the page itself, in template millimetres through the page's map
 * (so a turned or skewed scan is read alike): the page is cut into strips
 * across the fold's direction; in each, the grey of the unprinted paper
 * (the print mask says where print is) is followed across the strip, and a
 * crease shows as a narrow dip, darker than the paper 0.5 to 1.5 mm either
 * side of it, with clean paper there (a line of writing has strokes above
 * or below its darkest row). A grey scanner shows a crease faint; a 1-bit
 * one may draw it black, in dashes. A dip in one strip may be anything (a
 * speck, a stroke's end); a crease is dips that line up, straight, in most
 * strips where the paper can be seen (on a grey scan, a dip that only one
 * or two of a strip's sample lines show is a speck). A respondent's line
 * straight across the whole sheet is not an answer either. A sheet the
 * scanner bent bends its crease on the page's map: across the page, a
 * crease is also dips that chain from strip to strip, each a little off the
 * last (best_bent), kept with its knots (crease_across follows them).
 */
#include "reading/crease/crease.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

enum {
    STRIPS = 16,          /* strips across the page, per direction */
    STRIP_SAMPLES = 4,    /* samples across a strip (2 mm), averaged */
    PEAKS_PER_STRIP = 8,  /* the strongest dips kept per strip */
};
#define STRIP_MM 2.0
#define MARGIN_MM 12.0      /* the scan's edge: shadows, cut paper */
#define SIDE_NEAR_MM 0.5    /* the paper either side of a dip: this far */
#define SIDE_FAR_MM 1.5     /* ... to this far */
/* A fold runs straight across the sheet, a scanner's streak (dust on a
 * feeder's glass) straight down the scan: across a sheet fed askew, up to
 * 5.7 degrees to its print (make_variants' adf_streak, pages 1.9-2.4
 * degrees askew: a streak through a box read as its mark at 0.03) */
#define MAX_SLOPE 0.10
#define MIN_SUPPORT 0.6     /* share of the strips where it is not under print */
#define MIN_DEPTH_GREY 3.0  /* darker than the paper beside it by at least */
#define MAX_WIDTH_MM 1.2    /* a crease is a line, not a band (a black one: crease.h) */
/* A bent crease (best_bent) is chained through dips this far clear of the
 * print: print a little off the mask shows as dips beside it, and chains */
#define BENT_CLEAR_MM 0.8
#define ECHO_MM 0.5         /* a crease's own dips lie within its half width and this of its line */

_Static_assert(STRIPS <= CREASE_KNOTS, "a bent crease keeps a knot per strip");

typedef struct {
    double across; /* mm */
    double depth;  /* grey levels */
    double width;  /* mm, at half its depth */
    int used;
    int by_print;  /* the form's print (or the scan's edge) within BENT_CLEAR_MM */
} dip;

/* How much darker than the paper beside it a dip must be */
static double crease_min_depth(const page_levels *levels) {
    return fmax(MIN_DEPTH_GREY, 0.025 * (levels->white - levels->black));
}
/* Is the paper either side of a dip (`paper`, found at samples side[0]
 * and side[1] of a strip whose darkest pixel per sample is `low`) clean of
 * strokes, as a crease has it: a line of writing has strokes above or
 * below its darkest row, which leave a sample beside it far darker than
 * its paper */
static int sides_clean(double paper, const uint8_t *low, const int side[2], const page_levels *levels) {
    double margin = fmax(16, 0.12 * (levels->white - levels->black));
    return paper - low[side[0]] <= margin && paper - low[side[1]] <= margin;
}

/* A dip at sample j (`depth` below `paper` on the strip's mean) that only
 * one or two of the strip's STRIP_SAMPLES sample lines show, each line's
 * darkest pixel within SPECK_REACH_MM of it: on a grey scan a speck (a
 * scanner's dust, 0.1-0.5 mm) darkens the line or two it lies on, a crease
 * crosses the strip and darkens them all, a little aslant too. Specks line
 * up by chance on a speckled page: fresh seed 9149 UDVBWTXF page 1 (a
 * 300-dpi JPEG), three dark specks, two faint dips and a tick in 6 of 16
 * strips made a "crease" down the column of boxes at x = 24 mm, whose
 * cleaning took the tick in q4b's "Ja": no answer, silently. (A 1-bit
 * scanner draws a grey crease as a dotted line, a dot here and there: on
 * such a scan, a fax resampled to square pixels too, a crease's dip is as
 * a speck's, and only the line they make tells them apart. Its strips are
 * not asked, nor a grey scanner's whose paper is white to the last level.) */
#define SPECK_REACH_MM 0.3
static int speck_dip(const uint8_t *lines, int n, int j, double paper, double depth, double pitch) {
    int reach = (int)ceil(SPECK_REACH_MM / pitch), hit = 0;
    for (int s = 0; s < STRIP_SAMPLES; s++) {
        int darkest = 255;
        for (int k = j - reach; k <= j + reach; k++)
            if (k >= 0 && k < n && lines[(size_t)s * (size_t)n + (size_t)k] < darkest)
                darkest = lines[(size_t)s * (size_t)n + (size_t)k];
        hit += darkest < paper - depth / 2;
    }
    return hit <= 2;
}

/* The paper either side of sample j of a profile: the lightest unprinted
 * sample 0.5 to 1.5 mm away on each side (a crease between two rows of
 * labels has little paper beside it; a 1-bit scan's specks darken single
 * samples), its grey in *a, *b and its index in at[0], at[1]. 0 when a side
 * has none. */
static int paper_beside(const double *profile, int n, int j, double pitch, double *a, double *b, int at[2]) {
    int near = (int)ceil(SIDE_NEAR_MM / pitch), far = (int)ceil(SIDE_FAR_MM / pitch);
    *a = *b = -1;
    for (int k = near; k <= far; k++) {
        if (j - k >= 0 && profile[j - k] > *a)
            *a = profile[at[0] = j - k];
        if (j + k < n && profile[j + k] > *b)
            *b = profile[at[1] = j + k];
    }
    return *a >= 0 && *b >= 0;
}

/* One strip's profile across the page: the mean grey of its unprinted
 * samples per step (-1 where most of the strip is print or off the scan),
 * then its dips, strongest first. Returns how many dips. across_at[j] is
 * sample j's distance across (mm), mask_across[j] its cell of the mask;
 * `count` is scratch of n ints. */
static int strip_dips(const omr_image *scan, const page_transform *t, const page_levels *levels,
                      const print_mask *mask, int vertical, double along, double across_len, double pitch,
                      const double *across_at, const int *mask_across, double *profile, uint8_t *low,
                      int *count, uint8_t *lines, dip *out) {
    int n = (int)((across_len - 2 * MARGIN_MM) / pitch);
    /* each sample's map is linear in `across` before the projective
     * division: its terms are worked out once per strip. The samples are
     * summed one sample line at a time (integers: the order does not
     * matter), so the mask's column and the map's terms stay put. */
    const double *h = t->homography;
    int affine = page_map_is_affine(h); /* w is 1 exactly: the same pixels without dividing */
    int mask_w = vertical ? mask->height : mask->width, mask_h = vertical ? mask->width : mask->height;
    size_t step_along = vertical ? (size_t)mask->width : 1, step_across = vertical ? 1 : (size_t)mask->width;
    for (int j = 0; j < n; j++) {
        profile[j] = 0;
        count[j] = 0;
        low[j] = 255;
    }
    memset(lines, 255, (size_t)STRIP_SAMPLES * (size_t)n);
    long greys = 0, samples = 0; /* a 1-bit scan's paper is white, its print black: grey only at an edge */
    for (int s = 0; s < STRIP_SAMPLES; s++) {
        double a = along + (s + 0.5) * STRIP_MM / STRIP_SAMPLES - STRIP_MM / 2;
        int mask_along = (int)(a / mask->pitch);
        if (mask_along < 0 || mask_along >= mask_w)
            continue;
        const uint8_t *mask_line = mask->printed + (size_t)mask_along * step_along;
        /* (x, y) = xy(a, 0) + across * xy(0, 1) */
        omr_point o = crease_xy(vertical, a, 0), d = crease_xy(vertical, 0, 1);
        double num_x0 = h[0] * o.x + h[1] * o.y + h[2], num_x1 = h[0] * d.x + h[1] * d.y;
        double num_y0 = h[3] * o.x + h[4] * o.y + h[5], num_y1 = h[3] * d.x + h[4] * d.y;
        double den0 = h[6] * o.x + h[7] * o.y + h[8], den1 = h[6] * d.x + h[7] * d.y;
        /* on an affine map each bound on the scan holds for a run of j from
         * one end (px and py are monotone in j), so the samples on the scan
         * are one run: found from both ends, then not tested again */
        int first = 0, last = n - 1;
        if (affine) {
            while (first <= last && !page_px_on_scan(num_x0 + num_x1 * across_at[first],
                                                     num_y0 + num_y1 * across_at[first], scan->width, scan->height))
                first++;
            while (last >= first && !page_px_on_scan(num_x0 + num_x1 * across_at[last],
                                                     num_y0 + num_y1 * across_at[last], scan->width, scan->height))
                last--;
        }
        for (int j = first; j <= last; j++) {
            double across = across_at[j];
            if (mask_across[j] >= mask_h || mask_line[(size_t)mask_across[j] * step_across])
                continue;
            double px = num_x0 + num_x1 * across, py = num_y0 + num_y1 * across;
            if (!affine) {
                double w = den0 + den1 * across;
                px /= w;
                py /= w;
                if (!page_px_on_scan(px, py, scan->width, scan->height))
                    continue;
            }
            int g = omr_image_at(scan, (int)px, (int)py);
            lines[(size_t)s * (size_t)n + (size_t)j] = (uint8_t)g;
            greys += g > 0 && g < 255;
            samples++;
            profile[j] += g;
            count[j]++;
            if (g < low[j])
                low[j] = (uint8_t)g;
        }
    }
    for (int j = 0; j < n; j++)
        profile[j] = count[j] * 2 > STRIP_SAMPLES ? profile[j] / count[j] : -1;
    double range = levels->white - levels->black;
    double min_depth = crease_min_depth(levels);
    int grey = 2 * greys > samples; /* a grey scan's strip: most of its paper grey */
    int found = 0;
    for (int j = 1; j + 1 < n; j++) {
        double g = profile[j], a, b;
        if (g < 0 || profile[j - 1] < 0 || profile[j + 1] < 0)
            continue;
        if (g > profile[j - 1] || g >= profile[j + 1]) /* the bottom of the dip, once */
            continue;
        /* a flat bottom (a crease drawn black): its middle */
        int first = j;
        while (first > 0 && profile[first - 1] == g)
            first--;
        int mid = (first + j) / 2;
        int side[2];
        if (!paper_beside(profile, n, mid, pitch, &a, &b, side))
            continue;
        double paper = fmin(a, b), depth = paper - g;
        if (depth < min_depth)
            continue;
        /* thin, with clean paper either side, as a crease is. (A 1-bit
         * scanner may draw a crease black, in dashes: no bound on depth.) */
        if (!sides_clean(paper, low, side, levels) || (grey && speck_dip(lines, n, mid, paper, depth, pitch)))
            continue;
        int left = mid, right = mid;
        while (left > 0 && profile[left - 1] >= 0 && profile[left - 1] < paper - depth / 2)
            left--;
        while (right + 1 < n && profile[right + 1] >= 0 && profile[right + 1] < paper - depth / 2)
            right++;
        if ((right - left + 1) * pitch > (depth >= range / 2 ? CREASE_MAX_BLACK_WIDTH_MM : MAX_WIDTH_MM))
            continue;
        dip d = {MARGIN_MM + (mid + 0.5) * pitch, depth, (right - left + 1) * pitch, 0, 0};
        int clear = (int)ceil(BENT_CLEAR_MM / pitch);
        for (int k = mid - clear; k <= mid + clear && !d.by_print; k++)
            d.by_print = k < 0 || k >= n || profile[k] < 0;
        if (found < PEAKS_PER_STRIP) {
            out[found++] = d;
        } else {
            int weakest = 0;
            for (int k = 1; k < found; k++)
                if (out[k].depth < out[weakest].depth)
                    weakest = k;
            if (depth > out[weakest].depth)
                out[weakest] = d;
        }
    }
    return found;
}

/* The dips of a direction's strips, and where each strip lies along it. */
typedef struct {
    dip (*dips)[PEAKS_PER_STRIP];
    const int *n_dips;
    const double *along;
    double tol; /* mm: a dip this near a straight line's place is on it */
    const double *profiles; /* each strip's n samples across (strip_dips) */
    const uint8_t *lows;    /* ... and the darkest of each sample's pixels */
    int n;
    double pitch;
    const page_levels *levels;
} dip_strips;

/* The unused dip of strip k within tol of `want`, the nearest; -1 for none. */
static int dip_near(const dip_strips *ds, int k, double want, double tol) {
    int best = -1;
    for (int c = 0; c < ds->n_dips[k]; c++) {
        const dip *d = &ds->dips[k][c];
        if (!d->used && fabs(d->across - want) <= tol &&
            (best < 0 || fabs(d->across - want) < fabs(ds->dips[k][best].across - want)))
            best = c;
    }
    return best;
}

/* How many strips could show a crease at curve[k] (mm across in strip k):
 * the paper seen there, not under print, with paper beside it clean of
 * strokes as strip_dips asks of a dip, and light enough for a dip to show
 * in it. A strip where a row of labels' letters come within 1.5 mm of the
 * line could not show it as a dip
 * (fresh seed 8511 --folds --warp 1.2, NA66TQTX page 2: a sheet folded in
 * half, its black crease just under the labels of q5r's second row, seen
 * in the 8 strips clear of them; the 8 over the labels counted open, 8 of
 * 16 was not seen enough, and the crease sent the form to a person as ink
 * beside two boxes). */
static int strips_open(const dip_strips *ds, const double *curve) {
    int open = 0, n = ds->n;
    for (int k = 0; k < STRIPS; k++) {
        int j = (int)floor((curve[k] - MARGIN_MM) / ds->pitch);
        const double *profile = ds->profiles + (size_t)k * (size_t)n;
        const uint8_t *low = ds->lows + (size_t)k * (size_t)n;
        double a, b;
        int side[2];
        open += j >= 0 && j < n && profile[j] >= 0 && paper_beside(profile, n, j, ds->pitch, &a, &b, side) &&
                fmin(a, b) - ds->levels->black >= crease_min_depth(ds->levels) &&
                sides_clean(fmin(a, b), low, side, ds->levels);
    }
    return open;
}

/* A line seen in `support` strips of the `open` ones where it could be: a
 * crease, when in most of them and at least `least` */
static int seen_enough(int support, int open, int least) { return support >= least && support >= MIN_SUPPORT * open; }

/* Every chord a crease is looked for along: through an unused dip of one
 * strip and an unused dip of a strip a third of the page or more further,
 * no steeper than MAX_SLOPE; `visit` is called with each, in one order. */
typedef void (*chord_visit)(const dip_strips *ds, double at, double slope, void *ctx);
static void each_chord(const dip_strips *ds, chord_visit visit, void *ctx) {
    for (int i = 0; i < STRIPS; i++)
        for (int j = i + STRIPS / 3; j < STRIPS; j++)
            for (int a = 0; a < ds->n_dips[i]; a++)
                for (int b = 0; b < ds->n_dips[j]; b++) {
                    const dip *from = &ds->dips[i][a], *to = &ds->dips[j][b];
                    if (from->used || to->used)
                        continue;
                    double slope = (to->across - from->across) / (ds->along[j] - ds->along[i]);
                    if (fabs(slope) <= MAX_SLOPE)
                        visit(ds, from->across - slope * ds->along[i], slope, ctx);
                }
}

/* The straight line through a dip of one strip and a dip of a far strip
 * that the most strips agree with (the deepest of those as many agree
 * with), of those seen enough (seen_enough: a line through specks and
 * letters in open paper, agreed with by more strips but not seen enough,
 * does not hide a crease; fresh seed 8491 JFTT8BXG page 2, a black crease
 * through q5r in 6 strips, was not looked for past such a line): the dip
 * each strip gives it in pick[] (-1: none). Returns how many strips agree;
 * 0 for none. */
#define LINE_MIN_SUPPORT 6
/* ... or in one strip fewer, when those are nearly all the strips where the
 * paper shows and they reach from one side of the page to the other: a fold
 * along a row of labels and boxes is hidden from most strips, and on a
 * sheet the scanner bent print lies a little off the page's map, so a strip
 * beside a box may see its outline where the map has paper (fresh seed 8591
 * --folds --warp 1.8, F8R2MK92 page 1: a fold through the middle of q2c's
 * boxes, 30-40 grey levels deep, seen in strips 0, 8, 9, 12 and 15 of 6
 * open, not found: a faint line in each box, "5 boxes unclear", to a
 * person). Five dips strewn where most strips show clean paper are not. */
#define FEW_STRIPS_SHARE 0.8
#define FEW_STRIPS_SPAN (STRIPS - 4)
typedef struct {
    int support;
    double at, slope, depth;
} best_line;
static void try_line(const dip_strips *ds, double at, double slope, void *ctx) {
    best_line *best = ctx;
    int support = 0, first = -1, last = -1; /* the strips of its first and last dip */
    double depth = 0;
    for (int k = 0; k < STRIPS; k++) {
        int c = dip_near(ds, k, at + slope * ds->along[k], ds->tol);
        if (c >= 0) {
            support++;
            depth += ds->dips[k][c].depth;
            first = first < 0 ? k : first;
            last = k;
        }
    }
    if (support < LINE_MIN_SUPPORT - 1 || support < best->support ||
        (support == best->support && depth <= best->depth))
        return;
    double line[STRIPS];
    for (int k = 0; k < STRIPS; k++)
        line[k] = at + slope * ds->along[k];
    int open = strips_open(ds, line);
    if (seen_enough(support, open, LINE_MIN_SUPPORT) ||
        (support == LINE_MIN_SUPPORT - 1 && support >= FEW_STRIPS_SHARE * open && last - first >= FEW_STRIPS_SPAN))
        *best = (best_line){support, at, slope, depth};
}
static int best_straight(const dip_strips *ds, int pick[STRIPS]) {
    best_line best = {0, 0, 0, 0};
    each_chord(ds, try_line, &best);
    for (int k = 0; k < STRIPS; k++)
        pick[k] = best.support > 0 ? dip_near(ds, k, best.at + best.slope * ds->along[k], ds->tol) : -1;
    return best.support;
}

/* A fold on a sheet the scanner bent (rollers, a curled edge: 1-2 mm over
 * the page) is no straight line on the page's map: its dips wander off any
 * line by more than tol (fresh seed 8491 --folds --warp 1.8, 6SZQCRFY page
 * 2: 95.1-98.0 mm across, a few tenths from strip to strip; no line took
 * more than 5 strips, and the crease through q4c's column sent a clear
 * cross to a person). Such a crease is a chain of dips, one per strip,
 * within BENT_BAND_MM of the chord through two of them, each moving off the
 * chord from the last by at most BENT_STEP_MM and BENT_PER_MM per mm
 * between them: a bend is smooth, dips strewn at random within the band
 * are not. It must be seen in more strips than a straight one. */
#define BENT_BAND_MM 1.5
#define BENT_STEP_MM 0.35
#define BENT_PER_MM 0.03
#define BENT_MIN_SUPPORT 8
/* ... but a chain of black dips, every one the full depth of the page's
 * range over the whole strip (a 1-bit scanner's thin black line) and seen in
 * most strips where the paper shows, is seen enough in as many strips as a
 * straight crease: specks, letters and print off the mask leave grey dips
 * in a 2 mm strip or black ones in a few places, and a black line on
 * bent paper (fresh seed 8552 --folds --warp 2.1, VSUT3K7V page 2: a
 * crease just under q5r's second row of labels, black in the 6 strips
 * clear of them, 0.3 mm off a straight line either way) was taken for a
 * circle round "Könsöverskridande identitet eller uttryck", silently */
#define BLACK_DIP_SHARE 0.9
static int chain_all_black(const dip_strips *ds, const int pick[STRIPS]) {
    double black = BLACK_DIP_SHARE * (ds->levels->white - ds->levels->black);
    for (int k = 0; k < STRIPS; k++)
        if (pick[k] >= 0 && ds->dips[k][pick[k]].depth < black)
            return 0;
    return 1;
}

/* The longest such chain along the chord across = at + slope * along (the
 * deepest of those as long) into pick[]; its length. */
static int bent_chain(const dip_strips *ds, double at, double slope, int pick[STRIPS], double *depth_out) {
    int len[STRIPS][PEAKS_PER_STRIP], prev[STRIPS][PEAKS_PER_STRIP];
    double depth[STRIPS][PEAKS_PER_STRIP], off[STRIPS][PEAKS_PER_STRIP];
    int best_k = -1, best_c = -1;
    for (int k = 0; k < STRIPS; k++)
        for (int c = 0; c < ds->n_dips[k]; c++) {
            const dip *d = &ds->dips[k][c];
            off[k][c] = d->across - (at + slope * ds->along[k]);
            len[k][c] = 0;
            if (d->used || d->by_print || fabs(off[k][c]) > BENT_BAND_MM)
                continue;
            len[k][c] = 1, depth[k][c] = d->depth, prev[k][c] = -1;
            for (int k2 = 0; k2 < k; k2++)
                for (int c2 = 0; c2 < ds->n_dips[k2]; c2++) {
                    double allow = BENT_STEP_MM + BENT_PER_MM * (ds->along[k] - ds->along[k2]);
                    if (len[k2][c2] == 0 || fabs(off[k][c] - off[k2][c2]) > allow)
                        continue;
                    if (len[k2][c2] + 1 > len[k][c] ||
                        (len[k2][c2] + 1 == len[k][c] && depth[k2][c2] + d->depth > depth[k][c])) {
                        len[k][c] = len[k2][c2] + 1;
                        depth[k][c] = depth[k2][c2] + d->depth;
                        prev[k][c] = k2 * PEAKS_PER_STRIP + c2;
                    }
                }
            if (best_k < 0 || len[k][c] > len[best_k][best_c] ||
                (len[k][c] == len[best_k][best_c] && depth[k][c] > depth[best_k][best_c]))
                best_k = k, best_c = c;
        }
    for (int k = 0; k < STRIPS; k++)
        pick[k] = -1;
    if (best_k < 0)
        return 0;
    *depth_out = depth[best_k][best_c];
    int n = 0;
    for (int at_k = best_k, at_c = best_c; at_k >= 0; n++) {
        pick[at_k] = at_c;
        int p = prev[at_k][at_c];
        at_k = p < 0 ? -1 : p / PEAKS_PER_STRIP;
        at_c = p < 0 ? -1 : p % PEAKS_PER_STRIP;
    }
    return n;
}

/* The place across of the line through picked dips in each strip: between
 * two picked strips on the line between their dips, beyond the first and
 * the last along `slope` from them. */
static void curve_through(const dip_strips *ds, const int pick[STRIPS], double slope, double curve[STRIPS]) {
    int last = -1;
    for (int k = 0; k < STRIPS; k++) {
        if (pick[k] < 0)
            continue;
        double v = ds->dips[k][pick[k]].across;
        curve[k] = v;
        for (int g = last + 1; g < k; g++) /* between, or before the first */
            curve[g] = last < 0 ? v + slope * (ds->along[g] - ds->along[k])
                                : ds->dips[last][pick[last]].across +
                                      (v - ds->dips[last][pick[last]].across) * (ds->along[g] - ds->along[last]) /
                                          (ds->along[k] - ds->along[last]);
        last = k;
    }
    for (int g = last + 1; last >= 0 && g < STRIPS; g++)
        curve[g] = ds->dips[last][pick[last]].across + slope * (ds->along[g] - ds->along[last]);
}

/* The chain that the most strips give a dip to, over every chord through a
 * dip of one strip and a dip of a far strip, of those seen enough (in
 * BENT_MIN_SUPPORT strips at least, a black one in LINE_MIN_SUPPORT):
 * pick[] as best_straight's. */
typedef struct {
    int support;
    double depth;
    int *pick;
} best_chain;
static void try_chain(const dip_strips *ds, double at, double slope, void *ctx) {
    best_chain *best = ctx;
    int chain[STRIPS];
    double depth = 0, through[STRIPS];
    int support = bent_chain(ds, at, slope, chain, &depth);
    int least = chain_all_black(ds, chain) ? LINE_MIN_SUPPORT : BENT_MIN_SUPPORT;
    if (support < least || support < best->support || (support == best->support && depth <= best->depth))
        return;
    curve_through(ds, chain, slope, through);
    if (!seen_enough(support, strips_open(ds, through), least))
        return;
    best->support = support;
    best->depth = depth;
    memcpy(best->pick, chain, sizeof chain);
}
static int best_bent(const dip_strips *ds, int pick[STRIPS]) {
    for (int k = 0; k < STRIPS; k++)
        pick[k] = -1;
    best_chain best = {0, 0, pick};
    each_chord(ds, try_chain, &best);
    return best.support;
}

/* The crease through the picked dips (marked used): the least-squares line
 * through them, their depth and width; a bent one keeps them as its knots. */
static void keep_crease(const dip_strips *ds, const int pick[STRIPS], int bent, int vertical, double pitch,
                        page_crease *c) {
    double su = 0, sv = 0, suu = 0, suv = 0, depths[STRIPS], widths[STRIPS];
    int m = 0;
    memset(c, 0, sizeof *c);
    for (int k = 0; k < STRIPS; k++) {
        if (pick[k] < 0)
            continue;
        dip *d = &ds->dips[k][pick[k]];
        d->used = 1;
        su += ds->along[k];
        sv += d->across;
        suu += ds->along[k] * ds->along[k];
        suv += ds->along[k] * d->across;
        widths[m] = d->width;
        depths[m] = d->depth;
        if (bent) {
            assert(m < CREASE_KNOTS);
            c->knot_along[m] = ds->along[k];
            c->knot_across[m] = d->across;
        }
        m++;
    }
    assert(m > 0);
    double den = m * suu - su * su;
    c->vertical = vertical;
    c->slope = den > 1e-9 ? (m * suv - su * sv) / den : 0;
    c->at = (sv - c->slope * su) / m;
    qsort(depths, (size_t)m, sizeof *depths, omr_cmp_double);
    c->depth = depths[m * 3 / 4];
    qsort(widths, (size_t)m, sizeof *widths, omr_cmp_double);
    c->half_width = fmax(0.6, widths[m * 3 / 4] / 2 + 3 * pitch);
    c->support = m;
    c->n_knots = bent ? m : 0;
    /* the crease's other dips (its edges, a shine beside it) are its own:
     * no second crease beside it */
    for (int k = 0; k < STRIPS; k++)
        for (int i = 0; i < ds->n_dips[k]; i++)
            if (fabs(ds->dips[k][i].across - crease_across(c, ds->along[k])) <= c->half_width + ECHO_MM)
                ds->dips[k][i].used = 1;
}

/* The creases of one direction. */
static int find_direction(const omr_image *scan, const page_transform *t, const page_levels *levels,
                          const print_mask *mask, int vertical, double along_len, double across_len,
                          page_crease *out, int max) {
    double pitch = fmax(1.0 / t->px_per_mm, 0.12); /* a scan pixel, or as fine as a crease needs */
    if (!(pitch > 0.02 && pitch < 1.0) || along_len < 4 * MARGIN_MM || across_len < 4 * MARGIN_MM)
        return 0;
    int n = (int)((across_len - 2 * MARGIN_MM) / pitch);
    double *profiles = malloc((size_t)n * STRIPS * sizeof *profiles);
    uint8_t *low = malloc((size_t)n * STRIPS), *lines = malloc((size_t)n * STRIP_SAMPLES);
    int *count = malloc((size_t)n * sizeof *count), *mask_across = malloc((size_t)n * sizeof *mask_across);
    double *across_at = malloc((size_t)n * sizeof *across_at);
    dip(*dips)[PEAKS_PER_STRIP] = malloc(sizeof *dips * STRIPS);
    int found = 0;
    if (!profiles || !low || !lines || !count || !mask_across || !across_at || !dips)
        goto done; /* out of memory: no crease found */
    for (int j = 0; j < n; j++) { /* the same in every strip */
        across_at[j] = MARGIN_MM + (j + 0.5) * pitch;
        mask_across[j] = (int)(across_at[j] / mask->pitch);
    }
    double along[STRIPS];
    int n_dips[STRIPS];
    for (int i = 0; i < STRIPS; i++) {
        along[i] = MARGIN_MM + STRIP_MM + (along_len - 2 * MARGIN_MM - 2 * STRIP_MM) * i / (STRIPS - 1);
        double *profile = profiles + (size_t)i * (size_t)n;
        n_dips[i] = strip_dips(scan, t, levels, mask, vertical, along[i], across_len, pitch, across_at, mask_across,
                               profile, low + (size_t)i * (size_t)n, count, lines, dips[i]);
    }
    const dip_strips ds = {dips, n_dips, along, fmax(0.35, 1.5 * pitch), profiles, low, n, pitch, levels};
    while (found < max) {
        int pick[STRIPS], bent = 0;
        if (best_straight(&ds, pick) == 0) {
            /* none straight: a crease on a bent sheet, across it (a
             * vertical fold is rare, and down the page a column of boxes'
             * outlines, a bent map's print a little off the mask, chains as
             * well: fresh seed 8491 --warp 1.8, two "creases" down q4's
             * column of boxes at x = 19-20 mm) */
            if (vertical || best_bent(&ds, pick) == 0)
                break;
            bent = 1;
        }
        keep_crease(&ds, pick, bent, vertical, pitch, &out[found++]);
    }
done:
    free(profiles);
    free(low);
    free(lines);
    free(count);
    free(mask_across);
    free(across_at);
    free(dips);
    return found;
}

int crease_find(const omr_image *scan, const page_transform *t, const page_levels *levels,
                const print_mask *mask, double width_mm, double height_mm, page_crease *out, int max) {
    if (!mask || !mask->printed || max <= 0 || !page_map_is_finite(t->homography))
        return 0;
    int n = find_direction(scan, t, levels, mask, 0, width_mm, height_mm, out, max);
    n += find_direction(scan, t, levels, mask, 1, height_mm, width_mm, out + n, max - n);
    return n;
}
