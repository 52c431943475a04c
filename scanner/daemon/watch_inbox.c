/*
 * watch_inbox.c — noticing complete files in the inbox and claiming them.
 * inotify on the inbox and its subfolders plus a periodic listing (network
 * shares send no events); a file is complete when nobody writes it and its
 * size and time have not changed for settle_seconds. A claim is an atomic
 * rename into the processing folder, under a name that carries the inbox
 * name, so files left there by a crash are recovered on start-up. Links,
 * FIFOs and devices are never read: they are set aside into the rejected
 * folder with their reason (watch_inbox_set_aside).
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
#include <fnmatch.h>
#include <stdio.h>
#include <sys/inotify.h>

#include "base/files.h"
#include "ledger/store.h"

#define WRITING_EXPIRES 300.0 /* a file open but unchanged this long counts as written */

static int inbox_ignored(const watch_config *c, const char *base) {
    for (size_t i = 0; i < c->n_ignore; i++)
        if (fnmatch(c->ignore[i], base, 0) == 0)
            return 1;
    return 0;
}

/* Binary search by name; returns the index or where it would go (*found). */
static size_t cand_find(const inbox_state *in, const char *name, int *found) {
    size_t lo = 0, hi = in->n;
    *found = 0;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(in->items[mid].name, name);
        if (c == 0) {
            *found = 1;
            return mid;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static void cand_remove(inbox_state *in, size_t i) {
    assert(i < in->n);
    free(in->items[i].name);
    memmove(&in->items[i], &in->items[i + 1], (in->n - i - 1) * sizeof *in->items);
    in->n--;
}

static void cand_fill(candidate *k, const char *rel, const struct stat *st, double now) {
    memset(k, 0, sizeof *k);
    k->name = omr_strdup(rel);
    k->size = (long long)st->st_size;
    k->mtime = st->st_mtim;
    k->changed_at = now;
    store_now(k->first_seen);
}

static int compare_candidates(const void *a, const void *b) {
    return strcmp(((const candidate *)a)->name, ((const candidate *)b)->name);
}

/* Updates what is known of inbox/rel after a listing or an event. */
static void inbox_note(daemon_state *d, inbox_state *in, const char *rel, double now, int writing) {
    const watch_config *c = &d->rt->cfg;
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", c->inbox, rel);
    struct stat st;
    int found;
    size_t i = cand_find(in, rel, &found);
    if (lstat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
        if (found && writing < 0)
            cand_remove(in, i);
        return;
    }
    if (!found) {
        if (in->n == in->cap) {
            size_t cap = in->cap ? in->cap * 2 : 64;
            candidate *grown = realloc(in->items, cap * sizeof *grown);
            if (!grown)
                return;
            in->items = grown;
            in->cap = cap;
        }
        memmove(&in->items[i + 1], &in->items[i], (in->n - i) * sizeof *in->items);
        in->n++;
        cand_fill(&in->items[i], rel, &st, now);
    }
    candidate *k = &in->items[i];
    k->seen = 1;
    if (k->size != (long long)st.st_size || k->mtime.tv_sec != st.st_mtim.tv_sec ||
        k->mtime.tv_nsec != st.st_mtim.tv_nsec) {
        k->size = (long long)st.st_size;
        k->mtime = st.st_mtim;
        k->changed_at = now;
        k->stuck = 0;
    }
    if (writing > 0) {
        k->writing = 1;
        k->changed_at = now;
    } else if (writing == 0) {
        k->writing = 0;
        k->changed_at = now;
    }
}

static void inbox_add_watch(inbox_state *in, const watch_config *c, const char *rel) {
    if (in->ifd < 0)
        return;
    for (size_t i = 0; i < in->n_watches; i++)
        if (strcmp(in->watches[i].rel, rel) == 0)
            return;
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s%s%s", c->inbox, *rel ? "/" : "", rel);
    int wd = inotify_add_watch(in->ifd, path,
                               IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_MODIFY | IN_DELETE | IN_MOVED_FROM |
                                   IN_ATTRIB | IN_ONLYDIR);
    if (wd < 0)
        return; /* the listing still finds its files */
    dir_watch *grown = realloc(in->watches, (in->n_watches + 1) * sizeof *grown);
    if (!grown)
        return;
    in->watches = grown;
    in->watches[in->n_watches++] = (dir_watch){wd, omr_strdup(rel)};
}

static int is_our_folder(const inbox_state *in, const struct stat *st) {
    for (size_t i = 0; i < in->n_skip; i++)
        if (in->skip[i].dev == st->st_dev && in->skip[i].ino == st->st_ino)
            return 1;
    return 0;
}

/* A file new to this listing: kept aside and sorted in once at the end, so
 * that 20,000 files dropped at once stay cheap to take in. */
static void fresh_push(inbox_state *in, const char *rel, const struct stat *st, double now) {
    if (in->n_fresh == in->cap_fresh) {
        size_t cap = in->cap_fresh ? in->cap_fresh * 2 : 64;
        candidate *grown = realloc(in->fresh, cap * sizeof *grown);
        if (!grown)
            return; /* the next listing finds it */
        in->fresh = grown;
        in->cap_fresh = cap;
    }
    cand_fill(&in->fresh[in->n_fresh], rel, st, now);
    in->fresh[in->n_fresh++].seen = 1;
}

static void inbox_walk(daemon_state *d, inbox_state *in, const char *rel, int depth, double now) {
    const watch_config *c = &d->rt->cfg;
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s%s%s", c->inbox, *rel ? "/" : "", rel);
    DIR *dir = opendir(path);
    if (!dir)
        return;
    inbox_add_watch(in, c, rel);
    for (struct dirent *e; (e = readdir(dir));) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0 || inbox_ignored(c, e->d_name))
            continue;
        char child[PATH_MAX];
        snprintf(child, sizeof child, "%s%s%s", rel, *rel ? "/" : "", e->d_name);
        char full[PATH_MAX + 8];
        snprintf(full, sizeof full, "%s/%s", c->inbox, child);
        struct stat st;
        if (lstat(full, &st) != 0)
            continue;
        if (S_ISDIR(st.st_mode)) {
            if (depth < 16 && !is_our_folder(in, &st))
                inbox_walk(d, in, child, depth + 1, now);
        } else if (S_ISREG(st.st_mode)) {
            int found;
            cand_find(in, child, &found);
            if (found) {
                inbox_note(d, in, child, now, -1);
            } else {
                fresh_push(in, child, &st, now);
            }
        } else {
            /* a link, a FIFO, a device: never read, set aside with its reason */
            char **grown = realloc(in->odd, (in->n_odd + 1) * sizeof *grown);
            if (grown) {
                in->odd = grown;
                in->odd[in->n_odd] = omr_strdup(child);
                in->n_odd += in->odd[in->n_odd] != NULL;
            }
        }
    }
    closedir(dir);
}

/* A full listing: new files, changed sizes, and files that vanished. */
void watch_inbox_list(daemon_state *d, inbox_state *in, double now) {
    for (size_t i = 0; i < in->n; i++)
        in->items[i].seen = 0;
    inbox_walk(d, in, "", 0, now);
    if (in->n_fresh) {
        if (in->n + in->n_fresh > in->cap) {
            size_t cap = in->n + in->n_fresh + 64;
            candidate *grown = realloc(in->items, cap * sizeof *grown);
            if (grown) {
                in->items = grown;
                in->cap = cap;
            }
        }
        size_t room = in->cap - in->n < in->n_fresh ? in->cap - in->n : in->n_fresh;
        memcpy(&in->items[in->n], in->fresh, room * sizeof *in->fresh);
        for (size_t i = room; i < in->n_fresh; i++)
            free(in->fresh[i].name);
        in->n += room;
        in->n_fresh = 0;
        qsort(in->items, in->n, sizeof *in->items, compare_candidates);
    }
    for (size_t i = in->n; i-- > 0;)
        if (!in->items[i].seen) {
            watch_logf(d, "%s: vanished from the inbox before it was read (deleted or moved by someone); nothing "
                     "recorded", in->items[i].name);
            cand_remove(in, i);
        }
    in->listing_due = 0;
}

void watch_inbox_events(daemon_state *d, inbox_state *in, double now) {
    char buf[16384] __attribute__((aligned(__alignof__(struct inotify_event))));
    for (;;) {
        ssize_t n = read(in->ifd, buf, sizeof buf);
        if (n <= 0)
            return;
        for (char *p = buf; p < buf + n;) {
            const struct inotify_event *ev = (const struct inotify_event *)p;
            p += sizeof *ev + ev->len;
            if (ev->mask & IN_Q_OVERFLOW) {
                for (size_t i = 0; i < in->n; i++)
                    in->items[i].writing = 0;
                in->listing_due = 1;
                continue;
            }
            const char *dir_rel = NULL;
            size_t w = 0;
            for (; w < in->n_watches; w++)
                if (in->watches[w].wd == ev->wd) {
                    dir_rel = in->watches[w].rel;
                    break;
                }
            if (!dir_rel)
                continue;
            if (ev->mask & IN_IGNORED) {
                free(in->watches[w].rel);
                in->watches[w] = in->watches[--in->n_watches];
                continue;
            }
            if (!ev->len || inbox_ignored(&d->rt->cfg, ev->name))
                continue;
            if (ev->mask & IN_ISDIR) {
                if (ev->mask & (IN_CREATE | IN_MOVED_TO))
                    in->listing_due = 1;
                continue;
            }
            char rel[PATH_MAX];
            snprintf(rel, sizeof rel, "%s%s%s", dir_rel, *dir_rel ? "/" : "", ev->name);
            if (ev->mask & (IN_DELETE | IN_MOVED_FROM)) {
                int found;
                size_t i = cand_find(in, rel, &found);
                if (found) {
                    watch_logf(d, "%s: vanished from the inbox before it was read (deleted or moved by someone); "
                             "nothing recorded", rel);
                    cand_remove(in, i);
                }
            } else if (ev->mask & (IN_CREATE | IN_MODIFY)) {
                inbox_note(d, in, rel, now, 1);
            } else if (ev->mask & (IN_CLOSE_WRITE | IN_MOVED_TO)) {
                inbox_note(d, in, rel, now, 0);
            } else {
                inbox_note(d, in, rel, now, -1);
            }
        }
    }
}

/* The candidate to claim next: complete, and the oldest. -1 when none. */
long watch_inbox_pick(const inbox_state *in, const watch_config *c, double now) {
    long best = -1;
    for (size_t i = 0; i < in->n; i++) {
        const candidate *k = &in->items[i];
        if (k->stuck)
            continue;
        double quiet = now - k->changed_at;
        if (k->writing && quiet < WRITING_EXPIRES)
            continue;
        if (quiet < c->settle_seconds)
            continue;
        if (best < 0 || k->mtime.tv_sec < in->items[best].mtime.tv_sec ||
            (k->mtime.tv_sec == in->items[best].mtime.tv_sec && k->mtime.tv_nsec < in->items[best].mtime.tv_nsec))
            best = (long)i;
    }
    return best;
}

size_t watch_inbox_waiting(const inbox_state *in) {
    size_t n = 0;
    for (size_t i = 0; i < in->n; i++)
        n += !in->items[i].stuck;
    return n;
}

/* Why something in the inbox that is not a regular file is not read. */
static void odd_reason(const char *path, const struct stat *st, char *buf, size_t size) {
    if (S_ISLNK(st->st_mode)) {
        char target[PATH_MAX];
        ssize_t n = readlink(path, target, sizeof target - 1);
        target[n > 0 ? n : 0] = 0;
        snprintf(buf, size, "a link (to %s), not a file; omr reads only files put into the inbox themselves "
                 "(a link can lead anywhere); copy the file itself into the inbox", n > 0 ? target : "?");
    } else {
        snprintf(buf, size, "%s, not a file; omr reads only scan files (TIFF, PNG, JPEG, PDF) and did not open it",
                 S_ISFIFO(st->st_mode) ? "a named pipe (FIFO)" : S_ISCHR(st->st_mode) ? "a character device"
                 : S_ISBLK(st->st_mode) ? "a block device" : S_ISSOCK(st->st_mode) ? "a socket" : "not a regular file");
    }
}

static int odd_stuck_has(const inbox_state *in, const char *name) {
    for (size_t i = 0; i < in->n_odd_stuck; i++)
        if (strcmp(in->odd_stuck[i], name) == 0)
            return 1;
    return 0;
}

/* Links, FIFOs and devices the last listing found in the inbox go to the
 * rejected folder with NAME.reason, never opened, and are recorded in the
 * ledger as rejected (omr status counts them; rejects.csv lists them). One
 * that cannot be moved is reported once. */
void watch_inbox_set_aside(daemon_state *d, inbox_state *in, omr_db *db) {
    const watch_config *c = &d->rt->cfg;
    for (size_t i = 0; i < in->n_odd; i++) {
        const char *name = in->odd[i];
        char path[PATH_MAX + 8], why[PATH_MAX + 300], dest[PATH_MAX], now[32], text[4096];
        snprintf(path, sizeof path, "%s/%s", c->inbox, name);
        struct stat st;
        if (lstat(path, &st) != 0 || S_ISREG(st.st_mode) || S_ISDIR(st.st_mode) || odd_stuck_has(in, name))
            continue;
        odd_reason(path, &st, why, sizeof why);
        watch_reserve_target(d, c->rejected, name, dest, sizeof dest);
        omr_error err;
        int removed = 0;
        int rc = watch_move_special(path, dest, &removed, &err);
        if (rc == OMR_OK && removed) {
            size_t len = strlen(why);
            snprintf(why + len, sizeof why - len, " (removed from the inbox: it cannot be moved to another disk)");
        }
        if (rc == OMR_OK) {
            store_now(now);
            watch_reason_text(name, now, why, NULL, text, sizeof text);
            char reason_path[PATH_MAX + 16];
            snprintf(reason_path, sizeof reason_path, "%s.reason", dest);
            omr_error rerr;
            if (omr_write_file_atomic(reason_path, text, &rerr) != OMR_OK)
                watch_logf(d, "%s: %s", name, rerr.message);
            watch_logf(d, "%s: rejected: %s; moved to %s (reason in %s.reason)", name, why, dest, dest);
            if (store_write_unreadable(db, name, dest, why, &rerr) != OMR_OK)
                watch_logf(d, "%s: not recorded in the ledger: %s", name, rerr.message);
        } else {
            char message[OMR_ERROR_SIZE + PATH_MAX + 400];
            snprintf(message, sizeof message, "%s; it stays in the inbox: %s", why, err.message);
            watch_logf(d, "%s: %s", name, message);
            store_log_event(db, "error", name, message, &err);
            char **grown = realloc(in->odd_stuck, (in->n_odd_stuck + 1) * sizeof *grown);
            if (grown) {
                in->odd_stuck = grown;
                in->odd_stuck[in->n_odd_stuck] = omr_strdup(name);
                in->n_odd_stuck += in->odd_stuck[in->n_odd_stuck] != NULL;
            }
        }
        watch_release_target(d, dest);
    }
    for (size_t i = 0; i < in->n_odd; i++)
        free(in->odd[i]);
    in->n_odd = 0;
}

void watch_inbox_free(inbox_state *in) {
    for (size_t i = 0; i < in->n_odd; i++)
        free(in->odd[i]);
    free(in->odd);
    for (size_t i = 0; i < in->n_odd_stuck; i++)
        free(in->odd_stuck[i]);
    free(in->odd_stuck);
    for (size_t i = 0; i < in->n; i++)
        free(in->items[i].name);
    free(in->items);
    for (size_t i = 0; i < in->n_watches; i++)
        free(in->watches[i].rel);
    free(in->watches);
    free(in->fresh);
    if (in->ifd >= 0)
        close(in->ifd);
    memset(in, 0, sizeof *in);
    in->ifd = -1;
}

void watch_inbox_init(inbox_state *in, const watch_config *c) {
    memset(in, 0, sizeof *in);
    in->ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    in->listing_due = 1;
    const char *ours[] = {c->processing, c->archive, c->rejected, c->out};
    for (size_t i = 0; i < 4; i++) {
        struct stat st;
        if (stat(ours[i], &st) == 0) {
            in->skip[in->n_skip].dev = st.st_dev;
            in->skip[in->n_skip].ino = st.st_ino;
            in->n_skip++;
        }
    }
}

/* ---- claiming ------------------------------------------------------------------------------ */

/* "sub/scan 1.tif" <-> "sub%2Fscan 1.tif" (one flat processing folder). */
static void escape_name(const char *name, char *out, size_t size) {
    size_t n = 0;
    for (const char *p = name; *p && n + 4 < size; p++) {
        if (*p == '/' || *p == '%')
            n += (size_t)snprintf(out + n, size - n, "%%%02X", (unsigned char)*p);
        else
            out[n++] = *p;
    }
    out[n] = 0;
}

static void unescape_name(const char *in, char *out, size_t size) {
    size_t n = 0;
    for (const char *p = in; *p && n + 1 < size; p++) {
        unsigned v;
        if (p[0] == '%' && sscanf(p + 1, "%2X", &v) == 1 && p[1] && p[2]) {
            out[n++] = (char)v;
            p += 2;
        } else {
            out[n++] = *p;
        }
    }
    out[n] = 0;
}

static job *job_for_claimed(const char *path, const char *name, const char *received_at) {
    struct stat st;
    if (stat(path, &st) != 0)
        return NULL;
    job *j = calloc(1, sizeof *j);
    if (!j)
        return NULL;
    j->path = omr_strdup(path);
    j->name = omr_strdup(name);
    snprintf(j->received_at, sizeof j->received_at, "%s", received_at);
    j->size = (long long)st.st_size;
    j->mtime = st.st_mtim;
    return j;
}

/* Claims inbox/<name> by renaming it into the processing folder. */
void watch_claim(daemon_state *d, inbox_state *in, size_t index, omr_db *db) {
    const watch_config *c = &d->rt->cfg;
    candidate *k = &in->items[index];
    char escaped[NAME_MAX], claimed[PATH_MAX + NAME_MAX], from[PATH_MAX];
    escape_name(k->name, escaped, 200);
    pthread_mutex_lock(&d->mu);
    unsigned long serial = ++d->claims;
    pthread_mutex_unlock(&d->mu);
    snprintf(claimed, sizeof claimed, "%s/%lld-%lu~%s", c->processing, (long long)time(NULL), serial, escaped);
    snprintf(from, sizeof from, "%s/%s", c->inbox, k->name);
    if (rename(from, claimed) != 0) {
        int e = errno;
        if (e == ENOENT) {
            watch_logf(d, "%s: vanished from the inbox before it was read (deleted or moved by someone); nothing "
                     "recorded", k->name);
            cand_remove(in, index);
            return;
        }
        char message[1200];
        snprintf(message, sizeof message,
                 "cannot be taken from the inbox: %s; check the permissions of the file and the inbox "
                 "(it is tried again when it changes)", strerror(e));
        watch_logf(d, "%s: %s", k->name, message);
        omr_error err;
        store_log_event(db, "error", k->name, message, &err);
        k->stuck = 1;
        return;
    }
    struct stat st;
    if (lstat(claimed, &st) == 0 && !S_ISREG(st.st_mode)) {
        /* swapped for a link or a FIFO after it was looked at: never read it
         * (a FIFO would block the worker); back to the inbox, where the next
         * listing sets it aside with its reason */
        if (rename(claimed, from) != 0)
            unlink(claimed);
        cand_remove(in, index);
        in->listing_due = 1;
        return;
    }
    job *j = job_for_claimed(claimed, k->name, k->first_seen);
    cand_remove(in, index);
    if (!j)
        return; /* gone at once; nothing to read (a restart would find it otherwise) */
    pthread_mutex_lock(&d->mu);
    watch_queue_push_locked(d, j);
    pthread_mutex_unlock(&d->mu);
}

/* Files left in the processing folder (a crash, a stop while retrying) go
 * back into the queue: their claim name carries their inbox name. */
size_t watch_recover_processing(daemon_state *d) {
    const watch_config *c = &d->rt->cfg;
    DIR *dir = opendir(c->processing);
    if (!dir)
        return 0;
    size_t n = 0;
    for (struct dirent *e; (e = readdir(dir));) {
        size_t len = strlen(e->d_name);
        if (e->d_name[0] == '.' && len > 8 && strcmp(e->d_name + len - 7, ".filing") == 0) {
            /* a move across disks noted; its file is gone: the move was done */
            char file[PATH_MAX + NAME_MAX], note[PATH_MAX + NAME_MAX];
            snprintf(file, sizeof file, "%s/%.*s", c->processing, (int)(len - 8), e->d_name + 1);
            snprintf(note, sizeof note, "%s/%s", c->processing, e->d_name);
            if (!watch_path_exists(file))
                unlink(note);
            continue;
        }
        if (e->d_name[0] == '.')
            continue;
        char path[PATH_MAX + NAME_MAX], name[NAME_MAX + 1], received[32];
        snprintf(path, sizeof path, "%s/%s", c->processing, e->d_name);
        struct stat st;
        if (lstat(path, &st) != 0 || !S_ISREG(st.st_mode))
            continue;
        const char *tilde = strchr(e->d_name, '~');
        unescape_name(tilde ? tilde + 1 : e->d_name, name, sizeof name);
        long long claimed_at = tilde ? atoll(e->d_name) : 0;
        if (claimed_at > 0) {
            time_t t = (time_t)claimed_at;
            struct tm tm;
            gmtime_r(&t, &tm);
            strftime(received, sizeof received, "%Y-%m-%dT%H:%M:%SZ", &tm);
        } else {
            store_now(received);
        }
        job *j = job_for_claimed(path, name, received);
        if (!j)
            continue;
        pthread_mutex_lock(&d->mu);
        watch_queue_push_locked(d, j);
        pthread_mutex_unlock(&d->mu);
        n++;
    }
    closedir(dir);
    return n;
}

