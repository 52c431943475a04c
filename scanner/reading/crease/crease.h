/*
 * crease.h — folds in the paper (find.c finds them, clean.c takes them
 * out). A questionnaire comes back folded in thirds or in half for its
 * envelope, and the crease scans as a thin faint line
 * straight across the sheet. Where it runs through a row of boxes or beside
 * one, box measurement took it for a stroke, or for ink beside the box: a
 * clear page went to review (held-out set: every one of its 16 clear answers
 * sent to review lay on a folded page). crease_find finds the creases from
 * the page itself; crease_clean gives back a copy of the scan with them
 * taken out (ink that crosses a crease is kept), which the boxes and text
 * fields are then measured on. A 1-bit scanner may turn a crease into a
 * black line through a row of boxes, which read as dashes in them (seed
 * 7301 --folds: 7 answers wrong, silently).
 */
#ifndef OMR_CREASE_H
#define OMR_CREASE_H

#include "base/common.h"
#include "reading/mask.h"
#include "reading/measure.h"
#include "reading/page_map.h"

#define CREASE_MAX 4
/* A crease is a line, not a band (find.c: up to 1.2 mm wide), a black one
 * (a 1-bit scan of a fold's shadow) up to this */
#define CREASE_MAX_BLACK_WIDTH_MM 2.0

/* A crease in template mm: across = at + slope * along, where `along` runs
 * along the page's x (a horizontal crease) or its y (vertical == 1). On a
 * sheet the scanner bent it is no straight line on the page's map: then it
 * runs through its knots, where each strip saw it (crease_across). */
#define CREASE_KNOTS 16
typedef struct {
    int vertical;
    double at, slope;   /* mm, mm per mm: the straight line, or the one nearest the knots */
    double depth;       /* grey levels darker than the paper at its middle */
    double half_width;  /* mm either side of its middle that it darkens */
    int support;        /* strips of the page in which it was seen */
    int n_knots;        /* 0: straight; else its knots, along rising */
    double knot_along[CREASE_KNOTS], knot_across[CREASE_KNOTS];
} page_crease;

/* Where crease c lies across at `along` (template mm): on its line, or
 * between its knots (beyond the first and the last along its slope). */
double crease_across(const page_crease *c, double along);

/* Crease c as a straight line where it passes `box` (template mm): the
 * near_line that measure_box leaves out of the ink beside the box, but
 * for what is darker than the crease by far. */
near_line crease_near_line(const page_crease *c, const page_levels *levels, omr_rect box);

/* Template (along, across) of a crease to template (x, y). */
static inline omr_point crease_xy(int vertical, double along, double across) {
    omr_point p = {vertical ? across : along, vertical ? along : across};
    return p;
}

/* The creases of a page of `width_mm` x `height_mm` under map `t`: faint
 * narrow lines in the unprinted paper (the mask says where print is; without
 * one nothing is found) that run straight across most of the page, or,
 * across it, bend with a sheet the scanner bent (kept with their knots).
 * Returns how many (0..max) were written to `out`. */
int crease_find(const omr_image *scan, const page_transform *t, const page_levels *levels,
                const print_mask *mask, double width_mm, double height_mm, page_crease *out, int max);

/* A copy of `scan` in which every pixel of the creases that is no darker
 * than a crease is the paper beside it again; darker ink crossing a crease
 * keeps its pixels, and the form's print is left as it is (where a crease is
 * as dark as print, the mask of page `page` of `tmpl` says where print is,
 * moved where locate found the print of the page's boxes moved against its
 * map: a bent sheet). NULL when out of memory (then measure the scan as it
 * is). */
omr_image *crease_clean(const omr_image *scan, const page_transform *t, const page_levels *levels,
                        const print_mask *mask, const omr_template *tmpl, int page, const page_crease *creases,
                        int n);

/* Which way a crease of `creases` runs through `box` (template mm): 1 along
 * the page's x, 2 along its y, 3 both, 0 none. A crease runs through a box
 * when its line, where it passes the box, lies within the box or
 * CREASE_NEAR_MM of its edge. */
#define CREASE_NEAR_MM 0.5
int crease_through_box(const page_crease *creases, int n, omr_rect box);
/* Whether a crease's band (its line +- its half width) reaches `box` or
 * CREASE_NEAR_MM of its edge: cleaning it may have taken a side of the
 * box's outline with it, though its line passes just outside. */
int crease_band_on_box(const page_crease *creases, int n, omr_rect box);
/* The depth (grey levels under the paper) of the deepest crease running
 * through `box`, as crease_through_box finds them; 0 for none. */
double crease_deepest_through_box(const page_crease *creases, int n, omr_rect box);
/* ... of the deepest crease whose band reaches `box`, as crease_band_on_box
 * finds them; 0 for none. */
double crease_deepest_band_on_box(const page_crease *creases, int n, omr_rect box);
/* The full width (mm: twice half_width) of the widest crease running through
 * `box` along the page's x (along_y 0) or y (along_y 1); 0 for none. */
double crease_widest_through_box(const page_crease *creases, int n, omr_rect box, int along_y);

/* The share of the unprinted paper along the page's x at height `at`
 * (along_y 0), or along its y at x = `at` (along_y 1; template mm, or up to
 * 0.4 mm off it), from LINE_BEYOND_NEAR_MM to LINE_BEYOND_FAR_MM off either
 * side of `box`, where a line runs: a narrow dip under the paper 1-1.3 mm
 * either side of it. A crease, black or faint, runs on across the paper
 * beside the box and between its label's letters, and so do a stamp's
 * frame and a scanner's streak; a hand's dash or bar stops within a mm or
 * so of the box. The line passes the box's middle at `at`; with `tilt` of
 * LINE_TILT_MIN or more it is looked for tilted by that slope either way
 * too (the deepest of the three is taken). -1 when fewer than 8 such
 * samples could be seen. *one_side: the same share on the side where it is larger (a stamp's edge
 * may end at the box), -1 where neither side had 8 samples seen.
 * The other boxes of the page (`others`, n_others of them; NULL, 0 for
 * none), grown by LINE_OTHER_BOX_MM, are no paper beside the box: a mark
 * there, and the hand's overshoot of it, is that box's own (held-out 2643
 * VCPYFZ9C q5r "2 3": a bar in each of two boxes one above the other, each
 * bar the other's "line running on"). A side's window runs on past them by
 * as much as they took of it, up to LINE_BEYOND_PAST_BOXES_MM from the
 * box: a streak or a stamp's frame down a column of boxes shows beyond
 * them, the hand's bars stop. */
#define LINE_BEYOND_NEAR_MM 2.0
#define LINE_BEYOND_FAR_MM 10.0
#define LINE_BEYOND_STEP_MM 0.25 /* a sample every */
#define LINE_OTHER_BOX_MM 2.0 /* a hand's bar or dash stops within this of its box */
#define LINE_BEYOND_PAST_BOXES_MM 40.0
#define LINE_TILT_MIN 0.02 /* a tilt under this is looked for straight along x or y */
#define LINE_TILTED_WIDTH_MM 1.5 /* a thin stroke (decide.c's LINE_WIDTH_MAX_MM) */
double crease_line_beyond(const omr_image *scan, const page_transform *t, const page_levels *levels,
                          const print_mask *mask, omr_rect box, const omr_rect *others, int n_others, int along_y,
                          double at, double tilt, double *one_side);

/* crease_line_beyond along the axis of the box's ink (m->ink_axis_deg, at
 * its centre ink_x_mm, ink_y_mm: along x under 45 degrees, else along y;
 * a stroke no wider than LINE_TILTED_WIDTH_MM also along its own tilt)
 * into m->line_beyond and m->line_one_side (0 where not seen). For a box
 * with ink (m->ink_width_mm > 0); `others` as there. */
void crease_measure_line(const omr_image *scan, const page_transform *t, const page_levels *levels,
                         const print_mask *mask, omr_rect box, const omr_rect *others, int n_others,
                         box_measure *m);

#endif
