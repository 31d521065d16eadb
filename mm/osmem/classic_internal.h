/* SPDX-License-Identifier: MIT */
/*
 * The classic allocator's insides, shared by its files: the heap state,
 * the constants, the block helpers and the header check values. The rules,
 * the layout, the invariants and the locking are at the top of
 * mm/osmem/classic.c; nothing outside mm/osmem/classic*.c includes this.
 *
 *   classic.c        the heap, malloc/free/realloc, the placement policies
 *   classic_map.c    blocks mapped alone
 *   classic_misuse.c which block a pointer names; reports; quarantine
 *   classic_check.c  stats(), check() and walk()
 */
#ifndef MM_OSMEM_CLASSIC_INTERNAL_H
#define MM_OSMEM_CLASSIC_INTERNAL_H

#include "mm/osmem/allocator.h"
#include "mm/osmem/backend.h"
#include "mm/osmem/block_meta.h"
#include "mm/osmem/classic_lab.h"
#include "libk/string.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CLASSIC_META           sizeof(struct block_meta)
#define CLASSIC_ALIGN(x)       (((x) + 7) & ~(size_t)7)
#define CLASSIC_MMAP_THRESHOLD ((size_t)128 * 1024)
#define CLASSIC_HEAP_PREALLOC  ((size_t)128 * 1024)
#define CLASSIC_MIN_SPLIT      (CLASSIC_META + 8)
/* Not one of the assignment's STATUS_* values: a block whose header failed
 * its check, kept in place and never used again. */
#define CLASSIC_QUARANTINED    0x0bad
#define CLASSIC_GONE_SLOTS     8

/* Which free block a heap search takes (see the top of the file). */
enum classic_policy { CLASSIC_BEST, CLASSIC_FIRST, CLASSIC_NEXT, CLASSIC_WORST };

/* One heap: everything the allocator knows lives here (allocator.h). */
struct classic_heap {
	const struct osmem_backend *be;
	enum classic_policy policy;
	/* Next fit: the block of the last placement, where the next search
	 * starts; NULL means the head. Always a block on the heap list: a
	 * block absorbed by its predecessor hands the rover on to it. */
	struct block_meta *rover;
	struct block_meta *head;     /* first heap block, NULL before first use */
	struct block_meta *tail;     /* last heap block */
	char *heap_start;
	char *heap_end;              /* the break, as far as we moved it */
	struct block_meta *mapped;   /* list of live mappings */
	size_t extend_calls, map_calls, unmap_calls;
	/* Payloads (and sizes) of the last mappings given back: a second free
	 * of one of them is a double free, not a foreign pointer. */
	void *gone[CLASSIC_GONE_SLOTS];
	size_t gone_size[CLASSIC_GONE_SLOTS];
	unsigned gone_next;
};

_Static_assert(sizeof(struct classic_heap) <= OSMEM_HEAP_BYTES_MAX,
	       "struct classic_heap must fit in struct osmem_heap_space");

static inline struct classic_heap *classic_of(struct osmem_heap *h)
{
	return (struct classic_heap *)(void *)h;
}

static inline void *classic_payload(struct block_meta *b)
{
	return (char *)b + CLASSIC_META;
}

static inline struct block_meta *classic_header(void *p)
{
	return (struct block_meta *)((char *)p - CLASSIC_META);
}

static inline char *classic_block_end(struct block_meta *b)
{
	return (char *)classic_payload(b) + b->size;
}

static inline void classic_report(struct classic_heap *ch, enum osmem_fault fault,
				  const char *op, const void *ptr, size_t size,
				  const char *detail)
{
	struct osmem_report r = { .fault = fault, .op = op, .ptr = ptr,
				  .size = size, .detail = detail };

	if (ch->be && ch->be->report)
		ch->be->report(&r);
}

/* ------------------------------------------------------ check values -- */

/*
 * The check value of b's header as it is now. A 64-bit mix (splitmix64's
 * finalizer) of address, size and status keyed by the secret: a stray
 * write that changes size or status, or a header forged elsewhere, has a
 * 2^-32 chance of matching.
 */
static inline uint32_t classic_seal_of(const struct classic_heap *ch,
				       const struct block_meta *b)
{
	uint64_t x = (uint64_t)(uintptr_t)b ^ (uint64_t)ch->be->secret;

	x ^= (uint64_t)b->size * 0x9e3779b97f4a7c15ULL;
	x ^= (uint64_t)(uint32_t)b->status << 17;
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return (uint32_t)(x ^ (x >> 32));
}

static inline void classic_seal(const struct classic_heap *ch, struct block_meta *b)
{
	b->check = classic_seal_of(ch, b);
}

static inline bool classic_sealed(const struct classic_heap *ch,
				  const struct block_meta *b)
{
	return b->check == classic_seal_of(ch, b);
}

static inline void classic_set(const struct classic_heap *ch, struct block_meta *b,
			       size_t size, int status)
{
	b->size = size;
	b->status = status;
	classic_seal(ch, b);
}

/* ALIGN8(size) in *out, or false if size + 7 + header would overflow. */
static inline bool classic_round(size_t size, size_t *out)
{
	if (size > SIZE_MAX - CLASSIC_META - 7)
		return false;
	*out = CLASSIC_ALIGN(size);
	return true;
}

static inline bool classic_in_heap(struct classic_heap *ch, void *p)
{
	return ch->head && (char *)p >= ch->heap_start + CLASSIC_META &&
	       (char *)p < ch->heap_end;
}

/* classic_map.c */
void *classic_map(struct classic_heap *ch, size_t asz);
struct block_meta *classic_find_mapped(struct classic_heap *ch,
				       const char *p,
				       struct block_meta **inside);
void classic_remember_gone(struct classic_heap *ch, void *payload,
			   size_t size);
size_t classic_was_unmapped(struct classic_heap *ch, const void *p);
void classic_unmap(struct classic_heap *ch, struct block_meta *b);

/* classic_misuse.c */
void classic_quarantine(struct classic_heap *ch, struct block_meta *b,
			const char *op);
void classic_quarantine_mapped(struct classic_heap *ch,
			       struct block_meta *m, const char *op);
struct block_meta *classic_heap_block_of(struct classic_heap *ch,
					 const char *p);
size_t classic_report_size(const struct classic_heap *ch,
			   const struct block_meta *b);
void classic_report_unlisted(struct classic_heap *ch, void *p,
			     const char *op, struct block_meta *in);
struct block_meta *classic_lookup(struct classic_heap *ch, void *p,
				  const char *op, bool quiet);

/* classic_check.c */
void classic_stats(struct osmem_heap *h, struct osmem_stats *st);
int classic_check(struct osmem_heap *h);
void classic_walk(struct osmem_heap *h,
		  void (*fn)(void *payload, size_t size,
		  enum osmem_block_kind kind, void *arg),
		  void *arg);

#endif
