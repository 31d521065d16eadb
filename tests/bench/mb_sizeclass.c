/* SPDX-License-Identifier: MIT */
/*
 * build/host/mbench/sizeclass: one thread per size class, all at once.
 *
 *   sizeclass [--threads=T] [--steps=N] [--live=L] [--bytes=B] [--size=S]
 *                                   (5, 10M, 256, 16M, 0)
 *
 * Thread i allocates only blocks of size class[i % 5], the classes being
 * 64, 256, 4096, 65536 and 1 MiB bytes (or S bytes for every thread when
 * --size is given). Each keeps a live set of min(L, max(2, B / size))
 * blocks (256 blocks below 64 KiB, 16 of 1 MiB by default), filled first,
 * then does N steps: free a random block of its set (tags checked) and
 * allocate a new one in its place (first and last byte tagged). All
 * threads start together (T=1: in the main thread). Prints
 *
 *   sizeclass threads=T steps=N live=L bytes=B size=S ns_per_op=X errors=E
 *
 * X: wall time from the common start to the last thread's end / (T * N),
 * nanoseconds per free+malloc step (aggregate over all threads).
 */
#include "tests/bench/mb.h"

static const size_t sc_classes[] = { 64, 256, 4096, 65536, 1 << 20 };

struct sc {
	size_t size, steps, live, id;
	pthread_barrier_t *bar;
	double t0, t1;
	size_t errors;
};

static void *sc_thread(void *arg)
{
	struct sc *c = arg;
	unsigned char **blk = malloc(c->live * sizeof(*blk));
	uint64_t rng = mb_seed(3, c->id);

	if (!blk) {
		fprintf(stderr, "sizeclass: no memory for the table\n");
		exit(2);
	}
	for (size_t i = 0; i < c->live; i++) {
		blk[i] = malloc(c->size);
		if (blk[i])
			mb_tag(blk[i], c->size, (unsigned char)i);
		else
			c->errors++;
	}
	pthread_barrier_wait(c->bar);
	c->t0 = mb_now();
	for (size_t s = 0; s < c->steps; s++) {
		size_t i = (size_t)(mb_rand(&rng) % c->live);

		if (blk[i] && !mb_tag_ok(blk[i], c->size, (unsigned char)i))
			c->errors++;
		free(blk[i]);
		blk[i] = malloc(c->size);
		if (blk[i])
			mb_tag(blk[i], c->size, (unsigned char)i);
		else
			c->errors++;
	}
	c->t1 = mb_now();
	for (size_t i = 0; i < c->live; i++)
		free(blk[i]);
	free(blk);
	return NULL;
}

int main(int argc, char **argv)
{
	struct mb_opt o[] = {
		{ "threads", 5, "threads (thread i: class i % 5)" },
		{ "steps", 10000000, "free+malloc steps per thread" },
		{ "live", 256, "most live blocks per thread" },
		{ "bytes", 16 << 20, "most live bytes per thread (at least 2 blocks)" },
		{ "size", 0, "one size for every thread (0: the five classes)" },
	};
	size_t n, errors = 0;
	double t0 = 0, t1 = 0;
	pthread_barrier_t bar;

	mb_opts(argc, argv, o, 5);
	n = o[0].value;
	if (!n || !o[2].value)
		mb_usage(argv[0], o, 5);

	struct sc c[n];

	pthread_barrier_init(&bar, NULL, (unsigned)n);
	for (size_t i = 0; i < n; i++) {
		size_t size = o[4].value ? o[4].value : sc_classes[i % 5];
		size_t live = o[3].value / size;

		live = live < 2 ? 2 : live;
		live = live > o[2].value ? o[2].value : live;
		c[i] = (struct sc){ .size = size, .steps = o[1].value,
				    .live = live, .id = i, .bar = &bar };
	}
	mb_run_threads(n, sc_thread, c, sizeof(c[0]), 1);
	for (size_t i = 0; i < n; i++) {
		if (i == 0 || c[i].t0 < t0)
			t0 = c[i].t0;
		if (i == 0 || c[i].t1 > t1)
			t1 = c[i].t1;
		errors += c[i].errors;
	}
	printf("sizeclass threads=%zu steps=%zu live=%zu bytes=%zu size=%zu "
	       "ns_per_op=%.2f errors=%zu\n", n, o[1].value, o[2].value,
	       o[3].value, o[4].value,
	       (t1 - t0) * 1e9 / ((double)n * (double)o[1].value), errors);
	return errors ? 1 : 0;
}
