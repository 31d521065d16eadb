/* SPDX-License-Identifier: MIT */
/*
 * osmem_fast: a second free is named a double free, with the size the
 * program allocated, however the freed block has changed since: merged
 * with a free neighbour on either side, or a mapping already unmapped
 * after other mappings were freed (fast_misuse.c, the ring of the last
 * frees). Each case checks the one report, that nothing changed (stats,
 * a sentinel block's bytes) and that check() passes.
 */
#include "mm/osmem/tests/fast_tests.h"
#include "libk/printf.h"
#include "libk/string.h"

#define SENTINEL_SEED 91u

static const struct osmem_allocator *const a = &osmem_fast;

/* Exactly one new report since `before`: this kind, pointer and size. */
#define FREED_EXPECT(t, before, kind, p, sz)                                  \
	do {                                                                  \
		const struct osmem_report *r_ = osmem_tb_report(before);      \
		KEXPECT_EQ(t, osmem_tb_reports(), (before) + 1);              \
		if (KEXPECT_NOT_NULL(t, r_)) {                                \
			KEXPECT_EQ(t, r_->fault, (kind));                     \
			KEXPECT_PTR_EQ(t, r_->ptr, (p));                      \
			KEXPECT_EQ(t, r_->size, (size_t)(sz));                \
		}                                                             \
	} while (0)

static void freed_same_stats(struct ktest *t, const struct osmem_stats *x,
			     const struct osmem_stats *y)
{
	KEXPECT_EQ(t, x->blocks_free, y->blocks_free);
	KEXPECT_EQ(t, x->bytes_free, y->bytes_free);
	KEXPECT_EQ(t, x->blocks_in_use, y->blocks_in_use);
	KEXPECT_EQ(t, x->mapped_blocks, y->mapped_blocks);
	KEXPECT_EQ(t, x->unmap_calls, y->unmap_calls);
}

/*
 * The case: three adjacent 100-byte blocks (104 usable), free(b),
 * free(a), free(b). b merged into a's free block; the second free of b
 * names b and 104 bytes, not "invalid pointer (block of 216 bytes)".
 */
KTEST(osmem_fast, double_free_after_merge_names_the_allocated_size)
{
	char *x, *y, *z, *s, line[128];
	struct osmem_stats st0, st1;
	unsigned r0;

	OSMEM_START(t, a);
	x = a->malloc(h, 100);
	y = a->malloc(h, 100);
	z = a->malloc(h, 100);
	s = a->malloc(h, 40);
	KASSERT_NOT_NULL(t, s);
	KASSERT_EQ(t, y - x, 112);
	KASSERT_EQ(t, z - y, 112);
	osmem_fill(s, 40, SENTINEL_SEED);
	a->free(h, y);
	a->free(h, x);                  /* y merges into x's block */
	a->stats(h, &st0);
	r0 = osmem_tb_reports();
	a->free(h, y);
	FREED_EXPECT(t, r0, OSMEM_FAULT_DOUBLE_FREE, y, 104);
	snprintf(line, sizeof(line),
		 "osmem: double free of %p (block of 104 bytes) in free", (void *)y);
	KEXPECT_STREQ(t, osmem_tb_last_report(), line);
	KEXPECT_NULL(t, a->realloc(h, y, 10));
	FREED_EXPECT(t, r0 + 1, OSMEM_FAULT_DOUBLE_FREE, y, 104);
	KEXPECT_EQ(t, a->usable_size(h, y), 0);
	FREED_EXPECT(t, r0 + 2, OSMEM_FAULT_INVALID_POINTER, y, 104);
	a->free(h, x);                  /* heads the merged block */
	FREED_EXPECT(t, r0 + 3, OSMEM_FAULT_DOUBLE_FREE, x, 104);
	/* z merges too, into the block before it: all three named right. */
	a->free(h, z);
	r0 = osmem_tb_reports();
	a->free(h, z);
	FREED_EXPECT(t, r0, OSMEM_FAULT_DOUBLE_FREE, z, 104);
	a->free(h, y);
	FREED_EXPECT(t, r0 + 1, OSMEM_FAULT_DOUBLE_FREE, y, 104);
	/* Inside the freed memory but never a block start: invalid. */
	a->free(h, y + 16);
	FREED_EXPECT(t, r0 + 2, OSMEM_FAULT_INVALID_POINTER, y + 16, 3 * 112 - 8);
	a->stats(h, &st1);
	KEXPECT_EQ(t, st1.blocks_free, st0.blocks_free);
	KEXPECT(t, osmem_verify(s, 40, SENTINEL_SEED));
	OSMEM_END(t, a);
}

/* The freed block heads the merge: free(y) with z free after it. */
KTEST(osmem_fast, double_free_after_merge_with_the_next_block)
{
	char *x, *y, *z, *s;
	struct osmem_stats st0, st1;
	unsigned r0;

	OSMEM_START(t, a);
	x = a->malloc(h, 200);
	y = a->malloc(h, 56);
	z = a->malloc(h, 1000);
	s = a->malloc(h, 40);
	KASSERT_NOT_NULL(t, s);
	osmem_fill(s, 40, SENTINEL_SEED);
	a->free(h, z);
	a->free(h, y);                  /* y + z */
	a->free(h, x);                  /* x + y + z */
	a->stats(h, &st0);
	r0 = osmem_tb_reports();
	a->free(h, y);
	FREED_EXPECT(t, r0, OSMEM_FAULT_DOUBLE_FREE, y, 56);
	a->free(h, z);
	FREED_EXPECT(t, r0 + 1, OSMEM_FAULT_DOUBLE_FREE, z, 1000);
	a->free(h, x);
	FREED_EXPECT(t, r0 + 2, OSMEM_FAULT_DOUBLE_FREE, x, 200);
	a->stats(h, &st1);
	freed_same_stats(t, &st0, &st1);
	KEXPECT(t, osmem_verify(s, 40, SENTINEL_SEED));
	OSMEM_END(t, a);
}

/*
 * A mapping freed twice, after a dozen other mappings were freed in
 * between (all live at once, so none shares its address): a double free
 * with its usable size, not a pointer foreign to the heap.
 */
KTEST(osmem_fast, double_free_of_a_mapping_after_other_frees)
{
	static char *m[12];
	char *p, *s;
	size_t usable, usable0;
	struct osmem_stats st0, st1;
	unsigned r0;

	OSMEM_START(t, a);
	s = a->malloc(h, 40);
	p = a->malloc(h, 200 * 1024);
	KASSERT_NOT_NULL(t, p);
	for (int i = 0; i < 12; i++) {
		m[i] = a->malloc(h, 130 * 1024 + (size_t)i * 4096);
		KASSERT_NOT_NULL(t, m[i]);
	}
	KASSERT_NOT_NULL(t, s);
	osmem_fill(s, 40, SENTINEL_SEED);
	usable = a->usable_size(h, p);
	usable0 = a->usable_size(h, m[0]);
	a->free(h, p);
	for (int i = 0; i < 12; i++)
		a->free(h, m[i]);
	KEXPECT_EQ(t, osmem_tb_live_maps(), 0);
	a->stats(h, &st0);
	r0 = osmem_tb_reports();
	a->free(h, p);
	FREED_EXPECT(t, r0, OSMEM_FAULT_DOUBLE_FREE, p, usable);
	KEXPECT_NULL(t, a->realloc(h, p, 10));
	FREED_EXPECT(t, r0 + 1, OSMEM_FAULT_DOUBLE_FREE, p, usable);
	a->free(h, m[0]);
	FREED_EXPECT(t, r0 + 2, OSMEM_FAULT_DOUBLE_FREE, m[0], usable0);
	a->stats(h, &st1);
	freed_same_stats(t, &st0, &st1);
	KEXPECT(t, osmem_verify(s, 40, SENTINEL_SEED));
	OSMEM_END(t, a);
}

/*
 * A new block or mapping at a freed address is live: freeing it is
 * right; freeing it again names the new size (the newest free counts).
 */
KTEST(osmem_fast, double_free_names_the_newest_block_at_an_address)
{
	char *p, *q, *s;
	size_t usable;
	unsigned r0;

	FAST_START_ON(t, fast_tb_pool(false));
	s = a->malloc(h, 40);
	p = a->malloc(h, 200 * 1024);           /* pool slot 0 */
	KASSERT_NOT_NULL(t, p);
	a->free(h, p);
	q = a->malloc(h, 600 * 1024);           /* slot 0 again */
	KASSERT_PTR_EQ(t, q, p);
	usable = a->usable_size(h, q);
	r0 = osmem_tb_reports();
	a->free(h, q);
	KEXPECT_EQ(t, osmem_tb_reports(), r0);
	a->free(h, q);
	FREED_EXPECT(t, r0, OSMEM_FAULT_DOUBLE_FREE, q, usable);
	/* The same in the heap: 100 bytes freed, 40 at the same place. */
	p = a->malloc(h, 100);
	KASSERT_NOT_NULL(t, a->malloc(h, 8));
	a->free(h, p);
	q = a->malloc(h, 100);
	KASSERT_PTR_EQ(t, q, p);
	a->free(h, q);
	r0 = osmem_tb_reports();
	a->free(h, q);
	FREED_EXPECT(t, r0, OSMEM_FAULT_DOUBLE_FREE, q, 104);
	a->free(h, s);
	KEXPECT_EQ(t, fast_pool_calls.bad, 0);
	OSMEM_END(t, a);
}

/*
 * The ring holds the last 64 frees; after many more, a freed block that
 * still starts a free block is a double free all the same (its size: the
 * free block's).
 */
KTEST(osmem_fast, double_free_long_after_is_still_a_double_free)
{
	char *p, *s, *x;
	unsigned r0;

	OSMEM_START(t, a);
	p = a->malloc(h, 40);
	s = a->malloc(h, 40);
	KASSERT_NOT_NULL(t, s);
	a->free(h, p);
	for (int i = 0; i < 200; i++) {
		x = a->malloc(h, 300);
		KASSERT_NOT_NULL(t, x);
		a->free(h, x);
	}
	r0 = osmem_tb_reports();
	a->free(h, p);
	FREED_EXPECT(t, r0, OSMEM_FAULT_DOUBLE_FREE, p, 40);
	OSMEM_END(t, a);
}
