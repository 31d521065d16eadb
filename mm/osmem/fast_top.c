/* SPDX-License-Identifier: MIT */
/*
 * The fast allocator's heap top (mm/osmem/fast_internal.h): the break
 * grows for requests nothing fits, foreign bytes below a moved break
 * become a gap block, and a large free top block is trimmed.
 *
 * The heap top: when nothing fits, the break grows by what is missing above
 * the free top block plus the heap's top pad (64 KiB by default), rounded
 * to pages, as glibc grows its top (when the backend refuses that, it is
 * asked for just the missing pages). The pad on top of every growth, not
 * "at least the pad": a run of blocks near the pad's size moved the break
 * once per block, and each growth writes the new epilogue, touching the
 * page at the new break: a program writing only the ends of its 64 KiB
 * blocks had two pages of each resident, glibc one (sizeclass,
 * docs/arenas.md). When a free (or a realloc's shrink) leaves a free top
 * block beyond the heap's trim threshold (256 KiB by default, twice the
 * mmap threshold once the dynamic rule has raised it: fast_index.h), it is
 * cut back to the top pad (page-rounded) with a negative extension, after
 * heap_extend(0) confirms the break is still where we left it; a free
 * that does not reach the top block calls nothing. malloc_trim's core
 * (osmem_fast_trim) cuts the same way to a pad of its own. When the heap
 * cannot grow, the request is served by a mapping.
 */
#include "mm/osmem/fast_internal.h"
#include "mm/osmem/fast_lists.h"

/* fast_link_free, counted. Debug mode: no block is "fresh"; the bytes from
 * `from` on (new memory, an old epilogue's words) become poison, and a
 * block that starts there gets empty sites (fast_dbg_fresh). */
void fast_set_free(struct fast_heap *fh, struct fast_block *b,
		   size_t size, size_t aux, char *from)
{
	if (fh->debug) {
		aux = 0;
		fast_dbg_fresh(fh, b, size, from);
	}
	fast_link_free(fh, b, size, aux);
	fh->st.blocks_free++;
	fh->st.bytes_free += size - FAST_HDR;
}

/* ----------------------------------------------------------- heap top ---- */

static char *fast_extend(struct fast_heap *fh, intptr_t delta)
{
	size_t heap = fh->first ? (size_t)(fh->brk - fh->base) : 0;

	if (delta > 0 && (size_t)delta > FAST_BLOCK_MAX / 2 - heap)
		return OSMEM_BRK_FAIL;
	fh->st.heap_extend_calls++;
	return fh->be->heap_extend(fh->be, delta);
}

/* Zero [from, to) when the new bytes are fresh: our old epilogue/footer
 * words and the alignment slack end up inside a fresh free block. */
static void fast_wipe(char *from, char *to)
{
	if (to > from)
		memset(from, 0, (size_t)(to - from));
}

/* The first extension: one free block from the first 16-aligned slot up to
 * the epilogue under the new break. */
static void fast_heap_start(struct fast_heap *fh, char *old, char *end,
			    size_t aux)
{
	struct fast_block *b = (struct fast_block *)ptr_up(old, FAST_ALIGN);
	struct fast_block *e = (struct fast_block *)ptr_down(end - 16, FAST_ALIGN);

	fh->base = old;
	fh->first = b;
	fh->epi = e;
	e->size = 0;
	b->size = 0;
	fast_set_free(fh, b, (size_t)((char *)e - (char *)b), aux, (char *)b);
}

/* The break moved up behind our back: the foreign bytes become a gap
 * block, the new memory a free block after it. */
static void fast_heap_gap(struct fast_heap *fh, char *old, char *end,
			  size_t aux)
{
	struct fast_block *e = fh->epi;
	struct fast_block *b = (struct fast_block *)ptr_up(old, FAST_ALIGN);
	struct fast_block *ne = (struct fast_block *)ptr_down(end - 16, FAST_ALIGN);

	e->size = (size_t)((char *)b - (char *)e) | FAST_AUX |
		  (e->size & FAST_PREV_FREE);
	b->size = 0;
	ne->size = 0;
	fh->epi = ne;
	fast_set_free(fh, b, (size_t)((char *)ne - (char *)b), aux, (char *)b);
}

/* The break moved up by delta from where we left it: the old epilogue
 * becomes (or merges into) a free top block. */
static void fast_heap_more(struct fast_heap *fh, size_t delta, size_t aux)
{
	struct fast_block *e = fh->epi, *b = e;
	struct fast_block *ne = block_at(e, delta);
	size_t size = delta;

	ne->size = 0;
	fh->epi = ne;
	if (e->size & FAST_PREV_FREE) {
		b = block_prev(e);
		fast_list_remove(fh, b);
		size += block_size(b);
		aux &= b->size;
		if (aux)
			fast_wipe((char *)e, fh->brk);
	} else {
		b->size = 0;
		if (aux)
			fast_wipe((char *)e + 16, fh->brk);
	}
	fast_set_free(fh, b, size, aux, (char *)e);
}

/* The free block at the top, or NULL. */
struct fast_block *fast_top(struct fast_heap *fh)
{
	if (fh->first && (fh->epi->size & FAST_PREV_FREE))
		return block_prev(fh->epi);
	return NULL;
}

/* One extension towards a top free block of r bytes; *moved when the break
 * was not where we left it (a gap block now sits below the new memory). */
static struct fast_block *fast_grow_once(struct fast_heap *fh, size_t r,
					 bool *moved)
{
	struct fast_block *top = fast_top(fh);
	size_t page = fh->be->page_size, have = top ? block_size(top) : 0;
	size_t need, pad, delta, aux;
	char *old;

	*moved = false;
	if (have >= r)
		return top;
	/* A new heap also pays for alignment, the epilogue and its slack. */
	need = bit_align_up(r - have + (fh->first ? 0 : 3 * FAST_ALIGN), page);
	pad = bit_align_up(fh->top_pad, page);  /* <= FAST_TOP_PAD_MAX: no wrap */
	delta = need + pad;
	old = fast_extend(fh, (intptr_t)delta);
	if (old == OSMEM_BRK_FAIL && delta > need) {
		delta = need;
		old = fast_extend(fh, (intptr_t)delta);
	}
	if (old == OSMEM_BRK_FAIL)
		return NULL;
	if (fh->first && old < fh->brk) {
		fast_report(fh, OSMEM_FAULT_BACKEND, OSMEM_OP_MALLOC, old, 0,
			    "the break moved below the heap");
		return NULL;
	}
	aux = old >= fh->high ? FAST_AUX : 0;
	if (!fh->first) {
		fast_heap_start(fh, old, old + delta, aux);
	} else if (old != fh->brk) {
		fast_heap_gap(fh, old, old + delta, aux);
		*moved = true;
	} else {
		fast_heap_more(fh, delta, aux);
	}
	fh->brk = old + delta;
	if (fh->brk > fh->high)
		fh->high = fh->brk;
	fast_cache_publish(fh, (char *)fh->epi);
	top = fast_top(fh);
	return block_size(top) >= r ? top : NULL;
}

/*
 * Grow the break so that the top free block has at least r bytes; returns
 * it (still on its list), or NULL when the backend refuses. After a gap the
 * new top is not the old one: grow once more from there.
 */
struct fast_block *fast_grow(struct fast_heap *fh, size_t r)
{
	struct fast_block *top;
	bool moved;

	top = fast_grow_once(fh, r, &moved);
	if (!top && moved)
		top = fast_grow_once(fh, r, &moved);
	return top;
}

/*
 * Give free top block `top` back down to `keep` bytes (at least a minimal
 * block; whole pages are cut). True when the break moved down. Nothing
 * to cut (a keep at or beyond the block's size) costs no backend call.
 */
bool fast_trim(struct fast_heap *fh, struct fast_block *top, size_t keep)
{
	size_t size = block_size(top), cut, aux;
	struct fast_block *ne;

	if (keep < FAST_MIN_BLOCK)
		keep = FAST_MIN_BLOCK;
	if (size <= keep)
		return false;
	cut = bit_align_down(size - keep, fh->be->page_size);
	if (!cut)
		return false;
	/* Someone else's memory may lie above our break. */
	if (fast_extend(fh, 0) != fh->brk)
		return false;
	/* The caches' window shrinks first: no push reads what goes. */
	fast_cache_publish(fh, (char *)fh->epi - cut);
	if (fast_extend(fh, -(intptr_t)cut) == OSMEM_BRK_FAIL) {
		fast_cache_publish(fh, (char *)fh->epi);
		return false;
	}
	aux = top->size & FAST_AUX;
	fast_list_remove(fh, top);
	ne = (struct fast_block *)((char *)fh->epi - cut);
	ne->size = 0;
	fh->epi = ne;
	fh->brk -= cut;
	fast_set_free(fh, top, size - cut, aux, (char *)ne);
	return true;
}
