/*
 * scan.c — runs the pipeline over a batch of scan files.
 *
 * Inputs are files or folders (walked recursively, in name order, so a batch
 * gives the same result every time); the output folder is skipped if it lies
 * inside an input folder. Files are recognised by content (decode.c). Each
 * page: blank test, identify, locate, measure every box, decide every box,
 * look for writing in the text fields (crop saved as PNG, OCR'd when asked).
 * Every failure becomes a rejects.csv line naming file, page and reason.
 */
#include "scan.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "decode.h"
#include "encode.h"

#define BLANK_PAGE_INK 0.002 /* under 0.2% ink on a coarse grid: nothing printed */

static double now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int scan_context_init(scan_context *ctx, const scan_options *options, omr_error *err) {
    memset(ctx, 0, sizeof *ctx);
    ctx->options = options;
    ctx->reader = identify_reader_new();
    for (size_t i = 0; i < options->n_templates; i++)
        ctx->n_masks += options->templates[i]->n_pages;
    ctx->masks = calloc(ctx->n_masks ? ctx->n_masks : 1, sizeof *ctx->masks);
    /* where the given templates print their codes: searched first */
    ctx->code_areas = calloc(options->n_templates ? options->n_templates : 1, sizeof *ctx->code_areas);
    for (size_t i = 0; ctx->code_areas && i < options->n_templates; i++)
        ctx->code_areas[i] = options->templates[i]->code_rect;
    ctx->hints = (identify_hints){ctx->code_areas, ctx->code_areas ? options->n_templates : 0,
                                  options->n_templates ? options->templates[0]->page_width : 210,
                                  options->n_templates ? options->templates[0]->page_height : 297};
    if (!ctx->reader)
        return omr_fail(err, OMR_ERR_MEMORY, "cannot start the QR code reader (zbar)");
    return OMR_OK;
}

void scan_context_free(scan_context *ctx) {
    identify_reader_free(ctx->reader);
    free(ctx->code_areas);
    for (size_t i = 0; ctx->masks && i < ctx->n_masks; i++)
        print_mask_free(&ctx->masks[i]);
    free(ctx->masks);
    ocr_engine_free(ctx->ocr);
    memset(ctx, 0, sizeof *ctx);
}

static const omr_template *find_template(const scan_options *o, const char *id) {
    for (size_t i = 0; i < o->n_templates; i++)
        if (strcmp(o->templates[i]->id, id) == 0)
            return o->templates[i];
    return NULL;
}

static void read_text_fields(scan_context *ctx, const omr_image *scan, page_reading *p,
                             const page_levels *levels) {
    const omr_template *t = p->tmpl;
    const scan_options *o = ctx->options;
    for (size_t k = 0; k < t->n_text_fields; k++) {
        const template_text_field *field = &t->text_fields[k];
        if (field->page != p->identity.page)
            continue;
        text_reading *tr = &p->texts[k];
        tr->ink = measure_text_ink(scan, &p->transform, levels, field->rect);
        tr->has_writing = tr->ink > o->calibration->text_ink_min;
        if (!tr->has_writing)
            continue;
        omr_image *crop = ocr_crop_field(scan, &p->transform, field->rect, 1.5);
        if (!crop) {
            tr->needs_review = 1;
            continue;
        }
        char rel[512], path[4096];
        snprintf(rel, sizeof rel, "comments/%s-%s-p%d-%s.png", t->id, p->identity.code,
                 p->identity.page, field->id);
        snprintf(path, sizeof path, "%s/%s", o->out_dir, rel);
        omr_error err;
        if (encode_png(crop, path, &err) == OMR_OK)
            tr->crop_path = omr_strdup(rel);
        tr->needs_review = 1;
        if (o->run_ocr) {
            double start = now_seconds();
            if (!ctx->ocr)
                ctx->ocr = ocr_engine_new(o->ocr_languages ? o->ocr_languages : "swe+eng", &err);
            if (ctx->ocr && ocr_read(ctx->ocr, crop, &tr->text, &tr->confidence, &err) == OMR_OK)
                tr->needs_review = tr->confidence < o->calibration->ocr_confidence_min || !*tr->text;
            ctx->seconds_ocr += now_seconds() - start;
        }
        omr_image_free(crop);
    }
}

/* The blank form's print for (template, page), made on first use. */
static const print_mask *scan_print_mask(scan_context *ctx, const omr_template *t, int page) {
    const scan_options *o = ctx->options;
    size_t slot = 0;
    for (size_t i = 0; i < o->n_templates && o->templates[i] != t; i++)
        slot += o->templates[i]->n_pages;
    slot += (size_t)page - 1;
    if (!ctx->masks[slot].printed) {
        omr_error err;
        if (measure_print_mask(t, page, &ctx->masks[slot], &err) != OMR_OK)
            return NULL; /* without a mask ink near boxes is not measured */
    }
    return &ctx->masks[slot];
}

int scan_page(scan_context *ctx, const omr_image *image, const char *file, int file_page,
              page_reading **out, int *blank, omr_error *err) {
    *out = NULL;
    *blank = 0;
    const scan_options *o = ctx->options;
    /* a blank page (a duplex back) is told cheaply, before the QR search
     * runs over the whole page in vain */
    if (measure_page_ink(image) < BLANK_PAGE_INK) {
        *blank = 1;
        return omr_fail(err, OMR_ERR_NOT_FOUND, "blank page (the back of a duplex scan?)");
    }
    page_identity identity;
    int rc = identify_page(ctx->reader, image, &ctx->hints, &identity, err);
    if (rc != OMR_OK)
        return rc;
    const omr_template *t = find_template(o, identity.template_id);
    if (!t)
        return omr_fail(err, OMR_ERR_INVALID,
                        "page of questionnaire \"%s\" (code %s), which is not among the templates "
                        "this scan was started with", identity.template_id, identity.code);
    if (identity.page < 1 || (size_t)identity.page > t->n_pages)
        return omr_fail(err, OMR_ERR_INVALID, "the QR code says page %d, but %s has %zu pages",
                        identity.page, t->id, t->n_pages);

    page_reading *p = calloc(1, sizeof *p);
    if (!p)
        return omr_fail(err, OMR_ERR_MEMORY, "out of memory");
    p->file = omr_strdup(file);
    p->file_page = file_page;
    p->tmpl = t;
    p->identity = identity;
    rc = locate_page(image, t, &identity, &p->transform, err);
    if (rc != OMR_OK) {
        page_reading_free(p);
        return rc;
    }
    page_levels levels;
    measure_levels(image, &p->transform, &levels);
    const print_mask *mask = scan_print_mask(ctx, t, identity.page);

    for (size_t i = 0; i < t->n_questions; i++)
        if (t->questions[i].page == identity.page)
            p->n_boxes += t->questions[i].n_boxes;
    p->measures = calloc(p->n_boxes ? p->n_boxes : 1, sizeof *p->measures);
    p->decisions = calloc(p->n_boxes ? p->n_boxes : 1, sizeof *p->decisions);
    p->texts = calloc(t->n_text_fields ? t->n_text_fields : 1, sizeof *p->texts);
    if (!p->measures || !p->decisions || !p->texts) {
        page_reading_free(p);
        return omr_fail(err, OMR_ERR_MEMORY, "out of memory");
    }
    size_t k = 0;
    for (size_t i = 0; i < t->n_questions; i++) {
        const template_question *q = &t->questions[i];
        if (q->page != identity.page)
            continue;
        for (size_t b = 0; b < q->n_boxes; b++, k++) {
            measure_box(image, &p->transform, &levels, mask, q->boxes[b].rect,
                        measure_near_zone(t, q, b, mask), &p->measures[k]);
            p->decisions[k] = decide_box(o->calibration, &p->measures[k]);
        }
    }
    read_text_fields(ctx, image, p, &levels);
    *out = p;
    return OMR_OK;
}

/* ---- the batch ---------------------------------------------------------------- */

typedef struct {
    char **paths;
    size_t count, cap;
} path_list;

static void path_add(path_list *l, const char *path) {
    if (l->count == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 64;
        l->paths = realloc(l->paths, l->cap * sizeof *l->paths);
    }
    l->paths[l->count++] = omr_strdup(path);
}

static int compare_str(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void collect(const char *path, const char *skip_real, path_list *files, reject_list *rejects) {
    struct stat st;
    if (stat(path, &st) != 0) {
        char reason[300];
        snprintf(reason, sizeof reason, "cannot read: %s", strerror(errno));
        reject_list_add(rejects, path, 0, reason, 0);
        return;
    }
    if (!S_ISDIR(st.st_mode)) {
        if (S_ISREG(st.st_mode))
            path_add(files, path);
        return;
    }
    char real[PATH_MAX];
    if (skip_real && realpath(path, real) && strcmp(real, skip_real) == 0)
        return; /* our own output folder */
    DIR *dir = opendir(path);
    if (!dir) {
        char reason[300];
        snprintf(reason, sizeof reason, "cannot open folder: %s", strerror(errno));
        reject_list_add(rejects, path, 0, reason, 0);
        return;
    }
    path_list here = {0};
    for (struct dirent *e; (e = readdir(dir));) {
        if (e->d_name[0] == '.')
            continue; /* ., .., and hidden temp files of scanners */
        char child[4096];
        snprintf(child, sizeof child, "%s/%s", path, e->d_name);
        path_add(&here, child);
    }
    closedir(dir);
    qsort(here.paths, here.count, sizeof *here.paths, compare_str);
    for (size_t i = 0; i < here.count; i++) {
        collect(here.paths[i], skip_real, files, rejects);
        free(here.paths[i]);
    }
    free(here.paths);
}

static int make_dir(const char *path, omr_error *err) {
    if (mkdir(path, 0777) != 0 && errno != EEXIST)
        return omr_fail(err, OMR_ERR_IO, "cannot create folder %s: %s", path, strerror(errno));
    return OMR_OK;
}

int scan_batch(const scan_options *o, char *const *inputs, size_t n_inputs, scan_summary *summary,
               omr_error *err) {
    memset(summary, 0, sizeof *summary);
    char comments[4096];
    snprintf(comments, sizeof comments, "%s/comments", o->out_dir);
    int rc = make_dir(o->out_dir, err);
    if (rc == OMR_OK)
        rc = make_dir(comments, err);
    if (rc != OMR_OK)
        return rc;
    char out_real[PATH_MAX];
    const char *skip = realpath(o->out_dir, out_real) ? out_real : NULL;

    reject_list rejects = {0};
    path_list files = {0};
    for (size_t i = 0; i < n_inputs; i++)
        collect(inputs[i], skip, &files, &rejects);
    summary->files = files.count;

    scan_context ctx;
    rc = scan_context_init(&ctx, o, err);
    page_reading **pages = NULL;
    size_t n_pages = 0, cap = 0;
    double start = now_seconds();
    for (size_t f = 0; rc == OMR_OK && f < files.count; f++) {
        const char *file = files.paths[f];
        decode_source *src = NULL;
        omr_error ferr;
        if (decode_open(file, &src, &ferr) != OMR_OK) {
            reject_list_add(&rejects, file, 0, ferr.message, 0);
            continue;
        }
        int n = decode_page_count(src);
        for (int i = 0; i < n; i++) {
            summary->pages++;
            omr_image *image = NULL;
            page_reading *page = NULL;
            int blank = 0;
            omr_error perr;
            int prc = decode_page(src, i, &image, &perr);
            if (prc == OMR_OK)
                prc = scan_page(&ctx, image, file, i + 1, &page, &blank, &perr);
            omr_image_free(image);
            if (prc != OMR_OK) {
                reject_list_add(&rejects, file, i + 1, perr.message, blank);
                if (blank)
                    summary->pages_blank++;
                else
                    summary->pages_rejected++;
                continue;
            }
            if (n_pages == cap) {
                cap = cap ? cap * 2 : 256;
                page_reading **grown = realloc(pages, cap * sizeof *pages);
                if (!grown) {
                    page_reading_free(page);
                    rc = omr_fail(err, OMR_ERR_MEMORY, "out of memory after %zu pages", n_pages);
                    break;
                }
                pages = grown;
            }
            pages[n_pages++] = page;
            summary->pages_read++;
        }
        decode_close(src);
    }
    summary->seconds_ocr = ctx.seconds_ocr;
    summary->seconds_reading = now_seconds() - start - ctx.seconds_ocr;
    scan_context_free(&ctx);

    form_set forms = {0};
    if (rc == OMR_OK)
        rc = assemble_forms(pages, n_pages, &forms, err);
    if (rc == OMR_OK)
        rc = export_batch(o->out_dir, o->templates, o->n_templates, &forms, pages, n_pages, &rejects, err);
    summary->forms = forms.n_forms;
    for (size_t i = 0; i < forms.n_forms; i++) {
        const char *status = export_form_status(&forms.forms[i]);
        summary->forms_review += strcmp(status, "review") == 0;
        summary->forms_incomplete += forms.forms[i].incomplete;
        for (size_t k = 0; k < forms.forms[i].tmpl->n_text_fields; k++)
            summary->comments_read += forms.forms[i].texts[k].text != NULL;
    }
    for (size_t i = 0; i < rejects.count; i++)
        summary->rejected += !rejects.items[i].blank;
    form_set_free(&forms);
    for (size_t i = 0; i < n_pages; i++)
        page_reading_free(pages[i]);
    free(pages);
    for (size_t i = 0; i < files.count; i++)
        free(files.paths[i]);
    free(files.paths);
    reject_list_free(&rejects);
    return rc;
}
