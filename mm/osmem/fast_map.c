/*
 * The fast allocator's large blocks: one page mapping each, with the
 * 64-byte sealed header described in mm/osmem/fast_internal.h, on a
 * doubly linked list per heap. A free notes the mapping in the ring of
 * the last frees (fast_freed_note), which names a second free of it a
 * double free once it is gone.
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

/* A mapping with an align-aligned payload of n bytes (align a power of two
 * >= 16): the payload sits max(FAST_MAP_HDR, align) bytes in at most. */
void *fast_map_alloc(struct fast_heap *fh, size_t n, size_t align)
{
	size_t lead = align > FAST_MAP_HDR ? align : FAST_MAP_HDR, len;
	struct fast_map *h;
	char *m, *p;

	if (!fast_map_size(fh, n, lead, &len))
		return NULL;
	fh->st.map_calls++;
	m = fh->be->pages_map(len);
	if (!m)
		return NULL;
	p = ptr_up(m + FAST_MAP_HDR, align);
	h = fast_map_of(p);
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
	return p;
}

void fast_map_free(struct fast_heap *fh, struct fast_map *h)
{
	size_t len = fast_map_len(h);

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
	fh->st.unmap_calls++;
	if (fh->be->pages_unmap(h->start, len) != 0)
		fast_report(fh, OSMEM_FAULT_BACKEND, "free", h->start, len,
			    "pages_unmap failed; the mapping is leaked");
}
