/*
 * decode.c — turns a scan file into grey pages (see decode.h for the contract).
 *
 * The format comes from the file's first bytes (decode_sniff), never from its
 * name. Each format has its own small reader behind the one decode_source:
 *
 *   TIFF  libtiff, kept open across pages. Opening walks the directory chain
 *         to count pages; a chain that breaks off (truncated file) counts the
 *         unreachable page as damaged so that decode_page can say which page
 *         was lost, while the earlier pages stay readable. Bi-level and 8-bit
 *         grey strips (the mailroom's G4, LZW and JPEG scans) are decoded
 *         directly with TIFFReadEncodedStrip; everything else (palette, RGB,
 *         16-bit, tiles, odd orientations) goes through libtiff's RGBA reader
 *         in bands of strips. libtiff's messages are captured per file through
 *         TIFFOpenOptions handlers and end up in the omr_error.
 *   PNG   libpng, one row at a time (whole image only when interlaced).
 *   JPEG  libjpeg, asking it for greyscale output; a truncated or corrupt
 *         stream is an error rather than a page padded with grey.
 *   PDF   poppler-glib, each page rendered with cairo at 300 dpi on white.
 *
 * Every page comes out as an omr_image with square pixels: when a file gives
 * different x and y resolutions (fax 204 x 196 dpi) the page is resampled to
 * the finer one. Sizes are checked against DECODE_MAX_* before any pixel
 * buffer is allocated. Nothing here prints: libtiff's process-wide handlers
 * are silenced once (pthread_once), which is the only global state touched.
 */
#include "pages/decode.h"

#include <stdio.h> /* before jpeglib.h, which needs FILE */

#include <cairo.h>
#include <errno.h>
#include <fcntl.h>
#include <jerror.h>
#include <jpeglib.h>
#include <math.h>
#include <png.h>
#include <poppler.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <tiffio.h>
#include <unistd.h>

#define SNIFF_BYTES 1024  /* how far into the file "%PDF-" may start */
#define PDF_DPI 300.0
#define TIFF_MAX_MEM_ALLOC ((tmsize_t)1 << 30)  /* libtiff's largest single allocation */
#define RGBA_BAND_BYTES (4 << 20)                /* raster band for libtiff's RGBA reader */

struct decode_source {
    char *path;
    scan_format format;
    int pages;
    /* TIFF */
    TIFF *tif;
    int tiff_readable;  /* pages before this index have a readable directory */
    char tiff_broken[256]; /* why the directory after the last readable one failed */
    char tiff_message[256]; /* the last message libtiff reported for this file */
    /* PDF */
    PopplerDocument *pdf;
};

/* ---- helpers ------------------------------------------------------------ */

/* "page 3 of scan.tif: ..." for paged formats, "scan.png: ..." otherwise. */
__attribute__((format(printf, 5, 6)))
static int page_fail(const decode_source *src, int index, omr_error *err, int status,
                     const char *fmt, ...) {
    char reason[OMR_ERROR_SIZE];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, sizeof reason, fmt, ap);
    va_end(ap);
    if (src->format == SCAN_TIFF || src->format == SCAN_PDF)
        return omr_fail(err, status, "page %d of %s: %s", index + 1, src->path, reason);
    return omr_fail(err, status, "%s: %s", src->path, reason);
}

static const char *error_text(int errnum, char *buf, size_t size) {
    return strerror_r(errnum, buf, size); /* GNU variant (_GNU_SOURCE) */
}

/* Refuses absurd sizes before anything the size of the page is allocated. */
static int check_size(const decode_source *src, int index, double width, double height,
                      omr_error *err) {
    if (width < 1 || height < 1)
        return page_fail(src, index, err, OMR_ERR_FORMAT,
                         "the page has no pixels (%.0f x %.0f); the file is damaged", width, height);
    if (width > DECODE_MAX_SIDE || height > DECODE_MAX_SIDE ||
        width * height > (double)DECODE_MAX_PIXELS)
        return page_fail(src, index, err, OMR_ERR_INVALID,
                         "the page claims to be %.0f x %.0f pixels, more than omr reads "
                         "(%d pixels a side, %lld megapixels); is the file damaged or scanned "
                         "at far too high a resolution?",
                         width, height, DECODE_MAX_SIDE, DECODE_MAX_PIXELS / 1000000);
    return OMR_OK;
}

/* A resolution computed through a unit conversion (pixels per metre or per
 * centimetre) lands a hair away from the whole number the scanner was set to. */
static double snap_dpi(double dpi) {
    if (!(dpi > 0) || !isfinite(dpi))
        return 0;
    double whole = round(dpi);
    return fabs(dpi - whole) < 0.02 ? whole : dpi;
}

/* ITU-R 601 luma, 0.299 R + 0.587 G + 0.114 B, in 16-bit fixed point. */
static inline uint8_t grey_of(unsigned r, unsigned g, unsigned b) {
    return (uint8_t)((19595u * r + 38470u * g + 7471u * b + 32768u) >> 16);
}

/* Composites a grey value with straight alpha over white paper. */
static inline uint8_t over_white(unsigned grey, unsigned alpha) {
    return (uint8_t)((grey * alpha + 255u * (255u - alpha) + 127u) / 255u);
}

/* Bilinear resampling to square pixels at the finer of the two resolutions
 * (in practice only the coarser axis changes). Returns the new image (the
 * old one is freed) or NULL with *status set. */
static omr_image *square_pixels(const decode_source *src, int index, omr_image *in, double xdpi,
                                double ydpi, int *status, omr_error *err) {
    double dpi = xdpi > ydpi ? xdpi : ydpi;
    double w = round(in->width * dpi / xdpi), h = round(in->height * dpi / ydpi);
    omr_image *out = NULL;
    int *columns = NULL;
    if ((*status = check_size(src, index, w, h, err)) != OMR_OK)
        goto done;
    out = omr_image_new((int)w, (int)h, dpi, 255);
    columns = malloc(3 * (size_t)w * sizeof *columns);
    if (!out || !columns) {
        *status = page_fail(src, index, err, OMR_ERR_MEMORY, "out of memory resampling the page");
        omr_image_free(out);
        out = NULL;
        goto done;
    }
    /* Per output column: left and right source column, weight of the right. */
    for (int x = 0; x < out->width; x++) {
        double sx = (x + 0.5) * in->width / out->width - 0.5;
        int x0 = sx < 0 ? 0 : (int)sx;
        columns[3 * x] = x0;
        columns[3 * x + 1] = x0 + 1 < in->width ? x0 + 1 : x0;
        columns[3 * x + 2] = (int)lround((sx < 0 ? 0 : sx - x0) * 256);
    }
    for (int y = 0; y < out->height; y++) {
        double sy = (y + 0.5) * in->height / out->height - 0.5;
        int y0 = sy < 0 ? 0 : (int)sy;
        int y1 = y0 + 1 < in->height ? y0 + 1 : y0;
        int fy = (int)lround((sy < 0 ? 0 : sy - y0) * 256);
        const uint8_t *r0 = in->pixels + (size_t)y0 * (size_t)in->stride;
        const uint8_t *r1 = in->pixels + (size_t)y1 * (size_t)in->stride;
        uint8_t *o = out->pixels + (size_t)y * (size_t)out->stride;
        for (int x = 0; x < out->width; x++) {
            int x0 = columns[3 * x], x1 = columns[3 * x + 1], fx = columns[3 * x + 2];
            int top = r0[x0] * (256 - fx) + r0[x1] * fx;
            int bottom = r1[x0] * (256 - fx) + r1[x1] * fx;
            o[x] = (uint8_t)((top * (256 - fy) + bottom * fy + 32768) >> 16);
        }
    }
done:
    free(columns);
    omr_image_free(in);
    return out;
}

/* Gives the page square pixels when x and y resolution differ noticeably. */
static int finish_dpi(const decode_source *src, int index, omr_image **image, double xdpi,
                      double ydpi, omr_error *err) {
    xdpi = snap_dpi(xdpi);
    ydpi = snap_dpi(ydpi);
    if (xdpi > 0 && ydpi > 0 && fabs(xdpi - ydpi) > 0.005 * (xdpi > ydpi ? xdpi : ydpi)) {
        int status;
        *image = square_pixels(src, index, *image, xdpi, ydpi, &status, err);
        return status;
    }
    (*image)->dpi = xdpi > 0 ? xdpi : ydpi;
    return OMR_OK;
}

/* ---- sniffing ----------------------------------------------------------- */

int decode_sniff(const unsigned char *head, size_t len, scan_format *format) {
    static const unsigned char png_magic[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    scan_format found;
    if (!head)
        return 0;
    if (len >= 4 && ((head[0] == 'I' && head[1] == 'I' && (head[2] == 42 || head[2] == 43) &&
                      head[3] == 0) ||
                     (head[0] == 'M' && head[1] == 'M' && head[2] == 0 &&
                      (head[3] == 42 || head[3] == 43))))
        found = SCAN_TIFF; /* classic TIFF (42) or BigTIFF (43), either byte order */
    else if (len >= 8 && memcmp(head, png_magic, 8) == 0)
        found = SCAN_PNG;
    else if (len >= 3 && head[0] == 0xff && head[1] == 0xd8 && head[2] == 0xff)
        found = SCAN_JPEG;
    else if (memmem(head, len < SNIFF_BYTES ? len : SNIFF_BYTES, "%PDF-", 5))
        found = SCAN_PDF; /* PDF readers accept a little junk (a BOM, a mail header) first */
    else
        return 0;
    if (format)
        *format = found;
    return 1;
}

const char *decode_format_name(scan_format format) {
    switch (format) {
    case SCAN_TIFF: return "TIFF";
    case SCAN_PNG: return "PNG";
    case SCAN_JPEG: return "JPEG";
    case SCAN_PDF: return "PDF";
    }
    return "unknown";
}

/* The first bytes of an unknown file as a C-style string for the message. */
static void printable_prefix(const unsigned char *head, size_t len, char *out, size_t size) {
    size_t n = 0, limit = len < 24 ? len : 24;
    for (size_t i = 0; i < limit && n + 5 < size; i++) {
        unsigned char c = head[i];
        if (c == '"' || c == '\\')
            n += (size_t)snprintf(out + n, size - n, "\\%c", c);
        else if (c == '\n')
            n += (size_t)snprintf(out + n, size - n, "\\n");
        else if (c == '\r')
            n += (size_t)snprintf(out + n, size - n, "\\r");
        else if (c == '\t')
            n += (size_t)snprintf(out + n, size - n, "\\t");
        else if (c >= 0x20 && c < 0x7f)
            out[n++] = (char)c;
        else
            n += (size_t)snprintf(out + n, size - n, "\\x%02X", c);
    }
    if (len > limit && n + 4 < size)
        n += (size_t)snprintf(out + n, size - n, "...");
    out[n < size ? n : size - 1] = '\0';
}

/* ---- TIFF --------------------------------------------------------------- */

static pthread_once_t tiff_silence_once = PTHREAD_ONCE_INIT;

/* libtiff still routes a few messages (those raised without a TIFF handle in
 * older code paths) through its process-wide handlers, which print to stderr
 * by default. Clearing them is the one piece of global state decode sets. */
static void tiff_silence_globals(void) {
    TIFFSetErrorHandler(NULL);
    TIFFSetWarningHandler(NULL);
}

static int tiff_on_error(TIFF *tif, void *user_data, const char *module, const char *fmt,
                         va_list ap) {
    (void)tif;
    (void)module;
    decode_source *src = user_data;
    vsnprintf(src->tiff_message, sizeof src->tiff_message, fmt, ap);
    return 1; /* handled: do not pass on to the global handlers */
}

static int tiff_on_warning(TIFF *tif, void *user_data, const char *module, const char *fmt,
                           va_list ap) {
    (void)tif, (void)user_data, (void)module, (void)fmt, (void)ap;
    return 1; /* unknown tags and the like: not the operator's concern */
}

static const char *tiff_reason(const decode_source *src, const char *fallback) {
    return src->tiff_message[0] ? src->tiff_message : fallback;
}

static int tiff_open(decode_source *src, omr_error *err) {
    pthread_once(&tiff_silence_once, tiff_silence_globals);
    TIFFOpenOptions *opts = TIFFOpenOptionsAlloc();
    if (!opts)
        return omr_fail(err, OMR_ERR_MEMORY, "%s: out of memory opening the TIFF file", src->path);
    TIFFOpenOptionsSetErrorHandlerExtR(opts, tiff_on_error, src);
    TIFFOpenOptionsSetWarningHandlerExtR(opts, tiff_on_warning, src);
    TIFFOpenOptionsSetMaxSingleMemAlloc(opts, TIFF_MAX_MEM_ALLOC);
    /* "m": read(), not mmap(): a file shortened while we read it must give
     * an error, not SIGBUS. */
    src->tif = TIFFOpenExt(src->path, "rm", opts);
    TIFFOpenOptionsFree(opts);
    if (!src->tif)
        return omr_fail(err, OMR_ERR_FORMAT,
                        "%s: a TIFF file whose first page cannot be read (%s); the file is "
                        "damaged or was not completely written",
                        src->path, tiff_reason(src, "unknown libtiff error"));
    /* Walk the directory chain ourselves rather than TIFFNumberOfDirectories
     * so that a chain which breaks off shows up as a damaged page. */
    int pages = 1;
    while (!TIFFLastDirectory(src->tif)) {
        src->tiff_message[0] = '\0';
        if (!TIFFReadDirectory(src->tif)) {
            snprintf(src->tiff_broken, sizeof src->tiff_broken, "%s",
                     tiff_reason(src, "the directory cannot be read"));
            src->pages = pages + 1;
            src->tiff_readable = pages;
            return OMR_OK;
        }
        pages++;
    }
    src->pages = src->tiff_readable = pages;
    return OMR_OK;
}

/* 1-bit strips: eight pixels per byte expanded through a table. */
static int tiff_read_bilevel(decode_source *src, int index, omr_image *img, int min_is_white,
                             omr_error *err) {
    TIFF *tif = src->tif;
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
        return page_fail(src, index, err, OMR_ERR_FORMAT, "inconsistent strip size");
    uint8_t *buf = malloc((size_t)strip_size);
    if (!buf)
        return page_fail(src, index, err, OMR_ERR_MEMORY, "out of memory reading the page");
    int whole = img->width / 8, rest = img->width % 8;
    uint32_t strips = TIFFNumberOfStrips(tif);
    for (uint32_t s = 0, row0 = 0; row0 < height; s++, row0 += rps) {
        uint32_t rows = height - row0 < rps ? height - row0 : rps;
        tmsize_t want = (tmsize_t)(rows * row_bytes);
        src->tiff_message[0] = '\0';
        tmsize_t got = s < strips ? TIFFReadEncodedStrip(tif, s, buf, want) : -1;
        if (got != want) {
            free(buf);
            return page_fail(src, index, err, OMR_ERR_FORMAT,
                             "the image data is damaged or cut short at row %u (%s)", row0,
                             tiff_reason(src, "strip missing or short"));
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
    TIFF *tif = src->tif;
    uint32_t rps = 0;
    TIFFGetFieldDefaulted(tif, TIFFTAG_ROWSPERSTRIP, &rps);
    uint32_t height = (uint32_t)img->height;
    if (rps == 0 || rps > height)
        rps = height;
    size_t row_bytes = (size_t)img->width;
    if (TIFFScanlineSize(tif) != (tmsize_t)row_bytes || img->stride != img->width)
        return page_fail(src, index, err, OMR_ERR_FORMAT, "inconsistent scanline size");
    uint32_t strips = TIFFNumberOfStrips(tif);
    for (uint32_t s = 0, row0 = 0; row0 < height; s++, row0 += rps) {
        uint32_t rows = height - row0 < rps ? height - row0 : rps;
        tmsize_t want = (tmsize_t)(rows * row_bytes);
        uint8_t *out = img->pixels + (size_t)row0 * row_bytes;
        src->tiff_message[0] = '\0';
        tmsize_t got = s < strips ? TIFFReadEncodedStrip(tif, s, out, want) : -1;
        if (got != want)
            return page_fail(src, index, err, OMR_ERR_FORMAT,
                             "the image data is damaged or cut short at row %u (%s)", row0,
                             tiff_reason(src, "strip missing or short"));
        if (min_is_white)
            for (size_t i = 0; i < (size_t)want; i++)
                out[i] = (uint8_t)(255 - out[i]);
    }
    return OMR_OK;
}

static void rgba_to_grey(const uint32_t *in, uint8_t *out, int n) {
    for (int i = 0; i < n; i++) {
        uint32_t p = in[i];
        /* libtiff hands out premultiplied alpha: add the paper showing through. */
        unsigned paper = 255u - TIFFGetA(p);
        unsigned r = TIFFGetR(p) + paper, g = TIFFGetG(p) + paper, b = TIFFGetB(p) + paper;
        out[i] = grey_of(r > 255 ? 255 : r, g > 255 ? 255 : g, b > 255 ? 255 : b);
    }
}

/* Everything else: libtiff's RGBA reader, band by band when the page is
 * stored top-down (nearly always), whole otherwise. */
static int tiff_read_rgba(decode_source *src, TIFF *tif, int index, omr_image *img,
                          uint16_t orientation, omr_error *err) {
    char emsg[1024] = "";
    src->tiff_message[0] = '\0';
    if (!TIFFRGBAImageOK(tif, emsg))
        return page_fail(src, index, err, OMR_ERR_FORMAT, "this kind of TIFF page cannot be read (%s)",
                         emsg);
    TIFFRGBAImage rgba;
    if (!TIFFRGBAImageBegin(&rgba, tif, 1, emsg))
        return page_fail(src, index, err, OMR_ERR_FORMAT, "this kind of TIFF page cannot be read (%s)",
                         emsg);
    rgba.req_orientation = ORIENTATION_TOPLEFT;
    uint32_t width = (uint32_t)img->width, height = (uint32_t)img->height;
    uint32_t band = height;
    if (orientation == ORIENTATION_TOPLEFT) {
        /* Bands of whole strips or tiles, so none is decoded twice. */
        uint32_t unit = 0;
        if (TIFFIsTiled(tif))
            TIFFGetField(tif, TIFFTAG_TILELENGTH, &unit);
        else
            TIFFGetFieldDefaulted(tif, TIFFTAG_ROWSPERSTRIP, &unit);
        if (unit == 0 || unit > height)
            unit = height;
        uint32_t units = (uint32_t)(RGBA_BAND_BYTES / ((size_t)width * 4 * unit));
        band = unit * (units ? units : 1);
        if (band > height)
            band = height;
    }
    uint32_t *raster = malloc((size_t)width * band * sizeof *raster);
    if (!raster) {
        TIFFRGBAImageEnd(&rgba);
        return page_fail(src, index, err, OMR_ERR_MEMORY, "out of memory reading the page");
    }
    int status = OMR_OK;
    for (uint32_t row0 = 0; row0 < height; row0 += band) {
        uint32_t rows = height - row0 < band ? height - row0 : band;
        rgba.row_offset = (int)row0;
        rgba.col_offset = 0;
        if (!TIFFRGBAImageGet(&rgba, raster, width, rows)) {
            status = page_fail(src, index, err, OMR_ERR_FORMAT,
                               "the image data is damaged or cut short near row %u (%s)", row0,
                               tiff_reason(src, "unknown libtiff error"));
            break;
        }
        for (uint32_t r = 0; r < rows; r++)
            rgba_to_grey(raster + (size_t)r * width,
                         img->pixels + (size_t)(row0 + r) * (size_t)img->stride, img->width);
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
    TIFFOpenOptions *opts = TIFFOpenOptionsAlloc();
    if (!opts)
        return page_fail(src, index, err, OMR_ERR_MEMORY, "out of memory reading the page");
    TIFFOpenOptionsSetErrorHandlerExtR(opts, tiff_on_error, src);
    TIFFOpenOptionsSetWarningHandlerExtR(opts, tiff_on_warning, src);
    TIFFOpenOptionsSetMaxSingleMemAlloc(opts, TIFF_MAX_MEM_ALLOC);
    src->tiff_message[0] = '\0';
    TIFF *mapped = TIFFOpenExt(src->path, "r", opts);
    TIFFOpenOptionsFree(opts);
    if (!mapped || !TIFFSetDirectory(mapped, (tdir_t)index)) {
        if (mapped)
            TIFFClose(mapped);
        return page_fail(src, index, err, OMR_ERR_FORMAT, "the page cannot be read again (%s)",
                         tiff_reason(src, "unknown libtiff error"));
    }
    int status = tiff_read_rgba(src, mapped, index, img, orientation, err);
    TIFFClose(mapped);
    return status;
}

static int tiff_page(decode_source *src, int index, omr_image **out, omr_error *err) {
    TIFF *tif = src->tif;
    if (index >= src->tiff_readable)
        return page_fail(src, index, err, OMR_ERR_FORMAT,
                         "the page's directory cannot be read (%s); the file is truncated or "
                         "damaged after page %d, and any later pages are lost",
                         src->tiff_broken, src->tiff_readable);
    src->tiff_message[0] = '\0';
    if (!TIFFSetDirectory(tif, (tdir_t)index))
        return page_fail(src, index, err, OMR_ERR_FORMAT, "the page's directory cannot be read (%s)",
                         tiff_reason(src, "unknown libtiff error"));
    uint32_t width = 0, height = 0;
    if (!TIFFGetField(tif, TIFFTAG_IMAGEWIDTH, &width) ||
        !TIFFGetField(tif, TIFFTAG_IMAGELENGTH, &height))
        return page_fail(src, index, err, OMR_ERR_FORMAT, "the page has no image size");
    int status = check_size(src, index, width, height, err);
    if (status != OMR_OK)
        return status;

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

    omr_image *img = omr_image_new((int)width, (int)height, 0, 255);
    if (!img)
        return page_fail(src, index, err, OMR_ERR_MEMORY, "out of memory for a %u x %u page",
                         width, height);
    int grey = has_photometric && samples == 1 && !TIFFIsTiled(tif) &&
               orientation == ORIENTATION_TOPLEFT &&
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
    if (status == OMR_OK)
        status = finish_dpi(src, index, &img, xres * per_inch, yres * per_inch, err);
    if (status != OMR_OK) {
        omr_image_free(img);
        return status;
    }
    *out = img;
    return OMR_OK;
}

/* ---- PNG ---------------------------------------------------------------- */

typedef struct {
    jmp_buf jump;
    char message[200];
} png_context;

static void png_on_error(png_structp png, png_const_charp message) {
    png_context *ctx = png_get_error_ptr(png);
    snprintf(ctx->message, sizeof ctx->message, "%s", message);
    longjmp(ctx->jump, 1);
}

static void png_on_warning(png_structp png, png_const_charp message) {
    (void)png, (void)message;
}

static void grey_from_channels(const uint8_t *in, uint8_t *out, int width, int channels) {
    switch (channels) {
    case 1:
        memcpy(out, in, (size_t)width);
        break;
    case 2:
        for (int x = 0; x < width; x++)
            out[x] = over_white(in[2 * x], in[2 * x + 1]);
        break;
    case 3:
        for (int x = 0; x < width; x++)
            out[x] = grey_of(in[3 * x], in[3 * x + 1], in[3 * x + 2]);
        break;
    default:
        for (int x = 0; x < width; x++)
            out[x] = over_white(grey_of(in[4 * x], in[4 * x + 1], in[4 * x + 2]), in[4 * x + 3]);
        break;
    }
}

static int png_page(decode_source *src, omr_image **out, omr_error *err) {
    char ebuf[128];
    FILE *volatile file = fopen(src->path, "rb");
    if (!file)
        return omr_fail(err, OMR_ERR_IO, "%s: cannot open: %s", src->path,
                        error_text(errno, ebuf, sizeof ebuf));
    png_context ctx = {.message = ""};
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &ctx, png_on_error,
                                             png_on_warning);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    omr_image *volatile img = NULL;
    uint8_t *volatile rows = NULL;
    volatile int status = OMR_OK;
    if (!info) {
        status = omr_fail(err, OMR_ERR_MEMORY, "%s: out of memory reading the PNG", src->path);
        goto done;
    }
    if (setjmp(ctx.jump)) {
        status = omr_fail(err, OMR_ERR_FORMAT, "%s: the PNG is damaged or cut short (%s)",
                          src->path, ctx.message);
        goto done;
    }
    png_init_io(png, file);
    png_read_info(png, info);
    png_uint_32 width = png_get_image_width(png, info), height = png_get_image_height(png, info);
    if ((status = check_size(src, 0, width, height, err)) != OMR_OK)
        goto done;
    png_set_expand(png);   /* palette to RGB, 1/2/4-bit grey to 8, tRNS to alpha */
    png_set_scale_16(png); /* 16-bit samples to 8 */
    int passes = png_set_interlace_handling(png);
    png_read_update_info(png, info);
    int channels = png_get_channels(png, info);
    size_t row_bytes = png_get_rowbytes(png, info);
    if (channels < 1 || channels > 4 || row_bytes != (size_t)width * (size_t)channels) {
        status = omr_fail(err, OMR_ERR_FORMAT, "%s: unexpected PNG pixel layout", src->path);
        goto done;
    }
    png_uint_32 ppm_x = 0, ppm_y = 0;
    int unit = 0;
    double xdpi = 0, ydpi = 0;
    if (png_get_pHYs(png, info, &ppm_x, &ppm_y, &unit) && unit == PNG_RESOLUTION_METER) {
        xdpi = ppm_x * 0.0254;
        ydpi = ppm_y * 0.0254;
    }
    img = omr_image_new((int)width, (int)height, 0, 255);
    if (!img) {
        status = omr_fail(err, OMR_ERR_MEMORY, "%s: out of memory for a %u x %u page", src->path,
                          (unsigned)width, (unsigned)height);
        goto done;
    }
    if (passes > 1) {
        /* Interlaced: later passes refine earlier rows, so keep them all. */
        rows = malloc(row_bytes * height);
        if (!rows) {
            status = omr_fail(err, OMR_ERR_MEMORY, "%s: out of memory reading the PNG", src->path);
            goto done;
        }
        for (int pass = 0; pass < passes; pass++)
            for (png_uint_32 y = 0; y < height; y++)
                png_read_row(png, rows + y * row_bytes, NULL);
        for (png_uint_32 y = 0; y < height; y++)
            grey_from_channels(rows + y * row_bytes, img->pixels + (size_t)y * (size_t)img->stride,
                               (int)width, channels);
    } else if (channels == 1) {
        for (png_uint_32 y = 0; y < height; y++)
            png_read_row(png, img->pixels + (size_t)y * (size_t)img->stride, NULL);
    } else {
        rows = malloc(row_bytes);
        if (!rows) {
            status = omr_fail(err, OMR_ERR_MEMORY, "%s: out of memory reading the PNG", src->path);
            goto done;
        }
        for (png_uint_32 y = 0; y < height; y++) {
            png_read_row(png, rows, NULL);
            grey_from_channels(rows, img->pixels + (size_t)y * (size_t)img->stride, (int)width,
                               channels);
        }
    }
    omr_image *page = img;
    status = finish_dpi(src, 0, &page, xdpi, ydpi, err);
    img = page;
done:
    png_destroy_read_struct(png ? &png : NULL, info ? &info : NULL, NULL);
    free(rows);
    fclose(file);
    if (status != OMR_OK) {
        omr_image_free(img);
        return status;
    }
    *out = img;
    return OMR_OK;
}

/* ---- JPEG --------------------------------------------------------------- */

typedef struct {
    struct jpeg_error_mgr pub;
    jmp_buf jump;
    char message[JMSG_LENGTH_MAX];
    int damaged; /* a warning that means pixels were made up */
} jpeg_context;

static void jpeg_on_error(j_common_ptr cinfo) {
    jpeg_context *ctx = (jpeg_context *)cinfo->err;
    cinfo->err->format_message(cinfo, ctx->message);
    longjmp(ctx->jump, 1);
}

static void jpeg_on_message(j_common_ptr cinfo, int level) {
    jpeg_context *ctx = (jpeg_context *)cinfo->err;
    if (level >= 0)
        return; /* trace messages */
    int code = cinfo->err->msg_code;
    if (!ctx->damaged && (code == JWRN_JPEG_EOF || code == JWRN_HIT_MARKER ||
                          code == JWRN_MUST_RESYNC)) {
        ctx->damaged = 1;
        cinfo->err->format_message(cinfo, ctx->message);
    }
    cinfo->err->num_warnings++;
}

static void jpeg_silent(j_common_ptr cinfo) {
    (void)cinfo;
}

static int jpeg_page(decode_source *src, omr_image **out, omr_error *err) {
    char ebuf[128];
    FILE *volatile file = fopen(src->path, "rb");
    if (!file)
        return omr_fail(err, OMR_ERR_IO, "%s: cannot open: %s", src->path,
                        error_text(errno, ebuf, sizeof ebuf));
    struct jpeg_decompress_struct cinfo;
    jpeg_context ctx;
    memset(&cinfo, 0, sizeof cinfo); /* so that destroy after an early error is safe */
    memset(&ctx, 0, sizeof ctx);
    cinfo.err = jpeg_std_error(&ctx.pub);
    ctx.pub.error_exit = jpeg_on_error;
    ctx.pub.emit_message = jpeg_on_message;
    ctx.pub.output_message = jpeg_silent;
    omr_image *volatile img = NULL;
    volatile int status = OMR_OK;
    if (setjmp(ctx.jump)) {
        status = omr_fail(err, OMR_ERR_FORMAT, "%s: the JPEG is damaged or cut short (%s)",
                          src->path, ctx.message);
        goto done;
    }
    jpeg_create_decompress(&cinfo);
    jpeg_stdio_src(&cinfo, file);
    jpeg_read_header(&cinfo, TRUE);
    if ((status = check_size(src, 0, cinfo.image_width, cinfo.image_height, err)) != OMR_OK)
        goto done;
    if (cinfo.jpeg_color_space == JCS_CMYK || cinfo.jpeg_color_space == JCS_YCCK) {
        status = omr_fail(err, OMR_ERR_FORMAT,
                          "%s: a CMYK JPEG, which omr does not read; scan in grey or colour (RGB)",
                          src->path);
        goto done;
    }
    double xdpi = 0, ydpi = 0;
    if (cinfo.saw_JFIF_marker && (cinfo.density_unit == 1 || cinfo.density_unit == 2)) {
        double per_inch = cinfo.density_unit == 1 ? 1.0 : 2.54;
        xdpi = cinfo.X_density * per_inch;
        ydpi = cinfo.Y_density * per_inch;
    }
    cinfo.out_color_space = JCS_GRAYSCALE; /* the luma channel, 0.299 R + 0.587 G + 0.114 B */
    jpeg_start_decompress(&cinfo);
    if (cinfo.output_components != 1) {
        status = omr_fail(err, OMR_ERR_FORMAT, "%s: libjpeg gave no grey output", src->path);
        goto done;
    }
    img = omr_image_new((int)cinfo.output_width, (int)cinfo.output_height, 0, 255);
    if (!img) {
        status = omr_fail(err, OMR_ERR_MEMORY, "%s: out of memory for a %u x %u page", src->path,
                          cinfo.output_width, cinfo.output_height);
        goto done;
    }
    while (cinfo.output_scanline < cinfo.output_height && !ctx.damaged) {
        JSAMPROW rows[16];
        int n = 0;
        for (; n < 16 && cinfo.output_scanline + (unsigned)n < cinfo.output_height; n++)
            rows[n] = img->pixels + (size_t)(cinfo.output_scanline + (unsigned)n) *
                                        (size_t)img->stride;
        if (jpeg_read_scanlines(&cinfo, rows, (JDIMENSION)n) == 0)
            break;
    }
    if (ctx.damaged || cinfo.output_scanline < cinfo.output_height) {
        status = omr_fail(err, OMR_ERR_FORMAT, "%s: the JPEG is damaged or cut short (%s)",
                          src->path, ctx.message[0] ? ctx.message : "image data ends early");
        goto done;
    }
    jpeg_finish_decompress(&cinfo);
    omr_image *page = img;
    status = finish_dpi(src, 0, &page, xdpi, ydpi, err);
    img = page;
done:
    jpeg_destroy_decompress(&cinfo);
    fclose(file);
    if (status != OMR_OK) {
        omr_image_free(img);
        return status;
    }
    *out = img;
    return OMR_OK;
}

/* ---- PDF ---------------------------------------------------------------- */

static int pdf_open(decode_source *src, omr_error *err) {
    GError *gerr = NULL;
    /* poppler wants a file:// URI, and g_filename_to_uri an absolute path. */
    char *absolute = realpath(src->path, NULL);
    char *uri = absolute ? g_filename_to_uri(absolute, NULL, &gerr) : NULL;
    free(absolute);
    if (!uri) {
        int status = omr_fail(err, OMR_ERR_IO, "%s: cannot make a file URI for the PDF reader (%s)",
                              src->path, gerr ? gerr->message : "path not found");
        g_clear_error(&gerr);
        return status;
    }
    src->pdf = poppler_document_new_from_file(uri, NULL, &gerr);
    g_free(uri);
    if (!src->pdf) {
        int encrypted = gerr && gerr->domain == POPPLER_ERROR && gerr->code == POPPLER_ERROR_ENCRYPTED;
        int status;
        if (encrypted)
            status = omr_fail(err, OMR_ERR_FORMAT,
                              "%s: the PDF is password-protected; ask for an unprotected file or "
                              "rescan the paper",
                              src->path);
        else
            status = omr_fail(err, OMR_ERR_FORMAT, "%s: a PDF that cannot be read (%s)", src->path,
                              gerr ? gerr->message : "unknown poppler error");
        g_clear_error(&gerr);
        return status;
    }
    src->pages = poppler_document_get_n_pages(src->pdf);
    if (src->pages < 1)
        return omr_fail(err, OMR_ERR_FORMAT, "%s: the PDF has no pages", src->path);
    return OMR_OK;
}

static int pdf_page(decode_source *src, int index, omr_image **out, omr_error *err) {
    PopplerPage *page = poppler_document_get_page(src->pdf, index);
    if (!page)
        return page_fail(src, index, err, OMR_ERR_FORMAT, "the PDF page cannot be read");
    double width_pt = 0, height_pt = 0;
    poppler_page_get_size(page, &width_pt, &height_pt);
    double scale = PDF_DPI / 72.0;
    double width = round(width_pt * scale), height = round(height_pt * scale);
    int status = check_size(src, index, width, height, err);
    if (status != OMR_OK) {
        g_object_unref(page);
        return status;
    }
    cairo_surface_t *surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, (int)width, (int)height);
    if (cairo_surface_status(surface) != CAIRO_STATUS_SUCCESS) {
        cairo_surface_destroy(surface);
        g_object_unref(page);
        return page_fail(src, index, err, OMR_ERR_MEMORY, "out of memory rendering the PDF page");
    }
    cairo_t *cr = cairo_create(surface);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    cairo_scale(cr, scale, scale);
    poppler_page_render(page, cr);
    cairo_status_t drawn = cairo_status(cr);
    cairo_destroy(cr);
    g_object_unref(page);
    cairo_surface_flush(surface);
    if (drawn != CAIRO_STATUS_SUCCESS) {
        cairo_surface_destroy(surface);
        return page_fail(src, index, err, OMR_ERR_FORMAT, "the PDF page cannot be drawn (%s)",
                         cairo_status_to_string(drawn));
    }
    omr_image *img = omr_image_new((int)width, (int)height, PDF_DPI, 255);
    if (!img) {
        cairo_surface_destroy(surface);
        return page_fail(src, index, err, OMR_ERR_MEMORY, "out of memory for the page");
    }
    const uint8_t *data = cairo_image_surface_get_data(surface);
    int stride = cairo_image_surface_get_stride(surface);
    for (int y = 0; y < img->height; y++) {
        const uint32_t *in = (const uint32_t *)(const void *)(data + (size_t)y * (size_t)stride);
        uint8_t *o = img->pixels + (size_t)y * (size_t)img->stride;
        for (int x = 0; x < img->width; x++) /* CAIRO_FORMAT_RGB24: 0x00RRGGBB, native */
            o[x] = grey_of((in[x] >> 16) & 0xff, (in[x] >> 8) & 0xff, in[x] & 0xff);
    }
    cairo_surface_destroy(surface);
    *out = img;
    return OMR_OK;
}

/* ---- the source --------------------------------------------------------- */

int decode_open(const char *path, decode_source **out, omr_error *err) {
    char ebuf[128];
    if (!path || !out)
        return omr_fail(err, OMR_ERR_INVALID, "decode_open: no file given");
    *out = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return omr_fail(err, OMR_ERR_IO, "%s: cannot open: %s", path,
                        error_text(errno, ebuf, sizeof ebuf));
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        return omr_fail(err, OMR_ERR_IO, "%s: cannot read: %s", path,
                        error_text(e, ebuf, sizeof ebuf));
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return omr_fail(err, OMR_ERR_IO, "%s: %s, not a scan file", path,
                        S_ISDIR(st.st_mode) ? "a directory" : "not a regular file");
    }
    unsigned char head[SNIFF_BYTES];
    size_t len = 0;
    while (len < sizeof head) {
        ssize_t n = read(fd, head + len, sizeof head - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int e = errno;
            close(fd);
            return omr_fail(err, OMR_ERR_IO, "%s: cannot read: %s", path,
                            error_text(e, ebuf, sizeof ebuf));
        }
        if (n == 0)
            break;
        len += (size_t)n;
    }
    close(fd);
    if (len == 0)
        return omr_fail(err, OMR_ERR_FORMAT,
                        "%s: the file is empty (0 bytes); was the scan interrupted or not yet "
                        "completely copied?",
                        path);
    scan_format format;
    if (!decode_sniff(head, len, &format)) {
        char prefix[128];
        printable_prefix(head, len, prefix, sizeof prefix);
        return omr_fail(err, OMR_ERR_FORMAT,
                        "%s: not a TIFF, PNG, JPEG or PDF file (it starts with \"%s\")", path,
                        prefix);
    }
    decode_source *src = calloc(1, sizeof *src);
    if (!src || !(src->path = omr_strdup(path))) {
        free(src);
        return omr_fail(err, OMR_ERR_MEMORY, "%s: out of memory", path);
    }
    src->format = format;
    int status = OMR_OK;
    switch (format) {
    case SCAN_TIFF: status = tiff_open(src, err); break;
    case SCAN_PDF: status = pdf_open(src, err); break;
    case SCAN_PNG:
    case SCAN_JPEG: src->pages = 1; break;
    }
    if (status != OMR_OK) {
        decode_close(src);
        return status;
    }
    *out = src;
    return OMR_OK;
}

scan_format decode_format(const decode_source *src) {
    return src->format;
}

int decode_page_count(const decode_source *src) {
    return src ? src->pages : 0;
}

int decode_page(decode_source *src, int index, omr_image **out, omr_error *err) {
    if (!src || !out)
        return omr_fail(err, OMR_ERR_INVALID, "decode_page: no source or output given");
    *out = NULL;
    if (index < 0 || index >= src->pages)
        return omr_fail(err, OMR_ERR_INVALID, "%s has %d page%s; there is no page %d", src->path,
                        src->pages, src->pages == 1 ? "" : "s", index + 1);
    switch (src->format) {
    case SCAN_TIFF: return tiff_page(src, index, out, err);
    case SCAN_PNG: return png_page(src, out, err);
    case SCAN_JPEG: return jpeg_page(src, out, err);
    case SCAN_PDF: return pdf_page(src, index, out, err);
    }
    return omr_fail(err, OMR_ERR_INVALID, "%s: unknown format", src->path);
}

void decode_close(decode_source *src) {
    if (!src)
        return;
    if (src->tif)
        TIFFClose(src->tif);
    if (src->pdf)
        g_object_unref(src->pdf);
    free(src->path);
    free(src);
}
