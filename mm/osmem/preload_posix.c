/* SPDX-License-Identifier: MIT */
/*
 * build/host/libosmem-preload.so: the fast allocator (mm/osmem/fast.c) as
 * the C library's malloc, for LD_PRELOAD.
 *
 * Exports malloc free calloc realloc reallocarray posix_memalign
 * aligned_alloc memalign valloc pvalloc malloc_usable_size, C23's
 * free_sized and free_aligned_sized, glibc's malloc_trim and mallinfo2
 * (at the end), with the C standard's and glibc's semantics (C++'s
 * operator new and delete: preload_cxx.cc):
 * - failures return NULL with errno ENOMEM (posix_memalign returns the
 *   error instead); free never changes errno;
 * - malloc(0) returns a unique pointer; realloc(p, 0) frees p and returns
 *   NULL; realloc(NULL, n) is malloc(n);
 * - posix_memalign: EINVAL unless align is a power of two multiple of
 *   sizeof(void *); aligned_alloc: EINVAL unless align is a power of two;
 *   memalign rounds a non-power-of-two align up, as glibc does;
 *   valloc/pvalloc align to the page (pvalloc also rounds the size up).
 * - free_sized(p, size), free_aligned_sized(p, align, size): free p, which
 *   must have been allocated for size bytes (by malloc, calloc, realloc;
 *   aligned_alloc for the aligned one); a size that does not match the
 *   block is misuse, reported as below (what matches: fast_sized.c). The
 *   alignment is not checked: the heap keeps no record of it.
 *
 * Heaps: eight arenas (preload_arena_posix.c), each a heap of the fast
 * allocator with its own backend and lock: arena 0 on the break (sbrk)
 * and the process's page mappings (mmap, munmap, mremap for in-place
 * resizing of large blocks), the others in regions of reserved address
 * space. A thread allocates from its arena ("which heap", below); a block
 * goes back to its own. Each lock names its owner. Initialisation is lazy
 * (first call, under pthread_once; nothing here allocates).
 *
 * fork: pthread_atfork handlers (preload_fork_posix.c, which has the
 * rules and the lock order with glibc's stdio) take every arena's lock
 * before a fork, so a child forked while another thread was inside the
 * allocator can allocate. They are registered on first use, after init,
 * outside the locks (pthread_atfork may itself call malloc).
 *
 * Tuning and introspection (mallopt, the MALLOC_*_ variables, malloc_trim,
 * mallinfo2): preload_tune_posix.c.
 *
 * Misuse (double free, free of p+1 or of a stack address, use of a freed
 * block...) is reported by the backend as one line on stderr naming the
 * function the program called and its caller, then the process aborts
 * (backend_posix.c). Each exported function records itself as the front
 * first (OSMEM_POSIX_FRONT); internal calls between them go through the
 * static helpers so the front stays the one the program called.
 *
 * Small blocks (up to OSMEM_CACHE_REQ_MAX bytes) come from and go to the
 * calling thread's cache (mm/osmem/cache.h, preload_cache_posix.c):
 * malloc and free are its inline pop and push, with no call, no lock and
 * no front recorded; only when they miss do they call their slow path,
 * which records the front and the caller (passed down) first, so every
 * report still names them. A block that sits in a cache is refused by
 * realloc, malloc_usable_size and the sized frees as a freed block.
 */
#define _GNU_SOURCE
#include "libk/string.h"
#include "mm/osmem/allocator.h"
#include "mm/osmem/backend_posix.h"
#include "mm/osmem/cache.h"
#include "mm/osmem/fast_index.h"
#include "mm/osmem/preload_arena_posix.h"
#include "mm/osmem/preload_cache_posix.h"
#include "mm/osmem/preload_posix.h"
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>


static pthread_once_t preload_once = PTHREAD_ONCE_INIT;
/* The calling thread's cache, and what it reads of its heap (cache.h). */
#define PRELOAD_CACHE (&osmem_preload_cache)
#define PRELOAD_VIEW (osmem_preload_cache.view)
static int preload_atfork_done;
static int preload_ready;               /* preload_setup is done */
/* Arena 0's heap (the break's, and every mapping), set by init. */
static struct osmem_heap *preload_h0;

/* In place only (no MREMAP_MAYMOVE): the contract of pages_remap. A
 * refusal changes nothing, errno included: realloc then moves the block
 * and succeeds, and must not leave ENOMEM behind. */
static void *preload_remap(void *p, size_t old_len, size_t new_len)
{
	int saved = errno;
	void *q = mremap(p, old_len, new_len, 0);

	errno = saved;
	return q == MAP_FAILED ? NULL : q;
}

/* Freed mappings arena 0 keeps for reuse (mm/osmem/fast_keep.c; the
 * measurements behind the figures: docs/arenas.md, "Large blocks"). */
#define PRELOAD_KEEP_MAPS  8
#define PRELOAD_KEEP_BYTES ((size_t)64 << 20)

/* Keeping goes on before the environment is read: a MALLOC_*_ variable
 * is explicit tuning, which turns it off again (as mallopt does). Debug
 * mode refuses it (freed mappings go at once there). */
static void preload_init(void)
{
	osmem_arena_init(osmem_posix_backend(), preload_remap);
	preload_h0 = osmem_arena_heap(osmem_arena_at(0));
	osmem_fast_keep_maps(preload_h0, PRELOAD_KEEP_MAPS, PRELOAD_KEEP_BYTES);
	osmem_preload_tune_from_env();
}

/* Init (once, under pthread_once) and the fork handlers' registration
 * (once, after init, outside any lock: pthread_atfork may call malloc,
 * which then finds init done and goes on). */
static __attribute__((noinline)) void preload_setup(void)
{
	pthread_once(&preload_once, preload_init);
	if (!__atomic_exchange_n(&preload_atfork_done, 1, __ATOMIC_ACQ_REL)) {
		pthread_atfork(osmem_preload_fork_prepare,
			       osmem_preload_fork_parent,
			       osmem_preload_fork_child);
		__atomic_store_n(&preload_ready, 1, __ATOMIC_RELEASE);
	}
}

/* Every slow path's first step: one load once both are done. */
static inline const struct osmem_allocator *preload(void)
{
	if (!__atomic_load_n(&preload_ready, __ATOMIC_ACQUIRE))
		preload_setup();
	return &osmem_fast;
}

const struct osmem_allocator *osmem_preload(void)
{
	return preload();
}

static void *preload_nomem(void *p)
{
	if (!p)
		errno = ENOMEM;
	return p;
}

/* ------------------------------------------------------ which heap ---- */

/*
 * Every block lives in one arena's heap (preload_arena_posix.c). A new
 * block comes from the calling thread's arena, or from arena 0 when it is
 * large (arena 0 maps every mapped block) or when the thread's arena's
 * region is full; a block goes back to its own arena, whoever frees it,
 * told by its address (osmem_arena_of).
 */
static inline struct osmem_heap *preload_heap0(void)
{
	return preload_h0;
}

/* The heap a new block of n bytes (more than a cache holds) comes from.
 * The thread's arena takes arena 0's trim threshold and top pad first,
 * should the dynamic rule have raised them since. */
static struct osmem_heap *preload_heap_for(size_t n)
{
	struct osmem_arena *a = osmem_preload_arena();

	if (osmem_arena_heap(a) == preload_heap0() ||
	    n >= osmem_fast_tuned_hint(preload_heap0(), OSMEM_FAST_MMAP_THRESHOLD))
		return preload_heap0();
	osmem_arena_sync(a);
	return osmem_arena_heap(a);
}

/* p's heap: where its free, realloc and usable size go. */
static struct osmem_heap *preload_heap_of(const void *p)
{
	return osmem_arena_heap(osmem_arena_of(p));
}

/* p from heap h's core, or NULL: retry on arena 0 (h's region is full). */
#define PRELOAD_OR_HEAP0(h, p, call)                                         	((p) || (h) == preload_heap0() ? (p) : (call))

static void *preload_core_malloc(size_t n)
{
	struct osmem_heap *h = preload_heap_for(n);
	void *p = osmem_fast.malloc(h, n);

	return PRELOAD_OR_HEAP0(h, p, osmem_fast.malloc(preload_heap0(), n));
}

static void *preload_core_calloc(size_t nmemb, size_t size)
{
	struct osmem_heap *h = preload_heap_for(nmemb * size);
	void *p = osmem_fast.calloc(h, nmemb, size);

	return PRELOAD_OR_HEAP0(h, p, osmem_fast.calloc(preload_heap0(), nmemb,
							size));
}

static void *preload_core_memalign(size_t align, size_t n)
{
	struct osmem_heap *h;
	void *p;

	preload();
	h = preload_heap_for(n);
	p = osmem_fast.memalign(h, align, n);
	return PRELOAD_OR_HEAP0(h, p, osmem_fast.memalign(preload_heap0(), align,
							  n));
}

/* ------------------------------------------------- malloc and free ---- */

/* The slow paths record the front (NULL: the caller has) and its caller. */
static void preload_front(const char *front, const void *caller)
{
	if (front)
		osmem_posix_front = (struct osmem_posix_front){ front, caller };
}

/* n bytes from the cache, or through it from the core; errno left alone. */
static __attribute__((noinline)) void *
preload_alloc_slow(size_t n, const char *front, const void *caller)
{
	void *p;

	preload_front(front, caller);
	preload();
	/* Medium and large sizes below the mmap threshold: the stash
	 * first (cache.h), else the core (a stash miss goes there too, the
	 * thread's arena synced first as for any block from the core). */
	if (n > OSMEM_CACHE_REQ_MAX) {
		if (n <= OSMEM_CACHE_STASH_REQ_MAX &&
		    n < osmem_fast_tuned_hint(preload_heap0(), OSMEM_FAST_MMAP_THRESHOLD) &&
		    (p = osmem_preload_stash_alloc(n)))
			return p;
		return preload_core_malloc(n);
	}
	p = osmem_preload_cache_alloc(n);
	return p ? p : osmem_fast.malloc(preload_heap0(), n);
}

static inline void *preload_alloc(size_t n)
{
	void *p = osmem_cache_pop(PRELOAD_CACHE, PRELOAD_VIEW, n);

	return p ? p : preload_alloc_slow(n, NULL, NULL);
}

/* malloc's own: errno ENOMEM on failure. */
static __attribute__((noinline)) void *
preload_malloc_slow(size_t n, const void *caller)
{
	return preload_nomem(preload_alloc_slow(n, "malloc", caller));
}

PRELOAD_API void *malloc(size_t n)
{
	void *p = osmem_cache_pop(PRELOAD_CACHE, PRELOAD_VIEW, n);

	if (__builtin_expect(p != NULL, 1))
		return p;
	return preload_malloc_slow(n, __builtin_return_address(0));
}

/* free never changes errno. A medium or large block of the thread's
 * own heap goes to its stash first, before the front's other layers
 * (errno, the caller's record, the block's arena, the cache's slow path):
 * a stash put reports nothing and its checks need only the view (an
 * empty one while a trim is asked, so the block then goes the long way).
 * Measured: callgrind, sizeclass's 64 KiB and 1 MiB threads (docs/bench.md). */
static __attribute__((noinline)) void
preload_free_slow(void *p, const char *front, const void *caller)
{
	int saved;

	if (osmem_cache_stash_free(PRELOAD_CACHE, PRELOAD_VIEW, p))
		return;
	saved = errno;

	preload_front(front, caller);
	if (p) {
		preload();
		osmem_preload_cache_free(preload_heap_of(p), p);
	}
	errno = saved;
}

static void preload_free(void *p)
{
	if (!osmem_cache_push(PRELOAD_CACHE, PRELOAD_VIEW, p))
		preload_free_slow(p, NULL, NULL);
}

PRELOAD_API void free(void *p)
{
	if (__builtin_expect(osmem_cache_push(PRELOAD_CACHE, PRELOAD_VIEW, p), 1))
		return;
	preload_free_slow(p, "free", __builtin_return_address(0));
}

PRELOAD_API void *calloc(size_t nmemb, size_t size)
{
	size_t n;
	void *p;

	OSMEM_POSIX_FRONT("calloc");
	/* Small: a cache's block, cleared (it is not known to be zero).
	 * Large, or caches off (debug mode): the core's calloc, which knows
	 * which of its memory is still zero. */
	if (!__builtin_mul_overflow(nmemb, size, &n) && n <= OSMEM_CACHE_REQ_MAX) {
		p = osmem_cache_pop(PRELOAD_CACHE, PRELOAD_VIEW, n);
		if (!p && preload() && osmem_preload_cache_on())
			p = osmem_preload_cache_alloc(n);
		if (!p)
			return preload_nomem(preload_core_calloc(nmemb, size));
		memset(p, 0, n);
		return p;
	}
	preload();
	return preload_nomem(preload_core_calloc(nmemb, size));
}

/* Live block p of heap h (an arena but 0), n bytes now, moved to arena 0:
 * it is large, or h's region is full. */
static void *preload_move_to_heap0(struct osmem_heap *h, void *p, size_t n)
{
	void *q = osmem_fast.malloc(preload_heap0(), n);
	size_t old;

	if (q) {
		old = osmem_fast.usable_size(h, p);
		memcpy(q, p, old < n ? old : n);
		osmem_fast.free(h, p);
	}
	return q;
}

static void *preload_realloc(void *p, size_t n)
{
	struct osmem_heap *h;
	void *q;

	if (p && n == 0) {
		preload_free(p);
		return NULL;
	}
	if (!p)
		return preload_nomem(preload_alloc(n));
	preload();
	h = preload_heap_of(p);
	if (osmem_cache_refuse(PRELOAD_CACHE, h, p, OSMEM_OP_REALLOC))
		return NULL;
	if (h != preload_heap0() &&
	    n >= osmem_fast_tuned_hint(preload_heap0(), OSMEM_FAST_MMAP_THRESHOLD))
		return preload_nomem(preload_move_to_heap0(h, p, n));
	/* NULL with p live (a misuse reports and never returns here): out
	 * of memory in h, maybe only of h's region. */
	q = osmem_fast.realloc(h, p, n);
	return preload_nomem(PRELOAD_OR_HEAP0(h, q,
					      preload_move_to_heap0(h, p, n)));
}

PRELOAD_API void *realloc(void *p, size_t n)
{
	OSMEM_POSIX_FRONT("realloc");
	return preload_realloc(p, n);
}

PRELOAD_API void *reallocarray(void *p, size_t nmemb, size_t size)
{
	size_t n;

	OSMEM_POSIX_FRONT("reallocarray");
	if (__builtin_mul_overflow(nmemb, size, &n)) {
		errno = ENOMEM;
		return NULL;
	}
	return preload_realloc(p, n);
}

static int preload_pow2(size_t x)
{
	return x && !(x & (x - 1));
}

PRELOAD_API int posix_memalign(void **out, size_t align, size_t n)
{
	void *p;

	OSMEM_POSIX_FRONT("posix_memalign");
	if (!preload_pow2(align) || align % sizeof(void *))
		return EINVAL;
	p = preload_core_memalign(align, n);
	if (!p)
		return ENOMEM;
	*out = p;
	return 0;
}

PRELOAD_API void *aligned_alloc(size_t align, size_t n)
{
	OSMEM_POSIX_FRONT("aligned_alloc");
	if (!preload_pow2(align)) {
		errno = EINVAL;
		return NULL;
	}
	return preload_nomem(preload_core_memalign(align, n));
}

static void *preload_memalign(size_t align, size_t n)
{
	if (align > SIZE_MAX / 2 + 1) {
		errno = EINVAL;
		return NULL;
	}
	/* glibc rounds a non-power-of-two alignment up to the next one. */
	size_t a = 1;

	while (a < align)
		a <<= 1;
	return preload_nomem(preload_core_memalign(a, n));
}

PRELOAD_API void *memalign(size_t align, size_t n)
{
	OSMEM_POSIX_FRONT("memalign");
	return preload_memalign(align, n);
}

static size_t preload_page(void)
{
	return (size_t)sysconf(_SC_PAGESIZE);
}

PRELOAD_API void *valloc(size_t n)
{
	OSMEM_POSIX_FRONT("valloc");
	return preload_memalign(preload_page(), n);
}

PRELOAD_API void *pvalloc(size_t n)
{
	size_t page = preload_page();

	OSMEM_POSIX_FRONT("pvalloc");
	if (n > SIZE_MAX - (page - 1)) {
		errno = ENOMEM;
		return NULL;
	}
	n = (n + page - 1) & ~(page - 1);
	return preload_memalign(page, n ? n : page);
}

PRELOAD_API size_t malloc_usable_size(void *p)
{
	OSMEM_POSIX_FRONT("malloc_usable_size");
	if (!p)
		return 0;
	preload();
	if (osmem_cache_refuse(PRELOAD_CACHE, preload_heap_of(p), p,
			       OSMEM_OP_USABLE_SIZE))
		return 0;
	return osmem_fast.usable_size(preload_heap_of(p), p);
}

/* ----------------------------------------------------- sized frees ---- */

static void preload_free_sized(void *p, size_t size)
{
	int saved;

	if (osmem_cache_push_sized(PRELOAD_CACHE, PRELOAD_VIEW, p, size))
		return;
	saved = errno;
	if (p) {
		preload();
		osmem_preload_cache_free_sized(preload_heap_of(p), p, size);
	}
	errno = saved;
}

PRELOAD_API void free_sized(void *p, size_t size)
{
	OSMEM_POSIX_FRONT("free_sized");
	preload_free_sized(p, size);
}

PRELOAD_API void free_aligned_sized(void *p, size_t align, size_t size)
{
	OSMEM_POSIX_FRONT("free_aligned_sized");
	(void)align;
	preload_free_sized(p, size);
}

/* ------------------------------------- for the C++ front (hidden) ---- */

void *osmem_preload_new(size_t n, size_t align)
{
	if (align)
		return preload_core_memalign(align, n);
	return preload_alloc(n);
}

void osmem_preload_free(void *p)
{
	preload_free(p);
}

void osmem_preload_free_sized(void *p, size_t size)
{
	preload_free_sized(p, size);
}

