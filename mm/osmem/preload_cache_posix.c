/* SPDX-License-Identifier: MIT */
/*
 * The drop-in library's small-block caches (mm/osmem/cache.h): one per
 * thread, in initial-exec TLS (osmem_preload_cache), so a thread reaches
 * its own with one load; attached to the heap of the thread's arena
 * (preload_arena_posix.c). A thread frees a block of its own arena into
 * its cache whoever allocated it (no atomic operation, no lock, in the
 * common case); a small block of another arena goes on that arena's
 * remote-free stack (mm/osmem/cache_remote.c: one CAS, no lock), which a
 * thread of that arena drains onto its lists when one is empty, and
 * malloc_trim to the core; a larger one goes to that arena's core, under
 * that arena's lock (osmem_preload_cache_free; docs/arenas.md, "Remote
 * frees").
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
 *   - flushed by malloc_trim: the calling thread's at once, every other
 *     thread's at its next call (the trim protocol, below);
 *   - fork: the child keeps the forking thread's cache as it was. The
 *     other threads' caches are gone with their threads: the child
 *     handler takes them off the registry (their memory may become a new
 *     thread's TLS in the child), and their blocks stay allocated as far
 *     as the core knows, leaked in the child (at most
 *     OSMEM_CACHE_BYTES_MAX + OSMEM_CACHE_GROW_BYTES bytes of small
 *     blocks and a stash, OSMEM_CACHE_STASH_BYTES +
 *     OSMEM_CACHE_STASH_BLOCK_MAX, per lost thread), counted as cached in
 *     the child's stats (orphans).
 *
 * The trim protocol (malloc_trim empties every thread's cache). A cache's
 * lists are its owner's alone: no other thread may take blocks out of
 * them (the fast paths touch them with no lock and no atomic operation).
 * So malloc_trim asks, and each owner empties its own:
 *   - trimmer (osmem_preload_cache_trim_all, any thread): flushes its own
 *     cache; adds one to trim_gen (an atomic add, seq_cst); then, under
 *     each arena's registry lock (fast_cache_reg_lock: that heap's lock),
 *     for every other cache registered there, stores the empty view
 *     (cache_no_heap) into that cache's view field (a relaxed atomic
 *     store of one word). It touches no list.
 *   - owner: its next malloc or free misses the fast path (the empty view
 *     has span16 0: every pop and push fails the window check) and takes
 *     a slow path, which starts in cache_mine: there, trim_gen (a
 *     relaxed load, the only cost on a slow path when nothing was
 *     asked) differs from the thread's trim_seen, so it takes the new
 *     value, flushes its cache, stores its real view back, and reads
 *     trim_gen again (seq_cst, after the store): a trim that came
 *     meanwhile is seen there, or its empty view lands after ours. No
 *     atomic operation on the fast paths; none on the slow paths unless
 *     a trim was asked.
 *   - reaching another thread's view: the view is a field of the cache
 *     (struct osmem_cache, cache.h), so a registered cache's address is
 *     its view's. A cache is registered from its attach until its detach
 *     (the thread's exit, under the same lock), so the view written to is
 *     alive.
 *   - what stays: caches of threads that have not made a call since
 *     still hold their blocks (counted as cached by mallinfo2), at most
 *     OSMEM_CACHE_BYTES_MAX + OSMEM_CACHE_GROW_BYTES + a stash
 *     (OSMEM_CACHE_STASH_BYTES + OSMEM_CACHE_STASH_BLOCK_MAX) each; malloc_stats
 *     prints how many caches were asked and not yet emptied. Exited
 *     threads' caches were flushed at their exit; the caches of threads
 *     lost to a fork are out of reach (orphans).
 *
 * Locking: none here beyond cache.c's; pthread_once guards the key's
 * creation. Re-entry: the cache is active before pthread_once,
 * pthread_atfork or pthread_setspecific run (any of them may allocate),
 * so a malloc they make finds it attached and goes on.
 */
#include "mm/osmem/preload_cache_posix.h"
#include "mm/osmem/preload_arena_posix.h"
#include <pthread.h>

/* What the fast paths read of the thread's heap (the cache's view):
 * until its cache is attached, a view that holds nothing (span16 0:
 * every pop and push misses), so the fast paths need no test of their
 * own for it. One TLS base for the lists and the view: malloc and free
 * load one TLS offset from the GOT, not two. */
static const struct osmem_cache_heap cache_no_heap;
__thread struct osmem_cache osmem_preload_cache
	__attribute__((tls_model("initial-exec"))) = { .view = &cache_no_heap };

/* The trim protocol (above): trim requests so far, and the last one this
 * thread's cache has answered. */
static unsigned cache_trim_gen;
static __thread unsigned cache_trim_seen
	__attribute__((tls_model("initial-exec")));

static pthread_once_t cache_once = PTHREAD_ONCE_INIT;
static pthread_key_t cache_key;
static int cache_key_ok;

/* The key's destructor: the thread is exiting. */
static void cache_thread_exit(void *c)
{
	osmem_cache_detach(c);
	osmem_arena_leave();
}

/* Each arena's registry loses the caches of the threads the child has
 * not; the forking thread's own stays on its arena's. */
static void cache_fork_child(void)
{
	struct osmem_cache *c = &osmem_preload_cache;
	struct osmem_arena *a;

	for (unsigned i = 0; i < OSMEM_ARENAS; i++)
		if ((a = osmem_arena_at(i))) {
			osmem_cache_after_fork(osmem_arena_heap(a),
					       c->heap == osmem_arena_heap(a) ?
					       c : NULL);
			osmem_cache_remote_after_fork(osmem_arena_heap(a));
		}
}

static void cache_setup(void)
{
	cache_key_ok = pthread_key_create(&cache_key, cache_thread_exit) == 0;
	pthread_atfork(NULL, NULL, cache_fork_child);
}

/* A trim was asked since this thread last looked: empty the cache, then
 * the real view back, then look again (the protocol, at the top). */
static __attribute__((noinline)) void cache_trim_answer(struct osmem_cache *c)
{
	unsigned g = __atomic_load_n(&cache_trim_gen, __ATOMIC_SEQ_CST);

	do {
		cache_trim_seen = g;
		osmem_cache_flush(c);
		if (c->state == OSMEM_CACHE_ACTIVE)
			__atomic_store_n(&c->view, osmem_cache_heap(c->heap),
					 __ATOMIC_SEQ_CST);
		g = __atomic_load_n(&cache_trim_gen, __ATOMIC_SEQ_CST);
	} while (g != cache_trim_seen);
}

/*
 * The thread's cache, attached to its arena's heap on the thread's first
 * slow path (the arena bound then too); the key's destructor is set even
 * when the cache cannot attach, so the arena counts the thread out at its
 * exit whatever it allocated.
 */
static __attribute__((noinline)) struct osmem_cache *
cache_mine_slow(struct osmem_cache *c)
{
	struct osmem_heap *h;

	if (c->state != OSMEM_CACHE_UNUSED) {
		/* A trim asked, or its empty view landed after we answered
		 * it (the protocol, at the top); or the cache is off. */
		if (c->state == OSMEM_CACHE_ACTIVE)
			cache_trim_answer(c);
		return c;
	}
	cache_trim_seen = __atomic_load_n(&cache_trim_gen, __ATOMIC_RELAXED);
	h = osmem_arena_heap(osmem_arena_mine());
	if (osmem_cache_attach(c, h)) {
		c->view = osmem_cache_heap(h);
		/* Large heap blocks too, up to a 1 MiB request (cache.h). */
		c->stash_large = OSMEM_CACHE_STASH_BLOCK_MAX;
	}
	pthread_once(&cache_once, cache_setup);
	/* Without its destructor the cache would leak at the thread's exit. */
	if (!cache_key_ok || pthread_setspecific(cache_key, c) != 0)
		osmem_cache_detach(c);
	return c;
}

/* Inline: every slow path starts here, and an active cache with no trim
 * asked costs three loads and three compares. */
static inline __attribute__((always_inline)) struct osmem_cache *cache_mine(void)
{
	struct osmem_cache *c = &osmem_preload_cache;

	if (__builtin_expect(c->state == OSMEM_CACHE_ACTIVE &&
			     __atomic_load_n(&cache_trim_gen, __ATOMIC_RELAXED) ==
			     cache_trim_seen &&
			     c->view != &cache_no_heap, 1))
		return c;
	return cache_mine_slow(c);
}

struct osmem_arena *osmem_preload_arena(void)
{
	cache_mine();
	return osmem_arena_mine();
}

bool osmem_preload_cache_on(void)
{
	return cache_mine()->state == OSMEM_CACHE_ACTIVE;
}

void *osmem_preload_cache_alloc(size_t n)
{
	struct osmem_cache *c = cache_mine();

	return osmem_cache_alloc_slow(c, c->heap, n);
}

void *osmem_preload_stash_alloc(size_t n)
{
	return osmem_cache_stash_alloc(cache_mine(), n);
}

/* Another arena's small block goes on that arena's remote-free stack
 * (cache_remote.c: one CAS, no lock; a double free is searched for
 * there); its other blocks go straight to its core, but for a double
 * free of a block that sits in some cache of that arena: the cache's
 * search finds it (osmem_cache_refuse). Debug mode (caches off) keeps
 * every free on the core. */
void osmem_preload_cache_free(struct osmem_heap *h, void *p)
{
	struct osmem_cache *c = cache_mine();

	if (h == c->heap)
		osmem_cache_free_slow(c, h, p);
	else if (c->state == OSMEM_CACHE_ACTIVE &&
		 osmem_cache_remote_free(c, h, p, OSMEM_OP_FREE))
		return;
	else if (!osmem_cache_refuse(c, h, p, OSMEM_OP_FREE))
		osmem_fast.free(h, p);
}

/* A sized free of another arena's block goes to its core (checked there
 * against its size). */
void osmem_preload_cache_free_sized(struct osmem_heap *h, void *p, size_t n)
{
	struct osmem_cache *c = cache_mine();

	if (h == c->heap)
		osmem_cache_free_sized_slow(c, h, p, n);
	else if (!osmem_cache_refuse(c, h, p, OSMEM_OP_FREE_SIZED))
		osmem_fast.free_sized(h, p, n);
}

size_t osmem_preload_cache_flush(void)
{
	return osmem_cache_flush(&osmem_preload_cache);
}

/* The caches registered on heap h, other than the caller's: asked to
 * empty themselves at their next call (ask), or counted when they have
 * not answered yet; returns how many. */
static unsigned cache_ask_heap(struct osmem_heap *h, struct osmem_cache *self,
			       bool ask)
{
	struct osmem_cache_heap *v = osmem_cache_heap(h);
	unsigned n = 0;

	fast_cache_reg_lock(v, self);
	for (struct osmem_cache *x = v->caches; x; x = x->next) {
		if (x == self)
			continue;
		if (ask)
			__atomic_store_n(&x->view, &cache_no_heap, __ATOMIC_RELAXED);
		n += ask || __atomic_load_n(&x->view, __ATOMIC_RELAXED) == &cache_no_heap;
	}
	fast_cache_reg_unlock(v);
	return n;
}

/* Over every arena (ask: as cache_ask_heap). */
static unsigned cache_ask_all(struct osmem_cache *self, bool ask)
{
	struct osmem_arena *a;
	unsigned n = 0;

	for (unsigned i = 0; i < OSMEM_ARENAS; i++)
		if ((a = osmem_arena_at(i)))
			n += cache_ask_heap(osmem_arena_heap(a), self, ask);
	return n;
}

unsigned osmem_preload_cache_trim_pending(void)
{
	return cache_ask_all(&osmem_preload_cache, false);
}

unsigned osmem_preload_cache_trim_all(void)
{
	struct osmem_cache *self = &osmem_preload_cache;

	struct osmem_arena *a;

	osmem_cache_flush(self);
	/* Every arena's remote-free stack straight to its core. */
	for (unsigned i = 0; i < OSMEM_ARENAS; i++)
		if ((a = osmem_arena_at(i)))
			osmem_cache_remote_drain(self, osmem_arena_heap(a), false);
	__atomic_add_fetch(&cache_trim_gen, 1, __ATOMIC_SEQ_CST);
	/* Our own request is answered already. */
	cache_trim_seen = __atomic_load_n(&cache_trim_gen, __ATOMIC_RELAXED);
	return cache_ask_all(self, true);
}
