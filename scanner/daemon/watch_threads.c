/*
 * watch_threads.c — the daemon's background threads besides the workers:
 * OCR threads working the ledger's comment queue (each with its own
 * Tesseract; marks never wait for them) and the exporter, which rewrites the
 * outputs from the ledger at most every export_seconds while busy and at
 * once when idle. Starting them, and draining them in order (workers finish
 * the files in hand, OCR its comment, the exporter writes once more).
 */
#include "daemon/watch_daemon.h"

#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <stdio.h>

#include "export/export.h"
#include "ledger/store.h"

/* ---- OCR: the ledger's queue of comments ---------------------------------------------- */

static void *ocr_main(void *arg) {
    thread_slot *slot = arg;
    daemon_state *d = slot->d;
    const runtime *rt = d->rt;
    scan_context ctx;
    omr_error err;
    omr_db *db = NULL;
    int have_ctx = scan_context_init(&ctx, &rt->scan, &err) == OMR_OK;
    long long after = 0;
    for (;;) {
        pthread_mutex_lock(&d->mu);
        int stop = d->stop_ocr;
        pthread_mutex_unlock(&d->mu);
        if (stop)
            break;
        int did = 0, rc = OMR_OK;
        if (!have_ctx)
            rc = OMR_ERR_MEMORY;
        else if (!db && store_open_existing(rt->cfg.db, &db, &err) != OMR_OK) {
            db = NULL;
            rc = OMR_ERR_IO;
        }
        if (rc == OMR_OK)
            rc = scan_ocr_next(&ctx, db, &after, slot->index, (int)d->n_ocrs, &did, &err);
        double wait = 0;
        pthread_mutex_lock(&d->mu);
        if (rc != OMR_OK) {
            if (strcmp(d->ocr_error, err.message) != 0) {
                snprintf(d->ocr_error, sizeof d->ocr_error, "%s", err.message);
                pthread_mutex_unlock(&d->mu);
                watch_logf(d, "comment OCR: %s; comments wait in the ledger, tried again every %.0f s", err.message,
                      rt->cfg.retry_seconds);
                pthread_mutex_lock(&d->mu);
            }
            wait = rt->cfg.retry_seconds;
        } else if (did) {
            if (*d->ocr_error) {
                d->ocr_error[0] = 0;
                pthread_mutex_unlock(&d->mu);
                watch_logf(d, "comment OCR works again");
                pthread_mutex_lock(&d->mu);
            }
            d->dirty = 1;
            pthread_cond_signal(&d->export_cv);
        } else {
            after = 0; /* the queue is empty: start from its head next time */
            wait = rt->cfg.poll_seconds;
        }
        if (wait > 0 && !d->stop_ocr) {
            struct timespec until;
            watch_abs_time_after(wait, &until);
            pthread_cond_timedwait(&d->ocr_cv, &d->mu, &until);
        }
        pthread_mutex_unlock(&d->mu);
    }
    if (have_ctx)
        scan_context_free(&ctx);
    store_close(db);
    return NULL;
}

/* ---- the exporter ---------------------------------------------------------------------- */

static int export_once(daemon_state *d, omr_db **db) {
    const runtime *rt = d->rt;
    omr_error err;
    int rc = *db ? OMR_OK : store_open_existing(rt->cfg.db, db, &err);
    if (rc != OMR_OK)
        *db = NULL;
    export_summary summary;
    if (rc == OMR_OK)
        rc = export_ledger(*db, rt->cfg.out, (const omr_template *const *)rt->templates, rt->n_templates, &summary,
                           &err);
    pthread_mutex_lock(&d->mu);
    if (rc != OMR_OK) {
        d->dirty = 1;
        d->export_retry_at = watch_mono_now() + rt->cfg.retry_seconds;
        int repeated = strcmp(d->export_error, err.message) == 0;
        snprintf(d->export_error, sizeof d->export_error, "%s", err.message);
        pthread_mutex_unlock(&d->mu);
        if (!repeated)
            watch_logf(d, "outputs not written: %s. The ledger keeps everything; omr tries again every %.0f s",
                  err.message, rt->cfg.retry_seconds);
        return rc;
    }
    int was_failing = *d->export_error != 0;
    d->export_error[0] = 0;
    d->last_export = watch_mono_now();
    pthread_mutex_unlock(&d->mu);
    if (was_failing)
        watch_logf(d, "outputs written again to %s (%zu forms)", rt->cfg.out, summary.forms);
    return OMR_OK;
}

static void *exporter_main(void *arg) {
    thread_slot *slot = arg;
    daemon_state *d = slot->d;
    omr_db *db = NULL;
    export_remove_leftovers(d->rt->cfg.out);
    pthread_mutex_lock(&d->mu);
    for (;;) {
        double now = watch_mono_now();
        int idle = d->queued == 0 && d->in_flight == 0 && d->inbox_quiet;
        int due = (d->dirty || d->export_now) && now >= d->export_retry_at &&
                  (d->export_now || idle || now - d->last_export >= d->rt->cfg.export_seconds);
        if (d->stop_export) {
            int final = d->dirty || d->export_now;
            d->dirty = d->export_now = 0;
            pthread_mutex_unlock(&d->mu);
            if (final)
                export_once(d, &db);
            break;
        }
        if (due) {
            d->dirty = d->export_now = 0;
            pthread_mutex_unlock(&d->mu);
            export_once(d, &db);
            pthread_mutex_lock(&d->mu);
            continue;
        }
        struct timespec until;
        watch_abs_time_after(0.5, &until);
        pthread_cond_timedwait(&d->export_cv, &d->mu, &until);
    }
    store_close(db);
    return NULL;
}

/* ---- starting and stopping the threads --------------------------------------------------- */

int watch_threads_start(daemon_state *d, omr_error *err) {
    const watch_config *c = &d->rt->cfg;
    d->stopping = d->stop_ocr = d->stop_export = 0;
    d->n_workers = (size_t)c->workers;
    d->n_ocrs = c->ocr ? (size_t)c->ocr_workers : 0;
    d->workers = calloc(d->n_workers, sizeof *d->workers);
    d->ocrs = calloc(d->n_ocrs + 1, sizeof *d->ocrs);
    if (!d->workers || !d->ocrs)
        return omr_fail(err, OMR_ERR_MEMORY, "out of memory");
    for (size_t i = 0; i < d->n_workers; i++) {
        d->workers[i] = (thread_slot){d, (int)i, 0};
        if (pthread_create(&d->workers[i].thread, NULL, watch_worker_main, &d->workers[i]) != 0) {
            d->n_workers = i;
            return omr_fail(err, OMR_ERR_MEMORY, "cannot start worker threads");
        }
    }
    for (size_t i = 0; i < d->n_ocrs; i++) {
        d->ocrs[i] = (thread_slot){d, (int)i, 0};
        if (pthread_create(&d->ocrs[i].thread, NULL, ocr_main, &d->ocrs[i]) != 0) {
            d->n_ocrs = i;
            return omr_fail(err, OMR_ERR_MEMORY, "cannot start OCR threads");
        }
    }
    d->exporter = (thread_slot){d, 0, 0};
    d->export_now = 1; /* the outputs are repaired from the ledger at every start */
    if (pthread_create(&d->exporter.thread, NULL, exporter_main, &d->exporter) != 0)
        return omr_fail(err, OMR_ERR_MEMORY, "cannot start the exporter thread");
    d->exporter_running = 1;
    return OMR_OK;
}

/* Drains: the workers finish the files in hand, OCR threads their current
 * comment, the exporter writes once more; then all are joined. */
void watch_threads_stop(daemon_state *d) {
    assert(d && d->rt);
    pthread_mutex_lock(&d->mu);
    d->stopping = 1;
    pthread_cond_broadcast(&d->jobs_cv);
    pthread_mutex_unlock(&d->mu);
    for (size_t i = 0; i < d->n_workers; i++)
        pthread_join(d->workers[i].thread, NULL);
    pthread_mutex_lock(&d->mu);
    d->stop_ocr = 1;
    pthread_cond_broadcast(&d->ocr_cv);
    pthread_mutex_unlock(&d->mu);
    for (size_t i = 0; i < d->n_ocrs; i++)
        pthread_join(d->ocrs[i].thread, NULL);
    pthread_mutex_lock(&d->mu);
    d->stop_export = 1;
    pthread_cond_broadcast(&d->export_cv);
    pthread_mutex_unlock(&d->mu);
    if (d->exporter_running)
        pthread_join(d->exporter.thread, NULL);
    d->exporter_running = 0;
    free(d->workers);
    free(d->ocrs);
    d->workers = d->ocrs = NULL;
    d->n_workers = d->n_ocrs = 0;
    /* anything still queued (waiting for a retry) stays in processing/ */
    while (d->queue) {
        job *j = d->queue;
        d->queue = j->next;
        watch_job_free(j);
    }
    d->queued = 0;
}
