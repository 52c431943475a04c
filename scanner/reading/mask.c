/*
 * mask.c — where the blank form carries print (mask.h). On omr's own forms
 * the page is drawn for no one (code "0") by forms/draw.c, the same drawing
 * the printer prints, at one pixel per cell; on a form omr did not print the
 * blank page itself (reference.c) is read, a cell being printed when the
 * darkest blank pixel in it is. Either way the print is then grown by
 * MASK_GROW_MM, along rows and then along columns, for registration and
 * toner spread. Reading never calls the printer. A drawn mask is kept in a
 * cache folder under a content hash of everything it depends on (see "the
 * cache" below), so a process with a warm cache reads it instead of drawing.
 * print_mask_beyond tells measure which print around a box is not the box's
 * own outline (a table's rules round a bubble in its cell), so measure does
 * not re-centre the box onto it.
 */
#include "reading/mask.h"

#include <assert.h>
#include <cairo.h>
#include <errno.h>
#include <math.h>
#include <openssl/evp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>

#include "base/files.h"
#include "forms/draw.h"
#include "reading/reference.h"

#define MASK_PITCH_MM 0.1   /* the print mask's cell */
#define MASK_GROW_MM 0.4    /* print grown by this: registration and toner spread */
#define OWN_OUTLINE_MM 0.6   /* a box's own outline, grown, lies this close to its edge */
#define MASK_PRINT_LEVEL 192 /* a drawn pixel darker than this is print */
#define MASK_CACHE_MAGIC "OMRMASK2"
#define MASK_CACHE_VERSION "omr print mask 2" /* change when the drawing or the growth changes */

/* A form omr did not print: the blank page's own print, thresholded and
 * grown by 0.4 mm, one cell per 0.1 mm. */
static int mask_from_reference(const omr_template *t, int page, print_mask *out, omr_error *err) {
    memset(out, 0, sizeof *out);
    const reference_page *ref = template_reference(t, page);
    if (!ref)
        return omr_fail(err, OMR_ERR_INVALID, "%s has no blank page %d", t->id, page);
    int w = (int)ceil(t->page_width / MASK_PITCH_MM), hgt = (int)ceil(t->page_height / MASK_PITCH_MM);
    int grow = (int)lround(MASK_GROW_MM / MASK_PITCH_MM);
    uint8_t *print = calloc((size_t)w * (size_t)hgt, 1);
    out->printed = calloc((size_t)w * (size_t)hgt, 1);
    if (!print || !out->printed) {
        free(print);
        free(out->printed);
        out->printed = NULL;
        return omr_fail(err, OMR_ERR_MEMORY, "out of memory");
    }
    /* print: a cell is printed when the darkest blank pixel in it is */
    const omr_image *img = reference_page_image(ref); /* decoded on first use */
    if (!img) {
        free(print);
        print_mask_free(out);
        return omr_fail(err, OMR_ERR_INVALID, "the blank page %d of %s can no longer be read", page, t->id);
    }
    assert(img->width > 0 && img->height > 0 && ref->px_per_mm > 0);
    double s = ref->px_per_mm * MASK_PITCH_MM;
    for (int y = 0; y < img->height; y++) {
        int my = (int)(y / s);
        if (my >= hgt)
            break;
        for (int x = 0; x < img->width; x++)
            if (omr_image_at(img, x, y) < 160) {
                int mx = (int)(x / s);
                if (mx < w)
                    print[(size_t)my * w + mx] = 1;
            }
    }
    /* grown by `grow` cells: along rows, then along columns */
    uint8_t *rows = calloc((size_t)w * (size_t)hgt, 1);
    if (!rows) {
        free(print);
        print_mask_free(out);
        return omr_fail(err, OMR_ERR_MEMORY, "out of memory");
    }
    for (int y = 0; y < hgt; y++)
        for (int x = 0; x < w; x++)
            if (print[(size_t)y * w + x])
                for (int k = x - grow < 0 ? 0 : x - grow; k <= x + grow && k < w; k++)
                    rows[(size_t)y * w + k] = 1;
    for (int y = 0; y < hgt; y++)
        for (int x = 0; x < w; x++)
            if (rows[(size_t)y * w + x])
                for (int k = y - grow < 0 ? 0 : y - grow; k <= y + grow && k < hgt; k++)
                    out->printed[(size_t)k * w + x] = 1;
    free(rows);
    free(print);
    out->width = w;
    out->height = hgt;
    out->pitch = MASK_PITCH_MM;
    return OMR_OK;
}

/* omr's own form: drawn and grown (the cost the cache saves). */
static int mask_from_drawing(const omr_template *tmpl, int page, print_mask *out, omr_error *err) {
    /* omr's own form: the page as printed for no one (code "0"), drawn by
     * the same code as the printer's */
    omr_image *blank = NULL;
    if (draw_page_image(tmpl, "0", page, 25.4 / MASK_PITCH_MM, &blank, err) != OMR_OK)
        return OMR_ERR_INVALID;
    assert(blank && blank->width > 0 && blank->height > 0);
    int w = blank->width, h = blank->height, grow = (int)lround(MASK_GROW_MM / MASK_PITCH_MM);
    uint8_t *rows = calloc((size_t)w * (size_t)h, 1);
    out->printed = calloc((size_t)w * (size_t)h, 1);
    if (!rows || !out->printed) {
        free(rows);
        free(out->printed);
        omr_image_free(blank);
        return omr_fail(err, OMR_ERR_MEMORY, "out of memory");
    }
    /* grow the print by `grow` cells: along rows, then along columns */
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            if (omr_image_at(blank, x, y) < MASK_PRINT_LEVEL)
                for (int k = x - grow < 0 ? 0 : x - grow; k <= x + grow && k < w; k++)
                    rows[(size_t)y * w + k] = 1;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            if (rows[(size_t)y * w + x])
                for (int k = y - grow < 0 ? 0 : y - grow; k <= y + grow && k < h; k++)
                    out->printed[(size_t)k * w + x] = 1;
    free(rows);
    omr_image_free(blank);
    out->width = w;
    out->height = h;
    out->pitch = MASK_PITCH_MM;
    return OMR_OK;
}

/* ---- the cache ----------------------------------------------------------------
 *
 * A drawn mask depends on the template file's bytes, the page, the cell, the
 * growth, the print level, this code's version, cairo's version and the fonts
 * the drawing resolves (the times of the font and fontconfig folders).
 * All of it is hashed (SHA-256) into the file's name, so a changed template
 * or font gives another name and the old file is simply never read again.
 * The file holds the magic, the key again, the size, the cells one bit each
 * and a check of those bits: a file cut short, written over by a second
 * writer or damaged is not used (the mask is drawn anew). The cache is
 * $OMR_CACHE_DIR, else $XDG_CACHE_HOME/omr, else ~/.cache/omr; OMR_CACHE_DIR
 * set but empty turns it off. A cache that cannot be read or written only
 * costs time: it never fails a scan. */

/* The fonts draw.c asks cairo for, as this machine would resolve them:
 * fontconfig's own test of its cache (the modification times of the font
 * folders, recursively, and of its configuration), without starting
 * fontconfig. Installing, removing or upgrading a font renames files in its
 * folder, which changes the folder's time, hence the key. */
static void mask_font_dirs(EVP_MD_CTX *md, const char *dir, int depth) {
    struct stat st;
    if (depth > 6 || stat(dir, &st) != 0)
        return;
    long long stamp[3] = {(long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec, (long long)st.st_size};
    EVP_DigestUpdate(md, dir, strlen(dir) + 1);
    EVP_DigestUpdate(md, stamp, sizeof stamp);
    if (!S_ISDIR(st.st_mode))
        return;
    DIR *d = opendir(dir);
    if (!d)
        return;
    char **subdirs = NULL;
    size_t n = 0, cap = 0;
    for (struct dirent *e; (e = readdir(d));) {
        if (e->d_name[0] == '.' || (e->d_type != DT_DIR && e->d_type != DT_UNKNOWN && e->d_type != DT_LNK &&
                                    strncmp(dir, "/etc/fonts", 10) != 0))
            continue; /* font files themselves: their folder's time tells */
        if (n == cap) {
            char **grown = realloc(subdirs, (cap = cap ? 2 * cap : 16) * sizeof *subdirs);
            if (!grown)
                break;
            subdirs = grown;
        }
        size_t len = strlen(dir) + strlen(e->d_name) + 2;
        if ((subdirs[n] = malloc(len)))
            snprintf(subdirs[n++], len, "%s/%s", dir, e->d_name);
    }
    closedir(d);
    /* readdir's order is the file system's: sorted, the key is stable */
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && strcmp(subdirs[j - 1], subdirs[j]) > 0; j--) {
            char *t = subdirs[j];
            subdirs[j] = subdirs[j - 1];
            subdirs[j - 1] = t;
        }
    for (size_t i = 0; i < n; i++) {
        mask_font_dirs(md, subdirs[i], depth + 1);
        free(subdirs[i]);
    }
    free(subdirs);
}

static void mask_font_fingerprint(EVP_MD_CTX *md) {
    const char *home = getenv("HOME"), *xdg = getenv("XDG_CONFIG_HOME");
    char path[4096];
    mask_font_dirs(md, "/etc/fonts", 0);
    mask_font_dirs(md, "/usr/share/fonts", 0);
    mask_font_dirs(md, "/usr/local/share/fonts", 0);
    if (home && *home) {
        snprintf(path, sizeof path, "%s/.fonts", home);
        mask_font_dirs(md, path, 0);
        snprintf(path, sizeof path, "%s/.local/share/fonts", home);
        mask_font_dirs(md, path, 0);
        snprintf(path, sizeof path, "%s/.config/fontconfig", home);
        mask_font_dirs(md, path, 0);
    }
    if (xdg && *xdg) {
        snprintf(path, sizeof path, "%s/fontconfig", xdg);
        mask_font_dirs(md, path, 0);
    }
    const char *fc = getenv("FONTCONFIG_FILE");
    if (fc)
        EVP_DigestUpdate(md, fc, strlen(fc) + 1);
}

/* The key of (template, page) as 64 hex digits; 0 when the template file
 * cannot be read (then no cache). */
static int mask_cache_key(const omr_template *t, int page, char hex[65]) {
    if (!t->path)
        return 0;
    FILE *f = fopen(t->path, "rb");
    if (!f)
        return 0;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    int ok = md && EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1;
    if (ok) {
        double params[] = {MASK_PITCH_MM, MASK_GROW_MM, MASK_PRINT_LEVEL, page};
        EVP_DigestUpdate(md, MASK_CACHE_VERSION, sizeof MASK_CACHE_VERSION);
        EVP_DigestUpdate(md, params, sizeof params);
        const char *cv = cairo_version_string();
        EVP_DigestUpdate(md, cv, strlen(cv) + 1);
        mask_font_fingerprint(md);
        unsigned char buf[8192];
        for (size_t n; (n = fread(buf, 1, sizeof buf, f)) > 0;)
            EVP_DigestUpdate(md, buf, n);
        ok = !ferror(f);
    }
    unsigned char digest[32];
    unsigned len = 0;
    ok = ok && EVP_DigestFinal_ex(md, digest, &len) == 1 && len == 32;
    EVP_MD_CTX_free(md);
    fclose(f);
    for (int i = 0; ok && i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", digest[i]);
    return ok;
}

/* A check of the stored bits against a torn or damaged file (not against
 * an adversary: the cache is the user's own): 64-bit multiply-xor over
 * words, in the first 8 of `out`, the rest zero. */
static int mask_digest(const uint8_t *bits, size_t n, unsigned char out[32]) {
    uint64_t h = 0x9e3779b97f4a7c15u ^ (uint64_t)n;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, bits + i, 8);
        h = (h ^ w) * 0xff51afd7ed558ccdu;
        h ^= h >> 32;
    }
    for (; i < n; i++)
        h = (h ^ bits[i]) * 0x100000001b3u;
    memset(out, 0, 32);
    memcpy(out, &h, 8);
    return 1;
}

typedef struct {
    char magic[8];
    char key[64];
    int32_t width, height;
    double pitch;
    unsigned char digest[32]; /* mask_digest of the bits that follow */
} mask_cache_header;

/* 1 when `path` held a whole, undamaged mask of `key` (now in *out). */
static int mask_cache_read(const char *path, const char *key, print_mask *out) {
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    mask_cache_header h;
    int ok = fread(&h, sizeof h, 1, f) == 1 && memcmp(h.magic, MASK_CACHE_MAGIC, 8) == 0 &&
             memcmp(h.key, key, 64) == 0 && h.width > 0 && h.height > 0 && h.width < 100000 &&
             h.height < 100000 && h.pitch == MASK_PITCH_MM;
    size_t cells = ok ? (size_t)h.width * (size_t)h.height : 0, nbits = (cells + 7) / 8;
    uint8_t *bits = ok ? malloc(nbits) : NULL;
    unsigned char digest[32];
    ok = ok && bits && fread(bits, 1, nbits, f) == nbits && fgetc(f) == EOF &&
         mask_digest(bits, nbits, digest) && memcmp(digest, h.digest, 32) == 0;
    fclose(f);
    uint8_t *printed = ok ? malloc(nbits * 8) : NULL; /* room for the last byte's 8 */
    if (printed) {
        uint8_t unpack[256][8];
        for (int b = 0; b < 256; b++)
            for (int k = 0; k < 8; k++)
                unpack[b][k] = (uint8_t)((b >> k) & 1);
        for (size_t i = 0; i < nbits; i++)
            memcpy(printed + 8 * i, unpack[bits[i]], 8);
        *out = (print_mask){.width = h.width, .height = h.height, .pitch = h.pitch, .printed = printed};
    }
    free(bits);
    return printed != NULL;
}

/* Best effort: a cache that cannot be written is no error. */
static void mask_cache_write(const char *dir, const char *path, const char *key, const print_mask *m) {
    size_t cells = (size_t)m->width * (size_t)m->height, nbits = (cells + 7) / 8;
    uint8_t *bits = calloc(nbits, 1);
    mask_cache_header h;
    memset(&h, 0, sizeof h);
    if (!bits || !omr_cache_make_dir(dir)) {
        free(bits);
        return;
    }
    for (size_t i = 0; i < cells; i++)
        if (m->printed[i])
            bits[i >> 3] |= (uint8_t)(1u << (i & 7));
    memcpy(h.magic, MASK_CACHE_MAGIC, 8);
    memcpy(h.key, key, 64);
    h.width = m->width;
    h.height = m->height;
    h.pitch = m->pitch;
    omr_atomic_file file;
    omr_error err;
    if (mask_digest(bits, nbits, h.digest) && omr_atomic_open_path(&file, path, &err) == OMR_OK) {
        if (fwrite(&h, sizeof h, 1, file.fp) == 1 && fwrite(bits, 1, nbits, file.fp) == nbits)
            omr_atomic_commit(&file, &err);
        else
            omr_atomic_abort(&file);
    }
    free(bits);
}

int measure_print_mask(const omr_template *tmpl, int page, print_mask *out, omr_error *err) {
    memset(out, 0, sizeof *out);
    if (template_reference(tmpl, page)) /* a form omr did not print: its blank page */
        return mask_from_reference(tmpl, page, out, err);
    char dir[3900], path[4096], key[65];
    if (!omr_cache_dir(dir, sizeof dir) || !mask_cache_key(tmpl, page, key))
        return mask_from_drawing(tmpl, page, out, err);
    snprintf(path, sizeof path, "%s/mask-%s.bin", dir, key);
    if (mask_cache_read(path, key, out))
        return OMR_OK;
    int rc = mask_from_drawing(tmpl, page, out, err);
    if (rc == OMR_OK)
        mask_cache_write(dir, path, key, out);
    return rc;
}

void print_mask_free(print_mask *mask) {
    if (!mask)
        return;
    free(mask->printed);
    memset(mask, 0, sizeof *mask);
}

int print_mask_bounds(const print_mask *mask, int x0, int y0, int x1, int y1, int *lx, int *ly, int *hx, int *hy) {
    assert(mask && mask->printed && lx && ly && hx && hy);
    int found = 0;
    for (int y = y0 < 0 ? 0 : y0; y < y1 && y < mask->height; y++)
        for (int x = x0 < 0 ? 0 : x0; x < x1 && x < mask->width; x++) {
            if (!mask->printed[(size_t)y * (size_t)mask->width + (size_t)x])
                continue;
            if (!found) {
                *lx = *hx = x;
                *ly = *hy = y;
                found = 1;
            }
            *lx = x < *lx ? x : *lx;
            *hx = x > *hx ? x : *hx;
            *hy = y; /* rows come in order */
        }
    return found;
}

/* See mask.h. The box's own outline, drawn on its edge and grown by
 * MASK_GROW_MM, lies within OWN_OUTLINE_MM of it; print further out is a
 * table's rule, a label, a leader line. */
uint8_t *print_mask_beyond(const print_mask *mask, omr_rect box, double ox, double oy, double pitch, int w, int h) {
    if (!mask || !mask->printed || w <= 0 || h <= 0)
        return NULL;
    assert(mask->width > 0 && mask->height > 0 && mask->pitch > 0 && pitch > 0);
    uint8_t *out = calloc((size_t)w * (size_t)h, 1);
    /* what depends on the column alone, once per column: its mask cell (-1
     * off the mask) and whether it lies over the box's own outline band */
    int *col_mx = malloc((size_t)w * sizeof *col_mx);
    uint8_t *col_near = malloc((size_t)w);
    int any = 0;
    if (out && col_mx && col_near)
        for (int i = 0; i < w; i++) {
            double x = ox + (i + 0.5) * pitch;
            int mx = (int)(x / mask->pitch);
            col_mx[i] = x < 0 || mx >= mask->width ? -1 : mx;
            col_near[i] = x > box.x - OWN_OUTLINE_MM && x < box.x + box.w + OWN_OUTLINE_MM;
        }
    for (int j = 0; out && col_mx && col_near && j < h; j++) {
        double y = oy + (j + 0.5) * pitch;
        int my = (int)(y / mask->pitch), near_y = y > box.y - OWN_OUTLINE_MM && y < box.y + box.h + OWN_OUTLINE_MM;
        if (y < 0 || my >= mask->height)
            continue;
        const uint8_t *mrow = mask->printed + (size_t)my * (size_t)mask->width;
        uint8_t *orow = out + (size_t)j * (size_t)w;
        for (int i = 0; i < w; i++) {
            int mx = col_mx[i];
            if (mx < 0 || (near_y && col_near[i]))
                continue;
            if (mrow[mx]) {
                orow[i] = 1;
                any = 1;
            }
        }
    }
    free(col_mx);
    free(col_near);
    if (!any) {
        free(out);
        return NULL;
    }
    return out;
}
