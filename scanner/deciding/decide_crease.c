/*
 * decide_crease.c — what a fold's crease left in the boxes, judged on the
 * page (decide.h): a thin straight stroke along the crease right across a
 * box, or a line running on past it (decide_crease_traces), and the bits a
 * cleaned crease leaves where the sheet's warp bent it off its fitted line
 * (decide_crease_residues). Such a box is the crease's: unsure and
 * `creased`, dropped beside a firm mark of its question, else a person
 * looks; it counts for no hand on its page. Called by decide_page
 * (decide.c).
 */
#include "deciding/decide.h"

#include <math.h>
#include <stdlib.h>

/* A crease drawn black (a 1-bit scan) runs through the box */
static int black_crease_through(const box_measure *m) {
    return m->crease_along && m->crease_darkness >= CREASE_GREY_MAX;
}

/* A fold's crease left in a box (crease_clean missed it: a 1-bit crease
 * the page's warp moved off its fitted line, kept where the mask says the
 * outline is; or one never found): the box's ink is one thin straight
 * stroke along the page's x or y right across the box. Seed 8002
 * 4T8TRZ8S q5r "2": 0.09 of the box, 0.40 mm wide, 3 degrees off x, read
 * as a cross beside the answer, silently; seed 7601 TE9378XX q5r "1 5" and
 * NPMNTW3F "2 6" the same, at 0.14-0.36 and up to 1.15 mm wide. A
 * respondent's dash or bar looks so too, alone: the stroke is a crease's
 * when a crease was found running through the box along it, or another
 * box shows the same stroke along x at the same height and at both the
 * line runs on beside the box (line_beyond; seed 7601 NPMNTW3F 1.00). A
 * hand's dashes along a row stop at each box (held-out 2603 L73P5QKK q5r
 * "1 5 6": 0.00, read "6" on the height alone); its bars down a column of
 * a grid line up along y, so a column is no evidence. A line that runs on
 * straight far past the box on one side, along x or y, is no hand's mark
 * in it either: the edge of the mailroom's date stamp, a scanner's streak,
 * a line drawn down a column (make_variants received_stamp, S8M55YUW q4a1:
 * the stamp's frame through "Vet ej", 10 mm on above the box, read "3"
 * beside a solid "Ja", silently); a hand's bar or dash stops within 2 mm.
 * Such a box is unsure, and its question goes to a person. */
#define LINE_WIDTH_MAX_MM 1.5 /* a crease's stroke: up to 1.15 mm seen; a cross's ink is 2.5-3.5 mm wide */
#define LINE_SPAN_MIN 0.9     /* ... spanning the box (1.1-1.34 seen; a dot's span is far less) */
#define CREASE_WIDTH_SLACK_MM 0.2 /* ... or as wide as the crease found along it, give or take this */
#define LINE_AXIS_DEG 15      /* ... within this of the page's x or y (0-11 seen) */
#define LINE_SAME_MM 0.6      /* two boxes' strokes at the same height, give or take this ... */
#define LINE_SLOPE 0.03       /* ... and this per mm between them (creases run at up to 0.018) */
#define LINE_BEYOND_MIN 0.5   /* ... and the line dark on this share of the paper beside each box */
#define LINE_RUNS_ON_MIN 0.75 /* a line dark on this share of the paper 2-10 mm past one side */
#define LINE_THROUGH_MIN 0.9  /* ... and on this share both sides together and on either: through the box */
#define CREASE_STROKE_OVER 0.3 /* a stroke this much darker than the crease through its box is ink */

/* The box's ink lies along the page's x (1), its y (2), within
 * LINE_AXIS_DEG, or neither (0) */
static int ink_axis(const box_measure *m) {
    return m->ink_axis_deg <= LINE_AXIS_DEG ? 1 : m->ink_axis_deg >= 90 - LINE_AXIS_DEG ? 2 : 0;
}
/* What the crease left, or may have: the box is unsure, a person looks;
 * `creased`: the crease's, dropped beside a firm mark of its question */
static box_decision for_a_person(const box_decision *was, int creased) {
    return (box_decision){.state = BOX_UNSURE, .creased = creased, .ink_near = was->ink_near, .fill = was->fill};
}

/* 1 if the box's ink is one thin straight stroke along x right across it,
 * 2 along y, else 0 (also when the box holds no more than a blank: the
 * shape's window may take in a sliver of outline the fill leaves out) */
static int straight_stroke(const calibration *c, const box_measure *m) {
    if (m->fill <= c->blank_max || m->ink_width_mm <= 0 || m->ink_span < LINE_SPAN_MIN)
        return 0;
    int along = ink_axis(m);
    /* ... no wider than a crease's stroke, or than the crease found along
     * it (fresh seed 8337 --folds --warp 1, 7K5NAAYE q1b "5": a black
     * crease's band 1.61 mm wide across an empty box, read as a cross) */
    double widest = along ? fmax(LINE_WIDTH_MAX_MM, m->crease_width_mm[along - 1] + CREASE_WIDTH_SLACK_MM)
                          : LINE_WIDTH_MAX_MM;
    return m->ink_width_mm <= widest ? along : 0;
}

/* A line along a black crease found through the box, spanning it, wider
 * than a crease's stroke but narrower than a cross: what a 1-bit crease the
 * sheet's warp moved off its fitted line leaves beside a sliver of the
 * outline the page swells into the box (fresh seed 8443 --folds --warp
 * 1.2, 2M9KXQQ6 q5r "1": the crease 0.9 mm off its line through the empty
 * "Kön", kept inside the box, in two pieces 2.12 mm across with the
 * sliver, read as a mark beside the cross that answered, silently). A flat
 * tick may look so too: such a box, read as marked, is unsure, never
 * dropped as the crease's, and a person looks. */
#define CROSS_WIDTH_MIN_MM 2.5
static int wide_on_black_crease(const calibration *c, const box_measure *m) {
    int axis = ink_axis(m);
    return axis && black_crease_through(m) && (m->crease_along & axis) && m->fill > c->blank_max &&
           m->ink_span >= LINE_SPAN_MIN && m->ink_width_mm > 0 && m->ink_width_mm < CROSS_WIDTH_MIN_MM;
}

void decide_crease_traces(const calibration *c, const box_measure *m, box_decision *d, size_t n) {
    for (size_t i = 0; i < n; i++) {
        int along = straight_stroke(c, &m[i]);
        /* ... or, whatever its width, ink on a dark line that runs on
         * across the paper on both sides of the box (a black crease no
         * crease search found, widened by the speckled panel it bounds:
         * fresh seed 8335 --folds --warp 1, MXCS29Y4, every box of one
         * column 0.67-0.93 ink, 2.4-3.2 mm wide along y, the line dark on
         * 0.94-1.00 of the paper beyond; q2b read "4" beside the solid
         * "5" that answered, q3a "4" for no answer, silently). A crease
         * found along that line was cleaned off the box, and the box is
         * judged as it is (the line is measured on the page as scanned) */
        int line_axis = m[i].ink_axis_deg >= 45 ? 2 : 1; /* the axis line_beyond was measured along */
        int through = m[i].line_beyond >= LINE_THROUGH_MIN && m[i].line_one_side >= LINE_THROUGH_MIN &&
                      !(m[i].crease_along & line_axis);
        /* a circle round the box is its mark, whatever is inside */
        if (d[i].state == BOX_BLANK || d[i].state == BOX_SOLID || d[i].circled)
            continue;
        if (!along && !through) {
            if (d[i].state == BOX_MARKED && wide_on_black_crease(c, &m[i]))
                d[i] = for_a_person(&d[i], 0);
            continue;
        }
        /* ... a crease no darker than the stroke by far: a pen's dash along
         * a faint crease, darker than the crease's cleaning takes out, is
         * the hand's (held-out 2613 5TN278DQ q5r: a black dash along a
         * crease 26 levels deep dropped beside the other answer, "7" for
         * "6 7", silently) */
        int crease = (m[i].crease_along & along) != 0 && m[i].darkness <= m[i].crease_darkness + CREASE_STROKE_OVER;
        for (size_t j = 0; j < n && !crease && along == 1 && m[i].line_beyond >= LINE_BEYOND_MIN; j++)
            crease = j != i && straight_stroke(c, &m[j]) == 1 && m[j].line_beyond >= LINE_BEYOND_MIN &&
                     fabs(m[j].ink_y_mm - m[i].ink_y_mm) <= LINE_SAME_MM + LINE_SLOPE * fabs(m[j].ink_x_mm - m[i].ink_x_mm);
        /* a line running on past the box, no crease found: unsure, never
         * dropped beside a firm mark as a crease's stroke is (a stamp's
         * frame lies over its digits, and they over the next box). A 1-bit
         * scan draws a faint crease in dashes: the stroke's line dark on half
         * the paper past both sides is no hand's dash either, which stops
         * within 2 mm of the box (fresh seed 8437 --folds --warp 0.5, a fax,
         * EPKSE4ZR q5r: a crease no search found, dashed through the empty
         * "Sexuell läggning" and on, 0.55 of the paper dark on each side,
         * read "6", silently). Each side's share: the two sides' together
         * (line_beyond) twice over, less the darker side's */
        int dashed_on = along && m[i].line_one_side >= LINE_BEYOND_MIN &&
                        2 * m[i].line_beyond - m[i].line_one_side >= LINE_BEYOND_MIN;
        int runs_on = m[i].line_one_side >= LINE_RUNS_ON_MIN || through || dashed_on;
        if (!crease && !runs_on)
            continue;
        d[i] = for_a_person(&d[i], crease);
    }
}

/* What cleaning a crease leaves where the page's warp bent it off its
 * fitted line: bits of the crease in the boxes it runs through, read as a
 * dot in each box along it.
 * - A grey crease's bits are as dark as the crease and no darker (fresh seed
 *   8331 --folds --warp 1, 2929NU3Z q6: a crease 0.25 deep through all ten
 *   boxes, bits of 0.23-0.25 in eight of them; six read as the dots of a
 *   dotting hand, one marked at confidence 1). Ink darker than the crease by
 *   CREASE_RESIDUE_OVER is the hand's. Where the crease runs along the top
 *   of the boxes, what it leaves is a pale band across them, read as a
 *   faint trace, not a dot (fresh seed 8342 6T8UZD8T q2c: a 0.27 crease at
 *   the top of all five boxes, traces of 0.22-0.24 in two, dots of 0.28-0.29
 *   in two, the cross in the fourth sent to review): those count too.
 * - On a black 1-bit crease darkness tells nothing; its bits lie where the
 *   crease crosses the box's outline, hugging it: too little ink beyond the
 *   outline's margin to have a shape, or its centre CREASE_CROSSING_MM and
 *   more from the box's centre along the crease (fresh seed 8337 --folds
 *   --warp 1, B7T74WRQ: a vertical crease down the "4" column of a dotting
 *   hand's page left a bit 2 mm below the centre of four boxes; q2d read
 *   "4" for no answer at 0.52, the other three went to review as doubles).
 *   A hand's dot lies inside the box, well off its outline.
 * Such bits lie along the crease, CREASE_RESIDUE_BOXES and more within
 * CREASE_RESIDUE_BAND_MM of one line; a hand's pencil dot as pale as a
 * crease is alone on it (seed 8304 FM4ECVZG q4c "3"). So is a bit the
 * crease left in one box only (fresh seed 8443 --folds --warp 1.2, 27ETFX45
 * q5r: a crease 0.27 deep along the tops of a row, a bit 0.25 dark in
 * "Sexuell läggning", read as a dotting hand's dot, "6" for no answer,
 * silently; the hand's pencil dots on that page were 0.35-0.37 dark). A
 * crease's bit is the crease: no darker than it (0.02-0.05 paler over six
 * such bits of four fresh sets), where a pencil dot on it adds its own
 * grey (0.04-0.05 darker: 8304 FM4ECVZG, 8447 9N645EA7). A dot alone on
 * the crease and no darker than it (CREASE_BIT_ALONE_OVER) is unsure, not
 * the crease's, and a person looks. A black crease's bit
 * at the outline counts alone: cleaned up to the print as the map places
 * it, a bent sheet's crease may leave one (seed 8336 --warp 2 FYR2V52N q6:
 * 0.02 at the side of box 1 beside the solid "4", read so). So does a grey
 * crease's bit read as a dot that hugs the outline, no ink beyond the
 * outline's margin to have a shape: a hand's dot lies inside the box, and a
 * pencil dot on a crease has its shape (fresh seed 8436 --folds --warp 1.5
 * --quick, 5UNDC7YG q5r: a crease 0.26 deep along the top of two boxes, its
 * shadow 0.22 along the inside of one's top outline, read as a dotting
 * hand's dot, "5" beside the crosses "4 8", silently). A pale trace as
 * shapeless is judged as before: rubbed out beside a firm mark, else a
 * person's. Such a box is the crease's (unsure, creased: dropped beside a
 * firm mark of its question, else a person looks) and counts for no hand
 * on its page. */
#define CREASE_RESIDUE_OVER 0.1
#define CREASE_BIT_ALONE_OVER 0.02
#define CREASE_RESIDUE_BOXES 3
#define CREASE_RESIDUE_BAND_MM 1.5
#define CREASE_CROSSING_MM 1.5
static int at_crease_crossing(const box_measure *m) {
    if (m->compact == 0)
        return 1; /* no shape: too little ink beyond the outline's margin */
    if (m->compact < STREWN_COMPACT && m->ink_span >= STREWN_SPAN)
        return 1; /* bits at both sides: centred, but spread (FYR2V52N below: 0.09) */
    double along_x = fabs(m->ink_x_mm - m->box_x_mm), along_y = fabs(m->ink_y_mm - m->box_y_mm);
    return ((m->crease_along & 1) && along_x >= CREASE_CROSSING_MM) ||
           ((m->crease_along & 2) && along_y >= CREASE_CROSSING_MM);
}
/* A grey crease runs through the box and the box's ink is no darker than
 * it (CREASE_RESIDUE_OVER): what the crease left, as far as darkness tells */
static int as_pale_as_grey_crease(const box_measure *m) {
    return m->crease_along && !black_crease_through(m) && m->crease_darkness > 0 &&
           m->darkness <= m->crease_darkness + CREASE_RESIDUE_OVER;
}
static int crease_dark_bit(const calibration *c, const box_measure *m, const box_decision *d) {
    int small = d->dot || (d->state == BOX_UNSURE && m->fill < c->mark_min);
    if (!m->crease_along || !small || d->circled)
        return 0;
    if (black_crease_through(m))
        return at_crease_crossing(m);
    return as_pale_as_grey_crease(m);
}
/* Where a bit lies across the crease: its ink's centre, or the box's where
 * the ink has no shape. */
static double across_crease(const box_measure *m, int along) {
    if (m->compact == 0)
        return (along & 1) ? m->box_y_mm : m->box_x_mm;
    return (along & 1) ? m->ink_y_mm : m->ink_x_mm;
}
void decide_crease_residues(const calibration *c, const box_measure *m, box_decision *d, size_t n) {
    unsigned char *bit = malloc(n ? n : 1);
    if (!bit)
        return; /* without room, every box keeps its own judgement */
    for (size_t i = 0; i < n; i++)
        bit[i] = (unsigned char)crease_dark_bit(c, &m[i], &d[i]);
    for (size_t i = 0; i < n; i++) {
        if (!bit[i])
            continue;
        int in_row = 0;
        for (size_t j = 0; j < n; j++) {
            int along = m[i].crease_along & m[j].crease_along;
            double apart = fabs(across_crease(&m[j], along) - across_crease(&m[i], along));
            in_row += bit[j] && along && apart <= CREASE_RESIDUE_BAND_MM;
        }
        if (in_row >= CREASE_RESIDUE_BOXES || black_crease_through(&m[i]) || (d[i].dot && m[i].compact == 0))
            d[i] = for_a_person(&d[i], 1);
        else if (d[i].dot && m[i].darkness <= m[i].crease_darkness + CREASE_BIT_ALONE_OVER)
            /* a dot alone on a grey crease and no darker than it: the
             * crease's bit, or a dot too pale to tell from it; a person looks */
            d[i] = for_a_person(&d[i], 0);
    }
    free(bit);
}

/* A grey crease found through the box (not a black 1-bit one, which can
 * hide a dot) and nothing dark in the box, only a pale trace: the shoulders
 * of the crease, paler than ink (INK_DARKNESS) and left by its cleaning,
 * fill part of the band a crease crosses the box in (fresh seeds 8533
 * 4FQMY9Y7 q5r "Sexuell läggning": 0.098 of it pale under a crease 0.27
 * deep; 8534 7BUSWSK4; over twelve fold sets, 18 boxes so, every one
 * empty, three the only unsure box of a question with no mark, each to a
 * person). What little dark ink the box holds is no darker than the
 * crease (CREASE_RESIDUE_OVER): a mark rubbed out leaves darker remnants,
 * and is judged as any such trace. decide_page asks the page's hand too:
 * a very light pencil marks as pale as this */
int decide_grey_crease_trace(const calibration *c, const box_measure *m, const box_decision *d) {
    return d->state == BOX_UNSURE && d->faint && !d->dot && !d->circled && !d->speckled && !d->creased &&
           m->fill <= c->blank_max && as_pale_as_grey_crease(m);
}
