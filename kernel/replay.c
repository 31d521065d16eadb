/* SPDX-License-Identifier: MIT */
/*
 * kreplay: a trace replayed on the kernel heap (contract: kernel/replay.h).
 *
 * State of one replay (struct kr_run): the trace, the id table (one
 * struct kr_block per id, then one state byte per id, in one vm_map
 * mapping), the running totals and the first error. Invariants during
 * pass 3: state[id] is TRACE_LIVE exactly for the blocks replayed and not
 * yet freed; blk[id] then holds the pointer kmalloc & co. returned (NULL
 * only for a 0-byte block), the size asked for and the block's seed, and
 * bytes [0, size) hold trace_byte(seed, offset).
 */
#include "kernel/replay.h"
#include "libk/cpu.h"
#include "libk/printf.h"
#include "libk/string.h"
#include "mm/kmalloc.h"
#include "mm/layout.h"
#include "mm/osmem/trace.h"
#include "mm/pmm.h"
#include "mm/vmap.h"

/*
 * The memory a replay may need beyond its peak live bytes: the host replay
 * measured footprints of 1.02x to 1.27x the live bytes, page rounding of
 * mappings included, so a quarter more plus a fixed reserve for the heap's
 * step growth and page tables.
 */
#define KR_MARGIN_DIV	4
#define KR_RESERVE	(2UL << 20)

struct kr_block {
	char *p;
	uint64_t size;
	uint64_t seed;
};

struct kr_run {
	const char *name;
	const char *text;
	size_t len;
	struct kreplay_result *r;
	struct kr_block *blk;
	unsigned char *state;
	size_t table_bytes;
	size_t align;		/* what every kmalloc result is aligned to */
	size_t ncalls;		/* how many calls pass 3 replays */
	uint64_t live;
	struct osmem_stats start;
};

/* ---------------------------------------------------------- errors ---- */

static void kr_error(struct kr_run *k, size_t call, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Count an error; keep the first one's text ("NAME: call N: ..."). */
static void kr_error(struct kr_run *k, size_t call, const char *fmt, ...)
{
	struct kreplay_result *r = k->r;
	va_list ap;
	int n;

	if (r->errors++)
		return;
	n = snprintf(r->first_error, sizeof(r->first_error), "%s: call %zu: ",
		     k->name, call + 1);
	if (n < 0 || (size_t)n >= sizeof(r->first_error))
		return;
	va_start(ap, fmt);
	vsnprintf(r->first_error + n, sizeof(r->first_error) - (size_t)n, fmt,
		  ap);
	va_end(ap);
}

static void kr_check_bytes(struct kr_run *k, size_t call, uint32_t id,
			   const char *p, const struct kr_block *b,
			   uint64_t upto, const char *when)
{
	uint64_t bad = trace_verify(p, b->seed, 0, upto, 0);

	if (bad != UINT64_MAX)
		kr_error(k, call, "block %u (%llu bytes at %p) %s: byte %llu is "
			 "0x%02x, want 0x%02x", id,
			 (unsigned long long)b->size, (const void *)p, when,
			 (unsigned long long)bad, (unsigned char)p[bad],
			 trace_byte(b->seed, bad));
}

static void kr_heap_check(struct kr_run *k, size_t call)
{
	k->r->checks++;
	if (kmalloc_allocator()->check(kmalloc_heap_instance()) != 0)
		kr_error(k, call, "the heap checker failed");
}

static void kr_stats(struct osmem_stats *st)
{
	kmalloc_allocator()->stats(kmalloc_heap_instance(), st);
}

static void kr_sample_foot(struct kr_run *k)
{
	struct osmem_stats st;

	kr_stats(&st);
	if (st.heap_bytes + st.mapped_bytes > k->r->peak_foot)
		k->r->peak_foot = st.heap_bytes + st.mapped_bytes;
}

/* ------------------------------------------------------ the replay ---- */

/* The kmalloc family, timed. */
static void *kr_call(struct kr_run *k, const struct trace_op *o, void *old)
{
	uint64_t t0 = rdtsc();
	void *p;

	switch (o->kind) {
	case TRACE_MALLOC:
		p = kmalloc(o->size);
		break;
	case TRACE_CALLOC:
		p = kcalloc(o->arg, o->elem);
		break;
	case TRACE_ALIGNED:
		p = kmalloc_aligned(o->size, o->arg);
		break;
	case TRACE_REALLOC:
		p = krealloc(old, o->size);
		break;
	default:
		kfree(old);
		p = NULL;
		break;
	}
	k->r->alloc_cycles += rdtsc() - t0;
	return p;
}

/* Block o->id arrived at p: check it, record it, pattern its bytes from
 * `kept` on. Returns -1 when the replay cannot go on. */
static int kr_new_block(struct kr_run *k, size_t call,
			const struct trace_op *o, char *p, uint64_t seed,
			uint64_t kept)
{
	struct kr_block *b = &k->blk[o->id];
	size_t align = k->align;
	uint64_t bad;

	if (!p && o->size) {
		kr_error(k, call, "%c of %llu bytes returned NULL", o->kind,
			 (unsigned long long)o->size);
		return -1;
	}
	if (o->kind == TRACE_ALIGNED && o->arg > align)
		align = o->arg;
	if ((uintptr_t)p & (align - 1))
		kr_error(k, call, "block %u at %p is not %zu-aligned", o->id,
			 (void *)p, align);
	if (p && ksize(p) < o->size)
		kr_error(k, call, "block %u: ksize %zu < %llu asked", o->id,
			 ksize(p), (unsigned long long)o->size);
	if (p && o->kind == TRACE_CALLOC &&
	    (bad = trace_verify(p, 0, 0, o->size, 1)) != UINT64_MAX)
		kr_error(k, call, "kcalloc block %u: byte %llu is 0x%02x, not 0",
			 o->id, (unsigned long long)bad, (unsigned char)p[bad]);
	b->p = p;
	b->size = o->size;
	b->seed = seed;
	k->state[o->id] = TRACE_LIVE;
	if (p)
		trace_fill(p, seed, kept, o->size);
	k->live += o->size;
	kr_sample_foot(k);
	return 0;
}

static void kr_free_block(struct kr_run *k, size_t call, uint32_t id)
{
	struct kr_block *b = &k->blk[id];

	if (b->p)
		kr_check_bytes(k, call, id, b->p, b, b->size, "before free");
	kr_call(k, &(struct trace_op){ .kind = TRACE_FREE }, b->p);
	k->state[id] = TRACE_DEAD;
	k->live -= b->size;
}

static int kr_realloc(struct kr_run *k, size_t call, const struct trace_op *o)
{
	struct kr_block old = k->blk[o->old];
	uint64_t kept = old.size < o->size ? old.size : o->size;
	char *p;

	if (old.p)
		kr_check_bytes(k, call, o->old, old.p, &old, old.size,
			       "before realloc");
	p = kr_call(k, o, old.p);
	if (!p && o->size) {
		/* C's realloc: the old block is still live; the end frees it. */
		kr_error(k, call, "krealloc of block %u to %llu bytes returned "
			 "NULL", o->old, (unsigned long long)o->size);
		return -1;
	}
	k->state[o->old] = TRACE_DEAD;
	k->live -= old.size;
	if (p)
		kr_check_bytes(k, call, o->id, p, &old, kept, "after realloc");
	return kr_new_block(k, call, o, p, old.seed, kept);
}

static int kr_step(struct kr_run *k, size_t call, const struct trace_op *o)
{
	if (o->kind == TRACE_FREE) {
		kr_free_block(k, call, o->id);
		return 0;
	}
	if (o->kind == TRACE_REALLOC && o->old != TRACE_NO_ID)
		return kr_realloc(k, call, o);
	return kr_new_block(k, call, o, kr_call(k, o, NULL), trace_seed(o->id), 0);
}

/* What a buggy allocator handing out overlapping blocks would do. */
static void kr_spoil(struct kr_run *k, const struct trace_op *o)
{
	struct kr_block *b = &k->blk[o->id];

	if (o->kind != TRACE_FREE && b->p && b->size)
		b->p[b->size - 1] ^= 0x5a;
}

/* Pass 3: replay the first k->ncalls calls (set by pass 2); sets
 * r->calls to the number replayed. */
static void kr_replay(struct kr_run *k)
{
	struct kreplay_result *r = k->r;
	struct trace_reader rd;
	struct trace_op o;
	uint64_t t0 = rdtsc();
	size_t i;

	memset(k->state, 0, r->ids);
	trace_reader_init(&rd, k->text, k->len);
	for (i = 0; i < k->ncalls && trace_next(&rd, &o) == 1; i++) {
		if (kr_step(k, i, &o) < 0) {
			i++;
			break;
		}
		if (i + 1 == r->corrupt_at)
			kr_spoil(k, &o);
		if (i % KREPLAY_CHECK_EVERY == KREPLAY_CHECK_EVERY - 1)
			kr_heap_check(k, i);
		/* Between batches: the caller may stop the replay here (the
		 * shell's Ctrl-C); the final frees still run. */
		if (r->stop && i % KREPLAY_STOP_EVERY == KREPLAY_STOP_EVERY - 1 &&
		    r->stop()) {
			r->stopped = 1;
			i++;
			break;
		}
	}
	r->calls = i;
	r->replay_cycles = rdtsc() - t0;
}

/* Free what is still live; the heap must then be as it was. */
static void kr_finish(struct kr_run *k)
{
	struct kreplay_result *r = k->r;
	struct osmem_stats end;

	for (size_t id = 0; id < r->ids; id++)
		if (k->state[id] == TRACE_LIVE)
			kr_free_block(k, r->calls, (uint32_t)id);
	kr_heap_check(k, r->calls);
	kr_stats(&end);
	if (end.bytes_in_use != k->start.bytes_in_use ||
	    end.blocks_in_use != k->start.blocks_in_use ||
	    end.mapped_blocks != k->start.mapped_blocks ||
	    end.mapped_bytes != k->start.mapped_bytes)
		kr_error(k, r->calls, "after the final frees the heap holds %zu "
			 "blocks (%zu bytes) and %zu mappings (%zu bytes), "
			 "not %zu (%zu), %zu (%zu) as before",
			 end.blocks_in_use, end.bytes_in_use, end.mapped_blocks,
			 end.mapped_bytes, k->start.blocks_in_use,
			 k->start.bytes_in_use, k->start.mapped_blocks,
			 k->start.mapped_bytes);
	r->heap_extend_calls = end.heap_extend_calls - k->start.heap_extend_calls;
	r->map_calls = end.map_calls - k->start.map_calls;
	r->unmap_calls = end.unmap_calls - k->start.unmap_calls;
}

/* ------------------------------------------------- passes 1 and 2 ---- */

static int kr_refuse(struct kreplay_result *r, unsigned long line,
		     const char *why)
{
	r->line = line;
	r->why = why;
	return KREPLAY_EBADTRACE;
}

/* Pass 1: every line parses; count the calls and the ids. */
static int kr_scan(struct kr_run *k)
{
	struct kreplay_result *r = k->r;
	struct trace_reader rd;
	struct trace_op o;
	uint64_t max_id = 0;
	int rc;

	trace_reader_init(&rd, k->text, k->len);
	while ((rc = trace_next(&rd, &o)) == 1) {
		r->trace_calls++;
		if (o.id > max_id)
			max_id = o.id;
		if (o.old != TRACE_NO_ID && o.old > max_id)
			max_id = o.old;
	}
	if (rc < 0)
		return kr_refuse(r, rd.line, rd.err);
	r->ids = r->trace_calls ? (size_t)max_id + 1 : 0;
	return KREPLAY_OK;
}

/* Pass 2: the order of every call, and the peak of live bytes over the
 * calls to be replayed (sizes parked in the table); sets k->ncalls. */
static int kr_order(struct kr_run *k)
{
	struct kreplay_result *r = k->r;
	struct trace_reader rd;
	struct trace_op o;
	uint64_t live = 0;
	size_t i, calls;

	calls = r->limit && r->limit < r->trace_calls ? r->limit
						      : r->trace_calls;
	trace_reader_init(&rd, k->text, k->len);
	for (i = 0; trace_next(&rd, &o) == 1; i++) {
		const char *why = trace_track(k->state, r->ids, &o);

		if (why)
			return kr_refuse(r, rd.line, why);
		if (i >= calls)
			continue;
		if (o.kind == TRACE_FREE || o.old != TRACE_NO_ID)
			live -= k->blk[o.kind == TRACE_FREE ? o.id : o.old].size;
		if (o.kind != TRACE_FREE) {
			k->blk[o.id].size = o.size;
			live += o.size;
		}
		if (live > r->peak_live)
			r->peak_live = live;
	}
	k->ncalls = calls;
	return KREPLAY_OK;
}

static int kr_fits(struct kr_run *k)
{
	struct kreplay_result *r = k->r;

	r->need_bytes = r->peak_live + r->peak_live / KR_MARGIN_DIV + KR_RESERVE;
	r->free_bytes = pmm_free_frames() * PAGE_SIZE;
	if (r->need_bytes <= r->free_bytes)
		return KREPLAY_OK;
	r->why = "the trace's peak live bytes do not fit in free memory";
	return KREPLAY_ENOMEM;
}

static int kr_table(struct kr_run *k)
{
	size_t ids = k->r->ids;
	uint64_t flags;

	k->table_bytes = ids * (sizeof(struct kr_block) + 1);
	if (!k->table_bytes)
		return KREPLAY_OK;
	/* vmap's rule (mm/vmap.h): callers serialize, interrupts off. */
	flags = irq_save();
	k->blk = vm_map(k->table_bytes);
	irq_restore(flags);
	if (!k->blk) {
		k->r->need_bytes = k->table_bytes;
		k->r->free_bytes = pmm_free_frames() * PAGE_SIZE;
		k->r->why = "no memory for the id table";
		return KREPLAY_ENOMEM;
	}
	k->state = (unsigned char *)(k->blk + ids);
	return KREPLAY_OK;
}

int kreplay(const char *name, const char *text, size_t len,
	    struct kreplay_result *r)
{
	struct kr_run k = { .name = name, .text = text, .len = len, .r = r };
	size_t limit = r->limit, corrupt_at = r->corrupt_at;
	int (*stop)(void) = r->stop;
	int rc;

	memset(r, 0, sizeof(*r));
	r->limit = limit;
	r->corrupt_at = corrupt_at;
	r->stop = stop;
	/* The allocator's own promise: 8 bytes for classic and each of its
	 * placement policies, 16 for fast (osmem_allocator.min_align). */
	k.align = kmalloc_allocator()->min_align;

	if ((rc = kr_scan(&k)) || (rc = kr_table(&k)))
		return rc;
	if (!(rc = kr_order(&k)) && !(rc = kr_fits(&k))) {
		kr_stats(&k.start);
		r->start_foot = k.start.heap_bytes + k.start.mapped_bytes;
		r->peak_foot = r->start_foot;
		kr_replay(&k);
		kr_finish(&k);
		rc = r->errors ? KREPLAY_EFAIL : KREPLAY_OK;
	}
	if (k.table_bytes) {
		uint64_t flags = irq_save();

		vm_unmap(k.blk, k.table_bytes);
		irq_restore(flags);
	}
	return rc;
}
