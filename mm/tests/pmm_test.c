/* SPDX-License-Identifier: MIT */
/*
 * pmm suite: the physical frame allocator on the machine's real memory map.
 * Every case gives back what it takes, so the counters read the same after
 * it as before.
 */
#include "libk/ktest.h"
#include "mm/layout.h"
#include "mm/pmm.h"
#include "mm/tests/mm_tests.h"

extern char __kernel_phys_start[], __kernel_phys_end[];

static int in_kernel_image(phys_addr_t pa)
{
	return pa >= (phys_addr_t)(uintptr_t)__kernel_phys_start &&
	       pa < (phys_addr_t)(uintptr_t)__kernel_phys_end;
}

KTEST(pmm, counters_are_consistent)
{
	struct pmm_stats st;

	pmm_stats(&st);
	KEXPECT_GT(t, st.total_frames, 0);
	KEXPECT_GT(t, st.reserved_frames, 0);
	KEXPECT_GT(t, st.free_frames, 0);
	KEXPECT_LE(t, st.reserved_frames + st.free_frames, st.total_frames);
	/* the first MiB (256 frames) and the image are always kept */
	KEXPECT_GE(t, st.reserved_frames, 256 / 2);
}

KTEST(pmm, alloc_gives_aligned_usable_frame)
{
	phys_addr_t pa = pmm_alloc();
	uint64_t before;

	KASSERT_NE(t, pa, 0);
	KEXPECT(t, PAGE_ALIGNED(pa));
	KEXPECT_GE(t, pa, 0x100000);
	KEXPECT(t, !in_kernel_image(pa));
	KEXPECT(t, pmm_is_allocated(pa));
	before = pmm_free_frames();
	pmm_free(pa);
	KEXPECT_EQ(t, pmm_free_frames(), before + 1);
	KEXPECT(t, !pmm_is_allocated(pa));
}

KTEST(pmm, alloc_is_lowest_first_and_reuses)
{
	phys_addr_t a = pmm_alloc(), b;

	KASSERT_NE(t, a, 0);
	pmm_free(a);
	b = pmm_alloc();
	KEXPECT_EQ(t, b, a);
	pmm_free(b);
}

KTEST(pmm, alloc_zeroed_is_zero)
{
	phys_addr_t pa = pmm_alloc();
	uint64_t *p;
	int nonzero = 0;

	KASSERT_NE(t, pa, 0);
	p = phys_to_virt(pa);
	for (int i = 0; i < 512; i++)
		p[i] = 0xdeadbeefcafef00dUL;
	pmm_free(pa);
	pa = pmm_alloc_zeroed();	/* lowest first: the same frame */
	KASSERT_NE(t, pa, 0);
	p = phys_to_virt(pa);
	for (int i = 0; i < 512; i++)
		nonzero += p[i] != 0;
	KEXPECT_EQ(t, nonzero, 0);
	pmm_free(pa);
}

KTEST(pmm, frames_are_distinct)
{
	phys_addr_t f[64];
	int dup = 0;

	for (int i = 0; i < 64; i++) {
		f[i] = pmm_alloc();
		KEXPECT_NE(t, f[i], 0);
		KEXPECT(t, !in_kernel_image(f[i]));
		for (int j = 0; j < i; j++)
			dup += f[i] == f[j];
	}
	KEXPECT_EQ(t, dup, 0);
	for (int i = 0; i < 64; i++)
		if (f[i])
			pmm_free(f[i]);
}

KTEST(pmm, alloc_all_free_all_restores_counters)
{
	struct pmm_stats before, empty, after;
	phys_addr_t head;
	uint64_t n;

	pmm_stats(&before);
	head = mmt_drain(0);
	pmm_stats(&empty);
	KEXPECT_EQ(t, empty.free_frames, 0);
	KEXPECT_EQ(t, pmm_alloc(), 0);		/* exhausted: 0, no panic */
	KEXPECT_EQ(t, pmm_alloc_zeroed(), 0);
	KEXPECT_EQ(t, pmm_alloc_run(2), 0);
	n = mmt_refill(head);
	KEXPECT_EQ(t, n, before.free_frames);
	pmm_stats(&after);
	KEXPECT_EQ(t, after.free_frames, before.free_frames);
	KEXPECT_EQ(t, after.total_frames, before.total_frames);
	KEXPECT_EQ(t, after.reserved_frames, before.reserved_frames);
}

KTEST(pmm, every_free_frame_is_outside_kept_ranges)
{
	phys_addr_t head = mmt_drain(0), pa;
	uint64_t bad = 0;

	/* the chain walk wrote through the direct map to every free frame */
	for (pa = head; pa; pa = *(phys_addr_t *)phys_to_virt(pa))
		bad += pa < 0x100000 || in_kernel_image(pa) || !PAGE_ALIGNED(pa);
	mmt_refill(head);
	KEXPECT_EQ(t, bad, 0);
}

KTEST(pmm, double_free_is_reported_and_ignored)
{
	phys_addr_t pa = pmm_alloc(), other;
	unsigned long reports = pmm_misuse_count();
	uint64_t free_before;

	KASSERT_NE(t, pa, 0);
	pmm_free(pa);
	free_before = pmm_free_frames();
	pmm_free(pa);
	KEXPECT_EQ(t, pmm_misuse_count(), reports + 1);
	KEXPECT_EQ(t, pmm_free_frames(), free_before);
	/* the frame is on no list twice: handed out once only */
	KEXPECT_EQ(t, pmm_alloc(), pa);
	other = pmm_alloc();
	KEXPECT_NE(t, other, pa);
	pmm_free(other);
	pmm_free(pa);
	pmm_free(pa);
	KEXPECT_EQ(t, pmm_misuse_count(), reports + 2);
}

KTEST(pmm, free_of_frames_never_handed_out_is_refused)
{
	unsigned long reports = pmm_misuse_count();
	struct pmm_stats before, after;
	phys_addr_t image = (phys_addr_t)(uintptr_t)__kernel_phys_start;

	pmm_stats(&before);
	pmm_free(0);			/* first MiB */
	pmm_free(0x9f000);
	pmm_free(image);		/* kernel image */
	pmm_free((phys_addr_t)(uintptr_t)__kernel_phys_end - PAGE_SIZE);
	pmm_free(1UL << 50);		/* no RAM there */
	pmm_free(0x200123);		/* unaligned */
	pmm_stats(&after);
	KEXPECT_EQ(t, pmm_misuse_count(), reports + 6);
	KEXPECT_EQ(t, after.free_frames, before.free_frames);
	KEXPECT_EQ(t, after.reserved_frames, before.reserved_frames);
}

KTEST(pmm, run_is_contiguous_and_allocated)
{
	uint64_t before = pmm_free_frames();
	phys_addr_t pa = pmm_alloc_run(16);
	int bad = 0;

	KASSERT_NE(t, pa, 0);
	KEXPECT(t, PAGE_ALIGNED(pa));
	for (int i = 0; i < 16; i++)
		bad += !pmm_is_allocated(pa + i * PAGE_SIZE);
	KEXPECT_EQ(t, bad, 0);
	KEXPECT_EQ(t, pmm_free_frames(), before - 16);
	pmm_free_run(pa, 16);
	KEXPECT_EQ(t, pmm_free_frames(), before);
	for (int i = 0; i < 16; i++)
		bad += pmm_is_allocated(pa + i * PAGE_SIZE);
	KEXPECT_EQ(t, bad, 0);
}

KTEST(pmm, run_skips_holes)
{
	/* a free hole of 1 frame between allocated ones must not be taken
	 * for a run of 2 */
	phys_addr_t a = pmm_alloc_run(3), r;

	KASSERT_NE(t, a, 0);
	pmm_free(a + PAGE_SIZE);
	r = pmm_alloc_run(2);
	KEXPECT_NE(t, r, 0);
	KEXPECT_NE(t, r, a + PAGE_SIZE);
	KEXPECT(t, r > a + 2 * PAGE_SIZE || r + 2 * PAGE_SIZE <= a);
	pmm_free_run(r, 2);
	pmm_free(a);
	pmm_free(a + 2 * PAGE_SIZE);
}

KTEST(pmm, bad_run_free_changes_nothing)
{
	phys_addr_t pa = pmm_alloc_run(4);
	unsigned long reports = pmm_misuse_count();
	uint64_t free_before;

	KASSERT_NE(t, pa, 0);
	pmm_free(pa + 3 * PAGE_SIZE);
	free_before = pmm_free_frames();
	pmm_free_run(pa, 4);		/* frame 3 is free already */
	KEXPECT_EQ(t, pmm_misuse_count(), reports + 1);
	KEXPECT_EQ(t, pmm_free_frames(), free_before);
	KEXPECT(t, pmm_is_allocated(pa));
	KEXPECT(t, pmm_is_allocated(pa + 2 * PAGE_SIZE));
	pmm_free_run(pa, 3);
	KEXPECT_EQ(t, pmm_free_frames(), free_before + 3);
}

KTEST(pmm, impossible_run_fails_cleanly)
{
	struct pmm_stats st;

	pmm_stats(&st);
	KEXPECT_EQ(t, pmm_alloc_run(0), 0);
	KEXPECT_EQ(t, pmm_alloc_run(st.free_frames + 1), 0);
	KEXPECT_EQ(t, pmm_alloc_run((size_t)-1), 0);
	KEXPECT_EQ(t, pmm_free_frames(), st.free_frames);
}
