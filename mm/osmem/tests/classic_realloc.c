/* SPDX-License-Identifier: MIT */
/*
 * osmem_classic: realloc, rule by rule (see classic_realloc_locked()).
 */
#include "mm/osmem/tests/classic_tests.h"

/*
 * realloc of x, a pointer that is no live block, to a smaller size, a
 * larger one, a mapping's and 0: NULL each time, no report, no backend
 * call, every block as it was and check() passing (the assignment's rule,
 * top of classic.c). Static: two walks are large for a kernel stack.
 */
static void cl_expect_dead(struct ktest *t, struct osmem_heap *h, void *x)
{
	static const size_t sizes[] = { 8, 1000, 200000, 0 };
	static struct osmem_walk before, after;
	unsigned calls = osmem_tb_ncalls(), reports = osmem_tb_reports();

	osmem_walk_collect(CL, h, &before);
	for (unsigned i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		KEXPECT_NULL(t, CL->realloc(h, x, sizes[i]));
	KEXPECT_EQ(t, osmem_tb_reports(), reports);
	KEXPECT_EQ(t, osmem_tb_ncalls(), calls);
	osmem_walk_collect(CL, h, &after);
	KEXPECT_EQ(t, after.n, before.n);
	for (unsigned i = 0; i < after.n && i < before.n && i < OSMEM_WALK_MAX; i++) {
		KEXPECT_PTR_EQ(t, after.b[i].payload, before.b[i].payload);
		KEXPECT_EQ(t, after.b[i].size, before.b[i].size);
		KEXPECT_EQ(t, after.b[i].kind, before.b[i].kind);
	}
	KEXPECT_EQ(t, CL->check(h), 0);
}

KTEST(osmem_classic, realloc_null_is_malloc)
{
	CL_START(t);
	KEXPECT_PTR_EQ(t, CL->realloc(h, NULL, 100), CL_H(32));
	OSMEM_EXPECT_EXTEND(t, 0, CL_PREALLOC, 0);
	KASSERT_NOT_NULL(t, CL->realloc(h, NULL, 200000));
	OSMEM_EXPECT_MAP(t, 1, 200032);
	CL_END(t);
}

KTEST(osmem_classic, realloc_to_zero_frees_and_returns_null)
{
	struct osmem_walk w;
	void *p;

	CL_START(t);
	p = CL->malloc(h, 100);
	KEXPECT_NULL(t, CL->realloc(h, p, 0));
	KEXPECT_EQ(t, osmem_tb_ncalls(), 1);
	osmem_walk_collect(CL, h, &w);
	OSMEM_EXPECT_BLOCK(t, &w, 0, p, 104, OSMEM_BLOCK_FREE);
	CL_END(t);
}

KTEST(osmem_classic, realloc_to_zero_unmaps_a_mapping)
{
	char *p;

	CL_START(t);
	p = CL->malloc(h, 200000);
	KASSERT_NOT_NULL(t, p);
	KEXPECT_NULL(t, CL->realloc(h, p, 0));
	OSMEM_EXPECT_UNMAP(t, 1, p - 32, 200032);
	CL_END(t);
}

/* A freed block: NULL, quietly; realloc is not a second free. free of it
 * still is one, and says so. */
KTEST(osmem_classic, realloc_of_free_block_returns_null)
{
	struct osmem_walk w;
	char *p, *keep;

	CL_START(t);
	p = CL->malloc(h, 100);
	keep = CL->malloc(h, 100);
	KASSERT_NOT_NULL(t, keep);
	osmem_fill(keep, 100, 16);
	CL->free(h, p);
	cl_expect_dead(t, h, p);
	KEXPECT(t, osmem_verify(keep, 100, 16));
	KEXPECT_EQ(t, osmem_tb_ncalls(), 1);
	osmem_walk_collect(CL, h, &w);
	OSMEM_EXPECT_BLOCK(t, &w, 0, p, 104, OSMEM_BLOCK_FREE);
	CL->free(h, p);
	KEXPECT_EQ(t, osmem_tb_reports(), 1);
	if (KEXPECT_NOT_NULL(t, osmem_tb_report(0))) {
		KEXPECT_EQ(t, osmem_tb_report(0)->fault, OSMEM_FAULT_DOUBLE_FREE);
		KEXPECT_STREQ(t, osmem_tb_report(0)->op, "free");
	}
	CL_END(t);
}

/* b was merged into the free a before it by a malloc's merge pass: b is
 * now inside a free block, no block's start. */
KTEST(osmem_classic, realloc_of_block_merged_into_free_neighbour)
{
	struct osmem_walk w;
	char *a, *b, *c;

	CL_START(t);
	a = CL->malloc(h, 100);
	b = CL->malloc(h, 100);
	c = CL->malloc(h, 100);
	KASSERT_NOT_NULL(t, c);
	osmem_fill(c, 100, 17);
	CL->free(h, a);
	CL->free(h, b);
	KASSERT_NOT_NULL(t, CL->malloc(h, 1000));
	osmem_walk_collect(CL, h, &w);
	OSMEM_EXPECT_BLOCK(t, &w, 0, a, 104 + 32 + 104, OSMEM_BLOCK_FREE);
	OSMEM_EXPECT_BLOCK(t, &w, 1, c, 104, OSMEM_BLOCK_ALLOC);
	cl_expect_dead(t, h, b);
	KEXPECT(t, osmem_verify(c, 100, 17));
	CL_END(t);
}

/* a grew in place over the free b: b is inside the live a now. */
KTEST(osmem_classic, realloc_of_block_absorbed_by_a_live_block)
{
	char *a, *b, *c;

	CL_START(t);
	a = CL->malloc(h, 100);
	b = CL->malloc(h, 100);
	c = CL->malloc(h, 100);
	KASSERT_NOT_NULL(t, c);
	osmem_fill(a, 100, 18);
	osmem_fill(c, 100, 19);
	CL->free(h, b);
	KEXPECT_PTR_EQ(t, CL->realloc(h, a, 200), a);
	cl_expect_dead(t, h, b);
	KEXPECT(t, osmem_verify(a, 100, 18));
	KEXPECT_EQ(t, CL->usable_size(h, a), 200);
	KEXPECT(t, osmem_verify(c, 100, 19));
	CL_END(t);
}

/* a absorbed b and c, still fell short and moved: a (freed with what it
 * absorbed), b and c are all dead. */
KTEST(osmem_classic, realloc_of_block_that_absorbed_and_moved)
{
	char *a, *b, *c, *d, *q;

	CL_START(t);
	a = CL->malloc(h, 100);
	b = CL->malloc(h, 100);
	c = CL->malloc(h, 100);
	d = CL->malloc(h, 100);
	KASSERT_NOT_NULL(t, d);
	osmem_fill(d, 100, 20);
	CL->free(h, b);
	CL->free(h, c);
	q = CL->realloc(h, a, 1000);
	KASSERT_NOT_NULL(t, q);
	KEXPECT_PTR_NE(t, q, a);
	osmem_fill(q, 1000, 21);
	cl_expect_dead(t, h, a);
	cl_expect_dead(t, h, b);
	cl_expect_dead(t, h, c);
	KEXPECT(t, osmem_verify(q, 1000, 21));
	KEXPECT(t, osmem_verify(d, 100, 20));
	CL_END(t);
}

/* Pointers into the heap that no allocation ever returned: inside a live
 * block, inside the free rest of the preallocation, inside the first
 * header. */
KTEST(osmem_classic, realloc_of_never_allocated_heap_pointer)
{
	char *p;

	CL_START(t);
	p = CL->malloc(h, 100);
	KASSERT_NOT_NULL(t, p);
	osmem_fill(p, 100, 22);
	cl_expect_dead(t, h, p + 16);
	cl_expect_dead(t, h, CL_H(CL_PREALLOC - 64));
	cl_expect_dead(t, h, CL_H(8));
	KEXPECT(t, osmem_verify(p, 100, 22));
	KEXPECT_EQ(t, CL->usable_size(h, p), 104);
	CL_END(t);
}

/* A mapping given back, and a pointer inside a live one. free of the
 * first is still a double free. */
KTEST(osmem_classic, realloc_of_freed_mapping_returns_null)
{
	char *m, *live;

	CL_START(t);
	m = CL->malloc(h, 200000);
	live = CL->malloc(h, 200000);
	KASSERT_NOT_NULL(t, m);
	KASSERT_NOT_NULL(t, live);
	osmem_fill(live, 200000, 23);
	CL->free(h, m);
	cl_expect_dead(t, h, m);
	cl_expect_dead(t, h, live + 4096);
	KEXPECT(t, osmem_verify(live, 200000, 23));
	KEXPECT_EQ(t, osmem_tb_live_maps(), 1);
	CL->free(h, m);
	KEXPECT_EQ(t, osmem_tb_reports(), 1);
	if (KEXPECT_NOT_NULL(t, osmem_tb_report(0)))
		KEXPECT_EQ(t, osmem_tb_report(0)->fault, OSMEM_FAULT_DOUBLE_FREE);
	CL_END(t);
}

KTEST(osmem_classic, realloc_shrinks_in_place_and_splits)
{
	struct osmem_walk w;
	char *p;

	CL_START(t);
	p = CL->malloc(h, 1000);
	KASSERT_NOT_NULL(t, p);
	KASSERT_NOT_NULL(t, CL->malloc(h, 8));
	osmem_fill(p, 1000, 3);
	KEXPECT_PTR_EQ(t, CL->realloc(h, p, 100), p);
	KEXPECT(t, osmem_verify(p, 100, 3));
	osmem_walk_collect(CL, h, &w);
	OSMEM_EXPECT_BLOCK(t, &w, 0, p, 104, OSMEM_BLOCK_ALLOC);
	OSMEM_EXPECT_BLOCK(t, &w, 1, p + 136, 1000 - 104 - 32, OSMEM_BLOCK_FREE);
	KEXPECT_EQ(t, osmem_tb_ncalls(), 1);
	CL_END(t);
}

KTEST(osmem_classic, realloc_shrink_keeps_small_remainder)
{
	char *p;

	CL_START(t);
	p = CL->malloc(h, 100);
	KEXPECT_PTR_EQ(t, CL->realloc(h, p, 72), p);     /* 104 - 72 = 32 */
	KEXPECT_EQ(t, CL->usable_size(h, p), 104);
	KEXPECT_PTR_EQ(t, CL->realloc(h, p, 100), p);
	KEXPECT_EQ(t, osmem_tb_ncalls(), 1);
	CL_END(t);
}

KTEST(osmem_classic, realloc_grows_into_next_free_block)
{
	struct osmem_walk w;
	char *a, *b, *c;

	CL_START(t);
	a = CL->malloc(h, 100);
	b = CL->malloc(h, 100);
	c = CL->malloc(h, 100);
	KASSERT_NOT_NULL(t, c);
	osmem_fill(a, 100, 1);
	CL->free(h, b);
	KEXPECT_PTR_EQ(t, CL->realloc(h, a, 200), a);    /* 240 - 200 = 40 */
	KEXPECT(t, osmem_verify(a, 100, 1));
	osmem_walk_collect(CL, h, &w);
	OSMEM_EXPECT_BLOCK(t, &w, 0, a, 200, OSMEM_BLOCK_ALLOC);
	OSMEM_EXPECT_BLOCK(t, &w, 1, a + 232, 8, OSMEM_BLOCK_FREE);
	OSMEM_EXPECT_BLOCK(t, &w, 2, c, 104, OSMEM_BLOCK_ALLOC);
	KEXPECT_EQ(t, osmem_tb_ncalls(), 1);
	CL_END(t);
}

/* b alone is enough: c is not absorbed. */
KTEST(osmem_classic, realloc_absorbs_one_block_at_a_time)
{
	struct osmem_walk w;
	char *a, *b, *c, *d;

	CL_START(t);
	a = CL->malloc(h, 100);
	b = CL->malloc(h, 100);
	c = CL->malloc(h, 100);
	d = CL->malloc(h, 100);
	KASSERT_NOT_NULL(t, d);
	CL->free(h, b);
	CL->free(h, c);
	KEXPECT_PTR_EQ(t, CL->realloc(h, a, 200), a);
	osmem_walk_collect(CL, h, &w);
	OSMEM_EXPECT_BLOCK(t, &w, 0, a, 200, OSMEM_BLOCK_ALLOC);
	OSMEM_EXPECT_BLOCK(t, &w, 1, a + 232, 8, OSMEM_BLOCK_FREE);
	OSMEM_EXPECT_BLOCK(t, &w, 2, c, 104, OSMEM_BLOCK_FREE);
	OSMEM_EXPECT_BLOCK(t, &w, 3, d, 104, OSMEM_BLOCK_ALLOC);
	CL_END(t);
}

/* b and c are absorbed, are still not enough, and stay merged into the
 * block that is then freed when the data moves. */
KTEST(osmem_classic, realloc_absorbed_blocks_stay_merged)
{
	struct osmem_walk w;
	char *a, *b, *c, *d, *q;

	CL_START(t);
	a = CL->malloc(h, 100);
	b = CL->malloc(h, 100);
	c = CL->malloc(h, 100);
	d = CL->malloc(h, 100);
	KASSERT_NOT_NULL(t, d);
	osmem_fill(a, 100, 9);
	CL->free(h, b);
	CL->free(h, c);
	q = CL->realloc(h, a, 1000);
	KEXPECT_PTR_EQ(t, q, d + 104 + 32);
	KEXPECT(t, osmem_verify(q, 100, 9));
	osmem_walk_collect(CL, h, &w);
	OSMEM_EXPECT_BLOCK(t, &w, 0, a, 3 * 104 + 2 * 32, OSMEM_BLOCK_FREE);
	OSMEM_EXPECT_BLOCK(t, &w, 1, d, 104, OSMEM_BLOCK_ALLOC);
	OSMEM_EXPECT_BLOCK(t, &w, 2, q, 1000, OSMEM_BLOCK_ALLOC);
	KEXPECT_EQ(t, osmem_tb_ncalls(), 1);
	CL_END(t);
}

/* The last block grows by moving the break by just what is missing. */
KTEST(osmem_classic, realloc_of_last_block_grows_the_break)
{
	char *b;

	CL_START(t);
	KASSERT_NOT_NULL(t, CL->malloc(h, 100));
	b = CL->malloc(h, CL_PREALLOC - 136 - 32);       /* exact fit: last */
	KASSERT_NOT_NULL(t, b);
	osmem_fill(b, CL_PREALLOC - 168, 4);
	KEXPECT_PTR_EQ(t, CL->realloc(h, b, CL_PREALLOC - 168 + 16), b);
	OSMEM_EXPECT_EXTEND(t, 1, 16, CL_PREALLOC);
	KEXPECT_EQ(t, osmem_tb_ncalls(), 2);
	KEXPECT_EQ(t, CL->usable_size(h, b), CL_PREALLOC - 168 + 16);
	KEXPECT(t, osmem_verify(b, CL_PREALLOC - 168, 4));
	CL_END(t);
}

/*
 * q absorbs the free r after it and is then last, but it was not last when
 * the call began: still short of 3000 (it has 1000 + 32 + 1000 = 2032), it
 * does not move the break by the 968 missing. It moves where malloc(3000)
 * goes: no free block fits, so new heap space, one extension of
 * 32 + 3000 at the old break. q, with r merged in it, is freed after the
 * copy.
 */
KTEST(osmem_classic, realloc_absorbs_then_moves_to_new_heap_space)
{
	struct osmem_walk w;
	char *big, *q, *r, *n;

	CL_START(t);
	big = CL->malloc(h, CL_THRESHOLD - 40);          /* fills the preallocation */
	q = CL->malloc(h, 1000);
	r = CL->malloc(h, 1000);
	KASSERT_NOT_NULL(t, r);
	OSMEM_EXPECT_EXTEND(t, 1, 1032, CL_PREALLOC);
	OSMEM_EXPECT_EXTEND(t, 2, 1032, CL_PREALLOC + 1032);
	osmem_fill(q, 1000, 27);
	CL->free(h, r);
	n = CL->realloc(h, q, 3000);
	KEXPECT_PTR_EQ(t, n, CL_H(CL_PREALLOC + 2064 + 32));
	KEXPECT_EQ(t, osmem_tb_ncalls(), 4);
	OSMEM_EXPECT_EXTEND(t, 3, 32 + 3000, CL_PREALLOC + 2064);
	KEXPECT_EQ(t, osmem_tb_brk(), CL_PREALLOC + 2064 + 32 + 3000);
	KEXPECT(t, osmem_verify(n, 1000, 27));
	KEXPECT_EQ(t, CL->usable_size(h, n), 3000);
	osmem_walk_collect(CL, h, &w);
	KEXPECT_EQ(t, w.n, 3);
	OSMEM_EXPECT_BLOCK(t, &w, 0, big, CL_PREALLOC - 32, OSMEM_BLOCK_ALLOC);
	OSMEM_EXPECT_BLOCK(t, &w, 1, q, 1000 + 32 + 1000, OSMEM_BLOCK_FREE);
	OSMEM_EXPECT_BLOCK(t, &w, 2, n, 3000, OSMEM_BLOCK_ALLOC);
	CL_END(t);
}

/* The same with a free 4000-byte hole before q: q moves into it (best
 * fit, split: 4000 - 3000 - 32 = 968 stay free) and the break does not
 * move at all. */
KTEST(osmem_classic, realloc_absorbs_then_moves_to_best_fit)
{
	struct osmem_walk w;
	char *big, *hole, *q, *r, *n;

	CL_START(t);
	big = CL->malloc(h, CL_THRESHOLD - 40);          /* fills the preallocation */
	hole = CL->malloc(h, 4000);
	q = CL->malloc(h, 1000);
	r = CL->malloc(h, 1000);
	KASSERT_NOT_NULL(t, r);
	KEXPECT_PTR_EQ(t, hole, CL_H(CL_PREALLOC + 32));
	osmem_fill(q, 1000, 28);
	CL->free(h, hole);
	CL->free(h, r);
	n = CL->realloc(h, q, 3000);
	KEXPECT_PTR_EQ(t, n, hole);
	KEXPECT_EQ(t, osmem_tb_ncalls(), 4);
	KEXPECT_EQ(t, osmem_tb_brk(), CL_PREALLOC + 4032 + 2 * 1032);
	KEXPECT(t, osmem_verify(n, 1000, 28));
	osmem_walk_collect(CL, h, &w);
	KEXPECT_EQ(t, w.n, 4);
	OSMEM_EXPECT_BLOCK(t, &w, 0, big, CL_PREALLOC - 32, OSMEM_BLOCK_ALLOC);
	OSMEM_EXPECT_BLOCK(t, &w, 1, hole, 3000, OSMEM_BLOCK_ALLOC);
	OSMEM_EXPECT_BLOCK(t, &w, 2, hole + 3032, 968, OSMEM_BLOCK_FREE);
	OSMEM_EXPECT_BLOCK(t, &w, 3, q, 1000 + 32 + 1000, OSMEM_BLOCK_FREE);
	CL_END(t);
}

KTEST(osmem_classic, realloc_moves_to_best_fit)
{
	struct osmem_walk w;
	char *a, *hole, *q;

	CL_START(t);
	a = CL->malloc(h, 100);
	KASSERT_NOT_NULL(t, CL->malloc(h, 8));
	hole = CL->malloc(h, 500);
	KASSERT_NOT_NULL(t, CL->malloc(h, 8));
	osmem_fill(a, 100, 5);
	CL->free(h, hole);
	q = CL->realloc(h, a, 400);
	KEXPECT_PTR_EQ(t, q, hole);
	KEXPECT(t, osmem_verify(q, 100, 5));
	osmem_walk_collect(CL, h, &w);
	OSMEM_EXPECT_BLOCK(t, &w, 0, a, 104, OSMEM_BLOCK_FREE);
	OSMEM_EXPECT_BLOCK(t, &w, 2, hole, 400, OSMEM_BLOCK_ALLOC);
	OSMEM_EXPECT_BLOCK(t, &w, 3, hole + 432, 504 - 400 - 32, OSMEM_BLOCK_FREE);
	KEXPECT_EQ(t, osmem_tb_ncalls(), 1);
	CL_END(t);
}

KTEST(osmem_classic, realloc_moves_to_new_heap_space)
{
	struct osmem_walk w;
	char *a, *q;

	CL_START(t);
	KASSERT_NOT_NULL(t, CL->malloc(h, CL_THRESHOLD - 40));
	a = CL->malloc(h, 100);
	KASSERT_NOT_NULL(t, CL->malloc(h, 100));
	osmem_fill(a, 100, 6);
	q = CL->realloc(h, a, 200);
	KEXPECT_PTR_EQ(t, q, CL_H(CL_PREALLOC + 272 + 32));
	OSMEM_EXPECT_EXTEND(t, 3, 232, CL_PREALLOC + 272);
	KEXPECT(t, osmem_verify(q, 100, 6));
	osmem_walk_collect(CL, h, &w);
	OSMEM_EXPECT_BLOCK(t, &w, 1, a, 104, OSMEM_BLOCK_FREE);
	CL_END(t);
}

/* Moving may also grow a free last block by the missing amount. */
KTEST(osmem_classic, realloc_moves_into_grown_last_block)
{
	char *a, *q;

	CL_START(t);
	a = CL->malloc(h, 100);
	KASSERT_NOT_NULL(t, CL->malloc(h, 8));
	/* free last block: 131072 - 208 = 130864 bytes at +208 */
	q = CL->realloc(h, a, 131000);
	KEXPECT_PTR_EQ(t, q, CL_H(208));
	OSMEM_EXPECT_EXTEND(t, 1, 131000 - 130864, CL_PREALLOC);
	KEXPECT_EQ(t, osmem_tb_ncalls(), 2);
	CL_END(t);
}

KTEST(osmem_classic, realloc_heap_block_to_threshold_maps)
{
	struct osmem_walk w;
	char *p, *q;

	CL_START(t);
	p = CL->malloc(h, 100);
	KASSERT_NOT_NULL(t, p);
	osmem_fill(p, 100, 8);
	q = CL->realloc(h, p, CL_THRESHOLD - 32);
	KASSERT_NOT_NULL(t, q);
	KEXPECT_EQ(t, osmem_tb_ncalls(), 2);
	OSMEM_EXPECT_MAP(t, 1, CL_THRESHOLD);
	KEXPECT_PTR_EQ(t, q - 32, osmem_tb_call(1)->ptr);
	KEXPECT(t, osmem_verify(q, 100, 8));
	osmem_walk_collect(CL, h, &w);
	OSMEM_EXPECT_BLOCK(t, &w, 0, p, 104, OSMEM_BLOCK_FREE);
	CL_END(t);
}

/* Shrinking a mapping: map the new one, copy, then unmap the old. */
KTEST(osmem_classic, realloc_mapped_shrink_maps_first_then_unmaps)
{
	char *p, *q;

	CL_START(t);
	p = CL->malloc(h, 200000);
	KASSERT_NOT_NULL(t, p);
	osmem_fill(p, 200000, 11);
	q = CL->realloc(h, p, 150000);
	KASSERT_NOT_NULL(t, q);
	KEXPECT_PTR_NE(t, q, p);
	KEXPECT_EQ(t, osmem_tb_ncalls(), 3);
	OSMEM_EXPECT_MAP(t, 1, 150032);
	OSMEM_EXPECT_UNMAP(t, 2, p - 32, 200032);
	KEXPECT(t, osmem_verify(q, 150000, 11));
	CL_END(t);
}

KTEST(osmem_classic, realloc_mapped_to_small_moves_to_heap)
{
	char *p, *q;

	CL_START(t);
	p = CL->malloc(h, 200000);
	KASSERT_NOT_NULL(t, p);
	osmem_fill(p, 100, 12);
	q = CL->realloc(h, p, 100);
	KEXPECT_PTR_EQ(t, q, CL_H(32));
	KEXPECT_EQ(t, osmem_tb_ncalls(), 3);
	OSMEM_EXPECT_EXTEND(t, 1, CL_PREALLOC, 0);
	OSMEM_EXPECT_UNMAP(t, 2, p - 32, 200032);
	KEXPECT(t, osmem_verify(q, 100, 12));
	CL_END(t);
}

KTEST(osmem_classic, realloc_mapped_same_size_still_moves)
{
	char *p, *q;

	CL_START(t);
	p = CL->malloc(h, 200000);
	KASSERT_NOT_NULL(t, p);
	osmem_fill(p, 200000, 13);
	q = CL->realloc(h, p, 200000);
	KEXPECT_PTR_NE(t, q, p);
	OSMEM_EXPECT_MAP(t, 1, 200032);
	OSMEM_EXPECT_UNMAP(t, 2, p - 32, 200032);
	KEXPECT(t, osmem_verify(q, 200000, 13));
	CL_END(t);
}

KTEST(osmem_classic, realloc_mapped_grow_maps_first_then_unmaps)
{
	char *p, *q;

	CL_START(t);
	p = CL->malloc(h, 200000);
	KASSERT_NOT_NULL(t, p);
	osmem_fill(p, 200000, 14);
	q = CL->realloc(h, p, 300000);
	KASSERT_NOT_NULL(t, q);
	OSMEM_EXPECT_MAP(t, 1, 300032);
	OSMEM_EXPECT_UNMAP(t, 2, p - 32, 200032);
	KEXPECT(t, osmem_verify(q, 200000, 14));
	KEXPECT_EQ(t, osmem_tb_count(OSMEM_TB_REMAP), 0);
	CL_END(t);
}

KTEST(osmem_classic, realloc_overflow_returns_null_and_keeps_block)
{
	char *p;

	CL_START(t);
	p = CL->malloc(h, 100);
	KASSERT_NOT_NULL(t, p);
	osmem_fill(p, 100, 15);
	KEXPECT_NULL(t, CL->realloc(h, p, SIZE_MAX));
	KEXPECT_NULL(t, CL->realloc(h, p, SIZE_MAX - 31));
	KEXPECT_EQ(t, osmem_tb_ncalls(), 1);
	KEXPECT(t, osmem_verify(p, 100, 15));
	KEXPECT_EQ(t, CL->usable_size(h, p), 104);
	CL_END(t);
}

/* Not this heap's memory: NULL, quietly, and nothing written there. */
KTEST(osmem_classic, realloc_of_foreign_pointer_returns_null)
{
	long local[8] = { 0 };
	char *p;

	CL_START(t);
	p = CL->malloc(h, 100);
	KASSERT_NOT_NULL(t, p);
	osmem_fill(p, 100, 24);
	cl_expect_dead(t, h, &local[4]);
	cl_expect_dead(t, h, (void *)1);
	for (int i = 0; i < 8; i++)
		KEXPECT_EQ(t, local[i], 0);
	KEXPECT(t, osmem_verify(p, 100, 24));
	KEXPECT_EQ(t, osmem_tb_ncalls(), 1);
	CL_END(t);
}
