/*
 * tests/helpers.h — shared test fixtures: temporary folders, the repository's
 * templates, and drawing simple pen marks into rendered pages so that tests
 * run the real pipeline on real images.
 */
#ifndef OMR_TEST_HELPERS_H
#define OMR_TEST_HELPERS_H

#include <cairo.h>
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "forms/template.h"
#include "reading/reference.h"

/* A fresh temporary folder; the caller removes it with rm_rf. */
static inline char *test_tempdir(void) {
    char *dir = strdup("/tmp/omr-test-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
    return dir;
}

/* Removes a folder made by test_tempdir and frees its name. */
static inline void rm_rf(char *dir) {
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
    free(dir);
}

/* A page drawn with cairo (an RGB24 or ARGB32 image surface) as a grey
 * omr_image at `dpi`: the green channel, as a scanner's grey. The surface is
 * destroyed. */
static inline omr_image *test_image_from_surface(cairo_surface_t *surface, double dpi) {
    cairo_surface_flush(surface);
    int w = cairo_image_surface_get_width(surface), h = cairo_image_surface_get_height(surface);
    omr_image *img = omr_image_new(w, h, dpi, 255);
    cr_assert_not_null(img);
    const unsigned char *data = cairo_image_surface_get_data(surface);
    int stride = cairo_image_surface_get_stride(surface);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            img->pixels[(size_t)y * img->stride + x] = data[(size_t)y * stride + 4 * x + 1];
    cairo_surface_destroy(surface);
    return img;
}

static inline omr_template *test_template(const char *name) {
    char path[256];
    snprintf(path, sizeof path, "templates/%s.cfg", name);
    omr_template *t = NULL;
    omr_error err = {0};
    cr_assert_eq(template_load(path, &t, NULL, &err), OMR_OK, "%s", err.message);
    return t;
}

/* Draws a line of `width_mm` from (x0,y0) to (x1,y1) mm into a page image
 * rendered at its dpi (upright, no transform), in grey `ink`. */
static inline void test_draw_line(omr_image *img, double x0, double y0, double x1, double y1,
                                  double width_mm, uint8_t ink) {
    double s = img->dpi / 25.4;
    double len = hypot(x1 - x0, y1 - y0);
    int steps = (int)(len * s * 2) + 1;
    int r = (int)(width_mm * s / 2 + 0.5);
    for (int i = 0; i <= steps; i++) {
        double x = (x0 + (x1 - x0) * i / steps) * s, y = (y0 + (y1 - y0) * i / steps) * s;
        for (int dy = -r; dy <= r; dy++)
            for (int dx = -r; dx <= r; dx++) {
                int px = (int)x + dx, py = (int)y + dy;
                if (dx * dx + dy * dy <= r * r && px >= 0 && py >= 0 && px < img->width &&
                    py < img->height)
                    img->pixels[(size_t)py * img->stride + px] = ink;
            }
    }
}

/* The rectangle (template mm) of question `question`'s box with value `value`;
 * the test fails when the template has no such box. */
static inline omr_rect test_box_of(const omr_template *t, const char *question, const char *value) {
    const template_question *q = template_question_by_id(t, question);
    cr_assert_not_null(q, "%s", question);
    for (size_t b = 0; b < q->n_boxes; b++)
        if (strcmp(q->boxes[b].value, value) == 0)
            return q->boxes[b].rect;
    cr_assert_fail("no box %s=%s", question, value);
    return (omr_rect){0};
}

/* img's grey at (sx, sy) pixels, bilinear; 0 (and *out untouched) where
 * the four pixels round it are not all on the image. */
static inline int test_bilinear(const omr_image *img, double sx, double sy, uint8_t *out) {
    int x0 = (int)floor(sx), y0 = (int)floor(sy);
    if (x0 < 0 || y0 < 0 || x0 + 1 >= img->width || y0 + 1 >= img->height)
        return 0;
    double fx = sx - x0, fy = sy - y0;
    double v = (1 - fx) * (1 - fy) * omr_image_at(img, x0, y0) + fx * (1 - fy) * omr_image_at(img, x0 + 1, y0) +
               (1 - fx) * fy * omr_image_at(img, x0, y0 + 1) + fx * fy * omr_image_at(img, x0 + 1, y0 + 1);
    *out = (uint8_t)lround(v);
    return 1;
}

/* The QR square of template t blacked out (an ink stain, or modules bled
 * shut), the rest of the page left: nothing for zbar, all else readable. */
static inline void test_stain_qr(const omr_template *t, omr_image *img) {
    double s = img->dpi / 25.4;
    omr_rect r = t->code_rect;
    for (int y = (int)((r.y + 1) * s); y < (int)((r.y + r.h - 1) * s); y++)
        for (int x = (int)((r.x + 1) * s); x < (int)((r.x + r.w - 1) * s); x++)
            img->pixels[(size_t)y * img->stride + x] = 0;
}

/* A cross over the box, corner to corner, 80% of its size. */
static inline void test_cross(omr_image *img, omr_rect box) {
    double m = box.w * 0.1;
    test_draw_line(img, box.x + m, box.y + m, box.x + box.w - m, box.y + box.h - m, 0.5, 20);
    test_draw_line(img, box.x + box.w - m, box.y + m, box.x + m, box.y + box.h - m, 0.5, 20);
}

/* Fills the box solid (the printed correction convention). */
static inline void test_fill(omr_image *img, omr_rect box) {
    for (double y = box.y + 0.3; y < box.y + box.h - 0.3; y += 0.2)
        test_draw_line(img, box.x + 0.3, y, box.x + box.w - 0.3, y, 0.4, 30);
}

/* A circle of radius r mm around the box centre. */
static inline void test_circle(omr_image *img, omr_rect box, double r) {
    double cx = box.x + box.w / 2, cy = box.y + box.h / 2;
    for (int i = 0; i < 72; i++) {
        double a0 = i * M_PI / 36, a1 = (i + 1) * M_PI / 36;
        test_draw_line(img, cx + r * cos(a0), cy + r * sin(a0), cx + r * cos(a1), cy + r * sin(a1),
                       0.5, 30);
    }
}

/* A band of the sheet scanned black, rows y0_mm to y1_mm (clamped to the
 * image), the full width: a fold's panel a harsh 1-bit threshold turned
 * black, grey levels 12-34 in a fixed pattern. */
static inline void test_black_panel(omr_image *img, double y0_mm, double y1_mm) {
    double s = img->dpi / 25.4;
    int y1 = (int)(y1_mm * s) < img->height ? (int)(y1_mm * s) : img->height;
    for (int y = (int)(y0_mm * s) > 0 ? (int)(y0_mm * s) : 0; y < y1; y++)
        for (int x = 0; x < img->width; x++)
            img->pixels[(size_t)y * img->stride + x] = (uint8_t)(12 + (x * 7 + y * 13) % 23);
}

/* Writes `text` in font `family` at `points` with its ink box's top-left
 * corner at (x, y) mm, turned by `degrees`, in grey `ink` (0 black .. 255),
 * into a page image rendered upright at its dpi. Returns the ink box's
 * width in mm. */
static inline double test_write_word(omr_image *img, const char *family, double points, const char *text, double x,
                                     double y, double degrees, uint8_t ink) {
    double s = img->dpi / 25.4;
    cairo_surface_t *surface = cairo_image_surface_create(CAIRO_FORMAT_A8, img->width, img->height);
    cairo_t *cr = cairo_create(surface);
    cairo_scale(cr, s, s);
    cairo_select_font_face(cr, family, CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, points * 25.4 / 72);
    cairo_text_extents_t e;
    cairo_text_extents(cr, text, &e);
    cairo_translate(cr, x, y);
    cairo_rotate(cr, degrees * M_PI / 180);
    cairo_move_to(cr, -e.x_bearing, -e.y_bearing);
    cairo_show_text(cr, text);
    cairo_surface_flush(surface);
    unsigned char *a = cairo_image_surface_get_data(surface);
    int stride = cairo_image_surface_get_stride(surface);
    for (int py = 0; py < img->height; py++)
        for (int px = 0; px < img->width; px++) {
            double alpha = a[py * stride + px] / 255.0;
            uint8_t *p = &img->pixels[(size_t)py * img->stride + px];
            double v = *p * (1 - alpha) + ink * alpha;
            *p = (uint8_t)(v < *p ? v : *p);
        }
    cairo_destroy(cr);
    cairo_surface_destroy(surface);
    return e.width;
}

/* A panel of the sheet a 1-bit scanner's dark threshold turned to speckle:
 * every unprinted pixel below y_mm and left of x_mm (0: the whole width): black where a speck
 * falls (specks of 1x1 to 2x2 px, a fixed pseudo-random sequence), about
 * `share` of it. */
static inline void test_speckle_panel(omr_image *img, double y_mm, double x_mm, double share) {
    int y0 = (int)(y_mm * img->dpi / 25.4);
    int x_end = x_mm > 0 ? (int)(x_mm * img->dpi / 25.4) : img->width;
    if (x_end > img->width)
        x_end = img->width;
    uint32_t state = 12345;
    uint8_t *copy = malloc((size_t)img->stride * (size_t)img->height);
    cr_assert_not_null(copy);
    memcpy(copy, img->pixels, (size_t)img->stride * (size_t)img->height);
    for (int y = y0; y < img->height; y++)
        for (int x = 0; x < x_end; x++) {
            state = state * 1664525u + 1013904223u;
            if ((state >> 8) % 1000 >= (uint32_t)(share * 1000 / 2.2))
                continue;
            int size = (state >> 4) % 2 + 1; /* a speck of 1 or 2 px */
            for (int dy = 0; dy < size && y + dy < img->height; dy++)
                for (int dx = 0; dx < size && x + dx < x_end; dx++)
                    img->pixels[(size_t)(y + dy) * (size_t)img->stride + (size_t)(x + dx)] = 0;
        }
    /* the rest as a 1-bit scan: print black, paper white */
    for (int y = y0; y < img->height; y++)
        for (int x = 0; x < x_end; x++) {
            uint8_t *p = img->pixels + (size_t)y * (size_t)img->stride + (size_t)x;
            if (copy[(size_t)y * (size_t)img->stride + (size_t)x] < 128)
                *p = 0;
            else if (*p != 0)
                *p = 255;
        }
    free(copy);
}

#endif
