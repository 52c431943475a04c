/*
 * db.h — the ledger's connection as the rest of omr sees it: an opaque
 * handle, opened and closed by the ledger's own functions and passed to them.
 * No file outside scanner/ledger/ looks inside it or runs SQL on it; the
 * backend behind it is the ledger's business alone.
 *
 * The type stays SQLite's handle so that a test may inspect a SQLite ledger
 * with SQLite's own API; a PostgreSQL connection (a libpq URI given as the
 * ledger's path, ledger/backend/postgres.c) is another object behind the
 * same pointer type, which sql.c recognises by its registry of open
 * connections. Only sql.c and the backends look at what is behind it.
 */
#ifndef OMR_LEDGER_DB_H
#define OMR_LEDGER_DB_H

typedef struct sqlite3 omr_db;

#endif
