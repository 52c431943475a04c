/*
 * review_events.h — what the review page hears of the queue (GET
 * /api/events?since=N): a long poll that returns as soon as the review queue
 * changed on any station sharing the ledger, with the new counts, or after
 * REVIEW_EVENTS_WAIT_SECONDS with the same version. One thread per server
 * listens on the ledger's change feed (ledger/feed/changes.h) and counts the
 * queue once per change, whatever the number of waiting pages; a waiting
 * request is a suspended libmicrohttpd connection, holding no thread.
 */
#ifndef OMR_REVIEW_EVENTS_H
#define OMR_REVIEW_EVENTS_H

#include <microhttpd.h>
#include <time.h>

#include "base/common.h"

/* Below the server's idle connection timeout (30 s by default). */
#define REVIEW_EVENTS_WAIT_SECONDS 20

typedef struct review_events review_events;

/* Opens the feed on `db_path` and starts its thread. */
int review_events_start(const char *db_path, review_events **out, omr_error *err);
/* Answers every waiting request and stops the thread (before the web server
 * stops); review_events_free after the web server has stopped. */
void review_events_stop(review_events *e);
void review_events_free(review_events *e);

/* The answer to /api/events?since=N (since < 0: at once): 0 and *json a
 * malloc'd JSON text {"version","changed","waiting","being_reviewed",
 * "feed_error"} (NULL when out of memory) when there is one now (the version
 * is not `since`, *deadline passed, or the server stops); or 1 after
 * suspending the connection, which is resumed (and this called again with
 * the same *deadline) when one of those comes. *deadline is 0 on the
 * request's first call. */
int review_events_poll(review_events *e, struct MHD_Connection *c, long long since, time_t *deadline, char **json);

#endif
