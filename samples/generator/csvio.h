/*
 * csvio.h — RFC 4180 CSV for the sample tool: reading a whole file into a
 * table with libcsv (truth files and the scanner's records.csv), and writing
 * fields quoted only where they need it (CRLF line ends, UTF-8).
 */
#ifndef SAMPLES_CSVIO_H
#define SAMPLES_CSVIO_H

#include <stdio.h>

#include "base/common.h"

typedef struct {
    char **cells;   /* all cells, row-major; each row has n_cols cells ("" if short) */
    size_t n_rows;  /* data rows, header excluded */
    size_t n_cols;  /* header width */
    char **header;  /* n_cols names */
} csvio_table;

/* Reads `path` (first row is the header). OMR_ERR_IO / OMR_ERR_FORMAT with a
 * message naming the file and what is wrong. */
int csvio_read(const char *path, csvio_table *out, omr_error *err);
void csvio_free(csvio_table *t);
/* Index of the column named `name`, or -1. */
int csvio_column(const csvio_table *t, const char *name);
/* The cell, "" for a missing column (col < 0). */
const char *csvio_cell(const csvio_table *t, size_t row, int col);

/* Writes one field followed by ',' or, when `last`, by CRLF. */
void csvio_put(FILE *f, const char *field, int last);

#endif
