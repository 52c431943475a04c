/*
 * printed_code.h — the login code printed in plain text under the QR code,
 * read by Tesseract when the QR code itself cannot be (a 1-bit scan with a
 * dark threshold bleeds the modules shut). A reading is only ever taken when
 * its check character holds (forms/code.h).
 */
#ifndef OMR_PRINTED_CODE_H
#define OMR_PRINTED_CODE_H

#include "base/common.h"
#include "forms/code.h"
#include "forms/template.h"
#include "reading/locate.h"
#include "reading/ocr.h"

typedef struct {
    char code[IDENTIFY_MAX_ID]; /* the code, when a reading's check character holds; else "" */
    char seen[IDENTIFY_MAX_ID]; /* the strip as scanned, read with confidence PRINTED_CODE_SEEN or more; else "" */
    int tries;                  /* preprocessings read */
} printed_code;

/* Does `code` (letters and digits, upper case) end in its own check
 * character? Codes made by `omr frame codes` and the sample generator do. */
int printed_code_checks(const char *code);

/* Reads the code printed under template t's code square on `scan`, placed by
 * `tr`: the strip cut out upright at about PRINTED_CODE_CAP_PX cap height,
 * then read as it is and with its black thinned by one pixel more each time
 * (print bled by a dark threshold), in Tesseract's single-line mode with
 * only letters and digits allowed. A reading whose check character holds is
 * taken when a second preprocessing reads the same, or when Tesseract is
 * sure of it (PRINTED_CODE_SURE) and no other reading that checks disagrees.
 * OMR_OK with out->code "" when none did; OMR_ERR_* only when the crop or
 * OCR could not run at all. */
#define PRINTED_CODE_CAP_PX 30.0
#define PRINTED_CODE_SURE 80.0
#define PRINTED_CODE_SEEN 50.0
int printed_code_read(ocr_engine *ocr, const omr_image *scan, const omr_template *t, const page_transform *tr,
                      printed_code *out, omr_error *err);

#endif
