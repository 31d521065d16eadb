/* SPDX-License-Identifier: MIT */
/*
 * The assignment's interface (mm/osmem/osmem.h) in user space: the classic
 * allocator over the posix backend. build/host/libosmem.so exports exactly
 * these four functions (OSMEM_EXPORT + mm/osmem/libosmem.map).
 *
 * The allocator is bound lazily on the first call, so a program that never
 * allocates makes no system call for it, and the first allocation is the
 * first use of the heap, as the reference's.
 *
 * Each entry records its name and caller (OSMEM_POSIX_FRONT) for misuse
 * reports: "osmem: double free of 0x... in os_free called from 0x...",
 * after which the process aborts (backend_posix.c). No system call is
 * added on any path that is not misuse.
 */
#include "mm/osmem/osmem.h"
#include "mm/osmem/allocator.h"
#include "mm/osmem/backend_posix.h"
#include <stdbool.h>

#define OSMEM_EXPORT __attribute__((visibility("default")))

/* 0: not bound, 1: being bound, 2: bound. */
static int osmem_state;
/* The process's one heap (there is one break). */
static struct osmem_heap_space osmem_space;
#define OSMEM_LIB_HEAP OSMEM_HEAP(&osmem_space)

static const struct osmem_allocator *osmem_get(void)
{
	int expect = 0;

	if (__atomic_load_n(&osmem_state, __ATOMIC_ACQUIRE) == 2)
		return &osmem_classic;
	/* One caller binds; any other waits, so init never runs under a live
	 * heap. */
	if (__atomic_compare_exchange_n(&osmem_state, &expect, 1, false,
					__ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) {
		osmem_classic.init(OSMEM_LIB_HEAP, osmem_posix_backend());
		__atomic_store_n(&osmem_state, 2, __ATOMIC_RELEASE);
	}
	while (__atomic_load_n(&osmem_state, __ATOMIC_ACQUIRE) != 2)
		;
	return &osmem_classic;
}

OSMEM_EXPORT void *os_malloc(size_t size)
{
	OSMEM_POSIX_FRONT("os_malloc");
	return osmem_get()->malloc(OSMEM_LIB_HEAP, size);
}

OSMEM_EXPORT void os_free(void *ptr)
{
	OSMEM_POSIX_FRONT("os_free");
	osmem_get()->free(OSMEM_LIB_HEAP, ptr);
}

OSMEM_EXPORT void *os_calloc(size_t nmemb, size_t size)
{
	OSMEM_POSIX_FRONT("os_calloc");
	return osmem_get()->calloc(OSMEM_LIB_HEAP, nmemb, size);
}

OSMEM_EXPORT void *os_realloc(void *ptr, size_t size)
{
	OSMEM_POSIX_FRONT("os_realloc");
	return osmem_get()->realloc(OSMEM_LIB_HEAP, ptr, size);
}
