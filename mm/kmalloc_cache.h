/* SPDX-License-Identifier: MIT */
/*
 * kmalloc's small-block caches: the front end of mm/osmem/cache.h in the
 * kernel, one per CPU (not to be confused with kmem_cache_*, the object
 * caches of mm/kmem_cache.h, which sit on top of kmalloc).
 *
 * Each CPU has its cache, kmalloc_caches[i] for the CPU whose index is i
 * (libk/spinlock.h's spin_cpu(): the kernel's per-CPU data, so mm names
 * no kernel structure), in front of the fast allocator's one heap:
 * kmalloc and kfree of blocks up to OSMEM_CACHE_REQ_MAX bytes (and the
 * stash's medium blocks) pop and push it, refilling and flushing in
 * batches under the heap's spinlock (rank 2, mm/osmem/cache.c).
 *
 * Rules (libk/locking.h, rank 0):
 *  - a CPU touches only its own cache, with interrupts off from reading
 *    its index to the end of the pop or push: no interrupt handler, no
 *    thread switch and no move to another CPU comes between, so the fast
 *    paths take no lock;
 *  - other CPUs only read it, under the heap's lock (the double-free
 *    search, stats, check(), walk()), checking every link before use;
 *  - a CPU's cache attaches itself (joins the heap's registry) on that
 *    CPU's first slow path, so stats count every CPU's cache from then on;
 *    CPU 0's attaches at kmalloc_init.
 *
 * A block goes back wherever it is freed: allocated on CPU 0 and freed on
 * CPU 1, it goes into CPU 1's cache (the header check, the seal, is the
 * same on every CPU). A kfree of a block that sits in ANY CPU's cache is
 * a double free: a cached block carries the heap's per-boot cache key in
 * its second word, so the push sends it to the slow path, which searches
 * this CPU's list, then every registered cache under the heap's lock
 * (cache.h), and reports it (naming the CPU that made the call).
 *
 * On when the heap is the fast allocator's and not in debug mode
 * (heap_debug: every call reaches the core, which checks it); off for
 * classic. Contract of the calls: mm/kmalloc.h; a block sitting in a
 * cache is refused by krealloc and ksize as a freed block.
 */
#ifndef MM_KMALLOC_CACHE_H
#define MM_KMALLOC_CACHE_H

#include "libk/cpu.h"
#include "libk/spinlock.h"
#include "mm/osmem/cache.h"
#include <stdbool.h>
#include <stddef.h>

/* One line each: no two CPUs' caches share a cache line. */
struct kmalloc_cpu_cache {
	struct osmem_cache c;
} __attribute__((aligned(64)));

extern struct kmalloc_cpu_cache kmalloc_caches[SPIN_MAX_CPUS];
extern bool kmalloc_cache_on;

/* Attach CPU 0's cache to the kernel heap h when it can serve it (fast,
 * not debug); once, at kmalloc_init. */
void kmalloc_cache_init(const struct osmem_allocator *a, struct osmem_heap *h);

/* The slow paths (kmalloc_cache.c): attach this CPU's cache on its first
 * use, then the shared ones. Interrupts off. */
void *kmalloc_cache_alloc_slow(struct osmem_cache *c, struct osmem_heap *h,
			       size_t n);
void kmalloc_cache_free_slow(struct osmem_cache *c, struct osmem_heap *h,
			     void *p);

/* Give everything in this CPU's cache back to the heap; how many blocks
 * (tests, and a CPU about to stop allocating). */
size_t kmalloc_cache_flush_mine(void);

/* This CPU's cache. Interrupts must be off (see the rules above). */
static inline struct osmem_cache *kmalloc_cache_mine(void)
{
	return &kmalloc_caches[spin_cpu() % SPIN_MAX_CPUS].c;
}

/*
 * The fast paths alone, for kmalloc's and kfree's first try: a pop or a
 * push on this CPU's cache, one CPU lookup, nothing that can report (so
 * the front needs no caller record for them). NULL or false: the caller
 * takes its full path (kmalloc_cache_alloc/free below), which tries the
 * cache again (maybe on another CPU by then) before the slow path.
 */
static inline void *kmalloc_cache_try_alloc(struct osmem_heap *h, size_t n)
{
	uint64_t flags = irq_save();
	void *p = osmem_cache_pop(kmalloc_cache_mine(), osmem_cache_heap(h), n);

	irq_restore(flags);
	return p;
}

static inline bool kmalloc_cache_try_free(struct osmem_heap *h, void *p)
{
	uint64_t flags = irq_save();
	bool done = osmem_cache_push(kmalloc_cache_mine(), osmem_cache_heap(h), p);

	irq_restore(flags);
	return done;
}

static inline void *kmalloc_cache_alloc(struct osmem_heap *h, size_t n)
{
	uint64_t flags = irq_save();
	struct osmem_cache *c = kmalloc_cache_mine();
	void *p = osmem_cache_pop(c, osmem_cache_heap(h), n);

	if (!p)
		p = kmalloc_cache_alloc_slow(c, h, n);
	irq_restore(flags);
	return p;
}

static inline void kmalloc_cache_free(struct osmem_heap *h, void *p)
{
	uint64_t flags = irq_save();
	struct osmem_cache *c = kmalloc_cache_mine();

	if (!osmem_cache_push(c, osmem_cache_heap(h), p))
		kmalloc_cache_free_slow(c, h, p);
	irq_restore(flags);
}

/* p sits in some CPU's cache: reported as misuse of op (the core's name). */
static inline bool kmalloc_cache_refuse(struct osmem_heap *h, void *p,
					enum osmem_op op)
{
	uint64_t flags = irq_save();
	bool refused = osmem_cache_refuse(kmalloc_cache_mine(), h, p, op);

	irq_restore(flags);
	return refused;
}

#endif
