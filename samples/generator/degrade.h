/*
 * degrade.h — what an office scanner does to a filled page: the paper lies
 * a little skewed, scaled and shifted on the glass (one affine warp), some
 * pages go in upside down or sideways (quarter turns), optics blur, the
 * sensor adds noise, dust adds speckle, the lamp lights the page unevenly,
 * and 1-bit scanners threshold. degrade_pick draws one page's settings;
 * degrade_scan applies them to a clean grey page and returns the "scan".
 */
#ifndef SAMPLES_DEGRADE_H
#define SAMPLES_DEGRADE_H

#include <stdint.h>

#include "base/common.h"
#include "rng.h"
#include "forms/template.h"

typedef struct {
    double skew_deg;    /* rotation on the glass, +-3 */
    double scale;       /* 0.97..1.03 */
    double dx_mm, dy_mm;/* shift, +-3 mm */
    int quarter_turns;  /* clockwise quarter turns after scanning: 0, 1, 2, 3 */
    double blur_sigma;  /* pixels, 0..1.2 */
    double noise_sigma; /* grey levels, 0..8 */
    double speckle;     /* share of pixels turned black or white, 0..0.0005 */
    double paper;       /* grey level of blank paper, ~240..255 */
    int uneven;         /* a lighting gradient across the page */
    double uneven_depth;/* how much darker the dark side is, grey levels */
    double uneven_angle;/* direction of the gradient, radians */
    int bilevel;        /* the scan is thresholded to black and white */
    int threshold;      /* grey level below which a bilevel pixel is black */
} degrade_params;

/* One page's settings. quick: milder (tests); bilevel: the page will be
 * stored 1-bit, so the threshold keeps light pencil (as a scanner's
 * "text" mode does) and the lighting stays even. */
void degrade_pick(degrade_params *p, rng *r, int quick, int bilevel);

/* Grey page from a cairo RGB24 surface's pixels (luma, BT.601 weights). */
omr_image *degrade_grey_from_rgb(const unsigned char *data, int stride, int width, int height,
                                 double dpi);

/* The scanned page. With a template, the shift is limited so that the
 * fiducials and the QR code stay on the scan (a scanner's glass is larger than
 * the sheet; its output crop is not). Returns NULL and fills err on failure. */
omr_image *degrade_scan(const omr_image *page, const degrade_params *p, const omr_template *tmpl,
                        rng *r, omr_error *err);

#endif
