/* SPDX-License-Identifier: MIT */
/*
 * One allocator, as the rest of the system sees it.
 *
 * Every allocator in mm/osmem/ (classic, fast) fills one struct
 * osmem_allocator. The kernel's kmalloc front picks one at boot by name
 * (heap=classic), the user-space wrappers bind one at build time, and the
 * shared test suite runs the same cases against each.
 *
 * A heap is an instance: all of an allocator's state lives in a struct
 * osmem_heap that the caller provides (OSMEM_HEAP_BYTES_MAX bytes, 64-byte
 * aligned: the fast heap keeps its remote-free stack on a cache line of
 * its own; e.g. a static struct osmem_heap_space), so kmalloc's heap, the
 * user-space library's heap and each test's heap never share state. Two
 * heaps must not share one backend's break.
 *
 * Contracts (beyond the C standard's malloc family):
 * - init(h, be) makes h an empty heap on backend `be`, forgetting anything
 *   h held before; the first allocation after it is the first use of a new
 *   heap. Nothing calls the backend during init itself.
 * - malloc/calloc/realloc/memalign return NULL and change nothing when a size
 *   computation overflows or the backend refuses. One documented exception,
 *   kept because the course reference behaves so: when classic's realloc
 *   fails after absorbing free neighbours, they stay absorbed (the data is
 *   intact; usable_size grew). The fuzzer holds fast to the strict rule.
 * - realloc of a pointer that is no live block (freed, merged into a free
 *   neighbour, never allocated, not from this heap): classic returns NULL,
 *   changes nothing and reports nothing, the assignment's robustness rule
 *   (its tests realloc freed blocks on purpose and go on); a corrupted
 *   header seen by realloc is still reported. fast reports it as misuse,
 *   as free does. free reports every such pointer in both.
 * - memalign(h, align, size): align is a power of two; NULL if the
 *   allocator cannot align that far.
 * - usable_size(h, p) is the number of bytes the caller may use at p.
 * - free_sized(h, p, size) frees p, which the caller says was allocated
 *   for `size` bytes (C23 free_sized, C++ sized operator delete). When
 *   the allocator can tell that size is not the block's, it reports
 *   OSMEM_FAULT_SIZE_MISMATCH (report.h: the block's size, the size
 *   given) and refuses: p stays live, its bytes untouched. Lookup, check
 *   and free happen under one lock. What "the block's size" admits is the
 *   allocator's to say (fast: mm/osmem/fast_sized.c); a size larger than
 *   usable_size never matches. NULL p does nothing; any other misuse is
 *   reported as free reports it. The op may be NULL (classic): callers
 *   then call free.
 * - check(h) walks every block and list and returns 0 when every invariant
 *   holds; otherwise it reports the first broken one and returns -1.
 * - walk(h, fn, arg) calls fn once per block: heap blocks in address order,
 *   then mapped blocks (blocks put out of use, and the fast allocator's
 *   quarantined blocks in debug mode, neither free nor live, are not
 *   walked; stats() counts the latter). A block held by a small-block
 *   cache is reported as OSMEM_BLOCK_CACHED (fast), and stats count it in
 *   blocks_cached.
 * - Each entry point takes the backend's lock for its whole length.
 */
#ifndef MM_OSMEM_ALLOCATOR_H
#define MM_OSMEM_ALLOCATOR_H

#include "mm/osmem/backend.h"
#include <stdbool.h>
#include <stddef.h>

/* The largest heap state of any allocator; each allocator checks at build
 * time that its state fits. */
#define OSMEM_HEAP_BYTES_MAX 16384

/* Opaque: each allocator casts it to its own state. */
struct osmem_heap;

/* Storage for one heap of any allocator (aligned to a cache line; by the
 * attribute, not _Alignas, which C++ lacks: a C++ kernel includes make
 * dist's osmem.h too). */
struct osmem_heap_space {
	unsigned char bytes[OSMEM_HEAP_BYTES_MAX] __attribute__((aligned(64)));
};

#define OSMEM_HEAP(space) ((struct osmem_heap *)(void *)(space)->bytes)

struct osmem_stats {
	size_t heap_bytes;       /* bytes between heap start and the break */
	size_t bytes_in_use;     /* payload bytes of live heap blocks */
	size_t bytes_free;       /* payload bytes of free heap blocks */
	size_t largest_free;     /* largest free heap payload */
	size_t blocks_in_use;    /* live heap blocks */
	size_t blocks_free;      /* free heap blocks */
	/* Live heap blocks sitting free in a small-block cache (fast with
	 * caches, mm/osmem/cache.h): not counted in *_in_use above; 0 for
	 * classic and for heaps without caches. */
	size_t blocks_cached;
	size_t bytes_cached;     /* their payload bytes */
	size_t mapped_bytes;     /* bytes in live page mappings */
	size_t mapped_blocks;    /* live page mappings */
	size_t heap_extend_calls;
	size_t map_calls;
	size_t unmap_calls;
	/* Freed mappings the backend refused to unmap (e.g. ENOMEM at
	 * vm.max_map_count): no longer blocks, still mapped, to be unmapped
	 * by a later call (fast: fast_map.c). classic reports such a refusal
	 * and keeps the mapping live: 0 there. */
	size_t unmap_pending_blocks;
	size_t unmap_pending_bytes;
	/* Freed mappings kept mapped for reuse (fast, when its home turns
	 * keeping on: osmem_fast_keep_maps): no longer blocks, their bytes
	 * the whole mappings'; a later large malloc takes one back, a trim
	 * gives them all back. 0 for classic. */
	size_t kept_blocks;
	size_t kept_bytes;
	/* Debug mode (fast): freed heap blocks waiting in the quarantine,
	 * neither in use nor free (counted in neither above). */
	size_t quarantined_blocks;
	size_t quarantined_bytes; /* their payload bytes */
};

/* Add the stats of one more heap to *sum (a home that runs several: the
 * drop-in library's arenas); largest_free is the larger of the two. */
static inline void osmem_stats_add(struct osmem_stats *sum,
				   const struct osmem_stats *st)
{
	sum->heap_bytes += st->heap_bytes;
	sum->bytes_in_use += st->bytes_in_use;
	sum->bytes_free += st->bytes_free;
	if (st->largest_free > sum->largest_free)
		sum->largest_free = st->largest_free;
	sum->blocks_in_use += st->blocks_in_use;
	sum->blocks_free += st->blocks_free;
	sum->blocks_cached += st->blocks_cached;
	sum->bytes_cached += st->bytes_cached;
	sum->mapped_bytes += st->mapped_bytes;
	sum->mapped_blocks += st->mapped_blocks;
	sum->heap_extend_calls += st->heap_extend_calls;
	sum->map_calls += st->map_calls;
	sum->unmap_calls += st->unmap_calls;
	sum->unmap_pending_blocks += st->unmap_pending_blocks;
	sum->unmap_pending_bytes += st->unmap_pending_bytes;
	sum->kept_blocks += st->kept_blocks;
	sum->kept_bytes += st->kept_bytes;
	sum->quarantined_blocks += st->quarantined_blocks;
	sum->quarantined_bytes += st->quarantined_bytes;
}

/* CACHED: a heap block that is live for the allocator but sits free in a
 * small-block cache (fast, mm/osmem/cache.h). */
enum osmem_block_kind {
	OSMEM_BLOCK_FREE, OSMEM_BLOCK_ALLOC, OSMEM_BLOCK_MAPPED,
	OSMEM_BLOCK_CACHED,
};

struct osmem_allocator {
	const char *name;
	size_t heap_bytes;	/* sizeof the allocator's state */
	/* It has a debug mode (red zones, poisoning, ...) that a backend's
	 * debug flag turns on (fast); false: the flag is ignored (classic:
	 * its block layout is the course's, with no room for red zones). */
	bool has_debug_mode;
	/* Every payload's alignment: 8 for classic (the course's layout),
	 * 16 for fast (max_align_t's). A trace replay checks blocks by it. */
	size_t min_align;
	void (*init)(struct osmem_heap *h, const struct osmem_backend *be);
	void *(*malloc)(struct osmem_heap *h, size_t size);
	void *(*calloc)(struct osmem_heap *h, size_t nmemb, size_t size);
	void *(*realloc)(struct osmem_heap *h, void *ptr, size_t size);
	void (*free)(struct osmem_heap *h, void *ptr);
	void (*free_sized)(struct osmem_heap *h, void *ptr, size_t size);
	void *(*memalign)(struct osmem_heap *h, size_t align, size_t size);
	size_t (*usable_size)(struct osmem_heap *h, void *ptr);
	void (*stats)(struct osmem_heap *h, struct osmem_stats *st);
	int (*check)(struct osmem_heap *h);
	void (*walk)(struct osmem_heap *h,
		     void (*fn)(void *payload, size_t size,
				enum osmem_block_kind kind, void *arg),
		     void *arg);
};

extern const struct osmem_allocator osmem_fast;
/* The course's allocator (mm/osmem/classic*.c) and classic with another
 * placement policy (lab 2). make dist's osmem.c holds only fast, so
 * tools/amalgamate.py drops this block from its osmem.h: a port sees
 * declared exactly what it can link. */
#ifndef OSMEM_DIST
extern const struct osmem_allocator osmem_classic;
extern const struct osmem_allocator osmem_classic_first;
extern const struct osmem_allocator osmem_classic_next;
extern const struct osmem_allocator osmem_classic_worst;
#endif /* OSMEM_DIST */

#endif
