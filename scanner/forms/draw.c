/*
 * draw.c — the look of a template page: for one login (or municipality) code
 * and one page it draws the four fiducial marks, the page's static texts,
 * every question's text, boxes and labels, the free-text fields, the QR code
 * carrying "OMR1:<template>:<code>:<page>:<check>" with the code in plain text
 * under it, and "Sida N av M". The printer (print/render.c) puts these pages
 * into print files; the reader (reading/mask.c) draws the blank page to know
 * where the form has print of its own. One drawing, so both agree exactly.
 *
 * Everything is drawn with cairo in millimetres from the page's top-left
 * corner, black on white only. Text uses cairo's toy API ("DejaVu Sans");
 * the toy API neither shapes nor kerns, so a line's width is the sum of its
 * words' advances and word wrapping is done here. Font hinting of metrics is
 * off so that a page breaks its lines identically in a PDF and at any dpi.
 *
 * Geometry contract with the scanner (see template.h): a box's rectangle is
 * the OUTER edge of its printed outline; the 0.35 mm stroke lies inside it.
 * The QR symbol, including a quiet zone of QR_QUIET_MODULES modules, fills the
 * template's code rectangle exactly.
 */
#include "forms/draw.h"

#include <errno.h>
#include <math.h>
#include <qrencode.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "forms/code.h"

#define MM_PER_PT (25.4 / 72.0)
#define TEXT_FONT "DejaVu Sans"
#define CODE_FONT "DejaVu Sans Mono" /* tells 0 from O and 1 from l in a login code */

#define OUTLINE_MM 0.35      /* box and text-field outline, drawn inside the rect */
#define QUESTION_PT 10.5     /* question texts and text-field prompts */
#define LABEL_PT 10.0        /* box labels */
#define CODE_PT 8.0          /* the code under the QR symbol */
#define PAGE_NUMBER_PT 9.0   /* "Sida N av M" */
#define LINE_SPACING 1.22    /* baseline to baseline, in font sizes */
#define LABEL_GAP_MM 1.8     /* box outline to its label */
#define LABEL_CLEAR_MM 3.0   /* a wrapped label stops this far before the next box */
#define PROMPT_GAP_MM 1.8    /* prompt's descenders to its field's outline */
#define CODE_GAP_MM 1.2      /* QR rectangle to the top of the code text */
#define RIGHT_MARGIN_MM 20.0 /* labels without a box to their right wrap here */
#define QR_QUIET_MODULES 2   /* white modules inside the code rect on each side */


/* ---- text ------------------------------------------------------------------ */

static void select_font(cairo_t *cr, const char *family, text_style style, double size_pt) {
    cairo_select_font_face(cr, family,
                           style == TEXT_ITALIC ? CAIRO_FONT_SLANT_ITALIC : CAIRO_FONT_SLANT_NORMAL,
                           style == TEXT_BOLD ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, size_pt * MM_PER_PT);
}

/* Advance width of the first `len` bytes of `s` in the current font, mm. */
static double advance(cairo_t *cr, const char *s, size_t len) {
    char buf[512];
    char *text = len < sizeof buf ? buf : malloc(len + 1);
    if (!text)
        return 0;
    memcpy(text, s, len);
    text[len] = '\0';
    cairo_text_extents_t e;
    cairo_text_extents(cr, text, &e);
    if (text != buf)
        free(text);
    return e.x_advance;
}

/* Height of a capital letter above the baseline in the current font, mm. */
static double cap_height(cairo_t *cr) {
    cairo_text_extents_t e;
    cairo_text_extents(cr, "H", &e);
    return -e.y_bearing;
}

/* Length in bytes of the UTF-8 character starting at s (1 for stray bytes). */
static size_t utf8_char_len(const char *s) {
    unsigned char c = (unsigned char)*s;
    size_t n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
    for (size_t i = 1; i < n; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80)
            return 1;
    return n;
}

/* One laid-out line: a byte range of the source text and its width. */
typedef struct {
    const char *start;
    size_t len;
    double width;
} text_line;

typedef struct {
    text_line *lines;
    size_t count, capacity;
    bool out_of_memory;
} text_layout;

static void layout_push(text_layout *lay, const char *start, size_t len, double width) {
    if (lay->count == lay->capacity) {
        size_t cap = lay->capacity ? 2 * lay->capacity : 8;
        text_line *grown = realloc(lay->lines, cap * sizeof *grown);
        if (!grown) {
            lay->out_of_memory = true;
            return;
        }
        lay->lines = grown;
        lay->capacity = cap;
    }
    lay->lines[lay->count++] = (text_line){start, len, width};
}

/* Breaks `text` into lines no wider than `width` mm in the current font:
 * at spaces, at explicit "\n", and inside a word only when the word alone is
 * wider than the line. Lines point into `text`, which must outlive them. */
static void layout_text(cairo_t *cr, const char *text, double width, text_layout *lay) {
    memset(lay, 0, sizeof *lay);
    double space = advance(cr, " ", 1);
    const char *p = text;
    for (;;) { /* one paragraph per "\n" */
        const char *end = strchr(p, '\n');
        if (!end)
            end = p + strlen(p);
        const char *line_start = NULL, *line_end = NULL;
        double line_width = 0;
        const char *w = p;
        while (w < end) {
            while (w < end && *w == ' ')
                w++;
            if (w == end)
                break;
            const char *we = w;
            while (we < end && *we != ' ')
                we++;
            double ww = advance(cr, w, (size_t)(we - w));
            if (line_start && line_width + space + ww <= width + 1e-9) {
                line_end = we;
                line_width += space + ww;
                w = we;
                continue;
            }
            if (line_start)
                layout_push(lay, line_start, (size_t)(line_end - line_start), line_width);
            line_start = NULL;
            /* a word wider than the whole line is cut where it must be */
            while (ww > width + 1e-9) {
                const char *cut = w + utf8_char_len(w);
                while (cut < we) {
                    const char *next = cut + utf8_char_len(cut);
                    if (advance(cr, w, (size_t)(next - w)) > width)
                        break;
                    cut = next;
                }
                layout_push(lay, w, (size_t)(cut - w), advance(cr, w, (size_t)(cut - w)));
                w = cut;
                ww = advance(cr, w, (size_t)(we - w));
            }
            if (w < we) {
                line_start = w;
                line_end = we;
                line_width = ww;
            }
            w = we;
        }
        if (line_start)
            layout_push(lay, line_start, (size_t)(line_end - line_start), line_width);
        else if (end == p || lay->count == 0)
            layout_push(lay, p, 0, 0); /* an empty paragraph keeps its blank line */
        if (!*end)
            break;
        p = end + 1;
    }
}

static void show_line(cairo_t *cr, const text_line *line, double x, double baseline) {
    char buf[512];
    char *text = line->len < sizeof buf ? buf : malloc(line->len + 1);
    if (!text)
        return;
    memcpy(text, line->start, line->len);
    text[line->len] = '\0';
    cairo_move_to(cr, x, baseline);
    cairo_show_text(cr, text);
    if (text != buf)
        free(text);
}

/* Draws the laid-out lines with the first baseline at `baseline`; alignment
 * is within [x, x + width]. Returns false when out of memory. */
static bool draw_lines(cairo_t *cr, const text_layout *lay, double x, double width,
                       double baseline, double size_pt, text_align align) {
    double line_height = size_pt * MM_PER_PT * LINE_SPACING;
    for (size_t i = 0; i < lay->count; i++) {
        const text_line *line = &lay->lines[i];
        double lx = x;
        if (align == ALIGN_CENTER)
            lx = x + (width - line->width) / 2;
        else if (align == ALIGN_RIGHT)
            lx = x + width - line->width;
        show_line(cr, line, lx, baseline + (double)i * line_height);
    }
    return !lay->out_of_memory;
}

/* Wraps and draws `text` with its first baseline at `baseline`. */
static bool draw_text(cairo_t *cr, const char *text, double x, double width, double baseline,
                      const char *family, text_style style, double size_pt, text_align align) {
    if (!text || !*text)
        return true;
    select_font(cr, family, style, size_pt);
    text_layout lay;
    layout_text(cr, text, width, &lay);
    bool ok = draw_lines(cr, &lay, x, width, baseline, size_pt, align);
    free(lay.lines);
    return ok;
}

double draw_paragraph(cairo_t *cr, const char *text, double x, double top, double width,
                      text_style style, double size_pt, text_align align) {
    select_font(cr, TEXT_FONT, style, size_pt);
    cairo_font_extents_t fe;
    cairo_font_extents(cr, &fe);
    text_layout lay;
    layout_text(cr, text ? text : "", width, &lay);
    draw_lines(cr, &lay, x, width, top + fe.ascent, size_pt, align);
    size_t lines = lay.count;
    free(lay.lines);
    return top + (double)lines * size_pt * MM_PER_PT * LINE_SPACING;
}

/* A template text: (x, y) is the top of the block, so the first baseline
 * sits one font ascent below y. */
static bool draw_static_text(cairo_t *cr, const template_text *tx) {
    select_font(cr, TEXT_FONT, tx->style, tx->size);
    cairo_font_extents_t fe;
    cairo_font_extents(cr, &fe);
    return draw_text(cr, tx->text, tx->x, tx->w, tx->y + fe.ascent, TEXT_FONT, tx->style,
                     tx->size, tx->align);
}

/* ---- marks ------------------------------------------------------------------ */

/* An outlined rectangle whose outer edge is exactly `rc`. */
static void draw_outline(cairo_t *cr, omr_rect rc) {
    double half = OUTLINE_MM / 2;
    cairo_set_line_width(cr, OUTLINE_MM);
    cairo_set_line_join(cr, CAIRO_LINE_JOIN_MITER);
    cairo_rectangle(cr, rc.x + half, rc.y + half, rc.w - OUTLINE_MM, rc.h - OUTLINE_MM);
    cairo_stroke(cr);
}

static void draw_fiducials(cairo_t *cr, const omr_template *tmpl) {
    double s = tmpl->fiducial_size;
    for (int i = 0; i < 4; i++)
        cairo_rectangle(cr, tmpl->fiducials[i].x - s / 2, tmpl->fiducials[i].y - s / 2, s, s);
    cairo_fill(cr);
}

/* The QR symbol, quiet zone included, fills the code rectangle exactly;
 * modules are merged into horizontal runs and filled as one path so that
 * no seams appear between neighbours. */
static int draw_qr(cairo_t *cr, const omr_template *tmpl, const char *code, int page,
                   omr_error *err) {
    char payload[256];
    if (identify_format_payload(payload, sizeof payload, tmpl->id, code, page) != OMR_OK)
        return omr_fail(err, OMR_ERR_INVALID,
                        "cannot make the QR payload for template \"%s\", code \"%s\", page %d "
                        "(code or template id too long?)", tmpl->id, code, page);
    QRcode *qr = QRcode_encodeString(payload, 0, QR_ECLEVEL_H, QR_MODE_8, 1);
    if (!qr)
        return omr_fail(err, errno == ENOMEM ? OMR_ERR_MEMORY : OMR_ERR_INVALID,
                        "cannot encode the QR code for code \"%s\" page %d: %s", code, page,
                        strerror(errno));
    omr_rect rc = tmpl->code_rect;
    int n = qr->width + 2 * QR_QUIET_MODULES;
    double module = rc.w / n;
    cairo_save(cr);
    cairo_set_antialias(cr, CAIRO_ANTIALIAS_NONE); /* crisp module edges in rasters */
    for (int y = 0; y < qr->width; y++) {
        const unsigned char *row = qr->data + (size_t)y * (size_t)qr->width;
        for (int x = 0; x < qr->width;) {
            if (!(row[x] & 1)) {
                x++;
                continue;
            }
            int run = 1;
            while (x + run < qr->width && (row[x + run] & 1))
                run++;
            cairo_rectangle(cr, rc.x + (QR_QUIET_MODULES + x) * module,
                            rc.y + (QR_QUIET_MODULES + y) * module, run * module, module);
            x += run;
        }
    }
    cairo_fill(cr);
    cairo_restore(cr);
    QRcode_free(qr);

    /* the code in plain text, centred under the symbol, for the web login */
    select_font(cr, CODE_FONT, TEXT_BOLD, CODE_PT);
    cairo_font_extents_t fe;
    cairo_font_extents(cr, &fe);
    double w = advance(cr, code, strlen(code));
    cairo_move_to(cr, rc.x + (rc.w - w) / 2, rc.y + rc.h + CODE_GAP_MM + fe.ascent);
    cairo_show_text(cr, code);
    return OMR_OK;
}

/* "Sida N av M", centred between the bottom fiducials and level with them. */
static void draw_page_number(cairo_t *cr, const omr_template *tmpl, int page) {
    char text[64];
    snprintf(text, sizeof text, "Sida %d av %zu", page, tmpl->n_pages);
    select_font(cr, TEXT_FONT, TEXT_REGULAR, PAGE_NUMBER_PT);
    double w = advance(cr, text, strlen(text));
    double cx = (tmpl->fiducials[2].x + tmpl->fiducials[3].x) / 2;
    double cy = (tmpl->fiducials[2].y + tmpl->fiducials[3].y) / 2;
    cairo_move_to(cr, cx - w / 2, cy + cap_height(cr) / 2);
    cairo_show_text(cr, text);
}

/* Where a label to the right of `box` must stop: before the nearest box on
 * the same row of the same page, or at the right margin. */
static double label_limit(const omr_template *tmpl, int page, omr_rect box) {
    double limit = tmpl->page_width - RIGHT_MARGIN_MM;
    for (size_t i = 0; i < tmpl->n_questions; i++) {
        const template_question *q = &tmpl->questions[i];
        if (q->page != page)
            continue;
        for (size_t b = 0; b < q->n_boxes; b++) {
            omr_rect o = q->boxes[b].rect;
            bool same_row = o.y < box.y + box.h && box.y < o.y + o.h;
            if (same_row && o.x >= box.x + box.w && o.x - LABEL_CLEAR_MM < limit)
                limit = o.x - LABEL_CLEAR_MM;
        }
    }
    return limit;
}

/* A question: its text wrapped into text_rect.w with the first line centred
 * on the row of boxes that starts at text_rect.y, then its boxes and, with
 * LABELS_RIGHT, each box's label beside it. */
static bool draw_question(cairo_t *cr, const omr_template *tmpl, const template_question *q) {
    bool ok = true;
    double row_h = q->n_boxes > 0 ? q->boxes[0].rect.h : 5.0;
    select_font(cr, TEXT_FONT, TEXT_REGULAR, QUESTION_PT);
    double baseline = q->text_rect.y + row_h / 2 + cap_height(cr) / 2;
    ok &= draw_text(cr, q->text, q->text_rect.x, q->text_rect.w, baseline, TEXT_FONT, TEXT_REGULAR,
                    QUESTION_PT, ALIGN_LEFT);
    for (size_t b = 0; b < q->n_boxes; b++) {
        const template_box *box = &q->boxes[b];
        draw_outline(cr, box->rect);
        if (q->labels != LABELS_RIGHT || !box->label || !*box->label)
            continue;
        select_font(cr, TEXT_FONT, TEXT_REGULAR, LABEL_PT);
        double x = box->rect.x + box->rect.w + LABEL_GAP_MM;
        double width = label_limit(tmpl, q->page, box->rect) - x;
        if (width < 10)
            width = 10;
        double label_baseline = box->rect.y + box->rect.h / 2 + cap_height(cr) / 2;
        ok &= draw_text(cr, box->label, x, width, label_baseline, TEXT_FONT, TEXT_REGULAR,
                        LABEL_PT, ALIGN_LEFT);
    }
    return ok;
}

/* A free-text field: its outline, and the prompt just above it (a long
 * prompt grows upwards so that its last line stays next to the field). */
static bool draw_text_field(cairo_t *cr, const template_text_field *f) {
    draw_outline(cr, f->rect);
    if (!f->prompt || !*f->prompt)
        return true;
    select_font(cr, TEXT_FONT, TEXT_REGULAR, QUESTION_PT);
    cairo_font_extents_t fe;
    cairo_font_extents(cr, &fe);
    text_layout lay;
    layout_text(cr, f->prompt, f->rect.w, &lay);
    double line_height = QUESTION_PT * MM_PER_PT * LINE_SPACING;
    double last = f->rect.y - PROMPT_GAP_MM - fe.descent;
    double first = last - (lay.count > 0 ? (double)(lay.count - 1) : 0) * line_height;
    bool ok = draw_lines(cr, &lay, f->rect.x, f->rect.w, first, QUESTION_PT, ALIGN_LEFT);
    free(lay.lines);
    return ok;
}

/* ---- one page ---------------------------------------------------------------- */

int draw_page(cairo_t *cr, const omr_template *tmpl, const char *code, int page, omr_error *err) {
    if (!cr || !tmpl)
        return omr_fail(err, OMR_ERR_INVALID, "render: no drawing surface or no template");
    if (!identify_code_is_valid(code))
        return omr_fail(err, OMR_ERR_INVALID,
                        "code \"%.60s\" cannot be printed: codes are 1 to 40 letters (A-Z) and "
                        "digits", code ? code : "(none)");
    if (page < 1 || (size_t)page > tmpl->n_pages)
        return omr_fail(err, OMR_ERR_INVALID, "template %s has %zu page%s, not a page %d",
                        tmpl->id, tmpl->n_pages, tmpl->n_pages == 1 ? "" : "s", page);
    if (cairo_status(cr) != CAIRO_STATUS_SUCCESS)
        return omr_fail(err, OMR_ERR_IO, "cannot draw page %d for code %s: %s", page, code,
                        cairo_status_to_string(cairo_status(cr)));

    cairo_save(cr);
    /* unhinted metrics: the same line breaks in a PDF and at every dpi */
    cairo_font_options_t *fo = cairo_font_options_create();
    cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
    cairo_font_options_set_hint_style(fo, CAIRO_HINT_STYLE_NONE);
    cairo_font_options_set_antialias(fo, CAIRO_ANTIALIAS_GRAY);
    cairo_set_font_options(cr, fo);
    cairo_font_options_destroy(fo);
    cairo_set_source_rgb(cr, 0, 0, 0);

    bool ok = true;
    draw_fiducials(cr, tmpl);
    const template_page *pg = &tmpl->pages[page - 1];
    for (size_t i = 0; i < pg->n_texts; i++)
        ok &= draw_static_text(cr, &pg->texts[i]);
    for (size_t i = 0; i < tmpl->n_questions; i++)
        if (tmpl->questions[i].page == page)
            ok &= draw_question(cr, tmpl, &tmpl->questions[i]);
    for (size_t i = 0; i < tmpl->n_text_fields; i++)
        if (tmpl->text_fields[i].page == page)
            ok &= draw_text_field(cr, &tmpl->text_fields[i]);
    draw_page_number(cr, tmpl, page);
    int rc = draw_qr(cr, tmpl, code, page, err);
    cairo_restore(cr);

    if (rc != OMR_OK)
        return rc;
    if (!ok)
        return omr_fail(err, OMR_ERR_MEMORY, "out of memory drawing page %d for code %s", page,
                        code);
    if (cairo_status(cr) != CAIRO_STATUS_SUCCESS)
        return omr_fail(err, OMR_ERR_IO, "cannot draw page %d for code %s: %s", page, code,
                        cairo_status_to_string(cairo_status(cr)));
    return OMR_OK;
}

/* ---- rasters ------------------------------------------------------------------ */

int draw_page_image(const omr_template *tmpl, const char *code, int page, double dpi,
                    omr_image **out, omr_error *err) {
    *out = NULL;
    if (!tmpl)
        return omr_fail(err, OMR_ERR_INVALID, "render: no template");
    if (!(dpi >= DRAW_MIN_DPI && dpi <= DRAW_MAX_DPI))
        return omr_fail(err, OMR_ERR_INVALID,
                        "a resolution of %g dpi is not printable; use %g to %g dpi", dpi, DRAW_MIN_DPI,
                        DRAW_MAX_DPI);
    int width = (int)lround(omr_mm_to_px(tmpl->page_width, dpi));
    int height = (int)lround(omr_mm_to_px(tmpl->page_height, dpi));
    /* alpha only: ink coverage, turned into grey below */
    cairo_surface_t *surface = cairo_image_surface_create(CAIRO_FORMAT_A8, width, height);
    if (cairo_surface_status(surface) != CAIRO_STATUS_SUCCESS) {
        int rc = omr_fail(err, OMR_ERR_MEMORY, "cannot make a %d x %d pixel page: %s", width,
                          height, cairo_status_to_string(cairo_surface_status(surface)));
        cairo_surface_destroy(surface);
        return rc;
    }
    cairo_t *cr = cairo_create(surface);
    cairo_scale(cr, width / tmpl->page_width, height / tmpl->page_height);
    int rc = draw_page(cr, tmpl, code, page, err);
    cairo_destroy(cr);
    if (rc != OMR_OK) {
        cairo_surface_destroy(surface);
        return rc;
    }
    cairo_surface_flush(surface);
    omr_image *image = omr_image_new(width, height, dpi, 255);
    if (!image) {
        cairo_surface_destroy(surface);
        return omr_fail(err, OMR_ERR_MEMORY, "out of memory for a %d x %d pixel page", width,
                        height);
    }
    const unsigned char *data = cairo_image_surface_get_data(surface);
    int stride = cairo_image_surface_get_stride(surface);
    for (int y = 0; y < height; y++) {
        const unsigned char *src = data + (size_t)y * (size_t)stride;
        uint8_t *dst = image->pixels + (size_t)y * (size_t)image->stride;
        for (int x = 0; x < width; x++)
            dst[x] = (uint8_t)(255 - src[x]);
    }
    cairo_surface_destroy(surface);
    *out = image;
    return OMR_OK;
}
