/*
 * scan_jobs.c — an ordered worker pool (scan_jobs.h). Workers claim the next
 * index while it lies within `window` of the consumer's position, work on it
 * outside the lock, and put the result in the ring slot index % window; the
 * consumer takes index 0, 1, 2, ... as each becomes ready. One mutex and one
 * condition variable; nothing else is shared.
 */
#include "daemon/scan_jobs.h"

#include <assert.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct scan_jobs {
    scan_jobs_spec spec;
    pthread_mutex_t mu;
    pthread_cond_t changed;
    size_t next_claim;   /* next index a worker takes */
    size_t next_take;    /* next index the consumer takes */
    int stop;
    int locks_made;
    unsigned char *slots; /* window * slot_size */
    unsigned char *ready; /* window flags */
    pthread_t *threads;
    int n_started;
    struct scan_jobs_worker {
        scan_jobs *jobs;
        void *state;
    } *args;
};

static void *scan_jobs_run(void *arg) {
    struct scan_jobs_worker *w = arg;
    scan_jobs *j = w->jobs;
    const scan_jobs_spec *s = &j->spec;
    unsigned char *result = malloc(s->slot_size ? s->slot_size : 1);
    for (;;) {
        pthread_mutex_lock(&j->mu);
        while (!j->stop && j->next_claim < s->n_items && j->next_claim >= j->next_take + s->window)
            pthread_cond_wait(&j->changed, &j->mu);
        if (j->stop || j->next_claim >= s->n_items || !result) {
            pthread_mutex_unlock(&j->mu);
            break;
        }
        size_t index = j->next_claim++;
        pthread_mutex_unlock(&j->mu);

        memset(result, 0, s->slot_size);
        s->work(w->state, index, result, s->user);

        pthread_mutex_lock(&j->mu);
        size_t at = index % s->window;
        assert(!j->ready[at]);
        memcpy(j->slots + at * s->slot_size, result, s->slot_size);
        j->ready[at] = 1;
        pthread_cond_broadcast(&j->changed);
        pthread_mutex_unlock(&j->mu);
    }
    free(result);
    return NULL;
}

int scan_jobs_start(const scan_jobs_spec *spec, scan_jobs **out, omr_error *err) {
    assert(spec && spec->n_workers >= 1 && spec->work && spec->slot_size > 0);
    *out = NULL;
    scan_jobs *j = calloc(1, sizeof *j);
    if (!j)
        return omr_fail(err, OMR_ERR_MEMORY, "out of memory starting %d reading threads", spec->n_workers);
    j->spec = *spec;
    if (!j->spec.window)
        j->spec.window = 2 * (size_t)spec->n_workers;
    j->slots = calloc(j->spec.window, spec->slot_size);
    j->ready = calloc(j->spec.window, 1);
    j->threads = calloc((size_t)spec->n_workers, sizeof *j->threads);
    j->args = calloc((size_t)spec->n_workers, sizeof *j->args);
    if (!j->slots || !j->ready || !j->threads || !j->args) {
        scan_jobs_stop(j);
        return omr_fail(err, OMR_ERR_MEMORY, "out of memory starting %d reading threads", spec->n_workers);
    }
    pthread_mutex_init(&j->mu, NULL);
    pthread_cond_init(&j->changed, NULL);
    j->locks_made = 1;
    for (int i = 0; i < spec->n_workers; i++) {
        j->args[i] = (struct scan_jobs_worker){j, spec->workers[i]};
        if (pthread_create(&j->threads[i], NULL, scan_jobs_run, &j->args[i]) != 0)
            break;
        j->n_started++;
    }
    if (j->n_started == 0) {
        scan_jobs_stop(j);
        return omr_fail(err, OMR_ERR_MEMORY, "cannot start a reading thread");
    }
    *out = j;
    return OMR_OK;
}

void scan_jobs_take(scan_jobs *j, size_t index, void *slot) {
    const scan_jobs_spec *s = &j->spec;
    assert(index == j->next_take && index < s->n_items);
    size_t at = index % s->window;
    pthread_mutex_lock(&j->mu);
    while (!j->ready[at])
        pthread_cond_wait(&j->changed, &j->mu);
    memcpy(slot, j->slots + at * s->slot_size, s->slot_size);
    j->ready[at] = 0;
    j->next_take = index + 1;
    pthread_cond_broadcast(&j->changed);
    pthread_mutex_unlock(&j->mu);
}

void scan_jobs_stop(scan_jobs *j) {
    if (!j)
        return;
    if (j->threads && j->n_started) {
        pthread_mutex_lock(&j->mu);
        j->stop = 1;
        pthread_cond_broadcast(&j->changed);
        pthread_mutex_unlock(&j->mu);
        for (int i = 0; i < j->n_started; i++)
            pthread_join(j->threads[i], NULL);
    }
    if (j->locks_made) {
        pthread_mutex_destroy(&j->mu);
        pthread_cond_destroy(&j->changed);
    }
    for (size_t i = 0; j->ready && i < j->spec.window; i++)
        if (j->ready[i] && j->spec.discard)
            j->spec.discard(j->slots + i * j->spec.slot_size, j->spec.user);
    free(j->slots);
    free(j->ready);
    free(j->threads);
    free(j->args);
    free(j);
}
