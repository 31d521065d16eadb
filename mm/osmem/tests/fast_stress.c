/* SPDX-License-Identifier: MIT */
/*
 * osmem_fast: randomized stress against a shadow model. Every live block
 * carries its own pattern; the model knows each block's size and seed and
 * checks the pattern before every free and realloc, checks alignment and
 * usable size at every allocation, and runs check() every 64 steps. At the
 * end the stats must agree with the model and, once everything is freed,
 * the heap is back to one trimmed free block and no mapping is left.
 */
#include "mm/osmem/tests/fast_tests.h"
#include "libk/string.h"
#include <stdbool.h>

#define STRESS_SLOTS 256
#define STRESS_STEPS 6000

static const struct osmem_allocator *const a = &osmem_fast;

static struct stress_slot {
	char *p;
	size_t n;
	unsigned seed;
} slot[STRESS_SLOTS];

/* Mostly small, some medium, a few large (mapped) sizes. */
static size_t stress_size(uint32_t *rs)
{
	uint32_t k = osmem_rand(rs) % 100;

	if (k < 70)
		return osmem_rand(rs) % 256;
	if (k < 95)
		return osmem_rand(rs) % 8192;
	if (k < 99)
		return osmem_rand(rs) % (120 * 1024);
	return 128 * 1024 + osmem_rand(rs) % (256 * 1024);
}

/* The pool backend holds few mappings: large requests may then fail. */
static bool stress_large_may_fail;

static bool stress_null_ok(size_t n, size_t align)
{
	return stress_large_may_fail && n + align >= 64 * 1024;
}

static int stress_fresh(struct ktest *t, struct osmem_heap *h,
			struct stress_slot *s, char *p, size_t n, size_t align,
			unsigned seed)
{
	if (!p && stress_null_ok(n, align))
		return 0;
	if (!KEXPECT_NOT_NULL(t, p))
		return -1;
	KEXPECT_EQ(t, (uintptr_t)p % align, 0);
	KEXPECT_GE(t, a->usable_size(h, p), n);
	s->p = p;
	s->n = n;
	s->seed = seed;
	osmem_fill(p, n, seed);
	return 0;
}

static int stress_step(struct ktest *t, struct osmem_heap *h, uint32_t *rs,
		       unsigned step)
{
	struct stress_slot *s = &slot[osmem_rand(rs) % STRESS_SLOTS];
	uint32_t op = osmem_rand(rs) % 10;
	size_t n = stress_size(rs), align;
	char *p;

	if (s->p) {
		if (!KEXPECT(t, osmem_verify(s->p, s->n, s->seed)))
			return -1;
		if (op < 5) {
			a->free(h, s->p);
			s->p = NULL;
			return 0;
		}
		p = a->realloc(h, s->p, n);
		if (n == 0) {
			KEXPECT_NULL(t, p);
			s->p = NULL;
			return 0;
		}
		if (!p && stress_null_ok(n, 16))
			return KEXPECT(t, osmem_verify(s->p, s->n, s->seed)) ? 0 : -1;
		if (!KEXPECT_NOT_NULL(t, p))
			return -1;
		KEXPECT(t, osmem_verify(p, n < s->n ? n : s->n, s->seed));
		return stress_fresh(t, h, s, p, n, 16, step);
	}
	if (op < 6)
		return stress_fresh(t, h, s, a->malloc(h, n), n, 16, step);
	if (op < 8) {
		p = a->calloc(h, 1, n);
		if (p && !KEXPECT(t, osmem_is_zero(p, n)))
			return -1;
		return stress_fresh(t, h, s, p, n, 16, step);
	}
	align = (size_t)16 << (osmem_rand(rs) % 13);
	return stress_fresh(t, h, s, a->memalign(h, align, n), n, align, step);
}

static void stress_run(struct ktest *t, struct osmem_heap *h, uint32_t seed)
{
	struct osmem_stats st;
	size_t live = 0, mapped = 0;

	memset(slot, 0, sizeof(slot));
	for (unsigned step = 1; step <= STRESS_STEPS; step++) {
		if (stress_step(t, h, &seed, step))
			return;
		if (step % 64 == 0 && !KEXPECT_EQ(t, a->check(h), 0))
			return;
	}
	a->stats(h, &st);
	for (int i = 0; i < STRESS_SLOTS; i++) {
		if (!slot[i].p)
			continue;
		live++;
		mapped += osmem_tb_is_mapped(slot[i].p, 1);
	}
	KEXPECT_EQ(t, st.blocks_in_use + st.mapped_blocks, live);
	if (!stress_large_may_fail) {
		KEXPECT_EQ(t, st.mapped_blocks, mapped);
		KEXPECT_EQ(t, st.mapped_blocks, osmem_tb_live_maps());
	}
	for (int i = 0; i < STRESS_SLOTS; i++) {
		if (slot[i].p) {
			KEXPECT(t, osmem_verify(slot[i].p, slot[i].n, slot[i].seed));
			a->free(h, slot[i].p);
		}
	}
	a->stats(h, &st);
	KEXPECT_EQ(t, st.blocks_in_use, 0);
	KEXPECT_EQ(t, st.bytes_in_use, 0);
	KEXPECT_EQ(t, st.blocks_free, 1);
	KEXPECT_EQ(t, st.mapped_blocks, 0);
	/* The trim threshold, raised by freed mappings (fast_index.h). */
	KEXPECT_LE(t, st.heap_bytes,
		   osmem_fast_tuned(h, OSMEM_FAST_TRIM_THRESHOLD) + 4096);
	KEXPECT_EQ(t, osmem_tb_live_maps(), 0);
}

KTEST(osmem_fast, stress_against_a_shadow_model)
{
	OSMEM_START(t, a);
	stress_large_may_fail = false;
	stress_run(t, h, 1);
	OSMEM_END(t, a);
}

KTEST(osmem_fast, stress_with_remap_backend)
{
	FAST_START_ON(t, fast_tb_pool(true));
	/* The pool holds 8 mappings: keep most large blocks in the heap. */
	osmem_fast_set_mmap_threshold(h, 300 * 1024);
	stress_large_may_fail = true;
	stress_run(t, h, 77);
	stress_large_may_fail = false;
	KEXPECT_EQ(t, fast_pool_calls.bad, 0);
	OSMEM_END(t, a);
}
