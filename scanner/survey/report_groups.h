/*
 * report_groups.h — the report broken down by a frame variable (`omr report
 * --by gender,age_group`): for every group of each variable, the share who
 * agree with each statement with its 95% Wilson interval, the mean grade, the
 * answer distributions, the number of answers, and a mark where the group
 * differs from the other respondents more than chance explains. Written as
 * groups.csv and grupper.html (Swedish) beside the report's index.html.
 *
 * The rules, stated once (the page's footnote says the same in Swedish):
 *  - each variable is broken down on its own (gender, then age group; not
 *    crossed); `unit` is the frame's unit (in frame order; other groups are
 *    sorted). Respondents without a value form the group "Uppgift saknas";
 *  - a share is of those in the group who answered the question; its 95%
 *    interval is Wilson's score interval on the number of answers n (with
 *    weights: the weighted share, unweighted n);
 *  - the mark (*): a two-proportion z-test, pooled, two-sided at the 5% level
 *    (|z| > 1.96), of the group against all other respondents who answered.
 *    With two groups this is the test of the one against the other;
 *  - a group with fewer than min_cell answers to a question is suppressed:
 *    "." in the page and empty cells (suppressed = 1) in the CSV, and it is
 *    not tested; a group of fewer respondents than min_cell is not counted
 *    out either (its respondents cell is empty). `min_cell` is the report's
 *    `--min-cell` (REPORT_MIN_CELL when 0);
 *  - per variable a chart (grupper-<k>.png/.svg, report_chart.h): each
 *    group's share who agree per statement with its interval as an error bar;
 *  - with a gender variable (kön) among the variables, women and men: the
 *    city report's gender-equality section (Jämställdhetsanalys: the split,
 *    shares side by side with the difference in points and its test, the
 *    counts of higher/equal/lower, the largest and smallest difference, grade
 *    and routed questions by gender, and the other variables' spread beside
 *    gender's).
 */
#ifndef OMR_REPORT_GROUPS_H
#define OMR_REPORT_GROUPS_H

#include "survey/analysis.h"
#include "survey/report.h"
#include "survey/report_page.h" /* report_html_text, for the pages */

#define REPORT_MIN_CELL 5       /* smallest number of answers shown for a group */
#define REPORT_Z_95 1.959963985 /* two-sided 5% */

/* Wilson's 95% score interval of a share p (percent) on n answers, in
 * percent; both NAN when n <= 0. */
void report_wilson(double p, double n, double *low, double *high);

/* z of the difference p1 - p2 (percents) on n1 and n2 answers, pooled; 0
 * when the pooled variance is 0. */
double report_two_prop_z(double p1, double n1, double p2, double n2);

/* Which respondents a statistic is over: all (var NULL), or those whose
 * variable `var` ("unit" or a frame variable) is `level` ("" = no value), or
 * with `rest` set, everyone else. */
typedef struct {
    const char *var, *level;
    int rest;
} report_filter;

/* report_share / report_mean over the respondents of `filter`. */
int report_share_where(const analysis_data *d, const report_filter *filter, const char *question,
                       const char *values, report_stat *out);
int report_mean_where(const analysis_data *d, const report_filter *filter, const char *question,
                      report_stat *out);

/* The distinct values of a variable among the respondents, sorted, "" (no
 * value) last; for "unit" the frame's units in frame order. OMR_ERR_INVALID when the frame has no such variable. Caller
 * frees with frame_strings_free. */
int report_group_levels(const analysis_data *d, const char *var, frame_strings *out,
                        omr_error *err);

/* The variable's Swedish name for headings ("kön" for gender). */
const char *report_var_label(const char *var);

/* "85,3" (decimals, decimal comma); "" for NAN. */
void report_fmt_sv(char *buf, size_t size, double v, int decimals);

typedef struct {
    char *const *vars; /* variables to break down by */
    size_t n_vars;
    long min_cell;     /* 0: REPORT_MIN_CELL */
} report_groups_options;

/* groups.csv and grupper.html into `dir` (which exists), each atomically.
 * groups.csv: variable, group, respondents, question, measure (agree, mean,
 * share), value (for share: the answer value), n, estimate, ci_low, ci_high,
 * z, significant, suppressed. OMR_ERR_INVALID for an unknown variable. */
int report_groups_write(const analysis_data *d, const char *dir, const report_options *o,
                        const report_groups_options *g, omr_error *err);

#endif
