/*
 * code.h — the login code and the QR payload omr prints: what render writes
 * on every page and identify reads back. A code is 1..40 letters and digits;
 * its check character is Luhn mod 36 over the upper-cased code.
 *
 * Payload: "OMR1:<template id>:<code>:<page>:<check>".
 *
 * The functions keep their identify_ prefix: the ledger, the survey frame,
 * review and the command line call them by that name.
 */
#ifndef OMR_CODE_H
#define OMR_CODE_H

#include <stddef.h>

#include "base/common.h"

#define IDENTIFY_MAX_ID 64

/* What an omr QR code says. */
typedef struct {
    char template_id[IDENTIFY_MAX_ID];
    char code[IDENTIFY_MAX_ID];
    int page; /* 1-based */
} code_payload;

/* The check character for `code` (letters and digits only); 0 if the code has
 * another character. */
char identify_check_char(const char *code);
/* Code must be 1..40 letters and digits. */
int identify_code_is_valid(const char *code);
/* Login codes are case-insensitive (the check character is computed over
 * the upper-cased code): every code that enters omr, read from a QR code or
 * a barcode or typed into a file, is upper-cased in place by this, so one
 * code is one string in the ledger. */
void identify_code_normalize(char *code);
/* Writes the payload for (template, code, page) into buf. */
int identify_format_payload(char *buf, size_t size, const char *template_id, const char *code,
                            int page);
/* Parses a payload; OMR_ERR_INVALID with a reason when it is not ours or its
 * check character does not match (a misread). */
int identify_parse_payload(const char *payload, code_payload *out, omr_error *err);

#endif
