/*
 * assemble.h — what one page yielded (page_reading), and the grouping of pages
 * into forms by template and login code (form_record), with each question
 * decided. A form with a page missing is kept as incomplete, never dropped; a
 * page seen twice is kept once and flagged, and if the two readings disagree
 * the questions concerned go to review. Hands forms on to export.
 */
#ifndef OMR_ASSEMBLE_H
#define OMR_ASSEMBLE_H

#include "deciding/decide.h"
#include "reading/identify.h"
#include "reading/locate.h"
#include "reading/measure.h"
#include "forms/template.h"

typedef struct {
    int has_writing;   /* ink share above the calibration's threshold */
    double ink;        /* ink share of the field's interior */
    char *text;        /* OCR text (NULL when not read) */
    double confidence; /* OCR mean confidence 0..100 */
    char *crop_path;   /* PNG of the field, relative to the output folder */
    int needs_review;  /* writing present but OCR unsure, or OCR not run */
    int covered;       /* some of the field's paper does not show: a person reads it, OCR does not */
    omr_image *crop;   /* the field cut out of the scan (owned), until store saves it */
} text_reading;

/* Why a text field is for a person: covered, OCR unsure, or not read. */
const char *text_review_reason(const text_reading *tr);

typedef struct {
    char *file;               /* the scan file */
    int file_page;            /* 1-based page within the file */
    const omr_template *tmpl;
    page_identity identity;
    page_transform transform;
    /* one entry per box of every question on this page, in template order */
    box_measure *measures;
    box_decision *decisions;
    size_t n_boxes;
    /* one per text field of the template (only those on this page are set) */
    text_reading *texts;
} page_reading;

void page_reading_free(page_reading *p);

/* Sizes p's per-box and per-field arrays for page `page` of p->tmpl (every
 * box of that page's questions, in template order), zeroed. On failure
 * frees p and returns OMR_ERR_MEMORY. */
int page_reading_alloc(page_reading *p, int page, omr_error *err);

typedef struct {
    const omr_template *tmpl;
    char code[IDENTIFY_MAX_ID];
    page_reading **pages;     /* [tmpl->n_pages], NULL where missing; not owned */
    int incomplete;
    question_answer *answers; /* [tmpl->n_questions] */
    text_reading *texts;      /* [tmpl->n_text_fields], borrowed from pages */
    char *review_items;       /* space-separated ids, "" when none */
    char *review_reasons;     /* "id: reason; id: reason" */
    char *flags;              /* "routing:q4a1 duplicate_page:2 missing_pages:2" */
    char *sources;            /* "file#page;file#page" */
} form_record;

typedef struct {
    form_record *forms;
    size_t n_forms;
} form_set;

/* Groups pages (not owned; must outlive the set) into forms, sorted by
 * template and code, and decides every question. */
int assemble_forms(page_reading **pages, size_t n_pages, form_set *out, omr_error *err);
void form_set_free(form_set *set);

/* Index of the first box of question q within a page_reading's box arrays. */
size_t assemble_box_offset(const omr_template *tmpl, const template_question *q);

#endif
