/*
 * frame_check.c — is a login code in the template's frame, and does it end in
 * its check character (see frame_check.h)? One read of frame_settings and one
 * of frame; no frame loaded means nothing to check. Also the re-check of the
 * returns already scanned when a frame arrives after them: their frame flags
 * rewritten, in C, with portable SQL (a SELECT, then an UPDATE per change).
 */
#include "ledger/frame_check.h"

#include <assert.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
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


/* The return's flags without the frame's two words, plus `frame_flag` (or
 * nothing) at the end, into out. */
static void rewrite_flags(const char *flags, const char *frame_flag, char *out, size_t size) {
    size_t len = 0;
    out[0] = 0;
    const char *p = flags;
    while (*p) {
        p += strspn(p, " ");
        size_t n = strcspn(p, " ");
        if (n && !(n == 12 && strncmp(p, "not_in_frame", n) == 0) &&
            !(n == 18 && strncmp(p, "frame_check_failed", n) == 0) && len + n + 2 < size) {
            len += (size_t)snprintf(out + len, size - len, "%s%.*s", len ? " " : "", (int)n, p);
        }
        p += n;
    }
    if (frame_flag && len + strlen(frame_flag) + 2 < size)
        snprintf(out + len, size - len, "%s%s", len ? " " : "", frame_flag);
}

static int has_word(const char *flags, const char *word) {
    size_t w = strlen(word);
    for (const char *p = strstr(flags, word); p; p = strstr(p + 1, word))
        if ((p == flags || p[-1] == ' ') && (p[w] == 0 || p[w] == ' '))
            return 1;
    return 0;
}

int frame_check_recheck_returns(omr_db *db, const char *template_id, size_t *flagged,
                                size_t *cleared, omr_error *err) {
    *flagged = *cleared = 0;
    int check_digits = 0;
    if (!frame_store_settings(db, template_id, &check_digits))
        return OMR_OK; /* no frame: nothing to check against */
    int rc = sql_begin(db, err);
    if (rc != OMR_OK)
        return rc;
    sql_stmt *sel = NULL, *upd = NULL;
    rc = sql_prepare(db, &sel, err, "SELECT id, code, flags FROM returns WHERE template = ? ORDER BY id",
                     "t", template_id);
    if (rc == OMR_OK)
        rc = sql_prepare(db, &upd, err, "UPDATE returns SET flags = ? WHERE id = ?", "");
    int step = SQL_DONE;
    while (rc == OMR_OK && (step = sql_step(sel)) == SQL_ROW) {
        const char *code = sql_text(sel, 1), *flags = sql_text(sel, 2);
        frame_code_status fs = frame_check_code(db, template_id, code, NULL, 0);
        const char *want = fs == FRAME_CODE_UNKNOWN     ? "not_in_frame"
                           : fs == FRAME_CODE_BAD_CHECK ? "frame_check_failed"
                                                        : NULL;
        int had = has_word(flags, "not_in_frame") || has_word(flags, "frame_check_failed");
        char now[4096];
        rewrite_flags(flags, want, now, sizeof now);
        if (strcmp(now, flags) == 0)
            continue;
        sql_bind(upd, "ti", now, sql_int(sel, 0));
        if (sql_run_reset(upd) != OMR_OK) {
            rc = sql_fail(db, err, "cannot write a return's flags");
            break;
        }
        if (want && !had)
            (*flagged)++;
        else if (!want && had)
            (*cleared)++;
    }
    if (rc == OMR_OK && step == SQL_ERROR)
        rc = sql_fail(db, err, "reading the returns");
    sql_finalize(sel);
    sql_finalize(upd);
    if (rc == OMR_OK)
        rc = sql_commit(db, err);
    if (rc != OMR_OK) {
        sql_rollback(db);
        *flagged = *cleared = 0;
    }
    return rc;
}
