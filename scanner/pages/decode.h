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

/* The per-page budget, checked before anything the size of a page is
 * allocated. The largest sane page is a questionnaire on A3 scanned at
 * 600 dpi: 7,016 x 9,921 pixels, 69.6 megapixels. With room for a scanner's
 * overscan, a page may have at most 12,000 pixels a side and 80 megapixels
 * (80 MB as grey), and decoding it may hold at most 256 MB at once: the grey
 * page plus any working buffer (libjpeg's progressive coefficients, an
 * interlaced PNG's rows, the PDF renderer's RGB surface, the square-pixel
 * resampling target). A PDF page may be at most 500 mm a side (A3 is
 * 297 x 420 mm). Anything larger is refused with OMR_ERR_INVALID and a reason
 * naming the page, its size in pixels (and in mm when its resolution is
 * known) and the limit. */
#define DECODE_MAX_SIDE 12000
#define DECODE_MAX_PIXELS (80LL * 1000 * 1000)
#define DECODE_MAX_BYTES (256LL * 1024 * 1024)
#define DECODE_MAX_PAGE_MM 500.0

/* Resolution tags are believed only when they make sense for a scanner:
 * x and y within 50 .. 2400 dpi and at most 2.5 times apart (fax "normal"
 * is 204 x 98). A page whose pixels would need resampling to be square is
 * refused (OMR_ERR_INVALID, naming the tags) when its tags break this rule,
 * instead of being stretched to a giant size; a page with equal x and y
 * resolution keeps what its tags say. */
#define DECODE_MIN_DPI 50.0
#define DECODE_MAX_DPI 2400.0
#define DECODE_MAX_DPI_RATIO 2.5

typedef enum { SCAN_TIFF, SCAN_PNG, SCAN_JPEG, SCAN_PDF } scan_format;

typedef struct decode_source decode_source;

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

/* Sniffs the first bytes of a file: returns 1 and sets *format when it is a
 * format decode reads, 0 otherwise. */
int decode_sniff(const unsigned char *head, size_t len, scan_format *format);

#endif
