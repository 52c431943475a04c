/*
 * rng.h — the sample generator's own pseudo-random numbers: xoshiro256**
 * seeded through splitmix64. Every choice the generator makes comes from one
 * of these streams, never from rand(), so that a seed names a sample set
 * exactly, on any machine. Streams are derived per form and per purpose
 * (answers, pen strokes, scanner) so that changing one (e.g. --quick) does
 * not change the others.
 */
#ifndef SAMPLES_RNG_H
#define SAMPLES_RNG_H

#include <stdint.h>

typedef struct {
    uint64_t s[4];
} rng;

/* A stream seeded from `seed` (any value, 0 included). */
void rng_seed(rng *r, uint64_t seed);
/* A seed for sub-stream (purpose, index) of `seed`: independent streams for
 * form 17's answers, form 17's strokes, and so on. */
uint64_t rng_derive(uint64_t seed, uint64_t purpose, uint64_t index);

uint64_t rng_next(rng *r);
/* Uniform in [0, 1). */
double rng_uniform(rng *r);
/* Uniform in [lo, hi). */
double rng_range(rng *r, double lo, double hi);
/* Uniform integer in [0, n); 0 when n <= 0. */
int rng_int(rng *r, int n);
/* 1 with probability p. */
int rng_chance(rng *r, double p);
/* Standard normal (mean 0, deviation 1). */
double rng_normal(rng *r);
/* Index i with probability weights[i] / sum(weights). */
int rng_pick(rng *r, const double *weights, int n);
/* Shuffles n ints in place (Fisher-Yates). */
void rng_shuffle(rng *r, int *items, int n);

#endif
