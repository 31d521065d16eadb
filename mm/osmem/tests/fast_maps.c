/* SPDX-License-Identifier: MIT */
/*
 * osmem_fast: what happens to mappings once they are freed
 * (mm/osmem/fast_map.c), and the thresholds they move (fast_index.h).
 *
 * Pending unmaps: a pages_unmap the backend refuses (the test backend
 * fails call number N on request) is no misuse and loses nothing: the
 * mapping leaves the live ones, waits as a pending unmap (counted in
 * stats, verified by check()), and a later mapping free or map alloc
 * gives it back. A free of it meanwhile is a double free. These cases
 * fix the mmap threshold (MAPS_START), so that freed mappings do not
 * raise it and their large blocks stay mappings.
 */
#include "mm/osmem/tests/fast_tests.h"
#include "libk/string.h"

static const struct osmem_allocator *const a = &osmem_fast;

/* OSMEM_START, with the thresholds fixed at their defaults. */
#define MAPS_START(t)                                                        \
	OSMEM_START(t, a);                                                   \
	KASSERT_EQ(t, osmem_fast_tune(h, OSMEM_FAST_MMAP_THRESHOLD,          \
				      FAST_MMAP_THRESHOLD), 0)

static size_t page_up(size_t n)
{
	size_t page = osmem_test_home_backend()->page_size;

	return (n + page - 1) / page * page;
}

/* The last recorded backend call is this kind, failed or not. */
static void maps_last_call(struct ktest *t, enum osmem_tb_kind kind,
			   int failed)
{
	const struct osmem_tb_call *c = osmem_tb_call(osmem_tb_ncalls() - 1);

	if (KEXPECT_NOT_NULL(t, c)) {
		KEXPECT_EQ(t, c->kind, kind);
		KEXPECT_EQ(t, c->failed, failed);
	}
}

static void maps_pending(struct ktest *t, struct osmem_heap *h,
			 size_t blocks, size_t bytes)
{
	struct osmem_stats st;

	a->stats(h, &st);
	KEXPECT_EQ(t, st.unmap_pending_blocks, blocks);
	KEXPECT_EQ(t, st.unmap_pending_bytes, bytes);
}

/* The report made since `before`, if there is exactly one. */
static const struct osmem_report *maps_report(struct ktest *t, unsigned before)
{
	KEXPECT_EQ(t, osmem_tb_reports(), before + 1);
	return osmem_tb_report(before);
}

KTEST(osmem_fast, unmap_refused_leaves_the_mapping_pending)
{
	const struct osmem_report *r;
	struct osmem_stats st;
	size_t lp = page_up(200 * 1024 + FAST_MAP_HDR), up;
	size_t lq = page_up(300 * 1024 + FAST_MAP_HDR);
	char *p, *q;
	unsigned r0, calls;

	MAPS_START(t);
	p = a->malloc(h, 200 * 1024);
	q = a->malloc(h, 300 * 1024);
	KASSERT_NOT_NULL(t, p);
	KASSERT_NOT_NULL(t, q);
	osmem_fill(q, 300 * 1024, 4);
	up = a->usable_size(h, p);
	r0 = osmem_tb_reports();
	osmem_tb_fail_at(osmem_tb_ncalls() + 1);        /* p's unmap */
	a->free(h, p);
	KEXPECT_EQ(t, osmem_tb_reports(), r0);
	maps_last_call(t, OSMEM_TB_UNMAP, 1);
	KEXPECT_EQ(t, osmem_tb_live_maps(), 2);
	KEXPECT(t, osmem_tb_is_mapped(p - FAST_MAP_HDR, lp));
	a->stats(h, &st);
	KEXPECT_EQ(t, st.mapped_blocks, 1);
	KEXPECT_EQ(t, st.mapped_bytes, lq);
	KEXPECT_EQ(t, st.unmap_calls, 1);
	maps_pending(t, h, 1, lp);
	KEXPECT_EQ(t, a->check(h), 0);

	/* Freed, if not unmapped: p again is a double free, changing nothing. */
	calls = osmem_tb_ncalls();
	a->free(h, p);
	r = maps_report(t, r0);
	if (KEXPECT_NOT_NULL(t, r)) {
		KEXPECT_EQ(t, r->fault, OSMEM_FAULT_DOUBLE_FREE);
		KEXPECT_PTR_EQ(t, r->ptr, p);
		KEXPECT_EQ(t, r->size, up);
	}
	KEXPECT_NULL(t, a->realloc(h, p, 10));
	r = maps_report(t, r0 + 1);
	if (KEXPECT_NOT_NULL(t, r))
		KEXPECT_EQ(t, r->fault, OSMEM_FAULT_DOUBLE_FREE);
	a->free(h, p + 4096);
	r = maps_report(t, r0 + 2);
	if (KEXPECT_NOT_NULL(t, r)) {
		KEXPECT_EQ(t, r->fault, OSMEM_FAULT_INVALID_POINTER);
		KEXPECT_EQ(t, r->size, up);
	}
	KEXPECT_EQ(t, osmem_tb_ncalls(), calls);
	maps_pending(t, h, 1, lp);
	KEXPECT_EQ(t, a->check(h), 0);

	/* The next mapping free goes through, then retries p's. */
	KEXPECT(t, osmem_verify(q, 300 * 1024, 4));
	a->free(h, q);
	KASSERT_EQ(t, osmem_tb_ncalls(), calls + 2);
	OSMEM_EXPECT_UNMAP(t, calls, q - FAST_MAP_HDR, lq);
	OSMEM_EXPECT_UNMAP(t, calls + 1, p - FAST_MAP_HDR, lp);
	KEXPECT_EQ(t, osmem_tb_call(calls + 1)->failed, 0);
	KEXPECT_EQ(t, osmem_tb_live_maps(), 0);
	a->stats(h, &st);
	KEXPECT_EQ(t, st.mapped_blocks, 0);
	KEXPECT_EQ(t, st.mapped_bytes, 0);
	KEXPECT_EQ(t, st.unmap_calls, 3);     /* p refused, q, p */
	maps_pending(t, h, 0, 0);
	KEXPECT_EQ(t, osmem_tb_reports(), r0 + 3);
	OSMEM_END(t, a);
}

/*
 * A map alloc retries the pending unmaps first: one refusal stops the
 * retries for that call; otherwise at most two per call.
 */
KTEST(osmem_fast, map_alloc_retries_pending_unmaps_bounded)
{
	size_t len = page_up(200 * 1024 + FAST_MAP_HDR);
	char *p[3], *q;
	unsigned calls;

	MAPS_START(t);
	for (int i = 0; i < 3; i++) {
		p[i] = a->malloc(h, 200 * 1024);
		KASSERT_NOT_NULL(t, p[i]);
	}
	osmem_tb_fail_from(osmem_tb_ncalls() + 1);
	for (int i = 0; i < 3; i++)
		a->free(h, p[i]);
	osmem_tb_fail_none();
	KEXPECT_EQ(t, osmem_tb_reports(), 0);
	maps_pending(t, h, 3, 3 * len);
	KEXPECT_EQ(t, osmem_tb_live_maps(), 3);
	KEXPECT_EQ(t, a->check(h), 0);

	calls = osmem_tb_ncalls();
	osmem_tb_fail_at(calls + 1);            /* the first retry: refused */
	q = a->malloc(h, 150 * 1024);
	KASSERT_NOT_NULL(t, q);
	KASSERT_EQ(t, osmem_tb_ncalls(), calls + 2);
	KEXPECT_EQ(t, osmem_tb_call(calls)->kind, OSMEM_TB_UNMAP);
	KEXPECT_EQ(t, osmem_tb_call(calls)->failed, 1);
	KEXPECT_EQ(t, osmem_tb_call(calls + 1)->kind, OSMEM_TB_MAP);
	maps_pending(t, h, 3, 3 * len);

	calls = osmem_tb_ncalls();
	KASSERT_NOT_NULL(t, a->malloc(h, 150 * 1024));
	KASSERT_EQ(t, osmem_tb_ncalls(), calls + 3);    /* two unmaps, a map */
	KEXPECT_EQ(t, osmem_tb_count(OSMEM_TB_UNMAP), 3 + 1 + 2);
	maps_pending(t, h, 1, len);
	KEXPECT_EQ(t, osmem_tb_live_maps(), 3);
	KEXPECT_EQ(t, a->check(h), 0);

	a->free(h, q);                          /* then the last pending one */
	maps_pending(t, h, 0, 0);
	KEXPECT_EQ(t, osmem_tb_live_maps(), 1);
	KEXPECT_EQ(t, osmem_tb_reports(), 0);
	OSMEM_END(t, a);
}

/* realloc moving a mapping into the heap: its refused unmap is pending,
 * the realloc succeeds, nothing is reported. */
KTEST(osmem_fast, realloc_with_a_refused_unmap_succeeds)
{
	size_t len = page_up(200 * 1024 + FAST_MAP_HDR);
	char *p, *q;

	MAPS_START(t);
	KASSERT_NOT_NULL(t, a->malloc(h, 16));  /* the heap exists */
	p = a->malloc(h, 200 * 1024);
	KASSERT_NOT_NULL(t, p);
	osmem_fill(p, 1000, 8);
	osmem_tb_fail_at(osmem_tb_ncalls() + 1);
	q = a->realloc(h, p, 1000);
	KASSERT_NOT_NULL(t, q);
	KEXPECT(t, !osmem_tb_is_mapped(q, 1));
	KEXPECT(t, osmem_verify(q, 1000, 8));
	maps_last_call(t, OSMEM_TB_UNMAP, 1);
	KEXPECT_EQ(t, osmem_tb_reports(), 0);
	maps_pending(t, h, 1, len);
	KEXPECT_EQ(t, a->check(h), 0);
	/* malloc_trim's core retries them too, and says it gave back. */
	KEXPECT_EQ(t, osmem_fast_trim(h, FAST_TOP_PAD), 1);
	maps_pending(t, h, 0, 0);
	KEXPECT_EQ(t, osmem_tb_live_maps(), 0);
	KEXPECT_EQ(t, osmem_fast_trim(h, FAST_TOP_PAD), 0);
	OSMEM_END(t, a);
}

/*
 * The program writes to a mapping it freed whose unmap is pending: the
 * header is verified before it is used, the write reported, and the
 * mapping is never unmapped by a header it cannot trust.
 */
KTEST(osmem_fast, written_pending_header_is_never_trusted)
{
	const struct osmem_report *r;
	char *p;

	MAPS_START(t);
	p = a->malloc(h, 200 * 1024);
	KASSERT_NOT_NULL(t, p);
	osmem_tb_fail_at(osmem_tb_ncalls() + 1);
	a->free(h, p);
	maps_pending(t, h, 1, page_up(200 * 1024 + FAST_MAP_HDR));
	((size_t *)(void *)p)[-1] += 4096;      /* its length */
	KEXPECT_EQ(t, osmem_tb_reports(), 0);
	KEXPECT_EQ(t, a->check(h), -1);         /* the checker sees it */
	r = maps_report(t, 0);
	if (KEXPECT_NOT_NULL(t, r))
		KEXPECT_EQ(t, r->fault, OSMEM_FAULT_HEAP_CORRUPT);
	KASSERT_NOT_NULL(t, a->malloc(h, 200 * 1024));  /* retries first */
	r = maps_report(t, 1);
	if (KEXPECT_NOT_NULL(t, r)) {
		KEXPECT_EQ(t, r->fault, OSMEM_FAULT_CORRUPT_HEADER);
		KEXPECT_PTR_EQ(t, r->ptr, p);
	}
	maps_pending(t, h, 0, 0);
	KEXPECT_EQ(t, osmem_tb_count(OSMEM_TB_UNMAP), 1);
	KEXPECT_EQ(t, osmem_tb_live_maps(), 2);         /* left mapped */
	OSMEM_END(t, a);
}

/* ------------------------------------------------------------ thresholds -- */

/* Negative extensions among the recorded calls (the first 1024). */
static unsigned maps_negative_extends(void)
{
	const struct osmem_tb_call *c;
	unsigned n = 0;

	for (unsigned i = 0; (c = osmem_tb_call(i)) != NULL; i++)
		n += c->kind == OSMEM_TB_EXTEND && c->delta < 0;
	return n;
}

/*
 * The dynamic rule: once a 1 MiB mapping is freed, 1 MiB requests come
 * from the heap, and a loop of 1 MiB malloc/free costs no more backend
 * calls: the freed block stays at the top (the trim threshold is
 * fast_dyn_trim_threshold of the mapping).
 */
KTEST(osmem_fast, dynamic_threshold_follows_freed_mappings)
{
	size_t len = page_up((1 << 20) + FAST_MAP_HDR);
	char *p, *q;
	unsigned extends;

	OSMEM_START(t, a);
	KEXPECT_EQ(t, osmem_fast_tuned(h, OSMEM_FAST_MMAP_THRESHOLD),
		   FAST_MMAP_THRESHOLD);
	p = a->malloc(h, 1 << 20);
	KASSERT_NOT_NULL(t, p);
	KEXPECT(t, osmem_tb_is_mapped(p, 1 << 20));
	a->free(h, p);
	KEXPECT_EQ(t, osmem_fast_tuned(h, OSMEM_FAST_MMAP_THRESHOLD), len);
	KEXPECT_EQ(t, osmem_fast_tuned(h, OSMEM_FAST_TRIM_THRESHOLD),
		   fast_dyn_trim_threshold(len));
	KEXPECT_EQ(t, osmem_fast_tuned(h, OSMEM_FAST_TOP_PAD), FAST_TOP_PAD);
	q = a->malloc(h, 1 << 20);
	KASSERT_NOT_NULL(t, q);
	KEXPECT(t, !osmem_tb_is_mapped(q, 1));
	osmem_fill(q, 1 << 20, 6);
	KEXPECT(t, osmem_verify(q, 1 << 20, 6));
	a->free(h, q);
	extends = osmem_tb_count(OSMEM_TB_EXTEND);
	KEXPECT_LE(t, extends, 2);
	for (int i = 0; i < 1000; i++) {
		p = a->malloc(h, 1 << 20);
		KASSERT_NOT_NULL(t, p);
		p[0] = p[(1 << 20) - 1] = (char)i;
		a->free(h, p);
	}
	KEXPECT_EQ(t, osmem_tb_count(OSMEM_TB_MAP), 1);
	KEXPECT_EQ(t, osmem_tb_count(OSMEM_TB_UNMAP), 1);
	KEXPECT_EQ(t, osmem_tb_count(OSMEM_TB_EXTEND), extends);
	KEXPECT_EQ(t, maps_negative_extends(), 0);
	/* Smaller mappings freed later lower nothing. */
	p = a->malloc(h, 2 << 20);
	KASSERT_NOT_NULL(t, p);
	a->free(h, p);
	KEXPECT_EQ(t, osmem_fast_tuned(h, OSMEM_FAST_MMAP_THRESHOLD),
		   page_up((2 << 20) + FAST_MAP_HDR));
	OSMEM_END(t, a);
}

/*
 * The rule raises the mmap threshold to the largest mapping made so far
 * (up to the cap), not only to the freed one's length: a program whose
 * large blocks vary in size moves them all to the heap at its first
 * free of one, instead of mapping (and faulting in) the larger ones
 * until each size has been freed once (make bench-malloc's large row:
 * docs/bench.md, "Large blocks").
 */
KTEST(osmem_fast, dynamic_threshold_takes_the_largest_mapping)
{
	size_t big = page_up((3 << 20) + FAST_MAP_HDR);
	char *p, *q, *r;

	OSMEM_START(t, a);
	p = a->malloc(h, 3 << 20);
	q = a->malloc(h, 300 * 1024);
	KASSERT_NOT_NULL(t, p);
	KASSERT_NOT_NULL(t, q);
	a->free(h, q);
	KEXPECT_EQ(t, osmem_fast_tuned(h, OSMEM_FAST_MMAP_THRESHOLD), big);
	KEXPECT_EQ(t, osmem_fast_tuned(h, OSMEM_FAST_TRIM_THRESHOLD),
		   fast_dyn_trim_threshold(big));
	r = a->malloc(h, 2 << 20);
	KASSERT_NOT_NULL(t, r);
	KEXPECT(t, !osmem_tb_is_mapped(r, 1));
	a->free(h, r);
	a->free(h, p);
	KEXPECT_EQ(t, a->check(h), 0);
	OSMEM_END(t, a);
}

/*
 * Explicit tuning turns the dynamic rule off: freed mappings raise
 * nothing any more, so a 1 MiB request is mapped every time. Values out
 * of range are refused and change nothing; init restores the defaults and
 * the rule.
 */
KTEST(osmem_fast, explicit_tuning_turns_the_dynamic_rule_off)
{
	size_t len = page_up(200 * 1024 + FAST_MAP_HDR);
	char *p;

	OSMEM_START(t, a);
	a->free(h, a->malloc(h, 200 * 1024));   /* the rule is on */
	KEXPECT_EQ(t, osmem_fast_tuned(h, OSMEM_FAST_MMAP_THRESHOLD), len);
	KEXPECT_EQ(t, osmem_fast_tune(h, OSMEM_FAST_TRIM_THRESHOLD, 1 << 20), 0);
	for (int i = 0; i < 3; i++) {
		p = a->malloc(h, 1 << 20);
		KASSERT_NOT_NULL(t, p);
		KEXPECT(t, osmem_tb_is_mapped(p, 1 << 20));
		a->free(h, p);
	}
	KEXPECT_EQ(t, osmem_tb_count(OSMEM_TB_MAP), 4);
	KEXPECT_EQ(t, osmem_fast_tuned(h, OSMEM_FAST_MMAP_THRESHOLD), len);
	KEXPECT_EQ(t, osmem_fast_tuned(h, OSMEM_FAST_TRIM_THRESHOLD), 1 << 20);

	KEXPECT_EQ(t, osmem_fast_tune(h, OSMEM_FAST_MMAP_THRESHOLD,
				      FAST_MMAP_THRESHOLD_MAX + 1), -1);
	KEXPECT_EQ(t, osmem_fast_tune(h, OSMEM_FAST_TOP_PAD,
				      FAST_TOP_PAD_MAX + 1), -1);
	KEXPECT_EQ(t, osmem_fast_tuned(h, OSMEM_FAST_MMAP_THRESHOLD), len);
	KEXPECT_EQ(t, osmem_fast_tuned(h, OSMEM_FAST_TOP_PAD), FAST_TOP_PAD);
	KEXPECT_EQ(t, osmem_fast_tune(h, OSMEM_FAST_MMAP_THRESHOLD,
				      FAST_MMAP_THRESHOLD_MAX), 0);
	KEXPECT_EQ(t, osmem_fast_tuned(h, OSMEM_FAST_MMAP_THRESHOLD),
		   FAST_MMAP_THRESHOLD_MAX);
	OSMEM_END(t, a);

	OSMEM_RESTART(t, a);
	KEXPECT_EQ(t, osmem_fast_tuned(h, OSMEM_FAST_MMAP_THRESHOLD),
		   FAST_MMAP_THRESHOLD);
	KEXPECT_EQ(t, osmem_fast_tuned(h, OSMEM_FAST_TRIM_THRESHOLD),
		   FAST_TRIM_THRESHOLD);
	a->free(h, a->malloc(h, 200 * 1024));
	KEXPECT_EQ(t, osmem_fast_tuned(h, OSMEM_FAST_MMAP_THRESHOLD), len);
	/* The older entry is explicit too. */
	osmem_fast_set_mmap_threshold(h, FAST_MMAP_THRESHOLD);
	a->free(h, a->malloc(h, 300 * 1024));
	KEXPECT_EQ(t, osmem_fast_tuned(h, OSMEM_FAST_MMAP_THRESHOLD),
		   FAST_MMAP_THRESHOLD);
	OSMEM_END(t, a);
}

/*
 * The top pad is the least growth and what a trim keeps; the trim
 * threshold when a free top block is trimmed (never, at SIZE_MAX);
 * osmem_fast_trim (malloc_trim) cuts to a pad of its own.
 */
KTEST(osmem_fast, top_pad_and_trim_threshold_are_per_heap)
{
	size_t page = osmem_test_home_backend()->page_size;
	char *p;

	OSMEM_START(t, a);
	KEXPECT_EQ(t, osmem_fast_tune(h, OSMEM_FAST_TOP_PAD, 256 * 1024), 0);
	KEXPECT_EQ(t, osmem_fast_tune(h, OSMEM_FAST_MMAP_THRESHOLD, 4 << 20), 0);
	KEXPECT_EQ(t, osmem_fast_tune(h, OSMEM_FAST_TRIM_THRESHOLD, 512 * 1024), 0);
	KASSERT_NOT_NULL(t, a->malloc(h, 100));
	OSMEM_EXPECT_EXTEND(t, 0, 256 * 1024 + page, 0);   /* a page, the pad */
	p = a->malloc(h, 600 * 1024);
	KASSERT_NOT_NULL(t, p);
	a->free(h, p);                          /* top ~856 KiB > 512 KiB */
	KEXPECT_EQ(t, maps_negative_extends(), 1);
	KEXPECT_GE(t, osmem_tb_brk(), 256 * 1024);
	KEXPECT_LE(t, osmem_tb_brk(), 256 * 1024 + 2 * page);

	KEXPECT_EQ(t, osmem_fast_tune(h, OSMEM_FAST_TRIM_THRESHOLD, SIZE_MAX), 0);
	p = a->malloc(h, 3 << 20);
	KASSERT_NOT_NULL(t, p);
	a->free(h, p);
	KEXPECT_EQ(t, maps_negative_extends(), 1);
	KEXPECT_GE(t, osmem_tb_brk(), 3 << 20);

	KEXPECT_EQ(t, osmem_fast_trim(h, 0), 1);
	KEXPECT_EQ(t, maps_negative_extends(), 2);
	KEXPECT_LE(t, osmem_tb_brk(), 2 * page);
	KEXPECT_EQ(t, osmem_fast_trim(h, 0), 0);
	KEXPECT_EQ(t, maps_negative_extends(), 2);
	OSMEM_END(t, a);
}

/* A test backend whose mappings are all one page of static memory, one
 * mapping at a time: a mapping beyond the cap without 32 MiB behind it
 * (only its header, in the first page, is written). */
static char maps_page[4096] __attribute__((aligned(4096)));
static struct osmem_backend maps_one_page_be;
static bool maps_page_used;

static void *maps_page_map(size_t len)
{
	if (maps_page_used || !len)
		return NULL;
	maps_page_used = true;
	return maps_page;
}

static int maps_page_unmap(void *p, size_t len)
{
	if (p != maps_page || !len || !maps_page_used)
		return -1;
	maps_page_used = false;
	return 0;
}

/* Mappings up to FAST_MMAP_THRESHOLD_MAX (32 MiB) raise the thresholds;
 * beyond it, they raise nothing. */
KTEST(osmem_fast, dynamic_threshold_stops_at_the_cap)
{
	size_t len = page_up((8 << 20) + FAST_MAP_HDR);
	struct osmem_stats st;
	char *p;

	maps_one_page_be = *osmem_tb_init();
	if (maps_one_page_be.page_size != sizeof(maps_page))
		KTEST_SKIP(t, "the page is not 4 KiB");
	maps_one_page_be.pages_map = maps_page_map;
	maps_one_page_be.pages_unmap = maps_page_unmap;
	maps_one_page_be.pages_remap = NULL;
	maps_page_used = false;
	FAST_START_ON(t, &maps_one_page_be);
	p = a->malloc(h, 8 << 20);
	KASSERT_PTR_EQ(t, p, maps_page + FAST_MAP_HDR);
	a->free(h, p);
	KEXPECT_EQ(t, osmem_fast_tuned(h, OSMEM_FAST_MMAP_THRESHOLD), len);
	KEXPECT_EQ(t, osmem_fast_tuned(h, OSMEM_FAST_TRIM_THRESHOLD),
		   fast_dyn_trim_threshold(len));
	p = a->malloc(h, FAST_MMAP_THRESHOLD_MAX);
	KASSERT_PTR_EQ(t, p, maps_page + FAST_MAP_HDR);
	a->free(h, p);
	a->stats(h, &st);
	KEXPECT_EQ(t, st.unmap_calls, 2);
	KEXPECT_EQ(t, st.unmap_pending_blocks, 0);
	KEXPECT_EQ(t, osmem_fast_tuned(h, OSMEM_FAST_MMAP_THRESHOLD), len);
	KEXPECT_EQ(t, osmem_fast_tuned(h, OSMEM_FAST_TRIM_THRESHOLD),
		   fast_dyn_trim_threshold(len));
	OSMEM_END(t, a);
}

/*
 * A mapping that grows under a raised threshold moves to the heap: only
 * its own bytes are copied (the kernel's guard page after each mapping
 * faults on a copy of the new size, which the fuzzer found).
 */
KTEST(osmem_fast, mapping_grown_below_the_threshold_copies_only_its_bytes)
{
	char *p, *q;

	OSMEM_START(t, a);
	p = a->malloc(h, 200 * 1024);
	KASSERT_NOT_NULL(t, p);
	KEXPECT(t, osmem_tb_is_mapped(p, 200 * 1024));
	osmem_fill(p, 200 * 1024, 9);
	KEXPECT_EQ(t, osmem_fast_tune(h, OSMEM_FAST_MMAP_THRESHOLD, 1 << 20), 0);
	q = a->realloc(h, p, 300 * 1024);
	KASSERT_NOT_NULL(t, q);
	KEXPECT(t, !osmem_tb_is_mapped(q, 1));
	KEXPECT(t, osmem_verify(q, 200 * 1024, 9));
	a->free(h, q);
	OSMEM_END(t, a);
}
