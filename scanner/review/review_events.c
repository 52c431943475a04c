/*
 * review_events.c — the change feed of the review page (see
 * review_events.h). A thread waits on the ledger's change feed; when the
 * queue changed it counts the queue once, raises the version and resumes the
 * suspended requests waiting for a version past theirs. Requests whose wait
 * ran out are resumed by the same thread (it wakes at least twice a second).
 * A lost ledger connection is opened again, and counted as a change (what
 * happened meanwhile was not heard).
 */
#include "review/review_events.h"

#include <assert.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledger/feed/changes.h"
#include "ledger/store.h"

typedef struct waiter {
    struct MHD_Connection *c;
    long long since;
    time_t until;
    struct waiter *next;
} waiter;

struct review_events {
    char *db_path;
    changes_feed *feed; /* the thread's */
    pthread_t thread;
    int running;
    pthread_mutex_t lock; /* guards what follows */
    long long version, waiting, being_reviewed;
    char feed_error[OMR_ERROR_SIZE];
    int stopping;
    waiter *waiters;
};

/* Resumes the waiters that have an answer (all when stopping); under lock. */
static void resume_ready(review_events *e, time_t now) {
    for (waiter **p = &e->waiters; *p;) {
        waiter *w = *p;
        if (e->stopping || w->since != e->version || now >= w->until) {
            *p = w->next;
            MHD_resume_connection(w->c);
            free(w);
        } else {
            p = &w->next;
        }
    }
}

/* Counts the queue and raises the version (the thread's connection). */
static void changed(review_events *e) {
    char now[32];
    store_now(now);
    long long waiting = 0, leased = 0;
    omr_error err = {0};
    int rc = changes_counts(e->feed, now, &waiting, &leased, &err);
    pthread_mutex_lock(&e->lock);
    e->version++;
    if (rc == OMR_OK) {
        e->waiting = waiting;
        e->being_reviewed = leased;
    }
    snprintf(e->feed_error, sizeof e->feed_error, "%s", rc == OMR_OK ? "" : err.message);
    resume_ready(e, time(NULL));
    pthread_mutex_unlock(&e->lock);
}

static void *listen_thread(void *arg) {
    review_events *e = arg;
    for (;;) {
        pthread_mutex_lock(&e->lock);
        int stop = e->stopping;
        resume_ready(e, time(NULL));
        pthread_mutex_unlock(&e->lock);
        if (stop)
            break;
        omr_error err = {0};
        if (!e->feed) {
            if (changes_open(e->db_path, &e->feed, &err) != OMR_OK) {
                pthread_mutex_lock(&e->lock);
                snprintf(e->feed_error, sizeof e->feed_error, "%s", err.message);
                pthread_mutex_unlock(&e->lock);
                struct timespec pause = {.tv_sec = 1};
                nanosleep(&pause, NULL);
                continue;
            }
            changed(e); /* a new connection heard nothing before it */
        }
        int rc = changes_wait(e->feed, 500, &err);
        if (rc == 1) {
            changed(e);
        } else if (rc != 0) {
            pthread_mutex_lock(&e->lock);
            snprintf(e->feed_error, sizeof e->feed_error, "%s", err.message);
            pthread_mutex_unlock(&e->lock);
            changes_close(e->feed);
            e->feed = NULL;
        }
    }
    return NULL;
}

int review_events_start(const char *db_path, review_events **out, omr_error *err) {
    assert(db_path && out);
    *out = NULL;
    review_events *e = calloc(1, sizeof *e);
    if (!e || !(e->db_path = strdup(db_path))) {
        free(e);
        return omr_fail(err, OMR_ERR_MEMORY, "out of memory");
    }
    pthread_mutex_init(&e->lock, NULL);
    int rc = changes_open(db_path, &e->feed, err);
    if (rc == OMR_OK) {
        changed(e);
        if (pthread_create(&e->thread, NULL, listen_thread, e) != 0)
            rc = omr_fail(err, OMR_ERR_MEMORY, "cannot start a thread");
        else
            e->running = 1;
    }
    if (rc != OMR_OK) {
        review_events_free(e);
        return rc;
    }
    *out = e;
    return OMR_OK;
}

void review_events_stop(review_events *e) {
    if (!e)
        return;
    pthread_mutex_lock(&e->lock);
    e->stopping = 1;
    resume_ready(e, time(NULL));
    pthread_mutex_unlock(&e->lock);
    if (e->running)
        pthread_join(e->thread, NULL);
    e->running = 0;
}

void review_events_free(review_events *e) {
    if (!e)
        return;
    review_events_stop(e);
    assert(!e->waiters);
    changes_close(e->feed);
    pthread_mutex_destroy(&e->lock);
    free(e->db_path);
    free(e);
}

int review_events_poll(review_events *e, struct MHD_Connection *c, long long since, time_t *deadline, char **json) {
    *json = NULL;
    time_t now = time(NULL);
    if (!*deadline)
        *deadline = now + REVIEW_EVENTS_WAIT_SECONDS;
    pthread_mutex_lock(&e->lock);
    if (since >= 0 && since == e->version && now < *deadline && !e->stopping) {
        waiter *w = calloc(1, sizeof *w);
        if (w) {
            *w = (waiter){.c = c, .since = since, .until = *deadline, .next = e->waiters};
            e->waiters = w;
            MHD_suspend_connection(c);
            pthread_mutex_unlock(&e->lock);
            return 1;
        }
        /* out of memory: answered at once, and the page asks again */
    }
    json_t *o = json_pack("{s:I,s:b,s:I,s:I,s:s}", "version", (json_int_t)e->version, "changed",
                          since >= 0 && since != e->version, "waiting", (json_int_t)e->waiting, "being_reviewed",
                          (json_int_t)e->being_reviewed, "feed_error", e->feed_error);
    pthread_mutex_unlock(&e->lock);
    *json = o ? json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;
    json_decref(o);
    return 0;
}
