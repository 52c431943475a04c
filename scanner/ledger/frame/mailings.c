/*
 * mailings.c — the mailing waves' SQL (see mailings.h): the table, who is due
 * a wave, the record of a wave posted, a code's frame values for its letter,
 * and the counts of the per-wave response rate. Portable SQL only (standard
 * SQL both SQLite and PostgreSQL accept): `?` placeholders, INSERT ... ON
 * CONFLICT DO NOTHING, times as ISO 8601 UTC text compared as text.
 */
#include "ledger/frame/mailings.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledger/sql.h"

static const char mailings_schema_sql[] =
    "CREATE TABLE IF NOT EXISTS mailing_waves(\n"
    "  template TEXT NOT NULL,\n"
    "  code TEXT NOT NULL,\n"
    "  wave INTEGER NOT NULL CHECK(wave BETWEEN 1 AND 3),\n"
    "  sent_at TEXT NOT NULL,\n"
    "  recorded_at TEXT NOT NULL,\n"
    "  PRIMARY KEY(template, code, wave));\n";

static const char *const wave_names[] = {NULL, "invitation", "reminder1", "reminder2"};

const char *mailing_wave_name(int wave) {
    return wave >= 1 && wave <= MAILING_WAVES ? wave_names[wave] : NULL;
}

int mailing_wave_parse(const char *name) {
    if (!name)
        return 0;
    for (int w = 1; w <= MAILING_WAVES; w++)
        if (strcmp(name, wave_names[w]) == 0)
            return w;
    if (strcmp(name, "1") == 0 || strcmp(name, "2") == 0 || strcmp(name, "3") == 0)
        return name[0] - '0';
    if (strcmp(name, "reminder-1") == 0 || strcmp(name, "reminder-2") == 0)
        return name[9] - '0' + 1;
    return 0;
}

int mailings_open(omr_db *db, omr_error *err) { return sql_exec_schema(db, mailings_schema_sql, err); }

static int read_strings(sql_stmt *st, omr_db *db, frame_strings *out, omr_error *err) {
    int step;
    while ((step = sql_step(st)) == SQL_ROW)
        frame_strings_add(out, sql_text(st, 0));
    sql_finalize(st);
    if (step != SQL_DONE) {
        frame_strings_free(out);
        return sql_fail(db, err, "listing the codes due a mailing");
    }
    return OMR_OK;
}

int mailings_recipients(omr_db *db, const char *template_id, int wave, frame_strings *out,
                        omr_error *err) {
    memset(out, 0, sizeof *out);
    if (!mailing_wave_name(wave))
        return omr_fail(err, OMR_ERR_INVALID, "no mailing wave %d (1 to 3)", wave);
    sql_stmt *st = NULL;
    int rc;
    if (wave == MAILING_INVITATION) {
        rc = sql_prepare(db, &st, err,
                         "SELECT f.code FROM frame f WHERE f.template = ? AND NOT EXISTS("
                         "SELECT 1 FROM undeliverable u WHERE u.template = f.template AND "
                         "u.code = f.code) ORDER BY f.seq",
                         "t", template_id);
        return rc == OMR_OK ? read_strings(st, db, out, err) : rc;
    }
    long long before = 0;
    rc = sql_int_query(db, &before, 0, err, "reading the mailings",
                       "SELECT count(*) FROM mailing_waves WHERE template = ? AND wave = ?", "ti",
                       template_id, (long long)(wave - 1));
    if (rc != OMR_OK)
        return rc;
    if (before == 0)
        return omr_fail(err, OMR_ERR_INVALID,
                        "the %s of %s was never recorded: send it first (omr frame mail --wave %s)",
                        mailing_wave_name(wave - 1), template_id, mailing_wave_name(wave - 1));
    rc = sql_prepare(db, &st, err,
                     "SELECT f.code FROM frame f WHERE f.template = ? "
                     "AND EXISTS(SELECT 1 FROM mailing_waves w WHERE w.template = f.template AND "
                     "w.code = f.code AND w.wave = ?) "
                     "AND NOT EXISTS(SELECT 1 FROM returns r WHERE r.template = f.template AND "
                     "r.code = f.code) "
                     "AND NOT EXISTS(SELECT 1 FROM undeliverable u WHERE u.template = f.template "
                     "AND u.code = f.code) ORDER BY f.seq",
                     "ti", template_id, (long long)(wave - 1));
    return rc == OMR_OK ? read_strings(st, db, out, err) : rc;
}

int mailings_record(omr_db *db, const char *template_id, int wave, char *const *codes, size_t n,
                    const char *sent_at, size_t *added, omr_error *err) {
    *added = 0;
    char now[32];
    sql_now(now);
    int rc = sql_begin(db, err);
    if (rc != OMR_OK)
        return rc;
    sql_stmt *st = NULL;
    rc = sql_prepare(db, &st, err,
                     "INSERT INTO mailing_waves(template, code, wave, sent_at, recorded_at) "
                     "VALUES (?, ?, ?, ?, ?) ON CONFLICT (template, code, wave) DO NOTHING",
                     "");
    for (size_t i = 0; i < n && rc == OMR_OK; i++) {
        sql_bind(st, "ttitt", template_id, codes[i], (long long)wave, sent_at, now);
        if (sql_run_reset(st) != OMR_OK)
            rc = sql_fail(db, err, "cannot record the mailing");
        else
            *added += (size_t)sql_changes(db);
    }
    sql_finalize(st);
    if (rc == OMR_OK)
        rc = sql_commit(db, err);
    if (rc != OMR_OK) {
        sql_rollback(db);
        *added = 0;
    }
    return rc;
}

int mailings_frame_values(omr_db *db, const char *template_id, const char *code,
                          frame_strings *names, frame_strings *values, omr_error *err) {
    memset(names, 0, sizeof *names);
    memset(values, 0, sizeof *values);
    sql_stmt *st = NULL;
    int rc = sql_prepare(db, &st, err,
                         "SELECT v.name, v.value FROM frame_values v JOIN frame_variables n ON "
                         "n.template = v.template AND n.name = v.name WHERE v.template = ? AND "
                         "v.code = ? ORDER BY n.position",
                         "tt", template_id, code);
    if (rc != OMR_OK)
        return rc;
    int step;
    while ((step = sql_step(st)) == SQL_ROW) {
        frame_strings_add(names, sql_text(st, 0));
        frame_strings_add(values, sql_text(st, 1));
    }
    sql_finalize(st);
    if (step != SQL_DONE) {
        frame_strings_free(names);
        frame_strings_free(values);
        return sql_fail(db, err, "reading the frame's values");
    }
    return OMR_OK;
}

int mailings_wave_counts(omr_db *db, const char *template_id, mailing_wave_counts *out,
                         omr_error *err) {
    memset(out, 0, sizeof *out);
    long long v = 0;
    int rc = sql_int_query(db, &v, 0, err, "counting the frame",
                           "SELECT count(*) FROM frame WHERE template = ?", "t", template_id);
    out->frame = (long)v;
    if (rc == OMR_OK)
        rc = sql_int_query(db, &v, 0, err, "counting undeliverable envelopes",
                           "SELECT count(*) FROM undeliverable u JOIN frame f ON f.template = "
                           "u.template AND f.code = u.code WHERE u.template = ? AND NOT EXISTS("
                           "SELECT 1 FROM returns r WHERE r.template = u.template AND r.code = "
                           "u.code)",
                           "t", template_id);
    out->undeliverable = (long)v;
    sql_stmt *st = NULL;
    if (rc == OMR_OK)
        rc = sql_prepare(db, &st, err,
                         "SELECT wave, count(*), min(sent_at) FROM mailing_waves WHERE template = ? "
                         "GROUP BY wave",
                         "t", template_id);
    int step = SQL_DONE;
    while (rc == OMR_OK && (step = sql_step(st)) == SQL_ROW) {
        long long w = sql_int(st, 0);
        if (w >= 1 && w <= MAILING_WAVES) {
            out->sent[w] = (long)sql_int(st, 1);
            snprintf(out->first_sent[w], sizeof out->first_sent[w], "%s", sql_text(st, 2));
        }
    }
    sql_finalize(st);
    st = NULL;
    if (rc == OMR_OK && step == SQL_ERROR)
        rc = sql_fail(db, err, "reading the mailings");
    /* each counted return of a code in the frame, to the last wave its code
     * was sent before it arrived (none: the invitation) */
    if (rc == OMR_OK)
        rc = sql_prepare(db, &st, err,
                         "SELECT wave, count(*) FROM (SELECT coalesce((SELECT max(w.wave) FROM "
                         "mailing_waves w WHERE w.template = r.template AND w.code = r.code AND "
                         "w.sent_at <= r.created_at), 1) AS wave FROM frame_counted_returns r "
                         "JOIN frame f ON f.template = r.template AND f.code = r.code WHERE "
                         "r.template = ?) t GROUP BY wave",
                         "t", template_id);
    while (rc == OMR_OK && (step = sql_step(st)) == SQL_ROW) {
        long long w = sql_int(st, 0);
        if (w >= 1 && w <= MAILING_WAVES)
            out->returns[w] = (long)sql_int(st, 1);
    }
    sql_finalize(st);
    if (rc == OMR_OK && step == SQL_ERROR)
        rc = sql_fail(db, err, "counting the returns per wave");
    return rc;
}
