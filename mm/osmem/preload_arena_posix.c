/* SPDX-License-Identifier: MIT */
/*
 * The drop-in library's arenas: OSMEM_ARENAS heaps of the fast allocator,
 * each behind its own lock, so that threads allocating at once do not all
 * wait on one (contract: preload_arena_posix.h).
 *
 *   arena 0        the heap on the program's break (sbrk), and every page
 *                  mapping (large blocks) of the process;
 *   arenas 1..7    each a heap in its own region of OSMEM_ARENA_SPAN bytes
 *                  of address space, carved out of one PROT_NONE
 *                  reservation (MAP_NORESERVE: no memory, no commit
 *                  charge) made when the first of them is needed. The
 *                  region's break moves as sbrk's would: growth makes the
 *                  pages up to it readable and writable (mprotect), a
 *                  shrink maps fresh PROT_NONE pages over what it gives
 *                  back, so they hold no memory and read as zero when the
 *                  break passes them again (the backend contract).
 *
 * Which arena a block belongs to is told by its address alone
 * (osmem_arena_of): inside the reservation, the region it falls in; else
 * arena 0. So arenas 1.. never map pages: their backends refuse
 * pages_map, and the front sends every request at or above arena 0's mmap
 * threshold to arena 0 (preload_posix.c), which maps it. A region that is
 * full refuses growth; the front then serves the request from arena 0.
 *
 * Binding: a thread takes an arena on its first call and keeps it for its
 * life: the one with the fewest threads bound among the eight (or among
 * the first M_ARENA_MAX of them: mallopt or MALLOC_ARENA_MAX, as glibc),
 * the lowest index of those; so the first thread (the program's main one)
 * takes arena 0, the next ones arenas 1, 2..., and a thread started after
 * others exited takes the arena they left (arena_pick). With the per-thread caches in front, a thread takes its
 * arena's lock once per batch of small blocks, so two threads sharing an
 * arena seldom meet; eight arenas is four per core on the two-core
 * machines this is measured on (glibc allows eight per core). Debug mode
 * (OSMEM_DEBUG=1) keeps every thread on arena 0: one heap, one quarantine,
 * every report from the one place. A free goes to the block's own arena
 * whichever thread makes it: in its own arena through the thread's cache,
 * in another straight to that arena's core, under that arena's lock.
 *
 * Lock order: no code path holds two arenas' locks, except the fork
 * handlers, which take them all in index order.
 */
#define _GNU_SOURCE
#include "mm/osmem/preload_arena_posix.h"
#include "mm/osmem/fast_index.h"
#include <errno.h>
#include <linux/futex.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

static struct osmem_arena arenas[OSMEM_ARENAS];
/* The reservation of arenas 1..: [region_lo, region_lo + region_len),
 * set once (under the make lock), read without a lock. */
static uintptr_t region_lo, region_len;
static unsigned arena_max = OSMEM_ARENAS;       /* M_ARENA_MAX */
/* Binding a thread, making an arena: 0, or the id of the thread at it
 * (lock_self), so that the fork handlers can tell their own. */
static uint32_t arena_make_word;
static __thread struct osmem_arena *arena_mine
	__attribute__((tls_model("initial-exec")));

/*
 * Each arena's lock is one 32-bit word that is also the name of its
 * owner:
 *   0                 free
 *   id                held by the thread whose id that is (ids are even)
 *   id | LOCK_WAITERS held, and other threads may sleep on the word (futex)
 * Taking it is one compare-and-swap of 0 to the caller's id, giving it back
 * one exchange with 0, so at every instruction the word tells a thread
 * exactly whether it holds the lock. A pthread mutex plus an owner field
 * stored after pthread_mutex_lock returns (and cleared before unlock) is
 * not enough: a signal handler running between the two stores finds the
 * mutex held while the owner field names nobody, and waits for itself;
 * tests/conformance/fork_in_handler.c hung in that window in most runs
 * (inside pthread_mutex_lock after the swap, or inside
 * pthread_mutex_unlock after the owner was cleared). Only the owner
 * ever writes its id into the word, and only the owner clears it; other
 * threads may add LOCK_WAITERS, so "mine" is (word & ~LOCK_WAITERS) == id.
 *
 * Contention: Drepper's "Futexes Are Tricky", mutex 2. A waiter spins a
 * little, then marks the word and sleeps on it; it takes the lock marked,
 * not knowing whether others still sleep; the unlock of a marked word
 * wakes one sleeper. No system call unless another thread holds the lock.
 *
 * An id is a thread's own (thread-local, given on its first lock, from a
 * counter); a forked child's thread keeps its parent thread's id, which is
 * what the fork handlers need. Ids repeat only after 2^31 threads.
 */
#define LOCK_WAITERS	1u

static uint32_t lock_last_id;
static __thread uint32_t lock_id __attribute__((tls_model("initial-exec")));

static uint32_t lock_self(void)
{
	uint32_t id = lock_id;

	while (!id)
		id = lock_id = __atomic_add_fetch(&lock_last_id, 1,
						  __ATOMIC_RELAXED) << 1;
	return id;
}

static struct osmem_arena *arena_of_be(const struct osmem_backend *be)
{
	return (struct osmem_arena *)(void *)((char *)be -
					      offsetof(struct osmem_arena, be));
}

static bool lock_owned(struct osmem_arena *a)
{
	uint32_t w = __atomic_load_n(&a->lock_word, __ATOMIC_RELAXED);

	return (w & ~LOCK_WAITERS) == lock_self();
}

static void lock_futex(struct osmem_arena *a, int op, uint32_t val)
{
	syscall(SYS_futex, &a->lock_word, op, val, NULL, NULL, 0);
}

/* Spins before a contended lock sleeps: the lock is held for one core
 * call or one cache batch, shorter than the futex sleep and wake (two
 * system calls and a context switch) it saves. */
#define LOCK_SPINS 128

static void lock_wait(struct osmem_arena *a, uint32_t self)
{
	uint32_t *word = &a->lock_word, w;
	int saved;

	for (int i = 0; i < LOCK_SPINS; i++) {
		__builtin_ia32_pause();
		w = __atomic_load_n(word, __ATOMIC_RELAXED);
		if (w == 0 && __atomic_compare_exchange_n(word, &w, self, 0,
							  __ATOMIC_ACQUIRE,
							  __ATOMIC_RELAXED))
			return;
	}
	w = __atomic_load_n(word, __ATOMIC_RELAXED);
	saved = errno;
	for (;;) {
		if (w == 0) {
			if (__atomic_compare_exchange_n(word, &w,
							self | LOCK_WAITERS, 0,
							__ATOMIC_ACQUIRE,
							__ATOMIC_RELAXED))
				break;
			continue;
		}
		if (!(w & LOCK_WAITERS) &&
		    !__atomic_compare_exchange_n(word, &w, w | LOCK_WAITERS, 0,
						 __ATOMIC_RELAXED,
						 __ATOMIC_RELAXED))
			continue;
		/* Returns at once if the word is no longer w | LOCK_WAITERS. */
		lock_futex(a, FUTEX_WAIT_PRIVATE, w | LOCK_WAITERS);
		w = __atomic_load_n(word, __ATOMIC_RELAXED);
	}
	errno = saved;
}

/*
 * A single-threaded process takes no lock at all, as glibc's malloc does
 * (SINGLE_THREAD_P): nobody could be waiting, and the two atomic
 * instructions a lock and an unlock cost are a third of a core call
 * (perf, sizeclass with 64 KiB blocks). glibc's __libc_single_threaded
 * (2.32; weak: without it, always lock) turns false in pthread_create,
 * before the new thread runs, and never back, so a call that skipped the
 * lock ends before any other thread exists. The unlock goes by the word,
 * not by the flag: a word of 0 means the lock was skipped; anything else
 * is given back, so a lock taken while other threads existed is always
 * released (a fork child whose flag turned true meanwhile included).
 */
extern char __libc_single_threaded __attribute__((weak));

static void arena_lock(const struct osmem_backend *be)
{
	struct osmem_arena *a = arena_of_be(be);
	uint32_t self, w = 0;

	if (&__libc_single_threaded && __libc_single_threaded)
		return;
	self = lock_self();
	if (!__atomic_compare_exchange_n(&a->lock_word, &w, self, 0,
					 __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
		lock_wait(a, self);
}

static void arena_unlock(const struct osmem_backend *be)
{
	struct osmem_arena *a = arena_of_be(be);
	int saved;

	if (!__atomic_load_n(&a->lock_word, __ATOMIC_RELAXED))
		return;
	if (!(__atomic_exchange_n(&a->lock_word, 0, __ATOMIC_RELEASE) &
	      LOCK_WAITERS))
		return;
	saved = errno;
	lock_futex(a, FUTEX_WAKE_PRIVATE, 1);
	errno = saved;
}

/* ------------------------------------------------------------ regions ---- */

static char *page_up(char *p, size_t page)
{
	return (char *)(((uintptr_t)p + page - 1) & ~(uintptr_t)(page - 1));
}

/*
 * sbrk on arena a's region (called under a's lock). Growth makes the
 * pages up to the new break writable; a shrink maps fresh PROT_NONE pages
 * over the whole pages it gives back (when that fails they stay, still
 * writable, and are reused as they are). errno is left alone.
 */
static void *region_extend(const struct osmem_backend *be, intptr_t delta)
{
	struct osmem_arena *a = arena_of_be(be);
	char *old = a->brk, *end;
	int saved = errno;

	if (delta > 0 ? (size_t)delta > (size_t)(a->hi - old) :
	    (size_t)-delta > (size_t)(old - a->lo))
		return OSMEM_BRK_FAIL;
	end = page_up(old + delta, be->page_size);
	if (end > a->rw_end) {
		if (mprotect(a->rw_end, (size_t)(end - a->rw_end),
			     PROT_READ | PROT_WRITE) != 0) {
			errno = saved;
			return OSMEM_BRK_FAIL;
		}
		a->rw_end = end;
	} else if (end < a->rw_end &&
		   mmap(end, (size_t)(a->rw_end - end), PROT_NONE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE,
			-1, 0) != MAP_FAILED) {
		a->rw_end = end;
	}
	errno = saved;
	a->brk = old + delta;
	return old;
}

/* Arenas 1.. map nothing: every mapping is arena 0's (see the top). */
static void *region_no_map(size_t len)
{
	(void)len;
	return NULL;
}

/* The reservation for arenas 1.., once; false when the system refuses it
 * (an address-space limit, say): every thread then shares arena 0. */
static bool region_reserve(void)
{
	size_t len = (OSMEM_ARENAS - 1) * OSMEM_ARENA_SPAN;
	void *p;

	if (region_len)
		return true;
	p = mmap(NULL, len, PROT_NONE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return false;
	__atomic_store_n(&region_lo, (uintptr_t)p, __ATOMIC_RELAXED);
	__atomic_store_n(&region_len, len, __ATOMIC_RELEASE);
	return true;
}

/* ------------------------------------------------------------- arenas ---- */

void osmem_arena_init(const struct osmem_backend *base,
		      void *(*remap)(void *p, size_t old_len, size_t new_len))
{
	struct osmem_arena *a = &arenas[0];

	a->be = *base;
	a->be.name = "preload";
	a->be.pages_remap = remap;
	a->be.lock = arena_lock;
	a->be.unlock = arena_unlock;
	osmem_fast.init(osmem_arena_heap(a), &a->be);
	__atomic_store_n(&a->ready, true, __ATOMIC_RELEASE);
}

static void make_lock(void)
{
	uint32_t self = lock_self(), w;

	for (;;) {
		w = 0;
		if (__atomic_compare_exchange_n(&arena_make_word, &w, self, 0,
						__ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
			return;
		__builtin_ia32_pause();
	}
}

static void make_unlock(void)
{
	__atomic_store_n(&arena_make_word, 0, __ATOMIC_RELEASE);
}

static bool make_owned(void)
{
	return __atomic_load_n(&arena_make_word, __ATOMIC_RELAXED) == lock_self();
}

/* Make arena i (1 <= i < OSMEM_ARENAS) on its region, under
 * the make lock: its backend is arena 0's with the region's break. */
static bool arena_make(unsigned i)
{
	struct osmem_arena *a = &arenas[i];
	struct osmem_heap *h = osmem_arena_heap(a);

	if (a->ready)
		return true;
	if (!region_reserve())
		return false;
	a->index = i;
	a->lo = a->brk = a->rw_end = (char *)region_lo +
				     (i - 1) * OSMEM_ARENA_SPAN;
	a->hi = a->lo + OSMEM_ARENA_SPAN;
	a->be = arenas[0].be;
	a->be.name = "preload-arena";
	a->be.heap_extend = region_extend;
	a->be.pages_map = region_no_map;
	osmem_fast.init(h, &a->be);
	osmem_fast_set_mmap_threshold(h, SIZE_MAX);     /* never map */
	osmem_arena_sync(a);
	__atomic_store_n(&a->ready, true, __ATOMIC_RELEASE);
	return true;
}

void osmem_arena_sync(struct osmem_arena *a)
{
	struct osmem_heap *h0 = osmem_arena_heap(&arenas[0]);
	uint32_t gen = osmem_fast_tune_gen(h0);
	size_t v;

	/* Two threads of a may sync at once: both tune a alike (each under
	 * a's lock), and either stores the generation they both read. */
	if (a == &arenas[0] ||
	    gen == __atomic_load_n(&a->synced_gen, __ATOMIC_RELAXED))
		return;
	__atomic_store_n(&a->synced_gen, gen, __ATOMIC_RELAXED);
	for (unsigned w = OSMEM_FAST_TRIM_THRESHOLD; w <= OSMEM_FAST_TOP_PAD; w++) {
		v = osmem_fast_tuned_hint(h0, (enum osmem_fast_tunable)w);
		if (v != osmem_fast_tuned_hint(osmem_arena_heap(a),
							 (enum osmem_fast_tunable)w))
			osmem_fast_tune(osmem_arena_heap(a),
					(enum osmem_fast_tunable)w, v);
	}
}

int osmem_arena_tune(enum osmem_fast_tunable which, size_t value)
{
	struct osmem_arena *a;
	int rc;

	rc = osmem_fast_tune(osmem_arena_heap(&arenas[0]), which, value);
	for (unsigned i = 1; rc == 0 && i < OSMEM_ARENAS; i++)
		if ((a = osmem_arena_at(i)))
			osmem_arena_sync(a);
	return rc;
}

struct osmem_arena *osmem_arena_at(unsigned i)
{
	if (i >= OSMEM_ARENAS || !__atomic_load_n(&arenas[i].ready,
						  __ATOMIC_ACQUIRE))
		return NULL;
	return &arenas[i];
}

/* The arena with the fewest threads bound, the lowest index of those: an
 * arena whose threads have all exited is taken again before a new one is
 * made (its heap has their free memory), as glibc reuses the arenas of
 * exited threads. Under the make lock. */
static unsigned arena_pick(void)
{
	unsigned max = __atomic_load_n(&arena_max, __ATOMIC_RELAXED), best = 0;
	unsigned n, fewest = UINT32_MAX;

	for (unsigned i = 0; i < max; i++) {
		n = __atomic_load_n(&arenas[i].threads, __ATOMIC_RELAXED);
		if (n < fewest) {
			fewest = n;
			best = i;
		}
	}
	return best;
}

struct osmem_arena *osmem_arena_mine(void)
{
	struct osmem_arena *a = arena_mine;
	unsigned i;

	if (a)
		return a;
	a = &arenas[0];
	/* Picked and counted under the lock, so that threads binding at
	 * once spread over the arenas. */
	make_lock();
	i = a->be.debug ? 0 : arena_pick();
	if (i && arena_make(i))
		a = &arenas[i];
	__atomic_add_fetch(&a->threads, 1, __ATOMIC_RELAXED);
	make_unlock();
	return arena_mine = a;
}

void osmem_arena_leave(void)
{
	if (arena_mine)
		__atomic_sub_fetch(&arena_mine->threads, 1, __ATOMIC_RELAXED);
}

int osmem_arena_set_max(size_t n)
{
	if (n < 1)
		return -1;
	__atomic_store_n(&arena_max, n < OSMEM_ARENAS ? (unsigned)n : OSMEM_ARENAS,
			 __ATOMIC_RELAXED);
	return 0;
}

struct osmem_arena *osmem_arena_of(const void *p)
{
	uintptr_t off = (uintptr_t)p - __atomic_load_n(&region_lo, __ATOMIC_RELAXED);
	struct osmem_arena *a;

	if (off >= __atomic_load_n(&region_len, __ATOMIC_ACQUIRE))
		return &arenas[0];
	a = &arenas[1 + (off >> OSMEM_ARENA_SPAN_SHIFT)];
	/* A wild pointer into a region not in use yet: arena 0 names it. */
	return __atomic_load_n(&a->ready, __ATOMIC_ACQUIRE) ? a : &arenas[0];
}

/* --------------------------------------------------------------- fork ---- */

/*
 * The make lock first, then every ready arena's lock in index order (the
 * order arena_make takes them in): no arena becomes ready, or changes
 * hands, while the address space is copied. An arena made between a
 * look at its ready flag and the fork would have had its lock held by a
 * thread the child does not have (seen: a child hung in malloc_trim on
 * such an arena's lock, 1 run in 15 of preload-cache fork). Each lock the
 * forking thread holds already (the signal-handler fork) is skipped.
 */
uint32_t osmem_arena_fork_lock(void)
{
	uint32_t took = 0;
	struct osmem_arena *a;

	if (!make_owned()) {
		make_lock();
		took |= OSMEM_ARENA_FORK_MAKE;
	}
	for (unsigned i = 0; i < OSMEM_ARENAS; i++) {
		a = osmem_arena_at(i);
		if (a && !lock_owned(a)) {
			arena_lock(&a->be);
			took |= 1u << i;
		}
	}
	return took;
}

void osmem_arena_fork_unlock(uint32_t took)
{
	for (unsigned i = 0; i < OSMEM_ARENAS; i++)
		if (took & (1u << i))
			arena_unlock(&arenas[i].be);
	if (took & OSMEM_ARENA_FORK_MAKE)
		make_unlock();
}

/* The child's only thread is the forking one: nobody else can hold a lock
 * or sleep on one there; what prepare took is made free, and the arenas
 * count the one thread left. A lock the forking thread held already (a
 * fork from a signal handler that interrupted it) stays held: the
 * interrupted call finishes and gives it back. */
void osmem_arena_fork_reset(uint32_t took)
{
	for (unsigned i = 0; i < OSMEM_ARENAS; i++)
		arenas[i].threads = arena_mine == &arenas[i];
	for (unsigned i = 0; i < OSMEM_ARENAS; i++)
		if (took & (1u << i))
			__atomic_store_n(&arenas[i].lock_word, 0, __ATOMIC_RELAXED);
	if (took & OSMEM_ARENA_FORK_MAKE)
		make_unlock();
}
