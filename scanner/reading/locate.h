/*
 * locate.h — finds the page's four fiducial marks and the transform from the
 * template (millimetres) to the scan (pixels). The QR code's corners give a
 * first guess of position, turn and scale; each mark is then searched for in a
 * window around its predicted place, and an affine map is fitted to the marks
 * found. One missing or covered mark is survived (three fix an affine map).
 * Regions of boxes that the page's print shows off that map (paper that is
 * not flat) get their own shift, or are marked unsure (page_map.h).
 * Hands the transform (page_map.h) on to measure. Forms omr did not print
 * are located by register.c. A page whose code cannot be read is located,
 * and known, by its look (locate_by_look).
 */
#ifndef OMR_LOCATE_H
#define OMR_LOCATE_H

#include "base/common.h"
#include "forms/template.h"
#include "reading/identify.h"
#include "reading/page_map.h"

int locate_page(const omr_image *scan, const omr_template *tmpl, const page_identity *identity,
                page_transform *out, omr_error *err);

/* Blank pages drawn small, to know a page by its look; made on first use and
 * owned by the caller (one per thread, like the zbar reader). */
typedef struct {
    const omr_template *tmpl;
    int page;
    omr_image *blank;
} locate_look;

typedef struct {
    locate_look *items;
    size_t n, cap;
} locate_looks;

void locate_looks_free(locate_looks *looks);

/* A page of one of omr's forms whose code could not be read, known by its
 * look: its four corner marks are found as locate_page finds them, for each
 * way the sheet can lie (where they lie if the sheet fills the scan, else
 * from the solid squares nearest the scan's corners: the glass beyond a
 * sheet scanned too), and the page's print is compared with each blank
 * page of each template. The best must match clearly (correlation of the
 * print at least LOCATE_LOOK_MIN, and LOCATE_LOOK_MARGIN above any other
 * page or turn). OMR_OK with *tmpl, *page, the transform and the match's
 * correlation; OMR_ERR_NOT_FOUND with a message otherwise. */
#define LOCATE_LOOK_MIN 0.35
#define LOCATE_LOOK_MARGIN 0.12
int locate_by_look(const omr_image *scan, const omr_template *const *templates, size_t n_templates,
                   locate_looks *looks, const omr_template **tmpl, int *page, page_transform *out,
                   double *match, omr_error *err);

#endif
