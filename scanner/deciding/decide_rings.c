/*
 * decide_rings.c — a circle is a mark only where it stands apart from its
 * page (decide.h: decide_page_rings, called by decide_page in decide.c).
 * The page's own level of rays round its boxes and labels, and of ink round
 * its empty boxes, says what its print and noise close; on a page whose
 * print bleeds every box shows a ring, and a pen circle stands apart by its
 * rays clear of the outline and its ink, against the boxes around it. A
 * barely closed ring from a hand that does not circle, or rays alone on a
 * speckled page, go to a person (decide_rays_to_a_person), never blank.
 */
#include "deciding/decide.h"

#include <math.h>
#include <stdlib.h>

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
    if (label_level < 0 || near_min < 0 || !decide_label_circle(m) || m->label_ring < stands || m->near_mm2 <= near_min)
        return 0;
    *closure = omr_clamp01(0.5 + 0.5 * (m->label_ring - stands) / fmax(1 - stands, 1e-6));
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
double decide_local_median(const box_measure *m, const double *value, size_t n, size_t i, double within,
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
    double local = clear ? decide_local_median(m, clear, n, i, INFINITY, LOCAL_BOXES / 2) : -1;
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
 * their near_mm2, NAN for a box holding ink), never more than the page's
 * `page_min`. A fold's dark panel under a harsh 1-bit threshold fills the
 * zone round every box in it with specks (fresh seed 8444 --folds --warp
 * 2.5, F8BTBHJD page 2: 14-140 mm^2 round its boxes, the page's median
 * 21), and a tight pen circle on the clean paper above it, 18 mm^2 round
 * "Ej fått beslut än", its rays clear of the outline 0.77 closed against
 * the 0.33 of the boxes round it, fell short of four times the page's
 * median and was read blank, silently. Such a box, its clear rays apart
 * and its ink above what the boxes round it hold, goes to a person
 * (bled_page_circles). Not read as circled by it: on Auto Multiple
 * Choice's tight grids read from the drawn layout the print edges close
 * the clear rays of some empty boxes as much (0.81), with 8-16 mm^2 round
 * them against 1.3-2.6 round their neighbours; asked of the rays round the
 * box as well, eleven more were read so (modulo, expo) */
static double circle_near_round(const calibration *c, const box_measure *m, const double *near, size_t n, size_t i,
                                double page_min) {
    double local = near ? decide_local_median(m, near, n, i, INFINITY, LOCAL_BOXES / 2) : -1;
    if (local < 0)
        return page_min;
    return fmin(page_min, fmax(fmax(c->near_max_mm2, CIRCLE_NEAR_MIN_MM2), CIRCLE_NEAR_OVER_PAGE * local));
}

static void bled_page_circles(const calibration *c, const box_measure *m, box_decision *d, size_t n,
                              double background) {
    double near_min = decide_page_circle_near(c, m, n);
    double label_level = decide_page_ray_level(m, n, RAYS_LABEL), clear_level = decide_page_ray_level(m, n, RAYS_CLEAR);
    /* without room for the page's levels, no circle is read here */
    int judged = near_min >= 0 && clear_level >= 0;
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
        double clear_at = clear_rays_round(m, clear, n, i, clear_level);
        double clear_closed = clear_rays_closed(clear_at);
        double r = box_ring(&m[i]);
        double gap = m[i].ring >= m[i].label_ring ? m[i].ring_gap : m[i].label_gap;
        box_decision plain = decide_without_rings(c, &m[i]);
        int pen = judged && m[i].fill < c->mark_min && !plain.faint && plain.state != BOX_MARKED &&
                  plain.state != BOX_SOLID && !decide_specks_round(&m[i]);
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
        double label_here = labels ? decide_local_median(m, labels, n, i, INFINITY, LOCAL_BOXES / 2) : -1;
        if (pen && by_label && !by_rays && !by_clear && label_here >= 0 &&
            m[i].label_ring < label_here + RING_ABOVE_PAGE) {
            d[i] = plain;
            decide_rays_to_a_person(&d[i]);
            continue;
        }
        /* rays clear of the outline that stand apart, and a pen's ink
         * against the empty boxes round it but not against the page's
         * (circle_near_round): a person looks, never blank */
        if (pen && !by_rays && !by_clear && !by_label &&
            clear_rays_apart(&m[i], clear_at, circle_near_round(c, m, empty_near, n, i, near_min))) {
            d[i] = plain;
            decide_rays_to_a_person(&d[i]);
            continue;
        }
        /* the confidence by the clear rays, else the label's (by_rays: below) */
        double conf = by_clear
                          ? omr_clamp01(0.5 + 0.5 * (m[i].ring_clear - clear_closed) / fmax(1 - clear_closed, 1e-6))
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
        if (pen && (by_rays || by_clear || by_label) && decide_crease_remnant_ring(&m[i], near_min)) {
            d[i] = plain;
            decide_circle_on_black_crease(&d[i]);
        } else if (pen && (by_rays || by_clear || by_label)) {
            d[i] = plain;
            d[i].state = BOX_MARKED;
            d[i].circled = 1;
            d[i].dot = 0;
            d[i].ink_near = 0;
            d[i].confidence = by_rays ? omr_clamp01(0.5 + 0.5 * (r - closed) / fmax(1 - closed, 1e-6)) : conf;
        } else if (d[i].circled) {
            d[i] = plain;
        }
    }
    free(labels);
    free(empty_near);
    free(clear);
}

/* A line drawn all round the box at nearly one distance from it, clear of
 * its outline (decide_page_rings, below) */
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

/* Rays barely closed (under RING_CLEAR) by ink that is no line drawn
 * round the box: no more ink round the box than an empty one may hold
 * (near_max_mm2), and the closed rays not one line (under
 * SCATTERED_TRACED_SHARE of them traced by their neighbour at nearly the
 * same distance). A hand's barely closed circle passes near the box
 * somewhere, and its rays follow its line; the print of a warped sheet,
 * a crease and the words around a box close a ray here and there (fresh
 * seed 8501 --folds --warp 1.7: 2SXTMVJ9 q3a, three empty boxes on a
 * clean page, rays 0.52-0.54 closed, 0.33-0.40 traced, 0.02-0.16 mm^2
 * round them; T95RKC94 q4a "Vet ej", 0.54 closed, 0.42 traced, 1.17 mm^2:
 * each sent its form to a person beside a plain cross). Over the four
 * fresh sets, the pen circles read with rays in that band left 3.5-15
 * mm^2 round their boxes, 0.81-0.90 of their rays traced. Such a box is
 * judged as if no ray had been cast. */
#define SCATTERED_TRACED_SHARE 0.8
static int scattered_rays(const calibration *c, const box_measure *m) {
    /* only the box's own rays are traced (ring_traced): a barely closed
     * circle round the label is not judged so, and goes to a person */
    return m->ring >= m->label_ring && m->near_mm2 <= c->near_max_mm2 &&
           m->ring_traced < SCATTERED_TRACED_SHARE * m->ring;
}

void decide_page_rings(const calibration *c, const box_measure *m, box_decision *d, size_t n) {
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
        if (decide_crease_remnant_ring(&m[i], pen_near)) {
            decide_circle_on_black_crease(&d[i]);
            continue;
        }
        if (decide_specks_round(&m[i])) {
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
        /* barely closed by scattered ink, no line round the box: on a
         * page of a hand that circles too, whose circles close a ray or
         * two of the boxes beside them (fresh seed 8513 --folds --warp
         * 2.2, R3AHNX4X q2d "1": rays 0.48 closed, 0.29 traced, 0.04 mm^2
         * round it, under q2c's circle; read as circled beside the tick
         * that answered, and alone it would have been the answer) */
        if (!pen_line && r < RING_CLEAR && scattered_rays(c, &m[i])) {
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
