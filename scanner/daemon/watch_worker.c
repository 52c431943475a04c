/*
 * watch_worker.c — the queue of claimed files and the workers that read
 * them. A worker takes the oldest job that is due, reads it through the
 * pipeline shared with `omr scan` (scan_ingest_file: one ledger transaction
 * per file) and files it; a file the ledger already recorded before a crash
 * (as read, as rejected, or as a duplicate of content read before) is filed
 * where the ledger says, without being counted or noted again. A job that
 * cannot go on now (ledger not writable, file still changing, move failed)
 * goes back in the queue with a delay; while stopping it stays in
 * processing/ for the next start.
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
#include <stdint.h>
#include <stdio.h>

#include "base/files.h"
#include "ledger/store.h"

void watch_job_free(job *j) {
    if (!j)
        return;
    free(j->path);
    free(j->name);
    free(j);
}

/* Appends a job to the queue and wakes a worker. Caller holds d->mu. */
void watch_queue_push_locked(daemon_state *d, job *j) {
    assert(j && j->path && j->name);
    j->next = NULL;
    job **tail = &d->queue;
    while (*tail)
        tail = &(*tail)->next;
    *tail = j;
    d->queued++;
    pthread_cond_signal(&d->jobs_cv);
}

/* A job that must wait (ledger not writable, file still changing): back in
 * the queue after `delay`; while stopping it stays in processing/ for the
 * next start. */
static void job_retry(daemon_state *d, job *j, double delay) {
    pthread_mutex_lock(&d->mu);
    if (d->stopping) {
        pthread_mutex_unlock(&d->mu);
        watch_job_free(j);
        return;
    }
    j->not_before = watch_mono_now() + delay;
    watch_queue_push_locked(d, j);
    pthread_mutex_unlock(&d->mu);
}

static void mark_dirty(daemon_state *d, int comments) {
    pthread_mutex_lock(&d->mu);
    d->dirty = 1;
    pthread_cond_signal(&d->export_cv);
    if (comments)
        pthread_cond_broadcast(&d->ocr_cv);
    pthread_mutex_unlock(&d->mu);
}

/* ---- a worker: one claimed file at a time ---------------------------------------------- */

/* Did the claimed file stay the same while it was read? */
static int job_still_same(void *user) {
    const job *j = user;
    struct stat st;
    if (stat(j->path, &st) != 0)
        return 1; /* gone: what was read is what there was */
    return (long long)st.st_size == j->size && st.st_mtim.tv_sec == j->mtime.tv_sec &&
           st.st_mtim.tv_nsec == j->mtime.tv_nsec;
}

/* A claimed file whose content the ledger recorded before a kill, as the
 * first arrival (`stored`: known->stored_path) or as a later one noted a
 * duplicate (`stored`: that arrival's own path): filed at `stored` if it is
 * not there yet, or its leftover copy removed if a move across disks was
 * cut between copy and delete. 1 when the job is done with (filed, or
 * queued to try again); 0 when the file was not recorded as `stored`. */
static int file_as_recorded(daemon_state *d, job *j, const store_file_info *known, const char *stored,
                            int duplicate) {
    const watch_config *c = &d->rt->cfg;
    omr_error err;
    if (!*stored)
        return 0;
    if (watch_move_interrupted(j->path, stored)) {
        /* a kill between copying it across disks and deleting it here:
         * filed already; only the copy in processing/ is left */
        if (unlink(j->path) != 0 && errno != ENOENT) {
            watch_logf(d, "%s: filed as %s before the restart, but its copy in %s cannot be removed: %s; "
                       "tried again in %.0f s", j->name, stored, c->processing, strerror(errno),
                       c->retry_seconds);
            job_retry(d, j, c->retry_seconds);
            return 1;
        }
        watch_move_done(j->path);
        watch_logf(d, "%s: already recorded and filed before the restart (%s, as %s); its copy left in the "
                   "processing folder removed", j->name, duplicate ? "a duplicate" : known->state, stored);
        watch_job_free(j);
        return 1;
    }
    if (watch_path_exists(stored))
        return 0;
    if (strcmp(known->state, "rejected") == 0) {
        char reason_path[PATH_MAX + 16], text[4096];
        snprintf(reason_path, sizeof reason_path, "%s.reason", stored);
        if (!watch_path_exists(reason_path)) {
            watch_reason_text(duplicate ? j->name : known->name, duplicate ? j->received_at : known->received_at,
                              known->error, duplicate ? known->name : NULL, text, sizeof text);
            char dir[PATH_MAX];
            snprintf(dir, sizeof dir, "%s", stored);
            char *slash = strrchr(dir, '/');
            if (slash)
                *slash = 0;
            if (watch_mkdir_p(dir, &err) == OMR_OK)
                omr_write_file_atomic(reason_path, text, &err);
        }
    }
    if (watch_move_file(j->path, stored, &err) != OMR_OK) {
        watch_logf(d, "%s: %s; tried again in %.0f s", j->name, err.message, c->retry_seconds);
        job_retry(d, j, c->retry_seconds);
        return 1;
    }
    if (duplicate)
        watch_logf(d, "%s: already recorded before the restart (the same content as %s; not counted again); "
                   "filed as %s", j->name, known->name, stored);
    else
        watch_logf(d, "%s: already recorded before the restart (%s); filed as %s", j->name, known->state, stored);
    watch_job_free(j);
    return 1;
}

static void process_job(thread_slot *slot, scan_context *ctx, omr_db *db, job *j) {
    daemon_state *d = slot->d;
    const runtime *rt = d->rt;
    const watch_config *c = &rt->cfg;
    double start = watch_mono_now();
    struct stat st;
    if (stat(j->path, &st) != 0) {
        watch_logf(d, "%s: vanished from the processing folder before it was read (%s); nothing recorded", j->name,
              strerror(errno));
        watch_job_free(j);
        return;
    }
    char sha[65];
    long long size = 0;
    omr_error err;
    int hashed = store_hash_file(j->path, sha, &size, &err) == OMR_OK;
    if (hashed) {
        /* recorded before a crash, but not yet filed: file it where the ledger says */
        store_file_info known;
        char duplicate_path[1024] = "";
        if (store_find_file(db, sha, &known, &err) != OMR_OK ||
            (known.found && store_find_duplicate(db, known.id, j->name, duplicate_path, sizeof duplicate_path,
                                                 &err) != OMR_OK)) {
            watch_logf(d, "%s: %s; the file waits in %s and is tried again in %.0f s", j->name, err.message,
                  c->processing, c->retry_seconds);
            job_retry(d, j, c->retry_seconds);
            return;
        }
        if (known.found && strcmp(known.state, "processing") != 0 &&
            file_as_recorded(d, j, &known, known.stored_path, 0))
            return;
        /* a later arrival of that content, noted as a duplicate before the kill */
        if (known.found && strcmp(known.state, "processing") != 0 &&
            file_as_recorded(d, j, &known, duplicate_path, 1))
            return;
    }

    char archive_path[PATH_MAX], rejected_path[PATH_MAX];
    watch_reserve_target(d, c->archive, j->name, archive_path, sizeof archive_path);
    watch_reserve_target(d, c->rejected, j->name, rejected_path, sizeof rejected_path);
    scan_input in = {.path = j->path, .name = j->name, .archive_path = archive_path,
                     .rejected_path = rejected_path, .received_at = j->received_at,
                     .still_same = job_still_same, .user = j};
    scan_outcome outcome;
    store_file_result result;
    int rc = scan_ingest_file(ctx, db, &in, &outcome, &result, &err);
    if (rc != OMR_OK) {
        watch_release_target(d, archive_path);
        watch_release_target(d, rejected_path);
        watch_logf(d, "%s: not recorded: %s. Nothing is lost: the file waits in %s and is read again in %.0f s",
              j->name, err.message, c->processing, c->retry_seconds);
        job_retry(d, j, c->retry_seconds);
        return;
    }
    if (outcome == SCAN_CHANGED) {
        watch_release_target(d, archive_path);
        watch_release_target(d, rejected_path);
        watch_logf(d, "%s: still being written while it was read; read again once it stays unchanged", j->name);
        struct stat now_st;
        if (stat(j->path, &now_st) == 0) {
            j->size = (long long)now_st.st_size;
            j->mtime = now_st.st_mtim;
        }
        job_retry(d, j, c->settle_seconds > 0.5 ? c->settle_seconds : 0.5);
        return;
    }
    int rejected = strcmp(result.state, "rejected") == 0;
    const char *dest = rejected ? rejected_path : archive_path;
    char text[4096], reason_path[PATH_MAX + 16];
    if (rejected) {
        watch_reason_text(j->name, j->received_at, result.error,
                    outcome == SCAN_DUPLICATE ? result.first_name : NULL, text, sizeof text);
        snprintf(reason_path, sizeof reason_path, "%s.reason", dest);
        char dir[PATH_MAX];
        snprintf(dir, sizeof dir, "%s", dest);
        char *slash = strrchr(dir, '/');
        if (slash)
            *slash = 0;
        if (watch_mkdir_p(dir, &err) != OMR_OK || omr_write_file_atomic(reason_path, text, &err) != OMR_OK)
            watch_logf(d, "%s: %s", j->name, err.message);
    }
    int moved = watch_move_file(j->path, dest, &err) == OMR_OK;
    watch_release_target(d, archive_path);
    watch_release_target(d, rejected_path);
    double seconds = watch_mono_now() - start;
    if (!moved) {
        watch_logf(d, "%s: recorded, but %s; it is filed on the next try (in %.0f s)", j->name, err.message,
              c->retry_seconds);
        job_retry(d, j, c->retry_seconds);
        mark_dirty(d, 0);
        return;
    }
    pthread_mutex_lock(&d->mu);
    if (outcome == SCAN_DUPLICATE)
        d->files_duplicate++;
    else if (rejected)
        d->files_rejected++;
    else
        d->files_done++;
    pthread_mutex_unlock(&d->mu);
    if (outcome == SCAN_DUPLICATE)
        watch_logf(d, "%s: the same content as %s (received %s); not counted again; filed as %s", j->name,
              result.first_name, result.received_at, dest);
    else if (rejected)
        watch_logf(d, "%s: rejected: %s; moved to %s (reason in %s.reason)", j->name, result.error, dest, dest);
    else if (!result.pages_read && result.pages_waiting)
        watch_logf(d, "%s: %zu page%s known by their look wait in review for their code to be typed; archived as %s",
                   j->name, result.pages_waiting, result.pages_waiting == 1 ? "" : "s", dest);
    else if (!result.pages_read)
        watch_logf(d, "%s: %zu blank page%s, nothing to count; archived as %s", j->name, result.pages_blank,
              result.pages_blank == 1 ? "" : "s", dest);
    else {
        char extra[160] = "";
        if (result.pages_blank)
            snprintf(extra, sizeof extra, ", %zu blank", result.pages_blank);
        if (result.pages_waiting) {
            size_t len = strlen(extra);
            snprintf(extra + len, sizeof extra - len, ", %zu waiting in review for their code", result.pages_waiting);
        }
        if (result.pages_rejected > result.pages_waiting) {
            size_t len = strlen(extra);
            snprintf(extra + len, sizeof extra - len, ", %zu not used (see rejects.csv)",
                     result.pages_rejected - result.pages_waiting);
        }
        watch_logf(d, "%s: read %zu page%s%s: %s; archived as %s (%.1f s)", j->name, result.pages_read,
              result.pages_read == 1 ? "" : "s", extra, result.codes, dest, seconds);
    }
    mark_dirty(d, result.comments > 0);
    watch_job_free(j);
}

void *watch_worker_main(void *arg) {
    thread_slot *slot = arg;
    daemon_state *d = slot->d;
    scan_context ctx;
    omr_error err;
    int have_ctx = scan_context_init(&ctx, &d->rt->scan, &err) == OMR_OK;
    if (!have_ctx)
        watch_logf(d, "worker %d: %s", slot->index, err.message);
    omr_db *db = NULL;
    for (;;) {
        pthread_mutex_lock(&d->mu);
        job *j = NULL;
        for (;;) {
            double now = watch_mono_now(), wait = 1.0;
            for (job **p = &d->queue; *p; p = &(*p)->next) {
                if ((*p)->not_before <= now || d->stopping) {
                    j = *p;
                    *p = j->next;
                    d->queued--;
                    break;
                }
                if ((*p)->not_before - now < wait)
                    wait = (*p)->not_before - now;
            }
            if (j && d->stopping && j->not_before > now) {
                /* waiting for a retry: left in processing/ for the next start */
                watch_job_free(j);
                j = NULL;
                continue;
            }
            if (j || (d->stopping && !d->queue))
                break;
            struct timespec until;
            watch_abs_time_after(wait, &until);
            pthread_cond_timedwait(&d->jobs_cv, &d->mu, &until);
        }
        if (!j) {
            pthread_mutex_unlock(&d->mu);
            break;
        }
        d->in_flight++;
        pthread_mutex_unlock(&d->mu);

        if (!db && store_open_existing(d->rt->cfg.db, &db, &err) != OMR_OK) {
            watch_logf(d, "%s: %s; the file waits in %s", j->name, err.message, d->rt->cfg.processing);
            db = NULL;
            job_retry(d, j, d->rt->cfg.retry_seconds);
        } else if (!have_ctx) {
            job_retry(d, j, d->rt->cfg.retry_seconds);
        } else {
            process_job(slot, &ctx, db, j);
        }

        pthread_mutex_lock(&d->mu);
        assert(d->in_flight > 0);
        d->in_flight--;
        pthread_cond_broadcast(&d->idle_cv);
        pthread_cond_signal(&d->export_cv);
        pthread_mutex_unlock(&d->mu);
        if (d->wake_fd >= 0) {
            uint64_t one = 1;
            if (write(d->wake_fd, &one, sizeof one) < 0) {
                /* the main thread still claims on its next round */
            }
        }
    }
    if (have_ctx)
        scan_context_free(&ctx);
    store_close(db);
    return NULL;
}
