/*
 * test_locate_by_look.c — reading/look/locate_by_look.c: a page of omr's own
 * form whose QR code cannot be read is known by its look where the sheet is
 * bent, bled and speckled (its print compared blurred, so a bend of a few
 * millimetres off the corner marks' map still matches), and its rows of
 * boxes lie where that page prints them; a page of another questionnaire in
 * the same house style, which looks as alike, is not taken for it, because
 * its boxes lie elsewhere.
 */
#include "helpers.h"
#include "print/render.h"
#include "reading/look/locate_by_look.h"

#include <math.h>

/* The sheet bent as a feeder's rollers and a curl bend it: its content
 * moved up to `amp_mm` along waves across and down the page, fading to
 * nothing at the corner marks (so the marks' map fits them and not the
 * print between). Each output pixel samples where its content came from. */
static omr_image *bent(const omr_image *page, double amp_mm) {
    omr_image *out = omr_image_new(page->width, page->height, page->dpi, 255);
    cr_assert_not_null(out);
    double s = page->dpi / 25.4, pw = page->width / s, ph = page->height / s;
    for (int y = 0; y < out->height; y++)
        for (int x = 0; x < out->width; x++) {
            double xm = (x + 0.5) / s, ym = (y + 0.5) / s;
            double fade = sin(M_PI * xm / pw) * sin(M_PI * ym / ph); /* 0 at the edges */
            double dx = amp_mm * fade * sin(2 * M_PI * ym / 61.0), dy = amp_mm * fade * cos(2 * M_PI * xm / 47.0);
            double sx = x - dx * s, sy = y - dy * s;
            test_bilinear(page, sx, sy, &out->pixels[(size_t)y * out->stride + x]);
        }
    return out;
}

/* 1-bit at a dark threshold after a blur: print and boxes bleed, as a harsh
 * office scanner writes them; and a speck here and there. */
static void harsh_bilevel(omr_image *img) {
    cvw_gaussian_blur(img, 2.2);
    unsigned seed = 7;
    for (int y = 0; y < img->height; y++)
        for (int x = 0; x < img->width; x++) {
            uint8_t *p = &img->pixels[(size_t)y * img->stride + x];
            seed = seed * 1103515245u + 12345u;
            *p = *p < 230 || (seed >> 16) % 4000 == 0 ? 0 : 255;
        }
}

/* Page `page` of t for respondent `code` (a cross in box `cross_value` of
 * `cross_question` when that is not NULL), its QR code stained past
 * reading, bent `bend_mm` (bent) and scanned 1-bit at a dark threshold
 * (harsh_bilevel). */
static omr_image *bent_and_bled(const omr_template *t, const char *code, int page, const char *cross_question,
                                const char *cross_value, double bend_mm) {
    omr_error err = {0};
    omr_image *printed = render_page_image(t, code, page, 200, &err);
    cr_assert_not_null(printed, "%s", err.message);
    if (cross_question)
        test_cross(printed, test_box_of(t, cross_question, cross_value));
    test_stain_qr(t, printed);
    omr_image *scan = bent(printed, bend_mm);
    harsh_bilevel(scan);
    omr_image_free(printed);
    return scan;
}

static int by_look(const omr_template *t, const omr_image *scan, int *page, double *match, omr_error *err) {
    const omr_template *ts[1] = {t}, *found = NULL;
    locate_looks looks = {0};
    page_transform tr;
    int rc = locate_by_look(scan, ts, 1, &looks, &found, page, &tr, match, err);
    locate_looks_free(&looks);
    cr_assert(rc != OMR_OK || found == t);
    return rc;
}

Test(locate_by_look, a_sheet_bent_and_bled_is_known_by_its_look_and_its_boxes) {
    omr_template *t = test_template("ekb-2024");
    omr_error err = {0};
    /* as seed 8336's lost pages (--folds --warp 2, a 204-dpi fax and a
     * 200-dpi glass scan, both 1-bit and dark): 0.30-0.35 of likeness
     * compared sharp, known then by its boxes alone; 0.66 blurred */
    omr_image *scan = bent_and_bled(t, "BENT2222", 1, "q1a", "2", 4.0);
    test_speckle_panel(scan, 150, 0, 0.3); /* its lower half speckled too */
    int page_no = 0;
    double match = 0;
    int rc = by_look(t, scan, &page_no, &match, &err);
    cr_assert_eq(rc, OMR_OK, "%s", err.message);
    cr_assert_eq(page_no, 1);
    cr_assert_geq(match, LOCATE_LOOK_MIN, "%.3f", match);
    omr_image_free(scan);
    template_free(t);
}

Test(locate_by_look, a_page_of_another_questionnaire_in_the_same_house_style_is_not_taken_for_this_one) {
    omr_template *ekb = test_template("ekb-2024"), *oj = test_template("oj-2021-ekb");
    omr_error err = {0};
    omr_image *page = render_page_image(oj, "0180", 1, 200, &err);
    cr_assert_not_null(page, "%s", err.message);
    test_stain_qr(oj, page);
    int page_no = 0;
    double match = 0;
    int rc = by_look(ekb, page, &page_no, &match, &err);
    /* small, its headings, text and columns look like ekb-2024's page 1 ... */
    cr_assert_geq(match, LOCATE_LOOK_MIN, "%.2f", match);
    /* ... but its boxes are not where ekb-2024 prints them */
    cr_assert_neq(rc, OMR_OK, "oj-2021-ekb's page 1 taken for page %d of ekb-2024", page_no);
    cr_assert(strstr(err.message, "rows of boxes"), "%s", err.message);
    /* the page it resembled is named, for the mailroom */
    cr_assert_eq(page_no, 1);
    cr_assert(strstr(err.message, "page 1 of ekb-2024"), "%s", err.message);
    omr_image_free(page);
    template_free(ekb);
    template_free(oj);
}

/* Seed 8413 --folds --warp 1 WMU64Y5A page 2: its QR code unread, its
 * lower half a panel a 1-bit scanner turned to speckle (91% black). A row
 * of boxes there was counted as seen by the lightest of its points (a
 * white speck) and as not in place (its outlines lost in the specks): 71%
 * of the rows in place, the page refused. Rows under speckle are not seen;
 * the page is known by those above it. */
Test(locate_by_look, rows_of_boxes_under_a_speckled_panel_neither_count_for_nor_against_the_page) {
    omr_template *t = test_template("ekb-2024");
    omr_error err = {0};
    omr_image *scan = bent_and_bled(t, "SPECK222", 2, "q4a", "2", 1.5);
    test_speckle_panel(scan, 140, 0, 1.6); /* about 85% black (WMU64Y5A's: 91%) */
    int page_no = 0;
    double match = 0;
    int rc = by_look(t, scan, &page_no, &match, &err);
    cr_assert_eq(rc, OMR_OK, "%s", err.message);
    cr_assert_eq(page_no, 2);
    omr_image_free(scan);
    template_free(t);
}

/* Seed 8444 --folds --warp 2.5, RNRRVHM3's page 1: a harsh 1-bit sheet
 * whose lower half a fold's panel turned black, its code bled past
 * reading. Its black tiles counted as print the scan did not show: 0.14 of
 * likeness against the 0.15 a bled page asks, the page lost though its
 * upper half is plainly page 1. A covered tile is no evidence either way.
 * Here the black reaches higher, over all but two rows of boxes (too few
 * to judge the page by), so the likeness alone must know it: 0.27 with the
 * black tiles, against the 0.35 asked.
 *
 * And bent 5 mm (seed 8481 --folds --warp 1.6 WS6U8WTA page 2: a harsh
 * 1-bit sheet, its lower half a speckled panel, bent 2-4 mm off the corner
 * marks' map in its middle. Compared sharp, its print there matched a line
 * off, rows from 50 mm down anti-correlated: 0.10, less than upside-down
 * page 1's 0.13, and the page was lost though its other page was in the
 * same file. Blurred by 1.3 mm, the layout matches: 0.31 against 0.22).
 * This sheet bent 5 mm: 0.31 sharp, refused. */
Test(locate_by_look, a_bled_sheet_whose_lower_half_is_black_is_known_by_the_half_that_shows) {
    omr_template *t = test_template("ekb-2024");
    static const struct {
        const char *code, *cross_question, *cross_value;
        double bend_mm;
    } sheets[] = {{"BLACK222", "q1a", "3", 4.0}, {"BENT5555", NULL, NULL, 5.0}};
    for (size_t i = 0; i < sizeof sheets / sizeof *sheets; i++) {
        omr_error err = {0};
        omr_image *scan = bent_and_bled(t, sheets[i].code, 1, sheets[i].cross_question, sheets[i].cross_value,
                                        sheets[i].bend_mm);
        test_black_panel(scan, 95, t->page_height);
        int page_no = 0;
        double match = 0;
        int rc = by_look(t, scan, &page_no, &match, &err);
        cr_assert_eq(rc, OMR_OK, "bent %.0f mm: %s (match %.3f)", sheets[i].bend_mm, err.message, match);
        cr_assert_eq(page_no, 1);
        cr_assert_geq(match, LOCATE_LOOK_MIN, "bent %.0f mm: %.3f", sheets[i].bend_mm, match);
        omr_image_free(scan);
    }
    template_free(t);
}
