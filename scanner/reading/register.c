/*
 * register.c — a foreign form's page on its scan, through its blank copy.
 *
 * 1. The blank page (read once, at template load) and the scan are both taken
 *    to about 100 dpi and described by ORB features spread over the page.
 * 2. Features that are each other's nearest match and clearly better than
 *    the next candidate are fitted with a homography by RANSAC. A page whose
 *    outline maps to something that is not a sheet of paper (folded over,
 *    mirrored, absurdly small) is refused.
 * 3. With the form's own marks (template `marks`), each mark is looked for as
 *    a dark blob of the right size near where the homography puts it; three
 *    give an affine map, four or more a homography through their centres of
 *    gravity, which is exact to a fraction of a pixel. Without marks (or with
 *    too few found) the feature map is used as it is.
 * measure then re-centres each box on its own printed outline, as it does on
 * omr's forms, which absorbs what the map leaves (a few tenths of a mm).
 */
#include "reading/register.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pages/decode.h"

#define MAX_FEATURES 3000
#define RANSAC_WORK_PX 3.0   /* at 100 dpi: 0.76 mm */
#define MIN_INLIERS 25
#define MARK_SEARCH_MM 6.0
#define MAX_BLOBS 512
#define MASK_PITCH_MM 0.1
#define MASK_GROW_MM 0.4

/* ---- the blank page -------------------------------------------------------------- */

void register_reference_free(register_reference *ref) {
    if (!ref)
        return;
    omr_image_free(ref->page);
    omr_image_free(ref->work);
    cvw_features_free(ref->features);
    free(ref);
}

int register_reference_from_image(omr_image *page, double page_w, double page_h,
                                  register_reference **out, omr_error *err) {
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
    register_reference *ref = calloc(1, sizeof *ref);
    if (!ref) {
        omr_image_free(page);
        return omr_fail(err, OMR_ERR_MEMORY, "out of memory");
    }
    ref->page = page;
    ref->px_per_mm = (sx + sy) / 2;
    double factor = REGISTER_WORK_DPI / 25.4 / ref->px_per_mm;
    ref->work = factor < 1 ? cvw_resize(page, factor) : cvw_resize(page, 1.0);
    if (ref->work)
        ref->work_px_per_mm = ref->px_per_mm * (factor < 1 ? factor : 1.0);
    ref->features = ref->work ? cvw_features_detect(ref->work, MAX_FEATURES) : NULL;
    if (!ref->features) {
        register_reference_free(ref);
        return omr_fail(err, OMR_ERR_MEMORY, "out of memory describing the blank page");
    }
    if (cvw_features_count(ref->features) < 4 * MIN_INLIERS) {
        int n = cvw_features_count(ref->features);
        register_reference_free(ref);
        return omr_fail(err, OMR_ERR_INVALID,
                        "the blank page has too little print to recognise it by (%d features); is "
                        "it the right file and page?", n);
    }
    *out = ref;
    return OMR_OK;
}

int register_reference_load(const char *path, int index, double page_w, double page_h,
                            register_reference **out, omr_error *err) {
    *out = NULL;
    decode_source *src = NULL;
    int rc = decode_open(path, &src, err);
    if (rc != OMR_OK)
        return rc;
    if (index >= decode_page_count(src)) {
        int n = decode_page_count(src);
        decode_close(src);
        return omr_fail(err, OMR_ERR_INVALID, "the blank form %s has %d page%s, not %d", path, n,
                        n == 1 ? "" : "s", index + 1);
    }
    omr_image *page = NULL;
    rc = decode_page(src, index, &page, err);
    decode_close(src);
    if (rc != OMR_OK)
        return rc;
    return register_reference_from_image(page, page_w, page_h, out, err);
}

/* ---- the scan ---------------------------------------------------------------------- */

int register_scan_prepare(const omr_image *scan, register_scan *out, omr_error *err) {
    memset(out, 0, sizeof *out);
    /* the scan's resolution when it has one; without (a phone photo), as if
     * the longer side were a little more than an A4 page's */
    double dpi = scan->dpi > 0 ? scan->dpi : (scan->width > scan->height ? scan->width : scan->height) / 12.5;
    out->scale = REGISTER_WORK_DPI / dpi;
    if (out->scale > 1)
        out->scale = 1;
    out->work = cvw_resize(scan, out->scale);
    if (out->work) {
        out->scale = (double)out->work->width / scan->width;
        out->features = cvw_features_detect(out->work, MAX_FEATURES);
    }
    if (!out->features) {
        register_scan_clear(out);
        return omr_fail(err, OMR_ERR_MEMORY, "out of memory describing the page");
    }
    return OMR_OK;
}

void register_scan_clear(register_scan *scan) {
    omr_image_free(scan->work);
    cvw_features_free(scan->features);
    memset(scan, 0, sizeof *scan);
}

static omr_point map_h(const double h[9], double x, double y) {
    double w = h[6] * x + h[7] * y + h[8];
    omr_point p = {(h[0] * x + h[1] * y + h[2]) / w, (h[3] * x + h[4] * y + h[5]) / w};
    return p;
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
    omr_point c[4] = {map_h(h, 0, 0), map_h(h, pw, 0), map_h(h, pw, ph), map_h(h, 0, ph)};
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

int register_match(const register_reference *ref, const register_scan *scan, double mm_to_px[9]) {
    double h[9];
    int inliers = cvw_features_homography(ref->features, scan->features, RANSAC_WORK_PX, h);
    if (inliers < MIN_INLIERS)
        return 0;
    /* mm -> reference work px -> scan work px -> scan px */
    double to_work[9] = {ref->work_px_per_mm, 0, 0, 0, ref->work_px_per_mm, 0, 0, 0, 1};
    double from_work[9] = {1 / scan->scale, 0, 0, 0, 1 / scan->scale, 0, 0, 0, 1};
    double t[9];
    mat3_mul(h, to_work, t);
    mat3_mul(from_work, t, mm_to_px);
    double pw = ref->page->width / ref->px_per_mm, ph = ref->page->height / ref->px_per_mm;
    return plausible_sheet(mm_to_px, pw, ph) ? inliers : 0;
}

/* ---- the form's own marks ------------------------------------------------------------ */

/* The blob nearest `predicted` whose size fits a mark of `size_mm` (any
 * solid shape: its bounding box 60-150% of the mark's, and not a thin line). */
static int find_mark(const omr_image *scan, omr_point predicted, double s, double size_mm,
                     omr_point *found) {
    int r = (int)((MARK_SEARCH_MM + size_mm) * s);
    int x = (int)predicted.x - r, y = (int)predicted.y - r;
    int threshold = cvw_otsu_threshold(scan, x, y, 2 * r, 2 * r);
    if (threshold < 0)
        return 0;
    if (threshold < 60)
        threshold = 60;
    if (threshold > 200)
        threshold = 200;
    cvw_blob blobs[MAX_BLOBS];
    int n = cvw_find_blobs(scan, x, y, 2 * r, 2 * r, threshold, blobs, MAX_BLOBS);
    double expected = size_mm * s, best = MARK_SEARCH_MM * s;
    int ok = 0;
    for (int i = 0; i < n; i++) {
        const cvw_blob *b = &blobs[i];
        double big = b->w > b->h ? b->w : b->h, small = b->w < b->h ? b->w : b->h;
        if (big < 0.6 * expected || big > 1.5 * expected || small < 0.45 * expected)
            continue;
        if (b->area < 0.12 * expected * expected)
            continue; /* an outline, not a mark */
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

/* Refines `h` through the marks; returns how many were found and used. */
static int fit_marks(const omr_image *scan, const omr_template *t, double h[9], double *residual_mm) {
    omr_point from[16], to[16];
    int n = 0;
    double s = sqrt(fabs((h[0] * h[4] - h[1] * h[3])));
    for (size_t i = 0; i < t->n_marks && n < 16; i++) {
        omr_point p = map_h(h, t->marks[i].x, t->marks[i].y), f;
        /* local scale at the mark */
        omr_point q = map_h(h, t->marks[i].x + 1, t->marks[i].y);
        double local = hypot(q.x - p.x, q.y - p.y);
        if (local > 0)
            s = local;
        if (find_mark(scan, p, s, t->mark_size, &f)) {
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
        omr_point a = map_h(h, x, y), b = map_h(hm, x, y);
        double d = hypot(a.x - b.x, a.y - b.y) / s;
        if (d > worst)
            worst = d;
    }
    if (worst > 2.0)
        return 0;
    double res = 0;
    for (int i = 0; i < n; i++) {
        omr_point p = map_h(hm, from[i].x, from[i].y);
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
        omr_point a = map_h(h, x0, y0), b = map_h(h, x0 + t->page_width / 2 - 6, y0 + t->page_height / 2 - 6);
        int ax = (int)fmin(a.x, b.x), bx = (int)fmax(a.x, b.x), ay = (int)fmin(a.y, b.y), by = (int)fmax(a.y, b.y);
        if (ax < 2) ax = 2;
        if (ay < 2) ay = 2;
        if (bx > scan->width - 3) bx = scan->width - 3;
        if (by > scan->height - 3) by = scan->height - 3;
        omr_point p = map_h(h, x0 + t->page_width / 4, y0 + t->page_height / 4);
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
        to[k] = map_h(h, from[k].x, from[k].y);
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
    memset(out, 0, sizeof *out);
    out->fiducial_missing = -1;
    const register_reference *ref = template_reference(t, id->page);
    double h[9];
    int have = 0;
    if (id->has_coarse) {
        memcpy(h, id->coarse, sizeof h);
        have = 1;
    } else if (ref) {
        register_scan rs;
        int rc = register_scan_prepare(scan, &rs, err);
        if (rc != OMR_OK)
            return rc;
        have = register_match(ref, &rs, h) > 0;
        register_scan_clear(&rs);
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

/* ---- the print mask ------------------------------------------------------------------ */

int register_print_mask(const omr_template *t, int page, print_mask *out, omr_error *err) {
    memset(out, 0, sizeof *out);
    const register_reference *ref = template_reference(t, page);
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
    const omr_image *img = ref->page;
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
