/*
 * file_name.h — the respondent taken from a scan's file name, for forms that
 * carry no personal code but are filed by one (template `identity.file_name`,
 * e.g. "{code}-p{page}": 12345678-p2.tif is respondent 12345678, page 2).
 * The pattern is matched against the file's name without folder and
 * extension, whole; {code} is one or more characters, {page} one or more
 * digits, every other character stands for itself.
 */
#ifndef OMR_FILE_NAME_H
#define OMR_FILE_NAME_H

#include <stddef.h>

/* 1 when `pattern` is usable: {code} exactly once, {page} at most once, no
 * other {...}. Otherwise 0 and `why` says what is wrong. */
int file_name_check(const char *pattern, char *why, size_t why_size);

/* Reads `path`'s name through `pattern`: 1 with the code in `code` and the
 * page in *page (0 when the pattern has no {page}), or 0 when the name does
 * not read as the pattern (or the code does not fit `code_size`). */
int file_name_read(const char *pattern, const char *path, char *code, size_t code_size, int *page);

#endif
