/* SPDX-License-Identifier: MIT */
/*
 * Helpers for the osmem_fast cases (mm/osmem/tests/fast_*.c), on top of the
 * shared test backend (backend_test.h):
 *
 * - fast_tb_pool(remap): the test backend with its page calls replaced by
 *   a pool of 1 MiB slots carved from the top half of the test arena (the
 *   break is limited to the bottom half). Each mapping may grow in place up
 *   to 1 MiB, so pages_remap works when `remap` is true; with false the
 *   backend has no pages_remap. Calls are counted in fast_pool_calls.
 * - fast_tb_dirty(): the test backend breaking its own contract on purpose:
 *   new heap memory and new mappings come filled with FAST_DIRTY, so a
 *   test can tell which memory calloc clears.
 * - fast_walk_all(h, w): walk() of heap h into a large array (the shared
 *   collector keeps 64 blocks).
 * - FAST_START_ON(t, be): as OSMEM_START(t, &osmem_fast), on backend be.
 */
#ifndef MM_OSMEM_TESTS_FAST_TESTS_H
#define MM_OSMEM_TESTS_FAST_TESTS_H

#include "mm/osmem/tests/osmem_tests.h"
#include "mm/osmem/fast_index.h"
#include <stdbool.h>

#define FAST_DIRTY 0x5a
#define FAST_POOL_SLOT  ((size_t)1 << 20)
#define FAST_POOL_SLOTS 8

struct fast_pool_calls {
	unsigned map, unmap, remap, remap_failed, bad;
};

extern struct fast_pool_calls fast_pool_calls;

const struct osmem_backend *fast_tb_pool(bool remap);
const struct osmem_backend *fast_tb_dirty(void);

#define FAST_WALK_MAX 4096

struct fast_walk {
	unsigned n;
	struct osmem_walk_block b[FAST_WALK_MAX];
};

void fast_walk_all(struct osmem_heap *h, struct fast_walk *w);

/* Fresh fast allocator on backend be (asserts be != NULL); declares h. */
#define FAST_START_ON(t, be)                                                 \
	struct osmem_heap *const h = osmem_test_heap();                      \
	do {                                                                 \
		const struct osmem_backend *fast_be_ = (be);                 \
		KASSERT_NOT_NULL(t, fast_be_);                               \
		osmem_fast.init(h, fast_be_);                                \
	} while (0)

#endif
