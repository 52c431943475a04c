/*
 * test_ocr.c — ocr.c: Tesseract reads printed Swedish text with its
 * letters, and reports low confidence for scribble; a handwritten word it
 * saw is either in the text or makes the text unsure (never hidden).
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

/* A printed line and, after it, one word in a handwriting font, 300 dpi. */
static omr_image *printed_then_handwritten(const char *printed, const char *family, double points,
                                           const char *word) {
    omr_image *img = text_image(printed, 12);
    int w = img->width, h = img->height;
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_A8, w, h);
    cairo_t *cr = cairo_create(s);
    cairo_select_font_face(cr, family, CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, points * 300 / 72);
    cairo_move_to(cr, 1250, 125);
    cairo_rotate(cr, -0.06);
    cairo_show_text(cr, word);
    cairo_surface_flush(s);
    unsigned char *data = cairo_image_surface_get_data(s);
    int stride = cairo_image_surface_get_stride(s);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            uint8_t v = (uint8_t)(255 - data[y * stride + x] * 0.85);
            if (v < img->pixels[(size_t)y * img->stride + x])
                img->pixels[(size_t)y * img->stride + x] = v;
        }
    cairo_destroy(cr);
    cairo_surface_destroy(s);
    return img;
}

/* OCR may misread handwriting, but a weak word must not ride on the
 * confidence of a well-printed line: either the handwritten word is in the
 * text, or the confidence sends the text to review. (Before: "nej" read as
 * "ne]" at word confidence 50 came back at the line's mean, 89, and passed.
 * Not covered, and not claimed: Tesseract also misreads some handwriting
 * confidently, e.g. Breip's "Nöjd" as "Nesd" at 85.) */
Test(ocr, a_handwritten_word_is_read_or_the_text_is_unsure, .timeout = 120) {
    static const struct {
        const char *family, *word;
        double points;
    } cases[] = {{"femkeklaver", "nej", 16}, {"Breip", "Bra", 20}, {"DkgHandwriting", "no.", 18},
                 {"femkeklaver", "Inget", 15}};
    omr_error err;
    ocr_engine *e = ocr_engine_new("swe+eng", &err);
    cr_assert_not_null(e, "%s", err.message);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        omr_image *img = printed_then_handwritten("Tack för hjälpen med allt.", cases[i].family,
                                                  cases[i].points, cases[i].word);
        char *text = NULL;
        double conf = 0;
        cr_assert_eq(ocr_read(e, img, &text, &conf, &err), OMR_OK, "%s", err.message);
        cr_assert(strstr(text, "Tack för hjälpen"), "the print is read: \"%s\"", text);
        int has_word = strstr(text, cases[i].word) != NULL;
        cr_log_info("%s in %s: \"%s\" confidence %.0f", cases[i].word, cases[i].family, text, conf);
        cr_assert(has_word || conf < 75, "\"%s\" left out of \"%s\" at confidence %.0f", cases[i].word, text,
                  conf);
        free(text);
        omr_image_free(img);
    }
    ocr_engine_free(e);
}
