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
#include "mm/osmem/allocator.h"
#include "mm/osmem/backend.h"
#include "mm/osmem/block_meta.h"
#include "mm/osmem/classic_lab.h"
#include "libk/string.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CLASSIC_META           sizeof(struct block_meta)
#define CLASSIC_ALIGN(x)       (((x) + 7) & ~(size_t)7)
#define CLASSIC_MMAP_THRESHOLD ((size_t)128 * 1024)
#define CLASSIC_HEAP_PREALLOC  ((size_t)128 * 1024)
#define CLASSIC_MIN_SPLIT      (CLASSIC_META + 8)
/* Not one of the assignment's STATUS_* values: a block whose header failed
 * its check, kept in place and never used again. */
#define CLASSIC_QUARANTINED    0x0bad
#define CLASSIC_GONE_SLOTS     8

/* Which free block a heap search takes (see the top of the file). */
enum classic_policy { CLASSIC_BEST, CLASSIC_FIRST, CLASSIC_NEXT, CLASSIC_WORST };

/* One heap: everything the allocator knows lives here (allocator.h). */
struct classic_heap {
	const struct osmem_backend *be;
	enum classic_policy policy;
	/* Next fit: the block of the last placement, where the next search
	 * starts; NULL means the head. Always a block on the heap list: a
	 * block absorbed by its predecessor hands the rover on to it. */
	struct block_meta *rover;
	struct block_meta *head;     /* first heap block, NULL before first use */
	struct block_meta *tail;     /* last heap block */
	char *heap_start;
	char *heap_end;              /* the break, as far as we moved it */
	struct block_meta *mapped;   /* list of live mappings */
	size_t extend_calls, map_calls, unmap_calls;
	/* Payloads (and sizes) of the last mappings given back: a second free
	 * of one of them is a double free, not a foreign pointer. */
	void *gone[CLASSIC_GONE_SLOTS];
	size_t gone_size[CLASSIC_GONE_SLOTS];
	unsigned gone_next;
};

_Static_assert(sizeof(struct classic_heap) <= OSMEM_HEAP_BYTES_MAX,
	       "struct classic_heap must fit in struct osmem_heap_space");

static struct classic_heap *classic_of(struct osmem_heap *h)
{
	return (struct classic_heap *)(void *)h;
}

static void *classic_payload(struct block_meta *b)
{
	return (char *)b + CLASSIC_META;
}

static struct block_meta *classic_header(void *p)
{
	return (struct block_meta *)((char *)p - CLASSIC_META);
}

static char *classic_block_end(struct block_meta *b)
{
	return (char *)classic_payload(b) + b->size;
}

static void classic_report(struct classic_heap *ch, enum osmem_fault fault,
			   const char *op, const void *ptr, size_t size,
			   const char *detail)
{
	struct osmem_report r = { .fault = fault, .op = op, .ptr = ptr,
				  .size = size, .detail = detail };

	if (ch->be && ch->be->report)
		ch->be->report(&r);
}

/* ------------------------------------------------------ check values -- */

/*
 * The check value of b's header as it is now. A 64-bit mix (splitmix64's
 * finalizer) of address, size and status keyed by the secret: a stray
 * write that changes size or status, or a header forged elsewhere, has a
 * 2^-32 chance of matching.
 */
static uint32_t classic_seal_of(const struct classic_heap *ch,
				const struct block_meta *b)
{
	uint64_t x = (uint64_t)(uintptr_t)b ^ (uint64_t)ch->be->secret;

	x ^= (uint64_t)b->size * 0x9e3779b97f4a7c15ULL;
	x ^= (uint64_t)(uint32_t)b->status << 17;
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return (uint32_t)(x ^ (x >> 32));
}

static void classic_seal(const struct classic_heap *ch, struct block_meta *b)
{
	b->check = classic_seal_of(ch, b);
}

static bool classic_sealed(const struct classic_heap *ch,
			   const struct block_meta *b)
{
	return b->check == classic_seal_of(ch, b);
}

static void classic_set(const struct classic_heap *ch, struct block_meta *b,
			size_t size, int status)
{
	b->size = size;
	b->status = status;
	classic_seal(ch, b);
}

/* ALIGN8(size) in *out, or false if size + 7 + header would overflow. */
static bool classic_round(size_t size, size_t *out)
{
	if (size > SIZE_MAX - CLASSIC_META - 7)
		return false;
	*out = CLASSIC_ALIGN(size);
	return true;
}

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
	old = ch->be->heap_extend((intptr_t)delta);
	if (old == OSMEM_BRK_FAIL)
		return NULL;
	if (ch->head && old != ch->heap_end) {
		classic_report(ch, OSMEM_FAULT_BACKEND, "malloc", old, 0,
			       "the break moved behind the allocator");
		ch->extend_calls++;
		ch->be->heap_extend(-(intptr_t)delta);
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

/*
 * A header that fails its check is reported and quarantined: its size is
 * rebuilt from where the next block starts (the blocks are back to back,
 * and the links are what the walk trusts), so the heap stays walkable and
 * check() passes, but the block is never merged, reused or freed.
 */
static void classic_quarantine(struct classic_heap *ch, struct block_meta *b,
			       const char *op)
{
	char *end = b->next ? (char *)b->next : ch->heap_end;

	classic_report(ch, OSMEM_FAULT_CORRUPT_HEADER, op, classic_payload(b), 0,
		       "header check value does not match");
	classic_set(ch, b, (size_t)(end - (char *)classic_payload(b)),
		    CLASSIC_QUARANTINED);
}

/* The same for a mapping: its length is lost with its size, so it stays
 * mapped and listed for good, with size 0 (a leak, not a wrong unmap). */
static void classic_quarantine_mapped(struct classic_heap *ch,
				      struct block_meta *m, const char *op)
{
	classic_report(ch, OSMEM_FAULT_CORRUPT_HEADER, op, classic_payload(m), 0,
		       "header check value does not match");
	classic_set(ch, m, 0, CLASSIC_QUARANTINED);
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

static bool classic_in_heap(struct classic_heap *ch, void *p)
{
	return ch->head && (char *)p >= ch->heap_start + CLASSIC_META &&
	       (char *)p < ch->heap_end;
}

/* ------------------------------------------------------------ mappings -- */

static void *classic_map(struct classic_heap *ch, size_t asz)
{
	struct block_meta *b;

	ch->map_calls++;
	b = ch->be->pages_map(CLASSIC_META + asz);
	if (!b)
		return NULL;
	classic_set(ch, b, asz, STATUS_MAPPED);
	b->prev = NULL;
	b->next = ch->mapped;
	if (ch->mapped)
		ch->mapped->prev = b;
	ch->mapped = b;
	return classic_payload(b);
}

/*
 * The live mapping whose payload is p (exact), or, with *inside set, the
 * one p points into. Only listed headers are read, never p's.
 */
static struct block_meta *classic_find_mapped(struct classic_heap *ch,
					      const char *p,
					      struct block_meta **inside)
{
	*inside = NULL;
	for (struct block_meta *m = ch->mapped; m; m = m->next) {
		if (p == (char *)classic_payload(m))
			return m;
		if (p >= (char *)m && p < classic_block_end(m))
			*inside = m;
	}
	return NULL;
}

static void classic_remember_gone(struct classic_heap *ch, void *payload,
				  size_t size)
{
	unsigned i = ch->gone_next++ % CLASSIC_GONE_SLOTS;

	ch->gone[i] = payload;
	ch->gone_size[i] = size;
}

/* Was p the payload of a mapping given back lately? Its size, or 0. */
static size_t classic_was_unmapped(struct classic_heap *ch, const void *p)
{
	for (unsigned i = 0; i < CLASSIC_GONE_SLOTS; i++)
		if (ch->gone[i] && ch->gone[i] == p)
			return ch->gone_size[i];
	return 0;
}

/* Unmap b; if the home refuses, b stays listed (and leaks) rather than
 * being lost in an inconsistent state. */
static void classic_unmap(struct classic_heap *ch, struct block_meta *b)
{
	struct block_meta *prev = b->prev, *next = b->next;
	size_t size = b->size;

	ch->unmap_calls++;
	if (ch->be->pages_unmap(b, CLASSIC_META + size) != 0) {
		classic_report(ch, OSMEM_FAULT_BACKEND, "free", classic_payload(b),
			       size, "pages_unmap failed; the mapping is kept");
		return;
	}
	classic_remember_gone(ch, classic_payload(b), size);
	if (prev)
		prev->next = next;
	else
		ch->mapped = next;
	if (next)
		next->prev = prev;
}

/* ------------------------------------------------------ public helpers -- */

/*
 * The heap block p points into (its header or payload): the last block
 * that starts below p. A walk: classic is O(blocks) per call anyway (the
 * merge pass), and a bad pointer is then caught, not obeyed. Each link is
 * checked to point forward inside the heap before it is followed, so even
 * a broken list cannot make the walk fault; NULL if the list is broken.
 */
static struct block_meta *classic_heap_block_of(struct classic_heap *ch,
						const char *p)
{
	struct block_meta *x = ch->head;

	while (x) {
		struct block_meta *n = x->next;

		if (n && ((char *)n <= (char *)x || (char *)n >= ch->heap_end ||
			  ((uintptr_t)n & 7) != 0))
			return NULL;
		if (!n || (char *)n >= p)
			return x;
		x = n;
	}
	return NULL;
}

/* A block's size for a report: only when its header can be trusted. */
static size_t classic_report_size(const struct classic_heap *ch,
				  const struct block_meta *b)
{
	return b && classic_sealed(ch, b) ? b->size : 0;
}

/* Report p, which is outside the heap's blocks and no live mapping's
 * payload; in is the live mapping p points into, if any. */
static void classic_report_unlisted(struct classic_heap *ch, void *p,
				    const char *op, struct block_meta *in)
{
	size_t gone = classic_was_unmapped(ch, p);

	if (gone && !in)
		classic_report(ch, OSMEM_FAULT_DOUBLE_FREE, op, p, gone, NULL);
	else if (in)
		classic_report(ch, OSMEM_FAULT_INVALID_POINTER, op, p,
			       classic_report_size(ch, in), NULL);
	else if (ch->head && (char *)p >= ch->heap_start &&
		 (char *)p < ch->heap_end)
		classic_report(ch, OSMEM_FAULT_INVALID_POINTER, op, p, 0, NULL);
	else
		classic_report(ch, OSMEM_FAULT_FOREIGN_POINTER, op, p, 0, NULL);
}

/*
 * The live block whose payload is p, or NULL when p may not be used.
 * Nothing is read through p until p is known to be a block's payload.
 * A pointer that is no live block (a free block, no block's payload, not
 * this heap's) is reported naming op, unless quiet (realloc's rule, top
 * of the file): a free block is a double free for free and realloc, and
 * no live block for usable_size. A header that fails its check, or a
 * quarantined block, is reported even when quiet: that is corruption,
 * not a stale pointer.
 */
static struct block_meta *classic_lookup(struct classic_heap *ch, void *p,
					 const char *op, bool quiet)
{
	struct block_meta *b, *in;
	bool heap = classic_in_heap(ch, p);

	/* p - 32 is only computed once p is known to lie above a header:
	 * for a wild pointer ((void *)1) even the arithmetic is undefined. */
	if (heap) {
		b = classic_header(p);
		in = classic_heap_block_of(ch, p);
		if (in != b) {
			/* Named with the block it points into, when known. */
			if (!quiet)
				classic_report(ch, OSMEM_FAULT_INVALID_POINTER, op, p,
					       classic_report_size(ch, in), NULL);
			return NULL;
		}
	} else if (!(b = classic_find_mapped(ch, p, &in))) {
		if (!quiet)
			classic_report_unlisted(ch, p, op, in);
		return NULL;
	}
	if (!classic_sealed(ch, b)) {
		if (heap)
			classic_quarantine(ch, b, op);
		else
			classic_quarantine_mapped(ch, b, op);
		return NULL;
	}
	if (b->status == CLASSIC_QUARANTINED) {
		classic_report(ch, OSMEM_FAULT_CORRUPT_HEADER, op, p, 0,
			       "block quarantined after a failed check");
		return NULL;
	}
	if (b->status == STATUS_FREE) {
		if (!quiet)
			classic_report(ch, op[0] == 'u' ?
				       OSMEM_FAULT_INVALID_POINTER :
				       OSMEM_FAULT_DOUBLE_FREE, op, p, b->size,
				       op[0] == 'u' ? "the block is free" : NULL);
		return NULL;
	}
	return b;
}

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
	ch->be->lock();
	p = classic_malloc_locked(ch, size, CLASSIC_MMAP_THRESHOLD);
	ch->be->unlock();
	return p;
}

static void *classic_calloc(struct osmem_heap *h, size_t nmemb, size_t size)
{
	struct classic_heap *ch = classic_of(h);
	void *p;

	if (!ch->be)
		return NULL;
	ch->be->lock();
	p = classic_calloc_locked(ch, nmemb, size);
	ch->be->unlock();
	return p;
}

static void *classic_realloc(struct osmem_heap *h, void *ptr, size_t size)
{
	struct classic_heap *ch = classic_of(h);
	void *p;

	if (!ch->be)
		return NULL;
	ch->be->lock();
	p = classic_realloc_locked(ch, ptr, size);
	ch->be->unlock();
	return p;
}

static void classic_free(struct osmem_heap *h, void *ptr)
{
	struct classic_heap *ch = classic_of(h);

	if (!ch->be)
		return;
	ch->be->lock();
	classic_free_locked(ch, ptr, "free", false);
	ch->be->unlock();
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
	ch->be->lock();
	b = classic_lookup(ch, ptr, "usable_size", false);
	if (b)
		n = b->size;
	ch->be->unlock();
	return n;
}

static void classic_stats(struct osmem_heap *h, struct osmem_stats *st)
{
	struct classic_heap *ch = classic_of(h);

	memset(st, 0, sizeof(*st));
	if (!ch->be)
		return;
	ch->be->lock();
	st->heap_bytes = (size_t)(ch->heap_end - ch->heap_start);
	for (struct block_meta *b = ch->head; b; b = b->next) {
		if (b->status == STATUS_FREE) {
			st->bytes_free += b->size;
			st->blocks_free++;
			if (b->size > st->largest_free)
				st->largest_free = b->size;
		} else {
			st->bytes_in_use += b->size;
			st->blocks_in_use++;
		}
	}
	for (struct block_meta *m = ch->mapped; m; m = m->next) {
		st->mapped_bytes += CLASSIC_META + m->size;
		st->mapped_blocks++;
	}
	st->heap_extend_calls = ch->extend_calls;
	st->map_calls = ch->map_calls;
	st->unmap_calls = ch->unmap_calls;
	ch->be->unlock();
}

/* what must be a constant: the report keeps the pointer. */
static int classic_bad(struct classic_heap *ch, const char *what,
		       const struct block_meta *b)
{
	classic_report(ch, OSMEM_FAULT_HEAP_CORRUPT, "check", b, 0, what);
	return -1;
}

static int classic_check_heap(struct classic_heap *ch)
{
	struct block_meta *prev = NULL, *b;
	char *at = ch->heap_start;

	if (!ch->head)
		return ch->tail || ch->heap_start != ch->heap_end ?
		       classic_bad(ch, "empty heap with state", NULL) : 0;
	for (b = ch->head; b; prev = b, b = b->next) {
		if ((char *)b != at)
			return classic_bad(ch, "heap block not where the last one ended", b);
		if (((uintptr_t)b & 7) != 0)
			return classic_bad(ch, "misaligned heap header", b);
		if (b->prev != prev)
			return classic_bad(ch, "heap prev link", b);
		if (b->status != STATUS_FREE && b->status != STATUS_ALLOC &&
		    b->status != CLASSIC_QUARANTINED)
			return classic_bad(ch, "heap block status", b);
		if (b->size == 0 || (b->size & 7) != 0 ||
		    b->size > (size_t)(ch->heap_end - (char *)classic_payload(b)))
			return classic_bad(ch, "heap block size", b);
		if (!classic_sealed(ch, b))
			return classic_bad(ch, "heap block header check value", b);
		at = classic_block_end(b);
	}
	if (prev != ch->tail)
		return classic_bad(ch, "heap tail", prev);
	if (at != ch->heap_end)
		return classic_bad(ch, "last heap block does not end at the break", prev);
	return 0;
}

static int classic_check_mapped(struct classic_heap *ch)
{
	struct block_meta *prev = NULL, *m;
	size_t min = ch->be->page_size < CLASSIC_MMAP_THRESHOLD ?
		     ch->be->page_size : CLASSIC_MMAP_THRESHOLD;

	for (m = ch->mapped; m; prev = m, m = m->next) {
		if (m->prev != prev)
			return classic_bad(ch, "mapped prev link", m);
		if (m->status == CLASSIC_QUARANTINED && m->size == 0 &&
		    classic_sealed(ch, m))
			continue;
		if (m->status != STATUS_MAPPED)
			return classic_bad(ch, "mapped block status", m);
		if (((uintptr_t)m & (ch->be->page_size - 1)) != 0)
			return classic_bad(ch, "mapping not page-aligned", m);
		if ((m->size & 7) != 0 || CLASSIC_META + m->size < min)
			return classic_bad(ch, "mapped block size", m);
		if (!classic_sealed(ch, m))
			return classic_bad(ch, "mapped block header check value", m);
		if (ch->head && (char *)m < ch->heap_end &&
		    classic_block_end(m) > ch->heap_start)
			return classic_bad(ch, "mapping inside the heap", m);
	}
	return 0;
}

static int classic_check(struct osmem_heap *h)
{
	struct classic_heap *ch = classic_of(h);
	int r;

	if (!ch->be)
		return 0;
	ch->be->lock();
	r = classic_check_heap(ch);
	if (r == 0)
		r = classic_check_mapped(ch);
	ch->be->unlock();
	return r;
}

static enum osmem_block_kind classic_kind(int status)
{
	if (status == STATUS_FREE)
		return OSMEM_BLOCK_FREE;
	return status == STATUS_MAPPED ? OSMEM_BLOCK_MAPPED : OSMEM_BLOCK_ALLOC;
}

/* Heap blocks in address order, then the mappings (newest first). */
static void classic_walk(struct osmem_heap *h,
			 void (*fn)(void *payload, size_t size,
				    enum osmem_block_kind kind, void *arg),
			 void *arg)
{
	struct classic_heap *ch = classic_of(h);

	if (!ch->be)
		return;
	ch->be->lock();
	for (struct block_meta *b = ch->head; b; b = b->next)
		fn(classic_payload(b), b->size, classic_kind(b->status), arg);
	for (struct block_meta *m = ch->mapped; m; m = m->next)
		fn(classic_payload(m), m->size, OSMEM_BLOCK_MAPPED, arg);
	ch->be->unlock();
}

/* The entries every policy shares; only the name and init differ. */
#define CLASSIC_ALLOCATOR(nm, initfn)                                        \
	{                                                                    \
		.name = (nm),                                                \
		.heap_bytes = sizeof(struct classic_heap),                   \
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
