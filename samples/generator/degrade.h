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

/* ---- what a flat glass does not do (omr-samples make --warp S) ----------------
 * Non-linear distortion, as a displacement of the page's content in mm that
 * varies over the page; S scales every amplitude (1: a poor but usual scan).
 * Drawn per page from a stream of its own; the reader is not tuned on it. */
#define DEGRADE_BUMPS 3
typedef struct {
    double strength;          /* S; 0: no warp */
    int curl_edge;            /* paper curl near a spine: 0 left, 1 right, 2 top, 3 bottom */
    double curl_mm, curl_width_mm; /* pulled toward that edge by up to curl_mm, within curl_width_mm */
    double roller_mm, roller_period_mm, roller_phase; /* feed rollers: a wave of stretch down the page */
    double drift_mm;          /* ... and a feed that slows (or speeds) steadily: mm at the bottom */
    double barrel_mm;         /* lens barrel (> 0) or pincushion (< 0): mm at a page corner */
    double keystone_mm[4][2]; /* a sheet photographed at an angle: each corner moved, mm */
    double bump_mm[DEGRADE_BUMPS][2], bump_at[DEGRADE_BUMPS][2], bump_r_mm[DEGRADE_BUMPS]; /* local stretch */
} degrade_warp;

/* Draws a page's warp of strength s: curl 0.6-1.6 mm within 25-60 mm of an
 * edge, rollers 0.2-0.6 mm over 90-260 mm, drift up to 0.6 mm, barrel
 * 0.4-1.4 mm, keystone up to 1.2 mm a corner, three bumps of 0.2-0.6 mm over
 * 12-40 mm, each times s. */
void degrade_pick_warp(degrade_warp *w, rng *r, double s);
/* Where page content at (x, y) mm lies after the warp, minus (x, y): mm. */
void degrade_warp_at(const degrade_warp *w, double page_w_mm, double page_h_mm, double x, double y,
                     double *dx, double *dy);

/* ---- a sheet folded for its envelope (omr-samples make --folds) ----------------
 * A crease scans as a faint line straight across the sheet, often with a
 * lighter or darker paper beyond it; drawn per page from a stream of its own,
 * in ranges the reader was not tuned on. */
typedef struct {
    int n;              /* creases: 0, 1 (in half) or 2 (in thirds) */
    int vertical;       /* folded along the page's height (a crease top to bottom) */
    double at_mm[2];    /* where each crosses the page's middle, mm from the top (left) */
    double tilt[2];     /* mm per mm */
    double darker;      /* 0.04-0.30: how much darker the crease's middle is */
    double width_mm;    /* 0.08-0.6: its Gaussian width */
    double step;        /* -0.04-0.07: the paper beyond it darker (> 0) or lighter */
    double shine;       /* 0-0.06: a light edge beside the crease (the fold's ridge catching the lamp) */
} degrade_fold;

/* Draws a page's fold: in half or in thirds (or none, one page in three). */
void degrade_pick_fold(degrade_fold *f, rng *r, double page_w_mm, double page_h_mm);
/* Creases the clean page (before it goes on the glass). */
void degrade_fold_page(omr_image *page, const degrade_fold *f);

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
    double glass_w_mm, glass_h_mm; /* the scan shows this much glass right of and below the sheet */
    degrade_warp warp;  /* what no affine map describes (all 0: none) */
    degrade_fold fold;  /* the sheet's creases (n 0: flat; put on the clean page by the caller) */
} degrade_params;

/* ---- the widened scanner faults (omr-samples make --scanner-mix) ----------------
 * Drawn once per envelope from a stream of their own, so that without
 * --scanner-mix every file stays what it was. */

/* What a file says of its resolution. */
typedef enum {
    DEGRADE_TAG_RIGHT, /* the pixels' own resolution */
    DEGRADE_TAG_NONE,  /* none (a JPEG then says JFIF density 1:1, units 0) */
    DEGRADE_TAG_ONE,   /* 1 dpi: an aspect ratio 1:1 written as a resolution */
    DEGRADE_TAG_72,    /* 72 dpi, a screen default */
    DEGRADE_TAG_WRONG, /* 200-dpi pixels tagged 300, or 300-dpi pixels tagged 200 */
    DEGRADE_TAG_FAX,   /* a fax: pixels at 204 x 196 dpi, tagged so (TIFF only) */
} degrade_tag;

typedef struct {
    degrade_tag tag;
    int harsh;                     /* 1-bit at 200 dpi, blurred, dark threshold: print and QR bleed */
    double glass_w_mm, glass_h_mm; /* the scanner's glass shown beyond the sheet, or 0 */
} degrade_envelope;

/* One envelope's faults: tags right on about half, none, 1:1, 72, wrong and
 * fax on the rest; harsh 1-bit on about one in six; a larger glass (letter,
 * legal or a flatbed's whole bed) on about one in six. */
void degrade_pick_envelope(degrade_envelope *e, rng *r);
/* "right", "none", "1:1", "72", "wrong", "fax" (the manifest's `tag`). */
const char *degrade_tag_name(degrade_tag tag);
/* The resolution to write for pixels of `dpi` under `tag` (0: none). */
double degrade_tag_dpi(degrade_tag tag, double dpi);
/* A harsh 1-bit scanner: blur 0.8-1.7 px, threshold 214-238 (print and
 * QR modules bleed), noise up to 5, a bright paper. */
void degrade_make_harsh(degrade_params *p, rng *r);
/* A fax's rows: the scan resampled from `dpi` to `ydpi` vertically (the file
 * then says dpi x ydpi). NULL with err on failure. */
omr_image *degrade_fax_rows(const omr_image *scan, double ydpi, omr_error *err);

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
