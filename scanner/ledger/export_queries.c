/*
 * export_queries.c — the reads behind the CSV outputs (see export_queries.h).
 * One snapshot: BEGIN before the first read, COMMIT after the last, so all
 * five files describe the same ledger. The statements used per return are
 * prepared once per walk. The SQL here is the only SQL the outputs use.
 */
#include "ledger/export_queries.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledger/sql.h"

struct export_snapshot {
    omr_db *db;
};

static int db_error(omr_db *db, omr_error *err, const char *what) {
    return omr_fail(err, OMR_ERR_IO, "ledger: %s: %s", what, sql_message(db));
}

static const omr_template *template_by_id(const omr_template *const *templates, size_t n, const char *id) {
    for (size_t i = 0; id && i < n; i++)
        if (strcmp(templates[i]->id, id) == 0)
            return templates[i];
    return NULL;
}

int export_snapshot_begin(omr_db *db, export_snapshot **out, omr_error *err) {
    assert(db && out);
    *out = NULL;
    export_snapshot *s = calloc(1, sizeof *s);
    if (!s)
        return omr_fail(err, OMR_ERR_MEMORY, "out of memory");
    s->db = db;
    if (sql_exec(db, "BEGIN", NULL) != OMR_OK) {
        int rc = db_error(db, err, "cannot read the ledger");
        free(s);
        return rc;
    }
    *out = s;
    return OMR_OK;
}

void export_snapshot_end(export_snapshot *s) {
    if (!s)
        return;
    if (sql_in_transaction(s->db))
        sql_exec(s->db, "COMMIT", NULL);
    free(s);
}

/* ---- returns ----------------------------------------------------------------------- */

static void return_clear(export_return *r) {
    if (r->tmpl) {
        for (size_t i = 0; i < r->tmpl->n_questions; i++)
            free(r->answers ? r->answers[i] : NULL);
        for (size_t i = 0; i < r->tmpl->n_text_fields; i++)
            free(r->texts ? r->texts[i] : NULL);
    }
    for (size_t i = 0; i < r->n_items; i++) {
        free(r->items[i].item);
        free(r->items[i].kind);
        free(r->items[i].reason);
    }
    free(r->items);
    free(r->answers);
    free(r->has_answer);
    free(r->answer_confirmed);
    free(r->texts);
    free(r->has_text);
    free(r->text_confirmed);
    free(r->text_pending);
    free(r->page_present);
    free(r->sources);
    free(r->flags);
    memset(r, 0, sizeof *r);
}

/* The statements used per return, prepared once. */
typedef struct {
    omr_db *db;
    sql_stmt *answers, *texts, *pages, *items;
} return_queries;

static int queries_prepare(omr_db *db, return_queries *q, omr_error *err) {
    memset(q, 0, sizeof *q);
    q->db = db;
    if (!(q->answers = sql_query(db, "SELECT question, value, confirmed_by IS NOT NULL FROM answers "
                                     "WHERE return_id = ?", "")) ||
        !(q->texts = sql_query(db, "SELECT field, text, status, confirmed_by IS NOT NULL FROM texts "
                                   "WHERE return_id = ?", "")) ||
        !(q->pages = sql_query(db, "SELECT p.page, f.original_name, p.file_page FROM pages p JOIN scan_files f "
                                   "ON f.id = p.file_id WHERE p.return_id = ? AND p.status = 'read' "
                                   "ORDER BY p.page, p.id", "")) ||
        !(q->items = sql_query(db, "SELECT item, kind, reason FROM review_items WHERE return_id = ? "
                                   "AND state = 'open' ORDER BY id", "")))
        return db_error(db, err, "cannot read returns");
    return OMR_OK;
}

static void queries_finalize(return_queries *q) {
    sql_finalize(q->answers);
    sql_finalize(q->texts);
    sql_finalize(q->pages);
    sql_finalize(q->items);
}

static int compare_items(const void *a, const void *b) {
    const export_open_item *x = a, *y = b;
    return x->rank < y->rank ? -1 : x->rank > y->rank;
}

/* Runs one of the per-return statements again for return `id`. */
static sql_stmt *rerun(sql_stmt *st, long long id) {
    sql_reset(st);
    sql_bind(st, "i", id);
    return st;
}

/* Fills r (id, tmpl, code, flags, web set by the caller) from the ledger. */
static int load_return(return_queries *q, export_return *r, omr_error *err) {
    const omr_template *t = r->tmpl;
    assert(t);
    r->answers = calloc(t->n_questions + 1, sizeof *r->answers);
    r->has_answer = calloc(t->n_questions + 1, sizeof *r->has_answer);
    r->answer_confirmed = calloc(t->n_questions + 1, sizeof *r->answer_confirmed);
    r->texts = calloc(t->n_text_fields + 1, sizeof *r->texts);
    r->has_text = calloc(t->n_text_fields + 1, sizeof *r->has_text);
    r->text_confirmed = calloc(t->n_text_fields + 1, sizeof *r->text_confirmed);
    r->text_pending = calloc(t->n_text_fields + 1, sizeof *r->text_pending);
    r->page_present = calloc(t->n_pages + 1, sizeof *r->page_present);
    if (!r->answers || !r->has_answer || !r->answer_confirmed || !r->texts || !r->has_text ||
        !r->text_confirmed || !r->text_pending || !r->page_present)
        return omr_fail(err, OMR_ERR_MEMORY, "out of memory");

    sql_stmt *st = rerun(q->answers, r->id);
    int step;
    while ((step = sql_step(st)) == SQL_ROW) {
        const template_question *qq = template_question_by_id(t, sql_text_or_null(st, 0));
        if (!qq)
            continue;
        size_t i = (size_t)(qq - t->questions);
        assert(i < t->n_questions);
        r->has_answer[i] = 1;
        r->answers[i] = omr_strdup(sql_text_or_null(st, 1));
        r->answer_confirmed[i] = (int)sql_int(st, 2);
    }
    if (step != SQL_DONE)
        return sql_fail(q->db, err, "cannot read returns");
    st = rerun(q->texts, r->id);
    while ((step = sql_step(st)) == SQL_ROW) {
        const char *field = sql_text_or_null(st, 0);
        for (size_t i = 0; field && i < t->n_text_fields; i++)
            if (strcmp(t->text_fields[i].id, field) == 0) {
                r->has_text[i] = 1;
                r->texts[i] = omr_strdup(sql_text_or_null(st, 1));
                r->text_pending[i] = strcmp(sql_text(st, 2), "pending_ocr") == 0;
                r->text_confirmed[i] = (int)sql_int(st, 3);
            }
    }
    if (step != SQL_DONE)
        return sql_fail(q->db, err, "cannot read returns");
    st = rerun(q->pages, r->id);
    size_t len = 0, cap = 0;
    while ((step = sql_step(st)) == SQL_ROW) {
        int page = (int)sql_int(st, 0);
        if (page >= 1 && (size_t)page <= t->n_pages)
            r->page_present[page - 1] = 1;
        char source[1200];
        int n = snprintf(source, sizeof source, "%s%s#%d", len ? ";" : "", sql_text(st, 1), (int)sql_int(st, 2));
        if (n < 0)
            continue;
        if (len + (size_t)n + 1 > cap) {
            cap = (len + (size_t)n + 1) * 2;
            char *grown = realloc(r->sources, cap);
            if (!grown)
                return omr_fail(err, OMR_ERR_MEMORY, "out of memory");
            r->sources = grown;
        }
        memcpy(r->sources + len, source, (size_t)n + 1);
        len += (size_t)n;
    }
    if (step != SQL_DONE)
        return sql_fail(q->db, err, "cannot read returns");
    st = rerun(q->items, r->id);
    while ((step = sql_step(st)) == SQL_ROW) {
        export_open_item *grown = realloc(r->items, (r->n_items + 1) * sizeof *grown);
        if (!grown)
            return omr_fail(err, OMR_ERR_MEMORY, "out of memory");
        r->items = grown;
        export_open_item *it = &r->items[r->n_items++];
        it->item = omr_strdup(sql_text(st, 0));
        it->kind = omr_strdup(sql_text(st, 1));
        it->reason = omr_strdup(sql_text(st, 2));
        it->rank = t->n_questions + t->n_text_fields + r->n_items;
        const template_question *qq = template_question_by_id(t, it->item);
        if (qq && strcmp(it->kind, "answer") == 0)
            it->rank = (size_t)(qq - t->questions);
        for (size_t i = 0; i < t->n_text_fields && strcmp(it->kind, "text") == 0; i++)
            if (strcmp(t->text_fields[i].id, it->item) == 0)
                it->rank = t->n_questions + i;
    }
    if (step != SQL_DONE)
        return sql_fail(q->db, err, "cannot read returns");
    if (r->n_items > 1)
        qsort(r->items, r->n_items, sizeof *r->items, compare_items);
    return OMR_OK;
}

int export_each_return(export_snapshot *s, const omr_template *const *templates, size_t n_templates,
                       export_return_fn fn, void *user, size_t *left_out, omr_error *err) {
    assert(s && fn && left_out);
    omr_db *db = s->db;
    return_queries q;
    int rc = queries_prepare(db, &q, err);
    sql_stmt *st = NULL;
    if (rc == OMR_OK &&
        !(st = sql_query(db,
                         "SELECT r.id, r.template, r.code, r.flags, r.mode = 'web' FROM returns r "
                         "WHERE NOT EXISTS (SELECT 1 FROM review_items ri JOIN decisions d ON d.review_item_id = ri.id "
                         "WHERE ri.return_id = r.id AND ri.kind = 'duplicate' AND ri.state = 'decided' "
                         "AND d.final_value = 'discard' AND d.id = (SELECT max(id) FROM decisions "
                         "WHERE review_item_id = ri.id)) ORDER BY r.template, r.code, r.id",
                         "")))
        rc = db_error(db, err, "cannot read returns");
    int step = SQL_DONE;
    while (rc == OMR_OK && (step = sql_step(st)) == SQL_ROW) {
        const omr_template *t = template_by_id(templates, n_templates, sql_text_or_null(st, 1));
        if (!t) {
            (*left_out)++;
            continue;
        }
        export_return r = {0};
        r.id = sql_int(st, 0);
        r.tmpl = t;
        snprintf(r.code, sizeof r.code, "%s", sql_text(st, 2));
        r.flags = omr_strdup(sql_text_or_null(st, 3));
        r.web = (int)sql_int(st, 4);
        rc = load_return(&q, &r, err);
        if (rc == OMR_OK)
            rc = fn(user, &r, err);
        return_clear(&r);
    }
    if (rc == OMR_OK && step != SQL_DONE)
        rc = db_error(db, err, "cannot read returns");
    sql_finalize(st);
    queries_finalize(&q);
    return rc;
}

/* ---- marks ------------------------------------------------------------------------- */

int export_each_read_page(export_snapshot *s, const omr_template *const *templates, size_t n_templates,
                          export_page_fn fn, void *user, omr_error *err) {
    assert(s && fn);
    omr_db *db = s->db;
    sql_stmt *pages = NULL, *marks = NULL;
    if (!(pages = sql_query(db,
                            "SELECT p.id, p.template, p.code, p.page, f.original_name, p.file_page, p.return_id "
                            "FROM pages p JOIN scan_files f ON f.id = p.file_id WHERE p.status = 'read' ORDER BY p.id",
                            "")) ||
        !(marks = sql_query(db,
                            "SELECT m.question, m.value, m.decision, m.fill, m.extent, m.near_mm2, m.confidence, "
                            "ifnull(m.shift_mm, 0), a.question IS NOT NULL, ifnull(a.value, ''), "
                            "a.status = 'review' AND a.confirmed_by IS NULL "
                            "FROM marks m LEFT JOIN answers a ON a.return_id = ? AND a.question = m.question "
                            "WHERE m.page_id = ?", ""))) {
        sql_finalize(pages);
        return db_error(db, err, "cannot read marks");
    }
    export_mark *rows = NULL;
    size_t cap = 0;
    int rc = OMR_OK, step = SQL_DONE;
    while (rc == OMR_OK && (step = sql_step(pages)) == SQL_ROW) {
        const omr_template *t = template_by_id(templates, n_templates, sql_text_or_null(pages, 1));
        if (!t)
            continue;
        size_t n = 0;
        sql_reset(marks);
        sql_bind(marks, "ii", sql_int(pages, 6), sql_int(pages, 0));
        int mark_step;
        while ((mark_step = sql_step(marks)) == SQL_ROW) {
            if (n == cap) {
                size_t grown_cap = cap ? cap * 2 : 128;
                export_mark *grown = realloc(rows, grown_cap * sizeof *rows);
                if (!grown) {
                    rc = omr_fail(err, OMR_ERR_MEMORY, "out of memory");
                    break;
                }
                rows = grown;
                cap = grown_cap;
            }
            export_mark *m = &rows[n++];
            snprintf(m->question, sizeof m->question, "%s", sql_text(marks, 0));
            snprintf(m->value, sizeof m->value, "%s", sql_text(marks, 1));
            snprintf(m->decision, sizeof m->decision, "%s", sql_text(marks, 2));
            m->fill = sql_double(marks, 3);
            m->extent = sql_double(marks, 4);
            m->near = sql_double(marks, 5);
            m->confidence = sql_double(marks, 6);
            m->shift = sql_double(marks, 7);
            m->has_answer = sql_int(marks, 8) != 0;
            snprintf(m->answer, sizeof m->answer, "%s", sql_text(marks, 9));
            m->in_review = sql_int(marks, 10) != 0;
        }
        if (rc == OMR_OK && mark_step != SQL_DONE)
            rc = sql_fail(db, err, "cannot read marks");
        if (rc != OMR_OK)
            break;
        export_page p = {.tmpl = t,
                         .code = sql_text_or_null(pages, 2),
                         .page = (int)sql_int(pages, 3),
                         .file = sql_text_or_null(pages, 4),
                         .file_page = (int)sql_int(pages, 5),
                         .return_id = sql_int(pages, 6),
                         .marks = rows,
                         .n_marks = n};
        fn(user, &p);
    }
    free(rows);
    sql_finalize(pages);
    sql_finalize(marks);
    if (rc == OMR_OK && step != SQL_DONE)
        return db_error(db, err, "cannot read marks");
    return rc;
}

/* ---- rejects ----------------------------------------------------------------------- */

int export_each_reject(export_snapshot *s, export_reject_fn fn, void *user, omr_error *err) {
    assert(s && fn);
    omr_db *db = s->db;
    sql_stmt *st = sql_query(db,
                                 "SELECT f.id, f.original_name, p.file_page, p.status, p.reason FROM scan_files f "
                                 "JOIN pages p ON p.file_id = f.id WHERE p.status IN ('blank', 'rejected') "
                                 "UNION ALL SELECT f.id, f.original_name, 0, 'file', f.error FROM scan_files f "
                                 "WHERE f.state = 'rejected' "
                                 "AND NOT EXISTS (SELECT 1 FROM pages p WHERE p.file_id = f.id) "
                                 "ORDER BY 1, 3", "");
    if (!st)
        return db_error(db, err, "cannot read rejects");
    int step;
    while ((step = sql_step(st)) == SQL_ROW) {
        const char *status = sql_text_or_null(st, 3);
        export_reject r = {.file = sql_text_or_null(st, 1),
                           .file_page = (int)sql_int(st, 2),
                           .blank = status && strcmp(status, "blank") == 0,
                           .reason = sql_text_or_null(st, 4)};
        fn(user, &r);
    }
    sql_finalize(st);
    if (step != SQL_DONE)
        return db_error(db, err, "cannot read rejects");
    return OMR_OK;
}

int export_each_duplicate(export_snapshot *s, export_duplicate_fn fn, void *user, omr_error *err) {
    assert(s && fn);
    omr_db *db = s->db;
    sql_stmt *st = sql_query(db,
                                 "SELECT d.name, f.original_name, f.received_at FROM duplicate_files d "
                                 "JOIN scan_files f ON f.id = d.file_id ORDER BY d.id", "");
    if (!st)
        return db_error(db, err, "cannot read duplicate files");
    int step;
    while ((step = sql_step(st)) == SQL_ROW) {
        export_duplicate d = {.name = sql_text_or_null(st, 0),
                              .first_name = sql_text(st, 1),
                              .first_received_at = sql_text(st, 2)};
        fn(user, &d);
    }
    sql_finalize(st);
    if (step != SQL_DONE)
        return db_error(db, err, "cannot read duplicate files");
    return OMR_OK;
}
