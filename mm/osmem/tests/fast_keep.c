/* SPDX-License-Identifier: MIT */
/*
 * osmem_fast: freed mappings kept for reuse (mm/osmem/fast_keep.c, turned
 * on by osmem_fast_keep_maps). These cases fix the mmap threshold first
 * (explicit tuning: the dynamic rule off, so freed mappings stay longer
 * than the threshold and may be kept), then turn keeping on.
 */
#include "mm/osmem/tests/fast_tests.h"

static const struct osmem_allocator *const a = &osmem_fast;

/* More frees than the ring of the last frees holds (fast_internal.h: 64). */
#define KEEP_RING 80

#define KEEP_START(t, count, bytes)                                          \
	OSMEM_START(t, a);                                                   \
	KASSERT_EQ(t, osmem_fast_tune(h, OSMEM_FAST_MMAP_THRESHOLD,          \
				      FAST_MMAP_THRESHOLD), 0);              \
	KASSERT_EQ(t, osmem_fast_keep_maps(h, count, bytes), 0)

static size_t keep_len(size_t n)
{
	size_t page = osmem_test_home_backend()->page_size;

	return (n + FAST_MAP_HDR + page - 1) / page * page;
}

static void keep_expect(struct ktest *t, struct osmem_heap *h, size_t blocks,
			size_t bytes)
{
	struct osmem_stats st;

	a->stats(h, &st);
	KEXPECT_EQ(t, st.kept_blocks, blocks);
	KEXPECT_EQ(t, st.kept_bytes, bytes);
}

/* A freed mapping is kept (no unmap, counted), and the next request of
 * its size takes it back with no backend call at all. */
KTEST(osmem_fast_keep, a_freed_mapping_is_reused)
{
	size_t len = keep_len(300 * 1024);
	unsigned calls;
	char *p, *q;

	KEEP_START(t, 4, (size_t)8 << 20);
	p = a->malloc(h, 300 * 1024);
	KASSERT_NOT_NULL(t, p);
	p[0] = 7;
	calls = osmem_tb_ncalls();
	a->free(h, p);
	KEXPECT_EQ(t, osmem_tb_ncalls(), calls);
	keep_expect(t, h, 1, len);
	KEXPECT_EQ(t, a->check(h), 0);
	q = a->malloc(h, 290 * 1024);
	KEXPECT_PTR_EQ(t, q, p);
	KEXPECT_EQ(t, osmem_tb_ncalls(), calls);
	keep_expect(t, h, 0, 0);
	/* Reused, so not known to be zero: calloc clears it. */
	a->free(h, q);
	q = a->calloc(h, 1, 300 * 1024);
	KASSERT_PTR_EQ(t, q, p);
	KEXPECT_EQ(t, q[0], 0);
	a->free(h, q);
	KEXPECT_EQ(t, a->check(h), 0);
	OSMEM_END(t, a);
}

/* The count bound: the oldest goes back first; a larger request than
 * any kept one maps afresh. The bytes bound: the home's cap. */
KTEST(osmem_fast_keep, bounded_in_count_and_bytes)
{
	size_t len = keep_len(200 * 1024);
	struct osmem_stats st;
	char *p[4];

	KEEP_START(t, 2, (size_t)8 << 20);
	for (int i = 0; i < 4; i++)
		KASSERT_NOT_NULL(t, p[i] = a->malloc(h, 200 * 1024));
	for (int i = 0; i < 4; i++)
		a->free(h, p[i]);
	keep_expect(t, h, 2, 2 * len);
	OSMEM_EXPECT_UNMAP(t, osmem_tb_ncalls() - 1, p[1] - FAST_MAP_HDR, len);
	KEXPECT_EQ(t, osmem_tb_live_maps(), 2);
	KEXPECT_EQ(t, a->check(h), 0);
	/* 400 KiB fits in neither: a new mapping, the kept ones stay. */
	p[0] = a->malloc(h, 400 * 1024);
	KASSERT_NOT_NULL(t, p[0]);
	keep_expect(t, h, 2, 2 * len);
	a->free(h, p[0]);

	/* Kept now: 200 KiB (the older) and 400 KiB. A cap of the larger's
	 * bytes gives the older back. */
	KASSERT_EQ(t, osmem_fast_keep_maps(h, 4, keep_len(400 * 1024)), 0);
	a->stats(h, &st);
	KEXPECT_EQ(t, st.kept_bytes, keep_len(400 * 1024));
	KEXPECT_EQ(t, st.kept_blocks, 1);
	KEXPECT_EQ(t, a->check(h), 0);
	OSMEM_END(t, a);
}

/* osmem_fast_trim (malloc_trim) gives every kept mapping back; so does
 * explicit tuning. */
KTEST(osmem_fast_keep, trim_and_tuning_give_them_back)
{
	char *p, *q;

	KEEP_START(t, 4, (size_t)8 << 20);
	p = a->malloc(h, 200 * 1024);
	q = a->malloc(h, 500 * 1024);
	KASSERT_NOT_NULL(t, p);
	KASSERT_NOT_NULL(t, q);
	a->free(h, p);
	a->free(h, q);
	keep_expect(t, h, 2, keep_len(200 * 1024) + keep_len(500 * 1024));
	KEXPECT_EQ(t, osmem_tb_live_maps(), 2);
	KEXPECT_EQ(t, osmem_fast_trim(h, 0), 1);
	keep_expect(t, h, 0, 0);
	KEXPECT_EQ(t, osmem_tb_live_maps(), 0);

	p = a->malloc(h, 200 * 1024);
	KASSERT_NOT_NULL(t, p);
	a->free(h, p);
	keep_expect(t, h, 1, keep_len(200 * 1024));
	KEXPECT_EQ(t, osmem_fast_tune(h, OSMEM_FAST_TOP_PAD, 4096), 0);
	keep_expect(t, h, 0, 0);
	KEXPECT_EQ(t, osmem_tb_live_maps(), 0);
	/* Off now: the next freed mapping goes at once. */
	p = a->malloc(h, 200 * 1024);
	KASSERT_NOT_NULL(t, p);
	a->free(h, p);
	keep_expect(t, h, 0, 0);
	KEXPECT_EQ(t, a->check(h), 0);
	OSMEM_END(t, a);
}

/* A kept mapping freed again is a double free, named with its size, and
 * changes nothing; an address inside one is an invalid pointer. */
KTEST(osmem_fast_keep, double_free_of_a_kept_mapping_is_reported)
{
	const struct osmem_report *r;
	size_t up;
	unsigned r0, calls;
	char *p, *fill[KEEP_RING];

	KEEP_START(t, 4, (size_t)8 << 20);
	p = a->malloc(h, 300 * 1024);
	KASSERT_NOT_NULL(t, p);
	up = a->usable_size(h, p);
	a->free(h, p);
	/* Push p out of the ring of the last frees: the kept array alone
	 * must name it. */
	for (int i = 0; i < KEEP_RING; i++)
		fill[i] = a->malloc(h, 64);
	for (int i = 0; i < KEEP_RING; i++)
		a->free(h, fill[i]);
	r0 = osmem_tb_reports();
	calls = osmem_tb_ncalls();
	a->free(h, p);
	KEXPECT_EQ(t, osmem_tb_reports(), r0 + 1);
	r = osmem_tb_report(r0);
	if (KEXPECT_NOT_NULL(t, r)) {
		KEXPECT_EQ(t, r->fault, OSMEM_FAULT_DOUBLE_FREE);
		KEXPECT_PTR_EQ(t, r->ptr, p);
		KEXPECT_EQ(t, r->size, up);
	}
	a->free(h, p + 4096);
	r = osmem_tb_report(r0 + 1);
	if (KEXPECT_NOT_NULL(t, r))
		KEXPECT_EQ(t, r->fault, OSMEM_FAULT_INVALID_POINTER);
	KEXPECT_EQ(t, osmem_tb_ncalls(), calls);
	keep_expect(t, h, 1, keep_len(300 * 1024));
	KEXPECT_EQ(t, a->check(h), 0);
	OSMEM_END(t, a);
}

/* A refused unmap of a kept mapping (trim) leaves it pending, counted,
 * as issue 11's rule says; nothing is lost. Debug mode keeps nothing. */
KTEST(osmem_fast_keep, refused_unmap_pends_and_debug_keeps_nothing)
{
	size_t len = keep_len(200 * 1024);
	struct osmem_stats st;
	char *p;

	KEEP_START(t, 4, (size_t)8 << 20);
	p = a->malloc(h, 200 * 1024);
	KASSERT_NOT_NULL(t, p);
	a->free(h, p);
	osmem_tb_fail_from(osmem_tb_ncalls() + 1);
	osmem_fast_trim(h, 0);
	osmem_tb_fail_none();
	a->stats(h, &st);
	KEXPECT_EQ(t, st.kept_blocks, 0);
	KEXPECT_EQ(t, st.unmap_pending_blocks, 1);
	KEXPECT_EQ(t, st.unmap_pending_bytes, len);
	KEXPECT_EQ(t, a->check(h), 0);
	KEXPECT_EQ(t, osmem_fast_trim(h, 0), 1);
	a->stats(h, &st);
	KEXPECT_EQ(t, st.unmap_pending_blocks, 0);
	OSMEM_END(t, a);

	osmem_tb_set_debug(true);
	OSMEM_RESTART(t, a);
	KEXPECT_EQ(t, osmem_fast_keep_maps(h, 4, (size_t)8 << 20), -1);
	OSMEM_END(t, a);
}
