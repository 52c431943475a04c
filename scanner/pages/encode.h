/*
 * encode.h — writes grey pages as PNG, JPEG or TIFF files. Used by render
 * (print files) and by the sample generator (synthetic scans); the scanner
 * itself only reads.
 */
#ifndef OMR_ENCODE_H
#define OMR_ENCODE_H

#include "base/common.h"

int encode_png(const omr_image *image, const char *path, omr_error *err);
int encode_jpeg(const omr_image *image, const char *path, int quality, omr_error *err);

typedef enum {
    TIFF_NONE,    /* 8-bit grey, uncompressed */
    TIFF_LZW,     /* 8-bit grey, LZW */
    TIFF_JPEG,    /* 8-bit grey, JPEG-in-TIFF */
    TIFF_G4,      /* 1-bit, CCITT Group 4 (image thresholded at 128) */
} tiff_compression;

/* A multi-page TIFF being written; pages carry their dpi in the tags. */
typedef struct tiff_writer tiff_writer;
int encode_tiff_open(const char *path, tiff_writer **out, omr_error *err);
int encode_tiff_add(tiff_writer *w, const omr_image *image, tiff_compression compression,
                    omr_error *err);
/* Also writes RGB pages (3 bytes per pixel, row-major) for colour scans. */
int encode_tiff_add_rgb(tiff_writer *w, const uint8_t *rgb, int width, int height, double dpi,
                        omr_error *err);
int encode_tiff_close(tiff_writer *w, omr_error *err);
/* The next page added gets its own y resolution `ydpi` (x stays the image's
 * dpi): what a fax writes (204 x 196). For the sample generator. */
void encode_tiff_set_ydpi(tiff_writer *w, double ydpi);

#endif
