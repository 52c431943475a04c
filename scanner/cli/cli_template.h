/*
 * cli_template.h — `omr template new` and `omr template preview`
 * (cli_template.c), for main.c's `omr template`. Each takes argv[0] = its own
 * name ("new"), as getopt expects, and returns an exit status from cli.h.
 */
#ifndef OMR_CLI_TEMPLATE_H
#define OMR_CLI_TEMPLATE_H

int cmd_template_new(int argc, char **argv);
int cmd_template_preview(int argc, char **argv);

#endif
