/*
 * cli_report.c — `omr report response-rate`, `omr report --out DIR` and
 * `omr report export-analysis --out DIR`: Table 1, the report (tables,
 * charts, HTML; report.h) and the exports for R, SPSS/PSPP and Excel
 * (analysis.h), all from the ledger and its frame. Prints and returns the
 * exit status of cli.h.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/progress.h"
#include "survey/analysis.h"
#include "survey/analysis_labelled.h"
#include "cli/cli.h"
#include "survey/frame.h"
#include "survey/report.h"
#include "survey/report_areas.h"
#include "survey/report_groups.h"
#include "survey/report_national.h"
#include "survey/report_page.h"
#include "survey/report_waves.h"
#include "survey/report_trends.h"
#include <time.h>
#include "ledger/store.h"
#include "reading/reference.h"

static const char *const report_usage =
    "usage: omr report [ACTION] [--db PATH] [--template T] [OPTIONS]\n"
    "\n"
    "  omr report response-rate [--format text|csv] [--excel] [--total-label NAME]\n"
    "        Table 1 per unit and for the whole survey: sent, returned, response rate,\n"
    "        undeliverable, corrected response rate = returned / (sent - undeliverable)\n"
    "  omr report [--weight VAR,...] [--total-label NAME] [--title TEXT] [--min-cell N]\n"
    "             [--excel] --out DIR\n"
    "        the report: share who agree per statement, distributions, mean grade,\n"
    "        the share a routed question applies to and its reasons, for the whole\n"
    "        survey and per unit; CSV tables, PNG and SVG charts, DIR/index.html.\n"
    "        A value resting on fewer than N answers (default 5) is shown as \".\"\n"
    "        with a footnote; --excel writes the CSV tables for Excel (';', decimal\n"
    "        comma, UTF-8 byte order mark)\n"
    "  omr report ... --by VAR[,VAR] --out DIR\n"
    "        also DIR/grupper.html and groups.csv: every figure per group of each frame\n"
    "        variable (or unit), with 95% Wilson intervals and a mark (*) where a group\n"
    "        differs from the others more than chance (two-proportion z-test)\n"
    "  omr report ... [--areas FILE] --out DIR\n"
    "        also DIR/omraden.html and areas.csv: each unit's result per area, the areas\n"
    "        defined in FILE (default: the template's .areas file beside its .cfg)\n"
    "  omr report ... [--trends FILE] [--earlier YEAR=DB ...] [--year YYYY] --out DIR\n"
    "        also DIR/trender.html and trends.csv: this year's figures beside earlier\n"
    "        years' published ones from FILE (unit,item,year,value) and those computed\n"
    "        from earlier years' own ledgers, with the change in points\n"
    "  omr report ... --national [--earlier YEAR=DB ...] [--year YYYY] [--by VAR]\n"
    "             [--indicators FILE] --out DIR\n"
    "        also DIR/riket.html and national.csv: per Ja/Nej indicator the share answering\n"
    "        Ja for each year (earlier years from their own ledgers) and by VAR; combined\n"
    "        indicators (met when every part is Ja) from FILE (default: the template's\n"
    "        .indicators file beside its .cfg)\n"
    "  omr report export-analysis [--weight VAR,...] [--excel] --out DIR\n"
    "        data.csv (respondents joined with the frame's variables), codebook.csv,\n"
    "        data.sps (SPSS, PSPP), data.R, data.sav (SPSS, PSPP, R haven) and\n"
    "        data.dta (Stata 14+, R haven) with labels and missing values; --excel also\n"
    "        data-excel.csv (';', decimal comma, UTF-8 byte order mark). Comments are\n"
    "        exported with personal identity numbers, phone numbers and e-mail\n"
    "        addresses masked\n"
    "\n"
    "When mailing waves were recorded (omr frame mail), DIR/waves.csv and\n"
    "DIR/utskick.html: the cumulative response rate after the invitation and each\n"
    "reminder.\n"
    "--quiet: no progress (the report's steps on standard error).\n"
    "--weight: post-stratification on frame variables (or unit), e.g. --weight unit,gender.\n"
    "--db PATH is the ledger (default omr.db). T may be left out when the ledger holds one\n"
    "frame. Exit status: 0 done, 2 usage error, 3 output could not be written.\n";

/* "unit,gender" -> a list of names (caller frees with frame_strings_free) */
static void split_names(const char *text, frame_strings *out) {
    memset(out, 0, sizeof *out);
    if (!text)
        return;
    char *copy = strdup(text);
    for (char *save = NULL, *p = strtok_r(copy, ", ", &save); p; p = strtok_r(NULL, ", ", &save)) {
        frame_strings_add(out, p);
    }
    free(copy);
}

/* The template's `ext` file (".areas", ".indicators") beside its .cfg, when
 * there is one (caller frees). */
static char *cli_beside_template(const char *template_name, const char *ext) {
    char *path = template_find(template_name);
    if (!path)
        return NULL;
    char *dot = strrchr(path, '.');
    size_t stem = dot && strcmp(dot, ".cfg") == 0 ? (size_t)(dot - path) : strlen(path);
    size_t size = stem + strlen(ext) + 1;
    char *areas = malloc(size);
    if (areas)
        snprintf(areas, size, "%.*s%s", (int)stem, path, ext);
    free(path);
    if (areas && access(areas, R_OK) != 0) {
        free(areas);
        areas = NULL;
    }
    return areas;
}

/* The earlier years' ledgers ("2020=oj2020.db"), loaded with this year's
 * template into loaded[0..*n-1] (caller frees each with analysis_free). */
static int load_earlier(const char *const *earlier, size_t n_earlier, const omr_template *t,
                        analysis_data *loaded, int *years, size_t *n, omr_error *err) {
    int rc = OMR_OK;
    *n = 0;
    for (size_t i = 0; i < n_earlier && rc == OMR_OK; i++) {
        const char *path = strchr(earlier[i], '=') + 1;
        omr_db *db = NULL;
        if (access(path, F_OK) != 0)
            rc = omr_fail(err, OMR_ERR_INVALID, "--earlier %s: no ledger at %s", earlier[i], path);
        else if ((rc = store_open(path, &db, err)) == OMR_OK && (rc = frame_open(db, err)) == OMR_OK &&
                 (rc = analysis_load(db, t, &loaded[*n], err)) == OMR_OK)
            years[(*n)++] = atoi(earlier[i]);
        store_close(db);
    }
    return rc;
}

int cmd_report(int argc, char **argv) {
    const char *action = "report";
    int shift = 0;
    if (argc >= 2 && (strcmp(argv[1], "response-rate") == 0 || strcmp(argv[1], "export-analysis") == 0)) {
        action = argv[1];
        shift = 1;
    }
    static const struct option options[] = {{"db", required_argument, 0, 'd'},
                                            {"template", required_argument, 0, 't'},
                                            {"format", required_argument, 0, 'f'},
                                            {"weight", required_argument, 0, 'w'},
                                            {"out", required_argument, 0, 'o'},
                                            {"total-label", required_argument, 0, 'l'},
                                            {"title", required_argument, 0, 'T'},
                                            {"excel", no_argument, 0, 'x'},
                                            {"min-cell", required_argument, 0, 'm'},
                                            {"by", required_argument, 0, 'b'},
                                            {"areas", required_argument, 0, 'a'},
                                            {"trends", required_argument, 0, 'R'},
                                            {"year", required_argument, 0, 'Y'},
                                            {"national", no_argument, 0, 'N'},
                                            {"earlier", required_argument, 0, 'E'},
                                            {"indicators", required_argument, 0, 'I'},
                                            {"quiet", no_argument, 0, 'q'},
                                            {"help", no_argument, 0, 'h'},
                                            {0, 0, 0, 0}};
    const char *db_path = "omr.db", *template_id = NULL, *format = "text", *weight = NULL,
               *out = NULL, *total_label = "Totalt", *title = NULL, *by = NULL, *areas_path = NULL,
               *trends_path = NULL, *year_text = NULL, *indicators_path = NULL;
    int excel = 0, national = 0, has_areas = 0, has_trends = 0, quiet = 0, c;
    long min_cell = REPORT_MIN_CELL_DEFAULT;
    const char *earlier[16];
    size_t n_earlier = 0;
    optind = 1;
    while ((c = getopt_long(argc - shift, argv + shift, "", options, NULL)) != -1) {
        switch (c) {
        case 'd': db_path = optarg; break;
        case 't': template_id = optarg; break;
        case 'f': format = optarg; break;
        case 'w': weight = optarg; break;
        case 'o': out = optarg; break;
        case 'l': total_label = optarg; break;
        case 'T': title = optarg; break;
        case 'x': excel = 1; break;
        case 'm': {
            char *end = NULL;
            min_cell = strtol(optarg, &end, 10);
            if (!*optarg || *end || min_cell < 1 || min_cell > 1000000) {
                fprintf(stderr, "omr report: --min-cell wants a whole number of answers, 1 or more "
                                "(1 shows every value), not \"%s\"\n",
                        optarg);
                return EXIT_USAGE;
            }
            break;
        }
        case 'b': by = optarg; break;
        case 'a': areas_path = optarg; break;
        case 'R': trends_path = optarg; break;
        case 'Y': year_text = optarg; break;
        case 'N': national = 1; break;
        case 'I': indicators_path = optarg; break;
        case 'q': quiet = 1; break;
        case 'E':
            if (n_earlier == sizeof earlier / sizeof *earlier || !strchr(optarg, '=')) {
                fprintf(stderr, "omr report: --earlier YEAR=DB, at most 16 times\n");
                return EXIT_USAGE;
            }
            earlier[n_earlier++] = optarg;
            break;
        case 'h': fputs(report_usage, stdout); return EXIT_DONE;
        default: fputs(report_usage, stderr); return EXIT_USAGE;
        }
    }
    if (optind != argc - shift) {
        fprintf(stderr, "omr report: unexpected \"%s\" (actions: response-rate, export-analysis)\n",
                argv[shift + optind]);
        return EXIT_USAGE;
    }
    int rates_only = strcmp(action, "response-rate") == 0;
    if (rates_only && strcmp(format, "text") != 0 && strcmp(format, "csv") != 0) {
        fprintf(stderr, "omr report response-rate: --format must be text or csv\n");
        return EXIT_USAGE;
    }
    if (!rates_only && !out) {
        fprintf(stderr, "omr %s: needs --out DIR\n",
                strcmp(action, "report") == 0 ? "report" : "report export-analysis");
        return EXIT_USAGE;
    }
    if (!store_is_server(db_path) && access(db_path, F_OK) != 0) {
        fprintf(stderr, "omr report: no ledger at %s (give it with --db PATH)\n", db_path);
        return EXIT_USAGE;
    }
    omr_db *db = NULL;
    omr_error err = {0};
    if (store_open(db_path, &db, &err) != OMR_OK || frame_open(db, &err) != OMR_OK) {
        fprintf(stderr, "omr report: %s\n", err.message);
        store_close(db);
        return EXIT_OUTPUT;
    }
    int status = EXIT_DONE;
    char picked[128];
    omr_template *t = NULL;
    report_rates rates = {0};
    analysis_data data = {0};
    frame_strings names = {0}, by_names = {0};
    progress *prog = NULL;
    if (frame_pick_template(db, template_id, picked, sizeof picked, &err) != OMR_OK) {
        fprintf(stderr, "omr report: %s\n", err.message);
        status = EXIT_USAGE;
        goto done;
    }
    if (rates_only || strcmp(action, "report") == 0) {
        if (report_response_rates(db, picked, &rates, &err) != OMR_OK) {
            fprintf(stderr, "omr report: %s\n", err.message);
            status = EXIT_OUTPUT;
            goto done;
        }
    }
    if (rates_only) {
        report_write_rates(stdout, &rates, total_label,
                           strcmp(format, "csv") == 0 ? (excel ? REPORT_CSV_EXCEL : REPORT_CSV)
                                                      : REPORT_TEXT);
        frame_strings foreign;
        if (frame_list_foreign_returns(db, picked, &foreign, &err) == OMR_OK) {
            if (foreign.count)
                fprintf(stderr, "omr report: %zu returns have a code outside the frame and are not "
                                "counted:\n",
                        foreign.count);
            for (size_t i = 0; i < foreign.count && i < 20; i++)
                fprintf(stderr, "  %s\n", foreign.items[i]);
            frame_strings_free(&foreign);
        }
        if (fflush(stdout) != 0)
            status = EXIT_OUTPUT;
        goto done;
    }
    if (!(t = cli_load_template("report", picked))) {
        status = EXIT_USAGE;
        goto done;
    }
    split_names(weight, &names);
    /* progress: the report's steps (respondents, tables and charts, then each extra page) */
    prog = quiet || rates_only ? NULL : progress_new(stderr, "omr report", "steps", 2 + (by != NULL) + 3);
    progress_phase(prog, 0, "loading the respondents");
    if (analysis_load(db, t, &data, &err) != OMR_OK) {
        fprintf(stderr, "omr report: %s\n", err.message);
        status = EXIT_OUTPUT;
        goto done;
    }
    int rc = analysis_weight(db, &data, names.items, names.count, &err);
    if (rc != OMR_OK) {
        fprintf(stderr, "omr report: %s\n", err.message);
        status = rc == OMR_ERR_INVALID ? EXIT_USAGE : EXIT_OUTPUT;
        goto done;
    }
    for (size_t i = 0; i < data.notes.count; i++)
        fprintf(stderr, "omr report: %s\n", data.notes.items[i]);
    if (strcmp(action, "report") == 0) {
        report_options o = {.total_label = total_label, .title = title, .min_cell = min_cell,
                            .excel = excel};
        split_names(by, &by_names);
        report_groups_options go = {.vars = by_names.items, .n_vars = by_names.count, .min_cell = min_cell};
        char *default_areas = areas_path ? NULL : cli_beside_template(picked, ".areas");
        const char *ap = areas_path ? areas_path : default_areas;
        report_areas areas = {0};
        has_areas = ap != NULL;
        has_trends = trends_path || (n_earlier && !national);
        /* every page's navigation links the pages this run writes */
        o.pages = (by_names.count ? REPORT_PAGE_BIT(REPORT_PAGE_GROUPS) : 0) |
                  (has_areas ? REPORT_PAGE_BIT(REPORT_PAGE_AREAS) : 0) |
                  (has_trends ? REPORT_PAGE_BIT(REPORT_PAGE_TRENDS) : 0) |
                  (national ? REPORT_PAGE_BIT(REPORT_PAGE_NATIONAL) : 0);
        int waves = report_waves_recorded(db, t->id, &err); /* utskick.html when waves were sent */
        if (waves > 0)
            o.pages |= REPORT_PAGE_BIT(REPORT_PAGE_WAVES);
        progress_phase(prog, 1, "tables and charts");
        int wrc = waves < 0 ? OMR_ERR_IO : report_write(db, &data, &rates, out, &o, &err);
        if (wrc == OMR_OK && waves > 0)
            wrc = report_waves_write(db, t->id, out, &o, &err);
        if (by_names.count)
            progress_phase(prog, 2, "per group");
        if (wrc == OMR_OK && by_names.count)
            wrc = report_groups_write(&data, out, &o, &go, &err);
        progress_phase(prog, 2 + (by != NULL), "per area");
        if (wrc == OMR_OK && ap && (wrc = report_areas_load(ap, t, &areas, &err)) == OMR_OK)
            wrc = report_areas_write(&data, &areas, out, &o, &err);
        free(default_areas);
        time_t now = time(NULL);
        struct tm tm;
        localtime_r(&now, &tm);
        int year = year_text ? atoi(year_text) : tm.tm_year + 1900;
        analysis_data loaded[16];
        int years[17];
        size_t n_loaded = 0;
        progress_phase(prog, 3 + (by != NULL), "earlier years");
        if (wrc == OMR_OK)
            wrc = load_earlier(earlier, n_earlier, t, loaded, years, &n_loaded, &err);
        if (wrc == OMR_OK && has_trends) {
            report_trends trends = {0};
            if (trends_path)
                wrc = report_trends_load(trends_path, &data, &areas, total_label, &trends, &err);
            for (size_t i = 0; i < n_loaded && wrc == OMR_OK; i++)
                wrc = report_trends_add_year(&trends, &loaded[i], &areas, years[i], &err);
            if (wrc == OMR_OK)
                wrc = report_trends_write(&data, &areas, &trends, year, out, &o, &err);
            report_trends_free(&trends);
        }
        report_areas_free(&areas);
        progress_phase(prog, 4 + (by != NULL), "national");
        if (wrc == OMR_OK && national) {
            report_year ry[17] = {{.data = &data, .year = year}};
            for (size_t i = 0; i < n_loaded; i++)
                ry[i + 1] = (report_year){.data = &loaded[i], .year = years[i]};
            char *beside = indicators_path ? NULL : cli_beside_template(picked, ".indicators");
            const char *ip = indicators_path ? indicators_path : beside;
            report_indicators combined = {0};
            if (ip)
                wrc = report_indicators_load(ip, t, &combined, &err);
            if (wrc == OMR_OK)
                wrc = report_national_write(ry, n_loaded + 1, by_names.count ? by_names.items[0] : NULL,
                                            &combined, out, &o, &err);
            report_indicators_free(&combined);
            free(beside);
        }
        for (size_t i = 0; i < n_loaded; i++)
            analysis_free(&loaded[i]);
        progress_update(prog, 5 + (by != NULL), NULL);
        progress_finish(prog);
        prog = NULL;
        if (wrc != OMR_OK) {
            fprintf(stderr, "omr report: %s\n", err.message);
            status = wrc == OMR_ERR_INVALID ? EXIT_USAGE : EXIT_OUTPUT;
        } else {
            fprintf(stderr,
                    "omr report: %zu respondents of %ld in the frame of %s%s%s; values on fewer "
                    "than %ld answers suppressed; open %s/index.html\n",
                    data.n_rows, rates.total.sent, t->id, data.weight_vars ? ", weighted on " : "",
                    data.weight_vars ? data.weight_vars : "", min_cell, out);
            static const char *const pages[] = {"grupper.html (per group)", "omraden.html (per area)",
                                                "trender.html (earlier years)", "riket.html (national)"};
            int wrote[] = {by_names.count > 0, has_areas, has_trends, national};
            for (size_t i = 0; i < 4; i++)
                if (wrote[i])
                    fprintf(stderr, "omr report: also %s/%s\n", out, pages[i]);
        }
    } else {
        analysis_export_options o = {.excel = excel};
        if (analysis_export(&data, out, &o, &err) != OMR_OK ||
            analysis_write_labelled(&data, out, ANALYSIS_SAV, &err) != OMR_OK ||
            analysis_write_labelled(&data, out, ANALYSIS_DTA, &err) != OMR_OK) {
            fprintf(stderr, "omr report export-analysis: %s\n", err.message);
            status = EXIT_OUTPUT;
        } else
            fprintf(stderr,
                    "omr report export-analysis: %zu respondents of %s written to %s (data.csv, "
                    "codebook.csv, data.sps, data.R, data.sav, data.dta%s)\n",
                    data.n_rows, t->id, out, excel ? ", data-excel.csv" : "");
    }
done:
    progress_finish(prog);
    frame_strings_free(&names);
    frame_strings_free(&by_names);
    analysis_free(&data);
    report_rates_free(&rates);
    template_free(t);
    store_close(db);
    return status;
}
