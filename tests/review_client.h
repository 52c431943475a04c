/*
 * tests/review_client.h — a small HTTP/1.1 client for the review server's
 * tests: one request over a fresh loopback connection, from a chosen source
 * address (127.0.0.x are all this machine) and with a chosen Host header.
 * Every read waits at most 30 s, so a server that never answers fails the
 * test instead of hanging it.
 */
#ifndef OMR_TEST_REVIEW_CLIENT_H
#define OMR_TEST_REVIEW_CLIENT_H

#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

typedef struct {
    int status; /* 0: the connection was closed without an answer */
    char headers[4096];
    char *body;
    size_t body_len;
} http_reply;

static inline void reply_free(http_reply *r) { free(r->body); }

/* A TCP connection from `src` (NULL: any) to 127.0.0.1:port; -1 on failure. */
static inline int http_connect(const char *src, int port) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    cr_assert(fd >= 0);
    struct timeval tv = {.tv_sec = 30};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    if (src) {
        struct sockaddr_in b = {.sin_family = AF_INET};
        cr_assert_eq(inet_pton(AF_INET, src, &b.sin_addr), 1);
        cr_assert_eq(bind(fd, (struct sockaddr *)&b, sizeof b), 0, "bind %s", src);
    }
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* One request; `host` NULL sends "127.0.0.1:port". A reply of status 0 means
 * the server closed the connection without answering. */
static inline http_reply http_from(const char *src, int port, const char *method, const char *path,
                                   const char *host, const char *extra_headers, const char *body) {
    http_reply r = {0};
    int fd = http_connect(src, port);
    cr_assert(fd >= 0, "cannot connect to port %d", port);
    char *req = NULL;
    size_t req_len = 0;
    FILE *m = open_memstream(&req, &req_len);
    if (host)
        fprintf(m, "%s %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n%s", method, path, host,
                extra_headers ? extra_headers : "");
    else
        fprintf(m, "%s %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nConnection: close\r\n%s", method, path, port,
                extra_headers ? extra_headers : "");
    if (body)
        fprintf(m, "Content-Length: %zu\r\n\r\n%s", strlen(body), body);
    else
        fprintf(m, "\r\n");
    fclose(m);
    for (size_t sent = 0; sent < req_len;) {
        ssize_t n = send(fd, req + sent, req_len - sent, MSG_NOSIGNAL);
        if (n <= 0)
            break;
        sent += (size_t)n;
    }
    free(req);
    char *all = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (cap - len < 65536) {
            cap = cap ? cap * 2 : 131072;
            all = realloc(all, cap);
            cr_assert_not_null(all);
        }
        ssize_t n = recv(fd, all + len, cap - len - 1, 0);
        if (n <= 0)
            break;
        len += (size_t)n;
    }
    close(fd);
    all[len] = 0;
    char *end = strstr(all, "\r\n\r\n");
    if (!end) {
        free(all);
        r.body = calloc(1, 1);
        return r;
    }
    sscanf(all, "HTTP/1.%*d %d", &r.status);
    size_t hl = (size_t)(end - all);
    snprintf(r.headers, sizeof r.headers, "%.*s", (int)(hl < sizeof r.headers - 1 ? hl : sizeof r.headers - 1), all);
    r.body_len = len - hl - 4;
    r.body = malloc(r.body_len + 1);
    memcpy(r.body, end + 4, r.body_len);
    r.body[r.body_len] = 0;
    free(all);
    return r;
}

/* One request from 127.0.0.1 to 127.0.0.1:port, naming it as the host;
 * fails the test when no answer comes. */
static inline http_reply http(int port, const char *method, const char *path, const char *extra_headers,
                              const char *body) {
    http_reply r = http_from(NULL, port, method, path, NULL, extra_headers, body);
    cr_assert_neq(r.status, 0, "no HTTP reply to %s %s", method, path);
    return r;
}

#endif
