/* SPDX-License-Identifier: MIT */
/*
 * Lab 1's contract (docs/labs/lab1-watching-the-heap.md): read the classic
 * allocator's heap as its code lays it out, and predict its next move.
 * You write these in labs/lab1_heapwalk.c; `make lab1` grades that file on
 * real classic heaps (heap=classic).
 *
 * The heap (mm/osmem/block_meta.h, mm/osmem/classic.c): blocks back to
 * back in address order from the heap's start to the break, each a 32-byte
 * struct block_meta then its payload (size bytes, a multiple of 8, the
 * header not counted). The list (next) links them in that order; head is
 * the first block. status is STATUS_FREE or STATUS_ALLOC on the heap (a
 * mapped block, STATUS_MAPPED, is never on the heap list).
 *
 * lab1_header_of(payload): the header of the block whose payload is at
 * payload (what free() does first).
 *
 * lab1_summarize(head, &s): fill s from one walk of the list:
 */
#ifndef LABS_LAB1_H
#define LABS_LAB1_H

#include "mm/osmem/block_meta.h"
#include <stddef.h>

struct lab1_summary {
	size_t blocks;          /* blocks on the list */
	size_t used_blocks;     /* STATUS_ALLOC blocks ... */
	size_t used_bytes;      /* ... and their payload bytes */
	size_t free_blocks;     /* STATUS_FREE blocks ... */
	size_t free_bytes;      /* ... and their payload bytes */
	size_t largest_free;    /* the largest free payload, 0 if none */
	size_t header_bytes;    /* bytes of headers */
	size_t free_neighbours; /* free blocks whose next block is free too:
				 * not merged yet (free() does not merge) */
	size_t heap_bytes;      /* from head to the end of the last payload:
				 * the break minus the heap's start */
};

struct block_meta *lab1_header_of(void *payload);
void lab1_summarize(const struct block_meta *head, struct lab1_summary *s);

/*
 * lab1_predict(head, size): where classic's malloc(size) will put its
 * payload, on the heap whose first block is head (not empty), before the
 * call: by the rules of docs/labs/lab1-watching-the-heap.md (the request
 * rounded up to 8; a block of 32 + that reaching 128 KiB is mapped: then
 * NULL; adjacent free blocks merged; the smallest free block that fits,
 * the first on ties; if none, a free last block grows in place; else a new
 * block at the break). It must not change the heap.
 */
void *lab1_predict(const struct block_meta *head, size_t size);

#endif
