/* SPDX-License-Identifier: MIT */
/*
 * osmem_fast on a home without a page mapper (backend pages_map NULL):
 * fast_init keeps every request in the heap, with no call from the home
 * (before, a large request called the NULL hook). The home here is the
 * static arena backend (mm/osmem/static_arena.c), which has no mapper.
 */
#include "mm/osmem/osmem_embed.h"
#include "libk/ktest.h"
#include <stdint.h>

#define NOMAP_BYTES ((size_t)768 * 1024)

static _Alignas(64) char nomap_buf[NOMAP_BYTES];
static struct osmem_heap_space nomap_space;

static int in_buf(const void *p, size_t n)
{
	const char *c = p;

	return c >= nomap_buf && c + n <= nomap_buf + NOMAP_BYTES;
}

KTEST(osmem_fast, no_mapper_keeps_large_blocks_in_the_heap)
{
	struct osmem_heap *h = osmem_heap_from_arena(&nomap_space, nomap_buf,
						     NOMAP_BYTES);
	struct osmem_stats st;
	char *big, *al;

	KASSERT_NOT_NULL(t, h);
	/* 256 KiB: twice the default mmap threshold (fast_index.h). */
	big = osmem_heap_malloc(h, (size_t)256 * 1024);
	KASSERT_NOT_NULL(t, big);
	KEXPECT_EQ(t, in_buf(big, (size_t)256 * 1024), 1);
	big = osmem_heap_realloc(h, big, (size_t)320 * 1024);
	KASSERT_NOT_NULL(t, big);
	KEXPECT_EQ(t, in_buf(big, (size_t)320 * 1024), 1);
	al = osmem_heap_memalign(h, 4096, (size_t)200 * 1024);
	KASSERT_NOT_NULL(t, al);
	KEXPECT_EQ(t, in_buf(al, (size_t)200 * 1024), 1);
	KEXPECT_EQ(t, (uintptr_t)al & 4095, 0);
	/* Bigger than the buffer: NULL, and still no mapping. */
	KEXPECT_NULL(t, osmem_heap_malloc(h, NOMAP_BYTES));
	KEXPECT_NULL(t, osmem_heap_malloc(h, SIZE_MAX / 2));
	osmem_heap_stats(h, &st);
	KEXPECT_EQ(t, st.mapped_blocks, 0);
	KEXPECT_EQ(t, st.map_calls, 0);
	KEXPECT_EQ(t, osmem_heap_check(h), 0);
	osmem_heap_free(h, big);
	osmem_heap_free(h, al);
	KEXPECT_EQ(t, osmem_heap_check(h), 0);
}
