/*
 * test_template.c — template.c: the shipped templates load, errors name their
 * line and field, and the geometry JSON has the documented shape; a draft
 * `template new` writes from a foreign blank says what it cannot know (the
 * form's corrections rule) and reads its printed labels.
 */
#include <cairo.h>
#include <jansson.h>
#include <strings.h>

#include "forms/discover.h"
#include "pages/encode.h"

#include "helpers.h"

static char *write_temp(const char *dir, const char *name, const char *text) {
    static char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs(text, f);
    fclose(f);
    return path;
}

static const char *const good =
    "# a one-question form\n"
    "id = \"mini\";\n"
    "title = \"Mini\";\n"
    "fiducials = { size = 5.0; centres = ([10.0, 10.0], [200.0, 10.0], [10.0, 287.0], [200.0, 287.0]); };\n"
    "code = { x = 172.0; y = 16.0; size = 22.0; };\n"
    "pages = ( { page = 1;\n"
    "  questions = ( { id = \"q1\"; type = \"single\"; text = \"Ja eller nej?\"; y = 60.0;\n"
    "    boxes = ( { value = \"1\"; label = \"Ja\"; x = 120.0; }, { value = \"2\"; label = \"Nej\"; x = 140.0; } ); } );\n"
    "  text_fields = ( { id = \"comment\"; x = 20.0; y = 100.0; w = 170.0; h = 50.0; } );\n"
    "} );\n";

Test(template, shipped_templates_load) {
    const char *names[] = {"ekb-2024", "oj-2021-ekb"};
    for (int i = 0; i < 2; i++) {
        omr_template *t = test_template(names[i]);
        cr_assert_gt(t->n_questions, 5);
        template_free(t);
    }
    omr_template *t = test_template("ekb-2024");
    cr_assert_eq(t->n_pages, 2);
    const template_question *q6 = template_question_by_id(t, "q6");
    cr_assert_not_null(q6);
    cr_assert_eq(q6->n_boxes, 10);
    const template_question *q5r = template_question_by_id(t, "q5r");
    cr_assert_eq(q5r->type, QUESTION_MULTI);
    cr_assert_eq(q5r->n_boxes, 8);
    const template_question *q4a1 = template_question_by_id(t, "q4a1");
    cr_assert_str_eq(q4a1->only_if_question, "q4a");
    cr_assert_eq(template_question_by_id(t, "q1a")->n_boxes, 5);
    template_free(t);
}

Test(template, minimal_template_reads_defaults) {
    char *dir = test_tempdir();
    omr_template *t = NULL;
    omr_error err;
    cr_assert_eq(template_load(write_temp(dir, "mini.cfg", good), &t, NULL, &err), OMR_OK, "%s",
                 err.message);
    cr_assert_eq(t->questions[0].boxes[1].rect.w, 5.0);        /* default box size */
    cr_assert_eq(t->questions[0].boxes[1].rect.y, 60.0);       /* row y from the question */
    cr_assert_str_eq(t->code_kind, "login");
    template_free(t);
    rm_rf(dir);
}

/* Every problem is reported with its line and field, not just the first. */
Test(template, errors_name_line_and_field) {
    char *dir = test_tempdir();
    char *text = strdup(good);
    /* three problems: unknown type, a box value repeated, an unknown key */
    char *p = strstr(text, "\"single\"");
    memcpy(p, "\"singel\"", 8);
    p = strstr(text, "value = \"2\"");
    memcpy(p, "value = \"1\"", 11);
    char *with_typo = malloc(strlen(text) + 32);
    sprintf(with_typo, "%s", text);
    char *q = strstr(with_typo, "title");
    memcpy(q, "titel", 5);
    template_problems problems = {0};
    omr_template *t = NULL;
    omr_error err;
    cr_assert_eq(template_load(write_temp(dir, "bad.cfg", with_typo), &t, &problems, &err),
                 OMR_ERR_INVALID);
    cr_assert_null(t);
    int saw_type = 0, saw_value = 0, saw_unknown = 0;
    for (size_t i = 0; i < problems.count; i++) {
        const char *m = problems.messages[i];
        if (strstr(m, "bad.cfg:7:") && strstr(m, "q1.type") && strstr(m, "singel"))
            saw_type = 1;
        if (strstr(m, ":8:") && strstr(m, "q1.boxes[2]") && strstr(m, "used twice"))
            saw_value = 1;
        if (strstr(m, "titel") && strstr(m, "unknown key"))
            saw_unknown = 1;
    }
    cr_assert(saw_type && saw_value, "problems: %zu, first: %s", problems.count,
              problems.count ? problems.messages[0] : "");
    /* the missing title is reported too (renamed to titel) */
    cr_assert(saw_unknown);
    template_problems_clear(&problems);
    free(text);
    free(with_typo);
    rm_rf(dir);
}

Test(template, syntax_error_has_line) {
    char *dir = test_tempdir();
    template_problems problems = {0};
    omr_template *t = NULL;
    omr_error err;
    cr_assert_neq(template_load(write_temp(dir, "s.cfg", "id = \"x\";\ntitle = ;\n"), &t, &problems, &err), OMR_OK);
    cr_assert_eq(problems.count, 1);
    cr_assert(strstr(problems.messages[0], "s.cfg:2:") != NULL, "%s", problems.messages[0]);
    template_problems_clear(&problems);
    rm_rf(dir);
}

Test(template, box_outside_page_and_overlap_rejected) {
    char *dir = test_tempdir();
    char *text = strdup(good);
    char *p = strstr(text, "x = 140.0");
    memcpy(p, "x = 123.0", 9); /* 3 mm from the first box: closer than 1 mm gap */
    template_problems problems = {0};
    omr_template *t = NULL;
    omr_error err;
    cr_assert_eq(template_load(write_temp(dir, "o.cfg", text), &t, &problems, &err), OMR_ERR_INVALID);
    cr_assert_eq(problems.count, 1);
    cr_assert(strstr(problems.messages[0], "closer than 1 mm"), "%s", problems.messages[0]);
    template_problems_clear(&problems);
    free(text);
    rm_rf(dir);
}

Test(template, geometry_json_shape) {
    omr_template *t = test_template("ekb-2024");
    char *buf = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&buf, &len);
    omr_error err;
    cr_assert_eq(template_write_geometry(t, mem, &err), OMR_OK);
    fclose(mem);
    json_error_t jerr;
    json_t *doc = json_loads(buf, 0, &jerr);
    cr_assert_not_null(doc, "%s", jerr.text);
    cr_assert_str_eq(json_string_value(json_object_get(doc, "template")), "ekb-2024");
    cr_assert_str_eq(json_string_value(json_object_get(doc, "units")), "mm");
    json_t *pages = json_object_get(doc, "pages");
    cr_assert_eq(json_array_size(pages), 2);
    json_t *p1 = json_array_get(pages, 0);
    cr_assert_eq(json_integer_value(json_object_get(p1, "page")), 1);
    cr_assert_float_eq(json_number_value(json_object_get(p1, "width")), 210.0, 1e-9);
    json_t *box = json_array_get(json_object_get(p1, "boxes"), 0);
    cr_assert_str_eq(json_string_value(json_object_get(box, "question")), "q1a");
    const template_box *b0 = &template_question_by_id(t, "q1a")->boxes[0];
    cr_assert_str_eq(json_string_value(json_object_get(box, "value")), b0->value);
    cr_assert_float_eq(json_number_value(json_object_get(box, "x")), b0->rect.x, 0.006);
    cr_assert_float_eq(json_number_value(json_object_get(box, "h")), b0->rect.h, 0.006);
    json_t *code = json_object_get(p1, "code");
    cr_assert_float_eq(json_number_value(json_object_get(code, "w")), t->code_rect.w, 0.006);
    json_t *p2 = json_array_get(pages, 1);
    json_t *text = json_array_get(json_object_get(p2, "text"), 0);
    cr_assert_str_eq(json_string_value(json_object_get(text, "field")), "comment");
    json_t *questions = json_object_get(doc, "questions");
    cr_assert_eq(json_array_size(questions), t->n_questions);
    size_t boxes_total = 0;
    for (size_t i = 0; i < json_array_size(pages); i++)
        boxes_total += json_array_size(json_object_get(json_array_get(pages, i), "boxes"));
    size_t expected = 0;
    for (size_t i = 0; i < t->n_questions; i++)
        expected += t->questions[i].n_boxes;
    cr_assert_eq(boxes_total, expected);
    json_t *q5r = NULL;
    for (size_t i = 0; i < json_array_size(questions); i++)
        if (strcmp(json_string_value(json_object_get(json_array_get(questions, i), "id")), "q5r") == 0)
            q5r = json_array_get(questions, i);
    cr_assert_str_eq(json_string_value(json_object_get(q5r, "type")), "multi");
    cr_assert_eq(json_array_size(json_object_get(q5r, "values")), 8);
    json_decref(doc);
    free(buf);
    template_free(t);
}

/* ---- issue 12: what check must refuse, each with its line ---------------------------------- */

/* Loads `text` as a template and returns its problems (the caller clears them). */
static template_problems problems_of(const char *text) {
    char *dir = test_tempdir();
    template_problems problems = {0};
    omr_template *t = NULL;
    omr_error err;
    int rc = template_parse(write_temp(dir, "t.cfg", text), &t, &problems, &err);
    if (rc == OMR_OK)
        template_free(t);
    rm_rf(dir);
    return problems;
}

static int has_problem(const template_problems *p, const char *a, const char *b) {
    for (size_t i = 0; i < p->count; i++)
        if (strstr(p->messages[i], a) && (!b || strstr(p->messages[i], b)))
            return 1;
    return 0;
}

/* An id must fit the QR payload's field (identify_parse_payload takes 63
 * characters); 300 characters passed check and then failed render (exit 3). */
Test(template, id_longer_than_the_qr_payload_carries_is_refused_with_its_line) {
    char id[80];
    memset(id, 'x', 64);
    id[64] = 0;
    char *text = malloc(strlen(good) + 100);
    const char *after = strchr(good, '\n') + 1; /* after the comment line */
    after = strchr(after, '\n') + 1;             /* after id = "mini"; */
    sprintf(text, "# long\nid = \"%s\";\n%s", id, after);
    template_problems p = problems_of(text);
    cr_assert_eq(p.count, 1, "%zu problems", p.count);
    cr_assert(has_problem(&p, "t.cfg:2: id:", "64 characters, at most 63"), "%s", p.messages[0]);
    template_problems_clear(&p);
    id[63] = 0; /* 63: the longest that works */
    sprintf(text, "# long\nid = \"%s\";\n%s", id, after);
    p = problems_of(text);
    cr_assert_eq(p.count, 0, "%s", p.count ? p.messages[0] : "");
    free(text);
}

/* box_size = -5 was reported as "w: missing" on every box. */
Test(template, negative_box_size_is_named_once_with_its_line) {
    char *text = malloc(strlen(good) + 40);
    const char *at = strstr(good, "fiducials");
    sprintf(text, "%.*sbox_size = -5;\n%s", (int)(at - good), good, at);
    template_problems p = problems_of(text);
    cr_assert_eq(p.count, 1, "%zu problems, first: %s", p.count, p.count ? p.messages[0] : "");
    cr_assert(has_problem(&p, "t.cfg:4: box_size:", "2.5 to 20 mm"), "%s", p.messages[0]);
    cr_assert(!has_problem(&p, "missing", NULL));
    template_problems_clear(&p);
    free(text);
}

/* A duplicate id is reported on the line of its second use. */
Test(template, duplicate_ids_name_the_line_of_the_second) {
    /* good's question list ends "} ); } );" on line 8: a second question q1 on line 9 */
    const char *end = strstr(good, " } );\n  text_fields");
    char *text = malloc(strlen(good) + 200);
    sprintf(text, "%.*s },\n  { id = \"q1\"; type = \"single\"; text = \"Igen\"; y = 80.0; boxes = ( { value = \"1\"; x = 120.0; } ); } );\n%s",
            (int)(end - good), good, strstr(end, "  text_fields"));
    template_problems p = problems_of(text);
    cr_assert(has_problem(&p, "t.cfg:9:", "id \"q1\" is used twice"), "%zu: %s", p.count,
              p.count ? p.messages[0] : "");
    template_problems_clear(&p);
    /* a text field with a question's id: on the text field's line */
    char *t2 = strdup(good);
    memcpy(strstr(t2, "\"comment\""), "\"q1\"     ", 9);
    p = problems_of(t2);
    cr_assert(has_problem(&p, "t.cfg:9:", "id \"q1\" is used twice: question q1 on page 1"), "%zu: %s", p.count,
              p.count ? p.messages[0] : "");
    template_problems_clear(&p);
    free(text);
    free(t2);
}

/* A foreign form's identity: the code may sit in group 10 or later (as
 * t_group10.cfg of the repro has it), but fields beyond the pattern's groups
 * cannot work and are refused. */
Test(template, identity_fields_must_fit_the_pattern_groups) {
    static const char *const base =
        "id = \"t\"; title = \"t\";\n"
        "reference = \"blank.png\";\n"
        "identity = { kind = \"qr\"; pattern = \"%s\";\n"
        "  fields = [%s]; };\n"
        "pages = ( { page = 1; questions = ( { id = \"q1\"; type = \"single\"; text = \"q\"; y = 60.0;\n"
        "  boxes = ( { value = \"1\"; x = 120.0; } ); } ); } );\n";
    char text[1024];
    snprintf(text, sizeof text, base, "^(A)(B)(C)(D)(E)(F)(G)(H)(I)([0-9]+)$",
             "\"-\",\"-\",\"-\",\"-\",\"-\",\"-\",\"-\",\"-\",\"-\",\"code\"");
    template_problems p = problems_of(text);
    cr_assert_eq(p.count, 0, "%s", p.count ? p.messages[0] : "");
    snprintf(text, sizeof text, base, "^(A)([0-9]+)$", "\"-\",\"code\",\"-\"");
    p = problems_of(text);
    cr_assert(has_problem(&p, "t.cfg:4: identity.fields:", "3 elements, but the pattern has 2 groups"), "%zu: %s",
              p.count, p.count ? p.messages[0] : "");
    template_problems_clear(&p);
    snprintf(text, sizeof text, base, "^(A)[0-9]+$", "\"-\",\"code\"");
    p = problems_of(text);
    cr_assert(has_problem(&p, "t.cfg:4: identity.fields:", "names group 2, but the pattern has 1 group"), "%zu: %s",
              p.count, p.count ? p.messages[0] : "");
    template_problems_clear(&p);
}

/* A foreign blank at 300 dpi, turned 1.5 degrees as a scanner feeds it: a
 * ruled table of bubbles with bold column heads A-E in its top row (the
 * rules askew, so in no one row or column of pixels), and three boxes with
 * their labels left of them in a large typewriter face, past leader dots,
 * the labels' baseline at the boxes' middles (the letters stand higher than
 * the box); four solid corner marks. */
static omr_image *foreign_blank(void) {
    double s = 300 / 25.4;
    int w = (int)(210 * s), h = (int)(297 * s);
    cairo_surface_t *surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, w, h);
    cairo_t *cr = cairo_create(surface);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    cairo_scale(cr, s, s);
    cairo_translate(cr, 105, 148.5);
    cairo_rotate(cr, 1.5 * M_PI / 180);
    cairo_translate(cr, -105, -148.5);
    cairo_set_source_rgb(cr, 0, 0, 0);
    for (int k = 0; k < 4; k++)
        cairo_rectangle(cr, k % 2 ? 187 : 18, k / 2 ? 274 : 18, 5, 5);
    cairo_fill(cr);
    cairo_set_line_width(cr, 0.3);
    double tx = 40, ty = 40, cw = 9, rh = 8; /* table: a label column 12 mm, 5 cells, a head row and 4 rows */
    for (int r = 0; r <= 5; r++) {
        cairo_move_to(cr, tx, ty + r * rh);
        cairo_line_to(cr, tx + 12 + 5 * cw, ty + r * rh);
    }
    cairo_move_to(cr, tx, ty);
    cairo_line_to(cr, tx, ty + 5 * rh);
    for (int c = 0; c <= 5; c++) {
        cairo_move_to(cr, tx + 12 + c * cw, ty);
        cairo_line_to(cr, tx + 12 + c * cw, ty + 5 * rh);
    }
    cairo_stroke(cr);
    cairo_set_line_width(cr, 0.2);
    for (int r = 1; r <= 4; r++)
        for (int c = 0; c < 5; c++) {
            cairo_new_sub_path(cr);
            cairo_arc(cr, tx + 12 + c * cw + cw / 2, ty + r * rh + rh / 2, 2.2, 0, 2 * M_PI);
        }
    cairo_stroke(cr);
    cairo_select_font_face(cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_BOLD);
    cairo_set_font_size(cr, 4.2);
    const char *heads[5] = {"A", "B", "C", "D", "E"};
    for (int c = 0; c < 5; c++) {
        cairo_move_to(cr, tx + 12 + c * cw + cw / 2 - 1.4, ty + rh / 2 + 1.5);
        cairo_show_text(cr, heads[c]);
    }
    cairo_select_font_face(cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, 3.5);
    cairo_move_to(cr, 40, 110);
    cairo_show_text(cr, "2. Do you own a car?");
    cairo_select_font_face(cr, "DejaVu Sans Mono", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, 4.5);
    const char *labels[3] = {"Yes", "No", "Maybe"};
    for (int k = 0; k < 3; k++) {
        double by = 118 + 8 * k;
        cairo_move_to(cr, 46, by + 2.5); /* the baseline at the box's middle: the letters stand over it */
        cairo_show_text(cr, labels[k]);
        for (double x = 72; x < 118; x += 1.6) /* the leader's dots, on the baseline */
            cairo_rectangle(cr, x, by + 2.2, 0.3, 0.3);
        cairo_fill(cr);
        cairo_set_line_width(cr, 0.3);
        cairo_rectangle(cr, 120, by, 4.5, 4.5);
        cairo_stroke(cr);
    }
    cairo_destroy(cr);
    cairo_surface_flush(surface);
    omr_image *img = test_image_from_surface(surface, 300);
    return img;
}

Test(template, a_foreign_blank_draft_reads_its_labels_and_leaves_corrections_to_the_user) {
    char *dir = test_tempdir();
    char blank[600], cfg[600];
    snprintf(blank, sizeof blank, "%s/foreign.png", dir);
    snprintf(cfg, sizeof cfg, "%s/foreign.cfg", dir);
    omr_image *b = foreign_blank();
    omr_error err = {0};
    cr_assert_eq(encode_png(b, blank, &err), OMR_OK, "%s", err.message);
    omr_image_free(b);
    discover_result r;
    cr_assert_eq(discover_blank(blank, &r, &err), OMR_OK, "%s", err.message);
    cr_assert(r.labels_read, "Tesseract (swe+eng) is installed where the tests run");
    FILE *f = fopen(cfg, "w");
    cr_assert_not_null(f);
    const char *refs[1] = {"foreign.png"};
    cr_assert_eq(discover_write_template(&r, "foreign", refs, 1, f, &err), OMR_OK, "%s", err.message);
    fclose(f);
    discover_result_free(&r);
    omr_template *t = NULL;
    template_problems problems = {0};
    cr_assert_eq(template_load(cfg, &t, &problems, &err), OMR_OK, "%s %s", err.message,
                 problems.count ? problems.messages[0] : "");
    /* the blank prints no rule for taking an answer back: two marks go to a
     * person (omr's default would drop a filled bubble beside a cross), and
     * the draft says so */
    cr_assert_eq(t->corrections, CORRECTIONS_NONE);
    FILE *in = fopen(cfg, "r");
    cr_assert_not_null(in);
    char text[65536];
    size_t n = fread(text, 1, sizeof text - 1, in);
    fclose(in);
    text[n] = 0;
    cr_assert_not_null(strstr(text, "# UNSURE: how this form's respondents take an answer back"), "%s", text);
    /* every bubble of the table carries its column's head, every leader box its label */
    int bubbles = 0, headed = 0, boxes = 0;
    const char *want[3] = {"yes", "no", "maybe"};
    for (size_t qi = 0; qi < t->n_questions; qi++)
        for (size_t bi = 0; bi < t->questions[qi].n_boxes; bi++) {
            const template_box *x = &t->questions[qi].boxes[bi];
            double cx = x->rect.x + x->rect.w / 2, cy = x->rect.y + x->rect.h / 2;
            if (cx < 110) { /* (the page is turned 1.5 degrees about its middle: columns move with y) */
                int c = (int)lround((cx - 40 - 12 - 4.5 - (148.5 - cy) * 0.026) / 9);
                cr_assert(c >= 0 && c < 5, "a bubble off the table at (%.1f, %.1f)", cx, cy);
                bubbles++;
                headed += strcmp(x->label, (const char *[]){"A", "B", "C", "D", "E"}[c]) == 0;
                if (strcmp(x->label, (const char *[]){"A", "B", "C", "D", "E"}[c]))
                    cr_log_info("bubble at (%.1f, %.1f): label \"%s\"", cx, cy, x->label);
            } else {
                int k = (int)lround((cy - 118 - 2.25) / 8);
                cr_assert(k >= 0 && k < 3, "a box off the column at (%.1f, %.1f)", cx, cy);
                cr_expect(strcasecmp(x->label, want[k]) == 0, "the label left of box %d, past its leader: \"%s\"",
                          k + 1, x->label);
                boxes++;
            }
        }
    cr_assert_eq(bubbles, 20, "20 bubbles in the draft: %d", bubbles);
    cr_assert_eq(boxes, 3, "3 boxes by their labels: %d", boxes);
    cr_assert_geq(headed, 18, "%d of 20 bubbles carry their column's head", headed);
    template_free(t);
    rm_rf(dir);
}
