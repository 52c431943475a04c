/*
 * barcode.c — zbar's QR, Code 128, Interleaved 2 of 5 and Code 39 decoders
 * behind one small interface, and the template's pattern that says what a
 * code's text means. The pattern is matched whole (anchor it with ^ and $),
 * so a partial read of a barcode (a short scan line through an I 2/5 symbol
 * reads fewer digits) is refused rather than filed under another respondent.
 */
#include "reading/barcode.h"

#include <assert.h>
#include <ctype.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "forms/code.h"

unsigned barcode_kinds_of(const omr_template *const *templates, size_t n) {
    unsigned kinds = 0;
    for (size_t i = 0; i < n; i++) {
        template_identity_kind k = templates[i]->identity.kind;
        if (k == IDENTITY_QR || k == IDENTITY_CODE128 || k == IDENTITY_I25 || k == IDENTITY_CODE39)
            kinds |= 1u << k;
    }
    return kinds;
}

void barcode_configure(zbar_image_scanner_t *scanner, unsigned kinds) {
    zbar_image_scanner_set_config(scanner, 0, ZBAR_CFG_ENABLE, 0);
    if (kinds & (1u << IDENTITY_QR))
        zbar_image_scanner_set_config(scanner, ZBAR_QRCODE, ZBAR_CFG_ENABLE, 1);
    if (kinds & (1u << IDENTITY_CODE128))
        zbar_image_scanner_set_config(scanner, ZBAR_CODE128, ZBAR_CFG_ENABLE, 1);
    if (kinds & (1u << IDENTITY_I25)) {
        zbar_image_scanner_set_config(scanner, ZBAR_I25, ZBAR_CFG_ENABLE, 1);
        zbar_image_scanner_set_config(scanner, ZBAR_I25, ZBAR_CFG_MIN_LEN, 4);
    }
    if (kinds & (1u << IDENTITY_CODE39))
        zbar_image_scanner_set_config(scanner, ZBAR_CODE39, ZBAR_CFG_ENABLE, 1);
}

static template_identity_kind kind_of(zbar_symbol_type_t type) {
    switch (type) {
    case ZBAR_QRCODE: return IDENTITY_QR;
    case ZBAR_CODE128: return IDENTITY_CODE128;
    case ZBAR_I25: return IDENTITY_I25;
    case ZBAR_CODE39: return IDENTITY_CODE39;
    default: return IDENTITY_NONE;
    }
}

int barcode_scan(zbar_image_scanner_t *scanner, const omr_image *region, int ox, int oy, double scale,
                 barcode_symbol *out, int max) {
    assert(region && region->width > 0 && region->height > 0);
    assert(scale > 0 && max >= 0);
    zbar_image_t *zimage = zbar_image_create();
    if (!zimage)
        return 0;
    zbar_image_set_format(zimage, zbar_fourcc('Y', '8', '0', '0'));
    zbar_image_set_size(zimage, (unsigned)region->width, (unsigned)region->height);
    zbar_image_set_data(zimage, region->pixels, (unsigned long)region->width * (unsigned long)region->height,
                        NULL);
    int n = 0;
    if (zbar_scan_image(scanner, zimage) > 0) {
        for (const zbar_symbol_t *sym = zbar_image_first_symbol(zimage); sym && n < max;
             sym = zbar_symbol_next(sym)) {
            template_identity_kind kind = kind_of(zbar_symbol_get_type(sym));
            if (kind == IDENTITY_NONE)
                continue;
            barcode_symbol *b = &out[n++];
            memset(b, 0, sizeof *b);
            snprintf(b->text, sizeof b->text, "%s", zbar_symbol_get_data(sym));
            b->kind = kind;
            if (kind == IDENTITY_QR && zbar_symbol_get_loc_size(sym) == 4) {
                /* zbar: TL, BL, BR, TR; we keep TL, TR, BR, BL */
                static const int order[4] = {0, 3, 2, 1};
                for (int i = 0; i < 4; i++) {
                    b->corners[i].x = ox + zbar_symbol_get_loc_x(sym, (unsigned)order[i]) / scale;
                    b->corners[i].y = oy + zbar_symbol_get_loc_y(sym, (unsigned)order[i]) / scale;
                }
                b->has_corners = 1;
            }
        }
    }
    zbar_image_destroy(zimage);
    return n;
}

static int match_fields(const template_identity *id, const barcode_symbol *symbol, const regmatch_t *groups,
                        char *code, size_t code_size, int *page, omr_error *err);

int barcode_match(const omr_template *t, const barcode_symbol *symbol, char *code, size_t code_size,
                  int *page, omr_error *err) {
    const template_identity *id = &t->identity;
    *page = 0;
    if (code_size)
        code[0] = 0;
    if (id->kind != symbol->kind || !id->pattern)
        return OMR_ERR_NOT_FOUND;
    regex_t re;
    if (regcomp(&re, id->pattern, REG_EXTENDED) != 0)
        return OMR_ERR_NOT_FOUND; /* template_load refuses such a pattern */
    /* one slot per group of the pattern (and the whole match): the fields
     * may name any of them (template_parse refuses a field beyond re_nsub) */
    size_t n_groups = re.re_nsub + 1;
    if ((size_t)id->group_code >= n_groups || (size_t)id->group_page >= n_groups ||
        (size_t)id->group_form >= n_groups) {
        regfree(&re);
        return OMR_ERR_NOT_FOUND;
    }
    regmatch_t *groups = calloc(n_groups, sizeof *groups);
    if (!groups) {
        regfree(&re);
        return omr_fail(err, OMR_ERR_MEMORY, "out of memory reading the barcode \"%.60s\"", symbol->text);
    }
    int rc = regexec(&re, symbol->text, n_groups, groups, 0);
    regfree(&re);
    size_t len = strlen(symbol->text);
    if (rc != 0 || groups[0].rm_so != 0 || (size_t)groups[0].rm_eo != len) {
        free(groups);
        return OMR_ERR_NOT_FOUND;
    }
    int result = match_fields(id, symbol, groups, code, code_size, page, err);
    free(groups);
    return result;
}

/* The code, page and form groups of a whole match (barcode_match). */
static int match_fields(const template_identity *id, const barcode_symbol *symbol, const regmatch_t *groups,
                        char *code, size_t code_size, int *page, omr_error *err) {
    char field[BARCODE_MAX_TEXT];
#define GROUP(g)                                                                                   \
    (groups[g].rm_so < 0 ? (field[0] = 0, field)                                                   \
                         : (snprintf(field, sizeof field, "%.*s", (int)(groups[g].rm_eo - groups[g].rm_so), \
                                     symbol->text + groups[g].rm_so), field))
    if (id->group_form && id->form && strcmp(GROUP(id->group_form), id->form) != 0)
        return OMR_ERR_NOT_FOUND;
    if (id->group_page) {
        char *end = NULL;
        long p = strtol(GROUP(id->group_page), &end, 10);
        if (!*field || *end || p < 1 || p > 99)
            return omr_fail(err, OMR_ERR_INVALID, "the barcode \"%.60s\" has no valid page number",
                            symbol->text);
        *page = (int)p;
    }
    if (id->group_code) {
        GROUP(id->group_code);
        /* records keep letters and digits: other characters are dropped */
        size_t k = 0;
        for (const char *c = field; *c && k + 1 < code_size; c++)
            if (isalnum((unsigned char)*c) && (unsigned char)*c < 128)
                code[k++] = *c;
        code[k] = 0;
        identify_code_normalize(code);
        if (k == 0 || k > 40)
            return omr_fail(err, OMR_ERR_INVALID,
                            "the barcode \"%.60s\" holds no usable respondent code", symbol->text);
    }
#undef GROUP
    return OMR_OK;
}
