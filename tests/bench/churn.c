/* SPDX-License-Identifier: MIT */
/*
 * build/host/churn: does the cost of one allocator call grow with the heap?
 *
 *   churn [--allocator=fast|classic|libc] [--ops=N] [--warmup=N]
 *         [--seed=S] [--debug] COUNT
 *
 * Makes COUNT live blocks of random sizes, churns them for --warmup calls
 * (default COUNT, at most 1,000,000) so the heap holds free blocks of mixed
 * sizes, then times --ops churn steps (default 1,000,000): free a random
 * live block, allocate a new one of a random size in its slot. Prints one
 * line:
 *   churn alloc=NAME count=COUNT ops=N warmup=W ns_per_op=T errors=E
 * and exits 1 if a block lost its first byte or an allocation failed.
 *
 * Sizes (seeded, the same sequence for every allocator): 80% 16..128 bytes,
 * 18% 129..512, 2% 513..4096, all below any mmap threshold, so every call
 * is a heap call. Each new block gets a tag in its first byte, checked
 * before it is freed.
 *
 * Instructions: the timed steps are churn_run() alone, so
 *   valgrind --tool=callgrind --collect-atstart=no --toggle-collect=churn_run
 * counts exactly their instructions (the harness's own ~70 per step
 * included: the generator, the slot's division, the tag and its check). With <valgrind/callgrind.h>, instrumentation is also switched
 * on only around churn_run() (run with --instr-atstart=no), so building
 * the heap runs at near native speed under valgrind; without the header the
 * counts are the same, only slower to get.
 *
 * fast and classic run on the replay's backend (tests/replay/
 * replay_backend.h: a private break), libc on the C library's malloc;
 * --debug sets that backend's debug flag (fast's debug mode; the line then
 * says alloc=fast+debug). The
 * block table comes from mmap, not from the allocator being measured.
 */
#define _GNU_SOURCE
#include "mm/osmem/allocator.h"
#include "tests/replay/replay_backend.h"
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#if defined(__has_include)
#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#define CHURN_HAVE_CALLGRIND 1
#endif
#endif
#ifndef CHURN_HAVE_CALLGRIND
#define CALLGRIND_START_INSTRUMENTATION do { } while (0)
#define CALLGRIND_STOP_INSTRUMENTATION do { } while (0)
#endif

struct churn_alloc {
	const char *name;
	void *(*malloc)(size_t n);
	void (*free)(void *p);
};

static const struct osmem_allocator *churn_osmem;
static struct osmem_heap_space churn_space;
static struct osmem_heap *churn_heap = OSMEM_HEAP(&churn_space);

static void *os_malloc_(size_t n) { return churn_osmem->malloc(churn_heap, n); }
static void os_free_(void *p) { churn_osmem->free(churn_heap, p); }
static void *libc_malloc_(size_t n) { return malloc(n); }
static void libc_free_(void *p) { free(p); }

static const struct churn_alloc churn_allocs[] = {
	{ "fast", os_malloc_, os_free_ },
	{ "classic", os_malloc_, os_free_ },
	{ "libc", libc_malloc_, libc_free_ },
};

static struct {
	const struct churn_alloc *a;
	unsigned char **blk;
	size_t count;
	uint64_t rng;
	size_t errors;
} churn;

/* xorshift64*: cheap, and the same on every allocator. */
static inline uint64_t churn_rand(void)
{
	churn.rng ^= churn.rng >> 12;
	churn.rng ^= churn.rng << 25;
	churn.rng ^= churn.rng >> 27;
	return churn.rng * 0x2545f4914f6cdd1dull;
}

static inline size_t churn_size(void)
{
	uint64_t r = churn_rand();
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
	unsigned char *p = churn.a->malloc(churn_size());

	if (!p) {
		churn.errors++;
		churn.blk[i] = NULL;
		return;
	}
	p[0] = (unsigned char)i;
	churn.blk[i] = p;
}

static inline void churn_step(void)
{
	size_t i = (size_t)(churn_rand() % churn.count);
	unsigned char *p = churn.blk[i];

	if (p && p[0] != (unsigned char)i)
		churn.errors++;
	churn.a->free(p);
	churn_new(i);
}

/* The measured part: its name is what callgrind's --toggle-collect sees. */
__attribute__((noinline)) void churn_run(size_t ops)
{
	for (size_t k = 0; k < ops; k++)
		churn_step();
}

static double churn_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void churn_usage(void)
{
	fprintf(stderr, "usage: churn [--allocator=fast|classic|libc] [--ops=N] "
		"[--warmup=N] [--seed=S] [--debug] COUNT\n");
	exit(2);
}

static size_t churn_number(const char *s)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 10);

	if (!*s || *end)
		churn_usage();
	return (size_t)v;
}

int main(int argc, char **argv)
{
	size_t ops = 1000000, warmup = SIZE_MAX, bytes;
	bool debug = false;
	double t0, t1;
	int i;

	churn.a = &churn_allocs[0];
	churn.rng = 0x9e3779b97f4a7c15ull;
	for (i = 1; i < argc && !strncmp(argv[i], "--", 2); i++) {
		const char *arg = argv[i];

		if (!strncmp(arg, "--allocator=", 12)) {
			size_t k;

			for (k = 0; k < 3; k++)
				if (!strcmp(arg + 12, churn_allocs[k].name))
					break;
			if (k == 3)
				churn_usage();
			churn.a = &churn_allocs[k];
		} else if (!strncmp(arg, "--ops=", 6)) {
			ops = churn_number(arg + 6);
		} else if (!strncmp(arg, "--warmup=", 9)) {
			warmup = churn_number(arg + 9);
		} else if (!strncmp(arg, "--seed=", 7)) {
			churn.rng = churn_number(arg + 7) | 1;
		} else if (!strcmp(arg, "--debug")) {
			debug = true;
		} else {
			churn_usage();
		}
	}
	if (i != argc - 1)
		churn_usage();
	churn.count = churn_number(argv[i]);
	if (!churn.count)
		churn_usage();
	if (warmup == SIZE_MAX)
		warmup = churn.count < 1000000 ? churn.count : 1000000;

	if (churn.a != &churn_allocs[2]) {
		churn_osmem = churn.a == &churn_allocs[0] ? &osmem_fast
							  : &osmem_classic;
		if (!replay_backend_open()) {
			fprintf(stderr, "churn: cannot reserve the heap region\n");
			return 2;
		}
		replay_backend_set_debug(debug);
		churn_osmem->init(churn_heap, replay_backend_open());
	}
	bytes = churn.count * sizeof(*churn.blk);
	churn.blk = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (churn.blk == MAP_FAILED) {
		perror("churn: mmap");
		return 2;
	}

	for (size_t k = 0; k < churn.count; k++)
		churn_new(k);
	for (size_t k = 0; k < warmup; k++)
		churn_step();

	CALLGRIND_START_INSTRUMENTATION;
	t0 = churn_now();
	churn_run(ops);
	t1 = churn_now();
	CALLGRIND_STOP_INSTRUMENTATION;

	/* classic's free walks the heap to validate the pointer: freeing a
	 * large heap is quadratic, so its blocks are left to the exit. */
	if (churn.a != &churn_allocs[1]) {
		for (size_t k = 0; k < churn.count; k++)
			churn.a->free(churn.blk[k]);
		if (churn_osmem && churn_osmem->check(churn_heap) != 0)
			churn.errors++;
	}
	printf("churn alloc=%s%s count=%zu ops=%zu warmup=%zu ns_per_op=%.1f "
	       "errors=%zu\n", churn.a->name, debug && churn_osmem ? "+debug" : "",
	       churn.count, ops, warmup,
	       ops ? (t1 - t0) * 1e9 / (double)ops : 0.0, churn.errors);
	return churn.errors ? 1 : 0;
}
