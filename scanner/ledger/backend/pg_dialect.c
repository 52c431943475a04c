/*
 * pg_dialect.c — the ledger's SQLite-dialect SQL rewritten for PostgreSQL
 * (see pg_dialect.h for every rule). One pass over the text: quoted text and
 * comments are copied as they are, words and placeholders are rewritten, and
 * a statement's end adds what a rule needs there (ON CONFLICT DO NOTHING).
 * Knows no table; postgres.c hands it every statement before libpq sees it.
 */
#include "ledger/backend/pg_dialect.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/files.h"

static int word_char(char c) { return isalnum((unsigned char)c) || c == '_'; }

/* Does `s` start with the words of `phrase` (case-insensitive, any white
 * space between words, a word boundary after)? Returns the length matched. */
static size_t match_words(const char *s, const char *phrase) {
    const char *p = s;
    while (*phrase) {
        if (*phrase == ' ') {
            if (!isspace((unsigned char)*p))
                return 0;
            while (isspace((unsigned char)*p))
                p++;
            phrase++;
            continue;
        }
        if (toupper((unsigned char)*p) != toupper((unsigned char)*phrase))
            return 0;
        p++, phrase++;
    }
    return word_char(p[-1]) && word_char(*p) ? 0 : (size_t)(p - s);
}

static const char *skip_space(const char *p) {
    while (isspace((unsigned char)*p))
        p++;
    return p;
}

/* After IS [NOT]: a value (SQLite's `a IS b`), not NULL, TRUE, FALSE,
 * UNKNOWN, DISTINCT FROM or NOT. */
static int compares_a_value(const char *p) {
    p = skip_space(p);
    static const char *const words[] = {"NULL", "TRUE", "FALSE", "UNKNOWN", "DISTINCT", "NOT"};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (match_words(p, words[i]))
            return 0;
    return *p && *p != ')' && *p != ',' && *p != ';';
}

/* Appends NULLS FIRST/LAST after an ORDER BY term, before the white space
 * that followed it. */
static void nulls_where_sqlite_has_them(omr_strbuf *b, int desc) {
    size_t k = b->len;
    while (k && b->s && isspace((unsigned char)b->s[k - 1]) && b->len - k < 63)
        k--;
    char tail[64];
    snprintf(tail, sizeof tail, "%.*s", (int)(b->len - k), b->s ? b->s + k : "");
    if (b->s) {
        b->len = k;
        b->s[k] = 0;
    }
    omr_strbuf_printf(b, "%s%s", desc ? " NULLS LAST" : " NULLS FIRST", tail);
}

#define END_TERM(keep_order)                                                           \
    do {                                                                               \
        if (order_depth == depth) {                                                    \
            nulls_where_sqlite_has_them(&b, term_desc);                                \
            term_desc = 0;                                                             \
            if (!(keep_order))                                                         \
                order_depth = -1;                                                      \
        }                                                                              \
    } while (0)

char *pg_dialect(const char *sql, int *n_params) {
    omr_strbuf b = {0};
    int next = 0, max = 0;
    int at_start = 1, ignore = 0, ddl = 0, create_table = 0, own_key = 0;
    int after_word = 0; /* the last token was a word: a type follows a column's name */
    /* ORDER BY: SQLite puts NULLs first when ascending and last when
     * descending; each term gets PostgreSQL's words for the same */
    int depth = 0, order_depth = -1, term_desc = 0;
    const char *p = sql;
    while (*p) {
        char c = *p;
        if (c == '\'' || c == '"') { /* quoted text or name, copied as is ('' and "" escape) */
            const char *q = p + 1;
            for (;;) {
                if (!*q)
                    break;
                if (*q == c) {
                    if (q[1] == c) {
                        q += 2;
                        continue;
                    }
                    q++;
                    break;
                }
                q++;
            }
            omr_strbuf_printf(&b, "%.*s", (int)(q - p), p);
            p = q;
            at_start = 0;
            after_word = c == '"'; /* a quoted name may be a column's */
            continue;
        }
        if (c == '-' && p[1] == '-') {
            const char *q = strchr(p, '\n');
            size_t n = q ? (size_t)(q - p) : strlen(p);
            omr_strbuf_printf(&b, "%.*s", (int)n, p);
            p += n;
            continue;
        }
        if (c == '?') {
            p++;
            int n;
            if (isdigit((unsigned char)*p)) {
                n = (int)strtol(p, (char **)&p, 10);
                next = n;
            } else {
                n = ++next;
            }
            if (n > max)
                max = n;
            omr_strbuf_printf(&b, "$%d", n);
            at_start = after_word = 0;
            continue;
        }
        if (c == ';') {
            END_TERM(0);
            if (ignore)
                omr_strbuf_printf(&b, " ON CONFLICT DO NOTHING");
            omr_strbuf_printf(&b, ";");
            ignore = ddl = after_word = create_table = own_key = 0;
            at_start = 1;
            p++;
            continue;
        }
        if (isalpha((unsigned char)c) || c == '_') {
            const char *q = p;
            while (word_char(*q))
                q++;
            size_t len = (size_t)(q - p), m;
            int first = at_start, type_position = after_word;
            at_start = 0;
            after_word = 1;
            if (first && (m = match_words(p, "PRAGMA"))) {
                const char *end = strchr(p, ';');
                size_t n = end ? (size_t)(end - p) : strlen(p);
                const char *ti = p + m;
                ti = skip_space(ti);
                if ((m = match_words(ti, "table_info")) && ti[m] == '(') {
                    const char *name = ti + m + 1, *close = strchr(name, ')');
                    if (close)
                        omr_strbuf_printf(&b, "SELECT ordinal_position, column_name::text FROM "
                                              "information_schema.columns WHERE table_schema = current_schema() "
                                              "AND table_name = '%.*s' ORDER BY ordinal_position",
                                          (int)(close - name), name);
                    p += n;
                } else {
                    p += n + (end ? 1 : 0); /* the statement and its ';' */
                    at_start = 1;
                }
                continue;
            }
            if (first && (m = match_words(p, "BEGIN IMMEDIATE"))) {
                omr_strbuf_printf(&b, "BEGIN ISOLATION LEVEL READ COMMITTED; SELECT pg_advisory_xact_lock(%d)",
                                  PG_LEDGER_LOCK_KEY);
                p += m;
                continue;
            }
            if (first && (m = match_words(p, "BEGIN")) && (*skip_space(p + m) == ';' || !*skip_space(p + m))) {
                omr_strbuf_printf(&b, "BEGIN ISOLATION LEVEL REPEATABLE READ");
                p += m;
                continue;
            }
            if (first && (m = match_words(p, "CREATE VIEW IF NOT EXISTS"))) {
                omr_strbuf_printf(&b, "CREATE OR REPLACE VIEW");
                p += m;
                continue;
            }
            if (first && (match_words(p, "CREATE TABLE") || match_words(p, "ALTER TABLE")))
                ddl = 1;
            if (first && match_words(p, "CREATE TABLE"))
                create_table = 1;
            if ((m = match_words(p, "ORDER BY"))) {
                omr_strbuf_printf(&b, "%.*s", (int)m, p);
                p += m;
                order_depth = depth;
                term_desc = 0;
                continue;
            }
            if (order_depth == depth) {
                if (len == 4 && strncasecmp(p, "DESC", len) == 0)
                    term_desc = 1;
                else if (len == 3 && strncasecmp(p, "ASC", len) == 0)
                    term_desc = 0;
                else if ((len == 5 && strncasecmp(p, "LIMIT", len) == 0) ||
                         (len == 6 && strncasecmp(p, "OFFSET", len) == 0) ||
                         (len == 3 && strncasecmp(p, "FOR", len) == 0) ||
                         (len == 5 && strncasecmp(p, "UNION", len) == 0) ||
                         (len == 6 && strncasecmp(p, "EXCEPT", len) == 0) ||
                         (len == 9 && strncasecmp(p, "INTERSECT", len) == 0))
                    END_TERM(0);
            }
            if ((m = match_words(p, "INSERT OR IGNORE"))) {
                omr_strbuf_printf(&b, "INSERT");
                ignore = 1;
                p += m;
                continue;
            }
            if ((m = match_words(p, "INTEGER PRIMARY KEY"))) {
                own_key = 1; /* SQLite's rowid is this column */
                omr_strbuf_printf(&b, "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY");
                p += m;
                continue;
            }
            if ((m = match_words(p, "IS NOT")) && compares_a_value(p + m)) {
                omr_strbuf_printf(&b, "IS DISTINCT FROM");
                p += m;
                continue;
            }
            if ((m = match_words(p, "IS")) && compares_a_value(p + m)) {
                omr_strbuf_printf(&b, "IS NOT DISTINCT FROM");
                p += m;
                continue;
            }
            const char *to = NULL;
            if (len == 7 && strncasecmp(p, "INTEGER", len) == 0)
                to = "BIGINT";
            else if (len == 4 && strncasecmp(p, "REAL", len) == 0)
                to = "DOUBLE PRECISION";
            else if (len == 4 && ddl && type_position && strncasecmp(p, "TEXT", len) == 0)
                to = "TEXT COLLATE \"C\"";
            else if (len == 6 && strncasecmp(p, "ifnull", len) == 0)
                to = "coalesce";
            else if (len == 12 && strncasecmp(p, "group_concat", len) == 0)
                to = "string_agg";
            else if (len == 17 && strncasecmp(p, "last_insert_rowid", len) == 0)
                to = "lastval";
            if (to)
                omr_strbuf_printf(&b, "%s", to);
            else
                omr_strbuf_printf(&b, "%.*s", (int)len, p);
            p = q;
            continue;
        }
        if (!isspace((unsigned char)c))
            at_start = after_word = 0;
        if (c == '(')
            depth++;
        else if (c == ')') {
            END_TERM(0);
            depth--;
            /* SQLite gives every table a rowid (the texts queue reads it);
             * a table without an INTEGER PRIMARY KEY gets one here */
            if (create_table && depth == 0 && !own_key) {
                omr_strbuf_printf(&b, ", rowid BIGINT GENERATED BY DEFAULT AS IDENTITY UNIQUE");
                create_table = 0;
            }
        } else if (c == ',')
            END_TERM(1);
        omr_strbuf_printf(&b, "%c", c);
        p++;
    }
    END_TERM(0);
    if (ignore)
        omr_strbuf_printf(&b, " ON CONFLICT DO NOTHING");
    if (n_params)
        *n_params = max;
    if (b.failed) {
        omr_strbuf_free(&b);
        return NULL;
    }
    return omr_strbuf_take(&b);
}
