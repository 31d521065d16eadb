/* SPDX-License-Identifier: MIT */
/*
 * The small-block caches' slow paths (contract, layout, invariants and
 * locking rule: mm/osmem/cache.h). Both homes use them: the user-space
 * library with one cache per thread (mm/osmem/preload_cache_posix.c),
 * the kernel with one cache used with interrupts off (mm/kmalloc_cache.h).
 * Each function takes the caller's own cache and the heap; the home
 * decides which cache is "mine".
 *
 *   refill  an empty list takes a quarter of its current limit in one
 *           batch (fast_alloc_batch); the first block goes to the caller.
 *   grow    a full list grows its limit by OSMEM_CACHE_GROW_STEP blocks
 *           (up to OSMEM_CACHE_LIST_MAX, the cache's growth within
 *           OSMEM_CACHE_GROW_BYTES) before the block being freed goes
 *           on it: a thread that frees and allocates more blocks of a
 *           size than the base limit in turn (rounds of 1,000 live
 *           blocks) stops going through the core at all.
 *   flush   a full list that cannot grow gives back all but half its
 *           base limit in one batch (fast_free_batch) and drops to its
 *           base: a thread that only frees blocks of that size keeps
 *           no more than the base; osmem_cache_flush gives everything
 *           back and drops every list to its base (malloc_trim, a
 *           thread's exit through osmem_cache_detach).
 *   search  a block whose second word is the cache key may sit in a
 *           cache: the caller's own list of its size first, then every
 *           other registered cache's (under the heap's lock), each
 *           walk bounded by the largest limit a list may grow to
 *           (OSMEM_CACHE_LIST_MAX), and every link checked
 *           (inside the heap, 16-aligned) before it is followed, since
 *           another thread may be changing that list as we read it. Found:
 *           a double free (reported with the block's usable size, as the
 *           core reports one); not found: the key was a coincidence, or
 *           a race lost (the block left that cache as we looked), and the
 *           free goes on.
 *   remote  blocks of the heap freed by threads of other heaps wait on
 *           the heap's remote-free stack (cache_remote.c): an empty list
 *           drains it onto the lists before it refills from the core, a
 *           flush drains it to the core, and the search walks it too.
 *   links   a list link that fails its check (a write after free that
 *           beat the mangling) is reported as a write after free; the rest
 *           of that list is abandoned: its blocks stay allocated for good
 *           (leaked, counted in use), nothing is followed further.
 *
 * Every report goes through the core (fast_cache_report: the backend's
 * report, which names the front and its caller); the home has recorded
 * them before calling a slow path. A refused call changes nothing.
 */
#include "mm/osmem/cache.h"

/* Blocks given back per batch by osmem_cache_flush. */
#define CACHE_FLUSH_BATCH 64

static size_t cache_usable(unsigned k)
{
	return (size_t)k * 16 - 8;
}

/* Put block p (a live block of list k, checked) on list k. */
static void cache_link(struct osmem_cache *c, const struct osmem_cache_heap *v,
		       unsigned k, void *p)
{
	uint64_t *q = p;

	c->room[k]--;
	q[0] = osmem_cache_mangle(v, p, c->head[k]);
	q[1] = v->cache_key;
	c->head[k] = p;
}

/* A link that fails its check: report it and drop the rest of list k. */
static void cache_bad_link(struct osmem_cache *c, unsigned k, const void *bad,
			   enum osmem_op op)
{
	fast_cache_report(c->heap, OSMEM_FAULT_USE_AFTER_FREE, op, bad,
			  cache_usable(k),
			  "a cached block's list link was overwritten, it points here");
	c->head[k] = NULL;
	c->room[k] = (int8_t)c->limit[k];
}

/* List k's limit becomes lim (at least the blocks it holds, at most
 * OSMEM_CACHE_LIST_MAX): its room and the cache's growth follow. */
static void cache_set_limit(struct osmem_cache *c, unsigned k, unsigned lim)
{
	int delta = (int)lim - (int)c->limit[k];

	c->grown += (uint32_t)(delta * (int)k * 16);
	__atomic_store_n(&c->limit[k], (uint8_t)lim, __ATOMIC_RELAXED);
	__atomic_store_n(&c->room[k], (int8_t)(c->room[k] + delta),
			 __ATOMIC_RELAXED);
}

/* Full list k grows by a step, when the list and the cache's growth
 * have room for it: true. */
static bool cache_grow(struct osmem_cache *c, unsigned k)
{
	unsigned lim = c->limit[k] + OSMEM_CACHE_GROW_STEP;

	if (lim > OSMEM_CACHE_LIST_MAX ||
	    c->grown + (size_t)OSMEM_CACHE_GROW_STEP * k * 16 > OSMEM_CACHE_GROW_BYTES)
		return false;
	cache_set_limit(c, k, lim);
	return true;
}

bool osmem_cache_absorb(struct osmem_cache *c, unsigned k, void *p)
{
	const struct osmem_cache_heap *v = osmem_cache_heap(c->heap);

	if (c->room[k] <= 0 && !cache_grow(c, k))
		return false;
	cache_link(c, v, k, p);
	return true;
}

/*
 * Take the head of list k off it (the head is checked: inside the heap,
 * aligned). NULL when the list is empty or its head fails the check
 * (reported, list dropped).
 */
static void *cache_take(struct osmem_cache *c, const struct osmem_cache_heap *v,
			unsigned k, enum osmem_op op)
{
	uint64_t *p = c->head[k];

	if (!p)
		return NULL;
	if (!osmem_cache_in_heap(v, p)) {
		cache_bad_link(c, k, p, op);
		return NULL;
	}
	c->head[k] = (void *)(uintptr_t)osmem_cache_mangle(v, p,
					(void *)(uintptr_t)p[0]);
	c->room[k]++;
	p[1] = 0;
	return p;
}

/* ----------------------------------------------------------- stash ---- */

/* The block size in p's live, sealed header (p in the heap). */
static uint64_t cache_block_size(const struct osmem_cache_heap *v,
				 const void *p)
{
	uint64_t size;

	return osmem_cache_sealed(v, p, &size) ? size : 0;
}

/* Take stash entry i out (the newest moves into its place) and return
 * it. The count drops before the entry moves: a reader sees the entry or
 * not, never a stale one counted. */
static uint64_t *cache_stash_remove(struct osmem_cache *c, unsigned i)
{
	uint64_t *p = c->stash[i];
	unsigned last = c->stash_n - 1;

	__atomic_store_n(&c->stash_n, last, __ATOMIC_RELEASE);
	__atomic_store_n(&c->stash_bytes, c->stash_bytes - c->stash_size[i],
			 __ATOMIC_RELAXED);
	c->stash[i] = c->stash[last];
	c->stash_size[i] = c->stash_size[last];
	return p;
}

/*
 * A stashed block for a request of n bytes: the newest whose size is the
 * block size r the core would give (max(32, round16(n + 8))) up to a
 * quarter more; NULL when none is. The block's header is checked as the
 * free checked it; one that no longer checks out (overwritten after the
 * free) is reported and dropped: its block stays allocated for good, as
 * a list's bad link does.
 */
static void *cache_stash_take(struct osmem_cache *c,
			      const struct osmem_cache_heap *v, size_t n)
{
	size_t r = (n + 8 + 15) & ~(size_t)15, size;
	uint64_t *p;

	for (unsigned i = c->stash_n; i-- > 0; ) {
		size = c->stash_size[i];
		if (size < r || size - r > r / 4)
			continue;
		p = cache_stash_remove(c, i);
		if (!osmem_cache_in_heap(v, p) || cache_block_size(v, p) != size ||
		    p[1] != v->cache_key) {
			fast_cache_report(c->heap, OSMEM_FAULT_USE_AFTER_FREE,
					  OSMEM_OP_MALLOC, p, size - 8,
					  "a stashed block was overwritten");
			return NULL;
		}
		p[1] = 0;
		return p;
	}
	return NULL;
}

/* Stash medium or large block p (checked: size bytes); false when there
 * is no room (count or bytes: a large block's budget is the medium one's
 * plus c->stash_large, cache.h), or it is larger than c takes. */
static bool cache_stash_put(struct osmem_cache *c,
			    const struct osmem_cache_heap *v, void *p,
			    size_t size)
{
	unsigned n = c->stash_n;
	size_t budget = OSMEM_CACHE_STASH_BYTES;

	if (size > OSMEM_CACHE_STASH_MEDIUM_MAX) {
		if (size > c->stash_large)
			return false;
		budget += c->stash_large;
	}
	if (n == OSMEM_CACHE_STASH_COUNT || c->stash_bytes + size > budget)
		return false;
	((uint64_t *)p)[1] = v->cache_key;
	c->stash[n] = p;
	c->stash_size[n] = (uint32_t)size;
	__atomic_store_n(&c->stash_bytes, c->stash_bytes + size, __ATOMIC_RELAXED);
	__atomic_store_n(&c->stash_n, n + 1, __ATOMIC_RELEASE);
	return true;
}

/* ---------------------------------------------------------- attach ---- */

bool osmem_cache_attach(struct osmem_cache *c, struct osmem_heap *h)
{
	struct osmem_cache_heap *v = osmem_cache_heap(h);

	if (c->state != OSMEM_CACHE_UNUSED)
		return c->state == OSMEM_CACHE_ACTIVE;
	c->heap = h;
	if (!v->enabled) {
		c->state = OSMEM_CACHE_OFF;
		return false;
	}
	for (unsigned k = 0; k < OSMEM_CACHE_CLASSES; k++) {
		c->head[k] = NULL;
		c->limit[k] = k < 2 ? 0 : (uint8_t)osmem_cache_limit(k);
		c->room[k] = (int8_t)c->limit[k];
	}
	c->grown = 0;
	c->stash_n = 0;
	c->stash_bytes = 0;
	c->stash_large = 0;
	fast_cache_reg_lock(v, c);
	c->prev = NULL;
	c->next = v->caches;
	if (c->next)
		c->next->prev = c;
	v->caches = c;
	v->used = true;
	fast_cache_reg_unlock(v);
	c->state = OSMEM_CACHE_ACTIVE;
	return true;
}

/* ----------------------------------------------------------- flush ---- */

/*
 * Up to n blocks of list k back to the core, in batches; every block of
 * every list when k == 0. The cache lets go of each batch (its room
 * grows) before the core takes it back, so stats never count a block
 * twice. Returns how many.
 */
static size_t cache_give_back(struct osmem_cache *c, unsigned k, size_t n)
{
	const struct osmem_cache_heap *v = osmem_cache_heap(c->heap);
	void *batch[CACHE_FLUSH_BATCH];
	unsigned first = k ? k : 2, last = k ? k : OSMEM_CACHE_CLASSES - 1;
	unsigned got = 0;
	size_t done = 0;
	void *p;

	for (k = first; k <= last; k++) {
		while (done + got < n && (p = cache_take(c, v, k, OSMEM_OP_FREE))) {
			batch[got++] = p;
			if (got == CACHE_FLUSH_BATCH) {
				fast_free_batch(c->heap, batch, got);
				done += got;
				got = 0;
			}
		}
	}
	if (first == 2 && last == OSMEM_CACHE_CLASSES - 1) {
		/* Everything: the stash too (it fits in one more batch). */
		_Static_assert(OSMEM_CACHE_STASH_COUNT <= CACHE_FLUSH_BATCH,
			       "the stash is one batch");
		if (got + c->stash_n > CACHE_FLUSH_BATCH) {
			fast_free_batch(c->heap, batch, got);
			done += got;
			got = 0;
		}
		while (c->stash_n && done + got < n) {
			uint64_t *q = cache_stash_remove(c, c->stash_n - 1);

			q[1] = 0;
			batch[got++] = q;
		}
	}
	if (got)
		fast_free_batch(c->heap, batch, got);
	return done + got;
}

size_t osmem_cache_flush(struct osmem_cache *c)
{
	size_t n;

	if (c->state != OSMEM_CACHE_ACTIVE)
		return 0;
	/* The heap's remote-free stack too, straight to the core. */
	n = osmem_cache_remote_drain(c, c->heap, false);
	n += cache_give_back(c, 0, (size_t)-1);
	/* Every list empty now: each back to its base limit. */
	for (unsigned k = 2; k < OSMEM_CACHE_CLASSES; k++)
		cache_set_limit(c, k, osmem_cache_limit(k));
	return n;
}

void osmem_cache_detach(struct osmem_cache *c)
{
	struct osmem_cache_heap *v;

	if (c->state != OSMEM_CACHE_ACTIVE) {
		c->state = OSMEM_CACHE_OFF;
		return;
	}
	osmem_cache_flush(c);
	v = osmem_cache_heap(c->heap);
	fast_cache_reg_lock(v, c);
	if (c->prev)
		c->prev->next = c->next;
	else
		v->caches = c->next;
	if (c->next)
		c->next->prev = c->prev;
	fast_cache_reg_unlock(v);
	/* From now on every call of this cache's owner goes to the core. */
	for (unsigned k = 0; k < OSMEM_CACHE_CLASSES; k++) {
		c->head[k] = NULL;
		c->room[k] = 0;
		c->limit[k] = 0;
	}
	c->grown = 0;
	c->stash_n = 0;
	c->stash_bytes = 0;
	c->next = c->prev = NULL;
	c->state = OSMEM_CACHE_OFF;
}

void osmem_cache_after_fork(struct osmem_heap *h, struct osmem_cache *keep)
{
	struct osmem_cache_heap *v = osmem_cache_heap(h);
	const void *owner = v->reg_owner;

	/* A fork from a signal handler that interrupted our own registry
	 * work: that work resumes after the handler; leave it be. */
	if (keep && owner == keep)
		return;
	/* The fork handlers took the heap's lock before the fork, so no
	 * other thread was changing the registry: it is consistent, and the
	 * lost caches' blocks are counted. (Were it not, owner would name
	 * that thread: nothing is counted then.) */
	for (struct osmem_cache *c = owner ? NULL : v->caches; c; c = c->next) {
		if (c == keep)
			continue;
		for (unsigned k = 2; k < OSMEM_CACHE_CLASSES; k++) {
			unsigned n = osmem_cache_count(c, k);

			v->orphan_blocks += n;
			v->orphan_bytes += n * cache_usable(k);
		}
		v->orphan_blocks += osmem_cache_stash_count(c);
		v->orphan_bytes += osmem_cache_stash_usable(c);
	}
	if (keep && keep->state == OSMEM_CACHE_ACTIVE) {
		keep->next = keep->prev = NULL;
		v->caches = keep;
	} else {
		v->caches = NULL;
	}
	v->reg_owner = NULL;
}

/* ---------------------------------------------------------- search ---- */

/* p is one of the first `limit` blocks of the list that starts at head,
 * every link checked before it is followed. */
static bool cache_list_has(const struct osmem_cache_heap *v, uint64_t *head,
			   unsigned limit, const void *p)
{
	for (unsigned i = 0; i < limit && osmem_cache_in_heap(v, head); i++) {
		if (head == p)
			return true;
		head = (uint64_t *)(uintptr_t)osmem_cache_mangle(v, head,
			(void *)(uintptr_t)__atomic_load_n(&head[0], __ATOMIC_RELAXED));
	}
	return false;
}

/* p is one of x's stashed blocks (entries read as they are). */
static bool cache_stash_has(const struct osmem_cache *x, const void *p)
{
	unsigned n = osmem_cache_stash_count(x);

	for (unsigned i = 0; i < n; i++)
		if (__atomic_load_n(&x->stash[i], __ATOMIC_RELAXED) == p)
			return true;
	return false;
}

/* p of list k sits in x's list k, or of the stash (k == STASH) in its
 * stash. A list is walked as far as any list may grow: x's limit may
 * change as we read. */
static bool cache_has(const struct osmem_cache_heap *v,
		      const struct osmem_cache *x, const void *p, unsigned k)
{
	if (k == OSMEM_CACHE_STASH)
		return cache_stash_has(x, p);
	return cache_list_has(v, __atomic_load_n(&x->head[k], __ATOMIC_RELAXED),
			      OSMEM_CACHE_LIST_MAX, p);
}

/* Block p of list k (or the stash) sits in c (if active) or in another
 * registered cache. */
static bool cache_search(struct osmem_cache *c, struct osmem_cache_heap *v,
			 const void *p, unsigned k)
{
	bool found = false;

	if (c->state == OSMEM_CACHE_ACTIVE && cache_has(v, c, p, k))
		return true;
	/* The heap's remote-free stack (cache_remote.c): list sizes only. */
	if (k != OSMEM_CACHE_STASH && osmem_cache_remote_has(v, p))
		return true;
	fast_cache_reg_lock(v, c);
	for (struct osmem_cache *x = v->caches; x && !found; x = x->next)
		if (x != c)
			found = cache_has(v, x, p, k);
	fast_cache_reg_unlock(v);
	return found;
}

/* p's list, OSMEM_CACHE_STASH for a medium block, or 0 when p is no live
 * heap block of a cache's sizes (wild, mapped, larger, its header broken:
 * the core tells which); its block size in *size. */
static unsigned cache_class(const struct osmem_cache_heap *v, const void *p,
			    uint64_t *size)
{
	*size = osmem_cache_in_heap(v, p) ? cache_block_size(v, p) : 0;
	if (*size <= OSMEM_CACHE_BLOCK_MAX)
		return (unsigned)(*size >> 4);
	return *size <= OSMEM_CACHE_STASH_BLOCK_MAX ? OSMEM_CACHE_STASH : 0;
}

/* Block p (size bytes) of list k (k != 0, or the stash) sits in some
 * cache: reported, true. */
static bool cache_refuse_k(struct osmem_cache *c, struct osmem_heap *h,
			   void *p, unsigned k, size_t size, enum osmem_op op)
{
	struct osmem_cache_heap *v = osmem_cache_heap(h);

	if (!v->used || ((uint64_t *)p)[1] != v->cache_key ||
	    !cache_search(c, v, p, k))
		return false;
	/* usable_size of a freed block names no live block (as the core). */
	fast_cache_report(h, op == OSMEM_OP_USABLE_SIZE ? OSMEM_FAULT_INVALID_POINTER :
			  OSMEM_FAULT_DOUBLE_FREE, op, p, size - 8, NULL);
	return true;
}

bool osmem_cache_refuse(struct osmem_cache *c, struct osmem_heap *h, void *p,
			enum osmem_op op)
{
	uint64_t size;
	unsigned k = p ? cache_class(osmem_cache_heap(h), p, &size) : 0;

	return k && cache_refuse_k(c, h, p, k, size, op);
}

/* ------------------------------------------------------- slow paths ---- */

void *osmem_cache_alloc_slow(struct osmem_cache *c, struct osmem_heap *h,
			     size_t n)
{
	const struct osmem_cache_heap *v = osmem_cache_heap(h);
	void *out[(OSMEM_CACHE_LIST_MAX + 3) / 4];
	unsigned k, got;
	void *p;

	if (c->state != OSMEM_CACHE_ACTIVE || n > OSMEM_CACHE_REQ_MAX) {
		if (c->state == OSMEM_CACHE_ACTIVE && n <= OSMEM_CACHE_STASH_REQ_MAX &&
		    (p = cache_stash_take(c, v, n)))
			return p;
		return osmem_fast.malloc(h, n);
	}
	k = n < 9 ? 2 : (unsigned)((n + 23) >> 4);
	p = cache_take(c, v, k, OSMEM_OP_MALLOC);
	if (p)
		return p;
	/* Empty: first what other threads freed of this heap (their
	 * remote-free stack, one load when there is none) ... */
	if (osmem_cache_remote_drain(c, h, true) &&
	    (p = cache_take(c, v, k, OSMEM_OP_MALLOC)))
		return p;
	/* ... else a quarter of the limit in one batch (cache_refill_count). */
	got = fast_alloc_batch(h, (size_t)k * 16, osmem_cache_refill_count(c, k),
			       out);
	if (!got)
		return osmem_fast.malloc(h, n);
	/* The list in address order, the first block to the caller. */
	while (got > 1)
		cache_link(c, v, k, out[--got]);
	((uint64_t *)out[0])[1] = 0;   /* no stale key on a live block */
	return out[0];
}

bool osmem_cache_stash_free(struct osmem_cache *c,
			    const struct osmem_cache_heap *v, void *p)
{
	uint64_t size;

	if (c->state != OSMEM_CACHE_ACTIVE || !osmem_cache_in_heap(v, p) ||
	    !osmem_cache_sealed(v, p, &size) || size <= OSMEM_CACHE_BLOCK_MAX ||
	    ((uint64_t *)p)[1] == v->cache_key)
		return false;
	return cache_stash_put(c, v, p, size);
}

void *osmem_cache_stash_alloc(struct osmem_cache *c, size_t n)
{
	if (c->state != OSMEM_CACHE_ACTIVE || !c->stash_n ||
	    n > OSMEM_CACHE_STASH_REQ_MAX)
		return NULL;
	return cache_stash_take(c, osmem_cache_heap(c->heap), n);
}

/* Block p (checked: list k) onto its list, making room first: the list
 * grows, or gives back all but half its base and drops to it. */
static void cache_put(struct osmem_cache *c, const struct osmem_cache_heap *v,
		      unsigned k, void *p)
{
	unsigned base = osmem_cache_limit(k), n;

	if (c->room[k] <= 0 && !cache_grow(c, k)) {
		n = osmem_cache_count(c, k);
		if (n > base / 2)
			cache_give_back(c, k, n - base / 2);
		cache_set_limit(c, k, base);
	}
	cache_link(c, v, k, p);
}

void osmem_cache_free_slow(struct osmem_cache *c, struct osmem_heap *h,
			   void *p)
{
	const struct osmem_cache_heap *v = osmem_cache_heap(h);
	uint64_t size;
	unsigned k;

	if (!p)
		return;
	k = cache_class(v, p, &size);
	if (k && cache_refuse_k(c, h, p, k, size, OSMEM_OP_FREE))
		return;
	if (!k || c->state != OSMEM_CACHE_ACTIVE ||
	    (k == OSMEM_CACHE_STASH && !cache_stash_put(c, v, p, size))) {
		osmem_fast.free(h, p);  /* large, mapped, misuse: the core */
		return;
	}
	if (k != OSMEM_CACHE_STASH)
		cache_put(c, v, k, p);
}

void osmem_cache_free_sized_slow(struct osmem_cache *c, struct osmem_heap *h,
				 void *p, size_t size)
{
	const struct osmem_cache_heap *v = osmem_cache_heap(h);
	unsigned k;

	if (!p || osmem_cache_refuse(c, h, p, OSMEM_OP_FREE_SIZED))
		return;
	/* The push failed on room or a stale key only when the size fits. */
	if (c->state == OSMEM_CACHE_ACTIVE && osmem_cache_in_heap(v, p) &&
	    size <= OSMEM_CACHE_REQ_MAX && (k = osmem_cache_class_of(v, p)) &&
	    k - (((size + 23) >> 4) + (size < 9)) <= 1) {
		cache_put(c, v, k, p);
		return;
	}
	osmem_fast.free_sized(h, p, size);
}
