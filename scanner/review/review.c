/*
 * review.c — the review queue for operators: what each item means against
 * its template (which values a question has, which questions a page holds),
 * leasing items, decisions checked and handed to the ledger (queue.c,
 * decisions.c: each change one IMMEDIATE transaction, so two operators or two
 * processes never lease the same item and a decision is never half
 * applied), undo, and the JSON the web page shows (an item, the supervisor's
 * summary). See review.h for what each decision writes. No SQL here: the
 * ledger hands over plain values and JSON objects.
 */
#include "review/review.h"

#include <ctype.h>
#include <jansson.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledger/decisions.h"
#include "ledger/queue.h"
#include "ledger/returns.h"
#include "ledger/store.h"
#include "forms/code.h"
#include "reading/reference.h"
#include "review/review_users.h"

_Static_assert(REVIEW_ERR_CONFLICT == QUEUE_ERR_CONFLICT, "one conflict status for the queue and the page");


struct review_queue {
    omr_db *db;
    int lease_seconds;
    char *base_dir; /* the ledger's folder */
    char *out_dir;  /* the scan output folder: comment crops are relative to it */
    struct loaded_template {
        char *id;
        omr_template *tmpl; /* NULL when it could not be loaded */
    } *templates;
    size_t n_templates;
};
static const char *const outcome_names[] = {"value", "blank",   "illegible", "text",
                                            "match", "keep",    "discard",   "not_form"};

/* ---- small helpers ------------------------------------------------------ */

static void iso_time(time_t t, char buf[32]) {
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Commits, or rolls back when the commit fails. */
static int commit(omr_db *db, omr_error *err) {
    if (store_commit(db, err) != OMR_OK) {
        store_rollback(db);
        return OMR_ERR_IO;
    }
    return OMR_OK;
}

/* The template and code of a return, NULL when there is no such return. */
static const char *return_template(omr_db *db, int64_t return_id, char *buf, size_t size, char *code,
                                   size_t code_size) {
    int found = 0;
    if (returns_get(db, return_id, buf, size, code, code_size, &found, NULL) != OMR_OK || !found)
        return NULL;
    return buf;
}

/* ---- opening ------------------------------------------------------------ */

int review_open(omr_db *db, omr_error *err) {
    if (review_users_open(db, err) != OMR_OK)
        return OMR_ERR_IO;
    return queue_open(db, err);
}

int review_queue_new(omr_db *db, int lease_seconds, const char *out_dir, review_queue **out,
                     omr_error *err) {
    *out = NULL;
    if (review_open(db, err) != OMR_OK)
        return OMR_ERR_IO;
    review_queue *q = calloc(1, sizeof *q);
    if (!q)
        return omr_fail(err, OMR_ERR_MEMORY, "out of memory");
    q->db = db;
    q->lease_seconds = lease_seconds > 0 ? lease_seconds : REVIEW_DEFAULT_LEASE_SECONDS;
    const char *file = store_filename(db);
    char *copy = strdup(file && *file ? file : "./omr.db");
    q->base_dir = copy ? strdup(dirname(copy)) : NULL;
    free(copy);
    q->out_dir = strdup(out_dir && *out_dir ? out_dir : q->base_dir ? q->base_dir : ".");
    if (!q->base_dir || !q->out_dir) {
        free(q->base_dir);
        free(q->out_dir);
        free(q);
        return omr_fail(err, OMR_ERR_MEMORY, "out of memory");
    }
    *out = q;
    return OMR_OK;
}

void review_queue_free(review_queue *q) {
    if (!q)
        return;
    for (size_t i = 0; i < q->n_templates; i++) {
        free(q->templates[i].id);
        template_free(q->templates[i].tmpl);
    }
    free(q->templates);
    free(q->base_dir);
    free(q->out_dir);
    free(q);
}

omr_db *review_queue_db(review_queue *q) { return q->db; }
const char *review_queue_out_dir(const review_queue *q) { return q->out_dir; }

const omr_template *review_queue_template(review_queue *q, const char *id, omr_error *err) {
    if (!id)
        return omr_fail(err, OMR_ERR_NOT_FOUND, "the item names no template"), NULL;
    for (size_t i = 0; i < q->n_templates; i++)
        if (strcmp(q->templates[i].id, id) == 0) {
            if (!q->templates[i].tmpl)
                omr_fail(err, OMR_ERR_NOT_FOUND, "template \"%s\" could not be loaded", id);
            return q->templates[i].tmpl;
        }
    /* only plain template ids are looked up, never paths */
    for (const char *c = id; *c; c++)
        if (!(isalnum((unsigned char)*c) || *c == '-' || *c == '_'))
            return omr_fail(err, OMR_ERR_INVALID, "\"%.60s\" is not a template id", id), NULL;
    omr_template *t = NULL;
    char *path = template_find(id);
    if (path) {
        if (template_load(path, &t, NULL, err) != OMR_OK)
            t = NULL;
        free(path);
    } else {
        omr_fail(err, OMR_ERR_NOT_FOUND, "template \"%s\" not found in templates/", id);
    }
    struct loaded_template *grown = realloc(q->templates, (q->n_templates + 1) * sizeof *grown);
    if (!grown) {
        template_free(t);
        return omr_fail(err, OMR_ERR_MEMORY, "out of memory"), NULL;
    }
    q->templates = grown;
    q->templates[q->n_templates].id = strdup(id);
    q->templates[q->n_templates].tmpl = t;
    if (!q->templates[q->n_templates].id) {
        template_free(t);
        return omr_fail(err, OMR_ERR_MEMORY, "out of memory"), NULL;
    }
    q->n_templates++;
    return t;
}

/* ---- leases ------------------------------------------------------------- */

int review_next(review_queue *q, const char *op, time_t now, const int64_t *skip, size_t n_skip,
                int64_t *item, omr_error *err) {
    char now_s[32], until_s[32];
    iso_time(now, now_s);
    iso_time(now + q->lease_seconds, until_s);
    return queue_lease_next(q->db, op, now_s, until_s, skip, n_skip, item, err);
}

int review_renew(review_queue *q, const char *op, int64_t id, time_t now, omr_error *err) {
    char now_s[32], until_s[32];
    iso_time(now, now_s);
    iso_time(now + q->lease_seconds, until_s);
    if (store_begin(q->db, err) != OMR_OK)
        return OMR_ERR_IO;
    queue_item r;
    int rc = queue_item_get(q->db, id, &r, err);
    if (rc == OMR_OK && strcmp(r.state, "open") != 0)
        rc = omr_fail(err, REVIEW_ERR_CONFLICT, "item %lld was decided meanwhile", (long long)id);
    else if (rc == OMR_OK && queue_leased_to_other(&r, op, now_s))
        rc = omr_fail(err, REVIEW_ERR_CONFLICT, "item %lld is being reviewed by %s", (long long)id, r.lease_owner);
    queue_item_clear(&r);
    if (rc == OMR_OK)
        rc = queue_lease_set(q->db, id, op, until_s, err);
    if (rc != OMR_OK) {
        store_rollback(q->db);
        return rc;
    }
    return commit(q->db, err);
}

int review_release(review_queue *q, const char *op, int64_t id, omr_error *err) {
    return queue_lease_release(q->db, id, op, err);
}

/* ---- decisions ---------------------------------------------------------- */

/* Checks a value against a question and writes it in canonical form (the
 * template's order, space-separated for multi) into out. */
static int canonical_value(const template_question *qq, const char *value, char *out, size_t size,
                           omr_error *err) {
    out[0] = 0;
    if (!value)
        return omr_fail(err, OMR_ERR_INVALID, "no value given for %s", qq->id);
    if (qq->type != QUESTION_MULTI) {
        for (size_t b = 0; b < qq->n_boxes; b++)
            if (strcmp(qq->boxes[b].value, value) == 0) {
                snprintf(out, size, "%s", value);
                return OMR_OK;
            }
        return omr_fail(err, OMR_ERR_INVALID, "%s has no value \"%.40s\"", qq->id, value);
    }
    /* multi: every word must be a value; duplicates collapse */
    char *copy = strdup(value), *save = NULL;
    if (!copy)
        return omr_fail(err, OMR_ERR_MEMORY, "out of memory");
    int chosen[256] = {0};
    for (char *w = strtok_r(copy, " ,", &save); w; w = strtok_r(NULL, " ,", &save)) {
        size_t b;
        for (b = 0; b < qq->n_boxes && b < 256; b++)
            if (strcmp(qq->boxes[b].value, w) == 0)
                break;
        if (b == qq->n_boxes || b >= 256) {
            omr_fail(err, OMR_ERR_INVALID, "%s has no value \"%.40s\"", qq->id, w);
            free(copy);
            return OMR_ERR_INVALID;
        }
        chosen[b] = 1;
    }
    free(copy);
    size_t len = 0;
    for (size_t b = 0; b < qq->n_boxes && b < 256; b++)
        if (chosen[b] && len + strlen(qq->boxes[b].value) + 2 < size)
            len += (size_t)snprintf(out + len, size - len, "%s%s", len ? " " : "", qq->boxes[b].value);
    return OMR_OK;
}

static int decide_answer(review_queue *q, const char *op, int64_t id, const queue_item *r,
                         const review_choice *c, const char *now_s, omr_error *err) {
    char tid[128], code[128];
    if (!r->has_return || !return_template(q->db, r->return_id, tid, sizeof tid, code, sizeof code))
        return omr_fail(err, OMR_ERR_INVALID, "item %lld belongs to no return", (long long)id);
    const omr_template *t = review_queue_template(q, tid, err);
    if (!t)
        return OMR_ERR_NOT_FOUND;
    const template_question *qq = template_question_by_id(t, r->item);
    if (!qq)
        return omr_fail(err, OMR_ERR_INVALID, "template %s has no question \"%s\"", tid, r->item);
    char value[1024];
    const char *final = NULL;
    if (c->kind == REVIEW_CHOICE_VALUE) {
        if (canonical_value(qq, c->value, value, sizeof value, err) != OMR_OK)
            return OMR_ERR_INVALID;
        final = value; /* a multi with nothing chosen is "" : all options 0 */
        if (qq->type == QUESTION_MULTI && !value[0])
            final = NULL;
    } else if (c->kind != REVIEW_CHOICE_BLANK && c->kind != REVIEW_CHOICE_ILLEGIBLE) {
        return omr_fail(err, OMR_ERR_INVALID, "%s is a question: choose a value, blank or illegible", r->item);
    }
    return decisions_confirm(q->db, id, r, op, now_s, final, outcome_names[c->kind], err);
}

static int decide_text(review_queue *q, const char *op, int64_t id, const queue_item *r,
                       const review_choice *c, const char *now_s, omr_error *err) {
    if (!r->has_return)
        return omr_fail(err, OMR_ERR_INVALID, "item %lld belongs to no return", (long long)id);
    const char *final = NULL;
    if (c->kind == REVIEW_CHOICE_TEXT || c->kind == REVIEW_CHOICE_VALUE) {
        if (!c->value)
            return omr_fail(err, OMR_ERR_INVALID, "no text given for %s", r->item);
        if (strlen(c->value) > 20000)
            return omr_fail(err, OMR_ERR_INVALID, "the text is longer than 20,000 characters");
        final = c->value[0] ? c->value : NULL;
    } else if (c->kind != REVIEW_CHOICE_BLANK && c->kind != REVIEW_CHOICE_ILLEGIBLE) {
        return omr_fail(err, OMR_ERR_INVALID, "%s is a comment: correct the text, or choose blank or illegible",
                        r->item);
    }
    return decisions_confirm(q->db, id, r, op, now_s, final,
                             outcome_names[c->kind == REVIEW_CHOICE_VALUE ? REVIEW_CHOICE_TEXT : c->kind], err);
}


/* The ledger's contract (store.h): a duplicate's decision 'discard' leaves
 * that return out of records.csv, any other value keeps it. */
static int decide_duplicate(review_queue *q, const char *op, int64_t id, const queue_item *r,
                            const review_choice *c, const char *now_s, omr_error *err) {
    if (c->kind != REVIEW_CHOICE_KEEP && c->kind != REVIEW_CHOICE_DISCARD)
        return omr_fail(err, OMR_ERR_INVALID, "a duplicate return is kept (k) or discarded (d)");
    if (!r->has_return)
        return omr_fail(err, OMR_ERR_INVALID, "item %lld belongs to no return", (long long)id);
    return decisions_record(q->db, id, op, now_s, NULL, c->kind == REVIEW_CHOICE_KEEP ? "keep" : "discard",
                            outcome_names[c->kind], NULL, NULL, NULL, NULL, err);
}

/* Joins a hand-matched page (and the other pages of its group) to its
 * code's return by the ledger's rule (decisions_match): pages read by
 * their look count their marks; pages without marks, and text fields, are
 * keyed in by hand. */
static int decide_match(review_queue *q, const char *op, int64_t id, const queue_item *r,
                        const review_choice *c, const char *now_s, omr_error *err) {
    if (c->kind == REVIEW_CHOICE_NOT_FORM)
        return decisions_record(q->db, id, op, now_s, NULL, "not_form", "not_form", NULL, NULL, NULL, NULL, err);
    if (c->kind != REVIEW_CHOICE_MATCH)
        return omr_fail(err, OMR_ERR_INVALID,
                        "a page without a readable code is matched by typing its login code, or set aside (x)");
    if (!r->has_page)
        return omr_fail(err, OMR_ERR_INVALID, "item %lld names no page", (long long)id);
    if (!c->value || !identify_code_is_valid(c->value))
        return omr_fail(err, OMR_ERR_INVALID, "a login code is 1 to 40 letters and digits");
    char code[64];
    snprintf(code, sizeof code, "%s", c->value);
    for (char *p = code; *p; p++)
        *p = (char)toupper((unsigned char)*p);
    queue_page before;
    int rc = queue_page_get(q->db, r->page_id, &before, err);
    if (rc != OMR_OK)
        return rc;
    const char *tid = c->template_id && *c->template_id ? c->template_id : before.template_id;
    int page = c->page > 0 ? c->page : (before.has_page ? before.page : 1);
    const omr_template *t = tid ? review_queue_template(q, tid, err) : NULL;
    if (!tid)
        rc = omr_fail(err, OMR_ERR_INVALID, "choose the questionnaire (template) this page belongs to");
    else if (!t)
        rc = OMR_ERR_INVALID;
    else if (page < 1 || (size_t)page > t->n_pages)
        rc = omr_fail(err, OMR_ERR_INVALID, "%s has pages 1 to %zu, not %d", t->id, t->n_pages, page);
    else if (before.template_id && strcmp(before.template_id, t->id) != 0 && r->item &&
             strncmp(r->item, "pages", 5) == 0)
        rc = omr_fail(err, OMR_ERR_INVALID,
                      "these pages look like %s; a group is matched to the questionnaire it looks like "
                      "(set it aside with x if it is another)", before.template_id);
    if (rc == OMR_OK)
        rc = decisions_match(q->db, id, r, t, code, page, op, now_s, err);
    queue_page_clear(&before);
    return rc;
}

int review_decide(review_queue *q, const char *op, int64_t id, const review_choice *c, time_t now,
                  omr_error *err) {
    char now_s[32];
    iso_time(now, now_s);
    if (store_begin(q->db, err) != OMR_OK)
        return OMR_ERR_IO;
    queue_item r;
    int rc = queue_item_get(q->db, id, &r, err);
    if (rc == OMR_OK && strcmp(r.state, "open") != 0)
        rc = omr_fail(err, REVIEW_ERR_CONFLICT, "item %lld is already decided", (long long)id);
    else if (rc == OMR_OK && queue_leased_to_other(&r, op, now_s))
        rc = omr_fail(err, REVIEW_ERR_CONFLICT, "item %lld is being reviewed by %s", (long long)id, r.lease_owner);
    if (rc == OMR_OK) {
        if (strcmp(r.kind, "answer") == 0)
            rc = decide_answer(q, op, id, &r, c, now_s, err);
        else if (strcmp(r.kind, "text") == 0)
            rc = decide_text(q, op, id, &r, c, now_s, err);
        else if (strcmp(r.kind, "duplicate") == 0)
            rc = decide_duplicate(q, op, id, &r, c, now_s, err);
        else if (strcmp(r.kind, "unmatched_page") == 0)
            rc = decide_match(q, op, id, &r, c, now_s, err);
        else
            rc = omr_fail(err, OMR_ERR_INVALID, "item %lld is of an unknown kind \"%s\"", (long long)id, r.kind);
    }
    if (rc == OMR_OK)
        rc = queue_item_close(q->db, id, err);
    queue_item_clear(&r);
    if (rc != OMR_OK) {
        store_rollback(q->db);
        return rc;
    }
    return commit(q->db, err);
}

/* Undoes a hand match: only while none of the items it created is decided. */
static const omr_template *undo_template(void *user, const char *id) {
    return review_queue_template(user, id, NULL);
}

int review_undo(review_queue *q, const char *op, time_t now, int64_t *item, omr_error *err) {
    char now_s[32], until_s[32];
    iso_time(now, now_s);
    iso_time(now + q->lease_seconds, until_s);
    return decisions_undo(q->db, op, now_s, until_s, undo_template, q, item, err);
}

/* ---- JSON for the page -------------------------------------------------- */

static json_t *json_text_or_null(const char *s) { return s ? json_string(s) : json_null(); }

/* Keys: a single-character value is its own key unless it is one of the
 * page's command keys; other values get a free letter. */
static void assign_keys(const template_question *qq, char keys[][2]) {
    static const char reserved[] = "biunz";
    static const char pool[] = "acdefghjklmopqrstvwxy";
    int has_zero = 0;
    for (size_t b = 0; b < qq->n_boxes; b++)
        if (strcmp(qq->boxes[b].value, "0") == 0)
            has_zero = 1;
    char used[128] = {0};
    for (size_t b = 0; b < qq->n_boxes; b++) {
        const char *v = qq->boxes[b].value;
        keys[b][0] = keys[b][1] = 0;
        if (strlen(v) == 1 && isalnum((unsigned char)v[0]) && !strchr(reserved, tolower((unsigned char)v[0])) &&
            (v[0] != '0' || has_zero)) {
            keys[b][0] = (char)tolower((unsigned char)v[0]);
            used[(unsigned char)keys[b][0]] = 1;
        }
    }
    const char *p = pool;
    for (size_t b = 0; b < qq->n_boxes; b++) {
        if (keys[b][0])
            continue;
        while (*p && used[(unsigned char)*p])
            p++;
        if (*p) {
            keys[b][0] = *p;
            used[(unsigned char)*p++] = 1;
        }
    }
}

/* What the scanner said of a page whose code was read but whose
 * questionnaire it was not started with: `page of questionnaire "T" (code C)`
 * (daemon/scan.c), or `the code on this page reads "OMR1:T:C:P:K"`
 * (reading/identify.c). Fills the template, the code and (when known) the
 * page; 0 when the reason says no code was read. */
int review_reason_read_code(const char *reason, char *tmpl, size_t tmpl_size, char *code, size_t code_size,
                            int *page) {
    *page = 0;
    if (!reason)
        return 0;
    const char *p = strstr(reason, "page of questionnaire \"");
    if (p) {
        p += strlen("page of questionnaire \"");
        const char *end = strchr(p, '"');
        const char *c = end ? strstr(end, "(code ") : NULL;
        const char *ce = c ? strchr(c + 6, ')') : NULL;
        if (!end || !c || !ce || end == p || ce == c + 6)
            return 0;
        snprintf(tmpl, tmpl_size, "%.*s", (int)(end - p), p);
        snprintf(code, code_size, "%.*s", (int)(ce - (c + 6)), c + 6);
        return 1;
    }
    p = strstr(reason, "reads \"OMR1:");
    if (p) {
        p += strlen("reads \"OMR1:");
        const char *a = strchr(p, ':');
        const char *b = a ? strchr(a + 1, ':') : NULL;
        if (!a || !b || a == p || b == a + 1)
            return 0;
        snprintf(tmpl, tmpl_size, "%.*s", (int)(a - p), p);
        snprintf(code, code_size, "%.*s", (int)(b - (a + 1)), a + 1);
        *page = atoi(b + 1);
        return 1;
    }
    return 0;
}

char *review_item_json(review_queue *q, int64_t id, omr_error *err) {
    queue_item r;
    if (queue_item_get(q->db, id, &r, err) != OMR_OK)
        return NULL;
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(id));
    json_object_set_new(o, "kind", json_string(r.kind));
    json_object_set_new(o, "item", json_text_or_null(r.item));
    json_object_set_new(o, "reason", json_text_or_null(r.reason));
    json_object_set_new(o, "state", json_string(r.state));
    json_object_set_new(o, "lease_owner", json_text_or_null(r.lease_owner));
    json_object_set_new(o, "lease_until", json_text_or_null(r.lease_until));
    char tid[128] = "", code[128] = "";
    const omr_template *t = NULL;
    if (r.has_return) {
        json_object_set_new(o, "return_id", json_integer(r.return_id));
        if (return_template(q->db, r.return_id, tid, sizeof tid, code, sizeof code)) {
            json_object_set_new(o, "template", json_string(tid));
            json_object_set_new(o, "code", json_string(code));
            t = review_queue_template(q, tid, NULL);
        }
    }
    if (t && t->title)
        json_object_set_new(o, "title", json_string(t->title));
    if (strcmp(r.kind, "answer") == 0 && t) {
        const template_question *qq = template_question_by_id(t, r.item);
        if (qq) {
            json_t *jq = json_object();
            json_object_set_new(jq, "id", json_string(qq->id));
            json_object_set_new(jq, "type", json_string(template_question_type_name(qq->type)));
            json_object_set_new(jq, "text", json_text_or_null(qq->text));
            json_object_set_new(jq, "section", json_text_or_null(qq->section));
            json_object_set_new(o, "page", json_integer(qq->page));
            char (*keys)[2] = calloc(qq->n_boxes ? qq->n_boxes : 1, sizeof *keys);
            if (keys)
                assign_keys(qq, keys);
            json_t *opts = json_array();
            for (size_t b = 0; b < qq->n_boxes; b++) {
                json_t *jo = json_object();
                json_object_set_new(jo, "value", json_string(qq->boxes[b].value));
                json_object_set_new(jo, "label", json_text_or_null(qq->boxes[b].label));
                json_object_set_new(jo, "key", json_string(keys ? keys[b] : ""));
                queue_view_mark(q->db, r.return_id, qq->id, qq->boxes[b].value, jo, NULL);
                json_array_append_new(opts, jo);
            }
            free(keys);
            json_object_set_new(jq, "options", opts);
            json_object_set_new(o, "question", jq);
        }
        queue_view_answer(q->db, r.return_id, r.item, o, NULL);
    } else if (strcmp(r.kind, "text") == 0) {
        if (t)
            for (size_t f = 0; f < t->n_text_fields; f++)
                if (strcmp(t->text_fields[f].id, r.item) == 0) {
                    json_object_set_new(o, "prompt", json_text_or_null(t->text_fields[f].prompt));
                    json_object_set_new(o, "page", json_integer(t->text_fields[f].page));
                }
        queue_view_text(q->db, r.return_id, r.item, o, NULL);
    } else if (strcmp(r.kind, "duplicate") == 0) {
        queue_view_duplicate(q->db, r.return_id, o, NULL);
    } else if (strcmp(r.kind, "unmatched_page") == 0 && r.has_page) {
        queue_view_page(q->db, r.page_id, o, NULL);
        /* a page whose code WAS read, of a questionnaire this scan was not
         * started with: say which, so it is not asked for under a wrong form */
        char read_template[128], read_code[64];
        int read_page = 0;
        if (review_reason_read_code(json_string_value(json_object_get(o, "page_reason")), read_template,
                                    sizeof read_template, read_code, sizeof read_code, &read_page)) {
            json_object_set_new(o, "read_template", json_string(read_template));
            json_object_set_new(o, "read_code", json_string(read_code));
            if (read_page > 0)
                json_object_set_new(o, "read_page", json_integer(read_page));
        }
        /* the templates this ledger knows, to choose from */
        json_t *ts = json_array();
        json_t *ids = queue_templates_in_use(q->db);
        size_t i;
        json_t *v;
        json_array_foreach(ids, i, v) {
            const omr_template *tt = review_queue_template(q, json_string_value(v), NULL);
            if (!tt)
                continue;
            json_t *jt = json_object();
            json_object_set_new(jt, "id", json_string(tt->id));
            json_object_set_new(jt, "title", json_text_or_null(tt->title));
            json_object_set_new(jt, "pages", json_integer((json_int_t)tt->n_pages));
            json_array_append_new(ts, jt);
        }
        json_decref(ids);
        json_object_set_new(o, "templates", ts);
    }
    if (strcmp(r.kind, "duplicate") == 0 && json_integer_value(json_object_get(o, "duplicate_of")) > 0) {
        char first[64];
        snprintf(first, sizeof first, "/api/items/%lld/first.png", (long long)id);
        json_object_set_new(o, "first_image", json_string(first));
    }
    json_object_set_new(o, "history", queue_item_history(q->db, id));
    long long waiting = queue_count_open(q->db);
    if (waiting >= 0)
        json_object_set_new(o, "waiting", json_integer(waiting));
    queue_item_clear(&r);
    char *s = json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII);
    json_decref(o);
    if (!s)
        omr_fail(err, OMR_ERR_MEMORY, "out of memory");
    return s;
}

char *review_summary_json(review_queue *q, time_t now, omr_error *err) {
    char today[32], now_s[32];
    iso_time(now, now_s);
    snprintf(today, sizeof today, "%.10s", now_s);
    json_t *o = json_object();
    json_object_set_new(o, "now", json_string(now_s));
    queue_summary(q->db, now_s, today, o, err);
    char *s = json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII);
    json_decref(o);
    if (!s)
        omr_fail(err, OMR_ERR_MEMORY, "out of memory");
    return s;
}
