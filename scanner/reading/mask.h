/*
 * mask.h — the print mask: where the blank form carries print on one page,
 * one cell per 0.1 mm, grown by 0.4 mm. Ink that measure finds where the
 * mask is set is the form's own print, not the respondent's. Made from the
 * template's own drawing (forms/draw.h) for omr's forms, from the blank page
 * (reference.h) for forms omr did not print; never by calling the printer.
 */
#ifndef OMR_MASK_H
#define OMR_MASK_H

#include <stdint.h>

#include "base/common.h"
#include "forms/template.h"

typedef struct {
    int width, height;
    double pitch;      /* mm per cell */
    uint8_t *printed;  /* width*height, 1 where the form has print */
} print_mask;

/* The mask of page `page` (1-based) of `tmpl`; *out owns its cells on OMR_OK
 * (print_mask_free). Keeps the measure_ name the batch scanner calls it by. */
int measure_print_mask(const omr_template *tmpl, int page, print_mask *out, omr_error *err);
void print_mask_free(print_mask *mask);

/* The bounds of the printed cells among cells [x0, x1) x [y0, y1) of `mask`
 * (clipped to it): 1 with the first and last printed column in *lx, *hx and
 * row in *ly, *hy, 0 (bounds untouched) when none is printed there. */
int print_mask_bounds(const print_mask *mask, int x0, int y0, int x1, int y1, int *lx, int *ly, int *hx, int *hy);

/* Which samples of a w x h grid at `pitch` mm, whose sample (0, 0) lies at
 * (ox, oy) template mm, are the blank's print that is not `box`'s own
 * outline: a table cell's rules, a label, a leader line around it (1 where
 * so, w*h, the caller's to free). NULL when there is none (a box on open
 * paper) or no memory: then every sample may be the outline. */
uint8_t *print_mask_beyond(const print_mask *mask, omr_rect box, double ox, double oy, double pitch, int w, int h);

#endif
