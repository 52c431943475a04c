/*
 * mark.h — one solid registration mark found near where it is expected: the
 * blob of the right size nearest the prediction, in a window thresholded by
 * Otsu. locate uses it for omr's square fiducials, register for a foreign
 * form's own corner marks (solid squares and discs, rings, L-bars, long bars).
 */
#ifndef OMR_MARK_H
#define OMR_MARK_H

#include "base/common.h"
#include "base/cv_wrap.h"

typedef enum {
    MARK_SQUARE, /* omr's fiducial: a filled square, searched within 12 mm */
    MARK_SOLID,  /* a form's own mark of any common shape, within 6 mm of the prediction */
} mark_kind;

/* Looks for a mark of outer size `size_mm` around `predicted` (scan px) on a
 * scan of `s` px per mm; sets *found to its centre of gravity and returns 1,
 * or returns 0 when there is none. */
int mark_find(const omr_image *scan, omr_point predicted, double s, double size_mm, mark_kind kind,
              omr_point *found);

/* How much shorter or longer along one axis a sheet may come through a
 * feeder (a roller slipping, a sheet dragged): mark_find_corners also looks
 * where the guess stretched by this much about the QR code puts a mark. */
#define MARK_FEED_STRETCH 0.06

/* Looks for four square marks of `size_mm` whose template places (mm) are
 * `where`, around where `guess` (template mm -> scan px, a similarity from
 * the QR code centred at template point `code`) puts them; found_px[i] is
 * mark i's centre or its predicted place. A sheet stretched along one axis
 * (a feeder's roller slipping: 4-8% shorter along the feed) puts the marks
 * far from the code 12-20 mm from that guess, beyond the window: with two
 * found, the others are looked for where the guess stretched by
 * MARK_FEED_STRETCH along either axis puts them; with three, the fourth
 * where their affine map puts it (which carries the stretch). Returns the
 * bitmask of marks found. */
unsigned mark_find_corners(const omr_image *scan, const omr_point where[4], double size_mm, double s,
                           const cvw_affine *guess, omr_point code, omr_point found_px[4]);

#endif
