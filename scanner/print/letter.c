/*
 * letter.c — the mailing's information letter (see letter.h): read from its
 * libconfig file, filled in per recipient and drawn as one A4 page with
 * forms/draw.c's paragraph (the forms' own font and wrapping). The render
 * run calls it before each form (render_hooks in render.h).
 */
#include "print/letter.h"

#include <libconfig.h>
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
