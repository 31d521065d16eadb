/* SPDX-License-Identifier: MIT */
/*
 * The backend: the only way an allocator reaches its home.
 *
 * The allocator core (mm/osmem/) includes no kernel or C library header; it
 * sees this interface and libk's freestanding parts. Each home supplies one
 * struct osmem_backend:
 *   - kernel:      mm/osmem/backend_kernel.c  (ksbrk, vm_map, vm_unmap,
 *                  vm_reserve)
 *   - user space:  mm/osmem/backend_posix.c   (sbrk, mmap, munmap)
 *   - tests:       mm/osmem/tests/backend_test.c (a fake brk over an arena,
 *                  recording every call, failing the Nth call on request)
 *   - a port:      mm/osmem/static_arena.c (a break inside one buffer, no
 *                  mapper), or the port's own (docs/porting.md)
 *
 * A backend is one heap's home: a home that runs several heaps (the drop-in
 * library's arenas, mm/osmem/preload_arena_posix.c) gives each its own
 * struct osmem_backend, embedded in a struct of its own. So the calls that
 * act on one heap's state (its break, its lock) take the backend they
 * belong to; the others act on the home as a whole.
 *
 * Contracts:
 * - heap_extend(be, delta) behaves like sbrk: it returns the old break and moves
 *   the break by delta (delta may be negative or zero), or returns
 *   OSMEM_BRK_FAIL and changes nothing. Memory it adds is readable and
 *   writable; it is zeroed the first time the break passes it.
 * - pages_map(len) returns len bytes of zeroed, page-aligned, readable and
 *   writable memory, or NULL. len need not be a multiple of page_size (the
 *   classic allocator maps exactly 32 + ALIGN8(size), as the course's
 *   reference does): the home maps whole pages, as mmap does.
 *   May be NULL (with pages_unmap) in a home without a page mapper: fast
 *   then keeps every request in the heap (fast_init); classic needs one.
 * - pages_unmap(p, len) takes back exactly a range pages_map gave (same p,
 *   same len); returns 0, or -1 and changes nothing.
 * - pages_remap(p, old_len, new_len) resizes a mapping in place when the home
 *   can (returns p), or returns NULL and changes nothing. May be NULL in a
 *   backend that cannot: callers then map, copy and unmap.
 * - pages_reserve(len) returns len bytes (a multiple of page_size) of
 *   page-aligned address space where every access (read, write) faults at
 *   once - a SIGSEGV in user space, a #PF in the kernel - and that uses no
 *   memory; or NULL. The range is the caller's until pages_unmap(p, len)
 *   gives it back (the same p and len, as for a mapping); it never
 *   overlaps a mapping, the heap or another reservation. Optional (NULL
 *   when the home has no such thing): debug mode's zero-size blocks come
 *   from it, and fall back to minimum blocks without it.
 * - lock(be)/unlock(be) guard the state of be's heap; no-ops until threads
 *   exist.
 * - report(r) is called once per misuse or broken invariant, before the
 *   allocator changes anything (mm/osmem/report.h). The home prints the one
 *   line of osmem_report_format() (kernel: console; user space: stderr)
 *   and then returns (the allocator refuses the operation and goes on) or
 *   stops the world by its own policy (user space: abort, as glibc; the
 *   kernel with heap_panic: panic).
 * - caller() returns the return address of whoever called the home's front
 *   (kfree's caller, free's caller) in the current call, or NULL. The
 *   fronts record it; debug mode keeps it as a block's allocation and free
 *   site. May be NULL in a backend that has no fronts.
 * - secret is a per-boot (per-process) random value; header check values
 *   are derived from it and the block's address, so a stray write or a
 *   forged header cannot guess them.
 * - unmapped_reused: pages_map hands a range pages_unmap took back out
 *   again, to anyone, with no way to tell when (the kernel's vm_map, once
 *   its next-fit search has gone round, mm/vmap.h).
 *   The fast allocator then forgets a freed mapping's address in its ring
 *   of the last frees when the mapping is unmapped: from then on the
 *   address may be someone else's, and a free of it is named a foreign
 *   pointer, not a double free of the old block. false (user space): a
 *   second free of an unmapped block stays a double free.
 * - debug turns on the allocator's debug mode (red zones, poisoning, sites,
 *   the quarantine of freed blocks, zero-size blocks that fault) for heaps
 *   initialized on this backend. Read once, by init().
 */
#ifndef MM_OSMEM_BACKEND_H
#define MM_OSMEM_BACKEND_H

#include "mm/osmem/report.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define OSMEM_BRK_FAIL ((void *)-1)

struct osmem_backend {
	const char *name;
	size_t page_size;
	void *(*heap_extend)(const struct osmem_backend *be, intptr_t delta);
	void *(*pages_map)(size_t len);
	int (*pages_unmap)(void *p, size_t len);
	void *(*pages_remap)(void *p, size_t old_len, size_t new_len);
	void *(*pages_reserve)(size_t len);
	void (*lock)(const struct osmem_backend *be);
	void (*unlock)(const struct osmem_backend *be);
	void (*report)(const struct osmem_report *r);
	const void *(*caller)(void);
	uintptr_t secret;
	bool unmapped_reused;
	bool debug;
};

#endif
