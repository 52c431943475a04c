/*
 * printed_code.c — reads the login code printed under the QR code
 * (printed_code.h), for a page known by its look whose QR code could not be
 * read. The strip under the code square is cut out upright through the
 * page's transform, at a scale that gives the 8 pt code about 30 px of cap
 * height (Tesseract's sweet spot). A dark 1-bit threshold grows every stroke
 * into the white between them, so the strip is read as it is and then with
 * its black thinned by 1, 2, ... pixels, each in single-line mode with only
 * letters and digits allowed. The check character (forms/code.c) decides:
 * a reading that fails it is never taken, and one that holds must be read
 * twice or read surely, so one lucky misread (1 in 36 passes any check
 * character) does not name a respondent.
 */
#include "reading/code/printed_code.h"

#include <assert.h>
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/cv_wrap.h"

#define CODE_ALPHABET "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
#define CODE_CAP_MM (8.0 * 25.4 / 72 * 0.73) /* forms/draw.c's 8 pt code: cap height */
#define MAX_THIN 4 /* crop pixels: 2 scan pixels of bleed at 200 dpi */

int printed_code_checks(const char *code) {
    size_t len = strlen(code);
    if (len < 4 || len >= IDENTIFY_MAX_ID)
        return 0;
    char body[IDENTIFY_MAX_ID];
    snprintf(body, sizeof body, "%.*s", (int)(len - 1), code);
    return identify_check_char(body) == code[len - 1];
}

/* "K7M2 QX9." as OCR gives it -> "K7M2QX9". */
static void letters_and_digits(const char *text, char *code, size_t size) {
    size_t n = 0;
    for (const char *c = text; c && *c && n + 1 < size; c++)
        if ((unsigned char)*c < 128 && isalnum((unsigned char)*c))
            code[n++] = (char)toupper((unsigned char)*c);
    code[n] = 0;
}

typedef struct {
    char code[IDENTIFY_MAX_ID];
    double confidence;
} reading;

int printed_code_read(ocr_engine *ocr, const omr_image *scan, const omr_template *t, const page_transform *tr,
                      printed_code *out, omr_error *err) {
    assert(ocr && scan && t && tr && out);
    memset(out, 0, sizeof *out);
    /* the strip under the code square, where draw.c prints the code */
    omr_rect strip = {t->code_rect.x - 3, t->code_rect.y + t->code_rect.h + 0.3, t->code_rect.w + 6, 5.2};
    omr_image *crop = ocr_crop_field_at(scan, tr, strip, 0, PRINTED_CODE_CAP_PX / CODE_CAP_MM);
    if (!crop)
        return omr_fail(err, OMR_ERR_MEMORY, "out of memory cutting out the printed code");
    reading checked[MAX_THIN + 1];
    int n_checked = 0, rc = OMR_OK;
    for (int r = 0; r <= MAX_THIN; r++) {
        omr_image *img = r ? cvw_morph_square(crop, r, 1) : crop;
        if (!img) {
            rc = omr_fail(err, OMR_ERR_MEMORY, "out of memory reading the printed code");
            break;
        }
        char *text = NULL;
        double confidence = 0;
        rc = ocr_read_line(ocr, img, CODE_ALPHABET, &text, &confidence, err);
        if (img != crop)
            omr_image_free(img);
        if (rc != OMR_OK) {
            free(text);
            break;
        }
        out->tries++;
        char code[IDENTIFY_MAX_ID];
        letters_and_digits(text, code, sizeof code);
        free(text);
        /* the strip as scanned, when Tesseract is fairly sure of it: what
         * a person is told it reads, and what may speak against the code of
         * a page next to it (a bled strip reads as letters of the right
         * count, mostly wrong) */
        if (r == 0 && confidence >= PRINTED_CODE_SEEN)
            snprintf(out->seen, sizeof out->seen, "%s", code);
        if (printed_code_checks(code)) {
            assert(n_checked <= MAX_THIN);
            int same = 0;
            for (int i = 0; i < n_checked; i++)
                same |= strcmp(checked[i].code, code) == 0;
            snprintf(checked[n_checked].code, sizeof checked[n_checked].code, "%s", code);
            checked[n_checked++].confidence = confidence;
            if (same)
                break; /* read twice: no need to thin further */
        }
    }
    omr_image_free(crop);
    /* read twice, or read surely with no other checked reading against it;
     * two codes that both qualify name no one */
    int taken = -1;
    for (int i = 0; i < n_checked; i++) {
        int agree = 0, disagree = 0;
        for (int j = 0; j < n_checked; j++)
            if (j != i) {
                agree += strcmp(checked[i].code, checked[j].code) == 0;
                disagree += strcmp(checked[i].code, checked[j].code) != 0;
            }
        if (!(agree > 0 || (checked[i].confidence >= PRINTED_CODE_SURE && !disagree)))
            continue;
        if (taken >= 0 && strcmp(checked[taken].code, checked[i].code) != 0) {
            taken = -1;
            break;
        }
        taken = i;
    }
    if (taken >= 0)
        snprintf(out->code, sizeof out->code, "%s", checked[taken].code);
    if (out->code[0])
        snprintf(out->seen, sizeof out->seen, "%s", out->code);
    return rc;
}
