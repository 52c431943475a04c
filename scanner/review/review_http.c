/*
 * review_http.c — the review page's web server (libmicrohttpd). Serves the
 * embedded page (review_page.c) and a small JSON API over the review queue.
 *
 * Security, in the order a request meets it:
 *   - connections: at most connections_per_address from one client address
 *     (libmicrohttpd closes the ones beyond, unanswered), connection_limit in
 *     all, idle connections close after connection_timeout seconds, and a
 *     request (headers and body) must arrive whole within request_seconds
 *     (see "the request deadline");
 *   - the Host header must name this server: an IP literal, localhost, the
 *     --listen host or a --host name; anything else (DNS rebinding: an
 *     attacker's name resolving to this machine) gets 421;
 *   - only GET (reading) and POST (changing) are answered;
 *   - a POST must carry Content-Type application/json (an HTML form on another
 *     site cannot send that without a CORS preflight, which is never granted),
 *     must not come from another site (Origin must be this host, and
 *     Sec-Fetch-Site, when the browser sends it, same-origin), must carry the
 *     session cookie (HttpOnly, SameSite=Strict) and the session's CSRF token
 *     in the X-CSRF-Token header;
 *   - sign-ins are throttled per (address, name) and against spraying
 *     names from one address (review_users.c), refused before any hashing;
 *     argon2id runs outside the ledger lock, REVIEW_HASH_SLOTS at a time, and
 *     at most REVIEW_LOGINS_AT_ONCE sign-ins wait or hash, at most
 *     REVIEW_LOGINS_PER_ADDRESS from one address (more get 503), so sign-ins
 *     never hold up the rest of the page and one address cannot take every
 *     slot; one attempt at a time per (address, name);
 *   - sessions expire, and expired ones are deleted on sign-in and once a
 *     minute;
 *   - every answer carries a strict Content-Security-Policy (scripts only
 *     from this server, no inline script), nosniff and no framing; the page
 *     puts data into the document only as text (textContent), never as HTML;
 *   - images are drawn from files inside the scan store only (review_image.c).
 * One ledger connection, used under a mutex; image decoding and password
 * hashing run outside it.
 *
 * What libmicrohttpd answers itself, without our headers (it has no hook for
 * them; tried on 0.9.75): requests it cannot parse (400 for a malformed
 * header line or Content-Length; 413 for a Content-Length it cannot hold;
 * 414/431 for a URL or headers over its buffer; 505 for an unknown HTTP
 * version). Those bodies are fixed HTML texts that carry nothing from the
 * request, and the connection is closed after them. A request line it cannot
 * parse, and connections over the limits, are closed without an answer. (A
 * request without Host reaches us, and gets our 421.)
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <microhttpd.h>
#include <netdb.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include "review/review.h"
#include "review/review_events.h"
#include "review/review_users.h"
#include "ledger/store.h"

#define MAX_BODY (256 * 1024)
#define COOKIE_NAME "omr_session"

struct review_server {
    struct MHD_Daemon *daemon;
    omr_db *db;
    review_queue *queue;
    review_events *events;       /* /api/events: the queue's change feed */
    pthread_mutex_t lock;
    char **roots;
    size_t n_roots;
    char lang[3];                /* "sv" or "en" for every browser; "" : as each browser asks */
    int idle_seconds, max_seconds;
    int request_seconds;
    int port;
    char **hosts;                /* lower case, without port */
    size_t n_hosts;
    char **proxies;              /* canonical IP addresses */
    size_t n_proxies;
    time_t last_purge;           /* under lock */
    sem_t hash_slots;
    /* open connections, for the request deadline (see reap) */
    pthread_mutex_t watch_lock;
    struct watched *watching;
    pthread_t reaper;
    pthread_cond_t reaper_wake;
    int reaper_running, stopping; /* under watch_lock */
    /* sign-ins under way (waiting or hashing), "address name"; under lock */
    char logins[REVIEW_LOGINS_AT_ONCE][64 + REVIEW_NAME_MAX + 2];
};

typedef struct {
    char *body;
    size_t len;
    int too_big;
    time_t events_deadline; /* /api/events: when its wait runs out (0: not begun) */
} request_body;

/* A connection as the reaper sees it: its socket, when the request it waits
 * for began to be awaited (the connection's start or the previous answer),
 * and whether that request has arrived whole and is being answered. */
typedef struct watched {
    int fd;
    time_t since;
    int answering, cut;
    struct watched *prev, *next;
} watched;

static const char security_csp[] =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
    "form-action 'none'; frame-ancestors 'none'; base-uri 'none'";

/* ---- responses ---------------------------------------------------------- */

static enum MHD_Result respond(struct MHD_Connection *c, unsigned status, const char *type, const void *data,
                               size_t len, const char *set_cookie, int retry_after) {
    struct MHD_Response *r = MHD_create_response_from_buffer(len, (void *)data, MHD_RESPMEM_MUST_COPY);
    if (!r)
        return MHD_NO;
    MHD_add_response_header(r, "Content-Type", type);
    MHD_add_response_header(r, "Cache-Control", "no-store");
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "X-Frame-Options", "DENY");
    MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(r, "Cross-Origin-Resource-Policy", "same-origin");
    MHD_add_response_header(r, "Content-Security-Policy", security_csp);
    if (set_cookie)
        MHD_add_response_header(r, "Set-Cookie", set_cookie);
    if (retry_after > 0) {
        char v[32];
        snprintf(v, sizeof v, "%d", retry_after);
        MHD_add_response_header(r, "Retry-After", v);
    }
    enum MHD_Result ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result respond_json(struct MHD_Connection *c, unsigned status, const char *json) {
    return respond(c, status, "application/json; charset=utf-8", json, strlen(json), NULL, 0);
}

static enum MHD_Result respond_error(struct MHD_Connection *c, unsigned status, const char *message) {
    json_t *o = json_pack("{s:s}", "error", message);
    char *s = o ? json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;
    enum MHD_Result r = respond_json(c, status, s ? s : "{\"error\":\"error\"}");
    free(s);
    json_decref(o);
    return r;
}

static unsigned status_of(int rc) {
    switch (rc) {
    case OMR_ERR_INVALID: return MHD_HTTP_BAD_REQUEST;
    case OMR_ERR_NOT_FOUND: return MHD_HTTP_NOT_FOUND;
    case REVIEW_ERR_CONFLICT: return MHD_HTTP_CONFLICT;
    default: return MHD_HTTP_INTERNAL_SERVER_ERROR;
    }
}

/* ---- request checks ----------------------------------------------------- */

static const char *header(struct MHD_Connection *c, const char *name) {
    return MHD_lookup_connection_value(c, MHD_HEADER_KIND, name);
}

/* A POST that another site could have made is refused. */
static const char *cross_site_reason(struct MHD_Connection *c) {
    const char *type = header(c, "Content-Type");
    if (!type || strncasecmp(type, "application/json", 16) != 0)
        return "changes are sent as JSON";
    const char *site = header(c, "Sec-Fetch-Site");
    if (site && strcmp(site, "same-origin") != 0 && strcmp(site, "none") != 0)
        return "a request from another site is refused";
    const char *origin = header(c, "Origin");
    if (origin) {
        const char *host = header(c, "Host");
        char expected[512];
        snprintf(expected, sizeof expected, "http://%s", host ? host : "");
        char expected_tls[512];
        snprintf(expected_tls, sizeof expected_tls, "https://%s", host ? host : "");
        if (!host || (strcmp(origin, expected) != 0 && strcmp(origin, expected_tls) != 0))
            return "a request from another site is refused";
    }
    return NULL;
}

/* An IP address in its canonical text form; 0 when `text` is none. */
const char *review_choose_lang(const char *accept_language) {
    /* "sv-SE,sv;q=0.9,en;q=0.8": the first of sv and en by quality, then order */
    double best_q = -1;
    const char *best = "en";
    for (const char *p = accept_language; p && *p;) {
        p += strspn(p, " \t,");
        size_t len = strcspn(p, ",");
        size_t tag = strcspn(p, ";,");
        double quality = 1;
        const char *qs = memchr(p, ';', len);
        if (qs) {
            const char *qv = strstr(qs, "q=");
            if (qv && qv < p + len)
                quality = strtod(qv + 2, NULL);
        }
        while (tag > 0 && (p[tag - 1] == ' ' || p[tag - 1] == '\t'))
            tag--;
        const char *lang = NULL;
        if (tag >= 2 && strncasecmp(p, "sv", 2) == 0 && (tag == 2 || p[2] == '-'))
            lang = "sv";
        else if (tag >= 2 && strncasecmp(p, "en", 2) == 0 && (tag == 2 || p[2] == '-'))
            lang = "en";
        if (lang && quality > 0 && quality > best_q) {
            best_q = quality;
            best = lang;
        }
        p += len;
    }
    return best;
}

static int canonical_ip(const char *text, char *buf, size_t size) {
    unsigned char bin[sizeof(struct in6_addr)];
    if (inet_pton(AF_INET, text, bin) == 1)
        return inet_ntop(AF_INET, bin, buf, (socklen_t)size) != NULL;
    if (inet_pton(AF_INET6, text, bin) == 1)
        return inet_ntop(AF_INET6, bin, buf, (socklen_t)size) != NULL;
    return 0;
}

static void peer_address(struct MHD_Connection *c, char *buf, size_t size) {
    snprintf(buf, size, "unknown");
    const union MHD_ConnectionInfo *info = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (!info || !info->client_addr)
        return;
    const struct sockaddr *sa = info->client_addr;
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, buf, (socklen_t)size);
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, buf, (socklen_t)size);
}

/* The client's address: the peer's, or, when the peer is a trusted proxy,
 * the last X-Forwarded-For entry (the address the proxy itself saw; entries
 * before it are the client's own say and are ignored). */
static void client_address(review_server *s, struct MHD_Connection *c, char *buf, size_t size) {
    peer_address(c, buf, size);
    int trusted = 0;
    for (size_t i = 0; i < s->n_proxies && !trusted; i++)
        trusted = strcmp(buf, s->proxies[i]) == 0;
    const char *xff = trusted ? header(c, "X-Forwarded-For") : NULL;
    if (!xff)
        return;
    const char *last = strrchr(xff, ',');
    last = last ? last + 1 : xff;
    while (*last == ' ' || *last == '\t')
        last++;
    char entry[64];
    size_t n = strcspn(last, " \t");
    if (n == 0 || n >= sizeof entry)
        return;
    memcpy(entry, last, n);
    entry[n] = 0;
    char canon[64];
    if (canonical_ip(entry, canon, sizeof canon))
        snprintf(buf, size, "%s", canon);
}

/* 1 when the Host header names this server (see the top of the file). */
static int host_is_ours(review_server *s, struct MHD_Connection *c) {
    const char *host = header(c, "Host");
    if (!host || !*host)
        return 0;
    char name[256];
    if (host[0] == '[') {
        const char *close = strchr(host, ']');
        if (!close || (size_t)(close - host - 1) >= sizeof name)
            return 0;
        snprintf(name, sizeof name, "%.*s", (int)(close - host - 1), host + 1);
        unsigned char bin[sizeof(struct in6_addr)];
        return inet_pton(AF_INET6, name, bin) == 1 && (close[1] == 0 || close[1] == ':');
    }
    size_t n = strcspn(host, ":");
    if (n == 0 || n >= sizeof name)
        return 0;
    memcpy(name, host, n);
    name[n] = 0;
    if (name[n - 1] == '.')
        name[--n] = 0;
    unsigned char bin[4];
    if (inet_pton(AF_INET, name, bin) == 1 || strcasecmp(name, "localhost") == 0)
        return 1;
    for (size_t i = 0; i < s->n_hosts; i++)
        if (strcasecmp(name, s->hosts[i]) == 0)
            return 1;
    return 0;
}

/* Deletes expired sessions, at most once a minute unless forced; under lock. */
static void purge_sessions(review_server *s, time_t now, int force) {
    if (!force && now - s->last_purge < 60)
        return;
    s->last_purge = now;
    review_sessions_purge(s->db, now, s->idle_seconds, s->max_seconds, NULL);
}

/* The session of the request's cookie, checked under the lock. */
static int find_session(review_server *s, struct MHD_Connection *c, review_session *out) {
    const char *token = MHD_lookup_connection_value(c, MHD_COOKIE_KIND, COOKIE_NAME);
    time_t now = time(NULL);
    purge_sessions(s, now, 0);
    return review_session_find(s->db, token, now, s->idle_seconds, s->max_seconds, out, NULL) == OMR_OK;
}

static json_t *parse_body(const request_body *b) {
    if (!b->body || b->too_big)
        return NULL;
    json_error_t jerr;
    json_t *j = json_loadb(b->body, b->len, 0, &jerr);
    if (j && !json_is_object(j)) {
        json_decref(j);
        return NULL;
    }
    return j;
}

static enum MHD_Result respond_limited(struct MHD_Connection *c, unsigned status, const char *msg, int retry) {
    json_t *o = json_pack("{s:s,s:i}", "error", msg, "retry_after", retry);
    char *js = o ? json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;
    enum MHD_Result r = respond(c, status, "application/json; charset=utf-8", js ? js : "{}", js ? strlen(js) : 2,
                                NULL, retry);
    free(js);
    json_decref(o);
    return r;
}

/* Takes a sign-in place for (address, name) (key "address name"); 0 when
 * that pair is already signing in, -1 when REVIEW_LOGINS_AT_ONCE are, or
 * REVIEW_LOGINS_PER_ADDRESS from that address. Under lock. */
static int login_place_take(review_server *s, const char *key) {
    int free_slot = -1, same_address = 0;
    size_t address_len = strcspn(key, " ") + 1;
    for (int i = 0; i < REVIEW_LOGINS_AT_ONCE; i++) {
        if (!s->logins[i][0])
            free_slot = free_slot < 0 ? i : free_slot;
        else if (strcmp(s->logins[i], key) == 0)
            return 0;
        else if (strncmp(s->logins[i], key, address_len) == 0)
            same_address++;
    }
    if (free_slot < 0 || same_address >= REVIEW_LOGINS_PER_ADDRESS)
        return -1;
    snprintf(s->logins[free_slot], sizeof s->logins[free_slot], "%s", key);
    return 1;
}

static void login_place_give(review_server *s, const char *key) {
    for (int i = 0; i < REVIEW_LOGINS_AT_ONCE; i++)
        if (strcmp(s->logins[i], key) == 0) {
            s->logins[i][0] = 0;
            return;
        }
}

/* Called without the lock: the throttle and the operator's hash under it,
 * argon2id outside it (REVIEW_HASH_SLOTS at a time), the outcome under it. */
static enum MHD_Result handle_login(review_server *s, struct MHD_Connection *c, json_t *body) {
    const char *name = json_string_value(json_object_get(body, "name"));
    const char *password = json_string_value(json_object_get(body, "password"));
    if (!name || !password || strlen(name) > REVIEW_NAME_MAX || strlen(password) > 1024)
        return respond_error(c, MHD_HTTP_BAD_REQUEST, "give a name and a password");
    char address[64];
    client_address(s, c, address, sizeof address);
    char key[sizeof s->logins[0]];
    snprintf(key, sizeof key, "%s %s", address, name);
    review_login_result result;
    review_session session;
    review_login_state state;
    int retry = 0;
    omr_error err;

    pthread_mutex_lock(&s->lock);
    int rc = review_login_begin(s->db, name, address, time(NULL), &result, &retry, &state, &err);
    int place = rc == OMR_OK && result != REVIEW_LOGIN_LIMITED ? login_place_take(s, key) : 1;
    pthread_mutex_unlock(&s->lock);
    if (rc != OMR_OK)
        return respond_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, err.message);
    if (result == REVIEW_LOGIN_LIMITED) {
        char msg[160];
        if (retry >= 120)
            snprintf(msg, sizeof msg, "too many failed sign-ins; try again in %d minutes", (retry + 59) / 60);
        else
            snprintf(msg, sizeof msg, "too many failed sign-ins; try again in %d seconds", retry);
        return respond_limited(c, MHD_HTTP_TOO_MANY_REQUESTS, msg, retry);
    }
    if (place == 0)
        return respond_limited(c, MHD_HTTP_TOO_MANY_REQUESTS, "this sign-in is already being checked", 1);
    if (place < 0)
        return respond_limited(c, MHD_HTTP_SERVICE_UNAVAILABLE, "the server is busy signing others in; try again",
                               1);

    /* the password, a few at a time, waiting at most a few seconds for a slot */
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 5;
    int slot = 0;
    while (!(slot = sem_timedwait(&s->hash_slots, &until) == 0) && errno == EINTR)
        ;
    int ok = 0;
    if (slot) {
        ok = review_login_check(&state, password);
        sem_post(&s->hash_slots);
    }

    pthread_mutex_lock(&s->lock);
    login_place_give(s, key);
    if (slot) {
        time_t now = time(NULL);
        rc = review_login_finish(s->db, &state, address, now, ok, &result, &session, &err);
        if (rc == OMR_OK && result == REVIEW_LOGIN_OK)
            purge_sessions(s, now, 1);
    }
    pthread_mutex_unlock(&s->lock);
    if (!slot)
        return respond_limited(c, MHD_HTTP_SERVICE_UNAVAILABLE, "the server is busy signing others in; try again",
                               1);
    if (rc != OMR_OK)
        return respond_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, err.message);
    if (result != REVIEW_LOGIN_OK)
        return respond_error(c, MHD_HTTP_UNAUTHORIZED, "wrong name or password");
    char cookie[256];
    snprintf(cookie, sizeof cookie, COOKIE_NAME "=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%d", session.token,
             s->max_seconds);
    json_t *o = json_pack("{s:s,s:s,s:s}", "operator", session.operator_name, "role",
                          session.role == REVIEW_ROLE_SUPERVISOR ? "supervisor" : "operator", "csrf", session.csrf);
    char *js = json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII);
    enum MHD_Result r = respond(c, MHD_HTTP_OK, "application/json; charset=utf-8", js, strlen(js), cookie, 0);
    free(js);
    json_decref(o);
    return r;
}

/* ---- handlers (called with the lock held) ------------------------------- */

static enum MHD_Result respond_item(review_server *s, struct MHD_Connection *c, int64_t id, const char *wrapper) {
    if (!id) {
        char js[128];
        snprintf(js, sizeof js, "{\"%s\":null}", wrapper);
        return respond_json(c, MHD_HTTP_OK, js);
    }
    omr_error err;
    char *item = review_item_json(s->queue, id, &err);
    if (!item)
        return respond_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, err.message);
    size_t n = strlen(item) + strlen(wrapper) + 16;
    char *js = malloc(n);
    if (!js) {
        free(item);
        return MHD_NO;
    }
    snprintf(js, n, "{\"%s\":%s}", wrapper, item);
    enum MHD_Result r = respond_json(c, MHD_HTTP_OK, js);
    free(js);
    free(item);
    return r;
}

static int64_t item_of(json_t *body) {
    json_t *v = json_object_get(body, "item");
    return json_is_integer(v) ? (int64_t)json_integer_value(v) : 0;
}

static enum MHD_Result handle_change(review_server *s, struct MHD_Connection *c, const char *url,
                                     const review_session *session, json_t *body) {
    omr_error err = {{0}};
    const char *op = session->operator_name;
    time_t now = time(NULL);
    if (strcmp(url, "/api/logout") == 0) {
        review_session_end(s->db, session->token, NULL);
        return respond(c, MHD_HTTP_OK, "application/json", "{}", 2,
                       COOKIE_NAME "=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0", 0);
    }
    if (strcmp(url, "/api/next") == 0) {
        int64_t skip[256];
        size_t n_skip = 0, i;
        json_t *v;
        json_array_foreach(json_object_get(body, "skip"), i, v) {
            if (json_is_integer(v) && n_skip < 256)
                skip[n_skip++] = (int64_t)json_integer_value(v);
        }
        int64_t id = 0;
        if (review_next(s->queue, op, now, skip, n_skip, &id, &err) != OMR_OK)
            return respond_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, err.message);
        return respond_item(s, c, id, "item");
    }
    if (strcmp(url, "/api/renew") == 0) {
        int rc = review_renew(s->queue, op, item_of(body), now, &err);
        return rc == OMR_OK ? respond_json(c, MHD_HTTP_OK, "{\"ok\":true}") : respond_error(c, status_of(rc), err.message);
    }
    if (strcmp(url, "/api/release") == 0) {
        int rc = review_release(s->queue, op, item_of(body), &err);
        return rc == OMR_OK ? respond_json(c, MHD_HTTP_OK, "{\"ok\":true}") : respond_error(c, status_of(rc), err.message);
    }
    if (strcmp(url, "/api/decide") == 0) {
        static const struct {
            const char *name;
            review_choice_kind kind;
        } kinds[] = {{"value", REVIEW_CHOICE_VALUE}, {"blank", REVIEW_CHOICE_BLANK},
                     {"illegible", REVIEW_CHOICE_ILLEGIBLE}, {"text", REVIEW_CHOICE_TEXT},
                     {"match", REVIEW_CHOICE_MATCH}, {"keep", REVIEW_CHOICE_KEEP}, {"discard", REVIEW_CHOICE_DISCARD},
                     {"not_form", REVIEW_CHOICE_NOT_FORM}};
        const char *choice = json_string_value(json_object_get(body, "choice"));
        review_choice ch = {0};
        int known = 0;
        for (size_t i = 0; choice && i < sizeof kinds / sizeof kinds[0]; i++)
            if (strcmp(choice, kinds[i].name) == 0) {
                ch.kind = kinds[i].kind;
                known = 1;
            }
        if (!known)
            return respond_error(c, MHD_HTTP_BAD_REQUEST, "unknown choice");
        ch.value = json_string_value(json_object_get(body, "value"));
        ch.template_id = json_string_value(json_object_get(body, "template"));
        ch.page = (int)json_integer_value(json_object_get(body, "page"));
        int rc = review_decide(s->queue, op, item_of(body), &ch, now, &err);
        return rc == OMR_OK ? respond_json(c, MHD_HTTP_OK, "{\"ok\":true}") : respond_error(c, status_of(rc), err.message);
    }
    if (strcmp(url, "/api/undo") == 0) {
        int64_t id = 0;
        int rc = review_undo(s->queue, op, now, &id, &err);
        if (rc != OMR_OK)
            return respond_error(c, status_of(rc), err.message);
        return respond_item(s, c, id, "item");
    }
    return respond_error(c, MHD_HTTP_NOT_FOUND, "no such action");
}

static enum MHD_Result handle_get(review_server *s, struct MHD_Connection *c, const char *url, request_body *b) {
    if (strcmp(url, "/") == 0 || strcmp(url, "/index.html") == 0 || strcmp(url, "/summary") == 0)
        return respond(c, MHD_HTTP_OK, "text/html; charset=utf-8", review_page_html, strlen(review_page_html), NULL, 0);
    if (strcmp(url, "/app.js") == 0)
        return respond(c, MHD_HTTP_OK, "text/javascript; charset=utf-8", review_page_js, strlen(review_page_js), NULL,
                       0);
    if (strcmp(url, "/app.css") == 0)
        return respond(c, MHD_HTTP_OK, "text/css; charset=utf-8", review_page_css, strlen(review_page_css), NULL, 0);
    if (strncmp(url, "/api/", 5) != 0)
        return respond_error(c, MHD_HTTP_NOT_FOUND, "not found");
    if (strcmp(url, "/api/lang") == 0) { /* before sign-in: the sign-in form is translated too */
        char js[32];
        snprintf(js, sizeof js, "{\"lang\":\"%s\"}",
                 s->lang[0] ? s->lang : review_choose_lang(header(c, "Accept-Language")));
        return respond_json(c, MHD_HTTP_OK, js);
    }

    pthread_mutex_lock(&s->lock);
    review_session session;
    if (!find_session(s, c, &session)) {
        pthread_mutex_unlock(&s->lock);
        return respond_error(c, MHD_HTTP_UNAUTHORIZED, "sign in first");
    }
    if (strcmp(url, "/api/me") == 0) {
        pthread_mutex_unlock(&s->lock);
        json_t *o = json_pack("{s:s,s:s,s:s}", "operator", session.operator_name, "role",
                              session.role == REVIEW_ROLE_SUPERVISOR ? "supervisor" : "operator", "csrf", session.csrf);
        char *js = json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII);
        enum MHD_Result r = respond_json(c, MHD_HTTP_OK, js);
        free(js);
        json_decref(o);
        return r;
    }
    if (strcmp(url, "/api/events") == 0) { /* a long poll: suspended until the queue changes */
        pthread_mutex_unlock(&s->lock);
        const char *since = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "since");
        char *js = NULL;
        if (review_events_poll(s->events, c, since && *since ? atoll(since) : -1, &b->events_deadline, &js))
            return MHD_YES; /* suspended; called again when resumed */
        enum MHD_Result r = js ? respond_json(c, MHD_HTTP_OK, js) : respond_error(c, 500, "out of memory");
        free(js);
        return r;
    }
    if (strcmp(url, "/api/summary") == 0) {
        if (session.role != REVIEW_ROLE_SUPERVISOR) {
            pthread_mutex_unlock(&s->lock);
            return respond_error(c, MHD_HTTP_FORBIDDEN, "the summary is for supervisors");
        }
        omr_error err;
        char *js = review_summary_json(s->queue, time(NULL), &err);
        pthread_mutex_unlock(&s->lock);
        enum MHD_Result r = js ? respond_json(c, MHD_HTTP_OK, js) : respond_error(c, 500, err.message);
        free(js);
        return r;
    }
    long long id = 0;
    char rest[32] = "";
    if (sscanf(url, "/api/items/%lld%31s", &id, rest) >= 1 && id > 0) {
        omr_error err;
        if (rest[0] == 0) {
            char *js = review_item_json(s->queue, id, &err);
            pthread_mutex_unlock(&s->lock);
            enum MHD_Result r = js ? respond_json(c, MHD_HTTP_OK, js) : respond_error(c, MHD_HTTP_NOT_FOUND, err.message);
            free(js);
            return r;
        }
        if (strcmp(rest, "/image.png") == 0 || strcmp(rest, "/first.png") == 0) {
            review_image_source src;
            int rc = strcmp(rest, "/first.png") == 0 ? review_image_source_get_first(s->queue, id, &src, &err)
                                                      : review_image_source_get(s->queue, id, &src, &err);
            pthread_mutex_unlock(&s->lock);
            unsigned char *png = NULL;
            size_t len = 0;
            if (rc == OMR_OK)
                rc = review_image_render(&src, (const char *const *)s->roots, s->n_roots, &png, &len, &err);
            review_image_source_clear(&src);
            if (rc != OMR_OK)
                return respond_error(c, rc == OMR_ERR_INVALID ? MHD_HTTP_FORBIDDEN : status_of(rc), err.message);
            enum MHD_Result r = respond(c, MHD_HTTP_OK, "image/png", png, len, NULL, 0);
            free(png);
            return r;
        }
    }
    pthread_mutex_unlock(&s->lock);
    return respond_error(c, MHD_HTTP_NOT_FOUND, "not found");
}

static enum MHD_Result handle_post(review_server *s, struct MHD_Connection *c, const char *url,
                                   const request_body *b) {
    const char *why = cross_site_reason(c);
    if (why)
        return respond_error(c, MHD_HTTP_FORBIDDEN, why);
    if (b->too_big)
        return respond_error(c, MHD_HTTP_CONTENT_TOO_LARGE, "the request is too large");
    json_t *body = parse_body(b);
    if (!body)
        return respond_error(c, MHD_HTTP_BAD_REQUEST, "the request is not a JSON object");
    enum MHD_Result r;
    if (strcmp(url, "/api/login") == 0) {
        r = handle_login(s, c, body);
        json_decref(body);
        return r;
    }
    pthread_mutex_lock(&s->lock);
    {
        review_session session;
        const char *csrf = header(c, "X-CSRF-Token");
        if (!find_session(s, c, &session))
            r = respond_error(c, MHD_HTTP_UNAUTHORIZED, "sign in first");
        else if (!csrf || !review_token_equal(csrf, session.csrf))
            r = respond_error(c, MHD_HTTP_FORBIDDEN, "the page is out of date; reload it");
        else
            r = handle_change(s, c, url, &session, body);
    }
    pthread_mutex_unlock(&s->lock);
    json_decref(body);
    return r;
}

/* ---- the request deadline ------------------------------------------------
 * libmicrohttpd closes a connection only when it has been idle for the
 * connection timeout, so a client sending a byte every few seconds could hold
 * one for ever. Every open connection is therefore watched: a request must
 * arrive whole (headers and body) within request_seconds of the connection's
 * start or of the previous answer, or the reaper shuts the socket down, and
 * libmicrohttpd then closes it as it would a client that hung up. (The same
 * thread deletes expired sessions once a minute.) The record
 * leaves the list (under watch_lock) before libmicrohttpd closes the socket,
 * so the reaper never touches a descriptor that is not the connection's. */

static void connection_event(void *cls, struct MHD_Connection *c, void **socket_context,
                             enum MHD_ConnectionNotificationCode code) {
    review_server *s = cls;
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        const union MHD_ConnectionInfo *fd = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
        watched *w = fd ? calloc(1, sizeof *w) : NULL;
        if (!w)
            return; /* not watched: the idle timeout still applies */
        w->fd = fd->connect_fd;
        w->since = time(NULL);
        pthread_mutex_lock(&s->watch_lock);
        w->next = s->watching;
        if (w->next)
            w->next->prev = w;
        s->watching = w;
        pthread_mutex_unlock(&s->watch_lock);
        *socket_context = w;
    } else if (code == MHD_CONNECTION_NOTIFY_CLOSED && *socket_context) {
        watched *w = *socket_context;
        pthread_mutex_lock(&s->watch_lock);
        if (w->prev)
            w->prev->next = w->next;
        else
            s->watching = w->next;
        if (w->next)
            w->next->prev = w->prev;
        pthread_mutex_unlock(&s->watch_lock);
        free(w);
        *socket_context = NULL;
    }
}

/* The request has arrived and is being answered (1), or its answer is done
 * and the next request is awaited from now (0). */
static void watch_answering(review_server *s, struct MHD_Connection *c, int answering) {
    const union MHD_ConnectionInfo *info = MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    watched *w = info ? info->socket_context : NULL;
    if (!w)
        return;
    pthread_mutex_lock(&s->watch_lock);
    w->answering = answering;
    if (!answering)
        w->since = time(NULL);
    pthread_mutex_unlock(&s->watch_lock);
}

static void *reap(void *arg) {
    review_server *s = arg;
    pthread_mutex_lock(&s->watch_lock);
    while (!s->stopping) {
        time_t now = time(NULL);
        /* expired sessions go also while nobody uses the page */
        pthread_mutex_unlock(&s->watch_lock);
        pthread_mutex_lock(&s->lock);
        purge_sessions(s, now, 0);
        pthread_mutex_unlock(&s->lock);
        pthread_mutex_lock(&s->watch_lock);
        for (watched *w = s->watching; w; w = w->next)
            if (!w->answering && !w->cut && now - w->since > s->request_seconds) {
                shutdown(w->fd, SHUT_RDWR);
                w->cut = 1;
            }
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += 1;
        pthread_cond_timedwait(&s->reaper_wake, &s->watch_lock, &until);
    }
    pthread_mutex_unlock(&s->watch_lock);
    return NULL;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                              const char *version, const char *upload_data, size_t *upload_data_size,
                              void **con_cls) {
    (void)version;
    review_server *s = cls;
    request_body *b = *con_cls;
    if (!b) {
        b = calloc(1, sizeof *b);
        if (!b)
            return MHD_NO;
        *con_cls = b;
        if (!host_is_ours(s, c)) {
            watch_answering(s, c, 1);
            return respond_error(c, 421, "this server does not answer to that host name "
                                         "(start omr review with --host NAME to allow it)");
        }
        return MHD_YES;
    }
    if (*upload_data_size) {
        if (!b->too_big) {
            if (b->len + *upload_data_size > MAX_BODY) {
                b->too_big = 1;
            } else {
                char *grown = realloc(b->body, b->len + *upload_data_size + 1);
                if (!grown)
                    return MHD_NO;
                b->body = grown;
                memcpy(b->body + b->len, upload_data, *upload_data_size);
                b->len += *upload_data_size;
                b->body[b->len] = 0;
            }
        }
        *upload_data_size = 0;
        return MHD_YES;
    }
    watch_answering(s, c, 1);
    if (strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0)
        return handle_get(s, c, url, b);
    if (strcmp(method, "POST") == 0)
        return handle_post(s, c, url, b);
    return respond_error(c, MHD_HTTP_METHOD_NOT_ALLOWED, "only GET and POST");
}

static void request_done(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode toe) {
    (void)toe;
    watch_answering(cls, c, 0);
    request_body *b = *con_cls;
    if (b) {
        free(b->body);
        free(b);
        *con_cls = NULL;
    }
}

/* ---- starting and stopping ---------------------------------------------- */

static int add_name(char ***list, size_t *n, const char *name) {
    char **grown = realloc(*list, (*n + 1) * sizeof *grown);
    if (!grown)
        return 0;
    *list = grown;
    char *copy = strdup(name);
    if (!copy)
        return 0;
    for (char *p = copy; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    grown[(*n)++] = copy;
    return 1;
}

/* The names the page answers to, and the trusted proxies' addresses. */
static int add_hosts(review_server *s, const char *listen_host, const review_options *o, omr_error *err) {
    char canon[64];
    if (listen_host[0] && !canonical_ip(listen_host, canon, sizeof canon) && !add_name(&s->hosts, &s->n_hosts, listen_host))
        return omr_fail(err, OMR_ERR_MEMORY, "out of memory");
    for (size_t i = 0; i < o->n_hosts; i++) {
        const char *h = o->hosts[i];
        if (!h || !*h || strlen(h) > 253 || strpbrk(h, ":/[] \t"))
            return omr_fail(err, OMR_ERR_INVALID, "--host \"%.80s\" must be a host name without a port, e.g. omr.example.org",
                            h ? h : "");
        if (!add_name(&s->hosts, &s->n_hosts, h))
            return omr_fail(err, OMR_ERR_MEMORY, "out of memory");
    }
    for (size_t i = 0; i < o->n_trusted_proxies; i++) {
        if (!o->trusted_proxies[i] || !canonical_ip(o->trusted_proxies[i], canon, sizeof canon))
            return omr_fail(err, OMR_ERR_INVALID, "--trusted-proxy \"%.80s\" must be an IP address, e.g. 127.0.0.1",
                            o->trusted_proxies[i] ? o->trusted_proxies[i] : "");
        if (!add_name(&s->proxies, &s->n_proxies, canon))
            return omr_fail(err, OMR_ERR_MEMORY, "out of memory");
    }
    return OMR_OK;
}

void review_server_stop(review_server *s) {
    if (!s)
        return;
    if (s->reaper_running) {
        pthread_mutex_lock(&s->watch_lock);
        s->stopping = 1;
        pthread_cond_signal(&s->reaper_wake);
        pthread_mutex_unlock(&s->watch_lock);
        pthread_join(s->reaper, NULL);
    }
    review_events_stop(s->events); /* answers the waiting pages first */
    if (s->daemon)
        MHD_stop_daemon(s->daemon);
    review_events_free(s->events);
    review_queue_free(s->queue);
    if (s->db)
        store_close(s->db);
    for (size_t i = 0; i < s->n_roots; i++)
        free(s->roots[i]);
    free(s->roots);
    for (size_t i = 0; i < s->n_hosts; i++)
        free(s->hosts[i]);
    free(s->hosts);
    for (size_t i = 0; i < s->n_proxies; i++)
        free(s->proxies[i]);
    free(s->proxies);
    sem_destroy(&s->hash_slots);
    pthread_cond_destroy(&s->reaper_wake);
    pthread_mutex_destroy(&s->watch_lock);
    pthread_mutex_destroy(&s->lock);
    free(s);
}

int review_server_start(const review_options *o, review_server **out, omr_error *err) {
    *out = NULL;
    const char *listen = o->listen && *o->listen ? o->listen : REVIEW_DEFAULT_LISTEN;
    /* ADDR:PORT, [v6]:PORT */
    char host[256], port[16];
    const char *colon = strrchr(listen, ':');
    if (!colon || !colon[1] || (size_t)(colon - listen) >= sizeof host || strlen(colon + 1) >= sizeof port)
        return omr_fail(err, OMR_ERR_INVALID, "--listen \"%.80s\" must be ADDRESS:PORT, e.g. 127.0.0.1:8080", listen);
    snprintf(host, sizeof host, "%.*s", (int)(colon - listen), listen);
    snprintf(port, sizeof port, "%s", colon + 1);
    if (host[0] == '[') {
        size_t n = strlen(host);
        if (n < 2 || host[n - 1] != ']')
            return omr_fail(err, OMR_ERR_INVALID, "--listen \"%.80s\": unclosed [ in the address", listen);
        memmove(host, host + 1, n - 2);
        host[n - 2] = 0;
    }
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_NUMERICSERV | AI_PASSIVE};
    struct addrinfo *ai = NULL;
    int gai = getaddrinfo(host[0] ? host : NULL, port, &hints, &ai);
    if (gai != 0 || !ai)
        return omr_fail(err, OMR_ERR_INVALID, "--listen \"%.80s\": %s", listen, gai_strerror(gai));

    review_server *s = calloc(1, sizeof *s);
    if (!s) {
        freeaddrinfo(ai);
        return omr_fail(err, OMR_ERR_MEMORY, "out of memory");
    }
    pthread_mutex_init(&s->lock, NULL);
    sem_init(&s->hash_slots, 0, REVIEW_HASH_SLOTS);
    pthread_mutex_init(&s->watch_lock, NULL);
    pthread_cond_init(&s->reaper_wake, NULL);
    if (o->lang && *o->lang) {
        if (strcmp(o->lang, "sv") != 0 && strcmp(o->lang, "en") != 0) {
            freeaddrinfo(ai);
            review_server_stop(s);
            return omr_fail(err, OMR_ERR_INVALID, "--lang %s: the page is in sv (Swedish) or en (English)", o->lang);
        }
        snprintf(s->lang, sizeof s->lang, "%s", o->lang);
    }
    s->request_seconds = o->request_seconds > 0 ? o->request_seconds : REVIEW_DEFAULT_REQUEST_SECONDS;
    if (add_hosts(s, host, o, err) != OMR_OK) {
        freeaddrinfo(ai);
        review_server_stop(s);
        return OMR_ERR_INVALID;
    }
    s->idle_seconds = o->session_idle_seconds > 0 ? o->session_idle_seconds : REVIEW_DEFAULT_SESSION_IDLE;
    s->max_seconds = o->session_max_seconds > 0 ? o->session_max_seconds : REVIEW_DEFAULT_SESSION_MAX;
    if (store_open(o->db_path, &s->db, err) != OMR_OK ||
        review_queue_new(s->db, o->lease_seconds, o->out_dir, &s->queue, err) != OMR_OK ||
        review_events_start(o->db_path, &s->events, err) != OMR_OK) {
        freeaddrinfo(ai);
        review_server_stop(s);
        return OMR_ERR_IO;
    }
    /* the scan store: the folders given, or the ledger's folder; and always
     * the output folder, which holds the comment crops the page shows */
    size_t n_roots = o->n_store_roots ? o->n_store_roots + 1 : 2;
    s->roots = calloc(n_roots, sizeof *s->roots);
    for (size_t i = 0; s->roots && i < n_roots; i++) {
        char *root = NULL;
        if (i + 1 < n_roots && o->n_store_roots) {
            root = strdup(o->store_roots[i]);
        } else if (i == 0) {
            root = strdup(store_is_server(o->db_path) ? "." : o->db_path); /* a server ledger: no folder */
            char *slash = root ? strrchr(root, '/') : NULL;
            if (slash)
                *slash = 0;
            else if (root)
                snprintf(root, 2, ".");
        } else {
            root = strdup(review_queue_out_dir(s->queue));
        }
        if (root)
            s->roots[s->n_roots++] = root;
    }
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL_LINUX_ONLY | MHD_ALLOW_SUSPEND_RESUME;
    if (ai->ai_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    /* each connection is a file descriptor: keep room for the ledger, images
     * and the listening socket */
    unsigned limit = o->connection_limit > 0 ? (unsigned)o->connection_limit : REVIEW_DEFAULT_CONNECTIONS;
    struct rlimit files;
    if (getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur != RLIM_INFINITY && files.rlim_cur > 64 &&
        limit > files.rlim_cur - 64)
        limit = (unsigned)(files.rlim_cur - 64);
    unsigned per_address =
        o->connections_per_address > 0 ? (unsigned)o->connections_per_address : REVIEW_DEFAULT_PER_ADDRESS;
    unsigned timeout =
        o->connection_timeout_seconds > 0 ? (unsigned)o->connection_timeout_seconds : REVIEW_DEFAULT_CONNECTION_TIMEOUT;
    s->daemon = MHD_start_daemon(flags, 0, NULL, NULL, handle, s, MHD_OPTION_SOCK_ADDR, ai->ai_addr,
                                 MHD_OPTION_THREAD_POOL_SIZE, (unsigned)8, MHD_OPTION_CONNECTION_TIMEOUT, timeout,
                                 MHD_OPTION_CONNECTION_LIMIT, limit, MHD_OPTION_PER_IP_CONNECTION_LIMIT, per_address,
                                 MHD_OPTION_NOTIFY_COMPLETED, request_done, s, MHD_OPTION_NOTIFY_CONNECTION,
                                 connection_event, s, MHD_OPTION_END);
    freeaddrinfo(ai);
    if (!s->daemon) {
        review_server_stop(s);
        return omr_fail(err, OMR_ERR_IO, "cannot listen on %s (in use, or not an address of this machine?)", listen);
    }
    if (pthread_create(&s->reaper, NULL, reap, s) != 0) {
        review_server_stop(s);
        return omr_fail(err, OMR_ERR_MEMORY, "cannot start a thread");
    }
    s->reaper_running = 1;
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
    s->port = info ? info->port : 0;
    *out = s;
    return OMR_OK;
}

int review_server_port(const review_server *s) { return s->port; }

size_t review_server_roots(const review_server *s, const char *const **roots) {
    *roots = (const char *const *)s->roots;
    return s->n_roots;
}
