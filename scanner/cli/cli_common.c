/*
 * cli_common.c — what the commands share (cli.h): the top-level usage text,
 * loading a template or a calibration profile by name or path with every
 * problem printed under the command's name. One copy of each, so every
 * command says the same thing the same way.
 */
#include <stdio.h>
#include <stdlib.h>

#include "cli/cli.h"
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
    "  omr render T --codes FILE [--format pdf|png|tiff] [--dpi N] [--quiet] --out PATH\n"
    "                                  print personalised forms\n"
    "  omr scan --template T [--template T2 ...] --out DIR [--calibration C]\n"
    "           [--no-ocr] [--languages swe+eng] [--db PATH] [--quiet] INPUT...\n"
    "                                  read scanned forms into records\n"
    "  omr watch --config FILE | --inbox DIR --archive DIR --rejected DIR --out DIR\n"
    "           --template T [--db PATH] [--workers N] ...\n"
    "                                  the mailroom daemon: read every file dropped in the inbox\n"
    "  omr status [--db PATH] [--json] what the daemon has done and what waits\n"
    "  omr ledger migrate --from FILE --to postgresql://...\n"
    "                                  move a ledger file into PostgreSQL (several stations)\n"
    "  omr export [--db PATH] --out DIR [--template T ...]\n"
    "                                  rewrite every output from the ledger\n"
    "  omr review [--db PATH] [--listen ADDR:PORT]\n"
    "                                  the operators' web page for what needs a person\n"
    "  omr review user add|remove NAME [--db PATH]\n"
    "                                  manage operator accounts\n"
    "  omr frame import|codes|undeliverable|web-returns|reminders ... [--db PATH]\n"
    "                                  the sample: who was sent a form, who answered\n"
    "  omr frame mail --wave invitation|reminder1|reminder2 --out FILE.pdf [--db PATH]\n"
    "                                  a mailing: letter + form per respondent, recorded\n"
    "  omr frame waves [--db PATH]     the response rate after each mailing wave\n"
    "  omr report response-rate [--format csv|text] [--db PATH]\n"
    "  omr report [--weight VAR,...] --out DIR [--db PATH]\n"
    "  omr report export-analysis [--excel] --out DIR [--db PATH]\n"
    "                                  the survey's tables, charts, HTML report, R/SPSS exports\n"
    "\n"
    "T is a template file or a name in templates/ (e.g. ekb-2024).\n"
    "Exit status: 0 done, 1 some input rejected, 2 usage or template error,\n"
    "3 output could not be written. Long commands show progress on standard error\n"
    "(--quiet: none). See README.md for details.\n";

int cli_usage(FILE *out, int status) {
    fputs(usage_text, out);
    return status;
}

omr_template *cli_load_template(const char *command, const char *name) {
    /* "omr scan: ..." for a command, "omr: ..." for the top level */
    const char *sep = command ? " " : "";
    if (!command)
        command = "";
    char *path = template_find(name);
    if (!path) {
        fprintf(stderr, "omr%s%s: template \"%s\" not found (neither a file nor templates/%s.cfg)\n",
                sep, command, name, name);
        return NULL;
    }
    omr_template *t = NULL;
    template_problems problems = {0};
    omr_error err = {0};
    if (template_load(path, &t, &problems, &err) != OMR_OK) {
        for (size_t i = 0; i < problems.count; i++)
            fprintf(stderr, "%s\n", problems.messages[i]);
        fprintf(stderr, "omr%s%s: %s\n", sep, command, err.message);
    }
    template_problems_clear(&problems);
    free(path);
    return t;
}

int cli_load_calibration(const char *command, const char *name, calibration *out) {
    char *path = calibration_find(name);
    if (!path) {
        fprintf(stderr, "omr %s: calibration profile \"%s\" not found\n", command, name);
        return EXIT_USAGE;
    }
    omr_error err;
    int rc = calibration_load(path, out, &err);
    free(path);
    if (rc != OMR_OK) {
        fprintf(stderr, "omr %s: %s\n", command, err.message);
        return EXIT_USAGE;
    }
    return EXIT_DONE;
}
