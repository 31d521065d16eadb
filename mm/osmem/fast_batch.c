/* SPDX-License-Identifier: MIT */
/*
 * The fast allocator's side of the small-block caches (mm/osmem/cache.h):
 * blocks handed out and taken back in batches, the caches' view of the
 * heap (keys, the window), the registry of caches, and what stats,
 * check() and walk() say of cached blocks.
 *
 * Batches. fast_alloc_batch(h, size, n, out) takes the heap's lock once
 * and returns up to n live blocks of exactly `size` bytes: first the
 * free blocks of that size (the heads of its own list: below 1 KiB a
 * list holds one size only), then one free block of the rest's total,
 * found by the core's placement rule (fast.c) and cut into blocks in
 * address order, so a refill is contiguous and costs one search. The
 * blocks are live for the core: sealed, counted in blocks_in_use.
 * fast_free_batch(h, p, n) frees n blocks under one lock, each checked
 * as free checks it (fast_heap_block, then fast_lookup for the rest): a
 * cache's block can have been overwritten while it sat there. It makes
 * one pass, no sort: blocks that touch go back as one, a stretch that
 * grows at either end as its neighbours come (fast_batch_join).
 *
 * Accounting. A cached block stays in the core's blocks_in_use; stats()
 * moves what the registered caches hold (each list: its limit less its
 * room) from *_in_use to *_cached, so every byte is in exactly one of
 * in use, cached, free, headers. The counts of other threads' caches are
 * read as they are at that moment, without stopping those threads: a
 * refill is counted by the core before its cache takes it, a flush leaves
 * the cache before the core takes it, so cached never exceeds the core's
 * live count. walk() names a live block whose second word is the cache
 * key CACHED (the key is a per-process secret: a program's own data
 * equals it with odds of 2^-64), once a cache has attached to the heap.
 * check() also walks every registered cache: each member a live block of
 * its list's size inside the heap, with the key, the count its room says
 * (a cache its thread is using at that moment may fail this: check() is
 * for quiet heaps, as in tests and the kernel, whose one cache is used
 * with interrupts off).
 *
 * Keys, from the backend's secret: the seal key (fast_seal) is the
 * heap's own; the cache key and the link key are derived from the secret
 * by a mix that has no simple inverse (the cache key lies in every cached
 * block, readable by the program). Not cryptographic: a stray or
 * careless write cannot find them, which is the point.
 *
 * Locking rule: the batch entries take the heap's lock, as every public
 * entry does, and so does the registry (fast_cache_reg_lock: the heap's
 * lock, its taker named in reg_owner); stats() and check() read the
 * registry under the lock they hold anyway. One lock for all: nothing to
 * order, and nothing spun on with interrupts off while a preempted
 * thread holds it (cache.h).
 */
#include "mm/osmem/fast_internal.h"
#include "mm/osmem/fast_lists.h"
#include <stddef.h>

_Static_assert(offsetof(struct fast_heap, ch) == 0,
	       "the caches find their view at the start of the heap state");
_Static_assert(OSMEM_CACHE_SIZE_MASK == FAST_SIZE_MASK,
	       "cache.h reads the size word as fast_internal.h writes it");
_Static_assert(OSMEM_CACHE_BAD_FLAGS == (FAST_FREE | FAST_MAPPED | FAST_AUX),
	       "cache.h refuses the flags of a block that is not live");
_Static_assert(OSMEM_CACHE_BLOCK_MAX % FAST_ALIGN == 0 &&
	       OSMEM_CACHE_BLOCK_MAX >= FAST_MIN_BLOCK,
	       "cache sizes are block sizes");

/* ------------------------------------------------------------ keys ---- */

/* splitmix64's finalizer: a bijection that spreads every input bit. */
static uint64_t fast_cache_mix(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

/* A key from the secret: mix(mix(s ^ c) + s) has no simple inverse. */
static uint64_t fast_cache_derive(uint64_t secret, uint64_t c)
{
	uint64_t k = fast_cache_mix(fast_cache_mix(secret ^ c) + secret);

	return k ? k : c;
}

void fast_cache_init(struct fast_heap *fh)
{
	struct osmem_cache_heap *v = &fh->ch;

	v->seal_key = fh->seal_key;
	v->cache_key = fast_cache_derive(fh->secret, 0x63616368656b6579ull);
	v->link_key = fast_cache_derive(fh->secret, 0x6c696e6b6b657921ull);
	/* Debug mode sees every call (red zones, poison, sites). */
	v->enabled = fh->be && !fh->debug;
}

/* --------------------------------------------------------- batches ---- */

/* Free block b (unlinked, still counted free) becomes live, whole. Its
 * neighbours are live (no two free blocks touch). */
static void fast_batch_take(struct fast_heap *fh, struct fast_block *b)
{
	size_t size = block_size(b);

	fast_set_used(fh, b, size, 0);
	block_at(b, size)->size &= ~FAST_PREV_FREE;
	fh->st.blocks_free--;
	fh->st.bytes_free -= size - FAST_HDR;
	fast_used_add(fh, b);
}

/* The free blocks of exactly `size` bytes, from the head of its list. */
static unsigned fast_batch_exact(struct fast_heap *fh, size_t size,
				 unsigned n, void **out)
{
	struct fast_block *b;
	unsigned fl, sl, got = 0;

	fast_index(size, &fl, &sl);
	while (got < n && (b = fh->lists[fl][sl]) && block_size(b) == size) {
		fast_list_pop(fh, b, fl, sl);
		fast_batch_take(fh, b);
		out[got++] = block_payload(b);
	}
	return got;
}

/*
 * n blocks of `size` bytes cut, in address order, from one free block of
 * at least n * size bytes (the heap grows for it if none is free).
 * Returns how many: n, n - 1 when the block found was n * size + 16 (the
 * last 16 + size bytes are filed free again), or 0 when there is no such
 * block.
 */
static unsigned fast_batch_carve(struct fast_heap *fh, size_t size,
				 unsigned n, void **out)
{
	size_t need = size * n, have, aux;
	struct fast_block *b, *q;
	unsigned fl, sl, i;

	b = fast_find(fh, need, &fl, &sl);
	if (b) {
		fast_list_pop(fh, b, fl, sl);
	} else {
		b = fast_grow(fh, need);
		if (!b)
			return 0;
		fast_list_unlink(fh, b);        /* not always its list's head */
	}
	have = block_size(b);
	aux = b->size & FAST_AUX;
	if (have - need >= FAST_MIN_BLOCK) {
		/* The rest stays free, where b was (its next keeps PREV_FREE). */
		fast_link_free(fh, block_at(b, need), have - need, aux);
		fh->st.bytes_free -= need;
	} else {
		block_at(b, have)->size &= ~FAST_PREV_FREE;
		fh->st.blocks_free--;
		fh->st.bytes_free -= have - FAST_HDR;
	}
	for (i = 0; i < n; i++) {
		q = block_at(b, i * size);
		fast_set_used(fh, q, size, 0);
		fast_used_add(fh, q);
		out[i] = block_payload(q);
	}
	if (have - need < FAST_MIN_BLOCK && have != need) {
		/* 16 bytes over: the last block takes them and goes back. */
		q = block_of(out[--n]);
		fast_used_sub(fh, q);
		q->size = size + (have - need); /* live neighbours: no merge */
		fast_release_plain(fh, q, 0, NULL);
	}
	return n;
}

unsigned fast_alloc_batch(struct osmem_heap *h, size_t size, unsigned n,
			  void **out)
{
	struct fast_heap *fh = fast_of(h);
	const struct osmem_backend *be = fh->be;
	unsigned got, k;

	if (!be || fh->debug || !n || size < FAST_MIN_BLOCK || size > OSMEM_CACHE_BLOCK_MAX ||
	    size % FAST_ALIGN)
		return 0;
	fast_lock(be);
	got = fast_batch_exact(fh, size, n, out);
	/* The rest in one piece; when the heap cannot give that much, in
	 * smaller ones. */
	for (k = n - got; got < n && k; ) {
		unsigned cut = fast_batch_carve(fh, size, k, out + got);

		got += cut;
		if (!cut)
			k /= 2;
		else if (k > n - got)
			k = n - got;
	}
	fast_unlock(be);
	return got;
}

/* One pointer of a batch the plain way (as free does): a mapping, or
 * misuse, reported. */
static void fast_batch_free_one(struct fast_heap *fh, void *p)
{
	struct fast_block *b;
	struct fast_map *m;

	switch (fast_lookup(fh, p, &b, &m, OSMEM_OP_FREE)) {
	case 1:
		fast_heap_free(fh, b);
		break;
	case 2:
		fast_map_free(fh, m);
		break;
	}
}

/*
 * A stretch: live blocks that touch, from block s, `size` bytes in all,
 * each already counted out of use; the headers inside it (all but s's)
 * are marked FREE, as fast_release_plain marks an absorbed word, so
 * fast_heap_block never takes them for live blocks again. It goes back
 * to the core as one block: one merge, one list operation.
 */
struct fast_stretch {
	struct fast_block *s;
	size_t size;
};

/* Live block b leaves use as free does: counted out, noted in the ring
 * of frees (what a later double free report names). */
static void fast_batch_out(struct fast_heap *fh, struct fast_block *b)
{
	fast_used_sub(fh, b);
	fast_freed_note(fh, block_payload(b), block_size(b) - FAST_HDR);
}

/* Stretch r (if any) back to the core; r is empty after. */
static void fast_batch_release(struct fast_heap *fh, struct fast_stretch *r)
{
	struct fast_block *b = r->s;
	size_t size = r->size;

	if (!b)
		return;
	b->size = size | (b->size & FAST_PREV_FREE);
	b = fast_release_plain(fh, b, 0, &size);
	fast_trim_if_top(fh, b, size);
	r->s = NULL;
}

/*
 * Live block b joins stretch r when it touches it at either end: true.
 * A cache gives its newest block first, and a refill's blocks were cut
 * in address order, so a batch's neighbours come one after the other in
 * either order: the stretch grows at its end or at its start.
 */
static bool fast_batch_join(struct fast_heap *fh, struct fast_stretch *r,
			    struct fast_block *b)
{
	size_t size = block_size(b);

	if (b == block_at(r->s, r->size)) {             /* after its end */
		b->size |= FAST_FREE;
	} else if (block_at(b, size) == r->s) {         /* before its start */
		r->s->size |= FAST_FREE;        /* b is live: no PREV_FREE there */
		r->s = b;
	} else {
		return false;
	}
	fast_batch_out(fh, b);
	r->size += size;
	return true;
}

/*
 * free() of p[0..n) in one pass, under the lock held: each pointer is
 * checked as free checks it (fast_heap_block: a cache's block can have
 * been overwritten while it sat there), and the live blocks go back as
 * stretches of blocks that touch. Anything else, and a block inside the
 * current stretch (given twice in the batch: its header is still live
 * when it is the stretch's first), goes the plain way once the stretch
 * is back: a mapping is unmapped, misuse and double frees reported.
 */
static void fast_batch_free_locked(struct fast_heap *fh, void **p, unsigned n)
{
	struct fast_stretch r = { NULL, 0 };
	struct fast_block *b;

	for (unsigned i = 0; i < n; i++) {
		b = fast_heap_block(fh, p[i]);
		if (b && r.s) {
			/* Inside the stretch? (below it, the difference wraps.) */
			if ((uintptr_t)b - (uintptr_t)r.s < r.size)
				b = NULL;       /* given twice: free now */
			else if (fast_batch_join(fh, &r, b))
				continue;
		}
		fast_batch_release(fh, &r);
		if (!b) {                       /* a mapping, or misuse */
			fast_batch_free_one(fh, p[i]);
			continue;
		}
		fast_batch_out(fh, b);
		r = (struct fast_stretch){ b, block_size(b) };
	}
	fast_batch_release(fh, &r);
}

void fast_free_batch(struct osmem_heap *h, void **p, unsigned n)
{
	struct fast_heap *fh = fast_of(h);
	const struct osmem_backend *be = fh->be;

	if (!be)
		return;
	fast_lock(be);
	if (fh->debug) {                        /* no batches there, but */
		for (unsigned i = 0; i < n; i++)
			fast_batch_free_one(fh, p[i]);
	} else {
		fast_batch_free_locked(fh, p, n);
	}
	fast_unlock(be);
}

void fast_cache_report(struct osmem_heap *h, enum osmem_fault fault,
		       enum osmem_op op, const void *p, size_t size,
		       const char *detail)
{
	fast_report(fast_of(h), fault, op, p, size, detail);
}

/* -------------------------------------------------------- registry ---- */

/* v is the first member of its heap's state (asserted above). */
static struct fast_heap *fast_of_view(struct osmem_cache_heap *v)
{
	return (struct fast_heap *)(void *)v;
}

void fast_cache_reg_lock(struct osmem_cache_heap *v, const void *owner)
{
	fast_lock(fast_of_view(v)->be);
	v->reg_owner = owner;
}

void fast_cache_reg_unlock(struct osmem_cache_heap *v)
{
	v->reg_owner = NULL;
	fast_unlock(fast_of_view(v)->be);
}


/* Under the heap's lock (stats). */
void fast_cache_sum(struct fast_heap *fh, struct osmem_stats *st)
{
	struct osmem_cache_heap *v = &fh->ch;
	size_t blocks, bytes;

	st->blocks_cached = 0;
	st->bytes_cached = 0;
	if (!v->used)
		return;
	blocks = v->orphan_blocks;
	bytes = v->orphan_bytes;
	/* The remote-free stack's blocks are cached (cache_remote.c). */
	{
		size_t rb, rn = osmem_cache_remote_blocks(v, &rb);

		blocks += rn;
		bytes += rb;
	}
	for (struct osmem_cache *c = v->caches; c; c = c->next) {
		for (unsigned k = 2; k < OSMEM_CACHE_CLASSES; k++) {
			size_t n = osmem_cache_count(c, k);

			blocks += n;
			bytes += n * (k * 16 - FAST_HDR);
		}
		blocks += osmem_cache_stash_count(c);
		bytes += osmem_cache_stash_usable(c);
	}
	/* Clamped: another thread's refill may be counted by its cache
	 * between our two looks. */
	if (blocks > st->blocks_in_use || bytes > st->bytes_in_use) {
		blocks = st->blocks_in_use;
		bytes = st->bytes_in_use;
	}
	st->blocks_cached = blocks;
	st->bytes_cached = bytes;
	st->blocks_in_use -= blocks;
	st->bytes_in_use -= bytes;
}

enum osmem_block_kind fast_cache_kind(struct fast_heap *fh,
				      struct fast_block *b)
{
	if (fh->ch.used && block_size(b) <= OSMEM_CACHE_STASH_BLOCK_MAX &&
	    ((uint64_t *)block_payload(b))[1] == fh->ch.cache_key)
		return OSMEM_BLOCK_CACHED;
	return OSMEM_BLOCK_ALLOC;
}

#define FAST_CBAD(...) \
	do { fast_report_bad(fh, NULL, __VA_ARGS__); return -1; } while (0)

/* List k of cache c: `count` members, each a live block of k * 16 bytes
 * in the heap with the key; then the end. */
static int fast_cache_check_list(struct fast_heap *fh, struct osmem_cache *c,
				 unsigned k)
{
	struct osmem_cache_heap *v = &fh->ch;
	unsigned count = osmem_cache_count(c, k), i;
	uint64_t *p = c->head[k];

	for (i = 0; p; i++) {
		if (i == count)
			FAST_CBAD("cache %p list of %u-byte blocks holds more than %u",
				  (void *)c, k * 16, count);
		if (!osmem_cache_in_heap(v, p) ||
		    fast_heap_block(fh, p) == NULL ||
		    block_size(block_of(p)) != k * 16 || p[1] != v->cache_key)
			FAST_CBAD("cache %p list of %u-byte blocks: bad member %p",
				  (void *)c, k * 16, (void *)p);
		p = (uint64_t *)(uintptr_t)osmem_cache_mangle(v, p,
					(void *)(uintptr_t)p[0]);
	}
	if (i != count)
		FAST_CBAD("cache %p list of %u-byte blocks holds %u, room says %u",
			  (void *)c, k * 16, i, count);
	return 0;
}

/* The stash of cache c: at most OSMEM_CACHE_STASH_COUNT members, each a
 * live block of the size noted, above the lists' sizes and up to the
 * stash's, in the heap, with the key; stash_bytes their sum. */
static int fast_cache_check_stash(struct fast_heap *fh, struct osmem_cache *c)
{
	struct osmem_cache_heap *v = &fh->ch;
	size_t sum = 0, size;
	uint64_t *p;

	if (c->stash_n > OSMEM_CACHE_STASH_COUNT)
		FAST_CBAD("cache %p stash holds %u blocks, more than %u",
			  (void *)c, c->stash_n, OSMEM_CACHE_STASH_COUNT);
	for (unsigned i = 0; i < c->stash_n; i++) {
		p = c->stash[i];
		size = c->stash_size[i];
		if (!osmem_cache_in_heap(v, p) || fast_heap_block(fh, p) == NULL ||
		    block_size(block_of(p)) != size || size <= OSMEM_CACHE_BLOCK_MAX ||
		    size > OSMEM_CACHE_STASH_BLOCK_MAX || p[1] != v->cache_key)
			FAST_CBAD("cache %p stash: bad member %p", (void *)c, (void *)p);
		sum += size;
	}
	if (sum != c->stash_bytes)
		FAST_CBAD("cache %p stash holds %zu bytes, counted %zu", (void *)c,
			  sum, c->stash_bytes);
	return 0;
}

/* The heap's remote-free stack (cache_remote.c): each member a live
 * block of a list's size with the key, and no more members than counted
 * (the count may be ahead: pushes in flight). */
static int fast_cache_check_remote(struct fast_heap *fh)
{
	struct osmem_cache_heap *v = &fh->ch;
	size_t bytes, n = osmem_cache_remote_blocks(v, &bytes), i = 0;
	uint64_t *p = __atomic_load_n((uint64_t **)&v->remote, __ATOMIC_ACQUIRE);

	for (; p; i++) {
		if (i == n)
			FAST_CBAD("remote-free stack holds more than the %zu counted", n);
		if (!osmem_cache_in_heap(v, p) || fast_heap_block(fh, p) == NULL ||
		    !osmem_cache_class_of(v, p) || p[1] != v->cache_key)
			FAST_CBAD("remote-free stack: bad member %p", (void *)p);
		p = (uint64_t *)(uintptr_t)osmem_cache_mangle(v, p,
						(void *)(uintptr_t)p[0]);
	}
	return 0;
}

/* Under the heap's lock (check). */
int fast_cache_check(struct fast_heap *fh)
{
	struct osmem_cache_heap *v = &fh->ch;
	int rc = fast_cache_check_remote(fh);

	for (struct osmem_cache *c = v->caches; c && !rc; c = c->next) {
		for (unsigned k = 2; k < OSMEM_CACHE_CLASSES && !rc; k++)
			rc = fast_cache_check_list(fh, c, k);
		if (!rc && c->state == OSMEM_CACHE_ACTIVE)
			rc = fast_cache_check_stash(fh, c);
	}
	return rc;
}
