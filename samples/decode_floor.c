/*
 * decode_floor.c — the decode floor of `samples/speed_bench.sh`: decodes
 * scan files with the same libraries omr uses (libtiff, libpng, libjpeg,
 * poppler + cairo) and nothing else, to 8-bit grey, one page at a time, and
 * throws the pixels away. What omr spends beyond this per page is omr's own.
 *
 *   decode_floor FILE...    prints "pages N" on stdout; exit 1 on any error
 *
 * The format is told by the file's first bytes, as decode.c does. No checks beyond
 * what the libraries do themselves; PNG keeps libpng's default CRC/adler32
 * checks, as omr did before issue 11 (see decode_png.c for what omr skips).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cairo.h>
#include <jpeglib.h>
#include <png.h>
#include <poppler.h>
#include <setjmp.h>
#include <tiffio.h>

static volatile unsigned sink; /* keeps the compiler from dropping the work */

/* every directory; 1-bit pages expanded to 8-bit grey as omr does */
static int floor_tiff(const char *path) {
    static uint8_t expand[256][8];
    for (int b = 0; b < 256; b++)
        for (int k = 0; k < 8; k++)
            expand[b][k] = (b >> (7 - k)) & 1 ? 0 : 255;
    TIFF *tif = TIFFOpen(path, "r");
    if (!tif)
        return -1;
    int pages = 0;
    do {
        uint32_t w = 0, h = 0;
        uint16_t bps = 1, spp = 1;
        TIFFGetField(tif, TIFFTAG_IMAGEWIDTH, &w);
        TIFFGetField(tif, TIFFTAG_IMAGELENGTH, &h);
        TIFFGetFieldDefaulted(tif, TIFFTAG_BITSPERSAMPLE, &bps);
        TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLESPERPIXEL, &spp);
        tmsize_t line = TIFFScanlineSize(tif);
        uint8_t *row = malloc((size_t)line), *grey = malloc((size_t)w * h);
        if (!row || !grey) {
            free(row);
            free(grey);
            TIFFClose(tif);
            return -1;
        }
        for (uint32_t y = 0; y < h; y++) {
            if (TIFFReadScanline(tif, row, y, 0) < 0) {
                free(row);
                free(grey);
                TIFFClose(tif);
                return -1;
            }
            uint8_t *o = grey + (size_t)y * w;
            if (bps == 1) { /* 8 pixels a byte through a table, as decode_tiff.c does */
                uint32_t x = 0;
                for (; x + 8 <= w; x += 8)
                    memcpy(o + x, expand[row[x >> 3]], 8);
                for (; x < w; x++)
                    o[x] = (row[x >> 3] >> (7 - (x & 7))) & 1 ? 0 : 255; /* min-is-white */
            }
            else if (spp == 1)
                memcpy(o, row, w);
            else
                for (uint32_t x = 0; x < w; x++)
                    o[x] = (uint8_t)((row[spp * x] * 77u + row[spp * x + 1] * 150u + row[spp * x + 2] * 29u) >> 8);
        }
        sink += grey[(size_t)w * h / 2];
        free(row);
        free(grey);
        pages++;
    } while (TIFFReadDirectory(tif));
    TIFFClose(tif);
    return pages;
}

static void png_floor_error(png_structp png, png_const_charp msg) {
    (void)msg;
    longjmp(png_jmpbuf(png), 1);
}

static int floor_png(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, NULL, png_floor_error, NULL);
    png_infop info = png_create_info_struct(png);
    uint8_t *volatile img = NULL;
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_read_struct(&png, &info, NULL);
        free(img);
        fclose(f);
        return -1;
    }
    png_init_io(png, f);
    png_read_info(png, info);
    png_uint_32 w = png_get_image_width(png, info), h = png_get_image_height(png, info);
    png_set_expand(png);
    png_set_scale_16(png);
    png_set_rgb_to_gray_fixed(png, 1, -1, -1);
    png_set_strip_alpha(png);
    png_read_update_info(png, info);
    size_t rb = png_get_rowbytes(png, info);
    img = malloc(rb * h);
    if (!img)
        longjmp(png_jmpbuf(png), 1);
    for (png_uint_32 y = 0; y < h; y++)
        png_read_row(png, img + y * rb, NULL);
    png_read_end(png, NULL);
    sink += img[rb * h / 2];
    (void)w;
    free(img);
    png_destroy_read_struct(&png, &info, NULL);
    fclose(f);
    return 1;
}

typedef struct {
    struct jpeg_error_mgr mgr;
    jmp_buf jump;
} jpeg_floor_error;

static void jpeg_floor_exit(j_common_ptr cinfo) {
    longjmp(((jpeg_floor_error *)cinfo->err)->jump, 1);
}

static int floor_jpeg(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    struct jpeg_decompress_struct cinfo;
    jpeg_floor_error jerr;
    cinfo.err = jpeg_std_error(&jerr.mgr);
    jerr.mgr.error_exit = jpeg_floor_exit;
    uint8_t *volatile img = NULL;
    if (setjmp(jerr.jump)) {
        jpeg_destroy_decompress(&cinfo);
        free(img);
        fclose(f);
        return -1;
    }
    jpeg_create_decompress(&cinfo);
    jpeg_stdio_src(&cinfo, f);
    jpeg_read_header(&cinfo, TRUE);
    cinfo.out_color_space = JCS_GRAYSCALE;
    jpeg_start_decompress(&cinfo);
    size_t w = cinfo.output_width, h = cinfo.output_height;
    img = malloc(w * h);
    if (!img)
        longjmp(jerr.jump, 1);
    while (cinfo.output_scanline < cinfo.output_height) {
        JSAMPROW row = img + (size_t)cinfo.output_scanline * w;
        jpeg_read_scanlines(&cinfo, &row, 1);
    }
    jpeg_finish_decompress(&cinfo);
    jpeg_destroy_decompress(&cinfo);
    sink += img[w * h / 2];
    free(img);
    fclose(f);
    return 1;
}

/* every page rendered at 300 dpi on white, as decode_pdf.c does, then luma */
static int floor_pdf(const char *path) {
    char *abs = realpath(path, NULL);
    char *uri = abs ? g_filename_to_uri(abs, NULL, NULL) : NULL;
    free(abs);
    PopplerDocument *doc = uri ? poppler_document_new_from_file(uri, NULL, NULL) : NULL;
    g_free(uri);
    if (!doc)
        return -1;
    int n = poppler_document_get_n_pages(doc);
    for (int i = 0; i < n; i++) {
        PopplerPage *page = poppler_document_get_page(doc, i);
        double wp, hp, scale = 300.0 / 72.0;
        poppler_page_get_size(page, &wp, &hp);
        int w = (int)(wp * scale + 0.5), h = (int)(hp * scale + 0.5);
        cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, w, h);
        cairo_t *cr = cairo_create(s);
        cairo_set_source_rgb(cr, 1, 1, 1);
        cairo_paint(cr);
        cairo_scale(cr, scale, scale);
        poppler_page_render(page, cr);
        cairo_destroy(cr);
        cairo_surface_flush(s);
        uint8_t *grey = malloc((size_t)w * h);
        const uint8_t *data = cairo_image_surface_get_data(s);
        int stride = cairo_image_surface_get_stride(s);
        for (int y = 0; grey && y < h; y++) {
            const uint32_t *in = (const uint32_t *)(const void *)(data + (size_t)y * stride);
            for (int x = 0; x < w; x++)
                grey[(size_t)y * w + x] = (uint8_t)((((in[x] >> 16) & 0xff) * 19595u + ((in[x] >> 8) & 0xff) * 38470u +
                                                     (in[x] & 0xff) * 7471u + 32768u) >> 16);
        }
        if (grey)
            sink += grey[(size_t)w * h / 2];
        free(grey);
        cairo_surface_destroy(s);
        g_object_unref(page);
    }
    g_object_unref(doc);
    return n;
}

/* by the first bytes, as decode.c sniffs: 't' TIFF, 'p' PNG, 'j' JPEG, 'f' PDF */
static int sniff(const char *path) {
    unsigned char m[4] = {0};
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    size_t n = fread(m, 1, 4, f);
    fclose(f);
    if (n < 4)
        return 0;
    if ((m[0] == 'I' && m[1] == 'I') || (m[0] == 'M' && m[1] == 'M'))
        return 't';
    if (m[0] == 0x89 && m[1] == 'P')
        return 'p';
    if (m[0] == 0xff && m[1] == 0xd8)
        return 'j';
    if (memcmp(m, "%PDF", 4) == 0)
        return 'f';
    return 0;
}

int main(int argc, char **argv) {
    long pages = 0;
    TIFFSetWarningHandler(NULL);
    for (int i = 1; i < argc; i++) {
        const char *p = argv[i];
        int kind = sniff(p);
        int n = kind == 't' ? floor_tiff(p) : kind == 'p' ? floor_png(p) : kind == 'j' ? floor_jpeg(p)
                : kind == 'f' ? floor_pdf(p) : -1;
        if (n < 0) {
            fprintf(stderr, "decode_floor: %s: cannot decode\n", p);
            return 1;
        }
        pages += n;
    }
    printf("pages %ld\n", pages);
    return 0;
}
