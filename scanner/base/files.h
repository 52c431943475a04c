/*
 * files.h — the one of each shared piece for writing outputs: an atomic file
 * (temporary name beside the final one, flush + fsync, rename, fsync of the
 * folder), a CSV field writer, a growing string, and the cache folder. Every stage that writes
 * a file a person or another program will read goes through these, so a
 * crash or a full disk never leaves half a file under the final name.
 *
 * The CSV writer quotes only where RFC 4180 needs it (the delimiter, a quote,
 * CR or LF in the value). libcsv's csv_fwrite quotes every field; the outputs'
 * bytes are a contract with the analysts' scripts, so the minimal quoting is
 * kept here, once.
 */
#ifndef OMR_FILES_H
#define OMR_FILES_H

#include <stdio.h>

#include "base/common.h"

/* ---- atomic files ------------------------------------------------------------------ */

typedef struct {
    FILE *fp;                 /* write here between open and commit */
    char final_path[4096];
    char temp_path[4200];
} omr_atomic_file;

/* Opens "<dir>/.<name>.tmp.<pid>" for writing. OMR_ERR_IO naming the final
 * path and, for a full disk or a read-only folder, what happens next. */
int omr_atomic_open(omr_atomic_file *file, const char *dir, const char *name, omr_error *err);

/* The same with the final path given whole (temporary name beside it). */
int omr_atomic_open_path(omr_atomic_file *file, const char *path, omr_error *err);

/* Flushes and fsyncs the temporary file and closes it; removes it on failure.
 * After this, fp is NULL. */
int omr_atomic_finish(omr_atomic_file *file, omr_error *err);

/* Renames a finished temporary file to its final name (removed on failure). */
int omr_atomic_rename(omr_atomic_file *file, omr_error *err);

/* finish + rename + fsync of the folder: the whole commit of one file. */
int omr_atomic_commit(omr_atomic_file *file, omr_error *err);

/* Abandons an open or finished file: closes it and removes the temporary. */
void omr_atomic_abort(omr_atomic_file *file);

/* Makes the renames in `dir` durable (errors ignored: best effort). */
void omr_sync_dir(const char *dir);

/* Words after a system error that say what happens next ("" for most). */
const char *omr_io_hint(int errnum);

/* Writes `text` to `path` atomically (for small state files). */
int omr_write_file_atomic(const char *path, const char *text, omr_error *err);

/* ---- CSV ----------------------------------------------------------------------------- */

/* Writes one field, quoted only when it holds `delim`, '"', CR or LF;
 * invalid UTF-8 bytes as \xNN (see omr_csv_cell). NULL writes nothing (an
 * empty field). */
void omr_csv_field(FILE *out, const char *value, char delim);

/* Writes n fields separated by ',' and ends the row with CRLF. */
void omr_csv_row(FILE *out, const char *const *fields, size_t n);

/* What a cell holds, for the two protections every CSV cell gets
 * (README, "Bad input and what omr says"):
 *  - every cell is valid UTF-8: a byte that is not part of a valid UTF-8
 *    sequence is written as the four characters \xNN (hex, upper case);
 *  - OMR_CSV_TEXT (free text: comments, transcriptions, reasons, labels): a
 *    value starting with '=', '+', '-', '@', TAB, CR or ''' gets a leading '''
 *    so a spreadsheet never runs it as a formula (OWASP, "CSV Injection");
 *    strip one leading ''' from such a cell to get the value back;
 *  - OMR_CSV_FILE (a file name, or a list of them): as TEXT, and a backslash
 *    is written as \\, so the name's bytes can be recovered exactly.
 * OMR_CSV_PLAIN (codes, ids, numbers: "-1" stays a number) gets only the
 * UTF-8 rule. */
typedef enum { OMR_CSV_PLAIN, OMR_CSV_TEXT, OMR_CSV_FILE } omr_csv_kind;

/* omr_csv_field with the protections of `kind`. */
void omr_csv_cell(FILE *out, const char *value, char delim, omr_csv_kind kind);

/* omr_csv_row with a kind per field: kinds[i] is 'p' (plain), 't' (text) or
 * 'f' (file name); a shorter `kinds` leaves the rest plain. */
void omr_csv_row_kinds(FILE *out, const char *const *fields, size_t n, const char *kinds);

/* ---- growing strings ------------------------------------------------------------------ */

typedef struct {
    char *s;                  /* NUL-terminated, or NULL while empty */
    size_t len, cap;
    int failed;               /* an allocation failed: the string is short */
} omr_strbuf;

/* Appends `item`, preceded by `sep` unless the string is empty. */
void omr_strbuf_add(omr_strbuf *b, const char *sep, const char *item);

/* Appends printf-style. */
void omr_strbuf_printf(omr_strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Hands the string to the caller ("" when empty; NULL only when out of memory)
 * and empties the buffer. */
char *omr_strbuf_take(omr_strbuf *b);

void omr_strbuf_free(omr_strbuf *b);

/* ---- the cache folder ----------------------------------------------------------- */

/* Where omr keeps what it may rebuild (print masks, blank pages'
 * descriptions): $OMR_CACHE_DIR, else $XDG_CACHE_HOME/omr, else
 * ~/.cache/omr; OMR_CACHE_DIR set but empty turns caching off. Writes the
 * folder into dir; 0 when there is none. */
int omr_cache_dir(char *dir, size_t size);
/* mkdir -p of a cache folder; 0 when it cannot be made (a cache that cannot
 * be written only costs time). */
int omr_cache_make_dir(const char *dir);

#endif
