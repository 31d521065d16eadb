/* SPDX-License-Identifier: MIT */
/*
 * osmem_classic: malloc and free on the heap and in mappings, observed
 * through the test backend's recorded calls and the allocator's walk().
 */
#include "mm/osmem/tests/classic_tests.h"

KTEST(osmem_classic, first_malloc_preallocates_128k)
{
	void *p;

	CL_START(t);
	p = CL->malloc(h, 100);
	KEXPECT_EQ(t, osmem_tb_ncalls(), 1);
	OSMEM_EXPECT_EXTEND(t, 0, CL_PREALLOC, 0);
	KEXPECT_PTR_EQ(t, p, CL_H(32));
	KEXPECT_EQ(t, osmem_tb_brk(), CL_PREALLOC);
	CL_END(t);
}

KTEST(osmem_classic, first_malloc_splits_the_rest_off_free)
{
	struct osmem_walk w;

	CL_START(t);
	KASSERT_NOT_NULL(t, CL->malloc(h, 100));
	osmem_walk_collect(CL, h, &w);
	KEXPECT_EQ(t, w.n, 2);
	OSMEM_EXPECT_BLOCK(t, &w, 0, CL_H(32), 104, OSMEM_BLOCK_ALLOC);
	OSMEM_EXPECT_BLOCK(t, &w, 1, CL_H(168), CL_PREALLOC - 136 - 32, OSMEM_BLOCK_FREE);
	CL_END(t);
}

KTEST(osmem_classic, later_mallocs_use_the_preallocation)
{
	void *p, *q, *r;

	CL_START(t);
	p = CL->malloc(h, 100);
	q = CL->malloc(h, 24);
	r = CL->malloc(h, 1000);
	KEXPECT_PTR_EQ(t, p, CL_H(32));
	KEXPECT_PTR_EQ(t, q, CL_H(168));
	KEXPECT_PTR_EQ(t, r, CL_H(224));
	KEXPECT_EQ(t, osmem_tb_ncalls(), 1);
	CL_END(t);
}

KTEST(osmem_classic, sizes_round_up_to_8)
{
	char *p, *q, *r;

	CL_START(t);
	p = CL->malloc(h, 1);
	q = CL->malloc(h, 9);
	r = CL->malloc(h, 16);
	KEXPECT_EQ(t, CL->usable_size(h, p), 8);
	KEXPECT_EQ(t, CL->usable_size(h, q), 16);
	KEXPECT_EQ(t, CL->usable_size(h, r), 16);
	KEXPECT_PTR_EQ(t, q, p + 8 + CL_META);
	KEXPECT_PTR_EQ(t, r, q + 16 + CL_META);
	KEXPECT_EQ(t, (uintptr_t)q % 8, 0);
	CL_END(t);
}

KTEST(osmem_classic, malloc_zero_returns_null_without_calls)
{
	CL_START(t);
	KEXPECT_NULL(t, CL->malloc(h, 0));
	KEXPECT_EQ(t, osmem_tb_ncalls(), 0);
	KASSERT_NOT_NULL(t, CL->malloc(h, 1));
	KEXPECT_NULL(t, CL->malloc(h, 0));
	KEXPECT_EQ(t, osmem_tb_ncalls(), 1);
	CL_END(t);
}

KTEST(osmem_classic, malloc_overflow_returns_null_without_calls)
{
	CL_START(t);
	KEXPECT_NULL(t, CL->malloc(h, SIZE_MAX));
	KEXPECT_NULL(t, CL->malloc(h, SIZE_MAX - 7));
	KEXPECT_NULL(t, CL->malloc(h, SIZE_MAX - 31));
	KEXPECT_NULL(t, CL->malloc(h, SIZE_MAX - 38));
	KEXPECT_EQ(t, osmem_tb_ncalls(), 0);
	CL_END(t);
}

/* 32 + 131032 = 131064 < 128 KiB: heap; the 8 bytes left are no block. */
KTEST(osmem_classic, just_below_threshold_is_heap_without_split)
{
	struct osmem_walk w;
	void *p;

	CL_START(t);
	p = CL->malloc(h, CL_THRESHOLD - 40);
	KEXPECT_PTR_EQ(t, p, CL_H(32));
	KEXPECT_EQ(t, osmem_tb_ncalls(), 1);
	OSMEM_EXPECT_EXTEND(t, 0, CL_PREALLOC, 0);
	osmem_walk_collect(CL, h, &w);
	KEXPECT_EQ(t, w.n, 1);
	OSMEM_EXPECT_BLOCK(t, &w, 0, CL_H(32), CL_PREALLOC - 32, OSMEM_BLOCK_ALLOC);
	CL_END(t);
}

/* 32 + 131040 = 128 KiB exactly: mapped. */
KTEST(osmem_classic, threshold_counts_the_header)
{
	char *p;

	CL_START(t);
	p = CL->malloc(h, CL_THRESHOLD - 32);
	KASSERT_NOT_NULL(t, p);
	KEXPECT_EQ(t, osmem_tb_ncalls(), 1);
	OSMEM_EXPECT_MAP(t, 0, CL_THRESHOLD);
	KEXPECT_PTR_EQ(t, p - 32, osmem_tb_call(0)->ptr);
	KEXPECT_EQ(t, osmem_tb_brk(), 0);
	CL_END(t);
}

KTEST(osmem_classic, malloc_128k_maps_header_plus_size)
{
	char *p;

	CL_START(t);
	p = CL->malloc(h, 131072);
	KASSERT_NOT_NULL(t, p);
	KEXPECT_EQ(t, osmem_tb_ncalls(), 1);
	OSMEM_EXPECT_MAP(t, 0, 131104);
	KEXPECT_PTR_EQ(t, p - 32, osmem_tb_call(0)->ptr);
	KEXPECT_EQ(t, ((uintptr_t)p - 32) % CL_PAGE, 0);
	KEXPECT_EQ(t, CL->usable_size(h, p), 131072);
	CL_END(t);
}

KTEST(osmem_classic, mapping_length_is_not_page_rounded)
{
	CL_START(t);
	KASSERT_NOT_NULL(t, CL->malloc(h, 131073));
	OSMEM_EXPECT_MAP(t, 0, 32 + 131080);
	KASSERT_NOT_NULL(t, CL->malloc(h, 1000000));
	OSMEM_EXPECT_MAP(t, 1, 32 + 1000000);
	CL_END(t);
}

KTEST(osmem_classic, first_heap_use_after_mappings_preallocates)
{
	void *p;

	CL_START(t);
	KASSERT_NOT_NULL(t, CL->malloc(h, 200000));
	KASSERT_NOT_NULL(t, CL->malloc(h, 300000));
	p = CL->malloc(h, 10);
	KEXPECT_EQ(t, osmem_tb_ncalls(), 3);
	OSMEM_EXPECT_EXTEND(t, 2, CL_PREALLOC, 0);
	KEXPECT_PTR_EQ(t, p, CL_H(32));
	CL_END(t);
}

KTEST(osmem_classic, free_of_mapped_unmaps_same_length)
{
	char *p;

	CL_START(t);
	p = CL->malloc(h, 200000);
	KASSERT_NOT_NULL(t, p);
	CL->free(h, p);
	KEXPECT_EQ(t, osmem_tb_ncalls(), 2);
	OSMEM_EXPECT_UNMAP(t, 1, p - 32, 200032);
	KEXPECT_EQ(t, osmem_tb_live_maps(), 0);
	CL_END(t);
}

KTEST(osmem_classic, free_of_heap_block_marks_it_free_only)
{
	struct osmem_walk w;
	void *p;

	CL_START(t);
	p = CL->malloc(h, 100);
	CL->free(h, p);
	KEXPECT_EQ(t, osmem_tb_ncalls(), 1);
	osmem_walk_collect(CL, h, &w);
	OSMEM_EXPECT_BLOCK(t, &w, 0, p, 104, OSMEM_BLOCK_FREE);
	CL_END(t);
}

KTEST(osmem_classic, heap_never_shrinks)
{
	struct osmem_stats st;
	void *p, *q;

	CL_START(t);
	p = CL->malloc(h, CL_THRESHOLD - 40);
	q = CL->malloc(h, 1000);
	KASSERT_NOT_NULL(t, q);
	OSMEM_EXPECT_EXTEND(t, 1, 1032, CL_PREALLOC);
	CL->free(h, q);
	CL->free(h, p);
	KEXPECT_EQ(t, osmem_tb_ncalls(), 2);
	KEXPECT_EQ(t, osmem_tb_brk(), CL_PREALLOC + 1032);
	CL->stats(h, &st);
	KEXPECT_EQ(t, st.heap_bytes, CL_PREALLOC + 1032);
	CL_END(t);
}

KTEST(osmem_classic, free_does_not_merge)
{
	struct osmem_walk w;
	void *a, *b;

	CL_START(t);
	a = CL->malloc(h, 100);
	b = CL->malloc(h, 100);
	KASSERT_NOT_NULL(t, CL->malloc(h, 100));
	CL->free(h, a);
	CL->free(h, b);
	osmem_walk_collect(CL, h, &w);
	OSMEM_EXPECT_BLOCK(t, &w, 0, a, 104, OSMEM_BLOCK_FREE);
	OSMEM_EXPECT_BLOCK(t, &w, 1, b, 104, OSMEM_BLOCK_FREE);
	CL_END(t);
}

/* Two freed 104-byte neighbours serve 200 only once merged (240 bytes). */
KTEST(osmem_classic, merge_before_search)
{
	struct osmem_walk w;
	char *a, *b, *c, *d;

	CL_START(t);
	a = CL->malloc(h, 100);
	b = CL->malloc(h, 100);
	c = CL->malloc(h, 100);
	KASSERT_NOT_NULL(t, c);
	CL->free(h, a);
	CL->free(h, b);
	d = CL->malloc(h, 200);
	KEXPECT_PTR_EQ(t, d, a);
	KEXPECT_EQ(t, osmem_tb_ncalls(), 1);
	osmem_walk_collect(CL, h, &w);
	OSMEM_EXPECT_BLOCK(t, &w, 0, a, 200, OSMEM_BLOCK_ALLOC);
	OSMEM_EXPECT_BLOCK(t, &w, 1, a + 232, 8, OSMEM_BLOCK_FREE);
	OSMEM_EXPECT_BLOCK(t, &w, 2, c, 104, OSMEM_BLOCK_ALLOC);
	CL_END(t);
}

KTEST(osmem_classic, merge_runs_of_three)
{
	struct osmem_walk w;
	char *a, *b, *c;

	CL_START(t);
	a = CL->malloc(h, 100);
	b = CL->malloc(h, 100);
	c = CL->malloc(h, 100);
	KASSERT_NOT_NULL(t, CL->malloc(h, 8));
	CL->free(h, b);
	CL->free(h, a);
	CL->free(h, c);
	KEXPECT_PTR_EQ(t, CL->malloc(h, 300), a);
	osmem_walk_collect(CL, h, &w);
	/* 3 * 104 + 2 * 32 = 376; 376 - 304 = 72 -> split, 40 left */
	OSMEM_EXPECT_BLOCK(t, &w, 0, a, 304, OSMEM_BLOCK_ALLOC);
	OSMEM_EXPECT_BLOCK(t, &w, 1, a + 336, 40, OSMEM_BLOCK_FREE);
	CL_END(t);
}

/* Neither 104 nor 130904 holds 130950; merged (131040) they do. */
KTEST(osmem_classic, merge_includes_the_free_last_block)
{
	void *a, *p;

	CL_START(t);
	a = CL->malloc(h, 100);
	CL->free(h, a);
	p = CL->malloc(h, 130950);
	KEXPECT_PTR_EQ(t, p, a);
	KEXPECT_EQ(t, osmem_tb_ncalls(), 1);
	KEXPECT_EQ(t, CL->usable_size(h, p), 130952);    /* 88 left: split */
	CL_END(t);
}

KTEST(osmem_classic, best_fit_takes_the_smallest_that_fits)
{
	struct osmem_walk w;
	char *a, *b, *c;

	CL_START(t);
	a = CL->malloc(h, 300);
	KASSERT_NOT_NULL(t, CL->malloc(h, 8));
	b = CL->malloc(h, 100);
	KASSERT_NOT_NULL(t, CL->malloc(h, 8));
	c = CL->malloc(h, 200);
	KASSERT_NOT_NULL(t, CL->malloc(h, 8));
	CL->free(h, a);
	CL->free(h, b);
	CL->free(h, c);
	KEXPECT_PTR_EQ(t, CL->malloc(h, 96), b);
	KEXPECT_EQ(t, CL->usable_size(h, b), 104);   /* 8 left: no split */
	KEXPECT_PTR_EQ(t, CL->malloc(h, 150), c);
	KEXPECT_PTR_EQ(t, CL->malloc(h, 250), a);
	osmem_walk_collect(CL, h, &w);
	OSMEM_EXPECT_BLOCK(t, &w, 6, c + 152 + 32, 200 - 152 - 32, OSMEM_BLOCK_FREE);
	KEXPECT_EQ(t, osmem_tb_ncalls(), 1);
	CL_END(t);
}

KTEST(osmem_classic, best_fit_takes_the_first_on_ties)
{
	void *a, *b;

	CL_START(t);
	a = CL->malloc(h, 100);
	KASSERT_NOT_NULL(t, CL->malloc(h, 8));
	b = CL->malloc(h, 100);
	KASSERT_NOT_NULL(t, CL->malloc(h, 8));
	CL->free(h, b);
	CL->free(h, a);
	KEXPECT_PTR_EQ(t, CL->malloc(h, 100), a);
	KEXPECT_PTR_EQ(t, CL->malloc(h, 100), b);
	CL_END(t);
}

/* 200 - 160 = 40: a header and 8 bytes fit, so the block is split. */
KTEST(osmem_classic, split_when_remainder_is_40)
{
	struct osmem_walk w;
	char *a;

	CL_START(t);
	a = CL->malloc(h, 200);
	KASSERT_NOT_NULL(t, CL->malloc(h, 8));
	CL->free(h, a);
	KEXPECT_PTR_EQ(t, CL->malloc(h, 160), a);
	osmem_walk_collect(CL, h, &w);
	OSMEM_EXPECT_BLOCK(t, &w, 0, a, 160, OSMEM_BLOCK_ALLOC);
	OSMEM_EXPECT_BLOCK(t, &w, 1, a + 192, 8, OSMEM_BLOCK_FREE);
	CL_END(t);
}

/* 200 - 168 = 32: no room for a block, the whole 200 is used. */
KTEST(osmem_classic, no_split_when_remainder_is_32)
{
	struct osmem_walk w;
	char *a, *g;

	CL_START(t);
	a = CL->malloc(h, 200);
	g = CL->malloc(h, 8);
	KASSERT_NOT_NULL(t, g);
	CL->free(h, a);
	KEXPECT_PTR_EQ(t, CL->malloc(h, 168), a);
	KEXPECT_EQ(t, CL->usable_size(h, a), 200);
	osmem_walk_collect(CL, h, &w);
	OSMEM_EXPECT_BLOCK(t, &w, 1, g, 8, OSMEM_BLOCK_ALLOC);
	CL_END(t);
}

/* 100 at +32 leaves 130904 free at +168; 131000 needs 96 more. */
KTEST(osmem_classic, free_last_block_grows_by_missing_amount)
{
	struct osmem_walk w;
	void *p;

	CL_START(t);
	KASSERT_NOT_NULL(t, CL->malloc(h, 100));
	p = CL->malloc(h, 131000);
	KEXPECT_PTR_EQ(t, p, CL_H(168));
	KEXPECT_EQ(t, osmem_tb_ncalls(), 2);
	OSMEM_EXPECT_EXTEND(t, 1, 96, CL_PREALLOC);
	KEXPECT_EQ(t, osmem_tb_brk(), CL_PREALLOC + 96);
	osmem_walk_collect(CL, h, &w);
	KEXPECT_EQ(t, w.n, 2);
	OSMEM_EXPECT_BLOCK(t, &w, 1, p, 131000, OSMEM_BLOCK_ALLOC);
	CL_END(t);
}

/* A freed block before the free last block merges with it first. */
KTEST(osmem_classic, free_last_block_grows_after_merge)
{
	void *b, *p;

	CL_START(t);
	KASSERT_NOT_NULL(t, CL->malloc(h, 100));
	b = CL->malloc(h, 100);
	CL->free(h, b);
	p = CL->malloc(h, 131000);
	KEXPECT_PTR_EQ(t, p, b);
	OSMEM_EXPECT_EXTEND(t, 1, 96, CL_PREALLOC);
	CL_END(t);
}

KTEST(osmem_classic, new_block_when_last_block_in_use)
{
	void *q;

	CL_START(t);
	KASSERT_NOT_NULL(t, CL->malloc(h, CL_THRESHOLD - 40));
	q = CL->malloc(h, 100);
	KEXPECT_PTR_EQ(t, q, CL_H(CL_PREALLOC + 32));
	KEXPECT_EQ(t, osmem_tb_ncalls(), 2);
	OSMEM_EXPECT_EXTEND(t, 1, 32 + 104, CL_PREALLOC);
	CL_END(t);
}

/* A free hole too small and a used last block: a new block. */
KTEST(osmem_classic, new_block_when_hole_too_small)
{
	void *a, *c;

	CL_START(t);
	a = CL->malloc(h, 100);
	KASSERT_NOT_NULL(t, CL->malloc(h, CL_PREALLOC - 136 - 32));  /* exact fit */
	CL->free(h, a);
	c = CL->malloc(h, 200);
	KEXPECT_PTR_EQ(t, c, CL_H(CL_PREALLOC + 32));
	OSMEM_EXPECT_EXTEND(t, 1, 232, CL_PREALLOC);
	CL_END(t);
}

KTEST(osmem_classic, double_free_is_reported)
{
	struct osmem_walk w;
	void *p;

	CL_START(t);
	p = CL->malloc(h, 100);
	CL->free(h, p);
	CL->free(h, p);
	KEXPECT_EQ(t, osmem_tb_reports(), 1);
	KEXPECT_EQ(t, osmem_tb_ncalls(), 1);
	osmem_walk_collect(CL, h, &w);
	KEXPECT_EQ(t, w.n, 2);
	CL_END(t);
}

KTEST(osmem_classic, double_free_of_mapping_is_reported)
{
	void *p;

	CL_START(t);
	p = CL->malloc(h, 200000);
	CL->free(h, p);
	CL->free(h, p);
	KEXPECT_EQ(t, osmem_tb_reports(), 1);
	KEXPECT_EQ(t, osmem_tb_count(OSMEM_TB_UNMAP), 1);
	CL_END(t);
}

KTEST(osmem_classic, free_of_foreign_pointer_is_reported)
{
	long local[8] = { 0 };
	char *p;

	CL_START(t);
	p = CL->malloc(h, 100);
	CL->free(h, &local[4]);
	CL->free(h, p + 1);
	CL->free(h, p + 8);     /* inside a block: the "header" is payload */
	KEXPECT_EQ(t, osmem_tb_reports(), 3);
	KEXPECT_EQ(t, CL->usable_size(h, p), 104);
	KEXPECT_EQ(t, osmem_tb_ncalls(), 1);
	CL_END(t);
}

KTEST(osmem_classic, free_null_does_nothing)
{
	CL_START(t);
	CL->free(h, NULL);
	KEXPECT_EQ(t, osmem_tb_ncalls(), 0);
	KEXPECT_EQ(t, osmem_tb_reports(), 0);
	CL_END(t);
}
