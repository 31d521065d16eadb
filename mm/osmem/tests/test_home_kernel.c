/* SPDX-License-Identifier: MIT */
/*
 * The kernel home of the allocator test backend (backend_test.h): the
 * arena under the fake break is one vm_map'ed region, made on first use and
 * kept for every later test (vm_map memory is zeroed, and the test backend
 * zeroes what its fake break passes over again). Real mappings come from
 * the kernel backend, so mapped blocks in the tests are real vm_map pages.
 */
#include "mm/osmem/tests/backend_test.h"
#include "mm/osmem/backend_kernel.h"
#include "mm/vmap.h"

void *osmem_test_arena(size_t bytes)
{
	static void *arena;
	static size_t arena_bytes;

	if (arena)
		return bytes <= arena_bytes ? arena : NULL;
	arena = vm_map(bytes);
	if (arena)
		arena_bytes = bytes;
	return arena;
}

const struct osmem_backend *osmem_test_home_backend(void)
{
	return osmem_kernel_backend();
}
