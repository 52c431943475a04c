/*
 * mark.c — finds one registration mark (mark.h). The window around the
 * prediction is thresholded by Otsu (clamped to 60..200 so a blank window
 * does not turn paper into ink), its blobs are listed, and the one nearest
 * the prediction whose size and solidity fit the kind of mark wins: omr's
 * filled squares, or a form's own squares, discs, rings, L-bars and bars.
 */
#include "reading/mark.h"

#include <assert.h>
#include <math.h>

#include "base/cv_wrap.h"

#define SQUARE_SEARCH_MM 12.0 /* omr's fiducials: half the search window */
#define SQUARE_MAX_BLOBS 256
#define SOLID_SEARCH_MM 6.0   /* a form's own marks: how far from the prediction */
#define SOLID_MAX_BLOBS 512

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

int mark_find(const omr_image *scan, omr_point predicted, double s, double size_mm, mark_kind kind,
              omr_point *found) {
    assert(scan && scan->width > 0 && scan->height > 0);
    assert(isfinite(s) && s > 0 && size_mm > 0);
    assert(kind == MARK_SQUARE || kind == MARK_SOLID);
    int r = kind == MARK_SQUARE ? (int)(SQUARE_SEARCH_MM * s) : (int)((SOLID_SEARCH_MM + size_mm) * s);
    int x = (int)predicted.x - r, y = (int)predicted.y - r;
    int threshold = cvw_otsu_threshold(scan, x, y, 2 * r, 2 * r);
    if (threshold < 0)
        return 0;
    if (threshold < 60)
        threshold = 60;
    if (threshold > 200)
        threshold = 200;
    cvw_blob blobs[SOLID_MAX_BLOBS];
    int n = cvw_find_blobs(scan, x, y, 2 * r, 2 * r, threshold, blobs,
                           kind == MARK_SQUARE ? SQUARE_MAX_BLOBS : SOLID_MAX_BLOBS);
    assert(n <= (kind == MARK_SQUARE ? SQUARE_MAX_BLOBS : SOLID_MAX_BLOBS));
    double expected = size_mm * s, best = kind == MARK_SQUARE ? 1e18 : SOLID_SEARCH_MM * s;
    int ok = 0;
    for (int i = 0; i < n; i++) {
        const cvw_blob *b = &blobs[i];
        if (!(kind == MARK_SQUARE ? fits_square(b, expected) : fits_solid(b, expected, 0.8 * s)))
            continue;
        double d = hypot(b->cx - predicted.x, b->cy - predicted.y);
        if (d < best) {
            best = d;
            found->x = b->cx;
            found->y = b->cy;
            ok = 1;
        }
    }
    return ok;
}
