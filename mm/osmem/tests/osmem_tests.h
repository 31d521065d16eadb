/* SPDX-License-Identifier: MIT */
/*
 * Helpers shared by the allocator test cases (both homes).
 *
 * - osmem_test_allocators[]: every allocator the osmem_common cases run
 *   against, NULL-terminated (mm/osmem/tests/allocators.c).
 * - osmem_fill/osmem_verify: a per-block byte pattern, so two live blocks
 *   that overlap, or a copy that lost bytes, show up.
 * - osmem_walk_collect: the allocator's walk() of heap h into an array.
 * - osmem_test_heap(): the one heap instance the allocator tests use (a
 *   static struct osmem_heap_space of the test library; the tests run one
 *   at a time, and each starts it over).
 * - OSMEM_START(t, a): declares `struct osmem_heap *h` (the test heap) in
 *   the current block and inits allocator a on it over a fresh test
 *   backend (asserts); calls then read a->malloc(h, n) etc.
 *   OSMEM_RESTART(t, a): the same again for an h already declared.
 *   OSMEM_END(t, a): check(h) must pass and the lock must be balanced.
 */
#ifndef MM_OSMEM_TESTS_OSMEM_TESTS_H
#define MM_OSMEM_TESTS_OSMEM_TESTS_H

#include "libk/ktest.h"
#include "mm/osmem/allocator.h"
#include "mm/osmem/tests/backend_test.h"
#include <stddef.h>
#include <stdint.h>

extern const struct osmem_allocator *const osmem_test_allocators[];

void osmem_fill(void *p, size_t n, unsigned seed);
/* 1 if p[0..n) still holds the pattern of seed. */
int osmem_verify(const void *p, size_t n, unsigned seed);
/* 1 if p[off..off+n) still holds bytes off.. of seed's pattern. */
int osmem_verify_at(const void *p, size_t off, size_t n, unsigned seed);
/* 1 if p[0..n) is all zero. */
int osmem_is_zero(const void *p, size_t n);

#define OSMEM_WALK_MAX 64

struct osmem_walk_block {
	void *payload;
	size_t size;
	enum osmem_block_kind kind;
};

struct osmem_walk {
	unsigned n;       /* blocks seen (may exceed OSMEM_WALK_MAX) */
	struct osmem_walk_block b[OSMEM_WALK_MAX];
};

void osmem_walk_collect(const struct osmem_allocator *a, struct osmem_heap *h,
			struct osmem_walk *w);

struct osmem_heap *osmem_test_heap(void);

/* A small deterministic generator for the stress cases. */
static inline uint32_t osmem_rand(uint32_t *state)
{
	*state = *state * 1103515245u + 12345u;
	return *state >> 8;
}

#define OSMEM_START(t, a)                                                    \
	struct osmem_heap *const h = osmem_test_heap();                      \
	OSMEM_RESTART(t, a)

#define OSMEM_RESTART(t, a)                                                  \
	do {                                                                 \
		const struct osmem_backend *osmem_be_ = osmem_tb_init();     \
		KASSERT_NOT_NULL(t, osmem_be_);                              \
		(a)->init(h, osmem_be_);                                     \
	} while (0)

#define OSMEM_END(t, a)                                                      \
	do {                                                                 \
		KEXPECT_EQ(t, (a)->check(h), 0);                             \
		KEXPECT_EQ(t, osmem_tb_lock_errors(), 0);                    \
		KEXPECT_EQ(t, osmem_tb_lock_held(), 0);                      \
		KEXPECT_EQ(t, osmem_tb_bad_unmaps(), 0);                     \
	} while (0)

/* Run the body once per allocator in the table; after each run that
 * failed, a diagnostic names the allocator. */
#define OSMEM_FOR_EACH_ALLOCATOR(t, a)                                       \
	for (const struct osmem_allocator *const *a##_it_ = osmem_test_allocators; \
	     (osmem_name_failures_((t), *a##_it_), ((a) = *a##_it_) != NULL); \
	     a##_it_++)

void osmem_name_failures_(struct ktest *t, const struct osmem_allocator *next);

/* Expect recorded call i (0-based) to be the given one. */
#define OSMEM_EXPECT_EXTEND(t, i, d, off)                                    \
	do {                                                                 \
		const struct osmem_tb_call *osmem_c_ = osmem_tb_call(i);     \
		if (KEXPECT_NOT_NULL(t, osmem_c_)) {                         \
			KEXPECT_EQ(t, osmem_c_->kind, OSMEM_TB_EXTEND);      \
			KEXPECT_EQ(t, osmem_c_->delta, (d));                 \
			KEXPECT_EQ(t, osmem_c_->offset, (off));              \
		}                                                            \
	} while (0)

#define OSMEM_EXPECT_MAP(t, i, l)                                            \
	do {                                                                 \
		const struct osmem_tb_call *osmem_c_ = osmem_tb_call(i);     \
		if (KEXPECT_NOT_NULL(t, osmem_c_)) {                         \
			KEXPECT_EQ(t, osmem_c_->kind, OSMEM_TB_MAP);         \
			KEXPECT_EQ(t, osmem_c_->len, (l));                   \
		}                                                            \
	} while (0)

#define OSMEM_EXPECT_UNMAP(t, i, p, l)                                       \
	do {                                                                 \
		const struct osmem_tb_call *osmem_c_ = osmem_tb_call(i);     \
		if (KEXPECT_NOT_NULL(t, osmem_c_)) {                         \
			KEXPECT_EQ(t, osmem_c_->kind, OSMEM_TB_UNMAP);       \
			KEXPECT_PTR_EQ(t, osmem_c_->ptr, (p));               \
			KEXPECT_EQ(t, osmem_c_->len, (l));                   \
		}                                                            \
	} while (0)

/* Expect walk block i to be (payload, size, kind). */
#define OSMEM_EXPECT_BLOCK(t, w, i, p, sz, k)                                \
	do {                                                                 \
		if (KEXPECT_LT(t, (i), (w)->n)) {                            \
			KEXPECT_PTR_EQ(t, (w)->b[i].payload, (p));           \
			KEXPECT_EQ(t, (w)->b[i].size, (sz));                 \
			KEXPECT_EQ(t, (w)->b[i].kind, (k));                  \
		}                                                            \
	} while (0)

#endif
