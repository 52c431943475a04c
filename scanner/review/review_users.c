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

int review_users_open(omr_db *db, omr_error *err) {
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

int review_user_add(omr_db *db, const char *name, const char *password, review_role role,
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

int review_user_remove(omr_db *db, const char *name, omr_error *err) { return users_remove(db, name, err); }

_Static_assert(REVIEW_HASH_MAX >= crypto_pwhash_STRBYTES, "room for an argon2id hash string");

/* 1, 2, 4 ... seconds for the n-th delayed attempt (n >= 1), at most the cap. */
static long growing_delay(int n) {
    if (n <= 0)
        return 0;
    if (n > 20)
        return REVIEW_LOGIN_MAX_DELAY;
    long d = 1L << (n - 1);
    return d < REVIEW_LOGIN_MAX_DELAY ? d : REVIEW_LOGIN_MAX_DELAY;
}

int review_login_begin(omr_db *db, const char *name, const char *address, time_t now,
                       review_login_result *result, int *retry_after, review_login_state *state,
                       omr_error *err) {
    *result = REVIEW_LOGIN_WRONG;
    if (retry_after)
        *retry_after = 0;
    memset(state, 0, sizeof *state);
    if (!name || !address || strlen(name) > REVIEW_NAME_MAX)
        return omr_fail(err, OMR_ERR_INVALID, "a login needs a name and a password");
    snprintf(state->name, sizeof state->name, "%s", name);
    snprintf(state->role, sizeof state->role, "operator");
    /* the throttle, before any password is hashed */
    time_t last_pair = 0, last_addr = 0;
    int pair = users_pair_failures(db, address, name, now - REVIEW_LOGIN_MEMORY, &last_pair);
    int addr = users_address_failures(db, address, now - REVIEW_LOGIN_SPRAY_WINDOW, &last_addr);
    if (pair < 0 || addr < 0)
        return omr_fail(err, OMR_ERR_IO, "ledger: reading login attempts");
    time_t allowed = last_pair + growing_delay(pair - REVIEW_LOGIN_FREE_FAILURES + 1);
    if (addr >= REVIEW_LOGIN_SPRAY_FAILURES) {
        int known = users_pair_known(db, address, name, now - REVIEW_LOGIN_KNOWN_DAYS * 24 * 3600);
        if (known < 0)
            return omr_fail(err, OMR_ERR_IO, "ledger: reading login attempts");
        time_t spray = last_addr + growing_delay(addr - REVIEW_LOGIN_SPRAY_FAILURES + 1);
        if (!known && spray > allowed)
            allowed = spray;
    }
    if (allowed > now) {
        *result = REVIEW_LOGIN_LIMITED;
        if (retry_after)
            *retry_after = (int)(allowed - now);
        return OMR_OK;
    }
    if (users_get(db, name, state->hash, sizeof state->hash, state->role, sizeof state->role, &state->known, err) !=
        OMR_OK)
        return OMR_ERR_IO;
    *result = REVIEW_LOGIN_OK; /* may go on to check the password */
    return OMR_OK;
}

int review_login_check(review_login_state *state, const char *password) {
    size_t pwlen = strlen(password);
    if (pwlen > 1024)
        pwlen = 1024;
    int ok = 0;
    if (state->known) {
        ok = crypto_pwhash_str_verify(state->hash, password, pwlen) == 0;
    } else {
        /* an unknown name costs the same argon2id work as a known one */
        char spent[crypto_pwhash_STRBYTES];
        if (crypto_pwhash_str(spent, password, pwlen, crypto_pwhash_OPSLIMIT_INTERACTIVE,
                              crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
            spent[0] = 0;
    }
    sodium_memzero(state->hash, sizeof state->hash);
    return ok;
}

int review_login_finish(omr_db *db, review_login_state *state, const char *address, time_t now, int ok,
                        review_login_result *result, review_session *session, omr_error *err) {
    *result = REVIEW_LOGIN_WRONG;
    memset(session, 0, sizeof *session);
    if (users_record_attempt(db, state->name, address, now, ok, err) != OMR_OK)
        return OMR_ERR_IO;
    if (!ok)
        return OMR_OK;
    review_session s = {0};
    snprintf(s.operator_name, sizeof s.operator_name, "%s", state->name);
    s.role = strcmp(state->role, "supervisor") == 0 ? REVIEW_ROLE_SUPERVISOR : REVIEW_ROLE_OPERATOR;
    random_hex(s.token);
    random_hex(s.csrf);
    char th[65];
    token_hash(s.token, th);
    if (users_session_insert(db, th, state->name, s.csrf, now, err) != OMR_OK)
        return OMR_ERR_IO;
    *session = s;
    *result = REVIEW_LOGIN_OK;
    return OMR_OK;
}

int review_login(omr_db *db, const char *name, const char *password, const char *address,
                 time_t now, review_login_result *result, review_session *session,
                 int *retry_after, omr_error *err) {
    memset(session, 0, sizeof *session);
    *result = REVIEW_LOGIN_WRONG;
    if (!name || !password || !address)
        return omr_fail(err, OMR_ERR_INVALID, "a login needs a name and a password");
    review_login_state st;
    int rc = review_login_begin(db, name, address, now, result, retry_after, &st, err);
    if (rc != OMR_OK || *result == REVIEW_LOGIN_LIMITED)
        return rc;
    int ok = review_login_check(&st, password);
    return review_login_finish(db, &st, address, now, ok, result, session, err);
}

int review_sessions_purge(omr_db *db, time_t now, int idle_seconds, int max_seconds, omr_error *err) {
    return users_session_purge(db, now - idle_seconds, now - max_seconds, err);
}

int review_session_find(omr_db *db, const char *token, time_t now, int idle_seconds,
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

int review_session_end(omr_db *db, const char *token, omr_error *err) {
    if (!token)
        return OMR_OK;
    char th[65];
    token_hash(token, th);
    return users_session_delete(db, th, err);
}
