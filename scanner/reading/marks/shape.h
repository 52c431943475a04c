/*
 * shape.h — the shape of the ink inside a box: is it a compact blob (a dot,
 * however bled) or strokes (a cross, a tick)? A dot fills the ellipse of its
 * own second moments; two strokes through the centre fill a small part of
 * theirs. Measured after measure_box (its re-centring shift is used).
 */
#ifndef OMR_SHAPE_H
#define OMR_SHAPE_H

#include "base/common.h"
#include "reading/mask.h"
#include "reading/measure.h"
#include "reading/page_map.h"

/* Fills out->compact (ink area / the area of the ellipse with the ink's
 * second moments: a filled disc ~1, a filled square ~0.95, a thin cross
 * ~0.3-0.6; 0 when the box holds too little ink to say) and out->ink_span
 * (the ellipse's long axis as a share of the interior's side), the strokes'
 * width and pieces (out->stroke_mm, out->ink_pieces) and whether a line runs
 * through the box and out past two opposite sides (out->struck_through,
 * looked for round every box) for `box_mm` shifted by out->dx_mm,
 * out->dy_mm. Print of the blank form (mask) is not ink. */
void measure_shape(const omr_image *scan, const page_transform *transform, const page_levels *levels,
                   const print_mask *mask, omr_rect box_mm, box_measure *out);

#endif
