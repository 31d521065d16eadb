/* SPDX-License-Identifier: MIT */
/*
 * The fast allocator's free lists and block surgery: link, unlink, find
 * (the TLSF-style two-level index of fast_index.h), and the merge of a
 * block with its free neighbours. Inlined: malloc and free run through
 * these on every call. The block layout and invariants they keep are at
 * the top of fast_internal.h; the heap lock is held by every caller.
 * Used by fast.c, fast_top.c, fast_batch.c and fast_debug.c.
 */
#ifndef MM_OSMEM_FAST_LISTS_H
#define MM_OSMEM_FAST_LISTS_H

#include "mm/osmem/fast_internal.h"

/* --------------------------------------------------------- free lists ---- */

/*
 * Malloc and free run through these on every call, so they are inlined and
 * do no more than they must: a block inside a list is unlinked without
 * computing its class (only a list head needs it), and link/unlink leave
 * the free counters to their callers, which add up a whole operation's
 * change at once. fast_list_remove and fast_set_free (below) are the
 * counted forms, for the paths that are not hot.
 */
static inline void fast_bits_set(struct fast_heap *fh, unsigned fl, unsigned sl)
{
	fh->sl_map[fl] |= 1u << sl;
	fh->fl_map |= (uint64_t)1 << fl;
}

static inline void fast_bits_clear(struct fast_heap *fh, unsigned fl,
				   unsigned sl)
{
	fh->sl_map[fl] &= ~(1u << sl);
	if (!fh->sl_map[fl])
		fh->fl_map &= ~((uint64_t)1 << fl);
}

/* Put free block b (of `size` bytes) at the head of its class's list. */
FAST_INLINE void fast_list_link(struct fast_heap *fh, struct fast_block *b,
				size_t size)
{
	struct fast_block *head;
	unsigned fl, sl;

	fast_index(size, &fl, &sl);
	head = fh->lists[fl][sl];
	b->prev_free = NULL;
	b->next_free = head;
	if (head)
		head->prev_free = b;
	else
		fast_bits_set(fh, fl, sl);
	fh->lists[fl][sl] = b;
}

/* Take b, the head of list (fl, sl), off it. */
FAST_INLINE void fast_list_pop(struct fast_heap *fh, struct fast_block *b,
			       unsigned fl, unsigned sl)
{
	struct fast_block *next = b->next_free;

	fh->lists[fl][sl] = next;
	if (next)
		next->prev_free = NULL;
	else
		fast_bits_clear(fh, fl, sl);
}

FAST_INLINE void fast_list_unlink(struct fast_heap *fh, struct fast_block *b)
{
	struct fast_block *prev = b->prev_free, *next = b->next_free;
	unsigned fl, sl;

	if (!prev) {
		fast_index(block_size(b), &fl, &sl);
		fast_list_pop(fh, b, fl, sl);
		return;
	}
	prev->next_free = next;
	if (next)
		next->prev_free = prev;
}

static inline void fast_list_remove(struct fast_heap *fh, struct fast_block *b)
{
	fast_list_unlink(fh, b);
	fh->st.blocks_free--;
	fh->st.bytes_free -= block_size(b) - FAST_HDR;
}

/*
 * The head of the smallest non-empty class at or above (*fl, *sl), its
 * class left in (*fl, *sl); NULL when there is none.
 */
FAST_INLINE struct fast_block *fast_first_from(struct fast_heap *fh,
					       unsigned *fl, unsigned *sl)
{
	uint64_t fmap;
	uint32_t smap;
	unsigned f = *fl;

	if (f >= FAST_FL_COUNT)
		return NULL;
	smap = fh->sl_map[f] & (~0u << *sl);
	if (!smap) {
		fmap = fh->fl_map & (~(uint64_t)0 << (f + 1));
		if (!fmap)
			return NULL;
		f = (unsigned)bit_ffs64(fmap);
		smap = fh->sl_map[f];
	}
	*fl = f;
	*sl = (unsigned)bit_ffs64(smap);
	return fh->lists[f][*sl];
}

/*
 * A free block of at least r bytes (r < FAST_BLOCK_MAX), by the rule in the
 * comment on top: always the head of its list, whose class is left in
 * (*fl, *sl) for fast_list_pop. Below FAST_EXACT_LIMIT the first look
 * (the head of r's own class, which holds only size r) is the answer
 * whenever that list is not empty.
 */
FAST_INLINE struct fast_block *fast_find(struct fast_heap *fh, size_t r,
					 unsigned *fl, unsigned *sl)
{
	struct fast_block *b;
	size_t R;

	fast_index(r, fl, sl);
	b = fh->lists[*fl][*sl];
	if (b && block_size(b) >= r)
		return b;
	R = fast_round_class(r);
	if (R >= FAST_BLOCK_MAX)
		return NULL;
	fast_index(R, fl, sl);
	return fast_first_from(fh, fl, sl);
}

/* ----------------------------------------------------- block surgery ---- */

/* Mark b (size bytes, neither neighbour free) free and link it; the
 * caller counts it. */
FAST_INLINE void fast_link_free(struct fast_heap *fh, struct fast_block *b,
			   size_t size, size_t aux)
{
	struct fast_block *n;

	b->size = size | FAST_FREE | aux;
	n = block_at(b, size);
	n->prev_size = size;
	n->size |= FAST_PREV_FREE;
	fast_list_link(fh, b, size);
}

/*
 * b is a block on no list and not counted as live, its size word valid
 * (with PREV_FREE): merge it with its free neighbours and file the result,
 * which is returned (its size in *sizep if not NULL). The AUX (fresh) mark
 * survives only when nothing merges.
 * Counting: the free blocks go up by 1 less the merges, and the free bytes
 * by b's size less 8 per block that remains (each merge frees a header).
 */
FAST_INLINE struct fast_block *fast_release_plain(struct fast_heap *fh,
						  struct fast_block *b,
						  size_t aux, size_t *sizep)
{
	size_t w0 = b->size, size = block_size(b), added = size, blocks = 1;
	struct fast_block *n = block_at(b, size);

	if (w0 & FAST_PREV_FREE) {
		/* b's word becomes payload of the merged block, still sealed:
		 * marked free, so fast_heap_block never takes it for a live
		 * block again (the block after it may not say otherwise). */
		b->size |= FAST_FREE;
		b = block_prev(b);
		fast_list_unlink(fh, b);
		size += block_size(b);
		blocks--;
		aux = 0;
	}
	if (block_is_free(n)) {
		fast_list_unlink(fh, n);
		size += block_size(n);
		blocks--;
		aux = 0;
	}
	fast_link_free(fh, b, size, aux);
	/* blocks is 1, 0 or "-1": unsigned arithmetic wraps as intended. */
	fh->st.blocks_free += blocks;
	fh->st.bytes_free += added - FAST_HDR * blocks;
	if (sizep)
		*sizep = size;
	return b;
}

#endif
