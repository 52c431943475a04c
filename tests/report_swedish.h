/*
 * tests/report_swedish.h — the check that a page of the Swedish report has
 * no English sentence: the first English word (one that is not also a
 * Swedish word) in the text a reader sees, tags, entities and file names
 * aside. Used by test_report_pages.c and test_report_national.c.
 */
#ifndef OMR_TEST_REPORT_SWEDISH_H
#define OMR_TEST_REPORT_SWEDISH_H

#include <criterion/criterion.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>

/* Words of English that are not Swedish words: none may appear in what a
 * reader sees (the text between tags, entities and file names aside). */
static const char *const english[] = {
    "the", "and", "of", "with", "are", "this", "that", "answers", "answer", "respondents", "share",
    "shares", "unit", "units", "question", "questions", "missing", "weighted", "unweighted", "page",
    "pages", "value", "values", "table", "tables", "chart", "suppressed", "fewer", "than", "review",
    "earlier", "year", "years", "change", "none", "yes", "percent", "interval", "group", "groups",
    "mean", "agree", "statement", "statements", "national", "who", "which", "where", "each", "every",
    "shown", "awaiting", "routed", "marked", "frame", "survey", "report", "rate", "sent", "returned"};

/* The first English word of the page's visible text, in `found`; 0 when none. */
static inline int english_word(const char *html, char *found, size_t size) {
    const char *body = strstr(html, "<body>");
    cr_assert_not_null(body);
    char word[128];
    size_t len = 0;
    int in_tag = 0;
    for (const char *p = body;; p++) {
        int letter = *p && !in_tag && (isalpha((unsigned char)*p) || (*p & 0x80) || *p == '.' || *p == '-');
        if (letter && len + 1 < sizeof word) {
            word[len++] = (char)tolower((unsigned char)*p);
            continue;
        }
        if (len) {
            word[len] = 0;
            /* file names (agree.csv, index.html) are names, not sentences */
            int file = strstr(word, ".csv") || strstr(word, ".html") || strstr(word, ".png") ||
                       strstr(word, ".svg");
            char *w = word;
            while (*w == '.' || *w == '-')
                w++;
            for (size_t e = strlen(w); e && (w[e - 1] == '.' || w[e - 1] == '-'); e--)
                w[e - 1] = 0;
            for (size_t k = 0; !file && k < sizeof english / sizeof *english; k++)
                if (strcmp(w, english[k]) == 0) {
                    snprintf(found, size, "%s (near: %.80s)", w, p - len > body + 40 ? p - len - 40 : body);
                    return 1;
                }
            len = 0;
        }
        if (!*p)
            break;
        if (*p == '<')
            in_tag = 1;
        else if (*p == '>')
            in_tag = 0;
        else if (*p == '&') /* an entity: skip to its ';' */
            while (p[1] && p[1] != ';' && p[1] != ' ')
                p++;
    }
    return 0;
}

#endif
