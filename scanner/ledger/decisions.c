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

/* The pages an unmatched_page item matches: its own page, and for a group
 * (item "pages <file_page> ...", store_write.c) the other pages of that
 * file it names, with the page number each looks like (the first takes
 * `page`, the operator's). OMR_ERR_INVALID when one of them is no longer
 * waiting or two would be the same page. */
typedef struct {
    int64_t id;
    int page;
} match_page;

static int match_pages(omr_db *db, const queue_item *r, int page, match_page *out, size_t cap, size_t *n,
                       omr_error *err) {
    *n = 0;
    out[(*n)++] = (match_page){r->page_id, page};
    if (!r->item || strncmp(r->item, "pages", 5) != 0)
        return OMR_OK;
    long long file_id = 0, lead_file_page = 0;
    sql_stmt *st = sql_query(db, "SELECT file_id, file_page FROM pages WHERE id = ?", "i", (long long)r->page_id);
    if (st && sql_step(st) == SQL_ROW) {
        file_id = sql_int(st, 0);
        lead_file_page = sql_int(st, 1);
    }
    sql_finalize(st);
    int rc = OMR_OK;
    for (const char *p = r->item + 5; rc == OMR_OK && *p;) {
        char *end;
        long fp = strtol(p, &end, 10);
        if (end == p)
            break;
        p = end;
        if (fp == lead_file_page)
            continue;
        if (*n >= cap)
            return omr_fail(err, OMR_ERR_INVALID, "item %s names too many pages", r->item);
        st = sql_query(db, "SELECT id, page, status FROM pages WHERE file_id = ? AND file_page = ?", "ii", file_id,
                       (long long)fp);
        if (st && sql_step(st) == SQL_ROW && strcmp(sql_text(st, 2), "rejected") == 0 && sql_int(st, 1) > 0)
            out[(*n)++] = (match_page){sql_int(st, 0), (int)sql_int(st, 1)};
        else
            rc = omr_fail(err, OMR_ERR_INVALID, "file page %ld of this item is no longer waiting for its code", fp);
        sql_finalize(st);
    }
    for (size_t i = 0; rc == OMR_OK && i < *n; i++)
        for (size_t j = i + 1; j < *n; j++)
            if (out[i].page == out[j].page)
                rc = omr_fail(err, OMR_ERR_INVALID,
                              "the other page of this form looks like page %d: choose another page number "
                              "for this one, or set it aside", out[j].page);
    return rc;
}

/* One page of a match joins (t, code)'s return: the return `prefer` when it
 * lacks this page number, else by the ledger's rule; its marks count (the
 * return is recomputed by the caller) or, without marks, each question
 * becomes an item to key in; each text field becomes one. What undo needs
 * goes into `entry`, new items' ids into `created`. */
static int match_one(omr_db *db, const omr_template *t, const char *code, const match_page *mp, int64_t prefer,
                     const char *op, const char *now, json_t *entry, json_t *created, int64_t *ret, int *marked,
                     omr_error *err) {
    queue_page before;
    int rc = queue_page_get(db, mp->id, &before, err);
    if (rc != OMR_OK)
        return rc;
    json_object_set_new(entry, "id", json_integer(mp->id));
    json_object_set_new(entry, "template", before.template_id ? json_string(before.template_id) : json_null());
    json_object_set_new(entry, "code", before.code ? json_string(before.code) : json_null());
    json_object_set_new(entry, "page", before.has_page ? json_integer(before.page) : json_null());
    json_object_set_new(entry, "return_id", before.has_return ? json_integer(before.return_id) : json_null());
    json_object_set_new(entry, "status", json_string(before.status ? before.status : "rejected"));
    json_object_set_new(entry, "reason", before.reason ? json_string(before.reason) : json_null());
    queue_page_clear(&before);
    long long has = 1;
    if (prefer > 0)
        rc = sql_int_query(db, &has, 1, err, "matching the page",
                           "SELECT count(*) FROM pages WHERE return_id = ? AND page = ? AND status = 'read'", "ii",
                           (long long)prefer, (long long)mp->page);
    returns_match m = {0};
    if (rc == OMR_OK && !has)
        m.return_id = prefer;
    else if (rc == OMR_OK)
        rc = returns_find_or_start(db, t->id, code, mp->page, now, "matched_by_hand", &m, err);
    *ret = m.return_id;
    json_object_set_new(entry, "matched_return", json_integer(m.return_id));
    json_object_set_new(entry, "new_return", m.created ? json_integer(m.return_id) : json_null());
    if (rc == OMR_OK && m.created && m.duplicate_of > 0) {
        rc = sql_run(db, err, "flagging the duplicate",
                     "INSERT INTO review_items(return_id, item, kind, reason, created_at) "
                     "VALUES (?, ?, 'duplicate', ?, ?)",
                     "ittt", (long long)m.return_id, code, "a second return of this code, matched by hand", now);
        if (rc == OMR_OK)
            json_array_append_new(created, json_integer(sql_last_id(db)));
    }
    long long n_marks = 0;
    if (rc == OMR_OK)
        rc = sql_int_query(db, &n_marks, 0, err, "matching the page", "SELECT count(*) FROM marks WHERE page_id = ?",
                           "i", (long long)mp->id);
    *marked = n_marks > 0;
    char why[256];
    snprintf(why, sizeof why, QUEUE_MATCHED_REASON " page %d, by %s; read it from the page image", mp->page, op);
    if (rc == OMR_OK)
        rc = sql_run(db, err, "matching the page",
                     "UPDATE pages SET template = ?, code = ?, page = ?, return_id = ?, status = 'read', reason = ? "
                     "WHERE id = ?",
                     "ttiiti", t->id, code, (long long)mp->page, (long long)m.return_id,
                     *marked ? "code typed by hand" : why, (long long)mp->id);
    /* the page's questions: its marks count (recomputed by the caller), or
     * without marks each is keyed in by hand; text fields always are */
    json_t *questions = json_array();
    json_object_set_new(entry, "questions", questions);
    for (size_t i = 0; rc == OMR_OK && i < t->n_questions; i++) {
        const template_question *q = &t->questions[i];
        if (q->page != mp->page)
            continue;
        if (*marked) {
            json_array_append_new(questions, json_string(q->id));
            continue;
        }
        rc = sql_run(db, err, "adding the page's answers",
                     "INSERT OR IGNORE INTO answers(return_id, question, status, reason) VALUES (?, ?, 'review', ?)",
                     "itt", (long long)m.return_id, q->id, why);
        if (rc == OMR_OK)
            rc = sql_run(db, err, "adding the page's answers",
                         "INSERT INTO review_items(return_id, page_id, item, kind, reason, created_at) "
                         "VALUES (?, ?, ?, 'answer', ?, ?)",
                         "iittt", (long long)m.return_id, (long long)mp->id, q->id, why, now);
        if (rc == OMR_OK)
            json_array_append_new(created, json_integer(sql_last_id(db)));
    }
    for (size_t i = 0; rc == OMR_OK && i < t->n_text_fields; i++) {
        const template_text_field *f = &t->text_fields[i];
        if (f->page != mp->page)
            continue;
        rc = sql_run(db, err, "adding the page's comments",
                     "INSERT OR IGNORE INTO texts(return_id, field, status) VALUES (?, ?, 'review')", "it",
                     (long long)m.return_id, f->id);
        if (rc == OMR_OK)
            rc = sql_run(db, err, "adding the page's comments",
                         "INSERT INTO review_items(return_id, page_id, item, kind, reason, created_at) "
                         "VALUES (?, ?, ?, 'text', ?, ?)",
                         "iittt", (long long)m.return_id, (long long)mp->id, f->id, why, now);
        if (rc == OMR_OK)
            json_array_append_new(created, json_integer(sql_last_id(db)));
    }
    return rc;
}

int decisions_match(omr_db *db, int64_t item, const queue_item *r, const omr_template *t, const char *code,
                    int page, const char *op, const char *now, omr_error *err) {
    assert(sql_in_transaction(db));
    assert(r->has_page && r->page_id > 0);
    assert(page >= 1 && (size_t)page <= t->n_pages);
    match_page pages[64];
    size_t n = 0;
    int rc = match_pages(db, r, page, pages, sizeof pages / sizeof pages[0], &n, err);
    json_t *prev = json_object(), *created = json_array(), *entries = json_array();
    int64_t returns[64], first = 0;
    size_t n_returns = 0;
    for (size_t i = 0; rc == OMR_OK && i < n; i++) {
        json_t *entry = json_object();
        json_array_append_new(entries, entry);
        int64_t ret = 0;
        int marked = 0;
        /* a group's pages join the first page's return when it lacks them */
        rc = match_one(db, t, code, &pages[i], first, op, now, entry, created, &ret, &marked, err);
        if (i == 0)
            first = ret;
        /* returns a page with marks joined are recomputed (a page without
         * marks is keyed in: recomputing would drop its items) */
        size_t k = 0;
        while (k < n_returns && returns[k] != ret)
            k++;
        if (rc == OMR_OK && marked && k == n_returns)
            returns[n_returns++] = ret;
        if (i == 0 && rc == OMR_OK) { /* the first page's row as it was, at the top (as undo has always read it) */
            const char *keys[] = {"template", "code", "page", "return_id", "status", "reason", "new_return"};
            for (size_t j = 0; j < sizeof keys / sizeof keys[0]; j++)
                json_object_set(prev, keys[j], json_object_get(entry, keys[j]));
        }
    }
    /* the marks of the matched pages count: answers, items and flags anew */
    const omr_template *ts[1] = {t};
    for (size_t k = 0; rc == OMR_OK && k < n_returns; k++)
        rc = store_recompute_return(db, ts, 1, returns[k], err);
    char *prev_json = NULL;
    if (rc == OMR_OK) {
        json_object_set(prev, "items", created);
        json_object_set(prev, "pages", entries);
        prev_json = json_dumps(prev, JSON_COMPACT);
        char final[256];
        snprintf(final, sizeof final, "%s:%s:%d", t->id, code, page);
        for (size_t i = 1; i < n; i++)
            snprintf(final + strlen(final), sizeof final - strlen(final), "+%d", pages[i].page);
        rc = prev_json ? decisions_record(db, item, op, now, NULL, final, "match", prev_json, NULL, NULL, NULL, err)
                       : omr_fail(err, OMR_ERR_MEMORY, "out of memory");
    }
    free(prev_json);
    json_decref(prev);
    json_decref(created);
    json_decref(entries);
    return rc;
}

/* One page of a match as it was before: its row restored, and the answers
 * and open items its marks made on the return it joined taken back. */
static int undo_page(omr_db *db, json_t *entry, omr_error *err) {
    int64_t id = (int64_t)json_integer_value(json_object_get(entry, "id"));
    int64_t matched = (int64_t)json_integer_value(json_object_get(entry, "matched_return"));
    json_t *questions = json_object_get(entry, "questions"), *v;
    size_t i;
    int rc = OMR_OK;
    json_array_foreach(questions, i, v) {
        if (rc != OMR_OK)
            break;
        long long decided = 0;
        rc = sql_int_query(db, &decided, 0, err, "undoing the match",
                           "SELECT count(*) FROM review_items WHERE return_id = ? AND kind = 'answer' AND item = ? "
                           "AND state <> 'open'", "it", (long long)matched, json_string_value(v));
        if (rc == OMR_OK && decided)
            rc = omr_fail(err, QUEUE_ERR_CONFLICT,
                          "the page's answers are already being decided; the match cannot be undone");
        if (rc == OMR_OK)
            rc = sql_run(db, err, "undoing the match",
                         "DELETE FROM review_items WHERE return_id = ? AND kind = 'answer' AND item = ?", "it",
                         (long long)matched, json_string_value(v));
        if (rc == OMR_OK)
            rc = sql_run(db, err, "undoing the match",
                         "DELETE FROM answers WHERE return_id = ? AND question = ? AND confirmed_by IS NULL", "it",
                         (long long)matched, json_string_value(v));
    }
    /* page and return_id as they were, NULL included */
    const char *text[4] = {json_string_value(json_object_get(entry, "template")),
                           json_string_value(json_object_get(entry, "code")),
                           json_string_value(json_object_get(entry, "status")),
                           json_string_value(json_object_get(entry, "reason"))};
    if (!text[2])
        text[2] = "rejected";
    json_t *page = json_object_get(entry, "page"), *ret = json_object_get(entry, "return_id");
    if (rc == OMR_OK)
        rc = sql_run(db, err, "undoing the match",
                     "UPDATE pages SET template = ?1, code = ?2, status = ?3, reason = ?4, page = NULL, "
                     "return_id = NULL WHERE id = ?5",
                     "tttti", text[0], text[1], text[2], text[3], (long long)id);
    if (rc == OMR_OK && json_is_integer(page))
        rc = sql_run(db, err, "undoing the match", "UPDATE pages SET page = ? WHERE id = ?", "ii",
                     (long long)json_integer_value(page), (long long)id);
    if (rc == OMR_OK && json_is_integer(ret))
        rc = sql_run(db, err, "undoing the match", "UPDATE pages SET return_id = ? WHERE id = ?", "ii",
                     (long long)json_integer_value(ret), (long long)id);
    return rc;
}

/* A return the match started, deleted when nothing uses it any more. */
static int drop_unused_return(omr_db *db, json_t *new_ret, omr_error *err) {
    if (!json_is_integer(new_ret))
        return OMR_OK;
    long long nr = (long long)json_integer_value(new_ret), used = 1;
    int rc = sql_int_query(db, &used, 1, err, "undoing the match",
                           "SELECT (SELECT count(*) FROM pages WHERE return_id = ?1) + "
                           "(SELECT count(*) FROM answers WHERE return_id = ?1) + "
                           "(SELECT count(*) FROM texts WHERE return_id = ?1) + "
                           "(SELECT count(*) FROM review_items WHERE return_id = ?1)",
                           "i", nr);
    if (rc == OMR_OK && !used)
        rc = sql_run(db, err, "undoing the match", "DELETE FROM returns WHERE id = ?", "i", nr);
    return rc;
}

static int undo_match(omr_db *db, const queue_item *r, const char *prev_json, decisions_template_fn template_of,
                      void *user, omr_error *err) {
    json_error_t jerr;
    json_t *prev = json_loads(prev_json ? prev_json : "{}", 0, &jerr);
    if (!prev)
        return omr_fail(err, OMR_ERR_INVALID, "the match cannot be undone (its record is damaged)");
    json_t *items = json_object_get(prev, "items"), *pages = json_object_get(prev, "pages");
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
        int64_t item_return = matched_return;
        st = sql_query(db, "SELECT kind, item, return_id FROM review_items WHERE id = ?", "i", (long long)item);
        if (st && sql_step(st) == SQL_ROW) {
            kind = sql_dup(st, 0);
            name = sql_dup(st, 1);
            item_return = sql_int(st, 2);
        }
        sql_finalize(st);
        if (kind && strcmp(kind, "answer") == 0)
            rc = sql_run(db, err, "undoing the match",
                     "DELETE FROM answers WHERE return_id = ? AND question = ? AND confirmed_by IS NULL", "it",
                     (long long)item_return, name);
        else if (kind && strcmp(kind, "text") == 0)
            rc = sql_run(db, err, "undoing the match",
                     "DELETE FROM texts WHERE return_id = ? AND field = ? AND confirmed_by IS NULL", "it",
                     (long long)item_return, name);
        if (rc == OMR_OK)
            rc = sql_run(db, err, "undoing the match", "DELETE FROM review_items WHERE id = ?", "i", (long long)item);
        free(kind);
        free(name);
    }
    if (json_is_array(pages)) { /* every page of the match, the first included */
        json_array_foreach(pages, i, v) {
            if (rc == OMR_OK)
                rc = undo_page(db, v, err);
        }
        json_array_foreach(pages, i, v) {
            if (rc == OMR_OK)
                rc = drop_unused_return(db, json_object_get(v, "new_return"), err);
        }
        /* a return the marks had joined, without them again: its answers,
         * items and flags as the pages it keeps say */
        json_array_foreach(pages, i, v) {
            if (rc != OMR_OK || !json_array_size(json_object_get(v, "questions")))
                continue;
            long long ret = (long long)json_integer_value(json_object_get(v, "matched_return"));
            char tid[IDENTIFY_MAX_ID], code[IDENTIFY_MAX_ID];
            int found = 0;
            rc = returns_get(db, ret, tid, sizeof tid, code, sizeof code, &found, err);
            const omr_template *t = rc == OMR_OK && found && template_of ? template_of(user, tid) : NULL;
            const omr_template *ts[1] = {t};
            if (t)
                rc = store_recompute_return(db, ts, 1, ret, err);
        }
        json_decref(prev);
        return rc;
    }
    if (rc == OMR_OK) { /* a match recorded before groups: the one page at the top */
        json_t *entry = json_pack("{sIsOsOsOsOsO}", "id", (json_int_t)r->page_id, "template",
                                  json_object_get(prev, "template") ? json_object_get(prev, "template") : json_null(),
                                  "code", json_object_get(prev, "code") ? json_object_get(prev, "code") : json_null(),
                                  "status", json_object_get(prev, "status") ? json_object_get(prev, "status")
                                                                            : json_null(),
                                  "reason", json_object_get(prev, "reason") ? json_object_get(prev, "reason")
                                                                            : json_null(),
                                  "page", page ? page : json_null());
        if (entry && ret)
            json_object_set(entry, "return_id", ret);
        rc = entry ? undo_page(db, entry, err) : omr_fail(err, OMR_ERR_MEMORY, "out of memory");
        json_decref(entry);
    }
    if (rc == OMR_OK)
        rc = drop_unused_return(db, new_ret, err);
    json_decref(prev);
    return rc;
}


int decisions_undo(omr_db *db, const char *op, const char *now_s, const char *until_s,
                   decisions_template_fn template_of, void *user, int64_t *item, omr_error *err) {
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
            rc = undo_match(db, &r, prev_value, template_of, user, err);
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

