/*
 * sql.c — the ledger's helpers (see sql.h): prepare with typed binding,
 * step, read columns, and one error message per failure with a hint for the
 * mailroom; opening, closing and copying a ledger. SQLite's C API is called
 * here; a connection opened from a libpq URI is handed to the PostgreSQL
 * backend (backend/postgres.c) instead, function by function. Nothing here
 * knows a table; the ledger's files hand it their statements, and outside
 * this file they hold omr_db and sql_stmt only as handles.
 */
#include "ledger/sql.h"
#include "ledger/backend/postgres.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* A statement of either backend: exactly one of the two is set. */
struct sql_stmt {
    sqlite3_stmt *lite;
    pg_stmt *pg;
};

_Static_assert((int)PG_STEP_ROW == (int)SQL_ROW && (int)PG_STEP_DONE == (int)SQL_DONE && (int)PG_STEP_ERROR == (int)SQL_ERROR,
               "the PostgreSQL backend steps as sql.h says");

int sql_is_server_uri(const char *path) { return pg_is_uri(path); }

const char *sql_backend(omr_db *db) { return pg_of(db) ? "postgresql" : "sqlite"; }

int sql_fail(omr_db *db, omr_error *err, const char *what) {
    pg_db *pg = pg_of(db);
    if (pg)
        return pg_fail(pg, err, what);
    int code = sqlite3_extended_errcode(db) & 0xff;
    const char *hint = "";
    switch (code) {
    case SQLITE_FULL: hint = " (the disk holding the ledger is full)"; break;
    case SQLITE_READONLY: hint = " (the ledger or its folder is read-only)"; break;
    case SQLITE_IOERR: hint = " (the disk refused the write: full, read-only or failing)"; break;
    case SQLITE_CANTOPEN: hint = " (the ledger's folder cannot be written)"; break;
    case SQLITE_BUSY:
    case SQLITE_LOCKED: hint = " (another program holds the ledger)"; break;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB: hint = " (the ledger file is damaged)"; break;
    default: break;
    }
    return omr_fail(err, OMR_ERR_IO, "ledger: %s: %s%s", what, sqlite3_errmsg(db), hint);
}

const char *sql_message(omr_db *db) {
    pg_db *pg = pg_of(db);
    return pg ? pg_message(pg) : sqlite3_errmsg(db);
}

int sql_open(const char *path, int mode, int busy_ms, omr_db **db, omr_error *err) {
    assert(path && db);
    assert(mode == SQL_OPEN_READONLY || mode == SQL_OPEN_WRITE || mode == SQL_OPEN_CREATE);
    *db = NULL;
    if (pg_is_uri(path))
        return pg_open(path, mode == SQL_OPEN_READONLY, db, err);
    int flags = mode == SQL_OPEN_READONLY ? SQLITE_OPEN_READONLY
                : mode == SQL_OPEN_WRITE  ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX
                                          : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX;
    omr_db *handle = NULL;
    int rc = sqlite3_open_v2(path, &handle, flags, NULL);
    if (rc != SQLITE_OK) {
        /* no handle: SQLite could not allocate one ("out of memory") */
        omr_fail(err, OMR_ERR_IO, "cannot open the ledger %s: %s", path,
                 handle ? sqlite3_errmsg(handle) : sqlite3_errstr(rc));
        sqlite3_close(handle);
        return OMR_ERR_IO;
    }
    sqlite3_busy_timeout(handle, busy_ms);
    *db = handle;
    return OMR_OK;
}

void sql_close(omr_db *db) {
    pg_db *pg = pg_of(db);
    if (pg)
        pg_close(pg);
    else
        sqlite3_close(db);
}

const char *sql_filename(omr_db *db) {
    pg_db *pg = pg_of(db);
    if (pg)
        return pg_uri(pg);
    const char *file = sqlite3_db_filename(db, "main");
    return file ? file : "";
}

int sql_copy(omr_db *db, const char *to, omr_error *err) {
    assert(db && to);
    pg_db *pg = pg_of(db);
    if (pg)
        return omr_fail(err, OMR_ERR_INVALID, "cannot copy the ledger %s to %s: it is a PostgreSQL database, "
                        "not a file (back it up with pg_dump, or copy it with omr ledger migrate)", pg_uri(pg), to);
    omr_db *copy = NULL;
    int rc = sqlite3_open_v2(to, &copy, SQLITE_OPEN_READWRITE, NULL);
    sqlite3_backup *b = rc == SQLITE_OK ? sqlite3_backup_init(copy, "main", db, "main") : NULL;
    if (b) {
        sqlite3_backup_step(b, -1);
        rc = sqlite3_backup_finish(b);
    } else if (rc == SQLITE_OK) {
        rc = sqlite3_errcode(copy);
    }
    if (rc != SQLITE_OK)
        omr_fail(err, OMR_ERR_IO, "cannot copy the ledger to %s: %s", to,
                 copy ? sqlite3_errmsg(copy) : "out of memory");
    sqlite3_close(copy);
    return rc == SQLITE_OK ? OMR_OK : OMR_ERR_IO;
}

int sql_exec(omr_db *db, const char *sql, omr_error *err) {
    pg_db *pg = pg_of(db);
    if (pg)
        return pg_exec(pg, sql, err);
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        char what[64];
        snprintf(what, sizeof what, "\"%.40s\"", sql);
        sqlite3_free(msg);
        return sql_fail(db, err, what);
    }
    return OMR_OK;
}

static void bind_args(sql_stmt *st, const char *types, va_list ap) {
    for (int i = 0; types[i]; i++) {
        char num[40];
        switch (types[i]) {
        case 't': {
            const char *s = va_arg(ap, const char *);
            if (st->pg)
                pg_bind(st->pg, i + 1, 25 /* text */, s);
            else if (s)
                sqlite3_bind_text(st->lite, i + 1, s, -1, SQLITE_TRANSIENT);
            else
                sqlite3_bind_null(st->lite, i + 1);
            break;
        }
        case 'i': {
            long long v = va_arg(ap, long long);
            snprintf(num, sizeof num, "%lld", v);
            if (st->pg)
                pg_bind(st->pg, i + 1, 20 /* int8 */, num);
            else
                sqlite3_bind_int64(st->lite, i + 1, v);
            break;
        }
        case 'd': {
            double v = va_arg(ap, double);
            snprintf(num, sizeof num, "%.17g", v);
            if (st->pg)
                pg_bind(st->pg, i + 1, 701 /* float8 */, num);
            else
                sqlite3_bind_double(st->lite, i + 1, v);
            break;
        }
        default:
            if (st->pg)
                pg_bind(st->pg, i + 1, 0, NULL);
            else
                sqlite3_bind_null(st->lite, i + 1);
            break;
        }
    }
}

int sql_vprepare(omr_db *db, sql_stmt **st, omr_error *err, const char *sql, const char *types,
                 va_list ap) {
    *st = NULL;
    sql_stmt *s = calloc(1, sizeof *s);
    if (!s)
        return omr_fail(err, OMR_ERR_MEMORY, "out of memory");
    pg_db *pg = pg_of(db);
    if (pg) {
        if (!(s->pg = pg_prepare(pg, sql))) {
            free(s);
            return sql_fail(db, err, "cannot prepare a query");
        }
    } else if (sqlite3_prepare_v2(db, sql, -1, &s->lite, NULL) != SQLITE_OK) {
        sqlite3_finalize(s->lite);
        free(s);
        return sql_fail(db, err, "cannot prepare a query");
    } else {
        assert((size_t)sqlite3_bind_parameter_count(s->lite) >= strlen(types));
    }
    bind_args(s, types, ap);
    *st = s;
    return OMR_OK;
}

int sql_prepare(omr_db *db, sql_stmt **st, omr_error *err, const char *sql, const char *types, ...) {
    va_list ap;
    va_start(ap, types);
    int rc = sql_vprepare(db, st, err, sql, types, ap);
    va_end(ap);
    return rc;
}

sql_stmt *sql_query(omr_db *db, const char *sql, const char *types, ...) {
    sql_stmt *st = NULL;
    va_list ap;
    va_start(ap, types);
    sql_vprepare(db, &st, NULL, sql, types, ap);
    va_end(ap);
    return st;
}

void sql_bind(sql_stmt *st, const char *types, ...) {
    va_list ap;
    va_start(ap, types);
    bind_args(st, types, ap);
    va_end(ap);
}

void sql_bind_json(sql_stmt *st, int index, json_t *value) {
    char num[40];
    const char *text = NULL;
    unsigned oid = 25; /* text */
    if (json_is_integer(value)) {
        snprintf(num, sizeof num, "%lld", (long long)json_integer_value(value));
        text = num, oid = 20;
    } else if (json_is_real(value)) {
        snprintf(num, sizeof num, "%.17g", json_real_value(value));
        text = num, oid = 701;
    } else if (json_is_string(value)) {
        text = json_string_value(value);
    }
    if (st->pg) {
        pg_bind(st->pg, index, text ? oid : 0, text);
    } else if (json_is_integer(value)) {
        sqlite3_bind_int64(st->lite, index, json_integer_value(value));
    } else if (json_is_real(value)) {
        sqlite3_bind_double(st->lite, index, json_real_value(value));
    } else if (text) {
        sqlite3_bind_text(st->lite, index, text, -1, SQLITE_TRANSIENT);
    } else {
        sqlite3_bind_null(st->lite, index);
    }
}

int sql_table_names(omr_db *db, char ***names, size_t *n, omr_error *err) {
    *names = NULL;
    *n = 0;
    const char *sql = pg_of(db) ? "SELECT table_name::text FROM information_schema.tables WHERE table_schema = "
                                  "current_schema() AND table_type = 'BASE TABLE' ORDER BY 1"
                                : "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
                                  "ORDER BY 1";
    sql_stmt *st;
    int rc = sql_prepare(db, &st, err, sql, "");
    if (rc != OMR_OK)
        return rc;
    size_t cap = 0;
    int step;
    while ((step = sql_step(st)) == SQL_ROW) {
        if (*n == cap) {
            char **grown = realloc(*names, (cap = cap ? 2 * cap : 16) * sizeof *grown);
            if (!grown) {
                sql_finalize(st);
                sql_names_free(*names, *n);
                *names = NULL, *n = 0;
                return omr_fail(err, OMR_ERR_MEMORY, "out of memory");
            }
            *names = grown;
        }
        if (!((*names)[*n] = sql_dup(st, 0)))
            break;
        (*n)++;
    }
    sql_finalize(st);
    if (step != SQL_DONE) {
        sql_names_free(*names, *n);
        *names = NULL, *n = 0;
        return sql_fail(db, err, "cannot list the ledger's tables");
    }
    return OMR_OK;
}

void sql_names_free(char **names, size_t n) {
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

void sql_reset(sql_stmt *st) {
    if (st->pg)
        pg_reset(st->pg);
    else
        sqlite3_reset(st->lite);
}

int sql_run_reset(sql_stmt *st) {
    int rc = sql_step(st);
    if (st->pg) {
        pg_reset(st->pg);
        pg_clear_bindings(st->pg);
    } else {
        sqlite3_reset(st->lite);
        sqlite3_clear_bindings(st->lite);
    }
    return rc == SQL_DONE ? OMR_OK : OMR_ERR_IO;
}

int sql_run_prepared(omr_db *db, sql_stmt *st, omr_error *err, const char *what) {
    int rc = sql_step(st);
    sql_finalize(st);
    if (rc == SQL_ERROR)
        return sql_fail(db, err, what);
    return OMR_OK;
}

int sql_run(omr_db *db, omr_error *err, const char *what, const char *sql, const char *types, ...) {
    sql_stmt *st = NULL;
    va_list ap;
    va_start(ap, types);
    int rc = sql_vprepare(db, &st, NULL, sql, types, ap);
    va_end(ap);
    if (rc != OMR_OK)
        return sql_fail(db, err, what);
    return sql_run_prepared(db, st, err, what);
}

int sql_step(sql_stmt *st) {
    if (st->pg)
        return pg_step(st->pg);
    int rc = sqlite3_step(st->lite);
    return rc == SQLITE_ROW ? SQL_ROW : rc == SQLITE_DONE ? SQL_DONE : SQL_ERROR;
}

void sql_finalize(sql_stmt *st) {
    if (!st)
        return;
    if (st->pg)
        pg_finalize(st->pg);
    else
        sqlite3_finalize(st->lite);
    free(st);
}

/* sql_int_query's and sql_text_query's one statement: prepared with its
 * arguments and stepped to its first row. SQL_ROW, SQL_DONE or SQL_ERROR;
 * *st NULL when it could not be prepared (sql_finalize takes NULL). */
static int first_row(omr_db *db, sql_stmt **st, const char *sql, const char *types, va_list ap) {
    *st = NULL;
    if (sql_vprepare(db, st, NULL, sql, types, ap) != OMR_OK)
        return SQL_ERROR;
    return sql_step(*st);
}

int sql_int_query(omr_db *db, long long *value, long long fallback, omr_error *err, const char *what,
                  const char *sql, const char *types, ...) {
    *value = fallback;
    sql_stmt *st;
    va_list ap;
    va_start(ap, types);
    int step = first_row(db, &st, sql, types, ap);
    va_end(ap);
    if (step == SQL_ROW && !sql_is_null(st, 0))
        *value = sql_int(st, 0);
    sql_finalize(st);
    return step == SQL_ERROR ? sql_fail(db, err, what) : OMR_OK;
}

int sql_text_query(omr_db *db, char *buf, size_t size, omr_error *err, const char *what, const char *sql,
                   const char *types, ...) {
    assert(buf && size > 0);
    buf[0] = 0;
    sql_stmt *st;
    va_list ap;
    va_start(ap, types);
    int step = first_row(db, &st, sql, types, ap);
    va_end(ap);
    if (step == SQL_ROW)
        snprintf(buf, size, "%s", sql_text(st, 0));
    sql_finalize(st);
    return step == SQL_ERROR ? sql_fail(db, err, what) : OMR_OK;
}

const char *sql_text_or_null(sql_stmt *st, int col) {
    return st->pg ? pg_text(st->pg, col) : (const char *)sqlite3_column_text(st->lite, col);
}

const char *sql_text(sql_stmt *st, int col) {
    const char *s = sql_text_or_null(st, col);
    return s ? s : "";
}

char *sql_dup(sql_stmt *st, int col) {
    const char *s = sql_text_or_null(st, col);
    return s ? strdup(s) : NULL;
}

long long sql_int(sql_stmt *st, int col) { return st->pg ? pg_int(st->pg, col) : sqlite3_column_int64(st->lite, col); }
double sql_double(sql_stmt *st, int col) {
    return st->pg ? pg_double(st->pg, col) : sqlite3_column_double(st->lite, col);
}
int sql_is_null(sql_stmt *st, int col) {
    return st->pg ? !pg_text(st->pg, col) : sqlite3_column_type(st->lite, col) == SQLITE_NULL;
}

json_t *sql_json(sql_stmt *st, int col) {
    if (st->pg)
        return pg_json(st->pg, col);
    switch (sqlite3_column_type(st->lite, col)) {
    case SQLITE_NULL: return json_null();
    case SQLITE_INTEGER: return json_integer(sqlite3_column_int64(st->lite, col));
    case SQLITE_FLOAT: return json_real(sqlite3_column_double(st->lite, col));
    default: {
        const char *s = (const char *)sqlite3_column_text(st->lite, col);
        json_t *j = json_string(s ? s : "");
        return j ? j : json_string("(not UTF-8)");
    }
    }
}

long long sql_last_id(omr_db *db) {
    pg_db *pg = pg_of(db);
    return pg ? pg_last_id(pg) : sqlite3_last_insert_rowid(db);
}
int sql_changes(omr_db *db) {
    pg_db *pg = pg_of(db);
    return pg ? pg_changes(pg) : sqlite3_changes(db);
}
int sql_in_transaction(omr_db *db) {
    pg_db *pg = pg_of(db);
    return pg ? pg_in_transaction(pg) : !sqlite3_get_autocommit(db);
}

int sql_exec_schema(omr_db *db, const char *sql, omr_error *err) {
    if (!pg_of(db) || sql_in_transaction(db))
        return sql_exec(db, sql, err);
    int rc = sql_begin(db, err);
    if (rc == OMR_OK)
        rc = sql_exec(db, sql, err);
    if (rc == OMR_OK)
        return sql_commit(db, err);
    sql_rollback(db);
    return rc;
}

int sql_listen(omr_db *db, const char *channel, omr_error *err) {
    pg_db *pg = pg_of(db);
    if (!pg)
        return omr_fail(err, OMR_ERR_INVALID, "a SQLite ledger has no notifications to listen for");
    return pg_listen(pg, channel, err);
}

int sql_wait_notify(omr_db *db, int timeout_ms, omr_error *err) {
    pg_db *pg = pg_of(db);
    assert(pg);
    return pg_wait_notify(pg, timeout_ms, err);
}

int sql_begin(omr_db *db, omr_error *err) { return sql_exec(db, "BEGIN IMMEDIATE", err); }
int sql_commit(omr_db *db, omr_error *err) { return sql_exec(db, "COMMIT", err); }
void sql_rollback(omr_db *db) {
    if (sql_in_transaction(db))
        sql_exec(db, "ROLLBACK", NULL);
}

void sql_now(char buf[32]) {
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}
