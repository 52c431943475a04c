/*
 * review.h — the operators' review: a queue of what the machine could not
 * decide (review_items in the ledger), leased to one operator at a time, and
 * the web page (libmicrohttpd) on which operators decide each item with one
 * keystroke. Every decision is appended to the ledger's `decisions` table and
 * written through to the answer, text, return or page it settles, so that the
 * exports carry the final values and who confirmed them.
 *
 * What a decision writes, by review item kind:
 *   answer          answers.value (NULL for blank or illegible), status 'ok',
 *                   confirmed_by, confirmed_at
 *   text            texts.text (the corrected OCR text; NULL for no writing or
 *                   illegible), status 'ok', confirmed_by, confirmed_at
 *   duplicate       only the decision: final_value "keep", or "discard" (the
 *                   same paper again), which leaves the return out of
 *                   records.csv (the ledger's contract, store.h)
 *   unmatched_page  the operator types the login code: the page gets its
 *                   template, code and page number and joins that code's
 *                   return (a new one when none lacks that page); each of its
 *                   questions and text fields becomes a review item, keyed in
 *                   by hand from the page image; or "not a form" (a cover
 *                   letter, another questionnaire): the page stays rejected
 * decisions.final_value is the value written (for text: the text; for a
 * match: "template:code:page"; for duplicates: "keep" or "discard"), and the
 * review module's own table review_decision_log keeps, per decision, the
 * outcome (value, blank, illegible, text, match, keep, discard, not_form), what it
 * replaced (so undo can restore it) and whether it was undone. An undo is
 * kept too, as a decision row of its own (outcome 'undo', final_value what
 * the item holds again), so each item's latest decision is always its
 * current state. An item decided again after an undo keeps all its rows.
 *
 * Library code: nothing here prints or exits. Times are passed in (`now`), so
 * tests can move the clock.
 */
#ifndef OMR_REVIEW_H
#define OMR_REVIEW_H

#include "ledger/db.h"
#include <stdint.h>
#include <time.h>

#include "base/common.h"
#include "forms/template.h"

#define REVIEW_DEFAULT_LISTEN "127.0.0.1:8080"
#define REVIEW_DEFAULT_LEASE_SECONDS (10 * 60)
#define REVIEW_DEFAULT_SESSION_IDLE (30 * 60)
#define REVIEW_DEFAULT_SESSION_MAX (12 * 60 * 60)

/* A review status beyond common.h's: the item is leased to another operator,
 * or was decided meanwhile (HTTP 409). */
#define REVIEW_ERR_CONFLICT (-20)

/* Creates the review module's tables (operators, sessions, login attempts,
 * decision log) if missing. The ledger's own schema must already be there
 * (store_open). */
int review_open(omr_db *db, omr_error *err);

/* ---- the queue ---------------------------------------------------------- */

typedef struct review_queue review_queue;

/* A queue over an open ledger (not owned). Templates named by the ledger's
 * returns are found with template_find and kept loaded. `out_dir` is the scan
 * output folder that comment crops (texts.crop_path) are relative to; NULL:
 * the ledger's folder. */
int review_queue_new(omr_db *db, int lease_seconds, const char *out_dir, review_queue **out,
                     omr_error *err);
void review_queue_free(review_queue *queue);
omr_db *review_queue_db(review_queue *queue);
const char *review_queue_out_dir(const review_queue *queue);
const omr_template *review_queue_template(review_queue *queue, const char *id, omr_error *err);

/* Leases the next open item to `operator_name` for the lease time and
 * releases any other item it held: the item it already holds if any, else the
 * oldest batch's first item that nobody holds (or whose lease has run out),
 * except the ids in `skip`. *item is 0 when nothing is waiting. One
 * IMMEDIATE transaction, so two operators (even in two processes) never get
 * the same item. */
int review_next(review_queue *queue, const char *operator_name, time_t now, const int64_t *skip,
                size_t n_skip, int64_t *item, omr_error *err);
/* Extends the lease on an item the operator holds; REVIEW_ERR_CONFLICT when
 * someone else holds it now or it was decided. */
int review_renew(review_queue *queue, const char *operator_name, int64_t item, time_t now,
                 omr_error *err);
/* Gives an item back without deciding it. */
int review_release(review_queue *queue, const char *operator_name, int64_t item, omr_error *err);

typedef enum {
    REVIEW_CHOICE_VALUE,     /* value: one value; multi-choice: values, space-separated (may be empty) */
    REVIEW_CHOICE_BLANK,     /* nothing marked / nothing written */
    REVIEW_CHOICE_ILLEGIBLE, /* cannot be read */
    REVIEW_CHOICE_TEXT,      /* value: the corrected text of a comment */
    REVIEW_CHOICE_MATCH,     /* value: login code; template_id and page (0: the item's guess) */
    REVIEW_CHOICE_KEEP,      /* a duplicate return is a return of its own */
    REVIEW_CHOICE_DISCARD,   /* a duplicate return is the same paper again */
    REVIEW_CHOICE_NOT_FORM,  /* a page without a code is no questionnaire page (a letter) */
} review_choice_kind;

typedef struct {
    review_choice_kind kind;
    const char *value;
    const char *template_id;
    int page;
} review_choice;

/* Decides an item: the operator must hold its lease, or nobody may hold it.
 * OMR_ERR_INVALID (with a message for the operator) when the choice does not
 * fit the item (a value the question does not have, a code with a bad
 * character); REVIEW_ERR_CONFLICT when someone else holds it or it is
 * already decided; OMR_ERR_NOT_FOUND when there is no such item. */
int review_decide(review_queue *queue, const char *operator_name, int64_t item,
                  const review_choice *choice, time_t now, omr_error *err);
/* Takes back the operator's latest decision that is not yet undone: the
 * answer, text, return or page gets back what it held before, the item is
 * open again and leased to the operator, and the decision stays in the
 * history marked undone. *item is the item reopened, 0 when there was
 * nothing to undo. REVIEW_ERR_CONFLICT when someone decided it since. */
int review_undo(review_queue *queue, const char *operator_name, time_t now, int64_t *item,
                omr_error *err);

/* The item as JSON for the page (malloc'd; caller frees): kind, reason,
 * template, code, page, question text and type, options with their key,
 * label and the machine's measurements, the machine's value and confidence,
 * the current value, OCR text, the lease and the decision history. */
char *review_item_json(review_queue *queue, int64_t item, omr_error *err);
/* The supervisor's summary as JSON (malloc'd): items waiting by kind,
 * decisions today per operator, and the share of machine readings operators
 * changed. "Today" is the UTC day of `now`. */
char *review_summary_json(review_queue *queue, time_t now, omr_error *err);

/* ---- page images -------------------------------------------------------- */

#define REVIEW_MAX_OUTLINES 64

/* What to draw for an item, read from the ledger (review_image_source) and
 * then drawn without the ledger (review_image_render). */
typedef struct {
    char *scan_path;      /* the scan file, as the ledger names it */
    int file_page;        /* 1-based page in the scan file */
    int has_transform;
    double h[9];          /* template mm -> scan px, row-major 3x3: pages.transform's
                             affine "m" (or its projective "h", when there is one) */
    omr_rect region_mm;   /* what to show, template mm (with a transform) */
    double px_per_mm;     /* output scale */
    size_t n_outlines;
    omr_rect outlines[REVIEW_MAX_OUTLINES]; /* boxes to outline, mm */
    char outline_state[REVIEW_MAX_OUTLINES];/* 'm' marked, 's' solid, 'u' unsure, 'b' blank */
    char *file_path;      /* instead: an image file to show whole (a comment's crop) */
    char *base_dir;       /* a relative path is relative to this: the working folder
                             for scan files (as scan and watch wrote them), the
                             output folder for comment crops */
} review_image_source;

int review_image_source_get(review_queue *queue, int64_t item, review_image_source *out,
                            omr_error *err);
void review_image_source_clear(review_image_source *src);

/* Resolves `path` (relative to base_dir) and returns the real path (malloc'd)
 * only if it is a regular file inside one of `roots` after every symlink is
 * followed; NULL with err (OMR_ERR_INVALID) otherwise. */
char *review_path_in_roots(const char *path, const char *base_dir, const char *const *roots,
                           size_t n_roots, omr_error *err);

/* Draws the item's image as an RGB PNG in memory (caller frees *png). The
 * scan or crop file must lie inside one of `roots`. */
int review_image_render(const review_image_source *src, const char *const *roots, size_t n_roots,
                        unsigned char **png, size_t *png_len, omr_error *err);

/* The template, code and (0 if unknown) page the scanner read on a page it
 * set aside as another questionnaire's, from its reason; 0 if none was read. */
int review_reason_read_code(const char *reason, char *tmpl, size_t tmpl_size, char *code, size_t code_size,
                            int *page);

/* The first return's paper beside a duplicate return (item of kind
 * duplicate): the same region as review_image_source_get shows of the new one. */
int review_image_source_get_first(review_queue *queue, int64_t item, review_image_source *out, omr_error *err);

/* ---- the web server ----------------------------------------------------- */

typedef struct {
    const char *db_path;
    const char *listen;                  /* "ADDR:PORT"; port 0 picks a free one */
    const char *out_dir;                 /* scan output folder (comment crops); NULL: the ledger's folder */
    const char *const *store_roots;      /* folders scans and crops may be read from */
    size_t n_store_roots;                /* 0: the ledger's folder; out_dir is always served */
    int lease_seconds, session_idle_seconds, session_max_seconds; /* 0: defaults */
    /* Host names the page answers to besides IP literals, "localhost" and the
     * --listen host: a request naming any other host (DNS rebinding) gets 421. */
    const char *const *hosts;
    size_t n_hosts;
    /* Reverse proxies (IP addresses) whose X-Forwarded-For (its last entry,
     * the one the proxy wrote) names the client for sign-in throttling. */
    const char *const *trusted_proxies;
    size_t n_trusted_proxies;
    int connections_per_address;   /* 0: REVIEW_DEFAULT_PER_ADDRESS */
    const char *lang;              /* "sv" or "en" for every browser; NULL: as each browser's
                                      Accept-Language asks (GET /api/lang) */
    int connection_limit;          /* 0: REVIEW_DEFAULT_CONNECTIONS (less when few files may be open) */
    int connection_timeout_seconds;/* idle connections close; 0: REVIEW_DEFAULT_CONNECTION_TIMEOUT */
    int request_seconds;           /* a request must arrive whole within this of the connection's start or
                                      the previous answer; 0: REVIEW_DEFAULT_REQUEST_SECONDS */
} review_options;

#define REVIEW_DEFAULT_PER_ADDRESS 64
#define REVIEW_DEFAULT_CONNECTIONS 1024
#define REVIEW_DEFAULT_CONNECTION_TIMEOUT 30
#define REVIEW_DEFAULT_REQUEST_SECONDS 30
#define REVIEW_HASH_SLOTS 2       /* argon2id verifications at once (64 MiB each) */
#define REVIEW_LOGINS_AT_ONCE 4   /* sign-ins hashing or waiting for a slot; more get 503 */
#define REVIEW_LOGINS_PER_ADDRESS 1 /* of them, from one client address */

typedef struct review_server review_server;

/* Opens its own connection to the ledger and starts serving in background
 * threads. The caller stops it with review_server_stop. */
int review_server_start(const review_options *options, review_server **out, omr_error *err);
/* The page's language for a browser's Accept-Language: "sv" or "en" (the
 * first of the two by quality; "en" when it names neither). */
const char *review_choose_lang(const char *accept_language);
/* The port actually bound (useful with port 0). */
int review_server_port(const review_server *server);
/* The folders scans and comment crops are served from (the --store folders
 * or the ledger's, and always the output folder); owned by the server. */
size_t review_server_roots(const review_server *server, const char *const **roots);
void review_server_stop(review_server *server);

/* The embedded web page (review_page.c). */
extern const char review_page_html[];
extern const char review_page_js[];
extern const char review_page_css[];

#endif
