/* SPDX-License-Identifier: MIT */
/*
 * Lab 2's reference solution: worst fit (contract: mm/osmem/classic_lab.h).
 *
 * Not part of any normal build. `make lab2-check LAB2_SOLUTION=tests/labs/
 * classic_worstfit_ref.c` builds the lab 2 check with it in place of
 * mm/osmem/classic_worstfit.c, and tests/labs/lab2_selftest.sh shows the
 * check failing on the skeleton and passing with this file.
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
