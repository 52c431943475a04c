/*
 * store.c — the ledger's frame and its one recomputation. Opens the SQLite
 * database and applies its schema (see store.h for what each table means;
 * schema 1 is upgraded in place), the transaction calls every ledger writer
 * uses, and store_recompute_return: a return decided again from all of its
 * pages' marks (assemble.c, decide.c) without overwriting anything a person
 * confirmed, its review items following its answers and its flags (a code
 * outside the frame included). What the scan pipeline read is written by
 * store_write.c, returns are found or started by returns.c, and every
 * statement goes through sql.h.
 */
#include "ledger/store.h"
#include "ledger/queue.h"
#include "ledger/sql.h"

#include <assert.h>
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
    "  received_at TEXT NOT NULL,\n"
    "  stored_path TEXT);\n"
    "CREATE INDEX IF NOT EXISTS texts_status ON texts(status);\n"
    "CREATE INDEX IF NOT EXISTS review_return ON review_items(return_id, kind, item);\n"
    "CREATE INDEX IF NOT EXISTS scan_files_state ON scan_files(state, finished_at);\n"
    "CREATE TABLE IF NOT EXISTS stations(\n"
    "  station TEXT PRIMARY KEY,\n"
    "  inbox TEXT NOT NULL,\n"
    "  pid INTEGER NOT NULL,\n"
    "  started_at TEXT NOT NULL,\n"
    "  seen_at TEXT NOT NULL);\n"
    "INSERT OR IGNORE INTO meta(key, value) VALUES ('schema_version', '2');\n"; /* migrate() goes on */

/* A ledger error in words a mailroom can act on. */
int store_exec(omr_db *db, const char *sql, omr_error *err) { return sql_exec(db, sql, err); }

/* Does table `table` have column `column`? */
static int has_column(omr_db *db, const char *table, const char *column) {
    char sql[128];
    snprintf(sql, sizeof sql, "PRAGMA table_info(%s)", table);
    sql_stmt *st = NULL;
    int found = 0;
    if (sql_prepare(db, &st, NULL, sql, "") == OMR_OK)
        while (sql_step(st) == SQL_ROW)
            if (strcmp(sql_text(st, 1), column) == 0)
                found = 1;
    sql_finalize(st);
    return found;
}

/* The review queue's change feed (ledger/changes.c). SQLite: a counter
 * bumped by triggers in the writer's own transaction, which a listener
 * reads only when PRAGMA data_version says another connection committed.
 * PostgreSQL: NOTIFY omr_review from a trigger, delivered to the listeners
 * when the writer's transaction commits (never for one rolled back). A
 * change is an item added or removed, or its state or holder changing (a
 * lease renewed by its holder is none). */
static const char feed_sqlite_sql[] =
    "CREATE TABLE IF NOT EXISTS review_changes(id INTEGER PRIMARY KEY, seq INTEGER NOT NULL);\n"
    "CREATE TRIGGER IF NOT EXISTS review_items_added AFTER INSERT ON review_items BEGIN "
    "INSERT OR REPLACE INTO review_changes(id, seq) "
    "VALUES (1, ifnull((SELECT seq FROM review_changes WHERE id = 1), 0) + 1); END;\n"
    "CREATE TRIGGER IF NOT EXISTS review_items_removed AFTER DELETE ON review_items BEGIN "
    "INSERT OR REPLACE INTO review_changes(id, seq) "
    "VALUES (1, ifnull((SELECT seq FROM review_changes WHERE id = 1), 0) + 1); END;\n"
    "CREATE TRIGGER IF NOT EXISTS review_items_changed AFTER UPDATE ON review_items "
    "WHEN OLD.state IS NOT NEW.state OR OLD.lease_owner IS NOT NEW.lease_owner BEGIN "
    "INSERT OR REPLACE INTO review_changes(id, seq) "
    "VALUES (1, ifnull((SELECT seq FROM review_changes WHERE id = 1), 0) + 1); END;\n";
static const char feed_pg_sql[] =
    "CREATE TABLE IF NOT EXISTS review_changes(id INTEGER PRIMARY KEY, seq INTEGER NOT NULL);\n"
    "CREATE OR REPLACE FUNCTION omr_review_changed() RETURNS trigger LANGUAGE plpgsql AS "
    "'BEGIN PERFORM pg_notify(''omr_review'', ''''); RETURN NULL; END';\n"
    "CREATE OR REPLACE TRIGGER review_items_added_removed AFTER INSERT OR DELETE ON review_items "
    "FOR EACH STATEMENT EXECUTE FUNCTION omr_review_changed();\n"
    "CREATE OR REPLACE TRIGGER review_items_changed AFTER UPDATE ON review_items FOR EACH ROW "
    "WHEN (OLD.state IS DISTINCT FROM NEW.state OR OLD.lease_owner IS DISTINCT FROM NEW.lease_owner) "
    "EXECUTE FUNCTION omr_review_changed();\n";

/* The schema's steps, each in one transaction under the write lock so that
 * two connections (two stations) opening at once do not both take it:
 *   1 -> 2: columns added to marks (shift_mm, ink_near);
 *   2 -> 3: the stations table (made by the schema script since session 18,
 *           counted here), the OCR queue's claims (texts.ocr_owner,
 *           texts.ocr_until) and the review queue's change feed;
 *   3 -> 4: where a later arrival of known content is filed
 *           (duplicate_files.stored_path), so that one recorded before a
 *           kill and not yet moved is filed on restart, not noted twice. */
static int migrate(omr_db *db, omr_error *err) {
    char version[16] = "";
    int rc = store_get_meta(db, "schema_version", version, sizeof version, err);
    if (rc != OMR_OK)
        return rc;
    if (atoi(version) >= 4)
        return OMR_OK;
    rc = store_begin(db, err);
    if (rc != OMR_OK)
        return rc;
    /* read again under the lock: another station may have just done it */
    rc = store_get_meta(db, "schema_version", version, sizeof version, err);
    int from = atoi(version);
    if (rc == OMR_OK && from < 2 && !has_column(db, "marks", "shift_mm"))
        rc = store_exec(db, "ALTER TABLE marks ADD COLUMN shift_mm REAL", err);
    if (rc == OMR_OK && from < 2 && !has_column(db, "marks", "ink_near"))
        rc = store_exec(db, "ALTER TABLE marks ADD COLUMN ink_near INTEGER NOT NULL DEFAULT 0", err);
    if (rc == OMR_OK && from < 3 && !has_column(db, "texts", "ocr_owner"))
        rc = store_exec(db, "ALTER TABLE texts ADD COLUMN ocr_owner TEXT", err);
    if (rc == OMR_OK && from < 3 && !has_column(db, "texts", "ocr_until"))
        rc = store_exec(db, "ALTER TABLE texts ADD COLUMN ocr_until TEXT", err);
    if (rc == OMR_OK && from < 3)
        rc = store_exec(db, strcmp(sql_backend(db), "sqlite") == 0 ? feed_sqlite_sql : feed_pg_sql, err);
    if (rc == OMR_OK && from < 4 && !has_column(db, "duplicate_files", "stored_path"))
        rc = store_exec(db, "ALTER TABLE duplicate_files ADD COLUMN stored_path TEXT", err);
    if (rc == OMR_OK && from < 4)
        rc = store_exec(db, "UPDATE meta SET value = '4' WHERE key = 'schema_version'", err);
    if (rc == OMR_OK)
        return store_commit(db, err);
    store_rollback(db);
    return rc;
}

/* On PostgreSQL: SQLite's sum over a condition (a condition is 1 or 0
 * there), so the ledger's queries count with sum(a = b) on both. */
static const char store_pg_functions_sql[] =
    "CREATE OR REPLACE FUNCTION omr_bool_add(bigint, boolean) RETURNS bigint LANGUAGE sql IMMUTABLE AS "
    "'SELECT coalesce($1, 0) + CASE WHEN $2 THEN 1 ELSE 0 END';\n"
    "CREATE OR REPLACE AGGREGATE sum(boolean) (SFUNC = omr_bool_add, STYPE = bigint);\n";

/* The schema, made under the write lock on a server (two stations starting
 * at once would otherwise race on CREATE TABLE IF NOT EXISTS). */
static int store_schema(omr_db *db, omr_error *err) {
    if (strcmp(sql_backend(db), "sqlite") == 0)
        return store_exec(db, store_schema_sql, err);
    int rc = store_begin(db, err);
    if (rc == OMR_OK)
        rc = store_exec(db, store_schema_sql, err);
    if (rc == OMR_OK)
        rc = store_exec(db, store_pg_functions_sql, err);
    if (rc == OMR_OK)
        return store_commit(db, err);
    store_rollback(db);
    return rc;
}

/* Opens the ledger (create: SQL_OPEN_CREATE, else the file must exist). A new
 * ledger holds personal data: it is created 0600 here, before SQLite opens
 * it, and SQLite gives its -wal and -shm files the ledger's own mode. A
 * PostgreSQL ledger (a libpq URI) is a database that must exist; its tables
 * are made here as a file's are (the PRAGMAs mean nothing there). */
static int open_ledger(const char *path, int create, omr_db **db, omr_error *err) {
    *db = NULL;
    int server = sql_is_server_uri(path);
    if (create && !server) {
        int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd >= 0)
            close(fd);
        else if (errno != EEXIST)
            return omr_fail(err, OMR_ERR_IO, "cannot create the ledger %s: %s%s", path, strerror(errno),
                            errno == ENOENT ? " (its folder does not exist)" : "");
    }
    omr_db *handle = NULL;
    if (sql_open(path, create ? SQL_OPEN_CREATE : SQL_OPEN_WRITE, 10000, &handle, err) != OMR_OK) {
        if (!create && !server && access(path, F_OK) != 0 && errno == ENOENT)
            return omr_fail(err, OMR_ERR_NOT_FOUND, "the ledger %s is gone (deleted or moved away); restore it from "
                     "the backup or put it back, then start again", path);
        return OMR_ERR_IO;
    }
    if ((!server && store_exec(handle, "PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON; PRAGMA synchronous=FULL;",
                               err) != OMR_OK) ||
        store_schema(handle, err) != OMR_OK || migrate(handle, err) != OMR_OK) {
        char msg[OMR_ERROR_SIZE];
        snprintf(msg, sizeof msg, "%s", err ? err->message : "");
        omr_fail(err, OMR_ERR_IO, "cannot prepare the ledger %s: %s", path, msg);
        sql_close(handle);
        return OMR_ERR_IO;
    }
    *db = handle;
    return OMR_OK;
}

int store_open(const char *path, omr_db **db, omr_error *err) { return open_ledger(path, 1, db, err); }

int store_open_existing(const char *path, omr_db **db, omr_error *err) { return open_ledger(path, 0, db, err); }

int store_rescue(omr_db *db, const char *to, omr_error *err) {
    assert(db && to);
    int fd = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        return omr_fail(err, OMR_ERR_IO, "cannot create %s: %s", to, strerror(errno));
    close(fd);
    if (sql_copy(db, to, err) != OMR_OK) {
        unlink(to);
        return OMR_ERR_IO;
    }
    return OMR_OK;
}

void store_close(omr_db *db) { sql_close(db); }

const char *store_filename(omr_db *db) { return strcmp(sql_backend(db), "sqlite") == 0 ? sql_filename(db) : ""; }

int store_is_server(const char *path) { return sql_is_server_uri(path); }

int store_begin(omr_db *db, omr_error *err) { return store_exec(db, "BEGIN IMMEDIATE", err); }
int store_commit(omr_db *db, omr_error *err) { return store_exec(db, "COMMIT", err); }
void store_rollback(omr_db *db) {
    if (sql_in_transaction(db))
        sql_exec(db, "ROLLBACK", NULL);
}

void store_now(char buf[32]) {
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

#define RUN(db, err, what, sql, ...)                                                    \
    do {                                                                                \
        int rc_ = sql_run(db, err, what, sql, __VA_ARGS__);                             \
        if (rc_ != OMR_OK)                                                              \
            return rc_;                                                                 \
    } while (0)

/* ---- a return decided again from its pages ------------------------------------------ */

const omr_template *store_template_by_id(const omr_template *const *templates, size_t n, const char *id) {
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
    json_t *h = json_object_get(root, "h"), *covered = json_object_get(root, "covered");
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
    if (json_is_integer(covered))
        t->fiducials_covered = (int)json_integer_value(covered);
    json_decref(root);
}

/* A read page as it was, rebuilt from the ledger: identity, transform and
 * every box's measure and decision, in template order. */
static int load_page(omr_db *db, const omr_template *t, const char *code, long long page_id, int number,
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
    int rc = page_reading_alloc(p, number, err);
    if (rc != OMR_OK)
        return rc;
    sql_stmt *st;
    rc = sql_prepare(db, &st, err,
                     "SELECT question, value, fill, extent, near_mm2, decision, confidence, shift_mm, ink_near "
                     "FROM marks WHERE page_id = ?", "i", page_id);
    if (rc != OMR_OK) {
        page_reading_free(p);
        return rc;
    }
    int step;
    while ((step = sql_step(st)) == SQL_ROW) {
        const template_question *q = template_question_by_id(t, sql_text(st, 0));
        if (!q || q->page != number)
            continue;
        size_t offset = assemble_box_offset(t, q);
        for (size_t b = 0; b < q->n_boxes; b++) {
            if (strcmp(q->boxes[b].value, sql_text(st, 1)) != 0)
                continue;
            box_measure *m = &p->measures[offset + b];
            box_decision *d = &p->decisions[offset + b];
            m->fill = sql_double(st, 2);
            m->extent = sql_double(st, 3);
            m->near_mm2 = sql_double(st, 4);
            m->shift_mm = sql_double(st, 7);
            d->state = state_by_name(sql_text(st, 5));
            d->confidence = sql_double(st, 6);
            d->fill = m->fill;
            decide_box_set_flags(d, (int)sql_int(st, 8)); /* ink near, and the kind of mark */
        }
    }
    sql_finalize(st);
    if (step != SQL_DONE) {
        page_reading_free(p);
        return sql_fail(db, err, "cannot read a page's marks");
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

int store_recompute_return(omr_db *db, const omr_template *const *templates, size_t n_templates,
                           long long return_id, omr_error *err) {
    sql_stmt *st;
    int rc = sql_prepare(db, &st, err, "SELECT template, code, duplicate_of FROM returns WHERE id = ?", "i", return_id);
    if (rc != OMR_OK)
        return rc;
    if (sql_step(st) != SQL_ROW) {
        sql_finalize(st);
        return omr_fail(err, OMR_ERR_NOT_FOUND, "ledger: return %lld does not exist", return_id);
    }
    char template_id[IDENTIFY_MAX_ID], code[IDENTIFY_MAX_ID];
    snprintf(template_id, sizeof template_id, "%s", sql_text(st, 0));
    snprintf(code, sizeof code, "%s", sql_text(st, 1));
    long long duplicate_of = sql_int(st, 2);
    sql_finalize(st);
    const omr_template *t = store_template_by_id(templates, n_templates, template_id);
    if (!t)
        return omr_fail(err, OMR_ERR_NOT_FOUND, "ledger: return %lld is of questionnaire %s, which is not loaded",
                        return_id, template_id);

    page_reading **pages = calloc(t->n_pages + 1, sizeof *pages);
    size_t n_pages = 0;
    if (!pages)
        return omr_fail(err, OMR_ERR_MEMORY, "out of memory");
    rc = sql_prepare(db, &st, err,
                 "SELECT p.id, p.page, p.file_page, p.transform, f.original_name FROM pages p "
                 "JOIN scan_files f ON f.id = p.file_id WHERE p.return_id = ? AND p.status = 'read' "
                 "ORDER BY p.page, p.id", "i", return_id);
    int step = SQL_DONE;
    while (rc == OMR_OK && (step = sql_step(st)) == SQL_ROW) {
        int number = (int)sql_int(st, 1);
        if (number < 1 || (size_t)number > t->n_pages || n_pages == t->n_pages)
            continue;
        if (n_pages && pages[n_pages - 1]->identity.page == number)
            continue; /* one copy of a page per return, by construction */
        rc = load_page(db, t, code, sql_int(st, 0), number, (int)sql_int(st, 2),
                       sql_text_or_null(st, 3), sql_text(st, 4), &pages[n_pages], err);
        if (rc == OMR_OK)
            n_pages++;
    }
    sql_finalize(st);
    if (rc == OMR_OK && step != SQL_DONE)
        rc = sql_fail(db, err, "cannot read a return's pages");

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
            rc = sql_prepare(db, &st, err,
                         "INSERT INTO answers(return_id, question, value, machine_value, status, reason, confidence) "
                         "VALUES (?1, ?2, ?3, ?3, ?4, ?5, ?6) ON CONFLICT(return_id, question) DO UPDATE SET "
                         "machine_value = excluded.machine_value, confidence = excluded.confidence, "
                         "value = CASE WHEN answers.confirmed_by IS NULL THEN excluded.value ELSE answers.value END, "
                         "status = CASE WHEN answers.confirmed_by IS NULL THEN excluded.status ELSE answers.status END, "
                         "reason = CASE WHEN answers.confirmed_by IS NULL THEN excluded.reason ELSE answers.reason END",
                         "itttt" "d", return_id, q->id, value, review ? "review" : "ok",
                         review ? a->reason : NULL, a->confidence);
            free(value);
            if (rc == OMR_OK)
                rc = sql_run_prepared(db, st, err, "cannot write an answer");
            if (rc != OMR_OK)
                break;
            /* the review item follows the answer, unless a person has confirmed it */
            rc = sql_prepare(db, &st, err, "SELECT confirmed_by IS NOT NULL FROM answers WHERE return_id = ? AND question = ?",
                         "it", return_id, q->id);
            int confirmed = 0;
            if (rc == OMR_OK) {
                if (sql_step(st) == SQL_ROW)
                    confirmed = (int)sql_int(st, 0);
                sql_finalize(st);
            }
            if (rc == OMR_OK && !confirmed)
                rc = review ? queue_item_ensure(db, return_id, "answer", q->id, a->reason, err)
                            : queue_item_drop(db, return_id, "answer", q->id, err);
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
            rc = sql_prepare(db, &st, err, "UPDATE returns SET flags = ? WHERE id = ?", "ti", flags, return_id);
            if (rc == OMR_OK)
                rc = sql_run_prepared(db, st, err, "cannot write a return's flags");
        }
    }
    form_set_free(&forms);
    for (size_t i = 0; i < n_pages; i++)
        page_reading_free(pages[i]);
    free(pages);
    return rc;
}

