/*
 * lines.c — long thin straight lines taken out of a text field's ink
 * (lines.h): a fold, a scratch, a rule the print mask missed. Position a
 * runs along the line, b across it; the runs of the dark core in each
 * column a are chained while they continue straight, with gaps up to
 * LINE_GAP_MM, and a chain LINE_MIN_MM long, inked over LINE_COVER of it
 * and within LINE_RMS_MM of straight is a line: its runs go, with their
 * pale shadow. Writing a line crosses stays: its runs are thicker than a
 * line's. A fold's crease scanned pale has no dark core to chain: a second
 * pass chains all the ink (`pale`).
 */
#include "reading/writing/lines.h"

#include "base/common.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define LINE_MIN_MM 20.0     /* a straight thin chain this long is a line, not writing */
#define LINE_THICK_MM 2.0    /* runs up to this thick can be part of a line */
#define LINE_GAP_MM 3.0      /* a line may be broken for this long */
#define LINE_RMS_MM 0.4      /* and stays this close to straight */
#define LINE_COVER 0.6       /* and is inked over this share of its length */

typedef struct {
    int a, b0, b1; /* position along the line's direction; run across it */
    int chain;
} line_run;

typedef struct {
    int first_a, last_a, n;
    double last_b;
    double sa, sb, saa, sab, sbb; /* least squares of centre b over a */
} line_chain;

typedef struct {
    line_run *runs;
    size_t n_runs, cap_runs;
    line_chain *chains;
    size_t n_chains, cap_chains;
} line_state;

static double chain_slope(const line_chain *c) {
    double den = c->n * c->saa - c->sa * c->sa;
    if (c->n < 2 || den <= 0)
        return 0;
    double slope = (c->n * c->sab - c->sa * c->sb) / den;
    return slope > 1.2 ? 1.2 : slope < -1.2 ? -1.2 : slope;
}

/* Least-squares line of the chain's centres: the RMS distance from it (px). */
static double chain_rms(const line_chain *c) {
    double n = c->n, den = n * c->saa - c->sa * c->sa;
    if (c->n < 3 || den <= 0)
        return 0;
    double slope = (n * c->sab - c->sa * c->sb) / den, icpt = (c->sb - slope * c->sa) / n;
    /* sum (b - slope a - icpt)^2 expanded over the sums */
    double ss = c->sbb - 2 * slope * c->sab - 2 * icpt * c->sb + slope * slope * c->saa +
                2 * slope * icpt * c->sa + n * icpt * icpt;
    return sqrt(fmax(ss, 0) / n) / sqrt(1 + slope * slope);
}

/* The bucket of writing_remove_lines' search a line predicted at b falls in (those
 * off the field in the first or last). */
static int line_bucket(double b, int bucket_px, int n_buckets) {
    int k = b <= 0 ? 0 : (int)(b / bucket_px);
    return k < n_buckets ? k : n_buckets - 1;
}

/* lines.h. Position a runs along the line, b across it. */
int writing_remove_lines(uint8_t *ink, uint8_t *strong, int w, int h, int vertical, int pale, double s) {
    int na = vertical ? h : w, nb = vertical ? w : h;
    size_t step_a = vertical ? (size_t)w : 1, step_b = vertical ? 1 : (size_t)w;
    int thick = (int)lround(LINE_THICK_MM * s), gap = (int)lround(LINE_GAP_MM * s);
    int min_len = (int)lround(LINE_MIN_MM * s);
    if (na < min_len)
        return 0;
    /* the dark core (all the ink when `pale`) laid out along b for each a
     * (a copy turned for the left-to-right pass), so the search below runs
     * over contiguous bytes and skips paper eight pixels at a time */
    const uint8_t *chained = pale ? ink : strong;
    uint8_t *turned = NULL;
    if (!vertical) {
        turned = malloc((size_t)na * (size_t)nb);
        if (!turned)
            return -1;
        for (int b = 0; b < nb; b++)
            for (int a = 0; a < na; a++)
                turned[(size_t)a * nb + b] = chained[(size_t)b * w + a];
    }
    const uint8_t *core = vertical ? chained : turned;
    line_state st = {0};
    size_t *active = NULL, n_active = 0, cap_active = 0;
    /* The active chains by where each predicts its line in this column, in
     * buckets as wide as a run's widest tolerance: a run looks in its own
     * bucket and the two beside it, not at every chain. A speckled field
     * starts a chain at each speck and keeps it `gap` columns: thousands
     * active, every run against each (seed 8481 WS6U8WTA page 2, its
     * comment field under a fold's speckled panel: 8.5 G instructions, 60%
     * of reading the page). The same chain is found: the nearest, the
     * first made of two as near. */
    int bucket_px = (int)ceil(1.5 + thick / 2.0 + 0.1 * gap), n_buckets = nb / bucket_px + 1;
    int *bucket_start = malloc(((size_t)n_buckets + 1) * sizeof *bucket_start);
    size_t *by_bucket = NULL, cap_by_bucket = 0;
    double *pred = NULL;
    size_t cap_pred = 0;
    int removed = 0, ok = bucket_start != NULL;
    for (int a = 0; a < na && ok; a++) {
        const uint8_t *line = core + (size_t)a * nb;
        /* chains not extended for `gap` columns are done */
        size_t keep = 0;
        for (size_t i = 0; i < n_active; i++)
            if (st.chains[active[i]].last_a >= a - gap)
                active[keep++] = active[i];
        n_active = keep;
        if (!omr_grow_array((void **)&pred, &cap_pred, n_active + 1, sizeof *pred) ||
            !omr_grow_array((void **)&by_bucket, &cap_by_bucket, n_active + 1, sizeof *by_bucket)) {
            ok = 0;
            break;
        }
        memset(bucket_start, 0, ((size_t)n_buckets + 1) * sizeof *bucket_start);
        for (size_t i = 0; i < n_active; i++) {
            const line_chain *c = &st.chains[active[i]];
            pred[i] = c->last_b + chain_slope(c) * (a - c->last_a);
            bucket_start[line_bucket(pred[i], bucket_px, n_buckets) + 1]++;
        }
        for (int k = 0; k < n_buckets; k++)
            bucket_start[k + 1] += bucket_start[k];
        for (size_t i = 0; i < n_active; i++) /* in the order of active: the order chains were made */
            by_bucket[bucket_start[line_bucket(pred[i], bucket_px, n_buckets)]++] = i;
        for (int k = n_buckets; k > 0; k--) /* back to each bucket's start */
            bucket_start[k] = bucket_start[k - 1];
        bucket_start[0] = 0;
        for (int b = 0; b < nb && ok;) {
            /* runs of the line's dark core: its pale shadow does not move
             * the centre; the shadow goes with it below */
            if (!line[b]) {
                uint64_t word;
                while (b + 8 <= nb && (memcpy(&word, line + b, 8), word == 0))
                    b += 8;
                if (b < nb && !line[b])
                    b++;
                continue;
            }
            int b0 = b;
            while (b < nb && line[b])
                b++;
            int b1 = b - 1;
            if (b1 - b0 + 1 > thick)
                continue;
            double centre = (b0 + b1) / 2.0;
            long best = -1;
            double best_d = 0;
            int k = line_bucket(centre, bucket_px, n_buckets);
            for (int kk = k > 0 ? k - 1 : 0; kk <= k + 1 && kk < n_buckets; kk++)
                for (int j = bucket_start[kk]; j < bucket_start[kk + 1]; j++) {
                    size_t i = by_bucket[j];
                    const line_chain *c = &st.chains[active[i]];
                    if (c->last_a >= a) /* extended in this column already */
                        continue;
                    double d = fabs(centre - pred[i]), tol = 1.5 + (b1 - b0) / 2.0 + 0.1 * (a - c->last_a - 1);
                    assert(tol < bucket_px);
                    if (d <= tol && (best < 0 || d < best_d || (d == best_d && active[i] < (size_t)best))) {
                        best = (long)active[i];
                        best_d = d;
                    }
                }
            if (best < 0) {
                if (!omr_grow_array((void **)&st.chains, &st.cap_chains, st.n_chains + 1, sizeof *st.chains) ||
                    !omr_grow_array((void **)&active, &cap_active, n_active + 1, sizeof *active)) {
                    ok = 0;
                    break;
                }
                best = (long)st.n_chains++;
                memset(&st.chains[best], 0, sizeof st.chains[best]);
                st.chains[best].first_a = a;
                active[n_active++] = (size_t)best;
            }
            line_chain *c = &st.chains[best];
            c->last_a = a;
            c->last_b = centre;
            c->n++;
            c->sa += a;
            c->sb += centre;
            c->saa += (double)a * a;
            c->sab += a * centre;
            c->sbb += centre * centre;
            if (!omr_grow_array((void **)&st.runs, &st.cap_runs, st.n_runs + 1, sizeof *st.runs)) {
                ok = 0;
                break;
            }
            st.runs[st.n_runs++] = (line_run){a, b0, b1, (int)best};
        }
    }
    if (ok) {
        uint8_t *is_line = calloc(st.n_chains ? st.n_chains : 1, 1);
        if (!is_line) {
            ok = 0;
        } else {
            for (size_t i = 0; i < st.n_chains; i++) {
                const line_chain *c = &st.chains[i];
                int span = c->last_a - c->first_a + 1;
                if (span >= min_len && c->n >= LINE_COVER * span && chain_rms(c) <= LINE_RMS_MM * s) {
                    is_line[i] = 1;
                    removed++;
                }
            }
            /* a line's run goes, with the fainter ink on either side of it
             * (its shadow) up to the thickness a line may have */
            for (size_t i = 0; i < st.n_runs; i++) {
                const line_run *r = &st.runs[i];
                if (!is_line[r->chain])
                    continue;
                size_t base = (size_t)r->a * step_a;
                int lo = r->b0, hi = r->b1;
                while (lo > 0 && hi - lo < thick && ink[base + (size_t)(lo - 1) * step_b] &&
                       !strong[base + (size_t)(lo - 1) * step_b])
                    lo--;
                while (hi < nb - 1 && hi - lo < thick && ink[base + (size_t)(hi + 1) * step_b] &&
                       !strong[base + (size_t)(hi + 1) * step_b])
                    hi++;
                for (int b = lo; b <= hi; b++)
                    ink[base + (size_t)b * step_b] = strong[base + (size_t)b * step_b] = 0;
            }
            free(is_line);
        }
    }
    free(st.runs);
    free(st.chains);
    free(active);
    free(pred);
    free(by_bucket);
    free(bucket_start);
    free(turned);
    return ok ? removed : -1;
}
