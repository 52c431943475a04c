/*
 * locate_by_look.h — a page of one of omr's forms whose QR code could not be
 * read, known by its look: which template and page it is, which way up, and
 * its map (page_map.h), from its corner marks and its print (see the .c).
 */
#ifndef OMR_LOOK_LOCATE_BY_LOOK_H
#define OMR_LOOK_LOCATE_BY_LOOK_H

#include "reading/locate.h"

/* Blank pages drawn small and blurred, to know a page by its look; made on
 * first use and owned by the caller (one per thread, like the zbar reader). */
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

/* The page among the templates' pages that the scan looks most like, on a
 * sheet lying any of four ways. The likeliest must look clearly more alike
 * than any other page or turn (LOCATE_LOOK_MARGIN of correlation, or be the
 * only one of the two whose boxes are in place), and:
 * - where its rows of boxes can be seen, at least LOCATE_LOOK_BOXES of them
 *   must lie where that page prints them (a page of another questionnaire in
 *   the same house style looks alike when small and blurred: 0.68 of
 *   correlation with ekb-2024's page 1, its boxes elsewhere), and its print
 *   correlate at least LOCATE_LOOK_FLOOR (a sheet bent 2-4 mm in its middle,
 *   bled, with a fold's speckled panel over half of it: 0.31);
 * - where they cannot be seen, its print must correlate LOCATE_LOOK_MIN.
 * OMR_OK with *tmpl, *page, the transform (with its local corrections) and
 * the correlation; OMR_ERR_NOT_FOUND with a message otherwise. A page that
 * looked like one of them but was refused (its boxes elsewhere, or as like
 * another page or turn) keeps that page in *tmpl and *page, and its message
 * says so, for the mailroom; one like none of them leaves *tmpl NULL. */
#define LOCATE_LOOK_MIN 0.35
#define LOCATE_LOOK_FLOOR 0.15
#define LOCATE_LOOK_BOXES 0.75
#define LOCATE_LOOK_MARGIN 0.12
int locate_by_look(const omr_image *scan, const omr_template *const *templates, size_t n_templates,
                   locate_looks *looks, const omr_template **tmpl, int *page, page_transform *out,
                   double *match, omr_error *err);

#endif
