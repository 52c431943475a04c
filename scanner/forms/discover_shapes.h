/*
 * discover_shapes.h — what discover.c looks for on one page of a blank, by
 * shape: check boxes and bubbles found by the paper they enclose (so leader
 * lines, table rules and broken 1-bit outlines do not hide them; also with
 * a digit or letter printed inside them), combs of
 * character boxes (a text field), and corner marks of any common shape
 * (solid squares and discs, rings, L-bars, long bars).
 */
#ifndef OMR_DISCOVER_SHAPES_H
#define OMR_DISCOVER_SHAPES_H

#include "base/cv_wrap.h"
#include "forms/discover_types.h"

/* Finds the boxes and bubbles of the page `img` (s px per mm, ink darker than
 * `threshold`) and appends them to pg->boxes (which it allocates); combs of
 * five or more character boxes in a row go to pg->fields instead (up to
 * `max_fields`), and their count to *n_combs. Boxes that lie on a corner
 * mark (pg->has_mark, `areas` in mm) are left out. */
int discover_find_boxes(const omr_image *img, int threshold, double s, const omr_rect areas[4], discover_page *pg,
                        size_t max_fields, int *n_combs, omr_error *err);

/* Picks the form's corner marks from the page's ink components: per corner,
 * the mark-like shape (solid square or disc, ring, L-bar, long bar; at most
 * 40 mm) nearest that corner within 45 mm. Fills pg->marks, has_mark and
 * mark_size, and each mark's bounding box in `areas` (mm). */
void discover_find_marks(const omr_image *img, int threshold, const cvw_shape *shapes, int n, double s,
                         double page_w, double page_h, discover_page *pg, omr_rect areas[4]);

#endif
