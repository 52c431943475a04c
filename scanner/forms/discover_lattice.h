/*
 * discover_lattice.h — more boxes like those a blank's page already showed.
 *
 * discover_shapes.c finds a box by the paper its outline closes; an outline
 * about one pixel thick on a light 1-bit scan breaks into dots and closes
 * nothing. What it still gives is ink along the box's edge, at the size of
 * the boxes found elsewhere on the page: a form repeats its box. This looks
 * for that size everywhere on the page by the share of the outline's length
 * that has ink (a matched filter), judged against the boxes already found.
 */
#ifndef OMR_DISCOVER_LATTICE_H
#define OMR_DISCOVER_LATTICE_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    double x, y, w, h; /* px: the outline's outer edge */
    double stroke;     /* px: the outline's width */
    int round;         /* an ellipse, not a rectangle */
    int print_inside;  /* a glyph printed in its middle */
    int seed_only;     /* a guess: a class's example, kept only when found again here
                        * (2: seen on specks alone, a nearly erased outline) */
} lattice_box;

/* Looks for boxes of the sizes of `seeds` (grouped into classes of one size,
 * shape and print; a class needs three examples) on the ink `ink` (w × h, 1 =
 * ink, s px per mm) and writes those not already among `seeds` to `out` (at
 * most `max`). A place is a box when the share of its outline with ink
 * within a pixel is at least 0.6 of what the class's own examples show
 * and no more than 0.15 under their 10th percentile (and at least 0.35
 * everywhere round it), and its inside is clear (for a
 * class with print inside: a band just inside the outline). A class whose
 * examples were all seen on the specks of a nearly erased outline
 * (seed_only 2) is scored on `specks` (the page's ink pieces too small for
 * print; NULL: none) with a bar of at least 0.1. Returns the number written, -1 when out of memory. */
int discover_lattice(const uint8_t *ink, const uint8_t *specks, int w, int h, double s, const lattice_box *seeds, size_t n_seeds,
                     lattice_box *out, size_t max);

#endif
