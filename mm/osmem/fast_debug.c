/*
 * The fast allocator's debug mode.
 *
 * Debug mode (be->debug, read by init; heap_debug / OSMEM_DEBUG=1). The
 * public entries take the debug paths; the always-on paths only test a
 * flag. Layouts:
 *   live heap block:  [size word][payload: n bytes][red zone >= 1 byte,
 *                     0xfb][req][alloc site]  (the last 16 bytes before the
 *                     next size word); blocks of 64 bytes at least;
 *                     usable_size is n, so byte n is always red zone.
 *   free heap block:  [size word][next][prev][free site][alloc site][req]
 *                     [poison 0xdf ... up to the next size word]
 *   mapping:          req and alloc site in the header, red zone from n to
 *                     the end of the mapping.
 * There is no red zone before the payload: the sealed size word is right
 * below it, so an underflow into it is caught as a corrupted header.
 * Checked: the red zone at free, realloc (always moves in debug mode),
 * usable_size and by check(); a written red zone is reported (REDZONE,
 * with the allocation site) and the block put out of use. Poison and list
 * links of a free block are checked before it is reused (the head malloc
 * would take, the top block) and before it merges with a block being
 * freed, and by check(); a written one is reported (USE_AFTER_FREE, with
 * both sites and the request) and put out of use (its list is rebuilt
 * from a heap walk, since its links cannot be trusted). New heap memory
 * is poisoned as it arrives, so the heap holds no "fresh" (AUX) blocks.
 *
 */
#include "mm/osmem/fast_internal.h"

static const void *fast_dbg_site(struct fast_heap *fh)
{
	return fh->be->caller ? fh->be->caller() : NULL;
}

/* A free block's recorded sites (NULL when it is too small to hold them). */
const void *fast_dbg_free_site(struct fast_block *b)
{
	return bsize(b) >= FAST_DBG_FREE_OFF ? *(const void **)((char *)b + 32) : NULL;
}

const void *fast_dbg_freed_alloc_site(struct fast_block *b)
{
	return bsize(b) >= FAST_DBG_FREE_OFF ? *(const void **)((char *)b + 40) : NULL;
}

/* Every byte of free block b past its header and sites is poison. */
bool fast_dbg_poisoned(struct fast_block *b)
{
	const uint64_t *w = (const uint64_t *)((char *)b + FAST_DBG_FREE_OFF);
	const uint64_t *end = (const uint64_t *)((char *)b + bsize(b));

	for (; w < end; w++)
		if (*w != FAST_DBG_WORD)
			return false;
	return true;
}

void fast_dbg_poison(struct fast_block *b, size_t size)
{
	if (size > FAST_DBG_FREE_OFF)
		memset((char *)b + FAST_DBG_FREE_OFF, FAST_DBG_POISON,
		       size - FAST_DBG_FREE_OFF);
}

/* A live heap block's trailer: [request][allocation site] at its end. */
static size_t *fast_dbg_meta(struct fast_block *b)
{
	return (size_t *)((char *)bpayload(b) + bsize(b) - FAST_HDR - FAST_DBG_META);
}

/* The red zone of live block b is intact; its request in *req. */
static bool fast_dbg_red_ok(struct fast_block *b, size_t *req)
{
	size_t *meta = fast_dbg_meta(b), room = bsize(b) - FAST_HDR - FAST_DBG_META;
	const unsigned char *p = bpayload(b);

	*req = meta[0];
	if (*req >= room)
		return false;
	for (size_t i = *req; i < room; i++)
		if (p[i] != FAST_DBG_RED)
			return false;
	return true;
}

/* Make live block b serve a request of n bytes (n + 17 <= its usable). */
static void fast_dbg_arm(struct fast_block *b, size_t n, const void *site)
{
	size_t *meta = fast_dbg_meta(b);
	char *p = bpayload(b);

	memset(p + n, FAST_DBG_RED, (size_t)((char *)meta - p) - n);
	meta[0] = n;
	meta[1] = (size_t)(uintptr_t)site;
}

/* x is a free block of this heap as far as its address and tags say. */
static bool fast_dbg_is_free_block(struct fast_heap *fh, struct fast_block *x)
{
	return ((uintptr_t)x & (FAST_ALIGN - 1)) == 0 &&
	       (char *)x >= (char *)fh->first && (char *)x < (char *)fh->epi &&
	       bfree(x) && fast_size_fits(fh, x, bsize(x));
}

/* Free block x's list links agree with its neighbours on the list (a
 * write after free most often hits them: they are the payload's first
 * 16 bytes). */
static bool fast_dbg_links_ok(struct fast_heap *fh, struct fast_block *x)
{
	struct fast_block *p = x->prev_free, *n = x->next_free;
	unsigned fl, sl;

	if (!p) {
		fast_index(bsize(x), &fl, &sl);
		if (fh->lists[fl][sl] != x)
			return false;
	} else if (!fast_dbg_is_free_block(fh, p) || p->next_free != x) {
		return false;
	}
	return !n || (fast_dbg_is_free_block(fh, n) && n->prev_free == x);
}

/* List (fl, sl) made again from a walk of the heap, without x: its links
 * cannot be trusted, so they are not followed. */
static void fast_dbg_relist(struct fast_heap *fh, unsigned fl, unsigned sl,
			    struct fast_block *x)
{
	struct fast_block *b;
	unsigned f, s;

	fh->lists[fl][sl] = NULL;
	fast_bits_clear(fh, fl, sl);
	for (b = fh->first; b != fh->epi; b = bnext(b)) {
		if (b == x || !bfree(b))
			continue;
		fast_index(bsize(b), &f, &s);
		if (f == fl && s == sl)
			fast_list_link(fh, b, bsize(b));
	}
}

/*
 * Free block x (counted free) was written after it was freed: report it
 * and take it out of use for good. It becomes a gap block (used, AUX):
 * walked over, never counted, merged, reused or freed.
 */
static void fast_dbg_retire_free(struct fast_heap *fh, struct fast_block *x,
				const char *op)
{
	unsigned fl, sl;

	fast_report_sites(fh, OSMEM_FAULT_USE_AFTER_FREE, op, bpayload(x),
			  fast_freed_size(fh, x), "freed memory was written",
			  fast_dbg_freed_alloc_site(x), fast_dbg_free_site(x));
	fast_index(bsize(x), &fl, &sl);
	fast_dbg_relist(fh, fl, sl, x);
	fh->st.blocks_free--;
	fh->st.bytes_free -= bsize(x) - FAST_HDR;
	x->size = bsize(x) | FAST_AUX;
	bnext(x)->size &= ~FAST_PREV_FREE;
}

/* Free block x is as it was left: links and poison. */
static bool fast_dbg_intact(struct fast_heap *fh, struct fast_block *x)
{
	return fast_dbg_links_ok(fh, x) && fast_dbg_poisoned(x);
}

/*
 * The debug release: the free neighbours' poison is verified before they
 * merge (a written one is retired instead), the merged block is
 * poisoned whole, and when b heads it, b's sites are kept in it.
 */
struct fast_block *fast_dbg_release(struct fast_heap *fh,
				    struct fast_block *b, size_t *sizep)
{
	struct fast_block *n = bnext(b), *m;
	const void *asite = fh->dbg_alloc_site;
	size_t size;

	if ((b->size & FAST_PREV_FREE) && !fast_dbg_intact(fh, bprev(b)))
		fast_dbg_retire_free(fh, bprev(b), fh->dbg_op);
	if (bfree(n) && !fast_dbg_intact(fh, n))
		fast_dbg_retire_free(fh, n, fh->dbg_op);
	m = fast_release_plain(fh, b, 0, &size);
	fast_dbg_poison(m, size);
	if (m == b && size >= FAST_DBG_FREE_OFF) {
		*(const void **)((char *)m + 32) = fh->dbg_free_site;
		*(const void **)((char *)m + 40) = asite;
		*(size_t *)((char *)m + 48) = fh->dbg_req;
	}
	if (sizep)
		*sizep = size;
	return m;
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
	const unsigned char *p = (unsigned char *)m + FAST_MAP_HDR;
	size_t usable = fast_map_usable(m, (void *)p);

	if (m->req >= usable)
		return false;
	for (size_t i = m->req; i < usable; i++)
		if (p[i] != FAST_DBG_RED)
			return false;
	return true;
}

/*
 * Live block p (heap block b, or mapping m) has its red zone intact; its
 * request in *req and allocation site in *site. A written red zone is
 * reported (REDZONE, op) and false returned: the caller refuses.
 */
bool fast_dbg_live(struct fast_heap *fh, void *p, struct fast_block *b,
		   struct fast_map *m, const char *op, size_t *req)
{
	const void *site;
	size_t usable;
	bool ok;

	if (b) {
		ok = fast_dbg_red_ok(b, req);
		usable = bsize(b) - FAST_HDR - FAST_DBG_META;
		site = (const void *)(uintptr_t)fast_dbg_meta(b)[1];
	} else {
		ok = fast_dbg_map_red_ok(m);
		*req = m->req;
		usable = fast_map_usable(m, p);
		site = m->site;
	}
	if (!ok)
		fast_report_sites(fh, OSMEM_FAULT_REDZONE, op, p,
				  *req < usable ? *req : usable,
				  "the red zone after the block was written",
				  *req < usable ? site : NULL, NULL);
	return ok;
}

/*
 * Before a block of `need` bytes is taken: the free blocks it may come
 * from (the head fast_find picks, the top block) are verified, and one
 * written after it was freed is reported and put out of use (then the
 * next candidate is looked at).
 */
static void fast_dbg_check_next(struct fast_heap *fh, size_t need)
{
	struct fast_block *b;
	unsigned fl, sl;
	size_t r;

	if (need >= fh->mmap_threshold || !fast_block_size(need, &r))
		return;
	for (;;) {
		b = fast_find(fh, r, &fl, &sl);
		if (!b || fast_dbg_intact(fh, b))
			break;
		fast_dbg_retire_free(fh, b, fh->dbg_op);
	}
	b = fast_top(fh);
	if (b && !fast_dbg_intact(fh, b))
		fast_dbg_retire_free(fh, b, fh->dbg_op);
}

/*
 * A block of n bytes for debug mode: n, the trailer and at least one red
 * zone byte, in a block of 48 bytes at least (room for the sites once
 * free). A reused block whose poison was written is reported, put out of
 * use and another taken. memalign's leading and trailing parts are not
 * poison-checked (they are released, so checked when they merge).
 */
static void *fast_dbg_alloc(struct fast_heap *fh, size_t n, size_t align,
			    const void *site)
{
	struct fast_block *b;
	struct fast_map *m;
	size_t need;
	bool zero;
	void *p;

	if (n > (size_t)PTRDIFF_MAX - 2 * FAST_DBG_FREE_OFF)
		return NULL;
	need = n + FAST_DBG_META + 1;
	if (need < FAST_DBG_FREE_OFF - FAST_HDR)
		need = FAST_DBG_FREE_OFF - FAST_HDR;
	fast_dbg_check_next(fh, need);
	p = align > FAST_ALIGN ? fast_memalign_locked(fh, align, need) :
				 fast_alloc_any(fh, need, &zero);
	if (!p)
		return NULL;
	if (!fast_in_heap(fh, p)) {
		m = fast_map_of(p);
		m->req = n;
		m->site = site;
		memset((char *)p + n, FAST_DBG_RED, fast_map_usable(m, p) - n);
		return p;
	}
	b = bfrom(p);
	fast_dbg_arm(b, n, site);
	return p;
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
	b->size = bsize(b) | FAST_AUX | (b->size & FAST_PREV_FREE);
}

/* Free a live block whose red zone was verified. */
static void fast_dbg_release_live(struct fast_heap *fh, struct fast_block *b,
				  struct fast_map *m, const void *site)
{
	if (m) {
		fast_map_free(fh, m);
		return;
	}
	fh->dbg_free_site = site;
	fh->dbg_alloc_site = (const void *)(uintptr_t)fast_dbg_meta(b)[1];
	fh->dbg_req = fast_dbg_meta(b)[0];
	fast_heap_free(fh, b);
	fh->dbg_free_site = NULL;
	fh->dbg_alloc_site = NULL;
}

static void fast_dbg_free(struct fast_heap *fh, void *p, const void *site)
{
	struct fast_block *b = NULL;
	struct fast_map *m = NULL;
	size_t req;

	fh->dbg_op = "free";
	if (!fast_lookup(fh, p, &b, &m, "free"))
		return;
	if (!fast_dbg_live(fh, p, b, m, "free", &req)) {
		fast_dbg_retire_live(fh, b, m);
		return;
	}
	fast_dbg_release_live(fh, b, m, site);
}

/* Debug realloc always moves: the old block is checked and freed (and
 * poisoned), the new one has a fresh red zone. */
static void *fast_dbg_realloc(struct fast_heap *fh, void *p, size_t n,
			      const void *site)
{
	struct fast_block *b = NULL;
	struct fast_map *m = NULL;
	size_t req;
	void *q;

	fh->dbg_op = "realloc";
	if (!p)
		return fast_dbg_alloc(fh, n, FAST_ALIGN, site);
	if (!fast_lookup(fh, p, &b, &m, "realloc"))
		return NULL;
	if (!fast_dbg_live(fh, p, b, m, "realloc", &req)) {
		fast_dbg_retire_live(fh, b, m);
		return NULL;
	}
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
	struct fast_block *b = NULL;
	struct fast_map *m = NULL;
	size_t req;

	fh->dbg_op = "usable_size";
	if (!fast_lookup(fh, p, &b, &m, "usable_size"))
		return 0;
	if (!fast_dbg_live(fh, p, b, m, "usable_size", &req))
		return 0;
	return req;
}

/* The public entries in debug mode (each takes the lock itself). */
void fast_dbg_entry_free(struct fast_heap *fh, void *p)
{
	const void *site = fast_dbg_site(fh);

	fast_lock(fh->be);
	fast_dbg_free(fh, p, site);
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
	fh->dbg_op = "malloc";
	p = fast_dbg_alloc(fh, n, align, site);
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
