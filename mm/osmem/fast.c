/* SPDX-License-Identifier: MIT */
/*
 * osmem_fast: a two-level segregated-fit allocator (TLSF-style) with
 * boundary tags. Every operation costs O(1) in the number of blocks (a few
 * bit operations and list splices), plus the copy a realloc must do.
 * Pure policy: memory comes from the backend (mm/osmem/backend.h); the
 * interface is mm/osmem/allocator.h.
 *
 * This file: placement, split and merge, the public entries. The block
 * layout, the invariants and the locking rule are in fast_internal.h;
 * the other concerns have a file each (listed there).
 *
 * Placement, and the bound it gives. A request of n bytes needs a block of
 * r = max(32, round16(n + 8)) bytes. First the head of r's own class is
 * tried (O(1)); then r is rounded up to its class edge R and the first block
 * of the smallest non-empty class at or above R's is taken (two bitmap
 * scans); the tail beyond r is split off when it can be a block (>= 32).
 * Guarantee: the block taken has size s >= r, and
 *   - for r < 1024 it is an exact best fit (classes there hold one size):
 *     s is the smallest free size >= r;
 *   - otherwise, if any free block is >= R, then s < F + F/32 where F is the
 *     smallest free block >= R (s lies in F's class or an earlier one).
 *     Blocks of r's class between r and R may be passed over (all but the
 *     head), so the waste over an exact best fit is below 1/32 of the size
 *     except in that case, where a larger block may be taken.
 *
 * The heap top (fast_top.c): when nothing fits, the break grows by what is
 * missing plus the top pad (64 KiB); a free top block beyond the trim
 * threshold (256 KiB) is cut back to the top pad; when the heap cannot
 * grow, the request is served by a mapping. Requests from the mmap
 * threshold on (128 KiB) are mappings (fast_map.c). All three are per
 * heap: the dynamic rule raises the thresholds as mappings are freed,
 * explicit tuning sets them (fast_index.h).
 *
 * calloc: a block carved from memory the backend has just handed over
 * (fresh heap, AUX blocks, or a new mapping) is not cleared again; any other
 * is. Memory the break passes a second time (after a trim) is not fresh.
 *
 * Speed: malloc and free are one call each with the hot path inlined
 * (FAST_INLINE): the lock, the size class, a list head, the split or the
 * merges, the counters; no function call but the backend's lock. docs/
 * bench.md has the instruction counts.
 */
#include "mm/osmem/fast_internal.h"
#include "mm/osmem/fast_lists.h"

/* fast_release_plain, or its debug form when the heap is in debug mode. */
FAST_INLINE struct fast_block *fast_release(struct fast_heap *fh,
					    struct fast_block *b, size_t aux,
					    size_t *sizep)
{
	if (__builtin_expect(fh->debug, 0))
		return fast_dbg_release(fh, b, sizep);
	return fast_release_plain(fh, b, aux, sizep);
}

/* Cut used block b (not counted as live) to r bytes when the rest can be a
 * free block of its own (fast_min_free); the rest is released (it may merge
 * with the next). Returns the free block the rest became, or NULL when b
 * was not cut. */
static struct fast_block *fast_split(struct fast_heap *fh,
				     struct fast_block *b, size_t r, size_t aux)
{
	size_t size = block_size(b);
	struct fast_block *rest;

	if (size - r < fast_min_free(fh))
		return NULL;
	fast_set_used(fh, b, r, b->size & FAST_PREV_FREE);
	rest = block_at(b, r);
	rest->size = size - r;          /* its previous block, b, is in use */
	return fast_release(fh, rest, aux, NULL);
}

/*
 * Take free block b, unlinked from its list but still counted free, for a
 * block of r <= block_size(b) bytes. Returns true when the payload is all zero
 * (b was fresh: its links and footer are cleared here, the rest never
 * written).
 *
 * b's neighbours are both in use (no two free blocks touch), so the tail
 * cut off is filed as it is, with no merging, and the next block keeps
 * PREV_FREE; b's own previous block is never free.
 */
FAST_INLINE bool fast_take(struct fast_heap *fh, struct fast_block *b,
			   size_t r)
{
	size_t size = block_size(b), aux = b->size & FAST_AUX;
	struct fast_block *n = block_at(b, size);

	if (aux) {
		b->next_free = NULL;
		b->prev_free = NULL;
	}
	if (size - r >= FAST_MIN_BLOCK) {
		fast_set_used(fh, b, r, 0);
		fast_link_free(fh, block_at(b, r), size - r, aux);
		fh->st.bytes_free -= r;         /* one free block still */
		size = r;
	} else {
		fast_set_used(fh, b, size, 0);
		n->size &= ~FAST_PREV_FREE;
		if (aux)
			n->prev_size = 0;       /* the footer, now payload */
		fh->st.blocks_free--;
		fh->st.bytes_free -= size - FAST_HDR;
	}
	fh->st.blocks_in_use++;
	fh->st.bytes_in_use += size - FAST_HDR;
	return aux != 0;
}

/* ------------------------------------------------------------ the core ---- */

/* A heap block of r bytes (r < FAST_BLOCK_MAX); *zero tells whether its
 * payload is all zero. */
FAST_INLINE void *fast_heap_alloc(struct fast_heap *fh, size_t r, bool *zero)
{
	struct fast_block *b;
	unsigned fl, sl;

	b = fast_find(fh, r, &fl, &sl);
	if (b) {
		fast_list_pop(fh, b, fl, sl);
	} else {
		b = fast_grow(fh, r);
		if (!b)
			return NULL;
		fast_list_unlink(fh, b);        /* not always its list's head */
	}
	*zero = fast_take(fh, b, r);
	return block_payload(b);
}

FAST_INLINE void *fast_alloc(struct fast_heap *fh, size_t n, bool *zero)
{
	size_t r;
	void *p;

	*zero = false;
	if (n > (size_t)PTRDIFF_MAX)
		return NULL;
	if (n < fh->mmap_threshold && fast_block_size(n, &r)) {
		p = fast_heap_alloc(fh, r, zero);
		if (p)
			return p;
	}
	/* Large, or the heap cannot grow: a mapping (zeroed by contract,
	 * unless it is a kept one: *zero says). */
	return fast_map_alloc(fh, n, FAST_ALIGN, zero);
}

/* fast_alloc out of line: for realloc and memalign, whose own work
 * outweighs a call (malloc and calloc inline it). */
void *fast_alloc_any(struct fast_heap *fh, size_t n, bool *zero)
{
	return fast_alloc(fh, n, zero);
}

/* Take free block b (on its list; its head when cls gives the list's
 * class) for a block of r bytes, out of line: for debug mode, which picks
 * and verifies the block itself (fast_dbg_heap_alloc). */
void fast_take_any(struct fast_heap *fh, struct fast_block *b, size_t r,
		   const unsigned *cls)
{
	if (cls)
		fast_list_pop(fh, b, cls[0], cls[1]);
	else
		fast_list_unlink(fh, b);
	fast_take(fh, b, r);
}

/* The always-on free of a live heap block (never in debug mode: the
 * public entries send debug heaps elsewhere). */
FAST_INLINE void fast_heap_free_plain(struct fast_heap *fh, struct fast_block *b)
{
	size_t size;

	fast_used_sub(fh, b);
	fast_freed_note(fh, block_payload(b), block_size(b) - FAST_HDR);
	b = fast_release_plain(fh, b, 0, &size);
	fast_trim_if_top(fh, b, size);
}

/* The free of a live heap block, out of line, for the paths that are not
 * hot (misuse classification, realloc, sized free). Never in debug mode,
 * whose freed blocks go to the quarantine first (fast_debug.c). */
void fast_heap_free(struct fast_heap *fh, struct fast_block *b)
{
	size_t size;

	fast_used_sub(fh, b);
	fast_freed_note(fh, block_payload(b), block_size(b) - FAST_HDR);
	b = fast_release(fh, b, 0, &size);
	fast_trim_if_top(fh, b, size);
}

/* Not a live heap block: a mapping, or misuse (reported). */
static void fast_free_other(struct fast_heap *fh, void *p)
{
	struct fast_block *b;
	struct fast_map *h;

	switch (fast_lookup(fh, p, &b, &h, OSMEM_OP_FREE)) {
	case 1:
		fast_heap_free(fh, b);
		break;
	case 2:
		fast_map_free(fh, h);
		break;
	}
}

FAST_INLINE void fast_free_locked(struct fast_heap *fh, void *p)
{
	struct fast_block *b = fast_heap_block(fh, p);

	if (b)
		fast_heap_free_plain(fh, b);
	else
		fast_free_other(fh, p);
}

/* Grow used block b in place to r bytes: absorb a free next block, growing
 * the break first when b (or that block) is the last. */
static bool fast_grow_in_place(struct fast_heap *fh, struct fast_block *b,
			       size_t r)
{
	size_t size = block_size(b);
	struct fast_block *n = block_next(b);

	if (size + (block_is_free(n) ? block_size(n) : 0) < r) {
		if ((block_is_free(n) ? block_next(n) : n) != fh->epi)
			return false;
		if (!fast_grow(fh, r - size))
			return false;
		n = block_next(b);           /* a gap may have come between */
		if (!block_is_free(n) || size + block_size(n) < r)
			return false;
	}
	if (!block_is_free(n))
		return false;
	fast_list_remove(fh, n);
	fast_used_sub(fh, b);
	fast_set_used(fh, b, size + block_size(n), b->size & FAST_PREV_FREE);
	block_next(b)->size &= ~FAST_PREV_FREE;
	fast_split(fh, b, r, 0);
	fast_used_add(fh, b);
	return true;
}

static void *fast_heap_realloc(struct fast_heap *fh, struct fast_block *b,
			       size_t n)
{
	size_t r, size = block_size(b);
	struct fast_block *rest;
	bool zero;
	void *q;

	if (fast_block_size(n, &r)) {
		if (r <= size) {
			fast_used_sub(fh, b);
			rest = fast_split(fh, b, r, 0);
			fast_used_add(fh, b);
			if (rest)
				fast_trim_if_top(fh, rest, block_size(rest));
			return block_payload(b);
		}
		if (fast_grow_in_place(fh, b, r))
			return block_payload(b);
	}
	q = fast_alloc_any(fh, n, &zero);
	if (!q)
		return NULL;
	memcpy(q, block_payload(b), size - FAST_HDR);
	fast_heap_free(fh, b);
	return q;
}

/*
 * A mapping resized: below the threshold it moves to the heap; otherwise
 * it is remapped in place when the backend can; without that it moves,
 * except that a shrink keeps the mapping while it stays at least half used.
 */
static void *fast_map_realloc(struct fast_heap *fh, struct fast_map *h, void *p,
			      size_t n)
{
	size_t off = (size_t)((char *)p - h->start), len = fast_map_len(h);
	size_t usable = len - off, new_len, r;
	bool zero;
	void *q;

	if (n < fh->mmap_threshold && fast_block_size(n, &r)) {
		q = fast_heap_alloc(fh, r, &zero);
		if (q) {
			/* A raised threshold moves a grown mapping too. */
			memcpy(q, p, n < usable ? n : usable);
			fast_map_free(fh, h);
			return q;
		}
	}
	if (!fast_map_size(fh, n, off, &new_len))
		return NULL;
	if (new_len == len)
		return p;
	if (fh->be->pages_remap) {
		fh->st.map_calls++;
		if (fh->be->pages_remap(h->start, len, new_len) == h->start) {
			h->size = new_len | FAST_MAPPED;
			fast_map_reseal(fh, h);
			fh->st.mapped_bytes += new_len;
			fh->st.mapped_bytes -= len;
			return p;
		}
	}
	if (new_len < len && new_len >= len / 2)
		return p;
	q = fast_map_alloc(fh, n, FAST_ALIGN, NULL);
	if (!q)
		return n <= usable ? p : NULL;
	memcpy(q, p, n < usable ? n : usable);
	fast_map_free(fh, h);
	return q;
}

static void *fast_realloc_locked(struct fast_heap *fh, void *p, size_t n)
{
	struct fast_block *b;
	struct fast_map *h;
	bool zero;

	if (!p)
		return fast_alloc_any(fh, n, &zero);
	if (n > (size_t)PTRDIFF_MAX)
		return NULL;
	switch (fast_lookup(fh, p, &b, &h, OSMEM_OP_REALLOC)) {
	case 1:
		return fast_heap_realloc(fh, b, n);
	case 2:
		return fast_map_realloc(fh, h, p, n);
	}
	return NULL;
}

/*
 * A heap block of r bytes at an align-aligned payload (align > 16): take
 * r + align + lead bytes, give back the leading part (at least lead =
 * fast_min_free bytes, so it can be a free block) and the tail. Debug
 * mode takes the block its own way (verified, fast_dbg_heap_alloc).
 */
static void *fast_heap_memalign(struct fast_heap *fh, size_t align, size_t r)
{
	struct fast_block *b, *nb, *rest;
	size_t lead = fast_min_free(fh), total = r + align + lead, size;
	bool zero;
	char *p, *q;

	if (total >= FAST_BLOCK_MAX)
		return NULL;
	p = fh->debug ? fast_dbg_heap_alloc(fh, total) :
			fast_heap_alloc(fh, total, &zero);
	if (!p)
		return NULL;
	b = block_of(p);
	q = ptr_up(p, align);
	if (q != p) {
		while ((size_t)(q - p) < lead)  /* debug: lead may pass align */
			q += align;
		size = block_size(b);
		fast_used_sub(fh, b);
		nb = block_of(q);
		fast_set_used(fh, nb, size - (size_t)(q - p), 0);
		b->size = (size_t)(q - p) | (b->size & FAST_PREV_FREE);
		fast_release(fh, b, 0, NULL);   /* neighbours: used, and nb */
		b = nb;
		fast_used_add(fh, b);
	}
	fast_used_sub(fh, b);
	rest = fast_split(fh, b, r, 0);
	fast_used_add(fh, b);
	if (rest)
		fast_trim_if_top(fh, rest, block_size(rest));
	return block_payload(b);
}

void *fast_memalign_locked(struct fast_heap *fh, size_t align, size_t n)
{
	size_t r;
	bool zero;
	void *p;

	if (!bit_is_pow2(align))
		return NULL;
	if (align <= FAST_ALIGN)
		return fast_alloc_any(fh, n, &zero);
	if (n > (size_t)PTRDIFF_MAX || align > (size_t)PTRDIFF_MAX / 2 + 1)
		return NULL;
	if (n < fh->mmap_threshold && fast_block_size(n, &r) &&
	    align < fh->mmap_threshold &&
	    r + align + fast_min_free(fh) < fh->mmap_threshold) {
		p = fast_heap_memalign(fh, align, r);
		if (p)
			return p;
	}
	return fast_map_alloc(fh, n, align, NULL);
}

/* ------------------------------------------------------- public entries ---- */

static void fast_init(struct osmem_heap *h, const struct osmem_backend *be)
{
	struct fast_heap *fh = fast_of(h);

	memset(fh, 0, sizeof(*fh));
	fh->be = be;
	fh->secret = be ? be->secret : 0;
	fh->seal_key = ((fh->secret ^ FAST_SEAL_MUL) * FAST_SEAL_MUL) | 1;
	fh->debug = be && be->debug;
	fh->dbg_op = OSMEM_OP_FREE;
	fh->mmap_threshold = FAST_MMAP_THRESHOLD;
	fh->trim_threshold = FAST_TRIM_THRESHOLD;
	fh->top_pad = FAST_TOP_PAD;
	fh->dyn_thresholds = true;
	/* A home without a page mapper (a static arena, a kernel with only a
	 * break): every request stays in the heap, with no call from the
	 * port; a later osmem_fast_set_mmap_threshold still applies. */
	if (be && !be->pages_map) {
		fh->mmap_threshold = SIZE_MAX;
		fh->dyn_thresholds = false;
	}
	fast_cache_init(fh);
}

/* ------------------------------------------------------------- tuning ---- */

/* The tunables' contracts are in fast_index.h. */

uint32_t osmem_fast_tune_gen(struct osmem_heap *h)
{
	return __atomic_load_n(&fast_of(h)->tune_gen, __ATOMIC_ACQUIRE);
}
size_t osmem_fast_set_mmap_threshold(struct osmem_heap *h, size_t bytes)
{
	struct fast_heap *fh = fast_of(h);
	size_t old;

	fast_lock(fh->be);
	old = fh->mmap_threshold;
	fh->mmap_threshold = bytes;
	fh->dyn_thresholds = false;
	fast_tune_changed(fh);
	fast_keep_off(fh);
	fast_unlock(fh->be);
	return old;
}

static size_t *fast_tunable(struct fast_heap *fh, enum osmem_fast_tunable which)
{
	switch (which) {
	case OSMEM_FAST_MMAP_THRESHOLD:
		return &fh->mmap_threshold;
	case OSMEM_FAST_TRIM_THRESHOLD:
		return &fh->trim_threshold;
	case OSMEM_FAST_TOP_PAD:
		return &fh->top_pad;
	}
	return NULL;
}


size_t osmem_fast_tuned_hint(struct osmem_heap *h, enum osmem_fast_tunable which)
{
	size_t *v = fast_tunable(fast_of(h), which);

	/* A plain word the owner of the lock stores whole: a racy read sees
	 * the old value or the new one. */
	return v ? __atomic_load_n(v, __ATOMIC_RELAXED) : 0;
}

int osmem_fast_tune(struct osmem_heap *h, enum osmem_fast_tunable which,
		    size_t value)
{
	struct fast_heap *fh = fast_of(h);
	size_t *v = fast_tunable(fh, which);

	if (!v || (which == OSMEM_FAST_MMAP_THRESHOLD &&
		   value > FAST_MMAP_THRESHOLD_MAX) ||
	    (which == OSMEM_FAST_TOP_PAD && value > FAST_TOP_PAD_MAX))
		return -1;
	fast_lock(fh->be);
	*v = value;
	fh->dyn_thresholds = false;
	fast_tune_changed(fh);
	fast_keep_off(fh);
	fast_unlock(fh->be);
	return 0;
}

size_t osmem_fast_tuned(struct osmem_heap *h, enum osmem_fast_tunable which)
{
	struct fast_heap *fh = fast_of(h);
	size_t *v = fast_tunable(fh, which), value;

	if (!v)
		return 0;
	fast_lock(fh->be);
	value = *v;
	fast_unlock(fh->be);
	return value;
}

int osmem_fast_trim(struct osmem_heap *h, size_t pad)
{
	struct fast_heap *fh = fast_of(h);
	struct fast_block *top;
	bool released = false;

	if (!fh->be)
		return 0;
	fast_lock(fh->be);
	top = fast_top(fh);
	if (top)
		released = fast_trim(fh, top, pad);
	if (fh->kept_n && fast_keep_release(fh, OSMEM_OP_TRIM))
		released = true;
	if (fh->unmap_pending && fast_unmap_retry(fh, OSMEM_OP_TRIM))
		released = true;
	fast_unlock(fh->be);
	return released;
}

static void *fast_malloc(struct osmem_heap *h, size_t n)
{
	struct fast_heap *fh = fast_of(h);
	const struct osmem_backend *be = fh->be;
	bool zero;
	void *p;

	if (__builtin_expect(!be, 0))
		return NULL;
	if (__builtin_expect(fh->debug, 0))
		return fast_dbg_entry_alloc(fh, n, FAST_ALIGN, false);
	fast_lock(be);
	p = fast_alloc(fh, n, &zero);
	fast_unlock(be);
	return p;
}

static void *fast_calloc(struct osmem_heap *h, size_t nmemb, size_t size)
{
	struct fast_heap *fh = fast_of(h);
	const struct osmem_backend *be = fh->be;
	size_t n;
	bool zero;
	void *p;

	if (!be || __builtin_mul_overflow(nmemb, size, &n))
		return NULL;
	if (fh->debug)
		return fast_dbg_entry_alloc(fh, n, FAST_ALIGN, true);
	fast_lock(be);
	p = fast_alloc(fh, n, &zero);
	fast_unlock(be);
	if (p && !zero)
		memset(p, 0, n);
	return p;
}

/* realloc(p, 0) frees p and returns NULL (as glibc does). */
static void *fast_realloc(struct osmem_heap *h, void *p, size_t n)
{
	struct fast_heap *fh = fast_of(h);

	if (!fh->be)
		return NULL;
	if (fh->debug)
		return fast_dbg_entry_realloc(fh, p, n);
	if (p && n == 0) {
		fast_lock(fh->be);
		fast_free_locked(fh, p);
		fast_unlock(fh->be);
		return NULL;
	}
	fast_lock(fh->be);
	p = fast_realloc_locked(fh, p, n);
	fast_unlock(fh->be);
	return p;
}

static void fast_free(struct osmem_heap *h, void *p)
{
	struct fast_heap *fh = fast_of(h);
	const struct osmem_backend *be = fh->be;

	if (!p || !be)
		return;
	if (__builtin_expect(fh->debug, 0)) {
		fast_dbg_entry_free(fh, p);
		return;
	}
	fast_lock(be);
	fast_free_locked(fh, p);
	fast_unlock(be);
}

static void *fast_memalign(struct osmem_heap *h, size_t align, size_t n)
{
	struct fast_heap *fh = fast_of(h);
	void *p;

	if (!fh->be)
		return NULL;
	if (fh->debug)
		return bit_is_pow2(align) ?
		       fast_dbg_entry_alloc(fh, n, align, false) : NULL;
	fast_lock(fh->be);
	p = fast_memalign_locked(fh, align, n);
	fast_unlock(fh->be);
	return p;
}

static size_t fast_usable_size(struct osmem_heap *h, void *p)
{
	struct fast_heap *fh = fast_of(h);
	struct fast_block *b;
	struct fast_map *m;
	size_t n = 0;

	if (!p || !fh->be)
		return 0;
	fast_lock(fh->be);
	if (fh->debug) {
		n = fast_dbg_usable(fh, p);
		fast_unlock(fh->be);
		return n;
	}
	switch (fast_lookup(fh, p, &b, &m, OSMEM_OP_USABLE_SIZE)) {
	case 1:
		n = block_size(b) - FAST_HDR;
		break;
	case 2:
		n = fast_map_usable(m, p);
		break;
	}
	fast_unlock(fh->be);
	return n;
}

const struct osmem_allocator osmem_fast = {
	.name = "fast",
	.heap_bytes = sizeof(struct fast_heap),
	.has_debug_mode = true,
	.min_align = 16,
	.init = fast_init,
	.malloc = fast_malloc,
	.calloc = fast_calloc,
	.realloc = fast_realloc,
	.free = fast_free,
	.free_sized = fast_free_sized,
	.memalign = fast_memalign,
	.usable_size = fast_usable_size,
	.stats = fast_stats,
	.check = fast_check,
	.walk = fast_walk,
};
