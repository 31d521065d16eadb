/* SPDX-License-Identifier: MIT */
/*
 * The fast allocator's insides, shared by its files (mm/osmem/fast*.c):
 * the block layout, the invariants, the heap state and the few functions
 * every malloc and free runs through (inlined, so the hot path stays one
 * call). Nothing outside mm/osmem/fast*.c includes this header.
 *
 * The files, one concern each:
 *   fast.c         malloc/free/realloc/memalign: placement, split, merge
 *   fast_top.c     the heap top: growth, foreign gaps, trimming
 *   fast_map.c     large blocks as page mappings
 *   fast_keep.c    freed mappings kept for reuse (the home turns it on)
 *   fast_misuse.c  telling a bad pointer apart and reporting it
 *   fast_debug.c   debug mode: red zones, lazy poison checks, the
 *                  quarantine, zero-size blocks, sites
 *   fast_sized.c   free_sized: the size rule, its report
 *   fast_check.c   check(), walk(), stats()
 *   fast_batch.c   the small-block caches' side: batches, registry, stats
 *   fast_lists.h   the free lists and block surgery (inlined, hot)
 *
 * osmem_fast: a two-level segregated-fit allocator (TLSF-style) with
 * boundary tags. Every operation costs O(1) in the number of blocks (a few
 * bit operations and list splices), plus the copy a realloc must do.
 * Pure policy: memory comes from the backend (mm/osmem/backend.h); the
 * interface is mm/osmem/allocator.h.
 *
 * Heap block layout. A block pointer b is 16-aligned and sits 16 bytes
 * below the payload; the block "owns" the bytes from its size word up to the
 * next block's size word (block_size(b) bytes, a multiple of 16, >= 32):
 *
 *        b        b+8        b+16 (payload, 16-aligned)          b+size
 *        |prev_size| size|flg| payload ........................  |prev_size| size|flg| ...
 *        '-- belongs to the     '-- free block: next_free,          '-- next block; while b
 *            previous block         prev_free links here                is free this word is
 *            (its last word)                                            b's footer (= size)
 *
 *   live heap block: 8 bytes of bookkeeping (the size word); usable size is
 *   block_size - 8 (the payload runs up to the next size word, taking in the
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
 *   came straight from the backend; on a used block: a gap, see below, or
 *   in debug mode a quarantined block, whose bits 48..63 then hold its own
 *   check with bit 63 set, where a gap's are 0).
 *
 *   Debug mode (fast_debug.c has the layouts): a freed heap block first
 *   waits in the quarantine, a FIFO linked through its first two payload
 *   words: used by its tags (nothing merges with it, fast_heap_block
 *   refuses it), on no free list, counted in neither live nor free bytes
 *   but in st.quarantined_*. Free and quarantined blocks hold poison after
 *   their links and their sites in a trailer at their end.
 *
 *   The heap: [base][pad][first block]...[last block][epilogue][< 16 slack]
 *   The epilogue is a size-0 used block whose size word sits just below the
 *   break, so "next of the last block" needs no special case. If someone
 *   else moved the break between two extensions, the foreign bytes become a
 *   used "gap" block (AUX): walked over, never counted, never freed.
 *
 * Mapped block layout (requests >= the mmap threshold, 128 KiB at first):
 *   [map start ... | req | site | check | spare | next | prev | start |
 *    len|MAPPED | payload ... ]
 *   a 64-byte header (FAST_MAP_HDR) right below the payload; usually
 *   payload = start + 64, further in for memalign. The length is
 *   page-rounded; free unmaps it. check is a full word: a hash of the
 *   header's address, links, start and length with the secret, sealed
 *   again whenever one of them changes. req and site are debug mode's.
 *   A live mapping is on fh->maps (doubly linked). A freed one whose
 *   unmap the backend refused waits on fh->unmap_pending (singly linked,
 *   prev NULL) with len|MAPPED|FREE, sealed, still mapped, until a later
 *   mapping free or map alloc unmaps it (fast_map.c); it is no block.
 *   When the home turns keeping on (osmem_fast_keep_maps), a freed
 *   mapping may instead stay mapped in fh->kept[] (fast_keep.c), its
 *   start, length, payload and usable size held there, until a later
 *   map alloc takes it back or it is given back; it is no block either.
 *
 * State: one heap is one struct fast_heap in the caller's struct
 * osmem_heap_space (allocator.h); there is no global state. Each public
 * entry turns its struct osmem_heap * into the struct fast_heap *fh that
 * every internal function takes first; the lists, bitmaps, break, counters,
 * tunables (mmap and trim thresholds, top pad: fast_index.h) and the ring
 * of the last frees (fast_freed_note: what a double free report names)
 * below all belong to that one heap.
 *
 * Invariants, per heap (check() verifies each, and live heap blocks' and
 * mappings' checks; debug mode adds the items marked so):
 *   - heap blocks tile [first, epilogue) exactly; every payload 16-aligned;
 *   - no two adjacent free blocks (free merges with both neighbours at once);
 *   - a free block's footer equals its size, and the next block has
 *     PREV_FREE set exactly when the block is free;
 *   - every free block is on the list of its class, and nothing else is;
 *     bit sl of sl_map[fl] is set iff list (fl, sl) is non-empty, bit fl of
 *     fl_map iff sl_map[fl] != 0;
 *   - the counters in fh->st equal what a walk counts, the mapped ones
 *     the live mappings', the unmap_pending ones the pending list's, the
 *     kept ones fh->kept[]'s (at most keep_max entries, within the bound);
 *   - every header on either mapping list checks out; live ones are
 *     MAPPED and not FREE, pending ones MAPPED and FREE;
 *   - every byte at or above `high` (the highest break ever) in the heap is
 *     as the backend gave it (zero); an AUX free block is all zero between
 *     its links and its footer;
 *   - debug: every live block's red zone is intact; every free and every
 *     quarantined block's poison is whole (a free block holds no AUX and
 *     is FAST_DBG_MIN_FREE bytes at least);
 *   - debug: the quarantine's FIFO links exactly the quarantined blocks,
 *     oldest first, each back link agreeing (the oldest's with q_gone, the
 *     block that left last), and holds at most fast_quarantine_bound(high
 *     - base) payload bytes;
 *   - debug: each range of zero-size blocks counts its live addresses (its
 *     bitmap), none past those handed out, and is not used up and empty.
 *
 * Locking rule: the lock is the heap's backend's (be->lock), and it guards
 * that one heap instance. Every public entry takes it once and releases it
 * before returning; internal functions never lock and never call a public
 * entry. walk() holds the lock while it calls fn, so fn must not call the
 * allocator on the same heap. init() does not lock (nothing may use the
 * heap while it is initialized).
 *
 * Counting: heap_extend_calls counts every heap_extend (including the
 * heap_extend(0) before a trim); map_calls counts pages_map, pages_remap
 * and pages_reserve calls; unmap_calls counts pages_unmap calls (of
 * mappings and of reserved ranges), refused ones and retries included.
 */
#ifndef MM_OSMEM_FAST_INTERNAL_H
#define MM_OSMEM_FAST_INTERNAL_H

#include "mm/osmem/allocator.h"
#include "mm/osmem/backend.h"
#include "mm/osmem/cache.h"
#include "mm/osmem/fast_index.h"
#include "libk/bitops.h"
#include "libk/string.h"
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
/* The ring of the last frees (fast_freed_note): a power of two. */
#define FAST_FREED_RING 64
/* Pending unmaps tried again per call, at most (fast_unmap_retry). */
#define FAST_UNMAP_RETRIES 2
/* Freed mappings kept for reuse, at most (fast_keep.c). */
#define FAST_KEEP_SLOTS 8

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

/* A freed mapping kept for reuse (fast_keep.c): what the allocator
 * knows of it, held here and not in the mapping (the program may write
 * to what it freed). */
struct fast_kept {
	char *start;                    /* what pages_map returned */
	size_t len;
	void *p;                        /* the payload the program freed */
	size_t usable;                  /* its usable size then */
};

/* Debug mode: one range of zero-size blocks (fast_index.h, fast_debug.c). */
struct fast_zero {
	char *base;                     /* pages_reserve'd; NULL: slot unused */
	uint32_t next;                  /* addresses handed out so far */
	uint32_t live;                  /* of them, not freed yet */
	uint64_t bits[FAST_ZERO_SLOTS / 64];    /* bit k: address k is live */
};

/* One heap: everything the allocator knows lives here (allocator.h). */
struct fast_heap {
	/* First: what the small-block caches read without the lock
	 * (mm/osmem/cache.h, fast_batch.c). */
	struct osmem_cache_heap ch;
	const struct osmem_backend *be;
	uint64_t secret;                /* be->secret, read once by init */
	uint64_t seal_key;              /* odd, derived from secret (fast_seal) */
	bool debug;                     /* be->debug, read once by init: the
					 * one switch of debug mode */
	/* The tunables (fast_index.h): requests from mmap_threshold on are
	 * mapped; a free top block beyond trim_threshold is trimmed down to
	 * top_pad, which is also added to every growth of the break. While
	 * dyn_thresholds, freeing a mapping raises the first two (the
	 * dynamic rule, fast_map.c); explicit tuning turns it off. */
	size_t mmap_threshold;
	size_t trim_threshold;
	size_t top_pad;
	bool dyn_thresholds;
	size_t map_len_max;             /* the longest mapping made, up to
					 * the rule's cap (fast_map.c) */
	uint32_t tune_gen;              /* + 1 at each change of the three
					 * (osmem_fast_tune_gen) */
	uint64_t fl_map;
	uint32_t sl_map[FAST_FL_COUNT];
	struct fast_block *lists[FAST_FL_COUNT][FAST_SL_COUNT];
	char *base;                     /* the break before our first extension */
	char *brk;                      /* the break as we left it */
	char *high;                     /* the highest break ever */
	struct fast_block *first;       /* NULL until the heap exists */
	struct fast_block *epi;
	struct fast_map *maps;          /* the live mappings */
	struct fast_map *unmap_pending; /* freed, unmap refused (fast_map.c) */
	/* Freed mappings kept for reuse, oldest first (fast_keep.c): at
	 * most keep_max of them, their bytes within fast_keep_bound();
	 * keep_max 0: off. Counted in st.kept_*. */
	unsigned keep_max;
	unsigned kept_n;
	size_t keep_bytes_max;
	struct fast_kept kept[FAST_KEEP_SLOTS];
	struct osmem_stats st;          /* the counters; the rest is computed */
	char detail[128];               /* a report's detail (fast_report_bad) */
	enum osmem_op dbg_op;             /* debug: the entry running */
	struct fast_block *q_head;      /* debug: the quarantine, oldest */
	struct fast_block *q_tail;      /* and newest */
	struct fast_block *q_gone;      /* the last to leave it (or NULL) */
	const void *q_gone_fsite;       /* and its sites and request */
	const void *q_gone_asite;
	size_t q_gone_req;
	unsigned zero_ranges;           /* debug: zero[] slots in use */
	struct fast_zero zero[FAST_ZERO_RANGES];        /* debug: malloc(0) */
	struct {                        /* the last frees, heap blocks and */
		void *p;                /* mappings alike, for the report */
		size_t usable;          /* of a second free (fast_freed_note) */
	} freed[FAST_FREED_RING];
	unsigned freed_next;            /* the next slot, mod the ring */
};

_Static_assert(sizeof(struct fast_heap) <= OSMEM_HEAP_BYTES_MAX,
	       "struct fast_heap must fit in struct osmem_heap_space");

static inline struct fast_heap *fast_of(struct osmem_heap *h)
{
	return (struct fast_heap *)(void *)h;
}
/* ------------------------------------------------------------ helpers ---- */

static inline size_t block_size(const struct fast_block *b)
{
	return b->size & FAST_SIZE_MASK;
}

static inline bool block_is_free(const struct fast_block *b)
{
	return b->size & FAST_FREE;
}

static inline struct fast_block *block_at(void *p, size_t off)
{
	return (struct fast_block *)((char *)p + off);
}

static inline struct fast_block *block_next(struct fast_block *b)
{
	return block_at(b, block_size(b));
}

static inline struct fast_block *block_prev(struct fast_block *b)
{
	return (struct fast_block *)((char *)b - b->prev_size);
}

static inline void *block_payload(struct fast_block *b)
{
	return (char *)b + 16;
}

/* Integer arithmetic, not pointer arithmetic: p may be any value a caller
 * passed (even (void *)1), and the result is range-checked before use. */
static inline struct fast_block *block_of(void *p)
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

/* The heap's backend's lock (be may be NULL before init). Callers on the
 * hot path keep be in a local: it is loaded and tested once per call. */
static inline void fast_lock(const struct osmem_backend *be)
{
	if (be && be->lock)
		be->lock(be);
}

static inline void fast_unlock(const struct osmem_backend *be)
{
	if (be && be->unlock)
		be->unlock(be);
}

/* Live-block counters follow a block's size: drop before a resize, add after. */
/* A tunable changed (under the lock): the generation a home reads
 * without it moves on, after the new values (release). */
static inline void fast_tune_changed(struct fast_heap *fh)
{
	__atomic_store_n(&fh->tune_gen, fh->tune_gen + 1, __ATOMIC_RELEASE);
}

static inline void fast_used_add(struct fast_heap *fh, struct fast_block *b)
{
	fh->st.blocks_in_use++;
	fh->st.bytes_in_use += block_size(b) - FAST_HDR;
}

static inline void fast_used_sub(struct fast_heap *fh, struct fast_block *b)
{
	fh->st.blocks_in_use--;
	fh->st.bytes_in_use -= block_size(b) - FAST_HDR;
}

/* ------------------------------------------------- debug mode: blocks ---- */

/*
 * Debug mode's block layouts (fast_debug.c has the whole story). A free or
 * quarantined block holds its two links (free list, or quarantine) after
 * its size word, then poison, then a trailer at its end: free site,
 * request, allocation site (a live block keeps request and allocation site
 * there). No free block is smaller than FAST_DBG_MIN_FREE, so every one
 * has room for links and trailer.
 */
#define FAST_DBG_RED      0xfb          /* red zone bytes */
#define FAST_DBG_POISON   0xdf          /* freed bytes */
#define FAST_DBG_META     24            /* live trailer: spare, req, site */
#define FAST_DBG_TRAIL    24            /* free trailer: sites and req */
#define FAST_DBG_FREE_OFF 32            /* poison starts here */
#define FAST_DBG_MIN_FREE 64
#define FAST_DBG_WORD     0xdfdfdfdfdfdfdfdfull  /* poison, a word */
#define FAST_DBG_RED_WORD 0xfbfbfbfbfbfbfbfbull  /* red zone, a word */
/* A quarantined block's size word: size | AUX (| PREV_FREE) and in bits
 * 48..63 a check that always has bit 63 set, so it is never taken for a
 * gap's (whose bits 48..63 are 0) nor for a live block's (no AUX). */
#define FAST_DBG_QMARK    ((size_t)1 << 63)
#define FAST_DBG_QSALT    ((size_t)1 << 47)

/* The smallest block a split may leave free: in debug mode every free
 * block holds the sites and their check beside its links. */
static inline size_t fast_min_free(const struct fast_heap *fh)
{
	return fh->debug ? FAST_DBG_MIN_FREE : FAST_MIN_BLOCK;
}

/* ---------------------------------------------- across the files ---- */

/* fast_misuse.c */
void fast_report(struct fast_heap *fh, enum osmem_fault fault, enum osmem_op op,
		 const void *ptr, size_t size, const char *detail);
void fast_report_sites(struct fast_heap *fh, enum osmem_fault fault,
		       enum osmem_op op, const void *ptr, size_t size,
		       const char *detail, const void *alloc_site,
		       const void *free_site);
void fast_report_bad(struct fast_heap *fh, const void *ptr, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
bool fast_size_fits(struct fast_heap *fh, struct fast_block *b, size_t size);
size_t fast_freed_size(struct fast_heap *fh, struct fast_block *c);
bool fast_freed_find(struct fast_heap *fh, const void *p, size_t *usable);
enum osmem_fault fast_freed_fault(enum osmem_op op);
void fast_map_retire(struct fast_heap *fh, struct fast_map *m,
			 struct fast_map *prev);
int fast_lookup(struct fast_heap *fh, void *p, struct fast_block **bp,
		struct fast_map **hp, enum osmem_op op);

/* fast_top.c */
void fast_set_free(struct fast_heap *fh, struct fast_block *b, size_t size,
		   size_t aux, char *from);
struct fast_block *fast_top(struct fast_heap *fh);
struct fast_block *fast_grow(struct fast_heap *fh, size_t r);
bool fast_trim(struct fast_heap *fh, struct fast_block *top, size_t keep);

/* fast_keep.c */
void *fast_keep_take(struct fast_heap *fh, size_t n, size_t align);
bool fast_keep_put(struct fast_heap *fh, struct fast_map *h);
bool fast_keep_release(struct fast_heap *fh, enum osmem_op op);
bool fast_keep_misuse(struct fast_heap *fh, void *p, enum osmem_op op);
int fast_keep_check(struct fast_heap *fh, struct osmem_stats *seen);
void fast_keep_off(struct fast_heap *fh);

/* fast_map.c */
void *fast_map_link(struct fast_heap *fh, char *m, size_t len, size_t align);
bool fast_unmap_at(struct fast_heap *fh, struct fast_map *h, char *start,
		   size_t len);
uint64_t fast_map_seal(const struct fast_heap *fh, const struct fast_map *h);
void fast_map_reseal(struct fast_heap *fh, struct fast_map *h);
bool fast_map_size(struct fast_heap *fh, size_t n, size_t lead, size_t *len);
void *fast_map_alloc(struct fast_heap *fh, size_t n, size_t align,
		     bool *zero);
void fast_map_free(struct fast_heap *fh, struct fast_map *h);
size_t fast_map_freed_usable(struct fast_heap *fh, struct fast_map *h);
bool fast_unmap_retry(struct fast_heap *fh, enum osmem_op op);

/* fast_debug.c */
/* shared with fast_debug_entry.c */
const void *fast_dbg_site(struct fast_heap *fh);
bool fast_dbg_red_is(const char *from, const char *to);
void fast_dbg_red_set(char *from, char *to);
size_t *fast_dbg_meta(struct fast_block *b);
void fast_dbg_free_block(struct fast_heap *fh, struct fast_block *b,
			 const void *site);
void *fast_dbg_heap_take(struct fast_heap *fh, size_t r);
bool fast_dbg_red_ok(struct fast_block *b, size_t *req);
void fast_dbg_arm(struct fast_block *b, size_t n, const void *site);
void fast_dbg_fresh(struct fast_heap *fh, struct fast_block *b, size_t size,
		    char *from);
bool fast_dbg_poisoned(struct fast_block *b);
bool fast_dbg_q_poisoned(struct fast_block *b);
bool fast_dbg_quarantined(const struct fast_heap *fh, const struct fast_block *b);
const void *fast_dbg_free_site(const struct fast_heap *fh, struct fast_block *b);
const void *fast_dbg_freed_alloc_site(const struct fast_heap *fh,
				      struct fast_block *b);
size_t fast_dbg_freed_req(const struct fast_heap *fh, struct fast_block *b);
size_t fast_dbg_live_req(struct fast_block *b);
bool fast_dbg_live(struct fast_heap *fh, void *p, struct fast_block *b,
		   struct fast_map *m, enum osmem_op op, size_t *req);
struct fast_block *fast_dbg_release(struct fast_heap *fh, struct fast_block *b,
				    size_t *sizep);
void *fast_dbg_heap_alloc(struct fast_heap *fh, size_t r);
void fast_dbg_entry_free(struct fast_heap *fh, void *p);
void *fast_dbg_entry_alloc(struct fast_heap *fh, size_t n, size_t align,
			   bool clear);
void *fast_dbg_entry_realloc(struct fast_heap *fh, void *p, size_t n);
size_t fast_dbg_usable(struct fast_heap *fh, void *p);
void fast_dbg_entry_free_sized(struct fast_heap *fh, void *p, size_t size);

/* fast_sized.c */
void fast_report_size_mismatch(struct fast_heap *fh, const void *p,
			       size_t block, size_t given,
			       const void *alloc_site);
void fast_free_sized(struct osmem_heap *h, void *p, size_t n);

/* fast_batch.c */
void fast_cache_init(struct fast_heap *fh);
void fast_cache_sum(struct fast_heap *fh, struct osmem_stats *st);
int fast_cache_check(struct fast_heap *fh);
enum osmem_block_kind fast_cache_kind(struct fast_heap *fh,
				      struct fast_block *b);

/* fast.c */
void *fast_alloc_any(struct fast_heap *fh, size_t n, bool *zero);
void fast_take_any(struct fast_heap *fh, struct fast_block *b, size_t r,
		   const unsigned *cls);
void fast_heap_free(struct fast_heap *fh, struct fast_block *b);
void *fast_memalign_locked(struct fast_heap *fh, size_t align, size_t n);

/* fast_check.c */
void fast_stats(struct osmem_heap *h, struct osmem_stats *st);
void fast_walk(struct osmem_heap *h,
	       void (*fn)(void *payload, size_t size, enum osmem_block_kind kind,
	       void *arg),
	       void *arg);
int fast_check(struct osmem_heap *h);


/* ------------------------------------------------------------ mappings ---- */

static inline struct fast_map *fast_map_of(void *p)
{
	return (struct fast_map *)((char *)p - FAST_MAP_HDR);
}

static inline size_t fast_map_len(const struct fast_map *h)
{
	return h->size & ~FAST_FLAGS;
}

static inline size_t fast_map_usable(struct fast_map *h, void *p)
{
	return (size_t)(h->start + fast_map_len(h) - (char *)p);
}

/*
 * The caches' window (cache.h) is now the heap up to `end` (the
 * epilogue, or where a trim is about to put it). Called under the lock
 * whenever the epilogue moves: after growth, and before a trim gives the
 * memory back. Empty while caches are off.
 */
static inline void fast_cache_publish(struct fast_heap *fh, char *end)
{
	uintptr_t lo = (uintptr_t)fh->first + 16;

	if (!fh->ch.enabled || !fh->first)
		return;
	/* lo is set once, span16 after it (cache.h: osmem_cache_in_heap). */
	__atomic_store_n(&fh->ch.lo, lo, __ATOMIC_RELAXED);
	__atomic_store_n(&fh->ch.span16, ((uintptr_t)end - lo) >> 4,
			 __ATOMIC_RELEASE);
}

/*
 * b (size bytes) was just filed as a free block: trim when it is the top
 * block and larger than the heap's trim threshold. Only a release can make
 * the top block pass the threshold (growth leaves at most the top pad free
 * above the block it was for; a top pad beyond the threshold is kept by
 * fast_trim, at no backend call), so this check after each release that
 * may reach the top replaces a look at the top on every call.
 */
static inline void fast_trim_if_top(struct fast_heap *fh, struct fast_block *b,
				    size_t size)
{
	if (block_at(b, size) == fh->epi && size > fh->trim_threshold)
		fast_trim(fh, b, fh->top_pad);
}

/*
 * Remember that the program freed p (usable bytes; debug mode: its
 * request) in the ring of the last FAST_FREED_RING frees: two stores on
 * every free, so a second free of p is named a double free with the size
 * the program had, even after p's block merged or its mapping went away
 * (fast_freed_find, on the misuse path only). A backend whose mapper hands
 * unmapped ranges out again to anyone has the entries of an unmapped
 * mapping dropped (fast_freed_forget): the address is no longer p's.
 */
void fast_freed_forget(struct fast_heap *fh, const void *start, size_t len);

FAST_INLINE void fast_freed_note(struct fast_heap *fh, void *p, size_t usable)
{
	unsigned i = fh->freed_next++ & (FAST_FREED_RING - 1);

	fh->freed[i].p = p;
	fh->freed[i].usable = usable;
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
	struct fast_block *b = block_of(p), *e = fh->epi;
	size_t w, size;

	if (((uintptr_t)p & (FAST_ALIGN - 1)) || (char *)p <= (char *)fh->first ||
	    (char *)p >= (char *)e)
		return NULL;
	w = b->size;
	size = w & FAST_SIZE_MASK;
	if ((w & (FAST_FREE | FAST_MAPPED | FAST_AUX)) || size < FAST_MIN_BLOCK ||
	    size > (size_t)((char *)e - (char *)b) || !fast_sealed(fh, b, w) ||
	    (block_at(b, size)->size & FAST_PREV_FREE))
		return NULL;
	return b;
}

#endif
