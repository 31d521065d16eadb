/* SPDX-License-Identifier: MIT */
/*
 * The fast allocator's misuse classification and reports.
 *
 * Misuse (always on). free, realloc and usable_size accept a pointer in
 * O(1) through the block's own tags and its check (fast_heap_block). Any
 * other pointer goes to fast_lookup, which reads no byte before the
 * pointer is known to lie in the heap [base, break) or to be the payload
 * of a listed mapping (the list is walked, each header's check verified
 * before its links are followed), so a wild pointer never faults. It then
 * names the misuse in one report (report.h: kind, op, pointer, size) made
 * before anything changes, and the operation is refused:
 *   - double free: the pointer lies in free heap memory or is no live
 *     mapping, and the ring of the last FAST_FREED_RING frees
 *     (fast_freed_note, heap blocks and mappings alike) holds it: the
 *     size reported is the one it had when the program freed it, even
 *     after its block merged with a neighbour (on a backend whose
 *     mapper hands unmapped ranges out again to anyone, the kernel's, an
 *     unmapped mapping's entry is dropped: fast_freed_forget). Once the ring has
 *     forgotten it, a pointer that still starts a free block, or the
 *     payload of a mapping still waiting to be unmapped (fast_map.c) or
 *     kept for reuse (fast_keep.c), is a double free all the same (size:
 *     that block's). usable_size of a freed
 *     block reports an invalid pointer instead (it names no live block).
 *     The newest entry for p counts: p can only leave the live blocks
 *     again through a free, which writes a newer one, and the ring is
 *     only read for a pointer that is not live. Debug mode: a block in
 *     the quarantine freed again is a double free too (with its request
 *     and sites); debug mode's zero-size blocks are told apart before
 *     this (fast_debug.c).
 *   - invalid pointer: in the heap or in a mapping but not a live block's
 *     start (p+1, p+8, inside a block); size: the block it points into.
 *   - foreign pointer: neither (stack, kernel data or text, (void *)1,
 *     unmapped memory); size 0.
 *   - corrupted header: the check fails. The block is put out of use for
 *     good: a heap block becomes a gap block of its true size (found from
 *     the next valid header above it), a mapping leaves the list and stays
 *     mapped; nothing merges with it or reuses it, check() passes.
 * Classifying misuse walks the heap from its first block (fast_walk_to,
 * every header verified): O(blocks), on misuse only.
 *
 */
#include "mm/osmem/fast_internal.h"
#include "libk/printf.h"
#include <stdarg.h>

/* One misuse or broken invariant, to the home (report.h); made before
 * anything is changed, the operation is then refused by the caller. */
void fast_report(struct fast_heap *fh, enum osmem_fault fault,
		 enum osmem_op op, const void *ptr, size_t size,
		 const char *detail)
{
	struct osmem_report r = {
		.fault = fault, .op = osmem_op_name(op), .ptr = ptr, .size = size,
		.detail = detail,
	};

	if (fh->be && fh->be->report)
		fh->be->report(&r);
}

/* A heap-checker finding: detail formatted into the heap's own buffer
 * (the checker runs under the lock, so one buffer per heap suffices). */
void fast_report_bad(struct fast_heap *fh, const void *ptr,
		     const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(fh->detail, sizeof(fh->detail), fmt, ap);
	va_end(ap);
	fast_report(fh, OSMEM_FAULT_HEAP_CORRUPT, OSMEM_OP_CHECK, ptr, 0, fh->detail);
}

void fast_report_sites(struct fast_heap *fh, enum osmem_fault fault,
		       enum osmem_op op, const void *ptr, size_t size,
		       const char *detail, const void *alloc_site,
		       const void *free_site)
{
	struct osmem_report r = {
		.fault = fault, .op = osmem_op_name(op), .ptr = ptr, .size = size,
		.alloc_site = alloc_site, .free_site = free_site,
		.detail = detail,
	};

	if (fh->be && fh->be->report)
		fh->be->report(&r);
}

/* A size word's size is one a block at b could have (never reads). */
bool fast_size_fits(struct fast_heap *fh, struct fast_block *b,
		    size_t size)
{
	return size >= FAST_ALIGN && !(size & (FAST_ALIGN - 1)) &&
	       size <= (size_t)((char *)fh->epi - (char *)b);
}

/*
 * The block of the heap's tiling that holds address c, by a walk from the
 * first block that trusts no header it has not checked: a live block's
 * seal, any block's size against the heap's end. Returns it, or NULL with
 * *broken set to the first block whose header fails (or NULL if none).
 * O(blocks): for misuse reports only.
 */
static struct fast_block *fast_walk_to(struct fast_heap *fh, char *c,
				       struct fast_block **broken)
{
	struct fast_block *b;
	size_t w, size;

	*broken = NULL;
	for (b = fh->first; b != fh->epi; b = block_at(b, size)) {
		w = b->size;
		size = w & FAST_SIZE_MASK;
		if (!fast_size_fits(fh, b, size) || (w & FAST_MAPPED) ||
		    (!(w & (FAST_FREE | FAST_AUX)) && !fast_sealed(fh, b, w))) {
			*broken = b;
			return NULL;
		}
		if (c < (char *)b + size)
			return b;
	}
	return NULL;
}

/* A freed block given again: a double free for free and realloc; for
 * usable_size, a pointer that names no live block. */
enum osmem_fault fast_freed_fault(enum osmem_op op)
{
	return op == OSMEM_OP_USABLE_SIZE ? OSMEM_FAULT_INVALID_POINTER : OSMEM_FAULT_DOUBLE_FREE;
}

/*
 * What a report names as the size of free block c, freed with c as its
 * start: its usable size (after merges, the merged block's); debug mode
 * (c free or quarantined): the request kept with the sites. The ring of
 * the last frees knows better while it holds c (fast_freed_find).
 */
size_t fast_freed_size(struct fast_heap *fh, struct fast_block *c)
{
	size_t size = block_size(c);

	if (fh->debug)
		return fast_dbg_freed_req(fh, c);
	return size - FAST_HDR;
}

/*
 * The program freed p lately: the ring of the last frees holds it (the
 * newest entry counts), its size then in *usable. Reads only the ring.
 */
bool fast_freed_find(struct fast_heap *fh, const void *p, size_t *usable)
{
	for (unsigned k = 1; p && k <= FAST_FREED_RING; k++) {
		unsigned i = (fh->freed_next - k) & (FAST_FREED_RING - 1);

		if (fh->freed[i].p == p) {
			*usable = fh->freed[i].usable;
			return true;
		}
	}
	return false;
}

/*
 * Mapping [start, start + len) went back to the backend. When its mapper
 * hands such ranges out again to anyone (be->unmapped_reused), the ring's
 * entries there are dropped: the addresses may be someone else's now.
 * O(FAST_FREED_RING), on a munmap only.
 */
void fast_freed_forget(struct fast_heap *fh, const void *start, size_t len)
{
	const char *s = start;

	if (!fh->be->unmapped_reused)
		return;
	for (unsigned i = 0; i < FAST_FREED_RING; i++) {
		const char *p = fh->freed[i].p;

		if (p >= s && p < s + len)
			fh->freed[i].p = NULL;
	}
}

/* What usable_size says of live block c (debug: its request). */
static size_t fast_live_size(struct fast_heap *fh, struct fast_block *c)
{
	size_t room = block_size(c) - FAST_HDR;

	if (fh->debug && !block_is_free(c))
		return fast_dbg_live_req(c);
	return room;
}

/*
 * Live block b's header failed its check: take b out of use for good. Its
 * true size is found from the block after it, the first 16-aligned place
 * above b holding a header that checks out (a sealed live block, a free
 * block whose footer agrees, a quarantined block in debug mode, or the
 * epilogue); b becomes a gap block of
 * that size (walked over, never counted, freed, merged or reused). When no
 * such place is found b stays as it is (check() then reports it).
 */
static void fast_retire_broken(struct fast_heap *fh, struct fast_block *b)
{
	struct fast_block *prev, *x;
	char *e = (char *)fh->epi;

	for (size_t s = FAST_MIN_BLOCK; s <= (size_t)(e - (char *)b); s += FAST_ALIGN) {
		struct fast_block *n = block_at(b, s);
		size_t w = n->size, ns = w & FAST_SIZE_MASK;
		bool ok;

		if ((char *)n == e)
			ok = ns == 0 && !(w & (FAST_FREE | FAST_PREV_FREE));
		else if (w & FAST_FREE)
			ok = !(w & FAST_SEAL_MASK) && fast_size_fits(fh, n, ns) &&
			     ns >= FAST_MIN_BLOCK && block_at(n, ns)->prev_size == ns;
		else if (fh->debug && fast_dbg_quarantined(fh, n))
			ok = fast_size_fits(fh, n, ns);
		else
			ok = !(w & (FAST_AUX | FAST_MAPPED | FAST_PREV_FREE)) &&
			     fast_size_fits(fh, n, ns) && fast_sealed(fh, n, w);
		if (!ok)
			continue;
		/* The flags cannot be trusted either: PREV_FREE from the
		 * block before b (the walk reached b through it). */
		prev = b == fh->first ? NULL : fast_walk_to(fh, (char *)b - 1, &x);
		fh->st.blocks_in_use--;
		fh->st.bytes_in_use -= s - FAST_HDR;
		b->size = s | FAST_AUX | (prev && block_is_free(prev) ? FAST_PREV_FREE : 0);
		return;
	}
}

/*
 * p lands in free heap memory, inside free block c: freed lately (the
 * ring holds it) or the start of c, a double free; anything else is an
 * invalid pointer, with c's size.
 */
static void fast_heap_freed_misuse(struct fast_heap *fh, void *p,
				   struct fast_block *c, enum osmem_op op)
{
	bool start = c == block_of(p);
	size_t usable;

	if (!fast_freed_find(fh, p, &usable)) {
		if (!start) {
			fast_report(fh, OSMEM_FAULT_INVALID_POINTER, op, p,
				    fast_live_size(fh, c), NULL);
			return;
		}
		usable = fast_freed_size(fh, c);
	}
	/* Debug mode's sites are c's: p's own only when p heads c. */
	fast_report_sites(fh, fast_freed_fault(op), op, p, usable, NULL,
			  fh->debug && start ? fast_dbg_freed_alloc_site(fh, c) : NULL,
			  fh->debug && start ? fast_dbg_free_site(fh, c) : NULL);
}

/*
 * p lies in the heap but is not a live block's payload: say what it is.
 * In free memory: see fast_heap_freed_misuse. At a block start that is
 * not free: its header fails its check (corrupted), or it is a gap.
 * Anything else is an invalid pointer; the size reported is then that of
 * the block p points into.
 */
static void fast_heap_misuse(struct fast_heap *fh, void *p, enum osmem_op op)
{
	struct fast_block *b = block_of(p), *c, *broken;

	if ((char *)p <= (char *)fh->first || (char *)p >= (char *)fh->epi) {
		fast_report(fh, OSMEM_FAULT_INVALID_POINTER, op, p, 0, NULL);
		return;
	}
	c = fast_walk_to(fh, (char *)b, &broken);
	if (!c) {
		if (broken == b) {
			fast_report(fh, OSMEM_FAULT_CORRUPT_HEADER, op, p, 0,
				    "size word fails its check");
			fast_retire_broken(fh, b);
		} else {
			fast_report(fh, OSMEM_FAULT_HEAP_CORRUPT, op, p, 0,
				    "a block header before it is broken");
		}
		return;
	}
	if (block_is_free(c)) {
		fast_heap_freed_misuse(fh, p, c, op);
		return;
	}
	/* Debug mode: waiting in the quarantine, so freed already. */
	if (c == b && fh->debug && fast_dbg_quarantined(fh, c)) {
		fast_report_sites(fh, fast_freed_fault(op), op, p,
				  fast_freed_size(fh, c), NULL,
				  fast_dbg_freed_alloc_site(fh, c),
				  fast_dbg_free_site(fh, c));
		return;
	}
	if (c == b) {
		if (c->size & FAST_AUX)
			fast_report(fh, OSMEM_FAULT_INVALID_POINTER, op, p, 0,
				    "not heap memory of this allocator");
		else
			fast_report(fh, OSMEM_FAULT_CORRUPT_HEADER, op, p, 0,
				    "the next block's tags disagree");
		return;
	}
	fast_report(fh, OSMEM_FAULT_INVALID_POINTER, op, p,
		    (c->size & FAST_AUX) ? 0 : fast_live_size(fh, c), NULL);
}

/*
 * Mapping m (reached from prev, whose header checked out) has a broken
 * header: take it off the list for good, left mapped (its length cannot
 * be trusted, so it is never unmapped). Its true length is what the
 * counters hold beyond the other mappings'. When m's forward link cannot
 * be trusted either, it stays (check() then reports it).
 */
void fast_map_retire(struct fast_heap *fh, struct fast_map *m,
			 struct fast_map *prev)
{
	struct fast_map *next = m->next, *x;
	size_t others = 0;

	if (next && (next->check != fast_map_seal(fh, next) || next->prev != m))
		return;
	for (x = fh->maps; x; x = x->next)
		if (x != m)
			others += fast_map_len(x);
	if (prev)
		prev->next = next;
	else
		fh->maps = next;
	if (next)
		next->prev = prev;
	fast_map_reseal(fh, prev);
	fast_map_reseal(fh, next);
	fh->st.mapped_blocks--;
	fh->st.mapped_bytes = others;
}

/*
 * p is no live mapping's: is it in a pending one (freed, its unmap
 * refused, still mapped: fast_map.c)? At its payload: a double free;
 * inside: an invalid pointer. Each header is verified before its link is
 * followed. True when a report was made.
 */
static bool fast_map_pending_misuse(struct fast_heap *fh, void *p,
				    enum osmem_op op)
{
	struct fast_map *m;
	char *c = p;

	for (m = fh->unmap_pending; m; m = m->next) {
		if (m->check != fast_map_seal(fh, m)) {
			fast_report(fh, OSMEM_FAULT_HEAP_CORRUPT, op, p, 0,
				    "a freed mapping's header is broken");
			return true;
		}
		if (c == (char *)m + FAST_MAP_HDR) {
			fast_report(fh, fast_freed_fault(op), op, p,
				    fast_map_freed_usable(fh, m), NULL);
			return true;
		}
		if (c >= m->start && c < m->start + fast_map_len(m)) {
			fast_report(fh, OSMEM_FAULT_INVALID_POINTER, op, p,
				    fast_map_freed_usable(fh, m), NULL);
			return true;
		}
	}
	return false;
}

/*
 * The live mapping whose payload is p, found by walking the list of
 * mappings (every header's check verified before its links are followed,
 * so a broken header stops the walk, never a fault). NULL when p is no
 * mapping's payload; misuse is reported then.
 */
static struct fast_map *fast_map_find(struct fast_heap *fh, void *p,
				      enum osmem_op op)
{
	struct fast_map *m, *prev = NULL;
	size_t usable;
	char *c = p;

	for (m = fh->maps; m; prev = m, m = m->next) {
		if (c == (char *)m + FAST_MAP_HDR) {
			if (m->check == fast_map_seal(fh, m))
				return m;
			fast_report(fh, OSMEM_FAULT_CORRUPT_HEADER, op, p, 0,
				    "mapping header fails its check");
			fast_map_retire(fh, m, prev);
			return NULL;
		}
		if (m->check != fast_map_seal(fh, m)) {
			fast_report(fh, OSMEM_FAULT_HEAP_CORRUPT, op, p, 0,
				    "a mapping header is broken");
			return NULL;
		}
		if (c >= m->start && c < m->start + fast_map_len(m)) {
			fast_report(fh, OSMEM_FAULT_INVALID_POINTER, op, p,
				    fast_map_usable(m, (char *)m + FAST_MAP_HDR),
				    NULL);
			return NULL;
		}
	}
	if (fast_map_pending_misuse(fh, p, op) || fast_keep_misuse(fh, p, op))
		return NULL;
	if (fast_freed_find(fh, p, &usable)) {
		fast_report(fh, fast_freed_fault(op), op, p, usable, NULL);
		return NULL;
	}
	fast_report(fh, OSMEM_FAULT_FOREIGN_POINTER, op, p, 0, NULL);
	return NULL;
}

/*
 * What p is: 1 a live heap block, 2 a live mapping, 0 misuse (reported,
 * nothing changed). No byte is read before p is known to lie in the heap
 * [base, break) or to be a listed mapping's payload, so validating a wild
 * pointer never faults.
 */
int fast_lookup(struct fast_heap *fh, void *p, struct fast_block **bp,
		struct fast_map **hp, enum osmem_op op)
{
	char *c = p;

	*bp = fast_heap_block(fh, p);
	if (*bp)
		return 1;
	if (fh->first && c >= fh->base && c < fh->brk) {
		fast_heap_misuse(fh, p, op);
		return 0;
	}
	*hp = fast_map_find(fh, p, op);
	return *hp ? 2 : 0;
}
