/* SPDX-License-Identifier: MIT */
/*
 * The classic allocator's lab hook (lab 2, docs/labs/lab2-placement-policies.md).
 *
 * classic_worst_fit(head, size): given the heap list (address order, linked
 * by next, the first block is head, NULL-terminated) and a request of size
 * bytes (already rounded up to 8), return the FREE block (status
 * STATUS_FREE) with the largest size that is at least size; on ties the
 * one nearest head; NULL when no free block is large enough. It must not
 * change the list or any block: classic.c splits the block it returns.
 *
 * Adjacent free blocks are merged before it is called, and every header on
 * the list has been checked. Its answer is still checked by classic.c: a
 * block that is not free, too small or not on the list counts as NULL.
 *
 * Used by osmem_classic_worst ("classic:worst"). The shipped
 * mm/osmem/classic_worstfit.c returns NULL (the heap then always grows);
 * `make lab2` grades it (mk/labs.mk).
 */
#ifndef MM_OSMEM_CLASSIC_LAB_H
#define MM_OSMEM_CLASSIC_LAB_H

#include "mm/osmem/block_meta.h"
#include <stddef.h>

struct block_meta *classic_worst_fit(struct block_meta *head, size_t size);

#endif
