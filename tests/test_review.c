/*
 * test_review.c — the operators' review: accounts and sign-in (argon2id,
 * throttled sign-in, expiring sessions), the queue's leases (two operators never
 * get the same item, leases run out), decisions written through to the
 * ledger with their history and undo, hand matching of pages without a code,
 * and the web server's defences: an unauthenticated or cross-site request
 * changes nothing, files outside the scan store are never served, data is
 * never put into the page as HTML. Ledger rows are made here with SQL, over
 * real rendered and marked scans, as the scanner would write them.
 */
#include <sqlite3.h>
#include <arpa/inet.h>
#include <png.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "pages/encode.h"
#include "helpers.h"
#include "review_client.h"
#include "print/render.h"
#include "review/review.h"
#include "review/review_users.h"
#include "ledger/store.h"

#define DPI 150.0
#define PASSWORD "correct horse battery"

static char *dir;
static sqlite3 *db;
static omr_template *tmpl;
static char db_path[512];

static void sql(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    char *s = sqlite3_vmprintf(fmt, ap);
    va_end(ap);
    char *msg = NULL;
    int rc = sqlite3_exec(db, s, NULL, NULL, &msg);
    cr_assert_eq(rc, SQLITE_OK, "%s: %s", s, msg ? msg : "");
    sqlite3_free(s);
}

static long long sql_int(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    char *s = sqlite3_vmprintf(fmt, ap);
    va_end(ap);
    sqlite3_stmt *st = NULL;
    cr_assert_eq(sqlite3_prepare_v2(db, s, -1, &st, NULL), SQLITE_OK, "%s: %s", s, sqlite3_errmsg(db));
    long long v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    sqlite3_finalize(st);
    sqlite3_free(s);
    return v;
}

/* The text of the first column of the first row, or "(null)" ; static buffer. */
static const char *sql_text(const char *fmt, ...) {
    static char buf[4096];
    va_list ap;
    va_start(ap, fmt);
    char *s = sqlite3_vmprintf(fmt, ap);
    va_end(ap);
    sqlite3_stmt *st = NULL;
    cr_assert_eq(sqlite3_prepare_v2(db, s, -1, &st, NULL), SQLITE_OK, "%s: %s", s, sqlite3_errmsg(db));
    snprintf(buf, sizeof buf, "(none)");
    if (sqlite3_step(st) == SQLITE_ROW)
        snprintf(buf, sizeof buf, "%s", sqlite3_column_text(st, 0) ? (const char *)sqlite3_column_text(st, 0) : "(null)");
    sqlite3_finalize(st);
    sqlite3_free(s);
    return buf;
}

/* A real scan of page `page` of `code` with crosses in the given boxes,
 * recorded in the ledger as the scanner would: a scan file, a return, a read
 * page with its transform. Returns the return id. */
static long long add_return(const char *code, int page, const char *const *crosses, size_t n_crosses) {
    omr_error err;
    omr_image *img = render_page_image(tmpl, code, page, DPI, &err);
    cr_assert_not_null(img, "%s", err.message);
    for (size_t i = 0; i + 1 < n_crosses; i += 2)
        test_cross(img, test_box_of(tmpl, crosses[i], crosses[i + 1]));
    char path[600];
    snprintf(path, sizeof path, "%s/store/%s-p%d.png", dir, code, page);
    cr_assert_eq(encode_png(img, path, &err), OMR_OK, "%s", err.message);
    omr_image_free(img);
    double s = DPI / 25.4;
    sql("INSERT INTO scan_files(sha256, original_name, stored_path, size, state, received_at, finished_at) "
        "VALUES ('sha-%q-%d', '%q-p%d.png', '%q', 1000, 'done', '2026-11-20T08:00:00Z', '2026-11-20T08:00:01Z')",
        code, page, code, page, path);
    long long file = sqlite3_last_insert_rowid(db);
    long long ret = sql_int("SELECT id FROM returns WHERE template = 'ekb-2024' AND code = '%q'", code);
    if (ret < 0) {
        sql("INSERT INTO returns(template, code, created_at) VALUES ('ekb-2024', '%q', '2026-11-20T08:00:01Z')", code);
        ret = sqlite3_last_insert_rowid(db);
    }
    sql("INSERT INTO pages(file_id, file_page, status, template, code, page, return_id, transform) "
        "VALUES (%lld, 1, 'read', 'ekb-2024', '%q', %d, %lld, '{\"m\":[%.6f,0,0,0,%.6f,0],\"turns\":0}')",
        file, code, page, ret, s, s);
    return ret;
}

/* An answer under review and its review item; returns the item id. */
static long long add_answer_item(long long ret, const char *question, const char *machine, double confidence) {
    if (machine)
        sql("INSERT INTO answers(return_id, question, value, machine_value, status, reason, confidence) "
            "VALUES (%lld, '%q', '%q', '%q', 'review', 'two boxes marked', %f)",
            ret, question, machine, machine, confidence);
    else
        sql("INSERT INTO answers(return_id, question, status, reason, confidence) "
            "VALUES (%lld, '%q', 'review', 'an unsure box', %f)",
            ret, question, confidence);
    sql("INSERT INTO review_items(return_id, item, kind, reason, created_at) "
        "VALUES (%lld, '%q', 'answer', '%q: two boxes marked', '2026-11-20T08:00:01Z')",
        ret, question, question);
    return sqlite3_last_insert_rowid(db);
}

static void setup(void) {
    tmpl = test_template("ekb-2024");
    dir = test_tempdir();
    char store[600];
    snprintf(store, sizeof store, "%s/store", dir);
    cr_assert_eq(mkdir(store, 0755), 0);
    snprintf(db_path, sizeof db_path, "%s/store/omr.db", dir);
    omr_error err;
    cr_assert_eq(store_open(db_path, &db, &err), OMR_OK, "%s", err.message);
    cr_assert_eq(review_open(db, &err), OMR_OK, "%s", err.message);
}

static void teardown(void) {
    store_close(db);
    template_free(tmpl);
    rm_rf(dir);
}

/* ---- accounts and sign-in ----------------------------------------------- */

Test(review_users, passwords_are_argon2id_hashes, .init = setup, .fini = teardown) {
    omr_error err;
    int replaced = -1;
    cr_assert_eq(review_user_add(db, "anna", PASSWORD, REVIEW_ROLE_OPERATOR, &replaced, &err), OMR_OK, "%s",
                 err.message);
    cr_assert_eq(replaced, 0);
    const char *hash = sql_text("SELECT password_hash FROM review_operators WHERE name = 'anna'");
    cr_assert(strncmp(hash, "$argon2id$", 10) == 0, "hash %s", hash);
    cr_assert_null(strstr(hash, PASSWORD));
    cr_assert_eq(review_user_add(db, "anna", "short", REVIEW_ROLE_OPERATOR, NULL, &err), OMR_ERR_INVALID);
    cr_assert_eq(review_user_add(db, "an<na>", PASSWORD, REVIEW_ROLE_OPERATOR, NULL, &err), OMR_ERR_INVALID);

    review_login_result result;
    review_session s;
    int retry;
    cr_assert_eq(review_login(db, "anna", PASSWORD, "127.0.0.1", 1000, &result, &s, &retry, &err), OMR_OK);
    cr_assert_eq(result, REVIEW_LOGIN_OK);
    cr_assert_eq(strlen(s.token), REVIEW_TOKEN_HEX);
    cr_assert_eq(strlen(s.csrf), REVIEW_TOKEN_HEX);
    /* only a hash of the token is kept */
    cr_assert_eq(sql_int("SELECT count(*) FROM review_sessions WHERE token_hash = '%q' OR csrf = '%q'", s.token,
                         s.token),
                 0);
    cr_assert_eq(review_login(db, "anna", "wrong password", "127.0.0.1", 1001, &result, &s, &retry, &err), OMR_OK);
    cr_assert_eq(result, REVIEW_LOGIN_WRONG);
    cr_assert_eq(review_login(db, "nobody", PASSWORD, "127.0.0.1", 1002, &result, &s, &retry, &err), OMR_OK);
    cr_assert_eq(result, REVIEW_LOGIN_WRONG);

    cr_assert_eq(review_user_remove(db, "anna", &err), OMR_OK);
    cr_assert_eq(review_user_remove(db, "anna", &err), OMR_ERR_NOT_FOUND);
    cr_assert_eq(review_login(db, "anna", PASSWORD, "127.0.0.1", 1003, &result, &s, &retry, &err), OMR_OK);
    cr_assert_eq(result, REVIEW_LOGIN_WRONG);
}

static review_login_result try_login(const char *name, const char *password, const char *address, time_t t,
                                     int *retry) {
    review_login_result result;
    review_session s;
    omr_error err;
    cr_assert_eq(review_login(db, name, password, address, t, &result, &s, retry, &err), OMR_OK, "%s", err.message);
    return result;
}

Test(review_users, sign_in_throttle_is_per_address_and_name, .init = setup, .fini = teardown) {
    omr_error err;
    cr_assert_eq(review_user_add(db, "anna", PASSWORD, REVIEW_ROLE_OPERATOR, NULL, &err), OMR_OK);
    cr_assert_eq(review_user_add(db, "sara", PASSWORD, REVIEW_ROLE_OPERATOR, NULL, &err), OMR_OK);
    int retry = 0;
    time_t t = 100000;
    /* a few free failures, then each attempt waits 1, 2, 4 ... s after the last */
    for (int i = 0; i < REVIEW_LOGIN_FREE_FAILURES; i++)
        cr_assert_eq(try_login("anna", "guess", "10.0.0.1", t, &retry), REVIEW_LOGIN_WRONG);
    long long recorded = sql_int("SELECT count(*) FROM review_login_attempts");
    long expect = 1;
    for (int round = 0; round < 14; round++) {
        cr_assert_eq(try_login("anna", PASSWORD, "10.0.0.1", t, &retry), REVIEW_LOGIN_LIMITED, "round %d", round);
        cr_assert_eq(retry, expect, "round %d: retry %d, expected %ld", round, retry, expect);
        /* refused before hashing: not even recorded */
        cr_assert_eq(sql_int("SELECT count(*) FROM review_login_attempts"), recorded);
        t += retry;
        cr_assert_eq(try_login("anna", "guess", "10.0.0.1", t, &retry), REVIEW_LOGIN_WRONG, "round %d", round);
        recorded++;
        expect = expect * 2 < REVIEW_LOGIN_MAX_DELAY ? expect * 2 : REVIEW_LOGIN_MAX_DELAY;
    }
    cr_assert_eq(expect, REVIEW_LOGIN_MAX_DELAY); /* the delay stops growing */
    /* nobody else is held up: anna from another address, sara from this one */
    cr_assert_eq(try_login("anna", PASSWORD, "10.0.0.2", t, &retry), REVIEW_LOGIN_OK);
    cr_assert_eq(try_login("sara", PASSWORD, "10.0.0.1", t, &retry), REVIEW_LOGIN_OK);
    /* once the delay has passed, the right password works and clears the slate */
    t += REVIEW_LOGIN_MAX_DELAY;
    cr_assert_eq(try_login("anna", PASSWORD, "10.0.0.1", t, &retry), REVIEW_LOGIN_OK);
    for (int i = 0; i < REVIEW_LOGIN_FREE_FAILURES; i++)
        cr_assert_eq(try_login("anna", "guess", "10.0.0.1", t + 1, &retry), REVIEW_LOGIN_WRONG);
    cr_assert_eq(try_login("anna", PASSWORD, "10.0.0.1", t + 1, &retry), REVIEW_LOGIN_LIMITED);
    cr_assert_eq(retry, 1);
    /* a day later the failures are forgotten */
    cr_assert_eq(try_login("anna", PASSWORD, "10.0.0.1", t + REVIEW_LOGIN_MEMORY + 2, &retry), REVIEW_LOGIN_OK);
}

Test(review_users, spraying_names_from_one_address_is_slowed, .init = setup, .fini = teardown) {
    omr_error err;
    cr_assert_eq(review_user_add(db, "anna", PASSWORD, REVIEW_ROLE_OPERATOR, NULL, &err), OMR_OK);
    cr_assert_eq(review_user_add(db, "sara", PASSWORD, REVIEW_ROLE_OPERATOR, NULL, &err), OMR_OK);
    int retry = 0;
    time_t t = 200000;
    /* anna has signed in from the office's address before; sara has not */
    cr_assert_eq(try_login("anna", PASSWORD, "10.9.9.9", t - 3600, &retry), REVIEW_LOGIN_OK);
    for (int i = 0; i < REVIEW_LOGIN_SPRAY_FAILURES; i++) {
        char name[32];
        snprintf(name, sizeof name, "user%d", i);
        cr_assert_eq(try_login(name, "guess", "10.9.9.9", t, &retry), REVIEW_LOGIN_WRONG, "%s", name);
    }
    /* a new name from there now waits, and longer each time */
    cr_assert_eq(try_login("user99", "guess", "10.9.9.9", t, &retry), REVIEW_LOGIN_LIMITED);
    cr_assert_eq(retry, 1);
    cr_assert_eq(try_login("sara", PASSWORD, "10.9.9.9", t, &retry), REVIEW_LOGIN_LIMITED);
    cr_assert_eq(try_login("user99", "guess", "10.9.9.9", t + 1, &retry), REVIEW_LOGIN_WRONG);
    cr_assert_eq(try_login("user98", "guess", "10.9.9.9", t + 1, &retry), REVIEW_LOGIN_LIMITED);
    cr_assert_eq(retry, 2);
    /* an operator who signed in from there before is not held up, nor is
     * anyone at another address */
    cr_assert_eq(try_login("anna", PASSWORD, "10.9.9.9", t + 1, &retry), REVIEW_LOGIN_OK);
    cr_assert_eq(try_login("sara", PASSWORD, "10.9.9.8", t + 1, &retry), REVIEW_LOGIN_OK);
    /* the spray window passes */
    cr_assert_eq(try_login("sara", PASSWORD, "10.9.9.9", t + REVIEW_LOGIN_SPRAY_WINDOW + 2, &retry), REVIEW_LOGIN_OK);
}

Test(review_users, expired_sessions_are_purged, .init = setup, .fini = teardown) {
    omr_error err;
    cr_assert_eq(review_user_add(db, "anna", PASSWORD, REVIEW_ROLE_OPERATOR, NULL, &err), OMR_OK);
    review_login_result result;
    review_session s;
    cr_assert_eq(review_login(db, "anna", PASSWORD, "127.0.0.1", 1000, &result, &s, NULL, &err), OMR_OK);
    cr_assert_eq(review_login(db, "anna", PASSWORD, "127.0.0.1", 2000, &result, &s, NULL, &err), OMR_OK);
    cr_assert_eq(review_login(db, "anna", PASSWORD, "127.0.0.1", 2500, &result, &s, NULL, &err), OMR_OK);
    sql("UPDATE review_sessions SET last_seen = 3000 WHERE created_at = 1000");
    /* at 3100, with 1000 s idle and 2000 s in all allowed: the one opened at
     * 1000 is too old (though used at 3000), the one last seen at 2000 idle
     * too long; the one of 2500 stays */
    cr_assert_eq(review_sessions_purge(db, 3100, 1000, 2000, &err), 2);
    cr_assert_eq(sql_int("SELECT count(*) FROM review_sessions"), 1);
    cr_assert_eq(sql_int("SELECT created_at FROM review_sessions"), 2500);
}

Test(review_users, sessions_expire, .init = setup, .fini = teardown) {
    omr_error err;
    cr_assert_eq(review_user_add(db, "anna", PASSWORD, REVIEW_ROLE_SUPERVISOR, NULL, &err), OMR_OK);
    review_login_result result;
    review_session s, found;
    cr_assert_eq(review_login(db, "anna", PASSWORD, "127.0.0.1", 5000, &result, &s, NULL, &err), OMR_OK);
    cr_assert_eq(result, REVIEW_LOGIN_OK);
    cr_assert_eq(review_session_find(db, s.token, 5000 + 60, 1800, 43200, &found, &err), OMR_OK);
    cr_assert_str_eq(found.operator_name, "anna");
    cr_assert_eq(found.role, REVIEW_ROLE_SUPERVISOR);
    cr_assert_str_eq(found.csrf, s.csrf);
    /* used within the idle time: still valid; idle longer: gone */
    cr_assert_eq(review_session_find(db, s.token, 5000 + 60 + 1799, 1800, 43200, &found, &err), OMR_OK);
    cr_assert_eq(review_session_find(db, s.token, 5000 + 60 + 1799 + 1801, 1800, 43200, &found, &err),
                 OMR_ERR_NOT_FOUND);
    cr_assert_eq(review_session_find(db, s.token, 5000 + 61, 1800, 43200, &found, &err), OMR_ERR_NOT_FOUND);
    /* a session in constant use still ends after max_seconds */
    cr_assert_eq(review_login(db, "anna", PASSWORD, "127.0.0.1", 9000, &result, &s, NULL, &err), OMR_OK);
    for (time_t t = 9000; t < 9000 + 43200; t += 1000)
        cr_assert_eq(review_session_find(db, s.token, t, 1800, 43200, &found, &err), OMR_OK);
    cr_assert_eq(review_session_find(db, s.token, 9000 + 43201, 1800, 43200, &found, &err), OMR_ERR_NOT_FOUND);
    cr_assert_eq(review_session_find(db, "not-a-token", 9000, 1800, 43200, &found, &err), OMR_ERR_NOT_FOUND);
}

/* ---- the queue ---------------------------------------------------------- */

static review_queue *queue(void) {
    review_queue *q = NULL;
    omr_error err;
    cr_assert_eq(review_queue_new(db, 600, NULL, &q, &err), OMR_OK, "%s", err.message);
    return q;
}

Test(review_queue, two_operators_never_get_the_same_item_and_leases_expire, .init = setup, .fini = teardown) {
    long long r1 = add_return("AAA111", 1, NULL, 0);
    long long i1 = add_answer_item(r1, "q1a", "5", 0.2);
    long long i2 = add_answer_item(r1, "q1b", "4", 0.3);
    review_queue *q = queue();
    omr_error err;
    int64_t a = 0, b = 0, c = 0;
    time_t t = 1790000000;
    cr_assert_eq(review_next(q, "anna", t, NULL, 0, &a, &err), OMR_OK, "%s", err.message);
    cr_assert_eq(review_next(q, "bert", t, NULL, 0, &b, &err), OMR_OK);
    cr_assert_eq(a, i1);
    cr_assert_eq(b, i2);
    /* both are taken: a third operator gets nothing */
    cr_assert_eq(review_next(q, "cleo", t + 1, NULL, 0, &c, &err), OMR_OK);
    cr_assert_eq(c, 0);
    /* asking again gives anna the item she holds */
    cr_assert_eq(review_next(q, "anna", t + 2, NULL, 0, &a, &err), OMR_OK);
    cr_assert_eq(a, i1);
    /* nobody decides an item another holds */
    review_choice v = {.kind = REVIEW_CHOICE_VALUE, .value = "3"};
    cr_assert_eq(review_decide(q, "anna", b, &v, t + 3, &err), REVIEW_ERR_CONFLICT);
    cr_assert_eq(sql_int("SELECT count(*) FROM decisions"), 0);
    cr_assert_str_eq(sql_text("SELECT value FROM answers WHERE return_id = %lld AND question = 'q1b'", r1), "4");
    /* bert renews; anna goes idle and her lease runs out: cleo gets her item */
    cr_assert_eq(review_renew(q, "bert", b, t + 500, &err), OMR_OK);
    cr_assert_eq(review_next(q, "cleo", t + 601, NULL, 0, &c, &err), OMR_OK); /* anna's: until t+602 */
    cr_assert_eq(c, 0);
    cr_assert_eq(review_next(q, "cleo", t + 603, NULL, 0, &c, &err), OMR_OK);
    cr_assert_eq(c, i1);
    cr_assert_eq(review_decide(q, "anna", i1, &v, t + 604, &err), REVIEW_ERR_CONFLICT);
    cr_assert_eq(review_renew(q, "anna", i1, t + 604, &err), REVIEW_ERR_CONFLICT);
    cr_assert_eq(review_decide(q, "cleo", i1, &v, t + 605, &err), OMR_OK, "%s", err.message);
    cr_assert_eq(review_decide(q, "bert", i1, &v, t + 606, &err), REVIEW_ERR_CONFLICT); /* decided */
    review_queue_free(q);
}

typedef struct {
    const char *operator_name;
    int64_t got[64];
    int n;
} leaser;

static void *lease_loop(void *arg) {
    leaser *l = arg;
    sqlite3 *own = NULL;
    omr_error err;
    if (store_open(db_path, &own, &err) != OMR_OK)
        return NULL;
    review_queue *q = NULL;
    if (review_queue_new(own, 600, NULL, &q, &err) != OMR_OK) {
        store_close(own);
        return NULL;
    }
    /* take an item, decide it, take the next, until none is left */
    for (int i = 0; i < 64; i++) {
        int64_t id = 0;
        if (review_next(q, l->operator_name, time(NULL), NULL, 0, &id, &err) != OMR_OK || !id)
            break;
        l->got[l->n++] = id;
        review_choice blank = {.kind = REVIEW_CHOICE_BLANK};
        if (review_decide(q, l->operator_name, id, &blank, time(NULL), &err) != OMR_OK)
            break;
    }
    review_queue_free(q);
    store_close(own);
    return NULL;
}

Test(review_queue, concurrent_operators_split_the_queue, .init = setup, .fini = teardown) {
    long long r = add_return("BBB222", 1, NULL, 0);
    const template_question *qs = tmpl->questions;
    int n = 0;
    for (size_t i = 0; i < tmpl->n_questions && n < 24; i++)
        if (qs[i].page == 1) {
            add_answer_item(r, qs[i].id, NULL, 0.1);
            n++;
        }
    leaser a = {.operator_name = "anna"}, b = {.operator_name = "bert"};
    pthread_t ta, tb;
    pthread_create(&ta, NULL, lease_loop, &a);
    pthread_create(&tb, NULL, lease_loop, &b);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    cr_assert_eq(a.n + b.n, n, "%d + %d items of %d", a.n, b.n, n);
    for (int i = 0; i < a.n; i++)
        for (int j = 0; j < b.n; j++)
            cr_assert_neq(a.got[i], b.got[j], "item %lld went to both", (long long)a.got[i]);
    cr_assert_eq(sql_int("SELECT count(*) FROM decisions"), n);
    cr_assert_eq(sql_int("SELECT count(DISTINCT review_item_id) FROM decisions"), n);
}

Test(review_queue, oldest_batch_first_and_skip, .init = setup, .fini = teardown) {
    long long newer = add_return("CCC333", 1, NULL, 0);
    long long older = add_return("DDD444", 1, NULL, 0);
    sql("UPDATE scan_files SET received_at = '2026-11-01T07:00:00Z' WHERE original_name = 'DDD444-p1.png'");
    long long in_newer = add_answer_item(newer, "q1a", "5", 0.2);
    long long in_older = add_answer_item(older, "q1a", "5", 0.2);
    review_queue *q = queue();
    omr_error err;
    int64_t id = 0;
    cr_assert_eq(review_next(q, "anna", 1790000000, NULL, 0, &id, &err), OMR_OK);
    cr_assert_eq(id, in_older);
    int64_t skip[] = {in_older};
    cr_assert_eq(review_next(q, "anna", 1790000001, skip, 1, &id, &err), OMR_OK);
    cr_assert_eq(id, in_newer);
    /* skipping released the first item */
    cr_assert_eq(sql_int("SELECT count(*) FROM review_items WHERE lease_owner IS NOT NULL"), 1);
    review_queue_free(q);
}

Test(review_queue, decisions_are_kept_and_undone, .init = setup, .fini = teardown) {
    long long r = add_return("EEE555", 1, NULL, 0);
    long long item = add_answer_item(r, "q1a", "5", 0.2);
    long long other = add_answer_item(r, "q1b", NULL, 0.1);
    review_queue *q = queue();
    omr_error err;
    time_t t = 1790000000;
    int64_t id;
    cr_assert_eq(review_next(q, "anna", t, NULL, 0, &id, &err), OMR_OK);
    review_choice bad = {.kind = REVIEW_CHOICE_VALUE, .value = "7"};
    cr_assert_eq(review_decide(q, "anna", item, &bad, t, &err), OMR_ERR_INVALID);
    cr_assert(strstr(err.message, "no value \"7\""), "%s", err.message);
    review_choice three = {.kind = REVIEW_CHOICE_VALUE, .value = "3"};
    cr_assert_eq(review_decide(q, "anna", item, &three, t + 1, &err), OMR_OK, "%s", err.message);
    cr_assert_str_eq(sql_text("SELECT value || ' ' || status || ' ' || confirmed_by FROM answers "
                              "WHERE return_id = %lld AND question = 'q1a'", r),
                     "3 ok anna");
    cr_assert_str_eq(sql_text("SELECT machine_value || '>' || final_value || ' ' || operator FROM decisions "
                              "WHERE review_item_id = %lld", item),
                     "5>3 anna");
    cr_assert_str_eq(sql_text("SELECT state FROM review_items WHERE id = %lld", item), "decided");

    /* undo: the answer is back as it was, the item open and leased to anna */
    int64_t undone = 0;
    cr_assert_eq(review_undo(q, "anna", t + 2, &undone, &err), OMR_OK, "%s", err.message);
    cr_assert_eq(undone, item);
    cr_assert_str_eq(sql_text("SELECT value || ' ' || status || ' ' || ifnull(confirmed_by, '-') FROM answers "
                              "WHERE return_id = %lld AND question = 'q1a'", r),
                     "5 review -");
    cr_assert_str_eq(sql_text("SELECT state || ' ' || lease_owner FROM review_items WHERE id = %lld", item),
                     "open anna");
    /* bert cannot take it while anna holds it */
    cr_assert_eq(review_next(q, "bert", t + 3, NULL, 0, &id, &err), OMR_OK);
    cr_assert_eq(id, other);
    /* decided again: every decision stays, the latest is the answer */
    review_choice illegible = {.kind = REVIEW_CHOICE_ILLEGIBLE};
    cr_assert_eq(review_decide(q, "anna", item, &illegible, t + 4, &err), OMR_OK, "%s", err.message);
    cr_assert_eq(sql_int("SELECT count(*) FROM decisions WHERE review_item_id = %lld", item), 3);
    cr_assert_str_eq(sql_text("SELECT group_concat(l.outcome || ':' || ifnull(d.final_value, 'NULL'), ' ') FROM "
                              "(SELECT * FROM decisions ORDER BY id) d JOIN review_decision_log l "
                              "ON l.decision_id = d.id WHERE d.review_item_id = %lld", item),
                     "value:3 undo:5 illegible:NULL");
    cr_assert_str_eq(sql_text("SELECT ifnull(value, 'NULL') || ' ' || confirmed_by FROM answers "
                              "WHERE return_id = %lld AND question = 'q1a'", r),
                     "NULL anna");
    /* the item JSON carries the history */
    char *js = review_item_json(q, item, &err);
    cr_assert_not_null(js, "%s", err.message);
    cr_assert(strstr(js, "\"outcome\":\"undo\""), "%s", js);
    free(js);
    review_queue_free(q);
}

Test(review_queue, multi_choice_comments_duplicates, .init = setup, .fini = teardown) {
    long long r = add_return("FFF666", 2, NULL, 0);
    sql("INSERT INTO answers(return_id, question, value, machine_value, status, reason) "
        "VALUES (%lld, 'q5r', '1', '1', 'review', 'unsure')", r);
    sql("INSERT INTO review_items(return_id, item, kind, reason, created_at) "
        "VALUES (%lld, 'q5r', 'answer', 'q5r: an unsure box', '2026-11-20T08:00:01Z')", r);
    long long multi = sqlite3_last_insert_rowid(db);
    sql("INSERT INTO texts(return_id, field, text, machine_text, confidence, status) "
        "VALUES (%lld, 'comment', 'Bra bemotande', 'Bra bemotande', 41, 'review')", r);
    sql("INSERT INTO review_items(return_id, item, kind, reason, created_at) "
        "VALUES (%lld, 'comment', 'text', 'comment: OCR confidence 41', '2026-11-20T08:00:01Z')", r);
    long long text = sqlite3_last_insert_rowid(db);
    sql("INSERT INTO returns(template, code, created_at, duplicate_of) VALUES ('ekb-2024', 'FFF666', "
        "'2026-11-21T08:00:00Z', %lld)", r);
    long long dup_return = sqlite3_last_insert_rowid(db);
    sql("INSERT INTO review_items(return_id, item, kind, reason, created_at) "
        "VALUES (%lld, 'duplicate', 'duplicate', 'a second return of FFF666', '2026-11-21T08:00:00Z')", dup_return);
    long long dup = sqlite3_last_insert_rowid(db);
    review_queue *q = queue();
    omr_error err;
    time_t t = 1790000000;
    review_choice v = {.kind = REVIEW_CHOICE_VALUE, .value = "7 3 3"};
    cr_assert_eq(review_decide(q, "anna", multi, &v, t, &err), OMR_OK, "%s", err.message);
    cr_assert_str_eq(sql_text("SELECT value FROM answers WHERE return_id = %lld AND question = 'q5r'", r), "3 7");
    review_choice wrong_kind = {.kind = REVIEW_CHOICE_KEEP};
    cr_assert_eq(review_decide(q, "anna", text, &wrong_kind, t, &err), OMR_ERR_INVALID);
    review_choice corrected = {.kind = REVIEW_CHOICE_TEXT, .value = "Bra bemötande <b>tack</b>"};
    cr_assert_eq(review_decide(q, "anna", text, &corrected, t, &err), OMR_OK, "%s", err.message);
    cr_assert_str_eq(sql_text("SELECT text || '|' || machine_text || '|' || status || '|' || confirmed_by FROM texts "
                              "WHERE return_id = %lld", r),
                     "Bra bemötande <b>tack</b>|Bra bemotande|ok|anna");
    review_choice discard = {.kind = REVIEW_CHOICE_DISCARD};
    cr_assert_eq(review_decide(q, "anna", dup, &discard, t, &err), OMR_OK, "%s", err.message);
    cr_assert_str_eq(sql_text("SELECT final_value FROM decisions WHERE review_item_id = %lld", dup), "discard");
    review_queue_free(q);
}

Test(review_queue, pages_without_a_code_are_matched_by_hand, .init = setup, .fini = teardown) {
    long long r = add_return("GGG777", 1, NULL, 0);
    (void)r;
    /* page 2 of GGG777 came without a readable code */
    omr_error err;
    omr_image *img = render_page_image(tmpl, "GGG777", 2, DPI, &err);
    char path[600];
    snprintf(path, sizeof path, "%s/store/nocode.png", dir);
    cr_assert_eq(encode_png(img, path, &err), OMR_OK);
    omr_image_free(img);
    sql("INSERT INTO scan_files(sha256, original_name, stored_path, size, state, received_at) "
        "VALUES ('sha-nocode', 'nocode.png', '%q', 1, 'rejected', '2026-11-20T09:00:00Z')", path);
    long long file = sqlite3_last_insert_rowid(db);
    sql("INSERT INTO pages(file_id, file_page, status, reason) VALUES (%lld, 1, 'rejected', 'no QR code found')", file);
    long long page = sqlite3_last_insert_rowid(db);
    sql("INSERT INTO review_items(page_id, item, kind, reason, created_at) "
        "VALUES (%lld, 'page', 'unmatched_page', 'no QR code found', '2026-11-20T09:00:00Z')", page);
    long long item = sqlite3_last_insert_rowid(db);
    review_queue *q = queue();
    time_t t = 1790000000;
    review_choice bad = {.kind = REVIEW_CHOICE_MATCH, .value = "GGG 777", .template_id = "ekb-2024", .page = 2};
    cr_assert_eq(review_decide(q, "anna", item, &bad, t, &err), OMR_ERR_INVALID);
    review_choice path_like = {.kind = REVIEW_CHOICE_MATCH, .value = "GGG777", .template_id = "../x", .page = 2};
    cr_assert_eq(review_decide(q, "anna", item, &path_like, t, &err), OMR_ERR_INVALID);
    review_choice m = {.kind = REVIEW_CHOICE_MATCH, .value = "ggg777", .template_id = "ekb-2024", .page = 2};
    cr_assert_eq(review_decide(q, "anna", item, &m, t, &err), OMR_OK, "%s", err.message);
    /* the page joined GGG777's return; its questions wait to be keyed in */
    cr_assert_eq(sql_int("SELECT return_id FROM pages WHERE id = %lld", page), r);
    cr_assert_str_eq(sql_text("SELECT status || ' ' || code || ' ' || page FROM pages WHERE id = %lld", page),
                     "read GGG777 2");
    size_t on_page2 = 0;
    for (size_t i = 0; i < tmpl->n_questions; i++)
        on_page2 += tmpl->questions[i].page == 2;
    for (size_t i = 0; i < tmpl->n_text_fields; i++)
        on_page2 += tmpl->text_fields[i].page == 2;
    cr_assert_eq(sql_int("SELECT count(*) FROM review_items WHERE page_id = %lld AND kind IN ('answer','text') "
                         "AND state = 'open'", page),
                 (long long)on_page2);
    cr_assert_str_eq(sql_text("SELECT final_value FROM decisions WHERE review_item_id = %lld", item),
                     "ekb-2024:GGG777:2");
    /* undone, the page is as it was */
    int64_t undone = 0;
    cr_assert_eq(review_undo(q, "anna", t + 1, &undone, &err), OMR_OK, "%s", err.message);
    cr_assert_eq(undone, item);
    cr_assert_str_eq(sql_text("SELECT status || ' ' || ifnull(code, '-') || ' ' || ifnull(return_id, '-') "
                              "FROM pages WHERE id = %lld", page),
                     "rejected - -");
    cr_assert_eq(sql_int("SELECT count(*) FROM review_items WHERE page_id = %lld AND kind <> 'unmatched_page'", page),
                 0);
    cr_assert_eq(sql_int("SELECT count(*) FROM returns"), 1);
    /* a cover letter is set aside: the page stays as the scanner left it */
    review_choice letter = {.kind = REVIEW_CHOICE_NOT_FORM};
    cr_assert_eq(review_decide(q, "anna", item, &letter, t + 2, &err), OMR_OK, "%s", err.message);
    cr_assert_str_eq(sql_text("SELECT status || ' ' || reason FROM pages WHERE id = %lld", page),
                     "rejected no QR code found");
    cr_assert_eq(review_undo(q, "anna", t + 3, &undone, &err), OMR_OK, "%s", err.message);
    cr_assert_str_eq(sql_text("SELECT status || ' ' || reason FROM pages WHERE id = %lld", page),
                     "rejected no QR code found");
    cr_assert_str_eq(sql_text("SELECT group_concat(ifnull(final_value, '-'), ' ') FROM "
                              "(SELECT * FROM decisions WHERE review_item_id = %lld ORDER BY id)", item),
                     "ekb-2024:GGG777:2 - not_form -");
    review_queue_free(q);
}

/* A page matched by hand follows the ledger's one rule for joining returns
 * (ledger/returns.c, as store.c): it joins the oldest PAPER return of its
 * code that lacks its page number. A web return (omr frame web-returns: mode
 * 'web', no pages) is never completed by a scanned page: the page starts a
 * paper return of its own, flagged as a duplicate of the web one. */
Test(review_queue, a_page_matched_by_hand_never_joins_a_web_return, .init = setup, .fini = teardown) {
    sql("INSERT INTO returns(template, code, mode, created_at, flags) "
        "VALUES ('ekb-2024', 'WEB123', 'web', '2026-11-19T08:00:00Z', '')");
    long long web = sqlite3_last_insert_rowid(db);
    sql("INSERT INTO scan_files(sha256, original_name, stored_path, size, state, received_at) "
        "VALUES ('sha-webpage', 'webpage.png', 'webpage.png', 1, 'rejected', '2026-11-20T09:00:00Z')");
    long long file = sqlite3_last_insert_rowid(db);
    sql("INSERT INTO pages(file_id, file_page, status, reason) VALUES (%lld, 1, 'rejected', 'no QR code found')", file);
    long long page = sqlite3_last_insert_rowid(db);
    sql("INSERT INTO review_items(page_id, item, kind, reason, created_at) "
        "VALUES (%lld, 'page', 'unmatched_page', 'no QR code found', '2026-11-20T09:00:00Z')", page);
    long long item = sqlite3_last_insert_rowid(db);
    review_queue *q = queue();
    omr_error err;
    review_choice m = {.kind = REVIEW_CHOICE_MATCH, .value = "WEB123", .template_id = "ekb-2024", .page = 2};
    cr_assert_eq(review_decide(q, "anna", item, &m, 1790000000, &err), OMR_OK, "%s", err.message);
    long long joined = sql_int("SELECT return_id FROM pages WHERE id = %lld", page);
    cr_assert_neq(joined, web, "the scanned page joined the web return %lld", web);
    cr_assert_str_eq(sql_text("SELECT mode FROM returns WHERE id = %lld", joined), "paper");
    cr_assert_eq(sql_int("SELECT duplicate_of FROM returns WHERE id = %lld", joined), web);
    cr_assert_eq(sql_int("SELECT count(*) FROM review_items WHERE return_id = %lld AND kind = 'duplicate'", joined), 1);
    cr_assert_eq(sql_int("SELECT count(*) FROM pages WHERE return_id = %lld", web), 0);
    review_queue_free(q);
}

Test(review_queue, summary_counts_changes_by_the_machine, .init = setup, .fini = teardown) {
    long long r = add_return("HHH888", 1, NULL, 0);
    long long a = add_answer_item(r, "q1a", "5", 0.2);
    long long b = add_answer_item(r, "q1b", "4", 0.2);
    add_answer_item(r, "q1c", "4", 0.2);
    review_queue *q = queue();
    omr_error err;
    time_t now = time(NULL);
    review_choice same = {.kind = REVIEW_CHOICE_VALUE, .value = "5"}, changed = {.kind = REVIEW_CHOICE_VALUE,
                                                                                 .value = "2"};
    cr_assert_eq(review_decide(q, "anna", a, &same, now, &err), OMR_OK);
    cr_assert_eq(review_decide(q, "bert", b, &changed, now, &err), OMR_OK);
    char *js = review_summary_json(q, now, &err);
    cr_assert_not_null(js);
    cr_assert(strstr(js, "\"waiting_total\":1"), "%s", js);
    cr_assert(strstr(js, "{\"operator\":\"anna\",\"decided_today\":1,\"changed_today\":0}"), "%s", js);
    cr_assert(strstr(js, "{\"operator\":\"bert\",\"decided_today\":1,\"changed_today\":1}"), "%s", js);
    cr_assert(strstr(js, "\"decided\":2,\"changed\":1,\"share\":0.5"), "%s", js);
    free(js);
    review_queue_free(q);
}

/* ---- the scan store ----------------------------------------------------- */

Test(review_image, files_outside_the_store_are_refused, .init = setup, .fini = teardown) {
    char store[600], outside[600], link[600], inside[600];
    snprintf(store, sizeof store, "%s/store", dir);
    snprintf(outside, sizeof outside, "%s/secret.txt", dir);
    snprintf(inside, sizeof inside, "%s/store/scan.png", dir);
    FILE *f = fopen(outside, "w");
    fputs("secret", f);
    fclose(f);
    f = fopen(inside, "w");
    fputs("x", f);
    fclose(f);
    snprintf(link, sizeof link, "%s/store/link.png", dir);
    cr_assert_eq(symlink(outside, link), 0);
    const char *roots[] = {store};
    omr_error err;
    char *p = review_path_in_roots(inside, NULL, roots, 1, &err);
    cr_assert_not_null(p, "%s", err.message);
    free(p);
    p = review_path_in_roots("scan.png", store, roots, 1, &err);
    cr_assert_not_null(p, "%s", err.message);
    free(p);
    cr_assert_null(review_path_in_roots(outside, NULL, roots, 1, &err));
    cr_assert_null(review_path_in_roots("../secret.txt", store, roots, 1, &err));
    cr_assert_null(review_path_in_roots("/etc/passwd", store, roots, 1, &err));
    cr_assert_null(review_path_in_roots(link, NULL, roots, 1, &err));
    cr_assert(strstr(err.message, "outside the scan store"), "%s", err.message);
    cr_assert_null(review_path_in_roots(store, NULL, roots, 1, &err)); /* a folder */
    /* a root that is a prefix of another folder's name does not cover it */
    char sibling[600];
    snprintf(sibling, sizeof sibling, "%s/store2", dir);
    mkdir(sibling, 0755);
    snprintf(sibling, sizeof sibling, "%s/store2/x.png", dir);
    f = fopen(sibling, "w");
    fputs("x", f);
    fclose(f);
    cr_assert_null(review_path_in_roots(sibling, NULL, roots, 1, &err));
}

/* ---- the web server ----------------------------------------------------- */

static review_server *server;
static int port;

static void setup_server(void) {
    setup();
    omr_error err;
    cr_assert_eq(review_user_add(db, "anna", PASSWORD, REVIEW_ROLE_OPERATOR, NULL, &err), OMR_OK);
    cr_assert_eq(review_user_add(db, "sara", PASSWORD, REVIEW_ROLE_SUPERVISOR, NULL, &err), OMR_OK);
    char store[600];
    snprintf(store, sizeof store, "%s/store", dir);
    static char store_root[600];
    snprintf(store_root, sizeof store_root, "%s", store);
    static const char *roots[1];
    roots[0] = store_root;
    review_options o = {.db_path = db_path, .listen = "127.0.0.1:0", .store_roots = roots, .n_store_roots = 1};
    cr_assert_eq(review_server_start(&o, &server, &err), OMR_OK, "%s", err.message);
    port = review_server_port(server);
    cr_assert(port > 0);
}

static void teardown_server(void) {
    review_server_stop(server);
    teardown();
}

typedef struct {
    char cookie[160];
    char csrf[80];
} signed_in;

static signed_in login(const char *name) {
    signed_in s = {0};
    char body[256];
    snprintf(body, sizeof body, "{\"name\":\"%s\",\"password\":\"" PASSWORD "\"}", name);
    http_reply r = http(port, "POST", "/api/login", "Content-Type: application/json\r\n", body);
    cr_assert_eq(r.status, 200, "%s", r.body);
    const char *c = strstr(r.headers, "Set-Cookie: ");
    cr_assert_not_null(c);
    cr_assert(strstr(c, "HttpOnly") && strstr(c, "SameSite=Strict"), "%s", r.headers);
    snprintf(s.cookie, sizeof s.cookie, "Cookie: %.*s\r\n", (int)strcspn(c + 12, ";\r"), c + 12);
    const char *t = strstr(r.body, "\"csrf\":\"");
    cr_assert_not_null(t);
    snprintf(s.csrf, sizeof s.csrf, "%.64s", t + 8);
    reply_free(&r);
    return s;
}

Test(review_http, unauthenticated_and_cross_site_requests_change_nothing, .init = setup_server,
     .fini = teardown_server) {
    long long r = add_return("JJJ999", 1, NULL, 0);
    long long item = add_answer_item(r, "q1a", "5", 0.2);
    char body[128];
    snprintf(body, sizeof body, "{\"item\":%lld,\"choice\":\"value\",\"value\":\"1\"}", item);
    const char *json = "Content-Type: application/json\r\n";
    /* no session at all */
    http_reply x = http(port, "POST", "/api/decide", json, body);
    cr_assert_eq(x.status, 401);
    reply_free(&x);
    x = http(port, "POST", "/api/next", json, "{}");
    cr_assert_eq(x.status, 401);
    reply_free(&x);
    x = http(port, "GET", "/api/items/1", NULL, NULL);
    cr_assert_eq(x.status, 401);
    reply_free(&x);
    x = http(port, "GET", "/api/items/1/image.png", NULL, NULL);
    cr_assert_eq(x.status, 401);
    reply_free(&x);

    signed_in s = login("anna");
    char h[512];
    /* the session cookie alone is not enough: no CSRF token */
    snprintf(h, sizeof h, "%s%s", json, s.cookie);
    x = http(port, "POST", "/api/decide", h, body);
    cr_assert_eq(x.status, 403, "%d %s", x.status, x.body);
    reply_free(&x);
    /* a wrong token */
    snprintf(h, sizeof h, "%s%sX-CSRF-Token: %064d\r\n", json, s.cookie, 0);
    x = http(port, "POST", "/api/decide", h, body);
    cr_assert_eq(x.status, 403);
    reply_free(&x);
    /* the right token from another site's page */
    snprintf(h, sizeof h, "%s%sX-CSRF-Token: %s\r\nOrigin: http://evil.example\r\n", json, s.cookie, s.csrf);
    x = http(port, "POST", "/api/decide", h, body);
    cr_assert_eq(x.status, 403);
    reply_free(&x);
    snprintf(h, sizeof h, "%s%sX-CSRF-Token: %s\r\nSec-Fetch-Site: cross-site\r\n", json, s.cookie, s.csrf);
    x = http(port, "POST", "/api/decide", h, body);
    cr_assert_eq(x.status, 403);
    reply_free(&x);
    /* what an HTML form on another site can send */
    snprintf(h, sizeof h, "Content-Type: application/x-www-form-urlencoded\r\n%sX-CSRF-Token: %s\r\n", s.cookie,
             s.csrf);
    x = http(port, "POST", "/api/decide", h, "item=1&choice=value&value=1");
    cr_assert_eq(x.status, 403);
    reply_free(&x);
    snprintf(h, sizeof h, "Content-Type: text/plain\r\n%sX-CSRF-Token: %s\r\n", s.cookie, s.csrf);
    x = http(port, "POST", "/api/decide", h, body);
    cr_assert_eq(x.status, 403);
    reply_free(&x);
    /* a made-up session */
    snprintf(h, sizeof h, "%sCookie: omr_session=%064d\r\nX-CSRF-Token: %s\r\n", json, 7, s.csrf);
    x = http(port, "POST", "/api/decide", h, body);
    cr_assert_eq(x.status, 401);
    reply_free(&x);
    /* nothing changed */
    cr_assert_eq(sql_int("SELECT count(*) FROM decisions"), 0);
    cr_assert_str_eq(sql_text("SELECT value || ' ' || status FROM answers WHERE return_id = %lld", r), "5 review");
    cr_assert_str_eq(sql_text("SELECT state FROM review_items WHERE id = %lld", item), "open");

    /* the same request done properly works */
    snprintf(h, sizeof h, "%s%sX-CSRF-Token: %s\r\nOrigin: http://127.0.0.1:%d\r\nSec-Fetch-Site: same-origin\r\n",
             json, s.cookie, s.csrf, port);
    x = http(port, "POST", "/api/decide", h, body);
    cr_assert_eq(x.status, 200, "%s", x.body);
    reply_free(&x);
    cr_assert_str_eq(sql_text("SELECT value || ' ' || status || ' ' || confirmed_by FROM answers "
                              "WHERE return_id = %lld", r),
                     "1 ok anna");
    /* signed out, the cookie is dead */
    snprintf(h, sizeof h, "%s%sX-CSRF-Token: %s\r\n", json, s.cookie, s.csrf);
    x = http(port, "POST", "/api/logout", h, "{}");
    cr_assert_eq(x.status, 200);
    reply_free(&x);
    x = http(port, "POST", "/api/undo", h, "{}");
    cr_assert_eq(x.status, 401);
    reply_free(&x);
    cr_assert_str_eq(sql_text("SELECT value FROM answers WHERE return_id = %lld", r), "1");
}

static int png_is_colour(const unsigned char *data, size_t len, int *w, int *h) {
    png_image img = {.version = PNG_IMAGE_VERSION};
    if (!png_image_begin_read_from_memory(&img, data, len))
        return -1;
    img.format = PNG_FORMAT_RGB;
    unsigned char *px = malloc(PNG_IMAGE_SIZE(img));
    if (!png_image_finish_read(&img, NULL, px, 0, NULL)) {
        free(px);
        return -1;
    }
    *w = (int)img.width;
    *h = (int)img.height;
    int colour = 0;
    for (size_t i = 0; i + 2 < PNG_IMAGE_SIZE(img); i += 3)
        if (px[i] != px[i + 1] || px[i + 1] != px[i + 2])
            colour++;
    free(px);
    return colour;
}

/* Pixels of exactly this colour in a PNG. */
static int png_count_colour(const unsigned char *data, size_t len, unsigned r, unsigned g, unsigned b) {
    png_image img = {.version = PNG_IMAGE_VERSION};
    if (!png_image_begin_read_from_memory(&img, data, len))
        return -1;
    img.format = PNG_FORMAT_RGB;
    unsigned char *px = malloc(PNG_IMAGE_SIZE(img));
    if (!png_image_finish_read(&img, NULL, px, 0, NULL)) {
        free(px);
        return -1;
    }
    int n = 0;
    for (size_t i = 0; i + 2 < PNG_IMAGE_SIZE(img); i += 3)
        n += px[i] == r && px[i + 1] == g && px[i + 2] == b;
    free(px);
    return n;
}

Test(review_http, crops_come_from_the_scan_store_only, .init = setup_server, .fini = teardown_server) {
    static const char *const marks[] = {"q1a", "4"};
    long long r = add_return("KKK123", 1, marks, 2);
    long long item = add_answer_item(r, "q1a", "4", 0.4);
    sql("INSERT INTO marks(page_id, question, value, fill, extent, near_mm2, decision, confidence) "
        "SELECT id, 'q1a', '4', 0.3, 0.8, 0, 'marked', 0.9 FROM pages WHERE return_id = %lld", r);
    signed_in s = login("anna");
    char path[64];
    snprintf(path, sizeof path, "/api/items/%lld/image.png", item);
    http_reply x = http(port, "GET", path, s.cookie, NULL);
    cr_assert_eq(x.status, 200, "%s", x.body);
    cr_assert(strstr(x.headers, "Content-Type: image/png"), "%s", x.headers);
    int w = 0, h = 0;
    int colour = png_is_colour((unsigned char *)x.body, x.body_len, &w, &h);
    cr_assert(colour > 100, "outlines drawn in colour (%d px)", colour);
    /* states by shape and AA colour: the marked box solid blue #0050C8 with a
     * filled corner, the four unmarked ones dotted magenta #A0005F (a dotted
     * outline: about half the pixels of a solid one), nothing in the old
     * orange #EB6E00 (2.9:1) */
    int blue = png_count_colour((unsigned char *)x.body, x.body_len, 0x00, 0x50, 0xC8);
    int magenta = png_count_colour((unsigned char *)x.body, x.body_len, 0xA0, 0x00, 0x5F);
    cr_assert(blue > 0 && magenta > 0, "blue %d magenta %d", blue, magenta);
    cr_assert(magenta / 4 < blue, "a dotted blank outline has fewer pixels than a solid marked one: %d vs %d", magenta / 4,
              blue);
    cr_assert_eq(png_count_colour((unsigned char *)x.body, x.body_len, 0xEB, 0x6E, 0x00), 0);
    /* the region: the question's text and its five boxes, at 7 px/mm */
    cr_assert(w > 100 * 7 && w < 210 * 7 && h > 10 * 7 && h < 60 * 7, "%d x %d", w, h);
    reply_free(&x);

    /* the ledger points outside the store: refused, and nothing of the file is sent */
    char secret[600];
    snprintf(secret, sizeof secret, "%s/secret.png", dir);
    char cmd[1400];
    snprintf(cmd, sizeof cmd, "cp '%s/store/KKK123-p1.png' '%s'", dir, secret);
    cr_assert_eq(system(cmd), 0);
    const char *bad[] = {secret, "../secret.png", "/etc/passwd", "link.png"};
    char link[600];
    snprintf(link, sizeof link, "%s/store/link.png", dir);
    cr_assert_eq(symlink(secret, link), 0);
    char here[1024];
    cr_assert_not_null(getcwd(here, sizeof here));
    char store[600];
    snprintf(store, sizeof store, "%s/store", dir);
    cr_assert_eq(chdir(store), 0); /* relative names are taken from the working folder */
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        sql("UPDATE scan_files SET stored_path = '%q'", bad[i]);
        x = http(port, "GET", path, s.cookie, NULL);
        cr_assert_eq(x.status, 403, "%s: %d", bad[i], x.status);
        cr_assert(strstr(x.headers, "application/json"), "%s", x.headers);
        cr_assert_null(memmem(x.body, x.body_len, "\x89PNG", 4));
        reply_free(&x);
    }
    cr_assert_eq(chdir(here), 0);
    /* and a comment crop path is checked the same way */
    sql("INSERT INTO texts(return_id, field, machine_text, crop_path, status) VALUES (%lld, 'comment', 'x', "
        "'../../secret.png', 'review')", r);
    sql("INSERT INTO review_items(return_id, item, kind, reason, created_at) VALUES (%lld, 'comment', 'text', 'ocr', "
        "'2026-11-20T08:00:00Z')", r);
    snprintf(path, sizeof path, "/api/items/%lld/image.png", (long long)sqlite3_last_insert_rowid(db));
    x = http(port, "GET", path, s.cookie, NULL);
    cr_assert_eq(x.status, 403);
    reply_free(&x);
}

/* `omr review --out OUT --store ARCHIVE`: the comment crops under OUT are
 * served although OUT is not among the --store folders, and the server names
 * every folder it serves. */
Test(review_http, comment_crops_under_out_are_served_with_store, .init = setup, .fini = teardown) {
    omr_error err;
    cr_assert_eq(review_user_add(db, "anna", PASSWORD, REVIEW_ROLE_OPERATOR, NULL, &err), OMR_OK);
    char out[600], comments[640], archive[600], crop[700];
    snprintf(out, sizeof out, "%s/out", dir);
    snprintf(comments, sizeof comments, "%s/comments", out);
    snprintf(archive, sizeof archive, "%s/archive", dir);
    cr_assert_eq(mkdir(out, 0755), 0);
    cr_assert_eq(mkdir(comments, 0755), 0);
    cr_assert_eq(mkdir(archive, 0755), 0);
    long long r = add_return("MMM789", 2, NULL, 0);
    omr_image *img = render_page_image(tmpl, "MMM789", 2, DPI, &err);
    cr_assert_not_null(img);
    snprintf(crop, sizeof crop, "%s/MMM789-comment.png", comments);
    cr_assert_eq(encode_png(img, crop, &err), OMR_OK, "%s", err.message);
    omr_image_free(img);
    sql("INSERT INTO texts(return_id, field, machine_text, crop_path, status) VALUES (%lld, 'comment', 'x', "
        "'comments/MMM789-comment.png', 'review')", r);
    sql("INSERT INTO review_items(return_id, item, kind, reason, created_at) VALUES (%lld, 'comment', 'text', 'ocr', "
        "'2026-11-20T08:00:00Z')", r);
    long long item = sqlite3_last_insert_rowid(db);
    const char *roots[] = {archive};
    review_options o = {.db_path = db_path, .listen = "127.0.0.1:0", .out_dir = out, .store_roots = roots,
                        .n_store_roots = 1};
    cr_assert_eq(review_server_start(&o, &server, &err), OMR_OK, "%s", err.message);
    port = review_server_port(server);
    const char *const *served = NULL;
    size_t n = review_server_roots(server, &served);
    cr_assert_eq(n, 2);
    cr_assert_str_eq(served[0], archive);
    cr_assert_str_eq(served[1], out);
    signed_in s = login("anna");
    char path[64];
    snprintf(path, sizeof path, "/api/items/%lld/image.png", item);
    http_reply x = http(port, "GET", path, s.cookie, NULL);
    cr_assert_eq(x.status, 200, "%d %s", x.status, x.body);
    cr_assert_not_null(memmem(x.body, x.body_len, "\x89PNG", 4));
    reply_free(&x);
    review_server_stop(server);
}

/* A duplicate return: the first return's paper is served beside the new one
 * (/api/items/N/first.png), and the item names it. */
Test(review_http, a_duplicate_shows_the_first_returns_paper, .init = setup_server, .fini = teardown_server) {
    long long first = add_return("NNN321", 1, NULL, 0);
    static const char *const marks[] = {"q1a", "2"};
    long long again = add_return("NNX321", 1, marks, 2); /* another paper, made into the second return */
    sql("UPDATE returns SET code = 'NNN321', duplicate_of = %lld WHERE id = %lld", first, again);
    sql("INSERT INTO review_items(return_id, item, kind, reason, created_at) VALUES (%lld, 'duplicate', 'duplicate', "
        "'a second paper return', '2026-11-21T08:00:00Z')", again);
    long long item = sqlite3_last_insert_rowid(db);
    signed_in s = login("anna");
    char path[64];
    snprintf(path, sizeof path, "/api/items/%lld", item);
    http_reply x = http(port, "GET", path, s.cookie, NULL);
    cr_assert_eq(x.status, 200, "%s", x.body);
    char want[96];
    snprintf(want, sizeof want, "\"first_image\":\"/api/items/%lld/first.png\"", item);
    cr_assert(strstr(x.body, want), "%s", x.body);
    reply_free(&x);
    snprintf(path, sizeof path, "/api/items/%lld/first.png", item);
    x = http(port, "GET", path, s.cookie, NULL);
    cr_assert_eq(x.status, 200, "%d %s", x.status, x.body);
    int w = 0, h = 0;
    cr_assert(png_is_colour((unsigned char *)x.body, x.body_len, &w, &h) > 0);
    /* the first paper is not the new one's (another scan, another printed code) */
    snprintf(path, sizeof path, "/api/items/%lld/image.png", item);
    http_reply y = http(port, "GET", path, s.cookie, NULL);
    cr_assert_eq(y.status, 200);
    cr_assert(x.body_len != y.body_len || memcmp(x.body, y.body, x.body_len) != 0);
    reply_free(&x);
    reply_free(&y);
    /* an item of another kind has no first paper */
    long long answer = add_answer_item(first, "q1a", "4", 0.3);
    snprintf(path, sizeof path, "/api/items/%lld/first.png", answer);
    x = http(port, "GET", path, s.cookie, NULL);
    cr_assert_eq(x.status, 404, "%d", x.status);
    reply_free(&x);
}

/* A page set aside because its code belongs to another questionnaire: the item
 * says which template and code were read, so it is not matched by hand under
 * a wrong form. */
Test(review_http, a_page_of_another_questionnaire_names_what_was_read, .init = setup_server, .fini = teardown_server) {
    char tmpl_id[64], code[32];
    int page = -1;
    cr_assert(review_reason_read_code("page of questionnaire \"bib-2025\" (code QQ7R4T2K), which is not among the "
                                      "templates this scan was started with",
                                      tmpl_id, sizeof tmpl_id, code, sizeof code, &page));
    cr_assert_str_eq(tmpl_id, "bib-2025");
    cr_assert_str_eq(code, "QQ7R4T2K");
    cr_assert_eq(page, 0);
    cr_assert(review_reason_read_code("the code on this page reads \"OMR1:bib-2025:AB12CD:2:X\", which is none of",
                                      tmpl_id, sizeof tmpl_id, code, sizeof code, &page));
    cr_assert_str_eq(tmpl_id, "bib-2025");
    cr_assert_str_eq(code, "AB12CD");
    cr_assert_eq(page, 2);
    cr_assert_not(review_reason_read_code("no QR code found in any corner", tmpl_id, sizeof tmpl_id, code,
                                          sizeof code, &page));
    add_return("PPP111", 1, NULL, 0);
    sql("INSERT INTO scan_files(sha256, original_name, stored_path, size, state, received_at) VALUES ('sha-bib', "
        "'bib.png', '%q/store/PPP111-p1.png', 1, 'rejected', '2026-11-20T09:00:00Z')", dir);
    sql("INSERT INTO pages(file_id, file_page, status, reason) VALUES (last_insert_rowid(), 1, 'rejected', "
        "'page of questionnaire \"bib-2025\" (code QQ7R4T2K), which is not among the templates this scan was "
        "started with')");
    sql("INSERT INTO review_items(page_id, item, kind, reason, created_at) VALUES (last_insert_rowid(), 'page', "
        "'unmatched_page', 'another questionnaire', '2026-11-20T09:00:00Z')");
    long long item = sqlite3_last_insert_rowid(db);
    signed_in s = login("anna");
    char path[64];
    snprintf(path, sizeof path, "/api/items/%lld", item);
    http_reply x = http(port, "GET", path, s.cookie, NULL);
    cr_assert_eq(x.status, 200, "%s", x.body);
    cr_assert(strstr(x.body, "\"read_template\":\"bib-2025\"") && strstr(x.body, "\"read_code\":\"QQ7R4T2K\""), "%s",
              x.body);
    reply_free(&x);
}

/* The page's language: --lang for every browser, else Accept-Language. */
Test(review_http, the_page_speaks_swedish_or_english, .init = setup_server, .fini = teardown_server) {
    cr_assert_str_eq(review_choose_lang("sv-SE,sv;q=0.9,en-US;q=0.8,en;q=0.7"), "sv");
    cr_assert_str_eq(review_choose_lang("en-GB,en;q=0.9,sv;q=0.8"), "en");
    cr_assert_str_eq(review_choose_lang("de-DE,sv;q=0.5,en;q=0.4"), "sv");
    cr_assert_str_eq(review_choose_lang("en;q=0.2, SV;q=0.6"), "sv");
    cr_assert_str_eq(review_choose_lang("de-DE"), "en");
    cr_assert_str_eq(review_choose_lang(NULL), "en");
    cr_assert_str_eq(review_choose_lang("svx,sv;q=0"), "en");
    http_reply x = http(port, "GET", "/api/lang", "Accept-Language: sv-SE,sv;q=0.9,en;q=0.8\r\n", NULL);
    cr_assert_eq(x.status, 200);
    cr_assert(strstr(x.body, "\"lang\":\"sv\""), "%s", x.body);
    reply_free(&x);
    x = http(port, "GET", "/api/lang", "Accept-Language: en-US\r\n", NULL);
    cr_assert(strstr(x.body, "\"lang\":\"en\""), "%s", x.body);
    reply_free(&x);
    /* --lang sv holds for every browser; anything else is refused */
    review_server *sv = NULL;
    omr_error err;
    review_options o = {.db_path = db_path, .listen = "127.0.0.1:0", .lang = "sv"};
    cr_assert_eq(review_server_start(&o, &sv, &err), OMR_OK, "%s", err.message);
    x = http(review_server_port(sv), "GET", "/api/lang", "Accept-Language: en-US\r\n", NULL);
    cr_assert(strstr(x.body, "\"lang\":\"sv\""), "%s", x.body);
    reply_free(&x);
    review_server_stop(sv);
    o.lang = "de";
    cr_assert_eq(review_server_start(&o, &sv, &err), OMR_ERR_INVALID);
    /* the page carries both languages */
    cr_assert(strstr(review_page_js, "'nav.queue': 'Kö'") && strstr(review_page_js, "'nav.queue': 'Queue'"));
}

Test(review_http, html_in_a_comment_stays_text, .init = setup_server, .fini = teardown_server) {
    long long r = add_return("LLL456", 2, NULL, 0);
    sql("INSERT INTO texts(return_id, field, text, machine_text, confidence, status) VALUES (%lld, 'comment', "
        "'<script>alert(1)</script><img src=x onerror=alert(2)>', "
        "'<script>alert(1)</script><img src=x onerror=alert(2)>', 30, 'review')", r);
    sql("INSERT INTO review_items(return_id, item, kind, reason, created_at) VALUES (%lld, 'comment', 'text', "
        "'<b>ocr</b>', '2026-11-20T08:00:00Z')", r);
    signed_in s = login("anna");
    char h[512];
    snprintf(h, sizeof h, "Content-Type: application/json\r\n%sX-CSRF-Token: %s\r\n", s.cookie, s.csrf);
    http_reply x = http(port, "POST", "/api/next", h, "{}");
    cr_assert_eq(x.status, 200);
    /* served as JSON (never HTML), with the markup inside a JSON string */
    cr_assert(strstr(x.headers, "Content-Type: application/json"), "%s", x.headers);
    cr_assert(strstr(x.headers, "X-Content-Type-Options: nosniff"));
    cr_assert(strstr(x.body, "\"machine_text\":\"<script>alert(1)</script>"), "%s", x.body);
    reply_free(&x);
    /* the page allows no inline script and puts data in only as text */
    x = http(port, "GET", "/", NULL, NULL);
    cr_assert_eq(x.status, 200);
    cr_assert(strstr(x.headers, "Content-Security-Policy: default-src 'none'; script-src 'self';"), "%s", x.headers);
    cr_assert_null(strstr(x.body, "<script>"), "no inline script");
    reply_free(&x);
    cr_assert_null(strstr(review_page_js, "innerHTML"));
    cr_assert_null(strstr(review_page_js, "outerHTML"));
    cr_assert_null(strstr(review_page_js, "insertAdjacentHTML"));
    cr_assert_null(strstr(review_page_js, "document.write"));
    cr_assert_null(strstr(review_page_js, "eval("));
}

Test(review_http, summary_is_for_supervisors, .init = setup_server, .fini = teardown_server) {
    signed_in a = login("anna"), s = login("sara");
    http_reply x = http(port, "GET", "/api/summary", a.cookie, NULL);
    cr_assert_eq(x.status, 403);
    reply_free(&x);
    x = http(port, "GET", "/api/summary", s.cookie, NULL);
    cr_assert_eq(x.status, 200);
    cr_assert(strstr(x.body, "\"machine_changed\""), "%s", x.body);
    reply_free(&x);
}

/* ---- the embedded page -------------------------------------------------- */

static char *slurp(const char *path) {
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "%s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    cr_assert_eq(fread(s, 1, (size_t)n, f), (size_t)n);
    s[n] = 0;
    fclose(f);
    return s;
}

Test(review_page, compiled_page_matches_its_sources) {
    static const struct {
        const char *path;
        const char *compiled;
    } files[] = {{"scanner/review/review_web/index.html", review_page_html},
                 {"scanner/review/review_web/app.js", review_page_js},
                 {"scanner/review/review_web/app.css", review_page_css}};
    for (size_t i = 0; i < 3; i++) {
        char *src = slurp(files[i].path);
        cr_assert_str_eq(files[i].compiled, src, "%s changed: run scanner/review/review_web/embed.sh", files[i].path);
        free(src);
    }
}
