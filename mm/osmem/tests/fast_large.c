/* SPDX-License-Identifier: MIT */
/*
 * osmem_fast: large blocks (page mappings), realloc of mappings with and
 * without pages_remap, memalign from 16 bytes to 1 MiB, and sizes so large
 * that a computation would overflow.
 */
#include "mm/osmem/tests/fast_tests.h"
#include "libk/string.h"

static const struct osmem_allocator *const a = &osmem_fast;

static size_t page_up(size_t n)
{
	size_t page = osmem_test_home_backend()->page_size;

	return (n + page - 1) / page * page;
}

KTEST(osmem_fast, large_blocks_are_page_rounded_mappings)
{
	const struct osmem_tb_call *c;
	char *p, *q;

	OSMEM_START(t, a);
	p = a->malloc(h, FAST_MMAP_THRESHOLD);
	KASSERT_NOT_NULL(t, p);
	KASSERT_EQ(t, osmem_tb_ncalls(), 1);
	c = osmem_tb_call(0);
	KEXPECT_EQ(t, c->kind, OSMEM_TB_MAP);
	KEXPECT_EQ(t, c->len, page_up(FAST_MMAP_THRESHOLD + FAST_MAP_HDR));
	KEXPECT_PTR_EQ(t, p, (char *)c->ptr + FAST_MAP_HDR);
	KEXPECT_EQ(t, a->usable_size(h, p), c->len - FAST_MAP_HDR);
	osmem_fill(p, a->usable_size(h, p), 1);
	q = a->malloc(h, FAST_MMAP_THRESHOLD - 1);         /* just below: heap */
	KASSERT_NOT_NULL(t, q);
	KEXPECT(t, !osmem_tb_is_mapped(q, 1));
	KEXPECT_EQ(t, osmem_tb_count(OSMEM_TB_MAP), 1);
	a->free(h, p);
	KEXPECT_EQ(t, osmem_tb_count(OSMEM_TB_UNMAP), 1);
	c = osmem_tb_call(osmem_tb_ncalls() - 1);
	KEXPECT_EQ(t, c->kind, OSMEM_TB_UNMAP);
	KEXPECT_EQ(t, c->len, page_up(FAST_MMAP_THRESHOLD + FAST_MAP_HDR));
	KEXPECT_EQ(t, osmem_tb_live_maps(), 0);
	OSMEM_END(t, a);
}

KTEST(osmem_fast, mmap_threshold_is_configurable)
{
	char *p;

	OSMEM_START(t, a);
	KEXPECT_EQ(t, osmem_fast_set_mmap_threshold(h, 1 << 20), FAST_MMAP_THRESHOLD);
	p = a->malloc(h, 500 * 1024);
	KASSERT_NOT_NULL(t, p);
	KEXPECT_EQ(t, osmem_tb_count(OSMEM_TB_MAP), 0);
	a->free(h, p);
	osmem_fast_set_mmap_threshold(h, 4096);
	p = a->malloc(h, 5000);
	KASSERT_NOT_NULL(t, p);
	KEXPECT(t, osmem_tb_is_mapped(p, 5000));
	a->free(h, p);
	/* init restores the default */
	OSMEM_RESTART(t, a);
	KEXPECT_EQ(t, osmem_fast_set_mmap_threshold(h, FAST_MMAP_THRESHOLD),
		   FAST_MMAP_THRESHOLD);
	OSMEM_END(t, a);
}

/* With pages_remap, a mapping grows and shrinks where it is. */
KTEST(osmem_fast, large_realloc_remaps_in_place)
{
	struct osmem_stats st;
	char *p, *q;

	FAST_START_ON(t, fast_tb_pool(true));
	p = a->malloc(h, 200 * 1024);
	KASSERT_NOT_NULL(t, p);
	osmem_fill(p, 200 * 1024, 3);
	q = a->realloc(h, p, 600 * 1024);
	KEXPECT_PTR_EQ(t, q, p);
	KEXPECT_EQ(t, fast_pool_calls.map, 1);
	KEXPECT_EQ(t, fast_pool_calls.remap, 1);
	KEXPECT_EQ(t, fast_pool_calls.unmap, 0);
	KEXPECT_EQ(t, a->usable_size(h, p), page_up(600 * 1024 + FAST_MAP_HDR) - FAST_MAP_HDR);
	KEXPECT(t, osmem_verify(p, 200 * 1024, 3));
	osmem_fill(p, 600 * 1024, 4);
	q = a->realloc(h, p, 150 * 1024);
	KEXPECT_PTR_EQ(t, q, p);
	KEXPECT_EQ(t, fast_pool_calls.remap, 2);
	KEXPECT(t, osmem_verify(p, 150 * 1024, 4));
	a->stats(h, &st);
	KEXPECT_EQ(t, st.mapped_bytes, page_up(150 * 1024 + FAST_MAP_HDR));
	KEXPECT_EQ(t, st.mapped_blocks, 1);
	/* Beyond what the home can do in place: it moves, or fails cleanly. */
	q = a->realloc(h, p, 2 << 20);
	KEXPECT_NULL(t, q);
	KEXPECT_EQ(t, fast_pool_calls.remap_failed, 1);
	KEXPECT(t, osmem_verify(p, 150 * 1024, 4));
	a->free(h, p);
	KEXPECT_EQ(t, fast_pool_calls.unmap, 1);
	KEXPECT_EQ(t, fast_pool_calls.bad, 0);
	OSMEM_END(t, a);
}

/* Without pages_remap a mapping that grows moves (map, copy, unmap); a
 * shrink keeps it while it stays half used; below the threshold it moves
 * to the heap. */
KTEST(osmem_fast, large_realloc_moves_without_remap)
{
	char *p, *q;

	FAST_START_ON(t, fast_tb_pool(false));
	/* Thresholds fixed: freed mappings do not raise them here. */
	osmem_fast_set_mmap_threshold(h, FAST_MMAP_THRESHOLD);
	p = a->malloc(h, 200 * 1024);
	KASSERT_NOT_NULL(t, p);
	osmem_fill(p, 200 * 1024, 5);
	q = a->realloc(h, p, 600 * 1024);
	KASSERT_NOT_NULL(t, q);
	KEXPECT_PTR_NE(t, q, p);
	KEXPECT_EQ(t, fast_pool_calls.map, 2);
	KEXPECT_EQ(t, fast_pool_calls.unmap, 1);
	KEXPECT_EQ(t, fast_pool_calls.remap, 0);
	KEXPECT(t, osmem_verify(q, 200 * 1024, 5));
	osmem_fill(q, 600 * 1024, 6);
	p = a->realloc(h, q, 400 * 1024);
	KEXPECT_PTR_EQ(t, p, q);
	KEXPECT_EQ(t, fast_pool_calls.map, 2);
	p = a->realloc(h, q, 100 * 1024);
	KASSERT_NOT_NULL(t, p);
	KEXPECT_PTR_NE(t, p, q);
	KEXPECT_EQ(t, fast_pool_calls.unmap, 2);
	KEXPECT_EQ(t, osmem_tb_count(OSMEM_TB_EXTEND), 1);
	KEXPECT(t, osmem_verify(p, 100 * 1024, 6));
	/* A heap block grown past what the heap can give in place moves to
	 * a mapping. */
	KASSERT_NOT_NULL(t, a->malloc(h, 10));
	q = a->realloc(h, p, 300 * 1024);
	KASSERT_NOT_NULL(t, q);
	KEXPECT_EQ(t, fast_pool_calls.map, 3);
	KEXPECT(t, osmem_verify(q, 100 * 1024, 6));
	a->free(h, q);
	KEXPECT_EQ(t, fast_pool_calls.bad, 0);
	OSMEM_END(t, a);
}

/* Every power-of-two alignment from 16 bytes to 1 MiB, heap and mapped
 * sizes, all live together: aligned, usable, no overlap. */
KTEST(osmem_fast, memalign_16_bytes_to_1_mib)
{
	static char *p[17][4];
	static const size_t sizes[4] = { 1, 100, 3000, 130 * 1024 };
	struct osmem_stats st;

	OSMEM_START(t, a);
	for (int i = 0; i < 17; i++) {
		size_t align = (size_t)16 << i;

		for (int j = 0; j < 4; j++) {
			p[i][j] = a->memalign(h, align, sizes[j]);
			KASSERT_NOT_NULL(t, p[i][j]);
			KEXPECT_EQ(t, (uintptr_t)p[i][j] % align, 0);
			KEXPECT_GE(t, a->usable_size(h, p[i][j]), sizes[j]);
			osmem_fill(p[i][j], sizes[j], (unsigned)(i * 4 + j));
		}
		KASSERT_EQ(t, a->check(h), 0);
	}
	for (int i = 0; i < 17; i++)
		for (int j = 0; j < 4; j++)
			KEXPECT(t, osmem_verify(p[i][j], sizes[j], (unsigned)(i * 4 + j)));
	for (int i = 0; i < 17; i++)
		for (int j = 0; j < 4; j++)
			a->free(h, p[i][j]);
	a->stats(h, &st);
	KEXPECT_EQ(t, st.blocks_in_use, 0);
	KEXPECT_EQ(t, st.mapped_blocks, 0);
	KEXPECT_EQ(t, osmem_tb_live_maps(), 0);
	OSMEM_END(t, a);
}

/* Page-aligned heap blocks leave their leading part free, and it is used. */
KTEST(osmem_fast, memalign_gives_back_the_leading_part)
{
	size_t page = osmem_test_home_backend()->page_size;
	struct osmem_stats st;
	char *x, *p, *q;

	OSMEM_START(t, a);
	x = a->malloc(h, 100);                     /* the heap is not aligned now */
	KASSERT_NOT_NULL(t, x);
	p = a->memalign(h, page, 100);
	KASSERT_NOT_NULL(t, p);
	KEXPECT_EQ(t, (uintptr_t)p % page, 0);
	KEXPECT(t, !osmem_tb_is_mapped(p, 1));
	a->stats(h, &st);
	KEXPECT_EQ(t, st.blocks_in_use, 2);
	KEXPECT_EQ(t, st.blocks_free, 2);       /* lead and top */
	q = a->malloc(h, page - 200);              /* fits the lead */
	KEXPECT(t, q > x && q < p);
	KEXPECT_EQ(t, a->memalign(h, 48, 10), NULL);
	KEXPECT_EQ(t, a->memalign(h, 0, 10), NULL);
	KEXPECT_EQ(t, a->memalign(h, 3, 10), NULL);
	p = a->memalign(h, 8, 10);                 /* small alignments: malloc */
	KEXPECT_EQ(t, (uintptr_t)p % 16, 0);
	OSMEM_END(t, a);
}

/* Sizes near SIZE_MAX: NULL, no backend call, nothing changed. */
KTEST(osmem_fast, overflowing_sizes_return_null)
{
	char *p;
	unsigned calls;

	OSMEM_START(t, a);
	p = a->malloc(h, 100);
	KASSERT_NOT_NULL(t, p);
	osmem_fill(p, 100, 9);
	calls = osmem_tb_ncalls();
	KEXPECT_NULL(t, a->malloc(h, SIZE_MAX));
	KEXPECT_NULL(t, a->malloc(h, SIZE_MAX - 8));
	KEXPECT_NULL(t, a->malloc(h, SIZE_MAX - 4096));
	KEXPECT_NULL(t, a->malloc(h, (size_t)PTRDIFF_MAX + 1));
	KEXPECT_NULL(t, a->calloc(h, SIZE_MAX / 2 + 1, 2));
	KEXPECT_NULL(t, a->calloc(h, (size_t)1 << 32, (size_t)1 << 32));
	KEXPECT_NULL(t, a->calloc(h, 3, SIZE_MAX / 3 + 1));
	KEXPECT_NULL(t, a->realloc(h, p, SIZE_MAX));
	KEXPECT_NULL(t, a->realloc(h, p, SIZE_MAX - 16));
	KEXPECT_NULL(t, a->realloc(h, NULL, SIZE_MAX - 16));
	KEXPECT_NULL(t, a->memalign(h, 1 << 20, SIZE_MAX - 100));
	KEXPECT_NULL(t, a->memalign(h, 4096, SIZE_MAX - 4096));
	KEXPECT_NULL(t, a->memalign(h, (size_t)1 << 63, 1));
	KEXPECT_EQ(t, osmem_tb_ncalls(), calls);
	KEXPECT(t, osmem_verify(p, 100, 9));
	KEXPECT_EQ(t, a->usable_size(h, p), 104);
	/* Large but representable: the backend is asked and refuses. */
	KEXPECT_NULL(t, a->malloc(h, (size_t)PTRDIFF_MAX - 4096));
	KEXPECT(t, osmem_verify(p, 100, 9));
	OSMEM_END(t, a);
}

/* realloc(p, 0) frees; malloc(0) and calloc(0, n) give unique blocks. */
KTEST(osmem_fast, zero_sizes)
{
	struct osmem_stats st;
	char *p, *q;

	OSMEM_START(t, a);
	p = a->malloc(h, 0);
	q = a->calloc(h, 0, 10);
	KASSERT_NOT_NULL(t, p);
	KASSERT_NOT_NULL(t, q);
	KEXPECT_PTR_NE(t, p, q);
	KEXPECT_NULL(t, a->realloc(h, p, 0));
	a->stats(h, &st);
	KEXPECT_EQ(t, st.blocks_in_use, 1);
	a->free(h, NULL);
	KEXPECT_EQ(t, a->usable_size(h, NULL), 0);
	OSMEM_END(t, a);
}
