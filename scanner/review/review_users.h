/*
 * review_users.h — the operators who may work the review queue, and their
 * sign-in: accounts (`omr review user add|remove`) with passwords stored only
 * as argon2id hashes (libsodium's crypto_pwhash_str), sessions kept as a hash
 * of a random token with a CSRF token beside it, and a record of login
 * attempts so that guessing is slowed to a handful of tries per quarter hour.
 * Tables are the review module's own (see review.h, review_open).
 */
#ifndef OMR_REVIEW_USERS_H
#define OMR_REVIEW_USERS_H

#include <sqlite3.h>
#include <time.h>

#include "base/common.h"

#define REVIEW_NAME_MAX 64       /* operator names: 1..64 letters, digits, . _ - @ */
#define REVIEW_PASSWORD_MIN 8
#define REVIEW_TOKEN_HEX 64      /* session and CSRF tokens: 32 random bytes as hex */

/* Login rate limits: failed attempts counted over the last
 * REVIEW_LOGIN_WINDOW seconds, per operator name and per client address. */
#define REVIEW_LOGIN_WINDOW (15 * 60)
#define REVIEW_LOGIN_MAX_PER_NAME 5
#define REVIEW_LOGIN_MAX_PER_ADDRESS 20

typedef enum { REVIEW_ROLE_OPERATOR, REVIEW_ROLE_SUPERVISOR } review_role;

/* Creates the accounts, sessions and login-attempt tables if missing. */
int review_users_open(sqlite3 *db, omr_error *err);

int review_user_name_is_valid(const char *name);
/* Adds an operator (or replaces the password and role of an existing one:
 * *replaced says which). Passwords shorter than REVIEW_PASSWORD_MIN are
 * refused with OMR_ERR_INVALID. */
int review_user_add(sqlite3 *db, const char *name, const char *password, review_role role,
                    int *replaced, omr_error *err);
/* Removes an operator and ends their sessions and leases; OMR_ERR_NOT_FOUND
 * when there is no such operator. Their past decisions stay in the ledger. */
int review_user_remove(sqlite3 *db, const char *name, omr_error *err);

typedef enum {
    REVIEW_LOGIN_OK,
    REVIEW_LOGIN_WRONG,   /* unknown name or wrong password (not told apart) */
    REVIEW_LOGIN_LIMITED, /* too many failed attempts: try again later */
} review_login_result;

typedef struct {
    char operator_name[REVIEW_NAME_MAX + 1];
    review_role role;
    char token[REVIEW_TOKEN_HEX + 1]; /* goes into the cookie; only its hash is stored */
    char csrf[REVIEW_TOKEN_HEX + 1];
} review_session;

/* Checks a password (always spending the time of one argon2id verification,
 * also for unknown names), records the attempt, and on success opens a
 * session. *retry_after is set to seconds to wait when LIMITED. */
int review_login(sqlite3 *db, const char *name, const char *password, const char *address,
                 time_t now, review_login_result *result, review_session *session,
                 int *retry_after, omr_error *err);

/* Looks up a session by its cookie token; OMR_ERR_NOT_FOUND when unknown or
 * expired (idle longer than idle_seconds, or older than max_seconds). Marks
 * it used at `now`. */
int review_session_find(sqlite3 *db, const char *token, time_t now, int idle_seconds,
                        int max_seconds, review_session *out, omr_error *err);
int review_session_end(sqlite3 *db, const char *token, omr_error *err);

/* Constant-time comparison of two NUL-terminated tokens. */
int review_token_equal(const char *a, const char *b);

#endif
