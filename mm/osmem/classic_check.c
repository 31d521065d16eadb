/* SPDX-License-Identifier: MIT */
/*
 * The classic allocator's introspection: stats(), check() (every
 * invariant listed at the top of mm/osmem/classic.c, the first broken
 * one reported) and walk().
 */
#include "mm/osmem/classic_internal.h"

void classic_stats(struct osmem_heap *h, struct osmem_stats *st)
{
	struct classic_heap *ch = classic_of(h);

	memset(st, 0, sizeof(*st));
	if (!ch->be)
		return;
	ch->be->lock(ch->be);
	st->heap_bytes = (size_t)(ch->heap_end - ch->heap_start);
	for (struct block_meta *b = ch->head; b; b = b->next) {
		if (b->status == STATUS_FREE) {
			st->bytes_free += b->size;
			st->blocks_free++;
			if (b->size > st->largest_free)
				st->largest_free = b->size;
		} else {
			st->bytes_in_use += b->size;
			st->blocks_in_use++;
		}
	}
	for (struct block_meta *m = ch->mapped; m; m = m->next) {
		st->mapped_bytes += CLASSIC_META + m->size;
		st->mapped_blocks++;
	}
	st->heap_extend_calls = ch->extend_calls;
	st->map_calls = ch->map_calls;
	st->unmap_calls = ch->unmap_calls;
	ch->be->unlock(ch->be);
}

/* what must be a constant: the report keeps the pointer. */
static int classic_bad(struct classic_heap *ch, const char *what,
		       const struct block_meta *b)
{
	classic_report(ch, OSMEM_FAULT_HEAP_CORRUPT, "check", b, 0, what);
	return -1;
}

static int classic_check_heap(struct classic_heap *ch)
{
	struct block_meta *prev = NULL, *b;
	char *at = ch->heap_start;

	if (!ch->head)
		return ch->tail || ch->heap_start != ch->heap_end ?
		       classic_bad(ch, "empty heap with state", NULL) : 0;
	for (b = ch->head; b; prev = b, b = b->next) {
		if ((char *)b != at)
			return classic_bad(ch, "heap block not where the last one ended", b);
		if (((uintptr_t)b & 7) != 0)
			return classic_bad(ch, "misaligned heap header", b);
		if (b->prev != prev)
			return classic_bad(ch, "heap prev link", b);
		if (b->status != STATUS_FREE && b->status != STATUS_ALLOC &&
		    b->status != CLASSIC_QUARANTINED)
			return classic_bad(ch, "heap block status", b);
		if (b->size == 0 || (b->size & 7) != 0 ||
		    b->size > (size_t)(ch->heap_end - (char *)classic_payload(b)))
			return classic_bad(ch, "heap block size", b);
		if (!classic_sealed(ch, b))
			return classic_bad(ch, "heap block header check value", b);
		at = classic_block_end(b);
	}
	if (prev != ch->tail)
		return classic_bad(ch, "heap tail", prev);
	if (at != ch->heap_end)
		return classic_bad(ch, "last heap block does not end at the break", prev);
	return 0;
}

static int classic_check_mapped(struct classic_heap *ch)
{
	struct block_meta *prev = NULL, *m;
	size_t min = ch->be->page_size < CLASSIC_MMAP_THRESHOLD ?
		     ch->be->page_size : CLASSIC_MMAP_THRESHOLD;

	for (m = ch->mapped; m; prev = m, m = m->next) {
		if (m->prev != prev)
			return classic_bad(ch, "mapped prev link", m);
		if (m->status == CLASSIC_QUARANTINED && m->size == 0 &&
		    classic_sealed(ch, m))
			continue;
		if (m->status != STATUS_MAPPED)
			return classic_bad(ch, "mapped block status", m);
		if (((uintptr_t)m & (ch->be->page_size - 1)) != 0)
			return classic_bad(ch, "mapping not page-aligned", m);
		if ((m->size & 7) != 0 || CLASSIC_META + m->size < min)
			return classic_bad(ch, "mapped block size", m);
		if (!classic_sealed(ch, m))
			return classic_bad(ch, "mapped block header check value", m);
		if (ch->head && (char *)m < ch->heap_end &&
		    classic_block_end(m) > ch->heap_start)
			return classic_bad(ch, "mapping inside the heap", m);
	}
	return 0;
}

int classic_check(struct osmem_heap *h)
{
	struct classic_heap *ch = classic_of(h);
	int r;

	if (!ch->be)
		return 0;
	ch->be->lock(ch->be);
	r = classic_check_heap(ch);
	if (r == 0)
		r = classic_check_mapped(ch);
	ch->be->unlock(ch->be);
	return r;
}

static enum osmem_block_kind classic_kind(int status)
{
	if (status == STATUS_FREE)
		return OSMEM_BLOCK_FREE;
	return status == STATUS_MAPPED ? OSMEM_BLOCK_MAPPED : OSMEM_BLOCK_ALLOC;
}

/* Heap blocks in address order, then the mappings (newest first). */
void classic_walk(struct osmem_heap *h,
		  void (*fn)(void *payload, size_t size,
		  enum osmem_block_kind kind, void *arg),
		  void *arg)
{
	struct classic_heap *ch = classic_of(h);

	if (!ch->be)
		return;
	ch->be->lock(ch->be);
	for (struct block_meta *b = ch->head; b; b = b->next)
		fn(classic_payload(b), b->size, classic_kind(b->status), arg);
	for (struct block_meta *m = ch->mapped; m; m = m->next)
		fn(classic_payload(m), m->size, OSMEM_BLOCK_MAPPED, arg);
	ch->be->unlock(ch->be);
}
