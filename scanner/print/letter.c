/*
 * letter.c — the mailing's information letter (see letter.h): read from its
 * libconfig file, filled in per recipient and drawn as one A4 page with
 * forms/draw.c's paragraph (the forms' own font and wrapping). The render
 * run calls it before each form (render_hooks in render.h).
 */
#include "print/letter.h"

#include <csv.h>
#include <libconfig.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "forms/draw.h"

#define PAGE_W 210.0
#define MARGIN 25.0
#define BODY_PT 10.5

static const char *const wave_keys[] = {NULL, "invitation", "reminder1", "reminder2"};

static char *dup_or_null(const char *s) { return s ? strdup(s) : NULL; }

static int load_lines(config_setting_t *list, char ***out, size_t *n) {
    *out = NULL;
    *n = 0;
    if (!list)
        return 1;
    if (config_setting_type(list) == CONFIG_TYPE_STRING) {
        *out = calloc(1, sizeof **out);
        if (!*out)
            return 0;
        (*out)[(*n)++] = strdup(config_setting_get_string(list));
        return 1;
    }
    int count = config_setting_length(list);
    *out = calloc((size_t)(count > 0 ? count : 1), sizeof **out);
    if (!*out)
        return 0;
    for (int i = 0; i < count; i++) {
        const char *s = config_setting_get_string_elem(list, i);
        if (s)
            (*out)[(*n)++] = strdup(s);
    }
    return 1;
}

int letter_load(const char *path, letter **out, omr_error *err) {
    *out = NULL;
    config_t cfg;
    config_init(&cfg);
    if (!config_read_file(&cfg, path)) {
        int rc = config_error_type(&cfg) == CONFIG_ERR_FILE_IO
                     ? omr_fail(err, OMR_ERR_IO, "cannot read the letter %s", path)
                     : omr_fail(err, OMR_ERR_INVALID, "%s:%d: %s", path, config_error_line(&cfg),
                                config_error_text(&cfg));
        config_destroy(&cfg);
        return rc;
    }
    letter *l = calloc(1, sizeof *l);
    if (!l) {
        config_destroy(&cfg);
        return omr_fail(err, OMR_ERR_MEMORY, "out of memory reading %s", path);
    }
    const char *s = NULL;
    int rc = OMR_OK;
    if (config_lookup_string(&cfg, "web", &s))
        l->web = strdup(s);
    if (config_lookup_string(&cfg, "contact", &s))
        l->contact = strdup(s);
    if (config_lookup_string(&cfg, "place", &s))
        l->place = strdup(s);
    load_lines(config_lookup(&cfg, "sender"), &l->sender, &l->n_sender);
    load_lines(config_lookup(&cfg, "signature"), &l->signature, &l->n_signature);
    l->address_x = 115.0;
    l->address_y = 52.0;
    int whole;
    if (!config_lookup_float(&cfg, "address_x", &l->address_x) &&
        config_lookup_int(&cfg, "address_x", &whole)) /* 110 as well as 110.0 */
        l->address_x = whole;
    if (!config_lookup_float(&cfg, "address_y", &l->address_y) &&
        config_lookup_int(&cfg, "address_y", &whole))
        l->address_y = whole;
    if (!l->web || !l->contact || !l->n_sender)
        rc = omr_fail(err, OMR_ERR_INVALID,
                      "%s: the letter needs web (the address for answering online), contact "
                      "(whom to ask) and sender",
                      path);
    for (int w = 1; w <= LETTER_WAVES && rc == OMR_OK; w++) {
        config_setting_t *g = config_lookup(&cfg, wave_keys[w]);
        const char *heading = NULL, *body = NULL;
        if (g) {
            config_setting_lookup_string(g, "heading", &heading);
            config_setting_lookup_string(g, "body", &body);
        }
        l->heading[w] = dup_or_null(heading);
        l->body[w] = dup_or_null(body);
        if (!heading || !body)
            rc = omr_fail(err, OMR_ERR_INVALID,
                          "%s: %s needs a heading and a body", path, wave_keys[w]);
        else if (!strstr(body, "{code}"))
            rc = omr_fail(err, OMR_ERR_INVALID,
                          "%s: the body of %s does not hold {code}: the respondent would not "
                          "get the login code",
                          path, wave_keys[w]);
    }
    config_destroy(&cfg);
    if (l->address_x < 0 || l->address_x > PAGE_W - 40 || l->address_y < 0 || l->address_y > 200)
        rc = omr_fail(err, OMR_ERR_INVALID, "%s: the address field (%.0f, %.0f mm) is off the page",
                      path, l->address_x, l->address_y);
    if (rc != OMR_OK) {
        letter_free(l);
        return rc;
    }
    *out = l;
    return OMR_OK;
}

void letter_free(letter *l) {
    if (!l)
        return;
    for (size_t i = 0; i < l->n_sender; i++)
        free(l->sender[i]);
    for (size_t i = 0; i < l->n_signature; i++)
        free(l->signature[i]);
    free(l->sender);
    free(l->signature);
    free(l->place);
    free(l->web);
    free(l->contact);
    for (int w = 0; w <= LETTER_WAVES; w++) {
        free(l->heading[w]);
        free(l->body[w]);
    }
    free(l);
}

char *letter_fill(const char *text, const char *code, const char *web, const char *name,
                  const char *date) {
    static const char *const keys[] = {"{code}", "{web}", "{name}", "{date}"};
    const char *values[] = {code, web, name, date};
    size_t size = strlen(text) + 1;
    for (const char *p = text; (p = strchr(p, '{')); p++)
        size += 256; /* room for any value */
    char *out = malloc(size);
    if (!out)
        return NULL;
    size_t len = 0;
    for (const char *p = text; *p;) {
        int done = 0;
        for (size_t k = 0; k < 4 && !done; k++) {
            size_t kl = strlen(keys[k]);
            if (strncmp(p, keys[k], kl) == 0) {
                len += (size_t)snprintf(out + len, size - len, "%.255s", values[k] ? values[k] : "");
                p += kl;
                done = 1;
            }
        }
        if (!done)
            out[len++] = *p++;
    }
    out[len] = 0;
    return out;
}

static int is_one_of(const char *name, const char *const *choices) {
    for (; *choices; choices++)
        if (strcasecmp(name, *choices) == 0)
            return 1;
    return 0;
}

size_t letter_address_from_frame(char *const *names, char *const *values, size_t n,
                                 char name[128], char lines[3][128]) {
    static const char *const name_cols[] = {"name", "namn", NULL};
    static const char *const co_cols[] = {"co", "c_o", NULL};
    static const char *const street_cols[] = {"address", "adress", "utdelningsadress", "street",
                                              NULL};
    static const char *const postcode_cols[] = {"postcode", "postnummer", "postnr", NULL};
    static const char *const city_cols[] = {"city", "ort", "postort", NULL};
    const char *nm = "", *co = "", *street = "", *postcode = "", *city = "";
    for (size_t i = 0; i < n; i++) {
        if (is_one_of(names[i], name_cols))
            nm = values[i];
        else if (is_one_of(names[i], co_cols))
            co = values[i];
        else if (is_one_of(names[i], street_cols))
            street = values[i];
        else if (is_one_of(names[i], postcode_cols))
            postcode = values[i];
        else if (is_one_of(names[i], city_cols))
            city = values[i];
    }
    snprintf(name, 128, "%s", nm);
    size_t k = 0;
    if (*co)
        snprintf(lines[k++], 128, "c/o %s", co);
    if (*street)
        snprintf(lines[k++], 128, "%s", street);
    if (*postcode || *city) /* "123 45  STOCKHOLM": two spaces, as Swedish addresses are written */
        snprintf(lines[k++], 128, "%s%s%s", postcode, *postcode && *city ? "  " : "", city);
    return k;
}

int letter_draw(cairo_t *cr, const letter *l, int wave, const letter_recipient *r,
                const char *date, omr_error *err) {
    if (wave < 1 || wave > LETTER_WAVES)
        return omr_fail(err, OMR_ERR_INVALID, "no letter for wave %d", wave);
    cairo_save(cr);
    cairo_set_source_rgb(cr, 0, 0, 0);
    /* the sender's block, top left; the place and date, top right */
    double y = 18.0;
    for (size_t i = 0; i < l->n_sender; i++)
        y = draw_paragraph(cr, l->sender[i], MARGIN, y, 80, i ? TEXT_REGULAR : TEXT_BOLD, 9.5,
                           ALIGN_LEFT);
    char dated[160];
    snprintf(dated, sizeof dated, "%s%s%s", l->place ? l->place : "", l->place ? " " : "",
             date ? date : "");
    draw_paragraph(cr, dated, l->address_x, 18.0, PAGE_W - MARGIN - l->address_x, TEXT_REGULAR,
                   9.5, ALIGN_LEFT);
    /* the recipient, in the envelope's window */
    double ay = l->address_y;
    if (r->name && *r->name)
        ay = draw_paragraph(cr, r->name, l->address_x, ay, 80, TEXT_REGULAR, 11, ALIGN_LEFT);
    for (size_t i = 0; i < r->n_address; i++)
        ay = draw_paragraph(cr, r->address[i], l->address_x, ay, 80, TEXT_REGULAR, 11, ALIGN_LEFT);
    /* the letter */
    char *heading = letter_fill(l->heading[wave], r->code, l->web, r->name, date);
    char *body = letter_fill(l->body[wave], r->code, l->web, r->name, date);
    char *contact = letter_fill(l->contact, r->code, l->web, r->name, date);
    int rc = OMR_OK;
    if (!heading || !body || !contact)
        rc = omr_fail(err, OMR_ERR_MEMORY, "out of memory for a letter");
    if (rc == OMR_OK) {
        y = draw_paragraph(cr, heading, MARGIN, 100.0, PAGE_W - 2 * MARGIN, TEXT_BOLD, 13,
                           ALIGN_LEFT) + 4;
        y = draw_paragraph(cr, body, MARGIN, y, PAGE_W - 2 * MARGIN, TEXT_REGULAR, BODY_PT,
                           ALIGN_LEFT) + 4;
        /* the login code and the web address, in a box of their own */
        char code_line[300];
        snprintf(code_line, sizeof code_line, "Webbadress: %s\nInloggningskod: %s", l->web,
                 r->code);
        double top = y;
        y = draw_paragraph(cr, code_line, MARGIN + 4, top + 3, PAGE_W - 2 * MARGIN - 8, TEXT_BOLD,
                           12, ALIGN_LEFT) + 2;
        cairo_set_line_width(cr, 0.4);
        cairo_rectangle(cr, MARGIN, top, PAGE_W - 2 * MARGIN, y - top);
        cairo_stroke(cr);
        y = draw_paragraph(cr, contact, MARGIN, y + 6, PAGE_W - 2 * MARGIN, TEXT_REGULAR,
                           BODY_PT, ALIGN_LEFT) + 6;
        for (size_t i = 0; i < l->n_signature; i++)
            y = draw_paragraph(cr, l->signature[i], MARGIN, y, PAGE_W - 2 * MARGIN,
                               TEXT_REGULAR, BODY_PT, ALIGN_LEFT);
    }
    free(heading);
    free(body);
    free(contact);
    cairo_restore(cr);
    if (rc == OMR_OK)
        cairo_show_page(cr);
    return rc;
}

/* ---- an address file kept out of the ledger ------------------------------------------ */

typedef struct {
    letter_addresses *a;
    char **row;
    size_t n, cap;
    size_t line;
    int bad;
    omr_error *err;
    const char *path;
} address_reader;

static void address_cell(void *data, size_t len, void *r) {
    address_reader *ar = r;
    if (ar->bad)
        return;
    if (ar->n == ar->cap) {
        size_t cap = ar->cap ? ar->cap * 2 : 8;
        char **grown = realloc(ar->row, cap * sizeof *grown);
        if (!grown) {
            ar->bad = omr_fail(ar->err, OMR_ERR_MEMORY, "out of memory reading %s", ar->path);
            return;
        }
        ar->row = grown;
        ar->cap = cap;
    }
    char *cell = malloc(len + 1);
    if (!cell) {
        ar->bad = omr_fail(ar->err, OMR_ERR_MEMORY, "out of memory reading %s", ar->path);
        return;
    }
    memcpy(cell, data ? data : "", len);
    cell[len] = 0;
    if (ar->line == 0 && ar->n == 0 && len >= 3 && memcmp(cell, "\xEF\xBB\xBF", 3) == 0)
        memmove(cell, cell + 3, len - 2); /* a byte order mark */
    ar->row[ar->n++] = cell;
}

static void free_row(char **row, size_t n) {
    for (size_t i = 0; row && i < n; i++)
        free(row[i]);
    free(row);
}

static void address_row(int c, void *r) {
    (void)c;
    address_reader *ar = r;
    letter_addresses *a = ar->a;
    ar->line++;
    if (ar->bad) {
        free_row(ar->row, ar->n);
    } else if (ar->line == 1) {
        a->names = ar->row;
        a->n_names = ar->n;
    } else if (ar->n == 1 && !*ar->row[0]) {
        free_row(ar->row, ar->n); /* a blank line */
    } else if (ar->n != a->n_names) {
        ar->bad = omr_fail(ar->err, OMR_ERR_INVALID, "%s:%zu: %zu fields, but the header has %zu",
                           ar->path, ar->line, ar->n, a->n_names);
        free_row(ar->row, ar->n);
    } else {
        char ***grown = realloc(a->rows, (a->n_rows + 1) * sizeof *grown);
        if (!grown) {
            ar->bad = omr_fail(ar->err, OMR_ERR_MEMORY, "out of memory reading %s", ar->path);
            free_row(ar->row, ar->n);
        } else {
            a->rows = grown;
            a->rows[a->n_rows++] = ar->row;
        }
    }
    ar->row = NULL;
    ar->n = ar->cap = 0;
}

int letter_addresses_load(const char *path, letter_addresses **out, omr_error *err) {
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f)
        return omr_fail(err, OMR_ERR_IO, "cannot read the address file %s", path);
    letter_addresses *a = calloc(1, sizeof *a);
    struct csv_parser parser;
    if (!a || csv_init(&parser, CSV_APPEND_NULL) != 0) {
        fclose(f);
        free(a);
        return omr_fail(err, OMR_ERR_MEMORY, "out of memory reading %s", path);
    }
    char buf[65536];
    size_t got = fread(buf, 1, sizeof buf, f);
    /* ';' when the header has ';' and no ',' (Excel in Swedish) */
    const char *nl = memchr(buf, '\n', got);
    size_t head = nl ? (size_t)(nl - buf) : got;
    if (memchr(buf, ';', head) && !memchr(buf, ',', head))
        csv_set_delim(&parser, ';');
    address_reader ar = {.a = a, .err = err, .path = path};
    int rc = OMR_OK;
    for (; got > 0 && !ar.bad; got = fread(buf, 1, sizeof buf, f))
        if (csv_parse(&parser, buf, got, address_cell, address_row, &ar) != got)
            ar.bad = omr_fail(err, OMR_ERR_INVALID, "%s: %s", path,
                              csv_strerror(csv_error(&parser)));
    if (!ar.bad)
        csv_fini(&parser, address_cell, address_row, &ar);
    free_row(ar.row, ar.n);
    csv_free(&parser);
    fclose(f);
    if (ar.bad)
        rc = ar.bad;
    size_t col = 0;
    while (rc == OMR_OK && col < a->n_names && strcasecmp(a->names[col], "code") != 0)
        col++;
    if (rc == OMR_OK && col == a->n_names)
        rc = omr_fail(err, OMR_ERR_INVALID, "%s: no column \"code\"", path);
    a->code_col = col;
    for (size_t i = 0; rc == OMR_OK && i < a->n_rows; i++)
        for (size_t j = 0; rc == OMR_OK && j < i; j++)
            if (strcasecmp(a->rows[i][col], a->rows[j][col]) == 0)
                rc = omr_fail(err, OMR_ERR_INVALID, "%s: code %s is given twice", path,
                              a->rows[i][col]);
    if (rc != OMR_OK) {
        letter_addresses_free(a);
        return rc;
    }
    *out = a;
    return OMR_OK;
}

char *const *letter_addresses_find(const letter_addresses *a, const char *code) {
    for (size_t i = 0; a && i < a->n_rows; i++)
        if (strcasecmp(a->rows[i][a->code_col], code) == 0)
            return a->rows[i];
    return NULL;
}

void letter_addresses_free(letter_addresses *a) {
    if (!a)
        return;
    free_row(a->names, a->n_names);
    for (size_t i = 0; i < a->n_rows; i++)
        free_row(a->rows[i], a->n_names);
    free(a->rows);
    free(a);
}
