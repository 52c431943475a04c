/*
 * rng.c — xoshiro256** (Blackman and Vigna, public domain reference
 * algorithm) seeded by splitmix64, plus the few distributions the generator
 * needs.
 */
#include "rng.h"

#include <math.h>

static uint64_t splitmix64(uint64_t *state) {
    uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

void rng_seed(rng *r, uint64_t seed) {
    uint64_t state = seed;
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&state);
}

uint64_t rng_derive(uint64_t seed, uint64_t purpose, uint64_t index) {
    uint64_t state = seed;
    uint64_t a = splitmix64(&state);
    state = a ^ (purpose * 0xD1B54A32D192ED03ull);
    uint64_t b = splitmix64(&state);
    state = b ^ (index * 0x8CB92BA72F3D8DD7ull);
    return splitmix64(&state);
}

static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t rng_next(rng *r) {
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

double rng_uniform(rng *r) { return (double)(rng_next(r) >> 11) * 0x1.0p-53; }

double rng_range(rng *r, double lo, double hi) { return lo + (hi - lo) * rng_uniform(r); }

int rng_int(rng *r, int n) {
    if (n <= 0)
        return 0;
    return (int)(rng_uniform(r) * n);
}

int rng_chance(rng *r, double p) { return rng_uniform(r) < p; }

double rng_normal(rng *r) {
    /* Box-Muller; u1 in (0, 1] so the log is finite */
    double u1 = 1.0 - rng_uniform(r), u2 = rng_uniform(r);
    return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

int rng_pick(rng *r, const double *weights, int n) {
    double total = 0;
    for (int i = 0; i < n; i++)
        total += weights[i] > 0 ? weights[i] : 0;
    double x = rng_uniform(r) * total;
    for (int i = 0; i < n; i++) {
        double w = weights[i] > 0 ? weights[i] : 0;
        if (x < w)
            return i;
        x -= w;
    }
    return n - 1;
}

void rng_shuffle(rng *r, int *items, int n) {
    for (int i = n - 1; i > 0; i--) {
        int j = rng_int(r, i + 1);
        int t = items[i];
        items[i] = items[j];
        items[j] = t;
    }
}
