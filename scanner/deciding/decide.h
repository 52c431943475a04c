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
} box_decision;

box_decision decide_box(const calibration *cal, const box_measure *m);
const char *decide_box_state_name(box_state state);

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
    int taken_back;     /* a correction (solid box beside a mark) was applied */
} question_answer;

/* Decides one question from its boxes' decisions (n = q->n_boxes). The caller
 * owns `out->selected` (allocated for multi questions; free with free()). */
void decide_question(const template_question *q, const box_decision *boxes, question_answer *out);

/* Routing: 1 when `q` is answered although its only_if condition does not hold
 * (the condition question answered otherwise). */
int decide_routing_violated(const omr_template *tmpl, const template_question *q,
                            const question_answer *answers);

#endif
