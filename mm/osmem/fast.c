/*
 * osmem_fast: a two-level segregated-fit allocator (TLSF-style) with
 * boundary tags. Every operation costs O(1) in the number of blocks (a few
 * bit operations and list splices), plus the copy a realloc must do.
 * Pure policy: memory comes from the backend (mm/osmem/backend.h); the
 * interface is mm/osmem/allocator.h.
 *
 * Heap block layout. A block pointer b is 16-aligned and sits 16 bytes
 * below the payload; the block "owns" the bytes from its size word up to the
 * next block's size word (bsize(b) bytes, a multiple of 16, >= 32):
 *
 *        b        b+8        b+16 (payload, 16-aligned)          b+size
 *        |prev_size| size|flg| payload ........................  |prev_size| size|flg| ...
 *        '-- belongs to the     '-- free block: next_free,          '-- next block; while b
 *            previous block         prev_free links here                is free this word is
 *            (its last word)                                            b's footer (= size)
 *
 *   live heap block: 8 bytes of bookkeeping (the size word); usable size is
 *   bsize - 8 (the payload runs up to the next size word, taking in the
 *   next block's prev_size slot, which is only used while b is free).
 *   free heap block: size word, two links, footer: 32 bytes at least, so
 *   the smallest block is 32 bytes (24 usable) and payloads stay 16-aligned.
 *   flags in the size word: FREE, PREV_FREE (the block below is free, so
 *   prev_size is valid), MAPPED (never set on heap blocks), AUX (on a free
 *   block: its payload is zero apart from the links and the footer, i.e. it
 *   came straight from the backend; on a used block: a gap, see below).
 *
 *   The heap: [base][pad][first block]...[last block][epilogue][< 16 slack]
 *   The epilogue is a size-0 used block whose size word sits just below the
 *   break, so "next of the last block" needs no special case. If someone
 *   else moved the break between two extensions, the foreign bytes become a
 *   used "gap" block (AUX): walked over, never counted, never freed.
 *
 * Mapped block layout (requests >= the mmap threshold, 128 KiB by default):
 *   [map start ... | next | prev | start | len|MAPPED | payload ... ]
 *   a 32-byte header right below the payload; usually payload = start + 32,
 *   further in for memalign. The length is page-rounded; free unmaps it.
 *
 * State: one heap is one struct fast_heap in the caller's struct
 * osmem_heap_space (allocator.h); there is no global state. Each public
 * entry turns its struct osmem_heap * into the struct fast_heap *fh that
 * every internal function takes first; the lists, bitmaps, break, counters
 * and mmap threshold below all belong to that one heap.
 *
 * Invariants, per heap (check() verifies each):
 *   - heap blocks tile [first, epilogue) exactly; every payload 16-aligned;
 *   - no two adjacent free blocks (free merges with both neighbours at once);
 *   - a free block's footer equals its size, and the next block has
 *     PREV_FREE set exactly when the block is free;
 *   - every free block is on the list of its class, and nothing else is;
 *     bit sl of sl_map[fl] is set iff list (fl, sl) is non-empty, bit fl of
 *     fl_map iff sl_map[fl] != 0;
 *   - the counters in fh->st equal what a walk counts;
 *   - every byte at or above `high` (the highest break ever) in the heap is
 *     as the backend gave it (zero); an AUX free block is all zero between
 *     its links and its footer.
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
 * The heap top: when nothing fits, the break grows by what is missing above
 * the free top block, rounded to pages, at least 64 KiB (when the backend
 * refuses a step it is asked for just the missing pages). When a free (or
 * a realloc's shrink) leaves a free top block beyond the trim threshold
 * (256 KiB), it is cut back to 64 KiB (page-rounded) with a
 * negative extension, after heap_extend(0) confirms the break is still
 * where we left it; a free that does not reach the top block calls nothing.
 * When the heap cannot grow, the request is served by a mapping.
 *
 * calloc: a block carved from memory the backend has just handed over
 * (fresh heap, AUX blocks, or a new mapping) is not cleared again; any other
 * is. Memory the break passes a second time (after a trim) is not fresh.
 *
 * Locking rule: the lock is the heap's backend's (be->lock), and it guards
 * that one heap instance. Every public entry takes it once and releases it
 * before returning; internal functions never lock and never call a public
 * entry. walk() holds the lock while it calls fn, so fn must not call the
 * allocator on the same heap. init() does not lock (nothing may use the
 * heap while it is initialized).
 *
 * Counting: heap_extend_calls counts every heap_extend (including the
 * heap_extend(0) before a trim); map_calls counts pages_map and pages_remap
 * calls; unmap_calls counts pages_unmap calls.
 *
 * Misuse (double free, a pointer not from here) is reported through
 * be->report and ignored. free checks a pointer in O(1) through the
 * block's own tags (fast_heap_block) before touching anything.
 *
 * Speed: malloc and free are one call each with the hot path inlined
 * (FAST_INLINE): the lock, the size class, a list head, the split or the
 * merges, the counters; no function call but the backend's lock. docs/
 * bench.md has the instruction counts.
 */
#include "mm/osmem/allocator.h"
#include "mm/osmem/backend.h"
#include "mm/osmem/fast_index.h"
#include "libk/bitops.h"
#include "libk/printf.h"
#include "libk/string.h"
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FAST_FREE      ((size_t)1)
#define FAST_PREV_FREE ((size_t)2)
#define FAST_MAPPED    ((size_t)4)
#define FAST_AUX       ((size_t)8)
#define FAST_FLAGS     ((size_t)15)
#define FAST_MAP_HDR   32

/* For the few functions on every malloc and free path (see "free lists"). */
#define FAST_INLINE static inline __attribute__((always_inline))

struct fast_block {
	size_t prev_size;               /* valid only while PREV_FREE */
	size_t size;                    /* bytes | flags */
	struct fast_block *next_free;   /* free blocks only */
	struct fast_block *prev_free;
};

struct fast_map {
	struct fast_map *next;
	struct fast_map *prev;
	char *start;                    /* what pages_map returned */
	size_t size;                    /* mapping length | FAST_MAPPED */
};

/* One heap: everything the allocator knows lives here (allocator.h). */
struct fast_heap {
	const struct osmem_backend *be;
	size_t mmap_threshold;          /* per heap: osmem_fast_set_mmap_threshold */
	uint64_t fl_map;
	uint32_t sl_map[FAST_FL_COUNT];
	struct fast_block *lists[FAST_FL_COUNT][FAST_SL_COUNT];
	char *base;                     /* the break before our first extension */
	char *brk;                      /* the break as we left it */
	char *high;                     /* the highest break ever */
	struct fast_block *first;       /* NULL until the heap exists */
	struct fast_block *epi;
	struct fast_map *maps;
	struct osmem_stats st;          /* the counters; the rest is computed */
};

_Static_assert(sizeof(struct fast_heap) <= OSMEM_HEAP_BYTES_MAX,
	       "struct fast_heap must fit in struct osmem_heap_space");

static struct fast_heap *fast_of(struct osmem_heap *h)
{
	return (struct fast_heap *)(void *)h;
}
/* ------------------------------------------------------------ helpers ---- */

static inline size_t bsize(const struct fast_block *b)
{
	return b->size & ~FAST_FLAGS;
}

static inline bool bfree(const struct fast_block *b)
{
	return b->size & FAST_FREE;
}

static inline struct fast_block *bat(void *p, size_t off)
{
	return (struct fast_block *)((char *)p + off);
}

static inline struct fast_block *bnext(struct fast_block *b)
{
	return bat(b, bsize(b));
}

static inline struct fast_block *bprev(struct fast_block *b)
{
	return (struct fast_block *)((char *)b - b->prev_size);
}

static inline void *bpayload(struct fast_block *b)
{
	return (char *)b + 16;
}

static inline struct fast_block *bfrom(void *p)
{
	return (struct fast_block *)((char *)p - 16);
}

static inline char *ptr_up(void *p, size_t a)
{
	return (char *)(uintptr_t)bit_align_up((uintptr_t)p, a);
}

static inline char *ptr_down(void *p, size_t a)
{
	return (char *)(uintptr_t)bit_align_down((uintptr_t)p, a);
}

static void fast_report(struct fast_heap *fh, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void fast_report(struct fast_heap *fh, const char *fmt, ...)
{
	char msg[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (fh->be && fh->be->report)
		fh->be->report(msg);
}

/* The heap's backend's lock (be may be NULL before init). Callers on the
 * hot path keep be in a local: it is loaded and tested once per call. */
static inline void fast_lock(const struct osmem_backend *be)
{
	if (be && be->lock)
		be->lock();
}

static inline void fast_unlock(const struct osmem_backend *be)
{
	if (be && be->unlock)
		be->unlock();
}

/* Live-block counters follow a block's size: drop before a resize, add after. */
static inline void fast_used_add(struct fast_heap *fh, struct fast_block *b)
{
	fh->st.blocks_in_use++;
	fh->st.bytes_in_use += bsize(b) - FAST_HDR;
}

static inline void fast_used_sub(struct fast_heap *fh, struct fast_block *b)
{
	fh->st.blocks_in_use--;
	fh->st.bytes_in_use -= bsize(b) - FAST_HDR;
}

/* --------------------------------------------------------- free lists ---- */

/*
 * Malloc and free run through these on every call, so they are inlined and
 * do no more than they must: a block inside a list is unlinked without
 * computing its class (only a list head needs it), and link/unlink leave
 * the free counters to their callers, which add up a whole operation's
 * change at once. fast_list_remove and fast_set_free (below) are the
 * counted forms, for the paths that are not hot.
 */
static inline void fast_bits_set(struct fast_heap *fh, unsigned fl, unsigned sl)
{
	fh->sl_map[fl] |= 1u << sl;
	fh->fl_map |= (uint64_t)1 << fl;
}

static inline void fast_bits_clear(struct fast_heap *fh, unsigned fl,
				   unsigned sl)
{
	fh->sl_map[fl] &= ~(1u << sl);
	if (!fh->sl_map[fl])
		fh->fl_map &= ~((uint64_t)1 << fl);
}

/* Put free block b (of `size` bytes) at the head of its class's list. */
FAST_INLINE void fast_list_link(struct fast_heap *fh, struct fast_block *b,
				size_t size)
{
	struct fast_block *head;
	unsigned fl, sl;

	fast_index(size, &fl, &sl);
	head = fh->lists[fl][sl];
	b->prev_free = NULL;
	b->next_free = head;
	if (head)
		head->prev_free = b;
	else
		fast_bits_set(fh, fl, sl);
	fh->lists[fl][sl] = b;
}

/* Take b, the head of list (fl, sl), off it. */
FAST_INLINE void fast_list_pop(struct fast_heap *fh, struct fast_block *b,
			       unsigned fl, unsigned sl)
{
	struct fast_block *next = b->next_free;

	fh->lists[fl][sl] = next;
	if (next)
		next->prev_free = NULL;
	else
		fast_bits_clear(fh, fl, sl);
}

FAST_INLINE void fast_list_unlink(struct fast_heap *fh, struct fast_block *b)
{
	struct fast_block *prev = b->prev_free, *next = b->next_free;
	unsigned fl, sl;

	if (!prev) {
		fast_index(bsize(b), &fl, &sl);
		fast_list_pop(fh, b, fl, sl);
		return;
	}
	prev->next_free = next;
	if (next)
		next->prev_free = prev;
}

static void fast_list_remove(struct fast_heap *fh, struct fast_block *b)
{
	fast_list_unlink(fh, b);
	fh->st.blocks_free--;
	fh->st.bytes_free -= bsize(b) - FAST_HDR;
}

/*
 * The head of the smallest non-empty class at or above (*fl, *sl), its
 * class left in (*fl, *sl); NULL when there is none.
 */
FAST_INLINE struct fast_block *fast_first_from(struct fast_heap *fh,
					       unsigned *fl, unsigned *sl)
{
	uint64_t fmap;
	uint32_t smap;
	unsigned f = *fl;

	if (f >= FAST_FL_COUNT)
		return NULL;
	smap = fh->sl_map[f] & (~0u << *sl);
	if (!smap) {
		fmap = fh->fl_map & (~(uint64_t)0 << (f + 1));
		if (!fmap)
			return NULL;
		f = (unsigned)bit_ffs64(fmap);
		smap = fh->sl_map[f];
	}
	*fl = f;
	*sl = (unsigned)bit_ffs64(smap);
	return fh->lists[f][*sl];
}

/*
 * A free block of at least r bytes (r < FAST_BLOCK_MAX), by the rule in the
 * comment on top: always the head of its list, whose class is left in
 * (*fl, *sl) for fast_list_pop. Below FAST_EXACT_LIMIT the first look
 * (the head of r's own class, which holds only size r) is the answer
 * whenever that list is not empty.
 */
FAST_INLINE struct fast_block *fast_find(struct fast_heap *fh, size_t r,
					 unsigned *fl, unsigned *sl)
{
	struct fast_block *b;
	size_t R;

	fast_index(r, fl, sl);
	b = fh->lists[*fl][*sl];
	if (b && bsize(b) >= r)
		return b;
	R = fast_round_class(r);
	if (R >= FAST_BLOCK_MAX)
		return NULL;
	fast_index(R, fl, sl);
	return fast_first_from(fh, fl, sl);
}

/* ----------------------------------------------------- block surgery ---- */

/* Mark b (size bytes, neither neighbour free) free and link it; the
 * caller counts it. */
FAST_INLINE void fast_file(struct fast_heap *fh, struct fast_block *b,
			   size_t size, size_t aux)
{
	struct fast_block *n;

	b->size = size | FAST_FREE | aux;
	n = bat(b, size);
	n->prev_size = size;
	n->size |= FAST_PREV_FREE;
	fast_list_link(fh, b, size);
}

/* fast_file, counted. */
static void fast_set_free(struct fast_heap *fh, struct fast_block *b,
			  size_t size, size_t aux)
{
	fast_file(fh, b, size, aux);
	fh->st.blocks_free++;
	fh->st.bytes_free += size - FAST_HDR;
}

/*
 * b is a block on no list and not counted as live, its size word valid
 * (with PREV_FREE): merge it with its free neighbours and file the result,
 * which is returned (its size in *sizep if not NULL). The AUX (fresh) mark
 * survives only when nothing merges.
 * Counting: the free blocks go up by 1 less the merges, and the free bytes
 * by b's size less 8 per block that remains (each merge frees a header).
 */
FAST_INLINE struct fast_block *fast_release(struct fast_heap *fh,
					    struct fast_block *b, size_t aux,
					    size_t *sizep)
{
	size_t size = bsize(b), added = size, blocks = 1;
	struct fast_block *n = bat(b, size);

	if (b->size & FAST_PREV_FREE) {
		b = bprev(b);
		fast_list_unlink(fh, b);
		size += bsize(b);
		blocks--;
		aux = 0;
	}
	if (bfree(n)) {
		fast_list_unlink(fh, n);
		size += bsize(n);
		blocks--;
		aux = 0;
	}
	fast_file(fh, b, size, aux);
	/* blocks is 1, 0 or "-1": unsigned arithmetic wraps as intended. */
	fh->st.blocks_free += blocks;
	fh->st.bytes_free += added - FAST_HDR * blocks;
	if (sizep)
		*sizep = size;
	return b;
}

/* Cut used block b (not counted as live) to r bytes when the rest can be a
 * block of its own; the rest is released (it may merge with the next).
 * Returns the free block the rest became, or NULL when b was not cut. */
static struct fast_block *fast_split(struct fast_heap *fh,
				     struct fast_block *b, size_t r, size_t aux)
{
	size_t size = bsize(b);
	struct fast_block *rest;

	if (size - r < FAST_MIN_BLOCK)
		return NULL;
	b->size = r | (b->size & FAST_PREV_FREE);
	rest = bat(b, r);
	rest->size = size - r;          /* its previous block, b, is in use */
	return fast_release(fh, rest, aux, NULL);
}

/*
 * Take free block b, unlinked from its list but still counted free, for a
 * block of r <= bsize(b) bytes. Returns true when the payload is all zero
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
	size_t size = bsize(b), aux = b->size & FAST_AUX;
	struct fast_block *n = bat(b, size);

	if (aux) {
		b->next_free = NULL;
		b->prev_free = NULL;
	}
	if (size - r >= FAST_MIN_BLOCK) {
		b->size = r;
		fast_file(fh, bat(b, r), size - r, aux);
		fh->st.bytes_free -= r;         /* one free block still */
		size = r;
	} else {
		b->size = size;
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

/* ----------------------------------------------------------- heap top ---- */

static char *fast_extend(struct fast_heap *fh, intptr_t delta)
{
	size_t heap = fh->first ? (size_t)(fh->brk - fh->base) : 0;

	if (delta > 0 && (size_t)delta > FAST_BLOCK_MAX / 2 - heap)
		return OSMEM_BRK_FAIL;
	fh->st.heap_extend_calls++;
	return fh->be->heap_extend(delta);
}

/* Zero [from, to) when the new bytes are fresh: our old epilogue/footer
 * words and the alignment slack end up inside a fresh free block. */
static void fast_wipe(char *from, char *to)
{
	if (to > from)
		memset(from, 0, (size_t)(to - from));
}

/* The first extension: one free block from the first 16-aligned slot up to
 * the epilogue under the new break. */
static void fast_heap_start(struct fast_heap *fh, char *old, char *end,
			    size_t aux)
{
	struct fast_block *b = (struct fast_block *)ptr_up(old, FAST_ALIGN);
	struct fast_block *e = (struct fast_block *)ptr_down(end - 16, FAST_ALIGN);

	fh->base = old;
	fh->first = b;
	fh->epi = e;
	e->size = 0;
	b->size = 0;
	fast_set_free(fh, b, (size_t)((char *)e - (char *)b), aux);
}

/* The break moved up behind our back: the foreign bytes become a gap
 * block, the new memory a free block after it. */
static void fast_heap_gap(struct fast_heap *fh, char *old, char *end,
			  size_t aux)
{
	struct fast_block *e = fh->epi;
	struct fast_block *b = (struct fast_block *)ptr_up(old, FAST_ALIGN);
	struct fast_block *ne = (struct fast_block *)ptr_down(end - 16, FAST_ALIGN);

	e->size = (size_t)((char *)b - (char *)e) | FAST_AUX |
		  (e->size & FAST_PREV_FREE);
	b->size = 0;
	ne->size = 0;
	fh->epi = ne;
	fast_set_free(fh, b, (size_t)((char *)ne - (char *)b), aux);
}

/* The break moved up by delta from where we left it: the old epilogue
 * becomes (or merges into) a free top block. */
static void fast_heap_more(struct fast_heap *fh, size_t delta, size_t aux)
{
	struct fast_block *e = fh->epi, *b = e;
	struct fast_block *ne = bat(e, delta);
	size_t size = delta;

	ne->size = 0;
	fh->epi = ne;
	if (e->size & FAST_PREV_FREE) {
		b = bprev(e);
		fast_list_remove(fh, b);
		size += bsize(b);
		aux &= b->size;
		if (aux)
			fast_wipe((char *)e, fh->brk);
	} else {
		b->size = 0;
		if (aux)
			fast_wipe((char *)e + 16, fh->brk);
	}
	fast_set_free(fh, b, size, aux);
}

/* The free block at the top, or NULL. */
static struct fast_block *fast_top(struct fast_heap *fh)
{
	if (fh->first && (fh->epi->size & FAST_PREV_FREE))
		return bprev(fh->epi);
	return NULL;
}

/* One extension towards a top free block of r bytes; *moved when the break
 * was not where we left it (a gap block now sits below the new memory). */
static struct fast_block *fast_grow_once(struct fast_heap *fh, size_t r,
					 bool *moved)
{
	struct fast_block *top = fast_top(fh);
	size_t page = fh->be->page_size, have = top ? bsize(top) : 0;
	size_t need, delta, aux;
	char *old;

	*moved = false;
	if (have >= r)
		return top;
	/* A new heap also pays for alignment, the epilogue and its slack. */
	need = bit_align_up(r - have + (fh->first ? 0 : 3 * FAST_ALIGN), page);
	delta = need > FAST_GROW_STEP ? need : bit_align_up(FAST_GROW_STEP, page);
	old = fast_extend(fh, (intptr_t)delta);
	if (old == OSMEM_BRK_FAIL && delta > need) {
		delta = need;
		old = fast_extend(fh, (intptr_t)delta);
	}
	if (old == OSMEM_BRK_FAIL)
		return NULL;
	if (fh->first && old < fh->brk) {
		fast_report(fh, "fast: the break moved below the heap (%p < %p)",
			    (void *)old, (void *)fh->brk);
		return NULL;
	}
	aux = old >= fh->high ? FAST_AUX : 0;
	if (!fh->first) {
		fast_heap_start(fh, old, old + delta, aux);
	} else if (old != fh->brk) {
		fast_heap_gap(fh, old, old + delta, aux);
		*moved = true;
	} else {
		fast_heap_more(fh, delta, aux);
	}
	fh->brk = old + delta;
	if (fh->brk > fh->high)
		fh->high = fh->brk;
	top = fast_top(fh);
	return bsize(top) >= r ? top : NULL;
}

/*
 * Grow the break so that the top free block has at least r bytes; returns
 * it (still on its list), or NULL when the backend refuses. After a gap the
 * new top is not the old one: grow once more from there.
 */
static struct fast_block *fast_grow(struct fast_heap *fh, size_t r)
{
	struct fast_block *top;
	bool moved;

	top = fast_grow_once(fh, r, &moved);
	if (!top && moved)
		top = fast_grow_once(fh, r, &moved);
	return top;
}

/* Give free top block `top` back down to FAST_TRIM_KEEP (page-rounded). */
static void fast_trim(struct fast_heap *fh, struct fast_block *top)
{
	size_t size = bsize(top), cut, aux;
	struct fast_block *ne;

	cut = bit_align_down(size - FAST_TRIM_KEEP, fh->be->page_size);
	/* Someone else's memory may lie above our break. */
	if (fast_extend(fh, 0) != fh->brk)
		return;
	if (fast_extend(fh, -(intptr_t)cut) == OSMEM_BRK_FAIL)
		return;
	aux = top->size & FAST_AUX;
	fast_list_remove(fh, top);
	ne = (struct fast_block *)((char *)fh->epi - cut);
	ne->size = 0;
	fh->epi = ne;
	fh->brk -= cut;
	fast_set_free(fh, top, size - cut, aux);
}

/*
 * b (size bytes) was just filed as a free block: trim when it is the top
 * block and larger than FAST_TRIM_THRESHOLD. Only a release can make the
 * top block pass the threshold (growth leaves less than a step free above
 * the block it was for), so this check after each release that may reach
 * the top replaces a look at the top on every call.
 */
static inline void fast_trim_if_top(struct fast_heap *fh, struct fast_block *b,
				    size_t size)
{
	if (bat(b, size) == fh->epi && size > FAST_TRIM_THRESHOLD)
		fast_trim(fh, b);
}

/* ------------------------------------------------------------ mappings ---- */

static struct fast_map *fast_map_of(void *p)
{
	return (struct fast_map *)((char *)p - FAST_MAP_HDR);
}

static size_t fast_map_len(const struct fast_map *h)
{
	return h->size & ~FAST_FLAGS;
}

/* len = page-rounded (lead + n), false on overflow. */
static bool fast_map_size(struct fast_heap *fh, size_t n, size_t lead,
			  size_t *len)
{
	uint64_t v;

	if (n > (size_t)PTRDIFF_MAX - lead)
		return false;
	if (!bit_align_up_checked(n + lead, fh->be->page_size, &v))
		return false;
	*len = (size_t)v;
	return true;
}

/* A mapping with an align-aligned payload of n bytes (align a power of two
 * >= 16): the payload sits max(32, align) bytes in at most. */
static void *fast_map_alloc(struct fast_heap *fh, size_t n, size_t align)
{
	size_t lead = align > FAST_MAP_HDR ? align : FAST_MAP_HDR, len;
	struct fast_map *h;
	char *m, *p;

	if (!fast_map_size(fh, n, lead, &len))
		return NULL;
	fh->st.map_calls++;
	m = fh->be->pages_map(len);
	if (!m)
		return NULL;
	p = ptr_up(m + FAST_MAP_HDR, align);
	h = fast_map_of(p);
	h->start = m;
	h->size = len | FAST_MAPPED;
	h->prev = NULL;
	h->next = fh->maps;
	if (fh->maps)
		fh->maps->prev = h;
	fh->maps = h;
	fh->st.mapped_blocks++;
	fh->st.mapped_bytes += len;
	return p;
}

static void fast_map_free(struct fast_heap *fh, struct fast_map *h)
{
	size_t len = fast_map_len(h);

	if (h->prev)
		h->prev->next = h->next;
	else
		fh->maps = h->next;
	if (h->next)
		h->next->prev = h->prev;
	fh->st.mapped_blocks--;
	fh->st.mapped_bytes -= len;
	fh->st.unmap_calls++;
	if (fh->be->pages_unmap(h->start, len) != 0)
		fast_report(fh, "fast: pages_unmap(%p, %zu) failed; leaked",
			    (void *)h->start, len);
}

static size_t fast_map_usable(struct fast_map *h, void *p)
{
	return (size_t)(h->start + fast_map_len(h) - (char *)p);
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
	return bpayload(b);
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
	/* Large, or the heap cannot grow: a mapping (zeroed by contract). */
	*zero = true;
	return fast_map_alloc(fh, n, FAST_ALIGN);
}

/* fast_alloc out of line: for realloc and memalign, whose own work
 * outweighs a call (malloc and calloc inline it). */
static void *fast_alloc_any(struct fast_heap *fh, size_t n, bool *zero)
{
	return fast_alloc(fh, n, zero);
}

FAST_INLINE void fast_heap_free(struct fast_heap *fh, struct fast_block *b)
{
	size_t size;

	fast_used_sub(fh, b);
	b = fast_release(fh, b, 0, &size);
	fast_trim_if_top(fh, b, size);
}

/*
 * p, by its own tags, is a live heap block: inside the heap, 16-aligned,
 * its size word neither free, mapped nor a gap, its size within the heap,
 * and the next block not marked as following a free one. O(1), a few
 * loads; it catches double frees and most wild pointers, not all. NULL
 * for anything else (a mapping, or misuse: fast_lookup tells which).
 */
FAST_INLINE struct fast_block *fast_heap_block(struct fast_heap *fh, void *p)
{
	struct fast_block *b = bfrom(p), *e = fh->epi;
	size_t w, size;

	if (((uintptr_t)p & (FAST_ALIGN - 1)) || (char *)p <= (char *)fh->first ||
	    (char *)p >= (char *)e)
		return NULL;
	w = b->size;
	size = w & ~FAST_FLAGS;
	if ((w & (FAST_FREE | FAST_MAPPED | FAST_AUX)) || size < FAST_MIN_BLOCK ||
	    size > (size_t)((char *)e - (char *)b) ||
	    (bat(b, size)->size & FAST_PREV_FREE))
		return NULL;
	return b;
}

/*
 * What p is: 1 a live heap block, 2 a live mapping, 0 misuse (reported).
 * The checks are cheap ones: they catch double frees and most wild
 * pointers, not all.
 */
static int fast_lookup(struct fast_heap *fh, void *p, struct fast_block **bp,
		       struct fast_map **hp)
{
	char *c = p;
	size_t w;

	*bp = fast_heap_block(fh, p);
	if (*bp)
		return 1;
	if ((uintptr_t)p & (FAST_ALIGN - 1))
		goto bad;
	if (fh->first && c > (char *)fh->first && c < (char *)fh->epi) {
		if (bfrom(p)->size & FAST_FREE) {
			fast_report(fh, "fast: double free or use of freed %p", p);
			return 0;
		}
		goto bad;
	}
	w = ((size_t *)p)[-1];
	if (w & FAST_MAPPED) {
		struct fast_map *h = fast_map_of(p);

		if ((h->prev ? h->prev->next : fh->maps) == h &&
		    (!h->next || h->next->prev == h) && h->start <= (char *)h)
			*hp = h;
		else
			goto bad;
		return 2;
	}
	if (w & FAST_FREE) {
		fast_report(fh, "fast: double free or use of freed %p", p);
		return 0;
	}
bad:
	fast_report(fh, "fast: %p is not a block this allocator gave", p);
	return 0;
}

/* Not a live heap block: a mapping, or misuse (reported). */
static void fast_free_other(struct fast_heap *fh, void *p)
{
	struct fast_block *b;
	struct fast_map *h;

	switch (fast_lookup(fh, p, &b, &h)) {
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
		fast_heap_free(fh, b);
	else
		fast_free_other(fh, p);
}

/* Grow used block b in place to r bytes: absorb a free next block, growing
 * the break first when b (or that block) is the last. */
static bool fast_grow_in_place(struct fast_heap *fh, struct fast_block *b,
			       size_t r)
{
	size_t size = bsize(b);
	struct fast_block *n = bnext(b);

	if (size + (bfree(n) ? bsize(n) : 0) < r) {
		if ((bfree(n) ? bnext(n) : n) != fh->epi)
			return false;
		if (!fast_grow(fh, r - size))
			return false;
		n = bnext(b);           /* a gap may have come between */
		if (!bfree(n) || size + bsize(n) < r)
			return false;
	}
	if (!bfree(n))
		return false;
	fast_list_remove(fh, n);
	fast_used_sub(fh, b);
	b->size = (size + bsize(n)) | (b->size & FAST_PREV_FREE);
	bnext(b)->size &= ~FAST_PREV_FREE;
	fast_split(fh, b, r, 0);
	fast_used_add(fh, b);
	return true;
}

static void *fast_heap_realloc(struct fast_heap *fh, struct fast_block *b,
			       size_t n)
{
	size_t r, size = bsize(b);
	struct fast_block *rest;
	bool zero;
	void *q;

	if (fast_block_size(n, &r)) {
		if (r <= size) {
			fast_used_sub(fh, b);
			rest = fast_split(fh, b, r, 0);
			fast_used_add(fh, b);
			if (rest)
				fast_trim_if_top(fh, rest, bsize(rest));
			return bpayload(b);
		}
		if (fast_grow_in_place(fh, b, r))
			return bpayload(b);
	}
	q = fast_alloc_any(fh, n, &zero);
	if (!q)
		return NULL;
	memcpy(q, bpayload(b), size - FAST_HDR);
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
			memcpy(q, p, n);
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
			fh->st.mapped_bytes += new_len;
			fh->st.mapped_bytes -= len;
			return p;
		}
	}
	if (new_len < len && new_len >= len / 2)
		return p;
	q = fast_map_alloc(fh, n, FAST_ALIGN);
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
	switch (fast_lookup(fh, p, &b, &h)) {
	case 1:
		return fast_heap_realloc(fh, b, n);
	case 2:
		return fast_map_realloc(fh, h, p, n);
	}
	return NULL;
}

/*
 * A heap block of r bytes at an align-aligned payload (align > 16): take
 * r + align + 32 bytes, give back the leading part (at least 32 bytes, so
 * it can be a free block) and the tail.
 */
static void *fast_heap_memalign(struct fast_heap *fh, size_t align, size_t r)
{
	struct fast_block *b, *nb, *rest;
	size_t total = r + align + FAST_MIN_BLOCK, size;
	bool zero;
	char *p, *q;

	if (total >= FAST_BLOCK_MAX)
		return NULL;
	p = fast_heap_alloc(fh, total, &zero);
	if (!p)
		return NULL;
	b = bfrom(p);
	q = ptr_up(p, align);
	if (q != p) {
		if ((size_t)(q - p) < FAST_MIN_BLOCK)
			q += align;
		size = bsize(b);
		fast_used_sub(fh, b);
		nb = bfrom(q);
		nb->size = size - (size_t)(q - p);
		b->size = (size_t)(q - p) | (b->size & FAST_PREV_FREE);
		fast_release(fh, b, 0, NULL);   /* neighbours: used, and nb */
		b = nb;
		fast_used_add(fh, b);
	}
	fast_used_sub(fh, b);
	rest = fast_split(fh, b, r, 0);
	fast_used_add(fh, b);
	if (rest)
		fast_trim_if_top(fh, rest, bsize(rest));
	return bpayload(b);
}

static void *fast_memalign_locked(struct fast_heap *fh, size_t align, size_t n)
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
	    r + align + FAST_MIN_BLOCK < fh->mmap_threshold) {
		p = fast_heap_memalign(fh, align, r);
		if (p)
			return p;
	}
	return fast_map_alloc(fh, n, align);
}

/* ------------------------------------------------------- public entries ---- */

static void fast_init(struct osmem_heap *h, const struct osmem_backend *be)
{
	struct fast_heap *fh = fast_of(h);

	memset(fh, 0, sizeof(*fh));
	fh->be = be;
	fh->mmap_threshold = FAST_MMAP_THRESHOLD;
}

size_t osmem_fast_set_mmap_threshold(struct osmem_heap *h, size_t bytes)
{
	struct fast_heap *fh = fast_of(h);
	size_t old;

	fast_lock(fh->be);
	old = fh->mmap_threshold;
	fh->mmap_threshold = bytes;
	fast_unlock(fh->be);
	return old;
}

static void *fast_malloc(struct osmem_heap *h, size_t n)
{
	struct fast_heap *fh = fast_of(h);
	const struct osmem_backend *be = fh->be;
	bool zero;
	void *p;

	if (!be)
		return NULL;
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
	switch (fast_lookup(fh, p, &b, &m)) {
	case 1:
		n = bsize(b) - FAST_HDR;
		break;
	case 2:
		n = fast_map_usable(m, p);
		break;
	}
	fast_unlock(fh->be);
	return n;
}

/* The largest free block is in the highest non-empty class: scan that one
 * list (stats are for reports, not hot paths). */
static size_t fast_largest_free(struct fast_heap *fh)
{
	struct fast_block *b;
	size_t best = 0;
	int fl;

	if (!fh->fl_map)
		return 0;
	fl = bit_fls64(fh->fl_map);
	b = fh->lists[fl][bit_fls64(fh->sl_map[fl])];
	for (; b; b = b->next_free)
		if (bsize(b) > best)
			best = bsize(b);
	return best - FAST_HDR;
}

static void fast_stats(struct osmem_heap *h, struct osmem_stats *st)
{
	struct fast_heap *fh = fast_of(h);

	fast_lock(fh->be);
	*st = fh->st;
	st->heap_bytes = fh->first ? (size_t)(fh->brk - fh->base) : 0;
	st->largest_free = fast_largest_free(fh);
	fast_unlock(fh->be);
}

static void fast_walk(struct osmem_heap *h,
		      void (*fn)(void *payload, size_t size,
				 enum osmem_block_kind kind, void *arg),
		      void *arg)
{
	struct fast_heap *fh = fast_of(h);
	struct fast_block *b;
	struct fast_map *m;

	fast_lock(fh->be);
	for (b = fh->first; b && b != fh->epi; b = bnext(b)) {
		if ((b->size & FAST_AUX) && !bfree(b))
			continue;               /* a foreign gap */
		fn(bpayload(b), bsize(b) - FAST_HDR,
		   bfree(b) ? OSMEM_BLOCK_FREE : OSMEM_BLOCK_ALLOC, arg);
	}
	for (m = fh->maps; m; m = m->next) {
		void *p = (char *)m + FAST_MAP_HDR;

		fn(p, fast_map_usable(m, p), OSMEM_BLOCK_MAPPED, arg);
	}
	fast_unlock(fh->be);
}

/* ---------------------------------------------------------------- check ---- */

#define FAST_BAD(...) do { fast_report(fh, __VA_ARGS__); return -1; } while (0)

/* One heap block's own invariants; adds it to the tallies in `seen`. */
static int fast_check_block(struct fast_heap *fh, struct fast_block *b,
			    bool prev_free,
			    struct osmem_stats *seen)
{
	size_t size = bsize(b);
	struct fast_block *n;

	if (((uintptr_t)b & (FAST_ALIGN - 1)) || size < FAST_ALIGN ||
	    size > (size_t)((char *)fh->epi - (char *)b))
		FAST_BAD("fast: check: block %p has size %zu", (void *)b, size);
	if (!!(b->size & FAST_PREV_FREE) != prev_free)
		FAST_BAD("fast: check: block %p PREV_FREE is wrong", (void *)b);
	if (b->size & FAST_MAPPED)
		FAST_BAD("fast: check: heap block %p marked mapped", (void *)b);
	n = bat(b, size);
	if (!bfree(b)) {
		if (!(b->size & FAST_AUX)) {
			if (size < FAST_MIN_BLOCK)
				FAST_BAD("fast: check: block %p too small", (void *)b);
			seen->blocks_in_use++;
			seen->bytes_in_use += size - FAST_HDR;
		}
		return 0;
	}
	if (prev_free)
		FAST_BAD("fast: check: free blocks %p and the one before it are adjacent",
			 (void *)b);
	if (size < FAST_MIN_BLOCK || n->prev_size != size)
		FAST_BAD("fast: check: free block %p: size %zu, footer %zu",
			 (void *)b, size, n->prev_size);
	seen->blocks_free++;
	seen->bytes_free += size - FAST_HDR;
	return 0;
}

/* Every list: members are free heap blocks of that class, links agree,
 * bitmaps match emptiness; returns the number of members or -1. */
static long fast_check_lists(struct fast_heap *fh, size_t limit)
{
	long members = 0;
	unsigned fl, sl, f, s;

	for (fl = 0; fl < FAST_FL_COUNT; fl++) {
		if (!!(fh->fl_map & ((uint64_t)1 << fl)) != !!fh->sl_map[fl])
			FAST_BAD("fast: check: fl_map bit %u disagrees", fl);
		for (sl = 0; sl < FAST_SL_COUNT; sl++) {
			struct fast_block *b = fh->lists[fl][sl], *prev = NULL;

			if (!!(fh->sl_map[fl] & (1u << sl)) != !!b)
				FAST_BAD("fast: check: sl_map bit %u,%u disagrees", fl, sl);
			for (; b; prev = b, b = b->next_free) {
				if ((size_t)members++ > limit)
					FAST_BAD("fast: check: list %u,%u loops", fl, sl);
				if ((char *)b < (char *)fh->first ||
				    (char *)b >= (char *)fh->epi || !bfree(b) ||
				    b->prev_free != prev)
					FAST_BAD("fast: check: list %u,%u: bad member %p",
						 fl, sl, (void *)b);
				fast_index(bsize(b), &f, &s);
				if (f != fl || s != sl)
					FAST_BAD("fast: check: block %p (size %zu) on list %u,%u",
						 (void *)b, bsize(b), fl, sl);
			}
		}
	}
	return members;
}

static int fast_check_maps(struct fast_heap *fh, struct osmem_stats *seen)
{
	struct fast_map *h, *prev = NULL;
	size_t page = fh->be->page_size;

	for (h = fh->maps; h; prev = h, h = h->next) {
		size_t len = fast_map_len(h);
		char *p = (char *)h + FAST_MAP_HDR;

		if (h->prev != prev || !(h->size & FAST_MAPPED) ||
		    (len & (page - 1)) || ((uintptr_t)h->start & (page - 1)) ||
		    ((uintptr_t)p & (FAST_ALIGN - 1)) || h->start > (char *)h ||
		    p > h->start + len)
			FAST_BAD("fast: check: mapping header %p is broken", (void *)h);
		seen->mapped_blocks++;
		seen->mapped_bytes += len;
		if (seen->mapped_blocks > fh->st.mapped_blocks)
			FAST_BAD("fast: check: more mappings than counted");
	}
	return 0;
}

static int fast_check_counts(struct fast_heap *fh,
			     const struct osmem_stats *seen, long listed)
{
	if (seen->blocks_in_use != fh->st.blocks_in_use ||
	    seen->bytes_in_use != fh->st.bytes_in_use)
		FAST_BAD("fast: check: in use %zu/%zu, counted %zu/%zu",
			 seen->blocks_in_use, seen->bytes_in_use,
			 fh->st.blocks_in_use, fh->st.bytes_in_use);
	if (seen->blocks_free != fh->st.blocks_free ||
	    seen->bytes_free != fh->st.bytes_free ||
	    (size_t)listed != seen->blocks_free)
		FAST_BAD("fast: check: free %zu/%zu, counted %zu/%zu, listed %ld",
			 seen->blocks_free, seen->bytes_free,
			 fh->st.blocks_free, fh->st.bytes_free, listed);
	if (seen->mapped_blocks != fh->st.mapped_blocks ||
	    seen->mapped_bytes != fh->st.mapped_bytes)
		FAST_BAD("fast: check: mapped %zu/%zu, counted %zu/%zu",
			 seen->mapped_blocks, seen->mapped_bytes,
			 fh->st.mapped_blocks, fh->st.mapped_bytes);
	return 0;
}

static int fast_check_heap(struct fast_heap *fh, struct osmem_stats *seen)
{
	struct fast_block *b;
	bool prev_free = false;

	if (!fh->first)
		return 0;
	if ((char *)fh->first < fh->base ||
	    (char *)fh->epi + 16 > fh->brk || fh->brk > fh->high ||
	    ((uintptr_t)fh->epi & (FAST_ALIGN - 1)))
		FAST_BAD("fast: check: heap bounds %p..%p, epilogue %p",
			 (void *)fh->base, (void *)fh->brk, (void *)fh->epi);
	for (b = fh->first; b != fh->epi; b = bnext(b)) {
		if (fast_check_block(fh, b, prev_free, seen))
			return -1;
		prev_free = bfree(b);
	}
	if (bsize(fh->epi) || bfree(fh->epi) ||
	    !!(fh->epi->size & FAST_PREV_FREE) != prev_free)
		FAST_BAD("fast: check: the epilogue %p is broken", (void *)fh->epi);
	return 0;
}

static int fast_check(struct osmem_heap *h)
{
	struct fast_heap *fh = fast_of(h);
	struct osmem_stats seen;
	long listed;
	int rc = -1;

	if (!fh->be)
		return 0;
	memset(&seen, 0, sizeof(seen));
	fast_lock(fh->be);
	if (fast_check_heap(fh, &seen) == 0 && fast_check_maps(fh, &seen) == 0) {
		listed = fast_check_lists(fh, seen.blocks_free);
		if (listed >= 0 && fast_check_counts(fh, &seen, listed) == 0)
			rc = 0;
	}
	fast_unlock(fh->be);
	return rc;
}

const struct osmem_allocator osmem_fast = {
	.name = "fast",
	.heap_bytes = sizeof(struct fast_heap),
	.init = fast_init,
	.malloc = fast_malloc,
	.calloc = fast_calloc,
	.realloc = fast_realloc,
	.free = fast_free,
	.memalign = fast_memalign,
	.usable_size = fast_usable_size,
	.stats = fast_stats,
	.check = fast_check,
	.walk = fast_walk,
};
