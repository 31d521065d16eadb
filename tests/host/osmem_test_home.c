/* SPDX-License-Identifier: MIT */
/*
 * The host home of the allocator test backend (mm/osmem/tests/backend_test.h):
 * the arena under the fake break is one anonymous mapping, made on first
 * use and reused by every test; real mappings come from the posix backend.
 */
#define _DEFAULT_SOURCE
#include "mm/osmem/tests/backend_test.h"
#include "mm/osmem/backend_posix.h"
#include <sys/mman.h>

void *osmem_test_arena(size_t bytes)
{
	static void *arena;
	static size_t arena_bytes;

	if (arena)
		return bytes <= arena_bytes ? arena : NULL;
	arena = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (arena == MAP_FAILED) {
		arena = NULL;
		return NULL;
	}
	arena_bytes = bytes;
	return arena;
}

const struct osmem_backend *osmem_test_home_backend(void)
{
	return osmem_posix_backend();
}
