/* SPDX-License-Identifier: MIT */
/*
 * The fast allocator's debug mode, its entries: zero-size blocks (debug
 * mode's malloc(0), addresses in reserved ranges that fault) and the
 * public entries of debug mode (fast_dbg_entry_*), over the blocks,
 * poison and quarantine of fast_debug.c. The layouts, the invariants and
 * the checks are described at the top of fast_debug.c.
 */
#include "mm/osmem/fast_internal.h"

/* -------------------------------------------------- zero-size blocks ---- */

/* The range of zero-size blocks p lies in, or NULL. */
FAST_INLINE struct fast_zero *fast_dbg_zero_of(struct fast_heap *fh, const void *p)
{
	uintptr_t a = (uintptr_t)p;

	if (!fh->zero_ranges)
		return NULL;
	for (unsigned i = 0; i < FAST_ZERO_RANGES; i++) {
		struct fast_zero *z = &fh->zero[i];

		if (z->base && a >= (uintptr_t)z->base &&
		    a - (uintptr_t)z->base < FAST_ZERO_SPAN)
			return z;
	}
	return NULL;
}

/* A zero-size block: the next address of the range not used up, or of a
 * new range; NULL when there is none (the caller takes a block). */
static void *fast_dbg_zero_alloc(struct fast_heap *fh)
{
	struct fast_zero *z = NULL, *spare = NULL;
	unsigned k;

	for (unsigned i = 0; i < FAST_ZERO_RANGES; i++) {
		if (!fh->zero[i].base)
			spare = spare ? spare : &fh->zero[i];
		else if (fh->zero[i].next < FAST_ZERO_SLOTS)
			z = &fh->zero[i];
	}
	if (!z) {
		if (!spare || !fh->be->pages_reserve)
			return NULL;
		fh->st.map_calls++;
		spare->base = fh->be->pages_reserve(FAST_ZERO_SPAN);
		if (!spare->base)
			return NULL;
		spare->next = 0;
		spare->live = 0;
		memset(spare->bits, 0, sizeof(spare->bits));
		fh->zero_ranges++;
		z = spare;
	}
	k = z->next++;
	z->bits[k / 64] |= (uint64_t)1 << (k % 64);
	z->live++;
	return z->base + (size_t)k * FAST_ZERO_STEP;
}

/*
 * p lies in zero range z: true when it is a live zero-size block, which is
 * then released if `release` (a range used up and all freed goes back to
 * the backend). Otherwise the misuse is reported (a freed one: as a freed
 * heap block; any other address: an invalid pointer) and false returned.
 */
static bool fast_dbg_zero_use(struct fast_heap *fh, struct fast_zero *z,
			      void *p, enum osmem_op op, bool release)
{
	size_t off = (size_t)((uintptr_t)p - (uintptr_t)z->base);
	size_t k = off / FAST_ZERO_STEP;
	uint64_t bit = (uint64_t)1 << (k % 64);

	if (off % FAST_ZERO_STEP || k >= z->next) {
		fast_report(fh, OSMEM_FAULT_INVALID_POINTER, op, p, 0,
			    "not a zero-size block's address");
		return false;
	}
	if (!(z->bits[k / 64] & bit)) {
		fast_report(fh, fast_freed_fault(op), op, p, 0,
			    "a zero-size block freed before");
		return false;
	}
	if (!release)
		return true;
	z->bits[k / 64] &= ~bit;
	if (--z->live || z->next < FAST_ZERO_SLOTS)
		return true;
	fh->st.unmap_calls++;
	if (fh->be->pages_unmap(z->base, FAST_ZERO_SPAN) != 0)
		fast_report(fh, OSMEM_FAULT_BACKEND, op, z->base, FAST_ZERO_SPAN,
			    "pages_unmap failed; the range is leaked");
	z->base = NULL;
	fh->zero_ranges--;
	return true;
}

/* ------------------------------------------------ debug mode: entries ---- */

static bool fast_in_heap(struct fast_heap *fh, void *p)
{
	return fh->first && (char *)p > (char *)fh->first &&
	       (char *)p < (char *)fh->epi;
}

/* Mapping m's red zone (from its request to its end) is intact. */
static bool fast_dbg_map_red_ok(struct fast_map *m)
{
	const char *p = (char *)m + FAST_MAP_HDR;
	size_t usable = fast_map_usable(m, (void *)p);

	return m->req < usable && fast_dbg_red_is(p + m->req, p + usable);
}

/*
 * Live block p (heap block b, or mapping m) has its red zone intact; its
 * request in *req and allocation site in *site. A written red zone is
 * reported (REDZONE, op) and false returned: the caller refuses.
 */
FAST_INLINE bool fast_dbg_live_ok(struct fast_heap *fh, void *p,
				  struct fast_block *b, struct fast_map *m,
				  enum osmem_op op, size_t *req)
{
	const void *site;
	size_t usable;

	if (b) {
		if (fast_dbg_red_ok(b, req))
			return true;
		usable = block_size(b) - FAST_HDR - FAST_DBG_META;
		site = (const void *)(uintptr_t)fast_dbg_meta(b)[2];
	} else {
		*req = m->req;
		if (fast_dbg_map_red_ok(m))
			return true;
		usable = fast_map_usable(m, p);
		site = m->site;
	}
	fast_report_sites(fh, OSMEM_FAULT_REDZONE, op, p,
			  *req < usable ? *req : usable,
			  "the red zone after the block was written",
			  *req < usable ? site : NULL, NULL);
	return false;
}

bool fast_dbg_live(struct fast_heap *fh, void *p, struct fast_block *b,
		   struct fast_map *m, enum osmem_op op, size_t *req)
{
	return fast_dbg_live_ok(fh, p, b, m, op, req);
}

/* Mapping p (fresh from fast_map_alloc) serves a request of n bytes. */
static void *fast_dbg_map_arm(void *p, size_t n, const void *site)
{
	struct fast_map *m;

	if (!p)
		return NULL;
	m = fast_map_of(p);
	m->req = n;
	m->site = site;
	fast_dbg_red_set((char *)p + n, (char *)p + fast_map_usable(m, p));
	return p;
}

/* An armed block of n bytes (need with the trailer): a heap block below
 * the mapping threshold, or a mapping. */
FAST_INLINE void *fast_dbg_alloc_any(struct fast_heap *fh, size_t n,
				     size_t need, const void *site)
{
	size_t r;
	void *p;

	if (need < fh->mmap_threshold && fast_block_size(need, &r)) {
		p = fast_dbg_heap_take(fh, r);
		if (p) {
			fast_dbg_arm(block_of(p), n, site);
			return p;
		}
	}
	return fast_dbg_map_arm(fast_map_alloc(fh, need, FAST_ALIGN, NULL), n, site);
}

/*
 * A block of n bytes for debug mode: n, the trailer and at least one red
 * zone byte, in a block of FAST_DBG_MIN_FREE bytes at least (room for the
 * links and the trailer once free); n == 0 (alignment 16 at most): a
 * zero-size block when there is one to give.
 */
FAST_INLINE void *fast_dbg_alloc_at(struct fast_heap *fh, size_t n,
				    size_t align, const void *site)
{
	size_t need;
	void *p;

	if (n == 0 && align <= FAST_ALIGN) {
		p = fast_dbg_zero_alloc(fh);
		if (p)
			return p;
	}
	if (n > (size_t)PTRDIFF_MAX - 2 * FAST_DBG_FREE_OFF)
		return NULL;
	need = n + FAST_DBG_META + 1;
	if (need < FAST_DBG_MIN_FREE - FAST_HDR)        /* a 64-byte block */
		need = FAST_DBG_MIN_FREE - FAST_HDR;
	if (align <= FAST_ALIGN)
		return fast_dbg_alloc_any(fh, n, need, site);
	p = fast_memalign_locked(fh, align, need);
	if (p && fast_in_heap(fh, p))
		fast_dbg_arm(block_of(p), n, site);
	else
		fast_dbg_map_arm(p, n, site);
	return p;
}

/* fast_dbg_alloc_at out of line, for realloc. */
static void *fast_dbg_alloc(struct fast_heap *fh, size_t n, size_t align,
			    const void *site)
{
	return fast_dbg_alloc_at(fh, n, align, site);
}

/* Live block b (or mapping m) had its red zone written: out of use for
 * good (a gap block; a mapping off the list, left mapped). */
static void fast_dbg_retire_live(struct fast_heap *fh, struct fast_block *b,
				 struct fast_map *m)
{
	if (m) {
		fast_map_retire(fh, m, m->prev);
		return;
	}
	fast_used_sub(fh, b);
	b->size = block_size(b) | FAST_AUX | (b->size & FAST_PREV_FREE);
}

/* Free a live block whose red zone was verified: a heap block into the
 * quarantine, a mapping unmapped. */
FAST_INLINE void fast_dbg_release_live(struct fast_heap *fh, struct fast_block *b,
				  struct fast_map *m, const void *site)
{
	if (m)
		fast_map_free(fh, m);
	else
		fast_dbg_free_block(fh, b, site);
}

/* p, given to free/realloc/usable_size as `op`, names a live block (heap
 * block b or mapping m) with its red zone intact; misuse is reported and
 * a block with a written red zone retired. */
FAST_INLINE bool fast_dbg_lookup(struct fast_heap *fh, void *p, enum osmem_op op,
			    struct fast_block **b, struct fast_map **m,
			    size_t *req)
{
	*b = fast_heap_block(fh, p);    /* the usual case, inline */
	*m = NULL;
	if (!*b && !fast_lookup(fh, p, b, m, op))
		return false;
	if (!fast_dbg_live_ok(fh, p, *b, *m, op, req)) {
		if (op != OSMEM_OP_USABLE_SIZE)       /* usable_size changes nothing */
			fast_dbg_retire_live(fh, *b, *m);
		return false;
	}
	return true;
}

FAST_INLINE void fast_dbg_free(struct fast_heap *fh, void *p, const void *site)
{
	struct fast_zero *z = fast_dbg_zero_of(fh, p);
	struct fast_block *b;
	struct fast_map *m;
	size_t req;

	fh->dbg_op = OSMEM_OP_FREE;
	if (z)
		fast_dbg_zero_use(fh, z, p, OSMEM_OP_FREE, true);
	else if (fast_dbg_lookup(fh, p, OSMEM_OP_FREE, &b, &m, &req))
		fast_dbg_release_live(fh, b, m, site);
}

/* A zero-size block resized: realloc(z, 0) frees it; to n > 0 it moves to
 * a new block (nothing to copy) and is released. */
static void *fast_dbg_realloc_zero(struct fast_heap *fh, struct fast_zero *z,
				   void *p, size_t n, const void *site)
{
	void *q;

	if (!fast_dbg_zero_use(fh, z, p, OSMEM_OP_REALLOC, n == 0) || n == 0)
		return NULL;
	q = fast_dbg_alloc(fh, n, FAST_ALIGN, site);
	if (q)
		fast_dbg_zero_use(fh, z, p, OSMEM_OP_REALLOC, true);
	return q;
}

/* Debug realloc always moves: the old block is checked and freed (into
 * the quarantine), the new one has a fresh red zone. */
static void *fast_dbg_realloc(struct fast_heap *fh, void *p, size_t n,
			      const void *site)
{
	struct fast_zero *z;
	struct fast_block *b;
	struct fast_map *m;
	size_t req;
	void *q;

	fh->dbg_op = OSMEM_OP_REALLOC;
	if (!p)
		return fast_dbg_alloc(fh, n, FAST_ALIGN, site);
	z = fast_dbg_zero_of(fh, p);
	if (z)
		return fast_dbg_realloc_zero(fh, z, p, n, site);
	if (!fast_dbg_lookup(fh, p, OSMEM_OP_REALLOC, &b, &m, &req))
		return NULL;
	if (n == 0) {
		fast_dbg_release_live(fh, b, m, site);
		return NULL;
	}
	q = fast_dbg_alloc(fh, n, FAST_ALIGN, site);
	if (!q)
		return NULL;
	memcpy(q, p, req < n ? req : n);
	fast_dbg_release_live(fh, b, m, site);
	return q;
}

size_t fast_dbg_usable(struct fast_heap *fh, void *p)
{
	struct fast_zero *z = fast_dbg_zero_of(fh, p);
	struct fast_block *b;
	struct fast_map *m;
	size_t req;

	fh->dbg_op = OSMEM_OP_USABLE_SIZE;
	if (z) {
		fast_dbg_zero_use(fh, z, p, OSMEM_OP_USABLE_SIZE, false);
		return 0;
	}
	return fast_dbg_lookup(fh, p, OSMEM_OP_USABLE_SIZE, &b, &m, &req) ? req : 0;
}

/* The public entries in debug mode (each takes the lock itself). */
void fast_dbg_entry_free(struct fast_heap *fh, void *p)
{
	const void *site = fast_dbg_site(fh);

	fast_lock(fh->be);
	fast_dbg_free(fh, p, site);
	fast_unlock(fh->be);
}

/*
 * Sized free in debug mode (fast_sized.c): as fast_dbg_free, and the size
 * must be the block's request; a mismatch is reported with the block's
 * allocation site and refused (the block stays live, red zone and all).
 */
static void fast_dbg_free_sized(struct fast_heap *fh, void *p, size_t size,
				const void *site)
{
	struct fast_zero *z = fast_dbg_zero_of(fh, p);
	struct fast_block *b;
	struct fast_map *m;
	size_t req;

	fh->dbg_op = OSMEM_OP_FREE_SIZED;
	if (z) {
		/* A zero-size block's request was 0. */
		if (size != 0)
			fast_report_size_mismatch(fh, p, 0, size, NULL);
		else
			fast_dbg_zero_use(fh, z, p, OSMEM_OP_FREE_SIZED, true);
		return;
	}
	if (!fast_dbg_lookup(fh, p, OSMEM_OP_FREE_SIZED, &b, &m, &req))
		return;
	if (size != req) {
		fast_report_size_mismatch(fh, p, req, size, b ?
			(const void *)(uintptr_t)fast_dbg_meta(b)[2] : m->site);
		return;
	}
	fast_dbg_release_live(fh, b, m, site);
}

void fast_dbg_entry_free_sized(struct fast_heap *fh, void *p, size_t size)
{
	const void *site = fast_dbg_site(fh);

	fast_lock(fh->be);
	fast_dbg_free_sized(fh, p, size, site);
	fast_unlock(fh->be);
}

void *fast_dbg_entry_alloc(struct fast_heap *fh, size_t n, size_t align,
			   bool clear)
{
	const void *site = fast_dbg_site(fh);
	void *p;

	if (align < FAST_ALIGN)
		align = FAST_ALIGN;
	fast_lock(fh->be);
	fh->dbg_op = OSMEM_OP_MALLOC;
	p = fast_dbg_alloc_at(fh, n, align, site);
	fast_unlock(fh->be);
	if (p && clear)
		memset(p, 0, n);
	return p;
}

void *fast_dbg_entry_realloc(struct fast_heap *fh, void *p, size_t n)
{
	const void *site = fast_dbg_site(fh);

	if (n > (size_t)PTRDIFF_MAX)
		return NULL;
	fast_lock(fh->be);
	p = fast_dbg_realloc(fh, p, n, site);
	fast_unlock(fh->be);
	return p;
}
