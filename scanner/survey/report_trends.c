/*
 * report_trends.c — earlier years' published results (a CSV read with
 * libcsv, see report_trends.h) set beside this year's: trends.csv and
 * trender.html, each through the one atomic file and the one CSV cell writer
 * (base/files.h).
 */
#include "survey/report_trends.h"

#include <csv.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/files.h"
#include "survey/report_chart.h"
#include "survey/report_page.h"
#include "survey/report_groups.h"

/* ---- reading ------------------------------------------------------------------------------- */

typedef struct {
    char **fields;
    size_t n, cap;
} csv_row;

typedef struct {
    csv_row *rows;
    size_t n, cap;
    csv_row current;
    int failed;
} csv_table;

static void on_field(void *s, size_t len, void *data) {
    csv_table *t = data;
    csv_row *r = &t->current;
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 8;
        char **grown = realloc(r->fields, cap * sizeof *grown);
        if (!grown) {
            t->failed = 1;
            return;
        }
        r->fields = grown;
        r->cap = cap;
    }
    char *copy = malloc(len + 1);
    if (!copy) {
        t->failed = 1;
        return;
    }
    memcpy(copy, s, len);
    copy[len] = 0;
    r->fields[r->n++] = copy;
}

static void on_record(int c, void *data) {
    (void)c;
    csv_table *t = data;
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 64;
        csv_row *grown = realloc(t->rows, cap * sizeof *grown);
        if (!grown) {
            t->failed = 1;
            return;
        }
        t->rows = grown;
        t->cap = cap;
    }
    t->rows[t->n++] = t->current;
    memset(&t->current, 0, sizeof t->current);
}

static void table_free(csv_table *t) {
    for (size_t i = 0; i <= t->n; i++) {
        csv_row *r = i < t->n ? &t->rows[i] : &t->current;
        for (size_t k = 0; k < r->n; k++)
            free(r->fields[k]);
        free(r->fields);
    }
    free(t->rows);
}

static int read_table(const char *path, csv_table *t, omr_error *err) {
    memset(t, 0, sizeof *t);
    FILE *f = fopen(path, "rb");
    if (!f)
        return omr_fail(err, OMR_ERR_IO, "cannot read the trends file %s", path);
    char buf[65536];
    size_t len = fread(buf, 1, sizeof buf, f);
    /* ';' when the header has one and no ',' (Excel in Swedish) */
    const char *nl = memchr(buf, '\n', len);
    size_t head = nl ? (size_t)(nl - buf) : len;
    unsigned char delim = memchr(buf, ';', head) && !memchr(buf, ',', head) ? ';' : ',';
    struct csv_parser p;
    csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL);
    csv_set_delim(&p, delim);
    int rc = OMR_OK;
    size_t skip = len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0; /* byte order mark */
    while (len > 0 && rc == OMR_OK) {
        if (csv_parse(&p, buf + skip, len - skip, on_field, on_record, t) != len - skip)
            rc = omr_fail(err, OMR_ERR_INVALID, "%s: %s", path, csv_strerror(csv_error(&p)));
        skip = 0;
        len = fread(buf, 1, sizeof buf, f);
    }
    if (rc == OMR_OK && csv_fini(&p, on_field, on_record, t) != 0)
        rc = omr_fail(err, OMR_ERR_INVALID, "%s: %s", path, csv_strerror(csv_error(&p)));
    csv_free(&p);
    fclose(f);
    if (rc == OMR_OK && t->failed)
        rc = omr_fail(err, OMR_ERR_MEMORY, "out of memory reading %s", path);
    if (rc != OMR_OK)
        table_free(t);
    return rc;
}

void report_trends_free(report_trends *t) {
    for (size_t i = 0; i < t->n; i++) {
        free(t->points[i].unit);
        free(t->points[i].item);
    }
    free(t->points);
    memset(t, 0, sizeof *t);
}

static const report_area *find_area(const report_areas *areas, const char *name) {
    for (size_t i = 0; areas && i < areas->n; i++)
        if (strcmp(areas->areas[i].name, name) == 0)
            return &areas->areas[i];
    return NULL;
}

static int item_known(const analysis_data *d, const report_areas *areas, const char *item) {
    if (find_area(areas, item))
        return 1;
    char id[128];
    size_t len = strcspn(item, "=");
    snprintf(id, sizeof id, "%.*s", (int)len, item);
    const template_question *q = template_question_by_id(d->tmpl, id);
    if (!q)
        return 0;
    return item[len] ? item[len + 1] != 0 : report_is_statement(q) || report_is_grade(q);
}

static int column(const csv_row *h, const char *name) {
    for (size_t i = 0; i < h->n; i++)
        if (strcmp(h->fields[i], name) == 0)
            return (int)i;
    return -1;
}

int report_trends_load(const char *path, const analysis_data *d, const report_areas *areas,
                       const char *total_label, report_trends *out, omr_error *err) {
    memset(out, 0, sizeof *out);
    csv_table t;
    int rc = read_table(path, &t, err);
    if (rc != OMR_OK)
        return rc;
    int cu = -1, ci = -1, cy = -1, cv = -1;
    if (t.n)
        cu = column(&t.rows[0], "unit"), ci = column(&t.rows[0], "item"),
        cy = column(&t.rows[0], "year"), cv = column(&t.rows[0], "value");
    if (cu < 0 || ci < 0 || cy < 0 || cv < 0)
        rc = omr_fail(err, OMR_ERR_INVALID, "%s:1: the header must name the columns unit, item, year, value",
                      path);
    if (rc == OMR_OK && !(out->points = calloc(t.n ? t.n : 1, sizeof *out->points)))
        rc = omr_fail(err, OMR_ERR_MEMORY, "out of memory reading %s", path);
    for (size_t r = 1; r < t.n && rc == OMR_OK; r++) {
        const csv_row *row = &t.rows[r];
        size_t need = (size_t)(cu > ci ? cu : ci);
        need = need > (size_t)cy ? need : (size_t)cy;
        need = need > (size_t)cv ? need : (size_t)cv;
        if (row->n == 1 && !*row->fields[0])
            continue; /* a blank line */
        if (row->n <= need) {
            rc = omr_fail(err, OMR_ERR_INVALID, "%s:%zu: needs unit, item, year and value", path, r + 1);
            break;
        }
        const char *unit = row->fields[cu], *item = row->fields[ci];
        int is_total = !*unit || (total_label && strcmp(unit, total_label) == 0);
        int unit_ok = is_total;
        for (size_t u = 0; u < d->n_units && !unit_ok; u++)
            unit_ok = strcmp(d->units[u], unit) == 0;
        char value[64], *end = NULL;
        snprintf(value, sizeof value, "%s", row->fields[cv]);
        for (char *c = value; *c; c++)
            if (*c == ',')
                *c = '.';
        double v = strtod(value, &end);
        long year = strtol(row->fields[cy], NULL, 10);
        if (!unit_ok)
            rc = omr_fail(err, OMR_ERR_INVALID,
                          "%s:%zu: unit \"%s\" is neither a unit of the frame nor \"%s\" (the whole survey)",
                          path, r + 1, unit, total_label ? total_label : "");
        else if (!item_known(d, areas, item))
            rc = omr_fail(err, OMR_ERR_INVALID,
                          "%s:%zu: item \"%s\" is not a statement, a grade, question=values or an area",
                          path, r + 1, item);
        else if (year < 1900 || year > 2200)
            rc = omr_fail(err, OMR_ERR_INVALID, "%s:%zu: year \"%s\" is not a year", path, r + 1,
                          row->fields[cy]);
        else if (!*value || !end || *end || !isfinite(v))
            rc = omr_fail(err, OMR_ERR_INVALID, "%s:%zu: value \"%s\" is not a number", path, r + 1,
                          row->fields[cv]);
        else {
            report_trend_point *pt = &out->points[out->n++];
            pt->unit = is_total ? NULL : strdup(unit);
            pt->item = strdup(item);
            pt->year = (int)year;
            pt->value = v;
            if ((!is_total && !pt->unit) || !pt->item)
                rc = omr_fail(err, OMR_ERR_MEMORY, "out of memory reading %s", path);
        }
    }
    table_free(&t);
    if (rc != OMR_OK)
        report_trends_free(out);
    return rc;
}

/* ---- figures ----------------------------------------------------------------------------------- */

/* The value as printed: a whole percent, a mean to one decimal. */
static double printed(double v, int is_mean) {
    return is_mean ? floor(v * 10 + 0.5) / 10 : floor(v + 0.5);
}

static int add_point(report_trends *t, const char *unit, const char *item, int year, double value) {
    for (size_t i = 0; i < t->n; i++)
        if (t->points[i].year == year && strcmp(t->points[i].item, item) == 0 &&
            ((!unit && !t->points[i].unit) || (unit && t->points[i].unit && !strcmp(unit, t->points[i].unit))))
            return OMR_OK; /* the published value wins */
    report_trend_point *grown = realloc(t->points, (t->n + 1) * sizeof *grown);
    if (!grown)
        return OMR_ERR_MEMORY;
    t->points = grown;
    report_trend_point *p = &t->points[t->n];
    p->unit = unit ? strdup(unit) : NULL;
    p->item = strdup(item);
    p->year = year;
    p->value = value;
    if ((unit && !p->unit) || !p->item) {
        free(p->unit);
        free(p->item);
        return OMR_ERR_MEMORY;
    }
    t->n++;
    return OMR_OK;
}

int report_trends_add_year(report_trends *t, const analysis_data *e, const report_areas *areas,
                           int year, omr_error *err) {
    int rc = OMR_OK;
    for (size_t g = 0; g <= e->n_units && rc == OMR_OK; g++) {
        const char *unit = g ? e->units[g - 1] : NULL;
        for (size_t q = 0; q < e->tmpl->n_questions && rc == OMR_OK; q++) {
            const template_question *tq = &e->tmpl->questions[q];
            if (!report_is_statement(tq) && !report_is_grade(tq))
                continue;
            long n;
            int is_mean;
            double v = report_trend_current(e, areas, unit, tq->id, &n, &is_mean);
            if (n >= REPORT_MIN_CELL && !isnan(v))
                rc = add_point(t, unit, tq->id, year, printed(v, is_mean));
        }
        for (size_t a = 0; areas && a < areas->n && rc == OMR_OK; a++) {
            long n;
            double v = report_area_value(e, &areas->areas[a], unit, &n);
            if (n >= REPORT_MIN_CELL && !isnan(v))
                rc = add_point(t, unit, areas->areas[a].name, year, printed(v, 0));
        }
    }
    return rc == OMR_OK ? OMR_OK : omr_fail(err, OMR_ERR_MEMORY, "out of memory for the trends");
}

double report_trend_current(const analysis_data *d, const report_areas *areas, const char *unit,
                            const char *item, long *n, int *is_mean) {
    *is_mean = 0;
    const report_area *a = find_area(areas, item);
    if (a)
        return report_area_value(d, a, unit, n);
    report_stat s;
    if (report_item_stat(d, unit, item, &s) != OMR_OK) {
        *n = 0;
        return NAN;
    }
    const template_question *q = template_question_by_id(d->tmpl, item);
    *is_mean = q && report_is_grade(q);
    *n = s.n;
    return s.value;
}

static int same_unit(const char *a, const char *b) {
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* The earlier points of (unit, item), newest first (caller frees). */
static size_t history(const report_trends *t, const char *unit, const char *item, int year,
                      const report_trend_point ***out) {
    *out = calloc(t->n ? t->n : 1, sizeof **out);
    size_t k = 0;
    for (size_t i = 0; *out && i < t->n; i++)
        if (same_unit(t->points[i].unit, unit) && strcmp(t->points[i].item, item) == 0 &&
            t->points[i].year < year) {
            size_t j = k++;
            while (j > 0 && (*out)[j - 1]->year < t->points[i].year) {
                (*out)[j] = (*out)[j - 1];
                j--;
            }
            (*out)[j] = &t->points[i];
        }
    return k;
}

/* ---- the outputs ------------------------------------------------------------------------------- */

/* "85 procent" or "7,5" */
static void fmt_value(char *buf, size_t size, double v, int is_mean) {
    if (is_mean)
        report_fmt_sv(buf, size, printed(v, 1), 1);
    else
        snprintf(buf, size, "%.0f procent", printed(v, 0));
}

static void fmt_change(char *buf, size_t size, double change, int is_mean) {
    char v[24];
    report_fmt_sv(v, sizeof v, fabs(change), is_mean ? 1 : 0);
    snprintf(buf, size, "%s%s", change > 0 ? "+" : change < 0 ? "−" : "±", v);
}

/* What a reader sees for an item: the question's text, for "q=v" with the
 * answer's label ("… diskriminerad …? – Ja"), an area's name as it is. */
static const char *item_label(const analysis_data *d, const char *item, char *buf, size_t size) {
    char id[128];
    size_t len = strcspn(item, "=");
    snprintf(id, sizeof id, "%.*s", (int)len, item);
    const template_question *q = template_question_by_id(d->tmpl, id);
    if (!q || !q->text)
        return item;
    if (!item[len])
        return q->text;
    const char *value = item + len + 1, *label = value;
    for (size_t b = 0; b < q->n_boxes; b++)
        if (strcmp(q->boxes[b].value, value) == 0 && q->boxes[b].label)
            label = q->boxes[b].label;
    snprintf(buf, size, "%s – %s", q->text, label);
    return buf;
}

/* The (unit, item) pairs in file order, each once. */
static int first_of_pair(const report_trends *t, size_t i) {
    for (size_t k = 0; k < i; k++)
        if (same_unit(t->points[k].unit, t->points[i].unit) &&
            strcmp(t->points[k].item, t->points[i].item) == 0)
            return 0;
    return 1;
}

static void csv_cell(FILE *f, const char *s, int text, int last) {
    omr_csv_cell(f, s, ',', text ? OMR_CSV_TEXT : OMR_CSV_PLAIN);
    fputs(last ? "\r\n" : ",", f);
}

static void write_csv(FILE *f, const analysis_data *d, const report_areas *areas,
                      const report_trends *t, int year, const report_options *o) {
    fputs("unit,item,year,value,change_points\r\n", f);
    for (size_t i = 0; i < t->n; i++) {
        if (!first_of_pair(t, i))
            continue;
        const char *unit = t->points[i].unit, *item = t->points[i].item;
        long n;
        int is_mean;
        double now = report_trend_current(d, areas, unit, item, &n, &is_mean);
        int shown = n >= report_min_cell(o) && !isnan(now);
        const report_trend_point **h;
        size_t k = history(t, unit, item, year, &h);
        char y[16], v[32] = "", c[32] = "";
        snprintf(y, sizeof y, "%d", year);
        if (shown) {
            snprintf(v, sizeof v, "%.*f", is_mean ? 1 : 0, printed(now, is_mean));
            if (k)
                snprintf(c, sizeof c, "%.*f", is_mean ? 1 : 0, printed(now, is_mean) - h[0]->value);
        }
        const char *name = unit ? unit : o->total_label;
        csv_cell(f, name, 1, 0);
        csv_cell(f, item, 1, 0);
        csv_cell(f, y, 0, 0);
        csv_cell(f, v, 0, 0);
        csv_cell(f, c, 0, 1);
        for (size_t j = 0; j < k; j++) {
            snprintf(y, sizeof y, "%d", h[j]->year);
            snprintf(v, sizeof v, "%g", h[j]->value);
            c[0] = 0;
            if (j + 1 < k)
                snprintf(c, sizeof c, "%g", h[j]->value - h[j + 1]->value);
            csv_cell(f, name, 1, 0);
            csv_cell(f, item, 1, 0);
            csv_cell(f, y, 0, 0);
            csv_cell(f, v, 0, 0);
            csv_cell(f, c, 0, 1);
        }
        free(h);
    }
}

/* The chart of one unit's percentages (trender-<k>.png and .svg): per item
 * this year beside the earlier years (at most the five latest), oldest first.
 * Means (grades) are on another scale and stay in the table. Returns
 * OMR_OK without a chart when the unit has no percentage with history. */
static int write_chart(const analysis_data *d, const report_areas *areas, const report_trends *t,
                       int year, const char *unit, const char *dir, const char *name,
                       const report_options *o, int *drawn, omr_error *err) {
    *drawn = 0;
    int years[REPORT_CHART_MAX_SERIES];
    size_t n_years = 0;
    /* the latest earlier years of this unit, ascending */
    for (size_t i = 0; i < t->n; i++) {
        const report_trend_point *p = &t->points[i];
        if (!same_unit(p->unit, unit) || p->year >= year)
            continue;
        int seen = 0;
        for (size_t k = 0; k < n_years && !seen; k++)
            seen = years[k] == p->year;
        if (seen)
            continue;
        if (n_years < REPORT_CHART_MAX_SERIES - 1)
            years[n_years++] = p->year;
        else if (p->year > years[0])
            years[0] = p->year; /* replace the oldest, then keep ascending */
        for (size_t a = 1; a < n_years; a++)
            for (size_t b = a; b > 0 && years[b - 1] > years[b]; b--) {
                int tmp = years[b];
                years[b] = years[b - 1];
                years[b - 1] = tmp;
            }
    }
    if (!n_years)
        return OMR_OK;
    size_t series = n_years + 1, rows = 0;
    const char **labels = calloc(t->n, sizeof *labels);
    double *values = calloc(t->n * series, sizeof *values);
    long *ns = calloc(t->n * series, sizeof *ns);
    char **owned = calloc(t->n, sizeof *owned), label[600];
    if (!labels || !values || !ns || !owned) {
        free(labels);
        free(values);
        free(ns);
        free(owned);
        return omr_fail(err, OMR_ERR_MEMORY, "out of memory for the chart of earlier years");
    }
    int rc = OMR_OK;
    for (size_t i = 0; i < t->n; i++) {
        if (!same_unit(t->points[i].unit, unit) || !first_of_pair(t, i))
            continue;
        const char *item = t->points[i].item;
        long n;
        int is_mean;
        double now = report_trend_current(d, areas, unit, item, &n, &is_mean);
        if (is_mean)
            continue;
        if (!(owned[rows] = strdup(item_label(d, item, label, sizeof label)))) {
            rc = omr_fail(err, OMR_ERR_MEMORY, "out of memory for the chart of earlier years");
            break;
        }
        labels[rows] = owned[rows];
        for (size_t y = 0; y < n_years; y++) {
            values[rows * series + y] = NAN;
            for (size_t k = 0; k < t->n; k++)
                if (same_unit(t->points[k].unit, unit) && strcmp(t->points[k].item, item) == 0 &&
                    t->points[k].year == years[y])
                    values[rows * series + y] = t->points[k].value;
        }
        values[rows * series + n_years] = isnan(now) ? NAN : printed(now, 0);
        ns[rows * series + n_years] = n;
        rows++;
    }
    if (rows && rc == OMR_OK) {
        char names[REPORT_CHART_MAX_SERIES][32], title[300];
        const char *series_names[REPORT_CHART_MAX_SERIES];
        for (size_t y = 0; y < series; y++) {
            if (y < n_years)
                snprintf(names[y], sizeof names[y], "%d", years[y]);
            else
                snprintf(names[y], sizeof names[y], "%d (i år)", year);
            series_names[y] = names[y];
        }
        snprintf(title, sizeof title, "%s: i år och tidigare år (procent)", unit ? unit : o->total_label);
        report_options so = *o;
        report_chart c = {.title = title, .series = series_names, .n_series = series, .labels = labels,
                          .n_rows = rows, .values = values, .n = ns, .max = 100, .percent = 1,
                          .whole = 1, .suppress = &so,
                          .note = "Tidigare år: publicerade värden. I år: beräknat ur svaren, avrundat."};
        rc = report_chart_save(dir, name, &c, err);
        *drawn = rc == OMR_OK;
    }
    for (size_t r = 0; r < rows; r++)
        free(owned[r]);
    free(owned);
    free(labels);
    free(values);
    free(ns);
    return rc;
}

static void write_page(FILE *f, const analysis_data *d, const report_areas *areas,
                       const report_trends *t, int year, const report_options *o, const int *drawn) {
    report_page_begin(f, o, REPORT_PAGE_TRENDS, "jämförelse med tidigare år", NULL);
    /* one table per unit, in the order the file names them */
    for (size_t i = 0; i < t->n; i++) {
        int first_unit = 1;
        for (size_t k = 0; k < i && first_unit; k++)
            first_unit = !same_unit(t->points[k].unit, t->points[i].unit);
        if (!first_unit)
            continue;
        const char *unit = t->points[i].unit;
        fputs("<h2>", f);
        report_html_text(f, unit ? unit : o->total_label);
        fprintf(f, "</h2>\n<table><tr><th>Fråga eller område</th><th>%d (tidigare år)</th>"
                   "<th>Förändring</th></tr>\n",
                year);
        for (size_t j = i; j < t->n; j++) {
            if (!same_unit(t->points[j].unit, unit) || !first_of_pair(t, j))
                continue;
            const char *item = t->points[j].item;
            long n;
            int is_mean;
            double now = report_trend_current(d, areas, unit, item, &n, &is_mean);
            const report_trend_point **h;
            size_t k = history(t, unit, item, year, &h);
            fputs("<tr><td>", f);
            char label[600];
            report_html_text(f, item_label(d, item, label, sizeof label));
            fputs("</td><td>", f);
            int shown = n >= report_min_cell(o) && !isnan(now);
            char v[64], c[40] = "";
            if (shown)
                fmt_value(v, sizeof v, now, is_mean);
            else
                snprintf(v, sizeof v, ".");
            report_html_text(f, v);
            if (k) {
                fputs(" (", f);
                for (size_t e = 0; e < k; e++) {
                    fmt_value(v, sizeof v, h[e]->value, is_mean);
                    fprintf(f, "%s%s %s%d", e ? ", " : "", v, is_mean ? "år " : "", h[e]->year);
                }
                fputs(")", f);
                if (shown)
                    fmt_change(c, sizeof c, printed(now, is_mean) - h[0]->value, is_mean);
            }
            fprintf(f, "</td><td class=\"num\">%s</td></tr>\n", c);
            free(h);
        }
        fputs("</table>\n", f);
        if (drawn && drawn[i]) {
            char name[32], alt[300];
            snprintf(name, sizeof name, "trender-%zu", i + 1);
            snprintf(alt, sizeof alt, "%s: i år och tidigare år", unit ? unit : o->total_label);
            report_chart_html(f, name, alt);
        }
    }
    fprintf(f, "<h2>Så ska tabellerna läsas</h2>\n<ul class=\"note\">\n"
               "<li>Årets värde (%d) är beräknat ur svaren; inom parentes de tidigare årens "
               "publicerade värden, det senaste först.</li>\n"
               "<li>Förändringen är i procentenheter (för betyg: i betygssteg) mellan årets värde "
               "avrundat som det skrivs och det senaste tidigare årets värde.</li>\n"
               "<li>. Färre än %ld svar: värdet visas inte.</li>\n</ul>\n</body>\n</html>\n",
            year, report_min_cell(o));
}

int report_trends_write(const analysis_data *d, const report_areas *areas, const report_trends *t,
                        int year, const char *dir, const report_options *opt, omr_error *err) {
    report_options o = *opt;
    if (!o.total_label)
        o.total_label = "Totalt";
    if (!o.title)
        o.title = d->tmpl->title ? d->tmpl->title : d->tmpl->id;
    omr_atomic_file file;
    int rc = omr_atomic_open(&file, dir, "trends.csv", err);
    if (rc != OMR_OK)
        return rc;
    write_csv(file.fp, d, areas, t, year, &o);
    if ((rc = omr_atomic_commit(&file, err)) != OMR_OK)
        return rc;
    /* a chart per unit, named by the unit's first point in the file */
    int *drawn = calloc(t->n ? t->n : 1, sizeof *drawn);
    if (!drawn)
        return omr_fail(err, OMR_ERR_MEMORY, "out of memory for the charts of earlier years");
    for (size_t i = 0; i < t->n && rc == OMR_OK; i++) {
        int first_unit = 1;
        for (size_t k = 0; k < i && first_unit; k++)
            first_unit = !same_unit(t->points[k].unit, t->points[i].unit);
        if (!first_unit)
            continue;
        char name[32];
        snprintf(name, sizeof name, "trender-%zu", i + 1);
        rc = write_chart(d, areas, t, year, t->points[i].unit, dir, name, &o, &drawn[i], err);
    }
    if (rc == OMR_OK && (rc = omr_atomic_open(&file, dir, "trender.html", err)) == OMR_OK) {
        write_page(file.fp, d, areas, t, year, &o, drawn);
        rc = omr_atomic_commit(&file, err);
    }
    free(drawn);
    return rc;
}
