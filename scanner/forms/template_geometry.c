/*
 * template_geometry.c — a template's layout as the JSON documented in the
 * README ("omr template geometry"): every page's boxes, text fields and QR
 * code square in mm, then the questions and their values. Reads only the
 * parsed omr_template (template.c parses; this writes).
 */
#include "forms/template.h"

#include <jansson.h>
#include <math.h>

/* ---- geometry as JSON ----------------------------------------------------- */

static json_t *json_mm(double v) {
    /* two decimals are a hundredth of a millimetre: finer than any scanner */
    return json_real(round(v * 100) / 100);
}

static void json_put_rect(json_t *obj, omr_rect rc) {
    json_object_set_new(obj, "x", json_mm(rc.x));
    json_object_set_new(obj, "y", json_mm(rc.y));
    json_object_set_new(obj, "w", json_mm(rc.w));
    json_object_set_new(obj, "h", json_mm(rc.h));
}

int template_write_geometry(const omr_template *t, FILE *out, omr_error *err) {
    json_t *doc = json_object();
    json_object_set_new(doc, "template", json_string(t->id));
    json_object_set_new(doc, "units", json_string("mm"));
    json_t *pages = json_array();
    for (size_t p = 0; p < t->n_pages; p++) {
        int number = t->pages[p].number;
        json_t *page = json_object();
        json_object_set_new(page, "page", json_integer(number));
        json_object_set_new(page, "width", json_mm(t->page_width));
        json_object_set_new(page, "height", json_mm(t->page_height));
        json_t *boxes = json_array();
        for (size_t i = 0; i < t->n_questions; i++) {
            const template_question *q = &t->questions[i];
            if (q->page != number)
                continue;
            for (size_t b = 0; b < q->n_boxes; b++) {
                json_t *box = json_object();
                json_object_set_new(box, "question", json_string(q->id));
                json_object_set_new(box, "value", json_string(q->boxes[b].value));
                json_put_rect(box, q->boxes[b].rect);
                json_array_append_new(boxes, box);
            }
        }
        json_object_set_new(page, "boxes", boxes);
        json_t *texts = json_array();
        for (size_t i = 0; i < t->n_text_fields; i++) {
            if (t->text_fields[i].page != number)
                continue;
            json_t *field = json_object();
            json_object_set_new(field, "field", json_string(t->text_fields[i].id));
            json_put_rect(field, t->text_fields[i].rect);
            json_array_append_new(texts, field);
        }
        json_object_set_new(page, "text", texts);
        if (t->has_code) {
            json_t *code = json_object();
            json_put_rect(code, t->code_rect);
            json_object_set_new(page, "code", code);
        }
        json_array_append_new(pages, page);
    }
    json_object_set_new(doc, "pages", pages);
    json_t *questions = json_array();
    for (size_t i = 0; i < t->n_questions; i++) {
        const template_question *q = &t->questions[i];
        json_t *question = json_object();
        json_object_set_new(question, "id", json_string(q->id));
        json_object_set_new(question, "type", json_string(template_question_type_name(q->type)));
        json_t *values = json_array();
        for (size_t b = 0; b < q->n_boxes; b++)
            json_array_append_new(values, json_string(q->boxes[b].value));
        json_object_set_new(question, "values", values);
        json_array_append_new(questions, question);
    }
    json_object_set_new(doc, "questions", questions);
    int rc = json_dumpf(doc, out, JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10)) == 0 ? OMR_OK : OMR_ERR_IO;
    json_decref(doc);
    if (rc == OMR_OK && fputc('\n', out) == EOF)
        rc = OMR_ERR_IO;
    if (rc != OMR_OK)
        return omr_fail(err, OMR_ERR_IO, "cannot write geometry of %s", t->id);
    return OMR_OK;
}
