/* SPDX-License-Identifier: MIT */
/*
 * The fast allocator's size classes and tunables (mm/osmem/fast.c), in a
 * header so that its tests can check the class edges and the fit bound.
 *
 * Block sizes are multiples of FAST_ALIGN (16) and count the 8-byte size
 * word of the block (see the layout in fast.c). A size maps to a class
 * (fl, sl), TLSF-style:
 *
 *   size < 512            fl = 0, sl = size / 16           (classes 16 wide)
 *   2^f <= size < 2^(f+1) fl = f - 8, sl = the 5 bits below the top one
 *   (f >= 9)                                                (2^(f-5) wide)
 *
 * so every class below 1024 holds exactly one size (f = 9 is 16 wide too),
 * and above it a class is 1/32 of its sizes wide. Classes are ordered: every
 * size in class (fl, sl) is smaller than every size in a later class.
 *
 * Blocks are smaller than FAST_BLOCK_MAX (2^47; the heap is kept below it),
 * which bounds fl below FAST_FL_COUNT.
 */
#ifndef MM_OSMEM_FAST_INDEX_H
#define MM_OSMEM_FAST_INDEX_H

#include "libk/bitops.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FAST_ALIGN        16
#define FAST_HDR          8      /* bookkeeping bytes of a live heap block */
#define FAST_MIN_BLOCK    32     /* size word, two links, footer */
#define FAST_SL_BITS      5
#define FAST_SL_COUNT     (1u << FAST_SL_BITS)
#define FAST_LINEAR_SHIFT (FAST_SL_BITS + 4)    /* sizes below 512: fl 0 */
#define FAST_MAX_SHIFT    47
#define FAST_BLOCK_MAX    ((size_t)1 << FAST_MAX_SHIFT)
#define FAST_FL_COUNT     (FAST_MAX_SHIFT - FAST_LINEAR_SHIFT + 1)
#define FAST_EXACT_LIMIT  ((size_t)1024)        /* classes below are exact */
#define FAST_MAP_HDR      64     /* header below a mapped block's payload */

/*
 * Tunables, in bytes: the defaults every heap starts with (init). Each
 * heap keeps its own (osmem_fast_tune below).
 */
#define FAST_MMAP_THRESHOLD   ((size_t)128 * 1024)  /* requests from here: mapped */
#define FAST_TRIM_THRESHOLD   ((size_t)256 * 1024)  /* top free above: trim */
#define FAST_TOP_PAD          ((size_t)64 * 1024)   /* added to each growth, kept by trim */
#define FAST_GROW_STEP        FAST_TOP_PAD          /* the top pad's two roles */
#define FAST_TRIM_KEEP        FAST_TOP_PAD
/* The mmap threshold's cap, for the dynamic rule and explicit tuning
 * alike: glibc's on 64-bit (DEFAULT_MMAP_THRESHOLD_MAX, 4 MiB * 8). */
#define FAST_MMAP_THRESHOLD_MAX ((size_t)32 << 20)
/* The dynamic rule's trim threshold, in freed mapping lengths. glibc's
 * is 2; 8 measured better (docs/bench.md, "Large blocks"): a heap of
 * large blocks that is trimmed as soon as its top passes twice the
 * largest block gives its pages back and faults them in again within a
 * few calls. */
#define FAST_DYN_TRIM_FACTOR  8
#define FAST_DYN_TRIM_EXTRA_MAX ((size_t)32 << 20)

/* The trim threshold the dynamic rule sets for an mmap threshold of len:
 * FAST_DYN_TRIM_FACTOR times it, but never more than glibc's (2 * len)
 * plus FAST_DYN_TRIM_EXTRA_MAX, so that heaps of very large blocks keep
 * no more than 32 MiB beyond what glibc's would. */
static inline size_t fast_dyn_trim_threshold(size_t len)
{
	size_t factor = FAST_DYN_TRIM_FACTOR * len;
	size_t capped = 2 * len + FAST_DYN_TRIM_EXTRA_MAX;

	return factor < capped ? factor : capped;
}
/* Kept mappings (fast_keep.c): their bytes at most the live mapped bytes
 * >> FAST_KEEP_SHIFT, at least FAST_KEEP_FLOOR (and at most the home's
 * cap). Chosen by measurement: docs/arenas.md, "Large blocks". */
#define FAST_KEEP_FLOOR       ((size_t)64 << 20)
#define FAST_KEEP_SHIFT       1
/* The largest top pad (a growth beyond half the block limit always
 * fails: fast_top.c falls back on growing by what is missing). */
#define FAST_TOP_PAD_MAX      (FAST_BLOCK_MAX / 2)

/*
 * Debug mode's quarantine: freed heap blocks wait, first in first out,
 * while their payload bytes add up to at most fast_quarantine_bound(heap)
 * for a heap whose break has been at most `heap` bytes above its start:
 * 1/8 of that, at least FAST_QUARANTINE_MIN, at most FAST_QUARANTINE_MAX.
 * (1/8: a freed block waits while the program frees an eighth of its heap
 * at its largest, and the heap grows by at most 1/7 for it; the floor
 * serves small heaps, the cap large ones.) The bound only grows, since
 * that break only rises.
 */
#define FAST_QUARANTINE_MIN   ((size_t)64 * 1024)
#define FAST_QUARANTINE_MAX   ((size_t)4 << 20)
#define FAST_QUARANTINE_SHIFT 3

static inline size_t fast_quarantine_bound(size_t heap)
{
	size_t q = heap >> FAST_QUARANTINE_SHIFT;

	if (q < FAST_QUARANTINE_MIN)
		return FAST_QUARANTINE_MIN;
	return q > FAST_QUARANTINE_MAX ? FAST_QUARANTINE_MAX : q;
}

/*
 * Debug mode's zero-size blocks: addresses FAST_ZERO_STEP apart in ranges
 * of FAST_ZERO_SPAN bytes that fault on any access (the backend's
 * pages_reserve), at most FAST_ZERO_RANGES ranges at once; an address is
 * handed out once. So at most FAST_ZERO_RANGES * FAST_ZERO_SLOTS live
 * zero-size blocks fault; beyond that malloc(0) takes a minimum block.
 */
#define FAST_ZERO_SPAN   ((size_t)64 * 1024)
#define FAST_ZERO_STEP   16
#define FAST_ZERO_SLOTS  (FAST_ZERO_SPAN / FAST_ZERO_STEP)
#define FAST_ZERO_RANGES 4

/* The class of a block size (32 <= size < FAST_BLOCK_MAX). */
static inline void fast_index(size_t size, unsigned *fl, unsigned *sl)
{
	int f;

	if (size < ((size_t)1 << FAST_LINEAR_SHIFT)) {
		*fl = 0;
		*sl = (unsigned)(size >> 4);
		return;
	}
	f = bit_fls64(size);
	*fl = (unsigned)(f - (FAST_LINEAR_SHIFT - 1));
	*sl = (unsigned)(size >> (f - FAST_SL_BITS)) & (FAST_SL_COUNT - 1);
}

/* The smallest size in class (fl, sl). */
static inline size_t fast_class_base(unsigned fl, unsigned sl)
{
	int f;

	if (fl == 0)
		return (size_t)sl << 4;
	f = (int)fl + FAST_LINEAR_SHIFT - 1;
	return ((size_t)1 << f) | ((size_t)sl << (f - FAST_SL_BITS));
}

/* How many sizes (in bytes) the class of `size` spans. */
static inline size_t fast_class_width(size_t size)
{
	int f;

	if (size < ((size_t)1 << FAST_LINEAR_SHIFT))
		return FAST_ALIGN;
	f = bit_fls64(size);
	return (size_t)1 << (f - FAST_SL_BITS);
}

/*
 * `size` rounded up to the first class edge at or above it: every block in
 * that class and in later ones is at least `size` bytes.
 */
static inline size_t fast_round_class(size_t size)
{
	size_t w = fast_class_width(size);

	return (size + w - 1) & ~(w - 1);
}

/*
 * The block size that serves a request of n bytes: n plus the size word,
 * rounded to 16, at least FAST_MIN_BLOCK. False when n is too large for a
 * heap block (no size computation can wrap: n is checked first).
 */
static inline bool fast_block_size(size_t n, size_t *out)
{
	size_t r;

	if (n > FAST_BLOCK_MAX - 4 * FAST_ALIGN)
		return false;
	r = (n + FAST_HDR + FAST_ALIGN - 1) & ~(size_t)(FAST_ALIGN - 1);
	*out = r < FAST_MIN_BLOCK ? FAST_MIN_BLOCK : r;
	return true;
}

struct osmem_heap;

/*
 * Tuning one fast heap (mm/osmem/fast.c). Call after init; init restores
 * the defaults above and turns the dynamic rule on.
 *
 * The dynamic rule (glibc's): while it is on, freeing a mapping of len
 * bytes (page-rounded, header included) with mmap threshold < len <=
 * FAST_MMAP_THRESHOLD_MAX raises the mmap threshold to len, or to the
 * largest mapping made so far when that is larger (and at most the cap),
 * and the trim threshold to fast_dyn_trim_threshold() of the new mmap
 * threshold. A program that allocates and frees the same large
 * buffer then gets it from the heap the next time, and the heap keeps it
 * at the top, instead of a map and an unmap per use.
 *
 * - osmem_fast_tune(h, which, value) sets one tunable explicitly and turns
 *   the dynamic rule off for good (as mallopt does). Returns 0, or -1 and
 *   changes nothing for a value out of range: the mmap threshold at most
 *   FAST_MMAP_THRESHOLD_MAX, the top pad at most FAST_TOP_PAD_MAX; any
 *   trim threshold (SIZE_MAX: never trim).
 * - osmem_fast_tuned(h, which): the value now in force.
 * - osmem_fast_tuned_hint(h, which): the value now in force, read without
 *   the lock, for a home that runs several heaps and picks the one a
 *   request goes to, or keeps their tunables alike (the drop-in library's
 *   arenas); it may be one update behind.
 * - osmem_fast_set_mmap_threshold(h, bytes): the mmap threshold, with no
 *   cap; returns the old value. Explicit too: the dynamic rule goes off.
 * - osmem_fast_trim(h, pad): give the free top of the heap back to the
 *   backend down to pad bytes (whole pages are cut; at least a minimal
 *   block stays), and retry the pending unmaps (fast_map.c). Returns 1
 *   when memory went back, else 0 (glibc's malloc_trim).
 */
/*
 * Keeping freed mappings (mm/osmem/fast_keep.c has the policy):
 * osmem_fast_keep_maps(h, count, bytes) keeps up to count (at most
 * FAST_KEEP_SLOTS) freed mappings mapped, their bytes at most
 * fast_keep_bound() of the live mapped bytes and never above `bytes`, so
 * that a later large request of a fitting size takes one back with no
 * system call and no page fault. The dynamic rule stays on: a mapping is
 * kept only when, after the rule has run, it can still serve a request
 * that is mapped (longer than the mmap threshold by a header): in
 * practice blocks above the rule's cap (FAST_MMAP_THRESHOLD_MAX), which
 * glibc maps and unmaps every time.
 * count 0 turns it off and gives back what is kept. Returns 0, or -1 and
 * changes nothing: count too large, or a heap in debug mode (a freed
 * mapping is unmapped at once there, so a use after free faults).
 * Explicit tuning (osmem_fast_tune, osmem_fast_set_mmap_threshold) turns
 * it off too, as it turns off the dynamic rule: the program asked for
 * fixed thresholds, and gets a map and an unmap per large block.
 * osmem_fast_trim gives every kept mapping back.
 */
int osmem_fast_keep_maps(struct osmem_heap *h, unsigned count, size_t bytes);

enum osmem_fast_tunable {
	OSMEM_FAST_MMAP_THRESHOLD,      /* requests from this size: mapped */
	OSMEM_FAST_TRIM_THRESHOLD,      /* free top beyond this: trimmed */
	OSMEM_FAST_TOP_PAD,             /* added to each growth; what a trim keeps */
};

int osmem_fast_tune(struct osmem_heap *h, enum osmem_fast_tunable which,
		    size_t value);
size_t osmem_fast_tuned(struct osmem_heap *h, enum osmem_fast_tunable which);
size_t osmem_fast_tuned_hint(struct osmem_heap *h,
			     enum osmem_fast_tunable which);
size_t osmem_fast_set_mmap_threshold(struct osmem_heap *h, size_t bytes);
/* A number that changes whenever one of h's tunables does (tuning, the
 * dynamic rule), read without the lock: a home that keeps other heaps'
 * tunables like h's (the drop-in library's arenas) looks at the values
 * only when it moved. */
uint32_t osmem_fast_tune_gen(struct osmem_heap *h);
int osmem_fast_trim(struct osmem_heap *h, size_t pad);

#endif
