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
 * Backend: the posix one (sbrk, mmap, munmap) plus mremap for in-place
 * resizing of large blocks, and one process-wide mutex as the lock.
 * Initialisation is lazy (first call, under pthread_once; nothing here
 * allocates). fork: pthread_atfork handlers take the lock before the fork
 * and release it in the parent and re-create it in the child, so a child
 * forked while another thread was inside the allocator can allocate. The
 * handlers are registered on first use, after init, outside the lock
 * (pthread_atfork may itself call malloc).
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
#include "mm/osmem/preload_cache_posix.h"
#include "mm/osmem/preload_posix.h"
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#define PRELOAD_API __attribute__((visibility("default")))

static pthread_mutex_t preload_mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t preload_once = PTHREAD_ONCE_INIT;
static struct osmem_backend preload_be;
/* The process's one heap (there is one break). */
static struct osmem_heap_space preload_space;
#define PRELOAD_HEAP OSMEM_HEAP(&preload_space)
/* The calling thread's cache, and what it reads of the heap (cache.h). */
#define PRELOAD_CACHE (&osmem_preload_cache)
#define PRELOAD_VIEW osmem_cache_heap(PRELOAD_HEAP)
static int preload_atfork_done;

static void preload_lock(void)
{
	pthread_mutex_lock(&preload_mutex);
}

static void preload_unlock(void)
{
	pthread_mutex_unlock(&preload_mutex);
}

/* In place only (no MREMAP_MAYMOVE): the contract of pages_remap. */
static void *preload_remap(void *p, size_t old_len, size_t new_len)
{
	void *q = mremap(p, old_len, new_len, 0);

	return q == MAP_FAILED ? NULL : q;
}

static void preload_init(void)
{
	preload_be = *osmem_posix_backend();
	preload_be.name = "preload";
	preload_be.pages_remap = preload_remap;
	preload_be.lock = preload_lock;
	preload_be.unlock = preload_unlock;
	osmem_fast.init(PRELOAD_HEAP, &preload_be);
}

static void preload_fork_prepare(void)
{
	preload_lock();
}

static void preload_fork_parent(void)
{
	preload_unlock();
}

static void preload_fork_child(void)
{
	pthread_mutex_init(&preload_mutex, NULL);
}

static const struct osmem_allocator *preload(void)
{
	pthread_once(&preload_once, preload_init);
	if (!__atomic_load_n(&preload_atfork_done, __ATOMIC_ACQUIRE) &&
	    !__atomic_exchange_n(&preload_atfork_done, 1, __ATOMIC_ACQ_REL))
		pthread_atfork(preload_fork_prepare, preload_fork_parent,
			       preload_fork_child);
	return &osmem_fast;
}

static void *preload_nomem(void *p)
{
	if (!p)
		errno = ENOMEM;
	return p;
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
	preload_front(front, caller);
	preload();
	return osmem_preload_cache_alloc(PRELOAD_HEAP, n);
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
		osmem_preload_cache_free(PRELOAD_HEAP, p);
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
		if (!p && preload() && PRELOAD_VIEW->enabled)
			p = osmem_preload_cache_alloc(PRELOAD_HEAP, n);
		else if (!p)
			return preload_nomem(osmem_fast.calloc(PRELOAD_HEAP, nmemb,
							       size));
		if (p)
			memset(p, 0, n);
		return preload_nomem(p);
	}
	return preload_nomem(preload()->calloc(PRELOAD_HEAP, nmemb, size));
}

static void *preload_realloc(void *p, size_t n)
{
	if (p && n == 0) {
		preload_free(p);
		return NULL;
	}
	if (!p)
		return preload_nomem(preload_alloc(n));
	if (osmem_cache_refuse(PRELOAD_CACHE, PRELOAD_HEAP, p, "realloc"))
		return NULL;
	return preload_nomem(preload()->realloc(PRELOAD_HEAP, p, n));
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
	p = preload()->memalign(PRELOAD_HEAP, align, n);
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
	return preload_nomem(preload()->memalign(PRELOAD_HEAP, align, n));
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
	return preload_nomem(preload()->memalign(PRELOAD_HEAP, a, n));
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
	if (!p || osmem_cache_refuse(PRELOAD_CACHE, PRELOAD_HEAP, p, "usable_size"))
		return 0;
	return preload()->usable_size(PRELOAD_HEAP, p);
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
		osmem_preload_cache_free_sized(PRELOAD_HEAP, p, size);
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
		return preload()->memalign(PRELOAD_HEAP, align, n);
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

/* ----------------------------------------------------------- trim ---- */

/*
 * malloc_trim(pad): the calling thread's cache goes back to the core,
 * which trims the top of the heap as any free does (past its trim
 * threshold). Other threads' caches are left as they are: each holds at
 * most OSMEM_CACHE_BYTES_MAX bytes and is flushed when its thread exits
 * (preload_cache_posix.c). pad is not used. Returns 1 when the heap
 * shrank, as glibc's says whether memory went back to the system.
 */
PRELOAD_API int malloc_trim(size_t pad)
{
	struct osmem_stats before, after;

	(void)pad;
	OSMEM_POSIX_FRONT("malloc_trim");
	preload()->stats(PRELOAD_HEAP, &before);
	osmem_preload_cache_flush();
	osmem_fast.stats(PRELOAD_HEAP, &after);
	return after.heap_bytes < before.heap_bytes;
}

/*
 * mallinfo2(): the heap's stats (allocator.h) in glibc's fields, with
 * glibc's meaning where it has one: arena = heap bytes (the break's),
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
	struct osmem_stats st;

	OSMEM_POSIX_FRONT("mallinfo2");
	preload()->stats(PRELOAD_HEAP, &st);
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
