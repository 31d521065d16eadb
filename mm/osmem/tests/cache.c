/* SPDX-License-Identifier: MIT */
/*
 * The small-block caches in front of osmem_fast (suite osmem_cache, both
 * homes): the core's batch entries, refill and flush, what stats, walk
 * and check() say of cached blocks, the hardening of the fast paths
 * (double free of a cached block, forged and misplaced pointers, an
 * overwritten list link), debug mode's bypass, detach and fork.
 *
 * The caches here are static structs attached to the test heap, driven
 * the way a home drives its own: the inline pop and push first, the slow
 * path when they refuse (tmalloc, tfree). Every case ends with check()
 * passing (OSMEM_END), which also walks every registered cache.
 */
#include "mm/osmem/tests/cache_tests.h"

static const struct osmem_allocator *const a = &osmem_fast;

static struct osmem_cache c1, c2;

#define CALLER ((const void *)0xca11e5)

/* A pointer the compiler cannot see through: the bad ones below must
 * reach the allocator (and draw no -Warray-bounds once inlined). */
static void *thide(const void *p)
{
	__asm__ volatile("" : "+r"(p));
	return (void *)p;
}


/* How many blocks c holds, all lists. */
static unsigned tcount(struct osmem_cache *c)
{
	unsigned n = 0;

	for (unsigned k = 2; k < OSMEM_CACHE_CLASSES; k++)
		n += osmem_cache_count(c, k);
	return n;
}

static struct osmem_stats tstats(struct osmem_heap *h)
{
	struct osmem_stats st;

	a->stats(h, &st);
	return st;
}

static void texpect_report(struct ktest *t, unsigned before,
			   enum osmem_fault fault, const char *op,
			   const void *p, size_t size);

/* ----------------------------------------------------------- batches -- */

/* n blocks of one size in one lock, cut in address order from one free
 * block; given back in one lock, the heap as before. */
KTEST(osmem_cache, batch_takes_the_lock_once_and_cuts_in_order)
{
	void *p[16];
	struct osmem_stats before, mid, after;
	unsigned locks;

	OSMEM_START(t, a);
	a->free(h, a->malloc(h, 1));            /* the heap exists */
	before = tstats(h);
	locks = osmem_tb_locks();
	KASSERT_EQ(t, fast_alloc_batch(h, 64, 16, p), 16);
	KEXPECT_EQ(t, osmem_tb_locks(), locks + 1);
	for (int i = 0; i < 16; i++) {
		KEXPECT_EQ(t, a->usable_size(h, p[i]), 56);
		if (i)
			KEXPECT_EQ(t, (char *)p[i] - (char *)p[i - 1], 64);
		osmem_fill(p[i], 56, (unsigned)i);
	}
	for (int i = 0; i < 16; i++)
		KEXPECT(t, osmem_verify(p[i], 56, (unsigned)i));
	mid = tstats(h);
	KEXPECT_EQ(t, mid.blocks_in_use, before.blocks_in_use + 16);
	KEXPECT_EQ(t, mid.bytes_in_use, before.bytes_in_use + 16 * 56);
	KEXPECT_EQ(t, a->check(h), 0);
	locks = osmem_tb_locks();
	fast_free_batch(h, p, 16);
	KEXPECT_EQ(t, osmem_tb_locks(), locks + 1);
	after = tstats(h);
	KEXPECT_EQ(t, after.blocks_in_use, before.blocks_in_use);
	KEXPECT_EQ(t, after.bytes_free, before.bytes_free);
	KEXPECT_EQ(t, after.blocks_free, before.blocks_free);
	OSMEM_END(t, a);
}

/* Free blocks of exactly the size go first (no new cut while they last). */
KTEST(osmem_cache, batch_takes_free_blocks_of_its_size_first)
{
	void *p[5], *sep[5], *out[8];

	OSMEM_START(t, a);
	for (int i = 0; i < 5; i++) {
		p[i] = a->malloc(h, 100);       /* blocks of 112 */
		sep[i] = a->malloc(h, 24);
	}
	for (int i = 0; i < 5; i++)
		a->free(h, p[i]);
	KASSERT_EQ(t, fast_alloc_batch(h, 112, 8, out), 8);
	/* The list is LIFO: the last freed first. */
	for (int i = 0; i < 5; i++)
		KEXPECT_PTR_EQ(t, out[i], p[4 - i]);
	for (int i = 5; i < 8; i++) {
		KEXPECT_GT(t, (char *)out[i], (char *)sep[4]);
		KEXPECT_EQ(t, a->usable_size(h, out[i]), 104);
	}
	fast_free_batch(h, out, 8);
	for (int i = 0; i < 5; i++)
		a->free(h, sep[i]);
	OSMEM_END(t, a);
}

/* A batch of blocks that touch goes back as one block, in any order, and
 * leaves the heap as freeing them one by one does; a pointer given twice
 * is a double free, reported once, and the words that were headers inside
 * the merged block are no blocks any more. */
KTEST(osmem_cache, a_batch_that_touches_goes_back_as_one)
{
	void *p[16], *q[16], *mix[17];
	struct osmem_stats one, batch;
	unsigned before;

	OSMEM_START(t, a);
	a->free(h, a->malloc(h, 1));
	KASSERT_EQ(t, fast_alloc_batch(h, 96, 16, p), 16);
	for (int i = 0; i < 16; i++)
		a->free(h, p[i]);
	one = tstats(h);
	KASSERT_EQ(t, fast_alloc_batch(h, 96, 16, q), 16);
	for (int i = 0; i < 16; i++)            /* shuffled: 5, 10, 15, 4... */
		mix[i] = q[(i * 5) % 16];
	mix[16] = q[3];                         /* and one twice */
	before = osmem_tb_reports();
	fast_free_batch(h, mix, 17);
	KEXPECT_EQ(t, osmem_tb_reports(), before + 1);
	KEXPECT_EQ(t, osmem_tb_report(before)->fault, OSMEM_FAULT_DOUBLE_FREE);
	KEXPECT_PTR_EQ(t, osmem_tb_report(before)->ptr, q[3]);
	batch = tstats(h);
	KEXPECT_EQ(t, batch.blocks_free, one.blocks_free);
	KEXPECT_EQ(t, batch.bytes_free, one.bytes_free);
	KEXPECT_EQ(t, batch.blocks_in_use, one.blocks_in_use);
	KEXPECT_EQ(t, batch.largest_free, one.largest_free);
	KEXPECT_EQ(t, a->check(h), 0);
	before = osmem_tb_reports();
	a->free(h, q[9]);                       /* inside the merged block */
	KEXPECT_EQ(t, osmem_tb_reports(), before + 1);
	KEXPECT_EQ(t, osmem_tb_report(before)->fault, OSMEM_FAULT_DOUBLE_FREE);
	OSMEM_END(t, a);
}

/* 16 contiguous blocks of 64 bytes given back in the order ord[]: the
 * heap is as before (one free block: the next batch of 16 is the same
 * blocks), nothing reported, and the inner headers name no live block. */
static void tbatch_order(struct ktest *t, struct osmem_heap *h,
			 const unsigned *ord, const char *name)
{
	void *p[16], *q[16], *mix[16];
	struct osmem_stats before, after;
	unsigned reports;

	before = tstats(h);
	KASSERT_EQ(t, fast_alloc_batch(h, 64, 16, p), 16);
	for (int i = 0; i < 16; i++)
		mix[i] = p[ord[i]];
	reports = osmem_tb_reports();
	fast_free_batch(h, mix, 16);
	after = tstats(h);
	KEXPECT_EQ(t, osmem_tb_reports(), reports);
	KEXPECT_EQ(t, after.blocks_in_use, before.blocks_in_use);
	KEXPECT_EQ(t, after.blocks_free, before.blocks_free);
	KEXPECT_EQ(t, after.bytes_free, before.bytes_free);
	KEXPECT_EQ(t, a->check(h), 0);
	if (KEXPECT_EQ(t, fast_alloc_batch(h, 64, 16, q), 16))
		KEXPECT_PTR_EQ(t, q[0], p[0]);
	fast_free_batch(h, q, 16);
	reports = osmem_tb_reports();
	a->free(h, p[7]);                       /* a header inside: no block */
	KEXPECT_EQ(t, osmem_tb_reports(), reports + 1);
	ktest_note(t, "%s: one block again", name);
}

/* One pass, no sort: a batch's blocks that touch come in either order
 * (a cache gives its newest first, a refill cut them in address order),
 * and its stretch grows at either end. */
KTEST(osmem_cache, a_batch_stretch_grows_at_either_end)
{
	static const unsigned up[16] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
					 11, 12, 13, 14, 15 };
	static const unsigned down[16] = { 15, 14, 13, 12, 11, 10, 9, 8, 7,
					   6, 5, 4, 3, 2, 1, 0 };
	static const unsigned zigzag[16] = { 7, 8, 6, 9, 5, 10, 4, 11, 3,
					     12, 2, 13, 1, 14, 0, 15 };
	static const unsigned halves[16] = { 8, 9, 10, 11, 12, 13, 14, 15,
					     7, 6, 5, 4, 3, 2, 1, 0 };

	OSMEM_START(t, a);
	a->free(h, a->malloc(h, 1));            /* the heap exists */
	tbatch_order(t, h, up, "ascending");
	tbatch_order(t, h, down, "descending");
	tbatch_order(t, h, zigzag, "from the middle out");
	tbatch_order(t, h, halves, "upper half up, lower half down");
	OSMEM_END(t, a);
}

/* A block given twice in one batch is one double free, reported with its
 * pointer, wherever it stands: the stretch's first block (whose header
 * is still live until the stretch goes back), its last, one inside, the
 * first after the stretch grew down, one whose stretch went back. */
KTEST(osmem_cache, a_block_twice_in_a_batch_is_a_double_free)
{
	static const int cases[][6] = {
		{ 0, 0, -1 },
		{ 0, 1, 2, 0, -1 },
		{ 0, 1, 2, 2, -1 },
		{ 0, 1, 2, 1, -1 },
		{ 2, 1, 0, 0, -1 },
		{ 2, 1, 0, 2, -1 },
		{ 0, 1, 9, 0, -1 },             /* 9 starts a new stretch */
	};
	void *p[12], *mix[6], *twice;
	struct osmem_stats before, after;
	unsigned reports, n, c;

	OSMEM_START(t, a);
	a->free(h, a->malloc(h, 1));
	before = tstats(h);
	for (c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		KASSERT_EQ(t, fast_alloc_batch(h, 80, 12, p), 12);
		for (n = 0; cases[c][n] >= 0; n++)
			mix[n] = p[cases[c][n]];
		twice = mix[n - 1];
		reports = osmem_tb_reports();
		fast_free_batch(h, mix, n);
		KEXPECT_EQ(t, osmem_tb_reports(), reports + 1);
		if (KEXPECT_NOT_NULL(t, osmem_tb_report(reports))) {
			KEXPECT_EQ(t, osmem_tb_report(reports)->fault,
				   OSMEM_FAULT_DOUBLE_FREE);
			KEXPECT_PTR_EQ(t, osmem_tb_report(reports)->ptr, twice);
		}
		KEXPECT_EQ(t, a->check(h), 0);
		/* The rest once each: the heap as before. */
		for (n = 0; n < 12; n++) {
			bool given = false;

			for (unsigned i = 0; cases[c][i] >= 0; i++)
				given |= cases[c][i] == (int)n;
			if (!given)
				a->free(h, p[n]);
		}
		after = tstats(h);
		KEXPECT_EQ(t, after.blocks_in_use, before.blocks_in_use);
		KEXPECT_EQ(t, after.blocks_free, before.blocks_free);
		KEXPECT_EQ(t, after.bytes_free, before.bytes_free);
	}
	OSMEM_END(t, a);
}

/* Blocks of two refills apart (a live block between them), a mapping
 * and a medium block, interleaved in one batch: each stretch breaks
 * where its neighbour does not come, the mapping goes the plain way;
 * nothing reported, every block back. */
KTEST(osmem_cache, a_batch_of_interleaved_stretches_and_a_mapping)
{
	void *x[8], *y[8], *mix[19], *sep, *big, *mid;
	struct osmem_stats before, after;
	unsigned reports, n = 0;

	OSMEM_START(t, a);
	a->free(h, a->malloc(h, 1));
	before = tstats(h);
	KASSERT_EQ(t, fast_alloc_batch(h, 96, 8, x), 8);
	sep = a->malloc(h, 40);
	KASSERT_EQ(t, fast_alloc_batch(h, 96, 8, y), 8);
	big = a->malloc(h, 1024 * 1024);        /* mapped */
	mid = a->malloc(h, 3000);
	KASSERT_NOT_NULL(t, big);
	KASSERT_NOT_NULL(t, mid);
	KEXPECT_EQ(t, tstats(h).mapped_blocks, before.mapped_blocks + 1);
	for (int i = 0; i < 8; i++) {
		mix[n++] = x[i];
		mix[n++] = y[7 - i];
		if (i == 3)
			mix[n++] = big;
		if (i == 5)
			mix[n++] = mid;
	}
	mix[n++] = sep;
	reports = osmem_tb_reports();
	fast_free_batch(h, mix, n);
	KEXPECT_EQ(t, osmem_tb_reports(), reports);
	after = tstats(h);
	KEXPECT_EQ(t, after.blocks_in_use, before.blocks_in_use);
	KEXPECT_EQ(t, after.mapped_blocks, before.mapped_blocks);
	KEXPECT_EQ(t, after.blocks_free, before.blocks_free);
	KEXPECT_EQ(t, after.bytes_free, before.bytes_free);
	OSMEM_END(t, a);
}

/* A heap that cannot grow gives what it has: fewer blocks, never more
 * than asked, the heap consistent. */
KTEST(osmem_cache, batch_gives_what_a_full_heap_has)
{
	void *out[32], *big;
	unsigned got;

	OSMEM_START(t, a);
	osmem_tb_set_limit(64 * 1024);
	big = a->malloc(h, 64 * 1024 - 1024);   /* most of the heap */
	KASSERT_NOT_NULL(t, big);
	got = fast_alloc_batch(h, 512, 32, out);
	KEXPECT_GT(t, got, 0);
	KEXPECT_LT(t, got, 32);
	KEXPECT_EQ(t, a->check(h), 0);
	fast_free_batch(h, out, got);
	a->free(h, big);
	OSMEM_END(t, a);
}

/* ----------------------------------------------------- refill, flush -- */

/*
 * Mixed sizes through a cache, some kept live: the heap stays consistent
 * with blocks in the cache (check() passes, and walks the cache), every
 * block keeps its bytes, and the lock is taken far less than once per
 * call.
 */
KTEST(osmem_cache, refill_and_flush_keep_the_heap_consistent)
{
	static void *live[64];
	static size_t size[64];
	uint32_t rng = 12345;
	unsigned locks, calls = 0;

	OSMEM_START(t, a);
	KASSERT(t, tattach(t, &c1, h));
	locks = osmem_tb_locks();
	for (int i = 0; i < 4000; i++) {
		unsigned s = osmem_rand(&rng) % 64;

		if (live[s]) {
			KEXPECT(t, osmem_verify(live[s], size[s], s));
			tfree(&c1, h, live[s]);
			live[s] = NULL;
		} else {
			size[s] = osmem_rand(&rng) % (OSMEM_CACHE_REQ_MAX + 1);
			live[s] = tmalloc(&c1, h, size[s]);
			KASSERT_NOT_NULL(t, live[s]);
			osmem_fill(live[s], size[s], s);
		}
		calls++;
		if (i % 500 == 0)
			KEXPECT_EQ(t, a->check(h), 0);
	}
	KEXPECT_GT(t, tcount(&c1), 0);
	KEXPECT_EQ(t, a->check(h), 0);
	ktest_note(t, "%u calls, %u locks", calls, osmem_tb_locks() - locks);
	KEXPECT_LT(t, (osmem_tb_locks() - locks) * 3, calls);
	for (int s = 0; s < 64; s++) {
		if (live[s]) {
			KEXPECT(t, osmem_verify(live[s], size[s], (unsigned)s));
			tfree(&c1, h, live[s]);
			live[s] = NULL;
		}
	}
	OSMEM_END(t, a);
}

/* The growth of c's lists, recounted from their limits: what c->grown
 * says, within the cap, each limit between its base and the list max. */
static void texpect_growth(struct ktest *t, const struct osmem_cache *c)
{
	size_t grown = 0;

	for (unsigned k = 2; k < OSMEM_CACHE_CLASSES; k++) {
		KEXPECT_GE(t, c->limit[k], osmem_cache_limit(k));
		KEXPECT_LE(t, c->limit[k], OSMEM_CACHE_LIST_MAX);
		grown += (size_t)(c->limit[k] - osmem_cache_limit(k)) * k * 16;
	}
	KEXPECT_EQ(t, grown, c->grown);
	KEXPECT_LE(t, grown, OSMEM_CACHE_GROW_BYTES);
}

/*
 * A list free finds full grows by a step, without the core, up to the
 * list max; full there, it gives back all but half its base and drops
 * to its base. A refill takes a quarter of the current limit. Stats
 * count every cached block.
 */
KTEST(osmem_cache, a_full_list_grows_then_drops_to_its_base)
{
	static void *p[200];
	unsigned k = 2, base = osmem_cache_limit(2), locks, n, i;

	OSMEM_START(t, a);
	KASSERT(t, tattach(t, &c1, h));
	for (i = 0; i < 200; i++)
		p[i] = tmalloc(&c1, h, 20);
	n = osmem_cache_count(&c1, k);
	locks = osmem_tb_locks();
	for (i = 0; n + i < OSMEM_CACHE_LIST_MAX; i++) {
		tfree(&c1, h, p[i]);
		KASSERT_EQ(t, osmem_cache_count(&c1, k), n + i + 1);
		KASSERT_LE(t, osmem_cache_count(&c1, k), c1.limit[k]);
	}
	KEXPECT_EQ(t, osmem_tb_locks(), locks);        /* no flush */
	KEXPECT_EQ(t, c1.limit[k], OSMEM_CACHE_LIST_MAX);
	KEXPECT_EQ(t, c1.room[k], 0);
	KEXPECT_EQ(t, tstats(h).blocks_cached, OSMEM_CACHE_LIST_MAX);
	KEXPECT_EQ(t, tstats(h).bytes_cached, OSMEM_CACHE_LIST_MAX * 24);
	texpect_growth(t, &c1);
	tfree(&c1, h, p[i++]);                  /* full at the max */
	KEXPECT_GT(t, osmem_tb_locks(), locks);        /* the flush */
	KEXPECT_EQ(t, c1.limit[k], base);
	KEXPECT_EQ(t, osmem_cache_count(&c1, k), base / 2 + 1);
	KEXPECT_EQ(t, c1.grown, 0);
	KEXPECT_EQ(t, a->check(h), 0);
	for (; i < 200; i++)
		tfree(&c1, h, p[i]);
	texpect_growth(t, &c1);
	/* Emptied by mallocs, a grown list refills a quarter of its limit. */
	KASSERT(t, c1.limit[k] > base);
	n = osmem_cache_count(&c1, k);
	for (i = 0; i < n; i++)
		p[i] = tmalloc(&c1, h, 20);
	KEXPECT_EQ(t, osmem_cache_count(&c1, k), 0);
	p[n] = tmalloc(&c1, h, 20);
	KEXPECT_EQ(t, osmem_cache_count(&c1, k), (c1.limit[k] + 3u) / 4 - 1);
	for (i = 0; i <= n; i++)
		tfree(&c1, h, p[i]);
	OSMEM_END(t, a);
}

/* A block freed twice is found however deep it lies in a grown list,
 * from its own cache and from another. */
KTEST(osmem_cache, a_double_free_deep_in_a_grown_list_is_caught)
{
	static void *p[OSMEM_CACHE_LIST_MAX];
	unsigned k = 2, before, n;

	OSMEM_START(t, a);
	KASSERT(t, tattach(t, &c1, h));
	KASSERT(t, tattach(t, &c2, h));
	for (int i = 0; i < OSMEM_CACHE_LIST_MAX; i++)
		p[i] = tmalloc(&c1, h, 20);
	for (int i = 0; i < OSMEM_CACHE_LIST_MAX; i++)
		tfree(&c1, h, p[i]);
	n = osmem_cache_count(&c1, k);
	KASSERT_EQ(t, n, OSMEM_CACHE_LIST_MAX);
	/* p[0] went in first: the list's last block. */
	before = osmem_tb_reports();
	tfree(&c1, h, p[0]);
	texpect_report(t, before, OSMEM_FAULT_DOUBLE_FREE, "free", p[0], 24);
	before = osmem_tb_reports();
	tfree(&c2, h, p[1]);
	texpect_report(t, before, OSMEM_FAULT_DOUBLE_FREE, "free", p[1], 24);
	KEXPECT_EQ(t, osmem_cache_count(&c1, k), n);
	KEXPECT_EQ(t, osmem_cache_count(&c2, k), 0);
	OSMEM_END(t, a);
}

/* A flush of the whole cache (malloc_trim, a thread's exit) drops every
 * list back to its base limit. */
KTEST(osmem_cache, a_flush_drops_the_growth_back)
{
	static void *p[100], *q[40];
	unsigned held;

	OSMEM_START(t, a);
	KASSERT(t, tattach(t, &c1, h));
	for (int i = 0; i < 100; i++)
		p[i] = tmalloc(&c1, h, 20);
	for (int i = 0; i < 40; i++)
		q[i] = tmalloc(&c1, h, 500);
	for (int i = 0; i < 100; i++)
		tfree(&c1, h, p[i]);
	for (int i = 0; i < 40; i++)
		tfree(&c1, h, q[i]);
	KEXPECT_GT(t, c1.limit[2], osmem_cache_limit(2));
	KEXPECT_GT(t, c1.limit[32], osmem_cache_limit(32));
	texpect_growth(t, &c1);
	held = tcount(&c1);
	KEXPECT_EQ(t, osmem_cache_flush(&c1), held);
	KEXPECT_EQ(t, tcount(&c1), 0);
	KEXPECT_EQ(t, tstats(h).blocks_cached, 0);
	KEXPECT_EQ(t, c1.grown, 0);
	for (unsigned k = 2; k < OSMEM_CACHE_CLASSES; k++) {
		KEXPECT_EQ(t, c1.limit[k], osmem_cache_limit(k));
		KEXPECT_EQ(t, c1.room[k], (int)osmem_cache_limit(k));
	}
	OSMEM_END(t, a);
}

/* However many sizes a thread frees, its lists grow by at most the byte
 * cap in all: the cache holds at most its base bound plus the cap, and
 * stats count every byte of it. */
KTEST(osmem_cache, growth_stays_within_its_byte_cap)
{
	static void *p[160];
	size_t held = 0;
	unsigned capped = 0;

	OSMEM_START(t, a);
	KASSERT(t, tattach(t, &c1, h));
	for (unsigned k = OSMEM_CACHE_CLASSES - 1; k >= 40; k--) {
		unsigned before = c1.limit[k];

		for (int i = 0; i < 160; i++)
			p[i] = tmalloc(&c1, h, k * 16 - 8);
		for (int i = 0; i < 160; i++)
			tfree(&c1, h, p[i]);
		texpect_growth(t, &c1);
		capped += c1.limit[k] == before;
	}
	KEXPECT_GT(t, capped, 0);               /* the cap was reached */
	KEXPECT_GT(t, c1.grown + 64 * 16 * OSMEM_CACHE_GROW_STEP,
		   OSMEM_CACHE_GROW_BYTES);
	for (unsigned k = 2; k < OSMEM_CACHE_CLASSES; k++)
		held += (size_t)osmem_cache_count(&c1, k) * k * 16;
	KEXPECT_LE(t, held, OSMEM_CACHE_BYTES_MAX + OSMEM_CACHE_GROW_BYTES);
	KEXPECT_EQ(t, tstats(h).bytes_cached + 8 * tstats(h).blocks_cached, held);
	OSMEM_END(t, a);
}

/* The base limits add up to the documented bound, and each is 2..48. */
KTEST(osmem_cache, limits_bound_count_and_bytes)
{
	size_t bytes = 0;

	for (unsigned k = 2; k < OSMEM_CACHE_CLASSES; k++) {
		KEXPECT_GE(t, osmem_cache_limit(k), 2);
		KEXPECT_LE(t, osmem_cache_limit(k), OSMEM_CACHE_COUNT_MAX);
		KEXPECT_LE(t, osmem_cache_limit(k) * k * 16, OSMEM_CACHE_CLASS_BYTES);
		bytes += (size_t)osmem_cache_limit(k) * k * 16;
	}
	KEXPECT_EQ(t, bytes, OSMEM_CACHE_BYTES_MAX);
}

/* ------------------------------------------------------- accounting -- */

/* Cached blocks are cached, not in use: stats, walk and check agree. */
KTEST(osmem_cache, stats_and_walk_count_cached_blocks)
{
	static struct fast_walk w;
	void *p[10];
	struct osmem_stats st;
	unsigned cached = 0, alloc = 0;
	size_t cached_bytes = 0, free_bytes = 0;

	OSMEM_START(t, a);
	KASSERT(t, tattach(t, &c1, h));
	for (int i = 0; i < 10; i++)
		p[i] = tmalloc(&c1, h, 40);     /* blocks of 48: list 3 */
	st = tstats(h);
	KEXPECT_EQ(t, st.blocks_in_use, 10);
	KEXPECT_EQ(t, st.bytes_in_use, 10 * 40);
	KEXPECT_EQ(t, st.blocks_cached, osmem_cache_count(&c1, 3));
	KEXPECT_EQ(t, st.bytes_cached, osmem_cache_count(&c1, 3) * 40);
	for (int i = 0; i < 10; i++)
		tfree(&c1, h, p[i]);
	st = tstats(h);
	KEXPECT_EQ(t, st.blocks_in_use, 0);
	KEXPECT_EQ(t, st.bytes_in_use, 0);
	KEXPECT_EQ(t, st.blocks_cached, tcount(&c1));
	KEXPECT_GE(t, st.blocks_cached, 10);
	KEXPECT_EQ(t, st.bytes_cached, st.blocks_cached * 40);
	fast_walk_all(h, &w);
	for (unsigned i = 0; i < w.n; i++) {
		if (w.b[i].kind == OSMEM_BLOCK_CACHED) {
			cached++;
			cached_bytes += w.b[i].size;
		}
		alloc += w.b[i].kind == OSMEM_BLOCK_ALLOC;
		if (w.b[i].kind == OSMEM_BLOCK_FREE)
			free_bytes += w.b[i].size;
	}
	/* Every block is in use, cached or free, and stats say which. */
	KEXPECT_EQ(t, cached, st.blocks_cached);
	KEXPECT_EQ(t, cached_bytes, st.bytes_cached);
	KEXPECT_EQ(t, free_bytes, st.bytes_free);
	KEXPECT_EQ(t, alloc, 0);
	OSMEM_END(t, a);
}

/*
 * The same calls with a cache (then flushed) and without: every byte
 * accounted for the same way. *mid: with one block in 7 still live (their
 * usable bytes in *kept), *end: with none. The heaps may differ in shape
 * (a refill takes a batch at once), never in what is live.
 */
static void flush_run(struct ktest *t, struct osmem_heap *h, bool cached,
		      struct osmem_stats *mid, struct osmem_stats *end,
		      size_t *kept)
{
	static void *p[300];
	uint32_t rng = 777;

	*kept = 0;
	for (int i = 0; i < 300; i++) {
		size_t n = osmem_rand(&rng) % 1200;

		p[i] = cached ? tmalloc(&c1, h, n) : a->malloc(h, n);
		KEXPECT_NOT_NULL(t, p[i]);
	}
	for (int i = 0; i < 300; i++) {
		if (i % 7)
			cached ? tfree(&c1, h, p[i]) : a->free(h, p[i]);
		else
			*kept += a->usable_size(h, p[i]);
	}
	if (cached)
		osmem_cache_flush(&c1);
	*mid = tstats(h);
	KEXPECT_EQ(t, a->check(h), 0);
	for (int i = 0; i < 300; i += 7)
		a->free(h, p[i]);
	*end = tstats(h);
}

KTEST(osmem_cache, flush_returns_everything)
{
	struct osmem_stats with, without, end_with, end_without;
	size_t kept_with, kept_without;

	OSMEM_START(t, a);
	KASSERT(t, tattach(t, &c1, h));
	flush_run(t, h, true, &with, &end_with, &kept_with);
	KEXPECT_EQ(t, tcount(&c1), 0);
	OSMEM_RESTART(t, a);
	flush_run(t, h, false, &without, &end_without, &kept_without);
	KEXPECT_EQ(t, with.blocks_cached, 0);
	KEXPECT_EQ(t, with.bytes_cached, 0);
	KEXPECT_EQ(t, with.blocks_in_use, without.blocks_in_use);
	KEXPECT_EQ(t, with.bytes_in_use, kept_with);
	KEXPECT_EQ(t, without.bytes_in_use, kept_without);
	KEXPECT_EQ(t, with.mapped_bytes, without.mapped_bytes);
	/* Nothing live: one free block, the same overhead around it. */
	KEXPECT_EQ(t, end_with.blocks_in_use + end_with.blocks_cached, 0);
	KEXPECT_EQ(t, end_without.blocks_in_use, 0);
	KEXPECT_EQ(t, end_with.blocks_free, 1);
	KEXPECT_EQ(t, end_without.blocks_free, 1);
	KEXPECT_EQ(t, end_with.heap_bytes - end_with.bytes_free,
		   end_without.heap_bytes - end_without.bytes_free);
	OSMEM_END(t, a);
}

/* ---------------------------------------------------------- misuse -- */

/* The one report a misuse makes: kind, op, pointer, size. */
static void texpect_report(struct ktest *t, unsigned before,
			   enum osmem_fault fault, const char *op,
			   const void *p, size_t size)
{
	const struct osmem_report *r = osmem_tb_report(before);

	KEXPECT_EQ(t, osmem_tb_reports(), before + 1);
	if (!KEXPECT_NOT_NULL(t, r))
		return;
	KEXPECT_EQ(t, r->fault, fault);
	KEXPECT_STREQ(t, r->op, op);
	KEXPECT_PTR_EQ(t, r->ptr, p);
	KEXPECT_EQ(t, r->size, size);
}

/* A second free of a block in the cache is a double free, with the
 * block's size, whether it is the list's head or further in; the cache
 * still holds it once. */
KTEST(osmem_cache, double_free_of_a_cached_block_is_reported)
{
	char *p, *q;
	unsigned n, before;

	OSMEM_START(t, a);
	KASSERT(t, tattach(t, &c1, h));
	p = tmalloc(&c1, h, 40);
	q = tmalloc(&c1, h, 40);
	tfree(&c1, h, p);
	n = tcount(&c1);
	before = osmem_tb_reports();
	osmem_tb_set_caller(CALLER);
	tfree(&c1, h, p);
	texpect_report(t, before, OSMEM_FAULT_DOUBLE_FREE, "free", p, 40);
	KEXPECT_EQ(t, tcount(&c1), n);
	tfree(&c1, h, q);                       /* p is now second */
	before = osmem_tb_reports();
	tfree(&c1, h, p);
	texpect_report(t, before, OSMEM_FAULT_DOUBLE_FREE, "free", p, 40);
	KEXPECT_EQ(t, tcount(&c1), n + 1);
	/* Two allocations: two blocks, not p twice. */
	p = tmalloc(&c1, h, 40);
	q = tmalloc(&c1, h, 40);
	KEXPECT_PTR_NE(t, p, q);
	tfree(&c1, h, p);
	tfree(&c1, h, q);
	OSMEM_END(t, a);
}

/* A block sitting in another thread's cache, freed here: found there. */
KTEST(osmem_cache, double_free_across_caches_is_reported)
{
	char *p;
	unsigned before;

	OSMEM_START(t, a);
	KASSERT(t, tattach(t, &c1, h));
	KASSERT(t, tattach(t, &c2, h));
	p = tmalloc(&c1, h, 200);
	tfree(&c2, h, p);                       /* freed by "another thread" */
	KEXPECT_EQ(t, osmem_cache_count(&c2, 13), 1);
	before = osmem_tb_reports();
	tfree(&c1, h, p);
	texpect_report(t, before, OSMEM_FAULT_DOUBLE_FREE, "free", p, 200);
	before = osmem_tb_reports();
	osmem_cache_free_sized_slow(&c1, h, p, 200);
	texpect_report(t, before, OSMEM_FAULT_DOUBLE_FREE, "free_sized", p, 200);
	OSMEM_END(t, a);
}

/* realloc and usable_size of a cached block are refused and named. */
KTEST(osmem_cache, realloc_and_usable_size_of_a_cached_block_are_refused)
{
	char *p, *live;
	unsigned before;

	OSMEM_START(t, a);
	KASSERT(t, tattach(t, &c1, h));
	p = tmalloc(&c1, h, 100);
	live = tmalloc(&c1, h, 100);
	tfree(&c1, h, p);
	before = osmem_tb_reports();
	KEXPECT(t, osmem_cache_refuse(&c1, h, p, OSMEM_OP_REALLOC));
	texpect_report(t, before, OSMEM_FAULT_DOUBLE_FREE, "realloc", p, 104);
	before = osmem_tb_reports();
	KEXPECT(t, osmem_cache_refuse(&c1, h, p, OSMEM_OP_USABLE_SIZE));
	texpect_report(t, before, OSMEM_FAULT_INVALID_POINTER, "usable_size", p, 104);
	before = osmem_tb_reports();
	KEXPECT(t, !osmem_cache_refuse(&c1, h, live, OSMEM_OP_REALLOC));
	KEXPECT(t, !osmem_cache_refuse(&c1, h, NULL, OSMEM_OP_REALLOC));
	KEXPECT_EQ(t, osmem_tb_reports(), before);
	tfree(&c1, h, live);
	OSMEM_END(t, a);
}

/* Pop's one bound: requests below 9 bytes map to lists 0 and 1, which
 * stay empty, and requests near SIZE_MAX wrap there too, so they miss
 * (the slow path serves the small ones from list 2); 1016 bytes is the
 * last list's, 1017 misses. */
KTEST(osmem_cache, pop_misses_what_its_lists_cannot_serve)
{
	const struct osmem_cache_heap *v;
	static void *p[8];
	void *q;

	OSMEM_START(t, a);
	KASSERT(t, tattach(t, &c1, h));
	v = osmem_cache_heap(h);
	for (int i = 0; i < 8; i++)             /* lists 2 and 64 hold some */
		p[i] = tmalloc(&c1, h, i < 4 ? 20 : OSMEM_CACHE_REQ_MAX);
	for (int i = 0; i < 8; i++)
		tfree(&c1, h, p[i]);
	KEXPECT_NULL(t, c1.head[0]);
	KEXPECT_NULL(t, c1.head[1]);
	for (size_t n = 0; n < 9; n++)
		KEXPECT_NULL(t, osmem_cache_pop(&c1, v, n));
	for (size_t n = (size_t)-40; n != 0; n++)
		KEXPECT_NULL(t, osmem_cache_pop(&c1, v, n));
	KEXPECT_NULL(t, osmem_cache_pop(&c1, v, OSMEM_CACHE_REQ_MAX + 1));
	q = tmalloc(&c1, h, 1);                 /* the slow path: list 2 */
	KEXPECT_EQ(t, a->usable_size(h, q), 24);
	tfree(&c1, h, q);
	q = osmem_cache_pop(&c1, v, OSMEM_CACHE_REQ_MAX);
	KEXPECT_NOT_NULL(t, q);
	tfree(&c1, h, q);
	OSMEM_END(t, a);
}

/* A header overwritten (or forged) fails the seal: push refuses it, the
 * core reports it and puts the block out of use. */
KTEST(osmem_cache, a_corrupted_header_is_refused)
{
	char *p, *q;
	unsigned n, before;

	OSMEM_START(t, a);
	KASSERT(t, tattach(t, &c1, h));
	p = tmalloc(&c1, h, 56);
	q = tmalloc(&c1, h, 56);
	((size_t *)(void *)p)[-1] ^= (size_t)1 << 50;   /* its seal */
	n = tcount(&c1);
	KEXPECT(t, !osmem_cache_push(&c1, osmem_cache_heap(h), p));
	before = osmem_tb_reports();
	osmem_cache_free_slow(&c1, h, p);
	texpect_report(t, before, OSMEM_FAULT_CORRUPT_HEADER, "free", p, 0);
	KEXPECT_EQ(t, tcount(&c1), n);
	/* A forged size (64 for 48) with the old seal fails too. */
	((size_t *)(void *)q)[-1] += 16;
	KEXPECT(t, !osmem_cache_push(&c1, osmem_cache_heap(h), q));
	before = osmem_tb_reports();
	osmem_cache_free_slow(&c1, h, q);
	texpect_report(t, before, OSMEM_FAULT_CORRUPT_HEADER, "free", q, 0);
	OSMEM_END(t, a);
}

/* Pointers that are no heap block's never reach a list and nothing is
 * read at them: p + 1 and p + 16, a stack address, (void *)1, NULL. */
KTEST(osmem_cache, pointers_outside_or_inside_blocks_go_to_the_core)
{
	const struct osmem_cache_heap *v;
	long local[4] = { 0 };
	char *p;
	unsigned before;

	OSMEM_START(t, a);
	KASSERT(t, tattach(t, &c1, h));
	v = osmem_cache_heap(h);
	p = tmalloc(&c1, h, 100);
	KEXPECT(t, !osmem_cache_push(&c1, v, thide(p + 1)));
	KEXPECT(t, !osmem_cache_push(&c1, v, thide(p + 16)));
	KEXPECT(t, !osmem_cache_push(&c1, v, thide(&local[2])));
	KEXPECT(t, !osmem_cache_push(&c1, v, thide((void *)1)));
	KEXPECT(t, !osmem_cache_push(&c1, v, thide(NULL)));
	KEXPECT(t, !osmem_cache_in_heap(v, &local[2]));
	before = osmem_tb_reports();
	osmem_cache_free_slow(&c1, h, p + 1);
	texpect_report(t, before, OSMEM_FAULT_INVALID_POINTER, "free", p + 1, 104);
	before = osmem_tb_reports();
	osmem_cache_free_slow(&c1, h, &local[2]);
	texpect_report(t, before, OSMEM_FAULT_FOREIGN_POINTER, "free", &local[2], 0);
	before = osmem_tb_reports();
	osmem_cache_free_slow(&c1, h, (void *)1);
	texpect_report(t, before, OSMEM_FAULT_FOREIGN_POINTER, "free", (void *)1, 0);
	before = osmem_tb_reports();
	osmem_cache_free_slow(&c1, h, NULL);
	KEXPECT_EQ(t, osmem_tb_reports(), before);
	/* The refill's quarter of list 7 less p, as before. */
	KEXPECT_EQ(t, tcount(&c1), (osmem_cache_limit(7) + 3) / 4 - 1);
	tfree(&c1, h, p);
	OSMEM_END(t, a);
}

/* The window follows the heap: a trim shrinks it before the memory goes,
 * so a stale pointer above the new break is not a candidate; the core
 * then names the misuse. */
KTEST(osmem_cache, the_window_follows_growth_and_trim)
{
	const struct osmem_cache_heap *v;
	char *big[3], *stale;
	size_t stale_usable;
	unsigned before;

	OSMEM_START(t, a);
	KASSERT(t, tattach(t, &c1, h));
	v = osmem_cache_heap(h);
	for (int i = 0; i < 3; i++)
		big[i] = a->malloc(h, 120 * 1024);      /* heap blocks */
	stale = a->malloc(h, 100);              /* near the top */
	KASSERT_NOT_NULL(t, stale);
	KEXPECT(t, osmem_cache_in_heap(v, stale));
	stale_usable = a->usable_size(h, stale);
	a->free(h, stale);
	for (int i = 2; i >= 0; i--)
		a->free(h, big[i]);             /* all free: trimmed */
	KEXPECT_LT(t, osmem_tb_brk(), (size_t)(stale - osmem_tb_heap_start()));
	KEXPECT(t, !osmem_cache_in_heap(v, stale));
	KEXPECT(t, !osmem_cache_push(&c1, v, stale));
	before = osmem_tb_reports();
	osmem_cache_free_slow(&c1, h, stale);
	/* The core still names it: the ring of the last frees holds it. */
	texpect_report(t, before, OSMEM_FAULT_DOUBLE_FREE, "free", stale,
		       stale_usable);
	OSMEM_END(t, a);
}

/* A list link overwritten after free (without the secret it mangles to
 * nothing in the heap) is caught before malloc follows it; the blocks
 * handed out stay blocks of the heap. */
KTEST(osmem_cache, an_overwritten_link_is_caught)
{
	char *p, *q, *r, *x;
	unsigned before;

	OSMEM_START(t, a);
	KASSERT(t, tattach(t, &c1, h));
	x = a->malloc(h, 40);                   /* a live block elsewhere */
	p = tmalloc(&c1, h, 40);
	q = tmalloc(&c1, h, 40);
	tfree(&c1, h, p);
	tfree(&c1, h, q);                       /* q heads the list, then p */
	*(char **)(void *)q = x;                /* write after free of q */
	r = tmalloc(&c1, h, 40);
	KEXPECT_PTR_EQ(t, r, q);
	KEXPECT_EQ(t, ((uint64_t *)(void *)r)[1], 0);   /* key cleared */
	before = osmem_tb_reports();
	r = tmalloc(&c1, h, 40);
	KEXPECT_EQ(t, osmem_tb_reports(), before + 1);
	if (osmem_tb_report(before))
		KEXPECT_EQ(t, osmem_tb_report(before)->fault,
			   OSMEM_FAULT_USE_AFTER_FREE);
	KEXPECT_PTR_NE(t, r, x);
	KEXPECT_PTR_NE(t, r, p);        /* the rest of the list is dropped */
	KEXPECT_EQ(t, a->usable_size(h, r), 40);
	tfree(&c1, h, r);
	a->free(h, x);
	OSMEM_END(t, a);
}

/* A sized free goes through the cache when the size fits the block
 * (fast_sized.c's rule) and is reported when it does not. */
KTEST(osmem_cache, a_sized_free_follows_the_size_rule)
{
	const struct osmem_cache_heap *v;
	char *p;
	unsigned n, before;

	OSMEM_START(t, a);
	KASSERT(t, tattach(t, &c1, h));
	v = osmem_cache_heap(h);
	p = tmalloc(&c1, h, 100);               /* a block of 112 */
	n = tcount(&c1);
	KEXPECT(t, !osmem_cache_push_sized(&c1, v, p, 200));
	KEXPECT(t, !osmem_cache_push_sized(&c1, v, p, 70));
	before = osmem_tb_reports();
	osmem_cache_free_sized_slow(&c1, h, p, 200);
	texpect_report(t, before, OSMEM_FAULT_SIZE_MISMATCH, "free_sized", p, 104);
	KEXPECT_EQ(t, tcount(&c1), n);
	KEXPECT(t, osmem_cache_push_sized(&c1, v, p, 89));     /* r + 16 */
	KEXPECT_EQ(t, tcount(&c1), n + 1);
	p = tmalloc(&c1, h, 1);
	KEXPECT(t, osmem_cache_push_sized(&c1, v, p, 0));
	p = tmalloc(&c1, h, 24);
	KEXPECT(t, osmem_cache_push_sized(&c1, v, p, 24));
	OSMEM_END(t, a);
}

/* ------------------------------------------------ modes and life -- */

/* Debug mode sees every call: no cache attaches, all goes to the core,
 * which catches an overflow at the free. */
KTEST(osmem_cache, debug_mode_bypasses_the_caches)
{
	const struct osmem_backend *be;
	struct osmem_heap *h = osmem_test_heap();
	char *p;
	unsigned before;

	osmem_tb_set_debug(true);
	be = osmem_tb_init();
	KASSERT_NOT_NULL(t, be);
	a->init(h, be);
	memset(&c1, 0, sizeof(c1));
	KEXPECT(t, !osmem_cache_attach(&c1, h));
	KEXPECT_EQ(t, c1.state, OSMEM_CACHE_OFF);
	p = tmalloc(&c1, h, 24);
	KASSERT_NOT_NULL(t, p);
	KEXPECT(t, !osmem_cache_push(&c1, osmem_cache_heap(h), p));
	p[24] = 'x';                            /* one byte over */
	before = osmem_tb_reports();
	osmem_cache_free_slow(&c1, h, p);
	KEXPECT_EQ(t, osmem_tb_reports(), before + 1);
	if (osmem_tb_report(before))
		KEXPECT_EQ(t, osmem_tb_report(before)->fault, OSMEM_FAULT_REDZONE);
	KEXPECT_EQ(t, tstats(h).blocks_cached, 0);
	KEXPECT_EQ(t, fast_alloc_batch(h, 32, 4, (void *[4]){ 0 }), 0);
	osmem_tb_set_debug(false);
}

/* ----------------------------------------------------------- stash -- */

/* A freed medium block waits in the stash; a malloc of its size, or up
 * to a quarter smaller, takes it back without the heap's lock; counted
 * as cached meanwhile. */
KTEST(osmem_cache, the_stash_serves_medium_blocks_back)
{
	char *p, *q;
	unsigned locks;

	OSMEM_START(t, a);
	KASSERT(t, tattach(t, &c1, h));
	p = tmalloc(&c1, h, 4000);              /* a block of 4016 */
	KASSERT_NOT_NULL(t, p);
	tfree(&c1, h, p);
	KEXPECT_EQ(t, osmem_cache_stash_count(&c1), 1);
	KEXPECT_EQ(t, tstats(h).blocks_cached, 1);
	KEXPECT_EQ(t, tstats(h).bytes_cached, 4008);
	KEXPECT_EQ(t, a->check(h), 0);
	locks = osmem_tb_locks();
	q = tmalloc(&c1, h, 4000);
	KEXPECT_PTR_EQ(t, q, p);
	KEXPECT_EQ(t, osmem_tb_locks(), locks);
	KEXPECT_EQ(t, osmem_cache_stash_count(&c1), 0);
	KEXPECT_EQ(t, tstats(h).blocks_cached, 0);
	tfree(&c1, h, q);
	KEXPECT_PTR_EQ(t, tmalloc(&c1, h, 3300), p);    /* 3312: 4016 fits */
	tfree(&c1, h, p);
	q = tmalloc(&c1, h, 2000);              /* 2016: 4016 is too big */
	KEXPECT_PTR_NE(t, q, p);
	KEXPECT_EQ(t, osmem_cache_stash_count(&c1), 1);
	tfree(&c1, h, q);
	osmem_cache_flush(&c1);
	KEXPECT_EQ(t, osmem_cache_stash_count(&c1), 0);
	KEXPECT_EQ(t, tstats(h).blocks_cached, 0);
	OSMEM_END(t, a);
}

/* At most OSMEM_CACHE_STASH_COUNT blocks and OSMEM_CACHE_STASH_BYTES; the
 * rest goes to the core; nothing above the stash's sizes is kept. */
KTEST(osmem_cache, the_stash_is_bounded)
{
	char *p[OSMEM_CACHE_STASH_COUNT + 1], *big[3];

	OSMEM_START(t, a);
	KASSERT(t, tattach(t, &c1, h));
	for (int i = 0; i <= OSMEM_CACHE_STASH_COUNT; i++)
		KASSERT_NOT_NULL(t, p[i] = tmalloc(&c1, h, 2000));
	for (int i = 0; i <= OSMEM_CACHE_STASH_COUNT; i++)
		tfree(&c1, h, p[i]);
	KEXPECT_EQ(t, osmem_cache_stash_count(&c1), OSMEM_CACHE_STASH_COUNT);
	KEXPECT_EQ(t, tstats(h).blocks_cached, OSMEM_CACHE_STASH_COUNT);
	osmem_cache_flush(&c1);
	/* Three blocks of a bit more than a third of the bytes: two fit. */
	for (int i = 0; i < 3; i++)
		KASSERT_NOT_NULL(t, big[i] = tmalloc(&c1, h,
					OSMEM_CACHE_STASH_BYTES / 3 + 1024));
	for (int i = 0; i < 3; i++)
		tfree(&c1, h, big[i]);
	KEXPECT_EQ(t, osmem_cache_stash_count(&c1), 2);
	KEXPECT_LE(t, c1.stash_bytes, OSMEM_CACHE_STASH_BYTES);
	osmem_cache_flush(&c1);
	big[0] = tmalloc(&c1, h, OSMEM_CACHE_STASH_REQ_MAX + 1);
	if (big[0]) {                           /* mapped, or a heap block */
		tfree(&c1, h, big[0]);
		KEXPECT_EQ(t, osmem_cache_stash_count(&c1), 0);
	}
	OSMEM_END(t, a);
}

/* Large heap blocks (up to a 1 MiB request) only when the home asks
 * (stash_large): then a 1 MiB free and malloc in turn reuse the stashed
 * block without the heap's lock, it is counted as cached, a second free
 * of it (here or from another cache) is a double free, the budget keeps
 * one beside the medium ones, and a flush gives it back. */
KTEST(osmem_cache, the_stash_takes_large_blocks_when_asked)
{
	const size_t mib = (size_t)1 << 20;
	char *p, *q, *r;
	unsigned locks, before;
	size_t u;

	OSMEM_START(t, a);
	KASSERT_EQ(t, osmem_fast_tune(h, OSMEM_FAST_MMAP_THRESHOLD, 4 * mib), 0);
	KASSERT(t, tattach(t, &c1, h));
	KASSERT(t, tattach(t, &c2, h));
	KEXPECT_EQ(t, c1.stash_large, 0);
	p = tmalloc(&c1, h, mib);
	KASSERT_NOT_NULL(t, p);
	tfree(&c1, h, p);                       /* not asked: the core */
	KEXPECT_EQ(t, osmem_cache_stash_count(&c1), 0);
	c1.stash_large = OSMEM_CACHE_STASH_BLOCK_MAX;
	p = tmalloc(&c1, h, mib);
	KASSERT_NOT_NULL(t, p);
	u = a->usable_size(h, p);
	tfree(&c1, h, p);
	KEXPECT_EQ(t, osmem_cache_stash_count(&c1), 1);
	KEXPECT_EQ(t, tstats(h).blocks_cached, 1);
	KEXPECT_EQ(t, tstats(h).bytes_cached, u);
	before = osmem_tb_reports();
	tfree(&c1, h, p);
	texpect_report(t, before, OSMEM_FAULT_DOUBLE_FREE, "free", p, u);
	before = osmem_tb_reports();
	tfree(&c2, h, p);
	texpect_report(t, before, OSMEM_FAULT_DOUBLE_FREE, "free", p, u);
	locks = osmem_tb_locks();
	q = tmalloc(&c1, h, mib);
	KEXPECT_PTR_EQ(t, q, p);
	KEXPECT_EQ(t, osmem_tb_locks(), locks);
	KEXPECT_EQ(t, tstats(h).blocks_cached, 0);
	/* Two 1 MiB blocks: the budget stashes one. */
	r = tmalloc(&c1, h, mib);
	KASSERT_NOT_NULL(t, r);
	tfree(&c1, h, q);
	tfree(&c1, h, r);
	KEXPECT_EQ(t, osmem_cache_stash_count(&c1), 1);
	KEXPECT_LE(t, c1.stash_bytes, OSMEM_CACHE_STASH_BYTES + OSMEM_CACHE_STASH_BLOCK_MAX);
	/* Above the largest request a stash serves: the core. */
	p = tmalloc(&c1, h, OSMEM_CACHE_STASH_REQ_MAX + 1);
	KASSERT_NOT_NULL(t, p);
	tfree(&c1, h, p);
	KEXPECT_EQ(t, osmem_cache_stash_count(&c1), 1);
	osmem_cache_flush(&c1);
	KEXPECT_EQ(t, osmem_cache_stash_count(&c1), 0);
	KEXPECT_EQ(t, tstats(h).blocks_cached, 0);
	OSMEM_END(t, a);
}

/* The short way into the stash (osmem_cache_stash_free) takes only what
 * the slow path would stash, and no lock; a second free of the block, a
 * small block, a wild pointer, or a cache detached, go the long way. */
KTEST(osmem_cache, the_short_way_into_the_stash)
{
	const struct osmem_cache_heap *v;
	char *p, *s;
	unsigned locks;
	size_t cached;

	OSMEM_START(t, a);
	v = osmem_cache_heap(h);
	KASSERT(t, tattach(t, &c1, h));
	p = tmalloc(&c1, h, 4000);
	s = tmalloc(&c1, h, 100);
	KASSERT_NOT_NULL(t, p);
	KASSERT_NOT_NULL(t, s);
	KEXPECT(t, !osmem_cache_stash_free(&c1, v, s));         /* a list's */
	KEXPECT(t, !osmem_cache_stash_free(&c1, v, thide(p + 16)));
	cached = tstats(h).blocks_cached;      /* s's list's refill */
	locks = osmem_tb_locks();
	KEXPECT(t, osmem_cache_stash_free(&c1, v, p));
	KEXPECT_EQ(t, osmem_tb_locks(), locks);
	KEXPECT_EQ(t, osmem_cache_stash_count(&c1), 1);
	KEXPECT_EQ(t, tstats(h).blocks_cached, cached + 1);
	KEXPECT(t, !osmem_cache_stash_free(&c1, v, p));         /* keyed */
	KEXPECT_EQ(t, osmem_cache_stash_count(&c1), 1);
	KEXPECT_PTR_EQ(t, tmalloc(&c1, h, 4000), p);
	osmem_cache_detach(&c1);
	KEXPECT(t, !osmem_cache_stash_free(&c1, v, p));         /* detached */
	a->free(h, p);
	a->free(h, s);
	OSMEM_END(t, a);
}

/* A stashed block freed again, here or from another cache, is a double
 * free; realloc and usable_size of it are refused. */
KTEST(osmem_cache, a_stashed_block_is_still_caught)
{
	char *p;
	unsigned before;

	OSMEM_START(t, a);
	KASSERT(t, tattach(t, &c1, h));
	KASSERT(t, tattach(t, &c2, h));
	p = tmalloc(&c1, h, 5000);              /* a block of 5008 */
	tfree(&c1, h, p);
	before = osmem_tb_reports();
	tfree(&c1, h, p);
	texpect_report(t, before, OSMEM_FAULT_DOUBLE_FREE, "free", p, 5000);
	before = osmem_tb_reports();
	tfree(&c2, h, p);
	texpect_report(t, before, OSMEM_FAULT_DOUBLE_FREE, "free", p, 5000);
	before = osmem_tb_reports();
	KEXPECT(t, osmem_cache_refuse(&c2, h, p, OSMEM_OP_REALLOC));
	texpect_report(t, before, OSMEM_FAULT_DOUBLE_FREE, "realloc", p, 5000);
	before = osmem_tb_reports();
	KEXPECT(t, osmem_cache_refuse(&c1, h, p, OSMEM_OP_USABLE_SIZE));
	texpect_report(t, before, OSMEM_FAULT_INVALID_POINTER, "usable_size", p, 5000);
	KEXPECT_EQ(t, osmem_cache_stash_count(&c1), 1);
	KEXPECT_EQ(t, osmem_cache_stash_count(&c2), 0);
	osmem_cache_flush(&c1);
	OSMEM_END(t, a);
}

/* A stashed block written over after its free (its header) is not
 * handed out again: reported, dropped, and the malloc goes to the core. */
KTEST(osmem_cache, an_overwritten_stashed_block_is_caught)
{
	char *p, *q;
	unsigned before;

	OSMEM_START(t, a);
	KASSERT(t, tattach(t, &c1, h));
	p = tmalloc(&c1, h, 3000);
	tfree(&c1, h, p);
	((uint64_t *)(void *)p)[-1] ^= (uint64_t)1 << 50;   /* the seal */
	before = osmem_tb_reports();
	q = tmalloc(&c1, h, 3000);
	KEXPECT_EQ(t, osmem_tb_reports(), before + 1);
	KEXPECT_PTR_NE(t, q, p);
	KEXPECT_EQ(t, osmem_cache_stash_count(&c1), 0);
	((uint64_t *)(void *)p)[-1] ^= (uint64_t)1 << 50;   /* mended */
	((uint64_t *)(void *)p)[1] = 0;
	a->free(h, p);                          /* what the test leaked */
	tfree(&c1, h, q);
	osmem_cache_flush(&c1);
	OSMEM_END(t, a);
}

/* Detach: everything back, off the registry, later calls to the core. */
KTEST(osmem_cache, detach_gives_everything_back)
{
	char *p;
	struct osmem_stats st;

	OSMEM_START(t, a);
	KASSERT(t, tattach(t, &c1, h));
	KASSERT(t, tattach(t, &c2, h));
	tfree(&c1, h, tmalloc(&c1, h, 500));
	tfree(&c2, h, tmalloc(&c2, h, 30));
	osmem_cache_detach(&c1);
	KEXPECT_EQ(t, c1.state, OSMEM_CACHE_OFF);
	KEXPECT_EQ(t, tcount(&c1), 0);
	st = tstats(h);
	KEXPECT_EQ(t, st.blocks_cached, tcount(&c2));
	KEXPECT_PTR_EQ(t, osmem_cache_heap(h)->caches, &c2);
	p = tmalloc(&c1, h, 40);                /* from the core */
	tfree(&c1, h, p);
	KEXPECT_EQ(t, tcount(&c1), 0);
	KEXPECT_EQ(t, tstats(h).blocks_in_use, 0);
	OSMEM_END(t, a);
}

/* After fork the child keeps the forking thread's cache; the others'
 * blocks stay allocated, counted as cached (orphans), none lost. */
KTEST(osmem_cache, after_fork_keeps_the_forking_cache)
{
	struct osmem_stats before, after;
	char *p;

	OSMEM_START(t, a);
	KASSERT(t, tattach(t, &c1, h));
	KASSERT(t, tattach(t, &c2, h));
	tfree(&c1, h, tmalloc(&c1, h, 64));
	tfree(&c2, h, tmalloc(&c2, h, 300));
	before = tstats(h);
	osmem_cache_after_fork(h, &c1);
	KEXPECT_PTR_EQ(t, osmem_cache_heap(h)->caches, &c1);
	KEXPECT_PTR_EQ(t, c1.next, NULL);
	after = tstats(h);
	KEXPECT_EQ(t, after.blocks_cached, before.blocks_cached);
	KEXPECT_EQ(t, after.bytes_cached, before.bytes_cached);
	KEXPECT_EQ(t, after.blocks_in_use, before.blocks_in_use);
	p = tmalloc(&c1, h, 64);
	KEXPECT_NOT_NULL(t, p);
	tfree(&c1, h, p);
	memset(&c2, 0, sizeof(c2));             /* the lost thread's memory */
	OSMEM_END(t, a);
}
