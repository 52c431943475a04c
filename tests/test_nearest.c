/* test_nearest.c — base/common.h's order helpers: omr_keep_nearest (the k
 * nearest of a stream of items, nearest first, against a sort of the whole
 * stream) and omr_sort_middle (the median, by counting). */
#include <criterion/criterion.h>
#include <stdlib.h>

#include "base/common.h"

typedef struct {
    double d;
    int id;
} seen;

static int by_distance_then_arrival(const void *a, const void *b) {
    const seen *x = a, *y = b;
    return x->d < y->d ? -1 : x->d > y->d ? 1 : x->id - y->id;
}

Test(nearest, keeps_the_k_nearest_in_order_as_a_sort_would) {
    enum { STREAM = 200, CAP = 8 };
    srand(7);
    for (int round = 0; round < 50; round++) {
        seen all[STREAM];
        double dist[CAP];
        int ids[CAP], n = 0, total = 1 + rand() % STREAM;
        for (int i = 0; i < total; i++) {
            /* distances with ties: the earlier of two equals is kept first */
            all[i] = (seen){.d = (double)(rand() % 40), .id = i};
            omr_keep_nearest(dist, ids, sizeof *ids, &n, CAP, all[i].d, &all[i].id);
        }
        qsort(all, (size_t)total, sizeof *all, by_distance_then_arrival);
        int want = total < CAP ? total : CAP;
        cr_assert_eq(n, want, "round %d: %d kept of %d seen", round, n, total);
        for (int k = 0; k < n; k++) {
            cr_assert_eq(dist[k], all[k].d, "round %d, place %d", round, k);
            cr_assert_eq(ids[k], all[k].id, "round %d, place %d: item %d, want %d", round, k, ids[k], all[k].id);
        }
    }
}

Test(nearest, a_farther_item_is_not_kept_when_full) {
    double dist[2];
    char items[2], c;
    int n = 0;
    c = 'a', omr_keep_nearest(dist, items, 1, &n, 2, 5.0, &c);
    c = 'b', omr_keep_nearest(dist, items, 1, &n, 2, 3.0, &c);
    c = 'c', omr_keep_nearest(dist, items, 1, &n, 2, 9.0, &c);
    cr_assert_eq(n, 2);
    cr_assert(items[0] == 'b' && items[1] == 'a', "%c%c", items[0], items[1]);
    c = 'd', omr_keep_nearest(dist, items, 1, &n, 2, 4.0, &c);
    cr_assert(items[0] == 'b' && items[1] == 'd', "%c%c", items[0], items[1]);
}

Test(nearest, the_middle_has_as_many_below_it_as_the_median_should) {
    srand(11);
    for (int round = 0; round < 100; round++) {
        double v[41];
        size_t n = 1 + (size_t)(rand() % 41);
        for (size_t i = 0; i < n; i++)
            v[i] = (double)(rand() % 15); /* ties */
        double mid = omr_sort_middle(v, n);
        size_t below = 0, at_or_below = 0;
        for (size_t i = 0; i < n; i++) {
            below += v[i] < mid;
            at_or_below += v[i] <= mid;
            if (i > 0)
                cr_assert_leq(v[i - 1], v[i], "sorted ascending");
        }
        /* v[n/2] of the sorted values: at most n/2 below it, more than n/2 at or below */
        cr_assert_leq(below, n / 2, "n %zu: %zu below %.0f", n, below, mid);
        cr_assert_gt(at_or_below, n / 2, "n %zu: %zu at or below %.0f", n, at_or_below, mid);
    }
}
