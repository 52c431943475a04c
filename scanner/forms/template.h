/*
 * template.h — a form's layout: pages, fiducials, identity code, questions,
 * boxes and free-text fields, read from a libconfig text file (see README,
 * "Template format"). Every later stage reads a page against one of these.
 * All geometry is in millimetres from the page's top-left corner; a box's
 * rectangle is the outer edge of its printed outline.
 */
#ifndef OMR_TEMPLATE_H
#define OMR_TEMPLATE_H

#include <stdio.h>

#include "base/common.h"
#include "pages/decode_types.h"

typedef enum {
    QUESTION_SINGLE, /* exactly one box may be ticked */
    QUESTION_MULTI,  /* any number of boxes, each a yes/no variable */
    QUESTION_SCALE,  /* like single, but the values are an ordered scale */
} question_type;

typedef enum {
    LABELS_RIGHT, /* each box's label is printed to its right (default) */
    LABELS_NONE,  /* labels are printed elsewhere, e.g. as column heads */
} label_style;

/* The form's printed rule for taking an answer back (`corrections = "...";`,
 * README "What is decided how"): what a solid box, a scribble or an erased
 * mark beside another mark means. */
typedef enum {
    CORRECTIONS_FILL_CANCELS,     /* "fill the wrong box, cross the right one" (default, ekb-2024) */
    CORRECTIONS_FILL_IS_UNDO,     /* a filled box is withdrawn, even alone */
    CORRECTIONS_SCRIBBLE_CANCELS, /* a box scribbled over is withdrawn */
    CORRECTIONS_NONE,             /* no printed rule: any second mark is a double */
} template_corrections;

typedef struct {
    char *value;  /* the code stored in records.csv, e.g. "5" */
    char *label;  /* the printed label and codebook value label */
    omr_rect rect;/* mm */
} template_box;

typedef struct {
    char *id;          /* variable name, e.g. "q1a" */
    question_type type;
    char *text;        /* question text as printed */
    char *section;     /* heading it sits under, or NULL */
    int page;          /* 1-based */
    omr_rect text_rect;/* where the question text is printed (h may be 0) */
    label_style labels;
    template_box *boxes;
    size_t n_boxes;
    /* Routing: the question is meant only when `only_if_question` holds one
     * of `only_if_values`; answers outside that are kept and flagged. */
    char *only_if_question;
    char **only_if_values;
    size_t n_only_if_values;
    template_corrections corrections; /* the template's `corrections`, copied to each question */
} template_question;

typedef struct {
    char *id;      /* column name, e.g. "comment" */
    char *prompt;  /* printed above/inside the field */
    int page;
    omr_rect rect; /* mm */
} template_text_field;

typedef enum { TEXT_REGULAR, TEXT_BOLD, TEXT_ITALIC } text_style;
typedef enum { ALIGN_LEFT, ALIGN_CENTER, ALIGN_RIGHT } text_align;

/* Static printed text (title, instructions, column heads, section heads). */
typedef struct {
    char *text;
    double x, y, w; /* top-left of the text block and its wrap width, mm */
    double size;    /* points */
    text_style style;
    text_align align;
} template_text;

typedef struct {
    int number;               /* 1-based */
    template_text *texts;
    size_t n_texts;
} template_page;

/* How a page's position in the scan is found (README, "Template format"). */
typedef enum {
    REGISTRATION_FIDUCIALS, /* omr's four solid squares, found from the QR code (omr's own forms) */
    REGISTRATION_MARKS,     /* the form's own corner marks of any solid shape (squares, circles, L) */
    REGISTRATION_REFERENCE, /* the blank form itself: feature matching and a homography */
} template_registration;

/* Where a page says which form, page and respondent it is. */
typedef enum {
    IDENTITY_OMR,     /* omr's QR code "OMR1:..." (omr's own forms) */
    IDENTITY_QR,      /* another QR code, read through `pattern` */
    IDENTITY_CODE128, /* 1-D barcodes, read through `pattern` */
    IDENTITY_I25,
    IDENTITY_CODE39,
    IDENTITY_NONE,    /* nothing: a page is known by its look, pages pair by scan order */
} template_identity_kind;

typedef struct {
    template_identity_kind kind;
    char *pattern;      /* POSIX extended regular expression over the symbol's text */
    int group_code;     /* 1-based group of `pattern` holding the respondent code, or 0 */
    int group_page;     /* ... the page number, or 0 */
    int group_form;     /* ... a form id that must equal `form`, or 0 */
    char *form;
    omr_rect area;      /* where the code is printed (searched first), mm */
    int has_area;
    char *file_name;    /* the respondent from the scan's file name, "{code}-p{page}" (file_name.h) */
} template_identity;

struct reference_page; /* reading/reference.h: one blank page, decoded and described */

typedef struct {
    char *id;          /* e.g. "ekb-2024"; carried in the QR code */
    char *title;
    char *code_kind;   /* "login" or "municipality": what the code identifies */
    template_corrections corrections; /* `corrections`: the form's rule for taking answers back */
    /* `dropout`: the colour a colour scan's grey leaves out (pages/decode_types.h),
     * for every page of a run on the template and for its blank pages */
    decode_dropout dropout;
    double page_width, page_height; /* mm */
    double fiducial_size;           /* side of the solid square marks, mm */
    omr_point fiducials[4];         /* centres, mm: TL, TR, BL, BR; same on every page */
    omr_rect code_rect;             /* the QR code's square, same on every page */
    template_page *pages;
    size_t n_pages;
    template_question *questions;   /* in reading order */
    size_t n_questions;
    template_text_field *text_fields;
    size_t n_text_fields;
    char *path;                     /* file it was read from */
    /* Forms omr did not print (all zero for omr's own forms, which have both
     * fiducials and code): */
    int has_fiducials, has_code;    /* the `fiducials` / `code` groups were given */
    template_registration registration;
    template_identity identity;
    omr_point *marks;               /* the form's own marks: centres of gravity, mm, every page */
    size_t n_marks;
    double mark_size;               /* their outer size, mm */
    char **reference_files;         /* the blank form: one file for all pages, or one per page */
    size_t n_reference_files;
    int reference_line;             /* line of `reference` in the file (for its problems) */
    /* Filled by reading/reference.c's template_load (the layout model loads no
     * images): per page, the blank page (or NULL), and how template_free frees it. */
    struct reference_page **references;
    void (*free_reference)(struct reference_page *ref);
} omr_template;

/* A list of problems found while reading a template, each naming its line
 * and field ("templates/x.cfg:42: q1a.boxes[2].value: missing"). */
typedef struct {
    char **messages;
    size_t count;
    int keep_template; /* set by the caller: with problems, *out still gets what was read (preview) */
} template_problems;

/* Reads and validates `path`: the layout only, no blank pages decoded (for
 * that, and for reading pages, use template_load in reading/reference.h). On
 * success returns OMR_OK and *out owns the template. On failure returns
 * OMR_ERR_* , fills `problems` (if non-NULL) with every problem found, and err
 * with a one-line summary. */
int template_parse(const char *path, omr_template **out, template_problems *problems,
                   omr_error *err);
void template_free(omr_template *tmpl);
void template_problems_clear(template_problems *problems);
/* Adds "path:line: field: message" (or "path: field: message" when line is
 * not positive) to `problems` (which may be NULL); for problems found after
 * parsing, such as a blank page that cannot be read. */
__attribute__((format(printf, 5, 6))) void template_problems_add(template_problems *problems,
                                                                 const char *path, int line,
                                                                 const char *field, const char *fmt,
                                                                 ...);

/* Resolves a template name to a path with omr_find_data_file (an existing
 * file as is, else templates/<name>.cfg under $OMR_TEMPLATE_DIR, ., the build
 * tree or the installed share folder). Returns a malloc'd path or NULL. */
char *template_find(const char *name);

/* Writes the layout as the JSON documented in the README ("geometry"). */
int template_write_geometry(const omr_template *tmpl, FILE *out, omr_error *err);

/* The blank page `page` (1-based) the template was made from, or NULL. */
const struct reference_page *template_reference(const omr_template *tmpl, int page);

const template_question *template_question_by_id(const omr_template *tmpl, const char *id);
const char *template_question_type_name(question_type type);

#endif
