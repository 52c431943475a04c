/*
 * export.h — writes a batch's outputs into its folder: records.csv (one row
 * per form), marks.csv (one row per box), review.csv (what needs a person and
 * why), rejects.csv (every page that could not be used, and why), and
 * codebook.csv (variables, question texts, value labels). CSV is UTF-8,
 * RFC 4180 (CRLF, quotes doubled), with a header row. Each file is written to
 * a temporary name, flushed to disk and renamed, so no reader ever sees half
 * a file.
 */
#ifndef OMR_EXPORT_H
#define OMR_EXPORT_H

#include <stdio.h>

#include "assemble.h"

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

/* The form's status word: "review" when anything needs a person, else
 * "incomplete" when pages are missing, else "ok". */
const char *export_form_status(const form_record *form);

/* Writes all five files into `dir` for forms of the given templates. */
int export_batch(const char *dir, const omr_template *const *templates, size_t n_templates,
                 const form_set *forms, page_reading *const *pages, size_t n_pages,
                 const reject_list *rejects, omr_error *err);

#endif
