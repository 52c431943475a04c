/*
 * postgres.c — the ledger on a PostgreSQL server through libpq (see
 * postgres.h). sql.c calls it for a connection opened from a libpq URI;
 * every statement is first rewritten by pg_dialect.c, its parameters are
 * sent as text with the types sql.h's letters name, and a result is read
 * whole before its first row is handed on. Columns read back as SQLite
 * would give them (a boolean as 1/0, a real as SQLite prints it), so a ledger
 * file's C code and every export are the same on both backends.
 */
#include "ledger/backend/postgres.h"
#include "ledger/backend/pg_dialect.h"

#include <assert.h>
#include <libpq-fe.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/select.h>

enum { OID_BOOL = 16, OID_INT8 = 20, OID_INT2 = 21, OID_INT4 = 23, OID_OID = 26, OID_FLOAT4 = 700,
       OID_FLOAT8 = 701, OID_NUMERIC = 1700 };

struct pg_db {
    PGconn *conn;
    char *uri;
    char message[512];
    int changes;
    int guarded; /* the savepoint omr_stmt is open in the current transaction */
    pg_db *next; /* the registry of open connections */
};

struct pg_stmt {
    pg_db *db;
    char *sql;
    int n_params;
    char **values;
    Oid *types;
    PGresult *res;
    int row, rows;
    char (*fmt)[40]; /* a column's text as SQLite prints it, per column */
};

/* Every open PostgreSQL connection: sql.c asks whether an omr_db is one. */
static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static pg_db *registry;

int pg_is_uri(const char *path) {
    return path && (strncmp(path, "postgresql://", 13) == 0 || strncmp(path, "postgres://", 11) == 0);
}

pg_db *pg_of(omr_db *db) {
    pg_db *found = NULL;
    pthread_mutex_lock(&registry_lock);
    for (pg_db *c = registry; c && !found; c = c->next)
        if ((omr_db *)c == db)
            found = c;
    pthread_mutex_unlock(&registry_lock);
    return found;
}

static void set_message(pg_db *c, const char *msg) {
    snprintf(c->message, sizeof c->message, "%s", msg && *msg ? msg : "unknown error");
    size_t n = strlen(c->message);
    while (n && c->message[n - 1] == '\n')
        c->message[--n] = 0;
}

/* The URI without its password (user:secret@ -> user@), for messages. */
static char *uri_shown(const char *uri) {
    char *s = strdup(uri);
    if (!s)
        return NULL;
    char *scheme = strstr(s, "://"), *at = scheme ? strchr(scheme + 3, '@') : NULL;
    char *colon = scheme ? strchr(scheme + 3, ':') : NULL;
    if (at && colon && colon < at)
        memmove(colon, at, strlen(at) + 1);
    return s;
}

int pg_open(const char *uri, int readonly, omr_db **db, omr_error *err) {
    *db = NULL;
    pg_db *c = calloc(1, sizeof *c);
    if (!c || !(c->uri = uri_shown(uri))) {
        free(c);
        return omr_fail(err, OMR_ERR_MEMORY, "out of memory");
    }
    c->conn = PQconnectdb(uri);
    if (!c->conn || PQstatus(c->conn) != CONNECTION_OK) {
        omr_fail(err, OMR_ERR_IO, "cannot open the ledger %s: %s", c->uri,
                 c->conn ? PQerrorMessage(c->conn) : "out of memory");
        size_t n = strlen(err ? err->message : "");
        while (err && n && err->message[n - 1] == '\n')
            err->message[--n] = 0;
        PQfinish(c->conn);
        free(c->uri);
        free(c);
        return OMR_ERR_IO;
    }
    /* quiet notices ("relation already exists, skipping") and, for a
     * reader, a session that cannot write */
    PGresult *r = PQexec(c->conn, readonly ? "SET client_min_messages = warning; "
                                             "SET default_transaction_read_only = on"
                                           : "SET client_min_messages = warning");
    PQclear(r);
    pthread_mutex_lock(&registry_lock);
    c->next = registry;
    registry = c;
    pthread_mutex_unlock(&registry_lock);
    *db = (omr_db *)c;
    return OMR_OK;
}

void pg_close(pg_db *c) {
    if (!c)
        return;
    pthread_mutex_lock(&registry_lock);
    for (pg_db **p = &registry; *p; p = &(*p)->next)
        if (*p == c) {
            *p = c->next;
            break;
        }
    pthread_mutex_unlock(&registry_lock);
    PQfinish(c->conn);
    free(c->uri);
    free(c);
}

const char *pg_uri(pg_db *c) { return c->uri; }
const char *pg_message(pg_db *c) { return c->message; }

int pg_fail(pg_db *c, omr_error *err, const char *what) {
    const char *hint = "";
    if (PQstatus(c->conn) != CONNECTION_OK)
        hint = " (the connection to the PostgreSQL server was lost)";
    else if (strstr(c->message, "read-only"))
        hint = " (the ledger was opened read-only)";
    return omr_fail(err, OMR_ERR_IO, "ledger: %s: %s%s", what, c->message, hint);
}

/* A finished command: remembers its row count; OMR_OK or OMR_ERR_IO. */
static int take_result(pg_db *c, PGresult *r) {
    ExecStatusType s = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    if (s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK || s == PGRES_EMPTY_QUERY) {
        /* as sqlite3_changes: rows changed by the last INSERT, UPDATE or
         * DELETE (a SELECT in between leaves the count alone) */
        const char *cmd = PQcmdStatus(r), *n = PQcmdTuples(r);
        if (cmd && (strncmp(cmd, "INSERT", 6) == 0 || strncmp(cmd, "UPDATE", 6) == 0 ||
                    strncmp(cmd, "DELETE", 6) == 0))
            c->changes = n && *n ? atoi(n) : 0;
        return OMR_OK;
    }
    set_message(c, r ? PQresultErrorMessage(r) : PQerrorMessage(c->conn));
    return OMR_ERR_IO;
}

/* SQLite undoes a failed statement and keeps its transaction; PostgreSQL
 * aborts the whole transaction. A savepoint before each statement inside a
 * transaction gives SQLite's behaviour: a statement that fails is rolled
 * back to it (a ledger file may try a table that does not exist yet, as
 * frame_check.c does before a frame is loaded). One round trip a statement. */
static int guard_begin(pg_db *c) {
    if (PQtransactionStatus(c->conn) != PQTRANS_INTRANS) {
        c->guarded = 0;
        return 0;
    }
    PGresult *r = PQexec(c->conn, c->guarded ? "RELEASE SAVEPOINT omr_stmt; SAVEPOINT omr_stmt" : "SAVEPOINT omr_stmt");
    int ok = r && PQresultStatus(r) == PGRES_COMMAND_OK;
    PQclear(r);
    c->guarded = ok;
    return ok;
}

static void guard_end(pg_db *c, int guarded, int failed) {
    if (guarded && failed) {
        PGresult *r = PQexec(c->conn, "ROLLBACK TO SAVEPOINT omr_stmt");
        PQclear(r);
    }
    if (PQtransactionStatus(c->conn) == PQTRANS_IDLE)
        c->guarded = 0;
}

/* Statements that open or end a transaction are never guarded. */
static int transaction_control(const char *sql) {
    while (*sql == ' ' || *sql == '\n' || *sql == '\t')
        sql++;
    static const char *const words[] = {"BEGIN", "COMMIT", "ROLLBACK", "END", "SAVEPOINT", "RELEASE"};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (strncasecmp(sql, words[i], strlen(words[i])) == 0)
            return 1;
    return 0;
}

int pg_exec(pg_db *c, const char *sql, omr_error *err) {
    char *text = pg_dialect(sql, NULL);
    if (!text)
        return omr_fail(err, OMR_ERR_MEMORY, "out of memory");
    int guarded = transaction_control(sql) ? 0 : guard_begin(c);
    PGresult *r = PQexec(c->conn, text);
    int rc = take_result(c, r);
    PQclear(r);
    free(text);
    guard_end(c, guarded, rc != OMR_OK);
    if (rc != OMR_OK) {
        char what[64];
        snprintf(what, sizeof what, "\"%.40s\"", sql);
        return pg_fail(c, err, what);
    }
    return OMR_OK;
}

pg_stmt *pg_prepare(pg_db *c, const char *sql) {
    pg_stmt *st = calloc(1, sizeof *st);
    if (!st || !(st->sql = pg_dialect(sql, &st->n_params))) {
        free(st);
        set_message(c, "out of memory");
        return NULL;
    }
    st->db = c;
    st->row = -1;
    if (st->n_params) {
        st->values = calloc((size_t)st->n_params, sizeof *st->values);
        st->types = calloc((size_t)st->n_params, sizeof *st->types);
        if (!st->values || !st->types) {
            pg_finalize(st);
            set_message(c, "out of memory");
            return NULL;
        }
    }
    return st;
}

void pg_bind(pg_stmt *st, int index, unsigned oid, const char *text) {
    if (index < 1 || index > st->n_params)
        return;
    free(st->values[index - 1]);
    st->values[index - 1] = text ? strdup(text) : NULL;
    st->types[index - 1] = oid; /* a NULL of a known type ('t') stays typed */
}

void pg_clear_bindings(pg_stmt *st) {
    for (int i = 0; i < st->n_params; i++) {
        free(st->values[i]);
        st->values[i] = NULL;
        st->types[i] = 0;
    }
}

void pg_reset(pg_stmt *st) {
    PQclear(st->res);
    st->res = NULL;
    free(st->fmt);
    st->fmt = NULL;
    st->row = -1;
    st->rows = 0;
}

int pg_step(pg_stmt *st) {
    if (!st->res) {
        int guarded = guard_begin(st->db);
        st->res = PQexecParams(st->db->conn, st->sql, st->n_params, st->types,
                               (const char *const *)st->values, NULL, NULL, 0);
        int rc = take_result(st->db, st->res);
        guard_end(st->db, guarded, rc != OMR_OK);
        if (rc != OMR_OK) {
            PQclear(st->res);
            st->res = NULL;
            return PG_STEP_ERROR;
        }
        st->rows = PQresultStatus(st->res) == PGRES_TUPLES_OK ? PQntuples(st->res) : 0;
        int cols = PQnfields(st->res);
        if (cols && !(st->fmt = calloc((size_t)cols, sizeof *st->fmt))) {
            set_message(st->db, "out of memory");
            return PG_STEP_ERROR;
        }
    }
    if (st->row < st->rows)
        st->row++;
    return st->row < st->rows ? PG_STEP_ROW : PG_STEP_DONE;
}

void pg_finalize(pg_stmt *st) {
    if (!st)
        return;
    pg_reset(st);
    if (st->values)
        pg_clear_bindings(st);
    free(st->values);
    free(st->types);
    free(st->sql);
    free(st);
}

static int has_value(pg_stmt *st, int col) {
    return st->res && st->row >= 0 && st->row < st->rows && col >= 0 && col < PQnfields(st->res) &&
           !PQgetisnull(st->res, st->row, col);
}

/* A real as SQLite's column text shows it: 15 significant digits, and a
 * decimal point even when whole ("2.0"). */
static void format_real(double v, char *out, size_t size) {
    snprintf(out, size, "%.15g", v);
    if (!strpbrk(out, ".eni"))
        snprintf(out + strlen(out), size - strlen(out), ".0");
}

const char *pg_text(pg_stmt *st, int col) {
    if (!has_value(st, col))
        return NULL;
    const char *v = PQgetvalue(st->res, st->row, col);
    Oid type = PQftype(st->res, col);
    if (type == OID_BOOL)
        return strcmp(v, "t") == 0 ? "1" : "0";
    if (type == OID_FLOAT8 || type == OID_FLOAT4) {
        format_real(strtod(v, NULL), st->fmt[col], sizeof st->fmt[col]);
        return st->fmt[col];
    }
    return v;
}

long long pg_int(pg_stmt *st, int col) {
    if (!has_value(st, col))
        return 0;
    const char *v = PQgetvalue(st->res, st->row, col);
    Oid type = PQftype(st->res, col);
    if (type == OID_BOOL)
        return strcmp(v, "t") == 0;
    if (type == OID_FLOAT8 || type == OID_FLOAT4 || type == OID_NUMERIC)
        return (long long)strtod(v, NULL);
    return strtoll(v, NULL, 10);
}

double pg_double(pg_stmt *st, int col) {
    if (!has_value(st, col))
        return 0;
    const char *v = PQgetvalue(st->res, st->row, col);
    if (PQftype(st->res, col) == OID_BOOL)
        return strcmp(v, "t") == 0;
    return strtod(v, NULL);
}

json_t *pg_json(pg_stmt *st, int col) {
    if (!has_value(st, col))
        return json_null();
    const char *v = PQgetvalue(st->res, st->row, col);
    switch (PQftype(st->res, col)) {
    case OID_BOOL: return json_integer(strcmp(v, "t") == 0);
    case OID_INT2:
    case OID_INT4:
    case OID_INT8:
    case OID_OID: return json_integer(strtoll(v, NULL, 10));
    case OID_FLOAT4:
    case OID_FLOAT8: return json_real(strtod(v, NULL));
    case OID_NUMERIC: /* a sum of integers is an integer, as in SQLite */
        return strpbrk(v, ".eE") ? json_real(strtod(v, NULL)) : json_integer(strtoll(v, NULL, 10));
    default: {
        json_t *j = json_string(v);
        return j ? j : json_string("(not UTF-8)");
    }
    }
}

long long pg_last_id(pg_db *c) {
    /* lastval() fails before any insert on this connection: 0, as SQLite's
     * last_insert_rowid before one */
    int guarded = guard_begin(c);
    PGresult *r = PQexec(c->conn, "SELECT lastval()");
    long long id = 0;
    int ok = r && PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1;
    if (ok)
        id = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
    PQclear(r);
    guard_end(c, guarded, !ok);
    return id;
}

int pg_changes(pg_db *c) { return c->changes; }

int pg_in_transaction(pg_db *c) { return PQtransactionStatus(c->conn) != PQTRANS_IDLE; }

int pg_listen(pg_db *c, const char *channel, omr_error *err) {
    for (const char *p = channel; *p; p++)
        assert((*p >= 'a' && *p <= 'z') || *p == '_');
    char sql[96];
    snprintf(sql, sizeof sql, "LISTEN %.60s", channel);
    return pg_exec(c, sql, err);
}

/* Takes every notification libpq has read: how many there were. */
static int take_notifies(pg_db *c) {
    int n = 0;
    for (PGnotify *note; (note = PQnotifies(c->conn)) != NULL; n++)
        PQfreemem(note);
    return n;
}

int pg_wait_notify(pg_db *c, int timeout_ms, omr_error *err) {
    if (take_notifies(c))
        return 1;
    int fd = PQsocket(c->conn);
    if (fd < 0 || PQstatus(c->conn) != CONNECTION_OK) {
        set_message(c, PQerrorMessage(c->conn));
        return pg_fail(c, err, "listening for changes");
    }
    fd_set in;
    FD_ZERO(&in);
    FD_SET(fd, &in);
    struct timeval tv = {.tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000};
    int ready = select(fd + 1, &in, NULL, NULL, &tv);
    if (ready < 0)
        return 0; /* a signal: the caller waits again */
    if (ready > 0 && !PQconsumeInput(c->conn)) {
        set_message(c, PQerrorMessage(c->conn));
        return pg_fail(c, err, "listening for changes");
    }
    return take_notifies(c) > 0;
}
