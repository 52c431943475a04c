/*
 * identify.c — reads the page's QR code with zbar: which template, whose form,
 * which page, and where the symbol's corners lie (so locate knows how the page
 * is turned). Also formats and checks the payload that render prints.
 *
 * Search order, cheapest first: the four corner regions where the printed code
 * lands after 0, 90, 180 or 270 degree turns, then the whole page, then the
 * whole page at half size (a very blurred or large scan). A page with a code
 * that is not ours, or whose check character fails, is reported as such and
 * never guessed.
 */
#include "identify.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zbar.h>

#include "cv_wrap.h"

/* ---- payload --------------------------------------------------------------- */

static int base36_value(char c) {
    c = (char)toupper((unsigned char)c);
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'A' && c <= 'Z')
        return c - 'A' + 10;
    return -1;
}

char identify_check_char(const char *code) {
    /* Luhn mod N with N = 36: catches every single-character error and most
     * swaps of neighbours, the usual misreads and mistypes. */
    const int n = 36;
    int factor = 2, sum = 0;
    size_t len = strlen(code);
    for (size_t i = len; i-- > 0;) {
        int v = base36_value(code[i]);
        if (v < 0)
            return 0;
        int addend = factor * v;
        factor = factor == 2 ? 1 : 2;
        sum += addend / n + addend % n;
    }
    int check = (n - sum % n) % n;
    return (char)(check < 10 ? '0' + check : 'A' + check - 10);
}

int identify_code_is_valid(const char *code) {
    size_t len = code ? strlen(code) : 0;
    if (len == 0 || len > 40)
        return 0;
    for (size_t i = 0; i < len; i++)
        if (!isalnum((unsigned char)code[i]) || (unsigned char)code[i] > 127)
            return 0;
    return 1;
}

int identify_format_payload(char *buf, size_t size, const char *template_id, const char *code,
                            int page) {
    if (!identify_code_is_valid(code))
        return OMR_ERR_INVALID;
    int n = snprintf(buf, size, "OMR1:%s:%s:%d:%c", template_id, code, page,
                     identify_check_char(code));
    return n > 0 && (size_t)n < size ? OMR_OK : OMR_ERR_INVALID;
}

int identify_parse_payload(const char *payload, page_identity *out, omr_error *err) {
    memset(out, 0, sizeof *out);
    if (strncmp(payload, "OMR1:", 5) != 0)
        return omr_fail(err, OMR_ERR_INVALID,
                        "the QR code on this page is not an omr code (it reads \"%.40s\"); "
                        "is this page from another questionnaire or a letter?", payload);
    char copy[256];
    snprintf(copy, sizeof copy, "%s", payload + 5);
    char *fields[5] = {0};
    int n = 0;
    for (char *save = NULL, *tok = strtok_r(copy, ":", &save); tok && n < 5;
         tok = strtok_r(NULL, ":", &save))
        fields[n++] = tok;
    if (n != 4 || strlen(fields[0]) >= IDENTIFY_MAX_ID || strlen(fields[1]) >= IDENTIFY_MAX_ID)
        return omr_fail(err, OMR_ERR_INVALID, "the QR code \"%.60s\" is damaged or incomplete",
                        payload);
    char *end = NULL;
    long page = strtol(fields[2], &end, 10);
    if (*end || page < 1 || page > 99)
        return omr_fail(err, OMR_ERR_INVALID, "the QR code \"%.60s\" has no valid page number",
                        payload);
    if (!identify_code_is_valid(fields[1]) || strlen(fields[3]) != 1 ||
        toupper((unsigned char)fields[3][0]) != identify_check_char(fields[1]))
        return omr_fail(err, OMR_ERR_INVALID,
                        "the login code in the QR code \"%.60s\" fails its check character "
                        "(a misread or a damaged code)", payload);
    snprintf(out->template_id, sizeof out->template_id, "%s", fields[0]);
    snprintf(out->code, sizeof out->code, "%s", fields[1]);
    out->page = (int)page;
    return OMR_OK;
}

/* ---- finding the code on the page --------------------------------------------- */

struct identify_reader {
    zbar_image_scanner_t *scanner;
};

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
            page_identity id;
            omr_error perr;
            if (identify_parse_payload(zbar_symbol_get_data(sym), &id, &perr) != OMR_OK) {
                if (!result->found_foreign)
                    result->foreign_error = perr;
                result->found_foreign = 1;
                continue;
            }
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

/* The window, in scan pixels, where a code printed at `area` (mm) lies when
 * the page is turned by `quarter` clockwise quarter turns, with a margin for
 * offset, skew and scaling. */
static void hinted_window(const omr_image *page, const identify_hints *h, const omr_rect *area,
                          int quarter, int *x, int *y, int *w, int *hgt) {
    double pw = h->page_width, ph = h->page_height;
    /* page size in pixels as the scan lies; scale from the dpi or the size */
    int turned = quarter % 2;
    double s = page->dpi > 0 ? page->dpi / 25.4 : (turned ? page->height : page->width) / pw;
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

int identify_page(identify_reader *reader, const omr_image *page, const identify_hints *hints,
                  page_identity *out, omr_error *err) {
    memset(out, 0, sizeof *out);
    scan_result result = {0};
    int w = page->width, h = page->height;
    if (hints && hints->n_areas > 0) {
        /* portrait scans are most likely upright or upside down */
        static const int portrait[4] = {0, 2, 1, 3}, landscape[4] = {1, 3, 0, 2};
        const int *order = w > h ? landscape : portrait;
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
