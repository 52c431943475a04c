/*
 * test_frame_recheck.c — forms scanned before the sample was imported: at
 * `omr frame import` the returns already in the ledger are checked against
 * the new frame. A code not in it is flagged not_in_frame (records.csv's
 * flags, the import's message, omr status); importing a frame that holds the code clears
 * the flag again; other flags of a return are kept. Runs the real omr binary.
 */
#include "helpers.h"

static void read_all(const char *path, char *buf, size_t size) {
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f, "%s", path);
    buf[fread(buf, 1, size - 1, f)] = 0;
    fclose(f);
}

/* The records.csv row of `code` (its flags are in it). */
static const char *row_of(const char *records, const char *code, char *row, size_t size) {
    const char *at = strstr(records, code);
    cr_assert_not_null(at, "no row for %s in: %s", code, records);
    size_t n = strcspn(at, "\r\n");
    snprintf(row, size, "%.*s", (int)n, at);
    return row;
}

Test(frame_recheck, returns_scanned_before_the_frame_are_flagged_then_cleared, .timeout = 180) {
    const char *omr = getenv("OMR_BIN");
    cr_assert_not_null(omr, "OMR_BIN is not set (run through make test)");
    char *dir = test_tempdir();
    char here[2048], cmd[8192], path[4096];
    cr_assert_not_null(getcwd(here, sizeof here));
    snprintf(cmd, sizeof cmd,
             "cd %s && O=%s/%s && $O frame codes 3 > codes.txt && "
             "$O render ekb-2024 --codes codes.txt --format png --dpi 150 --out scans >/dev/null 2>&1 && "
             "$O scan --template ekb-2024 --db l.db --no-ocr --out out0 scans >/dev/null 2>&1 && "
             "printf 'code,unit\\n%%s,A\\n%%s,B\\n' $(head -2 codes.txt) > two.csv && "
             "printf 'code,unit\\n%%s,A\\n%%s,B\\n%%s,C\\n' $(cat codes.txt) > three.csv && "
             "$O frame import two.csv --template ekb-2024 --db l.db 2> import1.txt && "
             "$O export --db l.db --out out1 >/dev/null 2>&1 && "
             "$O status --db l.db > status1.txt 2>&1 && "
             "$O frame import three.csv --replace --template ekb-2024 --db l.db 2> import2.txt && "
             "$O export --db l.db --out out2 >/dev/null 2>&1",
             dir, here, omr);
    cr_assert_eq(system(cmd), 0);
    char codes[3][32];
    snprintf(path, sizeof path, "%s/codes.txt", dir);
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f);
    cr_assert_eq(fscanf(f, "%31s %31s %31s", codes[0], codes[1], codes[2]), 3);
    fclose(f);
    static char records[65536], text[4096];
    char row[4096];
    /* scanned with no frame: nothing to check, nothing flagged */
    snprintf(path, sizeof path, "%s/out0/records.csv", dir);
    read_all(path, records, sizeof records);
    cr_assert(!strstr(records, "not_in_frame"), "%s", records);
    /* the frame of two codes arrives: the third is flagged, the two are not */
    snprintf(path, sizeof path, "%s/import1.txt", dir);
    read_all(path, text, sizeof text);
    cr_assert(strstr(text, "1 are not in the frame") && strstr(text, "0 now are"), "%s", text);
    snprintf(path, sizeof path, "%s/out1/records.csv", dir);
    read_all(path, records, sizeof records);
    cr_assert(strstr(row_of(records, codes[2], row, sizeof row), "not_in_frame"), "%s", row);
    for (int i = 0; i < 2; i++)
        cr_assert(!strstr(row_of(records, codes[i], row, sizeof row), "not_in_frame"), "%s", row);
    /* omr status counts it, whenever it was scanned */
    snprintf(path, sizeof path, "%s/status1.txt", dir);
    read_all(path, text, sizeof text);
    cr_assert(strstr(text, "not in the frame: 1 return in all"), "%s", text);
    /* the frame replaced by one holding all three: the flag is cleared */
    snprintf(path, sizeof path, "%s/import2.txt", dir);
    read_all(path, text, sizeof text);
    cr_assert(strstr(text, "0 are not in the frame") && strstr(text, "1 now are"), "%s", text);
    snprintf(path, sizeof path, "%s/out2/records.csv", dir);
    read_all(path, records, sizeof records);
    cr_assert(!strstr(records, "not_in_frame"), "%s", records);
    rm_rf(dir);
}
