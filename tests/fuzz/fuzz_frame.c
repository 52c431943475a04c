/*
 * fuzz_frame.c — libFuzzer harness for the frame's input files
 * (survey/frame.h): any bytes as a sample frame CSV (frame_import_csv, with
 * and without check characters, into a ledger in memory) and as a list of
 * codes (frame_read_code_list, the undeliverable envelopes). These files are
 * typed and exported by survey offices (Excel, semicolons, byte order marks,
 * broken quoting, other encodings): each must be imported whole or refused
 * whole with its problems, never crash. What is imported must be what the
 * rest of omr can find: every code in the frame upper case and valid.
 */
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "forms/code.h"
#include "ledger/store.h"
#include "survey/frame.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static sqlite3 *db;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    omr_error err;
    if (!db && (store_open(":memory:", &db, &err) != OMR_OK || frame_open(db, &err) != OMR_OK))
        abort();
    char path[64];
    snprintf(path, sizeof path, "/tmp/omr-fuzz-frame-%d.csv", (int)getpid());
    FILE *f = fopen(path, "wb");
    if (!f)
        abort();
    if (size && fwrite(data, 1, size, f) != size)
        abort();
    fclose(f);

    frame_import_options o = {.template_id = "fuzz", .check_digits = size % 2, .replace = 1};
    frame_problems problems = {0};
    size_t imported = 0;
    if (frame_import_csv(db, path, &o, &problems, &imported, &err) == OMR_OK) {
        frame_strings codes;
        if (frame_list_codes(db, "fuzz", &codes, &err) != OMR_OK || codes.count != imported)
            abort();
        for (size_t i = 0; i < codes.count; i++) {
            if (!identify_code_is_valid(codes.items[i]))
                abort();
            for (const char *c = codes.items[i]; *c; c++)
                if (*c >= 'a' && *c <= 'z')
                    abort();
        }
        frame_strings_free(&codes);
    }
    frame_problems_clear(&problems);

    frame_strings list;
    size_t *lines = NULL;
    frame_problems p2 = {0};
    if (frame_read_code_list(path, &list, &lines, &p2, &err) == OMR_OK) {
        for (size_t i = 0; i < list.count; i++)
            if (!identify_code_is_valid(list.items[i]))
                abort();
    }
    frame_strings_free(&list);
    free(lines);
    frame_problems_clear(&p2);
    unlink(path);
    return 0;
}
