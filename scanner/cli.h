/*
 * cli.h — the command-line entry points of omr's commands. main.c holds the
 * table of commands and dispatches; each module's command parses its own
 * options in scanner/cli_<module>.c, calls the library, prints, and returns
 * an exit status from the list below (documented in README.md).
 */
#ifndef OMR_CLI_H
#define OMR_CLI_H

enum {
    EXIT_DONE = 0,     /* done; nothing rejected */
    EXIT_REJECTED = 1, /* done, but some input was rejected */
    EXIT_USAGE = 2,    /* usage error, or a template/calibration/config with errors */
    EXIT_OUTPUT = 3,   /* output or ledger could not be written */
};

/* Each takes argv[0] = its own name ("watch"), as getopt expects. */

#endif
