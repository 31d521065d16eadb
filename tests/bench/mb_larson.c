/* SPDX-License-Identifier: MIT */
/*
 * build/host/mbench/larson: a server-like loop in the manner of Larson and
 * Krishnan's benchmark: blocks live on, and are freed by other threads
 * than the ones that made them.
 *
 *   larson [--threads=T] [--slots=K] [--steps=N] [--rounds=R]
 *          [--min=A] [--max=Z]        (2, 1000, 800000, 20, 16, 1024)
 *
 * T arrays of K slots are filled with blocks of random sizes A..Z (by the
 * main thread, untimed). Each round starts T new threads; thread i takes
 * array (i + round) % T and does N steps: free a random slot's block (its
 * tag checked), malloc a new random size into it and tag it. The threads
 * end with the round and the arrays go on to the next round's threads, so
 * nearly every block is freed by a thread other than the one that
 * allocated it, and each round's threads are new to the allocator. Prints
 *
 *   larson threads=T slots=K steps=N rounds=R min=A max=Z ops_per_s=Y
 *       ns_per_op=X errors=E
 *
 * Y: steps (free + malloc) of all threads per second of wall time over
 * the R rounds (thread starts included); X = 1e9 / Y, the relative time
 * malloc_bench.sh compares.
 */
#include "tests/bench/mb.h"

struct larson_arr {
	unsigned char **blk;
	size_t *size;
};

struct larson_job {
	struct larson_arr *arr;
	size_t slots, steps, min, max;
	uint64_t rng;
	size_t errors;
};

static unsigned char larson_tagof(size_t slot, size_t size)
{
	return (unsigned char)(slot * 31 + size);
}

static void larson_new(struct larson_job *j, size_t i)
{
	size_t size = mb_range(&j->rng, j->min, j->max);
	unsigned char *p = malloc(size);

	if (p)
		mb_tag(p, size, larson_tagof(i, size));
	else
		j->errors++;
	j->arr->blk[i] = p;
	j->arr->size[i] = size;
}

static void *larson_thread(void *arg)
{
	struct larson_job *j = arg;

	for (size_t s = 0; s < j->steps; s++) {
		size_t i = (size_t)(mb_rand(&j->rng) % j->slots);
		unsigned char *p = j->arr->blk[i];
		size_t size = j->arr->size[i];

		if (p && !mb_tag_ok(p, size, larson_tagof(i, size)))
			j->errors++;
		free(p);
		larson_new(j, i);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	struct mb_opt o[] = {
		{ "threads", 2, "threads per round (and arrays)" },
		{ "slots", 1000, "live blocks per array" },
		{ "steps", 800000, "free+malloc steps per thread per round" },
		{ "rounds", 20, "rounds (new threads each)" },
		{ "min", 16, "smallest block size" },
		{ "max", 1024, "largest block size" },
	};
	size_t n, errors = 0;
	double t0, t1, ops;

	mb_opts(argc, argv, o, 6);
	n = o[0].value;
	if (!n || !o[1].value || !o[3].value || !o[4].value ||
	    o[5].value < o[4].value)
		mb_usage(argv[0], o, 6);

	struct larson_arr arr[n];
	struct larson_job job[n];

	for (size_t a = 0; a < n; a++) {
		struct larson_job fill = { .arr = &arr[a], .min = o[4].value,
					   .max = o[5].value,
					   .rng = mb_seed(0, a) };

		arr[a].blk = malloc(o[1].value * sizeof(*arr[a].blk));
		arr[a].size = malloc(o[1].value * sizeof(*arr[a].size));
		if (!arr[a].blk || !arr[a].size) {
			fprintf(stderr, "larson: no memory for the arrays\n");
			return 2;
		}
		for (size_t i = 0; i < o[1].value; i++)
			larson_new(&fill, i);
		errors += fill.errors;
	}
	t0 = mb_now();
	for (size_t r = 0; r < o[3].value; r++) {
		for (size_t i = 0; i < n; i++)
			job[i] = (struct larson_job){
				.arr = &arr[(i + r) % n], .slots = o[1].value,
				.steps = o[2].value, .min = o[4].value,
				.max = o[5].value, .rng = mb_seed(r + 1, i) };
		mb_run_threads(n, larson_thread, job, sizeof(job[0]), 0);
		for (size_t i = 0; i < n; i++)
			errors += job[i].errors;
	}
	t1 = mb_now();
	for (size_t a = 0; a < n; a++) {
		for (size_t i = 0; i < o[1].value; i++)
			free(arr[a].blk[i]);
		free(arr[a].blk);
		free(arr[a].size);
	}
	ops = (double)n * (double)o[2].value * (double)o[3].value;
	printf("larson threads=%zu slots=%zu steps=%zu rounds=%zu min=%zu "
	       "max=%zu ops_per_s=%.0f ns_per_op=%.2f errors=%zu\n", n,
	       o[1].value, o[2].value, o[3].value, o[4].value, o[5].value,
	       ops / (t1 - t0), (t1 - t0) * 1e9 / ops, errors);
	return errors ? 1 : 0;
}
