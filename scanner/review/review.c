/*
 * review.c — the review queue over the ledger: leasing items to operators,
 * applying their decisions to answers, texts, returns and pages, undo, and
 * the JSON the web page shows (an item, the supervisor's summary). Each
 * change is one IMMEDIATE transaction, so two operators (or two processes)
 * never lease the same item and a decision is never half applied. See
 * review.h for what each decision writes.
 */
#include "review/review.h"

#include <ctype.h>
#include <jansson.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "forms/code.h"
#include "reading/reference.h"
#include "review/review_users.h"

/* The reason of items made by a hand match: the machine never read them, so
 * they do not count in the share of machine readings changed. */
#define REVIEW_MATCHED_REASON "matched by hand:"

struct review_queue {
    sqlite3 *db;
    int lease_seconds;
    char *base_dir; /* the ledger's folder */
    char *out_dir;  /* the scan output folder: comment crops are relative to it */
    struct loaded_template {
        char *id;
        omr_template *tmpl; /* NULL when it could not be loaded */
    } *templates;
    size_t n_templates;
};

static const char review_schema[] =
    "CREATE TABLE IF NOT EXISTS review_decision_log(\n"
    "  decision_id INTEGER PRIMARY KEY REFERENCES decisions(id),\n"
    "  outcome TEXT NOT NULL CHECK(outcome IN "
    "('value','blank','illegible','text','match','keep','discard','not_form','undo')),\n"
    "  prev_value TEXT,\n"
    "  prev_status TEXT,\n"
    "  prev_confirmed_by TEXT,\n"
    "  prev_confirmed_at TEXT,\n"
    "  undone_at TEXT,\n"
    "  undone_by TEXT);\n"
    "CREATE INDEX IF NOT EXISTS decisions_item ON decisions(review_item_id);\n"
    "CREATE INDEX IF NOT EXISTS decisions_operator ON decisions(operator, id);\n";

static const char *const outcome_names[] = {"value", "blank",   "illegible", "text",
                                            "match", "keep",    "discard",   "not_form"};

/* ---- small helpers ------------------------------------------------------ */

static void iso_time(time_t t, char buf[32]) {
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int db_fail(sqlite3 *db, omr_error *err, const char *what) {
    return omr_fail(err, OMR_ERR_IO, "ledger: %s: %s", what, sqlite3_errmsg(db));
}

static int exec_sql(sqlite3 *db, const char *sql, omr_error *err) {
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        omr_fail(err, OMR_ERR_IO, "ledger: %s", msg ? msg : sqlite3_errmsg(db));
        sqlite3_free(msg);
        return OMR_ERR_IO;
    }
    return OMR_OK;
}

static int begin(sqlite3 *db, omr_error *err) { return exec_sql(db, "BEGIN IMMEDIATE", err); }
static void rollback(sqlite3 *db) { sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL); }
static int commit(sqlite3 *db, omr_error *err) {
    if (exec_sql(db, "COMMIT", err) != OMR_OK) {
        rollback(db);
        return OMR_ERR_IO;
    }
    return OMR_OK;
}

/* Prepares `sql` and binds the arguments described by `types`: 't' text
 * (NULL binds NULL), 'i' int64, 'n' NULL. */
static sqlite3_stmt *prepare(sqlite3 *db, const char *sql, const char *types, ...) {
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return NULL;
    va_list ap;
    va_start(ap, types);
    for (int i = 0; types[i]; i++) {
        switch (types[i]) {
        case 't': {
            const char *s = va_arg(ap, const char *);
            if (s)
                sqlite3_bind_text(st, i + 1, s, -1, SQLITE_TRANSIENT);
            else
                sqlite3_bind_null(st, i + 1);
            break;
        }
        case 'i': sqlite3_bind_int64(st, i + 1, va_arg(ap, int64_t)); break;
        default: sqlite3_bind_null(st, i + 1); break;
        }
    }
    va_end(ap);
    return st;
}

/* Runs a statement that returns no rows; OMR_OK or an error naming `what`. */
static int run(sqlite3 *db, omr_error *err, const char *what, const char *sql, const char *types, ...) {
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return db_fail(db, err, what);
    va_list ap;
    va_start(ap, types);
    for (int i = 0; types[i]; i++) {
        switch (types[i]) {
        case 't': {
            const char *s = va_arg(ap, const char *);
            if (s)
                sqlite3_bind_text(st, i + 1, s, -1, SQLITE_TRANSIENT);
            else
                sqlite3_bind_null(st, i + 1);
            break;
        }
        case 'i': sqlite3_bind_int64(st, i + 1, va_arg(ap, int64_t)); break;
        default: sqlite3_bind_null(st, i + 1); break;
        }
    }
    va_end(ap);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? OMR_OK : db_fail(db, err, what);
}

static char *column_dup(sqlite3_stmt *st, int col) {
    const unsigned char *s = sqlite3_column_text(st, col);
    return s ? strdup((const char *)s) : NULL;
}

static int str_eq(const char *a, const char *b) {
    if (!a || !b)
        return a == b;
    return strcmp(a, b) == 0;
}

/* ---- opening ------------------------------------------------------------ */

int review_open(sqlite3 *db, omr_error *err) {
    if (review_users_open(db, err) != OMR_OK)
        return OMR_ERR_IO;
    return exec_sql(db, review_schema, err);
}

int review_queue_new(sqlite3 *db, int lease_seconds, const char *out_dir, review_queue **out,
                     omr_error *err) {
    *out = NULL;
    if (review_open(db, err) != OMR_OK)
        return OMR_ERR_IO;
    review_queue *q = calloc(1, sizeof *q);
    if (!q)
        return omr_fail(err, OMR_ERR_MEMORY, "out of memory");
    q->db = db;
    q->lease_seconds = lease_seconds > 0 ? lease_seconds : REVIEW_DEFAULT_LEASE_SECONDS;
    const char *file = sqlite3_db_filename(db, "main");
    char *copy = strdup(file && *file ? file : "./omr.db");
    q->base_dir = copy ? strdup(dirname(copy)) : NULL;
    free(copy);
    q->out_dir = strdup(out_dir && *out_dir ? out_dir : q->base_dir ? q->base_dir : ".");
    if (!q->base_dir || !q->out_dir) {
        free(q->base_dir);
        free(q->out_dir);
        free(q);
        return omr_fail(err, OMR_ERR_MEMORY, "out of memory");
    }
    *out = q;
    return OMR_OK;
}

void review_queue_free(review_queue *q) {
    if (!q)
        return;
    for (size_t i = 0; i < q->n_templates; i++) {
        free(q->templates[i].id);
        template_free(q->templates[i].tmpl);
    }
    free(q->templates);
    free(q->base_dir);
    free(q->out_dir);
    free(q);
}

sqlite3 *review_queue_db(review_queue *q) { return q->db; }
const char *review_queue_out_dir(const review_queue *q) { return q->out_dir; }

const omr_template *review_queue_template(review_queue *q, const char *id, omr_error *err) {
    if (!id)
        return omr_fail(err, OMR_ERR_NOT_FOUND, "the item names no template"), NULL;
    for (size_t i = 0; i < q->n_templates; i++)
        if (strcmp(q->templates[i].id, id) == 0) {
            if (!q->templates[i].tmpl)
                omr_fail(err, OMR_ERR_NOT_FOUND, "template \"%s\" could not be loaded", id);
            return q->templates[i].tmpl;
        }
    /* only plain template ids are looked up, never paths */
    for (const char *c = id; *c; c++)
        if (!(isalnum((unsigned char)*c) || *c == '-' || *c == '_'))
            return omr_fail(err, OMR_ERR_INVALID, "\"%.60s\" is not a template id", id), NULL;
    omr_template *t = NULL;
    char *path = template_find(id);
    if (path) {
        if (template_load(path, &t, NULL, err) != OMR_OK)
            t = NULL;
        free(path);
    } else {
        omr_fail(err, OMR_ERR_NOT_FOUND, "template \"%s\" not found in templates/", id);
    }
    struct loaded_template *grown = realloc(q->templates, (q->n_templates + 1) * sizeof *grown);
    if (!grown) {
        template_free(t);
        return omr_fail(err, OMR_ERR_MEMORY, "out of memory"), NULL;
    }
    q->templates = grown;
    q->templates[q->n_templates].id = strdup(id);
    q->templates[q->n_templates].tmpl = t;
    if (!q->templates[q->n_templates].id) {
        template_free(t);
        return omr_fail(err, OMR_ERR_MEMORY, "out of memory"), NULL;
    }
    q->n_templates++;
    return t;
}

/* ---- leases ------------------------------------------------------------- */

int review_next(review_queue *q, const char *op, time_t now, const int64_t *skip, size_t n_skip,
                int64_t *item, omr_error *err) {
    *item = 0;
    char now_s[32], until_s[32];
    iso_time(now, now_s);
    iso_time(now + q->lease_seconds, until_s);
    /* the skip list is numbers only, so it is written into the SQL */
    size_t cap = 64 + n_skip * 24;
    char *skip_sql = malloc(cap);
    if (!skip_sql)
        return omr_fail(err, OMR_ERR_MEMORY, "out of memory");
    size_t len = (size_t)snprintf(skip_sql, cap, "r.id NOT IN (0");
    for (size_t i = 0; i < n_skip && i < 1000; i++)
        len += (size_t)snprintf(skip_sql + len, cap - len, ",%lld", (long long)skip[i]);
    snprintf(skip_sql + len, cap - len, ")");
    char *sql = sqlite3_mprintf(
        "SELECT r.id FROM review_items r "
        "WHERE r.state = 'open' AND %s "
        "  AND (r.lease_owner IS NULL OR r.lease_until IS NULL OR r.lease_until <= ?1 OR r.lease_owner = ?2) "
        "ORDER BY (r.lease_owner IS ?2 AND r.lease_until > ?1) DESC, "
        "  COALESCE((SELECT min(f.received_at) FROM pages p JOIN scan_files f ON f.id = p.file_id "
        "            WHERE p.return_id = r.return_id), "
        "           (SELECT f.received_at FROM pages p JOIN scan_files f ON f.id = p.file_id "
        "            WHERE p.id = r.page_id), r.created_at), "
        "  r.return_id, r.id LIMIT 1",
        skip_sql);
    free(skip_sql);
    if (!sql)
        return omr_fail(err, OMR_ERR_MEMORY, "out of memory");
    if (begin(q->db, err) != OMR_OK) {
        sqlite3_free(sql);
        return OMR_ERR_IO;
    }
    sqlite3_stmt *st = prepare(q->db, sql, "tt", now_s, op);
    sqlite3_free(sql);
    if (!st) {
        db_fail(q->db, err, "finding the next item");
        rollback(q->db);
        return OMR_ERR_IO;
    }
    int64_t id = 0;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        id = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        db_fail(q->db, err, "finding the next item");
        rollback(q->db);
        return OMR_ERR_IO;
    }
    if (run(q->db, err, "releasing leases",
            "UPDATE review_items SET lease_owner = NULL, lease_until = NULL "
            "WHERE lease_owner = ?1 AND id <> ?2",
            "ti", op, id) != OMR_OK ||
        (id && run(q->db, err, "leasing the item",
                   "UPDATE review_items SET lease_owner = ?1, lease_until = ?2 WHERE id = ?3", "tti", op,
                   until_s, id) != OMR_OK)) {
        rollback(q->db);
        return OMR_ERR_IO;
    }
    if (commit(q->db, err) != OMR_OK)
        return OMR_ERR_IO;
    *item = id;
    return OMR_OK;
}

typedef struct {
    int found;
    char *kind, *item, *state, *lease_owner, *lease_until, *reason;
    int64_t return_id, page_id;
    int has_return, has_page;
} item_row;

static void item_row_clear(item_row *r) {
    free(r->kind);
    free(r->item);
    free(r->state);
    free(r->lease_owner);
    free(r->lease_until);
    free(r->reason);
    memset(r, 0, sizeof *r);
}

static int item_row_get(sqlite3 *db, int64_t id, item_row *r, omr_error *err) {
    memset(r, 0, sizeof *r);
    sqlite3_stmt *st = prepare(db,
                               "SELECT kind, item, state, lease_owner, lease_until, return_id, page_id, reason "
                               "FROM review_items WHERE id = ?",
                               "i", id);
    if (!st)
        return db_fail(db, err, "reading the item");
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        r->found = 1;
        r->kind = column_dup(st, 0);
        r->item = column_dup(st, 1);
        r->state = column_dup(st, 2);
        r->lease_owner = column_dup(st, 3);
        r->lease_until = column_dup(st, 4);
        r->has_return = sqlite3_column_type(st, 5) != SQLITE_NULL;
        r->return_id = sqlite3_column_int64(st, 5);
        r->has_page = sqlite3_column_type(st, 6) != SQLITE_NULL;
        r->page_id = sqlite3_column_int64(st, 6);
        r->reason = column_dup(st, 7);
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return db_fail(db, err, "reading the item");
    if (!r->found)
        return omr_fail(err, OMR_ERR_NOT_FOUND, "there is no review item %lld", (long long)id);
    return OMR_OK;
}

/* Someone else holds a lease on the row that has not run out. */
static int leased_to_other(const item_row *r, const char *op, const char *now_s) {
    return r->lease_owner && !str_eq(r->lease_owner, op) && r->lease_until &&
           strcmp(r->lease_until, now_s) > 0;
}

int review_renew(review_queue *q, const char *op, int64_t id, time_t now, omr_error *err) {
    char now_s[32], until_s[32];
    iso_time(now, now_s);
    iso_time(now + q->lease_seconds, until_s);
    if (begin(q->db, err) != OMR_OK)
        return OMR_ERR_IO;
    item_row r;
    int rc = item_row_get(q->db, id, &r, err);
    if (rc == OMR_OK && strcmp(r.state, "open") != 0)
        rc = omr_fail(err, REVIEW_ERR_CONFLICT, "item %lld was decided meanwhile", (long long)id);
    else if (rc == OMR_OK && leased_to_other(&r, op, now_s))
        rc = omr_fail(err, REVIEW_ERR_CONFLICT, "item %lld is being reviewed by %s", (long long)id, r.lease_owner);
    item_row_clear(&r);
    if (rc == OMR_OK)
        rc = run(q->db, err, "renewing the lease",
                 "UPDATE review_items SET lease_owner = ?1, lease_until = ?2 WHERE id = ?3", "tti", op, until_s, id);
    if (rc != OMR_OK) {
        rollback(q->db);
        return rc;
    }
    return commit(q->db, err);
}

int review_release(review_queue *q, const char *op, int64_t id, omr_error *err) {
    return run(q->db, err, "releasing the item",
               "UPDATE review_items SET lease_owner = NULL, lease_until = NULL WHERE id = ?1 AND lease_owner = ?2",
               "it", id, op);
}

/* ---- decisions ---------------------------------------------------------- */

/* Checks a value against a question and writes it in canonical form (the
 * template's order, space-separated for multi) into out. */
static int canonical_value(const template_question *qq, const char *value, char *out, size_t size,
                           omr_error *err) {
    out[0] = 0;
    if (!value)
        return omr_fail(err, OMR_ERR_INVALID, "no value given for %s", qq->id);
    if (qq->type != QUESTION_MULTI) {
        for (size_t b = 0; b < qq->n_boxes; b++)
            if (strcmp(qq->boxes[b].value, value) == 0) {
                snprintf(out, size, "%s", value);
                return OMR_OK;
            }
        return omr_fail(err, OMR_ERR_INVALID, "%s has no value \"%.40s\"", qq->id, value);
    }
    /* multi: every word must be a value; duplicates collapse */
    char *copy = strdup(value), *save = NULL;
    if (!copy)
        return omr_fail(err, OMR_ERR_MEMORY, "out of memory");
    int chosen[256] = {0};
    for (char *w = strtok_r(copy, " ,", &save); w; w = strtok_r(NULL, " ,", &save)) {
        size_t b;
        for (b = 0; b < qq->n_boxes && b < 256; b++)
            if (strcmp(qq->boxes[b].value, w) == 0)
                break;
        if (b == qq->n_boxes || b >= 256) {
            omr_fail(err, OMR_ERR_INVALID, "%s has no value \"%.40s\"", qq->id, w);
            free(copy);
            return OMR_ERR_INVALID;
        }
        chosen[b] = 1;
    }
    free(copy);
    size_t len = 0;
    for (size_t b = 0; b < qq->n_boxes && b < 256; b++)
        if (chosen[b] && len + strlen(qq->boxes[b].value) + 2 < size)
            len += (size_t)snprintf(out + len, size - len, "%s%s", len ? " " : "", qq->boxes[b].value);
    return OMR_OK;
}

static const char *return_template(sqlite3 *db, int64_t return_id, char *buf, size_t size, char *code,
                                   size_t code_size) {
    sqlite3_stmt *st = prepare(db, "SELECT template, code FROM returns WHERE id = ?", "i", return_id);
    const char *out = NULL;
    if (st && sqlite3_step(st) == SQLITE_ROW) {
        snprintf(buf, size, "%s", (const char *)sqlite3_column_text(st, 0));
        if (code)
            snprintf(code, code_size, "%s", (const char *)sqlite3_column_text(st, 1));
        out = buf;
    }
    sqlite3_finalize(st);
    return out;
}

/* Appends the decision and its log row. */
static int record_decision(sqlite3 *db, int64_t item, const char *op, const char *now_s,
                           const char *machine, const char *final, review_choice_kind outcome,
                           const char *prev_value, const char *prev_status, const char *prev_by,
                           const char *prev_at, omr_error *err) {
    if (run(db, err, "recording the decision",
            "INSERT INTO decisions(review_item_id, operator, decided_at, machine_value, final_value) "
            "VALUES (?, ?, ?, ?, ?)",
            "ittt" "t", item, op, now_s, machine, final) != OMR_OK)
        return OMR_ERR_IO;
    int64_t decision = sqlite3_last_insert_rowid(db);
    const char *name = outcome_names[outcome];
    if (outcome == REVIEW_CHOICE_VALUE)
        name = "value";
    return run(db, err, "recording the decision",
               "INSERT INTO review_decision_log(decision_id, outcome, prev_value, prev_status, "
               "prev_confirmed_by, prev_confirmed_at) VALUES (?, ?, ?, ?, ?, ?)",
               "itttt" "t", decision, name, prev_value, prev_status, prev_by, prev_at);
}

static int decide_answer(review_queue *q, const char *op, int64_t id, const item_row *r,
                         const review_choice *c, const char *now_s, omr_error *err) {
    char tid[128], code[128];
    if (!r->has_return || !return_template(q->db, r->return_id, tid, sizeof tid, code, sizeof code))
        return omr_fail(err, OMR_ERR_INVALID, "item %lld belongs to no return", (long long)id);
    const omr_template *t = review_queue_template(q, tid, err);
    if (!t)
        return OMR_ERR_NOT_FOUND;
    const template_question *qq = template_question_by_id(t, r->item);
    if (!qq)
        return omr_fail(err, OMR_ERR_INVALID, "template %s has no question \"%s\"", tid, r->item);
    char value[1024];
    const char *final = NULL;
    if (c->kind == REVIEW_CHOICE_VALUE) {
        if (canonical_value(qq, c->value, value, sizeof value, err) != OMR_OK)
            return OMR_ERR_INVALID;
        final = value; /* a multi with nothing chosen is "" : all options 0 */
        if (qq->type == QUESTION_MULTI && !value[0])
            final = NULL;
    } else if (c->kind != REVIEW_CHOICE_BLANK && c->kind != REVIEW_CHOICE_ILLEGIBLE) {
        return omr_fail(err, OMR_ERR_INVALID, "%s is a question: choose a value, blank or illegible", r->item);
    }
    /* what the answer held before */
    char *prev_value = NULL, *prev_status = NULL, *prev_by = NULL, *prev_at = NULL, *machine = NULL;
    int have = 0;
    sqlite3_stmt *st = prepare(q->db,
                               "SELECT value, status, confirmed_by, confirmed_at, machine_value FROM answers "
                               "WHERE return_id = ? AND question = ?",
                               "it", r->return_id, r->item);
    if (!st)
        return db_fail(q->db, err, "reading the answer");
    if (sqlite3_step(st) == SQLITE_ROW) {
        have = 1;
        prev_value = column_dup(st, 0);
        prev_status = column_dup(st, 1);
        prev_by = column_dup(st, 2);
        prev_at = column_dup(st, 3);
        machine = column_dup(st, 4);
    }
    sqlite3_finalize(st);
    int rc = OMR_OK;
    if (have)
        rc = run(q->db, err, "writing the answer",
                 "UPDATE answers SET value = ?, status = 'ok', confirmed_by = ?, confirmed_at = ? "
                 "WHERE return_id = ? AND question = ?",
                 "tttit", final, op, now_s, r->return_id, r->item);
    else
        rc = run(q->db, err, "writing the answer",
                 "INSERT INTO answers(return_id, question, value, status, reason, confirmed_by, confirmed_at) "
                 "VALUES (?, ?, ?, 'ok', ?, ?, ?)",
                 "itttt" "t", r->return_id, r->item, final, r->reason, op, now_s);
    if (rc == OMR_OK)
        rc = record_decision(q->db, id, op, now_s, machine, final, c->kind, prev_value,
                             have ? prev_status : NULL, prev_by, prev_at, err);
    free(prev_value);
    free(prev_status);
    free(prev_by);
    free(prev_at);
    free(machine);
    return rc;
}

static int decide_text(review_queue *q, const char *op, int64_t id, const item_row *r,
                       const review_choice *c, const char *now_s, omr_error *err) {
    if (!r->has_return)
        return omr_fail(err, OMR_ERR_INVALID, "item %lld belongs to no return", (long long)id);
    const char *final = NULL;
    if (c->kind == REVIEW_CHOICE_TEXT || c->kind == REVIEW_CHOICE_VALUE) {
        if (!c->value)
            return omr_fail(err, OMR_ERR_INVALID, "no text given for %s", r->item);
        if (strlen(c->value) > 20000)
            return omr_fail(err, OMR_ERR_INVALID, "the text is longer than 20,000 characters");
        final = c->value[0] ? c->value : NULL;
    } else if (c->kind != REVIEW_CHOICE_BLANK && c->kind != REVIEW_CHOICE_ILLEGIBLE) {
        return omr_fail(err, OMR_ERR_INVALID, "%s is a comment: correct the text, or choose blank or illegible",
                        r->item);
    }
    char *prev_value = NULL, *prev_status = NULL, *prev_by = NULL, *prev_at = NULL, *machine = NULL;
    int have = 0;
    sqlite3_stmt *st = prepare(q->db,
                               "SELECT text, status, confirmed_by, confirmed_at, machine_text FROM texts "
                               "WHERE return_id = ? AND field = ?",
                               "it", r->return_id, r->item);
    if (!st)
        return db_fail(q->db, err, "reading the text");
    if (sqlite3_step(st) == SQLITE_ROW) {
        have = 1;
        prev_value = column_dup(st, 0);
        prev_status = column_dup(st, 1);
        prev_by = column_dup(st, 2);
        prev_at = column_dup(st, 3);
        machine = column_dup(st, 4);
    }
    sqlite3_finalize(st);
    int rc;
    if (have)
        rc = run(q->db, err, "writing the text",
                 "UPDATE texts SET text = ?, status = 'ok', confirmed_by = ?, confirmed_at = ? "
                 "WHERE return_id = ? AND field = ?",
                 "tttit", final, op, now_s, r->return_id, r->item);
    else
        rc = run(q->db, err, "writing the text",
                 "INSERT INTO texts(return_id, field, text, status, confirmed_by, confirmed_at) "
                 "VALUES (?, ?, ?, 'ok', ?, ?)",
                 "ittt" "t", r->return_id, r->item, final, op, now_s);
    if (rc == OMR_OK)
        rc = record_decision(q->db, id, op, now_s, machine, final,
                             c->kind == REVIEW_CHOICE_VALUE ? REVIEW_CHOICE_TEXT : c->kind, prev_value,
                             have ? prev_status : NULL, prev_by, prev_at, err);
    free(prev_value);
    free(prev_status);
    free(prev_by);
    free(prev_at);
    free(machine);
    return rc;
}


/* The ledger's contract (store.h): a duplicate's decision 'discard' leaves
 * that return out of records.csv, any other value keeps it. */
static int decide_duplicate(review_queue *q, const char *op, int64_t id, const item_row *r,
                            const review_choice *c, const char *now_s, omr_error *err) {
    if (c->kind != REVIEW_CHOICE_KEEP && c->kind != REVIEW_CHOICE_DISCARD)
        return omr_fail(err, OMR_ERR_INVALID, "a duplicate return is kept (k) or discarded (d)");
    if (!r->has_return)
        return omr_fail(err, OMR_ERR_INVALID, "item %lld belongs to no return", (long long)id);
    return record_decision(q->db, id, op, now_s, NULL, c->kind == REVIEW_CHOICE_KEEP ? "keep" : "discard", c->kind,
                           NULL, NULL, NULL, NULL, err);
}

/* Joins a hand-matched page to the return of (template, code) that lacks its
 * page number, or a new return; each question and text field of the page
 * becomes a review item to key in by hand. prev_value records what undo
 * needs as JSON. */
static int decide_match(review_queue *q, const char *op, int64_t id, const item_row *r,
                        const review_choice *c, const char *now_s, omr_error *err) {
    if (c->kind == REVIEW_CHOICE_NOT_FORM)
        return record_decision(q->db, id, op, now_s, NULL, "not_form", c->kind, NULL, NULL, NULL, NULL, err);
    if (c->kind != REVIEW_CHOICE_MATCH)
        return omr_fail(err, OMR_ERR_INVALID,
                        "a page without a readable code is matched by typing its login code, or set aside (x)");
    if (!r->has_page)
        return omr_fail(err, OMR_ERR_INVALID, "item %lld names no page", (long long)id);
    if (!c->value || !identify_code_is_valid(c->value))
        return omr_fail(err, OMR_ERR_INVALID, "a login code is 1 to 40 letters and digits");
    char code[64];
    snprintf(code, sizeof code, "%s", c->value);
    for (char *p = code; *p; p++)
        *p = (char)toupper((unsigned char)*p);
    /* the page as it is */
    char *p_template = NULL, *p_code = NULL, *p_status = NULL, *p_reason = NULL;
    int p_page = 0, has_p_page = 0, has_p_return = 0;
    int64_t p_return = 0;
    sqlite3_stmt *st = prepare(q->db, "SELECT template, code, page, return_id, status, reason FROM pages WHERE id = ?",
                               "i", r->page_id);
    if (!st)
        return db_fail(q->db, err, "reading the page");
    if (sqlite3_step(st) != SQLITE_ROW) {
        sqlite3_finalize(st);
        return omr_fail(err, OMR_ERR_NOT_FOUND, "page %lld is not in the ledger", (long long)r->page_id);
    }
    p_template = column_dup(st, 0);
    p_code = column_dup(st, 1);
    has_p_page = sqlite3_column_type(st, 2) != SQLITE_NULL;
    p_page = sqlite3_column_int(st, 2);
    has_p_return = sqlite3_column_type(st, 3) != SQLITE_NULL;
    p_return = sqlite3_column_int64(st, 3);
    p_status = column_dup(st, 4);
    p_reason = column_dup(st, 5);
    sqlite3_finalize(st);

    int rc = OMR_OK;
    const char *tid = c->template_id && *c->template_id ? c->template_id : p_template;
    int page = c->page > 0 ? c->page : (has_p_page ? p_page : 1);
    const omr_template *t = tid ? review_queue_template(q, tid, err) : NULL;
    if (!tid)
        rc = omr_fail(err, OMR_ERR_INVALID, "choose the questionnaire (template) this page belongs to");
    else if (!t)
        rc = OMR_ERR_INVALID;
    else if (page < 1 || (size_t)page > t->n_pages)
        rc = omr_fail(err, OMR_ERR_INVALID, "%s has pages 1 to %zu, not %d", t->id, t->n_pages, page);
    json_t *prev = json_object();
    json_t *created = json_array();
    int64_t ret = 0;
    int new_return = 0;
    if (rc == OMR_OK) {
        /* the oldest return of this code that lacks this page */
        st = prepare(q->db,
                     "SELECT r.id FROM returns r WHERE r.template = ?1 AND r.code = ?2 "
                     "AND NOT EXISTS (SELECT 1 FROM pages p WHERE p.return_id = r.id AND p.page = ?3) "
                     "ORDER BY r.id LIMIT 1",
                     "tti", t->id, code, (int64_t)page);
        if (!st)
            rc = db_fail(q->db, err, "finding the return");
        else if (sqlite3_step(st) == SQLITE_ROW)
            ret = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
    }
    if (rc == OMR_OK && !ret) {
        int64_t first = 0;
        st = prepare(q->db, "SELECT min(id) FROM returns WHERE template = ? AND code = ?", "tt", t->id, code);
        if (st && sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
            first = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
        if (first)
            rc = run(q->db, err, "creating the return",
                     "INSERT INTO returns(template, code, created_at, duplicate_of, flags) "
                     "VALUES (?, ?, ?, ?, 'matched_by_hand')",
                     "ttti", t->id, code, now_s, first);
        else
            rc = run(q->db, err, "creating the return",
                     "INSERT INTO returns(template, code, created_at, flags) VALUES (?, ?, ?, 'matched_by_hand')",
                     "ttt", t->id, code, now_s);
        ret = sqlite3_last_insert_rowid(q->db);
        new_return = 1;
        if (rc == OMR_OK && first)
            rc = run(q->db, err, "flagging the duplicate",
                     "INSERT INTO review_items(return_id, item, kind, reason, created_at) "
                     "VALUES (?, ?, 'duplicate', ?, ?)",
                     "ittt", ret, code, "a second return of this code, matched by hand", now_s);
        if (rc == OMR_OK && first)
            json_array_append_new(created, json_integer(sqlite3_last_insert_rowid(q->db)));
    }
    char *why = sqlite3_mprintf(REVIEW_MATCHED_REASON " page %d, by %s; read it from the page image", page, op);
    if (rc == OMR_OK)
        rc = run(q->db, err, "matching the page",
                 "UPDATE pages SET template = ?, code = ?, page = ?, return_id = ?, status = 'read', reason = ? "
                 "WHERE id = ?",
                 "ttiiti", t->id, code, (int64_t)page, ret, why, r->page_id);
    /* every question and text field of the page, to key in by hand */
    for (size_t i = 0; rc == OMR_OK && i < t->n_questions; i++) {
        const template_question *qq = &t->questions[i];
        if (qq->page != page)
            continue;
        rc = run(q->db, err, "adding the page's answers",
                 "INSERT OR IGNORE INTO answers(return_id, question, status, reason) VALUES (?, ?, 'review', ?)",
                 "itt", ret, qq->id, why);
        if (rc == OMR_OK)
            rc = run(q->db, err, "adding the page's answers",
                     "INSERT INTO review_items(return_id, page_id, item, kind, reason, created_at) "
                     "VALUES (?, ?, ?, 'answer', ?, ?)",
                     "iittt", ret, r->page_id, qq->id, why, now_s);
        if (rc == OMR_OK)
            json_array_append_new(created, json_integer(sqlite3_last_insert_rowid(q->db)));
    }
    for (size_t i = 0; rc == OMR_OK && i < t->n_text_fields; i++) {
        const template_text_field *f = &t->text_fields[i];
        if (f->page != page)
            continue;
        rc = run(q->db, err, "adding the page's comments",
                 "INSERT OR IGNORE INTO texts(return_id, field, status) VALUES (?, ?, 'review')", "it", ret, f->id);
        if (rc == OMR_OK)
            rc = run(q->db, err, "adding the page's comments",
                     "INSERT INTO review_items(return_id, page_id, item, kind, reason, created_at) "
                     "VALUES (?, ?, ?, 'text', ?, ?)",
                     "iittt", ret, r->page_id, f->id, why, now_s);
        if (rc == OMR_OK)
            json_array_append_new(created, json_integer(sqlite3_last_insert_rowid(q->db)));
    }
    sqlite3_free(why);
    char *prev_json = NULL;
    if (rc == OMR_OK) {
        json_object_set_new(prev, "template", p_template ? json_string(p_template) : json_null());
        json_object_set_new(prev, "code", p_code ? json_string(p_code) : json_null());
        json_object_set_new(prev, "page", has_p_page ? json_integer(p_page) : json_null());
        json_object_set_new(prev, "return_id", has_p_return ? json_integer(p_return) : json_null());
        json_object_set_new(prev, "status", json_string(p_status ? p_status : "rejected"));
        json_object_set_new(prev, "reason", p_reason ? json_string(p_reason) : json_null());
        json_object_set_new(prev, "new_return", new_return ? json_integer(ret) : json_null());
        json_object_set(prev, "items", created);
        prev_json = json_dumps(prev, JSON_COMPACT);
        char final[256];
        snprintf(final, sizeof final, "%s:%s:%d", t->id, code, page);
        rc = prev_json ? record_decision(q->db, id, op, now_s, NULL, final, REVIEW_CHOICE_MATCH, prev_json, NULL,
                                         NULL, NULL, err)
                       : omr_fail(err, OMR_ERR_MEMORY, "out of memory");
    }
    free(prev_json);
    json_decref(prev);
    json_decref(created);
    free(p_template);
    free(p_code);
    free(p_status);
    free(p_reason);
    return rc;
}

int review_decide(review_queue *q, const char *op, int64_t id, const review_choice *c, time_t now,
                  omr_error *err) {
    char now_s[32];
    iso_time(now, now_s);
    if (begin(q->db, err) != OMR_OK)
        return OMR_ERR_IO;
    item_row r;
    int rc = item_row_get(q->db, id, &r, err);
    if (rc == OMR_OK && strcmp(r.state, "open") != 0)
        rc = omr_fail(err, REVIEW_ERR_CONFLICT, "item %lld is already decided", (long long)id);
    else if (rc == OMR_OK && leased_to_other(&r, op, now_s))
        rc = omr_fail(err, REVIEW_ERR_CONFLICT, "item %lld is being reviewed by %s", (long long)id, r.lease_owner);
    if (rc == OMR_OK) {
        if (strcmp(r.kind, "answer") == 0)
            rc = decide_answer(q, op, id, &r, c, now_s, err);
        else if (strcmp(r.kind, "text") == 0)
            rc = decide_text(q, op, id, &r, c, now_s, err);
        else if (strcmp(r.kind, "duplicate") == 0)
            rc = decide_duplicate(q, op, id, &r, c, now_s, err);
        else if (strcmp(r.kind, "unmatched_page") == 0)
            rc = decide_match(q, op, id, &r, c, now_s, err);
        else
            rc = omr_fail(err, OMR_ERR_INVALID, "item %lld is of an unknown kind \"%s\"", (long long)id, r.kind);
    }
    if (rc == OMR_OK)
        rc = run(q->db, err, "closing the item",
                 "UPDATE review_items SET state = 'decided', lease_owner = NULL, lease_until = NULL WHERE id = ?",
                 "i", id);
    item_row_clear(&r);
    if (rc != OMR_OK) {
        rollback(q->db);
        return rc;
    }
    return commit(q->db, err);
}

/* Undoes a hand match: only while none of the items it created is decided. */
static int undo_match(review_queue *q, const item_row *r, const char *prev_json, omr_error *err) {
    json_error_t jerr;
    json_t *prev = json_loads(prev_json ? prev_json : "{}", 0, &jerr);
    if (!prev)
        return omr_fail(err, OMR_ERR_INVALID, "the match cannot be undone (its record is damaged)");
    json_t *items = json_object_get(prev, "items");
    size_t i;
    json_t *v;
    int rc = OMR_OK;
    json_array_foreach(items, i, v) {
        sqlite3_stmt *st = prepare(q->db, "SELECT state FROM review_items WHERE id = ?", "i",
                                   (int64_t)json_integer_value(v));
        if (st && sqlite3_step(st) == SQLITE_ROW && strcmp((const char *)sqlite3_column_text(st, 0), "open") != 0)
            rc = omr_fail(err, REVIEW_ERR_CONFLICT,
                          "the page's answers are already being decided; the match cannot be undone");
        sqlite3_finalize(st);
    }
    json_t *page = json_object_get(prev, "page"), *ret = json_object_get(prev, "return_id"),
           *new_ret = json_object_get(prev, "new_return");
    int64_t matched_return = 0;
    sqlite3_stmt *st = prepare(q->db, "SELECT return_id FROM pages WHERE id = ?", "i", r->page_id);
    if (st && sqlite3_step(st) == SQLITE_ROW)
        matched_return = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    json_array_foreach(items, i, v) {
        if (rc != OMR_OK)
            break;
        int64_t item = (int64_t)json_integer_value(v);
        char *kind = NULL, *name = NULL;
        st = prepare(q->db, "SELECT kind, item FROM review_items WHERE id = ?", "i", item);
        if (st && sqlite3_step(st) == SQLITE_ROW) {
            kind = column_dup(st, 0);
            name = column_dup(st, 1);
        }
        sqlite3_finalize(st);
        if (kind && strcmp(kind, "answer") == 0)
            rc = run(q->db, err, "undoing the match",
                     "DELETE FROM answers WHERE return_id = ? AND question = ? AND confirmed_by IS NULL", "it",
                     matched_return, name);
        else if (kind && strcmp(kind, "text") == 0)
            rc = run(q->db, err, "undoing the match",
                     "DELETE FROM texts WHERE return_id = ? AND field = ? AND confirmed_by IS NULL", "it",
                     matched_return, name);
        if (rc == OMR_OK)
            rc = run(q->db, err, "undoing the match", "DELETE FROM review_items WHERE id = ?", "i", item);
        free(kind);
        free(name);
    }
    if (rc == OMR_OK) {
        /* page and return_id as they were, NULL included */
        char *restore = sqlite3_mprintf("UPDATE pages SET template = ?1, code = ?2, status = ?3, reason = ?4, "
                                        "page = %s, return_id = %s WHERE id = ?5",
                                        json_is_integer(page) ? "?6" : "NULL", json_is_integer(ret) ? "?7" : "NULL");
        sqlite3_stmt *up = NULL;
        if (!restore || sqlite3_prepare_v2(q->db, restore, -1, &up, NULL) != SQLITE_OK) {
            rc = db_fail(q->db, err, "undoing the match");
        } else {
            const char *text[4] = {json_string_value(json_object_get(prev, "template")),
                                   json_string_value(json_object_get(prev, "code")),
                                   json_string_value(json_object_get(prev, "status")),
                                   json_string_value(json_object_get(prev, "reason"))};
            if (!text[2])
                text[2] = "rejected";
            for (int i = 0; i < 4; i++)
                if (text[i])
                    sqlite3_bind_text(up, i + 1, text[i], -1, SQLITE_TRANSIENT);
            sqlite3_bind_int64(up, 5, r->page_id);
            if (json_is_integer(page))
                sqlite3_bind_int64(up, 6, (sqlite3_int64)json_integer_value(page));
            if (json_is_integer(ret))
                sqlite3_bind_int64(up, 7, (sqlite3_int64)json_integer_value(ret));
            if (sqlite3_step(up) != SQLITE_DONE)
                rc = db_fail(q->db, err, "undoing the match");
        }
        sqlite3_finalize(up);
        sqlite3_free(restore);
    }
    if (rc == OMR_OK && json_is_integer(new_ret)) {
        int64_t nr = (int64_t)json_integer_value(new_ret);
        int used = 0;
        st = prepare(q->db,
                     "SELECT (SELECT count(*) FROM pages WHERE return_id = ?1) + "
                     "(SELECT count(*) FROM answers WHERE return_id = ?1) + "
                     "(SELECT count(*) FROM texts WHERE return_id = ?1) + "
                     "(SELECT count(*) FROM review_items WHERE return_id = ?1)",
                     "i", nr);
        if (st && sqlite3_step(st) == SQLITE_ROW)
            used = sqlite3_column_int(st, 0);
        sqlite3_finalize(st);
        if (!used)
            rc = run(q->db, err, "undoing the match", "DELETE FROM returns WHERE id = ?", "i", nr);
    }
    json_decref(prev);
    return rc;
}

int review_undo(review_queue *q, const char *op, time_t now, int64_t *item, omr_error *err) {
    *item = 0;
    char now_s[32], until_s[32];
    iso_time(now, now_s);
    iso_time(now + q->lease_seconds, until_s);
    if (begin(q->db, err) != OMR_OK)
        return OMR_ERR_IO;
    sqlite3_stmt *st = prepare(q->db,
                               "SELECT d.id, d.review_item_id, l.outcome, l.prev_value, l.prev_status, "
                               "l.prev_confirmed_by, l.prev_confirmed_at FROM decisions d "
                               "JOIN review_decision_log l ON l.decision_id = d.id "
                               "WHERE d.operator = ? AND l.undone_at IS NULL ORDER BY d.id DESC LIMIT 1",
                               "t", op);
    if (!st) {
        db_fail(q->db, err, "finding the last decision");
        rollback(q->db);
        return OMR_ERR_IO;
    }
    if (sqlite3_step(st) != SQLITE_ROW) {
        sqlite3_finalize(st);
        rollback(q->db);
        return OMR_OK; /* nothing to undo */
    }
    int64_t decision = sqlite3_column_int64(st, 0), id = sqlite3_column_int64(st, 1);
    char *outcome = column_dup(st, 2), *prev_value = column_dup(st, 3), *prev_status = column_dup(st, 4),
         *prev_by = column_dup(st, 5), *prev_at = column_dup(st, 6);
    sqlite3_finalize(st);
    item_row r;
    int rc = item_row_get(q->db, id, &r, err);
    /* a later decision on the same item (after someone else's undo) wins */
    if (rc == OMR_OK) {
        st = prepare(q->db,
                     "SELECT count(*) FROM decisions d JOIN review_decision_log l ON l.decision_id = d.id "
                     "WHERE d.review_item_id = ? AND d.id > ? AND l.undone_at IS NULL",
                     "ii", id, decision);
        if (st && sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) > 0)
            rc = omr_fail(err, REVIEW_ERR_CONFLICT, "item %lld was decided again since; it cannot be undone",
                          (long long)id);
        sqlite3_finalize(st);
    }
    if (rc == OMR_OK && strcmp(r.state, "decided") != 0)
        rc = omr_fail(err, REVIEW_ERR_CONFLICT, "item %lld is open again already", (long long)id);
    if (rc == OMR_OK) {
        if (strcmp(r.kind, "answer") == 0) {
            if (prev_status)
                rc = run(q->db, err, "restoring the answer",
                         "UPDATE answers SET value = ?, status = ?, confirmed_by = ?, confirmed_at = ? "
                         "WHERE return_id = ? AND question = ?",
                         "ttttit", prev_value, prev_status, prev_by, prev_at, r.return_id, r.item);
            else
                rc = run(q->db, err, "restoring the answer", "DELETE FROM answers WHERE return_id = ? AND question = ?",
                         "it", r.return_id, r.item);
        } else if (strcmp(r.kind, "text") == 0) {
            if (prev_status)
                rc = run(q->db, err, "restoring the text",
                         "UPDATE texts SET text = ?, status = ?, confirmed_by = ?, confirmed_at = ? "
                         "WHERE return_id = ? AND field = ?",
                         "ttttit", prev_value, prev_status, prev_by, prev_at, r.return_id, r.item);
            else
                rc = run(q->db, err, "restoring the text", "DELETE FROM texts WHERE return_id = ? AND field = ?", "it",
                         r.return_id, r.item);
        } else if (strcmp(r.kind, "unmatched_page") == 0 && outcome && strcmp(outcome, "match") == 0) {
            rc = undo_match(q, &r, prev_value, err);
        }
    }
    /* the undo is itself kept as a decision: its final value is what the
     * item holds again, so a reader of `decisions` that takes each item's
     * latest row sees the undone value no more */
    if (rc == OMR_OK)
        rc = run(q->db, err, "recording the undo",
                 "INSERT INTO decisions(review_item_id, operator, decided_at, machine_value, final_value) "
                 "SELECT review_item_id, ?, ?, machine_value, ? FROM decisions WHERE id = ?",
                 "ttti", op, now_s, strcmp(r.kind, "answer") == 0 || strcmp(r.kind, "text") == 0 ? prev_value : NULL,
                 decision);
    if (rc == OMR_OK)
        rc = run(q->db, err, "recording the undo",
                 "INSERT INTO review_decision_log(decision_id, outcome, undone_at, undone_by) "
                 "VALUES (last_insert_rowid(), 'undo', ?, ?)",
                 "tt", now_s, op);
    if (rc == OMR_OK)
        rc = run(q->db, err, "marking the decision undone",
                 "UPDATE review_decision_log SET undone_at = ?, undone_by = ? WHERE decision_id = ?", "tti", now_s, op,
                 decision);
    if (rc == OMR_OK)
        rc = run(q->db, err, "releasing leases",
                 "UPDATE review_items SET lease_owner = NULL, lease_until = NULL WHERE lease_owner = ?", "t", op);
    if (rc == OMR_OK)
        rc = run(q->db, err, "reopening the item",
                 "UPDATE review_items SET state = 'open', lease_owner = ?, lease_until = ? WHERE id = ?", "tti", op,
                 until_s, id);
    item_row_clear(&r);
    free(outcome);
    free(prev_value);
    free(prev_status);
    free(prev_by);
    free(prev_at);
    if (rc != OMR_OK) {
        rollback(q->db);
        return rc;
    }
    rc = commit(q->db, err);
    if (rc == OMR_OK)
        *item = id;
    return rc;
}

/* ---- JSON for the page -------------------------------------------------- */

static json_t *json_text_or_null(const char *s) { return s ? json_string(s) : json_null(); }

static json_t *column_json(sqlite3_stmt *st, int col) {
    switch (sqlite3_column_type(st, col)) {
    case SQLITE_NULL: return json_null();
    case SQLITE_INTEGER: return json_integer(sqlite3_column_int64(st, col));
    case SQLITE_FLOAT: return json_real(sqlite3_column_double(st, col));
    default: {
        const char *s = (const char *)sqlite3_column_text(st, col);
        json_t *j = json_string(s ? s : "");
        return j ? j : json_string("(not UTF-8)");
    }
    }
}

/* Keys: a single-character value is its own key unless it is one of the
 * page's command keys; other values get a free letter. */
static void assign_keys(const template_question *qq, char keys[][2]) {
    static const char reserved[] = "biunz";
    static const char pool[] = "acdefghjklmopqrstvwxy";
    int has_zero = 0;
    for (size_t b = 0; b < qq->n_boxes; b++)
        if (strcmp(qq->boxes[b].value, "0") == 0)
            has_zero = 1;
    char used[128] = {0};
    for (size_t b = 0; b < qq->n_boxes; b++) {
        const char *v = qq->boxes[b].value;
        keys[b][0] = keys[b][1] = 0;
        if (strlen(v) == 1 && isalnum((unsigned char)v[0]) && !strchr(reserved, tolower((unsigned char)v[0])) &&
            (v[0] != '0' || has_zero)) {
            keys[b][0] = (char)tolower((unsigned char)v[0]);
            used[(unsigned char)keys[b][0]] = 1;
        }
    }
    const char *p = pool;
    for (size_t b = 0; b < qq->n_boxes; b++) {
        if (keys[b][0])
            continue;
        while (*p && used[(unsigned char)*p])
            p++;
        if (*p) {
            keys[b][0] = *p;
            used[(unsigned char)*p++] = 1;
        }
    }
}

static void add_history(sqlite3 *db, json_t *obj, int64_t id) {
    json_t *hist = json_array();
    sqlite3_stmt *st = prepare(db,
                               "SELECT d.operator, d.decided_at, d.machine_value, d.final_value, l.outcome, "
                               "l.undone_at, l.undone_by FROM decisions d "
                               "LEFT JOIN review_decision_log l ON l.decision_id = d.id "
                               "WHERE d.review_item_id = ? ORDER BY d.id",
                               "i", id);
    static const char *const names[] = {"operator", "decided_at", "machine_value", "final_value",
                                        "outcome", "undone_at", "undone_by"};
    while (st && sqlite3_step(st) == SQLITE_ROW) {
        json_t *h = json_object();
        for (int c = 0; c < 7; c++)
            json_object_set_new(h, names[c], column_json(st, c));
        json_array_append_new(hist, h);
    }
    sqlite3_finalize(st);
    json_object_set_new(obj, "history", hist);
}

char *review_item_json(review_queue *q, int64_t id, omr_error *err) {
    item_row r;
    if (item_row_get(q->db, id, &r, err) != OMR_OK)
        return NULL;
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(id));
    json_object_set_new(o, "kind", json_string(r.kind));
    json_object_set_new(o, "item", json_text_or_null(r.item));
    json_object_set_new(o, "reason", json_text_or_null(r.reason));
    json_object_set_new(o, "state", json_string(r.state));
    json_object_set_new(o, "lease_owner", json_text_or_null(r.lease_owner));
    json_object_set_new(o, "lease_until", json_text_or_null(r.lease_until));
    char tid[128] = "", code[128] = "";
    const omr_template *t = NULL;
    if (r.has_return) {
        json_object_set_new(o, "return_id", json_integer(r.return_id));
        if (return_template(q->db, r.return_id, tid, sizeof tid, code, sizeof code)) {
            json_object_set_new(o, "template", json_string(tid));
            json_object_set_new(o, "code", json_string(code));
            t = review_queue_template(q, tid, NULL);
        }
    }
    if (t && t->title)
        json_object_set_new(o, "title", json_string(t->title));
    if (strcmp(r.kind, "answer") == 0 && t) {
        const template_question *qq = template_question_by_id(t, r.item);
        if (qq) {
            json_t *jq = json_object();
            json_object_set_new(jq, "id", json_string(qq->id));
            json_object_set_new(jq, "type", json_string(template_question_type_name(qq->type)));
            json_object_set_new(jq, "text", json_text_or_null(qq->text));
            json_object_set_new(jq, "section", json_text_or_null(qq->section));
            json_object_set_new(o, "page", json_integer(qq->page));
            char (*keys)[2] = calloc(qq->n_boxes ? qq->n_boxes : 1, sizeof *keys);
            if (keys)
                assign_keys(qq, keys);
            json_t *opts = json_array();
            for (size_t b = 0; b < qq->n_boxes; b++) {
                json_t *jo = json_object();
                json_object_set_new(jo, "value", json_string(qq->boxes[b].value));
                json_object_set_new(jo, "label", json_text_or_null(qq->boxes[b].label));
                json_object_set_new(jo, "key", json_string(keys ? keys[b] : ""));
                sqlite3_stmt *st = prepare(q->db,
                                           "SELECT m.fill, m.decision, m.confidence FROM marks m "
                                           "JOIN pages p ON p.id = m.page_id "
                                           "WHERE p.return_id = ? AND m.question = ? AND m.value = ? "
                                           "ORDER BY p.id LIMIT 1",
                                           "itt", r.return_id, qq->id, qq->boxes[b].value);
                if (st && sqlite3_step(st) == SQLITE_ROW) {
                    json_object_set_new(jo, "fill", column_json(st, 0));
                    json_object_set_new(jo, "decision", column_json(st, 1));
                    json_object_set_new(jo, "confidence", column_json(st, 2));
                }
                sqlite3_finalize(st);
                json_array_append_new(opts, jo);
            }
            free(keys);
            json_object_set_new(jq, "options", opts);
            json_object_set_new(o, "question", jq);
        }
        sqlite3_stmt *st = prepare(q->db,
                                   "SELECT value, machine_value, status, reason, confidence, confirmed_by, "
                                   "confirmed_at FROM answers WHERE return_id = ? AND question = ?",
                                   "it", r.return_id, r.item);
        if (st && sqlite3_step(st) == SQLITE_ROW) {
            static const char *const names[] = {"value", "machine_value", "answer_status", "answer_reason",
                                                "confidence", "confirmed_by", "confirmed_at"};
            for (int c = 0; c < 7; c++)
                json_object_set_new(o, names[c], column_json(st, c));
        }
        sqlite3_finalize(st);
    } else if (strcmp(r.kind, "text") == 0) {
        if (t)
            for (size_t f = 0; f < t->n_text_fields; f++)
                if (strcmp(t->text_fields[f].id, r.item) == 0) {
                    json_object_set_new(o, "prompt", json_text_or_null(t->text_fields[f].prompt));
                    json_object_set_new(o, "page", json_integer(t->text_fields[f].page));
                }
        sqlite3_stmt *st = prepare(q->db,
                                   "SELECT text, machine_text, confidence, status, confirmed_by, confirmed_at, "
                                   "crop_path IS NOT NULL FROM texts WHERE return_id = ? AND field = ?",
                                   "it", r.return_id, r.item);
        if (st && sqlite3_step(st) == SQLITE_ROW) {
            static const char *const names[] = {"text", "machine_text", "confidence", "text_status",
                                                "confirmed_by", "confirmed_at", "has_crop"};
            for (int c = 0; c < 7; c++)
                json_object_set_new(o, names[c], column_json(st, c));
        }
        sqlite3_finalize(st);
    } else if (strcmp(r.kind, "duplicate") == 0) {
        sqlite3_stmt *st = prepare(q->db,
                                   "SELECT r.duplicate_of, d.created_at, r.created_at, r.flags FROM returns r "
                                   "LEFT JOIN returns d ON d.id = r.duplicate_of WHERE r.id = ?",
                                   "i", r.return_id);
        if (st && sqlite3_step(st) == SQLITE_ROW) {
            json_object_set_new(o, "duplicate_of", column_json(st, 0));
            json_object_set_new(o, "first_received", column_json(st, 1));
            json_object_set_new(o, "received", column_json(st, 2));
            json_object_set_new(o, "flags", column_json(st, 3));
        }
        sqlite3_finalize(st);
    } else if (strcmp(r.kind, "unmatched_page") == 0 && r.has_page) {
        sqlite3_stmt *st = prepare(q->db,
                                   "SELECT p.reason, p.template, p.page, p.file_page, f.original_name, f.received_at "
                                   "FROM pages p JOIN scan_files f ON f.id = p.file_id WHERE p.id = ?",
                                   "i", r.page_id);
        if (st && sqlite3_step(st) == SQLITE_ROW) {
            static const char *const names[] = {"page_reason", "template", "page", "file_page", "file",
                                                "received"};
            for (int c = 0; c < 6; c++)
                json_object_set_new(o, names[c], column_json(st, c));
        }
        sqlite3_finalize(st);
        /* the templates this ledger knows, to choose from */
        json_t *ts = json_array();
        st = prepare(q->db, "SELECT DISTINCT template FROM returns ORDER BY template", "");
        while (st && sqlite3_step(st) == SQLITE_ROW) {
            const char *name = (const char *)sqlite3_column_text(st, 0);
            const omr_template *tt = name ? review_queue_template(q, name, NULL) : NULL;
            if (!tt)
                continue;
            json_t *jt = json_object();
            json_object_set_new(jt, "id", json_string(tt->id));
            json_object_set_new(jt, "title", json_text_or_null(tt->title));
            json_object_set_new(jt, "pages", json_integer((json_int_t)tt->n_pages));
            json_array_append_new(ts, jt);
        }
        sqlite3_finalize(st);
        json_object_set_new(o, "templates", ts);
    }
    add_history(q->db, o, id);
    sqlite3_stmt *st = prepare(q->db, "SELECT count(*) FROM review_items WHERE state = 'open'", "");
    if (st && sqlite3_step(st) == SQLITE_ROW)
        json_object_set_new(o, "waiting", json_integer(sqlite3_column_int64(st, 0)));
    sqlite3_finalize(st);
    item_row_clear(&r);
    char *s = json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII);
    json_decref(o);
    if (!s)
        omr_fail(err, OMR_ERR_MEMORY, "out of memory");
    return s;
}

char *review_summary_json(review_queue *q, time_t now, omr_error *err) {
    char today[32], now_s[32];
    iso_time(now, now_s);
    snprintf(today, sizeof today, "%.10s", now_s);
    json_t *o = json_object();
    json_object_set_new(o, "now", json_string(now_s));
    json_t *waiting = json_object();
    json_int_t total = 0;
    sqlite3_stmt *st = prepare(q->db,
                               "SELECT kind, count(*), min(created_at), "
                               "sum(lease_owner IS NOT NULL AND lease_until > ?) "
                               "FROM review_items WHERE state = 'open' GROUP BY kind ORDER BY kind",
                               "t", now_s);
    json_int_t leased = 0;
    json_t *oldest = json_null();
    while (st && sqlite3_step(st) == SQLITE_ROW) {
        json_object_set_new(waiting, (const char *)sqlite3_column_text(st, 0), json_integer(sqlite3_column_int64(st, 1)));
        total += sqlite3_column_int64(st, 1);
        leased += sqlite3_column_int64(st, 3);
        const char *c = (const char *)sqlite3_column_text(st, 2);
        if (c && (json_is_null(oldest) || strcmp(c, json_string_value(oldest)) < 0)) {
            json_decref(oldest);
            oldest = json_string(c);
        }
    }
    sqlite3_finalize(st);
    json_object_set_new(o, "waiting", waiting);
    json_object_set_new(o, "waiting_total", json_integer(total));
    json_object_set_new(o, "being_reviewed", json_integer(leased));
    json_object_set_new(o, "oldest_waiting", oldest);
    json_t *ops = json_array();
    st = prepare(q->db,
                 "SELECT d.operator, count(*), "
                 "sum(r.kind IN ('answer','text') AND r.reason NOT LIKE '" REVIEW_MATCHED_REASON "%' "
                 "    AND d.final_value IS NOT d.machine_value) "
                 "FROM decisions d JOIN review_items r ON r.id = d.review_item_id "
                 "LEFT JOIN review_decision_log l ON l.decision_id = d.id "
                 "WHERE d.decided_at >= ? AND l.undone_at IS NULL GROUP BY d.operator ORDER BY d.operator",
                 "t", today);
    while (st && sqlite3_step(st) == SQLITE_ROW) {
        json_t *j = json_object();
        json_object_set_new(j, "operator", column_json(st, 0));
        json_object_set_new(j, "decided_today", json_integer(sqlite3_column_int64(st, 1)));
        json_object_set_new(j, "changed_today", json_integer(sqlite3_column_int64(st, 2)));
        json_array_append_new(ops, j);
    }
    sqlite3_finalize(st);
    json_object_set_new(o, "today", json_string(today));
    json_object_set_new(o, "operators", ops);
    /* the honest error rate: of the machine's readings a person looked at,
     * how many did the person change (latest decision per item) */
    json_t *changed = json_object();
    st = prepare(q->db,
                 "SELECT r.kind, count(*), sum(d.final_value IS NOT d.machine_value) "
                 "FROM decisions d JOIN review_items r ON r.id = d.review_item_id "
                 "JOIN review_decision_log l ON l.decision_id = d.id "
                 "WHERE l.undone_at IS NULL AND r.kind IN ('answer','text') AND r.state = 'decided' "
                 "AND r.reason NOT LIKE '" REVIEW_MATCHED_REASON "%' "
                 "AND d.id = (SELECT max(d2.id) FROM decisions d2 JOIN review_decision_log l2 "
                 "            ON l2.decision_id = d2.id WHERE d2.review_item_id = r.id AND l2.undone_at IS NULL) "
                 "GROUP BY r.kind",
                 "");
    json_int_t all = 0, all_changed = 0;
    while (st && sqlite3_step(st) == SQLITE_ROW) {
        json_int_t n = sqlite3_column_int64(st, 1), c = sqlite3_column_int64(st, 2);
        json_t *j = json_object();
        json_object_set_new(j, "decided", json_integer(n));
        json_object_set_new(j, "changed", json_integer(c));
        json_object_set_new(j, "share", json_real(n ? (double)c / (double)n : 0.0));
        json_object_set_new(changed, (const char *)sqlite3_column_text(st, 0), j);
        all += n;
        all_changed += c;
    }
    sqlite3_finalize(st);
    json_object_set_new(changed, "decided", json_integer(all));
    json_object_set_new(changed, "changed", json_integer(all_changed));
    json_object_set_new(changed, "share", json_real(all ? (double)all_changed / (double)all : 0.0));
    json_object_set_new(o, "machine_changed", changed);
    char *s = json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII);
    json_decref(o);
    if (!s)
        omr_fail(err, OMR_ERR_MEMORY, "out of memory");
    return s;
}
