/*
 * db.h — the ledger's connection as the rest of omr sees it: an opaque
 * handle, opened and closed by the ledger's own functions and passed to them.
 * No file outside scanner/ledger/ looks inside it or runs SQL on it; the
 * backend behind it (SQLite today) is the ledger's business alone.
 */
#ifndef OMR_LEDGER_DB_H
#define OMR_LEDGER_DB_H

typedef struct sqlite3 omr_db;

#endif
