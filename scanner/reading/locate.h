/*
 * locate.h — finds the page's four fiducial marks and the transform from the
 * template (millimetres) to the scan (pixels). The QR code's corners give a
 * first guess of position, turn and scale; each mark is then searched for in a
 * window around its predicted place, and an affine map is fitted to the marks
 * found. One missing or covered mark is survived (three fix an affine map).
 * Hands the transform (page_map.h) on to measure. Forms omr did not print
 * are located by register.c.
 */
#ifndef OMR_LOCATE_H
#define OMR_LOCATE_H

#include "base/common.h"
#include "forms/template.h"
#include "reading/identify.h"
#include "reading/page_map.h"

int locate_page(const omr_image *scan, const omr_template *tmpl, const page_identity *identity,
                page_transform *out, omr_error *err);

#endif
