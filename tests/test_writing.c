/*
 * test_writing.c — writing.c: one short handwritten word anywhere in the
 * large comment frame of ekb-2024 (page 2) is writing, in a pen and in
 * pencil, even in a corner and even across a fold line; speckle and noise, a
 * fold line, a staple's shadow and printed words inside a field (the blank
 * form's own print) are not. Each word below covers far less of the field
 * than the old ink-share rule (text.ink_min) needed, which the tests check
 * too: that rule returned these fields empty and unflagged. Through
 * scan_page, such a field goes to transcription (review).
 */
#include <cairo.h>

#include "daemon/scan.h"
#include "deciding/decide.h"
#include "helpers.h"
#include "print/render.h"
#include "reading/identify.h"
#include "reading/locate.h"
#include "reading/mask.h"
#include "reading/measure.h"
#include "reading/writing/writing.h"

#define DPI 200.0

/* Speckle and noise like a worn scanner: single dots and small dust specks
 * all over, grey noise of deviation ~6 levels (a fixed pseudo-random walk). */
/* The next number of a fixed linear congruential walk (0 .. 65535). */
static unsigned next_noise(unsigned *state) {
    *state = *state * 1103515245u + 12345u;
    return (*state >> 8) & 0xffff;
}

static void dirty(omr_image *img, omr_rect area_mm, int specks) {
    double s = img->dpi / 25.4;
    unsigned state = 12345;
#define NEXT() next_noise(&state)
    for (int py = (int)(area_mm.y * s); py < (int)((area_mm.y + area_mm.h) * s); py++)
        for (int px = (int)(area_mm.x * s); px < (int)((area_mm.x + area_mm.w) * s); px++) {
            uint8_t *p = &img->pixels[(size_t)py * img->stride + px];
            int coarse = (int)(NEXT() % 13) - 6; /* two draws, in this order */
            int noise = coarse + (int)(NEXT() % 7) - 3;
            int v = *p + noise;
            *p = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
        }
    for (int i = 0; i < specks; i++) {
        double x = area_mm.x + (NEXT() % 10000) / 10000.0 * area_mm.w;
        double y = area_mm.y + (NEXT() % 10000) / 10000.0 * area_mm.h; /* separate statements: in order */
        double size = i % 10 == 0 ? 0.5 : 0.15; /* a dust speck now and then */
        test_draw_line(img, x, y, x + size * 0.4, y + size * 0.3, size, (uint8_t)(40 + NEXT() % 80));
    }
#undef NEXT
}

typedef struct {
    omr_template *tmpl;
    const template_text_field *field;
    omr_image *img;
} page2;

static page2 blank_page2(void) {
    page2 p = {test_template("ekb-2024"), NULL, NULL};
    cr_assert_eq(p.tmpl->n_text_fields, 1);
    p.field = &p.tmpl->text_fields[0];
    cr_assert_eq(p.field->page, 2);
    omr_error err = {0};
    p.img = render_page_image(p.tmpl, "W0RD1", 2, DPI, &err);
    cr_assert_not_null(p.img, "%s", err.message);
    return p;
}

static void page2_free(page2 *p) {
    omr_image_free(p->img);
    template_free(p->tmpl);
}

/* The field read as the scanner reads it: identify, locate, paper levels,
 * print mask, then writing_detect. Also returns the old rule's ink share. */
static writing_evidence look(const page2 *p, double *ink_share) {
    identify_reader *reader = identify_reader_new();
    page_identity id;
    omr_error err = {0};
    cr_assert_eq(identify_page(reader, p->img, NULL, &id, &err), OMR_OK, "%s", err.message);
    identify_reader_free(reader);
    page_transform pt;
    cr_assert_eq(locate_page(p->img, p->tmpl, &id, &pt, &err), OMR_OK, "%s", err.message);
    page_levels levels;
    measure_levels(p->img, &pt, &levels);
    print_mask mask;
    cr_assert_eq(measure_print_mask(p->tmpl, 2, &mask, &err), OMR_OK, "%s", err.message);
    calibration cal;
    calibration_defaults(&cal);
    writing_evidence ev;
    cr_assert_eq(writing_detect(p->img, &pt, &levels, &mask, p->field->rect, cal.text_ink_min, &ev, &err), OMR_OK,
                 "%s", err.message);
    if (ink_share)
        *ink_share = measure_text_ink(p->img, &pt, &levels, p->field->rect);
    print_mask_free(&mask);
    return ev;
}

/* The old rule (ink share over text.ink_min) could not see it. */
static void old_rule_misses(double ink_share) {
    calibration cal;
    calibration_defaults(&cal);
    cr_assert_lt(ink_share, cal.text_ink_min, "ink share %.4f: the test word is too big to show the miss", ink_share);
}

Test(writing, one_pen_word_in_each_corner_is_writing, .timeout = 60) {
    static const char *const words[] = {"Ja", "no.", "Yes", "Nej"};
    for (int corner = 0; corner < 4; corner++) {
        page2 p = blank_page2();
        omr_rect f = p.field->rect;
        /* about 8 x 4 mm: 1.5 mm in from the frame */
        double x = corner & 1 ? f.x + f.w - 1.5 - 9 : f.x + 1.5;
        double y = corner & 2 ? f.y + f.h - 1.5 - 5 : f.y + 1.5;
        test_write_word(p.img, "DkgHandwriting", 14, words[corner], x, y, corner * 2 - 3, 25);
        double share;
        writing_evidence ev = look(&p, &share);
        old_rule_misses(share);
        cr_assert(ev.has_writing, "\"%s\" in corner %d: %d letters, %d words", words[corner], corner, ev.letters,
                  ev.words);
        cr_assert_geq(ev.words, 1);
        /* and found where it was written */
        cr_assert(ev.where_mm.x < x + 9 && ev.where_mm.x + ev.where_mm.w > x, "found at x %.1f, written at %.1f",
                  ev.where_mm.x, x);
        page2_free(&p);
    }
}

/* A harsh 1-bit scan (dark threshold) bleeds a small word's letters into
 * one piece: "ja" written small becomes one compact curved stroke, not two
 * letters, and not long enough to pass for joined-up writing. Seen on fresh
 * seed 7919 (200 dpi G4, "harsh"): two one-word comments came back empty.
 * The word is bled here as that scanner does it: every pixel within one
 * pixel of ink becomes black. */
Test(writing, a_small_word_bled_into_one_piece_is_writing, .timeout = 60) {
    static const char *const words[] = {"ja", "Ja"};
    for (int i = 0; i < 2; i++) {
        page2 p = blank_page2();
        omr_rect f = p.field->rect;
        double x = f.x + 2 + 60 * i, y = f.y + f.h - 7;
        test_write_word(p.img, "DkgHandwriting", 10, words[i], x, y, i ? 3 : -2, 40);
        /* bleed: a 3x3 minimum, then the scanner's dark threshold */
        omr_image *src = omr_image_crop(p.img, 0, 0, p.img->width, p.img->height);
        double s = DPI / 25.4;
        for (int py = (int)((y - 2) * s); py < (int)((y + 8) * s); py++)
            for (int px = (int)((x - 2) * s); px < (int)((x + 14) * s); px++) {
                uint8_t m = 255;
                for (int dy = -1; dy <= 1; dy++)
                    for (int dx = -1; dx <= 1; dx++) {
                        uint8_t v = src->pixels[(size_t)(py + dy) * src->stride + px + dx];
                        m = v < m ? v : m;
                    }
                p.img->pixels[(size_t)py * p.img->stride + px] = m < 170 ? 0 : 255;
            }
        omr_image_free(src);
        writing_evidence ev = look(&p, NULL);
        cr_assert(ev.has_writing, "\"%s\" bled into one piece: %d letters, %d words", words[i], ev.letters,
                  ev.words);
        page2_free(&p);
    }
}

Test(writing, one_pencil_word_is_writing, .timeout = 60) {
    static const char *const fonts[] = {"Breip", "femkeklaver", "DkgHandwriting"};
    for (int i = 0; i < 3; i++) {
        page2 p = blank_page2();
        omr_rect f = p.field->rect;
        /* pencil: grey 165-185 on white paper (30-35% darkness), blurred edge */
        test_write_word(p.img, fonts[i], 13, i == 1 ? "nej" : "Ok", f.x + 20 + 40 * i, f.y + f.h - 9, 4, 165 + 10 * i);
        dirty(p.img, f, 150);
        double share;
        writing_evidence ev = look(&p, &share);
        old_rule_misses(share);
        cr_assert(ev.has_writing, "pencil in %s: %d letters, %d words", fonts[i], ev.letters, ev.words);
        page2_free(&p);
    }
}

Test(writing, speckle_and_noise_are_not_writing, .timeout = 60) {
    page2 p = blank_page2();
    dirty(p.img, p.field->rect, 600);
    writing_evidence ev = look(&p, NULL);
    cr_assert_not(ev.has_writing, "speckle read as %d words (%d letters)", ev.words, ev.letters);
    page2_free(&p);
}

/* A fold: a thin grey crease slightly off horizontal, wavering a little,
 * with a pale shadow under it, across the whole page. */
static void fold(omr_image *img, double y, double slope) {
    double w = img->width / (img->dpi / 25.4);
    for (double x = 0; x < w; x += 2) {
        double y0 = y + slope * x + 0.15 * sin(x / 7), y1 = y + slope * (x + 2) + 0.15 * sin((x + 2) / 7);
        test_draw_line(img, x, y0 + 0.5, x + 2, y1 + 0.5, 1.0, 222);
        test_draw_line(img, x, y0, x + 2, y1, 0.3, 120);
    }
}

Test(writing, a_fold_line_is_not_writing_but_a_word_across_it_is, .timeout = 60) {
    page2 p = blank_page2();
    omr_rect f = p.field->rect;
    fold(p.img, f.y + f.h * 0.45, 0.02);
    dirty(p.img, f, 200);
    writing_evidence ev = look(&p, NULL);
    cr_assert_not(ev.has_writing, "a fold read as %d words (%d letters)", ev.words, ev.letters);
    cr_assert_geq(ev.lines_removed, 1);
    /* a vertical fold too (a sheet folded twice) */
    for (double yy = 0; yy < p.img->height / (DPI / 25.4); yy += 2)
        test_draw_line(p.img, f.x + 83 + yy * 0.01, yy, f.x + 83 + (yy + 2) * 0.01, yy + 2, 0.3, 130);
    ev = look(&p, NULL);
    cr_assert_not(ev.has_writing, "two folds read as %d words (%d letters)", ev.words, ev.letters);
    /* one word written across the crease is still writing */
    test_write_word(p.img, "DkgHandwriting", 15, "Ja", f.x + 120, f.y + f.h * 0.45 + 0.02 * (f.x + 120) - 3.5, 0, 30);
    ev = look(&p, NULL);
    cr_assert(ev.has_writing, "a word across the fold: %d letters, %d words", ev.letters, ev.words);
    page2_free(&p);
}

Test(writing, a_staple_shadow_is_not_writing, .timeout = 60) {
    page2 p = blank_page2();
    omr_rect f = p.field->rect;
    /* a staple's dark bar with its two bent legs and a soft shadow beside
     * it, in the field's top-left corner */
    double x = f.x + 3, y = f.y + 4;
    test_draw_line(p.img, x, y + 0.9, x + 12, y + 1.4, 1.6, 200);
    test_draw_line(p.img, x, y, x + 12, y + 0.5, 0.8, 45);
    test_draw_line(p.img, x, y, x + 0.3, y + 1.5, 0.7, 60);
    test_draw_line(p.img, x + 12, y + 0.5, x + 11.7, y + 2.0, 0.7, 60);
    /* and the two holes of a staple taken out */
    test_draw_line(p.img, x + 40, y + 2, x + 40.5, y + 2, 0.8, 70);
    test_draw_line(p.img, x + 52, y + 2.3, x + 52.5, y + 2.3, 0.8, 70);
    dirty(p.img, f, 100);
    writing_evidence ev = look(&p, NULL);
    cr_assert_not(ev.has_writing, "a staple read as %d words (%d letters)", ev.words, ev.letters);
    page2_free(&p);
}

/* A field with print of its own inside (a form omr did not print: "Övrigt:"
 * and a dotted writing line): what the print mask marks is the form. */
Test(writing, the_forms_own_print_in_the_field_is_not_writing, .timeout = 60) {
    double s = 8.0; /* px per mm */
    omr_rect crop_mm = {10, 20, 120, 40};
    omr_image *crop = omr_image_new((int)(crop_mm.w * s), (int)(crop_mm.h * s), s * 25.4, 245);
    cr_assert_not_null(crop);
    print_mask mask = {(int)(150 / 0.1), (int)(80 / 0.1), 0.1, NULL};
    mask.printed = calloc((size_t)mask.width * mask.height, 1);
    cr_assert_not_null(mask.printed);
    /* the blank form's print, drawn into a page-sized image at 0.1 mm
     * a cell, becomes the mask (grown by 0.4 mm as mask.c does) */
    omr_image *blank = omr_image_new(mask.width, mask.height, 254, 255);
    test_write_word(blank, "DejaVu Sans", 11, "Övrigt, t.ex. synpunkter:", 12, 22, 0, 0);
    for (double x = 12; x < 128; x += 1.2)
        test_draw_line(blank, x, 50, x + 0.4, 50, 0.25, 0);
    for (int y = 0; y < mask.height; y++)
        for (int x = 0; x < mask.width; x++)
            if (omr_image_at(blank, x, y) < 160)
                for (int dy = -4; dy <= 4; dy++)
                    for (int dx = -4; dx <= 4; dx++)
                        if (y + dy >= 0 && x + dx >= 0 && y + dy < mask.height && x + dx < mask.width)
                            mask.printed[(size_t)(y + dy) * mask.width + (size_t)(x + dx)] = 1;
    /* the scan: the same print, 0.25 mm off (registration), in the crop */
    omr_image *page = omr_image_new((int)(150 * s), (int)(80 * s), s * 25.4, 245);
    test_write_word(page, "DejaVu Sans", 11, "Övrigt, t.ex. synpunkter:", 12.25, 22.2, 0, 20);
    for (double x = 12; x < 128; x += 1.2)
        test_draw_line(page, x + 0.25, 50.2, x + 0.65, 50.2, 0.25, 20);
    for (int y = 0; y < crop->height; y++)
        memcpy(crop->pixels + (size_t)y * crop->stride,
               page->pixels + (size_t)(y + (int)(crop_mm.y * s)) * page->stride + (int)(crop_mm.x * s),
               (size_t)crop->width);
    writing_evidence ev;
    omr_error err;
    cr_assert_eq(writing_find(crop, crop_mm, 245, 20, &mask, 0.004, &ev, &err), OMR_OK, "%s", err.message);
    cr_assert_not(ev.has_writing, "print read as %d words (%d letters)", ev.words, ev.letters);
    /* without the mask the same print is words: the mask is what tells */
    cr_assert_eq(writing_find(crop, crop_mm, 245, 20, NULL, 0.004, &ev, &err), OMR_OK, "%s", err.message);
    cr_assert(ev.has_writing, "printed words are word-shaped");
    /* a word written on the dotted line beside the print is writing */
    test_write_word(crop, "Breip", 15, "Bra", 70, 22, -2, 30);
    cr_assert_eq(writing_find(crop, crop_mm, 245, 20, &mask, 0.004, &ev, &err), OMR_OK, "%s", err.message);
    cr_assert(ev.has_writing, "a word beside the print: %d letters, %d words", ev.letters, ev.words);
    omr_image_free(crop);
    omr_image_free(page);
    omr_image_free(blank);
    free(mask.printed);
}

/* The scanner's own decision (scan_page): the word goes to transcription. */
Test(writing, scan_page_sends_a_one_word_field_to_transcription, .timeout = 60) {
    page2 p = blank_page2();
    omr_rect f = p.field->rect;
    test_write_word(p.img, "femkeklaver", 13, "no.", f.x + f.w - 12, f.y + f.h - 7, -3, 30);
    calibration cal;
    calibration_defaults(&cal);
    const omr_template *templates[] = {p.tmpl};
    scan_options o = {.templates = templates, .n_templates = 1, .calibration = &cal, .run_ocr = 0};
    scan_context ctx;
    omr_error err = {0};
    cr_assert_eq(scan_context_init(&ctx, &o, &err), OMR_OK, "%s", err.message);
    page_reading *reading = NULL;
    int blank = 0;
    cr_assert_eq(scan_page(&ctx, p.img, "one-word.png", 1, &reading, &blank, &err), OMR_OK, "%s", err.message);
    cr_assert(reading->texts[0].has_writing, "ink %.4f", reading->texts[0].ink);
    cr_assert(reading->texts[0].needs_review);
    cr_assert_not_null(reading->texts[0].crop, "the crop an operator transcribes");
    page_reading_free(reading);
    scan_context_free(&ctx);
    page2_free(&p);
}

/* A harsh 1-bit scan can keep a single letter of a short word: the thin
 * down-stroke of "Ja"'s J broke into specks and only the a's closed loop
 * stayed, 2.5 mm high, in a large frame (fresh seeds 6833 V9EY8MPT and 6029
 * W4D84A4F, 200/300 dpi G4: returned empty and unflagged). Here the J is
 * written so pale the scan loses it, on a speckled, noisy page. A letter's
 * loop is writing; a tick or a filled dot of the same size on the same
 * page is not. */
Test(writing, a_word_whose_scan_kept_one_looped_letter_is_writing, .timeout = 60) {
    page2 p = blank_page2();
    omr_rect f = p.field->rect;
    double x = f.x + f.w - 12, y = f.y + f.h - 7;
    test_write_word(p.img, "DkgHandwriting", 11, "J", x, y - 1, 0, 232);
    double wide = test_write_word(p.img, "DkgHandwriting", 11, "a", x + 3, y, 0, 30);
    dirty(p.img, f, 300);
    writing_evidence ev = look(&p, NULL);
    cr_assert(ev.has_writing, "the a of \"Ja\" (%.1f mm): %d letters, %d words", wide, ev.letters, ev.words);
    cr_assert(ev.where_mm.x < x + 3 + wide + 0.5 && ev.where_mm.x + ev.where_mm.w > x + 3, "found at x %.1f",
              ev.where_mm.x);
    page2_free(&p);
    /* the same size of tick, and of filled dot, alone on the same page */
    for (int k = 0; k < 2; k++) {
        p = blank_page2();
        f = p.field->rect;
        if (k == 0) {
            test_draw_line(p.img, x + 3, y + 1.0, x + 3.7, y + 2.1, 0.35, 30);
            test_draw_line(p.img, x + 3.7, y + 2.1, x + 5, y, 0.35, 30);
        } else {
            for (double r = 0.2; r < 1.2; r += 0.2)
                test_circle(p.img, (omr_rect){x + 3, y, 2.4, 2.4}, r);
        }
        dirty(p.img, f, 300);
        ev = look(&p, NULL);
        cr_assert_not(ev.has_writing, "%s read as %d words (%d letters)", k ? "a filled dot" : "a tick", ev.words,
                      ev.letters);
        page2_free(&p);
    }
}

/* A harsh scan that bleeds a short word into one piece thicker than any
 * pen stroke ("Bra" on fresh seed 6833 B8FMN245, 204 dpi G4: a 6 x 4 mm
 * piece with 1.6 mm strokes, taken for a smudge): the a's counter is still
 * paper inside it. A solid smudge of the same size with white specks in it
 * is not writing. Read on a field cut out at 8 px/mm, without a mask. */
/* writing_find on a field cut out at 8 px/mm (print black 0, no mask):
 * asserts that it holds writing (`writing` 1) or none, naming `what`. */
static void expect_writing(const omr_image *crop, omr_rect crop_mm, int writing, const char *what) {
    writing_evidence ev;
    omr_error err;
    cr_assert_eq(writing_find(crop, crop_mm, 255, 0, NULL, 0.004, &ev, &err), OMR_OK, "%s", err.message);
    if (writing)
        cr_assert(ev.has_writing, "%s: %d letters, %d words", what, ev.letters, ev.words);
    else
        cr_assert_not(ev.has_writing, "%s read as %d words (%d letters, %d pale words)", what, ev.words, ev.letters, ev.pale_words);
}

/* Bleeds `crop` like a dark 1-bit scan: a (2 radius + 1)-square minimum
 * (every pixel within `radius` px of ink turns ink), then 1 bit; with
 * `speck_state` non-zero, white specks in the ink too (one pixel in 200 of
 * a fixed pseudo-random walk from that state). radius <= 5. */
static void bleed_1bit(omr_image *crop, int radius, unsigned speck_state) {
    cr_assert(radius >= 1 && radius <= 5);
    omr_image *src = omr_image_crop(crop, 0, 0, crop->width, crop->height);
    cr_assert_not_null(src);
    for (int py = 5; py < crop->height - 5; py++)
        for (int px = 5; px < crop->width - 5; px++) {
            uint8_t m = 255;
            for (int dy = -radius; dy <= radius; dy++)
                for (int dx = -radius; dx <= radius; dx++) {
                    uint8_t v = src->pixels[(size_t)(py + dy) * src->stride + px + dx];
                    m = v < m ? v : m;
                }
            uint8_t v = m < 128 ? 0 : 250;
            if (speck_state && v == 0 && next_noise(&speck_state) % 200 == 0)
                v = 250;
            crop->pixels[(size_t)py * crop->stride + px] = v;
        }
    omr_image_free(src);
}

Test(writing, a_short_word_bled_thicker_than_a_stroke_is_writing, .timeout = 60) {
    double s = 8.0;
    omr_rect crop_mm = {10, 20, 170, 59}; /* the size of ekb-2024's comment field */
    for (int k = 0; k < 2; k++) {
        omr_image *crop = omr_image_new((int)(crop_mm.w * s), (int)(crop_mm.h * s), s * 25.4, 250);
        cr_assert_not_null(crop);
        if (k == 0)
            test_write_word(crop, "DkgHandwriting", 24, "Bra", 20, 10, 0, 0);
        else
            for (double r = 0.2; r < 2.3; r += 0.2)
                test_circle(crop, (omr_rect){20 + 0.8, 10, 4.4, 4.4}, r);
        /* bleed: an 11 x 11 minimum (every pixel within 0.6 mm of ink), then
         * 1 bit, then white specks (one pixel in 200) */
        bleed_1bit(crop, 5, 777);
        expect_writing(crop, crop_mm, k == 0, k == 0 ? "\"Bra\" bled thick" : "a smudge");
        omr_image_free(crop);
    }
}

/* A short word bled shut: "no." in a 200-dpi 1-bit comment field (fresh
 * seed 7801 FA3H27G2) became one solid piece 3.9 x 2.4 mm whose o kept a
 * hole of a few pixels, too small for a letter's counter; the field came
 * back empty, unflagged. A piece as wide as a word and as tall as its
 * letters is a word to transcribe; a round smudge of its size is not. */
/* `text` written at `points` at (x, y) mm of a comment-sized field cut out
 * at 8 px/mm, then a filled disc `disc_mm` across there instead (rings to
 * radius `disc_r_max`; a dash `disc_mm` long where that is 0), each bled
 * like a dark 1-bit scan (a (2 bleed + 1)-square minimum, then 1 bit; 4:
 * every pixel within 0.5 mm of ink): the word is writing, the other not. */
static void word_is_writing_disc_is_not(double points, const char *text, double x, double y, double disc_mm,
                                        double disc_r_max, int bleed, const char *word_what, const char *disc_what) {
    double s = 8.0;
    omr_rect crop_mm = {10, 20, 170, 59};
    for (int k = 0; k < 2; k++) {
        omr_image *crop = omr_image_new((int)(crop_mm.w * s), (int)(crop_mm.h * s), s * 25.4, 250);
        cr_assert_not_null(crop);
        if (k == 0)
            test_write_word(crop, "DkgHandwriting", points, text, x, y, 0, 0);
        else if (disc_r_max > 0)
            for (double r = 0.2; r < disc_r_max; r += 0.2)
                test_circle(crop, (omr_rect){x, y, disc_mm, disc_mm}, r);
        else /* a dash disc_mm long instead */
            test_draw_line(crop, x, y + 1, x + disc_mm, y + 1, 0.4, 0);
        bleed_1bit(crop, bleed, 0);
        expect_writing(crop, crop_mm, k == 0, k == 0 ? word_what : disc_what);
        omr_image_free(crop);
    }
}

Test(writing, a_short_word_bled_shut_is_writing, .timeout = 60) {
    word_is_writing_disc_is_not(14, "no.", 60, 20, 3.0, 1.6, 4, "\"no.\" bled shut", "a round smudge");
}

/* A short word bled letter by letter (fresh seed 8381 7USZTFAM: "no."
 * written small in a harsh 200-dpi 1-bit comment field, the n and the o
 * each bled into a solid blob 1.5-1.9 mm, 0.2 mm apart; no letter stroke
 * and no piece a word's width: the field came back empty, unflagged). The
 * letters, written apart and each bled shut, are a word to transcribe; two
 * filled dots of their size a dot's width apart are not, nor is one. */
Test(writing, a_short_word_bled_letter_by_letter_is_writing_two_dots_apart_are_not, .timeout = 60) {
    double s = 8.0;
    omr_rect crop_mm = {10, 20, 170, 59};
    for (int k = 0; k < 3; k++) {
        omr_image *crop = omr_image_new((int)(crop_mm.w * s), (int)(crop_mm.h * s), s * 25.4, 250);
        cr_assert_not_null(crop);
        if (k == 0) {
            double wide = test_write_word(crop, "DkgHandwriting", 8, "n", 120, 30, 0, 0);
            test_write_word(crop, "DkgHandwriting", 8, "o", 120 + wide + 1.1, 30, 0, 0);
        } else {
            for (int dot = 0; dot < k; dot++)
                for (double r = 0.05; r < 0.25; r += 0.1) /* 0.8 mm, bled to 1.55 */
                    test_circle(crop, (omr_rect){120 + dot * 3.3, 30, 1.0, 1.0}, r);
        }
        /* bleed each letter shut, not into the next: a 7 x 7 minimum, then 1 bit */
        bleed_1bit(crop, 3, 0);
        expect_writing(crop, crop_mm, k == 0,
                       k == 0 ? "\"no\" bled letter by letter" : k == 1 ? "a filled dot" : "two filled dots apart");
        omr_image_free(crop);
    }
}

/* A polyline through (x[k], y[k]) mm, k < n, pen `pen` mm, in black. */
static void pen_path(omr_image *img, const double *x, const double *y, int n, double pen) {
    for (int k = 0; k + 1 < n; k++)
        test_draw_line(img, x[k], y[k], x[k + 1], y[k + 1], pen, 0);
}

/* Fresh seed 8101 MBYXVZF2: "no." written into the comment frame of a harsh
 * 1-bit page scanned one joined piece, 6.6 x 2.6 mm, its stroke 1.5 times
 * its length, the o's counter gone: too long for a compact word (short
 * side 0.39 of the long), too little winding for joined-up writing, and the
 * field came back empty, unflagged. A line across its middle meets three of
 * its strokes, as across a short word's letters; a tick meets two. */
Test(writing, a_short_word_joined_into_one_flat_piece_is_writing_a_tick_is_not, .timeout = 60) {
    double s = 8.0;
    omr_rect crop_mm = {10, 20, 170, 59};
    for (int k = 0; k < 2; k++) {
        omr_image *crop = omr_image_new((int)(crop_mm.w * s), (int)(crop_mm.h * s), s * 25.4, 250);
        cr_assert_not_null(crop);
        if (k == 0) { /* six strokes down and up, 6 x 2 mm: a run-together "nu" or "mu" */
            const double x[] = {40, 41, 42, 43, 44, 45, 46}, y[] = {22, 24, 22, 24, 22, 24, 22};
            pen_path(crop, x, y, 7, 0.4);
        } else { /* a tick, 4 x 3 mm */
            const double x[] = {40, 41.2, 44}, y[] = {23, 25, 22};
            pen_path(crop, x, y, 3, 0.4);
        }
        expect_writing(crop, crop_mm, k == 0, k == 0 ? "a short word in one flat piece" : "a tick");
        omr_image_free(crop);
    }
}

/* A short word bled into one squat piece (fresh seed 8303 M278SWMD: "Ja"
 * in a corner of a 204-dpi fax's comment field, one piece 3.8 x 3.1 mm
 * with no counter left, too square for a word bled shut): the notches
 * between its letters tell it from a filled dot of its size, which is
 * convex. Read on a field cut out at 8 px/mm, bled like a dark 1-bit scan. */
Test(writing, a_short_word_bled_into_a_squat_piece_is_writing_a_filled_dot_is_not, .timeout = 60) {
    double s = 8.0;
    omr_rect crop_mm = {10, 20, 170, 59};
    for (int k = 0; k < 4; k++) {
        omr_image *crop = omr_image_new((int)(crop_mm.w * s), (int)(crop_mm.h * s), s * 25.4, 250);
        cr_assert_not_null(crop);
        double dot_mm = k == 2 ? 2.6 : 3.4;
        if (k < 2)
            test_write_word(crop, "DkgHandwriting", k == 0 ? 8 : 10, "Ja", 150, 45, 0, 0);
        else
            for (double r = 0.2; r < dot_mm / 2; r += 0.2)
                test_circle(crop, (omr_rect){150, 45, dot_mm, dot_mm}, r);
        /* bleed shut: a 9 x 9 minimum (every pixel within 0.5 mm of ink), then 1 bit */
        bleed_1bit(crop, 4, 0);
        char what[64];
        if (k < 2)
            snprintf(what, sizeof what, "\"Ja\" bled into one squat piece (%d pt)", k == 0 ? 8 : 10);
        else
            snprintf(what, sizeof what, "a filled dot of %.1f mm", dot_mm);
        expect_writing(crop, crop_mm, k < 2, what);
        omr_image_free(crop);
    }
}

/* Large writing bled into one piece (fresh seed 8440 --folds --warp 1,
 * 8T4EEEE7: "No" in letters 6.7 mm tall in the corner of a speckled
 * 200-dpi 1-bit comment field, one piece 6.8 x 6.7 mm notched between its
 * letters, past the 6 mm a bled word was looked for within; missed
 * silently). A filled disc of its size is convex: no word. */
Test(writing, a_large_word_bled_into_one_piece_is_writing_a_large_filled_disc_is_not, .timeout = 60) {
    word_is_writing_disc_is_not(16, "No", 150, 3, 6.8, 3.4, 4, "\"No\" 6-7 mm tall, bled into one piece",
                                "a filled disc of 6.8 mm");
}

/* A light pencil's "a" (fresh seed 8305 --warp 1 EHXD3Y55: "Ja" so pale
 * that the J never reaches STRONG, and the a only where its stem was pressed
 * harder; the field came back empty, unflagged): its loop is a counter
 * although no pixel of its rim is a pen's dark core. Drawn on a field cut
 * out at 8 px/mm: a ring 2 mm across in pencil grey (darkness 0.2) with a
 * darker stem. The same pale stroke left open (an arc and the stem, no
 * loop) is no word. */
Test(writing, a_light_pencil_letters_loop_is_writing, .timeout = 60) {
    double s = 8.0;
    omr_rect crop_mm = {10, 20, 170, 59};
    for (int k = 0; k < 2; k++) {
        omr_image *crop = omr_image_new((int)(crop_mm.w * s), (int)(crop_mm.h * s), s * 25.4, 250);
        cr_assert_not_null(crop);
        double cx = 120, cy = 40, r = 1.0;
        if (k == 0)
            for (int i = 0; i < 72; i++) {
                double a0 = i * M_PI / 36, a1 = (i + 1) * M_PI / 36;
                test_draw_line(crop, cx + r * cos(a0), cy + r * sin(a0), cx + r * cos(a1), cy + r * sin(a1), 0.35,
                               200);
            }
        else /* the same pale stroke, open: an arc and a tick */
            for (int i = 0; i < 30; i++) {
                double a0 = i * M_PI / 36, a1 = (i + 1) * M_PI / 36;
                test_draw_line(crop, cx + r * cos(a0), cy + r * sin(a0), cx + r * cos(a1), cy + r * sin(a1), 0.35,
                               200);
            }
        test_draw_line(crop, cx + r, cy - 1.0, cx + r + 0.2, cy + 1.4, 0.35, 150);
        expect_writing(crop, crop_mm, k == 0, k == 0 ? "a pale pencil \"a\"" : "a pale arc and a stroke");
        omr_image_free(crop);
    }
}

/* A short word's letters run together small (fresh seed 8331 5E7X3FQZ:
 * "Nej." in pale pencil in a corner of the comment frame, its N too pale to
 * count as ink, "ej" one piece 2.9 mm long whose stroke winds 2.8 times
 * that: too short for joined-up writing, and the field came back empty,
 * unflagged). Drawn on a field cut out at 8 px/mm: eight strokes down and
 * up, 2.7 mm wide with the pen, as "nu" written small. A short straight
 * dash of that length is no word. */
Test(writing, a_short_word_run_together_small_is_writing, .timeout = 60) {
    double s = 8.0;
    omr_rect crop_mm = {10, 20, 170, 59};
    for (int k = 0; k < 2; k++) {
        omr_image *crop = omr_image_new((int)(crop_mm.w * s), (int)(crop_mm.h * s), s * 25.4, 250);
        cr_assert_not_null(crop);
        if (k == 0) { /* eight strokes down and up in 2.4 x 1.5 mm: "nu" or "mu" written small */
            const double x[] = {150.0, 150.3, 150.6, 150.9, 151.2, 151.5, 151.8, 152.1, 152.4};
            const double y[] = {46.5, 45.0, 46.5, 45.0, 46.5, 45.0, 46.5, 45.0, 46.5};
            pen_path(crop, x, y, 9, 0.3);
        } else {
            const double x[] = {150, 152.6}, y[] = {45.6, 45.7};
            pen_path(crop, x, y, 2, 0.3);
        }
        expect_writing(crop, crop_mm, k == 0, k == 0 ? "a short word run together, 2.7 mm" : "a short dash");
        omr_image_free(crop);
    }
}

/* A field whose paper does not show is never "nothing written": the
 * comment frame's lower part under a black panel (a fold a harsh 1-bit
 * scanner turned black; seed 8444 SM6NQKC5, its comment under it, came back
 * empty once its page was read) goes to a person, as a field wholly black
 * does. A crease's black line across the field, a mark's width, is no
 * cover, nor is an empty field on grey paper. */
Test(writing, a_field_under_a_black_panel_goes_to_a_person_a_black_line_across_it_does_not, .timeout = 60) {
    for (int k = 0; k < 4; k++) {
        page2 p = blank_page2();
        omr_rect f = p.field->rect;
        /* 0: the lower 20 mm black; 1: all of it; 2: a 1 mm black line
         * across it; 3: the page grey */
        double y0 = k == 0 ? f.y + f.h - 20 : k == 1 ? f.y - 2 : f.y + f.h / 2, y1 = k == 2 ? y0 + 1 : f.y + f.h + 2;
        if (k < 3)
            test_black_panel(p.img, y0, y1);
        for (int i = 0; k == 3 && i < p.img->height * p.img->stride; i++)
            p.img->pixels[i] = p.img->pixels[i] > 190 ? 190 : p.img->pixels[i];
        writing_evidence ev = look(&p, NULL);
        if (k < 2)
            cr_assert(ev.covered && ev.has_writing, "case %d: the black read as an empty field", k);
        else
            cr_assert(!ev.covered && !ev.has_writing, "case %d: read as covered (%d) or written (%d words)", k,
                      ev.covered, ev.words);
        page2_free(&p);
    }
}

/* A short word bled part way (fresh seed 8502 --warp 1.3, 24ZV3XT8: "no."
 * written small in the corner of a harsh 200-dpi comment field; "no" one
 * piece 3.3 x 1.9 mm filling 71% of its box, its strokes still thin
 * enough for a letter's, not curved by the measure a letter's curve is
 * told by, and no counter left: the field came back empty, unflagged). A
 * letter piece shaped like a bled word is a word to transcribe, as a blob
 * of that shape is; a dash bled as far is not. */
Test(writing, a_short_word_bled_part_way_into_one_letter_piece_is_writing_a_dash_is_not, .timeout = 60) {
    word_is_writing_disc_is_not(9, "no.", 150, 3, 3.3, 0, 2, "\"no.\" bled part way", "a dash bled");
}

/* A fold's crease scanned pale (a grey line, no dark core) down the
 * comment field, and a word in pencil written across it (fresh seed 8511
 * --folds --warp 1.2, XMDAWKPR: "ja" on the vertical crease, one piece
 * with it, a bar 57 mm long: the field came back empty, unflagged). The
 * crease alone is no writing; the word across it is. */
Test(writing, a_word_on_a_pale_crease_is_writing_the_crease_alone_is_not, .timeout = 60) {
    double s = 8.0;
    omr_rect crop_mm = {10, 20, 170, 59};
    /* the crease alone, then "ja" written small (8-10 points) at three
     * places across it */
    for (int k = 0; k < 10; k++) {
        omr_image *crop = omr_image_new((int)(crop_mm.w * s), (int)(crop_mm.h * s), s * 25.4, 250);
        cr_assert_not_null(crop);
        for (double y = 0; y < crop_mm.h; y += 1)
            test_draw_line(crop, 86 + 0.004 * y, y, 86 + 0.004 * (y + 1), y + 1, 0.35, 205);
        char what[64] = "a pale crease";
        if (k > 0) {
            double points = 8 + (k - 1) / 3, x = 84 + 0.5 * ((k - 1) % 3);
            test_write_word(crop, "DkgHandwriting", points, "ja", x, 3, 0, 150);
            snprintf(what, sizeof what, "\"ja\" at %.0f points, %.1f mm, on a pale crease", points, x);
        }
        expect_writing(crop, crop_mm, k > 0, what);
        omr_image_free(crop);
    }
}

/* Light pencil on paper of fine grain (fresh seed 9148 --dpi-mix,
 * N9AUP4TW: "Ja" in a corner of the comment frame, its a 0.21 dark at
 * most, its J 0.11: no pixel reached the 0.25 a piece of writing needs, and
 * the field came back empty, unflagged). The pale look finds it, on a page
 * with the grain and specks of a worn scanner. The same word as pale as a
 * thin sheet's other side shows through (0.09) is not writing, nor is the
 * page with its grain and specks alone. */
Test(writing, a_word_in_light_pencil_is_writing_as_pale_as_show_through_it_is_not, .timeout = 60) {
    static const char *const fonts[] = {"Breip", "DkgHandwriting"};
    for (int k = 0; k < 5; k++) {
        page2 p = blank_page2();
        omr_rect f = p.field->rect;
        uint8_t grey = k < 2 ? 214 : 232; /* darkness 0.16, then 0.09 */
        if (k < 4)
            test_write_word(p.img, fonts[k % 2], 13, "Ja", f.x + 12 + 30 * k, f.y + 12, 3, grey);
        dirty(p.img, f, 150);
        writing_evidence ev = look(&p, NULL);
        if (k < 2) {
            cr_assert(ev.has_writing, "\"Ja\" in %s at grey %d: %d letters, %d words", fonts[k % 2], grey, ev.letters,
                      ev.words);
            cr_assert_gt(ev.pale_words, 0, "found by the first look: the word is not pale enough to test the second");
        } else {
            cr_assert_not(ev.has_writing, "%s read as %d words (%d letters)",
                          k < 4 ? "show-through's pale word" : "grain and specks", ev.words, ev.letters);
        }
        page2_free(&p);
    }
}

/* make_variants' `coffee_ring` on base 4921 (HNYJ3G8X, X84VUU27): the rim
 * of a cup's ring across the comment field (1-3 mm wide, 15-35% dark, 50-90
 * mm across) was taken by the pale look for a pale word, one curved piece
 * 21-34 mm tall, and sent for transcription. A pale letter is no taller
 * than a letter: the rim alone is no writing; a light pencil's "Ja" beside
 * it is. (The pale core's share, the other bound of pale_letter_core, is
 * the real `highlighter` variant's: a tint's grain past the core's
 * threshold in scattered pixels, which a drawn band with this test's grain
 * does not give.) */
Test(writing, a_cups_ring_is_no_pale_word_a_pencil_word_beside_it_is, .timeout = 60) {
    for (int k = 0; k < 2; k++) {
        page2 p = blank_page2();
        omr_rect f = p.field->rect;
        double s = p.img->dpi / 25.4;
        /* the rim, 15% dark: a ring 54 mm across in the field's left part */
        double cx = (f.x + 60) * s, cy = (f.y + f.h / 2) * s, r = 27 * s, rim = 1.0 * s;
        for (int py = (int)(f.y * s); py < (int)((f.y + f.h) * s); py++)
            for (int px = (int)(f.x * s); px < (int)((f.x + f.w) * s); px++) {
                double d = (hypot(px - cx, py - cy) - r) / rim;
                uint8_t *q = &p.img->pixels[(size_t)py * p.img->stride + px];
                *q = (uint8_t)lround(*q * (1 - 0.15 * exp(-d * d)));
            }
        if (k == 1)
            test_write_word(p.img, "DkgHandwriting", 13, "Ja", f.x + 120, f.y + 12, 3, 214);
        dirty(p.img, f, 0); /* grain (a speck on the rim is a dark core the first look grows along it) */
        writing_evidence ev = look(&p, NULL);
        if (k == 0)
            cr_assert_not(ev.has_writing, "a cup's ring read as %d words (%d letters, %d pale)", ev.words, ev.letters,
                          ev.pale_words);
        else
            cr_assert(ev.has_writing && ev.pale_words > 0,
                      "a pencil's \"Ja\" beside a cup's ring: %d letters, %d words", ev.letters, ev.words);
        page2_free(&p);
    }
}
