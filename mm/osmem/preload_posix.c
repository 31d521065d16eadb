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
 * fork: pthread_atfork handlers take the locks before the fork and release
 * them in the parent and make them free in the child, so a child forked
 * while another thread was inside the allocator can allocate. The handlers are
 * registered on first use, after init, outside the lock (pthread_atfork
 * may itself call malloc). A fork from a signal handler that interrupted
 * malloc in the forking thread itself must not wait for that lock: see
 * preload_fork_prepare.
 *
 * Lock order: the C library's stdio locks come before the allocator's
 * (the arenas' locks, taken in index order when more than one is held).
 * getline allocates while it holds its stream's lock; fflush(NULL) holds
 * the stream-list lock and waits for each stream's lock in turn; glibc's
 * fork (2.36, posix/fork.c) runs the atfork prepare handlers first and
 * only then takes the stream-list lock (and its own malloc's locks). A
 * prepare handler taking the allocator's lock alone would close a circle
 * with three threads: fork holds the allocator and waits for the list,
 * fflush(NULL) holds the list and waits for the stream, getline holds the
 * stream and waits in malloc for the allocator. So in a multi-threaded
 * process the prepare handler takes the list lock first, with glibc's
 * _IO_list_lock (recursive: fork's own call then only counts up), then
 * the allocator's lock; the parent handler releases the allocator's lock,
 * then the list; the child handler makes the allocator's lock free, then
 * resets the list lock. That order is safe because nothing takes the
 * stream-list lock while holding the allocator's: the allocator never
 * calls stdio (the backend reports misuse with write(2) and abort(),
 * which in glibc since 2.27 flushes no stream), and no lock of ours is
 * held while the program runs. The one exception is the signal-handler
 * fork above, which takes the list with the allocator's lock held by the
 * interrupted call: in a multi-threaded process glibc's fork takes the
 * list right there anyway, and a single-threaded one skips the list.
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

#define PRELOAD_API __attribute__((visibility("default")))

static pthread_once_t preload_once = PTHREAD_ONCE_INIT;
/* The calling thread's cache, and what it reads of its heap (cache.h). */
#define PRELOAD_CACHE (&osmem_preload_cache)
#define PRELOAD_VIEW osmem_preload_view
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

/* MALLOC_MMAP_THRESHOLD_ and the like (below, with mallopt). */
static void preload_tune_from_env(void);

static void preload_init(void)
{
	osmem_arena_init(osmem_posix_backend(), preload_remap);
	preload_h0 = osmem_arena_heap(osmem_arena_at(0));
	preload_tune_from_env();
}

/*
 * glibc's stdio stream-list lock (libio: exported, declared in no public
 * header; a recursive lock). Weak, as is __libc_single_threaded (glibc
 * 2.32): on a C library without them their addresses are NULL, and the
 * fork handlers skip the list lock, or take it whatever the threads.
 */
extern void _IO_list_lock(void) __attribute__((weak));
extern void _IO_list_unlock(void) __attribute__((weak));
extern void _IO_list_resetlock(void) __attribute__((weak));
extern char __libc_single_threaded __attribute__((weak));

static int preload_stdio_list_lock(void)
{
	return _IO_list_lock && _IO_list_unlock && _IO_list_resetlock;
}

static int preload_single_threaded(void)
{
	return &__libc_single_threaded && __libc_single_threaded;
}

/*
 * fork. The prepare handler takes every arena's lock
 * (preload_arena_posix.c, in index order), so no other thread is inside
 * the allocator when the address space is copied, and the child's heaps
 * are consistent; the parent handler gives them back, the child handler
 * makes them free (the child's only thread is the forking one: nobody
 * else can hold them or sleep on them there).
 *
 * Except those the forking thread already holds: fork called from a
 * signal handler that interrupted this thread inside malloc or free
 * (POSIX.1-2008 lists fork as async-signal-safe; glibc's tst-mallocfork2
 * checks it). Waiting would wait for ourselves for ever. So the
 * prepare handler then skips that lock, and the parent and child handlers
 * give back only what it took: the interrupted call resumes when the
 * handler returns, finishes and unlocks, in the parent and in the child
 * alike (in the child the forking thread IS the interrupted thread, with
 * the same id). Until then the child must not allocate from the handler:
 * the lock is held and the heap may be half-updated. That is POSIX's rule
 * anyway (only async-signal-safe calls in a signal handler, and in the
 * child of a multi-threaded fork), and _exit, exec and the like are fine.
 * Each lock names its owner exactly, so "already mine" is never guessed.
 *
 * First, though, the prepare handler takes glibc's stream-list lock, in a
 * multi-threaded process (the lock order at the top of this file). A
 * single-threaded one cannot deadlock that way (it takes three threads),
 * and there glibc's fork takes no lock at all, so that fork stays
 * async-signal-safe: taking the list lock there would make a fork from a
 * handler that interrupted fopen, fclose or fflush(NULL) inside glibc's
 * lock or unlock wait for its own thread (seen in gdb: a 30-second run of
 * fork_in_handler with fopen and fclose in its loop hung so, in
 * _IO_link_in, when this handler took the list whatever the threads).
 *
 * What prepare took is pushed on a per-thread stack of FORK_BITS-bit
 * records (a bit per arena, one for the list), popped by the parent or
 * child handler: a fork from a signal handler that interrupted this
 * thread's own fork between the prepare and the parent handler nests, and
 * must not spoil the outer fork's record. Seven levels fit.
 */
#define FORK_TOOK_LIST	(1ull << OSMEM_ARENAS)  /* glibc's stream-list lock */
#define FORK_BITS	(OSMEM_ARENAS + 1)

static __thread uint64_t preload_fork_took
	__attribute__((tls_model("initial-exec")));

static void preload_fork_prepare(void)
{
	uint64_t took = 0;

	if (preload_stdio_list_lock() && !preload_single_threaded()) {
		_IO_list_lock();
		took |= FORK_TOOK_LIST;
	}
	took |= osmem_arena_fork_lock();
	preload_fork_took = preload_fork_took << FORK_BITS | took;
}

static uint64_t preload_fork_pop(void)
{
	uint64_t took = preload_fork_took & ((1ull << FORK_BITS) - 1);

	preload_fork_took >>= FORK_BITS;
	return took;
}

static void preload_fork_parent(void)
{
	uint64_t took = preload_fork_pop();

	osmem_arena_fork_unlock((uint32_t)(took & (FORK_TOOK_LIST - 1)));
	if (took & FORK_TOOK_LIST)
		_IO_list_unlock();
}

/* glibc's fork has reset the list lock already in the child of a
 * multi-threaded process; again is harmless. */
static void preload_fork_child(void)
{
	uint64_t took = preload_fork_pop();

	osmem_arena_fork_reset((uint32_t)(took & (FORK_TOOK_LIST - 1)));
	if (took & FORK_TOOK_LIST)
		_IO_list_resetlock();
}

/* Init (once, under pthread_once) and the fork handlers' registration
 * (once, after init, outside any lock: pthread_atfork may call malloc,
 * which then finds init done and goes on). */
static __attribute__((noinline)) void preload_setup(void)
{
	pthread_once(&preload_once, preload_init);
	if (!__atomic_exchange_n(&preload_atfork_done, 1, __ATOMIC_ACQ_REL)) {
		pthread_atfork(preload_fork_prepare, preload_fork_parent,
			       preload_fork_child);
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
	/* Medium sizes below the mmap threshold: the stash first (cache.h). */
	if (n > OSMEM_CACHE_REQ_MAX &&
	    (n > OSMEM_CACHE_STASH_REQ_MAX ||
	     n >= osmem_fast_tuned_hint(preload_heap0(), OSMEM_FAST_MMAP_THRESHOLD)))
		return preload_core_malloc(n);
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

/* free never changes errno. */
static __attribute__((noinline)) void
preload_free_slow(void *p, const char *front, const void *caller)
{
	int saved = errno;

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

/* ------------------------------------------------------------- tuning ---- */

/*
 * Tuning, as glibc's: mallopt(M_MMAP_THRESHOLD, M_TRIM_THRESHOLD,
 * M_TOP_PAD or M_ARENA_MAX, value), and at init the environment variables
 * glibc reads for the same four, MALLOC_MMAP_THRESHOLD_,
 * MALLOC_TRIM_THRESHOLD_, MALLOC_TOP_PAD_ and MALLOC_ARENA_MAX. The first
 * three set arena 0's value explicitly (the other arenas follow it),
 * which turns off the dynamic rule that raises the thresholds as mappings
 * are freed (contract: osmem_fast_tune, mm/osmem/fast_index.h).
 * malloc_trim(pad) flushes the calling thread's cache and gives the free
 * top of every arena's heap back down to pad bytes.
 */

/* The tunable a mallopt parameter or variable names; -1: none of ours. */
static int preload_tunable(int param)
{
	switch (param) {
	case M_MMAP_THRESHOLD:
		return OSMEM_FAST_MMAP_THRESHOLD;
	case M_TRIM_THRESHOLD:
		return OSMEM_FAST_TRIM_THRESHOLD;
	case M_TOP_PAD:
		return OSMEM_FAST_TOP_PAD;
	}
	return -1;
}

/*
 * 1 when the value was set, 0 when it is out of range (an mmap threshold
 * above 32 MiB, as glibc; a negative top pad, which glibc would take) or
 * the parameter is one this allocator does not have (M_MMAP_MAX,
 * M_ARENA_TEST...: glibc says 1 to those, but nothing here would honour
 * them). value converts as glibc converts it: -1 is SIZE_MAX, so
 * M_TRIM_THRESHOLD -1 turns trimming off. M_ARENA_MAX (at least 1) caps
 * the arenas that threads bound from now on share (preload_arena_posix.c).
 */
PRELOAD_API int mallopt(int param, int value)
{
	int which = preload_tunable(param);

	OSMEM_POSIX_FRONT("mallopt");
	if (param == M_ARENA_MAX)
		return value > 0 && osmem_arena_set_max((size_t)value) == 0;
	if (which < 0)
		return 0;
	preload();
	return osmem_arena_tune((enum osmem_fast_tunable)which,
				(size_t)(long)value) == 0;
}

/* 1 when memory went back to the system (the break moved down, or a
 * refused unmap went through), else 0. */
PRELOAD_API int malloc_trim(size_t pad)
{
	struct osmem_arena *a;
	int trimmed = 0;

	OSMEM_POSIX_FRONT("malloc_trim");
	preload();
	/* The calling thread's cache first (other threads' caches are left
	 * as they are: each is bounded and flushed when its thread exits,
	 * preload_cache_posix.c), then the top down to pad. */
	osmem_preload_cache_flush();
	for (unsigned i = 0; i < OSMEM_ARENAS; i++)
		if ((a = osmem_arena_at(i)))
			trimmed |= osmem_fast_trim(osmem_arena_heap(a), pad);
	return trimmed;
}

/*
 * A variable's value as glibc's tunables read it: decimal, or hex after
 * 0x; false (the variable is ignored) for anything else, an overflow or
 * an empty value. getenv and this parse allocate nothing, and leave
 * errno alone: init runs inside the program's first malloc.
 */
static int preload_env_size(const char *name, size_t *out)
{
	const char *s = getenv(name);
	size_t v = 0, base = 10, d;

	if (!s || !*s)
		return 0;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
		if (!*s)
			return 0;
	}
	for (; *s; s++) {
		if (*s >= '0' && *s <= '9')
			d = (size_t)(*s - '0');
		else if (base == 16 && (*s | 0x20) >= 'a' && (*s | 0x20) <= 'f')
			d = (size_t)((*s | 0x20) - 'a' + 10);
		else
			return 0;
		if (v > (SIZE_MAX - d) / base)
			return 0;
		v = v * base + d;
	}
	*out = v;
	return 1;
}

/* At init (preload_init), before any allocation: each variable that is
 * set and valid tunes the heap, as mallopt would. */
static void preload_tune_from_env(void)
{
	static const struct {
		const char *name;
		enum osmem_fast_tunable which;
	} vars[] = {
		{ "MALLOC_MMAP_THRESHOLD_", OSMEM_FAST_MMAP_THRESHOLD },
		{ "MALLOC_TRIM_THRESHOLD_", OSMEM_FAST_TRIM_THRESHOLD },
		{ "MALLOC_TOP_PAD_", OSMEM_FAST_TOP_PAD },
	};
	size_t v;

	for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
		if (preload_env_size(vars[i].name, &v))
			osmem_arena_tune(vars[i].which, v);
	if (preload_env_size("MALLOC_ARENA_MAX", &v))
		osmem_arena_set_max(v);

}

/* Every arena's stats, added up. */
static void preload_stats(struct osmem_stats *sum)
{
	struct osmem_stats st;
	struct osmem_arena *a;

	for (unsigned i = 0; i < OSMEM_ARENAS; i++)
		if ((a = osmem_arena_at(i))) {
			osmem_fast.stats(osmem_arena_heap(a), &st);
			osmem_stats_add(sum, &st);
		}
}

/*
 * mallinfo2(): the heaps' stats (allocator.h) in glibc's fields, with
 * glibc's meaning where it has one, summed over the arenas: arena = heap
 * bytes (the break's and the other arenas' regions'),
 * ordblks/fordblks = free blocks and all bytes free to the program,
 * cached included; smblks/fsmblks = blocks and bytes in the threads'
 * caches (glibc: its fastbins, the same idea: small freed blocks not
 * yet in the free lists, counted in fordblks); hblks/hblkhd = page
 * mappings; uordblks = bytes in use in the heap; usmblks, keepcost 0.
 * The caches of other threads are read as they are at that moment.
 */
PRELOAD_API struct mallinfo2 mallinfo2(void)
{
	struct mallinfo2 mi = { 0 };
	struct osmem_stats st = { 0 };

	OSMEM_POSIX_FRONT("mallinfo2");
	preload();
	preload_stats(&st);
	mi.arena = st.heap_bytes;
	mi.ordblks = st.blocks_free;
	mi.smblks = st.blocks_cached;
	mi.hblks = st.mapped_blocks;
	mi.hblkhd = st.mapped_bytes;
	mi.fsmblks = st.bytes_cached;
	mi.uordblks = st.bytes_in_use;
	mi.fordblks = st.bytes_free + st.bytes_cached;
	return mi;
}
