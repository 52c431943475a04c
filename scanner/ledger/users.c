/*
 * users.c — operator accounts, sessions and login attempts in the ledger
 * (see users.h): one statement each, through sql.h. Hands on stored values
 * only; review_users.c hashes passwords and tokens.
 */
#include "ledger/users.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "ledger/sql.h"
#include "ledger/store.h"

static const char users_schema[] =
    "CREATE TABLE IF NOT EXISTS review_operators(\n"
    "  name TEXT PRIMARY KEY,\n"
    "  password_hash TEXT NOT NULL,\n"
    "  role TEXT NOT NULL CHECK(role IN ('operator','supervisor')),\n"
    "  created_at TEXT NOT NULL);\n"
    "CREATE TABLE IF NOT EXISTS review_sessions(\n"
    "  token_hash TEXT PRIMARY KEY,\n"
    "  operator TEXT NOT NULL,\n"
    "  csrf TEXT NOT NULL,\n"
    "  created_at INTEGER NOT NULL,\n"
    "  last_seen INTEGER NOT NULL);\n"
    "CREATE TABLE IF NOT EXISTS review_login_attempts(\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  operator TEXT NOT NULL,\n"
    "  address TEXT NOT NULL,\n"
    "  at INTEGER NOT NULL,\n"
    "  ok INTEGER NOT NULL);\n"
    "CREATE INDEX IF NOT EXISTS review_login_attempts_at ON review_login_attempts(at);\n"
    "CREATE INDEX IF NOT EXISTS review_login_attempts_who ON review_login_attempts(address, operator);\n";

int users_open(omr_db *db, omr_error *err) { return sql_exec_schema(db, users_schema, err); }

int users_save(omr_db *db, const char *name, const char *hash, const char *role, const char *now,
               int *replaced, omr_error *err) {
    long long exists = 0;
    *replaced = 0;
    if (sql_int_query(db, &exists, 0, err, "reading operators", "SELECT 1 FROM review_operators WHERE name = ?", "t",
                      name) != OMR_OK)
        return OMR_ERR_IO;
    int rc = exists ? sql_run(db, err, "saving the operator",
                              "UPDATE review_operators SET password_hash = ?2, role = ?3 WHERE name = ?1", "ttt", name,
                              hash, role)
                    : sql_run(db, err, "saving the operator",
                              "INSERT INTO review_operators(name, password_hash, role, created_at) "
                              "VALUES (?1, ?2, ?3, ?4)",
                              "tttt", name, hash, role, now);
    /* a new password ends the sessions opened with the old one */
    if (rc == OMR_OK && exists)
        rc = sql_run(db, err, "ending sessions", "DELETE FROM review_sessions WHERE operator = ?", "t", name);
    if (rc == OMR_OK)
        *replaced = exists != 0;
    return rc;
}

int users_remove(omr_db *db, const char *name, omr_error *err) {
    static const char *const steps[] = {
        "DELETE FROM review_operators WHERE name = ?1",
        "DELETE FROM review_sessions WHERE operator = ?1",
        "UPDATE review_items SET lease_owner = NULL, lease_until = NULL WHERE lease_owner = ?1",
    };
    if (store_begin(db, err) != OMR_OK)
        return OMR_ERR_IO;
    int removed = 0;
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        if (sql_run(db, err, "removing the operator", steps[i], "t", name) != OMR_OK) {
            store_rollback(db);
            return OMR_ERR_IO;
        }
        if (i == 0)
            removed = sql_changes(db);
    }
    if (!removed) {
        store_rollback(db);
        return omr_fail(err, OMR_ERR_NOT_FOUND, "there is no operator \"%.80s\"", name);
    }
    return store_commit(db, err);
}

int users_get(omr_db *db, const char *name, char *hash, size_t hash_size, char *role, size_t role_size,
              int *known, omr_error *err) {
    *known = 0;
    sql_stmt *st;
    if (sql_prepare(db, &st, NULL, "SELECT password_hash, role FROM review_operators WHERE name = ?", "t", name) !=
        OMR_OK)
        return sql_fail(db, err, "reading operators");
    if (sql_step(st) == SQL_ROW) {
        const char *h = sql_text_or_null(st, 0), *r = sql_text_or_null(st, 1);
        if (h && strlen(h) < hash_size) {
            snprintf(hash, hash_size, "%s", h);
            *known = 1;
        }
        if (r)
            snprintf(role, role_size, "%s", r);
    }
    sql_finalize(st);
    return OMR_OK;
}

/* Runs a "count, max(at)" query bound to the given text values and `since`. */
static int count_and_latest(omr_db *db, const char *query, const char *a, const char *b, time_t since,
                            time_t *latest) {
    sql_stmt *st;
    int n = -1;
    *latest = 0;
    if ((b ? sql_prepare(db, &st, NULL, query, "tti", a, b, (long long)since)
           : sql_prepare(db, &st, NULL, query, "ti", a, (long long)since)) != OMR_OK)
        return -1;
    if (sql_step(st) == SQL_ROW) {
        n = (int)sql_int(st, 0);
        *latest = (time_t)sql_int(st, 1);
    }
    sql_finalize(st);
    return n;
}

int users_pair_failures(omr_db *db, const char *address, const char *name, time_t since, time_t *latest) {
    return count_and_latest(db,
                            "SELECT count(*), coalesce(max(at), 0) FROM review_login_attempts "
                            "WHERE address = ?1 AND operator = ?2 AND ok = 0 AND at > ?3 AND at > "
                            "coalesce((SELECT max(at) FROM review_login_attempts "
                            "WHERE address = ?1 AND operator = ?2 AND ok = 1), 0)",
                            address, name, since, latest);
}

int users_address_failures(omr_db *db, const char *address, time_t since, time_t *latest) {
    return count_and_latest(db,
                            "SELECT count(*), coalesce(max(at), 0) FROM review_login_attempts "
                            "WHERE address = ?1 AND ok = 0 AND at > ?2",
                            address, NULL, since, latest);
}

int users_pair_known(omr_db *db, const char *address, const char *name, time_t since) {
    time_t latest;
    int n = count_and_latest(db,
                             "SELECT count(*), 0 FROM review_login_attempts "
                             "WHERE address = ?1 AND operator = ?2 AND ok = 1 AND at > ?3",
                             address, name, since, &latest);
    return n < 0 ? -1 : n > 0;
}

int users_record_attempt(omr_db *db, const char *name, const char *address, time_t now, int ok, omr_error *err) {
    int rc = sql_run(db, err, "recording the login attempt",
                     "INSERT INTO review_login_attempts(operator, address, at, ok) VALUES (?, ?, ?, ?)", "ttii", name,
                     address, (long long)now, (long long)ok);
    if (rc == OMR_OK)
        sql_run(db, NULL, "forgetting old login attempts",
                "DELETE FROM review_login_attempts WHERE at < ?2 OR (ok = 0 AND at < ?1)", "ii",
                (long long)(now - 7 * 24 * 3600), (long long)(now - 31 * 24 * 3600));
    return rc;
}

int users_session_insert(omr_db *db, const char *token_hash, const char *name, const char *csrf, time_t now,
                         omr_error *err) {
    return sql_run(db, err, "opening a session",
                   "INSERT INTO review_sessions(token_hash, operator, csrf, created_at, last_seen) "
                   "VALUES (?, ?, ?, ?, ?)",
                   "tttii", token_hash, name, csrf, (long long)now, (long long)now);
}

int users_session_get(omr_db *db, const char *token_hash, char *name, size_t name_size, char *csrf,
                      size_t csrf_size, char *role, size_t role_size, time_t *created, time_t *seen, int *found,
                      omr_error *err) {
    *found = 0;
    sql_stmt *st;
    if (sql_prepare(db, &st, NULL,
                    "SELECT s.operator, s.csrf, s.created_at, s.last_seen, o.role "
                    "FROM review_sessions s JOIN review_operators o ON o.name = s.operator "
                    "WHERE s.token_hash = ?",
                    "t", token_hash) != OMR_OK)
        return sql_fail(db, err, "reading sessions");
    if (sql_step(st) == SQL_ROW) {
        *found = 1;
        snprintf(name, name_size, "%s", sql_text(st, 0));
        snprintf(csrf, csrf_size, "%s", sql_text(st, 1));
        *created = (time_t)sql_int(st, 2);
        *seen = (time_t)sql_int(st, 3);
        snprintf(role, role_size, "%s", sql_text(st, 4));
    }
    sql_finalize(st);
    return OMR_OK;
}

void users_session_touch(omr_db *db, const char *token_hash, time_t now) {
    sql_run(db, NULL, "marking the session used", "UPDATE review_sessions SET last_seen = ? WHERE token_hash = ?",
            "it", (long long)now, token_hash);
}

int users_session_delete(omr_db *db, const char *token_hash, omr_error *err) {
    return sql_run(db, err, "ending the session", "DELETE FROM review_sessions WHERE token_hash = ?", "t",
                   token_hash);
}

int users_session_purge(omr_db *db, time_t idle_before, time_t created_before, omr_error *err) {
    if (sql_run(db, err, "forgetting expired sessions",
                "DELETE FROM review_sessions WHERE last_seen < ? OR created_at < ?", "ii", (long long)idle_before,
                (long long)created_before) != OMR_OK)
        return -1;
    return sql_changes(db);
}

int users_list(omr_db *db, void (*row)(void *ctx, const char *name, const char *role, const char *created_at),
               void *ctx, omr_error *err) {
    sql_stmt *st;
    if (sql_prepare(db, &st, err, "SELECT name, role, created_at FROM review_operators ORDER BY name", "") != OMR_OK)
        return OMR_ERR_IO;
    while (sql_step(st) == SQL_ROW)
        row(ctx, sql_text(st, 0), sql_text(st, 1), sql_text(st, 2));
    sql_finalize(st);
    return OMR_OK;
}

long long users_count(omr_db *db) {
    long long n = -1;
    if (sql_int_query(db, &n, -1, NULL, "counting operators", "SELECT count(*) FROM review_operators", "") != OMR_OK)
        return -1;
    return n;
}
