/* SPDX-License-Identifier: MIT */
/*
 * Tuning one fast heap: the calls a home (or a port) may make after init,
 * and the defaults every heap starts with. Public: osmem_embed.h includes
 * it, so make dist's osmem.h declares these calls (osmem.c defines them,
 * mm/osmem/fast.c and fast_keep.c); fast_index.h includes it for the tree.
 *
 * Each call takes the backend's lock, as the malloc family does. init
 * restores the defaults and turns the dynamic rule on.
 *
 * The dynamic rule (glibc's): while it is on, freeing a mapping of len
 * bytes (page-rounded, header included) with mmap threshold < len <=
 * OSMEM_FAST_MMAP_THRESHOLD_MAX raises the mmap threshold to len, or to
 * the largest mapping made so far when that is larger (and at most the
 * cap), and the trim threshold to fast_dyn_trim_threshold() of the new
 * mmap threshold (fast_index.h). A program that allocates and frees the
 * same large buffer then gets it from the heap the next time, and the heap
 * keeps it at the top, instead of a map and an unmap per use.
 *
 * - osmem_fast_tune(h, which, value) sets one tunable explicitly and turns
 *   the dynamic rule off for good (as mallopt does). Returns 0, or -1 and
 *   changes nothing for a value out of range: the mmap threshold at most
 *   OSMEM_FAST_MMAP_THRESHOLD_MAX, the top pad at most 2^46 bytes; any
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
 * - osmem_fast_tune_gen(h): a number that changes whenever one of h's
 *   tunables does (tuning, the dynamic rule), read without the lock: a
 *   home that keeps other heaps' tunables like h's (the drop-in library's
 *   arenas) looks at the values only when it moved.
 *
 * Keeping freed mappings (mm/osmem/fast_keep.c has the policy):
 * osmem_fast_keep_maps(h, count, bytes) keeps up to count (at most 8,
 * FAST_KEEP_SLOTS) freed mappings mapped, their bytes at most
 * fast_keep_bound() of the live mapped bytes and never above `bytes`, so
 * that a later large request of a fitting size takes one back with no
 * system call and no page fault. The dynamic rule stays on: a mapping is
 * kept only when, after the rule has run, it can still serve a request
 * that is mapped (longer than the mmap threshold by a header): in
 * practice blocks above the rule's cap (OSMEM_FAST_MMAP_THRESHOLD_MAX),
 * which glibc maps and unmaps every time.
 * count 0 turns it off and gives back what is kept. Returns 0, or -1 and
 * changes nothing: count too large, or a heap in debug mode (a freed
 * mapping is unmapped at once there, so a use after free faults).
 * Explicit tuning (osmem_fast_tune, osmem_fast_set_mmap_threshold) turns
 * it off too, as it turns off the dynamic rule: the program asked for
 * fixed thresholds, and gets a map and an unmap per large block.
 * osmem_fast_trim gives every kept mapping back. Off by default.
 */
#ifndef MM_OSMEM_FAST_TUNE_H
#define MM_OSMEM_FAST_TUNE_H

#include <stddef.h>
#include <stdint.h>

/* The defaults, in bytes (init). Without a mapper (pages_map NULL) the
 * mmap threshold is moot: every request stays in the heap. */
#define OSMEM_FAST_DEFAULT_MMAP_THRESHOLD ((size_t)128 * 1024) /* requests from here: mapped */
#define OSMEM_FAST_DEFAULT_TRIM_THRESHOLD ((size_t)256 * 1024) /* top free above: trim */
#define OSMEM_FAST_DEFAULT_TOP_PAD        ((size_t)64 * 1024)  /* added to each growth, kept by trim */
/* The mmap threshold's cap, for the dynamic rule and osmem_fast_tune
 * alike: glibc's on 64-bit (DEFAULT_MMAP_THRESHOLD_MAX, 4 MiB * 8). */
#define OSMEM_FAST_MMAP_THRESHOLD_MAX     ((size_t)32 << 20)

struct osmem_heap;

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
uint32_t osmem_fast_tune_gen(struct osmem_heap *h);
int osmem_fast_trim(struct osmem_heap *h, size_t pad);
int osmem_fast_keep_maps(struct osmem_heap *h, unsigned count, size_t bytes);

#endif
