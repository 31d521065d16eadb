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
 *   The size word: bits 0..3 flags, 4..47 the size (blocks < 2^47), 48..63
 *   on a live block a check (fast_seal: a hash of the block's address, its
 *   size and a key from be->secret), verified on every free, realloc and
 *   usable_size; free blocks' words carry none (0). So the live header
 *   stays 8 bytes and a stray write to it is caught (65535 in 65536).
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
 *   [map start ... | req | site | check | spare | next | prev | start |
 *    len|MAPPED | payload ... ]
 *   a 64-byte header (FAST_MAP_HDR) right below the payload; usually
 *   payload = start + 64, further in for memalign. The length is
 *   page-rounded; free unmaps it. check is a full word: a hash of the
 *   header's address, links, start and length with the secret, sealed
 *   again whenever one of them changes. req and site are debug mode's.
 *
 * State: one heap is one struct fast_heap in the caller's struct
 * osmem_heap_space (allocator.h); there is no global state. Each public
 * entry turns its struct osmem_heap * into the struct fast_heap *fh that
 * every internal function takes first; the lists, bitmaps, break, counters
 * and mmap threshold below all belong to that one heap.
 *
 * Invariants, per heap (check() verifies each; debug mode adds red zones
 * of live blocks and poison of free ones; live heap blocks' and mappings'
 * checks):
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
 * Misuse (always on). free, realloc and usable_size accept a pointer in
 * O(1) through the block's own tags and its check (fast_heap_block). Any
 * other pointer goes to fast_lookup, which reads no byte before the
 * pointer is known to lie in the heap [base, break) or to be the payload
 * of a listed mapping (the list is walked, each header's check verified
 * before its links are followed), so a wild pointer never faults. It then
 * names the misuse in one report (report.h: kind, op, pointer, size) made
 * before anything changes, and the operation is refused:
 *   - double free: the pointer starts a free block, or a freed block that
 *     merged into the one before it (its word is kept sealed, marked
 *     FREE); the size reported is the block's usable size while it was
 *     live (when it merged with the block after it, its sealed word is
 *     kept at b+32 for this). A mapping freed twice is found in a ring of
 *     the last FAST_FREED_MAPS mappings freed. usable_size of a freed
 *     block reports an invalid pointer instead (it names no live block).
 *   - invalid pointer: in the heap or in a mapping but not a live block's
 *     start (p+1, p+8, inside a block); size: the block it points into.
 *   - foreign pointer: neither (stack, kernel data or text, (void *)1,
 *     unmapped memory); size 0.
 *   - corrupted header: the check fails. The block is put out of use for
 *     good: a heap block becomes a gap block of its true size (found from
 *     the next valid header above it), a mapping leaves the list and stays
 *     mapped; nothing merges with it or reuses it, check() passes.
 * Classifying misuse walks the heap from its first block (fast_walk_to,
 * every header verified): O(blocks), on misuse only.
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
/* Bits 4..47 of a heap size word are the size, bits 48..63 its check. */
#define FAST_SIZE_MASK ((((size_t)1 << 48) - 1) & ~FAST_FLAGS)
#define FAST_SEAL_MASK (~(((size_t)1 << 48) - 1))
#define FAST_SEAL_MUL  0x9e3779b97f4a7c15ull
#define FAST_FREED_MAPS 8

/* For the few functions on every malloc and free path (see "free lists"). */
#define FAST_INLINE static inline __attribute__((always_inline))

struct fast_block {
	size_t prev_size;               /* valid only while PREV_FREE */
	size_t size;                    /* bytes | flags */
	struct fast_block *next_free;   /* free blocks only */
	struct fast_block *prev_free;
};

struct fast_map {
	size_t req;                     /* reserved (debug: the request) */
	const void *site;               /* reserved (debug: allocation site) */
	uint64_t check;                 /* fast_map_seal() of the fields below */
	uint64_t spare;
	struct fast_map *next;
	struct fast_map *prev;
	char *start;                    /* what pages_map returned */
	size_t size;                    /* mapping length | FAST_MAPPED */
};

_Static_assert(sizeof(struct fast_map) == FAST_MAP_HDR,
	       "the mapping header is FAST_MAP_HDR bytes");

/* One heap: everything the allocator knows lives here (allocator.h). */
struct fast_heap {
	const struct osmem_backend *be;
	/* be, or NULL in debug mode: malloc and free test one pointer for
	 * "no backend" and "debug" both. */
	const struct osmem_backend *hot_be;
	uint64_t secret;                /* be->secret, read once by init */
	uint64_t seal_key;              /* odd, derived from secret (fast_seal) */
	bool debug;                     /* be->debug, read once by init */
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
	char detail[128];               /* a report's detail (fast_report_bad) */
	const char *dbg_op;             /* debug: the entry running, its site */
	const void *dbg_free_site;
	const void *dbg_alloc_site;     /* of the block being freed */
	size_t dbg_req;                 /* its request */
	struct {                        /* the last mappings freed, for */
		void *p;                /* a second free's report */
		size_t usable;
	} freed_maps[FAST_FREED_MAPS];
	unsigned freed_next;
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
	return b->size & FAST_SIZE_MASK;
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

/* Integer arithmetic, not pointer arithmetic: p may be any value a caller
 * passed (even (void *)1), and the result is range-checked before use. */
static inline struct fast_block *bfrom(void *p)
{
	return (struct fast_block *)((uintptr_t)p - 16);
}

/*
 * The check of a live heap block's size word (its bits 48..63): a hash of
 * the block's address, its size and the heap's secret, so a header that
 * was overwritten, or forged without the secret, fails it with odds of
 * 65535 in 65536. The flags are left out: neighbours set and clear
 * PREV_FREE in place. Free blocks' size words carry no check (0).
 */
static inline size_t fast_seal(const struct fast_heap *fh,
			       const struct fast_block *b, size_t size)
{
	/* One multiply by a secret odd key: its top bits depend on every
	 * bit of address ^ size and of the key. */
	uint64_t x = ((uint64_t)(uintptr_t)b ^ size) * fh->seal_key;

	return (size_t)x & FAST_SEAL_MASK;
}

/* Make b a live block of `size` bytes; flags: PREV_FREE or 0. */
static inline void fast_set_used(struct fast_heap *fh, struct fast_block *b,
				 size_t size, size_t flags)
{
	b->size = size | flags | fast_seal(fh, b, size);
}

/* b's size word is a live block's, sealed: the flags are not checked. */
static inline bool fast_sealed(const struct fast_heap *fh,
			       const struct fast_block *b, size_t w)
{
	return (w & FAST_SEAL_MASK) == fast_seal(fh, b, w & FAST_SIZE_MASK);
}

static inline char *ptr_up(void *p, size_t a)
{
	return (char *)(uintptr_t)bit_align_up((uintptr_t)p, a);
}

static inline char *ptr_down(void *p, size_t a)
{
	return (char *)(uintptr_t)bit_align_down((uintptr_t)p, a);
}

/* One misuse or broken invariant, to the home (report.h); made before
 * anything is changed, the operation is then refused by the caller. */
static void fast_report(struct fast_heap *fh, enum osmem_fault fault,
			const char *op, const void *ptr, size_t size,
			const char *detail)
{
	struct osmem_report r = {
		.fault = fault, .op = op, .ptr = ptr, .size = size,
		.detail = detail,
	};

	if (fh->be && fh->be->report)
		fh->be->report(&r);
}

/* A heap-checker finding: detail formatted into the heap's own buffer
 * (the checker runs under the lock, so one buffer per heap suffices). */
static void fast_report_bad(struct fast_heap *fh, const void *ptr,
			    const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void fast_report_bad(struct fast_heap *fh, const void *ptr,
			    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(fh->detail, sizeof(fh->detail), fmt, ap);
	va_end(ap);
	fast_report(fh, OSMEM_FAULT_HEAP_CORRUPT, "check", ptr, 0, fh->detail);
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

static void fast_dbg_poison(struct fast_block *b, size_t size);

/* fast_file, counted. */
static void fast_set_free(struct fast_heap *fh, struct fast_block *b,
			  size_t size, size_t aux)
{
	/* Debug mode: new and trimmed top blocks are poison, never "fresh". */
	if (fh->debug) {
		aux = 0;
		fast_dbg_poison(b, size);
	}
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
FAST_INLINE struct fast_block *fast_release_plain(struct fast_heap *fh,
						  struct fast_block *b,
						  size_t aux, size_t *sizep)
{
	size_t w0 = b->size, size = bsize(b), added = size, blocks = 1;
	struct fast_block *n = bat(b, size), *b0 = b;

	if (w0 & FAST_PREV_FREE) {
		/* b's word becomes payload of the merged block: marked free
		 * (sealed still), so a second free of b is told a double free. */
		b->size |= FAST_FREE;
		b = bprev(b);
		fast_list_unlink(fh, b);
		size += bsize(b);
		blocks--;
		aux = 0;
	}
	if (bfree(n)) {
		/* b heads the merged block, whose size word hides b's own: keep
		 * b's sealed word at b+32 (inside, past the links) for the
		 * report of a second free. */
		if (b == b0)
			*(size_t *)((char *)b + 32) = w0;
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

/* ------------------------------------------------- debug mode: blocks ---- */

/*
 * Debug mode's per-block state (layout in the comment on top). These run
 * only when fh->debug; the release hook is the one branch they add to the
 * always-on paths.
 */
#define FAST_DBG_RED      0xfb          /* red zone bytes */
#define FAST_DBG_POISON   0xdf          /* freed bytes */
#define FAST_DBG_META     16            /* request, allocation site */
#define FAST_DBG_FREE_OFF 56            /* poison starts here in a free block */
#define FAST_DBG_WORD     0xdfdfdfdfdfdfdfdfull

static const void *fast_dbg_site(struct fast_heap *fh)
{
	return fh->be->caller ? fh->be->caller() : NULL;
}

static void fast_report_sites(struct fast_heap *fh, enum osmem_fault fault,
			      const char *op, const void *ptr, size_t size,
			      const char *detail, const void *alloc_site,
			      const void *free_site)
{
	struct osmem_report r = {
		.fault = fault, .op = op, .ptr = ptr, .size = size,
		.alloc_site = alloc_site, .free_site = free_site,
		.detail = detail,
	};

	if (fh->be && fh->be->report)
		fh->be->report(&r);
}

/* A free block's recorded sites (NULL when it is too small to hold them). */
static const void *fast_dbg_free_site(struct fast_block *b)
{
	return bsize(b) >= FAST_DBG_FREE_OFF ? *(const void **)((char *)b + 32) : NULL;
}

static const void *fast_dbg_freed_alloc_site(struct fast_block *b)
{
	return bsize(b) >= FAST_DBG_FREE_OFF ? *(const void **)((char *)b + 40) : NULL;
}

/* Every byte of free block b past its header and sites is poison. */
static bool fast_dbg_poisoned(struct fast_block *b)
{
	const uint64_t *w = (const uint64_t *)((char *)b + FAST_DBG_FREE_OFF);
	const uint64_t *end = (const uint64_t *)((char *)b + bsize(b));

	for (; w < end; w++)
		if (*w != FAST_DBG_WORD)
			return false;
	return true;
}

static void fast_dbg_poison(struct fast_block *b, size_t size)
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

static bool fast_size_fits(struct fast_heap *fh, struct fast_block *b,
			   size_t size);
static struct fast_block *fast_top(struct fast_heap *fh);

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

static size_t fast_freed_size(struct fast_heap *fh, struct fast_block *c);

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
static void fast_dbg_quarantine(struct fast_heap *fh, struct fast_block *x,
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
 * merge (a written one is quarantined instead), the merged block is
 * poisoned whole, and when b heads it, b's sites are kept in it.
 */
static struct fast_block *fast_dbg_release(struct fast_heap *fh,
					   struct fast_block *b, size_t *sizep)
{
	struct fast_block *n = bnext(b), *m;
	const void *asite = fh->dbg_alloc_site;
	size_t size;

	if ((b->size & FAST_PREV_FREE) && !fast_dbg_intact(fh, bprev(b)))
		fast_dbg_quarantine(fh, bprev(b), fh->dbg_op);
	if (bfree(n) && !fast_dbg_intact(fh, n))
		fast_dbg_quarantine(fh, n, fh->dbg_op);
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
 * block of its own; the rest is released (it may merge with the next).
 * Returns the free block the rest became, or NULL when b was not cut. */
static struct fast_block *fast_split(struct fast_heap *fh,
				     struct fast_block *b, size_t r, size_t aux)
{
	size_t size = bsize(b);
	struct fast_block *rest;

	if (size - r < FAST_MIN_BLOCK)
		return NULL;
	fast_set_used(fh, b, r, b->size & FAST_PREV_FREE);
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
		fast_set_used(fh, b, r, 0);
		fast_file(fh, bat(b, r), size - r, aux);
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
		fast_report(fh, OSMEM_FAULT_BACKEND, "malloc", old, 0,
			    "the break moved below the heap");
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

/*
 * A mapping header's check word: a hash of its address, its links, start
 * and size, and the heap's secret. Whoever changes one of those fields
 * seals the header again (fast_map_reseal).
 */
static uint64_t fast_map_seal(const struct fast_heap *fh,
			      const struct fast_map *h)
{
	uint64_t x = (uint64_t)(uintptr_t)h ^ fh->secret;

	x = (x ^ (uint64_t)(uintptr_t)h->next) * FAST_SEAL_MUL;
	x = (x ^ (uint64_t)(uintptr_t)h->prev) * FAST_SEAL_MUL;
	x = (x ^ (uint64_t)(uintptr_t)h->start) * FAST_SEAL_MUL;
	x = (x ^ h->size) * FAST_SEAL_MUL;
	return x ^ (x >> 29);
}

static void fast_map_reseal(struct fast_heap *fh, struct fast_map *h)
{
	if (h)
		h->check = fast_map_seal(fh, h);
}

static size_t fast_map_usable(struct fast_map *h, void *p);

/* Mapping h is going away: remember its payload and usable size, so a
 * second free of it is named for what it is. */
static void fast_map_forget(struct fast_heap *fh, struct fast_map *h)
{
	void *p = (char *)h + FAST_MAP_HDR;
	unsigned i = fh->freed_next++ % FAST_FREED_MAPS;

	fh->freed_maps[i].p = p;
	fh->freed_maps[i].usable = fh->debug ? h->req : fast_map_usable(h, p);
}

/* A new mapping at p: p is live again. */
static void fast_map_reborn(struct fast_heap *fh, void *p)
{
	for (unsigned i = 0; i < FAST_FREED_MAPS; i++)
		if (fh->freed_maps[i].p == p)
			fh->freed_maps[i].p = NULL;
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
 * >= 16): the payload sits max(FAST_MAP_HDR, align) bytes in at most. */
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
	h->req = 0;
	h->site = NULL;
	h->spare = 0;
	h->start = m;
	h->size = len | FAST_MAPPED;
	h->prev = NULL;
	h->next = fh->maps;
	if (fh->maps) {
		fh->maps->prev = h;
		fast_map_reseal(fh, fh->maps);
	}
	fh->maps = h;
	fast_map_reseal(fh, h);
	fast_map_reborn(fh, p);
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
	fast_map_reseal(fh, h->prev);
	fast_map_reseal(fh, h->next);
	h->check = 0;           /* a stale pointer to it no longer passes */
	fast_map_forget(fh, h);
	fh->st.mapped_blocks--;
	fh->st.mapped_bytes -= len;
	fh->st.unmap_calls++;
	if (fh->be->pages_unmap(h->start, len) != 0)
		fast_report(fh, OSMEM_FAULT_BACKEND, "free", h->start, len,
			    "pages_unmap failed; the mapping is leaked");
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

/* The always-on free of a live heap block (never in debug mode: the
 * public entries send debug heaps elsewhere). */
FAST_INLINE void fast_heap_free_plain(struct fast_heap *fh, struct fast_block *b)
{
	size_t size;

	fast_used_sub(fh, b);
	b = fast_release_plain(fh, b, 0, &size);
	fast_trim_if_top(fh, b, size);
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
 * its check (fast_seal) right, and the next block not marked as following
 * a free one. O(1), a few loads, reading only heap memory. NULL for
 * anything else (a mapping, or misuse: fast_lookup tells which).
 */
FAST_INLINE struct fast_block *fast_heap_block(struct fast_heap *fh, void *p)
{
	struct fast_block *b = bfrom(p), *e = fh->epi;
	size_t w, size;

	if (((uintptr_t)p & (FAST_ALIGN - 1)) || (char *)p <= (char *)fh->first ||
	    (char *)p >= (char *)e)
		return NULL;
	w = b->size;
	size = w & FAST_SIZE_MASK;
	if ((w & (FAST_FREE | FAST_MAPPED | FAST_AUX)) || size < FAST_MIN_BLOCK ||
	    size > (size_t)((char *)e - (char *)b) || !fast_sealed(fh, b, w) ||
	    (bat(b, size)->size & FAST_PREV_FREE))
		return NULL;
	return b;
}

/* A size word's size is one a block at b could have (never reads). */
static bool fast_size_fits(struct fast_heap *fh, struct fast_block *b,
			   size_t size)
{
	return size >= FAST_ALIGN && !(size & (FAST_ALIGN - 1)) &&
	       size <= (size_t)((char *)fh->epi - (char *)b);
}

/*
 * The block of the heap's tiling that holds address c, by a walk from the
 * first block that trusts no header it has not checked: a live block's
 * seal, any block's size against the heap's end. Returns it, or NULL with
 * *broken set to the first block whose header fails (or NULL if none).
 * O(blocks): for misuse reports only.
 */
static struct fast_block *fast_walk_to(struct fast_heap *fh, char *c,
				       struct fast_block **broken)
{
	struct fast_block *b;
	size_t w, size;

	*broken = NULL;
	for (b = fh->first; b != fh->epi; b = bat(b, size)) {
		w = b->size;
		size = w & FAST_SIZE_MASK;
		if (!fast_size_fits(fh, b, size) || (w & FAST_MAPPED) ||
		    (!(w & (FAST_FREE | FAST_AUX)) && !fast_sealed(fh, b, w))) {
			*broken = b;
			return NULL;
		}
		if (c < (char *)b + size)
			return b;
	}
	return NULL;
}

/*
 * p lies in the heap but is not a live block's payload: say what it is.
 * At a block start: the block is free (double free) or its header fails
 * its check (corrupted). Inside a free block, at a sealed header marked
 * free: a block freed earlier and merged into its neighbour (double free,
 * with its own size). Anything else is an invalid pointer; the size
 * reported is then that of the block p points into.
 */
/* A freed block given again: a double free for free and realloc; for
 * usable_size, a pointer that names no live block. */
static enum osmem_fault fast_freed_fault(const char *op)
{
	return op[0] == 'u' ? OSMEM_FAULT_INVALID_POINTER : OSMEM_FAULT_DOUBLE_FREE;
}

/*
 * The usable size free block c had when it was live and c was its start:
 * its own size, or, when it merged with the free block after it, the
 * sealed word kept at c+32 (fast_release_plain); debug mode: the request
 * kept at c+48 (fast_dbg_release).
 */
static size_t fast_freed_size(struct fast_heap *fh, struct fast_block *c)
{
	size_t w, size = bsize(c);

	if (fh->debug)
		return size >= FAST_DBG_FREE_OFF ?
		       *(size_t *)((char *)c + 48) : 0;
	if (size <= 40)
		return size - FAST_HDR;
	w = *(size_t *)((char *)c + 32);
	if (fast_sealed(fh, c, w) && (w & FAST_SIZE_MASK) >= FAST_MIN_BLOCK &&
	    (w & FAST_SIZE_MASK) < size)
		return (w & FAST_SIZE_MASK) - FAST_HDR;
	return size - FAST_HDR;
}

/* What usable_size says of live block c (debug: its request). */
static size_t fast_live_size(struct fast_heap *fh, struct fast_block *c)
{
	size_t room = bsize(c) - FAST_HDR;

	if (fh->debug && !bfree(c) && room >= FAST_DBG_META) {
		size_t req = *(size_t *)((char *)bpayload(c) + room - FAST_DBG_META);

		return req < room - FAST_DBG_META ? req : 0;
	}
	return room;
}

/*
 * Live block b's header failed its check: take b out of use for good. Its
 * true size is found from the block after it, the first 16-aligned place
 * above b holding a header that checks out (a sealed live block, a free
 * block whose footer agrees, or the epilogue); b becomes a gap block of
 * that size (walked over, never counted, freed, merged or reused). When no
 * such place is found b stays as it is (check() then reports it).
 */
static void fast_quarantine_broken(struct fast_heap *fh, struct fast_block *b)
{
	struct fast_block *prev, *x;
	char *e = (char *)fh->epi;

	for (size_t s = FAST_MIN_BLOCK; s <= (size_t)(e - (char *)b); s += FAST_ALIGN) {
		struct fast_block *n = bat(b, s);
		size_t w = n->size, ns = w & FAST_SIZE_MASK;
		bool ok;

		if ((char *)n == e)
			ok = ns == 0 && !(w & (FAST_FREE | FAST_PREV_FREE));
		else if (w & FAST_FREE)
			ok = !(w & FAST_SEAL_MASK) && fast_size_fits(fh, n, ns) &&
			     ns >= FAST_MIN_BLOCK && bat(n, ns)->prev_size == ns;
		else
			ok = !(w & (FAST_AUX | FAST_MAPPED | FAST_PREV_FREE)) &&
			     fast_size_fits(fh, n, ns) && fast_sealed(fh, n, w);
		if (!ok)
			continue;
		/* The flags cannot be trusted either: PREV_FREE from the
		 * block before b (the walk reached b through it). */
		prev = b == fh->first ? NULL : fast_walk_to(fh, (char *)b - 1, &x);
		fh->st.blocks_in_use--;
		fh->st.bytes_in_use -= s - FAST_HDR;
		b->size = s | FAST_AUX | (prev && bfree(prev) ? FAST_PREV_FREE : 0);
		return;
	}
}

static void fast_heap_misuse(struct fast_heap *fh, void *p, const char *op)
{
	struct fast_block *b = bfrom(p), *c, *broken;
	size_t w;

	if ((char *)p <= (char *)fh->first || (char *)p >= (char *)fh->epi) {
		fast_report(fh, OSMEM_FAULT_INVALID_POINTER, op, p, 0, NULL);
		return;
	}
	c = fast_walk_to(fh, (char *)b, &broken);
	if (!c) {
		if (broken == b) {
			fast_report(fh, OSMEM_FAULT_CORRUPT_HEADER, op, p, 0,
				    "size word fails its check");
			fast_quarantine_broken(fh, b);
		} else {
			fast_report(fh, OSMEM_FAULT_HEAP_CORRUPT, op, p, 0,
				    "a block header before it is broken");
		}
		return;
	}
	/* A misaligned p is never a block start: its word is not read. */
	w = (uintptr_t)p & (FAST_ALIGN - 1) ? 0 : b->size;
	if (c == b && bfree(c)) {
		fast_report_sites(fh, fast_freed_fault(op), op, p,
				  fast_freed_size(fh, c),  NULL,
				  fh->debug ? fast_dbg_freed_alloc_site(c) : NULL,
				  fh->debug ? fast_dbg_free_site(c) : NULL);
		return;
	}
	if (c == b) {
		if (c->size & FAST_AUX)
			fast_report(fh, OSMEM_FAULT_INVALID_POINTER, op, p, 0,
				    "not heap memory of this allocator");
		else
			fast_report(fh, OSMEM_FAULT_CORRUPT_HEADER, op, p, 0,
				    "the next block's tags disagree");
		return;
	}
	if (bfree(c) && (w & FAST_FREE) && fast_sealed(fh, b, w) &&
	    fast_size_fits(fh, b, w & FAST_SIZE_MASK)) {
		fast_report(fh, fast_freed_fault(op), op, p,
			    (w & FAST_SIZE_MASK) - FAST_HDR, NULL);
		return;
	}
	fast_report(fh, OSMEM_FAULT_INVALID_POINTER, op, p,
		    (c->size & FAST_AUX) && !bfree(c) ? 0 : fast_live_size(fh, c),
		    NULL);
}

/*
 * Mapping m (reached from prev, whose header checked out) has a broken
 * header: take it off the list for good, left mapped (its length cannot
 * be trusted, so it is never unmapped). Its true length is what the
 * counters hold beyond the other mappings'. When m's forward link cannot
 * be trusted either, it stays (check() then reports it).
 */
static void fast_map_quarantine(struct fast_heap *fh, struct fast_map *m,
				struct fast_map *prev)
{
	struct fast_map *next = m->next, *x;
	size_t others = 0;

	if (next && (next->check != fast_map_seal(fh, next) || next->prev != m))
		return;
	for (x = fh->maps; x; x = x->next)
		if (x != m)
			others += fast_map_len(x);
	if (prev)
		prev->next = next;
	else
		fh->maps = next;
	if (next)
		next->prev = prev;
	fast_map_reseal(fh, prev);
	fast_map_reseal(fh, next);
	fh->st.mapped_blocks--;
	fh->st.mapped_bytes = others;
}

/*
 * The live mapping whose payload is p, found by walking the list of
 * mappings (every header's check verified before its links are followed,
 * so a broken header stops the walk, never a fault). NULL when p is no
 * mapping's payload; misuse is reported then.
 */
static struct fast_map *fast_map_find(struct fast_heap *fh, void *p,
				      const char *op)
{
	struct fast_map *m, *prev = NULL;
	char *c = p;

	for (m = fh->maps; m; prev = m, m = m->next) {
		if (c == (char *)m + FAST_MAP_HDR) {
			if (m->check == fast_map_seal(fh, m))
				return m;
			fast_report(fh, OSMEM_FAULT_CORRUPT_HEADER, op, p, 0,
				    "mapping header fails its check");
			fast_map_quarantine(fh, m, prev);
			return NULL;
		}
		if (m->check != fast_map_seal(fh, m)) {
			fast_report(fh, OSMEM_FAULT_HEAP_CORRUPT, op, p, 0,
				    "a mapping header is broken");
			return NULL;
		}
		if (c >= m->start && c < m->start + fast_map_len(m)) {
			fast_report(fh, OSMEM_FAULT_INVALID_POINTER, op, p,
				    fast_map_usable(m, (char *)m + FAST_MAP_HDR),
				    NULL);
			return NULL;
		}
	}
	for (unsigned i = 0; i < FAST_FREED_MAPS; i++) {
		if (p && fh->freed_maps[i].p == p) {
			fast_report(fh, fast_freed_fault(op), op, p,
				    fh->freed_maps[i].usable, NULL);
			return NULL;
		}
	}
	fast_report(fh, OSMEM_FAULT_FOREIGN_POINTER, op, p, 0, NULL);
	return NULL;
}

/*
 * What p is: 1 a live heap block, 2 a live mapping, 0 misuse (reported,
 * nothing changed). No byte is read before p is known to lie in the heap
 * [base, break) or to be a listed mapping's payload, so validating a wild
 * pointer never faults.
 */
static int fast_lookup(struct fast_heap *fh, void *p, struct fast_block **bp,
		       struct fast_map **hp, const char *op)
{
	char *c = p;

	*bp = fast_heap_block(fh, p);
	if (*bp)
		return 1;
	if (fh->first && c >= fh->base && c < fh->brk) {
		fast_heap_misuse(fh, p, op);
		return 0;
	}
	*hp = fast_map_find(fh, p, op);
	return *hp ? 2 : 0;
}

/* Not a live heap block: a mapping, or misuse (reported). */
static void fast_free_other(struct fast_heap *fh, void *p)
{
	struct fast_block *b;
	struct fast_map *h;

	switch (fast_lookup(fh, p, &b, &h, "free")) {
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
	fast_set_used(fh, b, size + bsize(n), b->size & FAST_PREV_FREE);
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
			fast_map_reseal(fh, h);
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
	switch (fast_lookup(fh, p, &b, &h, "realloc")) {
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
static bool fast_dbg_live(struct fast_heap *fh, void *p, struct fast_block *b,
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
		fast_dbg_quarantine(fh, b, fh->dbg_op);
	}
	b = fast_top(fh);
	if (b && !fast_dbg_intact(fh, b))
		fast_dbg_quarantine(fh, b, fh->dbg_op);
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
static void fast_dbg_quarantine_live(struct fast_heap *fh, struct fast_block *b,
				     struct fast_map *m)
{
	if (m) {
		fast_map_quarantine(fh, m, m->prev);
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
		fast_dbg_quarantine_live(fh, b, m);
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
		fast_dbg_quarantine_live(fh, b, m);
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

static size_t fast_dbg_usable(struct fast_heap *fh, void *p)
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
static void fast_dbg_entry_free(struct fast_heap *fh, void *p)
{
	const void *site = fast_dbg_site(fh);

	fast_lock(fh->be);
	fast_dbg_free(fh, p, site);
	fast_unlock(fh->be);
}

static void *fast_dbg_entry_alloc(struct fast_heap *fh, size_t n, size_t align,
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

/* ------------------------------------------------------- public entries ---- */

static void fast_init(struct osmem_heap *h, const struct osmem_backend *be)
{
	struct fast_heap *fh = fast_of(h);

	memset(fh, 0, sizeof(*fh));
	fh->be = be;
	fh->secret = be ? be->secret : 0;
	fh->seal_key = ((fh->secret ^ FAST_SEAL_MUL) * FAST_SEAL_MUL) | 1;
	fh->debug = be && be->debug;
	fh->hot_be = fh->debug ? NULL : be;
	fh->dbg_op = "free";
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
	const struct osmem_backend *be = fh->hot_be;
	bool zero;
	void *p;

	if (__builtin_expect(!be, 0))
		return fh->be ? fast_dbg_entry_alloc(fh, n, FAST_ALIGN, false) : NULL;
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
	if (fh->debug) {
		const void *site = fast_dbg_site(fh);

		if (n > (size_t)PTRDIFF_MAX)
			return NULL;
		fast_lock(fh->be);
		p = fast_dbg_realloc(fh, p, n, site);
		fast_unlock(fh->be);
		return p;
	}
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
	const struct osmem_backend *be = fh->hot_be;

	if (!p)
		return;
	if (__builtin_expect(!be, 0)) {
		if (fh->be)
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
	switch (fast_lookup(fh, p, &b, &m, "usable_size")) {
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

#define FAST_BAD(ptr, ...) \
	do { fast_report_bad(fh, ptr, __VA_ARGS__); return -1; } while (0)

/* One heap block's own invariants; adds it to the tallies in `seen`. */
static int fast_check_block(struct fast_heap *fh, struct fast_block *b,
			    bool prev_free,
			    struct osmem_stats *seen)
{
	size_t size = bsize(b);
	struct fast_block *n;

	if (((uintptr_t)b & (FAST_ALIGN - 1)) || size < FAST_ALIGN ||
	    size > (size_t)((char *)fh->epi - (char *)b))
		FAST_BAD(b, "block %p has size %zu", (void *)b, size);
	if (!!(b->size & FAST_PREV_FREE) != prev_free)
		FAST_BAD(b, "block %p PREV_FREE is wrong", (void *)b);
	if (b->size & FAST_MAPPED)
		FAST_BAD(b, "heap block %p marked mapped", (void *)b);
	n = bat(b, size);
	if (!bfree(b)) {
		if (!(b->size & FAST_AUX)) {
			if (size < FAST_MIN_BLOCK)
				FAST_BAD(b, "block %p too small", (void *)b);
			if (!fast_sealed(fh, b, b->size))
				FAST_BAD(b, "block %p: size word fails its check",
					 (void *)b);
			if (fh->debug &&
			    !fast_dbg_live(fh, bpayload(b), b, NULL, "check",
					   &(size_t){ 0 }))
				return -1;
			seen->blocks_in_use++;
			seen->bytes_in_use += size - FAST_HDR;
		}
		return 0;
	}
	if (prev_free)
		FAST_BAD(b, "free blocks %p and the one before it are adjacent",
			 (void *)b);
	if (size < FAST_MIN_BLOCK || n->prev_size != size)
		FAST_BAD(b, "free block %p: size %zu, footer %zu",
			 (void *)b, size, n->prev_size);
	if (fh->debug && !fast_dbg_poisoned(b)) {
		fast_report_sites(fh, OSMEM_FAULT_USE_AFTER_FREE, "check",
				  bpayload(b), fast_freed_size(fh, b),
				  "poison of a free block overwritten",
				  fast_dbg_freed_alloc_site(b), fast_dbg_free_site(b));
		return -1;
	}
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
			FAST_BAD(NULL, "fl_map bit %u disagrees", fl);
		for (sl = 0; sl < FAST_SL_COUNT; sl++) {
			struct fast_block *b = fh->lists[fl][sl], *prev = NULL;

			if (!!(fh->sl_map[fl] & (1u << sl)) != !!b)
				FAST_BAD(NULL, "sl_map bit %u,%u disagrees", fl, sl);
			for (; b; prev = b, b = b->next_free) {
				if ((size_t)members++ > limit)
					FAST_BAD(NULL, "list %u,%u loops", fl, sl);
				if ((char *)b < (char *)fh->first ||
				    (char *)b >= (char *)fh->epi || !bfree(b) ||
				    b->prev_free != prev)
					FAST_BAD(NULL, "list %u,%u: bad member %p",
						 fl, sl, (void *)b);
				fast_index(bsize(b), &f, &s);
				if (f != fl || s != sl)
					FAST_BAD(b, "block %p (size %zu) on list %u,%u",
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
		    p > h->start + len || h->check != fast_map_seal(fh, h))
			FAST_BAD(h, "mapping header %p is broken", (void *)h);
		if (fh->debug &&
		    !fast_dbg_live(fh, p, NULL, h, "check", &(size_t){ 0 }))
			return -1;
		seen->mapped_blocks++;
		seen->mapped_bytes += len;
		if (seen->mapped_blocks > fh->st.mapped_blocks)
			FAST_BAD(NULL, "more mappings than counted");
	}
	return 0;
}

static int fast_check_counts(struct fast_heap *fh,
			     const struct osmem_stats *seen, long listed)
{
	if (seen->blocks_in_use != fh->st.blocks_in_use ||
	    seen->bytes_in_use != fh->st.bytes_in_use)
		FAST_BAD(NULL, "in use %zu/%zu, counted %zu/%zu",
			 seen->blocks_in_use, seen->bytes_in_use,
			 fh->st.blocks_in_use, fh->st.bytes_in_use);
	if (seen->blocks_free != fh->st.blocks_free ||
	    seen->bytes_free != fh->st.bytes_free ||
	    (size_t)listed != seen->blocks_free)
		FAST_BAD(NULL, "free %zu/%zu, counted %zu/%zu, listed %ld",
			 seen->blocks_free, seen->bytes_free,
			 fh->st.blocks_free, fh->st.bytes_free, listed);
	if (seen->mapped_blocks != fh->st.mapped_blocks ||
	    seen->mapped_bytes != fh->st.mapped_bytes)
		FAST_BAD(NULL, "mapped %zu/%zu, counted %zu/%zu",
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
		FAST_BAD(fh->base, "heap bounds %p..%p, epilogue %p",
			 (void *)fh->base, (void *)fh->brk, (void *)fh->epi);
	for (b = fh->first; b != fh->epi; b = bnext(b)) {
		if (fast_check_block(fh, b, prev_free, seen))
			return -1;
		prev_free = bfree(b);
	}
	if (bsize(fh->epi) || bfree(fh->epi) ||
	    !!(fh->epi->size & FAST_PREV_FREE) != prev_free)
		FAST_BAD(fh->epi, "the epilogue %p is broken", (void *)fh->epi);
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
