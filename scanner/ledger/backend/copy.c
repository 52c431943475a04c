/*
 * copy.c — a ledger file copied whole into another ledger (see copy.h), for
 * `omr ledger migrate`. Reads the file's tables, columns and foreign keys
 * from SQLite itself (sqlite_master, PRAGMA table_info/foreign_key_list),
 * makes what the target lacks from the file's CREATE statements, and moves
 * rows through sql.h as JSON values, so each keeps its type. Knows no table
 * by name but meta, whose schema_version row every new ledger already holds.
 */
#include "ledger/backend/copy.h"

#include <assert.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/files.h"
#include "ledger/sql.h"
#include "ledger/store.h"

typedef struct {
    char **names;
    size_t n;
} name_list;

static void names_free(name_list *l) {
    sql_names_free(l->names, l->n);
    l->names = NULL;
    l->n = 0;
}

static int has_name(const name_list *l, const char *name) {
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->names[i], name) == 0)
            return 1;
    return 0;
}

/* The columns of `table` (PRAGMA table_info: second column the name). */
static int columns_of(omr_db *db, const char *table, name_list *out, omr_error *err) {
    out->names = NULL;
    out->n = 0;
    char sql[160];
    snprintf(sql, sizeof sql, "PRAGMA table_info(%s)", table);
    sql_stmt *st;
    int rc = sql_prepare(db, &st, err, sql, "");
    if (rc != OMR_OK)
        return rc;
    size_t cap = 0;
    while (sql_step(st) == SQL_ROW) {
        if (out->n == cap) {
            char **grown = realloc(out->names, (cap = cap ? 2 * cap : 16) * sizeof *grown);
            if (!grown)
                break;
            out->names = grown;
        }
        out->names[out->n] = sql_dup(st, 1);
        if (out->names[out->n])
            out->n++;
    }
    sql_finalize(st);
    return out->n ? OMR_OK : omr_fail(err, OMR_ERR_IO, "ledger: cannot read the columns of %s", table);
}

/* Does `table` (in the source) refer to a table not yet placed? */
static int waits_for(omr_db *from, const char *table, const name_list *all, const int *placed) {
    char sql[160];
    snprintf(sql, sizeof sql, "PRAGMA foreign_key_list(%s)", table);
    sql_stmt *st = sql_query(from, sql, "");
    int waits = 0;
    while (st && !waits && sql_step(st) == SQL_ROW) {
        const char *ref = sql_text(st, 2);
        for (size_t i = 0; i < all->n; i++)
            if (strcmp(all->names[i], ref) == 0 && strcmp(ref, table) != 0 && !placed[i])
                waits = 1;
    }
    sql_finalize(st);
    return waits;
}

/* The tables in an order that inserts every referenced row first (a cycle,
 * which the ledger does not have, falls back to name order). */
static int order_tables(omr_db *from, name_list *tables, omr_error *err) {
    int *placed = calloc(tables->n + 1, sizeof *placed);
    char **order = calloc(tables->n + 1, sizeof *order);
    if (!placed || !order) {
        free(placed);
        free(order);
        return omr_fail(err, OMR_ERR_MEMORY, "out of memory");
    }
    size_t n = 0;
    while (n < tables->n) {
        size_t before = n;
        for (size_t i = 0; i < tables->n; i++)
            if (!placed[i] && !waits_for(from, tables->names[i], tables, placed)) {
                placed[i] = 1;
                order[n++] = tables->names[i];
            }
        if (n == before) /* a cycle: the rest as they come */
            for (size_t i = 0; i < tables->n; i++)
                if (!placed[i]) {
                    placed[i] = 1;
                    order[n++] = tables->names[i];
                }
    }
    memcpy(tables->names, order, tables->n * sizeof *order);
    free(order);
    free(placed);
    return OMR_OK;
}

/* Makes in `to` every table (and index) of `from` that `to` lacks, from the
 * file's own CREATE statements. */
static int make_missing(omr_db *from, omr_db *to, const name_list *tables, omr_error *err) {
    name_list have = {0};
    int rc = sql_table_names(to, &have.names, &have.n, err);
    sql_stmt *st = NULL;
    if (rc == OMR_OK)
        rc = sql_prepare(from, &st, err,
                         "SELECT type, tbl_name, sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE "
                         "'sqlite_%' ORDER BY type = 'index', rowid", "");
    while (rc == OMR_OK && sql_step(st) == SQL_ROW) {
        if (has_name(&have, sql_text(st, 1)) || !has_name(tables, sql_text(st, 1)))
            continue;
        rc = sql_exec(to, sql_text(st, 2), err);
    }
    sql_finalize(st);
    names_free(&have);
    return rc;
}

static int count_rows(omr_db *db, const char *table, long long *n, omr_error *err) {
    char sql[200];
    if (strcmp(table, "meta") == 0)
        snprintf(sql, sizeof sql, "SELECT count(*) FROM meta WHERE key <> 'schema_version'");
    else
        snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", table);
    return sql_int_query(db, n, 0, err, "cannot count a table's rows", sql, "");
}

/* Every row of `table` from `from` into `to`, in rowid order. */
static int copy_rows(omr_db *from, omr_db *to, const char *table, long long *copied, omr_error *err) {
    *copied = 0;
    name_list cols = {0};
    int rc = columns_of(from, table, &cols, err);
    if (rc != OMR_OK)
        return rc;
    omr_strbuf sel = {0}, ins = {0}, vals = {0};
    omr_strbuf_printf(&sel, "SELECT ");
    omr_strbuf_printf(&ins, "INSERT INTO %s(", table);
    for (size_t i = 0; i < cols.n; i++) {
        omr_strbuf_printf(&sel, "%s\"%s\"", i ? ", " : "", cols.names[i]);
        omr_strbuf_printf(&ins, "%s\"%s\"", i ? ", " : "", cols.names[i]);
        omr_strbuf_printf(&vals, "%s?", i ? ", " : "");
    }
    omr_strbuf_printf(&sel, " FROM %s ORDER BY rowid", table);
    omr_strbuf_printf(&ins, ") VALUES (%s)", vals.s ? vals.s : "");
    sql_stmt *read = NULL, *write = NULL;
    if (sel.failed || ins.failed || vals.failed)
        rc = omr_fail(err, OMR_ERR_MEMORY, "out of memory");
    if (rc == OMR_OK)
        rc = sql_prepare(from, &read, err, sel.s, "");
    if (rc == OMR_OK)
        rc = sql_prepare(to, &write, err, ins.s, "");
    int step = SQL_DONE;
    while (rc == OMR_OK && (step = sql_step(read)) == SQL_ROW) {
        for (size_t i = 0; i < cols.n; i++) {
            json_t *v = sql_json(read, (int)i);
            sql_bind_json(write, (int)i + 1, v);
            json_decref(v);
        }
        if (sql_run_reset(write) != OMR_OK) {
            char what[128];
            snprintf(what, sizeof what, "cannot copy a row of %s", table);
            rc = sql_fail(to, err, what);
        } else {
            (*copied)++;
        }
    }
    if (rc == OMR_OK && step != SQL_DONE)
        rc = sql_fail(from, err, "cannot read the ledger file");
    /* on PostgreSQL the next id continues after the highest copied */
    if (rc == OMR_OK && *copied && has_name(&cols, "id") && strcmp(sql_backend(to), "postgresql") == 0) {
        char sql[300];
        snprintf(sql, sizeof sql,
                 "SELECT setval(pg_get_serial_sequence('%s', 'id'), max(id)) FROM %s "
                 "WHERE pg_get_serial_sequence('%s', 'id') IS NOT NULL",
                 table, table, table);
        long long ignored;
        rc = sql_int_query(to, &ignored, 0, err, "cannot continue an id sequence", sql, "");
    }
    sql_finalize(read);
    sql_finalize(write);
    omr_strbuf_free(&sel);
    omr_strbuf_free(&ins);
    omr_strbuf_free(&vals);
    names_free(&cols);
    return rc;
}

int ledger_copy(omr_db *from, omr_db *to, int replace, ledger_copy_report *report, omr_error *err) {
    assert(from && to && report);
    memset(report, 0, sizeof *report);
    if (strcmp(sql_backend(from), "sqlite") != 0)
        return omr_fail(err, OMR_ERR_INVALID, "the ledger to migrate from must be a ledger file (SQLite); a "
                        "PostgreSQL ledger is copied with pg_dump and pg_restore");
    name_list tables = {0};
    int rc = sql_table_names(from, &tables.names, &tables.n, err);
    if (rc == OMR_OK && tables.n > LEDGER_COPY_MAX_TABLES)
        rc = omr_fail(err, OMR_ERR_INVALID, "the ledger holds %zu tables, more than %d", tables.n,
                      LEDGER_COPY_MAX_TABLES);
    if (rc == OMR_OK)
        rc = order_tables(from, &tables, err);
    if (rc == OMR_OK)
        rc = make_missing(from, to, &tables, err);
    for (size_t i = 0; rc == OMR_OK && !replace && i < tables.n; i++) {
        long long n = 0;
        rc = count_rows(to, tables.names[i], &n, err);
        if (rc == OMR_OK && n > 0)
            rc = omr_fail(err, OMR_ERR_INVALID, "the target ledger is not empty (%s holds %lld row%s): migrate "
                          "into an empty database, or give --replace to empty it first", tables.names[i], n,
                          n == 1 ? "" : "s");
    }
    if (rc == OMR_OK)
        rc = store_begin(to, err);
    for (size_t i = tables.n; rc == OMR_OK && i-- > 0;) { /* emptied referrers first */
        char sql[160];
        snprintf(sql, sizeof sql, "DELETE FROM %s", tables.names[i]);
        rc = sql_exec(to, sql, err);
    }
    for (size_t i = 0; rc == OMR_OK && i < tables.n; i++) {
        snprintf(report->tables[i].name, sizeof report->tables[i].name, "%s", tables.names[i]);
        rc = copy_rows(from, to, tables.names[i], &report->tables[i].rows, err);
        report->n_tables = i + 1;
    }
    for (size_t i = 0; rc == OMR_OK && i < tables.n; i++) {
        long long a = 0, b = 0;
        rc = count_rows(from, tables.names[i], &a, err);
        if (rc == OMR_OK)
            rc = count_rows(to, tables.names[i], &b, err);
        if (rc == OMR_OK && a != b)
            rc = omr_fail(err, OMR_ERR_IO, "the copy of %s holds %lld rows, the ledger file %lld: nothing was "
                          "kept", tables.names[i], b, a);
    }
    if (rc == OMR_OK)
        rc = store_commit(to, err);
    else
        store_rollback(to);
    names_free(&tables);
    return rc;
}
