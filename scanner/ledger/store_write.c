/*
 * store_write.c — what the scan pipeline read, written to the ledger: one
 * transaction per scan file, in which the file's pages join returns (the
 * oldest paper return of their login code that lacks that page, else a new
 * one flagged as a duplicate: returns.c), every box is kept, comment crops
 * are saved, and each return touched is decided again (store.c). Also the
 * content hash (SHA-256, OpenSSL EVP) that makes the same file arriving twice
 * count once, the small records (events, settings, known files, later
 * copies) and the background OCR queue (texts waiting in status pending_ocr).
 * Hands on a store_file_result: what was counted, for the daemon's log.
 */
#include "ledger/store.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ledger/queue.h"
#include "ledger/returns.h"
#include "ledger/sql.h"
#include "pages/encode.h"

#define RUN(db, err, what, sql, ...)                                                    \
    do {                                                                                \
        int rc_ = sql_run(db, err, what, sql, __VA_ARGS__);                             \
        if (rc_ != OMR_OK)                                                              \
            return rc_;                                                                 \
    } while (0)

/* ---- hashing ---------------------------------------------------------------------- */

int store_hash_file(const char *path, char hex[65], long long *size, omr_error *err) {
    hex[0] = 0;
    *size = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return omr_fail(err, OMR_ERR_IO, "cannot be read: %s", strerror(errno));
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (!ctx || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1) {
        EVP_MD_CTX_free(ctx);
        close(fd);
        return omr_fail(err, OMR_ERR_MEMORY, "cannot start SHA-256 (OpenSSL)");
    }
    unsigned char buf[1 << 16];
    ssize_t n;
    long long total = 0;
    while ((n = read(fd, buf, sizeof buf)) > 0) {
        EVP_DigestUpdate(ctx, buf, (size_t)n);
        total += n;
    }
    int saved = errno;
    close(fd);
    if (n < 0) {
        EVP_MD_CTX_free(ctx);
        return omr_fail(err, OMR_ERR_IO, "cannot be read: %s", strerror(saved));
    }
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_DigestFinal_ex(ctx, md, &len);
    EVP_MD_CTX_free(ctx);
    for (unsigned int i = 0; i < len && i < 32; i++)
        sprintf(hex + 2 * i, "%02x", md[i]);
    *size = total;
    return OMR_OK;
}

/* ---- small things ----------------------------------------------------------------- */

int store_log_event(omr_db *db, const char *level, const char *file, const char *message,
                    omr_error *err) {
    char now[32];
    store_now(now);
    RUN(db, err, "cannot add an event", "INSERT INTO events(at, level, file, message) VALUES (?, ?, ?, ?)",
        "tttt", now, level, file, message);
    return OMR_OK;
}

int store_set_meta(omr_db *db, const char *key, const char *value, omr_error *err) {
    RUN(db, err, "cannot write a setting", "INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value", "tt",
        key, value ? value : "");
    return OMR_OK;
}

int store_get_meta(omr_db *db, const char *key, char *buf, size_t size, omr_error *err) {
    return sql_text_query(db, buf, size, err, "cannot read a setting", "SELECT value FROM meta WHERE key = ?", "t",
                          key);
}

int store_find_file(omr_db *db, const char *sha256, store_file_info *out, omr_error *err) {
    memset(out, 0, sizeof *out);
    sql_stmt *st;
    int rc = sql_prepare(db, &st, err,
                     "SELECT id, state, original_name, stored_path, error, received_at "
                     "FROM scan_files WHERE sha256 = ?", "t", sha256);
    if (rc != OMR_OK)
        return rc;
    int step = sql_step(st);
    if (step == SQL_ROW) {
        out->found = 1;
        out->id = sql_int(st, 0);
        snprintf(out->state, sizeof out->state, "%s", sql_text(st, 1));
        snprintf(out->name, sizeof out->name, "%s", sql_text(st, 2));
        snprintf(out->stored_path, sizeof out->stored_path, "%s", sql_text(st, 3));
        snprintf(out->error, sizeof out->error, "%s", sql_text(st, 4));
        snprintf(out->received_at, sizeof out->received_at, "%s", sql_text(st, 5));
    }
    sql_finalize(st);
    if (step != SQL_ROW && step != SQL_DONE)
        return sql_fail(db, err, "cannot look up a file");
    return OMR_OK;
}

int store_forget_unfinished(omr_db *db, int *count, omr_error *err) {
    *count = 0;
    int rc = store_exec(db, "DELETE FROM scan_files WHERE state = 'processing' "
                            "AND NOT EXISTS (SELECT 1 FROM pages WHERE pages.file_id = scan_files.id) "
                            "AND NOT EXISTS (SELECT 1 FROM duplicate_files d WHERE d.file_id = scan_files.id)",
                        err);
    if (rc == OMR_OK)
        *count = sql_changes(db);
    return rc;
}

int store_record_duplicate(omr_db *db, long long file_id, const char *name, const char *received_at,
                           const char *stored_path, omr_error *err) {
    char now[32];
    store_now(now);
    RUN(db, err, "cannot note a duplicate file",
        "INSERT INTO duplicate_files(file_id, name, received_at, stored_path) VALUES (?, ?, ?, ?)", "ittt", file_id,
        name, received_at ? received_at : now, stored_path);
    return OMR_OK;
}

int store_find_duplicate(omr_db *db, long long file_id, const char *name, char *stored_path, size_t size,
                         omr_error *err) {
    assert(stored_path && size > 0);
    return sql_text_query(db, stored_path, size, err, "cannot look up a duplicate file",
                          "SELECT stored_path FROM duplicate_files WHERE file_id = ? AND name = ? "
                          "ORDER BY id DESC LIMIT 1",
                          "it", file_id, name);
}

/* The page transform as JSON for pages.transform; "covered" (marks covered
 * on a page placed by two) only when some are, "h" (the projective map,
 * row-major 3x3) only when the page showed perspective. */
static void transform_json(const page_transform *t, char *buf, size_t size) {
    const double *m = t->to_image.m, *h = t->homography;
    int n = snprintf(buf, size, "{\"m\":[%.10g,%.10g,%.10g,%.10g,%.10g,%.10g],\"turns\":%d,\"fiducials\":%d", m[0],
                     m[1], m[2], m[3], m[4], m[5], t->quarter_turns, t->fiducials_found);
    if (n > 0 && (size_t)n < size && t->fiducials_covered > 0)
        n += snprintf(buf + n, size - (size_t)n, ",\"covered\":%d", t->fiducials_covered);
    if (n > 0 && (size_t)n < size && t->projective)
        n += snprintf(buf + n, size - (size_t)n, ",\"h\":[%.10g,%.10g,%.10g,%.10g,%.10g,%.10g,%.10g,%.10g,%.10g]", h[0],
                      h[1], h[2], h[3], h[4], h[5], h[6], h[7], h[8]);
    if (n > 0 && (size_t)n + 1 < size)
        snprintf(buf + n, size - (size_t)n, "}");
}

/* ---- one scan file ------------------------------------------------------------------- */

/* Saves a comment crop as PNG: a temporary name, then renamed. */
static int save_crop(const omr_image *crop, const char *out_dir, const char *rel, omr_error *err) {
    char path[4096], temp[4200];
    snprintf(path, sizeof path, "%s/%s", out_dir, rel);
    snprintf(temp, sizeof temp, "%s/comments/.crop.tmp.%d.%d", out_dir, (int)getpid(), (int)gettid());
    int rc = encode_png(crop, temp, err);
    if (rc == OMR_OK && rename(temp, path) != 0) {
        rc = omr_fail(err, OMR_ERR_IO, "cannot save the comment crop %s: %s", path, strerror(errno));
        unlink(temp);
    } else if (rc != OMR_OK) {
        unlink(temp);
    }
    return rc;
}

/* Appends printf-style text to buf (cut, never overflowing). */
static void append(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void append(char *buf, size_t size, const char *fmt, ...) {
    size_t len = strlen(buf);
    if (len + 1 >= size)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf + len, size - len, fmt, ap);
    va_end(ap);
}

/* The return a read page joins (returns.c: the oldest paper return of its
 * (template, code) without that page, else a new one, a duplicate of the
 * first when there is one); a new duplicate gets its review item. */
static int assign_return(omr_db *db, const page_reading *pr, const char *now, long long *return_id,
                         int *created, long long *duplicate_of, omr_error *err) {
    assert(pr->identity.page >= 1 && (size_t)pr->identity.page <= pr->tmpl->n_pages);
    returns_match m;
    int rc = returns_find_or_start(db, pr->tmpl->id, pr->identity.code, pr->identity.page, now, NULL, &m, err);
    *return_id = m.return_id;
    *created = m.created;
    *duplicate_of = m.duplicate_of;
    if (rc == OMR_OK && m.created && m.duplicate_of > 0) {
        char reason[900];
        snprintf(reason, sizeof reason,
                 "login code %s already has a return (no. %lld, from %s); is this a second questionnaire "
                 "from the same person, or the same one scanned twice? Keep or discard this return",
                 pr->identity.code, m.duplicate_of, m.first_source);
        rc = queue_item_ensure(db, m.return_id, "duplicate", "duplicate", reason, err);
    }
    return rc;
}

/* The page row of a page with a reading: 'read' with its code and return,
 * or 'rejected' (reason kept) for a page known by its look whose code a
 * person is to type: its template, page number and transform are kept, so
 * the match knows the form it looks like and its marks count then. */
static int write_page_row(omr_db *db, long long file_id, const store_page *sp, long long return_id,
                          long long *page_id, omr_error *err) {
    const page_reading *pr = sp->reading;
    int read = sp->status == STORE_PAGE_READ;
    assert(pr && (read || sp->status == STORE_PAGE_REJECTED));
    assert(read == (return_id > 0));
    char transform[400];
    transform_json(&pr->transform, transform, sizeof transform);
    sql_stmt *st;
    int rc = read ? sql_prepare(db, &st, err,
                                "INSERT INTO pages(file_id, file_page, status, template, code, page, return_id, "
                                "transform) VALUES (?, ?, 'read', ?, ?, ?, ?, ?)", "iitti" "it", file_id,
                                (long long)sp->file_page, pr->tmpl->id, pr->identity.code,
                                (long long)pr->identity.page, return_id, transform)
                  : sql_prepare(db, &st, err,
                                "INSERT INTO pages(file_id, file_page, status, reason, template, page, transform) "
                                "VALUES (?, ?, 'rejected', ?, ?, ?, ?)", "iitt" "it", file_id,
                                (long long)sp->file_page, sp->reason, pr->tmpl->id, (long long)pr->identity.page,
                                transform);
    if (rc == OMR_OK)
        rc = sql_run_prepared(db, st, err, "cannot write a page");
    *page_id = rc == OMR_OK ? sql_last_id(db) : 0;
    return rc;
}

/* The marks of a page's boxes (a read page's, or one waiting for its code). */
static int write_marks(omr_db *db, const page_reading *pr, long long page_id, omr_error *err) {
    const omr_template *t = pr->tmpl;
    sql_stmt *st;
    int rc = sql_prepare(db, &st, err,
                 "INSERT INTO marks(page_id, question, value, fill, extent, near_mm2, decision, confidence, "
                 "shift_mm, ink_near) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", "");
    if (rc != OMR_OK)
        return rc;
    size_t k = 0;
    for (size_t qi = 0; qi < t->n_questions && rc == OMR_OK; qi++) {
        const template_question *q = &t->questions[qi];
        if (q->page != pr->identity.page)
            continue;
        for (size_t b = 0; b < q->n_boxes && k < pr->n_boxes; b++, k++) {
            const box_measure *m = &pr->measures[k];
            const box_decision *d = &pr->decisions[k];
            sql_reset(st);
            sql_bind(st, "ittddd" "tddi", page_id, q->id, q->boxes[b].value, m->fill, m->extent, m->near_mm2,
                     decide_box_state_name(d->state), d->confidence, m->shift_mm, (long long)decide_box_flags(d));
            if (sql_step(st) != SQL_DONE)
                rc = sql_fail(db, err, "cannot write a box");
        }
    }
    sql_finalize(st);
    return rc;
}

/* Stores one read page: the page row, its marks and its text fields. */
static int write_read_page(omr_db *db, const store_scan_file *file, long long file_id, const store_page *sp,
                           long long return_id, long long duplicate_of, store_file_result *result,
                           omr_error *err) {
    const page_reading *pr = sp->reading;
    const omr_template *t = pr->tmpl;
    long long page_id;
    int rc = write_page_row(db, file_id, sp, return_id, &page_id, err);
    if (rc == OMR_OK)
        rc = write_marks(db, pr, page_id, err);
    for (size_t i = 0; rc == OMR_OK && i < t->n_text_fields; i++) {
        const template_text_field *field = &t->text_fields[i];
        if (field->page != pr->identity.page)
            continue;
        const text_reading *tr = &pr->texts[i];
        if (!tr->has_writing) {
            RUN(db, err, "cannot write a text", "INSERT OR IGNORE INTO texts(return_id, field, status) VALUES (?, ?, 'none')",
                "it", return_id, field->id);
            continue;
        }
        result->comments++;
        char rel[600] = "";
        if (tr->crop && file->out_dir) {
            if (duplicate_of > 0)
                snprintf(rel, sizeof rel, "comments/%s-%s-r%lld-p%d-%s.png", t->id, pr->identity.code, return_id,
                         pr->identity.page, field->id);
            else
                snprintf(rel, sizeof rel, "comments/%s-%s-p%d-%s.png", t->id, pr->identity.code,
                         pr->identity.page, field->id);
            rc = save_crop(tr->crop, file->out_dir, rel, err);
            if (rc != OMR_OK)
                return rc;
        } else if (tr->crop_path) {
            snprintf(rel, sizeof rel, "%s", tr->crop_path);
        }
        const char *status;
        if (tr->covered)
            status = "review"; /* what it hides, no OCR reads */
        else if (tr->text)
            status = tr->needs_review ? "review" : "ok";
        else
            status = file->ocr && *rel ? "pending_ocr" : "review";
        sql_stmt *ts;
        rc = sql_prepare(db, &ts, err,
                     "INSERT OR IGNORE INTO texts(return_id, field, text, machine_text, confidence, crop_path, status) "
                     "VALUES (?1, ?2, ?3, ?3, ?4, ?5, ?6)", "itt" "dtt", return_id, field->id, tr->text,
                     tr->text ? tr->confidence : 0.0, *rel ? rel : NULL, status);
        if (rc == OMR_OK)
            rc = sql_run_prepared(db, ts, err, "cannot write a text");
        if (rc == OMR_OK && strcmp(status, "review") == 0)
            rc = queue_item_ensure(db, return_id, "text", field->id, text_review_reason(tr), err);
    }
    return rc;
}

static int write_file_body(omr_db *db, const omr_template *const *templates, size_t n_templates,
                           const store_scan_file *file, const char *now, const char *received,
                           store_file_result *result, omr_error *err) {
    long long existing = 0;
    if (file->sha256) {
        store_file_info info;
        int rc = store_find_file(db, file->sha256, &info, err);
        if (rc != OMR_OK)
            return rc;
        if (info.found && strcmp(info.state, "processing") != 0) {
            result->duplicate = 1;
            result->file_id = info.id;
            snprintf(result->state, sizeof result->state, "%s", info.state);
            snprintf(result->first_name, sizeof result->first_name, "%s", info.name);
            snprintf(result->first_path, sizeof result->first_path, "%s", info.stored_path);
            snprintf(result->error, sizeof result->error, "%s", info.error);
            snprintf(result->received_at, sizeof result->received_at, "%s", info.received_at);
            /* filed beside the first arrival: with the archive or the rejects */
            const char *stored = strcmp(info.state, "rejected") == 0 ? file->rejected_path : file->archive_path;
            rc = store_record_duplicate(db, info.id, file->name, received, stored, err);
            if (rc != OMR_OK)
                return rc;
            char message[1200];
            snprintf(message, sizeof message, "the same content as %s (received %s); not counted again",
                     info.name, info.received_at);
            return store_log_event(db, "info", file->name, message, err);
        }
        if (info.found)
            existing = info.id;
    }

    for (size_t i = 0; i < file->n_pages; i++) {
        const store_page *sp = &file->pages[i];
        if (sp->status == STORE_PAGE_READ && sp->reading)
            result->pages_read++;
        else if (sp->status == STORE_PAGE_BLANK)
            result->pages_blank++;
        else
            result->pages_rejected++;
        result->pages_waiting += sp->status == STORE_PAGE_REJECTED && sp->reading && sp->reviewable;
    }
    /* a file of blank pages (the backs of a duplex scan, saved apart) was read
     * and holds nothing: filed with the others, not with the rejects */
    int all_blank = !file->error && file->n_pages && result->pages_blank == file->n_pages;
    /* pages waiting for their code to be typed will count: the file is done */
    int done = result->pages_read > 0 || all_blank || result->pages_waiting > 0;
    snprintf(result->state, sizeof result->state, "%s", done ? "done" : "rejected");
    char error[1024] = "";
    if (file->error)
        snprintf(error, sizeof error, "%s", file->error);
    else if (!done) {
        snprintf(error, sizeof error, "no page could be used:");
        for (size_t i = 0; i < file->n_pages; i++)
            if (file->pages[i].status != STORE_PAGE_BLANK)
                append(error, sizeof error, " page %d: %s;", file->pages[i].file_page,
                       file->pages[i].reason ? file->pages[i].reason : "not read");
        if (!file->n_pages)
            snprintf(error, sizeof error, "the file holds no pages");
        size_t len = strlen(error);
        if (len && error[len - 1] == ';')
            error[len - 1] = 0;
    }
    snprintf(result->error, sizeof result->error, "%s", error);
    const char *stored = done ? file->archive_path : file->rejected_path;
    sql_stmt *st;
    int rc;
    if (existing)
        rc = sql_prepare(db, &st, err,
                     "UPDATE scan_files SET original_name = ?, stored_path = ?, size = ?, state = ?, "
                     "finished_at = ?, error = ? WHERE id = ?", "ttitt" "ti", file->name, stored, file->size,
                     result->state, now, *error ? error : NULL, existing);
    else
        rc = sql_prepare(db, &st, err,
                     "INSERT INTO scan_files(sha256, original_name, stored_path, size, state, received_at, "
                     "finished_at, error) VALUES (coalesce(?1, 'unreadable:' || ?2 || ':' || ?6 || ':' || "
                     "(SELECT ifnull(max(id), 0) + 1 FROM scan_files)), ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                     "ttti" "tttt", file->sha256, file->name, stored, file->size, result->state, received, now,
                     *error ? error : NULL);
    if (rc == OMR_OK)
        rc = sql_run_prepared(db, st, err, "cannot write the scan file's row");
    if (rc != OMR_OK)
        return rc;
    long long file_id = existing ? existing : sql_last_id(db);
    result->file_id = file_id;

    long long *touched = calloc(file->n_pages + 1, sizeof *touched);
    size_t n_touched = 0;
    if (!touched)
        return omr_fail(err, OMR_ERR_MEMORY, "out of memory");
    for (size_t i = 0; rc == OMR_OK && i < file->n_pages; i++) {
        const store_page *sp = &file->pages[i];
        if (sp->status == STORE_PAGE_READ && sp->reading) {
            long long return_id, duplicate_of;
            int created;
            rc = assign_return(db, sp->reading, now, &return_id, &created, &duplicate_of, err);
            if (rc == OMR_OK)
                rc = write_read_page(db, file, file_id, sp, return_id, duplicate_of, result, err);
            if (rc != OMR_OK)
                break;
            size_t j = 0;
            while (j < n_touched && touched[j] != return_id)
                j++;
            if (j == n_touched) {
                touched[n_touched++] = return_id;
                if (created)
                    result->returns_new++;
                else
                    result->returns_joined++;
            }
            continue;
        }
        long long page_id = 0;
        if (sp->status == STORE_PAGE_REJECTED && sp->reading) {
            rc = write_page_row(db, file_id, sp, 0, &page_id, err);
            if (rc == OMR_OK)
                rc = write_marks(db, sp->reading, page_id, err);
        } else {
            rc = sql_prepare(db, &st, err,
                             "INSERT INTO pages(file_id, file_page, status, reason) VALUES (?, ?, ?, ?)", "iitt",
                             file_id, (long long)sp->file_page,
                             sp->status == STORE_PAGE_BLANK ? "blank" : "rejected", sp->reason);
            if (rc == OMR_OK)
                rc = sql_run_prepared(db, st, err, "cannot write a page");
            page_id = sql_last_id(db);
        }
        /* a page for a person to match; a group's pages (store_page.group)
         * one item, on its first page, naming them all */
        if (rc == OMR_OK && sp->status == STORE_PAGE_REJECTED && sp->reviewable &&
            (!sp->group || sp->group == sp->file_page)) {
            char item[256] = "page", reason[1200];
            snprintf(reason, sizeof reason, "%s", sp->reason ? sp->reason : "page not read");
            if (sp->group) {
                assert(sp->reading);
                char looks[600] = "";
                snprintf(item, sizeof item, "pages");
                for (size_t j = i; j < file->n_pages; j++) {
                    const store_page *m = &file->pages[j];
                    if (m->group != sp->group || !m->reading)
                        continue;
                    append(item, sizeof item, " %d", m->file_page);
                    append(looks, sizeof looks, "%sfile page %d looks like page %d", j > i ? ", " : "",
                           m->file_page, m->reading->identity.page);
                }
                snprintf(reason, sizeof reason,
                         "the QR codes of one form could not be read (%s of %s); type the login code printed "
                         "under the QR code once for all of them", looks, sp->reading->tmpl->id);
            }
            rc = sql_prepare(db, &st, err,
                         "INSERT INTO review_items(page_id, item, kind, reason, created_at) "
                         "VALUES (?, ?, 'unmatched_page', ?, ?)",
                         "ittt", page_id, item, reason, now);
            if (rc == OMR_OK)
                rc = sql_run_prepared(db, st, err, "cannot add a review item");
        }
    }
    for (size_t j = 0; rc == OMR_OK && j < n_touched; j++) {
        rc = store_recompute_return(db, templates, n_templates, touched[j], err);
        if (rc != OMR_OK)
            break;
        rc = sql_prepare(db, &st, err,
                     "SELECT r.template, r.code, (SELECT count(DISTINCT page) FROM pages p WHERE p.return_id = r.id "
                     "AND p.status = 'read'), group_concat(DISTINCT p2.page), r.duplicate_of IS NOT NULL, "
                     "' ' || ifnull(r.flags, '') || ' ' LIKE '% not_in_frame %' FROM returns r LEFT JOIN pages p2 "
                     "ON p2.return_id = r.id AND p2.status = 'read' WHERE r.id = ?", "i", touched[j]);
        if (rc != OMR_OK)
            break;
        if (sql_step(st) == SQL_ROW) {
            const omr_template *t = store_template_by_id(templates, n_templates, sql_text(st, 0));
            int have = (int)sql_int(st, 2);
            /* a second paper of a code, or a code outside the frame, is no
             * plain complete form: the log says what it is */
            const char *what = sql_int(st, 4) ? "a second return of this code: waits in review"
                               : sql_int(st, 5) ? "not in the frame: flagged not_in_frame, check the code" : NULL;
            if (what)
                append(result->codes, sizeof result->codes, "%s%s (%s)", j ? ", " : "", sql_text(st, 1), what);
            else if (t && (size_t)have >= t->n_pages)
                append(result->codes, sizeof result->codes, "%s%s (complete)", j ? ", " : "", sql_text(st, 1));
            else
                append(result->codes, sizeof result->codes, "%s%s (page %s of %zu)", j ? ", " : "",
                       sql_text(st, 1), sql_text(st, 3), t ? t->n_pages : (size_t)0);
        }
        sql_finalize(st);
    }
    free(touched);
    if (rc != OMR_OK)
        return rc;
    if (strlen(result->codes) >= sizeof result->codes - 1)
        memcpy(result->codes + sizeof result->codes - 4, "...", 4);

    char message[1600];
    if (all_blank) {
        snprintf(message, sizeof message, "%zu blank page%s, nothing to count", result->pages_blank,
                 result->pages_blank == 1 ? "" : "s");
    } else if (done) {
        size_t unused = result->pages_rejected - result->pages_waiting;
        message[0] = 0;
        if (result->pages_read)
            snprintf(message, sizeof message, "read %zu page%s: %s", result->pages_read,
                     result->pages_read == 1 ? "" : "s", result->codes);
        if (result->pages_waiting)
            append(message, sizeof message, "%s%zu page%s known by their look wait in review for their code to "
                   "be typed", *message ? "; " : "", result->pages_waiting, result->pages_waiting == 1 ? "" : "s");
        if (result->pages_blank)
            append(message, sizeof message, "; %zu blank", result->pages_blank);
        if (unused)
            append(message, sizeof message, "; %zu page%s not used (see rejects.csv)", unused,
                   unused == 1 ? "" : "s");
    } else {
        snprintf(message, sizeof message, "rejected: %s", error);
    }
    return store_log_event(db, done ? "info" : "error", file->name, message, err);
}

int store_write_file(omr_db *db, const omr_template *const *templates, size_t n_templates,
                     const store_scan_file *file, store_file_result *result, omr_error *err) {
    memset(result, 0, sizeof *result);
    char now[32];
    store_now(now);
    const char *received = file->received_at ? file->received_at : now;
    int rc = store_begin(db, err);
    if (rc != OMR_OK)
        return rc;
    rc = write_file_body(db, templates, n_templates, file, now, received, result, err);
    if (rc == OMR_OK)
        rc = store_commit(db, err);
    if (rc != OMR_OK) {
        store_rollback(db);
        store_file_result empty = {0};
        *result = empty;
    }
    return rc;
}

int store_write_unreadable(omr_db *db, const char *name, const char *stored_path, const char *reason,
                           omr_error *err) {
    store_scan_file file = {.name = name, .rejected_path = stored_path, .archive_path = stored_path,
                            .error = reason};
    store_file_result result;
    return store_write_file(db, NULL, 0, &file, &result, err);
}

/* ---- the OCR queue --------------------------------------------------------------------- */

/* A time `seconds` from now as store_now writes it. */
static void time_after(int seconds, char buf[32]) {
    time_t t = time(NULL) + seconds;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* The claim, in one transaction: on PostgreSQL the row is locked FOR UPDATE
 * SKIP LOCKED (two stations asking at once get two different comments, and
 * neither waits for the other); on SQLite BEGIN IMMEDIATE takes the file's
 * write lock, which one connection holds at a time. */
static int claim_text_job(omr_db *db, long long after, int shard, int n_shards, const char *owner,
                          int lease_seconds, store_text_job *job, int *found, omr_error *err) {
    int pg = strcmp(sql_backend(db), "postgresql") == 0;
    char now[32], until[32];
    store_now(now);
    time_after(lease_seconds, until);
    int rc = store_exec(db, pg ? "BEGIN ISOLATION LEVEL READ COMMITTED" : "BEGIN IMMEDIATE", err);
    if (rc != OMR_OK)
        return rc;
    sql_stmt *st;
    rc = sql_prepare(db, &st, err,
                     pg ? "SELECT t.rowid, t.return_id, t.field, coalesce(t.crop_path, ''), r.template, r.code "
                          "FROM texts t JOIN returns r ON r.id = t.return_id WHERE t.status = 'pending_ocr' "
                          "AND t.rowid > ? AND t.rowid % ? = ? "
                          "AND (t.ocr_owner IS NULL OR t.ocr_until <= ? OR t.ocr_owner = ?) "
                          "ORDER BY t.rowid LIMIT 1 FOR UPDATE OF t SKIP LOCKED"
                        : "SELECT t.rowid, t.return_id, t.field, ifnull(t.crop_path, ''), r.template, r.code "
                          "FROM texts t JOIN returns r ON r.id = t.return_id WHERE t.status = 'pending_ocr' "
                          "AND t.rowid > ? AND t.rowid % ? = ? "
                          "AND (t.ocr_owner IS NULL OR t.ocr_until <= ? OR t.ocr_owner = ?) "
                          "ORDER BY t.rowid LIMIT 1",
                     "iiitt", after, (long long)n_shards, (long long)shard, now, owner);
    int step = SQL_ERROR;
    if (rc == OMR_OK) {
        step = sql_step(st);
        if (step == SQL_ROW) {
            *found = 1;
            job->rowid = sql_int(st, 0);
            job->return_id = sql_int(st, 1);
            snprintf(job->field, sizeof job->field, "%s", sql_text(st, 2));
            snprintf(job->crop_path, sizeof job->crop_path, "%s", sql_text(st, 3));
            snprintf(job->template_id, sizeof job->template_id, "%s", sql_text(st, 4));
            snprintf(job->code, sizeof job->code, "%s", sql_text(st, 5));
        }
        sql_finalize(st);
        if (step != SQL_ROW && step != SQL_DONE)
            rc = sql_fail(db, err, "cannot read the OCR queue");
    }
    if (rc == OMR_OK && *found)
        rc = sql_run(db, err, "cannot claim a comment for OCR",
                     "UPDATE texts SET ocr_owner = ?, ocr_until = ? WHERE rowid = ?", "tti", owner, until, job->rowid);
    if (rc == OMR_OK)
        rc = store_commit(db, err);
    if (rc != OMR_OK) {
        store_rollback(db);
        *found = 0;
    }
    return rc;
}

int store_next_text_job(omr_db *db, long long after, int shard, int n_shards, const char *owner, int lease_seconds,
                        store_text_job *job, int *found, omr_error *err) {
    assert(owner && *owner && lease_seconds > 0);
    memset(job, 0, sizeof *job);
    *found = 0;
    if (n_shards < 1)
        n_shards = 1;
    return claim_text_job(db, after, shard, n_shards, owner, lease_seconds, job, found, err);
}

static int finish_text_body(omr_db *db, const store_text_job *job, const char *text, double confidence,
                            int needs_review, const char *reason, omr_error *err) {
    sql_stmt *st;
    int rc = sql_prepare(db, &st, err,
                     "UPDATE texts SET text = ?1, machine_text = ?1, confidence = ?2, status = ?3, "
                     "ocr_owner = NULL, ocr_until = NULL WHERE rowid = ?4 AND status = 'pending_ocr'",
                     "tdti", text, confidence, needs_review ? "review" : "ok", job->rowid);
    if (rc == OMR_OK)
        rc = sql_run_prepared(db, st, err, "cannot write an OCR result");
    if (rc == OMR_OK && sql_changes(db) > 0 && needs_review)
        rc = queue_item_ensure(db, job->return_id, "text", job->field,
                                reason ? reason : "handwriting OCR unsure (confidence low)", err);
    return rc;
}

int store_finish_text_job(omr_db *db, const store_text_job *job, const char *text, double confidence,
                          int needs_review, const char *reason, omr_error *err) {
    int rc = store_begin(db, err);
    if (rc != OMR_OK)
        return rc;
    rc = finish_text_body(db, job, text, confidence, needs_review, reason, err);
    if (rc == OMR_OK)
        rc = store_commit(db, err);
    if (rc != OMR_OK)
        store_rollback(db);
    return rc;
}

int store_count_pending_texts(omr_db *db, long long *count, omr_error *err) {
    *count = 0;
    sql_stmt *st;
    int rc = sql_prepare(db, &st, err, "SELECT count(*) FROM texts WHERE status = 'pending_ocr'", "");
    if (rc != OMR_OK)
        return rc;
    if (sql_step(st) == SQL_ROW)
        *count = sql_int(st, 0);
    sql_finalize(st);
    return OMR_OK;
}

