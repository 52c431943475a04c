/*
 * test_identify.c — identify.c: the payload and its check character.
 * (Reading the QR code off real rendered pages is covered in test_scan.c.)
 */
#include "helpers.h"
#include "reading/identify.h"

Test(identify, check_char_catches_every_single_substitution) {
    const char *code = "A7K2QX9P";
    char check = identify_check_char(code);
    const char *alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    char copy[16];
    for (size_t i = 0; i < strlen(code); i++)
        for (const char *a = alphabet; *a; a++) {
            if (*a == code[i])
                continue;
            strcpy(copy, code);
            copy[i] = *a;
            cr_assert_neq(identify_check_char(copy), check, "%s and %s share a check char", code, copy);
        }
}

Test(identify, check_char_catches_neighbour_swaps) {
    const char *code = "B3M9KX2D";
    char copy[16];
    int caught = 0, swaps = 0;
    for (size_t i = 0; i + 1 < strlen(code); i++) {
        strcpy(copy, code);
        char c = copy[i];
        copy[i] = copy[i + 1];
        copy[i + 1] = c;
        if (strcmp(copy, code) == 0)
            continue;
        swaps++;
        caught += identify_check_char(copy) != identify_check_char(code);
    }
    cr_assert_eq(caught, swaps);
}

Test(identify, payload_round_trip) {
    char buf[128];
    cr_assert_eq(identify_format_payload(buf, sizeof buf, "ekb-2024", "A7K2QX", 2), OMR_OK);
    code_payload id;
    omr_error err;
    cr_assert_eq(identify_parse_payload(buf, &id, &err), OMR_OK, "%s", err.message);
    cr_assert_str_eq(id.template_id, "ekb-2024");
    cr_assert_str_eq(id.code, "A7K2QX");
    cr_assert_eq(id.page, 2);
}

Test(identify, misread_code_is_refused) {
    char buf[128];
    identify_format_payload(buf, sizeof buf, "ekb-2024", "A7K2QX", 1);
    char *code = strstr(buf, "A7K2QX");
    code[3] = '3'; /* a misread character */
    code_payload id;
    omr_error err;
    cr_assert_eq(identify_parse_payload(buf, &id, &err), OMR_ERR_INVALID);
    cr_assert(strstr(err.message, "check character"), "%s", err.message);
}

Test(identify, foreign_and_broken_payloads_are_refused) {
    code_payload id;
    omr_error err;
    cr_assert_eq(identify_parse_payload("https://example.org/x", &id, &err), OMR_ERR_INVALID);
    cr_assert(strstr(err.message, "not an omr code"));
    cr_assert_eq(identify_parse_payload("OMR1:ekb-2024:ABC", &id, &err), OMR_ERR_INVALID);
    cr_assert_eq(identify_parse_payload("OMR1:ekb-2024:ABC:0:X", &id, &err), OMR_ERR_INVALID);
    cr_assert_eq(identify_parse_payload("OMR1:ekb-2024:AB-C:1:X", &id, &err), OMR_ERR_INVALID);
    cr_assert_eq(identify_parse_payload("OMR1:a:b:1:X:extra", &id, &err), OMR_ERR_INVALID);
}

Test(identify, codes_are_letters_and_digits) {
    cr_assert(identify_code_is_valid("abc123"));
    cr_assert(!identify_code_is_valid(""));
    cr_assert(!identify_code_is_valid("ab/../c"));
    cr_assert(!identify_code_is_valid("åäö"));
    char buf[128];
    cr_assert_eq(identify_format_payload(buf, sizeof buf, "t", "a b", 1), OMR_ERR_INVALID);
}

#include "print/render.h"
#include "base/cv_wrap.h"

/* A harsh 1-bit scanner: optics blur of `sigma` px, then a dark threshold,
 * so print and the QR code's modules bleed into the white between them. */
static void dark_threshold(omr_image *img, double sigma, int threshold) {
    cr_assert_eq(cvw_gaussian_blur(img, sigma), OMR_OK);
    for (int y = 0; y < img->height; y++)
        for (int x = 0; x < img->width; x++)
            img->pixels[(size_t)y * img->stride + x] = omr_image_at(img, x, y) < threshold ? 0 : 255;
}

Test(identify, a_qr_code_bled_shut_by_a_dark_threshold_is_read_after_thinning) {
    omr_template *t = test_template("ekb-2024");
    omr_error err = {0};
    /* 200 dpi, blurred 1.4-1.6 px and cut at 225-230: zbar reads neither
     * the page nor its half-size copy (checked against the code before) */
    static const struct { double sigma; int threshold; } harsh[] = {{1.6, 225}, {1.4, 230}};
    for (size_t k = 0; k < 2; k++) {
        omr_image *page = render_page_image(t, "B3M9KX2D", 2, 200, &err);
        cr_assert_not_null(page, "%s", err.message);
        dark_threshold(page, harsh[k].sigma, harsh[k].threshold);
        identify_reader *reader = identify_reader_new();
        page_identity id;
        omr_rect area = t->code_rect;
        identify_hints hints = {&area, 1, t->page_width, t->page_height};
        cr_assert_eq(identify_page(reader, page, &hints, &id, &err), OMR_OK, "%s", err.message);
        cr_assert_str_eq(id.code, "B3M9KX2D");
        cr_assert_eq(id.page, 2);
        cr_assert(id.has_corners);
        identify_reader_free(reader);
        omr_image_free(page);
    }
    template_free(t);
}

/* The square min (or, thin_black, max) filter by its definition: plain
 * loops, rows then columns, the window clipped at the edges. */
static omr_image *morph_by_definition(const omr_image *in, int r, int thin_black) {
    omr_image *tmp = omr_image_new(in->width, in->height, in->dpi, 255);
    omr_image *out = omr_image_new(in->width, in->height, in->dpi, 255);
    if (!tmp || !out) {
        omr_image_free(tmp);
        omr_image_free(out);
        return NULL;
    }
    for (int y = 0; y < in->height; y++)
        for (int x = 0; x < in->width; x++) {
            int v = omr_image_at(in, x, y);
            for (int d = -r; d <= r; d++) {
                int xx = x + d;
                if (xx < 0 || xx >= in->width)
                    continue;
                int u = omr_image_at(in, xx, y);
                v = thin_black ? (u > v ? u : v) : (u < v ? u : v);
            }
            tmp->pixels[(size_t)y * tmp->stride + x] = (uint8_t)v;
        }
    for (int y = 0; y < in->height; y++)
        for (int x = 0; x < in->width; x++) {
            int v = omr_image_at(tmp, x, y);
            for (int d = -r; d <= r; d++) {
                int yy = y + d;
                if (yy < 0 || yy >= in->height)
                    continue;
                int u = omr_image_at(tmp, x, yy);
                v = thin_black ? (u > v ? u : v) : (u < v ? u : v);
            }
            out->pixels[(size_t)y * out->stride + x] = (uint8_t)v;
        }
    omr_image_free(tmp);
    return out;
}

/* The bled-code retries and the printed code's thinning use OpenCV's
 * running filter (cvw_morph_square): it must be the definition's image
 * exactly, edges included, for every radius they use (printed_code.c up
 * to 4) and both directions. Speckled pages of odd sizes, so a swapped min
 * and max, a radius one off or an edge filled instead of clipped all show. */
Test(identify, opencv_square_morph_is_the_definitions) {
    static const int sizes[][2] = {{1, 1}, {7, 3}, {61, 47}, {200, 13}};
    unsigned seed = 12345;
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        omr_image *img = omr_image_new(sizes[s][0], sizes[s][1], 300, 255);
        cr_assert_not_null(img);
        for (int y = 0; y < img->height; y++)
            for (int x = 0; x < img->width; x++) {
                seed = seed * 1103515245u + 12345u;
                /* mostly paper, some ink, some grey: min and max both move */
                unsigned v = (seed >> 16) % 100;
                img->pixels[(size_t)y * img->stride + x] = (uint8_t)(v < 10 ? 0 : v < 20 ? 40 + v * 7 : 255 - v % 5);
            }
        for (int r = 0; r <= 4; r++)
            for (int thin = 0; thin <= 1; thin++) {
                omr_image *want = morph_by_definition(img, r, thin), *got = cvw_morph_square(img, r, thin);
                cr_assert(want && got);
                cr_assert_eq(got->width, want->width);
                cr_assert_eq(got->height, want->height);
                int differ = 0;
                for (int y = 0; y < img->height; y++)
                    for (int x = 0; x < img->width; x++)
                        differ += omr_image_at(got, x, y) != omr_image_at(want, x, y);
                cr_assert_eq(differ, 0, "%dx%d r=%d thin=%d: %d pixels differ", img->width, img->height, r,
                             thin, differ);
                omr_image_free(want);
                omr_image_free(got);
            }
        omr_image_free(img);
    }
}
