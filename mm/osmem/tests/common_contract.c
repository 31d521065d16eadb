/* SPDX-License-Identifier: MIT */
/*
 * osmem_common: the contracts of allocator.h and the C standard's malloc
 * family, run against every allocator in osmem_test_allocators[]. Nothing
 * here knows an allocator's layout: only what any of them must do.
 */
#include "mm/osmem/tests/osmem_tests.h"
#include "libk/string.h"
#include <stdint.h>

/* A spread of sizes: tiny, odd, around page and mapping thresholds. */
static const size_t common_sizes[] = {
	1, 7, 8, 9, 24, 100, 1000, 4064, 4080, 4096, 5000, 65536,
	131032, 131040, 131072, 200000,
};
#define COMMON_NSIZES (sizeof(common_sizes) / sizeof(common_sizes[0]))

KTEST(osmem_common, init_makes_no_backend_call)
{
	const struct osmem_allocator *a;

	OSMEM_FOR_EACH_ALLOCATOR(t, a) {
		OSMEM_START(t, a);
		KEXPECT_EQ(t, osmem_tb_ncalls(), 0);
		KEXPECT_EQ(t, osmem_tb_locks(), 0);
		OSMEM_END(t, a);
	}
}

KTEST(osmem_common, malloc_gives_aligned_usable_memory)
{
	const struct osmem_allocator *a;

	OSMEM_FOR_EACH_ALLOCATOR(t, a) {
		OSMEM_START(t, a);
		for (size_t i = 0; i < COMMON_NSIZES; i++) {
			char *p = a->malloc(h, common_sizes[i]);

			if (!KEXPECT_NOT_NULL(t, p))
				continue;
			KEXPECT_EQ(t, (uintptr_t)p % a->min_align, 0);
			KEXPECT_GE(t, a->usable_size(h, p), common_sizes[i]);
			osmem_fill(p, a->usable_size(h, p), (unsigned)i);
			KEXPECT(t, osmem_verify(p, a->usable_size(h, p), (unsigned)i));
		}
		OSMEM_END(t, a);
	}
}

/* Every live block gets its own pattern; none may spoil another. */
KTEST(osmem_common, live_blocks_never_overlap)
{
	const struct osmem_allocator *a;
	char *p[3 * COMMON_NSIZES];

	OSMEM_FOR_EACH_ALLOCATOR(t, a) {
		OSMEM_START(t, a);
		for (size_t i = 0; i < 3 * COMMON_NSIZES; i++) {
			p[i] = a->malloc(h, common_sizes[i % COMMON_NSIZES]);
			KASSERT_NOT_NULL(t, p[i]);
			osmem_fill(p[i], common_sizes[i % COMMON_NSIZES], (unsigned)i);
		}
		for (size_t i = 0; i < 3 * COMMON_NSIZES; i += 2)
			a->free(h, p[i]);
		for (size_t i = 0; i < 3 * COMMON_NSIZES; i += 2) {
			p[i] = a->malloc(h, common_sizes[(i + 5) % COMMON_NSIZES]);
			KASSERT_NOT_NULL(t, p[i]);
			osmem_fill(p[i], common_sizes[(i + 5) % COMMON_NSIZES], (unsigned)i + 100);
		}
		for (size_t i = 0; i < 3 * COMMON_NSIZES; i++) {
			size_t n = common_sizes[(i % 2 ? i : i + 5) % COMMON_NSIZES];

			KEXPECT(t, osmem_verify(p[i], n, (unsigned)i + (i % 2 ? 0 : 100)));
		}
		for (size_t i = 0; i < 3 * COMMON_NSIZES; i++)
			a->free(h, p[i]);
		OSMEM_END(t, a);
	}
}

KTEST(osmem_common, calloc_memory_is_zero)
{
	const struct osmem_allocator *a;

	OSMEM_FOR_EACH_ALLOCATOR(t, a) {
		OSMEM_START(t, a);
		for (size_t i = 0; i < COMMON_NSIZES; i++) {
			char *p = a->calloc(h, 1, common_sizes[i]);

			KASSERT_NOT_NULL(t, p);
			KEXPECT(t, osmem_is_zero(p, common_sizes[i]));
		}
		KEXPECT(t, osmem_is_zero(a->calloc(h, 37, 3), 111));
		OSMEM_END(t, a);
	}
}

/* Dirty memory handed back and asked for again through calloc. */
KTEST(osmem_common, calloc_zeroes_reused_memory)
{
	const struct osmem_allocator *a;
	char *p[16];

	OSMEM_FOR_EACH_ALLOCATOR(t, a) {
		OSMEM_START(t, a);
		for (int round = 0; round < 3; round++) {
			for (int i = 0; i < 16; i++) {
				p[i] = a->malloc(h, 16 + 48 * (size_t)i);
				KASSERT_NOT_NULL(t, p[i]);
				osmem_fill(p[i], a->usable_size(h, p[i]), 0xff);
			}
			for (int i = 0; i < 16; i++)
				a->free(h, p[i]);
			for (int i = 0; i < 16; i++) {
				p[i] = a->calloc(h, 16 + 48 * (size_t)i, 1);
				KASSERT_NOT_NULL(t, p[i]);
				KEXPECT(t, osmem_is_zero(p[i], 16 + 48 * (size_t)i));
			}
			for (int i = 0; i < 16; i++)
				a->free(h, p[i]);
		}
		OSMEM_END(t, a);
	}
}

KTEST(osmem_common, calloc_zero_or_overflow_changes_nothing)
{
	const struct osmem_allocator *a;

	OSMEM_FOR_EACH_ALLOCATOR(t, a) {
		OSMEM_START(t, a);
		KEXPECT_NULL(t, a->calloc(h, SIZE_MAX / 2 + 1, 2));
		KEXPECT_NULL(t, a->calloc(h, (size_t)1 << 33, (size_t)1 << 31));
		KEXPECT_NULL(t, a->calloc(h, SIZE_MAX, SIZE_MAX));
		KEXPECT_EQ(t, osmem_tb_ncalls(), 0);
		OSMEM_END(t, a);
	}
}

KTEST(osmem_common, malloc_overflow_changes_nothing)
{
	const struct osmem_allocator *a;

	OSMEM_FOR_EACH_ALLOCATOR(t, a) {
		OSMEM_START(t, a);
		KEXPECT_NULL(t, a->malloc(h, SIZE_MAX));
		KEXPECT_NULL(t, a->malloc(h, SIZE_MAX - 1));
		KEXPECT_NULL(t, a->malloc(h, SIZE_MAX - 16));
		KEXPECT_EQ(t, osmem_tb_ncalls(), 0);
		KEXPECT_NOT_NULL(t, a->malloc(h, 100));
		OSMEM_END(t, a);
	}
}

KTEST(osmem_common, free_null_is_harmless)
{
	const struct osmem_allocator *a;

	OSMEM_FOR_EACH_ALLOCATOR(t, a) {
		OSMEM_START(t, a);
		a->free(h, NULL);
		KEXPECT_EQ(t, osmem_tb_ncalls(), 0);
		KEXPECT_EQ(t, osmem_tb_reports(), 0);
		OSMEM_END(t, a);
	}
}

KTEST(osmem_common, realloc_null_acts_as_malloc)
{
	const struct osmem_allocator *a;

	OSMEM_FOR_EACH_ALLOCATOR(t, a) {
		char *p;

		OSMEM_START(t, a);
		p = a->realloc(h, NULL, 300);
		KASSERT_NOT_NULL(t, p);
		KEXPECT_GE(t, a->usable_size(h, p), 300);
		osmem_fill(p, 300, 1);
		KEXPECT(t, osmem_verify(p, 300, 1));
		a->free(h, p);
		OSMEM_END(t, a);
	}
}

/* Growing and shrinking through every size keeps the common prefix. */
KTEST(osmem_common, realloc_keeps_contents)
{
	const struct osmem_allocator *a;

	OSMEM_FOR_EACH_ALLOCATOR(t, a) {
		char *p, *keep;
		size_t have;

		OSMEM_START(t, a);
		keep = a->malloc(h, 64);       /* a neighbour that must not change */
		KASSERT_NOT_NULL(t, keep);
		osmem_fill(keep, 64, 77);
		p = a->malloc(h, common_sizes[0]);
		KASSERT_NOT_NULL(t, p);
		osmem_fill(p, common_sizes[0], 50);
		have = common_sizes[0];
		for (size_t i = 1; i < 2 * COMMON_NSIZES; i++) {
			size_t n = common_sizes[i < COMMON_NSIZES ? i : 2 * COMMON_NSIZES - 1 - i];
			size_t kept = n < have ? n : have;

			p = a->realloc(h, p, n);
			KASSERT_NOT_NULL(t, p);
			KEXPECT(t, osmem_verify(p, kept, 50));
			KEXPECT_GE(t, a->usable_size(h, p), n);
			osmem_fill(p, n, 50);
			have = n;
		}
		KEXPECT(t, osmem_verify(keep, 64, 77));
		a->free(h, p);
		a->free(h, keep);
		OSMEM_END(t, a);
	}
}

KTEST(osmem_common, realloc_overflow_keeps_block)
{
	const struct osmem_allocator *a;

	OSMEM_FOR_EACH_ALLOCATOR(t, a) {
		char *p;
		unsigned calls;

		OSMEM_START(t, a);
		p = a->malloc(h, 100);
		KASSERT_NOT_NULL(t, p);
		osmem_fill(p, 100, 3);
		calls = osmem_tb_ncalls();
		KEXPECT_NULL(t, a->realloc(h, p, SIZE_MAX));
		KEXPECT_NULL(t, a->realloc(h, p, SIZE_MAX - 16));
		KEXPECT_EQ(t, osmem_tb_ncalls(), calls);
		KEXPECT(t, osmem_verify(p, 100, 3));
		a->free(h, p);
		OSMEM_END(t, a);
	}
}

/* realloc(p, 0) may free (NULL) or give a minimal block; either way the
 * allocator stays sound. */
KTEST(osmem_common, realloc_to_zero_is_sound)
{
	const struct osmem_allocator *a;

	OSMEM_FOR_EACH_ALLOCATOR(t, a) {
		void *p, *q;

		OSMEM_START(t, a);
		p = a->malloc(h, 100);
		q = a->realloc(h, p, 0);
		if (q)
			a->free(h, q);
		p = a->malloc(h, 200000);
		q = a->realloc(h, p, 0);
		if (q)
			a->free(h, q);
		KEXPECT_EQ(t, osmem_tb_reports(), 0);
		OSMEM_END(t, a);
	}
}

KTEST(osmem_common, double_free_is_reported_not_obeyed)
{
	const struct osmem_allocator *a;

	OSMEM_FOR_EACH_ALLOCATOR(t, a) {
		char *p, *q, *r;

		OSMEM_START(t, a);
		p = a->malloc(h, 100);
		q = a->malloc(h, 100);
		KASSERT_NOT_NULL(t, q);
		osmem_fill(q, 100, 4);
		a->free(h, p);
		a->free(h, p);
		KEXPECT_GE(t, osmem_tb_reports(), 1);
		/* the block must not be handed out twice */
		r = a->malloc(h, 100);
		KEXPECT_PTR_NE(t, r, q);
		KEXPECT_EQ(t, a->check(h), 0);
		KEXPECT(t, osmem_verify(q, 100, 4));
		OSMEM_END(t, a);
	}
}

KTEST(osmem_common, memalign_null_or_aligned)
{
	const struct osmem_allocator *a;
	static const size_t aligns[] = { 1, 8, 16, 64, 4096 };

	OSMEM_FOR_EACH_ALLOCATOR(t, a) {
		OSMEM_START(t, a);
		for (size_t i = 0; i < sizeof(aligns) / sizeof(aligns[0]); i++) {
			char *p = a->memalign(h, aligns[i], 300);

			if (!p)
				continue;       /* not supported */
			KEXPECT_EQ(t, (uintptr_t)p % aligns[i], 0);
			KEXPECT_GE(t, a->usable_size(h, p), 300);
			osmem_fill(p, 300, (unsigned)i);
			KEXPECT(t, osmem_verify(p, 300, (unsigned)i));
			a->free(h, p);
		}
		KEXPECT_NULL(t, a->memalign(h, 24, 10));   /* not a power of two */
		OSMEM_END(t, a);
	}
}

struct common_walk_find {
	const void *p;
	size_t size;
	enum osmem_block_kind kind;
	int found;
	const char *last_heap;
	int out_of_order;
};

static void common_walk_find(void *payload, size_t size,
			     enum osmem_block_kind kind, void *arg)
{
	struct common_walk_find *f = arg;

	if (payload == f->p) {
		f->found++;
		f->size = size;
		f->kind = kind;
	}
	if (kind != OSMEM_BLOCK_MAPPED) {
		if (f->last_heap && (const char *)payload <= f->last_heap)
			f->out_of_order = 1;
		f->last_heap = payload;
	}
}

/* walk() shows each live block once, big enough, heap in address order. */
KTEST(osmem_common, walk_shows_every_live_block)
{
	const struct osmem_allocator *a;
	void *p[COMMON_NSIZES];

	OSMEM_FOR_EACH_ALLOCATOR(t, a) {
		OSMEM_START(t, a);
		for (size_t i = 0; i < COMMON_NSIZES; i++) {
			p[i] = a->malloc(h, common_sizes[i]);
			KASSERT_NOT_NULL(t, p[i]);
		}
		for (size_t i = 0; i < COMMON_NSIZES; i++) {
			struct common_walk_find f = { .p = p[i] };

			a->walk(h, common_walk_find, &f);
			KEXPECT_EQ(t, f.found, 1);
			KEXPECT_GE(t, f.size, common_sizes[i]);
			KEXPECT_NE(t, f.kind, OSMEM_BLOCK_FREE);
			KEXPECT_EQ(t, f.out_of_order, 0);
		}
		OSMEM_END(t, a);
	}
}

/* The counters in stats() are the backend calls, exactly. */
KTEST(osmem_common, stats_count_backend_calls)
{
	const struct osmem_allocator *a;

	OSMEM_FOR_EACH_ALLOCATOR(t, a) {
		struct osmem_stats st;
		void *p[COMMON_NSIZES];

		OSMEM_START(t, a);
		for (size_t i = 0; i < COMMON_NSIZES; i++)
			p[i] = a->malloc(h, common_sizes[i]);
		for (size_t i = 0; i < COMMON_NSIZES; i += 3)
			a->free(h, p[i]);
		a->stats(h, &st);
		KEXPECT_EQ(t, st.heap_extend_calls, osmem_tb_count(OSMEM_TB_EXTEND));
		KEXPECT_EQ(t, st.map_calls, osmem_tb_count(OSMEM_TB_MAP));
		KEXPECT_EQ(t, st.unmap_calls, osmem_tb_count(OSMEM_TB_UNMAP));
		KEXPECT_EQ(t, st.heap_bytes, osmem_tb_brk());
		KEXPECT_LE(t, st.largest_free, st.bytes_free);
		KEXPECT_LE(t, st.bytes_in_use + st.bytes_free, st.heap_bytes);
		KEXPECT_LE(t, st.mapped_blocks, osmem_tb_live_maps());
		OSMEM_END(t, a);
	}
}

/* Heap payloads lie under the break; the others inside live mappings. */
KTEST(osmem_common, blocks_lie_in_backend_memory)
{
	const struct osmem_allocator *a;

	OSMEM_FOR_EACH_ALLOCATOR(t, a) {
		OSMEM_START(t, a);
		for (size_t i = 0; i < COMMON_NSIZES; i++) {
			char *p = a->malloc(h, common_sizes[i]);
			char *h = osmem_tb_heap_start();
			size_t n = common_sizes[i];

			KASSERT_NOT_NULL(t, p);
			KEXPECT(t, (p >= h && p + n <= h + osmem_tb_brk()) ||
				   osmem_tb_is_mapped(p, n));
		}
		OSMEM_END(t, a);
	}
}

/* Every backend call happens under the lock; entries never nest it. */
KTEST(osmem_common, backend_calls_happen_under_the_lock)
{
	const struct osmem_allocator *a;

	OSMEM_FOR_EACH_ALLOCATOR(t, a) {
		void *p, *q;

		OSMEM_START(t, a);
		p = a->malloc(h, 100);
		q = a->calloc(h, 1, 300000);
		q = a->realloc(h, q, 100);
		p = a->realloc(h, p, 400000);
		a->free(h, p);
		a->free(h, q);
		KEXPECT_GT(t, osmem_tb_locks(), 5);
		for (unsigned i = 0; i < osmem_tb_ncalls(); i++)
			KEXPECT(t, osmem_tb_call(i)->locked);
		OSMEM_END(t, a);
	}
}

/* The same pattern of requests after a full free needs no new heap. */
KTEST(osmem_common, freed_memory_is_reused)
{
	const struct osmem_allocator *a;
	void *p[32];

	OSMEM_FOR_EACH_ALLOCATOR(t, a) {
		size_t brk;

		OSMEM_START(t, a);
		for (int i = 0; i < 32; i++)
			p[i] = a->malloc(h, 40 + 24 * (size_t)i);
		brk = osmem_tb_brk();
		for (int round = 0; round < 4; round++) {
			for (int i = 0; i < 32; i++)
				a->free(h, p[i]);
			for (int i = 0; i < 32; i++) {
				p[i] = a->malloc(h, 40 + 24 * (size_t)i);
				KASSERT_NOT_NULL(t, p[i]);
			}
		}
		KEXPECT_EQ(t, osmem_tb_brk(), brk);
		OSMEM_END(t, a);
	}
}

/* After init on a new backend nothing old is seen. */
KTEST(osmem_common, init_starts_over)
{
	const struct osmem_allocator *a;

	OSMEM_FOR_EACH_ALLOCATOR(t, a) {
		struct osmem_walk w;
		struct osmem_stats st;

		OSMEM_START(t, a);
		KASSERT_NOT_NULL(t, a->malloc(h, 100));
		KASSERT_NOT_NULL(t, a->malloc(h, 300000));
		OSMEM_RESTART(t, a);
		osmem_walk_collect(a, h, &w);
		a->stats(h, &st);
		KEXPECT_EQ(t, st.bytes_in_use + st.mapped_blocks, 0);
		KEXPECT_EQ(t, st.heap_extend_calls + st.map_calls, 0);
		for (unsigned i = 0; i < w.n && i < OSMEM_WALK_MAX; i++)
			KEXPECT_EQ(t, w.b[i].kind, OSMEM_BLOCK_FREE);
		OSMEM_END(t, a);
	}
}
