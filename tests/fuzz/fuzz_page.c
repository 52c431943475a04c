/*
 * fuzz_page.c — libFuzzer harness for the page reader: identify (QR code,
 * template, code, page, turn), locate (fiducials, transform) and measure
 * (every box, the text fields) on a decoded grey page, against ekb-2024, as
 * scan.c runs them. Random pixels almost never hold a QR code, so an input
 * is a damaged page rather than a page of noise:
 *
 *   byte 0      what to start from: even = ekb-2024's page 1 or 2 rendered
 *               here at 100 dpi (login code FUZZ1), odd = an image of the
 *               input's own bytes (bytes 1-2 its width, the rest its pixels)
 *   byte 1      (rendered) quarter turns (0-3) and whether to mirror
 *   then        (rendered) 7-byte patches: x, y (16 bit, wrapped to the
 *               page), w, h (8 bit pixels), grey level: blots, covered
 *               fiducials, a torn QR code, scribbles over boxes
 *
 * What it must never do: crash, read outside the image, or loop; a page it
 * cannot read ends in a reason.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "deciding/decide.h"
#include "print/render.h"
#include "reading/identify.h"
#include "reading/locate.h"
#include "reading/mask.h"
#include "reading/measure.h"
#include "reading/reference.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define DPI 72.0

static omr_template *tmpl;
static omr_image *pages[2];
static print_mask masks[2];
static int has_mask[2];
static identify_reader *reader;

static void setup(void) {
    omr_error err;
    char *path = template_find("ekb-2024");
    if (!path || template_load(path, &tmpl, NULL, &err) != OMR_OK) {
        fprintf(stderr, "fuzz_page: cannot load ekb-2024 (run from the repository or set OMR_TEMPLATE_DIR)\n");
        abort();
    }
    free(path);
    for (int p = 0; p < 2; p++) {
        pages[p] = render_page_image(tmpl, "FUZZ1", p + 1, DPI, &err);
        if (!pages[p])
            abort();
        has_mask[p] = measure_print_mask(tmpl, p + 1, &masks[p], &err) == OMR_OK;
    }
    reader = identify_reader_new();
    if (!reader)
        abort();
    static const omr_template *list[1]; /* borrowed by the reader: must outlive it */
    list[0] = tmpl;
    identify_reader_set_templates(reader, list, 1);
}

/* The page turned by `turns` quarter turns (and mirrored), as a new image. */
static omr_image *turned(const omr_image *src, int turns, int mirror) {
    int w = turns % 2 ? src->height : src->width, h = turns % 2 ? src->width : src->height;
    omr_image *dst = omr_image_new(w, h, src->dpi, 255);
    if (!dst)
        abort();
    if (turns == 0 && !mirror) {
        for (int y = 0; y < src->height; y++)
            memcpy(dst->pixels + (size_t)y * dst->stride, src->pixels + (size_t)y * src->stride, (size_t)src->width);
        return dst;
    }
    for (int y = 0; y < src->height; y++)
        for (int x = 0; x < src->width; x++) {
            int sx = mirror ? src->width - 1 - x : x;
            int dx, dy;
            switch (turns) {
            case 1: dx = src->height - 1 - y, dy = sx; break;
            case 2: dx = src->width - 1 - sx, dy = src->height - 1 - y; break;
            case 3: dx = y, dy = src->width - 1 - sx; break;
            default: dx = sx, dy = y;
            }
            dst->pixels[(size_t)dy * dst->stride + dx] = src->pixels[(size_t)y * src->stride + x];
        }
    return dst;
}

static omr_image *page_from(const uint8_t *data, size_t size) {
    if (data[0] % 2) {
        /* the bytes themselves as a small grey image */
        if (size < 4)
            return NULL;
        int w = 8 + (data[1] | (data[2] << 8)) % 1200;
        int h = (int)((size - 3) / (size_t)w);
        if (h < 8)
            return NULL;
        omr_image *img = omr_image_new(w, h, DPI, 255);
        if (!img)
            abort();
        for (int y = 0; y < h; y++)
            memcpy(img->pixels + (size_t)y * img->stride, data + 3 + (size_t)y * w, (size_t)w);
        return img;
    }
    const omr_image *base = pages[(data[0] >> 1) % 2];
    int turns = size > 1 ? data[1] % 4 : 0, mirror = size > 1 ? (data[1] >> 2) & 1 : 0;
    omr_image *img = turned(base, turns, mirror);
    for (size_t i = 2; i + 7 <= size && i < 2 + 7 * 64; i += 7) {
        const uint8_t *d = data + i;
        int x = (d[0] | (d[1] << 8)) % img->width, y = (d[2] | (d[3] << 8)) % img->height;
        int pw = d[4], ph = d[5];
        for (int yy = y; yy < y + ph && yy < img->height; yy++)
            memset(img->pixels + (size_t)yy * img->stride + x, d[6], (size_t)(x + pw <= img->width ? pw : img->width - x));
    }
    return img;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (!tmpl)
        setup();
    if (size < 1)
        return 0;
    omr_image *img = page_from(data, size);
    if (!img)
        return 0;
    omr_error err;
    calibration cal;
    calibration_defaults(&cal);
    page_identity id;
    /* where the QR code is printed, as scan.c hints it: a readable code is found there first */
    identify_hints hints = {&tmpl->code_rect, 1, tmpl->page_width, tmpl->page_height};
    if (measure_page_ink(img) >= 0 && identify_page(reader, img, &hints, &id, &err) == OMR_OK &&
        strcmp(id.template_id, tmpl->id) == 0 && id.page >= 1 && (size_t)id.page <= tmpl->n_pages) {
        page_transform tr;
        if (locate_page(img, tmpl, &id, &tr, &err) == OMR_OK) {
            page_levels levels;
            measure_levels(img, &tr, &levels);
            const print_mask *mask = has_mask[id.page - 1] ? &masks[id.page - 1] : NULL;
            for (size_t i = 0; i < tmpl->n_questions; i++) {
                const template_question *q = &tmpl->questions[i];
                if (q->page != id.page)
                    continue;
                for (size_t b = 0; b < q->n_boxes; b++) {
                    box_measure m;
                    measure_box(img, &tr, &levels, mask, q->boxes[b].rect, measure_near_zone(tmpl, q, b, mask), NULL, &m);
                    if (!(m.fill >= 0 && m.fill <= 1 && m.extent >= 0 && m.extent <= 1))
                        abort(); /* a share outside 0..1 (or NaN) would be decided wrongly */
                    decide_box(&cal, &m);
                }
            }
            for (size_t i = 0; i < tmpl->n_text_fields; i++)
                if (tmpl->text_fields[i].page == id.page)
                    measure_text_ink(img, &tr, &levels, tmpl->text_fields[i].rect);
        }
    }
    omr_image_free(img);
    return 0;
}
