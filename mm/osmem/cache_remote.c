/* SPDX-License-Identifier: MIT */
/*
 * A heap's remote-free stack (declared in mm/osmem/cache.h): where a
 * thread puts the small blocks of a heap other than its own, so that a
 * cross-thread free takes no lock. The drop-in library pushes (one arena
 * per heap, several threads per arena: preload_cache_posix.c); the
 * kernel's one heap never does, so its stack stays empty and each drain
 * below costs it one load.
 *
 * Protocol (who touches what):
 *   - v->remote: the top of a singly linked stack of payloads, each link
 *     mangled as a cache list's (osmem_cache_mangle with the heap's
 *     link_key), each member's second word the heap's cache_key, so a
 *     second free of a member is seen as "maybe cached" and searched.
 *   - push (any thread whose cache is not on this heap): after the checks
 *     a cache push makes (in the heap, sealed, a list's size) and, when
 *     the key is there, the double-free search: one atomic add to the
 *     counter (remote_count: blocks in the top 24 bits, usable bytes in
 *     the low 40, relaxed), then the link written and one CAS (release)
 *     of the top. A push whose add passes OSMEM_CACHE_REMOTE_MAX blocks
 *     or OSMEM_CACHE_REMOTE_BYTES drains the stack itself, so an owner
 *     that sleeps holds no more than the bound.
 *   - drain (any thread: the heap's owners at refill, flush, thread exit;
 *     malloc_trim for every heap; a pusher past the bound): one atomic
 *     exchange (acquire) of the top with NULL takes the whole stack; the
 *     drainer then owns those blocks alone, checks each link and seal,
 *     lowers the counter by what it took, and puts them on its own lists
 *     (when it is an active cache of this heap, within their room) or
 *     gives them to the core in batches (fast_free_batch, the heap's lock).
 *   - why no ABA: nothing pops one block. A CAS can only fail to see a
 *     change when the top went from A to something and back to A, which
 *     takes a drain and a new push of A; the pusher's link then points at
 *     the old top it read, but a push links its own block only, and a
 *     CAS that succeeds makes it point at the top it replaced, whatever
 *     happened before: the stack stays a chain of blocks that were pushed
 *     and not yet taken.
 *   - the counter is raised before the push lands and lowered after the
 *     blocks are taken, so it never counts fewer blocks than the stack
 *     holds: stats (fast_cache_sum) count them cached, never in use;
 *     blocks of a push in flight count as cached an instant early.
 *   - the double-free search (cache.c) walks a snapshot of the stack (its
 *     top loaded with acquire), at most OSMEM_CACHE_REMOTE_WALK links,
 *     each checked (in the heap, 16-aligned) before it is followed: a
 *     drain may take those blocks and a malloc reuse them as we read.
 *   - a link that fails its check on a drain (a write after free that
 *     beat the mangling) is reported as a write after free; the rest of
 *     the chain is abandoned: leaked, still counted as cached.
 *   - fork: the child's handler (every heap lock held across the fork)
 *     walks the stack, which CAS and exchange leave whole, and recounts
 *     it; what the counter held beyond it (pushes and drains lost with
 *     their threads) becomes orphans (cached, for good).
 */
#include "mm/osmem/cache.h"

#define REMOTE_SHIFT OSMEM_CACHE_REMOTE_SHIFT
#define REMOTE_ONE   ((uint64_t)1 << REMOTE_SHIFT)
#define REMOTE_BYTES (REMOTE_ONE - 1)
/* Blocks checked and taken per pass of a drain (and per batch). */
#define REMOTE_CHUNK 64

static size_t remote_usable(unsigned k)
{
	return (size_t)k * 16 - 8;
}

/* The next link of member p (checked by the caller). */
static uint64_t *remote_next(const struct osmem_cache_heap *v, const uint64_t *p)
{
	return (uint64_t *)(uintptr_t)osmem_cache_mangle(v, p,
		(void *)(uintptr_t)__atomic_load_n(&p[0], __ATOMIC_RELAXED));
}

bool osmem_cache_remote_free(struct osmem_cache *c, struct osmem_heap *h,
			     void *p, enum osmem_op op)
{
	struct osmem_cache_heap *v = osmem_cache_heap(h);
	uint64_t *q = p, cnt;
	unsigned k;
	void *top;

	if (!osmem_cache_in_heap(v, p) || !(k = osmem_cache_class_of(v, p)))
		return false;
	if (q[1] == v->cache_key && osmem_cache_refuse(c, h, p, op))
		return true;
	/* The heap holds cached blocks now (stats, walk and the search look
	 * for them only then). */
	if (!__atomic_load_n(&v->used, __ATOMIC_RELAXED))
		__atomic_store_n(&v->used, true, __ATOMIC_RELAXED);
	cnt = __atomic_add_fetch(&v->remote_count, REMOTE_ONE + remote_usable(k),
				 __ATOMIC_RELAXED);
	top = __atomic_load_n(&v->remote, __ATOMIC_RELAXED);
	do {
		q[0] = osmem_cache_mangle(v, p, top);
		q[1] = v->cache_key;
	} while (!__atomic_compare_exchange_n(&v->remote, &top, p, true,
					      __ATOMIC_RELEASE, __ATOMIC_RELAXED));
	if ((cnt >> REMOTE_SHIFT) > OSMEM_CACHE_REMOTE_MAX ||
	    (cnt & REMOTE_BYTES) > OSMEM_CACHE_REMOTE_BYTES)
		osmem_cache_remote_drain(c, h, false);
	return true;
}

/* Up to REMOTE_CHUNK members from *chain on: checked, their lists in
 * k[], the chain advanced past them (NULL after a bad link: reported).
 * Returns how many; *bytes their usable bytes. */
static unsigned remote_take(struct osmem_heap *h, uint64_t **chain,
			    void **got, uint8_t *k, size_t *bytes)
{
	const struct osmem_cache_heap *v = osmem_cache_heap(h);
	uint64_t *p = *chain;
	unsigned n = 0;

	*bytes = 0;
	while (p && n < REMOTE_CHUNK) {
		unsigned c = osmem_cache_in_heap(v, p) ?
			     osmem_cache_class_of(v, p) : 0;

		if (!c || p[1] != v->cache_key) {
			fast_cache_report(h, OSMEM_FAULT_USE_AFTER_FREE,
					  OSMEM_OP_FREE, p, 0,
					  "a remote-freed block's link was overwritten, it points here");
			p = NULL;
			break;
		}
		got[n] = p;
		k[n++] = (uint8_t)c;
		*bytes += remote_usable(c);
		p = remote_next(v, p);
	}
	*chain = p;
	return n;
}

size_t osmem_cache_remote_drain(struct osmem_cache *c, struct osmem_heap *h,
				bool lists)
{
	struct osmem_cache_heap *v = osmem_cache_heap(h);
	bool mine = lists && c && c->state == OSMEM_CACHE_ACTIVE && c->heap == h;
	void *got[REMOTE_CHUNK];
	uint8_t k[REMOTE_CHUNK];
	uint64_t *chain;
	size_t total = 0, bytes;
	unsigned n, back;

	if (!__atomic_load_n(&v->remote, __ATOMIC_RELAXED))
		return 0;
	chain = __atomic_exchange_n((uint64_t **)&v->remote, NULL,
				    __ATOMIC_ACQUIRE);
	while (chain) {
		n = remote_take(h, &chain, got, k, &bytes);
		/* They leave the count before a list or the core has them:
		 * never counted twice. */
		__atomic_sub_fetch(&v->remote_count, n * REMOTE_ONE + bytes,
				   __ATOMIC_RELAXED);
		back = 0;
		for (unsigned i = 0; i < n; i++) {
			if (mine && osmem_cache_absorb(c, k[i], got[i]))
				continue;
			((uint64_t *)got[i])[1] = 0;
			got[back++] = got[i];
		}
		if (back)
			fast_free_batch(h, got, back);
		total += n;
	}
	return total;
}

bool osmem_cache_remote_has(const struct osmem_cache_heap *v, const void *p)
{
	uint64_t *x = __atomic_load_n((uint64_t **)&v->remote, __ATOMIC_ACQUIRE);

	for (unsigned i = 0; i < OSMEM_CACHE_REMOTE_WALK &&
	     osmem_cache_in_heap(v, x); i++) {
		if (x == p)
			return true;
		x = remote_next(v, x);
	}
	return false;
}

void osmem_cache_remote_after_fork(struct osmem_heap *h)
{
	struct osmem_cache_heap *v = osmem_cache_heap(h);
	size_t had_bytes, had = osmem_cache_remote_blocks(v, &had_bytes);
	size_t n = 0, bytes = 0;
	uint64_t *x = v->remote;
	unsigned k;

	/* No other thread: the chain is whole; walked as far as it is
	 * counted, every link checked (a bad one ends it, the rest lost). */
	while (n < had && osmem_cache_in_heap(v, x) &&
	       (k = osmem_cache_class_of(v, x))) {
		n++;
		bytes += remote_usable(k);
		x = remote_next(v, x);
	}
	if (n < had) {
		v->orphan_blocks += had - n;
		v->orphan_bytes += had_bytes > bytes ? had_bytes - bytes : 0;
	}
	v->remote_count = (uint64_t)n * REMOTE_ONE + bytes;
}
