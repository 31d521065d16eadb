/*
 * kmalloc's small-block cache: the front end of mm/osmem/cache.h in the
 * kernel (not to be confused with kmem_cache_*, the object caches of
 * mm/kmem_cache.h, which sit on top of kmalloc).
 *
 * One cache for the whole kernel, in front of the fast allocator's heap:
 * kmalloc and kfree of blocks up to OSMEM_CACHE_REQ_MAX bytes pop and push
 * it, refilling and flushing in batches under the heap's lock
 * (mm/osmem/cache.c). Which cache is "mine" is simple while there is one
 * CPU: the one cache, used with interrupts off (irq_save), so no other
 * thread and no interrupt handler runs inside a pop or a push. With SMP
 * it becomes one cache per CPU, used with interrupts off as now; until
 * then the one cache is the boot CPU's (CPU 0, libk/spinlock.h's
 * spin_cpu): a call on another CPU goes straight to the core, under the
 * heap's spinlock, after the cache's double-free search (which only reads
 * the cache, checking every link), so kmalloc stays correct on every CPU.
 *
 * On when the heap is the fast allocator's and not in debug mode
 * (heap_debug: every call reaches the core, which checks it); off for
 * classic. Contract of the calls: mm/kmalloc.h; a block sitting in the
 * cache is refused by krealloc and ksize as a freed block, and a second
 * kfree of it is a double free, reported as the core reports one.
 */
#ifndef MM_KMALLOC_CACHE_H
#define MM_KMALLOC_CACHE_H

#include "libk/cpu.h"
#include "libk/spinlock.h"
#include "mm/osmem/cache.h"
#include <stdbool.h>
#include <stddef.h>

extern struct osmem_cache kmalloc_cache;
extern bool kmalloc_cache_on;

/* Attach the cache to the kernel heap h when it can serve it (fast, not
 * debug); once, at kmalloc_init. */
void kmalloc_cache_init(const struct osmem_allocator *a, struct osmem_heap *h);

static inline void *kmalloc_cache_alloc(struct osmem_heap *h, size_t n)
{
	uint64_t flags;
	void *p;

	if (spin_cpu() != 0)
		return osmem_fast.malloc(h, n);
	flags = irq_save();
	p = osmem_cache_pop(&kmalloc_cache, osmem_cache_heap(h), n);

	if (!p)
		p = osmem_cache_alloc_slow(&kmalloc_cache, h, n);
	irq_restore(flags);
	return p;
}

static inline void kmalloc_cache_free(struct osmem_heap *h, void *p)
{
	uint64_t flags;

	if (spin_cpu() != 0) {
		if (!osmem_cache_refuse(&kmalloc_cache, h, p, OSMEM_OP_FREE))
			osmem_fast.free(h, p);
		return;
	}
	flags = irq_save();

	if (!osmem_cache_push(&kmalloc_cache, osmem_cache_heap(h), p))
		osmem_cache_free_slow(&kmalloc_cache, h, p);
	irq_restore(flags);
}

/* p sits in the cache: reported as misuse of op (the core's name). */
static inline bool kmalloc_cache_refuse(struct osmem_heap *h, void *p,
					enum osmem_op op)
{
	uint64_t flags = irq_save();
	bool refused = osmem_cache_refuse(&kmalloc_cache, h, p, op);

	irq_restore(flags);
	return refused;
}

#endif
