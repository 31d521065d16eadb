/* SPDX-License-Identifier: MIT */
/*
 * osmem_classic: check(), stats(), walk(), usable_size(), memalign(),
 * init() and the locking rule.
 */
#include "mm/osmem/tests/classic_tests.h"

KTEST(osmem_classic, check_passes_on_a_mixed_heap)
{
	void *a, *b;

	CL_START(t);
	KEXPECT_EQ(t, CL->check(h), 0);
	a = CL->malloc(h, 100);
	b = CL->malloc(h, 300000);
	KASSERT_NOT_NULL(t, CL->malloc(h, 50));
	KEXPECT_EQ(t, CL->check(h), 0);
	CL->free(h, a);
	CL->free(h, b);
	KEXPECT_EQ(t, CL->check(h), 0);
	KEXPECT_EQ(t, osmem_tb_reports(), 0);
	CL_END(t);
}

KTEST(osmem_classic, check_catches_a_bad_size)
{
	char *p;

	CL_START(t);
	p = CL->malloc(h, 100);
	KASSERT_NOT_NULL(t, CL->malloc(h, 100));
	CL_HDR(p)->size = 96;
	KEXPECT_EQ(t, CL->check(h), -1);
	KEXPECT_EQ(t, osmem_tb_reports(), 1);
	CL_HDR(p)->size = 101;
	KEXPECT_EQ(t, CL->check(h), -1);
	CL_HDR(p)->size = 104;
	KEXPECT_EQ(t, CL->check(h), 0);
	CL_END(t);
}

KTEST(osmem_classic, check_catches_a_bad_link)
{
	char *p, *q;

	CL_START(t);
	p = CL->malloc(h, 100);
	q = CL->malloc(h, 100);
	KASSERT_NOT_NULL(t, q);
	CL_HDR(q)->prev = NULL;
	KEXPECT_EQ(t, CL->check(h), -1);
	CL_HDR(q)->prev = CL_HDR(p);
	KEXPECT_EQ(t, CL->check(h), 0);
	CL_END(t);
}

KTEST(osmem_classic, check_catches_a_bad_status)
{
	char *p, *m;

	CL_START(t);
	p = CL->malloc(h, 100);
	m = CL->malloc(h, 200000);
	KASSERT_NOT_NULL(t, m);
	CL_HDR(p)->status = STATUS_MAPPED;
	KEXPECT_EQ(t, CL->check(h), -1);
	CL_HDR(p)->status = STATUS_ALLOC;
	CL_HDR(m)->status = STATUS_ALLOC;
	KEXPECT_EQ(t, CL->check(h), -1);
	CL_HDR(m)->status = STATUS_MAPPED;
	KEXPECT_EQ(t, CL->check(h), 0);
	CL_END(t);
}

KTEST(osmem_classic, stats_counts_exactly)
{
	struct osmem_stats st;
	void *a, *m;

	CL_START(t);
	a = CL->malloc(h, 100);
	KASSERT_NOT_NULL(t, CL->malloc(h, 200));
	m = CL->malloc(h, 200000);
	KASSERT_NOT_NULL(t, CL->malloc(h, 300000));
	CL->free(h, a);
	CL->free(h, m);
	CL->stats(h, &st);
	KEXPECT_EQ(t, st.heap_bytes, CL_PREALLOC);
	KEXPECT_EQ(t, st.bytes_in_use, 200);
	KEXPECT_EQ(t, st.blocks_in_use, 1);
	KEXPECT_EQ(t, st.blocks_free, 2);
	KEXPECT_EQ(t, st.bytes_free, 104 + CL_PREALLOC - 136 - 232 - 32);
	KEXPECT_EQ(t, st.largest_free, CL_PREALLOC - 136 - 232 - 32);
	KEXPECT_EQ(t, st.mapped_blocks, 1);
	KEXPECT_EQ(t, st.mapped_bytes, 300032);
	KEXPECT_EQ(t, st.heap_extend_calls, 1);
	KEXPECT_EQ(t, st.map_calls, 2);
	KEXPECT_EQ(t, st.unmap_calls, 1);
	CL_END(t);
}

KTEST(osmem_classic, walk_lists_heap_in_address_order_then_mappings)
{
	struct osmem_walk w;
	char *a, *b, *m;

	CL_START(t);
	a = CL->malloc(h, 100);
	m = CL->malloc(h, 200000);
	b = CL->malloc(h, 40);
	KASSERT_NOT_NULL(t, b);
	CL->free(h, a);
	osmem_walk_collect(CL, h, &w);
	KEXPECT_EQ(t, w.n, 4);
	OSMEM_EXPECT_BLOCK(t, &w, 0, a, 104, OSMEM_BLOCK_FREE);
	OSMEM_EXPECT_BLOCK(t, &w, 1, b, 40, OSMEM_BLOCK_ALLOC);
	OSMEM_EXPECT_BLOCK(t, &w, 2, b + 72, CL_PREALLOC - 136 - 72 - 32, OSMEM_BLOCK_FREE);
	OSMEM_EXPECT_BLOCK(t, &w, 3, m, 200000, OSMEM_BLOCK_MAPPED);
	CL_END(t);
}

KTEST(osmem_classic, usable_size_is_the_block_size)
{
	char *p, *m;

	CL_START(t);
	p = CL->malloc(h, 100);
	m = CL->malloc(h, 200001);
	KEXPECT_EQ(t, CL->usable_size(h, p), 104);
	KEXPECT_EQ(t, CL->usable_size(h, m), 200008);
	KEXPECT_EQ(t, CL->usable_size(h, NULL), 0);
	CL->free(h, p);
	KEXPECT_EQ(t, CL->usable_size(h, p), 0);
	CL_END(t);
}

/* Only alignments every payload already has (<= 8) are supported. */
KTEST(osmem_classic, memalign_serves_up_to_8)
{
	void *p;

	CL_START(t);
	KEXPECT_NULL(t, CL->memalign(h, 16, 100));
	KEXPECT_NULL(t, CL->memalign(h, 4096, 100));
	KEXPECT_NULL(t, CL->memalign(h, 3, 100));
	KEXPECT_EQ(t, osmem_tb_ncalls(), 0);
	p = CL->memalign(h, 8, 100);
	KEXPECT_PTR_EQ(t, p, CL_H(32));
	KEXPECT_PTR_EQ(t, CL->memalign(h, 1, 10), CL_H(168));
	CL_END(t);
}

KTEST(osmem_classic, init_forgets_every_block)
{
	struct osmem_walk w;
	struct osmem_stats st;

	CL_START(t);
	KASSERT_NOT_NULL(t, CL->malloc(h, 100));
	KASSERT_NOT_NULL(t, CL->malloc(h, 200000));
	OSMEM_RESTART(t, CL);
	KEXPECT_EQ(t, osmem_tb_ncalls(), 0);
	KEXPECT_EQ(t, osmem_tb_locks(), 0);
	osmem_walk_collect(CL, h, &w);
	KEXPECT_EQ(t, w.n, 0);
	CL->stats(h, &st);
	KEXPECT_EQ(t, st.heap_bytes + st.mapped_blocks + st.heap_extend_calls, 0);
	KEXPECT_PTR_EQ(t, CL->malloc(h, 100), CL_H(32));
	OSMEM_EXPECT_EXTEND(t, 0, CL_PREALLOC, 0);
	CL_END(t);
}

static void cl_count_block(void *payload, size_t size, enum osmem_block_kind kind,
			   void *arg)
{
	(void)payload;
	(void)size;
	(void)kind;
	(*(int *)arg)++;
}

/* Each public entry takes the lock once and every backend call happens
 * under it. */
KTEST(osmem_classic, every_entry_takes_the_lock_once)
{
	struct osmem_stats st;
	unsigned before;
	void *p, *m;
	int n = 0;

	CL_START(t);
	p = CL->malloc(h, 100);
	KEXPECT_EQ(t, osmem_tb_locks(), 1);
	m = CL->calloc(h, 1, 200000);
	KEXPECT_EQ(t, osmem_tb_locks(), 2);
	m = CL->realloc(h, m, 300000);
	KEXPECT_EQ(t, osmem_tb_locks(), 3);
	before = osmem_tb_locks();
	CL->usable_size(h, p);
	CL->stats(h, &st);
	CL->check(h);
	CL->walk(h, cl_count_block, &n);
	CL->memalign(h, 8, 10);
	CL->free(h, m);
	CL->free(h, p);
	KEXPECT_EQ(t, osmem_tb_locks(), before + 7);
	for (unsigned i = 0; i < osmem_tb_ncalls(); i++)
		KEXPECT(t, osmem_tb_call(i)->locked);
	KEXPECT_EQ(t, osmem_tb_lock_errors(), 0);
	KEXPECT_EQ(t, osmem_tb_lock_held(), 0);
	KEXPECT_EQ(t, n, 3);
	CL_END(t);
}
