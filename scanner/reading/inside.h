/*
 * inside.h — boxes with print inside them (a digit or letter printed in the
 * box, as AMC's number grids and ballots print): their ink measured against
 * the blank's own pixels in that box, not against the print mask grown by a
 * fixed 0.4 mm, which on a small box covers most of the interior and hides
 * the respondent's mark. Runs after measure_box over a whole page, since how
 * far the print must be grown is judged from the page's own boxes.
 */
#ifndef OMR_INSIDE_H
#define OMR_INSIDE_H

#include <stddef.h>

#include "forms/template.h"
#include "reading/mask.h"
#include "reading/measure.h"
#include "reading/page_map.h"

/* Re-measures, on page `page` of `tmpl` (a form with a blank page: without
 * one nothing is done), every box whose interior holds the blank's print.
 * `m` holds the page's boxes in template order (question by question) as
 * measure_box and measure_rings left them; fill, faint_fill, extent,
 * darkness and core_mm2 of those boxes are replaced. Per box the blank's
 * print is aligned on the scan's (within 0.4 mm); then the page's growth of
 * the print is chosen: the least of 0.1 .. 0.4 mm at which the page's median
 * box with print inside shows no ink (most boxes are empty; a blank that is
 * not the print, such as one drawn from a layout, keeps the old measure).
 * Returns the number of boxes re-measured, or -1 when out of memory (the
 * measures are then as measure_box left them). */
int measure_inside_print(const omr_image *scan, const page_transform *t, const page_levels *levels,
                         const print_mask *mask, const omr_template *tmpl, int page, box_measure *m,
                         size_t n);

/* The growth (mm) the last call on this thread chose, 0 when none: for tests
 * and benches. */
double measure_inside_last_grow(void);

#endif
