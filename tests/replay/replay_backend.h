/* SPDX-License-Identifier: MIT */
/*
 * The replay's backend (contract of mm/osmem/backend.h): a private break
 * over one large MAP_NORESERVE region, real mmap/munmap/mremap for page
 * mappings, and counters of every call and of the footprint.
 *
 * Why not the posix backend: it moves the process's real break, which the
 * C library's malloc (stdio buffers, the replay's libc mode) moves too; the
 * allocator would then find foreign bytes in its heap and the footprint
 * would count the C library's. A break of our own keeps the heap contiguous
 * and lets the replay use the C library freely.
 *
 * Contract:
 * - replay_backend_open() reserves the region (once) and returns the
 *   backend; NULL if the region cannot be reserved.
 * - replay_backend_reset() starts a new heap: the break goes back to the
 *   region's start, every page the break passed is zeroed again, and the
 *   counters restart. Page mappings still live are the caller's problem
 *   (the replay frees every block before it resets).
 * - The break moves like the kernel's brk: pages above a lowered break are
 *   given back (madvise), so they read as zero when the break passes again.
 * - lock/unlock do nothing (the replay has one thread); report() writes the
 *   line to stderr and counts it.
 * - replay_backend_set_debug(on), after replay_backend_open(), sets the
 *   backend's debug flag, which an
 *   allocator reads at its init(): the heaps initialized after it run in
 *   debug mode (red zones, poison, quarantine) or not.
 */
#ifndef TESTS_REPLAY_BACKEND_H
#define TESTS_REPLAY_BACKEND_H

#include "mm/osmem/backend.h"
#include <stdbool.h>

struct replay_backend_stats {
	size_t extend_calls;	/* heap_extend, including heap_extend(0) */
	size_t map_calls;
	size_t unmap_calls;
	size_t remap_calls;
	size_t reports;
	size_t heap_bytes;	/* break - start */
	size_t mapped_bytes;	/* live mappings, page-rounded */
	size_t peak_bytes;	/* max of heap_bytes + mapped_bytes */
};

const struct osmem_backend *replay_backend_open(void);
void replay_backend_reset(void);
void replay_backend_set_debug(bool on);
const struct replay_backend_stats *replay_backend_stats(void);

#endif
