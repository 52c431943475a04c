/*
 * cli.h — the command-line entry points of omr's commands. main.c holds the
 * table of commands and dispatches; each module's command parses its own
 * options in scanner/cli_<module>.c, calls the library, prints, and returns
 * an exit status from the list below (documented in README.md).
 */
#ifndef OMR_CLI_H
#define OMR_CLI_H

#include <stddef.h>

enum {
    EXIT_DONE = 0,     /* done; nothing rejected */
    EXIT_REJECTED = 1, /* done, but some input was rejected */
    EXIT_USAGE = 2,    /* usage error, or a template/calibration/config with errors */
    EXIT_OUTPUT = 3,   /* output or ledger could not be written */
};

/* Each takes argv[0] = its own name ("watch"), as getopt expects. */
int cmd_frame(int argc, char **argv);  /* cli_frame.c */
int cmd_report(int argc, char **argv); /* cli_report.c */
/* The codes of a template's frame for `omr render --frame`, as read_codes
 * gives them (caller frees each and the array); NULL after printing why. */
char **cli_frame_codes(const char *db_path, const char *template_id, size_t *count);

#endif
