/*
 * scan_unknown.c — the pages of one scan file known by their look whose
 * code was not read (scan.h's scan_resolve_unknown_codes): each takes the code of the form next
 * to it in the file that lacks its page, when only one fits and what the
 * printed code reads as does not speak against it; otherwise it waits for a
 * person, its reading kept, and the pages of one form whose codes all
 * failed wait as one group, so the code is typed once.
 */
#include "daemon/scan.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Letters OCR confuses, folded so that "O0" and "0O" compare equal. */
static int same_code_ocr(const char *a, const char *b) {
    static const char from[] = "OQDILZSB", to[] = "00011258";
    if (strlen(a) != strlen(b))
        return 0;
    for (; *a; a++, b++) {
        char x = *a, y = *b;
        const char *f = strchr(from, x), *g = strchr(from, y);
        if (f && x)
            x = to[f - from];
        if (g && y)
            y = to[g - from];
        if (x != y)
            return 0;
    }
    return 1;
}

/* Is page i next to a page of form `code` in the file: no page of another
 * form between them (an envelope's pages lie together)? */
static int next_to_form(const scan_file_pages *out, size_t i, const char *code) {
    for (size_t j = 0; j < out->n_pages; j++) {
        const page_reading *o = out->pages[j].reading;
        if (j == i || out->pages[j].status != STORE_PAGE_READ || !o || strcmp(o->identity.code, code) != 0)
            continue;
        int clear = 1;
        for (size_t k = (j < i ? j : i) + 1; k < (j < i ? i : j) && clear; k++) {
            const page_reading *x = out->pages[k].reading;
            clear = out->pages[k].status != STORE_PAGE_READ || !x || !x->identity.code[0] ||
                    strcmp(x->identity.code, code) == 0;
        }
        if (clear)
            return 1;
    }
    return 0;
}

/* Does what OCR made of the printed code contradict `code` (same length,
 * and more than a third of the characters differ beyond OCR's usual
 * confusions)? Nothing read, or a reading of another length, says nothing. */
static int printed_contradicts(const char *printed, const char *code) {
    size_t n = strlen(code);
    if (!printed || strlen(printed) != n || !n)
        return 0;
    size_t differ = 0;
    for (size_t k = 0; k < n; k++) {
        char a[2] = {printed[k], 0}, b[2] = {code[k], 0};
        differ += !same_code_ocr(a, b);
    }
    return differ * 3 > n;
}

/* Pages left for a person to match (rejected, their reading kept) that are
 * the pages of one template in one file, each page number once, with no
 * page of a read form between them: one respondent's form whose codes all
 * failed. They become one group, matched by one review item on the first
 * (store_page.group): the code is typed once. Two pages with the same page
 * number, or a read form between them, are two respondents: each stays a
 * review item of its own, and so are pages whose printed codes, read
 * fairly surely, say two different codes, and every page of the template
 * when more of its pages wait in the file than one group holds. */
static void group_unmatched_pages(scan_file_pages *out, char (*printed)[IDENTIFY_MAX_ID]) {
    for (size_t i = 0; i < out->n_pages; i++) {
        store_page *lead = &out->pages[i];
        if (lead->status != STORE_PAGE_REJECTED || !lead->reading || lead->group)
            continue;
        const omr_template *t = lead->reading->tmpl;
        unsigned long long pages = 1ull << (lead->reading->identity.page % 64);
        size_t n = 1, last = i;
        int clash = 0;
        for (size_t j = i + 1; j < out->n_pages && !clash; j++) {
            const store_page *sp = &out->pages[j];
            if (sp->status == STORE_PAGE_READ && sp->reading && sp->reading->identity.code[0])
                break; /* a read form's page: the group, if any, ends before it */
            if (sp->status != STORE_PAGE_REJECTED || !sp->reading)
                continue;
            if (sp->reading->tmpl != t) {
                clash = 1;
                break;
            }
            /* what the printed codes read as, when both were read fairly
             * surely, must not say two respondents */
            if (printed && printed_contradicts(printed[i], printed[j])) {
                clash = 1;
                break;
            }
            unsigned long long bit = 1ull << (sp->reading->identity.page % 64);
            clash = (pages & bit) != 0;
            pages |= bit;
            n++;
            last = j;
        }
        /* every page of t waiting in this file is in the group: with one
         * more ([1][1][2], or one beyond a read form) which page goes with
         * which is a guess, and a guess is left to a person page by page */
        size_t waiting = 0;
        for (size_t k = 0; k < out->n_pages; k++)
            waiting += out->pages[k].status == STORE_PAGE_REJECTED && out->pages[k].reading &&
                       out->pages[k].reading->tmpl == t;
        if (clash || n < 2 || n > t->n_pages || waiting != n)
            continue;
        for (size_t j = i; j <= last; j++)
            if (out->pages[j].status == STORE_PAGE_REJECTED && out->pages[j].reading)
                out->pages[j].group = lead->file_page;
        assert(lead->group == lead->file_page);
    }
}

/* Pages known by their look whose code was not read (identity.code ""):
 * each takes the code of the form in the same file that lacks its page
 * number and lies next to it: the one whose code the printed code reads as,
 * or the only one, unless what the printed code reads as contradicts it.
 * Otherwise the page becomes one for a person to match, its reason naming
 * the form it looks like and what the printed code read as. printed[i] is
 * page i's OCR reading. */
void scan_resolve_unknown_codes(scan_file_pages *out, char (*printed)[IDENTIFY_MAX_ID]) {
    for (size_t i = 0; i < out->n_pages; i++) {
        store_page *sp = &out->pages[i];
        if (sp->status != STORE_PAGE_READ || !sp->reading || sp->reading->identity.code[0])
            continue;
        page_reading *r = sp->reading;
        const char *pick = NULL, *only = NULL;
        int candidates = 0;
        for (size_t j = 0; j < out->n_pages; j++) {
            const page_reading *o = out->pages[j].reading;
            if (j == i || out->pages[j].status != STORE_PAGE_READ || !o || !o->identity.code[0] ||
                o->tmpl != r->tmpl)
                continue;
            /* a form of this file that already has this page is not a candidate */
            int has = 0, seen = 0;
            for (size_t k = 0; k < out->n_pages; k++) {
                const page_reading *x = out->pages[k].reading;
                if (out->pages[k].status != STORE_PAGE_READ || !x || x->tmpl != r->tmpl ||
                    strcmp(x->identity.code, o->identity.code) != 0)
                    continue;
                has |= x->identity.page == r->identity.page;
                seen |= k < j; /* counted at its first page */
            }
            if (has || seen || !next_to_form(out, i, o->identity.code) ||
                (printed && printed_contradicts(printed[i], o->identity.code)))
                continue;
            candidates++;
            only = o->identity.code;
            if (printed && printed[i][0] && same_code_ocr(printed[i], o->identity.code))
                pick = o->identity.code;
        }
        if (!pick && candidates == 1)
            pick = only;
        if (pick) {
            snprintf(r->identity.code, sizeof r->identity.code, "%s", pick);
            continue;
        }
        char reason[OMR_ERROR_SIZE];
        int n = snprintf(reason, sizeof reason,
                         "the QR code could not be read; the page looks like page %d of %s", r->identity.page,
                         r->tmpl->id);
        if (n > 0 && (size_t)n < sizeof reason) {
            if (printed && printed[i][0])
                snprintf(reason + n, sizeof reason - (size_t)n,
                         ", and the code printed under it reads \"%s\", which its check character does not "
                         "confirm; type the login code printed under the QR code", printed[i]);
            else
                snprintf(reason + n, sizeof reason - (size_t)n,
                         "; type the login code printed under the QR code");
        }
        free(sp->reason);
        sp->reason = omr_strdup(reason);
        /* waits for a person; its reading is kept (store writes its marks,
         * which count once the code is typed) */
        sp->status = STORE_PAGE_REJECTED;
        sp->reviewable = 1;
    }
    group_unmatched_pages(out, printed);
}
