/*
 * report_areas.h — the report per unit and area, as the city's report words
 * it ("Södermalm … tydlighet (85 procent), kompetens (82 procent)"). The
 * areas are defined beside the template, in `<template>.areas` (libconfig;
 * templates/ekb-2024.areas is the documented example):
 *
 *   method = "mean_of_shares";
 *   areas = (
 *     { name = "bemötande";     items = ["q1a"]; },
 *     { name = "delaktighet";   items = ["q3a", "q3b"]; },
 *     { name = "rättssäkerhet"; items = ["q4a=1", "q4b=1", "q4c=1"]; },
 *     { name = "upplevd diskriminering"; items = ["q5=1"]; lower_is_better = true; }
 *   );
 *
 * An item is a statement's id (its share who agree: values 5 and 4) or
 * "question=values" (the share answering one of the space-separated values,
 * of those who answered). An area's result (the one method, "mean_of_shares")
 * is the mean of its items' shares, each of those who answered that item:
 * with one item it is that item's share, as the city's text prints it. An
 * area of a unit where an item has fewer answers than the minimum cell
 * (report_min_cell: --min-cell, default 5) is suppressed.
 */
#ifndef OMR_REPORT_AREAS_H
#define OMR_REPORT_AREAS_H

#include "survey/analysis.h"
#include "survey/report.h"

typedef struct {
    char *name;
    char **items; /* "q1a" or "q4a=1" */
    size_t n_items;
    int lower_is_better;
} report_area;

typedef struct {
    report_area *areas;
    size_t n;
} report_areas;

/* Reads an areas file; every item must name a question of `tmpl` (a bare id
 * a statement). OMR_ERR_INVALID with the line and what is wrong. */
int report_areas_load(const char *path, const omr_template *tmpl, report_areas *out,
                      omr_error *err);
void report_areas_free(report_areas *areas);

/* One item's figure over a unit (NULL: all): a statement's share who agree,
 * "q=v" the share with those values, a grade question's mean. */
int report_item_stat(const analysis_data *d, const char *unit, const char *item, report_stat *out);

/* The area's result for a unit (NULL: all): the mean of its items' shares;
 * *n_min the fewest answers of any item. NAN when an item has no answers. */
double report_area_value(const analysis_data *d, const report_area *area, const char *unit,
                         long *n_min);

/* areas.csv (unit, area, items, n_min, value, suppressed) and omraden.html
 * (the table of units and areas, and per unit its strongest and weakest
 * areas in the city report's words) into `dir`, each atomically. */
int report_areas_write(const analysis_data *d, const report_areas *areas, const char *dir,
                       const report_options *o, omr_error *err);

#endif
