/*
 * mask.c — where the blank form carries print (mask.h). On omr's own forms
 * the page is drawn for no one (code "0") by forms/draw.c, the same drawing
 * the printer prints, at one pixel per cell; on a form omr did not print the
 * blank page itself (reference.c) is read, a cell being printed when the
 * darkest blank pixel in it is. Either way the print is then grown by
 * MASK_GROW_MM, along rows and then along columns, for registration and
 * toner spread. Reading never calls the printer.
 */
#include "reading/mask.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "forms/draw.h"
#include "reading/reference.h"

#define MASK_PITCH_MM 0.1   /* the print mask's cell */
#define MASK_GROW_MM 0.4    /* print grown by this: registration and toner spread */

/* A form omr did not print: the blank page's own print, thresholded and
 * grown by 0.4 mm, one cell per 0.1 mm. */
static int mask_from_reference(const omr_template *t, int page, print_mask *out, omr_error *err) {
    memset(out, 0, sizeof *out);
    const reference_page *ref = template_reference(t, page);
    if (!ref)
        return omr_fail(err, OMR_ERR_INVALID, "%s has no blank page %d", t->id, page);
    int w = (int)ceil(t->page_width / MASK_PITCH_MM), hgt = (int)ceil(t->page_height / MASK_PITCH_MM);
    int grow = (int)lround(MASK_GROW_MM / MASK_PITCH_MM);
    uint8_t *print = calloc((size_t)w * (size_t)hgt, 1);
    out->printed = calloc((size_t)w * (size_t)hgt, 1);
    if (!print || !out->printed) {
        free(print);
        free(out->printed);
        out->printed = NULL;
        return omr_fail(err, OMR_ERR_MEMORY, "out of memory");
    }
    /* print: a cell is printed when the darkest blank pixel in it is */
    const omr_image *img = ref->page;
    assert(img && img->width > 0 && img->height > 0 && ref->px_per_mm > 0);
    double s = ref->px_per_mm * MASK_PITCH_MM;
    for (int y = 0; y < img->height; y++) {
        int my = (int)(y / s);
        if (my >= hgt)
            break;
        for (int x = 0; x < img->width; x++)
            if (omr_image_at(img, x, y) < 160) {
                int mx = (int)(x / s);
                if (mx < w)
                    print[(size_t)my * w + mx] = 1;
            }
    }
    /* grown by `grow` cells: along rows, then along columns */
    uint8_t *rows = calloc((size_t)w * (size_t)hgt, 1);
    if (!rows) {
        free(print);
        print_mask_free(out);
        return omr_fail(err, OMR_ERR_MEMORY, "out of memory");
    }
    for (int y = 0; y < hgt; y++)
        for (int x = 0; x < w; x++)
            if (print[(size_t)y * w + x])
                for (int k = x - grow < 0 ? 0 : x - grow; k <= x + grow && k < w; k++)
                    rows[(size_t)y * w + k] = 1;
    for (int y = 0; y < hgt; y++)
        for (int x = 0; x < w; x++)
            if (rows[(size_t)y * w + x])
                for (int k = y - grow < 0 ? 0 : y - grow; k <= y + grow && k < hgt; k++)
                    out->printed[(size_t)k * w + x] = 1;
    free(rows);
    free(print);
    out->width = w;
    out->height = hgt;
    out->pitch = MASK_PITCH_MM;
    return OMR_OK;
}

int measure_print_mask(const omr_template *tmpl, int page, print_mask *out, omr_error *err) {
    memset(out, 0, sizeof *out);
    if (template_reference(tmpl, page)) /* a form omr did not print: its blank page */
        return mask_from_reference(tmpl, page, out, err);
    /* omr's own form: the page as printed for no one (code "0"), drawn by
     * the same code as the printer's */
    omr_image *blank = NULL;
    if (draw_page_image(tmpl, "0", page, 25.4 / MASK_PITCH_MM, &blank, err) != OMR_OK)
        return OMR_ERR_INVALID;
    assert(blank && blank->width > 0 && blank->height > 0);
    int w = blank->width, h = blank->height, grow = (int)lround(MASK_GROW_MM / MASK_PITCH_MM);
    uint8_t *rows = calloc((size_t)w * (size_t)h, 1);
    out->printed = calloc((size_t)w * (size_t)h, 1);
    if (!rows || !out->printed) {
        free(rows);
        free(out->printed);
        omr_image_free(blank);
        return omr_fail(err, OMR_ERR_MEMORY, "out of memory");
    }
    /* grow the print by `grow` cells: along rows, then along columns */
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            if (omr_image_at(blank, x, y) < 192)
                for (int k = x - grow < 0 ? 0 : x - grow; k <= x + grow && k < w; k++)
                    rows[(size_t)y * w + k] = 1;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            if (rows[(size_t)y * w + x])
                for (int k = y - grow < 0 ? 0 : y - grow; k <= y + grow && k < h; k++)
                    out->printed[(size_t)k * w + x] = 1;
    free(rows);
    omr_image_free(blank);
    out->width = w;
    out->height = h;
    out->pitch = MASK_PITCH_MM;
    return OMR_OK;
}

void print_mask_free(print_mask *mask) {
    if (!mask)
        return;
    free(mask->printed);
    memset(mask, 0, sizeof *mask);
}
