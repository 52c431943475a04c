/*
 * boxes.h — every box of one page measured: the box itself (measure_box),
 * circles round it (measure_rings), the shape of its ink (measure_shape)
 * and the creases through it (crease.h), each through the page's map where
 * the box lies (locate's local corrections). A box whose printed outline was
 * not seen where the map puts it, among boxes of its question whose outlines
 * were found shifted, is looked for again where they were found: a sheet
 * bent far (--folds --warp 2) leaves a question's map off by more than the
 * outline search reaches for one of its boxes, and reading that box at the
 * wrong place sends a clear answer to review as "covered".
 */
#ifndef OMR_MARKS_BOXES_H
#define OMR_MARKS_BOXES_H

#include <stdint.h>

#include "forms/template.h"
#include "reading/crease/crease.h"
#include "reading/mask.h"
#include "reading/measure.h"
#include "reading/page_map.h"

/* Measures the boxes of `page` of t in the template's order into
 * measures[] (n of them: the page's boxes). `seen` is the scan with its
 * creases cleaned (or the scan), `scan` the scan as it is (a crease's line
 * beside a box is measured there). unsure_at[k] is set to 1 for a box whose
 * region locate could not place, or that lies off the scan (cut off, folded
 * away): unread, never blank. */
void marks_measure_page(const omr_image *seen, const omr_image *scan, const page_transform *transform,
                        const page_levels *levels, const print_mask *mask, const omr_template *t, int page,
                        const page_crease *creases, int n_creases, box_measure *measures, uint8_t *unsure_at,
                        size_t n);

/* The search for a box whose outline went unseen: the nearest box of its
 * question whose outline was found must lie within this (template mm) and
 * be shifted at least MARKS_NEIGHBOUR_SHIFT_MM; the outline found again
 * must lie within MARKS_AGAIN_MM of where that shift puts it. */
#define MARKS_NEIGHBOUR_MM 30.0
#define MARKS_NEIGHBOUR_SHIFT_MM 0.6
#define MARKS_AGAIN_MM 1.0

#endif
