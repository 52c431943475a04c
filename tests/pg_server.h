/*
 * pg_server.h — a PostgreSQL server of the test's own for the tests of the
 * PostgreSQL ledger (tests/test_pg*.c): Debian's `postgresql` package,
 * initdb into a temporary folder, listening only on a Unix socket in that
 * folder (no TCP), fsync off (a test's server, not a ledger's), stopped
 * and removed at the end of the test run (ReportHook POST_ALL, which
 * Criterion runs also when tests fail). initdb and postgres refuse root:
 * as root they run as the `postgres` user the package creates, in a
 * folder it owns. Without the package a test calls pg_test_require(), which
 * skips it with a message saying what to install.
 *
 * In a test file (one that includes this header), in a test:
 *   char uri[512]; pg_test_require(); pg_test_database(uri, sizeof uri);
 * gives a fresh empty database on that server as a libpq URI.
 */
#ifndef OMR_TEST_PG_SERVER_H
#define OMR_TEST_PG_SERVER_H

#include <criterion/criterion.h>
#include <criterion/hooks.h>
#include <glob.h>
#include <libpq-fe.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The folder of Debian's PostgreSQL programs (the highest version), or 0. */
static inline int pg_test_bindir(char *out, size_t size) {
    glob_t g;
    int found = 0;
    if (glob("/usr/lib/postgresql/*/bin/initdb", 0, NULL, &g) == 0 && g.gl_pathc) {
        snprintf(out, size, "%s", g.gl_pathv[g.gl_pathc - 1]);
        char *slash = strrchr(out, '/');
        if (slash)
            *slash = 0;
        found = 1;
    }
    globfree(&g);
    return found;
}

/* "runuser -u postgres -- " as root, "" otherwise. */
static inline const char *pg_test_as(void) { return geteuid() == 0 ? "runuser -u postgres -- " : ""; }

static inline void pg_test_start(void) {
    char bin[256];
    if (getenv("OMR_TEST_PG_DIR") || !pg_test_bindir(bin, sizeof bin))
        return;
    if (geteuid() == 0 && !getpwnam("postgres")) {
        fprintf(stderr, "pg_server.h: no postgres user to run the test server as\n");
        return;
    }
    char tmpl[] = "/tmp/omr-pg-XXXXXX";
    char *dir = mkdtemp(tmpl);
    if (!dir)
        return;
    char cmd[2048];
    if (geteuid() == 0) {
        snprintf(cmd, sizeof cmd, "chown postgres: '%s'", dir);
        if (system(cmd) != 0)
            return;
    }
    snprintf(cmd, sizeof cmd,
             "cd '%s' && %s'%s/initdb' -D '%s/data' -A trust -U postgres --locale=C -E UTF8 >'%s/initdb.log' 2>&1 && "
             "%s'%s/pg_ctl' -D '%s/data' -l '%s/server.log' -w -o \"-k '%s' -c listen_addresses='' -c fsync=off "
             "-c max_connections=200\" start >/dev/null",
             dir, pg_test_as(), bin, dir, dir, pg_test_as(), bin, dir, dir, dir);
    if (system(cmd) != 0) {
        fprintf(stderr, "pg_server.h: the test server did not start (see %s/initdb.log, %s/server.log)\n", dir, dir);
        return;
    }
    setenv("OMR_TEST_PG_DIR", dir, 1);
    setenv("OMR_TEST_PG_STARTED", "1", 1);
}

static inline void pg_test_stop(void) {
    const char *dir = getenv("OMR_TEST_PG_DIR");
    char bin[256];
    if (!dir || !getenv("OMR_TEST_PG_STARTED") || !pg_test_bindir(bin, sizeof bin))
        return;
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "%s'%s/pg_ctl' -D '%s/data' -m immediate -w stop >/dev/null 2>&1; rm -rf '%s'",
             pg_test_as(), bin, dir, dir);
    if (system(cmd) != 0)
        fprintf(stderr, "pg_server.h: could not stop the test server in %s\n", dir);
    unsetenv("OMR_TEST_PG_DIR");
}

/* One server for the whole test binary: started before the first test,
 * stopped after the last (pass or fail). Including this header is asking
 * for it. */
ReportHook(PRE_ALL)(struct criterion_test_set *set) {
    (void)set;
    pg_test_start();
}

ReportHook(POST_ALL)(struct criterion_global_stats *stats) {
    (void)stats;
    pg_test_stop();
}

/* Skips the test when there is no server (PostgreSQL not installed). */
static inline void pg_test_require(void) {
    char bin[256];
    if (!pg_test_bindir(bin, sizeof bin))
        cr_skip_test("PostgreSQL is not installed (apt-get install postgresql libpq-dev): "
                     "the PostgreSQL ledger is not tested, SQLite is");
    if (!getenv("OMR_TEST_PG_DIR"))
        cr_skip_test("the test PostgreSQL server did not start (see stderr)");
}

/* A fresh, empty database on the test server, as a libpq URI. */
static inline void pg_test_database(char *uri, size_t size) {
    const char *dir = getenv("OMR_TEST_PG_DIR");
    cr_assert_not_null(dir);
    static int serial;
    char name[64], conninfo[600], sql[128];
    snprintf(name, sizeof name, "omr_%d_%d", (int)getpid(), ++serial);
    snprintf(conninfo, sizeof conninfo, "host=%s user=postgres dbname=postgres", dir);
    PGconn *c = PQconnectdb(conninfo);
    cr_assert_eq(PQstatus(c), CONNECTION_OK, "%s", PQerrorMessage(c));
    snprintf(sql, sizeof sql, "CREATE DATABASE %s", name);
    PGresult *r = PQexec(c, sql);
    cr_assert_eq(PQresultStatus(r), PGRES_COMMAND_OK, "%s", PQerrorMessage(c));
    PQclear(r);
    PQfinish(c);
    snprintf(uri, size, "postgresql://postgres@/%s?host=%s", name, dir);
}

#endif
