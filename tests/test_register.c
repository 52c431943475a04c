/*
 * test_register.c — forms omr did not print: register.c (a page found through
 * its blank copy and its own corner marks, under a turn, scaling and
 * perspective), barcode.c (a code's text through the template's pattern),
 * identify.c (a page without a code known by its look, two pages paired by
 * scan order) and discover.c (boxes, bubbles, a text field and corner marks
 * found on a blank). The blank form is drawn here with cairo, not by omr.
 */
#include <cairo.h>

#include "deciding/decide.h"
#include "reading/barcode.h"
#include "base/cv_wrap.h"
#include "forms/discover.h"
#include "helpers.h"
#include "pages/encode.h"
#include "reading/identify.h"
#include "reading/locate.h"
#include "reading/mark.h"
#include "reading/mask.h"
#include "reading/measure.h"
#include "reading/reference.h"
#include "reading/register.h"

#define DPI 150.0
#define PW 210.0
#define PH 297.0

/* A blank form of our own: L-marks, a title, a grid of 3 x 4 square boxes
 * with row texts, three bubbles in a column with labels, a comment frame.
 * `variant` changes the texts (page 2 of the form looks different). */
static omr_image *draw_blank(int variant) {
    double s = DPI / 25.4;
    int w = (int)(PW * s), h = (int)(PH * s);
    cairo_surface_t *surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, w, h);
    cairo_t *cr = cairo_create(surface);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    cairo_scale(cr, s, s);
    cairo_set_source_rgb(cr, 0, 0, 0);
    /* L-marks, 8 mm arms, 1.6 mm thick */
    const double corners[4][4] = {{10, 10, 1, 1}, {200, 10, -1, 1}, {10, 287, 1, -1}, {200, 287, -1, -1}};
    for (int i = 0; i < 4; i++) {
        double x = corners[i][0], y = corners[i][1], sx = corners[i][2], sy = corners[i][3];
        cairo_rectangle(cr, fmin(x, x + 8 * sx), fmin(y, y + 1.6 * sy), 8, 1.6);
        cairo_rectangle(cr, fmin(x, x + 1.6 * sx), fmin(y, y + 8 * sy), 1.6, 8);
        cairo_fill(cr);
    }
    cairo_select_font_face(cr, "DejaVu Serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_BOLD);
    cairo_set_font_size(cr, 6);
    cairo_move_to(cr, 25, 30);
    cairo_show_text(cr, variant ? "Second page: about you" : "A survey of our own making");
    cairo_select_font_face(cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, 3.5);
    static const char *rows[2][3] = {{"The staff were helpful", "Finding books was easy", "The rooms are quiet"},
                                     {"How old are you?", "Where do you live?", "How did you hear of us?"}};
    cairo_set_line_width(cr, 0.3);
    for (int r = 0; r < 3; r++) {
        cairo_move_to(cr, 25, 62 + 10 * r);
        cairo_show_text(cr, rows[variant][r]);
        for (int c = 0; c < 4; c++) {
            cairo_rectangle(cr, 120 + 15 * c + 0.15, 58.5 + 10 * r + 0.15, 4.7, 4.7);
            cairo_stroke(cr);
        }
    }
    static const char *labels[3] = {"Every week", "Every month", "Less often"};
    for (int k = 0; k < 3; k++) {
        cairo_new_path(cr);
        cairo_arc(cr, 32.5, 112.5 + 9 * k, 2.35, 0, 2 * M_PI);
        cairo_stroke(cr);
        cairo_move_to(cr, 38, 113.8 + 9 * k);
        cairo_show_text(cr, labels[k]);
    }
    cairo_move_to(cr, 25, 155);
    cairo_show_text(cr, variant ? "Anything else you would like to tell us?" : "Comments on our services:");
    cairo_rectangle(cr, 25, 160, 160, 50);
    cairo_stroke(cr);
    cairo_destroy(cr);
    cairo_surface_flush(surface);
    omr_image *img = test_image_from_surface(surface, DPI);
    return img;
}

/* The page "scanned": mm -> scan px through a quarter turn, scaling and a
 * perspective (h maps template mm to scan px). */
static omr_image *photograph(const omr_image *blank, double h[9]) {
    double s = DPI / 25.4;
    /* template mm -> blank px -> a 90 degree turn at 0.85 scale, keystoned */
    omr_point from[4] = {{0, 0}, {PW, 0}, {PW, PH}, {0, PH}}, to[4] = {
        {1500 - 20, 60}, {1500 + 30, 60 + 0.85 * PW * s}, {60 - 25, 60 + 0.85 * PW * s + 15}, {60, 60 + 10}};
    cr_assert_eq(cvw_fit_homography(from, to, 4, h), OMR_OK);
    for (int i = 0; i < 9; i++)
        h[i] /= h[8];
    double blank_to_scan[9];
    double inv_s[9] = {1 / s, 0, 0, 0, 1 / s, 0, 0, 0, 1};
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) {
            blank_to_scan[i * 3 + j] = 0;
            for (int k = 0; k < 3; k++)
                blank_to_scan[i * 3 + j] += h[i * 3 + k] * inv_s[k * 3 + j];
        }
    omr_image *scan = omr_image_new(1600, 1300, 0, 255); /* a photo: no resolution */
    cr_assert_eq(cvw_warp_perspective(blank, scan, blank_to_scan), OMR_OK);
    cvw_gaussian_blur(scan, 0.8);
    return scan;
}

static double map_error(const double a[9], const page_transform *t, double x, double y) {
    double w = a[6] * x + a[7] * y + a[8];
    omr_point want = {(a[0] * x + a[1] * y + a[2]) / w, (a[3] * x + a[4] * y + a[5]) / w};
    omr_point got = locate_map(t, x, y);
    return hypot(got.x - want.x, got.y - want.y) / t->px_per_mm;
}

/* A template for the drawn form, its blank saved beside it as PNG pages. */
static char *write_form(const char *dir, const char *identity, int marks) {
    for (int p = 0; p < 2; p++) {
        omr_image *b = draw_blank(p);
        cairo_surface_t *surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, b->width, b->height);
        unsigned char *d = cairo_image_surface_get_data(surface);
        int stride = cairo_image_surface_get_stride(surface);
        for (int y = 0; y < b->height; y++)
            for (int x = 0; x < b->width; x++) {
                uint32_t v = b->pixels[(size_t)y * b->stride + x];
                ((uint32_t *)(d + (size_t)y * stride))[x] = (v << 16) | (v << 8) | v;
            }
        cairo_surface_mark_dirty(surface);
        char png[512];
        snprintf(png, sizeof png, "%s/blank-p%d.png", dir, p + 1);
        cr_assert_eq(cairo_surface_write_to_png(surface, png), CAIRO_STATUS_SUCCESS);
        cairo_surface_destroy(surface);
        omr_image_free(b);
    }
    char *path = malloc(512);
    snprintf(path, 512, "%s/form.cfg", dir);
    FILE *f = fopen(path, "w");
    fprintf(f, "id = \"ours\"; title = \"ours\";\nreference = [\"blank-p1.png\", \"blank-p2.png\"];\n%s\n%s\n",
            identity, marks ? "registration = \"marks\"; marks = { size = 8.0; centres = ([12.58, 12.58], "
                              "[197.42, 12.58], [12.58, 284.42], [197.42, 284.42]); };" : "");
    fprintf(f, "pages = ( { page = 1; questions = ( { id = \"q1\"; type = \"scale\"; text = \"q1\"; y = 58.5; "
               "labels = \"none\"; boxes = ( { value = \"1\"; x = 120.0; }, { value = \"2\"; x = 135.0; } ); } ); },\n"
               "  { page = 2; questions = ( { id = \"q2\"; type = \"single\"; text = \"q2\"; y = 110.15; "
               "boxes = ( { value = \"1\"; x = 30.15; w = 4.7; h = 4.7; } ); } ); } );\n");
    fclose(f);
    return path;
}

Test(register, blank_copy_finds_a_turned_keystoned_photo) {
    omr_image *blank = draw_blank(0), *scan = NULL;
    reference_page *ref = NULL;
    omr_error err = {0};
    cr_assert_eq(reference_page_from_image(blank, PW, PH, &ref, &err), OMR_OK, "%s", err.message);
    double truth[9];
    scan = photograph(reference_page_image(ref), truth);
    reference_scan rs;
    cr_assert_eq(reference_scan_prepare(scan, &rs, &err), OMR_OK);
    double h[9];
    int inliers = reference_match(ref, &rs, h);
    cr_assert_geq(inliers, 40, "only %d features agree", inliers);
    page_transform t = {0};
    memcpy(t.homography, h, sizeof h);
    t.px_per_mm = 0.85 * DPI / 25.4;
    /* within half a millimetre everywhere the boxes are; measure re-centres the rest */
    for (int r = 0; r < 3; r++)
        for (int c = 0; c < 4; c++)
            cr_assert_lt(map_error(truth, &t, 122 + 15 * c, 61 + 10 * r), 0.5);
    /* a page of another form does not match */
    omr_image *other = omr_image_new(1600, 1300, 0, 255);
    test_draw_line(other, 5, 5, 100, 80, 1.0, 0);
    reference_scan_clear(&rs);
    cr_assert_eq(reference_scan_prepare(other, &rs, &err), OMR_OK);
    cr_assert_eq(reference_match(ref, &rs, h), 0);
    reference_scan_clear(&rs);
    omr_image_free(other);
    omr_image_free(scan);
    reference_page_free(ref);
}

Test(register, own_corner_marks_make_the_map_exact_and_the_page_turn_known) {
    char *dir = test_tempdir();
    char *path = write_form(dir, "identity = { kind = \"none\"; };", 1);
    omr_template *t = NULL;
    omr_error err = {0};
    template_problems problems = {0};
    int rc = template_load(path, &t, &problems, &err);
    cr_assert_eq(rc, OMR_OK, "%s %s", err.message, problems.count ? problems.messages[0] : "");
    cr_assert_eq(t->registration, REGISTRATION_MARKS);
    double truth[9];
    omr_image *scan = photograph(reference_page_image(template_reference(t, 1)), truth);
    page_identity id = {.page = 1};
    snprintf(id.template_id, sizeof id.template_id, "ours");
    page_transform pt;
    cr_assert_eq(locate_page(scan, t, &id, &pt, &err), OMR_OK, "%s", err.message);
    cr_assert_eq(pt.quarter_turns, 1);
    cr_assert(pt.projective);
    for (double y = 20; y < PH; y += 60)
        for (double x = 20; x < PW; x += 40)
            cr_assert_lt(map_error(truth, &pt, x, y), 0.25, "at (%.0f, %.0f) mm", x, y);
    /* the print mask is the blank's own print: the box outline, not inside */
    print_mask mask;
    cr_assert_eq(measure_print_mask(t, 1, &mask, &err), OMR_OK, "%s", err.message);
    cr_assert(mask.printed[(size_t)(61.0 / mask.pitch) * mask.width + (size_t)(120.2 / mask.pitch)]);
    cr_assert(!mask.printed[(size_t)(61.0 / mask.pitch) * mask.width + (size_t)(122.5 / mask.pitch)]);
    print_mask_free(&mask);
    omr_image_free(scan);
    template_free(t);
    free(path);
    rm_rf(dir);
}

Test(register, pages_without_a_code_are_known_by_look_and_paired_by_order) {
    char *dir = test_tempdir();
    char *path = write_form(dir, "identity = { kind = \"none\"; };", 0);
    omr_template *t = NULL;
    omr_error err = {0};
    cr_assert_eq(template_load(path, &t, NULL, &err), OMR_OK, "%s", err.message);
    identify_reader *reader = identify_reader_new();
    const omr_template *list[1] = {t};
    identify_reader_set_templates(reader, list, 1);
    double truth[9];
    page_identity a, b, c;
    omr_image *p1 = photograph(reference_page_image(template_reference(t, 1)), truth);
    omr_image *p2 = photograph(reference_page_image(template_reference(t, 2)), truth);
    cr_assert_eq(identify_page(reader, p2, NULL, &a, &err), OMR_OK, "%s", err.message);
    cr_assert_eq(identify_page(reader, p1, NULL, &b, &err), OMR_OK, "%s", err.message);
    cr_assert_eq(identify_page(reader, p1, NULL, &c, &err), OMR_OK, "%s", err.message);
    cr_assert_str_eq(a.template_id, "ours");
    cr_assert_eq(a.page, 2);
    cr_assert_eq(b.page, 1);
    cr_assert(a.anonymous && a.has_coarse);
    cr_assert_str_eq(a.code, b.code, "page 2 then page 1: one form");
    cr_assert_str_neq(b.code, c.code, "a second page 1 starts the next form");
    cr_assert(identify_code_is_valid(a.code));
    /* a page that is none of the form's */
    omr_image *letter = omr_image_new(1240, 1754, 150, 255);
    test_draw_line(letter, 20, 20, 180, 40, 0.8, 0);
    cr_assert_eq(identify_page(reader, letter, NULL, &a, &err), OMR_ERR_NOT_FOUND);
    omr_image_free(letter);
    omr_image_free(p1);
    omr_image_free(p2);
    identify_reader_free(reader);
    template_free(t);
    free(path);
    rm_rf(dir);
}

/* Among many blank pages (more than the shortlist) the scan is compared
 * cheaply first; copies of one blank match alike, so a page that is two
 * templates' page 1 goes to a person with equal counts, as when every page
 * was matched in full. */
Test(register, copies_of_one_blank_among_many_pages_tie_and_go_to_a_person) {
    char *dir = test_tempdir();
    char *path = write_form(dir, "identity = { kind = \"none\"; };", 0);
    omr_template *t[3] = {NULL, NULL, NULL};
    omr_error err = {0};
    for (int i = 0; i < 3; i++)
        cr_assert_eq(template_load(path, &t[i], NULL, &err), OMR_OK, "%s", err.message);
    cr_assert(reference_same_look(template_reference(t[0], 1), template_reference(t[2], 1)));
    cr_assert_not(reference_same_look(template_reference(t[0], 1), template_reference(t[0], 2)));
    double truth[9];
    omr_image *p2 = photograph(reference_page_image(template_reference(t[0], 2)), truth);
    identify_reader *reader = identify_reader_new();
    const omr_template *one[1] = {t[0]};
    identify_reader_set_templates(reader, one, 1);
    page_identity a;
    cr_assert_eq(identify_page(reader, p2, NULL, &a, &err), OMR_OK, "%s", err.message);
    cr_assert_eq(a.page, 2);
    const omr_template *all[3] = {t[0], t[1], t[2]};
    identify_reader_set_templates(reader, all, 3); /* 6 pages: the shortlist */
    cr_assert_eq(identify_page(reader, p2, NULL, &a, &err), OMR_ERR_NOT_FOUND);
    int best = 0, second = -1;
    const char *m = strstr(err.message, "another page (");
    cr_assert(m, "%s", err.message);
    cr_assert_eq(sscanf(m, "another page (%d against %d", &best, &second), 2);
    cr_assert(best > 0 && best == second, "%s", err.message);
    omr_image_free(p2);
    identify_reader_free(reader);
    for (int i = 0; i < 3; i++)
        template_free(t[i]);
    free(path);
    rm_rf(dir);
}

/* The cheap likeness counts the pairs one turn, scale and shift puts in
 * place: 40 features seen on a page turned a quarter, 1.3 times larger and
 * moved are all placed; the same descriptors scattered anywhere (a page of
 * the same maker: the same letters, elsewhere) pair as often but are not. */
Test(register, the_likeness_counts_pairs_in_place_not_pairs) {
    enum { N = 40, BYTES = 32 };
    float from_pts[4 * N], placed_pts[4 * N], scattered_pts[4 * N];
    uint8_t desc[N * BYTES];
    uint32_t seed = 12345;
    for (int i = 0; i < N * BYTES; i++) {
        seed = seed * 1103515245u + 12345u;
        desc[i] = (uint8_t)(seed >> 16);
    }
    for (int i = 0; i < N; i++) {
        seed = seed * 1103515245u + 12345u;
        float x = 20.0f + (float)((seed >> 16) % 800), y = 20.0f + (float)((seed >> 4) % 1100);
        from_pts[4 * i] = x;
        from_pts[4 * i + 1] = y;
        from_pts[4 * i + 2] = 31;
        from_pts[4 * i + 3] = 0;
    }
    for (int i = 0; i < N; i++) {
        /* a quarter turn, 1.3 times, moved by (1500, 40); scattered: the
         * first half so, the second half's features swapped in pairs */
        int j = i < N / 2 ? i : (i % 2 ? i - 1 : i + 1);
        placed_pts[4 * i] = 1500 - 1.3f * from_pts[4 * i + 1];
        placed_pts[4 * i + 1] = 40 + 1.3f * from_pts[4 * i];
        scattered_pts[4 * i] = 1500 - 1.3f * from_pts[4 * j + 1];
        scattered_pts[4 * i + 1] = 40 + 1.3f * from_pts[4 * j];
        placed_pts[4 * i + 2] = scattered_pts[4 * i + 2] = 40;
        placed_pts[4 * i + 3] = scattered_pts[4 * i + 3] = 90;
    }
    cvw_features *from = cvw_features_import(N, BYTES, from_pts, desc);
    cvw_features *placed = cvw_features_import(N, BYTES, placed_pts, desc);
    cvw_features *scattered = cvw_features_import(N, BYTES, scattered_pts, desc);
    cr_assert(from && placed && scattered);
    cr_assert_eq(cvw_features_agreeing(from, placed), N);
    cr_assert_eq(cvw_features_agreeing(from, scattered), N, "the same pairs, elsewhere");
    cr_assert_eq(cvw_features_placed(from, placed, 8.0), N);
    int s = cvw_features_placed(from, scattered, 8.0);
    cr_assert(s >= N / 2 && s < N / 2 + 3, "%d of the %d in place", s, N / 2);
    cvw_features_free(from);
    cvw_features_free(placed);
    cvw_features_free(scattered);
}

/* The pairs as the rule defines them, one distance at a time: each `from`
 * row's nearest `to` row and second nearest (the earlier on a tie), each
 * `to` row's nearest `from` row (the earlier on a tie); a pair when mutual
 * and the nearest is within 0.85 of the second. */
static int pairs_by_definition(const uint8_t *a, int na, const uint8_t *b, int nb) {
    int count = 0;
    for (int i = 0; i < na; i++) {
        int d1 = INT32_MAX, d2 = INT32_MAX, j1 = -1;
        for (int j = 0; j < nb; j++) {
            int d = 0;
            for (int k = 0; k < 32; k++)
                d += __builtin_popcount((unsigned)(a[i * 32 + k] ^ b[j * 32 + k]));
            if (d < d1) {
                d2 = d1;
                d1 = d;
                j1 = j;
            } else if (d < d2) {
                d2 = d;
            }
        }
        if (j1 < 0 || (nb >= 2 && (float)d1 > 0.85f * (float)d2))
            continue;
        int best = INT32_MAX, bi = -1;
        for (int r = 0; r < na; r++) {
            int d = 0;
            for (int k = 0; k < 32; k++)
                d += __builtin_popcount((unsigned)(a[r * 32 + k] ^ b[j1 * 32 + k]));
            if (d < best) {
                best = d;
                bi = r;
            }
        }
        count += bi == i;
    }
    return count;
}

/* The matcher (eight descriptors at a time where the CPU allows) pairs
 * exactly as the definition: sets of many sizes (not multiples of eight,
 * fewer than eight, one), descriptors drawn as a few bits off a handful of
 * prototypes (up to 23 bits, or up to 3: distances tie), exact copies
 * among them, so that most pairs hang on the ratio and the mutual test. */
Test(register, feature_pairs_are_the_definitions_at_every_size) {
    enum { MAX = 301, BYTES = 32 };
    static uint8_t a[MAX * BYTES], b[MAX * BYTES];
    static float pa[4 * MAX], pb[4 * MAX];
    uint8_t proto[12][BYTES];
    uint32_t seed = 4242;
    for (int p = 0; p < 12; p++)
        for (int k = 0; k < BYTES; k++) {
            seed = seed * 1103515245u + 12345u;
            proto[p][k] = (uint8_t)(seed >> 16);
        }
    const int sizes[][2] = {{1, 1},  {1, 9},   {7, 3},     {8, 8},    {9, 17},
                            {33, 15}, {64, 65}, {120, 7}, {301, 203}, {200, 150}};
    int total = 0;
    for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++) {
        int na = sizes[s][0], nb = sizes[s][1];
        for (int side = 0; side < 2; side++) {
            uint8_t *d = side ? b : a;
            int n = side ? nb : na;
            for (int i = 0; i < n; i++) {
                seed = seed * 1103515245u + 12345u;
                int p = (int)((seed >> 16) % 12), flips = (int)((seed >> 8) % (s % 2 ? 24 : 4));
                if (i > 0 && (seed >> 28) % 4 == 0) {
                    memcpy(d + i * BYTES, d + (i - 1) * BYTES, BYTES); /* a copy: a tie */
                    continue;
                }
                memcpy(d + i * BYTES, proto[p], BYTES);
                for (int f = 0; f < flips; f++) {
                    seed = seed * 1103515245u + 12345u;
                    int bit = (int)((seed >> 16) % (BYTES * 8));
                    d[i * BYTES + bit / 8] ^= (uint8_t)(1u << bit % 8);
                }
            }
        }
        for (int i = 0; i < 4 * MAX; i++)
            pa[i] = pb[i] = (float)(i % 97);
        cvw_features *fa = cvw_features_import(na, BYTES, pa, a);
        cvw_features *fb = cvw_features_import(nb, BYTES, pb, b);
        cr_assert(fa && fb);
        int want = pairs_by_definition(a, na, b, nb);
        cr_assert_eq(cvw_features_agreeing(fa, fb), want, "%d x %d", na, nb);
        total += want;
        cvw_features_free(fa);
        cvw_features_free(fb);
    }
    cr_assert_gt(total, 20, "the sets pair at all (%d pairs)", total);
}

Test(register, template_refuses_a_foreign_form_it_cannot_find) {
    char *dir = test_tempdir();
    char path[512];
    snprintf(path, sizeof path, "%s/x.cfg", dir);
    FILE *f = fopen(path, "w");
    fprintf(f, "id = \"x\"; title = \"x\";\nidentity = { kind = \"code128\"; pattern = \"^([0-9]+\"; };\n"
               "pages = ( { page = 1; questions = ( { id = \"q\"; type = \"single\"; text = \"q\"; y = 50.0; "
               "boxes = ( { value = \"1\"; x = 30.0; } ); } ); } );\n");
    fclose(f);
    omr_template *t = NULL;
    template_problems problems = {0};
    omr_error err = {0};
    cr_assert_eq(template_load(path, &t, &problems, &err), OMR_ERR_INVALID);
    int reference = 0, pattern = 0;
    for (size_t i = 0; i < problems.count; i++) {
        reference |= strstr(problems.messages[i], "reference") != NULL;
        pattern |= strstr(problems.messages[i], "not a regular expression") != NULL;
    }
    cr_assert(reference && pattern);
    template_problems_clear(&problems);
    rm_rf(dir);
}

Test(barcode, pattern_maps_text_to_code_and_page_and_refuses_the_rest) {
    omr_template t = {0};
    t.id = "kund";
    t.identity = (template_identity){IDENTITY_CODE128, "^KU([0-9]{8})([0-9])$", 1, 2, 0, NULL, {0, 0, 0, 0}, 0, NULL};
    barcode_symbol s = {.kind = IDENTITY_CODE128};
    char code[64];
    int page;
    omr_error err;
    snprintf(s.text, sizeof s.text, "KU123456782");
    cr_assert_eq(barcode_match(&t, &s, code, sizeof code, &page, &err), OMR_OK);
    cr_assert_str_eq(code, "12345678");
    cr_assert_eq(page, 2);
    snprintf(s.text, sizeof s.text, "KU12345678"); /* a short read */
    cr_assert_eq(barcode_match(&t, &s, code, sizeof code, &page, &err), OMR_ERR_NOT_FOUND);
    snprintf(s.text, sizeof s.text, "KU123456780"); /* page 0 */
    cr_assert_eq(barcode_match(&t, &s, code, sizeof code, &page, &err), OMR_ERR_INVALID);
    s.kind = IDENTITY_CODE39; /* another symbology */
    snprintf(s.text, sizeof s.text, "KU123456782");
    cr_assert_eq(barcode_match(&t, &s, code, sizeof code, &page, &err), OMR_ERR_NOT_FOUND);
    /* a form id group must read the template's */
    t.identity = (template_identity){IDENTITY_I25, "^([0-9]{2})([0-9]{6})([0-9])$", 2, 3, 1, "17", {0, 0, 0, 0}, 0, NULL};
    s.kind = IDENTITY_I25;
    snprintf(s.text, sizeof s.text, "170012341");
    cr_assert_eq(barcode_match(&t, &s, code, sizeof code, &page, &err), OMR_OK);
    cr_assert_str_eq(code, "001234");
    snprintf(s.text, sizeof s.text, "180012341");
    cr_assert_eq(barcode_match(&t, &s, code, sizeof code, &page, &err), OMR_ERR_NOT_FOUND);
}

Test(discover, finds_boxes_bubbles_field_and_marks_on_a_blank) {
    char *dir = test_tempdir();
    char *path = write_form(dir, "identity = { kind = \"none\"; };", 0);
    char blank[600];
    snprintf(blank, sizeof blank, "%s/blank-p1.png", dir);
    discover_result r;
    omr_error err = {0};
    cr_assert_eq(discover_blank(blank, &r, &err), OMR_OK, "%s", err.message);
    cr_assert_eq(r.n_pages, 1);
    const discover_page *pg = &r.pages[0];
    int squares = 0, round = 0;
    for (size_t i = 0; i < pg->n_boxes; i++) {
        if (pg->boxes[i].round) {
            round++;
            cr_assert(pg->boxes[i].label_right);
            cr_assert_lt(fabs(pg->boxes[i].rect.x - 30.0), 0.3);
        } else {
            squares++;
            cr_assert_lt(fabs(pg->boxes[i].rect.w - 5.0), 0.3);
        }
    }
    cr_assert_eq(squares, 12, "%d square boxes (no letter O, no frame)", squares);
    cr_assert_eq(round, 3);
    cr_assert_eq(pg->n_questions, 4, "three grid rows and one column of bubbles: %d", pg->n_questions);
    cr_assert_eq(pg->n_fields, 1);
    for (int k = 0; k < 4; k++)
        cr_assert(pg->has_mark[k]);
    cr_assert_lt(fabs(pg->marks[0].x - 12.58), 0.3);
    /* the template it writes loads, and finds its page on the blank */
    char cfg[600];
    snprintf(cfg, sizeof cfg, "%s/new.cfg", dir);
    FILE *f = fopen(cfg, "w");
    const char *refs[1] = {"blank-p1.png"};
    cr_assert_eq(discover_write_template(&r, "new-form", refs, 1, f, &err), OMR_OK);
    fclose(f);
    omr_template *t = NULL;
    template_problems problems = {0};
    int rc = template_load(cfg, &t, &problems, &err);
    cr_assert_eq(rc, OMR_OK, "%s %s", err.message, problems.count ? problems.messages[0] : "");
    cr_assert_eq(t->n_questions, 4);
    cr_assert_eq(t->questions[0].type, QUESTION_SCALE);
    cr_assert_eq(t->registration, REGISTRATION_MARKS);
    char png[600];
    snprintf(png, sizeof png, "%s/preview.png", dir);
    cr_assert_eq(discover_preview(t, blank, 1, png, &err), OMR_OK, "%s", err.message);
    cr_assert_eq(access(png, R_OK), 0);
    template_free(t);
    discover_result_free(&r);
    free(path);
    rm_rf(dir);
}

/* issue 12: a code in regex group 10 or later. The match array was 10 long:
 * group 10 read past it (SIGSEGV), group 14 filed the form under whatever the
 * stack held. Now every group of the pattern is matched. */
Test(barcode, code_in_group_ten_or_later_is_read_from_that_group) {
    omr_template t = {0};
    t.id = "t";
    t.identity = (template_identity){IDENTITY_QR, "^(A)(B)(C)(D)(E)(F)(G)(H)(I)([0-9]+)$", 10, 0, 0, NULL, {0, 0, 0, 0}, 0, NULL};
    barcode_symbol s = {.kind = IDENTITY_QR};
    char code[64];
    int page;
    omr_error err = {0};
    snprintf(s.text, sizeof s.text, "ABCDEFGHI12345");
    cr_assert_eq(barcode_match(&t, &s, code, sizeof code, &page, &err), OMR_OK, "%s", err.message);
    cr_assert_str_eq(code, "12345");
    t.identity = (template_identity){IDENTITY_QR, "^(a)(b)(c)(d)(e)(f)(g)(h)(i)(j)(k)(l)(m)([0-9a-z]+)-([0-9])$",
                                     14, 15, 0, NULL, {0, 0, 0, 0}, 0, NULL};
    snprintf(s.text, sizeof s.text, "abcdefghijklmk7q2x-2");
    cr_assert_eq(barcode_match(&t, &s, code, sizeof code, &page, &err), OMR_OK, "%s", err.message);
    cr_assert_str_eq(code, "K7Q2X"); /* group 14, upper-cased as every login code */
    cr_assert_eq(page, 2);
    /* a group the pattern does not have is no match, never a read past the array */
    t.identity.group_code = 16;
    cr_assert_eq(barcode_match(&t, &s, code, sizeof code, &page, &err), OMR_ERR_NOT_FOUND);
}

/* The centre of gravity of the ink (< 128) in a window, px. */
static omr_point ink_centre(const omr_image *img, int x0, int y0, int x1, int y1) {
    double sx = 0, sy = 0, n = 0;
    for (int y = y0; y < y1; y++)
        for (int x = x0; x < x1; x++)
            if (omr_image_at(img, x, y) < 128) {
                sx += x + 0.5;
                sy += y + 0.5;
                n++;
            }
    cr_assert_gt(n, 0);
    return (omr_point){sx / n, sy / n};
}

Test(register, corner_marks_of_any_common_shape_are_found) {
    /* 200 dpi: a ring (8 mm, 1.6 mm thick), an L-bar (22 mm arms, 1.2 mm
     * thick), a long bar (24 x 2 mm) and a disc, each looked for 2.5 mm
     * from where it is; a 0.25 mm table rule of the same length near the bar
     * is not taken for it */
    double s = 200 / 25.4;
    int w = (int)(120 * s), h = (int)(60 * s);
    cairo_surface_t *surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, w, h);
    cairo_t *cr = cairo_create(surface);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    cairo_scale(cr, s, s);
    cairo_set_source_rgb(cr, 0, 0, 0);
    cairo_set_line_width(cr, 1.6);
    cairo_arc(cr, 15, 15, 4 - 0.8, 0, 2 * M_PI);
    cairo_stroke(cr);
    cairo_rectangle(cr, 35, 5, 22, 1.2);
    cairo_rectangle(cr, 35, 5, 1.2, 22);
    cairo_fill(cr);
    cairo_rectangle(cr, 70, 14, 24, 2);
    cairo_rectangle(cr, 70, 24, 24, 0.25);
    cairo_fill(cr);
    cairo_arc(cr, 15, 45, 3, 0, 2 * M_PI);
    cairo_fill(cr);
    cairo_destroy(cr);
    cairo_surface_flush(surface);
    omr_image *img = test_image_from_surface(surface, 200);
    struct {
        double x0, y0, x1, y1, size;
        const char *what;
    } marks[4] = {{10, 10, 20, 20, 8, "ring"}, {34, 4, 58, 28, 22, "L-bar"}, {69, 13, 95, 17, 24, "long bar"},
                  {11, 41, 19, 49, 6, "disc"}};
    for (int i = 0; i < 4; i++) {
        omr_point truth = ink_centre(img, (int)(marks[i].x0 * s), (int)(marks[i].y0 * s), (int)(marks[i].x1 * s),
                                     (int)(marks[i].y1 * s));
        omr_point predicted = {truth.x + 2.0 * s, truth.y - 1.5 * s}, found;
        cr_assert(mark_find(img, predicted, s, marks[i].size, MARK_SOLID, &found), "the %s is found", marks[i].what);
        cr_assert_lt(hypot(found.x - truth.x, found.y - truth.y) / s, 0.1, "the %s's centre", marks[i].what);
    }
    /* the rule alone, where the bar would be: not a mark */
    omr_point rule = {82 * s, 24.1 * s}, found;
    int hit = mark_find(img, rule, s, 24, MARK_SOLID, &found);
    cr_assert(!hit || fabs(found.y / s - 15) < 0.2, "a 0.25 mm rule is not a mark");
    omr_image_free(img);
}

/* issue 10: an answer sheet's bubbles sit in the cells of a ruled table,
 * the rules about 1.2 mm outside each bubble, with ring-shaped corner
 * markers. A copy filled and scanned again (turned 0.7 degrees, shifted,
 * blurred) is read through the draft `template new` writes for its blank:
 * every box where it was drawn (the table's rules are not taken for its
 * outline) and no box decided against how it was filled (one left unsure
 * goes to an operator). */
static void sheet_draw(cairo_t *cr, int filled) {
    const double rings[4][2] = {{12, 12}, {198, 12}, {12, 285}, {198, 285}};
    cairo_set_line_width(cr, 1.6);
    for (int i = 0; i < 4; i++) {
        cairo_new_path(cr);
        cairo_arc(cr, rings[i][0], rings[i][1], 4.0 - 0.8, 0, 2 * M_PI);
        cairo_stroke(cr);
    }
    /* 8 rows x 5 cells of 7.5 mm, 0.35 mm rules; a 5 mm bubble in each */
    cairo_set_line_width(cr, 0.35);
    for (int r = 0; r <= 8; r++) {
        cairo_move_to(cr, 50, 60 + 7.5 * r);
        cairo_line_to(cr, 50 + 5 * 7.5, 60 + 7.5 * r);
    }
    for (int c = 0; c <= 5; c++) {
        cairo_move_to(cr, 50 + 7.5 * c, 60);
        cairo_line_to(cr, 50 + 7.5 * c, 60 + 8 * 7.5);
    }
    cairo_stroke(cr);
    cairo_set_line_width(cr, 0.3);
    for (int r = 0; r < 8; r++)
        for (int c = 0; c < 5; c++) {
            double cx = 50 + 7.5 * c + 3.75, cy = 60 + 7.5 * r + 3.75;
            cairo_new_path(cr);
            cairo_arc(cr, cx, cy, 2.5 - 0.15, 0, 2 * M_PI);
            cairo_stroke(cr);
            if (filled && (r + 2 * c) % 5 == 0) { /* a disc */
                cairo_new_path(cr);
                cairo_arc(cr, cx, cy, 1.9, 0, 2 * M_PI);
                cairo_fill(cr);
            } else if (filled && (r + 2 * c) % 5 == 2) { /* a cross */
                cairo_set_line_width(cr, 0.5);
                cairo_move_to(cr, cx - 1.7, cy - 1.7);
                cairo_line_to(cr, cx + 1.7, cy + 1.7);
                cairo_move_to(cr, cx - 1.7, cy + 1.7);
                cairo_line_to(cr, cx + 1.7, cy - 1.7);
                cairo_stroke(cr);
                cairo_set_line_width(cr, 0.3);
            }
        }
}

static omr_image *sheet_image(int filled) {
    double s = DPI / 25.4;
    int w = (int)(PW * s), h = (int)(PH * s);
    cairo_surface_t *surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, w, h);
    cairo_t *cr = cairo_create(surface);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    cairo_scale(cr, s, s);
    cairo_set_source_rgb(cr, 0, 0, 0);
    sheet_draw(cr, filled);
    cairo_destroy(cr);
    cairo_surface_flush(surface);
    omr_image *img = test_image_from_surface(surface, DPI);
    return img;
}

Test(register, a_filled_sheet_with_bubbles_in_table_cells_reads_right_through_its_draft) {
    char *dir = test_tempdir();
    char blank[600], cfg[600];
    snprintf(blank, sizeof blank, "%s/sheet.png", dir);
    snprintf(cfg, sizeof cfg, "%s/sheet.cfg", dir);
    omr_image *b = sheet_image(0);
    omr_error err = {0};
    cr_assert_eq(encode_png(b, blank, &err), OMR_OK, "%s", err.message);
    omr_image_free(b);
    discover_result r;
    cr_assert_eq(discover_blank(blank, &r, &err), OMR_OK, "%s", err.message);
    FILE *f = fopen(cfg, "w");
    cr_assert_not_null(f);
    const char *refs[1] = {"sheet.png"};
    cr_assert_eq(discover_write_template(&r, "sheet", refs, 1, f, &err), OMR_OK, "%s", err.message);
    fclose(f);
    discover_result_free(&r);
    omr_template *t = NULL;
    template_problems problems = {0};
    cr_assert_eq(template_load(cfg, &t, &problems, &err), OMR_OK, "%s %s", err.message,
                 problems.count ? problems.messages[0] : "");
    cr_assert_eq(t->registration, REGISTRATION_MARKS, "the rings are the corner marks");
    /* the filled copy, scanned again: turned 0.7 degrees about the page's
     * middle, shifted by (0.9, -0.6) mm, blurred */
    omr_image *filled = sheet_image(1), *scan = omr_image_new(filled->width, filled->height, DPI, 255);
    cr_assert_not_null(scan);
    double a = 0.7 * M_PI / 180, s = DPI / 25.4, cx = filled->width / 2.0, cy = filled->height / 2.0;
    double m[9] = {cos(a), -sin(a), cx - cos(a) * cx + sin(a) * cy + 0.9 * s,
                   sin(a), cos(a), cy - sin(a) * cx - cos(a) * cy - 0.6 * s, 0, 0, 1};
    cr_assert_eq(cvw_warp_perspective(filled, scan, m), OMR_OK);
    cvw_gaussian_blur(scan, 0.7);
    page_identity id = {.page = 1};
    snprintf(id.template_id, sizeof id.template_id, "sheet");
    page_transform pt;
    cr_assert_eq(locate_page(scan, t, &id, &pt, &err), OMR_OK, "%s", err.message);
    page_levels levels;
    measure_levels(scan, &pt, &levels);
    print_mask mask;
    cr_assert_eq(measure_print_mask(t, 1, &mask, &err), OMR_OK, "%s", err.message);
    calibration cal;
    calibration_defaults(&cal);
    int boxes = 0, wrong = 0, unsure = 0;
    for (size_t qi = 0; qi < t->n_questions; qi++) {
        const template_question *q = &t->questions[qi];
        for (size_t bi = 0; bi < q->n_boxes; bi++) {
            omr_rect rect = q->boxes[bi].rect;
            int c = (int)lround((rect.x + rect.w / 2 - 50 - 3.75) / 7.5);
            int row = (int)lround((rect.y + rect.h / 2 - 60 - 3.75) / 7.5);
            cr_assert(c >= 0 && c < 5 && row >= 0 && row < 8, "a box off the table at (%.1f, %.1f)", rect.x, rect.y);
            int want = (row + 2 * c) % 5 == 0 || (row + 2 * c) % 5 == 2;
            box_measure bm;
            measure_box(scan, &pt, &levels, &mask, rect, measure_near_zone(t, q, bi, &mask), NULL, &bm);
            if (!want) /* an empty bubble stays where it is drawn: a rule is no outline of it */
                cr_assert_lt(bm.shift_mm, 0.8, "row %d, cell %d: moved %.2f mm onto the table's rules", row + 1,
                             c + 1, bm.shift_mm);
            box_state st = decide_box(&cal, &bm).state;
            if (st == BOX_UNSURE)
                unsure++; /* an operator's to decide, not a wrong answer */
            else if ((st == BOX_MARKED || st == BOX_SOLID) != want)
                wrong++;
            boxes++;
        }
    }
    cr_assert_eq(boxes, 40, "40 bubbles in the draft: %d", boxes);
    cr_assert_eq(wrong, 0, "%d of 40 boxes decided wrong", wrong);
    cr_assert_leq(unsure, 2, "%d of 40 boxes unsure", unsure);
    print_mask_free(&mask);
    omr_image_free(filled);
    omr_image_free(scan);
    template_free(t);
    rm_rf(dir);
}
