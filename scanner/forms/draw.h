/*
 * draw.h — a template page drawn with cairo: the fiducials, texts, questions,
 * labelled boxes, free-text fields and the QR code for one code and page.
 * print/render.c prints it; reading/mask.c draws the blank page ("0") to find
 * the form's own print. Neither calls the other.
 */
#ifndef OMR_DRAW_H
#define OMR_DRAW_H

#include <cairo.h>

#include "base/common.h"
#include "forms/template.h"

#define DRAW_MIN_DPI 36.0
#define DRAW_MAX_DPI 1200.0

/* Draws page `page` (1-based) for `code` on `cr`, whose user space must be
 * millimetres with (0,0) at the page's top-left corner. */
int draw_page(cairo_t *cr, const omr_template *tmpl, const char *code, int page, omr_error *err);

/* A paragraph in the forms' font (the letter of a mailing, print/letter.c):
 * `text` wrapped into `width` mm, the top of its first line at `top`, "\n"
 * starting a new line. Returns the y (mm) below its last line. */
double draw_paragraph(cairo_t *cr, const char *text, double x, double top, double width,
                      text_style style, double size_pt, text_align align);

/* The page as a grey raster at `dpi` (DRAW_MIN_DPI..DRAW_MAX_DPI); *out owns
 * it on OMR_OK. */
int draw_page_image(const omr_template *tmpl, const char *code, int page, double dpi,
                    omr_image **out, omr_error *err);

#endif
