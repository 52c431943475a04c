/*
 * cli_frame.c — `omr frame import|codes|undeliverable|web-returns|reminders|mail|waves`:
 * the sample frame in the ledger (frame.h). Parses options, calls frame.c,
 * prints what happened and every problem as FILE:LINE: reason, and returns
 * the exit status of cli.h (1 when a file was refused: nothing of it was
 * written).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "pages/decode.h"
#include "survey/frame.h"
#include "reading/identify.h"
#include "print/render.h"
#include "base/progress.h"
#include "ledger/frame/mailings.h"
#include "ledger/frame_check.h"
#include "print/letter.h"
#include "survey/report_waves.h"
#include "ledger/store.h"
#include "reading/reference.h"

static const char *const frame_usage =
    "usage: omr frame ACTION [--db PATH] [OPTIONS]\n"
    "\n"
    "  omr frame import --template T [--no-check-digit] [--replace] [--quiet] FILE.csv\n"
    "        load the sample: columns code, unit and background variables; a file with\n"
    "        any problem (duplicate code, bad check character, missing column or cell,\n"
    "        broken encoding) is refused whole, every problem listed as FILE:LINE\n"
    "  omr frame codes N                print N new login codes with a check character,\n"
    "                                   without look-alikes (no 0, O, 1, I or L)\n"
    "  omr frame undeliverable [--template T] --codes FILE | SCAN...\n"
    "        register envelopes that came back: a list of codes (one a line, or a CSV\n"
    "        with a code column), or the scanned forms themselves\n"
    "  omr frame web-returns [--template T] FILE.csv\n"
    "        import web answers (the columns of records.csv, optional submitted_at:\n"
    "        ISO 8601 with Z or an offset, 2024-06-03T16:05:09+02:00, or a date alone)\n"
    "  omr frame reminders [--template T] --out FILE [--render PDF] [--no-record]\n"
    "        the codes with neither a return nor an undeliverable envelope, one a line;\n"
    "        --render also prints their forms as one PDF; the mailing is recorded\n"
    "  omr frame mail --wave invitation|reminder1|reminder2 [--template T] --out FILE.pdf\n"
    "                 [--letter L] [--sent DATE] [--list FILE] [--addresses FILE.csv]\n"
    "                 [--no-record] [--quiet]\n"
    "        one PDF for the printer: per respondent the wave's letter (purpose, login\n"
    "        code, web address, contact; name and address in the envelope window when\n"
    "        the frame has name/address columns), then the form. The invitation goes to\n"
    "        the whole frame less undeliverable envelopes, a reminder to those sent the\n"
    "        wave before who have not answered. The wave is recorded with its posting\n"
    "        date (--sent, default today): a return counts for the last wave sent before\n"
    "        it arrived. L: a letter file (default templates/T-letter.cfg). --addresses:\n"
    "        names and addresses from a CSV (code, namn, adress, postnummer, ort) read\n"
    "        now and kept out of the ledger (frame columns reach the analysis exports)\n"
    "  omr frame waves [--template T]   the response rate after each wave, cumulative\n"
    "\n"
    "--db PATH is the ledger (default omr.db). T may be left out when the ledger\n"
    "holds one frame. Exit status: 0 done, 1 input refused (nothing of it written),\n"
    "2 usage error, 3 the ledger could not be written.\n"
    "Long runs show progress on standard error (a bar on a terminal); --quiet: none.\n";

static void print_problems(const char *file, const frame_problems *p) {
    size_t shown = p->count < 200 ? p->count : 200;
    for (size_t i = 0; i < shown; i++) {
        if (p->items[i].line)
            fprintf(stderr, "%s:%zu: %s\n", file, p->items[i].line, p->items[i].reason);
        else
            fprintf(stderr, "%s: %s\n", file, p->items[i].reason);
    }
    if (p->count > shown)
        fprintf(stderr, "%s: ... and %zu more problems\n", file, p->count - shown);
}

static omr_db *frame_open_ledger(const char *path, int must_exist) {
    if (must_exist && access(path, F_OK) != 0) {
        fprintf(stderr, "omr frame: no ledger at %s (give it with --db PATH)\n", path);
        return NULL;
    }
    omr_db *db = NULL;
    omr_error err = {0};
    if (store_open(path, &db, &err) != OMR_OK || frame_open(db, &err) != OMR_OK ||
        mailings_open(db, &err) != OMR_OK) {
        fprintf(stderr, "omr frame: %s\n", err.message);
        store_close(db);
        return NULL;
    }
    return db;
}

static int frame_import_cmd(omr_db *db, const char *template_id, int check_digits, int replace,
                            int quiet, const char *file) {
    if (!template_id) {
        fprintf(stderr, "omr frame import: say which questionnaire with --template T\n");
        return EXIT_USAGE;
    }
    omr_template *t = cli_load_template("frame", template_id);
    if (!t)
        return EXIT_USAGE;
    frame_import_options o = {.template_id = t->id, .tmpl = t, .check_digits = check_digits,
                              .replace = replace,
                              .progress = quiet ? NULL : progress_new(stderr, "omr frame import",
                                                                      "rows", 0)};
    frame_problems p = {0};
    size_t n = 0;
    omr_error err = {0};
    int rc = frame_import_csv(db, file, &o, &p, &n, &err);
    progress_finish(o.progress);
    int status = EXIT_DONE;
    if (rc == OMR_ERR_INVALID) {
        print_problems(file, &p);
        fprintf(stderr, "omr frame import: %s\n", err.message);
        status = EXIT_REJECTED;
    } else if (rc != OMR_OK) {
        fprintf(stderr, "omr frame import: %s\n", err.message);
        status = rc == OMR_ERR_IO && access(file, R_OK) != 0 ? EXIT_USAGE : EXIT_OUTPUT;
    } else {
        fprintf(stderr, "omr frame import: %zu codes of %s imported from %s%s\n", n, t->id, file,
                replace ? " (the earlier frame replaced)" : "");
        /* forms scanned before the sample arrived: flagged or cleared now */
        size_t flagged = 0, cleared = 0;
        if (frame_check_recheck_returns(db, t->id, &flagged, &cleared, &err) != OMR_OK) {
            fprintf(stderr, "omr frame import: the returns already scanned were not re-checked: %s\n",
                    err.message);
            status = EXIT_OUTPUT;
        } else if (flagged || cleared)
            fprintf(stderr,
                    "omr frame import: of the returns scanned before, %zu are not in the frame "
                    "(flagged not_in_frame, see omr status and the report) and %zu now are "
                    "(flag cleared)\n",
                    flagged, cleared);
    }
    frame_problems_clear(&p);
    template_free(t);
    return status;
}

static int frame_codes_cmd(const char *db_path, int db_given, const char *count_text) {
    char *end;
    long n = strtol(count_text, &end, 10);
    if (*end || n < 1 || n > 1000000) {
        fprintf(stderr, "omr frame codes: N must be a number from 1 to 1000000\n");
        return EXIT_USAGE;
    }
    omr_db *db = NULL;
    if (db_given || access(db_path, F_OK) == 0) /* avoid codes already in the ledger's frames */
        if (!(db = frame_open_ledger(db_path, 0)))
            return EXIT_OUTPUT;
    char (*codes)[FRAME_CODE_RANDOM + 2] = malloc((size_t)n * sizeof *codes);
    omr_error err = {0};
    int status = EXIT_DONE;
    if (frame_make_codes(db, (size_t)n, codes, &err) != OMR_OK) {
        fprintf(stderr, "omr frame codes: %s\n", err.message);
        status = EXIT_OUTPUT;
    } else {
        for (long i = 0; i < n; i++)
            printf("%s\n", codes[i]);
        if (fflush(stdout) != 0 || ferror(stdout)) {
            fprintf(stderr, "omr frame codes: cannot write the codes: %s\n", strerror(errno));
            status = EXIT_OUTPUT;
        }
    }
    free(codes);
    store_close(db);
    return status;
}

/* Reads the login code of every page of the scans given. */
static int codes_from_scans(char **inputs, int n_inputs, const char *template_id,
                            frame_strings *codes, size_t **lines, frame_problems *p) {
    identify_reader *reader = identify_reader_new();
    size_t cap = 16;
    *lines = malloc(cap * sizeof **lines);
    int bad = 0;
    for (int i = 0; i < n_inputs; i++) {
        decode_source *src = NULL;
        omr_error err = {0};
        if (decode_open(inputs[i], &src, &err) != OMR_OK) {
            fprintf(stderr, "%s: %s\n", inputs[i], err.message);
            bad = 1;
            continue;
        }
        int pages = decode_page_count(src);
        for (int k = 0; k < pages; k++) {
            omr_image *img = NULL;
            page_identity id;
            if (decode_page(src, k, &img, &err) != OMR_OK ||
                identify_page(reader, img, NULL, &id, &err) != OMR_OK) {
                fprintf(stderr, "%s: page %d: %s\n", inputs[i], k + 1, err.message);
                omr_image_free(img);
                continue; /* a blank back or a letter: not an error for this purpose */
            }
            omr_image_free(img);
            if (strcmp(id.template_id, template_id) != 0) {
                fprintf(stderr, "%s: page %d: a form of %s, not %s\n", inputs[i], k + 1,
                        id.template_id, template_id);
                bad = 1;
                continue;
            }
            int seen = 0;
            for (size_t c = 0; c < codes->count; c++)
                seen |= strcmp(codes->items[c], id.code) == 0;
            if (seen)
                continue;
            if (codes->count == cap) {
                size_t *grown = realloc(*lines, cap * 2 * sizeof **lines);
                if (!grown)
                    continue; /* out of memory: the code is left out, like a failed add */
                *lines = grown;
                cap *= 2;
            }
            (*lines)[codes->count] = (size_t)i + 1;
            frame_strings_add(codes, id.code);
        }
        decode_close(src);
    }
    identify_reader_free(reader);
    (void)p;
    return bad;
}

static int frame_undeliverable_cmd(omr_db *db, const char *template_id, const char *codes_file,
                                   char **scans, int n_scans) {
    frame_strings codes = {0};
    size_t *lines = NULL;
    frame_problems p = {0};
    omr_error err = {0};
    int status = EXIT_DONE;
    const char *what = codes_file;
    if (codes_file) {
        if (frame_read_code_list(codes_file, &codes, &lines, &p, &err) != OMR_OK) {
            print_problems(codes_file, &p);
            fprintf(stderr, "omr frame undeliverable: %s\n", err.message);
            status = p.count ? EXIT_REJECTED : EXIT_USAGE;
        }
    } else {
        what = "scans";
        if (codes_from_scans(scans, n_scans, template_id, &codes, &lines, &p))
            status = EXIT_REJECTED;
    }
    if (status == EXIT_DONE) {
        size_t added = 0, already = 0;
        int rc = frame_add_undeliverable(db, template_id, codes.items, lines, codes.count,
                                         codes_file ? "list" : "scan", &p, &added, &already, &err);
        if (rc == OMR_ERR_INVALID) {
            if (codes_file)
                print_problems(codes_file, &p);
            else
                for (size_t i = 0; i < p.count; i++)
                    fprintf(stderr, "%s: %s\n", scans[p.items[i].line - 1], p.items[i].reason);
            fprintf(stderr, "omr frame undeliverable: %s\n", err.message);
            status = EXIT_REJECTED;
        } else if (rc != OMR_OK) {
            fprintf(stderr, "omr frame undeliverable: %s\n", err.message);
            status = EXIT_OUTPUT;
        } else
            fprintf(stderr,
                    "omr frame undeliverable: %zu envelopes registered from %s (%zu were already)\n",
                    added, what, already);
    } else if (!codes_file)
        fprintf(stderr, "omr frame undeliverable: some scans could not be used; nothing was "
                        "registered\n");
    frame_strings_free(&codes);
    free(lines);
    frame_problems_clear(&p);
    return status;
}

static int frame_web_cmd(omr_db *db, const char *template_id, const char *file) {
    omr_template *t = cli_load_template("frame", template_id);
    if (!t)
        return EXIT_USAGE;
    frame_problems p = {0};
    size_t imported = 0, skipped = 0, both = 0;
    omr_error err = {0};
    int rc = frame_import_web(db, t, file, &p, &imported, &skipped, &both, &err);
    int status = EXIT_DONE;
    if (rc == OMR_ERR_INVALID) {
        print_problems(file, &p);
        fprintf(stderr, "omr frame web-returns: %s\n", err.message);
        status = EXIT_REJECTED;
    } else if (rc != OMR_OK) {
        fprintf(stderr, "omr frame web-returns: %s\n", err.message);
        status = EXIT_OUTPUT;
    } else
        fprintf(stderr,
                "omr frame web-returns: %zu web answers imported, %zu already there; %zu of them "
                "also answered on paper (the first answer received counts)\n",
                imported, skipped, both);
    frame_problems_clear(&p);
    template_free(t);
    return status;
}

static int frame_reminders_cmd(omr_db *db, const char *template_id, const char *out,
                               const char *pdf, int record) {
    frame_strings codes;
    omr_error err = {0};
    if (frame_list_reminders(db, template_id, record, &codes, &err) != OMR_OK) {
        fprintf(stderr, "omr frame reminders: %s\n", err.message);
        return EXIT_OUTPUT;
    }
    int status = EXIT_DONE;
    FILE *f = strcmp(out, "-") == 0 ? stdout : fopen(out, "w");
    if (!f) {
        fprintf(stderr, "omr frame reminders: cannot write %s: %s\n", out, strerror(errno));
        status = EXIT_OUTPUT;
    } else {
        for (size_t i = 0; i < codes.count; i++)
            fprintf(f, "%s\n", codes.items[i]);
        if ((f == stdout ? fflush(f) : fclose(f)) != 0) {
            fprintf(stderr, "omr frame reminders: cannot write %s: %s\n", out, strerror(errno));
            status = EXIT_OUTPUT;
        }
    }
    if (status == EXIT_DONE && pdf && codes.count) {
        omr_template *t = cli_load_template("frame", template_id);
        if (!t)
            status = EXIT_USAGE;
        else if (render_forms(t, codes.items, codes.count, RENDER_PDF, 300, pdf, &err) != OMR_OK) {
            fprintf(stderr, "omr frame reminders: %s\n", err.message);
            status = EXIT_OUTPUT;
        }
        template_free(t);
    }
    if (status == EXIT_DONE)
        fprintf(stderr, "omr frame reminders: %zu codes of %s need a reminder; listed in %s%s%s%s\n",
                codes.count, template_id, out, pdf ? ", forms in " : "", pdf ? pdf : "",
                record ? " (mailing recorded)" : "");
    frame_strings_free(&codes);
    return status;
}

/* ---- mailings: letter + form per respondent, per wave --------------------------------------- */

typedef struct {
    omr_db *db;
    const char *template_id;
    const letter *letter;
    int wave;
    char *const *codes;
    const char *date;
    const letter_addresses *addresses; /* --addresses: names kept out of the ledger */
    progress *progress;
} mail_run;

static int mail_letter(cairo_t *cr, size_t i, void *user, omr_error *err) {
    const mail_run *m = user;
    frame_strings names = {0}, values = {0};
    char name[128], lines[3][128];
    size_t k;
    int rc = OMR_OK;
    if (m->addresses) /* checked before printing: every code has its row */
        k = letter_address_from_frame(m->addresses->names,
                                      letter_addresses_find(m->addresses, m->codes[i]),
                                      m->addresses->n_names, name, lines);
    else if ((rc = mailings_frame_values(m->db, m->template_id, m->codes[i], &names, &values,
                                         err)) != OMR_OK)
        return rc;
    else
        k = letter_address_from_frame(names.items, values.items, names.count, name, lines);
    const char *const address[3] = {lines[0], lines[1], lines[2]};
    letter_recipient r = {.code = m->codes[i], .name = name, .address = address, .n_address = k};
    rc = letter_draw(cr, m->letter, m->wave, &r, m->date, err);
    frame_strings_free(&names);
    frame_strings_free(&values);
    return rc;
}

static void mail_progress(size_t i, void *user) {
    const mail_run *m = user;
    progress_update(m->progress, i + 1, NULL);
}

/* --sent: a date (posted that day, 00:00 UTC) or an ISO 8601 UTC time, into iso[32]. */
static int parse_sent(const char *text, char iso[32]) {
    struct tm tm = {0};
    const char *end = strptime(text, "%Y-%m-%d", &tm);
    if (end && !*end) {
        strftime(iso, 32, "%Y-%m-%dT00:00:00Z", &tm);
        return 1;
    }
    memset(&tm, 0, sizeof tm);
    end = strptime(text, "%Y-%m-%dT%H:%M:%SZ", &tm);
    if (end && !*end) {
        strftime(iso, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
        return 1;
    }
    return 0;
}

typedef struct {
    const char *wave, *out, *letter, *sent, *list, *addresses;
    int record, quiet;
} mail_options;

static int frame_mail_cmd(omr_db *db, const char *template_id, const mail_options *mo) {
    int wave = mailing_wave_parse(mo->wave);
    char sent[32];
    if (!wave) {
        fprintf(stderr, "omr frame mail: --wave is invitation, reminder1 or reminder2\n");
        return EXIT_USAGE;
    }
    if (mo->sent ? !parse_sent(mo->sent, sent) : (store_now(sent), 0)) {
        fprintf(stderr, "omr frame mail: --sent \"%s\" is not a date like 2024-03-01 (or "
                        "2024-03-01T08:00:00Z)\n", mo->sent);
        return EXIT_USAGE;
    }
    char letter_name[200];
    snprintf(letter_name, sizeof letter_name, "%s-letter", template_id);
    char *letter_path = omr_find_data_file("templates", "OMR_TEMPLATE_DIR",
                                           mo->letter ? mo->letter : letter_name);
    if (!letter_path) {
        fprintf(stderr, "omr frame mail: no letter \"%s\" (a file, or templates/%s.cfg)\n",
                mo->letter ? mo->letter : letter_name, letter_name);
        return EXIT_USAGE;
    }
    omr_error err = {0};
    letter *l = NULL;
    int rc = letter_load(letter_path, &l, &err);
    free(letter_path);
    if (rc != OMR_OK) {
        fprintf(stderr, "omr frame mail: %s\n", err.message);
        return EXIT_USAGE;
    }
    omr_template *t = cli_load_template("frame mail", template_id);
    frame_strings codes = {0};
    int status = EXIT_DONE;
    if (!t)
        status = EXIT_USAGE;
    else if ((rc = mailings_recipients(db, template_id, wave, &codes, &err)) != OMR_OK) {
        fprintf(stderr, "omr frame mail: %s\n", err.message);
        status = rc == OMR_ERR_INVALID ? EXIT_USAGE : EXIT_OUTPUT;
    }
    letter_addresses *addresses = NULL;
    if (status == EXIT_DONE && mo->addresses) {
        if (letter_addresses_load(mo->addresses, &addresses, &err) != OMR_OK) {
            fprintf(stderr, "omr frame mail: %s\n", err.message);
            status = EXIT_REJECTED;
        }
        for (size_t i = 0; status == EXIT_DONE && i < codes.count; i++)
            if (!letter_addresses_find(addresses, codes.items[i])) {
                fprintf(stderr, "omr frame mail: %s has no address for %s (and maybe others); "
                                "nothing printed\n", mo->addresses, codes.items[i]);
                status = EXIT_REJECTED;
            }
    }
    char date[11];
    snprintf(date, sizeof date, "%.10s", sent);
    if (status == EXIT_DONE && codes.count == 0)
        fprintf(stderr, "omr frame mail: nobody is due the %s of %s; nothing printed\n",
                mailing_wave_name(wave), template_id);
    else if (status == EXIT_DONE) {
        mail_run m = {.db = db, .template_id = template_id, .letter = l, .wave = wave,
                      .codes = codes.items, .date = date, .addresses = addresses,
                      .progress = mo->quiet ? NULL
                                            : progress_new(stderr, "omr frame mail", "letters",
                                                           codes.count)};
        render_hooks hooks = {.before_form = mail_letter, .after_form = mail_progress, .user = &m};
        rc = render_forms_with(t, codes.items, codes.count, RENDER_PDF, 300, mo->out, &hooks, &err);
        progress_finish(m.progress);
        if (rc != OMR_OK) {
            fprintf(stderr, "omr frame mail: %s; nothing recorded\n", err.message);
            status = EXIT_OUTPUT;
        }
    }
    if (status == EXIT_DONE && codes.count && mo->list) {
        FILE *f = strcmp(mo->list, "-") == 0 ? stdout : fopen(mo->list, "w");
        for (size_t i = 0; f && i < codes.count; i++)
            fprintf(f, "%s\n", codes.items[i]);
        if (!f || (f == stdout ? fflush(f) : fclose(f)) != 0) {
            fprintf(stderr, "omr frame mail: cannot write %s: %s\n", mo->list, strerror(errno));
            status = EXIT_OUTPUT;
        }
    }
    size_t added = 0;
    if (status == EXIT_DONE && codes.count && mo->record &&
        mailings_record(db, template_id, wave, codes.items, codes.count, sent, &added, &err) !=
            OMR_OK) {
        fprintf(stderr, "omr frame mail: %s; %s removed, print nothing\n", err.message, mo->out);
        remove(mo->out);
        status = EXIT_OUTPUT;
    }
    if (status == EXIT_DONE && codes.count)
        fprintf(stderr,
                "omr frame mail: %s of %s: %zu letters with their forms in %s (%zu pages); %s%s%s\n",
                mailing_wave_name(wave), template_id, codes.count, mo->out,
                codes.count * (1 + t->n_pages),
                mo->record ? "recorded as posted " : "not recorded (--no-record)",
                mo->record ? sent : "",
                mo->record && added < codes.count ? " (some codes had this wave already)" : "");
    frame_strings_free(&codes);
    letter_addresses_free(addresses);
    template_free(t);
    letter_free(l);
    return status;
}

static int frame_waves_cmd(omr_db *db, const char *template_id) {
    mailing_wave_counts c;
    omr_error err = {0};
    if (mailings_wave_counts(db, template_id, &c, &err) != OMR_OK) {
        fprintf(stderr, "omr frame waves: %s\n", err.message);
        return EXIT_OUTPUT;
    }
    if (!c.sent[MAILING_INVITATION]) {
        fprintf(stderr, "omr frame waves: no mailing of %s recorded yet (omr frame mail)\n",
                template_id);
        return EXIT_DONE;
    }
    report_waves_write_table(stdout, &c, 0, 0);
    return EXIT_DONE;
}

int cmd_frame(int argc, char **argv) {
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(frame_usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? EXIT_USAGE : EXIT_DONE;
    }
    const char *action = argv[1];
    static const struct option options[] = {{"db", required_argument, 0, 'd'},
                                            {"template", required_argument, 0, 't'},
                                            {"no-check-digit", no_argument, 0, 'n'},
                                            {"replace", no_argument, 0, 'r'},
                                            {"codes", required_argument, 0, 'c'},
                                            {"out", required_argument, 0, 'o'},
                                            {"render", required_argument, 0, 'p'},
                                            {"no-record", no_argument, 0, 'x'},
                                            {"wave", required_argument, 0, 'w'},
                                            {"letter", required_argument, 0, 'L'},
                                            {"sent", required_argument, 0, 's'},
                                            {"list", required_argument, 0, 'l'},
                                            {"quiet", no_argument, 0, 'q'},
                                            {"addresses", required_argument, 0, 'A'},
                                            {"help", no_argument, 0, 'h'},
                                            {0, 0, 0, 0}};
    const char *db_path = "omr.db", *template_id = NULL, *codes_file = NULL, *out = NULL,
               *pdf = NULL;
    int check_digits = 1, replace = 0, record = 1, db_given = 0, c;
    mail_options mo = {0};
    optind = 1;
    while ((c = getopt_long(argc - 1, argv + 1, "", options, NULL)) != -1) {
        switch (c) {
        case 'd': db_path = optarg; db_given = 1; break;
        case 't': template_id = optarg; break;
        case 'n': check_digits = 0; break;
        case 'r': replace = 1; break;
        case 'c': codes_file = optarg; break;
        case 'o': out = optarg; break;
        case 'p': pdf = optarg; break;
        case 'x': record = 0; break;
        case 'w': mo.wave = optarg; break;
        case 'L': mo.letter = optarg; break;
        case 's': mo.sent = optarg; break;
        case 'l': mo.list = optarg; break;
        case 'q': mo.quiet = 1; break;
        case 'A': mo.addresses = optarg; break;
        case 'h': fputs(frame_usage, stdout); return EXIT_DONE;
        default: fputs(frame_usage, stderr); return EXIT_USAGE;
        }
    }
    char **rest = argv + 1 + optind;
    int n_rest = argc - 1 - optind;
    if (strcmp(action, "codes") == 0) {
        if (n_rest != 1) {
            fprintf(stderr, "omr frame codes: give the number of codes, e.g. omr frame codes 7581\n");
            return EXIT_USAGE;
        }
        return frame_codes_cmd(db_path, db_given, rest[0]);
    }
    int known = strcmp(action, "import") == 0 || strcmp(action, "undeliverable") == 0 ||
                strcmp(action, "web-returns") == 0 || strcmp(action, "reminders") == 0 ||
                strcmp(action, "mail") == 0 || strcmp(action, "waves") == 0;
    if (!known) {
        fprintf(stderr, "omr frame: unknown action \"%s\" (import, codes, undeliverable, "
                        "web-returns, reminders, mail or waves)\n",
                action);
        return EXIT_USAGE;
    }
    if (strcmp(action, "import") == 0 && n_rest != 1) {
        fprintf(stderr, "omr frame import: give one CSV file\n");
        return EXIT_USAGE;
    }
    if (strcmp(action, "web-returns") == 0 && n_rest != 1) {
        fprintf(stderr, "omr frame web-returns: give one CSV file\n");
        return EXIT_USAGE;
    }
    if (strcmp(action, "undeliverable") == 0 && !codes_file == !n_rest) {
        fprintf(stderr, "omr frame undeliverable: give either --codes FILE or scanned forms\n");
        return EXIT_USAGE;
    }
    if (strcmp(action, "reminders") == 0 && (!out || n_rest)) {
        fprintf(stderr, "omr frame reminders: needs --out FILE (- for standard output)\n");
        return EXIT_USAGE;
    }
    if (strcmp(action, "mail") == 0 && (!mo.wave || !out || n_rest)) {
        fprintf(stderr, "omr frame mail: needs --wave invitation|reminder1|reminder2 and --out "
                        "FILE.pdf\n");
        return EXIT_USAGE;
    }
    mo.out = out;
    mo.record = record;
    omr_db *db = frame_open_ledger(db_path, strcmp(action, "import") != 0);
    if (!db)
        return EXIT_OUTPUT;
    int status;
    if (strcmp(action, "import") == 0)
        status = frame_import_cmd(db, template_id, check_digits, replace, mo.quiet, rest[0]);
    else {
        char picked[128];
        omr_error err = {0};
        if (frame_pick_template(db, template_id, picked, sizeof picked, &err) != OMR_OK) {
            fprintf(stderr, "omr frame %s: %s\n", action, err.message);
            status = EXIT_USAGE;
        } else if (strcmp(action, "undeliverable") == 0)
            status = frame_undeliverable_cmd(db, picked, codes_file, rest, n_rest);
        else if (strcmp(action, "web-returns") == 0)
            status = frame_web_cmd(db, picked, rest[0]);
        else if (strcmp(action, "mail") == 0)
            status = frame_mail_cmd(db, picked, &mo);
        else if (strcmp(action, "waves") == 0)
            status = frame_waves_cmd(db, picked);
        else
            status = frame_reminders_cmd(db, picked, out, pdf, record);
    }
    store_close(db);
    return status;
}

char **cli_frame_codes(const char *db_path, const char *template_id, size_t *count) {
    *count = 0;
    omr_db *db = frame_open_ledger(db_path, 1);
    if (!db)
        return NULL;
    frame_strings codes;
    omr_error err = {0};
    char **out = NULL;
    if (frame_list_codes(db, template_id, &codes, &err) != OMR_OK)
        fprintf(stderr, "omr render: %s\n", err.message);
    else if (codes.count == 0) {
        fprintf(stderr, "omr render: the ledger %s has no frame for %s (omr frame import)\n", db_path,
                template_id);
        frame_strings_free(&codes);
    } else {
        out = codes.items; /* each code strdup'd, as read_codes gives them */
        *count = codes.count;
    }
    store_close(db);
    return out;
}
