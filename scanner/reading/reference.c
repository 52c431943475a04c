/*
 * reference.c — a foreign form's blank pages (reference.h).
 *
 * The blank page and the scan are both taken to about 100 dpi and described
 * by ORB features spread over the page. Features that are each other's
 * nearest match and clearly better than the next candidate are fitted with a
 * homography by RANSAC. A page whose outline maps to something that is not a
 * sheet of paper (folded over, mirrored, absurdly small) is refused.
 *
 * template_load lives here rather than in forms/template.c: the layout model
 * only parses; loading a template for reading also decodes its blank pages.
 */
#include "reading/reference.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pages/decode.h"
#include "reading/look/cache.h"
#include "reading/look/structure.h"
#include "reading/page_map.h"

#define MAX_FEATURES 3000
#define RANSAC_WORK_PX 3.0   /* at 100 dpi: 0.76 mm */
#define MIN_INLIERS 25
/* what the description is made of: a cached one made otherwise is not used */
#define REFERENCE_METHOD "reference 2: ORB 3000 at 100 dpi, sample 500; look/structure 1"
/* the cheap likeness counts sample pairs one turn + scale + shift places
 * within this (at 100 dpi: 2 mm; a page's x/y stretch and skew leave the
 * right page's pairs within it over most of the sheet) */
#define LIKENESS_PLACED_PX 8.0
#define MIN_STRUCTURE_POINTS 200 /* ink cells of 0.25 mm: a few boxes' outlines */
_Static_assert(sizeof(((reference_page *)0)->cache_key) == LOOK_CACHE_KEY, "the page keeps a whole cache key");

/* ---- the blank page -------------------------------------------------------------- */

void reference_page_free(reference_page *ref) {
    if (!ref)
        return;
    omr_image_free(ref->page);
    cvw_features_free(ref->features);
    cvw_features_free(ref->sample);
    look_structure_free(ref->structure);
    free(ref->path);
    pthread_mutex_destroy(&ref->lock);
    free(ref);
}

static reference_page *reference_page_new(void) {
    reference_page *ref = calloc(1, sizeof *ref);
    if (ref && pthread_mutex_init(&ref->lock, NULL) != 0) {
        free(ref);
        return NULL;
    }
    return ref;
}

/* The page's description is usable: features to match, or a structure. */
static int describable(reference_page *ref, omr_error *err) {
    if (cvw_features_count(ref->features) < 4 * MIN_INLIERS &&
        look_structure_points(ref->structure) < MIN_STRUCTURE_POINTS) {
        int n = cvw_features_count(ref->features);
        return omr_fail(err, OMR_ERR_INVALID,
                        "the blank page has too little print to recognise it by (%d features); is "
                        "it the right file and page?", n);
    }
    return OMR_OK;
}

int reference_page_from_image(omr_image *page, double page_w, double page_h,
                                  reference_page **out, omr_error *err) {
    *out = NULL;
    if (!page)
        return omr_fail(err, OMR_ERR_INVALID, "no blank page");
    double sx = page->width / page_w, sy = page->height / page_h;
    if (fabs(sx / sy - 1) > 0.04) {
        omr_image_free(page);
        return omr_fail(err, OMR_ERR_INVALID,
                        "the blank page is %d x %d pixels, which is not the shape of a %.0f x %.0f mm "
                        "page (cropped? page_width and page_height must match the blank)",
                        page->width, page->height, page_w, page_h);
    }
    reference_page *ref = reference_page_new();
    if (!ref) {
        omr_image_free(page);
        return omr_fail(err, OMR_ERR_MEMORY, "out of memory");
    }
    ref->page = page;
    ref->width = page->width;
    ref->height = page->height;
    ref->px_per_mm = (sx + sy) / 2;
    double factor = REFERENCE_WORK_DPI / 25.4 / ref->px_per_mm;
    omr_image *work = factor < 1 ? cvw_resize(page, factor) : cvw_resize(page, 1.0);
    if (work) {
        ref->work_px_per_mm = ref->px_per_mm * (factor < 1 ? factor : 1.0);
        ref->features = cvw_features_detect(work, MAX_FEATURES);
        uint64_t h = 1469598103934665603ULL, g = 0x84222325cbf29ce4ULL ^ (uint64_t)work->width << 32 ^ (uint64_t)work->height;
        for (int y = 0; y < work->height; y++)
            for (int x = 0; x < work->width; x++) {
                uint8_t v = work->pixels[(size_t)y * work->stride + x];
                h = (h ^ v) * 1099511628211ULL;
                g = (g + v + 1) * 0x9e3779b97f4a7c15ULL;
                g ^= g >> 29;
            }
        ref->look[0] = h;
        ref->look[1] = g;
        omr_image_free(work);
    }
    ref->sample = ref->features ? cvw_features_sample(ref->features, REFERENCE_SAMPLE) : NULL;
    ref->structure = look_structure_of_blank(page, ref->px_per_mm);
    if (!ref->features || !ref->sample || !ref->structure) {
        reference_page_free(ref);
        return omr_fail(err, OMR_ERR_MEMORY, "out of memory describing the blank page");
    }
    /* a blank drawn from a layout has few features but its structure */
    int rc = describable(ref, err);
    if (rc != OMR_OK) {
        reference_page_free(ref);
        return rc;
    }
    *out = ref;
    return OMR_OK;
}

static int decode_blank(const char *path, int index, decode_dropout dropout, omr_image **page,
                        omr_error *err) {
    *page = NULL;
    decode_source *src = NULL;
    int rc = decode_open(path, &src, err);
    if (rc != OMR_OK)
        return rc;
    decode_set_dropout(src, dropout); /* the blank's grey made as the scans' is */
    if (index >= decode_page_count(src)) {
        int n = decode_page_count(src);
        decode_close(src);
        return omr_fail(err, OMR_ERR_INVALID, "the blank form %s has %d page%s, not %d", path, n,
                        n == 1 ? "" : "s", index + 1);
    }
    rc = decode_page(src, index, page, err);
    decode_close(src);
    return rc;
}

const omr_image *reference_page_image(const reference_page *cref) {
    reference_page *ref = (reference_page *)cref; /* the decode on first use is a cache */
    pthread_mutex_lock(&ref->lock);
    if (!ref->page && ref->cache_key[0]) /* as decoded when the description was made */
        ref->page = look_cache_read_pixels(ref->cache_key, ref->width, ref->height);
    if (!ref->page && ref->path) {
        omr_error err;
        omr_image *page = NULL;
        if (decode_blank(ref->path, ref->index, ref->dropout, &page, &err) == OMR_OK && page->width == ref->width &&
            page->height == ref->height) {
            ref->page = page;
            if (ref->cache_key[0])
                look_cache_write_pixels(ref->cache_key, page);
        } else {
            omr_image_free(page);
        }
    }
    pthread_mutex_unlock(&ref->lock);
    return ref->page;
}

int reference_page_load(const char *path, int index, double page_w, double page_h,
                        decode_dropout dropout, reference_page **out, omr_error *err) {
    *out = NULL;
    char key[LOOK_CACHE_KEY];
    int keyed = look_cache_key(path, index, page_w, page_h, dropout, REFERENCE_METHOD, key);
    look_cached c;
    if (keyed && look_cache_read(key, &c)) {
        reference_page *ref = reference_page_new();
        char *p = omr_strdup(path);
        if (ref && p) {
            ref->px_per_mm = c.px_per_mm;
            ref->width = c.width;
            ref->height = c.height;
            ref->work_px_per_mm = c.work_px_per_mm;
            ref->look[0] = c.look[0];
            ref->look[1] = c.look[1];
            ref->features = c.features;
            ref->structure = c.structure;
            ref->sample = cvw_features_sample(ref->features, REFERENCE_SAMPLE);
            ref->path = p;
            ref->index = index;
            ref->dropout = dropout;
            memcpy(ref->cache_key, key, sizeof key);
            if (ref->sample) {
                int rc = describable(ref, err);
                if (rc != OMR_OK) {
                    reference_page_free(ref);
                    return rc;
                }
                *out = ref;
                return OMR_OK;
            }
            reference_page_free(ref); /* frees the features and structure taken over */
        } else {
            free(p);
            reference_page_free(ref);
            look_cached_clear(&c);
        }
        return omr_fail(err, OMR_ERR_MEMORY, "out of memory");
    }
    omr_image *page = NULL;
    int rc = decode_blank(path, index, dropout, &page, err);
    if (rc != OMR_OK)
        return rc;
    rc = reference_page_from_image(page, page_w, page_h, out, err);
    if (rc != OMR_OK)
        return rc;
    (*out)->path = omr_strdup(path);
    (*out)->index = index;
    (*out)->dropout = dropout;
    if (keyed) {
        look_cached w = {(*out)->px_per_mm, (*out)->width, (*out)->height, (*out)->work_px_per_mm,
                         {(*out)->look[0], (*out)->look[1]}, (*out)->features, (*out)->structure};
        look_cache_write(key, &w); /* borrowed: written, not taken */
        look_cache_write_pixels(key, (*out)->page);
        memcpy((*out)->cache_key, key, sizeof key);
    }
    return OMR_OK;
}

/* ---- the scan ---------------------------------------------------------------------- */

int reference_scan_prepare(const omr_image *scan, reference_scan *out, omr_error *err) {
    memset(out, 0, sizeof *out);
    /* the scan's resolution when it has one; without (a phone photo), as if
     * the longer side were a little more than an A4 page's */
    double dpi = scan->dpi > 0 ? scan->dpi : (scan->width > scan->height ? scan->width : scan->height) / 12.5;
    out->scale = REFERENCE_WORK_DPI / dpi;
    if (out->scale > 1)
        out->scale = 1;
    out->work = cvw_resize(scan, out->scale);
    if (out->work) {
        out->scale = (double)out->work->width / scan->width;
        out->features = cvw_features_detect(out->work, MAX_FEATURES);
        out->sample = out->features ? cvw_features_sample(out->features, REFERENCE_SAMPLE) : NULL;
    }
    if (!out->features || !out->sample) {
        reference_scan_clear(out);
        return omr_fail(err, OMR_ERR_MEMORY, "out of memory describing the page");
    }
    return OMR_OK;
}

void reference_scan_clear(reference_scan *scan) {
    omr_image_free(scan->work);
    cvw_features_free(scan->features);
    cvw_features_free(scan->sample);
    memset(scan, 0, sizeof *scan);
}

static void mat3_mul(const double a[9], const double b[9], double out[9]) {
    double r[9];
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            r[i * 3 + j] = a[i * 3] * b[j] + a[i * 3 + 1] * b[3 + j] + a[i * 3 + 2] * b[6 + j];
    for (int i = 0; i < 9; i++)
        out[i] = r[i] / r[8];
}

/* A sheet of paper: the page's corners map to a convex quadrilateral, not
 * mirrored, whose sides keep the page's proportions within 30% and whose
 * size is that of a page at 40 to 1200 dpi. */
static int plausible_sheet(const double h[9], double pw, double ph) {
    omr_point c[4] = {page_map_point(h, 0, 0), page_map_point(h, pw, 0), page_map_point(h, pw, ph), page_map_point(h, 0, ph)};
    double w_corner = 1;
    for (int i = 0; i < 4; i++) {
        double x = i == 1 || i == 2 ? pw : 0, y = i >= 2 ? ph : 0;
        w_corner = h[6] * x + h[7] * y + h[8];
        if (w_corner <= 0)
            return 0; /* the horizon crosses the page */
    }
    double sign = 0;
    for (int i = 0; i < 4; i++) {
        omr_point a = c[i], b = c[(i + 1) % 4], d = c[(i + 2) % 4];
        double cross = (b.x - a.x) * (d.y - b.y) - (b.y - a.y) * (d.x - b.x);
        if (sign == 0)
            sign = cross;
        if (cross * sign <= 0)
            return 0;
    }
    if (sign < 0)
        return 0; /* mirrored: a page seen through from the back */
    double top = hypot(c[1].x - c[0].x, c[1].y - c[0].y), bottom = hypot(c[2].x - c[3].x, c[2].y - c[3].y);
    double left = hypot(c[3].x - c[0].x, c[3].y - c[0].y), right = hypot(c[2].x - c[1].x, c[2].y - c[1].y);
    double sx = (top + bottom) / 2 / pw, sy = (left + right) / 2 / ph;
    if (fabs(sx / sy - 1) > 0.3 || fabs(top / bottom - 1) > 0.4 || fabs(left / right - 1) > 0.4)
        return 0;
    return sx > 40 / 25.4 && sx < 1200 / 25.4;
}

int reference_match(const reference_page *ref, const reference_scan *scan, double mm_to_px[9]) {
    return reference_match_at_least(ref, scan, 0, mm_to_px);
}

int reference_match_at_least(const reference_page *ref, const reference_scan *scan, int at_least,
                             double mm_to_px[9]) {
    double h[9];
    int inliers = cvw_features_homography_min(ref->features, scan->features, RANSAC_WORK_PX, at_least, h);
    if (inliers < MIN_INLIERS)
        return 0;
    /* mm -> reference work px -> scan work px -> scan px */
    double to_work[9] = {ref->work_px_per_mm, 0, 0, 0, ref->work_px_per_mm, 0, 0, 0, 1};
    double from_work[9] = {1 / scan->scale, 0, 0, 0, 1 / scan->scale, 0, 0, 0, 1};
    double t[9];
    mat3_mul(h, to_work, t);
    mat3_mul(from_work, t, mm_to_px);
    double pw = ref->width / ref->px_per_mm, ph = ref->height / ref->px_per_mm;
    return plausible_sheet(mm_to_px, pw, ph) ? inliers : 0;
}

int reference_likeness(const reference_page *ref, const reference_scan *scan) {
    int n = cvw_features_placed(ref->sample, scan->sample, LIKENESS_PLACED_PX);
    return n > 0 ? n : 0;
}

int reference_same_look(const reference_page *a, const reference_page *b) {
    return a->look[0] == b->look[0] && a->look[1] == b->look[1] && a->width == b->width &&
           a->height == b->height && a->px_per_mm == b->px_per_mm && a->work_px_per_mm == b->work_px_per_mm;
}

double reference_match_structure(const reference_page *ref, const omr_image *scan, look_scan **scan_ink,
                                 double mm_to_px[9]) {
    double pw = ref->width / ref->px_per_mm, ph = ref->height / ref->px_per_mm;
    if (*scan_ink && !look_scan_is_for(*scan_ink, pw, ph)) {
        /* prepared for another page size: again for this one */
        look_scan_free(*scan_ink);
        *scan_ink = NULL;
    }
    if (!*scan_ink)
        *scan_ink = look_scan_prepare(scan, pw, ph);
    if (!*scan_ink)
        return 0;
    double share = look_structure_match(ref->structure, *scan_ink, mm_to_px);
    if (share < REFERENCE_STRUCTURE_MIN || !plausible_sheet(mm_to_px, pw, ph))
        return 0;
    return share;
}

/* ---- the template's blank pages ----------------------------------------------------- */

int template_load(const char *path, omr_template **out, template_problems *problems,
                  omr_error *err) {
    *out = NULL;
    omr_template *t = NULL;
    int rc = template_parse(path, &t, problems, err);
    if (rc != OMR_OK || !t->n_reference_files) {
        *out = t;
        return rc;
    }
    /* the blank pages, read once: their features and print */
    size_t failed = 0;
    t->references = calloc(t->n_pages, sizeof *t->references);
    t->free_reference = reference_page_free;
    for (size_t p = 0; t->references && p < t->n_pages; p++) {
        const char *file = t->reference_files[t->n_reference_files == 1 ? 0 : p];
        int index = t->n_reference_files == 1 ? (int)p : 0;
        omr_error rerr = {0};
        if (reference_page_load(file, index, t->page_width, t->page_height, t->dropout,
                                &t->references[p], &rerr) != OMR_OK) {
            failed++;
            template_problems_add(problems, path, t->reference_line, "reference", "page %zu: %s",
                                  p + 1, rerr.message);
        }
    }
    if (failed > 0) {
        template_free(t);
        return omr_fail(err, OMR_ERR_INVALID, "template %s has %zu problem%s", path, failed,
                        failed == 1 ? "" : "s");
    }
    *out = t;
    return OMR_OK;
}
