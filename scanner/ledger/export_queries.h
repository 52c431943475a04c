/*
 * export_queries.h — the ledger's side of the CSV outputs (export/): every
 * read the five files need, handed on as plain C values. All reads happen
 * inside one snapshot (a read transaction from export_snapshot_begin to
 * export_snapshot_end), so records, marks, review and rejects agree with each
 * other even while the daemon writes.
 *
 * Rows are handed to a callback one at a time (the ledger can hold many
 * thousands of returns); the values passed are valid during the call only.
 */
#ifndef OMR_EXPORT_QUERIES_H
#define OMR_EXPORT_QUERIES_H

#include "ledger/db.h"
#include <stddef.h>

#include "base/common.h"
#include "forms/template.h"
#include "forms/code.h"

/* An open review item of a return. */
typedef struct {
    char *item, *kind, *reason;
    size_t rank; /* template order: questions, then text fields, then the rest */
} export_open_item;

/* One return, as the ledger holds it; arrays are indexed like the template's. */
typedef struct {
    long long id;
    const omr_template *tmpl;
    char code[IDENTIFY_MAX_ID];
    char *flags;
    int web;
    char **answers;        /* [n_questions], NULL when no row */
    int *has_answer, *answer_confirmed;
    char **texts;          /* [n_text_fields] */
    int *has_text, *text_confirmed, *text_pending;
    int *page_present;     /* [n_pages] */
    char *sources;         /* "file#page;file#page", NULL when no page was read */
    export_open_item *items; /* open review items, in template order */
    size_t n_items;
} export_return;

/* One box of a read page. */
typedef struct {
    char question[128], value[64], decision[16];
    double fill, extent, near, confidence, shift;
    /* the box's question as decided for its return: its stored value (the
     * chosen values, space-separated for a multi) and whether it waits for
     * an operator (status review, not confirmed); has_answer 0 when the
     * return has no row for the question */
    char answer[512];
    int has_answer, in_review;
} export_mark;

/* One read page and its boxes (in the ledger's order). */
typedef struct {
    const omr_template *tmpl;
    const char *code;      /* may be NULL */
    int page;              /* page of the form */
    const char *file;      /* the scan file's original name; may be NULL */
    int file_page;
    long long return_id;
    const export_mark *marks;
    size_t n_marks;
} export_page;

/* A page that was blank or rejected, or a whole file rejected without pages. */
typedef struct {
    const char *file;      /* may be NULL */
    int file_page;         /* 0 for the whole file */
    int blank;
    const char *reason;    /* may be NULL */
} export_reject;

/* A file whose content the ledger already held. */
typedef struct {
    const char *name, *first_name, *first_received_at; /* name may be NULL; the others "" when unknown */
} export_duplicate;

typedef struct export_snapshot export_snapshot;

/* Starts the read transaction. OMR_ERR_IO "ledger: cannot read the ledger: ..." */
int export_snapshot_begin(omr_db *db, export_snapshot **out, omr_error *err);
/* Ends it (COMMIT when one is open) and frees the snapshot. NULL is fine. */
void export_snapshot_end(export_snapshot *s);

typedef int (*export_return_fn)(void *user, const export_return *r, omr_error *err);
typedef void (*export_page_fn)(void *user, const export_page *p);
typedef void (*export_reject_fn)(void *user, const export_reject *r);
typedef void (*export_duplicate_fn)(void *user, const export_duplicate *d);

/* Every return of the given templates, ordered by template id, code and id,
 * except a duplicate whose review item was decided "discard". Returns of
 * other templates are only counted in *left_out. Stops at the first status
 * fn returns other than OMR_OK and returns it. */
int export_each_return(export_snapshot *s, const omr_template *const *templates, size_t n_templates,
                       export_return_fn fn, void *user, size_t *left_out, omr_error *err);

/* Every read page of the given templates, in ledger order, with its boxes. */
int export_each_read_page(export_snapshot *s, const omr_template *const *templates, size_t n_templates,
                          export_page_fn fn, void *user, omr_error *err);

/* Blank and rejected pages, and files rejected as a whole, by file then page. */
int export_each_reject(export_snapshot *s, export_reject_fn fn, void *user, omr_error *err);

/* Files not counted again because their content was already in the ledger. */
int export_each_duplicate(export_snapshot *s, export_duplicate_fn fn, void *user, omr_error *err);

#endif
