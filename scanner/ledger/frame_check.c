/*
 * frame_check.c — is a login code in the template's frame, and does it end in
 * its check character (see frame_check.h)? One read of frame_settings and one
 * of frame; no frame loaded means nothing to check.
 */
#include "ledger/frame_check.h"

#include <assert.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "forms/code.h"
#include "ledger/sql.h"

int frame_code_check_ok(const char *code) {
    size_t len = strlen(code);
    if (len < 2 || !identify_code_is_valid(code))
        return 0;
    char body[64];
    if (len > sizeof body)
        return 0;
    memcpy(body, code, len - 1);
    body[len - 1] = 0;
    return toupper((unsigned char)code[len - 1]) == identify_check_char(body);
}

int frame_store_settings(omr_db *db, const char *template_id, int *check_digits) {
    int found = 0;
    *check_digits = 0;
    sql_stmt *st = sql_query(db, "SELECT check_digits FROM frame_settings WHERE template = ?", "t",
                                 template_id);
    if (st && sql_step(st) == SQL_ROW) {
        found = 1;
        *check_digits = (int)sql_int(st, 0);
    }
    sql_finalize(st);
    return found;
}

frame_code_status frame_check_code(omr_db *db, const char *template_id, const char *code,
                                   char *reason, size_t reason_size) {
    char dummy[8];
    if (!reason) {
        reason = dummy;
        reason_size = sizeof dummy;
    }
    assert(reason_size > 0);
    reason[0] = 0;
    int check_digits = 0;
    if (!frame_store_settings(db, template_id, &check_digits))
        return FRAME_CODE_NO_FRAME;
    if (check_digits && !frame_code_check_ok(code)) {
        snprintf(reason, reason_size,
                 "login code %s fails its check character: a misread, or a form from another "
                 "survey",
                 code);
        return FRAME_CODE_BAD_CHECK;
    }
    sql_stmt *st = sql_query(db, "SELECT 1 FROM frame WHERE template = ? AND code = ?", "tt",
                                 template_id, code);
    if (!st) {
        snprintf(reason, reason_size, "ledger: %s", sql_message(db));
        return FRAME_CODE_NO_FRAME;
    }
    int step = sql_step(st);
    if (step == SQL_ERROR) /* a ledger error, not a code outside the frame */
        snprintf(reason, reason_size, "ledger: %s", sql_message(db));
    sql_finalize(st);
    if (step == SQL_ERROR)
        return FRAME_CODE_NO_FRAME;
    frame_code_status status = step == SQL_ROW ? FRAME_CODE_OK : FRAME_CODE_UNKNOWN;
    if (status == FRAME_CODE_UNKNOWN)
        snprintf(reason, reason_size,
                 "login code %s is not in the frame of %s: a misread, or a form from another "
                 "survey",
                 code, template_id);
    return status;
}

