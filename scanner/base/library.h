/*
 * library.h — a shared library loaded when first needed, not linked: omr's
 * start-up does not pay for the parts only some runs use (Tesseract for
 * comments and printed codes, poppler for PDF scans). The one place that
 * calls dlopen and dlsym; each user names its functions in a table and keeps
 * the handle it is given.
 */
#ifndef OMR_LIBRARY_H
#define OMR_LIBRARY_H

#include <stddef.h>

/* A function to look up: its symbol, and where its address goes (a
 * function pointer, given as void ** as POSIX's dlsym idiom has it). */
typedef struct {
    const char *symbol;
    void **slot;
} library_symbol;

/* Opens library `soname` and fills every slot of `symbols`. Returns the
 * handle, or NULL with `error` saying why (the library cannot be opened,
 * or it lacks a symbol: then nothing is kept open and the slots are not to
 * be used). */
void *library_load(const char *soname, const library_symbol *symbols, size_t n, char *error, size_t error_size);

#endif
