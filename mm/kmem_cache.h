/* SPDX-License-Identifier: MIT */
/*
 * Object caches: fixed-size kernel objects from slabs (mm/kmem_cache.c).
 *
 *   struct kmem_cache *c = kmem_cache_create("thread", sizeof(struct thread), 16);
 *   struct thread *t = kmem_cache_alloc(c);
 *   ...
 *   kmem_cache_free(c, t);
 *   kmem_cache_destroy(c);
 *
 * Contract:
 * - kmem_cache_create(name, size, align): a cache of objects of `size`
 *   bytes (1..KMEM_CACHE_MAX_SIZE), each aligned to `align` (0 means 8; a
 *   power of two up to PAGE_SIZE). The name is copied (truncated to
 *   KMEM_CACHE_NAME_MAX - 1 characters). NULL on bad arguments or when
 *   kmalloc refuses.
 * - kmem_cache_alloc(c): one object (contents undefined), or NULL when no
 *   slab can be had.
 * - kmem_cache_free(c, p): gives p back. NULL is a no-op. A pointer that is
 *   not an object of c (another cache's, kmalloc's, inside an object) or an
 *   object already free is reported as one console line naming the caller,
 *   counted (kmem_cache_misuse_count), and refused: nothing changes.
 * - kmem_cache_destroy(c): frees the cache and all its slabs and returns 0;
 *   if objects are still live it reports them, keeps the cache and returns
 *   -1. NULL is a no-op (0).
 * - kmem_cache_stats(c, st) fills *st (exact counts, see the struct).
 * - kmem_cache_for_each(fn, arg) calls fn once per live cache, in creation
 *   order; fn must not create or destroy caches.
 * - Safe on every CPU, against interrupts and preemption: each CPU has a
 *   magazine of each cache (no lock, interrupts off), the slabs are under
 *   a spinlock; kmalloc is called outside it. An object may be freed on
 *   another CPU than the one that allocated it (it joins that CPU's
 *   magazine). Misuse reports end with " on cpu N".
 * - kmem_cache_shrink(c): the calling CPU's magazine back to the slabs.
 *   Stats count magazines' objects as free (objects_cached of them); a
 *   slab count is exact after every CPU that used c shrank it.
 */
#ifndef MM_KMEM_CACHE_H
#define MM_KMEM_CACHE_H

#include <stddef.h>

#define KMEM_CACHE_NAME_MAX	32
#define KMEM_CACHE_MAX_SIZE	(32u * 1024)

struct kmem_cache;

struct kmem_cache_stats {
	size_t object_size;	/* bytes per object, padding for align included */
	size_t objects_per_slab;
	size_t objects_in_use;	/* allocated, not yet freed */
	size_t objects_free;	/* free slots in the slabs, magazines included */
	size_t objects_cached;	/* of those, in the CPUs' magazines */
	size_t slabs;		/* slabs held (the empty spare included) */
	size_t bytes_total;	/* kmalloc bytes held: slabs + the cache itself */
	size_t allocs;		/* successful kmem_cache_alloc calls */
	size_t frees;		/* successful kmem_cache_free calls */
};

struct kmem_cache *kmem_cache_create(const char *name, size_t size, size_t align);
void *kmem_cache_alloc(struct kmem_cache *c);
void kmem_cache_free(struct kmem_cache *c, void *p);
/* Give the calling CPU's magazine of c back to its slabs (empty slabs
 * beyond the spare back to kmalloc). */
void kmem_cache_shrink(struct kmem_cache *c);
int kmem_cache_destroy(struct kmem_cache *c);
void kmem_cache_stats(struct kmem_cache *c, struct kmem_cache_stats *st);
const char *kmem_cache_name(const struct kmem_cache *c);
void kmem_cache_for_each(void (*fn)(struct kmem_cache *c, void *arg), void *arg);

/* Misuse reports (bad free, destroy with live objects) since boot, and
 * the last one's line ("" if none); each line ends with " on cpu N", the
 * CPU that made the call. */
unsigned long kmem_cache_misuse_count(void);
const char *kmem_cache_last_report(void);

#endif
