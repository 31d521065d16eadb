/* SPDX-License-Identifier: MIT */
/*
 * A heap's remote-free stack (suite osmem_cache_remote, both homes;
 * mm/osmem/cache_remote.c): pushes counted as cached and seen by check(),
 * a drain onto the owner's lists at its refill and to the core at a
 * flush, the pusher's drain past the bound, the double-free search
 * through the stack, an overwritten link, the fork child's recount.
 *
 * The owner is a static cache attached to the test heap; the pusher a
 * zeroed cache attached to no heap (as a thread of another arena is to
 * this one). Every case ends with check() passing (OSMEM_END), which
 * walks the stack too.
 */
#include "mm/osmem/tests/cache_tests.h"

static const struct osmem_allocator *const a = &osmem_fast;

static struct osmem_cache owner, pusher;


static struct osmem_stats tstats(struct osmem_heap *h)
{
	struct osmem_stats st;

	a->stats(h, &st);
	return st;
}

/* A push from "another arena's thread". */
static bool tpush(struct osmem_heap *h, void *p)
{
	memset(&pusher, 0, sizeof(pusher));
	return osmem_cache_remote_free(&pusher, h, p, OSMEM_OP_FREE);
}

static size_t tremote(struct osmem_heap *h, size_t *bytes)
{
	size_t b, n = osmem_cache_remote_blocks(osmem_cache_heap(h), &b);

	if (bytes)
		*bytes = b;
	return n;
}

/* Pushed blocks are cached, not in use, and on the stack; the owner's
 * refill takes them (its list, not the core), the stack empty after. */
KTEST(osmem_cache_remote, a_push_is_cached_and_the_refill_takes_it_back)
{
	struct osmem_stats before, mid, after;
	void *p[10], *q;
	unsigned back = 0;
	size_t bytes;

	OSMEM_START(t, a);
	KASSERT(t, tattach(t, &owner, h));
	for (int i = 0; i < 10; i++)
		p[i] = a->malloc(h, 200);
	before = tstats(h);
	for (int i = 0; i < 10; i++)
		KEXPECT(t, tpush(h, p[i]));
	mid = tstats(h);
	KEXPECT_EQ(t, tremote(h, &bytes), 10);
	KEXPECT_EQ(t, bytes, 10 * 200);
	KEXPECT_EQ(t, mid.blocks_cached, before.blocks_cached + 10);
	KEXPECT_EQ(t, mid.bytes_cached, before.bytes_cached + 10 * 200);
	KEXPECT_EQ(t, mid.blocks_in_use, before.blocks_in_use - 10);
	KEXPECT_EQ(t, mid.bytes_in_use, before.bytes_in_use - 10 * 200);
	for (int i = 0; i < 10; i++)
		KEXPECT(t, osmem_cache_remote_has(osmem_cache_heap(h), p[i]));
	KEXPECT_EQ(t, a->check(h), 0);
	/* The owner's list of 208-byte blocks is empty: its refill drains. */
	for (int i = 0; i < 10; i++) {
		q = tmalloc(&owner, h, 200);
		for (int j = 0; j < 10; j++)
			back += q == p[j];
		p[i] = q;
	}
	KEXPECT_EQ(t, back, 10);
	KEXPECT_EQ(t, tremote(h, NULL), 0);
	after = tstats(h);
	KEXPECT_EQ(t, after.blocks_in_use, before.blocks_in_use);
	KEXPECT_EQ(t, after.blocks_cached, before.blocks_cached);
	for (int i = 0; i < 10; i++)
		tfree(&owner, h, p[i]);
	osmem_cache_detach(&owner);
	OSMEM_END(t, a);
}

/* A flush gives the stack to the core: nothing cached, the heap as
 * before the blocks were made. */
KTEST(osmem_cache_remote, a_flush_drains_the_stack_to_the_core)
{
	struct osmem_stats before, after;
	void *p[5];

	OSMEM_START(t, a);
	KASSERT(t, tattach(t, &owner, h));
	a->free(h, a->malloc(h, 1));
	before = tstats(h);
	for (int i = 0; i < 5; i++)
		p[i] = a->malloc(h, 40 + 100 * (size_t)i);
	for (int i = 0; i < 5; i++)
		tpush(h, p[i]);
	KEXPECT_EQ(t, osmem_cache_flush(&owner), 5);
	KEXPECT_EQ(t, tremote(h, NULL), 0);
	after = tstats(h);
	KEXPECT_EQ(t, after.blocks_cached, 0);
	KEXPECT_EQ(t, after.blocks_in_use, before.blocks_in_use);
	KEXPECT_EQ(t, after.bytes_free, before.bytes_free);
	osmem_cache_detach(&owner);
	OSMEM_END(t, a);
}

/* Past the hard bound the pusher drains the stack itself: it never
 * holds more than OSMEM_CACHE_REMOTE_MAX blocks. */
KTEST(osmem_cache_remote, the_pusher_drains_past_the_bound)
{
	enum { N = OSMEM_CACHE_REMOTE_MAX + 40 };
	static void *p[N];
	size_t most = 0, n;

	OSMEM_START(t, a);
	for (int i = 0; i < N; i++)
		p[i] = a->malloc(h, 24);
	for (int i = 0; i < N; i++) {
		tpush(h, p[i]);
		n = tremote(h, NULL);
		most = n > most ? n : most;
	}
	KEXPECT_EQ(t, most, OSMEM_CACHE_REMOTE_MAX);
	KEXPECT_EQ(t, tremote(h, NULL), N - OSMEM_CACHE_REMOTE_MAX - 1);
	KEXPECT_EQ(t, tstats(h).blocks_cached, N - OSMEM_CACHE_REMOTE_MAX - 1);
	KEXPECT_EQ(t, osmem_cache_remote_drain(NULL, h, false),
		   N - OSMEM_CACHE_REMOTE_MAX - 1);
	KEXPECT_EQ(t, tstats(h).blocks_in_use, 0);
	OSMEM_END(t, a);
}

/* A second free of a block on the stack, by another thread or by the
 * owner, is a double free naming the block's size; the stack holds it
 * once. */
KTEST(osmem_cache_remote, a_double_free_through_the_stack_is_reported)
{
	const struct osmem_report *r;
	unsigned before;
	void *p, *q;

	OSMEM_START(t, a);
	KASSERT(t, tattach(t, &owner, h));
	p = a->malloc(h, 200);
	q = a->malloc(h, 40);
	tpush(h, p);
	tpush(h, q);                            /* p is second */
	before = osmem_tb_reports();
	KEXPECT(t, tpush(h, p));
	KEXPECT_EQ(t, osmem_tb_reports(), before + 1);
	if ((r = osmem_tb_report(before))) {
		KEXPECT_EQ(t, r->fault, OSMEM_FAULT_DOUBLE_FREE);
		KEXPECT_PTR_EQ(t, r->ptr, p);
		KEXPECT_EQ(t, r->size, 200);
	}
	before = osmem_tb_reports();
	tfree(&owner, h, p);                    /* the owner's free too */
	KEXPECT_EQ(t, osmem_tb_reports(), before + 1);
	KEXPECT_EQ(t, tremote(h, NULL), 2);
	osmem_cache_detach(&owner);
	KEXPECT_EQ(t, tstats(h).blocks_in_use, 0);
	OSMEM_END(t, a);
}

/* A link overwritten while its block sat on the stack: the drain
 * reports a write after free and follows it no further. */
KTEST(osmem_cache_remote, an_overwritten_link_is_caught)
{
	unsigned before;
	uint64_t *q;
	void *p, *x;

	OSMEM_START(t, a);
	x = a->malloc(h, 40);                   /* a live block elsewhere */
	p = a->malloc(h, 40);
	q = a->malloc(h, 40);
	tpush(h, p);
	tpush(h, q);                            /* q, then p */
	q[0] = (uint64_t)(uintptr_t)x;          /* write after free of q */
	before = osmem_tb_reports();
	KEXPECT_EQ(t, osmem_cache_remote_drain(NULL, h, false), 1);
	KEXPECT_EQ(t, osmem_tb_reports(), before + 1);
	if (osmem_tb_report(before))
		KEXPECT_EQ(t, osmem_tb_report(before)->fault,
			   OSMEM_FAULT_USE_AFTER_FREE);
	KEXPECT_EQ(t, a->usable_size(h, x), 40);        /* untouched */
	a->free(h, x);
	OSMEM_END(t, a);
}

/* The fork child recounts the stack: a push lost in flight (counted,
 * never linked) becomes an orphan; the stack's own blocks stay counted
 * on it and drain as before. */
KTEST(osmem_cache_remote, the_fork_child_recounts_the_stack)
{
	struct osmem_cache_heap *v;
	struct osmem_stats before, after;
	void *p[3];

	OSMEM_START(t, a);
	v = osmem_cache_heap(h);
	for (int i = 0; i < 3; i++)
		p[i] = a->malloc(h, 100);
	for (int i = 0; i < 2; i++)
		tpush(h, p[i]);
	/* p[2]'s push counted, its thread lost before the CAS. */
	v->remote_count += ((uint64_t)1 << 40) + 104;
	before = tstats(h);
	osmem_cache_remote_after_fork(h);
	KEXPECT_EQ(t, tremote(h, NULL), 2);
	KEXPECT_EQ(t, v->orphan_blocks, 1);
	KEXPECT_EQ(t, v->orphan_bytes, 104);
	after = tstats(h);
	KEXPECT_EQ(t, after.blocks_cached, before.blocks_cached);
	KEXPECT_EQ(t, after.bytes_cached, before.bytes_cached);
	KEXPECT_EQ(t, osmem_cache_remote_drain(NULL, h, false), 2);
	KEXPECT_EQ(t, tstats(h).blocks_cached, 1);      /* the orphan */
	OSMEM_END(t, a);
}
