/* SPDX-License-Identifier: MIT */
/*
 * osmem_fast_debug: the fast allocator in debug mode (fast_debug.c): red
 * zones, poison checked lazily, the quarantine of freed blocks, zero-size
 * blocks, allocation and free sites. Each case starts a heap on a test
 * backend with debug on, provokes one fault, and checks the report (kind,
 * pointer, size, sites), that the operation was refused, that a sentinel
 * block kept its bytes and that check() passes afterwards.
 */
#include "mm/osmem/tests/fast_tests.h"
#include "libk/string.h"

#define SEED 91u
#define ALLOC_SITE ((const void *)(uintptr_t)0x1234560)
#define FREE_SITE  ((const void *)(uintptr_t)0x7654320)

#define DEBUG_START(t)                                                        \
	osmem_tb_set_debug(true);                                             \
	FAST_START_ON(t, osmem_tb_init())

#define REPORT_EXPECT(t, i, kind, p, sz)                                      \
	do {                                                                  \
		const struct osmem_report *r_ = osmem_tb_report(i);           \
		KEXPECT_EQ(t, osmem_tb_reports(), (i) + 1);                   \
		if (KEXPECT_NOT_NULL(t, r_)) {                                \
			KEXPECT_EQ(t, r_->fault, (kind));                     \
			KEXPECT_PTR_EQ(t, r_->ptr, (p));                      \
			KEXPECT_EQ(t, r_->size, (size_t)(sz));                \
		}                                                             \
	} while (0)

static char *debug_malloc(struct osmem_heap *h, size_t n)
{
	osmem_tb_set_caller(ALLOC_SITE);
	return osmem_fast.malloc(h, n);
}

static void debug_free(struct osmem_heap *h, void *p)
{
	osmem_tb_set_caller(FREE_SITE);
	osmem_fast.free(h, p);
}

KTEST(osmem_fast_debug, usable_size_is_the_request)
{
	const struct osmem_allocator *a = &osmem_fast;
	char *p[4];
	size_t n[4] = { 0, 1, 40, 1000 };

	DEBUG_START(t);
	for (int i = 0; i < 4; i++) {
		p[i] = debug_malloc(h, n[i]);
		KASSERT_NOT_NULL(t, p[i]);
		KEXPECT_EQ(t, (uintptr_t)p[i] % 16, 0);
		KEXPECT_EQ(t, a->usable_size(h, p[i]), n[i]);
		osmem_fill(p[i], n[i], SEED + i);
	}
	p[3] = a->realloc(h, p[3], 2000);
	KASSERT_NOT_NULL(t, p[3]);
	KEXPECT(t, osmem_verify(p[3], 1000, SEED + 3));
	KEXPECT_EQ(t, a->usable_size(h, p[3]), 2000);
	p[0] = a->calloc(h, 10, 10);
	KASSERT_NOT_NULL(t, p[0]);
	KEXPECT(t, osmem_is_zero(p[0], 100));
	KEXPECT_EQ(t, a->usable_size(h, p[0]), 100);
	p[1] = a->memalign(h, 256, 100);
	KASSERT_NOT_NULL(t, p[1]);
	KEXPECT_EQ(t, (uintptr_t)p[1] % 256, 0);
	KEXPECT_EQ(t, a->usable_size(h, p[1]), 100);
	KEXPECT_EQ(t, osmem_tb_reports(), 0);
	KEXPECT_EQ(t, a->check(h), 0);
	OSMEM_END(t, a);
}

KTEST(osmem_fast_debug, one_byte_overflow_caught_at_free)
{
	const struct osmem_allocator *a = &osmem_fast;
	const struct osmem_report *r;
	char *p, *s;

	DEBUG_START(t);
	p = debug_malloc(h, 40);
	s = debug_malloc(h, 40);
	KASSERT_NOT_NULL(t, s);
	osmem_fill(s, 40, SEED);
	p[40] = 0;                              /* one byte past the end */
	debug_free(h, p);
	REPORT_EXPECT(t, 0, OSMEM_FAULT_REDZONE, p, 40);
	r = osmem_tb_report(0);
	if (r) {
		KEXPECT_PTR_EQ(t, r->alloc_site, ALLOC_SITE);
		KEXPECT_STREQ(t, r->op, "free");
	}
	/* Refused, and out of use for good: never handed out, never freed. */
	KEXPECT_EQ(t, a->check(h), 0);
	KEXPECT_PTR_NE(t, debug_malloc(h, 40), p);
	KEXPECT_NULL(t, a->realloc(h, p, 100));
	REPORT_EXPECT(t, 1, OSMEM_FAULT_INVALID_POINTER, p, 0);
	KEXPECT(t, osmem_verify(s, 40, SEED));
	OSMEM_END(t, a);
}

KTEST(osmem_fast_debug, one_byte_overflow_caught_by_check)
{
	const struct osmem_allocator *a = &osmem_fast;
	char *p, *s;

	DEBUG_START(t);
	p = debug_malloc(h, 100);
	s = debug_malloc(h, 300 * 1024);        /* a mapping */
	KASSERT_NOT_NULL(t, p);
	KASSERT_NOT_NULL(t, s);
	p[100] = 'x';
	KEXPECT_NE(t, a->check(h), 0);
	REPORT_EXPECT(t, 0, OSMEM_FAULT_REDZONE, p, 100);
	if (osmem_tb_report(0))
		KEXPECT_STREQ(t, osmem_tb_report(0)->op, "check");
	p[100] = (char)0xfb;
	s[300 * 1024] = 'x';
	KEXPECT_NE(t, a->check(h), 0);
	REPORT_EXPECT(t, 1, OSMEM_FAULT_REDZONE, s, 300 * 1024);
	debug_free(h, s);                       /* refused: left mapped */
	REPORT_EXPECT(t, 2, OSMEM_FAULT_REDZONE, s, 300 * 1024);
	KEXPECT_EQ(t, osmem_tb_live_maps(), 1);
	KEXPECT_EQ(t, a->check(h), 0);
	debug_free(h, p);
	KEXPECT_EQ(t, osmem_tb_reports(), 3);
	OSMEM_END(t, a);
}

/* Report i names `op` and the sites of the block freed from FREE_SITE. */
static void expect_sites(struct ktest *t, unsigned i, const char *op)
{
	const struct osmem_report *r = osmem_tb_report(i);

	if (!KEXPECT_NOT_NULL(t, r))
		return;
	KEXPECT_STREQ(t, r->op, op);
	KEXPECT_PTR_EQ(t, r->alloc_site, ALLOC_SITE);
	KEXPECT_PTR_EQ(t, r->free_site, FREE_SITE);
}

/* Free a heap block larger than the quarantine's bound (the heaps here
 * stay below 8 x FAST_QUARANTINE_MIN): every block freed before it
 * leaves the quarantine, and so does it. */
static void debug_flush(struct ktest *t, struct osmem_heap *h)
{
	char *big = debug_malloc(h, FAST_QUARANTINE_MIN + 4096);

	KEXPECT_NOT_NULL(t, big);
	debug_free(h, big);
}

static void debug_stats(struct osmem_heap *h, struct osmem_stats *st)
{
	osmem_fast.stats(h, st);
}

/* A freed block waits in the quarantine: the next malloc of its size gets
 * another block, so a write through the stale pointer lands in poison,
 * not in the new owner's data; check() reports it, and so does the free
 * that pushes the block out of the quarantine (with both sites). */
KTEST(osmem_fast_debug, quarantine_catches_a_stale_write_after_reuse)
{
	const struct osmem_allocator *a = &osmem_fast;
	struct osmem_stats st;
	char *p, *q, *s;

	DEBUG_START(t);
	p = debug_malloc(h, 100);
	s = debug_malloc(h, 100);
	KASSERT_NOT_NULL(t, s);
	osmem_fill(s, 100, SEED);
	debug_free(h, p);
	q = debug_malloc(h, 100);
	KASSERT_NOT_NULL(t, q);
	KEXPECT_PTR_NE(t, q, p);                /* p is not handed out again */
	osmem_fill(q, 100, SEED + 1);
	debug_stats(h, &st);
	KEXPECT_EQ(t, st.quarantined_blocks, 1);
	/* 100 bytes, 1 of red zone, the 24-byte trailer and the size word,
	 * rounded up to 16: a block of 144 bytes, 136 of payload */
	KEXPECT_EQ(t, st.quarantined_bytes, 136);
	KEXPECT_EQ(t, st.blocks_in_use, 2);
	p[50] = 1;                              /* a stale write */
	KEXPECT(t, osmem_verify(q, 100, SEED + 1));
	KEXPECT_EQ(t, osmem_tb_reports(), 0);
	KEXPECT_NE(t, a->check(h), 0);
	REPORT_EXPECT(t, 0, OSMEM_FAULT_USE_AFTER_FREE, p, 100);
	expect_sites(t, 0, "check");
	debug_flush(t, h);                      /* p leaves the quarantine */
	REPORT_EXPECT(t, 1, OSMEM_FAULT_USE_AFTER_FREE, p, 100);
	expect_sites(t, 1, "free");
	/* Retired for good: never handed out, check() passes. */
	debug_stats(h, &st);
	KEXPECT_EQ(t, st.quarantined_blocks, 0);
	KEXPECT_EQ(t, st.quarantined_bytes, 0);
	KEXPECT_EQ(t, a->check(h), 0);
	KEXPECT(t, osmem_verify(q, 100, SEED + 1));
	KEXPECT(t, osmem_verify(s, 100, SEED));
	debug_free(h, q);
	debug_free(h, s);
	KEXPECT_EQ(t, osmem_tb_reports(), 2);
	OSMEM_END(t, a);
}

/* check() sees a written quarantined block; a free that would have merged
 * with it does not (nothing merges with a quarantined block); its
 * leaving the quarantine does; the block freed after it is free again and
 * a second free of it is a double free, with its sites. */
KTEST(osmem_fast_debug, write_after_free_caught_by_check_and_when_it_leaves)
{
	const struct osmem_allocator *a = &osmem_fast;
	char *p, *q, *s;

	DEBUG_START(t);
	p = debug_malloc(h, 100);
	q = debug_malloc(h, 100);
	s = debug_malloc(h, 100);
	KASSERT_NOT_NULL(t, s);
	osmem_fill(s, 100, SEED);
	debug_free(h, p);
	p[80] = 1;
	KEXPECT_NE(t, a->check(h), 0);
	REPORT_EXPECT(t, 0, OSMEM_FAULT_USE_AFTER_FREE, p, 100);
	debug_free(h, q);                       /* p's neighbour: no merge */
	KEXPECT_EQ(t, osmem_tb_reports(), 1);
	debug_flush(t, h);
	REPORT_EXPECT(t, 1, OSMEM_FAULT_USE_AFTER_FREE, p, 100);
	expect_sites(t, 1, "free");
	KEXPECT(t, osmem_verify(s, 100, SEED));
	KEXPECT_EQ(t, a->check(h), 0);
	debug_free(h, q);
	REPORT_EXPECT(t, 2, OSMEM_FAULT_DOUBLE_FREE, q, 100);
	expect_sites(t, 2, "free");
	KEXPECT_EQ(t, a->check(h), 0);
	OSMEM_END(t, a);
}

/* A second free (or realloc) of a block still in the quarantine is a
 * double free with the size the program asked for and both sites, even
 * after malloc handed out a block of the same size; the new block is
 * untouched. usable_size of it names no live block. */
KTEST(osmem_fast_debug, double_free_of_a_quarantined_block)
{
	const struct osmem_allocator *a = &osmem_fast;
	struct osmem_stats st;
	char *p, *q;

	DEBUG_START(t);
	p = debug_malloc(h, 100);
	KASSERT_NOT_NULL(t, p);
	debug_free(h, p);
	q = debug_malloc(h, 100);
	KASSERT_NOT_NULL(t, q);
	osmem_fill(q, 100, SEED);
	debug_free(h, p);
	REPORT_EXPECT(t, 0, OSMEM_FAULT_DOUBLE_FREE, p, 100);
	expect_sites(t, 0, "free");
	KEXPECT_NULL(t, a->realloc(h, p, 200));
	REPORT_EXPECT(t, 1, OSMEM_FAULT_DOUBLE_FREE, p, 100);
	KEXPECT_EQ(t, a->usable_size(h, p), 0);
	REPORT_EXPECT(t, 2, OSMEM_FAULT_INVALID_POINTER, p, 100);
	KEXPECT(t, osmem_verify(q, 100, SEED));
	KEXPECT_EQ(t, a->usable_size(h, q), 100);
	debug_stats(h, &st);
	KEXPECT_EQ(t, st.quarantined_blocks, 1);
	KEXPECT_EQ(t, st.blocks_in_use, 1);
	KEXPECT_EQ(t, a->check(h), 0);
	debug_free(h, q);
	KEXPECT_EQ(t, osmem_tb_reports(), 3);
	OSMEM_END(t, a);
}

#define BOUND_BLOCKS 1600
#define BOUND_SIZE   1000

/*
 * The quarantine holds freed heap blocks first in, first out, up to
 * fast_quarantine_bound of the heap at its largest (1/8, at least
 * FAST_QUARANTINE_MIN, at most FAST_QUARANTINE_MAX) and never more; the
 * blocks still in it are not handed out; mappings never enter it.
 */
KTEST(osmem_fast_debug, quarantine_bound_respected)
{
	const struct osmem_allocator *a = &osmem_fast;
	static char *blk[BOUND_BLOCKS];
	struct osmem_stats st;
	size_t heap_max = 0, over = 0, bound = 0, unmaps, usable;
	unsigned held, reused = 0;
	char *m;

	KEXPECT_EQ(t, fast_quarantine_bound(0), FAST_QUARANTINE_MIN);
	KEXPECT_EQ(t, fast_quarantine_bound((size_t)1 << 20), (size_t)128 << 10);
	KEXPECT_EQ(t, fast_quarantine_bound((size_t)64 << 20), FAST_QUARANTINE_MAX);
	KEXPECT_EQ(t, fast_quarantine_bound((size_t)1 << 40), FAST_QUARANTINE_MAX);
	DEBUG_START(t);
	for (unsigned i = 0; i < BOUND_BLOCKS; i++) {
		blk[i] = debug_malloc(h, BOUND_SIZE);
		KASSERT_NOT_NULL(t, blk[i]);
		debug_stats(h, &st);
		heap_max = st.heap_bytes > heap_max ? st.heap_bytes : heap_max;
	}
	/* The heap passed 1.5 MiB: the bound is 1/8 of it, over the floor. */
	bound = fast_quarantine_bound(heap_max);
	KEXPECT_GT(t, bound, FAST_QUARANTINE_MIN);
	usable = bound;         /* a freed block's payload bytes, below */
	for (unsigned i = 0; i < BOUND_BLOCKS; i++) {
		debug_free(h, blk[i]);
		debug_stats(h, &st);
		heap_max = st.heap_bytes > heap_max ? st.heap_bytes : heap_max;
		over += st.quarantined_bytes > fast_quarantine_bound(heap_max);
		if (i == 0)
			usable = st.quarantined_bytes;
	}
	KEXPECT_EQ(t, over, 0);
	KEXPECT_EQ(t, fast_quarantine_bound(heap_max), bound);
	KASSERT(t, usable > 0);                 /* the first free was held */
	/* Full: as many bytes as it may hold, in whole blocks (one of them
	 * may be a little larger: a split leaves no block under 64 bytes). */
	KEXPECT_GT(t, st.quarantined_bytes, bound - usable);
	KEXPECT_EQ(t, st.quarantined_bytes / usable, st.quarantined_blocks);
	held = (unsigned)st.quarantined_blocks;
	KEXPECT_EQ(t, a->check(h), 0);
	/* The newest `held` blocks are still out of use; the older ones
	 * came back (first in, first out). */
	for (unsigned i = 0; i < 64; i++) {
		char *q = debug_malloc(h, BOUND_SIZE);

		KASSERT_NOT_NULL(t, q);
		for (unsigned k = BOUND_BLOCKS - held; k < BOUND_BLOCKS; k++)
			reused += q == blk[k];
	}
	KEXPECT_EQ(t, reused, 0);
	/* A mapping is unmapped at free, never quarantined. */
	unmaps = osmem_tb_count(OSMEM_TB_UNMAP);
	m = debug_malloc(h, 300 * 1024);
	KASSERT_NOT_NULL(t, m);
	debug_free(h, m);
	KEXPECT_EQ(t, osmem_tb_count(OSMEM_TB_UNMAP), unmaps + 1);
	debug_stats(h, &st);
	KEXPECT_EQ(t, st.quarantined_blocks, held);
	KEXPECT_EQ(t, osmem_tb_reports(), 0);
	KEXPECT_EQ(t, a->check(h), 0);
	OSMEM_END(t, a);
}

#define ZERO_MANY (FAST_ZERO_SLOTS + 1)

/*
 * malloc(0) in debug mode: distinct 16-aligned addresses in a range the
 * backend reserved (every access faults there; mm/tests/ checks that in
 * the kernel), no heap memory, usable size 0; free and realloc take them;
 * a second free is a double free; a used-up range goes back once all its
 * blocks are freed.
 */
KTEST(osmem_fast_debug, malloc0_gives_distinct_addresses_that_fault)
{
	const struct osmem_allocator *a = &osmem_fast;
	static char *z[ZERO_MANY];
	struct osmem_stats st;
	unsigned bad = 0;
	char *q;

	DEBUG_START(t);
	for (unsigned i = 0; i < ZERO_MANY; i++) {
		z[i] = debug_malloc(h, 0);
		KASSERT_NOT_NULL(t, z[i]);
		bad += (uintptr_t)z[i] % 16 != 0 || !osmem_tb_is_reserved(z[i]) ||
		       (i && z[i] == z[i - 1]);
	}
	KEXPECT_EQ(t, bad, 0);
	for (unsigned i = 0; i + 1 < ZERO_MANY; i += 97)
		for (unsigned k = i + 1; k < ZERO_MANY; k++)
			bad += z[i] == z[k];
	KEXPECT_EQ(t, bad, 0);
	KEXPECT_EQ(t, osmem_tb_count(OSMEM_TB_RESERVE), 2);
	KEXPECT_EQ(t, a->usable_size(h, z[0]), 0);
	debug_stats(h, &st);
	KEXPECT_EQ(t, st.blocks_in_use, 0);
	KEXPECT_EQ(t, st.heap_bytes, 0);
	KEXPECT_EQ(t, a->check(h), 0);
	/* calloc(0, n) and realloc(NULL, 0) are zero-size blocks too */
	q = a->calloc(h, 0, 8);
	KEXPECT(t, q && osmem_tb_is_reserved(q));
	debug_free(h, q);
	q = a->realloc(h, NULL, 0);
	KEXPECT(t, q && osmem_tb_is_reserved(q));
	debug_free(h, q);
	KEXPECT_EQ(t, osmem_tb_reports(), 0);
	/* misuse: a second free, an address between two blocks */
	debug_free(h, z[0]);
	debug_free(h, z[0]);
	REPORT_EXPECT(t, 0, OSMEM_FAULT_DOUBLE_FREE, z[0], 0);
	debug_free(h, z[1] + 8);
	REPORT_EXPECT(t, 1, OSMEM_FAULT_INVALID_POINTER, z[1] + 8, 0);
	KEXPECT_EQ(t, a->usable_size(h, z[0]), 0);
	REPORT_EXPECT(t, 2, OSMEM_FAULT_INVALID_POINTER, z[0], 0);
	/* realloc to a size: a block, and the zero-size block is released */
	q = a->realloc(h, z[1], 40);
	KASSERT_NOT_NULL(t, q);
	KEXPECT(t, !osmem_tb_is_reserved(q));
	KEXPECT_EQ(t, a->usable_size(h, q), 40);
	debug_free(h, z[1]);
	REPORT_EXPECT(t, 3, OSMEM_FAULT_DOUBLE_FREE, z[1], 0);
	KEXPECT_NULL(t, a->realloc(h, z[2], 0));        /* frees it */
	debug_free(h, z[2]);
	REPORT_EXPECT(t, 4, OSMEM_FAULT_DOUBLE_FREE, z[2], 0);
	debug_free(h, q);
	for (unsigned i = 3; i < ZERO_MANY; i++)
		debug_free(h, z[i]);
	KEXPECT_EQ(t, osmem_tb_reports(), 5);
	/* the first range is used up and all free: given back */
	KEXPECT_EQ(t, osmem_tb_count(OSMEM_TB_UNMAP), 1);
	KEXPECT_EQ(t, osmem_tb_live_reserves(), 1);
	KEXPECT_EQ(t, a->check(h), 0);
	OSMEM_END(t, a);
}

/* When the backend cannot reserve (the call fails, or the backend has no
 * pages_reserve), malloc(0) takes a minimum heap block, as in default
 * mode: usable size 0, freed like any block. */
KTEST(osmem_fast_debug, malloc0_falls_back_to_a_block)
{
	const struct osmem_allocator *a = &osmem_fast;
	static struct osmem_backend no_reserve;
	struct osmem_stats st;
	char *z;

	DEBUG_START(t);
	osmem_tb_fail_at(1);
	z = debug_malloc(h, 0);
	KASSERT_NOT_NULL(t, z);
	KEXPECT_EQ(t, osmem_tb_count(OSMEM_TB_RESERVE), 1);
	KEXPECT(t, !osmem_tb_is_reserved(z));
	KEXPECT_EQ(t, a->usable_size(h, z), 0);
	debug_stats(h, &st);
	KEXPECT_EQ(t, st.blocks_in_use, 1);
	debug_free(h, z);
	KEXPECT_EQ(t, a->check(h), 0);
	OSMEM_END(t, a);

	osmem_tb_set_debug(true);
	no_reserve = *osmem_tb_init();
	no_reserve.pages_reserve = NULL;
	a->init(h, &no_reserve);
	z = debug_malloc(h, 0);
	KASSERT_NOT_NULL(t, z);
	KEXPECT(t, !osmem_tb_is_reserved(z));
	KEXPECT_EQ(t, a->usable_size(h, z), 0);
	KEXPECT_NULL(t, a->realloc(h, z, 0));
	KEXPECT_EQ(t, osmem_tb_count(OSMEM_TB_RESERVE), 0);
	KEXPECT_EQ(t, osmem_tb_reports(), 0);
	OSMEM_END(t, a);
}

/*
 * The hot loop (malloc and free of a small block) neither verifies nor
 * poisons again the free block it is carved from: a byte written deep in
 * the top free block stays as it is and unreported while the loop runs.
 * It is found when that part is handed out (malloc) and by check().
 */
KTEST(osmem_fast_debug, hot_loop_leaves_the_rest_of_the_free_block_alone)
{
	const struct osmem_allocator *a = &osmem_fast;
	static struct fast_walk w;
	char *p, *top = NULL, *big;
	size_t top_size = 0;

	DEBUG_START(t);
	p = debug_malloc(h, 32);
	KASSERT_NOT_NULL(t, p);
	debug_free(h, p);
	fast_walk_all(h, &w);
	for (unsigned i = 0; i < w.n && i < FAST_WALK_MAX; i++) {
		if (w.b[i].kind == OSMEM_BLOCK_FREE) {
			top = w.b[i].payload;
			top_size = w.b[i].size;
		}
	}
	KASSERT_NOT_NULL(t, top);
	KASSERT_GE(t, top_size, 48 * 1024);
	top[32 * 1024] = 0x11;                  /* a stray write, far inside */
	for (int i = 0; i < 200; i++) {
		p = debug_malloc(h, 32);
		KASSERT_NOT_NULL(t, p);
		debug_free(h, p);
	}
	KEXPECT_EQ(t, osmem_tb_reports(), 0);
	KEXPECT_EQ(t, top[32 * 1024], 0x11);    /* not poisoned over */
	KEXPECT_NE(t, a->check(h), 0);
	KEXPECT_EQ(t, osmem_tb_reports(), 1);
	if (osmem_tb_report(0))
		KEXPECT_EQ(t, osmem_tb_report(0)->fault, OSMEM_FAULT_USE_AFTER_FREE);
	/* Handing out the part that holds it: reported, retired, and the
	 * request served elsewhere. */
	big = debug_malloc(h, 40 * 1024);
	KASSERT_NOT_NULL(t, big);
	KEXPECT_EQ(t, osmem_tb_reports(), 2);
	if (osmem_tb_report(1)) {
		KEXPECT_EQ(t, osmem_tb_report(1)->fault, OSMEM_FAULT_USE_AFTER_FREE);
		KEXPECT_STREQ(t, osmem_tb_report(1)->op, "malloc");
	}
	KEXPECT(t, big > top + 32 * 1024 || big + 40 * 1024 <= top);
	osmem_fill(big, 40 * 1024, SEED);
	KEXPECT_EQ(t, a->check(h), 0);
	debug_free(h, big);
	OSMEM_END(t, a);
}

/* Many blocks through debug mode: poison and red zones stay consistent
 * across splits, merges, growth, trims, the quarantine and memalign's
 * leading and trailing parts. */
KTEST(osmem_fast_debug, churn_stays_clean)
{
	const struct osmem_allocator *a = &osmem_fast;
	static char *live[256];
	static size_t len[256];
	uint32_t rnd = 7;

	DEBUG_START(t);
	memset(live, 0, sizeof(live));
	for (int i = 0; i < 20000; i++) {
		unsigned k = osmem_rand(&rnd) % 256;

		if (live[k]) {
			KEXPECT(t, osmem_verify(live[k], len[k], k));
			if (osmem_rand(&rnd) % 4 == 0) {
				len[k] = osmem_rand(&rnd) % 3000;
				live[k] = a->realloc(h, live[k], len[k] ? len[k] : 1);
				len[k] = len[k] ? len[k] : 1;
				osmem_fill(live[k], len[k], k);
				continue;
			}
			debug_free(h, live[k]);
			live[k] = NULL;
			continue;
		}
		len[k] = osmem_rand(&rnd) % (osmem_rand(&rnd) % 16 ? 600 : 200000);
		if (osmem_rand(&rnd) % 8 == 0) {
			/* 32 and 64: below the 64-byte part memalign gives back */
			size_t align = (size_t)32 << (osmem_rand(&rnd) % 6);

			live[k] = a->memalign(h, align, len[k]);
			KASSERT_NOT_NULL(t, live[k]);
			KEXPECT_EQ(t, (uintptr_t)live[k] % align, 0);
		} else {
			live[k] = debug_malloc(h, len[k]);
			KASSERT_NOT_NULL(t, live[k]);
		}
		osmem_fill(live[k], len[k], k);
		if (i % 1000 == 0)
			KEXPECT_EQ(t, a->check(h), 0);
	}
	for (int k = 0; k < 256; k++)
		debug_free(h, live[k]);
	KEXPECT_EQ(t, osmem_tb_reports(), 0);
	OSMEM_END(t, a);
}
