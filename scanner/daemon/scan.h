/*
 * scan.h — the pipeline that `omr scan` and `omr watch` share: every page of
 * a scan file through decode → identify → locate → measure → text, and the
 * file's result into the ledger (store.c: pages join returns, which are
 * decided again); comments wait in the ledger's OCR queue; the outputs are
 * written from the ledger (export.c). One page image is in memory at a time.
 * A file or page that cannot be used is kept in the ledger with its reason
 * (rejects.csv) and the batch goes on.
 */
#ifndef OMR_SCAN_H
#define OMR_SCAN_H

#include "base/progress.h"
#include "deciding/assemble.h"
#include "export/export.h"
#include "reading/look/locate_by_look.h"
#include "reading/ocr.h"
#include "ledger/store.h"

typedef struct {
    const omr_template *const *templates;
    size_t n_templates;
    const calibration *calibration;
    const char *out_dir;
    int run_ocr;            /* 0: detect writing and save crops, but no OCR (comments go to review) */
    const char *ocr_languages;
    const char *db_path;    /* scan_batch: the ledger to add to; NULL: a temporary one */
    int jobs;               /* scan_batch: files read by this many threads (scan_jobs.h); <= 1: one */
    progress *progress;     /* scan_batch: pages done (base/progress.h); NULL: none shown */
} scan_options;

typedef struct {
    size_t files, pages, pages_read, pages_rejected, pages_blank, forms;
    size_t rejected;        /* rejects.csv lines of this batch that are errors (not blank pages) */
    size_t pages_waiting;   /* of pages_rejected: known by their look, waiting in review for a
                               person to type their login code (omr review) */
    size_t forms_review, forms_incomplete, comments_read;
    size_t duplicates;      /* files whose content was already in the ledger (not counted) */
    double seconds_reading; /* decode..measure, without OCR */
    double seconds_ocr;
    size_t skipped_folders; /* folders reached again through links: walked once */
    size_t skipped_files;   /* files reached again (links, an input given twice): read once */
    int interrupted;        /* the signal that stopped the batch (SIGINT, SIGTERM), or 0 */
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
    ocr_engine *ocr_code; /* the login code under a QR code: English only, made on first use */
    double seconds_ocr;
    locate_looks looks;     /* blank pages drawn small: pages known by their look */
    decode_dropout dropout; /* the templates' colour drop-out (scan_run_dropout), on every page */
    /* the last page known by its look: what its printed code read as ("" when
     * nothing) and how well it matched its blank page */
    char printed_code[IDENTIFY_MAX_ID];
    double look_match;
} scan_context;

/* Fails (OMR_ERR_INVALID, scan_run_dropout's message) when the templates
 * differ in their colour drop-out. */
int scan_context_init(scan_context *ctx, const scan_options *options, omr_error *err);
void scan_context_free(scan_context *ctx);

/* The colour drop-out of a run on these templates: a page's grey is made
 * before it is known which form it is, so every template of one run must
 * say the same `dropout` (none when they say nothing). OMR_ERR_INVALID
 * naming two that differ. */
int scan_run_dropout(const omr_template *const *templates, size_t n, decode_dropout *out, omr_error *err);

/* Reads one decoded page. OMR_OK with *out set (a page of a known form, its
 * text fields' crops kept in memory for store), or an error status with err
 * saying why; *blank is set for a blank page.
 *
 * A page of one of omr's forms whose QR code cannot be read is known by its
 * look (locate_by_look) and read all the same; its login code is the one
 * printed under the QR code when OCR reads it and its check character holds.
 * Otherwise (*out)->identity.code is "" and ctx->printed_code holds what OCR
 * made of the printed code: scan_read_file then takes the code from the other
 * pages of the same file, or makes the page one for a person to match. */
int scan_page(scan_context *ctx, const omr_image *image, const char *file, int file_page,
              page_reading **out, int *blank, omr_error *err);

/* Every page of one file, read: what store_write_file takes. */
typedef struct {
    store_page *pages;
    size_t n_pages;
    char *error;            /* the file as a whole could not be read (then no pages) */
    double seconds;
} scan_file_pages;

/* Reads every page of `path`; pages are named `name` in the results. Never
 * fails: problems become the file's or a page's reason. */
void scan_read_file(scan_context *ctx, const char *path, const char *name, scan_file_pages *out);
void scan_file_pages_free(scan_file_pages *pages);

/* (scan_unknown.c) Pages read (STORE_PAGE_READ) with identity.code "": each takes the code
 * of the form in the same file that lacks its page number and lies next to
 * it, the one whose code the printed code reads as, or the only one, unless
 * what the printed code reads as contradicts it. Otherwise the page becomes
 * one for a person to match (STORE_PAGE_REJECTED, reviewable, its reading
 * kept: its marks count once the code is typed), its reason naming the form
 * it looks like and what the printed code read as; the pages of one
 * template in one file that wait so, each page number once and no read form
 * between them, are one group (store_page.group): one review item. printed[i]
 * is page i's OCR reading ("" none), or printed NULL. */
void scan_resolve_unknown_codes(scan_file_pages *out, char (*printed)[IDENTIFY_MAX_ID]);


/* One file into the ledger. */
typedef struct {
    const char *path;          /* where to read it now */
    const char *name;          /* the name it arrived under (scan_files.original_name) */
    const char *archive_path;  /* where it will be kept when used */
    const char *rejected_path; /* ... and when not */
    const char *received_at;   /* NULL: now */
    /* Called after reading, before storing; returning 0 abandons the file
     * without recording anything (it changed while it was read). May be NULL. */
    int (*still_same)(void *user);
    void *user;
    /* The file already read by a worker (scan --jobs; scan_read_file of
     * `path`): taken over and used instead of reading it again. May be NULL. */
    scan_file_pages *pages_read;
} scan_input;

typedef enum {
    SCAN_STORED,       /* recorded (done or rejected; see result->state) */
    SCAN_DUPLICATE,    /* content already in the ledger; noted, not counted */
    SCAN_CHANGED,      /* the file changed while being read; nothing recorded */
} scan_outcome;

/* Hashes, reads and records one file (store_write_file: one transaction).
 * A file that cannot be read is recorded as rejected with the reason. Returns
 * OMR_OK with *outcome set, or an error when the ledger could not be written
 * (nothing recorded; try again later). */
int scan_ingest_file(scan_context *ctx, omr_db *db, const scan_input *in, scan_outcome *outcome,
                     store_file_result *result, omr_error *err);

/* How long a comment claimed for OCR stays this station's (store_next_text_job):
 * far beyond one crop's OCR; a station that died lets it go after that. */
#define SCAN_OCR_LEASE_SECONDS 120
/* Runs OCR on the next text in the ledger's queue (claimed by this station's
 * thread `shard`, see store_next_text_job; with
 * `after`, `shard`, `n_shards`). *did = 0 when the queue is empty. A crop that
 * cannot be read sends the text to review. Errors: the ledger could not be
 * written, or Tesseract could not start. */
int scan_ocr_next(scan_context *ctx, omr_db *db, long long *after, int shard, int n_shards, int *did,
                  omr_error *err);

/* Runs the whole batch over `inputs` (files or folders, read recursively)
 * through a ledger (options->db_path, or a temporary one) and writes the
 * outputs from it. Returns OMR_OK when the outputs were written (rejected
 * pages are reported in the summary and rejects.csv), an error otherwise.
 * SIGINT or SIGTERM (base/interrupt.h) stops it at the next page: the file
 * being read is dropped whole, the files stored before it stay in a --db
 * ledger (each is one transaction), the
 * temporary ledger is removed, no output is written (the old ones stay
 * whole), and summary->interrupted holds the signal. */
int scan_batch(const scan_options *options, char *const *inputs, size_t n_inputs,
               scan_summary *summary, omr_error *err);

#endif
