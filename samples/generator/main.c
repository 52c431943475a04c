/*
 * main.c — omr-samples: synthetic filled-in scans with ground truth, and the
 * scorer that compares `omr scan` output with that truth. Parses the command
 * line, calls samples_make or samples_score, prints their results.
 *
 * Exit status: 0 done, 1 failed (message on stderr), 2 usage error.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "samples.h"

static void usage(FILE *f) {
    fputs("usage:\n"
          "  omr-samples make --template T [--template T2] --count N --seed S --out DIR\n"
          "                   [--dpi-mix] [--quick] [--scanner-mix] [--warp S] [--folds]\n"
          "      Fills N forms like respondents, degrades them like office scanners and\n"
          "      writes DIR/scans/ (TIFF, JPEG, PNG envelopes), DIR/truth.csv,\n"
          "      DIR/comments_truth.csv, DIR/codes.txt and DIR/manifest.csv.\n"
          "      The same seed gives the same files. --dpi-mix scans about a third of the\n"
          "      envelopes at 200 dpi (else all at 300); --quick makes milder degradations;\n"
          "      --scanner-mix adds missing and wrong resolution tags (none, 1:1, 72, 200\n"
          "      tagged 300), faxes at 204 x 196 dpi, harsh 1-bit at 200 dpi with a dark\n"
          "      threshold and scans showing the glass beyond the sheet (manifest: tag, faults);\n"
          "      --warp S bends each form page non-linearly (paper curl, feed rollers, lens\n"
          "      barrel, keystone, local stretch; S = 1 a poor but usual scan; faults: warpS);\n"
          "      --folds folds two form sheets in three for the envelope, in half or in\n"
          "      thirds, a faint crease across each (faults: fold1, fold2, v: top to bottom).\n"
          "  omr-samples score --truth DIR --out SCANDIR\n"
          "      Compares SCANDIR/records.csv (from `omr scan`) with DIR's truth and prints\n"
          "      \"name: value\" figures; up to 20 example errors go to stderr.\n",
          f);
}

static int parse_long(const char *s, long *out) {
    char *end;
    long v = strtol(s, &end, 10);
    if (!*s || *end)
        return 0;
    *out = v;
    return 1;
}

static int cmd_make(int argc, char **argv) {
    samples_make_options o = {0};
    int have_seed = 0;
    static const struct option opts[] = {
        {"template", required_argument, NULL, 't'}, {"count", required_argument, NULL, 'n'},
        {"seed", required_argument, NULL, 's'},     {"out", required_argument, NULL, 'o'},
        {"dpi-mix", no_argument, NULL, 'd'},        {"quick", no_argument, NULL, 'q'},
        {"scanner-mix", no_argument, NULL, 'w'},   {"warp", required_argument, NULL, 'b'},
        {"folds", no_argument, NULL, 'f'},
        {"help", no_argument, NULL, 'h'},           {NULL, 0, NULL, 0},
    };
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 't':
            if (o.n_templates == SAMPLES_MAX_TEMPLATES) {
                fprintf(stderr, "omr-samples make: at most %d templates\n", SAMPLES_MAX_TEMPLATES);
                return 2;
            }
            o.templates[o.n_templates++] = optarg;
            break;
        case 'n':
            if (!parse_long(optarg, &o.count) || o.count < 1) {
                fprintf(stderr, "omr-samples make: --count wants a positive number, not \"%s\"\n", optarg);
                return 2;
            }
            break;
        case 's': {
            char *end;
            o.seed = strtoull(optarg, &end, 0);
            if (!*optarg || *end) {
                fprintf(stderr, "omr-samples make: --seed wants a number, not \"%s\"\n", optarg);
                return 2;
            }
            have_seed = 1;
            break;
        }
        case 'o': o.out = optarg; break;
        case 'd': o.dpi_mix = 1; break;
        case 'q': o.quick = 1; break;
        case 'w': o.scanner_mix = 1; break;
        case 'f': o.folds = 1; break;
        case 'b': {
            char *end;
            o.warp = strtod(optarg, &end);
            if (!*optarg || *end || o.warp < 0 || o.warp > 10) {
                fprintf(stderr, "omr-samples make: --warp wants a strength 0-10, not \"%s\"\n", optarg);
                return 2;
            }
            break;
        }
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind < argc || !o.n_templates || !o.count || !have_seed || !o.out) {
        fprintf(stderr, "omr-samples make: needs --template, --count, --seed and --out\n");
        usage(stderr);
        return 2;
    }
    o.progress = stderr;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    samples_make_summary s;
    omr_error err = {{0}};
    int rc = samples_make(&o, &s, &err);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (rc != 0) {
        fprintf(stderr, "omr-samples make: %s\n", err.message);
        return 1;
    }
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    printf("forms: %ld\npages: %ld\nfiles: %ld\nseconds: %.1f\n", s.forms, s.pages, s.files, secs);
    return 0;
}

static int cmd_score(int argc, char **argv) {
    const char *truth = NULL, *out = NULL;
    static const struct option opts[] = {
        {"truth", required_argument, NULL, 't'},
        {"out", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 't': truth = optarg; break;
        case 'o': out = optarg; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind < argc || !truth || !out) {
        fprintf(stderr, "omr-samples score: needs --truth DIR and --out SCANDIR\n");
        return 2;
    }
    omr_error err = {{0}};
    if (samples_score(truth, out, stdout, stderr, &err) != 0) {
        fprintf(stderr, "omr-samples score: %s\n", err.message);
        return 1;
    }
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "make") == 0)
        return cmd_make(argc - 1, argv + 1);
    if (strcmp(argv[1], "score") == 0)
        return cmd_score(argc - 1, argv + 1);
    fprintf(stderr, "omr-samples: unknown command \"%s\"\n", argv[1]);
    usage(stderr);
    return 2;
}
