/* SPDX-License-Identifier: MIT */
/*
 * kmalloc's per-CPU small-block caches (contract and rules:
 * mm/kmalloc_cache.h): the caches, their switch, and the slow paths that
 * attach a CPU's cache on its first use. The fast paths are inline in the
 * header; the rest is shared with user space (mm/osmem/cache.c).
 */
#include "mm/kmalloc_cache.h"
#include "libk/string.h"

struct kmalloc_cpu_cache kmalloc_caches[SPIN_MAX_CPUS];
bool kmalloc_cache_on;

void kmalloc_cache_init(const struct osmem_allocator *a, struct osmem_heap *h)
{
	memset(kmalloc_caches, 0, sizeof(kmalloc_caches));
	kmalloc_cache_on = a == &osmem_fast &&
			   osmem_cache_attach(&kmalloc_caches[0].c, h);
}

/* A cache still UNUSED (zeroed) joins the heap's registry: from then on
 * its blocks are counted and searched. Only its own CPU gets here. */
static void kmalloc_cache_attach_mine(struct osmem_cache *c,
				      struct osmem_heap *h)
{
	if (c->state == OSMEM_CACHE_UNUSED)
		osmem_cache_attach(c, h);
}

void *kmalloc_cache_alloc_slow(struct osmem_cache *c, struct osmem_heap *h,
			       size_t n)
{
	kmalloc_cache_attach_mine(c, h);
	return osmem_cache_alloc_slow(c, h, n);
}

void kmalloc_cache_free_slow(struct osmem_cache *c, struct osmem_heap *h,
			     void *p)
{
	kmalloc_cache_attach_mine(c, h);
	osmem_cache_free_slow(c, h, p);
}

size_t kmalloc_cache_flush_mine(void)
{
	uint64_t flags;
	size_t n;

	if (!kmalloc_cache_on)
		return 0;
	flags = irq_save();
	n = osmem_cache_flush(kmalloc_cache_mine());
	irq_restore(flags);
	return n;
}
