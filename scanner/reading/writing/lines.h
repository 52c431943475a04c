/*
 * lines.h — long thin straight lines taken out of a text field's ink
 * before its pieces are judged (writing.c, step 4; see lines.c).
 */
#ifndef OMR_WRITING_LINES_H
#define OMR_WRITING_LINES_H

#include <stdint.h>

/* Takes long thin straight lines out of `ink` and `strong` (w x h, one byte
 * per pixel, nonzero where inked; `strong` the dark core): lines that run
 * left to right (slope up to 1.2) when `vertical` is 0, top to bottom when
 * it is 1; `s` pixels per mm. The lines are chained from the dark core, or
 * from all the ink when `pale` (a fold's pale crease has no dark core).
 * Returns the lines removed, or -1 when out of memory. */
int writing_remove_lines(uint8_t *ink, uint8_t *strong, int w, int h, int vertical, int pale, double s);

#endif
