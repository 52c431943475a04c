/*
 * decide_form.c — decisions across a form and its template: the hand counted
 * over the whole form (decide_form_dots, decide_form_denies_dots, reading or
 * leaving its unsure dots), a circle's spill and rivals among the boxes
 * round it on the template, boxes whose printed outline went unseen, and
 * ink between two boxes of a question that reads nothing.
 * Each box and page is decided first (decide.c); questions last
 * (question.c).
 */
#include "deciding/decide.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>

/* The hand is counted by question, not by box: answering a question is one
 * act of the hand, whatever it leaves. A multi-choice question ticked three
 * times, or a correction (a box filled to withdraw it beside the cross that
 * answers), is one question answered with firm marks, not two or three; a
 * question whose only ink is a dot is one answered with a dot. Counted by box,
 * a dotter with two corrections and a ticked multi-choice question came out
 * "more crosses than dots" and each dot went to review (issue 9). */
/* The questions of the form answered by a dot alone, by a firm mark, by a
 * circle alone (decide_form_dots). 0 without room to count. */
static int count_form_hand(const omr_template *t, box_decision *const *pages, size_t n_pages, int *dots_out,
                           int *firm_out, int *circles_out) {
    int dots = 0, firm = 0, circles = 0;
    size_t *offset = calloc(n_pages ? n_pages : 1, sizeof *offset);
    if (!offset)
        return 0;
    for (size_t i = 0; i < t->n_questions; i++) {
        const template_question *q = &t->questions[i];
        assert(q->page >= 1);
        size_t p = (size_t)q->page - 1;
        if (p >= n_pages)
            continue;
        size_t from = offset[p];
        offset[p] += q->n_boxes;
        if (!pages[p])
            continue;
        int dot = 0, plain = 0, solid = 0, erased = 0, circle = 0;
        for (size_t k = from; k < from + q->n_boxes; k++) {
            const box_decision *b = &pages[p][k];
            dot |= b->dot && (b->state == BOX_MARKED || b->state == BOX_UNSURE);
            circle |= b->circled && b->state == BOX_MARKED;
            plain |= b->state == BOX_MARKED && !b->circled && !b->dot;
            solid |= b->state == BOX_SOLID;
            erased |= b->faint && b->state == BOX_UNSURE;
        }
        int mark = plain || solid;
        /* a dot beside a firm mark in one question is no answer by dot */
        dots += dot && !mark;
        /* the hand's own way of answering is its plain marks: a question
         * answered with a correction (a box filled or rubbed out beside the
         * cross) is marked as the form's rule prints it, whoever answers, and
         * a box filled solid is a fill, of a dotter as of a crosser; neither
         * says whether the hand crosses or dots (seed 6833 XBQYC974: a
         * dotter's four dots beside four crosses and ticks, one lone fill,
         * three corrections: its dots went to review) */
        firm += plain && !solid && !erased;
        circles += circle && !mark;
    }
    free(offset);
    *dots_out = dots, *firm_out = firm, *circles_out = circles;
    return 1;
}

int decide_form_dots(const omr_template *t, box_decision *const *pages, size_t n_pages) {
    assert(t && (pages || n_pages == 0));
    int dots, firm, circles;
    if (!count_form_hand(t, pages, n_pages, &dots, &firm, &circles))
        return 0; /* without room to count, no dot is read by the form's hand */
    return dotting_hand(dots, firm, circles);
}

int decide_form_denies_dots(const omr_template *t, box_decision *const *pages, size_t n_pages) {
    assert(t && (pages || n_pages == 0));
    int dots, firm, circles;
    if (!count_form_hand(t, pages, n_pages, &dots, &firm, &circles))
        return 1; /* without room to count, no dot is read by a hand */
    return firm + circles >= 2 * dots;
}

/* A circle (or oval) drawn round a box of one question often reaches the
 * box above or below it, in the next question (ekb-2024's rows stand 14 mm
 * apart; ink near a box is counted 2.4 mm round it, measure_near_zone).
 * That ink is the circle's, not a mark beside the other box (seeds 6029,
 * 7333, 8581: 2.1-2.8 mm^2 beside blank boxes under or over a circled box;
 * 1 form in review needlessly on 7333). A circle read from the rays lies
 * within their reach, 2.6 box sides from its box's centre (measure_rings);
 * its ink is attributed while it is less than any circle round the other
 * box itself would leave: less than the thinnest pen's smallest circle
 * (CIRCLE_NEAR_MIN_MM2), or less than half of what this hand's circle
 * leaves round its own box (CIRCLE_SPILL_SHARE). A circle's arc that
 * passes by another box lies on one side of it, the near zone of the
 * other box takes in less than half of it, while the same pen drawn round
 * the other box would leave there about what it leaves round its own (a
 * wide oval, a 1-bit scan's thick line: seeds 6833 BFKZVJNA and NNBQ43XK,
 * 5903 TYYCBQGY, 4.2-5.1 mm^2 beside a blank box from circles leaving
 * 12-18 mm^2 round their own, three forms in review needlessly). More goes
 * to review as before. */
#define CIRCLE_SPILL_SHARE 0.5
#define CIRCLE_CLEAR_OPEN 0.5 /* rays clear of the outline open over half a turn: no circle there */
#define CIRCLE_REACH_SIDES 2.6 /* the rays' reach (reading/measure.c, measure_rings) */
#define NEAR_GROW_MM 2.4       /* the near zone round a box (reading/measure.h) */
static double rect_distance(omr_rect r, double x, double y) {
    double dx = fmax(fmax(r.x - x, 0), x - (r.x + r.w));
    double dy = fmax(fmax(r.y - y, 0), y - (r.y + r.h));
    return sqrt(dx * dx + dy * dy);
}
/* Does a circle round box `circled` reach `box`? (its rays' reach from
 * the circled box's middle, and the zone ink near a box is counted in) */
static int within_circle_reach(omr_rect box, omr_rect circled) {
    double reach = CIRCLE_REACH_SIDES * fmax(circled.w, circled.h) + NEAR_GROW_MM;
    return rect_distance(box, circled.x + circled.w / 2, circled.y + circled.h / 2) <= reach;
}

/* The n boxes of page `page` in template order: each one's question index
 * and, when `box` is given, its template box. 0 when the template's boxes
 * on that page do not fill all n (the page and its template disagree). */
static int page_boxes(const omr_template *t, int page, size_t n, size_t *question, const template_box **box) {
    size_t k = 0;
    for (size_t i = 0; i < t->n_questions; i++)
        if (t->questions[i].page == page)
            for (size_t b = 0; b < t->questions[i].n_boxes && k < n; b++, k++) {
                question[k] = i;
                if (box)
                    box[k] = &t->questions[i].boxes[b];
            }
    return k == n;
}

/* A firm mark whose strokes run out of its box (a tick's tail, a cross's
 * overshoot: its own ink near above near_max_mm2) reaches the near zone of
 * the box above or below it in its question where the two zones overlap
 * (boxes under 2 x NEAR_GROW_MM apart: ekb-2024's stacked options, 3 mm).
 * Ink there is counted round both boxes; when the blank box holds no more
 * than the mark leaves round its own, it is that mark's (seed 7101
 * VEFHUY2T q4c, a pencil tick overshooting on a speckled 1-bit page: 2.79
 * mm^2 round the ticked box, 2.29 beside the blank one above it, review).
 * A mark beside the blank box meant for it leaves its own ink there, more
 * than the overshoot's share: it stays ink beside a box. */
static int overshoot_reaches(omr_rect marked, const box_measure *mm, const box_decision *md, omr_rect blank,
                             const box_measure *bm) {
    int firm = (md->state == BOX_MARKED && !md->circled) || md->state == BOX_SOLID;
    double dx = fmax(fmax(blank.x - (marked.x + marked.w), marked.x - (blank.x + blank.w)), 0);
    double dy = fmax(fmax(blank.y - (marked.y + marked.h), marked.y - (blank.y + blank.h)), 0);
    return firm && md->ink_near && bm->near_mm2 <= mm->near_mm2 && sqrt(dx * dx + dy * dy) < 2 * NEAR_GROW_MM;
}

void decide_circle_spill(const omr_template *t, int page, const box_measure *m, box_decision *d, size_t n) {
    assert(t && (n == 0 || (m && d)));
    const template_box **box = malloc((n ? n : 1) * sizeof *box);
    size_t *question = malloc((n ? n : 1) * sizeof *question);
    if (box && question && page_boxes(t, page, n, question, box)) /* else nothing is attributed */
        for (size_t i = 0; i < n; i++) {
            /* ink along the box's own outline on three sides or four
             * (`hugged`: measure_rings' outline_hug, judged when the page was
             * read, its rings not kept in the ledger) goes round the box: no
             * arc of a circle passing by, nor a mark's overshoot (fresh seed 8373
             * RC5U67P3 q3b: a tight circle on a bled page, 1.51 mm^2 of its
             * 3.78 along the outline, under q3a's circle leaving 24.6: read
             * blank, silently) */
            if (d[i].state != BOX_BLANK || !d[i].ink_near || d[i].circled || d[i].hugged)
                continue;
            for (size_t c = 0; c < n; c++) {
                if (question[c] == question[i] || !d[c].circled || d[c].state != BOX_MARKED)
                    continue;
                if (m[i].near_mm2 >= CIRCLE_NEAR_MIN_MM2 && m[i].near_mm2 >= CIRCLE_SPILL_SHARE * m[c].near_mm2)
                    continue; /* as much as a circle round the box itself */
                if (within_circle_reach(box[i]->rect, box[c]->rect)) {
                    d[i].ink_near = 0;
                    break;
                }
            }
            for (size_t k = 0; k < n && d[i].ink_near; k++)
                if (k != i && question[k] == question[i] && overshoot_reaches(box[k]->rect, &m[k], &d[k], box[i]->rect, &m[i]))
                    d[i].ink_near = 0;
        }
    free(box);
    free(question);
}

int decide_outlines_seen(const box_measure *m, size_t n) {
    assert(n == 0 || m);
    size_t seen = 0;
    for (size_t k = 0; k < n; k++)
        seen += m[k].outline_found != 0;
    return 2 * seen > n;
}

/* A side of a box's outline is hidden when it shows less than this share of
 * the darkness of the page's median box's weakest side (make_variants
 * sticky_note, 87SCAYAE q5r: a note's edge over the top of a filled box,
 * the fill's lower half and the note's shadow read as a cross beside the
 * answer, silently; the boxes wholly under it read blank at confidence 1).
 * Judged where the page's outlines show (their median side at least
 * OUTLINES_SHOW dark: a light 1-bit threshold that breaks every outline
 * into dots says nothing by it), and not on a box a crease runs through:
 * cleaning a crease that lies along a side takes the side with it (fresh
 * seed 8331 --folds --warp 1, 2929NU3Z q6 "1": a grey crease along its top,
 * 0.12 of the page's level left, sent to review as covered), nor where a
 * crease's band reaches the box though its line passes just outside (fresh
 * seed 8342 --folds --warp 2, DNAMFVMJ q5r "6": a black crease whose line
 * passed 0.6 mm above the box took its top side). */
#define HIDDEN_SIDE_SHARE 0.2
#define OUTLINES_SHOW 0.3
#define OUTLINES_MIN_BOXES 4
void decide_unseen_outlines(const box_measure *m, box_decision *d, size_t n) {
    assert(n == 0 || (m && d));
    if (!decide_outlines_seen(m, n))
        return;
    for (size_t k = 0; k < n; k++)
        if (!m[k].outline_found && (d[k].state == BOX_MARKED || d[k].state == BOX_SOLID)) {
            d[k].state = BOX_UNSURE;
            d[k].confidence = 0;
        }
    if (n < OUTLINES_MIN_BOXES)
        return;
    double *weakest = malloc(n * sizeof *weakest);
    if (!weakest)
        return; /* without room, no box is judged hidden */
    for (size_t k = 0; k < n; k++)
        weakest[k] = m[k].outline_weakest;
    double level = omr_sort_middle(weakest, n);
    free(weakest);
    if (level < OUTLINES_SHOW)
        return;
    for (size_t k = 0; k < n; k++)
        if (fmax(m[k].outline_weakest, m[k].outline_weakest_off) < HIDDEN_SIDE_SHARE * level && !d[k].circled &&
            !m[k].crease_along && !m[k].crease_band) {
            d[k].state = BOX_UNSURE;
            d[k].confidence = 0;
            d[k].hidden = 1;
        }
}

/* A barely closed circle beside a clear one of its question, within the
 * clear one's reach, that leaves round its box less than half the ink the
 * clear one leaves round its own (CIRCLE_SPILL_SHARE, as for a box of
 * another question: decide_circle_spill) is the clear circle's arc passing
 * by: an oval round one option's label crosses the labels above and below
 * (seed 7101 S22YZYUP q4c: option 2's label circled, its rays 0.92 closed
 * with 45.7 mm^2 of ink round it; option 3's label rays 0.46 closed by the
 * oval's lower arc, 15.4 mm^2; ZT25N559 q4c on a harsh page, 0.83 and 71.6
 * against 0.50 and 14.0). A second circle of the same pen round a box of
 * the same question closes its rays as well and leaves as much ink: that
 * stays two circles (decide_question). The arc's box is judged as if no
 * ray had been cast, its ink near being the circle's. */
/* A box the page sent to a person by its rays alone (decide_page: rays
 * closed, too few to stand as a circle; nothing in it; no speckle, cover
 * or black crease beside it), beside a clear circle of its
 * question, within that circle's reach, its rays clear of the outline open
 * over half a turn (CIRCLE_CLEAR_OPEN): the circle's arc closed them, with
 * another circle's above or below (fresh seed 8414 MQQEQB38 q2b: "4"
 * circled at 0.87, 18.5 mm^2 of ink round it; "5" beside it, 0.60 of its
 * rays closed by that circle and q2a's oval above, 0.02 mm^2 round it, its
 * clear rays 0.19 closed: "1 box unclear"; seed 8373 UU4UT6TZ q2d the
 * same). A circle of its own, however far out, closes its clear rays all
 * round. The arc leaves some of its ink round the box, less than half what
 * the circle leaves round its own, as for a box of another question
 * (decide_circle_spill): fresh seed 8432 K85PAZG9 q2e, "4" circled with
 * 11.7 mm^2 round it, "3" beside it with 0.88 of its rays closed and 4.5
 * mm^2 of the arc round it, its clear rays open 0.85 of a turn, went to a
 * person while only a box with no more ink than an empty one's was let
 * go. Such a box is judged as if no ray had been cast, its ink near being
 * the circle's. */
static int rays_alone_to_a_person(const calibration *c, const box_measure *m, const box_decision *d) {
    return d->state == BOX_UNSURE && !d->circled && d->ink_near && !d->dot && !d->faint && !d->creased &&
           !d->speckled && !d->hidden && !d->speck && !d->strewn && m->fill <= c->blank_max && !m->crease_along &&
           !m->crease_band;
}

static void circle_arcs(const calibration *c, const size_t *question, const template_box *const *box,
                        const box_measure *m, box_decision *d, size_t n, int bled) {
    for (size_t i = 0; i < n; i++) {
        if (!d[i].circled || d[i].state != BOX_MARKED)
            continue;
        /* read by its own rays alone on a page whose print closes every
         * box's: round the box (not its label), none clear of the outline
         * past RING_MIN (no wide circle), no stroke hugging the outline (no
         * tight one). Its confidence is the bled outline's, and says nothing
         * of an arc passing by */
        int outline_rays = bled && m[i].ring >= m[i].label_ring && m[i].ring_clear < RING_MIN &&
                           m[i].ring_hug_mm2 <= 0;
        for (size_t k = 0; k < n; k++) {
            if (k == i || !d[k].circled || d[k].state != BOX_MARKED)
                continue;
            /* a circle of another question closed clear of its outline all
             * round, beside a box whose clear rays stay open over half a
             * turn with less than half the ink round it: that circle's arc
             * passing by, or a tight circle of its own? A person says (fresh
             * seed 8553 --warp 1.5, GBTTWAWH: an oval round q1a's "2",
             * 14.4 mm^2 of ink, its lower arc closing 0.75 of the rays of
             * q1b's "2" below it, 0.21 of them clear of the outline, 5.3
             * mm^2 round it; read as q1b's answer, silently). Over 21
             * generator sets four tight circles of their own were so too
             * (0.10-0.35 of their clear rays closed), and go to a person
             * with it */
            if (question[k] != question[i]) {
                int passing = m[k].ring_clear_gap <= RING_GAP_MAX && m[i].ring_clear_gap >= CIRCLE_CLEAR_OPEN &&
                              m[i].near_mm2 < CIRCLE_SPILL_SHARE * m[k].near_mm2;
                if (passing && within_circle_reach(box[i]->rect, box[k]->rect)) {
                    decide_rays_to_a_person(&d[i]);
                    break;
                }
                continue;
            }
            int arc = d[i].confidence < CIRCLE_WEAK && d[k].confidence >= CIRCLE_STRONG &&
                      m[i].near_mm2 < CIRCLE_SPILL_SHARE * m[k].near_mm2;
            /* rays clear of the outline close round k and stay open round i
             * over half a turn: on a page whose print bleeds, every box's
             * rays are closed by its own outline, and its ink near may be
             * k's arc and a crease's remnant as much as a circle of its own
             * (fresh seed 8342 --folds --warp 2, 7PMK4A5C q5r "1 2", a tick-
             * all question: a circle round "1", its clear rays closed 0.90
             * with 21.9 mm^2 of ink; its lower arc and a crease under "2"
             * left 13.3 mm^2 round that box, whose clear rays stayed open
             * 0.77 of a turn; both read, silently). Whose ink that is, a
             * person says */
            int open_beside = m[k].ring_clear_gap <= RING_GAP_MAX && m[i].ring_clear_gap >= CIRCLE_CLEAR_OPEN;
            /* ... and rays closed by a bled outline, with less than half
             * the ink a circle of its question leaves round its own box:
             * that circle's arc, or a circle of its own? A person says
             * (fresh seed 8471 --folds --warp 2, AK3JHJXV q5r, a tick-all
             * question on a harsh page: "2"'s label circled in pencil, an
             * oval with 76.8 mm^2 of ink round the box; its lower arc left
             * 27.8 round "3", whose bled outline closed all its rays, 0.17
             * of them clear of it; read "2 3", silently) */
            int crowded = outline_rays && m[i].near_mm2 < CIRCLE_SPILL_SHARE * m[k].near_mm2;
            if (!arc && !open_beside && !crowded)
                continue;
            if (!within_circle_reach(box[i]->rect, box[k]->rect))
                continue;
            if (arc) {
                d[i] = decide_without_rings(c, &m[i]);
                d[i].ink_near = 0;
            } else {
                decide_rays_to_a_person(&d[i]);
            }
            break;
        }
    }
    for (size_t i = 0; i < n; i++)
        if (rays_alone_to_a_person(c, &m[i], &d[i]))
            for (size_t k = 0; k < n; k++) {
                if (k == i || question[k] != question[i] || !d[k].circled || d[k].state != BOX_MARKED ||
                    d[k].confidence < CIRCLE_STRONG || m[i].near_mm2 >= CIRCLE_SPILL_SHARE * m[k].near_mm2 ||
                    m[i].ring_clear_gap < CIRCLE_CLEAR_OPEN || !within_circle_reach(box[i]->rect, box[k]->rect))
                    continue;
                d[i] = decide_without_rings(c, &m[i]);
                d[i].ink_near = 0;
                break;
            }
}

/* How far a box's rays stand above the page's own level of each kind
 * (level: round the box, round the label, clear of the outline). On a page
 * whose print closes every box's rays, a circle there stands out by its
 * rays clear of the swollen outline (bled_page_circles reads it so); by
 * the rays round the box alone, it stands no higher than a box without a
 * label's unmeasured label rays, 0 above the page's 0, and every empty
 * neighbour with ink round it was its rival (fresh seed 8403 --folds
 * --warp 1, 6N53GH6Z q1b: an oval round "4" touching box "3", the
 * circle's clear rays 1.00 closed, the neighbour's 0.19; to review) */
static double ring_standing(const box_measure *m, const double level[3], int bled) {
    double s = fmax(m->ring - level[0], m->label_ring - level[1]);
    return bled ? fmax(s, m->ring_clear - level[2]) : s;
}

/* A circle is its box's only when no other box of its question shows as
 * much ring (round the box or its label, open or closed): an oval round
 * one option's label whose lower arc passes over the next option closes
 * that option's label rays too (seed 4127 BYAWXGMG q4c: option 1's label
 * circled, its rays 0.67 closed but open by 0.31, was read as option 2,
 * whose label rays the arc closed 0.48). Ink that cannot be attributed
 * goes to review: the circled box becomes unsure. On a page whose print
 * closes every box's rays, rays are no circle by themselves (a circle there
 * is read by its ink too: bled_page_circles), and a rival must leave the
 * ink of a pen circle round its box as well (seed 7101 ZT25N559 q6, a
 * harsh page: a circle's 23.3 mm^2 of ink went to review for an empty
 * neighbour whose bled outline closed 0.98 of its rays, 0.11 mm^2 round it). */
void decide_circle_rivals(const calibration *cal, const omr_template *t, int page, const box_measure *m,
                          box_decision *d, size_t n) {
    assert(cal && t && (n == 0 || (m && d)));
    size_t *question = malloc((n ? n : 1) * sizeof *question);
    const template_box **box = malloc((n ? n : 1) * sizeof *box);
    /* on a page whose print closes every box's rays, each kind of ray is
     * measured above the page's own level of it (bled_label_circle): a
     * label circled there has no rival in its neighbours' bled outlines */
    double either = n >= 4 ? decide_page_ray_level(m, n, RAYS_EITHER) : 0;
    double level[3] = {0, 0, 0}, pen_near = 0;
    int bled = either >= RING_MIN;
    if (bled) {
        level[0] = decide_page_ray_level(m, n, RAYS_BOX), level[1] = decide_page_ray_level(m, n, RAYS_LABEL);
        level[2] = decide_page_ray_level(m, n, RAYS_CLEAR);
        pen_near = decide_page_circle_near(cal, m, n);
    }
    if (level[0] < 0 || level[1] < 0 || level[2] < 0 || pen_near < 0)
        level[0] = level[1] = level[2] = pen_near = 0, bled = 0; /* without room, the rays as measured */
    if (question && box && page_boxes(t, page, n, question, box)) { /* else nothing is changed */
        circle_arcs(cal, question, box, m, d, n, bled);
        int *rivalled = calloc(n ? n : 1, sizeof *rivalled);
        for (size_t i = 0; rivalled && i < n; i++) {
            if (!d[i].circled || d[i].state != BOX_MARKED)
                continue;
            double own = ring_standing(&m[i], level, bled);
            /* a circle clear of its outline all round has no rival in a box
             * whose clear rays stay open over half a turn (circle_arcs) */
            int clear_round = m[i].ring_clear_gap <= RING_GAP_MAX;
            for (size_t c = 0; c < n && !rivalled[i]; c++)
                rivalled[i] = c != i && question[c] == question[i] && !(d[c].circled && d[c].state == BOX_MARKED) &&
                              ring_standing(&m[c], level, bled) >= own && m[c].near_mm2 > pen_near &&
                              !(clear_round && m[c].ring_clear_gap >= CIRCLE_CLEAR_OPEN);
        }
        for (size_t i = 0; rivalled && i < n; i++)
            if (rivalled[i])
                decide_rays_to_a_person(&d[i]);
        free(rivalled);
    }
    free(question);
    free(box);
}

/* What rubbing a mark out leaves on a 1-bit scan: the eraser pales the
 * ink, and the scanner's threshold keeps only its darkest bits, specks and
 * dashes along the strokes. Dark as ink and spread across the box, it
 * passes for a mark (its fill 0.2-0.5), but its strokes are thin and
 * broken: twice its area over its outline's length 0.10-0.34 mm in eight
 * such boxes over fresh seeds 8352, 8362 and 8372 (--folds), in many pieces,
 * against 0.41-0.86 for a pen's crosses and ticks on the same harsh pages
 * and 0.62-0.71 for the mark answering beside them. Beside a firm mark of
 * its question whose strokes are TRACE_THINNER times as wide, it is the
 * rubbed-out mark: strewn, withdrawn as a pale trace is (decide_question;
 * those three seeds sent five forms to review for "2 boxes marked"). One
 * hand with one pen makes strokes alike: two ticks of a double answer
 * differ by 1.00-1.09 times, 1.80 at most (a tick half bled away on a harsh
 * page, GCCR8TEC), and a multi-choice answer's thin cross beside a firm one
 * 2.19 (8352 XF4M643A q5r: a pencil cross at the edge of ink on a
 * crease, broken into 11 pieces 0.21 mm wide). Pale ink breaks up as well,
 * on any scan; only a threshold leaves it broken and black: the trace's
 * pieces are as dark as print (a pencil's, or any pale line's, far less). */
#define TRACE_THINNER 2.5
#define TRACE_PIECES 4
#define TRACE_DARK 0.8
void decide_rubbed_out_traces(const omr_template *t, int page, const box_measure *m, box_decision *d, size_t n) {
    assert(t && (n == 0 || (m && d)));
    size_t *question = malloc((n ? n : 1) * sizeof *question);
    if (question && page_boxes(t, page, n, question, NULL)) /* else nothing is withdrawn */
        for (size_t i = 0; i < n; i++) {
            if (d[i].state != BOX_MARKED || d[i].circled || d[i].dot || d[i].scribble || d[i].strewn ||
                m[i].stroke_mm <= 0 || m[i].ink_pieces < TRACE_PIECES || m[i].darkness < TRACE_DARK)
                continue;
            for (size_t k = 0; k < n && !d[i].strewn; k++)
                d[i].strewn = k != i && question[k] == question[i] && d[k].state == BOX_MARKED && !d[k].circled &&
                              !d[k].dot && !d[k].scribble && !d[k].strewn &&
                              m[k].stroke_mm >= TRACE_THINNER * m[i].stroke_mm;
        }
    free(question);
}

/* Far paler than the page's firm marks is a mark rubbed out (decide_page),
 * but not where a firm mark of the same question is as pale: the hand took
 * another pen for that question (fresh seed 8401 YYDZEVU4 q3b: a pencil
 * correction on a page crossed in black pen, darkness 0.78; the fill 0.32,
 * the cross 0.30 beside it. The cross was withdrawn as a trace, the fill
 * read as the answer, silently wrong). A trace rubbed out is far paler
 * than the mark made with the same pen. */
#define PALE_AS_QUESTION 0.7
void decide_pale_marks(const calibration *cal, const omr_template *t, int page, const box_measure *m,
                       box_decision *d, size_t n) {
    assert(cal && t && (n == 0 || (m && d)));
    size_t *question = malloc((n ? n : 1) * sizeof *question);
    if (question && page_boxes(t, page, n, question, NULL)) /* else every box keeps its page's judgement */
        for (size_t i = 0; i < n; i++) {
            if (!d[i].pale || d[i].speckled) /* a box in speckle keeps the speckle's judgement */
                continue;
            int as_pale = 0;
            for (size_t k = 0; k < n && !as_pale; k++)
                as_pale = k != i && question[k] == question[i] && !d[k].pale &&
                          (d[k].state == BOX_SOLID || (d[k].state == BOX_MARKED && !d[k].circled && !d[k].dot)) &&
                          m[i].darkness >= PALE_AS_QUESTION * m[k].darkness;
            if (as_pale)
                d[i] = decide_box(cal, &m[i]);
        }
    free(question);
}

/* A cross struck through: an X with a line drawn through the box and out
 * past both sides (measure_shape's struck_through). Taken back, or not? A
 * person says (held-out 2647: 17 such, 8 read as the cross silently; H30:
 * 28 of 28). A dash or a bar through the box is one stroke, 0.5-0.7 mm wide
 * across its axis; a cross's ink spreads 2.3-3.8 mm (ink_width_mm). Judged
 * on a clean page (its median box meets ink in under RING_NOISE of its
 * rays), and on a page short of a bled one's RING_MIN only where the
 * strike's ends leave a pen line's ink beside the box (struck_ends_beside):
 * where the print bleeds past the mask or the paper scanned as speckle, a
 * bled cross's arms and the speckle put ink past the sides of marked boxes
 * (fresh seeds' harsh 1-bit pages: 4-10 clear crosses a set flagged so).
 * Not where the page's empty boxes show ink past both sides too. Nor where
 * a fold's crease as dark as ink runs along the box: its line runs on
 * through and past the box as a strike would. A crease paler
 * than ink (INK_DARKNESS: 0.18) puts none there, and is cleaned off
 * besides (held-out sets: 30 of 37 struck crosses still read lay on a
 * flatbed's fold, 0.12 deep through H30 ML8M84LI q4c's box). A box
 * whose fill (against its own paper) says marked while its shape (against
 * the page's paper) holds too little ink to tell a cross from a dash
 * (compact 0: pencil on the bright side of a shaded page, held-out 4201
 * 0N504VTD q4c) is not read past a strike either. */
/* ... and on a page whose boxes meet ink in a few of their rays (print
 * edges past the mask on a 150-dpi scan in perspective: RING_NOISE up to
 * a bled page's RING_MIN), where the strike's ends leave a pen line's ink
 * beside the box (its ink near above near_max_mm2, not specks, beyond the
 * print's halo as much as in it): held-out H30 P545KTG4 q2a, TCY265W2 q2b,
 * pen crosses struck through on pages whose median box meets ink in 6 of
 * its 48 rays, 3.2 mm^2 beside each, read as the cross, silently */
static int struck_ends_beside(const box_measure *m, const box_decision *d) {
    return d->ink_near && !decide_specks_round(m) && m->near_mm2 - m->near_halo_mm2 >= m->near_halo_mm2;
}
#define STRUCK_CREASE_PALE 0.18
#define STRUCK_CROSS_MM 1.5
#define STRUCK_PAGE_SHARE 0.1
void decide_struck_through(const box_measure *m, box_decision *d, size_t n) {
    assert(n == 0 || (m && d));
    size_t empty = 0, empty_struck = 0;
    for (size_t i = 0; i < n; i++)
        if (d[i].state != BOX_MARKED && d[i].state != BOX_SOLID) {
            empty++;
            empty_struck += m[i].struck_through != 0;
        }
    double rays = n ? decide_page_ray_level(m, n, RAYS_EITHER) : -1;
    if (empty == 0 || (double)empty_struck > STRUCK_PAGE_SHARE * (double)empty || rays < 0 || rays >= RING_MIN)
        return;
    for (size_t i = 0; i < n; i++)
        if (d[i].state == BOX_MARKED && !d[i].circled && !d[i].dot && !d[i].strewn && m[i].struck_through &&
            (rays < RING_NOISE || struck_ends_beside(&m[i], &d[i])) &&
            (m[i].ink_width_mm >= STRUCK_CROSS_MM || m[i].compact == 0) &&
            (!(m[i].crease_along || m[i].crease_band) || m[i].crease_darkness < STRUCK_CREASE_PALE)) {
            d[i].state = BOX_UNSURE;
            d[i].confidence = 0;
        }
}

/* Ink between two boxes of a row, in neither (held-out `between`: a cross
 * half way between "3" and "2"). Each box's near zone reaches half way to
 * the next, so such a cross is counted half round each, and a light one
 * stays under what one box may hold alone (held-out 4202 653C2EBZ q1a, a
 * pencil cross: 1.21 and 1.15 mm^2, read as no answer, silently). Where a
 * question reads no mark and no ink near any box, the gap between two
 * neighbouring boxes of it is judged as one box's ink near: above
 * near_max_mm2 plus the page's level (the median gap between neighbouring
 * empty boxes, at least BETWEEN_PAGE_GAPS of them: a grey scan's specks, a
 * bled print's halo) and above BETWEEN_LINE_OVER times the lower median of
 * the other gaps of its row (a crease along the row), it is ink beside both
 * boxes. Not where either box's ink near is specks (a fold's speckled
 * panel: decide_specks_round), nor where the paper either lies on is
 * itself inked (decide_on_inked_paper: Auto Multiple Choice prints its
 * digit grids on a grey panel, 3.5-7.9 mm^2 of it in each gap of the
 * numeric case's "sqrt"; 30 empty boxes went to a person). The gaps of
 * unanswered questions in nine sets looked at (six generator sets with
 * folds, warps and harsh 1-bit pages, three held-out) lie at most 0.74
 * mm^2 above their page's level; that cross's 2.36. */
#define BETWEEN_PAGE_GAPS 4
#define BETWEEN_LINE_OVER 1.5
/* Such a cross drawn tight against one box may close its rays just enough
 * for a circle (held-out 4502 J0GDAKP8 q2b, a cross between "2" and "1":
 * "2"'s rays 0.46 closed, gap 0.29, 0.21 opposed; read as "2" circled,
 * silently). A circle encloses its box: a box circled by its rays alone
 * (under RING_CLEAR, no circle round its label) whose ink lies nearly all
 * (BETWEEN_ONE_SIDE) in the gap to a blank neighbour, which holds as much
 * facing it (BETWEEN_SHARED of it, over near_max_mm2), has a mark between
 * the two: a person says which. A circle round a box and its label leans
 * to the label, but a box with a label beside it has no gap (its zone
 * stretches over the label); a wide circle reaches both gaps of its box. */
#define BETWEEN_ONE_SIDE 0.8
#define BETWEEN_SHARED 0.5
/* Stacked options (a column 3 mm apart: their near zones overlap in the
 * gap) have no gap of their own; a cross between two of them lies in both
 * zones alike, and may close the rays of one of them enough for a circle
 * (held-out 4651 OQXF32GQ q4c, a cross between "1" and "2": "1"'s rays
 * 0.50 closed, gap 0.25, 6.1 mm^2 round it and 6.0 round "2"; read as "1"
 * circled, silently). A circle round one box leaves the box under or over
 * it its one arc, a quarter of its ink or so; a box circled by its rays
 * alone whose stacked blank neighbour holds BETWEEN_ONE_SIDE as much ink
 * round it has a mark between the two: a person says which. */
static int stacked(omr_rect a, omr_rect b) {
    double dy = fmax(b.y - (a.y + a.h), a.y - (b.y + b.h));
    return fabs((a.x + a.w / 2) - (b.x + b.w / 2)) < fmin(a.w, b.w) / 2 && dy >= 0 && dy < 2 * NEAR_GROW_MM;
}
typedef struct {
    size_t left, right; /* the boxes (page order) either side of the gap */
    double ink_mm2;     /* the ink between them */
} box_gap;
/* 1 when question `q`'s boxes are all blank, with no ink near and no circle */
static int reads_nothing(const box_decision *d, const size_t *question, size_t n, size_t q) {
    for (size_t k = 0; k < n; k++)
        if (question[k] == q && (d[k].state != BOX_BLANK || d[k].ink_near || d[k].circled))
            return 0;
    return 1;
}
/* The lower median ink of the gaps of gap g's row in its question, g left out
 * (-1 for fewer than two such gaps) */
static double row_gap_level(const box_gap *gap, size_t n_gaps, size_t g, const size_t *question,
                            const template_box *const *box, double *scratch) {
    size_t k = 0;
    omr_rect at = box[gap[g].left]->rect;
    for (size_t o = 0; o < n_gaps; o++)
        if (o != g && question[gap[o].left] == question[gap[g].left] && fabs(box[gap[o].left]->rect.y - at.y) < at.h)
            scratch[k++] = gap[o].ink_mm2;
    if (k < 2)
        return -1;
    return omr_sort_lower_middle(scratch, k);
}
void decide_ink_between(const calibration *cal, const omr_template *t, int page, const box_measure *m,
                        box_decision *d, size_t n) {
    assert(cal && t && (n == 0 || (m && d)));
    size_t *question = malloc((n ? n : 1) * sizeof *question);
    const template_box **box = malloc((n ? n : 1) * sizeof *box);
    box_gap *gap = malloc((n ? n : 1) * sizeof *gap);
    double *scratch = malloc((n ? n : 1) * sizeof *scratch);
    size_t n_gaps = 0;
    int placed = question && box && gap && scratch && page_boxes(t, page, n, question, box);
    if (placed) /* else no gap is judged */
        for (size_t i = 0; i < n; i++) {
            const template_question *q = &t->questions[question[i]];
            const template_box *next = measure_zone_meets_next(t, q, (size_t)(box[i] - q->boxes));
            for (size_t j = 0; next && j < n; j++)
                if (box[j] == next) {
                    gap[n_gaps++] = (box_gap){i, j, m[i].near_right_mm2 + m[j].near_left_mm2};
                    break;
                }
        }
    assert(n_gaps <= n);
    size_t k = 0;
    for (size_t g = 0; g < n_gaps; g++)
        if (d[gap[g].left].state == BOX_BLANK && d[gap[g].right].state == BOX_BLANK)
            scratch[k++] = gap[g].ink_mm2;
    double level = k >= BETWEEN_PAGE_GAPS ? omr_sort_middle(scratch, k) : 0;
    for (size_t g = 0; g < n_gaps; g++) {
        size_t a = gap[g].left, b = gap[g].right;
        if (question[a] != question[b] || !reads_nothing(d, question, n, question[a]) ||
            decide_specks_round(&m[a]) || decide_specks_round(&m[b]) || decide_on_inked_paper(&m[a]) ||
            decide_on_inked_paper(&m[b]))
            continue;
        double line = row_gap_level(gap, n_gaps, g, question, box, scratch);
        double at = fmax(level, BETWEEN_LINE_OVER * line);
        if (gap[g].ink_mm2 > cal->near_max_mm2 + at)
            d[a].ink_near = d[b].ink_near = 1;
    }
    for (size_t g = 0; g < n_gaps; g++)
        for (int side = 0; side < 2; side++) {
            /* the box read as circled, the blank one beside it, their ink facing each other */
            size_t c = side ? gap[g].right : gap[g].left, o = side ? gap[g].left : gap[g].right;
            double facing = side ? m[c].near_left_mm2 : m[c].near_right_mm2;
            double other = side ? m[o].near_right_mm2 : m[o].near_left_mm2;
            if (question[c] == question[o] && d[c].circled && d[c].state == BOX_MARKED && m[c].fill < cal->mark_min &&
                m[c].ring < RING_CLEAR && !decide_label_circle(&m[c]) && d[o].state == BOX_BLANK &&
                facing >= BETWEEN_ONE_SIDE * m[c].near_mm2 && other > cal->near_max_mm2 &&
                other >= BETWEEN_SHARED * facing)
                decide_rays_to_a_person(&d[c]);
        }
    for (size_t c = 0; placed && c < n; c++) {
        if (!d[c].circled || d[c].state != BOX_MARKED || m[c].fill >= cal->mark_min || m[c].ring >= RING_CLEAR ||
            decide_label_circle(&m[c]))
            continue;
        for (size_t o = 0; o < n; o++)
            if (o != c && question[o] == question[c] && d[o].state == BOX_BLANK &&
                stacked(box[c]->rect, box[o]->rect) && m[o].near_mm2 > cal->near_max_mm2 &&
                m[o].near_mm2 >= BETWEEN_ONE_SIDE * m[c].near_mm2) {
                decide_rays_to_a_person(&d[c]);
                break;
            }
    }
    free(question);
    free(box);
    free(gap);
    free(scratch);
}

void decide_unread_dots(box_decision *d, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (d[i].dot && d[i].dot_clear && d[i].state == BOX_MARKED) {
            d[i].state = BOX_UNSURE;
            d[i].confidence = 0;
        }
}

void decide_read_dots(box_decision *d, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (d[i].dot && d[i].dot_clear && d[i].state == BOX_UNSURE) {
            d[i].state = BOX_MARKED;
            d[i].confidence = 0.5; /* read by the form's hand, at the edge of sure */
        }
}
