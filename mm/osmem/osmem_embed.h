/* SPDX-License-Identifier: MIT */
/*
 * The allocator for a port: the one header a kernel (or any program) that
 * takes mm/osmem/ into its own tree includes. docs/porting.md explains it.
 *
 * A thin front over what the tree already has: a heap is the fast
 * allocator (struct osmem_allocator osmem_fast, allocator.h) on a struct
 * osmem_backend the port fills (backend.h: the contract of every hook),
 * kept in a struct osmem_heap_space the port provides (static, or in its
 * own memory; 64-byte aligned). Every function below is an inline call
 * into osmem_fast: this header adds no symbol and no state.
 *
 * The hooks a port fills (backend.h has the full contract):
 *   required  page_size, heap_extend (sbrk-like: old break or
 *             OSMEM_BRK_FAIL; fresh memory zeroed)
 *   optional  pages_map/pages_unmap (NULL: large blocks stay in the
 *             heap, no other call needed), lock/unlock (NULL: the port
 *             calls from one thread at a time), report (NULL: misuse is
 *             refused silently), secret (0 works; a random value per boot
 *             makes forged headers guessable by no one), caller,
 *             pages_remap, pages_reserve, debug.
 * Or, with only a buffer: osmem_heap_from_arena(space, buf, len).
 * Tuning after create (osmem_fast_set_mmap_threshold, osmem_fast_trim,
 * ...) and the defaults: fast_tune.h, included here.
 *
 * Contracts of the malloc family: allocator.h (NULL and nothing changed on
 * failure; misuse reported once through be->report and refused).
 */
#ifndef MM_OSMEM_OSMEM_EMBED_H
#define MM_OSMEM_OSMEM_EMBED_H

#include "mm/osmem/allocator.h"
#include "mm/osmem/backend.h"
#include "mm/osmem/fast_tune.h"
#include "mm/osmem/report.h"
#include <stddef.h>

/* Make `space` an empty heap on `be` (which must outlive the heap; one
 * backend serves one heap). Calls no hook. */
static inline struct osmem_heap *
osmem_heap_create(struct osmem_heap_space *space, const struct osmem_backend *be)
{
	osmem_fast.init(OSMEM_HEAP(space), be);
	return OSMEM_HEAP(space);
}

static inline void *osmem_heap_malloc(struct osmem_heap *h, size_t size)
{
	return osmem_fast.malloc(h, size);
}
static inline void *osmem_heap_calloc(struct osmem_heap *h, size_t n, size_t size)
{
	return osmem_fast.calloc(h, n, size);
}
static inline void *osmem_heap_realloc(struct osmem_heap *h, void *p, size_t size)
{
	return osmem_fast.realloc(h, p, size);
}
static inline void osmem_heap_free(struct osmem_heap *h, void *p)
{
	osmem_fast.free(h, p);
}
/* align: a power of two. */
static inline void *osmem_heap_memalign(struct osmem_heap *h, size_t align,
					size_t size)
{
	return osmem_fast.memalign(h, align, size);
}
static inline size_t osmem_heap_usable_size(struct osmem_heap *h, void *p)
{
	return osmem_fast.usable_size(h, p);
}
static inline void osmem_heap_stats(struct osmem_heap *h, struct osmem_stats *st)
{
	osmem_fast.stats(h, st);
}
/* 0 when every invariant holds; else -1 after one report. */
static inline int osmem_heap_check(struct osmem_heap *h)
{
	return osmem_fast.check(h);
}
static inline void osmem_heap_walk(struct osmem_heap *h,
				   void (*fn)(void *payload, size_t size,
					      enum osmem_block_kind kind, void *arg),
				   void *arg)
{
	osmem_fast.walk(h, fn, arg);
}

/*
 * The static arena backend (mm/osmem/static_arena.c): a break that moves
 * inside [buf, buf + len), no mapper, no lock, no report. Its state is
 * carved from the start of buf (a few dozen bytes, plus alignment), so
 * the call needs nothing else. NULL when buf is NULL or too small to hold
 * the state. The backend returned is the port's to adjust before
 * osmem_heap_create (set lock/unlock, report, secret, page_size).
 * heap_extend zeroes memory the first time the break passes it, so buf
 * may hold anything.
 */
struct osmem_backend *osmem_static_backend(void *buf, size_t len);

/* osmem_heap_create(space, osmem_static_backend(buf, len)); NULL when
 * the backend cannot be made. */
struct osmem_heap *osmem_heap_from_arena(struct osmem_heap_space *space,
					 void *buf, size_t len);

#endif
