/* SPDX-License-Identifier: MIT */
/*
 * osmem_fast: the heap. Block layout and bookkeeping, merging, the break
 * growing in steps and shrinking at the top, the fit bound of fast.c,
 * calloc and fresh memory, stats, misuse.
 */
#include "mm/osmem/tests/fast_tests.h"
#include "libk/string.h"

static const struct osmem_allocator *const a = &osmem_fast;

/* 8 bytes of bookkeeping per live block, 32-byte smallest block: the
 * distance between neighbours is the block size of fast_index.h. */
KTEST(osmem_fast, layout_8_byte_header_32_byte_minimum)
{
	char *p[6];
	size_t n[6] = { 1, 24, 25, 100, 0, 1000 };

	OSMEM_START(t, a);
	for (int i = 0; i < 6; i++) {
		p[i] = a->malloc(h, n[i]);
		KASSERT_NOT_NULL(t, p[i]);
		KEXPECT_EQ(t, (uintptr_t)p[i] % 16, 0);
	}
	KEXPECT_PTR_EQ(t, p[0], osmem_tb_heap_start() + 16);
	KEXPECT_EQ(t, p[1] - p[0], 32);
	KEXPECT_EQ(t, p[2] - p[1], 32);
	KEXPECT_EQ(t, p[3] - p[2], 48);
	KEXPECT_EQ(t, p[4] - p[3], 112);
	KEXPECT_EQ(t, p[5] - p[4], 32);
	KEXPECT_EQ(t, a->usable_size(h, p[0]), 24);
	KEXPECT_EQ(t, a->usable_size(h, p[2]), 40);
	KEXPECT_EQ(t, a->usable_size(h, p[3]), 104);
	KEXPECT_EQ(t, a->usable_size(h, p[4]), 24);
	KEXPECT_EQ(t, a->usable_size(h, p[5]), 1000);
	/* The usable bytes really are usable: fill all, neighbours intact. */
	for (int i = 0; i < 6; i++)
		osmem_fill(p[i], a->usable_size(h, p[i]), (unsigned)i);
	for (int i = 0; i < 6; i++)
		KEXPECT(t, osmem_verify(p[i], a->usable_size(h, p[i]), (unsigned)i));
	OSMEM_END(t, a);
}

KTEST(osmem_fast, every_payload_16_aligned)
{
	static void *p[500];
	unsigned k = 0;

	OSMEM_START(t, a);
	for (size_t n = 0; n < 3500; n += 7, k++) {
		p[k] = a->malloc(h, n);
		KASSERT_NOT_NULL(t, p[k]);
		KEXPECT_EQ(t, (uintptr_t)p[k] % 16, 0);
		KEXPECT_GE(t, a->usable_size(h, p[k]), n);
		osmem_fill(p[k], n, k);
	}
	for (unsigned i = 0; i < k; i += 2)
		a->free(h, p[i]);
	for (unsigned i = 1; i < k; i += 2) {
		size_t n = (i * 7) % 3500;

		KEXPECT(t, osmem_verify(p[i], (size_t)i * 7, i));
		p[i] = a->realloc(h, p[i], n + 5);
		KASSERT_NOT_NULL(t, p[i]);
		KEXPECT_EQ(t, (uintptr_t)p[i] % 16, 0);
		a->free(h, p[i]);
	}
	KEXPECT_EQ(t, a->check(h), 0);
	OSMEM_END(t, a);
}

KTEST(osmem_fast, free_merges_with_both_neighbours)
{
	struct osmem_stats st;
	struct osmem_walk w;
	char *b[4];

	OSMEM_START(t, a);
	for (int i = 0; i < 4; i++)
		b[i] = a->malloc(h, 100);          /* 112-byte blocks */
	a->free(h, b[0]);
	a->free(h, b[2]);
	a->stats(h, &st);
	KEXPECT_EQ(t, st.blocks_free, 3);       /* b0, b2 and the top */
	a->free(h, b[1]);                          /* joins b0 and b2 */
	a->stats(h, &st);
	KEXPECT_EQ(t, st.blocks_free, 2);
	KEXPECT_EQ(t, a->check(h), 0);
	osmem_walk_collect(a, h, &w);
	KASSERT_EQ(t, w.n, 3);
	KEXPECT_PTR_EQ(t, w.b[0].payload, b[0]);
	KEXPECT_EQ(t, w.b[0].kind, OSMEM_BLOCK_FREE);
	KEXPECT_EQ(t, w.b[0].size, 3 * 112 - 8);
	KEXPECT_PTR_EQ(t, w.b[1].payload, b[3]);
	/* Freeing the last live block joins everything into one. */
	a->free(h, b[3]);
	a->stats(h, &st);
	KEXPECT_EQ(t, st.blocks_free, 1);
	KEXPECT_EQ(t, st.blocks_in_use, 0);
	KEXPECT_PTR_EQ(t, a->malloc(h, 3 * 112 - 8), b[0]);
	OSMEM_END(t, a);
}

/* The first heap use and every later growth move the break by whole pages:
 * what is missing plus the 64 KiB top pad, so small allocations rarely
 * reach the backend, and a large one leaves the pad free above it. */
KTEST(osmem_fast, heap_grows_in_steps)
{
	size_t page = osmem_test_home_backend()->page_size;
	const struct osmem_tb_call *c;
	void *big;

	OSMEM_START(t, a);
	KASSERT_NOT_NULL(t, a->malloc(h, 100));
	KASSERT_EQ(t, osmem_tb_ncalls(), 1);
	c = osmem_tb_call(0);
	KEXPECT_EQ(t, c->kind, OSMEM_TB_EXTEND);
	/* 112 bytes and the new heap's slack: one page, and the pad. */
	KEXPECT_EQ(t, c->delta, (intptr_t)(FAST_GROW_STEP + page));
	for (int i = 0; i < 1024; i++)
		KASSERT_NOT_NULL(t, a->malloc(h, 1000));   /* about 1 MiB */
	KEXPECT_LE(t, osmem_tb_count(OSMEM_TB_EXTEND), 1 + (1024 * 1008) / FAST_GROW_STEP + 1);
	KEXPECT_GE(t, osmem_tb_count(OSMEM_TB_EXTEND), (1024 * 1008) / (FAST_GROW_STEP + page));
	/* A request larger than the step moves the break by what is missing
	 * and the pad, page-rounded. */
	big = a->malloc(h, 100 * 1024);
	KASSERT_NOT_NULL(t, big);
	for (unsigned i = 0; i < osmem_tb_ncalls(); i++) {
		c = osmem_tb_call(i);
		KEXPECT_EQ(t, c->kind, OSMEM_TB_EXTEND);
		KEXPECT_GE(t, c->delta, (intptr_t)FAST_GROW_STEP);
		KEXPECT_EQ(t, (size_t)c->delta % page, 0);
		KEXPECT_LE(t, c->delta, (intptr_t)(100 * 1024 + FAST_GROW_STEP + page));
	}
	KEXPECT_EQ(t, osmem_tb_count(OSMEM_TB_MAP), 0);
	OSMEM_END(t, a);
}

/* Free space at the top beyond 256 KiB goes back to the backend. */
KTEST(osmem_fast, heap_shrinks_at_the_top)
{
	struct osmem_stats st;
	void *p[10];
	size_t peak;
	int negative = 0;

	OSMEM_START(t, a);
	for (int i = 0; i < 10; i++) {
		p[i] = a->malloc(h, 100 * 1024);
		KASSERT_NOT_NULL(t, p[i]);
		osmem_fill(p[i], 100 * 1024, (unsigned)i);
	}
	peak = osmem_tb_brk();
	KEXPECT_GE(t, peak, 10 * 100 * 1024);
	/* Freeing from the bottom up keeps the top in use: no trim yet. */
	for (int i = 0; i < 9; i++)
		a->free(h, p[i]);
	KEXPECT_EQ(t, osmem_tb_brk(), peak);
	KEXPECT(t, osmem_verify(p[9], 100 * 1024, 9));
	a->free(h, p[9]);
	for (unsigned i = 0; i < osmem_tb_ncalls(); i++)
		negative += osmem_tb_call(i)->delta < 0;
	KEXPECT_EQ(t, negative, 1);
	KEXPECT_LE(t, osmem_tb_brk(), FAST_TRIM_KEEP + 2 * 4096);
	a->stats(h, &st);
	KEXPECT_EQ(t, st.heap_bytes, osmem_tb_brk());
	KEXPECT_EQ(t, st.blocks_in_use, 0);
	KEXPECT_EQ(t, st.blocks_free, 1);
	KEXPECT_GE(t, st.largest_free, FAST_TRIM_KEEP - 4096);
	/* The backend poisons what it took back: memory the break passes a
	 * second time is not fresh, so calloc must clear it. */
	p[0] = a->calloc(h, 1, 120 * 1024);
	KASSERT_NOT_NULL(t, p[0]);
	KEXPECT(t, osmem_is_zero(p[0], 120 * 1024));
	/* Also when the regrown memory merges with nothing. */
	a->stats(h, &st);
	KASSERT_NOT_NULL(t, a->malloc(h, st.largest_free));
	p[1] = a->calloc(h, 1, 100 * 1024);
	KASSERT_NOT_NULL(t, p[1]);
	KEXPECT_LT(t, (char *)p[1], osmem_tb_heap_start() + peak);
	KEXPECT(t, osmem_is_zero(p[1], 100 * 1024));
	OSMEM_END(t, a);
}

KTEST(osmem_fast, heap_keeps_a_small_free_top)
{
	void *p[2];
	int negative = 0;

	OSMEM_START(t, a);
	p[0] = a->malloc(h, 60 * 1024);         /* the heap: 60 KiB + the pad */
	p[1] = a->malloc(h, 60 * 1024);         /* from the pad */
	KASSERT_NOT_NULL(t, p[1]);
	a->free(h, p[1]);
	a->free(h, p[0]);          /* top free is about 128 KiB: kept */
	for (unsigned i = 0; i < osmem_tb_ncalls(); i++)
		negative += osmem_tb_call(i)->delta < 0;
	KEXPECT_EQ(t, negative, 0);
	KEXPECT_EQ(t, osmem_tb_count(OSMEM_TB_EXTEND), 1);
	OSMEM_END(t, a);
}

static int negative_extends(void)
{
	int negative = 0;

	for (unsigned i = 0; i < osmem_tb_ncalls(); i++)
		negative += osmem_tb_call(i)->delta < 0;
	return negative;
}

/*
 * Only a free that reaches the top block tries a trim: a free elsewhere
 * makes no backend call, even while the top block is above the threshold
 * (here because someone else's memory above the break blocks the trim).
 */
KTEST(osmem_fast, only_a_free_into_the_top_tries_a_trim)
{
	const struct osmem_tb_call *c;
	struct osmem_stats st;
	char *low, *big, *d, *e;
	unsigned calls;

	OSMEM_START(t, a);
	osmem_fast_set_mmap_threshold(h, 1 << 20);
	low = a->malloc(h, 100);
	big = a->malloc(h, 600 * 1024);
	KASSERT_NOT_NULL(t, low);
	KASSERT_NOT_NULL(t, big);
	osmem_tb_move_break(4096);
	calls = osmem_tb_ncalls();
	a->free(h, big);                /* into the top: tried, and given up */
	KASSERT_EQ(t, osmem_tb_ncalls(), calls + 1);
	c = osmem_tb_call(calls);
	KEXPECT_EQ(t, c->kind, OSMEM_TB_EXTEND);
	KEXPECT_EQ(t, c->delta, 0);
	d = a->malloc(h, 100);          /* both cut from the big free top */
	e = a->malloc(h, 100);
	KASSERT_NOT_NULL(t, e);
	KEXPECT_PTR_EQ(t, d, big);
	KEXPECT_EQ(t, e - d, 112);
	a->stats(h, &st);
	KEXPECT_GT(t, st.largest_free, FAST_TRIM_THRESHOLD);
	calls = osmem_tb_ncalls();
	a->free(h, d);                  /* between low and e: no call */
	KEXPECT_EQ(t, osmem_tb_ncalls(), calls);
	a->free(h, e);                  /* joins d and the top: tried again */
	KASSERT_EQ(t, osmem_tb_ncalls(), calls + 1);
	KEXPECT_EQ(t, osmem_tb_call(calls)->delta, 0);
	KEXPECT_EQ(t, negative_extends(), 0);
	KEXPECT_EQ(t, a->check(h), 0);
	OSMEM_END(t, a);
}

/*
 * The fit bound stated in fast.c, checked against a snapshot of every free
 * block before each malloc: s >= r; exact best fit below 1024; otherwise
 * s < F + width(F) for F the smallest free block of at least R (r rounded
 * to its class edge).
 */
static struct fast_walk fit_walk;

static void fit_check_one(struct ktest *t, struct osmem_heap *h, size_t n)
{
	size_t r = 0, R, s = 0, best = SIZE_MAX, F = SIZE_MAX;
	int chosen = -1, last_heap = -1;
	char *p;

	fast_block_size(n, &r);
	R = fast_round_class(r);
	fast_walk_all(h, &fit_walk);
	for (unsigned i = 0; i < fit_walk.n; i++) {
		size_t size = fit_walk.b[i].size + 8;

		if (fit_walk.b[i].kind == OSMEM_BLOCK_MAPPED)
			continue;
		last_heap = (int)i;
		if (fit_walk.b[i].kind != OSMEM_BLOCK_FREE)
			continue;
		if (size >= r && size < best)
			best = size;
		if (size >= R && size < F)
			F = size;
	}
	p = osmem_fast.malloc(h, n);
	if (!KEXPECT_NOT_NULL(t, p))
		return;
	for (unsigned i = 0; i < fit_walk.n; i++) {
		if (fit_walk.b[i].payload == p &&
		    fit_walk.b[i].kind == OSMEM_BLOCK_FREE) {
			chosen = (int)i;
			s = fit_walk.b[i].size + 8;
		}
	}
	if (chosen < 0 || s < r) {
		/* The heap grew: only allowed when nothing at or above R was
		 * free, and the block is the top one (or new memory). */
		KEXPECT_EQ(t, F, SIZE_MAX);
		if (r < FAST_EXACT_LIMIT)
			KEXPECT_EQ(t, best, SIZE_MAX);
		if (chosen >= 0)
			KEXPECT_EQ(t, chosen, last_heap);
	} else if (r < FAST_EXACT_LIMIT) {
		KEXPECT_EQ(t, s, best);
	} else if (F != SIZE_MAX) {
		KEXPECT_LT(t, s, F + fast_class_width(F));
		KEXPECT_LE(t, (s - F) * 32, F);
	}
	osmem_fast.free(h, p);
}

KTEST(osmem_fast, placement_within_the_stated_fit_bound)
{
	static void *hole[300];
	static size_t exact[40];
	uint32_t seed = 12345;

	OSMEM_START(t, a);
	/* Free holes of many sizes, kept apart by small live guards. */
	for (int i = 0; i < 300; i++) {
		hole[i] = a->malloc(h, 16 + osmem_rand(&seed) % 6000);
		KASSERT_NOT_NULL(t, hole[i]);
		KASSERT_NOT_NULL(t, a->malloc(h, 1));
	}
	for (int i = 0; i < 300; i++)
		a->free(h, hole[i]);
	for (int i = 0; i < 600; i++) {
		fit_check_one(t, h, 1 + osmem_rand(&seed) % 8000);
		if (t->failed > 5)
			break;
	}
	/* Exact sizes of free blocks (the case a class head answers). */
	fast_walk_all(h, &fit_walk);
	for (unsigned i = 0, k = 0; i < fit_walk.n && k < 40; i++)
		if (fit_walk.b[i].kind == OSMEM_BLOCK_FREE)
			exact[k++] = fit_walk.b[i].size;
	for (unsigned k = 0; k < 40 && exact[k]; k++)
		fit_check_one(t, h, exact[k]);
	OSMEM_END(t, a);
}

/* Two free blocks of the same large class: a request between them takes
 * the one that fits, and never a block of a smaller class. */
KTEST(osmem_fast, placement_prefers_the_smaller_class)
{
	char *big, *mid, *small;

	OSMEM_START(t, a);
	big = a->malloc(h, 8000);
	KASSERT_NOT_NULL(t, a->malloc(h, 1));
	mid = a->malloc(h, 3000);
	KASSERT_NOT_NULL(t, a->malloc(h, 1));
	small = a->malloc(h, 2000);
	KASSERT_NOT_NULL(t, a->malloc(h, 1));
	a->free(h, big);
	a->free(h, mid);
	a->free(h, small);
	KEXPECT_PTR_EQ(t, a->malloc(h, 1500), small);
	KEXPECT_PTR_EQ(t, a->malloc(h, 2500), mid);
	KEXPECT_PTR_EQ(t, a->malloc(h, 4000), big);
	OSMEM_END(t, a);
}

/* A request inside a class (not at its edge) first tries the head of its
 * own class: a block there that fits beats any block of a later class. */
KTEST(osmem_fast, placement_tries_the_head_of_its_own_class)
{
	char *same, *bigger;
	size_t r = 0;

	OSMEM_START(t, a);
	same = a->malloc(h, 3048);                 /* block 3056: class 3008..3071 */
	KASSERT_NOT_NULL(t, a->malloc(h, 1));
	bigger = a->malloc(h, 5000);
	KASSERT_NOT_NULL(t, a->malloc(h, 1));
	a->free(h, bigger);
	a->free(h, same);
	fast_block_size(3010, &r);
	KEXPECT_EQ(t, r, 3024);
	KEXPECT_EQ(t, fast_round_class(r), 3072);
	KEXPECT_PTR_EQ(t, a->malloc(h, 3010), same);
	/* The head too small: the next class up, not the top. */
	a->free(h, same);
	KEXPECT_PTR_EQ(t, a->malloc(h, 3050), bigger);
	OSMEM_END(t, a);
}

KTEST(osmem_fast, calloc_clears_reused_memory)
{
	char *p, *q;

	OSMEM_START(t, a);
	p = a->malloc(h, 1000);
	KASSERT_NOT_NULL(t, p);
	memset(p, 0xff, 1000);
	KASSERT_NOT_NULL(t, a->malloc(h, 1));
	a->free(h, p);
	q = a->calloc(h, 10, 100);
	KEXPECT_PTR_EQ(t, q, p);
	KEXPECT(t, osmem_is_zero(q, 1000));
	/* Reused after a realloc moved away from it, too. */
	memset(q, 0xee, 1000);
	p = a->realloc(h, q, 5000);
	KASSERT_NOT_NULL(t, p);
	q = a->calloc(h, 1, 900);
	KASSERT_NOT_NULL(t, q);
	KEXPECT(t, osmem_is_zero(q, 900));
	OSMEM_END(t, a);
}

/* Fresh memory carries our free-list links and footer: calloc of a fresh
 * block, split or whole, still reads all zero. */
KTEST(osmem_fast, calloc_of_fresh_blocks_is_zero)
{
	struct osmem_stats st;
	char *p, *q;

	OSMEM_START(t, a);
	p = a->calloc(h, 1, 24);
	KASSERT_NOT_NULL(t, p);
	KEXPECT(t, osmem_is_zero(p, 24));
	a->stats(h, &st);
	q = a->calloc(h, 1, st.largest_free);      /* the whole top block */
	KASSERT_NOT_NULL(t, q);
	KEXPECT_EQ(t, a->usable_size(h, q), st.largest_free);
	KEXPECT(t, osmem_is_zero(q, st.largest_free));
	KEXPECT_EQ(t, osmem_tb_count(OSMEM_TB_EXTEND), 1);
	/* The next growth merges nothing (the top is in use): still zero. */
	p = a->calloc(h, 1, 5000);
	KASSERT_NOT_NULL(t, p);
	KEXPECT(t, osmem_is_zero(p, 5000));
	/* A fresh free top merged with a fresh extension: our old epilogue
	 * and footer words end up inside the block, and must read zero. */
	a->stats(h, &st);
	q = a->calloc(h, 1, st.largest_free + 1000);
	KASSERT_NOT_NULL(t, q);
	KEXPECT_EQ(t, osmem_tb_count(OSMEM_TB_EXTEND), 3);
	KEXPECT(t, osmem_is_zero(q, st.largest_free + 1000));
	OSMEM_END(t, a);
}

/* With a backend that hands over dirty memory (breaking its contract on
 * purpose), calloc shows that it does not clear fresh memory again, but
 * does clear reused memory. */
KTEST(osmem_fast, calloc_trusts_fresh_memory)
{
	unsigned char *p, *m;

	FAST_START_ON(t, fast_tb_dirty());
	p = a->calloc(h, 1, 1000);
	KASSERT_NOT_NULL(t, p);
	KEXPECT_EQ(t, p[500], FAST_DIRTY);
	m = a->calloc(h, 1, 200 * 1024);
	KASSERT_NOT_NULL(t, m);
	KEXPECT_EQ(t, m[1000], FAST_DIRTY);
	a->free(h, m);
	memset(p, 0x77, 1000);
	a->free(h, p);
	p = a->calloc(h, 1, 1000);
	KASSERT_NOT_NULL(t, p);
	KEXPECT(t, osmem_is_zero(p, 1000));
	OSMEM_END(t, a);
}

KTEST(osmem_fast, realloc_in_place)
{
	char *x, *y, *z, *q;

	OSMEM_START(t, a);
	x = a->malloc(h, 100);
	y = a->malloc(h, 100);
	z = a->malloc(h, 100);
	KASSERT_NOT_NULL(t, z);
	osmem_fill(x, 100, 1);
	osmem_fill(z, 100, 3);
	a->free(h, y);
	q = a->realloc(h, x, 200);                 /* absorbs y */
	KEXPECT_PTR_EQ(t, q, x);
	KEXPECT(t, osmem_verify(x, 100, 1));
	q = a->realloc(h, z, 100000);              /* the last block: the break */
	KEXPECT_PTR_EQ(t, q, z);
	KEXPECT(t, osmem_verify(z, 100, 3));
	KEXPECT_EQ(t, osmem_tb_count(OSMEM_TB_EXTEND), 2);
	q = a->realloc(h, z, 100);                 /* shrink: the rest goes free */
	KEXPECT_PTR_EQ(t, q, z);
	KEXPECT_EQ(t, a->usable_size(h, z), 104);
	KEXPECT(t, osmem_verify(z, 100, 3));
	q = a->realloc(h, x, 16);
	KEXPECT_PTR_EQ(t, q, x);
	KEXPECT_EQ(t, a->usable_size(h, x), 24);
	OSMEM_END(t, a);
}

/* stats: every field exact after a known sequence. */
KTEST(osmem_fast, stats_are_exact)
{
	struct osmem_stats st;
	size_t page, first, map_len;
	char *p, *q, *m;

	OSMEM_START(t, a);
	a->stats(h, &st);
	KEXPECT_EQ(t, st.heap_bytes, 0);
	KEXPECT_EQ(t, st.largest_free, 0);
	p = a->malloc(h, 100);                     /* block 112 */
	q = a->malloc(h, 1000);                    /* block 1008 */
	KASSERT_NOT_NULL(t, q);
	page = osmem_test_home_backend()->page_size;
	first = FAST_GROW_STEP + page - 16;     /* heap start to epilogue */
	map_len = (200 * 1024 + FAST_MAP_HDR + page - 1) / page * page;
	m = a->malloc(h, 200 * 1024);
	KASSERT_NOT_NULL(t, m);
	a->stats(h, &st);
	KEXPECT_EQ(t, st.heap_bytes, FAST_GROW_STEP + page);
	KEXPECT_EQ(t, st.bytes_in_use, 104 + 1000);
	KEXPECT_EQ(t, st.blocks_in_use, 2);
	KEXPECT_EQ(t, st.blocks_free, 1);
	KEXPECT_EQ(t, st.bytes_free, first - 112 - 1008 - 8);
	KEXPECT_EQ(t, st.largest_free, first - 112 - 1008 - 8);
	KEXPECT_EQ(t, st.mapped_bytes, map_len);
	KEXPECT_EQ(t, st.mapped_blocks, 1);
	KEXPECT_EQ(t, st.heap_extend_calls, 1);
	KEXPECT_EQ(t, st.map_calls, 1);
	KEXPECT_EQ(t, st.unmap_calls, 0);
	KEXPECT_EQ(t, a->usable_size(h, m), map_len - FAST_MAP_HDR);
	a->free(h, p);
	a->free(h, m);
	a->stats(h, &st);
	KEXPECT_EQ(t, st.bytes_in_use, 1000);
	KEXPECT_EQ(t, st.blocks_in_use, 1);
	KEXPECT_EQ(t, st.blocks_free, 2);
	KEXPECT_EQ(t, st.bytes_free, 104 + first - 112 - 1008 - 8);
	KEXPECT_EQ(t, st.largest_free, first - 112 - 1008 - 8);
	KEXPECT_EQ(t, st.mapped_bytes, 0);
	KEXPECT_EQ(t, st.mapped_blocks, 0);
	KEXPECT_EQ(t, st.unmap_calls, 1);
	KEXPECT_EQ(t, st.heap_extend_calls, osmem_tb_count(OSMEM_TB_EXTEND));
	OSMEM_END(t, a);
}

KTEST(osmem_fast, misuse_is_reported_not_fatal)
{
	char *p, *q;
	unsigned r0;

	OSMEM_START(t, a);
	p = a->malloc(h, 50);
	q = a->malloc(h, 50);
	KASSERT_NOT_NULL(t, q);
	a->free(h, p);
	r0 = osmem_tb_reports();
	a->free(h, p);                             /* double free */
	KEXPECT_EQ(t, osmem_tb_reports(), r0 + 1);
	a->free(h, q + 1);                         /* not a block start */
	KEXPECT_EQ(t, osmem_tb_reports(), r0 + 2);
	KEXPECT_EQ(t, a->usable_size(h, p), 0);
	KEXPECT_EQ(t, osmem_tb_reports(), r0 + 3);
	KEXPECT_NULL(t, a->realloc(h, p, 10));
	KEXPECT_EQ(t, osmem_tb_reports(), r0 + 4);
	KEXPECT_EQ(t, a->check(h), 0);
	a->free(h, q);
	KEXPECT_EQ(t, osmem_tb_reports(), r0 + 4);
	OSMEM_END(t, a);
}

/* Someone else moves the break: their bytes become a gap the allocator
 * walks over; growth goes on above it. */
KTEST(osmem_fast, foreign_break_move_leaves_a_gap)
{
	struct osmem_stats st;
	struct osmem_walk w;
	char *p, *q;

	OSMEM_START(t, a);
	p = a->malloc(h, 100);
	KASSERT_NOT_NULL(t, p);
	osmem_tb_move_break(3 * 4096 + 16);
	q = a->malloc(h, 100 * 1024);
	KASSERT_NOT_NULL(t, q);
	KEXPECT(t, !osmem_tb_is_mapped(q, 1));
	KEXPECT_GE(t, q, osmem_tb_heap_start() + FAST_GROW_STEP + 3 * 4096);
	KEXPECT_EQ(t, a->check(h), 0);
	osmem_fill(q, 100 * 1024, 7);
	osmem_walk_collect(a, h, &w);
	for (unsigned i = 0; i < w.n && i < OSMEM_WALK_MAX; i++)
		KEXPECT(t, w.b[i].payload < (void *)(osmem_tb_heap_start() + FAST_GROW_STEP) ||
			w.b[i].payload >= (void *)(osmem_tb_heap_start() + FAST_GROW_STEP + 3 * 4096));
	a->free(h, p);
	KEXPECT(t, osmem_verify(q, 100 * 1024, 7));
	a->free(h, q);
	a->stats(h, &st);
	KEXPECT_EQ(t, st.blocks_in_use, 0);
	KEXPECT_EQ(t, st.heap_bytes, osmem_tb_brk());
	OSMEM_END(t, a);
}

/* When the break cannot move, small requests are served by mappings. */
KTEST(osmem_fast, full_heap_falls_back_to_mappings)
{
	char *p;

	OSMEM_START(t, a);
	osmem_tb_set_limit(0);
	p = a->malloc(h, 100);
	KASSERT_NOT_NULL(t, p);
	KEXPECT(t, osmem_tb_is_mapped(p, 100));
	osmem_fill(p, 100, 1);
	p = a->realloc(h, p, 200);
	KASSERT_NOT_NULL(t, p);
	KEXPECT(t, osmem_verify(p, 100, 1));
	a->free(h, p);
	KEXPECT_EQ(t, osmem_tb_live_maps(), 0);
	OSMEM_END(t, a);
}

/* Every refused call: NULL, and every live block intact. */
KTEST(osmem_fast, refused_backend_calls_change_nothing)
{
	static char *p[40];
	struct osmem_stats before, after;

	OSMEM_START(t, a);
	for (int i = 0; i < 40; i++) {
		p[i] = a->malloc(h, 500 + 37 * (size_t)i);
		KASSERT_NOT_NULL(t, p[i]);
		osmem_fill(p[i], 500 + 37 * (size_t)i, (unsigned)i);
	}
	a->stats(h, &before);
	osmem_tb_fail_from(osmem_tb_ncalls() + 1);
	KEXPECT_NULL(t, a->malloc(h, 100 * 1024));
	KEXPECT_NULL(t, a->malloc(h, 300 * 1024));
	KEXPECT_NULL(t, a->calloc(h, 1000, 1000));
	KEXPECT_NULL(t, a->memalign(h, 4096, 100 * 1024));
	KEXPECT_NULL(t, a->realloc(h, p[39], 200 * 1024));
	a->stats(h, &after);
	KEXPECT_EQ(t, after.bytes_in_use, before.bytes_in_use);
	KEXPECT_EQ(t, after.heap_bytes, before.heap_bytes);
	for (int i = 0; i < 40; i++)
		KEXPECT(t, osmem_verify(p[i], 500 + 37 * (size_t)i, (unsigned)i));
	osmem_tb_fail_none();
	KEXPECT_NOT_NULL(t, a->realloc(h, p[39], 200 * 1024));
	OSMEM_END(t, a);
}
