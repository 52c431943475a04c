/*
 * decode.c — turns a scan file into grey pages (see decode.h for the contract).
 *
 * The format comes from the file's first bytes (decode_sniff), never from its
 * name. Each format has its own decoder behind the one small interface of
 * decoder.h (open, page, close), in its own file:
 *
 *   TIFF  decode_tiff.c  libtiff, kept open across pages; G4/grey strips
 *                        directly, everything else through the RGBA reader.
 *   PNG   decode_png.c   libpng, one row at a time.
 *   JPEG  decode_jpeg.c  libjpeg, greyscale output; damage is an error.
 *   PDF   decode_pdf.c   poppler-glib, each page rendered at 300 dpi.
 *
 * This file sniffs, dispatches, checks page indices and holds what the
 * decoders share: the error message naming the page, the size check made
 * before any pixel buffer is allocated (DECODE_MAX_*), and the resolution
 * post-processing, and the colour drop-out each decoder applies through
 * decode_grey_dropout (decode_set_dropout). Every page comes out as an omr_image with square pixels:
 * when a file gives different x and y resolutions (fax 204 x 196 dpi) the
 * page is resampled to the finer one. Nothing here prints.
 */
#include "pages/decode.h"
#include "pages/decoder.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SNIFF_BYTES 1024  /* how far into the file "%PDF-" may start */

static const decoder *decoder_for(scan_format format) {
    switch (format) {
    case SCAN_TIFF: return &decode_tiff_decoder;
    case SCAN_PNG: return &decode_png_decoder;
    case SCAN_JPEG: return &decode_jpeg_decoder;
    case SCAN_PDF: return &decode_pdf_decoder;
    }
    assert(!"unknown scan_format");
    return &decode_png_decoder;
}

/* ---- shared by the decoders (decoder.h) ---------------------------------- */

int decode_page_fail(const decode_source *src, int index, omr_error *err, int status,
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

const char *decode_error_text(int errnum, char *buf, size_t size) {
    return strerror_r(errnum, buf, size); /* GNU variant (_GNU_SOURCE) */
}

int decode_check_size(const decode_source *src, int index, double width, double height,
                      omr_error *err) {
    return decode_check_page(src, index, width, height, 0, 0, err);
}

/* A resolution computed through a unit conversion (pixels per metre or per
 * centimetre) lands a hair away from the whole number the scanner was set to. */
static double snap_dpi(double dpi) {
    if (!(dpi > 0) || !isfinite(dpi))
        return 0;
    double whole = round(dpi);
    return fabs(dpi - whole) < 0.02 ? whole : dpi;
}

/* Whether the page needs resampling to square pixels. */
static int needs_squaring(double xdpi, double ydpi) {
    return xdpi > 0 && ydpi > 0 && fabs(xdpi - ydpi) > 0.005 * (xdpi > ydpi ? xdpi : ydpi);
}

static int sane_dpi(double dpi) {
    return dpi >= DECODE_MIN_DPI && dpi <= DECODE_MAX_DPI;
}

/* "20000 x 20000 pixels" with " (1693 x 1693 mm at 300 dpi)" when known. */
static void describe_size(double width, double height, double xdpi, double ydpi, char *out,
                          size_t size) {
    int n = snprintf(out, size, "%.0f x %.0f pixels", width, height);
    if (n > 0 && (size_t)n < size && sane_dpi(xdpi) && sane_dpi(ydpi)) {
        if (fabs(xdpi - ydpi) < 0.5)
            snprintf(out + n, size - (size_t)n, " (%.0f x %.0f mm at %.0f dpi)",
                     width / xdpi * 25.4, height / ydpi * 25.4, xdpi);
        else
            snprintf(out + n, size - (size_t)n, " (%.0f x %.0f mm at %.0f x %.0f dpi)",
                     width / xdpi * 25.4, height / ydpi * 25.4, xdpi, ydpi);
    }
}

int decode_check_budget(const decode_source *src, int index, double bytes, const char *what,
                        omr_error *err) {
    if (bytes <= (double)DECODE_MAX_BYTES)
        return OMR_OK;
    return decode_page_fail(src, index, err, OMR_ERR_INVALID,
                            "%s would take %.0f MB, more than the %lld MB omr allows for one "
                            "page; is the file damaged or scanned at far too high a resolution?",
                            what, bytes / (1024.0 * 1024.0), DECODE_MAX_BYTES / (1024 * 1024));
}

int decode_check_page(const decode_source *src, int index, double width, double height,
                      double xdpi, double ydpi, omr_error *err) {
    char shown[160];
    xdpi = snap_dpi(xdpi);
    ydpi = snap_dpi(ydpi);
    if (!(width >= 1) || !(height >= 1))
        return decode_page_fail(src, index, err, OMR_ERR_FORMAT,
                         "the page has no pixels (%.0f x %.0f); the file is damaged", width, height);
    /* Tags that would stretch the page are the real cause, so said first. */
    int squaring = needs_squaring(xdpi, ydpi);
    double hi = xdpi > ydpi ? xdpi : ydpi, lo = xdpi > ydpi ? ydpi : xdpi;
    if (squaring && (!sane_dpi(xdpi) || !sane_dpi(ydpi) || hi / lo > DECODE_MAX_DPI_RATIO))
        return decode_page_fail(src, index, err, OMR_ERR_INVALID,
                         "its resolution tags make no sense: %.4g x %.4g dpi (pixels %.3g times "
                         "as %s as %s) for %.0f x %.0f pixels; a scanner gives %.0f to %.0f dpi "
                         "with x and y at most %.1f times apart (fax: 204 x 98), so the file is "
                         "damaged or was written by a faulty program",
                         xdpi, ydpi, hi / lo, xdpi < ydpi ? "wide" : "tall",
                         xdpi < ydpi ? "tall" : "wide", width, height, DECODE_MIN_DPI,
                         DECODE_MAX_DPI, DECODE_MAX_DPI_RATIO);
    if (width > DECODE_MAX_SIDE || height > DECODE_MAX_SIDE ||
        width * height > (double)DECODE_MAX_PIXELS) {
        describe_size(width, height, xdpi, ydpi, shown, sizeof shown);
        return decode_page_fail(src, index, err, OMR_ERR_INVALID,
                         "the page is %s, larger than any questionnaire page: omr reads at most "
                         "%d pixels a side and %lld megapixels (A3 at 600 dpi is 7016 x 9921); "
                         "is the file damaged or scanned at far too high a resolution?",
                         shown, DECODE_MAX_SIDE, DECODE_MAX_PIXELS / 1000000);
    }
    if (!squaring)
        return OMR_OK;
    /* Square pixels at the finer resolution: the page as it will be. */
    double w = round(width * hi / xdpi), h = round(height * hi / ydpi);
    if (w > DECODE_MAX_SIDE || h > DECODE_MAX_SIDE || w * h > (double)DECODE_MAX_PIXELS) {
        describe_size(width, height, xdpi, ydpi, shown, sizeof shown);
        return decode_page_fail(src, index, err, OMR_ERR_INVALID,
                         "the page is %s, which with square pixels at %.0f dpi would be "
                         "%.0f x %.0f pixels, larger than any questionnaire page: omr reads at "
                         "most %d pixels a side and %lld megapixels (A3 at 600 dpi is 7016 x 9921)",
                         shown, hi, w, h, DECODE_MAX_SIDE, DECODE_MAX_PIXELS / 1000000);
    }
    /* Resampling holds the old page, the new one and a table of columns. */
    return decode_check_budget(src, index, width * height + w * h + 3.0 * w * sizeof(int),
                               "resampling the page to square pixels", err);
}

void decode_flip(omr_image *image, int flips) {
    assert(image && image->pixels && image->stride >= image->width);
    int w = image->width, h = image->height;
    size_t stride = (size_t)image->stride;
    if (flips & DECODE_FLIP_X)
        for (int y = 0; y < h; y++) {
            uint8_t *row = image->pixels + (size_t)y * stride;
            for (int a = 0, b = w - 1; a < b; a++, b--) {
                uint8_t t = row[a];
                row[a] = row[b];
                row[b] = t;
            }
        }
    if (flips & DECODE_FLIP_Y)
        for (int a = 0, b = h - 1; a < b; a++, b--) {
            uint8_t *ra = image->pixels + (size_t)a * stride, *rb = image->pixels + (size_t)b * stride;
            for (int x = 0; x < w; x++) {
                uint8_t t = ra[x];
                ra[x] = rb[x];
                rb[x] = t;
            }
        }
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
    if ((*status = decode_check_page(src, index, in->width, in->height, xdpi, ydpi, err)) != OMR_OK)
        goto done;
    out = omr_image_new_uninit((int)w, (int)h, dpi); /* every pixel resampled */
    columns = malloc(3 * (size_t)w * sizeof *columns);
    if (!out || !columns) {
        *status = decode_page_fail(src, index, err, OMR_ERR_MEMORY, "out of memory resampling the page");
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

int decode_finish_dpi(const decode_source *src, int index, omr_image **image, double xdpi,
                      double ydpi, omr_error *err) {
    xdpi = snap_dpi(xdpi);
    ydpi = snap_dpi(ydpi);
    if (needs_squaring(xdpi, ydpi)) {
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

/* ---- the source --------------------------------------------------------- */

int decode_open(const char *path, decode_source **out, omr_error *err) {
    char ebuf[128];
    if (!path || !out)
        return omr_fail(err, OMR_ERR_INVALID, "decode_open: no file given");
    *out = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return omr_fail(err, OMR_ERR_IO, "%s: cannot open: %s", path,
                        decode_error_text(errno, ebuf, sizeof ebuf));
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        return omr_fail(err, OMR_ERR_IO, "%s: cannot read: %s", path,
                        decode_error_text(e, ebuf, sizeof ebuf));
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
                            decode_error_text(e, ebuf, sizeof ebuf));
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
    src->decoder = decoder_for(format);
    src->pages = 1;
    int status = src->decoder->open ? src->decoder->open(src, err) : OMR_OK;
    assert(status != OMR_OK || src->pages >= 1);
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
    assert(src->decoder && src->decoder->page);
    return src->decoder->page(src, index, out, err);
}

void decode_set_dropout(decode_source *src, decode_dropout dropout) {
    assert(src && dropout >= DECODE_DROPOUT_NONE && dropout <= DECODE_DROPOUT_BLUE);
    src->dropout = dropout;
}

static const char *const dropout_names[] = {"none", "red", "green", "blue"};

const char *decode_dropout_name(decode_dropout dropout) {
    assert(dropout >= DECODE_DROPOUT_NONE && dropout <= DECODE_DROPOUT_BLUE);
    return dropout_names[dropout];
}

int decode_dropout_parse(const char *name, decode_dropout *out) {
    for (int i = 0; name && i < 4; i++)
        if (strcmp(name, dropout_names[i]) == 0) {
            *out = (decode_dropout)i;
            return 1;
        }
    return 0;
}

void decode_close(decode_source *src) {
    if (!src)
        return;
    if (src->decoder && src->decoder->close)
        src->decoder->close(src);
    free(src->path);
    free(src);
}
