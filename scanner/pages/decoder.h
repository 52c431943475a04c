/*
 * decoder.h — the private interface between decode.c and its per-format
 * decoders (decode_tiff.c, decode_png.c, decode_jpeg.c, decode_pdf.c), in the
 * manner of zbar's symbology decoders: one table of entry points per format,
 * and one decode_source that decode.c owns and hands to them.
 *
 * decode.c sniffs the file, picks the decoder, checks page indices and owns
 * the shared post-processing (size checks, resolution: square pixels); a
 * decoder only knows its library. A decoder keeps whatever it needs between
 * pages (an open TIFF or PDF document) behind src->state and frees it in
 * close. Not part of the public API: include pages/decode.h instead.
 */
#ifndef OMR_PAGES_DECODER_H
#define OMR_PAGES_DECODER_H

#include "base/common.h"
#include "pages/decode_types.h"

#include <stddef.h>
#include <stdint.h>

struct decode_source {
    char *path;
    scan_format format;
    int pages;                     /* >= 1 once open has succeeded */
    const struct decoder *decoder; /* the one for `format` */
    void *state;                   /* the decoder's own, freed by its close */
    decode_dropout dropout;        /* decode_set_dropout: how colour becomes grey */
};

typedef struct decoder {
    scan_format format;
    /* Opens src->path (known to hold this format), sets src->pages and,
     * if the decoder keeps anything open, src->state. NULL: a single-page
     * format that opens the file anew in page. */
    int (*open)(decode_source *src, omr_error *err);
    /* Decodes page `index`, already checked to be in 0 .. pages-1. */
    int (*page)(decode_source *src, int index, omr_image **out, omr_error *err);
    /* Frees src->state (which may be NULL after a failed open). */
    void (*close)(decode_source *src);
} decoder;

extern const decoder decode_tiff_decoder;
extern const decoder decode_png_decoder;
extern const decoder decode_jpeg_decoder;
extern const decoder decode_pdf_decoder;

/* ---- shared by the decoders (decode.c) ---------------------------------- */

/* "page 3 of scan.tif: ..." for paged formats, "scan.png: ..." otherwise;
 * returns `status`. */
__attribute__((format(printf, 5, 6)))
int decode_page_fail(const decode_source *src, int index, omr_error *err, int status,
                     const char *fmt, ...);

/* Refuses absurd sizes before anything the size of the page is allocated
 * (decode_check_page without resolution). */
int decode_check_size(const decode_source *src, int index, double width, double height,
                      omr_error *err);

/* The page budget of decode.h, checked before any pixel buffer is allocated:
 * the size (in pixels; in mm in the message when the resolution is known),
 * resolution tags that make no sense for a page that would be resampled, and
 * the size the page would have once its pixels are made square. xdpi, ydpi
 * as in the file (0: unknown). OMR_ERR_INVALID with the reason. */
int decode_check_page(const decode_source *src, int index, double width, double height,
                      double xdpi, double ydpi, omr_error *err);

/* OMR_ERR_INVALID naming `what` when `bytes` held at once for the page would
 * exceed DECODE_MAX_BYTES. */
int decode_check_budget(const decode_source *src, int index, double bytes, const char *what,
                        omr_error *err);

/* Flips applied to a decoded page (decode_flip), in place. */
enum { DECODE_FLIP_X = 1, DECODE_FLIP_Y = 2 };
void decode_flip(omr_image *image, int flips);

/* Sets the page's dpi and gives it square pixels when x and y resolution
 * differ noticeably (the image may be replaced; on failure it is freed and
 * *image is NULL). */
int decode_finish_dpi(const decode_source *src, int index, omr_image **image, double xdpi,
                      double ydpi, omr_error *err);

/* strerror_r into buf. */
const char *decode_error_text(int errnum, char *buf, size_t size);

/* A colour pixel's grey: ITU-R 601 luma (0.299 R + 0.587 G + 0.114 B, in
 * 16-bit fixed point) less half its colourfulness (its largest channel less
 * its smallest). Grey and black come out as their luma exactly; a coloured
 * pen comes out as dark as its colour is strong, so a red, orange or yellow
 * mark that luma alone leaves pale (yellow 250,230,60 has luma 211: almost
 * paper) is ink (yellow: 116). Paper with a tint darkens a little, evenly. */
static inline uint8_t decode_grey_of(unsigned r, unsigned g, unsigned b) {
    unsigned luma = (19595u * r + 38470u * g + 7471u * b + 32768u) >> 16;
    unsigned hi = r > g ? (r > b ? r : b) : (g > b ? g : b), lo = r < g ? (r < b ? r : b) : (g < b ? g : b);
    unsigned colour = (hi - lo) / 2;
    return (uint8_t)(luma > colour ? luma - colour : 0);
}

/* A colour pixel's grey under `dropout`: decode_grey_of without one; with
 * one, that channel alone (a scanner's drop-out: red ink is as bright as
 * paper in the red channel, black ink stays dark in all three). */
static inline uint8_t decode_grey_dropout(decode_dropout dropout, unsigned r, unsigned g, unsigned b) {
    switch (dropout) {
    case DECODE_DROPOUT_RED: return (uint8_t)r;
    case DECODE_DROPOUT_GREEN: return (uint8_t)g;
    case DECODE_DROPOUT_BLUE: return (uint8_t)b;
    case DECODE_DROPOUT_NONE: break;
    }
    return decode_grey_of(r, g, b);
}

/* Composites a grey value with straight alpha over white paper. */
static inline uint8_t decode_over_white(unsigned grey, unsigned alpha) {
    return (uint8_t)((grey * alpha + 255u * (255u - alpha) + 127u) / 255u);
}

#endif
