/*
 * watch_state.c — the ledger's side of `omr status` (see watch_state.h):
 * counts by one small query each, the first return of the day and the last
 * five error events, and the stations (each `omr watch` beats in the
 * stations table). Best effort: `omr status` shows what it can read.
 */
#include "ledger/watch_state.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "ledger/sql.h"

/* One count (best effort: 0 when the ledger cannot answer). */
static long count_query(omr_db *db, const char *sql, const char *arg) {
    long long n = 0;
    sql_int_query(db, &n, 0, NULL, "counting for omr status", sql, arg ? "t" : "", arg);
    return (long)n;
}

long watch_state_file_count(omr_db *db) {
    assert(db);
    return count_query(db, "SELECT count(*) FROM scan_files", NULL);
}

int watch_state_open(const char *path, omr_db **out, omr_error *err) {
    assert(path && out);
    return sql_open(path, SQL_OPEN_READONLY, 5000, out, err);
}

void watch_state_read(omr_db *db, const char *midnight, const char *hour_ago, watch_state_counts *s) {
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
    sql_stmt *st_first = sql_query(db, "SELECT min(created_at) FROM returns WHERE created_at >= ?", "t", midnight);
    if (st_first && sql_step(st_first) == SQL_ROW && sql_text_or_null(st_first, 0))
        snprintf(s->first_today, sizeof s->first_today, "%s", sql_text_or_null(st_first, 0));
    sql_finalize(st_first);
    /* at and message are NOT NULL, file is made "" when NULL */
    sql_stmt *ev = sql_query(db, "SELECT at, ifnull(file, ''), message FROM events WHERE level = 'error' "
                                     "ORDER BY id DESC LIMIT 5", "");
    while (ev && s->n_errors < 5 && sql_step(ev) == SQL_ROW) {
        snprintf(s->errors[s->n_errors].at, sizeof s->errors[0].at, "%s", sql_text(ev, 0));
        snprintf(s->errors[s->n_errors].file, sizeof s->errors[0].file, "%s", sql_text(ev, 1));
        snprintf(s->errors[s->n_errors].message, sizeof s->errors[0].message, "%s", sql_text(ev, 2));
        s->n_errors++;
    }
    sql_finalize(ev);
}

int watch_state_station_beat(omr_db *db, const char *station, const char *inbox, long pid, const char *started_at,
                             omr_error *err) {
    char now[32];
    sql_now(now);
    return sql_run(db, err, "cannot record the station", "INSERT INTO stations(station, inbox, pid, started_at, seen_at) "
                   "VALUES (?, ?, ?, ?, ?) ON CONFLICT(station) DO UPDATE SET inbox = excluded.inbox, "
                   "pid = excluded.pid, started_at = excluded.started_at, seen_at = excluded.seen_at",
                   "ttitt", station, inbox, (long long)pid, started_at, now);
}

size_t watch_state_stations(omr_db *db, watch_station *out, size_t max) {
    sql_stmt *st = sql_query(db, "SELECT station, inbox, pid, started_at, seen_at FROM stations "
                                 "ORDER BY seen_at DESC, station", "");
    size_t n = 0;
    while (st && n < max && sql_step(st) == SQL_ROW) {
        watch_station *w = &out[n++];
        snprintf(w->station, sizeof w->station, "%s", sql_text(st, 0));
        snprintf(w->inbox, sizeof w->inbox, "%s", sql_text(st, 1));
        w->pid = (long)sql_int(st, 2);
        snprintf(w->started_at, sizeof w->started_at, "%s", sql_text(st, 3));
        snprintf(w->seen_at, sizeof w->seen_at, "%s", sql_text(st, 4));
    }
    sql_finalize(st);
    return n;
}
