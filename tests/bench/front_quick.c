/* SPDX-License-Identifier: MIT */
/*
 * front_quick: quick loops for steering the small-block front end
 * (mm/osmem/cache.h) as a program sees it, under LD_PRELOAD or not.
 * Not part of make test or make bench (tests/bench/bench.sh is the full
 * side-by-side harness); tests/bench/front_quick.sh runs it.
 *
 *   front_quick hot|batch|churn N      the loop alone (for callgrind:
 *                                      --toggle-collect=hot|batch|churn)
 *   front_quick time N                 every loop timed, and the hot loop
 *                                      in 1 and 2 threads
 *
 * hot: N malloc(32)/free pairs. batch: N/1000 rounds of 1,000 live blocks
 * of 16..512 bytes, allocated then freed. churn: N steps of free and
 * malloc (8..1007 bytes) on a random one of 4,096 slots. The 2-thread
 * line gives two ratios of work done by two threads to one's: by wall
 * time (what a program sees, when two cores are free), and by each
 * thread's own CPU time (what the allocator allows: contention and
 * shared cache lines show there, other load on the machine does not).
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The block is "used" without a store to shared memory: a global the two
 * threads both wrote would bounce between their cores and measure that. */
__attribute__((noinline)) void hot(long n)
{
	for (long i = 0; i < n; i++) {
		void *p = malloc(32);

		__asm__ volatile("" : : "r"(p) : "memory");
		free(p);
	}
}

__attribute__((noinline)) void batch(long rounds)
{
	static void *p[1000];

	for (long r = 0; r < rounds; r++) {
		for (int i = 0; i < 1000; i++)
			p[i] = malloc(16 + (size_t)(i * 37) % 497);
		for (int i = 0; i < 1000; i++)
			free(p[i]);
	}
}

__attribute__((noinline)) void churn(long ops)
{
	static void *slot[4096];
	uint64_t s = 88172645463325252ull;

	for (long i = 0; i < ops; i++) {
		unsigned k;

		s ^= s << 13;
		s ^= s >> 7;
		s ^= s << 17;
		k = s % 4096;
		free(slot[k]);
		slot[k] = malloc(8 + (s >> 20) % 1000);
	}
	for (int k = 0; k < 4096; k++) {
		free(slot[k]);
		slot[k] = NULL;
	}
}

static double clock_of(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static long thr_n;

static void *thr(void *arg)
{
	double *cpu = arg, t0 = clock_of(CLOCK_THREAD_CPUTIME_ID);

	hot(thr_n);
	*cpu = clock_of(CLOCK_THREAD_CPUTIME_ID) - t0;
	return NULL;
}

/* The hot loop in `threads` threads at once: wall time, CPU per thread. */
static double run_threads(int threads, double *cpu)
{
	pthread_t t[2];
	double w = clock_of(CLOCK_MONOTONIC);

	for (int i = 0; i < threads; i++)
		pthread_create(&t[i], NULL, thr, &cpu[i]);
	for (int i = 0; i < threads; i++)
		pthread_join(t[i], NULL);
	return clock_of(CLOCK_MONOTONIC) - w;
}

static void timed(long n)
{
	double t, w1, w2, c1[2], c2[2];

	t = clock_of(CLOCK_MONOTONIC);
	hot(n);
	printf("hot %.3f s\n", clock_of(CLOCK_MONOTONIC) - t);
	t = clock_of(CLOCK_MONOTONIC);
	batch(n / 2000);
	printf("batch %.3f s\n", clock_of(CLOCK_MONOTONIC) - t);
	t = clock_of(CLOCK_MONOTONIC);
	churn(n / 4);
	printf("churn %.3f s\n", clock_of(CLOCK_MONOTONIC) - t);
	thr_n = n;
	w1 = run_threads(1, c1);
	w2 = run_threads(2, c2);
	printf("threads: 1 in %.3f s, 2 in %.3f s; work of 2 / work of 1: "
	       "%.2f by wall time, %.2f by CPU time\n", w1, w2, 2 * w1 / w2,
	       c1[0] / c2[0] + c1[0] / c2[1]);
}

int main(int argc, char **argv)
{
	const char *m = argc > 1 ? argv[1] : "";
	long n = argc > 2 ? atol(argv[2]) : 20000000;

	if (!strcmp(m, "hot"))
		hot(n);
	else if (!strcmp(m, "batch"))
		batch(n / 1000);
	else if (!strcmp(m, "churn"))
		churn(n);
	else if (!strcmp(m, "time"))
		timed(n);
	else {
		fprintf(stderr, "usage: front_quick hot|batch|churn|time [N]\n");
		return 2;
	}
	return 0;
}
