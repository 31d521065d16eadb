/*
 * osmem_fast: what happens to mappings once they are freed
 * (mm/osmem/fast_map.c).
 *
 * Pending unmaps: a pages_unmap the backend refuses (the test backend
 * fails call number N on request) is no misuse and loses nothing: the
 * mapping leaves the live ones, waits as a pending unmap (counted in
 * stats, verified by check()), and a later mapping free or map alloc
 * gives it back. A free of it meanwhile is a double free.
 */
#include "mm/osmem/tests/fast_tests.h"
#include "libk/string.h"

static const struct osmem_allocator *const a = &osmem_fast;

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

	OSMEM_START(t, a);
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

	OSMEM_START(t, a);
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

	OSMEM_START(t, a);
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
	a->free(h, a->malloc(h, 200 * 1024));
	maps_pending(t, h, 0, 0);
	KEXPECT_EQ(t, osmem_tb_live_maps(), 0);
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

	OSMEM_START(t, a);
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
