/*
 * The backend: the only way an allocator reaches its home.
 *
 * The allocator core (mm/osmem/) includes no kernel or C library header; it
 * sees this interface and libk's freestanding parts. Each home supplies one
 * struct osmem_backend:
 *   - kernel:      mm/osmem/backend_kernel.c  (ksbrk, vm_map, vm_unmap)
 *   - user space:  mm/osmem/backend_posix.c   (sbrk, mmap, munmap)
 *   - tests:       mm/osmem/tests/backend_test.c (a fake brk over an arena,
 *                  recording every call, failing the Nth call on request)
 *
 * Contracts:
 * - heap_extend(delta) behaves like sbrk: it returns the old break and moves
 *   the break by delta (delta may be negative or zero), or returns
 *   OSMEM_BRK_FAIL and changes nothing. Memory it adds is readable and
 *   writable; it is zeroed the first time the break passes it.
 * - pages_map(len) returns len bytes of zeroed, page-aligned, readable and
 *   writable memory, or NULL. len need not be a multiple of page_size (the
 *   classic allocator maps exactly 32 + ALIGN8(size), as the course's
 *   reference does): the home maps whole pages, as mmap does.
 * - pages_unmap(p, len) takes back exactly a range pages_map gave (same p,
 *   same len); returns 0, or -1 and changes nothing.
 * - pages_remap(p, old_len, new_len) resizes a mapping in place when the home
 *   can (returns p), or returns NULL and changes nothing. May be NULL in a
 *   backend that cannot: callers then map, copy and unmap.
 * - lock/unlock guard the allocator's state; no-ops until threads exist.
 * - report(msg) prints one line about misuse (double free, bad pointer...).
 *   The kernel prints it on the console; user space writes it to stderr.
 */
#ifndef MM_OSMEM_BACKEND_H
#define MM_OSMEM_BACKEND_H

#include <stddef.h>
#include <stdint.h>

#define OSMEM_BRK_FAIL ((void *)-1)

struct osmem_backend {
	const char *name;
	size_t page_size;
	void *(*heap_extend)(intptr_t delta);
	void *(*pages_map)(size_t len);
	int (*pages_unmap)(void *p, size_t len);
	void *(*pages_remap)(void *p, size_t old_len, size_t new_len);
	void (*lock)(void);
	void (*unlock)(void);
	void (*report)(const char *msg);
};

#endif
