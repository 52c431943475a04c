/*
 * cache.h — a blank page's description (its ORB features and its printed
 * structure, reference.c) kept between runs, so a template of many blank
 * pages starts without decoding or describing any of them. One file per
 * blank page in the cache folder (as mask.c's print masks: $OMR_CACHE_DIR,
 * else $XDG_CACHE_HOME/omr, else ~/.cache/omr; OMR_CACHE_DIR set but empty
 * turns it off), named by a key over the blank file's bytes, the page's
 * index and size, the colour drop-out it was decoded with and the
 * description's parameters: a changed blank, page size, drop-out or method
 * gets a new key. A file that is torn, damaged or of another
 * key is never used (the page is described anew and the file rewritten).
 */
#ifndef OMR_LOOK_CACHE_H
#define OMR_LOOK_CACHE_H

#include <stdint.h>

#include "base/common.h"
#include "base/cv_wrap.h"
#include "pages/decode_types.h"
#include "reading/look/structure.h"

/* What is kept of one blank page (owned by the caller after a read). */
typedef struct {
    double px_per_mm;          /* page pixels per template mm */
    int32_t width, height;     /* the decoded page, pixels */
    double work_px_per_mm;     /* of the features' resolution */
    uint64_t look[2];          /* hash of the page at that resolution (reference_same_look) */
    cvw_features *features;
    look_structure *structure;
} look_cached;

#define LOOK_CACHE_KEY 33 /* 32 hex digits and NUL */

/* The key of page `index` of the blank file `path`, decoded with `dropout`,
 * for a page_w x page_h mm form described with `method` (a text naming the
 * description's parameters). 0 when there is no cache or the file cannot be
 * read. */
int look_cache_key(const char *path, int index, double page_w, double page_h, decode_dropout dropout,
                   const char *method, char key[LOOK_CACHE_KEY]);

/* 1 with *out filled when the cache holds a whole, undamaged description of
 * `key`; 0 otherwise (nothing to free). */
int look_cache_read(const char *key, look_cached *out);

/* Best effort (a cache that cannot be written is no error): the file
 * appears whole or not at all. */
void look_cache_write(const char *key, const look_cached *in);

void look_cached_clear(look_cached *c);

/* The blank page's pixels under the same key (a file of their own, runs of
 * equal bytes and literal stretches, lossless): decoding a scan-made blank
 * PNG costs 30 ms, reading it back a few. read returns NULL unless the file
 * is whole, undamaged, of `key` and width x height; write is best effort. */
omr_image *look_cache_read_pixels(const char *key, int width, int height);
void look_cache_write_pixels(const char *key, const omr_image *page);

#endif
