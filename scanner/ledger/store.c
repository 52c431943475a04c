/*
 * store.c — the ledger's rules. Opens the SQLite database and applies its
 * schema (see store.h for what each table means), and records what the scan
 * pipeline read: one transaction per scan file, in which the file's pages
 * join returns (the oldest return of their login code that lacks that page,
 * else a new one flagged as a duplicate), every box is kept, and each return
 * touched is decided again from all of its pages' marks (assemble.c, decide.c)
 * without overwriting anything a person confirmed. Also the content hash
 * (SHA-256, OpenSSL EVP) that makes the same file arriving twice count once,
 * and the background OCR queue (texts waiting in status pending_ocr).
 */
#include "ledger/store.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pages/encode.h"
#include "ledger/frame_check.h"

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
    "  shift_mm REAL,\n"
    "  ink_near INTEGER NOT NULL DEFAULT 0,\n"
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
    "CREATE TABLE IF NOT EXISTS duplicate_files(\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  file_id INTEGER NOT NULL REFERENCES scan_files(id),\n"
    "  name TEXT NOT NULL,\n"
    "  received_at TEXT NOT NULL);\n"
    "CREATE INDEX IF NOT EXISTS texts_status ON texts(status);\n"
    "CREATE INDEX IF NOT EXISTS review_return ON review_items(return_id, kind, item);\n"
    "CREATE INDEX IF NOT EXISTS scan_files_state ON scan_files(state, finished_at);\n"
    "INSERT OR IGNORE INTO meta(key, value) VALUES ('schema_version', '2');\n";

/* A ledger error in words a mailroom can act on. */
static int db_fail(sqlite3 *db, omr_error *err, const char *what) {
    int code = sqlite3_extended_errcode(db) & 0xff;
    const char *hint = "";
    switch (code) {
    case SQLITE_FULL: hint = " (the disk holding the ledger is full)"; break;
    case SQLITE_READONLY: hint = " (the ledger or its folder is read-only)"; break;
    case SQLITE_IOERR: hint = " (the disk refused the write: full, read-only or failing)"; break;
    case SQLITE_CANTOPEN: hint = " (the ledger's folder cannot be written)"; break;
    case SQLITE_BUSY:
    case SQLITE_LOCKED: hint = " (another program holds the ledger)"; break;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB: hint = " (the ledger file is damaged)"; break;
    default: break;
    }
    return omr_fail(err, OMR_ERR_IO, "ledger: %s: %s%s", what, sqlite3_errmsg(db), hint);
}

int store_exec(sqlite3 *db, const char *sql, omr_error *err) {
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        char what[64];
        snprintf(what, sizeof what, "\"%.40s\"", sql);
        sqlite3_free(msg);
        return db_fail(db, err, what);
    }
    return OMR_OK;
}

/* Does table `table` have column `column`? */
static int has_column(sqlite3 *db, const char *table, const char *column) {
    char sql[128];
    snprintf(sql, sizeof sql, "PRAGMA table_info(%s)", table);
    sqlite3_stmt *st = NULL;
    int found = 0;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK)
        while (sqlite3_step(st) == SQLITE_ROW)
            if (strcmp((const char *)sqlite3_column_text(st, 1), column) == 0)
                found = 1;
    sqlite3_finalize(st);
    return found;
}

/* Schema 1 -> 2: columns added to marks. Runs under a write lock so that two
 * connections opening at once do not both add them. */
static int migrate(sqlite3 *db, omr_error *err) {
    if (has_column(db, "marks", "ink_near"))
        return OMR_OK;
    int rc = store_begin(db, err);
    if (rc != OMR_OK)
        return rc;
    if (!has_column(db, "marks", "shift_mm"))
        rc = store_exec(db, "ALTER TABLE marks ADD COLUMN shift_mm REAL", err);
    if (rc == OMR_OK && !has_column(db, "marks", "ink_near"))
        rc = store_exec(db, "ALTER TABLE marks ADD COLUMN ink_near INTEGER NOT NULL DEFAULT 0", err);
    if (rc == OMR_OK)
        rc = store_exec(db, "UPDATE meta SET value = '2' WHERE key = 'schema_version'", err);
    if (rc == OMR_OK)
        return store_commit(db, err);
    store_rollback(db);
    return rc;
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
        store_exec(handle, store_schema_sql, err) != OMR_OK || migrate(handle, err) != OMR_OK) {
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
void store_rollback(sqlite3 *db) {
    if (!sqlite3_get_autocommit(db))
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
}

void store_now(char buf[32]) {
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* ---- statements ------------------------------------------------------------------ */

/* Prepares `sql` and binds the arguments described by `types`: 't' text
 * (NULL allowed), 'i' long long, 'd' double, 'n' NULL. */
static int prepare(sqlite3 *db, sqlite3_stmt **st, omr_error *err, const char *sql, const char *types, ...) {
    *st = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, st, NULL) != SQLITE_OK)
        return db_fail(db, err, "cannot prepare a query");
    va_list ap;
    va_start(ap, types);
    for (int i = 0; types[i]; i++) {
        switch (types[i]) {
        case 't': {
            const char *s = va_arg(ap, const char *);
            if (s)
                sqlite3_bind_text(*st, i + 1, s, -1, SQLITE_TRANSIENT);
            else
                sqlite3_bind_null(*st, i + 1);
            break;
        }
        case 'i': sqlite3_bind_int64(*st, i + 1, va_arg(ap, long long)); break;
        case 'd': sqlite3_bind_double(*st, i + 1, va_arg(ap, double)); break;
        default: sqlite3_bind_null(*st, i + 1); break;
        }
    }
    va_end(ap);
    return OMR_OK;
}

/* Steps a statement that returns no rows, and finalizes it. */
static int run(sqlite3 *db, sqlite3_stmt *st, omr_error *err, const char *what) {
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW)
        return db_fail(db, err, what);
    return OMR_OK;
}

#define RUN(db, err, what, sql, ...)                                                    \
    do {                                                                                \
        sqlite3_stmt *st_;                                                              \
        int rc_ = prepare(db, &st_, err, sql, __VA_ARGS__);                             \
        if (rc_ == OMR_OK)                                                              \
            rc_ = run(db, st_, err, what);                                              \
        if (rc_ != OMR_OK)                                                              \
            return rc_;                                                                 \
    } while (0)

static const char *col_text(sqlite3_stmt *st, int i) {
    const unsigned char *s = sqlite3_column_text(st, i);
    return s ? (const char *)s : "";
}

/* ---- hashing ---------------------------------------------------------------------- */

int store_hash_file(const char *path, char hex[65], long long *size, omr_error *err) {
    hex[0] = 0;
    *size = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return omr_fail(err, OMR_ERR_IO, "cannot be read: %s", strerror(errno));
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (!ctx || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1) {
        EVP_MD_CTX_free(ctx);
        close(fd);
        return omr_fail(err, OMR_ERR_MEMORY, "cannot start SHA-256 (OpenSSL)");
    }
    unsigned char buf[1 << 16];
    ssize_t n;
    long long total = 0;
    while ((n = read(fd, buf, sizeof buf)) > 0) {
        EVP_DigestUpdate(ctx, buf, (size_t)n);
        total += n;
    }
    int saved = errno;
    close(fd);
    if (n < 0) {
        EVP_MD_CTX_free(ctx);
        return omr_fail(err, OMR_ERR_IO, "cannot be read: %s", strerror(saved));
    }
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_DigestFinal_ex(ctx, md, &len);
    EVP_MD_CTX_free(ctx);
    for (unsigned int i = 0; i < len && i < 32; i++)
        sprintf(hex + 2 * i, "%02x", md[i]);
    *size = total;
    return OMR_OK;
}

/* ---- small things ----------------------------------------------------------------- */

int store_log_event(sqlite3 *db, const char *level, const char *file, const char *message,
                    omr_error *err) {
    char now[32];
    store_now(now);
    RUN(db, err, "cannot add an event", "INSERT INTO events(at, level, file, message) VALUES (?, ?, ?, ?)",
        "tttt", now, level, file, message);
    return OMR_OK;
}

int store_set_meta(sqlite3 *db, const char *key, const char *value, omr_error *err) {
    RUN(db, err, "cannot write a setting", "INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", "tt",
        key, value ? value : "");
    return OMR_OK;
}

int store_get_meta(sqlite3 *db, const char *key, char *buf, size_t size, omr_error *err) {
    buf[0] = 0;
    sqlite3_stmt *st;
    int rc = prepare(db, &st, err, "SELECT value FROM meta WHERE key = ?", "t", key);
    if (rc != OMR_OK)
        return rc;
    int step = sqlite3_step(st);
    if (step == SQLITE_ROW)
        snprintf(buf, size, "%s", col_text(st, 0));
    sqlite3_finalize(st);
    if (step != SQLITE_ROW && step != SQLITE_DONE)
        return db_fail(db, err, "cannot read a setting");
    return OMR_OK;
}

int store_find_file(sqlite3 *db, const char *sha256, store_file_info *out, omr_error *err) {
    memset(out, 0, sizeof *out);
    sqlite3_stmt *st;
    int rc = prepare(db, &st, err,
                     "SELECT id, state, original_name, stored_path, error, received_at "
                     "FROM scan_files WHERE sha256 = ?", "t", sha256);
    if (rc != OMR_OK)
        return rc;
    int step = sqlite3_step(st);
    if (step == SQLITE_ROW) {
        out->found = 1;
        out->id = sqlite3_column_int64(st, 0);
        snprintf(out->state, sizeof out->state, "%s", col_text(st, 1));
        snprintf(out->name, sizeof out->name, "%s", col_text(st, 2));
        snprintf(out->stored_path, sizeof out->stored_path, "%s", col_text(st, 3));
        snprintf(out->error, sizeof out->error, "%s", col_text(st, 4));
        snprintf(out->received_at, sizeof out->received_at, "%s", col_text(st, 5));
    }
    sqlite3_finalize(st);
    if (step != SQLITE_ROW && step != SQLITE_DONE)
        return db_fail(db, err, "cannot look up a file");
    return OMR_OK;
}

int store_forget_unfinished(sqlite3 *db, int *count, omr_error *err) {
    *count = 0;
    int rc = store_exec(db, "DELETE FROM scan_files WHERE state = 'processing' "
                            "AND NOT EXISTS (SELECT 1 FROM pages WHERE pages.file_id = scan_files.id) "
                            "AND NOT EXISTS (SELECT 1 FROM duplicate_files d WHERE d.file_id = scan_files.id)",
                        err);
    if (rc == OMR_OK)
        *count = sqlite3_changes(db);
    return rc;
}

int store_record_duplicate(sqlite3 *db, long long file_id, const char *name, const char *received_at,
                           omr_error *err) {
    char now[32];
    store_now(now);
    RUN(db, err, "cannot note a duplicate file",
        "INSERT INTO duplicate_files(file_id, name, received_at) VALUES (?, ?, ?)", "itt", file_id, name,
        received_at ? received_at : now);
    return OMR_OK;
}

/* ---- review items ------------------------------------------------------------------ */

/* Adds an open review item unless one (open or decided) exists for the same
 * (return, kind, item). */
static int review_item_ensure(sqlite3 *db, long long return_id, const char *kind, const char *item,
                              const char *reason, omr_error *err) {
    char now[32];
    store_now(now);
    RUN(db, err, "cannot add a review item",
        "INSERT INTO review_items(return_id, item, kind, reason, created_at) SELECT ?1, ?2, ?3, ?4, ?5 "
        "WHERE NOT EXISTS (SELECT 1 FROM review_items WHERE return_id = ?1 AND kind = ?3 AND item = ?2)",
        "ittt" "t", return_id, item, kind, reason, now);
    return OMR_OK;
}

/* Removes an open, unleased, undecided review item that no longer applies. */
static int review_item_drop(sqlite3 *db, long long return_id, const char *kind, const char *item,
                            omr_error *err) {
    RUN(db, err, "cannot remove a review item",
        "DELETE FROM review_items WHERE return_id = ? AND kind = ? AND item = ? AND state = 'open' "
        "AND lease_owner IS NULL AND id NOT IN (SELECT review_item_id FROM decisions)",
        "itt", return_id, kind, item);
    return OMR_OK;
}

/* ---- a return decided again from its pages ------------------------------------------ */

static const omr_template *template_by_id(const omr_template *const *templates, size_t n, const char *id) {
    for (size_t i = 0; i < n; i++)
        if (strcmp(templates[i]->id, id) == 0)
            return templates[i];
    return NULL;
}

static box_state state_by_name(const char *name) {
    if (strcmp(name, "marked") == 0)
        return BOX_MARKED;
    if (strcmp(name, "solid") == 0)
        return BOX_SOLID;
    if (strcmp(name, "unsure") == 0)
        return BOX_UNSURE;
    return BOX_BLANK;
}

/* The page transform as JSON for pages.transform; "h" (the projective map,
 * row-major 3x3) only when the page showed perspective. */
static void transform_json(const page_transform *t, char *buf, size_t size) {
    const double *m = t->to_image.m, *h = t->homography;
    int n = snprintf(buf, size, "{\"m\":[%.10g,%.10g,%.10g,%.10g,%.10g,%.10g],\"turns\":%d,\"fiducials\":%d", m[0],
                     m[1], m[2], m[3], m[4], m[5], t->quarter_turns, t->fiducials_found);
    if (n > 0 && (size_t)n < size && t->projective)
        n += snprintf(buf + n, size - (size_t)n, ",\"h\":[%.10g,%.10g,%.10g,%.10g,%.10g,%.10g,%.10g,%.10g,%.10g]", h[0],
                      h[1], h[2], h[3], h[4], h[5], h[6], h[7], h[8]);
    if (n > 0 && (size_t)n + 1 < size)
        snprintf(buf + n, size - (size_t)n, "}");
}

static void transform_parse(const char *json, page_transform *t) {
    memset(t, 0, sizeof *t);
    t->fiducials_found = 4;
    t->fiducial_missing = -1;
    json_t *root = json ? json_loads(json, 0, NULL) : NULL;
    if (!root)
        return;
    json_t *m = json_object_get(root, "m");
    for (size_t i = 0; i < 6 && json_is_array(m) && i < json_array_size(m); i++)
        t->to_image.m[i] = json_number_value(json_array_get(m, i));
    json_t *turns = json_object_get(root, "turns"), *fid = json_object_get(root, "fiducials");
    json_t *h = json_object_get(root, "h");
    for (size_t i = 0; i < 9; i++)
        t->homography[i] = i < 6 ? t->to_image.m[i] : i == 8;
    for (size_t i = 0; i < 9 && json_is_array(h) && json_array_size(h) == 9; i++) {
        t->homography[i] = json_number_value(json_array_get(h, i));
        t->projective = 1;
    }
    if (json_is_integer(turns))
        t->quarter_turns = (int)json_integer_value(turns);
    if (json_is_integer(fid))
        t->fiducials_found = (int)json_integer_value(fid);
    json_decref(root);
}

/* A read page as it was, rebuilt from the ledger: identity, transform and
 * every box's measure and decision, in template order. */
static int load_page(sqlite3 *db, const omr_template *t, const char *code, long long page_id, int number,
                     int file_page, const char *transform, const char *file, page_reading **out,
                     omr_error *err) {
    *out = NULL;
    page_reading *p = calloc(1, sizeof *p);
    if (!p)
        return omr_fail(err, OMR_ERR_MEMORY, "out of memory");
    p->file = omr_strdup(file);
    p->file_page = file_page;
    p->tmpl = t;
    snprintf(p->identity.template_id, sizeof p->identity.template_id, "%s", t->id);
    snprintf(p->identity.code, sizeof p->identity.code, "%s", code);
    p->identity.page = number;
    transform_parse(transform, &p->transform);
    for (size_t i = 0; i < t->n_questions; i++)
        if (t->questions[i].page == number)
            p->n_boxes += t->questions[i].n_boxes;
    p->measures = calloc(p->n_boxes ? p->n_boxes : 1, sizeof *p->measures);
    p->decisions = calloc(p->n_boxes ? p->n_boxes : 1, sizeof *p->decisions);
    p->texts = calloc(t->n_text_fields ? t->n_text_fields : 1, sizeof *p->texts);
    if (!p->measures || !p->decisions || !p->texts) {
        page_reading_free(p);
        return omr_fail(err, OMR_ERR_MEMORY, "out of memory");
    }
    sqlite3_stmt *st;
    int rc = prepare(db, &st, err,
                     "SELECT question, value, fill, extent, near_mm2, decision, confidence, shift_mm, ink_near "
                     "FROM marks WHERE page_id = ?", "i", page_id);
    if (rc != OMR_OK) {
        page_reading_free(p);
        return rc;
    }
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        const template_question *q = template_question_by_id(t, col_text(st, 0));
        if (!q || q->page != number)
            continue;
        size_t offset = assemble_box_offset(t, q);
        for (size_t b = 0; b < q->n_boxes; b++) {
            if (strcmp(q->boxes[b].value, col_text(st, 1)) != 0)
                continue;
            box_measure *m = &p->measures[offset + b];
            box_decision *d = &p->decisions[offset + b];
            m->fill = sqlite3_column_double(st, 2);
            m->extent = sqlite3_column_double(st, 3);
            m->near_mm2 = sqlite3_column_double(st, 4);
            m->shift_mm = sqlite3_column_double(st, 7);
            d->state = state_by_name(col_text(st, 5));
            d->confidence = sqlite3_column_double(st, 6);
            d->ink_near = sqlite3_column_int(st, 8);
        }
    }
    sqlite3_finalize(st);
    if (step != SQLITE_DONE) {
        page_reading_free(p);
        return db_fail(db, err, "cannot read a page's marks");
    }
    *out = p;
    return OMR_OK;
}

/* An answer's value as stored: single/scale the chosen value, multi the
 * chosen values space-separated; NULL when nothing is chosen. */
static char *answer_value(const template_question *q, const question_answer *a) {
    if (q->type != QUESTION_MULTI)
        return a->chosen >= 0 ? omr_strdup(q->boxes[a->chosen].value) : NULL;
    size_t len = 0;
    for (size_t b = 0; b < q->n_boxes; b++)
        if (a->selected && a->selected[b])
            len += strlen(q->boxes[b].value) + 1;
    if (!len)
        return NULL;
    char *s = calloc(1, len + 1);
    for (size_t b = 0; s && b < q->n_boxes; b++)
        if (a->selected[b]) {
            if (*s)
                strcat(s, " ");
            strcat(s, q->boxes[b].value);
        }
    return s;
}

int store_recompute_return(sqlite3 *db, const omr_template *const *templates, size_t n_templates,
                           long long return_id, omr_error *err) {
    sqlite3_stmt *st;
    int rc = prepare(db, &st, err, "SELECT template, code, duplicate_of FROM returns WHERE id = ?", "i", return_id);
    if (rc != OMR_OK)
        return rc;
    if (sqlite3_step(st) != SQLITE_ROW) {
        sqlite3_finalize(st);
        return omr_fail(err, OMR_ERR_NOT_FOUND, "ledger: return %lld does not exist", return_id);
    }
    char template_id[IDENTIFY_MAX_ID], code[IDENTIFY_MAX_ID];
    snprintf(template_id, sizeof template_id, "%s", col_text(st, 0));
    snprintf(code, sizeof code, "%s", col_text(st, 1));
    long long duplicate_of = sqlite3_column_int64(st, 2);
    sqlite3_finalize(st);
    const omr_template *t = template_by_id(templates, n_templates, template_id);
    if (!t)
        return omr_fail(err, OMR_ERR_NOT_FOUND, "ledger: return %lld is of questionnaire %s, which is not loaded",
                        return_id, template_id);

    page_reading **pages = calloc(t->n_pages + 1, sizeof *pages);
    size_t n_pages = 0;
    if (!pages)
        return omr_fail(err, OMR_ERR_MEMORY, "out of memory");
    rc = prepare(db, &st, err,
                 "SELECT p.id, p.page, p.file_page, p.transform, f.original_name FROM pages p "
                 "JOIN scan_files f ON f.id = p.file_id WHERE p.return_id = ? AND p.status = 'read' "
                 "ORDER BY p.page, p.id", "i", return_id);
    int step = SQLITE_DONE;
    while (rc == OMR_OK && (step = sqlite3_step(st)) == SQLITE_ROW) {
        int number = sqlite3_column_int(st, 1);
        if (number < 1 || (size_t)number > t->n_pages || n_pages == t->n_pages)
            continue;
        if (n_pages && pages[n_pages - 1]->identity.page == number)
            continue; /* one copy of a page per return, by construction */
        rc = load_page(db, t, code, sqlite3_column_int64(st, 0), number, sqlite3_column_int(st, 2),
                       (const char *)sqlite3_column_text(st, 3), col_text(st, 4), &pages[n_pages], err);
        if (rc == OMR_OK)
            n_pages++;
    }
    sqlite3_finalize(st);
    if (rc == OMR_OK && step != SQLITE_DONE)
        rc = db_fail(db, err, "cannot read a return's pages");

    form_set forms = {0};
    if (rc == OMR_OK && n_pages)
        rc = assemble_forms(pages, n_pages, &forms, err);
    if (rc == OMR_OK && forms.n_forms == 1) {
        form_record *f = &forms.forms[0];
        for (size_t i = 0; rc == OMR_OK && i < t->n_questions; i++) {
            const template_question *q = &t->questions[i];
            if (!f->pages[q->page - 1])
                continue; /* page missing: no answer yet */
            const question_answer *a = &f->answers[i];
            char *value = answer_value(q, a);
            int review = a->status == ANSWER_REVIEW;
            rc = prepare(db, &st, err,
                         "INSERT INTO answers(return_id, question, value, machine_value, status, reason, confidence) "
                         "VALUES (?1, ?2, ?3, ?3, ?4, ?5, ?6) ON CONFLICT(return_id, question) DO UPDATE SET "
                         "machine_value = excluded.machine_value, confidence = excluded.confidence, "
                         "value = CASE WHEN confirmed_by IS NULL THEN excluded.value ELSE value END, "
                         "status = CASE WHEN confirmed_by IS NULL THEN excluded.status ELSE status END, "
                         "reason = CASE WHEN confirmed_by IS NULL THEN excluded.reason ELSE reason END",
                         "itttt" "d", return_id, q->id, value, review ? "review" : "ok",
                         review ? a->reason : NULL, a->confidence);
            free(value);
            if (rc == OMR_OK)
                rc = run(db, st, err, "cannot write an answer");
            if (rc != OMR_OK)
                break;
            /* the review item follows the answer, unless a person has confirmed it */
            rc = prepare(db, &st, err, "SELECT confirmed_by IS NOT NULL FROM answers WHERE return_id = ? AND question = ?",
                         "it", return_id, q->id);
            int confirmed = 0;
            if (rc == OMR_OK) {
                if (sqlite3_step(st) == SQLITE_ROW)
                    confirmed = sqlite3_column_int(st, 0);
                sqlite3_finalize(st);
            }
            if (rc == OMR_OK && !confirmed)
                rc = review ? review_item_ensure(db, return_id, "answer", q->id, a->reason, err)
                            : review_item_drop(db, return_id, "answer", q->id, err);
        }
        if (rc == OMR_OK) {
            char flags[4096];
            snprintf(flags, sizeof flags, "%s", f->flags);
            if (duplicate_of > 0) {
                size_t len = strlen(flags);
                snprintf(flags + len, sizeof flags - len, "%sduplicate_of:%lld", len ? " " : "", duplicate_of);
            }
            /* a code outside the survey's frame is flagged, never silently
             * counted (frame.c: no frame loaded means nothing to check) */
            char why[256];
            frame_code_status fs = frame_check_code(db, template_id, code, why, sizeof why);
            if (fs == FRAME_CODE_UNKNOWN || fs == FRAME_CODE_BAD_CHECK) {
                size_t len = strlen(flags);
                snprintf(flags + len, sizeof flags - len, "%s%s", len ? " " : "",
                         fs == FRAME_CODE_UNKNOWN ? "not_in_frame" : "frame_check_failed");
            }
            rc = prepare(db, &st, err, "UPDATE returns SET flags = ? WHERE id = ?", "ti", flags, return_id);
            if (rc == OMR_OK)
                rc = run(db, st, err, "cannot write a return's flags");
        }
    }
    form_set_free(&forms);
    for (size_t i = 0; i < n_pages; i++)
        page_reading_free(pages[i]);
    free(pages);
    return rc;
}

/* ---- one scan file ------------------------------------------------------------------- */

/* Saves a comment crop as PNG: a temporary name, then renamed. */
static int save_crop(const omr_image *crop, const char *out_dir, const char *rel, omr_error *err) {
    char path[4096], temp[4200];
    snprintf(path, sizeof path, "%s/%s", out_dir, rel);
    snprintf(temp, sizeof temp, "%s/comments/.crop.tmp.%d.%d", out_dir, (int)getpid(), (int)gettid());
    int rc = encode_png(crop, temp, err);
    if (rc == OMR_OK && rename(temp, path) != 0) {
        rc = omr_fail(err, OMR_ERR_IO, "cannot save the comment crop %s: %s", path, strerror(errno));
        unlink(temp);
    } else if (rc != OMR_OK) {
        unlink(temp);
    }
    return rc;
}

/* Appends printf-style text to buf (cut, never overflowing). */
static void append(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void append(char *buf, size_t size, const char *fmt, ...) {
    size_t len = strlen(buf);
    if (len + 1 >= size)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf + len, size - len, fmt, ap);
    va_end(ap);
}

/* The return a read page joins: the oldest paper return of its (template,
 * code) without that page; otherwise a new return, a duplicate of the first
 * when there is one. */
static int assign_return(sqlite3 *db, const page_reading *pr, const char *now, long long *return_id,
                         int *created, long long *duplicate_of, omr_error *err) {
    *return_id = 0;
    *created = 0;
    *duplicate_of = 0;
    sqlite3_stmt *st;
    int rc = prepare(db, &st, err,
                     "SELECT id, ifnull(duplicate_of, 0) FROM returns r WHERE template = ?1 AND code = ?2 "
                     "AND mode = 'paper' AND NOT EXISTS (SELECT 1 FROM pages p WHERE p.return_id = r.id "
                     "AND p.page = ?3 AND p.status = 'read') ORDER BY id LIMIT 1",
                     "tti", pr->tmpl->id, pr->identity.code, (long long)pr->identity.page);
    if (rc != OMR_OK)
        return rc;
    int step = sqlite3_step(st);
    if (step == SQLITE_ROW) {
        *return_id = sqlite3_column_int64(st, 0);
        *duplicate_of = sqlite3_column_int64(st, 1);
    }
    sqlite3_finalize(st);
    if (step == SQLITE_ROW)
        return OMR_OK;
    if (step != SQLITE_DONE)
        return db_fail(db, err, "cannot look up a return");

    char first_source[600] = "";
    rc = prepare(db, &st, err,
                 "SELECT r.id, (SELECT f.original_name || ' page ' || p.file_page FROM pages p JOIN scan_files f "
                 "ON f.id = p.file_id WHERE p.return_id = r.id ORDER BY p.id LIMIT 1) FROM returns r "
                 "WHERE template = ? AND code = ? AND duplicate_of IS NULL ORDER BY id LIMIT 1",
                 "tt", pr->tmpl->id, pr->identity.code);
    if (rc != OMR_OK)
        return rc;
    if (sqlite3_step(st) == SQLITE_ROW) {
        *duplicate_of = sqlite3_column_int64(st, 0);
        snprintf(first_source, sizeof first_source, "%s",
                 sqlite3_column_type(st, 1) == SQLITE_NULL ? "the web" : col_text(st, 1));
    }
    sqlite3_finalize(st);
    rc = prepare(db, &st, err, "INSERT INTO returns(template, code, mode, created_at, duplicate_of) VALUES (?, ?, 'paper', ?, ?)",
                 "tttn", pr->tmpl->id, pr->identity.code, now);
    if (rc != OMR_OK)
        return rc;
    if (*duplicate_of > 0)
        sqlite3_bind_int64(st, 4, *duplicate_of);
    rc = run(db, st, err, "cannot start a return");
    if (rc != OMR_OK)
        return rc;
    *return_id = sqlite3_last_insert_rowid(db);
    *created = 1;
    if (*duplicate_of > 0) {
        char reason[900];
        snprintf(reason, sizeof reason,
                 "login code %s already has a return (no. %lld, from %s); is this a second questionnaire "
                 "from the same person, or the same one scanned twice? Keep or discard this return",
                 pr->identity.code, *duplicate_of, first_source);
        rc = review_item_ensure(db, *return_id, "duplicate", "duplicate", reason, err);
    }
    return rc;
}

/* Stores one read page: the page row, its marks and its text fields. */
static int write_read_page(sqlite3 *db, const store_scan_file *file, long long file_id, const store_page *sp,
                           long long return_id, long long duplicate_of, store_file_result *result,
                           omr_error *err) {
    const page_reading *pr = sp->reading;
    const omr_template *t = pr->tmpl;
    char transform[400];
    transform_json(&pr->transform, transform, sizeof transform);
    sqlite3_stmt *st;
    int rc = prepare(db, &st, err,
                     "INSERT INTO pages(file_id, file_page, status, template, code, page, return_id, transform) "
                     "VALUES (?, ?, 'read', ?, ?, ?, ?, ?)", "iitti" "it", file_id, (long long)sp->file_page,
                     t->id, pr->identity.code, (long long)pr->identity.page, return_id, transform);
    if (rc == OMR_OK)
        rc = run(db, st, err, "cannot write a page");
    if (rc != OMR_OK)
        return rc;
    long long page_id = sqlite3_last_insert_rowid(db);

    rc = prepare(db, &st, err,
                 "INSERT INTO marks(page_id, question, value, fill, extent, near_mm2, decision, confidence, "
                 "shift_mm, ink_near) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", "");
    if (rc != OMR_OK)
        return rc;
    size_t k = 0;
    for (size_t qi = 0; qi < t->n_questions && rc == OMR_OK; qi++) {
        const template_question *q = &t->questions[qi];
        if (q->page != pr->identity.page)
            continue;
        for (size_t b = 0; b < q->n_boxes && k < pr->n_boxes; b++, k++) {
            const box_measure *m = &pr->measures[k];
            const box_decision *d = &pr->decisions[k];
            sqlite3_reset(st);
            sqlite3_bind_int64(st, 1, page_id);
            sqlite3_bind_text(st, 2, q->id, -1, SQLITE_STATIC);
            sqlite3_bind_text(st, 3, q->boxes[b].value, -1, SQLITE_STATIC);
            sqlite3_bind_double(st, 4, m->fill);
            sqlite3_bind_double(st, 5, m->extent);
            sqlite3_bind_double(st, 6, m->near_mm2);
            sqlite3_bind_text(st, 7, decide_box_state_name(d->state), -1, SQLITE_STATIC);
            sqlite3_bind_double(st, 8, d->confidence);
            sqlite3_bind_double(st, 9, m->shift_mm);
            sqlite3_bind_int(st, 10, d->ink_near);
            if (sqlite3_step(st) != SQLITE_DONE)
                rc = db_fail(db, err, "cannot write a box");
        }
    }
    sqlite3_finalize(st);

    for (size_t i = 0; rc == OMR_OK && i < t->n_text_fields; i++) {
        const template_text_field *field = &t->text_fields[i];
        if (field->page != pr->identity.page)
            continue;
        const text_reading *tr = &pr->texts[i];
        if (!tr->has_writing) {
            RUN(db, err, "cannot write a text", "INSERT OR IGNORE INTO texts(return_id, field, status) VALUES (?, ?, 'none')",
                "it", return_id, field->id);
            continue;
        }
        result->comments++;
        char rel[600] = "";
        if (tr->crop && file->out_dir) {
            if (duplicate_of > 0)
                snprintf(rel, sizeof rel, "comments/%s-%s-r%lld-p%d-%s.png", t->id, pr->identity.code, return_id,
                         pr->identity.page, field->id);
            else
                snprintf(rel, sizeof rel, "comments/%s-%s-p%d-%s.png", t->id, pr->identity.code,
                         pr->identity.page, field->id);
            rc = save_crop(tr->crop, file->out_dir, rel, err);
            if (rc != OMR_OK)
                return rc;
        } else if (tr->crop_path) {
            snprintf(rel, sizeof rel, "%s", tr->crop_path);
        }
        const char *status;
        if (tr->text)
            status = tr->needs_review ? "review" : "ok";
        else
            status = file->ocr && *rel ? "pending_ocr" : "review";
        sqlite3_stmt *ts;
        rc = prepare(db, &ts, err,
                     "INSERT OR IGNORE INTO texts(return_id, field, text, machine_text, confidence, crop_path, status) "
                     "VALUES (?1, ?2, ?3, ?3, ?4, ?5, ?6)", "itt" "dtt", return_id, field->id, tr->text,
                     tr->text ? tr->confidence : 0.0, *rel ? rel : NULL, status);
        if (rc == OMR_OK)
            rc = run(db, ts, err, "cannot write a text");
        if (rc == OMR_OK && strcmp(status, "review") == 0)
            rc = review_item_ensure(db, return_id, "text", field->id,
                                    tr->text ? "handwriting OCR unsure (confidence low)" : "writing to transcribe", err);
    }
    return rc;
}

static int write_file_body(sqlite3 *db, const omr_template *const *templates, size_t n_templates,
                           const store_scan_file *file, const char *now, const char *received,
                           store_file_result *result, omr_error *err) {
    long long existing = 0;
    if (file->sha256) {
        store_file_info info;
        int rc = store_find_file(db, file->sha256, &info, err);
        if (rc != OMR_OK)
            return rc;
        if (info.found && strcmp(info.state, "processing") != 0) {
            result->duplicate = 1;
            result->file_id = info.id;
            snprintf(result->state, sizeof result->state, "%s", info.state);
            snprintf(result->first_name, sizeof result->first_name, "%s", info.name);
            snprintf(result->first_path, sizeof result->first_path, "%s", info.stored_path);
            snprintf(result->error, sizeof result->error, "%s", info.error);
            snprintf(result->received_at, sizeof result->received_at, "%s", info.received_at);
            rc = store_record_duplicate(db, info.id, file->name, received, err);
            if (rc != OMR_OK)
                return rc;
            char message[1200];
            snprintf(message, sizeof message, "the same content as %s (received %s); not counted again",
                     info.name, info.received_at);
            return store_log_event(db, "info", file->name, message, err);
        }
        if (info.found)
            existing = info.id;
    }

    for (size_t i = 0; i < file->n_pages; i++) {
        const store_page *sp = &file->pages[i];
        if (sp->status == STORE_PAGE_READ && sp->reading)
            result->pages_read++;
        else if (sp->status == STORE_PAGE_BLANK)
            result->pages_blank++;
        else
            result->pages_rejected++;
    }
    /* a file of blank pages (the backs of a duplex scan, saved apart) was read
     * and holds nothing: filed with the others, not with the rejects */
    int all_blank = !file->error && file->n_pages && result->pages_blank == file->n_pages;
    int done = result->pages_read > 0 || all_blank;
    snprintf(result->state, sizeof result->state, "%s", done ? "done" : "rejected");
    char error[1024] = "";
    if (file->error)
        snprintf(error, sizeof error, "%s", file->error);
    else if (!done) {
        snprintf(error, sizeof error, "no page could be used:");
        for (size_t i = 0; i < file->n_pages; i++)
            if (file->pages[i].status != STORE_PAGE_BLANK)
                append(error, sizeof error, " page %d: %s;", file->pages[i].file_page,
                       file->pages[i].reason ? file->pages[i].reason : "not read");
        if (!file->n_pages)
            snprintf(error, sizeof error, "the file holds no pages");
        size_t len = strlen(error);
        if (len && error[len - 1] == ';')
            error[len - 1] = 0;
    }
    snprintf(result->error, sizeof result->error, "%s", error);
    const char *stored = done ? file->archive_path : file->rejected_path;
    sqlite3_stmt *st;
    int rc;
    if (existing)
        rc = prepare(db, &st, err,
                     "UPDATE scan_files SET original_name = ?, stored_path = ?, size = ?, state = ?, "
                     "finished_at = ?, error = ? WHERE id = ?", "ttitt" "ti", file->name, stored, file->size,
                     result->state, now, *error ? error : NULL, existing);
    else
        rc = prepare(db, &st, err,
                     "INSERT INTO scan_files(sha256, original_name, stored_path, size, state, received_at, "
                     "finished_at, error) VALUES (coalesce(?1, 'unreadable:' || ?2 || ':' || ?6 || ':' || "
                     "(SELECT ifnull(max(id), 0) + 1 FROM scan_files)), ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                     "ttti" "tttt", file->sha256, file->name, stored, file->size, result->state, received, now,
                     *error ? error : NULL);
    if (rc == OMR_OK)
        rc = run(db, st, err, "cannot write the scan file's row");
    if (rc != OMR_OK)
        return rc;
    long long file_id = existing ? existing : sqlite3_last_insert_rowid(db);
    result->file_id = file_id;

    long long *touched = calloc(file->n_pages + 1, sizeof *touched);
    size_t n_touched = 0;
    if (!touched)
        return omr_fail(err, OMR_ERR_MEMORY, "out of memory");
    for (size_t i = 0; rc == OMR_OK && i < file->n_pages; i++) {
        const store_page *sp = &file->pages[i];
        if (sp->status == STORE_PAGE_READ && sp->reading) {
            long long return_id, duplicate_of;
            int created;
            rc = assign_return(db, sp->reading, now, &return_id, &created, &duplicate_of, err);
            if (rc == OMR_OK)
                rc = write_read_page(db, file, file_id, sp, return_id, duplicate_of, result, err);
            if (rc != OMR_OK)
                break;
            size_t j = 0;
            while (j < n_touched && touched[j] != return_id)
                j++;
            if (j == n_touched) {
                touched[n_touched++] = return_id;
                if (created)
                    result->returns_new++;
                else
                    result->returns_joined++;
            }
            continue;
        }
        rc = prepare(db, &st, err, "INSERT INTO pages(file_id, file_page, status, reason) VALUES (?, ?, ?, ?)",
                     "iitt", file_id, (long long)sp->file_page,
                     sp->status == STORE_PAGE_BLANK ? "blank" : "rejected", sp->reason);
        if (rc == OMR_OK)
            rc = run(db, st, err, "cannot write a page");
        if (rc == OMR_OK && sp->status == STORE_PAGE_REJECTED && sp->reviewable) {
            rc = prepare(db, &st, err,
                         "INSERT INTO review_items(page_id, item, kind, reason, created_at) "
                         "VALUES (?, 'page', 'unmatched_page', ?, ?)",
                         "itt", sqlite3_last_insert_rowid(db), sp->reason ? sp->reason : "page not read", now);
            if (rc == OMR_OK)
                rc = run(db, st, err, "cannot add a review item");
        }
    }
    for (size_t j = 0; rc == OMR_OK && j < n_touched; j++) {
        rc = store_recompute_return(db, templates, n_templates, touched[j], err);
        if (rc != OMR_OK)
            break;
        rc = prepare(db, &st, err,
                     "SELECT r.template, r.code, (SELECT count(DISTINCT page) FROM pages p WHERE p.return_id = r.id "
                     "AND p.status = 'read'), group_concat(DISTINCT p2.page) FROM returns r LEFT JOIN pages p2 "
                     "ON p2.return_id = r.id AND p2.status = 'read' WHERE r.id = ?", "i", touched[j]);
        if (rc != OMR_OK)
            break;
        if (sqlite3_step(st) == SQLITE_ROW) {
            const omr_template *t = template_by_id(templates, n_templates, col_text(st, 0));
            int have = sqlite3_column_int(st, 2);
            if (t && (size_t)have >= t->n_pages)
                append(result->codes, sizeof result->codes, "%s%s (complete)", j ? ", " : "", col_text(st, 1));
            else
                append(result->codes, sizeof result->codes, "%s%s (page %s of %zu)", j ? ", " : "",
                       col_text(st, 1), col_text(st, 3), t ? t->n_pages : (size_t)0);
        }
        sqlite3_finalize(st);
    }
    free(touched);
    if (rc != OMR_OK)
        return rc;
    if (strlen(result->codes) >= sizeof result->codes - 1)
        memcpy(result->codes + sizeof result->codes - 4, "...", 4);

    char message[1600];
    if (all_blank) {
        snprintf(message, sizeof message, "%zu blank page%s, nothing to count", result->pages_blank,
                 result->pages_blank == 1 ? "" : "s");
    } else if (done) {
        snprintf(message, sizeof message, "read %zu page%s: %s", result->pages_read,
                 result->pages_read == 1 ? "" : "s", result->codes);
        if (result->pages_blank)
            append(message, sizeof message, "; %zu blank", result->pages_blank);
        if (result->pages_rejected)
            append(message, sizeof message, "; %zu page%s not used (see rejects.csv)", result->pages_rejected,
                   result->pages_rejected == 1 ? "" : "s");
    } else {
        snprintf(message, sizeof message, "rejected: %s", error);
    }
    return store_log_event(db, done ? "info" : "error", file->name, message, err);
}

int store_write_file(sqlite3 *db, const omr_template *const *templates, size_t n_templates,
                     const store_scan_file *file, store_file_result *result, omr_error *err) {
    memset(result, 0, sizeof *result);
    char now[32];
    store_now(now);
    const char *received = file->received_at ? file->received_at : now;
    int rc = store_begin(db, err);
    if (rc != OMR_OK)
        return rc;
    rc = write_file_body(db, templates, n_templates, file, now, received, result, err);
    if (rc == OMR_OK)
        rc = store_commit(db, err);
    if (rc != OMR_OK) {
        store_rollback(db);
        store_file_result empty = {0};
        *result = empty;
    }
    return rc;
}

int store_write_unreadable(sqlite3 *db, const char *name, const char *stored_path, const char *reason,
                           omr_error *err) {
    store_scan_file file = {.name = name, .rejected_path = stored_path, .archive_path = stored_path,
                            .error = reason};
    store_file_result result;
    return store_write_file(db, NULL, 0, &file, &result, err);
}

/* ---- the OCR queue --------------------------------------------------------------------- */

int store_next_text_job(sqlite3 *db, long long after, int shard, int n_shards, store_text_job *job,
                        int *found, omr_error *err) {
    memset(job, 0, sizeof *job);
    *found = 0;
    if (n_shards < 1)
        n_shards = 1;
    sqlite3_stmt *st;
    int rc = prepare(db, &st, err,
                     "SELECT t.rowid, t.return_id, t.field, ifnull(t.crop_path, ''), r.template, r.code "
                     "FROM texts t JOIN returns r ON r.id = t.return_id WHERE t.status = 'pending_ocr' "
                     "AND t.rowid > ? AND t.rowid % ? = ? ORDER BY t.rowid LIMIT 1",
                     "iii", after, (long long)n_shards, (long long)shard);
    if (rc != OMR_OK)
        return rc;
    int step = sqlite3_step(st);
    if (step == SQLITE_ROW) {
        *found = 1;
        job->rowid = sqlite3_column_int64(st, 0);
        job->return_id = sqlite3_column_int64(st, 1);
        snprintf(job->field, sizeof job->field, "%s", col_text(st, 2));
        snprintf(job->crop_path, sizeof job->crop_path, "%s", col_text(st, 3));
        snprintf(job->template_id, sizeof job->template_id, "%s", col_text(st, 4));
        snprintf(job->code, sizeof job->code, "%s", col_text(st, 5));
    }
    sqlite3_finalize(st);
    if (step != SQLITE_ROW && step != SQLITE_DONE)
        return db_fail(db, err, "cannot read the OCR queue");
    return OMR_OK;
}

static int finish_text_body(sqlite3 *db, const store_text_job *job, const char *text, double confidence,
                            int needs_review, const char *reason, omr_error *err) {
    sqlite3_stmt *st;
    int rc = prepare(db, &st, err,
                     "UPDATE texts SET text = ?1, machine_text = ?1, confidence = ?2, status = ?3 "
                     "WHERE rowid = ?4 AND status = 'pending_ocr'",
                     "tdti", text, confidence, needs_review ? "review" : "ok", job->rowid);
    if (rc == OMR_OK)
        rc = run(db, st, err, "cannot write an OCR result");
    if (rc == OMR_OK && sqlite3_changes(db) > 0 && needs_review)
        rc = review_item_ensure(db, job->return_id, "text", job->field,
                                reason ? reason : "handwriting OCR unsure (confidence low)", err);
    return rc;
}

int store_finish_text_job(sqlite3 *db, const store_text_job *job, const char *text, double confidence,
                          int needs_review, const char *reason, omr_error *err) {
    int rc = store_begin(db, err);
    if (rc != OMR_OK)
        return rc;
    rc = finish_text_body(db, job, text, confidence, needs_review, reason, err);
    if (rc == OMR_OK)
        rc = store_commit(db, err);
    if (rc != OMR_OK)
        store_rollback(db);
    return rc;
}

int store_count_pending_texts(sqlite3 *db, long long *count, omr_error *err) {
    *count = 0;
    sqlite3_stmt *st;
    int rc = prepare(db, &st, err, "SELECT count(*) FROM texts WHERE status = 'pending_ocr'", "");
    if (rc != OMR_OK)
        return rc;
    if (sqlite3_step(st) == SQLITE_ROW)
        *count = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return OMR_OK;
}
