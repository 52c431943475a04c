/*
 * cli_watch.c — the ledger's commands: `omr watch` (the mailroom daemon,
 * watch.c), `omr status` (what it has done and what waits, for staff or as
 * JSON for monitoring) and `omr export` (every output rewritten from the
 * ledger). Parses options, calls the library, prints.
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "export/export.h"
#include "ledger/store.h"
#include "daemon/watch.h"

/* ---- omr watch ------------------------------------------------------------------------ */

static const char *const watch_usage =
    "usage: omr watch --config FILE [OPTIONS]\n"
    "       omr watch --inbox DIR --archive DIR --rejected DIR --out DIR --template T [OPTIONS]\n"
    "\n"
    "Reads every scan file dropped into the inbox into the ledger, files it in the\n"
    "archive (or in the rejected folder, with a .reason note) and keeps the outputs\n"
    "in DIR up to date. Runs until SIGTERM (finishes the files in hand); SIGHUP\n"
    "re-reads the config file. Options override the config file:\n"
    "  --config FILE        settings (see contrib/omr-watch.conf.example)\n"
    "  --inbox DIR          where the scanner puts its files\n"
    "  --processing DIR     claimed files (default INBOX/.processing; same disk as the inbox)\n"
    "  --archive DIR        files read, by day: DIR/2026-11-23/NAME\n"
    "  --rejected DIR       files not used, with NAME.reason\n"
    "  --out DIR            records.csv, marks.csv, review.csv, rejects.csv, codebook.csv, comments/\n"
    "  --db PATH            the ledger (default omr.db)\n"
    "  --template T         a questionnaire to read (repeat for several)\n"
    "  --calibration C      threshold profile (default: default)\n"
    "  --workers N          reading threads (default: one per core, at most 8)\n"
    "  --no-ocr             no OCR: comments go to review as images\n"
    "  --ocr-workers N      OCR threads (default 1)\n"
    "  --languages L        Tesseract languages (default swe+eng)\n"
    "  --settle S           seconds a file must stay unchanged (default 5)\n"
    "  --poll S             seconds between listings of the inbox (default 10)\n"
    "  --export-every S     longest wait between output rewrites while busy (default 30)\n"
    "  --retry S            wait after a failed write before trying again (default 30)\n"
    "  --ignore PATTERN     file names never read (repeat; default *.tmp ~* .* *.part ...)\n"
    "  --exit-when-idle     stop once the inbox is empty and everything is done\n"
    "  --create-folders     make missing folders, their parents too (without it the inbox\n"
    "                       must exist, and the other folders are made only inside\n"
    "                       existing folders: a mistyped path is refused)\n"
    "Exit status: 0 stopped cleanly, 2 configuration error (a missing inbox too),\n"
    "3 folders or ledger unusable, 4 the ledger was deleted or replaced while running\n"
    "(restore it; a copy of it as it was is saved beside it).\n";

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

static void print_log(void *user, const char *line) {
    (void)user;
    pthread_mutex_lock(&log_lock);
    fprintf(stderr, "omr watch: %s\n", line);
    fflush(stderr);
    pthread_mutex_unlock(&log_lock);
}

static int parse_seconds(const char *option, const char *text, double *out) {
    char *end;
    double v = strtod(text, &end);
    if (!*text || *end || v < 0 || v > 86400) {
        fprintf(stderr, "omr watch: %s wants seconds (0 to 86400), not \"%s\"\n", option, text);
        return 0;
    }
    *out = v;
    return 1;
}

static int parse_count(const char *option, const char *text, int lo, int hi, int *out) {
    char *end;
    long v = strtol(text, &end, 10);
    if (!*text || *end || v < lo || v > hi) {
        fprintf(stderr, "omr watch: %s wants a number from %d to %d, not \"%s\"\n", option, lo, hi, text);
        return 0;
    }
    *out = (int)v;
    return 1;
}

static void push(char ***list, size_t *n, const char *value) {
    char **grown = realloc(*list, (*n + 1) * sizeof *grown);
    if (!grown)
        return;
    *list = grown;
    (*list)[(*n)++] = strdup(value);
}

int cmd_watch(int argc, char **argv) {
    static const struct option options[] = {
        {"config", required_argument, 0, 'C'},   {"inbox", required_argument, 0, 'i'},
        {"processing", required_argument, 0, 'P'}, {"archive", required_argument, 0, 'a'},
        {"rejected", required_argument, 0, 'r'}, {"out", required_argument, 0, 'o'},
        {"db", required_argument, 0, 'b'},       {"template", required_argument, 0, 't'},
        {"calibration", required_argument, 0, 'c'}, {"workers", required_argument, 0, 'w'},
        {"no-ocr", no_argument, 0, 'n'},         {"ocr-workers", required_argument, 0, 'W'},
        {"languages", required_argument, 0, 'l'}, {"settle", required_argument, 0, 's'},
        {"poll", required_argument, 0, 'p'},     {"export-every", required_argument, 0, 'e'},
        {"retry", required_argument, 0, 'R'},    {"ignore", required_argument, 0, 'g'},
        {"exit-when-idle", no_argument, 0, 'x'}, {"help", no_argument, 0, 'h'},
        {"create-folders", no_argument, 0, 'F'},
        {0, 0, 0, 0}};
    watch_config over;
    watch_config_unset(&over);
    const char *config = NULL;
    int c, ok = 1;
    while (ok && (c = getopt_long(argc, argv, "", options, NULL)) != -1) {
        switch (c) {
        case 'C': config = optarg; break;
        case 'i': free(over.inbox); over.inbox = strdup(optarg); break;
        case 'P': free(over.processing); over.processing = strdup(optarg); break;
        case 'a': free(over.archive); over.archive = strdup(optarg); break;
        case 'r': free(over.rejected); over.rejected = strdup(optarg); break;
        case 'o': free(over.out); over.out = strdup(optarg); break;
        case 'b': free(over.db); over.db = strdup(optarg); break;
        case 't': push(&over.templates, &over.n_templates, optarg); break;
        case 'c': free(over.calibration); over.calibration = strdup(optarg); break;
        case 'w': ok = parse_count("--workers", optarg, 1, 64, &over.workers); break;
        case 'n': over.ocr = 0; break;
        case 'W': ok = parse_count("--ocr-workers", optarg, 0, 16, &over.ocr_workers); break;
        case 'l': free(over.languages); over.languages = strdup(optarg); break;
        case 's': ok = parse_seconds("--settle", optarg, &over.settle_seconds); break;
        case 'p': ok = parse_seconds("--poll", optarg, &over.poll_seconds); break;
        case 'e': ok = parse_seconds("--export-every", optarg, &over.export_seconds); break;
        case 'R': ok = parse_seconds("--retry", optarg, &over.retry_seconds); break;
        case 'g': push(&over.ignore, &over.n_ignore, optarg); break;
        case 'x': over.exit_when_idle = 1; break;
        case 'F': over.create_folders = 1; break;
        case 'h': fputs(watch_usage, stdout); watch_config_free(&over); return EXIT_DONE;
        default: ok = 0; fputs(watch_usage, stderr); break;
        }
    }
    if (ok && optind < argc) {
        fprintf(stderr, "omr watch: unexpected argument \"%s\" (the inbox is given with --inbox)\n", argv[optind]);
        ok = 0;
    }
    int status = EXIT_USAGE;
    if (ok && config && access(config, R_OK) != 0) {
        /* a configuration error, not a failure to retry: 2, which the unit's
         * RestartPreventExitStatus=2 takes as "do not restart" */
        fprintf(stderr, "omr watch: cannot read the config file %s: %s\n", config, strerror(errno));
        ok = 0;
    }
    if (ok) {
        omr_error err;
        int rc = watch_run(config, &over, print_log, NULL, &err);
        if (rc == OMR_OK)
            status = EXIT_DONE;
        else {
            fprintf(stderr, "omr watch: %s\n", err.message);
            status = rc == OMR_ERR_INVALID ? EXIT_USAGE : rc == OMR_ERR_NOT_FOUND ? EXIT_LEDGER_LOST : EXIT_OUTPUT;
        }
    }
    watch_config_free(&over);
    return status;
}

/* ---- omr status ---------------------------------------------------------------------------- */

static const char *const status_usage =
    "usage: omr status [--db PATH] [--json]\n"
    "\n"
    "What the mailroom daemon has done and what waits: files waiting in the inbox\n"
    "(and the oldest), in progress, done and rejected today, forms per hour,\n"
    "comments waiting for OCR, review items open, and the last errors.\n"
    "  --db PATH   the ledger (default omr.db)\n"
    "  --json      the same as one JSON object, for monitoring\n"
    "Exit status: 0, or 3 when the ledger cannot be read (missing, or this user may\n"
    "not read it: the message says which).\n";

/* "3 min", "2 h 5 min", "4 days" */
static void human_duration(double seconds, char *buf, size_t size) {
    long s = (long)seconds;
    if (s < 60)
        snprintf(buf, size, "%ld s", s);
    else if (s < 3600)
        snprintf(buf, size, "%ld min", s / 60);
    else if (s < 86400 * 2)
        snprintf(buf, size, "%ld h %ld min", s / 3600, (s % 3600) / 60);
    else
        snprintf(buf, size, "%ld days", s / 86400);
}

static void print_status_json(const watch_status *s) {
    json_t *errors = json_array();
    for (size_t i = 0; i < s->n_errors; i++)
        json_array_append_new(errors, json_pack("{s:s, s:s, s:s}", "at", s->errors[i].at, "file", s->errors[i].file,
                                                "message", s->errors[i].message));
    json_t *root = json_pack(
        "{s:b, s:I, s:s, s:s, s:{s:I, s:s?, s:f}, s:I, s:{s:I, s:I, s:I, s:I, s:I, s:I}, s:{s:I, s:f, s:I}, s:I, s:I, "
        "s:I, s:o}",
        "running", s->running, "pid", (json_int_t)s->pid, "started_at", s->started_at, "inbox", s->inbox,
        "waiting", "files", (json_int_t)s->waiting, "oldest", *s->oldest_name ? s->oldest_name : NULL,
        "oldest_seconds", s->oldest_seconds, "in_progress", (json_int_t)s->in_progress, "today", "done",
        (json_int_t)s->done_today, "rejected", (json_int_t)s->rejected_today, "duplicates",
        (json_int_t)s->duplicates_today, "forms", (json_int_t)s->forms_today, "second_returns",
        (json_int_t)s->second_returns_today, "not_in_frame", (json_int_t)s->not_in_frame_today, "forms", "last_hour",
        (json_int_t)s->forms_last_hour, "per_hour_today", s->forms_per_hour, "total", (json_int_t)s->forms_total,
        "ocr_waiting", (json_int_t)s->ocr_waiting, "review_open", (json_int_t)s->review_open,
        "not_in_frame_total", (json_int_t)s->not_in_frame_total, "last_errors", errors);
    json_t *stations = json_array();
    for (size_t i = 0; i < s->n_stations; i++)
        json_array_append_new(stations, json_pack("{s:s, s:s, s:I, s:s, s:s, s:f, s:b}", "station",
                                                  s->stations[i].station, "inbox", s->stations[i].inbox, "pid",
                                                  (json_int_t)s->stations[i].pid, "started_at",
                                                  s->stations[i].started_at, "seen_at", s->stations[i].seen_at,
                                                  "silent_seconds", s->station_silent_seconds[i], "alive",
                                                  s->station_silent_seconds[i] < 30));
    if (root)
        json_object_set_new(root, "stations", stations);
    else
        json_decref(stations);
    char *text = root ? json_dumps(root, JSON_INDENT(2)) : NULL;
    if (text)
        printf("%s\n", text);
    free(text);
    json_decref(root);
}

static void print_status_text(const watch_status *s, const char *db) {
    char age[64];
    if (s->running)
        printf("omr watch is running (pid %ld, since %s)\n", s->pid, s->started_at);
    else if (*s->inbox)
        printf("omr watch is NOT running (last started %s)\n", s->started_at);
    else
        printf("omr watch has never run on this ledger (%s)\n", db);
    if (*s->inbox) {
        printf("inbox %s: %ld file%s waiting", s->inbox, s->waiting, s->waiting == 1 ? "" : "s");
        if (s->waiting) {
            human_duration(s->oldest_seconds, age, sizeof age);
            printf("; the oldest, %s, for %s", s->oldest_name, age);
        }
        printf("\n");
    }
    printf("in progress: %ld file%s\n", s->in_progress, s->in_progress == 1 ? "" : "s");
    printf("today: %ld file%s read, %ld rejected, %ld duplicate%s not counted; %ld forms", s->done_today,
           s->done_today == 1 ? "" : "s", s->rejected_today, s->duplicates_today,
           s->duplicates_today == 1 ? "" : "s", s->forms_today);
    if (s->second_returns_today || s->not_in_frame_today)
        printf(" (of them %ld a second return of a code already returned, waiting in review; %ld not in the "
               "frame, flagged not_in_frame)",
               s->second_returns_today, s->not_in_frame_today);
    printf("\n");
    printf("forms per hour: %ld in the last hour, %.0f on average today; %ld forms in all\n", s->forms_last_hour,
           s->forms_per_hour, s->forms_total);
    printf("comments waiting for OCR: %ld; review items open: %ld\n", s->ocr_waiting, s->review_open);
    if (s->not_in_frame_total)
        printf("not in the frame: %ld return%s in all, flagged not_in_frame (a misread, or a form from "
               "another survey; omr report response-rate lists them)\n",
               s->not_in_frame_total, s->not_in_frame_total == 1 ? "" : "s");
    if (s->n_stations > 1 || store_is_server(db)) {
        printf("stations (%zu):\n", s->n_stations);
        for (size_t i = 0; i < s->n_stations; i++) {
            char ago[64];
            human_duration(s->station_silent_seconds[i], ago, sizeof ago);
            printf("  %s  %s (pid %ld, inbox %s), last seen %s ago\n", s->stations[i].station,
                   s->station_silent_seconds[i] < 30 ? "alive" : "SILENT", s->stations[i].pid, s->stations[i].inbox,
                   ago);
        }
    }
    if (s->n_errors) {
        printf("last errors:\n");
        for (size_t i = 0; i < s->n_errors; i++)
            printf("  %s %s: %s\n", s->errors[i].at, s->errors[i].file, s->errors[i].message);
    } else {
        printf("no errors\n");
    }
}

int cmd_status(int argc, char **argv) {
    static const struct option options[] = {{"db", required_argument, 0, 'b'},
                                            {"json", no_argument, 0, 'j'},
                                            {"help", no_argument, 0, 'h'},
                                            {0, 0, 0, 0}};
    const char *db = "omr.db";
    int json = 0, c;
    while ((c = getopt_long(argc, argv, "", options, NULL)) != -1) {
        switch (c) {
        case 'b': db = optarg; break;
        case 'j': json = 1; break;
        case 'h': fputs(status_usage, stdout); return EXIT_DONE;
        default: fputs(status_usage, stderr); return EXIT_USAGE;
        }
    }
    if (optind < argc) {
        fputs(status_usage, stderr);
        return EXIT_USAGE;
    }
    watch_status s;
    omr_error err;
    if (watch_status_read(db, &s, &err) != OMR_OK) {
        fprintf(stderr, "omr status: %s\n", err.message);
        return EXIT_OUTPUT;
    }
    if (json)
        print_status_json(&s);
    else
        print_status_text(&s, db);
    return EXIT_DONE;
}

/* ---- omr export ------------------------------------------------------------------------------- */

static const char *const export_usage =
    "usage: omr export [--db PATH] --out DIR [--template T ...]\n"
    "\n"
    "Rewrites records.csv, marks.csv, review.csv, rejects.csv and codebook.csv in DIR\n"
    "from the ledger (the source of truth), each atomically.\n"
    "  --db PATH     the ledger (default omr.db)\n"
    "  --template T  the questionnaires to export, in column order (default: those\n"
    "                the ledger was last used with)\n"
    "  --quiet       no progress (forms written: a line on a terminal, a line every\n"
    "                OMR_PROGRESS_SECONDS, default 10, in a log)\n"
    "Exit status: 0 done, 2 usage or template error, 3 ledger or output unusable.\n";

/* export_ledger with the progress of the command line (none with --quiet). */
static int export_run(omr_db *db, const char *out, const omr_template *const *templates, size_t n,
                      int quiet, export_summary *s, omr_error *err) {
    progress *p = quiet ? NULL : progress_new(stderr, "omr export", "forms", 0);
    int rc = export_ledger_progress(db, out, templates, n, p, s, err);
    progress_finish(p);
    return rc;
}

int cmd_export(int argc, char **argv) {
    static const struct option options[] = {{"db", required_argument, 0, 'b'},
                                            {"out", required_argument, 0, 'o'},
                                            {"template", required_argument, 0, 't'},
                                            {"quiet", no_argument, 0, 'q'},
                                            {"help", no_argument, 0, 'h'},
                                            {0, 0, 0, 0}};
    const char *db_path = "omr.db", *out = NULL;
    char *names[32];
    size_t n_names = 0;
    int c, quiet = 0;
    while ((c = getopt_long(argc, argv, "", options, NULL)) != -1) {
        switch (c) {
        case 'b': db_path = optarg; break;
        case 'o': out = optarg; break;
        case 'q': quiet = 1; break;
        case 't':
            if (n_names == 32) {
                fprintf(stderr, "omr export: at most 32 templates\n");
                return EXIT_USAGE;
            }
            names[n_names++] = optarg;
            break;
        case 'h': fputs(export_usage, stdout); return EXIT_DONE;
        default: fputs(export_usage, stderr); return EXIT_USAGE;
        }
    }
    if (!out || optind < argc) {
        fprintf(stderr, "omr export: needs --out DIR\n");
        return EXIT_USAGE;
    }
    FILE *probe = store_is_server(db_path) ? NULL : fopen(db_path, "r");
    if (!probe && !store_is_server(db_path)) {
        fprintf(stderr, "omr export: no ledger at %s: %s\n", db_path, strerror(errno));
        return EXIT_OUTPUT;
    }
    if (probe)
        fclose(probe);
    omr_db *db = NULL;
    omr_error err;
    if (store_open(db_path, &db, &err) != OMR_OK) {
        fprintf(stderr, "omr export: %s\n", err.message);
        return EXIT_OUTPUT;
    }
    char recorded[1024] = "";
    if (!n_names) {
        store_get_meta(db, "templates", recorded, sizeof recorded, &err);
        for (char *save = NULL, *id = strtok_r(recorded, " ", &save); id && n_names < 32;
             id = strtok_r(NULL, " ", &save))
            names[n_names++] = id;
        if (!n_names) {
            fprintf(stderr, "omr export: the ledger does not say which templates it was used with; give --template T\n");
            store_close(db);
            return EXIT_USAGE;
        }
    }
    omr_template *templates[32];
    int status = EXIT_DONE;
    size_t loaded = 0;
    for (; loaded < n_names; loaded++) {
        templates[loaded] = cli_load_template("export", names[loaded]);
        if (!templates[loaded]) {
            status = EXIT_USAGE;
            break;
        }
    }
    if (status == EXIT_DONE) {
        export_summary s;
        if (mkdir(out, 0777) != 0 && errno != EEXIST) {
            fprintf(stderr, "omr export: cannot create %s: %s\n", out, strerror(errno));
            status = EXIT_OUTPUT;
        } else if (export_run(db, out, (const omr_template *const *)templates, loaded, quiet, &s, &err) !=
                   OMR_OK) {
            fprintf(stderr, "omr export: %s\n", err.message);
            status = EXIT_OUTPUT;
        } else {
            fprintf(stderr, "omr export: %zu forms (%zu need review, %zu incomplete) written to %s\n", s.forms,
                    s.forms_review, s.forms_incomplete, out);
            if (s.left_out)
                fprintf(stderr, "omr export: %zu returns of other questionnaires left out (give their --template)\n",
                        s.left_out);
        }
    }
    for (size_t i = 0; i < loaded; i++)
        template_free(templates[i]);
    store_close(db);
    return status;
}
