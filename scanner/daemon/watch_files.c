/*
 * watch_files.c — filing a claimed file: folders made on demand, a move
 * that falls back to copy (temporary name, fsync, rename) across disks and
 * never overwrites (RENAME_NOREPLACE; a target that already holds the same
 * bytes finishes an interrupted move), free target names
 * archive|rejected/<day>/<name> reserved while a worker files there (across
 * daemons sharing the folders by an O_EXCL claim file beside the name), and
 * the NAME.reason note a person reads beside a rejected file.
 */
#include "daemon/watch_daemon.h"

#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
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

/* Do two files hold the same bytes? (A move found its target already there:
 * the same content means a crash came between copying and deleting.) */
int watch_files_same(const char *a, const char *b) {
    struct stat sa, sb;
    if (stat(a, &sa) != 0 || stat(b, &sb) != 0 || !S_ISREG(sa.st_mode) || !S_ISREG(sb.st_mode) ||
        sa.st_size != sb.st_size)
        return 0;
    if (sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino)
        return 1;
    int fa = open(a, O_RDONLY | O_CLOEXEC), fb = open(b, O_RDONLY | O_CLOEXEC);
    int same = fa >= 0 && fb >= 0;
    static __thread char ba[1 << 16], bb[1 << 16];
    while (same) {
        ssize_t na = read(fa, ba, sizeof ba);
        if (na <= 0) {
            same = na == 0 && read(fb, bb, 1) == 0;
            break;
        }
        ssize_t got = 0;
        while (got < na) {
            ssize_t nb = read(fb, bb + got, (size_t)(na - got));
            if (nb <= 0)
                break;
            got += nb;
        }
        same = got == na && memcmp(ba, bb, (size_t)na) == 0;
    }
    if (fa >= 0)
        close(fa);
    if (fb >= 0)
        close(fb);
    return same;
}

/* Puts `from` at `to` unless `to` exists (never overwrites): renameat2
 * RENAME_NOREPLACE, or link + unlink where the file system lacks it. 0, or
 * -1 with errno (EEXIST: taken; EXDEV: another disk). */
static int rename_noreplace(const char *from, const char *to) {
    if (renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) == 0)
        return 0;
    if (errno != EINVAL && errno != ENOSYS && errno != ENOTSUP)
        return -1;
    if (link(from, to) == 0) {
        unlink(from);
        return 0;
    }
    if (errno != EPERM && errno != ENOTSUP && errno != EOPNOTSUPP)
        return -1;
    /* neither (some network shares): the check and the rename are not one step */
    struct stat st;
    if (lstat(to, &st) == 0) {
        errno = EEXIST;
        return -1;
    }
    return rename(from, to);
}

/* The target already holds a file: the same content is this very file,
 * filed before a crash (its copy in processing is removed); anything else is
 * never overwritten. */
static int target_taken(const char *src, const char *dst, omr_error *err) {
    if (watch_files_same(src, dst)) {
        unlink(src);
        return OMR_OK;
    }
    return omr_fail(err, OMR_ERR_IO,
                    "cannot file %s as %s: a different file already has that name (it is never overwritten); "
                    "move that file away", src, dst);
}

/* Copies src to dst (for a move across disks): a temporary name beside dst
 * through the one atomic file (base/files.h), fsync, then put in place
 * without overwriting, and the folder synced. */
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
    if (omr_atomic_finish(&out, &werr) != OMR_OK)
        return omr_fail(err, OMR_ERR_IO, "cannot copy %s to %s: %s", src, dst, werr.message);
    if (rename_noreplace(out.temp_path, dst) != 0) {
        saved = errno;
        unlink(out.temp_path);
        if (saved == EEXIST)
            return target_taken(src, dst, err);
        return omr_fail(err, OMR_ERR_IO, "cannot copy %s to %s: %s", src, dst, strerror(saved));
    }
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s", dst);
    char *slash = strrchr(dir, '/');
    if (slash) {
        *slash = 0;
        omr_sync_dir(dir);
    }
    return OMR_OK;
}

/* "<folder>/.<name>.filing" beside a file being moved across disks: holds
 * the target's path until the source is deleted. */
static void move_note_path(const char *src, char *out, size_t size) {
    const char *slash = strrchr(src, '/');
    size_t dir_len = slash ? (size_t)(slash - src) + 1 : 0;
    snprintf(out, size, "%.*s.%s.filing", (int)dir_len, src, src + dir_len);
}

/* Moves a file to dst, creating dst's folder; across disks by copying. Never
 * overwrites: when dst exists with the same content (a crash between the copy
 * and the delete), the source is removed and the move is done; with other
 * content it fails. So a move interrupted anywhere can simply be done again. */
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
    if (rename_noreplace(src, dst) == 0)
        return OMR_OK;
    if (errno == EEXIST)
        return target_taken(src, dst, err);
    if (errno != EXDEV)
        return omr_fail(err, OMR_ERR_IO, "cannot move %s to %s: %s", src, dst, strerror(errno));
    /* across disks: the target is noted beside the source first, so that a
     * kill between the copy and the delete is recognised on restart
     * (watch_move_interrupted) and not filed again as a duplicate */
    char note[PATH_MAX + 32];
    move_note_path(src, note, sizeof note);
    int rc = omr_write_file_atomic(note, dst, err);
    if (rc == OMR_OK)
        rc = copy_file(src, dst, err);
    if (rc == OMR_OK && unlink(src) != 0 && errno != ENOENT)
        rc = omr_fail(err, OMR_ERR_IO, "filed %s as %s, but cannot remove it here: %s", src, dst, strerror(errno));
    if (rc == OMR_OK)
        unlink(note);
    return rc;
}

int watch_move_interrupted(const char *src, const char *dst) {
    char note[PATH_MAX + 32], target[PATH_MAX + 8];
    move_note_path(src, note, sizeof note);
    FILE *f = fopen(note, "r");
    if (!f)
        return 0;
    size_t n = fread(target, 1, sizeof target - 1, f);
    fclose(f);
    target[n] = 0;
    return strcmp(target, dst) == 0 && watch_files_same(src, dst);
}

void watch_move_done(const char *src) {
    char note[PATH_MAX + 32];
    move_note_path(src, note, sizeof note);
    unlink(note);
}

/* Moves something that is not a regular file (a link, a FIFO) to dst without
 * ever opening it (a FIFO would block, a device never end). Across disks a
 * link is made again at dst and anything else is removed: neither holds
 * content. *removed is set when it could only be removed. */
int watch_move_special(const char *src, const char *dst, int *removed, omr_error *err) {
    *removed = 0;
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s", dst);
    char *slash = strrchr(dir, '/');
    if (slash && slash != dir) {
        *slash = 0;
        int rc = watch_mkdir_p(dir, err);
        if (rc != OMR_OK)
            return rc;
    }
    if (rename_noreplace(src, dst) == 0)
        return OMR_OK;
    if (errno != EXDEV)
        return omr_fail(err, OMR_ERR_IO, "cannot move %s to %s: %s", src, dst, strerror(errno));
    struct stat st;
    char target[PATH_MAX];
    ssize_t n;
    if (lstat(src, &st) == 0 && S_ISLNK(st.st_mode) && (n = readlink(src, target, sizeof target - 1)) >= 0) {
        target[n] = 0;
        if (symlink(target, dst) != 0)
            return omr_fail(err, OMR_ERR_IO, "cannot move %s to %s: %s", src, dst, strerror(errno));
    } else {
        *removed = 1;
    }
    if (unlink(src) != 0)
        return omr_fail(err, OMR_ERR_IO, "cannot remove %s from the inbox: %s", src, strerror(errno));
    return OMR_OK;
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

/* "<folder>/.<name>.omr-claim" beside a target: whoever holds its lock owns
 * the name, so daemons with their own inboxes that share an archive never
 * pick the same one. A claim left by a killed daemon is unlocked and taken
 * over (the lock, not the file, is the claim). */
static void claim_path(const char *target, char *out, size_t size) {
    const char *slash = strrchr(target, '/');
    size_t dir_len = slash ? (size_t)(slash - target) + 1 : 0;
    snprintf(out, size, "%.*s.%s.omr-claim", (int)dir_len, target, target + dir_len);
}

/* Takes the claim on a name: the descriptor holding its lock, -1 when another
 * daemon holds it, -2 when no claim can be made there (the folder cannot be
 * written: the move will say so). */
static int claim_take(const char *claim) {
    for (int tries = 0; tries < 3; tries++) {
        int fd = open(claim, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        if (fd < 0)
            return -2;
        if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
            int e = errno;
            close(fd);
            return e == EWOULDBLOCK ? -1 : -2;
        }
        /* locked: still the file at that name (not one released meanwhile)? */
        struct stat a, b;
        if (fstat(fd, &a) == 0 && stat(claim, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino)
            return fd;
        close(fd);
    }
    return -1;
}

/* Picks a free name base/<day>/<name> (adding -2, -3 ... before the
 * extension when taken) and reserves it until released: in this daemon by
 * the list of names being filed, across daemons by the locked claim file
 * beside it. */
void watch_reserve_target(daemon_state *d, const char *base, const char *name, char *out, size_t size) {
    char day[16];
    local_day(day);
    const char *dot = strrchr(name, '.');
    const char *slash = strrchr(name, '/');
    if (dot && (dot == name || (slash && dot < slash) || (slash && dot == slash + 1)))
        dot = NULL;
    pthread_mutex_lock(&d->mu);
    int made_dir = 0, fd = -2;
    for (int n = 1;; n++) {
        if (n == 1)
            snprintf(out, size, "%s/%s/%s", base, day, name);
        else if (dot)
            snprintf(out, size, "%s/%s/%.*s-%d%s", base, day, (int)(dot - name), name, n, dot);
        else
            snprintf(out, size, "%s/%s/%s-%d", base, day, name, n);
        char reason[PATH_MAX + 16], claim[PATH_MAX + 32];
        snprintf(reason, sizeof reason, "%s.reason", out);
        if (watch_path_exists(out) || watch_path_exists(reason) || reserved_has(d, out))
            continue;
        if (!made_dir) {
            char dir[PATH_MAX];
            snprintf(dir, sizeof dir, "%s", out);
            char *end = strrchr(dir, '/');
            if (end)
                *end = 0;
            omr_error err;
            watch_mkdir_p(dir, &err); /* if it fails, the move says so */
            made_dir = 1;
        }
        claim_path(out, claim, sizeof claim);
        fd = claim_take(claim);
        if (fd == -1)
            continue; /* another daemon files under this name now */
        if (fd >= 0 && (watch_path_exists(out) || watch_path_exists(reason))) {
            /* filed and released between our look and our claim */
            close(fd);
            continue;
        }
        break; /* claimed (or the folder cannot be written: the move reports it) */
    }
    char **grown = realloc(d->reserved, (d->n_reserved + 1) * sizeof *grown);
    int *grown_fd = grown ? realloc(d->reserved_fd, (d->n_reserved + 1) * sizeof *grown_fd) : NULL;
    if (grown)
        d->reserved = grown;
    if (grown_fd) {
        d->reserved_fd = grown_fd;
        d->reserved_fd[d->n_reserved] = fd;
        d->reserved[d->n_reserved++] = omr_strdup(out);
    } else if (fd >= 0) {
        close(fd);
    }
    pthread_mutex_unlock(&d->mu);
}

void watch_release_target(daemon_state *d, const char *path) {
    assert(d && path);
    char claim[PATH_MAX + 32];
    claim_path(path, claim, sizeof claim);
    pthread_mutex_lock(&d->mu);
    for (size_t i = 0; i < d->n_reserved; i++)
        if (strcmp(d->reserved[i], path) == 0) {
            if (d->reserved_fd[i] >= 0) {
                unlink(claim); /* while still locked: nobody takes a released claim's file */
                close(d->reserved_fd[i]);
            }
            free(d->reserved[i]);
            d->n_reserved--;
            d->reserved[i] = d->reserved[d->n_reserved];
            d->reserved_fd[i] = d->reserved_fd[d->n_reserved];
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

