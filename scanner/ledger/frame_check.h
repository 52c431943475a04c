/*
 * frame_check.h — the check of a login code against a template's sample frame
 * (survey/frame.h for the frame; ledger/frame_store.h for its tables). store.c
 * flags a scanned return with it; the survey room checks typed and imported
 * codes with it. Reads only; needs no transaction.
 */
#ifndef OMR_FRAME_CHECK_H
#define OMR_FRAME_CHECK_H

#include "ledger/db.h"
#include <stddef.h>

#include "base/common.h"

/* Does `code` end in its own check character? */
int frame_code_check_ok(const char *code);

typedef enum {
    FRAME_CODE_OK = 0,        /* in the frame (and its check character is right) */
    FRAME_CODE_NO_FRAME,      /* no frame is loaded for this template: nothing to check */
    FRAME_CODE_BAD_CHECK,     /* the check character does not match: a misread or foreign code */
    FRAME_CODE_UNKNOWN,       /* well-formed but not in the frame */
} frame_code_status;

/* Checks a login code read at scan time (or typed on the web) against the
 * template's frame. Fills `reason` (may be NULL) with a sentence for the
 * review list when the status is not OK, e.g. "login code K7M2QX9 is not in
 * the frame of ekb-2024 (a misread, or a form from another survey?)".
 * Returns the status; a ledger error counts as FRAME_CODE_NO_FRAME with the
 * error in reason. */
frame_code_status frame_check_code(omr_db *db, const char *template_id, const char *code,
                                   char *reason, size_t reason_size);

/* Re-checks every paper or web return of the template already in the ledger
 * against its frame as it is now (a form scanned before the sample was
 * imported): a return whose code is not in the frame gets the flag
 * not_in_frame (or frame_check_failed), one whose code now is loses it. Other
 * flags are kept. One transaction; *flagged and *cleared count the returns
 * whose flag was added or taken away (not those already right). */
int frame_check_recheck_returns(omr_db *db, const char *template_id, size_t *flagged,
                                size_t *cleared, omr_error *err);

/* Is there a frame for the template? 1 (with its check_digits setting) or 0. */
int frame_store_settings(omr_db *db, const char *template_id, int *check_digits);

#endif
