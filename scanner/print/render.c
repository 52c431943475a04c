/*
 * render.c — prints personalised forms from a template. Each page is drawn by
 * forms/draw.c (fiducials, texts, questions, boxes, fields, QR code with its
 * code in plain text, "Sida N av M"); render hands on print files: one PDF
 * for a whole mailing, or PNG pages / multi-page TIFFs per code, which are
 * also what the sample generator degrades into synthetic scans.
 */
#include "print/render.h"

#include <cairo-pdf.h>
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "pages/encode.h"
#include "forms/code.h"
#include "forms/draw.h"

/* ---- one page ---------------------------------------------------------------- */

int render_draw_page(cairo_t *cr, const omr_template *tmpl, const char *code, int page,
                     omr_error *err) {
    return draw_page(cr, tmpl, code, page, err);
}

omr_image *render_page_image(const omr_template *tmpl, const char *code, int page, double dpi,
                             omr_error *err) {
    omr_image *image = NULL;
    draw_page_image(tmpl, code, page, dpi, &image, err);
    return image;
}


/* ---- files --------------------------------------------------------------------- */

/* Creates `dir` and its missing parents. */
static int make_folder(const char *dir, omr_error *err) {
    char path[4096];
    if (snprintf(path, sizeof path, "%s", dir) >= (int)sizeof path)
        return omr_fail(err, OMR_ERR_IO, "output folder name is too long: %.80s...", dir);
    for (char *p = path + 1;; p++) {
        if (*p != '/' && *p != '\0')
            continue;
        char saved = *p;
        *p = '\0';
        if (mkdir(path, 0777) != 0 && errno != EEXIST)
            return omr_fail(err, OMR_ERR_IO, "cannot create folder %s: %s", path,
                            strerror(errno));
        *p = saved;
        if (!saved)
            break;
    }
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
        return omr_fail(err, OMR_ERR_IO, "%s exists and is not a folder", path);
    return OMR_OK;
}

static int compare_codes(const void *a, const void *b) {
    return strcasecmp(*(char *const *)a, *(char *const *)b);
}

/* Every code must be printable, and no form may be printed twice (two
 * respondents with one code could not be told apart, and the PNG/TIFF files
 * would overwrite each other; codes differing only in case count as one). */
static int check_codes(char *const *codes, size_t n_codes, omr_error *err) {
    if (n_codes == 0 || !codes)
        return omr_fail(err, OMR_ERR_INVALID, "no codes given: nothing to render");
    for (size_t i = 0; i < n_codes; i++)
        if (!identify_code_is_valid(codes[i]))
            return omr_fail(err, OMR_ERR_INVALID,
                            "code number %zu, \"%.60s\", cannot be printed: codes are 1 to 40 "
                            "letters (A-Z) and digits, nothing else", i + 1,
                            codes[i] ? codes[i] : "(none)");
    char **sorted = malloc(n_codes * sizeof *sorted);
    if (!sorted)
        return omr_fail(err, OMR_ERR_MEMORY, "out of memory checking %zu codes", n_codes);
    memcpy(sorted, codes, n_codes * sizeof *sorted);
    qsort(sorted, n_codes, sizeof *sorted, compare_codes);
    int rc = OMR_OK;
    for (size_t i = 1; i < n_codes; i++)
        if (strcasecmp(sorted[i - 1], sorted[i]) == 0) {
            rc = omr_fail(err, OMR_ERR_INVALID,
                          "code \"%s\" is given twice; every form needs its own code", sorted[i]);
            break;
        }
    free(sorted);
    return rc;
}

typedef struct {
    FILE *file;
    int error; /* errno of the first failed write, 0 if none */
} pdf_sink;

static cairo_status_t write_to_sink(void *closure, const unsigned char *data, unsigned int len) {
    pdf_sink *sink = closure;
    if (fwrite(data, 1, len, sink->file) == len)
        return CAIRO_STATUS_SUCCESS;
    if (!sink->error)
        sink->error = errno ? errno : EIO;
    return CAIRO_STATUS_WRITE_ERROR;
}

static const render_hooks no_hooks = {0};

static int render_pdf(const omr_template *tmpl, char *const *codes, size_t n_codes,
                      const char *out, const render_hooks *h, omr_error *err) {
    pdf_sink sink = {fopen(out, "wb"), 0};
    if (!sink.file)
        return omr_fail(err, OMR_ERR_IO, "cannot create %s: %s", out, strerror(errno));
    double pt_per_mm = 72.0 / 25.4;
    cairo_surface_t *surface = cairo_pdf_surface_create_for_stream(
        write_to_sink, &sink, tmpl->page_width * pt_per_mm, tmpl->page_height * pt_per_mm);
#if CAIRO_VERSION >= CAIRO_VERSION_ENCODE(1, 16, 0)
    cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_TITLE, tmpl->title);
    cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATOR, "omr render");
#endif
    cairo_t *cr = cairo_create(surface);
    cairo_scale(cr, pt_per_mm, pt_per_mm);
    int rc = OMR_OK;
    for (size_t i = 0; i < n_codes && rc == OMR_OK; i++) {
        if (h->before_form)
            rc = h->before_form(cr, i, h->user, err);
        for (size_t p = 1; p <= tmpl->n_pages && rc == OMR_OK; p++) {
            rc = render_draw_page(cr, tmpl, codes[i], (int)p, err);
            if (rc == OMR_OK)
                cairo_show_page(cr);
        }
        if (rc == OMR_OK && h->after_form)
            h->after_form(i, h->user);
    }
    cairo_destroy(cr);
    cairo_surface_finish(surface);
    cairo_status_t status = cairo_surface_status(surface);
    cairo_surface_destroy(surface);
    if (fclose(sink.file) != 0 && !sink.error)
        sink.error = errno;
    if (rc == OMR_OK && sink.error)
        rc = omr_fail(err, OMR_ERR_IO, "cannot write %s: %s", out, strerror(sink.error));
    else if (rc == OMR_OK && status != CAIRO_STATUS_SUCCESS)
        rc = omr_fail(err, status == CAIRO_STATUS_NO_MEMORY ? OMR_ERR_MEMORY : OMR_ERR_IO,
                      "cannot write %s: %s", out, cairo_status_to_string(status));
    if (rc != OMR_OK)
        remove(out); /* a half-written print file must not reach the printer */
    return rc;
}

static int render_png(const omr_template *tmpl, char *const *codes, size_t n_codes, double dpi,
                      const char *out, const render_hooks *h, omr_error *err) {
    for (size_t i = 0; i < n_codes; i++) {
        if (i && h->after_form)
            h->after_form(i - 1, h->user);
        for (size_t p = 1; p <= tmpl->n_pages; p++) {
            char path[4096];
            if (snprintf(path, sizeof path, "%s/%s-p%zu.png", out, codes[i], p) >= (int)sizeof path)
                return omr_fail(err, OMR_ERR_IO, "output path too long in %.80s...", out);
            omr_image *image = NULL;
            int rc = draw_page_image(tmpl, codes[i], (int)p, dpi, &image, err);
            if (rc != OMR_OK)
                return rc;
            rc = encode_png(image, path, err);
            omr_image_free(image);
            if (rc != OMR_OK)
                return rc;
        }
    }
    if (n_codes && h->after_form)
        h->after_form(n_codes - 1, h->user);
    return OMR_OK;
}

static int render_tiff(const omr_template *tmpl, char *const *codes, size_t n_codes, double dpi,
                       const char *out, const render_hooks *h, omr_error *err) {
    for (size_t i = 0; i < n_codes; i++) {
        if (i && h->after_form)
            h->after_form(i - 1, h->user);
        char path[4096];
        if (snprintf(path, sizeof path, "%s/%s.tif", out, codes[i]) >= (int)sizeof path)
            return omr_fail(err, OMR_ERR_IO, "output path too long in %.80s...", out);
        tiff_writer *writer = NULL;
        int rc = encode_tiff_open(path, &writer, err);
        if (rc != OMR_OK)
            return rc;
        for (size_t p = 1; p <= tmpl->n_pages && rc == OMR_OK; p++) {
            omr_image *image = NULL;
            rc = draw_page_image(tmpl, codes[i], (int)p, dpi, &image, err);
            if (rc != OMR_OK)
                break;
            rc = encode_tiff_add(writer, image, TIFF_LZW, err);
            omr_image_free(image);
        }
        omr_error close_err;
        int close_rc = encode_tiff_close(writer, &close_err);
        if (rc != OMR_OK)
            return rc;
        if (close_rc != OMR_OK) {
            if (err)
                *err = close_err;
            return close_rc;
        }
    }
    if (n_codes && h->after_form)
        h->after_form(n_codes - 1, h->user);
    return OMR_OK;
}

int render_forms(const omr_template *tmpl, char *const *codes, size_t n_codes,
                 render_format format, double dpi, const char *out, omr_error *err) {
    return render_forms_with(tmpl, codes, n_codes, format, dpi, out, NULL, err);
}

int render_forms_with(const omr_template *tmpl, char *const *codes, size_t n_codes,
                      render_format format, double dpi, const char *out,
                      const render_hooks *hooks, omr_error *err) {
    const render_hooks *h = hooks ? hooks : &no_hooks;
    if (!tmpl || !out || !*out)
        return omr_fail(err, OMR_ERR_INVALID, "render: no template or no output path");
    int rc = check_codes(codes, n_codes, err);
    if (rc != OMR_OK)
        return rc;
    if (format != RENDER_PDF && !(dpi >= DRAW_MIN_DPI && dpi <= DRAW_MAX_DPI))
        return omr_fail(err, OMR_ERR_INVALID,
                        "a resolution of %g dpi is not printable; use %g to %g dpi", dpi, DRAW_MIN_DPI,
                        DRAW_MAX_DPI);
    switch (format) {
    case RENDER_PDF:
        return render_pdf(tmpl, codes, n_codes, out, h, err);
    case RENDER_PNG:
        rc = make_folder(out, err);
        return rc != OMR_OK ? rc : render_png(tmpl, codes, n_codes, dpi, out, h, err);
    case RENDER_TIFF:
        rc = make_folder(out, err);
        return rc != OMR_OK ? rc : render_tiff(tmpl, codes, n_codes, dpi, out, h, err);
    }
    return omr_fail(err, OMR_ERR_INVALID, "render: unknown output format %d", (int)format);
}
