/*
 * ocr.c — Tesseract through its C API. The crop arrives grey; Tesseract does
 * its own binarisation and layout analysis (page segmentation "single block"
 * suits a comment box). Text is returned with white space folded so that a
 * CSV cell holds one line.
 *
 * Tesseract is loaded (dlopen) when the first engine is made, not linked:
 * its library and what it pulls in (Leptonica, libarchive, libcurl, ...)
 * cost 13 ms of CPU at every start of omr, two fifths of what all of omr's
 * libraries cost, and most runs (`omr scan --no-ocr`, every other command)
 * never read a word. The calls go through `tess`, filled from the library
 * named at build time (OMR_TESSERACT_LIB, its soname); the header still
 * types every pointer, so a changed C API fails to compile.
 */
#include "reading/ocr.h"

#include <assert.h>
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tesseract/capi.h>

#include "base/cv_wrap.h"
#include "base/library.h"

#ifndef OMR_TESSERACT_LIB
#define OMR_TESSERACT_LIB "libtesseract.so.5"
#endif

/* The C API functions omr calls, as X(name without the Tess prefix). */
#define TESS_FUNCTIONS(X)                                                                                  \
    X(BaseAPICreate) X(BaseAPIInit3) X(BaseAPIDelete) X(BaseAPIEnd) X(BaseAPISetPageSegMode)               \
    X(BaseAPISetVariable) X(BaseAPISetImage) X(BaseAPISetSourceResolution) X(BaseAPIRecognize)             \
    X(BaseAPIGetIterator) X(BaseAPIGetUTF8Text) X(BaseAPIMeanTextConf) X(BaseAPIClear)                     \
    X(BaseAPIClearAdaptiveClassifier) X(ResultIteratorDelete) X(ResultIteratorGetPageIterator)             \
    X(ResultIteratorGetUTF8Text) X(ResultIteratorConfidence) X(PageIteratorNext) X(DeleteText)

static struct {
    void *lib;
#define TESS_SLOT(name) __typeof__(&Tess##name) name;
    TESS_FUNCTIONS(TESS_SLOT)
#undef TESS_SLOT
} tess;
static char tess_error[512];

/* Tesseract runs its recognizer's loops on OpenMP threads (Debian builds
 * it so, asking for its own team size in each loop). A comment field or a
 * blank's label is a few words: a thread team costs more than it saves,
 * and each of its threads spins while it waits, on a shared or pinned CPU
 * most of all (a 200-bubble blank took 7.2 s of CPU pinned to one core for
 * `template new`, 2.8 s with OMP_THREAD_LIMIT=1), and omr's own workers
 * already use the cores. So no OpenMP parallel region is made active in
 * this process: omp_set_max_active_levels(0), looked up where Tesseract
 * loaded libgomp (nothing to do without it), once, before the first engine. */
static void no_thread_teams(void) {
    void (*set_levels)(int) = NULL;
    *(void **)&set_levels = dlsym(tess.lib, "omp_set_max_active_levels");
    if (set_levels)
        set_levels(0);
}

/* Loads Tesseract and every function in TESS_FUNCTIONS, once per process;
 * on failure tess.lib stays NULL and tess_error says why. */
static void tess_load(void) {
#define TESS_SYMBOL(name) {"Tess" #name, (void **)&tess.name},
    const library_symbol symbols[] = {TESS_FUNCTIONS(TESS_SYMBOL)};
#undef TESS_SYMBOL
    tess.lib = library_load(OMR_TESSERACT_LIB, symbols, sizeof symbols / sizeof symbols[0], tess_error,
                            sizeof tess_error);
    if (tess.lib)
        no_thread_teams();
}

struct ocr_engine {
    TessBaseAPI *api;
};

static int invert_3x3(const double a[9], double out[9]) {
    double c0 = a[4] * a[8] - a[5] * a[7], c1 = a[5] * a[6] - a[3] * a[8], c2 = a[3] * a[7] - a[4] * a[6];
    double det = a[0] * c0 + a[1] * c1 + a[2] * c2;
    if (det == 0)
        return 0;
    out[0] = c0 / det;
    out[1] = (a[2] * a[7] - a[1] * a[8]) / det;
    out[2] = (a[1] * a[5] - a[2] * a[4]) / det;
    out[3] = c1 / det;
    out[4] = (a[0] * a[8] - a[2] * a[6]) / det;
    out[5] = (a[2] * a[3] - a[0] * a[5]) / det;
    out[6] = c2 / det;
    out[7] = (a[1] * a[6] - a[0] * a[7]) / det;
    out[8] = (a[0] * a[4] - a[1] * a[3]) / det;
    return 1;
}

omr_image *ocr_crop_field(const omr_image *scan, const page_transform *t, omr_rect r,
                          double inset) {
    return ocr_crop_field_at(scan, t, r, inset, t->px_per_mm);
}

omr_image *ocr_crop_field_at(const omr_image *scan, const page_transform *t, omr_rect r,
                             double inset, double s) {
    assert(scan && scan->width > 0 && scan->height > 0);
    assert(t->px_per_mm > 0 && page_map_is_finite(t->homography));
    assert(s > 0);
    if ((int)((r.w - 2 * inset) * s) < 1 || (int)((r.h - 2 * inset) * s) < 1)
        return NULL;
    int width = (int)((r.w - 2 * inset) * s), height = (int)((r.h - 2 * inset) * s);
    /* the warp writes every pixel (white beyond the scan): no fill first */
    omr_image *crop = omr_image_new_uninit(width, height, s * 25.4);
    if (!crop)
        return NULL;
    /* crop pixel (u, v) is template mm (x0 + u/s, y0 + v/s); scan = H * mm.
     * The warp wants scan pixels -> crop pixels: the inverse of H * T. */
    const double *h = t->homography;
    double x0 = r.x + inset, y0 = r.y + inset;
    double ht[9] = {h[0] / s, h[1] / s, h[0] * x0 + h[1] * y0 + h[2],
                    h[3] / s, h[4] / s, h[3] * x0 + h[4] * y0 + h[5],
                    h[6] / s, h[7] / s, h[6] * x0 + h[7] * y0 + h[8]};
    double inv[9];
    if (!invert_3x3(ht, inv) || cvw_warp_perspective(scan, crop, inv) != OMR_OK) {
        omr_image_free(crop);
        return NULL;
    }
    return crop;
}

/* Letters and digits in a UTF-8 word (a multi-byte character counts once). */
static int letters_in(const char *word) {
    int n = 0;
    for (const unsigned char *p = (const unsigned char *)word; *p; p++)
        n += (*p < 0x80 && ((*p >= '0' && *p <= '9') || ((*p | 0x20) >= 'a' && (*p | 0x20) <= 'z'))) ||
             *p >= 0xC0;
    return n;
}

/* Words of `api`'s last recognition with confidence >= min_conf, joined by
 * single spaces: speckle read as "|", ";" or "—" has very low confidence.
 * *least_conf is the lowest confidence of a kept word with a letter or digit
 * in it, *dropped_conf the highest of a dropped word of two or more letters
 * (a word Tesseract saw but could not read); each -1 when there was none. */
static char *confident_words(TessBaseAPI *api, float min_conf, double *mean_conf, double *least_conf,
                             double *dropped_conf) {
    TessResultIterator *it = tess.BaseAPIGetIterator(api);
    size_t cap = 256, len = 0;
    char *out = malloc(cap);
    double sum = 0;
    int n = 0;
    *dropped_conf = *least_conf = -1;
    if (!out) {
        tess.ResultIteratorDelete(it);
        return NULL;
    }
    out[0] = 0;
    if (it) {
        TessPageIterator *page = tess.ResultIteratorGetPageIterator(it);
        do {
            char *word = tess.ResultIteratorGetUTF8Text(it, RIL_WORD);
            float conf = tess.ResultIteratorConfidence(it, RIL_WORD);
            if (word && *word && conf < min_conf && letters_in(word) >= 2 && conf > *dropped_conf)
                *dropped_conf = conf;
            if (word && *word && conf >= min_conf) {
                size_t wl = strlen(word);
                if (len + wl + 2 > cap) {
                    cap = (len + wl + 2) * 2;
                    char *grown = realloc(out, cap);
                    if (!grown) {
                        tess.DeleteText(word);
                        break;
                    }
                    out = grown;
                }
                if (len)
                    out[len++] = ' ';
                memcpy(out + len, word, wl + 1);
                len += wl;
                sum += conf;
                n++;
                if (letters_in(word) >= 1 && (*least_conf < 0 || conf < *least_conf))
                    *least_conf = conf;
            }
            tess.DeleteText(word);
        } while (tess.PageIteratorNext(page, RIL_WORD));
        tess.ResultIteratorDelete(it);
    }
    *mean_conf = n ? sum / n : 0;
    return out;
}


ocr_engine *ocr_engine_new(const char *languages, omr_error *err) {
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, tess_load);
    if (!tess.lib) {
        omr_fail(err, OMR_ERR_IO, "Tesseract cannot be loaded (%s); is libtesseract5 installed?", tess_error);
        return NULL;
    }
    ocr_engine *e = calloc(1, sizeof *e);
    if (!e) {
        omr_fail(err, OMR_ERR_MEMORY, "out of memory starting OCR");
        return NULL;
    }
    e->api = tess.BaseAPICreate();
    if (!e->api || tess.BaseAPIInit3(e->api, NULL, languages) != 0) {
        omr_fail(err, OMR_ERR_IO,
                 "Tesseract could not load the languages \"%s\"; are tesseract-ocr-swe and "
                 "tesseract-ocr-eng installed?", languages);
        if (e->api)
            tess.BaseAPIDelete(e->api);
        free(e);
        return NULL;
    }
    tess.BaseAPISetPageSegMode(e->api, PSM_SINGLE_BLOCK);
    tess.BaseAPISetVariable(e->api, "debug_file", "/dev/null");
    return e;
}

void ocr_engine_free(ocr_engine *e) {
    if (!e)
        return;
    tess.BaseAPIEnd(e->api);
    tess.BaseAPIDelete(e->api);
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
    /* speckle off a copy: isolated dots become paper, strokes stay */
    omr_image *clean = omr_image_crop(crop, 0, 0, crop->width, crop->height);
    if (!clean)
        return omr_fail(err, OMR_ERR_MEMORY, "out of memory in OCR");
    cvw_median_blur(clean, 3);
    tess.BaseAPISetImage(e->api, clean->pixels, clean->width, clean->height, 1, clean->stride);
    if (crop->dpi > 0)
        tess.BaseAPISetSourceResolution(e->api, (int)crop->dpi);
    int rc = OMR_OK;
    if (tess.BaseAPIRecognize(e->api, NULL) != 0) {
        rc = omr_fail(err, OMR_ERR_INVALID, "OCR failed on the comment field");
    } else {
        /* words Tesseract itself gives under 30 are speckle and scratches.
         * The text is as sure as its least sure word (one misread word in a
         * long, well-printed text is still a misread answer), and no surer
         * than a dropped word of two or more letters: that was writing OCR
         * could not read, and the text without it must not pass as the
         * whole answer */
        double least, dropped;
        char *words = confident_words(e->api, 30, confidence, &least, &dropped);
        if (least >= 0 && least < *confidence)
            *confidence = least;
        if (dropped >= 0 && dropped < *confidence)
            *confidence = dropped;
        *text = words ? fold_space(words) : NULL;
        free(words);
        if (!*text)
            rc = omr_fail(err, OMR_ERR_MEMORY, "out of memory in OCR");
    }
    tess.BaseAPIClear(e->api);
    /* the legacy engine (a full tessdata install) adapts to what it read:
     * forgotten, so a field reads the same whatever this engine, or this
     * job of scan --jobs, read before it (no-op for the LSTM engine) */
    tess.BaseAPIClearAdaptiveClassifier(e->api);
    omr_image_free(clean);
    return rc;
}

int ocr_read_line(ocr_engine *e, const omr_image *crop, const char *alphabet, char **text,
                  double *confidence, omr_error *err) {
    assert(e && crop && alphabet && *alphabet);
    *text = NULL;
    *confidence = 0;
    tess.BaseAPISetPageSegMode(e->api, PSM_SINGLE_LINE);
    tess.BaseAPISetVariable(e->api, "tessedit_char_whitelist", alphabet);
    tess.BaseAPISetImage(e->api, crop->pixels, crop->width, crop->height, 1, crop->stride);
    if (crop->dpi > 0)
        tess.BaseAPISetSourceResolution(e->api, (int)crop->dpi);
    int rc = OMR_OK;
    char *raw = tess.BaseAPIGetUTF8Text(e->api);
    if (!raw) {
        rc = omr_fail(err, OMR_ERR_INVALID, "OCR failed on the printed code");
    } else {
        *confidence = tess.BaseAPIMeanTextConf(e->api);
        *text = fold_space(raw);
        tess.DeleteText(raw);
        if (!*text)
            rc = omr_fail(err, OMR_ERR_MEMORY, "out of memory in OCR");
    }
    tess.BaseAPIClear(e->api);
    tess.BaseAPIClearAdaptiveClassifier(e->api);
    tess.BaseAPISetVariable(e->api, "tessedit_char_whitelist", "");
    tess.BaseAPISetPageSegMode(e->api, PSM_SINGLE_BLOCK);
    return rc;
}
