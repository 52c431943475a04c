/*
 * queue.h — the review queue as the ledger keeps it: review_items (what
 * needs a person), their leases, and the reads the review page shows (an
 * item, its question's marks, its history, the supervisor's summary). The
 * review room (review/) decides what an item means; this module is the only
 * one that reads or writes these rows. Decisions and undo are decisions.h.
 * Times are ISO 8601 strings (store_now's format) passed in by the caller.
 */
#ifndef OMR_QUEUE_H
#define OMR_QUEUE_H

#include <jansson.h>
#include "ledger/db.h"
#include <stdint.h>

#include "base/common.h"

/* The reason of items made by a hand match: the machine never read them, so
 * they do not count in the share of machine readings changed. */
#define QUEUE_MATCHED_REASON "matched by hand:"

/* The item is leased to another operator, or was decided meanwhile (review.h's
 * REVIEW_ERR_CONFLICT, HTTP 409). */
#define QUEUE_ERR_CONFLICT (-20)

/* Creates the review module's decision log (and its indexes) if missing. */
int queue_open(omr_db *db, omr_error *err);

/* Adds an open review item unless one (open or decided) exists for the same
 * (return, kind, item). */
int queue_item_ensure(omr_db *db, long long return_id, const char *kind, const char *item, const char *reason,
                      omr_error *err);
/* Removes an open, unleased, undecided review item that no longer applies. */
int queue_item_drop(omr_db *db, long long return_id, const char *kind, const char *item, omr_error *err);

/* One review_items row. Strings are malloc'd (queue_item_clear frees). */
typedef struct {
    int found;
    char *kind, *item, *state, *lease_owner, *lease_until, *reason;
    int64_t return_id, page_id;
    int has_return, has_page;
} queue_item;

/* OMR_ERR_NOT_FOUND ("there is no review item N") when it is not there. */
int queue_item_get(omr_db *db, int64_t id, queue_item *out, omr_error *err);
void queue_item_clear(queue_item *item);

/* In one IMMEDIATE transaction: the next open item for `op` (the one it
 * holds, else the oldest batch's first item nobody holds or whose lease ran
 * out, except `skip`), leased to it until `until`; its other leases are
 * released. *item = 0 when nothing waits. */
int queue_lease_next(omr_db *db, const char *op, const char *now, const char *until, const int64_t *skip,
                     size_t n_skip, int64_t *item, omr_error *err);
/* Sets the lease of an item (inside the caller's transaction). */
int queue_lease_set(omr_db *db, int64_t id, const char *op, const char *until, omr_error *err);
/* Gives an item back if `op` holds it. */
int queue_lease_release(omr_db *db, int64_t id, const char *op, omr_error *err);
/* Releases every lease `op` holds (inside the caller's transaction). */
int queue_lease_release_all(omr_db *db, const char *op, omr_error *err);
/* Marks an item decided and unleased (inside the caller's transaction). */
int queue_item_close(omr_db *db, int64_t id, omr_error *err);
/* Opens an item again, leased to `op` until `until`. */
int queue_item_reopen(omr_db *db, int64_t id, const char *op, const char *until, omr_error *err);

/* A page row as it is (for a hand match and its undo). Strings malloc'd. */
typedef struct {
    char *template_id, *code, *status, *reason;
    int page, has_page;
    int64_t return_id;
    int has_return;
} queue_page;
/* OMR_ERR_NOT_FOUND ("page N is not in the ledger") when it is not there. */
int queue_page_get(omr_db *db, int64_t page_id, queue_page *out, omr_error *err);
void queue_page_clear(queue_page *page);

/* An item is leased to someone other than `op` and the lease has not run
 * out at `now`. */
int queue_leased_to_other(const queue_item *r, const char *op, const char *now);

/* ---- what the review page shows (jansson objects: the caller owns o) ---- */

/* The machine's reading of one box of a return's question: fill, decision,
 * confidence set on `o` when the box was measured. */
int queue_view_mark(omr_db *db, int64_t return_id, const char *question, const char *value, json_t *o,
                    omr_error *err);
/* The box's decision's first letter ('m', 's', 'u', 'b'), 0 when unmeasured. */
char queue_mark_state(omr_db *db, int64_t return_id, const char *question, const char *value);
/* Sets the answer's value, machine_value, answer_status, answer_reason,
 * confidence, confirmed_by, confirmed_at on o. */
int queue_view_answer(omr_db *db, int64_t return_id, const char *question, json_t *o, omr_error *err);
/* Sets text, machine_text, confidence, text_status, confirmed_by,
 * confirmed_at, has_crop on o. */
int queue_view_text(omr_db *db, int64_t return_id, const char *field, json_t *o, omr_error *err);
/* Sets duplicate_of, first_received, received, flags on o. */
int queue_view_duplicate(omr_db *db, int64_t return_id, json_t *o, omr_error *err);
/* Sets page_reason, template, page, file_page, file, received on o. */
int queue_view_page(omr_db *db, int64_t page_id, json_t *o, omr_error *err);
/* The distinct template ids of the ledger's returns, in order (a JSON array
 * of strings). */
json_t *queue_templates_in_use(omr_db *db);
/* The item's decisions, oldest first: operator, decided_at, machine_value,
 * final_value, outcome, undone_at, undone_by. */
json_t *queue_item_history(omr_db *db, int64_t id);
/* Open items. -1 on error. */
long long queue_count_open(omr_db *db);
/* Returns since `since` (ISO UTC text; NULL: all) that are a second paper of
 * a code already returned (duplicate_of) and that carry a code outside the
 * survey's frame (flags not_in_frame): `omr status` names them, as they are not
 * plain complete forms. -1 each when the ledger cannot be read. */
void queue_count_flagged_returns(omr_db *db, const char *since, long long *duplicates, long long *not_in_frame);
/* The supervisor's summary (see review_summary_json) set on o: waiting,
 * waiting_total, being_reviewed, oldest_waiting, today, operators,
 * machine_changed. */
int queue_summary(omr_db *db, const char *now, const char *today, json_t *o, omr_error *err);

/* A comment's crop path (malloc'd), NULL when it has none. */
char *queue_text_crop(omr_db *db, int64_t return_id, const char *field);

/* Where a page is: the scan file's stored path (malloc'd), its page in the
 * file and pages.transform (malloc'd, may be NULL). */
typedef struct {
    char *stored_path;
    int file_page;
    char *transform;
} queue_page_source;
void queue_page_source_clear(queue_page_source *src);
/* By page id; or a return's page `page` (its first copy); or, with page 0,
 * a return's first page. 1 when found, 0 when not. */
int queue_page_source_by_id(omr_db *db, int64_t page_id, queue_page_source *out);
int queue_page_source_of_return(omr_db *db, int64_t return_id, int page, queue_page_source *out);

/* An item with its return's template for the picture: kind, item, return,
 * page (has_page) and the return's template id ("" when none). */
int queue_item_for_image(omr_db *db, int64_t id, char *kind, size_t kind_size, char *item, size_t item_size,
                         int64_t *return_id, int64_t *page_id, int *has_page, char *template_id,
                         size_t template_size, omr_error *err);

#endif
