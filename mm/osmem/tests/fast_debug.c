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
	/* 100 bytes, 1 of red zone, the 16-byte trailer and the size word,
	 * rounded up to 16: a block of 128 bytes, 120 of payload */
	KEXPECT_EQ(t, st.quarantined_bytes, 120);
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

/* Many blocks through debug mode: poison and red zones stay consistent
 * across splits, merges, growth and trims. */
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
		live[k] = debug_malloc(h, len[k]);
		KASSERT_NOT_NULL(t, live[k]);
		osmem_fill(live[k], len[k], k);
		if (i % 1000 == 0)
			KEXPECT_EQ(t, a->check(h), 0);
	}
	for (int k = 0; k < 256; k++)
		debug_free(h, live[k]);
	KEXPECT_EQ(t, osmem_tb_reports(), 0);
	OSMEM_END(t, a);
}
