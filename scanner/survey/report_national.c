/*
 * report_national.c — the national tables of a survey of municipalities
 * (see report_national.h): shares answering Ja per indicator and year, and
 * by a grouping variable of the frame; national.csv and riket.html, each
 * through the one atomic file and the one CSV cell writer (base/files.h);
 * combined indicators (report_national.h) read from `<template>.indicators`.
 */
#include "survey/report_national.h"

#include <libconfig.h>
#include <stdlib.h>
#include <string.h>

#include "base/files.h"
#include "survey/report_page.h"
#include "survey/report_groups.h"

const char *report_yes_value(const template_question *q) {
    if (q->type != QUESTION_SINGLE)
        return NULL;
    for (size_t b = 0; b < q->n_boxes; b++)
        if (q->boxes[b].label && strcmp(q->boxes[b].label, "Ja") == 0)
            return q->boxes[b].value;
    /* labels = "none" forms print Ja/Nej as column heads: value 1 of a 1/2 pair */
    if (q->n_boxes == 2 && strcmp(q->boxes[0].value, "1") == 0 && strcmp(q->boxes[1].value, "2") == 0)
        return "1";
    return NULL;
}

long report_percent_whole(long hits, long n) {
    return n > 0 ? (200 * hits + n) / (2 * n) : -1;
}

/* Counts of Ja among those who answered, over the rows of `var` = `level`
 * (var NULL: all). */
static void count_yes(const analysis_data *d, const template_question *q, const char *yes,
                      long var_col, const char *level, long *hits, long *n) {
    size_t qi = (size_t)(q - d->tmpl->questions);
    *hits = *n = 0;
    for (size_t r = 0; r < d->n_rows; r++) {
        const analysis_row *row = &d->rows[r];
        if (row->missing[qi])
            continue;
        if (level) {
            const char *v = var_col < 0 ? row->unit : row->vars[var_col];
            if (strcmp(v ? v : "", level) != 0)
                continue;
        }
        (*n)++;
        *hits += analysis_value_in(row->values[qi], yes);
    }
}

/* The row's value of the variable at var_col (-1: unit). */
static const char *row_level(const analysis_row *row, long var_col) {
    const char *v = var_col < 0 ? row->unit : row->vars[var_col];
    return v ? v : "";
}

/* A combined indicator's counts (see report_national.h), var_col as count_yes. */
static void count_combined(const analysis_data *d, const report_combined *c, long var_col,
                           const char *level, long *hits, long *n) {
    *hits = *n = 0;
    size_t qi[16];
    const char *yes[16];
    size_t k = 0;
    for (; k < c->n_parts && k < 16; k++) {
        const template_question *q = template_question_by_id(d->tmpl, c->parts[k]);
        if (!q || !(yes[k] = report_yes_value(q)))
            return; /* a year whose form lacks a part: no figure */
        qi[k] = (size_t)(q - d->tmpl->questions);
    }
    for (size_t r = 0; r < d->n_rows; r++) {
        const analysis_row *row = &d->rows[r];
        if (level && strcmp(row_level(row, var_col), level) != 0)
            continue;
        int answered = 1, all = 1;
        for (size_t p = 0; p < k; p++) {
            answered &= !row->missing[qi[p]];
            all &= !row->missing[qi[p]] && analysis_value_in(row->values[qi[p]], yes[p]);
        }
        if (!answered)
            continue;
        (*n)++;
        *hits += all;
    }
}

void report_combined_count(const analysis_data *d, const report_combined *c, const char *var,
                           const char *level, long *hits, long *n) {
    long var_col = -1;
    for (size_t i = 0; var && i < d->n_vars; i++)
        if (strcmp(d->var_names[i], var) == 0)
            var_col = (long)i;
    count_combined(d, c, var_col, var ? level : NULL, hits, n);
}

void report_indicators_free(report_indicators *ind) {
    for (size_t i = 0; ind && i < ind->n; i++) {
        for (size_t k = 0; k < ind->items[i].n_parts; k++)
            free(ind->items[i].parts[k]);
        free(ind->items[i].parts);
        free(ind->items[i].id);
        free(ind->items[i].text);
    }
    if (ind) {
        free(ind->items);
        memset(ind, 0, sizeof *ind);
    }
}

/* The combined indicator a question is a part of, if any; *first when it is
 * the indicator's first part in the template's order. */
static const report_combined *combined_of(const report_indicators *ci, const omr_template *t,
                                          const char *qid, int *first) {
    for (size_t i = 0; ci && i < ci->n; i++)
        for (size_t k = 0; k < ci->items[i].n_parts; k++)
            if (strcmp(ci->items[i].parts[k], qid) == 0) {
                size_t at = (size_t)(template_question_by_id(t, qid) - t->questions);
                *first = 1;
                for (size_t j = 0; j < ci->items[i].n_parts; j++) {
                    const template_question *o = template_question_by_id(t, ci->items[i].parts[j]);
                    if (o && (size_t)(o - t->questions) < at)
                        *first = 0;
                }
                return &ci->items[i];
            }
    *first = 0;
    return NULL;
}

int report_indicators_load(const char *path, const omr_template *t, report_indicators *out,
                           omr_error *err) {
    memset(out, 0, sizeof *out);
    config_t cfg;
    config_init(&cfg);
    if (!config_read_file(&cfg, path)) {
        int rc = config_error_type(&cfg) == CONFIG_ERR_FILE_IO
                     ? omr_fail(err, OMR_ERR_IO, "cannot read the indicators file %s", path)
                     : omr_fail(err, OMR_ERR_INVALID, "%s:%d: %s", path, config_error_line(&cfg),
                                config_error_text(&cfg));
        config_destroy(&cfg);
        return rc;
    }
    int rc = OMR_OK;
    config_setting_t *list = config_lookup(&cfg, "indicators");
    if (!list || !config_setting_is_list(list))
        rc = omr_fail(err, OMR_ERR_INVALID,
                      "%s: needs indicators = ( { id = ...; text = ...; all_of = [...]; }, ... )", path);
    int n = rc == OMR_OK ? config_setting_length(list) : 0;
    if (rc == OMR_OK && !(out->items = calloc(n ? (size_t)n : 1, sizeof *out->items)))
        rc = omr_fail(err, OMR_ERR_MEMORY, "out of memory for the indicators");
    for (int i = 0; i < n && rc == OMR_OK; i++) {
        config_setting_t *e = config_setting_get_elem(list, (unsigned)i);
        config_setting_t *parts = config_setting_lookup(e, "all_of");
        const char *id = NULL, *text = NULL;
        int line = config_setting_source_line(e);
        if (!config_setting_lookup_string(e, "id", &id) || !config_setting_lookup_string(e, "text", &text) ||
            !parts || !config_setting_is_array(parts) || config_setting_length(parts) < 2 ||
            config_setting_length(parts) > 16) {
            rc = omr_fail(err, OMR_ERR_INVALID,
                          "%s:%d: an indicator needs id, text and all_of = [\"q1\", \"q2\", ...] "
                          "(2 to 16 questions)",
                          path, line);
            break;
        }
        if (template_question_by_id(t, id)) {
            rc = omr_fail(err, OMR_ERR_INVALID, "%s:%d: \"%s\" is a question of %s; give the combined "
                                                "indicator a name of its own",
                          path, line, id, t->id);
            break;
        }
        report_combined *c = &out->items[out->n++];
        size_t k = (size_t)config_setting_length(parts);
        c->id = strdup(id);
        c->text = strdup(text);
        c->parts = calloc(k, sizeof *c->parts);
        if (!c->id || !c->text || !c->parts) {
            rc = omr_fail(err, OMR_ERR_MEMORY, "out of memory for the indicators");
            break;
        }
        for (size_t j = 0; j < k && rc == OMR_OK; j++) {
            const char *q = config_setting_get_string_elem(parts, (int)j);
            const template_question *tq = q ? template_question_by_id(t, q) : NULL;
            int taken = 0;
            for (size_t a = 0; q && a < out->n && !taken; a++)
                for (size_t b = 0; b < out->items[a].n_parts; b++)
                    taken |= strcmp(out->items[a].parts[b], q) == 0;
            if (!tq || !report_yes_value(tq))
                rc = omr_fail(err, OMR_ERR_INVALID, "%s:%d: indicator \"%s\": \"%s\" is not a Ja/Nej "
                                                    "question of %s",
                              path, line, id, q ? q : "?", t->id);
            else if (taken)
                rc = omr_fail(err, OMR_ERR_INVALID, "%s:%d: \"%s\" is a part of two indicators", path,
                              line, q);
            else if (!(c->parts[c->n_parts++] = strdup(q)))
                rc = omr_fail(err, OMR_ERR_MEMORY, "out of memory for the indicators");
        }
    }
    config_destroy(&cfg);
    if (rc != OMR_OK)
        report_indicators_free(out);
    return rc;
}

static int by_year(const void *a, const void *b) {
    return ((const report_year *)a)->year - ((const report_year *)b)->year;
}

static void html_pct(FILE *f, long hits, long n, long min_cell) {
    if (n < min_cell)
        fputs("<td class=\"num\">.</td>", f);
    else
        fprintf(f, "<td class=\"num\" title=\"%ld av %ld\">%ld</td>", hits, n,
                report_percent_whole(hits, n));
}

static void csv_row(FILE *f, const char *indicator, int year, const char *var, const char *group,
                    long hits, long n, long min_cell) {
    char y[16], nb[32] = "", hb[32] = "", pb[32] = "";
    snprintf(y, sizeof y, "%d", year);
    if (n >= min_cell) {
        snprintf(nb, sizeof nb, "%ld", n);
        snprintf(hb, sizeof hb, "%ld", hits);
        snprintf(pb, sizeof pb, "%ld", report_percent_whole(hits, n));
    }
    const char *cells[] = {indicator, y, var, group, nb, hb, pb};
    omr_csv_row_kinds(f, cells, 7, "pptt");
}

int report_national_write(const report_year *in, size_t n_years, const char *by_var,
                          const report_indicators *ci, const char *dir, const report_options *opt,
                          omr_error *err) {
    if (!n_years)
        return omr_fail(err, OMR_ERR_INVALID, "no survey year to report");
    report_year *years = malloc(n_years * sizeof *years);
    if (!years)
        return omr_fail(err, OMR_ERR_MEMORY, "out of memory for the national tables");
    memcpy(years, in, n_years * sizeof *years);
    qsort(years, n_years, sizeof *years, by_year);
    const analysis_data *now = years[n_years - 1].data;
    const omr_template *t = now->tmpl;
    report_options o = *opt;
    if (!o.title)
        o.title = t->title ? t->title : t->id;
    const long min_cell = report_min_cell(&o);
    int rc = OMR_OK, any = 0;
    for (size_t q = 0; q < t->n_questions; q++)
        any |= report_yes_value(&t->questions[q]) != NULL;
    long var_col = -1;
    frame_strings levels = {0};
    if (!any)
        rc = omr_fail(err, OMR_ERR_INVALID, "--national: %s has no Ja/Nej questions", t->id);
    if (rc == OMR_OK && by_var) {
        if (strcmp(by_var, "unit") != 0) {
            var_col = -2;
            for (size_t i = 0; i < now->n_vars; i++)
                if (strcmp(now->var_names[i], by_var) == 0)
                    var_col = (long)i;
        }
        if (var_col == -2)
            rc = omr_fail(err, OMR_ERR_INVALID, "--by %s: the frame has no such variable", by_var);
        /* groups in the order they first appear in the frame */
        for (size_t r = 0; rc == OMR_OK && r < now->n_rows; r++) {
            const char *v = var_col < 0 ? now->rows[r].unit : now->rows[r].vars[var_col];
            int seen = 0;
            for (size_t k = 0; k < levels.count && !seen; k++)
                seen = strcmp(levels.items[k], v ? v : "") == 0;
            if (!seen)
                frame_strings_add(&levels, v ? v : "");
        }
    }
    omr_atomic_file file;
    if (rc == OMR_OK && (rc = omr_atomic_open(&file, dir, "national.csv", err)) == OMR_OK) {
        fputs("indicator,year,variable,group,n,yes,yes_pct\r\n", file.fp);
        for (size_t q = 0; q < t->n_questions; q++) {
            const template_question *tq = &t->questions[q];
            const char *yes = report_yes_value(tq);
            if (!yes)
                continue;
            for (size_t y = 0; y < n_years; y++) {
                const template_question *yq = template_question_by_id(years[y].data->tmpl, tq->id);
                long hits = 0, n = 0;
                if (yq)
                    count_yes(years[y].data, yq, yes, -1, NULL, &hits, &n);
                csv_row(file.fp, tq->id, years[y].year, "", "Riket", hits, n, 1);
            }
            for (size_t l = 0; l < levels.count; l++) {
                long hits, n;
                count_yes(now, tq, yes, var_col, levels.items[l], &hits, &n);
                csv_row(file.fp, tq->id, years[n_years - 1].year, by_var, levels.items[l], hits, n,
                        min_cell);
            }
        }
        for (size_t i = 0; ci && i < ci->n; i++) {
            const report_combined *c = &ci->items[i];
            for (size_t y = 0; y < n_years; y++) {
                long hits, n;
                count_combined(years[y].data, c, -1, NULL, &hits, &n);
                csv_row(file.fp, c->id, years[y].year, "", "Riket", hits, n, 1);
            }
            for (size_t l = 0; l < levels.count; l++) {
                long hits, n;
                count_combined(now, c, var_col, levels.items[l], &hits, &n);
                csv_row(file.fp, c->id, years[n_years - 1].year, by_var, levels.items[l], hits, n,
                        min_cell);
            }
        }
        rc = omr_atomic_commit(&file, err);
    }
    if (rc == OMR_OK && (rc = omr_atomic_open(&file, dir, "riket.html", err)) == OMR_OK) {
        FILE *f = file.fp;
        report_page_begin(f, &o, REPORT_PAGE_NATIONAL, NULL,
                          "tr.part td{color:#444}tr.part td:first-child{padding-left:1.8em;"
                          "font-style:italic}\n");
        int table = 0;
        /* per section: the years, riket */
        for (size_t q = 0; q < t->n_questions;) {
            const char *section = t->questions[q].section;
            size_t end = q;
            while (end < t->n_questions &&
                   ((!section && !t->questions[end].section) ||
                    (section && t->questions[end].section && strcmp(section, t->questions[end].section) == 0)))
                end++;
            int has = 0;
            for (size_t k = q; k < end; k++)
                has |= report_yes_value(&t->questions[k]) != NULL;
            if (has) {
                fprintf(f, "<h2>Tabell %d. ", ++table);
                report_html_text(f, section ? section : "Indikatorer");
                fprintf(f, "</h2>\n<p>Andel kommuner, socialförvaltningar och stadsdelar som svarat ja, "
                           "%d–%d, procent, riket.</p>\n<table><tr><th>Indikator</th>",
                        years[0].year, years[n_years - 1].year);
                for (size_t y = 0; y < n_years; y++)
                    fprintf(f, "<th>%d</th>", years[y].year);
                fputs("</tr>\n", f);
                for (size_t k = q; k < end; k++) {
                    const template_question *tq = &t->questions[k];
                    const char *yes = report_yes_value(tq);
                    if (!yes)
                        continue;
                    int first;
                    const report_combined *c = combined_of(ci, t, tq->id, &first);
                    if (c && !first)
                        continue;
                    if (c) {
                        /* the combined indicator, then its parts' own shares */
                        fputs("<tr class=\"combined\"><td>", f);
                        report_html_text(f, c->text);
                        fputs("<sup><a href=\"#fn-combined\">†</a></sup></td>", f);
                        for (size_t y = 0; y < n_years; y++) {
                            long hits, n;
                            count_combined(years[y].data, c, -1, NULL, &hits, &n);
                            html_pct(f, hits, n, 1);
                        }
                        fputs("</tr>\n", f);
                        for (size_t p = 0; p < c->n_parts; p++) {
                            const template_question *pq = template_question_by_id(t, c->parts[p]);
                            fputs("<tr class=\"part\"><td>Delfråga: ", f);
                            report_html_text(f, pq->text);
                            fputs("</td>", f);
                            for (size_t y = 0; y < n_years; y++) {
                                const template_question *yq =
                                    template_question_by_id(years[y].data->tmpl, pq->id);
                                long hits = 0, n = 0;
                                if (yq)
                                    count_yes(years[y].data, yq, report_yes_value(pq), -1, NULL, &hits, &n);
                                html_pct(f, hits, n, 1);
                            }
                            fputs("</tr>\n", f);
                        }
                        continue;
                    }
                    fputs("<tr><td>", f);
                    report_html_text(f, tq->text);
                    fputs("</td>", f);
                    for (size_t y = 0; y < n_years; y++) {
                        const template_question *yq = template_question_by_id(years[y].data->tmpl, tq->id);
                        long hits = 0, n = 0;
                        if (yq)
                            count_yes(years[y].data, yq, yes, -1, NULL, &hits, &n);
                        html_pct(f, hits, n, 1);
                    }
                    fputs("</tr>\n", f);
                }
                fputs("</table>\n", f);
            }
            q = end;
        }
        /* per section: the groups of by_var, this year */
        for (size_t q = 0; by_var && q < t->n_questions;) {
            const char *section = t->questions[q].section;
            size_t end = q;
            while (end < t->n_questions &&
                   ((!section && !t->questions[end].section) ||
                    (section && t->questions[end].section && strcmp(section, t->questions[end].section) == 0)))
                end++;
            int has = 0;
            for (size_t k = q; k < end; k++)
                has |= report_yes_value(&t->questions[k]) != NULL;
            if (has) {
                fprintf(f, "<h2>Tabell %d. ", ++table);
                report_html_text(f, section ? section : "Indikatorer");
                fputs(" utifrån ", f);
                report_html_text(f, report_var_label(by_var));
                fprintf(f, "</h2>\n<p>Andel som svarat ja, uppdelat på %s samt riket, %d, procent.</p>\n"
                           "<div style=\"overflow-x:auto\"><table><tr><th>",
                        report_var_label(by_var), years[n_years - 1].year);
                report_html_text(f, report_var_label(by_var));
                fputs("</th>", f);
                for (size_t k = q; k < end; k++)
                    if (report_yes_value(&t->questions[k])) {
                        int first;
                        const report_combined *c = combined_of(ci, t, t->questions[k].id, &first);
                        if (c && !first)
                            continue;
                        fputs("<th>", f);
                        report_html_text(f, c ? c->text : t->questions[k].text);
                        fputs("</th>", f);
                    }
                fputs("</tr>\n", f);
                for (size_t l = 0; l <= levels.count; l++) {
                    fputs(l == levels.count ? "<tr><th>Riket</th>" : "<tr><td>", f);
                    if (l < levels.count) {
                        report_html_text(f, *levels.items[l] ? levels.items[l] : "Uppgift saknas");
                        fputs("</td>", f);
                    }
                    for (size_t k = q; k < end; k++) {
                        const char *yes = report_yes_value(&t->questions[k]);
                        if (!yes)
                            continue;
                        int first;
                        const report_combined *c = combined_of(ci, t, t->questions[k].id, &first);
                        if (c && !first)
                            continue;
                        long hits, n;
                        if (c)
                            count_combined(now, c, var_col, l < levels.count ? levels.items[l] : NULL,
                                           &hits, &n);
                        else
                            count_yes(now, &t->questions[k], yes, var_col,
                                      l < levels.count ? levels.items[l] : NULL, &hits, &n);
                        html_pct(f, hits, n, l < levels.count ? min_cell : 1);
                    }
                    fputs("</tr>\n", f);
                }
                fputs("</table></div>\n", f);
            }
            q = end;
        }
        fprintf(f, "<h2>Så ska tabellerna läsas</h2>\n<ul class=\"note\">\n"
                   "<li>Andel som svarat ja av dem som besvarat frågan (ja eller nej), avrundad till "
                   "hela procent; varje kommun, stadsdel eller förvaltning räknas en gång.</li>\n"
                   "<li>. Färre än %ld svar i gruppen: värdet visas inte.</li>\n",
                min_cell);
        for (size_t i = 0; ci && i < ci->n; i++) {
            const report_combined *c = &ci->items[i];
            fputs("<li id=\"fn-combined\">† Sammansatt indikator: <em>", f);
            report_html_text(f, c->text);
            fputs("</em> är uppfylld när kommunen svarat ja på alla dess delfrågor (", f);
            for (size_t k = 0; k < c->n_parts; k++) {
                const template_question *pq = template_question_by_id(t, c->parts[k]);
                fputs(k == 0 ? "" : k + 1 == c->n_parts ? " och " : "; ", f);
                report_html_text(f, pq && pq->text ? pq->text : c->parts[k]);
            }
            fputs("). Andelen är av dem som besvarat alla delfrågor; den som lämnat någon "
                  "obesvarad räknas inte. Delfrågornas egna andelar står under indikatorn.</li>\n",
                  f);
        }
        fputs("<li>Tabellerna finns också i national.csv.</li>\n</ul>\n", f);
        report_page_end(f);
        rc = omr_atomic_commit(&file, err);
    }
    frame_strings_free(&levels);
    free(years);
    return rc;
}
