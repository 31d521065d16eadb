/* SPDX-License-Identifier: MIT */
/*
 * Helpers for the placement-policy cases (osmem_classic_policies, and lab
 * 2's lab2_worstfit): crafted heaps of classic's layout, observed through
 * walk(). Both homes; header-only so lab 2's check program needs nothing
 * more than its own test file.
 *
 * pol_holes(t, a, h, sizes, n, holes): on a fresh heap of allocator a,
 * allocate for each sizes[i] (a multiple of 8) a block of that size and an
 * 8-byte separator after it, then take whatever is left of the 128 KiB
 * preallocation, then free the sized blocks: the heap is n free holes in
 * address order (holes[i] their payloads), each fenced by allocated
 * blocks, so no merge joins two of them and no free tail competes.
 * Returns 0, or -1 (after a failed expectation) if a call did not go as
 * classic's rules say.
 */
#ifndef MM_OSMEM_TESTS_POLICY_TESTS_H
#define MM_OSMEM_TESTS_POLICY_TESTS_H

#include "mm/osmem/tests/osmem_tests.h"

#define POL_META 32

/* Index in w of the block whose payload is p, or -1. */
static inline int pol_find(const struct osmem_walk *w, const void *p)
{
	for (unsigned i = 0; i < w->n && i < OSMEM_WALK_MAX; i++)
		if (w->b[i].payload == p)
			return (int)i;
	return -1;
}

/* Take the free last heap block whole (no split: nothing is left over). */
static inline void *pol_take_tail(const struct osmem_allocator *a,
				  struct osmem_heap *h)
{
	struct osmem_walk w;
	unsigned last;

	osmem_walk_collect(a, h, &w);
	if (w.n == 0 || w.n > OSMEM_WALK_MAX)
		return NULL;
	last = w.n - 1;
	if (w.b[last].kind != OSMEM_BLOCK_FREE)
		return NULL;
	return a->malloc(h, w.b[last].size);
}

static inline int pol_holes(struct ktest *t, const struct osmem_allocator *a,
			    struct osmem_heap *h, const size_t *sizes,
			    unsigned n, void **holes)
{
	for (unsigned i = 0; i < n; i++) {
		holes[i] = a->malloc(h, sizes[i]);
		if (!KEXPECT_NOT_NULL(t, holes[i]) ||
		    !KEXPECT_NOT_NULL(t, a->malloc(h, 8)))
			return -1;
	}
	if (!KEXPECT_NOT_NULL(t, pol_take_tail(a, h)))
		return -1;
	for (unsigned i = 0; i < n; i++)
		a->free(h, holes[i]);
	return 0;
}

/* Expect the block at payload p to be (size, kind), and, if rest is not
 * 0, a free block of rest bytes right after it (the split remainder). */
static inline void pol_expect_at(struct ktest *t, const struct osmem_allocator *a,
				 struct osmem_heap *h, void *p, size_t size,
				 size_t rest)
{
	struct osmem_walk w;
	int i;

	osmem_walk_collect(a, h, &w);
	i = pol_find(&w, p);
	if (!KEXPECT_GE(t, i, 0))
		return;
	OSMEM_EXPECT_BLOCK(t, &w, (unsigned)i, p, size, OSMEM_BLOCK_ALLOC);
	if (rest)
		OSMEM_EXPECT_BLOCK(t, &w, (unsigned)i + 1,
				   (char *)p + size + POL_META, rest,
				   OSMEM_BLOCK_FREE);
}

/*
 * Random malloc/free/realloc on allocator a with every block's contents
 * checked and check() run throughout: each policy must keep classic's
 * contract, whatever block it picks.
 */
static inline void pol_churn(struct ktest *t, const struct osmem_allocator *a,
			     struct osmem_heap *h, unsigned ops)
{
	enum { SLOTS = 48 };
	void *p[SLOTS] = { 0 };
	size_t sz[SLOTS] = { 0 };
	uint32_t seed = 0x1ab2;

	for (unsigned k = 0; k < ops; k++) {
		unsigned i = osmem_rand(&seed) % SLOTS;
		size_t n = 1 + osmem_rand(&seed) % 3000;

		if (p[i] && !KEXPECT(t, osmem_verify(p[i], sz[i], i)))
			return;
		if (p[i] && (osmem_rand(&seed) & 1)) {
			void *q = a->realloc(h, p[i], n);

			if (!KEXPECT_NOT_NULL(t, q) ||
			    !KEXPECT(t, osmem_verify(q, sz[i] < n ? sz[i] : n, i)))
				return;
			p[i] = q;
		} else {
			a->free(h, p[i]);
			p[i] = a->malloc(h, n);
			if (!KEXPECT_NOT_NULL(t, p[i]))
				return;
		}
		sz[i] = n;
		osmem_fill(p[i], n, i);
		if (k % 256 == 0 && !KEXPECT_EQ(t, a->check(h), 0))
			return;
	}
	for (unsigned i = 0; i < SLOTS; i++)
		a->free(h, p[i]);
}

#endif
