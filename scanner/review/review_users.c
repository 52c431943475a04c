/*
 * review_users.c — operator accounts, sign-in and sessions for the review
 * page. Passwords: argon2id through libsodium (crypto_pwhash_str, the
 * "interactive" cost: 64 MiB, about a tenth of a second), never stored or
 * compared in the clear. Session tokens are 32 random bytes; the ledger keeps
 * only their BLAKE2b hash, so a copy of the ledger opens no session.
 */
#include "review/review_users.h"

#include <ctype.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

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
    "CREATE INDEX IF NOT EXISTS review_login_attempts_at ON review_login_attempts(at);\n";

static int db_fail(sqlite3 *db, omr_error *err, const char *what) {
    return omr_fail(err, OMR_ERR_IO, "ledger: %s: %s", what, sqlite3_errmsg(db));
}

static int exec_sql(sqlite3 *db, const char *sql, omr_error *err) {
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        omr_fail(err, OMR_ERR_IO, "ledger: %s", msg ? msg : sqlite3_errmsg(db));
        sqlite3_free(msg);
        return OMR_ERR_IO;
    }
    return OMR_OK;
}

int review_users_open(sqlite3 *db, omr_error *err) {
    if (sodium_init() < 0)
        return omr_fail(err, OMR_ERR_MEMORY, "cannot start libsodium (no source of randomness?)");
    return exec_sql(db, users_schema, err);
}

int review_user_name_is_valid(const char *name) {
    size_t n = strlen(name);
    if (n == 0 || n > REVIEW_NAME_MAX)
        return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)name[i];
        if (!(isalnum(c) || c == '.' || c == '_' || c == '-' || c == '@'))
            return 0;
    }
    return 1;
}

int review_token_equal(const char *a, const char *b) {
    size_t la = strlen(a), lb = strlen(b);
    if (la != lb || la == 0)
        return 0;
    return sodium_memcmp(a, b, la) == 0;
}

static void random_hex(char out[REVIEW_TOKEN_HEX + 1]) {
    unsigned char bytes[REVIEW_TOKEN_HEX / 2];
    randombytes_buf(bytes, sizeof bytes);
    sodium_bin2hex(out, REVIEW_TOKEN_HEX + 1, bytes, sizeof bytes);
}

static void token_hash(const char *token, char out[65]) {
    unsigned char h[32];
    crypto_generichash(h, sizeof h, (const unsigned char *)token, strlen(token), NULL, 0);
    sodium_bin2hex(out, 65, h, sizeof h);
}

static void iso_time(time_t t, char buf[32]) {
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int review_user_add(sqlite3 *db, const char *name, const char *password, review_role role,
                    int *replaced, omr_error *err) {
    if (replaced)
        *replaced = 0;
    if (!review_user_name_is_valid(name))
        return omr_fail(err, OMR_ERR_INVALID,
                        "operator name \"%.80s\" must be 1 to %d letters, digits, '.', '_', '-' or '@'",
                        name, REVIEW_NAME_MAX);
    if (strlen(password) < REVIEW_PASSWORD_MIN)
        return omr_fail(err, OMR_ERR_INVALID, "the password must have at least %d characters",
                        REVIEW_PASSWORD_MIN);
    if (strlen(password) > 1024)
        return omr_fail(err, OMR_ERR_INVALID, "the password is longer than 1024 characters");
    char hash[crypto_pwhash_STRBYTES];
    if (crypto_pwhash_str(hash, password, strlen(password), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
        return omr_fail(err, OMR_ERR_MEMORY, "not enough memory to hash the password (argon2id needs 64 MiB)");
    char now[32];
    iso_time(time(NULL), now);
    sqlite3_stmt *st = NULL;
    int exists = 0;
    if (sqlite3_prepare_v2(db, "SELECT 1 FROM review_operators WHERE name = ?", -1, &st, NULL) != SQLITE_OK)
        return db_fail(db, err, "reading operators");
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    exists = sqlite3_step(st) == SQLITE_ROW;
    sqlite3_finalize(st);
    const char *sql = exists ? "UPDATE review_operators SET password_hash = ?2, role = ?3 WHERE name = ?1"
                             : "INSERT INTO review_operators(name, password_hash, role, created_at) "
                               "VALUES (?1, ?2, ?3, ?4)";
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return db_fail(db, err, "saving the operator");
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, hash, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, role == REVIEW_ROLE_SUPERVISOR ? "supervisor" : "operator", -1, SQLITE_STATIC);
    if (!exists)
        sqlite3_bind_text(st, 4, now, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    sodium_memzero(hash, sizeof hash);
    if (rc != SQLITE_DONE)
        return db_fail(db, err, "saving the operator");
    if (exists) {
        /* a new password ends the sessions opened with the old one */
        if (sqlite3_prepare_v2(db, "DELETE FROM review_sessions WHERE operator = ?", -1, &st, NULL) != SQLITE_OK)
            return db_fail(db, err, "ending sessions");
        sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
        rc = sqlite3_step(st);
        sqlite3_finalize(st);
        if (rc != SQLITE_DONE)
            return db_fail(db, err, "ending sessions");
    }
    if (replaced)
        *replaced = exists;
    return OMR_OK;
}

int review_user_remove(sqlite3 *db, const char *name, omr_error *err) {
    static const char *const steps[] = {
        "DELETE FROM review_operators WHERE name = ?1",
        "DELETE FROM review_sessions WHERE operator = ?1",
        "UPDATE review_items SET lease_owner = NULL, lease_until = NULL WHERE lease_owner = ?1",
    };
    if (exec_sql(db, "BEGIN IMMEDIATE", err) != OMR_OK)
        return OMR_ERR_IO;
    int removed = 0;
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        sqlite3_stmt *st = NULL;
        if (sqlite3_prepare_v2(db, steps[i], -1, &st, NULL) != SQLITE_OK) {
            db_fail(db, err, "removing the operator");
            sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
            return OMR_ERR_IO;
        }
        sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
        int rc = sqlite3_step(st);
        sqlite3_finalize(st);
        if (rc != SQLITE_DONE) {
            db_fail(db, err, "removing the operator");
            sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
            return OMR_ERR_IO;
        }
        if (i == 0)
            removed = sqlite3_changes(db);
    }
    if (!removed) {
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
        return omr_fail(err, OMR_ERR_NOT_FOUND, "there is no operator \"%.80s\"", name);
    }
    return exec_sql(db, "COMMIT", err);
}

/* Failed attempts in the window for a column (operator or address). */
static int count_failures(sqlite3 *db, const char *column_sql, const char *value, time_t since,
                          time_t *oldest) {
    sqlite3_stmt *st = NULL;
    int n = 0;
    *oldest = 0;
    if (sqlite3_prepare_v2(db, column_sql, -1, &st, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_text(st, 1, value, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)since);
    if (sqlite3_step(st) == SQLITE_ROW) {
        n = sqlite3_column_int(st, 0);
        *oldest = (time_t)sqlite3_column_int64(st, 1);
    }
    sqlite3_finalize(st);
    return n;
}

int review_login(sqlite3 *db, const char *name, const char *password, const char *address,
                 time_t now, review_login_result *result, review_session *session,
                 int *retry_after, omr_error *err) {
    *result = REVIEW_LOGIN_WRONG;
    if (retry_after)
        *retry_after = 0;
    memset(session, 0, sizeof *session);
    if (!name || !password || !address)
        return omr_fail(err, OMR_ERR_INVALID, "a login needs a name and a password");
    /* 1. the rate limit, before any password is checked */
    time_t since = now - REVIEW_LOGIN_WINDOW, oldest_name, oldest_addr;
    int by_name = count_failures(db,
                                 "SELECT count(*), min(at) FROM review_login_attempts "
                                 "WHERE operator = ?1 AND ok = 0 AND at > ?2",
                                 name, since, &oldest_name);
    int by_addr = count_failures(db,
                                 "SELECT count(*), min(at) FROM review_login_attempts "
                                 "WHERE address = ?1 AND ok = 0 AND at > ?2",
                                 address, since, &oldest_addr);
    if (by_name < 0 || by_addr < 0)
        return db_fail(db, err, "reading login attempts");
    if (by_name >= REVIEW_LOGIN_MAX_PER_NAME || by_addr >= REVIEW_LOGIN_MAX_PER_ADDRESS) {
        time_t oldest = by_name >= REVIEW_LOGIN_MAX_PER_NAME ? oldest_name : oldest_addr;
        *result = REVIEW_LOGIN_LIMITED;
        if (retry_after) {
            long wait = (long)(oldest + REVIEW_LOGIN_WINDOW - now);
            *retry_after = wait > 1 ? (int)wait : 1;
        }
        return OMR_OK;
    }
    /* 2. the password */
    char hash[crypto_pwhash_STRBYTES] = "";
    char role[16] = "operator";
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, "SELECT password_hash, role FROM review_operators WHERE name = ?", -1, &st,
                           NULL) != SQLITE_OK)
        return db_fail(db, err, "reading operators");
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    int known = 0;
    if (sqlite3_step(st) == SQLITE_ROW) {
        const char *h = (const char *)sqlite3_column_text(st, 0);
        const char *r = (const char *)sqlite3_column_text(st, 1);
        if (h && strlen(h) < sizeof hash) {
            snprintf(hash, sizeof hash, "%s", h);
            known = 1;
        }
        if (r)
            snprintf(role, sizeof role, "%s", r);
    }
    sqlite3_finalize(st);
    size_t pwlen = strlen(password);
    if (pwlen > 1024)
        pwlen = 1024;
    int ok = 0;
    if (known) {
        ok = crypto_pwhash_str_verify(hash, password, pwlen) == 0;
    } else {
        /* an unknown name costs the same argon2id work as a known one */
        char spent[crypto_pwhash_STRBYTES];
        if (crypto_pwhash_str(spent, password, pwlen, crypto_pwhash_OPSLIMIT_INTERACTIVE,
                              crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
            spent[0] = 0;
    }
    sodium_memzero(hash, sizeof hash);
    /* 3. record the attempt (old ones are forgotten) */
    if (sqlite3_prepare_v2(db,
                           "INSERT INTO review_login_attempts(operator, address, at, ok) VALUES (?, ?, ?, ?)",
                           -1, &st, NULL) != SQLITE_OK)
        return db_fail(db, err, "recording the login attempt");
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, address, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)now);
    sqlite3_bind_int(st, 4, ok);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return db_fail(db, err, "recording the login attempt");
    char cleanup[128];
    snprintf(cleanup, sizeof cleanup, "DELETE FROM review_login_attempts WHERE at < %lld",
             (long long)(now - 7 * 24 * 3600));
    sqlite3_exec(db, cleanup, NULL, NULL, NULL);
    if (!ok)
        return OMR_OK;
    /* 4. the session */
    review_session s = {0};
    snprintf(s.operator_name, sizeof s.operator_name, "%s", name);
    s.role = strcmp(role, "supervisor") == 0 ? REVIEW_ROLE_SUPERVISOR : REVIEW_ROLE_OPERATOR;
    random_hex(s.token);
    random_hex(s.csrf);
    char th[65];
    token_hash(s.token, th);
    if (sqlite3_prepare_v2(db,
                           "INSERT INTO review_sessions(token_hash, operator, csrf, created_at, last_seen) "
                           "VALUES (?, ?, ?, ?, ?)",
                           -1, &st, NULL) != SQLITE_OK)
        return db_fail(db, err, "opening a session");
    sqlite3_bind_text(st, 1, th, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, s.csrf, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, (sqlite3_int64)now);
    sqlite3_bind_int64(st, 5, (sqlite3_int64)now);
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return db_fail(db, err, "opening a session");
    *session = s;
    *result = REVIEW_LOGIN_OK;
    return OMR_OK;
}

int review_session_find(sqlite3 *db, const char *token, time_t now, int idle_seconds,
                        int max_seconds, review_session *out, omr_error *err) {
    memset(out, 0, sizeof *out);
    if (!token || strlen(token) != REVIEW_TOKEN_HEX)
        return omr_fail(err, OMR_ERR_NOT_FOUND, "not signed in");
    char th[65];
    token_hash(token, th);
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db,
                           "SELECT s.operator, s.csrf, s.created_at, s.last_seen, o.role "
                           "FROM review_sessions s JOIN review_operators o ON o.name = s.operator "
                           "WHERE s.token_hash = ?",
                           -1, &st, NULL) != SQLITE_OK)
        return db_fail(db, err, "reading sessions");
    sqlite3_bind_text(st, 1, th, -1, SQLITE_STATIC);
    int found = 0, expired = 0;
    if (sqlite3_step(st) == SQLITE_ROW) {
        found = 1;
        snprintf(out->operator_name, sizeof out->operator_name, "%s", (const char *)sqlite3_column_text(st, 0));
        snprintf(out->csrf, sizeof out->csrf, "%s", (const char *)sqlite3_column_text(st, 1));
        time_t created = (time_t)sqlite3_column_int64(st, 2), seen = (time_t)sqlite3_column_int64(st, 3);
        const char *role = (const char *)sqlite3_column_text(st, 4);
        out->role = role && strcmp(role, "supervisor") == 0 ? REVIEW_ROLE_SUPERVISOR : REVIEW_ROLE_OPERATOR;
        expired = now - seen > idle_seconds || now - created > max_seconds;
    }
    sqlite3_finalize(st);
    if (!found || expired) {
        if (expired)
            review_session_end(db, token, NULL);
        memset(out, 0, sizeof *out);
        return omr_fail(err, OMR_ERR_NOT_FOUND, found ? "the session has expired; sign in again" : "not signed in");
    }
    snprintf(out->token, sizeof out->token, "%s", token);
    if (sqlite3_prepare_v2(db, "UPDATE review_sessions SET last_seen = ? WHERE token_hash = ?", -1, &st,
                           NULL) == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, (sqlite3_int64)now);
        sqlite3_bind_text(st, 2, th, -1, SQLITE_STATIC);
        sqlite3_step(st);
        sqlite3_finalize(st);
    }
    return OMR_OK;
}

int review_session_end(sqlite3 *db, const char *token, omr_error *err) {
    if (!token)
        return OMR_OK;
    char th[65];
    token_hash(token, th);
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, "DELETE FROM review_sessions WHERE token_hash = ?", -1, &st, NULL) != SQLITE_OK)
        return db_fail(db, err, "ending the session");
    sqlite3_bind_text(st, 1, th, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? OMR_OK : db_fail(db, err, "ending the session");
}
