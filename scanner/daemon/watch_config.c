/*
 * watch_config.c — the daemon's configuration: defaults, the libconfig file
 * (unknown or mistyped keys refused with FILE:LINE), overrides from the
 * command line, the sanity check, and the runtime a configuration loads
 * (templates, calibration profile, scan options, folders). The runtime is
 * built whole or not at all, so a SIGHUP with a broken file keeps the old one.
 */
#include "daemon/watch_daemon.h"
#include "reading/reference.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <libconfig.h>
#include <stdio.h>

/* ---- configuration ------------------------------------------------------------------- */

const char *const watch_default_ignore[WATCH_N_DEFAULT_IGNORE] = {"*.tmp", "*.temp", "*.part", "*.partial", "*.crdownload",
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
    c->workers = c->ocr = c->ocr_workers = c->exit_when_idle = c->create_folders = -1;
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
    c->n_ignore = sizeof watch_default_ignore / sizeof watch_default_ignore[0];
    c->ignore = strv_dup((char *const *)watch_default_ignore, c->n_ignore);
    c->exit_when_idle = 0;
    c->create_folders = 0;
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

void watch_set_str(char **dst, const char *src) {
    if (!src)
        return;
    free(*dst);
    *dst = omr_strdup(src);
}

void watch_config_overlay(watch_config *c, const watch_config *o) {
    watch_set_str(&c->inbox, o->inbox);
    watch_set_str(&c->processing, o->processing);
    watch_set_str(&c->archive, o->archive);
    watch_set_str(&c->rejected, o->rejected);
    watch_set_str(&c->out, o->out);
    watch_set_str(&c->db, o->db);
    watch_set_str(&c->calibration, o->calibration);
    watch_set_str(&c->languages, o->languages);
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
    if (o->create_folders >= 0)
        c->create_folders = o->create_folders;
    if (o->settle_seconds >= 0)
        c->settle_seconds = o->settle_seconds;
    if (o->poll_seconds >= 0)
        c->poll_seconds = o->poll_seconds;
    if (o->export_seconds >= 0)
        c->export_seconds = o->export_seconds;
    if (o->retry_seconds >= 0)
        c->retry_seconds = o->retry_seconds;
}

/* A config value that names a folder or file: relative to the config file
 * (a URI, such as db = "postgresql://...", is taken as it is). */
static char *config_path(const char *dir, const char *value) {
    if (value[0] == '/' || !dir || !*dir || strstr(value, "://"))
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
        {"create_folders", 'b', offsetof(watch_config, create_folders), 0, 1},
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


/* ---- the runtime: templates and calibration for a configuration --------------------------- */

void watch_runtime_free(runtime *rt) {
    if (!rt)
        return;
    for (size_t i = 0; i < rt->n_templates; i++)
        template_free(rt->templates[i]);
    free(rt->templates);
    watch_config_free(&rt->cfg);
    free(rt);
}

int watch_runtime_load(const char *config_path, const watch_config *overrides, runtime **out, omr_error *err) {
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
    decode_dropout dropout; /* one colour drop-out for the daemon's templates (scan.h) */
    if (rc == OMR_OK)
        rc = scan_run_dropout((const omr_template *const *)rt->templates, rt->n_templates, &dropout, err);
    if (rc == OMR_OK) {
        char *path = calibration_find(rt->cfg.calibration);
        if (!path)
            rc = omr_fail(err, OMR_ERR_INVALID, "calibration profile \"%s\" not found", rt->cfg.calibration);
        else
            rc = calibration_load(path, &rt->cal, err) == OMR_OK ? OMR_OK : OMR_ERR_INVALID;
        free(path);
    }
    if (rc != OMR_OK) {
        watch_runtime_free(rt);
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
/* A folder the daemon files into: made when missing, but only inside a folder
 * that exists (a mistyped path is refused, not made), unless the user asked
 * for create_folders. The inbox is never made without it: an inbox nobody
 * scans into is a typo. */
static int check_folder(const char *what, const char *path, int may_create, int create_parents, omr_error *err) {
    struct stat st;
    if (stat(path, &st) == 0) {
        if (!S_ISDIR(st.st_mode))
            return omr_fail(err, OMR_ERR_INVALID, "the %s %s is not a folder", what, path);
        return OMR_OK;
    }
    if (errno != ENOENT)
        return omr_fail(err, OMR_ERR_INVALID, "the %s %s cannot be used: %s", what, path, strerror(errno));
    if (!may_create && !create_parents)
        return omr_fail(err, OMR_ERR_INVALID,
                        "the %s %s does not exist; check the path for a typo, or create it (or start with "
                        "--create-folders, create_folders = true in the config file)", what, path);
    if (!create_parents) {
        char parent[PATH_MAX];
        snprintf(parent, sizeof parent, "%s", path);
        size_t len = strlen(parent);
        while (len > 1 && parent[len - 1] == '/')
            parent[--len] = 0;
        char *slash = strrchr(parent, '/');
        if (slash)
            *(slash == parent ? slash + 1 : slash) = 0;
        else
            snprintf(parent, sizeof parent, ".");
        if (stat(parent, &st) != 0 || !S_ISDIR(st.st_mode))
            return omr_fail(err, OMR_ERR_INVALID,
                            "the %s %s cannot be made: its folder %s does not exist; check the path for a typo, "
                            "or create it (or start with --create-folders, create_folders = true in the config "
                            "file)", what, path, parent);
    }
    return watch_mkdir_p(path, err);
}

int watch_runtime_prepare_folders(runtime *rt, omr_error *err) {
    const watch_config *c = &rt->cfg;
    const char *what[] = {"inbox", "processing folder", "archive folder", "rejected folder", "output folder"};
    const char *folders[] = {c->inbox, c->processing, c->archive, c->rejected, c->out};
    for (size_t i = 0; i < sizeof folders / sizeof folders[0]; i++) {
        int rc = check_folder(what[i], folders[i], i > 0, c->create_folders > 0, err);
        if (rc != OMR_OK)
            return rc;
    }
    char comments[PATH_MAX];
    snprintf(comments, sizeof comments, "%s/comments", c->out);
    int rc = watch_mkdir_p(comments, err);
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

