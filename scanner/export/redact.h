/*
 * redact.h — personal data out of comment text before it leaves the ledger.
 * The respondents of a social-services survey write (and OCR reads) their
 * personal identity number, a phone number or an e-mail address into the
 * comment field. The ledger keeps the text as read, for the operator who
 * transcribes it on the review page; every export of comment text
 * (records.csv's text fields, the analysis exports data.csv, data-excel.csv,
 * data.sav, data.dta) goes through redact_comment first.
 *
 * What is masked, each replaced by a bracketed word (README, "Personal data
 * in comments"):
 *  - Swedish personal identity and coordination numbers: YYMMDD-NNNN,
 *    YYYYMMDD-NNNN, with '-', '+' or nothing between, a real month, a day
 *    1..31 (61..91 for a coordination number) and a valid Luhn check digit
 *    -> "[personnummer]". Ten or twelve digits failing the check are left.
 *  - phone numbers: starting with 0, +, or 00, then 8 to 13 digits in groups
 *    separated by single spaces, '-', '/' or parentheses -> "[telefon]".
 *  - e-mail addresses: local@domain.tld -> "[e-post]".
 */
#ifndef OMR_REDACT_H
#define OMR_REDACT_H

#include <stddef.h>

/* The text with personal data replaced; the caller frees it. NULL text gives
 * NULL; NULL also when out of memory. */
char *redact_comment(const char *text);

/* Is `digits` (10 or 12 digits, no separator) a valid personal identity or
 * coordination number: date plausible and Luhn check digit right? */
int redact_is_personal_number(const char *digits, size_t len);

#endif
