/*
 * reference.h — a form omr did not print is known through its blank copy
 * (the "reference"): each blank page is decoded once, when the template is
 * loaded, and described by ORB features; a scan is described the same way
 * and matched to it with a homography (RANSAC). identify uses the match to
 * know a page without a code by its look, register to place a foreign page,
 * mask to take the form's own print from the blank.
 *
 * A blank drawn from a layout alone (boxes, dots, labels, none of the
 * scan's text) shares no features with a real scan: it is matched by its
 * printed structure (look/structure.h) instead. Each page's description is
 * kept in the cache (look/cache.h), so a warm start decodes no blank until
 * its print is asked for (reference_page_image).
 *
 * template_load is declared here: the layout model (forms/template.h) only
 * parses; a template loaded for reading also has its blank pages described.
 */
#ifndef OMR_REFERENCE_H
#define OMR_REFERENCE_H

#include <pthread.h>
#include <stdint.h>

#include "base/common.h"
#include "base/cv_wrap.h"
#include "forms/template.h"

/* Matching runs at this resolution: fast, and fine enough for a first map
 * that the marks or the boxes' own outlines then correct. */
#define REFERENCE_WORK_DPI 100.0
#define REFERENCE_SAMPLE 500 /* features of the cheap likeness */

/* One blank page, described once when the template is loaded (or taken
 * from the cache, look/cache.h); shared by worker threads. */
typedef struct reference_page {
    /* the blank page as decoded, grey: with a warm cache not decoded until
     * first asked for, so read it through reference_page_image */
    omr_image *page;
    double px_per_mm;        /* page pixels per template mm */
    int width, height;       /* the page, pixels */
    double work_px_per_mm;   /* of the features: the page at REFERENCE_WORK_DPI */
    cvw_features *features;
    cvw_features *sample;    /* REFERENCE_SAMPLE of them, for a shortlist */
    uint64_t look[2];        /* hash of the page at REFERENCE_WORK_DPI: copies of one blank match alike */
    /* the blank's ink, for a scan the features do not find (a blank drawn
     * from a layout: boxes and dots, none of the scan's text) */
    struct look_structure *structure;
    char *path;              /* the file the page is decoded from (NULL: made in memory) */
    int index;
    decode_dropout dropout;  /* the template's drop-out, the page decoded with it */
    char cache_key[33];      /* look/cache.h's key of the page ("": no cache): its pixels kept there too */
    pthread_mutex_t lock;    /* for the decode on first use */
} reference_page;

/* The blank page itself (decoded on first use; NULL when it cannot be). */
const omr_image *reference_page_image(const reference_page *ref);

/* Reads page `index` (0-based) of the image or PDF `path` as the blank page
 * of a page_w x page_h mm form (the image is the whole page), its colour
 * made grey with `dropout` (the template's, as the scans are). */
int reference_page_load(const char *path, int index, double page_w, double page_h,
                        decode_dropout dropout, reference_page **out, omr_error *err);
/* The same from an image already in memory (taken over, also on failure). */
int reference_page_from_image(omr_image *page, double page_w, double page_h, reference_page **out,
                              omr_error *err);
void reference_page_free(reference_page *ref);

/* A scan's features at the working resolution. */
typedef struct {
    omr_image *work;
    double scale;            /* work pixels per scan pixel */
    cvw_features *features;
    cvw_features *sample;    /* REFERENCE_SAMPLE of them, for a shortlist */
} reference_scan;

int reference_scan_prepare(const omr_image *scan, reference_scan *out, omr_error *err);
void reference_scan_clear(reference_scan *scan);

/* Matches the blank page to the scan: on success (enough features agree and
 * the page's outline maps to a plausible sheet) returns the number of
 * agreeing features and sets mm_to_px (template mm -> scan px, row-major,
 * [8] = 1); 0 when the page does not match. */
int reference_match(const reference_page *ref, const reference_scan *scan, double mm_to_px[9]);
/* The same, but 0 without fitting a map when fewer than `at_least` features
 * could agree (a page that cannot beat the one matched best so far). */
int reference_match_at_least(const reference_page *ref, const reference_scan *scan, int at_least,
                             double mm_to_px[9]);

/* A cheap likeness of the blank page to the scan, for choosing which pages
 * to match in full among many: of a sample of each one's features that are
 * each other's distinctive nearest match, the most that one turn, scale and
 * shift of the page puts in place (cvw_features_placed). Pages of one maker
 * share letters and headers, so their pairs are as many as the right
 * page's, but lie anywhere: placed, the right page stands out 2-10 times
 * (samples/amc/README.md). No homography, no full matching: those are what
 * cost. */
int reference_likeness(const reference_page *ref, const reference_scan *scan);

/* A blank page matched by its printed structure (look/structure.h), for when
 * the features find nothing: sets mm_to_px and returns the share of the
 * blank's ink that lies on the scan's ink (0..1); 0 when nothing fits.
 * `*scan_ink` is the scan's ink prepared on first use for the page's size
 * (the caller frees it with look_scan_free). */
struct look_scan;
double reference_match_structure(const reference_page *ref, const omr_image *scan,
                                 struct look_scan **scan_ink, double mm_to_px[9]);
/* At least this share of the blank's ink must lie on the scan's ink. */
#define REFERENCE_STRUCTURE_MIN 0.75

/* 1 when the two blank pages are the same image at the working resolution
 * (the same blank given to several templates or copies): every scan matches
 * them alike. */
int reference_same_look(const reference_page *a, const reference_page *b);

/* Reads and validates the template `path` (template_parse) and decodes its
 * blank pages, if it names any. On success returns OMR_OK and *out owns the
 * template. On failure returns OMR_ERR_*, fills `problems` (if non-NULL)
 * with every problem found, and err with a one-line summary. */
int template_load(const char *path, omr_template **out, template_problems *problems,
                  omr_error *err);

#endif
