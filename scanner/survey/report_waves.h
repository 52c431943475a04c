/*
 * report_waves.h — the response rate per mailing wave, as survey offices
 * report it: after the invitation, after reminder 1, after reminder 2,
 * cumulative, each return attributed to the last wave sent to its code
 * before it arrived (ledger/frame/mailings.h holds the rule and the counts).
 * The base is the net sample: the frame less undeliverable envelopes that
 * never answered (the corrected response rate of report.h's Table 1).
 */
#ifndef OMR_REPORT_WAVES_H
#define OMR_REPORT_WAVES_H

#include <stdio.h>

#include "base/common.h"
#include "ledger/db.h"
#include "ledger/frame/mailings.h"
#include "survey/report.h"

/* The table as text (Swedish headings and numbers, "28,29%") or as CSV
 * (wave,first_sent,sent,returned,returned_cumulative,net_sample,
 * response_rate_cumulative; percent with '.', or the Excel dialect). Only the
 * waves sent are listed. */
void report_waves_write_table(FILE *out, const mailing_wave_counts *c, int csv, int excel);

/* 1 when an invitation wave of the template was recorded, 0 when not, -1
 * (err says why) when the ledger could not be read. */
int report_waves_recorded(omr_db *db, const char *template_id, omr_error *err);

/* waves.csv (o->excel: the Excel dialect) and utskick.html, with the
 * report's head and navigation, in dir (atomic files) when any wave of the
 * template was recorded; nothing otherwise. */
int report_waves_write(omr_db *db, const char *template_id, const char *dir,
                       const report_options *o, omr_error *err);

#endif
