/*
 * frame.c — the sample frame's rules outside the import: making login codes
 * with a check character, naming the one frame of a ledger, registering
 * undeliverable envelopes (every code checked first) and listing who gets a
 * reminder and which returns fall outside the frame. The frame's CSV and web
 * imports are in frame_import.c; its SQL is in ledger/frame_store.c. Hands
 * the report and the analysis exports the frame's units and background
 * variables (see frame.h for the tables and the rule for which return counts).
 */
#include "survey/frame.h"

#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "reading/identify.h"

int frame_open(omr_db *db, omr_error *err) { return frame_store_open(db, err); }

/* ---- problems -------------------------------------------------------------------------- */

void frame_problem_add(frame_problems *p, size_t line, const char *fmt, ...) {
    if (!p)
        return;
    if (p->count == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 16;
        frame_problem *grown = realloc(p->items, cap * sizeof *grown);
        if (!grown)
            return;
        p->items = grown;
        p->cap = cap;
    }
    assert(p->count < p->cap);
    char buf[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    p->items[p->count++] = (frame_problem){line, strdup(buf)};
}

void frame_problems_clear(frame_problems *p) {
    if (!p)
        return;
    for (size_t i = 0; i < p->count; i++)
        free(p->items[i].reason);
    free(p->items);
    memset(p, 0, sizeof *p);
}

/* ---- codes ------------------------------------------------------------------------------ */

static const char code_alphabet[] = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"; /* no 0 O 1 I L */

static int compare_code(const void *a, const void *b) {
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Draws code i afresh until it is in no frame of the ledger. */
static int draw_code(frame_store_probe *probe, char *code, omr_error *err) {
    const size_t k = sizeof code_alphabet - 1;
    do {
        for (size_t c = 0; c < FRAME_CODE_RANDOM; c++) {
            unsigned char byte;
            do {
                if (getrandom(&byte, 1, 0) != 1) {
                    code[FRAME_CODE_RANDOM] = 0;
                    return omr_fail(err, OMR_ERR_IO, "no randomness for login codes: %s",
                                    strerror(errno));
                }
            } while (byte >= 256 - 256 % k);
            code[c] = code_alphabet[byte % k];
        }
        code[FRAME_CODE_RANDOM] = 0;
        code[FRAME_CODE_RANDOM] = identify_check_char(code);
        code[FRAME_CODE_RANDOM + 1] = 0;
        /* the check character is Luhn mod 36 over 0-9A-Z, so it may be a
         * look-alike: such a code is drawn again (about 1 in 7) */
    } while (!strchr(code_alphabet, code[FRAME_CODE_RANDOM]) ||
             (probe && frame_store_probe_has(probe, NULL, code)));
    return OMR_OK;
}

int frame_make_codes(omr_db *db, size_t n, char (*codes)[FRAME_CODE_RANDOM + 2], omr_error *err) {
    frame_store_probe *probe = NULL;
    if (db && frame_store_probe_any(db, &probe, err) != OMR_OK)
        return OMR_ERR_IO;
    char **sorted = malloc((n ? n : 1) * sizeof *sorted);
    /* fresh[i]: code i must be (re)drawn */
    unsigned char *fresh = malloc(n ? n : 1);
    if (!sorted || !fresh) {
        free(sorted);
        free(fresh);
        frame_store_probe_free(probe);
        return omr_fail(err, OMR_ERR_MEMORY, "out of memory for %zu login codes", n);
    }
    int rc = OMR_OK;
    memset(fresh, 1, n);
    for (int round = 0; round < 100 && rc == OMR_OK; round++) {
        size_t redraw = 0;
        for (size_t i = 0; i < n && rc == OMR_OK; i++) {
            if (!fresh[i])
                continue;
            rc = draw_code(probe, codes[i], err);
            fresh[i] = 0;
        }
        /* distinct among themselves */
        for (size_t i = 0; i < n; i++)
            sorted[i] = codes[i];
        qsort(sorted, n, sizeof *sorted, compare_code);
        for (size_t i = 1; i < n; i++)
            if (strcmp(sorted[i - 1], sorted[i]) == 0) {
                fresh[(size_t)(sorted[i] - codes[0]) / sizeof codes[0]] = 1;
                redraw++;
            }
        if (!redraw)
            break;
    }
    free(fresh);
    free(sorted);
    frame_store_probe_free(probe);
    return rc;
}

/* ---- lists ------------------------------------------------------------------------------ */

int frame_list_templates(omr_db *db, frame_strings *out, omr_error *err) {
    return frame_store_templates(db, out, err);
}

int frame_list_codes(omr_db *db, const char *template_id, frame_strings *out, omr_error *err) {
    return frame_store_codes(db, template_id, out, err);
}

int frame_pick_template(omr_db *db, const char *template_id, char *buf, size_t size,
                        omr_error *err) {
    if (template_id && *template_id) {
        snprintf(buf, size, "%s", template_id);
        return OMR_OK;
    }
    frame_strings t;
    int rc = frame_list_templates(db, &t, err);
    if (rc != OMR_OK)
        return rc;
    if (t.count == 1)
        snprintf(buf, size, "%s", t.items[0]);
    else if (t.count == 0)
        rc = omr_fail(err, OMR_ERR_INVALID,
                      "the ledger has no frame yet: load one with `omr frame import --template T "
                      "FILE.csv`");
    else
        rc = omr_fail(err, OMR_ERR_INVALID,
                      "the ledger has frames for %zu templates (%s, %s, ...): say which with "
                      "--template",
                      t.count, t.items[0], t.items[1]);
    frame_strings_free(&t);
    return rc;
}

int frame_list_reminders(omr_db *db, const char *template_id, int record, frame_strings *out,
                         omr_error *err) {
    return frame_store_reminders(db, template_id, record, out, err);
}

int frame_list_foreign_returns(omr_db *db, const char *template_id, frame_strings *out,
                               omr_error *err) {
    memset(out, 0, sizeof *out);
    int check_digits = 0;
    if (!frame_store_settings(db, template_id, &check_digits))
        return OMR_OK;
    frame_strings codes;
    int rc = frame_store_codes_outside(db, template_id, &codes, err);
    if (rc != OMR_OK)
        return rc;
    for (size_t i = 0; i < codes.count; i++) {
        char reason[300], line[400];
        frame_check_code(db, template_id, codes.items[i], reason, sizeof reason);
        snprintf(line, sizeof line, "%s: %s", codes.items[i], reason);
        frame_strings_add(out, line);
    }
    frame_strings_free(&codes);
    return OMR_OK;
}

/* ---- undeliverable ---------------------------------------------------------------------- */

int frame_add_undeliverable(omr_db *db, const char *template_id, char *const *codes,
                            const size_t *lines, size_t n, const char *source,
                            frame_problems *problems, size_t *added, size_t *already,
                            omr_error *err) {
    *added = *already = 0;
    size_t before = problems ? problems->count : 0;
    int check_digits;
    if (!frame_store_settings(db, template_id, &check_digits))
        return omr_fail(err, OMR_ERR_INVALID,
                        "the ledger has no frame for %s: import it first (omr frame import)",
                        template_id);
    for (size_t i = 0; i < n; i++) {
        char reason[300];
        if (frame_check_code(db, template_id, codes[i], reason, sizeof reason) != FRAME_CODE_OK)
            frame_problem_add(problems, lines ? lines[i] : i + 1, "%s", reason);
    }
    if (problems && problems->count > before)
        return omr_fail(err, OMR_ERR_INVALID, "%zu code%s not in the frame; nothing was registered",
                        problems->count - before, problems->count - before == 1 ? "" : "s");
    return frame_store_add_undeliverable(db, template_id, codes, n, source, added, already, err);
}
