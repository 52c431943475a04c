/*
 * store.c — opens the SQLite ledger and applies its schema (see store.h for
 * what each table means). Functions that write the scan pipeline's results
 * into the ledger live here too, each one a single transaction.
 */
#include "store.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

const char store_schema_sql[] =
    "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);\n"
    "CREATE TABLE IF NOT EXISTS scan_files(\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  sha256 TEXT NOT NULL UNIQUE,\n"
    "  original_name TEXT NOT NULL,\n"
    "  stored_path TEXT,\n"
    "  size INTEGER NOT NULL,\n"
    "  state TEXT NOT NULL CHECK(state IN ('processing','done','rejected')),\n"
    "  received_at TEXT NOT NULL,\n"
    "  finished_at TEXT,\n"
    "  error TEXT);\n"
    "CREATE TABLE IF NOT EXISTS returns(\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  template TEXT NOT NULL,\n"
    "  code TEXT NOT NULL,\n"
    "  mode TEXT NOT NULL DEFAULT 'paper' CHECK(mode IN ('paper','web')),\n"
    "  created_at TEXT NOT NULL,\n"
    "  duplicate_of INTEGER REFERENCES returns(id),\n"
    "  flags TEXT NOT NULL DEFAULT '');\n"
    "CREATE INDEX IF NOT EXISTS returns_code ON returns(template, code);\n"
    "CREATE TABLE IF NOT EXISTS pages(\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  file_id INTEGER NOT NULL REFERENCES scan_files(id),\n"
    "  file_page INTEGER NOT NULL,\n"
    "  status TEXT NOT NULL CHECK(status IN ('read','blank','rejected')),\n"
    "  reason TEXT,\n"
    "  template TEXT,\n"
    "  code TEXT,\n"
    "  page INTEGER,\n"
    "  return_id INTEGER REFERENCES returns(id),\n"
    "  transform TEXT,\n"
    "  UNIQUE(file_id, file_page));\n"
    "CREATE INDEX IF NOT EXISTS pages_return ON pages(return_id);\n"
    "CREATE TABLE IF NOT EXISTS marks(\n"
    "  page_id INTEGER NOT NULL REFERENCES pages(id),\n"
    "  question TEXT NOT NULL,\n"
    "  value TEXT NOT NULL,\n"
    "  fill REAL NOT NULL, extent REAL NOT NULL, near_mm2 REAL NOT NULL,\n"
    "  decision TEXT NOT NULL CHECK(decision IN ('blank','marked','solid','unsure')),\n"
    "  confidence REAL NOT NULL,\n"
    "  PRIMARY KEY(page_id, question, value));\n"
    "CREATE TABLE IF NOT EXISTS answers(\n"
    "  return_id INTEGER NOT NULL REFERENCES returns(id),\n"
    "  question TEXT NOT NULL,\n"
    "  value TEXT,\n"
    "  machine_value TEXT,\n"
    "  status TEXT NOT NULL CHECK(status IN ('ok','review')),\n"
    "  reason TEXT,\n"
    "  confidence REAL,\n"
    "  confirmed_by TEXT,\n"
    "  confirmed_at TEXT,\n"
    "  PRIMARY KEY(return_id, question));\n"
    "CREATE TABLE IF NOT EXISTS texts(\n"
    "  return_id INTEGER NOT NULL REFERENCES returns(id),\n"
    "  field TEXT NOT NULL,\n"
    "  text TEXT,\n"
    "  machine_text TEXT,\n"
    "  confidence REAL,\n"
    "  crop_path TEXT,\n"
    "  status TEXT NOT NULL CHECK(status IN ('none','pending_ocr','ok','review')),\n"
    "  confirmed_by TEXT,\n"
    "  confirmed_at TEXT,\n"
    "  PRIMARY KEY(return_id, field));\n"
    "CREATE TABLE IF NOT EXISTS review_items(\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  return_id INTEGER REFERENCES returns(id),\n"
    "  page_id INTEGER REFERENCES pages(id),\n"
    "  item TEXT NOT NULL,\n"
    "  kind TEXT NOT NULL CHECK(kind IN ('answer','text','duplicate','unmatched_page')),\n"
    "  reason TEXT NOT NULL,\n"
    "  state TEXT NOT NULL DEFAULT 'open' CHECK(state IN ('open','decided')),\n"
    "  lease_owner TEXT,\n"
    "  lease_until TEXT,\n"
    "  created_at TEXT NOT NULL);\n"
    "CREATE INDEX IF NOT EXISTS review_open ON review_items(state, id);\n"
    "CREATE TABLE IF NOT EXISTS decisions(\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  review_item_id INTEGER NOT NULL REFERENCES review_items(id),\n"
    "  operator TEXT NOT NULL,\n"
    "  decided_at TEXT NOT NULL,\n"
    "  machine_value TEXT,\n"
    "  final_value TEXT);\n"
    "CREATE TABLE IF NOT EXISTS events(\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  at TEXT NOT NULL,\n"
    "  level TEXT NOT NULL CHECK(level IN ('info','error')),\n"
    "  file TEXT,\n"
    "  message TEXT NOT NULL);\n"
    "INSERT OR IGNORE INTO meta(key, value) VALUES ('schema_version', '1');\n";

int store_exec(sqlite3 *db, const char *sql, omr_error *err) {
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        omr_fail(err, OMR_ERR_IO, "ledger: %s (in \"%.40s\")", msg ? msg : sqlite3_errmsg(db), sql);
        sqlite3_free(msg);
        return OMR_ERR_IO;
    }
    return OMR_OK;
}

int store_open(const char *path, sqlite3 **db, omr_error *err) {
    *db = NULL;
    sqlite3 *handle = NULL;
    int rc = sqlite3_open_v2(path, &handle, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                             NULL);
    if (rc != SQLITE_OK) {
        omr_fail(err, OMR_ERR_IO, "cannot open the ledger %s: %s", path,
                 handle ? sqlite3_errmsg(handle) : sqlite3_errstr(rc));
        sqlite3_close(handle);
        return OMR_ERR_IO;
    }
    sqlite3_busy_timeout(handle, 10000);
    if (store_exec(handle, "PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON; PRAGMA synchronous=FULL;", err) != OMR_OK ||
        store_exec(handle, store_schema_sql, err) != OMR_OK) {
        char msg[OMR_ERROR_SIZE];
        snprintf(msg, sizeof msg, "%s", err ? err->message : "");
        omr_fail(err, OMR_ERR_IO, "cannot prepare the ledger %s: %s", path, msg);
        sqlite3_close(handle);
        return OMR_ERR_IO;
    }
    *db = handle;
    return OMR_OK;
}

void store_close(sqlite3 *db) { sqlite3_close(db); }

int store_begin(sqlite3 *db, omr_error *err) { return store_exec(db, "BEGIN IMMEDIATE", err); }
int store_commit(sqlite3 *db, omr_error *err) { return store_exec(db, "COMMIT", err); }
void store_rollback(sqlite3 *db) { sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL); }

void store_now(char buf[32]) {
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}
