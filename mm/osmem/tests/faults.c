/* SPDX-License-Identifier: MIT */
/*
 * The fault suite (suite osmem_faults, both homes): every misuse the
 * allocators detect always (issue 6), provoked once per row, for every
 * allocator of osmem_test_allocators[], on a small heap block and on a
 * large (mapped) one where the fault applies.
 *
 * Each row checks:
 * - exactly one report, with the exact fault kind, core op, pointer and
 *   block size, and its formatted line, rebuilt here from the expected
 *   values (the test backend formats with no front, so the line names the
 *   core's op, and with the caller set by osmem_tb_set_caller);
 * - that the operation was refused (free: the block is not handed out
 *   twice, nothing was unmapped; realloc: NULL; usable_size: 0);
 * - that a sentinel block next to the fault kept every byte, and the
 *   block involved, if live, kept its own;
 * - that check() passes afterwards (OSMEM_END).
 *
 * One exception: classic's realloc of a pointer that is no live block
 * (inside a block, foreign, freed) reports nothing, the assignment's rule
 * (allocator.h); those rows check that no report was made, and all the
 * rest. A corrupted header is reported by every allocator's realloc.
 *
 * Sizes in reports: the block's usable size for a double free (what
 * usable_size said while it was live) and for a pointer into a live block
 * (the block it points into); 0 when the pointer is in no block or the
 * header cannot be trusted (foreign, corrupted).
 *
 * A row an allocator cannot detect is skipped for that allocator with a
 * reason (fault_cannot); debug-mode rows run only where debug mode exists.
 */
#include "mm/osmem/tests/osmem_tests.h"
#include "mm/osmem/fast_index.h"
#include "libk/printf.h"
#include "libk/string.h"
#include <stdbool.h>

#define SMALL 64
#define LARGE ((size_t)256 * 1024)	/* mapped in every allocator */
#define SENTINEL_SEED 0x5e
#define BLOCK_SEED 0xb1

/* Distinct fake return addresses: the report must name the current one. */
#define CALLER_ALLOC ((const void *)0x4a110c)
#define CALLER_FREE  ((const void *)0xf4ee)
#define CALLER_FAULT ((const void *)0xfa017)

static long fault_static_data[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };

/* The names report.c must print: spelled out here, so a change shows. */
static const char *fault_expected_name(enum osmem_fault f)
{
	switch (f) {
	case OSMEM_FAULT_DOUBLE_FREE: return "double free";
	case OSMEM_FAULT_INVALID_POINTER: return "invalid pointer";
	case OSMEM_FAULT_FOREIGN_POINTER: return "pointer not from this heap";
	case OSMEM_FAULT_CORRUPT_HEADER: return "corrupted block header";
	case OSMEM_FAULT_REDZONE: return "heap overflow (red zone written)";
	case OSMEM_FAULT_USE_AFTER_FREE: return "write after free";
	default: return "?";
	}
}

/*
 * What an allocator cannot detect (NULL: it can). Kept in one place so
 * the rows stay the same for all; the lead checks this list.
 */
static const char *fault_cannot(const struct osmem_allocator *a,
				enum osmem_fault f, bool large)
{
	(void)large;
	if ((f == OSMEM_FAULT_REDZONE || f == OSMEM_FAULT_USE_AFTER_FREE) &&
	    a == &osmem_classic)
		return "classic: the assignment's exact layout has no room for red zones, poison or sites";
	return NULL;
}

struct fault_ctx {
	struct ktest *t;
	const struct osmem_allocator *a;
	struct osmem_heap *h;
	char *sentinel;
	size_t sentinel_size;
	unsigned before;	/* reports before the fault */
	unsigned unmaps;	/* unmap calls before the fault */
};

/* A fresh heap (debug as asked) with a sentinel block of the row's size. */
static bool fault_begin(struct fault_ctx *c, struct ktest *t,
			const struct osmem_allocator *a, size_t size, bool debug)
{
	const struct osmem_backend *be;

	memset(c, 0, sizeof(*c));
	c->t = t;
	c->a = a;
	c->h = osmem_test_heap();
	osmem_tb_set_debug(debug);
	osmem_tb_set_caller(CALLER_ALLOC);
	be = osmem_tb_init();
	if (!KEXPECT_NOT_NULL(t, be))
		return false;
	a->init(c->h, be);
	c->sentinel_size = size;
	c->sentinel = a->malloc(c->h, size);
	if (!KEXPECT_NOT_NULL(t, c->sentinel))
		return false;
	osmem_fill(c->sentinel, size, SENTINEL_SEED);
	return true;
}

/* Just before the faulting call: remember the counts, set its caller. */
static void fault_arm(struct fault_ctx *c)
{
	c->before = osmem_tb_reports();
	c->unmaps = osmem_tb_count(OSMEM_TB_UNMAP);
	osmem_tb_set_caller(CALLER_FAULT);
}

/*
 * Exactly one new report: kind, op, pointer, size, and its line. The line
 * is rebuilt from the expected values; only the detail (free text, the
 * allocator's own words) and the debug sites are taken from the report.
 */
static void fault_expect(struct fault_ctx *c, enum osmem_fault kind,
			 const char *op, const void *ptr, size_t size)
{
	struct ktest *t = c->t;
	const struct osmem_report *r = osmem_tb_report(c->before);
	char want[OSMEM_TB_REPORT_LINE], blk[48] = "", det[160] = "";
	char sites[96] = "", s2[48] = "";

	osmem_tb_set_caller(NULL);
	KEXPECT_EQ(t, osmem_tb_reports(), c->before + 1);
	if (!KEXPECT_NOT_NULL(t, r))
		return;
	KEXPECT_EQ(t, r->fault, kind);
	KEXPECT_STREQ(t, r->op, op);
	KEXPECT_PTR_EQ(t, r->ptr, ptr);
	KEXPECT_EQ(t, r->size, size);
	if (size)
		snprintf(blk, sizeof(blk), " (block of %zu bytes)", size);
	if (r->detail)
		snprintf(det, sizeof(det), ": %s", r->detail);
	if (r->alloc_site)
		snprintf(sites, sizeof(sites), "; allocated from %p", r->alloc_site);
	if (r->free_site)
		snprintf(s2, sizeof(s2), "; freed from %p", r->free_site);
	snprintf(want, sizeof(want), "osmem: %s of %p%s%s in %s called from %p%s%s",
		 fault_expected_name(kind), ptr, blk, det, op, CALLER_FAULT,
		 sites, s2);
	KEXPECT_STREQ(t, osmem_tb_report_line(c->before), want);
}

/* The sentinel kept its bytes; nothing was unmapped by the refused call. */
static void fault_intact(struct fault_ctx *c)
{
	KEXPECT(c->t, osmem_verify(c->sentinel, c->sentinel_size, SENTINEL_SEED));
	KEXPECT_EQ(c->t, osmem_tb_count(OSMEM_TB_UNMAP), c->unmaps);
}

/* A refused free of a freed block: the next two allocations of its size
 * are two different blocks, neither the sentinel. */
static void fault_not_handed_out_twice(struct fault_ctx *c, size_t size)
{
	char *x = c->a->malloc(c->h, size), *y = c->a->malloc(c->h, size);

	KEXPECT_NOT_NULL(c->t, x);
	KEXPECT_NOT_NULL(c->t, y);
	KEXPECT_PTR_NE(c->t, x, y);
	KEXPECT_PTR_NE(c->t, x, c->sentinel);
	KEXPECT_PTR_NE(c->t, y, c->sentinel);
	if (x && y) {
		osmem_fill(x, size, 1);
		osmem_fill(y, size, 2);
		KEXPECT(c->t, osmem_verify(x, size, 1));
	}
	fault_intact(c);
}

/* True (with a note naming the allocator and why) when a cannot detect
 * fault f: the row then goes on with the next allocator. */
static bool fault_skip(struct ktest *t, const struct osmem_allocator *a,
		       enum osmem_fault f, bool large)
{
	const char *why = fault_cannot(a, f, large);

	if (why)
		ktest_note(t, "%s: skipped: %s", a->name, why);
	return why != NULL;
}

/* ------------------------------------------------------------- rows -- */

static void row_double_free(struct ktest *t, const struct osmem_allocator *a,
			    size_t size)
{
	struct fault_ctx c;
	char *p;
	size_t usable;

	if (!fault_begin(&c, t, a, size, false))
		return;
	p = a->malloc(c.h, size);
	if (!KEXPECT_NOT_NULL(t, p))
		return;
	usable = a->usable_size(c.h, p);
	a->free(c.h, p);
	fault_arm(&c);
	a->free(c.h, p);
	fault_expect(&c, OSMEM_FAULT_DOUBLE_FREE, "free", p, usable);
	fault_not_handed_out_twice(&c, size);
	KEXPECT_EQ(t, a->check(c.h), 0);
}

/* p, q, p: the second free of p comes after another block was freed. */
static void row_double_free_delayed(struct ktest *t,
				    const struct osmem_allocator *a, size_t size)
{
	struct fault_ctx c;
	char *p, *q, *keep;
	size_t usable;

	if (!fault_begin(&c, t, a, size, false))
		return;
	p = a->malloc(c.h, size);
	keep = a->malloc(c.h, size);	/* p and q are not neighbours */
	q = a->malloc(c.h, size);
	if (!KEXPECT_NOT_NULL(t, p) || !KEXPECT_NOT_NULL(t, q) ||
	    !KEXPECT_NOT_NULL(t, keep))
		return;
	osmem_fill(keep, size, BLOCK_SEED);
	usable = a->usable_size(c.h, p);
	a->free(c.h, p);
	a->free(c.h, q);
	fault_arm(&c);
	a->free(c.h, p);
	fault_expect(&c, OSMEM_FAULT_DOUBLE_FREE, "free", p, usable);
	KEXPECT(t, osmem_verify(keep, size, BLOCK_SEED));
	fault_not_handed_out_twice(&c, size);
	KEXPECT(t, osmem_verify(keep, size, BLOCK_SEED));
	KEXPECT_EQ(t, a->check(c.h), 0);
}

enum fault_op { OP_FREE, OP_REALLOC, OP_USABLE };

static const char *const fault_op_name[] = { "free", "realloc", "usable_size" };

/* Runs op on x; true when the result is a refusal. */
static bool fault_do(struct fault_ctx *c, enum fault_op op, void *x)
{
	switch (op) {
	case OP_FREE:
		c->a->free(c->h, x);
		return true;
	case OP_REALLOC:
		return c->a->realloc(c->h, x, 2 * SMALL) == NULL;
	case OP_USABLE:
		return c->a->usable_size(c->h, x) == 0;
	}
	return false;
}

/* Does a's realloc refuse a pointer that is no live block without a
 * report? classic does (allocator.h: the assignment's rule). */
static bool fault_realloc_quiet(const struct osmem_allocator *a,
				enum fault_op op)
{
	return op == OP_REALLOC && a == &osmem_classic;
}

/*
 * The refused call on a pointer that is no live block: the one report of
 * fault_expect, or none for a quiet realloc. Returns the number of
 * reports expected.
 */
static unsigned fault_expect_dead(struct fault_ctx *c, enum fault_op op,
				  enum osmem_fault kind, const void *ptr,
				  size_t size)
{
	if (fault_realloc_quiet(c->a, op)) {
		osmem_tb_set_caller(NULL);
		KEXPECT_EQ(c->t, osmem_tb_reports(), c->before);
		return 0;
	}
	fault_expect(c, kind, fault_op_name[op], ptr, size);
	return 1;
}

/* op on a pointer inside a live block (p + off): refused, p unharmed. */
static void row_inside(struct ktest *t, const struct osmem_allocator *a,
		       size_t size, size_t off, enum fault_op op)
{
	struct fault_ctx c;
	char *p;
	size_t usable;
	unsigned reports;

	if (!fault_begin(&c, t, a, size, false))
		return;
	p = a->malloc(c.h, size);
	if (!KEXPECT_NOT_NULL(t, p))
		return;
	osmem_fill(p, size, BLOCK_SEED);
	usable = a->usable_size(c.h, p);
	fault_arm(&c);
	KEXPECT(t, fault_do(&c, op, p + off));
	reports = fault_expect_dead(&c, op, OSMEM_FAULT_INVALID_POINTER, p + off,
				    usable);
	fault_intact(&c);
	KEXPECT(t, osmem_verify(p, size, BLOCK_SEED));
	KEXPECT_EQ(t, a->usable_size(c.h, p), usable);
	a->free(c.h, p);
	KEXPECT_EQ(t, osmem_tb_reports(), c.before + reports);
	KEXPECT_EQ(t, a->check(c.h), 0);
}

/* An address of an unmapped page: mapped by the home, then given back. */
static void *fault_unmapped(void)
{
	const struct osmem_backend *home = osmem_test_home_backend();
	void *p = home->pages_map(home->page_size);

	if (p)
		home->pages_unmap(p, home->page_size);
	return p;
}

static void fault_text_fn(void)
{
}

enum foreign { F_STACK, F_DATA, F_TEXT, F_ONE, F_UNMAPPED };

static void row_foreign(struct ktest *t, const struct osmem_allocator *a,
			size_t size, enum foreign kind, enum fault_op op)
{
	struct fault_ctx c;
	long local[8] = { 0 };
	void *x = NULL;

	if (!fault_begin(&c, t, a, size, false))
		return;
	switch (kind) {
	case F_STACK: x = &local[4]; break;
	case F_DATA: x = &fault_static_data[4]; break;
	case F_TEXT: x = (void *)(uintptr_t)fault_text_fn; break;
	case F_ONE: x = (void *)1; break;
	case F_UNMAPPED: x = fault_unmapped(); break;
	}
	if (!KEXPECT_NOT_NULL(t, x))
		return;
	fault_arm(&c);
	KEXPECT(t, fault_do(&c, op, x));
	fault_expect_dead(&c, op, OSMEM_FAULT_FOREIGN_POINTER, x, 0);
	fault_intact(&c);
	KEXPECT_EQ(t, local[4], 0);
	KEXPECT_EQ(t, fault_static_data[4], 5);
	KEXPECT_EQ(t, a->check(c.h), 0);
}

/* realloc / usable_size of a freed block. */
static void row_freed(struct ktest *t, const struct osmem_allocator *a,
		      size_t size, enum fault_op op)
{
	struct fault_ctx c;
	char *p;
	size_t usable;

	if (!fault_begin(&c, t, a, size, false))
		return;
	p = a->malloc(c.h, size);
	if (!KEXPECT_NOT_NULL(t, p))
		return;
	usable = a->usable_size(c.h, p);
	a->free(c.h, p);
	fault_arm(&c);
	KEXPECT(t, fault_do(&c, op, p));
	/* realloc of a freed block is a second free (classic: quiet);
	 * usable_size names no live block. */
	fault_expect_dead(&c, op, op == OP_USABLE ? OSMEM_FAULT_INVALID_POINTER :
			  OSMEM_FAULT_DOUBLE_FREE, p, usable);
	fault_not_handed_out_twice(&c, size);
	KEXPECT_EQ(t, a->check(c.h), 0);
}

/*
 * The word of p's header that holds its size: allocator knowledge, kept
 * here only. classic: struct block_meta's size, 32 bytes below the
 * payload; fast: the size word right below the payload (heap and mapped).
 */
static size_t *fault_size_word(const struct osmem_allocator *a, char *p)
{
	return (size_t *)(void *)(p - (a == &osmem_classic ? 32 : 8));
}

/* A stray write changed the header's size: free/realloc refuse the block,
 * and it is never handed out again; every other block is intact. */
static void row_corrupt(struct ktest *t, const struct osmem_allocator *a,
			size_t size, enum fault_op op)
{
	struct fault_ctx c;
	char *p, *x[8];

	if (!fault_begin(&c, t, a, size, false))
		return;
	p = a->malloc(c.h, size);
	if (!KEXPECT_NOT_NULL(t, p))
		return;
	osmem_fill(p, size, BLOCK_SEED);
	*fault_size_word(a, p) ^= 0x10;
	fault_arm(&c);
	KEXPECT(t, fault_do(&c, op, p));
	fault_expect(&c, OSMEM_FAULT_CORRUPT_HEADER, fault_op_name[op], p, 0);
	fault_intact(&c);
	KEXPECT(t, osmem_verify(p, size, BLOCK_SEED));
	/* Quarantined: neither freed nor reused. */
	for (int i = 0; i < 8; i++) {
		x[i] = a->malloc(c.h, size);
		KEXPECT_PTR_NE(t, x[i], p);
	}
	KEXPECT(t, osmem_verify(p, size, BLOCK_SEED));
	for (int i = 0; i < 8; i++)
		a->free(c.h, x[i]);
	KEXPECT(t, osmem_verify(c.sentinel, size, SENTINEL_SEED));
	KEXPECT_EQ(t, a->check(c.h), 0);
}

/* ------------------------------------------------------------ cases -- */

#define FOR_ALLOCATORS(t, a) OSMEM_FOR_EACH_ALLOCATOR(t, a)

#define FAULT_CASE(name, f, large, call)                                      \
	KTEST(osmem_faults, name)                                             \
	{                                                                     \
		const struct osmem_allocator *a;                              \
		FOR_ALLOCATORS(t, a) {                                        \
			if (fault_skip(t, a, f, large))                       \
				continue;                                     \
			call;                                                 \
			KEXPECT_EQ(t, a->check(osmem_test_heap()), 0);        \
			KEXPECT_EQ(t, osmem_tb_lock_errors(), 0);             \
			KEXPECT_EQ(t, osmem_tb_lock_held(), 0);               \
			KEXPECT_EQ(t, osmem_tb_bad_unmaps(), 0);              \
		}                                                             \
	}

FAULT_CASE(double_free_small, OSMEM_FAULT_DOUBLE_FREE, false,
	   row_double_free(t, a, SMALL))
FAULT_CASE(double_free_large, OSMEM_FAULT_DOUBLE_FREE, true,
	   row_double_free(t, a, LARGE))
FAULT_CASE(double_free_delayed_small, OSMEM_FAULT_DOUBLE_FREE, false,
	   row_double_free_delayed(t, a, SMALL))
FAULT_CASE(double_free_delayed_large, OSMEM_FAULT_DOUBLE_FREE, true,
	   row_double_free_delayed(t, a, LARGE))

FAULT_CASE(free_p_plus_1_small, OSMEM_FAULT_INVALID_POINTER, false,
	   row_inside(t, a, SMALL, 1, OP_FREE))
FAULT_CASE(free_p_plus_1_large, OSMEM_FAULT_INVALID_POINTER, true,
	   row_inside(t, a, LARGE, 1, OP_FREE))
FAULT_CASE(free_p_plus_8_small, OSMEM_FAULT_INVALID_POINTER, false,
	   row_inside(t, a, SMALL, 8, OP_FREE))
FAULT_CASE(free_p_plus_8_large, OSMEM_FAULT_INVALID_POINTER, true,
	   row_inside(t, a, LARGE, 8, OP_FREE))
FAULT_CASE(free_inside_block_small, OSMEM_FAULT_INVALID_POINTER, false,
	   row_inside(t, a, SMALL, SMALL / 2, OP_FREE))
FAULT_CASE(free_inside_block_large, OSMEM_FAULT_INVALID_POINTER, true,
	   row_inside(t, a, LARGE, LARGE / 2, OP_FREE))
FAULT_CASE(realloc_inside_block_small, OSMEM_FAULT_INVALID_POINTER, false,
	   row_inside(t, a, SMALL, 16, OP_REALLOC))
FAULT_CASE(realloc_inside_block_large, OSMEM_FAULT_INVALID_POINTER, true,
	   row_inside(t, a, LARGE, 4096, OP_REALLOC))
FAULT_CASE(usable_size_inside_block_small, OSMEM_FAULT_INVALID_POINTER, false,
	   row_inside(t, a, SMALL, 16, OP_USABLE))
FAULT_CASE(usable_size_inside_block_large, OSMEM_FAULT_INVALID_POINTER, true,
	   row_inside(t, a, LARGE, 4096, OP_USABLE))

FAULT_CASE(free_stack_address, OSMEM_FAULT_FOREIGN_POINTER, false,
	   row_foreign(t, a, SMALL, F_STACK, OP_FREE))
FAULT_CASE(free_static_data, OSMEM_FAULT_FOREIGN_POINTER, false,
	   row_foreign(t, a, SMALL, F_DATA, OP_FREE))
FAULT_CASE(free_text_address, OSMEM_FAULT_FOREIGN_POINTER, false,
	   row_foreign(t, a, SMALL, F_TEXT, OP_FREE))
FAULT_CASE(free_address_one, OSMEM_FAULT_FOREIGN_POINTER, false,
	   row_foreign(t, a, SMALL, F_ONE, OP_FREE))
FAULT_CASE(free_unmapped_address, OSMEM_FAULT_FOREIGN_POINTER, false,
	   row_foreign(t, a, SMALL, F_UNMAPPED, OP_FREE))
FAULT_CASE(free_stack_address_large_heap, OSMEM_FAULT_FOREIGN_POINTER, true,
	   row_foreign(t, a, LARGE, F_STACK, OP_FREE))
FAULT_CASE(free_unmapped_address_large_heap, OSMEM_FAULT_FOREIGN_POINTER, true,
	   row_foreign(t, a, LARGE, F_UNMAPPED, OP_FREE))
FAULT_CASE(realloc_stack_address, OSMEM_FAULT_FOREIGN_POINTER, false,
	   row_foreign(t, a, SMALL, F_STACK, OP_REALLOC))
FAULT_CASE(realloc_address_one, OSMEM_FAULT_FOREIGN_POINTER, false,
	   row_foreign(t, a, SMALL, F_ONE, OP_REALLOC))
FAULT_CASE(usable_size_stack_address, OSMEM_FAULT_FOREIGN_POINTER, false,
	   row_foreign(t, a, SMALL, F_STACK, OP_USABLE))
FAULT_CASE(usable_size_unmapped_address, OSMEM_FAULT_FOREIGN_POINTER, false,
	   row_foreign(t, a, SMALL, F_UNMAPPED, OP_USABLE))

FAULT_CASE(realloc_freed_small, OSMEM_FAULT_DOUBLE_FREE, false,
	   row_freed(t, a, SMALL, OP_REALLOC))
FAULT_CASE(realloc_freed_large, OSMEM_FAULT_DOUBLE_FREE, true,
	   row_freed(t, a, LARGE, OP_REALLOC))
FAULT_CASE(usable_size_freed_small, OSMEM_FAULT_INVALID_POINTER, false,
	   row_freed(t, a, SMALL, OP_USABLE))

FAULT_CASE(corrupt_header_free_small, OSMEM_FAULT_CORRUPT_HEADER, false,
	   row_corrupt(t, a, SMALL, OP_FREE))
FAULT_CASE(corrupt_header_free_large, OSMEM_FAULT_CORRUPT_HEADER, true,
	   row_corrupt(t, a, LARGE, OP_FREE))
FAULT_CASE(corrupt_header_realloc_small, OSMEM_FAULT_CORRUPT_HEADER, false,
	   row_corrupt(t, a, SMALL, OP_REALLOC))
FAULT_CASE(corrupt_header_realloc_large, OSMEM_FAULT_CORRUPT_HEADER, true,
	   row_corrupt(t, a, LARGE, OP_REALLOC))

/* ------------------------------------------------- classic specifics -- */

/* A free block whose header a stray write changed is caught by the pass
 * that would merge or reuse it (malloc), quarantined, and never used. */
KTEST(osmem_faults, classic_corrupt_free_block_is_not_reused)
{
	const struct osmem_allocator *a = &osmem_classic;
	struct fault_ctx c;
	char *p, *q, *x;

	if (!fault_begin(&c, t, a, SMALL, false))
		return;
	p = a->malloc(c.h, SMALL);
	q = a->malloc(c.h, SMALL);
	KASSERT_NOT_NULL(t, q);
	osmem_fill(q, SMALL, BLOCK_SEED);
	a->free(c.h, p);
	*fault_size_word(a, p) ^= 0x10;
	fault_arm(&c);
	x = a->malloc(c.h, SMALL);
	fault_expect(&c, OSMEM_FAULT_CORRUPT_HEADER, "malloc", p, 0);
	KEXPECT_PTR_NE(t, x, p);
	KEXPECT(t, osmem_verify(q, SMALL, BLOCK_SEED));
	fault_intact(&c);
	a->free(c.h, x);
	a->free(c.h, q);
	KEXPECT_EQ(t, osmem_tb_reports(), c.before + 1);
	KEXPECT_EQ(t, a->check(c.h), 0);
}

/* A header forged outside the heap (plausible size and status) is not
 * trusted: nothing is read through the pointer, nothing is written. */
KTEST(osmem_faults, classic_forged_header_on_the_stack_is_refused)
{
	const struct osmem_allocator *a = &osmem_classic;
	struct fault_ctx c;
	size_t fake[8] = { 0 };

	if (!fault_begin(&c, t, a, SMALL, false))
		return;
	fake[0] = 32;	/* size */
	fake[1] = 1;	/* status ALLOC, check 0 */
	fault_arm(&c);
	a->free(c.h, &fake[4]);
	fault_expect(&c, OSMEM_FAULT_FOREIGN_POINTER, "free", &fake[4], 0);
	KEXPECT_EQ(t, fake[0], 32);
	KEXPECT_EQ(t, fake[1], 1);
	fault_intact(&c);
	KEXPECT_EQ(t, a->check(c.h), 0);
}

/* ---------------------------------------------------------- debug mode -- */

/* One byte written past the request is caught at free; the block is kept
 * out of use, the sentinel intact. */
static void row_overflow(struct ktest *t, const struct osmem_allocator *a,
			 size_t size)
{
	struct fault_ctx c;
	char *p;

	if (!fault_begin(&c, t, a, size, true))
		return;
	osmem_tb_set_caller(CALLER_ALLOC);
	p = a->malloc(c.h, size);
	if (!KEXPECT_NOT_NULL(t, p))
		return;
	p[size] = 0x41;
	fault_arm(&c);
	a->free(c.h, p);
	fault_expect(&c, OSMEM_FAULT_REDZONE, "free", p, size);
	if (osmem_tb_report(c.before))
		KEXPECT_PTR_EQ(t, osmem_tb_report(c.before)->alloc_site, CALLER_ALLOC);
	fault_intact(&c);
	KEXPECT_PTR_NE(t, a->malloc(c.h, size), p);
	KEXPECT_EQ(t, a->check(c.h), 0);
}

/* A write into a freed block is caught when the block leaves debug
 * mode's quarantine: here the free of a block larger than the quarantine
 * can hold pushes it out. The report names where it was allocated and
 * freed; the block is never handed out again. */
static void row_write_after_free(struct ktest *t,
				 const struct osmem_allocator *a, size_t size)
{
	struct fault_ctx c;
	char *p, *x, *big;

	if (!fault_begin(&c, t, a, size, true))
		return;
	osmem_tb_set_caller(CALLER_ALLOC);
	p = a->malloc(c.h, size);
	big = a->malloc(c.h, FAST_QUARANTINE_MIN + 4096);
	if (!KEXPECT_NOT_NULL(t, p) || !KEXPECT_NOT_NULL(t, big))
		return;
	osmem_tb_set_caller(CALLER_FREE);
	a->free(c.h, p);
	p[8] = 0x41;
	fault_arm(&c);
	a->free(c.h, big);
	fault_expect(&c, OSMEM_FAULT_USE_AFTER_FREE, "free", p, size);
	x = a->malloc(c.h, size);
	if (osmem_tb_report(c.before)) {
		KEXPECT_PTR_EQ(t, osmem_tb_report(c.before)->alloc_site, CALLER_ALLOC);
		KEXPECT_PTR_EQ(t, osmem_tb_report(c.before)->free_site, CALLER_FREE);
	}
	KEXPECT_PTR_NE(t, x, p);
	fault_intact(&c);
	KEXPECT_EQ(t, a->check(c.h), 0);
}

FAULT_CASE(debug_overflow_by_one_byte_small, OSMEM_FAULT_REDZONE, false,
	   row_overflow(t, a, 24))
FAULT_CASE(debug_write_after_free_small, OSMEM_FAULT_USE_AFTER_FREE, false,
	   row_write_after_free(t, a, SMALL))
