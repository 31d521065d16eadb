/* SPDX-License-Identifier: MIT */
/*
 * The fast allocator's introspection: stats(), walk() and check(), the
 * heap checker that verifies every invariant listed in
 * mm/osmem/fast_internal.h and reports the first one broken.
 */
#include "mm/osmem/fast_internal.h"

/* The largest free block is in the highest non-empty class: scan that one
 * list (stats are for reports, not hot paths). */
static size_t fast_largest_free(struct fast_heap *fh)
{
	struct fast_block *b;
	size_t best = 0;
	int fl;

	if (!fh->fl_map)
		return 0;
	fl = bit_fls64(fh->fl_map);
	b = fh->lists[fl][bit_fls64(fh->sl_map[fl])];
	for (; b; b = b->next_free)
		if (block_size(b) > best)
			best = block_size(b);
	return best - FAST_HDR;
}

void fast_stats(struct osmem_heap *h, struct osmem_stats *st)
{
	struct fast_heap *fh = fast_of(h);

	fast_lock(fh->be);
	*st = fh->st;
	st->heap_bytes = fh->first ? (size_t)(fh->brk - fh->base) : 0;
	st->largest_free = fast_largest_free(fh);
	fast_cache_sum(fh, st);
	fast_unlock(fh->be);
}

void fast_walk(struct osmem_heap *h,
	       void (*fn)(void *payload, size_t size,
	       enum osmem_block_kind kind, void *arg),
	       void *arg)
{
	struct fast_heap *fh = fast_of(h);
	struct fast_block *b;
	struct fast_map *m;

	fast_lock(fh->be);
	for (b = fh->first; b && b != fh->epi; b = block_next(b)) {
		if ((b->size & FAST_AUX) && !block_is_free(b))
			continue;               /* a foreign gap */
		fn(block_payload(b), block_size(b) - FAST_HDR,
		   block_is_free(b) ? OSMEM_BLOCK_FREE : fast_cache_kind(fh, b), arg);
	}
	/* Pending unmaps (fast_map.c) are no blocks: not walked. */
	for (m = fh->maps; m; m = m->next) {
		void *p = (char *)m + FAST_MAP_HDR;

		fn(p, fast_map_usable(m, p), OSMEM_BLOCK_MAPPED, arg);
	}
	fast_unlock(fh->be);
}

/* ---------------------------------------------------------------- check ---- */

#define FAST_BAD(ptr, ...) \
	do { fast_report_bad(fh, ptr, __VA_ARGS__); return -1; } while (0)

/* Debug mode: free or quarantined block b was written after it was
 * freed (its poison). */
static int fast_check_written(struct fast_heap *fh, struct fast_block *b,
			      const char *detail)
{
	fast_report_sites(fh, OSMEM_FAULT_USE_AFTER_FREE, OSMEM_OP_CHECK, block_payload(b),
			  fast_freed_size(fh, b), detail,
			  fast_dbg_freed_alloc_site(fh, b), fast_dbg_free_site(fh, b));
	return -1;
}

/* Debug mode: quarantined block b is whole (its poison; the FIFO's links
 * are fast_check_quarantine's); tallied. */
static int fast_check_quarantined(struct fast_heap *fh, struct fast_block *b,
				  struct osmem_stats *seen)
{
	if (block_size(b) < FAST_DBG_MIN_FREE)
		FAST_BAD(b, "quarantined block %p too small", (void *)b);
	if (!fast_dbg_q_poisoned(b))
		return fast_check_written(fh, b,
					  "poison of a quarantined block overwritten");
	seen->quarantined_blocks++;
	seen->quarantined_bytes += block_size(b) - FAST_HDR;
	return 0;
}

/* One heap block's own invariants; adds it to the tallies in `seen`. */
static int fast_check_block(struct fast_heap *fh, struct fast_block *b,
			    bool prev_free,
			    struct osmem_stats *seen)
{
	size_t size = block_size(b);
	struct fast_block *n;

	if (((uintptr_t)b & (FAST_ALIGN - 1)) || size < FAST_ALIGN ||
	    size > (size_t)((char *)fh->epi - (char *)b))
		FAST_BAD(b, "block %p has size %zu", (void *)b, size);
	if (!!(b->size & FAST_PREV_FREE) != prev_free)
		FAST_BAD(b, "block %p PREV_FREE is wrong", (void *)b);
	if (b->size & FAST_MAPPED)
		FAST_BAD(b, "heap block %p marked mapped", (void *)b);
	n = block_at(b, size);
	if (!block_is_free(b)) {
		if (fh->debug && fast_dbg_quarantined(fh, b))
			return fast_check_quarantined(fh, b, seen);
		if (!(b->size & FAST_AUX)) {
			if (size < FAST_MIN_BLOCK)
				FAST_BAD(b, "block %p too small", (void *)b);
			if (!fast_sealed(fh, b, b->size))
				FAST_BAD(b, "block %p: size word fails its check",
					 (void *)b);
			if (fh->debug &&
			    !fast_dbg_live(fh, block_payload(b), b, NULL, OSMEM_OP_CHECK,
					   &(size_t){ 0 }))
				return -1;
			seen->blocks_in_use++;
			seen->bytes_in_use += size - FAST_HDR;
		}
		return 0;
	}
	if (prev_free)
		FAST_BAD(b, "free blocks %p and the one before it are adjacent",
			 (void *)b);
	if (size < FAST_MIN_BLOCK || n->prev_size != size)
		FAST_BAD(b, "free block %p: size %zu, footer %zu",
			 (void *)b, size, n->prev_size);
	if (fh->debug && !fast_dbg_poisoned(b))
		return fast_check_written(fh, b, "poison of a free block overwritten");
	seen->blocks_free++;
	seen->bytes_free += size - FAST_HDR;
	return 0;
}

/* Every list: members are free heap blocks of that class, links agree,
 * bitmaps match emptiness; returns the number of members or -1. */
static long fast_check_lists(struct fast_heap *fh, size_t limit)
{
	long members = 0;
	unsigned fl, sl, f, s;

	for (fl = 0; fl < FAST_FL_COUNT; fl++) {
		if (!!(fh->fl_map & ((uint64_t)1 << fl)) != !!fh->sl_map[fl])
			FAST_BAD(NULL, "fl_map bit %u disagrees", fl);
		for (sl = 0; sl < FAST_SL_COUNT; sl++) {
			struct fast_block *b = fh->lists[fl][sl], *prev = NULL;

			if (!!(fh->sl_map[fl] & (1u << sl)) != !!b)
				FAST_BAD(NULL, "sl_map bit %u,%u disagrees", fl, sl);
			for (; b; prev = b, b = b->next_free) {
				if ((size_t)members++ > limit)
					FAST_BAD(NULL, "list %u,%u loops", fl, sl);
				if ((char *)b < (char *)fh->first ||
				    (char *)b >= (char *)fh->epi || !block_is_free(b) ||
				    b->prev_free != prev)
					FAST_BAD(NULL, "list %u,%u: bad member %p",
						 fl, sl, (void *)b);
				fast_index(block_size(b), &f, &s);
				if (f != fl || s != sl)
					FAST_BAD(b, "block %p (size %zu) on list %u,%u",
						 (void *)b, block_size(b), fl, sl);
			}
		}
	}
	return members;
}

static int fast_check_maps(struct fast_heap *fh, struct osmem_stats *seen)
{
	struct fast_map *h, *prev = NULL;
	size_t page = fh->be->page_size;

	for (h = fh->maps; h; prev = h, h = h->next) {
		size_t len = fast_map_len(h);
		char *p = (char *)h + FAST_MAP_HDR;

		if (h->prev != prev || (h->size & FAST_FLAGS) != FAST_MAPPED ||
		    (len & (page - 1)) || ((uintptr_t)h->start & (page - 1)) ||
		    ((uintptr_t)p & (FAST_ALIGN - 1)) || h->start > (char *)h ||
		    p > h->start + len || h->check != fast_map_seal(fh, h))
			FAST_BAD(h, "mapping header %p is broken", (void *)h);
		if (fh->debug &&
		    !fast_dbg_live(fh, p, NULL, h, OSMEM_OP_CHECK, &(size_t){ 0 }))
			return -1;
		seen->mapped_blocks++;
		seen->mapped_bytes += len;
		if (seen->mapped_blocks > fh->st.mapped_blocks)
			FAST_BAD(NULL, "more mappings than counted");
	}
	return 0;
}

/* The pending unmaps (fast_map.c): sealed, MAPPED and FREE, prev NULL,
 * page-aligned; tallied for fast_check_counts. */
static int fast_check_pending(struct fast_heap *fh, struct osmem_stats *seen)
{
	struct fast_map *h;
	size_t page = fh->be->page_size;

	for (h = fh->unmap_pending; h; h = h->next) {
		size_t len = fast_map_len(h);
		char *p = (char *)h + FAST_MAP_HDR;

		if (h->prev || (h->size & FAST_FLAGS) != (FAST_MAPPED | FAST_FREE) ||
		    !len || (len & (page - 1)) ||
		    ((uintptr_t)h->start & (page - 1)) ||
		    ((uintptr_t)p & (FAST_ALIGN - 1)) || h->start > (char *)h ||
		    p > h->start + len || h->check != fast_map_seal(fh, h))
			FAST_BAD(h, "pending unmap %p is broken", (void *)h);
		seen->unmap_pending_blocks++;
		seen->unmap_pending_bytes += len;
		if (seen->unmap_pending_blocks > fh->st.unmap_pending_blocks)
			FAST_BAD(NULL, "more pending unmaps than counted");
	}
	return 0;
}

/*
 * Debug mode: the quarantine's FIFO links every quarantined block the heap
 * walk saw (seen), oldest first, each back link agreeing (the oldest's
 * with the block that left last), and holds no more than its bound. A
 * link that disagrees was written: a write through a stale pointer hits
 * the payload's first words. A head that is no quarantined block means
 * the forward link of the block that left last was written.
 */
static int fast_check_quarantine(struct fast_heap *fh,
				 const struct osmem_stats *seen)
{
	struct fast_block *b, *prev = fh->q_gone, *last = NULL;
	size_t n = 0;

	for (b = fh->q_head; b; prev = last = b, b = b->next_free) {
		if (((uintptr_t)b & (FAST_ALIGN - 1)) ||
		    (char *)b < (char *)fh->first ||
		    (char *)b >= (char *)fh->epi ||
		    !fast_dbg_quarantined(fh, b) || n++ == seen->quarantined_blocks) {
			if (b != fh->q_head)
				return fast_check_written(fh, prev,
					"a quarantine link was overwritten");
			if (!fh->q_gone)
				FAST_BAD(b, "quarantine head %p is not quarantined",
					 (void *)b);
			fast_report_sites(fh, OSMEM_FAULT_USE_AFTER_FREE, OSMEM_OP_CHECK,
					  block_payload(fh->q_gone), fh->q_gone_req,
					  "a quarantine link was overwritten",
					  fh->q_gone_asite, fh->q_gone_fsite);
			return -1;
		}
		if (b->prev_free != prev)
			return fast_check_written(fh, b,
					"a quarantine link was overwritten");
	}
	if (last != fh->q_tail || n != seen->quarantined_blocks)
		FAST_BAD(fh->q_tail, "quarantine: %zu linked, %zu in the heap, tail %p",
			 n, seen->quarantined_blocks, (void *)fh->q_tail);
	if (fh->st.quarantined_bytes >
	    fast_quarantine_bound((size_t)(fh->high - fh->base)))
		FAST_BAD(NULL, "quarantine holds %zu bytes, over its bound",
			 fh->st.quarantined_bytes);
	return 0;
}

static unsigned fast_popcount(uint64_t x)
{
	unsigned n = 0;

	for (; x; x &= x - 1)
		n++;
	return n;
}

/* Debug mode: each range of zero-size blocks counts its live addresses
 * right, none past those handed out, and is not used up and all freed
 * (it would have gone back). */
static int fast_check_zero(struct fast_heap *fh)
{
	for (unsigned i = 0; i < FAST_ZERO_RANGES; i++) {
		const struct fast_zero *z = &fh->zero[i];
		unsigned live = 0, k;

		if (!z->base)
			continue;
		for (k = 0; k < FAST_ZERO_SLOTS / 64; k++) {
			uint64_t past = k * 64 >= z->next ? ~(uint64_t)0 :
					z->next - k * 64 >= 64 ? 0 :
					~(uint64_t)0 << (z->next - k * 64);

			if (z->bits[k] & past)
				FAST_BAD(z->base, "zero-size range %p: address %u live, never given",
					 (void *)z->base, k * 64);
			live += fast_popcount(z->bits[k]);
		}
		if (z->next > FAST_ZERO_SLOTS || live != z->live ||
		    (!live && z->next == FAST_ZERO_SLOTS))
			FAST_BAD(z->base, "zero-size range %p: %u live, counted %u, %u given",
				 (void *)z->base, live, z->live, z->next);
	}
	return 0;
}

static int fast_check_counts(struct fast_heap *fh,
			     const struct osmem_stats *seen, long listed)
{
	if (seen->blocks_in_use != fh->st.blocks_in_use ||
	    seen->bytes_in_use != fh->st.bytes_in_use)
		FAST_BAD(NULL, "in use %zu/%zu, counted %zu/%zu",
			 seen->blocks_in_use, seen->bytes_in_use,
			 fh->st.blocks_in_use, fh->st.bytes_in_use);
	if (seen->blocks_free != fh->st.blocks_free ||
	    seen->bytes_free != fh->st.bytes_free ||
	    (size_t)listed != seen->blocks_free)
		FAST_BAD(NULL, "free %zu/%zu, counted %zu/%zu, listed %ld",
			 seen->blocks_free, seen->bytes_free,
			 fh->st.blocks_free, fh->st.bytes_free, listed);
	if (seen->mapped_blocks != fh->st.mapped_blocks ||
	    seen->mapped_bytes != fh->st.mapped_bytes)
		FAST_BAD(NULL, "mapped %zu/%zu, counted %zu/%zu",
			 seen->mapped_blocks, seen->mapped_bytes,
			 fh->st.mapped_blocks, fh->st.mapped_bytes);
	if (seen->unmap_pending_blocks != fh->st.unmap_pending_blocks ||
	    seen->unmap_pending_bytes != fh->st.unmap_pending_bytes)
		FAST_BAD(NULL, "pending unmaps %zu/%zu, counted %zu/%zu",
			 seen->unmap_pending_blocks, seen->unmap_pending_bytes,
			 fh->st.unmap_pending_blocks, fh->st.unmap_pending_bytes);
	if (seen->quarantined_blocks != fh->st.quarantined_blocks ||
	    seen->quarantined_bytes != fh->st.quarantined_bytes)
		FAST_BAD(NULL, "quarantined %zu/%zu, counted %zu/%zu",
			 seen->quarantined_blocks, seen->quarantined_bytes,
			 fh->st.quarantined_blocks, fh->st.quarantined_bytes);
	return 0;
}

static int fast_check_heap(struct fast_heap *fh, struct osmem_stats *seen)
{
	struct fast_block *b;
	bool prev_free = false;

	if (!fh->first)
		return 0;
	if ((char *)fh->first < fh->base ||
	    (char *)fh->epi + 16 > fh->brk || fh->brk > fh->high ||
	    ((uintptr_t)fh->epi & (FAST_ALIGN - 1)))
		FAST_BAD(fh->base, "heap bounds %p..%p, epilogue %p",
			 (void *)fh->base, (void *)fh->brk, (void *)fh->epi);
	for (b = fh->first; b != fh->epi; b = block_next(b)) {
		if (fast_check_block(fh, b, prev_free, seen))
			return -1;
		prev_free = block_is_free(b);
	}
	if (block_size(fh->epi) || block_is_free(fh->epi) ||
	    !!(fh->epi->size & FAST_PREV_FREE) != prev_free)
		FAST_BAD(fh->epi, "the epilogue %p is broken", (void *)fh->epi);
	return 0;
}

int fast_check(struct osmem_heap *h)
{
	struct fast_heap *fh = fast_of(h);
	struct osmem_stats seen;
	long listed;
	int rc = -1;

	if (!fh->be)
		return 0;
	memset(&seen, 0, sizeof(seen));
	fast_lock(fh->be);
	if (fast_check_heap(fh, &seen) == 0 && fast_check_maps(fh, &seen) == 0 &&
	    fast_check_pending(fh, &seen) == 0 &&
	    fast_keep_check(fh, &seen) == 0 &&
	    fast_check_quarantine(fh, &seen) == 0 && fast_check_zero(fh) == 0) {
		listed = fast_check_lists(fh, seen.blocks_free);
		if (listed >= 0 && fast_check_counts(fh, &seen, listed) == 0 &&
		    fast_cache_check(fh) == 0)
			rc = 0;
	}
	fast_unlock(fh->be);
	return rc;
}
