/*
 * test_structure.c — reading/look/structure.c through identify and register:
 * a form whose blank is only a drawing of its layout (four dots, box
 * outlines, box labels; no text) finds and reads a filled page that carries
 * the form's whole print (titles, questions), scanned: turned upside down or
 * a little, scaled, with speckle and blur and no resolution tag. A page of
 * the form's other page, and a letter, are not taken for it. Everything is
 * drawn here with cairo, not by omr.
 */
#include <cairo.h>
#include <stdio.h>
#include <unistd.h>

#include "base/cv_wrap.h"
#include "helpers.h"
#include "reading/identify.h"
#include "reading/locate.h"
#include "reading/look/structure.h"
#include "reading/reference.h"

#define DPI 150.0
#define PW 210.0
#define PH 297.0

/* The layout of page `v` (0 or 1): three questions of five boxes; page 2's
 * boxes lie elsewhere and are wider apart. */
static omr_rect box_of(int v, int q, int b) {
    if (v == 0)
        return (omr_rect){40 + 12 * b, 70 + 30 * q, 4.5, 4.5};
    return (omr_rect){110 + 16 * (b % 3), 60 + 45 * q + 9 * (b / 3), 4.5, 4.5};
}

static const double dots[4][2] = {{15, 15}, {195, 15}, {15, 282}, {195, 282}};

/* A page drawn with cairo at DPI: `full` adds the print a layout does not
 * have (title, question texts, a paragraph); `ticks[q]` is the box crossed in
 * question q (-1: none); `letter` draws a page of text only. */
static omr_image *draw(int v, int full, const int ticks[3], int letter) {
    double s = DPI / 25.4;
    int w = (int)(PW * s), h = (int)(PH * s);
    cairo_surface_t *surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, w, h);
    cairo_t *cr = cairo_create(surface);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    cairo_scale(cr, s, s);
    cairo_set_source_rgb(cr, 0, 0, 0);
    cairo_select_font_face(cr, "DejaVu Serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
    if (!letter) {
        for (int i = 0; i < 4; i++) {
            cairo_new_path(cr);
            cairo_arc(cr, dots[i][0], dots[i][1], 1.5, 0, 2 * M_PI);
            cairo_fill(cr);
        }
        cairo_set_line_width(cr, 0.25);
        cairo_set_font_size(cr, 3.2);
        for (int q = 0; q < 3; q++)
            for (int b = 0; b < 5; b++) {
                omr_rect r = box_of(v, q, b);
                cairo_rectangle(cr, r.x, r.y, r.w, r.h);
                cairo_stroke(cr);
                char label[2] = {(char)('A' + b), 0};
                cairo_move_to(cr, r.x + r.w + 1, r.y + r.h - 0.8);
                cairo_show_text(cr, label);
            }
    }
    if (full || letter) {
        cairo_set_font_size(cr, 6);
        cairo_move_to(cr, 30, 35);
        cairo_show_text(cr, letter ? "Dear Sir or Madam," : "Annual survey of the reading room");
        cairo_set_font_size(cr, 3.5);
        for (int l = 0; l < (letter ? 30 : 3); l++) {
            cairo_move_to(cr, 30, letter ? 50 + 7 * l : 45 + 5 * l);
            cairo_show_text(cr, "Please mark one box in each question with a cross; fill a box to undo it.");
        }
        for (int q = 0; q < 3 && !letter; q++) {
            omr_rect r = box_of(v, q, 0);
            cairo_move_to(cr, 30, r.y - 4);
            cairo_show_text(cr, q == 0 ? "1. How often do you come?" : q == 1 ? "2. Was it quiet enough?"
                                                                             : "3. Would you come again?");
        }
    }
    for (int q = 0; q < 3 && ticks; q++)
        if (ticks[q] >= 0) {
            omr_rect r = box_of(v, q, ticks[q]);
            cairo_set_line_width(cr, 0.5);
            cairo_move_to(cr, r.x + 0.5, r.y + 0.5);
            cairo_line_to(cr, r.x + r.w - 0.5, r.y + r.h - 0.5);
            cairo_move_to(cr, r.x + r.w - 0.5, r.y + 0.5);
            cairo_line_to(cr, r.x + 0.5, r.y + r.h - 0.5);
            cairo_stroke(cr);
        }
    cairo_destroy(cr);
    cairo_surface_flush(surface);
    omr_image *img = test_image_from_surface(surface, DPI);
    return img;
}

/* The page "scanned": turned by `quarter` and `angle` degrees, scaled by
 * `scale` (200 dpi as the page's 150 would be 1.333), offset, blurred and
 * speckled, no resolution tag. `truth` gets the map template mm -> scan px. */
static omr_image *scan_of(const omr_image *page, int quarter, double angle, double scale, double truth[9]) {
    double s = DPI / 25.4 * scale, a = angle * M_PI / 180 + quarter * M_PI / 2;
    int turned = quarter % 2;
    int w = (int)((turned ? PH : PW) * DPI / 25.4 * scale) + 40, h = (int)((turned ? PW : PH) * DPI / 25.4 * scale) + 40;
    /* mm about the page centre, turned and scaled, to the scan's centre plus an offset */
    double c = cos(a), sn = sin(a);
    double m[6] = {c * s, -sn * s, 0, sn * s, c * s, 0};
    m[2] = w / 2.0 + 9 - (m[0] * PW / 2 + m[1] * PH / 2);
    m[5] = h / 2.0 - 6 - (m[3] * PW / 2 + m[4] * PH / 2);
    double t[9] = {m[0], m[1], m[2], m[3], m[4], m[5], 0, 0, 1};
    memcpy(truth, t, sizeof t);
    double px = DPI / 25.4; /* page px -> mm -> scan px */
    cvw_affine fwd = {{m[0] / px, m[1] / px, m[2], m[3] / px, m[4] / px, m[5]}};
    omr_image *scan = omr_image_new(w, h, 0, 255);
    cr_assert_eq(cvw_warp_affine(page, scan, &fwd), OMR_OK);
    cvw_gaussian_blur(scan, 0.9);
    unsigned r = 12345;
    for (size_t i = 0; i < (size_t)w * h / 400; i++) {
        r = r * 1103515245u + 12345u;
        int x = (int)((r >> 8) % (unsigned)w);
        r = r * 1103515245u + 12345u;
        int y = (int)((r >> 8) % (unsigned)h);
        scan->pixels[(size_t)y * scan->stride + x] = (uint8_t)((r >> 4) & 1 ? 20 : 250);
    }
    for (int y = 0; y < h; y++) /* a grey paper */
        for (int x = 0; x < w; x++) {
            uint8_t *p = &scan->pixels[(size_t)y * scan->stride + x];
            *p = (uint8_t)(*p * 0.9);
        }
    scan->dpi = 0;
    return scan;
}

static void save_png(const omr_image *img, const char *path) {
    cairo_surface_t *surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, img->width, img->height);
    unsigned char *d = cairo_image_surface_get_data(surface);
    int stride = cairo_image_surface_get_stride(surface);
    for (int y = 0; y < img->height; y++)
        for (int x = 0; x < img->width; x++) {
            uint32_t v = img->pixels[(size_t)y * img->stride + x];
            ((uint32_t *)(d + (size_t)y * stride))[x] = (v << 16) | (v << 8) | v;
        }
    cairo_surface_mark_dirty(surface);
    cr_assert_eq(cairo_surface_write_to_png(surface, path), CAIRO_STATUS_SUCCESS);
    cairo_surface_destroy(surface);
}

/* The layout-only template: two pages, registered on the four dots. */
static char *write_layout_form(const char *dir) {
    char *path = malloc(512);
    for (int v = 0; v < 2; v++) {
        omr_image *b = draw(v, 0, NULL, 0);
        snprintf(path, 512, "%s/layout-p%d.png", dir, v + 1);
        save_png(b, path);
        omr_image_free(b);
    }
    snprintf(path, 512, "%s/form.cfg", dir);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fprintf(f, "id = \"drawn\"; title = \"drawn\";\nreference = [\"layout-p1.png\", \"layout-p2.png\"];\n"
               "registration = \"marks\";\nmarks = { size = 3.0; centres = ([15.0, 15.0], [195.0, 15.0], "
               "[15.0, 282.0], [195.0, 282.0]); };\nidentity = { kind = \"none\"; };\ncorrections = \"none\";\n"
               "pages = (\n");
    for (int v = 0; v < 2; v++) {
        fprintf(f, "  { page = %d; questions = (\n", v + 1);
        for (int q = 0; q < 3; q++) {
            omr_rect r0 = box_of(v, q, 0);
            fprintf(f, "    { id = \"p%dq%d\"; type = \"single\"; text = \"q\"; labels = \"none\"; x = 5.0; y = %.2f; "
                       "w = 20.0; boxes = (\n", v + 1, q + 1, r0.y);
            for (int b = 0; b < 5; b++) {
                omr_rect r = box_of(v, q, b);
                fprintf(f, "      { value = \"%c\"; x = %.2f; y = %.2f; w = %.2f; h = %.2f; }%s\n", 'A' + b, r.x, r.y,
                        r.w, r.h, b < 4 ? "," : "");
            }
            fprintf(f, "    ) }%s\n", q < 2 ? "," : "");
        }
        fprintf(f, "  ) }%s\n", v < 1 ? "," : "");
    }
    fprintf(f, ");\n");
    fclose(f);
    return path;
}

static double worst_error(const double truth[9], const page_transform *t, int v) {
    double worst = 0;
    for (int q = 0; q < 3; q++)
        for (int b = 0; b < 5; b++) {
            omr_rect r = box_of(v, q, b);
            double x = r.x + r.w / 2, y = r.y + r.h / 2;
            omr_point want = page_map_point(truth, x, y), got = locate_map(t, x, y);
            double e = hypot(got.x - want.x, got.y - want.y) / t->px_per_mm;
            worst = e > worst ? e : worst;
        }
    return worst;
}

/* Each way a real scanner gives the page: upright and slightly turned at
 * 200 dpi, upside down at 150 dpi shrunk 3%, a quarter turn at 120 dpi. */
static const struct {
    int page, quarter;
    double angle, scale;
} ways[] = {{1, 0, 1.2, 200 / DPI}, {2, 2, -0.8, 0.97}, {1, 2, 0.4, 1.0}, {2, 1, 2.0, 120 / DPI}};

Test(structure, a_layout_only_blank_finds_and_places_a_scanned_page, .timeout = 120) {
    char *dir = test_tempdir();
    char *path = write_layout_form(dir);
    omr_template *t = NULL;
    omr_error err = {0};
    template_problems problems = {0};
    cr_assert_eq(template_load(path, &t, &problems, &err), OMR_OK, "%s %s", err.message,
                 problems.count ? problems.messages[0] : "");
    identify_reader *reader = identify_reader_new();
    const omr_template *list[1] = {t};
    identify_reader_set_templates(reader, list, 1);
    static const int ticks[3] = {1, 4, 0};
    for (size_t k = 0; k < sizeof ways / sizeof ways[0]; k++) {
        int v = ways[k].page - 1;
        omr_image *page = draw(v, 1, ticks, 0);
        double truth[9];
        omr_image *scan = scan_of(page, ways[k].quarter, ways[k].angle, ways[k].scale, truth);
        page_identity id;
        cr_assert_eq(identify_page(reader, scan, NULL, &id, &err), OMR_OK, "way %zu: %s", k, err.message);
        cr_assert_str_eq(id.template_id, "drawn");
        cr_assert_eq(id.page, ways[k].page, "way %zu: page %d read as %d", k, ways[k].page, id.page);
        cr_assert(id.has_coarse);
        page_transform pt;
        cr_assert_eq(locate_page(scan, t, &id, &pt, &err), OMR_OK, "way %zu: %s", k, err.message);
        cr_assert_eq(pt.quarter_turns, ways[k].quarter, "way %zu", k);
        double e = worst_error(truth, &pt, v);
        cr_assert_lt(e, 0.3, "way %zu: a box centre %.2f mm from where it is", k, e);
        omr_image_free(scan);
        omr_image_free(page);
    }
    /* a letter (text, no dots, no boxes) is none of the form's pages */
    omr_image *letter = draw(0, 0, NULL, 1);
    double truth[9];
    omr_image *scan = scan_of(letter, 0, 0.5, 1.0, truth);
    page_identity id;
    cr_assert_eq(identify_page(reader, scan, NULL, &id, &err), OMR_ERR_NOT_FOUND);
    omr_image_free(scan);
    omr_image_free(letter);
    identify_reader_free(reader);
    template_free(t);
    free(path);
    rm_rf(dir);
}

/* The coarse search sums sixteen shifts at once where the CPU has AVX-512
 * (structure.c): on each way a scanner gives either page, matched against
 * both blanks (the wrong one too, where most shifts are cut off by the
 * bound), the share and the map are those of the one-shift-at-a-time
 * search (OMR_NO_WIDE_SUMS) to the last bit. Shifts reach past the map's
 * edges, so the partly-off rows of sixteen are summed too. */
Test(structure, the_wide_coarse_search_is_the_scalar_one, .timeout = 180) {
    look_structure *blank[2];
    for (int v = 0; v < 2; v++) {
        omr_image *b = draw(v, 0, NULL, 0);
        blank[v] = look_structure_of_blank(b, DPI / 25.4);
        cr_assert_not_null(blank[v]);
        omr_image_free(b);
    }
    static const int ticks[3] = {2, 0, 3};
    int found = 0;
    for (size_t k = 0; k < sizeof ways / sizeof ways[0]; k++) {
        omr_image *page = draw(ways[k].page - 1, 1, ticks, 0);
        double truth[9];
        omr_image *scan = scan_of(page, ways[k].quarter, ways[k].angle, ways[k].scale, truth);
        look_scan *ink = look_scan_prepare(scan, PW, PH);
        cr_assert_not_null(ink);
        for (int v = 0; v < 2; v++) {
            double wide_map[9] = {0}, one_map[9] = {0};
            unsetenv("OMR_NO_WIDE_SUMS");
            double wide = look_structure_match(blank[v], ink, wide_map);
            setenv("OMR_NO_WIDE_SUMS", "1", 1);
            double one = look_structure_match(blank[v], ink, one_map);
            unsetenv("OMR_NO_WIDE_SUMS");
            cr_assert(wide == one, "way %zu, blank %d: %.6f of the print in place, one at a time %.6f", k, v + 1, wide,
                      one);
            cr_assert_eq(memcmp(wide_map, one_map, sizeof wide_map), 0, "way %zu, blank %d: the same map", k, v + 1);
            found += v == ways[k].page - 1 && wide > 0.5;
        }
        look_scan_free(ink);
        omr_image_free(scan);
        omr_image_free(page);
    }
    cr_assert_eq(found, (int)(sizeof ways / sizeof ways[0]), "each scan found on its own blank");
    look_structure_free(blank[0]);
    look_structure_free(blank[1]);
}

/* The whole of omr scan on the scanned pages: each crossed box is read as
 * the answer, on the right page, upside down or not; the two pages, in two
 * files, pair in scan order into one form even when --jobs 2 is asked (a
 * form without codes is read by one job, scan.c). */
Test(structure, a_layout_only_blank_reads_the_crossed_boxes, .timeout = 180) {
    const char *omr = getenv("OMR_BIN");
    cr_assert_not_null(omr, "OMR_BIN is not set (run through make test)");
    char *dir = test_tempdir();
    char *path = write_layout_form(dir);
    static const int ticks[2][3] = {{1, 4, 0}, {3, 0, 2}};
    char scan_path[600];
    for (int v = 0; v < 2; v++) {
        omr_image *page = draw(v, 1, ticks[v], 0);
        double truth[9];
        omr_image *scan = scan_of(page, v == 1 ? 2 : 0, v == 1 ? -1.0 : 0.7, v == 1 ? 0.98 : 200 / DPI, truth);
        snprintf(scan_path, sizeof scan_path, "%s/scan-%d.png", dir, v + 1);
        save_png(scan, scan_path);
        omr_image_free(scan);
        omr_image_free(page);
    }
    char here[2048], cmd[8192];
    cr_assert_not_null(getcwd(here, sizeof here));
    snprintf(cmd, sizeof cmd,
             "cd %s && O=%s && case $O in /*) ;; *) O=%s/$O;; esac && "
             "{ $O scan --jobs 2 --template form.cfg --out out --no-ocr scan-1.png scan-2.png > scan.txt 2>&1; true; }",
             dir, omr, here);
    cr_assert_eq(system(cmd), 0);
    snprintf(scan_path, sizeof scan_path, "%s/out/records.csv", dir);
    FILE *f = fopen(scan_path, "r");
    cr_assert_not_null(f, "no records.csv");
    char header[4096], row[4096];
    cr_assert_not_null(fgets(header, sizeof header, f));
    cr_assert_not_null(fgets(row, sizeof row, f), "no form read");
    cr_assert_null(fgets(row + strlen(row), (int)(sizeof row - strlen(row)), f), "one form, not two");
    fclose(f);
    /* each question's column holds its crossed box's value */
    char *cols[64], *vals[64];
    int nc = 0, nv = 0;
    for (char *p = strtok(header, ",\n"); p && nc < 64; p = strtok(NULL, ",\n"))
        cols[nc++] = p;
    for (char *p = row, *q; p && nv < 64; p = q ? q + 1 : NULL) {
        q = strchr(p, ',');
        if (q)
            *q = 0;
        p[strcspn(p, "\n")] = 0;
        vals[nv++] = p;
    }
    for (int v = 0; v < 2; v++)
        for (int q = 0; q < 3; q++) {
            char name[32], want[2] = {(char)('A' + ticks[v][q]), 0};
            snprintf(name, sizeof name, "p%dq%d", v + 1, q + 1);
            int found = 0;
            for (int i = 0; i < nc && i < nv; i++)
                if (strcmp(cols[i], name) == 0) {
                    found = 1;
                    cr_assert_str_eq(vals[i], want, "%s read \"%s\", crossed %s", name, vals[i], want);
                }
            cr_assert(found, "no column %s", name);
        }
    free(path);
    rm_rf(dir);
}

/* ---- the cache of blank pages' descriptions (look/cache.c) ------------------------ */

/* The descriptions (*.bin) in the cache folder (the pixels are *.pix). */
static int count_files(const char *dir) {
    char cmd[600];
    snprintf(cmd, sizeof cmd, "ls '%s' 2>/dev/null | grep -c '[.]bin$'", dir);
    FILE *p = popen(cmd, "r");
    int n = -1;
    cr_assert_eq(fscanf(p, "%d", &n), 1);
    pclose(p);
    return n;
}

/* Loads the form and places a scan of page 2: whether page 1's blank had
 * to be decoded, and the map found. */
static int load_and_place(const char *path, const omr_image *scan, double map[9]) {
    omr_template *t = NULL;
    omr_error err = {0};
    cr_assert_eq(template_load(path, &t, NULL, &err), OMR_OK, "%s", err.message);
    int decoded = template_reference(t, 1)->page != NULL;
    identify_reader *reader = identify_reader_new();
    const omr_template *list[1] = {t};
    identify_reader_set_templates(reader, list, 1);
    page_identity id;
    cr_assert_eq(identify_page(reader, scan, NULL, &id, &err), OMR_OK, "%s", err.message);
    cr_assert_eq(id.page, 2);
    page_transform pt;
    cr_assert_eq(locate_page(scan, t, &id, &pt, &err), OMR_OK, "%s", err.message);
    memcpy(map, pt.homography, sizeof pt.homography);
    identify_reader_free(reader);
    template_free(t);
    return decoded;
}

Test(look_cache, used_when_warm_rebuilt_when_the_blank_changes_ignored_when_damaged, .timeout = 120) {
    char *dir = test_tempdir();
    char cache[600], cmd[1400];
    snprintf(cache, sizeof cache, "%s/cache", dir);
    setenv("OMR_CACHE_DIR", cache, 1);
    char *path = write_layout_form(dir);
    static const int ticks[3] = {0, 2, 4};
    omr_image *page = draw(1, 1, ticks, 0);
    double truth[9], cold[9], warm[9], again[9];
    omr_image *scan = scan_of(page, 2, 0.6, 0.97, truth);
    /* cold: both blanks decoded and described, one cache file each */
    cr_assert(load_and_place(path, scan, cold), "a cold cache decodes the blank");
    cr_assert_eq(count_files(cache), 2);
    /* warm: nothing decoded until asked for, the same map to the last bit */
    cr_assert_not(load_and_place(path, scan, warm), "a warm cache is used");
    cr_assert_eq(memcmp(cold, warm, sizeof cold), 0, "warm and cold place the page alike");
    /* damaged files (a byte changed in the middle of each) are not used, and are written anew */
    snprintf(cmd, sizeof cmd,
             "for f in '%s'/*.bin; do s=$(stat -c %%s \"$f\"); printf '\\x5a' | dd of=\"$f\" bs=1 seek=$((s / 2)) "
             "conv=notrunc 2>/dev/null; done",
             cache);
    cr_assert_eq(system(cmd), 0);
    cr_assert(load_and_place(path, scan, again), "a damaged cache file is not used");
    cr_assert_eq(memcmp(cold, again, sizeof cold), 0);
    cr_assert_not(load_and_place(path, scan, again), "and was written whole again");
    /* a torn file (cut short) is not used either */
    snprintf(cmd, sizeof cmd, "for f in '%s'/*.bin; do truncate -s 100 \"$f\"; done", cache);
    cr_assert_eq(system(cmd), 0);
    cr_assert(load_and_place(path, scan, again), "a torn cache file is not used");
    /* a changed blank is a new key: described anew, beside the old files */
    omr_image *b = draw(0, 0, NULL, 0);
    test_draw_line(b, 150, 200, 190, 200, 0.4, 0);
    char png[600];
    snprintf(png, sizeof png, "%s/layout-p1.png", dir);
    save_png(b, png);
    omr_image_free(b);
    cr_assert(load_and_place(path, scan, again), "a changed blank is not taken from the cache");
    cr_assert_eq(count_files(cache), 3);
    omr_image_free(scan);
    omr_image_free(page);
    unsetenv("OMR_CACHE_DIR");
    free(path);
    rm_rf(dir);
}

/* The blank page's pixels from the cache (look_cache_write_pixels): a
 * template loaded warm gives back the blank exactly as decoded, even with
 * the blank file gone after loading (so from the cache); a damaged or torn
 * pixel file is not used (the blank is decoded anew, the same pixels) and
 * is written whole again. The blank carries a strip of noise near its foot
 * (literal stretches, where the damage is made) beside long white runs and
 * the drawing's antialiased grey. */
static omr_image *blank_as_loaded(const char *path, const char *hide, int *was_decoded) {
    omr_template *t = NULL;
    omr_error err = {0};
    cr_assert_eq(template_load(path, &t, NULL, &err), OMR_OK, "%s", err.message);
    const reference_page *ref = template_reference(t, 1);
    *was_decoded = ref->page != NULL;
    char moved[700];
    snprintf(moved, sizeof moved, "%s.hidden", hide ? hide : "");
    if (hide) /* loaded, then the blank file gone: its pixels can only be the cache's */
        cr_assert_eq(rename(hide, moved), 0);
    const omr_image *img = reference_page_image(ref);
    if (hide)
        cr_assert_eq(rename(moved, hide), 0);
    omr_image *copy = img ? omr_image_crop(img, 0, 0, img->width, img->height) : NULL;
    if (copy)
        copy->dpi = img->dpi;
    template_free(t);
    return copy;
}

static void assert_same_pixels(const omr_image *a, const omr_image *b, const char *what) {
    cr_assert(a && b, "%s: a page", what);
    cr_assert(a->width == b->width && a->height == b->height && a->dpi == b->dpi, "%s: the same size", what);
    for (int y = 0; y < a->height; y++)
        cr_assert_eq(memcmp(a->pixels + (size_t)y * a->stride, b->pixels + (size_t)y * b->stride, (size_t)a->width),
                     0, "%s: row %d", what, y);
}

Test(look_cache, the_blanks_pixels_come_back_exactly_and_never_damaged, .timeout = 120) {
    char *dir = test_tempdir();
    char cache[600], cmd[1400], png[600];
    snprintf(cache, sizeof cache, "%s/cache", dir);
    setenv("OMR_CACHE_DIR", cache, 1);
    char *path = write_layout_form(dir);
    snprintf(png, sizeof png, "%s/layout-p1.png", dir);
    omr_image *b = draw(0, 0, NULL, 0);
    uint32_t seed = 99;
    for (int y = b->height - 40; y < b->height - 20; y++)
        for (int x = 0; x < b->width; x++) {
            seed = seed * 1103515245u + 12345u;
            b->pixels[(size_t)y * b->stride + x] = (uint8_t)(4 * ((seed >> 16) % 64)); /* literal stretches */
        }
    save_png(b, png);
    omr_image_free(b);
    int decoded;
    omr_image *cold = blank_as_loaded(path, NULL, &decoded);
    cr_assert(decoded, "a cold cache decodes the blank");
    /* warm: the same pixels, from the cache alone */
    omr_image *warm = blank_as_loaded(path, png, &decoded);
    cr_assert_not(decoded, "a warm cache decodes nothing at load");
    assert_same_pixels(cold, warm, "warm");
    omr_image_free(warm);
    for (int damage = 0; damage < 2; damage++) {
        if (damage == 0)
            snprintf(cmd, sizeof cmd,
                     "for f in '%s'/*.pix; do s=$(stat -c %%s \"$f\"); printf '\\x5a' | dd of=\"$f\" bs=1 "
                     "seek=$((s - 9000)) conv=notrunc 2>/dev/null; done", /* in the noise's literals */
                     cache);
        else
            snprintf(cmd, sizeof cmd, "for f in '%s'/*.pix; do truncate -s 300 \"$f\"; done", cache);
        cr_assert_eq(system(cmd), 0);
        omr_image *again = blank_as_loaded(path, NULL, &decoded);
        assert_same_pixels(cold, again, damage ? "after a torn pixel file" : "after a damaged pixel file");
        omr_image_free(again);
        /* written whole again: the same from the cache alone */
        again = blank_as_loaded(path, png, &decoded);
        assert_same_pixels(cold, again, "rewritten");
        omr_image_free(again);
    }
    omr_image_free(cold);
    unsetenv("OMR_CACHE_DIR");
    free(path);
    rm_rf(dir);
}
