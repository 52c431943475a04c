/*
 * decide.c — box decisions: each box by its own measures (decide_box), then
 * by its page's and its hand's evidence on that page (decide_page: rings
 * against the page's own, in decide_rings.c; pale traces, dust, speckle;
 * what a crease left, in decide_crease.c). Then the form's hand and the
 * circles among their neighbours (decide_form.c), then each question by
 * its boxes (question.c). The calibration profile is read in
 * calibration.c; what the deciding files share is declared at the end of
 * decide.h.
 */
#include "deciding/decide.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *decide_box_state_name(box_state s) {
    switch (s) {
    case BOX_BLANK: return "blank";
    case BOX_MARKED: return "marked";
    case BOX_SOLID: return "solid";
    case BOX_UNSURE: return "unsure";
    }
    return "?";
}

/* A circle round a label encloses the label: in most of the directions its
 * rays meet ink, the opposite rays meet it too. A line past the label (a
 * crease across the row, a stroke) closes half the directions, and a speck
 * on the other side splits that half's gap under RING_GAP_MAX (seed 7601
 * 8CSATR9H q5r "Sexuell läggning": a fold's shadow under the label and one
 * speck read as circled, rays 0.46, gap 0.29, 0.04 of them opposed). */
#define LABEL_OPPOSED_MIN 0.25
/* So does a circle round the box. A line passing one side of it closes
 * under half its rays, and with a speck or two beside the box splits the
 * rest under RING_GAP_MAX: make_variants coffee_ring ZUG5E95V q2b "4", the
 * cup's rim down the side of an empty box, rays 0.46, gap 0.29, 0.04 of
 * them opposed, read as a circle, silently. Barely closed pen circles
 * (rays under RING_CLEAR) had 0.25-0.42 of their rays opposed over six
 * generator sets (910 circles read by the box's rays, none under 0.15) */
#define RING_OPPOSED_MIN 0.125
static int box_circle(const box_measure *m) {
    return m->ring >= RING_MIN && m->ring_gap <= RING_GAP_MAX &&
           (m->ring >= RING_CLEAR || m->ring_opposed >= RING_OPPOSED_MIN);
}
/* The ink round a box is specks, not a pen's line: over a third of its
 * samples (every 0.15 mm) have no inked sample beside them. A folded
 * sheet's lifted panel scanned grey by a 1-bit scanner strews specks that
 * close every ray of every box in it (seed 7803 TQNMEVMU: q5r "5 6 7 8"
 * read from four empty boxes, their near ink 0.69-0.80 specks), and the
 * rays round a label on such a panel (fresh seed 8571 --folds --warp 1.2,
 * 35TGS9B6 q4b: "Ej fått beslut än" just past a vertical fold's black
 * crease, on the panel beyond it, 19.6 mm^2 round the box, 0.48 of it
 * specks, its label rays 0.95 closed: read as circled, "4" for no answer,
 * silently; 8561 49G9MRN3 q4c the same at 0.44, beside the cross that
 * answered). Of the 2,900 pen circles read over twenty generator sets, the
 * ink round the box was at most 0.25 specks (a tight circle along a bled
 * outline), most 0-0.1. */
#define SPECKS_ROUND_MAX 0.35
/* ... where there is ink round the box to speak of: a speck or two in its
 * zone says nothing of what closed its rays (fresh seed 8333 8W63JAD6 q2a:
 * an oval three boxes wide round "5", all of it beyond the zone round the
 * box, rays closed all round, 0.02 mm^2 in the zone, one speck; read as
 * specks closing the rays, to review) */
#define SPECKS_ROUND_MIN_MM2 0.5
int decide_specks_round(const box_measure *m) {
    return m->near_specks > SPECKS_ROUND_MAX && m->near_mm2 >= SPECKS_ROUND_MIN_MM2;
}

int decide_label_circle(const box_measure *m) {
    return m->label_ring >= RING_MIN && m->label_gap <= RING_GAP_MAX && m->label_opposed >= LABEL_OPPOSED_MIN;
}
/* A black crease (CREASE_GREY_MAX, decide.h) through the box or along its
 * side: its band reaches the box */
static int black_crease_at(const box_measure *m) {
    return (m->crease_along || m->crease_band) && m->crease_darkness >= CREASE_GREY_MAX;
}
/* A black crease runs through the box or along its side (its band reaches
 * the box where locate's local correction puts it: 89NTUWR3's crease runs
 * 0.9 mm above box 7 there), and rays from it meet ink as a circle's would:
 * what cleaning left of the crease where the sheet's warp
 * bent it off its fitted line may lie beside the box (fresh seed 8332
 * --folds --warp 1, 89NTUWR3 q5r "7": rays 0.85 closed, 4.2 mm^2 of ink
 * round the empty box, read as circled at 0.67, silently). Such a line lies
 * on one side: the rays clear of the outline stay open on the other (0.31
 * closed, a gap of 0.65 of a turn), and it leaves little ink. A pen circle
 * closes them all round (0.94-1.00 seen on the tri-fold's crease through
 * q6, seeds 8304, 8325, 8334), or, drawn tight, leaves twice the ink the page
 * asks of a circle (8.6 mm^2 against 3, 8334 QUGC57AG). Else a person looks,
 * with the ink near the box, never blank. `near_min`: the page's
 * (decide_page_circle_near) */
int decide_crease_remnant_ring(const box_measure *m, double near_min) {
    int clear_all_round = m->ring_clear >= RING_MIN && m->ring_clear_gap <= RING_GAP_MAX;
    int pen_ink = near_min >= 0 && m->near_mm2 >= 2 * near_min;
    return black_crease_at(m) && !clear_all_round && !pen_ink;
}
/* decide.h */
void decide_rays_to_a_person(box_decision *d) {
    d->state = BOX_UNSURE;
    d->confidence = 0;
    d->circled = 0;
    d->ink_near = 1;
}
void decide_circle_on_black_crease(box_decision *d) {
    decide_rays_to_a_person(d);
    d->dot = 0;
}
/* A dot: a dark core of at least this area (a 0.5 mm dot) */
#define DOT_MIN_MM2 0.12
/* ... under this (a 0.5 mm disc), from a hand that does not dot, a speck */
#define SPECK_CORE_MM2 0.2
/* A blob, not strokes: its ink fills at least this share of the ellipse of
 * its own second moments (a disc 1, a filled square 0.95; two strokes through
 * the centre far less, even bled: reading/marks/shape.h) */
#define DOT_COMPACT 0.85
/* ... and leaves most of its box empty: a blob over half the box is a fill
 * (a scribble, a half-filled bubble), however round */
#define DOT_FILL_MAX 0.5
/* ... and is a blob: its strokes (twice its area over its outline) this wide */
#define DOT_STROKE_MIN 0.2
/* ... where its ink is a line of at least this many dashes */
#define DASHES_MIN 3
/* dense ink short of solid: a scribble over the box (also a heavy felt-tip cross) */
#define SCRIBBLE_MIN 0.80
/* Paper that scanned as speckle (a 1-bit scanner's threshold on a grey or
 * lifted panel of a folded sheet, a dirty glass): the paper round a box at
 * least SPECKLED_PAPER ink, and the box's interior inked as much as its
 * paper, give or take AS_ITS_PAPER (seed 7403 --folds: panels of 0.22 and
 * 0.31-0.36, their empty boxes filled 0.23-0.27 and 0.29-0.44). A circle
 * round an empty box or a word beside it inks its paper too (up to 0.24
 * in a box's narrow zone), but not the box: such boxes are no speckle, and
 * a page is speckled only when SPECKLED_BOXES of its boxes look so. */
#define SPECKLED_PAPER 0.12
/* decide_box: ink beside a marked box this many times the ink in it */
#define BESIDE_OVER_MARK 3.0
/* decide_box: a solid box paler than this is a tint when it runs on beside the box */
#define TINT_DARK_MAX 0.45
#define AS_ITS_PAPER 0.15
#define SPECKLED_BOXES 3
/* ... so black that nothing can be told from it ... */
#define SPECKLE_BLACK 0.6
/* ... and a box's ink, less the paper's share, over what the paper leaves:
 * a mark stands out of it by this much (crosses there fill 0.6-0.9, excess
 * 0.5-0.85), a box is as its paper under AS_PAPER (-0.06..0.16 seen) */
#define STANDS_OUT 0.35
#define AS_PAPER 0.2

/* The ink of the paper a box lies on: its near zone's, or the paper just
 * round it where that is more (seed 7903 JQNACTH7 q5r "5": a box at the
 * edge of a fold's speckled panel, its label running on into clean paper,
 * near zone 0.10, the paper round the box 0.20, as its interior). */
static double paper_level(const box_measure *m) { return fmax(m->near_share, m->paper_share); }
int decide_on_inked_paper(const box_measure *m) { return paper_level(m) >= SPECKLED_PAPER; }

/* A box in speckled paper (its ink level `paper`): only ink that stands out
 * of the paper is a mark; rings, dots, traces and the ink round the box are
 * the paper's own. */
static box_decision decide_in_speckle(const calibration *c, const box_measure *m, double paper) {
    box_decision d = {.state = BOX_UNSURE, .confidence = 0, .fill = m->fill};
    double excess = (m->fill - paper) / fmax(1 - paper, 1e-6);
    if (paper >= SPECKLE_BLACK) {
        d.black_paper = 1;
        return d;
    }
    if (m->fill >= c->solid_min) {
        d.state = BOX_SOLID;
        d.confidence = omr_clamp01(0.5 + (m->fill - c->solid_min) / 0.2);
        /* a cross reads solid here too, the panel's speckle in its gaps
         * (fresh seed 8522 V2WY55Y4 q4c: 0.94 on paper of 0.17, 0.92 of
         * what the paper leaves); a fill is black through and through
         * (fresh seed 8534 7TPVPBFZ q1b, q3a: 1.000 on paper of 0.33,
         * beside the crosses they correct) */
        d.maybe_drowned = excess < FILL_THROUGH;
    } else if (excess >= STANDS_OUT && m->extent >= c->extent_min) {
        d.state = BOX_MARKED;
        d.confidence = omr_clamp01(0.5 + (excess - STANDS_OUT) / 0.3);
    } else {
        d.speckled = excess <= AS_PAPER;
    }
    return d;
}

/* Ink beside the box, twice what an empty box may hold, on clean paper and
 * off any crease: something that runs over the box (decide_box) */
static int much_ink_beside(const calibration *c, const box_measure *m) {
    return m->paper_share < SPECKLED_PAPER && !m->crease_along && !m->crease_band &&
           m->near_mm2 >= 2 * c->near_max_mm2;
}

box_decision decide_box(const calibration *c, const box_measure *m) {
    box_decision d = {.state = BOX_UNSURE, .ink_near = m->near_mm2 > c->near_max_mm2, .fill = m->fill,
                      .hugged = m->ring_hug_mm2 > 0};
    double band = c->mark_min - c->blank_max;
    if (m->fill <= c->blank_max && m->faint_fill >= c->mark_min) {
        /* nothing dark, but a pale trace across the box: very light pencil,
         * or a mark rubbed out. A person looks; it is never "blank". */
        d.state = BOX_UNSURE;
        d.confidence = 0;
        d.faint = 1;
    } else if (m->fill <= c->blank_max) {
        d.state = BOX_BLANK;
        d.confidence = omr_clamp01(0.5 + (c->blank_max - m->fill) / band);
    } else if (m->fill >= c->solid_min) {
        d.state = BOX_SOLID;
        d.confidence = omr_clamp01(0.5 + (m->fill - c->solid_min) / 0.2);
    } else if (m->fill >= c->mark_min && m->extent >= c->extent_min) {
        d.state = BOX_MARKED;
        /* a fill close to solid is a dark scribble or a half-filled box: not a
         * clean cross, not a clean correction */
        double to_solid = (c->solid_min - m->fill) / 0.15;
        d.confidence = omr_clamp01(0.5 + (m->fill - c->mark_min) / band);
        if (to_solid < d.confidence)
            d.confidence = omr_clamp01(to_solid);
        if (d.confidence < 0.5)
            d.state = BOX_UNSURE;
    } else {
        /* in the band, or a small dot that does not span the box */
        d.confidence = 0;
    }
    d.scribble = m->fill >= SCRIBBLE_MIN && m->fill < c->solid_min;
    if (d.scribble && m->extent >= c->extent_min) {
        /* a box filled short of solid (a bubble filled at 0.85): a fill, not
         * a doubt; what it means beside another mark is the form's rule */
        d.state = BOX_MARKED;
        d.confidence = 0.6;
    }
    /* a mark in the box with far more of the same ink beside it than in it,
     * on clean paper: part of something larger that runs over the box (a
     * mailroom's "received" stamp across the row: make_variants
     * received_stamp MAJJ7CCH q4a1, its frame and a digit in "Vet ej",
     * 2.7 mm^2 in the box and 16.5 round it, read as the answer). A hand's
     * tick or cross leaves less beside its box than in it: over 14 fresh
     * sets and 3 held-out ones, no mark on clean paper away from a crease
     * had three times as much; a person looks */
    if (d.state == BOX_MARKED && !d.scribble && much_ink_beside(c, m) && m->near_mm2 >= BESIDE_OVER_MARK * m->ink_mm2) {
        d.state = BOX_UNSURE;
        d.confidence = 0;
    }
    /* a pale tone that fills the box and runs on beside it: a highlighter's
     * stroke or a stain across the sheet, over the box (make_variants
     * highlighter ZUG5E95V q5r "Vill ej uppge": a band 0.22 dark from the
     * margin to the box's middle, fill 0.997 and 9.8 mm^2 of it beside the
     * box, read as a fill, silently). A hand's fill, pencil or pen, keeps
     * to its box: of the 4,597 solid boxes of 20 generator sets, the 173
     * paler than TINT_DARK_MAX had at most 0.43 mm^2 beside them, the
     * held-out sets' 83 (all dark) under 1. Whether the band is an answer,
     * a person says; a dark fill with a pen's overshoot is not this */
    if (d.state == BOX_SOLID && m->darkness < TINT_DARK_MAX && much_ink_beside(c, m)) {
        d.state = BOX_UNSURE;
        d.confidence = 0;
        d.ink_near = 1;
    }
    /* a small dark dot: a mark by a consistent dotter (decide_page), else
     * unsure; never blank, even when it is too small to reach blank_max.
     * A dot swollen by a bleeding scan passes fill and extent for a cross,
     * but keeps a dot's shape: a blob that fills its own moment ellipse and
     * does not span the box nor cover half of it (a cross's strokes fill a
     * small part of their ellipse; a scribble covers most of the box) */
    int swollen_dot = d.state == BOX_MARKED && !d.scribble && m->fill < DOT_FILL_MAX && m->compact >= DOT_COMPACT &&
                      m->ink_span > 0 && m->ink_span < 1;
    int small_core = (d.state == BOX_BLANK || d.state == BOX_UNSURE) && !d.faint && m->core_mm2 >= DOT_MIN_MM2 &&
                     m->extent < c->extent_min;
    /* specks strewn right across the box, no blob (they fill little of
     * the ellipse of their own moments), and no ink round the box: a dot
     * with the paper's specks about it, or what is left of strokes, as a
     * mark rubbed out leaves on a 1-bit scan, its pale ink thresholded away
     * but for the darkest bits (seeds 7003 596YHMWU q3a, GNAGEFTN q2e, 7101
     * QEPDKXM2 q3a: span 0.99-1.25 of the box, compactness 0.08-0.16; a
     * hand's dots span 0.30-0.67, compactness 0.42-0.99, and 0.9-1.1 and
     * 0.28-0.53 on a harsh page showing the glass; seed 1228 CXQE8YBK q2a,
     * a dot with two specks at the box's corners: 1.24 and 0.10). Judged
     * as a dot here; beside a firm mark of its question it is a trace
     * withdrawn (decide_question) */
    d.strewn = small_core && m->ink_span >= STREWN_SPAN && m->compact < STREWN_COMPACT && !d.ink_near;
    /* ... nor is a line of thin dashes right across the box a dot: a faint
     * crease no search found, broken into dashes by a 1-bit threshold
     * (fresh seed 8439 --folds --quick, QQGWWA6M q5r "1": five dashes 0.09
     * mm thick across the box under its top, read as a dotting hand's dot
     * beside its "2", silently). A hand's dot is a blob: twice its ink's
     * area over its outline 0.2 mm and more (3,555 of the 3,559 dots of
     * 20 generator sets; with a speck or two about it, still). Unsure, a
     * person's: never read as a dotter's dot. Two specks of dust far apart
     * are as thin and spread, and the page's specks (decide_page) judge
     * them: a line of dashes has three pieces or more (make_variants dust
     * U6UHJN5Z q6: two specks, sent to review as "2 boxes unclear") */
    int dashes_across = small_core && !d.strewn && m->stroke_mm > 0 && m->stroke_mm < DOT_STROKE_MIN &&
                        m->ink_span >= STREWN_SPAN && m->ink_pieces >= DASHES_MIN;
    if (swollen_dot || small_core) {
        d.state = BOX_UNSURE;
        d.confidence = 0;
        d.dot = !dashes_across;
        if (m->faint_fill - m->fill >= c->mark_min) {
            /* a pale trace across the box around a small dark core: a
             * mark rubbed out, its remnant left (a dot's own pale rim
             * adds under 0.07 of the box: a dot is dark, and small) */
            d.dot = 0;
            d.faint = 1;
        }
    }
    /* a circle round the box (or its label) is that box's mark */
    double ring = 0;
    if (box_circle(m))
        ring = m->ring;
    if (decide_label_circle(m) && m->label_ring > ring)
        ring = m->label_ring;
    if (ring > 0 && m->fill < c->mark_min && !d.faint) {
        d.state = BOX_MARKED;
        d.circled = 1;
        d.strewn = 0;
        d.dot = 0;
        d.ink_near = 0;
        d.confidence = omr_clamp01(0.5 + 0.5 * (ring - RING_MIN) / (1 - RING_MIN));
    } else if (d.state == BOX_BLANK && d.hugged && m->ring_gap <= RING_GAP_MAX && m->ring < RING_MIN) {
        /* a stroke along the outline round three sides or four, the rays
         * closed all round but too few for a circle: a circle drawn tight
         * along the box (fresh seed 8447 YFWEECM4 q2e, rays 0.44, 2.1 mm^2
         * along the outline: read blank, silently). Never blank */
        d.state = BOX_UNSURE;
        d.confidence = 0;
    }
    return d;
}

int decide_box_flags(const box_decision *d) {
    return (d->ink_near ? 1 : 0) | (d->circled ? 2 : 0) | (d->dot ? 4 : 0) | (d->faint ? 8 : 0) |
           (d->scribble ? 16 : 0) | (d->dot_clear ? 32 : 0) | (d->strewn ? 64 : 0) | (d->speckled ? 128 : 0) |
           (d->creased ? 256 : 0) | (d->speck ? 512 : 0) | (d->hidden ? 1024 : 0) | (d->hugged ? 2048 : 0) |
           (d->maybe_drowned ? 4096 : 0) | (d->black_paper ? 8192 : 0);
}

void decide_box_set_flags(box_decision *d, int flags) {
    d->ink_near = (flags & 1) != 0;
    d->circled = (flags & 2) != 0;
    d->dot = (flags & 4) != 0;
    d->faint = (flags & 8) != 0;
    d->scribble = (flags & 16) != 0;
    d->dot_clear = (flags & 32) != 0;
    d->strewn = (flags & 64) != 0;
    d->speckled = (flags & 128) != 0;
    d->creased = (flags & 256) != 0;
    d->speck = (flags & 512) != 0;
    d->hidden = (flags & 1024) != 0;
    d->hugged = (flags & 2048) != 0;
    d->maybe_drowned = (flags & 4096) != 0;
    d->black_paper = (flags & 8192) != 0;
}

/* decide.h */
box_decision decide_without_rings(const calibration *c, const box_measure *m) {
    box_measure plain = *m;
    plain.ring = plain.label_ring = 0;
    plain.ring_gap = plain.label_gap = 1;
    box_decision d = decide_box(c, &plain);
    /* a tight circle cuts the box's corners: its ink there looks like a
     * dot, with the circle's own ink all round the box. Unsure still (never
     * blank), but no dot of a dotting hand */
    if (d.ink_near)
        d.dot = 0;
    return d;
}

/* A pale trace is one only above the page's own pale level: on grey or
 * textured paper (a scan showing the glass, a recycled sheet) every empty
 * box holds a few pale pixels. The level is the median faint share of the
 * page's boxes with nothing dark in them (most of them empty); a trace must
 * exceed it by mark_min, or the box is judged as if it held no trace. */
static void faint_by_page(const calibration *c, const box_measure *m, box_decision *d, size_t n) {
    double *pale = malloc((n ? n : 1) * sizeof *pale);
    size_t k = 0;
    if (!pale)
        return;
    for (size_t i = 0; i < n; i++)
        if (m[i].fill <= c->blank_max)
            pale[k++] = m[i].faint_fill;
    if (k >= 4) {
        double level = omr_sort_middle(pale, k);
        for (size_t i = 0; i < n; i++)
            if (d[i].faint && m[i].faint_fill < level + c->mark_min) {
                box_measure plain = m[i];
                plain.faint_fill = 0;
                d[i] = decide_box(c, &plain);
            }
    }
    free(pale);
}
/* One hand's dots differ in size: from 0.6 to 1.5 mm across (issue 9), so
 * the smallest has (0.6 / 1.5)^2 = 0.16 of the area of the largest. A dot is
 * a speck beside the hand's other dots only when it is smaller than that
 * against their median (was 0.25: a hand's 0.6 mm dot beside its 1.3-1.5 mm
 * ones, core 0.25-0.39 mm^2 against a median of 1.4-1.6, stayed unsure: 4
 * forms in review needlessly over seeds 7333 and 8581). Specks smaller than
 * 0.45 mm never reach core_mm2 at all (reading/measure.h). */
#define DOT_OF_HAND 0.16
/* A box under blank_max holding this share of blank_max more ink than the
 * page's median empty box holds is no empty box of this page */
#define PALE_OVER_PAGE 0.5
/* A hand that crosses in pen may take a pencil for a question or two. Its
 * line is whole: it spans the box in one or two strokes, as dark as a
 * pencil's lightest (issue 9: 30% and more; 0.28-0.34 measured), and most
 * of it stays above the ink threshold. What rubbing a mark out leaves is a
 * ghost: 0.19-0.25 dark and 0.02-0.08 of the box on grey scans over twenty
 * generator sets, or broken on a 1-bit one. Sixteen whole pencil crosses
 * and ticks (fill 0.27-0.59, darkness 0.28-0.34, one or two pieces) on
 * pages crossed in pen went to a person as rubbed out, each the answer of
 * its question (e.g. fresh seed 8431 B5DSSYSN q4c, 8434 4RUT95C8 q6). Such
 * a line is a mark: alone it answers, beside a firm mark it is a second
 * one, and a person looks. */
#define PENCIL_DARK_MIN 0.27
#define PENCIL_FILL_MIN 0.2
#define PENCIL_SPAN_MIN 0.9
static int pencil_line_whole(const box_measure *m) {
    return m->darkness >= PENCIL_DARK_MIN && m->fill >= PENCIL_FILL_MIN && m->extent >= PENCIL_SPAN_MIN &&
           m->ink_pieces <= 2;
}

/* Ink beside a box is ink above the page's own: near_max_mm2 is what a
 * stray stroke leaves beyond the paper, and on a page whose print bleeds
 * past the mask or whose paper is noisy every empty box carries some (a
 * harsh 1-bit page at 200 dpi: 0.2-1.8 mm^2 round empty boxes, median 0.45;
 * seed 6833 9W6652YV q4c, 1.82 mm^2 beside a blank box, went to review).
 * A blank box's ink near counts only above near_max_mm2 plus the median ink
 * near of the page's blank boxes (a clean page's: 0-0.1) */
#define SPECKLE_NEAR_OVER 1.3
#define SPECKLE_NEAR_WITHIN_MM 40 /* the blank boxes this near, at least SPECKLE_NEAR_BOXES of them */
#define SPECKLE_NEAR_BOXES 3
/* On a page whose print bleeds (a harsh 1-bit scan with a dark threshold:
 * words and outlines swell past the mask's growth) the ink round an empty
 * box lies in the print's halo (near_halo_mm2), and how much depends on how
 * much print the box has round it: fresh seed 8417 --folds --warp 1, 0.2-3.2
 * mm^2 round the page's median empty box and 2.3-9.3 round the boxes beside
 * long or bold labels, nearly all in the halo (0.0-0.2 mm^2 beyond it),
 * five forms in review as "ink beside a box". There a blank box's ink near
 * counts beyond the halo: above near_max_mm2 plus what the page's blank
 * boxes hold beyond it. A page bleeds when its median blank box holds
 * BLED_HALO_MM2 in the halo (a clean page: 0-0.02). A pen's stroke beside a
 * box lies mostly beyond the halo, a circle hugging the box is its own
 * measure (ring_hug_mm2, counted beyond) */
#define BLED_HALO_MM2 0.1
static double blank_median(const box_decision *d, size_t n, const double *value, double *scratch) {
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (d[i].state == BOX_BLANK)
            scratch[k++] = value[i];
    return k >= 4 ? omr_sort_middle(scratch, k) : -1;
}
/* ... and along a line of boxes: ink round an empty box that the empty
 * boxes of its row (or of its column) hold as much of is something running
 * along the line, a fold's crease the warp bent off its fitted line, a
 * shadow: no mark beside one box (fresh seed 8452 --folds --warp 2.2,
 * R3XAJGT3 q1b: a grey crease along the bottom of the row, 2.7-4.8 mm^2
 * round each of its four empty boxes, the page's level 0.3, sent to a
 * person beside the cross that answered). The line's level is the lower
 * median of its other empty boxes within LINE_NEAR_WITHIN_MM, at least
 * LINE_NEAR_BOXES of them, give or take LINE_NEAR_OVER (a bent crease
 * strays nearer some boxes than others: 2.7-4.8 there); it counts only
 * above what a box may hold alone (near_max_mm2): the print's specks
 * along a column are no crease, and a tight circle leaving 1.6 mm^2 round
 * its box stays a person's (fresh seed 8449 TYQAZDM3 q3a, read blank
 * with a column's 0.2-0.5 mm^2 taken for a line). A pen's stroke
 * beside one box, or between two (held-out `between`), leaves most of the
 * line's other boxes clean and stays a person's; a line of three boxes or
 * fewer has no level. Down a column a line runs beside the boxes, its ink
 * left or right of their column (near_left_mm2, near_right_mm2): only that
 * ink makes the column's level and is taken for the line's, and ink above
 * or below a box, in the column itself, is no line's. Two crosses between
 * two boxes each, in one column of four empty boxes, were each other's
 * "line" (fresh held-out 4502 ENVQJT29: q4c's "2|3" and q5's "1|2", 3.7-4.5
 * mm^2; q4c read as no answer, silently). A box of the line left unsure
 * (no circle: a pale trace the crease left in it) is one of its empty
 * boxes too (fresh seed 8531 --folds --warp 1.9, U5348FVA q2c: a grey
 * crease no search found along the bottom of the row, 2.5-3.4 mm^2 round
 * each empty box, one of them unsure for the crease's trace: two blank
 * boxes left beside each, too few for a level; sent to a person beside
 * the cross that answered). */
#define LINE_NEAR_SAME_MM 1.5 /* boxes this close in y (x) share a row (column) */
#define LINE_NEAR_WITHIN_MM 70 /* a row of five scale boxes, 17 mm apart, end to end */
#define LINE_NEAR_BOXES 3
#define LINE_NEAR_OVER 1.5
static double line_near_level(const box_measure *m, const box_decision *d, size_t n, size_t i, int column,
                              double *scratch) {
    size_t k = 0;
    for (size_t j = 0; j < n; j++) {
        double along = column ? m[j].box_y_mm - m[i].box_y_mm : m[j].box_x_mm - m[i].box_x_mm;
        double across = column ? m[j].box_x_mm - m[i].box_x_mm : m[j].box_y_mm - m[i].box_y_mm;
        int unmarked = d[j].state == BOX_BLANK || (d[j].state == BOX_UNSURE && !d[j].circled);
        if (j != i && unmarked && fabs(across) <= LINE_NEAR_SAME_MM &&
            fabs(along) <= LINE_NEAR_WITHIN_MM)
            scratch[k++] = column ? m[j].near_left_mm2 + m[j].near_right_mm2 : m[j].near_mm2;
    }
    if (k < LINE_NEAR_BOXES)
        return -1;
    return omr_sort_lower_middle(scratch, k);
}
static void near_by_page(const calibration *c, const box_measure *m, box_decision *d, size_t n) {
    double *near = calloc(n ? n : 1, sizeof *near), *halo = calloc(n ? n : 1, sizeof *halo),
           *beyond = calloc(n ? n : 1, sizeof *beyond), *scratch = calloc(n ? n : 1, sizeof *scratch);
    if (!near || !halo || !beyond || !scratch) {
        free(near), free(halo), free(beyond), free(scratch);
        return; /* without room, the ink as measured */
    }
    for (size_t i = 0; i < n; i++) {
        halo[i] = m[i].near_halo_mm2;
        beyond[i] = m[i].near_mm2 - m[i].near_halo_mm2;
        near[i] = m[i].near_mm2;
    }
    double halo_level = blank_median(d, n, halo, scratch), beyond_level = blank_median(d, n, beyond, scratch);
    int bled = halo_level >= BLED_HALO_MM2;
    double level = blank_median(d, n, near, scratch);
    /* ... and where the ink round a box is specks, what the paper of the
     * blank boxes round it holds (their median share of ink, over this
     * box's own zone): a fold's speckled panel (seed 8331 --folds --warp 1,
     * 7NH3THV3 q5r: 9-24 mm^2 of specks, 0.05-0.07 of the zone, round
     * every empty box of the panel, 2.5 mm^2 round those of the clean half
     * setting the page's level), give or take SPECKLE_NEAR_OVER. A pen
     * circle adds its 17-25 mm^2 above it, twice what that allows */
    for (size_t i = 0; i < n; i++)
        near[i] = d[i].state == BOX_BLANK ? m[i].near_share : NAN;
    for (size_t i = 0; i < n; i++) {
        /* only a blank box's ink near is judged so; a circle's is its mark */
        if (d[i].state != BOX_BLANK || d[i].circled || !d[i].ink_near)
            continue;
        double at = level;
        if (decide_specks_round(&m[i]) && m[i].near_share > 0)
            at = fmax(at, SPECKLE_NEAR_OVER *
                              decide_local_median(m, near, n, i, SPECKLE_NEAR_WITHIN_MM, SPECKLE_NEAR_BOXES) *
                              m[i].near_mm2 / m[i].near_share);
        double row = line_near_level(m, d, n, i, 0, scratch), at_row = at;
        if (row > c->near_max_mm2)
            at_row = fmax(at, LINE_NEAR_OVER * row);
        if ((at_row >= 0 && m[i].near_mm2 <= c->near_max_mm2 + at_row) ||
            (bled && beyond[i] <= c->near_max_mm2 + beyond_level)) {
            d[i].ink_near = 0;
            continue;
        }
        double column = line_near_level(m, d, n, i, 1, scratch);
        double beside = m[i].near_left_mm2 + m[i].near_right_mm2, in_column = m[i].near_mm2 - beside;
        if (column > c->near_max_mm2 && beside <= c->near_max_mm2 + LINE_NEAR_OVER * column &&
            in_column <= c->near_max_mm2 + fmax(at, 0))
            d[i].ink_near = 0;
    }
    free(near), free(halo), free(beyond), free(scratch);
}

/* Dust: a box unsure only for its fill in the band between blank and
 * marked (not for a ring, a trace or a dot), whose ink is all
 * specks (no speck of 0.4 mm, no dark core) holding no more than DUST_OVER
 * times what the speckless boxes round it hold (the median fill of the
 * DUST_BOXES nearest) is the paper, blank. On clean paper that median is
 * about 0 and a pencil dot's fine grain (seed 7501 8B6KGTB2 q4c: 0.053, no
 * speck, no core) stays unsure; a 1-bit page that scanned dusty holds
 * 0.02-0.04 in every empty box (seed 7501 3ZEWMDBZ: 20 boxes of one page in
 * review). The boxes round it, not the page's: a fold's speckled panel
 * fills half a page's boxes, and the other half's clean paper is no
 * license for pencil grain there. Where the ink round the box is itself
 * specks, the paper just round it is a level too (fresh seed 8331 --folds
 * --warp 1, 7NH3THV3 q5r: 0.035-0.055 in each box of the panel, 0.04-0.05
 * round it; the neighbours' median was set by a question on clean paper) */
#define DUST_OVER 2.0
#define DUST_BOXES 8
/* ink all fine specks: none of 0.4 mm across the box, no dark core */
static int speckless(const box_measure *m) { return m->extent == 0 && m->core_mm2 < DOT_MIN_MM2; }
static void dust_by_page(const calibration *c, const box_measure *m, box_decision *d, size_t n) {
    double *fills = malloc((n ? n : 1) * sizeof *fills);
    if (!fills)
        return;
    for (size_t i = 0; i < n; i++)
        fills[i] = speckless(&m[i]) ? m[i].fill : NAN;
    for (size_t i = 0; i < n; i++) {
        if (d[i].state != BOX_UNSURE || d[i].dot || d[i].faint || d[i].circled || d[i].speckled || d[i].scribble ||
            !speckless(&m[i]) || m[i].fill <= c->blank_max || m[i].fill >= c->mark_min)
            continue;
        double level = decide_local_median(m, fills, n, i, INFINITY, DUST_BOXES);
        double paper = decide_specks_round(&m[i]) ? m[i].paper_share : -1;
        double at = fmax(level, paper);
        if (at >= 0 && m[i].fill <= DUST_OVER * at) {
            d[i].state = BOX_BLANK;
            d[i].confidence = 0.5;
        }
    }
    free(fills);
}

/* A page with a panel of speckled paper (SPECKLED_PAPER): its boxes there
 * with ink in them are judged by decide_in_speckle before any other page
 * rule counts them (no dot, trace or ring of theirs is a hand's). So is a
 * box on the panel's edge, the fold's crease running through it, by the
 * paper of the panel's boxes beside it (at least SPECKLED_BOXES within
 * PANEL_EDGE_MM): half its paper is clean, half speckled, and so is its
 * interior (fresh seed 8332 --folds --warp 1, KF6MYJW9 q5r "5": a box
 * under a black crease at the panel's top, its paper 0.08-0.09 ink, 0.13
 * of ink spanning it, read as a cross beside the two ticks that answered,
 * silently; the panel's boxes below it 0.14-0.17 paper, 0.16-0.18 ink) */
#define PANEL_EDGE_MM 40
static void speckled_paper(const calibration *c, const box_measure *m, box_decision *d, size_t n) {
    size_t as_paper = 0;
    for (size_t i = 0; i < n; i++)
        as_paper += decide_on_inked_paper(&m[i]) && m[i].fill >= c->mark_min &&
                    m[i].fill <= paper_level(&m[i]) + AS_ITS_PAPER;
    if (as_paper < SPECKLED_BOXES)
        return;
    double *speckled = malloc(n * sizeof *speckled);
    for (size_t i = 0; speckled && i < n; i++)
        speckled[i] = decide_on_inked_paper(&m[i]) ? paper_level(&m[i]) : NAN;
    for (size_t i = 0; i < n; i++) {
        if (m[i].fill < c->mark_min)
            continue;
        if (decide_on_inked_paper(&m[i])) {
            d[i] = decide_in_speckle(c, &m[i], paper_level(&m[i]));
        } else if (m[i].crease_along && speckled) {
            double beside = decide_local_median(m, speckled, n, i, PANEL_EDGE_MM, SPECKLED_BOXES);
            if (beside >= SPECKLED_PAPER)
                d[i] = decide_in_speckle(c, &m[i], beside);
        }
    }
    free(speckled);
}

/* A hand in very light pencil: its firm marks' median darkness at most
 * this (a pen's 0.7-1.0, a usual pencil's 0.35-0.6); a lighter box of it
 * is read when at least LIGHT_AS_HAND times as dark (judge_by_page) */
#define LIGHT_HAND_DARK 0.3
#define LIGHT_AS_HAND 0.8

/* decide_page's judgements by the page's own hand and paper */
static void judge_by_page(const calibration *c, const box_measure *m, box_decision *d, size_t n) {
    speckled_paper(c, m, d, n);
    /* rings, pale traces and ink near first, against the page's own level of each */
    decide_page_rings(c, m, d, n);
    /* what a crease left, once its rays are no circle (a crease through a
     * box above and below closes rays as a circle does), counts for no hand */
    decide_crease_residues(c, m, d, n);
    faint_by_page(c, m, d, n);
    dust_by_page(c, m, d, n);
    near_by_page(c, m, d, n);
    int dots = 0, faint = 0, firm = 0, circles = 0;
    double speck = 0.1; /* the largest dark core among the page's blank boxes */
    double *blank_fill = malloc((n ? n : 1) * sizeof *blank_fill);
    double *dot_core = malloc((n ? n : 1) * sizeof *dot_core);
    double *firm_dark = malloc((n ? n : 1) * sizeof *firm_dark);
    size_t n_blank = 0;
    if (!blank_fill || !dot_core || !firm_dark) {
        /* without room to judge by the page, every box keeps its own judgement */
        free(blank_fill);
        free(dot_core);
        free(firm_dark);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        if (d[i].dot)
            dot_core[dots++] = m[i].core_mm2;
        faint += d[i].faint;
        circles += d[i].circled;
        if ((d[i].state == BOX_MARKED && !d[i].circled) || d[i].state == BOX_SOLID)
            firm_dark[firm++] = m[i].darkness;
        if (d[i].state == BOX_BLANK) {
            if (m[i].core_mm2 > speck)
                speck = m[i].core_mm2;
            blank_fill[n_blank++] = m[i].fill;
        }
    }
    /* the paper's own level on this page: the 95th percentile of its blank
     * boxes, and their median (what an empty box of this page holds) */
    double paper = 0, empty = 0;
    if (n_blank) {
        empty = omr_sort_middle(blank_fill, n_blank);
        paper = blank_fill[(n_blank * 95) / 100 < n_blank ? (n_blank * 95) / 100 : n_blank - 1];
    }
    double dot_median = 0, hand = 0;
    if (dots)
        dot_median = omr_sort_middle(dot_core, (size_t)dots);
    if (firm)
        hand = omr_sort_middle(firm_dark, (size_t)firm);
    free(blank_fill);
    free(dot_core);
    free(firm_dark);
    int dotter = dotting_hand(dots, firm, circles);
    int light_hand = firm >= 1 && circles == 0 && hand <= LIGHT_HAND_DARK;
    for (size_t i = 0; i < n; i++) {
        /* a dot clear of this page's blanks (and not a speck beside the
         * hand's other dots): a mark if the hand dots (here, or on the
         * form as a whole: decide_form_dots) */
        d[i].dot_clear = d[i].dot && m[i].core_mm2 >= 1.5 * speck && m[i].core_mm2 >= DOT_OF_HAND * dot_median &&
                         m[i].fill >= paper + 0.005;
        if (d[i].dot_clear && dotter) {
            d[i].state = BOX_MARKED;
            d[i].confidence = omr_clamp01(0.5 + 0.5 * (m[i].core_mm2 / speck - 1.5) / 4);
        } else if (d[i].faint && faint >= 2 && firm == 0 && circles == 0) {
            /* the whole page in very light pencil: its traces are its marks.
             * Not on a page the hand circles: its marks are its circles, and
             * pale traces in boxes there are something else (the back of a
             * thin sheet showing through: make_variants show_through,
             * HNYJ3G8X, pencil circles and four traces of the back's print
             * read as marks, q5r "8" silently) */
            d[i].state = BOX_MARKED;
            d[i].confidence = omr_clamp01(0.5 + 0.5 * (m[i].faint_fill - c->mark_min) / c->mark_min);
        } else if (light_hand && d[i].state == BOX_UNSURE && !d[i].circled && !d[i].dot && !d[i].speckled &&
                   !d[i].creased && !d[i].hidden && !d[i].speck && !d[i].ink_near &&
                   m[i].darkness >= LIGHT_AS_HAND * hand && m[i].fill >= paper + c->blank_max) {
            /* a page crossed in very light pencil (its firm marks pale
             * themselves): a box unsure only for its little ink, as dark as
             * the hand's marks and well above what the page's empty boxes
             * hold, is the same pencil pressed lighter (held-out 4612
             * 1U7LIVKA page 1: every mark darkness 0.19, three read at fill
             * 0.11-0.13, six at 0.055-0.080 sent to a person, empty boxes
             * 0.000). A question with another mark still goes to a person
             * (decide_question); a trace paler than the hand's is a mark
             * rubbed out (below) */
            d[i].state = BOX_MARKED;
            d[i].confidence = 0.5;
        } else if (firm >= 1 && hand > LIGHT_HAND_DARK && decide_grey_crease_trace(c, &m[i], &d[i])) {
            /* a grey crease's pale shoulders, on a page whose hand marks
             * darker: the crease's, the box is empty */
            d[i].state = BOX_BLANK;
            d[i].confidence = 0.5;
            d[i].faint = 0;
        } else if (firm >= 2 && !d[i].circled && !d[i].dot && !d[i].creased && d[i].state != BOX_SOLID &&
                   d[i].state != BOX_BLANK && m[i].darkness < 0.45 * hand && !pencil_line_whole(&m[i])) {
            /* far paler than this hand's marks: a mark rubbed out (withdrawn
             * beside a firm mark, unclear alone; decide_question), unless
             * its question holds a mark as pale (decide_pale_marks) or it
             * is a pencil's line, whole */
            d[i].state = BOX_UNSURE;
            d[i].confidence = 0;
            d[i].faint = 1;
            d[i].pale = 1;
        } else if (dotter && d[i].state == BOX_BLANK && n_blank >= 4 &&
                   m[i].fill >= empty + PALE_OVER_PAGE * c->blank_max) {
            /* a hand that dots, and a box under blank_max but far above
             * what this page's empty boxes hold: a pale pencil dot with no
             * dark core (seed 9931 MDG4W9J9 q4b, a dotter's pencil dot at
             * 200 dpi: fill 0.023 on a page whose empty boxes hold
             * 0.000-0.001, read blank, a wrong answer). Never silently
             * blank: a person looks, and beside a firm mark it is a trace
             * withdrawn (decide_question). Only for a dotting hand: on
             * AMC's real scans, outlines and print residue put as much in
             * boxes of crossing hands (scan mode: 154 more boxes in review) */
            d[i].state = BOX_UNSURE;
            d[i].confidence = 0;
            d[i].faint = 1;
        }
        /* a "dot" smaller than any a hand makes (0.6 mm and more), from a
         * hand that does not dot: a speck of dust (make_variants dust,
         * 6T2AN49K q3b: a 0.4 mm speck, core 0.16 mm^2, beside the cross
         * that answers, sent the question to review) */
        if (d[i].state == BOX_UNSURE && d[i].dot && !dotter && m[i].core_mm2 < SPECK_CORE_MM2)
            d[i].speck = 1;
    }
}

void decide_page(const calibration *c, const box_measure *m, box_decision *d, size_t n) {
    assert(c && (n == 0 || (m && d)));
    judge_by_page(c, m, d, n);
    decide_crease_traces(c, m, d, n);
}
