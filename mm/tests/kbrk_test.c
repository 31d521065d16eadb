/* SPDX-License-Identifier: MIT */
/*
 * kbrk suite: the kernel brk heap. Others (the kernel allocator) may
 * already own the heap below the current break, so every case works above
 * the break it finds and puts it back where it was.
 */
#include "libk/ktest.h"
#include "kernel/ktest_kernel.h"
#include "kernel/arch/x86_64/trap.h"
#include "mm/kbrk.h"
#include "mm/layout.h"
#include "mm/pmm.h"
#include "mm/vmm.h"
#include "mm/tests/mm_tests.h"


KTEST(kbrk, break_starts_in_its_range)
{
	uintptr_t cur = (uintptr_t)kbrk_current();

	KEXPECT_EQ(t, (uintptr_t)kbrk_start(), KBRK_BASE);
	KEXPECT_GE(t, cur, KBRK_BASE);
	KEXPECT_LE(t, cur, KBRK_BASE + KBRK_MAX_BYTES);
	KEXPECT_GE(t, KBRK_MAX_BYTES, 1UL << 30);
	KEXPECT_PTR_EQ(t, ksbrk(0), kbrk_current());
}

KTEST(kbrk, grow_returns_old_break_and_maps)
{
	uint64_t frames = pmm_free_frames();
	char *old = kbrk_current();
	char *top = (char *)PAGE_ALIGN_UP(old);

	KASSERT_PTR_EQ(t, ksbrk(3 * PAGE_SIZE), old);
	KEXPECT_PTR_EQ(t, kbrk_current(), old + 3 * PAGE_SIZE);
	KEXPECT_NE(t, vmm_translate((uintptr_t)old + 3 * PAGE_SIZE - 1),
		   VMM_NOT_MAPPED);
	KEXPECT_EQ(t, vmm_leaf_entry((uintptr_t)top) & (PTE_W | PTE_NX),
		   PTE_W | PTE_NX);
	KEXPECT_LE(t, pmm_free_frames(), frames - 3);
	KASSERT_PTR_EQ(t, ksbrk(-3 * (intptr_t)PAGE_SIZE), old + 3 * PAGE_SIZE);
	KEXPECT_PTR_EQ(t, kbrk_current(), old);
	KEXPECT_EQ(t, vmm_translate((uintptr_t)top), VMM_NOT_MAPPED);
	KEXPECT_EQ(t, pmm_free_frames(), frames);
}

KTEST(kbrk, grow_write_shrink_grow_reads_zeros)
{
	const size_t n = 5 * PAGE_SIZE + 123;
	unsigned char *p = ksbrk((intptr_t)n);

	KASSERT(t, p != KBRK_FAIL);
	KEXPECT_EQ(t, count_nonzero(p, n), 0);
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)(i | 1);
	KASSERT_PTR_EQ(t, ksbrk(-(intptr_t)n), p + n);
	KASSERT_PTR_EQ(t, ksbrk((intptr_t)n), p);
	KEXPECT_EQ(t, count_nonzero(p, n), 0);
	KEXPECT_PTR_EQ(t, ksbrk(-(intptr_t)n), p + n);
}

KTEST(kbrk, shrink_inside_a_page_clears_the_tail)
{
	unsigned char *p = ksbrk(100);

	KASSERT(t, p != KBRK_FAIL);
	for (int i = 0; i < 100; i++)
		p[i] = 0xff;
	KASSERT_PTR_EQ(t, ksbrk(-60), p + 100);
	KASSERT_PTR_EQ(t, ksbrk(60), p + 40);
	KEXPECT_EQ(t, count_nonzero(p + 40, 60), 0);
	KEXPECT_EQ(t, p[39], 0xff);
	KEXPECT_PTR_EQ(t, ksbrk(-100), p + 100);
}

KTEST(kbrk, shrunk_pages_fault)
{
	char *old = kbrk_current();
	uintptr_t page = PAGE_ALIGN_UP(old) + PAGE_SIZE;

	KASSERT(t, ksbrk(4 * PAGE_SIZE) != KBRK_FAIL);
	write_byte((void *)page);
	KASSERT(t, ksbrk(-4 * (intptr_t)PAGE_SIZE) != KBRK_FAIL);
	ktest_expect_fault(t, TRAP_PF, page, write_byte, (void *)page);
}

KTEST(kbrk, past_the_end_fails_with_nothing_changed)
{
	uint64_t frames = pmm_free_frames(), tables = vmm_table_pages();
	char *old = kbrk_current();
	intptr_t room = (intptr_t)(KBRK_BASE + KBRK_MAX_BYTES - (uintptr_t)old);

	KEXPECT_PTR_EQ(t, ksbrk(room + 1), KBRK_FAIL);
	KEXPECT_PTR_EQ(t, ksbrk(INTPTR_MAX), KBRK_FAIL);
	KEXPECT_PTR_EQ(t, ksbrk(-(intptr_t)((uintptr_t)old - KBRK_BASE) - 1),
		       KBRK_FAIL);
	KEXPECT_PTR_EQ(t, ksbrk(INTPTR_MIN), KBRK_FAIL);
	KEXPECT_PTR_EQ(t, kbrk_current(), old);
	KEXPECT_EQ(t, pmm_free_frames(), frames);
	KEXPECT_EQ(t, vmm_table_pages(), tables);
}

KTEST(kbrk, out_of_frames_fails_with_nothing_changed)
{
	char *old = kbrk_current();
	uintptr_t top = PAGE_ALIGN_UP(old);
	uint64_t tables = vmm_table_pages();
	phys_addr_t hoard;
	void *r;

	/* leave 6 frames: enough for some pages (and a table or two), not
	 * for 64, so ksbrk fails midway and must undo */
	hoard = mmt_drain(6);
	r = ksbrk(64 * PAGE_SIZE);
	KEXPECT_EQ(t, pmm_free_frames(), 6);
	mmt_refill(hoard);
	KEXPECT_PTR_EQ(t, r, KBRK_FAIL);
	KEXPECT_PTR_EQ(t, kbrk_current(), old);
	KEXPECT_EQ(t, vmm_translate(top), VMM_NOT_MAPPED);
	KEXPECT_EQ(t, vmm_translate(top + 4 * PAGE_SIZE), VMM_NOT_MAPPED);
	KEXPECT_EQ(t, vmm_table_pages(), tables);
	/* and it works again once frames are back */
	KEXPECT_PTR_EQ(t, ksbrk(64 * PAGE_SIZE), old);
	KEXPECT_PTR_EQ(t, ksbrk(-64 * (intptr_t)PAGE_SIZE), old + 64 * PAGE_SIZE);
}

KTEST(kbrk, kbrk_sets_the_break)
{
	uint64_t frames = pmm_free_frames();
	char *old = kbrk_current();

	KEXPECT_EQ(t, kbrk(old + 10000), 0);
	KEXPECT_PTR_EQ(t, kbrk_current(), old + 10000);
	old[9999] = 1;
	KEXPECT_EQ(t, kbrk((void *)(KBRK_BASE - 1)), -1);
	KEXPECT_EQ(t, kbrk((void *)(KBRK_BASE + KBRK_MAX_BYTES + 1)), -1);
	KEXPECT_EQ(t, kbrk(NULL), -1);
	KEXPECT_PTR_EQ(t, kbrk_current(), old + 10000);
	KEXPECT_EQ(t, kbrk(old), 0);
	KEXPECT_PTR_EQ(t, kbrk_current(), old);
	KEXPECT_EQ(t, pmm_free_frames(), frames);
}

KTEST(kbrk, many_small_steps_match_one_big_one)
{
	uint64_t frames = pmm_free_frames();
	char *old = kbrk_current();
	int bad = 0;

	for (int i = 0; i < 1000; i++)
		bad += ksbrk(37) != old + 37 * i;
	KEXPECT_EQ(t, bad, 0);
	KEXPECT_EQ(t, count_nonzero((unsigned char *)old, 37000), 0);
	KEXPECT_PTR_EQ(t, ksbrk(-37000), old + 37000);
	KEXPECT_EQ(t, pmm_free_frames(), frames);
}
