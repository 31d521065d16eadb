/* SPDX-License-Identifier: MIT */
/*
 * build/host/mbench/hot: the hot path, one malloc and one free in a loop.
 *
 *   hot [--threads=T] [--iters=N] [--size=S]       (1, 100M, 32)
 *
 * Each of T threads repeats malloc(S), a write to its first byte and
 * free, N times, in hot_loop(); T threads run the same loop each on its
 * own blocks, started together (so T=2 against T=1 shows how the
 * allocator scales: the same time per pair is perfect scaling, twice the
 * time is a serialised allocator). With T=1 the loop runs in the main
 * thread: a single-threaded process. Prints
 *
 *   hot threads=T size=S iters=N cpu_ns_per_op=C ns_per_op=X errors=E
 *
 * where X is the wall time from the common start to the last thread's end
 * divided by N: nanoseconds per malloc+free pair in each thread; C, the
 * threads' CPU time in their loops / (T * N).
 *
 * Instructions per pair: each thread first warms up (N/100 pairs, at most
 * 100,000) with callgrind's instrumentation off, then thread 0 switches it
 * on around its timed hot_loop(), so
 *
 *   valgrind --tool=callgrind --instr-atstart=no --collect-atstart=no \
 *       --toggle-collect=hot_loop build/host/mbench/hot --iters=N
 *
 * counts exactly the N pairs (the loop's own few instructions per pair
 * included); totals / N is the figure.
 */
#include "tests/bench/mb.h"

struct hot {
	size_t iters, size, warm, id;
	pthread_barrier_t *bar;
	double t0, t1, cpu;
	size_t errors;
};

/* The measured loop: its name is what callgrind's --toggle-collect sees. */
__attribute__((noinline)) size_t hot_loop(size_t n, size_t size)
{
	size_t errors = 0;

	for (size_t i = 0; i < n; i++) {
		volatile unsigned char *p = malloc(size);

		if (!p) {
			errors++;
			continue;
		}
		p[0] = (unsigned char)i;
		free((void *)p);
	}
	return errors;
}

static void *hot_thread(void *arg)
{
	struct hot *h = arg;

	h->errors = hot_loop(h->warm, h->size);
	pthread_barrier_wait(h->bar);
	if (h->id == 0)
		CALLGRIND_START_INSTRUMENTATION;
	h->cpu = mb_cpu_now();
	h->t0 = mb_now();
	h->errors += hot_loop(h->iters, h->size);
	h->t1 = mb_now();
	h->cpu = mb_cpu_now() - h->cpu;
	if (h->id == 0)
		CALLGRIND_STOP_INSTRUMENTATION;
	return NULL;
}

int main(int argc, char **argv)
{
	struct mb_opt o[] = {
		{ "threads", 1, "threads, each in its own loop" },
		{ "iters", 100000000, "malloc+free pairs per thread" },
		{ "size", 32, "bytes per malloc" },
	};
	size_t n, errors = 0;
	double t0 = 0, t1 = 0, cpu = 0;
	pthread_barrier_t bar;

	mb_opts(argc, argv, o, 3);
	n = o[0].value;
	if (!n || !o[1].value || !o[2].value)
		mb_usage(argv[0], o, 3);

	struct hot h[n];

	pthread_barrier_init(&bar, NULL, (unsigned)n);
	for (size_t i = 0; i < n; i++) {
		h[i] = (struct hot){ .iters = o[1].value, .size = o[2].value,
				     .id = i, .bar = &bar };
		h[i].warm = o[1].value / 100 < 100000 ? o[1].value / 100 : 100000;
	}
	mb_run_threads(n, hot_thread, h, sizeof(h[0]), 1);
	for (size_t i = 0; i < n; i++) {
		if (i == 0 || h[i].t0 < t0)
			t0 = h[i].t0;
		if (i == 0 || h[i].t1 > t1)
			t1 = h[i].t1;
		errors += h[i].errors;
		cpu += h[i].cpu;
	}
	printf("hot threads=%zu size=%zu iters=%zu cpu_ns_per_op=%.2f "
	       "ns_per_op=%.2f errors=%zu\n", n, o[2].value, o[1].value,
	       cpu * 1e9 / ((double)n * (double)o[1].value),
	       (t1 - t0) * 1e9 / (double)o[1].value, errors);
	return errors ? 1 : 0;
}
