/*
 * report_page.c — the head and the one navigation every page of the report
 * shares (report_page.h), and the one HTML escaping of their text. The navigation lists the pages report_options's
 * `pages` says the run writes, so no page is an orphan and none links a page
 * the run did not write. Hands on HTML text only; the pages' content is in
 * report_chart.c (index.html), report_groups.c, report_areas.c,
 * report_trends.c and report_national.c.
 */
#include "survey/report_page.h"

static const char *const files[REPORT_PAGE_COUNT] = {"index.html", "grupper.html", "omraden.html",
                                                     "trender.html", "riket.html",
                                                     "utskick.html"};
static const char *const labels[REPORT_PAGE_COUNT] = {"Huvudrapport", "Per grupp", "Per område",
                                                      "Jämfört med tidigare år", "Riket",
                                                      "Per utskick"};

const char *report_page_file(report_page p) { return p < REPORT_PAGE_COUNT ? files[p] : ""; }

const char *report_page_label(report_page p) { return p < REPORT_PAGE_COUNT ? labels[p] : ""; }

void report_html_text(FILE *f, const char *s) {
    for (; s && *s; s++)
        switch (*s) {
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '&': fputs("&amp;", f); break;
        case '"': fputs("&quot;", f); break;
        default: fputc(*s, f);
        }
}

void report_page_nav(FILE *f, const report_options *o, report_page current) {
    fputs("<nav class=\"report-nav\" aria-label=\"Rapportens sidor\"><ul>", f);
    for (report_page p = 0; p < REPORT_PAGE_COUNT; p++) {
        if (p != REPORT_PAGE_INDEX && p != current && !(o->pages & REPORT_PAGE_BIT(p)))
            continue;
        if (p == current)
            fprintf(f, "<li><a href=\"%s\" aria-current=\"page\">%s</a></li>", files[p], labels[p]);
        else
            fprintf(f, "<li><a href=\"%s\">%s</a></li>", files[p], labels[p]);
    }
    fputs("</ul></nav>\n", f);
}

void report_page_begin(FILE *f, const report_options *o, report_page current, const char *subtitle,
                       const char *extra_css) {
    fputs("<!DOCTYPE html>\n<html lang=\"sv\">\n<head>\n<meta charset=\"utf-8\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>",
          f);
    report_html_text(f, o->title);
    if (subtitle) {
        fputs(" – ", f);
        report_html_text(f, subtitle);
    }
    fputs("</title>\n<style>\n"
          "body{font-family:'DejaVu Sans',Arial,sans-serif;max-width:1100px;margin:2em auto;"
          "color:#1a1a1a;line-height:1.45;padding:0 1em}\n"
          "h1{font-size:1.6em}h2{margin-top:2em;border-bottom:2px solid #29619e}\n"
          "table{border-collapse:collapse;margin:1em 0;font-size:.9em}\n"
          "th,td{border:1px solid #ccc;padding:.3em .5em;vertical-align:top}\n"
          "th{background:#eef2f7;text-align:left}td.num{text-align:right;white-space:nowrap}\n"
          ".wide{overflow-x:auto}figure{margin:1em 0}img{max-width:100%;height:auto}\n"
          "figcaption{font-size:.8em;color:#555}.note{color:#555;font-size:.9em}\n"
          "nav.report-nav ul{list-style:none;margin:0 0 1em;padding:.4em 0;display:flex;"
          "flex-wrap:wrap;gap:.3em 1.2em;border-bottom:1px solid #ccc}\n"
          "nav.report-nav a{color:#29619e;text-decoration:none}\n"
          "nav.report-nav a[aria-current]{color:#1a1a1a;font-weight:bold}\n",
          f);
    if (extra_css)
        fputs(extra_css, f);
    fputs("</style>\n</head>\n<body>\n", f);
    report_page_nav(f, o, current);
    fputs("<h1>", f);
    report_html_text(f, o->title);
    if (subtitle) {
        fputs(" – ", f);
        report_html_text(f, subtitle);
    }
    fputs("</h1>\n", f);
}

void report_page_end(FILE *f) { fputs("</body>\n</html>\n", f); }
