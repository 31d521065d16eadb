/* SPDX-License-Identifier: MIT */
/*
 * kbrk: the kernel brk heap (see kbrk.h for the contract).
 *
 * Invariant: the pages of [KBRK_BASE, PAGE_ALIGN_UP(kbrk_break)) are mapped
 * to frames this file owns; no other page of the range is mapped.
 *
 * Locking: kbrk_lock ("kbrk", rank 3 in libk/locking.h) guards the break;
 * ksbrk and kbrk take it with spin_lock_irqsave (under the heap lock when
 * the allocator calls) and map or unmap through vmm inside it.
 * kbrk_current() reads the break without it: a snapshot.
 */
#include "mm/kbrk.h"
#include "mm/layout.h"
#include "mm/pmm.h"
#include "mm/vmm.h"
#include "libk/locking.h"
#include "libk/spinlock.h"
#include "libk/string.h"

#define KBRK_END	(KBRK_BASE + KBRK_MAX_BYTES)
#define KBRK_FLAGS	(VMM_WRITE | VMM_NX | VMM_GLOBAL)

static uintptr_t kbrk_break = KBRK_BASE;
static spinlock_t kbrk_lock = SPINLOCK_INIT("kbrk", LOCK_RANK_KBRK);

void kbrk_init(void)
{
	kbrk_break = KBRK_BASE;
}

/* Unmap the pages of [from, to) and free their frames. */
/* The break after moving by inc, or 0 if it would leave the range. */
static uintptr_t kbrk_target(intptr_t inc)
{
	if (inc >= 0) {
		if ((uintptr_t)inc > KBRK_END - kbrk_break)
			return 0;
		return kbrk_break + (uintptr_t)inc;
	}
	if (-(uintptr_t)inc > kbrk_break - KBRK_BASE)
		return 0;
	return kbrk_break - -(uintptr_t)inc;
}

/* Under kbrk_lock. */
static void *ksbrk_locked(intptr_t increment)
{
	uintptr_t old = kbrk_break, brk = kbrk_target(increment);
	uintptr_t old_top = PAGE_ALIGN_UP(old), new_top;

	if (!brk)
		return KBRK_FAIL;
	new_top = PAGE_ALIGN_UP(brk);
	if (new_top > old_top && vmm_map_fresh(old_top, new_top, KBRK_FLAGS))
		return KBRK_FAIL;
	if (new_top < old_top)
		vmm_unmap_free(new_top, old_top);
	if (brk < old && brk < new_top) {
		/* The break's page stays: clear what was given back in it,
		 * so growing over it again reads zeros. */
		uintptr_t end = old < new_top ? old : new_top;

		memset((void *)brk, 0, end - brk);
	}
	kbrk_break = brk;
	return (void *)old;
}

void *ksbrk(intptr_t increment)
{
	uint64_t flags = spin_lock_irqsave(&kbrk_lock);
	void *old = ksbrk_locked(increment);

	spin_unlock_irqrestore(&kbrk_lock, flags);
	return old;
}

int kbrk(void *addr)
{
	uintptr_t a = (uintptr_t)addr;
	uint64_t flags;
	int r;

	if (a < KBRK_BASE || a > KBRK_END)
		return -1;
	flags = spin_lock_irqsave(&kbrk_lock);
	r = ksbrk_locked((intptr_t)(a - kbrk_break)) == KBRK_FAIL ? -1 : 0;
	spin_unlock_irqrestore(&kbrk_lock, flags);
	return r;
}

void *kbrk_start(void)
{
	return (void *)KBRK_BASE;
}

void *kbrk_current(void)
{
	return (void *)kbrk_break;
}
