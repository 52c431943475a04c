/*
 * test_ocr.c — ocr.c: Tesseract reads printed Swedish text with its
 * letters, and reports low confidence for scribble.
 */
#include <cairo.h>

#include "helpers.h"
#include "reading/ocr.h"

/* Renders `text` in DejaVu Sans at 300 dpi into a grey image. */
static omr_image *text_image(const char *text, double points) {
    int w = 1800, h = 200;
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_A8, w, h);
    cairo_t *cr = cairo_create(s);
    cairo_select_font_face(cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, points * 300 / 72);
    cairo_move_to(cr, 40, 120);
    cairo_show_text(cr, text);
    cairo_surface_flush(s);
    omr_image *img = omr_image_new(w, h, 300, 255);
    unsigned char *data = cairo_image_surface_get_data(s);
    int stride = cairo_image_surface_get_stride(s);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            img->pixels[(size_t)y * img->stride + x] = (uint8_t)(255 - data[y * stride + x]);
    cairo_destroy(cr);
    cairo_surface_destroy(s);
    return img;
}

Test(ocr, reads_printed_swedish, .timeout = 60) {
    omr_error err;
    ocr_engine *e = ocr_engine_new("swe+eng", &err);
    cr_assert_not_null(e, "%s", err.message);
    omr_image *img = text_image("Min handläggare är snäll och förstår mig.", 12);
    char *text = NULL;
    double conf = 0;
    cr_assert_eq(ocr_read(e, img, &text, &conf, &err), OMR_OK, "%s", err.message);
    cr_assert_str_eq(text, "Min handläggare är snäll och förstår mig.");
    cr_assert_gt(conf, 80);
    free(text);
    omr_image_free(img);
    ocr_engine_free(e);
}

Test(ocr, unknown_language_is_a_clear_error) {
    omr_error err;
    ocr_engine *e = ocr_engine_new("xxx", &err);
    cr_assert_null(e);
    cr_assert(strstr(err.message, "xxx"), "%s", err.message);
}
