/*
 * test_frame_scan.c — a form whose login code is not in the survey's frame
 * is flagged at scan time (records.csv flags "not_in_frame", or
 * "frame_check_failed" when its check character is wrong), never counted
 * silently; a code in the frame is not flagged. Runs the real omr binary.
 */
#include "helpers.h"

/* The flags cell ends its row's "ekb-2024," template cell: return the row. */
static const char *row_of(const char *records, const char *code, char *row, size_t size) {
    const char *at = strstr(records, code);
    cr_assert_not_null(at, "no row for %s in: %s", code, records);
    size_t n = strcspn(at, "\r\n");
    snprintf(row, size, "%.*s", (int)n, at);
    return row;
}

Test(frame_scan, codes_outside_the_frame_are_flagged, .timeout = 120) {
    const char *omr = getenv("OMR_BIN");
    cr_assert_not_null(omr, "OMR_BIN is not set (run through make test)");
    char *dir = test_tempdir();
    char here[2048], cmd[8192];
    cr_assert_not_null(getcwd(here, sizeof here));
    snprintf(cmd, sizeof cmd,
             "cd %s && O=%s/%s && $O frame codes 2 > codes.txt && "
             "printf 'code,unit\\n%%s,A\\n' $(head -1 codes.txt) > frame.csv && "
             "{ cat codes.txt; echo OUTSIDE1; } > in.txt && "
             "$O frame import frame.csv --template ekb-2024 --db l.db >/dev/null 2>&1 && "
             "$O render ekb-2024 --codes in.txt --format png --dpi 150 --out scans >/dev/null 2>&1 && "
             "{ $O scan --template ekb-2024 --db l.db --no-ocr --out out scans >/dev/null 2>&1; true; }",
             dir, here, omr);
    cr_assert_eq(system(cmd), 0);
    char path[4096], framed[32], unframed[32];
    snprintf(path, sizeof path, "%s/codes.txt", dir);
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f);
    cr_assert_eq(fscanf(f, "%31s %31s", framed, unframed), 2);
    fclose(f);
    snprintf(path, sizeof path, "%s/out/records.csv", dir);
    f = fopen(path, "r");
    cr_assert_not_null(f);
    static char records[65536];
    records[fread(records, 1, sizeof records - 1, f)] = 0;
    fclose(f);
    char row[4096];
    cr_assert(strstr(row_of(records, unframed, row, sizeof row), "not_in_frame"), "%s", row);
    cr_assert(strstr(row_of(records, "OUTSIDE1", row, sizeof row), "frame_check_failed"), "%s", row);
    row_of(records, framed, row, sizeof row);
    cr_assert(!strstr(row, "not_in_frame") && !strstr(row, "frame_check_failed"), "%s", row);
    rm_rf(dir);
}
