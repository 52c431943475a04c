/*
 * letter.h — the information letter (följebrev) of a mailing, printed before
 * each respondent's form: who sends it, the survey's purpose, that answering
 * is voluntary, the login code and the web address for answering online,
 * whom to contact, and — when the frame has address columns — the recipient's
 * name and address where a window envelope shows it (from the frame's
 * columns, or from an address file read at print time and never stored:
 * letter_addresses). One letter file per
 * survey (libconfig, templates/<template>-letter.cfg; see
 * templates/ekb-2024-letter.cfg), with a text per wave: invitation, reminder
 * 1, reminder 2. Drawn with cairo through forms/draw.c's text (one renderer).
 *
 * Texts may hold {code} (the login code), {web} (the web address), {name}
 * (the recipient's name, or "" when the frame has none) and {date} (the date
 * of posting).
 *
 * The address field: by default 115 mm from the left edge and 52 mm from the
 * top of the A4 sheet, 80 x 30 mm, inside the window of a C5 (or C5/6, DL)
 * envelope with the window on the right, as Swedish letters place the
 * recipient (SS 637001's address field in the right half, below the sender's
 * block); `address_x`, `address_y` in the letter file move it for another
 * envelope.
 */
#ifndef OMR_LETTER_H
#define OMR_LETTER_H

#include <cairo.h>
#include <stddef.h>

#include "base/common.h"

#define LETTER_WAVES 3

typedef struct {
    char **sender;      /* the sender's block, one line each (first in bold) */
    size_t n_sender;
    char *place;        /* "Stockholm": before the date */
    char *web;          /* the web address for answering online */
    char *contact;      /* whom to ask, a paragraph */
    char **signature;   /* the signature's lines */
    size_t n_signature;
    char *heading[LETTER_WAVES + 1]; /* per wave (1..3): the heading */
    char *body[LETTER_WAVES + 1];    /* per wave: paragraphs ("\n\n" between them) */
    double address_x, address_y;     /* the address field's top left, mm */
} letter;

/* Reads a letter file; every wave needs a heading and a body, and the body
 * must hold {code} (a letter without the login code is useless). On
 * OMR_ERR_INVALID err says which setting is missing. */
int letter_load(const char *path, letter **out, omr_error *err);
void letter_free(letter *l);

/* One recipient: the code and the address lines (may be empty). */
typedef struct {
    const char *code;
    const char *name;          /* "" when the frame has no name column */
    const char *const *address;/* lines under the name: c/o, street, "postcode city" */
    size_t n_address;
} letter_recipient;

/* The recipient's address from the frame's columns (names[i] = values[i]):
 * name/namn, co/c_o, address/adress/utdelningsadress, postcode/postnummer,
 * city/ort/postort (case ignored). Fills name and up to 3 lines into
 * `lines` (each a buffer of 128); returns the number of lines. */
size_t letter_address_from_frame(char *const *names, char *const *values, size_t n,
                                 char name[128], char lines[3][128]);

/* Names and addresses kept out of the ledger: a CSV file (UTF-8, ',' or ';')
 * with a `code` column and the address columns letter_address_from_frame
 * knows, read when the mailing is printed. Rows in file order. */
typedef struct {
    char **names;      /* the header's cells */
    size_t n_names;
    char ***rows;      /* n_rows rows of n_names cells */
    size_t n_rows;
    size_t code_col;
} letter_addresses;

/* Reads the file; OMR_ERR_INVALID (with the line) for a row of the wrong
 * width, a missing code column or a code given twice. */
int letter_addresses_load(const char *path, letter_addresses **out, omr_error *err);
/* The row of `code` (case ignored), or NULL. */
char *const *letter_addresses_find(const letter_addresses *a, const char *code);
void letter_addresses_free(letter_addresses *a);

/* Draws the letter of `wave` (1..3) for one recipient as one A4 page on cr
 * (user space in millimetres, (0,0) top left) and ends the page.
 * `date` is the posting date, "2024-03-01". */
int letter_draw(cairo_t *cr, const letter *l, int wave, const letter_recipient *r,
                const char *date, omr_error *err);

/* A text with {code}, {web}, {name}, {date} filled in (malloc'd). */
char *letter_fill(const char *text, const char *code, const char *web, const char *name,
                  const char *date);

#endif
