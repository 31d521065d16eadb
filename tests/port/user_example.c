/* SPDX-License-Identifier: MIT */
/*
 * docs/porting.md, example 3: the allocator in a user-space program, over
 * the POSIX backend (sbrk, mmap, a mutex, stderr: mm/osmem/backend_posix.c)
 * - the home libosmem-preload.so runs on, without its malloc-named fronts
 * (mm/osmem/preload_posix.c). Prints KTAP; exits 0 when all passed.
 */
#include "mm/osmem/osmem_embed.h"
#include "mm/osmem/backend_posix.h"
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static struct osmem_heap_space space;
static int n, failed;

static void check(int ok, const char *name)
{
	failed += !ok;
	printf("%sok %d %s\n", ok ? "" : "not ", ++n, name);
}

int main(void)
{
	struct osmem_heap *h = osmem_heap_create(&space, osmem_posix_backend());
	struct osmem_stats st;
	char *s, *big;

	printf("KTAP version 1\n1..4\n");
	s = osmem_heap_malloc(h, 100);
	check(s != NULL, "malloc");
	strcpy(s, "kept across realloc");
	s = osmem_heap_realloc(h, s, 5000);
	check(s && strcmp(s, "kept across realloc") == 0, "realloc_keeps_bytes");
	big = osmem_heap_malloc(h, (size_t)4 << 20);    /* mapped: mmap */
	osmem_heap_stats(h, &st);
	check(big && st.mapped_blocks == 1, "large_block_mapped");
	osmem_heap_free(h, big);
	osmem_heap_free(h, s);
	check(osmem_heap_check(h) == 0, "check");
	return failed != 0;
}
