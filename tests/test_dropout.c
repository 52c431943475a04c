/*
 * test_dropout.c — the colour drop-out (a template's `dropout`) from end to
 * end: a colour pixel's grey under each drop-out (pages/decode.c and its
 * decoders), the key parsed and refused when wrong (forms/template.c), a
 * colour scan read through scan_batch with and without it (daemon/scan.c),
 * and a blank page's cached description never reused across a change of
 * drop-out (reading/reference.c, reading/look/cache.c).
 */
#include <png.h>
#include <sys/stat.h>
#include <tiffio.h>

#include "helpers.h"
#include "daemon/scan.h"
#include "daemon/watch_daemon.h"
#include "forms/discover.h"
#include "pages/decode.h"
#include "print/render.h"

static char *dir;

static void setup(void) { dir = test_tempdir(); }
static void teardown(void) { rm_rf(dir); }

TestSuite(dropout, .init = setup, .fini = teardown, .timeout = 120);

/* ---- colour images written as a colour scanner writes them ---------------- */

typedef struct {
    int width, height;
    double dpi;
    uint8_t *rgb; /* 3 bytes a pixel */
} rgb_page;

/* The grey page as RGB: the print stays grey, as it was printed. */
static rgb_page rgb_of(const omr_image *grey) {
    rgb_page p = {grey->width, grey->height, grey->dpi, malloc((size_t)grey->width * grey->height * 3)};
    cr_assert_not_null(p.rgb);
    for (int y = 0; y < grey->height; y++)
        for (int x = 0; x < grey->width; x++)
            memset(p.rgb + ((size_t)y * grey->width + x) * 3, omr_image_at(grey, x, y), 3);
    return p;
}

/* Paints in `colour` every pixel that `ink` (a grey drawing on white) inks. */
static void paint(rgb_page *p, const omr_image *ink, const uint8_t colour[3]) {
    for (int y = 0; y < p->height; y++)
        for (int x = 0; x < p->width; x++)
            if (omr_image_at(ink, x, y) < 128)
                memcpy(p->rgb + ((size_t)y * p->width + x) * 3, colour, 3);
}

static void write_rgb_png(const rgb_page *p, const char *path) {
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f, "%s", path);
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png_create_info_struct(png);
    cr_assert(png && info);
    cr_assert_eq(setjmp(png_jmpbuf(png)), 0, "libpng failed writing %s", path);
    png_init_io(png, f);
    png_set_IHDR(png, info, (png_uint_32)p->width, (png_uint_32)p->height, 8, PNG_COLOR_TYPE_RGB,
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_uint_32 ppm = (png_uint_32)(p->dpi / 0.0254 + 0.5);
    png_set_pHYs(png, info, ppm, ppm, PNG_RESOLUTION_METER);
    png_write_info(png, info);
    for (int y = 0; y < p->height; y++)
        png_write_row(png, p->rgb + (size_t)y * p->width * 3);
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    fclose(f);
}

static void write_rgb_tiff(const rgb_page *p, const char *path) {
    TIFF *t = TIFFOpen(path, "w");
    cr_assert_not_null(t, "%s", path);
    TIFFSetField(t, TIFFTAG_IMAGEWIDTH, (uint32_t)p->width);
    TIFFSetField(t, TIFFTAG_IMAGELENGTH, (uint32_t)p->height);
    TIFFSetField(t, TIFFTAG_BITSPERSAMPLE, 8);
    TIFFSetField(t, TIFFTAG_SAMPLESPERPIXEL, 3);
    TIFFSetField(t, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_RGB);
    TIFFSetField(t, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
    TIFFSetField(t, TIFFTAG_COMPRESSION, COMPRESSION_LZW);
    TIFFSetField(t, TIFFTAG_ROWSPERSTRIP, 16);
    TIFFSetField(t, TIFFTAG_XRESOLUTION, (float)p->dpi);
    TIFFSetField(t, TIFFTAG_YRESOLUTION, (float)p->dpi);
    TIFFSetField(t, TIFFTAG_RESOLUTIONUNIT, RESUNIT_INCH);
    for (int y = 0; y < p->height; y++)
        cr_assert_eq(TIFFWriteScanline(t, p->rgb + (size_t)y * p->width * 3, (uint32_t)y, 0), 1);
    TIFFClose(t);
}

static omr_image *decode_with(const char *path, decode_dropout dropout) {
    decode_source *src = NULL;
    omr_image *img = NULL;
    omr_error err;
    cr_assert_eq(decode_open(path, &src, &err), OMR_OK, "%s", err.message);
    decode_set_dropout(src, dropout);
    cr_assert_eq(decode_page(src, 0, &img, &err), OMR_OK, "%s", err.message);
    decode_close(src);
    return img;
}

/* A red pen (as the AMC ballot scan's: R 210-255, G 30-60), a blue and a
 * green pen as light in their own channel, and a black pen. A pen drops out
 * as far as its own channel is as light as paper (a maroon pen stays ink). */
static const uint8_t RED[3] = {235, 40, 60}, BLUE[3] = {30, 70, 235}, BLACK[3] = {25, 25, 30},
                     GREEN[3] = {40, 235, 70};

/* Four strips of ink on paper, one per pen, in PNG and TIFF: under each
 * drop-out the strip of that colour is paper and the others stay ink;
 * without one, every pen is ink. */
Test(dropout, each_drop_out_leaves_out_its_own_colour_and_keeps_black_in_png_and_tiff) {
    omr_image *ink[4];
    const uint8_t *colours[4] = {RED, BLUE, BLACK, GREEN};
    omr_image *white = omr_image_new(400, 100, 200, 255);
    rgb_page p = rgb_of(white);
    for (int i = 0; i < 4; i++) {
        ink[i] = omr_image_new(400, 100, 200, 255);
        test_draw_line(ink[i], 5 + 12.5 * i, 2, 5 + 12.5 * i, 10, 3.0, 0);
        paint(&p, ink[i], colours[i]);
    }
    const char *names[2] = {"pens.png", "pens.tif"};
    for (int f = 0; f < 2; f++) {
        char path[512];
        snprintf(path, sizeof path, "%s/%s", dir, names[f]);
        f == 0 ? write_rgb_png(&p, path) : write_rgb_tiff(&p, path);
        decode_dropout modes[4] = {DECODE_DROPOUT_NONE, DECODE_DROPOUT_RED, DECODE_DROPOUT_BLUE, DECODE_DROPOUT_GREEN};
        for (int m = 0; m < 4; m++) {
            omr_image *g = decode_with(path, modes[m]);
            cr_assert_eq(omr_image_at(g, 390, 90), 255, "paper stays paper");
            for (int i = 0; i < 4; i++) {
                int x = (int)((5 + 12.5 * i) / 25.4 * 200), y = (int)(6 / 25.4 * 200);
                int dropped = (m == 1 && i == 0) || (m == 2 && i == 1) || (m == 3 && i == 3);
                if (dropped)
                    cr_assert_gt(omr_image_at(g, x, y), 200, "%s, dropout %s: pen %d should be paper, is %d",
                                 names[f], decode_dropout_name(modes[m]), i, omr_image_at(g, x, y));
                else
                    cr_assert_lt(omr_image_at(g, x, y), 128, "%s, dropout %s: pen %d should be ink, is %d",
                                 names[f], decode_dropout_name(modes[m]), i, omr_image_at(g, x, y));
            }
            omr_image_free(g);
        }
    }
    for (int i = 0; i < 4; i++)
        omr_image_free(ink[i]);
    omr_image_free(white);
    free(p.rgb);
}

/* ---- the template key ------------------------------------------------------- */

/* templates/ekb-2024.cfg with `extra` appended, written into dir as `name`. */
static char *template_with(const char *name, const char *extra) {
    FILE *in = fopen("templates/ekb-2024.cfg", "r");
    cr_assert_not_null(in);
    static char buf[1 << 17];
    size_t n = fread(buf, 1, sizeof buf - 1, in);
    fclose(in);
    char *path = malloc(strlen(dir) + strlen(name) + 2);
    cr_assert_not_null(path);
    sprintf(path, "%s/%s", dir, name);
    FILE *out = fopen(path, "w");
    cr_assert_not_null(out);
    fwrite(buf, 1, n, out);
    fprintf(out, "\n%s\n", extra);
    fclose(out);
    return path;
}

Test(dropout, the_template_key_is_parsed_and_a_wrong_colour_is_named) {
    const char *good[] = {"none", "red", "green", "blue"};
    for (int i = 0; i < 4; i++) {
        char line[64], name[32];
        snprintf(line, sizeof line, "dropout = \"%s\";", good[i]);
        snprintf(name, sizeof name, "t-%s.cfg", good[i]);
        char *path = template_with(name, line);
        omr_template *t = NULL;
        omr_error err;
        cr_assert_eq(template_parse(path, &t, NULL, &err), OMR_OK, "%s", err.message);
        cr_assert_str_eq(decode_dropout_name(t->dropout), good[i]);
        template_free(t);
        free(path);
    }
    omr_template *t = NULL;
    omr_error err;
    cr_assert_eq(template_parse("templates/ekb-2024.cfg", &t, NULL, &err), OMR_OK, "%s", err.message);
    cr_assert_eq(t->dropout, DECODE_DROPOUT_NONE, "no key: no drop-out");
    template_free(t);

    char *path = template_with("t-purple.cfg", "dropout = \"purple\";");
    template_problems problems = {0};
    cr_assert_eq(template_parse(path, &t, &problems, &err), OMR_ERR_INVALID);
    cr_assert_eq(problems.count, 1);
    cr_assert(strstr(problems.messages[0], "dropout") && strstr(problems.messages[0], "\"purple\"") &&
                  strstr(problems.messages[0], "red"),
              "%s", problems.messages[0]);
    template_problems_clear(&problems);
    free(path);
}

/* ---- a colour scan through the pipeline -------------------------------------- */

/* records.csv of dir/out, the value of `column` in the row of `code`. */
static char *record(const char *code, const char *column) {
    char path[512];
    snprintf(path, sizeof path, "%s/out/records.csv", dir);
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f, "%s", path);
    char header[1 << 14], line[1 << 14];
    cr_assert_not_null(fgets(header, sizeof header, f));
    int index = -1, i = 0;
    for (char *h = strtok(header, ",\r\n"); h; h = strtok(NULL, ",\r\n"), i++)
        if (strcmp(h, column) == 0)
            index = i;
    cr_assert_geq(index, 0, "no column %s", column);
    while (fgets(line, sizeof line, f))
        if (strncmp(line, code, strlen(code)) == 0 && line[strlen(code)] == ',') {
            fclose(f);
            char *p = line;
            for (int k = 0; k < index && p; k++)
                if ((p = strchr(p, ',')))
                    p++;
            cr_assert_not_null(p);
            p[strcspn(p, ",\r\n")] = '\0';
            return strdup(p);
        }
    fclose(f);
    cr_assert_fail("no row for %s", code);
    return NULL;
}

static int run_batch(const omr_template *t, omr_error *err) {
    calibration cal;
    calibration_defaults(&cal);
    cr_assert_eq(calibration_load("calibration/default.cfg", &cal, err), OMR_OK);
    char out[512], in[512];
    snprintf(out, sizeof out, "%s/out", dir);
    snprintf(in, sizeof in, "%s/in", dir);
    const omr_template *templates[] = {t};
    scan_options o = {.templates = templates, .n_templates = 1, .calibration = &cal, .out_dir = out};
    char *inputs[] = {in};
    scan_summary s;
    int rc = scan_batch(&o, inputs, 1, &s, err);
    cr_assert_eq(rc, OMR_OK, "%s", err->message);
    cr_assert_eq(s.pages_read, 1, "the colour page is read (%zu rejected)", s.rejected);
    return rc;
}

/* ekb-2024's page 1 scanned in colour: a red cross in q1a 5, a black cross
 * in q1b 2, a blue cross in q2a 3. */
Test(dropout, a_red_cross_is_no_mark_on_a_red_drop_out_template_but_is_on_the_default) {
    omr_template *plain = test_template("ekb-2024");
    omr_error err;
    omr_image *page = render_page_image(plain, "ABC123", 1, 200, &err);
    cr_assert_not_null(page, "%s", err.message);
    rgb_page p = rgb_of(page);
    struct { const char *q, *v; const uint8_t *colour; } pens[] = {
        {"q1a", "5", RED}, {"q1b", "2", BLACK}, {"q2a", "3", BLUE}};
    for (int i = 0; i < 3; i++) {
        omr_image *ink = omr_image_new(page->width, page->height, page->dpi, 255);
        test_cross(ink, test_box_of(plain, pens[i].q, pens[i].v));
        paint(&p, ink, pens[i].colour);
        omr_image_free(ink);
    }
    char path[512];
    snprintf(path, sizeof path, "%s/in", dir);
    mkdir(path, 0777);
    snprintf(path, sizeof path, "%s/in/colour.png", dir);
    write_rgb_png(&p, path);

    run_batch(plain, &err); /* the default: a coloured pen is ink */
    char *q1a = record("ABC123", "q1a"), *q1b = record("ABC123", "q1b"), *q2a = record("ABC123", "q2a");
    cr_assert_str_eq(q1a, "5", "default: the red cross is a mark");
    cr_assert_str_eq(q1b, "2");
    cr_assert_str_eq(q2a, "3");
    char *blank_q3a = record("ABC123", "q3a"); /* what an unanswered question reads as */
    free(q1a), free(q1b), free(q2a);

    char *red_path = template_with("ekb-red.cfg", "dropout = \"red\";");
    omr_template *red = NULL;
    cr_assert_eq(template_load(red_path, &red, NULL, &err), OMR_OK, "%s", err.message);
    run_batch(red, &err);
    q1a = record("ABC123", "q1a"), q1b = record("ABC123", "q1b"), q2a = record("ABC123", "q2a");
    cr_assert_str_eq(q1a, blank_q3a, "dropout red: the red cross is paper, q1a unanswered (got %s)", q1a);
    cr_assert_str_eq(q1b, "2", "dropout red: the black cross is a mark");
    cr_assert_str_eq(q2a, "3", "dropout red: the blue cross is a mark");
    free(q1a), free(q1b), free(q2a), free(blank_q3a);

    /* one run cannot hold both: the page's grey is made before its form is known */
    const omr_template *both[] = {plain, red};
    calibration cal;
    calibration_defaults(&cal);
    char out[512];
    snprintf(out, sizeof out, "%s/out2", dir);
    scan_options o = {.templates = both, .n_templates = 2, .calibration = &cal, .out_dir = out};
    char *inputs[] = {path};
    scan_summary s;
    cr_assert_eq(scan_batch(&o, inputs, 1, &s, &err), OMR_ERR_INVALID);
    cr_assert(strstr(err.message, "dropout \"none\"") && strstr(err.message, "dropout \"red\""), "%s", err.message);
    struct stat st;
    cr_assert_neq(stat(out, &st), 0, "nothing made for a run refused");

    template_free(red);
    template_free(plain);
    free(red_path);
    omr_image_free(page);
    free(p.rgb);
}

/* The mailroom daemon refuses the same mixture when it starts. */
Test(dropout, the_daemon_refuses_templates_with_different_drop_outs_at_start) {
    char *red = template_with("ekb-red.cfg", "dropout = \"red\";");
    char *names[] = {"templates/ekb-2024.cfg", red};
    char inbox[600], archive[600], rejected[600], out[600], db[600];
    snprintf(inbox, sizeof inbox, "%s/inbox", dir);
    snprintf(archive, sizeof archive, "%s/archive", dir);
    snprintf(rejected, sizeof rejected, "%s/rejected", dir);
    snprintf(out, sizeof out, "%s/out", dir);
    snprintf(db, sizeof db, "%s/omr.db", dir);
    watch_config o;
    watch_config_unset(&o); /* only what is given here overrides the defaults */
    o.inbox = inbox, o.archive = archive, o.rejected = rejected, o.out = out, o.db = db;
    o.templates = names, o.n_templates = 2;
    runtime *rt = NULL;
    omr_error err;
    cr_assert_eq(watch_runtime_load(NULL, &o, &rt, &err), OMR_ERR_INVALID);
    cr_assert_null(rt);
    cr_assert(strstr(err.message, "dropout \"red\"") && strstr(err.message, "one run"), "%s", err.message);
    free(red);
}

/* ---- the blank page's cached description --------------------------------------- */

/* A colour blank (ekb-2024's page 1 with its upper half printed in red):
 * described warm from the cache after a run without drop-out, the red
 * drop-out's description is the one made cold, not the cached other. */
Test(dropout, a_cached_blank_is_never_reused_across_a_change_of_drop_out) {
    omr_template *t = test_template("ekb-2024");
    omr_error err;
    omr_image *page = render_page_image(t, "0", 1, 150, &err);
    cr_assert_not_null(page, "%s", err.message);
    rgb_page p = rgb_of(page);
    for (int y = 0; y < p.height / 2; y++)
        for (int x = 0; x < p.width; x++) {
            uint8_t *px = p.rgb + ((size_t)y * p.width + x) * 3;
            if (px[0] < 128)
                memcpy(px, RED, 3);
        }
    char blank[512], cache[512];
    snprintf(blank, sizeof blank, "%s/blank.png", dir);
    snprintf(cache, sizeof cache, "%s/cache", dir);
    write_rgb_png(&p, blank);
    double w = t->page_width, h = t->page_height;

    reference_page *cold_none = NULL, *cold_red = NULL, *warm = NULL;
    setenv("OMR_CACHE_DIR", "", 1); /* no cache */
    cr_assert_eq(reference_page_load(blank, 0, w, h, DECODE_DROPOUT_NONE, &cold_none, &err), OMR_OK, "%s", err.message);
    cr_assert_eq(reference_page_load(blank, 0, w, h, DECODE_DROPOUT_RED, &cold_red, &err), OMR_OK, "%s", err.message);
    cr_assert(cold_none->look[0] != cold_red->look[0], "the drop-out changes the blank's grey");

    setenv("OMR_CACHE_DIR", cache, 1);
    reference_page *first = NULL;
    cr_assert_eq(reference_page_load(blank, 0, w, h, DECODE_DROPOUT_NONE, &first, &err), OMR_OK, "%s", err.message);
    reference_page_free(first); /* the cache now holds the description without drop-out */
    cr_assert_eq(reference_page_load(blank, 0, w, h, DECODE_DROPOUT_RED, &warm, &err), OMR_OK, "%s", err.message);
    cr_assert(warm->look[0] == cold_red->look[0] && warm->look[1] == cold_red->look[1],
              "the red drop-out's description, not the cached one without drop-out");
    cr_assert_eq(cvw_features_count(warm->features), cvw_features_count(cold_red->features));
    reference_page_free(warm);
    /* and now warm from its own cache file: the blank decoded on first use
     * with the drop-out too (its red print is paper) */
    cr_assert_eq(reference_page_load(blank, 0, w, h, DECODE_DROPOUT_RED, &warm, &err), OMR_OK, "%s", err.message);
    cr_assert_null(warm->page, "warm: not decoded until asked for");
    cr_assert(warm->look[0] == cold_red->look[0]);
    const omr_image *img = reference_page_image(warm);
    cr_assert_not_null(img);
    int dark_top = 0, dark_bottom = 0;
    for (int y = 0; y < img->height; y++)
        for (int x = 0; x < img->width; x++)
            if (omr_image_at(img, x, y) < 128)
                *(y < img->height / 2 ? &dark_top : &dark_bottom) += 1;
    cr_assert_gt(dark_bottom, 1000, "the black print stays");
    cr_assert_lt(dark_top, dark_bottom / 20, "the red print is dropped (%d dark pixels in the red half)", dark_top);
    unsetenv("OMR_CACHE_DIR");
    reference_page_free(warm);
    reference_page_free(cold_none);
    reference_page_free(cold_red);
    template_free(t);
    omr_image_free(page);
    free(p.rgb);
}

/* ---- omr template new ----------------------------------------------------------- */

/* A blank printed mostly in red (ekb-2024's page 1, all but the QR code and
 * the fiducials in red) gets `dropout = "red"` proposed; the same blank in
 * black gets none. */
Test(dropout, template_new_proposes_red_for_a_blank_printed_in_red_and_nothing_for_black) {
    omr_template *t = test_template("ekb-2024");
    omr_error err;
    omr_image *page = render_page_image(t, "0", 1, 150, &err);
    cr_assert_not_null(page, "%s", err.message);
    rgb_page p = rgb_of(page);
    double s = page->dpi / 25.4;
    for (int y = 0; y < p.height; y++)
        for (int x = 0; x < p.width; x++) {
            double mx = x / s, my = y / s;
            int kept = (mx >= t->code_rect.x - 1 && mx <= t->code_rect.x + t->code_rect.w + 1 &&
                        my >= t->code_rect.y - 1 && my <= t->code_rect.y + t->code_rect.h + 1);
            for (int k = 0; k < 4; k++)
                kept |= fabs(mx - t->fiducials[k].x) < t->fiducial_size && fabs(my - t->fiducials[k].y) < t->fiducial_size;
            uint8_t *px = p.rgb + ((size_t)y * p.width + x) * 3;
            if (!kept && px[0] < 128)
                memcpy(px, RED, 3);
        }
    char red_blank[512], black_blank[512];
    snprintf(red_blank, sizeof red_blank, "%s/red-blank.png", dir);
    snprintf(black_blank, sizeof black_blank, "%s/black-blank.png", dir);
    write_rgb_png(&p, red_blank);
    rgb_page black = rgb_of(page);
    write_rgb_png(&black, black_blank);

    discover_result r;
    cr_assert_eq(discover_blank(red_blank, &r, &err), OMR_OK, "%s", err.message);
    cr_assert_eq(r.dropout, DECODE_DROPOUT_RED, "proposed: %s", decode_dropout_name(r.dropout));
    cr_assert_gt(r.dropout_share, 0.5);
    cr_assert_lt(r.dropout_share, 1.0, "the black QR code and fiducials stay");
    discover_result_free(&r);
    cr_assert_eq(discover_blank(black_blank, &r, &err), OMR_OK, "%s", err.message);
    cr_assert_eq(r.dropout, DECODE_DROPOUT_NONE, "proposed: %s", decode_dropout_name(r.dropout));
    discover_result_free(&r);
    template_free(t);
    omr_image_free(page);
    free(p.rgb);
    free(black.rgb);
}
