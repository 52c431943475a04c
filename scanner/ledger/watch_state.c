/*
 * watch_state.c — the ledger's side of `omr status` (see watch_state.h):
 * counts by one small query each, the first return of the day and the last
 * five error events. Best effort: `omr status` shows what it can read.
 */
#include "ledger/watch_state.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

static long count_query(sqlite3 *db, const char *sql, const char *arg) {
    sqlite3_stmt *st = NULL;
    long n = 0;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK) {
        if (arg)
            sqlite3_bind_text(st, 1, arg, -1, SQLITE_TRANSIENT);
        if (sqlite3_step(st) == SQLITE_ROW)
            n = (long)sqlite3_column_int64(st, 0);
    }
    sqlite3_finalize(st);
    return n;
}

long watch_state_file_count(sqlite3 *db) {
    assert(db);
    return count_query(db, "SELECT count(*) FROM scan_files", NULL);
}

int watch_state_open(const char *path, sqlite3 **out, omr_error *err) {
    assert(path && out);
    sqlite3 *db = NULL;
    *out = NULL;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        omr_fail(err, OMR_ERR_IO, "cannot open the ledger %s: %s", path, db ? sqlite3_errmsg(db) : "out of memory");
        sqlite3_close(db);
        return OMR_ERR_IO;
    }
    sqlite3_busy_timeout(db, 5000);
    *out = db;
    return OMR_OK;
}

void watch_state_read(sqlite3 *db, const char *midnight, const char *hour_ago, watch_state_counts *s) {
    assert(db && midnight && hour_ago && s);
    memset(s, 0, sizeof *s);
    s->done_today = count_query(db, "SELECT count(*) FROM scan_files WHERE state = 'done' AND finished_at >= ?", midnight);
    s->rejected_today = count_query(db, "SELECT count(*) FROM scan_files WHERE state = 'rejected' AND finished_at >= ?",
                                    midnight);
    s->duplicates_today = count_query(db, "SELECT count(*) FROM duplicate_files WHERE received_at >= ?", midnight);
    s->forms_today = count_query(db, "SELECT count(*) FROM returns WHERE created_at >= ?", midnight);
    s->forms_last_hour = count_query(db, "SELECT count(*) FROM returns WHERE created_at >= ?", hour_ago);
    s->forms_total = count_query(db, "SELECT count(*) FROM returns", NULL);
    s->ocr_waiting = count_query(db, "SELECT count(*) FROM texts WHERE status = 'pending_ocr'", NULL);
    s->review_open = count_query(db, "SELECT count(*) FROM review_items WHERE state = 'open'", NULL);
    sqlite3_stmt *st_first = NULL;
    if (sqlite3_prepare_v2(db, "SELECT min(created_at) FROM returns WHERE created_at >= ?", -1, &st_first, NULL) ==
        SQLITE_OK) {
        sqlite3_bind_text(st_first, 1, midnight, -1, SQLITE_TRANSIENT);
        if (sqlite3_step(st_first) == SQLITE_ROW && sqlite3_column_text(st_first, 0))
            snprintf(s->first_today, sizeof s->first_today, "%s", (const char *)sqlite3_column_text(st_first, 0));
    }
    sqlite3_finalize(st_first);
    sqlite3_stmt *ev = NULL;
    if (sqlite3_prepare_v2(db, "SELECT at, ifnull(file, ''), message FROM events WHERE level = 'error' "
                               "ORDER BY id DESC LIMIT 5", -1, &ev, NULL) == SQLITE_OK)
        while (s->n_errors < 5 && sqlite3_step(ev) == SQLITE_ROW) {
            snprintf(s->errors[s->n_errors].at, sizeof s->errors[0].at, "%s", sqlite3_column_text(ev, 0));
            snprintf(s->errors[s->n_errors].file, sizeof s->errors[0].file, "%s", sqlite3_column_text(ev, 1));
            snprintf(s->errors[s->n_errors].message, sizeof s->errors[0].message, "%s", sqlite3_column_text(ev, 2));
            s->n_errors++;
        }
    sqlite3_finalize(ev);
}
