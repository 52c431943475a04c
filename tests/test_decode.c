/*
 * test_decode.c — checks decode.c (and the encode.c writers it is tested
 * with): every format and TIFF compression round-trips its pixels and
 * resolution, the format comes from the content and not the name, files that
 * are not scans or are damaged give an operator-readable error naming the file
 * (and page), absurd sizes are refused before allocation, PDFs render at
 * 300 dpi, and nothing is printed on the way. Fixtures are written into a
 * fresh temporary directory per test.
 */
#include <criterion/criterion.h>

#include <cairo-pdf.h>
#include <cairo.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <tiffio.h>
#include <time.h>
#include <math.h>
#include <jpeglib.h>
#include <unistd.h>

#include "pages/decode.h"
#include "pages/encode.h"

/* ---- fixtures ------------------------------------------------------------ */

static char test_dir[1024];

static void make_dir(void) {
    snprintf(test_dir, sizeof test_dir, "%s/omr-decode-XXXXXX",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    cr_assert_not_null(mkdtemp(test_dir), "cannot create a temporary directory");
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

static void remove_dir(void) {
    nftw(test_dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

TestSuite(decode, .init = make_dir, .fini = remove_dir);

/* A colour's grey as the decoders make it (pages/decoder.h), computed here
 * in floating point: luma less half of (largest - smallest channel). */
static int colour_grey(int r, int g, int b) {
    double luma = 0.299 * r + 0.587 * g + 0.114 * b;
    int hi = r > g ? (r > b ? r : b) : (g > b ? g : b), lo = r < g ? (r < b ? r : b) : (g < b ? g : b);
    double v = floor(luma + 0.5) - (hi - lo) / 2;
    return v < 0 ? 0 : (int)v;
}

/* A path inside the test's directory (a few live at once). */
static const char *at(const char *name) {
    static char paths[8][sizeof test_dir + 256];
    static int next;
    char *p = paths[next++ % 8];
    snprintf(p, sizeof paths[0], "%s/%.200s", test_dir, name);
    return p;
}

static void write_bytes(const char *path, const void *data, size_t len) {
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f);
    cr_assert_eq(fwrite(data, 1, len, f), len);
    cr_assert_eq(fclose(f), 0);
}

static long file_size(const char *path) {
    struct stat st;
    cr_assert_eq(stat(path, &st), 0);
    return (long)st.st_size;
}

static void truncate_to(const char *path, long size) {
    cr_assert_eq(truncate(path, size), 0);
}

/* stderr (fd 2) goes to a file while the library works; nothing may appear. */
static int saved_stderr = -1;
static char stderr_file[sizeof test_dir + 16];

static void quiet_begin(void) {
    snprintf(stderr_file, sizeof stderr_file, "%s/stderr.txt", test_dir);
    fflush(stderr);
    saved_stderr = dup(2);
    int fd = open(stderr_file, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    cr_assert(fd >= 0 && saved_stderr >= 0);
    dup2(fd, 2);
    close(fd);
}

static void quiet_end(void) {
    fflush(stderr);
    dup2(saved_stderr, 2);
    close(saved_stderr);
    char text[300] = "";
    FILE *f = fopen(stderr_file, "r");
    size_t n = f ? fread(text, 1, sizeof text - 1, f) : 0;
    if (f)
        fclose(f);
    text[n] = '\0';
    cr_assert_eq(n, 0, "the library printed to stderr: \"%s\"", text);
}

/* ---- images -------------------------------------------------------------- */

static omr_image *gradient(int width, int height, double dpi, int seed) {
    omr_image *img = omr_image_new(width, height, dpi, 255);
    cr_assert_not_null(img);
    for (int y = 0; y < height; y++)
        for (int x = 0; x < width; x++)
            img->pixels[(size_t)y * img->stride + x] = (uint8_t)((x * 7 + y * 13 + seed * 41) % 256);
    return img;
}

/* Deterministic noise, so LZW pages are large and differ from each other. */
static omr_image *noise(int width, int height, double dpi, uint32_t seed) {
    omr_image *img = omr_image_new(width, height, dpi, 255);
    cr_assert_not_null(img);
    uint32_t s = seed * 2654435761u + 1;
    for (size_t i = 0; i < (size_t)width * height; i++) {
        s = s * 1664525u + 1013904223u;
        img->pixels[i] = (uint8_t)(s >> 24);
    }
    return img;
}

static void assert_same_pixels(const omr_image *got, const omr_image *want, const char *what) {
    cr_assert_eq(got->width, want->width, "%s: width %d, expected %d", what, got->width, want->width);
    cr_assert_eq(got->height, want->height, "%s: height %d, expected %d", what, got->height,
                 want->height);
    for (int y = 0; y < want->height; y++)
        for (int x = 0; x < want->width; x++)
            cr_assert_eq(omr_image_at(got, x, y), omr_image_at(want, x, y),
                         "%s: pixel (%d,%d) is %d, expected %d", what, x, y, omr_image_at(got, x, y),
                         omr_image_at(want, x, y));
}

/* Opens a file that must decode, checks its format and page count. */
static decode_source *open_ok(const char *path, scan_format format, int pages) {
    decode_source *src = NULL;
    omr_error err = {""};
    int rc = decode_open(path, &src, &err);
    cr_assert_eq(rc, OMR_OK, "decode_open(%s) = %d: %s", path, rc, err.message);
    cr_assert_not_null(src);
    cr_assert_eq(decode_format(src), format, "%s read as %s, expected %s", path,
                 decode_format_name(decode_format(src)), decode_format_name(format));
    cr_assert_eq(decode_page_count(src), pages, "%s has %d pages, expected %d", path,
                 decode_page_count(src), pages);
    return src;
}

static omr_image *page_ok(decode_source *src, int index) {
    omr_image *img = NULL;
    omr_error err = {""};
    int rc = decode_page(src, index, &img, &err);
    cr_assert_eq(rc, OMR_OK, "decode_page(%d) = %d: %s", index, rc, err.message);
    cr_assert_not_null(img);
    cr_assert_geq(img->stride, img->width);
    return img;
}

/* Decodes the only page of a file. */
static omr_image *read_single(const char *path, scan_format format) {
    decode_source *src = open_ok(path, format, 1);
    omr_image *img = page_ok(src, 0);
    decode_close(src);
    return img;
}

static void write_tiff(const char *path, omr_image *const *pages, const tiff_compression *how, int n) {
    tiff_writer *w = NULL;
    omr_error err = {""};
    cr_assert_eq(encode_tiff_open(path, &w, &err), OMR_OK, "%s", err.message);
    for (int i = 0; i < n; i++)
        cr_assert_eq(encode_tiff_add(w, pages[i], how[i], &err), OMR_OK, "%s", err.message);
    cr_assert_eq(encode_tiff_close(w, &err), OMR_OK, "%s", err.message);
}

/* ---- sniffing ------------------------------------------------------------ */

Test(decode, sniff_recognises_magic_bytes_only) {
    scan_format f = SCAN_PDF;
    cr_assert(decode_sniff((const unsigned char *)"II*\0rest", 8, &f) && f == SCAN_TIFF);
    f = SCAN_PDF;
    cr_assert(decode_sniff((const unsigned char *)"MM\0*rest", 8, &f) && f == SCAN_TIFF);
    f = SCAN_PDF;
    cr_assert(decode_sniff((const unsigned char *)"II+\0\x08\0\0\0", 8, &f) && f == SCAN_TIFF,
              "little-endian BigTIFF");
    f = SCAN_PDF;
    cr_assert(decode_sniff((const unsigned char *)"MM\0+\0\x08\0\0", 8, &f) && f == SCAN_TIFF,
              "big-endian BigTIFF");
    cr_assert(decode_sniff((const unsigned char *)"\x89PNG\r\n\x1a\n", 8, &f) && f == SCAN_PNG);
    cr_assert(decode_sniff((const unsigned char *)"\xff\xd8\xff\xe0", 4, &f) && f == SCAN_JPEG);
    cr_assert(decode_sniff((const unsigned char *)"%PDF-1.7\n", 9, &f) && f == SCAN_PDF);

    /* A PDF after a byte-order mark or junk within the first 1024 bytes. */
    unsigned char head[2048];
    memset(head, ' ', sizeof head);
    memcpy(head, "\xef\xbb\xbf", 3);
    memcpy(head + 900, "%PDF-1.4", 8);
    f = SCAN_TIFF;
    cr_assert(decode_sniff(head, sizeof head, &f) && f == SCAN_PDF);
    memset(head, ' ', sizeof head);
    memcpy(head + 1500, "%PDF-1.4", 8);
    cr_assert_not(decode_sniff(head, sizeof head, &f), "%%PDF- beyond 1024 bytes is not a PDF");

    /* Near misses and short buffers. */
    cr_assert_not(decode_sniff((const unsigned char *)"II*", 3, &f));
    cr_assert_not(decode_sniff((const unsigned char *)"IM*\0", 4, &f));
    cr_assert_not(decode_sniff((const unsigned char *)"II\0*", 4, &f), "II with big-endian 42");
    cr_assert_not(decode_sniff((const unsigned char *)"\x89PNG\r\n", 6, &f));
    cr_assert_not(decode_sniff((const unsigned char *)"\xff\xd8", 2, &f));
    cr_assert_not(decode_sniff((const unsigned char *)"GIF89a", 6, &f));
    cr_assert_not(decode_sniff((const unsigned char *)"%PDF", 4, &f));
    cr_assert_not(decode_sniff((const unsigned char *)"", 0, &f));
}

Test(decode, format_names) {
    cr_assert_str_eq(decode_format_name(SCAN_TIFF), "TIFF");
    cr_assert_str_eq(decode_format_name(SCAN_PNG), "PNG");
    cr_assert_str_eq(decode_format_name(SCAN_JPEG), "JPEG");
    cr_assert_str_eq(decode_format_name(SCAN_PDF), "PDF");
}

/* ---- round trips --------------------------------------------------------- */

Test(decode, png_round_trip_keeps_pixels_and_dpi) {
    omr_image *want = gradient(123, 77, 300, 1);
    omr_error err = {""};
    cr_assert_eq(encode_png(want, at("page.png"), &err), OMR_OK, "%s", err.message);
    omr_image *got = read_single(at("page.png"), SCAN_PNG);
    assert_same_pixels(got, want, "PNG");
    cr_assert_float_eq(got->dpi, 300.0, 1e-9, "dpi %g", got->dpi);
    omr_image_free(got);

    want->dpi = 0; /* no pHYs chunk: unknown resolution */
    cr_assert_eq(encode_png(want, at("nodpi.png"), &err), OMR_OK, "%s", err.message);
    got = read_single(at("nodpi.png"), SCAN_PNG);
    cr_assert_float_eq(got->dpi, 0.0, 1e-9, "dpi %g", got->dpi);
    omr_image_free(got);
    omr_image_free(want);
}

Test(decode, jpeg_round_trip_keeps_pixels_and_dpi) {
    /* A smooth image: JPEG at quality 95 must come back within a few levels. */
    omr_image *want = omr_image_new(200, 150, 200, 255);
    for (int y = 0; y < 150; y++)
        for (int x = 0; x < 200; x++)
            want->pixels[y * want->stride + x] = (uint8_t)(x + y / 3);
    omr_error err = {""};
    cr_assert_eq(encode_jpeg(want, at("page.jpg"), 95, &err), OMR_OK, "%s", err.message);
    omr_image *got = read_single(at("page.jpg"), SCAN_JPEG);
    cr_assert_eq(got->width, 200);
    cr_assert_eq(got->height, 150);
    cr_assert_float_eq(got->dpi, 200.0, 1e-9, "dpi %g", got->dpi);
    long total = 0;
    int worst = 0;
    for (int y = 0; y < 150; y++)
        for (int x = 0; x < 200; x++) {
            int d = abs(omr_image_at(got, x, y) - omr_image_at(want, x, y));
            total += d;
            worst = d > worst ? d : worst;
        }
    cr_assert_leq(worst, 6, "largest JPEG error %d", worst);
    cr_assert_lt((double)total / (200 * 150), 1.0, "mean JPEG error %g", (double)total / 30000);
    omr_image_free(got);
    omr_image_free(want);
}

Test(decode, tiff_uncompressed_and_lzw_round_trip_exactly) {
    const tiff_compression how[] = {TIFF_NONE, TIFF_LZW};
    const char *names[] = {"none.tif", "lzw.tif"};
    for (int i = 0; i < 2; i++) {
        omr_image *want = gradient(301, 97, 300, i);
        write_tiff(at(names[i]), &want, &how[i], 1);
        omr_image *got = read_single(at(names[i]), SCAN_TIFF);
        assert_same_pixels(got, want, names[i]);
        cr_assert_float_eq(got->dpi, 300.0, 1e-9, "%s: dpi %g", names[i], got->dpi);
        omr_image_free(got);
        omr_image_free(want);
    }
}

Test(decode, tiff_jpeg_round_trips_closely) {
    omr_image *want = omr_image_new(160, 96, 150, 255);
    for (int y = 0; y < 96; y++)
        for (int x = 0; x < 160; x++)
            want->pixels[y * want->stride + x] = (uint8_t)(40 + x + y / 2);
    const tiff_compression how = TIFF_JPEG;
    write_tiff(at("jpeg.tif"), &want, &how, 1);
    omr_image *got = read_single(at("jpeg.tif"), SCAN_TIFF);
    cr_assert_eq(got->width, 160);
    cr_assert_eq(got->height, 96);
    cr_assert_float_eq(got->dpi, 150.0, 1e-9);
    for (int y = 0; y < 96; y++)
        for (int x = 0; x < 160; x++)
            cr_assert_leq(abs(omr_image_at(got, x, y) - omr_image_at(want, x, y)), 8,
                          "JPEG-in-TIFF pixel (%d,%d): %d vs %d", x, y, omr_image_at(got, x, y),
                          omr_image_at(want, x, y));
    omr_image_free(got);
    omr_image_free(want);
}

Test(decode, tiff_g4_thresholds_at_128) {
    /* An odd width exercises the last partial byte of each row. */
    const int width = 37, height = 23;
    omr_image *src = omr_image_new(width, height, 300, 255);
    const uint8_t levels[] = {0, 1, 127, 128, 129, 200, 255};
    for (int y = 0; y < height; y++)
        for (int x = 0; x < width; x++)
            src->pixels[y * src->stride + x] = levels[(x + 3 * y) % 7];
    const tiff_compression how = TIFF_G4;
    write_tiff(at("g4.tif"), &src, &how, 1);

    /* The file really is 1-bit G4 MINISWHITE. */
    TIFF *tif = TIFFOpen(at("g4.tif"), "r");
    cr_assert_not_null(tif);
    uint16_t bits = 0, compression = 0, photometric = 0;
    TIFFGetField(tif, TIFFTAG_BITSPERSAMPLE, &bits);
    TIFFGetField(tif, TIFFTAG_COMPRESSION, &compression);
    TIFFGetField(tif, TIFFTAG_PHOTOMETRIC, &photometric);
    TIFFClose(tif);
    cr_assert_eq(bits, 1);
    cr_assert_eq(compression, COMPRESSION_CCITTFAX4);
    cr_assert_eq(photometric, PHOTOMETRIC_MINISWHITE);

    omr_image *got = read_single(at("g4.tif"), SCAN_TIFF);
    cr_assert_float_eq(got->dpi, 300.0, 1e-9);
    cr_assert_eq(got->width, width);
    cr_assert_eq(got->height, height);
    for (int y = 0; y < height; y++)
        for (int x = 0; x < width; x++) {
            int v = src->pixels[y * src->stride + x];
            cr_assert_eq(omr_image_at(got, x, y), v < 128 ? 0 : 255,
                         "G4 pixel (%d,%d) of grey %d became %d", x, y, v, omr_image_at(got, x, y));
        }
    omr_image_free(got);
    omr_image_free(src);
}

Test(decode, multi_page_tiff_keeps_each_page) {
    omr_image *p0 = gradient(100, 60, 300, 0);
    omr_image *p1 = omr_image_new(45, 30, 200, 255);
    for (int y = 5; y < 20; y++) /* a black bar on page 2 only */
        memset(p1->pixels + y * p1->stride + 10, 0, 20);
    omr_image *p2 = gradient(64, 64, 600, 3);
    tiff_writer *w = NULL;
    omr_error err = {""};
    const char *path = at("multi.tif");
    cr_assert_eq(encode_tiff_open(path, &w, &err), OMR_OK, "%s", err.message);
    cr_assert_eq(encode_tiff_add(w, p0, TIFF_LZW, &err), OMR_OK, "%s", err.message);
    cr_assert_eq(encode_tiff_add(w, p1, TIFF_G4, &err), OMR_OK, "%s", err.message);
    /* A colour page: red, green, blue, white and black stripes. */
    const uint8_t colours[5][3] = {{255, 0, 0}, {0, 255, 0}, {0, 0, 255}, {255, 255, 255}, {0, 0, 0}};
    /* luma less half the colourfulness (decoder.h): pure colours are ink */
    const int greys[5] = {colour_grey(255, 0, 0), colour_grey(0, 255, 0), colour_grey(0, 0, 255), 255, 0};
    uint8_t rgb[10 * 20 * 3];
    for (int y = 0; y < 10; y++)
        for (int x = 0; x < 20; x++)
            memcpy(rgb + (y * 20 + x) * 3, colours[x / 4], 3);
    cr_assert_eq(encode_tiff_add_rgb(w, rgb, 20, 10, 150, &err), OMR_OK, "%s", err.message);
    cr_assert_eq(encode_tiff_add(w, p2, TIFF_NONE, &err), OMR_OK, "%s", err.message);
    cr_assert_eq(encode_tiff_close(w, &err), OMR_OK, "%s", err.message);

    decode_source *src = open_ok(path, SCAN_TIFF, 4);
    /* Out of order on purpose: pages are addressed by index. */
    omr_image *g3 = page_ok(src, 3);
    assert_same_pixels(g3, p2, "page 4");
    cr_assert_float_eq(g3->dpi, 600.0, 1e-9);
    omr_image *g0 = page_ok(src, 0);
    assert_same_pixels(g0, p0, "page 1");
    cr_assert_float_eq(g0->dpi, 300.0, 1e-9);
    omr_image *g1 = page_ok(src, 1);
    assert_same_pixels(g1, p1, "page 2");
    cr_assert_float_eq(g1->dpi, 200.0, 1e-9);
    omr_image *g2 = page_ok(src, 2);
    cr_assert_eq(g2->width, 20);
    cr_assert_eq(g2->height, 10);
    cr_assert_float_eq(g2->dpi, 150.0, 1e-9);
    for (int y = 0; y < 10; y++)
        for (int x = 0; x < 20; x++)
            cr_assert_leq(abs(omr_image_at(g2, x, y) - greys[x / 4]), 1,
                          "colour page pixel (%d,%d) is %d, expected %d", x, y, omr_image_at(g2, x, y),
                          greys[x / 4]);

    omr_image *none = NULL;
    cr_assert_eq(decode_page(src, 4, &none, &err), OMR_ERR_INVALID, "page 5 of 4");
    cr_assert_null(none);
    cr_assert_eq(decode_page(src, -1, &none, &err), OMR_ERR_INVALID);
    decode_close(src);
    omr_image_free(g0), omr_image_free(g1), omr_image_free(g2), omr_image_free(g3);
    omr_image_free(p0), omr_image_free(p1), omr_image_free(p2);
}

/* ---- content, not name --------------------------------------------------- */

Test(decode, format_comes_from_content_not_extension) {
    omr_image *want = gradient(40, 30, 300, 2);
    omr_error err = {""};
    cr_assert_eq(encode_png(want, at("really-png.tif"), &err), OMR_OK, "%s", err.message);
    omr_image *got = read_single(at("really-png.tif"), SCAN_PNG);
    assert_same_pixels(got, want, "PNG named .tif");
    omr_image_free(got);

    const tiff_compression how = TIFF_LZW;
    write_tiff(at("really-tiff.png"), &want, &how, 1);
    got = read_single(at("really-tiff.png"), SCAN_TIFF);
    assert_same_pixels(got, want, "TIFF named .png");
    omr_image_free(got);

    cr_assert_eq(encode_jpeg(want, at("really-jpeg.pdf"), 90, &err), OMR_OK, "%s", err.message);
    got = read_single(at("really-jpeg.pdf"), SCAN_JPEG);
    cr_assert_eq(got->width, 40);
    omr_image_free(got);
    omr_image_free(want);
}

/* ---- not a scan ---------------------------------------------------------- */

Test(decode, text_file_is_refused_with_its_name_and_first_bytes) {
    const char *path = at("scan.tif");
    const char text[] = "Dear sir, I do not wish to take part.\n";
    write_bytes(path, text, strlen(text));
    decode_source *src = NULL;
    omr_error err = {""};
    quiet_begin();
    int rc = decode_open(path, &src, &err);
    quiet_end();
    cr_assert_eq(rc, OMR_ERR_FORMAT, "rc %d: %s", rc, err.message);
    cr_assert_null(src);
    cr_assert_not_null(strstr(err.message, path), "message lacks the file name: %s", err.message);
    cr_assert_not_null(strstr(err.message, "not a TIFF, PNG, JPEG or PDF"), "%s", err.message);
    cr_assert_not_null(strstr(err.message, "Dear sir"), "message lacks the first bytes: %s",
                       err.message);
}

Test(decode, binary_junk_is_shown_printably) {
    const char *path = at("scan.gif");
    write_bytes(path, "GIF89a\x01\x00\x01\x00\x80\x00\x00", 13);
    decode_source *src = NULL;
    omr_error err = {""};
    cr_assert_eq(decode_open(path, &src, &err), OMR_ERR_FORMAT, "%s", err.message);
    cr_assert_not_null(strstr(err.message, "GIF89a\\x01\\x00"), "%s", err.message);
    for (const char *c = err.message; *c; c++)
        cr_assert(*c >= 0x20 && *c < 0x7f, "unprintable byte 0x%02x in: %s", (unsigned char)*c,
                  err.message);
}

Test(decode, empty_file_says_empty) {
    const char *path = at("scan0412.tif");
    write_bytes(path, "", 0);
    decode_source *src = NULL;
    omr_error err = {""};
    cr_assert_eq(decode_open(path, &src, &err), OMR_ERR_FORMAT, "%s", err.message);
    cr_assert_null(src);
    cr_assert_not_null(strstr(err.message, path), "%s", err.message);
    cr_assert_not_null(strstr(err.message, "empty"), "%s", err.message);
    cr_assert_null(strstr(err.message, "not a TIFF"), "an empty file is not called a wrong format: %s",
                   err.message);
}

Test(decode, missing_file_and_directory_are_io_errors) {
    decode_source *src = NULL;
    omr_error err = {""};
    cr_assert_eq(decode_open(at("nowhere.tif"), &src, &err), OMR_ERR_IO, "%s", err.message);
    cr_assert_not_null(strstr(err.message, "nowhere.tif"), "%s", err.message);
    cr_assert_eq(decode_open(test_dir, &src, &err), OMR_ERR_IO, "%s", err.message);
    cr_assert_null(src);
}

/* ---- damaged files ------------------------------------------------------- */

Test(decode, truncated_multi_page_tiff_names_the_lost_page) {
    /* Five noisy LZW pages (libtiff writes each page's data, then its
     * directory); cutting the file in half loses page 3 onwards. */
    omr_image *pages[5];
    tiff_compression how[5];
    for (int i = 0; i < 5; i++) {
        pages[i] = noise(300, 200, 300, (uint32_t)i);
        how[i] = TIFF_LZW;
    }
    const char *path = at("scan.tif");
    write_tiff(path, pages, how, 5);
    long full = file_size(path);
    truncate_to(path, full / 2);

    quiet_begin();
    decode_source *src = NULL;
    omr_error err = {""};
    int rc = decode_open(path, &src, &err);
    cr_assert_eq(rc, OMR_OK, "a partly readable TIFF opens: %s", err.message);
    cr_assert_geq(decode_page_count(src), 3, "the damaged page is counted");
    omr_image *img = NULL;
    rc = decode_page(src, 2, &img, &err);
    cr_assert_eq(rc, OMR_ERR_FORMAT, "page 3 (cut in half) gives %d: %s", rc, err.message);
    cr_assert_null(img);
    cr_assert_not_null(strstr(err.message, "page 3 of"), "%s", err.message);
    cr_assert_not_null(strstr(err.message, path), "%s", err.message);
    /* The pages before the cut are intact, also after the failure. */
    for (int i = 1; i >= 0; i--) {
        img = page_ok(src, i);
        assert_same_pixels(img, pages[i], "page before the cut");
        omr_image_free(img);
    }
    for (int i = 3; i < decode_page_count(src); i++) {
        cr_assert_neq(decode_page(src, i, &img, &err), OMR_OK, "page %d is gone", i + 1);
        cr_assert_not_null(strstr(err.message, "page "), "%s", err.message);
    }
    decode_close(src);
    quiet_end();
    for (int i = 0; i < 5; i++)
        omr_image_free(pages[i]);
}

Test(decode, tiff_cut_anywhere_never_gives_wrong_pixels) {
    omr_image *pages[3];
    const tiff_compression how[3] = {TIFF_LZW, TIFF_G4, TIFF_NONE};
    for (int i = 0; i < 3; i++)
        pages[i] = noise(64, 48, 300, (uint32_t)i + 10);
    for (size_t i = 0; i < 64 * 48; i++) /* page 2 is G4: make it exactly bi-level */
        pages[1]->pixels[i] = pages[1]->pixels[i] < 128 ? 0 : 255;
    const char *path = at("cut.tif");
    write_tiff(path, pages, how, 3);
    long full = file_size(path);
    FILE *f = fopen(path, "rb");
    uint8_t *bytes = malloc((size_t)full);
    cr_assert_eq(fread(bytes, 1, (size_t)full, f), (size_t)full);
    fclose(f);
    quiet_begin();
    for (long cut = 1; cut < full; cut += full / 97 + 1) {
        write_bytes(path, bytes, (size_t)cut);
        decode_source *src = NULL;
        omr_error err = {""};
        int rc = decode_open(path, &src, &err);
        if (rc != OMR_OK) {
            cr_assert_eq(rc, OMR_ERR_FORMAT, "cut at %ld: %d %s", cut, rc, err.message);
            continue;
        }
        for (int i = 0; i < decode_page_count(src); i++) {
            omr_image *img = NULL;
            rc = decode_page(src, i, &img, &err);
            if (rc == OMR_OK)
                assert_same_pixels(img, pages[i], "a page that decodes after a cut");
            else
                cr_assert(rc == OMR_ERR_FORMAT && strstr(err.message, "page "),
                          "cut at %ld, page %d: %d %s", cut, i + 1, rc, err.message);
            omr_image_free(img);
        }
        decode_close(src);
    }
    quiet_end();
    free(bytes);
    for (int i = 0; i < 3; i++)
        omr_image_free(pages[i]);
}

/* A hand-made little-endian TIFF: directories first, pixel data after. */
typedef struct {
    uint16_t tag, type;
    uint32_t count, value;
} tiff_entry;

static size_t put16(uint8_t *b, size_t o, uint16_t v) {
    b[o] = (uint8_t)v, b[o + 1] = (uint8_t)(v >> 8);
    return o + 2;
}

static size_t put32(uint8_t *b, size_t o, uint32_t v) {
    for (int i = 0; i < 4; i++)
        b[o + i] = (uint8_t)(v >> (8 * i));
    return o + 4;
}

/* Writes an uncompressed one-strip directory at `o`; returns its end. */
static size_t put_ifd(uint8_t *b, size_t o, uint32_t width, uint32_t height, uint16_t bits,
                      uint32_t data_offset, uint32_t data_bytes, uint32_t next) {
    const tiff_entry e[] = {
        {256, 4, 1, width},       {257, 4, 1, height}, {258, 3, 1, bits},
        {259, 3, 1, 1},           {262, 3, 1, 1},      {273, 4, 1, data_offset},
        {277, 3, 1, 1},           {278, 4, 1, height}, {279, 4, 1, data_bytes},
    };
    const int n = (int)(sizeof e / sizeof e[0]);
    o = put16(b, o, (uint16_t)n);
    for (int i = 0; i < n; i++) {
        o = put16(b, o, e[i].tag);
        o = put16(b, o, e[i].type);
        o = put32(b, o, e[i].count);
        o = put32(b, o, e[i].value);
    }
    return put32(b, o, next);
}

Test(decode, damaged_page_data_fails_that_page_only) {
    /* Two 16x4 8-bit pages; the file ends in the middle of page 2's pixels. */
    uint8_t b[512] = {'I', 'I', 42, 0};
    put32(b, 4, 8);
    size_t ifd1 = 8 + 2 + 9 * 12 + 4;
    size_t data0 = ifd1 + 2 + 9 * 12 + 4, data1 = data0 + 64;
    put_ifd(b, 8, 16, 4, 8, (uint32_t)data0, 64, (uint32_t)ifd1);
    put_ifd(b, ifd1, 16, 4, 8, (uint32_t)data1, 64, 0);
    for (int i = 0; i < 64; i++)
        b[data0 + i] = (uint8_t)(i * 4), b[data1 + i] = (uint8_t)(255 - i);
    const char *path = at("damaged.tif");
    write_bytes(path, b, data1 + 20);

    quiet_begin();
    decode_source *src = open_ok(path, SCAN_TIFF, 2);
    omr_image *img = NULL;
    omr_error err = {""};
    int rc = decode_page(src, 1, &img, &err);
    cr_assert_eq(rc, OMR_ERR_FORMAT, "rc %d: %s", rc, err.message);
    cr_assert_null(img);
    cr_assert_not_null(strstr(err.message, "page 2 of"), "%s", err.message);
    cr_assert_not_null(strstr(err.message, path), "%s", err.message);
    img = page_ok(src, 0);
    cr_assert_float_eq(img->dpi, 0.0, 1e-9, "no resolution tags: dpi 0");
    for (int i = 0; i < 64; i++)
        cr_assert_eq(img->pixels[(i / 16) * img->stride + i % 16], (uint8_t)(i * 4));
    omr_image_free(img);
    decode_close(src);
    quiet_end();
}

/* The size refusal must come before the allocation: with the address space
 * limited, a decoder that allocates 10 GB first fails with OMR_ERR_MEMORY
 * instead. (AddressSanitizer needs its huge shadow mapping, so there the
 * limit is skipped and only the status and message are checked.) */
#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif

static void limit_address_space(void) {
#ifndef UNDER_ASAN
    long pages = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f && fscanf(f, "%ld", &pages) == 1) {
        rlim_t limit = (rlim_t)pages * (rlim_t)sysconf(_SC_PAGESIZE) + (rlim_t)1536 * 1024 * 1024;
        struct rlimit rl = {limit, limit};
        cr_assert_eq(setrlimit(RLIMIT_AS, &rl), 0);
    }
    if (f)
        fclose(f);
#endif
}

Test(decode, absurd_tiff_size_is_refused_before_allocation) {
    limit_address_space();
    struct {
        uint32_t width, height;
        uint16_t bits;
        const char *shown;
    } cases[] = {
        {100000, 100000, 8, "100000 x 100000"}, /* 10 GB of grey */
        {100000, 100000, 1, "100000 x 100000"}, /* 1-bit, 10 GB once expanded */
        {30000, 10, 8, "30000 x 10"},           /* small, but one side too long */
        {20000, 20001, 1, "20000 x 20001"},     /* just over 400 megapixels */
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        uint8_t b[256] = {'I', 'I', 42, 0};
        put32(b, 4, 8);
        put_ifd(b, 8, cases[c].width, cases[c].height, cases[c].bits, 200, 16, 0);
        const char *path = at("huge.tif");
        write_bytes(path, b, 216);
        decode_source *src = open_ok(path, SCAN_TIFF, 1);
        omr_image *img = NULL;
        omr_error err = {""};
        int rc = decode_page(src, 0, &img, &err);
        cr_assert_eq(rc, OMR_ERR_INVALID, "%s: rc %d: %s", cases[c].shown, rc, err.message);
        cr_assert_null(img);
        cr_assert_not_null(strstr(err.message, cases[c].shown), "%s", err.message);
        cr_assert_not_null(strstr(err.message, "page 1 of"), "%s", err.message);
        decode_close(src);
    }
}

Test(decode, truncated_png_and_jpeg_are_errors_not_grey_pages) {
    omr_image *img = noise(256, 256, 300, 7);
    omr_error err = {""};
    cr_assert_eq(encode_png(img, at("cut.png"), &err), OMR_OK, "%s", err.message);
    cr_assert_eq(encode_jpeg(img, at("cut.jpg"), 90, &err), OMR_OK, "%s", err.message);
    omr_image_free(img);
    truncate_to(at("cut.png"), file_size(at("cut.png")) / 2);
    truncate_to(at("cut.jpg"), file_size(at("cut.jpg")) / 2);
    const char *names[] = {"cut.png", "cut.jpg"};
    quiet_begin();
    for (int i = 0; i < 2; i++) {
        decode_source *src = open_ok(at(names[i]), i ? SCAN_JPEG : SCAN_PNG, 1);
        omr_image *page = NULL;
        int rc = decode_page(src, 0, &page, &err);
        cr_assert_eq(rc, OMR_ERR_FORMAT, "%s: rc %d: %s", names[i], rc, err.message);
        cr_assert_null(page);
        cr_assert_not_null(strstr(err.message, names[i]), "%s", err.message);
        decode_close(src);
    }
    quiet_end();
}

/* ---- TIFF flavours written with libtiff directly --------------------------- */

typedef struct {
    uint16_t bits, photometric, orientation, fill_order;
    uint32_t tile; /* 0: strips */
} tiff_flavour;

/* Writes one 8-bit-per-sample or 1-/4-/16-bit grey page from raw rows. */
static void write_raw_tiff(const char *path, int width, int height, const tiff_flavour *fl,
                           const uint8_t *data, size_t row_bytes, const uint16_t *colormap[3]) {
    TIFF *tif = TIFFOpen(path, "w");
    cr_assert_not_null(tif);
    TIFFSetField(tif, TIFFTAG_IMAGEWIDTH, (uint32_t)width);
    TIFFSetField(tif, TIFFTAG_IMAGELENGTH, (uint32_t)height);
    TIFFSetField(tif, TIFFTAG_BITSPERSAMPLE, fl->bits);
    TIFFSetField(tif, TIFFTAG_SAMPLESPERPIXEL, 1);
    TIFFSetField(tif, TIFFTAG_PHOTOMETRIC, fl->photometric);
    TIFFSetField(tif, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
    TIFFSetField(tif, TIFFTAG_COMPRESSION, COMPRESSION_NONE);
    if (fl->orientation)
        TIFFSetField(tif, TIFFTAG_ORIENTATION, fl->orientation);
    if (fl->fill_order)
        TIFFSetField(tif, TIFFTAG_FILLORDER, fl->fill_order);
    if (colormap)
        TIFFSetField(tif, TIFFTAG_COLORMAP, colormap[0], colormap[1], colormap[2]);
    if (fl->tile) {
        TIFFSetField(tif, TIFFTAG_TILEWIDTH, fl->tile);
        TIFFSetField(tif, TIFFTAG_TILELENGTH, fl->tile);
        size_t tsize = (size_t)TIFFTileSize(tif);
        uint8_t *tbuf = malloc(tsize);
        for (uint32_t ty = 0; ty < (uint32_t)height; ty += fl->tile)
            for (uint32_t tx = 0; tx < (uint32_t)width; tx += fl->tile) {
                memset(tbuf, 0, tsize);
                for (uint32_t y = 0; y < fl->tile && ty + y < (uint32_t)height; y++)
                    for (uint32_t x = 0; x < fl->tile && tx + x < (uint32_t)width; x++)
                        tbuf[y * fl->tile + x] = data[(ty + y) * row_bytes + tx + x];
                cr_assert_geq(TIFFWriteTile(tif, tbuf, tx, ty, 0, 0), 0);
            }
        free(tbuf);
    } else {
        TIFFSetField(tif, TIFFTAG_ROWSPERSTRIP, 5);
        uint8_t *row = malloc(row_bytes);
        for (int y = 0; y < height; y++) {
            memcpy(row, data + (size_t)y * row_bytes, row_bytes);
            cr_assert_eq(TIFFWriteScanline(tif, row, (uint32_t)y, 0), 1);
        }
        free(row);
    }
    TIFFClose(tif);
}

Test(decode, tiff_flavours_become_the_right_grey) {
    const int w = 19, h = 13;
    uint8_t data[13 * 38];
    const char *path = at("flavour.tif");

    /* 8-bit MINISWHITE: stored 0 is white. */
    for (int i = 0; i < w * h; i++)
        data[i] = (uint8_t)(i * 3);
    tiff_flavour fl = {8, PHOTOMETRIC_MINISWHITE, 0, 0, 0};
    write_raw_tiff(path, w, h, &fl, data, (size_t)w, NULL);
    omr_image *img = read_single(path, SCAN_TIFF);
    for (int i = 0; i < w * h; i++)
        cr_assert_eq(omr_image_at(img, i % w, i / w), 255 - (uint8_t)(i * 3), "MINISWHITE %d", i);
    omr_image_free(img);

    /* 8-bit grey in 16x16 tiles (the RGBA reader's path, through the mmap workaround). */
    fl = (tiff_flavour){8, PHOTOMETRIC_MINISBLACK, 0, 0, 16};
    write_raw_tiff(path, w, h, &fl, data, (size_t)w, NULL);
    img = read_single(path, SCAN_TIFF);
    for (int i = 0; i < w * h; i++)
        cr_assert_eq(omr_image_at(img, i % w, i / w), (uint8_t)(i * 3), "tiled %d", i);
    omr_image_free(img);

    /* Stored bottom-up (ORIENTATION_BOTLEFT): decoded top-down. */
    fl = (tiff_flavour){8, PHOTOMETRIC_MINISBLACK, ORIENTATION_BOTLEFT, 0, 0};
    write_raw_tiff(path, w, h, &fl, data, (size_t)w, NULL);
    img = read_single(path, SCAN_TIFF);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            cr_assert_eq(omr_image_at(img, x, y), data[(h - 1 - y) * w + x], "BOTLEFT (%d,%d)", x, y);
    omr_image_free(img);

    /* 1-bit MINISBLACK with the bits stored least significant first. */
    size_t rb = ((size_t)w + 7) / 8;
    uint8_t bits[13 * 3];
    for (size_t i = 0; i < rb * h; i++)
        bits[i] = (uint8_t)(0x5a + i * 17);
    fl = (tiff_flavour){1, PHOTOMETRIC_MINISBLACK, 0, FILLORDER_LSB2MSB, 0};
    write_raw_tiff(path, w, h, &fl, bits, rb, NULL);
    img = read_single(path, SCAN_TIFF);
    /* libtiff reverses the bit order on reading when FillOrder is LSB2MSB;
     * what was handed to TIFFWriteScanline is what comes back. */
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            int bit = (bits[y * rb + x / 8] >> (7 - x % 8)) & 1;
            cr_assert_eq(omr_image_at(img, x, y), bit ? 255 : 0, "1-bit MINISBLACK (%d,%d)", x, y);
        }
    omr_image_free(img);

    /* 4-bit grey: 0..15 scales to 0..255. */
    rb = ((size_t)w + 1) / 2;
    uint8_t nibbles[13 * 10];
    for (size_t i = 0; i < rb * h; i++)
        nibbles[i] = (uint8_t)(i * 29);
    fl = (tiff_flavour){4, PHOTOMETRIC_MINISBLACK, 0, 0, 0};
    write_raw_tiff(path, w, h, &fl, nibbles, rb, NULL);
    img = read_single(path, SCAN_TIFF);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            int v = (nibbles[y * rb + x / 2] >> (x % 2 ? 0 : 4)) & 15;
            cr_assert_eq(omr_image_at(img, x, y), v * 17, "4-bit (%d,%d)", x, y);
        }
    omr_image_free(img);

    /* 16-bit grey. */
    uint16_t words[13 * 19];
    for (int i = 0; i < w * h; i++)
        words[i] = (uint16_t)((i * 5 % 256) * 257);
    fl = (tiff_flavour){16, PHOTOMETRIC_MINISBLACK, 0, 0, 0};
    write_raw_tiff(path, w, h, &fl, (const uint8_t *)words, (size_t)w * 2, NULL);
    img = read_single(path, SCAN_TIFF);
    for (int i = 0; i < w * h; i++)
        cr_assert_eq(omr_image_at(img, i % w, i / w), i * 5 % 256, "16-bit %d", i);
    omr_image_free(img);

    /* Palette: index i is a colour; grey as decoder.h makes it. */
    static uint16_t red[256], green[256], blue[256];
    red[1] = 65535, green[2] = 65535, blue[3] = 65535;
    red[4] = green[4] = blue[4] = 65535;
    const uint16_t *map[3] = {red, green, blue};
    const int expect[5] = {0, colour_grey(255, 0, 0), colour_grey(0, 255, 0), colour_grey(0, 0, 255), 255};
    for (int i = 0; i < w * h; i++)
        data[i] = (uint8_t)(i % 5);
    fl = (tiff_flavour){8, PHOTOMETRIC_PALETTE, 0, 0, 0};
    write_raw_tiff(path, w, h, &fl, data, (size_t)w, map);
    img = read_single(path, SCAN_TIFF);
    for (int i = 0; i < w * h; i++)
        cr_assert_leq(abs(omr_image_at(img, i % w, i / w) - expect[i % 5]), 1, "palette %d: %d", i,
                      omr_image_at(img, i % w, i / w));
    omr_image_free(img);
}

static void write_resolution_tiff(const char *path, float xres, float yres, uint16_t unit) {
    TIFF *tif = TIFFOpen(path, "w");
    cr_assert_not_null(tif);
    TIFFSetField(tif, TIFFTAG_IMAGEWIDTH, 40u);
    TIFFSetField(tif, TIFFTAG_IMAGELENGTH, 20u);
    TIFFSetField(tif, TIFFTAG_BITSPERSAMPLE, 8);
    TIFFSetField(tif, TIFFTAG_SAMPLESPERPIXEL, 1);
    TIFFSetField(tif, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_MINISBLACK);
    TIFFSetField(tif, TIFFTAG_XRESOLUTION, xres);
    TIFFSetField(tif, TIFFTAG_YRESOLUTION, yres);
    TIFFSetField(tif, TIFFTAG_RESOLUTIONUNIT, unit);
    uint8_t row[40];
    for (int y = 0; y < 20; y++) {
        memset(row, y < 10 ? 0 : 255, sizeof row); /* black top half, white bottom half */
        TIFFWriteScanline(tif, row, (uint32_t)y, 0);
    }
    TIFFClose(tif);
}

Test(decode, tiff_resolution_units_and_non_square_pixels) {
    write_resolution_tiff(at("cm.tif"), 118.11f, 118.11f, RESUNIT_CENTIMETER);
    omr_image *img = read_single(at("cm.tif"), SCAN_TIFF);
    cr_assert_float_eq(img->dpi, 300.0, 1e-9, "118.11 per cm is 300 dpi, got %g", img->dpi);
    omr_image_free(img);

    write_resolution_tiff(at("none.tif"), 72, 72, RESUNIT_NONE);
    img = read_single(at("none.tif"), SCAN_TIFF);
    cr_assert_float_eq(img->dpi, 0.0, 1e-9, "no absolute unit: dpi 0, got %g", img->dpi);
    omr_image_free(img);

    /* Fax-style 200 x 100 dpi: rows are doubled so pixels are square. */
    write_resolution_tiff(at("fax.tif"), 200, 100, RESUNIT_INCH);
    img = read_single(at("fax.tif"), SCAN_TIFF);
    cr_assert_float_eq(img->dpi, 200.0, 1e-9);
    cr_assert_eq(img->width, 40);
    cr_assert_eq(img->height, 40, "height %d", img->height);
    cr_assert_eq(omr_image_at(img, 20, 5), 0);
    cr_assert_eq(omr_image_at(img, 20, 35), 255);
    omr_image_free(img);
}

/* ---- PNG flavours written with libpng directly ------------------------------ */

static void write_raw_png(const char *path, int width, int height, int color_type, int depth,
                          int interlace, const uint8_t *data, size_t row_bytes,
                          const png_color *palette, int palette_size, png_uint_32 ppm_x,
                          png_uint_32 ppm_y) {
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f);
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png_create_info_struct(png);
    cr_assert(png && info);
    cr_assert_eq(setjmp(png_jmpbuf(png)), 0, "libpng failed writing the fixture");
    png_init_io(png, f);
    png_set_IHDR(png, info, (png_uint_32)width, (png_uint_32)height, depth, color_type, interlace,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    if (palette)
        png_set_PLTE(png, info, palette, palette_size);
    png_set_pHYs(png, info, ppm_x, ppm_y, PNG_RESOLUTION_METER);
    png_write_info(png, info);
    if (depth == 16)
        png_set_swap(png); /* fixture rows are native little-endian words */
    png_bytep rows[64];
    for (int y = 0; y < height; y++)
        rows[y] = (png_bytep)(data + (size_t)y * row_bytes);
    png_write_image(png, rows);
    png_write_end(png, info);
    png_destroy_write_struct(&png, &info);
    fclose(f);
}

Test(decode, png_colour_types_and_depths_become_the_right_grey) {
    const int w = 10, h = 6;
    const char *path = at("types.png");
    uint8_t data[6 * 10 * 8];
    struct {
        const char *what;
        int color_type, depth, interlace;
    } kinds[] = {
        {"grey 8-bit interlaced", PNG_COLOR_TYPE_GRAY, 8, PNG_INTERLACE_ADAM7},
        {"grey 16-bit", PNG_COLOR_TYPE_GRAY, 16, PNG_INTERLACE_NONE},
        {"grey 1-bit", PNG_COLOR_TYPE_GRAY, 1, PNG_INTERLACE_NONE},
        {"grey+alpha", PNG_COLOR_TYPE_GRAY_ALPHA, 8, PNG_INTERLACE_NONE},
        {"RGB", PNG_COLOR_TYPE_RGB, 8, PNG_INTERLACE_NONE},
        {"palette", PNG_COLOR_TYPE_PALETTE, 8, PNG_INTERLACE_NONE},
        {"RGBA", PNG_COLOR_TYPE_RGBA, 8, PNG_INTERLACE_NONE},
        {"RGB interlaced", PNG_COLOR_TYPE_RGB, 8, PNG_INTERLACE_ADAM7},
    };
    const png_color palette[3] = {{255, 0, 0}, {0, 0, 255}, {255, 255, 255}};
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        int expect[6 * 10];
        size_t rb = 0;
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) {
                int i = y * w + x, v = (i * 37) % 256;
                switch (k) {
                case 0: rb = w; data[i] = (uint8_t)v; expect[i] = v; break;
                case 1: {
                    rb = w * 2;
                    uint16_t word = (uint16_t)(v * 257);
                    memcpy(data + i * 2, &word, 2);
                    expect[i] = v;
                    break;
                }
                case 2:
                    rb = (w + 7) / 8;
                    if (x == 0)
                        memset(data + y * rb, 0, rb);
                    if (i % 3 == 0)
                        data[y * rb + x / 8] |= (uint8_t)(0x80 >> (x % 8));
                    expect[i] = i % 3 == 0 ? 255 : 0;
                    break;
                case 3:
                    rb = w * 2;
                    data[i * 2] = 0, data[i * 2 + 1] = (uint8_t)(i % 2 ? 255 : 0);
                    expect[i] = i % 2 ? 0 : 255; /* black ink, or transparent = paper */
                    break;
                case 4:
                case 7:
                    rb = w * 3;
                    data[i * 3] = (uint8_t)v, data[i * 3 + 1] = (uint8_t)(255 - v), data[i * 3 + 2] = 9;
                    expect[i] = colour_grey(v, 255 - v, 9);
                    break;
                case 5:
                    rb = w;
                    data[i] = (uint8_t)(i % 3);
                    expect[i] = (const int[]){colour_grey(255, 0, 0), colour_grey(0, 0, 255), 255}[i % 3];
                    break;
                default: {
                    /* red; transparent black (paper); black; half-transparent black */
                    const uint8_t px[4][4] = {{255, 0, 0, 255}, {0, 0, 0, 0}, {0, 0, 0, 255}, {0, 0, 0, 128}};
                    rb = w * 4;
                    memcpy(data + i * 4, px[i % 4], 4);
                    expect[i] = (const int[]){colour_grey(255, 0, 0), 255, 0, 127}[i % 4];
                    break;
                }
                }
            }
        write_raw_png(path, w, h, kinds[k].color_type, kinds[k].depth, kinds[k].interlace, data, rb,
                      kinds[k].color_type == PNG_COLOR_TYPE_PALETTE ? palette : NULL, 3, 11811, 11811);
        omr_image *img = read_single(path, SCAN_PNG);
        cr_assert_eq(img->width, w, "%s", kinds[k].what);
        cr_assert_eq(img->height, h, "%s", kinds[k].what);
        cr_assert_float_eq(img->dpi, 300.0, 1e-9, "%s: 11811 px/m is 300 dpi, got %g", kinds[k].what,
                           img->dpi);
        for (int i = 0; i < w * h; i++)
            cr_assert_leq(abs(omr_image_at(img, i % w, i / w) - expect[i]), 1,
                          "%s pixel %d: %d, expected %d", kinds[k].what, i,
                          omr_image_at(img, i % w, i / w), expect[i]);
        omr_image_free(img);
    }
}

Test(decode, png_non_square_pixels_are_made_square) {
    /* 100 x 200 dpi: each column becomes two. Left half black, right white. */
    uint8_t data[4 * 8];
    for (int i = 0; i < 32; i++)
        data[i] = i % 8 < 4 ? 0 : 255;
    write_raw_png(at("wide.png"), 8, 4, PNG_COLOR_TYPE_GRAY, 8, PNG_INTERLACE_NONE, data, 8, NULL, 0,
                  3937, 7874);
    omr_image *img = read_single(at("wide.png"), SCAN_PNG);
    cr_assert_float_eq(img->dpi, 200.0, 1e-9, "dpi %g", img->dpi);
    cr_assert_eq(img->width, 16);
    cr_assert_eq(img->height, 4);
    for (int y = 0; y < 4; y++) {
        for (int x = 0; x < 7; x++)
            cr_assert_eq(omr_image_at(img, x, y), 0, "(%d,%d) %d", x, y, omr_image_at(img, x, y));
        for (int x = 9; x < 16; x++)
            cr_assert_eq(omr_image_at(img, x, y), 255, "(%d,%d) %d", x, y, omr_image_at(img, x, y));
    }
    omr_image_free(img);
}

/* ---- PDF ----------------------------------------------------------------- */

#define A4_WIDTH_PT 595.276
#define A4_HEIGHT_PT 841.89

static double mean_grey(const omr_image *img, int x0, int y0, int x1, int y1) {
    double sum = 0;
    for (int y = y0; y < y1; y++)
        for (int x = x0; x < x1; x++)
            sum += omr_image_at(img, x, y);
    return sum / ((double)(x1 - x0) * (y1 - y0));
}

Test(decode, pdf_renders_a4_at_300_dpi) {
    const char *path = at("form.pdf");
    cairo_surface_t *surface = cairo_pdf_surface_create(path, A4_WIDTH_PT, A4_HEIGHT_PT);
    cairo_t *cr = cairo_create(surface);
    cairo_set_source_rgb(cr, 0, 0, 0);
    cairo_rectangle(cr, 100, 200, 150, 80); /* page 1: a bar near the top left */
    cairo_fill(cr);
    cairo_show_page(cr);
    cairo_rectangle(cr, 300, 600, 100, 100); /* page 2: a square lower right */
    cairo_fill(cr);
    cairo_show_page(cr);
    cairo_destroy(cr);
    cairo_surface_finish(surface);
    cr_assert_eq(cairo_surface_status(surface), CAIRO_STATUS_SUCCESS);
    cairo_surface_destroy(surface);

    quiet_begin();
    decode_source *src = open_ok(path, SCAN_PDF, 2);
    omr_image *p1 = page_ok(src, 0), *p2 = page_ok(src, 1);
    decode_close(src);
    quiet_end();
    for (int i = 0; i < 2; i++) {
        omr_image *p = i ? p2 : p1;
        cr_assert_float_eq(p->dpi, 300.0, 1e-9);
        cr_assert(abs(p->width - 2480) <= 1 && abs(p->height - 3508) <= 1, "A4 at 300 dpi is %dx%d",
                  p->width, p->height);
    }
    double s = 300.0 / 72;
    /* Inside each rectangle (a margin in from its edges) it is black... */
    cr_assert_lt(mean_grey(p1, (int)(105 * s), (int)(205 * s), (int)(245 * s), (int)(275 * s)), 10);
    cr_assert_lt(mean_grey(p2, (int)(305 * s), (int)(605 * s), (int)(395 * s), (int)(695 * s)), 10);
    /* ...and paper where the other page has its rectangle, or nothing. */
    cr_assert_gt(mean_grey(p1, (int)(305 * s), (int)(605 * s), (int)(395 * s), (int)(695 * s)), 245);
    cr_assert_gt(mean_grey(p2, (int)(105 * s), (int)(205 * s), (int)(245 * s), (int)(275 * s)), 245);
    cr_assert_gt(mean_grey(p1, 0, 0, 300, 300), 245);
    omr_image_free(p1);
    omr_image_free(p2);

    /* A byte-order mark and a line of junk before %PDF- still read as PDF. */
    FILE *f = fopen(path, "rb");
    static char bytes[1 << 16];
    size_t n = fread(bytes, 1, sizeof bytes, f);
    fclose(f);
    cr_assert(n > 0 && n < sizeof bytes);
    const char junk[] = "\xef\xbb\xbfX-Mailer: scan-to-mail\r\n";
    FILE *g = fopen(at("junk.pdf"), "wb");
    fwrite(junk, 1, sizeof junk - 1, g);
    fwrite(bytes, 1, n, g);
    fclose(g);
    quiet_begin();
    src = open_ok(at("junk.pdf"), SCAN_PDF, 2);
    p2 = page_ok(src, 1);
    decode_close(src);
    quiet_end();
    cr_assert_lt(mean_grey(p2, (int)(305 * s), (int)(605 * s), (int)(395 * s), (int)(695 * s)), 10);
    omr_image_free(p2);
}

/* Writes a one-page PDF whose objects are given, computing the xref. */
static void write_pdf(const char *path, const char *const *objects, int n, const char *trailer_extra) {
    char buf[4096];
    long offsets[16];
    int len = snprintf(buf, sizeof buf, "%%PDF-1.4\n");
    for (int i = 0; i < n; i++) {
        offsets[i] = len;
        len += snprintf(buf + len, sizeof buf - (size_t)len, "%d 0 obj\n%s\nendobj\n", i + 1, objects[i]);
    }
    long xref = len;
    len += snprintf(buf + len, sizeof buf - (size_t)len, "xref\n0 %d\n0000000000 65535 f \n", n + 1);
    for (int i = 0; i < n; i++)
        len += snprintf(buf + len, sizeof buf - (size_t)len, "%010ld 00000 n \n", offsets[i]);
    len += snprintf(buf + len, sizeof buf - (size_t)len,
                    "trailer\n<< /Size %d /Root 1 0 R %s >>\nstartxref\n%ld\n%%%%EOF\n", n + 1,
                    trailer_extra, xref);
    write_bytes(path, buf, (size_t)len);
}

Test(decode, password_protected_and_broken_pdfs_are_refused) {
    const char *objects[] = {
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
        "<< /Filter /Standard /V 1 /R 2 /P -4 "
        "/O <1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f809> "
        "/U <9f8e7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a39281706f5e4d3c2b1a0> >>",
    };
    const char *path = at("locked.pdf");
    write_pdf(path, objects, 4,
              "/Encrypt 4 0 R /ID [<00112233445566778899aabbccddeeff> <00112233445566778899aabbccddeeff>]");
    decode_source *src = NULL;
    omr_error err = {""};
    quiet_begin();
    int rc = decode_open(path, &src, &err);
    quiet_end();
    cr_assert_eq(rc, OMR_ERR_FORMAT, "rc %d: %s", rc, err.message);
    cr_assert_null(src);
    cr_assert_not_null(strstr(err.message, path), "%s", err.message);
    cr_assert_not_null(strstr(err.message, "password"), "%s", err.message);

    /* The same document unencrypted opens: the test is about the password. */
    write_pdf(at("open.pdf"), objects, 3, "");
    src = open_ok(at("open.pdf"), SCAN_PDF, 1);
    decode_close(src);

    const char *broken = at("broken.pdf");
    write_bytes(broken, "%PDF-1.4\n1 0 obj\n<< /Type /Cat", 30);
    quiet_begin();
    rc = decode_open(broken, &src, &err);
    quiet_end();
    cr_assert_eq(rc, OMR_ERR_FORMAT, "rc %d: %s", rc, err.message);
    cr_assert_not_null(strstr(err.message, broken), "%s", err.message);
}

/* ---- the page budget (issue 12) -------------------------------------------- */

/* A one-page TIFF that claims `width` x `height` but holds only a few bytes
 * of (raw, unchecked) image data: what a 25 kB G4 bomb looks like. */
static void write_claiming_tiff(const char *path, uint32_t width, uint32_t height, uint16_t bits,
                                uint16_t compression, uint16_t orientation, float xres, float yres) {
    TIFF *tif = TIFFOpen(path, "w");
    cr_assert_not_null(tif);
    TIFFSetField(tif, TIFFTAG_IMAGEWIDTH, width);
    TIFFSetField(tif, TIFFTAG_IMAGELENGTH, height);
    TIFFSetField(tif, TIFFTAG_BITSPERSAMPLE, bits);
    TIFFSetField(tif, TIFFTAG_SAMPLESPERPIXEL, 1);
    TIFFSetField(tif, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_MINISWHITE);
    TIFFSetField(tif, TIFFTAG_COMPRESSION, compression);
    TIFFSetField(tif, TIFFTAG_ROWSPERSTRIP, height);
    TIFFSetField(tif, TIFFTAG_ORIENTATION, orientation);
    TIFFSetField(tif, TIFFTAG_XRESOLUTION, xres);
    TIFFSetField(tif, TIFFTAG_YRESOLUTION, yres);
    TIFFSetField(tif, TIFFTAG_RESOLUTIONUNIT, RESUNIT_INCH);
    uint8_t junk[64];
    memset(junk, 0, sizeof junk);
    cr_assert_geq(TIFFWriteRawStrip(tif, 0, junk, sizeof junk), 0);
    TIFFClose(tif);
}

static int decode_first(const char *path, scan_format format, omr_image **img, omr_error *err) {
    decode_source *src = open_ok(path, format, 1);
    *img = NULL;
    int rc = decode_page(src, 0, img, err);
    decode_close(src);
    return rc;
}

Test(decode, g4_bomb_with_orientation_3_is_refused_before_allocation_in_mm) {
    limit_address_space(); /* today's whole-page RGBA raster (1.6 GB) cannot even be tried */
    const char *path = at("bomb.tif");
    write_claiming_tiff(path, 20000, 20000, 1, COMPRESSION_CCITTFAX4, ORIENTATION_BOTRIGHT, 300, 300);
    omr_image *img;
    omr_error err = {""};
    int rc = decode_first(path, SCAN_TIFF, &img, &err);
    cr_assert_eq(rc, OMR_ERR_INVALID, "rc %d: %s", rc, err.message);
    cr_assert_null(img);
    cr_assert_not_null(strstr(err.message, "page 1 of"), "%s", err.message);
    cr_assert_not_null(strstr(err.message, "20000 x 20000 pixels (1693 x 1693 mm at 300 dpi)"),
                       "%s", err.message);
    cr_assert_not_null(strstr(err.message, "larger than any questionnaire page"), "%s", err.message);
}

Test(decode, page_budget_is_a3_at_600_dpi) {
    /* Just over the budget (80 megapixels, 12000 a side) is refused; an A3
     * page at 600 dpi is not refused for its size. Both claim tiny data, so
     * the one that passes the budget fails on its data instead. */
    const char *path = at("claim.tif");
    omr_image *img;
    omr_error err = {""};
    write_claiming_tiff(path, 12001, 100, 8, COMPRESSION_NONE, ORIENTATION_TOPLEFT, 300, 300);
    cr_assert_eq(decode_first(path, SCAN_TIFF, &img, &err), OMR_ERR_INVALID, "%s", err.message);
    write_claiming_tiff(path, 9000, 9000, 8, COMPRESSION_NONE, ORIENTATION_TOPLEFT, 600, 600);
    cr_assert_eq(decode_first(path, SCAN_TIFF, &img, &err), OMR_ERR_INVALID, "%s", err.message);
    cr_assert_not_null(strstr(err.message, "81 megapixels") ? err.message : strstr(err.message, "9000 x 9000"),
                       "%s", err.message);
    write_claiming_tiff(path, 7016, 9921, 8, COMPRESSION_NONE, ORIENTATION_TOPLEFT, 600, 600);
    int rc = decode_first(path, SCAN_TIFF, &img, &err);
    cr_assert_eq(rc, OMR_ERR_FORMAT, "A3 at 600 dpi should pass the budget: rc %d: %s", rc, err.message);
    cr_assert_null(strstr(err.message, "larger than"), "%s", err.message);
}

Test(decode, absurd_resolution_tags_are_refused_with_their_reason_not_stretched) {
    /* 48 x 2000 pixels at 0.678 x 196 dpi: squaring them would make the
     * page 13876 x 2000 (before: 55 s and 530 MB for the repro file). */
    const int w = 48, h = 2000;
    uint8_t *data = calloc((size_t)w * h, 1);
    const char *path = at("aniso.tif");
    tiff_flavour fl = {8, PHOTOMETRIC_MINISBLACK, 0, 0, 0};
    write_raw_tiff(path, w, h, &fl, data, (size_t)w, NULL);
    TIFF *tif = TIFFOpen(path, "r+");
    cr_assert_not_null(tif);
    TIFFSetField(tif, TIFFTAG_XRESOLUTION, 0.678f);
    TIFFSetField(tif, TIFFTAG_YRESOLUTION, 196.0f);
    TIFFSetField(tif, TIFFTAG_RESOLUTIONUNIT, RESUNIT_INCH);
    TIFFRewriteDirectory(tif);
    TIFFClose(tif);
    omr_image *img;
    omr_error err = {""};
    int rc = decode_first(path, SCAN_TIFF, &img, &err);
    cr_assert_eq(rc, OMR_ERR_INVALID, "rc %d: %s", rc, err.message);
    cr_assert_null(img);
    cr_assert_not_null(strstr(err.message, "resolution tags make no sense"), "%s", err.message);
    cr_assert_not_null(strstr(err.message, "0.678 x 196 dpi"), "%s", err.message);

    /* Fax "normal" (204 x 98) is still made square. */
    tif = TIFFOpen(path, "r+");
    TIFFSetField(tif, TIFFTAG_XRESOLUTION, 204.0f);
    TIFFSetField(tif, TIFFTAG_YRESOLUTION, 98.0f);
    TIFFRewriteDirectory(tif);
    TIFFClose(tif);
    decode_source *src = open_ok(path, SCAN_TIFF, 1);
    img = page_ok(src, 0);
    cr_assert_eq(img->width, w);
    cr_assert_eq(img->height, (int)lround(h * 204.0 / 98.0));
    cr_assert_float_eq(img->dpi, 204, 0.01);
    omr_image_free(img);
    decode_close(src);
    free(data);
}

Test(decode, huge_pdf_page_is_refused_by_its_size_in_points_before_rendering) {
    limit_address_space();
    const char *objects[] = {
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 4799 4799] >>",
    };
    const char *path = at("huge.pdf");
    write_pdf(path, objects, 3, "");
    omr_image *img;
    omr_error err = {""};
    int rc = decode_first(path, SCAN_PDF, &img, &err);
    cr_assert_eq(rc, OMR_ERR_INVALID, "rc %d: %s", rc, err.message);
    cr_assert_not_null(strstr(err.message, "page 1 of"), "%s", err.message);
    cr_assert_not_null(strstr(err.message, "4799 x 4799 pt (1693 x 1693 mm)"), "%s", err.message);
}

/* A progressive colour JPEG (4:4:4): libjpeg keeps all its coefficients,
 * 6 bytes a pixel. */
static void write_progressive_jpeg(const char *path, int width, int height, int colour) {
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f);
    struct jpeg_compress_struct c;
    struct jpeg_error_mgr e;
    c.err = jpeg_std_error(&e);
    jpeg_create_compress(&c);
    jpeg_stdio_dest(&c, f);
    c.image_width = (JDIMENSION)width;
    c.image_height = (JDIMENSION)height;
    c.input_components = colour ? 3 : 1;
    c.in_color_space = colour ? JCS_RGB : JCS_GRAYSCALE;
    jpeg_set_defaults(&c);
    if (colour)
        for (int i = 0; i < 3; i++)
            c.comp_info[i].h_samp_factor = c.comp_info[i].v_samp_factor = 1;
    jpeg_simple_progression(&c);
    jpeg_start_compress(&c, TRUE);
    uint8_t *row = malloc((size_t)width * 3);
    for (int y = 0; y < height; y++) {
        for (int x = 0; x < width * c.input_components; x++)
            row[x] = (uint8_t)(200 + (x + y) % 16);
        JSAMPROW r = row;
        jpeg_write_scanlines(&c, &r, 1);
    }
    free(row);
    jpeg_finish_compress(&c);
    jpeg_destroy_compress(&c);
    fclose(f);
}

Test(decode, progressive_jpeg_memory_stays_within_the_page_budget, .timeout = 60) {
    /* 8000 x 7500 is within the pixel budget, but libjpeg would hold 360 MB
     * of coefficients for it (before: decoded, ~420 MB). */
    const char *path = at("prog.jpg");
    write_progressive_jpeg(path, 8000, 7500, 1);
    omr_image *img;
    omr_error err = {""};
    int rc = decode_first(path, SCAN_JPEG, &img, &err);
    cr_assert_eq(rc, OMR_ERR_INVALID, "rc %d: %s", rc, err.message);
    cr_assert_null(img);
    cr_assert_not_null(strstr(err.message, "8000 x 7500 progressive JPEG"), "%s", err.message);
    cr_assert_not_null(strstr(err.message, "256 MB"), "%s", err.message);
    /* An ordinary progressive page still decodes. */
    write_progressive_jpeg(path, 400, 300, 1);
    decode_source *src = open_ok(path, SCAN_JPEG, 1);
    img = page_ok(src, 0);
    cr_assert_eq(img->width, 400);
    cr_assert_eq(img->height, 300);
    omr_image_free(img);
    decode_close(src);
}

Test(decode, every_tiff_orientation_is_flipped_like_libtiff_did) {
    /* 8-bit grey (strip reader) and RGB (libtiff's RGBA reader, several
     * bands) pages in all eight orientations: stored rows come out flipped
     * as libtiff's RGBA reader flips them for top-left (no transposition). */
    const int w = 7, h = 23;
    uint8_t grey[7 * 23];
    for (int i = 0; i < w * h; i++)
        grey[i] = (uint8_t)(i + 10);
    const char *path = at("orient.tif");
    for (uint16_t o = 1; o <= 8; o++) {
        int fx = o == 2 || o == 3 || o == 6 || o == 7, fy = o == 3 || o == 4 || o == 7 || o == 8;
        for (int rgb = 0; rgb < 2; rgb++) {
            TIFF *tif = TIFFOpen(path, "w");
            TIFFSetField(tif, TIFFTAG_IMAGEWIDTH, (uint32_t)w);
            TIFFSetField(tif, TIFFTAG_IMAGELENGTH, (uint32_t)h);
            TIFFSetField(tif, TIFFTAG_BITSPERSAMPLE, 8);
            TIFFSetField(tif, TIFFTAG_SAMPLESPERPIXEL, rgb ? 3 : 1);
            TIFFSetField(tif, TIFFTAG_PHOTOMETRIC, rgb ? PHOTOMETRIC_RGB : PHOTOMETRIC_MINISBLACK);
            TIFFSetField(tif, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
            TIFFSetField(tif, TIFFTAG_ORIENTATION, o);
            TIFFSetField(tif, TIFFTAG_ROWSPERSTRIP, 4);
            uint8_t row[7 * 3];
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++)
                    for (int s = 0; s < (rgb ? 3 : 1); s++)
                        row[x * (rgb ? 3 : 1) + s] = grey[y * w + x];
                cr_assert_eq(TIFFWriteScanline(tif, row, (uint32_t)y, 0), 1);
            }
            TIFFClose(tif);
            decode_source *src = open_ok(path, SCAN_TIFF, 1);
            omr_image *img = page_ok(src, 0);
            cr_assert_eq(img->width, w);
            cr_assert_eq(img->height, h);
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++) {
                    int sx = fx ? w - 1 - x : x, sy = fy ? h - 1 - y : y;
                    cr_assert_eq(img->pixels[y * img->stride + x], grey[sy * w + sx],
                                 "orientation %d %s at %d,%d", o, rgb ? "RGB" : "grey", x, y);
                }
            omr_image_free(img);
            decode_close(src);
        }
    }
}

/* Writes a TIFF of `pages` tiny pages, page p all grey level p % 251. */
static void write_long_tiff(const char *path, int pages) {
    TIFF *tif = TIFFOpen(path, "w");
    cr_assert_not_null(tif);
    uint8_t row[8];
    for (int p = 0; p < pages; p++) {
        TIFFSetField(tif, TIFFTAG_IMAGEWIDTH, 8u);
        TIFFSetField(tif, TIFFTAG_IMAGELENGTH, 2u);
        TIFFSetField(tif, TIFFTAG_BITSPERSAMPLE, 8);
        TIFFSetField(tif, TIFFTAG_SAMPLESPERPIXEL, 1);
        TIFFSetField(tif, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_MINISBLACK);
        TIFFSetField(tif, TIFFTAG_ROWSPERSTRIP, 2u);
        memset(row, p % 251, sizeof row);
        TIFFWriteScanline(tif, row, 0, 0);
        TIFFWriteScanline(tif, row, 1, 0);
        TIFFWriteDirectory(tif);
    }
    TIFFClose(tif);
}

/* Reads every page in order, checking each one's grey level; CPU seconds. */
static double read_long_tiff(const char *path, int pages) {
    struct timespec t0, t1;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
    decode_source *src = open_ok(path, SCAN_TIFF, pages);
    for (int p = 0; p < pages; p++) {
        omr_image *img = page_ok(src, p);
        cr_assert_eq(img->pixels[0], p % 251, "page %d", p + 1);
        omr_image_free(img);
    }
    decode_close(src);
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t1);
    return (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
}

Test(decode, long_multi_page_tiff_is_read_in_linear_time, .timeout = 120) {
    /* 300 and 3000 tiny pages: reading the next directory costs ten times
     * as much for ten times the pages; re-walking the chain from the start
     * for each page (the old way) a hundred times. The ratio, not a time,
     * is asserted, so a slow or loaded machine does not matter. */
    const char *short_path = at("short.tif"), *long_path = at("long.tif");
    write_long_tiff(short_path, 300);
    write_long_tiff(long_path, 3000);
    double t_short = read_long_tiff(short_path, 300);
    double t_long = read_long_tiff(long_path, 3000);
    cr_assert_lt(t_long, 35.0 * (t_short > 0.002 ? t_short : 0.002),
                 "3000 pages took %.3f s, 300 pages %.3f s: not linear", t_long, t_short);
    /* pages out of order still come right */
    decode_source *src = open_ok(long_path, SCAN_TIFF, 3000);
    const int jumps[] = {7, 2, 2999, 0, 1, 1500};
    for (size_t i = 0; i < sizeof jumps / sizeof jumps[0]; i++) {
        omr_image *img = page_ok(src, jumps[i]);
        cr_assert_eq(img->pixels[0], jumps[i] % 251, "page %d", jumps[i] + 1);
        omr_image_free(img);
    }
    decode_close(src);
}

/* ---- colour: a coloured pen is ink ------------------------------------------ */

/* Stripes 8 px wide: a red ballpoint, an orange felt-tip, a yellow
 * highlighter, a blue ballpoint, mid grey, white paper. */
static const uint8_t pens[6][3] = {{219, 46, 51}, {250, 160, 40}, {250, 230, 60}, {40, 60, 200}, {128, 128, 128},
                                   {255, 255, 255}};

static void assert_pens_are_ink(const omr_image *img, const char *what) {
    for (int s = 0; s < 6; s++) {
        int v = omr_image_at(img, s * 8 + 4, 4);
        if (s < 4) /* luma alone leaves the orange 173 and the yellow 211: almost paper */
            cr_assert_leq(v, 150, "%s: pen %d (%d,%d,%d) decodes to %d, paler than ink", what, s, pens[s][0],
                          pens[s][1], pens[s][2], v);
        else if (s == 4)
            cr_assert_leq(abs(v - 128), 3, "%s: grey stays grey: %d", what, v);
        else
            cr_assert_geq(v, 250, "%s: paper stays paper: %d", what, v);
    }
}

Test(decode, a_coloured_pen_on_a_colour_scan_is_ink) {
    const int w = 48, h = 8;
    uint8_t rgb[8 * 48 * 3];
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            memcpy(rgb + ((size_t)y * w + x) * 3, pens[x / 8], 3);
    const char *png = at("pens.png");
    write_raw_png(png, w, h, PNG_COLOR_TYPE_RGB, 8, PNG_INTERLACE_NONE, rgb, (size_t)w * 3, NULL, 0, 7874, 7874);
    omr_image *img = read_single(png, SCAN_PNG);
    assert_pens_are_ink(img, "PNG");
    omr_image_free(img);

    const char *jpg = at("pens.jpg");
    FILE *f = fopen(jpg, "wb");
    cr_assert_not_null(f);
    struct jpeg_compress_struct c;
    struct jpeg_error_mgr e;
    c.err = jpeg_std_error(&e);
    jpeg_create_compress(&c);
    jpeg_stdio_dest(&c, f);
    c.image_width = (JDIMENSION)w;
    c.image_height = (JDIMENSION)h;
    c.input_components = 3;
    c.in_color_space = JCS_RGB;
    jpeg_set_defaults(&c);
    jpeg_set_quality(&c, 95, TRUE);
    for (int i = 0; i < 3; i++)
        c.comp_info[i].h_samp_factor = c.comp_info[i].v_samp_factor = 1;
    jpeg_start_compress(&c, TRUE);
    for (int y = 0; y < h; y++) {
        JSAMPROW r = rgb + (size_t)y * w * 3;
        jpeg_write_scanlines(&c, &r, 1);
    }
    jpeg_finish_compress(&c);
    jpeg_destroy_compress(&c);
    fclose(f);
    img = read_single(jpg, SCAN_JPEG);
    assert_pens_are_ink(img, "JPEG");
    omr_image_free(img);
}

/* A CMYK JPEG as prepress tools and some office suites save a scan: Adobe
 * marker, inks stored inverted (255 = no ink). Paper is white, full black
 * (K) is black, half K is mid grey, and full cyan is ink (darker than
 * paper); non-inverted values (no Adobe marker) read the same way. Before,
 * a CMYK JPEG was refused ("a CMYK JPEG, which omr does not read"). */
static void write_cmyk_jpeg(const char *path, const uint8_t *cmyk, int w, int h, int adobe) {
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f);
    struct jpeg_compress_struct c;
    struct jpeg_error_mgr e;
    c.err = jpeg_std_error(&e);
    jpeg_create_compress(&c);
    jpeg_stdio_dest(&c, f);
    c.image_width = (JDIMENSION)w;
    c.image_height = (JDIMENSION)h;
    c.input_components = 4;
    c.in_color_space = JCS_CMYK;
    jpeg_set_defaults(&c);
    jpeg_set_quality(&c, 95, TRUE);
    c.write_Adobe_marker = adobe ? TRUE : FALSE;
    jpeg_start_compress(&c, TRUE);
    for (int y = 0; y < h; y++) {
        JSAMPROW r = (JSAMPROW)(cmyk + (size_t)y * w * 4);
        jpeg_write_scanlines(&c, &r, 1);
    }
    jpeg_finish_compress(&c);
    jpeg_destroy_compress(&c);
    fclose(f);
}

Test(decode, a_cmyk_jpeg_is_read_as_its_inks_inverted_or_not) {
    const int w = 64, h = 16;
    /* four bands of 16 columns: paper, full K, half K, full cyan (ink amounts) */
    static const uint8_t inks[4][4] = {{0, 0, 0, 0}, {0, 0, 0, 255}, {0, 0, 0, 128}, {255, 0, 0, 0}};
    uint8_t cmyk[16 * 64 * 4];
    for (int adobe = 0; adobe < 2; adobe++) {
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                for (int k = 0; k < 4; k++)
                    cmyk[((size_t)y * w + x) * 4 + k] = adobe ? 255 - inks[x / 16][k] : inks[x / 16][k];
        const char *path = at(adobe ? "cmyk-adobe.jpg" : "cmyk-plain.jpg");
        write_cmyk_jpeg(path, cmyk, w, h, adobe);
        omr_image *img = read_single(path, SCAN_JPEG);
        cr_assert_eq(img->width, w);
        double paper = mean_grey(img, 2, 2, 14, 14), black = mean_grey(img, 18, 2, 30, 14);
        double half = mean_grey(img, 34, 2, 46, 14), cyan = mean_grey(img, 50, 2, 62, 14);
        cr_assert_gt(paper, 245, "adobe %d: paper %.1f", adobe, paper);
        cr_assert_lt(black, 10, "adobe %d: black %.1f", adobe, black);
        cr_assert(half > 100 && half < 155, "adobe %d: half black %.1f", adobe, half);
        cr_assert_lt(cyan, 160, "adobe %d: cyan %.1f", adobe, cyan);
        omr_image_free(img);
    }
}
