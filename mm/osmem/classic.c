/* SPDX-License-Identifier: MIT */
/*
 * classic: the OS-course allocator, with the reference's exact behaviour.
 *
 * Block layout (every block, heap or mapped; struct block_meta, 32 bytes):
 *
 *   heap_start                                                   heap_end (= break)
 *   |hdr|payload ......|hdr|payload .|hdr|payload ..............|
 *    ^ heap list, address order, blocks back to back, prev/next links
 *
 *   mapping:  |hdr|payload|   one block per mapping of exactly 32 + size
 *             bytes, header at the mapping's start; on the mapped list.
 *
 * Policy (issue 4; each rule has a case in mm/osmem/tests/classic_*.c):
 * - sizes are rounded up to 8 (ALIGN8); malloc(0), calloc with a zero
 *   argument, and sizes whose rounding, header or product overflow return
 *   NULL without a backend call.
 * - a block of 32 + ALIGN8(size) >= 128 KiB (calloc: >= page size) is
 *   mapped alone; smaller ones live on the heap.
 * - the first heap use moves the break by exactly 128 KiB; that one free
 *   block serves the request and is split.
 * - before every heap search all adjacent free blocks are merged, then the
 *   smallest free block that fits is taken (first one on ties).
 *   That is osmem_classic (best fit). Its siblings share every other rule
 *   and differ in that one choice (the heap's `policy`; lab 2):
 *     osmem_classic_first  "classic:first"  the lowest-address block that fits;
 *     osmem_classic_next   "classic:next"   the first that fits at or after
 *                          the block of the last placement (the rover),
 *                          wrapping round to the heap's start;
 *     osmem_classic_worst  "classic:worst"  classic_worst_fit(), the
 *                          student's (mm/osmem/classic_worstfit.c).
 * - split only if the remainder holds a header and 8 bytes (>= 40); the free
 *   remainder follows the allocated part.
 * - nothing fits: a free last block grows by the missing amount; otherwise
 *   the break grows by 32 + ALIGN8(size) for a new last block. (A free
 *   last block that does fit is taken and split: only a worst fit that
 *   missed it, like lab 2's skeleton, gets there.)
 * - free of a heap block marks it free (the heap never shrinks); free of a
 *   mapped block unmaps it with the length it was mapped with.
 * - realloc: see classic_realloc_locked(). A heap block grows by moving
 *   the break only if it was the last block when the call began. One
 *   that becomes last only by absorbing the free blocks after it, and is
 *   still short, moves as a malloc of the new size would place it (best
 *   fit, else new heap space); the blocks it absorbed stay in it and are
 *   freed with it after the copy.
 * - realloc of a pointer that is no live block (freed, merged into a free
 *   neighbour, never given out, not this heap's) returns NULL, changes
 *   nothing and reports nothing: the assignment's robustness rule (its
 *   tests realloc freed blocks on purpose and expect to go on). free
 *   reports the same pointers (see Misuse below). A header that fails its
 *   check is still reported and quarantined, by realloc too.
 * - the heap must stay in one piece: a heap_extend whose old break is not
 *   our heap_end (someone else moved the break) is reported, given back,
 *   and the request fails. A failed backend call is never retried.
 * - memalign serves alignments up to 8 (as malloc) and returns NULL for
 *   larger ones: a payload always sits right after its 32-byte header.
 *
 * State: one heap is one struct classic_heap in the caller's struct
 * osmem_heap_space (allocator.h); there is no global state. Every public
 * entry turns its struct osmem_heap * into the struct classic_heap *ch that
 * the internal functions take first. The lists, break and counters below
 * are that heap's own; two heaps never share a block or a break.
 *
 * Invariants, per heap (checked by classic_check()):
 * - the heap list starts at heap_start, each block's header follows the
 *   previous block's payload directly, and the last block ends at heap_end;
 *   prev/next agree; heap blocks are FREE or ALLOC.
 * - every size is a non-zero multiple of 8; headers are 8-byte aligned.
 * - two adjacent free heap blocks ARE allowed (merging is lazy: a free or a
 *   split never merges; the next search does).
 * - mapped blocks are MAPPED, on their own list only, outside the heap, at
 *   page-aligned addresses, and 32 + size is at least the smaller threshold.
 *
 * Locking: every public entry takes its heap's be->lock() and gives it back
 * before it returns; internal helpers never lock, so realloc can reuse the
 * *_locked ones. The lock guards one heap instance: heaps on different
 * backends run independently. walk() calls its callback under the lock: the
 * callback must not call the allocator on the same heap. init() does not
 * lock (nothing may use the heap while it is initialized).
 *
 * Misuse (always on; mm/osmem/report.h, one report per fault, then the
 * operation is refused):
 * - every header carries a 32-bit check value in the assignment's padding
 *   (block_meta.h): a mix of the header's address, size, status and the
 *   backend's secret. It is resealed whenever size or status changes and
 *   verified on free, realloc, usable_size, by every pass that reads a
 *   block to merge or reuse it, and by check(). A mismatch is reported as
 *   a corrupted header; the block is then quarantined: status
 *   CLASSIC_QUARANTINED, size taken from where the next block starts (the
 *   list links are not covered, the blocks are back to back), resealed.
 *   A quarantined block is never merged, reused or freed; its payload and
 *   every other block are left alone, and check() passes again.
 * - a pointer is validated before any header is read through it: inside
 *   [heap_start, heap_end) it must be the payload of a block found by
 *   walking the heap list (each link range-checked); elsewhere it must be
 *   the payload of a live mapping found on the mapped list. A heap block
 *   that is free is a double free; a pointer inside the heap or inside a
 *   mapping that is no block's payload is invalid; anything else is not
 *   this heap's memory. The last few unmapped payloads are remembered, so
 *   freeing a mapping twice is named a double free too. realloc refuses
 *   all of these quietly (the realloc rule above); free and usable_size
 *   report them.
 *
 * Pure policy: no libc, no kernel header; the backend is the only way out.
 */
#include "mm/osmem/classic_internal.h"

/* ------------------------------------------------------------ the heap -- */

/*
 * Move the break by delta (> 0, always below the threshold) and return the
 * old break. The blocks must stay back to back, so a break that someone else
 * moved is refused: reported, put back, and treated as out of memory.
 */
static char *classic_extend(struct classic_heap *ch, size_t delta)
{
	char *old;

	ch->extend_calls++;
	old = ch->be->heap_extend(ch->be, (intptr_t)delta);
	if (old == OSMEM_BRK_FAIL)
		return NULL;
	if (ch->head && old != ch->heap_end) {
		classic_report(ch, OSMEM_FAULT_BACKEND, "malloc", old, 0,
			       "the break moved behind the allocator");
		ch->extend_calls++;
		ch->be->heap_extend(ch->be, -(intptr_t)delta);
		return NULL;
	}
	return old;
}

static void classic_link_after(struct classic_heap *ch, struct block_meta *b,
			       struct block_meta *n)
{
	n->prev = b;
	n->next = b->next;
	if (b->next)
		b->next->prev = n;
	else
		ch->tail = n;
	b->next = n;
}

static void classic_unlink_next(struct classic_heap *ch, struct block_meta *b)
{
	struct block_meta *n = b->next;

	b->next = n->next;
	if (n->next)
		n->next->prev = b;
	else
		ch->tail = b;
}

/* Cut b down to asz if the rest can be a block of its own (>= 40 bytes). */
static void classic_split(struct classic_heap *ch, struct block_meta *b,
			  size_t asz)
{
	struct block_meta *r;

	if (b->size - asz < CLASSIC_MIN_SPLIT)
		return;
	r = (struct block_meta *)((char *)classic_payload(b) + asz);
	classic_set(ch, r, b->size - asz - CLASSIC_META, STATUS_FREE);
	classic_link_after(ch, b, r);
	classic_set(ch, b, asz, b->status);
}

/* b takes in the block after it (which must be free and adjacent). */
static void classic_absorb_next(struct classic_heap *ch, struct block_meta *b)
{
	if (ch->rover == b->next)
		ch->rover = b;
	classic_set(ch, b, b->size + CLASSIC_META + b->next->size, b->status);
	classic_unlink_next(ch, b);
}

/* Is heap block b free and its header intact? A broken one is
 * quarantined on the spot, so no pass ever merges or reuses it. */
static bool classic_free_ok(struct classic_heap *ch, struct block_meta *b,
			    const char *op)
{
	if (!classic_sealed(ch, b)) {
		classic_quarantine(ch, b, op);
		return false;
	}
	return b->status == STATUS_FREE;
}

static void classic_merge_free(struct classic_heap *ch)
{
	for (struct block_meta *b = ch->head; b; b = b->next)
		while (classic_free_ok(ch, b, "malloc") && b->next &&
		       classic_free_ok(ch, b->next, "malloc"))
			classic_absorb_next(ch, b);
}

static struct block_meta *classic_best_fit(struct classic_heap *ch, size_t asz)
{
	struct block_meta *best = NULL;

	for (struct block_meta *b = ch->head; b; b = b->next)
		if (classic_free_ok(ch, b, "malloc") && b->size >= asz &&
		    (!best || b->size < best->size))
			best = b;
	return best;
}

static struct block_meta *classic_first_fit(struct classic_heap *ch, size_t asz)
{
	for (struct block_meta *b = ch->head; b; b = b->next)
		if (classic_free_ok(ch, b, "malloc") && b->size >= asz)
			return b;
	return NULL;
}

/* One lap round the list, starting at the rover and wrapping at the tail. */
static struct block_meta *classic_next_fit(struct classic_heap *ch, size_t asz)
{
	struct block_meta *start = ch->rover ? ch->rover : ch->head, *b = start;

	do {
		if (classic_free_ok(ch, b, "malloc") && b->size >= asz)
			return b;
		b = b->next ? b->next : ch->head;
	} while (b != start);
	return NULL;
}

/*
 * The student's worst fit sees only the list. The merge pass has just
 * verified every header, but its answer is not trusted: anything but a
 * free block of the list that fits is taken as "none fits".
 */
static struct block_meta *classic_worst(struct classic_heap *ch, size_t asz)
{
	struct block_meta *w = classic_worst_fit(ch->head, asz);

	if (!w)
		return NULL;
	for (struct block_meta *b = ch->head; b; b = b->next)
		if (b == w)
			return classic_free_ok(ch, b, "malloc") && b->size >= asz ?
			       b : NULL;
	return NULL;
}

static struct block_meta *classic_fit(struct classic_heap *ch, size_t asz)
{
	switch (ch->policy) {
	case CLASSIC_FIRST:
		return classic_first_fit(ch, asz);
	case CLASSIC_NEXT:
		return classic_next_fit(ch, asz);
	case CLASSIC_WORST:
		return classic_worst(ch, asz);
	default:
		return classic_best_fit(ch, asz);
	}
}

/* First heap use: one 128 KiB block, split for this request. */
static void *classic_heap_first(struct classic_heap *ch, size_t asz)
{
	char *brk = classic_extend(ch, CLASSIC_HEAP_PREALLOC);
	struct block_meta *b;

	if (!brk)
		return NULL;
	ch->heap_start = brk;
	ch->heap_end = brk + CLASSIC_HEAP_PREALLOC;
	b = (struct block_meta *)brk;
	classic_set(ch, b, CLASSIC_HEAP_PREALLOC - CLASSIC_META, STATUS_ALLOC);
	b->prev = b->next = NULL;
	ch->head = ch->tail = ch->rover = b;
	classic_split(ch, b, asz);
	return classic_payload(b);
}

/* Nothing fits: grow a free last block, or add a new last block. */
static void *classic_heap_grow(struct classic_heap *ch, size_t asz)
{
	struct block_meta *t = ch->tail, *b;
	char *brk;

	if (classic_free_ok(ch, t, "malloc")) {
		/* Only a policy that missed a fitting block gets here with a
		 * free last block that fits (lab 2's skeleton worst fit finds
		 * nothing): take it, as growing it would move the break back. */
		if (t->size >= asz) {
			classic_split(ch, t, asz);
			classic_set(ch, t, t->size, STATUS_ALLOC);
			ch->rover = t;
			return classic_payload(t);
		}
		if (!classic_extend(ch, asz - t->size))
			return NULL;
		ch->heap_end += asz - t->size;
		classic_set(ch, t, asz, STATUS_ALLOC);
		ch->rover = t;
		return classic_payload(t);
	}
	brk = classic_extend(ch, CLASSIC_META + asz);
	if (!brk)
		return NULL;
	ch->heap_end += CLASSIC_META + asz;
	b = (struct block_meta *)brk;
	classic_set(ch, b, asz, STATUS_ALLOC);
	b->next = NULL;
	classic_link_after(ch, t, b);
	ch->rover = b;
	return classic_payload(b);
}

static void *classic_heap_alloc(struct classic_heap *ch, size_t asz)
{
	struct block_meta *b;

	if (!ch->head)
		return classic_heap_first(ch, asz);
	classic_merge_free(ch);
	b = classic_fit(ch, asz);
	if (!b)
		return classic_heap_grow(ch, asz);
	classic_split(ch, b, asz);
	classic_set(ch, b, b->size, STATUS_ALLOC);
	ch->rover = b;
	return classic_payload(b);
}

/* ------------------------------------------------------ public helpers -- */

static void *classic_malloc_locked(struct classic_heap *ch, size_t size,
				   size_t threshold)
{
	size_t asz;

	if (size == 0 || !classic_round(size, &asz))
		return NULL;
	if (CLASSIC_META + asz >= threshold)
		return classic_map(ch, asz);
	return classic_heap_alloc(ch, asz);
}

/* free, or realloc to size 0 (quiet: realloc's rule for a pointer that
 * is no live block, see classic_lookup). */
static void classic_free_locked(struct classic_heap *ch, void *p,
				const char *op, bool quiet)
{
	struct block_meta *b;

	if (!p)
		return;
	b = classic_lookup(ch, p, op, quiet);
	if (!b)
		return;
	if (b->status == STATUS_MAPPED)
		classic_unmap(ch, b);
	else
		classic_set(ch, b, b->size, STATUS_FREE);
}

/* Give the caller new memory for old block b, copy, then let b go. */
static void *classic_move(struct classic_heap *ch, struct block_meta *b,
			  size_t old_size, void *n)
{
	if (!n)
		return NULL;
#ifdef OSMEM_PLANT_REALLOC_BUG
	/* A PLANTED BUG, for the fuzzer's self-test only (tests/fuzz/smoke.sh
	 * must see build/host/fuzz-osmem-planted catch it): a moving realloc
	 * loses the last byte. No real build defines this. */
	if (old_size > 0)
		old_size--;
#endif
	memcpy(n, classic_payload(b), old_size);
	if (b->status == STATUS_MAPPED)
		classic_unmap(ch, b);
	else
		classic_set(ch, b, b->size, STATUS_FREE);
	return n;
}

/*
 * Grow heap block b to asz in place. The last block of the heap moves the
 * break by what is missing. Any other absorbs the free blocks after it one
 * at a time (they stay absorbed even if that is not enough); if it is
 * still short it cannot grow in place, even when it is now the last block:
 * the break moves only for a block that was last when the call began (the
 * realloc rule at the top of the file). Returns 1 when b has grown, 0 when
 * it cannot grow in place, -1 when the break would not move (out of
 * memory: the caller must not try the break again).
 */
static int classic_grow_in_place(struct classic_heap *ch, struct block_meta *b,
				 size_t asz)
{
	if (b == ch->tail) {
		if (!classic_extend(ch, asz - b->size))
			return -1;
		ch->heap_end += asz - b->size;
		classic_set(ch, b, asz, b->status);
		return 1;
	}
	while (b->size < asz && b->next && classic_free_ok(ch, b->next, "realloc"))
		classic_absorb_next(ch, b);
	if (b->size < asz)
		return 0;
	classic_split(ch, b, asz);
	return 1;
}

/*
 * realloc:
 * - NULL is malloc; size 0 frees and returns NULL.
 * - a pointer that is no live block gives NULL, changes nothing and is not
 *   reported (the assignment's rule; a corrupted header still is).
 * - a mapped block always gets its new block first (heap or mapping, as a
 *   malloc of the new size would), then the copy, then the unmap.
 * - a heap block whose new size reaches the threshold moves to a mapping.
 * - a heap block shrinks in place (split rule); grows in place if it can
 *   (classic_grow_in_place); else moves where a malloc of the new size
 *   goes (best fit, else new heap space), and the old block, with what it
 *   absorbed, is freed after the copy.
 */
static void *classic_realloc_locked(struct classic_heap *ch, void *p,
				    size_t size)
{
	struct block_meta *b;
	size_t asz, old;
	int grown;

	if (!p)
		return classic_malloc_locked(ch, size, CLASSIC_MMAP_THRESHOLD);
	if (size == 0) {
		classic_free_locked(ch, p, "realloc", true);
		return NULL;
	}
	b = classic_lookup(ch, p, "realloc", true);
	if (!b || !classic_round(size, &asz))
		return NULL;
	old = b->size < asz ? b->size : asz;
	if (b->status == STATUS_MAPPED)
		return classic_move(ch, b, old,
				    classic_malloc_locked(ch, size, CLASSIC_MMAP_THRESHOLD));
	if (CLASSIC_META + asz >= CLASSIC_MMAP_THRESHOLD)
		return classic_move(ch, b, old, classic_map(ch, asz));
	if (asz <= b->size) {
		classic_split(ch, b, asz);
		return p;
	}
	grown = classic_grow_in_place(ch, b, asz);
	if (grown != 0)
		return grown > 0 ? p : NULL;
	return classic_move(ch, b, old, classic_heap_alloc(ch, asz));
}

static void *classic_calloc_locked(struct classic_heap *ch, size_t nmemb,
				   size_t size)
{
	size_t total, asz;
	void *p;

	if (nmemb == 0 || size == 0 || nmemb > SIZE_MAX / size)
		return NULL;
	total = nmemb * size;
	if (!classic_round(total, &asz))
		return NULL;
	if (CLASSIC_META + asz >= ch->be->page_size)
		return classic_map(ch, asz);     /* the home hands out zeroed pages */
	p = classic_heap_alloc(ch, asz);
	if (p)
		memset(p, 0, asz);
	return p;
}

/* ------------------------------------------------------ public entries -- */

static void classic_init(struct osmem_heap *h, const struct osmem_backend *be)
{
	struct classic_heap *ch = classic_of(h);

	ch->be = be;
	ch->policy = CLASSIC_BEST;
	ch->head = ch->tail = ch->mapped = ch->rover = NULL;
	ch->heap_start = ch->heap_end = NULL;
	ch->extend_calls = ch->map_calls = ch->unmap_calls = 0;
	for (unsigned i = 0; i < CLASSIC_GONE_SLOTS; i++)
		ch->gone[i] = NULL;
	ch->gone_next = 0;
}

static void classic_init_first(struct osmem_heap *h,
			       const struct osmem_backend *be)
{
	classic_init(h, be);
	classic_of(h)->policy = CLASSIC_FIRST;
}

static void classic_init_next(struct osmem_heap *h,
			      const struct osmem_backend *be)
{
	classic_init(h, be);
	classic_of(h)->policy = CLASSIC_NEXT;
}

static void classic_init_worst(struct osmem_heap *h,
			       const struct osmem_backend *be)
{
	classic_init(h, be);
	classic_of(h)->policy = CLASSIC_WORST;
}

static void *classic_malloc(struct osmem_heap *h, size_t size)
{
	struct classic_heap *ch = classic_of(h);
	void *p;

	if (!ch->be)
		return NULL;
	ch->be->lock(ch->be);
	p = classic_malloc_locked(ch, size, CLASSIC_MMAP_THRESHOLD);
	ch->be->unlock(ch->be);
	return p;
}

static void *classic_calloc(struct osmem_heap *h, size_t nmemb, size_t size)
{
	struct classic_heap *ch = classic_of(h);
	void *p;

	if (!ch->be)
		return NULL;
	ch->be->lock(ch->be);
	p = classic_calloc_locked(ch, nmemb, size);
	ch->be->unlock(ch->be);
	return p;
}

static void *classic_realloc(struct osmem_heap *h, void *ptr, size_t size)
{
	struct classic_heap *ch = classic_of(h);
	void *p;

	if (!ch->be)
		return NULL;
	ch->be->lock(ch->be);
	p = classic_realloc_locked(ch, ptr, size);
	ch->be->unlock(ch->be);
	return p;
}

static void classic_free(struct osmem_heap *h, void *ptr)
{
	struct classic_heap *ch = classic_of(h);

	if (!ch->be)
		return;
	ch->be->lock(ch->be);
	classic_free_locked(ch, ptr, "free", false);
	ch->be->unlock(ch->be);
}

/*
 * memalign: classic's payloads sit right after a 32-byte header, so only
 * alignments up to 8 (every payload has them) are served, as malloc; larger
 * ones return NULL ("not supported", allocator.h).
 */
static void *classic_memalign(struct osmem_heap *h, size_t align, size_t size)
{
	if (align == 0 || (align & (align - 1)) != 0 || align > 8)
		return NULL;
	return classic_malloc(h, size);
}

static size_t classic_usable_size(struct osmem_heap *h, void *ptr)
{
	struct classic_heap *ch = classic_of(h);
	struct block_meta *b;
	size_t n = 0;

	if (!ptr || !ch->be)
		return 0;
	ch->be->lock(ch->be);
	b = classic_lookup(ch, ptr, "usable_size", false);
	if (b)
		n = b->size;
	ch->be->unlock(ch->be);
	return n;
}

/* The entries every policy shares; only the name and init differ. */
#define CLASSIC_ALLOCATOR(nm, initfn)                                        \
	{                                                                    \
		.name = (nm),                                                \
		.heap_bytes = sizeof(struct classic_heap),                   \
		.min_align = 8,                                              \
		.init = (initfn),                                            \
		.malloc = classic_malloc,                                    \
		.calloc = classic_calloc,                                    \
		.realloc = classic_realloc,                                  \
		.free = classic_free,                                        \
		.memalign = classic_memalign,                                \
		.usable_size = classic_usable_size,                          \
		.stats = classic_stats,                                      \
		.check = classic_check,                                      \
		.walk = classic_walk,                                        \
	}

const struct osmem_allocator osmem_classic =
	CLASSIC_ALLOCATOR("classic", classic_init);
const struct osmem_allocator osmem_classic_first =
	CLASSIC_ALLOCATOR("classic:first", classic_init_first);
const struct osmem_allocator osmem_classic_next =
	CLASSIC_ALLOCATOR("classic:next", classic_init_next);
const struct osmem_allocator osmem_classic_worst =
	CLASSIC_ALLOCATOR("classic:worst", classic_init_worst);
