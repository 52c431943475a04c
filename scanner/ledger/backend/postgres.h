/*
 * postgres.h — the ledger's PostgreSQL backend (libpq), called only by
 * sql.c, which chooses it when a ledger path is a libpq URI. A connection
 * is known by the pointer sql.c hands out as omr_db *; statements are
 * translated by pg_dialect.c, run with their parameters as text when first
 * stepped, and their rows read from the whole result.
 */
#ifndef OMR_LEDGER_POSTGRES_H
#define OMR_LEDGER_POSTGRES_H

#include <jansson.h>

#include "base/common.h"
#include "ledger/db.h"

typedef struct pg_db pg_db;
typedef struct pg_stmt pg_stmt;

/* Is `path` a libpq connection URI (postgresql:// or postgres://)? */
int pg_is_uri(const char *path);

/* The PostgreSQL connection behind db, or NULL for a SQLite ledger. */
pg_db *pg_of(omr_db *db);

int pg_open(const char *uri, int readonly, omr_db **db, omr_error *err);
void pg_close(pg_db *c);
/* The URI the connection was opened with, its password left out. */
const char *pg_uri(pg_db *c);
const char *pg_message(pg_db *c);
/* Fills err with "ledger: <what>: <PostgreSQL's message><hint>". */
int pg_fail(pg_db *c, omr_error *err, const char *what);
int pg_exec(pg_db *c, const char *sql, omr_error *err);

/* A statement of `sql` (SQLite's dialect), or NULL (pg_message says why). */
pg_stmt *pg_prepare(pg_db *c, const char *sql);
/* Binds parameter `index` (1-based) as text of type oid (0: unknown), NULL
 * for SQL NULL; out-of-range indexes are ignored. */
void pg_bind(pg_stmt *st, int index, unsigned oid, const char *text);
void pg_clear_bindings(pg_stmt *st);
/* What a step gives (sql.c asserts these are sql.h's SQL_ROW, SQL_DONE, SQL_ERROR). */
enum { PG_STEP_ERROR = -1, PG_STEP_DONE = 0, PG_STEP_ROW = 1 };
int pg_step(pg_stmt *st);
void pg_reset(pg_stmt *st);
void pg_finalize(pg_stmt *st);

const char *pg_text(pg_stmt *st, int col); /* NULL for NULL */
long long pg_int(pg_stmt *st, int col);
double pg_double(pg_stmt *st, int col);
json_t *pg_json(pg_stmt *st, int col);

/* LISTEN on `channel` (a plain identifier). */
int pg_listen(pg_db *c, const char *channel, omr_error *err);
/* Waits up to timeout_ms for notifications (select on the connection's
 * socket) and takes them all: 1 when one came, 0 when none, OMR_ERR_IO when
 * the connection is lost. */
int pg_wait_notify(pg_db *c, int timeout_ms, omr_error *err);

long long pg_last_id(pg_db *c);
int pg_changes(pg_db *c);
int pg_in_transaction(pg_db *c);

#endif
