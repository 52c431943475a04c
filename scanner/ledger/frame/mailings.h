/*
 * mailings.h — the survey's mailings in waves (invitation, reminder 1,
 * reminder 2) in the ledger: which login codes got which wave, and when it
 * was posted; who is due a wave; the response rate per wave. The survey
 * office's rule: a return is attributed to the last wave sent to its code
 * before the return arrived (a return before any wave counts for the
 * invitation); the rate after a wave is cumulative: every return attributed
 * to that wave or an earlier one, of the net sample (frame minus
 * undeliverable envelopes that never answered), as report.c's corrected rate.
 *
 *   mailing_waves   one row per (template, code, wave): sent_at (when posted,
 *                   ISO 8601 UTC), recorded_at
 *
 * A folder of its own under ledger/ (the frame's tables beside it are in
 * ledger/frame_store.c); portable SQL only, through ledger/sql.h.
 */
#ifndef OMR_MAILINGS_H
#define OMR_MAILINGS_H

#include <stddef.h>

#include "base/common.h"
#include "ledger/db.h"
#include "ledger/frame_store.h"

enum { MAILING_INVITATION = 1, MAILING_REMINDER1 = 2, MAILING_REMINDER2 = 3, MAILING_WAVES = 3 };

/* "invitation", "reminder1", "reminder2" (NULL for another number). */
const char *mailing_wave_name(int wave);
/* The wave of a name (also "1", "2", "3", "reminder-1"), 0 when none. */
int mailing_wave_parse(const char *name);

/* Creates the table if missing (idempotent). Call after frame_open. */
int mailings_open(omr_db *db, omr_error *err);

/* Who is due `wave` of the template, in frame order: the invitation goes to
 * every code of the frame without an undeliverable envelope; a reminder to
 * those of them who got the wave before it and have no return yet.
 * OMR_ERR_INVALID when a reminder's earlier wave was never recorded. */
int mailings_recipients(omr_db *db, const char *template_id, int wave, frame_strings *out,
                        omr_error *err);

/* Records that `wave` was posted at `sent_at` (ISO 8601 UTC) to the codes,
 * in one transaction; a code already recorded for that wave keeps its first
 * record (*added counts the new ones). */
int mailings_record(omr_db *db, const char *template_id, int wave, char *const *codes, size_t n,
                    const char *sent_at, size_t *added, omr_error *err);

/* The frame's background columns of a code (for the letter's address):
 * names[i] = values[i]; the caller frees both with frame_strings_free. */
int mailings_frame_values(omr_db *db, const char *template_id, const char *code,
                          frame_strings *names, frame_strings *values, omr_error *err);

typedef struct {
    long frame;                    /* codes in the frame */
    long undeliverable;            /* of them, undeliverable and never answered */
    long sent[MAILING_WAVES + 1];  /* [w]: codes wave w went to (index 0 unused) */
    char first_sent[MAILING_WAVES + 1][32]; /* [w]: when wave w was first posted, "" if never */
    long returns[MAILING_WAVES + 1]; /* [w]: returns attributed to wave w */
} mailing_wave_counts;

/* The figures of the per-wave response rate (see the rule above). */
int mailings_wave_counts(omr_db *db, const char *template_id, mailing_wave_counts *out,
                         omr_error *err);

#endif
