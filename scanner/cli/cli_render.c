/*
 * cli_render.c — `omr render`: personalised forms (PDF, PNG or TIFF) of a
 * template for every login code in a codes file, or in the ledger's frame
 * (--frame). Parses options, reads the codes, calls print/render.c, prints.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/progress.h"
#include "cli/cli.h"
#include "forms/template.h"
#include "print/render.h"
#include "reading/identify.h"

static void render_progress(size_t i, void *user) { progress_update(user, i + 1, NULL); }

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
            size_t grown_cap = cap ? cap * 2 : 64;
            char **grown = realloc(codes, grown_cap * sizeof *codes);
            if (!grown) {
                fprintf(stderr, "omr: out of memory reading codes file %s\n", path);
                bad = 1;
                break;
            }
            codes = grown;
            cap = grown_cap;
        }
        char *copy = strdup(s);
        if (!copy) {
            fprintf(stderr, "omr: out of memory reading codes file %s\n", path);
            bad = 1;
            break;
        }
        codes[(*count)++] = copy;
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

int cmd_render(int argc, char **argv) {
    static const struct option options[] = {{"codes", required_argument, 0, 'c'},
                                            {"format", required_argument, 0, 'f'},
                                            {"dpi", required_argument, 0, 'd'},
                                            {"out", required_argument, 0, 'o'},
                                            {"help", no_argument, 0, 'h'},
                                            {"frame", no_argument, 0, 'F'}, /* codes from the ledger's frame */
                                            {"db", required_argument, 0, 'D'},
                                            {"quiet", no_argument, 0, 'q'},
                                            {0, 0, 0, 0}};
    const char *codes_path = NULL, *out = NULL, *format_name = "pdf", *db_path = "omr.db";
    int from_frame = 0, quiet = 0;
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
        case 'q': quiet = 1; break;
        case 'h': return cli_usage(stdout, EXIT_DONE);
        default: return cli_usage(stderr, EXIT_USAGE);
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
    omr_template *t = cli_load_template(NULL, argv[optind]);
    if (!t)
        return EXIT_USAGE;
    size_t n_codes = 0;
    char **codes = from_frame ? cli_frame_codes(db_path, t->id, &n_codes) : read_codes(codes_path, &n_codes);
    int status = EXIT_USAGE;
    if (codes) {
        omr_error err;
        progress *p = quiet ? NULL : progress_new(stderr, "omr render", "forms", n_codes);
        render_hooks hooks = {.after_form = render_progress, .user = p};
        int rc = render_forms_with(t, codes, n_codes, format, dpi, out, &hooks, &err);
        progress_finish(p);
        if (rc != OMR_OK) {
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
