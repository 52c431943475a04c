/*
 * cli_review.c — `omr review`: serves the operators' review page over the
 * ledger until stopped (Ctrl-C, SIGTERM), and `omr review user add|remove|
 * list` to manage the operators who may sign in to it.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <termios.h>
#include <unistd.h>

#include "cli/cli.h"
#include "review/review.h"
#include "review/review_users.h"
#include "ledger/store.h"
#include "ledger/users.h"

static const char review_usage[] =
    "usage: omr review [--db PATH] [--listen ADDR:PORT] [--out DIR] [--store DIR ...]\n"
    "                  [--lease-minutes N] [--host NAME ...] [--trusted-proxy ADDR ...]\n"
    "                  [--connections-per-address N] [--lang sv|en]\n"
    "       omr review user add NAME [--supervisor] [--db PATH]   (password read from the terminal or stdin)\n"
    "       omr review user remove NAME [--db PATH]\n"
    "       omr review user list [--db PATH]\n"
    "\n"
    "Serves the operators' review page: every answer, comment, duplicate return and\n"
    "unreadable page the machine could not decide, one keystroke per decision.\n"
    "\n"
    "  --db PATH          the ledger (default omr.db)\n"
    "  --listen ADDR:PORT where to serve (default " REVIEW_DEFAULT_LISTEN "; 0.0.0.0:8080 for the\n"
    "                     office network; port 0 picks a free port)\n"
    "  --out DIR          the output folder of omr scan / omr watch, which holds the comment\n"
    "                     crops (default: the ledger's folder)\n"
    "  --store DIR        a folder scans may be shown from; repeat for several (default:\n"
    "                     the ledger's folder). The --out folder (comment crops) is always\n"
    "                     served too; start-up names every folder served, nothing outside\n"
    "                     is. Relative scan paths are taken from the working folder.\n"
    "  --lease-minutes N  how long an item stays with an operator who is idle (default 10)\n"
    "  --host NAME        a host name the page is reached by (repeat for several); IP\n"
    "                     addresses, localhost and the --listen host always work, any\n"
    "                     other name is refused (421) against DNS rebinding\n"
    "  --trusted-proxy ADDR  the address of a reverse proxy in front (repeatable): its\n"
    "                     X-Forwarded-For names the client for sign-in throttling\n"
    "  --connections-per-address N  open connections one address may hold (default 64;\n"
    "                     behind a proxy, all clients share its address)\n"
    "  --lang sv|en       the page in Swedish or English for every browser (default: as\n"
    "                     each browser asks, by its Accept-Language; English otherwise)\n"
    "\n"
    "Exit status: 0 stopped cleanly, 2 usage error (also a malformed --listen, --host or\n"
    "--trusted-proxy), 3 the ledger could not be opened or the address could not be bound.\n";

/* Reads a password: from the terminal without echo (asked twice), or one line
 * from standard input when it is not a terminal. */
static int read_password(char *buf, size_t size) {
    if (!isatty(STDIN_FILENO)) {
        if (!fgets(buf, (int)size, stdin))
            return 0;
        buf[strcspn(buf, "\r\n")] = 0;
        return 1;
    }
    struct termios old, quiet;
    if (tcgetattr(STDIN_FILENO, &old) != 0)
        return 0;
    quiet = old;
    quiet.c_lflag &= ~(tcflag_t)ECHO;
    char again[1100];
    int ok = 0;
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
    fprintf(stderr, "Password: ");
    if (fgets(buf, (int)size, stdin)) {
        fprintf(stderr, "\nThe same password again: ");
        if (fgets(again, sizeof again, stdin)) {
            buf[strcspn(buf, "\r\n")] = 0;
            again[strcspn(again, "\r\n")] = 0;
            ok = strcmp(buf, again) == 0 ? 1 : -1;
        }
    }
    fprintf(stderr, "\n");
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
    memset(again, 0, sizeof again);
    if (ok < 0)
        fprintf(stderr, "omr review: the two passwords differ\n");
    return ok == 1;
}

static int open_ledger(const char *db_path, omr_db **db) {
    omr_error err;
    if (store_open(db_path, db, &err) != OMR_OK) {
        fprintf(stderr, "omr review: %s\n", err.message);
        return 0;
    }
    if (review_open(*db, &err) != OMR_OK) {
        fprintf(stderr, "omr review: %s\n", err.message);
        store_close(*db);
        return 0;
    }
    return 1;
}

static void print_operator(void *ctx, const char *name, const char *role, const char *created_at) {
    (void)ctx;
    printf("%s\t%s\t%s\n", name, role, created_at);
}

static int cmd_review_user(int argc, char **argv) {
    static const struct option options[] = {{"db", required_argument, 0, 'd'},
                                            {"supervisor", no_argument, 0, 's'},
                                            {"help", no_argument, 0, 'h'},
                                            {0, 0, 0, 0}};
    const char *db_path = "omr.db";
    int supervisor = 0, c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", options, NULL)) != -1) {
        switch (c) {
        case 'd': db_path = optarg; break;
        case 's': supervisor = 1; break;
        case 'h': fputs(review_usage, stdout); return EXIT_DONE;
        default: fputs(review_usage, stderr); return EXIT_USAGE;
        }
    }
    const char *action = optind < argc ? argv[optind] : NULL;
    const char *name = optind + 1 < argc ? argv[optind + 1] : NULL;
    if (!action || (strcmp(action, "list") != 0 && (!name || optind + 2 != argc))) {
        fprintf(stderr, "omr review user: add NAME, remove NAME or list\n");
        return EXIT_USAGE;
    }
    if (name && !review_user_name_is_valid(name)) {
        fprintf(stderr, "omr review user: \"%s\" is not a valid name (1 to %d letters, digits, . _ - @)\n", name,
                REVIEW_NAME_MAX);
        return EXIT_USAGE;
    }
    omr_db *db = NULL;
    if (!open_ledger(db_path, &db))
        return EXIT_OUTPUT;
    int status = EXIT_DONE;
    omr_error err;
    if (strcmp(action, "add") == 0) {
        char password[1100];
        int replaced = 0;
        if (!read_password(password, sizeof password)) {
            fprintf(stderr, "omr review user: no password given\n");
            status = EXIT_USAGE;
        } else {
            int rc = review_user_add(db, name, password, supervisor ? REVIEW_ROLE_SUPERVISOR : REVIEW_ROLE_OPERATOR,
                                     &replaced, &err);
            if (rc != OMR_OK) {
                fprintf(stderr, "omr review user: %s\n", err.message);
                status = rc == OMR_ERR_INVALID ? EXIT_USAGE : EXIT_OUTPUT;
            } else {
                printf("%s %s (%s)\n", replaced ? "changed" : "added", name, supervisor ? "supervisor" : "operator");
            }
        }
        memset(password, 0, sizeof password);
    } else if (strcmp(action, "remove") == 0) {
        int rc = review_user_remove(db, name, &err);
        if (rc != OMR_OK) {
            fprintf(stderr, "omr review user: %s\n", err.message);
            status = rc == OMR_ERR_NOT_FOUND ? EXIT_USAGE : EXIT_OUTPUT;
        } else {
            printf("removed %s (their decisions stay in the ledger)\n", name);
        }
    } else if (strcmp(action, "list") == 0) {
        users_list(db, print_operator, NULL, NULL);
    } else {
        fprintf(stderr, "omr review user: unknown action \"%s\" (add, remove or list)\n", action);
        status = EXIT_USAGE;
    }
    store_close(db);
    return status;
}

int cmd_review(int argc, char **argv) {
    if (argc >= 2 && strcmp(argv[1], "user") == 0)
        return cmd_review_user(argc - 1, argv + 1);
    static const struct option options[] = {{"db", required_argument, 0, 'd'},
                                            {"listen", required_argument, 0, 'l'},
                                            {"store", required_argument, 0, 's'},
                                            {"out", required_argument, 0, 'o'},
                                            {"lease-minutes", required_argument, 0, 'm'},
                                            {"host", required_argument, 0, 'H'},
                                            {"trusted-proxy", required_argument, 0, 'P'},
                                            {"connections-per-address", required_argument, 0, 'C'},
                                            {"lang", required_argument, 0, 'L'},
                                            {"help", no_argument, 0, 'h'},
                                            {0, 0, 0, 0}};
    const char *db_path = "omr.db", *listen = REVIEW_DEFAULT_LISTEN, *out_dir = NULL, *lang = NULL;
    const char *roots[32], *hosts[32], *proxies[32];
    size_t n_roots = 0, n_hosts = 0, n_proxies = 0;
    int lease_minutes = 10, per_address = 0, c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", options, NULL)) != -1) {
        switch (c) {
        case 'd': db_path = optarg; break;
        case 'l': listen = optarg; break;
        case 'o': out_dir = optarg; break;
        case 'L':
            if (strcmp(optarg, "sv") != 0 && strcmp(optarg, "en") != 0) {
                fprintf(stderr, "omr review: --lang must be sv (Swedish) or en (English)\n");
                return EXIT_USAGE;
            }
            lang = optarg;
            break;
        case 's':
            if (n_roots == 32) {
                fprintf(stderr, "omr review: at most 32 --store folders\n");
                return EXIT_USAGE;
            }
            roots[n_roots++] = optarg;
            break;
        case 'm':
            lease_minutes = atoi(optarg);
            if (lease_minutes < 1 || lease_minutes > 24 * 60) {
                fprintf(stderr, "omr review: --lease-minutes must be 1 to 1440\n");
                return EXIT_USAGE;
            }
            break;
        case 'H':
        case 'P':
            if ((c == 'H' ? n_hosts : n_proxies) == 32) {
                fprintf(stderr, "omr review: at most 32 --%s\n", c == 'H' ? "host names" : "trusted-proxy addresses");
                return EXIT_USAGE;
            }
            if (c == 'H')
                hosts[n_hosts++] = optarg;
            else
                proxies[n_proxies++] = optarg;
            break;
        case 'C':
            per_address = atoi(optarg);
            if (per_address < 1 || per_address > 10000) {
                fprintf(stderr, "omr review: --connections-per-address must be 1 to 10000\n");
                return EXIT_USAGE;
            }
            break;
        case 'h': fputs(review_usage, stdout); return EXIT_DONE;
        default: fputs(review_usage, stderr); return EXIT_USAGE;
        }
    }
    if (optind != argc) {
        fprintf(stderr, "omr review: unexpected argument \"%s\"\n", argv[optind]);
        return EXIT_USAGE;
    }
    for (size_t i = 0; i < n_roots; i++)
        if (access(roots[i], R_OK | X_OK) != 0) {
            fprintf(stderr, "omr review: --store %s: %s\n", roots[i], strerror(errno));
            return EXIT_USAGE;
        }
    /* signals are taken by sigwait below, not by the server's threads */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    review_options o = {.db_path = db_path, .listen = listen, .out_dir = out_dir, .store_roots = roots,
                        .n_store_roots = n_roots,
                        .lease_seconds = lease_minutes * 60, .hosts = hosts, .n_hosts = n_hosts,
                        .trusted_proxies = proxies, .n_trusted_proxies = n_proxies,
                        .connections_per_address = per_address, .lang = lang};
    /* every connection is a file: allow as many as the system lets us */
    struct rlimit files;
    if (getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
        files.rlim_cur = files.rlim_max != RLIM_INFINITY && files.rlim_max < 65536 ? files.rlim_max : 65536;
        setrlimit(RLIMIT_NOFILE, &files);
    }
    review_server *server = NULL;
    omr_error err;
    int rc = review_server_start(&o, &server, &err);
    if (rc != OMR_OK) {
        fprintf(stderr, "omr review: %s\n", err.message);
        return rc == OMR_ERR_INVALID ? EXIT_USAGE : EXIT_OUTPUT;
    }
    omr_db *db = NULL;
    int operators = -1;
    if (store_open(db_path, &db, &err) == OMR_OK) {
        operators = (int)users_count(db);
        store_close(db);
    }
    char host[256];
    const char *colon = strrchr(listen, ':');
    snprintf(host, sizeof host, "%.*s", colon ? (int)(colon - listen) : 0, listen);
    printf("omr review: serving http://%s:%d/ for the ledger %s; Ctrl-C stops\n",
           host[0] && strcmp(host, "0.0.0.0") != 0 ? host : "127.0.0.1", review_server_port(server), db_path);
    const char *const *served = NULL;
    size_t n_served = review_server_roots(server, &served);
    printf("omr review: scans and comment crops are shown from");
    for (size_t i = 0; i < n_served; i++)
        printf("%s %s", i ? "," : "", served[i]);
    printf(" (the output folder %s holds the crops); nothing outside is served\n", n_served ? served[n_served - 1] : "?");
    if (operators == 0)
        printf("omr review: no operator can sign in yet: add one with `omr review user add NAME --db %s`\n", db_path);
    fflush(stdout);
    int sig = 0;
    sigwait(&stop, &sig);
    review_server_stop(server);
    fprintf(stderr, "omr review: stopped\n");
    return EXIT_DONE;
}
