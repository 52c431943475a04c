/*
 * cache.c — blank pages' descriptions kept between runs (cache.h).
 *
 * A file is a header (magic, key, payload length, payload digest) and the
 * payload: the page's scale and size, the look hash, the ORB features as
 * plain arrays (cv_wrap's export) and the structure's bytes. It is written
 * through base/files.h's atomic file, so a reader sees the old file, the new
 * one or none; the digest catches a file damaged since. The page's pixels
 * are a second file under the same key (look-KEY.pix): the same header,
 * then width, height, dpi and the rows run-length coded.
 */
#include "reading/look/cache.h"

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/files.h"

#define CACHE_MAGIC "OMRLOOK1"
#define CACHE_MAX_PAYLOAD (256u << 20)

/* 64-bit multiply-xor over words (a check against torn or damaged files and
 * a key over a file's bytes, not a defence against an adversary). */
static uint64_t digest(const uint8_t *p, size_t n, uint64_t seed) {
    uint64_t h = seed ^ (uint64_t)n * 0x9e3779b97f4a7c15u;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        h = (h ^ w) * 0xff51afd7ed558ccdu;
        h ^= h >> 32;
    }
    for (; i < n; i++)
        h = (h ^ p[i]) * 0x100000001b3u;
    h ^= h >> 29;
    h *= 0xc4ceb9fe1a85ec53u;
    return h ^ (h >> 32);
}

int look_cache_key(const char *path, int index, double page_w, double page_h, decode_dropout dropout,
                   const char *method, char key[LOOK_CACHE_KEY]) {
    char dir[4000];
    if (!omr_cache_dir(dir, sizeof dir))
        return 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    uint64_t h1 = 0x243f6a8885a308d3u, h2 = 0x13198a2e03707344u;
    uint8_t buf[1 << 16];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) {
        h1 = digest(buf, n, h1);
        h2 = digest(buf, n, h2 ^ h1);
    }
    int bad = ferror(f);
    fclose(f);
    if (bad)
        return 0;
    char tail[512];
    /* the drop-out changes the blank's grey, hence its features and structure
     * (none keeps the key of the caches made before drop-out existed) */
    int len = dropout == DECODE_DROPOUT_NONE
                  ? snprintf(tail, sizeof tail, "%d|%.6f|%.6f|%s", index, page_w, page_h, method)
                  : snprintf(tail, sizeof tail, "%d|%.6f|%.6f|dropout %d|%s", index, page_w, page_h,
                             (int)dropout, method);
    h1 = digest((const uint8_t *)tail, (size_t)len, h1);
    h2 = digest((const uint8_t *)tail, (size_t)len, h2);
    snprintf(key, LOOK_CACHE_KEY, "%016llx%016llx", (unsigned long long)h1, (unsigned long long)h2);
    return 1;
}

typedef struct {
    char magic[8];
    char key[32];
    uint64_t length;   /* of the payload */
    uint64_t digest;   /* of the payload */
} cache_header;

typedef struct {
    double px_per_mm, work_px_per_mm;
    uint64_t look[2];
    int32_t width, height, n_features, bytes;
    uint64_t structure_length;
} cache_fixed;

void look_cached_clear(look_cached *c) {
    cvw_features_free(c->features);
    look_structure_free(c->structure);
    memset(c, 0, sizeof *c);
}

/* The cache file of `key` with extension `ext` ("bin": the description,
 * "pix": the pixels); `dir` receives the cache folder. */
static int cache_path(const char *key, const char *ext, char *path, size_t size, char *dir, size_t dsize) {
    if (!omr_cache_dir(dir, dsize))
        return 0;
    return snprintf(path, size, "%s/look-%s.%s", dir, key, ext) < (int)size;
}

/* The payload of the file at `path` when its header carries `magic` and
 * `key`, its length is at least `min_length` (and at most
 * CACHE_MAX_PAYLOAD), nothing follows it and its digest holds; else NULL.
 * The caller frees it. */
static uint8_t *read_payload(const char *path, const char *magic, const char *key, size_t min_length,
                             size_t *length) {
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    cache_header h;
    uint8_t *payload = NULL;
    int ok = fread(&h, sizeof h, 1, f) == 1 && memcmp(h.magic, magic, 8) == 0 && memcmp(h.key, key, 32) == 0 &&
             h.length >= min_length && h.length <= CACHE_MAX_PAYLOAD;
    if (ok) {
        payload = malloc(h.length);
        ok = payload && fread(payload, 1, h.length, f) == h.length && fgetc(f) == EOF &&
             digest(payload, h.length, 0) == h.digest;
    }
    fclose(f);
    if (!ok) {
        free(payload);
        return NULL;
    }
    *length = h.length;
    return payload;
}

/* Writes the header (`magic`, `key`, length, digest) and `payload` to
 * `path` through an atomic file: a reader sees the old file or the new. */
static void write_payload(const char *path, const char *magic, const char *key, const uint8_t *payload,
                          size_t length) {
    cache_header h;
    memcpy(h.magic, magic, 8);
    memcpy(h.key, key, 32);
    h.length = length;
    h.digest = digest(payload, length, 0);
    omr_atomic_file file;
    omr_error err;
    if (omr_atomic_open_path(&file, path, &err) == OMR_OK) {
        if (fwrite(&h, sizeof h, 1, file.fp) == 1 && fwrite(payload, 1, length, file.fp) == length)
            omr_atomic_commit(&file, &err);
        else
            omr_atomic_abort(&file);
    }
}

int look_cache_read(const char *key, look_cached *out) {
    memset(out, 0, sizeof *out);
    char dir[4000], path[4200];
    if (!cache_path(key, "bin", path, sizeof path, dir, sizeof dir))
        return 0;
    size_t length;
    uint8_t *payload = read_payload(path, CACHE_MAGIC, key, sizeof(cache_fixed), &length);
    if (!payload)
        return 0;
    cache_fixed fx;
    memcpy(&fx, payload, sizeof fx);
    size_t at = sizeof fx;
    size_t feat = (size_t)(fx.n_features > 0 ? fx.n_features : 0) * (4 * sizeof(float) + (size_t)(fx.bytes > 0 ? fx.bytes : 0));
    int ok = fx.n_features >= 0 && fx.bytes >= 0 && fx.bytes <= 256 && fx.width > 0 && fx.height > 0 &&
         fx.px_per_mm > 0 && at + feat + fx.structure_length == length;
    if (ok) {
        float *points = malloc((size_t)fx.n_features * 4 * sizeof(float) + 1);
        ok = points != NULL;
        if (ok) {
            memcpy(points, payload + at, (size_t)fx.n_features * 4 * sizeof(float));
            at += (size_t)fx.n_features * 4 * sizeof(float);
            out->features = cvw_features_import(fx.n_features, fx.bytes, points, payload + at);
            at += (size_t)fx.n_features * (size_t)fx.bytes;
            free(points);
            out->structure = look_structure_load(payload + at, (size_t)fx.structure_length);
            ok = out->features && out->structure;
        }
    }
    free(payload);
    if (!ok) {
        look_cached_clear(out);
        return 0;
    }
    out->px_per_mm = fx.px_per_mm;
    out->work_px_per_mm = fx.work_px_per_mm;
    out->look[0] = fx.look[0];
    out->look[1] = fx.look[1];
    out->width = fx.width;
    out->height = fx.height;
    return 1;
}

void look_cache_write(const char *key, const look_cached *in) {
    char dir[4000], path[4200];
    if (!in->features || !in->structure || !cache_path(key, "bin", path, sizeof path, dir, sizeof dir) ||
        !omr_cache_make_dir(dir))
        return;
    cache_fixed fx = {in->px_per_mm, in->work_px_per_mm, {in->look[0], in->look[1]}, in->width, in->height,
                      cvw_features_count(in->features), cvw_features_bytes(in->features),
                      look_structure_size(in->structure)};
    size_t feat = (size_t)fx.n_features * (4 * sizeof(float) + (size_t)fx.bytes);
    size_t length = sizeof fx + feat + fx.structure_length;
    uint8_t *payload = malloc(length);
    float *points = malloc((size_t)fx.n_features * 4 * sizeof(float) + 1);
    uint8_t *desc = malloc((size_t)fx.n_features * (size_t)fx.bytes + 1);
    if (payload && points && desc) {
        cvw_features_export(in->features, points, desc);
        memcpy(payload, &fx, sizeof fx);
        size_t at = sizeof fx;
        memcpy(payload + at, points, (size_t)fx.n_features * 4 * sizeof(float));
        at += (size_t)fx.n_features * 4 * sizeof(float);
        memcpy(payload + at, desc, (size_t)fx.n_features * (size_t)fx.bytes);
        at += (size_t)fx.n_features * (size_t)fx.bytes;
        look_structure_save(in->structure, payload + at);
        write_payload(path, CACHE_MAGIC, key, payload, length);
    }
    free(payload);
    free(points);
    free(desc);
}

/* ---- the blank's pixels ------------------------------------------------------------ */

#define PIXELS_MAGIC "OMRLPIX1"
#define RUN_BIT 0x8000u /* a token: 16 bits, little-endian; with it a run of one byte, else literal bytes */
#define MAX_TOKEN 0x7fffu
#define MIN_RUN 4

typedef struct {
    int32_t width, height;
    double dpi;
} pixels_fixed;

static size_t put_token(uint8_t *out, size_t at, unsigned token) {
    out[at] = (uint8_t)(token & 0xff);
    out[at + 1] = (uint8_t)(token >> 8);
    return at + 2;
}

/* `n` bytes coded into `out` (room for n + 2 * (n / MAX_TOKEN + 1) + 2 *
 * (n / MIN_RUN + 1) bytes: a literal token at most every MIN_RUN bytes);
 * returns the coded length. */
static size_t rle_encode(const uint8_t *in, size_t n, uint8_t *out) {
    size_t at = 0, i = 0, lit = 0; /* lit: start of the pending literal stretch */
    while (i < n) {
        size_t r = 1;
        while (i + r < n && in[i + r] == in[i] && r < MAX_TOKEN)
            r++;
        if (r < MIN_RUN && i + r < n) {
            i += r;
            continue;
        }
        if (r < MIN_RUN)
            i += r; /* the tail: literal */
        for (size_t k = lit; k < i; k += MAX_TOKEN) {
            size_t len = i - k < MAX_TOKEN ? i - k : MAX_TOKEN;
            at = put_token(out, at, (unsigned)len);
            memcpy(out + at, in + k, len);
            at += len;
        }
        if (r >= MIN_RUN) {
            at = put_token(out, at, RUN_BIT | (unsigned)r);
            out[at++] = in[i];
            i += r;
        }
        lit = i;
    }
    return at;
}

/* Decodes exactly `n` bytes; 0 when the code is damaged (too short, too
 * long, an empty token). */
static int rle_decode(const uint8_t *in, size_t len, uint8_t *out, size_t n) {
    size_t at = 0, o = 0;
    while (at + 2 <= len) {
        unsigned token = in[at] | (unsigned)in[at + 1] << 8, count = token & MAX_TOKEN;
        at += 2;
        if (count == 0 || o + count > n)
            return 0;
        if (token & RUN_BIT) {
            if (at >= len)
                return 0;
            memset(out + o, in[at++], count);
        } else {
            if (at + count > len)
                return 0;
            memcpy(out + o, in + at, count);
            at += count;
        }
        o += count;
    }
    return at == len && o == n;
}

omr_image *look_cache_read_pixels(const char *key, int width, int height) {
    char dir[4000], path[4200];
    if (width <= 0 || height <= 0 || !cache_path(key, "pix", path, sizeof path, dir, sizeof dir))
        return NULL;
    size_t length;
    uint8_t *payload = read_payload(path, PIXELS_MAGIC, key, sizeof(pixels_fixed), &length);
    omr_image *page = NULL;
    if (payload) {
        pixels_fixed fx;
        memcpy(&fx, payload, sizeof fx);
        if (fx.width == width && fx.height == height && (page = omr_image_new_uninit(width, height, fx.dpi))) {
            assert(page->stride == page->width);
            if (!rle_decode(payload + sizeof fx, length - sizeof fx, page->pixels,
                            (size_t)width * (size_t)height)) {
                omr_image_free(page);
                page = NULL;
            }
        }
    }
    free(payload);
    return page;
}

void look_cache_write_pixels(const char *key, const omr_image *page) {
    char dir[4000], path[4200];
    if (!page || !cache_path(key, "pix", path, sizeof path, dir, sizeof dir) || !omr_cache_make_dir(dir))
        return;
    size_t n = (size_t)page->width * (size_t)page->height;
    uint8_t *flat = page->stride == page->width ? NULL : malloc(n);
    size_t room = sizeof(pixels_fixed) + n + 2 * (n / MAX_TOKEN + 1) + 2 * (n / MIN_RUN + 1);
    uint8_t *payload = malloc(room);
    if (payload && (flat || page->stride == page->width)) {
        if (flat)
            for (int y = 0; y < page->height; y++)
                memcpy(flat + (size_t)y * (size_t)page->width, page->pixels + (size_t)y * (size_t)page->stride,
                       (size_t)page->width);
        pixels_fixed fx = {page->width, page->height, page->dpi};
        memcpy(payload, &fx, sizeof fx);
        size_t length = sizeof fx + rle_encode(flat ? flat : page->pixels, n, payload + sizeof fx);
        assert(length <= room);
        if (length <= CACHE_MAX_PAYLOAD)
            write_payload(path, PIXELS_MAGIC, key, payload, length);
    }
    free(flat);
    free(payload);
}
