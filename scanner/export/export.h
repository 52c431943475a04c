/*
 * export.h — writes the outputs from the ledger (store.h) into a folder:
 * records.csv (one row per return), marks.csv (one row per box), review.csv
 * (what needs a person and why), rejects.csv (every file or page that could
 * not be used, and why), and codebook.csv (variables, question texts, value
 * labels). CSV is UTF-8, RFC 4180 (CRLF, quotes doubled), with a header row.
 * Each file is written to a temporary name, flushed to disk and renamed, so
 * no reader ever sees half a file; all five come from one snapshot of the
 * ledger. `omr scan`, `omr watch` and `omr export` all write them this way.
 */
#ifndef OMR_EXPORT_H
#define OMR_EXPORT_H

#include "base/progress.h"
#include "ledger/db.h"
#include <stdio.h>

#include "deciding/assemble.h"

typedef struct {
    char *file;
    int page;      /* 1-based page within the file, 0 when the whole file failed */
    char *reason;
    int blank;     /* a blank page (a duplex back): listed, but not an error */
} reject_entry;

typedef struct {
    reject_entry *items;
    size_t count, cap;
} reject_list;

void reject_list_add(reject_list *list, const char *file, int page, const char *reason, int blank);
void reject_list_free(reject_list *list);

/* Writes one CSV field, quoted when it needs to be. */
void export_csv_field(FILE *out, const char *value);

typedef struct {
    size_t forms;            /* rows in records.csv */
    size_t forms_review, forms_incomplete;
    size_t comments_read;    /* text fields with text */
    size_t left_out;         /* returns of templates not given (not exported) */
} export_summary;

/* Writes all five files into `dir` from the ledger, for returns of the given
 * templates (columns in the order of the templates given). */
int export_ledger(omr_db *db, const char *dir, const omr_template *const *templates,
                  size_t n_templates, export_summary *summary, omr_error *err);

/* export_ledger with progress (forms written, then a phase per table); p may be NULL. */
int export_ledger_progress(omr_db *db, const char *dir, const omr_template *const *templates,
                           size_t n_templates, progress *p, export_summary *summary,
                           omr_error *err);

/* Removes temporary files a killed export left in `dir` (".records.csv.tmp.N"). */
void export_remove_leftovers(const char *dir);

#endif
