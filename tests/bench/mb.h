/* SPDX-License-Identifier: MIT */
/*
 * tests/bench/mb.h: what the malloc benchmark programs (tests/bench/mb_*.c)
 * share: options, a seeded generator, a clock, the result line.
 *
 * The programs call only malloc and free (built with -fno-builtin,
 * so the compiler neither removes a malloc/free pair nor turns a loop into
 * a library call), so any allocator can be measured by LD_PRELOAD; nothing
 * here allocates. Each prints exactly one result line on stdout:
 *
 *   NAME key=value ... ns_per_op=T errors=E
 *
 * ns_per_op is the figure tests/bench/malloc_bench.sh compares (lower is
 * better); the other keys say what was run. The programs whose threads
 * each do the same work (hot, batch) also print cpu_ns_per_op: the
 * threads' CPU time in the timed part / operations, which unlike the wall
 * time does not grow when a busy machine leaves a thread waiting for a
 * core (but neither does it count the time a thread sleeps on a lock). Exit status 0, or 1 when a
 * block lost its contents or an allocation failed (errors > 0), 2 on a
 * bad option.
 *
 * Options are "--key=N" (decimal, k/M suffixes for 1000 and 1000000);
 * mb_opts() checks every one against the program's list.
 */
#ifndef TESTS_BENCH_MB_H
#define TESTS_BENCH_MB_H

#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#if defined(__has_include)
#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#define MB_HAVE_CALLGRIND 1
#endif
#endif
#ifndef MB_HAVE_CALLGRIND
#define CALLGRIND_START_INSTRUMENTATION do { } while (0)
#define CALLGRIND_STOP_INSTRUMENTATION do { } while (0)
#endif

/* One option: its name (without "--"), its value (preset to the default). */
struct mb_opt {
	const char *name;
	size_t value;
	const char *help;
};

/* The defaults, as they were before mb_opts() parsed anything. */
static size_t mb_defaults[16];

static void mb_usage(const char *prog, const struct mb_opt *o, size_t n)
{
	fprintf(stderr, "usage: %s", prog);
	for (size_t i = 0; i < n; i++)
		fprintf(stderr, " [--%s=N]", o[i].name);
	fprintf(stderr, "\n");
	for (size_t i = 0; i < n; i++) {
		fprintf(stderr, "  --%-10s %s", o[i].name, o[i].help);
		/* SIZE_MAX: a default the help text gives. */
		if (mb_defaults[i] != SIZE_MAX)
			fprintf(stderr, " (default %zu)", mb_defaults[i]);
		fprintf(stderr, "\n");
	}
	exit(2);
}

static size_t mb_number(const char *s, int *ok)
{
	char *end;
	unsigned long long v;

	*ok = 0;
	if (*s < '0' || *s > '9')
		return 0;
	v = strtoull(s, &end, 10);
	if (*end == 'k' || *end == 'K') {
		v *= 1000;
		end++;
	} else if (*end == 'M') {
		v *= 1000000;
		end++;
	}
	*ok = !*end;
	return (size_t)v;
}

/* Parses argv into o[0..n): every argument must be --NAME=N of the list. */
static void mb_opts(int argc, char **argv, struct mb_opt *o, size_t n)
{
	for (size_t k = 0; k < n && k < 16; k++)
		mb_defaults[k] = o[k].value;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *eq = strchr(a, '=');
		size_t k;
		int ok = 0;

		if (strncmp(a, "--", 2) || !eq)
			mb_usage(argv[0], o, n);
		for (k = 0; k < n; k++)
			if (strlen(o[k].name) == (size_t)(eq - a - 2) &&
			    !strncmp(a + 2, o[k].name, (size_t)(eq - a - 2)))
				break;
		if (k == n)
			mb_usage(argv[0], o, n);
		o[k].value = mb_number(eq + 1, &ok);
		if (!ok)
			mb_usage(argv[0], o, n);
	}
}

/* xorshift64*: cheap, seeded, the same sequence under every allocator. */
static inline uint64_t mb_rand(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dull;
}

/* A generator's state for stream k of seed s (never zero). */
static inline uint64_t mb_seed(uint64_t s, uint64_t k)
{
	return (s + 1) * 0x9e3779b97f4a7c15ull ^ (k + 1) * 0xbf58476d1ce4e5b9ull;
}

/* A random value in [lo, hi]. */
static inline size_t mb_range(uint64_t *s, size_t lo, size_t hi)
{
	return lo + (size_t)(mb_rand(s) >> 11) % (hi - lo + 1);
}

static inline double mb_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* The calling thread's CPU time: it runs only while the thread does. */
static inline double mb_cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/*
 * Runs fn(arg + i * size) for i < n in n threads started at once and waits
 * for them all. With in_main set and n == 1, runs fn in the calling thread
 * instead: a 1-thread run is then a single-threaded process, as a program
 * that never starts a thread (glibc's malloc, for one, takes cheaper paths
 * until a second thread exists).
 */
static inline void mb_run_threads(size_t n, void *(*fn)(void *), void *arg,
				  size_t size, int in_main)
{
	pthread_t tid[n];

	if (in_main && n == 1) {
		fn(arg);
		return;
	}
	for (size_t i = 0; i < n; i++)
		if (pthread_create(&tid[i], NULL, fn, (char *)arg + i * size)) {
			fprintf(stderr, "pthread_create failed\n");
			exit(2);
		}
	for (size_t i = 0; i < n; i++)
		pthread_join(tid[i], NULL);
}

/* Marks a block: its first byte (and its last, when the size is given). */
static inline void mb_tag(unsigned char *p, size_t size, unsigned char t)
{
	p[0] = t;
	p[size - 1] = t;
}

static inline int mb_tag_ok(const unsigned char *p, size_t size,
			    unsigned char t)
{
	return p[0] == t && p[size - 1] == t;
}

#endif
