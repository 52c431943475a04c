/*
 * render.h — prints personalised forms: the template's texts, questions,
 * labelled boxes, free-text fields, the four fiducial marks and, on every
 * page, a QR code (error correction H) carrying template id, login code with
 * check character and page number, with the code also printed in plain text.
 * Drawn with cairo in millimetres; QR modules from libqrencode.
 */
#ifndef OMR_RENDER_H
#define OMR_RENDER_H

#include <cairo.h>

#include "base/common.h"
#include "forms/template.h"

typedef enum { RENDER_PDF, RENDER_PNG, RENDER_TIFF } render_format;

/* Draws page `page` (1-based) for `code` on `cr`, whose user space must be
 * millimetres with (0,0) at the page's top-left corner. */
int render_draw_page(cairo_t *cr, const omr_template *tmpl, const char *code, int page,
                     omr_error *err);

/* The page as a grey raster at `dpi` (for PNG/TIFF and the sample generator). */
omr_image *render_page_image(const omr_template *tmpl, const char *code, int page, double dpi,
                             omr_error *err);

/* Renders every page for every code.
 *   RENDER_PDF:  `out` is one PDF file holding all forms in code order.
 *   RENDER_PNG:  `out` is a folder (created); one file per page, <code>-p<page>.png.
 *   RENDER_TIFF: `out` is a folder (created); one multi-page <code>.tif per form (LZW).
 * Codes must be letters and digits (checked). */
int render_forms(const omr_template *tmpl, char *const *codes, size_t n_codes,
                 render_format format, double dpi, const char *out, omr_error *err);

/* What a caller adds to a print run (NULL: the forms alone).
 *   before_form  PDF only: called before form i's pages with the PDF's cairo
 *                context in millimetres; draws whole pages of its own (the
 *                mailing's letter, print/letter.c), each ended with
 *                cairo_show_page. A failure stops the run (nothing is kept).
 *   after_form   called after form i (every format), e.g. for progress. */
typedef struct {
    int (*before_form)(cairo_t *cr, size_t i, void *user, omr_error *err);
    void (*after_form)(size_t i, void *user);
    void *user;
} render_hooks;

/* render_forms with hooks (may be NULL). */
int render_forms_with(const omr_template *tmpl, char *const *codes, size_t n_codes,
                      render_format format, double dpi, const char *out,
                      const render_hooks *hooks, omr_error *err);

#endif
