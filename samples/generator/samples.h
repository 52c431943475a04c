/*
 * samples.h — the two commands of omr-samples: `make` fills rendered forms
 * like respondents and degrades them like scanners, writing the scans and
 * the ground truth; `score` compares the scanner's records.csv with that
 * truth and prints the benchmark figures. main.c parses the command line and
 * calls these.
 */
#ifndef SAMPLES_SAMPLES_H
#define SAMPLES_SAMPLES_H

#include <stdint.h>
#include <stdio.h>

#include "base/common.h"

#define SAMPLES_MAX_TEMPLATES 8

typedef struct {
    const char *templates[SAMPLES_MAX_TEMPLATES]; /* names or paths */
    int n_templates;
    long count;        /* forms */
    uint64_t seed;
    const char *out;   /* folder: truth files here, scans in out/scans */
    int dpi_mix;       /* 300 and 200 dpi envelopes; else all 300 */
    int quick;         /* milder degradations, for tests */
    int scanner_mix;   /* widened scanner faults: wrong or missing resolution tags,
                        * fax, harsh 1-bit at 200 dpi, a larger glass (degrade.h) */
    double warp;       /* non-linear page distortion of this strength (degrade_warp; 0: none) */
    int folds;         /* form sheets folded in half or thirds for the envelope (degrade_fold) */
    FILE *progress;    /* a line every 50 forms, or NULL */
} samples_make_options;

typedef struct {
    long forms, pages, files;
} samples_make_summary;

int samples_make(const samples_make_options *o, samples_make_summary *summary, omr_error *err);

/* Prints "name: value" figures to `out` and up to 20 example errors to
 * `examples`. */
int samples_score(const char *truth_dir, const char *scan_dir, FILE *out, FILE *examples,
                  omr_error *err);

#endif
