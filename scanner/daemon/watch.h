/*
 * watch.h — the mailroom daemon behind `omr watch`: turns every scan file
 * dropped into an inbox folder (often a network share) into records, and
 * never loses or double-counts one, whatever happens to the machine.
 *
 *   notice    inotify on the inbox and its subfolders, and a periodic listing
 *             (network shares deliver no inotify events). A file is complete
 *             when nobody is writing it (inotify: closed after its last
 *             change) and its size and time have not changed for
 *             settle_seconds. Scanner temp names (*.tmp, ~*, .*, ...) are
 *             never read.
 *   claim     an atomic rename into the processing folder (same disk as the
 *             inbox), so a file is read by one worker, once.
 *   read      a pool of worker threads, each with its own zbar reader and
 *             ledger connection, through the pipeline shared with `omr scan`
 *             (scan.c): one ledger transaction per file (store.c). Content
 *             already in the ledger (same SHA-256) is archived, not counted.
 *   file      to archive/<date>/<name>, or to rejected/<date>/<name> with
 *             <name>.reason beside it saying, for a person, why. Never over
 *             a file already there (RENAME_NOREPLACE); each name is claimed
 *             by a locked .<name>.omr-claim while it is filed, so daemons
 *             sharing these folders never pick the same one. Links, FIFOs
 *             and devices in the inbox are never opened: set aside into
 *             rejected/ with their reason.
 *   OCR       background threads, each with its own Tesseract, work the
 *             ledger's queue of comments; marks never wait for them.
 *   export    an exporter thread rewrites every output from the ledger (temp
 *             file, fsync, rename) at most every export_seconds while busy,
 *             and at once when idle; at start-up (repair) and at the end.
 *
 * Crash safety: a kill at any moment loses nothing. Files left in the
 * processing folder are read again on start-up; a file whose content the
 * ledger already holds as done goes to where the ledger says it was filed,
 * without being counted again (a move across disks notes its target first,
 * so a kill between copy and delete only finishes the move). The ledger is
 * watched by device and inode: deleted or replaced, the daemon stops (see
 * watch_run). SIGTERM and SIGINT drain (the files in hand
 * are finished) and stop; SIGHUP re-reads the config file. A ledger or
 * output write that fails (disk full, read-only folder) is reported in plain
 * words and retried every retry_seconds; the file waits in processing/.
 */
#ifndef OMR_WATCH_H
#define OMR_WATCH_H

#include <stdio.h>

#include "base/common.h"
#include "ledger/watch_state.h"

typedef struct {
    char *inbox, *processing, *archive, *rejected, *out, *db;
    char **templates;        /* names or paths, as for omr scan */
    size_t n_templates;
    char *calibration;
    int workers;             /* reading threads */
    int ocr;                 /* 1: comments are OCR'd in the background; 0: they go to review */
    int ocr_workers;         /* OCR threads (each loads Tesseract) */
    char *languages;         /* Tesseract languages, "swe+eng" */
    double settle_seconds;   /* unchanged this long (and not being written): complete */
    double poll_seconds;     /* listing interval */
    double export_seconds;   /* longest wait between outputs while busy */
    double retry_seconds;    /* wait after a failed ledger or output write */
    char **ignore;           /* fnmatch patterns of file names never read */
    size_t n_ignore;
    int exit_when_idle;      /* stop by itself once the inbox is empty and everything is done */
    int create_folders;      /* 1: make missing folders and their parents; 0: the inbox must exist, and
                              * processing/archive/rejected/out are made only inside existing folders */
} watch_config;

/* "Not set" in an override: NULL, 0 entries, -1. */
void watch_config_unset(watch_config *c);
/* The defaults (see omr-watch.conf.example). */
void watch_config_defaults(watch_config *c);
void watch_config_free(watch_config *c);
/* Copies every field that is set in `over` onto `c`. */
void watch_config_overlay(watch_config *c, const watch_config *over);
/* Reads a libconfig file onto `c` (keys present replace c's values; paths
 * relative to the file's folder). Unknown or mistyped keys are refused with
 * "FILE:LINE: ..." in err. */
int watch_config_read(const char *path, watch_config *c, omr_error *err);
/* Is the configuration complete and sane? (inbox, archive, rejected, out and
 * a template given; numbers in range.) */
int watch_config_check(const watch_config *c, omr_error *err);

/* Receives every log line (one per file, plus start, stop, errors); may be
 * called from several threads at once, one line per call, no newline. */
typedef void (*watch_log_fn)(void *user, const char *line);

/* Runs the daemon until SIGTERM or SIGINT (or, with exit_when_idle, until
 * there is nothing left to do). `config_path` (may be NULL) is read first
 * and again on SIGHUP, then `overrides` are applied on top. Blocks SIGTERM,
 * SIGINT, SIGHUP (handled through a signalfd) and ignores SIGPIPE and SIGXFSZ
 * (a full file-size limit is an error to report, not a death).
 * Returns OMR_OK after a clean stop; OMR_ERR_INVALID for a configuration
 * that cannot be used (err says why; a missing inbox too, unless
 * create_folders), OMR_ERR_IO when the folders or the ledger cannot be used
 * at start, OMR_ERR_NOT_FOUND when the ledger file was deleted or replaced
 * while it ran (checked by device and inode every round of the main loop):
 * it stops, saves what the open ledger held as DB.rescued-TIME and err says
 * to put it back. At start-up a new or empty ledger beside an archive that
 * holds files is warned about in the log and as an error event. */
int watch_run(const char *config_path, const watch_config *overrides, watch_log_fn log, void *user,
              omr_error *err);

/* What `omr status` shows. */
typedef struct {
    int running;             /* a daemon holds the processing folder's lock */
    long pid;
    char started_at[32];
    char inbox[1024], processing[1024];
    long waiting;            /* files in the inbox (not temp names) */
    char oldest_name[512];   /* the oldest of them */
    double oldest_seconds;   /* how long it has waited */
    long in_progress;        /* files in the processing folder */
    long done_today, rejected_today, duplicates_today; /* since local midnight */
    long forms_today, forms_last_hour, forms_total;
    long second_returns_today, not_in_frame_today; /* of forms_today: a code's second paper
                                                      return, a code outside the frame */
    long not_in_frame_total; /* every return flagged not_in_frame (also those flagged when a
                                frame was imported after they were scanned) */
    double forms_per_hour;   /* forms today / hours since the first file today */
    long ocr_waiting, review_open;
    struct {
        char at[32], file[512], message[1024];
    } errors[5];             /* the last errors, newest first */
    size_t n_errors;
    watch_station stations[WATCH_MAX_STATIONS]; /* every station on this ledger, last seen first */
    size_t n_stations;
    double station_silent_seconds[WATCH_MAX_STATIONS]; /* since each was last seen */
} watch_status;

/* Reads the status from the ledger at `db_path` (and the folders the daemon
 * recorded there). */
int watch_status_read(const char *db_path, watch_status *out, omr_error *err);

#endif
