/*
 * export.c — the CSV outputs, written from the ledger, each atomically
 * (temporary file, fflush + fsync, rename, fsync of the folder). Column order
 * in records.csv is a contract that other tools rely on: code, status,
 * review_items, the answers in template order (multi-choice options as
 * <question>.<value> = 1/0), the text fields, then provenance (template,
 * flags, review_reasons, confirmed, sources, return). New columns only ever
 * go at the end. With several templates, the columns are the union in order
 * of the templates given, and a return leaves the others' columns empty.
 * All five files are read from one snapshot of the ledger (a read
 * transaction), so they agree with each other even while the daemon writes.
 */
#include "export/export.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
void reject_list_add(reject_list *list, const char *file, int page, const char *reason, int blank) {
    if (list->count == list->cap) {
        size_t cap = list->cap ? list->cap * 2 : 16;
        reject_entry *grown = realloc(list->items, cap * sizeof *grown);
        if (!grown)
            return;
        list->items = grown;
        list->cap = cap;
    }
    list->items[list->count++] = (reject_entry){omr_strdup(file), page, omr_strdup(reason), blank};
}

void reject_list_free(reject_list *list) {
    for (size_t i = 0; i < list->count; i++) {
        free(list->items[i].file);
        free(list->items[i].reason);
    }
    free(list->items);
    memset(list, 0, sizeof *list);
}

void export_csv_field(FILE *out, const char *value) {
    if (!value)
        return;
    if (strpbrk(value, ",\"\r\n") == NULL) {
        fputs(value, out);
        return;
    }
    fputc('"', out);
    for (const char *p = value; *p; p++) {
        if (*p == '"')
            fputc('"', out);
        fputc(*p, out);
    }
    fputc('"', out);
}

static void csv_row(FILE *out, const char *const *fields, size_t n) {
    for (size_t i = 0; i < n; i++) {
        if (i)
            fputc(',', out);
        export_csv_field(out, fields[i]);
    }
    fputs("\r\n", out);
}

/* ---- atomic files ----------------------------------------------------------- */

typedef struct {
    FILE *fp;
    char final_path[4096];
    char temp_path[4096];
} atomic_file;

/* Words after a system error that say what happens next. */
static const char *io_hint(int e) {
    if (e == ENOSPC || e == EFBIG || e == EDQUOT)
        return " (the disk is full; omr writes it again when there is room)";
    if (e == EROFS || e == EACCES || e == EPERM)
        return " (the folder is read-only; omr writes it again when it can)";
    return "";
}

static int atomic_open(atomic_file *a, const char *dir, const char *name, omr_error *err) {
    snprintf(a->final_path, sizeof a->final_path, "%s/%s", dir, name);
    snprintf(a->temp_path, sizeof a->temp_path, "%s/.%s.tmp.%d", dir, name, (int)getpid());
    a->fp = fopen(a->temp_path, "w");
    if (!a->fp) {
        int saved = errno;
        return omr_fail(err, OMR_ERR_IO, "cannot write %s: %s%s", a->final_path, strerror(saved), io_hint(saved));
    }
    return OMR_OK;
}

/* Flushes the temporary file to disk and closes it; removes it on failure. */
static int atomic_finish(atomic_file *a, omr_error *err) {
    errno = 0;
    int failed = ferror(a->fp) != 0;
    int saved = errno;
    if (!failed && (fflush(a->fp) != 0 || fsync(fileno(a->fp)) != 0)) {
        failed = 1;
        saved = errno;
    }
    if (fclose(a->fp) != 0 && !failed) {
        failed = 1;
        saved = errno;
    }
    a->fp = NULL;
    if (failed) {
        unlink(a->temp_path);
        if (!saved)
            saved = EIO;
        return omr_fail(err, OMR_ERR_IO, "cannot write %s: %s%s", a->final_path, strerror(saved), io_hint(saved));
    }
    return OMR_OK;
}

static int atomic_rename(atomic_file *a, omr_error *err) {
    if (rename(a->temp_path, a->final_path) != 0) {
        int saved = errno;
        unlink(a->temp_path);
        return omr_fail(err, OMR_ERR_IO, "cannot write %s: %s%s", a->final_path, strerror(saved), io_hint(saved));
    }
    return OMR_OK;
}

/* Makes the renames in `dir` durable. */
static void sync_dir(const char *dir) {
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
}

/* ---- the files ----------------------------------------------------------------- */

/* Is `id` a column already written for an earlier template? */
static int column_seen(const omr_template *const *templates, size_t upto, const char *question,
                       const char *value, int is_text) {
    for (size_t k = 0; k < upto; k++) {
        const omr_template *t = templates[k];
        if (is_text) {
            for (size_t i = 0; i < t->n_text_fields; i++)
                if (strcmp(t->text_fields[i].id, question) == 0)
                    return 1;
            continue;
        }
        const template_question *q = template_question_by_id(t, question);
        if (!q || (q->type == QUESTION_MULTI) != (value != NULL))
            continue;
        if (!value)
            return 1;
        for (size_t b = 0; b < q->n_boxes; b++)
            if (strcmp(q->boxes[b].value, value) == 0)
                return 1;
    }
    return 0;
}

typedef struct {
    const char *question; /* question or text field id */
    const char *value;    /* multi option value, or NULL */
    int is_text;
    char name[160];
} column;

static size_t build_columns(const omr_template *const *templates, size_t n_templates, column **out) {
    size_t n = 0, cap = 64;
    column *cols = malloc(cap * sizeof *cols);
    for (int pass = 0; pass < 2; pass++) /* answers first, then text fields */
        for (size_t k = 0; k < n_templates; k++) {
            const omr_template *t = templates[k];
            size_t count = pass == 0 ? t->n_questions : t->n_text_fields;
            for (size_t i = 0; i < count; i++) {
                const template_question *q = pass == 0 ? &t->questions[i] : NULL;
                size_t options = q && q->type == QUESTION_MULTI ? q->n_boxes : 1;
                for (size_t b = 0; b < options; b++) {
                    const char *id = q ? q->id : t->text_fields[i].id;
                    const char *value = q && q->type == QUESTION_MULTI ? q->boxes[b].value : NULL;
                    if (column_seen(templates, k, id, value, pass == 1))
                        continue;
                    if (n == cap) {
                        cap *= 2;
                        cols = realloc(cols, cap * sizeof *cols);
                    }
                    column *c = &cols[n++];
                    c->question = id;
                    c->value = value;
                    c->is_text = pass == 1;
                    if (value)
                        snprintf(c->name, sizeof c->name, "%s.%s", id, value);
                    else
                        snprintf(c->name, sizeof c->name, "%s", id);
                }
            }
        }
    *out = cols;
    return n;
}

/* ---- one return, as the ledger holds it ---------------------------------------------- */

typedef struct {
    char *item, *kind, *reason;
    size_t rank; /* template order: questions, then text fields, then the rest */
} open_item;

typedef struct {
    long long id;
    const omr_template *tmpl;
    char code[IDENTIFY_MAX_ID];
    char *flags;
    int web;
    char **answers;        /* [n_questions], NULL when no row */
    int *has_answer, *answer_confirmed;
    char **texts;          /* [n_text_fields] */
    int *has_text, *text_confirmed, *text_pending;
    int *page_present;     /* [n_pages] */
    char *sources;
    open_item *items;
    size_t n_items;
} return_row;

static void return_row_clear(return_row *r) {
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

static const char *column_text(sqlite3_stmt *st, int i) {
    const unsigned char *s = sqlite3_column_text(st, i);
    return s ? (const char *)s : NULL;
}

static int db_error(sqlite3 *db, omr_error *err, const char *what) {
    return omr_fail(err, OMR_ERR_IO, "ledger: %s: %s", what, sqlite3_errmsg(db));
}

/* The statements used per return, prepared once. */
typedef struct {
    sqlite3_stmt *answers, *texts, *pages, *items;
} return_queries;

static int queries_prepare(sqlite3 *db, return_queries *q, omr_error *err) {
    memset(q, 0, sizeof *q);
    if (sqlite3_prepare_v2(db, "SELECT question, value, confirmed_by IS NOT NULL FROM answers WHERE return_id = ?",
                           -1, &q->answers, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, "SELECT field, text, status, confirmed_by IS NOT NULL FROM texts WHERE return_id = ?",
                           -1, &q->texts, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, "SELECT p.page, f.original_name, p.file_page FROM pages p JOIN scan_files f "
                               "ON f.id = p.file_id WHERE p.return_id = ? AND p.status = 'read' ORDER BY p.page, p.id",
                           -1, &q->pages, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, "SELECT item, kind, reason FROM review_items WHERE return_id = ? AND state = 'open' "
                               "ORDER BY id", -1, &q->items, NULL) != SQLITE_OK)
        return db_error(db, err, "cannot read returns");
    return OMR_OK;
}

static void queries_finalize(return_queries *q) {
    sqlite3_finalize(q->answers);
    sqlite3_finalize(q->texts);
    sqlite3_finalize(q->pages);
    sqlite3_finalize(q->items);
}

static int compare_items(const void *a, const void *b) {
    const open_item *x = a, *y = b;
    return x->rank < y->rank ? -1 : x->rank > y->rank;
}

/* Fills r (id, tmpl, code, flags, web set by the caller) from the ledger. */
static int load_return(return_queries *q, return_row *r, omr_error *err) {
    const omr_template *t = r->tmpl;
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

    sqlite3_stmt *st = q->answers;
    sqlite3_reset(st);
    sqlite3_bind_int64(st, 1, r->id);
    while (sqlite3_step(st) == SQLITE_ROW) {
        const template_question *qq = template_question_by_id(t, column_text(st, 0));
        if (!qq)
            continue;
        size_t i = (size_t)(qq - t->questions);
        r->has_answer[i] = 1;
        r->answers[i] = omr_strdup(column_text(st, 1));
        r->answer_confirmed[i] = sqlite3_column_int(st, 2);
    }
    st = q->texts;
    sqlite3_reset(st);
    sqlite3_bind_int64(st, 1, r->id);
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *field = column_text(st, 0);
        for (size_t i = 0; field && i < t->n_text_fields; i++)
            if (strcmp(t->text_fields[i].id, field) == 0) {
                r->has_text[i] = 1;
                r->texts[i] = omr_strdup(column_text(st, 1));
                r->text_pending[i] = strcmp(column_text(st, 2) ? column_text(st, 2) : "", "pending_ocr") == 0;
                r->text_confirmed[i] = sqlite3_column_int(st, 3);
            }
    }
    st = q->pages;
    sqlite3_reset(st);
    sqlite3_bind_int64(st, 1, r->id);
    size_t len = 0, cap = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        int page = sqlite3_column_int(st, 0);
        if (page >= 1 && (size_t)page <= t->n_pages)
            r->page_present[page - 1] = 1;
        char source[1200];
        int n = snprintf(source, sizeof source, "%s%s#%d", len ? ";" : "", column_text(st, 1) ? column_text(st, 1) : "",
                         sqlite3_column_int(st, 2));
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
    st = q->items;
    sqlite3_reset(st);
    sqlite3_bind_int64(st, 1, r->id);
    while (sqlite3_step(st) == SQLITE_ROW) {
        open_item *grown = realloc(r->items, (r->n_items + 1) * sizeof *grown);
        if (!grown)
            return omr_fail(err, OMR_ERR_MEMORY, "out of memory");
        r->items = grown;
        open_item *it = &r->items[r->n_items++];
        it->item = omr_strdup(column_text(st, 0) ? column_text(st, 0) : "");
        it->kind = omr_strdup(column_text(st, 1) ? column_text(st, 1) : "");
        it->reason = omr_strdup(column_text(st, 2) ? column_text(st, 2) : "");
        it->rank = t->n_questions + t->n_text_fields + r->n_items;
        const template_question *qq = template_question_by_id(t, it->item);
        if (qq && strcmp(it->kind, "answer") == 0)
            it->rank = (size_t)(qq - t->questions);
        for (size_t i = 0; i < t->n_text_fields && strcmp(it->kind, "text") == 0; i++)
            if (strcmp(t->text_fields[i].id, it->item) == 0)
                it->rank = t->n_questions + i;
    }
    if (r->n_items > 1)
        qsort(r->items, r->n_items, sizeof *r->items, compare_items);
    return OMR_OK;
}

static int return_incomplete(const return_row *r) {
    if (r->web)
        return 0;
    for (size_t p = 0; p < r->tmpl->n_pages; p++)
        if (!r->page_present[p])
            return 1;
    return 0;
}

static const char *return_status(const return_row *r) {
    if (r->n_items)
        return "review";
    return return_incomplete(r) ? "incomplete" : "ok";
}

/* Is `value` one of the space-separated words of `list`? */
static int list_has(const char *list, const char *value) {
    size_t n = strlen(value);
    for (const char *p = list; p && *p;) {
        while (*p == ' ')
            p++;
        size_t len = strcspn(p, " ");
        if (len == n && strncmp(p, value, n) == 0)
            return 1;
        p += len;
    }
    return 0;
}

static const char *cell_for(const return_row *r, const column *c, char *buf, size_t size) {
    const omr_template *t = r->tmpl;
    if (c->is_text) {
        for (size_t i = 0; i < t->n_text_fields; i++)
            if (strcmp(t->text_fields[i].id, c->question) == 0)
                return r->texts[i] ? r->texts[i] : "";
        return "";
    }
    const template_question *q = template_question_by_id(t, c->question);
    if (!q || (q->type == QUESTION_MULTI) != (c->value != NULL))
        return "";
    size_t i = (size_t)(q - t->questions);
    if (!r->has_answer[i])
        return ""; /* page missing: unknown, not "no" */
    if (!c->value)
        return r->answers[i] ? r->answers[i] : "";
    snprintf(buf, size, "%d", list_has(r->answers[i], c->value));
    return buf;
}

/* A growing string. */
typedef struct {
    char *s;
    size_t len, cap;
} strbuf;

static void sb_add(strbuf *b, const char *sep, const char *item) {
    size_t need = b->len + strlen(sep) + strlen(item) + 1;
    if (need > b->cap) {
        size_t cap = need * 2;
        char *grown = realloc(b->s, cap);
        if (!grown)
            return;
        b->s = grown;
        b->cap = cap;
    }
    b->len += (size_t)sprintf(b->s + b->len, "%s%s", b->len ? sep : "", item);
}

static void write_record(FILE *out, const return_row *r, const column *cols, size_t n_cols) {
    const omr_template *t = r->tmpl;
    strbuf items = {0}, reasons = {0}, flags = {0}, confirmed = {0};
    for (size_t i = 0; i < r->n_items; i++) {
        sb_add(&items, " ", r->items[i].item);
        char reason[1400];
        snprintf(reason, sizeof reason, "%s: %s", r->items[i].item, r->items[i].reason);
        sb_add(&reasons, "; ", reason);
    }
    if (r->flags && *r->flags)
        sb_add(&flags, " ", r->flags);
    for (size_t i = 0; i < t->n_text_fields; i++)
        if (r->text_pending[i]) {
            char flag[160];
            snprintf(flag, sizeof flag, "ocr_pending:%s", t->text_fields[i].id);
            sb_add(&flags, " ", flag);
        }
    for (size_t i = 0; i < t->n_questions; i++)
        if (r->answer_confirmed[i])
            sb_add(&confirmed, " ", t->questions[i].id);
    for (size_t i = 0; i < t->n_text_fields; i++)
        if (r->text_confirmed[i])
            sb_add(&confirmed, " ", t->text_fields[i].id);

    export_csv_field(out, r->code);
    fputc(',', out);
    fputs(return_status(r), out);
    fputc(',', out);
    export_csv_field(out, items.s ? items.s : "");
    for (size_t i = 0; i < n_cols; i++) {
        char buf[16];
        fputc(',', out);
        export_csv_field(out, cell_for(r, &cols[i], buf, sizeof buf));
    }
    char id[32];
    snprintf(id, sizeof id, "%lld", r->id);
    const char *prov[] = {t->id, flags.s ? flags.s : "", reasons.s ? reasons.s : "",
                          confirmed.s ? confirmed.s : "", r->sources ? r->sources : "", id};
    for (size_t i = 0; i < sizeof prov / sizeof prov[0]; i++) {
        fputc(',', out);
        export_csv_field(out, prov[i]);
    }
    fputs("\r\n", out);
    free(items.s);
    free(reasons.s);
    free(flags.s);
    free(confirmed.s);
}

static void write_review_rows(FILE *out, const return_row *r) {
    char id[32];
    snprintf(id, sizeof id, "%lld", r->id);
    for (size_t i = 0; i < r->n_items; i++) {
        const char *row[] = {r->code, r->tmpl->id, r->items[i].item, r->items[i].reason, id};
        csv_row(out, row, 5);
    }
}

static const omr_template *template_by_id(const omr_template *const *templates, size_t n, const char *id) {
    for (size_t i = 0; id && i < n; i++)
        if (strcmp(templates[i]->id, id) == 0)
            return templates[i];
    return NULL;
}

/* records.csv and review.csv, walking the returns once. A duplicate return
 * whose review item was decided "discard" is left out. */
static int write_records_and_review(sqlite3 *db, FILE *records, FILE *review,
                                    const omr_template *const *templates, size_t n_templates,
                                    export_summary *s, omr_error *err) {
    column *cols = NULL;
    size_t n_cols = build_columns(templates, n_templates, &cols);
    static const char *const head[] = {"code", "status", "review_items"};
    static const char *const tail[] = {"template", "flags", "review_reasons", "confirmed", "sources", "return"};
    for (size_t i = 0; i < 3; i++)
        fprintf(records, "%s%s", i ? "," : "", head[i]);
    for (size_t i = 0; i < n_cols; i++) {
        fputc(',', records);
        export_csv_field(records, cols[i].name);
    }
    for (size_t i = 0; i < sizeof tail / sizeof tail[0]; i++)
        fprintf(records, ",%s", tail[i]);
    fputs("\r\n", records);
    static const char *const review_head[] = {"code", "template", "item", "reason", "return"};
    csv_row(review, review_head, 5);

    return_queries q;
    int rc = queries_prepare(db, &q, err);
    sqlite3_stmt *st = NULL;
    if (rc == OMR_OK &&
        sqlite3_prepare_v2(db,
                           "SELECT r.id, r.template, r.code, r.flags, r.mode = 'web' FROM returns r "
                           "WHERE NOT EXISTS (SELECT 1 FROM review_items ri JOIN decisions d ON d.review_item_id = ri.id "
                           "WHERE ri.return_id = r.id AND ri.kind = 'duplicate' AND ri.state = 'decided' "
                           "AND d.final_value = 'discard' AND d.id = (SELECT max(id) FROM decisions "
                           "WHERE review_item_id = ri.id)) ORDER BY r.template, r.code, r.id",
                           -1, &st, NULL) != SQLITE_OK)
        rc = db_error(db, err, "cannot read returns");
    int step = SQLITE_DONE;
    while (rc == OMR_OK && (step = sqlite3_step(st)) == SQLITE_ROW) {
        const omr_template *t = template_by_id(templates, n_templates, column_text(st, 1));
        if (!t) {
            s->left_out++;
            continue;
        }
        return_row r = {0};
        r.id = sqlite3_column_int64(st, 0);
        r.tmpl = t;
        snprintf(r.code, sizeof r.code, "%s", column_text(st, 2) ? column_text(st, 2) : "");
        r.flags = omr_strdup(column_text(st, 3));
        r.web = sqlite3_column_int(st, 4);
        rc = load_return(&q, &r, err);
        if (rc == OMR_OK) {
            write_record(records, &r, cols, n_cols);
            write_review_rows(review, &r);
            s->forms++;
            s->forms_review += r.n_items > 0;
            s->forms_incomplete += return_incomplete(&r);
            for (size_t i = 0; i < t->n_text_fields; i++)
                s->comments_read += r.texts[i] != NULL;
        }
        return_row_clear(&r);
    }
    if (rc == OMR_OK && step != SQLITE_DONE)
        rc = db_error(db, err, "cannot read returns");
    sqlite3_finalize(st);
    queries_finalize(&q);
    free(cols);
    return rc;
}

typedef struct {
    char question[128], value[64], decision[16];
    double fill, extent, near, confidence, shift;
} mark_row;

static int write_marks(sqlite3 *db, FILE *out, const omr_template *const *templates, size_t n_templates,
                       omr_error *err) {
    static const char *const head[] = {"code", "page", "question", "value", "fill", "decision",
                                       "confidence", "extent", "ink_near_mm2", "shift_mm", "file",
                                       "file_page", "return"};
    csv_row(out, head, sizeof head / sizeof head[0]);
    sqlite3_stmt *pages = NULL, *marks = NULL;
    if (sqlite3_prepare_v2(db,
                           "SELECT p.id, p.template, p.code, p.page, f.original_name, p.file_page, p.return_id "
                           "FROM pages p JOIN scan_files f ON f.id = p.file_id WHERE p.status = 'read' ORDER BY p.id",
                           -1, &pages, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db,
                           "SELECT question, value, decision, fill, extent, near_mm2, confidence, ifnull(shift_mm, 0) "
                           "FROM marks WHERE page_id = ?", -1, &marks, NULL) != SQLITE_OK) {
        sqlite3_finalize(pages);
        return db_error(db, err, "cannot read marks");
    }
    mark_row *rows = NULL;
    size_t cap = 0;
    int step;
    while ((step = sqlite3_step(pages)) == SQLITE_ROW) {
        const omr_template *t = template_by_id(templates, n_templates, column_text(pages, 1));
        if (!t)
            continue;
        int number = sqlite3_column_int(pages, 3);
        size_t n = 0;
        sqlite3_reset(marks);
        sqlite3_bind_int64(marks, 1, sqlite3_column_int64(pages, 0));
        while (sqlite3_step(marks) == SQLITE_ROW) {
            if (n == cap) {
                cap = cap ? cap * 2 : 128;
                mark_row *grown = realloc(rows, cap * sizeof *rows);
                if (!grown)
                    break;
                rows = grown;
            }
            mark_row *m = &rows[n++];
            snprintf(m->question, sizeof m->question, "%s", column_text(marks, 0) ? column_text(marks, 0) : "");
            snprintf(m->value, sizeof m->value, "%s", column_text(marks, 1) ? column_text(marks, 1) : "");
            snprintf(m->decision, sizeof m->decision, "%s", column_text(marks, 2) ? column_text(marks, 2) : "");
            m->fill = sqlite3_column_double(marks, 3);
            m->extent = sqlite3_column_double(marks, 4);
            m->near = sqlite3_column_double(marks, 5);
            m->confidence = sqlite3_column_double(marks, 6);
            m->shift = sqlite3_column_double(marks, 7);
        }
        char page[16], fpage[16], ret[32];
        snprintf(page, sizeof page, "%d", number);
        snprintf(fpage, sizeof fpage, "%d", sqlite3_column_int(pages, 5));
        snprintf(ret, sizeof ret, "%lld", sqlite3_column_int64(pages, 6));
        /* boxes in template order */
        for (size_t qi = 0; qi < t->n_questions; qi++) {
            const template_question *q = &t->questions[qi];
            if (q->page != number)
                continue;
            for (size_t b = 0; b < q->n_boxes; b++) {
                const mark_row *m = NULL;
                for (size_t k = 0; k < n && !m; k++)
                    if (strcmp(rows[k].question, q->id) == 0 && strcmp(rows[k].value, q->boxes[b].value) == 0)
                        m = &rows[k];
                if (!m)
                    continue;
                char fill[24], conf[24], extent[24], near[24], shift[24];
                snprintf(fill, sizeof fill, "%.4f", m->fill);
                snprintf(conf, sizeof conf, "%.3f", m->confidence);
                snprintf(extent, sizeof extent, "%.3f", m->extent);
                snprintf(near, sizeof near, "%.2f", m->near);
                snprintf(shift, sizeof shift, "%.2f", m->shift);
                const char *row[] = {column_text(pages, 2), page, q->id, q->boxes[b].value, fill, m->decision,
                                     conf, extent, near, shift, column_text(pages, 4), fpage, ret};
                csv_row(out, row, sizeof row / sizeof row[0]);
            }
        }
    }
    free(rows);
    sqlite3_finalize(pages);
    sqlite3_finalize(marks);
    if (step != SQLITE_DONE)
        return db_error(db, err, "cannot read marks");
    return OMR_OK;
}

static int write_rejects(sqlite3 *db, FILE *out, omr_error *err) {
    static const char *const head[] = {"file", "page", "kind", "reason"};
    csv_row(out, head, 4);
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db,
                           "SELECT f.id, f.original_name, p.file_page, p.status, p.reason FROM scan_files f "
                           "JOIN pages p ON p.file_id = f.id WHERE p.status IN ('blank', 'rejected') "
                           "UNION ALL SELECT f.id, f.original_name, 0, 'file', f.error FROM scan_files f "
                           "WHERE f.state = 'rejected' AND NOT EXISTS (SELECT 1 FROM pages p WHERE p.file_id = f.id) "
                           "ORDER BY 1, 3", -1, &st, NULL) != SQLITE_OK)
        return db_error(db, err, "cannot read rejects");
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        char page[16] = "";
        if (sqlite3_column_int(st, 2) > 0)
            snprintf(page, sizeof page, "%d", sqlite3_column_int(st, 2));
        const char *status = column_text(st, 3);
        const char *row[] = {column_text(st, 1), page, status && strcmp(status, "blank") == 0 ? "blank" : "error",
                             column_text(st, 4) ? column_text(st, 4) : ""};
        csv_row(out, row, 4);
    }
    sqlite3_finalize(st);
    if (step != SQLITE_DONE)
        return db_error(db, err, "cannot read rejects");
    if (sqlite3_prepare_v2(db,
                           "SELECT d.name, f.original_name, f.received_at FROM duplicate_files d "
                           "JOIN scan_files f ON f.id = d.file_id ORDER BY d.id", -1, &st, NULL) != SQLITE_OK)
        return db_error(db, err, "cannot read duplicate files");
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        char reason[1400];
        snprintf(reason, sizeof reason, "the same content as %s (received %s); not counted again",
                 column_text(st, 1) ? column_text(st, 1) : "", column_text(st, 2) ? column_text(st, 2) : "");
        const char *row[] = {column_text(st, 0), "", "duplicate", reason};
        csv_row(out, row, 4);
    }
    sqlite3_finalize(st);
    if (step != SQLITE_DONE)
        return db_error(db, err, "cannot read duplicate files");
    return OMR_OK;
}

static void write_codebook(FILE *out, const omr_template *const *templates, size_t n_templates) {
    static const char *const head[] = {"template", "variable", "type", "question", "value",
                                       "label", "missing"};
    csv_row(out, head, sizeof head / sizeof head[0]);
    for (size_t k = 0; k < n_templates; k++) {
        const omr_template *t = templates[k];
        for (size_t i = 0; i < t->n_questions; i++) {
            const template_question *q = &t->questions[i];
            for (size_t b = 0; b < q->n_boxes; b++) {
                char variable[160];
                if (q->type == QUESTION_MULTI) {
                    snprintf(variable, sizeof variable, "%s.%s", q->id, q->boxes[b].value);
                    const char *row1[] = {t->id, variable, "multi", q->text, "1",
                                          q->boxes[b].label ? q->boxes[b].label : "", "empty = page missing"};
                    const char *row0[] = {t->id, variable, "multi", q->text, "0", "not marked",
                                          "empty = page missing"};
                    csv_row(out, row1, 7);
                    csv_row(out, row0, 7);
                } else {
                    const char *row[] = {t->id, q->id, template_question_type_name(q->type), q->text,
                                         q->boxes[b].value, q->boxes[b].label ? q->boxes[b].label : "",
                                         "empty = unanswered, unreadable or page missing"};
                    csv_row(out, row, 7);
                }
            }
        }
        for (size_t i = 0; i < t->n_text_fields; i++) {
            const template_text_field *f = &t->text_fields[i];
            const char *row[] = {t->id, f->id, "text", f->prompt ? f->prompt : "", "", "",
                                 "empty = nothing written"};
            csv_row(out, row, 7);
        }
    }
}

static const char *const export_names[] = {"records.csv", "marks.csv", "review.csv", "rejects.csv",
                                           "codebook.csv"};

int export_ledger(sqlite3 *db, const char *dir, const omr_template *const *templates, size_t n_templates,
                  export_summary *summary, omr_error *err) {
    memset(summary, 0, sizeof *summary);
    atomic_file files[5];
    size_t opened = 0;
    int rc = OMR_OK;
    for (; opened < 5; opened++) {
        rc = atomic_open(&files[opened], dir, export_names[opened], err);
        if (rc != OMR_OK)
            break;
    }
    /* one snapshot for all five */
    if (rc == OMR_OK && sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
        rc = db_error(db, err, "cannot read the ledger");
    if (rc == OMR_OK)
        rc = write_records_and_review(db, files[0].fp, files[2].fp, templates, n_templates, summary, err);
    if (rc == OMR_OK)
        rc = write_marks(db, files[1].fp, templates, n_templates, err);
    if (rc == OMR_OK)
        rc = write_rejects(db, files[3].fp, err);
    if (!sqlite3_get_autocommit(db))
        sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    if (rc == OMR_OK)
        write_codebook(files[4].fp, templates, n_templates);
    /* every file complete on disk before any is renamed, so the five stay in step */
    for (size_t i = 0; i < opened; i++) {
        if (rc == OMR_OK) {
            rc = atomic_finish(&files[i], err);
        } else {
            fclose(files[i].fp);
            unlink(files[i].temp_path);
        }
    }
    for (size_t i = 0; i < opened; i++) {
        if (rc == OMR_OK)
            rc = atomic_rename(&files[i], err);
        else
            unlink(files[i].temp_path);
    }
    if (rc == OMR_OK)
        sync_dir(dir);
    return rc;
}

void export_remove_leftovers(const char *dir) {
    DIR *d = opendir(dir);
    if (!d)
        return;
    for (struct dirent *e; (e = readdir(d));) {
        for (size_t i = 0; i < sizeof export_names / sizeof export_names[0]; i++) {
            char prefix[64];
            snprintf(prefix, sizeof prefix, ".%s.tmp.", export_names[i]);
            if (strncmp(e->d_name, prefix, strlen(prefix)) == 0) {
                char path[4400];
                snprintf(path, sizeof path, "%.4000s/%.255s", dir, e->d_name);
                unlink(path);
            }
        }
    }
    closedir(d);
    /* crops a killed write left half-saved */
    char comments[4096];
    snprintf(comments, sizeof comments, "%s/comments", dir);
    d = opendir(comments);
    if (!d)
        return;
    for (struct dirent *e; (e = readdir(d));)
        if (strncmp(e->d_name, ".crop.tmp.", 10) == 0) {
            char path[4400];
            snprintf(path, sizeof path, "%.4000s/%.255s", comments, e->d_name);
            unlink(path);
        }
    closedir(d);
}
