/* SPDX-License-Identifier: MIT */
/*
 * The fast allocator's sized free (allocator.h: free_sized), behind C23's
 * free_sized and C++'s sized operator delete: p is freed when `size` is
 * one p could have been allocated with; otherwise the mismatch is
 * reported (OSMEM_FAULT_SIZE_MISMATCH: the block's size, the size given)
 * and the free refused, p staying live and untouched. Lookup, size check
 * and free run under one lock; any other misuse is reported as free
 * reports it (fast_lookup), with the op OSMEM_OP_FREE_SIZED.
 *
 * What "matches" means:
 *   - debug mode keeps each block's request: the size must equal it
 *     (fast_dbg_entry_free_sized in fast_debug.c).
 *   - default mode keeps only block sizes. A request of n bytes is served
 *     by a heap block of r = max(32, round16(n + 8)) bytes
 *     (fast_block_size), or of r + 16: the block found is cut down to r
 *     only when the rest can be a block of its own (>= 32 bytes), so
 *     malloc, realloc and memalign may all hand out r + 16 whole. So size
 *     n matches a heap block of s bytes exactly when r <= s <= r + 16,
 *     i.e. when s - r < FAST_MIN_BLOCK. In usable bytes (s - 8): n is at
 *     most the usable size and more than the usable size less 32 (for
 *     blocks of 64 bytes and up; blocks of 32 and 48 bytes match any n up
 *     to their usable size, as every such n may be given them).
 *   - a mapping matches any n up to its usable size: its length is
 *     page-rounded, a request the heap cannot grow for becomes a mapping
 *     whatever its size, and realloc may keep a mapping larger than asked.
 * So a size larger than the block always mismatches, and so, on the heap,
 * does one that would have been given a smaller block.
 */
#include "mm/osmem/fast_internal.h"

/* Size n is one a heap block of s bytes may have been allocated for. */
static bool fast_size_matches(size_t s, size_t n)
{
	size_t r;

	return fast_block_size(n, &r) && r <= s && s - r < FAST_MIN_BLOCK;
}

/* The mismatch report (report.h); block: what usable_size says of p. */
void fast_report_size_mismatch(struct fast_heap *fh, const void *p,
			       size_t block, size_t given,
			       const void *alloc_site)
{
	struct osmem_report r = {
		.fault = OSMEM_FAULT_SIZE_MISMATCH, .op = osmem_op_name(OSMEM_OP_FREE_SIZED),
		.ptr = p, .size = block, .given = given,
		.alloc_site = alloc_site,
	};

	if (fh->be && fh->be->report)
		fh->be->report(&r);
}

static void fast_free_sized_locked(struct fast_heap *fh, void *p, size_t n)
{
	struct fast_block *b;
	struct fast_map *m;
	size_t usable;

	switch (fast_lookup(fh, p, &b, &m, OSMEM_OP_FREE_SIZED)) {
	case 1:
		if (fast_size_matches(block_size(b), n))
			fast_heap_free(fh, b);
		else
			fast_report_size_mismatch(fh, p, block_size(b) - FAST_HDR, n,
						  NULL);
		break;
	case 2:
		usable = fast_map_usable(m, p);
		if (n <= usable)
			fast_map_free(fh, m);
		else
			fast_report_size_mismatch(fh, p, usable, n, NULL);
		break;
	}
}

void fast_free_sized(struct osmem_heap *h, void *p, size_t n)
{
	struct fast_heap *fh = fast_of(h);

	if (!p || !fh->be)
		return;
	if (fh->debug) {
		fast_dbg_entry_free_sized(fh, p, n);
		return;
	}
	fast_lock(fh->be);
	fast_free_sized_locked(fh, p, n);
	fast_unlock(fh->be);
}
