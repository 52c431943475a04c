/*
 * export_write.h — the writers of the five outputs, private to export/:
 * each writes one CSV (header row first) to an open file from the snapshot
 * export.c holds, through base/files.h's CSV writer (RFC 4180, CRLF, quoted
 * only where needed). export.c opens, commits and renames the files.
 */
#ifndef OMR_EXPORT_WRITE_H
#define OMR_EXPORT_WRITE_H

#include "base/progress.h"
#include <stdio.h>

#include "ledger/export_queries.h"

/* What records.csv holds (export.c hands it on as export_summary). */
typedef struct {
    size_t forms, forms_review, forms_incomplete, comments_read, left_out;
    progress *progress; /* forms written (base/progress.h); NULL: none shown */
} export_counts;

/* records.csv and review.csv, walking the returns once (export_records.c). */
int export_write_records_and_review(export_snapshot *snap, FILE *records, FILE *review,
                                    const omr_template *const *templates, size_t n_templates,
                                    export_counts *counts, omr_error *err);

/* marks.csv: every box of every read page, in template order (export_tables.c). */
int export_write_marks(export_snapshot *snap, FILE *out, const omr_template *const *templates,
                       size_t n_templates, omr_error *err);

/* rejects.csv: blank and rejected pages, rejected files, duplicates (export_tables.c). */
int export_write_rejects(export_snapshot *snap, FILE *out, omr_error *err);

/* codebook.csv: from the templates alone (export_tables.c). */
void export_write_codebook(FILE *out, const omr_template *const *templates, size_t n_templates);

#endif
