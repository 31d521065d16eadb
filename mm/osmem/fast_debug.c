/* SPDX-License-Identifier: MIT */
/*
 * The fast allocator's debug mode.
 *
 * Debug mode (be->debug, read by init; heap_debug / OSMEM_DEBUG=1). The
 * public entries take the debug paths (fast_dbg_entry_*); the always-on
 * paths only test one pointer. Layouts, with b the block, S its size and
 * E = b + S the next block's start (FAST_DBG_* in fast_internal.h):
 *   live heap block:  [size word][payload: n bytes][red zone >= 1 byte,
 *                     0xfb][E-16: spare, for the free site][E-8: req]
 *                     [E+0: alloc site] (the trailer: the payload's last
 *                     24 bytes, the last one in the next block's prev_size
 *                     word); usable_size is n, so byte n is always red
 *                     zone; 64 bytes at least.
 *   quarantined:      [size word: size|AUX|its own check][+16: next (newer)]
 *                     [+24: prev (older)][+32: poison 0xdf ...]
 *                     [E-16: free site][E-8: req][E+0: alloc site]
 *   free heap block:  [size word][+16: next][+24: prev][+32: poison ...]
 *                     [E-24: free site][E-16: req][E-8: alloc site]
 *                     [E+0: footer]; 64 bytes at least (a split never
 *                     leaves a smaller free block).
 *   mapping:          req and alloc site in the header, red zone from n to
 *                     the end of the mapping. Unmapped at free, as in
 *                     default mode (a stale access faults): no quarantine.
 *   zero-size block:  an address in a reserved range (pages_reserve) that
 *                     faults on any access; no memory at all.
 * The sites and the request are kept in the trailer at the block's end,
 * past the red zone: a write through a stale pointer within the request
 * it had never reaches them, so a report always names them. It hits the
 * links (checked against their neighbours) or the poison. A free block's
 * trailer is the one at its end: a split leaves it to the remainder, a
 * merge keeps the last block's. There is no red zone before the payload:
 * the sealed size word is right below it, so an underflow into it is
 * caught as a corrupted header.
 *
 * Red zones are checked at free, realloc (always moves in debug mode),
 * usable_size and by check(); a written red zone is reported (REDZONE,
 * with the allocation site) and the block retired (out of use for good).
 *
 * The quarantine. free poisons the block and appends it to a FIFO. A
 * quarantined block is neither free (on no list, never merged: its tags
 * say "used") nor live (fast_heap_block refuses it: AUX), so it is not
 * handed out again, and a write through a stale pointer lands in poison,
 * not in a new owner's data. While the FIFO's payload bytes exceed
 * fast_quarantine_bound (fast_index.h) its oldest block leaves: its links
 * and its whole poison are verified, then it is released (merged, filed).
 * A written one is reported (USE_AFTER_FREE, with both sites and the
 * request) and retired. When the heap cannot grow, malloc lets the
 * quarantine's oldest blocks go before it gives up. Only the leaving block
 * is read: the next one's back link is verified when that one leaves in
 * turn (against q_gone). A second free of a quarantined block is a double
 * free (fast_misuse.c); check() verifies every quarantined block and the
 * FIFO.
 *
 * Lazy checking. Each byte is poisoned once, when it becomes free (the
 * block freed into the quarantine, new heap memory), and verified when it
 * leaves the quarantine and once more when it is handed out again (not in
 * between): a merge poisons only the header, link and trailer words that
 * become interior, a split writes only the remainder's new header, and
 * nothing else is ever poisoned again. Before a free block is taken or
 * merged its links are verified against its list neighbours, in O(1); when
 * it is taken only the bytes handed out (and the words that become the
 * remainder's header) are verified poison, not the whole block: the rest
 * is verified when it is handed out in turn, and by check(), which
 * verifies every free block's poison. A written free block is reported
 * (USE_AFTER_FREE) and retired; its list is rebuilt from a heap walk,
 * since its links cannot be trusted. So debug mode costs O(bytes freed +
 * bytes handed out) per call, never O(size of a neighbour).
 *
 * Zero-size blocks. malloc(0) (calloc, realloc(NULL, 0), memalign up to
 * 16) returns an address FAST_ZERO_STEP apart from the others in a range
 * of FAST_ZERO_SPAN bytes from the backend's pages_reserve, where any read
 * or write faults at once, even if the program never frees it; usable_size
 * says 0; free and realloc accept it (realloc to n > 0 allocates and
 * releases it). An address is handed out once (a bitmap per range tells
 * live from freed: a second free is a double free); a range used up and
 * all freed goes back with pages_unmap. Without pages_reserve, with the
 * table full (FAST_ZERO_RANGES) or a reservation refused, malloc(0) takes
 * a minimum block, as in default mode.
 */
#include "mm/osmem/fast_internal.h"
#include "mm/osmem/fast_lists.h"

const void *fast_dbg_site(struct fast_heap *fh)
{
	return fh->be->caller ? fh->be->caller() : NULL;
}

/* The block's end E (the next block's start). */
FAST_INLINE char *fast_dbg_end(struct fast_block *b)
{
	return (char *)b + block_size(b);
}

/* ------------------------------------------------------------ poison ---- */

/*
 * Poison and red zones are written and verified in 64-byte steps of four
 * 16-byte GCC vectors (SSE2 in user space; the kernel's general-registers
 * build splits each into two words), with loops of our own rather than
 * memset: they run on every debug call, over every byte freed and handed
 * out. No early exit and no ragged tail: the last step overlaps the one
 * before, so a range costs one hard-to-predict branch (the loop's end),
 * not one per leftover word. Poison ranges are 8-aligned at both ends; a
 * red zone ends 8-aligned (the trailer follows) and starts anywhere: its
 * first bytes are verified through a mask on their aligned word (never
 * outside it, so never on another page) and written the same way. Memory
 * is accessed as fast_word_t and fast_vec_t, which may alias any object.
 */
typedef uint64_t __attribute__((may_alias)) fast_word_t;
typedef uint64_t __attribute__((vector_size(16), aligned(8), may_alias))
	fast_vec_t;

/* Of the 64 bytes at p, the bits that differ from k's (a macro: in the
 * kernel a function may not return a vector, even when inlined). */
#define FAST_DBG_DIFF64(p, k)                                                \
	((((const fast_vec_t *)(const void *)(p))[0] ^ (k)) |                 \
	 (((const fast_vec_t *)(const void *)(p))[1] ^ (k)) |                 \
	 (((const fast_vec_t *)(const void *)(p))[2] ^ (k)) |                 \
	 (((const fast_vec_t *)(const void *)(p))[3] ^ (k)))

FAST_INLINE void fast_dbg_set64(char *p, uint64_t word)
{
	fast_vec_t *v = (fast_vec_t *)(void *)p, k = { word, word };

	v[0] = k;
	v[1] = k;
	v[2] = k;
	v[3] = k;
}

/* The words [from, to) (both 8-aligned) all equal `word`. */
FAST_INLINE bool fast_dbg_words_are(const char *from, const char *to,
				    uint64_t word)
{
	const fast_word_t *w = (const fast_word_t *)(const void *)from;
	const fast_word_t *end = (const fast_word_t *)(const void *)to;
	fast_vec_t k = { word, word }, acc = { 0, 0 };
	uint64_t a = 0;

	if (to - from >= 64) {
		for (; to - from > 64; from += 64)
			acc |= FAST_DBG_DIFF64(from, k);
		acc |= FAST_DBG_DIFF64(to - 64, k);
		a = acc[0] | acc[1];
	} else if (end - w >= 4) {
		a = (w[0] ^ word) | (w[1] ^ word) | (w[2] ^ word) |
		    (w[3] ^ word) | (end[-4] ^ word) | (end[-3] ^ word) |
		    (end[-2] ^ word) | (end[-1] ^ word);
	} else if (end > w) {   /* 1 to 3 words: first, middle, last */
		a = (w[0] ^ word) | (w[(end - w) >> 1] ^ word) |
		    (end[-1] ^ word);
	}
	return !a;
}

/* Set the words [from, to) (both 8-aligned) to `word`, the same way. */
FAST_INLINE void fast_dbg_words_set(char *from, char *to, uint64_t word)
{
	fast_word_t *w = (fast_word_t *)(void *)from;
	fast_word_t *end = (fast_word_t *)(void *)to;

	if (to - from >= 64) {
		for (; to - from > 64; from += 64)
			fast_dbg_set64(from, word);
		fast_dbg_set64(to - 64, word);
	} else if (end - w >= 4) {
		w[0] = w[1] = w[2] = w[3] = word;
		end[-4] = end[-3] = end[-2] = end[-1] = word;
	} else if (end > w) {   /* 1 to 3 words: first, middle, last */
		w[0] = word;
		w[(end - w) >> 1] = word;
		end[-1] = word;
	}
}

/* The red zone [from, to) (to 8-aligned) is intact. */
bool fast_dbg_red_is(const char *from, const char *to)
{
	size_t lo = (uintptr_t)from & 7;

	if (lo && from < to) {
		from -= lo;
		if ((*(const fast_word_t *)(const void *)from ^ FAST_DBG_RED_WORD) &
		    (~(uint64_t)0 << (lo * 8)))
			return false;
		from += 8;
	}
	return fast_dbg_words_are(from, to, FAST_DBG_RED_WORD);
}

/* Write the red zone [from, to) (to 8-aligned); the bytes before `from`
 * in its first word are kept (that word was just verified, so it is in
 * the cache). */
void fast_dbg_red_set(char *from, char *to)
{
	size_t lo = (uintptr_t)from & 7;
	uint64_t m;

	if (lo && from < to) {
		from -= lo;
		m = ~(uint64_t)0 << (lo * 8);
		*(fast_word_t *)(void *)from = (*(fast_word_t *)(void *)from & ~m) |
					       (FAST_DBG_RED_WORD & m);
		from += 8;
	}
	fast_dbg_words_set(from, to, FAST_DBG_RED_WORD);
}

FAST_INLINE bool fast_dbg_is_poison(const char *from, const char *to)
{
	return fast_dbg_words_are(from, to, FAST_DBG_WORD);
}

FAST_INLINE void fast_dbg_fill(char *from, char *to)
{
	fast_dbg_words_set(from, to, FAST_DBG_WORD);
}

/* Every byte of free block b between its links and its trailer is
 * poison (check()). */
bool fast_dbg_poisoned(struct fast_block *b)
{
	return fast_dbg_is_poison((char *)b + FAST_DBG_FREE_OFF,
				  fast_dbg_end(b) - FAST_DBG_TRAIL);
}

/* Quarantined block b's poison: from its links to its trailer. */
FAST_INLINE bool fast_dbg_q_is_poison(struct fast_block *b)
{
	return fast_dbg_is_poison((char *)b + FAST_DBG_FREE_OFF,
				  fast_dbg_end(b) - 16);
}

bool fast_dbg_q_poisoned(struct fast_block *b)
{
	return fast_dbg_q_is_poison(b);
}

/* ------------------------------------------------------------- sites ---- */

/* A free block's trailer [free site][req][alloc site], below its end. */
FAST_INLINE size_t *fast_dbg_trail(struct fast_block *b)
{
	return (size_t *)(void *)(fast_dbg_end(b) - FAST_DBG_TRAIL);
}

/* A live or quarantined block's trailer [spare / free site][req][alloc
 * site], the payload's last 24 bytes. */
size_t *fast_dbg_meta(struct fast_block *b)
{
	return (size_t *)(void *)(fast_dbg_end(b) - 16);
}

FAST_INLINE void fast_dbg_trail_set(size_t *t, const void *free_site,
				    size_t req, const void *alloc_site)
{
	t[0] = (size_t)(uintptr_t)free_site;
	t[1] = req;
	t[2] = (size_t)(uintptr_t)alloc_site;
}

/* The trailer of b, freed (free or quarantined): [free site][req][alloc
 * site]. */
static size_t *fast_dbg_freed_trail(const struct fast_heap *fh,
				    struct fast_block *b)
{
	return fast_dbg_quarantined(fh, b) ? fast_dbg_meta(b) : fast_dbg_trail(b);
}

/* A freed block's recorded sites and request (a free block's are those of
 * the last block it was made of). */
const void *fast_dbg_free_site(const struct fast_heap *fh, struct fast_block *b)
{
	return (const void *)(uintptr_t)fast_dbg_freed_trail(fh, b)[0];
}

size_t fast_dbg_freed_req(const struct fast_heap *fh, struct fast_block *b)
{
	return fast_dbg_freed_trail(fh, b)[1];
}

const void *fast_dbg_freed_alloc_site(const struct fast_heap *fh,
				      struct fast_block *b)
{
	return (const void *)(uintptr_t)fast_dbg_freed_trail(fh, b)[2];
}

/* A live block's request, or 0 when its trailer cannot hold one. */
size_t fast_dbg_live_req(struct fast_block *b)
{
	size_t room = block_size(b) - FAST_HDR - FAST_DBG_META;
	size_t req = fast_dbg_meta(b)[1];

	return block_size(b) >= FAST_DBG_MIN_FREE && req < room ? req : 0;
}

/*
 * Free block b now ends at b + size, and the bytes from `from` on are new
 * to it (new memory, the words of an old epilogue; nothing when it was
 * cut): they become poison, with the trailer b had, and b gets an empty
 * trailer at its end. When from is at or below b's poison start, b is a
 * new block. (fast_set_free, for heap growth and trims.)
 */
void fast_dbg_fresh(struct fast_heap *fh, struct fast_block *b, size_t size,
		    char *from)
{
	char *start = (char *)b + FAST_DBG_FREE_OFF, *end = (char *)b + size;

	(void)fh;
	from -= FAST_DBG_TRAIL;         /* the old trailer, if any */
	fast_dbg_fill(from > start ? from : start, end - FAST_DBG_TRAIL);
	fast_dbg_trail_set((size_t *)(void *)(end - FAST_DBG_TRAIL), NULL, 0,
			   NULL);
}

/* ------------------------------------------------------- free blocks ---- */

/* x, a value read from a link, is a 16-aligned address of the heap's
 * blocks (checked before anything is read through it). */
FAST_INLINE bool fast_dbg_in_tiling(const struct fast_heap *fh,
				    const struct fast_block *x)
{
	return ((uintptr_t)x & (FAST_ALIGN - 1)) == 0 &&
	       (const char *)x >= (const char *)fh->first &&
	       (const char *)x < (const char *)fh->epi;
}

/* x is a free block of this heap as far as its address and tags say. */
FAST_INLINE bool fast_dbg_is_free_block(struct fast_heap *fh, struct fast_block *x)
{
	return fast_dbg_in_tiling(fh, x) && block_is_free(x) &&
	       block_size(x) <= (size_t)((char *)fh->epi - (char *)x);
}

/* Free block x's forward list link agrees with the block it points to. */
FAST_INLINE bool fast_dbg_next_ok(struct fast_heap *fh, struct fast_block *x)
{
	struct fast_block *n = x->next_free;

	return !n || (fast_dbg_is_free_block(fh, n) && n->prev_free == x);
}

/* Free block x's list links agree with its neighbours on the list (a
 * write after free most often hits them: they are the payload's first
 * 16 bytes). O(1), before it is taken or merged. */
FAST_INLINE bool fast_dbg_links_ok(struct fast_heap *fh, struct fast_block *x)
{
	struct fast_block *p = x->prev_free;
	unsigned fl, sl;

	if (!p) {
		fast_index(block_size(x), &fl, &sl);
		if (fh->lists[fl][sl] != x)
			return false;
	} else if (!fast_dbg_is_free_block(fh, p) || p->next_free != x) {
		return false;
	}
	return fast_dbg_next_ok(fh, x);
}

/* List (fl, sl) made again from a walk of the heap, without x: its links
 * cannot be trusted, so they are not followed. */
static void fast_dbg_relist(struct fast_heap *fh, unsigned fl, unsigned sl,
			    struct fast_block *x)
{
	struct fast_block *b;
	unsigned f, s;

	fh->lists[fl][sl] = NULL;
	fast_bits_clear(fh, fl, sl);
	for (b = fh->first; b != fh->epi; b = block_next(b)) {
		if (b == x || !block_is_free(b))
			continue;
		fast_index(block_size(b), &f, &s);
		if (f == fl && s == sl)
			fast_list_link(fh, b, block_size(b));
	}
}

/* Free or quarantined block x was written after it was freed: report it,
 * with its sites and request. */
static void fast_dbg_report_written(struct fast_heap *fh, struct fast_block *x)
{
	fast_report_sites(fh, OSMEM_FAULT_USE_AFTER_FREE, fh->dbg_op,
			  block_payload(x), fast_dbg_freed_req(fh, x),
			  "freed memory was written",
			  fast_dbg_freed_alloc_site(fh, x), fast_dbg_free_site(fh, x));
}

/*
 * Free block x (counted free) was written after it was freed: report it
 * and retire it. It becomes a gap block (used, AUX): walked over, never
 * counted, merged, reused or freed.
 */
static void fast_dbg_retire_free(struct fast_heap *fh, struct fast_block *x)
{
	unsigned fl, sl;

	fast_dbg_report_written(fh, x);
	fast_index(block_size(x), &fl, &sl);
	fast_dbg_relist(fh, fl, sl, x);
	fh->st.blocks_free--;
	fh->st.bytes_free -= block_size(x) - FAST_HDR;
	x->size = block_size(x) | FAST_AUX;
	block_next(x)->size &= ~FAST_PREV_FREE;
}

/*
 * The debug release of b (on no list, not counted live, poison from
 * FAST_DBG_FREE_OFF to its trailer; the trailer set when `sited`): the
 * free neighbours' links are verified before they merge (a written one is
 * retired instead), and the words that become interior are poisoned: the
 * block before's trailer and b's header when b merges into it, b's
 * trailer and the next block's header when that one merges in. The result
 * keeps the trailer at its end (b's, or the next block's); an unsited b
 * that ends the result gets an empty one.
 */
FAST_INLINE struct fast_block *fast_dbg_merge(struct fast_heap *fh,
					      struct fast_block *b,
					      size_t *sizep, bool sited)
{
	struct fast_block *n = block_next(b), *m;
	bool next_free;

	if ((b->size & FAST_PREV_FREE) && !fast_dbg_links_ok(fh, block_prev(b)))
		fast_dbg_retire_free(fh, block_prev(b));
	if (block_is_free(n) && !fast_dbg_links_ok(fh, n))
		fast_dbg_retire_free(fh, n);
	next_free = block_is_free(n);
	if (!sited && !next_free)
		fast_dbg_trail_set((size_t *)(void *)((char *)n - FAST_DBG_TRAIL),
				   NULL, 0, NULL);
	m = fast_release_plain(fh, b, 0, sizep);
	if (next_free)  /* b's trailer, n's header (n+0 was b's footer slot) */
		fast_dbg_fill((char *)n - FAST_DBG_TRAIL,
			      (char *)n + FAST_DBG_FREE_OFF);
	if (m != b)     /* the trailer before, b's footer slot and header */
		fast_dbg_fill((char *)b - FAST_DBG_TRAIL,
			      (char *)b + FAST_DBG_FREE_OFF);
	else if (next_free)     /* default mode kept b's word at b+32 */
		fast_dbg_fill((char *)b + FAST_DBG_FREE_OFF,
			      (char *)b + FAST_DBG_FREE_OFF + 8);
	return m;
}

/* fast_release in debug mode, for the parts a split or memalign gives
 * back (fast.c): poison up to their end, no sites. */
struct fast_block *fast_dbg_release(struct fast_heap *fh,
				    struct fast_block *b, size_t *sizep)
{
	size_t size;
	struct fast_block *m = fast_dbg_merge(fh, b, &size, false);

	if (sizep)
		*sizep = size;
	return m;
}

/* -------------------------------------------------------- quarantine ---- */

FAST_INLINE size_t fast_dbg_qseal(const struct fast_heap *fh,
				  const struct fast_block *b, size_t size)
{
	return fast_seal(fh, b, size | FAST_DBG_QSALT) | FAST_DBG_QMARK;
}

/* b, a block of the heap's tiling, is quarantined. */
FAST_INLINE bool fast_dbg_is_quarantined(const struct fast_heap *fh,
					 const struct fast_block *b)
{
	size_t w = b->size;

	return (w & (FAST_FREE | FAST_MAPPED | FAST_AUX)) == FAST_AUX &&
	       (w & FAST_SEAL_MASK) == fast_dbg_qseal(fh, b, w & FAST_SIZE_MASK);
}

bool fast_dbg_quarantined(const struct fast_heap *fh, const struct fast_block *b)
{
	return fast_dbg_is_quarantined(fh, b);
}

/* Append b (its tags already quarantined) to the FIFO; counted. */
FAST_INLINE void fast_dbg_q_append(struct fast_heap *fh, struct fast_block *b)
{
	b->next_free = NULL;
	b->prev_free = fh->q_tail;
	if (fh->q_tail) {
		fh->q_tail->next_free = b;
	} else {
		fh->q_head = b;
		fh->q_gone = NULL;
	}
	fh->q_tail = b;
	fh->st.quarantined_blocks++;
	fh->st.quarantined_bytes += block_size(b) - FAST_HDR;
}

/* The FIFO made again from a heap walk (in address order), since a link
 * may have been written: none is followed. O(blocks), on misuse only. */
static void fast_dbg_q_rebuild(struct fast_heap *fh)
{
	struct fast_block *b;

	fh->q_head = fh->q_tail = NULL;
	fh->st.quarantined_blocks = 0;
	fh->st.quarantined_bytes = 0;
	for (b = fh->first; b != fh->epi; b = block_next(b))
		if (fast_dbg_is_quarantined(fh, b))
			fast_dbg_q_append(fh, b);
}

/* Quarantined block x was written: report it, retire it (a gap block),
 * and make the FIFO again. */
static void fast_dbg_q_retire(struct fast_heap *fh, struct fast_block *x)
{
	fast_dbg_report_written(fh, x);
	x->size = block_size(x) | FAST_AUX | (x->size & FAST_PREV_FREE);
	fast_dbg_q_rebuild(fh);
}

/* The FIFO's head is no quarantined block: the forward link of the block
 * that left last was written while it waited (that block's first payload
 * word). It is reported with the sites it had, and the FIFO made again. */
static void fast_dbg_q_lost(struct fast_heap *fh)
{
	fast_report_sites(fh, OSMEM_FAULT_USE_AFTER_FREE, fh->dbg_op,
			  fh->q_gone ? block_payload(fh->q_gone) : NULL, fh->q_gone_req,
			  "freed memory was written (its quarantine link)",
			  fh->q_gone_asite, fh->q_gone_fsite);
	fast_dbg_q_rebuild(fh);
}

/* Live block b (not counted live any more), freed from `site`, enters the
 * quarantine: its payload up to the trailer becomes poison, the trailer
 * takes the free site beside the request and allocation site. */
FAST_INLINE void fast_dbg_q_push(struct fast_heap *fh, struct fast_block *b,
				 const void *site)
{
	struct fast_block *t = fh->q_tail;
	size_t size = block_size(b), *meta = fast_dbg_meta(b);

	/* The newest block's forward link is about to be written: it must
	 * still be the NULL it was left as. */
	if (t && t->next_free)
		fast_dbg_q_retire(fh, t);
	meta[0] = (size_t)(uintptr_t)site;
	fast_dbg_fill((char *)b + FAST_DBG_FREE_OFF, (char *)meta);
	b->size = size | FAST_AUX | (b->size & FAST_PREV_FREE) |
		  fast_dbg_qseal(fh, b, size);
	fast_dbg_q_append(fh, b);
	/* A double free after b left the quarantine still names its request. */
	fast_freed_note(fh, block_payload(b), fast_dbg_freed_req(fh, b));
}

/*
 * The oldest quarantined block b's links are what the FIFO left there:
 * back to the block that left last (q_gone), forward to NULL when b is
 * the newest, else to an address of the heap's tiling. The block there is
 * not read now (it is cold; its tags are verified when it is the oldest),
 * so a quarantine costs one block's lines per eviction.
 */
FAST_INLINE bool fast_dbg_q_links_ok(struct fast_heap *fh, struct fast_block *b)
{
	struct fast_block *n = b->next_free;

	if (b->prev_free != fh->q_gone)
		return false;
	return n ? fast_dbg_in_tiling(fh, n) : b == fh->q_tail;
}

/*
 * The oldest quarantined block leaves: verified whole (links, poison) and
 * released, or retired when written. Its trailer moves down one word to
 * where a free block keeps it (the word below was poison; the one it
 * leaves becomes the footer). The release may reach the heap top and trim
 * it.
 */
static void fast_dbg_q_evict(struct fast_heap *fh)
{
	struct fast_block *b = fh->q_head, *n, *m;
	size_t size, *meta;

	if (!fast_dbg_is_quarantined(fh, b)) {
		fast_dbg_q_lost(fh);
		return;
	}
	if (!fast_dbg_q_links_ok(fh, b) || !fast_dbg_q_is_poison(b)) {
		fast_dbg_q_retire(fh, b);
		return;
	}
	n = b->next_free;
	fh->q_head = n;
	if (!n)
		fh->q_tail = NULL;
	/* The next to leave is cold by now: fetch its first lines while the
	 * program runs on (a prefetch never faults, wherever it points). */
	if (n) {
		__builtin_prefetch(n);
		__builtin_prefetch((char *)n + 64);
		__builtin_prefetch((char *)n + 128);
	}
	meta = fast_dbg_meta(b);
	fh->q_gone = b;
	fh->q_gone_fsite = (const void *)(uintptr_t)meta[0];
	fh->q_gone_req = meta[1];
	fh->q_gone_asite = (const void *)(uintptr_t)meta[2];
	fast_dbg_trail_set(meta - 1, fh->q_gone_fsite, fh->q_gone_req,
			   fh->q_gone_asite);
	fh->st.quarantined_blocks--;
	fh->st.quarantined_bytes -= block_size(b) - FAST_HDR;
	b->size = block_size(b) | (b->size & FAST_PREV_FREE);
	m = fast_dbg_merge(fh, b, &size, true);
	fast_trim_if_top(fh, m, size);
}

/* Live heap block b, its red zone verified, is freed from `site`: into
 * the quarantine, which then lets its oldest blocks go down to its bound. */
void fast_dbg_free_block(struct fast_heap *fh, struct fast_block *b,
				     const void *site)
{
	size_t bound;

	fast_used_sub(fh, b);
	fast_dbg_q_push(fh, b, site);
	bound = fast_quarantine_bound((size_t)(fh->high - fh->base));
	while (fh->st.quarantined_bytes > bound)
		fast_dbg_q_evict(fh);
}

/* ------------------------------------------------------- allocation ---- */

/*
 * Free block b may serve r bytes: the bytes it would hand out are poison
 * (with the words that become the remainder's header). *take: r, or all
 * of b when the rest could not be a free block (its trailer is then handed
 * out too: it holds sites, not poison).
 */
FAST_INLINE bool fast_dbg_take_ok(struct fast_block *b, size_t r, size_t *take)
{
	size_t size = block_size(b);
	char *end;

	*take = size - r < FAST_DBG_MIN_FREE ? size : r;
	end = *take == size ? fast_dbg_end(b) - FAST_DBG_TRAIL :
			      (char *)b + r + FAST_DBG_FREE_OFF;
	return fast_dbg_is_poison((char *)b + FAST_DBG_FREE_OFF, end);
}

/*
 * Debug mode's heap block of r bytes (r < FAST_BLOCK_MAX): the block
 * fast_find picks (or the top, grown), verified as it is taken; a written
 * one is retired and the next looked at. The remainder of a split keeps
 * the trailer. When the heap cannot grow, the quarantine gives its oldest
 * blocks back first. NULL when nothing is left.
 */
void *fast_dbg_heap_take(struct fast_heap *fh, size_t r)
{
	struct fast_block *b;
	unsigned cls[2];
	size_t take;
	bool head;

	for (;;) {
		/* fast_find gives a list's head: its back link is NULL */
		b = fast_find(fh, r, &cls[0], &cls[1]);
		head = b != NULL;
		if (!b) {
			/* growing unlinks the top block: its links first */
			b = fast_top(fh);
			if (b && !fast_dbg_links_ok(fh, b)) {
				fast_dbg_retire_free(fh, b);
				continue;
			}
			b = fast_grow(fh, r);
		}
		if (!b) {
			if (!fh->q_head)
				return NULL;
			fast_dbg_q_evict(fh);
			continue;
		}
		if ((head ? !b->prev_free && fast_dbg_next_ok(fh, b) :
			    fast_dbg_links_ok(fh, b)) &&
		    fast_dbg_take_ok(b, r, &take))
			break;
		fast_dbg_retire_free(fh, b);
	}
	fast_take_any(fh, b, take, head ? cls : NULL);
	return block_payload(b);
}

/* fast_dbg_heap_take out of line, for memalign (fast.c). */
void *fast_dbg_heap_alloc(struct fast_heap *fh, size_t r)
{
	return fast_dbg_heap_take(fh, r);
}

/* The red zone of live block b is intact; its request in *req. */
bool fast_dbg_red_ok(struct fast_block *b, size_t *req)
{
	size_t *meta = fast_dbg_meta(b), room = block_size(b) - FAST_HDR - FAST_DBG_META;
	const char *p = block_payload(b);

	*req = meta[1];
	return *req < room && fast_dbg_red_is(p + *req, p + room);
}

/* Make live block b serve a request of n bytes (n + 25 <= its usable). */
void fast_dbg_arm(struct fast_block *b, size_t n, const void *site)
{
	size_t *meta = fast_dbg_meta(b);
	char *p = block_payload(b);

	fast_dbg_red_set(p + n, (char *)meta);
	meta[0] = 0;
	meta[1] = n;
	meta[2] = (size_t)(uintptr_t)site;
}
