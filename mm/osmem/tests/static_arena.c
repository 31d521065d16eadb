/* SPDX-License-Identifier: MIT */
/*
 * The static arena backend (mm/osmem/static_arena.c) through the embedding
 * header (osmem_embed.h): a heap over one buffer, as a port with no brk
 * and no mapper gets it. Exhaustion returns NULL, every byte the heap
 * took is reusable after everything is freed, check() passes throughout.
 */
#include "mm/osmem/osmem_embed.h"
#include "libk/ktest.h"
#include <stdint.h>

#define ARENA_BYTES ((size_t)256 * 1024)

static _Alignas(64) char arena_buf[ARENA_BYTES];
static struct osmem_heap_space arena_space;

/* Allocate `size`-byte blocks until NULL, chaining each to the previous
 * (no array to size); returns the count, *head the last block. */
static size_t fill(struct osmem_heap *h, size_t size, void **head)
{
	size_t n = 0;
	void **p;

	*head = NULL;
	while ((p = osmem_heap_malloc(h, size))) {
		*p = *head;
		*head = p;
		n++;
	}
	return n;
}

static void drain(struct osmem_heap *h, void *head)
{
	while (head) {
		void *next = *(void **)head;

		osmem_heap_free(h, head);
		head = next;
	}
}

KTEST(osmem_embed, arena_rejects_what_cannot_hold_it)
{
	KEXPECT_NULL(t, osmem_static_backend(NULL, ARENA_BYTES));
	KEXPECT_NULL(t, osmem_static_backend(arena_buf, 8));
	KEXPECT_NULL(t, osmem_heap_from_arena(&arena_space, NULL, 4096));
}

/* The break stays inside the buffer, whatever delta asks (sbrk's rule:
 * a refused call changes nothing). */
KTEST(osmem_embed, arena_break_refuses_to_leave_the_buffer)
{
	struct osmem_backend *be = osmem_static_backend(arena_buf, ARENA_BYTES);
	char *start;

	KASSERT_NOT_NULL(t, be);
	start = be->heap_extend(be, 0);
	KEXPECT_PTR_EQ(t, be->heap_extend(be, -1), OSMEM_BRK_FAIL);
	KEXPECT_PTR_EQ(t, be->heap_extend(be, INTPTR_MIN), OSMEM_BRK_FAIL);
	KEXPECT_PTR_EQ(t, be->heap_extend(be, INTPTR_MAX), OSMEM_BRK_FAIL);
	KEXPECT_PTR_EQ(t, be->heap_extend(be, (intptr_t)ARENA_BYTES), OSMEM_BRK_FAIL);
	KEXPECT_PTR_EQ(t, be->heap_extend(be, 4096), start);
	KEXPECT_PTR_EQ(t, be->heap_extend(be, INTPTR_MIN), OSMEM_BRK_FAIL);
	KEXPECT_PTR_EQ(t, be->heap_extend(be, -4096), start + 4096);
	KEXPECT_PTR_EQ(t, be->heap_extend(be, 0), start);
}

KTEST(osmem_embed, arena_exhaustion_returns_null_and_every_byte_comes_back)
{
	struct osmem_heap *h = osmem_heap_from_arena(&arena_space, arena_buf,
						     ARENA_BYTES);
	struct osmem_stats st;
	size_t n1, n2, big, heap;
	void *head, *p;

	KASSERT_NOT_NULL(t, h);
	n1 = fill(h, 64, &head);
	KEXPECT_GT(t, n1, 1000);
	KEXPECT_NULL(t, osmem_heap_malloc(h, 64));
	KEXPECT_EQ(t, osmem_heap_check(h), 0);
	osmem_heap_stats(h, &st);
	heap = st.heap_bytes;
	KEXPECT_LE(t, heap, ARENA_BYTES);
	drain(h, head);
	KEXPECT_EQ(t, osmem_heap_check(h), 0);
	/* Everything freed is one free block again (nothing lost to the
	 * first round, nothing left in use or mapped). */
	osmem_heap_stats(h, &st);
	KEXPECT_EQ(t, st.bytes_in_use, 0);
	KEXPECT_EQ(t, st.blocks_in_use, 0);
	KEXPECT_EQ(t, st.blocks_free, 1);
	KEXPECT_EQ(t, st.largest_free, st.bytes_free);
	KEXPECT_EQ(t, st.mapped_blocks, 0);
	/* A second round fills the same heap to the last block: the count
	 * may differ by where the remainders land, not the bytes used. */
	n2 = fill(h, 64, &head);
	osmem_heap_stats(h, &st);
	KEXPECT_GT(t, n2, 1000);
	KEXPECT_EQ(t, st.heap_bytes, heap);
	KEXPECT_LT(t, st.bytes_free, 64);
	drain(h, head);
	osmem_heap_stats(h, &st);
	/* The largest free can be had whole, and nothing larger can. */
	big = st.largest_free;
	KEXPECT_GT(t, big, ARENA_BYTES / 2);
	p = osmem_heap_malloc(h, big);
	KEXPECT_NOT_NULL(t, p);
	KEXPECT_EQ(t, osmem_heap_check(h), 0);
	osmem_heap_free(h, p);
	KEXPECT_NULL(t, osmem_heap_malloc(h, ARENA_BYTES));
	KEXPECT_EQ(t, osmem_heap_check(h), 0);
}

KTEST(osmem_embed, arena_memory_is_zeroed_and_calloc_works)
{
	struct osmem_heap *h;
	unsigned char *c;
	size_t i, bad = 0;

	/* A dirty buffer: the backend zeroes what the break first passes. */
	for (i = 0; i < ARENA_BYTES; i++)
		arena_buf[i] = (char)0xa5;
	h = osmem_heap_from_arena(&arena_space, arena_buf, ARENA_BYTES);
	KASSERT_NOT_NULL(t, h);
	c = osmem_heap_calloc(h, 1000, 10);
	KASSERT_NOT_NULL(t, c);
	for (i = 0; i < 10000; i++)
		bad += c[i] != 0;
	KEXPECT_EQ(t, bad, 0);
	KEXPECT_GE(t, osmem_heap_usable_size(h, c), 10000);
	KEXPECT_NULL(t, osmem_heap_calloc(h, SIZE_MAX / 2, 4));
	osmem_heap_free(h, c);
	KEXPECT_EQ(t, osmem_heap_check(h), 0);
}
