/*
 * The fast allocator's large blocks: one page mapping each, with the
 * 64-byte sealed header described in mm/osmem/fast_internal.h, on a
 * doubly linked list per heap. A ring of the last mappings freed names
 * a second free of one as a double free.
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

/* Mapping h is going away: remember its payload and usable size, so a
 * second free of it is named for what it is. */
static void fast_map_forget(struct fast_heap *fh, struct fast_map *h)
{
	void *p = (char *)h + FAST_MAP_HDR;
	unsigned i = fh->freed_next++ % FAST_FREED_MAPS;

	fh->freed_maps[i].p = p;
	fh->freed_maps[i].usable = fh->debug ? h->req : fast_map_usable(h, p);
}

/* A new mapping at p: p is live again. */
static void fast_map_reborn(struct fast_heap *fh, void *p)
{
	for (unsigned i = 0; i < FAST_FREED_MAPS; i++)
		if (fh->freed_maps[i].p == p)
			fh->freed_maps[i].p = NULL;
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
	fast_map_reborn(fh, p);
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
	fast_map_forget(fh, h);
	fh->st.mapped_blocks--;
	fh->st.mapped_bytes -= len;
	fh->st.unmap_calls++;
	if (fh->be->pages_unmap(h->start, len) != 0)
		fast_report(fh, OSMEM_FAULT_BACKEND, "free", h->start, len,
			    "pages_unmap failed; the mapping is leaked");
}
