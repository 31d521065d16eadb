/* SPDX-License-Identifier: MIT */
/*
 * build/host/mbench/churn: COUNT live blocks, one free and one malloc per
 * step (tests/bench/churn.c's measurement, through malloc and free, so
 * any allocator can be preloaded under it).
 *
 *   churn [--count=C] [--ops=N] [--warmup=W] [--seed=S]
 *                                   (100000, 10M, min(C, 1M), 1)
 *
 * Makes C blocks of random sizes, churns them W steps so the heap holds
 * free blocks of mixed sizes, then times N steps: free a random live
 * block (its first byte checked), malloc a new random size in its slot,
 * tag its first byte. Sizes, as churn.c's: 80% 16..128 bytes, 18%
 * 129..512, 2% 513..4096 (seeded: the same sequence under every
 * allocator). Prints
 *
 *   churn count=C ops=N warmup=W ns_per_op=X errors=E
 *
 * X: nanoseconds per step (one free + one malloc) of the timed steps.
 */
#include "tests/bench/mb.h"

static struct {
	unsigned char **blk;
	size_t count, errors;
	uint64_t rng;
} churn;

static inline size_t churn_size(void)
{
	uint64_t r = mb_rand(&churn.rng);
	unsigned pick = (unsigned)(r % 100);

	r >>= 8;
	if (pick < 80)
		return 16 + r % 113;
	if (pick < 98)
		return 129 + r % 384;
	return 513 + r % 3584;
}

static inline void churn_new(size_t i)
{
	unsigned char *p = malloc(churn_size());

	if (!p)
		churn.errors++;
	else
		p[0] = (unsigned char)i;
	churn.blk[i] = p;
}

static inline void churn_step(void)
{
	size_t i = (size_t)(mb_rand(&churn.rng) % churn.count);
	unsigned char *p = churn.blk[i];

	if (p && p[0] != (unsigned char)i)
		churn.errors++;
	free(p);
	churn_new(i);
}

__attribute__((noinline)) void churn_run(size_t ops)
{
	for (size_t k = 0; k < ops; k++)
		churn_step();
}

int main(int argc, char **argv)
{
	struct mb_opt o[] = {
		{ "count", 100000, "live blocks" },
		{ "ops", 10000000, "timed steps (free + malloc)" },
		{ "warmup", SIZE_MAX, "untimed steps first (default: min(count, 1M))" },
		{ "seed", 1, "generator seed" },
	};
	double t0, t1;

	mb_opts(argc, argv, o, 4);
	churn.count = o[0].value;
	if (!churn.count)
		mb_usage(argv[0], o, 4);
	if (o[2].value == SIZE_MAX)
		o[2].value = churn.count < 1000000 ? churn.count : 1000000;
	churn.rng = mb_seed(o[3].value, 0);
	churn.blk = malloc(churn.count * sizeof(*churn.blk));
	if (!churn.blk) {
		fprintf(stderr, "churn: no memory for the table\n");
		return 2;
	}
	for (size_t k = 0; k < churn.count; k++)
		churn_new(k);
	churn_run(o[2].value);

	t0 = mb_now();
	churn_run(o[1].value);
	t1 = mb_now();

	for (size_t k = 0; k < churn.count; k++)
		free(churn.blk[k]);
	free(churn.blk);
	printf("churn count=%zu ops=%zu warmup=%zu ns_per_op=%.2f errors=%zu\n",
	       churn.count, o[1].value, o[2].value,
	       o[1].value ? (t1 - t0) * 1e9 / (double)o[1].value : 0.0,
	       churn.errors);
	return churn.errors ? 1 : 0;
}
