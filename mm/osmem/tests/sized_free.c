/* SPDX-License-Identifier: MIT */
/*
 * The core's sized free (allocator.h: free_sized; suite osmem_sized_free,
 * both homes): a size the block may have been allocated with frees it; any
 * other is reported once (OSMEM_FAULT_SIZE_MISMATCH, with the block's size
 * and the size given) and refused: the block stays live, its bytes and
 * usable size as they were, never handed out twice; check() passes.
 *
 * fast's rule (mm/osmem/fast_sized.c): debug mode wants the exact request;
 * default mode a size whose block is the block's size or 16 bytes less,
 * and for a mapping any size up to its usable size. classic has no
 * free_sized (its callers fall back to free).
 */
#include "mm/osmem/tests/osmem_tests.h"
#include "libk/printf.h"
#include "libk/string.h"
#include <stdbool.h>

#define SEED 0x51
#define LARGE ((size_t)256 * 1024)	/* a mapping */
#define ALLOC_SITE ((const void *)(uintptr_t)0xa110c)

/* Expect exactly one new report since `before`: a size mismatch of p,
 * naming block and given, and its line. */
static void expect_mismatch(struct ktest *t, unsigned before, const void *p,
			    size_t block, size_t given)
{
	const struct osmem_report *r = osmem_tb_report(before);
	char line[OSMEM_TB_REPORT_LINE];

	KEXPECT_EQ(t, osmem_tb_reports(), before + 1);
	if (!KEXPECT_NOT_NULL(t, r))
		return;
	KEXPECT_EQ(t, r->fault, OSMEM_FAULT_SIZE_MISMATCH);
	KEXPECT_PTR_EQ(t, r->ptr, p);
	KEXPECT_EQ(t, r->size, block);
	KEXPECT_EQ(t, r->given, given);
	KEXPECT_STREQ(t, r->op, "free_sized");
	snprintf(line, sizeof(line),
		 "osmem: sized delete size mismatch of %p (block of %zu bytes): size given %zu in free_sized",
		 p, block, given);
	if (!r->alloc_site)
		KEXPECT_STREQ(t, osmem_tb_report_line(before), line);
}

/* p (n bytes filled with seed) is still live and whole: same usable
 * size, same bytes, and malloc does not hand it out again. */
static void expect_live(struct ktest *t, const struct osmem_allocator *a,
			struct osmem_heap *h, char *p, size_t n, size_t usable,
			unsigned seed)
{
	unsigned before = osmem_tb_reports();
	char *q;

	KEXPECT_EQ(t, a->usable_size(h, p), usable);
	KEXPECT(t, osmem_verify(p, n, seed));
	q = a->malloc(h, n);
	KEXPECT_PTR_NE(t, q, p);
	a->free(h, q);
	KEXPECT_EQ(t, osmem_tb_reports(), before);
}

/* p was freed: the blocks in use are back to `live`. */
static void expect_freed(struct ktest *t, const struct osmem_allocator *a,
			 struct osmem_heap *h, size_t live)
{
	struct osmem_stats st;

	a->stats(h, &st);
	KEXPECT_EQ(t, st.blocks_in_use + st.mapped_blocks, live);
}

static size_t live_blocks(const struct osmem_allocator *a,
			  struct osmem_heap *h)
{
	struct osmem_stats st;

	a->stats(h, &st);
	return st.blocks_in_use + st.mapped_blocks;
}

KTEST(osmem_sized_free, the_request_size_frees)
{
	static const size_t sizes[] = { 0, 1, 24, 25, 40, 100, 1000, 5000,
					100000, LARGE };
	const struct osmem_allocator *a;

	OSMEM_FOR_EACH_ALLOCATOR(t, a) {
		if (!a->free_sized)
			continue;
		OSMEM_START(t, a);
		size_t live = live_blocks(a, h);

		for (unsigned i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
			size_t n = sizes[i];
			char *p = a->malloc(h, n);

			KASSERT_NOT_NULL(t, p);
			osmem_fill(p, n, SEED);
			a->free_sized(h, p, n);
			expect_freed(t, a, h, live);
			p = a->memalign(h, 64, n);
			KASSERT_NOT_NULL(t, p);
			a->free_sized(h, p, n);
			expect_freed(t, a, h, live);
			p = a->calloc(h, 5, n);
			KASSERT_NOT_NULL(t, p);
			a->free_sized(h, p, 5 * n);
			expect_freed(t, a, h, live);
		}
		a->free_sized(h, NULL, 12);
		KEXPECT_EQ(t, osmem_tb_reports(), 0);
		OSMEM_END(t, a);
	}
}

KTEST(osmem_sized_free, fast_has_free_sized)
{
	KEXPECT_NOT_NULL(t, osmem_fast.free_sized);
}

/* A size above the usable size never matches, on the heap or a mapping. */
KTEST(osmem_sized_free, a_larger_size_is_refused)
{
	static const size_t sizes[] = { 40, 1000, LARGE };
	const struct osmem_allocator *a;

	OSMEM_FOR_EACH_ALLOCATOR(t, a) {
		if (!a->free_sized)
			continue;
		OSMEM_START(t, a);

		for (unsigned i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
			size_t n = sizes[i], usable, live;
			char *p = a->malloc(h, n);
			unsigned r0;

			KASSERT_NOT_NULL(t, p);
			osmem_fill(p, n, SEED + i);
			usable = a->usable_size(h, p);
			live = live_blocks(a, h);
			r0 = osmem_tb_reports();
			a->free_sized(h, p, usable + 1);
			expect_mismatch(t, r0, p, usable, usable + 1);
			expect_live(t, a, h, p, n, usable, SEED + i);
			KEXPECT_EQ(t, a->check(h), 0);
			a->free_sized(h, p, n);
			KEXPECT_EQ(t, osmem_tb_reports(), r0 + 1);
			expect_freed(t, a, h, live - 1);
		}
		OSMEM_END(t, a);
	}
}

/*
 * fast, default mode: malloc(100) is a block of 112 bytes (104 usable),
 * which requests of 73..104 bytes may have been given (96- or 112-byte
 * blocks); 72 would have had a block of 80 bytes, 105 one of 128.
 */
KTEST(osmem_sized_free, fast_default_rule_edges)
{
	static const size_t wrong[] = { 72, 105, 0, 1000, 71 };
	const struct osmem_allocator *a = &osmem_fast;
	char *p, *q;
	unsigned r0;

	OSMEM_START(t, a);
	p = a->malloc(h, 100);
	q = a->malloc(h, 100);
	KASSERT_NOT_NULL(t, q);
	KEXPECT_EQ(t, a->usable_size(h, p), 104);
	osmem_fill(p, 100, SEED);
	for (unsigned i = 0; i < sizeof(wrong) / sizeof(wrong[0]); i++) {
		r0 = osmem_tb_reports();
		a->free_sized(h, p, wrong[i]);
		expect_mismatch(t, r0, p, 104, wrong[i]);
		expect_live(t, a, h, p, 100, 104, SEED);
	}
	r0 = osmem_tb_reports();
	a->free_sized(h, p, 73);
	a->free_sized(h, q, 104);
	KEXPECT_EQ(t, osmem_tb_reports(), r0);
	KEXPECT_EQ(t, live_blocks(a, h), 0);
	OSMEM_END(t, a);
}

/*
 * fast hands a free block out whole when the rest could not be a block:
 * malloc(24) may get a 48-byte block (40 usable). Its request, 24, still
 * matches: the rule admits the block 16 bytes larger than the request's.
 */
KTEST(osmem_sized_free, fast_block_handed_out_whole_matches)
{
	const struct osmem_allocator *a = &osmem_fast;
	char *x, *guard, *p;

	OSMEM_START(t, a);
	x = a->malloc(h, 40);
	guard = a->malloc(h, 40);
	KASSERT_NOT_NULL(t, guard);
	a->free(h, x);
	p = a->malloc(h, 24);
	KEXPECT_PTR_EQ(t, p, x);
	KEXPECT_EQ(t, a->usable_size(h, p), 40);
	a->free_sized(h, p, 24);
	KEXPECT_EQ(t, osmem_tb_reports(), 0);
	a->free_sized(h, guard, 40);
	KEXPECT_EQ(t, osmem_tb_reports(), 0);
	KEXPECT_EQ(t, live_blocks(a, h), 0);
	OSMEM_END(t, a);
}

/* Debug mode keeps the request: only it matches, and the report names
 * where the block was allocated (a zero-size block has no room for it). */
KTEST(osmem_sized_free, fast_debug_wants_the_exact_request)
{
	static const size_t sizes[] = { 0, 40, 1000, LARGE };
	const struct osmem_allocator *a = &osmem_fast;

	osmem_tb_set_debug(true);
	OSMEM_START(t, a);
	for (unsigned i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		size_t n = sizes[i], wrong[2] = { n + 1, n ? n - 1 : 8 };
		const struct osmem_report *r;
		unsigned r0;
		char *p;

		osmem_tb_set_caller(ALLOC_SITE);
		p = a->malloc(h, n);
		osmem_tb_set_caller(NULL);
		KASSERT_NOT_NULL(t, p);
		osmem_fill(p, n, SEED + i);
		for (unsigned j = 0; j < 2; j++) {
			r0 = osmem_tb_reports();
			a->free_sized(h, p, wrong[j]);
			expect_mismatch(t, r0, p, n, wrong[j]);
			r = osmem_tb_report(r0);
			/* A zero-size block (debug mode's malloc(0)) is an
			 * address only: it keeps no site. */
			if (r && n)
				KEXPECT_PTR_EQ(t, r->alloc_site, ALLOC_SITE);
			expect_live(t, a, h, p, n, n, SEED + i);
			KEXPECT_EQ(t, a->check(h), 0);
		}
		r0 = osmem_tb_reports();
		a->free_sized(h, p, n);
		KEXPECT_EQ(t, osmem_tb_reports(), r0);
		KEXPECT_EQ(t, live_blocks(a, h), 0);
	}
	OSMEM_END(t, a);
}

/* Other misuse through free_sized is named as free names it. */
KTEST(osmem_sized_free, fast_double_free_is_a_double_free)
{
	const struct osmem_allocator *a = &osmem_fast;
	const struct osmem_report *r;
	char *p, *s;

	OSMEM_START(t, a);
	p = a->malloc(h, 40);
	s = a->malloc(h, 40);
	KASSERT_NOT_NULL(t, s);
	a->free_sized(h, p, 40);
	a->free_sized(h, p, 40);
	KEXPECT_EQ(t, osmem_tb_reports(), 1);
	r = osmem_tb_report(0);
	if (KEXPECT_NOT_NULL(t, r)) {
		KEXPECT_EQ(t, r->fault, OSMEM_FAULT_DOUBLE_FREE);
		KEXPECT_PTR_EQ(t, r->ptr, p);
		KEXPECT_EQ(t, r->size, 40);
		KEXPECT_STREQ(t, r->op, "free_sized");
	}
	a->free_sized(h, s + 16, 24);
	KEXPECT_EQ(t, osmem_tb_reports(), 2);
	r = osmem_tb_report(1);
	if (KEXPECT_NOT_NULL(t, r))
		KEXPECT_EQ(t, r->fault, OSMEM_FAULT_INVALID_POINTER);
	a->free(h, s);
	KEXPECT_EQ(t, live_blocks(a, h), 0);
	OSMEM_END(t, a);
}
