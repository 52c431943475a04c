/*
 * report_waves.c — the per-wave response rate (see report_waves.h): the
 * counts from the ledger's mailing waves, each wave's cumulative rate of the
 * net sample rounded as Table 1 rounds, written
 * as text for `omr frame waves` and as waves.csv beside the report's tables.
 */
#include "survey/report_waves.h"

#include <string.h>

#include "base/files.h"
#include "survey/report_page.h"

/* report.c calls this file (waves.csv beside its tables), so this file does
 * not include report.h: the rounding is Table 1's, report_percent_hundredths
 * (100 * num / den in hundredths, half up), restated here. */
static long percent_hundredths(long num, long den) {
    return den <= 0 ? -1 : (num * 20000 + den) / (2 * den);
}

/* `s` left-aligned in `width` characters (UTF-8: continuation bytes take no column). */
static void put_padded(FILE *out, const char *s, int width) {
    int cols = 0;
    for (const char *p = s; *p; p++)
        cols += ((unsigned char)*p & 0xC0) != 0x80;
    fputs(s, out);
    for (; cols < width; cols++)
        fputc(' ', out);
}

static const char *const wave_labels_sv[] = {NULL, "Efter utskick", "Efter påminnelse 1",
                                             "Efter påminnelse 2"};

void report_waves_write_table(FILE *out, const mailing_wave_counts *c, int csv, int excel) {
    long net = c->frame - c->undeliverable, cumulative = 0;
    char sep = excel ? ';' : ',';
    if (csv) {
        if (excel)
            fputs("\xEF\xBB\xBF", out);
        fprintf(out, "wave%cfirst_sent%csent%creturned%creturned_cumulative%cnet_sample%c"
                     "response_rate_cumulative\r\n", sep, sep, sep, sep, sep, sep);
    } else
        fprintf(out, "%-20s %-12s %8s %8s %11s %10s\n", "Utskick", "Skickat", "Antal", "Svar",
                "Svar totalt", "Svarsandel");
    for (int w = 1; w <= MAILING_WAVES; w++) {
        if (!c->sent[w])
            continue;
        cumulative += c->returns[w];
        long h = percent_hundredths(cumulative, net);
        char rate[32], date[11];
        snprintf(date, sizeof date, "%.10s", c->first_sent[w]);
        if (csv) {
            if (h < 0)
                snprintf(rate, sizeof rate, "%s", "");
            else
                snprintf(rate, sizeof rate, "%ld%c%02ld", h / 100, excel ? ',' : '.', h % 100);
            fprintf(out, "%s%c%s%c%ld%c%ld%c%ld%c%ld%c%s\r\n", mailing_wave_name(w), sep, date, sep,
                    c->sent[w], sep, c->returns[w], sep, cumulative, sep, net, sep, rate);
        } else {
            if (h < 0)
                snprintf(rate, sizeof rate, "–");
            else /* "28,29%", as report_format_hundredths writes Table 1 */
                snprintf(rate, sizeof rate, "%ld,%02ld%%", h / 100, h % 100);
            put_padded(out, wave_labels_sv[w], 21);
            fprintf(out, "%-12s %8ld %8ld %11ld %10s\n", date, c->sent[w], c->returns[w],
                    cumulative, rate);
        }
    }
    if (!csv)
        fprintf(out, "Nettourval %ld (%ld i urvalet, %ld obeställbara). Ett svar räknas till det "
                     "senaste utskick som gick till koden innan svaret kom in.\n",
                net, c->frame, c->undeliverable);
}

/* utskick.html: the same table for a person (numbers and dates only: nothing
 * to escape). */
static void write_page(FILE *out, const mailing_wave_counts *c, const report_options *o) {
    report_page_begin(out, o, REPORT_PAGE_WAVES, "Svarsandel per utskick", "td.n{text-align:right}");
    fprintf(out, "<table>\n<tr><th>Utskick</th><th>Skickat</th>"
                 "<th>Antal</th><th>Svar</th><th>Svar totalt</th><th>Svarsandel</th></tr>\n");
    long net = c->frame - c->undeliverable, cumulative = 0;
    for (int w = 1; w <= MAILING_WAVES; w++) {
        if (!c->sent[w])
            continue;
        cumulative += c->returns[w];
        long h = percent_hundredths(cumulative, net);
        char rate[32];
        if (h < 0)
            snprintf(rate, sizeof rate, "–");
        else
            snprintf(rate, sizeof rate, "%ld,%02ld&nbsp;%%", h / 100, h % 100);
        fprintf(out, "<tr><td>%s</td><td>%.10s</td><td class=\"n\">%ld</td><td class=\"n\">%ld"
                     "</td><td class=\"n\">%ld</td><td class=\"n\">%s</td></tr>\n",
                wave_labels_sv[w], c->first_sent[w], c->sent[w], c->returns[w], cumulative, rate);
    }
    fprintf(out, "</table>\n<p>Nettourval %ld (%ld i urvalet, %ld obeställbara). Svarsandelen är "
                 "kumulativ. Ett svar räknas till det senaste utskick som gick till koden innan "
                 "svaret kom in.</p>\n",
            net, c->frame, c->undeliverable);
    report_page_end(out);
}

int report_waves_recorded(omr_db *db, const char *template_id, omr_error *err) {
    mailing_wave_counts c;
    if (mailings_open(db, err) != OMR_OK || mailings_wave_counts(db, template_id, &c, err) != OMR_OK)
        return -1;
    return c.sent[MAILING_INVITATION] > 0;
}

int report_waves_write(omr_db *db, const char *template_id, const char *dir,
                       const report_options *o, omr_error *err) {
    mailing_wave_counts c;
    int rc = mailings_open(db, err);
    if (rc == OMR_OK)
        rc = mailings_wave_counts(db, template_id, &c, err);
    if (rc != OMR_OK || !c.sent[MAILING_INVITATION])
        return rc;
    omr_atomic_file f;
    if ((rc = omr_atomic_open(&f, dir, "waves.csv", err)) != OMR_OK)
        return rc;
    report_waves_write_table(f.fp, &c, 1, o->excel);
    if ((rc = omr_atomic_commit(&f, err)) != OMR_OK)
        return rc;
    if ((rc = omr_atomic_open(&f, dir, "utskick.html", err)) != OMR_OK)
        return rc;
    write_page(f.fp, &c, o);
    return omr_atomic_commit(&f, err);
}
