/*
 * report_page.h — what every page of the report shares: the page's head (its
 * title, the one style sheet) and the one navigation, which links every page
 * the run writes (index.html always; grupper.html, omraden.html,
 * trender.html, riket.html and utskick.html when the run writes them: report_options's
 * `pages`). Pages are in Swedish; a page's own sections follow its head.
 */
#ifndef OMR_REPORT_PAGE_H
#define OMR_REPORT_PAGE_H

#include <stdio.h>

#include "survey/report.h"

/* The report's pages, in the navigation's order. */
typedef enum {
    REPORT_PAGE_INDEX,    /* index.html: the standard tables */
    REPORT_PAGE_GROUPS,   /* grupper.html: per group of a frame variable */
    REPORT_PAGE_AREAS,    /* omraden.html: per unit and area */
    REPORT_PAGE_TRENDS,   /* trender.html: beside earlier years */
    REPORT_PAGE_NATIONAL, /* riket.html: the national shape */
    REPORT_PAGE_WAVES,    /* utskick.html: the response rate per mailing wave */
    REPORT_PAGE_COUNT
} report_page;

/* The bit of report_options.pages saying a page is written in this run. */
#define REPORT_PAGE_BIT(p) (1u << (p))

/* The page's file name ("grupper.html") and its name in the navigation ("Per grupp"). */
const char *report_page_file(report_page p);
const char *report_page_label(report_page p);

/* Writes everything up to and including the page's <h1>: doctype, <head>
 * with "<title> – <subtitle>" (subtitle NULL: the title alone), the shared
 * style sheet plus `extra_css` (may be NULL), <body>, the navigation with
 * `current` marked, and the heading. */
void report_page_begin(FILE *f, const report_options *o, report_page current, const char *subtitle,
                       const char *extra_css);

/* The navigation alone: a <nav> with a link to each page written in this run. */
void report_page_nav(FILE *f, const report_options *o, report_page current);

/* Writes s with <, >, & and " escaped, for the report's HTML pages. */
void report_html_text(FILE *f, const char *s);

/* "</body></html>" */
void report_page_end(FILE *f);

#endif
