/*
 * writing.h — is anything written in a text field? The field is read as
 * strokes, not as an ink share, so that one short word ("Ja", "no.") in a
 * corner of a large comment frame is found, while speckle, scanner noise, a
 * fold line, a staple's shadow and the form's own print are not taken for
 * writing.
 *
 * The field is cut out straight through the page transform at a fixed
 * 8 px/mm, ink is measured against the paper level of its own
 * neighbourhood, the blank form's print (mask.h, grown a little more for
 * registration) is taken out, long thin straight lines (folds, scratches, a
 * rule the mask missed) are taken out, and what remains is split into
 * connected pieces of ink. A piece is a letter stroke when it is stroke-thin,
 * letter-sized and not a long straight bar (a speck, a filled dot or smudge,
 * a bar are not); letter strokes and small dots near each other form a group,
 * and a group is a word when it holds two or more letter strokes of which one
 * is curved, or one curved, winding stroke as long as two letters (joined-up
 * writing) or a compact curved stroke at least as long (a short word whose
 * letters a harsh 1-bit scan bled into one piece), or a shorter curved stroke
 * that winds far more on itself (a short word's letters run together small),
 * or three pieces, two of
 * them strokes, that spread across as well as along (a word a 1-bit scan
 * broke up; the pieces of a broken fold lie on one line), or one curved
 * piece, a letter stroke or a piece bled thicker than a stroke, whose line
 * (its dark core) closes round a letter's counter (what a harsh 1-bit scan keeps of "Ja"
 * or "Bra": the a), or one solid piece of a short word's size notched where
 * its letters met (a filled dot or a punched hole is convex). A field with
 * no word is looked at again at paler thresholds, for light pencil on paper
 * of fine grain (writing.c). Hands on `writing_evidence` to the scanner,
 * which sends a field with writing to transcription.
 */
#ifndef OMR_WRITING_H
#define OMR_WRITING_H

#include "base/common.h"
#include "reading/mask.h"
#include "reading/measure.h"
#include "reading/page_map.h"

#define WRITING_PX_PER_MM 8.0 /* the resolution the field is read at, any scan */

typedef struct {
    int has_writing;     /* a word, or letter strokes over the share limit, or covered */
    int covered;         /* some of the field's paper does not show (black, covered): a person looks */
    int words;           /* word-like groups of letter strokes */
    int pale_words;      /* of which found by the pale look only (light pencil; writing.c) */
    int letters;         /* letter strokes (connected pieces of writing) */
    int lines_removed;   /* long thin straight lines taken out (folds, scratches) */
    double letter_share; /* area of the letter strokes over the field's area */
    omr_rect where_mm;   /* template mm around the words found (w = 0: none) */
} writing_evidence;

/* Looks for writing in text field `field_mm` of `scan`. `mask` (may be NULL:
 * then a 1 mm band along the field's edge stands for its outline) is the
 * blank page's print; `share_min` is the calibration's text.ink_min: letter
 * strokes covering more than this share of the field are writing even when
 * they form no word (hatching, a drawing). Returns OMR_OK, or
 * OMR_ERR_MEMORY; then out->has_writing is 1 (a person looks). */
int writing_detect(const omr_image *scan, const page_transform *transform, const page_levels *levels,
                   const print_mask *mask, omr_rect field_mm, double share_min, writing_evidence *out,
                   omr_error *err);

/* The same on a field already cut out: `crop` shows template area `crop_mm`
 * (at crop->dpi, upright), `white` and `black` are the page's grey levels of
 * paper and print. */
int writing_find(const omr_image *crop, omr_rect crop_mm, double white, double black, const print_mask *mask,
                 double share_min, writing_evidence *out, omr_error *err);

#endif
