/*
 * register.h — finds a page of a form that omr did not print on its scan,
 * through the form's blank copy (the "reference"): ORB features of the blank
 * page and of the scan are matched and a homography is fitted with RANSAC,
 * which survives any turn, "fit to page" scaling, photocopies and phone photos
 * with perspective. Where the template names the form's own corner marks
 * (squares, circles, L-marks: any solid shape), the marks are then found near
 * where the homography puts them and give the final, exact map. Hands on a
 * page_transform, as locate does for omr's own forms, so measure re-centres
 * every box on its printed outline the same way. Also makes the print mask of
 * a foreign form from its blank page instead of omr's rendering.
 */
#ifndef OMR_REGISTER_H
#define OMR_REGISTER_H

#include "base/common.h"
#include "base/cv_wrap.h"
#include "reading/identify.h"
#include "reading/locate.h"
#include "reading/measure.h"
#include "forms/template.h"

/* Matching runs at this resolution: fast, and fine enough for a first map
 * that the marks or the boxes' own outlines then correct. */
#define REGISTER_WORK_DPI 100.0

/* One blank page, read once when the template is loaded; immutable after,
 * so worker threads share it. */
typedef struct register_reference {
    omr_image *page;         /* the blank page as decoded, grey */
    double px_per_mm;        /* page pixels per template mm */
    omr_image *work;         /* the page at REGISTER_WORK_DPI */
    double work_px_per_mm;
    cvw_features *features;  /* of `work` */
} register_reference;

/* Reads page `index` (0-based) of the image or PDF `path` as the blank page
 * of a page_w x page_h mm form (the image is the whole page). */
int register_reference_load(const char *path, int index, double page_w, double page_h,
                            register_reference **out, omr_error *err);
/* The same from an image already in memory (taken over, also on failure). */
int register_reference_from_image(omr_image *page, double page_w, double page_h,
                                  register_reference **out, omr_error *err);
void register_reference_free(register_reference *ref);

/* A scan's features at the working resolution. */
typedef struct {
    omr_image *work;
    double scale;            /* work pixels per scan pixel */
    cvw_features *features;
} register_scan;

int register_scan_prepare(const omr_image *scan, register_scan *out, omr_error *err);
void register_scan_clear(register_scan *scan);

/* Matches the blank page to the scan: on success (enough features agree and
 * the page's outline maps to a plausible sheet) returns the number of
 * agreeing features and sets mm_to_px (template mm -> scan px, row-major,
 * [8] = 1); 0 when the page does not match. */
int register_match(const register_reference *ref, const register_scan *scan, double mm_to_px[9]);

/* locate_page for templates registered by their marks or their reference
 * (locate.c calls it). Uses identity->coarse when identify already matched
 * the page, else matches it here (or starts from a QR code's corners). */
int register_locate(const omr_image *scan, const omr_template *tmpl, const page_identity *identity,
                     page_transform *out, omr_error *err);

/* measure_print_mask for a template with a reference: the blank page's own
 * print, thresholded and grown by 0.4 mm, one cell per 0.1 mm. */
int register_print_mask(const omr_template *tmpl, int page, print_mask *out, omr_error *err);

#endif
