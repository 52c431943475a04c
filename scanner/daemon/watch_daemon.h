/*
 * watch_daemon.h — what the files of the daemon share (private to
 * scanner/daemon/watch*.c; the public interface is watch.h).
 *
 *   watch_run.c      the main loop: signals, claiming, stopping, SIGHUP
 *   watch_config.c   the config file, the defaults, and the runtime a
 *                    configuration loads (templates, calibration, folders)
 *   watch_inbox.c    noticing complete files in the inbox, claiming them,
 *                    and recovering what a crash left in processing/
 *   watch_worker.c   the job queue and the reading workers
 *   watch_threads.c  the OCR threads, the exporter, starting and draining
 *   watch_files.c    folders, moves (across disks by copy), target names,
 *                    the .reason note beside a rejected file
 *   watch_status.c   `omr status` (read-only, from the ledger and folders)
 *
 * Shared state is one mutex-protected daemon_state; the runtime is
 * read-only while the threads run.
 */
#ifndef OMR_WATCH_DAEMON_H
#define OMR_WATCH_DAEMON_H

#include <limits.h>
#include <pthread.h>
#include "ledger/db.h"
#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#include "daemon/scan.h"
#include "daemon/watch.h"
#include "forms/template.h"

/* ---- what the threads share ------------------------------------------------------------ */

/* The configuration in force and what it loaded; read-only while threads run. */
typedef struct {
    watch_config cfg;
    omr_template **templates;
    size_t n_templates;
    calibration cal;
    scan_options scan;
    char processing_real[PATH_MAX];
} runtime;

typedef struct job {
    char *path;             /* in the processing folder */
    char *name;             /* the name it had in the inbox */
    char received_at[32];
    long long size;         /* at claim, to see whether it changes while read */
    struct timespec mtime;
    double not_before;      /* monotonic seconds: a retry waits */
    struct job *next;
} job;

typedef struct daemon_state daemon_state;

typedef struct {
    daemon_state *d;
    int index;
    pthread_t thread;
} thread_slot;

struct daemon_state {
    runtime *rt;
    watch_log_fn log;
    void *log_user;
    pthread_mutex_t mu;
    pthread_cond_t jobs_cv, ocr_cv, export_cv, idle_cv;
    job *queue;
    size_t queued, in_flight;
    int stopping;           /* workers: finish the queue without retries, then end */
    int stop_ocr, stop_export;
    int dirty;              /* the ledger changed since the last export */
    int export_now;
    int inbox_quiet;        /* nothing waiting in the inbox */
    double last_export, export_retry_at;
    char export_error[OMR_ERROR_SIZE];
    char ocr_error[OMR_ERROR_SIZE];
    char **reserved;        /* archive/rejected paths being filed right now */
    int *reserved_fd;       /* ... and the locked claim file of each (-2: none could be made) */
    size_t n_reserved;
    unsigned long claims;   /* for unique claim names */
    long files_done, files_rejected, files_duplicate;
    thread_slot *workers, *ocrs, exporter;
    size_t n_workers, n_ocrs;
    int exporter_running;
    int wake_fd;            /* eventfd: a worker is free, the main thread claims the next file */
};


/* ---- the inbox: noticing complete files -------------------------------------------------- */

typedef struct {
    char *name;             /* relative to the inbox */
    long long size;
    struct timespec mtime;
    double changed_at;      /* monotonic: when a change was last seen */
    int writing;            /* inotify: written to and not yet closed */
    int seen;               /* found by the current listing */
    int stuck;              /* could not be claimed; waits for a change */
    char first_seen[32];
} candidate;

typedef struct {
    int wd;
    char *rel;              /* folder relative to the inbox, "" for the inbox */
} dir_watch;

typedef struct {
    candidate *items;
    size_t n, cap;
    dir_watch *watches;
    size_t n_watches;
    int ifd;                /* inotify, or -1 */
    int listing_due;
    candidate *fresh;       /* files new to a listing, merged in at its end */
    size_t n_fresh, cap_fresh;
    struct {
        dev_t dev;
        ino_t ino;
    } skip[4];              /* our own folders, when they lie inside the inbox */
    size_t n_skip;
    char **odd;             /* links, FIFOs, devices found by a listing: set aside (watch_inbox_set_aside) */
    size_t n_odd;
    char **odd_stuck;       /* ... that could not be moved: reported once */
    size_t n_odd_stuck;
} inbox_state;


/* File names in the inbox that are never read (scanner temp names, ...). */
#define WATCH_N_DEFAULT_IGNORE 10
extern const char *const watch_default_ignore[WATCH_N_DEFAULT_IGNORE];

/* ---- watch_run.c: clocks and the log ---------------------------------------------------- */
double watch_mono_now(void);
void watch_abs_time_after(double seconds, struct timespec *ts);
/* One log line, prefixed with the time (UTC). */
void watch_logf(daemon_state *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- watch_config.c ---------------------------------------------------------------- */
/* Replaces *dst with a copy of src, unless src is NULL. */
void watch_set_str(char **dst, const char *src);
void watch_runtime_free(runtime *rt);
int watch_runtime_load(const char *config_path, const watch_config *overrides, runtime **out, omr_error *err);
int watch_runtime_prepare_folders(runtime *rt, omr_error *err);

/* ---- watch_files.c ----------------------------------------------------------------- */
int watch_mkdir_p(const char *path, omr_error *err);
int watch_path_exists(const char *path);
int watch_move_file(const char *src, const char *dst, omr_error *err);
int watch_files_same(const char *a, const char *b);
/* Was src being moved to dst across disks when the daemon was killed (its
 * .NAME.filing note names dst, and dst holds the same bytes)? */
int watch_move_interrupted(const char *src, const char *dst);
/* Removes src's .NAME.filing note. */
void watch_move_done(const char *src);
int watch_move_special(const char *src, const char *dst, int *removed, omr_error *err);
void watch_reserve_target(daemon_state *d, const char *base, const char *name, char *out, size_t size);
void watch_release_target(daemon_state *d, const char *path);
void watch_reason_text(const char *name, const char *received_at, const char *why, const char *dup_of,
                       char *buf, size_t size);

/* ---- watch_worker.c ---------------------------------------------------------------- */
void watch_job_free(job *j);
void watch_queue_push_locked(daemon_state *d, job *j);
void *watch_worker_main(void *arg);

/* ---- watch_threads.c --------------------------------------------------------------- */
int watch_threads_start(daemon_state *d, omr_error *err);
void watch_threads_stop(daemon_state *d);

/* ---- watch_inbox.c ----------------------------------------------------------------- */
void watch_inbox_init(inbox_state *in, const watch_config *c);
void watch_inbox_free(inbox_state *in);
void watch_inbox_list(daemon_state *d, inbox_state *in, double now);
void watch_inbox_events(daemon_state *d, inbox_state *in, double now);
long watch_inbox_pick(const inbox_state *in, const watch_config *c, double now);
size_t watch_inbox_waiting(const inbox_state *in);
void watch_claim(daemon_state *d, inbox_state *in, size_t index, omr_db *db);
void watch_inbox_set_aside(daemon_state *d, inbox_state *in, omr_db *db);
size_t watch_recover_processing(daemon_state *d);

#endif
