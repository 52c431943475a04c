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

#include "reading/identify.h"

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

int frame_store_settings(sqlite3 *db, const char *template_id, int *check_digits) {
    sqlite3_stmt *st = NULL;
    int found = 0;
    *check_digits = 0;
    if (sqlite3_prepare_v2(db, "SELECT check_digits FROM frame_settings WHERE template = ?", -1, &st,
                           NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, template_id, -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_ROW) {
            found = 1;
            *check_digits = sqlite3_column_int(st, 0);
        }
    }
    sqlite3_finalize(st);
    return found;
}

frame_code_status frame_check_code(sqlite3 *db, const char *template_id, const char *code,
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
    sqlite3_stmt *st = NULL;
    frame_code_status status = FRAME_CODE_UNKNOWN;
    if (sqlite3_prepare_v2(db, "SELECT 1 FROM frame WHERE template = ? AND code = ?", -1, &st,
                           NULL) != SQLITE_OK) {
        snprintf(reason, reason_size, "ledger: %s", sqlite3_errmsg(db));
        return FRAME_CODE_NO_FRAME;
    }
    sqlite3_bind_text(st, 1, template_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, code, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW)
        status = FRAME_CODE_OK;
    sqlite3_finalize(st);
    if (status == FRAME_CODE_UNKNOWN)
        snprintf(reason, reason_size,
                 "login code %s is not in the frame of %s: a misread, or a form from another "
                 "survey",
                 code, template_id);
    return status;
}

