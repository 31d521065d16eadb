/* SPDX-License-Identifier: MIT */
/*
 * Lab 1: reading the classic heap (docs/labs/lab1-watching-the-heap.md).
 * This is your file: the contract is in labs/lab1.h, and `make lab1`
 * grades it.
 *
 * As shipped nothing is found, counted or predicted: make lab1 fails.
 */
#include "labs/lab1.h"

struct block_meta *lab1_header_of(void *payload)
{
	/* LAB 1: find the header here */
	(void)payload;
	return NULL;
}

void lab1_summarize(const struct block_meta *head, struct lab1_summary *s)
{
	/* LAB 1: walk the list here */
	(void)head;
	*s = (struct lab1_summary){ 0 };
}

void *lab1_predict(const struct block_meta *head, size_t size)
{
	/* LAB 1: predict the next block here */
	(void)head;
	(void)size;
	return NULL;
}
