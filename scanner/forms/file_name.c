/*
 * file_name.c — respondent and page from a scan's file name (file_name.h).
 * The pattern becomes a POSIX extended regular expression, ^...$, with
 * {code} as (.+) and {page} as ([0-9]+); leftmost-longest matching gives
 * "KU-12-p3" under "{code}-p{page}" the code "KU-12" and page 3.
 */
#include "forms/file_name.h"

#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The regex of `pattern` in `re` (size >= 4 * strlen + 32); which group is
 * the code and which the page (0: none). Returns 0 on a bad pattern. */
static int to_regex(const char *pattern, char *re, size_t size, int *g_code, int *g_page, char *why,
                    size_t why_size) {
    size_t n = 0;
    int groups = 0;
    *g_code = *g_page = 0;
    re[n++] = '^';
    for (const char *p = pattern; *p; p++) {
        if (n + 16 > size) {
            snprintf(why, why_size, "too long");
            return 0;
        }
        if (*p == '{') {
            if (strncmp(p, "{code}", 6) == 0 && !*g_code) {
                *g_code = ++groups;
                memcpy(re + n, "(.+)", 4);
                n += 4;
                p += 5;
            } else if (strncmp(p, "{page}", 6) == 0 && !*g_page) {
                *g_page = ++groups;
                memcpy(re + n, "([0-9]+)", 8);
                n += 8;
                p += 5;
            } else {
                snprintf(why, why_size, "only {code} (once) and {page} (at most once) may stand in braces");
                return 0;
            }
            continue;
        }
        if (strchr(".[]()*+?{}|^$\\", *p))
            re[n++] = '\\';
        re[n++] = *p;
    }
    re[n++] = '$';
    re[n] = 0;
    if (!*g_code) {
        snprintf(why, why_size, "needs {code}: where the file name holds the respondent's code");
        return 0;
    }
    return 1;
}

int file_name_check(const char *pattern, char *why, size_t why_size) {
    size_t size = 4 * strlen(pattern) + 32;
    char *re = malloc(size);
    int g_code, g_page;
    if (!re) {
        snprintf(why, why_size, "out of memory");
        return 0;
    }
    int ok = to_regex(pattern, re, size, &g_code, &g_page, why, why_size);
    free(re);
    return ok;
}

int file_name_read(const char *pattern, const char *path, char *code, size_t code_size, int *page) {
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    char name[1024];
    snprintf(name, sizeof name, "%s", base);
    char *dot = strrchr(name, '.');
    if (dot && dot != name)
        *dot = 0;
    size_t size = 4 * strlen(pattern) + 32;
    char *text = malloc(size), why[160];
    int g_code, g_page, ok = 0;
    regex_t re;
    if (!text || !to_regex(pattern, text, size, &g_code, &g_page, why, sizeof why) ||
        regcomp(&re, text, REG_EXTENDED) != 0) {
        free(text);
        return 0;
    }
    regmatch_t m[3];
    if (regexec(&re, name, 3, m, 0) == 0) {
        size_t len = (size_t)(m[g_code].rm_eo - m[g_code].rm_so);
        if (len > 0 && len < code_size) {
            memcpy(code, name + m[g_code].rm_so, len);
            code[len] = 0;
            *page = g_page ? atoi(name + m[g_page].rm_so) : 0;
            ok = 1;
        }
    }
    regfree(&re);
    free(text);
    return ok;
}
