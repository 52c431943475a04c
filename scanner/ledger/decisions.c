/*
 * decisions.c — an operator's decision written through to the ledger: the
 * `decisions` row with its review_decision_log row (outcome, what it
 * replaced, undone or not), the answer or text it confirms, a hand-matched
 * page joined to its return (returns.c, the same rule as scanned pages), and
 * undo, which restores what the log kept and keeps the undo as a decision of
 * its own. The review room (review.c) checks choices against templates and
 * hands over plain values; it never sees a statement.
 */
#include "ledger/decisions.h"

#include <assert.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledger/returns.h"
#include "ledger/sql.h"
#include "ledger/store.h"

int decisions_record(omr_db *db, int64_t item, const char *op, const char *now, const char *machine,
                     const char *final, const char *outcome, const char *prev_value, const char *prev_status,
                     const char *prev_by, const char *prev_at, omr_error *err) {
    assert(sql_in_transaction(db));
    assert(item > 0);
    if (sql_run(db, err, "recording the decision",
                "INSERT INTO decisions(review_item_id, operator, decided_at, machine_value, final_value) "
                "VALUES (?, ?, ?, ?, ?)",
                "ittt" "t", (long long)item, op, now, machine, final) != OMR_OK)
        return OMR_ERR_IO;
    long long decision = sql_last_id(db);
    return sql_run(db, err, "recording the decision",
                   "INSERT INTO review_decision_log(decision_id, outcome, prev_value, prev_status, "
                   "prev_confirmed_by, prev_confirmed_at) VALUES (?, ?, ?, ?, ?, ?)",
                   "itttt" "t", decision, outcome, prev_value, prev_status, prev_by, prev_at);
}

int decisions_confirm(omr_db *db, int64_t item, const queue_item *r, const char *op, const char *now,
                      const char *final, const char *outcome, omr_error *err) {
    assert(sql_in_transaction(db));
    assert(r->has_return && r->return_id > 0);
    int text = strcmp(r->kind, "text") == 0;
    assert(text || strcmp(r->kind, "answer") == 0);
    /* what the answer or text held before */
    char *prev_value = NULL, *prev_status = NULL, *prev_by = NULL, *prev_at = NULL, *machine = NULL;
    int have = 0;
    sql_stmt *st = text ? sql_query(db,
                                        "SELECT text, status, confirmed_by, confirmed_at, machine_text FROM texts "
                                        "WHERE return_id = ? AND field = ?",
                                        "it", (long long)r->return_id, r->item)
                            : sql_query(db,
                                        "SELECT value, status, confirmed_by, confirmed_at, machine_value FROM answers "
                                        "WHERE return_id = ? AND question = ?",
                                        "it", (long long)r->return_id, r->item);
    if (!st)
        return sql_fail(db, err, text ? "reading the text" : "reading the answer");
    if (sql_step(st) == SQL_ROW) {
        have = 1;
        prev_value = sql_dup(st, 0);
        prev_status = sql_dup(st, 1);
        prev_by = sql_dup(st, 2);
        prev_at = sql_dup(st, 3);
        machine = sql_dup(st, 4);
    }
    sql_finalize(st);
    int rc;
    if (text && have)
        rc = sql_run(db, err, "writing the text",
                     "UPDATE texts SET text = ?, status = 'ok', confirmed_by = ?, confirmed_at = ? "
                     "WHERE return_id = ? AND field = ?",
                     "tttit", final, op, now, (long long)r->return_id, r->item);
    else if (text)
        rc = sql_run(db, err, "writing the text",
                     "INSERT INTO texts(return_id, field, text, status, confirmed_by, confirmed_at) "
                     "VALUES (?, ?, ?, 'ok', ?, ?)",
                     "ittt" "t", (long long)r->return_id, r->item, final, op, now);
    else if (have)
        rc = sql_run(db, err, "writing the answer",
                     "UPDATE answers SET value = ?, status = 'ok', confirmed_by = ?, confirmed_at = ? "
                     "WHERE return_id = ? AND question = ?",
                     "tttit", final, op, now, (long long)r->return_id, r->item);
    else
        rc = sql_run(db, err, "writing the answer",
                     "INSERT INTO answers(return_id, question, value, status, reason, confirmed_by, confirmed_at) "
                     "VALUES (?, ?, ?, 'ok', ?, ?, ?)",
                     "itttt" "t", (long long)r->return_id, r->item, final, r->reason, op, now);
    if (rc == OMR_OK)
        rc = decisions_record(db, item, op, now, machine, final, outcome, prev_value, have ? prev_status : NULL,
                              prev_by, prev_at, err);
    free(prev_value);
    free(prev_status);
    free(prev_by);
    free(prev_at);
    free(machine);
    return rc;
}

int decisions_match(omr_db *db, int64_t item, const queue_item *r, const queue_page *before,
                    const char *template_id, const char *code, int page, const char *const *questions,
                    size_t n_questions, const char *const *fields, size_t n_fields, const char *op,
                    const char *now, omr_error *err) {
    assert(sql_in_transaction(db));
    assert(r->has_page && r->page_id > 0);
    assert(page >= 1);
    json_t *prev = json_object();
    json_t *created = json_array();
    /* the return by the ledger's rule: the oldest paper return of this code
     * that lacks this page, else a new one */
    returns_match m;
    int rc = returns_find_or_start(db, template_id, code, page, now, "matched_by_hand", &m, err);
    int64_t ret = m.return_id;
    if (rc == OMR_OK && m.created && m.duplicate_of > 0) {
        rc = sql_run(db, err, "flagging the duplicate",
                     "INSERT INTO review_items(return_id, item, kind, reason, created_at) "
                     "VALUES (?, ?, 'duplicate', ?, ?)",
                     "ittt", (long long)ret, code, "a second return of this code, matched by hand", now);
        if (rc == OMR_OK)
            json_array_append_new(created, json_integer(sql_last_id(db)));
    }
    char why[256];
    snprintf(why, sizeof why, QUEUE_MATCHED_REASON " page %d, by %s; read it from the page image", page, op);
    if (rc == OMR_OK)
        rc = sql_run(db, err, "matching the page",
                     "UPDATE pages SET template = ?, code = ?, page = ?, return_id = ?, status = 'read', reason = ? "
                     "WHERE id = ?",
                     "ttiiti", template_id, code, (long long)page, (long long)ret, why, (long long)r->page_id);
    /* every question and text field of the page, to key in by hand */
    for (size_t i = 0; rc == OMR_OK && i < n_questions; i++) {
        rc = sql_run(db, err, "adding the page's answers",
                     "INSERT OR IGNORE INTO answers(return_id, question, status, reason) VALUES (?, ?, 'review', ?)",
                     "itt", (long long)ret, questions[i], why);
        if (rc == OMR_OK)
            rc = sql_run(db, err, "adding the page's answers",
                         "INSERT INTO review_items(return_id, page_id, item, kind, reason, created_at) "
                         "VALUES (?, ?, ?, 'answer', ?, ?)",
                         "iittt", (long long)ret, (long long)r->page_id, questions[i], why, now);
        if (rc == OMR_OK)
            json_array_append_new(created, json_integer(sql_last_id(db)));
    }
    for (size_t i = 0; rc == OMR_OK && i < n_fields; i++) {
        rc = sql_run(db, err, "adding the page's comments",
                     "INSERT OR IGNORE INTO texts(return_id, field, status) VALUES (?, ?, 'review')", "it",
                     (long long)ret, fields[i]);
        if (rc == OMR_OK)
            rc = sql_run(db, err, "adding the page's comments",
                         "INSERT INTO review_items(return_id, page_id, item, kind, reason, created_at) "
                         "VALUES (?, ?, ?, 'text', ?, ?)",
                         "iittt", (long long)ret, (long long)r->page_id, fields[i], why, now);
        if (rc == OMR_OK)
            json_array_append_new(created, json_integer(sql_last_id(db)));
    }
    char *prev_json = NULL;
    if (rc == OMR_OK) {
        json_object_set_new(prev, "template", before->template_id ? json_string(before->template_id) : json_null());
        json_object_set_new(prev, "code", before->code ? json_string(before->code) : json_null());
        json_object_set_new(prev, "page", before->has_page ? json_integer(before->page) : json_null());
        json_object_set_new(prev, "return_id", before->has_return ? json_integer(before->return_id) : json_null());
        json_object_set_new(prev, "status", json_string(before->status ? before->status : "rejected"));
        json_object_set_new(prev, "reason", before->reason ? json_string(before->reason) : json_null());
        json_object_set_new(prev, "new_return", m.created ? json_integer(ret) : json_null());
        json_object_set(prev, "items", created);
        prev_json = json_dumps(prev, JSON_COMPACT);
        char final[256];
        snprintf(final, sizeof final, "%s:%s:%d", template_id, code, page);
        rc = prev_json ? decisions_record(db, item, op, now, NULL, final, "match", prev_json, NULL, NULL, NULL, err)
                       : omr_fail(err, OMR_ERR_MEMORY, "out of memory");
    }
    free(prev_json);
    json_decref(prev);
    json_decref(created);
    return rc;
}

static int undo_match(omr_db *db, const queue_item *r, const char *prev_json, omr_error *err) {
    json_error_t jerr;
    json_t *prev = json_loads(prev_json ? prev_json : "{}", 0, &jerr);
    if (!prev)
        return omr_fail(err, OMR_ERR_INVALID, "the match cannot be undone (its record is damaged)");
    json_t *items = json_object_get(prev, "items");
    size_t i;
    json_t *v;
    int rc = OMR_OK;
    json_array_foreach(items, i, v) {
        sql_stmt *st = sql_query(db, "SELECT state FROM review_items WHERE id = ?", "i",
                                   (long long)json_integer_value(v));
        if (st && sql_step(st) == SQL_ROW && strcmp(sql_text(st, 0), "open") != 0)
            rc = omr_fail(err, QUEUE_ERR_CONFLICT,
                          "the page's answers are already being decided; the match cannot be undone");
        sql_finalize(st);
    }
    json_t *page = json_object_get(prev, "page"), *ret = json_object_get(prev, "return_id"),
           *new_ret = json_object_get(prev, "new_return");
    int64_t matched_return = 0;
    sql_stmt *st = sql_query(db, "SELECT return_id FROM pages WHERE id = ?", "i", (long long)r->page_id);
    if (st && sql_step(st) == SQL_ROW)
        matched_return = sql_int(st, 0);
    sql_finalize(st);
    json_array_foreach(items, i, v) {
        if (rc != OMR_OK)
            break;
        int64_t item = (int64_t)json_integer_value(v);
        char *kind = NULL, *name = NULL;
        st = sql_query(db, "SELECT kind, item FROM review_items WHERE id = ?", "i", (long long)item);
        if (st && sql_step(st) == SQL_ROW) {
            kind = sql_dup(st, 0);
            name = sql_dup(st, 1);
        }
        sql_finalize(st);
        if (kind && strcmp(kind, "answer") == 0)
            rc = sql_run(db, err, "undoing the match",
                     "DELETE FROM answers WHERE return_id = ? AND question = ? AND confirmed_by IS NULL", "it",
                     (long long)matched_return, name);
        else if (kind && strcmp(kind, "text") == 0)
            rc = sql_run(db, err, "undoing the match",
                     "DELETE FROM texts WHERE return_id = ? AND field = ? AND confirmed_by IS NULL", "it",
                     (long long)matched_return, name);
        if (rc == OMR_OK)
            rc = sql_run(db, err, "undoing the match", "DELETE FROM review_items WHERE id = ?", "i", (long long)item);
        free(kind);
        free(name);
    }
    if (rc == OMR_OK) {
        /* page and return_id as they were, NULL included */
        const char *text[4] = {json_string_value(json_object_get(prev, "template")),
                               json_string_value(json_object_get(prev, "code")),
                               json_string_value(json_object_get(prev, "status")),
                               json_string_value(json_object_get(prev, "reason"))};
        if (!text[2])
            text[2] = "rejected";
        rc = sql_run(db, err, "undoing the match",
                     "UPDATE pages SET template = ?1, code = ?2, status = ?3, reason = ?4, page = NULL, "
                     "return_id = NULL WHERE id = ?5",
                     "tttti", text[0], text[1], text[2], text[3], (long long)r->page_id);
        if (rc == OMR_OK && json_is_integer(page))
            rc = sql_run(db, err, "undoing the match", "UPDATE pages SET page = ? WHERE id = ?", "ii",
                         (long long)json_integer_value(page), (long long)r->page_id);
        if (rc == OMR_OK && json_is_integer(ret))
            rc = sql_run(db, err, "undoing the match", "UPDATE pages SET return_id = ? WHERE id = ?", "ii",
                         (long long)json_integer_value(ret), (long long)r->page_id);
    }
    if (rc == OMR_OK && json_is_integer(new_ret)) {
        int64_t nr = (int64_t)json_integer_value(new_ret);
        int used = 0;
        st = sql_query(db,
                     "SELECT (SELECT count(*) FROM pages WHERE return_id = ?1) + "
                     "(SELECT count(*) FROM answers WHERE return_id = ?1) + "
                     "(SELECT count(*) FROM texts WHERE return_id = ?1) + "
                     "(SELECT count(*) FROM review_items WHERE return_id = ?1)",
                     "i", (long long)nr);
        if (st && sql_step(st) == SQL_ROW)
            used = (int)sql_int(st, 0);
        sql_finalize(st);
        if (!used)
            rc = sql_run(db, err, "undoing the match", "DELETE FROM returns WHERE id = ?", "i", (long long)nr);
    }
    json_decref(prev);
    return rc;
}


int decisions_undo(omr_db *db, const char *op, const char *now_s, const char *until_s, int64_t *item,
                   omr_error *err) {
    *item = 0;
    if (store_begin(db, err) != OMR_OK)
        return OMR_ERR_IO;
    sql_stmt *st = sql_query(db,
                               "SELECT d.id, d.review_item_id, l.outcome, l.prev_value, l.prev_status, "
                               "l.prev_confirmed_by, l.prev_confirmed_at FROM decisions d "
                               "JOIN review_decision_log l ON l.decision_id = d.id "
                               "WHERE d.operator = ? AND l.undone_at IS NULL ORDER BY d.id DESC LIMIT 1",
                               "t", op);
    if (!st) {
        sql_fail(db, err, "finding the last decision");
        store_rollback(db);
        return OMR_ERR_IO;
    }
    if (sql_step(st) != SQL_ROW) {
        sql_finalize(st);
        store_rollback(db);
        return OMR_OK; /* nothing to undo */
    }
    int64_t decision = sql_int(st, 0), id = sql_int(st, 1);
    char *outcome = sql_dup(st, 2), *prev_value = sql_dup(st, 3), *prev_status = sql_dup(st, 4),
         *prev_by = sql_dup(st, 5), *prev_at = sql_dup(st, 6);
    sql_finalize(st);
    queue_item r;
    int rc = queue_item_get(db, id, &r, err);
    /* a later decision on the same item (after someone else's undo) wins */
    if (rc == OMR_OK) {
        st = sql_query(db,
                     "SELECT count(*) FROM decisions d JOIN review_decision_log l ON l.decision_id = d.id "
                     "WHERE d.review_item_id = ? AND d.id > ? AND l.undone_at IS NULL",
                     "ii", id, decision);
        if (st && sql_step(st) == SQL_ROW && (int)sql_int(st, 0) > 0)
            rc = omr_fail(err, QUEUE_ERR_CONFLICT, "item %lld was decided again since; it cannot be undone",
                          (long long)id);
        sql_finalize(st);
    }
    if (rc == OMR_OK && strcmp(r.state, "decided") != 0)
        rc = omr_fail(err, QUEUE_ERR_CONFLICT, "item %lld is open again already", (long long)id);
    if (rc == OMR_OK) {
        if (strcmp(r.kind, "answer") == 0) {
            if (prev_status)
                rc = sql_run(db, err, "restoring the answer",
                         "UPDATE answers SET value = ?, status = ?, confirmed_by = ?, confirmed_at = ? "
                         "WHERE return_id = ? AND question = ?",
                         "ttttit", prev_value, prev_status, prev_by, prev_at, r.return_id, r.item);
            else
                rc = sql_run(db, err, "restoring the answer", "DELETE FROM answers WHERE return_id = ? AND question = ?",
                         "it", r.return_id, r.item);
        } else if (strcmp(r.kind, "text") == 0) {
            if (prev_status)
                rc = sql_run(db, err, "restoring the text",
                         "UPDATE texts SET text = ?, status = ?, confirmed_by = ?, confirmed_at = ? "
                         "WHERE return_id = ? AND field = ?",
                         "ttttit", prev_value, prev_status, prev_by, prev_at, r.return_id, r.item);
            else
                rc = sql_run(db, err, "restoring the text", "DELETE FROM texts WHERE return_id = ? AND field = ?", "it",
                         r.return_id, r.item);
        } else if (strcmp(r.kind, "unmatched_page") == 0 && outcome && strcmp(outcome, "match") == 0) {
            rc = undo_match(db, &r, prev_value, err);
        }
    }
    /* the undo is itself kept as a decision: its final value is what the
     * item holds again, so a reader of `decisions` that takes each item's
     * latest row sees the undone value no more */
    if (rc == OMR_OK)
        rc = sql_run(db, err, "recording the undo",
                 "INSERT INTO decisions(review_item_id, operator, decided_at, machine_value, final_value) "
                 "SELECT review_item_id, ?, ?, machine_value, ? FROM decisions WHERE id = ?",
                 "ttti", op, now_s, strcmp(r.kind, "answer") == 0 || strcmp(r.kind, "text") == 0 ? prev_value : NULL,
                 decision);
    if (rc == OMR_OK)
        rc = sql_run(db, err, "recording the undo",
                 "INSERT INTO review_decision_log(decision_id, outcome, undone_at, undone_by) "
                 "VALUES (last_insert_rowid(), 'undo', ?, ?)",
                 "tt", now_s, op);
    if (rc == OMR_OK)
        rc = sql_run(db, err, "marking the decision undone",
                 "UPDATE review_decision_log SET undone_at = ?, undone_by = ? WHERE decision_id = ?", "tti", now_s, op,
                 decision);
    if (rc == OMR_OK)
        rc = sql_run(db, err, "releasing leases",
                 "UPDATE review_items SET lease_owner = NULL, lease_until = NULL WHERE lease_owner = ?", "t", op);
    if (rc == OMR_OK)
        rc = sql_run(db, err, "reopening the item",
                 "UPDATE review_items SET state = 'open', lease_owner = ?, lease_until = ? WHERE id = ?", "tti", op,
                 until_s, id);
    queue_item_clear(&r);
    free(outcome);
    free(prev_value);
    free(prev_status);
    free(prev_by);
    free(prev_at);
    if (rc != OMR_OK) {
        store_rollback(db);
        return rc;
    }
    rc = store_commit(db, err);
    if (rc == OMR_OK)
        *item = id;
    return rc;
}

