/*
 * decode_pdf.c — the PDF decoder (poppler-glib), behind decoder.h.
 *
 * The document stays open across pages (src->state is the PopplerDocument).
 * Each page is rendered with cairo at 300 dpi on white paper into an RGB24
 * surface and turned into grey (decode_grey_dropout); the page's dpi is
 * therefore always 300. A
 * page larger than DECODE_MAX_PAGE_MM a side (by its size in points) is
 * refused before anything is rendered, which bounds the surface at 300 dpi
 * to 5906 x 5906 pixels; the page budget is checked as well. A
 * password-protected PDF is refused with a message that says so.
 *
 * poppler-glib is loaded (dlopen) at the first PDF, not linked: it and
 * what it pulls in cost 10 ms of CPU at every start of omr, and most
 * batches hold no PDF. The calls go through `pdf_lib`, filled from the
 * library named at build time (OMR_POPPLER_LIB, its soname); the header
 * still types every pointer.
 */
#include "pages/decoder.h"

#include <assert.h>
#include <cairo.h>
#include <math.h>
#include <poppler.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "base/library.h"

#define PDF_DPI 300.0

#ifndef OMR_POPPLER_LIB
#define OMR_POPPLER_LIB "libpoppler-glib.so.8"
#endif

/* The poppler-glib (and GObject) functions the decoder calls. */
#define POPPLER_FUNCTIONS(X)                                                                               \
    X(poppler_document_new_from_file) X(poppler_document_get_n_pages) X(poppler_document_get_page)         \
    X(poppler_page_get_size) X(poppler_page_render) X(poppler_error_quark) X(g_object_unref)

static struct {
    void *lib;
#define POPPLER_SLOT(name) __typeof__(&name) name;
    POPPLER_FUNCTIONS(POPPLER_SLOT)
#undef POPPLER_SLOT
} pdf_lib;
static char pdf_lib_error[512];

/* Loads poppler-glib and every function in POPPLER_FUNCTIONS, once per
 * process; on failure pdf_lib.lib stays NULL and pdf_lib_error says why. */
static void pdf_lib_load(void) {
#define POPPLER_SYMBOL(name) {#name, (void **)&pdf_lib.name},
    const library_symbol symbols[] = {POPPLER_FUNCTIONS(POPPLER_SYMBOL)};
#undef POPPLER_SYMBOL
    pdf_lib.lib = library_load(OMR_POPPLER_LIB, symbols, sizeof symbols / sizeof symbols[0], pdf_lib_error,
                               sizeof pdf_lib_error);
}

static int pdf_open(decode_source *src, omr_error *err) {
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, pdf_lib_load);
    if (!pdf_lib.lib)
        return omr_fail(err, OMR_ERR_IO, "%s: the PDF reader cannot be loaded (%s); is libpoppler-glib8 installed?",
                        src->path, pdf_lib_error);
    GError *gerr = NULL;
    /* poppler wants a file:// URI, and g_filename_to_uri an absolute path. */
    char *absolute = realpath(src->path, NULL);
    char *uri = absolute ? g_filename_to_uri(absolute, NULL, &gerr) : NULL;
    free(absolute);
    if (!uri) {
        int status = omr_fail(err, OMR_ERR_IO, "%s: cannot make a file URI for the PDF reader (%s)",
                              src->path, gerr ? gerr->message : "path not found");
        g_clear_error(&gerr);
        return status;
    }
    PopplerDocument *doc = pdf_lib.poppler_document_new_from_file(uri, NULL, &gerr);
    g_free(uri);
    if (!doc) {
        int encrypted =
            gerr && gerr->domain == pdf_lib.poppler_error_quark() && gerr->code == POPPLER_ERROR_ENCRYPTED;
        int status;
        if (encrypted)
            status = omr_fail(err, OMR_ERR_FORMAT,
                              "%s: the PDF is password-protected; ask for an unprotected file or "
                              "rescan the paper",
                              src->path);
        else
            status = omr_fail(err, OMR_ERR_FORMAT, "%s: a PDF that cannot be read (%s)", src->path,
                              gerr ? gerr->message : "unknown poppler error");
        g_clear_error(&gerr);
        return status;
    }
    src->state = doc;
    src->pages = pdf_lib.poppler_document_get_n_pages(doc);
    if (src->pages < 1)
        return omr_fail(err, OMR_ERR_FORMAT, "%s: the PDF has no pages", src->path);
    return OMR_OK;
}

static int pdf_page(decode_source *src, int index, omr_image **out, omr_error *err) {
    PopplerDocument *doc = src->state;
    assert(doc != NULL);
    PopplerPage *page = pdf_lib.poppler_document_get_page(doc, index);
    if (!page)
        return decode_page_fail(src, index, err, OMR_ERR_FORMAT, "the PDF page cannot be read");
    double width_pt = 0, height_pt = 0;
    pdf_lib.poppler_page_get_size(page, &width_pt, &height_pt);
    /* The page's size in points decides before anything is rendered: a
     * 442-byte PDF may declare a page of several metres. */
    double width_mm = width_pt / 72.0 * 25.4, height_mm = height_pt / 72.0 * 25.4;
    if (width_mm > DECODE_MAX_PAGE_MM || height_mm > DECODE_MAX_PAGE_MM) {
        pdf_lib.g_object_unref(page);
        return decode_page_fail(src, index, err, OMR_ERR_INVALID,
                                "the PDF page is %.0f x %.0f pt (%.0f x %.0f mm), larger than any "
                                "questionnaire page: omr renders pages of at most %.0f mm a side "
                                "(A3 is 297 x 420 mm)",
                                width_pt, height_pt, width_mm, height_mm, DECODE_MAX_PAGE_MM);
    }
    double scale = PDF_DPI / 72.0;
    double width = round(width_pt * scale), height = round(height_pt * scale);
    int status = decode_check_page(src, index, width, height, PDF_DPI, PDF_DPI, err);
    if (status == OMR_OK) /* cairo's RGB24 surface (4 bytes a pixel) and the grey page */
        status = decode_check_budget(src, index, width * height * 5, "rendering the PDF page", err);
    if (status != OMR_OK) {
        pdf_lib.g_object_unref(page);
        return status;
    }
    cairo_surface_t *surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, (int)width, (int)height);
    if (cairo_surface_status(surface) != CAIRO_STATUS_SUCCESS) {
        cairo_surface_destroy(surface);
        pdf_lib.g_object_unref(page);
        return decode_page_fail(src, index, err, OMR_ERR_MEMORY, "out of memory rendering the PDF page");
    }
    cairo_t *cr = cairo_create(surface);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    cairo_scale(cr, scale, scale);
    pdf_lib.poppler_page_render(page, cr);
    cairo_status_t drawn = cairo_status(cr);
    cairo_destroy(cr);
    pdf_lib.g_object_unref(page);
    cairo_surface_flush(surface);
    if (drawn != CAIRO_STATUS_SUCCESS) {
        cairo_surface_destroy(surface);
        return decode_page_fail(src, index, err, OMR_ERR_FORMAT, "the PDF page cannot be drawn (%s)",
                         cairo_status_to_string(drawn));
    }
    omr_image *img = omr_image_new_uninit((int)width, (int)height, PDF_DPI); /* every pixel from the surface */
    if (!img) {
        cairo_surface_destroy(surface);
        return decode_page_fail(src, index, err, OMR_ERR_MEMORY, "out of memory for the page");
    }
    const uint8_t *data = cairo_image_surface_get_data(surface);
    int stride = cairo_image_surface_get_stride(surface);
    for (int y = 0; y < img->height; y++) {
        const uint32_t *in = (const uint32_t *)(const void *)(data + (size_t)y * (size_t)stride);
        uint8_t *o = img->pixels + (size_t)y * (size_t)img->stride;
        for (int x = 0; x < img->width; x++) /* CAIRO_FORMAT_RGB24: 0x00RRGGBB, native */
            o[x] = decode_grey_dropout(src->dropout, (in[x] >> 16) & 0xff, (in[x] >> 8) & 0xff, in[x] & 0xff);
    }
    cairo_surface_destroy(surface);
    *out = img;
    return OMR_OK;
}

static void pdf_close(decode_source *src) {
    if (src->state)
        pdf_lib.g_object_unref(src->state);
    src->state = NULL;
}

const decoder decode_pdf_decoder = {
    .format = SCAN_PDF,
    .open = pdf_open,
    .page = pdf_page,
    .close = pdf_close,
};
