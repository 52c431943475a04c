/*
 * watch.c — the mailroom daemon (see watch.h for the design in brief).
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
#include "daemon/watch.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <libconfig.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "export/export.h"
#include "daemon/scan.h"
#include "ledger/store.h"
#include "reading/reference.h"

/* ---- configuration ------------------------------------------------------------------- */

static const char *const default_ignore[] = {"*.tmp", "*.temp", "*.part", "*.partial", "*.crdownload",
                                             "~*", ".*", "*~", "Thumbs.db", "desktop.ini"};

static char **strv_dup(char *const *v, size_t n) {
    char **out = calloc(n + 1, sizeof *out);
    for (size_t i = 0; out && i < n; i++)
        out[i] = omr_strdup(v[i]);
    return out;
}

static void strv_free(char **v, size_t n) {
    for (size_t i = 0; v && i < n; i++)
        free(v[i]);
    free(v);
}

void watch_config_unset(watch_config *c) {
    memset(c, 0, sizeof *c);
    c->workers = c->ocr = c->ocr_workers = c->exit_when_idle = -1;
    c->settle_seconds = c->poll_seconds = c->export_seconds = c->retry_seconds = -1;
}

void watch_config_defaults(watch_config *c) {
    watch_config_unset(c);
    c->db = omr_strdup("omr.db");
    c->calibration = omr_strdup("default");
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    c->workers = cpus < 1 ? 1 : cpus > 8 ? 8 : (int)cpus;
    c->ocr = 1;
    c->ocr_workers = 1;
    c->languages = omr_strdup("swe+eng");
    c->settle_seconds = 5;
    c->poll_seconds = 10;
    c->export_seconds = 30;
    c->retry_seconds = 30;
    c->n_ignore = sizeof default_ignore / sizeof default_ignore[0];
    c->ignore = strv_dup((char *const *)default_ignore, c->n_ignore);
    c->exit_when_idle = 0;
}

void watch_config_free(watch_config *c) {
    free(c->inbox);
    free(c->processing);
    free(c->archive);
    free(c->rejected);
    free(c->out);
    free(c->db);
    strv_free(c->templates, c->n_templates);
    free(c->calibration);
    free(c->languages);
    strv_free(c->ignore, c->n_ignore);
    watch_config_unset(c);
}

static void set_str(char **dst, const char *src) {
    if (!src)
        return;
    free(*dst);
    *dst = omr_strdup(src);
}

void watch_config_overlay(watch_config *c, const watch_config *o) {
    set_str(&c->inbox, o->inbox);
    set_str(&c->processing, o->processing);
    set_str(&c->archive, o->archive);
    set_str(&c->rejected, o->rejected);
    set_str(&c->out, o->out);
    set_str(&c->db, o->db);
    set_str(&c->calibration, o->calibration);
    set_str(&c->languages, o->languages);
    if (o->n_templates) {
        strv_free(c->templates, c->n_templates);
        c->templates = strv_dup(o->templates, o->n_templates);
        c->n_templates = o->n_templates;
    }
    if (o->n_ignore) {
        strv_free(c->ignore, c->n_ignore);
        c->ignore = strv_dup(o->ignore, o->n_ignore);
        c->n_ignore = o->n_ignore;
    }
    if (o->workers >= 0)
        c->workers = o->workers;
    if (o->ocr >= 0)
        c->ocr = o->ocr;
    if (o->ocr_workers >= 0)
        c->ocr_workers = o->ocr_workers;
    if (o->exit_when_idle >= 0)
        c->exit_when_idle = o->exit_when_idle;
    if (o->settle_seconds >= 0)
        c->settle_seconds = o->settle_seconds;
    if (o->poll_seconds >= 0)
        c->poll_seconds = o->poll_seconds;
    if (o->export_seconds >= 0)
        c->export_seconds = o->export_seconds;
    if (o->retry_seconds >= 0)
        c->retry_seconds = o->retry_seconds;
}

/* A config value that names a folder or file: relative to the config file. */
static char *config_path(const char *dir, const char *value) {
    if (value[0] == '/' || !dir || !*dir)
        return omr_strdup(value);
    size_t n = strlen(dir) + strlen(value) + 2;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%s/%s", dir, value);
    return p;
}

/* A string list: "x", ["x", "y"] or ("x", "y"). */
static int config_strings(config_setting_t *s, const char *file, char ***out, size_t *n, omr_error *err) {
    if (config_setting_type(s) == CONFIG_TYPE_STRING) {
        strv_free(*out, *n);
        *out = calloc(2, sizeof **out);
        (*out)[0] = omr_strdup(config_setting_get_string(s));
        *n = 1;
        return OMR_OK;
    }
    if (!config_setting_is_aggregate(s))
        return omr_fail(err, OMR_ERR_INVALID, "%s:%d: %s must be a list of strings, like [\"a\", \"b\"]", file,
                        config_setting_source_line(s), config_setting_name(s));
    int count = config_setting_length(s);
    char **v = calloc((size_t)count + 1, sizeof *v);
    for (int i = 0; v && i < count; i++) {
        config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
        if (config_setting_type(e) != CONFIG_TYPE_STRING) {
            strv_free(v, (size_t)i);
            return omr_fail(err, OMR_ERR_INVALID, "%s:%d: %s[%d] must be a string in quotes", file,
                            config_setting_source_line(e), config_setting_name(s), i);
        }
        v[i] = omr_strdup(config_setting_get_string(e));
    }
    strv_free(*out, *n);
    *out = v;
    *n = (size_t)count;
    return OMR_OK;
}

int watch_config_read(const char *path, watch_config *c, omr_error *err) {
    config_t cfg;
    config_init(&cfg);
    if (config_read_file(&cfg, path) != CONFIG_TRUE) {
        int line = config_error_line(&cfg);
        int rc = line ? OMR_ERR_INVALID : OMR_ERR_IO;
        if (line)
            omr_fail(err, rc, "%s:%d: %s", path, line, config_error_text(&cfg));
        else
            omr_fail(err, rc, "cannot read the config file %s: %s", path, strerror(errno));
        config_destroy(&cfg);
        return rc;
    }
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash)
        *slash = 0;
    else
        dir[0] = 0;
    static const struct {
        const char *key;
        char kind; /* p path, s string, l string list, i int, b bool, d seconds */
        size_t offset;
        double lo, hi;
    } keys[] = {
        {"inbox", 'p', offsetof(watch_config, inbox), 0, 0},
        {"processing", 'p', offsetof(watch_config, processing), 0, 0},
        {"archive", 'p', offsetof(watch_config, archive), 0, 0},
        {"rejected", 'p', offsetof(watch_config, rejected), 0, 0},
        {"out", 'p', offsetof(watch_config, out), 0, 0},
        {"db", 'p', offsetof(watch_config, db), 0, 0},
        {"templates", 'l', offsetof(watch_config, templates), 0, 0},
        {"calibration", 's', offsetof(watch_config, calibration), 0, 0},
        {"languages", 's', offsetof(watch_config, languages), 0, 0},
        {"workers", 'i', offsetof(watch_config, workers), 1, 64},
        {"ocr", 'b', offsetof(watch_config, ocr), 0, 1},
        {"ocr_workers", 'i', offsetof(watch_config, ocr_workers), 0, 16},
        {"settle_seconds", 'd', offsetof(watch_config, settle_seconds), 0, 3600},
        {"poll_seconds", 'd', offsetof(watch_config, poll_seconds), 0.1, 3600},
        {"export_seconds", 'd', offsetof(watch_config, export_seconds), 0, 86400},
        {"retry_seconds", 'd', offsetof(watch_config, retry_seconds), 0.1, 86400},
        {"ignore", 'l', offsetof(watch_config, ignore), 0, 0},
    };
    int rc = OMR_OK;
    config_setting_t *root = config_root_setting(&cfg);
    for (int i = 0; rc == OMR_OK && i < config_setting_length(root); i++) {
        config_setting_t *s = config_setting_get_elem(root, (unsigned)i);
        const char *name = config_setting_name(s);
        int line = config_setting_source_line(s);
        size_t k = 0;
        while (k < sizeof keys / sizeof keys[0] && strcmp(keys[k].key, name) != 0)
            k++;
        if (k == sizeof keys / sizeof keys[0]) {
            rc = omr_fail(err, OMR_ERR_INVALID, "%s:%d: unknown setting \"%s\" (a typo?)", path, line, name);
            break;
        }
        char *base = (char *)c;
        switch (keys[k].kind) {
        case 'p':
        case 's':
            if (config_setting_type(s) != CONFIG_TYPE_STRING) {
                rc = omr_fail(err, OMR_ERR_INVALID, "%s:%d: %s must be a string in quotes", path, line, name);
                break;
            }
            free(*(char **)(base + keys[k].offset));
            *(char **)(base + keys[k].offset) = keys[k].kind == 'p'
                                                    ? config_path(dir, config_setting_get_string(s))
                                                    : omr_strdup(config_setting_get_string(s));
            break;
        case 'l':
            rc = config_strings(s, path, (char ***)(base + keys[k].offset),
                                keys[k].offset == offsetof(watch_config, templates) ? &c->n_templates : &c->n_ignore,
                                err);
            break;
        case 'b':
            if (config_setting_type(s) != CONFIG_TYPE_BOOL) {
                rc = omr_fail(err, OMR_ERR_INVALID, "%s:%d: %s must be true or false", path, line, name);
                break;
            }
            *(int *)(base + keys[k].offset) = config_setting_get_bool(s);
            break;
        default: {
            if (!config_setting_is_number(s)) {
                rc = omr_fail(err, OMR_ERR_INVALID, "%s:%d: %s must be a number", path, line, name);
                break;
            }
            double v = config_setting_type(s) == CONFIG_TYPE_FLOAT ? config_setting_get_float(s)
                                                                   : (double)config_setting_get_int64(s);
            if (v < keys[k].lo || v > keys[k].hi) {
                rc = omr_fail(err, OMR_ERR_INVALID, "%s:%d: %s = %g is outside %g..%g", path, line, name, v,
                              keys[k].lo, keys[k].hi);
                break;
            }
            if (keys[k].kind == 'i')
                *(int *)(base + keys[k].offset) = (int)v;
            else
                *(double *)(base + keys[k].offset) = v;
        }
        }
    }
    config_destroy(&cfg);
    return rc;
}

int watch_config_check(const watch_config *c, omr_error *err) {
    const struct {
        const char *name, *value;
    } required[] = {{"inbox", c->inbox}, {"archive", c->archive}, {"rejected", c->rejected}, {"out", c->out},
                    {"db", c->db}};
    for (size_t i = 0; i < sizeof required / sizeof required[0]; i++)
        if (!required[i].value || !*required[i].value)
            return omr_fail(err, OMR_ERR_INVALID, "no %s folder given (--%s, or %s = \"...\"; in the config file)",
                            required[i].name, required[i].name, required[i].name);
    if (!c->n_templates)
        return omr_fail(err, OMR_ERR_INVALID, "no template given (--template T, or templates = [\"T\"]; in the config file)");
    if (c->workers < 1 || c->workers > 64)
        return omr_fail(err, OMR_ERR_INVALID, "workers must be 1 to 64, not %d", c->workers);
    if (c->ocr_workers < 0 || c->ocr_workers > 16)
        return omr_fail(err, OMR_ERR_INVALID, "ocr_workers must be 0 to 16, not %d", c->ocr_workers);
    if (c->poll_seconds < 0.1 || c->retry_seconds < 0.1 || c->settle_seconds < 0 || c->export_seconds < 0)
        return omr_fail(err, OMR_ERR_INVALID, "poll_seconds and retry_seconds must be at least 0.1, settle_seconds "
                                              "and export_seconds at least 0");
    const char *folders[] = {c->archive, c->rejected, c->out};
    for (size_t i = 0; i < 3; i++)
        if (strcmp(folders[i], c->inbox) == 0)
            return omr_fail(err, OMR_ERR_INVALID, "the inbox %s cannot also be the archive, rejected or output "
                                                  "folder", c->inbox);
    return OMR_OK;
}

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
    size_t n_reserved;
    unsigned long claims;   /* for unique claim names */
    long files_done, files_rejected, files_duplicate;
    thread_slot *workers, *ocrs, exporter;
    size_t n_workers, n_ocrs;
    int exporter_running;
    int wake_fd;            /* eventfd: a worker is free, the main thread claims the next file */
};

static double mono_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void abs_time_after(double seconds, struct timespec *ts) {
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

static void logf_(daemon_state *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void logf_(daemon_state *d, const char *fmt, ...) {
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

/* Creates a folder and its parents. */
static int mkdir_p(const char *path, omr_error *err) {
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

static int path_exists(const char *path) {
    struct stat st;
    return lstat(path, &st) == 0;
}

/* Writes a small text file atomically (temporary name, fsync, rename). */
static int write_text_file(const char *path, const char *text, omr_error *err) {
    char temp[PATH_MAX + 32];
    snprintf(temp, sizeof temp, "%s.tmp.%d", path, (int)getpid());
    FILE *f = fopen(temp, "w");
    if (!f)
        return omr_fail(err, OMR_ERR_IO, "cannot write %s: %s", path, strerror(errno));
    int failed = fputs(text, f) < 0 || fflush(f) != 0 || fsync(fileno(f)) != 0;
    int saved = errno;
    failed |= fclose(f) != 0;
    if (!failed && rename(temp, path) != 0) {
        failed = 1;
        saved = errno;
    }
    if (failed) {
        unlink(temp);
        return omr_fail(err, OMR_ERR_IO, "cannot write %s: %s", path, strerror(saved ? saved : EIO));
    }
    return OMR_OK;
}

/* Copies src to dst (for a move across disks): dst.tmp, fsync, rename. */
static int copy_file(const char *src, const char *dst, omr_error *err) {
    char temp[PATH_MAX + 32];
    snprintf(temp, sizeof temp, "%s.tmp.%d", dst, (int)getpid());
    int in = open(src, O_RDONLY | O_CLOEXEC);
    if (in < 0)
        return omr_fail(err, OMR_ERR_IO, "cannot read %s: %s", src, strerror(errno));
    int out = open(temp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (out < 0) {
        int saved = errno;
        close(in);
        return omr_fail(err, OMR_ERR_IO, "cannot write %s: %s", dst, strerror(saved));
    }
    char buf[1 << 16];
    ssize_t n;
    int failed = 0, saved = 0;
    while ((n = read(in, buf, sizeof buf)) > 0)
        for (ssize_t done = 0; done < n;) {
            ssize_t w = write(out, buf + done, (size_t)(n - done));
            if (w < 0) {
                failed = 1;
                saved = errno;
                break;
            }
            done += w;
        }
    if (n < 0 && !failed) {
        failed = 1;
        saved = errno;
    }
    if (!failed && fsync(out) != 0) {
        failed = 1;
        saved = errno;
    }
    close(in);
    if (close(out) != 0 && !failed) {
        failed = 1;
        saved = errno;
    }
    if (!failed && rename(temp, dst) != 0) {
        failed = 1;
        saved = errno;
    }
    if (failed) {
        unlink(temp);
        return omr_fail(err, OMR_ERR_IO, "cannot copy %s to %s: %s", src, dst, strerror(saved));
    }
    return OMR_OK;
}

/* Moves a file to dst, creating dst's folder; across disks by copying. */
static int move_file(const char *src, const char *dst, omr_error *err) {
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s", dst);
    char *slash = strrchr(dir, '/');
    if (slash && slash != dir) {
        *slash = 0;
        int rc = mkdir_p(dir, err);
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
static void reserve_target(daemon_state *d, const char *base, const char *name, char *out, size_t size) {
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
        if (!path_exists(out) && !path_exists(reason) && !reserved_has(d, out))
            break;
    }
    char **grown = realloc(d->reserved, (d->n_reserved + 1) * sizeof *grown);
    if (grown) {
        d->reserved = grown;
        d->reserved[d->n_reserved++] = omr_strdup(out);
    }
    pthread_mutex_unlock(&d->mu);
}

static void release_target(daemon_state *d, const char *path) {
    pthread_mutex_lock(&d->mu);
    for (size_t i = 0; i < d->n_reserved; i++)
        if (strcmp(d->reserved[i], path) == 0) {
            free(d->reserved[i]);
            d->reserved[i] = d->reserved[--d->n_reserved];
            break;
        }
    pthread_mutex_unlock(&d->mu);
}

static void job_free(job *j) {
    if (!j)
        return;
    free(j->path);
    free(j->name);
    free(j);
}

/* Appends a job to the queue and wakes a worker. Caller holds d->mu. */
static void queue_push_locked(daemon_state *d, job *j) {
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
        job_free(j);
        return;
    }
    j->not_before = mono_now() + delay;
    queue_push_locked(d, j);
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

/* The text of NAME.reason beside a rejected file. */
static void reason_text(const char *name, const char *received_at, const char *why, const char *dup_of,
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

/* Did the claimed file stay the same while it was read? */
static int job_still_same(void *user) {
    const job *j = user;
    struct stat st;
    if (stat(j->path, &st) != 0)
        return 1; /* gone: what was read is what there was */
    return (long long)st.st_size == j->size && st.st_mtim.tv_sec == j->mtime.tv_sec &&
           st.st_mtim.tv_nsec == j->mtime.tv_nsec;
}

static void process_job(thread_slot *slot, scan_context *ctx, sqlite3 *db, job *j) {
    daemon_state *d = slot->d;
    const runtime *rt = d->rt;
    const watch_config *c = &rt->cfg;
    double start = mono_now();
    struct stat st;
    if (stat(j->path, &st) != 0) {
        logf_(d, "%s: vanished from the processing folder before it was read (%s); nothing recorded", j->name,
              strerror(errno));
        job_free(j);
        return;
    }
    char sha[65];
    long long size = 0;
    omr_error err;
    int hashed = store_hash_file(j->path, sha, &size, &err) == OMR_OK;
    if (hashed) {
        /* recorded before a crash, but not yet filed: file it where the ledger says */
        store_file_info known;
        if (store_find_file(db, sha, &known, &err) != OMR_OK) {
            logf_(d, "%s: %s; the file waits in %s and is tried again in %.0f s", j->name, err.message,
                  c->processing, c->retry_seconds);
            job_retry(d, j, c->retry_seconds);
            return;
        }
        if (known.found && strcmp(known.state, "processing") != 0 && *known.stored_path &&
            !path_exists(known.stored_path)) {
            int rejected = strcmp(known.state, "rejected") == 0;
            char reason_path[PATH_MAX + 16], text[4096];
            snprintf(reason_path, sizeof reason_path, "%s.reason", known.stored_path);
            if (rejected && !path_exists(reason_path)) {
                reason_text(known.name, known.received_at, known.error, NULL, text, sizeof text);
                char dir[PATH_MAX];
                snprintf(dir, sizeof dir, "%s", known.stored_path);
                char *slash = strrchr(dir, '/');
                if (slash)
                    *slash = 0;
                if (mkdir_p(dir, &err) == OMR_OK)
                    write_text_file(reason_path, text, &err);
            }
            if (move_file(j->path, known.stored_path, &err) != OMR_OK) {
                logf_(d, "%s: %s; tried again in %.0f s", j->name, err.message, c->retry_seconds);
                job_retry(d, j, c->retry_seconds);
                return;
            }
            logf_(d, "%s: already recorded before the restart (%s); filed as %s", j->name, known.state,
                  known.stored_path);
            job_free(j);
            return;
        }
    }

    char archive_path[PATH_MAX], rejected_path[PATH_MAX];
    reserve_target(d, c->archive, j->name, archive_path, sizeof archive_path);
    reserve_target(d, c->rejected, j->name, rejected_path, sizeof rejected_path);
    scan_input in = {.path = j->path, .name = j->name, .archive_path = archive_path,
                     .rejected_path = rejected_path, .received_at = j->received_at,
                     .still_same = job_still_same, .user = j};
    scan_outcome outcome;
    store_file_result result;
    int rc = scan_ingest_file(ctx, db, &in, &outcome, &result, &err);
    if (rc != OMR_OK) {
        release_target(d, archive_path);
        release_target(d, rejected_path);
        logf_(d, "%s: not recorded: %s. Nothing is lost: the file waits in %s and is read again in %.0f s",
              j->name, err.message, c->processing, c->retry_seconds);
        job_retry(d, j, c->retry_seconds);
        return;
    }
    if (outcome == SCAN_CHANGED) {
        release_target(d, archive_path);
        release_target(d, rejected_path);
        logf_(d, "%s: still being written while it was read; read again once it stays unchanged", j->name);
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
        reason_text(j->name, j->received_at, result.error,
                    outcome == SCAN_DUPLICATE ? result.first_name : NULL, text, sizeof text);
        snprintf(reason_path, sizeof reason_path, "%s.reason", dest);
        char dir[PATH_MAX];
        snprintf(dir, sizeof dir, "%s", dest);
        char *slash = strrchr(dir, '/');
        if (slash)
            *slash = 0;
        if (mkdir_p(dir, &err) != OMR_OK || write_text_file(reason_path, text, &err) != OMR_OK)
            logf_(d, "%s: %s", j->name, err.message);
    }
    int moved = move_file(j->path, dest, &err) == OMR_OK;
    release_target(d, archive_path);
    release_target(d, rejected_path);
    double seconds = mono_now() - start;
    if (!moved) {
        logf_(d, "%s: recorded, but %s; it is filed on the next try (in %.0f s)", j->name, err.message,
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
        logf_(d, "%s: the same content as %s (received %s); not counted again; filed as %s", j->name,
              result.first_name, result.received_at, dest);
    else if (rejected)
        logf_(d, "%s: rejected: %s; moved to %s (reason in %s.reason)", j->name, result.error, dest, dest);
    else if (!result.pages_read)
        logf_(d, "%s: %zu blank page%s, nothing to count; archived as %s", j->name, result.pages_blank,
              result.pages_blank == 1 ? "" : "s", dest);
    else {
        char extra[160] = "";
        if (result.pages_blank)
            snprintf(extra, sizeof extra, ", %zu blank", result.pages_blank);
        if (result.pages_rejected) {
            size_t len = strlen(extra);
            snprintf(extra + len, sizeof extra - len, ", %zu not used (see rejects.csv)", result.pages_rejected);
        }
        logf_(d, "%s: read %zu page%s%s: %s; archived as %s (%.1f s)", j->name, result.pages_read,
              result.pages_read == 1 ? "" : "s", extra, result.codes, dest, seconds);
    }
    mark_dirty(d, result.comments > 0);
    job_free(j);
}

static void *worker_main(void *arg) {
    thread_slot *slot = arg;
    daemon_state *d = slot->d;
    scan_context ctx;
    omr_error err;
    int have_ctx = scan_context_init(&ctx, &d->rt->scan, &err) == OMR_OK;
    if (!have_ctx)
        logf_(d, "worker %d: %s", slot->index, err.message);
    sqlite3 *db = NULL;
    for (;;) {
        pthread_mutex_lock(&d->mu);
        job *j = NULL;
        for (;;) {
            double now = mono_now(), wait = 1.0;
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
                job_free(j);
                j = NULL;
                continue;
            }
            if (j || (d->stopping && !d->queue))
                break;
            struct timespec until;
            abs_time_after(wait, &until);
            pthread_cond_timedwait(&d->jobs_cv, &d->mu, &until);
        }
        if (!j) {
            pthread_mutex_unlock(&d->mu);
            break;
        }
        d->in_flight++;
        pthread_mutex_unlock(&d->mu);

        if (!db && store_open(d->rt->cfg.db, &db, &err) != OMR_OK) {
            logf_(d, "%s: %s; the file waits in %s", j->name, err.message, d->rt->cfg.processing);
            db = NULL;
            job_retry(d, j, d->rt->cfg.retry_seconds);
        } else if (!have_ctx) {
            job_retry(d, j, d->rt->cfg.retry_seconds);
        } else {
            process_job(slot, &ctx, db, j);
        }

        pthread_mutex_lock(&d->mu);
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

/* ---- OCR: the ledger's queue of comments ---------------------------------------------- */

static void *ocr_main(void *arg) {
    thread_slot *slot = arg;
    daemon_state *d = slot->d;
    const runtime *rt = d->rt;
    scan_context ctx;
    omr_error err;
    sqlite3 *db = NULL;
    int have_ctx = scan_context_init(&ctx, &rt->scan, &err) == OMR_OK;
    long long after = 0;
    for (;;) {
        pthread_mutex_lock(&d->mu);
        int stop = d->stop_ocr;
        pthread_mutex_unlock(&d->mu);
        if (stop)
            break;
        int did = 0, rc = OMR_OK;
        if (!have_ctx)
            rc = OMR_ERR_MEMORY;
        else if (!db && store_open(rt->cfg.db, &db, &err) != OMR_OK) {
            db = NULL;
            rc = OMR_ERR_IO;
        }
        if (rc == OMR_OK)
            rc = scan_ocr_next(&ctx, db, &after, slot->index, (int)d->n_ocrs, &did, &err);
        double wait = 0;
        pthread_mutex_lock(&d->mu);
        if (rc != OMR_OK) {
            if (strcmp(d->ocr_error, err.message) != 0) {
                snprintf(d->ocr_error, sizeof d->ocr_error, "%s", err.message);
                pthread_mutex_unlock(&d->mu);
                logf_(d, "comment OCR: %s; comments wait in the ledger, tried again every %.0f s", err.message,
                      rt->cfg.retry_seconds);
                pthread_mutex_lock(&d->mu);
            }
            wait = rt->cfg.retry_seconds;
        } else if (did) {
            if (*d->ocr_error) {
                d->ocr_error[0] = 0;
                pthread_mutex_unlock(&d->mu);
                logf_(d, "comment OCR works again");
                pthread_mutex_lock(&d->mu);
            }
            d->dirty = 1;
            pthread_cond_signal(&d->export_cv);
        } else {
            after = 0; /* the queue is empty: start from its head next time */
            wait = rt->cfg.poll_seconds;
        }
        if (wait > 0 && !d->stop_ocr) {
            struct timespec until;
            abs_time_after(wait, &until);
            pthread_cond_timedwait(&d->ocr_cv, &d->mu, &until);
        }
        pthread_mutex_unlock(&d->mu);
    }
    if (have_ctx)
        scan_context_free(&ctx);
    store_close(db);
    return NULL;
}

/* ---- the exporter ---------------------------------------------------------------------- */

static int export_once(daemon_state *d, sqlite3 **db) {
    const runtime *rt = d->rt;
    omr_error err;
    int rc = *db ? OMR_OK : store_open(rt->cfg.db, db, &err);
    if (rc != OMR_OK)
        *db = NULL;
    export_summary summary;
    if (rc == OMR_OK)
        rc = export_ledger(*db, rt->cfg.out, (const omr_template *const *)rt->templates, rt->n_templates, &summary,
                           &err);
    pthread_mutex_lock(&d->mu);
    if (rc != OMR_OK) {
        d->dirty = 1;
        d->export_retry_at = mono_now() + rt->cfg.retry_seconds;
        int repeated = strcmp(d->export_error, err.message) == 0;
        snprintf(d->export_error, sizeof d->export_error, "%s", err.message);
        pthread_mutex_unlock(&d->mu);
        if (!repeated)
            logf_(d, "outputs not written: %s. The ledger keeps everything; omr tries again every %.0f s",
                  err.message, rt->cfg.retry_seconds);
        return rc;
    }
    int was_failing = *d->export_error != 0;
    d->export_error[0] = 0;
    d->last_export = mono_now();
    pthread_mutex_unlock(&d->mu);
    if (was_failing)
        logf_(d, "outputs written again to %s (%zu forms)", rt->cfg.out, summary.forms);
    return OMR_OK;
}

static void *exporter_main(void *arg) {
    thread_slot *slot = arg;
    daemon_state *d = slot->d;
    sqlite3 *db = NULL;
    export_remove_leftovers(d->rt->cfg.out);
    pthread_mutex_lock(&d->mu);
    for (;;) {
        double now = mono_now();
        int idle = d->queued == 0 && d->in_flight == 0 && d->inbox_quiet;
        int due = (d->dirty || d->export_now) && now >= d->export_retry_at &&
                  (d->export_now || idle || now - d->last_export >= d->rt->cfg.export_seconds);
        if (d->stop_export) {
            int final = d->dirty || d->export_now;
            d->dirty = d->export_now = 0;
            pthread_mutex_unlock(&d->mu);
            if (final)
                export_once(d, &db);
            break;
        }
        if (due) {
            d->dirty = d->export_now = 0;
            pthread_mutex_unlock(&d->mu);
            export_once(d, &db);
            pthread_mutex_lock(&d->mu);
            continue;
        }
        struct timespec until;
        abs_time_after(0.5, &until);
        pthread_cond_timedwait(&d->export_cv, &d->mu, &until);
    }
    store_close(db);
    return NULL;
}

/* ---- starting and stopping the threads --------------------------------------------------- */

static int threads_start(daemon_state *d, omr_error *err) {
    const watch_config *c = &d->rt->cfg;
    d->stopping = d->stop_ocr = d->stop_export = 0;
    d->n_workers = (size_t)c->workers;
    d->n_ocrs = c->ocr ? (size_t)c->ocr_workers : 0;
    d->workers = calloc(d->n_workers, sizeof *d->workers);
    d->ocrs = calloc(d->n_ocrs + 1, sizeof *d->ocrs);
    if (!d->workers || !d->ocrs)
        return omr_fail(err, OMR_ERR_MEMORY, "out of memory");
    for (size_t i = 0; i < d->n_workers; i++) {
        d->workers[i] = (thread_slot){d, (int)i, 0};
        if (pthread_create(&d->workers[i].thread, NULL, worker_main, &d->workers[i]) != 0) {
            d->n_workers = i;
            return omr_fail(err, OMR_ERR_MEMORY, "cannot start worker threads");
        }
    }
    for (size_t i = 0; i < d->n_ocrs; i++) {
        d->ocrs[i] = (thread_slot){d, (int)i, 0};
        if (pthread_create(&d->ocrs[i].thread, NULL, ocr_main, &d->ocrs[i]) != 0) {
            d->n_ocrs = i;
            return omr_fail(err, OMR_ERR_MEMORY, "cannot start OCR threads");
        }
    }
    d->exporter = (thread_slot){d, 0, 0};
    d->export_now = 1; /* the outputs are repaired from the ledger at every start */
    if (pthread_create(&d->exporter.thread, NULL, exporter_main, &d->exporter) != 0)
        return omr_fail(err, OMR_ERR_MEMORY, "cannot start the exporter thread");
    d->exporter_running = 1;
    return OMR_OK;
}

/* Drains: the workers finish the files in hand, OCR threads their current
 * comment, the exporter writes once more; then all are joined. */
static void threads_stop(daemon_state *d) {
    pthread_mutex_lock(&d->mu);
    d->stopping = 1;
    pthread_cond_broadcast(&d->jobs_cv);
    pthread_mutex_unlock(&d->mu);
    for (size_t i = 0; i < d->n_workers; i++)
        pthread_join(d->workers[i].thread, NULL);
    pthread_mutex_lock(&d->mu);
    d->stop_ocr = 1;
    pthread_cond_broadcast(&d->ocr_cv);
    pthread_mutex_unlock(&d->mu);
    for (size_t i = 0; i < d->n_ocrs; i++)
        pthread_join(d->ocrs[i].thread, NULL);
    pthread_mutex_lock(&d->mu);
    d->stop_export = 1;
    pthread_cond_broadcast(&d->export_cv);
    pthread_mutex_unlock(&d->mu);
    if (d->exporter_running)
        pthread_join(d->exporter.thread, NULL);
    d->exporter_running = 0;
    free(d->workers);
    free(d->ocrs);
    d->workers = d->ocrs = NULL;
    d->n_workers = d->n_ocrs = 0;
    /* anything still queued (waiting for a retry) stays in processing/ */
    while (d->queue) {
        job *j = d->queue;
        d->queue = j->next;
        job_free(j);
    }
    d->queued = 0;
}

/* ---- the runtime: templates and calibration for a configuration --------------------------- */

static void runtime_free(runtime *rt) {
    if (!rt)
        return;
    for (size_t i = 0; i < rt->n_templates; i++)
        template_free(rt->templates[i]);
    free(rt->templates);
    watch_config_free(&rt->cfg);
    free(rt);
}

static int runtime_load(const char *config_path, const watch_config *overrides, runtime **out, omr_error *err) {
    *out = NULL;
    runtime *rt = calloc(1, sizeof *rt);
    if (!rt)
        return omr_fail(err, OMR_ERR_MEMORY, "out of memory");
    watch_config_defaults(&rt->cfg);
    int rc = config_path ? watch_config_read(config_path, &rt->cfg, err) : OMR_OK;
    if (rc == OMR_OK) {
        watch_config_overlay(&rt->cfg, overrides);
        if (rt->cfg.inbox && !rt->cfg.processing) {
            size_t n = strlen(rt->cfg.inbox) + 16;
            rt->cfg.processing = malloc(n);
            if (rt->cfg.processing)
                snprintf(rt->cfg.processing, n, "%s/.processing", rt->cfg.inbox);
        }
        rc = watch_config_check(&rt->cfg, err);
    }
    if (rc == OMR_OK) {
        rt->templates = calloc(rt->cfg.n_templates, sizeof *rt->templates);
        for (size_t i = 0; rt->templates && rc == OMR_OK && i < rt->cfg.n_templates; i++) {
            char *path = template_find(rt->cfg.templates[i]);
            if (!path) {
                rc = omr_fail(err, OMR_ERR_INVALID, "template \"%s\" not found (neither a file nor templates/%s.cfg)",
                              rt->cfg.templates[i], rt->cfg.templates[i]);
                break;
            }
            template_problems problems = {0};
            omr_error terr;
            if (template_load(path, &rt->templates[rt->n_templates], &problems, &terr) == OMR_OK)
                rt->n_templates++;
            else
                rc = omr_fail(err, OMR_ERR_INVALID, "%s%s%s", problems.count ? problems.messages[0] : "",
                              problems.count ? "; " : "", terr.message);
            template_problems_clear(&problems);
            free(path);
        }
    }
    if (rc == OMR_OK) {
        char *path = calibration_find(rt->cfg.calibration);
        if (!path)
            rc = omr_fail(err, OMR_ERR_INVALID, "calibration profile \"%s\" not found", rt->cfg.calibration);
        else
            rc = calibration_load(path, &rt->cal, err) == OMR_OK ? OMR_OK : OMR_ERR_INVALID;
        free(path);
    }
    if (rc != OMR_OK) {
        runtime_free(rt);
        return rc;
    }
    rt->scan = (scan_options){.templates = (const omr_template *const *)rt->templates,
                              .n_templates = rt->n_templates,
                              .calibration = &rt->cal,
                              .out_dir = rt->cfg.out,
                              .run_ocr = rt->cfg.ocr,
                              .ocr_languages = rt->cfg.languages,
                              .db_path = rt->cfg.db};
    *out = rt;
    return OMR_OK;
}

/* Creates the folders; the processing folder must be on the inbox's disk
 * (a claim is a rename). */
static int runtime_prepare_folders(runtime *rt, omr_error *err) {
    const watch_config *c = &rt->cfg;
    const char *folders[] = {c->inbox, c->processing, c->archive, c->rejected, c->out};
    for (size_t i = 0; i < sizeof folders / sizeof folders[0]; i++) {
        int rc = mkdir_p(folders[i], err);
        if (rc != OMR_OK)
            return rc;
    }
    char comments[PATH_MAX];
    snprintf(comments, sizeof comments, "%s/comments", c->out);
    int rc = mkdir_p(comments, err);
    if (rc != OMR_OK)
        return rc;
    struct stat a, b;
    if (stat(c->inbox, &a) == 0 && stat(c->processing, &b) == 0 && a.st_dev != b.st_dev)
        return omr_fail(err, OMR_ERR_INVALID,
                        "the processing folder %s is on another disk than the inbox %s; a file is claimed by "
                        "renaming it, so put it on the same disk (the default is a hidden folder in the inbox)",
                        c->processing, c->inbox);
    if (!realpath(c->processing, rt->processing_real))
        snprintf(rt->processing_real, sizeof rt->processing_real, "%s", c->processing);
    return OMR_OK;
}

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
} inbox_state;

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
        }
    }
    closedir(dir);
}

/* A full listing: new files, changed sizes, and files that vanished. */
static void inbox_list(daemon_state *d, inbox_state *in, double now) {
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
            logf_(d, "%s: vanished from the inbox before it was read (deleted or moved by someone); nothing "
                     "recorded", in->items[i].name);
            cand_remove(in, i);
        }
    in->listing_due = 0;
}

static void inbox_events(daemon_state *d, inbox_state *in, double now) {
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
                    logf_(d, "%s: vanished from the inbox before it was read (deleted or moved by someone); "
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
static long inbox_pick(const inbox_state *in, const watch_config *c, double now) {
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

static size_t inbox_waiting(const inbox_state *in) {
    size_t n = 0;
    for (size_t i = 0; i < in->n; i++)
        n += !in->items[i].stuck;
    return n;
}

static void inbox_free(inbox_state *in) {
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

static void inbox_init(inbox_state *in, const watch_config *c) {
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
static void claim(daemon_state *d, inbox_state *in, size_t index, sqlite3 *db) {
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
            logf_(d, "%s: vanished from the inbox before it was read (deleted or moved by someone); nothing "
                     "recorded", k->name);
            cand_remove(in, index);
            return;
        }
        char message[1200];
        snprintf(message, sizeof message,
                 "cannot be taken from the inbox: %s; check the permissions of the file and the inbox "
                 "(it is tried again when it changes)", strerror(e));
        logf_(d, "%s: %s", k->name, message);
        omr_error err;
        store_log_event(db, "error", k->name, message, &err);
        k->stuck = 1;
        return;
    }
    job *j = job_for_claimed(claimed, k->name, k->first_seen);
    cand_remove(in, index);
    if (!j)
        return; /* gone at once; nothing to read (a restart would find it otherwise) */
    pthread_mutex_lock(&d->mu);
    queue_push_locked(d, j);
    pthread_mutex_unlock(&d->mu);
}

/* Files left in the processing folder (a crash, a stop while retrying) go
 * back into the queue: their claim name carries their inbox name. */
static size_t recover_processing(daemon_state *d) {
    const watch_config *c = &d->rt->cfg;
    DIR *dir = opendir(c->processing);
    if (!dir)
        return 0;
    size_t n = 0;
    for (struct dirent *e; (e = readdir(dir));) {
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
        queue_push_locked(d, j);
        pthread_mutex_unlock(&d->mu);
        n++;
    }
    closedir(dir);
    return n;
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

static void record_meta(const runtime *rt, sqlite3 *db) {
    omr_error err;
    char buf[PATH_MAX], now[32], pid[32], ids[1024] = "";
    store_now(now);
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

/* Nothing waits, nothing is in hand, the outputs are written, and no comment
 * waits for OCR. */
static int all_done(daemon_state *d, const inbox_state *in, sqlite3 *db) {
    if (inbox_waiting(in))
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
    logf_(d, "%s %s: %d worker%s, comments %s; ledger %s; outputs in %s; archive %s; rejected %s; files "
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
    if (runtime_load(config_path, overrides, &next, &err) != OMR_OK) {
        logf_(d, "configuration not reloaded (the old one stays in force): %s", err.message);
        return;
    }
    const watch_config *old = &d->rt->cfg;
    const char *fixed[][2] = {{old->inbox, next->cfg.inbox}, {old->processing, next->cfg.processing},
                              {old->db, next->cfg.db}};
    for (size_t i = 0; i < 3; i++)
        if (strcmp(fixed[i][0], fixed[i][1]) != 0)
            logf_(d, "reload: %s stays %s until omr watch is restarted", i == 0 ? "the inbox" : i == 1 ? "the processing folder" : "the ledger",
                  fixed[i][0]);
    set_str(&next->cfg.inbox, old->inbox);
    set_str(&next->cfg.processing, old->processing);
    set_str(&next->cfg.db, old->db);
    next->scan.db_path = next->cfg.db;
    if (runtime_prepare_folders(next, &err) != OMR_OK) {
        logf_(d, "configuration not reloaded (the old one stays in force): %s", err.message);
        runtime_free(next);
        return;
    }
    threads_stop(d);
    runtime *old_rt = d->rt;
    d->rt = next;
    runtime_free(old_rt);
    inbox_free(in);
    inbox_init(in, &d->rt->cfg);
    recover_processing(d);
    if (threads_start(d, &err) != OMR_OK)
        logf_(d, "after reload: %s", err.message);
    describe(d, "reloaded; watching");
}

int watch_run(const char *config_path, const watch_config *overrides, watch_log_fn log, void *user,
              omr_error *err) {
    runtime *rt = NULL;
    int rc = runtime_load(config_path, overrides, &rt, err);
    if (rc != OMR_OK)
        return rc;
    rc = runtime_prepare_folders(rt, err);
    if (rc != OMR_OK) {
        runtime_free(rt);
        return rc;
    }
    int lock_fd = -1;
    rc = take_lock(rt, &lock_fd, err);
    if (rc != OMR_OK) {
        runtime_free(rt);
        return rc;
    }
    sqlite3 *db = NULL;
    rc = store_open(rt->cfg.db, &db, err);
    if (rc != OMR_OK) {
        close(lock_fd);
        runtime_free(rt);
        return rc;
    }
    int forgotten = 0;
    store_forget_unfinished(db, &forgotten, err);
    record_meta(rt, db);

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
    inbox_init(&in, &rt->cfg);
    if (in.ifd < 0)
        logf_(&d, "inotify is not available (%s); noticing new files by listing only", strerror(errno));

    size_t recovered = recover_processing(&d);
    describe(&d, "watching");
    if (recovered)
        logf_(&d, "%zu file%s left in %s by the last run: read again (nothing is counted twice)", recovered,
              recovered == 1 ? "" : "s", rt->cfg.processing);
    rc = threads_start(&d, err);

    double next_listing = 0;
    int stop = rc != OMR_OK;
    while (!stop) {
        struct pollfd fds[3] = {{sfd, POLLIN, 0}, {d.wake_fd, POLLIN, 0}, {in.ifd, POLLIN, 0}};
        poll(fds, in.ifd >= 0 ? 3 : 2, 200);
        double now = mono_now();
        uint64_t wakes;
        if (d.wake_fd >= 0 && read(d.wake_fd, &wakes, sizeof wakes) < 0) {
            /* nothing to drain */
        }
        struct signalfd_siginfo si;
        while (sfd >= 0 && read(sfd, &si, sizeof si) == (ssize_t)sizeof si) {
            if (si.ssi_signo == SIGHUP) {
                logf_(&d, "SIGHUP: reloading %s", config_path ? config_path : "(no config file; flags only)");
                reload(&d, config_path, overrides, &in);
                next_listing = 0;
            } else {
                logf_(&d, "%s: finishing the files in hand, then stopping", si.ssi_signo == SIGTERM ? "SIGTERM" : "SIGINT");
                stop = 1;
            }
        }
        if (stop)
            break;
        const watch_config *c = &d.rt->cfg;
        if (in.ifd >= 0 && (fds[2].revents & POLLIN))
            inbox_events(&d, &in, now);
        if (now >= next_listing || in.listing_due) {
            inbox_list(&d, &in, now);
            next_listing = now + c->poll_seconds;
        }
        /* claim while a worker would otherwise wait (one spare in the queue) */
        for (;;) {
            pthread_mutex_lock(&d.mu);
            size_t busy = d.queued + d.in_flight;
            pthread_mutex_unlock(&d.mu);
            if (busy >= (size_t)c->workers + 1)
                break;
            long pick = inbox_pick(&in, c, now);
            if (pick < 0)
                break;
            claim(&d, &in, (size_t)pick, db);
        }
        pthread_mutex_lock(&d.mu);
        int quiet = in.n == 0;
        if (quiet != d.inbox_quiet) {
            d.inbox_quiet = quiet;
            pthread_cond_signal(&d.export_cv);
        }
        pthread_mutex_unlock(&d.mu);
        if (c->exit_when_idle && all_done(&d, &in, db)) {
            logf_(&d, "nothing left to do; stopping (--exit-when-idle)");
            stop = 1;
        }
    }
    threads_stop(&d);
    logf_(&d, "stopped: %ld file%s read, %ld rejected, %ld duplicate%s since start", d.files_done,
          d.files_done == 1 ? "" : "s", d.files_rejected, d.files_duplicate, d.files_duplicate == 1 ? "" : "s");
    inbox_free(&in);
    for (size_t i = 0; i < d.n_reserved; i++)
        free(d.reserved[i]);
    free(d.reserved);
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
    runtime_free(d.rt);
    return rc;
}

/* ---- omr status ------------------------------------------------------------------------------ */

static long count_query(sqlite3 *db, const char *sql, const char *arg) {
    sqlite3_stmt *st = NULL;
    long n = 0;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK) {
        if (arg)
            sqlite3_bind_text(st, 1, arg, -1, SQLITE_TRANSIENT);
        if (sqlite3_step(st) == SQLITE_ROW)
            n = (long)sqlite3_column_int64(st, 0);
    }
    sqlite3_finalize(st);
    return n;
}

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
        for (size_t i = 0; i < sizeof default_ignore / sizeof default_ignore[0]; i++)
            ignored |= fnmatch(default_ignore[i], e->d_name, 0) == 0;
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
    if (stat(db_path, &st) != 0)
        return omr_fail(err, OMR_ERR_IO, "no ledger at %s (give --db PATH, as for omr watch)", db_path);
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        omr_fail(err, OMR_ERR_IO, "cannot open the ledger %s: %s", db_path, db ? sqlite3_errmsg(db) : "out of memory");
        sqlite3_close(db);
        return OMR_ERR_IO;
    }
    sqlite3_busy_timeout(db, 5000);
    char pid[32] = "";
    store_get_meta(db, "watch.inbox", s->inbox, sizeof s->inbox, err);
    store_get_meta(db, "watch.processing", s->processing, sizeof s->processing, err);
    store_get_meta(db, "watch.pid", pid, sizeof pid, err);
    store_get_meta(db, "watch.started_at", s->started_at, sizeof s->started_at, err);
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
    s->done_today = count_query(db, "SELECT count(*) FROM scan_files WHERE state = 'done' AND finished_at >= ?", midnight);
    s->rejected_today = count_query(db, "SELECT count(*) FROM scan_files WHERE state = 'rejected' AND finished_at >= ?",
                                    midnight);
    s->duplicates_today = count_query(db, "SELECT count(*) FROM duplicate_files WHERE received_at >= ?", midnight);
    s->forms_today = count_query(db, "SELECT count(*) FROM returns WHERE created_at >= ?", midnight);
    s->forms_last_hour = count_query(db, "SELECT count(*) FROM returns WHERE created_at >= ?", hour_ago);
    s->forms_total = count_query(db, "SELECT count(*) FROM returns", NULL);
    s->ocr_waiting = count_query(db, "SELECT count(*) FROM texts WHERE status = 'pending_ocr'", NULL);
    s->review_open = count_query(db, "SELECT count(*) FROM review_items WHERE state = 'open'", NULL);
    sqlite3_stmt *st_first = NULL;
    if (sqlite3_prepare_v2(db, "SELECT min(created_at) FROM returns WHERE created_at >= ?", -1, &st_first, NULL) ==
        SQLITE_OK) {
        sqlite3_bind_text(st_first, 1, midnight, -1, SQLITE_TRANSIENT);
        if (sqlite3_step(st_first) == SQLITE_ROW && sqlite3_column_text(st_first, 0)) {
            struct tm first = {0};
            if (strptime((const char *)sqlite3_column_text(st_first, 0), "%Y-%m-%dT%H:%M:%SZ", &first)) {
                double hours = difftime(now, timegm(&first)) / 3600.0;
                if (hours < 1.0 / 60)
                    hours = 1.0 / 60;
                s->forms_per_hour = (double)s->forms_today / hours;
            }
        }
    }
    sqlite3_finalize(st_first);
    sqlite3_stmt *ev = NULL;
    if (sqlite3_prepare_v2(db, "SELECT at, ifnull(file, ''), message FROM events WHERE level = 'error' "
                               "ORDER BY id DESC LIMIT 5", -1, &ev, NULL) == SQLITE_OK)
        while (s->n_errors < 5 && sqlite3_step(ev) == SQLITE_ROW) {
            snprintf(s->errors[s->n_errors].at, sizeof s->errors[0].at, "%s", sqlite3_column_text(ev, 0));
            snprintf(s->errors[s->n_errors].file, sizeof s->errors[0].file, "%s", sqlite3_column_text(ev, 1));
            snprintf(s->errors[s->n_errors].message, sizeof s->errors[0].message, "%s", sqlite3_column_text(ev, 2));
            s->n_errors++;
        }
    sqlite3_finalize(ev);
    sqlite3_close(db);
    return OMR_OK;
}
