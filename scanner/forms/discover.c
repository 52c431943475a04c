/*
 * discover.c — finds a blank form's check boxes, bubbles, text fields and
 * corner marks, and writes a first template for a person to edit.
 *
 * Every page is thresholded (Otsu) and its connected components are looked
 * at with their holes (cv_wrap's contour shapes):
 *   - a check box or bubble is a thin closed outline, 2.5 to 20 mm, empty
 *     inside, with clear paper around it (a letter "O" in a word has
 *     neighbours closer than 0.6 mm); square when it fills its bounding box
 *     and is about as wide as high, round when it fills about pi/4 of it
 *     (an oval's inside up to 3.5 times as wide as high: answer sheets'
 *     bubbles are);
 *   - a text field is a thin rectangular frame at least 25 x 8 mm;
 *   - a corner mark is a solid shape (square, disc, L) of 3 to 15 mm, the one
 *     nearest each corner of the page within 25 mm.
 * Each box's printed label is read first (discover_labels.c: the digit
 * inside it, the words beside it). Boxes are grouped into candidate
 * questions: first the columns of an ID grid (boxes stacked evenly whose
 * labels run down the column, no two alike: a question per column); then
 * boxes on one row form a
 * question (a row split where the gap is over twice the row's usual one);
 * single boxes stacked in one column with even spacing form a question too.
 * Rows whose boxes stand in the same columns as the row above or below are
 * a grid: scale questions with their labels printed as column heads.
 * Question texts and column heads are read last, as the draft's proposals.
 * A colour blank whose page 1 loses half its ink or more in one colour
 * channel gets a drop-out proposed as a comment (propose_dropout).
 */
#include "forms/discover.h"

#include <cairo.h>
#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <zbar.h>

#include "reading/barcode.h"
#include "base/cv_wrap.h"
#include "forms/discover_labels.h"
#include "forms/discover_shapes.h"
#include "pages/decode.h"

#define MAX_SHAPES 200000
#define MAX_FIELDS 32

/* ---- one page ------------------------------------------------------------------------- */

typedef struct {
    double x0, y0, x1, y1; /* mm */
} box_mm;

/* Ink right beside a box (within 5 mm, on its row): a label. */
static int label_beside(const omr_image *img, const discover_box *b, double s) {
    int x0 = (int)((b->rect.x + b->rect.w + 0.8) * s), x1 = (int)((b->rect.x + b->rect.w + 5) * s);
    int y0 = (int)((b->rect.y + 0.2 * b->rect.h) * s), y1 = (int)((b->rect.y + 0.8 * b->rect.h) * s);
    for (int y = y0; y < y1 && y < img->height; y++)
        for (int x = x0; x < x1 && x < img->width; x++)
            if (omr_image_at(img, x, y) < 128)
                return 1;
    return 0;
}

/* Ink within 12 mm left of a box on its row that is no other box's. */
static int ink_left_of(const omr_image *img, const discover_page *pg, const discover_box *b, double s) {
    int y0 = (int)((b->rect.y + 0.2 * b->rect.h) * s), y1 = (int)((b->rect.y + 0.8 * b->rect.h) * s);
    int x0 = (int)((b->rect.x - 12) * s), x1 = (int)((b->rect.x - 0.8) * s), n = 0;
    for (int x = x0 < 0 ? 0 : x0; x < x1; x++) {
        int boxed = 0;
        for (size_t j = 0; j < pg->n_boxes && !boxed; j++) {
            const omr_rect *r = &pg->boxes[j].rect;
            boxed = x >= (r->x - 0.6) * s && x <= (r->x + r->w + 0.6) * s && y1 > r->y * s && y0 < (r->y + r->h) * s;
        }
        for (int y = y0; y < y1 && y < img->height && !boxed; y++)
            n += omr_image_at(img, x, y) < 128;
    }
    return n > 0.3 * s * s; /* more than a speck: 0.3 mm^2 */
}

static int cmp_box_y(const void *a, const void *b) {
    const discover_box *p = a, *q = b;
    double d = (p->rect.y + p->rect.h / 2) - (q->rect.y + q->rect.h / 2);
    return d < 0 ? -1 : d > 0;
}

/* After rows are numbered (in `row`): by row, then left to right. */
static int cmp_box_row(const void *a, const void *b) {
    const discover_box *p = a, *q = b;
    if (p->row != q->row)
        return p->row < q->row ? -1 : 1;
    return p->rect.x < q->rect.x ? -1 : p->rect.x > q->rect.x;
}

/* Columns of a grid whose labels run down the column (an ID grid: 0..9 in
 * every column, the same digit along a row), or, with `unlabelled`, ten
 * boxes with no labels and no text left of them: boxes stacked in one column,
 * evenly (a step, or two or three where a box was not found), each with a
 * label and no two alike, three or more. Each becomes a question of its
 * own, values top down; its boxes get question = q and value, the others
 * keep question = -1. Returns the next free question number. */
static int group_label_columns(discover_box *b, size_t n, int q, int unlabelled) {
    for (size_t i = 0; i < n; i++) {
        if (b[i].question >= 0 || !b[i].label[0] != !!unlabelled)
            continue;
        size_t chain[64];
        size_t len = 0;
        chain[len++] = i;
        double step = 0;
        for (size_t k = i + 1; k < n && len < 64; k++) {
            const discover_box *last = &b[chain[len - 1]];
            if (b[k].question >= 0 || !b[k].label[0] != !!unlabelled || fabs(b[k].rect.x - last->rect.x) > 1.0 ||
                fabs(b[k].rect.w - last->rect.w) > 1.0)
                continue;
            double dy = b[k].rect.y - last->rect.y;
            if (dy < 0.5 * last->rect.h)
                continue;
            if (step == 0 && dy > 15)
                break;
            if (step > 0) {
                double times = round(dy / step);
                if (times < 1 || times > 3 || fabs(dy - times * step) > 1.0)
                    break;
                if (times == 1)
                    step = dy;
            } else {
                step = dy;
            }
            chain[len++] = k;
        }
        if (unlabelled) {
            /* no labels: ten boxes, one step apart (under two box heights), with no
             * text left of any of them (a scale's rows have their statements
             * there): an ID grid's digits 0-9 */
            int id_grid = len == 10;
            for (size_t a = 0; a < len && id_grid; a++)
                id_grid = !b[chain[a]].ink_left &&
                          (a == 0 || (b[chain[a]].rect.y - b[chain[a - 1]].rect.y < 2 * b[chain[a]].rect.h &&
                                      fabs(b[chain[a]].rect.y - b[chain[a - 1]].rect.y -
                                           (b[chain[1]].rect.y - b[chain[0]].rect.y)) < 1.0));
            if (!id_grid)
                continue;
            for (size_t a = 0; a < len; a++) {
                b[chain[a]].question = q;
                b[chain[a]].value = (int)a + 1;
            }
            q++;
            continue;
        }
        if (len < 3)
            continue;
        int distinct = 1;
        for (size_t a = 0; a < len && distinct; a++)
            for (size_t c = a + 1; c < len && distinct; c++)
                distinct = strcmp(b[chain[a]].label, b[chain[c]].label) != 0;
        if (!distinct)
            continue;
        for (size_t a = 0; a < len; a++) {
            b[chain[a]].question = q;
            b[chain[a]].value = (int)a + 1;
        }
        q++;
    }
    return q;
}

/* Groups the page's boxes (sorted in reading order) into questions. */
static void group_questions(discover_page *pg) {
    size_t n = pg->n_boxes;
    discover_box *b = pg->boxes;
    qsort(b, n, sizeof *b, cmp_box_y);
    int n_rows = 0;
    for (size_t i = 0; i < n; i++) /* a row: centres within half a box of the previous */
        b[i].row = i > 0 && fabs((b[i].rect.y + b[i].rect.h / 2) - (b[i - 1].rect.y + b[i - 1].rect.h / 2)) <
                                0.5 * b[i].rect.h
                       ? b[i - 1].row
                       : n_rows++;
    qsort(b, n, sizeof *b, cmp_box_row);
    for (size_t i = 0; i < n; i++)
        b[i].question = -1;
    /* ID grids first: columns whose labels run down them */
    int q = group_label_columns(b, n, 0, 0);
    q = group_label_columns(b, n, q, 1);
    /* rows of two or more boxes not in such a column: split where a gap is
     * over twice the row's least */
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && b[j].row == b[i].row)
            j++;
        size_t free_box[256], m = 0;
        for (size_t k = i; k < j && m < 256; k++)
            if (b[k].question < 0)
                free_box[m++] = k;
        if (m >= 2) {
            double least = 1e9;
            for (size_t k = 1; k < m; k++)
                least = fmin(least, b[free_box[k]].rect.x - b[free_box[k - 1]].rect.x);
            int value = 1;
            b[free_box[0]].question = q;
            b[free_box[0]].value = value++;
            for (size_t k = 1; k < m; k++) {
                if (b[free_box[k]].rect.x - b[free_box[k - 1]].rect.x > 2.2 * least) {
                    q++;
                    value = 1;
                }
                b[free_box[k]].question = q;
                b[free_box[k]].value = value++;
            }
            q++;
        }
        i = j;
    }
    /* single boxes stacked in a column, evenly (within 15 mm of each other) */
    for (size_t i = 0; i < n; i++) {
        if (b[i].question >= 0)
            continue;
        b[i].question = q;
        b[i].value = 1;
        size_t last = i;
        int value = 2;
        double step = 0;
        for (size_t k = i + 1; k < n; k++) {
            if (b[k].question >= 0)
                continue;
            double dy = b[k].rect.y - b[last].rect.y, dx = fabs(b[k].rect.x - b[last].rect.x);
            if (dx > 1.0)
                continue;
            if (dy > 15 || (step > 0 && fabs(dy - step) > 1.5))
                break;
            step = dy;
            b[k].question = q;
            b[k].value = value++;
            last = k;
        }
        q++;
    }
    pg->n_questions = q;
    /* number the questions in reading order: by their first box */
    int *order = calloc((size_t)(q ? q : 1), sizeof *order), next = 0;
    for (size_t i = 0; order && i < n; i++)
        if (b[i].value == 1)
            order[b[i].question] = next++;
    for (size_t i = 0; order && i < n; i++)
        b[i].question = order[b[i].question];
    free(order);
    pg->question_column = calloc((size_t)(q ? q : 1), sizeof *pg->question_column);
    for (size_t i = 0; pg->question_column && i < n; i++) /* a column question: its boxes on several rows */
        for (size_t k = 0; k < n && b[i].value == 1; k++)
            if (b[k].question == b[i].question && b[k].value == 2 && b[k].row != b[i].row)
                pg->question_column[b[i].question] = b[i].label[0] ? 1 : 2;
    /* a column is a grid's only beside another column over the same rows,
     * and unlabelled only as ten (the digits 0-9); else it is a list of
     * options one under another ("Yes", "No", "Don't know") */
    for (int a = 0; pg->question_column && a < q; a++) {
        if (!pg->question_column[a])
            continue;
        double top = 1e9, bottom = -1e9, x = 0;
        int count = 0, beside = 0;
        for (size_t i = 0; i < n; i++)
            if (b[i].question == a) {
                top = fmin(top, b[i].rect.y);
                bottom = fmax(bottom, b[i].rect.y + b[i].rect.h);
                x = b[i].rect.x;
                count++;
            }
        for (size_t i = 0; i < n && !beside; i++)
            beside = b[i].question != a && b[i].question >= 0 && pg->question_column[b[i].question] &&
                     fabs(b[i].rect.x - x) > 1.0 && fabs(b[i].rect.x - x) < 40 && b[i].rect.y > top - 1 &&
                     b[i].rect.y < bottom + 1;
        if (pg->question_column[a] == 2 ? count != 10 : !beside)
            pg->question_column[a] = 0;
    }
    /* grids: a row question whose box columns match the row above or below */
    pg->question_scale = calloc((size_t)(q ? q : 1), sizeof *pg->question_scale);
    for (int a = 0; pg->question_scale && a < q; a++) {
        double xs[64];
        int na = 0;
        double ya = 0;
        for (size_t i = 0; i < n && na < 64; i++)
            if (b[i].question == a) {
                xs[na++] = b[i].rect.x;
                ya = b[i].rect.y;
            }
        if (na < 3 || (pg->question_column && pg->question_column[a]))
            continue;
        for (int c = 0; c < q && !pg->question_scale[a]; c++) {
            if (c == a)
                continue;
            int nc = 0, same = 1;
            double yc = 0;
            for (size_t i = 0; i < n; i++)
                if (b[i].question == c) {
                    if (nc >= na || fabs(b[i].rect.x - xs[nc]) > 1.0)
                        same = 0;
                    nc++;
                    yc = b[i].rect.y;
                }
            if (same && nc == na && fabs(yc - ya) < 20)
                pg->question_scale[a] = 1;
        }
    }
}

/* Leaves out boxes `template check` would refuse: closer than 1 mm to a box
 * kept before them (the smaller of two is kept), or on a corner mark. */
static void drop_crowded(discover_page *pg) {
    size_t kept = 0;
    for (size_t i = 0; i < pg->n_boxes; i++) {
        omr_rect r = pg->boxes[i].rect, grown = {r.x - 1, r.y - 1, r.w + 2, r.h + 2};
        int drop = 0;
        for (int k = 0; k < 4 && !drop; k++) {
            double half = pg->mark_size / 2 + 1;
            omr_rect mr = {pg->marks[k].x - half, pg->marks[k].y - half, 2 * half, 2 * half};
            drop = pg->has_mark[k] && omr_rects_meet(r, mr);
        }
        for (size_t j = 0; j < kept && !drop; j++) {
            omr_rect o = pg->boxes[j].rect;
            if (!omr_rects_meet(grown, o))
                continue;
            if (r.w * r.h < o.w * o.h) /* keep the smaller in j's place (a box, not a cell round it) */
                pg->boxes[j].rect = r, pg->boxes[j].round = pg->boxes[i].round, r = o;
            drop = 1;
        }
        if (drop) {
            if (pg->n_dropped < 16)
                pg->dropped[pg->n_dropped++] = r;
            pg->n_dropped_all++;
        } else {
            pg->boxes[kept++] = pg->boxes[i];
        }
    }
    pg->n_boxes = kept;
}

static int discover_page_image(const omr_image *img, double s, ocr_engine *ocr, discover_page *pg,
                               omr_error *err) {
    memset(pg, 0, sizeof *pg);
    int threshold = cvw_otsu_threshold(img, 0, 0, img->width, img->height);
    if (threshold < 100)
        threshold = 100;
    if (threshold > 200)
        threshold = 200;
    cvw_shape *shapes = malloc(MAX_SHAPES * sizeof *shapes);
    if (!shapes)
        return omr_fail(err, OMR_ERR_MEMORY, "out of memory");
    int n = cvw_find_shapes(img, threshold, shapes, MAX_SHAPES);
    if (n < 0) {
        free(shapes);
        return omr_fail(err, OMR_ERR_INVALID, "cannot analyse the blank page");
    }
    if (n > MAX_SHAPES)
        n = MAX_SHAPES;
    double pw = img->width / s, ph = img->height / s;
    omr_rect mark_areas[4] = {{0}};
    discover_find_marks(img, threshold, shapes, n, s, pw, ph, pg, mark_areas);
    pg->fields = calloc(MAX_FIELDS, sizeof *pg->fields);
    if (!pg->fields) {
        free(shapes);
        return omr_fail(err, OMR_ERR_MEMORY, "out of memory");
    }
    /* text fields: thin rectangular frames */
    for (int i = 0; i < n && pg->n_fields < MAX_FIELDS / 2; i++) {
        const cvw_shape *c = &shapes[i];
        double w = c->w / s, h = c->h / s, fill_box = c->area / ((double)c->w * c->h);
        if (w >= 25 && h >= 8 && c->vertices == 4 && fill_box > 0.9 && c->hole_area > 0.85 * c->area)
            pg->fields[pg->n_fields++] = (omr_rect){c->x / s, c->y / s, w, h};
    }
    free(shapes);
    int rc = discover_find_boxes(img, threshold, s, mark_areas, pg, MAX_FIELDS, &pg->n_combs, err);
    if (rc != OMR_OK)
        return rc;
    /* again until nothing is dropped: a smaller box kept in a bigger one's
     * place may stand too close to a box kept before it */
    for (size_t before = pg->n_boxes + 1, k = 0; pg->n_boxes < before && k < 8; k++) {
        before = pg->n_boxes;
        drop_crowded(pg);
    }
    for (size_t i = 0; i < pg->n_boxes; i++)
        pg->boxes[i].label_right = label_beside(img, &pg->boxes[i], s);
    for (size_t i = 0; i < pg->n_boxes; i++)
        pg->boxes[i].ink_left = ink_left_of(img, pg, &pg->boxes[i], s);
    discover_read_box_labels(ocr, img, s, pg);
    group_questions(pg);
    return discover_read_question_texts(ocr, img, s, pg, err);
}

/* ---- the whole blank --------------------------------------------------------------- */

static const char *kind_name(template_identity_kind k) {
    switch (k) {
    case IDENTITY_QR: return "qr";
    case IDENTITY_CODE128: return "code128";
    case IDENTITY_I25: return "i25";
    case IDENTITY_CODE39: return "code39";
    default: return "";
    }
}

/* A code printed on the blank (a sample, or a form number): kind and text. */
static void find_code(const omr_image *img, double s, discover_result *out) {
    zbar_image_scanner_t *scanner = zbar_image_scanner_create();
    if (!scanner)
        return;
    barcode_configure(scanner, (1u << IDENTITY_QR) | (1u << IDENTITY_CODE128) | (1u << IDENTITY_I25) |
                                   (1u << IDENTITY_CODE39));
    barcode_symbol sym;
    omr_image *half = img->dpi > 250 ? cvw_resize(img, 0.5) : NULL;
    if (barcode_scan(scanner, half ? half : img, 0, 0, half ? 0.5 : 1.0, &sym, 1) == 1) {
        snprintf(out->barcode_kind, sizeof out->barcode_kind, "%s", kind_name(sym.kind));
        snprintf(out->barcode_text, sizeof out->barcode_text, "%.127s", sym.text);
        if (sym.has_corners)
            out->barcode_area = (omr_rect){sym.corners[0].x / s, sym.corners[0].y / s,
                                           (sym.corners[1].x - sym.corners[0].x) / s,
                                           (sym.corners[3].y - sym.corners[0].y) / s};
    }
    omr_image_free(half);
    zbar_image_scanner_destroy(scanner);
}

/* Ink pixels of a page (darker than mid-grey), on every other row and column. */
static long ink_count(const omr_image *img) {
    long n = 0;
    for (int y = 0; y < img->height; y += 2)
        for (int x = 0; x < img->width; x += 2)
            n += omr_image_at(img, x, y) < 128;
    return n;
}

/* Page 1 decoded again under each drop-out: the one under which at least
 * half of its ink vanishes, the most (a form printed in red loses its red
 * print in the red channel; a black form loses nothing anywhere). */
#define DISCOVER_DROPOUT_SHARE 0.5
static void propose_dropout(decode_source *src, long ink, discover_result *out) {
    for (int c = DECODE_DROPOUT_RED; c <= DECODE_DROPOUT_BLUE && ink > 0; c++) {
        omr_image *img = NULL;
        omr_error ignored;
        decode_set_dropout(src, (decode_dropout)c);
        if (decode_page(src, 0, &img, &ignored) == OMR_OK) {
            double gone = 1.0 - (double)ink_count(img) / (double)ink;
            if (gone >= DISCOVER_DROPOUT_SHARE && gone > out->dropout_share) {
                out->dropout = (decode_dropout)c;
                out->dropout_share = gone;
            }
        }
        omr_image_free(img);
    }
    decode_set_dropout(src, DECODE_DROPOUT_NONE);
}

int discover_blank(const char *path, discover_result *out, omr_error *err) {
    memset(out, 0, sizeof *out);
    decode_source *src = NULL;
    int rc = decode_open(path, &src, err);
    if (rc != OMR_OK)
        return rc;
    int n = decode_page_count(src);
    if (n > 16)
        n = 16;
    out->pages = calloc((size_t)(n ? n : 1), sizeof *out->pages);
    /* the printed labels, read by Tesseract; without its languages the
     * draft is made all the same, with numbers for labels */
    omr_error ocr_err = {0};
    ocr_engine *ocr = ocr_engine_new("swe+eng", &ocr_err);
    out->labels_read = ocr != NULL;
    long ink = 0; /* page 1's, for propose_dropout */
    for (int i = 0; out->pages && i < n && rc == OMR_OK; i++) {
        omr_image *img = NULL;
        rc = decode_page(src, i, &img, err);
        if (rc != OMR_OK)
            break;
        double s;
        if (img->dpi > 0) {
            s = img->dpi / 25.4;
        } else {
            /* no resolution: A4 or US Letter by its shape */
            double aspect = (double)img->height / img->width;
            s = img->width / (fabs(aspect - 297.0 / 210) < fabs(aspect - 279.4 / 215.9) ? 210.0 : 215.9);
        }
        if (i == 0) {
            out->page_width = round(img->width / s * 10) / 10;
            out->page_height = round(img->height / s * 10) / 10;
            find_code(img, s, out);
            ink = ink_count(img);
        }
        rc = discover_page_image(img, s, ocr, &out->pages[out->n_pages++], err);
        omr_image_free(img);
    }
    ocr_engine_free(ocr);
    if (rc == OMR_OK && out->n_pages > 0)
        propose_dropout(src, ink, out);
    decode_close(src);
    if (!out->pages && rc == OMR_OK)
        rc = omr_fail(err, OMR_ERR_MEMORY, "out of memory");
    if (rc != OMR_OK)
        discover_result_free(out);
    return rc;
}

void discover_result_free(discover_result *r) {
    for (size_t i = 0; r->pages && i < r->n_pages; i++) {
        free(r->pages[i].boxes);
        free(r->pages[i].fields);
        free(r->pages[i].question_scale);
        free(r->pages[i].question_column);
        free(r->pages[i].question_text);
    }
    free(r->pages);
    memset(r, 0, sizeof *r);
}

/* ---- the template ------------------------------------------------------------------ */

void discover_escape(const char *text, char *out, size_t size) {
    size_t n = 0;
    assert(size > 0);
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        char e[8];
        if (*p == '"' || *p == '\\')
            snprintf(e, sizeof e, "\\%c", *p);
        else if (*p == '\n')
            snprintf(e, sizeof e, "\\n");
        else if (*p == '\r')
            snprintf(e, sizeof e, "\\r");
        else if (*p == '\t')
            snprintf(e, sizeof e, "\\t");
        else if (*p < 0x20 || *p == 0x7f)
            snprintf(e, sizeof e, "\\x%02x", *p);
        else
            e[0] = (char)*p, e[1] = 0;
        size_t k = strlen(e);
        if (n + k + 1 > size)
            break;
        memcpy(out + n, e, k);
        n += k;
    }
    out[n] = 0;
}

int discover_append(discover_result *r, discover_result *more, omr_error *err) {
    discover_page *grown = realloc(r->pages, (r->n_pages + more->n_pages) * sizeof *grown);
    if (!grown)
        return omr_fail(err, OMR_ERR_MEMORY, "out of memory");
    r->pages = grown;
    memcpy(r->pages + r->n_pages, more->pages, more->n_pages * sizeof *grown);
    r->n_pages += more->n_pages;
    r->labels_read = r->labels_read && more->labels_read;
    if (!*r->barcode_kind && *more->barcode_kind) {
        memcpy(r->barcode_kind, more->barcode_kind, sizeof r->barcode_kind);
        memcpy(r->barcode_text, more->barcode_text, sizeof r->barcode_text);
    }
    free(more->pages);
    memset(more, 0, sizeof *more);
    return OMR_OK;
}

/* A box's label as its value too: short, no white space, and no other box
 * of its question with the same label. */
static int label_as_value(const discover_page *pg, const discover_box *b) {
    size_t n = strlen(b->label);
    if (n == 0 || n > 24 || b->label_conf < 50)
        return 0;
    for (const char *c = b->label; *c; c++)
        if (*c == ' ' || *c == '\t')
            return 0;
    for (size_t i = 0; i < pg->n_boxes; i++)
        if (&pg->boxes[i] != b && pg->boxes[i].question == b->question && !strcmp(pg->boxes[i].label, b->label))
            return 0;
    return 1;
}

#define SURE_OCR 70 /* OCR confidence under which a label read from the blank is marked UNSURE */

/* One candidate question of page p (0-based); 0 when it has no boxes. */
static int write_question(FILE *f, const discover_page *pg, size_t p, int q, int written) {
    const discover_box *first = NULL;
    int n = 0, labels = 0, round = 0, inside = 0;
    for (size_t i = 0; i < pg->n_boxes; i++)
        if (pg->boxes[i].question == q) {
            if (!first)
                first = &pg->boxes[i];
            n++;
            labels += pg->boxes[i].label_right;
            round += pg->boxes[i].round;
            inside += pg->boxes[i].print_inside;
        }
    if (!first)
        return 0;
    int scale = pg->question_scale && pg->question_scale[q];
    int column = pg->question_column ? pg->question_column[q] : 0;
    int label_values = 1; /* every box's label can be its value, or none's is (values stay unique) */
    for (size_t i = 0; i < pg->n_boxes && label_values; i++)
        if (pg->boxes[i].question == q)
            label_values = label_as_value(pg, &pg->boxes[i]);
    const char *type = scale ? "scale" : n == 1 ? "multi" : "single";
    const discover_text *qt = pg->question_text ? &pg->question_text[q] : NULL;
    char text[4 * sizeof qt->text + 1], id[64];
    snprintf(id, sizeof id, "p%zuq%d", p + 1, q + 1);
    if (qt && qt->text[0])
        discover_escape(qt->text, text, sizeof text);
    else
        snprintf(text, sizeof text, "%s", id);
    fprintf(f, "%s\n", written ? "," : "");
    if (qt && qt->text[0] && qt->conf < SURE_OCR)
        fprintf(f, "      # UNSURE: the text as OCR read it from the blank (confidence %d)\n", qt->conf);
    if (column == 2)
        fprintf(f, "      # UNSURE: ten boxes stacked with no printed labels, taken as a column of an ID grid\n"
                   "      # (the digits 0-9 top down); if they are a scale's rows, make them rows\n");
    else if (column)
        fprintf(f, "      # a column of a grid (an ID grid's digit or letter): one answer per column, values top down\n");
    if (inside)
        fprintf(f, "      # printed inside the boxes: the blank's own print, which reading leaves out (the blank is the print mask)\n");
    fprintf(f, "      { id = \"%s\"; type = \"%s\"; text = \"%s\";   # %d %s\n", id, type, text, n,
            round ? (n == 1 ? "bubble" : "bubbles") : (n == 1 ? "box" : "boxes"));
    fprintf(f, "        y = %.2f; labels = \"%s\";\n        boxes = (", first->rect.y, labels * 2 > n ? "right" : "none");
    int commented = 0; /* the last line ends in a comment: close the list on a line of its own */
    for (size_t i = 0, k = 0; i < pg->n_boxes; i++) {
        const discover_box *b = &pg->boxes[i];
        if (b->question != q)
            continue;
        char value[4 * sizeof b->label + 1], label[4 * sizeof b->label + 1];
        int number = column == 2 ? b->value - 1 : b->value; /* an ID grid's digits start at 0 */
        if (label_values)
            discover_escape(b->label, value, sizeof value);
        else
            snprintf(value, sizeof value, "%d", number);
        if (b->label[0])
            discover_escape(b->label, label, sizeof label);
        else
            snprintf(label, sizeof label, "%d", number);
        fprintf(f, "\n          { value = \"%s\"; label = \"%s\"; x = %.2f; y = %.2f; w = %.2f; h = %.2f; }%s", value,
                label, b->rect.x, b->rect.y, b->rect.w, b->rect.h, ++k < (size_t)n ? "," : "");
        commented = b->label[0] && b->label_conf < SURE_OCR;
        if (commented)
            fprintf(f, "   # UNSURE: label read with confidence %d", b->label_conf);
    }
    fprintf(f, "%s ); }", commented ? "\n       " : "");
    return 1;
}

int discover_write_template(const discover_result *r, const char *id, const char *const *references,
                            size_t n_references, FILE *f, omr_error *err) {
    const char *reference = references[0];
    fprintf(f, "# Made by `omr template new` from %s%s: a first draft to edit.\n", reference,
            n_references > 1 ? " ..." : "");
    fprintf(f, "# Check it with `omr template preview THIS.cfg --out preview.png`, then give the\n");
    fprintf(f, "# questions their ids, types (single | multi | scale), values and labels, merge or\n");
    fprintf(f, "# split questions where the guess is wrong, and name the text fields.\n");
    if (!r->labels_read)
        fprintf(f, "# Tesseract's languages (swe+eng) were not found, so no printed label was read: install\n"
                   "# tesseract-ocr-swe and tesseract-ocr-eng for labels and question texts from the blank.\n");
    fprintf(f, "id = \"%s\";\ntitle = \"%s\";\n", id, id);
    fprintf(f, "page_width = %.1f; page_height = %.1f;\n", r->page_width, r->page_height);
    fprintf(f, "reference = ");
    if (n_references == 1) {
        fprintf(f, "\"%s\";", reference);
    } else {
        fprintf(f, "[");
        for (size_t i = 0; i < n_references; i++)
            fprintf(f, "%s\"%s\"", i ? ", " : "", references[i]);
        fprintf(f, "];");
    }
    fprintf(f, "   # the blank form: how pages are found and matched\n");
    /* corner marks: every page must show the same ones */
    int marks = r->n_pages > 0;
    for (size_t p = 0; p < r->n_pages; p++) {
        int found = 0;
        for (int k = 0; k < 4; k++)
            if (r->pages[p].has_mark[k]) {
                found++;
                if (hypot(r->pages[p].marks[k].x - r->pages[0].marks[k].x,
                          r->pages[p].marks[k].y - r->pages[0].marks[k].y) > 1.0 || !r->pages[0].has_mark[k])
                    found = -100;
            }
        if (found < 3)
            marks = 0;
    }
    if (marks) {
        const discover_page *p0 = &r->pages[0];
        fprintf(f, "registration = \"marks\";        # the form's own corner marks, then the boxes' outlines\n");
        fprintf(f, "marks = { size = %.1f; centres = (", p0->mark_size);
        int first = 1;
        for (int k = 0; k < 4; k++)
            if (p0->has_mark[k]) {
                fprintf(f, "%s[%.2f, %.2f]", first ? "" : ", ", p0->marks[k].x, p0->marks[k].y);
                first = 0;
            }
        fprintf(f, "); };\n");
    } else {
        fprintf(f, "registration = \"reference\";    # matched to the blank page itself\n");
    }
    if (*r->barcode_kind) {
        char text[4 * sizeof r->barcode_text + 1], pattern[4 * sizeof r->barcode_text + 8];
        discover_escape(r->barcode_text, text, sizeof text);
        /* the text as a regular expression matched whole: its own characters */
        size_t n = 0;
        pattern[n++] = '^';
        for (const char *c = r->barcode_text; *c && n + 4 < sizeof pattern; c++) {
            if (strchr(".[]()*+?{}|^$\\", *c))
                pattern[n++] = '\\';
            pattern[n++] = *c;
        }
        pattern[n++] = '$';
        pattern[n] = 0;
        char escaped[sizeof pattern * 4];
        discover_escape(pattern, escaped, sizeof escaped);
        fprintf(f, "# UNSURE: the blank carries a %s code reading \"%s\". A code printed on a blank\n",
                r->barcode_kind, text);
        fprintf(f, "# is the same on every copy, so it names the survey or the page, not the respondent,\n");
        fprintf(f, "# and omr does not guess. Say how a page names its respondent (README \"Forms omr did\n");
        fprintf(f, "# not print\"), one of:\n");
        fprintf(f, "#  - a code that differs per respondent on the printed forms, e.g.\n");
        fprintf(f, "#    identity = { kind = \"%s\"; pattern = \"^KU([0-9]{8})([0-9])$\"; fields = [\"code\", \"page\"]; };\n",
                r->barcode_kind);
        fprintf(f, "#  - the scan's file name (scans filed as 12345678-p1.tif, 12345678-p2.tif, ...):\n");
        fprintf(f, "#    identity = { kind = \"none\"; file_name = \"{code}-p{page}\"; };\n");
        fprintf(f, "#  - no respondent code: pages known by their look, paired by scan order (below).\n");
        fprintf(f, "# This code as a pattern that matches it whole: \"%s\"\n", escaped);
        fprintf(f, "identity = { kind = \"none\"; };\n");
    } else {
        fprintf(f, "# No code found on the blank: pages are known by their look and paired by scan\n");
        fprintf(f, "# order. If the printed forms carry a barcode, name it: identity = { kind = \"code128\";\n");
        fprintf(f, "# pattern = \"^([0-9]{8})-([0-9])$\"; fields = [\"code\", \"page\"]; }; or take the\n");
        fprintf(f, "# respondent from the scan's file name: identity = { kind = \"none\"; file_name = \"{code}-p{page}\"; };\n");
        fprintf(f, "identity = { kind = \"none\"; };\n");
    }
    /* The blank does not say how its respondents take an answer back, and omr's default
     * (fill the wrong box, cross the right one) would silently drop a filled bubble beside a
     * cross: two marks go to review until the user names the form's printed rule. */
    fprintf(f, "# UNSURE: how this form's respondents take an answer back is not read from the blank,\n");
    fprintf(f, "# so two marks in a single-choice question go to review. If the form prints a rule,\n");
    fprintf(f, "# name it (README \"What is decided how\"): \"fill-cancels\" (fill the wrong box, cross\n");
    fprintf(f, "# the right one), \"fill-is-undo\" or \"scribble-cancels\".\n");
    fprintf(f, "corrections = \"none\";\n");
    if (r->dropout != DECODE_DROPOUT_NONE) {
        const char *c = decode_dropout_name(r->dropout);
        fprintf(f, "# UNSURE: %.0f%% of page 1's print vanishes in the %s channel: a form printed in %s\n",
                100 * r->dropout_share, c, c);
        fprintf(f, "# for a scanner's drop-out? To read colour scans without ink of that colour (the\n");
        fprintf(f, "# print, and any pen in it), with the marks and codes in black (README \"Colour drop-out\"):\n");
        fprintf(f, "# dropout = \"%s\";\n", c);
    }
    fprintf(f, "pages = (\n");
    for (size_t p = 0; p < r->n_pages; p++) {
        const discover_page *pg = &r->pages[p];
        fprintf(f, "  { page = %zu;\n    questions = (", p + 1);
        for (int q = 0, written = 0; q < pg->n_questions; q++)
            written += write_question(f, pg, p, q, written);
        fprintf(f, " );\n");
        for (size_t i = 0; i < pg->n_dropped; i++)
            fprintf(f, "    # UNSURE: left out a box at x = %.2f; y = %.2f; w = %.2f; h = %.2f; (closer than 1 mm to\n"
                       "    # another box, or on a corner mark): add it by hand if it is one\n",
                    pg->dropped[i].x, pg->dropped[i].y, pg->dropped[i].w, pg->dropped[i].h);
        if (pg->n_dropped_all > pg->n_dropped)
            fprintf(f, "    # ... and %zu more left out\n", pg->n_dropped_all - pg->n_dropped);
        if (pg->n_fields) {
            fprintf(f, "    text_fields = (");
            size_t first_comb = pg->n_fields - (size_t)pg->n_combs;
            for (size_t i = 0; i < pg->n_fields; i++)
                fprintf(f, "%s%s\n      { id = \"p%zut%zu\"; x = %.2f; y = %.2f; w = %.2f; h = %.2f; }", i ? "," : "",
                        i >= first_comb ? "\n      # a comb of character boxes (a name or number written a letter per box)" : "",
                        p + 1, i + 1, pg->fields[i].x, pg->fields[i].y, pg->fields[i].w, pg->fields[i].h);
            fprintf(f, " );\n");
        }
        fprintf(f, "  }%s\n", p + 1 < r->n_pages ? "," : "");
    }
    fprintf(f, ");\n");
    if (ferror(f))
        return omr_fail(err, OMR_ERR_IO, "cannot write the template");
    return OMR_OK;
}

/* ---- the preview ------------------------------------------------------------------- */

int discover_preview(const omr_template *t, const char *blank_path, int page, const char *png_path,
                     omr_error *err) {
    decode_source *src = NULL;
    int rc = decode_open(blank_path, &src, err);
    if (rc != OMR_OK)
        return rc;
    int index = page - 1;
    if (decode_page_count(src) == 1)
        index = 0; /* one file per page */
    omr_image *img = NULL;
    rc = index < decode_page_count(src) ? decode_page(src, index, &img, err)
                                        : omr_fail(err, OMR_ERR_INVALID, "%s has no page %d", blank_path, page);
    decode_close(src);
    if (rc != OMR_OK)
        return rc;
    /* at most 150 dpi: a picture to look at */
    double s = img->width / t->page_width;
    if (s > 150 / 25.4) {
        omr_image *small = cvw_resize(img, 150 / 25.4 / s);
        omr_image_free(img);
        img = small;
        if (!img)
            return omr_fail(err, OMR_ERR_MEMORY, "out of memory");
        s = img->width / t->page_width;
    }
    cairo_surface_t *surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, img->width, img->height);
    if (cairo_surface_status(surface) != CAIRO_STATUS_SUCCESS) {
        omr_image_free(img);
        cairo_surface_destroy(surface);
        return omr_fail(err, OMR_ERR_MEMORY, "out of memory");
    }
    cairo_surface_flush(surface);
    unsigned char *data = cairo_image_surface_get_data(surface);
    int stride = cairo_image_surface_get_stride(surface);
    for (int y = 0; y < img->height; y++)
        for (int x = 0; x < img->width; x++) {
            /* the blank page paled, so the drawing stands out */
            uint32_t v = 110 + omr_image_at(img, x, y) * 145 / 255;
            ((uint32_t *)(data + (size_t)y * stride))[x] = (v << 16) | (v << 8) | v;
        }
    cairo_surface_mark_dirty(surface);
    omr_image_free(img);
    cairo_t *cr = cairo_create(surface);
    cairo_scale(cr, s, s); /* millimetres */
    cairo_select_font_face(cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_BOLD);
    cairo_set_font_size(cr, 2.2);
    static const double colours[6][3] = {{0.85, 0.1, 0.1}, {0.1, 0.35, 0.9}, {0.0, 0.6, 0.2},
                                         {0.75, 0.2, 0.8}, {0.9, 0.5, 0.0}, {0.0, 0.6, 0.7}};
    int k = 0;
    for (size_t i = 0; i < t->n_questions; i++) {
        const template_question *q = &t->questions[i];
        if (q->page != page)
            continue;
        const double *c = colours[k++ % 6];
        cairo_set_source_rgb(cr, c[0], c[1], c[2]);
        cairo_set_line_width(cr, 0.45);
        /* a draft with problems may lack ids, values or boxes: draw what there is */
        for (size_t b = 0; b < q->n_boxes; b++) {
            omr_rect r = q->boxes[b].rect;
            cairo_rectangle(cr, r.x - 0.5, r.y - 0.5, r.w + 1, r.h + 1);
            cairo_stroke(cr);
            cairo_move_to(cr, r.x + r.w / 2 - 0.7, r.y + r.h + 2.4);
            cairo_show_text(cr, q->boxes[b].value ? q->boxes[b].value : "?");
        }
        if (q->n_boxes == 0)
            continue;
        omr_rect r0 = q->boxes[0].rect;
        cairo_text_extents_t ext;
        cairo_text_extents(cr, q->id ? q->id : "?", &ext);
        cairo_move_to(cr, r0.x - ext.x_advance - 1.2, r0.y + r0.h / 2 + 0.8);
        cairo_show_text(cr, q->id ? q->id : "?");
    }
    cairo_set_source_rgb(cr, 0.95, 0.45, 0.0);
    cairo_set_line_width(cr, 0.6);
    for (size_t i = 0; i < t->n_text_fields; i++) {
        const template_text_field *tf = &t->text_fields[i];
        if (tf->page != page)
            continue;
        cairo_rectangle(cr, tf->rect.x, tf->rect.y, tf->rect.w, tf->rect.h);
        cairo_stroke(cr);
        cairo_move_to(cr, tf->rect.x + 2, tf->rect.y + 4);
        cairo_show_text(cr, tf->id ? tf->id : "?");
    }
    cairo_set_source_rgb(cr, 0.0, 0.7, 0.0);
    for (size_t i = 0; i < t->n_marks; i++) {
        omr_point m = t->marks[i];
        double r = t->mark_size / 2 + 1.5;
        cairo_new_path(cr);
        cairo_arc(cr, m.x, m.y, r, 0, 2 * M_PI);
        cairo_move_to(cr, m.x - r - 2, m.y);
        cairo_line_to(cr, m.x + r + 2, m.y);
        cairo_move_to(cr, m.x, m.y - r - 2);
        cairo_line_to(cr, m.x, m.y + r + 2);
        cairo_stroke(cr);
        char name[32];
        snprintf(name, sizeof name, "mark %zu", i + 1);
        cairo_move_to(cr, m.x + 1, m.y + r + 4.5);
        cairo_show_text(cr, name);
    }
    if (t->identity.has_area) {
        cairo_set_source_rgb(cr, 0.6, 0.0, 0.6);
        omr_rect a = t->identity.area;
        cairo_rectangle(cr, a.x, a.y, a.w, a.h);
        cairo_stroke(cr);
        cairo_move_to(cr, a.x, a.y - 1);
        cairo_show_text(cr, "identity");
    }
    cairo_destroy(cr);
    cairo_status_t st = cairo_surface_write_to_png(surface, png_path);
    cairo_surface_destroy(surface);
    if (st != CAIRO_STATUS_SUCCESS)
        return omr_fail(err, OMR_ERR_IO, "cannot write %s: %s", png_path, cairo_status_to_string(st));
    return OMR_OK;
}
