/* SPDX-License-Identifier: MIT */
/*
 * The classic allocator's mappings: a block of 32 + size bytes mapped
 * alone (its header at the mapping's start) for requests from the
 * threshold on, on the heap's list of mappings; the last payloads given
 * back are remembered so a second free of one is a double free (unless
 * the backend's mapper hands unmapped ranges out again at once).
 */
#include "mm/osmem/classic_internal.h"

void *classic_map(struct classic_heap *ch, size_t asz)
{
	struct block_meta *b;

	ch->map_calls++;
	b = ch->be->pages_map(CLASSIC_META + asz);
	if (!b)
		return NULL;
	classic_set(ch, b, asz, STATUS_MAPPED);
	b->prev = NULL;
	b->next = ch->mapped;
	if (ch->mapped)
		ch->mapped->prev = b;
	ch->mapped = b;
	return classic_payload(b);
}

/*
 * The live mapping whose payload is p (exact), or, with *inside set, the
 * one p points into. Only listed headers are read, never p's.
 */
struct block_meta *classic_find_mapped(struct classic_heap *ch,
				       const char *p,
				       struct block_meta **inside)
{
	*inside = NULL;
	for (struct block_meta *m = ch->mapped; m; m = m->next) {
		if (p == (char *)classic_payload(m))
			return m;
		if (p >= (char *)m && p < classic_block_end(m))
			*inside = m;
	}
	return NULL;
}

void classic_remember_gone(struct classic_heap *ch, void *payload,
			   size_t size)
{
	unsigned i = ch->gone_next++ % CLASSIC_GONE_SLOTS;

	ch->gone[i] = payload;
	ch->gone_size[i] = size;
}

/* Was p the payload of a mapping given back lately? Its size, or 0. */
size_t classic_was_unmapped(struct classic_heap *ch, const void *p)
{
	for (unsigned i = 0; i < CLASSIC_GONE_SLOTS; i++)
		if (ch->gone[i] && ch->gone[i] == p)
			return ch->gone_size[i];
	return 0;
}

/* Unmap b; if the home refuses, b stays listed (and leaks) rather than
 * being lost in an inconsistent state. */
void classic_unmap(struct classic_heap *ch, struct block_meta *b)
{
	struct block_meta *prev = b->prev, *next = b->next;
	size_t size = b->size;

	ch->unmap_calls++;
	if (ch->be->pages_unmap(b, CLASSIC_META + size) != 0) {
		classic_report(ch, OSMEM_FAULT_BACKEND, "free", classic_payload(b),
			       size, "pages_unmap failed; the mapping is kept");
		return;
	}
	/* A mapper that hands the range out again at once makes the address
	 * someone else's: not remembered (backend.h, unmapped_reused). */
	if (!ch->be->unmapped_reused)
		classic_remember_gone(ch, classic_payload(b), size);
	if (prev)
		prev->next = next;
	else
		ch->mapped = next;
	if (next)
		next->prev = prev;
}
