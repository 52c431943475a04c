/*
 * code.c — login codes, their check character and the QR payload (code.h).
 * Shared by render (which prints them) and identify (which reads them), so
 * neither needs the other.
 */
#include "forms/code.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int base36_value(char c) {
    c = (char)toupper((unsigned char)c);
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'A' && c <= 'Z')
        return c - 'A' + 10;
    return -1;
}

char identify_check_char(const char *code) {
    /* Luhn mod N with N = 36: catches every single-character error and most
     * swaps of neighbours, the usual misreads and mistypes. */
    const int n = 36;
    int factor = 2, sum = 0;
    size_t len = strlen(code);
    for (size_t i = len; i-- > 0;) {
        int v = base36_value(code[i]);
        if (v < 0)
            return 0;
        int addend = factor * v;
        factor = factor == 2 ? 1 : 2;
        sum += addend / n + addend % n;
    }
    int check = (n - sum % n) % n;
    return (char)(check < 10 ? '0' + check : 'A' + check - 10);
}

int identify_code_is_valid(const char *code) {
    size_t len = code ? strlen(code) : 0;
    if (len == 0 || len > 40)
        return 0;
    for (size_t i = 0; i < len; i++)
        if (!isalnum((unsigned char)code[i]) || (unsigned char)code[i] > 127)
            return 0;
    return 1;
}

void identify_code_normalize(char *code) {
    for (char *c = code; c && *c; c++)
        if (*c >= 'a' && *c <= 'z')
            *c = (char)(*c - 'a' + 'A');
}

int identify_format_payload(char *buf, size_t size, const char *template_id, const char *code,
                            int page) {
    if (!identify_code_is_valid(code))
        return OMR_ERR_INVALID;
    int n = snprintf(buf, size, "OMR1:%s:%s:%d:%c", template_id, code, page,
                     identify_check_char(code));
    return n > 0 && (size_t)n < size ? OMR_OK : OMR_ERR_INVALID;
}

int identify_parse_payload(const char *payload, code_payload *out, omr_error *err) {
    memset(out, 0, sizeof *out);
    if (strncmp(payload, "OMR1:", 5) != 0)
        return omr_fail(err, OMR_ERR_INVALID,
                        "the QR code on this page is not an omr code (it reads \"%.40s\"); "
                        "is this page from another questionnaire or a letter?", payload);
    char copy[256];
    snprintf(copy, sizeof copy, "%s", payload + 5);
    char *fields[5] = {0};
    int n = 0;
    for (char *save = NULL, *tok = strtok_r(copy, ":", &save); tok && n < 5;
         tok = strtok_r(NULL, ":", &save))
        fields[n++] = tok;
    if (n != 4 || strlen(fields[0]) >= IDENTIFY_MAX_ID || strlen(fields[1]) >= IDENTIFY_MAX_ID)
        return omr_fail(err, OMR_ERR_INVALID, "the QR code \"%.60s\" is damaged or incomplete",
                        payload);
    char *end = NULL;
    long page = strtol(fields[2], &end, 10);
    if (*end || page < 1 || page > 99)
        return omr_fail(err, OMR_ERR_INVALID, "the QR code \"%.60s\" has no valid page number",
                        payload);
    if (!identify_code_is_valid(fields[1]) || strlen(fields[3]) != 1 ||
        toupper((unsigned char)fields[3][0]) != identify_check_char(fields[1]))
        return omr_fail(err, OMR_ERR_INVALID,
                        "the login code in the QR code \"%.60s\" fails its check character "
                        "(a misread or a damaged code)", payload);
    snprintf(out->template_id, sizeof out->template_id, "%s", fields[0]);
    snprintf(out->code, sizeof out->code, "%s", fields[1]);
    identify_code_normalize(out->code);
    out->page = (int)page;
    return OMR_OK;
}
