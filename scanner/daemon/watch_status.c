/*
 * watch_status.c — what `omr status` shows: whether a daemon holds the
 * processing folder's lock, what waits in the inbox and how long, and the
 * day's counts and last errors from the ledger (read-only, through
 * ledger/watch_state.h). Works while the daemon runs.
 */
#include "daemon/watch_daemon.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <fnmatch.h>
#include <stdio.h>
#include <sys/file.h>

#include "ledger/queue.h"
#include "ledger/store.h"
#include "ledger/watch_state.h"

/* ---- omr status ------------------------------------------------------------------------------ */

static void iso_utc(time_t t, char buf[32]) {
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void status_walk(watch_status *s, const char *root, const char *rel, int depth, time_t *oldest) {
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s%s%s", root, *rel ? "/" : "", rel);
    DIR *dir = opendir(path);
    if (!dir)
        return;
    for (struct dirent *e; (e = readdir(dir));) {
        int ignored = 0;
        for (size_t i = 0; i < sizeof watch_default_ignore / sizeof watch_default_ignore[0]; i++)
            ignored |= fnmatch(watch_default_ignore[i], e->d_name, 0) == 0;
        if (ignored || e->d_name[0] == '.')
            continue;
        char child[PATH_MAX], full[PATH_MAX + 8];
        snprintf(child, sizeof child, "%s%s%s", rel, *rel ? "/" : "", e->d_name);
        snprintf(full, sizeof full, "%s/%s", root, child);
        struct stat st;
        if (lstat(full, &st) != 0)
            continue;
        if (S_ISDIR(st.st_mode) && depth < 16) {
            status_walk(s, root, child, depth + 1, oldest);
        } else if (S_ISREG(st.st_mode)) {
            s->waiting++;
            if (!*oldest || st.st_mtime < *oldest) {
                *oldest = st.st_mtime;
                snprintf(s->oldest_name, sizeof s->oldest_name, "%.511s", child);
            }
        }
    }
    closedir(dir);
}

int watch_status_read(const char *db_path, watch_status *s, omr_error *err) {
    memset(s, 0, sizeof *s);
    struct stat st;
    if (store_is_server(db_path))
        ; /* a PostgreSQL ledger: no file to look for, the connection says */
    else if (stat(db_path, &st) != 0 && errno != EACCES)
        return omr_fail(err, OMR_ERR_IO, "no ledger at %s (give --db PATH, as for omr watch)", db_path);
    if (access(db_path, R_OK) != 0 && errno == EACCES)
        return omr_fail(err, OMR_ERR_IO,
                        "the ledger %s is there, but this user may not read it (permission denied): run omr status "
                        "as the daemon's user (sudo -u omr omr status --db %s) or join its group",
                        db_path, db_path);
    omr_db *db = NULL;
    if (watch_state_open(db_path, &db, err) != OMR_OK)
        return OMR_ERR_IO;
    char pid[32] = "";
    store_get_meta(db, "watch.inbox", s->inbox, sizeof s->inbox, err);
    store_get_meta(db, "watch.processing", s->processing, sizeof s->processing, err);
    store_get_meta(db, "watch.pid", pid, sizeof pid, err);
    store_get_meta(db, "watch.started_at", s->started_at, sizeof s->started_at, err);
    s->n_stations = watch_state_stations(db, s->stations, WATCH_MAX_STATIONS);
    for (size_t i = 0; i < s->n_stations; i++) {
        struct tm seen = {0};
        if (strptime(s->stations[i].seen_at, "%Y-%m-%dT%H:%M:%SZ", &seen))
            s->station_silent_seconds[i] = difftime(time(NULL), timegm(&seen));
    }
    s->pid = atol(pid);
    if (*s->processing) {
        char lock[PATH_MAX + 32];
        snprintf(lock, sizeof lock, "%s/.omr-watch.lock", s->processing);
        int fd = open(lock, O_RDONLY | O_CLOEXEC);
        if (fd >= 0) {
            s->running = flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
            close(fd);
        }
        DIR *dir = opendir(s->processing);
        for (struct dirent *e; dir && (e = readdir(dir));)
            s->in_progress += e->d_name[0] != '.';
        if (dir)
            closedir(dir);
    }
    if (*s->inbox) {
        time_t oldest = 0;
        status_walk(s, s->inbox, "", 0, &oldest);
        if (oldest)
            s->oldest_seconds = difftime(time(NULL), oldest);
    }
    /* today: since local midnight, as UTC text comparable with the ledger's */
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
    char midnight[32], hour_ago[32];
    iso_utc(mktime(&tm), midnight);
    iso_utc(now - 3600, hour_ago);
    watch_state_counts counts;
    watch_state_read(db, midnight, hour_ago, &counts);
    s->done_today = counts.done_today;
    s->rejected_today = counts.rejected_today;
    s->duplicates_today = counts.duplicates_today;
    s->forms_today = counts.forms_today;
    s->forms_last_hour = counts.forms_last_hour;
    s->forms_total = counts.forms_total;
    long long dups = 0, outside = 0;
    queue_count_flagged_returns(db, midnight, &dups, &outside);
    s->second_returns_today = dups > 0 ? (long)dups : 0;
    s->not_in_frame_today = outside > 0 ? (long)outside : 0;
    queue_count_flagged_returns(db, NULL, &dups, &outside);
    s->not_in_frame_total = outside > 0 ? (long)outside : 0;
    s->ocr_waiting = counts.ocr_waiting;
    s->review_open = counts.review_open;
    if (*counts.first_today) {
        struct tm first = {0};
        if (strptime(counts.first_today, "%Y-%m-%dT%H:%M:%SZ", &first)) {
            double hours = difftime(now, timegm(&first)) / 3600.0;
            if (hours < 1.0 / 60)
                hours = 1.0 / 60;
            s->forms_per_hour = (double)s->forms_today / hours;
        }
    }
    s->n_errors = counts.n_errors;
    for (size_t i = 0; i < counts.n_errors; i++) {
        snprintf(s->errors[i].at, sizeof s->errors[i].at, "%s", counts.errors[i].at);
        snprintf(s->errors[i].file, sizeof s->errors[i].file, "%s", counts.errors[i].file);
        snprintf(s->errors[i].message, sizeof s->errors[i].message, "%s", counts.errors[i].message);
    }
    store_close(db);
    return OMR_OK;
}
