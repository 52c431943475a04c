/*
 * mark.h — one solid registration mark found near where it is expected: the
 * blob of the right size nearest the prediction, in a window thresholded by
 * Otsu. locate uses it for omr's square fiducials, register for a foreign
 * form's own corner marks (solid squares and discs, rings, L-bars, long bars).
 */
#ifndef OMR_MARK_H
#define OMR_MARK_H

#include "base/common.h"

typedef enum {
    MARK_SQUARE, /* omr's fiducial: a filled square, searched within 12 mm */
    MARK_SOLID,  /* a form's own mark of any common shape, within 6 mm of the prediction */
} mark_kind;

/* Looks for a mark of outer size `size_mm` around `predicted` (scan px) on a
 * scan of `s` px per mm; sets *found to its centre of gravity and returns 1,
 * or returns 0 when there is none. */
int mark_find(const omr_image *scan, omr_point predicted, double s, double size_mm, mark_kind kind,
              omr_point *found);

#endif
