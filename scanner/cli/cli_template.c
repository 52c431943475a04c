/*
 * cli_template.c — `omr template`: check and geometry (a template validated,
 * or its layout as JSON), `omr template new` (a first template from a blank
 * form that omr did not print) and `omr template preview` (the template
 * drawn over the blank as a PNG). Parses options, calls discover.c, prints.
 */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/files.h"
#include "cli/cli.h"
#include "cli/cli_template.h"
#include "forms/discover.h"
#include "forms/template.h"

static const char *const new_usage =
    "usage: omr template new --from BLANK [--from BLANK2 ...] --out T.cfg [--id ID]\n"
    "  Finds the check boxes, bubbles, text fields, corner marks and any barcode on a\n"
    "  blank copy of a form omr did not print (PDF, TIFF, PNG or JPEG; one page of\n"
    "  the file per page of the form, or one --from per page) and writes a first\n"
    "  template naming the blank as its reference. Edit its ids, types, values and\n"
    "  labels; check it with: omr template preview T.cfg --out preview.png\n";

static const char *const preview_usage =
    "usage: omr template preview T [BLANK] --out PNG\n"
    "  Draws the template's boxes (one colour per question, with ids and values), text\n"
    "  fields, corner marks and code area over the blank form (default: the\n"
    "  template's reference) as a PNG; a form of several pages gives PNG-p1.png,\n"
    "  PNG-p2.png, ...\n";

/* The blank's path as the template (in `out`'s folder) should name it. */
static void reference_name(const char *blank, const char *out, char *buf, size_t size) {
    char blank_real[PATH_MAX], out_dir[PATH_MAX], copy[PATH_MAX];
    snprintf(copy, sizeof copy, "%s", out);
    if (!realpath(blank, blank_real) || !realpath(dirname(copy), out_dir)) {
        snprintf(buf, size, "%s", blank);
        return;
    }
    size_t n = strlen(out_dir);
    if (strncmp(blank_real, out_dir, n) == 0 && blank_real[n] == '/')
        snprintf(buf, size, "%s", blank_real + n + 1);
    else
        snprintf(buf, size, "%s", blank_real);
}

int cmd_template_new(int argc, char **argv) {
    static const struct option options[] = {{"from", required_argument, 0, 'f'},
                                            {"out", required_argument, 0, 'o'},
                                            {"id", required_argument, 0, 'i'},
                                            {"help", no_argument, 0, 'h'},
                                            {0, 0, 0, 0}};
    const char *from[16] = {NULL}, *out = NULL, *id = NULL;
    size_t n_from = 0;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", options, NULL)) != -1) {
        switch (c) {
        case 'f':
            if (n_from == 16) {
                fprintf(stderr, "omr template new: at most 16 --from files\n");
                return EXIT_USAGE;
            }
            from[n_from++] = optarg;
            break;
        case 'o': out = optarg; break;
        case 'i': id = optarg; break;
        case 'h': fputs(new_usage, stdout); return EXIT_DONE;
        default: fputs(new_usage, stderr); return EXIT_USAGE;
        }
    }
    if (!n_from || !out || optind != argc) {
        fputs(new_usage, stderr);
        return EXIT_USAGE;
    }
    char name[256];
    if (!id) {
        /* the template file's name without .cfg */
        char copy[PATH_MAX];
        snprintf(copy, sizeof copy, "%s", out);
        snprintf(name, sizeof name, "%s", basename(copy));
        char *dot = strrchr(name, '.');
        if (dot && dot != name)
            *dot = 0;
        for (char *p = name; *p; p++)
            if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '_'))
                *p = p == name ? 'f' : '-';
        id = name;
    }
    discover_result r = {0};
    omr_error err = {0};
    char names[16][PATH_MAX];
    const char *references[16];
    for (size_t i = 0; i < n_from; i++) {
        discover_result more;
        if (discover_blank(from[i], &more, &err) != OMR_OK ||
            (i > 0 && discover_append(&r, &more, &err) != OMR_OK)) {
            fprintf(stderr, "omr template new: %s: %s\n", from[i], err.message);
            if (i > 0)
                discover_result_free(&more);
            discover_result_free(&r);
            return EXIT_USAGE;
        }
        if (i == 0)
            r = more;
        reference_name(from[i], out, names[i], sizeof names[i]);
        references[i] = names[i];
    }
    /* nothing to ask about: no box and no field on any page. Such a draft
     * would not pass `template check`, so none is written */
    size_t found = 0;
    for (size_t p = 0; p < r.n_pages; p++)
        found += r.pages[p].n_boxes + r.pages[p].n_fields;
    if (found == 0) {
        fprintf(stderr,
                "omr template new: no check box, bubble or text field found on %s%s; no template written. "
                "If it is a scan, scan the blank again in grey at 300 dpi (thin outlines of a 1-bit or "
                "200-dpi scan break apart), or add the boxes by hand to a template\n",
                from[0], n_from > 1 ? " ..." : "");
        discover_result_free(&r);
        return EXIT_USAGE;
    }
    /* the one atomic file (base/files.h): a half-written template never
     * stands under the final name */
    omr_atomic_file file;
    int status = EXIT_DONE;
    if (omr_atomic_open_path(&file, out, &err) != OMR_OK) {
        fprintf(stderr, "omr template new: %s\n", err.message);
        status = EXIT_OUTPUT;
    } else if (discover_write_template(&r, id, references, n_from, file.fp, &err) != OMR_OK) {
        omr_atomic_abort(&file);
        fprintf(stderr, "omr template new: cannot write %s: %s\n", out, err.message);
        status = EXIT_OUTPUT;
    } else if (omr_atomic_commit(&file, &err) != OMR_OK) {
        fprintf(stderr, "omr template new: %s\n", err.message);
        status = EXIT_OUTPUT;
    }
    for (size_t p = 0; status == EXIT_DONE && p < r.n_pages; p++) {
        const discover_page *pg = &r.pages[p];
        size_t round = 0, marks = 0;
        for (size_t i = 0; i < pg->n_boxes; i++)
            round += pg->boxes[i].round;
        for (int k = 0; k < 4; k++)
            marks += pg->has_mark[k];
        printf("page %zu: %zu boxes (%zu square, %zu round) in %d candidate questions, %zu text fields, "
               "%zu corner marks\n", p + 1, pg->n_boxes, pg->n_boxes - round, round, pg->n_questions,
               pg->n_fields, marks);
    }
    if (status == EXIT_DONE) {
        if (*r.barcode_kind) {
            char text[4 * sizeof r.barcode_text + 1];
            discover_escape(r.barcode_text, text, sizeof text);
            printf("code on the blank: %s \"%s\" (not taken as the respondent's code: see the draft's identity)\n",
                   r.barcode_kind, text);
        }
        printf("wrote %s (%.1f x %.1f mm); check it with: omr template preview %s --out preview.png\n", out,
               r.page_width, r.page_height, out);
    }
    discover_result_free(&r);
    return status;
}

int cmd_template_preview(int argc, char **argv) {
    static const struct option options[] = {{"out", required_argument, 0, 'o'},
                                            {"help", no_argument, 0, 'h'},
                                            {0, 0, 0, 0}};
    const char *out = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", options, NULL)) != -1) {
        switch (c) {
        case 'o': out = optarg; break;
        case 'h': fputs(preview_usage, stdout); return EXIT_DONE;
        default: fputs(preview_usage, stderr); return EXIT_USAGE;
        }
    }
    if (!out || optind >= argc || argc - optind > 2) {
        fputs(preview_usage, stderr);
        return EXIT_USAGE;
    }
    /* a draft that still has problems is drawn too: that is when a picture helps */
    char *path = template_find(argv[optind]);
    omr_template *t = NULL;
    template_problems problems = {.keep_template = 1};
    omr_error perr = {0};
    if (!path || template_parse(path, &t, &problems, &perr) != OMR_OK) {
        for (size_t i = 0; i < problems.count; i++)
            fprintf(stderr, "%s\n", problems.messages[i]);
        fprintf(stderr, "omr template preview: %s%s\n", path ? perr.message : "template not found: ", path ? "" : argv[optind]);
        if (t)
            fprintf(stderr, "omr template preview: drawing what could be read; fix the problems above\n");
    }
    template_problems_clear(&problems);
    free(path);
    if (!t)
        return EXIT_USAGE;
    int status = EXIT_DONE;
    for (size_t p = 1; p <= t->n_pages && status == EXIT_DONE; p++) {
        const char *blank = argc - optind == 2 ? argv[optind + 1]
                            : t->n_reference_files ? t->reference_files[t->n_reference_files == 1 ? 0 : p - 1]
                                                   : NULL;
        if (!blank) {
            fprintf(stderr, "omr template preview: %s names no blank form (reference); give one\n", t->path);
            status = EXIT_USAGE;
            break;
        }
        if (argc - optind == 2 && t->n_reference_files > 1 && p > 1)
            break; /* one blank file given for a form with a file per page: its first page */
        char png[PATH_MAX + 16];
        if (t->n_pages == 1) {
            snprintf(png, sizeof png, "%s", out);
        } else {
            const char *dot = strrchr(out, '.');
            int stem = dot && strcmp(dot, ".png") == 0 ? (int)(dot - out) : (int)strlen(out);
            snprintf(png, sizeof png, "%.*s-p%zu.png", stem, out, p);
        }
        omr_error err = {0};
        if (discover_preview(t, blank, (int)p, png, &err) != OMR_OK) {
            fprintf(stderr, "omr template preview: %s\n", err.message);
            status = EXIT_OUTPUT;
        } else {
            printf("wrote %s\n", png);
        }
    }
    template_free(t);
    return status;
}

/* ---- omr template: check, geometry, and the two above ----------------------------------- */

int cmd_template(int argc, char **argv) {
    if (argc < 3 || strcmp(argv[1], "--help") == 0)
        return cli_usage(argc < 3 ? stderr : stdout, argc < 3 ? EXIT_USAGE : EXIT_DONE);
    const char *action = argv[1];
    if (strcmp(action, "new") == 0) /* cli_template.c: forms omr did not print */
        return cmd_template_new(argc - 1, argv + 1);
    if (strcmp(action, "preview") == 0)
        return cmd_template_preview(argc - 1, argv + 1);
    if (strcmp(action, "check") != 0 && strcmp(action, "geometry") != 0) {
        fprintf(stderr, "omr template: unknown action \"%s\" (check, geometry, new or preview)\n", action);
        return EXIT_USAGE;
    }
    for (int i = 2; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            printf("usage: omr template %s T [T2 ...]\n\n%s", action,
                   strcmp(action, "check") == 0
                       ? "  Validates each template and prints every problem as FILE:LINE: field: reason.\n"
                         "  Exit status: 0 all valid, 2 a template has errors or was not found.\n"
                       : "  Prints each template's layout (pages, boxes, text fields, code) as JSON, in mm.\n"
                         "  Exit status: 0 done, 2 a template has errors or was not found, 3 output failed.\n");
            return EXIT_DONE;
        }
    int status = EXIT_DONE;
    for (int i = 2; i < argc; i++) {
        omr_template *t = cli_load_template(NULL, argv[i]);
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
