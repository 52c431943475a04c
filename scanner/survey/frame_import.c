/*
 * frame_import.c — the frame's input files: the sample frame from CSV (libcsv,
 * everything checked before one transaction writes it), a list of codes
 * (undeliverable envelopes), and web answers imported as returns. Each
 * import is a row of named steps: read the file, check its header, check
 * every row, and only when nothing is wrong hand the rows to the ledger
 * (ledger/frame_store.c), which writes them all or nothing.
 */
#include "survey/frame.h"

#include <assert.h>
#include <ctype.h>
#include <csv.h>
#include <glib.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "reading/identify.h"
#include "ledger/store.h"


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
    int out_of_memory; /* a cell or row was dropped: the read fails */
} csv_input;

static void csv_on_field(void *s, size_t len, void *data) {
    csv_input *in = data;
    csv_record *r = &in->current;
    if (r->n == 0)
        r->line = in->line;
    if (r->n == in->cap_current) {
        size_t cap = in->cap_current ? in->cap_current * 2 : 16;
        char **grown = realloc(r->cells, cap * sizeof *grown);
        if (!grown) {
            in->out_of_memory = 1;
            return;
        }
        r->cells = grown;
        in->cap_current = cap;
    }
    assert(r->n < in->cap_current);
    char *cell = malloc(len + 1);
    if (!cell) {
        in->out_of_memory = 1;
        return;
    }
    if (len)
        memcpy(cell, s, len);
    cell[len] = 0;
    r->cells[r->n++] = cell;
}

static void csv_on_record(int c, void *data) {
    (void)c;
    csv_input *in = data;
    if (in->n == in->cap) {
        size_t cap = in->cap ? in->cap * 2 : 256;
        csv_record *grown = realloc(in->rows, cap * sizeof *grown);
        if (!grown) {
            in->out_of_memory = 1;
            for (size_t k = 0; k < in->current.n; k++)
                free(in->current.cells[k]);
            free(in->current.cells);
            memset(&in->current, 0, sizeof in->current);
            in->cap_current = 0;
            return;
        }
        in->rows = grown;
        in->cap = cap;
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
            frame_problem_add(problems, line,
                        "not UTF-8 text (byte 0x%02X at column %zu); save the file as UTF-8",
                        (unsigned char)*bad, (size_t)(bad - p) + 1);
        in->line = line;
        if (!parse_failed && csv_parse(&parser, p, len, csv_on_field, csv_on_record, in) != len) {
            frame_problem_add(problems, line, "malformed CSV (%s): a quote inside an unquoted field, or "
                        "text after a closing quote",
                        csv_strerror(csv_error(&parser)));
            parse_failed = 1;
        }
        p += len;
    }
    if (!parse_failed && csv_fini(&parser, csv_on_field, csv_on_record, in) != 0)
        frame_problem_add(problems, in->line, "malformed CSV: a quoted field is not closed before the end "
                    "of the file");
    csv_free(&parser);
    g_free(text);
    if (in->out_of_memory) {
        csv_input_free(in);
        return omr_fail(err, OMR_ERR_MEMORY, "cannot read %s: out of memory", path);
    }
    return OMR_OK;
}

static int column_index(const csv_record *header, const char *name) {
    for (size_t i = 0; i < header->n; i++)
        if (strcasecmp(header->cells[i], name) == 0)
            return (int)i;
    return -1;
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

/* Login codes as typed ("tpn2b592 ") made the one form they are everywhere
 * else (forms/code.h): spaces around them dropped, letters upper-cased, so a
 * scanned form's code (upper case in its QR code) finds its frame row. The
 * check character is over the upper-cased code, so it is checked the same. */
static void normalize_codes(csv_input *in, int col, size_t first_row) {
    for (size_t r = first_row; col >= 0 && r < in->n; r++) {
        csv_record *row = &in->rows[r];
        if ((size_t)col >= row->n)
            continue;
        char *cell = row->cells[col];
        size_t start = strspn(cell, " \t"), len = strlen(cell + start);
        while (len > 0 && (cell[start + len - 1] == ' ' || cell[start + len - 1] == '\t'))
            len--;
        memmove(cell, cell + start, len);
        cell[len] = 0;
        identify_code_normalize(cell);
    }
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
        frame_problem_add(problems, list[i].line, "login code %s appears twice (first on line %zu)",
                    list[i].upper, list[first].line);
    }
    free(list);
}
static const char *const reserved_names[] = {"code", "unit", "mode", "weight", "template",
                                             "status", "submitted_at", NULL};

/* Is a background variable's name taken by a question or text field? */
static void check_name_against_template(const omr_template *t, const char *name, size_t line,
                                        frame_problems *problems) {
    for (size_t q = 0; q < t->n_questions; q++) {
        size_t len = strlen(t->questions[q].id);
        if (strncasecmp(name, t->questions[q].id, len) == 0 && (name[len] == 0 || name[len] == '_'))
            frame_problem_add(problems, line, "column \"%s\": the name is taken by question %s of %s",
                        name, t->questions[q].id, t->id);
    }
    for (size_t q = 0; q < t->n_text_fields; q++)
        if (strcasecmp(name, t->text_fields[q].id) == 0)
            frame_problem_add(problems, line, "column \"%s\": the name is taken by text field %s of %s",
                        name, t->text_fields[q].id, t->id);
}

/* One background variable's column name (column i of the header). */
static void check_variable_name(const csv_record *h, size_t i, const frame_import_options *o,
                                frame_problems *problems) {
    const char *name = h->cells[i];
    if (!*name) {
        frame_problem_add(problems, h->line, "column %zu has no name", i + 1);
        return;
    }
    if (!name_is_identifier(name) || strlen(name) > 60)
        frame_problem_add(problems, h->line,
                    "column \"%s\": a variable name must start with a letter and hold only "
                    "letters a-z, digits and _ (at most 60)",
                    name);
    for (size_t k = 0; reserved_names[k]; k++)
        if (strcasecmp(name, reserved_names[k]) == 0)
            frame_problem_add(problems, h->line, "column \"%s\": the name is reserved", name);
    for (size_t k = 0; k < i; k++)
        if (strcasecmp(name, h->cells[k]) == 0)
            frame_problem_add(problems, h->line, "column \"%s\" appears twice", name);
    if (o->tmpl)
        check_name_against_template(o->tmpl, name, h->line, problems);
}

/* The frame file's header: code and unit found, the other columns' names. */
static void check_frame_header(const csv_input *in, const frame_import_options *o, int *code_col,
                               int *unit_col, frame_problems *problems) {
    if (in->n == 0) {
        frame_problem_add(problems, 0, "the file is empty: it needs a header with code and unit");
        return;
    }
    const csv_record *h = &in->rows[0];
    *code_col = column_index(h, "code");
    *unit_col = column_index(h, "unit");
    if (*code_col < 0)
        frame_problem_add(problems, h->line, "the header has no column \"code\" (the login code)");
    if (*unit_col < 0)
        frame_problem_add(problems, h->line, "the header has no column \"unit\" (the district or unit)");
    for (size_t i = 0; i < h->n; i++)
        if ((int)i != *code_col && (int)i != *unit_col)
            check_variable_name(h, i, o, problems);
    if (in->n == 1)
        frame_problem_add(problems, h->line, "the file has a header but no rows");
}

/* Appending to an existing frame: the same variables and check setting. */
static void check_same_frame(omr_db *db, const csv_input *in, const frame_import_options *o,
                             int code_col, int unit_col, int exists_check,
                             frame_problems *problems) {
    char have[2048] = "", want[2048] = "";
    if (!frame_store_variables(db, o->template_id, have, sizeof have))
        return;
    const csv_record *h = &in->rows[0];
    for (size_t i = 0; i < h->n; i++)
        if ((int)i != code_col && (int)i != unit_col) {
            size_t len = strlen(want);
            snprintf(want + len, sizeof want - len, "%s%s", len ? "," : "", h->cells[i]);
        }
    if (strcmp(have, want) != 0)
        frame_problem_add(problems, h->line,
                    "the frame of %s already has the variables (%s); this file has (%s): "
                    "use --replace to load a new frame",
                    o->template_id, have, want);
    if (exists_check != (o->check_digits != 0))
        frame_problem_add(problems, h->line,
                    "the frame of %s was imported %s check characters; import this file "
                    "the same way or use --replace",
                    o->template_id, exists_check ? "with" : "without");
}

/* One row of the frame file (its width already checked). `old` asks whether
 * the code is in the frame already (NULL: a fresh frame). */
static void check_frame_row(const csv_record *row, int code_col, int unit_col,
                            const frame_import_options *o, frame_store_probe *old,
                            frame_problems *problems) {
    const char *code = row->cells[code_col], *unit = row->cells[unit_col];
    if (!*code)
        frame_problem_add(problems, row->line, "no login code");
    else if (!identify_code_is_valid(code))
        frame_problem_add(problems, row->line, "login code \"%s\" must be 1 to 40 letters and digits",
                    code);
    else if (o->check_digits && !frame_code_check_ok(code))
        frame_problem_add(problems, row->line,
                    "login code %s fails its check character (a typing error? codes from "
                    "`omr frame codes` end in one; use --no-check-digit for codes made "
                    "elsewhere)",
                    code);
    else if (frame_store_probe_has(old, o->template_id, code))
        frame_problem_add(problems, row->line, "login code %s is already in the frame of %s", code,
                    o->template_id);
    if (!*unit)
        frame_problem_add(problems, row->line, "no unit for login code %s", code);
}

static void check_frame_rows(const csv_input *in, int code_col, int unit_col,
                             const frame_import_options *o, frame_store_probe *old,
                             frame_problems *problems) {
    size_t width = in->rows[0].n;
    for (size_t r = 1; r < in->n; r++) {
        const csv_record *row = &in->rows[r];
        if (row->n != width) {
            frame_problem_add(problems, row->line, "%zu fields, but the header has %zu", row->n, width);
            continue;
        }
        check_frame_row(row, code_col, unit_col, o, old, problems);
        progress_update(o->progress, r, NULL);
    }
    check_duplicates(in, code_col, problems);
}

/* Hands the checked rows to the ledger. */
static int write_frame(omr_db *db, const csv_input *in, const frame_import_options *o, int fresh,
                       int code_col, int unit_col, size_t *imported, omr_error *err) {
    assert(in->n > 1 && code_col >= 0 && unit_col >= 0);
    char *const **rows = malloc((in->n - 1) * sizeof *rows);
    if (!rows)
        return omr_fail(err, OMR_ERR_MEMORY, "out of memory for %zu rows; nothing was imported",
                        in->n - 1);
    for (size_t r = 1; r < in->n; r++)
        rows[r - 1] = in->rows[r].cells;
    frame_store_import imp = {.template_id = o->template_id, .fresh = fresh,
                              .check_digits = o->check_digits, .columns = in->rows[0].cells,
                              .n_columns = in->rows[0].n, .code_col = (size_t)code_col,
                              .unit_col = (size_t)unit_col, .rows = rows, .n_rows = in->n - 1};
    int rc = frame_store_write_import(db, &imp, imported, err);
    free(rows);
    return rc;
}

int frame_import_csv(omr_db *db, const char *path, const frame_import_options *o,
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
    check_frame_header(&in, o, &code_col, &unit_col, problems);
    normalize_codes(&in, code_col, 1);
    int exists_check = 0;
    int exists = frame_store_settings(db, o->template_id, &exists_check);
    frame_store_probe *old = NULL;
    if (exists && !o->replace && in.n > 0) {
        check_same_frame(db, &in, o, code_col, unit_col, exists_check, problems);
        old = frame_store_probe_template(db);
    }
    progress_set_total(o->progress, in.n > 0 ? in.n - 1 : 0);
    if (code_col >= 0 && unit_col >= 0)
        check_frame_rows(&in, code_col, unit_col, o, old, problems);
    frame_store_probe_free(old);
    if (problems->count > problems_before) {
        size_t n = problems->count - problems_before;
        csv_input_free(&in);
        frame_problems_clear(&local);
        return omr_fail(err, OMR_ERR_INVALID, "%s: %zu problem%s; nothing was imported", path, n,
                        n == 1 ? "" : "s");
    }
    progress_phase(o->progress, in.n - 1, "writing to the ledger");
    rc = write_frame(db, &in, o, o->replace || !exists, code_col, unit_col, imported, err);
    csv_input_free(&in);
    return rc;
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
    normalize_codes(&in, col, start);
    *lines = malloc((in.n ? in.n : 1) * sizeof **lines);
    for (size_t r = start; r < in.n; r++) {
        const csv_record *row = &in.rows[r];
        if ((size_t)col >= row->n || !*row->cells[col] || row->cells[col][0] == '#')
            continue;
        if (!identify_code_is_valid(row->cells[col])) {
            frame_problem_add(problems, row->line, "\"%s\" is not a login code (letters and digits)",
                        row->cells[col]);
            continue;
        }
        (*lines)[codes->count] = row->line;
        frame_strings_add(codes, row->cells[col]);
    }
    csv_input_free(&in);
    if (problems && problems->count > before)
        return omr_fail(err, OMR_ERR_INVALID, "%s: %zu problem%s; nothing was registered", path,
                        problems->count - before, problems->count - before == 1 ? "" : "s");
    return OMR_OK;
}
/* ---- web returns ------------------------------------------------------------------------ */

/* Columns of records.csv that carry no answer and are ignored on import. */
static const char *const records_provenance[] = {"status", "review_items", "flags",
                                                 "review_reasons", "confirmed", "sources", NULL};

/* Normalises an ISO 8601 date, or date and time with its zone, to UTC as
 * "YYYY-MM-DDTHH:MM:SSZ": "2024-06-03" (that day, 00:00 UTC),
 * "2024-06-03T14:05:09Z", "2024-06-03 14:05+02:00", "...+0200", "...-05".
 * Returns 1, 0 when it is no real date and time (2024-02-31, 25:00), or -1
 * for a time without a zone: a web survey's local time is ambiguous by an
 * hour or two, which can decide whether paper or web came first. */
static int days_in_month(int y, int m) {
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : days[m - 1];
}

static int normalise_time(const char *s, char out[32]) {
    int y, mo, d, h = 0, mi = 0, sec = 0, n = 0;
    long offset = 0; /* seconds east of UTC */
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
        else if (*rest == '+' || *rest == '-') {
            int sign = *rest == '-' ? -1 : 1, oh = 0, om = 0;
            rest++;
            if (sscanf(rest, "%2d%n", &oh, &m) != 1 || m != 2)
                return 0;
            rest += 2;
            if (*rest == ':')
                rest++;
            if (*rest) {
                if (sscanf(rest, "%2d%n", &om, &m) != 1 || m != 2)
                    return 0;
                rest += 2;
            }
            if (oh > 14 || om > 59)
                return 0;
            offset = sign * (oh * 3600L + om * 60L);
        } else if (!*rest)
            return -1;
    }
    if (*rest || y < 1900 || mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 ||
        mi > 59 || sec > 59)
        return 0;
    struct tm tm = {.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h,
                    .tm_min = mi, .tm_sec = sec};
    time_t t = timegm(&tm) - offset;
    struct tm utc;
    if (!gmtime_r(&t, &utc))
        return 0;
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &utc);
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

/* Where each of the template's answers is in the web file's header. */
typedef struct {
    int *qcol;  /* per single/scale question */
    int **mcol; /* per multi question, per option */
    int *tcol;  /* per text field */
    int code_col, time_col, template_col;
} web_columns;

static int web_columns_new(web_columns *c, const omr_template *t) {
    size_t nq = t->n_questions, nt = t->n_text_fields;
    c->qcol = malloc((nq ? nq : 1) * sizeof *c->qcol);
    c->mcol = calloc(nq ? nq : 1, sizeof *c->mcol);
    c->tcol = malloc((nt ? nt : 1) * sizeof *c->tcol);
    c->code_col = c->time_col = c->template_col = -1;
    return c->qcol && c->mcol && c->tcol ? OMR_OK : OMR_ERR_MEMORY;
}

static void web_columns_free(web_columns *c, const omr_template *t) {
    for (size_t q = 0; c->mcol && q < t->n_questions; q++)
        free(c->mcol[q]);
    free(c->mcol);
    free(c->qcol);
    free(c->tcol);
}

/* The columns of a multiple-choice question: one "<q>.<value>" per option. */
static void find_option_columns(const csv_record *h, const omr_template *t, size_t q,
                                web_columns *c, frame_problems *problems) {
    const template_question *tq = &t->questions[q];
    c->mcol[q] = malloc((tq->n_boxes ? tq->n_boxes : 1) * sizeof **c->mcol);
    if (!c->mcol[q]) {
        frame_problem_add(problems, h->line, "out of memory reading the header");
        return;
    }
    for (size_t b = 0; b < tq->n_boxes; b++) {
        char name[160];
        snprintf(name, sizeof name, "%s.%s", tq->id, tq->boxes[b].value);
        c->mcol[q][b] = column_index(h, name);
        if (c->mcol[q][b] < 0)
            frame_problem_add(problems, h->line, "the header has no column \"%s\" (question %s of %s)",
                        name, tq->id, t->id);
    }
}

/* Is column i of the header one the import knows? */
static int web_column_known(const csv_record *h, size_t i, const omr_template *t,
                            const web_columns *c) {
    int known = (int)i == c->code_col || (int)i == c->time_col || (int)i == c->template_col;
    for (size_t k = 0; !known && records_provenance[k]; k++)
        known = strcasecmp(h->cells[i], records_provenance[k]) == 0;
    for (size_t q = 0; !known && q < t->n_questions; q++) {
        if (t->questions[q].type != QUESTION_MULTI)
            known = c->qcol[q] == (int)i;
        else
            for (size_t b = 0; !known && b < t->questions[q].n_boxes; b++)
                known = c->mcol[q] && c->mcol[q][b] == (int)i;
    }
    for (size_t f = 0; !known && f < t->n_text_fields; f++)
        known = c->tcol[f] == (int)i;
    return known;
}

/* The web file's header: every question, option and text field has its
 * column, and no column is unknown. */
static void find_web_columns(const csv_record *h, const omr_template *t, web_columns *c,
                             frame_problems *problems) {
    c->code_col = column_index(h, "code");
    c->time_col = column_index(h, "submitted_at");
    c->template_col = column_index(h, "template");
    if (c->code_col < 0)
        frame_problem_add(problems, h->line, "the header has no column \"code\" (the login code)");
    for (size_t q = 0; q < t->n_questions; q++) {
        const template_question *tq = &t->questions[q];
        if (tq->type == QUESTION_MULTI) {
            find_option_columns(h, t, q, c, problems);
            continue;
        }
        c->qcol[q] = column_index(h, tq->id);
        if (c->qcol[q] < 0)
            frame_problem_add(problems, h->line, "the header has no column \"%s\" (question of %s)",
                        tq->id, t->id);
    }
    for (size_t f = 0; f < t->n_text_fields; f++) {
        c->tcol[f] = column_index(h, t->text_fields[f].id);
        if (c->tcol[f] < 0)
            frame_problem_add(problems, h->line, "the header has no column \"%s\" (text field of %s)",
                        t->text_fields[f].id, t->id);
    }
    for (size_t i = 0; i < h->n; i++)
        if (!web_column_known(h, i, t, c))
            frame_problem_add(problems, h->line, "column \"%s\" is no question or text field of %s",
                        h->cells[i], t->id);
}

/* The row's code, template and time. */
static void check_web_identity(omr_db *db, const omr_template *t, const csv_record *row,
                               const web_columns *c, web_row *w, frame_problems *problems) {
    char reason[300];
    if (!*w->code)
        frame_problem_add(problems, row->line, "no login code");
    else if (frame_check_code(db, t->id, w->code, reason, sizeof reason) != FRAME_CODE_OK)
        frame_problem_add(problems, row->line, "%s", reason);
    if (c->template_col >= 0 && *row->cells[c->template_col] &&
        strcmp(row->cells[c->template_col], t->id) != 0)
        frame_problem_add(problems, row->line, "template is \"%s\", not %s",
                    row->cells[c->template_col], t->id);
    int when = c->time_col >= 0 && *row->cells[c->time_col]
                   ? normalise_time(row->cells[c->time_col], w->created)
                   : 1;
    if (when == 0)
        frame_problem_add(problems, row->line,
                    "submitted_at \"%s\" is not a real date and time like 2024-06-03T14:05:09Z "
                    "or 2024-06-03T16:05:09+02:00",
                    row->cells[c->time_col]);
    else if (when < 0)
        frame_problem_add(problems, row->line,
                    "submitted_at \"%s\" has a time but no time zone: add Z (UTC) or the "
                    "offset the web survey uses, e.g. %s+02:00",
                    row->cells[c->time_col], row->cells[c->time_col]);
}

/* A multiple-choice answer: the chosen values, space-separated, or NULL. */
static char *read_options(const csv_record *row, const template_question *tq, const int *cols,
                          frame_problems *problems) {
    char chosen[512] = "";
    for (size_t b = 0; b < tq->n_boxes; b++) {
        const char *v = row->cells[cols[b]];
        if (strcmp(v, "1") == 0) {
            size_t len = strlen(chosen);
            snprintf(chosen + len, sizeof chosen - len, "%s%s", len ? " " : "", tq->boxes[b].value);
        } else if (*v && strcmp(v, "0") != 0)
            frame_problem_add(problems, row->line, "%s.%s = \"%s\": must be 1, 0 or empty", tq->id,
                        tq->boxes[b].value, v);
    }
    return *chosen ? strdup(chosen) : NULL;
}

/* The row's answers: each a value of its question. */
static void read_web_answers(const omr_template *t, const csv_record *row, const web_columns *c,
                             web_row *w, frame_problems *problems) {
    for (size_t q = 0; q < t->n_questions; q++) {
        const template_question *tq = &t->questions[q];
        if (tq->type == QUESTION_MULTI) {
            w->values[q] = read_options(row, tq, c->mcol[q], problems);
            continue;
        }
        const char *v = row->cells[c->qcol[q]];
        if (*v && box_index(tq, v) < 0)
            frame_problem_add(problems, row->line, "%s = \"%s\" is not one of the values of %s", tq->id,
                        v, tq->id);
        else if (*v)
            w->values[q] = strdup(v);
    }
    for (size_t f = 0; f < t->n_text_fields; f++)
        w->texts[f] = row->cells[c->tcol[f]];
}

/* Every row checked and read into rows[]; *n_rows = rows read. */
static void read_web_rows(omr_db *db, const omr_template *t, const csv_input *in,
                          const web_columns *c, web_row *rows, size_t *n_rows,
                          frame_problems *problems) {
    const csv_record *h = &in->rows[0];
    size_t nq = t->n_questions, nt = t->n_text_fields;
    char now[32];
    store_now(now);
    for (size_t r = 1; r < in->n; r++) {
        const csv_record *row = &in->rows[r];
        if (row->n != h->n) {
            frame_problem_add(problems, row->line, "%zu fields, but the header has %zu", row->n, h->n);
            continue;
        }
        web_row *w = &rows[(*n_rows)++];
        w->line = row->line;
        w->code = row->cells[c->code_col];
        w->values = calloc(nq ? nq : 1, sizeof *w->values);
        w->texts = calloc(nt ? nt : 1, sizeof *w->texts);
        if (!w->values || !w->texts) {
            frame_problem_add(problems, row->line, "out of memory");
            continue;
        }
        snprintf(w->created, sizeof w->created, "%s", now);
        check_web_identity(db, t, row, c, w, problems);
        read_web_answers(t, row, c, w, problems);
    }
}

/* "routing:q4a1 ...": answers given to questions their filter routed past. */
static void routing_flags(const omr_template *t, const web_row *w, char *buf, size_t size) {
    buf[0] = 0;
    for (size_t q = 0; q < t->n_questions; q++)
        if (w->values[q] && question_routed_out(t, &t->questions[q], w->values)) {
            size_t len = strlen(buf);
            snprintf(buf + len, size - len, "%srouting:%s", len ? " " : "", t->questions[q].id);
        }
}

/* Hands the checked rows to the ledger. */
static int write_web_rows(omr_db *db, const omr_template *t, const web_row *rows, size_t n,
                          size_t *imported, size_t *skipped, size_t *both_modes, omr_error *err) {
    frame_store_web_return *out = calloc(n ? n : 1, sizeof *out);
    char (*routing)[1024] = calloc(n ? n : 1, sizeof *routing);
    int rc;
    if (!out || !routing)
        rc = omr_fail(err, OMR_ERR_MEMORY, "out of memory for %zu web answers; nothing was imported",
                      n);
    else {
        for (size_t i = 0; i < n; i++) {
            routing_flags(t, &rows[i], routing[i], sizeof routing[i]);
            out[i] = (frame_store_web_return){.code = rows[i].code, .created = rows[i].created,
                                              .routing = routing[i], .values = rows[i].values,
                                              .texts = rows[i].texts};
        }
        rc = frame_store_add_web_returns(db, t, out, n, imported, skipped, both_modes, err);
    }
    free(out);
    free(routing);
    return rc;
}

static void web_rows_free(web_row *rows, size_t n, size_t nq) {
    for (size_t i = 0; i < n; i++) {
        for (size_t q = 0; rows[i].values && q < nq; q++)
            free(rows[i].values[q]);
        free(rows[i].values);
        free(rows[i].texts);
    }
    free(rows);
}

int frame_import_web(omr_db *db, const omr_template *t, const char *path,
                     frame_problems *problems, size_t *imported, size_t *skipped,
                     size_t *both_modes, omr_error *err) {
    *imported = *skipped = *both_modes = 0;
    frame_problems local = {0};
    if (!problems)
        problems = &local;
    size_t before = problems->count;
    int check_digits;
    if (!frame_store_settings(db, t->id, &check_digits))
        return omr_fail(err, OMR_ERR_INVALID,
                        "the ledger has no frame for %s: import it first (omr frame import)", t->id);
    csv_input in;
    int rc = csv_input_read(path, &in, problems, err);
    if (rc != OMR_OK)
        return rc;
    web_columns cols = {0};
    web_row *rows = NULL;
    size_t n_rows = 0;
    if (web_columns_new(&cols, t) != OMR_OK)
        frame_problem_add(problems, 0, "out of memory reading %s", path);
    else if (in.n == 0)
        frame_problem_add(problems, 0, "the file is empty: it needs the header of records.csv");
    else
        find_web_columns(&in.rows[0], t, &cols, problems);
    if (problems->count == before)
        normalize_codes(&in, cols.code_col, 1);
    if (problems->count == before) {
        check_duplicates(&in, cols.code_col, problems);
        rows = calloc(in.n, sizeof *rows);
        if (!rows)
            frame_problem_add(problems, 0, "out of memory reading %s", path);
        else
            read_web_rows(db, t, &in, &cols, rows, &n_rows, problems);
    }
    if (problems->count == before)
        rc = write_web_rows(db, t, rows, n_rows, imported, skipped, both_modes, err);
    if (rc == OMR_OK && problems->count > before)
        rc = omr_fail(err, OMR_ERR_INVALID, "%s: %zu problem%s; nothing was imported", path,
                      problems->count - before, problems->count - before == 1 ? "" : "s");
    web_rows_free(rows, n_rows, t->n_questions);
    web_columns_free(&cols, t);
    csv_input_free(&in);
    frame_problems_clear(&local);
    return rc;
}

