/*
 * locate_by_look.c — a page of one of omr's forms whose QR code could not be
 * read, known by its look (locate_by_look.h). For each way the sheet can lie,
 * its four corner marks are found as locate_page finds them (where they lie
 * if the sheet fills the scan, else the solid squares nearest the scan's
 * corners: the glass beyond a sheet scanned too); the page's print is then
 * compared, small, with each blank page of each template (look_score), and
 * the likeliest page's rows of boxes are looked for where that page prints
 * them (locate_boxes_in_place). The look says which page and which way up;
 * the boxes say it is that questionnaire and not another in the same house
 * style, whose headings and columns look alike when small.
 */
#include "reading/look/locate_by_look.h"

#include "base/cv_wrap.h"
#include "forms/draw.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LOOK_DPI 40.0 /* the blank pages are compared at this resolution */
/* ... both blurred this much (pixels at LOOK_DPI: 1.3 mm): a sheet bent by
 * its scan (curl, rollers, a lens) lies 1-2 mm off the corner marks' map
 * in its middle, and print lines a third of a millimetre wide, compared
 * sharp, match only where the map is within a pixel; blurred, the page's
 * layout (headings, rows of boxes, blocks of text, far larger than that)
 * still matches (seed 8481 WS6U8WTA page 2, --warp 1.6: 0.10 sharp, its
 * rows from 50 mm down anti-correlated, below upside-down page 1's 0.13,
 * and the page lost; 0.31 blurred, and page 1 turned 0.22) */
#define LOOK_BLUR_PX 2.0

void locate_looks_free(locate_looks *looks) {
    for (size_t i = 0; i < looks->n; i++)
        omr_image_free(looks->items[i].blank);
    free(looks->items);
    memset(looks, 0, sizeof *looks);
}

static const omr_image *look_of(locate_looks *looks, const omr_template *t, int page) {
    for (size_t i = 0; i < looks->n; i++)
        if (looks->items[i].tmpl == t && looks->items[i].page == page)
            return looks->items[i].blank;
    if (looks->n == looks->cap) {
        size_t cap = looks->cap ? looks->cap * 2 : 8;
        locate_look *grown = realloc(looks->items, cap * sizeof *grown);
        if (!grown)
            return NULL;
        looks->items = grown;
        looks->cap = cap;
    }
    omr_image *blank = NULL;
    omr_error err;
    if (draw_page_image(t, "0", page, LOOK_DPI, &blank, &err) != OMR_OK)
        return NULL;
    if (cvw_gaussian_blur(blank, LOOK_BLUR_PX) != OMR_OK) {
        omr_image_free(blank);
        return NULL;
    }
    looks->items[looks->n++] = (locate_look){t, page, blank};
    return blank;
}

/* The scan on the blank's grid (each pixel the mean of 3 x 3 samples over
 * its footprint; paper where the map leaves the scan, with on_scan[] 0
 * there), blurred by LOOK_BLUR_PX as the blank is. NULL when out of
 * memory or when the blur fails (a sharp scan against a blurred blank
 * would be no likeness). */
static omr_image *scan_on_grid(const omr_image *scan, const page_transform *tr, const omr_image *blank, double s_l,
                               uint8_t *on_scan) {
    double step = tr->px_per_mm / s_l / 3;
    omr_image *seen = omr_image_new(blank->width, blank->height, blank->dpi, 255);
    if (!seen)
        return NULL;
    for (int v = 0; v < blank->height; v++)
        for (int u = 0; u < blank->width; u++) {
            omr_point p = locate_map(tr, (u + 0.5) / s_l, (v + 0.5) / s_l);
            double b = 0;
            int k = 0;
            for (int dy = -1; dy <= 1; dy++)
                for (int dx = -1; dx <= 1; dx++) {
                    int px = (int)lround(p.x + dx * step), py = (int)lround(p.y + dy * step);
                    if (px < 0 || py < 0 || px >= scan->width || py >= scan->height)
                        continue;
                    b += omr_image_at(scan, px, py);
                    k++;
                }
            if (!k)
                continue;
            seen->pixels[(size_t)v * (size_t)seen->stride + (size_t)u] = (uint8_t)lround(b / k);
            on_scan[(size_t)v * (size_t)blank->width + (size_t)u] = 1;
        }
    if (cvw_gaussian_blur(seen, LOOK_BLUR_PX) != OMR_OK) {
        omr_image_free(seen);
        return NULL;
    }
    return seen;
}

/* Correlation of the blank page's print with the scan's, both blurred
 * (LOOK_BLUR_PX), over the page outside the code square and the code under
 * it (they differ by form), over the whole page or each part against its
 * own level in tiles of LOOK_TILE_MM (the pooled within-tile correlation),
 * the better: a panel of the sheet a 1-bit scanner turned
 * to speckle, or a shadow, raises the scan's level over part of the page
 * and would hide the print's likeness there (seed 7501 DYPSEJGY page 2,
 * its lower half speckled: 0.25 against the 0.35 asked, the page lost;
 * its other page's code was in the same file). */
#define LOOK_TILE_MM 12.0
#define LOOK_COVERED 127.5 /* a tile's mean darkness (0 paper, 255 black) above which it is covered */
static double look_score(const omr_template *t, const omr_image *blank, const omr_image *seen,
                         const uint8_t *on_scan) {
    assert(seen->width == blank->width && seen->height == blank->height);
    double s_l = blank->width / t->page_width;
    omr_rect code = t->code_rect;
    int tiles_x = (int)ceil(t->page_width / LOOK_TILE_MM), tiles_y = (int)ceil(t->page_height / LOOK_TILE_MM);
    size_t n_tiles = (size_t)tiles_x * (size_t)tiles_y;
    double (*tile)[6] = calloc(n_tiles ? n_tiles : 1, sizeof *tile); /* n, sa, sb, saa, sbb, sab */
    if (!tile)
        return 0;
    for (int v = 0; v < blank->height; v++)
        for (int u = 0; u < blank->width; u++) {
            double x = (u + 0.5) / s_l, y = (v + 0.5) / s_l;
            if (!on_scan[(size_t)v * (size_t)blank->width + (size_t)u] ||
                (x > code.x - 4 && x < code.x + code.w + 4 && y > code.y - 4 && y < code.y + code.h + 8))
                continue;
            double a = 255 - omr_image_at(blank, u, v), b = 255 - omr_image_at(seen, u, v);
            int tx = (int)(x / LOOK_TILE_MM), ty = (int)(y / LOOK_TILE_MM);
            if (tx >= tiles_x)
                tx = tiles_x - 1;
            if (ty >= tiles_y)
                ty = tiles_y - 1;
            double *acc = tile[(size_t)ty * (size_t)tiles_x + (size_t)tx];
            acc[0]++;
            acc[1] += a;
            acc[2] += b;
            acc[3] += a * a;
            acc[4] += b * b;
            acc[5] += a * b;
        }
    /* within the tiles, and over the page as a whole (a sheet bent far
     * off the map keeps the page's broad likeness better than each tile's
     * fine one): the better of the two */
    double n = 0, cov = 0, va = 0, vb = 0, all[6] = {0};
    for (size_t i = 0; i < n_tiles; i++) {
        const double *acc = tile[i];
        for (int k = 0; k < 6; k++)
            all[k] += acc[k];
        /* a tile the scan shows darker than halfway from paper to black is
         * covered (a fold's panel a harsh threshold turned black): no
         * likeness either way (seed 8444 RNRRVHM3 page 1, its lower half
         * black: 0.14 with its tiles, against the 0.15 a bled page asks) */
        if (acc[0] < 2 || acc[2] > LOOK_COVERED * acc[0])
            continue;
        n += acc[0];
        cov += acc[5] - acc[1] * acc[2] / acc[0];
        va += acc[3] - acc[1] * acc[1] / acc[0];
        vb += acc[4] - acc[2] * acc[2] / acc[0];
    }
    free(tile);
    if (n < 100)
        return 0;
    double within = va > 0 && vb > 0 ? cov / sqrt(va * vb) : 0;
    double page_cov = all[5] - all[1] * all[2] / all[0], page_va = all[3] - all[1] * all[1] / all[0],
           page_vb = all[4] - all[2] * all[2] / all[0];
    double whole = page_va > 0 && page_vb > 0 ? page_cov / sqrt(page_va * page_vb) : 0;
    return fmax(within, whole);
}

/* Where template point (x, y) mm lies on a sheet turned by q clockwise
 * quarter turns, in mm from the turned sheet's top-left. */
static omr_point turned_mm(int q, double pw, double ph, double x, double y) {
    switch (q) {
    case 0: return (omr_point){x, y};
    case 1: return (omr_point){ph - y, x};
    case 2: return (omr_point){pw - x, ph - y};
    default: return (omr_point){y, pw - x};
    }
}

#define CORNER_WINDOW 0.3   /* share of the scan's width and height searched at each corner */
#define CORNER_MAX_BLOBS 4096

/* The solid square nearest each corner of the scan (0 top-left, 1 top-right,
 * 2 bottom-left, 3 bottom-right), for a sheet that does not fill the scan
 * (the glass beyond it scanned too): at s_max px per mm or less (the sheet
 * is no larger than the scan), a mark of `size_mm` is 45-120% of size_mm *
 * s_max on each side and at least 70% inked. Returns a bit per corner found. */
static unsigned marks_near_corners(const omr_image *scan, double s_max, double size_mm, omr_point found[4]) {
    cvw_blob *blobs = malloc(CORNER_MAX_BLOBS * sizeof *blobs);
    if (!blobs)
        return 0;
    unsigned have = 0;
    int ww = (int)(scan->width * CORNER_WINDOW), wh = (int)(scan->height * CORNER_WINDOW);
    double expected = size_mm * s_max;
    for (int c = 0; c < 4; c++) {
        int x = c & 1 ? scan->width - ww : 0, y = c & 2 ? scan->height - wh : 0;
        int threshold = cvw_otsu_threshold(scan, x, y, ww, wh);
        if (threshold < 0)
            continue;
        threshold = threshold < 60 ? 60 : threshold > 200 ? 200 : threshold;
        int n = cvw_find_blobs(scan, x, y, ww, wh, threshold, blobs, CORNER_MAX_BLOBS);
        double best = 1e18;
        for (int i = 0; i < n; i++) {
            const cvw_blob *b = &blobs[i];
            if (b->w < 0.45 * expected || b->h < 0.45 * expected || b->w > 1.2 * expected ||
                b->h > 1.2 * expected || b->w > 1.35 * b->h || b->h > 1.35 * b->w ||
                b->area < 0.7 * (double)b->w * b->h)
                continue;
            double cx = c & 1 ? scan->width : 0, cy = c & 2 ? scan->height : 0;
            double d = hypot(b->cx - cx, b->cy - cy);
            if (d < best) {
                best = d;
                found[c] = (omr_point){b->cx, b->cy};
                have |= 1u << c;
            }
        }
    }
    free(blobs);
    return have;
}

/* The code symbol's corners as the marks near the scan's corners place them
 * on a sheet turned by q (an affine map from the turned template to the
 * marks found; three or four marks). 0 when the marks do not give one. */
static int corners_from_marks(const omr_template *t, int q, const omr_point marks[4], unsigned have, double side,
                              page_identity *id) {
    double pw = t->page_width, ph = t->page_height;
    double tw = q % 2 ? ph : pw, th = q % 2 ? pw : ph;
    omr_point from[4], to[4];
    int n = 0;
    for (int i = 0; i < 4; i++) {
        omr_point m = turned_mm(q, pw, ph, t->fiducials[i].x, t->fiducials[i].y);
        int c = (m.x > tw / 2) + 2 * (m.y > th / 2);
        if (!(have & (1u << c)))
            continue;
        from[n] = m;
        to[n++] = marks[c];
    }
    cvw_affine a;
    if (n < 3 || cvw_fit_affine(from, to, n, &a) != OMR_OK)
        return 0;
    double cx = t->code_rect.x + t->code_rect.w / 2, cy = t->code_rect.y + t->code_rect.h / 2;
    static const double corner[4][2] = {{-1, -1}, {1, -1}, {1, 1}, {-1, 1}};
    for (int c = 0; c < 4; c++) {
        omr_point m = turned_mm(q, pw, ph, cx + corner[c][0] * side / 2, cy + corner[c][1] * side / 2);
        id->corners[c] = (omr_point){a.m[0] * m.x + a.m[1] * m.y + a.m[2], a.m[3] * m.x + a.m[4] * m.y + a.m[5]};
    }
    id->has_corners = 1;
    return 1;
}


/* The likeliest page and turn so far, and the runner-up. */
typedef struct {
    const omr_template *t;
    int page;
    double score;
    page_transform tr;
} look_pick;

static void look_consider(look_pick *best, look_pick *second, const omr_template *t, int page, double score,
                          const page_transform *tr) {
    if (score > best->score) {
        *second = *best;
        *best = (look_pick){t, page, score, *tr};
    } else if (score > second->score) {
        *second = (look_pick){t, page, score, *tr};
    }
}

int locate_by_look(const omr_image *scan, const omr_template *const *templates, size_t n_templates,
                   locate_looks *looks, const omr_template **tmpl, int *page, page_transform *out,
                   double *match, omr_error *err) {
    assert(scan && scan->width > 0 && scan->height > 0);
    look_pick pick[2] = {{.score = -1}, {.score = -1}}; /* the likeliest, the runner-up */
    omr_point marks[4] = {{0, 0}, {0, 0}, {0, 0}, {0, 0}};
    unsigned have_marks = 0;
    int tried_corners = 0;
    *tmpl = NULL;
    *page = 0;
    for (size_t i = 0; i < n_templates; i++) {
        const omr_template *t = templates[i];
        if (t->registration != REGISTRATION_FIDUCIALS || t->identity.kind != IDENTITY_OMR || !t->has_code)
            continue;
        tried_corners = 0; /* the marks are this template's size */
        for (int q = 0; q < 4; q++) {
            /* the code's symbol where it lies if the sheet fills the scan turned by q */
            page_identity id;
            memset(&id, 0, sizeof id);
            snprintf(id.template_id, sizeof id.template_id, "%s", t->id);
            snprintf(id.code, sizeof id.code, "0");
            id.page = 1;
            double pw = t->page_width, ph = t->page_height;
            double s = (q % 2 ? scan->width / ph : scan->width / pw);
            double side = locate_qr_symbol_mm(t, &id);
            if (side <= 0)
                side = t->code_rect.w;
            double cx = t->code_rect.x + t->code_rect.w / 2, cy = t->code_rect.y + t->code_rect.h / 2;
            static const double corner[4][2] = {{-1, -1}, {1, -1}, {1, 1}, {-1, 1}};
            for (int c = 0; c < 4; c++) {
                omr_point m = turned_mm(q, pw, ph, cx + corner[c][0] * side / 2, cy + corner[c][1] * side / 2);
                id.corners[c] = (omr_point){m.x * s, m.y * s};
            }
            id.has_corners = 1;
            page_transform tr;
            omr_error lerr;
            int located = locate_global(scan, t, &id, 0, &tr, &lerr) == OMR_OK && tr.quarter_turns == q;
            if (!located) {
                /* the sheet does not fill the scan (glass beyond it, a
                 * small sheet): from the marks nearest the scan's corners */
                if (!tried_corners) {
                    double s_max = fmax(scan->width, scan->height) / fmax(pw, ph);
                    s_max = fmax(s_max, fmin(scan->width, scan->height) / fmin(pw, ph));
                    have_marks = marks_near_corners(scan, s_max, t->fiducial_size, marks);
                    tried_corners = 1;
                }
                located = corners_from_marks(t, q, marks, have_marks, side, &id) &&
                          locate_global(scan, t, &id, 0, &tr, &lerr) == OMR_OK && tr.quarter_turns == q;
            }
            if (!located)
                continue;
            /* the scan on the blanks' grid, once for all of t's pages (drawn
             * alike, at one size) */
            omr_image *seen = NULL;
            uint8_t *on_scan = NULL;
            for (size_t p = 1; p <= t->n_pages; p++) {
                const omr_image *blank = look_of(looks, t, (int)p);
                if (blank && !on_scan && (on_scan = calloc((size_t)blank->width * (size_t)blank->height, 1)))
                    seen = scan_on_grid(scan, &tr, blank, blank->width / t->page_width, on_scan);
                if (!blank)
                    continue;
                /* out of memory, or a blur that failed: no likeness */
                double score = seen ? look_score(t, blank, seen, on_scan) : 0;
                look_consider(&pick[0], &pick[1], t, (int)p, score, &tr);
            }
            omr_image_free(seen);
            free(on_scan);
        }
    }
    const look_pick *best = &pick[0], *runner_up = &pick[1];
    double second = runner_up->score;
    /* the runner-up's boxes, asked only when the look alone is not clear */
    double boxes = best->t ? locate_boxes_in_place(scan, best->t, best->page, &best->tr) : -1;
    double other = best->t && runner_up->t && best->score < second + LOCATE_LOOK_MARGIN
                       ? locate_boxes_in_place(scan, runner_up->t, runner_up->page, &runner_up->tr)
                       : -1;
    *match = best->score;
    if (!best->t || best->score < (boxes >= LOCATE_LOOK_BOXES ? LOCATE_LOOK_FLOOR : LOCATE_LOOK_MIN))
        return omr_fail(err, OMR_ERR_NOT_FOUND,
                        "no QR code could be read, and the page does not look like any page of the forms "
                        "this scan was started with; is it a letter, or from another questionnaire?");
    /* from here on the page looked like best's: say which, refused or not */
    *tmpl = best->t;
    *page = best->page;
    if (boxes >= 0 && boxes < LOCATE_LOOK_BOXES)
        return omr_fail(err, OMR_ERR_NOT_FOUND,
                        "no QR code could be read; the page looks somewhat like page %d of %s (match %.2f), but "
                        "only %.0f%% of that page's rows of boxes are printed where it prints them; is it from "
                        "another questionnaire?", best->page, best->t->id, best->score, 100 * boxes);
    /* two pages of one form share headings and columns: the likeliest must
     * look clearly more alike than any other page or turn, or be the only
     * one of the two whose boxes are where it prints them */
    if (best->score < second + LOCATE_LOOK_MARGIN && !(boxes >= LOCATE_LOOK_BOXES && other >= 0 && other < LOCATE_LOOK_BOXES))
        return omr_fail(err, OMR_ERR_NOT_FOUND,
                        "no QR code could be read; the page looks like page %d of %s but almost as much like "
                        "another page or turn (match %.2f against %.2f)", best->page, best->t->id, best->score, second);
    *out = best->tr;
    locate_local(scan, *tmpl, *page, out);
    return OMR_OK;
}
