/*
 * survey_queries.c — the ledger's reads for the survey room's report and
 * analysis exports (see survey_queries.h). Every query is one statement;
 * results come back as arrays of plain structs the caller owns. Arrays grow
 * by doubling, each growth checked: out of memory fails the query.
 */
#include "ledger/survey_queries.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "ledger/sql.h"

static int out_of_memory(omr_error *err) {
    return omr_fail(err, OMR_ERR_MEMORY, "out of memory reading the ledger");
}

/* ---- response rates -------------------------------------------------------------------- */

int survey_query_unit_counts(omr_db *db, const char *template_id, survey_unit_counts **out,
                             size_t *n, omr_error *err) {
    *out = NULL;
    *n = 0;
    sql_stmt *st = NULL;
    if (!(st = sql_query(
              db,
              "SELECT f.unit, count(*),\n"
              "  sum(EXISTS(SELECT 1 FROM returns r WHERE r.template = f.template AND r.code = f.code)),\n"
              "  sum(NOT EXISTS(SELECT 1 FROM returns r WHERE r.template = f.template AND r.code = f.code)\n"
              "      AND EXISTS(SELECT 1 FROM undeliverable u WHERE u.template = f.template AND u.code = f.code))\n"
              "FROM frame f WHERE f.template = ? GROUP BY f.unit ORDER BY min(f.seq)",
              "t", template_id)))
        return omr_fail(err, OMR_ERR_IO, "ledger: %s", sql_message(db));
    size_t cap = 0;
    int step;
    while ((step = sql_step(st)) == SQL_ROW) {
        if (!omr_grow_array((void **)out, &cap, *n + 1, sizeof **out)) {
            sql_finalize(st);
            survey_unit_counts_free(*out, *n);
            *out = NULL;
            *n = 0;
            return out_of_memory(err);
        }
        survey_unit_counts *r = &(*out)[(*n)++];
        r->unit = sql_dup(st, 0);
        r->sent = sql_int(st, 1);
        r->returned = sql_int(st, 2);
        r->undeliverable = sql_int(st, 3);
    }
    sql_finalize(st);
    if (step != SQL_DONE) {
        survey_unit_counts_free(*out, *n);
        *out = NULL;
        *n = 0;
        return omr_fail(err, OMR_ERR_IO, "ledger: %s", sql_message(db));
    }
    return OMR_OK;
}

void survey_unit_counts_free(survey_unit_counts *rows, size_t n) {
    for (size_t i = 0; i < n; i++)
        free(rows[i].unit);
    free(rows);
}

/* ---- names ------------------------------------------------------------------------------ */

static int query_names(omr_db *db, const char *sql, const char *template_id, char ***out,
                       size_t *n, omr_error *err) {
    *out = NULL;
    *n = 0;
    sql_stmt *st = sql_query(db, sql, "t", template_id);
    if (!st)
        return omr_fail(err, OMR_ERR_IO, "ledger: %s", sql_message(db));
    size_t cap = 0;
    int rc = OMR_OK, step;
    while ((step = sql_step(st)) == SQL_ROW) {
        if (!omr_grow_array((void **)out, &cap, *n + 1, sizeof **out)) {
            rc = out_of_memory(err);
            break;
        }
        (*out)[(*n)++] = sql_dup(st, 0);
    }
    if (rc == OMR_OK && step != SQL_DONE)
        rc = sql_fail(db, err, "cannot read the frame");
    sql_finalize(st);
    return rc;
}

int survey_query_variables(omr_db *db, const char *template_id, char ***out, size_t *n,
                           omr_error *err) {
    return query_names(db, "SELECT name FROM frame_variables WHERE template = ? ORDER BY position",
                       template_id, out, n, err);
}

int survey_query_units(omr_db *db, const char *template_id, char ***out, size_t *n,
                       omr_error *err) {
    return query_names(db, "SELECT unit FROM frame WHERE template = ? GROUP BY unit ORDER BY min(seq)",
                       template_id, out, n, err);
}

/* ---- respondents ------------------------------------------------------------------------ */

typedef struct {
    sql_stmt *rows, *vars, *ans, *txt;
} respondent_statements;

/* All (name, value[, in_review]) rows of a prepared, bound statement:
 * OMR_ERR_MEMORY or OMR_ERR_IO (a failed step) for the caller to report. */
static int read_pairs(sql_stmt *st, int with_review, survey_pair **out, size_t *n) {
    size_t cap = 0;
    int step;
    while ((step = sql_step(st)) == SQL_ROW) {
        if (!omr_grow_array((void **)out, &cap, *n + 1, sizeof **out))
            return OMR_ERR_MEMORY;
        survey_pair *p = &(*out)[(*n)++];
        p->name = sql_dup(st, 0);
        p->value = sql_dup(st, 1);
        p->in_review = with_review ? (int)sql_int(st, 2) : 0;
    }
    return step == SQL_DONE ? OMR_OK : OMR_ERR_IO;
}

/* The current row of s->rows with its frame values, answers and texts. */
static int read_respondent(respondent_statements *s, const char *template_id,
                           survey_respondent *r) {
    memset(r, 0, sizeof *r);
    r->code = sql_dup(s->rows, 0);
    r->unit = sql_dup(s->rows, 1);
    long long id = sql_int(s->rows, 2);
    r->mode = sql_dup(s->rows, 3);
    r->flags = sql_dup(s->rows, 4);
    sql_reset(s->vars);
    sql_bind(s->vars, "tt", template_id, r->code);
    int rc = read_pairs(s->vars, 0, &r->vars, &r->n_vars);
    sql_reset(s->ans);
    sql_bind(s->ans, "i", id);
    if (rc == OMR_OK)
        rc = read_pairs(s->ans, 1, &r->answers, &r->n_answers);
    sql_reset(s->txt);
    sql_bind(s->txt, "i", id);
    if (rc == OMR_OK)
        rc = read_pairs(s->txt, 0, &r->texts, &r->n_texts);
    return rc;
}

int survey_query_respondents(omr_db *db, const char *template_id, survey_respondent **out,
                             size_t *n, omr_error *err) {
    *out = NULL;
    *n = 0;
    respondent_statements s = {0};
    int rc = OMR_OK;
    if (!(s.rows = sql_query(db,
                             "SELECT f.code, f.unit, r.id, r.mode, r.flags FROM frame f JOIN "
                             "frame_counted_returns r ON r.template = f.template AND r.code = f.code "
                             "WHERE f.template = ? ORDER BY f.seq",
                             "t", template_id)) ||
        !(s.vars = sql_query(db, "SELECT name, value FROM frame_values WHERE template = ? AND code = ?", "")) ||
        !(s.ans = sql_query(db,
                            "SELECT question, value, status = 'review' AND confirmed_by IS NULL FROM "
                            "answers WHERE return_id = ?",
                            "")) ||
        !(s.txt = sql_query(db, "SELECT field, text FROM texts WHERE return_id = ?", ""))) {
        rc = omr_fail(err, OMR_ERR_IO, "ledger: %s", sql_message(db));
        goto done;
    }
    size_t cap = 0;
    int step;
    while ((step = sql_step(s.rows)) == SQL_ROW) {
        if (!omr_grow_array((void **)out, &cap, *n + 1, sizeof **out)) {
            rc = out_of_memory(err);
            goto done;
        }
        int read = read_respondent(&s, template_id, &(*out)[(*n)++]);
        if (read != OMR_OK) {
            rc = read == OMR_ERR_MEMORY ? out_of_memory(err) : sql_fail(db, err, "cannot read the respondents");
            goto done;
        }
    }
    if (step != SQL_DONE)
        rc = omr_fail(err, OMR_ERR_IO, "ledger: %s", sql_message(db));
done:
    sql_finalize(s.rows);
    sql_finalize(s.vars);
    sql_finalize(s.ans);
    sql_finalize(s.txt);
    if (rc != OMR_OK) {
        survey_respondents_free(*out, *n);
        *out = NULL;
        *n = 0;
    }
    return rc;
}

static void pairs_free(survey_pair *p, size_t n) {
    for (size_t i = 0; i < n; i++) {
        free(p[i].name);
        free(p[i].value);
    }
    free(p);
}

void survey_respondents_free(survey_respondent *rows, size_t n) {
    for (size_t i = 0; i < n; i++) {
        survey_respondent *r = &rows[i];
        free(r->code);
        free(r->unit);
        free(r->mode);
        free(r->flags);
        pairs_free(r->vars, r->n_vars);
        pairs_free(r->answers, r->n_answers);
        pairs_free(r->texts, r->n_texts);
    }
    free(rows);
}

/* ---- weighting -------------------------------------------------------------------------- */

int survey_query_frame_values(omr_db *db, const char *template_id, survey_frame_value **out,
                              size_t *n, omr_error *err) {
    *out = NULL;
    *n = 0;
    sql_stmt *st = sql_query(db,
                                 "SELECT f.code, f.unit, v.name, v.value FROM frame f LEFT JOIN "
                                 "frame_values v ON v.template = f.template AND v.code = f.code WHERE "
                                 "f.template = ? ORDER BY f.seq, f.code",
                                 "t", template_id);
    if (!st)
        return omr_fail(err, OMR_ERR_IO, "ledger: %s", sql_message(db));
    size_t cap = 0;
    int rc = OMR_OK, step;
    while ((step = sql_step(st)) == SQL_ROW) {
        if (!omr_grow_array((void **)out, &cap, *n + 1, sizeof **out)) {
            rc = out_of_memory(err);
            break;
        }
        survey_frame_value *v = &(*out)[(*n)++];
        v->code = sql_dup(st, 0);
        v->unit = sql_dup(st, 1);
        v->name = sql_dup(st, 2);
        v->value = sql_dup(st, 3);
        assert(v->code);
    }
    if (rc == OMR_OK && step != SQL_DONE)
        rc = sql_fail(db, err, "cannot read the frame");
    sql_finalize(st);
    if (rc != OMR_OK) {
        survey_frame_values_free(*out, *n);
        *out = NULL;
        *n = 0;
    }
    return rc;
}

void survey_frame_values_free(survey_frame_value *rows, size_t n) {
    for (size_t i = 0; i < n; i++) {
        free(rows[i].code);
        free(rows[i].unit);
        free(rows[i].name);
        free(rows[i].value);
    }
    free(rows);
}

/* ---- the page's notes ------------------------------------------------------------------- */

long survey_query_both_modes(omr_db *db, const char *template_id) {
    long long both = 0;
    /* best effort, for a note under the table: a failure reads as none */
    sql_int_query(db, &both, 0, NULL, "counting paper-and-web returns",
                  "SELECT count(*) FROM (SELECT code FROM returns WHERE template = ? AND "
                  "duplicate_of IS NULL GROUP BY code HAVING count(DISTINCT mode) = 2)",
                  "t", template_id);
    return (long)both;
}
