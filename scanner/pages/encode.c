/*
 * encode.c — writes grey pages as PNG (libpng), JPEG (libjpeg) or multi-page
 * TIFF (libtiff), with the page's resolution in the file (pHYs, JFIF density,
 * X/YResolution). Used by render for print files and by the sample generator
 * for synthetic scans; the scanner itself only reads.
 *
 * Each writer reports failures through omr_error with the file's path and
 * removes a file it could not finish, so a half-written page never looks like
 * a scan. libtiff messages are captured per file (TIFFOpenOptions handlers);
 * its process-wide handlers are silenced once (codec_errors.c, shared with
 * decode), and so is libpng's longjmp error callback.
 */
#include <stdio.h> /* before jpeglib.h, which needs FILE */

#include "pages/encode.h"
#include "pages/codec_errors.h"

#include <errno.h>
#include <jpeglib.h>
#include <math.h>
#include <png.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <tiffio.h>

static const char *error_text(int errnum, char *buf, size_t size) {
    return strerror_r(errnum, buf, size); /* GNU variant (_GNU_SOURCE) */
}

static int check_image(const omr_image *image, const char *path, omr_error *err) {
    if (!path)
        return omr_fail(err, OMR_ERR_INVALID, "encode: no output file given");
    if (!image || !image->pixels || image->width <= 0 || image->height <= 0 ||
        image->stride < image->width)
        return omr_fail(err, OMR_ERR_INVALID, "%s: nothing to write (empty or malformed image)",
                        path);
    return OMR_OK;
}

/* Closes a stdio stream, turning a late write error (disk full) into status. */
static int close_file(FILE *file, const char *path, int status, omr_error *err) {
    char ebuf[128];
    int failed = ferror(file);
    int e = errno;
    if (fclose(file) != 0 && !failed) {
        failed = 1;
        e = errno;
    }
    if (failed && status == OMR_OK)
        status = omr_fail(err, OMR_ERR_IO, "%s: cannot write: %s", path, error_text(e, ebuf, sizeof ebuf));
    if (status != OMR_OK)
        remove(path);
    return status;
}

/* ---- PNG ---------------------------------------------------------------- */

int encode_png(const omr_image *image, const char *path, omr_error *err) {
    char ebuf[128];
    int status = check_image(image, path, err);
    if (status != OMR_OK)
        return status;
    FILE *file = fopen(path, "wb");
    if (!file)
        return omr_fail(err, OMR_ERR_IO, "%s: cannot create: %s", path,
                        error_text(errno, ebuf, sizeof ebuf));
    png_context ctx = {.message = ""};
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &ctx, png_context_on_error,
                                              png_context_on_warning);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!info) {
        png_destroy_write_struct(png ? &png : NULL, NULL);
        return close_file(file, path,
                          omr_fail(err, OMR_ERR_MEMORY, "%s: out of memory writing the PNG", path),
                          err);
    }
    if (setjmp(ctx.jump)) {
        png_destroy_write_struct(&png, &info);
        return close_file(file, path,
                          omr_fail(err, OMR_ERR_IO, "%s: cannot write the PNG (%s)", path,
                                   ctx.message),
                          err);
    }
    png_init_io(png, file);
    /* Scans and rendered forms gain nothing from PNG's row filters; without
     * them and at zlib level 3 an A4 page at 300 dpi encodes about twice as
     * fast (0.37 s against 0.87 s for a noisy grey page) and decodes faster,
     * for a file a few per cent larger. */
    png_set_filter(png, PNG_FILTER_TYPE_BASE, PNG_FILTER_NONE);
    png_set_compression_level(png, 3);
    png_set_IHDR(png, info, (png_uint_32)image->width, (png_uint_32)image->height, 8,
                 PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
                 PNG_FILTER_TYPE_DEFAULT);
    if (image->dpi > 0) {
        png_uint_32 ppm = (png_uint_32)lround(image->dpi / 0.0254);
        png_set_pHYs(png, info, ppm, ppm, PNG_RESOLUTION_METER);
    }
    png_write_info(png, info);
    for (int y = 0; y < image->height; y++)
        png_write_row(png, image->pixels + (size_t)y * (size_t)image->stride);
    png_write_end(png, info);
    png_destroy_write_struct(&png, &info);
    return close_file(file, path, OMR_OK, err);
}

/* ---- JPEG --------------------------------------------------------------- */

typedef struct {
    struct jpeg_error_mgr pub;
    jmp_buf jump;
    char message[JMSG_LENGTH_MAX];
} jpeg_context;

static void jpeg_on_error(j_common_ptr cinfo) {
    jpeg_context *ctx = (jpeg_context *)cinfo->err;
    cinfo->err->format_message(cinfo, ctx->message);
    longjmp(ctx->jump, 1);
}

static void jpeg_silent(j_common_ptr cinfo) {
    (void)cinfo;
}

int encode_jpeg(const omr_image *image, const char *path, int quality, omr_error *err) {
    char ebuf[128];
    int status = check_image(image, path, err);
    if (status != OMR_OK)
        return status;
    if (image->width > JPEG_MAX_DIMENSION || image->height > JPEG_MAX_DIMENSION)
        return omr_fail(err, OMR_ERR_INVALID, "%s: %d x %d is too large for a JPEG", path,
                        image->width, image->height);
    FILE *file = fopen(path, "wb");
    if (!file)
        return omr_fail(err, OMR_ERR_IO, "%s: cannot create: %s", path,
                        error_text(errno, ebuf, sizeof ebuf));
    struct jpeg_compress_struct cinfo;
    jpeg_context ctx;
    memset(&cinfo, 0, sizeof cinfo); /* so that destroy after an early error is safe */
    memset(&ctx, 0, sizeof ctx);
    cinfo.err = jpeg_std_error(&ctx.pub);
    ctx.pub.error_exit = jpeg_on_error;
    ctx.pub.output_message = jpeg_silent;
    if (setjmp(ctx.jump)) {
        jpeg_destroy_compress(&cinfo);
        return close_file(file, path,
                          omr_fail(err, OMR_ERR_IO, "%s: cannot write the JPEG (%s)", path,
                                   ctx.message),
                          err);
    }
    jpeg_create_compress(&cinfo);
    jpeg_stdio_dest(&cinfo, file);
    cinfo.image_width = (JDIMENSION)image->width;
    cinfo.image_height = (JDIMENSION)image->height;
    cinfo.input_components = 1;
    cinfo.in_color_space = JCS_GRAYSCALE;
    jpeg_set_defaults(&cinfo);
    jpeg_set_quality(&cinfo, quality < 1 ? 1 : quality > 100 ? 100 : quality, TRUE);
    if (image->dpi > 0 && image->dpi < 65535.5) {
        cinfo.write_JFIF_header = TRUE;
        cinfo.density_unit = 1; /* dots per inch */
        cinfo.X_density = cinfo.Y_density = (UINT16)lround(image->dpi);
    }
    jpeg_start_compress(&cinfo, TRUE);
    while (cinfo.next_scanline < cinfo.image_height) {
        JSAMPROW row = image->pixels + (size_t)cinfo.next_scanline * (size_t)image->stride;
        jpeg_write_scanlines(&cinfo, &row, 1);
    }
    jpeg_finish_compress(&cinfo);
    jpeg_destroy_compress(&cinfo);
    return close_file(file, path, OMR_OK, err);
}

/* ---- TIFF --------------------------------------------------------------- */

struct tiff_writer {
    TIFF *tif;
    char *path;
    int pages;
    int failed;          /* a page could not be written: the file is removed on close */
    char message[256];   /* the last message libtiff reported */
    double next_ydpi;    /* encode_tiff_set_ydpi: the next page's own y resolution */
};

void encode_tiff_set_ydpi(tiff_writer *w, double ydpi) {
    if (w)
        w->next_ydpi = ydpi;
}

static int tiff_on_error(TIFF *tif, void *user_data, const char *module, const char *fmt,
                         va_list ap) {
    (void)tif, (void)module;
    tiff_writer *w = user_data;
    vsnprintf(w->message, sizeof w->message, fmt, ap);
    return 1;
}

static int tiff_on_warning(TIFF *tif, void *user_data, const char *module, const char *fmt,
                           va_list ap) {
    (void)tif, (void)user_data, (void)module, (void)fmt, (void)ap;
    return 1;
}

int encode_tiff_open(const char *path, tiff_writer **out, omr_error *err) {
    if (!path || !out)
        return omr_fail(err, OMR_ERR_INVALID, "encode_tiff_open: no output file given");
    *out = NULL;
    tiff_silence_globals_once();
    tiff_writer *w = calloc(1, sizeof *w);
    if (!w || !(w->path = omr_strdup(path))) {
        free(w);
        return omr_fail(err, OMR_ERR_MEMORY, "%s: out of memory", path);
    }
    TIFFOpenOptions *opts = TIFFOpenOptionsAlloc();
    if (!opts) {
        free(w->path);
        free(w);
        return omr_fail(err, OMR_ERR_MEMORY, "%s: out of memory", path);
    }
    TIFFOpenOptionsSetErrorHandlerExtR(opts, tiff_on_error, w);
    TIFFOpenOptionsSetWarningHandlerExtR(opts, tiff_on_warning, w);
    w->tif = TIFFOpenExt(path, "w", opts);
    TIFFOpenOptionsFree(opts);
    if (!w->tif) {
        int status = omr_fail(err, OMR_ERR_IO, "%s: cannot create the TIFF file (%s)", path,
                              w->message[0] ? w->message : "unknown libtiff error");
        free(w->path);
        free(w);
        return status;
    }
    *out = w;
    return OMR_OK;
}

/* Tags every page shares. */
static void tiff_page_tags(TIFF *tif, int width, int height, double dpi) {
    TIFFSetField(tif, TIFFTAG_SUBFILETYPE, FILETYPE_PAGE);
    TIFFSetField(tif, TIFFTAG_IMAGEWIDTH, (uint32_t)width);
    TIFFSetField(tif, TIFFTAG_IMAGELENGTH, (uint32_t)height);
    TIFFSetField(tif, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
    TIFFSetField(tif, TIFFTAG_ORIENTATION, ORIENTATION_TOPLEFT);
    TIFFSetField(tif, TIFFTAG_SOFTWARE, "omr");
    if (dpi > 0) {
        TIFFSetField(tif, TIFFTAG_XRESOLUTION, (float)dpi);
        TIFFSetField(tif, TIFFTAG_YRESOLUTION, (float)dpi);
        TIFFSetField(tif, TIFFTAG_RESOLUTIONUNIT, RESUNIT_INCH);
    }
}

static int tiff_fail(tiff_writer *w, int status, const char *what, omr_error *err) {
    w->failed = 1;
    return omr_fail(err, status, "%s: cannot write page %d (%s: %s)", w->path, w->pages + 1, what,
                    w->message[0] ? w->message : "unknown libtiff error");
}

/* Writes `height` rows of `row_bytes` each, produced by `fill`, strip by
 * strip through a scratch buffer (libtiff's codecs may edit what they are
 * given, e.g. the predictor on RGB pages, so the caller's pixels are never
 * handed over directly). */
typedef void (*row_filler)(const void *source, int y, uint8_t *out);

static int tiff_write_strips(tiff_writer *w, int height, size_t row_bytes, uint32_t rows_per_strip,
                             row_filler fill, const void *source, omr_error *err) {
    TIFF *tif = w->tif;
    TIFFSetField(tif, TIFFTAG_ROWSPERSTRIP, rows_per_strip);
    uint8_t *buf = malloc(row_bytes * rows_per_strip);
    if (!buf) {
        w->failed = 1;
        return omr_fail(err, OMR_ERR_MEMORY, "%s: out of memory writing page %d", w->path,
                        w->pages + 1);
    }
    uint32_t strip = 0;
    for (int y0 = 0; y0 < height; y0 += (int)rows_per_strip, strip++) {
        int rows = height - y0 < (int)rows_per_strip ? height - y0 : (int)rows_per_strip;
        for (int r = 0; r < rows; r++)
            fill(source, y0 + r, buf + (size_t)r * row_bytes);
        if (TIFFWriteEncodedStrip(tif, strip, buf, (tmsize_t)(row_bytes * (size_t)rows)) < 0) {
            free(buf);
            return tiff_fail(w, OMR_ERR_IO, "strip", err);
        }
    }
    free(buf);
    if (!TIFFWriteDirectory(tif))
        return tiff_fail(w, OMR_ERR_IO, "directory", err);
    w->pages++;
    return OMR_OK;
}

static void fill_grey(const void *source, int y, uint8_t *out) {
    const omr_image *image = source;
    memcpy(out, image->pixels + (size_t)y * (size_t)image->stride, (size_t)image->width);
}

/* 1 bit per pixel, MINISWHITE: a set bit is ink (grey below 128). */
static void fill_bilevel(const void *source, int y, uint8_t *out) {
    const omr_image *image = source;
    const uint8_t *in = image->pixels + (size_t)y * (size_t)image->stride;
    int width = image->width;
    for (int x = 0; x < width; x += 8) {
        unsigned byte = 0;
        for (int i = 0; i < 8; i++)
            byte = (byte << 1) | (x + i < width && in[x + i] < 128);
        out[x / 8] = (uint8_t)byte;
    }
}

typedef struct {
    const uint8_t *rgb;
    int width;
} rgb_source;

static void fill_rgb(const void *source, int y, uint8_t *out) {
    const rgb_source *s = source;
    memcpy(out, s->rgb + (size_t)y * (size_t)s->width * 3, (size_t)s->width * 3);
}

int encode_tiff_add(tiff_writer *w, const omr_image *image, tiff_compression compression,
                    omr_error *err) {
    if (!w)
        return omr_fail(err, OMR_ERR_INVALID, "encode_tiff_add: no TIFF writer");
    int status = check_image(image, w->path, err);
    if (status != OMR_OK)
        return status;
    if (w->failed)
        return omr_fail(err, OMR_ERR_IO, "%s: an earlier page failed; the file is abandoned",
                        w->path);
    TIFF *tif = w->tif;
    w->message[0] = '\0';
    tiff_page_tags(tif, image->width, image->height, image->dpi);
    if (w->next_ydpi > 0 && image->dpi > 0) /* a fax: 204 x 196 dpi */
        TIFFSetField(tif, TIFFTAG_YRESOLUTION, (float)w->next_ydpi);
    w->next_ydpi = 0;
    TIFFSetField(tif, TIFFTAG_SAMPLESPERPIXEL, 1);
    if (compression == TIFF_G4) {
        TIFFSetField(tif, TIFFTAG_BITSPERSAMPLE, 1);
        TIFFSetField(tif, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_MINISWHITE);
        TIFFSetField(tif, TIFFTAG_COMPRESSION, COMPRESSION_CCITTFAX4);
        /* One strip per page, as scanners write G4. */
        return tiff_write_strips(w, image->height, ((size_t)image->width + 7) / 8,
                                 (uint32_t)image->height, fill_bilevel, image, err);
    }
    TIFFSetField(tif, TIFFTAG_BITSPERSAMPLE, 8);
    TIFFSetField(tif, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_MINISBLACK);
    switch (compression) {
    case TIFF_LZW:
        /* No horizontal predictor: on scanned forms it made files larger
         * (5.9 MB against 5.2 MB for a noisy A4 page) and decoding slower
         * (51 ms against 29 ms). */
        TIFFSetField(tif, TIFFTAG_COMPRESSION, COMPRESSION_LZW);
        break;
    case TIFF_JPEG:
        TIFFSetField(tif, TIFFTAG_COMPRESSION, COMPRESSION_JPEG);
        TIFFSetField(tif, TIFFTAG_JPEGQUALITY, 90);
        break;
    case TIFF_NONE:
        TIFFSetField(tif, TIFFTAG_COMPRESSION, COMPRESSION_NONE);
        break;
    default:
        w->failed = 1;
        return omr_fail(err, OMR_ERR_INVALID, "%s: unknown TIFF compression %d", w->path,
                        (int)compression);
    }
    /* libtiff's default strips are about 8 KB (a multiple of 8 rows for JPEG). */
    uint32_t rows_per_strip = TIFFDefaultStripSize(tif, 0);
    if (compression == TIFF_JPEG)
        rows_per_strip = (rows_per_strip + 7) / 8 * 8;
    return tiff_write_strips(w, image->height, (size_t)image->width, rows_per_strip, fill_grey,
                             image, err);
}

int encode_tiff_add_rgb(tiff_writer *w, const uint8_t *rgb, int width, int height, double dpi,
                        omr_error *err) {
    if (!w)
        return omr_fail(err, OMR_ERR_INVALID, "encode_tiff_add_rgb: no TIFF writer");
    if (!rgb || width <= 0 || height <= 0)
        return omr_fail(err, OMR_ERR_INVALID, "%s: nothing to write (empty RGB page)", w->path);
    if (w->failed)
        return omr_fail(err, OMR_ERR_IO, "%s: an earlier page failed; the file is abandoned",
                        w->path);
    TIFF *tif = w->tif;
    w->message[0] = '\0';
    tiff_page_tags(tif, width, height, dpi);
    TIFFSetField(tif, TIFFTAG_SAMPLESPERPIXEL, 3);
    TIFFSetField(tif, TIFFTAG_BITSPERSAMPLE, 8);
    TIFFSetField(tif, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_RGB);
    TIFFSetField(tif, TIFFTAG_COMPRESSION, COMPRESSION_LZW);
    TIFFSetField(tif, TIFFTAG_PREDICTOR, PREDICTOR_HORIZONTAL);
    rgb_source source = {rgb, width};
    return tiff_write_strips(w, height, (size_t)width * 3, TIFFDefaultStripSize(tif, 0), fill_rgb,
                             &source, err);
}

int encode_tiff_close(tiff_writer *w, omr_error *err) {
    if (!w)
        return OMR_OK;
    int status = OMR_OK;
    if (w->failed)
        status = omr_fail(err, OMR_ERR_IO, "%s: not written completely; the file was removed",
                          w->path);
    else if (w->pages == 0)
        status = omr_fail(err, OMR_ERR_INVALID, "%s: no pages were added; the file was removed",
                          w->path);
    else if (!TIFFFlush(w->tif))
        status = omr_fail(err, OMR_ERR_IO, "%s: cannot write: %s", w->path,
                          w->message[0] ? w->message : "unknown libtiff error");
    TIFFClose(w->tif);
    if (status != OMR_OK)
        remove(w->path);
    free(w->path);
    free(w);
    return status;
}
