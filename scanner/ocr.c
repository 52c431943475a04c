/*
 * ocr.c — Tesseract through its C API. The crop arrives grey; Tesseract does
 * its own binarisation and layout analysis (page segmentation "single block"
 * suits a comment box). Text is returned with white space folded so that a
 * CSV cell holds one line.
 */
#include "ocr.h"

#include <stdlib.h>
#include <string.h>
#include <tesseract/capi.h>

struct ocr_engine {
    TessBaseAPI *api;
};

ocr_engine *ocr_engine_new(const char *languages, omr_error *err) {
    ocr_engine *e = calloc(1, sizeof *e);
    if (!e) {
        omr_fail(err, OMR_ERR_MEMORY, "out of memory starting OCR");
        return NULL;
    }
    e->api = TessBaseAPICreate();
    if (!e->api || TessBaseAPIInit3(e->api, NULL, languages) != 0) {
        omr_fail(err, OMR_ERR_IO,
                 "Tesseract could not load the languages \"%s\"; are tesseract-ocr-swe and "
                 "tesseract-ocr-eng installed?", languages);
        if (e->api)
            TessBaseAPIDelete(e->api);
        free(e);
        return NULL;
    }
    TessBaseAPISetPageSegMode(e->api, PSM_SINGLE_BLOCK);
    TessBaseAPISetVariable(e->api, "debug_file", "/dev/null");
    return e;
}

void ocr_engine_free(ocr_engine *e) {
    if (!e)
        return;
    TessBaseAPIEnd(e->api);
    TessBaseAPIDelete(e->api);
    free(e);
}

static char *fold_space(const char *in) {
    size_t n = strlen(in);
    char *out = malloc(n + 1), *w = out;
    if (!out)
        return NULL;
    int space = 0;
    for (const char *p = in; *p; p++) {
        if (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r' || *p == '\f') {
            space = 1;
            continue;
        }
        if (space && w != out)
            *w++ = ' ';
        space = 0;
        *w++ = *p;
    }
    *w = 0;
    return out;
}

int ocr_read(ocr_engine *e, const omr_image *crop, char **text, double *confidence,
             omr_error *err) {
    *text = NULL;
    *confidence = 0;
    TessBaseAPISetImage(e->api, crop->pixels, crop->width, crop->height, 1, crop->stride);
    if (crop->dpi > 0)
        TessBaseAPISetSourceResolution(e->api, (int)crop->dpi);
    char *raw = TessBaseAPIGetUTF8Text(e->api);
    if (!raw)
        return omr_fail(err, OMR_ERR_INVALID, "OCR failed on the comment field");
    *text = fold_space(raw);
    TessDeleteText(raw);
    int conf = TessBaseAPIMeanTextConf(e->api);
    *confidence = conf < 0 ? 0 : conf;
    TessBaseAPIClear(e->api);
    return *text ? OMR_OK : omr_fail(err, OMR_ERR_MEMORY, "out of memory in OCR");
}
