/* SPDX-License-Identifier: MIT */
/*
 * What the cache suites (cache.c, cache_remote.c) share: a fresh cache
 * attached to a heap, and malloc/free through a cache as a home's front
 * does them (the inline pop or push first, the slow path when it misses).
 */
#ifndef OSMEM_TESTS_CACHE_TESTS_H
#define OSMEM_TESTS_CACHE_TESTS_H

#include "mm/osmem/tests/fast_tests.h"
#include "mm/osmem/cache.h"
#include "libk/string.h"

/* A fresh cache attached to h. */
static inline bool tattach(struct ktest *t, struct osmem_cache *c,
			   struct osmem_heap *h)
{
	memset(c, 0, sizeof(*c));
	return KEXPECT(t, osmem_cache_attach(c, h));
}

static inline void *tmalloc(struct osmem_cache *c, struct osmem_heap *h,
			    size_t n)
{
	void *p = osmem_cache_pop(c, osmem_cache_heap(h), n);

	return p ? p : osmem_cache_alloc_slow(c, h, n);
}

static inline void tfree(struct osmem_cache *c, struct osmem_heap *h, void *p)
{
	if (!osmem_cache_push(c, osmem_cache_heap(h), p))
		osmem_cache_free_slow(c, h, p);
}

#endif
