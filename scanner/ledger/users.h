/*
 * users.h — the review page's operators as the ledger keeps them: accounts
 * (name, argon2id hash, role), sessions (by the hash of their token) and
 * login attempts. Only stored values pass here; hashing, tokens and the
 * rate-limit policy are review_users.c's.
 */
#ifndef OMR_USERS_H
#define OMR_USERS_H

#include "ledger/db.h"
#include <time.h>

#include "base/common.h"

/* Creates the accounts, sessions and login-attempt tables if missing. */
int users_open(omr_db *db, omr_error *err);

/* Adds an operator, or (when one exists) replaces its hash and role and ends
 * its sessions; *replaced says which. */
int users_save(omr_db *db, const char *name, const char *hash, const char *role, const char *now,
               int *replaced, omr_error *err);
/* In one transaction: the operator, its sessions and its leases go;
 * OMR_ERR_NOT_FOUND when there is no such operator. */
int users_remove(omr_db *db, const char *name, omr_error *err);
/* The operator's hash and role; *known = 0 when there is none. */
int users_get(omr_db *db, const char *name, char *hash, size_t hash_size, char *role, size_t role_size,
              int *known, omr_error *err);
/* Failed attempts for one (address, name) pair after `since` and after that
 * pair's latest success, and the latest one's time; -1 on error. */
int users_pair_failures(omr_db *db, const char *address, const char *name, time_t since, time_t *latest);
/* Failed attempts from an address (any name) after `since`, and the latest
 * one's time; -1 on error. */
int users_address_failures(omr_db *db, const char *address, time_t since, time_t *latest);
/* 1 when `name` signed in successfully from `address` after `since`, 0 when
 * not, -1 on error. */
int users_pair_known(omr_db *db, const char *address, const char *name, time_t since);
/* Records an attempt; forgets failures older than a week and successes older
 * than 31 days. */
int users_record_attempt(omr_db *db, const char *name, const char *address, time_t now, int ok, omr_error *err);

int users_session_insert(omr_db *db, const char *token_hash, const char *name, const char *csrf, time_t now,
                         omr_error *err);
/* A session by token hash: operator, csrf, role, created and last seen;
 * *found = 0 when unknown. */
int users_session_get(omr_db *db, const char *token_hash, char *name, size_t name_size, char *csrf,
                      size_t csrf_size, char *role, size_t role_size, time_t *created, time_t *seen, int *found,
                      omr_error *err);
void users_session_touch(omr_db *db, const char *token_hash, time_t now);
int users_session_delete(omr_db *db, const char *token_hash, omr_error *err);
/* Deletes the sessions last used before `idle_before` or opened before
 * `created_before`; returns how many, -1 on error. */
int users_session_purge(omr_db *db, time_t idle_before, time_t created_before, omr_error *err);

/* Calls `row` for each operator by name: name, role, created_at. */
int users_list(omr_db *db, void (*row)(void *ctx, const char *name, const char *role, const char *created_at),
               void *ctx, omr_error *err);
/* Operators in the ledger; -1 on error. */
long long users_count(omr_db *db);

#endif
