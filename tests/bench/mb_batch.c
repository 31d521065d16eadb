/* SPDX-License-Identifier: MIT */
/*
 * build/host/mbench/batch: allocate a batch of small blocks, free them all,
 * again and again.
 *
 *   batch [--threads=T] [--batch=B] [--rounds=R] [--min=A] [--max=Z]
 *                                         (1, 1000, 20000, 16, 256)
 *
 * Each of T threads (each on its own blocks, started together) makes B
 * blocks of random sizes A..Z bytes (a seeded generator, its own stream
 * per thread; the sizes are drawn once, every round uses the same ones),
 * tags each block's first and last byte, then checks and frees them all
 * in the order they were made; R rounds. T=1 runs in the main thread (a
 * single-threaded process). Prints
 *
 *   batch threads=T batch=B rounds=R min=A max=Z cpu_ns_per_op=C
 *       ns_per_op=X errors=E
 *
 * X: wall time / (B * R), nanoseconds per malloc+free pair in each thread;
 * C: the threads' CPU time / (T * B * R).
 */
#include "tests/bench/mb.h"

struct batch {
	size_t batch, rounds, min, max, id;
	pthread_barrier_t *bar;
	double t0, t1, cpu;
	size_t errors;
};

static void *batch_thread(void *arg)
{
	struct batch *b = arg;
	size_t *size = malloc(b->batch * sizeof(*size));
	unsigned char **blk = malloc(b->batch * sizeof(*blk));
	uint64_t rng = mb_seed(1, b->id);

	if (!size || !blk) {
		fprintf(stderr, "batch: no memory for the tables\n");
		exit(2);
	}
	for (size_t i = 0; i < b->batch; i++)
		size[i] = mb_range(&rng, b->min, b->max);
	pthread_barrier_wait(b->bar);
	b->cpu = mb_cpu_now();
	b->t0 = mb_now();
	for (size_t r = 0; r < b->rounds; r++) {
		for (size_t i = 0; i < b->batch; i++) {
			blk[i] = malloc(size[i]);
			if (blk[i])
				mb_tag(blk[i], size[i], (unsigned char)i);
			else
				b->errors++;
		}
		for (size_t i = 0; i < b->batch; i++) {
			if (blk[i] && !mb_tag_ok(blk[i], size[i], (unsigned char)i))
				b->errors++;
			free(blk[i]);
		}
	}
	b->t1 = mb_now();
	b->cpu = mb_cpu_now() - b->cpu;
	free(blk);
	free(size);
	return NULL;
}

int main(int argc, char **argv)
{
	struct mb_opt o[] = {
		{ "threads", 1, "threads, each with its own batch" },
		{ "batch", 1000, "blocks allocated, then freed, per round" },
		{ "rounds", 20000, "rounds per thread" },
		{ "min", 16, "smallest block size" },
		{ "max", 256, "largest block size" },
	};
	size_t n, errors = 0;
	double t0 = 0, t1 = 0, cpu = 0, ops;
	pthread_barrier_t bar;

	mb_opts(argc, argv, o, 5);
	n = o[0].value;
	if (!n || !o[1].value || !o[2].value || !o[3].value ||
	    o[4].value < o[3].value)
		mb_usage(argv[0], o, 5);

	struct batch b[n];

	pthread_barrier_init(&bar, NULL, (unsigned)n);
	for (size_t i = 0; i < n; i++)
		b[i] = (struct batch){ .batch = o[1].value, .rounds = o[2].value,
				       .min = o[3].value, .max = o[4].value,
				       .id = i, .bar = &bar };
	mb_run_threads(n, batch_thread, b, sizeof(b[0]), 1);
	for (size_t i = 0; i < n; i++) {
		if (i == 0 || b[i].t0 < t0)
			t0 = b[i].t0;
		if (i == 0 || b[i].t1 > t1)
			t1 = b[i].t1;
		errors += b[i].errors;
		cpu += b[i].cpu;
	}
	ops = (double)o[1].value * (double)o[2].value;
	printf("batch threads=%zu batch=%zu rounds=%zu min=%zu max=%zu "
	       "cpu_ns_per_op=%.2f ns_per_op=%.2f errors=%zu\n", n, o[1].value,
	       o[2].value, o[3].value, o[4].value, cpu * 1e9 / ((double)n * ops),
	       (t1 - t0) * 1e9 / ops, errors);
	return errors ? 1 : 0;
}
