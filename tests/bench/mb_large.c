/* SPDX-License-Identifier: MIT */
/*
 * build/host/mbench/large: large blocks, their memory touched.
 *
 *   large [--steps=N] [--live=L] [--min=A] [--max=Z] [--threads=T]
 *                                   (1000, 8, 256K, 4M, 1)
 *
 * Each of T threads (started together) keeps L live blocks of random sizes
 * A..Z bytes (seeded) and does N steps: free a random one (its tags
 * checked), malloc a new random size in its place and write one byte in
 * every 4 KiB page of it (so the pages are really faulted in: an
 * allocator that hands back fresh mappings pays for the faults, one that
 * reuses its memory does not), the first and last byte tagged. T=1 runs
 * in the main thread (a single-threaded process). Prints
 *
 *   large threads=T steps=N live=L min=A max=Z ns_per_op=X errors=E
 *
 * X: wall time from the common start to the last thread's end / (T * N),
 * nanoseconds per step (free + malloc + touching the new block).
 */
#include "tests/bench/mb.h"

struct large {
	size_t steps, live, min, max, id;
	pthread_barrier_t *bar;
	double t0, t1;
	size_t errors;
};

static unsigned char large_tagof(size_t i, size_t size)
{
	return (unsigned char)(i * 13 + (size >> 4));
}

static void large_new(struct large *l, uint64_t *rng, unsigned char **blk,
		      size_t *size, size_t i)
{
	size_t n = mb_range(rng, l->min, l->max);
	unsigned char *p = malloc(n);

	blk[i] = p;
	size[i] = n;
	if (!p) {
		l->errors++;
		return;
	}
	for (size_t off = 0; off < n; off += 4096)
		p[off] = (unsigned char)off;
	mb_tag(p, n, large_tagof(i, n));
}

static void *large_thread(void *arg)
{
	struct large *l = arg;
	unsigned char **blk = malloc(l->live * sizeof(*blk));
	size_t *size = malloc(l->live * sizeof(*size));
	uint64_t rng = mb_seed(4, l->id);

	if (!blk || !size) {
		fprintf(stderr, "large: no memory for the table\n");
		exit(2);
	}
	for (size_t i = 0; i < l->live; i++)
		large_new(l, &rng, blk, size, i);
	pthread_barrier_wait(l->bar);
	l->t0 = mb_now();
	for (size_t s = 0; s < l->steps; s++) {
		size_t i = (size_t)(mb_rand(&rng) % l->live);

		if (blk[i] && !mb_tag_ok(blk[i], size[i], large_tagof(i, size[i])))
			l->errors++;
		free(blk[i]);
		large_new(l, &rng, blk, size, i);
	}
	l->t1 = mb_now();
	for (size_t i = 0; i < l->live; i++)
		free(blk[i]);
	free(size);
	free(blk);
	return NULL;
}

int main(int argc, char **argv)
{
	struct mb_opt o[] = {
		{ "steps", 1000, "free+malloc+touch steps per thread" },
		{ "live", 8, "live blocks per thread" },
		{ "min", 256 << 10, "smallest block size" },
		{ "max", 4 << 20, "largest block size" },
		{ "threads", 1, "threads, each with its own blocks" },
	};
	size_t n, errors = 0;
	double t0 = 0, t1 = 0;
	pthread_barrier_t bar;

	mb_opts(argc, argv, o, 5);
	n = o[4].value;
	if (!n || !o[1].value || !o[2].value || o[3].value < o[2].value)
		mb_usage(argv[0], o, 5);

	struct large l[n];

	pthread_barrier_init(&bar, NULL, (unsigned)n);
	for (size_t i = 0; i < n; i++)
		l[i] = (struct large){ .steps = o[0].value, .live = o[1].value,
				       .min = o[2].value, .max = o[3].value,
				       .id = i, .bar = &bar };
	mb_run_threads(n, large_thread, l, sizeof(l[0]), 1);
	for (size_t i = 0; i < n; i++) {
		if (i == 0 || l[i].t0 < t0)
			t0 = l[i].t0;
		if (i == 0 || l[i].t1 > t1)
			t1 = l[i].t1;
		errors += l[i].errors;
	}
	printf("large threads=%zu steps=%zu live=%zu min=%zu max=%zu "
	       "ns_per_op=%.2f errors=%zu\n", n, o[0].value, o[1].value,
	       o[2].value, o[3].value,
	       (t1 - t0) * 1e9 / ((double)n * (double)o[0].value), errors);
	return errors ? 1 : 0;
}
