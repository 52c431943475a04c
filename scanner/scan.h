/*
 * scan.h — the batch pipeline: every page of every input file through
 * decode → identify → locate → measure → text, then assemble → decide →
 * export. One page is in memory at a time. A file or page that cannot be used
 * is listed in rejects.csv with its reason and the batch goes on.
 */
#ifndef OMR_SCAN_H
#define OMR_SCAN_H

#include "assemble.h"
#include "export.h"
#include "ocr.h"

typedef struct {
    const omr_template *const *templates;
    size_t n_templates;
    const calibration *calibration;
    const char *out_dir;
    int run_ocr;            /* 0: detect writing and save crops, but no OCR */
    const char *ocr_languages;
} scan_options;

typedef struct {
    size_t files, pages, pages_read, pages_rejected, pages_blank, forms;
    size_t rejected;        /* rejects.csv lines that are errors (not blank pages) */
    size_t forms_review, forms_incomplete, comments_read;
    double seconds_reading; /* decode..measure, without OCR */
    double seconds_ocr;
} scan_summary;

/* A per-thread context: its own zbar reader and (lazily) Tesseract engine. */
typedef struct {
    const scan_options *options;
    identify_reader *reader;
    omr_rect *code_areas;   /* the templates' QR squares, for identify_hints */
    identify_hints hints;
    print_mask *masks;      /* per template page, in options order; made on first use */
    size_t n_masks;
    ocr_engine *ocr;
    double seconds_ocr;
} scan_context;

int scan_context_init(scan_context *ctx, const scan_options *options, omr_error *err);
void scan_context_free(scan_context *ctx);

/* Reads one decoded page. OMR_OK with *out set (a page of a known form), or an
 * error status with err saying why; *blank is set for a blank page. */
int scan_page(scan_context *ctx, const omr_image *image, const char *file, int file_page,
              page_reading **out, int *blank, omr_error *err);

/* Runs the whole batch over `inputs` (files or folders, read recursively) and
 * writes the outputs. Returns OMR_OK when the outputs were written (rejected
 * pages are reported in the summary and rejects.csv), an error otherwise. */
int scan_batch(const scan_options *options, char *const *inputs, size_t n_inputs,
               scan_summary *summary, omr_error *err);

#endif
