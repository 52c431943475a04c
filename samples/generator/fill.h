/*
 * fill.h — the synthetic respondent. fill_plan decides, for one form, what a
 * person answers and how they mark it (a cross, a tick, a filled box, a
 * correction, a stroke over the edge, a dot, a circle, two ticks, a blank;
 * with black pen, blue ballpoint or light pencil) and whether they write a
 * comment; that plan is the ground truth. fill_draw_page then draws those
 * marks by hand, so to speak, on a rendered page: jittered strokes of varying
 * width in millimetres on the page's cairo context, handwriting with per-word
 * jitter in the comment field, and stray marks away from every box.
 */
#ifndef SAMPLES_FILL_H
#define SAMPLES_FILL_H

#include <cairo.h>
#include <stddef.h>

#include "base/common.h"
#include "rng.h"
#include "forms/template.h"

typedef enum {
    FILL_BLANK,       /* nothing in any box */
    FILL_CROSS,       /* an X in the box (the most common) */
    FILL_TICK,        /* a check mark */
    FILL_SOLID,       /* the box filled in (alone: it is the answer) */
    FILL_OVERSHOOT,   /* a cross or tick whose stroke runs 0.5-1.5 mm over the edge */
    FILL_CORRECTION,  /* one box filled solid (taken back) + a cross in another */
    FILL_DOT,         /* a 0.6-1.5 mm dot in the box: ambiguous from someone who crosses,
                         the answer from a respondent who dots every answer */
    FILL_CIRCLE,      /* a circle or oval, closed or open, 1.1-3x the box, round the box or
                         its label: the answer (ambiguous only when it takes in another box) */
    FILL_DOUBLE_TICK, /* two boxes marked in a single-choice question: ambiguous */
    FILL_ERASED,      /* a cross in the answer and a half-erased cross in another box */
    FILL_BEHAVIOUR_COUNT
} fill_behaviour;

typedef enum { PEN_BLACK, PEN_BLUE, PEN_PENCIL } fill_pen;

typedef struct {
    fill_behaviour behaviour;
    fill_pen pen;
    int *chosen;      /* per box: 1 when it is the respondent's answer (the truth) */
    int solid_box;    /* FILL_CORRECTION: the box filled solid and taken back, else -1 */
    int second_box;   /* FILL_DOUBLE_TICK: the other marked box, else -1 */
    int circle_label; /* FILL_CIRCLE: around the label rather than the box */
    int erased_box;   /* FILL_ERASED: the box whose mark was rubbed out, else -1 */
    int ambiguous;    /* a person could not say for sure what was meant */
} fill_answer;

typedef enum { COMMENT_NONE, COMMENT_HANDWRITTEN, COMMENT_PRINTED } fill_comment_kind;

#define FILL_MAX_SENTENCES 4

typedef struct {
    fill_comment_kind kind;
    int sentences[FILL_MAX_SENTENCES];
    int n_sentences;
    int font;   /* index into the handwriting families */
    fill_pen pen;
    int word;   /* > 0: a one-word answer ("Ja", "no.") anywhere in the field, WORDS[word - 1]
                 * (kind COMMENT_HANDWRITTEN; sentences unused) */
    char *text; /* the words actually written, set by fill_draw_page (owned) */
} fill_comment;

typedef struct {
    const omr_template *tmpl;
    char code[16];
    fill_pen pen;          /* the pen most of the form is filled with */
    double pencil_grey;    /* 102..178 of 255: pencil at 30-60% darkness */
    fill_behaviour style;  /* the respondent's habit: FILL_CROSS (crosses, ticks, fills as they
                              come), FILL_DOT (dots nearly every answer) or FILL_CIRCLE (circles) */
    double pen_width;      /* mm, the respondent's usual line */
    fill_answer *answers;  /* one per template question */
    fill_comment *comments;/* one per template text field */
    uint64_t stroke_seed;  /* strokes of page p come from rng_derive(stroke_seed, 1, p) */
} fill_form;

/* Plans one form's answers and comments. Returns OMR_OK or OMR_ERR_MEMORY. */
int fill_plan(fill_form *form, const omr_template *tmpl, const char *code, rng *r);
void fill_form_clear(fill_form *form);

/* Draws the marks, comments and stray marks that belong on page `page` on cr,
 * whose user space is millimetres from the page's top-left corner and which
 * already holds the rendered page. Sets form->comments[i].text for the text
 * fields on that page. */
int fill_draw_page(cairo_t *cr, fill_form *form, int page, omr_error *err);

/* A page that is not a form: a short letter from the respondent, typed and
 * signed by hand, no QR code (it came in the same envelope). */
void fill_draw_letter(cairo_t *cr, double width_mm, double height_mm, rng *r);

/* The truth of question i as written in truth.csv: the chosen value, the
 * chosen values separated by spaces (multi, and the two boxes of a double
 * tick), or "" for a blank. */
void fill_truth(const fill_form *form, size_t question, char *buf, size_t size);

const char *fill_behaviour_name(fill_behaviour b);
const char *fill_comment_kind_name(fill_comment_kind k);
const char *fill_pen_name(fill_pen pen);

#endif
