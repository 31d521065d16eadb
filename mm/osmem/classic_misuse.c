/* SPDX-License-Identifier: MIT */
/*
 * The classic allocator's misuse checks: which live block a pointer names
 * (nothing is read through it before that is known), the one report when
 * it names none, and the quarantine of a block whose header failed its
 * check. The rules are at the top of mm/osmem/classic.c ("Misuse").
 */
#include "mm/osmem/classic_internal.h"

/*
 * A header that fails its check is reported and quarantined: its size is
 * rebuilt from where the next block starts (the blocks are back to back,
 * and the links are what the walk trusts), so the heap stays walkable and
 * check() passes, but the block is never merged, reused or freed.
 */
void classic_quarantine(struct classic_heap *ch, struct block_meta *b,
			const char *op)
{
	char *end = b->next ? (char *)b->next : ch->heap_end;

	classic_report(ch, OSMEM_FAULT_CORRUPT_HEADER, op, classic_payload(b), 0,
		       "header check value does not match");
	classic_set(ch, b, (size_t)(end - (char *)classic_payload(b)),
		    CLASSIC_QUARANTINED);
}

/* The same for a mapping: its length is lost with its size, so it stays
 * mapped and listed for good, with size 0 (a leak, not a wrong unmap). */
void classic_quarantine_mapped(struct classic_heap *ch,
			       struct block_meta *m, const char *op)
{
	classic_report(ch, OSMEM_FAULT_CORRUPT_HEADER, op, classic_payload(m), 0,
		       "header check value does not match");
	classic_set(ch, m, 0, CLASSIC_QUARANTINED);
}

/*
 * The heap block p points into (its header or payload): the last block
 * that starts below p. A walk: classic is O(blocks) per call anyway (the
 * merge pass), and a bad pointer is then caught, not obeyed. Each link is
 * checked to point forward inside the heap before it is followed, so even
 * a broken list cannot make the walk fault; NULL if the list is broken.
 */
struct block_meta *classic_heap_block_of(struct classic_heap *ch,
					 const char *p)
{
	struct block_meta *x = ch->head;

	while (x) {
		struct block_meta *n = x->next;

		if (n && ((char *)n <= (char *)x || (char *)n >= ch->heap_end ||
			  ((uintptr_t)n & 7) != 0))
			return NULL;
		if (!n || (char *)n >= p)
			return x;
		x = n;
	}
	return NULL;
}

/* A block's size for a report: only when its header can be trusted. */
size_t classic_report_size(const struct classic_heap *ch,
			   const struct block_meta *b)
{
	return b && classic_sealed(ch, b) ? b->size : 0;
}

/* Report p, which is outside the heap's blocks and no live mapping's
 * payload; in is the live mapping p points into, if any. */
void classic_report_unlisted(struct classic_heap *ch, void *p,
			     const char *op, struct block_meta *in)
{
	size_t gone = classic_was_unmapped(ch, p);

	if (gone && !in)
		classic_report(ch, OSMEM_FAULT_DOUBLE_FREE, op, p, gone, NULL);
	else if (in)
		classic_report(ch, OSMEM_FAULT_INVALID_POINTER, op, p,
			       classic_report_size(ch, in), NULL);
	else if (ch->head && (char *)p >= ch->heap_start &&
		 (char *)p < ch->heap_end)
		classic_report(ch, OSMEM_FAULT_INVALID_POINTER, op, p, 0, NULL);
	else
		classic_report(ch, OSMEM_FAULT_FOREIGN_POINTER, op, p, 0, NULL);
}

/*
 * The live block whose payload is p, or NULL when p may not be used.
 * Nothing is read through p until p is known to be a block's payload.
 * A pointer that is no live block (a free block, no block's payload, not
 * this heap's) is reported naming op, unless quiet (realloc's rule, top
 * of the file): a free block is a double free for free and realloc, and
 * no live block for usable_size. A header that fails its check, or a
 * quarantined block, is reported even when quiet: that is corruption,
 * not a stale pointer.
 */
struct block_meta *classic_lookup(struct classic_heap *ch, void *p,
				  const char *op, bool quiet)
{
	struct block_meta *b, *in;
	bool heap = classic_in_heap(ch, p);

	/* p - 32 is only computed once p is known to lie above a header:
	 * for a wild pointer ((void *)1) even the arithmetic is undefined. */
	if (heap) {
		b = classic_header(p);
		in = classic_heap_block_of(ch, p);
		if (in != b) {
			/* Named with the block it points into, when known. */
			if (!quiet)
				classic_report(ch, OSMEM_FAULT_INVALID_POINTER, op, p,
					       classic_report_size(ch, in), NULL);
			return NULL;
		}
	} else if (!(b = classic_find_mapped(ch, p, &in))) {
		if (!quiet)
			classic_report_unlisted(ch, p, op, in);
		return NULL;
	}
	if (!classic_sealed(ch, b)) {
		if (heap)
			classic_quarantine(ch, b, op);
		else
			classic_quarantine_mapped(ch, b, op);
		return NULL;
	}
	if (b->status == CLASSIC_QUARANTINED) {
		classic_report(ch, OSMEM_FAULT_CORRUPT_HEADER, op, p, 0,
			       "block quarantined after a failed check");
		return NULL;
	}
	if (b->status == STATUS_FREE) {
		if (!quiet)
			classic_report(ch, op[0] == 'u' ?
				       OSMEM_FAULT_INVALID_POINTER :
				       OSMEM_FAULT_DOUBLE_FREE, op, p, b->size,
				       op[0] == 'u' ? "the block is free" : NULL);
		return NULL;
	}
	return b;
}
