/* SPDX-License-Identifier: MIT */
/*
 * Lab 2's solution, for the graders' own test (tests/labs-meta/check.sh):
 * worst fit (contract: mm/osmem/classic_lab.h). The grader (make lab2)
 * never reads this file; mutations.txt breaks it into the classic
 * mistakes, each of which make lab2 must fail.
 */
#include "mm/osmem/classic_lab.h"
#include <stddef.h>

struct block_meta *classic_worst_fit(struct block_meta *head, size_t size)
{
	struct block_meta *worst = NULL;

	/* Strictly larger only: on ties the block nearest the head stays. */
	for (struct block_meta *b = head; b; b = b->next)
		if (b->status == STATUS_FREE && b->size >= size &&
		    (!worst || b->size > worst->size))
			worst = b;
	return worst;
}
