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

#include "ledger/users.h"

int review_users_open(sqlite3 *db, omr_error *err) {
    if (sodium_init() < 0)
        return omr_fail(err, OMR_ERR_MEMORY, "cannot start libsodium (no source of randomness?)");
    return users_open(db, err);
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
    int exists = 0;
    int rc = users_save(db, name, hash, role == REVIEW_ROLE_SUPERVISOR ? "supervisor" : "operator", now, &exists,
                        err);
    sodium_memzero(hash, sizeof hash);
    if (rc != OMR_OK)
        return rc;
    if (replaced)
        *replaced = exists;
    return OMR_OK;
}

int review_user_remove(sqlite3 *db, const char *name, omr_error *err) { return users_remove(db, name, err); }

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
    int by_name = users_count_failures(db, 0, name, since, &oldest_name);
    int by_addr = users_count_failures(db, 1, address, since, &oldest_addr);
    if (by_name < 0 || by_addr < 0)
        return omr_fail(err, OMR_ERR_IO, "ledger: reading login attempts");
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
    int known = 0;
    if (users_get(db, name, hash, sizeof hash, role, sizeof role, &known, err) != OMR_OK)
        return OMR_ERR_IO;
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
    if (users_record_attempt(db, name, address, now, ok, err) != OMR_OK)
        return OMR_ERR_IO;
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
    if (users_session_insert(db, th, name, s.csrf, now, err) != OMR_OK)
        return OMR_ERR_IO;
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
    int found = 0, expired = 0;
    char role[16] = "";
    time_t created = 0, seen = 0;
    if (users_session_get(db, th, out->operator_name, sizeof out->operator_name, out->csrf, sizeof out->csrf, role,
                          sizeof role, &created, &seen, &found, err) != OMR_OK)
        return OMR_ERR_IO;
    if (found) {
        out->role = strcmp(role, "supervisor") == 0 ? REVIEW_ROLE_SUPERVISOR : REVIEW_ROLE_OPERATOR;
        expired = now - seen > idle_seconds || now - created > max_seconds;
    }
    if (!found || expired) {
        if (expired)
            review_session_end(db, token, NULL);
        memset(out, 0, sizeof *out);
        return omr_fail(err, OMR_ERR_NOT_FOUND, found ? "the session has expired; sign in again" : "not signed in");
    }
    snprintf(out->token, sizeof out->token, "%s", token);
    users_session_touch(db, th, now);
    return OMR_OK;
}

int review_session_end(sqlite3 *db, const char *token, omr_error *err) {
    if (!token)
        return OMR_OK;
    char th[65];
    token_hash(token, th);
    return users_session_delete(db, th, err);
}
