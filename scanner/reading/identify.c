/*
 * identify.c — reads the page's QR code with zbar: which template, whose form,
 * which page, and where the symbol's corners lie (so locate knows how the page
 * is turned). The payload itself and its check character are forms/code.c.
 *
 * Search order, cheapest first: the four corner regions where the printed code
 * lands after 0, 90, 180 or 270 degree turns, then the whole page, then the
 * whole page at half size (a very blurred or large scan), and last the
 * hinted windows again with their black thinned or grown (a code bled shut
 * or broken by a 1-bit scanner's threshold). A page with a code
 * that is not ours, or whose check character fails, is reported as such and
 * never guessed.
 *
 * Forms omr did not print (the reader's templates): their own QR code or 1-D
 * barcode is searched the same way (hinted area under each turn, whole page,
 * half size) and its text mapped through the template's pattern; a page
 * without any code is matched against the blank pages of the templates that
 * have none, and must match one page clearly better than any other: by
 * features first, and when no page shares features with the scan (blanks
 * drawn from a layout), by the blanks' printed structure (look/structure.h).
 */
#include "reading/identify.h"

#include <assert.h>
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zbar.h>

#include "reading/barcode.h"
#include "base/cv_wrap.h"
#include "reading/look/structure.h"
#include "reading/reference.h"

/* ---- finding the code on the page --------------------------------------------- */

/* The first look at each hinted window is at this resolution: a 22 mm code
 * of up to 37 modules has 2.4+ px modules, ekb-2024's 25 have 3.5 px. */
#define SMALL_DPI 100.0

struct identify_reader {
    zbar_image_scanner_t *scanner;
    zbar_image_scanner_t *foreign;  /* forms' own codes, made on first use */
    unsigned foreign_kinds;         /* what `foreign` is set to read */
    /* pairing pages without a code by scan order: the form seen last */
    char pair_template[IDENTIFY_MAX_ID];
    char pair_code[IDENTIFY_MAX_ID];
    unsigned pair_pages;            /* bit p-1 for each page it has */
    const omr_template *const *templates; /* identify_reader_set_templates */
    size_t n_templates;
};

void identify_reader_set_templates(identify_reader *reader, const omr_template *const *templates,
                                   size_t n_templates) {
    reader->templates = templates;
    reader->n_templates = n_templates;
}

identify_reader *identify_reader_new(void) {
    identify_reader *reader = calloc(1, sizeof *reader);
    if (!reader)
        return NULL;
    reader->scanner = zbar_image_scanner_create();
    if (!reader->scanner) {
        free(reader);
        return NULL;
    }
    /* QR only: other symbologies cost time and invite false reads in text. */
    zbar_image_scanner_set_config(reader->scanner, 0, ZBAR_CFG_ENABLE, 0);
    zbar_image_scanner_set_config(reader->scanner, ZBAR_QRCODE, ZBAR_CFG_ENABLE, 1);
    return reader;
}

void identify_reader_free(identify_reader *reader) {
    if (!reader)
        return;
    zbar_image_scanner_destroy(reader->scanner);
    if (reader->foreign)
        zbar_image_scanner_destroy(reader->foreign);
    free(reader);
}

/* Result of one zbar pass over a region. */
typedef struct {
    int found_ours;        /* an OMR1 payload that parsed */
    int found_foreign;     /* some QR code, not ours or failing its check */
    page_identity identity;
    omr_error foreign_error;
} scan_result;

/* Runs zbar over `region` (a contiguous copy) whose top-left sits at (ox, oy)
 * in the page and which was scaled by `scale` (region px = page px * scale). */
static void scan_region(identify_reader *reader, const omr_image *region, int ox, int oy,
                        double scale, scan_result *result) {
    zbar_image_t *zimage = zbar_image_create();
    zbar_image_set_format(zimage, zbar_fourcc('Y', '8', '0', '0'));
    zbar_image_set_size(zimage, (unsigned)region->width, (unsigned)region->height);
    zbar_image_set_data(zimage, region->pixels, (unsigned long)region->width * (unsigned long)region->height, NULL);
    if (zbar_scan_image(reader->scanner, zimage) > 0) {
        for (const zbar_symbol_t *sym = zbar_image_first_symbol(zimage); sym;
             sym = zbar_symbol_next(sym)) {
            code_payload payload;
            omr_error perr;
            if (identify_parse_payload(zbar_symbol_get_data(sym), &payload, &perr) != OMR_OK) {
                if (!result->found_foreign)
                    result->foreign_error = perr;
                result->found_foreign = 1;
                continue;
            }
            page_identity id;
            memset(&id, 0, sizeof id);
            memcpy(id.template_id, payload.template_id, sizeof id.template_id);
            memcpy(id.code, payload.code, sizeof id.code);
            id.page = payload.page;
            unsigned n = zbar_symbol_get_loc_size(sym);
            if (n == 4) {
                /* zbar lists a QR symbol's corners counter-clockwise from
                 * its top-left: TL, BL, BR, TR. We keep TL, TR, BR, BL. */
                static const int order[4] = {0, 3, 2, 1};
                for (int i = 0; i < 4; i++) {
                    id.corners[i].x = ox + zbar_symbol_get_loc_x(sym, (unsigned)order[i]) / scale;
                    id.corners[i].y = oy + zbar_symbol_get_loc_y(sym, (unsigned)order[i]) / scale;
                }
                id.has_corners = 1;
            }
            result->identity = id;
            result->found_ours = 1;
            break;
        }
    }
    zbar_image_destroy(zimage);
}

/* Scans a rectangle of the page, copied so zbar gets contiguous rows. */
static void scan_rect(identify_reader *reader, const omr_image *page, int x, int y, int w, int h,
                      int density, scan_result *result) {
    zbar_image_scanner_set_config(reader->scanner, 0, ZBAR_CFG_X_DENSITY, density);
    zbar_image_scanner_set_config(reader->scanner, 0, ZBAR_CFG_Y_DENSITY, density);
    omr_image *region = omr_image_crop(page, x, y, w, h);
    if (!region)
        return;
    scan_region(reader, region, x < 0 ? 0 : x, y < 0 ? 0 : y, 1.0, result);
    omr_image_free(region);
}

/* Scans a rectangle of the page taken down by `factor` (every line): a
 * printed code's modules are several pixels wide at 300 dpi, and zbar finds
 * a code of 3+ px modules, so a small copy of the window costs a fraction of
 * the full one. */
static void scan_rect_small(identify_reader *reader, const omr_image *page, int x, int y, int w, int h,
                            double factor, scan_result *result) {
    omr_image *region = omr_image_crop(page, x, y, w, h);
    if (!region)
        return;
    omr_image *small = cvw_resize(region, factor);
    /* the factor actually applied, as the rounded size gives it */
    double f = small ? (double)small->width / region->width : 0;
    omr_image_free(region);
    if (!small)
        return;
    zbar_image_scanner_set_config(reader->scanner, 0, ZBAR_CFG_X_DENSITY, 1);
    zbar_image_scanner_set_config(reader->scanner, 0, ZBAR_CFG_Y_DENSITY, 1);
    scan_region(reader, small, x < 0 ? 0 : x, y < 0 ? 0 : y, f, result);
    omr_image_free(small);
}

/* The window, in scan pixels, where a code printed at `area` (mm) lies when
 * the page is turned by `quarter` clockwise quarter turns, with a margin for
 * offset, skew and scaling. */
static void hinted_window(const omr_image *page, const identify_hints *h, const omr_rect *area,
                          int quarter, int *x, int *y, int *w, int *hgt) {
    double pw = h->page_width, ph = h->page_height;
    /* page size in pixels as the scan lies; scale from the dpi when it
     * agrees with the size (a wrong tag is common: 200-dpi pixels tagged
     * 300, 72, or 1:1), else from the size */
    int turned = quarter % 2;
    double s_size = (turned ? page->height : page->width) / pw;
    double s = page->dpi > 0 && fabs(page->dpi / 25.4 / s_size - 1) < 0.15 ? page->dpi / 25.4 : s_size;
    double cx = area->x + area->w / 2, cy = area->y + area->h / 2, nx, ny;
    switch (quarter) {
    case 0: nx = cx; ny = cy; break;
    case 1: nx = ph - cy; ny = cx; break;
    case 2: nx = pw - cx; ny = ph - cy; break;
    default: nx = cy; ny = pw - cx; break;
    }
    double half = area->w / 2 + 12; /* mm: offset, skew and scale of a scan */
    *x = (int)((nx - half) * s);
    *y = (int)((ny - half) * s);
    *w = *hgt = (int)(2 * half * s);
}

/* ---- trying harder on a bled or thinned code ------------------------------------------ */

/* The last tries on a window where a code should be: its black thinned by
 * 1, 2 and 3 pixels (print that bled under a dark threshold), then grown by
 * one (a light threshold that broke the modules), each at full size and at
 * half size. Only pages whose code was not read otherwise pay for this. */
static void scan_window_harder(identify_reader *reader, const omr_image *page, int x, int y, int w, int h,
                               scan_result *result) {
    omr_image *region = omr_image_crop(page, x, y, w, h);
    if (!region)
        return;
    int ox = x < 0 ? 0 : x, oy = y < 0 ? 0 : y;
    zbar_image_scanner_set_config(reader->scanner, 0, ZBAR_CFG_X_DENSITY, 1);
    zbar_image_scanner_set_config(reader->scanner, 0, ZBAR_CFG_Y_DENSITY, 1);
    static const int tries[][2] = {{1, 1}, {2, 1}, {3, 1}, {1, 0}};
    for (size_t k = 0; k < sizeof tries / sizeof tries[0] && !result->found_ours; k++) {
        omr_image *m = cvw_morph_square(region, tries[k][0], tries[k][1]);
        if (!m)
            break;
        scan_region(reader, m, ox, oy, 1.0, result);
        if (!result->found_ours) {
            omr_image *half = cvw_resize(m, 0.5);
            if (half) {
                scan_region(reader, half, ox, oy, 0.5, result);
                omr_image_free(half);
            }
        }
        omr_image_free(m);
    }
    omr_image_free(region);
}

static int identify_omr(identify_reader *reader, const omr_image *page, const identify_hints *hints,
                        page_identity *out, omr_error *err) {
    memset(out, 0, sizeof *out);
    scan_result result = {0};
    int w = page->width, h = page->height;
    if (hints && hints->n_areas > 0) {
        /* portrait scans are most likely upright or upside down */
        static const int portrait[4] = {0, 2, 1, 3}, landscape[4] = {1, 3, 0, 2};
        const int *order = w > h ? landscape : portrait;
        /* first each window at about SMALL_DPI: a few per cent of the work */
        double dpi = page->dpi > 0 ? page->dpi : (w > h ? w : h) / 11.7;
        double factor = SMALL_DPI / dpi;
        if (factor < 0.75)
            for (int k = 0; k < 4 && !result.found_ours; k++)
                for (size_t a = 0; a < hints->n_areas && !result.found_ours; a++) {
                    int x, y, ww, hh;
                    hinted_window(page, hints, &hints->areas[a], order[k], &x, &y, &ww, &hh);
                    /* the small copy's corners (a pixel or two off at
                     * full size) are kept: locate takes only the turn and
                     * a first scale from them, and finds the corner marks
                     * itself (no full-size re-read of the code: a third
                     * of this stage's work) */
                    scan_rect_small(reader, page, x, y, ww, hh, factor, &result);
                }
        for (int k = 0; k < 4 && !result.found_ours; k++)
            for (size_t a = 0; a < hints->n_areas && !result.found_ours; a++) {
                int x, y, ww, hh;
                hinted_window(page, hints, &hints->areas[a], order[k], &x, &y, &ww, &hh);
                /* every other scan line finds a code of 5+ px modules */
                scan_rect(reader, page, x, y, ww, hh, 2, &result);
            }
    } else {
        /* no hints: the four corner squares, 40% of the short side */
        int side = (w < h ? w : h) * 2 / 5;
        int corners[4][2] = {{w - side, 0}, {0, h - side}, {0, 0}, {w - side, h - side}};
        for (int i = 0; i < 4 && !result.found_ours; i++)
            scan_rect(reader, page, corners[i][0], corners[i][1], side, side, 2, &result);
    }
    if (!result.found_ours)
        scan_rect(reader, page, 0, 0, w, h, 1, &result);
    if (!result.found_ours) {
        /* a blurred or oversampled scan often reads at half size */
        omr_image *half = cvw_resize(page, 0.5);
        if (half) {
            zbar_image_scanner_set_config(reader->scanner, 0, ZBAR_CFG_X_DENSITY, 1);
            zbar_image_scanner_set_config(reader->scanner, 0, ZBAR_CFG_Y_DENSITY, 1);
            scan_region(reader, half, 0, 0, 0.5, &result);
            omr_image_free(half);
        }
    }
    if (!result.found_ours && !result.found_foreign) {
        /* a code bled or broken by the scanner's threshold */
        if (hints && hints->n_areas > 0) {
            static const int portrait[4] = {0, 2, 1, 3}, landscape[4] = {1, 3, 0, 2};
            const int *order = w > h ? landscape : portrait;
            for (int k = 0; k < 4 && !result.found_ours; k++)
                for (size_t a = 0; a < hints->n_areas && !result.found_ours; a++) {
                    int x, y, ww, hh;
                    hinted_window(page, hints, &hints->areas[a], order[k], &x, &y, &ww, &hh);
                    scan_window_harder(reader, page, x, y, ww, hh, &result);
                }
        } else {
            int side = (w < h ? w : h) * 2 / 5;
            int corners[4][2] = {{w - side, 0}, {0, h - side}, {0, 0}, {w - side, h - side}};
            for (int i = 0; i < 4 && !result.found_ours; i++)
                scan_window_harder(reader, page, corners[i][0], corners[i][1], side, side, &result);
        }
    }
    if (result.found_ours) {
        *out = result.identity;
        return OMR_OK;
    }
    if (result.found_foreign)
        return omr_fail(err, OMR_ERR_INVALID, "%s", result.foreign_error.message);
    return omr_fail(err, OMR_ERR_NOT_FOUND,
                    "no QR code found in any corner or anywhere on the page; is this page from "
                    "another questionnaire, a letter, or is the code covered or torn off?");
}

/* ---- forms omr did not print ------------------------------------------------------ */

/* Symbols of the kinds `kinds` in the hinted areas of the templates (under
 * each turn), then on the whole page, then at half size; stops at the first
 * pass that finds any. */
typedef struct {
    const omr_template *const *templates;
    size_t n_templates;
} template_list;

static int scan_foreign_codes(identify_reader *reader, const omr_image *page, const template_list *hints,
                              unsigned kinds, barcode_symbol *out, int max) {
    if (!reader->foreign) {
        reader->foreign = zbar_image_scanner_create();
        if (!reader->foreign)
            return 0;
        reader->foreign_kinds = 0;
    }
    if (reader->foreign_kinds != kinds) {
        barcode_configure(reader->foreign, kinds);
        reader->foreign_kinds = kinds;
    }
    int n = 0;
    zbar_image_scanner_set_config(reader->foreign, 0, ZBAR_CFG_X_DENSITY, 1);
    zbar_image_scanner_set_config(reader->foreign, 0, ZBAR_CFG_Y_DENSITY, 1);
    for (size_t i = 0; i < hints->n_templates && n == 0; i++) {
        const omr_template *t = hints->templates[i];
        if (!t->identity.has_area || !(kinds & (1u << t->identity.kind)))
            continue;
        identify_hints h = {NULL, 0, t->page_width, t->page_height};
        omr_rect a = t->identity.area;
        /* a square around the area, so hinted_window's turns apply */
        double side = a.w > a.h ? a.w : a.h;
        omr_rect sq = {a.x + a.w / 2 - side / 2, a.y + a.h / 2 - side / 2, side, side};
        for (int q = 0; q < 4 && n == 0; q++) {
            int x, y, w, hh;
            hinted_window(page, &h, &sq, q, &x, &y, &w, &hh);
            omr_image *region = omr_image_crop(page, x, y, w, hh);
            if (region) {
                n = barcode_scan(reader->foreign, region, x < 0 ? 0 : x, y < 0 ? 0 : y, 1.0, out, max);
                omr_image_free(region);
            }
        }
    }
    if (n == 0) {
        omr_image *whole = omr_image_crop(page, 0, 0, page->width, page->height);
        if (whole) {
            n = barcode_scan(reader->foreign, whole, 0, 0, 1.0, out, max);
            omr_image_free(whole);
        }
    }
    if (n == 0) {
        omr_image *half = cvw_resize(page, 0.5);
        if (half) {
            n = barcode_scan(reader->foreign, half, 0, 0, 0.5, out, max);
            omr_image_free(half);
        }
    }
    return n;
}

/* A made-up code for a page without one: "N" and ten base-36 characters of
 * a hash of the page's pixels (the same scan always gets the same code). */
static void anonymous_code(const omr_image *page, char *code, size_t size) {
    uint64_t h = 1469598103934665603ULL;
    h = (h ^ (uint64_t)page->width) * 1099511628211ULL;
    h = (h ^ (uint64_t)page->height) * 1099511628211ULL;
    for (int y = 0; y < page->height; y += 3)
        for (int x = y % 7; x < page->width; x += 7)
            h = (h ^ omr_image_at(page, x, y)) * 1099511628211ULL;
    char buf[12] = "N";
    for (int i = 1; i <= 10; i++) {
        int v = (int)(h % 36);
        h /= 36;
        buf[i] = (char)(v < 10 ? '0' + v : 'A' + v - 10);
    }
    buf[11] = 0;
    snprintf(code, size, "%s", buf);
}

/* A blank page that may be the scan's, and how much it looks like it. */
typedef struct {
    const omr_template *t;
    int page;
    int likeness;      /* reference_likeness */
    int order;         /* place among the allowed pages */
    int inliers;       /* reference_match, once matched in full */
    double map[9];
} look_candidate;

static int by_likeness(const void *a, const void *b) {
    const look_candidate *x = a, *y = b;
    if (x->likeness != y->likeness)
        return y->likeness - x->likeness;
    return x->order - y->order;
}

static int by_order(const void *a, const void *b) {
    return ((const look_candidate *)a)->order - ((const look_candidate *)b)->order;
}

/* How many pages are matched in full. The likeness (reference_likeness:
 * sample pairs one turn, scale and shift puts in place) of a page that is
 * not the scan's is chance, a few pairs; the median over the allowed pages
 * is taken as that chance level. Matched in full: every page at least
 * LOOK_LIKENESS_RATIO as likely as the likeliest (copies of one form, whose
 * inliers decide whether the winner is clear); when the likeliest is not
 * above chance (a blank drawn from a layout, or many copies alike), the
 * likeliest LOOK_SHORTLIST and every page within one pair of it. On 30 AMC
 * scans against 30 blanks the pages that won or made the winner ambiguous
 * had at least 0.55 of the likeliest's count (samples/amc/README.md); 0.4
 * leaves a margin, and a page below it is assumed unable to win or to
 * make the winner ambiguous (a measured choice, not a bound). */
#define LOOK_SHORTLIST 3
#define LOOK_LIKENESS_RATIO 0.4

/* The chance likeness: the median over the n candidates (n > 0). */
static int chance_likeness(const look_candidate *cand, size_t n) {
    int *v = malloc(n * sizeof *v);
    if (!v)
        return 0; /* every page above chance: more full matches, the same result */
    for (size_t k = 0; k < n; k++)
        v[k] = cand[k].likeness;
    qsort(v, n, sizeof *v, omr_cmp_int);
    int m = v[n / 2];
    free(v);
    return m;
}

/* The page among those allowed whose blank's printed structure (box
 * outlines, dots, labels) lies best on the scan's ink (look/structure.h):
 * for blanks that share no features with their scans. The best must lie
 * REFERENCE_STRUCTURE_MIN on ink, and clearly more than any other page that
 * does not look the same. */
#define STRUCTURE_MARGIN 0.08
static int match_by_structure(const omr_image *page, const template_list *hints, const omr_template *only,
                              const omr_template **tmpl, int *page_no, double h[9], omr_error *err) {
    look_scan *ink = NULL;
    double best = 0, second = 0;
    const reference_page *best_ref = NULL;
    for (size_t i = 0; i < hints->n_templates; i++) {
        const omr_template *t = hints->templates[i];
        if (only ? t != only : t->identity.kind != IDENTITY_NONE)
            continue;
        for (size_t p = 1; p <= t->n_pages; p++) {
            const reference_page *ref = template_reference(t, (int)p);
            if (!ref)
                continue;
            double hm[9];
            double share = reference_match_structure(ref, page, &ink, hm);
            if (best_ref && reference_same_look(best_ref, ref) && share <= best) {
                if (share > second)
                    second = share; /* the same blank twice: as ambiguous as by features */
                continue;
            }
            if (share > best) {
                second = best;
                best = share;
                best_ref = ref;
                *tmpl = t;
                *page_no = (int)p;
                memcpy(h, hm, sizeof hm);
            } else if (share > second) {
                second = share;
            }
        }
    }
    look_scan_free(ink);
    if (best == 0)
        return omr_fail(err, OMR_ERR_NOT_FOUND,
                        "no code on the page, and it does not look like any page of the forms this scan "
                        "was started with; is it from another questionnaire, or a letter?");
    if (second > 0 && best - second < STRUCTURE_MARGIN)
        return omr_fail(err, OMR_ERR_NOT_FOUND,
                        "the page looks like page %d of %s but almost as much like another page (%.0f%% "
                        "against %.0f%% of the print in place); it goes to a person", *page_no, (*tmpl)->id,
                        100 * best, 100 * second);
    return OMR_OK;
}

/* The page among those allowed (all pages of templates with no code, or of
 * one template) that the scan matches clearly best. Among many pages, each
 * is first compared cheaply (a sample of the features, reference_likeness)
 * and only a shortlist matched in full. Returns OMR_OK with template, page
 * and map; OMR_ERR_NOT_FOUND with a message otherwise. */
static int match_by_look(const omr_image *page, const template_list *hints, const omr_template *only,
                         const omr_template **tmpl, int *page_no, double h[9], omr_error *err) {
    size_t n_allowed = 0;
    for (size_t i = 0; i < hints->n_templates; i++) {
        const omr_template *t = hints->templates[i];
        if (!(only ? t != only : t->identity.kind != IDENTITY_NONE))
            n_allowed += t->n_pages;
    }
    look_candidate *cand = calloc(n_allowed ? n_allowed : 1, sizeof *cand);
    if (!cand)
        return omr_fail(err, OMR_ERR_MEMORY, "out of memory");
    reference_scan rs;
    int rc = reference_scan_prepare(page, &rs, err);
    if (rc != OMR_OK) {
        free(cand);
        return rc;
    }
    size_t n = 0;
    for (size_t i = 0; i < hints->n_templates; i++) {
        const omr_template *t = hints->templates[i];
        if (only ? t != only : t->identity.kind != IDENTITY_NONE)
            continue;
        for (size_t p = 1; p <= t->n_pages; p++) {
            assert(n < n_allowed);
            cand[n] = (look_candidate){t, (int)p, 0, (int)n, 0, {0}};
            n++;
        }
    }
    size_t n_full = n;
    if (n > LOOK_SHORTLIST + 1) {
        for (size_t k = 0; k < n; k++) {
            const reference_page *ref = template_reference(cand[k].t, cand[k].page);
            cand[k].likeness = ref ? reference_likeness(ref, &rs) : 0;
        }
        int chance = chance_likeness(cand, n);
        qsort(cand, n, sizeof *cand, by_likeness);
        /* when nothing stands out of chance: the likeliest few and any as
         * likely (copies of one form scoring alike are all kept) */
        int weak = cand[0].likeness <= chance + 1;
        n_full = weak ? LOOK_SHORTLIST : 1;
        while (n_full < n && (weak ? cand[n_full].likeness >= cand[0].likeness - 1
                                   : cand[n_full].likeness >= LOOK_LIKENESS_RATIO * cand[0].likeness))
            n_full++;
        if (cand[0].likeness == 0)
            n_full = n; /* nothing to go by: every page in full */
    }
    /* Likeliest first; a page that cannot reach more than half the best
     * count so far can neither win nor make the winner ambiguous, and is
     * not fitted. */
    int most = 0;
    for (size_t k = 0; k < n_full; k++) {
        const reference_page *ref = template_reference(cand[k].t, cand[k].page);
        double hm[9] = {0};
        int inliers = -1;
        /* a copy of a blank already matched matches the same */
        for (size_t j = 0; ref && j < k && inliers < 0; j++) {
            const reference_page *prev = template_reference(cand[j].t, cand[j].page);
            if (prev && reference_same_look(prev, ref)) {
                inliers = cand[j].inliers;
                memcpy(hm, cand[j].map, sizeof hm);
            }
        }
        if (inliers < 0)
            inliers = ref ? reference_match_at_least(ref, &rs, most / 2 + 1, hm) : 0;
        cand[k].inliers = inliers;
        memcpy(cand[k].map, hm, sizeof hm);
        if (inliers > most)
            most = inliers;
    }
    /* the winner as when every page was matched in full, in their order */
    qsort(cand, n_full, sizeof *cand, by_order);
    int best = 0, second = 0;
    for (size_t k = 0; k < n_full; k++) {
        int inliers = cand[k].inliers;
        const double *hm = cand[k].map;
        if (inliers > best) {
            second = best;
            best = inliers;
            *tmpl = cand[k].t;
            *page_no = cand[k].page;
            memcpy(h, hm, sizeof cand[k].map);
        } else if (inliers > second) {
            second = inliers;
        }
    }
    if (best == 0) {
        /* no features in common (a blank drawn from a layout): by the
         * blank's printed structure, every allowed page */
        free(cand);
        reference_scan_clear(&rs);
        return match_by_structure(page, hints, only, tmpl, page_no, h, err);
    }
    free(cand);
    reference_scan_clear(&rs);
    if (best == 0)
        return omr_fail(err, OMR_ERR_NOT_FOUND,
                        "no code on the page, and it does not look like any page of the forms this scan "
                        "was started with; is it from another questionnaire, or a letter?");
    /* two pages of one form share headings and instructions: the right one
     * must match clearly better */
    if (best < 2 * second)
        return omr_fail(err, OMR_ERR_NOT_FOUND,
                        "the page looks like page %d of %s but almost as much like another page (%d "
                        "against %d matching features); it goes to a person", *page_no, (*tmpl)->id, best,
                        second);
    return OMR_OK;
}

/* Pairs a page without a code with the form seen last. */
static void pair_by_order(identify_reader *reader, const omr_image *page, const omr_template *t,
                          page_identity *out) {
    unsigned bit = 1u << (out->page - 1);
    if (strcmp(reader->pair_template, t->id) != 0 || (reader->pair_pages & bit) ||
        reader->pair_pages == (1u << t->n_pages) - 1) {
        snprintf(reader->pair_template, sizeof reader->pair_template, "%s", t->id);
        anonymous_code(page, reader->pair_code, sizeof reader->pair_code);
        reader->pair_pages = 0;
    }
    reader->pair_pages |= bit;
    snprintf(out->code, sizeof out->code, "%s", reader->pair_code);
    out->anonymous = 1;
}

static int identify_foreign(identify_reader *reader, const omr_image *page, const template_list *hints,
                            page_identity *out, omr_error *err) {
    unsigned kinds = barcode_kinds_of(hints->templates, hints->n_templates);
    int has_none = 0;
    for (size_t i = 0; i < hints->n_templates; i++)
        has_none |= hints->templates[i]->identity.kind == IDENTITY_NONE;
    omr_error why = {""};
    if (kinds) {
        barcode_symbol symbols[8];
        int n = scan_foreign_codes(reader, page, hints, kinds, symbols, 8);
        for (int k = 0; k < n; k++)
            for (size_t i = 0; i < hints->n_templates; i++) {
                const omr_template *t = hints->templates[i];
                char code[IDENTIFY_MAX_ID];
                int page_no = 0;
                omr_error merr;
                int rc = barcode_match(t, &symbols[k], code, sizeof code, &page_no, &merr);
                if (rc == OMR_ERR_INVALID && !*why.message)
                    why = merr;
                if (rc != OMR_OK)
                    continue;
                memset(out, 0, sizeof *out);
                snprintf(out->template_id, sizeof out->template_id, "%s", t->id);
                out->page = page_no;
                if (symbols[k].has_corners) {
                    memcpy(out->corners, symbols[k].corners, sizeof out->corners);
                    out->has_corners = 1;
                }
                if (!page_no) {
                    if (t->n_pages == 1) {
                        out->page = 1;
                    } else {
                        const omr_template *m = NULL;
                        rc = match_by_look(page, hints, t, &m, &out->page, out->coarse, err);
                        if (rc != OMR_OK)
                            return rc;
                        out->has_coarse = 1;
                    }
                }
                if (*code) {
                    snprintf(out->code, sizeof out->code, "%s", code);
                } else {
                    pair_by_order(reader, page, t, out);
                }
                return OMR_OK;
            }
        if (n > 0 && !*why.message)
            omr_fail(&why, OMR_ERR_INVALID,
                     "the code on this page reads \"%.60s\", which is none of the forms this scan was "
                     "started with; is the page from another questionnaire?", symbols[0].text);
    }
    if (has_none) {
        const omr_template *t = NULL;
        memset(out, 0, sizeof *out);
        int rc = match_by_look(page, hints, NULL, &t, &out->page, out->coarse, err);
        if (rc == OMR_OK) {
            snprintf(out->template_id, sizeof out->template_id, "%s", t->id);
            out->has_coarse = 1;
            pair_by_order(reader, page, t, out);
            return OMR_OK;
        }
        if (!*why.message)
            return rc;
    }
    if (*why.message)
        return omr_fail(err, OMR_ERR_INVALID, "%s", why.message);
    return omr_fail(err, OMR_ERR_NOT_FOUND,
                    "no code of this questionnaire found anywhere on the page; is this page from "
                    "another questionnaire, a letter, or is the code covered or torn off?");
}

int identify_page(identify_reader *reader, const omr_image *page, const identify_hints *hints,
                  page_identity *out, omr_error *err) {
    assert(reader && page && page->width > 0 && page->height > 0);
    /* zbar's QR reader fits a code's edges by RANSAC, drawing from a random
     * generator seeded once per scanner: a used scanner gives corners that
     * depend on every page it read before. A fresh scanner per page reads a
     * page the same alone, after others, and in any job of scan --jobs. */
    zbar_image_scanner_t *fresh = zbar_image_scanner_create();
    if (!fresh)
        return omr_fail(err, OMR_ERR_MEMORY, "out of memory starting the QR code reader (zbar)");
    zbar_image_scanner_destroy(reader->scanner);
    reader->scanner = fresh;
    zbar_image_scanner_set_config(reader->scanner, 0, ZBAR_CFG_ENABLE, 0);
    zbar_image_scanner_set_config(reader->scanner, ZBAR_QRCODE, ZBAR_CFG_ENABLE, 1);
    if (reader->foreign) { /* made anew on first use, as the foreign kinds are set */
        zbar_image_scanner_destroy(reader->foreign);
        reader->foreign = NULL;
    }
    template_list list = {reader->templates, reader->templates ? reader->n_templates : 0};
    int has_omr = list.n_templates == 0, foreign = 0;
    for (size_t i = 0; i < list.n_templates; i++) {
        has_omr |= list.templates[i]->identity.kind == IDENTITY_OMR;
        foreign |= list.templates[i]->identity.kind != IDENTITY_OMR;
    }
    int rc = OMR_ERR_NOT_FOUND;
    if (has_omr) {
        rc = identify_omr(reader, page, hints, out, err);
        if (rc == OMR_OK || !foreign)
            return rc;
    }
    omr_error omr_err = {""};
    if (err)
        omr_err = *err;
    int frc = identify_foreign(reader, page, &list, out, err);
    if (frc != OMR_OK && has_omr && rc == OMR_ERR_INVALID && err) {
        *err = omr_err; /* an omr code that failed its check says more */
        return rc;
    }
    return frc;
}
