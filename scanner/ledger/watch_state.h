/*
 * watch_state.h — the ledger's answers for `omr status` (watch_status.c):
 * the day's counts, the first return of the day and the last errors, read
 * through a read-only connection that never creates or upgrades a ledger,
 * so it works beside a running daemon. Plain C values out; the SQL stays in
 * the ledger.
 */
#ifndef OMR_WATCH_STATE_H
#define OMR_WATCH_STATE_H

#include "ledger/db.h"
#include <stddef.h>

#include "base/common.h"

typedef struct {
    long done_today, rejected_today, duplicates_today; /* since `midnight` */
    long forms_today, forms_last_hour, forms_total;
    long ocr_waiting, review_open;
    char first_today[32];    /* created_at of the first return since `midnight`, "" when none */
    struct {
        char at[32], file[512], message[1024];
    } errors[5];             /* the last errors, newest first */
    size_t n_errors;
} watch_state_counts;

/* A station: one `omr watch` that has written to this ledger. */
#define WATCH_MAX_STATIONS 16
typedef struct {
    char station[512];   /* "host:processing folder" */
    char inbox[1024];
    long pid;
    char started_at[32], seen_at[32]; /* UTC ISO times */
} watch_station;

/* Records that `station` is alive now (its inbox, pid and start), creating
 * its row at the first beat. */
int watch_state_station_beat(omr_db *db, const char *station, const char *inbox, long pid, const char *started_at,
                             omr_error *err);
/* The stations the ledger knows, most recently seen first (at most max;
 * 0 when none or the ledger cannot answer). */
size_t watch_state_stations(omr_db *db, watch_station *out, size_t max);

/* Opens the ledger at `path` read-only (waits up to 5 s for a writer).
 * OMR_ERR_IO naming the path when it cannot be opened; close with
 * store_close. */
int watch_state_open(const char *path, omr_db **db, omr_error *err);

/* Fills `out`; `midnight` and `hour_ago` are UTC times as the ledger writes
 * them ("2024-05-01T22:00:00Z"). A query that fails leaves its count 0. */
void watch_state_read(omr_db *db, const char *midnight, const char *hour_ago, watch_state_counts *out);

/* How many scan files the ledger holds (0 also when it cannot be read): at
 * start-up, a ledger that holds none beside an archive that holds files was
 * probably deleted or replaced. */
long watch_state_file_count(omr_db *db);

#endif
