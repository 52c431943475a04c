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
