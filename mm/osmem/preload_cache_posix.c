/*
 * The drop-in library's small-block caches (mm/osmem/cache.h): one per
 * thread, in initial-exec TLS (osmem_preload_cache), so a thread reaches
 * its own with one load, and frees a block into its own whoever allocated
 * it (as glibc's tcache: no atomic operation, no lock, in the common
 * case).
 *
 * Life of a thread's cache:
 *   - attached on the thread's first call that misses the fast path (its
 *     zeroed cache has empty lists and no room, so its first malloc and
 *     free both do), unless the heap has caches off (OSMEM_DEBUG=1:
 *     every call then reaches the core, which sees it in debug mode);
 *   - flushed to the core when the thread exits: a pthread key, created
 *     on the first attach, whose destructor detaches the cache (every
 *     block back to the core, the cache off the registry); the thread's
 *     calls after that (later destructors) go straight to the core. A
 *     thread whose key cannot be set runs without a cache;
 *   - flushed by malloc_trim (preload_posix.c) for the calling thread
 *     only. Another thread's cache keeps what it holds until that thread
 *     frees into it, allocates from it or exits: at most
 *     OSMEM_CACHE_BYTES_MAX bytes of blocks per thread;
 *   - fork: the child keeps the forking thread's cache as it was. The
 *     other threads' caches are gone with their threads: the child
 *     handler takes them off the registry (their memory may become a new
 *     thread's TLS in the child), and their blocks stay allocated as far
 *     as the core knows, leaked in the child (at most
 *     OSMEM_CACHE_BYTES_MAX bytes per lost thread), counted as cached in
 *     the child's stats (orphans).
 *
 * Locking: none here beyond cache.c's; pthread_once guards the key's
 * creation. Re-entry: the cache is active before pthread_once,
 * pthread_atfork or pthread_setspecific run (any of them may allocate),
 * so a malloc they make finds it attached and goes on.
 */
#include "mm/osmem/preload_cache_posix.h"
#include <pthread.h>

__thread struct osmem_cache osmem_preload_cache
	__attribute__((tls_model("initial-exec")));

static pthread_once_t cache_once = PTHREAD_ONCE_INIT;
static pthread_key_t cache_key;
static int cache_key_ok;
static struct osmem_heap *cache_heap;   /* the one heap, for the fork child */

/* The key's destructor: the thread is exiting. */
static void cache_thread_exit(void *c)
{
	osmem_cache_detach(c);
}

static void cache_fork_child(void)
{
	osmem_cache_after_fork(cache_heap, &osmem_preload_cache);
}

static void cache_setup(void)
{
	cache_key_ok = pthread_key_create(&cache_key, cache_thread_exit) == 0;
	pthread_atfork(NULL, NULL, cache_fork_child);
}

static struct osmem_cache *cache_mine(struct osmem_heap *h)
{
	struct osmem_cache *c = &osmem_preload_cache;

	if (c->state != OSMEM_CACHE_UNUSED)
		return c;
	cache_heap = h;
	if (!osmem_cache_attach(c, h))
		return c;
	pthread_once(&cache_once, cache_setup);
	/* Without its destructor the cache would leak at the thread's exit. */
	if (!cache_key_ok || pthread_setspecific(cache_key, c) != 0)
		osmem_cache_detach(c);
	return c;
}

void *osmem_preload_cache_alloc(struct osmem_heap *h, size_t n)
{
	return osmem_cache_alloc_slow(cache_mine(h), h, n);
}

void osmem_preload_cache_free(struct osmem_heap *h, void *p)
{
	osmem_cache_free_slow(cache_mine(h), h, p);
}

void osmem_preload_cache_free_sized(struct osmem_heap *h, void *p, size_t n)
{
	osmem_cache_free_sized_slow(cache_mine(h), h, p, n);
}

size_t osmem_preload_cache_flush(void)
{
	return osmem_cache_flush(&osmem_preload_cache);
}
