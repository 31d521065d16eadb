/* SPDX-License-Identifier: MIT */
/*
 * Inside build/host/libosmem-preload.so: the arenas, several heaps of the
 * fast allocator, each with its own lock, so that threads stop queueing on
 * one (mm/osmem/preload_arena_posix.c has the layout and the rules).
 * Hidden: nothing here is exported.
 */
#ifndef MM_OSMEM_PRELOAD_ARENA_POSIX_H
#define MM_OSMEM_PRELOAD_ARENA_POSIX_H

#include "mm/osmem/allocator.h"
#include "mm/osmem/backend.h"
#include "mm/osmem/fast_index.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define OSMEM_ARENAS            8       /* arena 0 on the break, 7 more */
#define OSMEM_ARENA_SPAN_SHIFT  30      /* each other one: 1 GiB of space */
#define OSMEM_ARENA_SPAN        ((size_t)1 << OSMEM_ARENA_SPAN_SHIFT)

struct osmem_arena {
	struct osmem_backend be;        /* the heap's: its break, its lock */
	uint32_t lock_word;             /* the lock (preload_arena_posix.c) */
	unsigned index;
	bool ready;                     /* initialized; read with acquire */
	unsigned threads;               /* threads bound to it, alive */
	/* Arena 0's osmem_fast_tune_gen when this one last took its
	 * tunables (osmem_arena_sync); read and written relaxed. */
	uint32_t synced_gen;
	/* Arenas 1..: the heap lives in [lo, hi); the break is brk; pages
	 * below rw_end are readable and writable, the rest PROT_NONE. */
	char *lo, *brk, *rw_end, *hi;
	struct osmem_heap_space space;
};

/* Arena 0 on `base` (the posix backend: sbrk) with `remap`; once, before
 * anything else here, under the caller's pthread_once. */
void osmem_arena_init(const struct osmem_backend *base,
		      void *(*remap)(void *p, size_t old_len, size_t new_len));

/* The calling thread's arena: bound on its first call to the one with
 * the fewest threads (arena 0 for all in debug mode, or when no other
 * could be made). */
struct osmem_arena *osmem_arena_mine(void);
/* The calling thread is exiting: its arena counts it no more (it keeps
 * using it for what it still frees or allocates). */
void osmem_arena_leave(void);
/* Threads bound from now on share the first n arenas (glibc's
 * M_ARENA_MAX; n above OSMEM_ARENAS counts as OSMEM_ARENAS). 0, or -1 for
 * n == 0 (nothing changes). Threads bound already keep their arena. */
int osmem_arena_set_max(size_t n);
/* Arena i when it is ready, else NULL. */
struct osmem_arena *osmem_arena_at(unsigned i);

/* The arena whose heap p lies in by its address alone: one subtraction
 * and a compare, no memory read at p. Anything outside the other arenas'
 * regions (arena 0's heap, every mapping, wild pointers) is arena 0's. */
struct osmem_arena *osmem_arena_of(const void *p);

static inline struct osmem_heap *osmem_arena_heap(struct osmem_arena *a)
{
	return OSMEM_HEAP(&a->space);
}

/* Arena a takes arena 0's trim threshold and top pad (every arena has
 * the process's: set by mallopt or the environment on arena 0, raised
 * there by its dynamic rule as mappings are freed). Cheap when nothing
 * changed since the last sync: two loads and a compare. */
void osmem_arena_sync(struct osmem_arena *a);
/* mallopt's tuning: arena 0 takes the value as osmem_fast_tune does (0,
 * or -1 and nothing changes), the others follow (osmem_arena_sync); their
 * mmap threshold stays "never" (they map nothing). */
int osmem_arena_tune(enum osmem_fast_tunable which, size_t value);

/* fork: the prepare handler's part takes the lock that binds threads and
 * makes arenas, then every ready arena's lock, those the calling thread
 * does not hold already, and returns which (a bit per arena, and
 * OSMEM_ARENA_FORK_MAKE: OSMEM_ARENA_FORK_BITS bits in all); the parent's
 * gives those back, the child's makes them free and counts the one
 * thread left. */
#define OSMEM_ARENA_FORK_MAKE   (1u << OSMEM_ARENAS)
#define OSMEM_ARENA_FORK_BITS   (OSMEM_ARENAS + 1)
uint32_t osmem_arena_fork_lock(void);
void osmem_arena_fork_unlock(uint32_t took);
void osmem_arena_fork_reset(uint32_t took);

#endif
