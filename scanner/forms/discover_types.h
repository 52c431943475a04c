/*
 * discover_types.h — what discover.h and discover_shapes.h share: a box and
 * a page as found on a blank (so the shape finder does not include the
 * public interface, and the two make no include cycle).
 */
#ifndef OMR_DISCOVER_TYPES_H
#define OMR_DISCOVER_TYPES_H

#include <stddef.h>

#include "base/common.h"

typedef struct {
    omr_rect rect;    /* mm: the outer edge of the printed outline */
    int round;        /* a bubble, not a square */
    int label_right;  /* the form prints something right beside it */
    int ink_left;     /* ink (not another box) within 12 mm left of it on its row */
    int print_inside; /* a digit or letter printed inside it (AMC's digit grids) */
    double label_left; /* mm: where a label read left of it begins (behind a leader line); 0 if none */
    char label[48];   /* the print inside it or beside it, as OCR read it ("" if none) */
    int label_conf;   /* OCR's confidence in `label`, 0..100 */
    int question;     /* index into the page's candidate questions */
    int value;        /* 1-based place in its question */
    int row;          /* the row of the page it stands on (for grouping) */
} discover_box;

typedef struct {
    char text[96]; /* as OCR read it from the blank ("" if nothing) */
    int conf;      /* OCR's confidence, 0..100 */
} discover_text;

typedef struct {
    discover_box *boxes;
    size_t n_boxes;
    int n_questions;
    int *question_scale;   /* per question: part of a grid (a scale with column heads) */
    int *question_column;  /* per question: a column of a grid (an ID grid's digit), values top down;
                            * 2: ten boxes with no printed labels, taken as the digits 0-9 */
    discover_text *question_text; /* per question: the text printed left of or above it */
    omr_rect *fields;      /* frames big enough to write in, mm */
    size_t n_fields;
    int n_combs;           /* of the fields, how many are combs of character boxes (the last ones) */
    omr_point marks[4];    /* centres of gravity, mm: TL, TR, BL, BR */
    int has_mark[4];
    double mark_size;      /* the largest mark's outer size, mm */
    omr_rect dropped[16];  /* boxes left out so the draft passes `template check` (too close */
    size_t n_dropped;      /* to another box or on a corner mark), mm; the first 16 */
    size_t n_dropped_all;
} discover_page;

#endif
