/*
 * decide.h — from measurements to answers. Each box is judged blank, marked,
 * filled solid, or unsure against two thresholds with a review band between
 * them, read from a calibration profile (calibration/NAME.cfg). Each question is
 * then judged by its type: one mark is the answer of a single-choice question;
 * two, or any unsure box, or ink near a box with none marked, go to review
 * with the machine's best reading (or nothing) and never to a guess. A solid
 * box beside another marked box is the printed way to take an answer back; a
 * lone solid box is simply a filled-in answer. Routing (only_if) is checked
 * and an inconsistency is kept and flagged.
 */
#ifndef OMR_DECIDE_H
#define OMR_DECIDE_H

#include "base/common.h"
#include "reading/measure.h"
#include "forms/template.h"

typedef struct {
    char name[64];
    double blank_max;   /* fill <= this: blank */
    double mark_min;    /* fill >= this (and extent >= extent_min): marked */
    double solid_min;   /* fill >= this: filled solid */
    double extent_min;  /* a mark spans at least this share of the box */
    double near_max_mm2;/* unprinted ink around a box or its label above this: ink near */
    double text_ink_min;/* text field ink share above this: something is written */
    double ocr_confidence_min; /* mean OCR confidence (0..100) below this: review */
} calibration;

/* Reads a calibration profile (libconfig); missing keys keep the defaults. */
int calibration_load(const char *path, calibration *out, omr_error *err);
void calibration_defaults(calibration *out);
/* Resolves a profile name like template_find (calibration/<name>.cfg). */
char *calibration_find(const char *name);

typedef enum { BOX_BLANK, BOX_MARKED, BOX_SOLID, BOX_UNSURE } box_state;

typedef struct {
    box_state state;
    int ink_near;      /* the ring around the box holds ink */
    double confidence; /* 0..1: how far the fill is from the nearest threshold */
    double fill;       /* the box's measured fill (decide_box): how dense a solid box is beside a mark */
    /* what kind of mark it is (README, "What is decided how") */
    int circled;       /* a circle round the box or its label: marked, ink inside or not */
    int dot;           /* a small dark dot (0.5-2 mm) that does not span the box */
    int faint;         /* only a pale trace: very light pencil, or a mark rubbed out */
    int scribble;      /* dense ink short of solid: a scribble over the box */
    int dot_clear;     /* a dot that stands clear of its page's blank boxes (decide_page) */
    int strewn;        /* a dot (or pale trace) whose specks are strewn across the box, no blob:
                          beside a firm mark of its question, a mark rubbed out (decide_question) */
    int speckled;      /* unsure: the paper round the box scanned as speckle (decide_page), and the box holds
                          no more ink than that paper; blank beside a mark that stands out of the
                          speckle in its question (decide_question), else a person looks */
    int creased;       /* unsure: the box's ink is a fold's crease, a thin straight stroke across it
                          (decide_page); blank beside a firm mark of its question, else a person looks */
    int hidden;        /* unsure: a side of its printed outline does not show where the page's boxes
                          show theirs: something covers the box (decide_unseen_outlines) */
    int speck;         /* unsure: the box's only ink is a "dot" finer than any a hand makes, from a hand
                          that does not dot (decide_page: dust on the glass); blank beside a firm mark
                          of its question, else a person looks */
    int hugged;        /* ink along the box's own printed outline on three sides or four, thicker than
                          the page prints it (measure_rings: ring_hug_mm2): a stroke round the box
                          itself, no arc of a circle passing by (decide_circle_spill) */
    int maybe_drowned; /* solid on inked paper (decide_in_speckle: a fold's speckled panel) but not black
                          through and through above it (FILL_THROUGH): a mark drowned in the panel reads
                          so too, no sure fill, so the form's correction rule does not take it for one
                          (decide_question) */
    int black_paper;   /* unsure: the paper round the box scanned black (decide_in_speckle: SPECKLE_BLACK),
                          no mark can be told in it from the scan: a person reads the paper, or a
                          lighter scan (decide_question's reason) */
    int pale;          /* faint because far paler than its page's firm marks (decide_page: a mark
                          rubbed out); judged on its own again where a firm mark of its question is
                          as pale (decide_pale_marks). Not kept in the ledger: settled at the scan */
} box_decision;

box_decision decide_box(const calibration *cal, const box_measure *m);

/* A box's ink_near and kind of mark as one integer for the ledger (marks.ink_near):
 * 1 ink near, 2 circled, 4 dot, 8 faint, 16 scribble, 32 a dot clear of the
 * page's blanks, 64 strewn, 128 speckled, 256 a crease's stroke, 512 a speck,
 * 1024 hidden, 2048 hugged, 4096 maybe drowned, 8192 on black paper
 * (0 and 1 read as before). */
int decide_box_flags(const box_decision *d);
void decide_box_set_flags(box_decision *d, int flags);

/* Judges a page's boxes by the respondent's own hand (n boxes of one page, in
 * template order, measured and decided by decide_box). Speckled paper
 * first: where a panel of the page scanned as speckle (several boxes inked
 * as much as the paper round them), a box there holding ink is a mark only
 * when it stands well out of its paper, else unsure and `speckled`. Rings next: on a
 * page whose every box shows a "circle" (print bleeding on a dark 1-bit
 * scan), rings say nothing and each box is judged without them, but for a
 * pen's circle that stands apart (its rays close well past the page's
 * median ring, or its label's rays well past the page's median label, and
 * its ink near the box stands clear of the page's empty boxes): that one is
 * read. Ink near a box counts only above the page's own level (near_max_mm2
 * over the median of its blank boxes). A small dot
 * that stands clear of the page's blank boxes (dot_clear) is a mark when
 * the hand dots (two or more dots, and as many as its other marks); a
 * pale trace is a mark when the page holds two or more and no firm mark at
 * all (a very light pencil user). Anything else stays unsure. */
void decide_page(const calibration *cal, const box_measure *measures, box_decision *decisions, size_t n);

/* Judges the hand by the whole form of template t: pages[p] holds the box
 * decisions of page p+1 in template order (decide_page's, or read back from
 * the ledger; NULL for a missing page). The hand is counted by question: a
 * question answered by a dot alone, one answered with plain marks (crosses,
 * ticks: a multi-choice question is one question; not one answered with a
 * correction or a box filled solid, which say nothing of the hand's way),
 * one answered by a circle. 1 when those counts show a hand that dots (two
 * or more dotted questions, and at least as many as the others together);
 * then decide_read_dots makes every unsure dot clear of its page's blanks a
 * mark (confidence 0.5) on each page of the form: a dotter with two dots on
 * page 2 and five on page 1 is read on both pages. */
int decide_form_dots(const omr_template *t, box_decision *const *pages, size_t n_pages);
void decide_read_dots(box_decision *decisions, size_t n);
/* The other way: 1 when the form as a whole clearly answers otherwise than
 * by dots: its questions answered by plain marks (counted as above) and by
 * circles are at least twice those answered by a dot alone (a circler's two
 * dots on page 2 beside seven circles on page 1). A page that dots in such a form is
 * overruled: decide_unread_dots makes the dots it read by its own count
 * (decide_page) unsure again, a lone dot being anyone's guess. A form short
 * of that (six dots beside eight other answers: a dotter's page of dots
 * and a page of crosses) keeps each page's own reading. */
int decide_form_denies_dots(const omr_template *t, box_decision *const *pages, size_t n_pages);
void decide_unread_dots(box_decision *decisions, size_t n);
/* Ink beside a blank box of page `page` (m, d: its n boxes in template
 * order) that a circle drawn round a box of another question reaches
 * (within the rays' reach, 2.6 box sides), and that is less than any circle
 * round the blank box itself would leave (under 3 mm^2, or under half the
 * ink that circle leaves round its own box): the circle's ink, not a mark
 * beside the box (its ink_near is cleared). So is ink beside a blank box
 * whose near zone overlaps that of a firmly marked box of its question,
 * when that mark leaves round its own box (ink_near) at least as much: the
 * mark's overshoot. */
void decide_circle_spill(const omr_template *t, int page, const box_measure *m, box_decision *d, size_t n);
/* A mark of page `page` (m, d: its n boxes in template order) whose strokes
 * are thin and broken into pieces beside a firm mark of its question with
 * strokes several times as wide: what rubbing a mark out leaves on a 1-bit
 * scan. It is marked `strewn`, and decide_question withdraws it beside the
 * firm mark as a pale trace. */
void decide_rubbed_out_traces(const omr_template *t, int page, const box_measure *m, box_decision *d, size_t n);
/* A box decide_page found far paler than its page's firm marks (`pale`: a
 * mark rubbed out) is judged on its own again (decide_box) where a firm
 * mark of its own question is nearly as pale: the hand took another pen
 * there, and both are its marks. */
void decide_pale_marks(const calibration *cal, const omr_template *t, int page, const box_measure *m,
                       box_decision *d, size_t n);
/* A cross (not a dash or bar) with a line through its box and out past both
 * sides, on a page whose empty boxes show no such ink, clean or (short of
 * a bled page) with the strike's ends beside the box: unsure, a person
 * says whether it is taken back (m, d: one page's n boxes). */
void decide_struck_through(const box_measure *m, box_decision *d, size_t n);
/* A circled box of page `page` whose question holds another box (not itself
 * circled) with as much ring evidence round it or its label: the circle
 * cannot be attributed, the box becomes unsure (review). On a page whose
 * print closes every box's rays the rival must also leave a pen circle's
 * ink round its box. First, a barely closed circle beside a clear one of
 * its question, within its reach and with less than half its ink round
 * the box, is the clear one's arc: that box is judged without rays; on a
 * page whose print closes every box's rays, a box circled by its own
 * outline's rays alone (none clear of it past RING_MIN, no stroke along
 * it) beside a circle of its question leaving over twice its ink goes to a
 * person (the arc, or a circle of its own?). Needs the rays' measures
 * (ring, label_ring), which the ledger does not keep: called where the
 * page is measured (daemon/scan.c), after decide_page. */
void decide_circle_rivals(const calibration *c, const omr_template *t, int page, const box_measure *m,
                          box_decision *d, size_t n);
/* Ink in a box whose printed outline was not seen (measure_box's
 * outline_found 0) on a page where more than half the boxes' outlines were:
 * the box was measured where the map says, and where the map is off there
 * (paper bent or stretched beyond locate's local search) the "mark" is the
 * print beside it. Such a marked or solid box becomes unsure (review). A
 * page where most outlines go unseen (a form printed without them) says
 * nothing by it and is left alone. And a box, blank, marked or solid, one
 * side of whose outline the scan does not show, in place nor up to 0.6 mm
 * off it (outline_weakest_off under HIDDEN_SIDE_SHARE of the page's median
 * outline_weakest), where the page's boxes show theirs in place: something
 * lies over it (a sticky note, correction fluid, a torn corner), and what
 * is beneath cannot be read: unsure and `hidden`, never blank. A circle
 * round it is still its answer. Called where the page is measured. */
void decide_unseen_outlines(const box_measure *m, box_decision *d, size_t n);
/* Ink between two neighbouring boxes of a question that reads no mark and
 * no ink near any box (m, d: page `page`'s n boxes in template order): the
 * ink of the gap between them (one's near_right_mm2, the other's
 * near_left_mm2, their zones meeting half way: measure_zone_meets_next)
 * above what one box may hold alone (the calibration's near_max_mm2) plus
 * the page's level of such gaps and above the row's other gaps: ink near
 * both boxes, and a person says which was meant. So too a box read as
 * circled by its rays alone whose ink lies in the gap to a blank neighbour
 * holding as much: a cross between them closed its rays. Needs near_left_mm2 and
 * near_right_mm2, which the ledger does not keep: called where the page is
 * measured (daemon/scan.c). */
void decide_ink_between(const calibration *cal, const omr_template *t, int page, const box_measure *m,
                        box_decision *d, size_t n);
/* 1 when more than half of the page's boxes had their printed outline seen. */
int decide_outlines_seen(const box_measure *m, size_t n);
const char *decide_box_state_name(box_state state);

/* A box filled through and through: ink over this share of it (on inked
 * paper, of what its paper leaves: decide_in_speckle). Such a fill is a
 * fill, whatever marks beside it (decide_question's corrections); short of
 * it a dense mark, or a mark drowned in a speckled panel, reads solid too */
#define FILL_THROUGH 0.97

/* A circle read with this confidence is a clear one; under CIRCLE_WEAK, one
 * barely closed: decide_question sends such a one beside a clear one to
 * review (its ink may be the clear one's), unless decide_circle_rivals gave
 * it to the clear one as its arc */
#define CIRCLE_STRONG 0.8
#define CIRCLE_WEAK 0.65

typedef enum {
    ANSWER_OK,          /* decided by the machine */
    ANSWER_REVIEW,      /* needs a person; value holds the best reading or is empty */
} answer_status;

typedef struct {
    answer_status status;
    char reason[96];    /* why it needs review: "two boxes marked", ... */
    /* single/scale: index of the chosen box or -1 (blank / undecided) */
    int chosen;
    /* multi: per box 1/0 (best reading when under review) */
    int *selected;
    double confidence;  /* 0..1, the weakest box decision that mattered */
    int taken_back;     /* a correction (a box withdrawn by the form's rule, or rubbed out) was applied */
} question_answer;

/* Decides one question from its boxes' decisions (n = q->n_boxes). The caller
 * owns `out->selected` (allocated for multi questions; free with free()). */
void decide_question(const template_question *q, const box_decision *boxes, question_answer *out);

/* Routing: 1 when `q` is answered although its only_if condition does not hold
 * (the condition question answered otherwise). */
int decide_routing_violated(const omr_template *tmpl, const template_question *q,
                            const question_answer *answers);

/* ---- between decide.c and decide_form.c ------------------------------------
 * What decide.c (each box, then each page's evidence) and decide_form.c (the
 * form's hand, circles against their neighbours on the template) share: a
 * circle's thresholds, the page's own levels of rays and of ink round its
 * boxes, and a box judged without its rays. Not for the other stages. */
/* A circle round the box or its label: ink in at least this share of the
 * directions (a tight circle hides partly under the printed outline), and
 * no gap wider than 30% of a turn (an open circle is still a circle; a cross
 * in a neighbouring box or a word beside it leaves a far wider gap). */
#define RING_MIN 0.45
#define RING_GAP_MAX 0.30
/* ... and the ink around the box is at least what a closed pen line leaves:
 * the thinnest ballpoint line (0.25 mm) once round the smallest box a form
 * prints (3.5 mm: a circle 1.1 times it is 12 mm round), 3 mm^2. A pen
 * circle on a bled page measured 7-29 mm^2; a neighbour's mark spilling
 * over into a box's surroundings leaves 1.5-2.3 mm^2 (Auto Multiple
 * Choice's expo and numeric scans, where boxes stand in tight grids whose
 * outlines close the rays of every box, so the page looks bled). */
#define CIRCLE_NEAR_MIN_MM2 3.0
/* A page whose median box has a tenth of its rays meeting ink is speckled
 * (a clean page's empty boxes: none to 0.04; a fax or a scan of the glass:
 * 0.15-0.3): rays alone are no circle there (decide_page_rings), nor is ink
 * past a cross's sides a strike (decide_struck_through) */
#define RING_NOISE 0.10

/* A circle's rays close this share of the directions at least, or, barely
 * closed, they must stand out another way (decide_box: their rays face each
 * other; decide_page_rings: a hand that circles, a pen's ink round the box) */
#define RING_CLEAR 0.60

/* A box judged on all its evidence but its rays (decide.c). */
box_decision decide_without_rings(const calibration *c, const box_measure *m);
/* Rays closed round a box, but read as no circle: a person looks, with the
 * ink near the box; never blank (every circle not read ends here) */
void decide_rays_to_a_person(box_decision *d);

/* The ink a pen circle leaves round its box on this page: at least
 * near_max_mm2 and CIRCLE_NEAR_MIN_MM2, and CIRCLE_NEAR_OVER_PAGE times the
 * median ink near of the page's empty boxes (its print and noise). Returns
 * -1 without room to measure the page (then no circle is read by it). */
double decide_page_circle_near(const calibration *c, const box_measure *m, size_t n);

/* The median over the page's boxes of the rays round each box (RAYS_BOX),
 * round each label (RAYS_LABEL; a box without a label to its right casts
 * none: 0), the stronger of the two (RAYS_EITHER), or the rays clear of the
 * outline (RAYS_CLEAR). Rays from a number above its box (label_above)
 * count as none (RAYS_EITHER: the box's own rays). -1 without room. */
enum { RAYS_BOX, RAYS_LABEL, RAYS_EITHER, RAYS_CLEAR };
double decide_page_ray_level(const box_measure *m, size_t n, int which);

/* ---- between decide.c and decide_rings.c -----------------------------------
 * decide_page judges the page's rings first (decide_rings.c): a circle read
 * by decide_box stays one only where it stands apart from its page. */
void decide_page_rings(const calibration *c, const box_measure *m, box_decision *d, size_t n);
/* The median of value[j] over the boxes nearest box i on the template (up
 * to 8) within `within` mm of it, i and every box whose value is NAN left
 * out; -1 with fewer than `least` to judge by (decide_rings.c) */
double decide_local_median(const box_measure *m, const double *value, size_t n, size_t i, double within,
                           int least);
/* The ink round the box is specks, not a pen's line (decide.c) */
int decide_specks_round(const box_measure *m);
/* The paper the box lies on is itself inked: speckle, a grey panel (decide.c) */
int decide_on_inked_paper(const box_measure *m);
/* The label's rays say a circle round it (decide.c) */
int decide_label_circle(const box_measure *m);
/* Rays closed by what cleaning a black crease left beside the box, not by
 * a pen circle (decide.c); `near_min`: decide_page_circle_near's */
int decide_crease_remnant_ring(const box_measure *m, double near_min);
/* ... such a box: a person looks, and no dot of a dotting hand (decide.c) */
void decide_circle_on_black_crease(box_decision *d);

/* ---- between decide.c and decide_crease.c ----------------------------------
 * A crease this deep and more against the page's paper-to-print range is
 * drawn black (a 1-bit scan): darkness tells nothing of it. */
#define CREASE_GREY_MAX 0.9
/* Specks strewn across a box (decide_box: strewn): their long axis spans
 * at least this share of the interior (a 1.5 mm dot, swollen by a bleeding
 * scan, about half of a 4 mm interior) ... */
#define STREWN_SPAN 0.9
/* ... and they fill under a fifth of the ellipse of their own moments: no
 * blob, specks along lines (a rubbed-out cross on a 1-bit scan: 0.08-0.16;
 * a dot on a harsh page showing the glass, joined by the glass's specks
 * until it spans the box: 0.28-0.53, seed 6833 M23J7UPD) */
#define STREWN_COMPACT 0.2
/* A box whose ink is a crease's stroke, or on a line running on past it:
 * unsure, `creased` where it is a crease's (decide_crease.c) */
void decide_crease_traces(const calibration *c, const box_measure *m, box_decision *d, size_t n);
/* Bits a cleaned crease left, in a row of boxes along it or (a black
 * crease) at a box's outline: unsure and `creased` (decide_crease.c) */
void decide_crease_residues(const calibration *c, const box_measure *m, box_decision *d, size_t n);
/* A box unsure only for a pale trace (nothing dark in it) where a grey
 * crease was found running through it: what its soft shoulders leave
 * (decide_crease.c); decide_page reads it blank on a page whose hand
 * marks darker than such a trace */
int decide_grey_crease_trace(const calibration *c, const box_measure *m, const box_decision *d);

/* A hand that dots: two or more dots, and dots are how this hand answers
 * (at least as many as its crosses, fills and circles), on a page or over
 * the whole form. A count alone is not enough: a crosser's stray dots, or
 * specks on a noisy page, can come three at a time among a dozen crosses. */
static inline int dotting_hand(int dots, int firm, int circles) { return dots >= 2 && dots >= firm + circles; }

#endif
