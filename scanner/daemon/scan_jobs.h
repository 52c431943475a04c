/*
 * scan_jobs.h — `omr scan --jobs N`: items (scan files) worked on by N
 * threads and handed back strictly in input order, so that whatever the
 * consumer does with them (store_write_file, one transaction per file) happens
 * in the same order as with one thread and the ledger, hence every output,
 * is byte for byte the same. At most `window` items are done but not yet
 * taken, so memory stays flat in the number of items.
 *
 * The pool knows nothing of scans: each worker gets its own state (a
 * scan_context: its own zbar reader, masks, Tesseract), made by the caller,
 * and a `work` function fills a slot of `slot_size` bytes for one index.
 */
#ifndef OMR_SCAN_JOBS_H
#define OMR_SCAN_JOBS_H

#include <stddef.h>

#include "base/common.h"

typedef struct {
    size_t n_items;
    int n_workers;          /* >= 1 threads, each with workers[i] */
    void *const *workers;   /* per-thread state, owned by the caller */
    size_t window;          /* items done ahead of the consumer at most; 0: 2 per worker */
    size_t slot_size;       /* bytes of one item's result */
    /* Fills `slot` with item `index`'s result; runs in a worker thread. */
    void (*work)(void *worker, size_t index, void *slot, void *user);
    /* Frees a result that was made but never taken (after scan_jobs_stop early). */
    void (*discard)(void *slot, void *user);
    void *user;
} scan_jobs_spec;

typedef struct scan_jobs scan_jobs;

/* Starts the threads. OMR_OK with *out set, or an error (nothing started). */
int scan_jobs_start(const scan_jobs_spec *spec, scan_jobs **out, omr_error *err);

/* Waits for item `index` and copies its result into `slot` (the caller owns
 * it then). Must be called with index 0, 1, 2, ... in turn. */
void scan_jobs_take(scan_jobs *jobs, size_t index, void *slot);

/* Stops handing out items, joins the threads, discards results not taken
 * and frees the pool. NULL is allowed. */
void scan_jobs_stop(scan_jobs *jobs);

#endif
