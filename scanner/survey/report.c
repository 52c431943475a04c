/*
 * report.c — the survey's tables, charts and HTML page. Response rates come
 * straight from the ledger (frame, returns, undeliverable); everything else
 * from the respondents that analysis.c loads (weighted when asked). Charts
 * are drawn once per chart by one function on a cairo context and saved
 * twice, on an image surface (PNG) and an SVG surface. The page is in
 * Swedish, like the form and its readers; the CSV tables are for machines.
 */
#include "survey/report.h"

#include <cairo-svg.h>
#include <cairo.h>
#include <errno.h>
#include <glib.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "survey/frame.h"

/* ---- response rates -------------------------------------------------------------------- */

long report_percent_hundredths(long num, long den) {
    if (den <= 0)
        return -1;
    return (num * 20000 + den) / (2 * den);
}

int report_response_rates(sqlite3 *db, const char *template_id, report_rates *out,
                          omr_error *err) {
    memset(out, 0, sizeof *out);
    int rc = frame_open(db, err);
    if (rc != OMR_OK)
        return rc;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(
            db,
            "SELECT f.unit, count(*),\n"
            "  sum(EXISTS(SELECT 1 FROM returns r WHERE r.template = f.template AND r.code = f.code)),\n"
            "  sum(NOT EXISTS(SELECT 1 FROM returns r WHERE r.template = f.template AND r.code = f.code)\n"
            "      AND EXISTS(SELECT 1 FROM undeliverable u WHERE u.template = f.template AND u.code = f.code))\n"
            "FROM frame f WHERE f.template = ? GROUP BY f.unit ORDER BY min(f.seq)",
            -1, &st, NULL) != SQLITE_OK)
        return omr_fail(err, OMR_ERR_IO, "ledger: %s", sqlite3_errmsg(db));
    sqlite3_bind_text(st, 1, template_id, -1, SQLITE_STATIC);
    size_t cap = 0;
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        if (out->n == cap) {
            cap = cap ? cap * 2 : 16;
            out->rows = realloc(out->rows, cap * sizeof *out->rows);
        }
        report_rate_row *r = &out->rows[out->n++];
        r->unit = strdup((const char *)sqlite3_column_text(st, 0));
        r->sent = sqlite3_column_int64(st, 1);
        r->returned = sqlite3_column_int64(st, 2);
        r->undeliverable = sqlite3_column_int64(st, 3);
        out->total.sent += r->sent;
        out->total.returned += r->returned;
        out->total.undeliverable += r->undeliverable;
    }
    sqlite3_finalize(st);
    if (step != SQLITE_DONE) {
        report_rates_free(out);
        return omr_fail(err, OMR_ERR_IO, "ledger: %s", sqlite3_errmsg(db));
    }
    return OMR_OK;
}

void report_rates_free(report_rates *r) {
    for (size_t i = 0; i < r->n; i++)
        free(r->rows[i].unit);
    free(r->rows);
    memset(r, 0, sizeof *r);
}

/* "7 581" */
static void format_int_sv(char *buf, size_t size, long v) {
    char digits[32];
    snprintf(digits, sizeof digits, "%ld", v < 0 ? -v : v);
    size_t n = strlen(digits), o = 0;
    if (v < 0 && o + 1 < size)
        buf[o++] = '-';
    for (size_t i = 0; i < n && o + 2 < size; i++) {
        if (i && (n - i) % 3 == 0)
            buf[o++] = ' ';
        buf[o++] = digits[i];
    }
    buf[o] = 0;
}

/* hundredths of a percent as "28,29%" (sv) or "28.29" (csv) */
static void format_hundredths(char *buf, size_t size, long h, int swedish) {
    if (h < 0)
        snprintf(buf, size, "%s", swedish ? "–" : "");
    else if (swedish)
        snprintf(buf, size, "%ld,%02ld%%", h / 100, h % 100);
    else
        snprintf(buf, size, "%ld.%02ld", h / 100, h % 100);
}

static void pad(FILE *out, const char *s, size_t width, int right) {
    size_t len = (size_t)g_utf8_strlen(s, -1);
    if (right)
        for (size_t i = len; i < width; i++)
            fputc(' ', out);
    fputs(s, out);
    if (!right)
        for (size_t i = len; i < width; i++)
            fputc(' ', out);
}

static void csv_put(FILE *out, const char *s, int last) {
    if (strpbrk(s, ",\"\r\n")) {
        fputc('"', out);
        for (; *s; s++) {
            if (*s == '"')
                fputc('"', out);
            fputc(*s, out);
        }
        fputc('"', out);
    } else
        fputs(s, out);
    fputs(last ? "\r\n" : ",", out);
}

void report_write_rates(FILE *out, const report_rates *r, const char *total_label,
                        report_format format) {
    if (format == REPORT_CSV) {
        fputs("unit,sent,returned,response_rate,undeliverable,corrected_response_rate\r\n", out);
    }
    static const char *const heads[] = {"Enhet", "Antal i utskick", "Inkomna svar", "Svarsfrekvens",
                                        "Bortfall från urval", "Korrigerad svarsfrekvens"};
    size_t label_width = (size_t)g_utf8_strlen(heads[0], -1);
    label_width = label_width > strlen(total_label) ? label_width : (size_t)g_utf8_strlen(total_label, -1);
    for (size_t i = 0; i < r->n; i++) {
        size_t w = (size_t)g_utf8_strlen(r->rows[i].unit, -1);
        if (w > label_width)
            label_width = w;
    }
    if (format == REPORT_TEXT) {
        pad(out, heads[0], label_width, 0);
        for (size_t c = 1; c < 6; c++) {
            fputs("  ", out);
            fputs(heads[c], out);
        }
        fputc('\n', out);
    }
    for (size_t i = 0; i <= r->n; i++) {
        const report_rate_row *row = i == 0 ? &r->total : &r->rows[i - 1];
        const char *label = i == 0 ? total_label : row->unit;
        long rate = report_percent_hundredths(row->returned, row->sent);
        long corrected = report_percent_hundredths(row->returned, row->sent - row->undeliverable);
        char cells[5][32];
        int sv = format == REPORT_TEXT;
        if (sv) {
            format_int_sv(cells[0], 32, row->sent);
            format_int_sv(cells[1], 32, row->returned);
            format_int_sv(cells[3], 32, row->undeliverable);
        } else {
            snprintf(cells[0], 32, "%ld", row->sent);
            snprintf(cells[1], 32, "%ld", row->returned);
            snprintf(cells[3], 32, "%ld", row->undeliverable);
        }
        format_hundredths(cells[2], 32, rate, sv);
        format_hundredths(cells[4], 32, corrected, sv);
        if (format == REPORT_CSV) {
            csv_put(out, label, 0);
            for (int c = 0; c < 5; c++)
                csv_put(out, cells[c], c == 4);
            continue;
        }
        pad(out, label, label_width, 0);
        for (int c = 0; c < 5; c++) {
            fputs("  ", out);
            pad(out, cells[c], (size_t)g_utf8_strlen(heads[c + 1], -1), 1);
        }
        fputc('\n', out);
    }
}

/* ---- statistics --------------------------------------------------------------------------- */

int report_is_statement(const template_question *q) {
    if (q->type != QUESTION_SCALE || q->n_boxes != 5)
        return 0;
    int seen = 0;
    for (size_t b = 0; b < 5; b++) {
        const char *v = q->boxes[b].value;
        if (strlen(v) != 1 || v[0] < '1' || v[0] > '5')
            return 0;
        seen |= 1 << (v[0] - '1');
    }
    return seen == 31;
}

int report_is_grade(const template_question *q) {
    return q->type == QUESTION_SCALE && !report_is_statement(q) && analysis_question_is_numeric(q);
}

static const template_question *question_index(const analysis_data *d, const char *id, size_t *qi) {
    const template_question *q = template_question_by_id(d->tmpl, id);
    if (q)
        *qi = (size_t)(q - d->tmpl->questions);
    return q;
}

int report_share(const analysis_data *d, const char *unit, const char *question,
                 const char *values, report_stat *out) {
    memset(out, 0, sizeof *out);
    out->value = NAN;
    size_t qi;
    if (!question_index(d, question, &qi))
        return OMR_ERR_NOT_FOUND;
    for (size_t r = 0; r < d->n_rows; r++) {
        const analysis_row *row = &d->rows[r];
        if ((unit && strcmp(row->unit, unit) != 0) || row->missing[qi])
            continue;
        out->n++;
        out->base += row->weight;
        int hit = 0;
        for (const char *p = values; *p && !hit;) {
            while (*p == ' ')
                p++;
            const char *e = p;
            while (*e && *e != ' ')
                e++;
            char one[64];
            snprintf(one, sizeof one, "%.*s", (int)(e - p), p);
            hit = *one && analysis_value_in(row->values[qi], one);
            p = e;
        }
        if (hit)
            out->hits += row->weight;
    }
    if (out->n)
        out->value = 100.0 * out->hits / out->base;
    return OMR_OK;
}

int report_mean(const analysis_data *d, const char *unit, const char *question, report_stat *out) {
    memset(out, 0, sizeof *out);
    out->value = NAN;
    size_t qi;
    if (!question_index(d, question, &qi))
        return OMR_ERR_NOT_FOUND;
    double sum = 0;
    for (size_t r = 0; r < d->n_rows; r++) {
        const analysis_row *row = &d->rows[r];
        if ((unit && strcmp(row->unit, unit) != 0) || row->missing[qi])
            continue;
        out->n++;
        out->base += row->weight;
        sum += row->weight * atof(row->values[qi]);
    }
    if (out->n)
        out->value = sum / out->base;
    out->hits = sum;
    return OMR_OK;
}

/* The values above the middle of a numeric scale ("6 7 8 9 10" of 1..10). */
static void upper_values(const template_question *q, char *buf, size_t size) {
    long lo = 0, hi = 0;
    for (size_t b = 0; b < q->n_boxes; b++) {
        long v = atol(q->boxes[b].value);
        if (b == 0 || v < lo)
            lo = v;
        if (b == 0 || v > hi)
            hi = v;
    }
    buf[0] = 0;
    for (size_t b = 0; b < q->n_boxes; b++)
        if (2 * atol(q->boxes[b].value) > lo + hi) {
            size_t len = strlen(buf);
            snprintf(buf + len, size - len, "%s%s", len ? " " : "", q->boxes[b].value);
        }
}

/* ---- files ---------------------------------------------------------------------------------- */

typedef struct {
    FILE *fp;
    char final_path[4096], temp_path[4200];
} out_file;

static int out_open(out_file *o, const char *dir, const char *name, omr_error *err) {
    snprintf(o->final_path, sizeof o->final_path, "%s/%s", dir, name);
    snprintf(o->temp_path, sizeof o->temp_path, "%s/.%s.tmp.%d", dir, name, (int)getpid());
    o->fp = fopen(o->temp_path, "w");
    if (!o->fp)
        return omr_fail(err, OMR_ERR_IO, "cannot write %s: %s", o->final_path, strerror(errno));
    return OMR_OK;
}

static int out_commit(out_file *o, omr_error *err) {
    int failed = ferror(o->fp) || fflush(o->fp) != 0 || fsync(fileno(o->fp)) != 0;
    int saved = errno;
    if (fclose(o->fp) != 0 && !failed) {
        failed = 1;
        saved = errno;
    }
    if (!failed && rename(o->temp_path, o->final_path) != 0) {
        failed = 1;
        saved = errno;
    }
    if (failed) {
        unlink(o->temp_path);
        return omr_fail(err, OMR_ERR_IO, "cannot write %s: %s", o->final_path,
                        strerror(saved ? saved : EIO));
    }
    return OMR_OK;
}

/* Groups: 0 = the whole survey, then each unit. */
static const char *group_unit(const analysis_data *d, size_t g) {
    return g == 0 ? NULL : d->units[g - 1];
}

static const char *group_name(const analysis_data *d, const report_options *o, size_t g) {
    return g == 0 ? o->total_label : d->units[g - 1];
}

static void fmt_num(char *buf, size_t size, double v, int decimals) {
    if (isnan(v))
        buf[0] = 0;
    else
        snprintf(buf, size, "%.*f", decimals, v);
}

static void write_agree_csv(FILE *f, const analysis_data *d, const report_options *o) {
    fputs("unit,question,statement,n,agree_pct\r\n", f);
    const omr_template *t = d->tmpl;
    for (size_t g = 0; g <= d->n_units; g++)
        for (size_t q = 0; q < t->n_questions; q++) {
            if (!report_is_statement(&t->questions[q]))
                continue;
            report_stat s;
            report_share(d, group_unit(d, g), t->questions[q].id, "5 4", &s);
            char n[32], v[32];
            snprintf(n, sizeof n, "%ld", s.n);
            fmt_num(v, sizeof v, s.value, 2);
            csv_put(f, group_name(d, o, g), 0);
            csv_put(f, t->questions[q].id, 0);
            csv_put(f, t->questions[q].text, 0);
            csv_put(f, n, 0);
            csv_put(f, v, 1);
        }
}

static void write_distribution_csv(FILE *f, const analysis_data *d, const report_options *o) {
    fputs("unit,question,value,label,n,share_pct\r\n", f);
    const omr_template *t = d->tmpl;
    for (size_t g = 0; g <= d->n_units; g++)
        for (size_t q = 0; q < t->n_questions; q++) {
            const template_question *tq = &t->questions[q];
            for (size_t b = 0; b < tq->n_boxes; b++) {
                report_stat s;
                report_share(d, group_unit(d, g), tq->id, tq->boxes[b].value, &s);
                char n[32], v[32];
                snprintf(n, sizeof n, "%ld", s.n);
                fmt_num(v, sizeof v, s.value, 2);
                csv_put(f, group_name(d, o, g), 0);
                csv_put(f, tq->id, 0);
                csv_put(f, tq->boxes[b].value, 0);
                csv_put(f, tq->boxes[b].label ? tq->boxes[b].label : "", 0);
                csv_put(f, n, 0);
                csv_put(f, v, 1);
            }
        }
}

static void write_grade_csv(FILE *f, const analysis_data *d, const report_options *o) {
    fputs("unit,question,n,mean,upper_values,upper_pct\r\n", f);
    const omr_template *t = d->tmpl;
    for (size_t g = 0; g <= d->n_units; g++)
        for (size_t q = 0; q < t->n_questions; q++) {
            const template_question *tq = &t->questions[q];
            if (!report_is_grade(tq))
                continue;
            report_stat m, u;
            char upper[256];
            upper_values(tq, upper, sizeof upper);
            report_mean(d, group_unit(d, g), tq->id, &m);
            report_share(d, group_unit(d, g), tq->id, upper, &u);
            char n[32], mean[32], share[32];
            snprintf(n, sizeof n, "%ld", m.n);
            fmt_num(mean, sizeof mean, m.value, 2);
            fmt_num(share, sizeof share, u.value, 2);
            csv_put(f, group_name(d, o, g), 0);
            csv_put(f, tq->id, 0);
            csv_put(f, n, 0);
            csv_put(f, mean, 0);
            csv_put(f, upper, 0);
            csv_put(f, share, 1);
        }
}

/* For each routed multiple-choice question: the share its filter opens it to. */
static void filter_values(const template_question *q, char *buf, size_t size) {
    buf[0] = 0;
    for (size_t i = 0; i < q->n_only_if_values; i++) {
        size_t len = strlen(buf);
        snprintf(buf + len, size - len, "%s%s", len ? " " : "", q->only_if_values[i]);
    }
}

static void write_filter_csv(FILE *f, const analysis_data *d, const report_options *o) {
    fputs("unit,question,values,opens,n,share_pct\r\n", f);
    const omr_template *t = d->tmpl;
    for (size_t g = 0; g <= d->n_units; g++)
        for (size_t q = 0; q < t->n_questions; q++) {
            const template_question *tq = &t->questions[q];
            if (tq->type != QUESTION_MULTI || !tq->only_if_question)
                continue;
            char values[256], n[32], v[32];
            filter_values(tq, values, sizeof values);
            report_stat s;
            report_share(d, group_unit(d, g), tq->only_if_question, values, &s);
            snprintf(n, sizeof n, "%ld", s.n);
            fmt_num(v, sizeof v, s.value, 2);
            csv_put(f, group_name(d, o, g), 0);
            csv_put(f, tq->only_if_question, 0);
            csv_put(f, values, 0);
            csv_put(f, tq->id, 0);
            csv_put(f, n, 0);
            csv_put(f, v, 1);
        }
}

static void write_options_csv(FILE *f, const analysis_data *d, const report_options *o) {
    fputs("unit,question,value,label,n,share_pct\r\n", f);
    const omr_template *t = d->tmpl;
    for (size_t g = 0; g <= d->n_units; g++)
        for (size_t q = 0; q < t->n_questions; q++) {
            const template_question *tq = &t->questions[q];
            if (tq->type != QUESTION_MULTI)
                continue;
            for (size_t b = 0; b < tq->n_boxes; b++) {
                report_stat s;
                report_share(d, group_unit(d, g), tq->id, tq->boxes[b].value, &s);
                char n[32], v[32];
                snprintf(n, sizeof n, "%ld", s.n);
                fmt_num(v, sizeof v, s.value, 2);
                csv_put(f, group_name(d, o, g), 0);
                csv_put(f, tq->id, 0);
                csv_put(f, tq->boxes[b].value, 0);
                csv_put(f, tq->boxes[b].label ? tq->boxes[b].label : "", 0);
                csv_put(f, n, 0);
                csv_put(f, v, 1);
            }
        }
}

/* ---- charts ----------------------------------------------------------------------------------- */

#define CHART_WIDTH 960.0
#define CHART_MARGIN 20.0
#define CHART_LABEL_WIDTH 400.0
#define CHART_FONT "DejaVu Sans"

typedef struct {
    const char *title;
    const char *series[2]; /* names; one or two series */
    size_t n_series;
    const char **labels;
    double (*values)[2];   /* per row, per series; NAN: no data */
    long *n;               /* per row: respondents (shown after the label), or NULL */
    size_t n_rows;
    double max;            /* axis maximum */
    int percent;           /* values are percentages */
} bar_chart;

typedef struct {
    const char *title;
    const char **labels;        /* rows (statements) */
    size_t n_rows;
    const char **segment_names; /* legend, in drawing order */
    size_t n_segments;
    double *shares;             /* n_rows * n_segments percentages */
} stacked_chart;

static const double series_colours[2][3] = {{0.16, 0.38, 0.62}, {0.55, 0.71, 0.86}};

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

static double bar_row_height(const bar_chart *c) { return c->n_series == 1 ? 34.0 : 44.0; }

static double bar_chart_height(const bar_chart *c) {
    return CHART_MARGIN * 2 + 36 + (c->n_series > 1 ? 22 : 0) + c->n_rows * bar_row_height(c) + 24;
}

static void draw_bar_chart(cairo_t *cr, const void *ctx) {
    const bar_chart *c = ctx;
    double height = bar_chart_height(c);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
    set_font(cr, 17, 1);
    cairo_move_to(cr, CHART_MARGIN, CHART_MARGIN + 16);
    cairo_show_text(cr, c->title);
    double y = CHART_MARGIN + 36;
    if (c->n_series > 1) {
        set_font(cr, 12, 0);
        double x = CHART_MARGIN + CHART_LABEL_WIDTH;
        for (size_t s = 0; s < c->n_series; s++) {
            cairo_set_source_rgb(cr, series_colours[s][0], series_colours[s][1], series_colours[s][2]);
            cairo_rectangle(cr, x, y + 2, 12, 12);
            cairo_fill(cr);
            cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
            cairo_move_to(cr, x + 18, y + 12);
            cairo_show_text(cr, c->series[s]);
            cairo_text_extents_t ext;
            cairo_text_extents(cr, c->series[s], &ext);
            x += 18 + ext.x_advance + 24;
        }
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
    for (size_t r = 0; r < c->n_rows; r++) {
        double ry = top + r * row_h;
        set_font(cr, 12, 0);
        cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
        char label[600];
        if (c->n)
            snprintf(label, sizeof label, "%s (n=%ld)", c->labels[r], c->n[r]);
        else
            snprintf(label, sizeof label, "%s", c->labels[r]);
        draw_wrapped(cr, label, CHART_MARGIN, ry + 2, CHART_LABEL_WIDTH - 12, 2, 15);
        double bar_h = c->n_series == 1 ? 20 : 16;
        for (size_t s = 0; s < c->n_series; s++) {
            double v = c->values[r][s];
            double by = ry + 5 + s * (bar_h + 2);
            if (isnan(v))
                continue;
            double w = c->max > 0 ? plot * fmin(v, c->max) / c->max : 0;
            cairo_set_source_rgb(cr, series_colours[s][0], series_colours[s][1], series_colours[s][2]);
            cairo_rectangle(cr, x0, by, w, bar_h);
            cairo_fill(cr);
            char text[32];
            fmt_sv(text, sizeof text, v, c->percent ? 1 : 2, c->percent ? " %" : "");
            set_font(cr, 11, 0);
            cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
            cairo_move_to(cr, x0 + w + 5, by + bar_h / 2 + 4);
            cairo_show_text(cr, text);
        }
    }
    (void)height;
}

/* Five-point colours, from "Stämmer mycket bra" (green) to "Stämmer inte alls" (red). */
static const double stack_colours[5][3] = {
    {0.10, 0.45, 0.25}, {0.55, 0.78, 0.55}, {0.85, 0.85, 0.85}, {0.96, 0.65, 0.55}, {0.80, 0.25, 0.20}};

static double stacked_chart_height(const stacked_chart *c) {
    return CHART_MARGIN * 2 + 36 + 26 + c->n_rows * 38.0 + 10;
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
        draw_wrapped(cr, c->labels[r], CHART_MARGIN, ry + 2, CHART_LABEL_WIDTH - 12, 2, 15);
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
}

typedef void (*chart_draw)(cairo_t *cr, const void *ctx);

/* Saves one chart as <name>.png and <name>.svg, each written under a
 * temporary name and renamed. */
static int chart_save(const char *dir, const char *name, double height, chart_draw draw,
                      const void *ctx, omr_error *err) {
    char final_path[4096], temp_path[4200];
    const int scale = 2; /* PNG at twice the SVG's size, sharp on any screen */
    snprintf(final_path, sizeof final_path, "%s/%s.png", dir, name);
    snprintf(temp_path, sizeof temp_path, "%s/.%s.png.tmp.%d", dir, name, (int)getpid());
    cairo_surface_t *img = cairo_image_surface_create(CAIRO_FORMAT_RGB24, (int)(CHART_WIDTH * scale),
                                                      (int)ceil(height * scale));
    cairo_t *cr = cairo_create(img);
    cairo_scale(cr, scale, scale);
    draw(cr, ctx);
    cairo_destroy(cr);
    cairo_status_t st = cairo_surface_write_to_png(img, temp_path);
    cairo_surface_destroy(img);
    if (st != CAIRO_STATUS_SUCCESS || rename(temp_path, final_path) != 0) {
        unlink(temp_path);
        return omr_fail(err, OMR_ERR_IO, "cannot write %s: %s", final_path,
                        st != CAIRO_STATUS_SUCCESS ? cairo_status_to_string(st) : strerror(errno));
    }
    snprintf(final_path, sizeof final_path, "%s/%s.svg", dir, name);
    snprintf(temp_path, sizeof temp_path, "%s/.%s.svg.tmp.%d", dir, name, (int)getpid());
    cairo_surface_t *svg = cairo_svg_surface_create(temp_path, CHART_WIDTH, height);
    cr = cairo_create(svg);
    draw(cr, ctx);
    cairo_destroy(cr);
    cairo_surface_finish(svg);
    st = cairo_surface_status(svg);
    cairo_surface_destroy(svg);
    if (st != CAIRO_STATUS_SUCCESS || rename(temp_path, final_path) != 0) {
        unlink(temp_path);
        return omr_fail(err, OMR_ERR_IO, "cannot write %s: %s", final_path,
                        st != CAIRO_STATUS_SUCCESS ? cairo_status_to_string(st) : strerror(errno));
    }
    return OMR_OK;
}

static int save_bar_chart(const char *dir, const char *name, const bar_chart *c, omr_error *err) {
    return chart_save(dir, name, bar_chart_height(c), draw_bar_chart, c, err);
}

/* ---- the page --------------------------------------------------------------------------------- */

static void html_text(FILE *f, const char *s) {
    for (; s && *s; s++)
        switch (*s) {
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '&': fputs("&amp;", f); break;
        case '"': fputs("&quot;", f); break;
        default: fputc(*s, f);
        }
}

static void html_pct(FILE *f, const report_stat *s) {
    char buf[32];
    if (s->n == 0) {
        fputs("<td class=\"num\">–</td>", f);
        return;
    }
    fmt_sv(buf, sizeof buf, s->value, 1, "");
    /* a pale shade of the value, so a table reads at a glance */
    fprintf(f, "<td class=\"num\" title=\"n = %ld\" style=\"background:rgba(41,97,158,%.2f)\">%s</td>",
            s->n, fmax(0, fmin(1, s->value / 100.0)) * 0.35, buf);
}

static void html_chart(FILE *f, const char *name, const char *alt) {
    fprintf(f, "<figure><img src=\"%s.png\" alt=\"", name);
    html_text(f, alt);
    fprintf(f, "\" width=\"%d\"><figcaption><a href=\"%s.svg\">SVG</a> · <a href=\"%s.png\">PNG</a>"
               "</figcaption></figure>\n",
            (int)CHART_WIDTH, name, name);
}

static void write_html(FILE *f, sqlite3 *db, const analysis_data *d, const report_rates *rates,
                       const report_options *o) {
    const omr_template *t = d->tmpl;
    char now[32];
    time_t clock = time(NULL);
    struct tm tm;
    localtime_r(&clock, &tm);
    strftime(now, sizeof now, "%Y-%m-%d %H:%M", &tm);
    fputs("<!DOCTYPE html>\n<html lang=\"sv\">\n<head>\n<meta charset=\"utf-8\">\n<title>", f);
    html_text(f, o->title);
    fputs("</title>\n<style>\n"
          "body{font-family:'DejaVu Sans',Arial,sans-serif;max-width:1000px;margin:2em auto;"
          "color:#1a1a1a;line-height:1.45;padding:0 1em}\n"
          "h1{font-size:1.6em}h2{margin-top:2em;border-bottom:2px solid #29619e}\n"
          "table{border-collapse:collapse;margin:1em 0;font-size:.9em}\n"
          "th,td{border:1px solid #ccc;padding:.3em .5em;vertical-align:top}\n"
          "th{background:#eef2f7;text-align:left}td.num{text-align:right;white-space:nowrap}\n"
          "td.q{min-width:22em}\n"
          ".wide{overflow-x:auto}figure{margin:1em 0}img{max-width:100%;height:auto}\n"
          "figcaption{font-size:.8em;color:#555}.note{color:#555;font-size:.9em}\n"
          "</style>\n</head>\n<body>\n<h1>",
          f);
    html_text(f, o->title);
    fputs("</h1>\n<p>", f);
    size_t paper = 0, web = 0;
    for (size_t r = 0; r < d->n_rows; r++)
        *(strcmp(d->rows[r].mode, "web") == 0 ? &web : &paper) += 1;
    char sent[32], answered[32];
    format_int_sv(sent, sizeof sent, rates->total.sent);
    format_int_sv(answered, sizeof answered, (long)d->n_rows);
    char on_paper[32], on_web[32];
    format_int_sv(on_paper, sizeof on_paper, (long)paper);
    format_int_sv(on_web, sizeof on_web, (long)web);
    fprintf(f, "Underlag: %s svar (%s på papper, %s på webben) av %s i urvalet. ", answered,
            on_paper, on_web, sent);
    if (d->weight_vars) {
        fputs("Resultaten är viktade (poststratifiering på ", f);
        html_text(f, d->weight_vars);
        fputs(") så att svaren motsvarar urvalets fördelning. ", f);
    } else
        fputs("Resultaten är oviktade. ", f);
    fprintf(f, "Andelar räknas bland dem som besvarat frågan. Framtaget %s ur omr:s register "
               "(formulär ",
            now);
    html_text(f, t->id);
    fputs(").</p>\n", f);

    /* Table 1 */
    fputs("<h2>Svarsfrekvens</h2>\n<p>Korrigerad svarsfrekvens: inkomna svar delat med antalet i "
          "utskick minus bortfallet (försändelser som kommit i retur).</p>\n"
          "<table><tr><th>Enhet</th><th>Antal i utskick</th><th>Inkomna svar</th>"
          "<th>Svarsfrekvens</th><th>Bortfall från urval</th><th>Korrigerad svarsfrekvens</th></tr>\n",
          f);
    for (size_t i = 0; i <= rates->n; i++) {
        const report_rate_row *row = i == 0 ? &rates->total : &rates->rows[i - 1];
        char a[32], b[32], c[32], e[32], g[32];
        format_int_sv(a, sizeof a, row->sent);
        format_int_sv(b, sizeof b, row->returned);
        format_hundredths(c, sizeof c, report_percent_hundredths(row->returned, row->sent), 1);
        format_int_sv(e, sizeof e, row->undeliverable);
        format_hundredths(g, sizeof g,
                          report_percent_hundredths(row->returned, row->sent - row->undeliverable), 1);
        fputs(i == 0 ? "<tr><th>" : "<tr><td>", f);
        html_text(f, i == 0 ? o->total_label : row->unit);
        fprintf(f, "%s<td class=\"num\">%s</td><td class=\"num\">%s</td><td class=\"num\">%s</td>"
                   "<td class=\"num\">%s</td><td class=\"num\">%s</td></tr>\n",
                i == 0 ? "</th>" : "</td>", a, b, c, e, g);
    }
    fputs("</table>\n", f);
    html_chart(f, "response-rate", "Svarsfrekvens per enhet");

    /* statements */
    int any_statement = 0;
    for (size_t q = 0; q < t->n_questions; q++)
        any_statement |= report_is_statement(&t->questions[q]);
    if (any_statement) {
        fputs("<h2>Andel som instämmer</h2>\n<p>Andel som svarat <em>Stämmer mycket bra</em> eller "
              "<em>Stämmer bra</em> (5 eller 4), i procent, för hela undersökningen och per enhet. "
              "Håll muspekaren över en siffra för antalet svar.</p>\n",
              f);
        html_chart(f, "agree", "Andel som instämmer");
        fputs("<div class=\"wide\"><table><tr><th>Påstående</th>", f);
        for (size_t g = 0; g <= d->n_units; g++) {
            fputs("<th>", f);
            html_text(f, group_name(d, o, g));
            fputs("</th>", f);
        }
        fputs("</tr>\n", f);
        const char *section = NULL;
        for (size_t q = 0; q < t->n_questions; q++) {
            const template_question *tq = &t->questions[q];
            if (!report_is_statement(tq))
                continue;
            if (tq->section && (!section || strcmp(section, tq->section) != 0)) {
                section = tq->section;
                fprintf(f, "<tr><th colspan=\"%zu\">", d->n_units + 2);
                html_text(f, section);
                fputs("</th></tr>\n", f);
            }
            fputs("<tr><td class=\"q\">", f);
            html_text(f, tq->text);
            fputs("</td>", f);
            for (size_t g = 0; g <= d->n_units; g++) {
                report_stat s;
                report_share(d, group_unit(d, g), tq->id, "5 4", &s);
                html_pct(f, &s);
            }
            fputs("</tr>\n", f);
        }
        fputs("</table></div>\n", f);
        fputs("<h2>Svarsfördelning</h2>\n", f);
        html_chart(f, "distribution", "Svarsfördelning per påstående");
    }

    /* the other questions' distributions, whole survey */
    fputs("<h2>Övriga frågor</h2>\n", f);
    for (size_t q = 0; q < t->n_questions; q++) {
        const template_question *tq = &t->questions[q];
        if (report_is_statement(tq) || report_is_grade(tq))
            continue;
        fputs("<table><tr><th>", f);
        html_text(f, tq->text);
        fputs(tq->type == QUESTION_MULTI ? " <span class=\"note\">(flera svar möjliga; andel av dem "
                                           "som kryssat i något)</span>"
                                         : "",
              f);
        fputs("</th><th>Andel</th><th>n</th></tr>\n", f);
        for (size_t b = 0; b < tq->n_boxes; b++) {
            report_stat s;
            report_share(d, NULL, tq->id, tq->boxes[b].value, &s);
            fputs("<tr><td>", f);
            html_text(f, tq->boxes[b].label ? tq->boxes[b].label : tq->boxes[b].value);
            fputs("</td>", f);
            html_pct(f, &s);
            fprintf(f, "<td class=\"num\">%ld</td></tr>\n", s.n);
        }
        fputs("</table>\n", f);
    }

    /* grades */
    for (size_t q = 0; q < t->n_questions; q++) {
        const template_question *tq = &t->questions[q];
        if (!report_is_grade(tq))
            continue;
        char upper[256];
        upper_values(tq, upper, sizeof upper);
        fputs("<h2>Betyg</h2>\n<p>", f);
        html_text(f, tq->text);
        fprintf(f, "</p>\n");
        html_chart(f, "grade", "Medelbetyg per enhet");
        fputs("<table><tr><th>Enhet</th><th>Medelbetyg</th><th>Andel ", f);
        const char *last = strrchr(upper, ' ');
        if (last) /* "6 7 8 9 10" -> "6–10" */
            fprintf(f, "%.*s–%s", (int)strcspn(upper, " "), upper, last + 1);
        else
            html_text(f, upper);
        fputs("</th><th>n</th></tr>\n", f);
        for (size_t g = 0; g <= d->n_units; g++) {
            report_stat m, u;
            report_mean(d, group_unit(d, g), tq->id, &m);
            report_share(d, group_unit(d, g), tq->id, upper, &u);
            char mean[32] = "–";
            if (m.n)
                fmt_sv(mean, sizeof mean, m.value, 2, "");
            fputs("<tr><td>", f);
            html_text(f, group_name(d, o, g));
            fprintf(f, "</td><td class=\"num\">%s</td>", mean);
            html_pct(f, &u);
            fprintf(f, "<td class=\"num\">%ld</td></tr>\n", m.n);
        }
        fputs("</table>\n", f);
        break; /* one chart file: the first grade */
    }

    /* routed multiple-choice questions: who it applies to, and the options */
    for (size_t q = 0; q < t->n_questions; q++) {
        const template_question *tq = &t->questions[q];
        if (tq->type != QUESTION_MULTI || !tq->only_if_question)
            continue;
        const template_question *filter = template_question_by_id(t, tq->only_if_question);
        char values[256];
        filter_values(tq, values, sizeof values);
        fputs("<h2>", f);
        html_text(f, tq->section ? tq->section : filter ? filter->text : tq->id);
        fputs("</h2>\n<p>", f);
        html_text(f, filter ? filter->text : tq->only_if_question);
        fputs("</p>\n", f);
        html_chart(f, "filter", "Andel per enhet");
        fputs("<table><tr><th>Enhet</th><th>Andel</th><th>n</th></tr>\n", f);
        for (size_t g = 0; g <= d->n_units; g++) {
            report_stat s;
            report_share(d, group_unit(d, g), tq->only_if_question, values, &s);
            fputs("<tr><td>", f);
            html_text(f, group_name(d, o, g));
            fputs("</td>", f);
            html_pct(f, &s);
            fprintf(f, "<td class=\"num\">%ld</td></tr>\n", s.n);
        }
        fputs("</table>\n<p>", f);
        html_text(f, tq->text);
        fputs(" <span class=\"note\">(andel av dem som kryssat i något skäl)</span></p>\n", f);
        html_chart(f, "options", "Skäl");
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
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db,
                           "SELECT count(*) FROM (SELECT code FROM returns WHERE template = ? AND "
                           "duplicate_of IS NULL GROUP BY code HAVING count(DISTINCT mode) = 2)",
                           -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, t->id, -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_ROW)
            both = sqlite3_column_int64(st, 0);
    }
    sqlite3_finalize(st);
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
                html_text(f, foreign.items[i]);
                fputs("</li>", f);
            }
            fputs("</ul>", f);
        }
        fputs("</li>\n", f);
        frame_strings_free(&foreign);
    }
    for (size_t i = 0; i < d->notes.count; i++) {
        fputs("<li>", f);
        html_text(f, d->notes.items[i]);
        fputs("</li>\n", f);
    }
    fputs("</ul>\n<p class=\"note\">Tabellerna finns också som CSV i samma mapp "
          "(response-rate.csv, agree.csv, distribution.csv, grade.csv, filter.csv, options.csv).</p>\n"
          "</body>\n</html>\n",
          f);
}

/* ---- everything ----------------------------------------------------------------------------- */

int report_write(sqlite3 *db, const analysis_data *d, const report_rates *rates, const char *dir,
                 const report_options *opt, omr_error *err) {
    if (mkdir(dir, 0777) != 0 && errno != EEXIST)
        return omr_fail(err, OMR_ERR_IO, "cannot create %s: %s", dir, strerror(errno));
    report_options o = *opt;
    if (!o.total_label)
        o.total_label = "Totalt";
    if (!o.title)
        o.title = d->tmpl->title ? d->tmpl->title : d->tmpl->id;
    const omr_template *t = d->tmpl;
    int rc = OMR_OK;
    static const char *const csv_names[] = {"response-rate.csv", "agree.csv", "distribution.csv",
                                            "grade.csv", "filter.csv", "options.csv", "index.html"};
    for (size_t i = 0; i < 7 && rc == OMR_OK; i++) {
        out_file of;
        if ((rc = out_open(&of, dir, csv_names[i], err)) != OMR_OK)
            break;
        switch (i) {
        case 0: report_write_rates(of.fp, rates, o.total_label, REPORT_CSV); break;
        case 1: write_agree_csv(of.fp, d, &o); break;
        case 2: write_distribution_csv(of.fp, d, &o); break;
        case 3: write_grade_csv(of.fp, d, &o); break;
        case 4: write_filter_csv(of.fp, d, &o); break;
        case 5: write_options_csv(of.fp, d, &o); break;
        default: write_html(of.fp, db, d, rates, &o); break;
        }
        rc = out_commit(&of, err);
    }
    if (rc != OMR_OK)
        return rc;

    size_t cap = (rates->n + 1) + t->n_questions + d->n_units + 1 + 64;
    const char **labels = calloc(cap, sizeof *labels);
    double (*values)[2] = calloc(cap, sizeof *values);
    long *ns = calloc(cap, sizeof *ns);

    /* response rates */
    bar_chart c = {.title = "Svarsfrekvens per enhet",
                   .series = {"Svarsfrekvens", "Korrigerad svarsfrekvens"},
                   .n_series = 2, .labels = labels, .values = values, .max = 100, .percent = 1};
    for (size_t i = 0; i <= rates->n; i++) {
        const report_rate_row *row = i == 0 ? &rates->total : &rates->rows[i - 1];
        labels[i] = i == 0 ? o.total_label : row->unit;
        long a = report_percent_hundredths(row->returned, row->sent);
        long b = report_percent_hundredths(row->returned, row->sent - row->undeliverable);
        values[i][0] = a < 0 ? NAN : a / 100.0;
        values[i][1] = b < 0 ? NAN : b / 100.0;
    }
    c.n_rows = rates->n + 1;
    rc = save_bar_chart(dir, "response-rate", &c, err);

    /* agree, whole survey */
    size_t n = 0;
    for (size_t q = 0; q < t->n_questions && rc == OMR_OK; q++) {
        if (!report_is_statement(&t->questions[q]))
            continue;
        report_stat s;
        report_share(d, NULL, t->questions[q].id, "5 4", &s);
        labels[n] = t->questions[q].text;
        values[n][0] = s.value;
        ns[n++] = s.n;
    }
    if (rc == OMR_OK && n) {
        bar_chart a = {.title = "Andel som instämmer (Stämmer mycket bra eller bra)", .n_series = 1,
                       .labels = labels, .values = values, .n = ns, .n_rows = n, .max = 100,
                       .percent = 1};
        rc = save_bar_chart(dir, "agree", &a, err);
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
                            .segment_names = names, .n_segments = 5, .shares = shares};
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
            report_mean(d, group_unit(d, g), tq->id, &m);
            labels[g] = group_name(d, &o, g);
            values[g][0] = m.value;
            ns[g] = m.n;
        }
        bar_chart gc = {.title = "Medelbetyg per enhet", .n_series = 1, .labels = labels,
                        .values = values, .n = ns, .n_rows = d->n_units + 1, .max = max};
        rc = save_bar_chart(dir, "grade", &gc, err);
        break;
    }

    /* routed multiple choice: filter share per unit, options overall */
    for (size_t q = 0; q < t->n_questions && rc == OMR_OK; q++) {
        const template_question *tq = &t->questions[q];
        if (tq->type != QUESTION_MULTI || !tq->only_if_question)
            continue;
        char vals[256];
        filter_values(tq, vals, sizeof vals);
        for (size_t g = 0; g <= d->n_units; g++) {
            report_stat s;
            report_share(d, group_unit(d, g), tq->only_if_question, vals, &s);
            labels[g] = group_name(d, &o, g);
            values[g][0] = s.value;
            ns[g] = s.n;
        }
        const template_question *filter = template_question_by_id(t, tq->only_if_question);
        char title[300];
        snprintf(title, sizeof title, "%s: andel per enhet",
                 tq->section ? tq->section : filter ? filter->id : tq->id);
        bar_chart fc = {.title = title, .n_series = 1, .labels = labels, .values = values, .n = ns,
                        .n_rows = d->n_units + 1, .max = 100, .percent = 1};
        rc = save_bar_chart(dir, "filter", &fc, err);
        for (size_t b = 0; b < tq->n_boxes && rc == OMR_OK; b++) {
            report_stat s;
            report_share(d, NULL, tq->id, tq->boxes[b].value, &s);
            labels[b] = tq->boxes[b].label ? tq->boxes[b].label : tq->boxes[b].value;
            values[b][0] = s.value;
            ns[b] = 0;
        }
        snprintf(title, sizeof title, "%s: skäl (andel av dem som angett något)",
                 tq->section ? tq->section : tq->id);
        bar_chart oc = {.title = title, .n_series = 1, .labels = labels, .values = values,
                        .n_rows = tq->n_boxes, .max = 100, .percent = 1};
        if (rc == OMR_OK)
            rc = save_bar_chart(dir, "options", &oc, err);
        break;
    }
    free(labels);
    free(values);
    free(ns);
    return rc;
}
