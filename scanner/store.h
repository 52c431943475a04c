/*
 * store.h — the ledger: one SQLite database (WAL) that is the source of truth
 * for everything omr has received and decided. Only `store` and the modules
 * that own a table write to it; exports are rebuilt from it.
 *
 * The schema below is the contract between the daemon (watch), the operators'
 * review page (review), the sample frame and reports (frame, report) and the
 * exports. Each module may add tables of its own (CREATE TABLE IF NOT EXISTS
 * in its own open function), never columns to another module's table.
 *
 *   scan_files    one row per distinct file content received (sha256), with
 *                 its state: processing -> done | rejected. The same content
 *                 arriving twice is the same row and is not counted twice.
 *   pages         one row per page of a scan file: read (a page of a known
 *                 form, joined to a return), blank, or rejected (reason).
 *                 `transform` is JSON {"m":[6 numbers mm->px],"turns":q} so a
 *                 review page can crop the question's region from the scan.
 *   returns       one paper (or web) return of a login code: the form that a
 *                 set of pages makes. A page joins the oldest return of its
 *                 (template, code) that lacks that page number; otherwise it
 *                 starts a new return, flagged duplicate_of the first one.
 *   marks         every box measured on a page.
 *   answers       one row per (return, question): the decided value (single/
 *                 scale: the value; multi: the chosen values, space-separated;
 *                 NULL when unanswered), the machine's value, status ok|review,
 *                 and who confirmed it.
 *   texts         one row per (return, text field): OCR text, confidence,
 *                 crop path, status none|pending_ocr|ok|review, confirmation.
 *   review_items  what needs a person: an answer, a text, a duplicate return,
 *                 or a page without a readable code; leased to one operator at
 *                 a time (lease_owner, lease_until).
 *   decisions     every decision an operator made on an item (history kept).
 *   events        the daemon's log of outcomes, for `omr status`.
 */
#ifndef OMR_STORE_H
#define OMR_STORE_H

#include <sqlite3.h>

#include "common.h"

#define STORE_SCHEMA_VERSION 1

/* The schema, as executed by store_open (idempotent). */
extern const char store_schema_sql[];

/* Opens (creating if needed) the ledger at `path`: WAL journal, foreign keys
 * on, a busy timeout of 10 s, schema applied. The caller owns *db and closes
 * it with store_close. One connection per thread. */
int store_open(const char *path, sqlite3 **db, omr_error *err);
void store_close(sqlite3 *db);

/* Runs `sql` (no results) or fills err with SQLite's message and the SQL's
 * first words. */
int store_exec(sqlite3 *db, const char *sql, omr_error *err);

/* BEGIN IMMEDIATE / COMMIT / ROLLBACK. */
int store_begin(sqlite3 *db, omr_error *err);
int store_commit(sqlite3 *db, omr_error *err);
void store_rollback(sqlite3 *db);

/* Current UTC time as ISO 8601 ("2026-11-23T10:15:02Z") into buf[32]. */
void store_now(char buf[32]);

#endif
