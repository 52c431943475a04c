/*
 * test_printed_code.c — printed_code.c and qr_grid.c on rendered pages whose
 * QR code zbar cannot read, each located by its look as scan.c does: the
 * code printed under the QR code is taken only when its check character
 * holds, and a QR code whose finder pattern is blotted out is read from its
 * module grid where zbar finds nothing.
 */
#include "base/cv_wrap.h"
#include "helpers.h"
#include "print/render.h"
#include "reading/identify.h"
#include "reading/look/locate_by_look.h"
#include "reading/code/printed_code.h"
#include "reading/code/qr_grid.h"

/* A code as `omr frame codes` makes them: `body` and its check character,
 * or a wrong one when `wrong`. */
static void make_code(const char *body, int wrong, char *out, size_t size) {
    char check = identify_check_char(body);
    if (wrong) /* a digit, which print and OCR tell apart best */
        check = check == '7' ? '3' : '7';
    snprintf(out, size, "%s%c", body, check);
}

/* The page located by its look alone, as scan.c does when no code is read. */
static void by_look(const omr_template *t, const omr_image *page, page_transform *tr, int *page_no) {
    const omr_template *ts[1] = {t}, *found = NULL;
    locate_looks looks = {0};
    double match;
    omr_error err = {0};
    cr_assert_eq(locate_by_look(page, ts, 1, &looks, &found, page_no, tr, &match, &err), OMR_OK, "%s",
                 err.message);
    cr_assert_eq(found, t);
    locate_looks_free(&looks);
}

static int zbar_reads(const omr_template *t, const omr_image *page) {
    identify_reader *reader = identify_reader_new();
    cr_assert_not_null(reader);
    page_identity id;
    omr_rect area = t->code_rect;
    identify_hints hints = {&area, 1, t->page_width, t->page_height};
    omr_error err = {0};
    int ok = identify_page(reader, page, &hints, &id, &err) == OMR_OK;
    identify_reader_free(reader);
    return ok;
}

Test(printed_code, a_printed_code_whose_check_character_holds_is_taken_and_one_whose_check_fails_is_not) {
    omr_template *t = test_template("ekb-2024");
    ocr_engine *ocr = NULL;
    omr_error err = {0};
    ocr = ocr_engine_new("eng", &err);
    cr_assert_not_null(ocr, "%s", err.message);
    for (int wrong = 0; wrong <= 1; wrong++) {
        char code[16];
        make_code("K7M2QX9", wrong, code, sizeof code);
        cr_assert_eq(printed_code_checks(code), !wrong);
        omr_image *page = render_page_image(t, code, 2, 200, &err);
        cr_assert_not_null(page, "%s", err.message);
        test_stain_qr(t, page);
        cr_assert(!zbar_reads(t, page));
        page_transform tr;
        int page_no = 0;
        by_look(t, page, &tr, &page_no);
        cr_assert_eq(page_no, 2);
        printed_code read;
        cr_assert_eq(printed_code_read(ocr, page, t, &tr, &read, &err), OMR_OK, "%s", err.message);
        /* the print is read either way; only the check character decides */
        cr_assert_str_eq(read.seen, code);
        cr_assert_str_eq(read.code, wrong ? "" : code, "code %s read as \"%s\"", code, read.code);
        omr_image_free(page);
    }
    ocr_engine_free(ocr);
    template_free(t);
}

Test(printed_code, a_qr_code_with_a_finder_pattern_blotted_out_is_read_from_its_module_grid) {
    omr_template *t = test_template("ekb-2024");
    omr_error err = {0};
    char code[16];
    make_code("B3M9KX2", 0, code, sizeof code);
    omr_image *page = render_page_image(t, code, 1, 200, &err);
    cr_assert_not_null(page, "%s", err.message);
    /* a blot of ink over the top-left finder pattern (7 of ~33 modules
     * from the symbol's corner): zbar finds no symbol without it */
    double s = page->dpi / 25.4, module = t->code_rect.w / 33;
    omr_rect r = t->code_rect;
    for (int y = (int)((r.y + 1.5 * module) * s); y < (int)((r.y + 10 * module) * s); y++)
        for (int x = (int)((r.x + 1.5 * module) * s); x < (int)((r.x + 10 * module) * s); x++)
            page->pixels[(size_t)y * page->stride + x] = 0;
    cvw_gaussian_blur(page, 0.8);
    for (int y = 0; y < page->height; y++)
        for (int x = 0; x < page->width; x++)
            page->pixels[(size_t)y * page->stride + x] = omr_image_at(page, x, y) < 160 ? 0 : 255;
    cr_assert(!zbar_reads(t, page));
    page_transform tr;
    int page_no = 0;
    by_look(t, page, &tr, &page_no);
    code_payload qr;
    cr_assert_eq(qr_grid_read(page, t, &tr, &qr, &err), OMR_OK, "%s", err.message);
    cr_assert_str_eq(qr.code, code);
    cr_assert_str_eq(qr.template_id, "ekb-2024");
    cr_assert_eq(qr.page, 1);
    omr_image_free(page);
    template_free(t);
}

Test(printed_code, a_blacked_out_qr_square_decodes_to_nothing) {
    omr_template *t = test_template("ekb-2024");
    omr_error err = {0};
    omr_image *page = render_page_image(t, "AAAA1111", 1, 200, &err);
    cr_assert_not_null(page, "%s", err.message);
    test_stain_qr(t, page);
    page_transform tr;
    int page_no = 0;
    by_look(t, page, &tr, &page_no);
    code_payload qr;
    cr_assert_eq(qr_grid_read(page, t, &tr, &qr, &err), OMR_ERR_NOT_FOUND);
    cr_assert_str_eq(qr.code, "");
    omr_image_free(page);
    template_free(t);
}
