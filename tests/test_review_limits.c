/*
 * test_review_limits.c — the review server under abuse, over loopback only:
 * one client holding hundreds of idle connections and slow requests does not
 * lock out a signed-in operator; idle connections and dribbled request bodies
 * are cut off; only this server's host names are answered (DNS rebinding);
 * sign-in is throttled per (address, name), behind a trusted proxy by the
 * address it forwards; every answer of ours, errors included, carries the
 * security headers; signing in purges expired sessions. Every load here is
 * bounded in count and time and stops by itself.
 */
#include <sqlite3.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <sys/stat.h>
#include <time.h>

#include "helpers.h"
#include "review_client.h"
#include "review/review.h"
#include "review/review_users.h"
#include "ledger/store.h"

#define PASSWORD "correct horse battery"
#define JSON "Content-Type: application/json\r\n"

static char *dir;
static sqlite3 *db;
static char db_path[512];
static review_server *server;
static int port;

static long long count(const char *fmt, ...) {
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

static void setup(void) {
    dir = test_tempdir();
    snprintf(db_path, sizeof db_path, "%s/omr.db", dir);
    omr_error err;
    cr_assert_eq(store_open(db_path, &db, &err), OMR_OK, "%s", err.message);
    cr_assert_eq(review_open(db, &err), OMR_OK, "%s", err.message);
    cr_assert_eq(review_user_add(db, "anna", PASSWORD, REVIEW_ROLE_OPERATOR, NULL, &err), OMR_OK);
    cr_assert_eq(review_user_add(db, "sara", PASSWORD, REVIEW_ROLE_SUPERVISOR, NULL, &err), OMR_OK);
}

/* Starts the server over the ledger with `o`'s limits (NULL: the defaults). */
static void start(review_options *o) {
    review_options d = {0};
    if (!o)
        o = &d;
    o->db_path = db_path;
    o->listen = "127.0.0.1:0";
    omr_error err;
    cr_assert_eq(review_server_start(o, &server, &err), OMR_OK, "%s", err.message);
    port = review_server_port(server);
    cr_assert(port > 0);
}

static void teardown(void) {
    review_server_stop(server);
    server = NULL;
    store_close(db);
    rm_rf(dir);
}

typedef struct {
    char cookie[160];
} signed_in;

static signed_in login_from(const char *src, const char *name) {
    signed_in s = {0};
    char body[256];
    snprintf(body, sizeof body, "{\"name\":\"%s\",\"password\":\"" PASSWORD "\"}", name);
    http_reply r = http_from(src, port, "POST", "/api/login", NULL, JSON, body);
    cr_assert_eq(r.status, 200, "%s signing in from %s: %d %s", name, src ? src : "127.0.0.1", r.status, r.body);
    const char *c = strstr(r.headers, "Set-Cookie: ");
    cr_assert_not_null(c);
    snprintf(s.cookie, sizeof s.cookie, "Cookie: %.*s\r\n", (int)strcspn(c + 12, ";\r"), c + 12);
    reply_free(&r);
    return s;
}

/* 1 when the server has closed the connection (EOF or reset); waits at most
 * `ms` for it. */
static int closed_by_server(int fd, int ms) {
    struct pollfd p = {.fd = fd, .events = POLLIN};
    if (poll(&p, 1, ms) <= 0)
        return 0;
    char c;
    ssize_t n = recv(fd, &c, 1, MSG_DONTWAIT | MSG_PEEK);
    return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
}

static void assert_security_headers(const http_reply *r) {
    cr_assert_not_null(strstr(r->headers, "Content-Security-Policy: default-src 'none'"), "%d: %s", r->status,
                       r->headers);
    cr_assert_not_null(strstr(r->headers, "X-Content-Type-Options: nosniff"), "%d: %s", r->status, r->headers);
    cr_assert_not_null(strstr(r->headers, "X-Frame-Options: DENY"), "%d: %s", r->status, r->headers);
    cr_assert_not_null(strstr(r->headers, "Cache-Control: no-store"), "%d: %s", r->status, r->headers);
}

/* ---- connections -------------------------------------------------------- */

#define HOGS 300  /* idle connections the one client opens */
#define SLOW 40   /* of them, requests left unfinished */

Test(review_limits, one_client_with_hundreds_of_connections_does_not_lock_out_an_operator, .init = setup,
     .fini = teardown, .timeout = 240) {
    start(NULL);
    signed_in anna = login_from(NULL, "anna");
    /* one client (127.0.0.2) opens HOGS connections and dribbles SLOW requests */
    int hogs[HOGS];
    for (int i = 0; i < HOGS; i++) {
        hogs[i] = http_connect("127.0.0.2", port);
        cr_assert(hogs[i] >= 0, "connection %d refused by the kernel", i);
    }
    static const char partial[] = "GET /api/me HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ";
    for (int i = 0; i < SLOW; i++)
        send(hogs[i], partial, sizeof partial - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
    /* the operator is served, again and again */
    char h[256];
    snprintf(h, sizeof h, "%s", anna.cookie);
    for (int i = 0; i < 20; i++) {
        http_reply r = http_from(NULL, port, "GET", "/api/me", NULL, h, NULL);
        cr_assert_eq(r.status, 200, "request %d of the operator: %d %s", i, r.status, r.body);
        cr_assert_not_null(strstr(r.body, "\"anna\""));
        reply_free(&r);
    }
    http_reply page = http(port, "GET", "/", NULL, NULL);
    cr_assert_eq(page.status, 200);
    reply_free(&page);
    /* a supervisor can still sign in */
    login_from("127.0.0.1", "sara");
    /* the one client keeps at most its share; the rest were closed (within a
     * generous 60 s) */
    int open = HOGS;
    time_t until = time(NULL) + 60;
    char gone[HOGS] = {0};
    while (open > REVIEW_DEFAULT_PER_ADDRESS && time(NULL) < until) {
        open = 0;
        for (int i = 0; i < HOGS; i++) {
            if (!gone[i])
                gone[i] = (char)closed_by_server(hogs[i], 0);
            open += !gone[i];
        }
        if (open > REVIEW_DEFAULT_PER_ADDRESS)
            usleep(100 * 1000);
    }
    cr_log_info("%d of %d connections from one client kept open by the server", open, HOGS);
    cr_assert_leq(open, REVIEW_DEFAULT_PER_ADDRESS);
    for (int i = 0; i < HOGS; i++)
        close(hogs[i]);
}

Test(review_limits, idle_connections_are_closed, .init = setup, .fini = teardown, .timeout = 120) {
    review_options o = {.connection_timeout_seconds = 1};
    start(&o);
    int idle = http_connect(NULL, port);
    int half = http_connect(NULL, port);
    cr_assert(idle >= 0 && half >= 0);
    static const char partial[] = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n";
    cr_assert_eq(send(half, partial, sizeof partial - 1, MSG_NOSIGNAL), (ssize_t)sizeof partial - 1);
    /* a second of silence is enough; allow far more under load */
    cr_assert(closed_by_server(idle, 30000), "an idle connection stayed open");
    cr_assert(closed_by_server(half, 30000), "a half-sent request stayed open");
    close(idle);
    close(half);
}

Test(review_limits, a_dribbled_request_body_is_cut_off, .init = setup, .fini = teardown, .timeout = 120) {
    review_options o = {.request_seconds = 2};
    start(&o);
    int fd = http_connect(NULL, port);
    cr_assert(fd >= 0);
    char head[256];
    int n = snprintf(head, sizeof head,
                     "POST /api/login HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n" JSON "Content-Length: 1000\r\n\r\n{", port);
    cr_assert_eq(send(fd, head, (size_t)n, MSG_NOSIGNAL), n);
    /* one byte every half second: never idle, never done */
    int sent = 0, cut = 0;
    for (; sent < 200 && !cut; sent++) {
        if (send(fd, " ", 1, MSG_NOSIGNAL) != 1)
            cut = 1;
        else
            cut = closed_by_server(fd, 500);
    }
    cr_log_info("the server cut the request off after %d bytes", sent);
    cr_assert(cut, "a request dribbled in for %d s was still being read", sent / 2);
    close(fd);
}

Test(review_limits, dribbled_request_headers_are_cut_off, .init = setup, .fini = teardown, .timeout = 120) {
    review_options o = {.request_seconds = 2};
    start(&o);
    int fd = http_connect(NULL, port);
    cr_assert(fd >= 0);
    static const char head[] = "GET /api/me HTTP/1.1\r\nHost: 127.0.0.1\r\n";
    cr_assert_eq(send(fd, head, sizeof head - 1, MSG_NOSIGNAL), (ssize_t)sizeof head - 1);
    /* a header line a byte every half second: never idle, never done */
    int sent = 0, cut = 0;
    for (; sent < 200 && !cut; sent++) {
        if (send(fd, "X", 1, MSG_NOSIGNAL) != 1)
            cut = 1;
        else
            cut = closed_by_server(fd, 500);
    }
    cr_log_info("the server cut the headers off after %d bytes", sent);
    cr_assert(cut, "headers dribbled in for %d s were still being read", sent / 2);
    close(fd);
    /* a keep-alive connection that answered quickly is not cut: it may wait
     * for its next request while it is not idle too long */
    fd = http_connect(NULL, port);
    char req[128];
    int n = snprintf(req, sizeof req, "GET / HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n\r\n", port);
    cr_assert_eq(send(fd, req, (size_t)n, MSG_NOSIGNAL), n);
    char buf[4096];
    cr_assert_gt(recv(fd, buf, sizeof buf, 0), 0);
    close(fd);
}

/* ---- host names --------------------------------------------------------- */

Test(review_limits, only_this_servers_host_names_are_answered, .init = setup, .fini = teardown) {
    static const char *const hosts[] = {"omr.example.org"};
    review_options o = {.hosts = hosts, .n_hosts = 1};
    start(&o);
    char with_port[64];
    snprintf(with_port, sizeof with_port, "localhost:%d", port);
    const char *ours[] = {"127.0.0.1", with_port, "localhost", "[::1]:8080", "10.1.2.3:8080", "omr.example.org",
                          "OMR.Example.Org:443", "omr.example.org."};
    for (size_t i = 0; i < sizeof ours / sizeof ours[0]; i++) {
        http_reply r = http_from(NULL, port, "GET", "/", ours[i], NULL, NULL);
        cr_assert_eq(r.status, 200, "Host: %s answered %d", ours[i], r.status);
        reply_free(&r);
    }
    /* a name an attacker's DNS points at this machine */
    const char *theirs[] = {"evil.example", "evil.example:8080", "127.0.0.1.evil.example", "omr.example.org.evil",
                            "[::1", ""};
    for (size_t i = 0; i < sizeof theirs / sizeof theirs[0]; i++) {
        http_reply r = http_from(NULL, port, "GET", "/", theirs[i], NULL, NULL);
        cr_assert(r.status == 421 || (r.status == 400 && !theirs[i][0]), "Host: %s answered %d", theirs[i],
                  r.status);
        if (r.status == 421) {
            assert_security_headers(&r);
            cr_assert_null(strstr(r.body, "<html"));
        }
        reply_free(&r);
    }
    /* nor can it sign in through such a name */
    http_reply r = http_from(NULL, port, "POST", "/api/login", "evil.example:8080",
                             JSON "Origin: http://evil.example:8080\r\n",
                             "{\"name\":\"anna\",\"password\":\"" PASSWORD "\"}");
    cr_assert_eq(r.status, 421);
    cr_assert_null(strstr(r.headers, "Set-Cookie"));
    reply_free(&r);
    cr_assert_eq(count("SELECT count(*) FROM review_sessions"), 0);
    cr_assert_eq(count("SELECT count(*) FROM review_login_attempts"), 0);
}

Test(review_limits, a_host_option_that_is_no_name_is_refused, .init = setup, .fini = teardown) {
    static const char *const bad[] = {"omr.example.org:8080"};
    review_options o = {.db_path = db_path, .listen = "127.0.0.1:0", .hosts = bad, .n_hosts = 1};
    omr_error err;
    cr_assert_eq(review_server_start(&o, &server, &err), OMR_ERR_INVALID);
    cr_assert(strstr(err.message, "--host"), "%s", err.message);
    static const char *const proxy[] = {"proxy.example"};
    review_options p = {.db_path = db_path, .listen = "127.0.0.1:0", .trusted_proxies = proxy,
                        .n_trusted_proxies = 1};
    cr_assert_eq(review_server_start(&p, &server, &err), OMR_ERR_INVALID);
    cr_assert(strstr(err.message, "--trusted-proxy"), "%s", err.message);
    server = NULL;
}

/* ---- our headers on every answer ---------------------------------------- */

Test(review_limits, errors_carry_the_security_headers, .init = setup, .fini = teardown) {
    start(NULL);
    struct {
        const char *method, *path, *host, *headers, *body;
        int status;
    } cases[] = {
        {"GET", "/", NULL, NULL, NULL, 200},
        {"GET", "/nothing-here", NULL, NULL, NULL, 404},
        {"PUT", "/", NULL, NULL, NULL, 405},
        {"DELETE", "/api/items/1", NULL, NULL, NULL, 405},
        {"GET", "/api/me", NULL, NULL, NULL, 401},
        {"GET", "/", "evil.example", NULL, NULL, 421},
        {"POST", "/api/login", NULL, JSON, "not json", 400},
        {"POST", "/api/login", NULL, "Content-Type: text/plain\r\n", "{}", 403},
        {"POST", "/api/login", NULL, JSON, "{\"name\":\"anna\",\"password\":\"guess\"}", 401},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        http_reply r = http_from(NULL, port, cases[i].method, cases[i].path, cases[i].host, cases[i].headers,
                                 cases[i].body);
        cr_assert_eq(r.status, cases[i].status, "%s %s: %d %s", cases[i].method, cases[i].path, r.status, r.body);
        assert_security_headers(&r);
        reply_free(&r);
    }
}

/* ---- sign-in ------------------------------------------------------------ */

/* Wrong passwords for `name` from `src` until the server says 429 (the few
 * free failures, then a growing delay); returns how many were answered 401. */
static int fail_until_throttled(const char *src, const char *extra, const char *name) {
    char body[128], headers[256];
    snprintf(body, sizeof body, "{\"name\":\"%s\",\"password\":\"guess\"}", name);
    snprintf(headers, sizeof headers, JSON "%s", extra ? extra : "");
    for (int i = 0; i < REVIEW_LOGIN_FREE_FAILURES + 12; i++) {
        http_reply r = http_from(src, port, "POST", "/api/login", NULL, headers, body);
        int status = r.status;
        if (status == 429) {
            cr_assert_not_null(strstr(r.headers, "Retry-After: "));
            assert_security_headers(&r);
        }
        cr_assert_null(strstr(r.headers, "Set-Cookie"));
        reply_free(&r);
        if (status == 429)
            return i;
        cr_assert_eq(status, 401);
    }
    cr_assert_fail("never throttled");
    return -1;
}

Test(review_limits, sign_in_is_throttled_per_address_and_name, .init = setup, .fini = teardown) {
    start(NULL);
    int failures = fail_until_throttled("127.0.0.1", NULL, "anna");
    cr_assert_geq(failures, REVIEW_LOGIN_FREE_FAILURES);
    /* anna's right password from here waits too ... */
    http_reply r = http_from(NULL, port, "POST", "/api/login", NULL, JSON,
                             "{\"name\":\"anna\",\"password\":\"" PASSWORD "\"}");
    cr_assert(r.status == 429 || r.status == 200, "%d", r.status);
    reply_free(&r);
    /* ... but not anna at her own desk, nor sara at this one */
    login_from("127.0.0.2", "anna");
    login_from("127.0.0.1", "sara");
}

Test(review_limits, behind_a_trusted_proxy_the_forwarded_address_counts, .init = setup, .fini = teardown) {
    static const char *const proxies[] = {"127.0.0.5"};
    review_options o = {.trusted_proxies = proxies, .n_trusted_proxies = 1};
    start(&o);
    /* the client's own X-Forwarded-For entries come first; the proxy's last */
    fail_until_throttled("127.0.0.5", "X-Forwarded-For: 6.6.6.6, 10.1.1.1\r\n", "anna");
    cr_assert_eq(count("SELECT count(*) FROM review_login_attempts WHERE address <> '10.1.1.1'"), 0);
    /* another office desk behind the same proxy signs in as anna */
    http_reply r = http_from("127.0.0.5", port, "POST", "/api/login", NULL,
                             JSON "X-Forwarded-For: 10.1.1.2\r\n", "{\"name\":\"anna\",\"password\":\"" PASSWORD "\"}");
    cr_assert_eq(r.status, 200, "%d %s", r.status, r.body);
    reply_free(&r);
    /* from anywhere else, X-Forwarded-For is not believed */
    r = http_from("127.0.0.6", port, "POST", "/api/login", NULL, JSON "X-Forwarded-For: 10.1.1.2\r\n",
                  "{\"name\":\"sara\",\"password\":\"guess\"}");
    cr_assert_eq(r.status, 401);
    reply_free(&r);
    cr_assert_eq(count("SELECT count(*) FROM review_login_attempts WHERE operator = 'sara' AND address = "
                       "'127.0.0.6'"),
                 1);
}

static void add_expired_sessions(void) {
    cr_assert_eq(sqlite3_exec(db,
                              "INSERT INTO review_sessions(token_hash, operator, csrf, created_at, last_seen) "
                              "VALUES ('old-idle', 'anna', 'x', strftime('%s','now') - 3600, "
                              "                                 strftime('%s','now') - 3600),"
                              "       ('old-open', 'anna', 'x', strftime('%s','now') - 13 * 3600, "
                              "                                 strftime('%s','now'))",
                              NULL, NULL, NULL),
                 SQLITE_OK);
    cr_assert_eq(count("SELECT count(*) FROM review_sessions WHERE token_hash LIKE 'old-%%'"), 2);
}

Test(review_limits, expired_sessions_are_purged, .init = setup, .fini = teardown, .timeout = 120) {
    /* by the server on its own, though nobody uses the page (within a
     * generous 30 s; it does so at start and once a minute) */
    add_expired_sessions();
    start(NULL);
    time_t until = time(NULL) + 30;
    while (count("SELECT count(*) FROM review_sessions WHERE token_hash LIKE 'old-%%'") > 0 && time(NULL) < until)
        usleep(100 * 1000);
    cr_assert_eq(count("SELECT count(*) FROM review_sessions WHERE token_hash LIKE 'old-%%'"), 0);
    /* and at each sign-in */
    add_expired_sessions();
    login_from(NULL, "sara");
    cr_assert_eq(count("SELECT count(*) FROM review_sessions WHERE token_hash LIKE 'old-%%'"), 0);
    cr_assert_eq(count("SELECT count(*) FROM review_sessions"), 1);
}

/* Attackers hammering sign-in (bounded: ATTACKS each) while an operator works. */
#define ATTACKERS 4
#define ATTACKS 25

static void *attack(void *arg) {
    int id = (int)(intptr_t)arg;
    for (int i = 0; i < ATTACKS; i++) {
        char body[128];
        snprintf(body, sizeof body, "{\"name\":\"guess%d-%d\",\"password\":\"guess%d\"}", id, i, i);
        http_reply r = http_from("127.0.0.3", port, "POST", "/api/login", NULL, JSON, body);
        reply_free(&r);
    }
    return NULL;
}

Test(review_limits, attackers_signing_in_do_not_hold_up_the_page, .init = setup, .fini = teardown,
     .timeout = 240) {
    start(NULL);
    signed_in anna = login_from(NULL, "anna");
    pthread_t t[ATTACKERS];
    for (int i = 0; i < ATTACKERS; i++)
        pthread_create(&t[i], NULL, attack, (void *)(intptr_t)i);
    struct timespec a, b;
    double worst_page = 0, worst_login = 0;
    for (int i = 0; i < 10; i++) {
        clock_gettime(CLOCK_MONOTONIC, &a);
        http_reply r = http_from(NULL, port, "GET", "/api/me", NULL, anna.cookie, NULL);
        clock_gettime(CLOCK_MONOTONIC, &b);
        cr_assert_eq(r.status, 200, "%d %s", r.status, r.body);
        reply_free(&r);
        double s = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
        worst_page = s > worst_page ? s : worst_page;
        /* sara signs in meanwhile (a busy server may ask her to retry) */
        clock_gettime(CLOCK_MONOTONIC, &a);
        for (int tries = 0;; tries++) {
            r = http_from("127.0.0.4", port, "POST", "/api/login", NULL, JSON,
                          "{\"name\":\"sara\",\"password\":\"" PASSWORD "\"}");
            int status = r.status;
            reply_free(&r);
            if (status == 200)
                break;
            cr_assert(status == 503 && tries < 20, "sara: %d", status);
            usleep(200 * 1000);
        }
        clock_gettime(CLOCK_MONOTONIC, &b);
        s = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
        worst_login = s > worst_login ? s : worst_login;
    }
    for (int i = 0; i < ATTACKERS; i++)
        pthread_join(t[i], NULL);
    cr_log_info("under %d attackers: slowest page request %.2f s, slowest sign-in %.2f s", ATTACKERS, worst_page,
                worst_login);
    /* the spraying address was slowed down: not every attempt was hashed */
    cr_assert_lt(count("SELECT count(*) FROM review_login_attempts WHERE address = '127.0.0.3'"),
                 ATTACKERS * ATTACKS);
}
