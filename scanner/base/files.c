/*
 * files.c — atomic files, the CSV field writer and the growing string (see
 * files.h). The atomic file is the one every output goes through: it writes
 * under a temporary name in the same folder, so the rename that publishes it
 * is atomic, and it fsyncs the file before and the folder after the rename,
 * so a power cut leaves the old file or the new one, never a mix.
 */
#include "base/files.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- atomic files ------------------------------------------------------------------ */

const char *omr_io_hint(int e) {
    if (e == ENOSPC || e == EFBIG || e == EDQUOT)
        return " (the disk is full; omr writes it again when there is room)";
    if (e == EROFS || e == EACCES || e == EPERM)
        return " (the folder is read-only; omr writes it again when it can)";
    return "";
}

static int open_temp(omr_atomic_file *a, omr_error *err) {
    a->fp = fopen(a->temp_path, "w");
    if (!a->fp) {
        int saved = errno;
        return omr_fail(err, OMR_ERR_IO, "cannot write %s: %s%s", a->final_path, strerror(saved),
                        omr_io_hint(saved));
    }
    return OMR_OK;
}

int omr_atomic_open(omr_atomic_file *a, const char *dir, const char *name, omr_error *err) {
    assert(a && dir && name);
    snprintf(a->final_path, sizeof a->final_path, "%s/%s", dir, name);
    snprintf(a->temp_path, sizeof a->temp_path, "%s/.%s.tmp.%d", dir, name, (int)getpid());
    return open_temp(a, err);
}

int omr_atomic_open_path(omr_atomic_file *a, const char *path, omr_error *err) {
    assert(a && path);
    snprintf(a->final_path, sizeof a->final_path, "%s", path);
    snprintf(a->temp_path, sizeof a->temp_path, "%s.tmp.%d", path, (int)getpid());
    return open_temp(a, err);
}

int omr_atomic_finish(omr_atomic_file *a, omr_error *err) {
    assert(a->fp);
    errno = 0;
    int failed = ferror(a->fp) != 0;
    int saved = errno;
    if (!failed && (fflush(a->fp) != 0 || fsync(fileno(a->fp)) != 0)) {
        failed = 1;
        saved = errno;
    }
    if (fclose(a->fp) != 0 && !failed) {
        failed = 1;
        saved = errno;
    }
    a->fp = NULL;
    if (failed) {
        unlink(a->temp_path);
        if (!saved)
            saved = EIO;
        return omr_fail(err, OMR_ERR_IO, "cannot write %s: %s%s", a->final_path, strerror(saved),
                        omr_io_hint(saved));
    }
    return OMR_OK;
}

int omr_atomic_rename(omr_atomic_file *a, omr_error *err) {
    assert(!a->fp);
    if (rename(a->temp_path, a->final_path) != 0) {
        int saved = errno;
        unlink(a->temp_path);
        return omr_fail(err, OMR_ERR_IO, "cannot write %s: %s%s", a->final_path, strerror(saved),
                        omr_io_hint(saved));
    }
    return OMR_OK;
}

void omr_sync_dir(const char *dir) {
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
}

int omr_atomic_commit(omr_atomic_file *a, omr_error *err) {
    int rc = omr_atomic_finish(a, err);
    if (rc == OMR_OK)
        rc = omr_atomic_rename(a, err);
    if (rc == OMR_OK) {
        char dir[sizeof a->final_path];
        snprintf(dir, sizeof dir, "%s", a->final_path);
        omr_sync_dir(dirname(dir));
    }
    return rc;
}

void omr_atomic_abort(omr_atomic_file *a) {
    if (a->fp) {
        fclose(a->fp);
        a->fp = NULL;
    }
    unlink(a->temp_path);
}

int omr_write_file_atomic(const char *path, const char *text, omr_error *err) {
    omr_atomic_file file;
    int rc = omr_atomic_open_path(&file, path, err);
    if (rc != OMR_OK)
        return rc;
    fputs(text, file.fp);
    return omr_atomic_commit(&file, err);
}

/* ---- CSV ----------------------------------------------------------------------------- */

/* Length of the valid UTF-8 sequence at p (1 to 4), or 0 when the byte at p
 * does not start one (a stray continuation byte, an overlong form, a
 * surrogate, a code point over U+10FFFF, or a sequence cut short). */
static size_t utf8_valid_len(const unsigned char *p) {
    unsigned char c = p[0];
    if (c < 0x80)
        return 1;
    size_t n;
    unsigned min;
    unsigned cp;
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2, min = 0x80, cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3, min = 0x800, cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4, min = 0x10000, cp = c & 0x07;
    } else {
        return 0;
    }
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xC0) != 0x80) /* also stops at the NUL */
            return 0;
        cp = (cp << 6) | (p[i] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return n;
}

/* Does the cell start with something a spreadsheet reads as a formula (or
 * with the ' omr adds, so that adding it stays reversible)? */
static int csv_formula_start(const char *v) {
    return *v && strchr("=+-@\t\r'", *v) != NULL;
}

void omr_csv_cell(FILE *out, const char *value, char delim, omr_csv_kind kind) {
    if (!value)
        return;
    int quote = 0;
    for (const char *p = value; *p && !quote; p++)
        quote = *p == delim || *p == '"' || *p == '\r' || *p == '\n';
    if (quote)
        fputc('"', out);
    if (kind != OMR_CSV_PLAIN && csv_formula_start(value))
        fputc('\'', out);
    for (const unsigned char *p = (const unsigned char *)value; *p;) {
        size_t n = utf8_valid_len(p);
        if (n == 0) {
            fprintf(out, "\\x%02X", *p++);
            continue;
        }
        if (*p == '"' && quote)
            fputc('"', out);
        else if (*p == '\\' && kind == OMR_CSV_FILE)
            fputc('\\', out);
        fwrite(p, 1, n, out);
        p += n;
    }
    if (quote)
        fputc('"', out);
}

void omr_csv_field(FILE *out, const char *value, char delim) {
    omr_csv_cell(out, value, delim, OMR_CSV_PLAIN);
}

void omr_csv_row_kinds(FILE *out, const char *const *fields, size_t n, const char *kinds) {
    size_t n_kinds = kinds ? strlen(kinds) : 0;
    for (size_t i = 0; i < n; i++) {
        if (i)
            fputc(',', out);
        char k = i < n_kinds ? kinds[i] : 'p';
        assert(k == 'p' || k == 't' || k == 'f');
        omr_csv_cell(out, fields[i], ',', k == 't' ? OMR_CSV_TEXT : k == 'f' ? OMR_CSV_FILE : OMR_CSV_PLAIN);
    }
    fputs("\r\n", out);
}

void omr_csv_row(FILE *out, const char *const *fields, size_t n) {
    omr_csv_row_kinds(out, fields, n, NULL);
}

/* ---- growing strings ------------------------------------------------------------------ */

/* Makes room for `extra` more bytes and the NUL; 0 when out of memory. */
static int strbuf_reserve(omr_strbuf *b, size_t extra) {
    if (b->failed)
        return 0;
    size_t need = b->len + extra + 1;
    if (need <= b->cap)
        return 1;
    size_t cap = need * 2;
    char *grown = realloc(b->s, cap);
    if (!grown) {
        b->failed = 1;
        return 0;
    }
    b->s = grown;
    b->cap = cap;
    return 1;
}

void omr_strbuf_add(omr_strbuf *b, const char *sep, const char *item) {
    const char *lead = b->len ? sep : "";
    size_t lead_len = strlen(lead), item_len = strlen(item);
    if (!strbuf_reserve(b, lead_len + item_len))
        return;
    memcpy(b->s + b->len, lead, lead_len);
    memcpy(b->s + b->len + lead_len, item, item_len + 1);
    b->len += lead_len + item_len;
    assert(b->len < b->cap && b->s[b->len] == '\0');
}

void omr_strbuf_printf(omr_strbuf *b, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || !strbuf_reserve(b, (size_t)n))
        return;
    va_start(ap, fmt);
    vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

char *omr_strbuf_take(omr_strbuf *b) {
    char *s = b->s ? b->s : omr_strdup("");
    memset(b, 0, sizeof *b);
    return s;
}

void omr_strbuf_free(omr_strbuf *b) {
    free(b->s);
    memset(b, 0, sizeof *b);
}

/* ---- the cache folder ----------------------------------------------------------- */

int omr_cache_dir(char *dir, size_t size) {
    const char *own = getenv("OMR_CACHE_DIR"), *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
    if (own)
        return *own ? snprintf(dir, size, "%s", own) < (int)size : 0;
    if (xdg && *xdg)
        return snprintf(dir, size, "%s/omr", xdg) < (int)size;
    if (home && *home)
        return snprintf(dir, size, "%s/.cache/omr", home) < (int)size;
    return 0;
}

int omr_cache_make_dir(const char *dir) {
    char path[4096];
    snprintf(path, sizeof path, "%s", dir);
    for (char *p = path + 1; *p; p++)
        if (*p == '/') {
            *p = 0;
            if (mkdir(path, 0777) != 0 && errno != EEXIST)
                return 0;
            *p = '/';
        }
    return mkdir(path, 0777) == 0 || errno == EEXIST;
}
