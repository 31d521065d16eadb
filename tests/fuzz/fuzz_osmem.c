/* SPDX-License-Identifier: MIT */
/*
 * fuzz_osmem: libFuzzer's entry point for the allocators of mm/osmem/.
 *
 * Each input is one short program for one allocator:
 *
 *   byte 0        bit 0: the allocator (0 classic, 1 fast)
 *   then ops      one opcode byte (taken mod 32, see fuzz_ops[]) and its
 *                 argument bytes; a missing byte reads as 0. At most
 *                 FUZZ_MAX_OPS ops run.
 *
 * Ops: malloc, calloc, realloc (grow, shrink, from NULL, to 0), memalign
 * (powers of two up to 1 MiB, and bad ones: 0, not a power of two,
 * beyond the address space), free, usable_size, requests that cannot be
 * met (sizes of 2^47 and up, calloc products that overflow), failures
 * injected into the backend (fail call number ncalls+k, or every call from
 * now on until a "recover" op), and a full content check. Blocks live in
 * FUZZ_SLOTS slots named by the input (fuzz_shadow.h).
 *
 * Every input starts a fresh heap: a new test backend over the same arena
 * (tests/fuzz/fuzz_backend.h), then init(). After every op:
 *   - the block an op returned is aligned (8 classic, 16 fast, memalign's
 *     alignment), usable_size >= the request, it overlaps no live block,
 *     calloc's bytes are zero; the fuzzer then writes its pattern over all
 *     usable bytes;
 *   - realloc kept min(old, new) bytes; a failed realloc left the block
 *     live, intact and its usable size unchanged (classic may grow it:
 *     fuzz_allocs[]); every usable byte of a block is intact when it is
 *     freed or reallocated;
 *   - a request that cannot be met gave NULL, a bad alignment NULL; a
 *     request that could be met gave NULL only when a backend call failed
 *     during it (size 0 and unsupported alignments may give NULL);
 *   - check() passes, the lock is free and was balanced, nothing was
 *     unmapped that was not mapped, and the allocator reported misuse
 *     only when a backend call failed;
 *   - walk() shows each live block once with its usable size, no other
 *     used block, and no free block over a live one.
 * At the end every block is checked and freed; if no backend call failed in
 * the whole input, nothing may be left in use or mapped.
 *
 * A failed check prints "fuzz-osmem: FAILED [check] ..." on stderr and
 * traps, so libFuzzer saves the input as a crash-* file. Run the binary on
 * that file to replay it; FUZZ_OSMEM_TRACE=1 prints every op as it runs.
 */
#include "mm/osmem/allocator.h"
#include "mm/osmem/tests/backend_test.h"
#include "tests/fuzz/fuzz_backend.h"
#include "tests/fuzz/fuzz_shadow.h"
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define FUZZ_MAX_OPS    2000
/* Pattern bytes written per input before large sizes are cut down: keeps
 * one input well under a second. */
#define FUZZ_FILL_BUDGET ((size_t)8 << 20)
/* Nothing this large fits in a 47-bit user address space. */
#define FUZZ_IMPOSSIBLE ((size_t)1 << 47)

struct fuzz_alloc {
	const struct osmem_allocator *a;
	size_t min_align;      /* every payload's */
	size_t max_align;      /* memalign serves up to this (NULL above) */
	/* A realloc that fails may leave the block larger: classic, like the
	 * course's reference, keeps the free neighbours it absorbed before
	 * its move to a new block failed (classic_grow_in_place). The contents
	 * must still be intact, and usable_size never shrinks. */
	int failed_realloc_may_grow;
};

static const struct fuzz_alloc fuzz_allocs[2] = {
	{ &osmem_classic, 8, 8, 1 },
	{ &osmem_fast, 16, (size_t)1 << 20, 0 },
};

static struct osmem_heap_space fuzz_space;

/* The input being decoded. */
struct fuzz_in {
	const uint8_t *d;
	size_t n, pos;
};

static struct {
	const struct fuzz_alloc *fa;
	const struct osmem_allocator *a;
	struct osmem_heap *h;
	unsigned op;            /* number of the running op, from 1 */
	const char *opname;
	unsigned failed_before; /* backend failures before this op */
	unsigned reports_before;
	size_t filled;          /* pattern bytes written in this input */
	uint64_t next_seed;
	int trace;
	unsigned long inputs[2], ops;
} fz;

static uint8_t in_byte(struct fuzz_in *in)
{
	return in->pos < in->n ? in->d[in->pos++] : 0;
}

static uint16_t in_u16(struct fuzz_in *in)
{
	uint16_t lo = in_byte(in);

	return (uint16_t)(lo | (uint16_t)in_byte(in) << 8);
}

/* ------------------------------------------------------------ failing -- */

__attribute__((noreturn, format(printf, 2, 3)))
static void fuzz_fail(const char *check, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "fuzz-osmem: FAILED [%s] %s allocator, op %u (%s): ",
		check, fz.a->name, fz.op, fz.opname ? fz.opname : "-");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (osmem_tb_reports())
		fprintf(stderr, "fuzz-osmem: the allocator's last report: %s\n",
			osmem_tb_last_report());
	fflush(stderr);
	__builtin_trap();
}

__attribute__((format(printf, 1, 2)))
static void fuzz_trace(const char *fmt, ...)
{
	va_list ap;

	if (!fz.trace)
		return;
	fprintf(stderr, "op %u %s: ", fz.op, fz.opname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static unsigned fuzz_op_failures(void)
{
	return fuzz_backend_counts().failed - fz.failed_before;
}

/* ------------------------------------------------------------- sizes ---- */

static const size_t fuzz_edge_sizes[] = {
	4064, 4072, 4080, 4088, 4096, 8192, 65536, 131000, 131032, 131040,
	131048, 131072, 131080, 262144, (size_t)1 << 20, (size_t)4 << 20,
};
#define FUZZ_NEDGE (sizeof(fuzz_edge_sizes) / sizeof(fuzz_edge_sizes[0]))

/*
 * A size: mostly small (one byte: 0..127, two: up to 24 KiB), some around
 * the page and mapping thresholds, a few large (up to 1 MiB, mapped). Once
 * the input has written FUZZ_FILL_BUDGET bytes, sizes are cut to 4 KiB.
 */
static size_t in_size(struct fuzz_in *in)
{
	uint8_t b = in_byte(in);
	size_t n;

	if (b < 128)
		n = b;
	else if (b < 224)
		n = (size_t)(b - 128) << 8 | in_byte(in);
	else if (b < 248)
		n = fuzz_edge_sizes[(b - 224) % FUZZ_NEDGE] + (size_t)(int8_t)in_byte(in);
	else
		n = (size_t)in_u16(in) << 4;
	if (fz.filled + n > FUZZ_FILL_BUDGET)
		n &= 0xfff;
	return n;
}

static const size_t fuzz_huge_sizes[] = {
	SIZE_MAX, SIZE_MAX - 1, SIZE_MAX - 7, SIZE_MAX - 8, SIZE_MAX - 15,
	SIZE_MAX - 16, SIZE_MAX - 31, SIZE_MAX - 32, SIZE_MAX - 39,
	SIZE_MAX - 40, SIZE_MAX - 47, SIZE_MAX - 4095, SIZE_MAX - 4096,
	SIZE_MAX - 131072, (size_t)PTRDIFF_MAX, (size_t)PTRDIFF_MAX + 1,
	(size_t)1 << 62, (size_t)1 << 52, (size_t)1 << 48, FUZZ_IMPOSSIBLE,
};
#define FUZZ_NHUGE (sizeof(fuzz_huge_sizes) / sizeof(fuzz_huge_sizes[0]))

/* A size no allocator can serve: one of the table, maybe a bit less. */
static size_t in_huge_size(struct fuzz_in *in)
{
	uint8_t b = in_byte(in);
	size_t n = fuzz_huge_sizes[b % FUZZ_NHUGE];

	if (b >= 128 && n > FUZZ_IMPOSSIBLE + 255)
		n -= in_byte(in);
	return n;
}

static const size_t fuzz_bad_aligns[] = {
	0, 3, 6, 12, 24, 48, 100, 4097, 65535, SIZE_MAX, SIZE_MAX - 1,
	(size_t)1 << 47, (size_t)1 << 63, ((size_t)1 << 63) + 1, (size_t)3 << 20,
};
#define FUZZ_NBADALIGN (sizeof(fuzz_bad_aligns) / sizeof(fuzz_bad_aligns[0]))

/* An alignment: a power of two up to 1 MiB, or (1 in 5) a bad one. */
static size_t in_align(struct fuzz_in *in)
{
	uint8_t b = in_byte(in);

	if (b < 205)
		return (size_t)1 << (b % 21);
	return fuzz_bad_aligns[(b - 205) % FUZZ_NBADALIGN];
}

static int fuzz_align_ok(size_t align)
{
	return align != 0 && (align & (align - 1)) == 0 && align < FUZZ_IMPOSSIBLE;
}

/* ------------------------------------------------------------ blocks ---- */

/* A NULL for a request the allocator could have served must come from a
 * backend call that failed. Size 0 may give NULL (classic does). */
static void fuzz_null_explained(size_t size, const char *what)
{
	if (size == 0 || size >= FUZZ_IMPOSSIBLE || fuzz_op_failures())
		return;
	fuzz_fail("unexplained-null",
		  "%s of %zu bytes returned NULL, but no backend call failed",
		  what, size);
}

static void fuzz_verify(const struct fuzz_block *b, const char *check)
{
	size_t off = shadow_check(b, 0, b->usable);

	if (off == SIZE_MAX)
		return;
	fuzz_fail(check, "block %p (%zu bytes asked, %zu usable): byte %zu is "
		  "%#x, want %#x", (void *)b->p, b->req, b->usable, off,
		  b->p[off], shadow_byte(b->seed, off));
}

/*
 * Block p (req bytes asked, align requested) goes into slot b, whose seed
 * is already set; its first `keep` bytes already hold b's pattern (a
 * realloc), the rest gets it now.
 */
static void fuzz_take(struct fuzz_block *b, void *p, size_t req, size_t align,
		      size_t keep)
{
	size_t usable = fz.a->usable_size(fz.h, p);
	struct fuzz_block *o;

	if ((uintptr_t)p % fz.fa->min_align || (uintptr_t)p % align)
		fuzz_fail("alignment", "%p for %zu bytes is not %zu-aligned", p,
			  req, align > fz.fa->min_align ? align : fz.fa->min_align);
	if (usable < req)
		fuzz_fail("usable-size", "%p: usable_size %zu < %zu asked", p,
			  usable, req);
	b->p = p;
	b->req = req;
	b->usable = usable;
	o = shadow_insert(b);
	if (o)
		fuzz_fail("overlap", "new block %p (%zu usable) overlaps live "
			  "block %p (%zu usable)", p, usable, (void *)o->p,
			  o->usable);
	shadow_fill(b, keep, usable - keep);
	fz.filled += usable - keep;
}

static uint64_t fuzz_seed(void)
{
	return ++fz.next_seed;
}

/* Check and free the block in slot b. */
static void fuzz_release(struct fuzz_block *b)
{
	fuzz_verify(b, "content");
	shadow_remove(b);
	fz.a->free(fz.h, b->p);
}

/* After a failed realloc: b intact, and its usable size as before (or, if
 * the allocator may do that, larger: the model then takes the new size). */
static void fuzz_realloc_failed(struct fuzz_block *b)
{
	size_t old = b->usable, now;

	fuzz_verify(b, "realloc-failed-content");
	now = fz.a->usable_size(fz.h, b->p);
	if (now == old)
		return;
	if (now < old || !fz.fa->failed_realloc_may_grow)
		fuzz_fail("realloc-failed-usable", "failed realloc changed the "
			  "usable size of %p from %zu to %zu", (void *)b->p, old, now);
	shadow_remove(b);
	fuzz_take(b, b->p, b->req, 1, old);
}

/* realloc's outcome for slot b (live, checked before the call). */
static void fuzz_realloc_result(struct fuzz_block *b, void *q, size_t size)
{
	struct fuzz_block old = *b;
	size_t keep = old.req < size ? old.req : size, off;

	if (!q) {
		if (size == 0) {        /* realloc(p, 0) freed p */
			shadow_remove(b);
			return;
		}
		fuzz_null_explained(size, "realloc");
		fuzz_realloc_failed(b);
		return;
	}
	shadow_remove(b);
	old.p = q;
	off = shadow_check(&old, 0, keep);
	if (off != SIZE_MAX)
		fuzz_fail("realloc-content", "realloc(%p, %zu) = %p (was %zu bytes): "
			  "byte %zu of the %zu kept is %#x, want %#x",
			  (void *)b->p, size, q, b->req, off, keep,
			  ((unsigned char *)q)[off], shadow_byte(old.seed, off));
	fuzz_take(b, q, size, 1, keep);
}

/* ---------------------------------------------------------------- ops ---- */

static void op_malloc(struct fuzz_in *in)
{
	struct fuzz_block *b = shadow_slot(in_byte(in));
	size_t size = in_size(in);
	void *p;

	if (b->live)
		fuzz_release(b);
	p = fz.a->malloc(fz.h, size);
	fuzz_trace("malloc(%zu) = %p", size, p);
	if (!p) {
		fuzz_null_explained(size, "malloc");
		return;
	}
	b->seed = fuzz_seed();
	fuzz_take(b, p, size, 1, 0);
}

static void op_calloc(struct fuzz_in *in)
{
	struct fuzz_block *b = shadow_slot(in_byte(in));
	size_t nmemb = 1 + (in_byte(in) & 15), size = in_size(in) / nmemb;
	unsigned char *p;

	if (b->live)
		fuzz_release(b);
	p = fz.a->calloc(fz.h, nmemb, size);
	fuzz_trace("calloc(%zu, %zu) = %p", nmemb, size, (void *)p);
	if (!p) {
		fuzz_null_explained(nmemb * size, "calloc");
		return;
	}
	for (size_t i = 0; i < nmemb * size; i++)
		if (p[i])
			fuzz_fail("calloc-zero", "calloc(%zu, %zu) = %p: byte %zu is %#x",
				  nmemb, size, (void *)p, i, p[i]);
	b->seed = 0;
	fuzz_take(b, p, nmemb * size, 1, 0);
}

static void op_realloc(struct fuzz_in *in, int to_zero)
{
	struct fuzz_block *b = shadow_slot(in_byte(in));
	size_t size = to_zero ? 0 : in_size(in);
	void *q;

	if (!b->live) {
		q = fz.a->realloc(fz.h, NULL, size);
		fuzz_trace("realloc(NULL, %zu) = %p", size, q);
		if (!q) {
			fuzz_null_explained(size, "realloc(NULL)");
			return;
		}
		b->seed = fuzz_seed();
		fuzz_take(b, q, size, 1, 0);
		return;
	}
	fuzz_verify(b, "content");
	q = fz.a->realloc(fz.h, b->p, size);
	fuzz_trace("realloc(%p [%zu], %zu) = %p", (void *)b->p, b->req, size, q);
	fuzz_realloc_result(b, q, size);
}

static void op_memalign(struct fuzz_in *in)
{
	struct fuzz_block *b = shadow_slot(in_byte(in));
	size_t align = in_align(in), size = in_size(in);
	void *p;

	if (b->live)
		fuzz_release(b);
	p = fz.a->memalign(fz.h, align, size);
	fuzz_trace("memalign(%#zx, %zu) = %p", align, size, p);
	if (!fuzz_align_ok(align)) {
		if (p)
			fuzz_fail("bad-alignment", "memalign(%#zx, %zu) = %p, want NULL",
				  align, size, p);
		return;
	}
	if (!p) {
		if (align <= fz.fa->max_align)
			fuzz_null_explained(size, "memalign");
		return;
	}
	b->seed = fuzz_seed();
	fuzz_take(b, p, size, align, 0);
}

static void op_free(struct fuzz_in *in)
{
	struct fuzz_block *b = shadow_slot(in_byte(in));

	fuzz_trace("free(%p)", b->live ? (void *)b->p : NULL);
	if (b->live)
		fuzz_release(b);
	else
		fz.a->free(fz.h, NULL);
}

static void op_usable(struct fuzz_in *in)
{
	struct fuzz_block *b = shadow_slot(in_byte(in));
	size_t n = fz.a->usable_size(fz.h, b->live ? b->p : NULL);

	fuzz_trace("usable_size(%p) = %zu", b->live ? (void *)b->p : NULL, n);
	if (!b->live && n != 0)
		fuzz_fail("usable-size", "usable_size(NULL) = %zu, want 0", n);
	if (b->live && n != b->usable)
		fuzz_fail("usable-size", "usable_size(%p) = %zu, was %zu when the "
			  "block was taken", (void *)b->p, n, b->usable);
}

static void fuzz_want_null(void *p, const char *what, size_t x, size_t y)
{
	fuzz_trace("%s(%#zx, %#zx) = %p", what, x, y, p);
	if (p)
		fuzz_fail("impossible-size", "%s(%#zx, %#zx) = %p, want NULL",
			  what, x, y, p);
}

/* calloc factors whose product overflows size_t. */
static void in_overflow(struct fuzz_in *in, size_t *nmemb, size_t *size)
{
	static const size_t small[] = {
		2, 3, 16, 4096, 65537, (size_t)1 << 32, SIZE_MAX,
	};
	uint8_t b = in_byte(in);
	size_t x = small[b % (sizeof(small) / sizeof(small[0]))];
	/* x * (SIZE_MAX / x + 1) > SIZE_MAX; adding up to 255 cannot wrap. */
	size_t y = SIZE_MAX / x + 1 + in_byte(in);

	*nmemb = b & 0x80 ? y : x;
	*size = b & 0x80 ? x : y;
}

/* calloc factors with a product that fits but is >= 2^47. */
static void in_huge_product(struct fuzz_in *in, size_t *nmemb, size_t *size)
{
	unsigned k = 16 + in_byte(in) % 16;

	*nmemb = (size_t)1 << k;
	*size = (FUZZ_IMPOSSIBLE >> k) + in_byte(in);
}

static void op_impossible(struct fuzz_in *in)
{
	uint8_t kind = in_byte(in) % 5;
	struct fuzz_block *b;
	size_t x, y;

	switch (kind) {
	case 0:
		x = in_huge_size(in);
		fuzz_want_null(fz.a->malloc(fz.h, x), "malloc", x, 0);
		break;
	case 1:
		in_overflow(in, &x, &y);
		fuzz_want_null(fz.a->calloc(fz.h, x, y), "calloc", x, y);
		break;
	case 2:
		in_huge_product(in, &x, &y);
		fuzz_want_null(fz.a->calloc(fz.h, x, y), "calloc", x, y);
		break;
	case 3:
		b = shadow_slot(in_byte(in));
		x = in_huge_size(in);
		if (b->live)
			fuzz_verify(b, "content");
		fuzz_want_null(fz.a->realloc(fz.h, b->live ? b->p : NULL, x),
			       "realloc", (size_t)(b->live ? b->p : NULL), x);
		if (b->live)
			fuzz_realloc_failed(b);
		break;
	default:
		x = (size_t)1 << (in_byte(in) % 13);
		y = in_huge_size(in);
		fuzz_want_null(fz.a->memalign(fz.h, x, y), "memalign", x, y);
		break;
	}
}

static void op_fail_next(struct fuzz_in *in)
{
	unsigned n = osmem_tb_ncalls() + 1 + in_byte(in) % 8;

	fuzz_trace("backend call %u will fail", n);
	osmem_tb_fail_at(n);
}

static void op_outage(struct fuzz_in *in)
{
	unsigned n = osmem_tb_ncalls() + 1 + in_byte(in) % 4;

	fuzz_trace("every backend call from %u on fails", n);
	osmem_tb_fail_from(n);
}

static void op_recover(struct fuzz_in *in)
{
	(void)in;
	fuzz_trace("backend calls succeed again");
	osmem_tb_fail_none();
}

static void op_verify_all(struct fuzz_in *in)
{
	(void)in;
	fuzz_trace("%u live blocks", shadow_live());
	for (unsigned i = 0; i < shadow_live(); i++)
		fuzz_verify(shadow_sorted(i), "content");
}

struct fuzz_op {
	const char *name;
	void (*fn)(struct fuzz_in *in);
};

static void op_realloc_size(struct fuzz_in *in)
{
	op_realloc(in, 0);
}

static void op_realloc_zero(struct fuzz_in *in)
{
	op_realloc(in, 1);
}

/* 32 entries: the opcode byte mod 32 picks one; frequent ops repeat. */
static const struct fuzz_op fuzz_ops[32] = {
	{ "malloc", op_malloc }, { "malloc", op_malloc },
	{ "malloc", op_malloc }, { "malloc", op_malloc },
	{ "malloc", op_malloc }, { "malloc", op_malloc },
	{ "free", op_free }, { "free", op_free }, { "free", op_free },
	{ "free", op_free }, { "free", op_free }, { "free", op_free },
	{ "realloc", op_realloc_size }, { "realloc", op_realloc_size },
	{ "realloc", op_realloc_size }, { "realloc", op_realloc_size },
	{ "realloc", op_realloc_size },
	{ "calloc", op_calloc }, { "calloc", op_calloc }, { "calloc", op_calloc },
	{ "memalign", op_memalign }, { "memalign", op_memalign },
	{ "memalign", op_memalign },
	{ "realloc-0", op_realloc_zero },
	{ "usable_size", op_usable },
	{ "impossible", op_impossible }, { "impossible", op_impossible },
	{ "fail-next", op_fail_next }, { "fail-next", op_fail_next },
	{ "outage", op_outage },
	{ "recover", op_recover },
	{ "verify-all", op_verify_all },
};

/* ------------------------------------------------------ heap-wide checks -- */

struct fuzz_walk {
	unsigned seen;            /* live blocks found */
	const char *bad;          /* the first problem, if any */
	void *bad_p;
	size_t bad_size;
	int extra_maps_ok;        /* an unmap failed: a mapping may linger */
};

static void fuzz_walk_one(void *payload, size_t size, enum osmem_block_kind kind,
			  void *arg)
{
	struct fuzz_walk *w = arg;
	struct fuzz_block *b;
	const char *bad = NULL;

	if (kind == OSMEM_BLOCK_FREE) {
		if (shadow_overlap(payload, size))
			bad = "a free block overlaps a live one";
	} else if (!(b = shadow_find(payload))) {
		if (!(kind == OSMEM_BLOCK_MAPPED && w->extra_maps_ok))
			bad = "a used block the fuzzer does not hold";
	} else if (size != b->usable) {
		bad = "a live block's size differs from its usable size";
	} else {
		w->seen++;
	}
	if (bad && !w->bad) {
		w->bad = bad;
		w->bad_p = payload;
		w->bad_size = size;
	}
}

static void fuzz_check_walk(void)
{
	struct fuzz_walk w = { 0, NULL, NULL, 0, 0 };

	w.extra_maps_ok = fuzz_backend_counts().unmap_failed > 0;
	fz.a->walk(fz.h, fuzz_walk_one, &w);
	if (w.bad)
		fuzz_fail("walk", "%s: %p (%zu bytes)", w.bad, w.bad_p, w.bad_size);
	if (w.seen != shadow_live())
		fuzz_fail("walk", "walk() showed %u of the %u live blocks",
			  w.seen, shadow_live());
}

static void fuzz_after_op(void)
{
	if (fz.a->check(fz.h) != 0)
		fuzz_fail("heap-check", "check() failed: %s", osmem_tb_last_report());
	if (osmem_tb_lock_held() || osmem_tb_lock_errors())
		fuzz_fail("lock", "lock held %d, lock errors %u",
			  osmem_tb_lock_held(), osmem_tb_lock_errors());
	if (osmem_tb_bad_unmaps())
		fuzz_fail("bad-unmap", "%u unmaps of ranges never mapped",
			  osmem_tb_bad_unmaps());
	if (osmem_tb_reports() != fz.reports_before && !fuzz_op_failures())
		fuzz_fail("report", "the allocator reported misuse: %s",
			  osmem_tb_last_report());
	fuzz_check_walk();
}

/* Free everything; with no backend failure, nothing may remain. */
static void fuzz_finish(void)
{
	struct osmem_stats st;

	fz.opname = "finish";
	fz.failed_before = fuzz_backend_counts().failed;
	fz.reports_before = osmem_tb_reports();
	for (unsigned i = 0; i < FUZZ_SLOTS; i++)
		if (shadow_slot(i)->live)
			fuzz_release(shadow_slot(i));
	fuzz_after_op();
	if (fuzz_backend_counts().failed)
		return;
	fz.a->stats(fz.h, &st);
	if (st.blocks_in_use || st.bytes_in_use || st.mapped_blocks ||
	    st.mapped_bytes || osmem_tb_live_maps())
		fuzz_fail("leak", "all freed, yet %zu blocks (%zu bytes) in use, "
			  "%zu mapped (%zu bytes), %zu live backend mappings",
			  st.blocks_in_use, st.bytes_in_use, st.mapped_blocks,
			  st.mapped_bytes, osmem_tb_live_maps());
}

/* ------------------------------------------------------------- libFuzzer -- */

static void fuzz_print_stats(void)
{
	fprintf(stderr, "fuzz-osmem: inputs classic=%lu fast=%lu, ops=%lu\n",
		fz.inputs[0], fz.inputs[1], fz.ops);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fz.trace = getenv("FUZZ_OSMEM_TRACE") != NULL;
	if (getenv("FUZZ_OSMEM_STATS"))
		atexit(fuzz_print_stats);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size, 0 };
	const struct osmem_backend *be;
	unsigned which;

	if (size == 0)
		return 0;
	which = in_byte(&in) & 1;
	fz.fa = &fuzz_allocs[which];
	fz.a = fz.fa->a;
	fz.h = OSMEM_HEAP(&fuzz_space);
	fz.op = 0;
	fz.opname = "init";
	fz.filled = 0;
	fz.next_seed = 0;
	fz.inputs[which]++;
	be = fuzz_backend_init();
	if (!be)
		fuzz_fail("setup", "the test backend has no arena");
	shadow_reset();
	fz.a->init(fz.h, be);
	if (osmem_tb_ncalls())
		fuzz_fail("init", "init() made %u backend calls", osmem_tb_ncalls());
	fuzz_trace("%s allocator", fz.a->name);
	while (in.pos < in.n && fz.op < FUZZ_MAX_OPS) {
		const struct fuzz_op *op = &fuzz_ops[in_byte(&in) % 32];

		fz.op++;
		fz.ops++;
		fz.opname = op->name;
		fz.failed_before = fuzz_backend_counts().failed;
		fz.reports_before = osmem_tb_reports();
		op->fn(&in);
		fuzz_after_op();
	}
	fuzz_finish();
	return 0;
}
