/*
 * ocr.h — reads a comment field's handwriting or print with Tesseract's C API
 * (Swedish, with English as second language). One engine per thread.
 */
#ifndef OMR_OCR_H
#define OMR_OCR_H

#include "base/common.h"

#include "reading/locate.h"

typedef struct ocr_engine ocr_engine;

/* The field's interior (inset `inset_mm` past its printed outline), cut out
 * of the scan and turned upright and straight through the page transform, at
 * the scan's resolution: what OCR reads and what a person sees in review. */
omr_image *ocr_crop_field(const omr_image *scan, const page_transform *transform, omr_rect field_mm,
                          double inset_mm);

/* The same at `px_per_mm` instead of the scan's own resolution (writing.c
 * reads every field at one resolution). */
omr_image *ocr_crop_field_at(const omr_image *scan, const page_transform *transform, omr_rect field_mm,
                             double inset_mm, double px_per_mm);

/* languages like "swe+eng"; NULL datapath uses Tesseract's default. */
ocr_engine *ocr_engine_new(const char *languages, omr_error *err);
void ocr_engine_free(ocr_engine *engine);

/* Reads `crop`; *text is malloc'd UTF-8 with runs of white space folded to
 * single spaces (words Tesseract itself rates under 30 are dropped as
 * speckle). *confidence 0..100 is that of the least sure word kept, and at
 * most that of a dropped word of two or more letters: a text never looks
 * surer than its weakest word, nor complete while OCR left out writing it
 * saw. */
int ocr_read(ocr_engine *engine, const omr_image *crop, char **text, double *confidence,
             omr_error *err);

/* One line of print in a known alphabet (a login code): Tesseract in
 * single-line mode with only the characters of `alphabet` allowed. *text is
 * what it read (malloc'd, white space folded), *confidence the line's mean
 * (0..100). The engine is left as it was (single block, any character). */
int ocr_read_line(ocr_engine *engine, const omr_image *crop, const char *alphabet, char **text,
                  double *confidence, omr_error *err);

#endif
