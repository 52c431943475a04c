/*
 * changes.c — the review queue's change feed (see changes.h). On PostgreSQL
 * the feed's connection LISTENs and a wait is a select() on its socket; on
 * SQLite a wait reads PRAGMA data_version every CHANGES_SQLITE_MS (a look at
 * the WAL index, no table read) and, only when it moved, the one-row
 * review_changes counter the triggers keep (store.c), so that a daemon
 * writing pages and marks wakes nobody.
 */
#include "ledger/feed/changes.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ledger/sql.h"
#include "ledger/store.h"

struct changes_feed {
    omr_db *db;
    int pg;
    long long data_version, seq; /* SQLite: what was last seen */
};

static int read_sqlite(changes_feed *f, long long *data_version, long long *seq, omr_error *err) {
    int rc = sql_int_query(f->db, data_version, 0, err, "cannot read the ledger's change count",
                           "PRAGMA data_version", "");
    if (rc == OMR_OK && seq)
        rc = sql_int_query(f->db, seq, 0, err, "cannot read the review queue's change count",
                           "SELECT seq FROM review_changes WHERE id = 1", "");
    return rc;
}

int changes_open(const char *path, changes_feed **out, omr_error *err) {
    assert(path && out);
    *out = NULL;
    changes_feed *f = calloc(1, sizeof *f);
    if (!f)
        return omr_fail(err, OMR_ERR_MEMORY, "out of memory");
    int rc = store_open_existing(path, &f->db, err);
    if (rc == OMR_OK) {
        f->pg = strcmp(sql_backend(f->db), "postgresql") == 0;
        rc = f->pg ? sql_listen(f->db, "omr_review", err) : read_sqlite(f, &f->data_version, &f->seq, err);
    }
    if (rc != OMR_OK) {
        changes_close(f);
        return rc;
    }
    *out = f;
    return OMR_OK;
}

int changes_wait(changes_feed *f, int timeout_ms, omr_error *err) {
    assert(f && timeout_ms >= 0);
    if (f->pg)
        return sql_wait_notify(f->db, timeout_ms, err);
    for (int waited = 0;; waited += CHANGES_SQLITE_MS) {
        long long dv = 0, seq = 0;
        int rc = read_sqlite(f, &dv, NULL, err);
        if (rc != OMR_OK)
            return rc;
        if (dv != f->data_version) {
            f->data_version = dv;
            rc = read_sqlite(f, &dv, &seq, err);
            if (rc != OMR_OK)
                return rc;
            if (seq != f->seq) {
                f->seq = seq;
                return 1;
            }
        }
        if (waited >= timeout_ms)
            return 0;
        struct timespec pause = {.tv_sec = 0, .tv_nsec = CHANGES_SQLITE_MS * 1000000L};
        nanosleep(&pause, NULL);
    }
}

int changes_counts(changes_feed *f, const char *now, long long *waiting, long long *being_reviewed, omr_error *err) {
    *waiting = *being_reviewed = 0;
    sql_stmt *st = NULL;
    int rc = sql_prepare(f->db, &st, err,
                         "SELECT count(*), sum(lease_owner IS NOT NULL AND lease_until > ?) FROM review_items "
                         "WHERE state = 'open'",
                         "t", now);
    if (rc != OMR_OK)
        return rc;
    int step = sql_step(st);
    if (step == SQL_ROW) {
        *waiting = sql_int(st, 0);
        *being_reviewed = sql_int(st, 1);
    }
    sql_finalize(st);
    return step == SQL_ROW || step == SQL_DONE ? OMR_OK : sql_fail(f->db, err, "cannot count the review queue");
}

void changes_close(changes_feed *f) {
    if (!f)
        return;
    store_close(f->db);
    free(f);
}
