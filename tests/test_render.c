/*
 * test_render.c — render.c: the printed page carries what the scanner relies
 * on. Fiducials are solid squares on their centres; a box's rectangle is the
 * outer edge of its outline; every box has blank paper around it (the halo
 * ring measure reads), except where its own label starts; the QR code decodes
 * to the payload and fills the code rectangle with its quiet zone; text wraps
 * inside its width; bad codes are refused by name; PDF, PNG and TIFF files
 * hold every page of every form.
 */
#include <cairo.h>
#include <poppler.h>
#include <qrencode.h>
#include <sys/stat.h>
#include <tiffio.h>
#include <zbar.h>

#include "helpers.h"
#include "reading/identify.h"
#include "print/render.h"

static const char *const shipped[] = {"ekb-2024", "oj-2021-ekb"};

static omr_image *page_at(const omr_template *t, const char *code, int page, double dpi) {
    omr_error err = {0};
    omr_image *im = render_page_image(t, code, page, dpi, &err);
    cr_assert_not_null(im, "%s page %d: %s", t->id, page, err.message);
    return im;
}

/* Grey value at a point given in millimetres. */
static int grey_mm(const omr_image *im, double x, double y) {
    int px = (int)floor(omr_mm_to_px(x, im->dpi)), py = (int)floor(omr_mm_to_px(y, im->dpi));
    cr_assert(px >= 0 && py >= 0 && px < im->width && py < im->height);
    return omr_image_at(im, px, py);
}

/* Darkest pixel in a rectangle given in millimetres (clipped to the page). */
static int darkest_mm(const omr_image *im, double x0, double y0, double x1, double y1) {
    int px0 = (int)ceil(omr_mm_to_px(x0, im->dpi)), py0 = (int)ceil(omr_mm_to_px(y0, im->dpi));
    int px1 = (int)floor(omr_mm_to_px(x1, im->dpi)), py1 = (int)floor(omr_mm_to_px(y1, im->dpi));
    int darkest = 255;
    for (int y = py0 < 0 ? 0 : py0; y < py1 && y < im->height; y++)
        for (int x = px0 < 0 ? 0 : px0; x < px1 && x < im->width; x++)
            if (omr_image_at(im, x, y) < darkest)
                darkest = omr_image_at(im, x, y);
    return darkest;
}

Test(render, page_is_the_template_size_at_the_dpi) {
    omr_template *t = test_template("ekb-2024");
    omr_image *im = page_at(t, "A7K2QX", 1, 150);
    cr_assert_eq(im->width, 1240); /* 210 mm at 150 dpi */
    cr_assert_eq(im->height, 1754);
    cr_assert_float_eq(im->dpi, 150.0, 1e-9);
    omr_image_free(im);
    template_free(t);
}

Test(render, fiducials_are_solid_squares_on_their_centres) {
    for (int k = 0; k < 2; k++) {
        omr_template *t = test_template(shipped[k]);
        for (int p = 1; p <= (int)t->n_pages; p++) {
            omr_image *im = page_at(t, "A7K2QX", p, 200);
            double h = t->fiducial_size / 2;
            for (int f = 0; f < 4; f++) {
                double cx = t->fiducials[f].x, cy = t->fiducials[f].y;
                cr_assert_lt(grey_mm(im, cx, cy), 30);
                cr_assert_lt(grey_mm(im, cx - h + 0.3, cy - h + 0.3), 30);
                cr_assert_lt(grey_mm(im, cx + h - 0.3, cy + h - 0.3), 30);
                cr_assert_gt(grey_mm(im, cx - h - 0.4, cy), 225, "%s fiducial %d too wide", t->id, f);
                cr_assert_gt(grey_mm(im, cx + h + 0.4, cy), 225, "%s fiducial %d too wide", t->id, f);
                cr_assert_gt(grey_mm(im, cx, cy - h - 0.4), 225);
                cr_assert_gt(grey_mm(im, cx, cy + h + 0.4), 225);
            }
            omr_image_free(im);
        }
        template_free(t);
    }
}

/* The 0.35 mm line lies inside the rectangle: ink just inside each edge,
 * paper just outside it and in the middle of the box. */
Test(render, box_rect_is_the_outer_edge_of_its_outline) {
    omr_template *t = test_template("ekb-2024");
    for (int p = 1; p <= 2; p++) {
        omr_image *im = page_at(t, "A7K2QX", p, 300);
        for (size_t i = 0; i < t->n_questions; i++) {
            const template_question *q = &t->questions[i];
            if (q->page != p)
                continue;
            for (size_t b = 0; b < q->n_boxes; b++) {
                omr_rect r = q->boxes[b].rect;
                double mx = r.x + r.w / 2, my = r.y + r.h / 2;
                const char *v = q->boxes[b].value;
                cr_assert_lt(grey_mm(im, r.x + 0.12, my), 110, "%s=%s left edge", q->id, v);
                cr_assert_lt(grey_mm(im, r.x + r.w - 0.12, my), 110, "%s=%s right edge", q->id, v);
                cr_assert_lt(grey_mm(im, mx, r.y + 0.12), 110, "%s=%s top edge", q->id, v);
                cr_assert_lt(grey_mm(im, mx, r.y + r.h - 0.12), 110, "%s=%s bottom edge", q->id, v);
                cr_assert_gt(grey_mm(im, r.x - 0.25, my), 235, "%s=%s ink left of the rect", q->id, v);
                cr_assert_gt(grey_mm(im, r.x + r.w + 0.25, my), 235, "%s=%s ink right of it", q->id, v);
                cr_assert_gt(grey_mm(im, mx, r.y - 0.25), 235, "%s=%s ink above the rect", q->id, v);
                cr_assert_gt(grey_mm(im, mx, r.y + r.h + 0.25), 235, "%s=%s ink below it", q->id, v);
                cr_assert_gt(grey_mm(im, r.x + 0.7, my), 235, "%s=%s outline too thick", q->id, v);
                cr_assert_eq(darkest_mm(im, r.x + 0.6, r.y + 0.6, r.x + r.w - 0.6, r.y + r.h - 0.6), 255,
                             "%s=%s: the inside of a box must be blank", q->id, v);
            }
        }
        omr_image_free(im);
    }
    template_free(t);
}

/* The scanner reads stray ink in a ring up to 2.4 mm around each box (1.3 mm
 * on the side where the box's own label is): nothing may be printed there. */
Test(render, every_box_has_blank_paper_around_it) {
    for (int k = 0; k < 2; k++) {
        omr_template *t = test_template(shipped[k]);
        for (int p = 1; p <= (int)t->n_pages; p++) {
            omr_image *im = page_at(t, "A7K2QX", p, 200);
            for (size_t i = 0; i < t->n_questions; i++) {
                const template_question *q = &t->questions[i];
                if (q->page != p)
                    continue;
                for (size_t b = 0; b < q->n_boxes; b++) {
                    omr_rect r = q->boxes[b].rect;
                    bool label = q->labels == LABELS_RIGHT && q->boxes[b].label;
                    double near = 0.3, far = 2.5, far_right = label ? 1.4 : far;
                    const char *v = q->boxes[b].value;
                    /* four bands: above, below, left, right of the box */
                    cr_assert_gt(darkest_mm(im, r.x - far, r.y - far, r.x + r.w + far_right, r.y - near),
                                 200, "%s: ink just above box %s of %s", t->id, v, q->id);
                    cr_assert_gt(darkest_mm(im, r.x - far, r.y + r.h + near, r.x + r.w + far_right,
                                            r.y + r.h + far),
                                 200, "%s: ink just below box %s of %s", t->id, v, q->id);
                    cr_assert_gt(darkest_mm(im, r.x - far, r.y, r.x - near, r.y + r.h), 200,
                                 "%s: ink just left of box %s of %s", t->id, v, q->id);
                    cr_assert_gt(darkest_mm(im, r.x + r.w + near, r.y, r.x + r.w + far_right, r.y + r.h),
                                 200, "%s: ink just right of box %s of %s", t->id, v, q->id);
                }
            }
            omr_image_free(im);
        }
        template_free(t);
    }
}

/* A question's first line is printed level with its row of boxes. */
Test(render, question_text_sits_level_with_its_boxes) {
    omr_template *t = test_template("ekb-2024");
    omr_image *im = page_at(t, "A7K2QX", 1, 200);
    const template_question *q = template_question_by_id(t, "q1b"); /* one line */
    omr_rect r = q->boxes[0].rect;
    double x0 = q->text_rect.x, x1 = q->text_rect.x + q->text_rect.w;
    cr_assert_lt(darkest_mm(im, x0, r.y + 1.5, x1, r.y + r.h - 1.5), 80, "no text beside the boxes");
    cr_assert_eq(darkest_mm(im, x0, r.y - 3, x1, r.y - 0.2), 255, "text above the row");
    cr_assert_eq(darkest_mm(im, x0, r.y + r.h + 1.5, x1, r.y + r.h + 4), 255, "text below the row");
    omr_image_free(im);
    template_free(t);
}

static char *decode_qr(const omr_image *im) {
    zbar_image_scanner_t *scanner = zbar_image_scanner_create();
    zbar_image_scanner_set_config(scanner, ZBAR_NONE, ZBAR_CFG_ENABLE, 0);
    zbar_image_scanner_set_config(scanner, ZBAR_QRCODE, ZBAR_CFG_ENABLE, 1);
    zbar_image_t *z = zbar_image_create();
    zbar_image_set_format(z, zbar_fourcc('Y', '8', '0', '0'));
    zbar_image_set_size(z, (unsigned)im->width, (unsigned)im->height);
    zbar_image_set_data(z, im->pixels, (unsigned long)im->width * (unsigned long)im->height, NULL);
    char *text = NULL;
    if (zbar_scan_image(scanner, z) > 0)
        text = strdup(zbar_symbol_get_data(zbar_image_first_symbol(z)));
    zbar_image_destroy(z);
    zbar_image_scanner_destroy(scanner);
    return text;
}

Test(render, qr_code_decodes_to_the_payload) {
    const char *codes[] = {"A7K2QX", "0180", "Z9Y8X7W6V5U4T3S2R1Q0"};
    for (int k = 0; k < 2; k++) {
        omr_template *t = test_template(shipped[k]);
        for (int c = 0; c < 3; c++)
            for (int p = 1; p <= (int)t->n_pages; p++) {
                omr_image *im = page_at(t, codes[c], p, 150);
                char expected[128];
                cr_assert_eq(identify_format_payload(expected, sizeof expected, t->id, codes[c], p),
                             OMR_OK);
                char *got = decode_qr(im);
                cr_assert_not_null(got, "%s page %d code %s: no QR code read", t->id, p, codes[c]);
                cr_assert_str_eq(got, expected);
                free(got);
                omr_image_free(im);
            }
        template_free(t);
    }
}

/* The symbol, with a quiet zone of 2 modules, fills the code rectangle:
 * the three finder patterns start exactly 2 modules inside its corners. */
Test(render, qr_code_fills_the_code_rect) {
    omr_template *t = test_template("ekb-2024");
    omr_image *im = page_at(t, "A7K2QX", 2, 600);
    char payload[128];
    identify_format_payload(payload, sizeof payload, t->id, "A7K2QX", 2);
    QRcode *qr = QRcode_encodeString(payload, 0, QR_ECLEVEL_H, QR_MODE_8, 1);
    cr_assert_not_null(qr);
    omr_rect r = t->code_rect;
    double m = r.w / (qr->width + 4);
    QRcode_free(qr);
    double lo = r.x + 2.3 * m, hi = r.x + r.w - 2.3 * m, top = r.y + 2.3 * m, bottom = r.y + r.h - 2.3 * m;
    cr_assert_lt(grey_mm(im, lo, top), 60);      /* top-left finder */
    cr_assert_lt(grey_mm(im, hi, top), 60);      /* top-right finder */
    cr_assert_lt(grey_mm(im, lo, bottom), 60);   /* bottom-left finder */
    cr_assert_gt(grey_mm(im, r.x + 1.7 * m, top), 240); /* quiet zone */
    cr_assert_gt(grey_mm(im, lo, r.y + 1.7 * m), 240);
    cr_assert_gt(grey_mm(im, r.x + r.w - 1.7 * m, top), 240);
    cr_assert_gt(grey_mm(im, lo, r.y + r.h - 1.7 * m), 240);
    /* finder patterns are 7 modules: the white ring starts at module 1 */
    cr_assert_gt(grey_mm(im, r.x + 3.5 * m, r.y + 3.5 * m), 240);
    omr_image_free(im);
    template_free(t);
}

static const char *const narrow =
    "id = \"narrow\";\n"
    "title = \"Narrow\";\n"
    "fiducials = { size = 5.0; centres = ([10.0, 10.0], [200.0, 10.0], [10.0, 287.0], [200.0, 287.0]); };\n"
    "code = { x = 172.0; y = 16.0; size = 22.0; };\n"
    "pages = ( { page = 1;\n"
    "  texts = ( { text = \"Rubrik som är centrerad\"; x = 60.0; y = 150.0; w = 90.0; align = \"center\"; } );\n"
    "  questions = ( { id = \"q1\"; type = \"single\"; y = 60.0; x = 20.0; w = 60.0;\n"
    "    text = \"En lång fråga med åäö som inte får plats på en rad utan måste brytas på flera rader\";\n"
    "    boxes = ( { value = \"1\"; label = \"Ja\"; x = 120.0; }, { value = \"2\"; label = \"Nej\"; x = 140.0; } ); } );\n"
    "} );\n";

Test(render, text_wraps_inside_its_width) {
    char *dir = test_tempdir();
    char path[512];
    snprintf(path, sizeof path, "%s/narrow.cfg", dir);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs(narrow, f);
    fclose(f);
    omr_template *t = NULL;
    omr_error err;
    cr_assert_eq(template_load(path, &t, NULL, &err), OMR_OK, "%s", err.message);
    omr_image *im = page_at(t, "A7K2QX", 1, 200);
    /* nothing right of the 60 mm column before the first box */
    cr_assert_eq(darkest_mm(im, 80.2, 55, 117, 85), 255, "question text ran past its width");
    /* more than two lines: ink 8 mm below the first line */
    cr_assert_lt(darkest_mm(im, 20, 68, 80, 73), 100, "question text did not wrap");
    /* centred text: as much paper left of it as right of it, within 1 mm */
    int left = 0, right = 0;
    for (double x = 60; x < 105 && darkest_mm(im, x, 149, x + 0.5, 156) == 255; x += 0.5)
        left++;
    for (double x = 149.5; x > 105 && darkest_mm(im, x, 149, x + 0.5, 156) == 255; x -= 0.5)
        right++;
    cr_assert(abs(left - right) <= 2, "centred text is off centre: %d vs %d half-mm", left, right);
    omr_image_free(im);
    template_free(t);
    rm_rf(dir);
}

Test(render, bad_and_repeated_codes_are_refused_by_name) {
    omr_template *t = test_template("ekb-2024");
    char *dir = test_tempdir();
    char out[512];
    snprintf(out, sizeof out, "%s/forms.pdf", dir);
    omr_error err = {0};
    char *bad[] = {"A7K2QX", "AB-12"};
    cr_assert_eq(render_forms(t, bad, 2, RENDER_PDF, 300, out, &err), OMR_ERR_INVALID);
    cr_assert(strstr(err.message, "\"AB-12\""), "%s", err.message);
    struct stat st;
    cr_assert_neq(stat(out, &st), 0, "a PDF was written although a code was bad");
    char *twice[] = {"A7K2QX", "B8Z3", "a7k2qx"};
    cr_assert_eq(render_forms(t, twice, 3, RENDER_PNG, 100, dir, &err), OMR_ERR_INVALID);
    cr_assert(strstr(err.message, "twice"), "%s", err.message);
    char *empty[] = {""};
    cr_assert_eq(render_forms(t, empty, 1, RENDER_PDF, 300, out, &err), OMR_ERR_INVALID);
    cr_assert_eq(render_forms(t, NULL, 0, RENDER_PDF, 300, out, &err), OMR_ERR_INVALID);
    cr_assert_null(render_page_image(t, "A7K2QX", 3, 150, &err));
    cr_assert(strstr(err.message, "2 pages"), "%s", err.message);
    cr_assert_null(render_page_image(t, "A7K2QX", 1, 0, &err));
    cr_assert_null(render_page_image(t, "A B", 1, 150, &err));
    rm_rf(dir);
    template_free(t);
}

Test(render, pdf_holds_every_page_of_every_form) {
    omr_template *t = test_template("ekb-2024");
    char *dir = test_tempdir();
    char out[512];
    snprintf(out, sizeof out, "%s/forms.pdf", dir);
    char *codes[] = {"A7K2QX", "B8Z3", "C9"};
    omr_error err = {0};
    cr_assert_eq(render_forms(t, codes, 3, RENDER_PDF, 300, out, &err), OMR_OK, "%s", err.message);
    char *uri = g_filename_to_uri(out, NULL, NULL);
    PopplerDocument *doc = poppler_document_new_from_file(uri, NULL, NULL);
    g_free(uri);
    cr_assert_not_null(doc);
    cr_assert_eq(poppler_document_get_n_pages(doc), 6);
    for (int i = 0; i < 6; i++) {
        PopplerPage *page = poppler_document_get_page(doc, i);
        double w, h;
        poppler_page_get_size(page, &w, &h);
        cr_assert_float_eq(w, 210 * 72 / 25.4, 0.05);
        cr_assert_float_eq(h, 297 * 72 / 25.4, 0.05);
        char *text = poppler_page_get_text(page);
        char expect[32];
        snprintf(expect, sizeof expect, "Sida %d av 2", i % 2 + 1);
        cr_assert(strstr(text, expect), "page %d lacks \"%s\"", i + 1, expect);
        cr_assert(strstr(text, codes[i / 2]), "page %d lacks its code %s", i + 1, codes[i / 2]);
        if (i % 2 == 0)
            cr_assert(strstr(text, "Om du ångrar ett svar"), "Swedish text missing on page %d", i + 1);
        g_free(text);
        g_object_unref(page);
    }
    g_object_unref(doc);
    rm_rf(dir);
    template_free(t);
}

Test(render, png_and_tiff_files_per_code) {
    omr_template *t = test_template("oj-2021-ekb");
    char *dir = test_tempdir();
    char out[512], path[600];
    char *codes[] = {"0180", "1480"};
    omr_error err = {0};
    snprintf(out, sizeof out, "%s/png/nested", dir);
    cr_assert_eq(render_forms(t, codes, 2, RENDER_PNG, 100, out, &err), OMR_OK, "%s", err.message);
    for (int c = 0; c < 2; c++)
        for (int p = 1; p <= 2; p++) {
            snprintf(path, sizeof path, "%s/%s-p%d.png", out, codes[c], p);
            cairo_surface_t *s = cairo_image_surface_create_from_png(path);
            cr_assert_eq(cairo_surface_status(s), CAIRO_STATUS_SUCCESS, "%s", path);
            cr_assert_eq(cairo_image_surface_get_width(s), 827); /* 210 mm at 100 dpi */
            cairo_surface_destroy(s);
        }
    snprintf(out, sizeof out, "%s/tiff", dir);
    cr_assert_eq(render_forms(t, codes, 2, RENDER_TIFF, 200, out, &err), OMR_OK, "%s", err.message);
    for (int c = 0; c < 2; c++) {
        snprintf(path, sizeof path, "%s/%s.tif", out, codes[c]);
        TIFF *tif = TIFFOpen(path, "r");
        cr_assert_not_null(tif, "%s", path);
        cr_assert_eq(TIFFNumberOfDirectories(tif), 2);
        uint16_t compression = 0;
        uint32_t width = 0;
        TIFFGetField(tif, TIFFTAG_COMPRESSION, &compression);
        TIFFGetField(tif, TIFFTAG_IMAGEWIDTH, &width);
        cr_assert_eq(compression, COMPRESSION_LZW);
        cr_assert_eq(width, 1654u); /* 210 mm at 200 dpi */
        TIFFClose(tif);
    }
    rm_rf(dir);
    template_free(t);
}
