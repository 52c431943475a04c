/*
 * sql.h — the one way the ledger calls its database. Every ledger file
 * prepares, binds, steps and reads columns through these helpers, so that a
 * failure is always reported the same way: an omr_error saying what the
 * ledger was doing, the database's reason, and a hint a mailroom can act on
 * (disk full, read-only, another program holds the ledger, a damaged file).
 *
 * Two backends stand behind it: SQLite (a ledger file, the default) and
 * PostgreSQL (a ledger path that is a libpq URI, postgresql://… or
 * postgres://…; ledger/backend/postgres.c). Ledger files write SQLite's
 * dialect kept to a portable subset; ledger/backend/pg_dialect.c rewrites
 * what must differ (placeholders, INSERT OR IGNORE, INTEGER PRIMARY KEY,
 * BEGIN IMMEDIATE, `IS ?`, ifnull, group_concat, last_insert_rowid()).
 * Columns read the same on both (a boolean as 1/0, a real as SQLite prints it).
 *
 * Arguments are bound from a type string, one letter per `?`:
 *   't' text (const char *, NULL binds NULL), 'i' integer (long long),
 *   'd' real (double), 'n' NULL (takes no argument).
 * Only files under scanner/ledger/ include this header.
 */
#ifndef OMR_SQL_H
#define OMR_SQL_H

#include <jansson.h>
#include <sqlite3.h>
#include <stdarg.h>

#include "base/common.h"
#include "ledger/db.h"

/* A prepared statement of the ledger (either backend). */
typedef struct sql_stmt sql_stmt;

/* Is `path` a PostgreSQL ledger (a libpq URI: postgresql://… or postgres://…)? */
int sql_is_server_uri(const char *path);
/* "sqlite" or "postgresql". */
const char *sql_backend(omr_db *db);

/* Fills err with "ledger: <what>: <SQLite's message><hint>"; returns OMR_ERR_IO. */
int sql_fail(omr_db *db, omr_error *err, const char *what);
/* SQLite's message for the last failure on db, for a caller that words its
 * own error around it ("ledger: <message>; nothing was imported"). */
const char *sql_message(omr_db *db);

/* How sql_open opens a ledger file. */
enum {
    SQL_OPEN_READONLY, /* read only (omr status) */
    SQL_OPEN_WRITE,    /* read and write; the file must exist */
    SQL_OPEN_CREATE,   /* read and write; created when missing */
};
/* Opens the ledger file `path` (SQL_OPEN_*), waiting up to busy_ms for a lock
 * another program holds. On failure *db is NULL and err says "cannot open the
 * ledger <path>: <SQLite's reason>". sql_close(NULL) does nothing.
 * A libpq URI connects to PostgreSQL instead (its database must exist;
 * SQL_OPEN_READONLY makes the session read-only). */
int sql_open(const char *path, int mode, int busy_ms, omr_db **db, omr_error *err);
void sql_close(omr_db *db);
/* The file behind the connection's main database ("" for an in-memory one);
 * for PostgreSQL, the URI it was opened with (without a password). */
const char *sql_filename(omr_db *db);
/* Copies the whole ledger into the existing (empty) file `to` with SQLite's
 * online backup; err says "cannot copy the ledger to <to>: <reason>".
 * A PostgreSQL ledger is not a file: OMR_ERR_INVALID, err says to back it up
 * with pg_dump (or `omr ledger migrate` it to a file). */
int sql_copy(omr_db *db, const char *to, omr_error *err);

/* Runs `sql` (one or more statements, no results); on failure err names the
 * SQL's first words. */
int sql_exec(omr_db *db, const char *sql, omr_error *err);

/* Runs a schema script (CREATE ... IF NOT EXISTS, ALTER TABLE) under the
 * ledger's write lock: on PostgreSQL inside one transaction that takes the
 * advisory write lock (unless the caller's transaction already holds it), so
 * two stations creating the same tables at once wait for each other instead
 * of colliding; on SQLite as sql_exec (its DDL takes the file's write lock). */
int sql_exec_schema(omr_db *db, const char *sql, omr_error *err);

/* The change feed (ledger/changes.c). On PostgreSQL: LISTEN on `channel` on
 * this connection (OMR_ERR_INVALID on SQLite, which has no notifications). */
int sql_listen(omr_db *db, const char *channel, omr_error *err);
/* Waits up to timeout_ms for a notification on a listening PostgreSQL
 * connection and takes every one that arrived: 1 when one did, 0 when none,
 * OMR_ERR_IO (err says why) when the connection is lost. */
int sql_wait_notify(omr_db *db, int timeout_ms, omr_error *err);

/* Prepares `sql` and binds the arguments described by `types` (see above).
 * On failure *st is NULL and err says so. On PostgreSQL the server sees the
 * statement when it is first stepped: a statement it refuses (a table that
 * does not exist) fails at sql_step, not here; every caller checks both. */
int sql_prepare(omr_db *db, sql_stmt **st, omr_error *err, const char *sql, const char *types, ...);
int sql_vprepare(omr_db *db, sql_stmt **st, omr_error *err, const char *sql, const char *types,
                 va_list ap);
/* Prepares and binds as sql_prepare, for a caller that reports a failure
 * itself (sql_message) or reads nothing: the statement, or NULL. */
sql_stmt *sql_query(omr_db *db, const char *sql, const char *types, ...);
/* Binds again after sql_reset (same types as sql_prepare): a statement
 * prepared once and run for each row of a loop. */
void sql_bind(sql_stmt *st, const char *types, ...);
void sql_reset(sql_stmt *st);
/* Binds parameter `index` (1-based) to a JSON null, integer, real or string
 * (a row copied from one ledger to another, column by column). */
void sql_bind_json(sql_stmt *st, int index, json_t *value);
/* Steps a statement that returns no rows, then resets it and clears its
 * bindings for the next sql_bind. OMR_OK when it ran to the end, OMR_ERR_IO
 * when not (sql_message says why; the caller words the error). */
int sql_run_reset(sql_stmt *st);

/* Prepares, binds, steps once and finalizes a statement that returns no rows
 * (a row is not an error); err names `what` on failure. */
int sql_run(omr_db *db, omr_error *err, const char *what, const char *sql, const char *types, ...);
/* Steps a prepared statement that returns no rows and finalizes it. */
int sql_run_prepared(omr_db *db, sql_stmt *st, omr_error *err, const char *what);

/* The ledger's tables (a malloc'd array of malloc'd names, sorted), or
 * OMR_ERR_IO. Free with sql_names_free. */
int sql_table_names(omr_db *db, char ***names, size_t *n, omr_error *err);
void sql_names_free(char **names, size_t n);

/* Steps: SQL_ROW, SQL_DONE, or SQL_ERROR. */
enum { SQL_ERROR = -1, SQL_DONE = 0, SQL_ROW = 1 };
int sql_step(sql_stmt *st);
void sql_finalize(sql_stmt *st);

/* Reads one integer (first column of the first row) of a query; *value is
 * `fallback` when there is no row. */
int sql_int_query(omr_db *db, long long *value, long long fallback, omr_error *err, const char *what,
                  const char *sql, const char *types, ...);

/* Reads one text (first column of the first row) of a query into buf (of
 * `size`, cut to fit); "" when there is no row or it is NULL. */
int sql_text_query(omr_db *db, char *buf, size_t size, omr_error *err, const char *what, const char *sql,
                   const char *types, ...);

/* Columns of the current row. sql_text: "" for NULL; sql_text_or_null:
 * NULL for NULL; sql_dup: a malloc'd copy, NULL for NULL. */
const char *sql_text(sql_stmt *st, int col);
const char *sql_text_or_null(sql_stmt *st, int col);
char *sql_dup(sql_stmt *st, int col);
long long sql_int(sql_stmt *st, int col);
double sql_double(sql_stmt *st, int col);
int sql_is_null(sql_stmt *st, int col);
/* The column as JSON: null, integer, real or string ("(not UTF-8)" when
 * jansson refuses the text). */
json_t *sql_json(sql_stmt *st, int col);

/* BEGIN IMMEDIATE / COMMIT / ROLLBACK (when a transaction is open). On
 * PostgreSQL BEGIN IMMEDIATE takes the ledger's write lock (an advisory
 * transaction lock): one writing transaction at a time, as on SQLite. */
int sql_begin(omr_db *db, omr_error *err);
int sql_commit(omr_db *db, omr_error *err);
void sql_rollback(omr_db *db);
/* Current UTC time as ISO 8601 ("2026-11-23T10:15:02Z") into buf[32]. */
void sql_now(char buf[32]);

/* The id the last INSERT gave a row (SQLite's rowid; PostgreSQL's lastval()). */
long long sql_last_id(omr_db *db);
int sql_changes(omr_db *db);
/* A transaction is open on this connection (for assert). */
int sql_in_transaction(omr_db *db);

#endif
