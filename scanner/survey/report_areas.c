/*
 * report_areas.c — the areas of a questionnaire (read with libconfig from
 * `<template>.areas`, see report_areas.h) and the report per unit and area:
 * areas.csv and omraden.html, each through the one atomic file and the one
 * CSV cell writer (base/files.h).
 */
#include "survey/report_areas.h"

#include <libconfig.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/files.h"
#include "survey/report_chart.h"
#include "survey/report_page.h"
#include "survey/report_groups.h"

/* ---- the definition ------------------------------------------------------------------------ */

void report_areas_free(report_areas *a) {
    for (size_t i = 0; i < a->n; i++) {
        for (size_t k = 0; k < a->areas[i].n_items; k++)
            free(a->areas[i].items[k]);
        free(a->areas[i].items);
        free(a->areas[i].name);
    }
    free(a->areas);
    memset(a, 0, sizeof *a);
}

/* Is the item "q" (a statement) or "q=values" of a question of t? */
static int item_ok(const omr_template *t, const char *item) {
    char id[128];
    size_t len = strcspn(item, "=");
    snprintf(id, sizeof id, "%.*s", (int)len, item);
    const template_question *q = template_question_by_id(t, id);
    if (!q)
        return 0;
    if (!item[len])
        return report_is_statement(q) || report_is_grade(q);
    return item[len + 1] != 0;
}

int report_areas_load(const char *path, const omr_template *t, report_areas *out, omr_error *err) {
    memset(out, 0, sizeof *out);
    config_t cfg;
    config_init(&cfg);
    int rc = OMR_OK;
    if (!config_read_file(&cfg, path)) {
        rc = config_error_type(&cfg) == CONFIG_ERR_FILE_IO
                 ? omr_fail(err, OMR_ERR_IO, "cannot read the areas file %s", path)
                 : omr_fail(err, OMR_ERR_INVALID, "%s:%d: %s", path, config_error_line(&cfg),
                            config_error_text(&cfg));
        config_destroy(&cfg);
        return rc;
    }
    const char *method = "mean_of_shares";
    config_lookup_string(&cfg, "method", &method);
    config_setting_t *list = config_lookup(&cfg, "areas");
    if (strcmp(method, "mean_of_shares") != 0)
        rc = omr_fail(err, OMR_ERR_INVALID, "%s: method \"%s\" is not known (mean_of_shares is)",
                      path, method);
    else if (!list || !config_setting_is_list(list))
        rc = omr_fail(err, OMR_ERR_INVALID, "%s: needs areas = ( { name = ...; items = [...]; }, ... )",
                      path);
    int n = rc == OMR_OK ? config_setting_length(list) : 0;
    if (rc == OMR_OK && !(out->areas = calloc(n ? (size_t)n : 1, sizeof *out->areas)))
        rc = omr_fail(err, OMR_ERR_MEMORY, "out of memory for the areas");
    for (int i = 0; i < n && rc == OMR_OK; i++) {
        config_setting_t *a = config_setting_get_elem(list, (unsigned)i);
        const char *name = NULL;
        config_setting_t *items = config_setting_lookup(a, "items");
        int line = config_setting_source_line(a);
        if (!config_setting_lookup_string(a, "name", &name) || !items ||
            !config_setting_is_array(items) || config_setting_length(items) == 0) {
            rc = omr_fail(err, OMR_ERR_INVALID, "%s:%d: an area needs a name and items = [\"q1a\", ...]",
                          path, line);
            break;
        }
        report_area *area = &out->areas[out->n++];
        area->name = strdup(name);
        int lower = 0;
        config_setting_lookup_bool(a, "lower_is_better", &lower);
        area->lower_is_better = lower;
        size_t k = (size_t)config_setting_length(items);
        area->items = calloc(k, sizeof *area->items);
        if (!area->name || !area->items) {
            rc = omr_fail(err, OMR_ERR_MEMORY, "out of memory for the areas");
            break;
        }
        for (size_t j = 0; j < k && rc == OMR_OK; j++) {
            const char *item = config_setting_get_string_elem(items, (int)j);
            if (!item || !item_ok(t, item))
                rc = omr_fail(err, OMR_ERR_INVALID,
                              "%s:%d: area \"%s\": item \"%s\" is not a statement of %s nor "
                              "question=values",
                              path, line, name, item ? item : "?", t->id);
            else if (!(area->items[area->n_items++] = strdup(item)))
                rc = omr_fail(err, OMR_ERR_MEMORY, "out of memory for the areas");
        }
    }
    config_destroy(&cfg);
    if (rc != OMR_OK)
        report_areas_free(out);
    return rc;
}

/* ---- figures ----------------------------------------------------------------------------------- */

int report_item_stat(const analysis_data *d, const char *unit, const char *item, report_stat *out) {
    char id[128];
    size_t len = strcspn(item, "=");
    snprintf(id, sizeof id, "%.*s", (int)len, item);
    report_filter f = {.var = unit ? "unit" : NULL, .level = unit};
    if (item[len])
        return report_share_where(d, &f, id, item + len + 1, out);
    const template_question *q = template_question_by_id(d->tmpl, id);
    if (q && report_is_grade(q))
        return report_mean_where(d, &f, id, out);
    return report_share_where(d, &f, id, "5 4", out);
}

double report_area_value(const analysis_data *d, const report_area *a, const char *unit,
                         long *n_min) {
    double sum = 0;
    *n_min = -1;
    for (size_t i = 0; i < a->n_items; i++) {
        report_stat s;
        if (report_item_stat(d, unit, a->items[i], &s) != OMR_OK)
            return NAN;
        if (*n_min < 0 || s.n < *n_min)
            *n_min = s.n;
        sum += s.value;
    }
    return a->n_items ? sum / (double)a->n_items : NAN;
}

/* ---- the outputs ------------------------------------------------------------------------------- */

static void cell(FILE *f, const char *s, int last) {
    omr_csv_cell(f, s, ',', OMR_CSV_TEXT);
    fputs(last ? "\r\n" : ",", f);
}

static void write_csv(FILE *f, const analysis_data *d, const report_areas *a, const report_options *o) {
    fputs("unit,area,items,n_min,value,suppressed\r\n", f);
    for (size_t g = 0; g <= d->n_units; g++)
        for (size_t i = 0; i < a->n; i++) {
            long n;
            double v = report_area_value(d, &a->areas[i], report_group_unit(d, g), &n);
            int shown = n >= report_min_cell(o) && !isnan(v);
            char items[512] = "", nb[32], vb[32] = "";
            for (size_t k = 0; k < a->areas[i].n_items; k++) {
                size_t len = strlen(items);
                snprintf(items + len, sizeof items - len, "%s%s", k ? " " : "", a->areas[i].items[k]);
            }
            snprintf(nb, sizeof nb, "%ld", n);
            if (shown)
                snprintf(vb, sizeof vb, "%.2f", v);
            cell(f, report_group_name(d, o, g), 0);
            cell(f, a->areas[i].name, 0);
            cell(f, items, 0);
            cell(f, shown ? nb : "", 0);
            cell(f, vb, 0);
            cell(f, shown ? "0" : "1", 1);
        }
}

typedef struct {
    size_t area;
    double value;
} area_value;

/* highest first; equal values in the order the areas file lists them */
static int by_value_desc(const void *a, const void *b) {
    const area_value *x = a, *y = b;
    if (x->value != y->value)
        return (x->value < y->value) - (x->value > y->value);
    return (x->area > y->area) - (x->area < y->area);
}

/* "tydlighet (85 procent), kompetens (82 procent) och delaktighet (82 procent)" */
static void html_list(FILE *f, const report_areas *a, const area_value *v, size_t n) {
    for (size_t i = 0; i < n; i++) {
        fputs(i == 0 ? "" : i + 1 == n ? " och " : ", ", f);
        report_html_text(f, a->areas[v[i].area].name);
        fprintf(f, " (%.0f procent)", floor(v[i].value + 0.5));
    }
}

/* One chart per area (omrade-<i>.png and .svg): the whole survey and each
 * unit, suppressed units drawn as "." with the footnote. */
static int write_charts(const analysis_data *d, const report_areas *a, const char *dir,
                        const report_options *o, omr_error *err) {
    size_t rows = d->n_units + 1;
    const char **labels = calloc(rows, sizeof *labels);
    double *values = calloc(rows, sizeof *values);
    long *ns = calloc(rows, sizeof *ns);
    int rc = labels && values && ns ? OMR_OK
                                    : omr_fail(err, OMR_ERR_MEMORY, "out of memory for the area charts");
    report_options so = *o;
    for (size_t i = 0; i < a->n && rc == OMR_OK; i++) {
        for (size_t g = 0; g < rows; g++) {
            labels[g] = report_group_name(d, o, g);
            values[g] = report_area_value(d, &a->areas[i], report_group_unit(d, g), &ns[g]);
        }
        char title[300], name[32];
        snprintf(title, sizeof title, "Område: %s (procent per enhet)", a->areas[i].name);
        snprintf(name, sizeof name, "omrade-%zu", i + 1);
        report_chart c = {.title = title, .n_series = 1, .labels = labels, .n_rows = rows,
                          .values = values, .n = ns, .max = 100, .percent = 1, .suppress = &so,
                          .note = a->areas[i].lower_is_better ? "Lägre är bättre." : NULL};
        rc = report_chart_save(dir, name, &c, err);
    }
    free(labels);
    free(values);
    free(ns);
    return rc;
}

static void write_page(FILE *f, const analysis_data *d, const report_areas *a, const report_options *o) {
    report_page_begin(f, o, REPORT_PAGE_AREAS, "resultat per område", NULL);
    fputs("<h2>Områden per enhet (procent)</h2>\n<div style=\"overflow-x:auto\"><table><tr><th>Enhet</th>",
          f);
    for (size_t i = 0; i < a->n; i++) {
        fputs("<th>", f);
        report_html_text(f, a->areas[i].name);
        fputs("</th>", f);
    }
    fputs("</tr>\n", f);
    area_value *vals = calloc(a->n ? a->n : 1, sizeof *vals);
    for (size_t g = 0; g <= d->n_units; g++) {
        fputs("<tr><td>", f);
        report_html_text(f, report_group_name(d, o, g));
        fputs("</td>", f);
        for (size_t i = 0; i < a->n; i++) {
            long n;
            double v = report_area_value(d, &a->areas[i], report_group_unit(d, g), &n);
            if (n < report_min_cell(o) || isnan(v))
                fputs("<td class=\"num\">.</td>", f);
            else
                fprintf(f, "<td class=\"num\" title=\"minst %ld svar\">%.0f</td>", n, floor(v + 0.5));
        }
        fputs("</tr>\n", f);
    }
    fputs("</table></div>\n<h2>Områdena i diagram</h2>\n<p class=\"note\">Antalet svar (n) är det "
          "minsta antalet svar på någon av områdets frågor.</p>\n",
          f);
    for (size_t i = 0; i < a->n; i++) {
        char name[32];
        snprintf(name, sizeof name, "omrade-%zu", i + 1);
        report_chart_html(f, name, a->areas[i].name);
    }
    fputs("<h2>Kort om varje enhet</h2>\n", f);
    for (size_t g = 1; vals && g <= d->n_units; g++) {
        size_t k = 0;
        for (size_t i = 0; i < a->n; i++) {
            long n;
            double v = report_area_value(d, &a->areas[i], report_group_unit(d, g), &n);
            if (!a->areas[i].lower_is_better && n >= report_min_cell(o) && !isnan(v))
                vals[k++] = (area_value){i, v};
        }
        fputs("<p><b>", f);
        report_html_text(f, report_group_name(d, o, g));
        if (!k) {
            fputs("</b>: för få svar för att redovisa områden.</p>\n", f);
            continue;
        }
        qsort(vals, k, sizeof *vals, by_value_desc);
        size_t top = k < 3 ? k : 3;
        fputs("</b>: starkast resultat för ", f);
        html_list(f, a, vals, top);
        if (k > 3) {
            fputs("; lägst för ", f);
            html_list(f, a, vals + k - 1, 1);
        }
        fputs(".</p>\n", f);
    }
    free(vals);
    fputs("<h2>Så beräknas ett område</h2>\n<ul class=\"note\">\n"
          "<li>Ett områdes resultat är medelvärdet av dess frågors andelar: för ett påstående "
          "andelen som instämmer (Stämmer mycket bra eller Stämmer bra), annars andelen med det "
          "angivna svaret, var och en av dem som besvarat frågan. Med en fråga är det frågans "
          "andel.</li>\n<li>Områdena och deras frågor:<ul>\n",
          f);
    for (size_t i = 0; i < a->n; i++) {
        fputs("<li>", f);
        report_html_text(f, a->areas[i].name);
        fputs(": ", f);
        for (size_t k = 0; k < a->areas[i].n_items; k++) {
            char id[128];
            const char *item = a->areas[i].items[k];
            size_t len = strcspn(item, "=");
            snprintf(id, sizeof id, "%.*s", (int)len, item);
            const template_question *q = template_question_by_id(d->tmpl, id);
            fputs(k ? "; " : "", f);
            report_html_text(f, q && q->text ? q->text : id);
            if (item[len]) {
                fputs(" (svar ", f);
                report_html_text(f, item + len + 1);
                fputs(")", f);
            }
        }
        fputs(a->areas[i].lower_is_better ? " <em>(lägre är bättre)</em></li>\n" : "</li>\n", f);
    }
    fprintf(f, "</ul></li>\n<li>. Färre än %ld svar på någon av områdets frågor: visas inte.</li>\n"
               "</ul>\n</body>\n</html>\n",
            report_min_cell(o));
}

int report_areas_write(const analysis_data *d, const report_areas *a, const char *dir,
                       const report_options *opt, omr_error *err) {
    report_options o = *opt;
    if (!o.total_label)
        o.total_label = "Totalt";
    if (!o.title)
        o.title = d->tmpl->title ? d->tmpl->title : d->tmpl->id;
    omr_atomic_file file;
    int rc = omr_atomic_open(&file, dir, "areas.csv", err);
    if (rc != OMR_OK)
        return rc;
    write_csv(file.fp, d, a, &o);
    if ((rc = omr_atomic_commit(&file, err)) != OMR_OK)
        return rc;
    if ((rc = omr_atomic_open(&file, dir, "omraden.html", err)) != OMR_OK)
        return rc;
    write_page(file.fp, d, a, &o);
    if ((rc = omr_atomic_commit(&file, err)) != OMR_OK)
        return rc;
    return write_charts(d, a, dir, &o, err);
}
