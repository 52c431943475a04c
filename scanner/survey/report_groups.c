/*
 * report_groups.c — the report per group of a frame variable (see
 * report_groups.h for the rules: Wilson intervals, the two-proportion test,
 * suppression below the minimum cell). Reads the respondents analysis.c
 * loaded; hands on groups.csv and grupper.html, each through the one atomic
 * file and the one CSV cell writer (base/files.h).
 */
#include "survey/report_groups.h"

#include <math.h>
#include <stdlib.h>
#include <strings.h>
#include <string.h>

#include "base/files.h"
#include "survey/report_chart.h"
#include "survey/report_page.h"

/* ---- statistics ---------------------------------------------------------------------------- */

void report_wilson(double p, double n, double *low, double *high) {
    if (!(n > 0) || isnan(p)) {
        *low = *high = NAN;
        return;
    }
    double z = REPORT_Z_95, q = p / 100.0, z2 = z * z;
    double centre = (q + z2 / (2 * n)) / (1 + z2 / n);
    double half = z / (1 + z2 / n) * sqrt(q * (1 - q) / n + z2 / (4 * n * n));
    *low = 100.0 * fmax(0, centre - half);
    *high = 100.0 * fmin(1, centre + half);
}

double report_two_prop_z(double p1, double n1, double p2, double n2) {
    if (!(n1 > 0) || !(n2 > 0))
        return 0;
    double a = p1 / 100.0, b = p2 / 100.0, pooled = (a * n1 + b * n2) / (n1 + n2);
    double var = pooled * (1 - pooled) * (1 / n1 + 1 / n2);
    return var > 0 ? (a - b) / sqrt(var) : 0;
}

/* The column of `var` in the rows: -1 for unit, -2 when unknown. */
static long var_column(const analysis_data *d, const char *var) {
    if (strcmp(var, "unit") == 0)
        return -1;
    for (size_t i = 0; i < d->n_vars; i++)
        if (strcmp(d->var_names[i], var) == 0)
            return (long)i;
    return -2;
}

static const char *row_value(const analysis_row *r, long col) {
    const char *v = col == -1 ? r->unit : r->vars[col];
    return v ? v : "";
}

/* Does the row belong to the filter's respondents? */
static int row_in(const analysis_data *d, const analysis_row *r, const report_filter *f, long col) {
    (void)d;
    if (!f || !f->var || col == -2)
        return 1;
    int same = strcmp(row_value(r, col), f->level ? f->level : "") == 0;
    return f->rest ? !same : same;
}

static long question_column(const analysis_data *d, const char *id) {
    const template_question *q = template_question_by_id(d->tmpl, id);
    return q ? (long)(q - d->tmpl->questions) : -1;
}

int report_share_where(const analysis_data *d, const report_filter *f, const char *question,
                       const char *values, report_stat *out) {
    memset(out, 0, sizeof *out);
    out->value = NAN;
    long qi = question_column(d, question);
    if (qi < 0)
        return OMR_ERR_NOT_FOUND;
    long col = f && f->var ? var_column(d, f->var) : -2;
    for (size_t i = 0; i < d->n_rows; i++) {
        const analysis_row *r = &d->rows[i];
        if (r->missing[qi] || !row_in(d, r, f, col))
            continue;
        out->n++;
        out->base += r->weight;
        int hit = 0;
        for (const char *p = values; *p && !hit;) {
            while (*p == ' ')
                p++;
            size_t len = strcspn(p, " ");
            char one[64];
            snprintf(one, sizeof one, "%.*s", (int)len, p);
            hit = *one && analysis_value_in(r->values[qi], one);
            p += len;
        }
        if (hit)
            out->hits += r->weight;
    }
    if (out->n)
        out->value = 100.0 * out->hits / out->base;
    return OMR_OK;
}

int report_mean_where(const analysis_data *d, const report_filter *f, const char *question,
                      report_stat *out) {
    memset(out, 0, sizeof *out);
    out->value = NAN;
    long qi = question_column(d, question);
    if (qi < 0)
        return OMR_ERR_NOT_FOUND;
    long col = f && f->var ? var_column(d, f->var) : -2;
    for (size_t i = 0; i < d->n_rows; i++) {
        const analysis_row *r = &d->rows[i];
        if (r->missing[qi] || !row_in(d, r, f, col))
            continue;
        out->n++;
        out->base += r->weight;
        out->hits += r->weight * atof(r->values[qi]);
    }
    if (out->n)
        out->value = out->hits / out->base;
    return OMR_OK;
}

static int compare_levels(const void *a, const void *b) {
    const char *x = *(char *const *)a, *y = *(char *const *)b;
    if (!*x || !*y) /* no value sorts last */
        return !*x - !*y;
    return strcmp(x, y);
}

int report_group_levels(const analysis_data *d, const char *var, frame_strings *out,
                        omr_error *err) {
    memset(out, 0, sizeof *out);
    long col = var_column(d, var);
    if (col == -2)
        return omr_fail(err, OMR_ERR_INVALID,
                        "--by %s: the frame has no such variable (it has unit%s%s)", var,
                        d->n_vars ? " and " : "", d->n_vars ? d->var_names[0] : "");
    if (col == -1) { /* units in frame order, as everywhere in the report */
        for (size_t u = 0; u < d->n_units; u++)
            frame_strings_add(out, d->units[u]);
        return OMR_OK;
    }
    for (size_t i = 0; i < d->n_rows; i++) {
        const char *v = row_value(&d->rows[i], col);
        int seen = 0;
        for (size_t k = 0; k < out->count && !seen; k++)
            seen = strcmp(out->items[k], v) == 0;
        if (!seen)
            frame_strings_add(out, v);
    }
    qsort(out->items, out->count, sizeof *out->items, compare_levels);
    return OMR_OK;
}

const char *report_var_label(const char *var) {
    static const char *const names[][2] = {
        {"unit", "enhet"},           {"gender", "kön"},          {"kon", "kön"},
        {"age_group", "åldersgrupp"}, {"age", "ålder"},           {"alder", "ålder"},
        {"assistance_time", "biståndstid"}, {"time_on_assistance", "biståndstid"},
        {"bistandstid", "biståndstid"}, {"size_group", "kommunstorlek"},
        {"municipality_size", "kommunstorlek"}, {"kommungrupp", "kommunstorlek"}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(names[i][0], var) == 0)
            return names[i][1];
    return var;
}

void report_fmt_sv(char *buf, size_t size, double v, int decimals) {
    if (isnan(v)) {
        buf[0] = 0;
        return;
    }
    snprintf(buf, size, "%.*f", decimals, v);
    char *dot = strchr(buf, '.');
    if (dot)
        *dot = ',';
}

/* ---- one group's figure ---------------------------------------------------------------------- */

typedef struct {
    report_stat s;
    double low, high, z;
    int shown, significant;
} group_figure;

static void share_figure(const analysis_data *d, const char *var, const char *level,
                         const char *question, const char *values, long min_cell, group_figure *g) {
    memset(g, 0, sizeof *g);
    report_filter in = {.var = var, .level = level}, rest = {.var = var, .level = level, .rest = 1};
    report_share_where(d, &in, question, values, &g->s);
    g->shown = g->s.n >= min_cell;
    g->low = g->high = NAN;
    if (!g->shown)
        return;
    report_wilson(g->s.value, (double)g->s.n, &g->low, &g->high);
    report_stat o;
    report_share_where(d, &rest, question, values, &o);
    if (o.n >= min_cell) {
        g->z = report_two_prop_z(g->s.value, (double)g->s.n, o.value, (double)o.n);
        g->significant = fabs(g->z) > REPORT_Z_95;
    }
}

/* ---- groups.csv ------------------------------------------------------------------------------ */

/* names and labels are text (formula-neutralised); numbers plain, so "-2.645" stays a number */
static void cell(FILE *f, const char *s, int last) {
    omr_csv_cell(f, s, ',', OMR_CSV_TEXT);
    fputs(last ? "\r\n" : ",", f);
}

static void number_cell(FILE *f, const char *s, int last) {
    omr_csv_cell(f, s, ',', OMR_CSV_PLAIN);
    fputs(last ? "\r\n" : ",", f);
}

static void csv_number(char *buf, size_t size, double v, int decimals) {
    if (isnan(v))
        buf[0] = 0;
    else
        snprintf(buf, size, "%.*f", decimals, v);
}

static long respondents_in(const analysis_data *d, const char *var, const char *level) {
    long col = var_column(d, var), n = 0;
    report_filter f = {.var = var, .level = level};
    for (size_t i = 0; i < d->n_rows; i++)
        n += row_in(d, &d->rows[i], &f, col);
    return n;
}

static void csv_figure(FILE *f, const char *var, const char *level, long resp, long min_cell,
                       const char *q, const char *measure, const char *value, const group_figure *g,
                       int mean) {
    char c[7][32] = {{0}};
    if (g->shown) {
        snprintf(c[0], 32, "%ld", g->s.n);
        csv_number(c[1], 32, g->s.value, 2);
        if (!mean) {
            csv_number(c[2], 32, g->low, 2);
            csv_number(c[3], 32, g->high, 2);
            snprintf(c[4], 32, "%.3f", g->z);
            snprintf(c[5], 32, "%d", g->significant);
        }
    }
    snprintf(c[6], 32, "%d", !g->shown);
    char r[32] = ""; /* a group below the minimum cell is not counted out either */
    if (resp >= min_cell)
        snprintf(r, sizeof r, "%ld", resp);
    cell(f, var, 0);
    cell(f, *level ? level : "Uppgift saknas", 0);
    number_cell(f, r, 0);
    cell(f, q, 0);
    cell(f, measure, 0);
    cell(f, value, 0);
    for (int i = 0; i < 7; i++)
        number_cell(f, c[i], i == 6);
}

static void write_groups_csv(FILE *f, const analysis_data *d, const report_groups_options *g,
                             const frame_strings *levels, long min_cell) {
    fputs("variable,group,respondents,question,measure,value,n,estimate,ci_low,ci_high,z,"
          "significant,suppressed\r\n",
          f);
    const omr_template *t = d->tmpl;
    for (size_t v = 0; v < g->n_vars; v++)
        for (size_t l = 0; l < levels[v].count; l++) {
            const char *var = g->vars[v], *level = levels[v].items[l];
            long resp = respondents_in(d, var, level);
            for (size_t q = 0; q < t->n_questions; q++) {
                const template_question *tq = &t->questions[q];
                group_figure fig;
                if (report_is_statement(tq)) {
                    share_figure(d, var, level, tq->id, "5 4", min_cell, &fig);
                    csv_figure(f, var, level, resp, min_cell, tq->id, "agree", "5 4", &fig, 0);
                }
                if (report_is_grade(tq)) {
                    report_filter in = {.var = var, .level = level};
                    memset(&fig, 0, sizeof fig);
                    report_mean_where(d, &in, tq->id, &fig.s);
                    fig.shown = fig.s.n >= min_cell;
                    csv_figure(f, var, level, resp, min_cell, tq->id, "mean", "", &fig, 1);
                }
                for (size_t b = 0; b < tq->n_boxes; b++) {
                    share_figure(d, var, level, tq->id, tq->boxes[b].value, min_cell, &fig);
                    csv_figure(f, var, level, resp, min_cell, tq->id, "share", tq->boxes[b].value,
                               &fig, 0);
                }
            }
        }
}

/* ---- the charts: grupper-<k>.png and .svg, k the variable's place in --by ------------------ */

static void chart_name(char *buf, size_t size, size_t v) { snprintf(buf, size, "grupper-%zu", v + 1); }

/* Per statement, each group's share who agree with its 95% interval as an
 * error bar; a suppressed group is drawn as "." with the footnote. With more
 * groups than a chart has colours, one row per statement and group. */
static int write_chart(const analysis_data *d, const char *dir, const report_options *o, const char *var,
                       const frame_strings *levels, size_t v, long min_cell, omr_error *err) {
    const omr_template *t = d->tmpl;
    size_t n_st = 0;
    for (size_t q = 0; q < t->n_questions; q++)
        n_st += report_is_statement(&t->questions[q]);
    if (!n_st || !levels->count)
        return OMR_OK;
    int grouped = levels->count <= REPORT_CHART_MAX_SERIES;
    size_t series = grouped ? levels->count : 1, rows = grouped ? n_st : n_st * levels->count;
    size_t cells = rows * series;
    const char **labels = calloc(rows, sizeof *labels);
    char **owned = calloc(rows, sizeof *owned);
    const char *names[REPORT_CHART_MAX_SERIES];
    double *values = calloc(cells, sizeof *values), *low = calloc(cells, sizeof *low),
           *high = calloc(cells, sizeof *high);
    long *ns = calloc(cells, sizeof *ns);
    int rc = OMR_OK;
    if (!labels || !owned || !values || !low || !high || !ns)
        rc = omr_fail(err, OMR_ERR_MEMORY, "out of memory for the chart per %s", var);
    size_t k = 0;
    for (size_t q = 0; q < t->n_questions && rc == OMR_OK; q++) {
        const template_question *tq = &t->questions[q];
        if (!report_is_statement(tq))
            continue;
        for (size_t l = 0; l < levels->count; l++) {
            const char *level = levels->items[l];
            size_t row = grouped ? k : k * levels->count + l, i = grouped ? k * series + l : row;
            group_figure g;
            share_figure(d, var, level, tq->id, "5 4", min_cell, &g);
            values[i] = g.shown ? g.s.value : NAN;
            low[i] = g.low;
            high[i] = g.high;
            ns[i] = g.s.n;
            if (grouped) {
                labels[row] = tq->text;
                names[l] = *level ? level : "Uppgift saknas";
            } else {
                size_t len = strlen(tq->text) + strlen(level) + 32;
                if (!(owned[row] = malloc(len))) {
                    rc = omr_fail(err, OMR_ERR_MEMORY, "out of memory for the chart per %s", var);
                    break;
                }
                snprintf(owned[row], len, "%s – %s", tq->text, *level ? level : "Uppgift saknas");
                labels[row] = owned[row];
            }
        }
        k++;
    }
    if (rc == OMR_OK) {
        report_options so = *o;
        so.min_cell = min_cell;
        char title[200], name[64];
        snprintf(title, sizeof title, "Andel som instämmer per %s", report_var_label(var));
        chart_name(name, sizeof name, v);
        report_chart c = {.title = title, .series = grouped ? names : NULL, .n_series = series,
                          .labels = labels, .n_rows = rows, .values = values, .low = low,
                          .high = high, .n = ns, .max = 100, .percent = 1, .suppress = &so,
                          .note = "Strecken visar 95 % konfidensintervall (Wilsons intervall)."};
        rc = report_chart_save(dir, name, &c, err);
    }
    for (size_t r = 0; owned && r < rows; r++)
        free(owned[r]);
    free(owned);
    free(labels);
    free(values);
    free(low);
    free(high);
    free(ns);
    return rc;
}

/* ---- grupper.html ---------------------------------------------------------------------------- */

static void html_level(FILE *f, const char *level) {
    report_html_text(f, *level ? level : "Uppgift saknas");
}

/* One share cell: "85,0 (81,2–88,1)*", or "." when suppressed. */
static void html_figure(FILE *f, const group_figure *g) {
    if (!g->shown) {
        fputs("<td class=\"num sup\" title=\"för få svar för att visas\">.</td>", f);
        return;
    }
    char v[32], lo[32], hi[32];
    report_fmt_sv(v, sizeof v, g->s.value, 1);
    report_fmt_sv(lo, sizeof lo, g->low, 1);
    report_fmt_sv(hi, sizeof hi, g->high, 1);
    fprintf(f, "<td class=\"num\" title=\"n = %ld\">%s%s <span class=\"ci\">(%s–%s)</span>"
               "<br><span class=\"n\">n = %ld</span></td>",
            g->s.n, v, g->significant ? "<b class=\"sig\">*</b>" : "", lo, hi, g->s.n);
}

static void html_head_row(FILE *f, const char *first, const frame_strings *levels) {
    fputs("<tr><th>", f);
    report_html_text(f, first);
    fputs("</th>", f);
    for (size_t l = 0; l < levels->count; l++) {
        fputs("<th>", f);
        html_level(f, levels->items[l]);
        fputs("</th>", f);
    }
    fputs("</tr>\n", f);
}

/* With two groups (women and men), the comparison the city's gender-equality
 * section makes: in how many statements the first group's share, rounded to
 * a whole percent as printed, is higher, the same or lower, and how many of
 * the differences the test marks. */
static void compare_two(FILE *f, const analysis_data *d, const char *var,
                        const frame_strings *levels, long min_cell) {
    if (levels->count != 2 || !*levels->items[1])
        return;
    int higher = 0, same = 0, lower = 0, marked = 0, total = 0;
    for (size_t q = 0; q < d->tmpl->n_questions; q++) {
        const template_question *tq = &d->tmpl->questions[q];
        if (!report_is_statement(tq))
            continue;
        group_figure a, b;
        share_figure(d, var, levels->items[0], tq->id, "5 4", min_cell, &a);
        share_figure(d, var, levels->items[1], tq->id, "5 4", min_cell, &b);
        if (!a.shown || !b.shown)
            continue;
        double x = floor(a.s.value + 0.5), y = floor(b.s.value + 0.5);
        higher += x > y;
        same += x == y;
        lower += x < y;
        marked += a.significant;
        total++;
    }
    if (!total)
        return;
    fputs("<p>Gruppen ", f);
    report_html_text(f, levels->items[0]);
    fputs(" har en högre andel som instämmer än gruppen ", f);
    report_html_text(f, levels->items[1]);
    fprintf(f, " i %d av %d påståenden, samma andel (i hela procent) i %d och en lägre i %d. "
               "%d av skillnaderna är större än slumpen förklarar (*).</p>\n",
            higher, total, same, lower, marked);
}

static void write_variable(FILE *f, const analysis_data *d, const char *var,
                           const frame_strings *levels, size_t v, long min_cell) {
    const omr_template *t = d->tmpl;
    fputs("<h2>Resultat per ", f);
    report_html_text(f, report_var_label(var));
    fputs("</h2>\n<table><tr><th>Grupp</th><th>Antal svarande</th><th>Andel av de svarande</th></tr>\n", f);
    for (size_t l = 0; l < levels->count; l++) {
        long n = respondents_in(d, var, levels->items[l]);
        char share[32];
        report_fmt_sv(share, sizeof share, d->n_rows ? 100.0 * n / (double)d->n_rows : NAN, 0);
        fputs("<tr><td>", f);
        html_level(f, levels->items[l]);
        if (n < min_cell)
            fputs("</td><td class=\"num\">.</td><td class=\"num\">.</td></tr>\n", f);
        else
            fprintf(f, "</td><td class=\"num\">%ld</td><td class=\"num\">%s %%</td></tr>\n", n, share);
    }
    fputs("</table>\n", f);

    int any = 0;
    for (size_t q = 0; q < t->n_questions; q++)
        any |= report_is_statement(&t->questions[q]);
    if (any) {
        char name[64], alt[200];
        chart_name(name, sizeof name, v);
        snprintf(alt, sizeof alt, "Andel som instämmer per %s, med 95 %% konfidensintervall",
                 report_var_label(var));
        fputs("<h3>Andel som instämmer (procent, 95 % konfidensintervall)</h3>\n", f);
        report_chart_html(f, name, alt);
        fputs("<div class=\"wide\"><table>\n", f);
        html_head_row(f, "Påstående", levels);
        for (size_t q = 0; q < t->n_questions; q++) {
            const template_question *tq = &t->questions[q];
            if (!report_is_statement(tq))
                continue;
            fputs("<tr><td class=\"q\">", f);
            report_html_text(f, tq->text);
            fputs("</td>", f);
            for (size_t l = 0; l < levels->count; l++) {
                group_figure g;
                share_figure(d, var, levels->items[l], tq->id, "5 4", min_cell, &g);
                html_figure(f, &g);
            }
            fputs("</tr>\n", f);
        }
        fputs("</table></div>\n", f);
        compare_two(f, d, var, levels, min_cell);
    }
    for (size_t q = 0; q < t->n_questions; q++) {
        const template_question *tq = &t->questions[q];
        if (!report_is_grade(tq))
            continue;
        fputs("<h3>Medelbetyg</h3>\n<table>\n", f);
        html_head_row(f, "Fråga", levels);
        fputs("<tr><td class=\"q\">", f);
        report_html_text(f, tq->text);
        fputs("</td>", f);
        for (size_t l = 0; l < levels->count; l++) {
            report_filter in = {.var = var, .level = levels->items[l]};
            report_stat m;
            report_mean_where(d, &in, tq->id, &m);
            char mean[32];
            report_fmt_sv(mean, sizeof mean, m.value, 1);
            if (m.n < min_cell)
                fputs("<td class=\"num sup\">.</td>", f);
            else
                fprintf(f, "<td class=\"num\">%s<br><span class=\"n\">n = %ld</span></td>", mean, m.n);
        }
        fputs("</tr></table>\n", f);
    }
    fputs("<h3>Svarsfördelning i övriga frågor (procent)</h3>\n", f);
    for (size_t q = 0; q < t->n_questions; q++) {
        const template_question *tq = &t->questions[q];
        if (report_is_statement(tq) || report_is_grade(tq) || !tq->n_boxes)
            continue;
        fputs("<div class=\"wide\"><table>\n<tr><th colspan=\"", f);
        fprintf(f, "%zu\">", levels->count + 1);
        report_html_text(f, tq->text);
        fputs("</th></tr>\n", f);
        html_head_row(f, "Svar", levels);
        for (size_t b = 0; b < tq->n_boxes; b++) {
            fputs("<tr><td>", f);
            report_html_text(f, tq->boxes[b].label ? tq->boxes[b].label : tq->boxes[b].value);
            fputs("</td>", f);
            for (size_t l = 0; l < levels->count; l++) {
                group_figure g;
                share_figure(d, var, levels->items[l], tq->id, tq->boxes[b].value, min_cell, &g);
                html_figure(f, &g);
            }
            fputs("</tr>\n", f);
        }
        fputs("</table></div>\n", f);
    }
}

/* ---- the gender-equality section (jämställdhetsanalys) ------------------------------------ */

static int is_woman(const char *l) { return strncasecmp(l, "kvinn", 5) == 0 || strcasecmp(l, "K") == 0; }
static int is_man(const char *l) {
    return strcasecmp(l, "Man") == 0 || strncasecmp(l, "Män", strlen("Män")) == 0 || strcasecmp(l, "M") == 0;
}

/* The levels of women and men of a gender variable; 0 when it has not both. */
static int women_and_men(const frame_strings *levels, const char **w, const char **m) {
    *w = *m = NULL;
    for (size_t l = 0; l < levels->count; l++) {
        if (is_woman(levels->items[l]))
            *w = levels->items[l];
        else if (is_man(levels->items[l]))
            *m = levels->items[l];
    }
    return *w && *m;
}

/* A statement's share as printed (whole percent). */
static double whole(double v) { return floor(v + 0.5); }

/* The mean, over the statements, of the distance between the highest and
 * the lowest shown group's share (whole percent); NAN with no statement
 * shown in two groups. */
static double mean_spread(const analysis_data *d, const char *var, const frame_strings *levels,
                          long min_cell) {
    double sum = 0;
    int k = 0;
    for (size_t q = 0; q < d->tmpl->n_questions; q++) {
        const template_question *tq = &d->tmpl->questions[q];
        if (!report_is_statement(tq))
            continue;
        double lo = INFINITY, hi = -INFINITY;
        int shown = 0;
        for (size_t l = 0; l < levels->count; l++) {
            if (!*levels->items[l])
                continue; /* "Uppgift saknas" is no group of the variable */
            group_figure g;
            share_figure(d, var, levels->items[l], tq->id, "5 4", min_cell, &g);
            if (!g.shown)
                continue;
            shown++;
            lo = fmin(lo, whole(g.s.value));
            hi = fmax(hi, whole(g.s.value));
        }
        if (shown >= 2) {
            sum += hi - lo;
            k++;
        }
    }
    return k ? sum / k : NAN;
}

/* The city report's "Skillnader mellan kön" and "Jämställdhetsanalys": the
 * split of the respondents, women's and men's shares per statement with the
 * difference in points and the test, how many statements each is more
 * positive in, the largest and smallest difference, the mean grade and the
 * routed questions (who felt discriminated) by gender, and whether the other
 * variables (age, time on assistance) matter more than gender. */
static void write_equality(FILE *f, const analysis_data *d, const report_groups_options *g,
                           const frame_strings *levels, long min_cell) {
    size_t gv = g->n_vars;
    const char *w = NULL, *m = NULL;
    for (size_t v = 0; v < g->n_vars && gv == g->n_vars; v++)
        if (strcmp(report_var_label(g->vars[v]), "kön") == 0 && women_and_men(&levels[v], &w, &m))
            gv = v;
    if (gv == g->n_vars)
        return;
    const char *var = g->vars[gv];
    const omr_template *t = d->tmpl;
    long nw = respondents_in(d, var, w), nm = respondents_in(d, var, m);
    fputs("<h2 id=\"jamstalldhet\">Jämställdhetsanalys</h2>\n", f);
    if (nw < min_cell || nm < min_cell) {
        fprintf(f, "<p>Färre än %ld kvinnor eller män har svarat: ingen jämförelse redovisas.</p>\n",
                min_cell);
        return;
    }
    fprintf(f, "<p>Av dem som besvarat enkäten och vars kön är känt var %.0f procent kvinnor och "
               "%.0f procent män (%ld kvinnor, %ld män).</p>\n",
            whole(100.0 * nw / (double)(nw + nm)), whole(100.0 * nm / (double)(nw + nm)), nw, nm);
    int higher = 0, same = 0, lower = 0, marked = 0, total = 0;
    double max_diff = -1, min_diff = INFINITY;
    const char *max_q = NULL;
    fputs("<table><tr><th>Påstående</th><th>Kvinnor</th><th>Män</th>"
          "<th>Skillnad (procentenheter, kvinnor − män)</th></tr>\n",
          f);
    for (size_t q = 0; q < t->n_questions; q++) {
        const template_question *tq = &t->questions[q];
        if (!report_is_statement(tq))
            continue;
        group_figure a, b;
        share_figure(d, var, w, tq->id, "5 4", min_cell, &a);
        share_figure(d, var, m, tq->id, "5 4", min_cell, &b);
        fputs("<tr><td class=\"q\">", f);
        report_html_text(f, tq->text);
        fputs("</td>", f);
        if (!a.shown || !b.shown) {
            fputs("<td class=\"num sup\">.</td><td class=\"num sup\">.</td><td class=\"num\"></td></tr>\n", f);
            continue;
        }
        double x = whole(a.s.value), y = whole(b.s.value), diff = x - y;
        int sig = fabs(report_two_prop_z(a.s.value, (double)a.s.n, b.s.value, (double)b.s.n)) > REPORT_Z_95;
        higher += diff > 0;
        same += diff == 0;
        lower += diff < 0;
        marked += sig;
        total++;
        if (fabs(diff) > max_diff) {
            max_diff = fabs(diff);
            max_q = tq->text;
        }
        min_diff = fmin(min_diff, fabs(diff));
        fprintf(f, "<td class=\"num\">%.0f %%<br><span class=\"n\">n = %ld</span></td>"
                   "<td class=\"num\">%.0f %%<br><span class=\"n\">n = %ld</span></td>"
                   "<td class=\"num\">%s%.0f%s</td></tr>\n",
                x, a.s.n, y, b.s.n, diff > 0 ? "+" : diff < 0 ? "−" : "±", fabs(diff),
                sig ? "<b class=\"sig\">*</b>" : "");
    }
    fputs("</table>\n", f);
    if (total) {
        fprintf(f, "<p>Kvinnornas andel som instämmer är högre än männens i %d av %d påståenden, lika "
                   "(i hela procent) i %d och lägre i %d. Skillnaden är högst %.0f procentenheter (",
                higher, total, same, lower, max_diff);
        report_html_text(f, max_q);
        fprintf(f, ") och lägst %.0f. %d av skillnaderna är större än slumpen förklarar (*: z-test "
                   "mellan kvinnor och män, 5 %% nivå).</p>\n",
                min_diff, marked);
    }
    /* the grade and the routed questions (who felt discriminated), by gender */
    fputs("<ul>\n", f);
    for (size_t q = 0; q < t->n_questions; q++) {
        const template_question *tq = &t->questions[q];
        if (report_is_grade(tq)) {
            report_filter fw = {.var = var, .level = w}, fm = {.var = var, .level = m};
            report_stat a, b;
            report_mean_where(d, &fw, tq->id, &a);
            report_mean_where(d, &fm, tq->id, &b);
            if (a.n < min_cell || b.n < min_cell)
                continue;
            char x[32], y[32];
            report_fmt_sv(x, sizeof x, a.value, 1);
            report_fmt_sv(y, sizeof y, b.value, 1);
            fputs("<li>", f);
            report_html_text(f, tq->text);
            fprintf(f, " Medelbetyget är %s för kvinnor och %s för män.</li>\n", x, y);
        } else if (tq->type == QUESTION_MULTI && tq->only_if_question) {
            const template_question *filter = template_question_by_id(t, tq->only_if_question);
            char values[256];
            report_filter_values(tq, values, sizeof values);
            group_figure a, b;
            share_figure(d, var, w, tq->only_if_question, values, min_cell, &a);
            share_figure(d, var, m, tq->only_if_question, values, min_cell, &b);
            if (!filter || !a.shown || !b.shown)
                continue;
            fputs("<li>", f);
            report_html_text(f, filter->text);
            fprintf(f, " Ja: %.0f procent av kvinnorna och %.0f procent av männen.</li>\n",
                    whole(a.s.value), whole(b.s.value));
        }
    }
    fputs("</ul>\n", f);
    /* does gender matter less than the other variables? */
    double spread = mean_spread(d, var, &levels[gv], min_cell);
    if (isnan(spread) || g->n_vars < 2)
        return;
    char v0[32];
    report_fmt_sv(v0, sizeof v0, spread, 1);
    fprintf(f, "<p>Genomsnittlig skillnad per påstående mellan den högsta och den lägsta gruppens "
               "andel: kön %s procentenheter", v0);
    int more = 0;
    for (size_t v = 0; v < g->n_vars; v++) {
        double s = v == gv ? NAN : mean_spread(d, g->vars[v], &levels[v], min_cell);
        if (isnan(s))
            continue;
        char buf[32];
        report_fmt_sv(buf, sizeof buf, s, 1);
        fputs(", ", f);
        report_html_text(f, report_var_label(g->vars[v]));
        fprintf(f, " %s", buf);
        more |= s > spread;
    }
    fputs(".", f);
    if (more) {
        fputs(" Kön har en mindre inverkan på resultatet än ", f);
        int first = 1;
        for (size_t v = 0; v < g->n_vars; v++) {
            double s = v == gv ? NAN : mean_spread(d, g->vars[v], &levels[v], min_cell);
            if (isnan(s) || s <= spread)
                continue;
            fputs(first ? "" : " och ", f);
            report_html_text(f, report_var_label(g->vars[v]));
            first = 0;
        }
        fputs(".", f);
    } else
        fputs(" Kön har minst lika stor inverkan på resultatet som de övriga variablerna.", f);
    fputs("</p>\n", f);
}

static void write_page(FILE *f, const analysis_data *d, const report_options *o,
                       const report_groups_options *g, const frame_strings *levels, long min_cell) {
    report_page_begin(f, o, REPORT_PAGE_GROUPS, "resultat per grupp",
                      "td.q{min-width:20em}.ci,.n{color:#555;font-size:.85em}.sig{color:#b03a2e}\n"
                      ".sup{color:#888}\n");
    fprintf(f, "<p>%zu svarande.</p>\n", d->n_rows);
    for (size_t v = 0; v < g->n_vars; v++)
        write_variable(f, d, g->vars[v], &levels[v], v, min_cell);
    write_equality(f, d, g, levels, min_cell);
    fprintf(f,
            "<h2>Så ska tabellerna läsas</h2>\n<ul class=\"note\">\n"
            "<li>Andelen är av dem i gruppen som besvarat frågan; <em>n</em> är antalet svar.</li>\n"
            "<li>Inom parentes: 95 %% konfidensintervall (Wilsons intervall).%s</li>\n"
            "<li><b class=\"sig\">*</b> Gruppen skiljer sig från övriga svarande mer än slumpen kan "
            "förklara: z-test för skillnaden mellan två andelar (sammanvägd andel, tvåsidigt, 5 %% "
            "nivå). Med två grupper jämförs de med varandra.</li>\n"
            "<li>. Färre än %ld svar i gruppen: värdet visas inte, för att skydda de svarandes "
            "anonymitet och för att det är för osäkert.</li>\n"
            "<li>Svar som väntar på granskning räknas inte. Tabellerna finns också i groups.csv.</li>\n"
            "</ul>\n</body>\n</html>\n",
            d->weight_vars ? " Andelarna är viktade; intervallen bygger på antalet svar." : "",
            min_cell);
}

int report_groups_write(const analysis_data *d, const char *dir, const report_options *opt,
                        const report_groups_options *g, omr_error *err) {
    report_options o = *opt;
    if (!o.title)
        o.title = d->tmpl->title ? d->tmpl->title : d->tmpl->id;
    long min_cell = g->min_cell > 0 ? g->min_cell : REPORT_MIN_CELL;
    frame_strings *levels = calloc(g->n_vars ? g->n_vars : 1, sizeof *levels);
    if (!levels)
        return omr_fail(err, OMR_ERR_MEMORY, "out of memory for the groups");
    int rc = OMR_OK;
    for (size_t v = 0; v < g->n_vars && rc == OMR_OK; v++)
        rc = report_group_levels(d, g->vars[v], &levels[v], err);
    omr_atomic_file file;
    if (rc == OMR_OK && (rc = omr_atomic_open(&file, dir, "groups.csv", err)) == OMR_OK) {
        write_groups_csv(file.fp, d, g, levels, min_cell);
        rc = omr_atomic_commit(&file, err);
    }
    for (size_t v = 0; v < g->n_vars && rc == OMR_OK; v++)
        rc = write_chart(d, dir, &o, g->vars[v], &levels[v], v, min_cell, err);
    if (rc == OMR_OK && (rc = omr_atomic_open(&file, dir, "grupper.html", err)) == OMR_OK) {
        write_page(file.fp, d, &o, g, levels, min_cell);
        rc = omr_atomic_commit(&file, err);
    }
    for (size_t v = 0; v < g->n_vars; v++)
        frame_strings_free(&levels[v]);
    free(levels);
    return rc;
}
