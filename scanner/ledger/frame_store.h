/*
 * frame_store.h — the sample frame's tables in the ledger (see survey/frame.h
 * for what they mean and the rule for which return counts): their schema, the
 * check of a login code against the frame (store.c flags a scanned return with
 * it, the survey room checks typed codes with it), and the reads and writes
 * the survey room's frame needs. The survey room decides what is right; this
 * file only reads and writes, and hands plain C values back.
 *
 *   frame            one row per (template, code): the unit and the order of import
 *   frame_variables  the background variables of a template's frame, in column order
 *   frame_values     one row per (template, code, variable)
 *   frame_settings   per template: whether its codes carry a check character
 *   undeliverable    envelopes that came back to the sender
 *   mailings, mailing_codes   each reminder run and the codes it went to
 *   frame_counted_returns     (view) the return that counts per (template, code)
 */
#ifndef OMR_FRAME_STORE_H
#define OMR_FRAME_STORE_H

#include "ledger/db.h"
#include <stddef.h>

#include "base/common.h"
#include "forms/template.h"
#include "ledger/frame_check.h"

/* Creates the frame's tables and views if missing (idempotent). */
int frame_store_open(omr_db *db, omr_error *err);

/* A list of strings the caller owns (frame_strings_free). */
typedef struct {
    char **items;
    size_t count;
} frame_strings;
void frame_strings_free(frame_strings *s);
/* Appends a copy of `value` (dropped when out of memory). */
void frame_strings_add(frame_strings *s, const char *value);

/* ---- codes ---------------------------------------------------------------------------- */

/* frame_code_check_ok, frame_check_code, frame_store_settings: ledger/frame_check.h */

/* A prepared question "is this code in a frame?", asked many times. */
typedef struct frame_store_probe frame_store_probe;
/* In any template's frame (template_id ignored); OMR_ERR_IO "ledger: ..." */
int frame_store_probe_any(omr_db *db, frame_store_probe **probe, omr_error *err);
/* In the given template's frame; NULL probe when it cannot be prepared. */
frame_store_probe *frame_store_probe_template(omr_db *db);
/* 1 when found; 0 when not (or when probe is NULL). */
int frame_store_probe_has(frame_store_probe *probe, const char *template_id, const char *code);
void frame_store_probe_free(frame_store_probe *probe);

/* ---- import ----------------------------------------------------------------------------- */

/* The variables of the template's frame joined with ',' in column order into
 * buf ("" when none); 0 when the ledger cannot be asked. */
int frame_store_variables(omr_db *db, const char *template_id, char *buf, size_t size);

/* A checked frame file to write: the header and its rows, as read. */
typedef struct {
    const char *template_id;
    int fresh;              /* drop the template's frame; write its settings and variables */
    int check_digits;       /* the setting written when fresh */
    char *const *columns;   /* header cells */
    size_t n_columns;
    size_t code_col, unit_col;
    char *const *const *rows; /* n_rows rows of n_columns cells */
    size_t n_rows;
} frame_store_import;

/* Writes the rows in one transaction, all or nothing; *imported = rows. */
int frame_store_write_import(omr_db *db, const frame_store_import *imp, size_t *imported,
                             omr_error *err);

/* ---- lists ------------------------------------------------------------------------------ */

int frame_store_templates(omr_db *db, frame_strings *out, omr_error *err);
int frame_store_codes(omr_db *db, const char *template_id, frame_strings *out, omr_error *err);
/* Codes of returns of the template that are not in its frame, sorted. */
int frame_store_codes_outside(omr_db *db, const char *template_id, frame_strings *out,
                              omr_error *err);
/* Codes of the frame with neither a return nor an undeliverable envelope, in
 * frame order; with `record`, stored as a reminder mailing (one transaction). */
int frame_store_reminders(omr_db *db, const char *template_id, int record, frame_strings *out,
                          omr_error *err);

/* ---- undeliverable, web returns ------------------------------------------------------------ */

/* Registers codes (checked by the caller) in one transaction; a code already
 * registered counts in *already. */
int frame_store_add_undeliverable(omr_db *db, const char *template_id, char *const *codes,
                                  size_t n, const char *source, size_t *added, size_t *already,
                                  omr_error *err);

/* One checked web answer. */
typedef struct {
    const char *code;
    const char *created;     /* normalised time */
    const char *routing;     /* "routing:q4a1 ..." flags, or "" */
    char *const *values;     /* per question of the template: value or NULL */
    const char *const *texts;/* per text field */
} frame_store_web_return;

/* Writes web answers as returns in mode `web` with their answers and texts,
 * in one transaction. A code with a web return already is skipped; one with
 * a paper return gets the flag paper_and_web. */
int frame_store_add_web_returns(omr_db *db, const omr_template *t,
                                const frame_store_web_return *rows, size_t n, size_t *imported,
                                size_t *skipped, size_t *both_modes, omr_error *err);

#endif
