/*
 * decode.h — turns a scan file into grey pages. The format is recognised by
 * the file's content (magic bytes), never by its extension: multi-page TIFF
 * (libtiff: G4, G3, LZW, Deflate, PackBits, JPEG, uncompressed; 1-bit, 8-bit
 * grey, palette and RGB), PNG (libpng), JPEG (libjpeg) and PDF (poppler,
 * rendered at 300 dpi). Pages are decoded one at a time, so a long TIFF never
 * sits in memory whole. Hands each page on to identify.
 */
#ifndef OMR_DECODE_H
#define OMR_DECODE_H

#include "base/common.h"
#include "pages/decode_types.h"


/* Opens `path` and counts its pages. OMR_ERR_FORMAT (with a message naming
 * the file and what its first bytes look like) when it is not an image or
 * PDF we read; OMR_ERR_IO when it cannot be read. */
int decode_open(const char *path, decode_source **out, omr_error *err);
scan_format decode_format(const decode_source *src);
const char *decode_format_name(scan_format format);
int decode_page_count(const decode_source *src);
/* Decodes page `index` (0-based) into a new grey image; dpi comes from the
 * file's resolution tags, or 0 when it has none. A corrupt or truncated page
 * gives OMR_ERR_FORMAT with the page number in the message, and the other
 * pages stay readable. A page over the budget above, or whose resolution
 * tags make no sense, is refused with OMR_ERR_INVALID and the reason. */
int decode_page(decode_source *src, int index, omr_image **out, omr_error *err);
void decode_close(decode_source *src);
/* The colour drop-out of every later decode_page of `src` (DECODE_DROPOUT_NONE
 * after decode_open): a run on a template with `dropout` sets it on every
 * scan and on the template's blank pages alike. */
void decode_set_dropout(decode_source *src, decode_dropout dropout);
/* "none", "red", "green", "blue"; decode_dropout_parse: 1 with *out set when
 * `name` is one of them, 0 otherwise. */
const char *decode_dropout_name(decode_dropout dropout);
int decode_dropout_parse(const char *name, decode_dropout *out);

/* Sniffs the first bytes of a file: returns 1 and sets *format when it is a
 * format decode reads, 0 otherwise. */
int decode_sniff(const unsigned char *head, size_t len, scan_format *format);

#endif
