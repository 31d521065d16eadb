/* SPDX-License-Identifier: MIT */
/*
 * docs/porting.md, example 1: the allocator over a 1 MiB static char[],
 * in a program built -ffreestanding -nostdlib (no libc, no brk, no
 * mapper). The whole port is the osmem_heap_from_arena() call below.
 * It prints KTAP and exits 0 when every check passed, 1 otherwise.
 */
#include "osmem.h"             /* make dist: build/dist/osmem-VERSION/ */
#include "tests/port/ktap_mini.h"
#include <stdint.h>

static _Alignas(64) char heap_buf[1 << 20];
static struct osmem_heap_space heap_space;

/* Allocate n-byte blocks until NULL, chained through their first word. */
static size_t fill(struct osmem_heap *h, size_t n, void **head)
{
	size_t count = 0;
	void **p;

	for (*head = NULL; (p = osmem_heap_malloc(h, n)); count++) {
		*p = *head;
		*head = p;
	}
	return count;
}

static void drain(struct osmem_heap *h, void *head)
{
	while (head) {
		void *next = *(void **)head;

		osmem_heap_free(h, head);
		head = next;
	}
}

void arena_main(void)
{
	struct osmem_heap *h = osmem_heap_from_arena(&heap_space, heap_buf,
						     sizeof(heap_buf));
	struct osmem_stats st;
	char *s, *big;
	void *head;
	size_t n1;

	mini_puts("KTAP version 1\n1..7\n");
	mini_check(h != NULL, "heap_from_arena");
	s = osmem_heap_malloc(h, 100);
	mini_check(s && s >= heap_buf && s + 100 <= heap_buf + sizeof(heap_buf),
		   "malloc_inside_the_buffer");
	/* Larger than the default mmap threshold: no mapper, so the heap. */
	big = osmem_heap_realloc(h, s, 512 * 1024);
	mini_check(big && big >= heap_buf, "large_block_in_the_heap");
	osmem_heap_free(h, big);
	n1 = fill(h, 32, &head);
	mini_check(n1 > 1000 && !osmem_heap_malloc(h, 1), "exhaustion_returns_null");
	mini_check(osmem_heap_check(h) == 0, "check_when_full");
	drain(h, head);
	/* Freed, every byte is one free block again, to be had whole. */
	osmem_heap_stats(h, &st);
	big = osmem_heap_malloc(h, st.largest_free);
	mini_check(st.blocks_free == 1 && st.largest_free == st.bytes_free &&
		   big != NULL, "every_byte_reusable");
	osmem_heap_free(h, big);
	osmem_heap_stats(h, &st);
	mini_check(st.bytes_in_use == 0 && st.mapped_blocks == 0 &&
		   osmem_heap_check(h) == 0, "empty_and_consistent");
	mini_exit(mini_failed != 0);
}

MINI_START(arena_main);
