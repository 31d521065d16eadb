/* SPDX-License-Identifier: MIT */
/*
 * lab1_heapwalk: lab 1's grader (docs/labs/lab1-watching-the-heap.md),
 * built by `make lab1` with the student's labs/lab1_heapwalk.c (contract:
 * labs/lab1.h), on real classic heaps over the allocator test backend.
 *
 * The truth comes from the allocator itself, never from a second copy of
 * the student's code: the summary is compared with what classic's walk()
 * reports and where the test backend's break is; a prediction with where
 * classic's malloc then really puts the block. The heap's first header is
 * at the heap's start (classic lays the list out from there).
 */
#include "labs/lab1.h"
#include "mm/osmem/tests/policy_tests.h"
#include "tests/labs/lab_check.h"
#include <stdio.h>
#include <string.h>

#define CLASSIC (&osmem_classic)
#define META 32

static const struct block_meta *head_of_heap(void)
{
	return (const struct block_meta *)osmem_tb_heap_start();
}

/* The summary as classic's walk() and the break tell it. */
static void truth(struct osmem_heap *h, struct lab1_summary *s)
{
	struct osmem_walk w;
	char *start = osmem_tb_heap_start(), *end = start + osmem_tb_brk();
	int prev_free = 0;

	osmem_walk_collect(CLASSIC, h, &w);
	memset(s, 0, sizeof(*s));
	s->heap_bytes = osmem_tb_brk();
	for (unsigned i = 0; i < w.n && i < OSMEM_WALK_MAX; i++) {
		char *p = w.b[i].payload;
		int is_free = w.b[i].kind == OSMEM_BLOCK_FREE;

		if (p < start || p >= end)
			continue;   /* a mapping, not on the heap */
		s->blocks++;
		s->header_bytes += META;
		if (is_free) {
			s->free_blocks++;
			s->free_bytes += w.b[i].size;
			if (w.b[i].size > s->largest_free)
				s->largest_free = w.b[i].size;
			s->free_neighbours += prev_free;
		} else {
			s->used_blocks++;
			s->used_bytes += w.b[i].size;
		}
		prev_free = is_free;
	}
}

/* Each field, its name and the usual mistake behind a wrong value. */
static const struct {
	size_t off;
	const char *name, *hint;
} fields[] = {
#define F(f, hint) { offsetof(struct lab1_summary, f), #f, hint }
	F(blocks, "count every block of the list, the last one too"),
	F(used_blocks, "status == STATUS_ALLOC"),
	F(used_bytes, "size is the payload; the header is not in it"),
	F(free_blocks, "status == STATUS_FREE"),
	F(free_bytes, "size is the payload; the header is not in it"),
	F(largest_free, "the largest size among the free blocks"),
	F(header_bytes, "one 32-byte struct block_meta per block"),
	F(free_neighbours, "free blocks whose next is free too: free() "
			   "does not merge, the next malloc's search does"),
	F(heap_bytes, "every block's header and payload, back to back"),
#undef F
};

/* The student's summary of the heap against the truth; 0 on a mismatch. */
static int expect_summary(struct ktest *t, struct osmem_heap *h,
			  const char *when)
{
	struct lab1_summary want, got;

	truth(h, &want);
	memset(&got, 0xa5, sizeof(got));
	lab1_summarize(head_of_heap(), &got);
	for (unsigned i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		size_t w = *(const size_t *)((const char *)&want + fields[i].off);
		size_t g = *(const size_t *)((const char *)&got + fields[i].off);

		if (!LAB_EXPECT(t, g == w, "%s: %s is %zu, got %zu: %s", when,
				fields[i].name, w, g, fields[i].hint))
			return 0;
	}
	return 1;
}

KTEST(lab1_heapwalk, header_of_is_right_below_the_payload)
{
	static const size_t sizes[] = { 1, 100, 4000, 24 };

	OSMEM_START(t, CLASSIC);
	for (unsigned i = 0; i < 4; i++) {
		char *p = CLASSIC->malloc(h, sizes[i]);
		struct block_meta *b = lab1_header_of(p);

		KASSERT_NOT_NULL(t, p);
		LAB_ASSERT(t, (char *)b + META == p && b->status == STATUS_ALLOC,
			   "malloc(%zu) gave payload %p: its header is at %p, "
			   "got %p: the 32-byte struct block_meta sits right "
			   "below the payload", sizes[i], (void *)p,
			   (void *)(p - META), (void *)b);
	}
	OSMEM_END(t, CLASSIC);
}

KTEST(lab1_heapwalk, summary_of_the_first_malloc)
{
	OSMEM_START(t, CLASSIC);
	KASSERT_NOT_NULL(t, CLASSIC->malloc(h, 100));
	expect_summary(t, h, "after malloc(100) on a new heap (the 128 KiB "
		       "preallocation, split)");
	OSMEM_END(t, CLASSIC);
}

KTEST(lab1_heapwalk, summary_counts_used_and_free_blocks)
{
	void *p[6];

	OSMEM_START(t, CLASSIC);
	for (unsigned i = 0; i < 6; i++)
		KASSERT_NOT_NULL(t, p[i] = CLASSIC->malloc(h, 40 + 96 * i));
	CLASSIC->free(h, p[1]);
	CLASSIC->free(h, p[4]);
	expect_summary(t, h, "six blocks, the second and fifth freed");
	OSMEM_END(t, CLASSIC);
}

KTEST(lab1_heapwalk, summary_sees_neighbours_free_until_the_next_malloc)
{
	void *p[4];

	OSMEM_START(t, CLASSIC);
	for (unsigned i = 0; i < 4; i++)
		KASSERT_NOT_NULL(t, p[i] = CLASSIC->malloc(h, 64));
	CLASSIC->free(h, p[1]);
	CLASSIC->free(h, p[2]);
	if (!expect_summary(t, h, "two neighbours just freed (not merged yet)"))
		return;
	KASSERT_NOT_NULL(t, CLASSIC->malloc(h, 8));
	expect_summary(t, h, "after the next malloc (its search merged them)");
	OSMEM_END(t, CLASSIC);
}

KTEST(lab1_heapwalk, summary_after_the_heap_grew)
{
	OSMEM_START(t, CLASSIC);
	KASSERT_NOT_NULL(t, CLASSIC->malloc(h, 100000));
	KASSERT_NOT_NULL(t, CLASSIC->malloc(h, 100000));
	KASSERT_NOT_NULL(t, CLASSIC->malloc(h, 200000));  /* mapped: not on the heap */
	expect_summary(t, h, "two 100000-byte blocks (the heap grew past "
		       "128 KiB) and a 200000-byte mapping (not on the list)");
	OSMEM_END(t, CLASSIC);
}

/* What the last expect_predict's malloc returned (the block is live). */
static void *predicted_block;

/* Predict malloc(n), check the heap did not change, then malloc(n):
 * 0 on a wrong prediction (the LAB line says which rule). */
static int expect_predict(struct ktest *t, struct osmem_heap *h, size_t n,
			  const char *rule)
{
	struct osmem_walk before, after;
	char *start = osmem_tb_heap_start(), *want, *got, said[32] = "NULL";

	osmem_walk_collect(CLASSIC, h, &before);
	got = lab1_predict(head_of_heap(), n);
	osmem_walk_collect(CLASSIC, h, &after);
	if (!LAB_EXPECT(t, memcmp(&before, &after, sizeof(before)) == 0,
			"lab1_predict(%zu) changed the heap: it must only read it",
			n))
		return 0;
	if (got)
		snprintf(said, sizeof(said), "heap+%ld", (long)(got - start));
	want = predicted_block = CLASSIC->malloc(h, n);
	if (want && (want < start || want >= start + osmem_tb_brk()))
		want = NULL;   /* a mapping: the contract says NULL */
	if (want)
		return LAB_EXPECT(t, got == want, "malloc(%zu) put its block at "
				  "heap+%ld, you predicted %s: %s", n,
				  (long)(want - start), said, rule);
	return LAB_EXPECT(t, got == NULL, "malloc(%zu) made a mapping (so "
			  "NULL), you predicted %s: %s", n, said, rule);
}

KTEST(lab1_heapwalk, predict_splits_the_free_rest)
{
	OSMEM_START(t, CLASSIC);
	KASSERT_NOT_NULL(t, CLASSIC->malloc(h, 100));
	expect_predict(t, h, 8, "the free rest of the preallocation follows "
		       "the first block (100 rounds to 104, plus its 32-byte header)");
	OSMEM_END(t, CLASSIC);
}

KTEST(lab1_heapwalk, predict_takes_the_smallest_block_that_fits)
{
	static const size_t sizes[] = { 400, 104, 200, 112 };
	void *holes[4];

	OSMEM_START(t, CLASSIC);
	KASSERT_EQ(t, pol_holes(t, CLASSIC, h, sizes, 4, holes), 0);
	if (!expect_predict(t, h, 150, "best fit: the smallest free block that "
			    "fits (holes 400, 104, 200, 112)"))
		return;
	expect_predict(t, h, 105, "the request is rounded up to a multiple of "
		       "8 (105 -> 112): the 104 hole is too small, the 112 one fits");
	OSMEM_END(t, CLASSIC);
}

KTEST(lab1_heapwalk, predict_ties_go_to_the_first_block)
{
	static const size_t sizes[] = { 400, 160, 160 };
	void *holes[3];

	OSMEM_START(t, CLASSIC);
	KASSERT_EQ(t, pol_holes(t, CLASSIC, h, sizes, 3, holes), 0);
	expect_predict(t, h, 160, "two holes of exactly 160: the first one "
		       "(lowest address) wins; an exact fit fits");
	OSMEM_END(t, CLASSIC);
}

KTEST(lab1_heapwalk, predict_counts_merged_neighbours_as_one_block)
{
	void *p[5];

	OSMEM_START(t, CLASSIC);
	for (unsigned i = 0; i < 5; i++)
		KASSERT_NOT_NULL(t, p[i] = CLASSIC->malloc(h, i == 0 ? 400 : 64));
	KASSERT_NOT_NULL(t, pol_take_tail(CLASSIC, h));
	CLASSIC->free(h, p[0]);
	CLASSIC->free(h, p[2]);
	CLASSIC->free(h, p[3]);
	expect_predict(t, h, 150, "free 400, then two free 64-byte neighbours: "
		       "the search merges them first into one block of "
		       "64 + 32 + 64 = 160, the smallest that fits");
	OSMEM_END(t, CLASSIC);
}

KTEST(lab1_heapwalk, predict_a_free_last_block_grows)
{
	OSMEM_START(t, CLASSIC);
	KASSERT_NOT_NULL(t, CLASSIC->malloc(h, 100));
	expect_predict(t, h, 131000, "nothing fits (the free rest is 130904 "
		       "bytes) and the last block is free: it grows in place, "
		       "its payload stays where it is");
	OSMEM_END(t, CLASSIC);
}

KTEST(lab1_heapwalk, predict_a_new_block_at_the_break)
{
	static const size_t sizes[] = { 64, 128 };
	void *holes[2];

	OSMEM_START(t, CLASSIC);
	KASSERT_EQ(t, pol_holes(t, CLASSIC, h, sizes, 2, holes), 0);
	expect_predict(t, h, 256, "nothing fits and the last block is in use: "
		       "a new block at the break, its payload 32 bytes above it");
	OSMEM_END(t, CLASSIC);
}

KTEST(lab1_heapwalk, predict_null_for_a_mapped_request)
{
	OSMEM_START(t, CLASSIC);
	KASSERT_NOT_NULL(t, CLASSIC->malloc(h, 100));
	if (!expect_predict(t, h, 131033, "32 + 131040 (131033 rounded) "
			    "reaches 128 KiB: mapped, not on the heap (NULL)"))
		return;
	expect_predict(t, h, 131032, "32 + 131032 is below 128 KiB: a heap "
		       "block (the last block is free and grows)");
	OSMEM_END(t, CLASSIC);
}

KTEST(lab1_heapwalk, predict_and_summarize_a_random_workload)
{
	enum { SLOTS = 24 };
	void *p[SLOTS] = { 0 };
	uint32_t seed = 0x1ab1;

	OSMEM_START(t, CLASSIC);
	KASSERT_NOT_NULL(t, CLASSIC->malloc(h, 8));
	for (unsigned k = 0; k < 600; k++) {
		unsigned i = osmem_rand(&seed) % SLOTS;
		size_t n = 1 + osmem_rand(&seed) % (k % 50 == 49 ? 20000 : 600);

		if (p[i]) {
			CLASSIC->free(h, p[i]);
			p[i] = NULL;
			continue;
		}
		if (!expect_predict(t, h, n, "the rules in order: round to 8, "
				    "merge, smallest fit, grow the free last "
				    "block, else a new block") ||
		    !expect_summary(t, h, "a random workload"))
			return;
		p[i] = predicted_block;
	}
	OSMEM_END(t, CLASSIC);
}
