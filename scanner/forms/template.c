/*
 * template.c — reads a form template (libconfig syntax) into an omr_template,
 * checks it, and writes its geometry as JSON.
 *
 * The file format is documented in README.md ("Template format"). Reading is
 * strict: an unknown key, a wrong type, a box outside the page or two boxes
 * that overlap is a problem, and every problem is reported with the file, the
 * line and the field path ("q1a.boxes[2].x"), so a person editing a template
 * by hand can fix all of them in one go.
 */
#include "forms/template.h"
#include "forms/file_name.h"

#include "forms/code.h"
#include "pages/decode.h"

#include <errno.h>
#include <libconfig.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <regex.h>
#include <sys/stat.h>


/* Field paths in messages ("pages[2].questions[3].boxes[1]") are cut at 256
 * bytes on purpose; gcc cannot see that they never get near it. */
#pragma GCC diagnostic ignored "-Wformat-truncation"

/* The longest template id: what identify_parse_payload takes from a QR code
 * (forms/code.h), which also keeps comments/<id>-<code>-r<return>-p<page>-
 * <field>.png under a file name's 255 bytes with the longest field id. */
#define TEMPLATE_MAX_ID (IDENTIFY_MAX_ID - 1)
/* The longest question or text field id: a column name (SPSS takes 64 bytes). */
#define TEMPLATE_MAX_FIELD_ID 64

/* ---- problem collection --------------------------------------------------- */

typedef struct {
    const char *path;
    template_problems *problems;
    size_t count; /* counted even when problems is NULL */
} reader;

void template_problems_add(template_problems *problems, const char *path, int line,
                           const char *field, const char *fmt, ...) {
    if (!problems)
        return;
    char text[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    char msg[640];
    if (line > 0)
        snprintf(msg, sizeof msg, "%s:%d: %s: %s", path, line, field, text);
    else
        snprintf(msg, sizeof msg, "%s: %s: %s", path, field, text);
    char **grown = realloc(problems->messages, (problems->count + 1) * sizeof *grown);
    if (!grown)
        return;
    problems->messages = grown;
    problems->messages[problems->count++] = omr_strdup(msg);
}

__attribute__((format(printf, 4, 5))) static void problem(reader *r, const config_setting_t *at,
                                                          const char *field, const char *fmt,
                                                          ...) {
    r->count++;
    if (!r->problems)
        return;
    char text[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    template_problems_add(r->problems, r->path, at ? config_setting_source_line(at) : 0, field, "%s",
                          text);
}

void template_problems_clear(template_problems *problems) {
    if (!problems)
        return;
    for (size_t i = 0; i < problems->count; i++)
        free(problems->messages[i]);
    free(problems->messages);
    problems->messages = NULL;
    problems->count = 0;
}

/* ---- typed getters that report what is wrong ------------------------------ */

/* Every key a group may hold; anything else is reported as unknown (typos). */
static void check_keys(reader *r, const config_setting_t *group, const char *path,
                       const char *const *allowed) {
    int n = config_setting_length(group);
    for (int i = 0; i < n; i++) {
        config_setting_t *member = config_setting_get_elem(group, (unsigned)i);
        const char *name = config_setting_name(member);
        if (!name)
            continue;
        bool known = false;
        for (const char *const *a = allowed; *a; a++)
            if (strcmp(*a, name) == 0)
                known = true;
        if (!known) {
            char field[256];
            snprintf(field, sizeof field, "%s%s%s", path, *path ? "." : "", name);
            problem(r, member, field, "unknown key (a typo?)");
        }
    }
}

static char *get_string(reader *r, const config_setting_t *group, const char *path,
                        const char *key, bool required) {
    char field[256];
    snprintf(field, sizeof field, "%s%s%s", path, *path ? "." : "", key);
    config_setting_t *s = config_setting_get_member(group, key);
    if (!s) {
        if (required)
            problem(r, group, field, "missing");
        return NULL;
    }
    if (config_setting_type(s) != CONFIG_TYPE_STRING) {
        problem(r, s, field, "must be a string in double quotes");
        return NULL;
    }
    const char *v = config_setting_get_string(s);
    if (required && (!v || !*v)) {
        problem(r, s, field, "must not be empty");
        return NULL;
    }
    return omr_strdup(v);
}

static bool get_number(reader *r, const config_setting_t *group, const char *path,
                       const char *key, bool required, double *out) {
    char field[256];
    snprintf(field, sizeof field, "%s%s%s", path, *path ? "." : "", key);
    config_setting_t *s = config_setting_get_member(group, key);
    if (!s) {
        if (required)
            problem(r, group, field, "missing");
        return false;
    }
    switch (config_setting_type(s)) {
    case CONFIG_TYPE_INT:
        *out = config_setting_get_int(s);
        break;
    case CONFIG_TYPE_INT64:
        *out = (double)config_setting_get_int64(s);
        break;
    case CONFIG_TYPE_FLOAT:
        *out = config_setting_get_float(s);
        break;
    default:
        problem(r, s, field, "must be a number");
        return false;
    }
    if (!isfinite(*out)) {
        problem(r, s, field, "must be a finite number");
        return false;
    }
    return true;
}

static bool number_at(reader *r, const config_setting_t *array, int index, const char *field,
                      double *out) {
    config_setting_t *e = config_setting_get_elem(array, (unsigned)index);
    if (!e || !config_setting_is_number(e)) {
        problem(r, array, field, "element %d must be a number", index + 1);
        return false;
    }
    *out = config_setting_type(e) == CONFIG_TYPE_FLOAT ? config_setting_get_float(e)
                                                       : (double)config_setting_get_int64(e);
    return true;
}

static config_setting_t *get_list(reader *r, const config_setting_t *group, const char *path,
                                  const char *key, bool required) {
    char field[256];
    snprintf(field, sizeof field, "%s%s%s", path, *path ? "." : "", key);
    config_setting_t *s = config_setting_get_member(group, key);
    if (!s) {
        if (required)
            problem(r, group, field, "missing");
        return NULL;
    }
    if (config_setting_type(s) != CONFIG_TYPE_LIST) {
        problem(r, s, field, "must be a list in parentheses: ( {...}, {...} )");
        return NULL;
    }
    return s;
}

static bool rect_inside_page(const omr_template *t, omr_rect rc) {
    return rc.x >= 0 && rc.y >= 0 && rc.w > 0 && rc.h > 0 && rc.x + rc.w <= t->page_width &&
           rc.y + rc.h <= t->page_height;
}

static bool rects_overlap(omr_rect a, omr_rect b) {
    return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}

static bool valid_identifier(const char *s) {
    if (!s || !*s)
        return false;
    for (const char *p = s; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '_' || (*p == '-' && p != s)))
            return false;
    return true;
}

/* ---- the sections of a template ------------------------------------------ */

static void read_rect(reader *r, const config_setting_t *g, const char *path, omr_rect *rc,
                      double default_w, double default_h, double default_y) {
    get_number(r, g, path, "x", true, &rc->x);
    rc->y = default_y;
    get_number(r, g, path, "y", default_y < 0, &rc->y);
    rc->w = default_w;
    rc->h = default_h;
    get_number(r, g, path, "w", default_w <= 0, &rc->w);
    get_number(r, g, path, "h", default_h <= 0, &rc->h);
}

static void read_texts(reader *r, omr_template *t, template_page *page, config_setting_t *list,
                       const char *path) {
    static const char *const keys[] = {"text", "x", "y", "w", "size", "style", "align", NULL};
    int n = config_setting_length(list);
    page->texts = calloc((size_t)n, sizeof *page->texts);
    for (int i = 0; i < n; i++) {
        config_setting_t *g = config_setting_get_elem(list, (unsigned)i);
        char field[256];
        snprintf(field, sizeof field, "%s[%d]", path, i + 1);
        if (!config_setting_is_group(g)) {
            problem(r, g, field, "must be a group in braces: { text = \"...\"; x = ...; }");
            continue;
        }
        check_keys(r, g, field, keys);
        template_text *tx = &page->texts[page->n_texts++];
        tx->text = get_string(r, g, field, "text", true);
        get_number(r, g, field, "x", true, &tx->x);
        get_number(r, g, field, "y", true, &tx->y);
        tx->w = t->page_width - tx->x - 15;
        get_number(r, g, field, "w", false, &tx->w);
        tx->size = 10;
        get_number(r, g, field, "size", false, &tx->size);
        char *style = get_string(r, g, field, "style", false);
        if (style) {
            if (strcmp(style, "bold") == 0)
                tx->style = TEXT_BOLD;
            else if (strcmp(style, "italic") == 0)
                tx->style = TEXT_ITALIC;
            else if (strcmp(style, "regular") != 0)
                problem(r, g, field, "style must be \"regular\", \"bold\" or \"italic\"");
            free(style);
        }
        char *align = get_string(r, g, field, "align", false);
        if (align) {
            if (strcmp(align, "center") == 0)
                tx->align = ALIGN_CENTER;
            else if (strcmp(align, "right") == 0)
                tx->align = ALIGN_RIGHT;
            else if (strcmp(align, "left") != 0)
                problem(r, g, field, "align must be \"left\", \"center\" or \"right\"");
            free(align);
        }
        if (tx->size <= 0 || tx->size > 72)
            problem(r, g, field, "size must be between 0 and 72 points");
    }
}

static void read_boxes(reader *r, omr_template *t, template_question *q, config_setting_t *list,
                       const char *path, double box_size, double row_y) {
    static const char *const keys[] = {"value", "label", "x", "y", "w", "h", NULL};
    int n = config_setting_length(list);
    if (n == 0)
        problem(r, list, path, "a question needs at least one box");
    q->boxes = calloc((size_t)(n > 0 ? n : 1), sizeof *q->boxes);
    for (int i = 0; i < n; i++) {
        config_setting_t *g = config_setting_get_elem(list, (unsigned)i);
        char field[256];
        snprintf(field, sizeof field, "%s[%d]", path, i + 1);
        if (!config_setting_is_group(g)) {
            problem(r, g, field, "must be a group in braces: { value = \"1\"; x = ...; }");
            continue;
        }
        check_keys(r, g, field, keys);
        template_box *b = &q->boxes[q->n_boxes++];
        b->value = get_string(r, g, field, "value", true);
        b->label = get_string(r, g, field, "label", false);
        read_rect(r, g, field, &b->rect, box_size, box_size, row_y);
        if (!rect_inside_page(t, b->rect))
            problem(r, g, field, "box (%.1f, %.1f, %.1f x %.1f mm) is not inside the %.0f x %.0f mm page",
                    b->rect.x, b->rect.y, b->rect.w, b->rect.h, t->page_width, t->page_height);
        if (b->rect.w < 2.5 || b->rect.h < 2.5 || b->rect.w > 20 || b->rect.h > 20)
            problem(r, g, field, "box size %.1f x %.1f mm: boxes must be 2.5 to 20 mm wide and high",
                    b->rect.w, b->rect.h);
        if (b->value && (!*b->value || strcspn(b->value, " \t\n\r\f\v") != strlen(b->value)))
            problem(r, g, field, "value \"%s\": must not be empty or hold spaces (a label may)", b->value);
        for (size_t j = 0; j + 1 < q->n_boxes; j++)
            if (b->value && q->boxes[j].value && strcmp(b->value, q->boxes[j].value) == 0)
                problem(r, g, field, "value \"%s\" is used twice in %s", b->value, q->id);
    }
}

static void read_only_if(reader *r, template_question *q, config_setting_t *g, const char *path) {
    static const char *const keys[] = {"question", "values", NULL};
    if (!config_setting_is_group(g)) {
        problem(r, g, path, "must be a group: { question = \"q4a\"; values = [\"1\"]; }");
        return;
    }
    check_keys(r, g, path, keys);
    q->only_if_question = get_string(r, g, path, "question", true);
    config_setting_t *values = config_setting_get_member(g, "values");
    if (!values || config_setting_type(values) != CONFIG_TYPE_ARRAY ||
        config_setting_length(values) == 0) {
        problem(r, values ? values : g, path, "values must be a non-empty array of strings");
        return;
    }
    int n = config_setting_length(values);
    q->only_if_values = calloc((size_t)n, sizeof(char *));
    for (int i = 0; i < n; i++) {
        const char *v = config_setting_get_string_elem(values, (unsigned)i);
        if (!v) {
            problem(r, values, path, "values must be strings");
            continue;
        }
        q->only_if_values[q->n_only_if_values++] = omr_strdup(v);
    }
}

/* A question's or text field's id, where it is read: not too long for a
 * column name, and not the id of a question or text field read before it
 * (the first n_questions questions, the first n_fields text fields). */
static void check_new_id(reader *r, const omr_template *t, const config_setting_t *g, const char *path,
                         const char *id, size_t n_questions, size_t n_fields) {
    if (!id)
        return;
    config_setting_t *at = config_setting_get_member(g, "id");
    if (strlen(id) > TEMPLATE_MAX_FIELD_ID)
        problem(r, at, path, "id \"%.20s...\" has %zu characters, at most %d (it becomes a column name)", id,
                strlen(id), TEMPLATE_MAX_FIELD_ID);
    for (size_t j = 0; j < n_questions; j++)
        if (t->questions[j].id && strcmp(t->questions[j].id, id) == 0)
            problem(r, at, path, "id \"%s\" is used twice: question %s on page %d has it too", id, id,
                    t->questions[j].page);
    for (size_t j = 0; j < n_fields; j++)
        if (t->text_fields[j].id && strcmp(t->text_fields[j].id, id) == 0)
            problem(r, at, path, "id \"%s\" is used twice: text field %s on page %d has it too", id, id,
                    t->text_fields[j].page);
}

static void read_question(reader *r, omr_template *t, template_question *q,
                          config_setting_t *g, int page, const char *path, double box_size) {
    static const char *const keys[] = {"id", "type", "text", "section", "x", "y", "w",
                                       "labels", "boxes", "only_if", NULL};
    check_keys(r, g, path, keys);
    q->page = page;
    q->corrections = t->corrections; /* parsed before the pages */
    q->id = get_string(r, g, path, "id", true);
    const char *name = q->id ? q->id : path;
    if (q->id && !valid_identifier(q->id))
        problem(r, g, path, "id \"%s\" must be letters, digits, '_' or '-' (it becomes a column name)",
                q->id);
    check_new_id(r, t, g, path, q->id, (size_t)(q - t->questions), t->n_text_fields);
    char *type = get_string(r, g, name, "type", true);
    if (type) {
        if (strcmp(type, "single") == 0)
            q->type = QUESTION_SINGLE;
        else if (strcmp(type, "multi") == 0)
            q->type = QUESTION_MULTI;
        else if (strcmp(type, "scale") == 0)
            q->type = QUESTION_SCALE;
        else
        {
            char field[300];
            snprintf(field, sizeof field, "%s.type", name);
            problem(r, config_setting_get_member(g, "type"), field,
                    "\"%s\": must be \"single\", \"multi\" or \"scale\"", type);
        }
        free(type);
    }
    q->text = get_string(r, g, name, "text", true);
    q->section = get_string(r, g, name, "section", false);
    q->text_rect.x = 20;
    get_number(r, g, name, "x", false, &q->text_rect.x);
    get_number(r, g, name, "y", true, &q->text_rect.y);
    q->text_rect.w = 90;
    get_number(r, g, name, "w", false, &q->text_rect.w);
    char *labels = get_string(r, g, name, "labels", false);
    if (labels) {
        if (strcmp(labels, "none") == 0)
            q->labels = LABELS_NONE;
        else if (strcmp(labels, "right") != 0)
            problem(r, config_setting_get_member(g, "labels"), name,
                    "labels: must be \"right\" or \"none\"");
        free(labels);
    }
    config_setting_t *boxes = get_list(r, g, name, "boxes", true);
    if (boxes) {
        char field[256];
        snprintf(field, sizeof field, "%s.boxes", name);
        read_boxes(r, t, q, boxes, field, box_size, q->text_rect.y);
    }
    config_setting_t *only_if = config_setting_get_member(g, "only_if");
    if (only_if) {
        char field[256];
        snprintf(field, sizeof field, "%s.only_if", name);
        read_only_if(r, q, only_if, field);
    }
}

static void read_text_field(reader *r, omr_template *t, template_text_field *f,
                            config_setting_t *g, int page, const char *path) {
    static const char *const keys[] = {"id", "prompt", "x", "y", "w", "h", NULL};
    check_keys(r, g, path, keys);
    f->page = page;
    f->id = get_string(r, g, path, "id", true);
    if (f->id && !valid_identifier(f->id))
        problem(r, g, path, "id \"%s\" must be letters, digits, '_' or '-'", f->id);
    check_new_id(r, t, g, path, f->id, t->n_questions, (size_t)(f - t->text_fields));
    f->prompt = get_string(r, g, path, "prompt", false);
    read_rect(r, g, f->id ? f->id : path, &f->rect, 0, 0, -1);
    if (!rect_inside_page(t, f->rect))
        problem(r, g, f->id ? f->id : path, "text field is not inside the page");
}

static void read_pages(reader *r, omr_template *t, config_setting_t *pages, double box_size) {
    static const char *const keys[] = {"page", "texts", "questions", "text_fields", NULL};
    int n = config_setting_length(pages);
    if (n == 0 || n > 16) {
        problem(r, pages, "pages", "a template has 1 to 16 pages, not %d", n);
        return;
    }
    t->pages = calloc((size_t)n, sizeof *t->pages);
    size_t max_questions = 0, max_fields = 0;
    for (int i = 0; i < n; i++) {
        config_setting_t *g = config_setting_get_elem(pages, (unsigned)i);
        config_setting_t *qs = config_setting_is_group(g) ? config_setting_get_member(g, "questions") : NULL;
        config_setting_t *fs = config_setting_is_group(g) ? config_setting_get_member(g, "text_fields") : NULL;
        if (qs && config_setting_is_list(qs))
            max_questions += (size_t)config_setting_length(qs);
        if (fs && config_setting_is_list(fs))
            max_fields += (size_t)config_setting_length(fs);
    }
    t->questions = calloc(max_questions + 1, sizeof *t->questions);
    t->text_fields = calloc(max_fields + 1, sizeof *t->text_fields);
    for (int i = 0; i < n; i++) {
        config_setting_t *g = config_setting_get_elem(pages, (unsigned)i);
        char path[64];
        snprintf(path, sizeof path, "pages[%d]", i + 1);
        if (!config_setting_is_group(g)) {
            problem(r, g, path, "must be a group in braces");
            continue;
        }
        check_keys(r, g, path, keys);
        template_page *page = &t->pages[t->n_pages++];
        double number = i + 1;
        get_number(r, g, path, "page", false, &number);
        page->number = (int)number;
        if (page->number != i + 1)
            problem(r, g, path, "page numbers must run 1, 2, ... in order (found %d)", page->number);
        config_setting_t *texts = get_list(r, g, path, "texts", false);
        if (texts) {
            char field[160];
            snprintf(field, sizeof field, "%s.texts", path);
            read_texts(r, t, page, texts, field);
        }
        config_setting_t *qs = get_list(r, g, path, "questions", false);
        for (int k = 0; qs && k < config_setting_length(qs); k++) {
            config_setting_t *qg = config_setting_get_elem(qs, (unsigned)k);
            char field[160];
            snprintf(field, sizeof field, "%s.questions[%d]", path, k + 1);
            if (!config_setting_is_group(qg)) {
                problem(r, qg, field, "must be a group in braces: { id = \"q1\"; ... }");
                continue;
            }
            read_question(r, t, &t->questions[t->n_questions++], qg, page->number, field,
                          box_size);
        }
        config_setting_t *fs = get_list(r, g, path, "text_fields", false);
        for (int k = 0; fs && k < config_setting_length(fs); k++) {
            config_setting_t *fg = config_setting_get_elem(fs, (unsigned)k);
            char field[160];
            snprintf(field, sizeof field, "%s.text_fields[%d]", path, k + 1);
            if (!config_setting_is_group(fg)) {
                problem(r, fg, field, "must be a group in braces");
                continue;
            }
            read_text_field(r, t, &t->text_fields[t->n_text_fields++], fg, page->number, field);
        }
    }
}

/* Checks that need the whole template: unique ids, routing targets, overlaps
 * between boxes and with the fiducials and the QR code. */
static void check_consistency(reader *r, omr_template *t, config_t *cfg) {
    config_setting_t *root = config_root_setting(cfg);
    for (size_t i = 0; i < t->n_questions; i++) {
        template_question *q = &t->questions[i];
        if (!q->id)
            continue;
        /* ids used twice are refused where they are read (check_new_id) */
        if (q->only_if_question) {
            const template_question *target = template_question_by_id(t, q->only_if_question);
            if (!target || target == q)
                problem(r, root, q->id, "only_if names question \"%s\", which does not exist",
                        q->only_if_question);
        }
        for (size_t b = 0; b < q->n_boxes; b++) {
            omr_rect rc = q->boxes[b].rect;
            /* keep 1 mm between boxes so each can be re-centred on its own */
            omr_rect grown = {rc.x - 1, rc.y - 1, rc.w + 2, rc.h + 2};
            for (size_t j = 0; j <= i; j++) {
                template_question *o = &t->questions[j];
                if (o->page != q->page)
                    continue;
                for (size_t c = 0; c < (j == i ? b : o->n_boxes); c++)
                    if (rects_overlap(grown, o->boxes[c].rect))
                        problem(r, root, q->id, "box \"%s\" is closer than 1 mm to box \"%s\" of %s",
                                q->boxes[b].value ? q->boxes[b].value : "?",
                                o->boxes[c].value ? o->boxes[c].value : "?", o->id);
            }
            if (t->has_code && rects_overlap(grown, t->code_rect))
                problem(r, root, q->id, "box \"%s\" overlaps the QR code area",
                        q->boxes[b].value ? q->boxes[b].value : "?");
            for (int f = 0; f < (t->has_fiducials ? 4 : 0); f++) {
                double s = t->fiducial_size;
                omr_rect fr = {t->fiducials[f].x - s, t->fiducials[f].y - s, 2 * s, 2 * s};
                if (rects_overlap(grown, fr))
                    problem(r, root, q->id, "box \"%s\" is too close to a fiducial mark",
                            q->boxes[b].value ? q->boxes[b].value : "?");
            }
        }
    }
}

/* ---- forms omr did not print ------------------------------------------------ */

static const char *const identity_names[] = {"omr", "qr", "code128", "i25", "code39", "none", NULL};

/* registration, marks, identity and reference (paths kept; loaded later). */
static void read_foreign(reader *r, omr_template *t, config_setting_t *root) {
    char *registration = get_string(r, root, "", "registration", false);
    t->registration = t->has_fiducials || !config_setting_get_member(root, "marks")
                          ? (t->has_fiducials ? REGISTRATION_FIDUCIALS : REGISTRATION_REFERENCE)
                          : REGISTRATION_MARKS;
    if (registration) {
        if (strcmp(registration, "fiducials") == 0)
            t->registration = REGISTRATION_FIDUCIALS;
        else if (strcmp(registration, "marks") == 0)
            t->registration = REGISTRATION_MARKS;
        else if (strcmp(registration, "reference") == 0)
            t->registration = REGISTRATION_REFERENCE;
        else
            problem(r, config_setting_get_member(root, "registration"), "registration",
                    "\"%s\": must be \"fiducials\", \"marks\" or \"reference\"", registration);
        free(registration);
    }

    config_setting_t *marks = config_setting_get_member(root, "marks");
    if (marks && !config_setting_is_group(marks)) {
        problem(r, marks, "marks", "must be a group { size = 6.0; centres = ([x, y], ...); }");
    } else if (marks) {
        static const char *const mkeys[] = {"size", "centres", NULL};
        check_keys(r, marks, "marks", mkeys);
        get_number(r, marks, "marks", "size", true, &t->mark_size);
        if (t->mark_size < 1.5 || t->mark_size > 25)
            problem(r, marks, "marks.size", "must be 1.5 to 25 mm");
        config_setting_t *centres = get_list(r, marks, "marks", "centres", true);
        int n = centres ? config_setting_length(centres) : 0;
        if (centres && (n < 3 || n > 16))
            problem(r, centres, "marks.centres", "needs 3 to 16 centres, not %d", n);
        else if (centres) {
            t->marks = calloc((size_t)n, sizeof *t->marks);
            for (int i = 0; t->marks && i < n; i++) {
                config_setting_t *c = config_setting_get_elem(centres, (unsigned)i);
                char field[64];
                snprintf(field, sizeof field, "marks.centres[%d]", i + 1);
                if (config_setting_type(c) != CONFIG_TYPE_ARRAY || config_setting_length(c) != 2) {
                    problem(r, c, field, "must be [x, y]");
                    continue;
                }
                number_at(r, c, 0, field, &t->marks[i].x);
                number_at(r, c, 1, field, &t->marks[i].y);
                if (t->marks[i].x < 0 || t->marks[i].y < 0 || t->marks[i].x > t->page_width ||
                    t->marks[i].y > t->page_height)
                    problem(r, c, field, "mark is not on the page");
                t->n_marks++;
            }
        }
    }

    t->identity.kind = t->has_code ? IDENTITY_OMR : IDENTITY_NONE;
    config_setting_t *id = config_setting_get_member(root, "identity");
    if (id && !config_setting_is_group(id)) {
        problem(r, id, "identity", "must be a group { kind = \"code128\"; pattern = \"...\"; ... }");
    } else if (id) {
        static const char *const ikeys[] = {"kind", "pattern", "fields", "form", "x", "y", "w", "h", "file_name", NULL};
        check_keys(r, id, "identity", ikeys);
        char *kind = get_string(r, id, "identity", "kind", true);
        int found = -1;
        for (int i = 0; kind && identity_names[i]; i++)
            if (strcmp(kind, identity_names[i]) == 0)
                found = i;
        if (kind && found < 0)
            problem(r, config_setting_get_member(id, "kind"), "identity.kind",
                    "\"%s\": must be \"omr\", \"qr\", \"code128\", \"i25\", \"code39\" or \"none\"", kind);
        if (found >= 0)
            t->identity.kind = (template_identity_kind)found;
        free(kind);
        t->identity.pattern = get_string(r, id, "identity", "pattern", false);
        t->identity.form = get_string(r, id, "identity", "form", false);
        t->identity.file_name = get_string(r, id, "identity", "file_name", false);
        char why[160];
        if (t->identity.file_name && !file_name_check(t->identity.file_name, why, sizeof why))
            problem(r, id, "identity.file_name", "\"%s\": %s", t->identity.file_name, why);
        config_setting_t *fields = config_setting_get_member(id, "fields");
        if (fields) {
            int n = config_setting_type(fields) == CONFIG_TYPE_ARRAY ? config_setting_length(fields) : -1;
            if (n < 1)
                problem(r, fields, "identity.fields", "must be an array of strings: [\"code\", \"page\"]");
            for (int i = 0; i < n; i++) {
                const char *f = config_setting_get_string_elem(fields, (unsigned)i);
                if (f && strcmp(f, "code") == 0)
                    t->identity.group_code = i + 1;
                else if (f && strcmp(f, "page") == 0)
                    t->identity.group_page = i + 1;
                else if (f && strcmp(f, "form") == 0)
                    t->identity.group_form = i + 1;
                else if (!f || strcmp(f, "-") != 0)
                    problem(r, fields, "identity.fields",
                            "element %d must be \"code\", \"page\", \"form\" or \"-\" (ignored)", i + 1);
            }
        }
        double x;
        if (get_number(r, id, "identity", "x", false, &x)) {
            read_rect(r, id, "identity", &t->identity.area, 0, 0, -1);
            t->identity.has_area = 1;
            if (!rect_inside_page(t, t->identity.area))
                problem(r, id, "identity", "the code's area is not inside the page");
        }
    }

    config_setting_t *ref = config_setting_get_member(root, "reference");
    t->reference_line = ref ? config_setting_source_line(ref) : 0;
    if (ref) {
        int n = config_setting_type(ref) == CONFIG_TYPE_STRING ? 1
                : config_setting_type(ref) == CONFIG_TYPE_ARRAY ? config_setting_length(ref) : 0;
        if (n < 1) {
            problem(r, ref, "reference", "must be a file name in double quotes, or an array of them (one per page)");
            return;
        }
        t->reference_files = calloc((size_t)n, sizeof *t->reference_files);
        /* relative to the template's own folder */
        const char *slash = strrchr(r->path, '/');
        int dir_len = slash ? (int)(slash - r->path) + 1 : 0;
        for (int i = 0; t->reference_files && i < n; i++) {
            const char *name = n == 1 && config_setting_type(ref) == CONFIG_TYPE_STRING
                                   ? config_setting_get_string(ref)
                                   : config_setting_get_string_elem(ref, (unsigned)i);
            if (!name || !*name) {
                problem(r, ref, "reference", "element %d must be a file name", i + 1);
                continue;
            }
            char full[4096];
            if (name[0] == '/')
                snprintf(full, sizeof full, "%s", name);
            else
                snprintf(full, sizeof full, "%.*s%s", dir_len, r->path, name);
            t->reference_files[t->n_reference_files++] = omr_strdup(full);
        }
    }
}

/* What a template for a foreign form must hold together. */
static void check_foreign(reader *r, omr_template *t, config_setting_t *root) {
    template_identity *id = &t->identity;
    if (t->registration == REGISTRATION_FIDUCIALS && !t->has_fiducials)
        problem(r, root, "registration", "\"fiducials\" needs the fiducials group (omr's own marks)");
    if (t->registration == REGISTRATION_MARKS && t->n_marks < 3)
        problem(r, root, "registration", "\"marks\" needs a marks group with at least 3 centres");
    if (t->registration != REGISTRATION_FIDUCIALS && !t->n_reference_files &&
        !(t->has_code && id->kind == IDENTITY_OMR))
        problem(r, root, "reference",
                "missing: a form without omr's fiducials and QR code is found on the scan through "
                "its blank copy (reference = \"blank.pdf\";)");
    if (t->registration == REGISTRATION_FIDUCIALS && id->kind != IDENTITY_OMR)
        problem(r, root, "identity", "omr's fiducials are found from omr's QR code: identity must be \"omr\"");
    if (id->kind == IDENTITY_OMR && !t->has_code)
        problem(r, root, "code", "missing: omr's QR code square (or say identity = { kind = \"none\"; }, "
                "or name the form's own barcode)");
    if (id->kind == IDENTITY_NONE && !t->n_reference_files)
        problem(r, root, "identity", "a form without a code is known by its look: it needs reference = \"...\"");
    if (id->kind != IDENTITY_OMR && id->kind != IDENTITY_NONE) {
        if (!id->pattern) {
            problem(r, root, "identity.pattern", "missing: how the code's text reads, e.g. \"^([0-9]{6})-([0-9])$\"");
        } else {
            regex_t re;
            int rc = regcomp(&re, id->pattern, REG_EXTENDED);
            if (rc != 0) {
                char msg[200];
                regerror(rc, &re, msg, sizeof msg);
                problem(r, root, "identity.pattern", "not a regular expression: %s", msg);
            } else {
                int most = id->group_code > id->group_page ? id->group_code : id->group_page;
                if (id->group_form > most)
                    most = id->group_form;
                config_setting_t *fields = config_setting_lookup(root, "identity.fields");
                int n_fields = fields ? config_setting_length(fields) : 0;
                if ((size_t)most > re.re_nsub)
                    problem(r, fields ? fields : root, "identity.fields", "names group %d, but the pattern has %zu groups",
                            most, (size_t)re.re_nsub);
                else if ((size_t)n_fields > re.re_nsub)
                    problem(r, fields, "identity.fields",
                            "%d elements, but the pattern has %zu groups: one element per group in "
                            "parentheses, in order",
                            n_fields, (size_t)re.re_nsub);
                regfree(&re);
            }
        }
        if (id->group_form && !id->form)
            problem(r, root, "identity.form", "missing: the text the \"form\" group must read");
        if (!id->group_page && t->n_pages > 1 && !t->n_reference_files)
            problem(r, root, "identity.fields", "a form of %zu pages needs a \"page\" group or a reference",
                    t->n_pages);
    } else if (id->pattern) {
        problem(r, root, "identity.pattern", "only a QR code or a barcode has a pattern");
    }
    if (t->n_reference_files > 1 && t->n_reference_files != t->n_pages)
        problem(r, root, "reference", "%zu files for %zu pages: give one file, or one per page",
                t->n_reference_files, t->n_pages);
    for (size_t i = 0; i < t->n_questions; i++)
        for (size_t b = 0; b < t->questions[i].n_boxes; b++)
            for (size_t m = 0; m < t->n_marks; m++) {
                omr_rect rc = t->questions[i].boxes[b].rect;
                double half = t->mark_size / 2 + 1;
                omr_rect mr = {t->marks[m].x - half, t->marks[m].y - half, 2 * half, 2 * half};
                if (rects_overlap(rc, mr))
                    problem(r, root, t->questions[i].id, "box \"%s\" is too close to registration mark %zu",
                            t->questions[i].boxes[b].value ? t->questions[i].boxes[b].value : "?", m + 1);
            }
}

const struct reference_page *template_reference(const omr_template *t, int page) {
    if (!t->references || page < 1 || (size_t)page > t->n_pages)
        return NULL;
    return t->references[page - 1];
}

int template_parse(const char *path, omr_template **out, template_problems *problems,
                   omr_error *err) {
    *out = NULL;
    reader r = {.path = path, .problems = problems};
    FILE *f = fopen(path, "r");
    if (!f)
        return omr_fail(err, OMR_ERR_IO, "template %s: cannot open: %s", path, strerror(errno));
    config_t cfg;
    config_init(&cfg);
    if (config_read(&cfg, f) != CONFIG_TRUE) {
        char msg[OMR_ERROR_SIZE];
        snprintf(msg, sizeof msg, "%s:%d: syntax: %s", path, config_error_line(&cfg),
                 config_error_text(&cfg));
        char **grown = problems ? realloc(problems->messages, (problems->count + 1) * sizeof *grown) : NULL;
        if (grown) {
            problems->messages = grown;
            problems->messages[problems->count++] = omr_strdup(msg);
        }
        config_destroy(&cfg);
        fclose(f);
        return omr_fail(err, OMR_ERR_INVALID, "template %s", msg);
    }
    fclose(f);

    omr_template *t = calloc(1, sizeof *t);
    if (!t) {
        config_destroy(&cfg);
        return omr_fail(err, OMR_ERR_MEMORY, "out of memory reading template %s", path);
    }
    t->path = omr_strdup(path);
    config_setting_t *root = config_root_setting(&cfg);
    static const char *const keys[] = {"id", "title", "code_kind", "page_width", "page_height",
                                       "box_size", "fiducials", "code", "pages", "registration",
                                       "reference", "marks", "identity", "corrections", "dropout", NULL};
    check_keys(&r, root, "", keys);
    t->id = get_string(&r, root, "", "id", true);
    if (t->id && !valid_identifier(t->id))
        problem(&r, root, "id", "\"%s\" must be letters, digits, '_' or '-'", t->id);
    if (t->id && strlen(t->id) > TEMPLATE_MAX_ID)
        problem(&r, config_setting_get_member(root, "id"), "id",
                "%zu characters, at most %d: the id is printed in every page's QR code and names "
                "the comment crops' files", strlen(t->id), TEMPLATE_MAX_ID);
    t->title = get_string(&r, root, "", "title", true);
    t->code_kind = get_string(&r, root, "", "code_kind", false);
    if (!t->code_kind)
        t->code_kind = omr_strdup("login");
    else if (strcmp(t->code_kind, "login") != 0 && strcmp(t->code_kind, "municipality") != 0)
        problem(&r, config_setting_get_member(root, "code_kind"), "code_kind",
                "must be \"login\" or \"municipality\"");
    char *rule = get_string(&r, root, "", "corrections", false); /* the form's rule for taking back */
    static const char *const rules[] = {"fill-cancels", "fill-is-undo", "scribble-cancels", "none"};
    for (int i = 0; rule && i < 4; i++)
        if (strcmp(rule, rules[i]) == 0)
            t->corrections = (template_corrections)i, free(rule), rule = NULL;
    if (rule)
        problem(&r, config_setting_get_member(root, "corrections"), "corrections", "\"%s\" is not %s", rule,
                "fill-cancels, fill-is-undo, scribble-cancels or none"), free(rule);
    char *dropout = get_string(&r, root, "", "dropout", false); /* the colour the scans' grey leaves out */
    if (dropout && !decode_dropout_parse(dropout, &t->dropout))
        problem(&r, config_setting_get_member(root, "dropout"), "dropout", "\"%s\" is not none, red, green or "
                "blue (the colour of ink a colour scan is to ignore, as a scanner's drop-out does)", dropout);
    free(dropout);
    t->page_width = 210;
    t->page_height = 297;
    get_number(&r, root, "", "page_width", false, &t->page_width);
    get_number(&r, root, "", "page_height", false, &t->page_height);
    if (t->page_width < 50 || t->page_width > 500 || t->page_height < 50 || t->page_height > 500)
        problem(&r, root, "page_width", "page size %.0f x %.0f mm is not a paper size",
                t->page_width, t->page_height);
    double box_size = 5;
    if (get_number(&r, root, "", "box_size", false, &box_size) && (box_size < 2.5 || box_size > 20)) {
        problem(&r, config_setting_get_member(root, "box_size"), "box_size",
                "%g mm: boxes must be 2.5 to 20 mm wide and high", box_size);
        box_size = 5; /* one problem, not a "w: missing" for every box */
    }

    config_setting_t *fid = config_setting_get_member(root, "fiducials");
    if (fid && !config_setting_is_group(fid)) {
        problem(&r, fid, "fiducials", "must be a group { size = 5.0; centres = ([x, y], ...); }");
    } else if (fid) {
        t->has_fiducials = 1;
        static const char *const fkeys[] = {"size", "centres", NULL};
        check_keys(&r, fid, "fiducials", fkeys);
        get_number(&r, fid, "fiducials", "size", true, &t->fiducial_size);
        config_setting_t *centres = get_list(&r, fid, "fiducials", "centres", true);
        if (centres && config_setting_length(centres) != 4) {
            problem(&r, centres, "fiducials.centres", "needs exactly 4 centres (TL, TR, BL, BR)");
        } else if (centres) {
            for (int i = 0; i < 4; i++) {
                config_setting_t *c = config_setting_get_elem(centres, (unsigned)i);
                char field[64];
                snprintf(field, sizeof field, "fiducials.centres[%d]", i + 1);
                if (config_setting_type(c) != CONFIG_TYPE_ARRAY || config_setting_length(c) != 2) {
                    problem(&r, c, field, "must be [x, y]");
                    continue;
                }
                number_at(&r, c, 0, field, &t->fiducials[i].x);
                number_at(&r, c, 1, field, &t->fiducials[i].y);
                double s = t->fiducial_size / 2;
                omr_rect fr = {t->fiducials[i].x - s, t->fiducials[i].y - s, 2 * s, 2 * s};
                if (!rect_inside_page(t, fr))
                    problem(&r, c, field, "fiducial mark is not inside the page");
            }
            /* the order TL, TR, BL, BR is what locate relies on */
            if (!(t->fiducials[0].x < t->fiducials[1].x && t->fiducials[2].x < t->fiducials[3].x &&
                  t->fiducials[0].y < t->fiducials[2].y && t->fiducials[1].y < t->fiducials[3].y))
                problem(&r, centres, "fiducials.centres",
                        "must be in the order top-left, top-right, bottom-left, bottom-right");
        }
        if (t->fiducial_size < 2 || t->fiducial_size > 15)
            problem(&r, fid, "fiducials.size", "must be 2 to 15 mm");
    }

    config_setting_t *code = config_setting_get_member(root, "code");
    if (code && !config_setting_is_group(code)) {
        problem(&r, code, "code", "must be a group { x = ...; y = ...; size = ...; }");
    } else if (code) {
        t->has_code = 1;
        static const char *const ckeys[] = {"x", "y", "size", NULL};
        check_keys(&r, code, "code", ckeys);
        get_number(&r, code, "code", "x", true, &t->code_rect.x);
        get_number(&r, code, "code", "y", true, &t->code_rect.y);
        get_number(&r, code, "code", "size", true, &t->code_rect.w);
        t->code_rect.h = t->code_rect.w;
        if (!rect_inside_page(t, t->code_rect))
            problem(&r, code, "code", "QR code area is not inside the page");
        if (t->code_rect.w < 12)
            problem(&r, code, "code.size", "a QR code under 12 mm does not survive a 200 dpi scan");
    }

    read_foreign(&r, t, root);

    config_setting_t *pages = get_list(&r, root, "", "pages", true);
    if (pages)
        read_pages(&r, t, pages, box_size);
    if (r.count == 0)
        check_consistency(&r, t, &cfg);
    if (r.count == 0)
        check_foreign(&r, t, root);
    if (r.count == 0 && t->n_questions == 0 && t->n_text_fields == 0)
        problem(&r, root, "pages", "the template has no questions and no text fields");
    config_destroy(&cfg);

    if (r.count > 0 && !(problems && problems->keep_template))
        template_free(t);
    else
        *out = t;
    if (r.count > 0)
        return omr_fail(err, OMR_ERR_INVALID, "template %s has %zu problem%s", path, r.count,
                        r.count == 1 ? "" : "s");
    return OMR_OK;
}

void template_free(omr_template *t) {
    if (!t)
        return;
    for (size_t i = 0; i < t->n_pages; i++) {
        for (size_t k = 0; k < t->pages[i].n_texts; k++)
            free(t->pages[i].texts[k].text);
        free(t->pages[i].texts);
    }
    free(t->pages);
    for (size_t i = 0; i < t->n_questions; i++) {
        template_question *q = &t->questions[i];
        for (size_t b = 0; b < q->n_boxes; b++) {
            free(q->boxes[b].value);
            free(q->boxes[b].label);
        }
        free(q->boxes);
        free(q->id);
        free(q->text);
        free(q->section);
        free(q->only_if_question);
        for (size_t k = 0; k < q->n_only_if_values; k++)
            free(q->only_if_values[k]);
        free(q->only_if_values);
    }
    free(t->questions);
    for (size_t i = 0; i < t->n_text_fields; i++) {
        free(t->text_fields[i].id);
        free(t->text_fields[i].prompt);
    }
    free(t->text_fields);
    free(t->id);
    free(t->title);
    free(t->code_kind);
    free(t->path);
    free(t->identity.pattern);
    free(t->identity.form);
    free(t->identity.file_name);
    free(t->marks);
    for (size_t i = 0; i < t->n_reference_files; i++)
        free(t->reference_files[i]);
    free(t->reference_files);
    for (size_t i = 0; t->references && t->free_reference && i < t->n_pages; i++)
        t->free_reference(t->references[i]);
    free(t->references);
    free(t);
}

char *template_find(const char *name) { return omr_find_data_file("templates", "OMR_TEMPLATE_DIR", name); }

const template_question *template_question_by_id(const omr_template *t, const char *id) {
    for (size_t i = 0; i < t->n_questions; i++)
        if (t->questions[i].id && strcmp(t->questions[i].id, id) == 0)
            return &t->questions[i];
    return NULL;
}

const char *template_question_type_name(question_type type) {
    switch (type) {
    case QUESTION_SINGLE:
        return "single";
    case QUESTION_MULTI:
        return "multi";
    case QUESTION_SCALE:
        return "scale";
    }
    return "?";
}
