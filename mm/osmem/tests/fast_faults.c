/* SPDX-License-Identifier: MIT */
/*
 * osmem_fast: the always-on misuse checks (fast.c, "Misuse"). Each case
 * provokes one fault and checks the one report it makes (kind, pointer,
 * block size), that the operation was refused, that a sentinel block next
 * to it kept every byte, and that check() passes afterwards.
 */
#include "mm/osmem/tests/fast_tests.h"
#include "libk/printf.h"
#include "libk/string.h"

#define SENTINEL_SEED 77u

static char fast_fault_data[64];

/* Expect exactly one new report since `before`, of this kind, pointer
 * and size. */
#define FAULT_EXPECT(t, before, kind, p, sz)                                  \
	do {                                                                  \
		const struct osmem_report *r_ = osmem_tb_report(before);      \
		KEXPECT_EQ(t, osmem_tb_reports(), (before) + 1);              \
		if (KEXPECT_NOT_NULL(t, r_)) {                                \
			KEXPECT_EQ(t, r_->fault, (kind));                     \
			KEXPECT_PTR_EQ(t, r_->ptr, (p));                      \
			KEXPECT_EQ(t, r_->size, (size_t)(sz));                \
		}                                                             \
	} while (0)

static void fault_sentinel_ok(struct ktest *t, char *s, size_t n)
{
	KEXPECT(t, osmem_verify(s, n, SENTINEL_SEED));
}

KTEST(osmem_fast, fault_double_free_immediate)
{
	const struct osmem_allocator *a = &osmem_fast;
	char *p, *s;
	unsigned r0;

	OSMEM_START(t, a);
	p = a->malloc(h, 40);
	s = a->malloc(h, 40);
	KASSERT_NOT_NULL(t, s);
	osmem_fill(s, 40, SENTINEL_SEED);
	a->free(h, p);
	r0 = osmem_tb_reports();
	a->free(h, p);
	FAULT_EXPECT(t, r0, OSMEM_FAULT_DOUBLE_FREE, p, 40);
	KEXPECT_STREQ(t, osmem_tb_report(r0)->op, "free");
	fault_sentinel_ok(t, s, 40);
	KEXPECT_EQ(t, a->check(h), 0);
	/* The freed block is reused once, never twice. */
	KEXPECT_PTR_EQ(t, a->malloc(h, 40), p);
	KEXPECT_PTR_NE(t, a->malloc(h, 40), p);
	fault_sentinel_ok(t, s, 40);
	OSMEM_END(t, a);
}

/* p, q, p where p was merged into the free block before it. */
KTEST(osmem_fast, fault_double_free_delayed_after_merge)
{
	const struct osmem_allocator *a = &osmem_fast;
	char *x, *p, *q, *s;
	struct osmem_stats st0, st1;
	unsigned r0;

	OSMEM_START(t, a);
	x = a->malloc(h, 100);
	p = a->malloc(h, 40);
	q = a->malloc(h, 60);
	s = a->malloc(h, 40);
	KASSERT_NOT_NULL(t, s);
	osmem_fill(s, 40, SENTINEL_SEED);
	a->free(h, x);
	a->free(h, p);                  /* merges into x's block */
	a->free(h, q);                  /* and q too */
	a->stats(h, &st0);
	r0 = osmem_tb_reports();
	a->free(h, p);
	FAULT_EXPECT(t, r0, OSMEM_FAULT_DOUBLE_FREE, p, 40);
	a->free(h, q);                  /* the head of no block: still told */
	KEXPECT_EQ(t, osmem_tb_reports(), r0 + 2);
	if (osmem_tb_report(r0 + 1))
		KEXPECT_EQ(t, osmem_tb_report(r0 + 1)->fault, OSMEM_FAULT_DOUBLE_FREE);
	a->stats(h, &st1);
	KEXPECT_EQ(t, st1.blocks_free, st0.blocks_free);
	KEXPECT_EQ(t, st1.bytes_free, st0.bytes_free);
	fault_sentinel_ok(t, s, 40);
	KEXPECT_EQ(t, a->check(h), 0);
	OSMEM_END(t, a);
}

/* p, q, p with p's neighbours live: p is a free block of its own. */
KTEST(osmem_fast, fault_double_free_delayed)
{
	const struct osmem_allocator *a = &osmem_fast;
	char *p, *s1, *q, *s2;
	unsigned r0;

	OSMEM_START(t, a);
	p = a->malloc(h, 24);
	s1 = a->malloc(h, 24);
	q = a->malloc(h, 24);
	s2 = a->malloc(h, 24);
	KASSERT_NOT_NULL(t, s2);
	osmem_fill(s1, 24, SENTINEL_SEED);
	a->free(h, p);
	a->free(h, q);
	r0 = osmem_tb_reports();
	a->free(h, p);
	FAULT_EXPECT(t, r0, OSMEM_FAULT_DOUBLE_FREE, p, 24);
	fault_sentinel_ok(t, s1, 24);
	KEXPECT_EQ(t, a->check(h), 0);
	a->free(h, s1);
	a->free(h, s2);
	OSMEM_END(t, a);
}

KTEST(osmem_fast, fault_not_a_block_start)
{
	const struct osmem_allocator *a = &osmem_fast;
	char *p, *s;
	unsigned r0;

	OSMEM_START(t, a);
	p = a->malloc(h, 100);
	s = a->malloc(h, 40);
	KASSERT_NOT_NULL(t, s);
	osmem_fill(p, 100, 5);
	osmem_fill(s, 40, SENTINEL_SEED);
	r0 = osmem_tb_reports();
	a->free(h, p + 1);
	FAULT_EXPECT(t, r0, OSMEM_FAULT_INVALID_POINTER, p + 1, 104);
	a->free(h, p + 8);
	FAULT_EXPECT(t, r0 + 1, OSMEM_FAULT_INVALID_POINTER, p + 8, 104);
	a->free(h, p + 48);
	FAULT_EXPECT(t, r0 + 2, OSMEM_FAULT_INVALID_POINTER, p + 48, 104);
	KEXPECT_NULL(t, a->realloc(h, p + 32, 10));
	FAULT_EXPECT(t, r0 + 3, OSMEM_FAULT_INVALID_POINTER, p + 32, 104);
	KEXPECT_EQ(t, a->usable_size(h, p + 16), 0);
	FAULT_EXPECT(t, r0 + 4, OSMEM_FAULT_INVALID_POINTER, p + 16, 104);
	KEXPECT(t, osmem_verify(p, 100, 5));
	fault_sentinel_ok(t, s, 40);
	KEXPECT_EQ(t, a->usable_size(h, p), 104);
	KEXPECT_EQ(t, a->check(h), 0);
	a->free(h, p);
	KEXPECT_EQ(t, osmem_tb_reports(), r0 + 5);
	OSMEM_END(t, a);
}

static int fault_text(void)
{
	return 1;
}

KTEST(osmem_fast, fault_foreign_pointers_are_never_read)
{
	const struct osmem_allocator *a = &osmem_fast;
	char stack[32];
	void *bad[6];
	char *s;
	unsigned r0, i;

	bad[0] = stack + 16;
	bad[1] = fast_fault_data + 16;
	bad[2] = (void *)(uintptr_t)fault_text;
	bad[3] = (void *)1;
	bad[4] = (void *)(uintptr_t)0x10000;    /* never mapped (mmap_min_addr) */
	bad[5] = (void *)(uintptr_t)0x7ff0;
	OSMEM_START(t, a);
	s = a->malloc(h, 40);
	KASSERT_NOT_NULL(t, s);
	osmem_fill(s, 40, SENTINEL_SEED);
	for (i = 0; i < 6; i++) {
		r0 = osmem_tb_reports();
		a->free(h, bad[i]);
		FAULT_EXPECT(t, r0, OSMEM_FAULT_FOREIGN_POINTER, bad[i], 0);
		KEXPECT_NULL(t, a->realloc(h, bad[i], 8));
		FAULT_EXPECT(t, r0 + 1, OSMEM_FAULT_FOREIGN_POINTER, bad[i], 0);
		KEXPECT_EQ(t, a->usable_size(h, bad[i]), 0);
		FAULT_EXPECT(t, r0 + 2, OSMEM_FAULT_FOREIGN_POINTER, bad[i], 0);
	}
	fault_sentinel_ok(t, s, 40);
	KEXPECT_EQ(t, a->check(h), 0);
	OSMEM_END(t, a);
}

KTEST(osmem_fast, fault_freed_pointer_in_realloc_and_usable_size)
{
	const struct osmem_allocator *a = &osmem_fast;
	char *p, *s;
	unsigned r0;

	OSMEM_START(t, a);
	p = a->malloc(h, 40);
	s = a->malloc(h, 40);
	KASSERT_NOT_NULL(t, s);
	osmem_fill(s, 40, SENTINEL_SEED);
	a->free(h, p);
	r0 = osmem_tb_reports();
	KEXPECT_NULL(t, a->realloc(h, p, 100));
	FAULT_EXPECT(t, r0, OSMEM_FAULT_DOUBLE_FREE, p, 40);
	KEXPECT_STREQ(t, osmem_tb_report(r0)->op, "realloc");
	/* usable_size of a freed block: it names no live block. */
	KEXPECT_EQ(t, a->usable_size(h, p), 0);
	FAULT_EXPECT(t, r0 + 1, OSMEM_FAULT_INVALID_POINTER, p, 40);
	KEXPECT_STREQ(t, osmem_tb_report(r0 + 1)->op, "usable_size");
	fault_sentinel_ok(t, s, 40);
	KEXPECT_EQ(t, a->check(h), 0);
	OSMEM_END(t, a);
}

/* A header overwritten (its size, only its check bits, all of it): the
 * block is refused and put out of use for good (never merged, reused or
 * freed); check() passes afterwards. */
KTEST(osmem_fast, fault_corrupted_header_is_refused)
{
	const struct osmem_allocator *a = &osmem_fast;
	size_t flips[3] = { (size_t)1 << 8, (size_t)1 << 50, ~(size_t)0 };
	unsigned r0, i;

	OSMEM_START(t, a);
	for (i = 0; i < 3; i++) {
		char *x = a->malloc(h, 40), *p = a->malloc(h, 40);
		char *s = a->malloc(h, 40);
		size_t *w = (size_t *)(void *)p - 1, bad;

		KASSERT_NOT_NULL(t, s);
		osmem_fill(s, 40, SENTINEL_SEED);
		osmem_fill(p, 40, 9);
		a->free(h, x);                  /* p would merge with it */
		*w ^= flips[i];
		bad = *w;
		r0 = osmem_tb_reports();
		if (i == 1)
			KEXPECT_NULL(t, a->realloc(h, p, 10));
		else
			a->free(h, p);
		FAULT_EXPECT(t, r0, OSMEM_FAULT_CORRUPT_HEADER, p, 0);
		KEXPECT(t, osmem_verify(p, 40, 9));
		KEXPECT_EQ(t, a->check(h), 0);
		for (int k = 0; k < 4; k++)
			KEXPECT_PTR_NE(t, a->malloc(h, 40), p);
		KEXPECT(t, osmem_verify(p, 40, 9));
		fault_sentinel_ok(t, s, 40);
		(void)bad;
	}
	KEXPECT_EQ(t, a->check(h), 0);
	OSMEM_END(t, a);
}

KTEST(osmem_fast, fault_mapped_blocks)
{
	const struct osmem_allocator *a = &osmem_fast;
	size_t n = 200 * 1024, usable;
	uint64_t *chk, saved;
	char *m, *s;
	unsigned r0;

	OSMEM_START(t, a);
	m = a->malloc(h, n);
	s = a->malloc(h, n);
	KASSERT_NOT_NULL(t, m);
	KASSERT_NOT_NULL(t, s);
	osmem_fill(s, n, SENTINEL_SEED);
	usable = a->usable_size(h, m);
	r0 = osmem_tb_reports();
	a->free(h, m + 16);
	FAULT_EXPECT(t, r0, OSMEM_FAULT_INVALID_POINTER, m + 16, usable);
	a->free(h, m + 1);
	FAULT_EXPECT(t, r0 + 1, OSMEM_FAULT_INVALID_POINTER, m + 1, usable);
	/* The header's check word (fast.c: struct fast_map, third word). */
	chk = (uint64_t *)(m - FAST_MAP_HDR) + 2;
	saved = *chk;
	*chk ^= 1;
	a->free(h, m);
	FAULT_EXPECT(t, r0 + 2, OSMEM_FAULT_CORRUPT_HEADER, m, 0);
	/* Out of use for good: off the list, left mapped, never unmapped. */
	KEXPECT_EQ(t, osmem_tb_live_maps(), 2);
	KEXPECT_EQ(t, a->check(h), 0);
	*chk = saved;
	a->free(h, m);
	FAULT_EXPECT(t, r0 + 3, OSMEM_FAULT_FOREIGN_POINTER, m, 0);
	KEXPECT_EQ(t, osmem_tb_live_maps(), 2);
	/* A mapping freed, then freed again: a double free, not foreign. */
	r0 = osmem_tb_reports();
	usable = a->usable_size(h, s);
	a->free(h, s);
	KEXPECT_EQ(t, osmem_tb_live_maps(), 1);
	a->free(h, s);
	FAULT_EXPECT(t, r0, OSMEM_FAULT_DOUBLE_FREE, s, usable);
	KEXPECT_EQ(t, a->check(h), 0);
	OSMEM_END(t, a);
}

/* The report's line, as a home prints it. */
KTEST(osmem_fast, fault_report_line)
{
	const struct osmem_allocator *a = &osmem_fast;
	char want[128];
	char *p, *s;

	OSMEM_START(t, a);
	p = a->malloc(h, 56);
	s = a->malloc(h, 8);
	KASSERT_NOT_NULL(t, s);
	a->free(h, p);
	a->free(h, p);
	snprintf(want, sizeof(want),
		 "osmem: double free of %p (block of 56 bytes) in free", (void *)p);
	KEXPECT_STREQ(t, osmem_tb_last_report(), want);
	OSMEM_END(t, a);
}
