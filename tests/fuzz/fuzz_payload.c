/*
 * fuzz_payload.c — libFuzzer harness for the QR payload parser
 * (forms/code.h, identify_parse_payload) and a foreign form's barcode text
 * through its identity pattern (reading/barcode.h, barcode_match). The text
 * of a QR code or barcode comes off paper anyone can print, so any bytes
 * must end in a code or a reason. What a parse accepts must also be what
 * omr itself would print: format(parse(x)) parses to the same fields, and a
 * login code is 1 to 40 upper-case letters and digits.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "forms/code.h"
#include "reading/barcode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_code(const char *code) {
    if (!identify_code_is_valid(code))
        abort();
    for (const char *c = code; *c; c++)
        if (*c >= 'a' && *c <= 'z')
            abort(); /* codes are upper-cased where they enter */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char text[BARCODE_MAX_TEXT];
    size_t n = size < sizeof text - 1 ? size : sizeof text - 1;
    memcpy(text, data, n);
    text[n] = 0;

    code_payload p;
    omr_error err;
    if (identify_parse_payload(text, &p, &err) == OMR_OK) {
        check_code(p.code);
        if (p.page < 1 || p.page > 99)
            abort();
        char again[256];
        code_payload q;
        if (identify_format_payload(again, sizeof again, p.template_id, p.code, p.page) != OMR_OK ||
            identify_parse_payload(again, &q, &err) != OMR_OK || strcmp(p.code, q.code) != 0 ||
            strcmp(p.template_id, q.template_id) != 0 || p.page != q.page)
            abort();
    }

    /* the same text as a foreign form's barcode: the code in group 12 of 13
     * (past the 10 slots barcode_match once had) and the page in group 13 */
    omr_template t = {0};
    t.id = "fuzz";
    t.identity = (template_identity){
        .kind = IDENTITY_CODE128,
        .pattern = "^(A?)(B?)(C?)(D?)(E?)(F?)(G?)(H?)(I?)(J?)(K?)([0-9A-Za-z]*)-?([0-9]*)$",
        .group_code = 12,
        .group_page = 13};
    barcode_symbol s = {.kind = IDENTITY_CODE128};
    memcpy(s.text, text, n + 1);
    char code[64];
    int page;
    if (barcode_match(&t, &s, code, sizeof code, &page, &err) == OMR_OK) {
        check_code(code);
        if (page < 1 || page > 99)
            abort();
    }
    /* and a form group that must read "17" */
    t.identity = (template_identity){
        .kind = IDENTITY_CODE128, .pattern = "^([0-9]{2})(.*)$", .group_code = 2, .group_form = 1, .form = "17"};
    if (barcode_match(&t, &s, code, sizeof code, &page, &err) == OMR_OK && strncmp(text, "17", 2) != 0)
        abort();
    return 0;
}
