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

#include "ledger/sql.h"
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

int frame_store_open(omr_db *db, omr_error *err) { return sql_exec_schema(db, frame_schema_sql, err); }

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

/* ---- codes ------------------------------------------------------------------------------ */

struct frame_store_probe {
    sql_stmt *st;
    int any; /* any template's frame: only the code is bound */
};

static frame_store_probe *probe_new(omr_db *db, const char *sql, int any) {
    frame_store_probe *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->any = any;
    if (!(p->st = sql_query(db, sql, ""))) {
        free(p);
        return NULL;
    }
    return p;
}

int frame_store_probe_any(omr_db *db, frame_store_probe **probe, omr_error *err) {
    *probe = probe_new(db, "SELECT 1 FROM frame WHERE code = ?", 1);
    if (!*probe)
        return omr_fail(err, OMR_ERR_IO, "ledger: %s", sql_message(db));
    return OMR_OK;
}

frame_store_probe *frame_store_probe_template(omr_db *db) {
    return probe_new(db, "SELECT 1 FROM frame WHERE template = ? AND code = ?", 0);
}

int frame_store_probe_has(frame_store_probe *p, const char *template_id, const char *code) {
    if (!p)
        return 0;
    sql_reset(p->st);
    if (p->any)
        sql_bind(p->st, "t", code);
    else
        sql_bind(p->st, "tt", template_id, code);
    return sql_step(p->st) == SQL_ROW;
}

void frame_store_probe_free(frame_store_probe *p) {
    if (!p)
        return;
    sql_finalize(p->st);
    free(p);
}

/* ---- import ----------------------------------------------------------------------------- */

int frame_store_variables(omr_db *db, const char *template_id, char *buf, size_t size) {
    assert(size > 0);
    buf[0] = 0;
    sql_stmt *st = sql_query(db,
                                 "SELECT group_concat(name, ',') FROM (SELECT name FROM frame_variables "
                                 "WHERE template = ? ORDER BY position)",
                                 "t", template_id);
    if (!st)
        return 0;
    int step = sql_step(st);
    if (step == SQL_ROW && sql_text_or_null(st, 0))
        snprintf(buf, size, "%s", sql_text_or_null(st, 0));
    sql_finalize(st);
    return step != SQL_ERROR;
}

/* A fresh frame: the template's old rows gone, its settings and variables in. */
static int write_fresh(omr_db *db, const frame_store_import *imp) {
    int rc = OMR_OK;
    char del[512];
    sql_stmt *st = NULL;
    static const char *const tables[] = {"frame_values", "frame", "frame_variables",
                                         "frame_settings"};
    for (size_t t = 0; t < 4 && rc == OMR_OK; t++) {
        snprintf(del, sizeof del, "DELETE FROM %s WHERE template = ?", tables[t]);
        st = sql_query(db, del, "t", imp->template_id);
        rc = st ? sql_run_reset(st) : OMR_ERR_IO;
        sql_finalize(st);
    }
    st = NULL;
    if (rc == OMR_OK &&
        (st = sql_query(db, "INSERT INTO frame_settings(template, check_digits) VALUES (?, ?)", "ti",
                        imp->template_id, (long long)(imp->check_digits ? 1 : 0))))
        rc = sql_run_reset(st);
    else
        rc = OMR_ERR_IO;
    sql_finalize(st);
    sql_stmt *ins_var = NULL;
    if (rc == OMR_OK &&
        (ins_var = sql_query(db, "INSERT INTO frame_variables(template, name, position) VALUES (?, ?, ?)", ""))) {
        long long pos = 0;
        for (size_t i = 0; i < imp->n_columns && rc == OMR_OK; i++) {
            if (i == imp->code_col || i == imp->unit_col)
                continue;
            sql_bind(ins_var, "tti", imp->template_id, imp->columns[i], pos++);
            rc = sql_run_reset(ins_var);
        }
    } else if (rc == OMR_OK)
        rc = OMR_ERR_IO;
    sql_finalize(ins_var);
    return rc;
}

/* The frame's rows and their variables' values, after the last seq. */
static int write_rows(omr_db *db, const frame_store_import *imp, const char *now,
                      size_t *imported) {
    long long seq = 0;
    /* a failure here is the import's failure ("nothing was imported") */
    if (sql_int_query(db, &seq, 0, NULL, "reading the frame",
                      "SELECT coalesce(max(seq), 0) FROM frame WHERE template = ?", "t",
                      imp->template_id) != OMR_OK)
        return OMR_ERR_IO;
    int rc = OMR_OK;
    sql_stmt *ins_frame = NULL, *ins_value = NULL;
    if (!(ins_frame = sql_query(db,
                                "INSERT INTO frame(template, code, unit, seq, imported_at) VALUES (?, ?, ?, ?, ?)",
                                "")) ||
        !(ins_value = sql_query(db,
                                "INSERT INTO frame_values(template, code, name, value) VALUES (?, ?, ?, ?)",
                                "")))
        rc = OMR_ERR_IO;
    for (size_t r = 0; r < imp->n_rows && rc == OMR_OK; r++) {
        char *const *row = imp->rows[r];
        sql_bind(ins_frame, "tttit", imp->template_id, row[imp->code_col], row[imp->unit_col], ++seq, now);
        rc = sql_run_reset(ins_frame);
        for (size_t i = 0; i < imp->n_columns && rc == OMR_OK; i++) {
            if (i == imp->code_col || i == imp->unit_col)
                continue;
            sql_bind(ins_value, "tttt", imp->template_id, row[imp->code_col], imp->columns[i], row[i]);
            rc = sql_run_reset(ins_value);
        }
        if (rc == OMR_OK)
            (*imported)++;
    }
    sql_finalize(ins_frame);
    sql_finalize(ins_value);
    return rc;
}

int frame_store_write_import(omr_db *db, const frame_store_import *imp, size_t *imported,
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
        omr_fail(err, OMR_ERR_IO, "ledger (%s): %s; nothing was imported", "insert", sql_message(db));
    if (rc == OMR_OK)
        rc = store_commit(db, err);
    if (rc != OMR_OK) {
        store_rollback(db);
        *imported = 0;
    }
    return rc;
}

/* ---- lists ------------------------------------------------------------------------------ */

static int query_strings(omr_db *db, const char *sql, const char *arg, frame_strings *out,
                         omr_error *err) {
    memset(out, 0, sizeof *out);
    sql_stmt *st = sql_query(db, sql, arg ? "t" : "", arg);
    if (!st)
        return omr_fail(err, OMR_ERR_IO, "ledger: %s", sql_message(db));
    int rc;
    while ((rc = sql_step(st)) == SQL_ROW)
        frame_strings_add(out, sql_text_or_null(st, 0));
    sql_finalize(st);
    if (rc != SQL_DONE) {
        frame_strings_free(out);
        return omr_fail(err, OMR_ERR_IO, "ledger: %s", sql_message(db));
    }
    return OMR_OK;
}

int frame_store_templates(omr_db *db, frame_strings *out, omr_error *err) {
    return query_strings(db, "SELECT template FROM frame_settings ORDER BY template", NULL, out, err);
}

int frame_store_codes(omr_db *db, const char *template_id, frame_strings *out, omr_error *err) {
    return query_strings(db, "SELECT code FROM frame WHERE template = ? ORDER BY seq", template_id,
                         out, err);
}

int frame_store_codes_outside(omr_db *db, const char *template_id, frame_strings *out,
                              omr_error *err) {
    return query_strings(db,
                         "SELECT DISTINCT r.code FROM returns r WHERE r.template = ?1 AND NOT "
                         "EXISTS(SELECT 1 FROM frame f WHERE f.template = r.template AND f.code = "
                         "r.code) ORDER BY r.code",
                         template_id, out, err);
}

/* The mailing and its codes, inside the caller's transaction. */
static int record_mailing(omr_db *db, const char *template_id, const frame_strings *codes) {
    char now[32];
    store_now(now);
    sql_stmt *st = sql_query(db,
                                 "INSERT INTO mailings(template, kind, created_at, n_codes) VALUES "
                                 "(?, 'reminder', ?, ?)",
                                 "tti", template_id, now, (long long)codes->count);
    int rc = st ? sql_run_reset(st) : OMR_ERR_IO;
    sql_finalize(st);
    long long id = sql_last_id(db);
    st = NULL;
    if (rc == OMR_OK && (st = sql_query(db, "INSERT INTO mailing_codes(mailing_id, code) VALUES (?, ?)", ""))) {
        for (size_t i = 0; i < codes->count && rc == OMR_OK; i++) {
            sql_bind(st, "it", id, codes->items[i]);
            rc = sql_run_reset(st);
        }
    } else if (rc == OMR_OK)
        rc = OMR_ERR_IO;
    sql_finalize(st);
    return rc;
}

int frame_store_reminders(omr_db *db, const char *template_id, int record, frame_strings *out,
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
            omr_fail(err, OMR_ERR_IO, "ledger: cannot record the reminder mailing: %s", sql_message(db));
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

int frame_store_add_undeliverable(omr_db *db, const char *template_id, char *const *codes,
                                  size_t n, const char *source, size_t *added, size_t *already,
                                  omr_error *err) {
    *added = *already = 0;
    int rc = store_begin(db, err);
    if (rc != OMR_OK)
        return rc;
    char now[32];
    store_now(now);
    sql_stmt *st = sql_query(db,
                                 "INSERT OR IGNORE INTO undeliverable(template, code, source, registered_at) "
                                 "VALUES (?, ?, ?, ?)",
                                 "");
    if (!st)
        rc = OMR_ERR_IO;
    for (size_t i = 0; i < n && rc == OMR_OK; i++) {
        sql_bind(st, "tttt", template_id, codes[i], source, now);
        rc = sql_run_reset(st);
        if (rc == OMR_OK) {
            if (sql_changes(db))
                (*added)++;
            else
                (*already)++;
        }
    }
    if (rc != OMR_OK)
        omr_fail(err, OMR_ERR_IO, "ledger: %s; nothing was registered", sql_message(db));
    sql_finalize(st);
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
    sql_stmt *web, *paper, *ans, *txt;
} web_statements;

static int web_prepare(omr_db *db, web_statements *s) {
    memset(s, 0, sizeof *s);
    if (!(s->web = sql_query(db, "SELECT 1 FROM returns WHERE template = ? AND code = ? AND mode = 'web'", "")) ||
        !(s->paper = sql_query(db, "SELECT 1 FROM returns WHERE template = ? AND code = ? AND mode = 'paper'", "")) ||
        !(s->ans = sql_query(db, "INSERT INTO answers(return_id, question, value, status) VALUES (?, ?, ?, 'ok')",
                             "")) ||
        !(s->txt = sql_query(db, "INSERT INTO texts(return_id, field, text, status) VALUES (?, ?, ?, ?)", "")))
        return OMR_ERR_IO;
    return OMR_OK;
}

static void web_finalize(web_statements *s) {
    sql_finalize(s->web);
    sql_finalize(s->paper);
    sql_finalize(s->ans);
    sql_finalize(s->txt);
}

/* 1 when the (template, code) has a return of the probe's mode, 0 when not,
 * -1 when the ledger cannot answer. */
static int has_return(sql_stmt *probe, const char *template_id, const char *code) {
    sql_reset(probe);
    sql_bind(probe, "tt", template_id, code);
    int step = sql_step(probe);
    return step == SQL_ERROR ? -1 : step == SQL_ROW;
}

/* One web answer: the return row, then its answers and texts. */
static int web_insert(omr_db *db, web_statements *s, const omr_template *t,
                      const frame_store_web_return *w, const char *flags) {
    /* the returns row, by the ledger's one INSERT of returns (returns.h) */
    long long id = 0;
    int rc = returns_insert(db, t->id, w->code, "web", w->created, 0, flags, &id, NULL);
    if (rc != OMR_OK)
        return rc;
    for (size_t q = 0; q < t->n_questions && rc == OMR_OK; q++) {
        sql_bind(s->ans, "itt", id, t->questions[q].id, w->values[q]); /* NULL: no answer */
        rc = sql_run_reset(s->ans);
    }
    for (size_t f = 0; f < t->n_text_fields && rc == OMR_OK; f++) {
        sql_bind(s->txt, "ittt", id, t->text_fields[f].id, w->texts[f], *w->texts[f] ? "ok" : "none");
        rc = sql_run_reset(s->txt);
    }
    return rc;
}

int frame_store_add_web_returns(omr_db *db, const omr_template *t,
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
        int web = has_return(s.web, t->id, w->code);
        int paper = web == 0 ? has_return(s.paper, t->id, w->code) : 0;
        if (web < 0 || paper < 0) {
            rc = OMR_ERR_IO;
            break;
        }
        if (web) {
            (*skipped)++;
            continue;
        }
        char flags[1024] = "";
        if (paper) {
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
        omr_fail(err, OMR_ERR_IO, "ledger: %s; nothing was imported", sql_message(db));
    web_finalize(&s);
    if (rc == OMR_OK)
        rc = store_commit(db, err);
    if (rc != OMR_OK) {
        store_rollback(db);
        *imported = *skipped = *both_modes = 0;
    }
    return rc;
}
