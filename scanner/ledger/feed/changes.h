/*
 * changes.h — the review queue's change feed: a connection of its own that
 * waits until the review queue changes (an item added or removed, decided or
 * opened again, a lease taken or given back), on whichever station made the
 * change. The review server (review/review_events.c) holds one and wakes the
 * pages waiting on /api/events; nothing here queries the whole queue per
 * waiting page.
 *
 * PostgreSQL: LISTEN omr_review; the ledger's trigger on review_items calls
 * pg_notify in the writer's transaction, so the wake-up comes at its commit.
 * SQLite: a trigger-kept counter (review_changes) read only when PRAGMA
 * data_version says another connection committed, checked every
 * CHANGES_SQLITE_MS (the file has no notifications).
 */
#ifndef OMR_LEDGER_CHANGES_H
#define OMR_LEDGER_CHANGES_H

#include "base/common.h"

#define CHANGES_SQLITE_MS 100

typedef struct changes_feed changes_feed;

/* Opens the ledger `path` (a file or a libpq URI) for listening. */
int changes_open(const char *path, changes_feed **out, omr_error *err);
/* Waits up to timeout_ms: 1 when the queue changed (one or more changes
 * since the last call), 0 when not, OMR_ERR_IO when the connection is lost
 * (err says why; close the feed and open another). */
int changes_wait(changes_feed *f, int timeout_ms, omr_error *err);
/* The counts a page shows: open items (waiting) and those of them under a
 * lease that has not run out at `now` (being_reviewed). */
int changes_counts(changes_feed *f, const char *now, long long *waiting, long long *being_reviewed, omr_error *err);
void changes_close(changes_feed *f);

#endif
