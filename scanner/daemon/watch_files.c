/*
 * watch_files.c — filing a claimed file: folders made on demand, a move
 * that falls back to copy (temporary name, fsync, rename) across disks, free
 * target names archive|rejected/<day>/<name> reserved while a worker files
 * there, and the NAME.reason note a person reads beside a rejected file.
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

#include "base/files.h"

/* Creates a folder and its parents. */
int watch_mkdir_p(const char *path, omr_error *err) {
    char buf[PATH_MAX];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + 1; *p; p++)
        if (*p == '/') {
            *p = 0;
            if (mkdir(buf, 0777) != 0 && errno != EEXIST)
                return omr_fail(err, OMR_ERR_IO, "cannot create the folder %s: %s", buf, strerror(errno));
            *p = '/';
        }
    if (mkdir(buf, 0777) != 0 && errno != EEXIST)
        return omr_fail(err, OMR_ERR_IO, "cannot create the folder %s: %s", buf, strerror(errno));
    struct stat st;
    if (stat(buf, &st) != 0 || !S_ISDIR(st.st_mode))
        return omr_fail(err, OMR_ERR_IO, "%s is not a folder", buf);
    return OMR_OK;
}

int watch_path_exists(const char *path) {
    struct stat st;
    return lstat(path, &st) == 0;
}

/* Copies src to dst (for a move across disks) through the one atomic file
 * (base/files.h): dst.tmp.<pid>, fsync, rename, fsync of the folder. */
static int copy_file(const char *src, const char *dst, omr_error *err) {
    int in = open(src, O_RDONLY | O_CLOEXEC);
    if (in < 0)
        return omr_fail(err, OMR_ERR_IO, "cannot read %s: %s", src, strerror(errno));
    omr_atomic_file out;
    int rc = omr_atomic_open_path(&out, dst, err);
    if (rc != OMR_OK) {
        close(in);
        return rc;
    }
    char buf[1 << 16];
    ssize_t n;
    while ((n = read(in, buf, sizeof buf)) > 0)
        if (fwrite(buf, 1, (size_t)n, out.fp) != (size_t)n)
            break;
    int saved = errno;
    close(in);
    if (n < 0) {
        omr_atomic_abort(&out);
        return omr_fail(err, OMR_ERR_IO, "cannot copy %s to %s: %s", src, dst, strerror(saved));
    }
    omr_error werr;
    if (omr_atomic_commit(&out, &werr) != OMR_OK)
        return omr_fail(err, OMR_ERR_IO, "cannot copy %s to %s: %s", src, dst, werr.message);
    return OMR_OK;
}

/* Moves a file to dst, creating dst's folder; across disks by copying. */
int watch_move_file(const char *src, const char *dst, omr_error *err) {
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s", dst);
    char *slash = strrchr(dir, '/');
    if (slash && slash != dir) {
        *slash = 0;
        int rc = watch_mkdir_p(dir, err);
        if (rc != OMR_OK)
            return rc;
    }
    if (rename(src, dst) == 0)
        return OMR_OK;
    if (errno != EXDEV)
        return omr_fail(err, OMR_ERR_IO, "cannot move %s to %s: %s", src, dst, strerror(errno));
    int rc = copy_file(src, dst, err);
    if (rc == OMR_OK)
        unlink(src);
    return rc;
}

/* Today's date, local time, for the archive's day folders. */
static void local_day(char buf[16]) {
    time_t t = time(NULL);
    struct tm tm;
    localtime_r(&t, &tm);
    strftime(buf, 16, "%Y-%m-%d", &tm);
}

static int reserved_has(daemon_state *d, const char *path) {
    for (size_t i = 0; i < d->n_reserved; i++)
        if (strcmp(d->reserved[i], path) == 0)
            return 1;
    return 0;
}

/* Picks a free name base/<day>/<name> (adding -2, -3 ... before the
 * extension when taken) and reserves it until released. */
void watch_reserve_target(daemon_state *d, const char *base, const char *name, char *out, size_t size) {
    char day[16];
    local_day(day);
    const char *dot = strrchr(name, '.');
    const char *slash = strrchr(name, '/');
    if (dot && (dot == name || (slash && dot < slash) || (slash && dot == slash + 1)))
        dot = NULL;
    pthread_mutex_lock(&d->mu);
    for (int n = 1;; n++) {
        if (n == 1)
            snprintf(out, size, "%s/%s/%s", base, day, name);
        else if (dot)
            snprintf(out, size, "%s/%s/%.*s-%d%s", base, day, (int)(dot - name), name, n, dot);
        else
            snprintf(out, size, "%s/%s/%s-%d", base, day, name, n);
        char reason[PATH_MAX + 16];
        snprintf(reason, sizeof reason, "%s.reason", out);
        if (!watch_path_exists(out) && !watch_path_exists(reason) && !reserved_has(d, out))
            break;
    }
    char **grown = realloc(d->reserved, (d->n_reserved + 1) * sizeof *grown);
    if (grown) {
        d->reserved = grown;
        d->reserved[d->n_reserved++] = omr_strdup(out);
    }
    pthread_mutex_unlock(&d->mu);
}

void watch_release_target(daemon_state *d, const char *path) {
    assert(d && path);
    pthread_mutex_lock(&d->mu);
    for (size_t i = 0; i < d->n_reserved; i++)
        if (strcmp(d->reserved[i], path) == 0) {
            free(d->reserved[i]);
            d->reserved[i] = d->reserved[--d->n_reserved];
            break;
        }
    pthread_mutex_unlock(&d->mu);
}

/* The text of NAME.reason beside a rejected file. */
void watch_reason_text(const char *name, const char *received_at, const char *why, const char *dup_of,
                        char *buf, size_t size) {
    const char *base = strrchr(name, '/');
    base = base ? base + 1 : name;
    char reason[2048];
    if (dup_of)
        snprintf(reason, sizeof reason, "the same content as %s, which was rejected: %s", dup_of, why);
    else
        snprintf(reason, sizeof reason, "%s", why);
    snprintf(buf, size,
             "%s could not be used, so omr has moved it here.\n"
             "\n"
             "Received:  %s (UTC), from the inbox as %s\n"
             "Reason:    %s\n"
             "\n"
             "Nothing from this file was counted. What to do: if it is a questionnaire,\n"
             "scan the paper again (as TIFF, PDF, PNG or JPEG) and put the new file in the\n"
             "inbox; if it is something else (a letter), pass it on by hand. Page numbers\n"
             "above are pages of this file. This note can be deleted with the file.\n",
             base, received_at, name, reason);
}

