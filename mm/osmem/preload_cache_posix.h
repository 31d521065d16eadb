/* SPDX-License-Identifier: MIT */
/*
 * Inside build/host/libosmem-preload.so: each thread's small-block cache
 * (mm/osmem/cache.h) and the slow paths of the drop-in malloc and free
 * over it (mm/osmem/preload_cache_posix.c). Hidden: nothing here is
 * exported. The fast paths are cache.h's inline pop and push on
 * osmem_preload_cache, called by preload_posix.c's malloc and free.
 *
 * The callers record the front and its caller (OSMEM_POSIX_FRONT) before
 * calling any of these: a report made inside names them.
 */
#ifndef MM_OSMEM_PRELOAD_CACHE_POSIX_H
#define MM_OSMEM_PRELOAD_CACHE_POSIX_H

#include "mm/osmem/cache.h"
#include "mm/osmem/preload_arena_posix.h"
#include <stdbool.h>
#include <stddef.h>

/* The calling thread's cache: unused, with a view of nothing (cache.h),
 * until its first slow path; initial-exec TLS, so reaching it is one
 * load and no call. */
extern __thread struct osmem_cache osmem_preload_cache
	__attribute__((tls_model("initial-exec")));

/* When the fast path did not serve them, with the thread's cache attached
 * first (to its arena's heap) if it is not: malloc(n) of n <=
 * OSMEM_CACHE_REQ_MAX from the thread's arena (NULL when it is full);
 * free(p), free_sized(p, n) of a block of heap h (its arena's), through
 * the cache when h is the thread's, else to h's core. */
void *osmem_preload_cache_alloc(size_t n);
/* malloc(n), n above the lists' sizes, from the thread's stash alone:
 * NULL when no stashed block fits (the caller goes to the core). */
void *osmem_preload_stash_alloc(size_t n);
void osmem_preload_cache_free(struct osmem_heap *h, void *p);
void osmem_preload_cache_free_sized(struct osmem_heap *h, void *p, size_t n);
/* The calling thread's arena (bound, and its cache attached, first). */
struct osmem_arena *osmem_preload_arena(void);
/* The thread's cache is active (attached; caches are off in debug mode). */
bool osmem_preload_cache_on(void);
/* Every block of the calling thread's cache back to the core. */
size_t osmem_preload_cache_flush(void);
/* malloc_trim's part: the calling thread's cache back to the core, and
 * every other thread's cache asked to give its blocks back at that
 * thread's next call (the trim protocol: preload_cache_posix.c). Returns
 * how many caches were asked. */
unsigned osmem_preload_cache_trim_all(void);
/* How many other threads' caches were asked and have not answered yet
 * (malloc_stats). */
unsigned osmem_preload_cache_trim_pending(void);

#endif
