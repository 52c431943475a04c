/*
 * frame.h — the sample frame: who was sent a questionnaire (login code, unit,
 * background variables), whose envelope came back undeliverable, who answered
 * on the web, and who gets a reminder. Lives in the ledger beside the
 * returns, in tables of its own (ledger/frame_store.c speaks their SQL; this
 * room checks the input and computes):
 *
 *   frame            one row per (template, code): the unit and the order of
 *                    import (units are listed in the order they first appear)
 *   frame_variables  the background variables of a template's frame, in
 *                    column order (gender, age group, ...)
 *   frame_values     one row per (template, code, variable)
 *   frame_settings   per template: whether its codes carry a check character
 *   undeliverable    envelopes that came back to the sender (from a list of
 *                    codes or from scanning their form)
 *   mailings, mailing_codes   each reminder run and the codes it went to
 *
 * What counts as a return (the rule reports and exports use): every row of
 * `returns` that is not duplicate_of another is a return of its (template,
 * code). When a code has several (paper and web, or two paper forms), the one
 * received first counts: the earliest created_at, then the lowest id. The
 * others stay in the ledger, flagged, and are left out of tables and exports.
 * A code with a return is never counted as undeliverable (it reached them).
 *
 * Login codes made by frame_make_codes end in a check character
 * (identify_check_char over the rest), so a misread or mistyped code is caught
 * by frame_check_code before it is filed under someone else.
 */
#ifndef OMR_FRAME_H
#define OMR_FRAME_H

#include "ledger/db.h"
#include <stdio.h>

#include "base/common.h"
#include "base/progress.h"
#include "forms/template.h"
#include "ledger/frame_store.h"

/* Creates the frame's tables and views if missing (idempotent). Call after
 * store_open. */
int frame_open(omr_db *db, omr_error *err);

/* Problems found in an input file, each with its line (1-based, 0 when the
 * problem is the file as a whole) and a reason an office worker can act on. */
typedef struct {
    size_t line;
    char *reason;
} frame_problem;

typedef struct {
    frame_problem *items;
    size_t count, cap;
} frame_problems;

void frame_problems_clear(frame_problems *problems);

/* Adds a problem (nothing when problems is NULL or memory is out). */
void frame_problem_add(frame_problems *problems, size_t line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* ---- codes ---------------------------------------------------------------------------- */

#define FRAME_CODE_RANDOM 7 /* random characters before the check character */

/* Fills codes[0..n-1] (each char[FRAME_CODE_RANDOM + 2]) with new distinct
 * login codes: random letters and digits from an alphabet without look-alikes
 * (no 0/O, 1/I/L), then the check character. When db is not NULL, codes
 * already in any frame are avoided. Randomness from getrandom(2). */
int frame_make_codes(omr_db *db, size_t n, char (*codes)[FRAME_CODE_RANDOM + 2], omr_error *err);

/* frame_code_check_ok, frame_check_code and frame_code_status: see
 * ledger/frame_store.h (the ledger checks every scanned code with them). */

/* ---- import --------------------------------------------------------------------------- */

typedef struct {
    const char *template_id;
    const omr_template *tmpl; /* when given, variable names may not be its question ids */
    int check_digits; /* codes must end in their check character (default in the CLI) */
    int replace;      /* drop the template's frame first (same transaction) */
    progress *progress; /* rows checked (base/progress.h); NULL: none shown */
} frame_import_options;

/* Imports a sample frame from CSV (RFC 4180, UTF-8, an optional UTF-8 byte
 * order mark; ',' or, when the header has ';' and no ',', ';' as separator).
 * Columns: `code` and `unit` (required) and any background variables (names
 * of letters, digits and _ starting with a letter). Everything is checked
 * first: a problem on any line (duplicate code, bad check character, missing
 * column or cell, invalid UTF-8, malformed quoting) refuses the whole file,
 * with every problem in `problems`, and nothing is written. Otherwise all rows
 * go in in one transaction. OMR_ERR_INVALID when refused; *imported = rows. */
int frame_import_csv(omr_db *db, const char *path, const frame_import_options *options,
                     frame_problems *problems, size_t *imported, omr_error *err);

/* The template ids that have a frame, and the codes of one frame in import
 * order. Caller frees with frame_strings_free. */
/* frame_strings: see ledger/frame_store.h */
int frame_list_templates(omr_db *db, frame_strings *out, omr_error *err);
int frame_list_codes(omr_db *db, const char *template_id, frame_strings *out, omr_error *err);

/* When template_id is NULL or empty, the template of the only frame in the
 * ledger into buf; OMR_ERR_INVALID when there are none or several. */
int frame_pick_template(omr_db *db, const char *template_id, char *buf, size_t size,
                        omr_error *err);

/* ---- undeliverable, web returns, reminders ---------------------------------------------- */

/* Registers codes whose envelope came back undeliverable. `codes` are checked
 * against the frame first (unknown code: a problem with its index+1 as line);
 * any problem refuses all. A code already registered is counted in
 * *already, not an error. source: "list" or "scan". */
int frame_add_undeliverable(omr_db *db, const char *template_id, char *const *codes,
                            const size_t *lines, size_t n, const char *source,
                            frame_problems *problems, size_t *added, size_t *already,
                            omr_error *err);

/* Reads a list of codes: one per line, or a CSV with a `code` column; blank
 * lines and # comments skipped. Each code's line is kept for messages. */
int frame_read_code_list(const char *path, frame_strings *codes, size_t **lines,
                         frame_problems *problems, omr_error *err);

/* Imports web answers (the columns of records.csv: code, one column per
 * single/scale question, <q>.<value> = 1/0 per multi option, text fields;
 * optional `submitted_at`, ISO 8601) as returns in mode `web`, with answers
 * and texts, in one transaction. Every code must be in the frame and every
 * value one of the question's values; any problem refuses the whole file. A
 * code already returned on the web is skipped (counted in *skipped); a code
 * with a paper return gets the flag `paper_and_web` (see the rule above). */
int frame_import_web(omr_db *db, const omr_template *tmpl, const char *path,
                     frame_problems *problems, size_t *imported, size_t *skipped,
                     size_t *both_modes, omr_error *err);

/* The codes of the template's frame with neither a return nor an
 * undeliverable envelope, in frame order. When `record` is set, the list is
 * stored as a reminder mailing (mailings, mailing_codes) in one transaction. */
int frame_list_reminders(omr_db *db, const char *template_id, int record, frame_strings *out,
                         omr_error *err);

/* Returns in the ledger whose code is not in the template's frame, or fails
 * its check character (for the report's list of flagged returns). Each item
 * is "code: reason". */
int frame_list_foreign_returns(omr_db *db, const char *template_id, frame_strings *out,
                               omr_error *err);

#endif
