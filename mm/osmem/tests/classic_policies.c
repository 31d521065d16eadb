/* SPDX-License-Identifier: MIT */
/*
 * osmem_classic_policies: classic's placement policies beside best fit
 * (mm/osmem/classic.c; lab 2). Each case crafts a heap of free holes
 * fenced by allocated blocks (policy_tests.h) and checks through walk()
 * which hole a request lands in.
 *
 *   heap=classic:first  the lowest-address block that fits
 *   heap=classic:next   the first block that fits at or after the last
 *                       placement, wrapping round to the heap's start
 *
 * Worst fit is the student's (lab2_worstfit, not part of make test).
 */
#include "mm/osmem/tests/policy_tests.h"

#define FIRST (&osmem_classic_first)
#define NEXT  (&osmem_classic_next)

KTEST(osmem_classic_policies, names_are_classic_colon_policy)
{
	KEXPECT_STREQ(t, osmem_classic.name, "classic");
	KEXPECT_STREQ(t, FIRST->name, "classic:first");
	KEXPECT_STREQ(t, NEXT->name, "classic:next");
	KEXPECT_STREQ(t, osmem_classic_worst.name, "classic:worst");
}

/* Holes 104, 400, 200, 600: a request of 150 (152) separates the three. */
static const size_t pol_mixed[] = { 104, 400, 200, 600 };

KTEST(osmem_classic_policies, best_fit_takes_the_smallest_that_fits)
{
	void *holes[4];

	OSMEM_START(t, &osmem_classic);
	KASSERT_EQ(t, pol_holes(t, &osmem_classic, h, pol_mixed, 4, holes), 0);
	KEXPECT_PTR_EQ(t, osmem_classic.malloc(h, 150), holes[2]);
	pol_expect_at(t, &osmem_classic, h, holes[2], 152, 200 - 152 - POL_META);
	OSMEM_END(t, &osmem_classic);
}

KTEST(osmem_classic_policies, first_fit_takes_the_lowest_block_that_fits)
{
	void *holes[4];

	OSMEM_START(t, FIRST);
	KASSERT_EQ(t, pol_holes(t, FIRST, h, pol_mixed, 4, holes), 0);
	/* 104 is too small; 400 is the first that fits, and is split. */
	KEXPECT_PTR_EQ(t, FIRST->malloc(h, 150), holes[1]);
	pol_expect_at(t, FIRST, h, holes[1], 152, 400 - 152 - POL_META);
	/* An exact fit low in the heap wins over anything after it. */
	KEXPECT_PTR_EQ(t, FIRST->malloc(h, 100), holes[0]);
	pol_expect_at(t, FIRST, h, holes[0], 104, 0);
	OSMEM_END(t, FIRST);
}

KTEST(osmem_classic_policies, first_fit_restarts_at_the_head_every_time)
{
	static const size_t sizes[] = { 200, 200, 200 };
	void *holes[3];

	OSMEM_START(t, FIRST);
	KASSERT_EQ(t, pol_holes(t, FIRST, h, sizes, 3, holes), 0);
	KEXPECT_PTR_EQ(t, FIRST->malloc(h, 200), holes[0]);
	KEXPECT_PTR_EQ(t, FIRST->malloc(h, 200), holes[1]);
	FIRST->free(h, holes[0]);
	KEXPECT_PTR_EQ(t, FIRST->malloc(h, 200), holes[0]);
	OSMEM_END(t, FIRST);
}

KTEST(osmem_classic_policies, first_fit_grows_the_heap_when_nothing_fits)
{
	static const size_t sizes[] = { 64, 128 };
	void *holes[2], *p;
	size_t brk;

	OSMEM_START(t, FIRST);
	KASSERT_EQ(t, pol_holes(t, FIRST, h, sizes, 2, holes), 0);
	brk = osmem_tb_brk();
	p = FIRST->malloc(h, 256);
	KEXPECT_PTR_EQ(t, p, osmem_tb_heap_start() + brk + POL_META);
	KEXPECT_EQ(t, osmem_tb_brk(), brk + POL_META + 256);
	OSMEM_END(t, FIRST);
}

KTEST(osmem_classic_policies, next_fit_continues_after_the_last_placement)
{
	static const size_t sizes[] = { 200, 200, 200 };
	void *holes[3];

	OSMEM_START(t, NEXT);
	KASSERT_EQ(t, pol_holes(t, NEXT, h, sizes, 3, holes), 0);
	/* Only the middle hole free... */
	KEXPECT_PTR_EQ(t, NEXT->malloc(h, 200), holes[0]);
	KEXPECT_PTR_EQ(t, NEXT->malloc(h, 200), holes[1]);
	KEXPECT_PTR_EQ(t, NEXT->malloc(h, 200), holes[2]);
	NEXT->free(h, holes[1]);
	/* ...after the last placement (hole 2) the search wraps to it. */
	KEXPECT_PTR_EQ(t, NEXT->malloc(h, 200), holes[1]);
	/* Now holes 0 and 2 free, the rover at hole 1: first fit would take
	 * hole 0, next fit goes on to hole 2. */
	NEXT->free(h, holes[0]);
	NEXT->free(h, holes[2]);
	KEXPECT_PTR_EQ(t, NEXT->malloc(h, 200), holes[2]);
	OSMEM_END(t, NEXT);
}

KTEST(osmem_classic_policies, next_fit_wraps_round_to_the_heap_start)
{
	static const size_t sizes[] = { 200, 200, 200 };
	void *holes[3];

	OSMEM_START(t, NEXT);
	KASSERT_EQ(t, pol_holes(t, NEXT, h, sizes, 3, holes), 0);
	/* The last placement was the tail: the first search wraps. */
	KEXPECT_PTR_EQ(t, NEXT->malloc(h, 40), holes[0]);
	pol_expect_at(t, NEXT, h, holes[0], 40, 200 - 40 - POL_META);
	/* The next one goes on from there: hole 0's remainder fits. */
	KEXPECT_PTR_EQ(t, NEXT->malloc(h, 40), (char *)holes[0] + 40 + POL_META);
	KEXPECT_PTR_EQ(t, NEXT->malloc(h, 200), holes[1]);
	KEXPECT_PTR_EQ(t, NEXT->malloc(h, 200), holes[2]);
	/* Past the last hole, round the end, back to hole 0's rest. */
	KEXPECT_PTR_EQ(t, NEXT->malloc(h, 16),
		       (char *)holes[0] + 2 * (40 + POL_META));
	OSMEM_END(t, NEXT);
}

KTEST(osmem_classic_policies, next_fit_follows_a_merged_rover)
{
	static const size_t sizes[] = { 200, 200, 200 };
	void *holes[3], *p;

	OSMEM_START(t, NEXT);
	KASSERT_EQ(t, pol_holes(t, NEXT, h, sizes, 3, holes), 0);
	/* Place in hole 1 so the rover is there, then free hole 1 and the
	 * separator before it: the merge folds the rover's block into the
	 * separator's, and the search must start from that block. */
	KEXPECT_PTR_EQ(t, NEXT->malloc(h, 200), holes[0]);
	KEXPECT_PTR_EQ(t, NEXT->malloc(h, 200), holes[1]);
	NEXT->free(h, holes[1]);
	NEXT->free(h, (char *)holes[0] + 200 + POL_META);   /* separator 0 */
	p = NEXT->malloc(h, 120);
	KEXPECT_PTR_EQ(t, p, (char *)holes[0] + 200 + POL_META);
	pol_expect_at(t, NEXT, h, p, 120, 8 + POL_META + 200 - 120 - POL_META);
	KEXPECT_EQ(t, NEXT->check(h), 0);
	OSMEM_END(t, NEXT);
}

KTEST(osmem_classic_policies, next_fit_after_growth_starts_at_the_new_block)
{
	static const size_t sizes[] = { 200, 200 };
	void *holes[2], *p;

	OSMEM_START(t, NEXT);
	KASSERT_EQ(t, pol_holes(t, NEXT, h, sizes, 2, holes), 0);
	p = NEXT->malloc(h, 4096);                 /* nothing fits: grows */
	KASSERT_NOT_NULL(t, p);
	KEXPECT_PTR_EQ(t, (char *)p + 4096, osmem_tb_heap_start() + osmem_tb_brk());
	/* From the new last block the search wraps to hole 0. */
	KEXPECT_PTR_EQ(t, NEXT->malloc(h, 64), holes[0]);
	OSMEM_END(t, NEXT);
}

KTEST(osmem_classic_policies, every_policy_keeps_the_contract)
{
	const struct osmem_allocator *const all[] = {
		&osmem_classic, FIRST, NEXT, &osmem_classic_worst,
	};

	for (unsigned k = 0; k < 4; k++) {
		const struct osmem_allocator *a = all[k];
		OSMEM_START(t, a);
		pol_churn(t, a, h, 1500);
		OSMEM_END(t, a);
		if (t->failed)
			ktest_note(t, "failures above: allocator %s", a->name);
		if (t->failed)
			return;
	}
}
