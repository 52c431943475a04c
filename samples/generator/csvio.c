/*
 * csvio.c — CSV through libcsv (strict mode): the parser calls back once per
 * field and once per record end; fields are collected into rows and padded
 * to the header's width.
 */
#include "csvio.h"

#include <csv.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    char **fields; /* the current record */
    size_t n_fields, cap_fields;
    char **cells;  /* finished rows, header first */
    size_t n_cells, cap_cells;
    size_t n_cols; /* set by the header */
    size_t n_rows; /* header included */
    int out_of_memory;
} collector;

static int push(char ***array, size_t *n, size_t *cap, char *item) {
    if (*n == *cap) {
        size_t grown_cap = *cap ? *cap * 2 : 64;
        char **grown = realloc(*array, grown_cap * sizeof *grown);
        if (!grown)
            return 0;
        *array = grown;
        *cap = grown_cap;
    }
    (*array)[(*n)++] = item;
    return 1;
}

static void on_field(void *s, size_t len, void *data) {
    collector *c = data;
    char *copy = malloc(len + 1);
    if (!copy) {
        c->out_of_memory = 1;
        return;
    }
    if (len)
        memcpy(copy, s, len);
    copy[len] = '\0';
    if (!push(&c->fields, &c->n_fields, &c->cap_fields, copy)) {
        free(copy);
        c->out_of_memory = 1;
    }
}

static void on_record(int terminator, void *data) {
    (void)terminator;
    collector *c = data;
    if (c->n_rows == 0) {
        c->n_cols = c->n_fields;
        /* a UTF-8 byte order mark before the first name is not part of it */
        if (c->n_fields && strncmp(c->fields[0], "\xEF\xBB\xBF", 3) == 0)
            memmove(c->fields[0], c->fields[0] + 3, strlen(c->fields[0] + 3) + 1);
    }
    for (size_t i = 0; i < c->n_cols; i++) {
        char *cell = i < c->n_fields ? c->fields[i] : calloc(1, 1);
        if (!cell || !push(&c->cells, &c->n_cells, &c->cap_cells, cell)) {
            free(cell);
            c->out_of_memory = 1;
        }
    }
    for (size_t i = c->n_cols; i < c->n_fields; i++)
        free(c->fields[i]);
    c->n_fields = 0;
    c->n_rows++;
}

int csvio_read(const char *path, csvio_table *out, omr_error *err) {
    memset(out, 0, sizeof *out);
    FILE *f = fopen(path, "rb");
    if (!f)
        return omr_fail(err, OMR_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    struct csv_parser p;
    if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI) != 0) {
        fclose(f);
        return omr_fail(err, OMR_ERR_MEMORY, "%s: cannot start the CSV parser", path);
    }
    collector c = {0};
    char buf[65536];
    size_t n;
    int rc = OMR_OK;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) {
        if (csv_parse(&p, buf, n, on_field, on_record, &c) != n) {
            rc = omr_fail(err, OMR_ERR_FORMAT, "%s: not valid CSV: %s", path,
                          csv_strerror(csv_error(&p)));
            break;
        }
    }
    if (rc == OMR_OK && ferror(f))
        rc = omr_fail(err, OMR_ERR_IO, "%s: read error", path);
    if (rc == OMR_OK && csv_fini(&p, on_field, on_record, &c) != 0)
        rc = omr_fail(err, OMR_ERR_FORMAT, "%s: not valid CSV at the end: %s", path,
                      csv_strerror(csv_error(&p)));
    csv_free(&p);
    fclose(f);
    for (size_t i = 0; i < c.n_fields; i++)
        free(c.fields[i]);
    free(c.fields);
    if (rc == OMR_OK && c.out_of_memory)
        rc = omr_fail(err, OMR_ERR_MEMORY, "%s: out of memory", path);
    if (rc == OMR_OK && c.n_rows == 0)
        rc = omr_fail(err, OMR_ERR_FORMAT, "%s: empty, not even a header row", path);
    if (rc != OMR_OK) {
        for (size_t i = 0; i < c.n_cells; i++)
            free(c.cells[i]);
        free(c.cells);
        return rc;
    }
    out->header = c.cells;
    out->cells = c.cells + c.n_cols;
    out->n_cols = c.n_cols;
    out->n_rows = c.n_rows - 1;
    return OMR_OK;
}

void csvio_free(csvio_table *t) {
    if (!t->header)
        return;
    size_t n = (t->n_rows + 1) * t->n_cols;
    for (size_t i = 0; i < n; i++)
        free(t->header[i]);
    free(t->header);
    memset(t, 0, sizeof *t);
}

int csvio_column(const csvio_table *t, const char *name) {
    for (size_t i = 0; i < t->n_cols; i++)
        if (strcmp(t->header[i], name) == 0)
            return (int)i;
    return -1;
}

const char *csvio_cell(const csvio_table *t, size_t row, int col) {
    if (col < 0 || (size_t)col >= t->n_cols || row >= t->n_rows)
        return "";
    return t->cells[row * t->n_cols + (size_t)col];
}

void csvio_put(FILE *f, const char *field, int last) {
    const char *s = field ? field : "";
    size_t len = strlen(s);
    int quote = len > 0 && (strpbrk(s, ",\"\r\n") || s[0] == ' ' || s[len - 1] == ' ');
    if (quote)
        csv_fwrite(f, s, len);
    else
        fputs(s, f);
    fputs(last ? "\r\n" : ",", f);
}
