/*
 * review_image.c — the picture beside each review item: the region of the
 * scan around a question, re-sampled upright through the page's transform
 * (template mm -> scan px, from pages.transform) with its boxes outlined, a
 * comment's saved crop, or a whole page that has no code. Files are read only
 * from inside the scan store: every path is resolved (symlinks followed) and
 * must land inside one of the configured roots. Written as RGB PNG (libpng)
 * into memory for the web server.
 */
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "pages/decode.h"
#include "ledger/queue.h"
#include "review/review.h"

#define MAX_OUT_SIDE 1600

void review_image_source_clear(review_image_source *src) {
    free(src->scan_path);
    free(src->file_path);
    free(src->base_dir);
    memset(src, 0, sizeof *src);
}

/* ---- reading the ledger ------------------------------------------------- */

/* pages.transform: {"m":[6 numbers]} (affine, mm -> px), or a projective
 * {"h":[9 numbers]} if the ledger ever carries one; into a 3x3 matrix. */
static int parse_transform(const char *text, double h[9]) {
    if (!text)
        return 0;
    json_error_t jerr;
    json_t *j = json_loads(text, 0, &jerr);
    json_t *hm = j ? json_object_get(j, "h") : NULL, *m = j ? json_object_get(j, "m") : NULL;
    int ok = 0;
    if (json_is_array(hm) && json_array_size(hm) == 9) {
        ok = 1;
        for (size_t i = 0; ok && i < 9; i++)
            ok = json_is_number(json_array_get(hm, i));
        for (size_t i = 0; ok && i < 9; i++)
            h[i] = json_number_value(json_array_get(hm, i));
    } else if (json_is_array(m) && json_array_size(m) == 6) {
        ok = 1;
        for (size_t i = 0; ok && i < 6; i++)
            ok = json_is_number(json_array_get(m, i));
        for (size_t i = 0; ok && i < 6; i++)
            h[i] = json_number_value(json_array_get(m, i));
        h[6] = h[7] = 0;
        h[8] = 1;
    }
    if (ok && fabs(h[0] * h[4] - h[1] * h[3]) < 1e-6)
        ok = 0; /* not invertible */
    json_decref(j);
    return ok;
}

static omr_rect rect_union(omr_rect a, omr_rect b) {
    double x0 = fmin(a.x, b.x), y0 = fmin(a.y, b.y);
    double x1 = fmax(a.x + a.w, b.x + b.w), y1 = fmax(a.y + a.h, b.y + b.h);
    return (omr_rect){x0, y0, x1 - x0, y1 - y0};
}

static omr_rect rect_clip(omr_rect r, double pad, double width, double height) {
    double x0 = fmax(0, r.x - pad), y0 = fmax(0, r.y - pad);
    double x1 = fmin(width, r.x + r.w + pad), y1 = fmin(height, r.y + r.h + pad);
    return (omr_rect){x0, y0, fmax(1, x1 - x0), fmax(1, y1 - y0)};
}

/* Fills scan_path, file_page and the transform from the ledger's page. */
static int page_source(int found, queue_page_source *src, review_image_source *out) {
    if (found) {
        out->scan_path = src->stored_path;
        src->stored_path = NULL;
        out->file_page = src->file_page;
        out->has_transform = parse_transform(src->transform, out->h);
    }
    queue_page_source_clear(src);
    return found;
}

int review_image_source_get(review_queue *q, int64_t id, review_image_source *out, omr_error *err) {
    memset(out, 0, sizeof *out);
    omr_db *db = review_queue_db(q);
    char kind[32], item[128] = "", tid[128] = "";
    int64_t return_id = 0, page_id = 0;
    int has_page = 0;
    int rc0 = queue_item_for_image(db, id, kind, sizeof kind, item, sizeof item, &return_id, &page_id, &has_page,
                                   tid, sizeof tid, err);
    if (rc0 != OMR_OK)
        return rc0;
    queue_page_source ps;

    out->base_dir = strdup("."); /* scan files: as scan and watch named them */
    const omr_template *t = tid[0] ? review_queue_template(q, tid, NULL) : NULL;
    out->px_per_mm = 7.0;
    int rc = OMR_OK;
    if (strcmp(kind, "answer") == 0) {
        const template_question *qq = t ? template_question_by_id(t, item) : NULL;
        if (!qq)
            return omr_fail(err, OMR_ERR_NOT_FOUND, "the question %s is not in template %s", item, tid);
        int found = has_page && page_source(queue_page_source_by_id(db, page_id, &ps), &ps, out);
        if (!found)
            found = page_source(queue_page_source_of_return(db, return_id, qq->page, &ps), &ps, out);
        if (!found)
            return omr_fail(err, OMR_ERR_NOT_FOUND, "page %d of this return is not in the ledger", qq->page);
        omr_rect r = qq->text_rect;
        double box_h = qq->n_boxes ? qq->boxes[0].rect.h : 5;
        if (r.h <= 0)
            r.h = fmax(box_h, 9.5); /* the printed text's height is not in the template: two lines */
        for (size_t b = 0; b < qq->n_boxes; b++) {
            omr_rect br = qq->boxes[b].rect;
            if (qq->labels == LABELS_RIGHT)
                br.w += 45; /* its label */
            r = rect_union(r, br);
            if (out->n_outlines < REVIEW_MAX_OUTLINES) {
                out->outlines[out->n_outlines] = qq->boxes[b].rect;
                out->outline_state[out->n_outlines] = 'b';
                char state = queue_mark_state(db, return_id, qq->id, qq->boxes[b].value);
                if (state)
                    out->outline_state[out->n_outlines] = state;
                out->n_outlines++;
            }
        }
        out->region_mm = rect_clip(r, 4, t->page_width, t->page_height);
    } else if (strcmp(kind, "text") == 0) {
        char *crop = queue_text_crop(db, return_id, item);
        if (crop) {
            out->file_path = crop;
            free(out->base_dir);
            out->base_dir = strdup(review_queue_out_dir(q));
            return OMR_OK;
        }
        const template_text_field *f = NULL;
        for (size_t i = 0; t && i < t->n_text_fields; i++)
            if (strcmp(t->text_fields[i].id, item) == 0)
                f = &t->text_fields[i];
        if (!f)
            return omr_fail(err, OMR_ERR_NOT_FOUND, "the comment field %s has no saved crop", item);
        int found = has_page && page_source(queue_page_source_by_id(db, page_id, &ps), &ps, out);
        if (!found)
            found = page_source(queue_page_source_of_return(db, return_id, f->page, &ps), &ps, out);
        if (!found)
            return omr_fail(err, OMR_ERR_NOT_FOUND, "page %d of this return is not in the ledger", f->page);
        out->region_mm = rect_clip(f->rect, 3, t->page_width, t->page_height);
    } else if (strcmp(kind, "duplicate") == 0) {
        if (!page_source(queue_page_source_of_return(db, return_id, 0, &ps), &ps, out))
            return omr_fail(err, OMR_ERR_NOT_FOUND, "no page of this return is in the ledger");
        double w = t ? t->page_width : 210, h = t ? t->page_height : 297;
        out->region_mm = (omr_rect){0, 0, w, h / 3};
        out->px_per_mm = 5;
        if (t) {
            out->outlines[0] = t->code_rect;
            out->outline_state[0] = 'u';
            out->n_outlines = 1;
        }
    } else if (strcmp(kind, "unmatched_page") == 0) {
        if (!has_page || !page_source(queue_page_source_by_id(db, page_id, &ps), &ps, out))
            return omr_fail(err, OMR_ERR_NOT_FOUND, "the page is not in the ledger");
        out->has_transform = 0; /* show the page as scanned, whole */
    } else {
        rc = omr_fail(err, OMR_ERR_INVALID, "item of unknown kind \"%s\"", kind);
    }
    return rc;
}

int review_image_source_get_first(review_queue *q, int64_t id, review_image_source *out, omr_error *err) {
    memset(out, 0, sizeof *out);
    omr_db *db = review_queue_db(q);
    char kind[32], item[128] = "", tid[128] = "";
    int64_t return_id = 0, page_id = 0;
    int has_page = 0;
    int rc = queue_item_for_image(db, id, kind, sizeof kind, item, sizeof item, &return_id, &page_id, &has_page, tid,
                                  sizeof tid, err);
    if (rc != OMR_OK)
        return rc;
    if (strcmp(kind, "duplicate") != 0)
        return omr_fail(err, OMR_ERR_NOT_FOUND, "only a duplicate return has a first return to show");
    json_t *o = json_object();
    if (!o)
        return omr_fail(err, OMR_ERR_MEMORY, "out of memory");
    queue_view_duplicate(db, return_id, o, NULL);
    int64_t first = (int64_t)json_integer_value(json_object_get(o, "duplicate_of"));
    json_decref(o);
    if (first <= 0)
        return omr_fail(err, OMR_ERR_NOT_FOUND, "this return names no first return");
    queue_page_source ps;
    out->base_dir = strdup(".");
    if (!out->base_dir)
        return omr_fail(err, OMR_ERR_MEMORY, "out of memory");
    if (!page_source(queue_page_source_of_return(db, first, 0, &ps), &ps, out))
        return omr_fail(err, OMR_ERR_NOT_FOUND, "no page of the first return is in the ledger (a web return?)");
    const omr_template *t = tid[0] ? review_queue_template(q, tid, NULL) : NULL;
    double w = t ? t->page_width : 210, h = t ? t->page_height : 297;
    out->region_mm = (omr_rect){0, 0, w, h / 3};
    out->px_per_mm = 5;
    if (t) {
        out->outlines[0] = t->code_rect;
        out->outline_state[0] = 'u';
        out->n_outlines = 1;
    }
    return OMR_OK;
}

/* ---- the scan store ----------------------------------------------------- */

char *review_path_in_roots(const char *path, const char *base_dir, const char *const *roots,
                           size_t n_roots, omr_error *err) {
    if (!path || !*path) {
        omr_fail(err, OMR_ERR_INVALID, "no file named");
        return NULL;
    }
    char joined[PATH_MAX];
    if (path[0] == '/')
        snprintf(joined, sizeof joined, "%s", path);
    else if ((size_t)snprintf(joined, sizeof joined, "%s/%s", base_dir ? base_dir : ".", path) >= sizeof joined) {
        omr_fail(err, OMR_ERR_INVALID, "file name too long");
        return NULL;
    }
    char *real = realpath(joined, NULL);
    if (!real) {
        omr_fail(err, OMR_ERR_IO, "the scan file %s cannot be found (%s); was it moved out of the scan store?",
                 path, strerror(errno));
        return NULL;
    }
    for (size_t i = 0; i < n_roots; i++) {
        char *root = realpath(roots[i], NULL);
        if (!root)
            continue;
        size_t n = strlen(root);
        int inside = strncmp(real, root, n) == 0 && (real[n] == '/' || (n == 1 && root[0] == '/'));
        free(root);
        if (inside) {
            struct stat sb;
            if (stat(real, &sb) != 0 || !S_ISREG(sb.st_mode)) {
                omr_fail(err, OMR_ERR_INVALID, "%s is not a file", path);
                free(real);
                return NULL;
            }
            return real;
        }
    }
    omr_fail(err, OMR_ERR_INVALID, "%s lies outside the scan store; it is not shown", path);
    free(real);
    return NULL;
}

/* ---- drawing ------------------------------------------------------------ */

typedef struct {
    unsigned char *data;
    size_t len, cap;
    int failed;
} png_buffer;

static void png_buffer_write(png_structp png, png_bytep bytes, png_size_t n) {
    png_buffer *b = png_get_io_ptr(png);
    if (b->failed)
        return;
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 65536;
        while (cap < b->len + n)
            cap *= 2;
        unsigned char *d = realloc(b->data, cap);
        if (!d) {
            b->failed = 1;
            return;
        }
        b->data = d;
        b->cap = cap;
    }
    memcpy(b->data + b->len, bytes, n);
    b->len += n;
}

static void png_buffer_flush(png_structp png) { (void)png; }

static int write_rgb_png(const uint8_t *rgb, int w, int h, unsigned char **out, size_t *out_len,
                         omr_error *err) {
    png_buffer buf = {0};
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    png_bytep *rows = malloc((size_t)h * sizeof *rows);
    if (!png || !info || !rows) {
        png_destroy_write_struct(&png, &info);
        free(rows);
        return omr_fail(err, OMR_ERR_MEMORY, "out of memory");
    }
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        free(rows);
        free(buf.data);
        return omr_fail(err, OMR_ERR_MEMORY, "cannot write the PNG image");
    }
    png_set_write_fn(png, &buf, png_buffer_write, png_buffer_flush);
    png_set_IHDR(png, info, (png_uint_32)w, (png_uint_32)h, 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_set_compression_level(png, 3);
    for (int y = 0; y < h; y++)
        rows[y] = (png_bytep)(rgb + (size_t)y * (size_t)w * 3);
    png_write_info(png, info);
    png_write_image(png, rows);
    png_write_end(png, info);
    png_destroy_write_struct(&png, &info);
    free(rows);
    if (buf.failed) {
        free(buf.data);
        return omr_fail(err, OMR_ERR_MEMORY, "out of memory");
    }
    *out = buf.data;
    *out_len = buf.len;
    return OMR_OK;
}

/* Bilinear sample of the grey scan at (x, y) px; white outside. */
static uint8_t sample(const omr_image *img, double x, double y) {
    x -= 0.5;
    y -= 0.5;
    int x0 = (int)floor(x), y0 = (int)floor(y);
    double fx = x - x0, fy = y - y0;
    double v = 0;
    for (int dy = 0; dy < 2; dy++)
        for (int dx = 0; dx < 2; dx++) {
            int px = x0 + dx, py = y0 + dy;
            double p = (px < 0 || py < 0 || px >= img->width || py >= img->height) ? 255 : omr_image_at(img, px, py);
            v += p * (dx ? fx : 1 - fx) * (dy ? fy : 1 - fy);
        }
    return (uint8_t)(v + 0.5);
}

static void set_px(uint8_t *rgb, int w, int h, int x, int y, const uint8_t c[3]) {
    if (x < 0 || y < 0 || x >= w || y >= h)
        return;
    memcpy(rgb + ((size_t)y * (size_t)w + (size_t)x) * 3, c, 3);
}

/* A rectangle outline `thick` px wide, in output pixels; `dash` > 0 draws
 * it as dashes of that many px with gaps as long (0: solid). */
static void draw_rect(uint8_t *rgb, int w, int h, double x0, double y0, double x1, double y1, int thick,
                      int dash, const uint8_t c[3]) {
    int ix0 = (int)floor(x0), iy0 = (int)floor(y0), ix1 = (int)ceil(x1), iy1 = (int)ceil(y1);
    for (int t = 0; t < thick; t++) {
        for (int x = ix0 - t; x <= ix1 + t; x++) {
            if (dash && ((x - ix0) / dash) % 2)
                continue;
            set_px(rgb, w, h, x, iy0 - t, c);
            set_px(rgb, w, h, x, iy1 + t, c);
        }
        for (int y = iy0 - t; y <= iy1 + t; y++) {
            if (dash && ((y - iy0) / dash) % 2)
                continue;
            set_px(rgb, w, h, ix0 - t, y, c);
            set_px(rgb, w, h, ix1 + t, y, c);
        }
    }
}

/* A box's state drawn by shape as well as colour (WCAG 1.4.1), each colour
 * at least 6:1 against white paper (WCAG AA asks 3:1 for graphics):
 *   marked (and solid)  a solid outline 3 px wide and a filled square at its
 *                       top-left corner, blue #0050C8
 *   unsure              a dashed outline, dashes of 4 px, brown #9C4400
 *   blank               a dotted outline, 1 px dots, magenta #A0005F
 * The page's legend (review_web/app.css .k-*) shows the same shapes. */
static void draw_state(uint8_t *rgb, int w, int h, double x0, double y0, double x1, double y1, char state) {
    static const uint8_t marked[3] = {0x00, 0x50, 0xC8}, unsure[3] = {0x9C, 0x44, 0x00},
                         blank[3] = {0xA0, 0x00, 0x5F};
    if (state == 'm' || state == 's') {
        draw_rect(rgb, w, h, x0, y0, x1, y1, 3, 0, marked);
        int size = (int)fmax(5, fmin(x1 - x0, y1 - y0) / 3);
        for (int y = 0; y < size; y++)
            for (int x = 0; x < size; x++)
                set_px(rgb, w, h, (int)floor(x0) - 2 + x, (int)floor(y0) - 2 + y, marked);
    } else if (state == 'u') {
        draw_rect(rgb, w, h, x0, y0, x1, y1, 2, 4, unsure);
    } else {
        draw_rect(rgb, w, h, x0, y0, x1, y1, 2, 1, blank);
    }
}

/* The whole image, scaled down to at most MAX_OUT_SIDE a side (area mean). */
static uint8_t *whole_image(const omr_image *img, int *ow, int *oh) {
    double scale = fmin(1.0, fmin(1100.0 / img->width, (double)MAX_OUT_SIDE / img->height));
    int w = (int)fmax(1, img->width * scale), h = (int)fmax(1, img->height * scale);
    uint8_t *rgb = malloc((size_t)w * (size_t)h * 3);
    if (!rgb)
        return NULL;
    for (int y = 0; y < h; y++) {
        int sy0 = (int)(y / scale), sy1 = (int)fmax(sy0 + 1, (y + 1) / scale);
        if (sy1 > img->height)
            sy1 = img->height;
        for (int x = 0; x < w; x++) {
            int sx0 = (int)(x / scale), sx1 = (int)fmax(sx0 + 1, (x + 1) / scale);
            if (sx1 > img->width)
                sx1 = img->width;
            unsigned sum = 0, n = 0;
            for (int sy = sy0; sy < sy1; sy++)
                for (int sx = sx0; sx < sx1; sx++) {
                    sum += omr_image_at(img, sx, sy);
                    n++;
                }
            uint8_t v = (uint8_t)(n ? sum / n : 255);
            uint8_t *p = rgb + ((size_t)y * (size_t)w + (size_t)x) * 3;
            p[0] = p[1] = p[2] = v;
        }
    }
    *ow = w;
    *oh = h;
    return rgb;
}

int review_image_render(const review_image_source *src, const char *const *roots, size_t n_roots,
                        unsigned char **png, size_t *png_len, omr_error *err) {
    *png = NULL;
    *png_len = 0;
    const char *named = src->file_path ? src->file_path : src->scan_path;
    char *real = review_path_in_roots(named, src->base_dir, roots, n_roots, err);
    if (!real)
        return OMR_ERR_INVALID;
    decode_source *ds = NULL;
    int rc = decode_open(real, &ds, err);
    free(real);
    if (rc != OMR_OK)
        return rc;
    int index = src->file_path ? 0 : src->file_page - 1;
    if (index < 0 || index >= decode_page_count(ds)) {
        decode_close(ds);
        return omr_fail(err, OMR_ERR_NOT_FOUND, "the scan file has no page %d", index + 1);
    }
    omr_image *img = NULL;
    rc = decode_page(ds, index, &img, err);
    decode_close(ds);
    if (rc != OMR_OK)
        return rc;
    uint8_t *rgb = NULL;
    int w = 0, h = 0;
    if (src->file_path || !src->has_transform) {
        rgb = whole_image(img, &w, &h);
    } else {
        double s = src->px_per_mm > 0 ? src->px_per_mm : 7;
        omr_rect r = src->region_mm;
        if (r.w * s > MAX_OUT_SIDE)
            s = MAX_OUT_SIDE / r.w;
        if (r.h * s > MAX_OUT_SIDE)
            s = MAX_OUT_SIDE / r.h;
        w = (int)ceil(r.w * s);
        h = (int)ceil(r.h * s);
        rgb = malloc((size_t)w * (size_t)h * 3);
        if (rgb) {
            const double *m = src->h;
            for (int v = 0; v < h; v++)
                for (int u = 0; u < w; u++) {
                    double xm = r.x + (u + 0.5) / s, ym = r.y + (v + 0.5) / s;
                    double z = m[6] * xm + m[7] * ym + m[8];
                    if (fabs(z) < 1e-9)
                        z = 1e-9;
                    uint8_t g = sample(img, (m[0] * xm + m[1] * ym + m[2]) / z, (m[3] * xm + m[4] * ym + m[5]) / z);
                    uint8_t *p = rgb + ((size_t)v * (size_t)w + (size_t)u) * 3;
                    p[0] = p[1] = p[2] = g;
                }
            for (size_t i = 0; i < src->n_outlines; i++) {
                omr_rect b = src->outlines[i];
                double pad = 0.7; /* outside the printed outline, so the ink stays visible */
                draw_state(rgb, w, h, (b.x - pad - r.x) * s, (b.y - pad - r.y) * s, (b.x + b.w + pad - r.x) * s,
                           (b.y + b.h + pad - r.y) * s, src->outline_state[i]);
            }
        }
    }
    omr_image_free(img);
    if (!rgb)
        return omr_fail(err, OMR_ERR_MEMORY, "out of memory");
    rc = write_rgb_png(rgb, w, h, png, png_len, err);
    free(rgb);
    return rc;
}
