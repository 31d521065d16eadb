/* SPDX-License-Identifier: MIT */
/*
 * lab2_worstfit: lab 2's self-check (docs/labs/lab2-placement-policies.md).
 *
 * Worst fit (heap=classic:worst) takes the LARGEST free block that fits,
 * the one nearest the heap's start on ties, and splits it as every classic
 * policy does. The cases craft heaps of fenced free holes (policy_tests.h)
 * and check through walk() which hole a request lands in.
 *
 * Lab 2's grader, part 2 (part 1, tests/labs/lab2_contract.c, calls the
 * function directly): `make lab2` builds it with the student's
 * mm/osmem/classic_worstfit.c (mk/labs.mk); never built into the kernel
 * or build/host/ktest-host, since on the shipped stub it fails by design.
 * Each case's LAB_HINT is what tests/labs/grade.sh shows when it fails.
 */
#include "mm/osmem/tests/policy_tests.h"
#include "tests/labs/lab_check.h"

#define WORST (&osmem_classic_worst)

KTEST(lab2_worstfit, takes_the_largest_free_block)
{
	static const size_t sizes[] = { 104, 400, 200, 600, 304 };
	void *holes[5];

	LAB_HINT(t, "holes 104, 400, 200, 600, 304 and malloc(150): the 600-byte "
		 "hole (the largest) must be taken and split");
	OSMEM_START(t, WORST);
	KASSERT_EQ(t, pol_holes(t, WORST, h, sizes, 5, holes), 0);
	KEXPECT_PTR_EQ(t, WORST->malloc(h, 150), holes[3]);
	/* Split as always: the allocated part first, the rest free after. */
	pol_expect_at(t, WORST, h, holes[3], 152, 600 - 152 - POL_META);
	OSMEM_END(t, WORST);
}

KTEST(lab2_worstfit, ties_go_to_the_lowest_address)
{
	static const size_t sizes[] = { 200, 400, 400, 96 };
	void *holes[4];

	LAB_HINT(t, "holes 200, 400, 400, 96 and malloc(8): the first 400-byte "
		 "hole (nearest the heap start) must be taken");
	OSMEM_START(t, WORST);
	KASSERT_EQ(t, pol_holes(t, WORST, h, sizes, 4, holes), 0);
	KEXPECT_PTR_EQ(t, WORST->malloc(h, 8), holes[1]);
	pol_expect_at(t, WORST, h, holes[1], 8, 400 - 8 - POL_META);
	OSMEM_END(t, WORST);
}

KTEST(lab2_worstfit, the_largest_shrinks_and_the_next_request_moves_on)
{
	static const size_t sizes[] = { 256, 512 };
	void *holes[2];

	LAB_HINT(t, "holes 256, 512: malloc(200) takes the 512 hole; then its "
		 "280-byte rest is the largest; then the 256 hole");
	OSMEM_START(t, WORST);
	KASSERT_EQ(t, pol_holes(t, WORST, h, sizes, 2, holes), 0);
	/* 512 -> 200 + 280 free: now 280 is the largest... */
	KEXPECT_PTR_EQ(t, WORST->malloc(h, 200), holes[1]);
	/* ...so the next one lands in its remainder, not in hole 0 (256). */
	KEXPECT_PTR_EQ(t, WORST->malloc(h, 8), (char *)holes[1] + 200 + POL_META);
	/* 280 - 40 = 240 < 256: hole 0 is the largest now. */
	KEXPECT_PTR_EQ(t, WORST->malloc(h, 8), holes[0]);
	OSMEM_END(t, WORST);
}

KTEST(lab2_worstfit, allocated_blocks_are_never_taken)
{
	static const size_t sizes[] = { 4000, 160 };
	void *holes[2], *big;

	LAB_HINT(t, "a block in use is never returned, even when it is the "
		 "largest");
	OSMEM_START(t, WORST);
	KASSERT_EQ(t, pol_holes(t, WORST, h, sizes, 2, holes), 0);
	/* Hole 0 is exactly the size asked: the largest one, taken whole. */
	big = WORST->malloc(h, 4000);
	KEXPECT_PTR_EQ(t, big, holes[0]);
	/* The 4000 block is in use now: only hole 1 may serve. */
	KEXPECT_PTR_EQ(t, WORST->malloc(h, 100), holes[1]);
	pol_expect_at(t, WORST, h, holes[1], 104, 160 - 104 - POL_META);
	OSMEM_END(t, WORST);
}

KTEST(lab2_worstfit, merged_neighbours_count_as_one_block)
{
	static const size_t sizes[] = { 300, 200, 200 };
	void *holes[3];

	LAB_HINT(t, "two free neighbours are merged before your search: they are "
		 "one 472-byte block, the largest");
	OSMEM_START(t, WORST);
	KASSERT_EQ(t, pol_holes(t, WORST, h, sizes, 3, holes), 0);
	/* Free the fence between holes 1 and 2: they merge into one block of
	 * 200 + 32 + 8 + 32 + 200 = 472, larger than hole 0 (300). */
	WORST->free(h, (char *)holes[1] + 200 + POL_META);
	KEXPECT_PTR_EQ(t, WORST->malloc(h, 16), holes[1]);
	pol_expect_at(t, WORST, h, holes[1], 16, 472 - 16 - POL_META);
	OSMEM_END(t, WORST);
}

KTEST(lab2_worstfit, grows_the_heap_only_when_nothing_fits)
{
	static const size_t sizes[] = { 64, 128 };
	void *holes[2], *p;
	size_t brk;

	LAB_HINT(t, "the heap must grow only when no free block fits (a fitting "
		 "hole was missed?)");
	OSMEM_START(t, WORST);
	KASSERT_EQ(t, pol_holes(t, WORST, h, sizes, 2, holes), 0);
	brk = osmem_tb_brk();
	KEXPECT_PTR_EQ(t, WORST->malloc(h, 64), holes[1]);
	KEXPECT_EQ(t, osmem_tb_brk(), brk);
	p = WORST->malloc(h, 256);
	KEXPECT_PTR_EQ(t, p, osmem_tb_heap_start() + brk + POL_META);
	KEXPECT_EQ(t, osmem_tb_brk(), brk + POL_META + 256);
	OSMEM_END(t, WORST);
}

KTEST(lab2_worstfit, keeps_the_contract_under_churn)
{
	struct osmem_stats st;

	LAB_HINT(t, "random malloc/free/realloc on classic:worst: every block "
		 "keeps its bytes and the heap stays under 256 KiB");
	OSMEM_START(t, WORST);
	pol_churn(t, WORST, h, 3000);
	/* Worst fit reuses freed space: 48 blocks of at most 3000 bytes must
	 * not need more than the preallocation and a little growth. */
	WORST->stats(h, &st);
	KEXPECT_LE(t, st.heap_bytes, (size_t)256 * 1024);
	OSMEM_END(t, WORST);
}
