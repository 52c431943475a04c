/*
 * cli.h — the command-line entry points of omr's commands. main.c holds the
 * table of commands and dispatches; each module's command parses its own
 * options in scanner/cli_<module>.c, calls the library, prints, and returns
 * an exit status from the list below (documented in README.md).
 */
#ifndef OMR_CLI_H
#define OMR_CLI_H

#include "deciding/decide.h"

#include <stddef.h>
#include <stdio.h>

enum {
    EXIT_DONE = 0,     /* done; nothing rejected */
    EXIT_REJECTED = 1, /* done, but some input was rejected */
    EXIT_USAGE = 2,    /* usage error, or a template/calibration/config with errors */
    EXIT_OUTPUT = 3,   /* output or ledger could not be written */
    EXIT_LEDGER_LOST = 4, /* omr watch: the ledger was deleted or replaced while it ran */
};

/* Each takes argv[0] = its own name ("watch"), as getopt expects. */
int cmd_template(int argc, char **argv); /* cli_template.c */
int cmd_render(int argc, char **argv); /* cli_render.c */
int cmd_review(int argc, char **argv); /* cli_review.c */
int cmd_scan(int argc, char **argv);   /* cli_scan.c */
int cmd_watch(int argc, char **argv);  /* cli_watch.c */
int cmd_status(int argc, char **argv); /* cli_watch.c */
int cmd_export(int argc, char **argv); /* cli_watch.c */
int cmd_ledger(int argc, char **argv); /* cli_ledger.c */

/* Shared by the commands (cli_common.c). */
/* `omr --help`'s text to `out`; returns `status` (for `return cli_usage(...)`). */
int cli_usage(FILE *out, int status);
/* The one way a command loads a template by name or path: every template
 * problem printed on its own line, then "omr COMMAND: why" ("omr: why" when
 * command is NULL); "not found" names both places looked. NULL when it
 * cannot be used; the caller frees it with template_free. */
omr_template *cli_load_template(const char *command, const char *name);
/* A calibration profile by name or path; EXIT_DONE or EXIT_USAGE (printed). */
int cli_load_calibration(const char *command, const char *name, calibration *out);
int cmd_frame(int argc, char **argv);  /* cli_frame.c */
int cmd_report(int argc, char **argv); /* cli_report.c */
/* The codes of a template's frame for `omr render --frame`, as read_codes
 * gives them (caller frees each and the array); NULL after printing why. */
char **cli_frame_codes(const char *db_path, const char *template_id, size_t *count);

#endif
