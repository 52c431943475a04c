/*
 * decode_types.h — what decode.h (the public API) and decoder.h (the
 * per-format decoders' private interface) share: the page budget, the
 * resolution rule's bounds, the formats and the opaque source. Kept apart so
 * that the private interface need not include the public one (no cycle).
 */
#ifndef OMR_DECODE_TYPES_H
#define OMR_DECODE_TYPES_H

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

/* A colour drop-out (the template's `dropout`, README "Template format"):
 * the colour whose ink a colour page's grey leaves out, as a scanner's
 * drop-out lamp does. NONE: the default grey (decode_grey_of: coloured ink
 * is ink). RED, GREEN, BLUE: the page's grey is that one channel, so ink of
 * that colour (and any ink mostly of it) is paper; black stays black. Grey
 * and black-and-white pages have no colour to drop and read as they are. */
typedef enum { DECODE_DROPOUT_NONE, DECODE_DROPOUT_RED, DECODE_DROPOUT_GREEN, DECODE_DROPOUT_BLUE } decode_dropout;

#endif
