/*
 * discover_labels.h — the print of a blank read by Tesseract (through
 * reading/ocr.h) to propose a draft's labels: the digit or letter printed
 * inside a box, the word printed right beside it, the question text left of
 * (or above) a question's first box, and the column heads over a grid.
 * What OCR is unsure of keeps its confidence, so the draft can say so.
 */
#ifndef OMR_DISCOVER_LABELS_H
#define OMR_DISCOVER_LABELS_H

#include "base/common.h"
#include "forms/discover_types.h"
#include "reading/ocr.h"

/* Reads each box's own label into box->label / label_conf: the print inside
 * it (print_inside), else the text right beside it (label_right), up to the
 * next box on its row or 40 mm. `img` is the blank page at s px per mm. */
void discover_read_box_labels(ocr_engine *engine, const omr_image *img, double s, discover_page *pg);

/* After grouping: each question's text (left of its first box on the same
 * row, else the line above it) into pg->question_text, and the heads printed
 * over the columns of a scale grid as the labels of its boxes that have
 * none. Allocates pg->question_text (n_questions entries). */
int discover_read_question_texts(ocr_engine *engine, const omr_image *img, double s, discover_page *pg,
                                 omr_error *err);

/* Reads the print in `rect_mm` of `img` (s px per mm) as one line or block:
 * *text malloc'd UTF-8 (NULL when nothing was read), *confidence 0..100.
 * With `inside_box` (a box and a little paper round it), the box's outline
 * and all ink outside it are left out first. */
void discover_ocr_rect(ocr_engine *engine, const omr_image *img, double s, omr_rect rect_mm, int inside_box,
                       char **text, double *confidence);

#endif
