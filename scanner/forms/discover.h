/*
 * discover.h — a first template from a blank form that omr did not print
 * (`omr template new --from BLANK`): the check boxes and bubbles on each page,
 * grouped into candidate questions by rows and columns, large frames as text
 * fields, the form's own corner marks (any solid shape in each corner), and a
 * barcode if the blank carries one. The template it writes names the blank
 * as its reference and is meant to be edited by a person (ids, types,
 * values, labels); `omr template preview` draws it over the blank.
 */
#ifndef OMR_DISCOVER_H
#define OMR_DISCOVER_H

#include <stdio.h>

#include "base/common.h"
#include "forms/discover_types.h"
#include "forms/template.h"

typedef struct {
    double page_width, page_height; /* mm */
    discover_page *pages;
    size_t n_pages;
    char barcode_kind[16];          /* "code128", ... or "" */
    char barcode_text[128];
    omr_rect barcode_area;          /* mm, on page 1 */
    int labels_read;                /* Tesseract read the printed labels */
    /* a colour blank whose print is mostly of one light colour: the drop-out
     * proposed (as a comment: a person decides), and the share of page 1's
     * ink that vanishes under it; DECODE_DROPOUT_NONE otherwise */
    decode_dropout dropout;
    double dropout_share;
} discover_result;

/* Finds everything on every page of the blank (PDF, TIFF, PNG, JPEG). The
 * page size comes from the file's resolution, or, without one, from its
 * shape (A4 or US Letter). */
int discover_blank(const char *path, discover_result *out, omr_error *err);
void discover_result_free(discover_result *result);

/* Appends the pages of `more` to `result` (a blank given as one file per
 * page); `more` is left empty. */
int discover_append(discover_result *result, discover_result *more, omr_error *err);

/* The text as it may stand inside a libconfig string or a `#` comment:
 * `"` and `\\` escaped, control characters (a newline in a QR code's text) as
 * \\n, \\r, \\t or \\xNN; cut to fit `size` (a whole escape or nothing). */
void discover_escape(const char *text, char *out, size_t size);

/* Writes the template (libconfig, README "Template format") with `id` and
 * the blank's file(s) as the template should name them: one file for all
 * pages, or one per page. */
int discover_write_template(const discover_result *result, const char *id, const char *const *references,
                            size_t n_references, FILE *out, omr_error *err);

/* Draws the template's boxes, text fields, marks and code area over page
 * `page` of the blank and writes it as a colour PNG. */
int discover_preview(const omr_template *tmpl, const char *blank_path, int page, const char *png_path,
                     omr_error *err);

#endif
