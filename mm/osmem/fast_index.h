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
#include "mm/osmem/fast_tune.h"
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
 * Tunables, in bytes: the defaults every heap starts with (init), named
 * in fast_tune.h, the public header. Each heap keeps its own
 * (osmem_fast_tune).
 */
#define FAST_MMAP_THRESHOLD   OSMEM_FAST_DEFAULT_MMAP_THRESHOLD
#define FAST_TRIM_THRESHOLD   OSMEM_FAST_DEFAULT_TRIM_THRESHOLD
#define FAST_TOP_PAD          OSMEM_FAST_DEFAULT_TOP_PAD
#define FAST_GROW_STEP        FAST_TOP_PAD          /* the top pad's two roles */
#define FAST_TRIM_KEEP        FAST_TOP_PAD
#define FAST_MMAP_THRESHOLD_MAX OSMEM_FAST_MMAP_THRESHOLD_MAX
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

/* Tuning calls and their defaults: fast_tune.h (public). */

#endif
