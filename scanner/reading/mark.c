/*
 * mark.c — finds one registration mark (mark.h). The window around the
 * prediction is thresholded by Otsu (clamped to 60..200 so a blank window
 * does not turn paper into ink), its blobs are listed, and the one nearest
 * the prediction whose size and solidity fit the kind of mark wins: omr's
 * filled squares, or a form's own squares, discs, rings, L-bars and bars.
 * mark_find_corners looks for omr's four corner marks, a sheet stretched
 * along the feed included.
 */
#include "reading/mark.h"

#include <assert.h>
#include <math.h>

#include "base/cv_wrap.h"

#define SQUARE_SEARCH_MM 12.0 /* omr's fiducials: half the search window */
#define SQUARE_MAX_BLOBS 256
#define SOLID_SEARCH_MM 6.0   /* a form's own marks: how far from the prediction */
#define SOLID_MAX_BLOBS 512
#define SPECKLE_OPEN_MM 0.5   /* specks (and clumps of them) narrower than twice this go */
#define DARK_PANEL_OPEN 0.25  /* then, of the mark's size: paper left as a few white pixels in black */

/* A filled square: its bounding box 60-150% of the mark's on both sides,
 * at least 70% of it inked. */
static int fits_square(const cvw_blob *b, double expected) {
    if (b->w < 0.6 * expected || b->h < 0.6 * expected || b->w > 1.5 * expected ||
        b->h > 1.5 * expected)
        return 0;
    double fill = (double)b->area / ((double)b->w * b->h);
    return !(fill < 0.7 || b->area < 0.45 * expected * expected);
}

/* A form's own mark, of any common shape: its longer side 60-150% of the
 * mark's size. Squares, discs and rings are about as high as wide and
 * carry ink on at least 12% of the mark's square; an L-bar is as large, with
 * ink on 6% of it (two arms); a long bar is at least 1 px per 0.8 mm thick
 * (`s_min` px: table rules and hairlines are not marks) and mostly solid. */
static int fits_solid(const cvw_blob *b, double expected, double s_min) {
    double big = b->w > b->h ? b->w : b->h, small = b->w < b->h ? b->w : b->h;
    if (big < 0.6 * expected || big > 1.5 * expected)
        return 0;
    if (small >= 0.45 * expected) /* square, disc, ring, L */
        return b->area >= 0.06 * expected * expected;
    return small >= s_min && b->area >= 0.7 * (double)b->w * b->h; /* a bar */
}

/* The blob nearest `predicted` (scan px) that fits the kind of mark, in the
 * window of `image` at (x, y) of side `side`; `origin` is where the window's
 * (0, 0) lies on the scan (the window may be a copy). */
static int nearest_mark(const omr_image *image, int x, int y, int side, omr_point origin, omr_point predicted,
                        double s, double size_mm, mark_kind kind, omr_point *found) {
    int threshold = cvw_otsu_threshold(image, x, y, side, side);
    if (threshold < 0)
        return 0;
    if (threshold < 60)
        threshold = 60;
    if (threshold > 200)
        threshold = 200;
    cvw_blob blobs[SOLID_MAX_BLOBS];
    int n = cvw_find_blobs(image, x, y, side, side, threshold, blobs,
                           kind == MARK_SQUARE ? SQUARE_MAX_BLOBS : SOLID_MAX_BLOBS);
    assert(n <= (kind == MARK_SQUARE ? SQUARE_MAX_BLOBS : SOLID_MAX_BLOBS));
    double expected = size_mm * s, best = kind == MARK_SQUARE ? 1e18 : SOLID_SEARCH_MM * s;
    int ok = 0;
    for (int i = 0; i < n; i++) {
        const cvw_blob *b = &blobs[i];
        if (!(kind == MARK_SQUARE ? fits_square(b, expected) : fits_solid(b, expected, 0.8 * s)))
            continue;
        double cx = origin.x + b->cx, cy = origin.y + b->cy;
        double d = hypot(cx - predicted.x, cy - predicted.y);
        if (d < best) {
            best = d;
            found->x = cx;
            found->y = cy;
            ok = 1;
        }
    }
    return ok;
}

int mark_find(const omr_image *scan, omr_point predicted, double s, double size_mm, mark_kind kind,
              omr_point *found) {
    assert(scan && scan->width > 0 && scan->height > 0);
    assert(isfinite(s) && s > 0 && size_mm > 0);
    assert(kind == MARK_SQUARE || kind == MARK_SOLID);
    int r = kind == MARK_SQUARE ? (int)(SQUARE_SEARCH_MM * s) : (int)((SOLID_SEARCH_MM + size_mm) * s);
    int x = (int)predicted.x - r, y = (int)predicted.y - r;
    if (nearest_mark(scan, x, y, 2 * r, (omr_point){0, 0}, predicted, s, size_mm, kind, found))
        return 1;
    /* Paper that a 1-bit scanner's threshold turned to speckle (a grey or
     * lifted panel of a folded sheet, a dirty glass): the mark's blob grows
     * into the specks round it, and the specks crowd the blob list. Black
     * thinned by a radius and grown back (an opening) takes every speck and
     * keeps a mark of millimetres as it was; only a mark not found as
     * scanned pays for it. SPECKLE_OPEN_MM takes specks on paper (seed 7403
     * --folds: 3 pages whose lower marks lay in a speckled panel); a panel
     * turned almost black, its paper a few white pixels in a hundred, needs
     * the mark's own quarter: only a square of print has no white pixel
     * over that much of it (seed 8412 --folds S57JHEJY page 1, its lower
     * 55% 97.7% black: both lower marks lost, the page refused). */
    int x0 = x < 0 ? 0 : x, y0 = y < 0 ? 0 : y;
    int x1 = x + 2 * r > scan->width ? scan->width : x + 2 * r, y1 = y + 2 * r > scan->height ? scan->height : y + 2 * r;
    if (x1 - x0 < 8 || y1 - y0 < 8)
        return 0;
    omr_image *window = omr_image_crop(scan, x0, y0, x1 - x0, y1 - y0);
    if (!window)
        return 0;
    int ok = 0;
    const double radii_mm[2] = {SPECKLE_OPEN_MM, size_mm * DARK_PANEL_OPEN};
    for (int i = 0; i < 2 && !ok; i++) {
        int radius = (int)(radii_mm[i] * s) > 1 ? (int)(radii_mm[i] * s) : 1;
        omr_image *thinned = cvw_morph_square(window, radius, 1);
        omr_image *opened = thinned ? cvw_morph_square(thinned, radius, 0) : NULL;
        ok = opened && nearest_mark(opened, x - x0, y - y0, 2 * r, (omr_point){x0, y0}, predicted, s, size_mm,
                                    kind, found);
        omr_image_free(opened);
        omr_image_free(thinned);
    }
    omr_image_free(window);
    return ok;
}

/* Looks for a square mark where `map` puts template point p. */
static int find_square_at(const omr_image *scan, double s, double size_mm, const cvw_affine *map, omr_point p,
                          omr_point *found) {
    *found = (omr_point){map->m[0] * p.x + map->m[1] * p.y + map->m[2], map->m[3] * p.x + map->m[4] * p.y + map->m[5]};
    return mark_find(scan, *found, s, size_mm, MARK_SQUARE, found);
}

unsigned mark_find_corners(const omr_image *scan, const omr_point where[4], double size_mm, double s,
                           const cvw_affine *guess, omr_point code, omr_point found_px[4]) {
    assert(scan && where && guess && found_px && s > 0);
    unsigned found = 0;
    for (int i = 0; i < 4; i++)
        if (find_square_at(scan, s, size_mm, guess, where[i], &found_px[i]))
            found |= 1u << i;
    if (__builtin_popcount(found) == 2)
        for (int i = 0; i < 4; i++)
            for (int k = 0; k < 4 && !(found & (1u << i)); k++) {
                double f = k % 2 ? 1 + MARK_FEED_STRETCH : 1 - MARK_FEED_STRETCH;
                omr_point p = where[i], at;
                if (k < 2)
                    p.x = code.x + f * (p.x - code.x);
                else
                    p.y = code.y + f * (p.y - code.y);
                if (find_square_at(scan, s, size_mm, guess, p, &at)) {
                    found_px[i] = at;
                    found |= 1u << i;
                }
            }
    if (__builtin_popcount(found) != 3)
        return found;
    omr_point from[3], to[3];
    int n = 0;
    for (int i = 0; i < 4; i++)
        if (found & (1u << i)) {
            from[n] = where[i];
            to[n++] = found_px[i];
        }
    cvw_affine three;
    if (cvw_fit_affine(from, to, 3, &three) != OMR_OK)
        return found;
    for (int i = 0; i < 4; i++) {
        omr_point at;
        if (!(found & (1u << i)) && find_square_at(scan, s, size_mm, &three, where[i], &at)) {
            found_px[i] = at;
            found |= 1u << i;
        }
    }
    return found;
}
