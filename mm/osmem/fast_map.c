/* SPDX-License-Identifier: MIT */
/*
 * The fast allocator's large blocks: one page mapping each, with the
 * 64-byte sealed header described in mm/osmem/fast_internal.h, on a
 * doubly linked list per heap. A free notes the mapping in the ring of
 * the last frees (fast_freed_note), which names a second free of it a
 * double free once it is gone, and raises the heap's thresholds by the
 * dynamic rule (fast_map_thresholds; contract in fast_index.h).
 *
 * Pending unmaps. free never fails and never changes errno, yet the
 * system may refuse a munmap (ENOMEM when unmapping part of a merged area
 * would pass vm.max_map_count). The refused mapping is then no block any
 * more (off the live list, its memory the program's no longer) but stays
 * mapped, sealed, on the pending list, counted in unmap_pending_blocks
 * and _bytes, and nothing is reported. The next mapping free whose own
 * unmap goes through, and every map alloc while the list is not empty,
 * try the pending ones again: at most FAST_UNMAP_RETRIES per call, and
 * none after a refusal in that call, so a system that stays short costs
 * each call one or two refused system calls, no more. A free of a
 * pending mapping is a double free (fast_misuse.c).
 */
#include "mm/osmem/fast_internal.h"

/*
 * A mapping header's check word: a hash of its address, its links, start
 * and size, and the heap's secret. Whoever changes one of those fields
 * seals the header again (fast_map_reseal).
 */
uint64_t fast_map_seal(const struct fast_heap *fh,
		       const struct fast_map *h)
{
	uint64_t x = (uint64_t)(uintptr_t)h ^ fh->secret;

	x = (x ^ (uint64_t)(uintptr_t)h->next) * FAST_SEAL_MUL;
	x = (x ^ (uint64_t)(uintptr_t)h->prev) * FAST_SEAL_MUL;
	x = (x ^ (uint64_t)(uintptr_t)h->start) * FAST_SEAL_MUL;
	x = (x ^ h->size) * FAST_SEAL_MUL;
	return x ^ (x >> 29);
}

void fast_map_reseal(struct fast_heap *fh, struct fast_map *h)
{
	if (h)
		h->check = fast_map_seal(fh, h);
}

/* What the reports on mapping h name as its size: its usable size (debug
 * mode: the request). */
size_t fast_map_freed_usable(struct fast_heap *fh, struct fast_map *h)
{
	return fh->debug ? h->req : fast_map_usable(h, (char *)h + FAST_MAP_HDR);
}

/* len = page-rounded (lead + n), false on overflow. */
bool fast_map_size(struct fast_heap *fh, size_t n, size_t lead,
		   size_t *len)
{
	uint64_t v;

	if (n > (size_t)PTRDIFF_MAX - lead)
		return false;
	if (!bit_align_up_checked(n + lead, fh->be->page_size, &v))
		return false;
	*len = (size_t)v;
	return true;
}

/*
 * Mapping [m, m + len) becomes a live block: its header written below the
 * align-aligned payload (which must fit), linked at the head of the live
 * list, counted. Returns the payload.
 */
void *fast_map_link(struct fast_heap *fh, char *m, size_t len, size_t align)
{
	char *p = ptr_up(m + FAST_MAP_HDR, align);
	struct fast_map *h = fast_map_of(p);

	h->req = 0;
	h->site = NULL;
	h->spare = 0;
	h->start = m;
	h->size = len | FAST_MAPPED;
	h->prev = NULL;
	h->next = fh->maps;
	if (fh->maps) {
		fh->maps->prev = h;
		fast_map_reseal(fh, fh->maps);
	}
	fh->maps = h;
	fast_map_reseal(fh, h);
	fh->st.mapped_blocks++;
	fh->st.mapped_bytes += len;
	if (len > fh->map_len_max && len <= FAST_MMAP_THRESHOLD_MAX)
		fh->map_len_max = len;
	return p;
}

/* A mapping with an align-aligned payload of n bytes (align a power of two
 * >= 16): the payload sits max(FAST_MAP_HDR, align) bytes in at most. A
 * kept mapping first (fast_keep.c), when one fits: *zero (if not NULL)
 * then says false, its bytes are what the last owner left. */
void *fast_map_alloc(struct fast_heap *fh, size_t n, size_t align, bool *zero)
{
	size_t lead = align > FAST_MAP_HDR ? align : FAST_MAP_HDR, len;
	char *m, *p;

	if (zero)
		*zero = true;
	/* No mapper (fast_init kept everything in the heap): a request too
	 * big for the heap's sizes fails here instead. */
	if (!fh->be->pages_map)
		return NULL;
	if (!fast_map_size(fh, n, lead, &len))
		return NULL;
	if (fh->kept_n && (p = fast_keep_take(fh, n, align))) {
		if (zero)
			*zero = false;
		return p;
	}
	/* Address space and map count may be short: give back first. */
	if (fh->unmap_pending)
		fast_unmap_retry(fh, OSMEM_OP_MALLOC);
	fh->st.map_calls++;
	m = fh->be->pages_map(len);
	if (!m)
		return NULL;
	return fast_map_link(fh, m, len, align);
}

/* ------------------------------------------------------ pending unmaps ---- */

/*
 * Give mapping [start, start + len) back to the backend; h is the header
 * slot below its payload (no block's any more, counted nowhere). When the
 * backend refuses, h is written afresh from start and len (the caller's
 * word, not what the memory holds) and waits at the head of the pending
 * list, marked FREE and sealed; nothing is reported. True when unmapped.
 */
bool fast_unmap_at(struct fast_heap *fh, struct fast_map *h, char *start,
		   size_t len)
{
	fh->st.unmap_calls++;
	if (fh->be->pages_unmap(start, len) == 0) {
		fast_freed_forget(fh, start, len);
		return true;
	}
	h->start = start;
	h->size = len | FAST_MAPPED | FAST_FREE;
	h->prev = NULL;
	h->next = fh->unmap_pending;
	fast_map_reseal(fh, h);
	fh->unmap_pending = h;
	fh->st.unmap_pending_blocks++;
	fh->st.unmap_pending_bytes += len;
	return false;
}

/*
 * Try the pending unmaps again, from the head: at most FAST_UNMAP_RETRIES,
 * stopping at the first refusal. True when one was unmapped. Each header
 * is verified before its fields are used (the program may have written to
 * the memory it freed): one that fails is reported, and the list is
 * dropped from there, its mappings left mapped for good (their links
 * cannot be trusted), as a broken live mapping is (fast_map_retire).
 */
bool fast_unmap_retry(struct fast_heap *fh, enum osmem_op op)
{
	struct fast_map *m, *next;
	bool done = false;
	char *start;
	size_t len;

	for (unsigned i = 0; i < FAST_UNMAP_RETRIES; i++) {
		m = fh->unmap_pending;
		if (!m)
			break;
		if (m->check != fast_map_seal(fh, m)) {
			fast_report(fh, OSMEM_FAULT_CORRUPT_HEADER, op,
				    (char *)m + FAST_MAP_HDR, 0,
				    "a freed mapping's header fails its check");
			fh->unmap_pending = NULL;
			fh->st.unmap_pending_blocks = 0;
			fh->st.unmap_pending_bytes = 0;
			break;
		}
		len = fast_map_len(m);
		next = m->next;         /* m's header goes with its pages */
		start = m->start;
		fh->st.unmap_calls++;
		if (fh->be->pages_unmap(start, len) != 0)
			break;
		fast_freed_forget(fh, start, len);
		fh->unmap_pending = next;
		fh->st.unmap_pending_blocks--;
		fh->st.unmap_pending_bytes -= len;
		done = true;
	}
	return done;
}

/*
 * The dynamic rule (contract: fast_index.h): a freed mapping of len bytes
 * raises the mmap threshold to len, or to the largest mapping made so
 * far (map_len_max) when larger, and the trim threshold to
 * fast_dyn_trim_threshold() of that,
 * up to the cap: the next request of its size comes from the heap, and a
 * free top block that large is kept.
 */
static void fast_map_thresholds(struct fast_heap *fh, size_t len)
{
	if (fh->dyn_thresholds && len > fh->mmap_threshold &&
	    len <= FAST_MMAP_THRESHOLD_MAX) {
		fh->mmap_threshold = len > fh->map_len_max ? len : fh->map_len_max;
		fh->trim_threshold = fast_dyn_trim_threshold(fh->mmap_threshold);
		fast_tune_changed(fh);
	}
}

/*
 * Free live mapping h: off the live list, noted in the ring of the last
 * frees, the thresholds raised (the dynamic rule), then kept for reuse (fast_keep_put) or unmapped or left pending
 * (fast_unmap_at). When its own unmap went through, the system has room
 * again: older pending ones are tried.
 */
void fast_map_free(struct fast_heap *fh, struct fast_map *h)
{
	size_t len = fast_map_len(h);

	fast_map_thresholds(fh, len);

	if (h->prev)
		h->prev->next = h->next;
	else
		fh->maps = h->next;
	if (h->next)
		h->next->prev = h->prev;
	fast_map_reseal(fh, h->prev);
	fast_map_reseal(fh, h->next);
	h->check = 0;           /* a stale pointer to it no longer passes */
	fast_freed_note(fh, (char *)h + FAST_MAP_HDR, fast_map_freed_usable(fh, h));
	fh->st.mapped_blocks--;
	fh->st.mapped_bytes -= len;
	if (fh->keep_max && fast_keep_put(fh, h))
		return;
	if (fast_unmap_at(fh, h, h->start, len) && fh->unmap_pending)
		fast_unmap_retry(fh, OSMEM_OP_FREE);
}
