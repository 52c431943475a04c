/*
 * main.c — the omr command line. Parses arguments, calls the stages, prints
 * what happened. The only file that prints or chooses an exit status.
 *
 * Exit status (all commands):
 *   0  done, nothing rejected
 *   1  done, but some files or pages were rejected (see rejects.csv)
 *   2  usage error, or a template / calibration with errors
 *   3  could not write the output (disk full, read-only folder, ...)
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cli_template.h"
#include "deciding/decide.h"
#include "print/render.h"
#include "daemon/scan.h"
#include "reading/reference.h"



static const char *const usage_text =
    "usage: omr COMMAND [OPTIONS]\n"
    "\n"
    "  omr template check T            validate a template; every error with its line\n"
    "  omr template geometry T         print the layout as JSON\n"
    "  omr template new --from BLANK --out T.cfg\n"
    "                                  a first template from a blank form omr did not print\n"
    "  omr template preview T [BLANK] --out PNG\n"
    "                                  the template's boxes drawn over the blank form\n"
    "  omr render T --codes FILE [--format pdf|png|tiff] [--dpi N] --out PATH\n"
    "                                  print personalised forms\n"
    "  omr scan --template T [--template T2 ...] --out DIR [--calibration C]\n"
    "           [--no-ocr] [--languages swe+eng] [--db PATH] INPUT...\n"
    "                                  read scanned forms into records\n"
    "  omr watch --config FILE | --inbox DIR --archive DIR --rejected DIR --out DIR\n"
    "           --template T [--db PATH] [--workers N] ...\n"
    "                                  the mailroom daemon: read every file dropped in the inbox\n"
    "  omr status [--db PATH] [--json] what the daemon has done and what waits\n"
    "  omr export [--db PATH] --out DIR [--template T ...]\n"
    "                                  rewrite every output from the ledger\n"
    "  omr review [--db PATH] [--listen ADDR:PORT]\n"
    "                                  the operators' web page for what needs a person\n"
    "  omr review user add|remove NAME [--db PATH]\n"
    "                                  manage operator accounts\n"
    "  omr frame import|codes|undeliverable|web-returns|reminders ... [--db PATH]\n"
    "                                  the sample: who was sent a form, who answered\n"
    "  omr report response-rate [--format csv|text] [--db PATH]\n"
    "  omr report [--weight VAR,...] --out DIR [--db PATH]\n"
    "  omr report export-analysis [--excel] --out DIR [--db PATH]\n"
    "                                  the survey's tables, charts, HTML report, R/SPSS exports\n"
    "\n"
    "T is a template file or a name in templates/ (e.g. ekb-2024).\n"
    "Exit status: 0 done, 1 some input rejected, 2 usage or template error,\n"
    "3 output could not be written. See README.md for details.\n";

static int usage(FILE *out, int status) {
    fputs(usage_text, out);
    return status;
}

/* Loads a template by name or path, printing every problem. */
static omr_template *load_template(const char *name) {
    char *path = template_find(name);
    if (!path) {
        fprintf(stderr, "omr: template \"%s\" not found (neither a file nor templates/%s.cfg)\n",
                name, name);
        return NULL;
    }
    omr_template *t = NULL;
    template_problems problems = {0};
    omr_error err = {0};
    if (template_load(path, &t, &problems, &err) != OMR_OK) {
        for (size_t i = 0; i < problems.count; i++)
            fprintf(stderr, "%s\n", problems.messages[i]);
        fprintf(stderr, "omr: %s\n", err.message);
    }
    template_problems_clear(&problems);
    free(path);
    return t;
}

static int cmd_template(int argc, char **argv) {
    if (argc < 3 || strcmp(argv[1], "--help") == 0)
        return usage(argc < 3 ? stderr : stdout, argc < 3 ? EXIT_USAGE : EXIT_DONE);
    const char *action = argv[1];
    if (strcmp(action, "new") == 0) /* cli_template.c: forms omr did not print */
        return cmd_template_new(argc - 1, argv + 1);
    if (strcmp(action, "preview") == 0)
        return cmd_template_preview(argc - 1, argv + 1);
    if (strcmp(action, "check") != 0 && strcmp(action, "geometry") != 0) {
        fprintf(stderr, "omr template: unknown action \"%s\" (check, geometry, new or preview)\n", action);
        return EXIT_USAGE;
    }
    int status = EXIT_DONE;
    for (int i = 2; i < argc; i++) {
        omr_template *t = load_template(argv[i]);
        if (!t) {
            status = EXIT_USAGE;
            continue;
        }
        if (strcmp(action, "check") == 0) {
            size_t boxes = 0;
            for (size_t q = 0; q < t->n_questions; q++)
                boxes += t->questions[q].n_boxes;
            printf("%s: ok (%s: %zu pages, %zu questions, %zu boxes, %zu text fields)\n", t->path,
                   t->id, t->n_pages, t->n_questions, boxes, t->n_text_fields);
        } else {
            omr_error err;
            if (template_write_geometry(t, stdout, &err) != OMR_OK) {
                fprintf(stderr, "omr: %s\n", err.message);
                status = EXIT_OUTPUT;
            }
        }
        template_free(t);
    }
    return status;
}

/* Reads a codes file: one code per line; blank lines and # comments skipped. */
static char **read_codes(const char *path, size_t *count) {
    FILE *f = fopen(path, "r");
    *count = 0;
    if (!f) {
        fprintf(stderr, "omr: cannot read codes file %s: %s\n", path, strerror(errno));
        return NULL;
    }
    char **codes = NULL;
    size_t cap = 0;
    char line[256];
    int lineno = 0, bad = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        line[strcspn(line, "\r\n")] = 0;
        char *s = line;
        while (*s == ' ' || *s == '\t')
            s++;
        char *end = s + strlen(s);
        while (end > s && (end[-1] == ' ' || end[-1] == '\t'))
            *--end = 0;
        if (!*s || *s == '#')
            continue;
        if (!identify_code_is_valid(s)) {
            fprintf(stderr, "%s:%d: login code \"%s\" must be 1 to 40 letters and digits\n", path,
                    lineno, s);
            bad = 1;
            continue;
        }
        if (*count == cap) {
            cap = cap ? cap * 2 : 64;
            codes = realloc(codes, cap * sizeof *codes);
        }
        codes[(*count)++] = strdup(s);
    }
    fclose(f);
    if (bad || *count == 0) {
        if (!bad)
            fprintf(stderr, "omr: codes file %s holds no codes\n", path);
        for (size_t i = 0; i < *count; i++)
            free(codes[i]);
        free(codes);
        *count = 0;
        return NULL;
    }
    return codes;
}

static int cmd_render(int argc, char **argv) {
    static const struct option options[] = {{"codes", required_argument, 0, 'c'},
                                            {"format", required_argument, 0, 'f'},
                                            {"dpi", required_argument, 0, 'd'},
                                            {"out", required_argument, 0, 'o'},
                                            {"help", no_argument, 0, 'h'},
                                            {"frame", no_argument, 0, 'F'}, /* codes from the ledger's frame */
                                            {"db", required_argument, 0, 'D'},
                                            {0, 0, 0, 0}};
    const char *codes_path = NULL, *out = NULL, *format_name = "pdf", *db_path = "omr.db";
    int from_frame = 0;
    double dpi = 300;
    int c;
    while ((c = getopt_long(argc, argv, "", options, NULL)) != -1) {
        switch (c) {
        case 'c': codes_path = optarg; break;
        case 'f': format_name = optarg; break;
        case 'd': dpi = atof(optarg); break;
        case 'o': out = optarg; break;
        case 'F': from_frame = 1; break;
        case 'D': db_path = optarg; break;
        case 'h': return usage(stdout, EXIT_DONE);
        default: return usage(stderr, EXIT_USAGE);
        }
    }
    if (optind != argc - 1 || !(codes_path || from_frame) || !out) {
        fprintf(stderr, "omr render: needs a template, --codes FILE and --out PATH\n");
        return EXIT_USAGE;
    }
    render_format format;
    if (strcmp(format_name, "pdf") == 0)
        format = RENDER_PDF;
    else if (strcmp(format_name, "png") == 0)
        format = RENDER_PNG;
    else if (strcmp(format_name, "tiff") == 0)
        format = RENDER_TIFF;
    else {
        fprintf(stderr, "omr render: --format must be pdf, png or tiff\n");
        return EXIT_USAGE;
    }
    if (dpi < 72 || dpi > 1200) {
        fprintf(stderr, "omr render: --dpi must be 72 to 1200\n");
        return EXIT_USAGE;
    }
    omr_template *t = load_template(argv[optind]);
    if (!t)
        return EXIT_USAGE;
    size_t n_codes = 0;
    char **codes = from_frame ? cli_frame_codes(db_path, t->id, &n_codes) : read_codes(codes_path, &n_codes);
    int status = EXIT_USAGE;
    if (codes) {
        omr_error err;
        if (render_forms(t, codes, n_codes, format, dpi, out, &err) != OMR_OK) {
            fprintf(stderr, "omr render: %s\n", err.message);
            status = EXIT_OUTPUT;
        } else {
            fprintf(stderr, "omr render: %zu forms of %s (%zu pages each) written to %s\n", n_codes,
                    t->id, t->n_pages, out);
            status = EXIT_DONE;
        }
        for (size_t i = 0; i < n_codes; i++)
            free(codes[i]);
        free(codes);
    }
    template_free(t);
    return status;
}

/* Every command: name, function, one line for `omr --help`. A module adds its
 * command here and implements it in scanner/cli_<module>.c (see cli.h). */
static const struct {
    const char *name;
    int (*run)(int argc, char **argv);
} commands[] = {
    {"template", cmd_template},
    {"render", cmd_render},
    {"scan", cmd_scan},
    {"frame", cmd_frame},
    {"report", cmd_report},
    {"watch", cmd_watch},
    {"status", cmd_status},
    {"export", cmd_export},
    {"review", cmd_review},
};

int main(int argc, char **argv) {
    if (argc < 2)
        return usage(stderr, EXIT_USAGE);
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "help") == 0 || strcmp(cmd, "-h") == 0)
        return usage(stdout, EXIT_DONE);
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(cmd, commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "omr: unknown command \"%s\"\n\n", cmd);
    return usage(stderr, EXIT_USAGE);
}
