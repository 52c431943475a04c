/*
 * structure.h — a page found through its blank's printed structure, not its
 * features: where the blank has ink (box outlines, dots, rules, labels), the
 * scan must have ink too. Works when the blank is a clean drawing made from a
 * layout (a few squares and dots, no text) and the scan is a real scan full
 * of question text, handwriting and scanner noise, where ORB features of the
 * two have nothing in common (reference.c).
 *
 * The blank's ink is kept as points in template mm at three resolutions
 * (1, 2 and 4 px per mm); the scan's ink as chamfer distance maps at the same
 * resolutions. A pose (quarter turn, small angle, scale, anisotropy, offset)
 * scores the mean distance from each blank ink point, mapped, to the nearest
 * scan ink (capped). Coarse: every quarter turn the scan's shape allows,
 * angles within ±4°, the scales the page size and the resolution tag give,
 * offsets within ±25 mm, on a small sample of points; the best few are then
 * refined at 2 and 4 px per mm by descent. Extra ink on the scan (text,
 * answers) costs nothing; blank ink with no scan ink under it does.
 */
#ifndef OMR_LOOK_STRUCTURE_H
#define OMR_LOOK_STRUCTURE_H

#include <stddef.h>
#include <stdint.h>

#include "base/common.h"

typedef struct look_structure look_structure; /* a blank's ink; immutable, shared by threads */
typedef struct look_scan look_scan;           /* a scan's ink distance maps; one per scan */

/* The blank's ink: `blank` is the page (the whole sheet), `px_per_mm` its
 * scale. NULL when out of memory. A blank with no ink has no points and
 * never matches. */
look_structure *look_structure_of_blank(const omr_image *blank, double px_per_mm);
void look_structure_free(look_structure *s);
/* How many ink points the blank has at its finest resolution. */
int look_structure_points(const look_structure *s);

/* The blank's ink as bytes, to be kept in a cache (reading/look/cache.c):
 * look_structure_size bytes written by look_structure_save; load makes it
 * again, NULL when the bytes are not a whole structure or out of memory. */
size_t look_structure_size(const look_structure *s);
void look_structure_save(const look_structure *s, uint8_t *out);
look_structure *look_structure_load(const uint8_t *in, size_t len);

/* The scan's ink, for a form of page_w x page_h mm (the size it is expected
 * to be: the scale search starts from it). NULL when out of memory. */
look_scan *look_scan_prepare(const omr_image *scan, double page_w, double page_h);
void look_scan_free(look_scan *scan);
/* 1 when `scan` was prepared for a page of page_w x page_h mm. */
int look_scan_is_for(const look_scan *scan, double page_w, double page_h);

/* The best pose of the blank on the scan: sets mm_to_px (template mm -> scan
 * px, row-major 3x3, [8] = 1) and returns the share (0..1) of the blank's ink
 * points that lie within 0.4 mm of scan ink under it. 0 when nothing fits. */
double look_structure_match(const look_structure *s, const look_scan *scan, double mm_to_px[9]);

/* The share of the blank's ink points within 0.4 mm of scan ink under a
 * given map (how well a map found otherwise fits the print). */
double look_structure_agreement(const look_structure *s, const look_scan *scan, const double mm_to_px[9]);

#endif
