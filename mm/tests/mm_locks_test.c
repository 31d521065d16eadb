/* SPDX-License-Identifier: MIT */
/*
 * Suite mm_locks: each mm lock is a spinlock with its rank from
 * libk/locking.h. A case holds a test lock ranked just after the mm lock
 * under test and calls into mm: the take must be reported once, naming
 * the mm lock with its rank (so the lock exists, is taken there, and has
 * that rank). Without the conversion there is nothing to report.
 * Only one report per case: the same pair is reported once, and every
 * inner lock ranks after the test lock.
 */
#include "libk/ktest.h"
#include "libk/locking.h"
#include "libk/spinlock.h"
#include "libk/string.h"
#include "mm/kbrk.h"
#include "mm/kmalloc.h"
#include "mm/kmem_cache.h"
#include "mm/pmm.h"
#include "mm/vmap.h"

static bool mml_has(const char *s, const char *sub)
{
	size_t n = strlen(sub);

	for (; *s; s++)
		if (strncmp(s, sub, n) == 0)
			return true;
	return false;
}

KTEST(mm_locks, pmm_lock_is_ranked)
{
	spinlock_t after = SPINLOCK_INIT("test_after_pmm", LOCK_RANK_PMM);
	unsigned before = spin_reports();
	uint64_t f = spin_lock_irqsave(&after);
	phys_addr_t pa = pmm_alloc();

	pmm_free(pa);
	spin_unlock_irqrestore(&after, f);
	KEXPECT(t, pa != 0);
	KEXPECT_EQ(t, spin_reports(), before + 1);
	KEXPECT(t, mml_has(spin_last_report(), "takes pmm (rank 5)"));
}

KTEST(mm_locks, vmap_lock_is_ranked)
{
	spinlock_t after = SPINLOCK_INIT("test_after_vmap", LOCK_RANK_VMAP);
	unsigned before = spin_reports();
	uint64_t f = spin_lock_irqsave(&after);
	void *p = vm_map(4096);

	vm_unmap(p, 4096);
	spin_unlock_irqrestore(&after, f);
	KEXPECT_NOT_NULL(t, p);
	KEXPECT_EQ(t, spin_reports(), before + 1);
	KEXPECT(t, mml_has(spin_last_report(), "takes vmap (rank 3)"));
}

KTEST(mm_locks, kbrk_lock_is_ranked)
{
	spinlock_t after = SPINLOCK_INIT("test_after_kbrk", LOCK_RANK_KBRK);
	unsigned before = spin_reports();
	uint64_t f = spin_lock_irqsave(&after);
	void *brk = ksbrk(0);	/* moves nothing */

	spin_unlock_irqrestore(&after, f);
	KEXPECT(t, brk != KBRK_FAIL);
	KEXPECT_EQ(t, spin_reports(), before + 1);
	KEXPECT(t, mml_has(spin_last_report(), "takes kbrk (rank 3)"));
}

KTEST(mm_locks, heap_lock_is_ranked)
{
	spinlock_t after = SPINLOCK_INIT("test_after_heap", LOCK_RANK_KHEAP);
	unsigned before = spin_reports();
	uint64_t f = spin_lock_irqsave(&after);
	/* Large: past the small-block cache, into the heap under its lock. */
	void *p = kmalloc(256 * 1024);

	kfree(p);
	spin_unlock_irqrestore(&after, f);
	KEXPECT_NOT_NULL(t, p);
	KEXPECT_EQ(t, spin_reports(), before + 1);
	KEXPECT(t, mml_has(spin_last_report(), "takes kmalloc heap (rank 2)"));
}

KTEST(mm_locks, kmem_cache_lock_is_ranked)
{
	spinlock_t after = SPINLOCK_INIT("test_after_kmem", LOCK_RANK_KMEM_CACHE);
	struct kmem_cache *c = kmem_cache_create("mm_locks", 32, 8);
	struct kmem_cache_stats st;
	unsigned before = spin_reports();
	uint64_t f;

	KASSERT_NOT_NULL(t, c);
	f = spin_lock_irqsave(&after);
	kmem_cache_stats(c, &st);	/* takes the lock, allocates nothing */
	spin_unlock_irqrestore(&after, f);
	KEXPECT_EQ(t, spin_reports(), before + 1);
	KEXPECT(t, mml_has(spin_last_report(), "takes kmem_cache (rank 1)"));
	KEXPECT_EQ(t, kmem_cache_destroy(c), 0);
}

KTEST(mm_locks, no_report_in_normal_use)
{
	unsigned before = spin_reports();
	struct kmem_cache *c = kmem_cache_create("mm_locks_quiet", 64, 8);
	void *o, *big, *small;

	KASSERT_NOT_NULL(t, c);
	o = kmem_cache_alloc(c);
	big = kmalloc(256 * 1024);
	small = kmalloc(24);
	kfree(small);
	kfree(big);
	kmem_cache_free(c, o);
	KEXPECT_EQ(t, kmem_cache_destroy(c), 0);
	KEXPECT_EQ(t, spin_reports(), before);
}
