/*
 * cli_scan.c — `omr scan`: reads a batch of scan files through the ledger
 * (a temporary one, or --db PATH) and writes the outputs from it.
 */
#include <getopt.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "daemon/scan.h"
#include "reading/reference.h"

static const char *const scan_usage =
    "usage: omr scan --template T [--template T2 ...] --out DIR [--calibration C]\n"
    "                [--no-ocr] [--languages swe+eng] [--db PATH] [--jobs N] [--quiet] INPUT...\n"
    "\n"
    "Reads scan files (TIFF, PNG, JPEG, PDF; folders are read recursively, each real\n"
    "folder and file once however many links lead to it) and\n"
    "writes records.csv, marks.csv, review.csv, rejects.csv and codebook.csv to DIR.\n"
    "  --db PATH   add to this ledger (see `omr watch`) and export everything in it;\n"
    "              without it a temporary ledger is used and removed\n"
    "  --jobs N    read files in N threads (default: the cores this process may\n"
    "              use); the outputs are the same, byte for byte, as with 1\n"
    "  --quiet     no progress (on a terminal a bar: files done/total, pages/s, time\n"
    "              left; otherwise a line every OMR_PROGRESS_SECONDS, default 10)\n"
    "Named pipes, devices and sockets are refused unopened (rejects.csv, exit 1).\n"
    "Ctrl-C (or SIGTERM) stops at the next page; the file being read is dropped\n"
    "whole, the temporary ledger removed and no output written (DIR keeps what it\n"
    "held); exit 130 (143 for SIGTERM).\n"
    "Exit status: 0 done, 1 some input rejected, 2 usage or template error,\n"
    "3 output or ledger could not be written.\n";

int cmd_scan(int argc, char **argv) {
    static const struct option options[] = {{"template", required_argument, 0, 't'},
                                            {"out", required_argument, 0, 'o'},
                                            {"calibration", required_argument, 0, 'c'},
                                            {"no-ocr", no_argument, 0, 'n'},
                                            {"languages", required_argument, 0, 'l'},
                                            {"db", required_argument, 0, 'b'},
                                            {"jobs", required_argument, 0, 'j'},
                                            {"quiet", no_argument, 0, 'q'},
                                            {"help", no_argument, 0, 'h'},
                                            {0, 0, 0, 0}};
    const char *template_names[32];
    size_t n_templates = 0;
    const char *out = NULL, *calibration_name = "default", *languages = "swe+eng", *db = NULL;
    int run_ocr = 1, c, jobs = 0, quiet = 0;
    while ((c = getopt_long(argc, argv, "", options, NULL)) != -1) {
        switch (c) {
        case 't':
            if (n_templates == 32) {
                fprintf(stderr, "omr scan: at most 32 templates\n");
                return EXIT_USAGE;
            }
            template_names[n_templates++] = optarg;
            break;
        case 'o': out = optarg; break;
        case 'c': calibration_name = optarg; break;
        case 'n': run_ocr = 0; break;
        case 'q': quiet = 1; break;
        case 'l': languages = optarg; break;
        case 'b': db = optarg; break;
        case 'j': {
            char *end = NULL;
            long n = strtol(optarg, &end, 10);
            if (!*optarg || *end || n < 1 || n > 256) {
                fprintf(stderr, "omr scan: --jobs takes a number from 1 to 256, not \"%s\"\n", optarg);
                return EXIT_USAGE;
            }
            jobs = (int)n;
            break;
        }
        case 'h': fputs(scan_usage, stdout); return EXIT_DONE;
        default: fputs(scan_usage, stderr); return EXIT_USAGE;
        }
    }
    if (n_templates == 0 || !out || optind >= argc) {
        fprintf(stderr, "omr scan: needs --template T, --out DIR and at least one input\n");
        return EXIT_USAGE;
    }
    if (jobs == 0) { /* the cores this process may run on (taskset counts) */
        cpu_set_t set;
        jobs = sched_getaffinity(0, sizeof set, &set) == 0 ? CPU_COUNT(&set) : 1;
        if (jobs < 1)
            jobs = 1;
    }
    calibration cal;
    if (cli_load_calibration("scan", calibration_name, &cal) != EXIT_DONE)
        return EXIT_USAGE;
    omr_template *templates[32];
    int status = EXIT_DONE;
    for (size_t i = 0; i < n_templates; i++) {
        templates[i] = cli_load_template("scan", template_names[i]);
        if (!templates[i])
            status = EXIT_USAGE;
    }
    if (status == EXIT_DONE) {
        scan_options o = {.templates = (const omr_template *const *)templates,
                          .n_templates = n_templates,
                          .calibration = &cal,
                          .out_dir = out,
                          .run_ocr = run_ocr,
                          .ocr_languages = languages,
                          .db_path = db,
                          .jobs = jobs,
                          .progress = quiet ? NULL : progress_new(stderr, "omr scan", "files", 0)};
        scan_summary s;
        omr_error err;
        int rc = scan_batch(&o, argv + optind, (size_t)(argc - optind), &s, &err);
        progress_finish(o.progress);
        if (rc != OMR_OK) {
            fprintf(stderr, "omr scan: %s\n", err.message);
            status = s.interrupted ? 128 + s.interrupted : EXIT_OUTPUT;
        } else {
            fprintf(stderr,
                    "omr scan: %zu files, %zu pages: %zu read, %zu blank, %zu rejected; %zu forms "
                    "(%zu need review, %zu incomplete); %.1f pages/s reading, %.1f s OCR for %zu "
                    "comments; outputs in %s\n",
                    s.files, s.pages, s.pages_read, s.pages_blank, s.rejected, s.forms,
                    s.forms_review, s.forms_incomplete,
                    s.seconds_reading > 0 ? (double)s.pages / s.seconds_reading : 0.0, s.seconds_ocr,
                    s.comments_read, out);
            if (s.skipped_folders || s.skipped_files)
                fprintf(stderr, "omr scan: %zu folder%s and %zu file%s reached again through links (or given twice) "
                        "were read once only\n", s.skipped_folders, s.skipped_folders == 1 ? "" : "s",
                        s.skipped_files, s.skipped_files == 1 ? "" : "s");
            if (s.duplicates)
                fprintf(stderr, "omr scan: %zu file%s held content already read; not counted again (see %s/rejects.csv)\n",
                        s.duplicates, s.duplicates == 1 ? "" : "s", out);
            if (s.rejected)
                fprintf(stderr, "omr scan: %zu input%s could not be used; see %s/rejects.csv\n",
                        s.rejected, s.rejected == 1 ? "" : "s", out);
            if (s.pages_waiting)
                fprintf(stderr, "omr scan: of them, %zu page%s known by %s look wait%s in review for the "
                        "login code to be typed (omr review); the rest of their reading is kept\n",
                        s.pages_waiting, s.pages_waiting == 1 ? "" : "s", s.pages_waiting == 1 ? "its" : "their",
                        s.pages_waiting == 1 ? "s" : "");
            status = s.rejected ? EXIT_REJECTED : EXIT_DONE;
        }
    }
    for (size_t i = 0; i < n_templates; i++)
        template_free(templates[i]);
    return status;
}
