/*
 * locate.h — finds the page's four fiducial marks and the transform from the
 * template (millimetres) to the scan (pixels). The QR code's corners give a
 * first guess of position, turn and scale; each mark is then searched for in a
 * window around its predicted place, and an affine map is fitted to the marks
 * found. One missing or covered mark is survived (three fix an affine map);
 * two, cut off or covered, when the similarity the other two fix agrees with
 * the QR code, or with the page's look (locate.c fit_two_marks).
 * Regions of boxes that the page's print shows off that map (paper that is
 * not flat) get their own shift, or are marked unsure (page_map.h).
 * Hands the transform (page_map.h) on to measure. Forms omr did not print
 * are located by register.c. A page whose code cannot be read is located,
 * and known, by its look (look/locate_by_look.h), through the functions
 * at the end.
 */
#ifndef OMR_LOCATE_H
#define OMR_LOCATE_H

#include "base/common.h"
#include "forms/template.h"
#include "reading/identify.h"
#include "reading/page_map.h"

int locate_page(const omr_image *scan, const omr_template *tmpl, const page_identity *identity,
                page_transform *out, omr_error *err);

/* For a page known by its look (look/locate_by_look.c), which places the
 * page from its corner marks alone: */

/* The global map from the marks (locate_page without the local
 * corrections); `code_read` 0: id's symbol corners are only where the code
 * would be. */
int locate_global(const omr_image *scan, const omr_template *t, const page_identity *id, int code_read,
                  page_transform *out, omr_error *err);

/* The local corrections of a page the global map places (page_map.h). */
void locate_local(const omr_image *scan, const omr_template *t, int page, page_transform *out);

/* The printed QR symbol's side in mm for id's payload (0 when it cannot be told). */
double locate_qr_symbol_mm(const omr_template *t, const page_identity *id);

/* How surely page `page`'s printed boxes lie where tr puts them: the share
 * of its regions of boxes whose outlines are found within 3.5 mm, among
 * those whose paper can be seen; -1 when too few can be seen to tell. */
double locate_boxes_in_place(const omr_image *scan, const omr_template *t, int page, const page_transform *tr);

#endif
