/*
 * report.c — the survey's tables and the whole report run. Response rates
 * come from the ledger's counts (ledger/survey_queries.c: frame, returns,
 * undeliverable); everything else from the respondents that analysis.c loads
 * (weighted when asked). The CSV tables are for machines and go through the
 * one CSV field writer and the one atomic file (base/files.h); the charts and
 * the Swedish HTML page are in report_chart.c.
 */
#include "survey/report.h"
#include "survey/report_waves.h"

#include <errno.h>
#include <glib.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/files.h"
#include "ledger/survey_queries.h"
#include "survey/frame.h"

/* ---- response rates -------------------------------------------------------------------- */

long report_percent_hundredths(long num, long den) {
    if (den <= 0)
        return -1;
    return (num * 20000 + den) / (2 * den);
}

int report_response_rates(omr_db *db, const char *template_id, report_rates *out,
                          omr_error *err) {
    memset(out, 0, sizeof *out);
    int rc = frame_open(db, err);
    if (rc != OMR_OK)
        return rc;
    survey_unit_counts *units = NULL;
    size_t n = 0;
    rc = survey_query_unit_counts(db, template_id, &units, &n, err);
    if (rc != OMR_OK)
        return rc;
    out->rows = calloc(n ? n : 1, sizeof *out->rows);
    if (!out->rows) {
        survey_unit_counts_free(units, n);
        return omr_fail(err, OMR_ERR_MEMORY, "out of memory for %zu units", n);
    }
    for (size_t i = 0; i < n; i++) {
        report_rate_row *r = &out->rows[out->n++];
        r->unit = units[i].unit; /* handed over */
        units[i].unit = NULL;
        r->sent = units[i].sent;
        r->returned = units[i].returned;
        r->undeliverable = units[i].undeliverable;
        out->total.sent += r->sent;
        out->total.returned += r->returned;
        out->total.undeliverable += r->undeliverable;
    }
    survey_unit_counts_free(units, n);
    return OMR_OK;
}

void report_rates_free(report_rates *r) {
    for (size_t i = 0; i < r->n; i++)
        free(r->rows[i].unit);
    free(r->rows);
    memset(r, 0, sizeof *r);
}

/* "7 581" */
void report_format_int_sv(char *buf, size_t size, long v) {
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
void report_format_hundredths(char *buf, size_t size, long h, int swedish) {
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

/* One CSV table's dialect: RFC 4180 (',', '.') for scripts, or the Excel
 * dialect Swedish offices use (byte order mark, ';', decimal comma). Every
 * cell goes through the one CSV writer (base/files.h). */
typedef struct {
    FILE *f;
    char delim;
    int decimal_comma;
} csv_table;

static csv_table csv_begin(FILE *f, int excel) {
    if (excel)
        fputs("\xEF\xBB\xBF", f);
    return (csv_table){f, excel ? ';' : ',', excel};
}

/* The header row: names given comma-separated, written in the dialect. */
static void csv_header(const csv_table *t, const char *names) {
    for (const char *p = names; *p; p++)
        fputc(*p == ',' ? t->delim : *p, t->f);
    fputs("\r\n", t->f);
}

/* One cell of a table, then the delimiter or the row's CRLF. */
static void csv_put(const csv_table *t, const char *s, int last) {
    /* unit names, question texts and labels are text (formula-neutralised,
     * base/files.h); the numbers here are never negative, so never touched */
    omr_csv_cell(t->f, s, t->delim, OMR_CSV_TEXT);
    if (last)
        fputs("\r\n", t->f);
    else
        fputc(t->delim, t->f);
}

/* A number's cell: "12.50", or "12,50" in the Excel dialect. */
static void csv_num(const csv_table *t, const char *s, int last) {
    char buf[64];
    snprintf(buf, sizeof buf, "%s", s);
    if (t->decimal_comma)
        for (char *p = buf; *p; p++)
            if (*p == '.')
                *p = ',';
    csv_put(t, buf, last);
}

void report_write_rates(FILE *out, const report_rates *r, const char *total_label,
                        report_format format) {
    csv_table t = {0};
    if (format != REPORT_TEXT) {
        t = csv_begin(out, format == REPORT_CSV_EXCEL);
        csv_header(&t, "unit,sent,returned,response_rate,undeliverable,corrected_response_rate");
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
            report_format_int_sv(cells[0], 32, row->sent);
            report_format_int_sv(cells[1], 32, row->returned);
            report_format_int_sv(cells[3], 32, row->undeliverable);
        } else {
            snprintf(cells[0], 32, "%ld", row->sent);
            snprintf(cells[1], 32, "%ld", row->returned);
            snprintf(cells[3], 32, "%ld", row->undeliverable);
        }
        report_format_hundredths(cells[2], 32, rate, sv);
        report_format_hundredths(cells[4], 32, corrected, sv);
        if (!sv) {
            csv_put(&t, label, 0);
            for (int c = 0; c < 5; c++)
                csv_num(&t, cells[c], c == 4);
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

int report_suppressed(const report_options *o, long n) {
    long min = o && o->min_cell > 0 ? o->min_cell : REPORT_MIN_CELL_DEFAULT;
    return n > 0 && n < min;
}

void report_suppression_note(const report_options *o, char *buf, size_t size) {
    long min = o && o->min_cell > 0 ? o->min_cell : REPORT_MIN_CELL_DEFAULT;
    snprintf(buf, size, "Färre än %ld svar: värdet visas inte", min);
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
void report_upper_values(const template_question *q, char *buf, size_t size) {
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

const char *report_group_unit(const analysis_data *d, size_t g) {
    return g == 0 ? NULL : d->units[g - 1];
}

const char *report_group_name(const analysis_data *d, const report_options *o, size_t g) {
    return g == 0 ? o->total_label : d->units[g - 1];
}

static void fmt_num(char *buf, size_t size, double v, int decimals) {
    if (isnan(v))
        buf[0] = 0;
    else
        snprintf(buf, size, "%.*f", decimals, v);
}

/* The last cells of a row: the value(s), "." when the cell rests on too few
 * answers, and the note saying so. */
static void csv_values(const csv_table *t, const report_options *o, long n, const char *const *values,
                       size_t n_values) {
    int hidden = report_suppressed(o, n);
    for (size_t i = 0; i < n_values; i++)
        csv_num(t, hidden ? "." : values[i], 0);
    char note[128] = "";
    if (hidden)
        report_suppression_note(o, note, sizeof note);
    csv_put(t, note, 1);
}

static void write_agree_csv(FILE *f, const analysis_data *d, const report_options *o) {
    csv_table tb = csv_begin(f, o->excel);
    csv_header(&tb, "unit,question,statement,n,agree_pct,note");
    const omr_template *t = d->tmpl;
    for (size_t g = 0; g <= d->n_units; g++)
        for (size_t q = 0; q < t->n_questions; q++) {
            if (!report_is_statement(&t->questions[q]))
                continue;
            report_stat s;
            report_share(d, report_group_unit(d, g), t->questions[q].id, "5 4", &s);
            char n[32], v[32];
            snprintf(n, sizeof n, "%ld", s.n);
            fmt_num(v, sizeof v, s.value, 2);
            csv_put(&tb, report_group_name(d, o, g), 0);
            csv_put(&tb, t->questions[q].id, 0);
            csv_put(&tb, t->questions[q].text, 0);
            csv_put(&tb, n, 0);
            const char *vals[] = {v};
            csv_values(&tb, o, s.n, vals, 1);
        }
}

static void write_distribution_csv(FILE *f, const analysis_data *d, const report_options *o) {
    csv_table tb = csv_begin(f, o->excel);
    csv_header(&tb, "unit,question,value,label,n,share_pct,note");
    const omr_template *t = d->tmpl;
    for (size_t g = 0; g <= d->n_units; g++)
        for (size_t q = 0; q < t->n_questions; q++) {
            const template_question *tq = &t->questions[q];
            for (size_t b = 0; b < tq->n_boxes; b++) {
                report_stat s;
                report_share(d, report_group_unit(d, g), tq->id, tq->boxes[b].value, &s);
                char n[32], v[32];
                snprintf(n, sizeof n, "%ld", s.n);
                fmt_num(v, sizeof v, s.value, 2);
                csv_put(&tb, report_group_name(d, o, g), 0);
                csv_put(&tb, tq->id, 0);
                csv_put(&tb, tq->boxes[b].value, 0);
                csv_put(&tb, tq->boxes[b].label ? tq->boxes[b].label : "", 0);
                csv_put(&tb, n, 0);
                const char *vals[] = {v};
                csv_values(&tb, o, s.n, vals, 1);
            }
        }
}

static void write_grade_csv(FILE *f, const analysis_data *d, const report_options *o) {
    csv_table tb = csv_begin(f, o->excel);
    csv_header(&tb, "unit,question,n,mean,upper_values,upper_pct,note");
    const omr_template *t = d->tmpl;
    for (size_t g = 0; g <= d->n_units; g++)
        for (size_t q = 0; q < t->n_questions; q++) {
            const template_question *tq = &t->questions[q];
            if (!report_is_grade(tq))
                continue;
            report_stat m, u;
            char upper[256];
            report_upper_values(tq, upper, sizeof upper);
            report_mean(d, report_group_unit(d, g), tq->id, &m);
            report_share(d, report_group_unit(d, g), tq->id, upper, &u);
            char n[32], mean[32], share[32];
            snprintf(n, sizeof n, "%ld", m.n);
            fmt_num(mean, sizeof mean, m.value, 2);
            fmt_num(share, sizeof share, u.value, 2);
            csv_put(&tb, report_group_name(d, o, g), 0);
            csv_put(&tb, tq->id, 0);
            csv_put(&tb, n, 0);
            int hidden = report_suppressed(o, m.n);
            csv_num(&tb, hidden ? "." : mean, 0);
            csv_put(&tb, upper, 0);
            const char *vals[] = {share};
            csv_values(&tb, o, m.n, vals, 1);
        }
}

/* For each routed multiple-choice question: the share its filter opens it to. */
void report_filter_values(const template_question *q, char *buf, size_t size) {
    buf[0] = 0;
    for (size_t i = 0; i < q->n_only_if_values; i++) {
        size_t len = strlen(buf);
        snprintf(buf + len, size - len, "%s%s", len ? " " : "", q->only_if_values[i]);
    }
}

static void write_filter_csv(FILE *f, const analysis_data *d, const report_options *o) {
    csv_table tb = csv_begin(f, o->excel);
    csv_header(&tb, "unit,question,values,opens,n,share_pct,note");
    const omr_template *t = d->tmpl;
    for (size_t g = 0; g <= d->n_units; g++)
        for (size_t q = 0; q < t->n_questions; q++) {
            const template_question *tq = &t->questions[q];
            if (tq->type != QUESTION_MULTI || !tq->only_if_question)
                continue;
            char values[256], n[32], v[32];
            report_filter_values(tq, values, sizeof values);
            report_stat s;
            report_share(d, report_group_unit(d, g), tq->only_if_question, values, &s);
            snprintf(n, sizeof n, "%ld", s.n);
            fmt_num(v, sizeof v, s.value, 2);
            csv_put(&tb, report_group_name(d, o, g), 0);
            csv_put(&tb, tq->only_if_question, 0);
            csv_put(&tb, values, 0);
            csv_put(&tb, tq->id, 0);
            csv_put(&tb, n, 0);
            const char *vals[] = {v};
            csv_values(&tb, o, s.n, vals, 1);
        }
}

static void write_options_csv(FILE *f, const analysis_data *d, const report_options *o) {
    csv_table tb = csv_begin(f, o->excel);
    csv_header(&tb, "unit,question,value,label,n,share_pct,note");
    const omr_template *t = d->tmpl;
    for (size_t g = 0; g <= d->n_units; g++)
        for (size_t q = 0; q < t->n_questions; q++) {
            const template_question *tq = &t->questions[q];
            if (tq->type != QUESTION_MULTI)
                continue;
            for (size_t b = 0; b < tq->n_boxes; b++) {
                report_stat s;
                report_share(d, report_group_unit(d, g), tq->id, tq->boxes[b].value, &s);
                char n[32], v[32];
                snprintf(n, sizeof n, "%ld", s.n);
                fmt_num(v, sizeof v, s.value, 2);
                csv_put(&tb, report_group_name(d, o, g), 0);
                csv_put(&tb, tq->id, 0);
                csv_put(&tb, tq->boxes[b].value, 0);
                csv_put(&tb, tq->boxes[b].label ? tq->boxes[b].label : "", 0);
                csv_put(&tb, n, 0);
                const char *vals[] = {v};
                csv_values(&tb, o, s.n, vals, 1);
            }
        }
}

/* ---- the tables ---------------------------------------------------------------------------- */

int report_write_tables(omr_db *db, const analysis_data *d, const report_rates *rates,
                        const char *dir, const report_options *opt, omr_error *err) {
    const report_options o = *opt;
    int rc = OMR_OK;
    static const char *const csv_names[] = {"response-rate.csv", "agree.csv", "distribution.csv",
                                            "grade.csv", "filter.csv", "options.csv", "index.html"};
    for (size_t i = 0; i < 7 && rc == OMR_OK; i++) {
        omr_atomic_file of;
        if ((rc = omr_atomic_open(&of, dir, csv_names[i], err)) != OMR_OK)
            break;
        switch (i) {
        case 0:
            report_write_rates(of.fp, rates, o.total_label, o.excel ? REPORT_CSV_EXCEL : REPORT_CSV);
            break;
        case 1: write_agree_csv(of.fp, d, &o); break;
        case 2: write_distribution_csv(of.fp, d, &o); break;
        case 3: write_grade_csv(of.fp, d, &o); break;
        case 4: write_filter_csv(of.fp, d, &o); break;
        case 5: write_options_csv(of.fp, d, &o); break;
        default: report_write_page(of.fp, db, d, rates, &o); break;
        }
        rc = omr_atomic_commit(&of, err);
    }
    if (rc == OMR_OK) /* waves.csv: the response rate per mailing wave (report_waves.h) */
        rc = report_waves_write(db, d->tmpl->id, dir, o.excel, err);
    return rc;
}
