/*
 * main.c — the omr command line: dispatch only. Finds the command in the
 * table below and hands it its arguments; each command (cli_<command>.c)
 * parses its options, calls the library, prints, and chooses the exit status.
 *
 * Exit status (all commands):
 *   0  done, nothing rejected
 *   1  done, but some files or pages were rejected (see rejects.csv)
 *   2  usage error, or a template / calibration with errors
 *   3  could not write the output (disk full, read-only folder, ...)
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cli_template.h"

/* Every command: name, function, one line for `omr --help`. A module adds its
 * command here and implements it in scanner/cli_<module>.c (see cli.h). */
static const struct {
    const char *name;
    int (*run)(int argc, char **argv);
} commands[] = {
    {"template", cmd_template},
    {"render", cmd_render},
    {"scan", cmd_scan},
    {"frame", cmd_frame},
    {"report", cmd_report},
    {"watch", cmd_watch},
    {"status", cmd_status},
    {"export", cmd_export},
    {"review", cmd_review},
    {"ledger", cmd_ledger},
};

int main(int argc, char **argv) {
    if (argc < 2)
        return cli_usage(stderr, EXIT_USAGE);
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "help") == 0 || strcmp(cmd, "-h") == 0)
        return cli_usage(stdout, EXIT_DONE);
    if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "version") == 0) {
        printf("omr %s\n", OMR_VERSION);
        return EXIT_DONE;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(cmd, commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "omr: unknown command \"%s\"\n\n", cmd);
    return cli_usage(stderr, EXIT_USAGE);
}
