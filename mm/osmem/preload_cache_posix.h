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
#include <stddef.h>

/* The calling thread's cache: zero (unused) until its first slow path;
 * initial-exec TLS, so reaching it is one load and no call. */
extern __thread struct osmem_cache osmem_preload_cache
	__attribute__((tls_model("initial-exec")));

/* malloc(n), free(p), free_sized(p, n) of heap h when the fast path did
 * not serve them: the thread's cache is attached first if it is not. */
void *osmem_preload_cache_alloc(struct osmem_heap *h, size_t n);
void osmem_preload_cache_free(struct osmem_heap *h, void *p);
void osmem_preload_cache_free_sized(struct osmem_heap *h, void *p, size_t n);
/* Every block of the calling thread's cache back to the core. */
size_t osmem_preload_cache_flush(void);

#endif
