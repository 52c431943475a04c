/*
 * decide.c — box decisions: each box by its own measures (decide_box), then
 * by its page's and its hand's evidence on that page (decide_page: rings
 * against the page's own, pale traces, dust, speckle; what a crease left,
 * in decide_crease.c). Then the
 * form's hand and the circles among their neighbours (decide_form.c), then
 * each question by its boxes (question.c). The calibration profile is read
 * in calibration.c; what decide.c and decide_form.c share is declared at
 * the end of decide.h.
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

static double clamp01(double v) { return v < 0 ? 0 : v > 1 ? 1 : v; }

/* A circle round a label encloses the label: in most of the directions its
 * rays meet ink, the opposite rays meet it too. A line past the label (a
 * crease across the row, a stroke) closes half the directions, and a speck
 * on the other side splits that half's gap under RING_GAP_MAX (seed 7601
 * 8CSATR9H q5r "Sexuell läggning": a fold's shadow under the label and one
 * speck read as circled, rays 0.46, gap 0.29, 0.04 of them opposed). */
#define LABEL_OPPOSED_MIN 0.25
#define RING_CLEAR 0.60 /* a circle closes this share of its rays at least (demote_page_rings, below) */
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
/* The ink round a box is specks, not a pen's line: most of its samples
 * (every 0.15 mm) have no inked sample beside them. A folded sheet's lifted
 * panel scanned grey by a 1-bit scanner strews specks that close every ray
 * of every box in it (seed 7803 TQNMEVMU: q5r "5 6 7 8" read from four
 * empty boxes, their near ink 0.69-0.80 specks; a pen's circle or stroke
 * 0-0.1, a bled one's too). */
#define SPECKS_ROUND_MAX 0.5
/* ... where there is ink round the box to speak of: a speck or two in its
 * zone says nothing of what closed its rays (fresh seed 8333 8W63JAD6 q2a:
 * an oval three boxes wide round "5", all of it beyond the zone round the
 * box, rays closed all round, 0.02 mm^2 in the zone, one speck; read as
 * specks closing the rays, to review) */
#define SPECKS_ROUND_MIN_MM2 0.5
static int specks_round(const box_measure *m) {
    return m->near_specks > SPECKS_ROUND_MAX && m->near_mm2 >= SPECKS_ROUND_MIN_MM2;
}

static int label_circle(const box_measure *m) {
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
static int crease_remnant_ring(const box_measure *m, double near_min) {
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
static void circle_on_black_crease(box_decision *d) {
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

/* A box in speckled paper (its ink level `paper`): only ink that stands out
 * of the paper is a mark; rings, dots, traces and the ink round the box are
 * the paper's own. */
static box_decision decide_in_speckle(const calibration *c, const box_measure *m, double paper) {
    box_decision d = {.state = BOX_UNSURE, .confidence = 0, .fill = m->fill};
    double excess = (m->fill - paper) / fmax(1 - paper, 1e-6);
    if (paper >= SPECKLE_BLACK)
        return d;
    if (m->fill >= c->solid_min) {
        d.state = BOX_SOLID;
        d.confidence = clamp01(0.5 + (m->fill - c->solid_min) / 0.2);
    } else if (excess >= STANDS_OUT && m->extent >= c->extent_min) {
        d.state = BOX_MARKED;
        d.confidence = clamp01(0.5 + (excess - STANDS_OUT) / 0.3);
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
        d.confidence = clamp01(0.5 + (c->blank_max - m->fill) / band);
    } else if (m->fill >= c->solid_min) {
        d.state = BOX_SOLID;
        d.confidence = clamp01(0.5 + (m->fill - c->solid_min) / 0.2);
    } else if (m->fill >= c->mark_min && m->extent >= c->extent_min) {
        d.state = BOX_MARKED;
        /* a fill close to solid is a dark scribble or a half-filled box: not a
         * clean cross, not a clean correction */
        double to_solid = (c->solid_min - m->fill) / 0.15;
        d.confidence = clamp01(0.5 + (m->fill - c->mark_min) / band);
        if (to_solid < d.confidence)
            d.confidence = clamp01(to_solid);
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
    if (label_circle(m) && m->label_ring > ring)
        ring = m->label_ring;
    if (ring > 0 && m->fill < c->mark_min && !d.faint) {
        d.state = BOX_MARKED;
        d.circled = 1;
        d.strewn = 0;
        d.dot = 0;
        d.ink_near = 0;
        d.confidence = clamp01(0.5 + 0.5 * (ring - RING_MIN) / (1 - RING_MIN));
    }
    return d;
}

int decide_box_flags(const box_decision *d) {
    return (d->ink_near ? 1 : 0) | (d->circled ? 2 : 0) | (d->dot ? 4 : 0) | (d->faint ? 8 : 0) |
           (d->scribble ? 16 : 0) | (d->dot_clear ? 32 : 0) | (d->strewn ? 64 : 0) | (d->speckled ? 128 : 0) |
           (d->creased ? 256 : 0) | (d->speck ? 512 : 0) | (d->hidden ? 1024 : 0) | (d->hugged ? 2048 : 0);
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
}

/* The ring evidence of a box: the stronger of the circle round the box and
 * the one round its label. */
static double box_ring(const box_measure *m) { return m->ring > m->label_ring ? m->ring : m->label_ring; }
/* ... as the page's own level counts it: rays from a number alone above
 * its box (label_above: q6's "1".."10") leave it as the page's other
 * boxes set it. Those rays start among the number's bled or speckled
 * print on a harsh page; counted in (a first try, session 35), q6's ten
 * moved the page's median on speckled pages (seed 8332 A8EQ55UM: a clear
 * circle sent to a person; 8334 QGXS293X: three more items) */
static double level_ring(const box_measure *m) { return m->label_above ? m->ring : box_ring(m); }

/* A circle is a mark only when it stands apart from the page. On a page whose
 * print bleeds (a dark 1-bit scan at 200 dpi: the labels' letters swell past
 * the print mask) or that is grey with noise, rays from most boxes meet ink
 * and "circles" appear everywhere; no respondent circles half a page. So the
 * page's own background is measured: the median ring evidence over all its
 * boxes. Where that median is itself a circle, rings on this page say
 * nothing: each box is judged on the rest of its evidence, as if no ray had
 * been cast (its interior, its dark core, and the ink near it, which the
 * print mask keeps apart from the print: a real circle on such a page still
 * leaves ink near its box, which goes to review, never to blank). Elsewhere
 * a circle must exceed the median by RING_ABOVE_PAGE (one that does not is
 * no more ring than the page's own print and noise, and is judged the same
 * way); a barely closed one that does, from a hand that does not circle,
 * is never read as blank: it becomes unsure (a person looks), with ink near
 * the box. */
#define RING_ABOVE_PAGE 0.35
/* ... unless neighbouring rays meet one line all round (box_measure's
 * ring_traced): a pen's, however far out */
#define RING_TRACED_ROUND 0.85
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
/* A circle on a page whose print bleeds. Every box there shows a ring, so
 * a ring alone says nothing; but a pen circle still stands apart from the
 * page's own boxes in two ways at once: its rays close (over half way from
 * the page's median ring to a full turn, and by an eighth of a turn at
 * least, with no wide gap), and it leaves
 * ink around the box where the page's empty boxes have next to none (above
 * near_max_mm2 and CIRCLE_NEAR_OVER_PAGE times the median ink near of the
 * page's empty boxes; at most one box in five is circled, so the median is
 * the page's print and noise). Such a box is circled (its confidence the
 * share of the way from half way to full closure); every other box is
 * judged as if no ray had been cast. Two such boxes in one question are a
 * circle taking in two options, and a weak one beside a strong one cannot
 * be attributed: decide_question sends both to review. */
#define CIRCLE_NEAR_OVER_PAGE 4.0
/* ... and by at least an eighth of a turn (6 of the 48 rays): on a page
 * whose print closes nearly every ray (a grey glass edge, a very dark
 * scan) a ray or two is no evidence, and no circle is read there */
#define CIRCLE_ABOVE_BLED_PAGE 0.125
/* decide.h */
double decide_page_circle_near(const calibration *c, const box_measure *m, size_t n) {
    double *near = malloc((n ? n : 1) * sizeof *near);
    if (!near)
        return -1;
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (m[i].fill <= c->blank_max)
            near[k++] = m[i].near_mm2;
    double page_near = k ? omr_sort_middle(near, k) : 0;
    free(near);
    return fmax(fmax(c->near_max_mm2, CIRCLE_NEAR_MIN_MM2), CIRCLE_NEAR_OVER_PAGE * page_near);
}

/* decide.h */
double decide_page_ray_level(const box_measure *m, size_t n, int which) {
    double *rings = malloc((n ? n : 1) * sizeof *rings);
    if (!rings)
        return -1;
    for (size_t i = 0; i < n; i++)
        rings[i] = which == RAYS_BOX     ? m[i].ring
                   : which == RAYS_LABEL ? (m[i].label_above ? 0 : m[i].label_ring)
                   : which == RAYS_CLEAR ? m[i].ring_clear
                                         : level_ring(&m[i]);
    double level = n ? omr_sort_middle(rings, n) : 0;
    free(rings);
    return level;
}

/* On a page whose print bleeds round its boxes (their outlines swell and
 * close the rays of every box) the labels' rays may still see paper: the
 * label rays are judged against the page's own label rays. A circle round a
 * label stands apart when its rays close RING_ABOVE_PAGE more than the
 * page's median label, as on a clean page, with no wide gap, and it leaves
 * a pen circle's ink round its box (seed 6833 9W6652YV, B8FMN245: "Vet ej"
 * circled in pencil, its label rays 0.96-1.00 against the page's 0.10-0.25,
 * 35 mm^2 of ink round the box, while every box's own rays met ink; the
 * circle went to review as ink beside a box). Where the labels' rays are
 * closed too, none stands apart and no label circle is read. */
static int bled_label_circle(const box_measure *m, double label_level, double near_min, double *closure) {
    double stands = label_level + RING_ABOVE_PAGE;
    if (label_level < 0 || near_min < 0 || !label_circle(m) || m->label_ring < stands || m->near_mm2 <= near_min)
        return 0;
    *closure = clamp01(0.5 + 0.5 * (m->label_ring - stands) / fmax(1 - stands, 1e-6));
    return 1;
}

/* The clear rays (ring_clear) of box i's neighbourhood: their median over the
 * LOCAL_BOXES boxes nearest it on the template, i left out. A page is not one
 * scan throughout: a fold's step in brightness under a dark 1-bit threshold
 * turns the paper beyond it to speckle, which closes the clear rays of every
 * box there, while above it the paper is clean (fresh seed 8321 --folds
 * --warp 1, PZGDM9NK: the page's median clear rays 0.85, set by the
 * speckled half; three pen circles in the clean half with 0.92-1.00 against
 * 0.02-0.29 round their neighbours, 17-25 mm^2 of ink round each, all
 * three to review as ink beside a box). A box is judged against the paper
 * it lies on, as a person would. -1 with too few boxes to judge by. */
#define LOCAL_BOXES 8
/* The median of value[j] over the LOCAL_BOXES boxes nearest box i on the
 * template and within `within` mm of it, i and every box whose value is NAN
 * left out; -1 with fewer than `least` to judge by */
static double local_median(const box_measure *m, const double *value, size_t n, size_t i, double within,
                           int least) {
    double dist[LOCAL_BOXES], near[LOCAL_BOXES];
    int k = 0;
    for (size_t j = 0; j < n; j++) {
        double apart = hypot(m[j].box_x_mm - m[i].box_x_mm, m[j].box_y_mm - m[i].box_y_mm);
        if (j != i && !isnan(value[j]) && apart <= within)
            omr_keep_nearest(dist, near, sizeof *near, &k, LOCAL_BOXES, apart, &value[j]);
    }
    if (k < least || k == 0)
        return -1;
    return omr_sort_middle(near, (size_t)k);
}

/* The page's boxes' rays clear of the outline (their ring_clear), for
 * clear_rays_round; NULL without room (then the page's level is used) */
static double *clear_rays_of(const box_measure *m, size_t n) {
    double *clear = malloc((n ? n : 1) * sizeof *clear);
    for (size_t i = 0; clear && i < n; i++)
        clear[i] = m[i].ring_clear;
    return clear;
}

/* The rays clear of the outline round box i: the median of the boxes
 * around it (local_median of `clear`, their ring_clear), else the page's
 * clear_level */
static double clear_rays_round(const box_measure *m, const double *clear, size_t n, size_t i, double clear_level) {
    double local = clear ? local_median(m, clear, n, i, INFINITY, LOCAL_BOXES / 2) : -1;
    return local >= 0 ? local : clear_level;
}
/* ... and box m's close past them by RING_ABOVE_PAGE (the level: closed),
 * with no wide gap, leaving more ink round the box than near_min: a pen's
 * circle, on a page whose print closes every box's first rays */
static double clear_rays_closed(double clear_round) { return fmax(RING_MIN, clear_round + RING_ABOVE_PAGE); }
static int clear_rays_apart(const box_measure *m, double clear_round, double near_min) {
    return m->ring_clear >= clear_rays_closed(clear_round) && m->ring_clear_gap <= RING_GAP_MAX &&
           m->near_mm2 > near_min;
}

/* The ink a pen circle leaves round box i, as decide_page_circle_near asks
 * of the page, against the empty boxes around it (local_median of `near`:
 * their near_mm2, NAN for a box holding ink), else the page's `page_min`.
 * A fold's dark panel under a harsh 1-bit threshold fills the zone round
 * every box in it with specks (fresh seed 8444 --folds --warp 2.5,
 * F8BTBHJD page 2: 14-140 mm^2 round its boxes, the page's median 21), and
 * a tight pen circle on the clean paper above it, 18 mm^2 round "Ej fått
 * beslut än" against 0.04-0.32 round its neighbours, its rays clear of the
 * outline 0.77 closed against their 0.33, was read blank, silently). The
 * boxes around it only lower what the page asks: where a hand circles
 * answer after answer, its circles and their arcs are much of the ink
 * round the boxes near each (8446 SHA4FJQG: two circles of 20 and 24 mm^2
 * were lost against their neighbours' so) */
static double circle_near_round(const calibration *c, const box_measure *m, const double *near, size_t n, size_t i,
                                double page_min) {
    double local = near ? local_median(m, near, n, i, INFINITY, LOCAL_BOXES / 2) : -1;
    if (local < 0)
        return page_min;
    return fmin(page_min, fmax(fmax(c->near_max_mm2, CIRCLE_NEAR_MIN_MM2), CIRCLE_NEAR_OVER_PAGE * local));
}

static void bled_page_circles(const calibration *c, const box_measure *m, box_decision *d, size_t n,
                              double background) {
    double page_near_min = decide_page_circle_near(c, m, n);
    double label_level = decide_page_ray_level(m, n, RAYS_LABEL), clear_level = decide_page_ray_level(m, n, RAYS_CLEAR);
    /* without room for the page's levels, no circle is read here */
    int judged = page_near_min >= 0 && clear_level >= 0;
    double closed = background + fmax((1 - background) / 2, CIRCLE_ABOVE_BLED_PAGE);
    /* rays clear of the bled outline stand apart as a label's do on such a
     * page (seed 7402 QFHJ3T7A: every box's rays 0.85-0.94 closed by its
     * swollen outline, four circles in pen and pencil with 22-33 mm^2 round
     * their boxes against 0.4 and less, all four to review) */
    double *clear = clear_rays_of(m, n);
    double *labels = malloc((n ? n : 1) * sizeof *labels), *empty_near = malloc((n ? n : 1) * sizeof *empty_near);
    for (size_t i = 0; labels && i < n; i++)
        labels[i] = m[i].label_above ? NAN : m[i].label_ring;
    for (size_t i = 0; empty_near && i < n; i++)
        empty_near[i] = m[i].fill <= c->blank_max ? m[i].near_mm2 : NAN;
    for (size_t i = 0; i < n; i++) {
        /* ... against the rays and the ink of the boxes around it (local_median) */
        double near_min = judged ? circle_near_round(c, m, empty_near, n, i, page_near_min) : page_near_min;
        double clear_at = clear_rays_round(m, clear, n, i, clear_level);
        double clear_closed = clear_rays_closed(clear_at);
        double r = box_ring(&m[i]);
        double gap = m[i].ring >= m[i].label_ring ? m[i].ring_gap : m[i].label_gap;
        box_decision plain = decide_without_rings(c, &m[i]);
        int pen = judged && m[i].fill < c->mark_min && !plain.faint && plain.state != BOX_MARKED &&
                  plain.state != BOX_SOLID && !specks_round(&m[i]);
        double label_conf = 0;
        int by_rays = r >= closed && gap <= RING_GAP_MAX && m[i].near_mm2 > near_min;
        int by_clear = !by_rays && clear_rays_apart(&m[i], clear_at, near_min);
        int by_label = bled_label_circle(&m[i], label_level, near_min, &label_conf);
        /* ... and past the labels round it: in a fold's speckled panel the
         * specks close the labels' rays there as well (fresh seed 8440
         * --folds --warp 1, UA6WMK8K q5r "4": "Religion eller annan
         * trosuppfattning", its label rays 0.47 closed against the page's
         * median label and 0.17-0.53 round it, read as circled, silently).
         * Standing apart from the page's labels but not from its
         * neighbours', a label goes to a person: never blank */
        double label_here = labels ? local_median(m, labels, n, i, INFINITY, LOCAL_BOXES / 2) : -1;
        if (pen && by_label && !by_rays && !by_clear && label_here >= 0 &&
            m[i].label_ring < label_here + RING_ABOVE_PAGE) {
            d[i] = plain;
            decide_rays_to_a_person(&d[i]);
            continue;
        }
        /* the confidence by the clear rays, else the label's (by_rays: below) */
        double conf = by_clear ? clamp01(0.5 + 0.5 * (m[i].ring_clear - clear_closed) / fmax(1 - clear_closed, 1e-6))
                               : label_conf;
        /* rays closed past the page's own, but by nothing clear of the
         * outline beyond the page's own noise and by no stroke along it:
         * the box's own outline, swollen or moved past its print by the
         * sheet's warp, closes them as well as a tight circle hugging it
         * (fresh seed 8101 --warp 2 7B6XT7J5 q5r "4": rays 1.00 against the
         * page's 0.65, clear rays 0.04 against its 0.02, no stroke along
         * the outline, read as circled; a pen circle on such a page leaves
         * clear rays somewhere: 0.12-0.44 seen). A person looks */
        if (pen && by_rays && m[i].ring_clear <= clear_at + RING_NOISE && m[i].ring_hug_mm2 <= 0 && !by_label) {
            d[i] = plain;
            decide_rays_to_a_person(&d[i]);
            continue;
        }
        if (pen && (by_rays || by_clear || by_label) && crease_remnant_ring(&m[i], near_min)) {
            d[i] = plain;
            circle_on_black_crease(&d[i]);
        } else if (pen && (by_rays || by_clear || by_label)) {
            d[i] = plain;
            d[i].state = BOX_MARKED;
            d[i].circled = 1;
            d[i].dot = 0;
            d[i].ink_near = 0;
            d[i].confidence = by_rays ? clamp01(0.5 + 0.5 * (r - closed) / fmax(1 - closed, 1e-6)) : conf;
        } else if (d[i].circled) {
            d[i] = plain;
        }
    }
    free(labels);
    free(empty_near);
    free(clear);
}

/* A line drawn all round the box at nearly one distance from it, clear of
 * its outline (demote_page_rings, below) */
static int traced_round(const box_measure *m) {
    return m->ring_traced >= RING_TRACED_ROUND && m->ring_clear >= RING_MIN && m->ring_clear_gap <= RING_GAP_MAX;
}

/* The page's ray level away from its pen circles: the median over the
 * boxes that are no circle and lie over NOISE_APART_MM from every circle
 * that stands apart with a pen's line (its ink round the box, or traced
 * all round). A hand that circles closes part of its neighbours' rays
 * with each circle, and a page of such circles looks speckled by its own
 * hand (fresh seed 8393 --folds --warp 1, 69S9FR4S page 1: nine circles,
 * the median box's rays 0.125 closed; a tight circle round q2e's "5",
 * 0.85 closed with 2.72 mm^2 of ink round the box, went to a person as
 * "rays alone on a speckled page"). Specks close rays away from any pen
 * line too; with fewer than NOISE_APART_BOXES such boxes, the whole page's
 * level. */
#define NOISE_APART_MM 14.0
#define NOISE_APART_BOXES 8
static double noise_apart_from_circles(const box_measure *m, const box_decision *d, size_t n, double background,
                                       double pen_near) {
    double *rings = malloc((n ? n : 1) * sizeof *rings);
    size_t *pen = malloc((n ? n : 1) * sizeof *pen);
    if (!rings || !pen) {
        free(rings);
        free(pen);
        return background;
    }
    size_t n_pen = 0, kept = 0;
    for (size_t j = 0; j < n; j++)
        if (d[j].circled && box_ring(&m[j]) >= background + RING_ABOVE_PAGE &&
            (m[j].near_mm2 >= pen_near || traced_round(&m[j])))
            pen[n_pen++] = j;
    for (size_t i = 0; i < n; i++) {
        int apart = !d[i].circled;
        for (size_t k = 0; k < n_pen && apart; k++)
            apart = hypot(m[i].box_x_mm - m[pen[k]].box_x_mm, m[i].box_y_mm - m[pen[k]].box_y_mm) > NOISE_APART_MM;
        if (apart)
            rings[kept++] = level_ring(&m[i]);
    }
    double level = kept >= NOISE_APART_BOXES && kept < n ? omr_sort_middle(rings, kept) : background;
    free(rings);
    free(pen);
    return level;
}

/* Rays closed within the band round the box's own outline and nowhere
 * else: none clear of it beyond what the boxes around it show (their
 * ring_clear), no stroke along the outline thicker than the page prints
 * its outlines (ring_hug_mm2: a tight circle hidden in the band thickens
 * it), and no more ink round the box than an empty one may hold
 * (near_max_mm2). On a speckled page that is the box's own outline, bled
 * or moved off its print, not a circle broken into specks, whose specks
 * lie clear of the outline too (fresh seed 8403 --folds --warp 1, ZF43TRAD
 * q2e "3": an empty box, rays 0.83 closed, 0.02 of them clear of the
 * outline, 0.04 mm^2 round it, sent to a person beside the tick that
 * answered) */
static int closed_by_own_outline(const calibration *c, const box_measure *m, double clear_round) {
    return m->ring >= RING_MIN && m->ring_gap <= RING_GAP_MAX && m->ring >= m->label_ring &&
           m->ring_hug_mm2 <= 0 && m->near_mm2 <= c->near_max_mm2 && m->ring_clear <= clear_round + RING_NOISE;
}

static void demote_page_rings(const calibration *c, const box_measure *m, box_decision *d, size_t n) {
    if (n < 4)
        return;
    double background = decide_page_ray_level(m, n, RAYS_EITHER);
    if (background < 0)
        return;
    if (background >= RING_MIN) {
        bled_page_circles(c, m, d, n, background);
        return;
    }
    /* a barely closed circle (under RING_CLEAR of the directions) is read only
     * from a hand that circles: two or more clear circles on the page, as a
     * dot is read only from a dotter; or when it leaves round its box the
     * ink of a pen circle, far above the page's empty boxes (the evidence a
     * circle on a bled page is read by: seed 8581 YG9848M8, a black circle
     * closing 58% of the directions with 9.0 mm^2 of ink round its box on a
     * page whose empty boxes carry 0.1, went to review) */
    double pen_near = decide_page_circle_near(c, m, n);
    int noisy = background >= RING_NOISE &&
                (pen_near < 0 || noise_apart_from_circles(m, d, n, background, pen_near) >= RING_NOISE);
    int clear = 0;
    for (size_t i = 0; i < n; i++)
        clear += d[i].circled && box_ring(&m[i]) >= RING_CLEAR && box_ring(&m[i]) >= background + RING_ABOVE_PAGE;
    /* the rays clear of the outline, for a page whose print nearly closes
     * every box's first rays (below) */
    double clear_level = decide_page_ray_level(m, n, RAYS_CLEAR);
    double *clear_of = clear_rays_of(m, n);
    for (size_t i = 0; i < n; i++) {
        if (!d[i].circled)
            continue;
        double r = box_ring(&m[i]);
        /* no more ring than the page's own (its print, its noise); but where
         * the print nearly closes every box's rays, a circle still stands
         * apart as on a bled page, by its rays clear of the outline and a
         * pen's ink round the box (fresh seed 8371 KWGUXREV q4a1: a harsh
         * page whose median box's rays were 0.44 closed, under the bled
         * page's 0.45; a circle three boxes wide over two lines of print,
         * 0.75 of its rays closed clear of the outline against 0.0 round
         * its neighbours, 15.7 mm^2 of ink round the box, went to review) */
        if (r < background + RING_ABOVE_PAGE &&
            !(pen_near >= 0 && clear_level >= 0 &&
              clear_rays_apart(&m[i], clear_rays_round(m, clear_of, n, i, clear_level), pen_near))) {
            d[i] = decide_without_rings(c, &m[i]);
            continue;
        }
        if (crease_remnant_ring(&m[i], pen_near)) {
            circle_on_black_crease(&d[i]);
            continue;
        }
        if (specks_round(&m[i])) {
            /* rays closed by the specks of a grey panel, no pen line among
             * them: a person looks (a circle a scan broke into specks must
             * not be read as blank either) */
            decide_rays_to_a_person(&d[i]);
            continue;
        }
        /* ... or a line drawn all round the box at nearly one distance
         * from it: an oval far out, beyond the zone ink near the box is
         * counted in, leaves little ink there (fresh seed 8371 XW7XM2EV
         * q2d: an oval 20 by 15 mm round "5" on a speckled page, every
         * ray closed and traced, 1.03 mm^2 round the box, went to review).
         * Specks close rays at any distance, and a bled outline's rays
         * nearly as far as each other but not all round: over three fresh
         * sets, rays an empty box's specks or outline closed were traced
         * 0.71 of the way round at most, a pen's circle 0.33-1.00. The line
         * lies clear of the box's outline, its rays clear of it closed all
         * round too: a 1-bit outline a bent sheet moved off its print is
         * traced all round as well, just outside the print (8336 SREJ7Y3V
         * q4a "Nej": 0.94 traced, 0.04 of the rays clear of it closed) */
        int pen_line = (pen_near >= 0 && m[i].near_mm2 >= pen_near) || traced_round(&m[i]);
        if (!pen_line && noisy && clear_level >= 0 &&
            closed_by_own_outline(c, &m[i], clear_rays_round(m, clear_of, n, i, clear_level))) {
            d[i] = decide_without_rings(c, &m[i]);
            continue;
        }
        if (!pen_line && noisy) {
            /* rays alone on a speckled page (a fax, a scan of the glass):
             * they meet specks all round a box now and then (seed 8291
             * NB9KYZN5 q2c: 0.73 of an empty box's rays, with 0.04 mm^2 round
             * it, on a page whose median box has 0.15). Without the ink of a
             * pen line round the box, a person looks; never blank */
            decide_rays_to_a_person(&d[i]);
            continue;
        }
        if (r >= RING_CLEAR || clear >= 2 || pen_line)
            continue;
        decide_rays_to_a_person(&d[i]);
    }
    free(clear_of);
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
        double at = level;
        if (specks_round(&m[i]) && d[i].state == BOX_BLANK && d[i].ink_near && m[i].near_share > 0)
            at = fmax(at, SPECKLE_NEAR_OVER * local_median(m, near, n, i, SPECKLE_NEAR_WITHIN_MM, SPECKLE_NEAR_BOXES) *
                                  m[i].near_mm2 / m[i].near_share);
        if (at >= 0 && d[i].state == BOX_BLANK && !d[i].circled && d[i].ink_near &&
            m[i].near_mm2 <= c->near_max_mm2 + at)
            d[i].ink_near = 0;
        if (bled && d[i].state == BOX_BLANK && !d[i].circled && d[i].ink_near &&
            beyond[i] <= c->near_max_mm2 + beyond_level)
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
        double level = local_median(m, fills, n, i, INFINITY, DUST_BOXES);
        double paper = specks_round(&m[i]) ? m[i].paper_share : -1;
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
        as_paper += paper_level(&m[i]) >= SPECKLED_PAPER && m[i].fill >= c->mark_min &&
                    m[i].fill <= paper_level(&m[i]) + AS_ITS_PAPER;
    if (as_paper < SPECKLED_BOXES)
        return;
    double *speckled = malloc(n * sizeof *speckled);
    for (size_t i = 0; speckled && i < n; i++)
        speckled[i] = paper_level(&m[i]) >= SPECKLED_PAPER ? paper_level(&m[i]) : NAN;
    for (size_t i = 0; i < n; i++) {
        if (m[i].fill < c->mark_min)
            continue;
        if (paper_level(&m[i]) >= SPECKLED_PAPER) {
            d[i] = decide_in_speckle(c, &m[i], paper_level(&m[i]));
        } else if (m[i].crease_along && speckled) {
            double beside = local_median(m, speckled, n, i, PANEL_EDGE_MM, SPECKLED_BOXES);
            if (beside >= SPECKLED_PAPER)
                d[i] = decide_in_speckle(c, &m[i], beside);
        }
    }
    free(speckled);
}

/* decide_page's judgements by the page's own hand and paper */
static void judge_by_page(const calibration *c, const box_measure *m, box_decision *d, size_t n) {
    speckled_paper(c, m, d, n);
    /* rings, pale traces and ink near first, against the page's own level of each */
    demote_page_rings(c, m, d, n);
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
    for (size_t i = 0; i < n; i++) {
        /* a dot clear of this page's blanks (and not a speck beside the
         * hand's other dots): a mark if the hand dots (here, or on the
         * form as a whole: decide_form_dots) */
        d[i].dot_clear = d[i].dot && m[i].core_mm2 >= 1.5 * speck && m[i].core_mm2 >= DOT_OF_HAND * dot_median &&
                         m[i].fill >= paper + 0.005;
        if (d[i].dot_clear && dotter) {
            d[i].state = BOX_MARKED;
            d[i].confidence = clamp01(0.5 + 0.5 * (m[i].core_mm2 / speck - 1.5) / 4);
        } else if (d[i].faint && faint >= 2 && firm == 0 && circles == 0) {
            /* the whole page in very light pencil: its traces are its marks.
             * Not on a page the hand circles: its marks are its circles, and
             * pale traces in boxes there are something else (the back of a
             * thin sheet showing through: make_variants show_through,
             * HNYJ3G8X, pencil circles and four traces of the back's print
             * read as marks, q5r "8" silently) */
            d[i].state = BOX_MARKED;
            d[i].confidence = clamp01(0.5 + 0.5 * (m[i].faint_fill - c->mark_min) / c->mark_min);
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
