/* SPDX-License-Identifier: MIT */
/*
 * osmem_classic: every backend call can fail. The allocator returns NULL,
 * changes nothing (live blocks intact, the heap as before), makes no
 * second attempt, and works again once the backend does.
 */
#include "mm/osmem/tests/classic_tests.h"

KTEST(osmem_classic, oom_first_extend_keeps_heap_unused)
{
	struct osmem_walk w;

	CL_START(t);
	osmem_tb_fail_at(1);
	KEXPECT_NULL(t, CL->malloc(h, 100));
	KEXPECT_EQ(t, osmem_tb_ncalls(), 1);
	osmem_walk_collect(CL, h, &w);
	KEXPECT_EQ(t, w.n, 0);
	/* the next heap use is still the first: 128 KiB again */
	KEXPECT_PTR_EQ(t, CL->malloc(h, 100), CL_H(32));
	OSMEM_EXPECT_EXTEND(t, 1, CL_PREALLOC, 0);
	CL_END(t);
}

KTEST(osmem_classic, oom_map_returns_null)
{
	struct osmem_stats st;

	CL_START(t);
	osmem_tb_fail_at(1);
	KEXPECT_NULL(t, CL->malloc(h, 200000));
	CL->stats(h, &st);
	KEXPECT_EQ(t, st.mapped_blocks, 0);
	KEXPECT_EQ(t, osmem_tb_live_maps(), 0);
	KASSERT_NOT_NULL(t, CL->malloc(h, 200000));
	KEXPECT_EQ(t, osmem_tb_live_maps(), 1);
	CL_END(t);
}

KTEST(osmem_classic, oom_growing_last_block_keeps_it)
{
	struct osmem_walk w;
	char *p;

	CL_START(t);
	p = CL->malloc(h, 100);
	KASSERT_NOT_NULL(t, p);
	osmem_fill(p, 100, 21);
	osmem_tb_fail_at(2);
	KEXPECT_NULL(t, CL->malloc(h, 131000));
	KEXPECT_EQ(t, osmem_tb_ncalls(), 2);
	KEXPECT_EQ(t, osmem_tb_brk(), CL_PREALLOC);
	osmem_walk_collect(CL, h, &w);
	OSMEM_EXPECT_BLOCK(t, &w, 1, CL_H(168), 130904, OSMEM_BLOCK_FREE);
	KEXPECT(t, osmem_verify(p, 100, 21));
	KEXPECT_PTR_EQ(t, CL->malloc(h, 131000), CL_H(168));
	OSMEM_EXPECT_EXTEND(t, 2, 96, CL_PREALLOC);
	CL_END(t);
}

KTEST(osmem_classic, oom_new_block_keeps_heap)
{
	struct osmem_walk w;

	CL_START(t);
	KASSERT_NOT_NULL(t, CL->malloc(h, CL_THRESHOLD - 40));
	osmem_tb_fail_at(2);
	KEXPECT_NULL(t, CL->malloc(h, 100));
	osmem_walk_collect(CL, h, &w);
	KEXPECT_EQ(t, w.n, 1);
	KEXPECT_EQ(t, osmem_tb_brk(), CL_PREALLOC);
	KEXPECT_PTR_EQ(t, CL->malloc(h, 100), CL_H(CL_PREALLOC + 32));
	CL_END(t);
}

KTEST(osmem_classic, oom_break_limit)
{
	CL_START(t);
	osmem_tb_set_limit(CL_PREALLOC);
	KASSERT_NOT_NULL(t, CL->malloc(h, CL_THRESHOLD - 40));
	KEXPECT_NULL(t, CL->malloc(h, 100));
	KEXPECT_EQ(t, osmem_tb_brk(), CL_PREALLOC);
	CL_END(t);
}

KTEST(osmem_classic, oom_calloc_returns_null)
{
	CL_START(t);
	osmem_tb_fail_from(1);
	KEXPECT_NULL(t, CL->calloc(h, 1, 4080));
	KEXPECT_NULL(t, CL->calloc(h, 1, 100));
	KEXPECT_EQ(t, osmem_tb_ncalls(), 2);
	osmem_tb_fail_none();
	KASSERT_NOT_NULL(t, CL->calloc(h, 1, 100));
	CL_END(t);
}

/* The new mapping fails: no unmap, the old block is as it was. */
KTEST(osmem_classic, oom_realloc_mapped_keeps_old_mapping)
{
	char *p;

	CL_START(t);
	p = CL->malloc(h, 200000);
	KASSERT_NOT_NULL(t, p);
	osmem_fill(p, 200000, 22);
	osmem_tb_fail_at(2);
	KEXPECT_NULL(t, CL->realloc(h, p, 300000));
	KEXPECT_EQ(t, osmem_tb_ncalls(), 2);
	KEXPECT(t, osmem_verify(p, 200000, 22));
	CL->free(h, p);
	OSMEM_EXPECT_UNMAP(t, 2, p - 32, 200032);
	CL_END(t);
}

KTEST(osmem_classic, oom_realloc_mapped_to_heap_keeps_old_mapping)
{
	char *p;

	CL_START(t);
	p = CL->malloc(h, 200000);
	KASSERT_NOT_NULL(t, p);
	osmem_fill(p, 200000, 23);
	osmem_tb_fail_at(2);
	KEXPECT_NULL(t, CL->realloc(h, p, 100));
	KEXPECT_EQ(t, osmem_tb_count(OSMEM_TB_UNMAP), 0);
	KEXPECT(t, osmem_verify(p, 200000, 23));
	KEXPECT_EQ(t, CL->usable_size(h, p), 200000);
	CL_END(t);
}

KTEST(osmem_classic, oom_realloc_heap_to_mapping_keeps_block)
{
	struct osmem_walk w;
	char *p;

	CL_START(t);
	p = CL->malloc(h, 100);
	KASSERT_NOT_NULL(t, p);
	osmem_fill(p, 100, 24);
	osmem_tb_fail_at(2);
	KEXPECT_NULL(t, CL->realloc(h, p, 200000));
	osmem_walk_collect(CL, h, &w);
	OSMEM_EXPECT_BLOCK(t, &w, 0, p, 104, OSMEM_BLOCK_ALLOC);
	KEXPECT(t, osmem_verify(p, 100, 24));
	CL_END(t);
}

/* The break will not move for the last block: NULL, and no second try
 * through a move to new heap space. */
KTEST(osmem_classic, oom_realloc_last_block_tries_once)
{
	char *b;

	CL_START(t);
	KASSERT_NOT_NULL(t, CL->malloc(h, 100));
	b = CL->malloc(h, CL_PREALLOC - 168);
	KASSERT_NOT_NULL(t, b);
	osmem_fill(b, CL_PREALLOC - 168, 25);
	osmem_tb_fail_from(2);
	KEXPECT_NULL(t, CL->realloc(h, b, CL_PREALLOC - 168 + 16));
	KEXPECT_EQ(t, osmem_tb_ncalls(), 2);
	KEXPECT_EQ(t, CL->usable_size(h, b), CL_PREALLOC - 168);
	KEXPECT(t, osmem_verify(b, CL_PREALLOC - 168, 25));
	CL_END(t);
}

KTEST(osmem_classic, oom_realloc_move_keeps_block)
{
	char *a;

	CL_START(t);
	KASSERT_NOT_NULL(t, CL->malloc(h, CL_THRESHOLD - 40));
	a = CL->malloc(h, 100);
	KASSERT_NOT_NULL(t, CL->malloc(h, 100));
	osmem_fill(a, 100, 26);
	osmem_tb_fail_at(4);
	KEXPECT_NULL(t, CL->realloc(h, a, 200));
	KEXPECT_EQ(t, CL->usable_size(h, a), 104);
	KEXPECT(t, osmem_verify(a, 100, 26));
	KEXPECT_EQ(t, osmem_tb_brk(), CL_PREALLOC + 272);
	CL_END(t);
}

/* An unmap the home refuses is reported; the block stays a live mapping
 * (consistent, merely leaked) and a later free can still give it back. */
KTEST(osmem_classic, oom_unmap_failure_is_reported)
{
	struct osmem_stats st;
	char *p;

	CL_START(t);
	p = CL->malloc(h, 200000);
	KASSERT_NOT_NULL(t, p);
	osmem_tb_fail_at(2);
	CL->free(h, p);
	KEXPECT_EQ(t, osmem_tb_reports(), 1);
	CL->stats(h, &st);
	KEXPECT_EQ(t, st.mapped_blocks, 1);
	KEXPECT_EQ(t, CL->check(h), 0);
	CL->free(h, p);
	KEXPECT_EQ(t, osmem_tb_live_maps(), 0);
	CL_END(t);
}

/* Someone else moved the break: new space would not follow the heap, so
 * the allocator says so, gives its extension back and returns NULL. */
KTEST(osmem_classic, break_moved_behind_the_allocator_is_refused)
{
	CL_START(t);
	KASSERT_NOT_NULL(t, CL->malloc(h, CL_THRESHOLD - 40));
	osmem_tb_move_break(4096);
	KEXPECT_NULL(t, CL->malloc(h, 100));
	KEXPECT_EQ(t, osmem_tb_reports(), 1);
	KEXPECT_EQ(t, osmem_tb_brk(), CL_PREALLOC + 4096);
	KEXPECT_EQ(t, CL->check(h), 0);
	CL_END(t);
}
