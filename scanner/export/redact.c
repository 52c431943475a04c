/*
 * redact.c — masks personal identity numbers, phone numbers and e-mail
 * addresses in comment text on its way into an export (rules in redact.h).
 * Two passes over the text: e-mail addresses first (they may hold digits),
 * then numbers, each found at a boundary (no letter or digit just before
 * it) and replaced by a bracketed word. Hands the masked copy to the writer
 * of records.csv and of the analysis exports; the ledger is never touched.
 */
#include "export/redact.h"

#include <stdlib.h>
#include <string.h>

#include "base/files.h"

static int is_digit(char c) { return c >= '0' && c <= '9'; }
static int is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
static int is_alnum(char c) { return is_digit(c) || is_alpha(c); }

static int email_local(char c) { return is_alnum(c) || (c && strchr("._%+-", c)); }
static int email_domain(char c) { return is_alnum(c) || c == '.' || c == '-'; }

int redact_is_personal_number(const char *d, size_t len) {
    if (len != 10 && len != 12)
        return 0;
    for (size_t i = 0; i < len; i++)
        if (!is_digit(d[i]))
            return 0;
    if (len == 12) {
        int century = (d[0] - '0') * 10 + d[1] - '0';
        if (century < 18 || century > 20)
            return 0;
        d += 2;
    }
    int month = (d[2] - '0') * 10 + d[3] - '0';
    int day = (d[4] - '0') * 10 + d[5] - '0';
    if (month < 1 || month > 12)
        return 0;
    if (day > 60) /* a coordination number: day + 60 */
        day -= 60;
    if (day < 1 || day > 31)
        return 0;
    /* Luhn over the ten digits: weights 2, 1, 2, 1, ... */
    int sum = 0;
    for (int i = 0; i < 10; i++) {
        int v = (d[i] - '0') * (i % 2 == 0 ? 2 : 1);
        sum += v > 9 ? v - 9 : v;
    }
    return sum % 10 == 0;
}

/* A personal number starting at s: its length, or 0. */
static size_t match_personal_number(const char *s) {
    size_t n = 0;
    while (is_digit(s[n]))
        n++;
    char digits[13];
    size_t len = 0;
    if ((n == 10 || n == 12) && !is_alnum(s[n])) {
        memcpy(digits, s, n);
        return redact_is_personal_number(digits, n) ? n : 0;
    }
    if ((n == 6 || n == 8) && (s[n] == '-' || s[n] == '+')) {
        for (size_t k = 1; k <= 4; k++)
            if (!is_digit(s[n + k]))
                return 0;
        if (is_alnum(s[n + 5]))
            return 0;
        memcpy(digits, s, n);
        memcpy(digits + n, s + n + 1, 4);
        len = n + 4;
        return redact_is_personal_number(digits, len) ? n + 5 : 0;
    }
    return 0;
}

/* A phone number starting at s ('0' or '+'): its length, or 0. */
static size_t match_phone(const char *s) {
    if (s[0] != '0' && s[0] != '+')
        return 0;
    size_t i = s[0] == '+' ? 1 : 0, digits = 0, end = 0;
    if (!is_digit(s[i]))
        return 0;
    while (s[i]) {
        if (is_digit(s[i])) {
            digits++;
            end = ++i;
        } else if (strchr(" -/()", s[i]) && s[i + 1] && (is_digit(s[i + 1]) || s[i + 1] == '(' ||
                                                          (s[i] == ')' && s[i + 1] == ' '))) {
            i++; /* one separator between groups */
        } else
            break;
    }
    if (is_alpha(s[end]))
        return 0;
    return digits >= 8 && digits <= 13 ? end : 0;
}

static char *redact_emails(const char *text) {
    omr_strbuf b = {0};
    const char *copied = text;
    for (const char *at = strchr(text, '@'); at; at = strchr(at + 1, '@')) {
        const char *l = at;
        while (l > copied && email_local(l[-1]))
            l--;
        const char *r = at + 1;
        while (email_domain(*r))
            r++;
        while (r > at + 1 && (r[-1] == '.' || r[-1] == '-')) /* a sentence's full stop */
            r--;
        const char *dot = NULL;
        for (const char *p = at + 1; p < r; p++)
            if (*p == '.')
                dot = p;
        if (l == at || !dot || dot == at + 1 || !is_alpha(r[-1]))
            continue;
        omr_strbuf_printf(&b, "%.*s[e-post]", (int)(l - copied), copied);
        copied = r;
        at = r - 1;
    }
    omr_strbuf_add(&b, "", copied);
    if (b.failed) {
        omr_strbuf_free(&b);
        return NULL;
    }
    return omr_strbuf_take(&b);
}

char *redact_comment(const char *text) {
    if (!text)
        return NULL;
    char *mailless = redact_emails(text);
    if (!mailless)
        return NULL;
    omr_strbuf b = {0};
    const char *s = mailless, *copied = s;
    for (size_t i = 0; s[i];) {
        if (i > 0 && (is_alnum(s[i - 1]) || s[i - 1] == '+')) {
            i++;
            continue;
        }
        size_t n = match_personal_number(s + i);
        const char *word = "[personnummer]";
        if (!n) {
            n = match_phone(s + i);
            word = "[telefon]";
        }
        if (!n) {
            i++;
            continue;
        }
        omr_strbuf_printf(&b, "%.*s%s", (int)(s + i - copied), copied, word);
        i += n;
        copied = s + i;
    }
    omr_strbuf_add(&b, "", copied);
    free(mailless);
    if (b.failed) {
        omr_strbuf_free(&b);
        return NULL;
    }
    char *out = omr_strbuf_take(&b);
    return out;
}
