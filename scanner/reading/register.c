/*
 * register.c — a foreign form's page on its scan, through its blank copy.
 *
 * 1. The blank page (read once, at template load) and the scan are both taken
 *    to about 100 dpi and described by ORB features spread over the page
 *    (reference.c).
 * 2. Features that are each other's nearest match and clearly better than
 *    the next candidate are fitted with a homography by RANSAC (reference.c).
 *    A page whose outline maps to something that is not a sheet of paper
 *    (folded over, mirrored, absurdly small) is refused.
 * 3. With the form's own marks (template `marks`), each mark is looked for as
 *    a dark blob of the right size near where the homography puts it (mark.c); three
 *    give an affine map, four or more a homography through their centres of
 *    gravity, which is exact to a fraction of a pixel. Without marks (or with
 *    too few found) the feature map is used as it is.
 * measure then re-centres each box on its own printed outline, as it does on
 * omr's forms, which absorbs what the map leaves (a few tenths of a mm).
 */
#include "reading/register.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "reading/look/structure.h"
#include "reading/mark.h"
#include "reading/reference.h"


/* ---- the form's own marks ------------------------------------------------------------ */

/* Refines `h` through the marks; returns how many were found and used. */
static int fit_marks(const omr_image *scan, const omr_template *t, double h[9], double *residual_mm) {
    omr_point from[16], to[16];
    int n = 0;
    double s = sqrt(fabs((h[0] * h[4] - h[1] * h[3])));
    for (size_t i = 0; i < t->n_marks && n < 16; i++) {
        omr_point p = page_map_point(h, t->marks[i].x, t->marks[i].y), f;
        /* local scale at the mark */
        omr_point q = page_map_point(h, t->marks[i].x + 1, t->marks[i].y);
        double local = hypot(q.x - p.x, q.y - p.y);
        if (local > 0)
            s = local;
        if (mark_find(scan, p, s, t->mark_size, MARK_SOLID, &f)) {
            from[n] = t->marks[i];
            to[n] = f;
            n++;
        }
    }
    if (n < 3)
        return n;
    double hm[9];
    if (n >= 4) {
        if (cvw_fit_homography(from, to, n, hm) != OMR_OK)
            return 0;
        for (int i = 0; i < 9; i++)
            hm[i] /= hm[8];
    } else {
        cvw_affine a;
        if (cvw_fit_affine(from, to, n, &a) != OMR_OK)
            return 0;
        double m[9] = {a.m[0], a.m[1], a.m[2], a.m[3], a.m[4], a.m[5], 0, 0, 1};
        memcpy(hm, m, sizeof m);
    }
    /* the marks' map must agree with the features' map (a blot taken for a
     * mark would bend the page): within 2 mm over the whole page */
    double worst = 0;
    for (int k = 0; k < 9; k++) {
        double x = t->page_width * (k % 3) / 2, y = t->page_height * (k / 3) / 2;
        omr_point a = page_map_point(h, x, y), b = page_map_point(hm, x, y);
        double d = hypot(a.x - b.x, a.y - b.y) / s;
        if (d > worst)
            worst = d;
    }
    if (worst > 2.0)
        return 0;
    double res = 0;
    for (int i = 0; i < n; i++) {
        omr_point p = page_map_point(hm, from[i].x, from[i].y);
        double d = hypot(p.x - to[i].x, p.y - to[i].y) / s;
        if (d > res)
            res = d;
    }
    if (res > 1.0)
        return 0;
    memcpy(h, hm, sizeof hm);
    *residual_mm = res;
    return n;
}

/* ---- the page transform ------------------------------------------------------------ */

/* The darkest 5 x 5 pixel spot inside the page in each quarter of it:
 * measure_levels reads the black of print there (it would read it from
 * omr's solid fiducials). */
static void black_points(const omr_image *scan, const omr_template *t, const double h[9], omr_point out[4]) {
    for (int q = 0; q < 4; q++) {
        double x0 = (q % 2) * t->page_width / 2 + 3, y0 = (q / 2) * t->page_height / 2 + 3;
        omr_point a = page_map_point(h, x0, y0), b = page_map_point(h, x0 + t->page_width / 2 - 6, y0 + t->page_height / 2 - 6);
        int ax = (int)fmin(a.x, b.x), bx = (int)fmax(a.x, b.x), ay = (int)fmin(a.y, b.y), by = (int)fmax(a.y, b.y);
        if (ax < 2) ax = 2;
        if (ay < 2) ay = 2;
        if (bx > scan->width - 3) bx = scan->width - 3;
        if (by > scan->height - 3) by = scan->height - 3;
        omr_point p = page_map_point(h, x0 + t->page_width / 4, y0 + t->page_height / 4);
        double best = 1e9;
        for (int y = ay; y <= by; y += 3)
            for (int x = ax; x <= bx; x += 3) {
                if (omr_image_at(scan, x, y) > 128)
                    continue;
                int sum = 0;
                for (int dy = -2; dy <= 2; dy++)
                    for (int dx = -2; dx <= 2; dx++)
                        sum += omr_image_at(scan, x + dx, y + dy);
                if (sum < best) {
                    best = sum;
                    p.x = x;
                    p.y = y;
                }
            }
        out[q] = p;
    }
}

/* The best affine map to `h` over the page (for code that wants one). */
static void affine_of(const double h[9], double pw, double ph, cvw_affine *out) {
    omr_point from[9], to[9];
    for (int k = 0; k < 9; k++) {
        from[k].x = pw * (k % 3) / 2;
        from[k].y = ph * (k / 3) / 2;
        to[k] = page_map_point(h, from[k].x, from[k].y);
    }
    cvw_fit_affine(from, to, 9, out);
}

/* A first map from a QR code's corners (a foreign form that carries omr's
 * code square, or a QR code of its own at `identity.area`). */
static int coarse_from_corners(const omr_image *scan, const omr_template *t, const page_identity *id,
                               double h[9]) {
    omr_rect area = t->identity.has_area ? t->identity.area : t->code_rect;
    if (!id->has_corners || area.w <= 0)
        return 0;
    omr_point from[4] = {{area.x, area.y}, {area.x + area.w, area.y}, {area.x + area.w, area.y + area.h},
                         {area.x, area.y + area.h}};
    if (cvw_fit_homography(from, id->corners, 4, h) != OMR_OK || h[8] == 0)
        return 0;
    for (int i = 0; i < 9; i++)
        h[i] /= h[8];
    (void)scan;
    return 1;
}

int register_locate(const omr_image *scan, const omr_template *t, const page_identity *id,
                     page_transform *out, omr_error *err) {
    assert(scan && scan->width > 0 && scan->height > 0);
    assert(t && id && t->registration != REGISTRATION_FIDUCIALS);
    memset(out, 0, sizeof *out);
    out->fiducial_missing = -1;
    const reference_page *ref = template_reference(t, id->page);
    double h[9];
    int have = 0;
    if (id->has_coarse) {
        memcpy(h, id->coarse, sizeof h);
        have = 1;
    } else if (ref) {
        reference_scan rs;
        int rc = reference_scan_prepare(scan, &rs, err);
        if (rc != OMR_OK)
            return rc;
        have = reference_match(ref, &rs, h) > 0;
        reference_scan_clear(&rs);
        if (!have) {
            /* a blank with no features in common: its printed structure */
            look_scan *ink = NULL;
            have = reference_match_structure(ref, scan, &ink, h) > 0;
            look_scan_free(ink);
        }
    }
    if (!have && t->registration == REGISTRATION_MARKS)
        have = coarse_from_corners(scan, t, id, h);
    if (!have)
        return omr_fail(err, OMR_ERR_NOT_FOUND,
                        "page %d of %s: the page could not be matched to the blank form (too little of "
                        "it on the scan, very blurred, or a different form?)", id->page, t->id);
    double residual = 0;
    int used = 0;
    if (t->registration == REGISTRATION_MARKS) {
        used = fit_marks(scan, t, h, &residual);
        if (used < 3 && !ref)
            return omr_fail(err, OMR_ERR_NOT_FOUND,
                            "page %d of %s: only %d of the form's %zu corner marks found; is the page "
                            "cut off by the scanner, folded, or covered?", id->page, t->id, used, t->n_marks);
    }
    memcpy(out->homography, h, sizeof out->homography);
    affine_of(h, t->page_width, t->page_height, &out->to_image);
    out->projective = fabs(h[6]) * t->page_width + fabs(h[7]) * t->page_height > 1e-4;
    const double *m = out->to_image.m;
    out->px_per_mm = sqrt(fabs(m[0] * m[4] - m[1] * m[3]));
    out->residual_mm = residual;
    double angle = atan2(m[3], m[0]);
    out->quarter_turns = (((int)lround(angle / (M_PI / 2))) % 4 + 4) % 4;
    /* omr's flags speak of fiducials: a foreign page has none to miss */
    out->fiducials_found = 4;
    black_points(scan, t, h, out->fiducial_px);
    if (out->px_per_mm < 40 / 25.4)
        return omr_fail(err, OMR_ERR_NOT_FOUND,
                        "page %d of %s: the page is too small on the scan (%.0f dpi); scan at 150 dpi "
                        "or more", id->page, t->id, out->px_per_mm * 25.4);
    return OMR_OK;
}
