/*
 * score.c — `omr-samples score`: compares the scanner's records.csv with the
 * generator's truth and prints the benchmark figures, one "name: value" per
 * line (shares are fractions 0..1, the error rate is per 10,000 answers),
 * and up to 20 example errors on the examples stream.
 *
 * Reading records.csv needs no template: a single-choice or scale question
 * q is the column "q"; a multi-choice question is the columns "q.<value>"
 * holding 1 or 0. A form whose status is "incomplete" has pages the scanner
 * never saw; a page of such a form on which every answer is empty counts as
 * missing (answers_missing), not as wrong answers.
 *
 * Pages (manifest.csv against records.csv's sources and rejects.csv): each
 * form page read under its own code, misfiled under another, waiting for an
 * operator to type its code (not lost, but not read either), or lost.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/common.h"
#include "csvio.h"
#include "samples.h"

#define MAX_EXAMPLES 20

/* ---- small string helpers ------------------------------------------------------ */

/* Whether the space-separated list `list` holds `word`. */
static int list_has(const char *list, const char *word) {
    size_t n = strlen(word);
    const char *p = list;
    while (*p) {
        while (*p == ' ' || *p == '\t')
            p++;
        const char *e = p;
        while (*e && *e != ' ' && *e != '\t')
            e++;
        if ((size_t)(e - p) == n && n > 0 && strncmp(p, word, n) == 0)
            return 1;
        p = e;
    }
    return 0;
}

static int cmp_str(const void *a, const void *b) {
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The words of a space-separated list, sorted and joined by single spaces:
 * the same set of values gives the same string. */
static void canonical_set(const char *list, char *out, size_t size) {
    char copy[1024];
    snprintf(copy, sizeof copy, "%s", list);
    char *words[128];
    int n = 0;
    for (char *tok = strtok(copy, " \t"); tok && n < 128; tok = strtok(NULL, " \t"))
        words[n++] = tok;
    qsort(words, (size_t)n, sizeof *words, cmp_str);
    size_t used = 0;
    out[0] = '\0';
    for (int i = 0; i < n && used + 1 < size; i++)
        used += (size_t)snprintf(out + used, size - used, "%s%s", i ? " " : "", words[i]);
}

/* ---- character error rate ---------------------------------------------------------- */

/* UTF-8 to code points with runs of white space made one space and the ends
 * trimmed. Returns the count; *out is malloc'd. */
static size_t code_points(const char *s, uint32_t **out) {
    size_t cap = strlen(s) + 1, n = 0;
    uint32_t *cp = malloc(cap * sizeof *cp);
    if (!cp) {
        *out = NULL;
        return 0;
    }
    const unsigned char *p = (const unsigned char *)s;
    int pending_space = 0;
    while (*p) {
        uint32_t c;
        int len;
        if (*p < 0x80) { c = *p; len = 1; }
        else if ((*p & 0xE0) == 0xC0 && p[1]) { c = *p & 0x1F; len = 2; }
        else if ((*p & 0xF0) == 0xE0 && p[1] && p[2]) { c = *p & 0x0F; len = 3; }
        else if ((*p & 0xF8) == 0xF0 && p[1] && p[2] && p[3]) { c = *p & 0x07; len = 4; }
        else { c = 0xFFFD; len = 1; }
        for (int i = 1; i < len; i++)
            c = (c << 6) | (p[i] & 0x3F);
        p += len;
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v' || c == 0xA0) {
            pending_space = n > 0;
            continue;
        }
        if (pending_space)
            cp[n++] = ' ';
        pending_space = 0;
        cp[n++] = c;
    }
    *out = cp;
    return n;
}

static size_t levenshtein(const uint32_t *a, size_t na, const uint32_t *b, size_t nb) {
    size_t *row = malloc((nb + 1) * sizeof *row);
    if (!row)
        return na > nb ? na : nb;
    for (size_t j = 0; j <= nb; j++)
        row[j] = j;
    for (size_t i = 1; i <= na; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= nb; j++) {
            size_t up = row[j];
            size_t best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    size_t d = row[nb];
    free(row);
    return d;
}

/* Edit distance over the reference's length (1 when the reference is empty
 * and the reading is not). */
static double char_error_rate(const char *ref, const char *hyp) {
    uint32_t *a, *b;
    size_t na = code_points(ref, &a), nb = code_points(hyp, &b);
    double cer = na ? (double)levenshtein(a, na, b, nb) / (double)na : (nb ? 1.0 : 0.0);
    free(a);
    free(b);
    return cer;
}

/* ---- records ------------------------------------------------------------------------ */

typedef struct {
    const char *code;
    size_t row;
} code_row;

static int cmp_code_row(const void *a, const void *b) {
    return strcmp(((const code_row *)a)->code, ((const code_row *)b)->code);
}

static long find_record(const code_row *index, size_t n, const char *code) {
    code_row key = {code, 0};
    const code_row *hit = bsearch(&key, index, n, sizeof *index, cmp_code_row);
    return hit ? (long)hit->row : -1;
}

/* What the scanner read for question q: the value, or the chosen values of a
 * multi-choice question as a sorted list. */
static void read_answer(const csvio_table *rec, size_t row, const char *q, char *out, size_t size) {
    int col = csvio_column(rec, q);
    if (col >= 0) {
        snprintf(out, size, "%s", csvio_cell(rec, row, col));
        return;
    }
    char list[1024] = "";
    size_t used = 0, qlen = strlen(q);
    for (size_t c = 0; c < rec->n_cols; c++) {
        const char *name = rec->header[c];
        if (strncmp(name, q, qlen) != 0 || name[qlen] != '.')
            continue;
        const char *cell = csvio_cell(rec, row, (int)c);
        if (strcmp(cell, "1") == 0 && used + strlen(name) < sizeof list)
            used += (size_t)snprintf(list + used, sizeof list - used, "%s%s", used ? " " : "",
                                     name + qlen + 1);
    }
    canonical_set(list, out, size);
}

/* ---- the figures ------------------------------------------------------------------------ */

/* Per respondent style (truth's behaviour) or per pen: answers, answers
 * flagged, clear answers flagged, wrong auto-accepted answers, ambiguous
 * answers not flagged, and forms sent to review needlessly because of an
 * answer of this kind. */
#define MAX_KINDS 24
typedef struct {
    char name[32];
    long answers, flagged, clear, clear_flagged, wrong, ambiguous_missed, forms_needless;
    long seen_form; /* the last form counted in forms_needless (its ordinal + 1) */
} kind_tally;

typedef struct {
    kind_tally k[MAX_KINDS];
    int n;
} kind_table;

static kind_tally *kind_of(kind_table *t, const char *name) {
    if (!name || !*name)
        name = "-";
    for (int i = 0; i < t->n; i++)
        if (strcmp(t->k[i].name, name) == 0)
            return &t->k[i];
    if (t->n == MAX_KINDS)
        return &t->k[MAX_KINDS - 1];
    kind_tally *k = &t->k[t->n++];
    memset(k, 0, sizeof *k);
    snprintf(k->name, sizeof k->name, "%s", name);
    return k;
}

typedef struct {
    long forms, forms_read, forms_incomplete, records_unknown;
    long answers_total, answers_missing, answers_auto, answers_review, wrong_auto;
    long ambiguous_total, ambiguous_flagged, unambiguous_review, clear_total;
    long forms_review, forms_review_needless;
    long comments_written, comments_detected, comments_phantom;
    long comments_missed, comments_empty, comments_false_alarm, comments_one_word, comments_one_word_missed;
    long n_printed, n_handwritten;
    double cer_printed, cer_handwritten;
    int examples;
    kind_table styles, pens;
} figures;

static void example(figures *f, FILE *out, const char *what, const char *code, const char *q,
                    const char *truth, const char *read) {
    if (!out || f->examples >= MAX_EXAMPLES)
        return;
    f->examples++;
    fprintf(out, "%s: code %s question %s truth \"%s\" read \"%s\"\n", what, code, q, truth, read);
}

typedef struct {
    int c_code, c_template, c_question, c_truth, c_ambiguous, c_behaviour, c_page, c_pen;
} truth_cols;

typedef struct {
    const csvio_table *table;
    int col;
} sort_by;

/* Orders truth rows by code, then by their place in the file. */
static int cmp_truth_row(const void *a, const void *b, void *ctx) {
    const sort_by *by = ctx;
    size_t ra = *(const size_t *)a, rb = *(const size_t *)b;
    int c = strcmp(csvio_cell(by->table, ra, by->col), csvio_cell(by->table, rb, by->col));
    return c ? c : (ra > rb) - (ra < rb);
}

/* Scores the truth rows [from, to) of one form (sorted index `order`). */
static void score_form(figures *f, const csvio_table *truth, const truth_cols *tc,
                       const size_t *order, size_t from, size_t to, const csvio_table *rec,
                       long row, int c_status, int c_review, FILE *examples) {
    const char *code = csvio_cell(truth, order[from], tc->c_code);
    f->forms++;
    if (row < 0) {
        for (size_t i = from; i < to; i++)
            if (strcmp(csvio_cell(truth, order[i], tc->c_ambiguous), "1") == 0)
                f->ambiguous_total++;
        return;
    }
    f->forms_read++;
    const char *status = csvio_cell(rec, (size_t)row, c_status);
    const char *review = csvio_cell(rec, (size_t)row, c_review);
    int incomplete = strcmp(status, "incomplete") == 0;
    f->forms_incomplete += incomplete;

    /* pages of an incomplete form that came back empty: not seen */
    int missing[64] = {0};
    if (incomplete && tc->c_page >= 0) {
        int any[64] = {0};
        for (size_t i = from; i < to; i++) {
            int page = atoi(csvio_cell(truth, order[i], tc->c_page));
            if (page < 0 || page >= 64)
                continue;
            char read[1024];
            read_answer(rec, (size_t)row, csvio_cell(truth, order[i], tc->c_question), read, sizeof read);
            any[page] |= read[0] != '\0';
        }
        for (int p = 0; p < 64; p++)
            missing[p] = !any[p];
    }

    for (size_t i = from; i < to; i++) {
        size_t r = order[i];
        const char *q = csvio_cell(truth, r, tc->c_question);
        int ambiguous = strcmp(csvio_cell(truth, r, tc->c_ambiguous), "1") == 0;
        int in_review = list_has(review, q);
        int page = tc->c_page >= 0 ? atoi(csvio_cell(truth, r, tc->c_page)) : -1;
        if (ambiguous) {
            f->ambiguous_total++;
            if (in_review)
                f->ambiguous_flagged++;
        }
        if (incomplete && page >= 0 && page < 64 && missing[page]) {
            f->answers_missing++;
            continue;
        }
        f->answers_total++;
        char want[1024], got[1024];
        canonical_set(csvio_cell(truth, r, tc->c_truth), want, sizeof want);
        read_answer(rec, (size_t)row, q, got, sizeof got);
        kind_tally *ks = kind_of(&f->styles, csvio_cell(truth, r, tc->c_behaviour));
        kind_tally *kp = kind_of(&f->pens, tc->c_pen >= 0 ? csvio_cell(truth, r, tc->c_pen) : "");
        kind_tally *both[2] = {ks, kp};
        f->clear_total += !ambiguous;
        for (int b = 0; b < 2; b++) {
            both[b]->answers++;
            both[b]->clear += !ambiguous;
            both[b]->flagged += in_review;
            both[b]->clear_flagged += in_review && !ambiguous;
            both[b]->ambiguous_missed += !in_review && ambiguous;
            both[b]->wrong += !in_review && !ambiguous && strcmp(want, got) != 0;
        }
        if (in_review) {
            f->answers_review++;
            if (!ambiguous)
                f->unambiguous_review++;
            continue;
        }
        f->answers_auto++;
        if (ambiguous) {
            example(f, examples, "ambiguous, not flagged", code, q, want, got);
            continue;
        }
        if (strcmp(want, got) != 0) {
            f->wrong_auto++;
            example(f, examples, "wrong", code, q, want, got);
        }
    }

    if (review[0] != '\0' || strcmp(status, "review") == 0) {
        f->forms_review++;
        /* needless: every item is a question of this form with unambiguous truth */
        int needless = review[0] != '\0';
        char copy[4096];
        snprintf(copy, sizeof copy, "%s", review);
        for (char *tok = strtok(copy, " \t"); tok && needless; tok = strtok(NULL, " \t")) {
            int known_clear = 0;
            for (size_t i = from; i < to; i++)
                if (strcmp(csvio_cell(truth, order[i], tc->c_question), tok) == 0)
                    known_clear = strcmp(csvio_cell(truth, order[i], tc->c_ambiguous), "1") != 0;
            needless = known_clear;
        }
        f->forms_review_needless += needless;
        /* which kinds of answer sent it there */
        for (size_t i = from; needless && i < to; i++) {
            size_t r = order[i];
            if (!list_has(review, csvio_cell(truth, r, tc->c_question)))
                continue;
            kind_tally *ks = kind_of(&f->styles, csvio_cell(truth, r, tc->c_behaviour));
            kind_tally *kp = kind_of(&f->pens, tc->c_pen >= 0 ? csvio_cell(truth, r, tc->c_pen) : "");
            if (ks->seen_form != f->forms)
                ks->forms_needless++;
            ks->seen_form = f->forms;
            if (kp->seen_form != f->forms)
                kp->forms_needless++;
            kp->seen_form = f->forms;
        }
    }
}

static int need_columns(const csvio_table *t, const char *path, const char *const *names,
                        int *cols, int n, omr_error *err) {
    for (int i = 0; i < n; i++) {
        cols[i] = csvio_column(t, names[i]);
        if (cols[i] < 0)
            return omr_fail(err, OMR_ERR_FORMAT, "%s: no column \"%s\" in the header", path, names[i]);
    }
    return OMR_OK;
}

static void print_share(FILE *out, const char *name, long part, long whole) {
    if (whole > 0)
        fprintf(out, "%s: %.4f\n", name, (double)part / (double)whole);
    else
        fprintf(out, "%s: n/a\n", name);
}

/* ---- pages: read, waiting for a person, lost ----------------------------------- */

/* "dir/name.tif" -> "name.tif". */
static const char *base_name(const char *path) {
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

/* Does the records.csv `sources` list ("path#page;path#page") name file
 * page `page` of a file called `name`? */
static int sources_have(const char *sources, const char *name, int page) {
    char copy[8192];
    snprintf(copy, sizeof copy, "%s", sources);
    char *save = NULL;
    for (char *tok = strtok_r(copy, ";", &save); tok; tok = strtok_r(NULL, ";", &save)) {
        char *hash = strrchr(tok, '#');
        if (!hash)
            continue;
        *hash = 0;
        if (atoi(hash + 1) == page && strcmp(base_name(tok), name) == 0)
            return 1;
    }
    return 0;
}

/* Every page of a form the generator made (manifest.csv, kind "form"): read
 * when the record of its own code names it among its sources; on another
 * code's record, misfiled (a silent error); waiting when rejects.csv lists
 * it for a person to type its code (an operator item: not lost, not read
 * either); lost otherwise. Prints nothing when the truth has no manifest or
 * the records no sources column (older outputs). */
static void score_pages(const char *truth_dir, const char *scan_dir, const csvio_table *rec, FILE *out) {
    char path[4200];
    snprintf(path, sizeof path, "%s/manifest.csv", truth_dir);
    csvio_table man = {0}, rej = {0};
    omr_error err;
    int c_src = csvio_column(rec, "sources"), c_code = csvio_column(rec, "code");
    if (c_src < 0 || c_code < 0 || csvio_read(path, &man, &err) != OMR_OK)
        return;
    snprintf(path, sizeof path, "%s/rejects.csv", scan_dir);
    int have_rejects = csvio_read(path, &rej, &err) == OMR_OK;
    int m_file = csvio_column(&man, "file"), m_index = csvio_column(&man, "index"),
        m_code = csvio_column(&man, "code"), m_kind = csvio_column(&man, "kind");
    int r_file = have_rejects ? csvio_column(&rej, "file") : -1, r_page = have_rejects ? csvio_column(&rej, "page") : -1,
        r_reason = have_rejects ? csvio_column(&rej, "reason") : -1;
    long form = 0, read = 0, misfiled = 0, waiting = 0, lost = 0;
    for (size_t i = 0; m_file >= 0 && m_index >= 0 && m_code >= 0 && m_kind >= 0 && i < man.n_rows; i++) {
        if (strcmp(csvio_cell(&man, i, m_kind), "form") != 0)
            continue;
        form++;
        const char *name = csvio_cell(&man, i, m_file), *code = csvio_cell(&man, i, m_code);
        int page = atoi(csvio_cell(&man, i, m_index));
        int own = 0, other = 0;
        for (size_t r = 0; r < rec->n_rows; r++)
            if (sources_have(csvio_cell(rec, r, c_src), name, page)) {
                own |= strcmp(csvio_cell(rec, r, c_code), code) == 0;
                other |= strcmp(csvio_cell(rec, r, c_code), code) != 0;
            }
        int waits = 0;
        for (size_t r = 0; !own && r_file >= 0 && r_page >= 0 && r_reason >= 0 && r < rej.n_rows; r++)
            waits |= atoi(csvio_cell(&rej, r, r_page)) == page &&
                     strcmp(base_name(csvio_cell(&rej, r, r_file)), name) == 0 &&
                     strstr(csvio_cell(&rej, r, r_reason), "type the login code") != NULL;
        read += own;
        misfiled += !own && other;
        waiting += !own && !other && waits;
        lost += !own && !other && !waits;
    }
    fprintf(out, "pages_form: %ld\n", form);
    fprintf(out, "pages_read: %ld\n", read);
    fprintf(out, "pages_misfiled: %ld\n", misfiled);
    fprintf(out, "pages_waiting_operator: %ld\n", waiting);
    fprintf(out, "pages_lost: %ld\n", lost);
    csvio_free(&man);
    csvio_free(&rej);
}

int samples_score(const char *truth_dir, const char *scan_dir, FILE *out, FILE *examples,
                  omr_error *err) {
    char truth_path[4200], comments_path[4200], records_path[4200];
    snprintf(truth_path, sizeof truth_path, "%s/truth.csv", truth_dir);
    snprintf(comments_path, sizeof comments_path, "%s/comments_truth.csv", truth_dir);
    snprintf(records_path, sizeof records_path, "%s/records.csv", scan_dir);
    csvio_table truth = {0}, comments = {0}, rec = {0};
    int rc = csvio_read(truth_path, &truth, err);
    if (rc == OMR_OK)
        rc = csvio_read(comments_path, &comments, err);
    if (rc == OMR_OK)
        rc = csvio_read(records_path, &rec, err);

    truth_cols tc;
    int cols[6], ccols[4], rcols[3];
    static const char *const truth_names[] = {"code", "template", "question", "truth", "ambiguous", "behaviour"};
    static const char *const comment_names[] = {"code", "field", "kind", "text"};
    static const char *const record_names[] = {"code", "status", "review_items"};
    if (rc == OMR_OK)
        rc = need_columns(&truth, truth_path, truth_names, cols, 6, err);
    if (rc == OMR_OK)
        rc = need_columns(&comments, comments_path, comment_names, ccols, 4, err);
    if (rc == OMR_OK)
        rc = need_columns(&rec, records_path, record_names, rcols, 3, err);
    code_row *index = NULL;
    size_t *order = NULL;
    if (rc == OMR_OK) {
        index = malloc((rec.n_rows + 1) * sizeof *index);
        order = malloc((truth.n_rows + 1) * sizeof *order);
        if (!index || !order)
            rc = omr_fail(err, OMR_ERR_MEMORY, "out of memory scoring %zu truth rows", truth.n_rows);
    }
    if (rc != OMR_OK) {
        free(index);
        free(order);
        csvio_free(&truth);
        csvio_free(&comments);
        csvio_free(&rec);
        return rc;
    }
    tc = (truth_cols){cols[0], cols[1], cols[2], cols[3], cols[4], cols[5], csvio_column(&truth, "page"),
                      csvio_column(&truth, "pen")};

    for (size_t i = 0; i < rec.n_rows; i++)
        index[i] = (code_row){csvio_cell(&rec, i, rcols[0]), i};
    qsort(index, rec.n_rows, sizeof *index, cmp_code_row);
    /* the truth grouped by code */
    for (size_t i = 0; i < truth.n_rows; i++)
        order[i] = i;
    sort_by by = {&truth, tc.c_code};
    qsort_r(order, truth.n_rows, sizeof *order, cmp_truth_row, &by);

    figures f = {0};
    for (size_t i = 0; i < truth.n_rows;) {
        const char *code = csvio_cell(&truth, order[i], tc.c_code);
        size_t j = i;
        while (j < truth.n_rows && strcmp(csvio_cell(&truth, order[j], tc.c_code), code) == 0)
            j++;
        long row = find_record(index, rec.n_rows, code);
        score_form(&f, &truth, &tc, order, i, j, &rec, row, rcols[1], rcols[2], examples);
        i = j;
    }
    /* codes the scanner reports that were never issued: misread codes */
    for (size_t i = 0; i < rec.n_rows; i++) {
        const char *code = csvio_cell(&rec, i, rcols[0]);
        size_t lo = 0, hi = truth.n_rows; /* order is sorted by code */
        while (lo < hi) {
            size_t mid = (lo + hi) / 2;
            if (strcmp(csvio_cell(&truth, order[mid], tc.c_code), code) < 0)
                lo = mid + 1;
            else
                hi = mid;
        }
        f.records_unknown += !(lo < truth.n_rows && strcmp(csvio_cell(&truth, order[lo], tc.c_code), code) == 0);
    }

    /* comments */
    for (size_t i = 0; i < comments.n_rows; i++) {
        const char *code = csvio_cell(&comments, i, ccols[0]);
        const char *field = csvio_cell(&comments, i, ccols[1]);
        const char *kind = csvio_cell(&comments, i, ccols[2]);
        const char *text = csvio_cell(&comments, i, ccols[3]);
        long row = find_record(index, rec.n_rows, code);
        if (row < 0)
            continue;
        const char *read = csvio_cell(&rec, (size_t)row, csvio_column(&rec, field));
        uint32_t *cp;
        size_t n_read = code_points(read, &cp);
        free(cp);
        /* sent to transcription: the field is a review item */
        int flagged = list_has(csvio_cell(&rec, (size_t)row, rcols[2]), field);
        if (strcmp(kind, "none") == 0) {
            f.comments_phantom += n_read > 0;
            f.comments_empty++;
            f.comments_false_alarm += n_read > 0 || flagged;
            continue;
        }
        f.comments_written++;
        f.comments_detected += n_read > 0;
        /* the silent miss: writing returned empty and unflagged */
        int missed = n_read == 0 && !flagged;
        f.comments_missed += missed;
        if (!strchr(text, ' ')) {
            f.comments_one_word++;
            f.comments_one_word_missed += missed;
        }
        if (missed)
            example(&f, examples, "writing returned empty and unflagged", code, field, text, "");
        double cer = char_error_rate(text, read);
        if (strcmp(kind, "printed") == 0) {
            f.cer_printed += cer;
            f.n_printed++;
        } else {
            f.cer_handwritten += cer;
            f.n_handwritten++;
        }
    }

    fprintf(out, "forms: %ld\n", f.forms);
    fprintf(out, "forms_read: %ld\n", f.forms_read);
    fprintf(out, "forms_incomplete: %ld\n", f.forms_incomplete);
    fprintf(out, "records_unknown: %ld\n", f.records_unknown);
    fprintf(out, "answers_total: %ld\n", f.answers_total);
    fprintf(out, "answers_missing: %ld\n", f.answers_missing);
    fprintf(out, "answers_auto: %ld\n", f.answers_auto);
    fprintf(out, "answers_review: %ld\n", f.answers_review);
    fprintf(out, "answers_review_unambiguous: %ld\n", f.unambiguous_review);
    fprintf(out, "wrong_auto: %ld\n", f.wrong_auto);
    print_share(out, "share_clear_flagged", f.unambiguous_review, f.clear_total);
    if (f.answers_auto > 0)
        fprintf(out, "error_rate_auto: %.2f\n", 10000.0 * (double)f.wrong_auto / (double)f.answers_auto);
    else
        fprintf(out, "error_rate_auto: n/a\n");
    fprintf(out, "ambiguous_total: %ld\n", f.ambiguous_total);
    fprintf(out, "ambiguous_flagged: %ld\n", f.ambiguous_flagged);
    print_share(out, "share_ambiguous_flagged", f.ambiguous_flagged, f.ambiguous_total);
    fprintf(out, "forms_review: %ld\n", f.forms_review);
    print_share(out, "share_review", f.forms_review, f.forms_read);
    fprintf(out, "forms_review_needless: %ld\n", f.forms_review_needless);
    print_share(out, "share_review_needless", f.forms_review_needless, f.forms_read);
    fprintf(out, "comments_written: %ld\n", f.comments_written);
    fprintf(out, "comments_detected: %ld\n", f.comments_detected);
    fprintf(out, "comments_phantom: %ld\n", f.comments_phantom);
    fprintf(out, "comments_missed: %ld\n", f.comments_missed);
    fprintf(out, "comments_one_word: %ld\n", f.comments_one_word);
    fprintf(out, "comments_one_word_missed: %ld\n", f.comments_one_word_missed);
    fprintf(out, "comments_empty: %ld\n", f.comments_empty);
    fprintf(out, "comments_false_alarm: %ld\n", f.comments_false_alarm);
    print_share(out, "share_comments_false_alarm", f.comments_false_alarm, f.comments_empty);
    score_pages(truth_dir, scan_dir, &rec, out);
    if (f.n_printed)
        fprintf(out, "cer_printed: %.4f\n", f.cer_printed / (double)f.n_printed);
    else
        fprintf(out, "cer_printed: n/a\n");
    if (f.n_handwritten)
        fprintf(out, "cer_handwritten: %.4f\n", f.cer_handwritten / (double)f.n_handwritten);
    else
        fprintf(out, "cer_handwritten: n/a\n");
    /* per respondent style and per pen (forms_needless: forms in review with
     * nothing ambiguous in them that an answer of this kind sent there) */
    for (int t = 0; t < 2; t++) {
        const kind_table *kt = t ? &f.pens : &f.styles;
        for (int i = 0; i < kt->n; i++) {
            const kind_tally *k = &kt->k[i];
            fprintf(out, "%s %s: answers %ld flagged %ld clear_flagged %ld/%ld wrong %ld "
                         "ambiguous_unflagged %ld forms_needless %ld\n",
                    t ? "pen" : "style", k->name, k->answers, k->flagged, k->clear_flagged, k->clear,
                    k->wrong, k->ambiguous_missed, k->forms_needless);
        }
    }

    free(index);
    free(order);
    csvio_free(&truth);
    csvio_free(&comments);
    csvio_free(&rec);
    return OMR_OK;
}
