/*
 * scan.c — runs the pipeline over scan files, for `omr scan` (a batch) and
 * `omr watch` (one file at a time, in worker threads).
 *
 * Each page: blank test, identify, locate, measure every box, decide every
 * box, look for writing in the text fields (the crop is kept for store, which
 * saves it as PNG). A file's pages go into the ledger in one transaction
 * (store.c), where they join returns; comments wait in the ledger's OCR queue
 * (scan_ocr_next reads the saved crop). A batch's inputs are files or folders
 * (walked recursively, in name order, so a batch gives the same result every
 * time; the output folder is skipped if it lies inside an input folder; each
 * real folder and file once, by device and inode, however many links lead to
 * it; anything but a regular file is refused by stat, never opened), and
 * its outputs are written from the ledger (export.c). Every failure becomes a
 * reason in the ledger and a rejects.csv line naming file, page and reason.
 */
#include "daemon/scan.h"
#include "base/interrupt.h"

#include <assert.h>
#include <ctype.h>
#include <signal.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "daemon/scan_jobs.h"
#include "forms/file_name.h"
#include "pages/decode.h"
#include "pages/encode.h"
#include "reading/inside.h"
#include "reading/code/printed_code.h"
#include "reading/code/qr_grid.h"
#include "reading/crease/crease.h"
#include "reading/marks/boxes.h"
#include "reading/writing/writing.h"

#define BLANK_PAGE_INK 0.002 /* under 0.2% ink on a coarse grid: nothing printed */

static double now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int scan_run_dropout(const omr_template *const *templates, size_t n, decode_dropout *out, omr_error *err) {
    *out = n ? templates[0]->dropout : DECODE_DROPOUT_NONE;
    for (size_t i = 1; i < n; i++)
        if (templates[i]->dropout != *out)
            return omr_fail(err, OMR_ERR_INVALID,
                            "templates %s (dropout \"%s\") and %s (dropout \"%s\") cannot be read in "
                            "one run: a page's colour is made grey before it is known which form it "
                            "is; read the scans of each in a run of its own",
                            templates[0]->id, decode_dropout_name(*out), templates[i]->id,
                            decode_dropout_name(templates[i]->dropout));
    return OMR_OK;
}

int scan_context_init(scan_context *ctx, const scan_options *options, omr_error *err) {
    memset(ctx, 0, sizeof *ctx);
    ctx->options = options;
    int rc = scan_run_dropout(options->templates, options->n_templates, &ctx->dropout, err);
    if (rc != OMR_OK)
        return rc;
    ctx->reader = identify_reader_new();
    /* forms omr did not print: their own barcodes, or their look */
    if (ctx->reader)
        identify_reader_set_templates(ctx->reader, options->templates, options->n_templates);
    for (size_t i = 0; i < options->n_templates; i++)
        ctx->n_masks += options->templates[i]->n_pages;
    ctx->masks = calloc(ctx->n_masks ? ctx->n_masks : 1, sizeof *ctx->masks);
    /* where the given templates print their codes: searched first */
    ctx->code_areas = calloc(options->n_templates ? options->n_templates : 1, sizeof *ctx->code_areas);
    for (size_t i = 0; ctx->code_areas && i < options->n_templates; i++)
        ctx->code_areas[i] = options->templates[i]->code_rect;
    ctx->hints = (identify_hints){.areas = ctx->code_areas,
                                  .n_areas = ctx->code_areas ? options->n_templates : 0,
                                  .page_width = options->n_templates ? options->templates[0]->page_width : 210,
                                  .page_height = options->n_templates ? options->templates[0]->page_height : 297};
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
    ocr_engine_free(ctx->ocr_code);
    locate_looks_free(&ctx->looks);
    memset(ctx, 0, sizeof *ctx);
}

static const omr_template *find_template(const scan_options *o, const char *id) {
    for (size_t i = 0; i < o->n_templates; i++)
        if (strcmp(o->templates[i]->id, id) == 0)
            return o->templates[i];
    return NULL;
}

static void read_text_fields(const scan_context *ctx, const omr_image *scan, page_reading *p,
                             const page_levels *levels, const print_mask *mask) {
    const omr_template *t = p->tmpl;
    const scan_options *o = ctx->options;
    for (size_t k = 0; k < t->n_text_fields; k++) {
        const template_text_field *field = &t->text_fields[k];
        if (field->page != p->identity.page)
            continue;
        text_reading *tr = &p->texts[k];
        tr->ink = measure_text_ink(scan, &p->transform, levels, field->rect);
        /* writing is strokes, not an ink share: one short word in a corner of
         * a large frame is writing, a fold or speckle is not (writing.h); when
         * the look fails (out of memory) a person looks instead */
        writing_evidence ev;
        omr_error werr;
        if (writing_detect(scan, &p->transform, levels, mask, field->rect, o->calibration->text_ink_min, &ev,
                           &werr) != OMR_OK) {
            ev.has_writing = 1;
            ev.covered = 0;
        }
        tr->has_writing = ev.has_writing;
        tr->covered = ev.covered;
        if (!tr->has_writing)
            continue;
        /* kept for store, which saves it as PNG; OCR reads it from the queue */
        tr->crop = ocr_crop_field(scan, &p->transform, field->rect, 1.5);
        tr->needs_review = 1;
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

/* ---- a page whose code cannot be read --------------------------------------------- */

/* The login code printed under the QR code (reading/code/printed_code.h),
 * read with an English-only engine of its own (letters and digits);
 * ctx->printed_code is what it read for a person, `code` the code when its
 * check character holds ("" else). */
static void read_printed_code(scan_context *ctx, const omr_image *image, const omr_template *t,
                              const page_transform *tr, char *code, size_t size) {
    code[0] = 0;
    omr_error err;
    /* letters and digits need no second language (half the work) */
    if (!ctx->ocr_code && !(ctx->ocr_code = ocr_engine_new("eng", &err)))
        return;
    double start = now_seconds();
    printed_code read;
    if (printed_code_read(ctx->ocr_code, image, t, tr, &read, &err) == OMR_OK) {
        snprintf(ctx->printed_code, sizeof ctx->printed_code, "%s", read.seen);
        snprintf(code, size, "%s", read.code);
    }
    ctx->seconds_ocr += now_seconds() - start;
}

/* identify_page found no code: the page is known by its look, and its code
 * read from the QR code's module grid where the look placed it, else from
 * the print under it, when its check character holds ("" otherwise). A page
 * refused though it looked like one of ours sets *likely (err says why). */
static int identify_by_look(scan_context *ctx, const omr_image *image, page_identity *identity,
                            page_transform *transform, const omr_template **likely, omr_error *err) {
    const scan_options *o = ctx->options;
    const omr_template *t = NULL;
    int page = 0;
    ctx->printed_code[0] = 0;
    ctx->look_match = 0;
    int rc = locate_by_look(image, o->templates, o->n_templates, &ctx->looks, &t, &page, transform,
                            &ctx->look_match, err);
    *likely = t;
    if (rc != OMR_OK)
        return rc;
    memset(identity, 0, sizeof *identity);
    snprintf(identity->template_id, sizeof identity->template_id, "%s", t->id);
    identity->page = page;
    code_payload qr;
    if (qr_grid_read(image, t, transform, &qr, NULL) == OMR_OK && strcmp(qr.template_id, t->id) == 0 &&
        qr.page == page) {
        snprintf(identity->code, sizeof identity->code, "%s", qr.code);
        return OMR_OK;
    }
    read_printed_code(ctx, image, t, transform, identity->code, sizeof identity->code);
    return OMR_OK;
}

/* OMR_DEBUG_MARKS: a line per box on stderr, what decide_box and decide_page saw */
static void debug_marks(const char *file, int file_page, const omr_template *t, int page, const page_reading *p) {
    size_t k = 0;
    for (size_t i = 0; i < t->n_questions; i++) {
        const template_question *q = &t->questions[i];
        if (q->page != page)
            continue;
        for (size_t b = 0; b < q->n_boxes && k < p->n_boxes; b++, k++) {
            const box_measure *m = &p->measures[k];
            const box_decision *d = &p->decisions[k];
            fprintf(stderr,
                    "marks %s#%d %s=%s: %s fill %.3f pale %.3f ext %.2f near %.2f L%.2f R%.2f specks %.2f core %.2f "
                    "ring %.2f gap %.2f traced %.2f opp %.2f clear %.2f/%.2f hug %.2f label %.2f/%.2f/%.2f "
                    "stroke %.2f compact %.2f circled %d dot %d faint %d speckled %d hugged %d paper %.2f/%.2f "
                    "white %.0f outline %d/%.2f dark %.2f crease %d/%.2f/%.2f creased %d "
                    "ink %.2f/%.2f@%.0f at %.1f,%.1f box %.1f,%.1f struck %d\n",
                    file, file_page, q->id, q->boxes[b].value, decide_box_state_name(d->state), m->fill, m->faint_fill,
                    m->extent, m->near_mm2, m->near_left_mm2, m->near_right_mm2, m->near_specks, m->core_mm2, m->ring,
                    m->ring_gap, m->ring_traced, m->ring_opposed, m->ring_clear, m->ring_clear_gap, m->ring_hug_mm2,
                    m->label_ring, m->label_gap, m->label_opposed, m->stroke_mm, m->compact, d->circled, d->dot,
                    d->faint, d->speckled, d->hugged, m->near_share, m->paper_share, m->paper_white, m->outline_found,
                    m->outline_weakest, m->darkness, m->crease_along, m->crease_darkness, m->crease_width_mm[0],
                    d->creased, m->ink_width_mm, m->ink_span, m->ink_axis_deg, m->ink_x_mm, m->ink_y_mm, m->box_x_mm,
                    m->box_y_mm, m->struck_through);
        }
    }
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
    page_transform by_look;
    int known_by_look = 0;
    int rc = identify_page(ctx->reader, image, &ctx->hints, &identity, err);
    if (rc == OMR_ERR_NOT_FOUND) {
        /* no code: known by its look, or the look's reason when the page
         * looked like one of ours but was refused (the mailroom sees which
         * page it resembled and why it was not taken for it) */
        omr_error look_err = {""};
        const omr_template *likely = NULL;
        known_by_look = identify_by_look(ctx, image, &identity, &by_look, &likely, &look_err) == OMR_OK;
        if (!known_by_look && likely && err)
            *err = look_err;
        rc = known_by_look ? OMR_OK : rc;
    }
    if (rc != OMR_OK)
        return rc;
    const omr_template *t = find_template(o, identity.template_id);
    if (!t)
        return omr_fail(err, OMR_ERR_INVALID,
                        "page of questionnaire \"%s\" (code %s), which is not among the templates "
                        "this scan was started with", identity.template_id, identity.code);
    if (t->identity.file_name) { /* the respondent from the scan's file name */
        int page = 0;
        if (!file_name_read(t->identity.file_name, file, identity.code, sizeof identity.code, &page))
            return omr_fail(err, OMR_ERR_INVALID, "the file name of %s does not read as \"%s\" (the template's "
                            "identity.file_name); rename the scan, e.g. 12345678-p1.tif", file, t->identity.file_name);
        if (page > 0 && identity.has_coarse && page != identity.page)
            return omr_fail(err, OMR_ERR_INVALID, "%s: its name says page %d, but it looks like page %d of %s; "
                            "is the scan misnamed?", file, page, identity.page, t->id);
        if (page > 0)
            identity.page = page;
        identity.anonymous = 0;
    }
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
    if (known_by_look)
        p->transform = by_look;
    else
        rc = locate_page(image, t, &identity, &p->transform, err);
    if (rc != OMR_OK) {
        page_reading_free(p);
        return rc;
    }
    page_levels levels;
    measure_levels(image, &p->transform, &levels);
    const print_mask *mask = scan_print_mask(ctx, t, identity.page);
    /* a fold's crease is taken out before anything is measured: it ran
     * through rows of boxes and beside them (crease.h) */
    page_crease creases[CREASE_MAX];
    int n_creases = crease_find(image, &p->transform, &levels, mask, t->page_width, t->page_height, creases,
                                CREASE_MAX);
    omr_image *uncreased = n_creases ? crease_clean(image, &p->transform, &levels, mask, t, identity.page, creases,
                                                    n_creases)
                                     : NULL;
    const omr_image *seen = uncreased ? uncreased : image;
    if (getenv("OMR_DEBUG_CREASE")) /* for the engineer: where creases were found */
        for (int c = 0; c < n_creases; c++)
            fprintf(stderr, "crease %s#%d: %s at %.1f slope %.4f depth %.1f support %d%s\n", file, file_page,
                    creases[c].vertical ? "vertical" : "horizontal", creases[c].at, creases[c].slope, creases[c].depth,
                    creases[c].support, creases[c].n_knots ? " bent" : "");

    if ((rc = page_reading_alloc(p, identity.page, err)) != OMR_OK) {
        omr_image_free(uncreased);
        return rc;
    }
    uint8_t *unsure_at = calloc(p->n_boxes ? p->n_boxes : 1, 1);
    if (!unsure_at) {
        omr_image_free(uncreased);
        page_reading_free(p);
        return omr_fail(err, OMR_ERR_MEMORY, "out of memory");
    }
    marks_measure_page(seen, image, &p->transform, &levels, mask, t, identity.page, creases, n_creases, p->measures,
                       unsure_at, p->n_boxes);
    size_t k;
    /* boxes with print inside: their ink against the blank's own pixels */
    measure_inside_print(seen, &p->transform, &levels, mask, t, identity.page, p->measures, p->n_boxes);
    for (k = 0; k < p->n_boxes; k++)
        p->decisions[k] = decide_box(o->calibration, &p->measures[k]);
    decide_page(o->calibration, p->measures, p->decisions, p->n_boxes);
    decide_pale_marks(o->calibration, t, identity.page, p->measures, p->decisions, p->n_boxes);
    /* rings are measured here and not kept in the ledger: a circle's rivals are judged now */
    decide_circle_rivals(o->calibration, t, identity.page, p->measures, p->decisions, p->n_boxes);
    decide_rubbed_out_traces(t, identity.page, p->measures, p->decisions, p->n_boxes);
    decide_struck_through(p->measures, p->decisions, p->n_boxes);
    /* ink in a box whose outline was not seen (the map off there: it may
     * be the print beside it; seed 5101 --warp 2, VEURFG6T q4a1 read "3"
     * from the words "Vet ej") */
    decide_unseen_outlines(p->measures, p->decisions, p->n_boxes);
    /* a cross between two boxes of an unanswered question, half round each */
    decide_ink_between(o->calibration, t, identity.page, p->measures, p->decisions, p->n_boxes);
    /* omr's own form prints an outline round every box: where most of the
     * page's outlines went unseen, its map is off all over (a sheet bent
     * more than locate's local search reaches: seed 7601 --folds --warp 2,
     * PSMQP4UM, 3 of 33 outlines seen and every box of q5r read as marked
     * from the print beside it), and no box of it is read silently */
    if (t->identity.kind == IDENTITY_OMR && !decide_outlines_seen(p->measures, p->n_boxes))
        for (k = 0; k < p->n_boxes; k++)
            unsure_at[k] = 1;
    /* a box whose print locate could not find near it, or that lies off the
     * scan, is not read silently */
    for (k = 0; k < p->n_boxes; k++)
        if (unsure_at[k])
            p->decisions[k].state = BOX_UNSURE;
    free(unsure_at);
    if (getenv("OMR_DEBUG_MARKS")) /* for the engineer: each box's measures and decision */
        debug_marks(file, file_page, t, identity.page, p);
    /* text fields on the scan as it is: writing.c takes out fold lines
     * itself, and a line of writing is never cleaned away as a crease */
    read_text_fields(ctx, image, p, &levels, mask);
    omr_image_free(uncreased);
    *out = p;
    return OMR_OK;
}

/* ---- one file ------------------------------------------------------------------ */

/* Room for every page is made before the first is read (scan_read_file), so
 * adding one cannot fail: a page is never dropped without its reason. */
static void pages_add(scan_file_pages *out, size_t cap, int file_page, store_page_status status, const char *reason,
                      int reviewable, page_reading *reading) {
    assert(out->pages && out->n_pages < cap);
    assert(status != STORE_PAGE_READ || reading);
    (void)cap;
    out->pages[out->n_pages++] = (store_page){file_page, status, omr_strdup(reason), reviewable, reading, 0};
}

/* A decoder's message names the path it opened; staff know the file by its
 * name (the daemon reads it from its processing folder). */
static void name_in_message(char *message, size_t size, const char *path, const char *name) {
    size_t plen = strlen(path);
    char *at = plen ? strstr(message, path) : NULL;
    if (!at || strcmp(path, name) == 0)
        return;
    char rest[OMR_ERROR_SIZE];
    snprintf(rest, sizeof rest, "%s", at + plen);
    snprintf(at, size - (size_t)(at - message), "%s%s", name, rest);
}

void scan_read_file(scan_context *ctx, const char *path, const char *name, scan_file_pages *out) {
    memset(out, 0, sizeof *out);
    double start = now_seconds(), ocr_before = ctx->seconds_ocr;
    decode_source *src = NULL;
    omr_error err;
    if (decode_open(path, &src, &err) != OMR_OK) {
        name_in_message(err.message, sizeof err.message, path, name);
        out->error = omr_strdup(err.message);
        out->seconds = now_seconds() - start;
        return;
    }
    decode_set_dropout(src, ctx->dropout); /* every page of the run, as the blank pages */
    int n = decode_page_count(src);
    size_t cap = n > 0 ? (size_t)n : 1;
    out->pages = calloc(cap, sizeof *out->pages);
    if (!out->pages) {
        /* before, a page that found no room was dropped without a word */
        char message[OMR_ERROR_SIZE];
        snprintf(message, sizeof message, "%s: out of memory before its %d page%s could be read; put it in again",
                 name, n, n == 1 ? "" : "s");
        out->error = omr_strdup(message);
        decode_close(src);
        out->seconds = now_seconds() - start;
        return;
    }
    /* what the printed code read as on pages known by their look */
    char (*printed)[IDENTIFY_MAX_ID] = calloc(cap, sizeof *printed);
    for (int i = 0; i < n && !interrupt_pending(); i++) { /* Ctrl-C: the file is dropped (scan_batch) */
        omr_image *image = NULL;
        page_reading *page = NULL;
        int blank = 0, decoded = 0;
        int rc = decode_page(src, i, &image, &err);
        if (rc == OMR_OK) {
            decoded = 1;
            rc = scan_page(ctx, image, name, i + 1, &page, &blank, &err);
            if (rc == OMR_OK && !page->identity.code[0] && printed)
                snprintf(printed[i], sizeof printed[i], "%s", ctx->printed_code);
        }
        omr_image_free(image);
        if (rc != OMR_OK)
            name_in_message(err.message, sizeof err.message, path, name);
        if (rc == OMR_OK)
            pages_add(out, cap, i + 1, STORE_PAGE_READ, NULL, 0, page);
        else
            pages_add(out, cap, i + 1, blank ? STORE_PAGE_BLANK : STORE_PAGE_REJECTED, err.message,
                      decoded && !blank, NULL);
    }
    decode_close(src);
    scan_resolve_unknown_codes(out, printed);
    free(printed);
    out->seconds = now_seconds() - start - (ctx->seconds_ocr - ocr_before);
}

void scan_file_pages_free(scan_file_pages *pages) {
    for (size_t i = 0; i < pages->n_pages; i++) {
        free(pages->pages[i].reason);
        page_reading_free(pages->pages[i].reading);
    }
    free(pages->pages);
    free(pages->error);
    memset(pages, 0, sizeof *pages);
}

int scan_ingest_file(scan_context *ctx, omr_db *db, const scan_input *in, scan_outcome *outcome,
                     store_file_result *result, omr_error *err) {
    const scan_options *o = ctx->options;
    *outcome = SCAN_STORED;
    char sha[65];
    long long size = 0;
    omr_error herr;
    store_scan_file file = {.name = in->name, .archive_path = in->archive_path,
                            .rejected_path = in->rejected_path, .received_at = in->received_at,
                            .out_dir = o->out_dir, .ocr = o->run_ocr};
    scan_file_pages pages;
    memset(&pages, 0, sizeof pages);
    if (in->pages_read) { /* read ahead by a worker (scan --jobs): ours now */
        pages = *in->pages_read;
        memset(in->pages_read, 0, sizeof *in->pages_read);
    }
    if (store_hash_file(in->path, sha, &size, &herr) != OMR_OK) {
        scan_file_pages_free(&pages);
        /* no content to hash: recorded by name, as rejected */
        file.error = herr.message;
        return store_write_file(db, o->templates, o->n_templates, &file, result, err);
    }
    file.sha256 = sha;
    file.size = size;
    store_file_info known;
    int rc = store_find_file(db, sha, &known, err);
    if (rc != OMR_OK || (known.found && strcmp(known.state, "processing") != 0))
        scan_file_pages_free(&pages); /* not needed (read ahead in vain) */
    if (rc != OMR_OK)
        return rc;
    if (known.found && strcmp(known.state, "processing") != 0) {
        /* the same content again: store notes it without reading it twice */
        rc = store_write_file(db, o->templates, o->n_templates, &file, result, err);
        if (rc == OMR_OK && result->duplicate)
            *outcome = SCAN_DUPLICATE;
        return rc;
    }
    if (!in->pages_read)
        scan_read_file(ctx, in->path, in->name, &pages);
    if (in->still_same && !in->still_same(in->user)) {
        scan_file_pages_free(&pages);
        *outcome = SCAN_CHANGED;
        return OMR_OK;
    }
    file.error = pages.error;
    file.pages = pages.pages;
    file.n_pages = pages.n_pages;
    file.seconds = pages.seconds;
    rc = store_write_file(db, o->templates, o->n_templates, &file, result, err);
    if (rc == OMR_OK && result->duplicate)
        *outcome = SCAN_DUPLICATE;
    scan_file_pages_free(&pages);
    return rc;
}

/* ---- the OCR queue --------------------------------------------------------------- */

int scan_ocr_next(scan_context *ctx, omr_db *db, long long *after, int shard, int n_shards, int *did,
                  omr_error *err) {
    const scan_options *o = ctx->options;
    *did = 0;
    store_text_job job;
    int found = 0;
    char owner[300], host[256] = "";
    gethostname(host, sizeof host - 1);
    snprintf(owner, sizeof owner, "%s:%ld/%d", *host ? host : "station", (long)getpid(), shard);
    int rc = store_next_text_job(db, *after, shard, n_shards, owner, SCAN_OCR_LEASE_SECONDS, &job, &found, err);
    if (rc != OMR_OK || !found)
        return rc;
    double start = now_seconds();
    if (!ctx->ocr) {
        ctx->ocr = ocr_engine_new(o->ocr_languages ? o->ocr_languages : "swe+eng", err);
        if (!ctx->ocr)
            return OMR_ERR_IO;
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", o->out_dir, job.crop_path);
    decode_source *src = NULL;
    omr_image *crop = NULL;
    omr_error cerr;
    char *text = NULL;
    double confidence = 0;
    char reason[700] = "";
    if (!*job.crop_path)
        snprintf(reason, sizeof reason, "writing to transcribe (no crop was saved)");
    else if (decode_open(path, &src, &cerr) != OMR_OK || decode_page(src, 0, &crop, &cerr) != OMR_OK)
        snprintf(reason, sizeof reason, "writing to transcribe (the crop could not be read: %s)", cerr.message);
    decode_close(src);
    if (crop) {
        crop->dpi = round(crop->dpi); /* PNG keeps dots per metre */
        if (ocr_read(ctx->ocr, crop, &text, &confidence, &cerr) != OMR_OK)
            snprintf(reason, sizeof reason, "writing to transcribe (OCR failed: %s)", cerr.message);
    }
    omr_image_free(crop);
    int review = *reason || !text || !*text || confidence < o->calibration->ocr_confidence_min;
    if (!*reason)
        snprintf(reason, sizeof reason, "%s", text && *text ? "handwriting OCR unsure (confidence low)"
                                                            : "writing to transcribe");
    rc = store_finish_text_job(db, &job, text, confidence, review, reason, err);
    free(text);
    ctx->seconds_ocr += now_seconds() - start;
    if (rc != OMR_OK)
        return rc; /* *after unchanged: the job is tried again */
    *after = job.rowid;
    *did = 1;
    return OMR_OK;
}

/* ---- the batch ---------------------------------------------------------------- */

typedef struct {
    char **paths;
    size_t count, cap;
} path_list;

/* 0 when out of memory (the caller gives the path its reason). */
static int path_add(path_list *l, const char *path) {
    if (l->count == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        char **grown = realloc(l->paths, cap * sizeof *grown);
        if (!grown)
            return 0;
        l->paths = grown;
        l->cap = cap;
    }
    char *copy = omr_strdup(path);
    if (!copy)
        return 0;
    l->paths[l->count++] = copy;
    return 1;
}

static int compare_str(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* What a batch's walk has seen, so that each real folder and each real file
 * is read once however many links lead to it (a link to "." in a folder
 * would otherwise walk it without end). */
typedef struct {
    struct {
        dev_t dev;
        ino_t ino;
    } *seen;
    size_t n, cap;
    size_t skipped_folders, skipped_files;
} walk_state;

static size_t walk_slot(const walk_state *w, dev_t dev, ino_t ino) {
    size_t h = ((size_t)ino * 0x9E3779B97F4A7C15ull) ^ (size_t)dev;
    size_t i = h & (w->cap - 1);
    while (w->seen[i].ino || w->seen[i].dev) {
        if (w->seen[i].dev == dev && w->seen[i].ino == ino)
            break;
        i = (i + 1) & (w->cap - 1);
    }
    return i;
}

/* 1 when (dev, ino) was seen before; else remembers it and returns 0 (an
 * open-addressing set: a batch of 100,000 files stays cheap). */
static int walk_seen(walk_state *w, const struct stat *st) {
    if ((w->n + 1) * 2 > w->cap) {
        walk_state bigger = *w;
        bigger.cap = w->cap ? w->cap * 2 : 1024;
        bigger.seen = calloc(bigger.cap, sizeof *bigger.seen);
        if (!bigger.seen)
            return 0; /* read it again rather than drop it */
        for (size_t i = 0; i < w->cap; i++)
            if (w->seen[i].ino || w->seen[i].dev)
                bigger.seen[walk_slot(&bigger, w->seen[i].dev, w->seen[i].ino)] = w->seen[i];
        free(w->seen);
        *w = bigger;
    }
    size_t i = walk_slot(w, st->st_dev, st->st_ino);
    if (w->seen[i].dev == st->st_dev && w->seen[i].ino == st->st_ino && (st->st_ino || st->st_dev))
        return 1;
    w->seen[i].dev = st->st_dev;
    w->seen[i].ino = st->st_ino;
    w->n++;
    return 0;
}

/* The kind of a file that is no scan file, for its reason. */
static const char *file_kind(mode_t mode) {
    if (S_ISFIFO(mode))
        return "a named pipe (FIFO)";
    if (S_ISCHR(mode))
        return "a character device";
    if (S_ISBLK(mode))
        return "a block device";
    if (S_ISSOCK(mode))
        return "a socket";
    return "not a regular file";
}

/* Inputs are looked at with stat only, never opened here: a FIFO would block
 * and /dev/zero never ends. Only regular files go on to be read. */
static void collect(const char *path, const char *skip_real, walk_state *w, path_list *files,
                    reject_list *rejects) {
    struct stat st;
    if (stat(path, &st) != 0) {
        char reason[300];
        struct stat lst;
        if (errno == ENOENT && lstat(path, &lst) == 0 && S_ISLNK(lst.st_mode))
            snprintf(reason, sizeof reason, "a link to something that does not exist; not read");
        else if (errno == ELOOP)
            snprintf(reason, sizeof reason, "a link that leads back to itself; not read");
        else
            snprintf(reason, sizeof reason, "cannot read: %s", strerror(errno));
        reject_list_add(rejects, path, 0, reason, 0);
        return;
    }
    if (!S_ISDIR(st.st_mode)) {
        if (!S_ISREG(st.st_mode)) {
            char reason[300];
            snprintf(reason, sizeof reason, "%s, not a scan file; omr reads only regular files (TIFF, PNG, JPEG, "
                     "PDF) and did not open it", file_kind(st.st_mode));
            reject_list_add(rejects, path, 0, reason, 0);
        } else if (walk_seen(w, &st)) {
            w->skipped_files++; /* the same file again, through a link or a second input */
        } else if (!path_add(files, path)) {
            reject_list_add(rejects, path, 0, "out of memory; not read (put it in again)", 0);
        }
        return;
    }
    char real[PATH_MAX];
    if (skip_real && realpath(path, real) && strcmp(real, skip_real) == 0)
        return; /* our own output folder */
    if (walk_seen(w, &st)) {
        w->skipped_folders++; /* reached again through a link: walked once */
        return;
    }
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
        if (!path_add(&here, child))
            reject_list_add(rejects, child, 0, "out of memory; not read (put it in again)", 0);
    }
    closedir(dir);
    if (here.count)
        qsort(here.paths, here.count, sizeof *here.paths, compare_str);
    for (size_t i = 0; i < here.count; i++) {
        collect(here.paths[i], skip_real, w, files, rejects);
        free(here.paths[i]);
    }
    free(here.paths);
}

static int make_dir(const char *path, omr_error *err) {
    if (mkdir(path, 0777) != 0 && errno != EEXIST)
        return omr_fail(err, OMR_ERR_IO, "cannot create folder %s: %s", path, strerror(errno));
    return OMR_OK;
}

/* A temporary ledger for a batch without --db: a file in $TMPDIR, removed
 * at the end (with its -wal and -shm). */
static int open_temp_ledger(char *path, size_t size, omr_db **db, omr_error *err) {
    const char *tmp = getenv("TMPDIR");
    snprintf(path, size, "%s/omr-scan-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    int fd = mkstemp(path);
    if (fd < 0)
        return omr_fail(err, OMR_ERR_IO, "cannot create a temporary ledger in %s: %s",
                        tmp && *tmp ? tmp : "/tmp", strerror(errno));
    close(fd);
    int rc = store_open(path, db, err);
    if (rc == OMR_OK)
        rc = store_exec(*db, "PRAGMA synchronous=OFF", err); /* thrown away at the end */
    return rc;
}

static void remove_temp_ledger(const char *path) {
    char side[4200];
    unlink(path);
    snprintf(side, sizeof side, "%s-wal", path);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", path);
    unlink(side);
}

/* ---- read ahead: scan --jobs N (scan_jobs.h) ------------------------------------ */

/* N worker contexts reading the batch's files ahead of the one thread that
 * stores them, in input order. */
typedef struct {
    scan_context *contexts;
    void **states;
    int n;
    char *const *paths;
    scan_jobs *pool;
} scan_read_ahead;

static void read_ahead_work(void *worker, size_t index, void *slot, void *user) {
    const scan_read_ahead *ra = user;
    scan_read_file(worker, ra->paths[index], ra->paths[index], slot);
}

static void read_ahead_discard(void *slot, void *user) {
    (void)user;
    scan_file_pages_free(slot);
}

static void read_ahead_stop(scan_read_ahead *ra) {
    scan_jobs_stop(ra->pool);
    for (int i = 0; i < ra->n; i++)
        scan_context_free(&ra->contexts[i]);
    free(ra->contexts);
    free(ra->states);
    memset(ra, 0, sizeof *ra);
}

/* Starts `jobs` readers over `paths`; 0 (nothing started) when that cannot
 * be done, and the batch is read by one thread as before. */
static int read_ahead_start(scan_read_ahead *ra, const scan_options *o, char *const *paths, size_t n, int jobs) {
    memset(ra, 0, sizeof *ra);
    ra->paths = paths;
    ra->contexts = calloc((size_t)jobs, sizeof *ra->contexts);
    ra->states = calloc((size_t)jobs, sizeof *ra->states);
    if (!ra->contexts || !ra->states) {
        read_ahead_stop(ra);
        return 0;
    }
    omr_error err;
    for (; ra->n < jobs; ra->n++) {
        if (scan_context_init(&ra->contexts[ra->n], o, &err) != OMR_OK) {
            scan_context_free(&ra->contexts[ra->n]);
            break;
        }
        ra->states[ra->n] = &ra->contexts[ra->n];
    }
    scan_jobs_spec spec = {.n_items = n, .n_workers = ra->n, .workers = ra->states,
                           .slot_size = sizeof(scan_file_pages), .work = read_ahead_work,
                           .discard = read_ahead_discard, .user = ra};
    if (ra->n < 1 || scan_jobs_start(&spec, &ra->pool, &err) != OMR_OK) {
        read_ahead_stop(ra);
        return 0;
    }
    return 1;
}

/* "ekb-2024 oj-2021-ekb": the templates a ledger was last used with. */
static void template_ids(const scan_options *o, char *buf, size_t size) {
    buf[0] = 0;
    for (size_t i = 0; i < o->n_templates; i++) {
        size_t len = strlen(buf);
        snprintf(buf + len, size - len, "%s%s", i ? " " : "", o->templates[i]->id);
    }
}

/* A file read while Ctrl-C came is not stored: the ledger keeps whole files. */
static int not_interrupted(void *user) {
    (void)user;
    return !interrupt_pending();
}

int scan_batch(const scan_options *o, char *const *inputs, size_t n_inputs, scan_summary *summary,
               omr_error *err) {
    memset(summary, 0, sizeof *summary);
    decode_dropout dropout;
    int rc = scan_run_dropout(o->templates, o->n_templates, &dropout, err); /* before anything is made */
    if (rc != OMR_OK)
        return rc;
    char comments[4096];
    snprintf(comments, sizeof comments, "%s/comments", o->out_dir);
    rc = make_dir(o->out_dir, err);
    if (rc == OMR_OK)
        rc = make_dir(comments, err);
    if (rc != OMR_OK)
        return rc;
    char out_real[PATH_MAX];
    const char *skip = realpath(o->out_dir, out_real) ? out_real : NULL;

    interrupt_catch(); /* Ctrl-C from here on: stop at the next page, drop that file (scan.h) */
    omr_db *db = NULL;
    char temp_db[4096] = "";
    rc = o->db_path ? store_open(o->db_path, &db, err) : open_temp_ledger(temp_db, sizeof temp_db, &db, err);
    if (rc != OMR_OK) {
        store_close(db);
        if (*temp_db)
            remove_temp_ledger(temp_db);
        interrupt_release();
        return rc;
    }
    char ids[1024];
    template_ids(o, ids, sizeof ids);
    rc = store_set_meta(db, "templates", ids, err);

    reject_list unreadable = {0};
    path_list files = {0};
    walk_state walk = {0};
    for (size_t i = 0; i < n_inputs && !interrupt_pending(); i++)
        collect(inputs[i], skip, &walk, &files, &unreadable);
    summary->files = files.count;
    summary->skipped_folders = walk.skipped_folders;
    summary->skipped_files = walk.skipped_files;
    free(walk.seen);
    for (size_t i = 0; rc == OMR_OK && i < unreadable.count; i++) {
        rc = store_write_unreadable(db, unreadable.items[i].file, unreadable.items[i].file,
                                    unreadable.items[i].reason, err);
        summary->rejected++;
    }

    scan_context ctx;
    int ctx_rc = scan_context_init(&ctx, o, err);
    if (rc == OMR_OK)
        rc = ctx_rc;
    double start = now_seconds();
    scan_read_ahead ahead = {0};
    /* Pages without any code pair with the form read just before them, across
     * files too (identify.h): that order exists only when one reader reads
     * every file, so such templates are read by one job. */
    int pairs_by_order = 0;
    for (size_t i = 0; i < o->n_templates; i++)
        pairs_by_order |= o->templates[i]->identity.kind == IDENTITY_NONE;
    int reading_ahead = rc == OMR_OK && o->jobs > 1 && files.count > 1 && !pairs_by_order &&
                        read_ahead_start(&ahead, o, files.paths, files.count, o->jobs);
    progress_set_total(o->progress, files.count);
    size_t files_done = 0; /* read to their end (a file dropped at Ctrl-C is not) */
    for (size_t f = 0; rc == OMR_OK && f < files.count && !interrupt_pending(); f++) {
        char note[80]; /* files are counted (a file's pages are known once read); pages shown */
        double t = now_seconds() - start;
        snprintf(note, sizeof note, "%zu pages, %.1f pages/s", summary->pages, t > 0 ? (double)summary->pages / t : 0.0);
        progress_update(o->progress, files_done, note);
        const char *file = files.paths[f];
        scan_input in = {.path = file, .name = file, .archive_path = file, .rejected_path = file,
                         .still_same = not_interrupted};
        scan_file_pages read;
        if (reading_ahead) {
            scan_jobs_take(ahead.pool, f, &read);
            in.pages_read = &read;
        }
        scan_outcome outcome;
        store_file_result result;
        rc = scan_ingest_file(&ctx, db, &in, &outcome, &result, err);
        if (rc != OMR_OK)
            break;
        files_done += outcome != SCAN_CHANGED;
        if (outcome == SCAN_DUPLICATE || outcome == SCAN_CHANGED) { /* changed: Ctrl-C, not stored */
            summary->duplicates += outcome == SCAN_DUPLICATE;
            continue;
        }
        summary->pages += result.pages_read + result.pages_blank + result.pages_rejected;
        summary->pages_read += result.pages_read;
        summary->pages_blank += result.pages_blank;
        summary->pages_rejected += result.pages_rejected;
        summary->pages_waiting += result.pages_waiting;
        summary->rejected += result.pages_rejected;
        if (strcmp(result.state, "rejected") == 0 && !result.pages_rejected && !result.pages_blank)
            summary->rejected++; /* the file as a whole */
    }
    if (reading_ahead)
        read_ahead_stop(&ahead);
    progress_phase(o->progress, files_done, o->run_ocr ? "reading comments" : "writing the outputs");
    summary->seconds_reading = now_seconds() - start;

    /* comments: the OCR queue, to the end */
    long long after = 0;
    for (int did = 1; rc == OMR_OK && o->run_ocr && did && !interrupt_pending();)
        rc = scan_ocr_next(&ctx, db, &after, 0, 1, &did, err);
    if (rc == OMR_OK && (summary->interrupted = interrupt_pending()))
        rc = omr_fail(err, OMR_ERR_IO, "stopped by %s; no output was written (%s kept as it was)%s",
                      summary->interrupted == SIGINT ? "Ctrl-C" : "SIGTERM", o->out_dir,
                      o->db_path ? "; the files read so far are in the ledger" : "");
    summary->seconds_ocr = ctx.seconds_ocr;
    if (ctx_rc == OMR_OK)
        scan_context_free(&ctx);

    export_summary es = {0};
    if (rc == OMR_OK)
        rc = export_ledger(db, o->out_dir, o->templates, o->n_templates, &es, err);
    summary->forms = es.forms;
    summary->forms_review = es.forms_review;
    summary->forms_incomplete = es.forms_incomplete;
    summary->comments_read = es.comments_read;
    store_close(db);
    if (*temp_db)
        remove_temp_ledger(temp_db);
    interrupt_release();
    for (size_t i = 0; i < files.count; i++)
        free(files.paths[i]);
    free(files.paths);
    reject_list_free(&unreadable);
    return rc;
}
