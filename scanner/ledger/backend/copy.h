/*
 * copy.h — a whole ledger copied from a SQLite file into another ledger (a
 * PostgreSQL database, or another file): `omr ledger migrate`. Every table
 * the file holds, the ledger's own and any a room added, with every row and
 * its id; tables the target lacks are made from the file's own CREATE
 * statements (through the dialect); then the counts are compared.
 */
#ifndef OMR_LEDGER_COPY_H
#define OMR_LEDGER_COPY_H

#include <stddef.h>

#include "base/common.h"
#include "ledger/db.h"

#define LEDGER_COPY_MAX_TABLES 64

typedef struct {
    size_t n_tables;
    struct {
        char name[64];
        long long rows;
    } tables[LEDGER_COPY_MAX_TABLES];
} ledger_copy_report;

/* Copies every table of `from` (a SQLite ledger, open) into `to` (open) in
 * one transaction, tables in the order their foreign keys need, rows in id
 * order; on PostgreSQL each id sequence continues after the highest id.
 * A target that holds anything (a row in any table, a setting in meta other
 * than schema_version) is refused with OMR_ERR_INVALID unless `replace`,
 * which empties it first. After the copy each table's rows are counted on
 * both sides: a difference is an error (and nothing is kept: the copy is
 * one transaction, the count is checked before it commits). */
int ledger_copy(omr_db *from, omr_db *to, int replace, ledger_copy_report *report, omr_error *err);

#endif
