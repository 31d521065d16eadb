/* SPDX-License-Identifier: MIT */
/*
 * Lab 2: worst fit for the classic allocator (heap=classic:worst).
 *
 * This is the student's file. The contract is in mm/osmem/classic_lab.h;
 * the lab sheet is docs/labs/lab2-placement-policies.md, and `make lab2`
 * grades this file (tests/labs/lab2_contract.c, tests/labs/lab2_worstfit.c).
 *
 * As shipped it finds nothing, so every allocation grows the heap: the
 * allocator still works, but wastes memory, and make lab2 fails.
 */
#include "mm/osmem/classic_lab.h"
#include <stddef.h>

struct block_meta *classic_worst_fit(struct block_meta *head, size_t size)
{
	/* LAB 2: write worst fit here */
	(void)head;
	(void)size;
	return NULL;
}
