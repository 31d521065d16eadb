/*
 * build/host/libosmem-preload.so: the fast allocator (mm/osmem/fast.c) as
 * the C library's malloc, for LD_PRELOAD.
 *
 * Exports malloc free calloc realloc reallocarray posix_memalign
 * aligned_alloc memalign valloc pvalloc malloc_usable_size, C23's
 * free_sized and free_aligned_sized, with the C standard's and glibc's
 * semantics (C++'s operator new and delete: preload_cxx.cc):
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
 */
#define _GNU_SOURCE
#include "mm/osmem/allocator.h"
#include "mm/osmem/backend_posix.h"
#include "mm/osmem/fast_index.h"
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

static pthread_mutex_t preload_mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t preload_once = PTHREAD_ONCE_INIT;
static struct osmem_backend preload_be;
/* The process's one heap (there is one break). */
static struct osmem_heap_space preload_space;
#define PRELOAD_HEAP OSMEM_HEAP(&preload_space)
static int preload_atfork_done;

static void preload_lock(void)
{
	pthread_mutex_lock(&preload_mutex);
}

static void preload_unlock(void)
{
	pthread_mutex_unlock(&preload_mutex);
}

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
	preload_be = *osmem_posix_backend();
	preload_be.name = "preload";
	preload_be.pages_remap = preload_remap;
	preload_be.lock = preload_lock;
	preload_be.unlock = preload_unlock;
	osmem_fast.init(PRELOAD_HEAP, &preload_be);
	preload_tune_from_env();
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

PRELOAD_API void *malloc(size_t n)
{
	OSMEM_POSIX_FRONT("malloc");
	return preload_nomem(preload()->malloc(PRELOAD_HEAP, n));
}

static void preload_free(void *p)
{
	int saved = errno;

	if (p)
		preload()->free(PRELOAD_HEAP, p);
	errno = saved;
}

PRELOAD_API void free(void *p)
{
	OSMEM_POSIX_FRONT("free");
	preload_free(p);
}

PRELOAD_API void *calloc(size_t nmemb, size_t size)
{
	OSMEM_POSIX_FRONT("calloc");
	return preload_nomem(preload()->calloc(PRELOAD_HEAP, nmemb, size));
}

static void *preload_realloc(void *p, size_t n)
{
	if (p && n == 0) {
		preload_free(p);
		return NULL;
	}
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
	return p ? preload()->usable_size(PRELOAD_HEAP, p) : 0;
}

/* ----------------------------------------------------- sized frees ---- */

static void preload_free_sized(void *p, size_t size)
{
	const struct osmem_allocator *a;
	int saved = errno;

	if (p) {
		a = preload();
		if (a->free_sized)
			a->free_sized(PRELOAD_HEAP, p, size);
		else
			a->free(PRELOAD_HEAP, p);
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
	return preload()->malloc(PRELOAD_HEAP, n);
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
 * Tuning, as glibc's: mallopt(M_MMAP_THRESHOLD, M_TRIM_THRESHOLD or
 * M_TOP_PAD, value), and at init the environment variables glibc reads
 * for the same three, MALLOC_MMAP_THRESHOLD_, MALLOC_TRIM_THRESHOLD_ and
 * MALLOC_TOP_PAD_. Either sets the heap's value explicitly, which turns
 * off the dynamic rule that raises the thresholds as mappings are freed
 * (contract: osmem_fast_tune, mm/osmem/fast_index.h). malloc_trim(pad)
 * gives the free top of the heap back down to pad bytes.
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
 * M_ARENA_MAX...: glibc says 1 to those, but nothing here would honour
 * them). value converts as glibc converts it: -1 is SIZE_MAX, so
 * M_TRIM_THRESHOLD -1 turns trimming off.
 */
PRELOAD_API int mallopt(int param, int value)
{
	int which = preload_tunable(param);

	OSMEM_POSIX_FRONT("mallopt");
	if (which < 0)
		return 0;
	preload();
	return osmem_fast_tune(PRELOAD_HEAP, (enum osmem_fast_tunable)which,
			       (size_t)(long)value) == 0;
}

/* 1 when memory went back to the system (the break moved down, or a
 * refused unmap went through), else 0. */
PRELOAD_API int malloc_trim(size_t pad)
{
	OSMEM_POSIX_FRONT("malloc_trim");
	preload();
	return osmem_fast_trim(PRELOAD_HEAP, pad);
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
			osmem_fast_tune(PRELOAD_HEAP, vars[i].which, v);
}
