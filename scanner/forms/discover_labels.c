/*
 * discover_labels.c — a blank's printed labels read by Tesseract, for the
 * draft `omr template new` writes (discover_labels.h).
 *
 * Every read goes through reading/ocr.h (one engine, set up there): the
 * rectangle is cut out of the blank page, scaled to about 400 dpi (Tesseract
 * reads print of 20-40 px best), put on a white margin, and read as one
 * block. A box's cut is cleared of its own outline first (the ink touching
 * the paper outside it), so only the digit or letter printed in it is read.
 * Where the label is looked for:
 *   - a box with print inside: that print;
 *   - a box with something printed right beside it: the text from its right
 *     edge to the next box on its row (at most 40 mm), its own height;
 *   - else, a box alone on its row with print left of it: the words at
 *     the far end of the leader line (dotted, dashed or solid) or the white
 *     space between them and the box, "Yes ........ [ ]";
 *   - else, a box with no box right under it: a letter or word printed
 *     under it (exam sheets' ovals: A B C D);
 *   - a question: the text left of its first box on that row (back to the
 *     previous box or 100 mm), else the line above its first box (for
 *     boxes labelled at their left, the line above the first label); a column
 *     of a grid: the text left of or above the grid, and which column;
 *   - a scale grid's boxes: the column heads over the grid's top row, read
 *     as one line (a lone bold letter is what Tesseract passes over most;
 *     "A B C D E" it reads) when that gives one word per column (or one
 *     letter per column, some run together: "ABC D E"), else the head over
 *     each column's top box.
 * Every cut's paper is made white first (a grey paper against the white
 * margin would frame the print).
 */
#include "forms/discover_labels.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/cv_wrap.h"

#define OCR_PX_PER_MM 16.0 /* ~400 dpi */
#define OCR_MARGIN_MM 2.0

/* Clears (to white) the box's outline and whatever lies outside it: the
 * paper reached from the image's edge is flooded first, then every dark
 * pixel touching that paper, and the dark pixels connected to those. What
 * the outline encloses (the digit printed in the box) stays. */
static void clear_outside(omr_image *im, int level) {
    int w = im->width, h = im->height;
    int *stack = malloc((size_t)w * h * sizeof *stack);
    uint8_t *outside = calloc((size_t)w * h, 1);
    if (!stack || !outside) {
        free(stack);
        free(outside);
        return;
    }
    size_t n = 0;
#define PX(x, y) im->pixels[(size_t)(y) * im->stride + (size_t)(x)]
    /* 1: the paper reached from the edge (4-connected) */
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            if ((x == 0 || y == 0 || x == w - 1 || y == h - 1) && PX(x, y) >= level) {
                outside[(size_t)y * w + x] = 1;
                stack[n++] = y * w + x;
            }
    while (n > 0) {
        int p = stack[--n], x = p % w, y = p / w;
        const int d[4][2] = {{1, 0}, {-1, 0}, {0, 1}, {0, -1}};
        for (int k = 0; k < 4; k++) {
            int u = x + d[k][0], v = y + d[k][1];
            if (u >= 0 && v >= 0 && u < w && v < h && !outside[(size_t)v * w + u] && PX(u, v) >= level) {
                outside[(size_t)v * w + u] = 1;
                stack[n++] = v * w + u;
            }
        }
    }
    /* 2: ink on the edge or touching that paper, and all ink joined to it */
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            if (PX(x, y) >= level)
                continue;
            int touch = x == 0 || y == 0 || x == w - 1 || y == h - 1;
            for (int dy = -1; dy <= 1 && !touch; dy++)
                for (int dx = -1; dx <= 1 && !touch; dx++)
                    touch = outside[(size_t)(y + dy) * w + (x + dx)];
            if (touch)
                stack[n++] = y * w + x;
        }
    for (size_t i = 0; i < n; i++)
        outside[(size_t)stack[i]] = 2;
    while (n > 0) {
        int p = stack[--n], x = p % w, y = p / w;
        PX(x, y) = 255;
        for (int dy = -1; dy <= 1; dy++)
            for (int dx = -1; dx <= 1; dx++) {
                int u = x + dx, v = y + dy;
                if (u >= 0 && v >= 0 && u < w && v < h && outside[(size_t)v * w + u] != 2 && PX(u, v) < level) {
                    outside[(size_t)v * w + u] = 2;
                    stack[n++] = v * w + u;
                }
            }
    }
#undef PX
    free(outside);
    free(stack);
}

/* Ink along the straight line from `a` (a row, or with `upright` a column)
 * at slope k (rows per column, or columns per row), n steps long, in a band
 * 2 px wide: how many steps have it, and *longest the longest stretch of
 * them with gaps of at most 1 px; with `clear`, the band (and a pixel
 * either side) made white instead. */
static int along(omr_image *im, int level, int upright, double a, double k, int n, int *longest, int clear) {
    int hits = 0, start = -1, last = -1;
    *longest = 0;
    for (int t = 0; t < n; t++) {
        int c = (int)floor(a + k * t), any = 0;
        for (int d = clear ? -1 : 0; d <= (clear ? 2 : 1); d++) {
            int x = upright ? c + d : t, y = upright ? t : c + d;
            if (x < 0 || y < 0 || x >= im->width || y >= im->height)
                continue;
            uint8_t *px = im->pixels + (size_t)y * im->stride + (size_t)x;
            any |= *px < level;
            if (clear)
                *px = 255;
        }
        if (!any)
            continue;
        hits++;
        if (start < 0 || t - last > 2)
            start = t;
        last = t;
        *longest = last - start + 1 > *longest ? last - start + 1 : *longest;
    }
    return hits;
}

/* Clears the rules crossing a cut beside or above a box: straight lines up
 * to 3 degrees askew (a skewed scan's rules are in no one row or column)
 * with ink over 85% of the cut's height, or over 55% of it and 4 mm (a
 * table's or grid's vertical rule, which OCR reads as "1" or "I", also where
 * it starts at the table's top inside the cut), or over 60% of its width
 * and 5 mm with 3 mm of it in one stroke (a horizontal rule, or a table
 * frame's edge). Printed letters
 * are shorter, and words are broken by spaces.
 * `s`: the cut's px per mm. */
static void clear_rules(omr_image *im, int level, double s) {
    for (int upright = 0; upright <= 1; upright++) {
        int along_n = upright ? im->height : im->width, across = upright ? im->width : im->height;
        double need = upright ? fmin(0.85 * along_n, fmax(0.55 * along_n, 4 * s)) : fmax(0.6 * along_n, 5 * s);
        if (along_n < need || along_n < 3)
            continue;
        double kmax = 0.0524, step = 1.0 / along_n; /* tan 3 degrees; one pixel over the length */
        for (int c = -(int)(kmax * along_n) - 1; c < across; c++) {
            double best_k = 0;
            int best = 0, run = 0, longest;
            for (double k = -kmax; k <= kmax + 1e-9; k += step) {
                int got = along(im, level, upright, c + 0.5, k, along_n, &longest, 0);
                if (got > best)
                    best = got, best_k = k, run = longest;
            }
            /* across, also one stroke of 3 mm: a line of print touches a line
             * along its letters' tops or baseline only letter by letter */
            if (best >= need && (upright || run >= 3 * s))
                along(im, level, upright, c + 0.5, best_k, along_n, &longest, 1);
        }
    }
}

/* The paper made white: a scan's grey paper, its noise and the faint edge
 * of a rule cleared from the cut would stand out against the white margin
 * round it as a frame and streaks, which Tesseract takes for print (and
 * then drops a lone letter beside them as speckle). */
static void whiten(omr_image *im, int level) {
    for (int y = 0; y < im->height; y++)
        for (int x = 0; x < im->width; x++)
            if (im->pixels[(size_t)y * im->stride + x] >= level)
                im->pixels[(size_t)y * im->stride + x] = 255;
}

/* The cut scaled to px_per_mm, on a white margin, read as one block. */
static void read_at(ocr_engine *engine, const omr_image *cut, double s, double px_per_mm, char **text,
                    double *confidence) {
    *text = NULL;
    *confidence = 0;
    omr_image *big = cvw_resize(cut, px_per_mm / s);
    if (!big)
        return;
    int m = (int)(OCR_MARGIN_MM * px_per_mm);
    omr_image *page = omr_image_new(big->width + 2 * m, big->height + 2 * m, px_per_mm * 25.4, 255);
    if (page) {
        for (int y = 0; y < big->height; y++)
            memcpy(page->pixels + (size_t)(y + m) * page->stride + m, big->pixels + (size_t)y * big->stride,
                   (size_t)big->width);
        omr_error err = {0};
        char *got = NULL;
        double conf = 0;
        if (ocr_read(engine, page, &got, &conf, &err) == OMR_OK && got && *got) {
            *text = got;
            *confidence = conf < 0 ? 0 : conf;
        } else {
            free(got);
        }
    }
    omr_image_free(page);
    omr_image_free(big);
}

void discover_ocr_rect(ocr_engine *engine, const omr_image *img, double s, omr_rect r, int inside_box,
                       char **text, double *confidence) {
    *text = NULL;
    *confidence = 0;
    int x0 = (int)floor(r.x * s), y0 = (int)floor(r.y * s);
    int x1 = (int)ceil((r.x + r.w) * s), y1 = (int)ceil((r.y + r.h) * s);
    if (x0 < 0)
        x0 = 0;
    if (y0 < 0)
        y0 = 0;
    if (x1 > img->width)
        x1 = img->width;
    if (y1 > img->height)
        y1 = img->height;
    if (!engine || x1 - x0 < 3 || y1 - y0 < 3)
        return;
    omr_image *cut = omr_image_crop(img, x0, y0, x1 - x0, y1 - y0);
    if (!cut)
        return;
    if (inside_box)
        clear_outside(cut, 160);
    else
        clear_rules(cut, 160, s);
    int ink = 0; /* nothing printed: nothing to read (and no time spent) */
    for (int y = 0; y < cut->height && ink < 3; y++)
        for (int x = 0; x < cut->width && ink < 3; x++)
            ink += omr_image_at(cut, x, y) < 128;
    if (ink < 3) {
        omr_image_free(cut);
        return;
    }
    whiten(cut, 160);
    read_at(engine, cut, s, OCR_PX_PER_MM, text, confidence);
    omr_image_free(cut);
}

/* 1 when `c` (a byte of UTF-8) ends a label at either side: white space,
 * the rules and leader lines OCR reads as | ! _ or dashes, brackets of a
 * box's outline, stray punctuation. */
static int edge_junk(const char *p, int inside) {
    unsigned char c = (unsigned char)*p;
    if (!strncmp(p, "\xe2\x80\x94", 3) || !strncmp(p, "\xe2\x80\x93", 3)) /* em and en dash: 3 bytes */
        return 3;
    if (inside) /* a sign printed in a box is its label: only the outline's brackets go */
        return c == ' ' || strchr("|[]{}", c) ? 1 : 0;
    return c && strchr(" |!_-.,;:[](){}'\"`~=", c) ? 1 : 0;
}

/* The label as a draft should propose it: junk trimmed at both ends; a
 * label read beside or above a box needs a letter or a digit (a leader
 * line read as dashes is none). */
static void tidy(char *text, int inside) {
    if (!text)
        return;
    size_t n = strlen(text), k;
    while (n > 0) { /* the end: step back over single bytes or a 3-byte dash */
        if (n >= 3 && edge_junk(text + n - 3, inside) == 3)
            n -= 3;
        else if (edge_junk(text + n - 1, inside) == 1)
            n--;
        else
            break;
        text[n] = 0;
    }
    char *p = text;
    while (*p && (k = (size_t)edge_junk(p, inside)) > 0)
        p += k;
    memmove(text, p, strlen(p) + 1);
    /* one letter whose capital and small shapes are alike (C c, O o, S s,
     * V v, W w, X x, Z z) comes back from Tesseract as both: "Cc" */
    if (strlen(text) == 2 && text[0] >= 'A' && text[0] <= 'Z' && text[1] == (text[0] | 0x20) &&
        strchr("COSVWXZ", text[0]))
        text[1] = 0;
    int alnum = inside && *text;
    for (const unsigned char *c = (const unsigned char *)text; *c && !alnum; c++)
        alnum = (*c >= '0' && *c <= '9') || ((*c | 0x20) >= 'a' && (*c | 0x20) <= 'z') || *c >= 0xC3;
    if (!alnum)
        text[0] = 0;
}

static void keep(char *dst, size_t size, char *text) {
    snprintf(dst, size, "%s", text ? text : "");
    /* cut at a whole UTF-8 character */
    size_t n = strlen(dst);
    while (n > 0 && ((unsigned char)dst[n - 1] & 0xC0) == 0x80 && n == size - 1)
        dst[--n] = 0;
    if (n > 0 && (unsigned char)dst[n - 1] >= 0xC0 && n == size - 1)
        dst[--n] = 0;
    free(text);
}

static int same_row(const discover_box *a, const discover_box *b) {
    return fabs((a->rect.y + a->rect.h / 2) - (b->rect.y + b->rect.h / 2)) < 0.5 * a->rect.h;
}

/* Where the text starting at x0 (mm) ends: before the first gap of 2.5 mm
 * without ink between heights y0 and y1 (a label, not the next column's). */
static double text_end(const omr_image *img, double s, double x0, double x1, double y0, double y1) {
    int gap = 0, last = (int)(x0 * s), limit = (int)(2.5 * s);
    for (int x = (int)(x0 * s); x < (int)(x1 * s) && x < img->width; x++) {
        int ink = 0;
        for (int y = (int)(y0 * s); y < (int)(y1 * s) && y < img->height && !ink; y++)
            ink = y >= 0 && omr_image_at(img, x, y) < 128;
        if (ink) {
            last = x;
            gap = 0;
        } else if (++gap > limit) {
            break;
        }
    }
    return fmin(x1, (last + 1) / s + 0.4);
}

/* 1 when no other box stands right under b (within 6 mm). */
static int below_free(const discover_page *pg, const discover_box *b) {
    for (size_t j = 0; j < pg->n_boxes; j++) {
        const discover_box *o = &pg->boxes[j];
        double dy = o->rect.y - (b->rect.y + b->rect.h);
        if (o != b && dy > -0.5 && dy < 6 && o->rect.x < b->rect.x + b->rect.w && b->rect.x < o->rect.x + o->rect.w)
            return 0;
    }
    return 1;
}

/* 1 when no other box stands on b's row. */
static int alone_on_row(const discover_page *pg, const discover_box *b) {
    for (size_t j = 0; j < pg->n_boxes; j++)
        if (&pg->boxes[j] != b && same_row(b, &pg->boxes[j]))
            return 0;
    return 1;
}

/* The label left of a box, past a leader line: walking left from the box,
 * columns whose ink (within 3 mm of the box's middle, up or down) spans
 * under 0.8 mm in height are a leader's dots, dashes or rule, or paper;
 * the first column spanning more is the label's last letter. The label
 * runs left from there to a gap without ink of 2.5 mm, or of 1.5 times its
 * tallest letter (a typewriter face spaces its words wider). 0 when no
 * label is found within 120 mm; else *x0, *x1 its extent (mm). */
static int label_left_of(const omr_image *img, double s, const discover_box *b, double *x0, double *x1) {
    double cy = b->rect.y + b->rect.h / 2;
    int ya = (int)((cy - 3) * s), yb = (int)((cy + 3) * s), tall = (int)(0.8 * s);
    if (ya < 0)
        ya = 0;
    if (yb > img->height)
        yb = img->height;
    int end = -1, start = -1, gap = 0, limit = (int)(2.5 * s), tallest = 0;
    for (int x = (int)((b->rect.x - 0.6) * s); x >= 0 && x > (int)((b->rect.x - 120) * s); x--) {
        int top = -1, bottom = -1;
        for (int y = ya; y < yb; y++)
            if (omr_image_at(img, x, y) < 128) {
                if (top < 0)
                    top = y;
                bottom = y;
            }
        if (end < 0) {
            if (top >= 0 && bottom - top >= tall)
                end = start = x;
            continue;
        }
        if (top >= 0) {
            start = x;
            gap = 0;
            tallest = bottom - top > tallest ? bottom - top : tallest;
        } else if (++gap > (limit > 1.5 * tallest ? limit : 1.5 * tallest)) {
            break;
        }
    }
    if (end < 0)
        return 0;
    *x0 = start / s - 0.4;
    *x1 = (end + 1) / s + 0.4;
    return 1;
}

/* The rows of the line of print between x0 and x1 (mm) nearest height cy:
 * runs of rows with ink (gaps under 0.3 mm bridged) within 4.5 mm above
 * and 3.5 mm below cy, the run nearest cy taken (a label printed on its
 * box's baseline stands higher than the box's middle). 0 when none. */
static int ink_band(const omr_image *img, double s, double x0, double x1, double cy, double *y0, double *y1) {
    int xa = (int)fmax(0, x0 * s), xb = (int)fmin(img->width, x1 * s);
    int ya = (int)fmax(0, (cy - 4.5) * s), yb = (int)fmin(img->height, (cy + 3.5) * s);
    int bridge = (int)(0.3 * s) + 1, run0 = -1, last = -1, found = 0;
    double best = 1e9;
    for (int y = ya; y <= yb; y++) {
        int ink = 0;
        for (int x = xa; y < yb && x < xb && !ink; x++)
            ink = omr_image_at(img, x, y) < 128;
        if (ink) {
            if (run0 < 0 || y - last > bridge)
                run0 = y;
            last = y;
            continue;
        }
        if (run0 >= 0 && (y - last > bridge || y == yb)) { /* a run ended: run0..last */
            double a = run0 / s, z = (last + 1) / s, d = cy < a ? a - cy : cy > z ? cy - z : 0;
            if (d < best)
                best = d, *y0 = a, *y1 = z, found = 1;
            run0 = -1;
        }
    }
    return found;
}

void discover_read_box_labels(ocr_engine *engine, const omr_image *img, double s, discover_page *pg) {
    for (size_t i = 0; engine && i < pg->n_boxes; i++) {
        discover_box *b = &pg->boxes[i];
        char *text = NULL;
        double conf = 0, left_end = 0;
        b->label_left = 0;
        if (b->print_inside) { /* the box and a little paper round it: its outline is cleared */
            discover_ocr_rect(engine, img, s, (omr_rect){b->rect.x - 0.4, b->rect.y - 0.4, b->rect.w + 0.8, b->rect.h + 0.8},
                              1, &text, &conf);
        } else if (b->label_right) {
            double x0 = b->rect.x + b->rect.w + 0.4, x1 = x0 + 40;
            for (size_t j = 0; j < pg->n_boxes; j++)
                if (j != i && same_row(b, &pg->boxes[j]) && pg->boxes[j].rect.x > b->rect.x &&
                    pg->boxes[j].rect.x - 0.8 < x1)
                    x1 = pg->boxes[j].rect.x - 0.8;
            x1 = text_end(img, s, x0, x1, b->rect.y, b->rect.y + b->rect.h);
            if (x1 - x0 > 1)
                discover_ocr_rect(engine, img, s, (omr_rect){x0, b->rect.y - 0.3, x1 - x0, b->rect.h + 0.6}, 0,
                                  &text, &conf);
        } else if (b->ink_left && alone_on_row(pg, b) && label_left_of(img, s, b, &b->label_left, &left_end)) {
            double cy = b->rect.y + b->rect.h / 2, half = fmax(b->rect.h / 2 + 0.3, 2.4), y0 = cy - half, y1 = cy + half;
            if (ink_band(img, s, b->label_left, left_end, cy, &y0, &y1)) /* the label's own line */
                y0 -= 0.5, y1 += 0.5;
            discover_ocr_rect(engine, img, s, (omr_rect){b->label_left, y0, left_end - b->label_left, y1 - y0}, 0,
                              &text, &conf);
        } else if (!below_free(pg, b)) {
            /* a box in a grid: its label, if any, is a column head (read after grouping) */
        } else { /* a letter or word printed under it (exam sheets' ovals) */
            discover_ocr_rect(engine, img, s,
                              (omr_rect){b->rect.x - 1.5, b->rect.y + b->rect.h + 0.2, b->rect.w + 3, 3.8}, 0,
                              &text, &conf);
        }
        tidy(text, b->print_inside);
        if (text && !*text) {
            free(text);
            text = NULL;
        }
        keep(b->label, sizeof b->label, text);
        b->label_conf = text ? (int)lround(conf) : 0;
    }
}

/* The first line of print above `bottom` (mm) between x0 and x1, within
 * 15 mm: rows with ink, at least 1.2 mm of them together (a leader's dots
 * are thinner), ended by 0.6 mm without ink. 0 when there is none. */
static int line_above(const omr_image *img, double s, double x0, double x1, double bottom, double *y0, double *y1) {
    int xa = (int)(x0 * s), xb = (int)(x1 * s), end = -1, gap = 0;
    if (xa < 0)
        xa = 0;
    if (xb > img->width)
        xb = img->width;
    for (int y = (int)(bottom * s) - 1; y >= 0 && y > (int)((bottom - 15) * s); y--) {
        int ink = 0;
        for (int x = xa; x < xb && !ink; x++)
            ink = omr_image_at(img, x, y) < 128;
        if (ink) {
            if (end < 0)
                end = y;
            *y0 = y / s;
            gap = 0;
        } else if (end >= 0 && ++gap > (int)(0.6 * s)) {
            if ((end + 1) / s - *y0 >= 1.2) {
                *y1 = (end + 1) / s;
                return 1;
            }
            end = -1; /* too thin for a line of print: go on up */
            gap = 0;
        }
    }
    return 0;
}

/* The question's first box (reading order) and the right edge of its last. */
static const discover_box *first_box(const discover_page *pg, int q, double *right) {
    const discover_box *first = NULL;
    *right = 0;
    for (size_t i = 0; i < pg->n_boxes; i++)
        if (pg->boxes[i].question == q) {
            if (!first)
                first = &pg->boxes[i];
            *right = fmax(*right, pg->boxes[i].rect.x + pg->boxes[i].rect.w);
        }
    return first;
}

/* The heads over a scale grid's top row q read as one line: when it holds
 * one word per box, each box's label is the word over it. */
static void heads_in_one_line(ocr_engine *engine, const omr_image *img, double s, discover_page *pg, int q) {
    if (!pg->question_scale[q])
        return;
    discover_box *row[64];
    int n = 0;
    for (size_t i = 0; i < pg->n_boxes; i++) {
        discover_box *b = &pg->boxes[i];
        if (b->question != q)
            continue;
        for (size_t j = 0; j < pg->n_boxes; j++) { /* a box of the grid right over it: not the top row */
            const discover_box *o = &pg->boxes[j];
            if (o->question >= 0 && o->question != q && pg->question_scale[o->question] &&
                fabs(o->rect.x - b->rect.x) < 1 && o->rect.y < b->rect.y && b->rect.y - o->rect.y < 20)
                return;
        }
        if (b->label[0] || n == 64)
            return;
        row[n++] = b;
    }
    if (n < 2)
        return;
    double half = 15;
    for (int k = 1; k < n; k++)
        half = fmin(half, (row[k]->rect.x - row[k - 1]->rect.x) / 2);
    double x0 = row[0]->rect.x + row[0]->rect.w / 2 - half, x1 = row[n - 1]->rect.x + row[n - 1]->rect.w / 2 + half;
    double top = row[0]->rect.y;
    char *text = NULL;
    double conf = 0;
    discover_ocr_rect(engine, img, s, (omr_rect){x0, top - 9.5, x1 - x0, 7.5}, 0, &text, &conf);
    int words = 0, chars = 0;
    for (char *p = text; p && *p; p++) {
        words += *p != ' ' && (p == text || p[-1] == ' ');
        chars += *p != ' ' && ((unsigned char)*p & 0xC0) != 0x80;
    }
    if (words != n && chars == n) { /* heads of one letter each, some read run together ("ABC D E") */
        char *spaced = malloc(4 * strlen(text) + 1), *o = spaced;
        for (const char *p = text; spaced && *p; p++) {
            if (*p == ' ')
                continue;
            if (o > spaced && ((unsigned char)*p & 0xC0) != 0x80)
                *o++ = ' ';
            *o++ = *p;
        }
        if (spaced) {
            *o = 0;
            free(text);
            text = spaced;
            words = n;
        }
    }
    if (words == n) {
        char *save = NULL, *w = strtok_r(text, " ", &save);
        for (int k = 0; k < n && w; k++, w = strtok_r(NULL, " ", &save)) {
            char *one = strdup(w);
            tidy(one, 0);
            if (one && *one) {
                snprintf(row[k]->label, sizeof row[k]->label, "%s", one);
                row[k]->label_conf = (int)lround(conf);
            }
            free(one);
        }
    }
    free(text);
}

int discover_read_question_texts(ocr_engine *engine, const omr_image *img, double s, discover_page *pg,
                                 omr_error *err) {
    pg->question_text = calloc((size_t)(pg->n_questions > 0 ? pg->n_questions : 1), sizeof *pg->question_text);
    if (!pg->question_text)
        return omr_fail(err, OMR_ERR_MEMORY, "out of memory");
    if (!engine)
        return OMR_OK;
    for (int q = 0; q < pg->n_questions; q++) {
        double right;
        const discover_box *b = first_box(pg, q, &right);
        if (!b)
            continue;
        /* left of it on its row, back to the previous box (of another
         * question); for a column of a grid, left of the grid's top row */
        int column = pg->question_column && pg->question_column[q], ordinal = 1;
        const discover_box *own = b;
        if (column)
            for (size_t j = 0; j < pg->n_boxes; j++) {
                const discover_box *o = &pg->boxes[j];
                if (o != own && same_row(own, o) && o->rect.x < own->rect.x && o->question >= 0 &&
                    pg->question_column[o->question]) {
                    ordinal += o->value == 1;
                    if (o->rect.x < b->rect.x)
                        b = o;
                }
            }
        double x1 = b->rect.x - 0.8, x0 = fmax(1, x1 - 100);
        for (size_t j = 0; j < pg->n_boxes; j++) {
            const discover_box *o = &pg->boxes[j];
            if (o != b && same_row(b, o) && o->rect.x + o->rect.w < b->rect.x)
                x0 = fmax(x0, o->rect.x + o->rect.w + (o->label_right ? 12 : 0.8));
        }
        char *text = NULL;
        double conf = 0;
        if (x1 - x0 > 3 && own->label_left <= 0) /* (left of a box labelled at its left: its label) */
            discover_ocr_rect(engine, img, s, (omr_rect){x0, b->rect.y - 0.8, x1 - x0, b->rect.h + 1.6}, 0, &text,
                              &conf);
        if (text && conf < 40) { /* the edge of a line above or below, most likely */
            free(text);
            text = NULL;
        }
        double ly0, ly1, ax = fmax(1, own->label_left - 12), ax1 = fmax(right, own->rect.x + own->rect.w) + 30;
        double label_top = own->rect.y + own->rect.h / 2 - fmax(own->rect.h / 2 + 0.3, 2.4), lb0, lb1;
        if (own->label_left > 0 && ink_band(img, s, own->label_left, own->rect.x - 0.6, own->rect.y + own->rect.h / 2,
                                            &lb0, &lb1))
            label_top = fmin(label_top, lb0 - 0.2); /* (a label standing higher than its box: over all of it) */
        if (!text && own->label_left > 0 && line_above(img, s, ax, ax1, label_top, &ly0, &ly1)) {
            /* the printed line above its label, from a little left of it */
            discover_ocr_rect(engine, img, s, (omr_rect){ax, ly0 - 0.4, ax1 - ax, ly1 - ly0 + 0.8}, 0, &text, &conf);
        } else if (!text) { /* the line above it */
            discover_ocr_rect(engine, img, s, (omr_rect){fmax(1, b->rect.x - 30), b->rect.y - 9.5,
                                                        fmax(right, own->rect.x + own->rect.w) - b->rect.x + 60, 9},
                              0, &text, &conf);
        }
        tidy(text, 0);
        if (text && (conf < 40 || !*text)) { /* speckle or the edge of a line: the id says as much */
            free(text);
            text = NULL;
        }
        if (text && column) { /* the grid's text, and which column this is */
            char *named = malloc(strlen(text) + 32);
            if (named)
                sprintf(named, "%s (column %d)", text, ordinal);
            free(text);
            text = named;
        }
        keep(pg->question_text[q].text, sizeof pg->question_text[q].text, text);
        pg->question_text[q].conf = text ? (int)lround(conf) : 0;
    }
    /* column heads of a scale grid: first the whole row of heads over the
     * grid's top row at once (Tesseract reads a lone letter poorly, a line
     * "A B C D E" well, and one read costs less than five); when it reads
     * one word per column, each is its column's head */
    for (int q = 0; pg->question_scale && q < pg->n_questions; q++)
        heads_in_one_line(engine, img, s, pg, q);
    /* the others over the grid's top box of each column */
    for (size_t i = 0; pg->question_scale && i < pg->n_boxes; i++) {
        discover_box *b = &pg->boxes[i];
        if (b->label[0] || b->question < 0 || !pg->question_scale[b->question])
            continue;
        const discover_box *top = b;
        for (int moved = 1; moved;) { /* up the column, box by box (at most 20 mm apart) */
            moved = 0;
            for (size_t j = 0; j < pg->n_boxes; j++) {
                const discover_box *o = &pg->boxes[j];
                if (fabs(o->rect.x - top->rect.x) < 1 && o->rect.y < top->rect.y - 0.5 &&
                    top->rect.y - o->rect.y < 20 && pg->question_scale[o->question]) {
                    top = o;
                    moved = 1;
                }
            }
        }
        if (top != b) { /* the top box comes first in reading order: its head is read already */
            snprintf(b->label, sizeof b->label, "%s", top->label);
            b->label_conf = top->label_conf;
            continue;
        }
        /* half the way to the column's neighbours on either side */
        double half = 15;
        for (size_t j = 0; j < pg->n_boxes; j++) {
            const discover_box *o = &pg->boxes[j];
            if (o->question == top->question && o != top)
                half = fmin(half, fabs(o->rect.x - top->rect.x) / 2);
        }
        char *text = NULL;
        double conf = 0;
        double cx = top->rect.x + top->rect.w / 2;
        /* (not the last 2 mm over the box: a grid's rules often start there) */
        discover_ocr_rect(engine, img, s, (omr_rect){cx - half, top->rect.y - 9.5, 2 * half, 7.5}, 0, &text, &conf);
        tidy(text, 0);
        if (!text || !*text) {
            free(text);
            continue;
        }
        keep(b->label, sizeof b->label, text);
        b->label_conf = (int)lround(conf);
    }
    return OMR_OK;
}
