/*
 * queue.c — review_items in the ledger: adding and dropping items as the
 * machine's decisions change (store.c), leasing them to operators (one
 * IMMEDIATE transaction, so two operators never hold the same item), and the
 * reads the review page and its pictures need, handed on as jansson objects
 * and small structs. The review room (review/) never sees a statement.
 */
#include "ledger/queue.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledger/sql.h"

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

int queue_open(omr_db *db, omr_error *err) { return sql_exec_schema(db, review_schema, err); }

int queue_item_ensure(omr_db *db, long long return_id, const char *kind, const char *item, const char *reason,
                      omr_error *err) {
    assert(return_id > 0);
    char now[32];
    sql_now(now);
    return sql_run(db, err, "cannot add a review item",
                   "INSERT INTO review_items(return_id, item, kind, reason, created_at) SELECT ?1, ?2, ?3, ?4, ?5 "
                   "WHERE NOT EXISTS (SELECT 1 FROM review_items WHERE return_id = ?1 AND kind = ?3 AND item = ?2)",
                   "ittt" "t", return_id, item, kind, reason, now);
}

int queue_item_drop(omr_db *db, long long return_id, const char *kind, const char *item, omr_error *err) {
    assert(return_id > 0);
    return sql_run(db, err, "cannot remove a review item",
                   "DELETE FROM review_items WHERE return_id = ? AND kind = ? AND item = ? AND state = 'open' "
                   "AND lease_owner IS NULL AND id NOT IN (SELECT review_item_id FROM decisions)",
                   "itt", return_id, kind, item);
}

int queue_lease_next(omr_db *db, const char *op, const char *now_s, const char *until_s, const int64_t *skip,
                     size_t n_skip, int64_t *item, omr_error *err) {
    *item = 0;
    /* the skip list is numbers only, so it is written into the SQL */
    static const char head[] = "SELECT r.id FROM review_items r "
                               "WHERE r.state = 'open' AND r.id NOT IN (0";
    static const char tail[] =
        ") "
        "  AND (r.lease_owner IS NULL OR r.lease_until IS NULL OR r.lease_until <= ?1 OR r.lease_owner = ?2) "
        "ORDER BY (r.lease_owner IS ?2 AND r.lease_until > ?1) DESC, "
        "  COALESCE((SELECT min(f.received_at) FROM pages p JOIN scan_files f ON f.id = p.file_id "
        "            WHERE p.return_id = r.return_id), "
        "           (SELECT f.received_at FROM pages p JOIN scan_files f ON f.id = p.file_id "
        "            WHERE p.id = r.page_id), r.created_at), "
        "  r.return_id, r.id LIMIT 1";
    size_t cap = sizeof head + sizeof tail + n_skip * 24;
    char *sql = malloc(cap);
    if (!sql)
        return omr_fail(err, OMR_ERR_MEMORY, "out of memory");
    size_t len = (size_t)snprintf(sql, cap, "%s", head);
    for (size_t i = 0; i < n_skip && i < 1000; i++)
        len += (size_t)snprintf(sql + len, cap - len, ",%lld", (long long)skip[i]);
    snprintf(sql + len, cap - len, "%s", tail);
    if (sql_begin(db, err) != OMR_OK) {
        free(sql);
        return OMR_ERR_IO;
    }
    sql_stmt *st = sql_query(db, sql, "tt", now_s, op);
    free(sql);
    if (!st) {
        sql_fail(db, err, "finding the next item");
        sql_rollback(db);
        return OMR_ERR_IO;
    }
    int64_t id = 0;
    int rc = sql_step(st);
    if (rc == SQL_ROW)
        id = sql_int(st, 0);
    sql_finalize(st);
    if (rc == SQL_ERROR) {
        sql_fail(db, err, "finding the next item");
        sql_rollback(db);
        return OMR_ERR_IO;
    }
    if (sql_run(db, err, "releasing leases",
            "UPDATE review_items SET lease_owner = NULL, lease_until = NULL "
            "WHERE lease_owner = ?1 AND id <> ?2",
            "ti", op, (long long)id) != OMR_OK ||
        (id && sql_run(db, err, "leasing the item",
                   "UPDATE review_items SET lease_owner = ?1, lease_until = ?2 WHERE id = ?3", "tti", op,
                   until_s, (long long)id) != OMR_OK)) {
        sql_rollback(db);
        return OMR_ERR_IO;
    }
    if (sql_commit(db, err) != OMR_OK) {
        sql_rollback(db);
        return OMR_ERR_IO;
    }
    *item = id;
    return OMR_OK;
}

void queue_item_clear(queue_item *r) {
    free(r->kind);
    free(r->item);
    free(r->state);
    free(r->lease_owner);
    free(r->lease_until);
    free(r->reason);
    memset(r, 0, sizeof *r);
}

int queue_item_get(omr_db *db, int64_t id, queue_item *r, omr_error *err) {
    memset(r, 0, sizeof *r);
    sql_stmt *st = sql_query(db,
                               "SELECT kind, item, state, lease_owner, lease_until, return_id, page_id, reason "
                               "FROM review_items WHERE id = ?",
                               "i", (long long)id);
    if (!st)
        return sql_fail(db, err, "reading the item");
    int rc = sql_step(st);
    if (rc == SQL_ROW) {
        r->found = 1;
        r->kind = sql_dup(st, 0);
        r->item = sql_dup(st, 1);
        r->state = sql_dup(st, 2);
        r->lease_owner = sql_dup(st, 3);
        r->lease_until = sql_dup(st, 4);
        r->has_return = !sql_is_null(st, 5);
        r->return_id = sql_int(st, 5);
        r->has_page = !sql_is_null(st, 6);
        r->page_id = sql_int(st, 6);
        r->reason = sql_dup(st, 7);
    }
    sql_finalize(st);
    if (rc == SQL_ERROR)
        return sql_fail(db, err, "reading the item");
    if (!r->found)
        return omr_fail(err, OMR_ERR_NOT_FOUND, "there is no review item %lld", (long long)id);
    return OMR_OK;
}

/* Someone else holds a lease on the row that has not run out. */


int queue_leased_to_other(const queue_item *r, const char *op, const char *now_s) {
    return r->lease_owner && !(op && strcmp(r->lease_owner, op) == 0) && r->lease_until &&
           strcmp(r->lease_until, now_s) > 0;
}

int queue_lease_set(omr_db *db, int64_t id, const char *op, const char *until, omr_error *err) {
    assert(id > 0);
    return sql_run(db, err, "renewing the lease",
                   "UPDATE review_items SET lease_owner = ?1, lease_until = ?2 WHERE id = ?3", "tti", op, until,
                   (long long)id);
}

int queue_lease_release(omr_db *db, int64_t id, const char *op, omr_error *err) {
    return sql_run(db, err, "releasing the item",
                   "UPDATE review_items SET lease_owner = NULL, lease_until = NULL WHERE id = ?1 AND lease_owner = ?2",
                   "it", (long long)id, op);
}

int queue_lease_release_all(omr_db *db, const char *op, omr_error *err) {
    return sql_run(db, err, "releasing leases",
                   "UPDATE review_items SET lease_owner = NULL, lease_until = NULL WHERE lease_owner = ?", "t", op);
}

int queue_item_close(omr_db *db, int64_t id, omr_error *err) {
    assert(sql_in_transaction(db));
    assert(id > 0);
    return sql_run(db, err, "closing the item",
                   "UPDATE review_items SET state = 'decided', lease_owner = NULL, lease_until = NULL WHERE id = ?",
                   "i", (long long)id);
}

int queue_item_reopen(omr_db *db, int64_t id, const char *op, const char *until, omr_error *err) {
    assert(sql_in_transaction(db));
    return sql_run(db, err, "reopening the item",
                   "UPDATE review_items SET state = 'open', lease_owner = ?, lease_until = ? WHERE id = ?", "tti", op,
                   until, (long long)id);
}

int queue_page_get(omr_db *db, int64_t page_id, queue_page *out, omr_error *err) {
    memset(out, 0, sizeof *out);
    sql_stmt *st = sql_query(db, "SELECT template, code, page, return_id, status, reason FROM pages WHERE id = ?",
                                 "i", (long long)page_id);
    if (!st)
        return sql_fail(db, err, "reading the page");
    if (sql_step(st) != SQL_ROW) {
        sql_finalize(st);
        return omr_fail(err, OMR_ERR_NOT_FOUND, "page %lld is not in the ledger", (long long)page_id);
    }
    out->template_id = sql_dup(st, 0);
    out->code = sql_dup(st, 1);
    out->has_page = !sql_is_null(st, 2);
    out->page = (int)sql_int(st, 2);
    out->has_return = !sql_is_null(st, 3);
    out->return_id = sql_int(st, 3);
    out->status = sql_dup(st, 4);
    out->reason = sql_dup(st, 5);
    sql_finalize(st);
    return OMR_OK;
}

void queue_page_clear(queue_page *p) {
    free(p->template_id);
    free(p->code);
    free(p->status);
    free(p->reason);
    memset(p, 0, sizeof *p);
}

/* Sets o[names[i]] from the first row's columns. */
static void set_row(json_t *o, sql_stmt *st, const char *const *names, int n) {
    if (st && sql_step(st) == SQL_ROW)
        for (int c = 0; c < n; c++)
            json_object_set_new(o, names[c], sql_json(st, c));
    sql_finalize(st);
}

int queue_view_mark(omr_db *db, int64_t return_id, const char *question, const char *value, json_t *o,
                    omr_error *err) {
    (void)err;
    static const char *const names[] = {"fill", "decision", "confidence"};
    set_row(o,
            sql_query(db,
                      "SELECT m.fill, m.decision, m.confidence FROM marks m JOIN pages p ON p.id = m.page_id "
                      "WHERE p.return_id = ? AND m.question = ? AND m.value = ? ORDER BY p.id LIMIT 1",
                      "itt", (long long)return_id, question, value),
            names, 3);
    return OMR_OK;
}

char queue_mark_state(omr_db *db, int64_t return_id, const char *question, const char *value) {
    char state = 0;
    sql_stmt *st = sql_query(db,
                                 "SELECT m.decision FROM marks m JOIN pages p ON p.id = m.page_id "
                                 "WHERE p.return_id = ? AND m.question = ? AND m.value = ? ORDER BY p.id LIMIT 1",
                                 "itt", (long long)return_id, question, value);
    if (st && sql_step(st) == SQL_ROW && sql_text_or_null(st, 0))
        state = sql_text(st, 0)[0];
    sql_finalize(st);
    return state;
}

int queue_view_answer(omr_db *db, int64_t return_id, const char *question, json_t *o, omr_error *err) {
    (void)err;
    static const char *const names[] = {"value", "machine_value", "answer_status", "answer_reason",
                                        "confidence", "confirmed_by", "confirmed_at"};
    set_row(o,
            sql_query(db,
                      "SELECT value, machine_value, status, reason, confidence, confirmed_by, "
                      "confirmed_at FROM answers WHERE return_id = ? AND question = ?",
                      "it", (long long)return_id, question),
            names, 7);
    return OMR_OK;
}

int queue_view_text(omr_db *db, int64_t return_id, const char *field, json_t *o, omr_error *err) {
    (void)err;
    static const char *const names[] = {"text", "machine_text", "confidence", "text_status",
                                        "confirmed_by", "confirmed_at", "has_crop"};
    set_row(o,
            sql_query(db,
                      "SELECT text, machine_text, confidence, status, confirmed_by, confirmed_at, "
                      "crop_path IS NOT NULL FROM texts WHERE return_id = ? AND field = ?",
                      "it", (long long)return_id, field),
            names, 7);
    return OMR_OK;
}

int queue_view_duplicate(omr_db *db, int64_t return_id, json_t *o, omr_error *err) {
    (void)err;
    static const char *const names[] = {"duplicate_of", "first_received", "received", "flags"};
    set_row(o,
            sql_query(db,
                      "SELECT r.duplicate_of, d.created_at, r.created_at, r.flags FROM returns r "
                      "LEFT JOIN returns d ON d.id = r.duplicate_of WHERE r.id = ?",
                      "i", (long long)return_id),
            names, 4);
    return OMR_OK;
}

int queue_view_page(omr_db *db, int64_t page_id, json_t *o, omr_error *err) {
    (void)err;
    static const char *const names[] = {"page_reason", "template", "page", "file_page", "file", "received"};
    set_row(o,
            sql_query(db,
                      "SELECT p.reason, p.template, p.page, p.file_page, f.original_name, f.received_at "
                      "FROM pages p JOIN scan_files f ON f.id = p.file_id WHERE p.id = ?",
                      "i", (long long)page_id),
            names, 6);
    return OMR_OK;
}

json_t *queue_templates_in_use(omr_db *db) {
    json_t *ids = json_array();
    sql_stmt *st = sql_query(db, "SELECT DISTINCT template FROM returns ORDER BY template", "");
    while (st && sql_step(st) == SQL_ROW)
        if (sql_text_or_null(st, 0))
            json_array_append_new(ids, json_string(sql_text(st, 0)));
    sql_finalize(st);
    return ids;
}

long long queue_count_open(omr_db *db) {
    long long n = -1;
    if (sql_int_query(db, &n, -1, NULL, "counting items", "SELECT count(*) FROM review_items WHERE state = 'open'",
                      "") != OMR_OK)
        return -1;
    return n;
}

void queue_count_flagged_returns(omr_db *db, const char *since, long long *duplicates, long long *not_in_frame) {
    *duplicates = *not_in_frame = -1;
    sql_stmt *st = sql_query(db,
                             "SELECT count(*) FILTER (WHERE duplicate_of IS NOT NULL), "
                             "count(*) FILTER (WHERE ' ' || ifnull(flags, '') || ' ' LIKE '% not_in_frame %') "
                             "FROM returns WHERE created_at >= ifnull(?, '')",
                             "t", since);
    if (st && sql_step(st) == SQL_ROW) {
        *duplicates = sql_int(st, 0);
        *not_in_frame = sql_int(st, 1);
    }
    sql_finalize(st);
}

char *queue_text_crop(omr_db *db, int64_t return_id, const char *field) {
    char *crop = NULL;
    sql_stmt *st = sql_query(db, "SELECT crop_path FROM texts WHERE return_id = ? AND field = ?", "it",
                                 (long long)return_id, field);
    if (st && sql_step(st) == SQL_ROW)
        crop = sql_dup(st, 0);
    sql_finalize(st);
    return crop;
}

void queue_page_source_clear(queue_page_source *src) {
    free(src->stored_path);
    free(src->transform);
    memset(src, 0, sizeof *src);
}

#define PAGE_COLUMNS "SELECT f.stored_path, p.file_page, p.transform FROM pages p JOIN scan_files f ON f.id = p.file_id "

static int page_source(sql_stmt *st, queue_page_source *out) {
    int found = 0;
    memset(out, 0, sizeof *out);
    if (st && sql_step(st) == SQL_ROW && sql_text_or_null(st, 0)) {
        found = 1;
        out->stored_path = sql_dup(st, 0);
        out->file_page = (int)sql_int(st, 1);
        out->transform = sql_dup(st, 2);
    }
    sql_finalize(st);
    return found;
}

int queue_page_source_by_id(omr_db *db, int64_t page_id, queue_page_source *out) {
    return page_source(sql_query(db, PAGE_COLUMNS "WHERE p.id = ?", "i", (long long)page_id), out);
}

int queue_page_source_of_return(omr_db *db, int64_t return_id, int page, queue_page_source *out) {
    if (page > 0)
        return page_source(sql_query(db, PAGE_COLUMNS "WHERE p.return_id = ? AND p.page = ? ORDER BY p.id LIMIT 1",
                                     "ii", (long long)return_id, (long long)page),
                           out);
    return page_source(sql_query(db, PAGE_COLUMNS "WHERE p.return_id = ? ORDER BY p.page, p.id LIMIT 1", "i",
                                 (long long)return_id),
                       out);
}

int queue_item_for_image(omr_db *db, int64_t id, char *kind, size_t kind_size, char *item, size_t item_size,
                         int64_t *return_id, int64_t *page_id, int *has_page, char *template_id,
                         size_t template_size, omr_error *err) {
    sql_stmt *st = sql_query(db,
                                 "SELECT i.kind, i.item, i.return_id, i.page_id, r.template FROM review_items i "
                                 "LEFT JOIN returns r ON r.id = i.return_id WHERE i.id = ?",
                                 "i", (long long)id);
    if (!st)
        return omr_fail(err, OMR_ERR_IO, "ledger: %s", sql_message(db));
    if (sql_step(st) != SQL_ROW) {
        sql_finalize(st);
        return omr_fail(err, OMR_ERR_NOT_FOUND, "there is no review item %lld", (long long)id);
    }
    snprintf(kind, kind_size, "%s", sql_text(st, 0));
    snprintf(item, item_size, "%s", sql_text(st, 1));
    *return_id = sql_int(st, 2);
    *page_id = sql_int(st, 3);
    *has_page = !sql_is_null(st, 3);
    snprintf(template_id, template_size, "%s", sql_text(st, 4));
    sql_finalize(st);
    return OMR_OK;
}

json_t *queue_item_history(omr_db *db, int64_t id) {
    json_t *hist = json_array();
    sql_stmt *st = sql_query(db,
                               "SELECT d.operator, d.decided_at, d.machine_value, d.final_value, l.outcome, "
                               "l.undone_at, l.undone_by FROM decisions d "
                               "LEFT JOIN review_decision_log l ON l.decision_id = d.id "
                               "WHERE d.review_item_id = ? ORDER BY d.id",
                               "i", (long long)id);
    static const char *const names[] = {"operator", "decided_at", "machine_value", "final_value",
                                        "outcome", "undone_at", "undone_by"};
    while (st && sql_step(st) == SQL_ROW) {
        json_t *h = json_object();
        for (int c = 0; c < 7; c++)
            json_object_set_new(h, names[c], sql_json(st, c));
        json_array_append_new(hist, h);
    }
    sql_finalize(st);
    return hist;
}


int queue_summary(omr_db *db, const char *now_s, const char *today, json_t *o, omr_error *err) {
    (void)err;
    json_t *waiting = json_object();
    json_int_t total = 0;
    sql_stmt *st = sql_query(db,
                               "SELECT kind, count(*), min(created_at), "
                               "sum(lease_owner IS NOT NULL AND lease_until > ?) "
                               "FROM review_items WHERE state = 'open' GROUP BY kind ORDER BY kind",
                               "t", now_s);
    json_int_t leased = 0;
    json_t *oldest = json_null();
    while (st && sql_step(st) == SQL_ROW) {
        json_object_set_new(waiting, sql_text(st, 0), json_integer(sql_int(st, 1)));
        total += sql_int(st, 1);
        leased += sql_int(st, 3);
        const char *c = sql_text_or_null(st, 2);
        if (c && (json_is_null(oldest) || strcmp(c, json_string_value(oldest)) < 0)) {
            json_decref(oldest);
            oldest = json_string(c);
        }
    }
    sql_finalize(st);
    json_object_set_new(o, "waiting", waiting);
    json_object_set_new(o, "waiting_total", json_integer(total));
    json_object_set_new(o, "being_reviewed", json_integer(leased));
    json_object_set_new(o, "oldest_waiting", oldest);
    json_t *ops = json_array();
    st = sql_query(db,
                 "SELECT d.operator, count(*), "
                 "sum(r.kind IN ('answer','text') AND r.reason NOT LIKE '" QUEUE_MATCHED_REASON "%' "
                 "    AND d.final_value IS NOT d.machine_value) "
                 "FROM decisions d JOIN review_items r ON r.id = d.review_item_id "
                 "LEFT JOIN review_decision_log l ON l.decision_id = d.id "
                 "WHERE d.decided_at >= ? AND l.undone_at IS NULL GROUP BY d.operator ORDER BY d.operator",
                 "t", today);
    while (st && sql_step(st) == SQL_ROW) {
        json_t *j = json_object();
        json_object_set_new(j, "operator", sql_json(st, 0));
        json_object_set_new(j, "decided_today", json_integer(sql_int(st, 1)));
        json_object_set_new(j, "changed_today", json_integer(sql_int(st, 2)));
        json_array_append_new(ops, j);
    }
    sql_finalize(st);
    json_object_set_new(o, "today", json_string(today));
    json_object_set_new(o, "operators", ops);
    /* the honest error rate: of the machine's readings a person looked at,
     * how many did the person change (latest decision per item) */
    json_t *changed = json_object();
    st = sql_query(db,
                 "SELECT r.kind, count(*), sum(d.final_value IS NOT d.machine_value) "
                 "FROM decisions d JOIN review_items r ON r.id = d.review_item_id "
                 "JOIN review_decision_log l ON l.decision_id = d.id "
                 "WHERE l.undone_at IS NULL AND r.kind IN ('answer','text') AND r.state = 'decided' "
                 "AND r.reason NOT LIKE '" QUEUE_MATCHED_REASON "%' "
                 "AND d.id = (SELECT max(d2.id) FROM decisions d2 JOIN review_decision_log l2 "
                 "            ON l2.decision_id = d2.id WHERE d2.review_item_id = r.id AND l2.undone_at IS NULL) "
                 "GROUP BY r.kind",
                 "");
    json_int_t all = 0, all_changed = 0;
    while (st && sql_step(st) == SQL_ROW) {
        json_int_t n = sql_int(st, 1), c = sql_int(st, 2);
        json_t *j = json_object();
        json_object_set_new(j, "decided", json_integer(n));
        json_object_set_new(j, "changed", json_integer(c));
        json_object_set_new(j, "share", json_real(n ? (double)c / (double)n : 0.0));
        json_object_set_new(changed, sql_text(st, 0), j);
        all += n;
        all_changed += c;
    }
    sql_finalize(st);
    json_object_set_new(changed, "decided", json_integer(all));
    json_object_set_new(changed, "changed", json_integer(all_changed));
    json_object_set_new(changed, "share", json_real(all ? (double)all_changed / (double)all : 0.0));
    json_object_set_new(o, "machine_changed", changed);
    return OMR_OK;
}
