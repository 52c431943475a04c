/*
 * frame.c — the sample frame in the ledger: importing it from CSV (libcsv,
 * everything checked before one transaction writes it), making login codes
 * with a check character, checking a code read at scan time, registering
 * undeliverable envelopes, importing web answers as returns, and listing who
 * gets a reminder. Hands the report and the analysis exports the frame's
 * units and background variables (see frame.h for the tables and the rule
 * for which return counts).
 */
#include "survey/frame.h"

#include <ctype.h>
#include <csv.h>
#include <errno.h>
#include <glib.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "reading/identify.h"
#include "ledger/store.h"

static const char frame_schema_sql[] =
    "CREATE TABLE IF NOT EXISTS frame(\n"
    "  template TEXT NOT NULL,\n"
    "  code TEXT NOT NULL,\n"
    "  unit TEXT NOT NULL,\n"
    "  seq INTEGER NOT NULL,\n"
    "  imported_at TEXT NOT NULL,\n"
    "  PRIMARY KEY(template, code));\n"
    "CREATE INDEX IF NOT EXISTS frame_code ON frame(code);\n"
    "CREATE TABLE IF NOT EXISTS frame_variables(\n"
    "  template TEXT NOT NULL,\n"
    "  name TEXT NOT NULL,\n"
    "  position INTEGER NOT NULL,\n"
    "  PRIMARY KEY(template, name));\n"
    "CREATE TABLE IF NOT EXISTS frame_values(\n"
    "  template TEXT NOT NULL,\n"
    "  code TEXT NOT NULL,\n"
    "  name TEXT NOT NULL,\n"
    "  value TEXT NOT NULL,\n"
    "  PRIMARY KEY(template, code, name));\n"
    "CREATE TABLE IF NOT EXISTS frame_settings(\n"
    "  template TEXT PRIMARY KEY,\n"
    "  check_digits INTEGER NOT NULL);\n"
    "CREATE TABLE IF NOT EXISTS undeliverable(\n"
    "  template TEXT NOT NULL,\n"
    "  code TEXT NOT NULL,\n"
    "  source TEXT NOT NULL CHECK(source IN ('list','scan')),\n"
    "  registered_at TEXT NOT NULL,\n"
    "  PRIMARY KEY(template, code));\n"
    "CREATE TABLE IF NOT EXISTS mailings(\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  template TEXT NOT NULL,\n"
    "  kind TEXT NOT NULL CHECK(kind IN ('invitation','reminder')),\n"
    "  created_at TEXT NOT NULL,\n"
    "  n_codes INTEGER NOT NULL);\n"
    "CREATE TABLE IF NOT EXISTS mailing_codes(\n"
    "  mailing_id INTEGER NOT NULL REFERENCES mailings(id),\n"
    "  code TEXT NOT NULL,\n"
    "  PRIMARY KEY(mailing_id, code));\n"
    /* the return that counts per (template, code): see frame.h */
    "CREATE VIEW IF NOT EXISTS frame_counted_returns AS\n"
    "  SELECT r.* FROM returns r WHERE r.duplicate_of IS NULL AND NOT EXISTS(\n"
    "    SELECT 1 FROM returns o WHERE o.template = r.template AND o.code = r.code\n"
    "      AND o.duplicate_of IS NULL AND (o.created_at < r.created_at\n"
    "      OR (o.created_at = r.created_at AND o.id < r.id)));\n";

int frame_open(sqlite3 *db, omr_error *err) { return store_exec(db, frame_schema_sql, err); }

/* ---- problems -------------------------------------------------------------------------- */

static void problem_add(frame_problems *p, size_t line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void problem_add(frame_problems *p, size_t line, const char *fmt, ...) {
    if (!p)
        return;
    if (p->count == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 16;
        frame_problem *grown = realloc(p->items, cap * sizeof *grown);
        if (!grown)
            return;
        p->items = grown;
        p->cap = cap;
    }
    char buf[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    p->items[p->count++] = (frame_problem){line, strdup(buf)};
}

void frame_problems_clear(frame_problems *p) {
    if (!p)
        return;
    for (size_t i = 0; i < p->count; i++)
        free(p->items[i].reason);
    free(p->items);
    memset(p, 0, sizeof *p);
}

void frame_strings_free(frame_strings *s) {
    for (size_t i = 0; i < s->count; i++)
        free(s->items[i]);
    free(s->items);
    memset(s, 0, sizeof *s);
}

static void strings_push(frame_strings *s, const char *value) {
    if ((s->count & (s->count - 1)) == 0) { /* grow at powers of two */
        char **grown = realloc(s->items, (s->count ? s->count * 2 : 1) * sizeof *grown);
        if (!grown)
            return;
        s->items = grown;
    }
    s->items[s->count++] = strdup(value);
}

/* ---- CSV input -------------------------------------------------------------------------- */

typedef struct {
    char **cells;
    size_t n;
    size_t line; /* physical line where the record starts */
} csv_record;

typedef struct {
    csv_record *rows; /* rows[0] is the header */
    size_t n, cap;
    csv_record current;
    size_t cap_current;
    size_t line;      /* the physical line being fed */
} csv_input;

static void csv_on_field(void *s, size_t len, void *data) {
    csv_input *in = data;
    csv_record *r = &in->current;
    if (r->n == 0)
        r->line = in->line;
    if (r->n == in->cap_current) {
        in->cap_current = in->cap_current ? in->cap_current * 2 : 16;
        r->cells = realloc(r->cells, in->cap_current * sizeof *r->cells);
    }
    char *cell = malloc(len + 1);
    if (len)
        memcpy(cell, s, len);
    cell[len] = 0;
    r->cells[r->n++] = cell;
}

static void csv_on_record(int c, void *data) {
    (void)c;
    csv_input *in = data;
    if (in->n == in->cap) {
        in->cap = in->cap ? in->cap * 2 : 256;
        in->rows = realloc(in->rows, in->cap * sizeof *in->rows);
    }
    in->rows[in->n++] = in->current;
    memset(&in->current, 0, sizeof in->current);
    in->cap_current = 0;
}

static void csv_input_free(csv_input *in) {
    for (size_t i = 0; i < in->n; i++) {
        for (size_t k = 0; k < in->rows[i].n; k++)
            free(in->rows[i].cells[k]);
        free(in->rows[i].cells);
    }
    for (size_t k = 0; k < in->current.n; k++)
        free(in->current.cells[k]);
    free(in->current.cells);
    free(in->rows);
    memset(in, 0, sizeof *in);
}

/* Reads a whole CSV file with libcsv, line by line so that every record and
 * every encoding problem has its line. Problems (invalid UTF-8, malformed
 * quoting) go to `problems`; OMR_ERR_IO when the file cannot be read. */
static int csv_input_read(const char *path, csv_input *in, frame_problems *problems,
                          omr_error *err) {
    memset(in, 0, sizeof *in);
    gchar *text = NULL;
    gsize size = 0;
    GError *gerr = NULL;
    if (!g_file_get_contents(path, &text, &size, &gerr)) {
        omr_fail(err, OMR_ERR_IO, "cannot read %s: %s", path, gerr ? gerr->message : "unknown error");
        if (gerr)
            g_error_free(gerr);
        return OMR_ERR_IO;
    }
    const char *p = text, *end = text + size;
    if (size >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
        p += 3; /* Excel's byte order mark */
    /* separator: ';' when the header line has ';' and no ',' (Excel in Swedish) */
    const char *eol = memchr(p, '\n', (size_t)(end - p));
    size_t head_len = eol ? (size_t)(eol - p) : (size_t)(end - p);
    unsigned char delim = ',';
    if (memchr(p, ';', head_len) && !memchr(p, ',', head_len))
        delim = ';';
    struct csv_parser parser;
    csv_init(&parser, CSV_STRICT | CSV_STRICT_FINI);
    csv_set_delim(&parser, delim);
    int parse_failed = 0;
    for (size_t line = 1; p < end; line++) {
        eol = memchr(p, '\n', (size_t)(end - p));
        size_t len = eol ? (size_t)(eol - p) + 1 : (size_t)(end - p);
        const gchar *bad = NULL;
        if (!g_utf8_validate(p, (gssize)len, &bad))
            problem_add(problems, line,
                        "not UTF-8 text (byte 0x%02X at column %zu); save the file as UTF-8",
                        (unsigned char)*bad, (size_t)(bad - p) + 1);
        in->line = line;
        if (!parse_failed && csv_parse(&parser, p, len, csv_on_field, csv_on_record, in) != len) {
            problem_add(problems, line, "malformed CSV (%s): a quote inside an unquoted field, or "
                        "text after a closing quote",
                        csv_strerror(csv_error(&parser)));
            parse_failed = 1;
        }
        p += len;
    }
    if (!parse_failed && csv_fini(&parser, csv_on_field, csv_on_record, in) != 0)
        problem_add(problems, in->line, "malformed CSV: a quoted field is not closed before the end "
                    "of the file");
    csv_free(&parser);
    g_free(text);
    return OMR_OK;
}

static int column_index(const csv_record *header, const char *name) {
    for (size_t i = 0; i < header->n; i++)
        if (strcasecmp(header->cells[i], name) == 0)
            return (int)i;
    return -1;
}

/* ---- codes ------------------------------------------------------------------------------ */

static const char code_alphabet[] = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"; /* no 0 O 1 I L */

int frame_code_check_ok(const char *code) {
    size_t len = strlen(code);
    if (len < 2 || !identify_code_is_valid(code))
        return 0;
    char body[64];
    if (len > sizeof body)
        return 0;
    memcpy(body, code, len - 1);
    body[len - 1] = 0;
    return toupper((unsigned char)code[len - 1]) == identify_check_char(body);
}

static int code_in_any_frame(sqlite3 *db, sqlite3_stmt *st, const char *code) {
    if (!db)
        return 0;
    sqlite3_reset(st);
    sqlite3_bind_text(st, 1, code, -1, SQLITE_TRANSIENT);
    return sqlite3_step(st) == SQLITE_ROW;
}

static int compare_code(const void *a, const void *b) {
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int frame_make_codes(sqlite3 *db, size_t n, char (*codes)[FRAME_CODE_RANDOM + 2], omr_error *err) {
    sqlite3_stmt *st = NULL;
    if (db && sqlite3_prepare_v2(db, "SELECT 1 FROM frame WHERE code = ?", -1, &st, NULL) != SQLITE_OK)
        return omr_fail(err, OMR_ERR_IO, "ledger: %s", sqlite3_errmsg(db));
    const size_t k = sizeof code_alphabet - 1;
    char **sorted = malloc((n ? n : 1) * sizeof *sorted);
    int rc = OMR_OK;
    /* fresh[i]: code i must be (re)drawn */
    unsigned char *fresh = malloc(n ? n : 1);
    memset(fresh, 1, n);
    for (int round = 0; round < 100 && rc == OMR_OK; round++) {
        size_t redraw = 0;
        for (size_t i = 0; i < n && rc == OMR_OK; i++) {
            if (!fresh[i])
                continue;
            do {
                for (size_t c = 0; c < FRAME_CODE_RANDOM; c++) {
                    unsigned char byte;
                    do {
                        if (getrandom(&byte, 1, 0) != 1) {
                            rc = omr_fail(err, OMR_ERR_IO, "no randomness for login codes: %s",
                                          strerror(errno));
                            break;
                        }
                    } while (byte >= 256 - 256 % k);
                    codes[i][c] = code_alphabet[byte % k];
                }
                codes[i][FRAME_CODE_RANDOM] = 0;
                if (rc != OMR_OK)
                    break;
                codes[i][FRAME_CODE_RANDOM] = identify_check_char(codes[i]);
                codes[i][FRAME_CODE_RANDOM + 1] = 0;
            } while (code_in_any_frame(db, st, codes[i]));
            fresh[i] = 0;
        }
        /* distinct among themselves */
        for (size_t i = 0; i < n; i++)
            sorted[i] = codes[i];
        qsort(sorted, n, sizeof *sorted, compare_code);
        for (size_t i = 1; i < n; i++)
            if (strcmp(sorted[i - 1], sorted[i]) == 0) {
                fresh[(size_t)(sorted[i] - codes[0]) / sizeof codes[0]] = 1;
                redraw++;
            }
        if (!redraw)
            break;
    }
    free(fresh);
    free(sorted);
    sqlite3_finalize(st);
    return rc;
}

static int frame_exists(sqlite3 *db, const char *template_id, int *check_digits) {
    sqlite3_stmt *st = NULL;
    int found = 0;
    *check_digits = 0;
    if (sqlite3_prepare_v2(db, "SELECT check_digits FROM frame_settings WHERE template = ?", -1, &st,
                           NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, template_id, -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_ROW) {
            found = 1;
            *check_digits = sqlite3_column_int(st, 0);
        }
    }
    sqlite3_finalize(st);
    return found;
}

frame_code_status frame_check_code(sqlite3 *db, const char *template_id, const char *code,
                                   char *reason, size_t reason_size) {
    char dummy[8];
    if (!reason) {
        reason = dummy;
        reason_size = sizeof dummy;
    }
    reason[0] = 0;
    int check_digits = 0;
    if (!frame_exists(db, template_id, &check_digits))
        return FRAME_CODE_NO_FRAME;
    if (check_digits && !frame_code_check_ok(code)) {
        snprintf(reason, reason_size,
                 "login code %s fails its check character: a misread, or a form from another "
                 "survey",
                 code);
        return FRAME_CODE_BAD_CHECK;
    }
    sqlite3_stmt *st = NULL;
    frame_code_status status = FRAME_CODE_UNKNOWN;
    if (sqlite3_prepare_v2(db, "SELECT 1 FROM frame WHERE template = ? AND code = ?", -1, &st,
                           NULL) != SQLITE_OK) {
        snprintf(reason, reason_size, "ledger: %s", sqlite3_errmsg(db));
        return FRAME_CODE_NO_FRAME;
    }
    sqlite3_bind_text(st, 1, template_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, code, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW)
        status = FRAME_CODE_OK;
    sqlite3_finalize(st);
    if (status == FRAME_CODE_UNKNOWN)
        snprintf(reason, reason_size,
                 "login code %s is not in the frame of %s: a misread, or a form from another "
                 "survey",
                 code, template_id);
    return status;
}

/* ---- import ----------------------------------------------------------------------------- */

static int name_is_identifier(const char *s) {
    if (!isalpha((unsigned char)*s))
        return 0;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '_')
            return 0;
    return 1;
}

typedef struct {
    char upper[64];
    size_t line;
} code_line;

static int compare_code_line(const void *a, const void *b) {
    const code_line *x = a, *y = b;
    int c = strcmp(x->upper, y->upper);
    return c ? c : (x->line > y->line) - (x->line < y->line);
}

static void upper_copy(char *dst, size_t size, const char *src) {
    size_t i = 0;
    for (; src[i] && i + 1 < size; i++)
        dst[i] = (char)toupper((unsigned char)src[i]);
    dst[i] = 0;
}

/* Reports codes that occur more than once among rows[1..] (case-insensitive). */
static void check_duplicates(const csv_input *in, int code_col, frame_problems *problems) {
    size_t n = 0;
    code_line *list = malloc((in->n ? in->n : 1) * sizeof *list);
    for (size_t r = 1; r < in->n; r++) {
        const csv_record *row = &in->rows[r];
        if ((size_t)code_col >= row->n || !*row->cells[code_col])
            continue;
        upper_copy(list[n].upper, sizeof list[n].upper, row->cells[code_col]);
        list[n++].line = row->line;
    }
    qsort(list, n, sizeof *list, compare_code_line);
    for (size_t i = 1; i < n; i++) {
        if (strcmp(list[i].upper, list[i - 1].upper) != 0)
            continue;
        size_t first = i - 1;
        while (first > 0 && strcmp(list[first - 1].upper, list[i].upper) == 0)
            first--;
        problem_add(problems, list[i].line, "login code %s appears twice (first on line %zu)",
                    list[i].upper, list[first].line);
    }
    free(list);
}

static int bind_exec(sqlite3_stmt *st) {
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc == SQLITE_DONE ? OMR_OK : OMR_ERR_IO;
}

static const char *const reserved_names[] = {"code", "unit", "mode", "weight", "template",
                                             "status", "submitted_at", NULL};

int frame_import_csv(sqlite3 *db, const char *path, const frame_import_options *o,
                     frame_problems *problems, size_t *imported, omr_error *err) {
    *imported = 0;
    size_t problems_before = problems ? problems->count : 0;
    frame_problems local = {0};
    if (!problems)
        problems = &local;
    csv_input in;
    int rc = csv_input_read(path, &in, problems, err);
    if (rc != OMR_OK)
        return rc;
    int code_col = -1, unit_col = -1;
    if (in.n == 0) {
        problem_add(problems, 0, "the file is empty: it needs a header with code and unit");
    } else {
        const csv_record *h = &in.rows[0];
        code_col = column_index(h, "code");
        unit_col = column_index(h, "unit");
        if (code_col < 0)
            problem_add(problems, h->line, "the header has no column \"code\" (the login code)");
        if (unit_col < 0)
            problem_add(problems, h->line, "the header has no column \"unit\" (the district or unit)");
        for (size_t i = 0; i < h->n; i++) {
            const char *name = h->cells[i];
            if ((int)i == code_col || (int)i == unit_col)
                continue;
            if (!*name) {
                problem_add(problems, h->line, "column %zu has no name", i + 1);
                continue;
            }
            if (!name_is_identifier(name) || strlen(name) > 60)
                problem_add(problems, h->line,
                            "column \"%s\": a variable name must start with a letter and hold only "
                            "letters a-z, digits and _ (at most 60)",
                            name);
            for (size_t k = 0; reserved_names[k]; k++)
                if (strcasecmp(name, reserved_names[k]) == 0)
                    problem_add(problems, h->line, "column \"%s\": the name is reserved", name);
            for (size_t k = 0; k < i; k++)
                if (strcasecmp(name, h->cells[k]) == 0)
                    problem_add(problems, h->line, "column \"%s\" appears twice", name);
            if (o->tmpl) {
                for (size_t q = 0; q < o->tmpl->n_questions; q++)
                    if (strncasecmp(name, o->tmpl->questions[q].id, strlen(o->tmpl->questions[q].id)) == 0 &&
                        (name[strlen(o->tmpl->questions[q].id)] == 0 ||
                         name[strlen(o->tmpl->questions[q].id)] == '_'))
                        problem_add(problems, h->line,
                                    "column \"%s\": the name is taken by question %s of %s", name,
                                    o->tmpl->questions[q].id, o->tmpl->id);
                for (size_t q = 0; q < o->tmpl->n_text_fields; q++)
                    if (strcasecmp(name, o->tmpl->text_fields[q].id) == 0)
                        problem_add(problems, h->line,
                                    "column \"%s\": the name is taken by text field %s of %s", name,
                                    o->tmpl->text_fields[q].id, o->tmpl->id);
            }
        }
        if (in.n == 1)
            problem_add(problems, h->line, "the file has a header but no rows");
    }
    /* existing frame: variables must match when appending */
    int exists_check = 0;
    int exists = frame_exists(db, o->template_id, &exists_check);
    sqlite3_stmt *st_old = NULL;
    if (exists && !o->replace && in.n > 0) {
        if (sqlite3_prepare_v2(db,
                               "SELECT group_concat(name, ',') FROM (SELECT name FROM frame_variables "
                               "WHERE template = ? ORDER BY position)",
                               -1, &st_old, NULL) == SQLITE_OK) {
            sqlite3_bind_text(st_old, 1, o->template_id, -1, SQLITE_STATIC);
            char have[2048] = "", want[2048] = "";
            if (sqlite3_step(st_old) == SQLITE_ROW && sqlite3_column_text(st_old, 0))
                snprintf(have, sizeof have, "%s", (const char *)sqlite3_column_text(st_old, 0));
            const csv_record *h = &in.rows[0];
            for (size_t i = 0; i < h->n; i++)
                if ((int)i != code_col && (int)i != unit_col) {
                    size_t len = strlen(want);
                    snprintf(want + len, sizeof want - len, "%s%s", len ? "," : "", h->cells[i]);
                }
            if (strcmp(have, want) != 0)
                problem_add(problems, in.rows[0].line,
                            "the frame of %s already has the variables (%s); this file has (%s): "
                            "use --replace to load a new frame",
                            o->template_id, have, want);
            if (exists_check != (o->check_digits != 0))
                problem_add(problems, in.rows[0].line,
                            "the frame of %s was imported %s check characters; import this file "
                            "the same way or use --replace",
                            o->template_id, exists_check ? "with" : "without");
        }
        sqlite3_finalize(st_old);
        st_old = NULL;
        if (sqlite3_prepare_v2(db, "SELECT 1 FROM frame WHERE template = ? AND code = ?", -1,
                               &st_old, NULL) != SQLITE_OK)
            st_old = NULL;
    }
    if (code_col >= 0 && unit_col >= 0) {
        size_t width = in.rows[0].n;
        for (size_t r = 1; r < in.n; r++) {
            const csv_record *row = &in.rows[r];
            if (row->n != width) {
                problem_add(problems, row->line, "%zu fields, but the header has %zu", row->n, width);
                continue;
            }
            const char *code = row->cells[code_col], *unit = row->cells[unit_col];
            if (!*code)
                problem_add(problems, row->line, "no login code");
            else if (!identify_code_is_valid(code))
                problem_add(problems, row->line,
                            "login code \"%s\" must be 1 to 40 letters and digits", code);
            else if (o->check_digits && !frame_code_check_ok(code))
                problem_add(problems, row->line,
                            "login code %s fails its check character (a typing error? codes from "
                            "`omr frame codes` end in one; use --no-check-digit for codes made "
                            "elsewhere)",
                            code);
            else if (st_old) {
                sqlite3_reset(st_old);
                sqlite3_bind_text(st_old, 1, o->template_id, -1, SQLITE_STATIC);
                sqlite3_bind_text(st_old, 2, code, -1, SQLITE_STATIC);
                if (sqlite3_step(st_old) == SQLITE_ROW)
                    problem_add(problems, row->line, "login code %s is already in the frame of %s",
                                code, o->template_id);
            }
            if (!*unit)
                problem_add(problems, row->line, "no unit for login code %s", code);
        }
        check_duplicates(&in, code_col, problems);
    }
    sqlite3_finalize(st_old);
    if (problems->count > problems_before) {
        size_t n = problems->count - problems_before;
        csv_input_free(&in);
        frame_problems_clear(&local);
        return omr_fail(err, OMR_ERR_INVALID, "%s: %zu problem%s; nothing was imported", path, n,
                        n == 1 ? "" : "s");
    }
    /* write, all or nothing */
    char now[32];
    store_now(now);
    if ((rc = store_begin(db, err)) != OMR_OK) {
        csv_input_free(&in);
        return rc;
    }
    sqlite3_stmt *ins_frame = NULL, *ins_value = NULL, *ins_var = NULL;
    const char *sql_step = "replace";
    if (o->replace || !exists) {
        char del[512];
        sqlite3_stmt *st = NULL;
        static const char *const tables[] = {"frame_values", "frame", "frame_variables",
                                             "frame_settings"};
        for (size_t t = 0; t < 4 && rc == OMR_OK; t++) {
            snprintf(del, sizeof del, "DELETE FROM %s WHERE template = ?", tables[t]);
            if (sqlite3_prepare_v2(db, del, -1, &st, NULL) != SQLITE_OK)
                rc = OMR_ERR_IO;
            else {
                sqlite3_bind_text(st, 1, o->template_id, -1, SQLITE_STATIC);
                rc = bind_exec(st);
            }
            sqlite3_finalize(st);
        }
        if (rc == OMR_OK &&
            sqlite3_prepare_v2(db, "INSERT INTO frame_settings(template, check_digits) VALUES (?, ?)",
                               -1, &st, NULL) == SQLITE_OK) {
            sqlite3_bind_text(st, 1, o->template_id, -1, SQLITE_STATIC);
            sqlite3_bind_int(st, 2, o->check_digits ? 1 : 0);
            rc = bind_exec(st);
        } else
            rc = OMR_ERR_IO;
        sqlite3_finalize(st);
        if (rc == OMR_OK &&
            sqlite3_prepare_v2(db, "INSERT INTO frame_variables(template, name, position) VALUES (?, ?, ?)",
                               -1, &ins_var, NULL) == SQLITE_OK) {
            const csv_record *h = &in.rows[0];
            int pos = 0;
            for (size_t i = 0; i < h->n && rc == OMR_OK; i++) {
                if ((int)i == code_col || (int)i == unit_col)
                    continue;
                sqlite3_bind_text(ins_var, 1, o->template_id, -1, SQLITE_STATIC);
                sqlite3_bind_text(ins_var, 2, h->cells[i], -1, SQLITE_STATIC);
                sqlite3_bind_int(ins_var, 3, pos++);
                rc = bind_exec(ins_var);
            }
        } else if (rc == OMR_OK)
            rc = OMR_ERR_IO;
    }
    sql_step = "insert";
    long long seq = 0;
    if (rc == OMR_OK) {
        sqlite3_stmt *st = NULL;
        if (sqlite3_prepare_v2(db, "SELECT coalesce(max(seq), 0) FROM frame WHERE template = ?", -1,
                               &st, NULL) == SQLITE_OK) {
            sqlite3_bind_text(st, 1, o->template_id, -1, SQLITE_STATIC);
            if (sqlite3_step(st) == SQLITE_ROW)
                seq = sqlite3_column_int64(st, 0);
        }
        sqlite3_finalize(st);
    }
    if (rc == OMR_OK &&
        (sqlite3_prepare_v2(db,
                            "INSERT INTO frame(template, code, unit, seq, imported_at) VALUES (?, ?, ?, ?, ?)",
                            -1, &ins_frame, NULL) != SQLITE_OK ||
         sqlite3_prepare_v2(db,
                            "INSERT INTO frame_values(template, code, name, value) VALUES (?, ?, ?, ?)",
                            -1, &ins_value, NULL) != SQLITE_OK))
        rc = OMR_ERR_IO;
    for (size_t r = 1; r < in.n && rc == OMR_OK; r++) {
        const csv_record *row = &in.rows[r];
        sqlite3_bind_text(ins_frame, 1, o->template_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(ins_frame, 2, row->cells[code_col], -1, SQLITE_STATIC);
        sqlite3_bind_text(ins_frame, 3, row->cells[unit_col], -1, SQLITE_STATIC);
        sqlite3_bind_int64(ins_frame, 4, ++seq);
        sqlite3_bind_text(ins_frame, 5, now, -1, SQLITE_STATIC);
        rc = bind_exec(ins_frame);
        for (size_t i = 0; i < row->n && rc == OMR_OK; i++) {
            if ((int)i == code_col || (int)i == unit_col)
                continue;
            sqlite3_bind_text(ins_value, 1, o->template_id, -1, SQLITE_STATIC);
            sqlite3_bind_text(ins_value, 2, row->cells[code_col], -1, SQLITE_STATIC);
            sqlite3_bind_text(ins_value, 3, in.rows[0].cells[i], -1, SQLITE_STATIC);
            sqlite3_bind_text(ins_value, 4, row->cells[i], -1, SQLITE_STATIC);
            rc = bind_exec(ins_value);
        }
        if (rc == OMR_OK)
            (*imported)++;
    }
    if (rc != OMR_OK)
        omr_fail(err, OMR_ERR_IO, "ledger (%s): %s; nothing was imported", sql_step,
                 sqlite3_errmsg(db));
    sqlite3_finalize(ins_frame);
    sqlite3_finalize(ins_value);
    sqlite3_finalize(ins_var);
    if (rc == OMR_OK)
        rc = store_commit(db, err);
    if (rc != OMR_OK) {
        store_rollback(db);
        *imported = 0;
    }
    csv_input_free(&in);
    return rc;
}

/* ---- lists ------------------------------------------------------------------------------ */

static int query_strings(sqlite3 *db, const char *sql, const char *arg, frame_strings *out,
                         omr_error *err) {
    memset(out, 0, sizeof *out);
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return omr_fail(err, OMR_ERR_IO, "ledger: %s", sqlite3_errmsg(db));
    if (arg)
        sqlite3_bind_text(st, 1, arg, -1, SQLITE_STATIC);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        strings_push(out, (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        frame_strings_free(out);
        return omr_fail(err, OMR_ERR_IO, "ledger: %s", sqlite3_errmsg(db));
    }
    return OMR_OK;
}

int frame_list_templates(sqlite3 *db, frame_strings *out, omr_error *err) {
    return query_strings(db, "SELECT template FROM frame_settings ORDER BY template", NULL, out, err);
}

int frame_list_codes(sqlite3 *db, const char *template_id, frame_strings *out, omr_error *err) {
    return query_strings(db, "SELECT code FROM frame WHERE template = ? ORDER BY seq", template_id,
                         out, err);
}

int frame_pick_template(sqlite3 *db, const char *template_id, char *buf, size_t size,
                        omr_error *err) {
    if (template_id && *template_id) {
        snprintf(buf, size, "%s", template_id);
        return OMR_OK;
    }
    frame_strings t;
    int rc = frame_list_templates(db, &t, err);
    if (rc != OMR_OK)
        return rc;
    if (t.count == 1)
        snprintf(buf, size, "%s", t.items[0]);
    else if (t.count == 0)
        rc = omr_fail(err, OMR_ERR_INVALID,
                      "the ledger has no frame yet: load one with `omr frame import --template T "
                      "FILE.csv`");
    else
        rc = omr_fail(err, OMR_ERR_INVALID,
                      "the ledger has frames for %zu templates (%s, %s, ...): say which with "
                      "--template",
                      t.count, t.items[0], t.items[1]);
    frame_strings_free(&t);
    return rc;
}

int frame_list_reminders(sqlite3 *db, const char *template_id, int record, frame_strings *out,
                         omr_error *err) {
    int rc = OMR_OK;
    if (record && (rc = store_begin(db, err)) != OMR_OK)
        return rc;
    rc = query_strings(db,
                       "SELECT f.code FROM frame f WHERE f.template = ?1 "
                       "AND NOT EXISTS(SELECT 1 FROM returns r WHERE r.template = f.template AND "
                       "r.code = f.code) "
                       "AND NOT EXISTS(SELECT 1 FROM undeliverable u WHERE u.template = f.template "
                       "AND u.code = f.code) ORDER BY f.seq",
                       template_id, out, err);
    if (rc == OMR_OK && record) {
        char now[32];
        store_now(now);
        sqlite3_stmt *st = NULL;
        if (sqlite3_prepare_v2(db,
                               "INSERT INTO mailings(template, kind, created_at, n_codes) VALUES "
                               "(?, 'reminder', ?, ?)",
                               -1, &st, NULL) != SQLITE_OK)
            rc = OMR_ERR_IO;
        else {
            sqlite3_bind_text(st, 1, template_id, -1, SQLITE_STATIC);
            sqlite3_bind_text(st, 2, now, -1, SQLITE_STATIC);
            sqlite3_bind_int64(st, 3, (sqlite3_int64)out->count);
            rc = bind_exec(st);
        }
        sqlite3_finalize(st);
        sqlite3_int64 id = sqlite3_last_insert_rowid(db);
        if (rc == OMR_OK &&
            sqlite3_prepare_v2(db, "INSERT INTO mailing_codes(mailing_id, code) VALUES (?, ?)", -1,
                               &st, NULL) == SQLITE_OK) {
            for (size_t i = 0; i < out->count && rc == OMR_OK; i++) {
                sqlite3_bind_int64(st, 1, id);
                sqlite3_bind_text(st, 2, out->items[i], -1, SQLITE_STATIC);
                rc = bind_exec(st);
            }
        } else if (rc == OMR_OK)
            rc = OMR_ERR_IO;
        sqlite3_finalize(st);
        if (rc != OMR_OK)
            omr_fail(err, OMR_ERR_IO, "ledger: cannot record the reminder mailing: %s",
                     sqlite3_errmsg(db));
        else
            rc = store_commit(db, err);
    }
    if (record && rc != OMR_OK) {
        store_rollback(db);
        frame_strings_free(out);
    }
    return rc;
}

int frame_list_foreign_returns(sqlite3 *db, const char *template_id, frame_strings *out,
                               omr_error *err) {
    memset(out, 0, sizeof *out);
    int check_digits = 0;
    if (!frame_exists(db, template_id, &check_digits))
        return OMR_OK;
    frame_strings codes;
    int rc = query_strings(db,
                           "SELECT DISTINCT r.code FROM returns r WHERE r.template = ?1 AND NOT "
                           "EXISTS(SELECT 1 FROM frame f WHERE f.template = r.template AND f.code = "
                           "r.code) ORDER BY r.code",
                           template_id, &codes, err);
    if (rc != OMR_OK)
        return rc;
    for (size_t i = 0; i < codes.count; i++) {
        char reason[300], line[400];
        frame_check_code(db, template_id, codes.items[i], reason, sizeof reason);
        snprintf(line, sizeof line, "%s: %s", codes.items[i], reason);
        strings_push(out, line);
    }
    frame_strings_free(&codes);
    return OMR_OK;
}

/* ---- undeliverable ---------------------------------------------------------------------- */

int frame_read_code_list(const char *path, frame_strings *codes, size_t **lines,
                         frame_problems *problems, omr_error *err) {
    memset(codes, 0, sizeof *codes);
    *lines = NULL;
    csv_input in;
    size_t before = problems ? problems->count : 0;
    int rc = csv_input_read(path, &in, problems, err);
    if (rc != OMR_OK)
        return rc;
    size_t start = 0;
    int col = 0;
    if (in.n > 0 && column_index(&in.rows[0], "code") >= 0) {
        col = column_index(&in.rows[0], "code");
        start = 1;
    }
    *lines = malloc((in.n ? in.n : 1) * sizeof **lines);
    for (size_t r = start; r < in.n; r++) {
        const csv_record *row = &in.rows[r];
        if ((size_t)col >= row->n || !*row->cells[col] || row->cells[col][0] == '#')
            continue;
        if (!identify_code_is_valid(row->cells[col])) {
            problem_add(problems, row->line, "\"%s\" is not a login code (letters and digits)",
                        row->cells[col]);
            continue;
        }
        (*lines)[codes->count] = row->line;
        strings_push(codes, row->cells[col]);
    }
    csv_input_free(&in);
    if (problems && problems->count > before)
        return omr_fail(err, OMR_ERR_INVALID, "%s: %zu problem%s; nothing was registered", path,
                        problems->count - before, problems->count - before == 1 ? "" : "s");
    return OMR_OK;
}

int frame_add_undeliverable(sqlite3 *db, const char *template_id, char *const *codes,
                            const size_t *lines, size_t n, const char *source,
                            frame_problems *problems, size_t *added, size_t *already,
                            omr_error *err) {
    *added = *already = 0;
    size_t before = problems ? problems->count : 0;
    int check_digits;
    if (!frame_exists(db, template_id, &check_digits))
        return omr_fail(err, OMR_ERR_INVALID,
                        "the ledger has no frame for %s: import it first (omr frame import)",
                        template_id);
    for (size_t i = 0; i < n; i++) {
        char reason[300];
        if (frame_check_code(db, template_id, codes[i], reason, sizeof reason) != FRAME_CODE_OK)
            problem_add(problems, lines ? lines[i] : i + 1, "%s", reason);
    }
    if (problems && problems->count > before)
        return omr_fail(err, OMR_ERR_INVALID, "%zu code%s not in the frame; nothing was registered",
                        problems->count - before, problems->count - before == 1 ? "" : "s");
    int rc = store_begin(db, err);
    if (rc != OMR_OK)
        return rc;
    char now[32];
    store_now(now);
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db,
                           "INSERT OR IGNORE INTO undeliverable(template, code, source, registered_at) "
                           "VALUES (?, ?, ?, ?)",
                           -1, &st, NULL) != SQLITE_OK)
        rc = OMR_ERR_IO;
    for (size_t i = 0; i < n && rc == OMR_OK; i++) {
        sqlite3_bind_text(st, 1, template_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, codes[i], -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, source, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, now, -1, SQLITE_STATIC);
        rc = bind_exec(st);
        if (rc == OMR_OK) {
            if (sqlite3_changes(db))
                (*added)++;
            else
                (*already)++;
        }
    }
    if (rc != OMR_OK)
        omr_fail(err, OMR_ERR_IO, "ledger: %s; nothing was registered", sqlite3_errmsg(db));
    sqlite3_finalize(st);
    if (rc == OMR_OK)
        rc = store_commit(db, err);
    if (rc != OMR_OK) {
        store_rollback(db);
        *added = *already = 0;
    }
    return rc;
}

/* ---- web returns ------------------------------------------------------------------------ */

/* Columns of records.csv that carry no answer and are ignored on import. */
static const char *const records_provenance[] = {"status", "review_items", "flags",
                                                 "review_reasons", "confirmed", "sources", NULL};

/* Normalises an ISO 8601 date or time ("2024-06-03", "2024-06-03 14:05",
 * "2024-06-03T14:05:09Z") to "YYYY-MM-DDTHH:MM:SSZ"; 0 if it is none. */
static int normalise_time(const char *s, char out[32]) {
    int y, mo, d, h = 0, mi = 0, sec = 0, n = 0;
    if (sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3 || n != 10)
        return 0;
    const char *rest = s + n;
    if (*rest == 'T' || *rest == ' ') {
        int m = 0;
        if (sscanf(rest + 1, "%2d:%2d%n", &h, &mi, &m) != 2 || m != 5)
            return 0;
        rest += 1 + m;
        if (*rest == ':') {
            if (sscanf(rest + 1, "%2d%n", &sec, &m) != 1 || m != 2)
                return 0;
            rest += 1 + m;
        }
        if (*rest == 'Z')
            rest++;
    }
    if (*rest || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
        return 0;
    char buf[80];
    snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02dZ", y, mo, d, h, mi, sec);
    snprintf(out, 32, "%.31s", buf);
    return 1;
}

static int box_index(const template_question *q, const char *value) {
    for (size_t b = 0; b < q->n_boxes; b++)
        if (strcmp(q->boxes[b].value, value) == 0)
            return (int)b;
    return -1;
}

static int question_routed_out(const omr_template *t, const template_question *q,
                               char *const *values) {
    if (!q->only_if_question)
        return 0;
    const template_question *filter = template_question_by_id(t, q->only_if_question);
    if (!filter)
        return 0;
    const char *v = values[filter - t->questions];
    if (!v)
        return 0;
    for (size_t i = 0; i < q->n_only_if_values; i++)
        if (strcmp(v, q->only_if_values[i]) == 0)
            return 0;
    return 1;
}

typedef struct {
    size_t line;
    const char *code;
    char created[32];
    char **values; /* per question: value, multi chosen values, or NULL */
    const char **texts;
} web_row;

int frame_import_web(sqlite3 *db, const omr_template *t, const char *path,
                     frame_problems *problems, size_t *imported, size_t *skipped,
                     size_t *both_modes, omr_error *err) {
    *imported = *skipped = *both_modes = 0;
    frame_problems local = {0};
    if (!problems)
        problems = &local;
    size_t before = problems->count;
    int check_digits;
    if (!frame_exists(db, t->id, &check_digits))
        return omr_fail(err, OMR_ERR_INVALID,
                        "the ledger has no frame for %s: import it first (omr frame import)", t->id);
    csv_input in;
    int rc = csv_input_read(path, &in, problems, err);
    if (rc != OMR_OK)
        return rc;
    /* columns: per question (single/scale) one, per multi option one, per text field one */
    size_t nq = t->n_questions, nt = t->n_text_fields;
    int *qcol = malloc((nq ? nq : 1) * sizeof *qcol);
    int **mcol = calloc(nq ? nq : 1, sizeof *mcol);
    int *tcol = malloc((nt ? nt : 1) * sizeof *tcol);
    int code_col = -1, time_col = -1, template_col = -1;
    web_row *rows = NULL;
    size_t n_rows = 0;
    if (in.n == 0) {
        problem_add(problems, 0, "the file is empty: it needs the header of records.csv");
        goto done;
    }
    const csv_record *h = &in.rows[0];
    code_col = column_index(h, "code");
    time_col = column_index(h, "submitted_at");
    template_col = column_index(h, "template");
    if (code_col < 0)
        problem_add(problems, h->line, "the header has no column \"code\" (the login code)");
    for (size_t q = 0; q < nq; q++) {
        const template_question *tq = &t->questions[q];
        if (tq->type == QUESTION_MULTI) {
            mcol[q] = malloc(tq->n_boxes * sizeof **mcol);
            for (size_t b = 0; b < tq->n_boxes; b++) {
                char name[160];
                snprintf(name, sizeof name, "%s.%s", tq->id, tq->boxes[b].value);
                mcol[q][b] = column_index(h, name);
                if (mcol[q][b] < 0)
                    problem_add(problems, h->line, "the header has no column \"%s\" (question %s of %s)",
                                name, tq->id, t->id);
            }
        } else {
            qcol[q] = column_index(h, tq->id);
            if (qcol[q] < 0)
                problem_add(problems, h->line, "the header has no column \"%s\" (question of %s)",
                            tq->id, t->id);
        }
    }
    for (size_t f = 0; f < nt; f++) {
        tcol[f] = column_index(h, t->text_fields[f].id);
        if (tcol[f] < 0)
            problem_add(problems, h->line, "the header has no column \"%s\" (text field of %s)",
                        t->text_fields[f].id, t->id);
    }
    /* unknown columns */
    for (size_t i = 0; i < h->n; i++) {
        int known = (int)i == code_col || (int)i == time_col || (int)i == template_col;
        for (size_t k = 0; !known && records_provenance[k]; k++)
            known = strcasecmp(h->cells[i], records_provenance[k]) == 0;
        for (size_t q = 0; !known && q < nq; q++) {
            if (t->questions[q].type != QUESTION_MULTI)
                known = qcol[q] == (int)i;
            else
                for (size_t b = 0; !known && b < t->questions[q].n_boxes; b++)
                    known = mcol[q] && mcol[q][b] == (int)i;
        }
        for (size_t f = 0; !known && f < nt; f++)
            known = tcol[f] == (int)i;
        if (!known)
            problem_add(problems, h->line, "column \"%s\" is no question or text field of %s",
                        h->cells[i], t->id);
    }
    if (problems->count > before)
        goto done;
    check_duplicates(&in, code_col, problems);
    rows = calloc(in.n, sizeof *rows);
    char now[32];
    store_now(now);
    for (size_t r = 1; r < in.n; r++) {
        const csv_record *row = &in.rows[r];
        if (row->n != h->n) {
            problem_add(problems, row->line, "%zu fields, but the header has %zu", row->n, h->n);
            continue;
        }
        web_row *w = &rows[n_rows++];
        w->line = row->line;
        w->code = row->cells[code_col];
        w->values = calloc(nq ? nq : 1, sizeof *w->values);
        w->texts = calloc(nt ? nt : 1, sizeof *w->texts);
        char reason[300];
        if (!*w->code)
            problem_add(problems, row->line, "no login code");
        else if (frame_check_code(db, t->id, w->code, reason, sizeof reason) != FRAME_CODE_OK)
            problem_add(problems, row->line, "%s", reason);
        if (template_col >= 0 && *row->cells[template_col] &&
            strcmp(row->cells[template_col], t->id) != 0)
            problem_add(problems, row->line, "template is \"%s\", not %s",
                        row->cells[template_col], t->id);
        snprintf(w->created, sizeof w->created, "%s", now);
        if (time_col >= 0 && *row->cells[time_col] &&
            !normalise_time(row->cells[time_col], w->created))
            problem_add(problems, row->line,
                        "submitted_at \"%s\" is not a date and time like 2024-06-03T14:05:09Z",
                        row->cells[time_col]);
        for (size_t q = 0; q < nq; q++) {
            const template_question *tq = &t->questions[q];
            if (tq->type != QUESTION_MULTI) {
                const char *v = row->cells[qcol[q]];
                if (*v && box_index(tq, v) < 0)
                    problem_add(problems, row->line, "%s = \"%s\" is not one of the values of %s",
                                tq->id, v, tq->id);
                else if (*v)
                    w->values[q] = strdup(v);
                continue;
            }
            char chosen[512] = "";
            for (size_t b = 0; b < tq->n_boxes; b++) {
                const char *v = row->cells[mcol[q][b]];
                if (strcmp(v, "1") == 0) {
                    size_t len = strlen(chosen);
                    snprintf(chosen + len, sizeof chosen - len, "%s%s", len ? " " : "",
                             tq->boxes[b].value);
                } else if (*v && strcmp(v, "0") != 0)
                    problem_add(problems, row->line, "%s.%s = \"%s\": must be 1, 0 or empty",
                                tq->id, tq->boxes[b].value, v);
            }
            if (*chosen)
                w->values[q] = strdup(chosen);
        }
        for (size_t f = 0; f < nt; f++)
            w->texts[f] = row->cells[tcol[f]];
    }
    if (problems->count > before)
        goto done;
    /* write, all or nothing */
    if ((rc = store_begin(db, err)) != OMR_OK)
        goto done;
    sqlite3_stmt *st_web = NULL, *st_paper = NULL, *st_ret = NULL, *st_ans = NULL, *st_txt = NULL;
    if (sqlite3_prepare_v2(db, "SELECT 1 FROM returns WHERE template = ? AND code = ? AND mode = 'web'",
                           -1, &st_web, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, "SELECT 1 FROM returns WHERE template = ? AND code = ? AND mode = 'paper'",
                           -1, &st_paper, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db,
                           "INSERT INTO returns(template, code, mode, created_at, flags) VALUES "
                           "(?, ?, 'web', ?, ?)",
                           -1, &st_ret, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db,
                           "INSERT INTO answers(return_id, question, value, status) VALUES (?, ?, ?, 'ok')",
                           -1, &st_ans, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db,
                           "INSERT INTO texts(return_id, field, text, status) VALUES (?, ?, ?, ?)",
                           -1, &st_txt, NULL) != SQLITE_OK)
        rc = OMR_ERR_IO;
    for (size_t i = 0; i < n_rows && rc == OMR_OK; i++) {
        web_row *w = &rows[i];
        sqlite3_stmt *probe[2] = {st_web, st_paper};
        int has[2];
        for (int k = 0; k < 2; k++) {
            sqlite3_reset(probe[k]);
            sqlite3_bind_text(probe[k], 1, t->id, -1, SQLITE_STATIC);
            sqlite3_bind_text(probe[k], 2, w->code, -1, SQLITE_STATIC);
            has[k] = sqlite3_step(probe[k]) == SQLITE_ROW;
        }
        if (has[0]) {
            (*skipped)++;
            continue;
        }
        char flags[1024] = "";
        if (has[1]) {
            snprintf(flags, sizeof flags, "paper_and_web");
            (*both_modes)++;
        }
        for (size_t q = 0; q < nq; q++)
            if (w->values[q] && question_routed_out(t, &t->questions[q], w->values)) {
                size_t len = strlen(flags);
                snprintf(flags + len, sizeof flags - len, "%srouting:%s", len ? " " : "",
                         t->questions[q].id);
            }
        sqlite3_bind_text(st_ret, 1, t->id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st_ret, 2, w->code, -1, SQLITE_STATIC);
        sqlite3_bind_text(st_ret, 3, w->created, -1, SQLITE_STATIC);
        sqlite3_bind_text(st_ret, 4, flags, -1, SQLITE_STATIC);
        if ((rc = bind_exec(st_ret)) != OMR_OK)
            break;
        sqlite3_int64 id = sqlite3_last_insert_rowid(db);
        for (size_t q = 0; q < nq && rc == OMR_OK; q++) {
            sqlite3_bind_int64(st_ans, 1, id);
            sqlite3_bind_text(st_ans, 2, t->questions[q].id, -1, SQLITE_STATIC);
            if (w->values[q])
                sqlite3_bind_text(st_ans, 3, w->values[q], -1, SQLITE_STATIC);
            rc = bind_exec(st_ans);
        }
        for (size_t f = 0; f < nt && rc == OMR_OK; f++) {
            sqlite3_bind_int64(st_txt, 1, id);
            sqlite3_bind_text(st_txt, 2, t->text_fields[f].id, -1, SQLITE_STATIC);
            sqlite3_bind_text(st_txt, 3, w->texts[f], -1, SQLITE_STATIC);
            sqlite3_bind_text(st_txt, 4, *w->texts[f] ? "ok" : "none", -1, SQLITE_STATIC);
            rc = bind_exec(st_txt);
        }
        if (rc == OMR_OK)
            (*imported)++;
    }
    if (rc != OMR_OK)
        omr_fail(err, OMR_ERR_IO, "ledger: %s; nothing was imported", sqlite3_errmsg(db));
    sqlite3_finalize(st_web);
    sqlite3_finalize(st_paper);
    sqlite3_finalize(st_ret);
    sqlite3_finalize(st_ans);
    sqlite3_finalize(st_txt);
    if (rc == OMR_OK)
        rc = store_commit(db, err);
    if (rc != OMR_OK) {
        store_rollback(db);
        *imported = *skipped = *both_modes = 0;
    }
done:
    if (rc == OMR_OK && problems->count > before)
        rc = omr_fail(err, OMR_ERR_INVALID, "%s: %zu problem%s; nothing was imported", path,
                      problems->count - before, problems->count - before == 1 ? "" : "s");
    for (size_t i = 0; i < n_rows; i++) {
        for (size_t q = 0; q < nq; q++)
            free(rows[i].values[q]);
        free(rows[i].values);
        free(rows[i].texts);
    }
    free(rows);
    for (size_t q = 0; q < nq; q++)
        free(mcol[q]);
    free(mcol);
    free(qcol);
    free(tcol);
    csv_input_free(&in);
    frame_problems_clear(&local);
    return rc;
}
