/*
 * returns.c — where a page's return is found or started: the one SQL
 * statement for "the oldest paper return of (template, code) that lacks this
 * page number", the one for "the first return of this code" (what a new
 * return duplicates), and the one INSERT that makes a returns row. Hands on
 * a return id (and whether it is new, and a duplicate of which) to the
 * writer of the page (store_write.c, decisions.c).
 */
#include "ledger/returns.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "ledger/sql.h"

int returns_insert(omr_db *db, const char *template_id, const char *code, const char *mode,
                   const char *created_at, long long duplicate_of, const char *flags, long long *return_id,
                   omr_error *err) {
    assert(sql_in_transaction(db));
    assert(template_id && code && created_at);
    assert(strcmp(mode, "paper") == 0 || strcmp(mode, "web") == 0);
    assert(duplicate_of >= 0);
    *return_id = 0;
    static const char insert[] = "INSERT INTO returns(template, code, mode, created_at, duplicate_of, flags) "
                                 "VALUES (?, ?, ?, ?, ?, ?)";
    sql_stmt *st;
    int rc = duplicate_of > 0
                 ? sql_prepare(db, &st, err, insert, "ttttit", template_id, code, mode, created_at, duplicate_of,
                               flags ? flags : "")
                 : sql_prepare(db, &st, err, insert, "ttttnt", template_id, code, mode, created_at, flags ? flags : "");
    if (rc != OMR_OK)
        return rc;
    rc = sql_run_prepared(db, st, err, "cannot start a return");
    if (rc == OMR_OK)
        *return_id = sql_last_id(db);
    assert(rc != OMR_OK || *return_id > 0);
    return rc;
}

int returns_find_or_start(omr_db *db, const char *template_id, const char *code, int page, const char *now,
                          const char *flags_if_new, returns_match *out, omr_error *err) {
    assert(sql_in_transaction(db));
    assert(page >= 1);
    memset(out, 0, sizeof *out);
    sql_stmt *st;
    int rc = sql_prepare(db, &st, err,
                         "SELECT id, ifnull(duplicate_of, 0) FROM returns r WHERE template = ?1 AND code = ?2 "
                         "AND mode = 'paper' AND NOT EXISTS (SELECT 1 FROM pages p WHERE p.return_id = r.id "
                         "AND p.page = ?3 AND p.status = 'read') ORDER BY id LIMIT 1",
                         "tti", template_id, code, (long long)page);
    if (rc != OMR_OK)
        return rc;
    int step = sql_step(st);
    if (step == SQL_ROW) {
        out->return_id = sql_int(st, 0);
        out->duplicate_of = sql_int(st, 1);
    }
    sql_finalize(st);
    if (step == SQL_ROW)
        return OMR_OK;
    if (step != SQL_DONE)
        return sql_fail(db, err, "cannot look up a return");

    rc = sql_prepare(db, &st, err,
                     "SELECT r.id, (SELECT f.original_name || ' page ' || p.file_page FROM pages p JOIN scan_files f "
                     "ON f.id = p.file_id WHERE p.return_id = r.id ORDER BY p.id LIMIT 1) FROM returns r "
                     "WHERE template = ? AND code = ? AND duplicate_of IS NULL ORDER BY id LIMIT 1",
                     "tt", template_id, code);
    if (rc != OMR_OK)
        return rc;
    if (sql_step(st) == SQL_ROW) {
        out->duplicate_of = sql_int(st, 0);
        snprintf(out->first_source, sizeof out->first_source, "%s", sql_is_null(st, 1) ? "the web" : sql_text(st, 1));
    }
    sql_finalize(st);
    rc = returns_insert(db, template_id, code, "paper", now, out->duplicate_of, flags_if_new, &out->return_id, err);
    if (rc == OMR_OK)
        out->created = 1;
    return rc;
}

int returns_get(omr_db *db, long long return_id, char *template_id, size_t template_size, char *code,
                size_t code_size, int *found, omr_error *err) {
    *found = 0;
    sql_stmt *st;
    int rc = sql_prepare(db, &st, err, "SELECT template, code FROM returns WHERE id = ?", "i", return_id);
    if (rc != OMR_OK)
        return rc;
    int step = sql_step(st);
    if (step == SQL_ROW) {
        *found = 1;
        snprintf(template_id, template_size, "%s", sql_text(st, 0));
        if (code)
            snprintf(code, code_size, "%s", sql_text(st, 1));
    }
    sql_finalize(st);
    return step == SQL_ERROR ? sql_fail(db, err, "cannot read a return") : OMR_OK;
}
