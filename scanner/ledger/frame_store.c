/*
 * frame_store.c — the sample frame's SQL (see frame_store.h): the schema, the
 * frame check every scanned or typed login code goes through, the frame's
 * import, the lists (templates, codes, reminders, codes outside the frame),
 * undeliverable envelopes and web answers written as returns. Each write is
 * one transaction, all or nothing; the survey room has checked the input
 * before it comes here.
 */
#include "ledger/frame_store.h"
#include "ledger/returns.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "ledger/store.h"

static const char frame_schema_sql[] =
    "CREATE TABLE IF NOT EXISTS frame(\n"
    "  template TEXT NOT NULL,\n"
    "  code TEXT NOT NULL,\n"
    "  unit TEXT NOT NULL,\n"
    "  seq INTEGER NOT NULL,\n"
    "  imported_at TEXT NOT NULL,\n"
    "  PRIMARY KEY(template, code));\n"
    "CREATE INDEX IF NOT EXISTS frame_code ON frame(code);\n"
    "CREATE TABLE IF NOT EXISTS frame_variables(\n"
    "  template TEXT NOT NULL,\n"
    "  name TEXT NOT NULL,\n"
    "  position INTEGER NOT NULL,\n"
    "  PRIMARY KEY(template, name));\n"
    "CREATE TABLE IF NOT EXISTS frame_values(\n"
    "  template TEXT NOT NULL,\n"
    "  code TEXT NOT NULL,\n"
    "  name TEXT NOT NULL,\n"
    "  value TEXT NOT NULL,\n"
    "  PRIMARY KEY(template, code, name));\n"
    "CREATE TABLE IF NOT EXISTS frame_settings(\n"
    "  template TEXT PRIMARY KEY,\n"
    "  check_digits INTEGER NOT NULL);\n"
    "CREATE TABLE IF NOT EXISTS undeliverable(\n"
    "  template TEXT NOT NULL,\n"
    "  code TEXT NOT NULL,\n"
    "  source TEXT NOT NULL CHECK(source IN ('list','scan')),\n"
    "  registered_at TEXT NOT NULL,\n"
    "  PRIMARY KEY(template, code));\n"
    "CREATE TABLE IF NOT EXISTS mailings(\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  template TEXT NOT NULL,\n"
    "  kind TEXT NOT NULL CHECK(kind IN ('invitation','reminder')),\n"
    "  created_at TEXT NOT NULL,\n"
    "  n_codes INTEGER NOT NULL);\n"
    "CREATE TABLE IF NOT EXISTS mailing_codes(\n"
    "  mailing_id INTEGER NOT NULL REFERENCES mailings(id),\n"
    "  code TEXT NOT NULL,\n"
    "  PRIMARY KEY(mailing_id, code));\n"
    /* the return that counts per (template, code): see survey/frame.h */
    "CREATE VIEW IF NOT EXISTS frame_counted_returns AS\n"
    "  SELECT r.* FROM returns r WHERE r.duplicate_of IS NULL AND NOT EXISTS(\n"
    "    SELECT 1 FROM returns o WHERE o.template = r.template AND o.code = r.code\n"
    "      AND o.duplicate_of IS NULL AND (o.created_at < r.created_at\n"
    "      OR (o.created_at = r.created_at AND o.id < r.id)));\n";

int frame_store_open(sqlite3 *db, omr_error *err) { return store_exec(db, frame_schema_sql, err); }

/* ---- strings --------------------------------------------------------------------------- */

void frame_strings_free(frame_strings *s) {
    for (size_t i = 0; i < s->count; i++)
        free(s->items[i]);
    free(s->items);
    memset(s, 0, sizeof *s);
}

void frame_strings_add(frame_strings *s, const char *value) {
    if ((s->count & (s->count - 1)) == 0) { /* grow at powers of two */
        char **grown = realloc(s->items, (s->count ? s->count * 2 : 1) * sizeof *grown);
        if (!grown)
            return;
        s->items = grown;
    }
    s->items[s->count++] = strdup(value);
}

/* Steps a statement that returns no rows and makes it ready for the next. */
static int bind_exec(sqlite3_stmt *st) {
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc == SQLITE_DONE ? OMR_OK : OMR_ERR_IO;
}

/* ---- codes ------------------------------------------------------------------------------ */

struct frame_store_probe {
    sqlite3_stmt *st;
    int any; /* any template's frame: only the code is bound */
};

static frame_store_probe *probe_new(sqlite3 *db, const char *sql, int any) {
    frame_store_probe *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->any = any;
    if (sqlite3_prepare_v2(db, sql, -1, &p->st, NULL) != SQLITE_OK) {
        sqlite3_finalize(p->st);
        free(p);
        return NULL;
    }
    return p;
}

int frame_store_probe_any(sqlite3 *db, frame_store_probe **probe, omr_error *err) {
    *probe = probe_new(db, "SELECT 1 FROM frame WHERE code = ?", 1);
    if (!*probe)
        return omr_fail(err, OMR_ERR_IO, "ledger: %s", sqlite3_errmsg(db));
    return OMR_OK;
}

frame_store_probe *frame_store_probe_template(sqlite3 *db) {
    return probe_new(db, "SELECT 1 FROM frame WHERE template = ? AND code = ?", 0);
}

int frame_store_probe_has(frame_store_probe *p, const char *template_id, const char *code) {
    if (!p)
        return 0;
    sqlite3_reset(p->st);
    if (p->any)
        sqlite3_bind_text(p->st, 1, code, -1, SQLITE_TRANSIENT);
    else {
        sqlite3_bind_text(p->st, 1, template_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(p->st, 2, code, -1, SQLITE_STATIC);
    }
    return sqlite3_step(p->st) == SQLITE_ROW;
}

void frame_store_probe_free(frame_store_probe *p) {
    if (!p)
        return;
    sqlite3_finalize(p->st);
    free(p);
}

/* ---- import ----------------------------------------------------------------------------- */

int frame_store_variables(sqlite3 *db, const char *template_id, char *buf, size_t size) {
    assert(size > 0);
    buf[0] = 0;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db,
                           "SELECT group_concat(name, ',') FROM (SELECT name FROM frame_variables "
                           "WHERE template = ? ORDER BY position)",
                           -1, &st, NULL) != SQLITE_OK) {
        sqlite3_finalize(st);
        return 0;
    }
    sqlite3_bind_text(st, 1, template_id, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
        snprintf(buf, size, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return 1;
}

/* A fresh frame: the template's old rows gone, its settings and variables in. */
static int write_fresh(sqlite3 *db, const frame_store_import *imp) {
    int rc = OMR_OK;
    char del[512];
    sqlite3_stmt *st = NULL;
    static const char *const tables[] = {"frame_values", "frame", "frame_variables",
                                         "frame_settings"};
    for (size_t t = 0; t < 4 && rc == OMR_OK; t++) {
        snprintf(del, sizeof del, "DELETE FROM %s WHERE template = ?", tables[t]);
        if (sqlite3_prepare_v2(db, del, -1, &st, NULL) != SQLITE_OK)
            rc = OMR_ERR_IO;
        else {
            sqlite3_bind_text(st, 1, imp->template_id, -1, SQLITE_STATIC);
            rc = bind_exec(st);
        }
        sqlite3_finalize(st);
    }
    if (rc == OMR_OK &&
        sqlite3_prepare_v2(db, "INSERT INTO frame_settings(template, check_digits) VALUES (?, ?)",
                           -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, imp->template_id, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 2, imp->check_digits ? 1 : 0);
        rc = bind_exec(st);
    } else
        rc = OMR_ERR_IO;
    sqlite3_finalize(st);
    sqlite3_stmt *ins_var = NULL;
    if (rc == OMR_OK &&
        sqlite3_prepare_v2(db, "INSERT INTO frame_variables(template, name, position) VALUES (?, ?, ?)",
                           -1, &ins_var, NULL) == SQLITE_OK) {
        int pos = 0;
        for (size_t i = 0; i < imp->n_columns && rc == OMR_OK; i++) {
            if (i == imp->code_col || i == imp->unit_col)
                continue;
            sqlite3_bind_text(ins_var, 1, imp->template_id, -1, SQLITE_STATIC);
            sqlite3_bind_text(ins_var, 2, imp->columns[i], -1, SQLITE_STATIC);
            sqlite3_bind_int(ins_var, 3, pos++);
            rc = bind_exec(ins_var);
        }
    } else if (rc == OMR_OK)
        rc = OMR_ERR_IO;
    sqlite3_finalize(ins_var);
    return rc;
}

/* The frame's rows and their variables' values, after the last seq. */
static int write_rows(sqlite3 *db, const frame_store_import *imp, const char *now,
                      size_t *imported) {
    int rc = OMR_OK;
    long long seq = 0;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, "SELECT coalesce(max(seq), 0) FROM frame WHERE template = ?", -1,
                           &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, imp->template_id, -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_ROW)
            seq = sqlite3_column_int64(st, 0);
    }
    sqlite3_finalize(st);
    sqlite3_stmt *ins_frame = NULL, *ins_value = NULL;
    if (sqlite3_prepare_v2(db,
                           "INSERT INTO frame(template, code, unit, seq, imported_at) VALUES (?, ?, ?, ?, ?)",
                           -1, &ins_frame, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db,
                           "INSERT INTO frame_values(template, code, name, value) VALUES (?, ?, ?, ?)",
                           -1, &ins_value, NULL) != SQLITE_OK)
        rc = OMR_ERR_IO;
    for (size_t r = 0; r < imp->n_rows && rc == OMR_OK; r++) {
        char *const *row = imp->rows[r];
        sqlite3_bind_text(ins_frame, 1, imp->template_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(ins_frame, 2, row[imp->code_col], -1, SQLITE_STATIC);
        sqlite3_bind_text(ins_frame, 3, row[imp->unit_col], -1, SQLITE_STATIC);
        sqlite3_bind_int64(ins_frame, 4, ++seq);
        sqlite3_bind_text(ins_frame, 5, now, -1, SQLITE_STATIC);
        rc = bind_exec(ins_frame);
        for (size_t i = 0; i < imp->n_columns && rc == OMR_OK; i++) {
            if (i == imp->code_col || i == imp->unit_col)
                continue;
            sqlite3_bind_text(ins_value, 1, imp->template_id, -1, SQLITE_STATIC);
            sqlite3_bind_text(ins_value, 2, row[imp->code_col], -1, SQLITE_STATIC);
            sqlite3_bind_text(ins_value, 3, imp->columns[i], -1, SQLITE_STATIC);
            sqlite3_bind_text(ins_value, 4, row[i], -1, SQLITE_STATIC);
            rc = bind_exec(ins_value);
        }
        if (rc == OMR_OK)
            (*imported)++;
    }
    sqlite3_finalize(ins_frame);
    sqlite3_finalize(ins_value);
    return rc;
}

int frame_store_write_import(sqlite3 *db, const frame_store_import *imp, size_t *imported,
                             omr_error *err) {
    assert(imp->code_col < imp->n_columns && imp->unit_col < imp->n_columns);
    *imported = 0;
    char now[32];
    store_now(now);
    int rc = store_begin(db, err);
    if (rc != OMR_OK)
        return rc;
    if (imp->fresh)
        rc = write_fresh(db, imp);
    if (rc == OMR_OK)
        rc = write_rows(db, imp, now, imported);
    if (rc != OMR_OK)
        omr_fail(err, OMR_ERR_IO, "ledger (%s): %s; nothing was imported", "insert",
                 sqlite3_errmsg(db));
    if (rc == OMR_OK)
        rc = store_commit(db, err);
    if (rc != OMR_OK) {
        store_rollback(db);
        *imported = 0;
    }
    return rc;
}

/* ---- lists ------------------------------------------------------------------------------ */

static int query_strings(sqlite3 *db, const char *sql, const char *arg, frame_strings *out,
                         omr_error *err) {
    memset(out, 0, sizeof *out);
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return omr_fail(err, OMR_ERR_IO, "ledger: %s", sqlite3_errmsg(db));
    if (arg)
        sqlite3_bind_text(st, 1, arg, -1, SQLITE_STATIC);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        frame_strings_add(out, (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        frame_strings_free(out);
        return omr_fail(err, OMR_ERR_IO, "ledger: %s", sqlite3_errmsg(db));
    }
    return OMR_OK;
}

int frame_store_templates(sqlite3 *db, frame_strings *out, omr_error *err) {
    return query_strings(db, "SELECT template FROM frame_settings ORDER BY template", NULL, out, err);
}

int frame_store_codes(sqlite3 *db, const char *template_id, frame_strings *out, omr_error *err) {
    return query_strings(db, "SELECT code FROM frame WHERE template = ? ORDER BY seq", template_id,
                         out, err);
}

int frame_store_codes_outside(sqlite3 *db, const char *template_id, frame_strings *out,
                              omr_error *err) {
    return query_strings(db,
                         "SELECT DISTINCT r.code FROM returns r WHERE r.template = ?1 AND NOT "
                         "EXISTS(SELECT 1 FROM frame f WHERE f.template = r.template AND f.code = "
                         "r.code) ORDER BY r.code",
                         template_id, out, err);
}

/* The mailing and its codes, inside the caller's transaction. */
static int record_mailing(sqlite3 *db, const char *template_id, const frame_strings *codes) {
    char now[32];
    store_now(now);
    int rc;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db,
                           "INSERT INTO mailings(template, kind, created_at, n_codes) VALUES "
                           "(?, 'reminder', ?, ?)",
                           -1, &st, NULL) != SQLITE_OK)
        rc = OMR_ERR_IO;
    else {
        sqlite3_bind_text(st, 1, template_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, now, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 3, (sqlite3_int64)codes->count);
        rc = bind_exec(st);
    }
    sqlite3_finalize(st);
    sqlite3_int64 id = sqlite3_last_insert_rowid(db);
    if (rc == OMR_OK &&
        sqlite3_prepare_v2(db, "INSERT INTO mailing_codes(mailing_id, code) VALUES (?, ?)", -1,
                           &st, NULL) == SQLITE_OK) {
        for (size_t i = 0; i < codes->count && rc == OMR_OK; i++) {
            sqlite3_bind_int64(st, 1, id);
            sqlite3_bind_text(st, 2, codes->items[i], -1, SQLITE_STATIC);
            rc = bind_exec(st);
        }
    } else if (rc == OMR_OK)
        rc = OMR_ERR_IO;
    sqlite3_finalize(st);
    return rc;
}

int frame_store_reminders(sqlite3 *db, const char *template_id, int record, frame_strings *out,
                          omr_error *err) {
    int rc = OMR_OK;
    if (record && (rc = store_begin(db, err)) != OMR_OK)
        return rc;
    rc = query_strings(db,
                       "SELECT f.code FROM frame f WHERE f.template = ?1 "
                       "AND NOT EXISTS(SELECT 1 FROM returns r WHERE r.template = f.template AND "
                       "r.code = f.code) "
                       "AND NOT EXISTS(SELECT 1 FROM undeliverable u WHERE u.template = f.template "
                       "AND u.code = f.code) ORDER BY f.seq",
                       template_id, out, err);
    if (rc == OMR_OK && record) {
        rc = record_mailing(db, template_id, out);
        if (rc != OMR_OK)
            omr_fail(err, OMR_ERR_IO, "ledger: cannot record the reminder mailing: %s",
                     sqlite3_errmsg(db));
        else
            rc = store_commit(db, err);
    }
    if (record && rc != OMR_OK) {
        store_rollback(db);
        frame_strings_free(out);
    }
    return rc;
}

/* ---- undeliverable ---------------------------------------------------------------------- */

int frame_store_add_undeliverable(sqlite3 *db, const char *template_id, char *const *codes,
                                  size_t n, const char *source, size_t *added, size_t *already,
                                  omr_error *err) {
    *added = *already = 0;
    int rc = store_begin(db, err);
    if (rc != OMR_OK)
        return rc;
    char now[32];
    store_now(now);
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db,
                           "INSERT OR IGNORE INTO undeliverable(template, code, source, registered_at) "
                           "VALUES (?, ?, ?, ?)",
                           -1, &st, NULL) != SQLITE_OK)
        rc = OMR_ERR_IO;
    for (size_t i = 0; i < n && rc == OMR_OK; i++) {
        sqlite3_bind_text(st, 1, template_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, codes[i], -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, source, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, now, -1, SQLITE_STATIC);
        rc = bind_exec(st);
        if (rc == OMR_OK) {
            if (sqlite3_changes(db))
                (*added)++;
            else
                (*already)++;
        }
    }
    if (rc != OMR_OK)
        omr_fail(err, OMR_ERR_IO, "ledger: %s; nothing was registered", sqlite3_errmsg(db));
    sqlite3_finalize(st);
    if (rc == OMR_OK)
        rc = store_commit(db, err);
    if (rc != OMR_OK) {
        store_rollback(db);
        *added = *already = 0;
    }
    return rc;
}

/* ---- web returns ------------------------------------------------------------------------ */

typedef struct {
    sqlite3_stmt *web, *paper, *ans, *txt;
} web_statements;

static int web_prepare(sqlite3 *db, web_statements *s) {
    memset(s, 0, sizeof *s);
    if (sqlite3_prepare_v2(db, "SELECT 1 FROM returns WHERE template = ? AND code = ? AND mode = 'web'",
                           -1, &s->web, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, "SELECT 1 FROM returns WHERE template = ? AND code = ? AND mode = 'paper'",
                           -1, &s->paper, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db,
                           "INSERT INTO answers(return_id, question, value, status) VALUES (?, ?, ?, 'ok')",
                           -1, &s->ans, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db,
                           "INSERT INTO texts(return_id, field, text, status) VALUES (?, ?, ?, ?)",
                           -1, &s->txt, NULL) != SQLITE_OK)
        return OMR_ERR_IO;
    return OMR_OK;
}

static void web_finalize(web_statements *s) {
    sqlite3_finalize(s->web);
    sqlite3_finalize(s->paper);
    sqlite3_finalize(s->ans);
    sqlite3_finalize(s->txt);
}

static int has_return(sqlite3_stmt *probe, const char *template_id, const char *code) {
    sqlite3_reset(probe);
    sqlite3_bind_text(probe, 1, template_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(probe, 2, code, -1, SQLITE_STATIC);
    return sqlite3_step(probe) == SQLITE_ROW;
}

/* One web answer: the return row, then its answers and texts. */
static int web_insert(sqlite3 *db, web_statements *s, const omr_template *t,
                      const frame_store_web_return *w, const char *flags) {
    /* the returns row, by the ledger's one INSERT of returns (returns.h) */
    long long id = 0;
    int rc = returns_insert(db, t->id, w->code, "web", w->created, 0, flags, &id, NULL);
    if (rc != OMR_OK)
        return rc;
    for (size_t q = 0; q < t->n_questions && rc == OMR_OK; q++) {
        sqlite3_bind_int64(s->ans, 1, id);
        sqlite3_bind_text(s->ans, 2, t->questions[q].id, -1, SQLITE_STATIC);
        if (w->values[q])
            sqlite3_bind_text(s->ans, 3, w->values[q], -1, SQLITE_STATIC);
        rc = bind_exec(s->ans);
    }
    for (size_t f = 0; f < t->n_text_fields && rc == OMR_OK; f++) {
        sqlite3_bind_int64(s->txt, 1, id);
        sqlite3_bind_text(s->txt, 2, t->text_fields[f].id, -1, SQLITE_STATIC);
        sqlite3_bind_text(s->txt, 3, w->texts[f], -1, SQLITE_STATIC);
        sqlite3_bind_text(s->txt, 4, *w->texts[f] ? "ok" : "none", -1, SQLITE_STATIC);
        rc = bind_exec(s->txt);
    }
    return rc;
}

int frame_store_add_web_returns(sqlite3 *db, const omr_template *t,
                                const frame_store_web_return *rows, size_t n, size_t *imported,
                                size_t *skipped, size_t *both_modes, omr_error *err) {
    *imported = *skipped = *both_modes = 0;
    int rc = store_begin(db, err);
    if (rc != OMR_OK)
        return rc;
    web_statements s;
    rc = web_prepare(db, &s);
    for (size_t i = 0; i < n && rc == OMR_OK; i++) {
        const frame_store_web_return *w = &rows[i];
        assert(w->code && w->created && w->routing);
        if (has_return(s.web, t->id, w->code)) {
            (*skipped)++;
            continue;
        }
        char flags[1024] = "";
        if (has_return(s.paper, t->id, w->code)) {
            snprintf(flags, sizeof flags, "paper_and_web");
            (*both_modes)++;
        }
        if (*w->routing) {
            size_t len = strlen(flags);
            snprintf(flags + len, sizeof flags - len, "%s%s", len ? " " : "", w->routing);
        }
        rc = web_insert(db, &s, t, w, flags);
        if (rc == OMR_OK)
            (*imported)++;
    }
    if (rc != OMR_OK)
        omr_fail(err, OMR_ERR_IO, "ledger: %s; nothing was imported", sqlite3_errmsg(db));
    web_finalize(&s);
    if (rc == OMR_OK)
        rc = store_commit(db, err);
    if (rc != OMR_OK) {
        store_rollback(db);
        *imported = *skipped = *both_modes = 0;
    }
    return rc;
}
