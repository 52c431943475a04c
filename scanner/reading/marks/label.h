/*
 * label.h — where a box's long label is printed on the scan. On a sheet
 * bent unevenly a label right of its box (up to 45 mm of words) lies off
 * the box's own place, and bent along its length: the print mask placed
 * with the box then leaves the edges of its words as "ink beside the box".
 * measure.c asks for the label's place when a box's zone holds ink, and
 * masks the label's print where it was found (see label.c). Also where
 * the blank prints a box's label and the zone round a box where stray ink
 * counts as near it (template geometry; measure.h includes this).
 */
#ifndef OMR_MARKS_LABEL_H
#define OMR_MARKS_LABEL_H

#include <math.h>

#include "base/common.h"
#include "forms/template.h"
#include "reading/mask.h"
#include "reading/page_map.h"

/* A label is followed in pieces of LABEL_PIECE_MM at most (LABEL_PIECES of
 * them), each shifted within LABEL_BEND_MM of the whole label's shift. */
#define LABEL_PIECES 8
#define LABEL_PIECE_MM 6.0
#define LABEL_BEND_MM 0.75
/* Only a label of LABEL_LONG_MM and more is looked for, within
 * LABEL_SEARCH_MM of the box's place. */
#define LABEL_LONG_MM 12.0
#define LABEL_SEARCH_MM 2.0

typedef struct {
    double to_x;   /* template mm: this piece runs up to here (the last: to the label's end) */
    double dx, dy; /* where its print lies on the scan against the template (mm) */
} label_piece;

typedef struct {
    double from_x; /* template mm: the label's part of the zone starts here (beyond: none) */
    double dx, dy; /* where the whole label's print lies (the best single shift) */
    int n;         /* pieces, 1..LABEL_PIECES */
    label_piece piece[LABEL_PIECES];
} label_place;

/* The label as one piece at its whole shift. */
static inline label_place label_whole(const label_place *l) {
    label_place one = {.from_x = l->from_x, .dx = l->dx, .dy = l->dy, .n = 1};
    one.piece[0] = (label_piece){INFINITY, l->dx, l->dy};
    return one;
}

/* The piece of the label holding template x. */
static inline int label_piece_at(const label_place *l, double x) {
    int k = 0;
    while (k + 1 < l->n && x >= l->piece[k].to_x)
        k++;
    return k;
}

/* Looks for the print of `label` (template mm: the blank's print within it,
 * right of a box whose outline was found at (dx, dy) mm off the map): the
 * shift that puts the blank's print cells on the darkest scan, for the
 * whole label, then for each piece near that. 0 when the label is too short
 * or too little print to be found (out untouched), else 1. */
int label_find(const omr_image *scan, const page_transform *t, const print_mask *mask, omr_rect label, double dx,
               double dy, label_place *out);

/* The label printed right of box `box` as the blank shows it (template
 * mm): from 1 mm right of the box to where the print on its row stops for
 * 4 mm, never past the next box; width 0 for a box without a label to its
 * right (or without a mask to see it by). */
omr_rect measure_label_print(const omr_template *tmpl, const template_question *q, size_t box,
                            const print_mask *mask);

/* The label printed just above box `index` and alone there (template mm):
 * a scale's number over its box, as ekb-2024's q6 prints "1".."10" 3 mm
 * above its ten boxes, its question's labels = "none" (no label stands
 * right of them). The print within LABEL_ABOVE_MM above the box and
 * LABEL_ABOVE_SIDE_MM either side of it, clear of the window's edges (a
 * column head's words or a line of text running past it are no label of
 * this one box) and of every other box; width 0 for none (or without a
 * mask, or for a question whose labels stand right of its boxes). */
#define LABEL_ABOVE_MM 6.5
#define LABEL_ABOVE_SIDE_MM 3.0
omr_rect measure_label_above(const omr_template *tmpl, const template_question *q, size_t box,
                            const print_mask *mask);

/* A box as printed and measured (measure.c, rings.c, label.c): */
#define OUTLINE_MM 0.35   /* printed line width */
#define INSET_MM 0.45     /* the interior starts this far inside the outline */
#define NEAR_FROM_MM 0.45 /* ink near a box: from here outside the outline ... */
#define NEAR_TO_MM 2.4    /* ... to here (and around the label) */

/* The area around a box where a respondent's stray ink means "unclear": the
 * box grown by NEAR_TO_MM; sideways, half way to the neighbouring boxes on the
 * same row (a cross between two boxes is near both); with labels to the
 * right, at least the label as printed (where the mask's print on the box's
 * row stops), grown by NEAR_TO_MM. */
omr_rect measure_near_zone(const omr_template *tmpl, const template_question *q, size_t box,
                           const print_mask *mask);

/* The box next right of box `index` on its row (any question of the page)
 * whose near zone meets this box's half way between them, so that ink
 * between the two is counted half round each (box_measure's near_right_mm2
 * of this one, near_left_mm2 of that); NULL where there is none, or where a
 * label right of this box stretches its zone. */
const template_box *measure_zone_meets_next(const omr_template *tmpl, const template_question *q, size_t index);

#endif
