/*
 * decisions.h — what an operator's decision writes into the ledger (the
 * contract is review.h's): the decision and its log row, the answer or text
 * it confirms, the hand match of a page without a code (the page joins a
 * return by the ledger's one rule, returns.c), and undo. The review room
 * checks a choice against its template and passes plain values; these
 * functions run inside the caller's IMMEDIATE transaction, except
 * decisions_undo, which is one transaction of its own.
 */
#ifndef OMR_DECISIONS_H
#define OMR_DECISIONS_H

#include "ledger/db.h"
#include <stdint.h>

#include "base/common.h"
#include "forms/template.h"
#include "ledger/queue.h"

/* Appends a decision and its review_decision_log row; `outcome` is one of
 * value, blank, illegible, text, match, keep, discard, not_form. */
int decisions_record(omr_db *db, int64_t item, const char *op, const char *now, const char *machine,
                     const char *final, const char *outcome, const char *prev_value, const char *prev_status,
                     const char *prev_by, const char *prev_at, omr_error *err);

/* Confirms the answer (item kind 'answer') or text (kind 'text') the item
 * names with `final` (NULL: blank or illegible), keeping what it replaced
 * for undo, and records the decision. */
int decisions_confirm(omr_db *db, int64_t item, const queue_item *r, const char *op, const char *now,
                      const char *final, const char *outcome, omr_error *err);

/* Matches the item's page (a page without a usable code) to page `page` of
 * (t, code), and for a group's item (store_page.group: item "pages <file
 * page> ...") the group's other pages, each to the page it looks like: the
 * code is typed once for the whole form. Each page joins that code's return
 * by the ledger's rule (returns.c; a group's later pages the first page's
 * return when it lacks them; a new return flagged matched_by_hand, and a
 * duplicate item, when none fits). A page stored with its marks (known by
 * its look) counts as read: the return's answers, items and flags are
 * recomputed from them; a page without marks has each of its questions
 * keyed in by hand. Text fields are always keyed in. The decision keeps
 * each page's row as it was, for undo. */
int decisions_match(omr_db *db, int64_t item, const queue_item *r, const omr_template *t, const char *code,
                    int page, const char *op, const char *now, omr_error *err);

/* The loaded template of an id, NULL when there is none (review.c's
 * review_queue_template): undo recomputes a return a match had joined. */
typedef const omr_template *(*decisions_template_fn)(void *user, const char *template_id);

/* In one IMMEDIATE transaction: takes back `op`'s latest decision not yet
 * undone (see review_undo); *item the item reopened (leased to op until
 * `until`), 0 when there was nothing to undo. QUEUE_ERR_CONFLICT when
 * someone decided it since. An undone match of pages with marks leaves the
 * returns they had joined recomputed without them (template_of, user). */
int decisions_undo(omr_db *db, const char *op, const char *now, const char *until, decisions_template_fn template_of,
                   void *user, int64_t *item, omr_error *err);

#endif
