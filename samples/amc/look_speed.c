/*
 * look_speed.c — where the time of a page read by look goes, stage by stage
 * (CPU time): loading the templates (their blank pages: decoded and described,
 * or read from the cache under $OMR_CACHE_DIR), decoding the scan, the scan's
 * features, the cheap likeness to every blank page, and the full matches of
 * the shortlist (every page at least RATIO as likely as the likeliest, as
 * identify.c's LOOK_LIKENESS_RATIO; when the likeliest is not above the
 * median likeness, the likeliest 3 and any within one of it), and the
 * winner's blank page itself (as the print mask asks for it: decoded, or the
 * cache's pixels). Not built by the Makefile:
 *
 *   cc -Iscanner -O2 -o /tmp/look_speed samples/amc/look_speed.c build/libomr.a \
 *      $LIBS   # LIBS: the libraries the Makefile links omr with
 *   /tmp/look_speed SCAN TEMPLATE.cfg ...
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "pages/decode.h"
#include "reading/reference.h"

#ifndef RATIO
#define RATIO 0.4
#endif

static double now(void) {
    struct timespec a;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &a);
    return a.tv_sec * 1e3 + a.tv_nsec / 1e6;
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: look_speed SCAN TEMPLATE.cfg ...\n");
        return 2;
    }
    omr_template *ts[256];
    int nt = 0, pages = 0;
    omr_error err = {0};
    double t0 = now();
    for (int i = 2; i < argc && nt < 256; i++)
        if (template_load(argv[i], &ts[nt], NULL, &err) == OMR_OK)
            pages += (int)ts[nt++]->n_pages;
    double t1 = now();
    decode_source *src = NULL;
    omr_image *pg = NULL;
    if (decode_open(argv[1], &src, &err) != OMR_OK || decode_page(src, 0, &pg, &err) != OMR_OK) {
        fprintf(stderr, "%s\n", err.message);
        return 1;
    }
    decode_close(src);
    double t2 = now();
    reference_scan rs;
    if (reference_scan_prepare(pg, &rs, &err) != OMR_OK)
        return 1;
    double t3 = now();
    int lk[256], best = 0;
    for (int i = 0; i < nt; i++) {
        lk[i] = reference_likeness(template_reference(ts[i], 1), &rs);
        best = lk[i] > best ? lk[i] : best;
    }
    double t4 = now();
    int sorted[256], nfull = 0, most = 0, winner = -1;
    for (int i = 0; i < nt; i++) {
        int j = i;
        for (; j > 0 && sorted[j - 1] > lk[i]; j--)
            sorted[j] = sorted[j - 1];
        sorted[j] = lk[i];
    }
    int chance = nt > 0 ? sorted[nt / 2] : 0, weak = best <= chance + 1;
    for (int i = 0; i < nt; i++)
        if (weak ? lk[i] >= sorted[nt - 3 > 0 ? nt - 3 : 0] || lk[i] >= best - 1 : lk[i] >= RATIO * best) {
            double h[9];
            int inliers = reference_match(template_reference(ts[i], 1), &rs, h);
            printf("  %-32s likeness %4d  inliers %5d\n", ts[i]->id, lk[i], inliers);
            nfull++;
            if (inliers > most) {
                most = inliers;
                winner = i;
            }
        }
    double t5 = now();
    /* the winner's blank itself, as the print mask and the boxes' insides
     * ask for it: decoded, or from the cache's pixels */
    const omr_image *blank = winner >= 0 ? reference_page_image(template_reference(ts[winner], 1)) : NULL;
    double t6 = now();
    printf("%d templates, %d blank pages: load %.1f ms, decode %.1f ms, scan features %.1f ms, "
           "likeness x%d %.1f ms, full match x%d %.1f ms, winner's blank %s %.1f ms\n",
           nt, pages, t1 - t0, t2 - t1, t3 - t2, nt, t4 - t3, nfull, t5 - t4, blank ? "read" : "none", t6 - t5);
    reference_scan_clear(&rs);
    omr_image_free(pg);
    for (int i = 0; i < nt; i++)
        template_free(ts[i]);
    return 0;
}
