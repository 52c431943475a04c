/*
 * report_chart.c — the report's charts and its HTML page. Charts are drawn
 * once per chart by one function on a cairo context and saved twice, on an
 * image surface (PNG) and an SVG surface, each through the one atomic file
 * (base/files.h). The page is in Swedish, like the form and its readers.
 */
#include "survey/report_chart.h"

#include <assert.h>

#include <errno.h>
#include <sys/stat.h>

#include <cairo-svg.h>
#include <cairo.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/files.h"
#include "ledger/survey_queries.h"
#include "survey/frame.h"
#include "survey/report_page.h"


/* ---- charts ----------------------------------------------------------------------------------- */

#define CHART_WIDTH 960.0
#define CHART_MARGIN 20.0
#define CHART_LABEL_WIDTH 400.0
#define CHART_FONT "DejaVu Sans"


typedef struct {
    const char *title;
    const char **labels;        /* rows (statements) */
    size_t n_rows;
    const char **segment_names; /* legend, in drawing order */
    size_t n_segments;
    double *shares;             /* n_rows * n_segments percentages */
    long *n;                    /* per row: answers */
    const report_options *suppress;
} stacked_chart;

/* series colours: the report's blue first, then colours that stay apart in
 * print and for the common colour-vision deficiencies */
static const double series_colours[REPORT_CHART_MAX_SERIES][3] = {
    {0.16, 0.38, 0.62}, {0.55, 0.71, 0.86}, {0.85, 0.50, 0.15},
    {0.40, 0.65, 0.35}, {0.55, 0.40, 0.65}, {0.60, 0.60, 0.60}};

static void set_font(cairo_t *cr, double size, int bold) {
    cairo_select_font_face(cr, CHART_FONT, CAIRO_FONT_SLANT_NORMAL,
                           bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, size);
}

/* Draws `text` wrapped into at most `max_lines` lines of `width` from (x, y
 * top); returns the lines used. */
static int draw_wrapped(cairo_t *cr, const char *text, double x, double y, double width,
                        int max_lines, double line_height) {
    char line[512] = "";
    int lines = 0;
    const char *p = text;
    while (*p && lines < max_lines) {
        /* take words while they fit */
        line[0] = 0;
        const char *q = p;
        while (*q) {
            const char *e = q;
            while (*e && *e != ' ')
                e++;
            char trial[512];
            snprintf(trial, sizeof trial, "%.400s%s%.*s", line, *line ? " " : "",
                     (int)(e - q > 100 ? 100 : e - q), q);
            cairo_text_extents_t ext;
            cairo_text_extents(cr, trial, &ext);
            if (ext.x_advance > width && *line)
                break;
            snprintf(line, sizeof line, "%.500s", trial);
            q = *e ? e + 1 : e;
        }
        if (lines == max_lines - 1 && *q) {
            /* last line: cut and mark */
            size_t len = strlen(line);
            while (len > 0) {
                char trial[520];
                snprintf(trial, sizeof trial, "%.*s…", (int)len, line);
                cairo_text_extents_t ext;
                cairo_text_extents(cr, trial, &ext);
                if (ext.x_advance <= width) {
                    snprintf(line, sizeof line, "%.500s", trial);
                    break;
                }
                do
                    len--;
                while (len > 0 && ((unsigned char)line[len] & 0xC0) == 0x80);
            }
            q = "";
        }
        cairo_move_to(cr, x, y + line_height * (lines + 1) - 4);
        cairo_show_text(cr, line);
        lines++;
        p = q;
    }
    return lines;
}

static void fmt_sv(char *buf, size_t size, double v, int decimals, const char *suffix) {
    snprintf(buf, size, "%.*f%s", decimals, v, suffix);
    char *dot = strchr(buf, '.');
    if (dot)
        *dot = ',';
}

static double bar_h(const report_chart *c) { return c->n_series == 1 ? 20.0 : 14.0; }

static double bar_row_height(const report_chart *c) {
    double h = 10 + c->n_series * (bar_h(c) + 2);
    return h < 34 ? 34 : h;
}

static int bar_cell_hidden(const report_chart *c, size_t r, size_t s) {
    return c->suppress && c->n && report_suppressed(c->suppress, c->n[r * c->n_series + s]);
}

static int bar_any_hidden(const report_chart *c) {
    for (size_t r = 0; r < c->n_rows; r++)
        for (size_t s = 0; s < c->n_series; s++)
            if (bar_cell_hidden(c, r, s))
                return 1;
    return 0;
}

double report_chart_height(const report_chart *c) {
    return CHART_MARGIN * 2 + 36 + (c->n_series > 1 ? 22 : 0) + c->n_rows * bar_row_height(c) + 24 +
           (bar_any_hidden(c) ? 22 : 0) + (c->note ? 18 : 0);
}

/* The footnote under a chart with a suppressed row. */
static void draw_suppression_note(cairo_t *cr, const report_options *o, double y) {
    char note[160], line[200];
    report_suppression_note(o, note, sizeof note);
    snprintf(line, sizeof line, ". = %s", note);
    set_font(cr, 11, 0);
    cairo_set_source_rgb(cr, 0.25, 0.25, 0.25);
    cairo_move_to(cr, CHART_MARGIN, y);
    cairo_show_text(cr, line);
}

/* The legend: a swatch and a name per series, over the plot, or from the
 * left margin when the names need more room than the plot's width. */
static void draw_legend(cairo_t *cr, const report_chart *c, double y) {
    set_font(cr, 12, 0);
    double total = 0;
    for (size_t s = 0; s < c->n_series; s++) {
        cairo_text_extents_t ext;
        cairo_text_extents(cr, c->series[s], &ext);
        total += 18 + ext.x_advance + 24;
    }
    double x = CHART_MARGIN + CHART_LABEL_WIDTH;
    if (x + total > CHART_WIDTH - CHART_MARGIN)
        x = CHART_MARGIN;
    for (size_t s = 0; s < c->n_series; s++) {
        const double *col = series_colours[s % REPORT_CHART_MAX_SERIES];
        cairo_text_extents_t ext;
        cairo_text_extents(cr, c->series[s], &ext);
        cairo_set_source_rgb(cr, col[0], col[1], col[2]);
        cairo_rectangle(cr, x, y + 2, 12, 12);
        cairo_fill(cr);
        cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
        cairo_move_to(cr, x + 18, y + 12);
        cairo_show_text(cr, c->series[s]);
        x += 18 + ext.x_advance + 24;
    }
}

static void draw_bar_chart(cairo_t *cr, const void *ctx) {
    const report_chart *c = ctx;
    double height = report_chart_height(c);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
    set_font(cr, 17, 1);
    cairo_move_to(cr, CHART_MARGIN, CHART_MARGIN + 16);
    cairo_show_text(cr, c->title);
    double y = CHART_MARGIN + 36;
    if (c->n_series > 1) {
        draw_legend(cr, c, y);
        y += 22;
    }
    double x0 = CHART_MARGIN + CHART_LABEL_WIDTH, plot = CHART_WIDTH - x0 - CHART_MARGIN - 60;
    double top = y, row_h = bar_row_height(c);
    /* grid */
    cairo_set_line_width(cr, 1);
    int ticks = !c->percent && fmod(c->max, 5) == 0 ? 5 : 4; /* 0 2 4 6 8 10, 0 25 50 75 100 */
    for (int k = 0; k <= ticks; k++) {
        double gx = x0 + plot * k / ticks;
        cairo_set_source_rgb(cr, 0.88, 0.88, 0.88);
        cairo_move_to(cr, floor(gx) + 0.5, top);
        cairo_line_to(cr, floor(gx) + 0.5, top + c->n_rows * row_h);
        cairo_stroke(cr);
        char tick[32];
        fmt_sv(tick, sizeof tick, c->max * k / ticks, c->percent || c->max >= 10 ? 0 : 1,
               c->percent ? " %" : "");
        set_font(cr, 11, 0);
        cairo_text_extents_t ext;
        cairo_text_extents(cr, tick, &ext);
        cairo_set_source_rgb(cr, 0.4, 0.4, 0.4);
        cairo_move_to(cr, gx - ext.x_advance / 2, top + c->n_rows * row_h + 16);
        cairo_show_text(cr, tick);
    }
    double bh = bar_h(c);
    for (size_t r = 0; r < c->n_rows; r++) {
        double ry = top + r * row_h;
        set_font(cr, 12, 0);
        cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
        char label[600];
        if (c->n && c->n_series == 1)
            snprintf(label, sizeof label, "%s (n=%ld)", c->labels[r], c->n[r]);
        else
            snprintf(label, sizeof label, "%s", c->labels[r]);
        draw_wrapped(cr, label, CHART_MARGIN, ry + 2, CHART_LABEL_WIDTH - 12, 2, 15);
        for (size_t s = 0; s < c->n_series; s++) {
            size_t i = r * c->n_series + s;
            double v = c->values[i];
            double by = ry + 5 + s * (bh + 2);
            char text[64];
            if (bar_cell_hidden(c, r, s)) {
                set_font(cr, 13, 1);
                cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
                cairo_move_to(cr, x0 + 5, by + bh / 2 + 4);
                cairo_show_text(cr, ".");
                continue;
            }
            if (isnan(v)) {
                if (c->n_series > 1) { /* a year or group without a value: say so */
                    set_font(cr, 11, 0);
                    cairo_set_source_rgb(cr, 0.4, 0.4, 0.4);
                    cairo_move_to(cr, x0 + 5, by + bh / 2 + 4);
                    cairo_show_text(cr, "–");
                }
                continue;
            }
            double w = c->max > 0 ? plot * fmin(v, c->max) / c->max : 0;
            const double *col = series_colours[s % REPORT_CHART_MAX_SERIES];
            cairo_set_source_rgb(cr, col[0], col[1], col[2]);
            cairo_rectangle(cr, x0, by, w, bh);
            cairo_fill(cr);
            double text_x = x0 + w + 5;
            if (c->low && c->high && !isnan(c->low[i]) && !isnan(c->high[i]) && c->max > 0) {
                /* the interval: a line with end caps across the bar's end */
                double lx = x0 + plot * fmax(0, fmin(c->low[i], c->max)) / c->max;
                double hx = x0 + plot * fmax(0, fmin(c->high[i], c->max)) / c->max;
                double cy = by + bh / 2;
                cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
                cairo_set_line_width(cr, 1.2);
                cairo_move_to(cr, lx, cy);
                cairo_line_to(cr, hx, cy);
                cairo_move_to(cr, lx, cy - bh / 3);
                cairo_line_to(cr, lx, cy + bh / 3);
                cairo_move_to(cr, hx, cy - bh / 3);
                cairo_line_to(cr, hx, cy + bh / 3);
                cairo_stroke(cr);
                cairo_set_line_width(cr, 1);
                text_x = fmax(text_x, hx + 5);
            }
            fmt_sv(text, sizeof text, v, c->whole ? 0 : c->percent ? 1 : 2, c->percent ? " %" : "");
            if (c->n && c->n_series > 1 && c->n[i] > 0) {
                size_t len = strlen(text);
                snprintf(text + len, sizeof text - len, " (n=%ld)", c->n[i]);
            }
            set_font(cr, 11, 0);
            cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
            cairo_move_to(cr, text_x, by + bh / 2 + 4);
            cairo_show_text(cr, text);
        }
    }
    double foot = height - CHART_MARGIN;
    if (c->note) {
        set_font(cr, 11, 0);
        cairo_set_source_rgb(cr, 0.25, 0.25, 0.25);
        cairo_move_to(cr, CHART_MARGIN, foot);
        cairo_show_text(cr, c->note);
        foot -= 18;
    }
    if (bar_any_hidden(c))
        draw_suppression_note(cr, c->suppress, foot);
}

/* Five-point colours, from "Stämmer mycket bra" (green) to "Stämmer inte alls" (red). */
static const double stack_colours[5][3] = {
    {0.10, 0.45, 0.25}, {0.55, 0.78, 0.55}, {0.85, 0.85, 0.85}, {0.96, 0.65, 0.55}, {0.80, 0.25, 0.20}};

static int stacked_row_hidden(const stacked_chart *c, size_t r) {
    return c->suppress && c->n && report_suppressed(c->suppress, c->n[r]);
}

static int stacked_any_hidden(const stacked_chart *c) {
    for (size_t r = 0; r < c->n_rows; r++)
        if (stacked_row_hidden(c, r))
            return 1;
    return 0;
}

static double stacked_chart_height(const stacked_chart *c) {
    return CHART_MARGIN * 2 + 36 + 26 + c->n_rows * 38.0 + 10 + (stacked_any_hidden(c) ? 22 : 0);
}

static void draw_stacked_chart(cairo_t *cr, const void *ctx) {
    const stacked_chart *c = ctx;
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
    set_font(cr, 17, 1);
    cairo_move_to(cr, CHART_MARGIN, CHART_MARGIN + 16);
    cairo_show_text(cr, c->title);
    double y = CHART_MARGIN + 36, x = CHART_MARGIN;
    set_font(cr, 12, 0);
    for (size_t s = 0; s < c->n_segments; s++) {
        const double *col = stack_colours[s % 5];
        cairo_set_source_rgb(cr, col[0], col[1], col[2]);
        cairo_rectangle(cr, x, y + 2, 12, 12);
        cairo_fill(cr);
        cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
        cairo_move_to(cr, x + 18, y + 12);
        cairo_show_text(cr, c->segment_names[s]);
        cairo_text_extents_t ext;
        cairo_text_extents(cr, c->segment_names[s], &ext);
        x += 18 + ext.x_advance + 20;
    }
    y += 26;
    double x0 = CHART_MARGIN + CHART_LABEL_WIDTH, plot = CHART_WIDTH - x0 - CHART_MARGIN;
    for (size_t r = 0; r < c->n_rows; r++) {
        double ry = y + r * 38.0;
        set_font(cr, 12, 0);
        cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
        char label[600];
        if (c->n)
            snprintf(label, sizeof label, "%s (n=%ld)", c->labels[r], c->n[r]);
        else
            snprintf(label, sizeof label, "%s", c->labels[r]);
        draw_wrapped(cr, label, CHART_MARGIN, ry + 2, CHART_LABEL_WIDTH - 12, 2, 15);
        if (stacked_row_hidden(c, r)) {
            set_font(cr, 13, 1);
            cairo_move_to(cr, x0 + 5, ry + 21);
            cairo_show_text(cr, ".");
            continue;
        }
        double bx = x0;
        for (size_t s = 0; s < c->n_segments; s++) {
            double v = c->shares[r * c->n_segments + s];
            if (isnan(v) || v <= 0)
                continue;
            double w = plot * v / 100.0;
            const double *col = stack_colours[s % 5];
            cairo_set_source_rgb(cr, col[0], col[1], col[2]);
            cairo_rectangle(cr, bx, ry + 5, w, 24);
            cairo_fill(cr);
            if (w > 30) {
                char text[16];
                snprintf(text, sizeof text, "%.0f", v);
                set_font(cr, 11, 0);
                cairo_text_extents_t ext;
                cairo_text_extents(cr, text, &ext);
                double lum = 0.3 * col[0] + 0.59 * col[1] + 0.11 * col[2];
                cairo_set_source_rgb(cr, lum < 0.5 ? 1 : 0.1, lum < 0.5 ? 1 : 0.1, lum < 0.5 ? 1 : 0.1);
                cairo_move_to(cr, bx + (w - ext.x_advance) / 2, ry + 21);
                cairo_show_text(cr, text);
            }
            bx += w;
        }
    }
    if (stacked_any_hidden(c))
        draw_suppression_note(cr, c->suppress, stacked_chart_height(c) - CHART_MARGIN);
}

typedef void (*chart_draw)(cairo_t *cr, const void *ctx);

/* cairo's stream writer onto an atomic file. */
static cairo_status_t write_to_file(void *closure, const unsigned char *data, unsigned int length) {
    FILE *fp = closure;
    return fwrite(data, 1, length, fp) == length ? CAIRO_STATUS_SUCCESS : CAIRO_STATUS_WRITE_ERROR;
}

/* Ends one chart file: commits it when cairo succeeded, else removes it. */
static int chart_finish(omr_atomic_file *file, cairo_status_t st, omr_error *err) {
    if (st != CAIRO_STATUS_SUCCESS) {
        omr_atomic_abort(file);
        return omr_fail(err, OMR_ERR_IO, "cannot write %s: %s", file->final_path,
                        cairo_status_to_string(st));
    }
    return omr_atomic_commit(file, err);
}

/* Saves one chart as <name>.png and <name>.svg, each written under a
 * temporary name and renamed (base/files.h). */
static int chart_save(const char *dir, const char *name, double height, chart_draw draw,
                      const void *ctx, omr_error *err) {
    char file_name[600];
    const int scale = 2; /* PNG at twice the SVG's size, sharp on any screen */
    omr_atomic_file file;
    snprintf(file_name, sizeof file_name, "%s.png", name);
    int rc = omr_atomic_open(&file, dir, file_name, err);
    if (rc != OMR_OK)
        return rc;
    cairo_surface_t *img = cairo_image_surface_create(CAIRO_FORMAT_RGB24, (int)(CHART_WIDTH * scale),
                                                      (int)ceil(height * scale));
    cairo_t *cr = cairo_create(img);
    cairo_scale(cr, scale, scale);
    draw(cr, ctx);
    cairo_destroy(cr);
    cairo_status_t st = cairo_surface_write_to_png_stream(img, write_to_file, file.fp);
    cairo_surface_destroy(img);
    if ((rc = chart_finish(&file, st, err)) != OMR_OK)
        return rc;
    snprintf(file_name, sizeof file_name, "%s.svg", name);
    if ((rc = omr_atomic_open(&file, dir, file_name, err)) != OMR_OK)
        return rc;
    cairo_surface_t *svg = cairo_svg_surface_create_for_stream(write_to_file, file.fp, CHART_WIDTH,
                                                               height);
    cr = cairo_create(svg);
    draw(cr, ctx);
    cairo_destroy(cr);
    cairo_surface_finish(svg);
    st = cairo_surface_status(svg);
    cairo_surface_destroy(svg);
    return chart_finish(&file, st, err);
}

int report_chart_save(const char *dir, const char *name, const report_chart *c, omr_error *err) {
    assert(c->n_series >= 1 && c->n_series <= REPORT_CHART_MAX_SERIES);
    return chart_save(dir, name, report_chart_height(c), draw_bar_chart, c, err);
}

/* ---- the page --------------------------------------------------------------------------------- */


/* A share's cell: the value shaded by its size, "." (suppressed, with the
 * footnote's mark) when it rests on too few answers, "–" on none; with
 * `show_n` the number of answers under it, printed, not only in a tooltip. */
static void html_pct(FILE *f, const report_stat *s, const report_options *o, int show_n) {
    char buf[32];
    if (s->n == 0) {
        fputs("<td class=\"num\">–</td>", f);
        return;
    }
    if (report_suppressed(o, s->n)) {
        fprintf(f, "<td class=\"num sup\" title=\"n = %ld\">.<sup><a href=\"#fn-sup\">*</a></sup>", s->n);
        if (show_n)
            fprintf(f, "<br><span class=\"n\">n = %ld</span>", s->n);
        fputs("</td>", f);
        return;
    }
    fmt_sv(buf, sizeof buf, s->value, 1, "");
    /* a pale shade of the value, so a table reads at a glance */
    fprintf(f, "<td class=\"num\" title=\"n = %ld\" style=\"background:rgba(41,97,158,%.2f)\">%s",
            s->n, fmax(0, fmin(1, s->value / 100.0)) * 0.35, buf);
    if (show_n)
        fprintf(f, "<br><span class=\"n\">n = %ld</span>", s->n);
    fputs("</td>", f);
}

/* The footnote under a table (once per table that has a "."). */
static void html_suppression_note(FILE *f, const report_options *o) {
    char note[160];
    report_suppression_note(o, note, sizeof note);
    fputs("<p class=\"note fn\">* . = ", f);
    report_html_text(f, note);
    fputs(" (för få svar för att redovisas utan risk att enskilda kan pekas ut).</p>\n", f);
}

void report_chart_html(FILE *f, const char *name, const char *alt) {
    fprintf(f, "<figure><img src=\"%s.png\" alt=\"", name);
    report_html_text(f, alt);
    fprintf(f, "\" width=\"%d\"><figcaption><a href=\"%s.svg\">SVG</a> · <a href=\"%s.png\">PNG</a>"
               "</figcaption></figure>\n",
            (int)CHART_WIDTH, name, name);
}

void report_write_page(FILE *f, omr_db *db, const analysis_data *d, const report_rates *rates,
                       const report_options *o) {
    const omr_template *t = d->tmpl;
    char now[32];
    time_t clock = time(NULL);
    struct tm tm;
    localtime_r(&clock, &tm);
    strftime(now, sizeof now, "%Y-%m-%d %H:%M", &tm);
    report_page_begin(f, o, REPORT_PAGE_INDEX, NULL,
                      "td.q{min-width:22em}\n"
                      "span.n{font-size:.8em;color:#444;font-weight:normal}"
                      "td.sup{text-align:center;font-weight:bold;font-size:1.1em}\n");
    fputs("<p>", f);
    size_t paper = 0, web = 0;
    for (size_t r = 0; r < d->n_rows; r++)
        *(strcmp(d->rows[r].mode, "web") == 0 ? &web : &paper) += 1;
    char sent[32], answered[32];
    report_format_int_sv(sent, sizeof sent, rates->total.sent);
    report_format_int_sv(answered, sizeof answered, (long)d->n_rows);
    char on_paper[32], on_web[32];
    report_format_int_sv(on_paper, sizeof on_paper, (long)paper);
    report_format_int_sv(on_web, sizeof on_web, (long)web);
    fprintf(f, "Underlag: %s svar (%s på papper, %s på webben) av %s i urvalet. ", answered,
            on_paper, on_web, sent);
    if (d->weight_vars) {
        fputs("Resultaten är viktade (poststratifiering på ", f);
        report_html_text(f, d->weight_vars);
        fputs(") så att svaren motsvarar urvalets fördelning. ", f);
    } else
        fputs("Resultaten är oviktade. ", f);
    fprintf(f, "Andelar räknas bland dem som besvarat frågan. Framtaget %s ur omr:s register "
               "(formulär ",
            now);
    report_html_text(f, t->id);
    fputs(").</p>\n", f);
    {
        long min = o->min_cell > 0 ? o->min_cell : REPORT_MIN_CELL_DEFAULT;
        fprintf(f, "<p id=\"fn-sup\">Minsta redovisade grupp: %ld svar. En andel eller ett "
                   "medelvärde som bygger på färre än %ld svar visas inte, utan som en punkt "
                   "(<strong>.</strong>) med en fotnot, så att ingen enskild svarande kan pekas ut. "
                   "Antalet svar (n) står alltid i tabellen.</p>\n",
                min, min);
    }

    /* the run's other pages, with what each holds (the navigation names them too) */
    if (o->pages) {
        static const char *const what[REPORT_PAGE_COUNT] = {
            "", "varje resultat per grupp (kön, ålder, biståndstid …) med 95 % konfidensintervall",
            "varje enhets resultat per område (bemötande, tillgänglighet, tydlighet …)",
            "årets resultat bredvid tidigare års, med förändringen i procentenheter",
            "andelen kommuner som svarat ja per indikator och år, för riket och per grupp",
            "svarsandelen efter inbjudan och efter varje påminnelse, kumulativt"};
        fputs("<h2>Rapportens övriga sidor</h2>\n<ul>\n", f);
        for (report_page p = REPORT_PAGE_GROUPS; p < REPORT_PAGE_COUNT; p++)
            if (o->pages & REPORT_PAGE_BIT(p))
                fprintf(f, "<li><a href=\"%s\">%s</a>: %s.</li>\n", report_page_file(p),
                        report_page_label(p), what[p]);
        fputs("</ul>\n", f);
    }

    /* Table 1 */
    fputs("<h2>Svarsfrekvens</h2>\n<p>Korrigerad svarsfrekvens: inkomna svar delat med antalet i "
          "utskick minus bortfallet (försändelser som kommit i retur).</p>\n"
          "<table><tr><th>Enhet</th><th>Antal i utskick</th><th>Inkomna svar</th>"
          "<th>Svarsfrekvens</th><th>Bortfall från urval</th><th>Korrigerad svarsfrekvens</th></tr>\n",
          f);
    for (size_t i = 0; i <= rates->n; i++) {
        const report_rate_row *row = i == 0 ? &rates->total : &rates->rows[i - 1];
        char a[32], b[32], c[32], e[32], g[32];
        report_format_int_sv(a, sizeof a, row->sent);
        report_format_int_sv(b, sizeof b, row->returned);
        report_format_hundredths(c, sizeof c, report_percent_hundredths(row->returned, row->sent), 1);
        report_format_int_sv(e, sizeof e, row->undeliverable);
        report_format_hundredths(g, sizeof g,
                          report_percent_hundredths(row->returned, row->sent - row->undeliverable), 1);
        fputs(i == 0 ? "<tr><th>" : "<tr><td>", f);
        report_html_text(f, i == 0 ? o->total_label : row->unit);
        fprintf(f, "%s<td class=\"num\">%s</td><td class=\"num\">%s</td><td class=\"num\">%s</td>"
                   "<td class=\"num\">%s</td><td class=\"num\">%s</td></tr>\n",
                i == 0 ? "</th>" : "</td>", a, b, c, e, g);
    }
    fputs("</table>\n", f);
    report_chart_html(f, "response-rate", "Svarsfrekvens per enhet");

    /* statements */
    int any_statement = 0;
    for (size_t q = 0; q < t->n_questions; q++)
        any_statement |= report_is_statement(&t->questions[q]);
    if (any_statement) {
        fputs("<h2>Andel som instämmer</h2>\n<p>Andel som svarat <em>Stämmer mycket bra</em> eller "
              "<em>Stämmer bra</em> (5 eller 4), i procent, för hela undersökningen och per enhet. "
              "Under varje andel står antalet svar (n).</p>\n",
              f);
        report_chart_html(f, "agree", "Andel som instämmer");
        fputs("<div class=\"wide\"><table><tr><th>Påstående</th>", f);
        for (size_t g = 0; g <= d->n_units; g++) {
            fputs("<th>", f);
            report_html_text(f, report_group_name(d, o, g));
            fputs("</th>", f);
        }
        fputs("</tr>\n", f);
        const char *section = NULL;
        int hidden = 0;
        for (size_t q = 0; q < t->n_questions; q++) {
            const template_question *tq = &t->questions[q];
            if (!report_is_statement(tq))
                continue;
            if (tq->section && (!section || strcmp(section, tq->section) != 0)) {
                section = tq->section;
                fprintf(f, "<tr><th colspan=\"%zu\">", d->n_units + 2);
                report_html_text(f, section);
                fputs("</th></tr>\n", f);
            }
            fputs("<tr><td class=\"q\">", f);
            report_html_text(f, tq->text);
            fputs("</td>", f);
            for (size_t g = 0; g <= d->n_units; g++) {
                report_stat s;
                report_share(d, report_group_unit(d, g), tq->id, "5 4", &s);
                html_pct(f, &s, o, 1);
                hidden |= report_suppressed(o, s.n);
            }
            fputs("</tr>\n", f);
        }
        fputs("</table></div>\n", f);
        if (hidden)
            html_suppression_note(f, o);
        fputs("<h2>Svarsfördelning</h2>\n", f);
        report_chart_html(f, "distribution", "Svarsfördelning per påstående");
    }

    /* the other questions' distributions, whole survey */
    fputs("<h2>Övriga frågor</h2>\n", f);
    for (size_t q = 0; q < t->n_questions; q++) {
        const template_question *tq = &t->questions[q];
        if (report_is_statement(tq) || report_is_grade(tq))
            continue;
        fputs("<table><tr><th>", f);
        report_html_text(f, tq->text);
        fputs(tq->type == QUESTION_MULTI ? " <span class=\"note\">(flera svar möjliga; andel av dem "
                                           "som kryssat i något)</span>"
                                         : "",
              f);
        fputs("</th><th>Andel</th><th>n</th></tr>\n", f);
        int hidden = 0;
        for (size_t b = 0; b < tq->n_boxes; b++) {
            report_stat s;
            report_share(d, NULL, tq->id, tq->boxes[b].value, &s);
            fputs("<tr><td>", f);
            report_html_text(f, tq->boxes[b].label ? tq->boxes[b].label : tq->boxes[b].value);
            fputs("</td>", f);
            html_pct(f, &s, o, 0);
            hidden |= report_suppressed(o, s.n);
            fprintf(f, "<td class=\"num\">%ld</td></tr>\n", s.n);
        }
        fputs("</table>\n", f);
        if (hidden)
            html_suppression_note(f, o);
    }

    /* grades */
    for (size_t q = 0; q < t->n_questions; q++) {
        const template_question *tq = &t->questions[q];
        if (!report_is_grade(tq))
            continue;
        char upper[256];
        report_upper_values(tq, upper, sizeof upper);
        fputs("<h2>Betyg</h2>\n<p>", f);
        report_html_text(f, tq->text);
        fprintf(f, "</p>\n");
        report_chart_html(f, "grade", "Medelbetyg per enhet");
        fputs("<table><tr><th>Enhet</th><th>Medelbetyg</th><th>Andel ", f);
        const char *last = strrchr(upper, ' ');
        if (last) /* "6 7 8 9 10" -> "6–10" */
            fprintf(f, "%.*s–%s", (int)strcspn(upper, " "), upper, last + 1);
        else
            report_html_text(f, upper);
        fputs("</th><th>n</th></tr>\n", f);
        int hidden = 0;
        for (size_t g = 0; g <= d->n_units; g++) {
            report_stat m, u;
            report_mean(d, report_group_unit(d, g), tq->id, &m);
            report_share(d, report_group_unit(d, g), tq->id, upper, &u);
            char mean[32] = "–";
            if (m.n)
                fmt_sv(mean, sizeof mean, m.value, 2, "");
            fputs("<tr><td>", f);
            report_html_text(f, report_group_name(d, o, g));
            if (report_suppressed(o, m.n)) {
                fputs("</td><td class=\"num sup\">.<sup><a href=\"#fn-sup\">*</a></sup></td>", f);
                hidden = 1;
            } else
                fprintf(f, "</td><td class=\"num\">%s</td>", mean);
            html_pct(f, &u, o, 0);
            fprintf(f, "<td class=\"num\">%ld</td></tr>\n", m.n);
        }
        fputs("</table>\n", f);
        if (hidden)
            html_suppression_note(f, o);
        break; /* one chart file: the first grade */
    }

    /* routed multiple-choice questions: who it applies to, and the options */
    for (size_t q = 0; q < t->n_questions; q++) {
        const template_question *tq = &t->questions[q];
        if (tq->type != QUESTION_MULTI || !tq->only_if_question)
            continue;
        const template_question *filter = template_question_by_id(t, tq->only_if_question);
        char values[256];
        report_filter_values(tq, values, sizeof values);
        fputs("<h2>", f);
        report_html_text(f, tq->section ? tq->section : filter ? filter->text : tq->id);
        fputs("</h2>\n<p>", f);
        report_html_text(f, filter ? filter->text : tq->only_if_question);
        fputs("</p>\n", f);
        report_chart_html(f, "filter", "Andel per enhet");
        fputs("<table><tr><th>Enhet</th><th>Andel</th><th>n</th></tr>\n", f);
        int hidden = 0;
        for (size_t g = 0; g <= d->n_units; g++) {
            report_stat s;
            report_share(d, report_group_unit(d, g), tq->only_if_question, values, &s);
            fputs("<tr><td>", f);
            report_html_text(f, report_group_name(d, o, g));
            fputs("</td>", f);
            html_pct(f, &s, o, 0);
            hidden |= report_suppressed(o, s.n);
            fprintf(f, "<td class=\"num\">%ld</td></tr>\n", s.n);
        }
        fputs("</table>\n", f);
        if (hidden)
            html_suppression_note(f, o);
        fputs("<p>", f);
        report_html_text(f, tq->text);
        fputs(" <span class=\"note\">(andel av dem som kryssat i något skäl)</span></p>\n", f);
        report_chart_html(f, "options", "Skäl");
        break; /* one chart file: the first routed question */
    }

    /* what a reader should know */
    fputs("<h2>Att veta om underlaget</h2>\n<ul>\n", f);
    size_t review = 0;
    long both = 0;
    for (size_t r = 0; r < d->n_rows; r++)
        for (size_t q = 0; q < t->n_questions; q++)
            review += d->rows[r].missing[q] == ANALYSIS_REVIEW;
    /* codes with a paper and a web return, whichever came first */
    both = survey_query_both_modes(db, t->id);
    fprintf(f, "<li>%zu svar väntar på granskning och räknas inte ännu.</li>\n", review);
    fprintf(f, "<li>%ld personer svarade både på papper och på webben; det svar som kom in först "
               "räknas.</li>\n",
            both);
    frame_strings foreign;
    omr_error ignored;
    if (frame_list_foreign_returns(db, t->id, &foreign, &ignored) == OMR_OK) {
        fprintf(f, "<li>%zu inkomna formulär har en kod som inte finns i urvalet och räknas inte",
                foreign.count);
        if (foreign.count) {
            fputs(":<ul>", f);
            for (size_t i = 0; i < foreign.count && i < 50; i++) {
                fputs("<li>", f);
                report_html_text(f, foreign.items[i]);
                fputs("</li>", f);
            }
            fputs("</ul>", f);
        }
        fputs("</li>\n", f);
        frame_strings_free(&foreign);
    }
    for (size_t i = 0; i < d->notes.count; i++) {
        fputs("<li>", f);
        report_html_text(f, d->notes.items[i]);
        fputs("</li>\n", f);
    }
    fputs("</ul>\n<p class=\"note\">Tabellerna finns också som CSV i samma mapp "
          "(response-rate.csv, agree.csv, distribution.csv, grade.csv, filter.csv, options.csv).</p>\n"
          "</body>\n</html>\n",
          f);
}

/* ---- all charts --------------------------------------------------------------------------- */

static int write_charts(const char *dir, const analysis_data *d, const report_rates *rates,
                        const report_options *opt, omr_error *err) {
    const report_options o = *opt;
    const omr_template *t = d->tmpl;
    int rc = OMR_OK;
    size_t cap = (rates->n + 1) + t->n_questions + d->n_units + 1 + 64;
    const char **labels = calloc(cap, sizeof *labels);
    double *values = calloc(2 * cap, sizeof *values);
    long *ns = calloc(cap, sizeof *ns);

    /* response rates */
    static const char *const rate_series[] = {"Svarsfrekvens", "Korrigerad svarsfrekvens"};
    report_chart c = {.title = "Svarsfrekvens per enhet", .series = rate_series,
                      .n_series = 2, .labels = labels, .values = values, .max = 100, .percent = 1};
    for (size_t i = 0; i <= rates->n; i++) {
        const report_rate_row *row = i == 0 ? &rates->total : &rates->rows[i - 1];
        labels[i] = i == 0 ? o.total_label : row->unit;
        long a = report_percent_hundredths(row->returned, row->sent);
        long b = report_percent_hundredths(row->returned, row->sent - row->undeliverable);
        values[2 * i] = a < 0 ? NAN : a / 100.0;
        values[2 * i + 1] = b < 0 ? NAN : b / 100.0;
    }
    c.n_rows = rates->n + 1;
    rc = report_chart_save(dir, "response-rate", &c, err);

    /* agree, whole survey */
    size_t n = 0;
    for (size_t q = 0; q < t->n_questions && rc == OMR_OK; q++) {
        if (!report_is_statement(&t->questions[q]))
            continue;
        report_stat s;
        report_share(d, NULL, t->questions[q].id, "5 4", &s);
        labels[n] = t->questions[q].text;
        values[n] = s.value;
        ns[n++] = s.n;
    }
    if (rc == OMR_OK && n) {
        report_chart a = {.title = "Andel som instämmer (Stämmer mycket bra eller bra)", .n_series = 1,
                       .labels = labels, .values = values, .n = ns, .n_rows = n, .max = 100,
                       .percent = 1, .suppress = opt};
        rc = report_chart_save(dir, "agree", &a, err);
        /* distribution of the statements, from 5 to 1 */
        double *shares = calloc(n * 5, sizeof *shares);
        const char *names[5] = {0};
        size_t k = 0;
        for (size_t q = 0; q < t->n_questions; q++) {
            const template_question *tq = &t->questions[q];
            if (!report_is_statement(tq))
                continue;
            for (int v = 5; v >= 1; v--) {
                char value[16];
                snprintf(value, sizeof value, "%d", v);
                report_stat s;
                report_share(d, NULL, tq->id, value, &s);
                shares[k * 5 + (size_t)(5 - v)] = s.value;
                for (size_t b = 0; b < tq->n_boxes; b++)
                    if (strcmp(tq->boxes[b].value, value) == 0 && !names[5 - v])
                        names[5 - v] = tq->boxes[b].label ? tq->boxes[b].label : tq->boxes[b].value;
            }
            k++;
        }
        stacked_chart sc = {.title = "Svarsfördelning (procent)", .labels = labels, .n_rows = n,
                            .segment_names = names, .n_segments = 5, .shares = shares, .n = ns,
                            .suppress = opt};
        if (rc == OMR_OK)
            rc = chart_save(dir, "distribution", stacked_chart_height(&sc), draw_stacked_chart, &sc, err);
        free(shares);
    }

    /* grade per unit */
    for (size_t q = 0; q < t->n_questions && rc == OMR_OK; q++) {
        const template_question *tq = &t->questions[q];
        if (!report_is_grade(tq))
            continue;
        double max = 0;
        for (size_t b = 0; b < tq->n_boxes; b++)
            max = fmax(max, atof(tq->boxes[b].value));
        for (size_t g = 0; g <= d->n_units; g++) {
            report_stat m;
            report_mean(d, report_group_unit(d, g), tq->id, &m);
            labels[g] = report_group_name(d, &o, g);
            values[g] = m.value;
            ns[g] = m.n;
        }
        report_chart gc = {.title = "Medelbetyg per enhet", .n_series = 1, .labels = labels,
                        .values = values, .n = ns, .n_rows = d->n_units + 1, .max = max,
                        .suppress = opt};
        rc = report_chart_save(dir, "grade", &gc, err);
        break;
    }

    /* routed multiple choice: filter share per unit, options overall */
    for (size_t q = 0; q < t->n_questions && rc == OMR_OK; q++) {
        const template_question *tq = &t->questions[q];
        if (tq->type != QUESTION_MULTI || !tq->only_if_question)
            continue;
        char vals[256];
        report_filter_values(tq, vals, sizeof vals);
        for (size_t g = 0; g <= d->n_units; g++) {
            report_stat s;
            report_share(d, report_group_unit(d, g), tq->only_if_question, vals, &s);
            labels[g] = report_group_name(d, &o, g);
            values[g] = s.value;
            ns[g] = s.n;
        }
        const template_question *filter = template_question_by_id(t, tq->only_if_question);
        char title[300];
        snprintf(title, sizeof title, "%s: andel per enhet",
                 tq->section ? tq->section : filter ? filter->id : tq->id);
        report_chart fc = {.title = title, .n_series = 1, .labels = labels, .values = values, .n = ns,
                        .n_rows = d->n_units + 1, .max = 100, .percent = 1, .suppress = opt};
        rc = report_chart_save(dir, "filter", &fc, err);
        for (size_t b = 0; b < tq->n_boxes && rc == OMR_OK; b++) {
            report_stat s;
            report_share(d, NULL, tq->id, tq->boxes[b].value, &s);
            labels[b] = tq->boxes[b].label ? tq->boxes[b].label : tq->boxes[b].value;
            values[b] = s.value;
            ns[b] = s.n;
        }
        snprintf(title, sizeof title, "%s: skäl (andel av dem som angett något)",
                 tq->section ? tq->section : tq->id);
        report_chart oc = {.title = title, .n_series = 1, .labels = labels, .values = values,
                        .n = ns, .n_rows = tq->n_boxes, .max = 100, .percent = 1, .suppress = opt};
        if (rc == OMR_OK)
            rc = report_chart_save(dir, "options", &oc, err);
        break;
    }
    free(labels);
    free(values);
    free(ns);
    return rc;
}

/* ---- everything ----------------------------------------------------------------------------- */

int report_write(omr_db *db, const analysis_data *d, const report_rates *rates, const char *dir,
                 const report_options *opt, omr_error *err) {
    if (mkdir(dir, 0777) != 0 && errno != EEXIST)
        return omr_fail(err, OMR_ERR_IO, "cannot create %s: %s", dir, strerror(errno));
    report_options o = *opt;
    if (!o.total_label)
        o.total_label = "Totalt";
    if (!o.title)
        o.title = d->tmpl->title ? d->tmpl->title : d->tmpl->id;
    int rc = report_write_tables(db, d, rates, dir, &o, err);
    if (rc != OMR_OK)
        return rc;
    return write_charts(dir, d, rates, &o, err);
}
