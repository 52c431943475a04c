/*
 * measure.h — how much ink is in each box, and near it. For every box the
 * template's rectangle is mapped onto the scan, re-centred on the printed
 * outline found within +-1.2 mm, and measured: the share of the interior that
 * is inked (fill), how far the ink spreads across the box (extent), how dark
 * it is, and the share of a ring just outside the box that is inked (ink near
 * the box: a circle around it, a mark beside it). Hands the numbers to decide.
 */
#ifndef OMR_MEASURE_H
#define OMR_MEASURE_H

#include "common.h"
#include "locate.h"
#include "template.h"

/* Paper and ink levels of one page, so that a pale scan and a dark one are
 * measured alike. */
typedef struct {
    double white; /* grey level of blank paper */
    double black; /* grey level of printed black (the fiducials) */
} page_levels;

typedef struct {
    double fill;      /* 0..1: share of the box interior that is ink */
    double extent;    /* 0..1: largest span of the ink across the interior */
    double darkness;  /* 0..1: mean darkness of the inked pixels */
    double halo;      /* 0..1: share of the ring around the box that is ink */
    double shift_mm;  /* how far the outline was found from where it was expected */
    int outline_found;/* the printed outline was seen (else measured in place) */
} box_measure;

void measure_levels(const omr_image *scan, const page_transform *transform, page_levels *out);

void measure_box(const omr_image *scan, const page_transform *transform, const page_levels *levels,
                 omr_rect box_mm, int label_right, box_measure *out);

/* Share of the field's interior (inset 1.5 mm from its outline) that is ink. */
double measure_text_ink(const omr_image *scan, const page_transform *transform,
                        const page_levels *levels, omr_rect field_mm);

/* Share of a coarse grid of the whole page that is ink (blank-page test). */
double measure_page_ink(const omr_image *scan);

#endif
