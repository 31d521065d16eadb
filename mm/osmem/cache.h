/* SPDX-License-Identifier: MIT */
/*
 * The small-block front end of the fast allocator: per-thread (user space)
 * or per-kernel (one, for now) caches of free blocks, in front of the
 * best-fit core (mm/osmem/fast*.c). This header holds the inline fast
 * paths, pop and push; mm/osmem/cache.c the slow paths (attach, refill,
 * flush, detach, the double-free search); mm/osmem/fast_batch.c the core's
 * side (batches under the heap's lock, the registry, stats).
 *
 * A cache is a set of singly linked lists of free blocks, one per block
 * size of 32, 48, ... OSMEM_CACHE_BLOCK_MAX bytes (class = size / 16),
 * so a request of n <= OSMEM_CACHE_REQ_MAX bytes maps to its list in two
 * bit operations, (n + 23) >> 4, and one bound (n < 9 gives list 0 or 1,
 * always empty: pop misses and the slow path uses the 32-byte list).
 *
 * Limits. A list starts at its base limit, osmem_cache_limit(class) (48
 * blocks, fewer for larger blocks: at most OSMEM_CACHE_CLASS_BYTES of
 * them; 1089 blocks, OSMEM_CACHE_BYTES_MAX = 348 KiB over all lists).
 * Growing lists: a list that free finds full grows its limit by
 * OSMEM_CACHE_GROW_STEP (8) blocks, up to OSMEM_CACHE_LIST_MAX (120),
 * while the cache's growth (blocks above base limits, in bytes) stays
 * within OSMEM_CACHE_GROW_BYTES (96 KiB); a full list that cannot grow
 * gives back all but half its base limit in one batch and drops to its
 * base; a flush of the whole cache (malloc_trim, thread exit) drops every
 * list to its base. An empty list is refilled with a quarter of its
 * current limit in one batch (osmem_cache_refill_count). So a cache holds at most 348 + 96 KiB of small
 * blocks, 120 per list; glibc's tcache holds 7 blocks of each size up to
 * 1032 bytes.
 *
 * Why lists grow: rounds of 1,000 live blocks of 16..256 bytes (about
 * 60 of each of 16 sizes) overflow a 48-block list every round, and each
 * overflow and the refill after it went through the core: 190
 * instructions per malloc/free pair under callgrind (glibc 353). Lists
 * that grow to what the thread reuses stop going through the core: 80.
 * A thread that only frees a size (a consumer) reaches the list max,
 * flushes and drops back to the base, so growth stays with the sizes a
 * thread frees and allocates in turn. Peak RSS side by side with glibc
 * (make bench-malloc, docs/bench.md): batch-1t 1.10x -> 1.0x-1.1x, churn
 * of 1,000 blocks unchanged at 1.1x-1.2x.
 *
 * The base limits, measured before the growth (callgrind, instructions
 * per malloc/free pair of a random-slot churn over blocks up to 1 KiB,
 * and of rounds of 1,000 live blocks up to 512 bytes; glibc 190 and
 * 319): 2 KiB per list 251 and 430, 4 KiB 150 and 280, 8 KiB 111 and
 * 182. Then, side by side in one run (5 runs each under
 * build/host/mbench/rusage, medians; glibc 21.3 ns and 1740 KiB for batch
 * --threads=1 --rounds=2000, 23.1 ns and 1796 KiB for churn --count=1000
 * --ops=1000000):
 *
 *   per list            batch time, peak RSS    churn-1k time, peak RSS
 *   32 blocks, 4 KiB    1.17x, 1.06x             0.64x, 1.10x
 *   48 blocks, 6 KiB    0.94x, 1.13x             0.62x, 1.24x
 *   64 blocks, 8 KiB    0.67x, 1.13x             0.62x, 1.32x
 *
 * 48 blocks and 6 KiB was the largest base that kept every row within
 * 1.25x glibc's peak RSS. Blocks up to 1 KiB rather than 512 bytes: the
 * requests of 505 to 1016 bytes would each take the heap's lock, and the
 * larger lists cost no fast-path instruction.
 *
 * Contract with the core. A block in a cache is a live heap block as far
 * as the core knows (sealed header, counted in the core's blocks_in_use);
 * the core's stats report it as cached, not in use (fast_batch.c), and
 * check() accepts it. Its payload's first word is the list link, mangled
 * (below); its second word is the heap's cache_key, a per-process random
 * value: a block given to free whose second word is the key may be in a
 * cache already, and the slow path makes sure (the free is then a double
 * free). A block leaves a cache with that word cleared.
 *
 * Invariants, per cache c attached to heap h (c->state == ACTIVE):
 *   - c->head[k] is NULL or the payload of a live heap block of k * 16
 *     bytes inside h, 16-aligned; its first word is the next one,
 *     mangled: next ^ (uintptr_t)block ^ link_key; the last block's link
 *     mangles NULL. Every member's second word is cache_key.
 *   - list k holds c->limit[k] - c->room[k] blocks, c->limit[k] between
 *     osmem_cache_limit(k) and OSMEM_CACHE_LIST_MAX, c->grown the bytes
 *     above the base limits (at most OSMEM_CACHE_GROW_BYTES); head[0] and
 *     head[1] are NULL and room[0] and room[1] are 0 (no class of 0 or 16
 *     bytes: pop's one bound relies on it), as are all rooms of a
 *     cache that is not active, so its pushes all take the slow path.
 *     (A push takes the room first and gives it back when there was
 *     none: between the two, for an instant, a room reads -1.)
 *   - a cache's lists are touched by its owner only (its thread; in the
 *     kernel, with interrupts off), without the heap's lock. Other
 *     threads only read them: stats sums and the double-free search,
 *     under the heap's lock, validating every link before using it.
 *
 * Hardening. Push accepts p only when p lies in the heap and is
 * 16-aligned (one compare against the published window, below, before any
 * byte is read), its size word carries the core's seal (fast_seal: a
 * forged or overwritten header fails it) with none of the FREE, MAPPED,
 * AUX flags, its size is one of the cache's, its second word is not the
 * key and its list has room; anything else goes to the slow path. Pop
 * checks the block it takes lies in the heap and is 16-aligned, so a link
 * overwritten after free (which must also beat the mangling's secret)
 * cannot send malloc outside the heap.
 *
 * The window: struct osmem_cache_heap is the first member of the fast
 * allocator's heap state, published by the core under its lock and read
 * here without it: lo is the first payload of the heap, span16 how many
 * 16-byte slots lie between lo and the epilogue (0 while caches are off,
 * e.g. in debug mode, so that every push takes the slow path). The core
 * shrinks it before it gives memory back (a trim), so a pointer above the
 * break is never read; only a wild pointer freed while another thread
 * trims exactly that memory could still be read as it goes.
 *
 * Locking rule: the fast paths take no lock and make no atomic
 * read-modify-write. The slow paths take the heap's lock: through the
 * core's batch entries, and for the registry of caches (attach, detach,
 * the double-free search; stats and check() read it under the lock they
 * already hold). One lock, so no order to keep; and in the kernel it is
 * taken with interrupts off, so no thread holding it is ever preempted
 * (a registry lock of its own, spun on with interrupts off while a
 * preempted thread held it, would hang one CPU). A slow path calls the
 * core (or reports) only after letting go of the lock.
 */
#ifndef MM_OSMEM_CACHE_H
#define MM_OSMEM_CACHE_H

#include "mm/osmem/allocator.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define OSMEM_CACHE_BLOCK_MAX   1024    /* the largest block a cache holds */
#define OSMEM_CACHE_REQ_MAX     (OSMEM_CACHE_BLOCK_MAX - 8)
#define OSMEM_CACHE_CLASSES     (OSMEM_CACHE_BLOCK_MAX / 16 + 1)
#define OSMEM_CACHE_COUNT_MAX   48      /* blocks per list, at its base */
#define OSMEM_CACHE_CLASS_BYTES 6144    /* bytes per list, for larger blocks */
/* The sum over the lists of base limit * block size (a test adds it up). */
#define OSMEM_CACHE_BYTES_MAX   ((size_t)356352)
/*
 * Growing lists: a list that free finds full grows its limit by
 * OSMEM_CACHE_GROW_STEP blocks, up to OSMEM_CACHE_LIST_MAX, while the
 * growth of all the cache's lists (blocks above their base limits, in
 * bytes) stays within OSMEM_CACHE_GROW_BYTES; a list that cannot grow
 * gives back all but half its base limit and drops to its base, and a
 * flush of the whole cache drops every list to its base.
 */
#define OSMEM_CACHE_GROW_STEP   8
#define OSMEM_CACHE_LIST_MAX    120     /* blocks per list, grown */
#define OSMEM_CACHE_GROW_BYTES  ((size_t)96 * 1024)

/*
 * The stash: beside its lists, a cache keeps up to OSMEM_CACHE_STASH_COUNT
 * freed medium blocks (above the lists' sizes, up to
 * OSMEM_CACHE_STASH_MEDIUM_MAX bytes: the requests below the default mmap
 * threshold), OSMEM_CACHE_STASH_BYTES of them at most, newest last. A
 * malloc of a medium size takes the newest block of its size or up to a
 * quarter larger; a free of one puts it there when it has room, else
 * gives it to the core. No lock either way, and no batches: a thread that
 * frees and allocates 4 KiB or 64 KiB blocks in turn stops taking its
 * heap's lock per call (sizeclass, docs/arenas.md). Stashed blocks are
 * cached blocks in every other respect: live for the core, the key in
 * their second word, counted as cached, found by the double-free search,
 * given back by a flush.
 *
 * Large blocks, for a home that asks (c->stash_large, set after attach;
 * the drop-in library does, the kernel does not): heap blocks above
 * OSMEM_CACHE_STASH_MEDIUM_MAX up to c->stash_large bytes (at most
 * OSMEM_CACHE_STASH_BLOCK_MAX, a request of 1 MiB) are stashed too, while
 * the stash's bytes stay within OSMEM_CACHE_STASH_BYTES + c->stash_large:
 * one 1 MiB block beside the medium ones, or a few smaller ones (a
 * medium block still needs the stash's bytes within
 * OSMEM_CACHE_STASH_BYTES). Why: a thread that frees and allocates
 * 1 MiB heap blocks in turn (sizeclass-5t, docs/bench.md) went through
 * its arena's lock and the core's free and malloc on every call: 612
 * instructions per step under callgrind against glibc's 394.
 */
#define OSMEM_CACHE_STASH_COUNT     8
#define OSMEM_CACHE_STASH_BYTES     ((size_t)128 * 1024)
#define OSMEM_CACHE_STASH_MEDIUM_MAX ((size_t)128 * 1024)
#define OSMEM_CACHE_STASH_BLOCK_MAX ((size_t)(1u << 20) + 16)
/* The largest request a stash may serve (its block: BLOCK_MAX), and the
 * largest a stash without large blocks serves. */
#define OSMEM_CACHE_STASH_REQ_MAX   (OSMEM_CACHE_STASH_BLOCK_MAX - 8)
#define OSMEM_CACHE_STASH_MEDIUM_REQ_MAX (OSMEM_CACHE_STASH_MEDIUM_MAX - 8)
/* The stash's number where a list's number goes (a medium block's). */
#define OSMEM_CACHE_STASH           OSMEM_CACHE_CLASSES

/* The size word's layout (fast_internal.h; fast_batch.c checks these). */
#define OSMEM_CACHE_SIZE_MASK   ((((uint64_t)1 << 48) - 1) & ~(uint64_t)15)
#define OSMEM_CACHE_BAD_FLAGS   ((uint64_t)13)  /* FREE | MAPPED | AUX */

enum osmem_cache_state {
	OSMEM_CACHE_UNUSED = 0,         /* zeroed: not attached yet */
	OSMEM_CACHE_ACTIVE,
	OSMEM_CACHE_OFF,                /* detached, or its heap has no caches */
};

struct osmem_cache {
	/* The home's: what its fast paths read of the heap, next to the
	 * lists, so that user space reaches both from one TLS base (a
	 * thread's cache holds a view of nothing until it attaches:
	 * preload_cache_posix.c). cache.c neither reads nor writes it. */
	const struct osmem_cache_heap *view;
	void *head[OSMEM_CACHE_CLASSES];        /* first block of each list */
	int8_t room[OSMEM_CACHE_CLASSES];       /* blocks each list may take */
	/* Each list's limit (its base, osmem_cache_limit, plus its growth:
	 * at most OSMEM_CACHE_LIST_MAX); grown: the growth's bytes, the sum
	 * of (limit[k] - base) * k * 16. Owner's; others read limit. */
	uint8_t limit[OSMEM_CACHE_CLASSES];
	uint32_t grown;
	uint8_t state;                          /* enum osmem_cache_state */
	struct osmem_heap *heap;                /* attached to */
	struct osmem_cache *next, *prev;        /* the heap's registry */
	/* The stash (above): stash[0..stash_n) newest last, with their block
	 * sizes as the free saw them; stash_bytes their sum. Written by the owner only; others read them
	 * (stats, search) and check every entry before using it. */
	void *stash[OSMEM_CACHE_STASH_COUNT];
	uint32_t stash_size[OSMEM_CACHE_STASH_COUNT];   /* block bytes */
	unsigned stash_n;
	size_t stash_bytes;
	/* The largest block above OSMEM_CACHE_STASH_MEDIUM_MAX the stash
	 * takes (at most OSMEM_CACHE_STASH_BLOCK_MAX); 0, attach's: medium
	 * blocks only. The home's to set, after attach. */
	uint32_t stash_large;
};

/* What a cache reads of its heap without the heap's lock (see the top). */
struct osmem_cache_heap {
	uintptr_t lo;                   /* first payload of the heap */
	uintptr_t span16;               /* 16-byte slots from lo to the end */
	uint64_t seal_key;              /* fast_seal's key */
	uint64_t cache_key;             /* second word of a cached block */
	uint64_t link_key;              /* mangles the list links */
	bool enabled;                   /* caches may attach (not debug) */
	bool used;                      /* a cache has attached since init */
	/* The registry, under the heap's lock; reg_owner: the caller that
	 * holds it for the registry (fast_cache_reg_lock), else NULL. */
	const void *reg_owner;
	struct osmem_cache *caches;
	size_t orphan_blocks;           /* cached by threads lost to a fork */
	size_t orphan_bytes;
	/* The remote-free stack (mm/osmem/cache_remote.c has the protocol):
	 * blocks of this heap freed by threads of other heaps, pushed by CAS,
	 * taken whole by an exchange; remote_count counts them (blocks in
	 * its top 24 bits, usable bytes in the low 40), raised before a push
	 * lands and lowered after the blocks are taken, so it never counts
	 * less than the stack holds. A line of their own: every push
	 * writes it, and the owner's fast paths read the words above on
	 * every call (sharing their line cost each of its mallocs a miss). */
	void *remote __attribute__((aligned(64)));
	uint64_t remote_count;
	char remote_pad[64 - sizeof(void *) - sizeof(uint64_t)];
};

/* The cache view of h, a heap of osmem_fast (its state begins with it). */
static inline struct osmem_cache_heap *osmem_cache_heap(struct osmem_heap *h)
{
	return (struct osmem_cache_heap *)(void *)h;
}

/* How many blocks list k may hold at its base (2 <= k <
 * OSMEM_CACHE_CLASSES); a list grows above it (c->limit[k]). */
static inline unsigned osmem_cache_limit(unsigned k)
{
	unsigned n = OSMEM_CACHE_CLASS_BYTES / 16 / k;

	return n > OSMEM_CACHE_COUNT_MAX ? OSMEM_CACHE_COUNT_MAX : n < 2 ? 2 : n;
}

/* How many blocks list k of c holds (none unless active); another
 * thread may read it while c's owner changes it (stats, the fork child:
 * as a list grows, limit and room move by the same step, one after the
 * other, so such a reader may be off by one step for that instant). */
static inline unsigned osmem_cache_count(const struct osmem_cache *c,
					 unsigned k)
{
	int room = __atomic_load_n(&c->room[k], __ATOMIC_RELAXED);
	unsigned limit = __atomic_load_n(&c->limit[k], __ATOMIC_RELAXED);

	if (c->state != OSMEM_CACHE_ACTIVE)
		return 0;
	if (room < 0)
		room = 0;
	return (unsigned)room < limit ? limit - (unsigned)room : 0;
}

/*
 * How many blocks an empty list k of c takes from the core in one batch:
 * a quarter of its current limit (12 at a base of 48, 30 grown to 120).
 * Half the limit cost the same instructions (callgrind, churn of 1,000
 * blocks: 129.8 and 129.9 per pair; rounds of 1,000 blocks: 79.6 and
 * 79.7) but every list's first refill cut blocks the thread never used:
 * churn of 1,000 live blocks held a heap of 561 KB against 491 KB, peak
 * RSS 1.13x glibc's against 1.04x (medians of 5 runs of
 * build/host/mbench/churn --count=1000 --ops=1000000 under
 * build/host/mbench/rusage).
 */
static inline unsigned osmem_cache_refill_count(const struct osmem_cache *c,
						unsigned k)
{
	return (c->limit[k] + 3u) / 4;
}

/* How many blocks c's stash holds, and their usable bytes (none unless
 * active); another thread may read them as the owner changes them. */
static inline unsigned osmem_cache_stash_count(const struct osmem_cache *c)
{
	unsigned n = __atomic_load_n(&c->stash_n, __ATOMIC_RELAXED);

	if (c->state != OSMEM_CACHE_ACTIVE)
		return 0;
	return n < OSMEM_CACHE_STASH_COUNT ? n : OSMEM_CACHE_STASH_COUNT;
}

static inline size_t osmem_cache_stash_usable(const struct osmem_cache *c)
{
	size_t bytes = __atomic_load_n(&c->stash_bytes, __ATOMIC_RELAXED);
	size_t hdrs = (size_t)osmem_cache_stash_count(c) * 8;

	return bytes > hdrs ? bytes - hdrs : 0;
}

/* ------------------------------------------------------ fast paths ---- */

static inline uintptr_t osmem_cache_ror4(uintptr_t x)
{
	return (x >> 4) | (x << 60);
}

/*
 * p lies in the heap's window and is 16-aligned: rotating the offset
 * turns a misaligned one into a huge one, so one compare checks both
 * (NULL, below lo, fails too). Reads nothing at p. The two words are read
 * plainly, so that they stay operands of the sub and the cmp: each is
 * stored whole by the core, and whatever pair is read bounds memory the
 * heap has, but for two races of a wild pointer with the core, both
 * against another thread: the heap's very first growth (lo set, then the
 * span) and a trim giving back the memory it points to.
 */
static inline bool osmem_cache_in_heap(const struct osmem_cache_heap *v,
				       const void *p)
{
	return osmem_cache_ror4((uintptr_t)p - v->lo) < v->span16;
}

/*
 * Live block p's size word passes the checks a push makes: its seal
 * (fast_seal's: the top 16 bits of (block address ^ size) * seal_key)
 * holds and none of FREE, MAPPED, AUX is set. p must have passed
 * osmem_cache_in_heap. Its size is *size.
 */
static inline bool osmem_cache_sealed(const struct osmem_cache_heap *v,
				      const void *p, uint64_t *size)
{
	uint64_t w = ((const uint64_t *)p)[-1];
	uint64_t s = w & OSMEM_CACHE_SIZE_MASK;
	uint64_t seal = (((uintptr_t)p - 16) ^ s) * v->seal_key;

	*size = s;
	return !(((seal ^ w) >> 48) | (w & OSMEM_CACHE_BAD_FLAGS));
}

/* The list of live block p (in the heap), or 0 when it fails the
 * checks or is larger than a cache's blocks. */
static inline unsigned osmem_cache_class_of(const struct osmem_cache_heap *v,
					    const void *p)
{
	uint64_t size;

	if (!osmem_cache_sealed(v, p, &size) || size > OSMEM_CACHE_BLOCK_MAX)
		return 0;
	return (unsigned)(size >> 4);
}

/* The link stored in block p for `next`, and back. */
static inline uint64_t osmem_cache_mangle(const struct osmem_cache_heap *v,
					  const void *p, const void *next)
{
	return (uint64_t)(uintptr_t)next ^ (uintptr_t)p ^ v->link_key;
}

/*
 * malloc(n) from cache c: a block of its list, or NULL when n is not a
 * cache size (or below 9), the list is empty or its head fails the check
 * (the slow path, osmem_cache_alloc_slow, sorts these out).
 */
static inline void *osmem_cache_pop(struct osmem_cache *c,
				    const struct osmem_cache_heap *v, size_t n)
{
	uint64_t *p;
	size_t k;

	/* One bound: n below 9 (and n near SIZE_MAX, which wraps) gives
	 * list 0 or 1, always empty, so it misses below like an empty list. */
	k = (n + 23) >> 4;
	/* Compare k itself: gcc would compare n + 23 and keep both. */
	__asm__("" : "+r"(k));
	if (k > OSMEM_CACHE_BLOCK_MAX / 16)
		return NULL;
	p = c->head[k];
	if (!osmem_cache_in_heap(v, p))         /* NULL too */
		return NULL;
	c->head[k] = (void *)(uintptr_t)osmem_cache_mangle(v, p,
					(void *)(uintptr_t)p[0]);
	c->room[k]++;
	p[1] = 0;
	return p;
}

/*
 * free(p) into cache c; false when p must take the slow path
 * (osmem_cache_free_slow): not a live heap block of a cache size, header
 * check failed, maybe in a cache already (key), or its list is full.
 */
static inline bool osmem_cache_push(struct osmem_cache *c,
				    const struct osmem_cache_heap *v, void *p)
{
	uint64_t *q = p, size, key;
	void *head;
	size_t k;

	if (!osmem_cache_in_heap(v, p) || !osmem_cache_sealed(v, p, &size) ||
	    size > OSMEM_CACHE_BLOCK_MAX)
		return false;
	k = size >> 4;
	key = v->cache_key;
	if (q[1] == key)
		return false;
	head = c->head[k];
	/* One decrement and a sign test: the room taken, or given back. */
	if (__builtin_expect(--c->room[k] < 0, 0)) {
		c->room[k] = 0;
		return false;
	}
	q[0] = osmem_cache_mangle(v, p, head);
	q[1] = key;
	c->head[k] = p;
	return true;
}

/*
 * A sized free (free_sized, sized operator delete) of p for `size` bytes:
 * as push, when size is one p's block may have been allocated for (the
 * rule of fast_sized.c: its block of r = max(32, round16(size + 8))
 * bytes, or r + 16); anything else goes to the slow path, which reports a
 * mismatch.
 */
static inline bool osmem_cache_push_sized(struct osmem_cache *c,
					  const struct osmem_cache_heap *v,
					  void *p, size_t size)
{
	unsigned k;

	if (!osmem_cache_in_heap(v, p) || size > OSMEM_CACHE_REQ_MAX)
		return false;
	k = osmem_cache_class_of(v, p);
	/* r / 16 = max(2, (size + 23) >> 4); k must be that or one more
	 * (k == 0, refused, wraps and fails too). */
	if (k - (((size + 23) >> 4) + (size < 9)) > 1)
		return false;
	return osmem_cache_push(c, v, p);
}

/* ------------------------------------------------------ slow paths ---- */
/* mm/osmem/cache.c. h is the heap the home serves; c its cache. */

/* Attach c (zeroed, OSMEM_CACHE_UNUSED) to h and register it: true when
 * c is active now; when h has caches off (debug mode) c becomes OFF and
 * serves nothing. */
bool osmem_cache_attach(struct osmem_cache *c, struct osmem_heap *h);
/* Every block back to the core, c off the registry, OFF for good: its
 * later calls go straight to the core (a thread that is exiting). */
void osmem_cache_detach(struct osmem_cache *c);
/* Every block back to the core; c stays attached. Returns how many. */
size_t osmem_cache_flush(struct osmem_cache *c);
/* malloc(n) when pop failed: refill, the small requests, the core. */
void *osmem_cache_alloc_slow(struct osmem_cache *c, struct osmem_heap *h,
			     size_t n);
/* free(p) into c's stash, the short way, when p is a medium or large
 * block that push refused for its size only: in v's window, sealed, of a
 * size the stash takes, no key in its second word, room; false for
 * anything else (the caller's slow path sorts it out, reports
 * included). c must be active (checked) and v its heap's view. */
bool osmem_cache_stash_free(struct osmem_cache *c,
			    const struct osmem_cache_heap *v, void *p);
/* malloc(n) from the stash alone (n above the lists' sizes): a stashed
 * block, or NULL (none fits, or c is not active): the caller goes to the
 * core itself. */
void *osmem_cache_stash_alloc(struct osmem_cache *c, size_t n);
/* free(p) when push failed: double-free search, flush, the core. */
void osmem_cache_free_slow(struct osmem_cache *c, struct osmem_heap *h,
			   void *p);
/* free_sized(p, size) when osmem_cache_push_sized failed. */
void osmem_cache_free_sized_slow(struct osmem_cache *c, struct osmem_heap *h,
				 void *p, size_t size);
/* Checked block p of list k (its second word may be the key) onto c's
 * list k, which grows when it is full and may: false when it cannot. */
bool osmem_cache_absorb(struct osmem_cache *c, unsigned k, void *p);
/* Before the core's realloc or usable_size of p (op: the core's name,
 * OSMEM_OP_REALLOC, OSMEM_OP_USABLE_SIZE): when p sits in a cache, reports it (a double
 * free; for usable_size an invalid pointer) and returns true: the caller
 * must refuse the call. */
bool osmem_cache_refuse(struct osmem_cache *c, struct osmem_heap *h,
			void *p, enum osmem_op op);
/* In a child after fork: the registry keeps `keep` only (NULL: none);
 * the other caches' blocks stay allocated, counted as orphans. */
void osmem_cache_after_fork(struct osmem_heap *h, struct osmem_cache *keep);

/* ---------------------------------------------------- remote frees ---- */
/* mm/osmem/cache_remote.c: the heap's remote-free stack (a home with
 * several heaps uses it; the kernel's one heap never pushes, so its stack
 * stays empty and each drain is one load). */

/* A drain of the stack starts once it holds more than this many blocks or
 * bytes; the pusher that passes a bound drains it itself. */
#define OSMEM_CACHE_REMOTE_MAX          2048
#define OSMEM_CACHE_REMOTE_BYTES        ((size_t)512 * 1024)
/* The double-free search walks this far into a snapshot of the stack. */
#define OSMEM_CACHE_REMOTE_WALK         (OSMEM_CACHE_REMOTE_MAX + 256)

/* free(p) of a block of heap h by the owner of cache c (attached to
 * another heap, or to none): p goes on h's stack when it is a live block
 * of a list's size; false when it is not (the caller gives it to h's
 * core); true when it was pushed, or refused as a double free (reported). */
bool osmem_cache_remote_free(struct osmem_cache *c, struct osmem_heap *h,
			     void *p, enum osmem_op op);
/* Take h's whole stack: to c's lists where c is active on h and its lists
 * have room (lists true), the rest to h's core in batches. Any thread may
 * call it. Returns how many blocks were taken. */
size_t osmem_cache_remote_drain(struct osmem_cache *c, struct osmem_heap *h,
				bool lists);
/* The counter's layout: blocks above bit OSMEM_CACHE_REMOTE_SHIFT,
 * usable bytes below. */
#define OSMEM_CACHE_REMOTE_SHIFT        40

/* How many blocks h's stack holds (the counter: stats read it, so it is
 * inline, with no call into cache_remote.c), their usable bytes in *bytes. */
static inline size_t osmem_cache_remote_blocks(const struct osmem_cache_heap *v,
					       size_t *bytes)
{
	uint64_t cnt = __atomic_load_n(&v->remote_count, __ATOMIC_RELAXED);

	*bytes = (size_t)(cnt & (((uint64_t)1 << OSMEM_CACHE_REMOTE_SHIFT) - 1));
	return (size_t)(cnt >> OSMEM_CACHE_REMOTE_SHIFT);
}
/* p sits in h's stack (a bounded walk of a snapshot, every link checked). */
bool osmem_cache_remote_has(const struct osmem_cache_heap *v, const void *p);
/* In a fork child (every heap lock held across the fork): recount h's
 * stack; pushes and drains lost with their threads count as orphans. */
void osmem_cache_remote_after_fork(struct osmem_heap *h);

/* ------------------------------------------------- the core's side ---- */
/* mm/osmem/fast_batch.c: h must be a heap of osmem_fast. */

/* Up to n live heap blocks of exactly `size` bytes (32..BLOCK_MAX, a
 * multiple of 16) under one lock; their payloads in out[]. Returns how
 * many (fewer when the heap cannot grow; 0 in debug mode). */
unsigned fast_alloc_batch(struct osmem_heap *h, size_t size, unsigned n,
			  void **out);
/* free() of n payloads under one lock (each checked as free checks it). */
void fast_free_batch(struct osmem_heap *h, void **p, unsigned n);
/* A misuse seen by a cache, reported through h's backend as the core
 * reports (report.h); size: the block's usable size, or 0. */
void fast_cache_report(struct osmem_heap *h, enum osmem_fault fault,
		       enum osmem_op op, const void *p, size_t size,
		       const char *detail);
/* The heap's lock, taken for the registry; owner: an id unique to the
 * caller (its cache), kept meanwhile in reg_owner so that a fork child
 * can tell whether its own registry work was interrupted. */
void fast_cache_reg_lock(struct osmem_cache_heap *v, const void *owner);
void fast_cache_reg_unlock(struct osmem_cache_heap *v);

#endif
