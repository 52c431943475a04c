/*
 * structure.c — a page found through its blank's printed structure
 * (structure.h): the blank's ink as points, the scan's ink as distance maps,
 * a coarse search over the ways a sheet lies on a scanner and a descent at
 * finer resolutions. Hands a map template mm -> scan px to identify (which
 * page is it) and register (where it lies), which then refine it on the
 * form's own marks and the boxes' outlines. The coarse search's sums are
 * made sixteen shifts at a time where the CPU has AVX-512, with the same
 * result as one at a time (OMR_NO_WIDE_SUMS=1 asks for that, for the tests).
 */
#include "reading/look/structure.h"

#include <assert.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define LEVELS 3
static const double level_res[LEVELS] = {1.0, 2.0, 4.0}; /* px per mm */
#define MAX_POINTS 6000      /* blank ink points kept per level */
#define COARSE_SAMPLE 96     /* points of the first, exhaustive search */
#define CAP 9                /* distances capped at 3 px (in thirds of a px) */
#define NEAR 5               /* "on ink": within 1.67 px at 4 px/mm = 0.42 mm */
#define KEEP 8               /* poses kept from the coarse search */
#define REFINE 3             /* of which refined */
#define MAX_ANGLE 4          /* degrees either way */
#define MAX_SHIFT_MM 25.0    /* the sheet's offset on the scanner's glass */
/* x and y scaled apart by up to 2 x 4%: copiers and sheet feeders do (AMC's
 * corpus holds sheets 5-7% shorter than they are wide, against the layout) */
#define MAX_ANISO 2
#define ANISO_STEP 0.02

/* lround (halves away from zero) without the library call, which was a
 * tenth of a layout-drawn blank's match: the truncation and the fraction
 * left are exact for |v| < 2^52; beyond that, and for NaN, lround itself. */
static inline long round_half_away(double v) {
    if (!(fabs(v) < 4503599627370496.0))
        return lround(v);
    long i = (long)v;
    double f = v - (double)i;
    return i + (f >= 0.5) - (f <= -0.5);
}

struct look_structure {
    double pw, ph;           /* page mm */
    omr_point *pts[LEVELS];  /* ink cell centres, mm */
    int n[LEVELS];
    omr_point sample[COARSE_SAMPLE];
    int n_sample;
};

struct look_scan {
    int width, height;       /* scan px */
    double pw, ph;           /* the page expected, mm */
    double dpi;              /* the tag, 0 when none */
    double cell[LEVELS];     /* scan px per level px */
    int gw[LEVELS], gh[LEVELS];
    uint8_t *dist[LEVELS];   /* distance to ink, thirds of a level px, capped */
};

/* ---- ink ----------------------------------------------------------------------------- */

/* The paper's level: the median of a sample of the page (a page is mostly
 * paper); ink is darker than 60% of it. */
static int ink_threshold(const omr_image *im) {
    unsigned hist[256] = {0}, n = 0;
    int step = (int)sqrt((double)im->width * im->height / 40000.0) + 1;
    for (int y = 0; y < im->height; y += step)
        for (int x = 0; x < im->width; x += step, n++)
            hist[omr_image_at(im, x, y)]++;
    unsigned acc = 0;
    int paper = 255;
    for (int v = 0; v < 256; v++) {
        acc += hist[v];
        if (2 * acc >= n) {
            paper = v;
            break;
        }
    }
    int t = paper * 3 / 5;
    return t < 40 ? 40 : t;
}

/* Cells of `cell` px that hold any ink, finest level; the coarser levels
 * pooled from it (each is half the resolution of the next). */
static uint8_t *ink_cells(const omr_image *im, double cell, int *gw, int *gh) {
    *gw = (int)(im->width / cell) + 1;
    *gh = (int)(im->height / cell) + 1;
    uint8_t *g = calloc((size_t)*gw * *gh, 1);
    int *col = malloc((size_t)im->width * sizeof *col);
    if (!g || !col) {
        free(g);
        free(col);
        return NULL;
    }
    for (int x = 0; x < im->width; x++)
        col[x] = (int)(x / cell);
    int t = ink_threshold(im);
    for (int y = 0; y < im->height; y++) {
        const uint8_t *row = im->pixels + (size_t)y * im->stride;
        uint8_t *grow = g + (size_t)(int)(y / cell) * *gw;
        for (int x = 0; x < im->width; x++)
            if (row[x] < t)
                grow[col[x]] = 1;
    }
    free(col);
    return g;
}

static uint8_t *pool(const uint8_t *g, int gw, int gh, int *ow, int *oh) {
    *ow = (gw + 1) / 2;
    *oh = (gh + 1) / 2;
    uint8_t *o = calloc((size_t)*ow * *oh, 1);
    if (!o)
        return NULL;
    for (int y = 0; y < gh; y++)
        for (int x = 0; x < gw; x++)
            if (g[(size_t)y * gw + x])
                o[(size_t)(y / 2) * *ow + x / 2] = 1;
    return o;
}

/* ---- the blank ------------------------------------------------------------------------ */

void look_structure_free(look_structure *s) {
    if (!s)
        return;
    for (int k = 0; k < LEVELS; k++)
        free(s->pts[k]);
    free(s);
}

int look_structure_points(const look_structure *s) { return s ? s->n[LEVELS - 1] : 0; }

/* An ink cell on the edge of the ink: a solid dot or bar counts by its
 * outline, as a box's frame does, not by its area. */
static int edge_cell(const uint8_t *g, int gw, int gh, int x, int y) {
    const uint8_t *p = g + (size_t)y * gw + x;
    return *p && (x == 0 || y == 0 || x == gw - 1 || y == gh - 1 || !p[-1] || !p[1] || !p[-gw] || !p[gw]);
}

static int points_of(const uint8_t *g, int gw, int gh, double res, omr_point **out) {
    int n = 0;
    for (int y = 0; y < gh; y++)
        for (int x = 0; x < gw; x++)
            n += edge_cell(g, gw, gh, x, y);
    int stride = n > MAX_POINTS ? (n + MAX_POINTS - 1) / MAX_POINTS : 1;
    *out = malloc((size_t)(n / stride + 1) * sizeof **out);
    if (!*out)
        return -1;
    int k = 0, seen = 0;
    for (int y = 0; y < gh; y++)
        for (int x = 0; x < gw; x++)
            if (edge_cell(g, gw, gh, x, y) && seen++ % stride == 0)
                (*out)[k++] = (omr_point){(x + 0.5) / res, (y + 0.5) / res};
    return k;
}

look_structure *look_structure_of_blank(const omr_image *blank, double px_per_mm) {
    assert(blank && px_per_mm > 0);
    look_structure *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->pw = blank->width / px_per_mm;
    s->ph = blank->height / px_per_mm;
    int gw, gh;
    uint8_t *g = ink_cells(blank, px_per_mm / level_res[LEVELS - 1], &gw, &gh);
    for (int k = LEVELS - 1; g && k >= 0; k--) {
        s->n[k] = points_of(g, gw, gh, level_res[k], &s->pts[k]);
        if (s->n[k] < 0)
            break;
        if (k > 0) {
            int ow, oh;
            uint8_t *o = pool(g, gw, gh, &ow, &oh);
            free(g);
            g = o;
            gw = ow;
            gh = oh;
        }
    }
    free(g);
    for (int k = 0; k < LEVELS; k++)
        if (!s->pts[k] || s->n[k] < 0) {
            look_structure_free(s);
            return NULL;
        }
    /* the sample: spread evenly over the coarse points */
    s->n_sample = s->n[0] < COARSE_SAMPLE ? s->n[0] : COARSE_SAMPLE;
    for (int i = 0; i < s->n_sample; i++)
        s->sample[i] = s->pts[0][(size_t)i * s->n[0] / s->n_sample];
    return s;
}

/* Saved as: page w, h (doubles), then per level n (int32) and n x, y
 * (floats); the sample is taken again on load. */
size_t look_structure_size(const look_structure *s) {
    size_t n = 2 * sizeof(double);
    for (int k = 0; k < LEVELS; k++)
        n += sizeof(int32_t) + (size_t)s->n[k] * 2 * sizeof(float);
    return n;
}

void look_structure_save(const look_structure *s, uint8_t *out) {
    memcpy(out, &s->pw, sizeof(double));
    memcpy(out + sizeof(double), &s->ph, sizeof(double));
    out += 2 * sizeof(double);
    for (int k = 0; k < LEVELS; k++) {
        int32_t n = s->n[k];
        memcpy(out, &n, sizeof n);
        out += sizeof n;
        for (int i = 0; i < n; i++) {
            float xy[2] = {(float)s->pts[k][i].x, (float)s->pts[k][i].y};
            memcpy(out, xy, sizeof xy);
            out += sizeof xy;
        }
    }
}

look_structure *look_structure_load(const uint8_t *in, size_t len) {
    if (len < 2 * sizeof(double))
        return NULL;
    look_structure *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    memcpy(&s->pw, in, sizeof(double));
    memcpy(&s->ph, in + sizeof(double), sizeof(double));
    size_t at = 2 * sizeof(double);
    for (int k = 0; k < LEVELS; k++) {
        int32_t n;
        if (at + sizeof n > len)
            goto bad;
        memcpy(&n, in + at, sizeof n);
        at += sizeof n;
        if (n < 0 || n > MAX_POINTS || at + (size_t)n * 2 * sizeof(float) > len)
            goto bad;
        s->n[k] = n;
        s->pts[k] = malloc(((size_t)n + 1) * sizeof *s->pts[k]);
        if (!s->pts[k])
            goto bad;
        for (int i = 0; i < n; i++, at += 2 * sizeof(float)) {
            float xy[2];
            memcpy(xy, in + at, sizeof xy);
            s->pts[k][i] = (omr_point){xy[0], xy[1]};
        }
    }
    if (at != len || !(s->pw > 0 && s->ph > 0))
        goto bad;
    s->n_sample = s->n[0] < COARSE_SAMPLE ? s->n[0] : COARSE_SAMPLE;
    for (int i = 0; i < s->n_sample; i++)
        s->sample[i] = s->pts[0][(size_t)i * s->n[0] / s->n_sample];
    return s;
bad:
    look_structure_free(s);
    return NULL;
}

/* ---- the scan --------------------------------------------------------------------------- */

/* Chamfer distance (3 along, 4 across) to the nearest ink cell, capped. */
static uint8_t *distance_map(const uint8_t *g, int w, int h) {
    uint16_t *d = malloc((size_t)w * h * sizeof *d);
    uint8_t *out = malloc((size_t)w * h);
    if (!d || !out) {
        free(d);
        free(out);
        return NULL;
    }
    const uint16_t far = 60000;
    for (size_t i = 0; i < (size_t)w * h; i++)
        d[i] = g[i] ? 0 : far;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            uint16_t *p = d + (size_t)y * w + x;
            unsigned v = *p;
            if (x > 0 && p[-1] + 3u < v) v = p[-1] + 3u;
            if (y > 0) {
                const uint16_t *u = p - w;
                if (u[0] + 3u < v) v = u[0] + 3u;
                if (x > 0 && u[-1] + 4u < v) v = u[-1] + 4u;
                if (x < w - 1 && u[1] + 4u < v) v = u[1] + 4u;
            }
            *p = (uint16_t)v;
        }
    for (int y = h - 1; y >= 0; y--)
        for (int x = w - 1; x >= 0; x--) {
            uint16_t *p = d + (size_t)y * w + x;
            unsigned v = *p;
            if (x < w - 1 && p[1] + 3u < v) v = p[1] + 3u;
            if (y < h - 1) {
                const uint16_t *u = p + w;
                if (u[0] + 3u < v) v = u[0] + 3u;
                if (x < w - 1 && u[1] + 4u < v) v = u[1] + 4u;
                if (x > 0 && u[-1] + 4u < v) v = u[-1] + 4u;
            }
            *p = (uint16_t)v;
        }
    for (size_t i = 0; i < (size_t)w * h; i++)
        out[i] = d[i] > 255 ? 255 : (uint8_t)d[i];
    free(d);
    return out;
}

void look_scan_free(look_scan *sc) {
    if (!sc)
        return;
    for (int k = 0; k < LEVELS; k++)
        free(sc->dist[k]);
    free(sc);
}

int look_scan_is_for(const look_scan *sc, double page_w, double page_h) {
    return fabs(sc->pw - page_w) < 0.01 && fabs(sc->ph - page_h) < 0.01;
}

look_scan *look_scan_prepare(const omr_image *scan, double page_w, double page_h) {
    assert(scan && page_w > 0 && page_h > 0);
    look_scan *sc = calloc(1, sizeof *sc);
    if (!sc)
        return NULL;
    sc->width = scan->width;
    sc->height = scan->height;
    sc->pw = page_w;
    sc->ph = page_h;
    sc->dpi = scan->dpi;
    /* the grids' scale: the long side of the scan as the long side of the page */
    double s = (scan->width > scan->height ? scan->width : scan->height) / fmax(page_w, page_h);
    double fine = s / level_res[LEVELS - 1];
    if (fine < 1)
        fine = 1;
    int gw, gh;
    uint8_t *g = ink_cells(scan, fine, &gw, &gh);
    for (int k = LEVELS - 1; g && k >= 0; k--) {
        sc->cell[k] = fine * (double)(1 << (LEVELS - 1 - k));
        sc->gw[k] = gw;
        sc->gh[k] = gh;
        sc->dist[k] = distance_map(g, gw, gh);
        if (!sc->dist[k])
            break;
        if (k > 0) {
            int ow, oh;
            uint8_t *o = pool(g, gw, gh, &ow, &oh);
            free(g);
            g = o;
            gw = ow;
            gh = oh;
        }
    }
    free(g);
    for (int k = 0; k < LEVELS; k++)
        if (!sc->dist[k]) {
            look_scan_free(sc);
            return NULL;
        }
    return sc;
}

/* ---- poses ------------------------------------------------------------------------------ */

typedef struct {
    int q;              /* clockwise quarter turns of the page on the scan */
    double theta;       /* radians, beyond the quarter turns */
    double s, a;        /* scale (scan px per mm) and anisotropy: x by s(1+a), y by s(1-a) */
    double tx, ty;      /* the page centre's offset from the scan centre, scan px */
    double cost;
} pose;

/* template mm -> scan px for a pose (row-major 3x3, affine). */
static void pose_matrix(const look_scan *sc, const pose *p, double m[9]) {
    double pw = sc->pw, ph = sc->ph;
    /* mm -> the page turned by q (hinted_window's convention) */
    static const double qm[4][6] = {{1, 0, 0, 0, 1, 0}, {0, -1, 1, 1, 0, 0}, {-1, 0, 1, 0, -1, 1}, {0, 1, 0, -1, 0, 1}};
    const double *Q = qm[p->q];
    double q2 = Q[2] ? (p->q == 1 ? ph : pw) : 0, q5 = Q[5] ? (p->q == 2 ? ph : pw) : 0;
    double tw = p->q % 2 ? ph : pw, th = p->q % 2 ? pw : ph;
    double c = cos(p->theta), sn = sin(p->theta);
    double sx = p->s * (1 + p->a), sy = p->s * (1 - p->a);
    double A[4] = {c * sx, -sn * sy, sn * sx, c * sy};
    double ox = sc->width / 2.0 + p->tx, oy = sc->height / 2.0 + p->ty;
    /* X = Q p + (q2, q5) - (tw/2, th/2); out = A X + (ox, oy) */
    double bx = q2 - tw / 2, by = q5 - th / 2;
    m[0] = A[0] * Q[0] + A[1] * Q[3];
    m[1] = A[0] * Q[1] + A[1] * Q[4];
    m[2] = A[0] * bx + A[1] * by + ox;
    m[3] = A[2] * Q[0] + A[3] * Q[3];
    m[4] = A[2] * Q[1] + A[3] * Q[4];
    m[5] = A[2] * bx + A[3] * by + oy;
    m[6] = m[7] = 0;
    m[8] = 1;
}

/* Sum of capped distances of `pts` under the affine map m (mm -> scan px) on
 * level k; stops early once above `bound`. */
static long cost_at(const look_scan *sc, int k, const omr_point *pts, int n, const double m[9], long bound) {
    double inv = 1 / sc->cell[k];
    double a = m[0] * inv, b = m[1] * inv, c = m[2] * inv, d = m[3] * inv, e = m[4] * inv, f = m[5] * inv;
    int gw = sc->gw[k], gh = sc->gh[k];
    const uint8_t *dist = sc->dist[k];
    long sum = 0;
    for (int i = 0; i < n && sum <= bound; i++) {
        int x = (int)round_half_away(a * pts[i].x + b * pts[i].y + c);
        int y = (int)round_half_away(d * pts[i].x + e * pts[i].y + f);
        int v = x < 0 || y < 0 || x >= gw || y >= gh ? CAP : dist[(size_t)y * gw + x];
        sum += v < CAP ? v : CAP;
    }
    return sum;
}

static double pose_cost(const look_scan *sc, int k, const look_structure *s, const pose *p) {
    double m[9];
    pose_matrix(sc, p, m);
    return (double)cost_at(sc, k, s->pts[k], s->n[k], m, 1L << 60) / (s->n[k] ? s->n[k] : 1);
}

static void keep_best(pose *kept, int *n_kept, const pose *p) {
    int i;
    if (*n_kept < KEEP) {
        i = (*n_kept)++;
    } else {
        if (kept[KEEP - 1].cost <= p->cost)
            return;
        i = KEEP - 1;
    }
    kept[i] = *p;
    for (; i > 0 && kept[i - 1].cost > kept[i].cost; i--) {
        pose t = kept[i - 1];
        kept[i - 1] = kept[i];
        kept[i] = t;
    }
}

/* The coarse search's sums for SHIFTS_AT_ONCE shifts along x at once, on
 * a CPU with AVX-512 (the byte-wide distance map read sixteen cells at a
 * time): sums[l] is the capped distance summed over the sample at shift
 * (dx + l, dy), cells off the map counting CAP, as the scalar loop adds
 * them. It stops early once each of the first `lanes` sums exceeds
 * `bound`; those sums are then partial but still above it, and the bound
 * only falls, so the caller skips them as the scalar loop would. */
#define SHIFTS_AT_ONCE 16
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#include <immintrin.h>

__attribute__((target("avx512f,avx512bw,avx512vl,avx512vbmi2"))) static void
shift_sums_avx512(const uint8_t *dist, int gw, int gh, const int *ix, const int *iy, int n, int dx, int dy, int lanes,
                  long bound, int32_t sums[SHIFTS_AT_ONCE]) {
    __m512i acc = _mm512_setzero_si512(), cap = _mm512_set1_epi32(CAP);
    __m512i limit = _mm512_set1_epi32(bound > INT32_MAX ? INT32_MAX : (int32_t)bound);
    __mmask16 live = (__mmask16)((1u << lanes) - 1);
    for (int i = 0; i < n; i++) {
        int x0 = ix[i] + dx, y = iy[i] + dy;
        __m512i v;
        if (y < 0 || y >= gh || x0 >= gw || x0 + SHIFTS_AT_ONCE <= 0) {
            v = cap;
        } else {
            const uint8_t *row = dist + (size_t)y * gw;
            if (x0 >= 0 && x0 + SHIFTS_AT_ONCE <= gw) {
                v = _mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)(row + x0)));
            } else {
                /* the cells on the map only: lanes lo..hi-1 from row[x0 + lo] */
                int lo = x0 < 0 ? -x0 : 0, hi = gw - x0 < SHIFTS_AT_ONCE ? gw - x0 : SHIFTS_AT_ONCE;
                __mmask16 on = (__mmask16)(((1u << hi) - 1) & ~((1u << lo) - 1));
                __m512i got = _mm512_cvtepu8_epi32(_mm_maskz_expandloadu_epi8(on, row + x0 + lo));
                v = _mm512_mask_blend_epi32(on, cap, got);
            }
            v = _mm512_min_epi32(v, cap);
        }
        acc = _mm512_add_epi32(acc, v);
        if ((i & 7) == 7 && !(_mm512_mask_cmple_epi32_mask(live, acc, limit)))
            break; /* every shift above the bound */
    }
    _mm512_storeu_si512(sums, acc);
}

static int shift_sums_available(void) {
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
           __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512vbmi2");
}

static void shift_sums_wide(const uint8_t *dist, int gw, int gh, const int *ix, const int *iy, int n, int dx, int dy,
                            int lanes, long bound, int32_t sums[SHIFTS_AT_ONCE]) {
    assert(lanes >= 1 && lanes <= SHIFTS_AT_ONCE);
    shift_sums_avx512(dist, gw, gh, ix, iy, n, dx, dy, lanes, bound, sums);
}
#else
static int shift_sums_available(void) { return 0; }
static void shift_sums_wide(const uint8_t *dist, int gw, int gh, const int *ix, const int *iy, int n, int dx, int dy,
                            int lanes, long bound, int32_t sums[SHIFTS_AT_ONCE]) {
    (void)dist, (void)gw, (void)gh, (void)ix, (void)iy, (void)n, (void)dx, (void)dy, (void)lanes, (void)bound;
    memset(sums, 0, SHIFTS_AT_ONCE * sizeof *sums);
    assert(!"no wide sums on this build");
}
#endif

/* Every pose on the coarse level with the sample; the KEEP best. */
static int coarse_search(const look_structure *s, const look_scan *sc, pose *kept) {
    int n_kept = 0;
    int wide = shift_sums_available() && !getenv("OMR_NO_WIDE_SUMS");
    double aspect = (double)sc->width / sc->height;
    int parity_ok[2];
    for (int par = 0; par < 2; par++) {
        double pa = par ? sc->ph / sc->pw : sc->pw / sc->ph;
        parity_ok[par] = fabs(log(pa / aspect)) < 0.25;
    }
    if (!parity_ok[0] && !parity_ok[1])
        parity_ok[0] = parity_ok[1] = 1;
    int ix[COARSE_SAMPLE], iy[COARSE_SAMPLE];
    for (int q = 0; q < 4; q++) {
        if (!parity_ok[q % 2])
            continue;
        double tw = q % 2 ? sc->ph : sc->pw, th = q % 2 ? sc->pw : sc->ph;
        double scales[9];
        int n_scales = 0;
        double base[3] = {sc->width / tw, sc->height / th, sc->dpi > 0 ? sc->dpi / 25.4 : 0};
        for (int b = 0; b < 3; b++)
            for (int f = -1; f <= 1 && base[b] > 0; f++) {
                double v = base[b] * (1 + 0.03 * f);
                int dup = 0;
                for (int j = 0; j < n_scales; j++)
                    dup |= fabs(scales[j] / v - 1) < 0.012;
                if (!dup && v * tw < 1.3 * sc->width && v * th < 1.3 * sc->height && v * 25.4 > 30)
                    scales[n_scales++] = v;
            }
        for (int si = 0; si < n_scales; si++)
            for (int ani = -MAX_ANISO; ani <= MAX_ANISO; ani++)
            for (int ai = -MAX_ANGLE; ai <= MAX_ANGLE; ai++) {
                pose p = {q, ai * M_PI / 180, scales[si], ani * ANISO_STEP, 0, 0, 0};
                double m[9];
                pose_matrix(sc, &p, m);
                double inv = 1 / sc->cell[0];
                for (int i = 0; i < s->n_sample; i++) {
                    ix[i] = (int)round_half_away((m[0] * s->sample[i].x + m[1] * s->sample[i].y + m[2]) * inv);
                    iy[i] = (int)round_half_away((m[3] * s->sample[i].x + m[4] * s->sample[i].y + m[5]) * inv);
                }
                int rx = (int)((fabs(sc->width - p.s * tw) / 2 + MAX_SHIFT_MM * p.s) * inv);
                int ry = (int)((fabs(sc->height - p.s * th) / 2 + MAX_SHIFT_MM * p.s) * inv);
                int gw = sc->gw[0], gh = sc->gh[0];
                const uint8_t *dist = sc->dist[0];
                int32_t sums[SHIFTS_AT_ONCE] = {0};
                for (int dy = -ry; dy <= ry; dy++)
                    for (int dx = -rx; dx <= rx; dx++) {
                        long bound = n_kept == KEEP ? (long)(kept[KEEP - 1].cost * s->n_sample) : 1L << 60;
                        /* sixteen shifts summed at once from dx on, then
                         * taken one by one as below (the bound only falls) */
                        int lane = (dx + rx) % SHIFTS_AT_ONCE;
                        if (wide && lane == 0)
                            shift_sums_wide(dist, gw, gh, ix, iy, s->n_sample, dx, dy,
                                            rx - dx + 1 < SHIFTS_AT_ONCE ? rx - dx + 1 : SHIFTS_AT_ONCE, bound, sums);
                        long sum = 0;
                        if (wide) {
                            sum = sums[lane];
                        } else {
                            for (int i = 0; i < s->n_sample && sum <= bound; i++) {
                                int x = ix[i] + dx, y = iy[i] + dy;
                                int v = x < 0 || y < 0 || x >= gw || y >= gh ? CAP : dist[(size_t)y * gw + x];
                                sum += v < CAP ? v : CAP;
                            }
                        }
                        if (sum > bound)
                            continue;
                        pose t = p;
                        t.tx = dx * sc->cell[0];
                        t.ty = dy * sc->cell[0];
                        t.cost = (double)sum / s->n_sample;
                        keep_best(kept, &n_kept, &t);
                    }
            }
    }
    return n_kept;
}

/* Descent on level k from p: each parameter a step either way while it
 * helps, the steps halved when none does. */
static void refine(const look_structure *s, const look_scan *sc, int k, pose *p) {
    double steps[5] = {0.4 * M_PI / 180 / (1 << k), 0.01 / (1 << k), 0.005 / (1 << k), sc->cell[k], sc->cell[k]};
    p->cost = pose_cost(sc, k, s, p);
    for (int round = 0; round < 4; round++) {
        int moved = 1;
        for (int it = 0; moved && it < 30; it++) {
            moved = 0;
            for (int j = 0; j < 5; j++)
                for (int sign = -1; sign <= 1; sign += 2) {
                    pose t = *p;
                    double *v = j == 0 ? &t.theta : j == 1 ? &t.s : j == 2 ? &t.a : j == 3 ? &t.tx : &t.ty;
                    *v += j == 1 ? sign * steps[j] * p->s : sign * steps[j];
                    t.cost = pose_cost(sc, k, s, &t);
                    if (t.cost < p->cost - 1e-9) {
                        *p = t;
                        moved = 1;
                    }
                }
        }
        for (int j = 0; j < 5; j++)
            steps[j] /= 2;
    }
}

double look_structure_agreement(const look_structure *s, const look_scan *sc, const double m[9]) {
    int k = LEVELS - 1, near = 0;
    if (!s || !sc || s->n[k] == 0)
        return 0;
    double inv = 1 / sc->cell[k];
    for (int i = 0; i < s->n[k]; i++) {
        omr_point p = s->pts[k][i];
        double w = m[6] * p.x + m[7] * p.y + m[8];
        int x = (int)round_half_away((m[0] * p.x + m[1] * p.y + m[2]) / w * inv);
        int y = (int)round_half_away((m[3] * p.x + m[4] * p.y + m[5]) / w * inv);
        if (x >= 0 && y >= 0 && x < sc->gw[k] && y < sc->gh[k] && sc->dist[k][(size_t)y * sc->gw[k] + x] <= NEAR)
            near++;
    }
    return (double)near / s->n[k];
}

double look_structure_match(const look_structure *s, const look_scan *sc, double mm_to_px[9]) {
    if (!s || !sc || s->n_sample < 8 || fabs(s->pw / sc->pw - 1) > 0.02 || fabs(s->ph / sc->ph - 1) > 0.02)
        return 0;
    pose kept[KEEP];
    int n = coarse_search(s, sc, kept);
    if (n == 0)
        return 0;
    /* the kept poses again with every coarse point, then the best refined */
    for (int i = 0; i < n; i++)
        kept[i].cost = pose_cost(sc, 0, s, &kept[i]);
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && kept[j - 1].cost > kept[j].cost; j--) {
            pose t = kept[j - 1];
            kept[j - 1] = kept[j];
            kept[j] = t;
        }
    int n_ref = n < REFINE ? n : REFINE;
    double best = -1;
    for (int i = 0; i < n_ref; i++) {
        pose p = kept[i];
        for (int k = 1; k < LEVELS; k++)
            refine(s, sc, k, &p);
        double m[9];
        pose_matrix(sc, &p, m);
        double agree = look_structure_agreement(s, sc, m);
        if (agree > best) {
            best = agree;
            memcpy(mm_to_px, m, sizeof m);
        }
    }
    return best > 0 ? best : 0;
}
