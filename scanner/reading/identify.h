/*
 * identify.h — finds and reads the page's QR code with zbar and says which
 * template, login code and page it is, and how the page lies in the scan
 * (quarter turns). Searches the four corners where the code can be after any
 * turn first, then the whole page. The payload it reads (and render prints)
 * and the login code's check character are forms/code.h.
 */
#ifndef OMR_IDENTIFY_H
#define OMR_IDENTIFY_H

#include "base/common.h"
#include "forms/code.h"
#include "forms/template.h"

typedef struct {
    char template_id[IDENTIFY_MAX_ID];
    char code[IDENTIFY_MAX_ID];
    int page;             /* 1-based */
    /* Where the QR symbol's corners lie in the scan, in pixels, in the
     * symbol's own order: top-left, top-right, bottom-right, bottom-left as
     * printed. From them locate gets orientation and a first transform. */
    omr_point corners[4];
    int has_corners;
    /* Forms omr did not print: when the page was known by its look (matched
     * to its blank copy), the map template mm -> scan px found on the way,
     * which locate starts from (row-major 3x3, [8] = 1). */
    double coarse[9];
    int has_coarse;
    int anonymous;        /* no code on the page: `code` was made up (see identify_page) */
} page_identity;

typedef struct identify_reader identify_reader; /* one zbar scanner; one per thread */
identify_reader *identify_reader_new(void);
void identify_reader_free(identify_reader *reader);

/* Where codes are printed on the forms being read, so the search can start
 * there: each area is a code square in mm on a page of the given size. */
typedef struct {
    const omr_rect *areas;
    size_t n_areas;
    double page_width, page_height; /* mm */
} identify_hints;

/* The templates being read (borrowed; they must outlive the reader). Needed
 * for forms omr did not print: their barcodes and patterns, and their blank
 * pages for pages with no code at all. Without them only omr's QR codes are
 * read. */
void identify_reader_set_templates(identify_reader *reader, const omr_template *const *templates,
                                   size_t n_templates);

/* Reads the page's QR code: first in each hinted area as it lies after a
 * turn of 0, 90, 180 or 270 degrees (hints may be NULL), then on the whole
 * page, then on the page at half size. OMR_ERR_NOT_FOUND when there is none
 * anywhere (the message says so in mailroom words); OMR_ERR_INVALID when a
 * code was found but is not an omr code or fails its check.
 *
 * With the reader's templates, forms omr did not print are read too: a template's
 * QR code or 1-D barcode (Code 128, Interleaved 2 of 5, Code 39) whose text
 * its identity pattern maps to code and page (barcode.c); and a page of a
 * template without any code is matched to the template's blank pages by its
 * look. Such a page gets a made-up code ("N" and ten letters and digits from
 * the page's pixels, identity->anonymous set), and the pages of a form of
 * several pages are paired by scan order: a page joins the form the reader
 * saw last when it is of the same template and that form lacks its page
 * number; otherwise it starts a new form. */
int identify_page(identify_reader *reader, const omr_image *page, const identify_hints *hints,
                  page_identity *out, omr_error *err);

#endif
