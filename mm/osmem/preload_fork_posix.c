/* SPDX-License-Identifier: MIT */
/*
 * The drop-in library's fork handlers (registered by preload_posix.c on
 * first use): the allocator's locks, and glibc's stdio list lock, across
 * fork.
 *
 * The handlers take every arena's lock before the fork and release them
 * in the parent and make them free in the child, so a child forked while
 * another thread was inside the allocator can allocate. A fork from a
 * signal handler that interrupted malloc in the forking thread itself
 * must not wait for that lock: see osmem_preload_fork_prepare.
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
 */
#include "mm/osmem/preload_arena_posix.h"
#include "mm/osmem/preload_posix.h"
#include <stdint.h>

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
 * records (the arenas' bits, one for the list), popped by the parent or
 * child handler: a fork from a signal handler that interrupted this
 * thread's own fork between the prepare and the parent handler nests, and
 * must not spoil the outer fork's record. Six levels fit.
 */
#define FORK_TOOK_LIST	(1ull << OSMEM_ARENA_FORK_BITS) /* glibc's list lock */
#define FORK_BITS	(OSMEM_ARENA_FORK_BITS + 1)

static __thread uint64_t preload_fork_took
	__attribute__((tls_model("initial-exec")));

void osmem_preload_fork_prepare(void)
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

void osmem_preload_fork_parent(void)
{
	uint64_t took = preload_fork_pop();

	osmem_arena_fork_unlock((uint32_t)(took & (FORK_TOOK_LIST - 1)));
	if (took & FORK_TOOK_LIST)
		_IO_list_unlock();
}

/* glibc's fork has reset the list lock already in the child of a
 * multi-threaded process; again is harmless. */
void osmem_preload_fork_child(void)
{
	uint64_t took = preload_fork_pop();

	osmem_arena_fork_reset((uint32_t)(took & (FORK_TOOK_LIST - 1)));
	if (took & FORK_TOOK_LIST)
		_IO_list_resetlock();
}

