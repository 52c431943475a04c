/*
 * decode_tiff.c — the TIFF decoder (libtiff), behind decoder.h.
 *
 * The TIFF stays open across pages (tiff_state). Opening walks the directory
 * chain to count pages; a chain that breaks off (truncated file) counts the
 * unreachable page as damaged so that a page call can say which page was
 * lost, while the earlier pages stay readable. Bi-level and 8-bit grey strips
 * (the mailroom's G4, LZW and JPEG scans) are decoded directly with
 * TIFFReadEncodedStrip; everything else (palette, RGB, 16-bit, tiles) goes
 * through libtiff's RGBA reader in bands of strips. Both read rows in the
 * order they are stored; a page stored bottom-up or right-to-left is then
 * flipped in place (decode_flip), so no orientation costs a second page or a
 * whole-page RGBA raster. Pages are read in order with TIFFReadDirectory
 * (linear in the number of pages). The page budget of decode.h, including
 * the resolution rule, is checked before the page is allocated.
 * libtiff's messages are captured per file through TIFFOpenOptions handlers
 * and end up in the omr_error; its process-wide handlers are silenced once
 * (codec_errors.c).
 */
#include "pages/decoder.h"
#include "pages/codec_errors.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tiffio.h>

#define TIFF_MAX_MEM_ALLOC ((tmsize_t)DECODE_MAX_BYTES) /* libtiff's largest single allocation */
#define RGBA_BAND_BYTES (4 << 20)                /* raster band for libtiff's RGBA reader */

typedef struct {
    TIFF *tif;
    int readable;       /* pages before this index have a readable directory */
    char broken[256];   /* why the directory after the last readable one failed */
    char message[256];  /* the last message libtiff reported for this file */
} tiff_state;

static int tiff_on_error(TIFF *tif, void *user_data, const char *module, const char *fmt,
                         va_list ap) {
    (void)tif;
    (void)module;
    tiff_state *t = user_data;
    vsnprintf(t->message, sizeof t->message, fmt, ap);
    return 1; /* handled: do not pass on to the global handlers */
}

static int tiff_on_warning(TIFF *tif, void *user_data, const char *module, const char *fmt,
                           va_list ap) {
    (void)tif, (void)user_data, (void)module, (void)fmt, (void)ap;
    return 1; /* unknown tags and the like: not the operator's concern */
}

static const char *tiff_reason(const tiff_state *t, const char *fallback) {
    return t->message[0] ? t->message : fallback;
}

static int tiff_open(decode_source *src, omr_error *err) {
    tiff_silence_globals_once();
    tiff_state *t = calloc(1, sizeof *t);
    if (!t)
        return omr_fail(err, OMR_ERR_MEMORY, "%s: out of memory opening the TIFF file", src->path);
    src->state = t;
    TIFFOpenOptions *opts = TIFFOpenOptionsAlloc();
    if (!opts)
        return omr_fail(err, OMR_ERR_MEMORY, "%s: out of memory opening the TIFF file", src->path);
    TIFFOpenOptionsSetErrorHandlerExtR(opts, tiff_on_error, t);
    TIFFOpenOptionsSetWarningHandlerExtR(opts, tiff_on_warning, t);
    TIFFOpenOptionsSetMaxSingleMemAlloc(opts, TIFF_MAX_MEM_ALLOC);
    /* "m": read(), not mmap(): a file shortened while we read it must give
     * an error, not SIGBUS. */
    t->tif = TIFFOpenExt(src->path, "rm", opts);
    TIFFOpenOptionsFree(opts);
    if (!t->tif)
        return omr_fail(err, OMR_ERR_FORMAT,
                        "%s: a TIFF file whose first page cannot be read (%s); the file is "
                        "damaged or was not completely written",
                        src->path, tiff_reason(src->state, "unknown libtiff error"));
    /* Walk the directory chain ourselves rather than TIFFNumberOfDirectories
     * so that a chain which breaks off shows up as a damaged page. */
    int pages = 1;
    while (!TIFFLastDirectory(t->tif)) {
        t->message[0] = '\0';
        if (!TIFFReadDirectory(t->tif)) {
            snprintf(t->broken, sizeof t->broken, "%s",
                     tiff_reason(src->state, "the directory cannot be read"));
            src->pages = pages + 1;
            t->readable = pages;
            return OMR_OK;
        }
        pages++;
    }
    src->pages = t->readable = pages;
    return OMR_OK;
}

/* 1-bit strips: eight pixels per byte expanded through a table. */
static int tiff_read_bilevel(decode_source *src, int index, omr_image *img, int min_is_white,
                             omr_error *err) {
    tiff_state *t = src->state;
    TIFF *tif = t->tif;
    uint64_t expand[256];
    uint8_t ink = min_is_white ? 0 : 255, paper = min_is_white ? 255 : 0;
    for (int b = 0; b < 256; b++) {
        uint8_t px[8];
        for (int i = 0; i < 8; i++)
            px[i] = (b >> (7 - i)) & 1 ? ink : paper;
        memcpy(&expand[b], px, 8);
    }
    uint32_t rps = 0;
    TIFFGetFieldDefaulted(tif, TIFFTAG_ROWSPERSTRIP, &rps);
    uint32_t height = (uint32_t)img->height;
    if (rps == 0 || rps > height)
        rps = height;
    size_t row_bytes = ((size_t)img->width + 7) / 8;
    tmsize_t strip_size = TIFFStripSize(tif);
    if (strip_size < (tmsize_t)(row_bytes * rps))
        return decode_page_fail(src, index, err, OMR_ERR_FORMAT, "inconsistent strip size");
    int status = decode_check_budget(src, index, (double)img->width * img->height + (double)strip_size,
                                     "decoding a strip of the page", err);
    if (status != OMR_OK)
        return status;
    uint8_t *buf = malloc((size_t)strip_size);
    if (!buf)
        return decode_page_fail(src, index, err, OMR_ERR_MEMORY, "out of memory reading the page");
    int whole = img->width / 8, rest = img->width % 8;
    uint32_t strips = TIFFNumberOfStrips(tif);
    for (uint32_t s = 0, row0 = 0; row0 < height; s++, row0 += rps) {
        uint32_t rows = height - row0 < rps ? height - row0 : rps;
        tmsize_t want = (tmsize_t)(rows * row_bytes);
        t->message[0] = '\0';
        tmsize_t got = s < strips ? TIFFReadEncodedStrip(tif, s, buf, want) : -1;
        if (got != want) {
            free(buf);
            return decode_page_fail(src, index, err, OMR_ERR_FORMAT,
                             "the image data is damaged or cut short at row %u (%s)", row0,
                             tiff_reason(src->state, "strip missing or short"));
        }
        for (uint32_t r = 0; r < rows; r++) {
            const uint8_t *in = buf + r * row_bytes;
            uint8_t *out = img->pixels + (size_t)(row0 + r) * (size_t)img->stride;
            for (int i = 0; i < whole; i++, out += 8)
                memcpy(out, &expand[in[i]], 8);
            if (rest) {
                uint8_t px[8];
                memcpy(px, &expand[in[whole]], 8);
                memcpy(out, px, (size_t)rest);
            }
        }
    }
    free(buf);
    return OMR_OK;
}

/* 8-bit grey strips decode straight into the image rows. */
static int tiff_read_grey8(decode_source *src, int index, omr_image *img, int min_is_white,
                           omr_error *err) {
    tiff_state *t = src->state;
    TIFF *tif = t->tif;
    uint32_t rps = 0;
    TIFFGetFieldDefaulted(tif, TIFFTAG_ROWSPERSTRIP, &rps);
    uint32_t height = (uint32_t)img->height;
    if (rps == 0 || rps > height)
        rps = height;
    size_t row_bytes = (size_t)img->width;
    if (TIFFScanlineSize(tif) != (tmsize_t)row_bytes || img->stride != img->width)
        return decode_page_fail(src, index, err, OMR_ERR_FORMAT, "inconsistent scanline size");
    uint32_t strips = TIFFNumberOfStrips(tif);
    for (uint32_t s = 0, row0 = 0; row0 < height; s++, row0 += rps) {
        uint32_t rows = height - row0 < rps ? height - row0 : rps;
        tmsize_t want = (tmsize_t)(rows * row_bytes);
        uint8_t *out = img->pixels + (size_t)row0 * row_bytes;
        t->message[0] = '\0';
        tmsize_t got = s < strips ? TIFFReadEncodedStrip(tif, s, out, want) : -1;
        if (got != want)
            return decode_page_fail(src, index, err, OMR_ERR_FORMAT,
                             "the image data is damaged or cut short at row %u (%s)", row0,
                             tiff_reason(src->state, "strip missing or short"));
        if (min_is_white)
            for (size_t i = 0; i < (size_t)want; i++)
                out[i] = (uint8_t)(255 - out[i]);
    }
    return OMR_OK;
}

static void rgba_to_grey(const uint32_t *in, uint8_t *out, int n, decode_dropout d) {
    for (int i = 0; i < n; i++) {
        uint32_t p = in[i];
        /* libtiff hands out premultiplied alpha: add the paper showing through. */
        unsigned paper = 255u - TIFFGetA(p);
        unsigned r = TIFFGetR(p) + paper, g = TIFFGetG(p) + paper, b = TIFFGetB(p) + paper;
        out[i] = decode_grey_dropout(d, r > 255 ? 255 : r, g > 255 ? 255 : g, b > 255 ? 255 : b);
    }
}

/* Everything else: libtiff's RGBA reader, band by band in the order the
 * rows are stored (the caller flips the page into place afterwards), so the
 * raster never holds more than about RGBA_BAND_BYTES. */
static int tiff_read_rgba(decode_source *src, TIFF *tif, int index, omr_image *img,
                          uint16_t orientation, omr_error *err) {
    tiff_state *t = src->state;
    char emsg[1024] = "";
    t->message[0] = '\0';
    if (!TIFFRGBAImageOK(tif, emsg))
        return decode_page_fail(src, index, err, OMR_ERR_FORMAT, "this kind of TIFF page cannot be read (%s)",
                         emsg);
    TIFFRGBAImage rgba;
    if (!TIFFRGBAImageBegin(&rgba, tif, 1, emsg))
        return decode_page_fail(src, index, err, OMR_ERR_FORMAT, "this kind of TIFF page cannot be read (%s)",
                         emsg);
    /* Asking for the stored orientation makes libtiff flip nothing. */
    rgba.req_orientation = orientation;
    uint32_t width = (uint32_t)img->width, height = (uint32_t)img->height;
    /* Bands of whole strips or tiles, so none is decoded twice. */
    uint32_t unit = 0;
    if (TIFFIsTiled(tif))
        TIFFGetField(tif, TIFFTAG_TILELENGTH, &unit);
    else
        TIFFGetFieldDefaulted(tif, TIFFTAG_ROWSPERSTRIP, &unit);
    if (unit == 0 || unit > height)
        unit = height;
    uint32_t units = (uint32_t)(RGBA_BAND_BYTES / ((size_t)width * 4 * unit));
    uint32_t band = unit * (units ? units : 1);
    if (band > height)
        band = height;
    int status = decode_check_budget(src, index,
                                     (double)width * height + (double)width * band * 4,
                                     "decoding the page through libtiff's RGBA reader", err);
    if (status != OMR_OK) {
        TIFFRGBAImageEnd(&rgba);
        return status;
    }
    uint32_t *raster = malloc((size_t)width * band * sizeof *raster);
    if (!raster) {
        TIFFRGBAImageEnd(&rgba);
        return decode_page_fail(src, index, err, OMR_ERR_MEMORY, "out of memory reading the page");
    }
    for (uint32_t row0 = 0; row0 < height; row0 += band) {
        uint32_t rows = height - row0 < band ? height - row0 : band;
        rgba.row_offset = (int)row0;
        rgba.col_offset = 0;
        if (!TIFFRGBAImageGet(&rgba, raster, width, rows)) {
            status = decode_page_fail(src, index, err, OMR_ERR_FORMAT,
                               "the image data is damaged or cut short near row %u (%s)", row0,
                               tiff_reason(src->state, "unknown libtiff error"));
            break;
        }
        for (uint32_t r = 0; r < rows; r++)
            rgba_to_grey(raster + (size_t)r * width,
                         img->pixels + (size_t)(row0 + r) * (size_t)img->stride, img->width,
                         src->dropout);
    }
    free(raster);
    TIFFRGBAImageEnd(&rgba);
    return status;
}

/* libtiff 4.5.0 refuses uncompressed tiles when the file is read rather than
 * memory-mapped ("Invalid tile byte count ... Expected 256, got 1024": it
 * compares the tile size with its read buffer's size). For that rare layout
 * only, the page is read through a second, memory-mapped handle. */
static int tiff_read_rgba_mapped(decode_source *src, int index, omr_image *img,
                                 uint16_t orientation, omr_error *err) {
    tiff_state *t = src->state;
    TIFFOpenOptions *opts = TIFFOpenOptionsAlloc();
    if (!opts)
        return decode_page_fail(src, index, err, OMR_ERR_MEMORY, "out of memory reading the page");
    TIFFOpenOptionsSetErrorHandlerExtR(opts, tiff_on_error, t);
    TIFFOpenOptionsSetWarningHandlerExtR(opts, tiff_on_warning, t);
    TIFFOpenOptionsSetMaxSingleMemAlloc(opts, TIFF_MAX_MEM_ALLOC);
    t->message[0] = '\0';
    TIFF *mapped = TIFFOpenExt(src->path, "r", opts);
    TIFFOpenOptionsFree(opts);
    if (!mapped || !TIFFSetDirectory(mapped, (tdir_t)index)) {
        if (mapped)
            TIFFClose(mapped);
        return decode_page_fail(src, index, err, OMR_ERR_FORMAT, "the page cannot be read again (%s)",
                         tiff_reason(src->state, "unknown libtiff error"));
    }
    int status = tiff_read_rgba(src, mapped, index, img, orientation, err);
    TIFFClose(mapped);
    return status;
}

/* The orientations libtiff's RGBA reader gives top-left with these flips
 * (it does not transpose 5-8; nor does omr, which finds the page's real
 * orientation from its QR code). */
static int tiff_flips(uint16_t orientation) {
    switch (orientation) {
    case ORIENTATION_TOPRIGHT:
    case ORIENTATION_RIGHTTOP: return DECODE_FLIP_X;
    case ORIENTATION_BOTRIGHT:
    case ORIENTATION_RIGHTBOT: return DECODE_FLIP_X | DECODE_FLIP_Y;
    case ORIENTATION_BOTLEFT:
    case ORIENTATION_LEFTBOT: return DECODE_FLIP_Y;
    default: return 0;
    }
}

/* Makes page `index` the current directory. Pages are nearly always read in
 * order, so the next one is one TIFFReadDirectory from the current one;
 * TIFFSetDirectory(n) walks the chain from the first page (n steps), which
 * made a TIFF of 5,000 pages cost 12.5 million steps. */
static int tiff_seek(TIFF *tif, int index) {
    tdir_t current = TIFFCurrentDirectory(tif);
    if (index > 0 && current != (tdir_t)-1 && (tdir_t)index == current + 1)
        return TIFFReadDirectory(tif);
    return TIFFSetDirectory(tif, (tdir_t)index);
}

static int tiff_page(decode_source *src, int index, omr_image **out, omr_error *err) {
    tiff_state *t = src->state;
    TIFF *tif = t->tif;
    if (index >= t->readable)
        return decode_page_fail(src, index, err, OMR_ERR_FORMAT,
                         "the page's directory cannot be read (%s); the file is truncated or "
                         "damaged after page %d, and any later pages are lost",
                         t->broken, t->readable);
    t->message[0] = '\0';
    if (!tiff_seek(tif, index))
        return decode_page_fail(src, index, err, OMR_ERR_FORMAT, "the page's directory cannot be read (%s)",
                         tiff_reason(src->state, "unknown libtiff error"));
    uint32_t width = 0, height = 0;
    if (!TIFFGetField(tif, TIFFTAG_IMAGEWIDTH, &width) ||
        !TIFFGetField(tif, TIFFTAG_IMAGELENGTH, &height))
        return decode_page_fail(src, index, err, OMR_ERR_FORMAT, "the page has no image size");

    uint16_t bits = 1, samples = 1, photometric = PHOTOMETRIC_MINISWHITE, orientation = 1;
    TIFFGetFieldDefaulted(tif, TIFFTAG_BITSPERSAMPLE, &bits);
    TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLESPERPIXEL, &samples);
    TIFFGetFieldDefaulted(tif, TIFFTAG_ORIENTATION, &orientation);
    int has_photometric = TIFFGetField(tif, TIFFTAG_PHOTOMETRIC, &photometric);
    uint16_t compression = COMPRESSION_NONE;
    TIFFGetFieldDefaulted(tif, TIFFTAG_COMPRESSION, &compression);

    float xres = 0, yres = 0;
    uint16_t unit = RESUNIT_INCH;
    if (!TIFFGetField(tif, TIFFTAG_XRESOLUTION, &xres))
        xres = 0;
    if (!TIFFGetField(tif, TIFFTAG_YRESOLUTION, &yres))
        yres = 0;
    TIFFGetFieldDefaulted(tif, TIFFTAG_RESOLUTIONUNIT, &unit);
    double per_inch = unit == RESUNIT_INCH ? 1.0 : unit == RESUNIT_CENTIMETER ? 2.54 : 0.0;
    int status = decode_check_page(src, index, width, height, xres * per_inch, yres * per_inch, err);
    if (status != OMR_OK)
        return status;

    /* every reader below writes every row of the page or fails */
    omr_image *img = omr_image_new_uninit((int)width, (int)height, 0);
    if (!img)
        return decode_page_fail(src, index, err, OMR_ERR_MEMORY, "out of memory for a %u x %u page",
                         width, height);
    int grey = has_photometric && samples == 1 && !TIFFIsTiled(tif) &&
               (photometric == PHOTOMETRIC_MINISWHITE || photometric == PHOTOMETRIC_MINISBLACK);
    int min_is_white = photometric == PHOTOMETRIC_MINISWHITE;
    if (grey && bits == 1)
        status = tiff_read_bilevel(src, index, img, min_is_white, err);
    else if (grey && bits == 8)
        status = tiff_read_grey8(src, index, img, min_is_white, err);
    else if (TIFFIsTiled(tif) && compression == COMPRESSION_NONE)
        status = tiff_read_rgba_mapped(src, index, img, orientation, err);
    else
        status = tiff_read_rgba(src, tif, index, img, orientation, err);
    if (status == OMR_OK && tiff_flips(orientation))
        decode_flip(img, tiff_flips(orientation)); /* in place: no second page */
    if (status == OMR_OK)
        status = decode_finish_dpi(src, index, &img, xres * per_inch, yres * per_inch, err);
    if (status != OMR_OK) {
        omr_image_free(img);
        return status;
    }
    *out = img;
    return OMR_OK;
}

static void tiff_close(decode_source *src) {
    tiff_state *t = src->state;
    if (!t)
        return;
    if (t->tif)
        TIFFClose(t->tif);
    free(t);
    src->state = NULL;
}

const decoder decode_tiff_decoder = {
    .format = SCAN_TIFF,
    .open = tiff_open,
    .page = tiff_page,
    .close = tiff_close,
};
