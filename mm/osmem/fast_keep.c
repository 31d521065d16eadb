/* SPDX-License-Identifier: MIT */
/*
 * The fast allocator's kept mappings: freed large blocks (page mappings,
 * fast_map.c) kept mapped for a later large request, so that a program
 * that frees and allocates large blocks in turn pays neither the map and
 * unmap calls nor a page fault per page it writes. Off until the home
 * turns it on (osmem_fast_keep_maps, contract in fast_index.h; the
 * drop-in library does, docs/arenas.md "Large blocks"); never in debug
 * mode, where a freed mapping goes at once so that a use after free
 * faults.
 *
 * State: fh->kept[0..kept_n), oldest first: start, length, the payload
 * the program freed and its usable size then. Held in the heap state,
 * not in the mapping: the program may write to memory it freed, and
 * nothing here reads a kept mapping's bytes. Counted in st.kept_blocks
 * and st.kept_bytes (whole mappings), nowhere else.
 *
 * Policy, per heap:
 *   - which: a freed mapping that, once the dynamic rule has raised the
 *     mmap threshold (fast_map.c), is still longer than the threshold
 *     plus a header, so that a mapped request may fit in it: blocks
 *     above the rule's cap, or any while the rule is off. Those the
 *     threshold has passed are given back as the next one is kept.
 *   - bound: at most keep_max mappings (FAST_KEEP_SLOTS at most), their
 *     bytes at most fast_keep_bound(): the live mapped bytes over
 *     FAST_KEEP_SHIFT, at least FAST_KEEP_FLOOR, never above the home's
 *     cap. A free that would pass it gives back the oldest first; a
 *     mapping larger than the bound by itself is not kept at all.
 *   - reuse: a map alloc takes the smallest kept mapping that holds the
 *     request (its page-rounded length with the header). One more than a
 *     quarter too long is cut to size first when the backend can resize
 *     in place (pages_remap; the tail's pages leave the process), else
 *     taken whole if at most twice the size, else left where it is.
 *     Requests aligned beyond a page map afresh.
 *   - giving back: eviction, osmem_fast_trim (all of them), turning
 *     keeping off (explicit tuning too). Each goes through
 *     fast_unmap_at: a refused unmap (issue 11's ENOMEM) leaves the
 *     mapping on the pending list, retried as any other.
 *   - misuse: a free, realloc or usable_size of a kept mapping's payload
 *     is a double free (usable_size: an invalid pointer) named with the
 *     size the block had; of an address inside one, an invalid pointer
 *     (fast_keep_misuse, reached from fast_lookup when p is no live
 *     mapping).
 *   - fork: the array is heap state, changed under the heap's lock only;
 *     the drop-in library's fork handlers hold every arena's lock across
 *     fork, so the child's copy is consistent (and the mappings, private,
 *     are the child's own copies).
 *
 * Locking: every function here runs under the heap's lock, called from
 * the public entries (fast.c, fast_map.c, fast_misuse.c, fast_check.c).
 */
#include "mm/osmem/fast_internal.h"

#define FAST_KEEP_BAD(fh, ...) \
	do { fast_report_bad(fh, NULL, __VA_ARGS__); return -1; } while (0)

/* The most bytes kept mappings may hold now (contract above). */
static size_t fast_keep_bound(const struct fast_heap *fh)
{
	size_t b = fh->st.mapped_bytes >> FAST_KEEP_SHIFT;

	if (b < FAST_KEEP_FLOOR)
		b = FAST_KEEP_FLOOR;
	return b < fh->keep_bytes_max ? b : fh->keep_bytes_max;
}

/* Entry i out of the array (the later ones move down), uncounted. */
static struct fast_kept fast_keep_remove(struct fast_heap *fh, unsigned i)
{
	struct fast_kept e = fh->kept[i];

	for (unsigned j = i + 1; j < fh->kept_n; j++)
		fh->kept[j - 1] = fh->kept[j];
	fh->kept_n--;
	fh->st.kept_blocks--;
	fh->st.kept_bytes -= e.len;
	return e;
}

/* Give the oldest kept mapping back (or leave it pending). True when
 * the backend took it. */
static bool fast_keep_evict(struct fast_heap *fh)
{
	struct fast_kept e = fast_keep_remove(fh, 0);

	return fast_unmap_at(fh, fast_map_of(e.p), e.start, e.len);
}

/* Give back the kept mappings that can serve no mapped request any more
 * (the dynamic rule raised the threshold past them). */
static void fast_keep_drop_stale(struct fast_heap *fh)
{
	for (unsigned i = 0; i < fh->kept_n; ) {
		struct fast_kept e;

		if (fh->kept[i].len > fh->mmap_threshold + FAST_MAP_HDR) {
			i++;
			continue;
		}
		e = fast_keep_remove(fh, i);
		fast_unmap_at(fh, fast_map_of(e.p), e.start, e.len);
	}
}

/* Give back the oldest until the count and the bytes are within the
 * bound; true when something was unmapped. */
static bool fast_keep_fit(struct fast_heap *fh)
{
	bool done = false;

	while (fh->kept_n && (fh->kept_n > fh->keep_max ||
			      fh->st.kept_bytes > fast_keep_bound(fh)))
		done |= fast_keep_evict(fh);
	return done;
}

/*
 * Mapping h was just freed (off the live list, uncounted, noted in the
 * ring): keep it when it fits the bound by itself, giving back the
 * oldest as needed. False: not kept, the caller unmaps it.
 */
bool fast_keep_put(struct fast_heap *fh, struct fast_map *h)
{
	size_t len = fast_map_len(h);
	void *p = (char *)h + FAST_MAP_HDR;

	if (fh->debug || len > fast_keep_bound(fh) ||
	    len <= fh->mmap_threshold + FAST_MAP_HDR)
		return false;
	fast_keep_drop_stale(fh);
	if (fh->kept_n == FAST_KEEP_SLOTS)
		fast_keep_evict(fh);
	fh->kept[fh->kept_n++] = (struct fast_kept){
		.start = h->start, .len = len, .p = p,
		.usable = fast_map_usable(h, p),
	};
	fh->st.kept_blocks++;
	fh->st.kept_bytes += len;
	if (fast_keep_fit(fh) && fh->unmap_pending)
		fast_unmap_retry(fh, OSMEM_OP_FREE);
	return true;
}

/* The kept mapping for `need` bytes (header included, page-rounded): the
 * index of the smallest that holds it, or -1. */
static int fast_keep_best(const struct fast_heap *fh, size_t need)
{
	int best = -1;

	for (unsigned i = 0; i < fh->kept_n; i++)
		if (fh->kept[i].len >= need &&
		    (best < 0 || fh->kept[i].len < fh->kept[best].len))
			best = (int)i;
	return best;
}

/*
 * A kept mapping as a live block for n bytes at an align-aligned payload,
 * or NULL (none fits; the caller maps afresh). Its bytes are the last
 * owner's: the caller clears them when it must (calloc).
 */
void *fast_keep_take(struct fast_heap *fh, size_t n, size_t align)
{
	size_t lead = align > FAST_MAP_HDR ? align : FAST_MAP_HDR, need, len;
	struct fast_kept *e;
	int i;

	if (align > fh->be->page_size || !fast_map_size(fh, n, lead, &need))
		return NULL;
	i = fast_keep_best(fh, need);
	if (i < 0)
		return NULL;
	e = &fh->kept[i];
	len = e->len;
	if (len - need > need / 4) {
		/* Too long: cut to size in place, or take it whole when at
		 * most twice the size. */
		if (fh->be->pages_remap) {
			fh->st.map_calls++;
			if (fh->be->pages_remap(e->start, len, need) == e->start) {
				fh->st.kept_bytes -= len - need;
				e->len = len = need;
			}
		}
		if (len > 2 * need)
			return NULL;
	}
	return fast_map_link(fh, fast_keep_remove(fh, (unsigned)i).start, len,
			     align);
}

/* Give every kept mapping back (trim, keeping turned off). True when the
 * backend took one. */
bool fast_keep_release(struct fast_heap *fh, enum osmem_op op)
{
	bool done = false;

	while (fh->kept_n)
		done |= fast_keep_evict(fh);
	if (done && fh->unmap_pending)
		fast_unmap_retry(fh, op);
	return done;
}

/*
 * p is no live mapping's payload: is it a kept one's (a double free;
 * usable_size: an invalid pointer), or inside one (an invalid pointer)?
 * Reported with the size the block had; true when a report was made.
 */
bool fast_keep_misuse(struct fast_heap *fh, void *p, enum osmem_op op)
{
	char *c = p;

	for (unsigned i = 0; i < fh->kept_n; i++) {
		struct fast_kept *e = &fh->kept[i];

		if (p == e->p) {
			fast_report(fh, fast_freed_fault(op), op, p, e->usable,
				    "a freed mapping kept for reuse");
			return true;
		}
		if (c >= e->start && c < e->start + e->len) {
			fast_report(fh, OSMEM_FAULT_INVALID_POINTER, op, p,
				    e->usable, "inside a freed mapping");
			return true;
		}
	}
	return false;
}

/* check(): the kept entries are whole (page-aligned, the payload inside
 * past its header), within the bound's count, tallied in seen. */
int fast_keep_check(struct fast_heap *fh, struct osmem_stats *seen)
{
	size_t page = fh->be ? fh->be->page_size : 1;

	if (fh->kept_n > FAST_KEEP_SLOTS || fh->kept_n > fh->keep_max)
		FAST_KEEP_BAD(fh, "%u kept mappings, at most %u", fh->kept_n,
			      fh->keep_max);
	for (unsigned i = 0; i < fh->kept_n; i++) {
		struct fast_kept *e = &fh->kept[i];
		char *p = e->p;

		if (!e->len || (e->len | (uintptr_t)e->start) & (page - 1) ||
		    p < e->start + FAST_MAP_HDR || p >= e->start + e->len ||
		    e->usable != (size_t)(e->start + e->len - p))
			FAST_KEEP_BAD(fh, "kept mapping %p is broken", (void *)p);
		seen->kept_blocks++;
		seen->kept_bytes += e->len;
	}
	if (seen->kept_blocks != fh->st.kept_blocks ||
	    seen->kept_bytes != fh->st.kept_bytes)
		FAST_KEEP_BAD(fh, "kept %zu/%zu, counted %zu/%zu",
			      seen->kept_blocks, seen->kept_bytes,
			      fh->st.kept_blocks, fh->st.kept_bytes);
	return 0;
}

/* Keeping off: every kept mapping back (explicit tuning, count 0). */
void fast_keep_off(struct fast_heap *fh)
{
	fh->keep_max = 0;
	if (fh->kept_n)
		fast_keep_release(fh, OSMEM_OP_FREE);
}

/* The contract is in fast_index.h. */
int osmem_fast_keep_maps(struct osmem_heap *h, unsigned count, size_t bytes)
{
	struct fast_heap *fh = fast_of(h);

	if (!fh->be || fh->debug || count > FAST_KEEP_SLOTS)
		return -1;
	fast_lock(fh->be);
	if (!count) {
		fast_keep_off(fh);
	} else {
		fh->keep_max = count;
		fh->keep_bytes_max = bytes;
		fast_keep_fit(fh);
	}
	fast_unlock(fh->be);
	return 0;
}
