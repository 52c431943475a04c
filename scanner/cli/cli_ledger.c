/*
 * cli_ledger.c — `omr ledger migrate --from FILE --to URI [--replace]`: a
 * running survey's ledger file moved into PostgreSQL (or another file) so
 * several stations can share it (ledger/backend/copy.c does the copy, one
 * transaction, counts compared). Prints each table's rows; exit 0 when
 * copied, 2 on a usage error or a target that is not empty, 3 when a ledger
 * cannot be opened or written.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "ledger/backend/copy.h"
#include "ledger/store.h"

static const char ledger_usage[] =
    "usage: omr ledger migrate --from LEDGER.db --to postgresql://USER@HOST/DB [--replace]\n"
    "  copies every table of a ledger file, with every answer, decision and id, into an\n"
    "  empty PostgreSQL database (or another ledger file), then compares the counts.\n"
    "  --replace  empty a target that already holds a ledger first\n"
    "  Stop omr watch, omr scan and omr review on the file while it runs; then point\n"
    "  every station's --db (or the config's db) at the URI.\n";

static int migrate(int argc, char **argv) {
    static const struct option options[] = {{"from", required_argument, 0, 'f'},
                                            {"to", required_argument, 0, 't'},
                                            {"replace", no_argument, 0, 'r'},
                                            {"help", no_argument, 0, 'h'},
                                            {0, 0, 0, 0}};
    const char *from = NULL, *to = NULL;
    int replace = 0, c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", options, NULL)) != -1) {
        switch (c) {
        case 'f': from = optarg; break;
        case 't': to = optarg; break;
        case 'r': replace = 1; break;
        case 'h': fputs(ledger_usage, stdout); return EXIT_DONE;
        default: fputs(ledger_usage, stderr); return EXIT_USAGE;
        }
    }
    if (!from || !to || optind < argc) {
        fputs(ledger_usage, stderr);
        return EXIT_USAGE;
    }
    if (store_is_server(from)) {
        fprintf(stderr, "omr ledger migrate: --from must be a ledger file; a PostgreSQL ledger is copied with "
                        "pg_dump and pg_restore\n");
        return EXIT_USAGE;
    }
    if (strcmp(from, to) == 0) {
        fprintf(stderr, "omr ledger migrate: --from and --to are the same ledger\n");
        return EXIT_USAGE;
    }
    omr_db *src = NULL, *dst = NULL;
    omr_error err;
    if (store_open_existing(from, &src, &err) != OMR_OK) {
        fprintf(stderr, "omr ledger migrate: %s\n", err.message);
        return EXIT_OUTPUT;
    }
    if (store_open(to, &dst, &err) != OMR_OK) {
        fprintf(stderr, "omr ledger migrate: %s\n", err.message);
        store_close(src);
        return EXIT_OUTPUT;
    }
    ledger_copy_report report;
    int rc = ledger_copy(src, dst, replace, &report, &err);
    store_close(src);
    store_close(dst);
    if (rc != OMR_OK) {
        fprintf(stderr, "omr ledger migrate: %s\n", err.message);
        return rc == OMR_ERR_INVALID ? EXIT_USAGE : EXIT_OUTPUT;
    }
    long long total = 0;
    for (size_t i = 0; i < report.n_tables; i++) {
        printf("  %-24s %10lld rows\n", report.tables[i].name, report.tables[i].rows);
        total += report.tables[i].rows;
    }
    printf("omr ledger migrate: %zu tables, %lld rows copied from %s; counts match\n", report.n_tables, total,
           from);
    return EXIT_DONE;
}

int cmd_ledger(int argc, char **argv) {
    if (argc >= 2 && strcmp(argv[1], "migrate") == 0)
        return migrate(argc - 1, argv + 1);
    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "help") == 0)) {
        fputs(ledger_usage, stdout);
        return EXIT_DONE;
    }
    fputs(ledger_usage, stderr);
    return EXIT_USAGE;
}
