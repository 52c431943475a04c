/*
 * watch_run.c — the mailroom daemon's main loop, watch_run() (see watch.h for
 * the design in brief, watch_daemon.h for how the files divide it; watch.h
 * is the interface of them all, so no file is called watch.c).
 *
 * Threads: the main thread notices and claims files (inotify + listing) and
 * handles signals; N workers read claimed files into the ledger; M OCR
 * threads work the ledger's comment queue; one exporter rewrites the
 * outputs. Each thread that touches the ledger has its own connection; the
 * workers and OCR threads each have their own scan_context (zbar, Tesseract).
 * Shared state is one mutex-protected struct: the queue of claimed files,
 * counters, the "ledger changed" flag, and the target names being filed.
 * Library code: nothing is printed; every line goes to the log callback.
 */
#include "daemon/watch_daemon.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/eventfd.h>
#include <sys/file.h>
#include <sys/signalfd.h>

#include "ledger/store.h"
#include "ledger/watch_state.h"

double watch_mono_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

void watch_abs_time_after(double seconds, struct timespec *ts) {
    clock_gettime(CLOCK_MONOTONIC, ts);
    double whole = floor(seconds);
    ts->tv_sec += (time_t)whole;
    ts->tv_nsec += (long)((seconds - whole) * 1e9);
    if (ts->tv_nsec >= 1000000000L) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000L;
    }
}

static void cond_init(pthread_cond_t *cv) {
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(cv, &attr);
    pthread_condattr_destroy(&attr);
}

void watch_logf(daemon_state *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void watch_logf(daemon_state *d, const char *fmt, ...) {
    char line[2400], now[32];
    store_now(now);
    int n = snprintf(line, sizeof line, "%s ", now);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
    va_end(ap);
    if (d->log)
        d->log(d->log_user, line);
}


/* ---- the daemon ---------------------------------------------------------------------------- */

/* Holds the processing folder's lock: one daemon per inbox. */
static int take_lock(const runtime *rt, int *fd, omr_error *err) {
    char path[PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/.omr-watch.lock", rt->cfg.processing);
    *fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
    if (*fd < 0)
        return omr_fail(err, OMR_ERR_IO, "cannot create %s: %s", path, strerror(errno));
    if (flock(*fd, LOCK_EX | LOCK_NB) != 0) {
        close(*fd);
        *fd = -1;
        return omr_fail(err, OMR_ERR_INVALID,
                        "another omr watch is already reading this inbox (it holds %s); stop it first", path);
    }
    return OMR_OK;
}

/* This station alive in the ledger's stations table (several stations may
 * share one PostgreSQL ledger; omr status lists them): at start and every
 * few seconds. */
static void station_beat(const runtime *rt, omr_db *db, const char *started_at) {
    char host[256] = "", id[PATH_MAX + 300], buf[PATH_MAX];
    if (gethostname(host, sizeof host - 1) != 0)
        snprintf(host, sizeof host, "localhost");
    snprintf(id, sizeof id, "%s:%s", host, rt->processing_real);
    omr_error err;
    watch_state_station_beat(db, id, realpath(rt->cfg.inbox, buf) ? buf : rt->cfg.inbox, (long)getpid(), started_at,
                             &err);
}

static void record_meta(const runtime *rt, omr_db *db, char now[32]) {
    omr_error err;
    char buf[PATH_MAX], pid[32], ids[1024] = "";
    store_now(now);
    station_beat(rt, db, now);
    snprintf(pid, sizeof pid, "%ld", (long)getpid());
    store_set_meta(db, "watch.inbox", realpath(rt->cfg.inbox, buf) ? buf : rt->cfg.inbox, &err);
    store_set_meta(db, "watch.processing", rt->processing_real, &err);
    store_set_meta(db, "watch.pid", pid, &err);
    store_set_meta(db, "watch.started_at", now, &err);
    for (size_t i = 0; i < rt->n_templates; i++) {
        size_t len = strlen(ids);
        snprintf(ids + len, sizeof ids - len, "%s%s", i ? " " : "", rt->templates[i]->id);
    }
    store_set_meta(db, "templates", ids, &err);
}

/* Does `dir` hold a file, in it or in a subfolder (claim and reason notes
 * aside)? */
static int holds_files(const char *dir, int depth) {
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    int found = 0;
    for (struct dirent *e; !found && (e = readdir(d));) {
        if (e->d_name[0] == '.')
            continue;
        char path[PATH_MAX];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        struct stat st;
        if (lstat(path, &st) != 0)
            continue;
        if (S_ISDIR(st.st_mode))
            found = depth < 4 && holds_files(path, depth + 1);
        else
            found = S_ISREG(st.st_mode);
    }
    closedir(d);
    return found;
}

/* At start-up: a ledger that is new, or holds no file, while the archive
 * holds files already read, was most likely deleted, moved or replaced. Said
 * loudly in the log and as an error in the ledger (omr status shows it). */
static void warn_if_ledger_lost(daemon_state *d, omr_db *db, int created) {
    const watch_config *c = &d->rt->cfg;
    if (watch_state_file_count(db) > 0)
        return;
    const char *full = holds_files(c->archive, 0) ? c->archive : holds_files(c->rejected, 0) ? c->rejected : NULL;
    if (!full)
        return;
    char message[3 * PATH_MAX];
    snprintf(message, sizeof message,
             "WARNING: the ledger %s %s, but the %s %s holds files already received: was the ledger deleted, "
             "moved or replaced? Their records are not in this ledger, and the outputs will not show them. Stop "
             "omr watch and restore the ledger from the backup (or a omr.db.rescued-* copy beside it), unless a "
             "new survey is meant to start with this archive folder",
             c->db, created ? "was just created" : "holds no files", full == c->archive ? "archive" : "rejected folder",
             full);
    watch_logf(d, "%s", message);
    omr_error err;
    store_log_event(db, "error", "", message, &err);
}

/* The ledger's file while the daemon runs: still the one it opened? */
static int ledger_still_there(const char *path, const struct stat *opened, char *why, size_t size) {
    struct stat st;
    if (stat(path, &st) != 0) {
        int e = errno;
        snprintf(why, size, "%s", e == ENOENT || e == ENOTDIR ? "deleted or moved away" : strerror(e));
        return e != ENOENT && e != ENOTDIR; /* cannot look (a share gone for a moment): not a loss */
    }
    if (st.st_dev != opened->st_dev || st.st_ino != opened->st_ino) {
        snprintf(why, size, "replaced by another file");
        return 0;
    }
    return 1;
}

/* Nothing waits, nothing is in hand, the outputs are written, and no comment
 * waits for OCR. */
static int all_done(daemon_state *d, const inbox_state *in, omr_db *db) {
    if (watch_inbox_waiting(in))
        return 0;
    pthread_mutex_lock(&d->mu);
    int busy = d->queued || d->in_flight || d->dirty || d->export_now || *d->export_error;
    pthread_mutex_unlock(&d->mu);
    if (busy)
        return 0;
    if (d->rt->cfg.ocr && d->rt->cfg.ocr_workers > 0) {
        long long pending = 0;
        omr_error err;
        if (store_count_pending_texts(db, &pending, &err) != OMR_OK || pending > 0)
            return 0;
    }
    return 1;
}

static void describe(daemon_state *d, const char *what) {
    const watch_config *c = &d->rt->cfg;
    watch_logf(d, "%s %s: %d worker%s, comments %s; ledger %s; outputs in %s; archive %s; rejected %s; files "
             "complete after %.1f s unchanged, listing every %.1f s",
          what, c->inbox, c->workers, c->workers == 1 ? "" : "s",
          !c->ocr ? "to review (no OCR)" : c->ocr_workers ? "by background OCR" : "waiting (no OCR threads)", c->db,
          c->out, c->archive, c->rejected, c->settle_seconds, c->poll_seconds);
}

/* SIGHUP: the config file again. Folders that hold state (inbox, processing,
 * ledger) keep their values until a restart. */
static void reload(daemon_state *d, const char *config_path, const watch_config *overrides, inbox_state *in) {
    runtime *next = NULL;
    omr_error err;
    if (watch_runtime_load(config_path, overrides, &next, &err) != OMR_OK) {
        watch_logf(d, "configuration not reloaded (the old one stays in force): %s", err.message);
        return;
    }
    const watch_config *old = &d->rt->cfg;
    const char *fixed[][2] = {{old->inbox, next->cfg.inbox}, {old->processing, next->cfg.processing},
                              {old->db, next->cfg.db}};
    for (size_t i = 0; i < 3; i++)
        if (strcmp(fixed[i][0], fixed[i][1]) != 0)
            watch_logf(d, "reload: %s stays %s until omr watch is restarted", i == 0 ? "the inbox" : i == 1 ? "the processing folder" : "the ledger",
                  fixed[i][0]);
    watch_set_str(&next->cfg.inbox, old->inbox);
    watch_set_str(&next->cfg.processing, old->processing);
    watch_set_str(&next->cfg.db, old->db);
    next->scan.db_path = next->cfg.db;
    if (watch_runtime_prepare_folders(next, &err) != OMR_OK) {
        watch_logf(d, "configuration not reloaded (the old one stays in force): %s", err.message);
        watch_runtime_free(next);
        return;
    }
    watch_threads_stop(d);
    runtime *old_rt = d->rt;
    d->rt = next;
    watch_runtime_free(old_rt);
    watch_inbox_free(in);
    watch_inbox_init(in, &d->rt->cfg);
    watch_recover_processing(d);
    if (watch_threads_start(d, &err) != OMR_OK)
        watch_logf(d, "after reload: %s", err.message);
    describe(d, "reloaded; watching");
}

int watch_run(const char *config_path, const watch_config *overrides, watch_log_fn log, void *user,
              omr_error *err) {
    runtime *rt = NULL;
    int rc = watch_runtime_load(config_path, overrides, &rt, err);
    if (rc != OMR_OK)
        return rc;
    rc = watch_runtime_prepare_folders(rt, err);
    if (rc != OMR_OK) {
        watch_runtime_free(rt);
        return rc;
    }
    int lock_fd = -1;
    rc = take_lock(rt, &lock_fd, err);
    if (rc != OMR_OK) {
        watch_runtime_free(rt);
        return rc;
    }
    omr_db *db = NULL;
    struct stat ledger_st;
    int server = store_is_server(rt->cfg.db); /* a PostgreSQL ledger: no file to watch over */
    memset(&ledger_st, 0, sizeof ledger_st);
    int ledger_created = !server && stat(rt->cfg.db, &ledger_st) != 0;
    rc = store_open(rt->cfg.db, &db, err);
    if (rc == OMR_OK && !server && stat(rt->cfg.db, &ledger_st) != 0)
        rc = omr_fail(err, OMR_ERR_IO, "cannot look at the ledger %s: %s", rt->cfg.db, strerror(errno));
    if (rc != OMR_OK) {
        store_close(db);
        close(lock_fd);
        watch_runtime_free(rt);
        return rc;
    }
    int forgotten = 0;
    store_forget_unfinished(db, &forgotten, err);
    char started_at[32];
    record_meta(rt, db, started_at);
    double next_beat = 0;

    signal(SIGPIPE, SIG_IGN);
    signal(SIGXFSZ, SIG_IGN);
    sigset_t signals, old_mask;
    sigemptyset(&signals);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &signals, &old_mask);
    int sfd = signalfd(-1, &signals, SFD_NONBLOCK | SFD_CLOEXEC);

    daemon_state d = {0};
    d.rt = rt;
    d.log = log;
    d.log_user = user;
    pthread_mutex_init(&d.mu, NULL);
    cond_init(&d.jobs_cv);
    cond_init(&d.ocr_cv);
    cond_init(&d.export_cv);
    cond_init(&d.idle_cv);
    d.wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    inbox_state in;
    watch_inbox_init(&in, &rt->cfg);
    if (in.ifd < 0)
        watch_logf(&d, "inotify is not available (%s); noticing new files by listing only", strerror(errno));

    warn_if_ledger_lost(&d, db, ledger_created);
    if (!server && (ledger_st.st_mode & S_IROTH))
        watch_logf(&d, "the ledger %s can be read by every user of this machine (mode %03o), but it holds personal "
                   "data: chmod 600 %s (or 640 for a group of staff)", rt->cfg.db,
                   (unsigned)(ledger_st.st_mode & 0777), rt->cfg.db);
    size_t recovered = watch_recover_processing(&d);
    describe(&d, "watching");
    if (recovered)
        watch_logf(&d, "%zu file%s left in %s by the last run: read again (nothing is counted twice)", recovered,
              recovered == 1 ? "" : "s", rt->cfg.processing);
    rc = watch_threads_start(&d, err);

    double next_listing = 0;
    int stop = rc != OMR_OK, ledger_lost = 0;
    char lost_why[256] = "";
    while (!stop) {
        struct pollfd fds[3] = {{sfd, POLLIN, 0}, {d.wake_fd, POLLIN, 0}, {in.ifd, POLLIN, 0}};
        poll(fds, in.ifd >= 0 ? 3 : 2, 200);
        double now = watch_mono_now();
        uint64_t wakes;
        if (d.wake_fd >= 0 && read(d.wake_fd, &wakes, sizeof wakes) < 0) {
            /* nothing to drain */
        }
        struct signalfd_siginfo si;
        while (sfd >= 0 && read(sfd, &si, sizeof si) == (ssize_t)sizeof si) {
            if (si.ssi_signo == SIGHUP) {
                watch_logf(&d, "SIGHUP: reloading %s", config_path ? config_path : "(no config file; flags only)");
                reload(&d, config_path, overrides, &in);
                next_listing = 0;
            } else {
                watch_logf(&d, "%s: finishing the files in hand, then stopping", si.ssi_signo == SIGTERM ? "SIGTERM" : "SIGINT");
                stop = 1;
            }
        }
        if (stop)
            break;
        if (!server && !ledger_still_there(d.rt->cfg.db, &ledger_st, lost_why, sizeof lost_why)) {
            watch_logf(&d, "the ledger %s was %s while omr watch ran: stopping, so that nothing more is recorded "
                       "where no one can see it", d.rt->cfg.db, lost_why);
            ledger_lost = stop = 1;
            break;
        }
        if (now >= next_beat) {
            station_beat(d.rt, db, started_at);
            next_beat = now + 5;
        }
        const watch_config *c = &d.rt->cfg;
        if (in.ifd >= 0 && (fds[2].revents & POLLIN))
            watch_inbox_events(&d, &in, now);
        if (now >= next_listing || in.listing_due) {
            watch_inbox_list(&d, &in, now);
            watch_inbox_set_aside(&d, &in, db);
            next_listing = now + c->poll_seconds;
        }
        /* claim while a worker would otherwise wait (one spare in the queue) */
        for (;;) {
            pthread_mutex_lock(&d.mu);
            size_t busy = d.queued + d.in_flight;
            pthread_mutex_unlock(&d.mu);
            if (busy >= (size_t)c->workers + 1)
                break;
            long pick = watch_inbox_pick(&in, c, now);
            if (pick < 0)
                break;
            watch_claim(&d, &in, (size_t)pick, db);
        }
        pthread_mutex_lock(&d.mu);
        int quiet = in.n == 0;
        if (quiet != d.inbox_quiet) {
            d.inbox_quiet = quiet;
            pthread_cond_signal(&d.export_cv);
        }
        pthread_mutex_unlock(&d.mu);
        if (c->exit_when_idle && all_done(&d, &in, db)) {
            watch_logf(&d, "nothing left to do; stopping (--exit-when-idle)");
            stop = 1;
        }
    }
    watch_threads_stop(&d);
    if (ledger_lost) {
        /* what the daemon recorded is still in the open (deleted) file: saved */
        char rescued[PATH_MAX + 64], stamp[32];
        store_now(stamp);
        for (char *p = stamp; *p; p++)
            if (*p == ':')
                *p = '-';
        snprintf(rescued, sizeof rescued, "%s.rescued-%s", d.rt->cfg.db, stamp);
        omr_error rerr;
        int saved = store_rescue(db, rescued, &rerr) == OMR_OK;
        int replaced = strcmp(lost_why, "replaced by another file") == 0;
        if (!saved)
            rc = omr_fail(err, OMR_ERR_NOT_FOUND,
                          "the ledger %s was %s while omr watch ran; stopped. It could not be saved (%s): restore "
                          "it from the backup, then start omr watch again", d.rt->cfg.db, lost_why, rerr.message);
        else if (replaced)
            rc = omr_fail(err, OMR_ERR_NOT_FOUND,
                          "the ledger %s was replaced by another file while omr watch ran; stopped. What the "
                          "daemon had recorded is saved as %s: unless the new file is meant (a restored backup), "
                          "put the saved one in its place; then start omr watch again", d.rt->cfg.db, rescued);
        else
            rc = omr_fail(err, OMR_ERR_NOT_FOUND,
                          "the ledger %s was %s while omr watch ran; stopped. What it held is saved as %s: put "
                          "it back in place of %s (or restore the ledger from the backup), then start omr watch "
                          "again. Files waiting in the inbox and the processing folder are kept",
                          d.rt->cfg.db, lost_why, rescued, d.rt->cfg.db);
        watch_logf(&d, "%s", err ? err->message : "the ledger was lost");
    }
    watch_logf(&d, "stopped: %ld file%s read, %ld rejected, %ld duplicate%s since start", d.files_done,
          d.files_done == 1 ? "" : "s", d.files_rejected, d.files_duplicate, d.files_duplicate == 1 ? "" : "s");
    watch_inbox_free(&in);
    for (size_t i = 0; i < d.n_reserved; i++)
        free(d.reserved[i]);
    free(d.reserved);
    free(d.reserved_fd);
    pthread_mutex_destroy(&d.mu);
    pthread_cond_destroy(&d.jobs_cv);
    pthread_cond_destroy(&d.ocr_cv);
    pthread_cond_destroy(&d.export_cv);
    pthread_cond_destroy(&d.idle_cv);
    if (sfd >= 0)
        close(sfd);
    if (d.wake_fd >= 0)
        close(d.wake_fd);
    pthread_sigmask(SIG_SETMASK, &old_mask, NULL);
    store_close(db);
    close(lock_fd);
    watch_runtime_free(d.rt);
    return rc;
}

