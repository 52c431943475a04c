/*
 * review_users.h — the operators who may work the review queue, and their
 * sign-in: accounts (`omr review user add|remove`) with passwords stored only
 * as argon2id hashes (libsodium's crypto_pwhash_str), sessions kept as a hash
 * of a random token with a CSRF token beside it, and a record of login
 * attempts so that guessing one name from one place is slowed by growing
 * delays (without locking anyone else out).
 * Tables are the review module's own (see review.h, review_open).
 */
#ifndef OMR_REVIEW_USERS_H
#define OMR_REVIEW_USERS_H

#include "ledger/db.h"
#include <time.h>

#include "base/common.h"

#define REVIEW_NAME_MAX 64       /* operator names: 1..64 letters, digits, . _ - @ */
#define REVIEW_PASSWORD_MIN 8
#define REVIEW_TOKEN_HEX 64      /* session and CSRF tokens: 32 random bytes as hex */

/* Sign-in throttling, decided before any password is hashed (see
 * review_login_begin):
 *   - per (client address, operator name): after REVIEW_LOGIN_FREE_FAILURES
 *     failures since that pair's last success (within a day), each further
 *     attempt waits 1, 2, 4 ... seconds after the previous failure, at most
 *     REVIEW_LOGIN_MAX_DELAY. Nobody else is held up: not the same name from
 *     another address, not another name from the same address.
 *   - per address, against spraying many names: after
 *     REVIEW_LOGIN_SPRAY_FAILURES failures (any names) within
 *     REVIEW_LOGIN_SPRAY_WINDOW, names that have not signed in from that
 *     address within REVIEW_LOGIN_KNOWN_DAYS wait 1, 2, 4 ... seconds after
 *     the address's latest failure (at most REVIEW_LOGIN_MAX_DELAY). An
 *     operator who signed in from there before is not held up. */
#define REVIEW_LOGIN_FREE_FAILURES 3
#define REVIEW_LOGIN_MAX_DELAY (15 * 60)
#define REVIEW_LOGIN_MEMORY (24 * 3600)
#define REVIEW_LOGIN_SPRAY_WINDOW (15 * 60)
#define REVIEW_LOGIN_SPRAY_FAILURES 20
#define REVIEW_LOGIN_KNOWN_DAYS 30
#define REVIEW_HASH_MAX 128 /* an argon2id hash string, with its NUL */

typedef enum { REVIEW_ROLE_OPERATOR, REVIEW_ROLE_SUPERVISOR } review_role;

/* Creates the accounts, sessions and login-attempt tables if missing. */
int review_users_open(omr_db *db, omr_error *err);

int review_user_name_is_valid(const char *name);
/* Adds an operator (or replaces the password and role of an existing one:
 * *replaced says which). Passwords shorter than REVIEW_PASSWORD_MIN are
 * refused with OMR_ERR_INVALID. */
int review_user_add(omr_db *db, const char *name, const char *password, review_role role,
                    int *replaced, omr_error *err);
/* Removes an operator and ends their sessions and leases; OMR_ERR_NOT_FOUND
 * when there is no such operator. Their past decisions stay in the ledger. */
int review_user_remove(omr_db *db, const char *name, omr_error *err);

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
 * session. *retry_after is set to seconds to wait when LIMITED. The three
 * steps below, in one call. */
int review_login(omr_db *db, const char *name, const char *password, const char *address,
                 time_t now, review_login_result *result, review_session *session,
                 int *retry_after, omr_error *err);

/* A sign-in in three steps, so that the password is hashed without the
 * ledger (a server hashes outside its ledger lock, a few at a time):
 * begin applies the throttle (LIMITED, *retry_after set: nothing hashed, the
 * attempt is not recorded) and reads the operator's hash; check spends one
 * argon2id verification (also for unknown names); finish records the attempt
 * and, when ok, opens the session. */
typedef struct {
    char name[REVIEW_NAME_MAX + 1];
    char hash[REVIEW_HASH_MAX];
    char role[16];
    int known;
} review_login_state;

int review_login_begin(omr_db *db, const char *name, const char *address, time_t now,
                       review_login_result *result, int *retry_after, review_login_state *state,
                       omr_error *err);
int review_login_check(review_login_state *state, const char *password);
int review_login_finish(omr_db *db, review_login_state *state, const char *address, time_t now, int ok,
                        review_login_result *result, review_session *session, omr_error *err);

/* Forgets sessions idle longer than idle_seconds or older than max_seconds
 * at `now`; returns how many, -1 on error. */
int review_sessions_purge(omr_db *db, time_t now, int idle_seconds, int max_seconds, omr_error *err);

/* Looks up a session by its cookie token; OMR_ERR_NOT_FOUND when unknown or
 * expired (idle longer than idle_seconds, or older than max_seconds). Marks
 * it used at `now`. */
int review_session_find(omr_db *db, const char *token, time_t now, int idle_seconds,
                        int max_seconds, review_session *out, omr_error *err);
int review_session_end(omr_db *db, const char *token, omr_error *err);

/* Constant-time comparison of two NUL-terminated tokens. */
int review_token_equal(const char *a, const char *b);

#endif
