/*
 * measure.h — how much ink is in each box, and near it. For every box the
 * template's rectangle is mapped onto the scan, re-centred on the printed
 * outline found within +-1.2 mm, and measured: the share of the interior that
 * is inked (fill), how far the ink spreads across the box (extent), how dark
 * it is, and how much ink lies around the box and its label where the blank
 * form has no print (ink near the box: a circle around the box or its label,
 * a mark beside it). Hands the numbers to decide.
 */
#ifndef OMR_MEASURE_H
#define OMR_MEASURE_H

#include <stdint.h>

#include "base/common.h"
#include "forms/template.h"
#include "reading/marks/label.h" /* measure_label_print, measure_near_zone */
#include "reading/mask.h"
#include "reading/page_map.h"

/* A page map without perspective (locate's affine fit: the last row 0 0 1):
 * its w is 1 exactly, so x / w is x and the samplers skip the two divisions
 * per sample for the very same pixels (measure.c, marks/rings.c). */
static inline int page_map_is_affine(const double h[9]) { return h[6] == 0 && h[7] == 0 && h[8] == 1; }

/* Darkness (0 paper, 1 print) above which a sample is ink (light pencil
 * is ~0.2-0.3): measure.c's, marks/rings.c's and marks/shape.c's. */
#define INK_DARKNESS 0.18

/* Paper and ink levels of one page, so that a pale scan and a dark one are
 * measured alike. */
typedef struct {
    double white; /* grey level of blank paper */
    double black; /* grey level of printed black (the fiducials) */
} page_levels;

typedef struct {
    double fill;      /* 0..1: share of the box interior that is ink */
    double ink_mm2;   /* ... and that ink's area, mm^2 */
    double faint_fill;/* 0..1: the same at a far lower darkness: very light pencil */
    double extent;    /* 0..1: largest span of the ink across the interior */
    double darkness;  /* 0..1: mean darkness of the inked pixels */
    double near_mm2;  /* unprinted ink around the box and its label, mm^2 (and a
                         stroke along its outline: measure_rings) */
    double near_share;/* 0..1: the share of that unprinted paper round the box that is ink:
                         a few per cent for a circle or a word beside it, a third
                         and more where the paper itself scanned as speckle */
    double paper_share;/* 0..1: the share of the paper just round the box (0.6 mm
                         from its edge to the measured patch's edge, the middle
                         of each side, the print left out) that is ink: the
                         median of the four sides, so a mark spilling over one
                         or two sides or a panel's edge beside it does not
                         count. The paper the box itself lies on: where a fold's
                         speckled panel ends beside the label, the near zone
                         runs on into clean paper, this does not */
    double near_halo_mm2;/* of near_mm2, the ink within 0.4 mm of the blank's (grown)
                         print: where a print that bleeds swells (a harsh 1-bit
                         page: nearly all of it round its empty boxes, 0.2-9
                         mm^2), where a pen's line beside the box mostly is not */
    double near_left_mm2, near_right_mm2; /* of near_mm2 (as unexpected ink), what lies left
                         of the box's column (grown by NEAR_FROM_MM), right of it: the
                         ink between two boxes of a row is one's right and the other's left */
    double near_specks;/* 0..1: the share of that ink's samples (every 0.15 mm) with no
                         inked sample beside them: a pen line's lie side by side
                         (0-0.1), the specks of a grey panel alone (0.7-0.95); 0
                         where no ink was sampled */
    double shift_mm;  /* how far the outline was found from where it was expected */
    double paper_white; /* the grey of the paper round the box (the brightest tenth of the
                           patch measured): fill and ink near are measured against it, and
                           a line past the box's sides (struck_through) */
    int outline_found;/* the printed outline was seen (else measured in place) */
    double outline_weakest; /* 0..1: the darkness of the outline's weakest side, along its
                               middle (a side something covers shows paper) */
    double outline_weakest_off; /* ... with each weak side looked for up to 0.6 mm off its
                               place (a sheet squeezed locally): at least outline_weakest
                               (0: not looked for) */
    double core_mm2;  /* area of the mark's dark core (blobs of at least a 0.45 mm speck), mm^2:
                         a 1 mm dot is ~0.8, speckle and dust 0 */
    /* A circle drawn round the box (or round its label): the share of 48
     * directions from the box's (label's) centre in which unprinted ink lies
     * outside the box within 1.6 box sides (the label's half-diagonal + 5 mm),
     * and the widest run of directions without ink (share of a turn). A
     * closed circle: ring ~1, gap ~0; an open one leaves a gap; a cross in a
     * neighbouring box or a word beside it covers a few directions. */
    double ring, ring_gap;
    /* the share of those directions whose ray and the next both meet ink at
     * nearly the same distance: a line drawn round (a pen's circle, however
     * far out) ~ring; specks closing the rays at any distance far less */
    double ring_traced;
    /* the share of those directions whose ray and the opposite ray both
     * meet ink: a circle round the box encloses it; a line passing one
     * side (a coffee cup's rim, a fold's edge) closes the rays on that side
     * only (~0) */
    double ring_opposed;
    /* where ring is closed: ring and gap again, counting only ink 0.6 mm
     * and more outside the outline. On a page whose print bleeds (a dark
     * 1-bit scan) every box's rays meet its swollen outline first; a circle
     * round the box lies beyond (0 and 1 where not measured) */
    double ring_clear, ring_clear_gap;
    /* where ring is closed: the ink a stroke along the outline adds round it
     * (thicker than the page prints its outlines; in near_mm2 too) */
    double ring_hug_mm2;
    double label_ring, label_gap;
    /* the share of the label's directions whose ray and the opposite ray
     * both meet ink: a circle encloses its centre (~ label_ring); a line
     * past the label (a crease, a stroke) closes the directions on one side
     * only (~0), however a speck splits the other side's gap */
    double label_opposed;
    /* the label rays were cast from a number printed alone above the box
     * (measure_label_above: its question prints no label right of its
     * boxes); a page's level of label rays leaves these out (decide.c) */
    int label_above;
    double dx_mm, dy_mm;   /* the re-centring shift found for the box (template mm) */
    double box_x_mm, box_y_mm; /* the box's centre on the template (mm): its neighbours on
                                  the page are the boxes nearest it (decide.c's local levels) */
    /* the shape of the interior's ink (reading/marks/shape.h; 0: not measured):
     * a compact blob (a dot) ~1, strokes less; its long axis / the interior */
    double compact, ink_span;
    /* ... the ink's width across that axis (a stroke's width; a cross's or a
     * blob's is its size), mm, and the axis's angle to the page's x axis,
     * 0 (along x) to 90 (along y) degrees */
    double ink_width_mm, ink_axis_deg;
    /* ... and its strokes' width, mm: twice the ink's area over its
     * outline's length (a pen's cross or tick 0.2-0.9, 0.4 and more on a
     * harsh 1-bit page; what is left there of a mark rubbed out, broken
     * into specks, 0.1-0.35) */
    double stroke_mm;
    int ink_pieces; /* ... and the pieces it falls into (8-connected): a pen's mark 1-2 */
    /* ink just outside both opposite sides of the box, level with each other
     * across its middle half: a line drawn through the box and out past
     * both sides (a cross struck through; a dash). 0 or 1 */
    int struck_through;
    double ink_x_mm, ink_y_mm; /* ... and its centre on the page (template mm, as re-centred) */
    /* a crease found on the page (crease.h) runs through the box: 1 along
     * the page's x, 2 along its y (set by the caller that found them) */
    int crease_along;
    /* ... and the deepest such crease's darkness against the page's
     * paper-to-print range (0 for none; 1 and more: a crease drawn black);
     * where none runs through, the deepest whose band reaches the box
     * (crease_band) */
    double crease_darkness;
    /* ... and the widest such crease's width (mm) along the page's x and
     * along its y (0 for none) */
    double crease_width_mm[2];
    /* a crease's band reaches the box, its line through it or not
     * (crease_band_on_box): cleaning it may have taken a side of the outline */
    int crease_band;
    /* the share of the paper beside the box, along the ink's axis (x or y)
     * through its centre, that is dark (crease_line_beyond; 0 when not
     * measured: a box without ink, or too little paper seen), and the same
     * on the side where it is darker (a line that ends at the box) */
    double line_beyond, line_one_side;
} box_measure;

void measure_levels(const omr_image *scan, const page_transform *transform, page_levels *out);

/* Straight lines across the page whose band holds no one's ink beside a
 * box: the creases found on it that pass the box by (crease.h). Cleaning a
 * black crease keeps it where the print lies on the scan (the mask's
 * growth round an outline, a number), so on a bent sheet pieces of it stay
 * beside the boxes it passes (fresh seed 8423 --folds --warp 1, KSHNMKGT
 * q6: a crease 1.5-2 mm above the row, dashes of it left along the tops of
 * six boxes; "ink beside a box"); they are not counted near a box. What is
 * darker than the crease by far (below `ink_below`, a grey level; 0 on a
 * black crease, where nothing is) is ink on it, and counts: a hand's cross
 * drawn on a grey fold between two stacked options (held-out 4641
 * T911FFRS q4c, "2 3" between: its middle on the band, read blank,
 * silently). A line runs at
 * `at` + `slope` * along, along x (or y when vertical), in the page map's
 * template mm; (dx_mm, dy_mm) is where the box's own map puts the box
 * against the page's (its region's local correction). */
typedef struct {
    int vertical;
    double at, slope, half_width;
    double ink_below;
} near_line;
typedef struct {
    const near_line *line;
    int n;
    double dx_mm, dy_mm;
} near_lines;

/* `lines`: NULL, or the lines left out of the ink near the box */
void measure_box(const omr_image *scan, const page_transform *transform, const page_levels *levels,
                 const print_mask *mask, omr_rect box_mm, omr_rect near_zone_mm, const near_lines *lines,
                 box_measure *out);

/* Looks for a circle drawn round box `index` of `q`, and round its printed
 * label (to its right, or a number alone above it), and fills ring,
 * ring_gap, label_ring, label_gap and label_above of `out` (measured by
 * measure_box first: its shift is used).
 * A stroke drawn tight along the box's printed outline, round three of its
 * sides at least, thickening it beyond the print of the nearest boxes of
 * like size (on a page whose print bleeds, the only trace of a circle
 * hugging the outline), adds the ink it adds to the outline to near_mm2.
 * Without a print mask nothing is measured (rings stay 0). In
 * reading/marks/rings.c. */
void measure_rings(const omr_image *scan, const page_transform *transform, const page_levels *levels,
                   const print_mask *mask, const omr_template *tmpl, const template_question *q,
                   size_t index, box_measure *out);

/* Share of the field's interior (inset 1.5 mm from its outline) that is ink. */
double measure_text_ink(const omr_image *scan, const page_transform *transform,
                        const page_levels *levels, omr_rect field_mm);

/* The dark core of a patch: in `ink` (w x h, 1 = ink; visited pixels become
 * 2) the 8-connected blobs of at least min_blob pixels (smaller ones are
 * specks). Returns their pixel count; bbox = x0, x1, y0, y1 of all of them
 * (x1 < x0 when there is none). `stack` holds w * h ints. The one flood of
 * box measurement (measure.c) and of boxes with print inside (inside.c). */
long measure_core_blobs(uint8_t *ink, int w, int h, int min_blob, int *stack, int bbox[4]);

/* Share of a coarse grid of the whole page that is ink (blank-page test):
 * under half grey or 80 levels under the page's paper, whichever is lighter;
 * dark areas joined to the scan's edge (the lid or bed round the sheet) are
 * not counted. */
double measure_page_ink(const omr_image *scan);

#endif
