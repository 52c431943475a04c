/*
 * barcode.h — a form's own identity code: a QR code or a 1-D barcode (Code
 * 128, Interleaved 2 of 5, Code 39) read with zbar's own decoders, and its
 * text mapped through the template's identity pattern (a POSIX extended
 * regular expression whose groups are the respondent code, the page number
 * and a form id). identify.c searches the page with it.
 */
#ifndef OMR_BARCODE_H
#define OMR_BARCODE_H

#include <zbar.h>

#include "base/common.h"
#include "forms/template.h"

#define BARCODE_MAX_TEXT 256

typedef struct {
    char text[BARCODE_MAX_TEXT];
    template_identity_kind kind;  /* IDENTITY_QR, _CODE128, _I25 or _CODE39 */
    omr_point corners[4];         /* a QR symbol's corners in page pixels (TL, TR, BR, BL) */
    int has_corners;
} barcode_symbol;

/* Bit (1 << kind) for each kind a zbar scanner should read. */
unsigned barcode_kinds_of(const omr_template *const *templates, size_t n_templates);
/* Enables exactly the symbologies in `kinds` on `scanner`. */
void barcode_configure(zbar_image_scanner_t *scanner, unsigned kinds);

/* Runs `scanner` over `region` (contiguous rows), whose top-left lies at
 * (ox, oy) of the page and which was scaled by `scale`; fills up to `max`
 * symbols and returns how many. */
int barcode_scan(zbar_image_scanner_t *scanner, const omr_image *region, int ox, int oy, double scale,
                 barcode_symbol *out, int max);

/* Maps a symbol's text through the template's pattern. OMR_OK with code and
 * page (0 when the pattern has no page group) filled; OMR_ERR_NOT_FOUND when
 * the text is not this template's (wrong kind, no match, other form id);
 * OMR_ERR_INVALID with a message when it matches but its code or page is
 * unusable. */
int barcode_match(const omr_template *tmpl, const barcode_symbol *symbol, char *code, size_t code_size,
                  int *page, omr_error *err);

#endif
