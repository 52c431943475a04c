/*
 * ocr.h — reads a comment field's handwriting or print with Tesseract's C API
 * (Swedish, with English as second language). One engine per thread.
 */
#ifndef OMR_OCR_H
#define OMR_OCR_H

#include "common.h"

typedef struct ocr_engine ocr_engine;

/* languages like "swe+eng"; NULL datapath uses Tesseract's default. */
ocr_engine *ocr_engine_new(const char *languages, omr_error *err);
void ocr_engine_free(ocr_engine *engine);

/* Reads `crop`; *text is malloc'd UTF-8 with runs of white space folded to
 * single spaces, *confidence the mean word confidence 0..100. */
int ocr_read(ocr_engine *engine, const omr_image *crop, char **text, double *confidence,
             omr_error *err);

#endif
