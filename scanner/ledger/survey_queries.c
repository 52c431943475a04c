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

/* Makes room for one more element of `size` bytes in *items (count, *cap). */
static int grow(void **items, size_t count, size_t *cap, size_t size, size_t first) {
    if (count < *cap)
        return 1;
    size_t want = *cap ? *cap * 2 : first;
    void *grown = realloc(*items, want * size);
    if (!grown)
        return 0;
    *items = grown;
    *cap = want;
    return 1;
}

static char *column_text(sqlite3_stmt *st, int col) {
    const unsigned char *s = sqlite3_column_text(st, col);
    return s ? strdup((const char *)s) : NULL;
}

static int out_of_memory(omr_error *err) {
    return omr_fail(err, OMR_ERR_MEMORY, "out of memory reading the ledger");
}

/* ---- response rates -------------------------------------------------------------------- */

int survey_query_unit_counts(sqlite3 *db, const char *template_id, survey_unit_counts **out,
                             size_t *n, omr_error *err) {
    *out = NULL;
    *n = 0;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(
            db,
            "SELECT f.unit, count(*),\n"
            "  sum(EXISTS(SELECT 1 FROM returns r WHERE r.template = f.template AND r.code = f.code)),\n"
            "  sum(NOT EXISTS(SELECT 1 FROM returns r WHERE r.template = f.template AND r.code = f.code)\n"
            "      AND EXISTS(SELECT 1 FROM undeliverable u WHERE u.template = f.template AND u.code = f.code))\n"
            "FROM frame f WHERE f.template = ? GROUP BY f.unit ORDER BY min(f.seq)",
            -1, &st, NULL) != SQLITE_OK)
        return omr_fail(err, OMR_ERR_IO, "ledger: %s", sqlite3_errmsg(db));
    sqlite3_bind_text(st, 1, template_id, -1, SQLITE_STATIC);
    size_t cap = 0;
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        if (!grow((void **)out, *n, &cap, sizeof **out, 16)) {
            sqlite3_finalize(st);
            survey_unit_counts_free(*out, *n);
            *out = NULL;
            *n = 0;
            return out_of_memory(err);
        }
        survey_unit_counts *r = &(*out)[(*n)++];
        r->unit = column_text(st, 0);
        r->sent = sqlite3_column_int64(st, 1);
        r->returned = sqlite3_column_int64(st, 2);
        r->undeliverable = sqlite3_column_int64(st, 3);
    }
    sqlite3_finalize(st);
    if (step != SQLITE_DONE) {
        survey_unit_counts_free(*out, *n);
        *out = NULL;
        *n = 0;
        return omr_fail(err, OMR_ERR_IO, "ledger: %s", sqlite3_errmsg(db));
    }
    return OMR_OK;
}

void survey_unit_counts_free(survey_unit_counts *rows, size_t n) {
    for (size_t i = 0; i < n; i++)
        free(rows[i].unit);
    free(rows);
}

/* ---- names ------------------------------------------------------------------------------ */

static int query_names(sqlite3 *db, const char *sql, const char *template_id, char ***out,
                       size_t *n, omr_error *err) {
    *out = NULL;
    *n = 0;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return omr_fail(err, OMR_ERR_IO, "ledger: %s", sqlite3_errmsg(db));
    sqlite3_bind_text(st, 1, template_id, -1, SQLITE_STATIC);
    size_t cap = 0;
    int rc = OMR_OK;
    while (sqlite3_step(st) == SQLITE_ROW) {
        if (!grow((void **)out, *n, &cap, sizeof **out, 16)) {
            rc = out_of_memory(err);
            break;
        }
        (*out)[(*n)++] = column_text(st, 0);
    }
    sqlite3_finalize(st);
    return rc;
}

int survey_query_variables(sqlite3 *db, const char *template_id, char ***out, size_t *n,
                           omr_error *err) {
    return query_names(db, "SELECT name FROM frame_variables WHERE template = ? ORDER BY position",
                       template_id, out, n, err);
}

int survey_query_units(sqlite3 *db, const char *template_id, char ***out, size_t *n,
                       omr_error *err) {
    return query_names(db, "SELECT unit FROM frame WHERE template = ? GROUP BY unit ORDER BY min(seq)",
                       template_id, out, n, err);
}

/* ---- respondents ------------------------------------------------------------------------ */

typedef struct {
    sqlite3_stmt *rows, *vars, *ans, *txt;
} respondent_statements;

/* All (name, value[, in_review]) rows of a prepared, bound statement. */
static int read_pairs(sqlite3_stmt *st, int with_review, survey_pair **out, size_t *n) {
    size_t cap = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        if (!grow((void **)out, *n, &cap, sizeof **out, 8))
            return OMR_ERR_MEMORY;
        survey_pair *p = &(*out)[(*n)++];
        p->name = column_text(st, 0);
        p->value = column_text(st, 1);
        p->in_review = with_review ? sqlite3_column_int(st, 2) : 0;
    }
    return OMR_OK;
}

/* The current row of s->rows with its frame values, answers and texts. */
static int read_respondent(respondent_statements *s, const char *template_id,
                           survey_respondent *r) {
    memset(r, 0, sizeof *r);
    r->code = column_text(s->rows, 0);
    r->unit = column_text(s->rows, 1);
    sqlite3_int64 id = sqlite3_column_int64(s->rows, 2);
    r->mode = column_text(s->rows, 3);
    r->flags = column_text(s->rows, 4);
    sqlite3_reset(s->vars);
    sqlite3_bind_text(s->vars, 1, template_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(s->vars, 2, r->code, -1, SQLITE_STATIC);
    int rc = read_pairs(s->vars, 0, &r->vars, &r->n_vars);
    sqlite3_reset(s->ans);
    sqlite3_bind_int64(s->ans, 1, id);
    if (rc == OMR_OK)
        rc = read_pairs(s->ans, 1, &r->answers, &r->n_answers);
    sqlite3_reset(s->txt);
    sqlite3_bind_int64(s->txt, 1, id);
    if (rc == OMR_OK)
        rc = read_pairs(s->txt, 0, &r->texts, &r->n_texts);
    return rc;
}

int survey_query_respondents(sqlite3 *db, const char *template_id, survey_respondent **out,
                             size_t *n, omr_error *err) {
    *out = NULL;
    *n = 0;
    respondent_statements s = {0};
    int rc = OMR_OK;
    if (sqlite3_prepare_v2(db,
                           "SELECT f.code, f.unit, r.id, r.mode, r.flags FROM frame f JOIN "
                           "frame_counted_returns r ON r.template = f.template AND r.code = f.code "
                           "WHERE f.template = ? ORDER BY f.seq",
                           -1, &s.rows, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, "SELECT name, value FROM frame_values WHERE template = ? AND code = ?",
                           -1, &s.vars, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db,
                           "SELECT question, value, status = 'review' AND confirmed_by IS NULL FROM "
                           "answers WHERE return_id = ?",
                           -1, &s.ans, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, "SELECT field, text FROM texts WHERE return_id = ?", -1, &s.txt,
                           NULL) != SQLITE_OK) {
        rc = omr_fail(err, OMR_ERR_IO, "ledger: %s", sqlite3_errmsg(db));
        goto done;
    }
    sqlite3_bind_text(s.rows, 1, template_id, -1, SQLITE_STATIC);
    size_t cap = 0;
    int step;
    while ((step = sqlite3_step(s.rows)) == SQLITE_ROW) {
        if (!grow((void **)out, *n, &cap, sizeof **out, 256)) {
            rc = out_of_memory(err);
            goto done;
        }
        if (read_respondent(&s, template_id, &(*out)[(*n)++]) != OMR_OK) {
            rc = out_of_memory(err);
            goto done;
        }
    }
    if (step != SQLITE_DONE)
        rc = omr_fail(err, OMR_ERR_IO, "ledger: %s", sqlite3_errmsg(db));
done:
    sqlite3_finalize(s.rows);
    sqlite3_finalize(s.vars);
    sqlite3_finalize(s.ans);
    sqlite3_finalize(s.txt);
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

int survey_query_frame_values(sqlite3 *db, const char *template_id, survey_frame_value **out,
                              size_t *n, omr_error *err) {
    *out = NULL;
    *n = 0;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db,
                           "SELECT f.code, f.unit, v.name, v.value FROM frame f LEFT JOIN "
                           "frame_values v ON v.template = f.template AND v.code = f.code WHERE "
                           "f.template = ? ORDER BY f.seq, f.code",
                           -1, &st, NULL) != SQLITE_OK)
        return omr_fail(err, OMR_ERR_IO, "ledger: %s", sqlite3_errmsg(db));
    sqlite3_bind_text(st, 1, template_id, -1, SQLITE_STATIC);
    size_t cap = 0;
    int rc = OMR_OK;
    while (sqlite3_step(st) == SQLITE_ROW) {
        if (!grow((void **)out, *n, &cap, sizeof **out, 256)) {
            rc = out_of_memory(err);
            break;
        }
        survey_frame_value *v = &(*out)[(*n)++];
        v->code = column_text(st, 0);
        v->unit = column_text(st, 1);
        v->name = column_text(st, 2);
        v->value = column_text(st, 3);
        assert(v->code);
    }
    sqlite3_finalize(st);
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

long survey_query_both_modes(sqlite3 *db, const char *template_id) {
    long both = 0;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db,
                           "SELECT count(*) FROM (SELECT code FROM returns WHERE template = ? AND "
                           "duplicate_of IS NULL GROUP BY code HAVING count(DISTINCT mode) = 2)",
                           -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, template_id, -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_ROW)
            both = sqlite3_column_int64(st, 0);
    }
    sqlite3_finalize(st);
    return both;
}
