/*
 * returns.h — the ledger's one rule for returns (see store.h): a read page
 * joins the oldest PAPER return of its (template, code) that lacks that page
 * number; otherwise it starts a new paper return, a duplicate of the first
 * return of that code (paper or web) when there is one. A web return
 * (`omr frame web-returns`, mode 'web') is never completed by a scanned
 * page. Used by store_write_file (pages the scanner read) and by the review
 * page's hand match (pages an operator typed the code of); every `returns`
 * row is made by returns_insert.
 */
#ifndef OMR_RETURNS_H
#define OMR_RETURNS_H

#include "ledger/db.h"

#include "base/common.h"

/* Inserts a returns row: mode "paper" or "web"; duplicate_of 0 for none;
 * flags NULL for "". *return_id is the new row's id. Runs inside the
 * caller's transaction. */
int returns_insert(omr_db *db, const char *template_id, const char *code, const char *mode,
                   const char *created_at, long long duplicate_of, const char *flags, long long *return_id,
                   omr_error *err);

/* What returns_find_or_start decided. */
typedef struct {
    long long return_id;    /* the return the page joins */
    int created;            /* 1: a new return was started */
    long long duplicate_of; /* the return's duplicate_of (0: none) */
    char first_source[600]; /* created duplicate: where the first return came from
                               ("<file> page <n>", or "the web") */
} returns_match;

/* The return page `page` of (template_id, code) joins, by the rule above; a
 * new return gets `flags_if_new` (NULL: none) and created_at `now`. The
 * caller adds the duplicate's review item. Runs inside the caller's
 * transaction. */
int returns_find_or_start(omr_db *db, const char *template_id, const char *code, int page, const char *now,
                          const char *flags_if_new, returns_match *out, omr_error *err);

/* The template and code of a return into the buffers; *found = 0 when there
 * is no such return. */
int returns_get(omr_db *db, long long return_id, char *template_id, size_t template_size, char *code,
                size_t code_size, int *found, omr_error *err);

#endif
