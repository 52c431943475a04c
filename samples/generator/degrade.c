/*
 * degrade.c — scanner degradations on a grey page. The warp and the blur are
 * OpenCV's (through cv_wrap); noise, speckle, lighting and thresholding are
 * single passes over the pixels. Gaussian noise draws from a table of normal
 * deviates indexed by 16 random bits, so a 300 dpi page costs a few tens of
 * milliseconds, not a second of logarithms. The non-linear warp (--warp)
 * is a displacement field computed on a 1 mm grid and applied by bilinear
 * resampling before the glass's affine map.
 */
#include "degrade.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/cv_wrap.h"

void degrade_pick(degrade_params *p, rng *r, int quick, int bilevel) {
    memset(p, 0, sizeof *p);
    double m = quick ? 0.35 : 1.0;
    p->skew_deg = rng_range(r, -3, 3) * m;
    p->scale = 1 + rng_range(r, -0.03, 0.03) * m;
    p->dx_mm = rng_range(r, -3, 3) * m;
    p->dy_mm = rng_range(r, -3, 3) * m;
    double turn = rng_uniform(r);
    p->quarter_turns = turn < 0.15 ? 2 : turn < 0.165 ? 1 : turn < 0.18 ? 3 : 0;
    p->blur_sigma = rng_range(r, 0, 1.2) * m;
    p->noise_sigma = rng_range(r, 0, 8) * m;
    p->speckle = rng_range(r, 0, 0.0005) * m;
    p->paper = rng_range(r, 238, 253);
    int uneven = rng_chance(r, 0.15); /* drawn always: --quick keeps the same stream */
    p->uneven = !quick && !bilevel && uneven;
    p->uneven_depth = rng_range(r, 15, 45);
    p->uneven_angle = rng_range(r, 0, 2 * M_PI);
    p->bilevel = bilevel;
    if (bilevel) {
        /* "text" mode of a 1-bit scanner: a high threshold that keeps pencil */
        p->paper = rng_range(r, 245, 254);
        if (p->noise_sigma > 4)
            p->noise_sigma = 4;
        p->threshold = (int)rng_range(r, 200, 212);
    }
}

omr_image *degrade_grey_from_rgb(const unsigned char *data, int stride, int width, int height,
                                 double dpi) {
    omr_image *img = omr_image_new(width, height, dpi, 255);
    if (!img)
        return NULL;
    for (int y = 0; y < height; y++) {
        const uint32_t *src = (const uint32_t *)(const void *)(data + (size_t)y * (size_t)stride);
        uint8_t *dst = img->pixels + (size_t)y * (size_t)img->stride;
        for (int x = 0; x < width; x++) {
            uint32_t px = src[x]; /* CAIRO_FORMAT_RGB24: 0x00RRGGBB in native order */
            unsigned red = (px >> 16) & 0xFF, green = (px >> 8) & 0xFF, blue = px & 0xFF;
            dst[x] = (uint8_t)((red * 77 + green * 150 + blue * 29 + 128) >> 8);
        }
    }
    return img;
}

/* The forward map page pixels -> scan pixels: turn by `deg` and scale about
 * the page centre, then shift. */
static cvw_affine glass_map(const omr_image *page, double deg, double scale, double dx_px,
                            double dy_px) {
    double a = deg * M_PI / 180, c = cos(a) * scale, s = sin(a) * scale;
    double cx = page->width / 2.0, cy = page->height / 2.0;
    cvw_affine m = {{c, -s, cx + dx_px - (c * cx - s * cy), s, c, cy + dy_px - (s * cx + c * cy)}};
    return m;
}

/* Keeps the fiducials and the QR code (with 1.5 mm to spare) on the scan:
 * moves the shift into the allowed range, and if even that cannot work,
 * lessens skew and scale. */
static void keep_marks_on_page(const omr_image *page, const omr_template *t, double spare_mm, double *deg,
                               double *scale, double *dx, double *dy) {
    double px_per_mm = page->dpi / 25.4, margin = (1.5 + spare_mm) * px_per_mm;
    omr_point pts[20];
    int n = 0;
    for (int i = 0; i < 4; i++) {
        double h = t->fiducial_size / 2 + 1;
        for (int c = 0; c < 4; c++)
            pts[n++] = (omr_point){(t->fiducials[i].x + (c & 1 ? h : -h)) * px_per_mm,
                                   (t->fiducials[i].y + (c & 2 ? h : -h)) * px_per_mm};
    }
    for (int c = 0; c < 4; c++)
        pts[n++] = (omr_point){(t->code_rect.x + (c & 1 ? t->code_rect.w : 0)) * px_per_mm,
                               (t->code_rect.y + (c & 2 ? t->code_rect.h : 0)) * px_per_mm};
    for (int tries = 0; tries < 40; tries++) {
        cvw_affine m = glass_map(page, *deg, *scale, 0, 0);
        double x0 = 1e18, x1 = -1e18, y0 = 1e18, y1 = -1e18;
        for (int i = 0; i < n; i++) {
            double x = m.m[0] * pts[i].x + m.m[1] * pts[i].y + m.m[2];
            double y = m.m[3] * pts[i].x + m.m[4] * pts[i].y + m.m[5];
            x0 = fmin(x0, x);
            x1 = fmax(x1, x);
            y0 = fmin(y0, y);
            y1 = fmax(y1, y);
        }
        double lo_x = margin - x0, hi_x = page->width - margin - x1;
        double lo_y = margin - y0, hi_y = page->height - margin - y1;
        if (lo_x <= hi_x && lo_y <= hi_y) {
            *dx = fmin(fmax(*dx, lo_x), hi_x);
            *dy = fmin(fmax(*dy, lo_y), hi_y);
            return;
        }
        *deg *= 0.85;
        *scale = 1 + (*scale - 1) * 0.85;
    }
    *deg = 0;
    *scale = 1;
    *dx = *dy = 0;
}

/* ---- the non-linear warp ---------------------------------------------------------------- */

void degrade_pick_warp(degrade_warp *w, rng *r, double s) {
    memset(w, 0, sizeof *w);
    w->strength = s;
    w->curl_edge = rng_int(r, 4);
    w->curl_mm = rng_range(r, 0.6, 1.6) * s;
    w->curl_width_mm = rng_range(r, 25, 60);
    w->roller_mm = rng_range(r, 0.2, 0.6) * s;
    w->roller_period_mm = rng_range(r, 90, 260);
    w->roller_phase = rng_range(r, 0, 2 * M_PI);
    w->drift_mm = rng_range(r, -0.6, 0.6) * s;
    w->barrel_mm = rng_range(r, 0.4, 1.4) * s * (rng_chance(r, 0.7) ? 1 : -1);
    for (int c = 0; c < 4; c++)
        for (int k = 0; k < 2; k++)
            w->keystone_mm[c][k] = rng_range(r, -1.2, 1.2) * s;
    for (int b = 0; b < DEGRADE_BUMPS; b++) {
        double a = rng_range(r, 0, 2 * M_PI), m = rng_range(r, 0.2, 0.6) * s;
        w->bump_mm[b][0] = m * cos(a);
        w->bump_mm[b][1] = m * sin(a);
        w->bump_at[b][0] = rng_range(r, 0, 1);
        w->bump_at[b][1] = rng_range(r, 0, 1);
        w->bump_r_mm[b] = rng_range(r, 12, 40);
    }
}

void degrade_warp_at(const degrade_warp *w, double pw, double ph, double x, double y, double *dx, double *dy) {
    double ux = 0, uy = 0;
    /* curl: pulled toward the spine, most at the edge, fading quadratically */
    double edge = w->curl_edge == 0 ? x : w->curl_edge == 1 ? pw - x : w->curl_edge == 2 ? y : ph - y;
    if (edge < w->curl_width_mm) {
        double f = 1 - edge / w->curl_width_mm, d = w->curl_mm * f * f;
        if (w->curl_edge < 2)
            ux += w->curl_edge == 0 ? -d : d;
        else
            uy += w->curl_edge == 2 ? -d : d;
    }
    /* rollers: down the page */
    uy += w->roller_mm * sin(2 * M_PI * y / w->roller_period_mm + w->roller_phase) + w->drift_mm * (y / ph) * (y / ph);
    /* barrel: radial, growing with the square of the distance from the centre */
    double cx = x - pw / 2, cy = y - ph / 2, r2 = (cx * cx + cy * cy) / (pw * pw / 4 + ph * ph / 4);
    double rr = hypot(cx, cy);
    if (rr > 0) {
        double d = w->barrel_mm * r2;
        ux -= d * cx / rr;
        uy -= d * cy / rr;
    }
    /* keystone: the corners' moves, bilinear over the page */
    double u = x / pw, v = y / ph;
    for (int k = 0; k < 2; k++) {
        double d = (1 - u) * (1 - v) * w->keystone_mm[0][k] + u * (1 - v) * w->keystone_mm[1][k] +
                   (1 - u) * v * w->keystone_mm[2][k] + u * v * w->keystone_mm[3][k];
        if (k == 0)
            ux += d;
        else
            uy += d;
    }
    /* local stretches */
    for (int b = 0; b < DEGRADE_BUMPS; b++) {
        double bx = x - w->bump_at[b][0] * pw, by = y - w->bump_at[b][1] * ph, rb = w->bump_r_mm[b];
        double g = exp(-(bx * bx + by * by) / (2 * rb * rb));
        ux += w->bump_mm[b][0] * g;
        uy += w->bump_mm[b][1] * g;
    }
    *dx = ux;
    *dy = uy;
}

/* The page with its content moved by the warp: each output pixel samples
 * the page where the field says it came from (the field is smooth and a
 * few mm at most, so its value at the output point stands for its value at
 * the source). The field is computed on a 1 mm grid and interpolated. */
static omr_image *apply_warp(const omr_image *page, const degrade_warp *w) {
    omr_image *out = omr_image_new(page->width, page->height, page->dpi, 255);
    if (!out)
        return NULL;
    double s = page->dpi / 25.4, pw = page->width / s, ph = page->height / s;
    int gw = (int)ceil(pw) + 2, gh = (int)ceil(ph) + 2;
    double *fx = malloc((size_t)gw * (size_t)gh * sizeof *fx), *fy = malloc((size_t)gw * (size_t)gh * sizeof *fy);
    if (!fx || !fy) {
        free(fx);
        free(fy);
        omr_image_free(out);
        return NULL;
    }
    for (int j = 0; j < gh; j++)
        for (int i = 0; i < gw; i++)
            degrade_warp_at(w, pw, ph, i, j, &fx[j * gw + i], &fy[j * gw + i]);
    for (int y = 0; y < out->height; y++) {
        double ym = (y + 0.5) / s;
        int gj = (int)ym;
        double tj = ym - gj;
        for (int x = 0; x < out->width; x++) {
            double xm = (x + 0.5) / s;
            int gi = (int)xm;
            double ti = xm - gi;
            const double *a = fx + (size_t)gj * gw + gi, *b = fy + (size_t)gj * gw + gi;
            double dx = (1 - ti) * (1 - tj) * a[0] + ti * (1 - tj) * a[1] + (1 - ti) * tj * a[gw] + ti * tj * a[gw + 1];
            double dy = (1 - ti) * (1 - tj) * b[0] + ti * (1 - tj) * b[1] + (1 - ti) * tj * b[gw] + ti * tj * b[gw + 1];
            double sx = x - dx * s, sy = y - dy * s;
            int x0 = (int)floor(sx), y0 = (int)floor(sy);
            if (x0 < 0 || y0 < 0 || x0 + 1 >= page->width || y0 + 1 >= page->height)
                continue;
            double u = sx - x0, v = sy - y0;
            double g = (1 - u) * (1 - v) * omr_image_at(page, x0, y0) + u * (1 - v) * omr_image_at(page, x0 + 1, y0) +
                       (1 - u) * v * omr_image_at(page, x0, y0 + 1) + u * v * omr_image_at(page, x0 + 1, y0 + 1);
            out->pixels[(size_t)y * (size_t)out->stride + (size_t)x] = (uint8_t)(g + 0.5);
        }
    }
    free(fx);
    free(fy);
    return out;
}

/* ---- a folded sheet ------------------------------------------------------------------ */

void degrade_pick_fold(degrade_fold *f, rng *r, double page_w_mm, double page_h_mm) {
    memset(f, 0, sizeof *f);
    if (rng_chance(r, 1.0 / 3))
        return;
    f->vertical = rng_chance(r, 0.15);
    double len = f->vertical ? page_w_mm : page_h_mm;
    if (rng_chance(r, 0.5)) {
        f->n = 1;
        f->at_mm[0] = len / 2 + rng_range(r, -8, 8);
    } else {
        f->n = 2;
        f->at_mm[0] = len / 3 + rng_range(r, -8, 8);
        f->at_mm[1] = 2 * len / 3 + rng_range(r, -8, 8);
    }
    for (int i = 0; i < f->n; i++)
        f->tilt[i] = rng_range(r, -0.015, 0.015);
    f->darker = rng_range(r, 0.04, 0.30);
    f->width_mm = rng_range(r, 0.08, 0.6);
    f->step = rng_range(r, -0.04, 0.07);
    f->shine = rng_chance(r, 0.4) ? rng_range(r, 0, 0.06) : 0;
}

void degrade_fold_page(omr_image *page, const degrade_fold *f) {
    double px_per_mm = page->dpi / 25.4;
    for (int i = 0; i < f->n; i++) {
        double w = f->width_mm * px_per_mm;
        int along_n = f->vertical ? page->height : page->width;
        int across_n = f->vertical ? page->width : page->height;
        for (int a = 0; a < along_n; a++) {
            double mid = f->at_mm[i] * px_per_mm + f->tilt[i] * (a - along_n / 2.0);
            /* the step reaches to the next crease (or the edge) */
            int from = (int)floor(mid - 5 * w) - 2, to = i + 1 < f->n ? (int)(f->at_mm[i + 1] * px_per_mm) : across_n;
            for (int c = from < 0 ? 0 : from; c < to && c < across_n; c++) {
                double d = (c + 0.5 - mid) / w;
                double gain = 1.0 - f->darker * exp(-d * d) + f->shine * exp(-(d - 1.8) * (d - 1.8)) -
                              (d > 0 ? f->step / (i + 1.0) : 0);
                uint8_t *px = f->vertical ? page->pixels + (size_t)a * (size_t)page->stride + (size_t)c
                                          : page->pixels + (size_t)c * (size_t)page->stride + (size_t)a;
                double v = *px * gain;
                *px = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v + 0.5);
            }
        }
    }
}

/* Gaussian noise, speckle and lighting in one pass. */
static void add_noise(omr_image *img, const degrade_params *p, rng *r) {
    enum { TABLE = 65536 };
    float *normal = malloc(TABLE * sizeof *normal);
    if (!normal)
        return;
    for (int i = 0; i < TABLE; i++)
        normal[i] = (float)(rng_normal(r) * p->noise_sigma);
    float gain_paper = (float)(p->paper / 255.0);
    double ca = cos(p->uneven_angle), sa = sin(p->uneven_angle);
    double diag = hypot(img->width, img->height);
    for (int y = 0; y < img->height; y++) {
        uint8_t *row = img->pixels + (size_t)y * (size_t)img->stride;
        uint64_t bits = 0;
        int left = 0;
        for (int x = 0; x < img->width; x++) {
            float gain = gain_paper;
            if (p->uneven) {
                /* a linear fall-off across the page along the angle */
                double t = ((x - img->width / 2.0) * ca + (y - img->height / 2.0) * sa) / diag + 0.5;
                gain -= (float)(p->uneven_depth * t / 255.0);
            }
            if (left == 0) {
                bits = rng_next(r);
                left = 4;
            }
            float v = row[x] * gain + normal[bits & 0xFFFF];
            bits >>= 16;
            left--;
            row[x] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v + 0.5f);
        }
    }
    free(normal);
    long specks = lround(p->speckle * img->width * (double)img->height);
    for (long i = 0; i < specks; i++) {
        int x = rng_int(r, img->width - 1), y = rng_int(r, img->height - 1);
        uint8_t v = rng_chance(r, 0.7) ? (uint8_t)rng_int(r, 60) : 255; /* dust, or a drop-out */
        int size = rng_chance(r, 0.3) ? 2 : 1;
        for (int dy = 0; dy < size; dy++)
            for (int dx = 0; dx < size; dx++)
                img->pixels[(size_t)(y + dy) * (size_t)img->stride + (size_t)(x + dx)] = v;
    }
}

omr_image *degrade_scan(const omr_image *page, const degrade_params *p, const omr_template *t,
                        rng *r, omr_error *err) {
    double deg = p->skew_deg, scale = p->scale;
    double px_per_mm = page->dpi / 25.4;
    double dx = p->dx_mm * px_per_mm, dy = p->dy_mm * px_per_mm;
    if (t)
        keep_marks_on_page(page, t, p->warp.strength > 0 ? 4 * p->warp.strength : 0, &deg, &scale, &dx, &dy);
    omr_image *scan = omr_image_new(page->width + (int)lround(p->glass_w_mm * px_per_mm),
                                    page->height + (int)lround(p->glass_h_mm * px_per_mm), page->dpi, 255);
    if (!scan) {
        omr_fail(err, OMR_ERR_MEMORY, "out of memory for a %d x %d scan", page->width, page->height);
        return NULL;
    }
    cvw_affine m = glass_map(page, deg, scale, dx, dy);
    omr_image *warped = p->warp.strength > 0 ? apply_warp(page, &p->warp) : NULL;
    int warp_rc = cvw_warp_affine(warped ? warped : page, scan, &m);
    omr_image_free(warped);
    if (warp_rc != OMR_OK) {
        omr_image_free(scan);
        omr_fail(err, OMR_ERR_INVALID, "cannot warp a %d x %d page", page->width, page->height);
        return NULL;
    }
    if (p->blur_sigma > 0.05)
        cvw_gaussian_blur(scan, p->blur_sigma);
    add_noise(scan, p, r);
    if (p->bilevel) {
        size_t n = (size_t)scan->stride * (size_t)scan->height;
        for (size_t i = 0; i < n; i++)
            scan->pixels[i] = scan->pixels[i] < p->threshold ? 0 : 255;
    }
    if (p->quarter_turns % 4) {
        omr_image *turned = omr_image_rotate_quarter(scan, p->quarter_turns);
        omr_image_free(scan);
        if (!turned)
            omr_fail(err, OMR_ERR_MEMORY, "out of memory turning a page");
        scan = turned;
    }
    return scan;
}

/* ---- the widened scanner faults ---------------------------------------------------- */

void degrade_pick_envelope(degrade_envelope *e, rng *r) {
    memset(e, 0, sizeof *e);
    static const double tag_mix[] = {50, 12, 8, 10, 12, 8}; /* right, none, 1:1, 72, wrong, fax */
    e->tag = (degrade_tag)rng_pick(r, tag_mix, 6);
    e->harsh = rng_chance(r, 0.16);
    if (rng_chance(r, 0.16)) {
        /* A4 on a letter or legal glass, or a flatbed's whole bed */
        static const double glass[3][2] = {{6, 0}, {6, 59}, {6, 10}};
        int k = rng_int(r, 3);
        e->glass_w_mm = glass[k][0] + rng_range(r, 0, 4);
        e->glass_h_mm = glass[k][1] + rng_range(r, 0, 4);
    }
}

const char *degrade_tag_name(degrade_tag tag) {
    static const char *const names[] = {"right", "none", "1:1", "72", "wrong", "fax"};
    return tag <= DEGRADE_TAG_FAX ? names[tag] : "?";
}

double degrade_tag_dpi(degrade_tag tag, double dpi) {
    switch (tag) {
    case DEGRADE_TAG_NONE: return 0;
    case DEGRADE_TAG_ONE: return 1;
    case DEGRADE_TAG_72: return 72;
    case DEGRADE_TAG_WRONG: return dpi < 250 ? 300 : 200;
    default: return dpi;
    }
}

void degrade_make_harsh(degrade_params *p, rng *r) {
    p->bilevel = 1;
    p->uneven = 0;
    p->blur_sigma = rng_range(r, 0.8, 1.7);
    p->threshold = (int)rng_range(r, 214, 238);
    p->noise_sigma = rng_range(r, 0, 5);
    p->paper = rng_range(r, 246, 254);
}

omr_image *degrade_fax_rows(const omr_image *scan, double ydpi, omr_error *err) {
    double f = ydpi / scan->dpi;
    omr_image *out = omr_image_new(scan->width, (int)lround(scan->height * f), scan->dpi, 255);
    if (!out) {
        omr_fail(err, OMR_ERR_MEMORY, "out of memory for a fax page");
        return NULL;
    }
    cvw_affine m = {{1, 0, 0, 0, f, 0}};
    if (cvw_warp_affine(scan, out, &m) != OMR_OK) {
        omr_image_free(out);
        omr_fail(err, OMR_ERR_INVALID, "cannot resample a fax page");
        return NULL;
    }
    return out;
}
