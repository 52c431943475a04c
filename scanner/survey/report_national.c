/*
 * report_national.c — the national tables of a survey of municipalities
 * (see report_national.h): shares answering Ja per indicator and year, and
 * by a grouping variable of the frame; national.csv and riket.html, each
 * through the one atomic file and the one CSV cell writer (base/files.h).
 */
#include "survey/report_national.h"

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
                          const char *dir, const report_options *opt, omr_error *err) {
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
    const long min_cell = REPORT_MIN_CELL;
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
        rc = omr_atomic_commit(&file, err);
    }
    if (rc == OMR_OK && (rc = omr_atomic_open(&file, dir, "riket.html", err)) == OMR_OK) {
        FILE *f = file.fp;
        report_page_begin(f, &o, REPORT_PAGE_NATIONAL, NULL, NULL);
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
                        fputs("<th>", f);
                        report_html_text(f, t->questions[k].text);
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
                        long hits, n;
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
                   "<li>. Färre än %ld svar i gruppen: värdet visas inte.</li>\n"
                   "<li>Tabellerna finns också i national.csv.</li>\n</ul>\n</body>\n</html>\n",
                min_cell);
        rc = omr_atomic_commit(&file, err);
    }
    frame_strings_free(&levels);
    free(years);
    return rc;
}
