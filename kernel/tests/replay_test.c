/* SPDX-License-Identifier: MIT */
/*
 * Suite replay: kreplay (kernel/replay.h) on the live kernel heap.
 *
 * First on small traces written here, whose outcome is known exactly (the
 * calls, the peak of live bytes, the first error the checker must find,
 * the line a bad trace is refused at); then on every GRUB module whose
 * command line ends in ".trace", each printed as one "# " line of figures.
 * make test boots build/ktest-replay.iso for that, which carries the
 * traces of tests/traces/ as modules (mk/kernel.mk); in an ISO without
 * them that case is skipped.
 *
 * Kernel command line: replay_limit=N replays only the first N calls of
 * each module (make test REPLAY_LIMIT=N); without it, every call.
 */
#include "kernel/cmdline.h"
#include "kernel/multiboot2.h"
#include "kernel/replay.h"
#include "libk/ktest.h"
#include "libk/printf.h"
#include "libk/string.h"
#include "mm/kmalloc.h"
#include "mm/layout.h"
#include "mm/vmap.h"

/* Every kind of call; a realloc to a page mapping and one moving back. */
static const char small_trace[] =
	"# small: every kind of call\n"
	"m 0 24\n"
	"c 1 3 40\n"
	"a 2 8 100\n"
	"r 0 3 5000\n"
	"r - 4 7\n"
	"f 1\n"
	"r 3 5 10\n"
	"m 6 200000\n"
	"r 6 7 400000\n"
	"f 4\n";
#define SMALL_CALLS 10
#define SMALL_PEAK  400117	/* after "r 6 7 400000": 100+10+7+400000 */

static struct kreplay_result res;	/* static: it carries a buffer */

static int contains(const char *s, const char *part)
{
	size_t n = strlen(part);

	for (; *s; s++)
		if (strncmp(s, part, n) == 0)
			return 1;
	return 0;
}

static size_t live_mappings(void)
{
	struct vmap_stats st;

	vmap_stats(&st);
	return st.mappings;
}

static int replay_text(const char *text, size_t limit, size_t corrupt_at)
{
	memset(&res, 0, sizeof(res));
	res.limit = limit;
	res.corrupt_at = corrupt_at;
	return kreplay("small", text, strlen(text), &res);
}

KTEST(replay, small_trace_replays_exactly)
{
	size_t maps = live_mappings();
	struct osmem_stats st;

	/* What is live before stays live: the peak footprint holds it and
	 * the replay's peak. (Not start_foot + SMALL_PEAK: the large blocks
	 * may come from free heap memory already counted, once freed
	 * mappings have raised kmalloc's mmap threshold.) */
	kmalloc_allocator()->stats(kmalloc_heap_instance(), &st);
	KEXPECT_EQ(t, replay_text(small_trace, 0, 0), KREPLAY_OK);
	KEXPECT_EQ(t, res.calls, SMALL_CALLS);
	KEXPECT_EQ(t, res.trace_calls, SMALL_CALLS);
	KEXPECT_EQ(t, res.ids, 8);
	KEXPECT_EQ(t, res.peak_live, SMALL_PEAK);
	KEXPECT_GE(t, res.peak_foot, st.bytes_in_use + st.mapped_bytes + SMALL_PEAK);
	KEXPECT_EQ(t, res.errors, 0);
	KEXPECT_GE(t, res.checks, 1);
	/* The id table went back to vmap. */
	KEXPECT_EQ(t, live_mappings(), maps);
	if (res.errors)
		ktest_note(t, "%s", res.first_error);
}

KTEST(replay, limit_replays_a_prefix)
{
	KEXPECT_EQ(t, replay_text(small_trace, 3, 0), KREPLAY_OK);
	KEXPECT_EQ(t, res.calls, 3);
	KEXPECT_EQ(t, res.trace_calls, SMALL_CALLS);
	KEXPECT_EQ(t, res.peak_live, 24 + 120 + 100);
	KEXPECT_EQ(t, res.errors, 0);
}

KTEST(replay, aligned_blocks_are_aligned)
{
	static const char text[] =
		"a 0 64 100\na 1 4096 5000\nm 2 1\na 3 65536 300000\n"
		"f 0\nr 1 4 9000\nf 2\n";

	if (kmalloc_allocator()->min_align < 16)
		KTEST_SKIP(t, "the classic allocators align to 8 bytes at most");
	KEXPECT_EQ(t, replay_text(text, 0, 0), KREPLAY_OK);
	KEXPECT_EQ(t, res.calls, 7);
	if (res.errors)
		ktest_note(t, "%s", res.first_error);
}

/* The checker can fail: call 4 made block 3 (5000 bytes); its last byte
 * flipped must be found when call 7 reallocates it. */
KTEST(replay, checker_finds_a_spoiled_byte)
{
	KEXPECT_EQ(t, replay_text(small_trace, 0, 4), KREPLAY_EFAIL);
	KEXPECT_EQ(t, res.errors, 1);
	KEXPECT(t, contains(res.first_error, "call 7: block 3 (5000 bytes"));
	KEXPECT(t, contains(res.first_error, "before realloc: byte 4999"));
	/* The replay went on and freed everything: the heap is whole. */
	KEXPECT_EQ(t, res.calls, SMALL_CALLS);
	KEXPECT_EQ(t, kmalloc_allocator()->check(kmalloc_heap_instance()), 0);
}

KTEST(replay, bad_traces_are_refused_with_the_line)
{
	size_t maps = live_mappings();

	KEXPECT_EQ(t, replay_text("# h\nm 0 1\nm 1 x\n", 0, 0),
		   KREPLAY_EBADTRACE);
	KEXPECT_EQ(t, res.line, 3);
	KEXPECT_STREQ(t, res.why, "not a number");
	KEXPECT_EQ(t, replay_text("# h\nm 0 1\nf 0\n\nf 0\n", 0, 0),
		   KREPLAY_EBADTRACE);
	KEXPECT_EQ(t, res.line, 5);
	KEXPECT_STREQ(t, res.why, "free of a block that is not live");
	KEXPECT_EQ(t, res.calls, 0);
	KEXPECT_EQ(t, live_mappings(), maps);
}

KTEST(replay, a_trace_too_big_for_memory_is_not_started)
{
	struct osmem_stats before, after;

	kmalloc_allocator()->stats(kmalloc_heap_instance(), &before);
	KEXPECT_EQ(t, replay_text("m 0 1099511627776\nf 0\n", 0, 0),
		   KREPLAY_ENOMEM);
	KEXPECT_EQ(t, res.calls, 0);
	KEXPECT_GT(t, res.need_bytes, res.free_bytes);
	kmalloc_allocator()->stats(kmalloc_heap_instance(), &after);
	KEXPECT_EQ(t, after.heap_extend_calls, before.heap_extend_calls);
	KEXPECT_EQ(t, after.map_calls, before.map_calls);
}

/* ------------------------------------------------ the GRUB modules ---- */

static int is_trace_module(const struct mb2_module *m)
{
	size_t n = strlen(m->cmdline);

	return n > 6 && strcmp(m->cmdline + n - 6, ".trace") == 0;
}

/* x.yy of a / b, for ratios printed without floating point. */
static void ratio(char *buf, size_t len, uint64_t a, uint64_t b)
{
	uint64_t h = b ? (a * 100 + b / 2) / b : 0;

	snprintf(buf, len, "%llu.%02llu", (unsigned long long)(h / 100),
		 (unsigned long long)(h % 100));
}

static void note_figures(struct ktest *t, const char *name,
			 const struct kreplay_result *r)
{
	char x[24];
	size_t calls = r->calls ? r->calls : 1;

	ratio(x, sizeof(x), r->peak_foot, r->peak_live);
	ktest_note(t, "%s: %zu calls%s, peak live %llu B, peak footprint "
		   "%zu B = %sx live (heap + mappings; %zu B before), backend "
		   "calls %zu (heap_extend %zu, map %zu, unmap %zu), %llu TCG "
		   "cycles/call in kmalloc & co. (%llu with parsing and "
		   "checks), %zu heap checks", name, r->calls,
		   r->calls < r->trace_calls ? " (a prefix)" : "",
		   (unsigned long long)r->peak_live, r->peak_foot, x,
		   r->start_foot,
		   r->heap_extend_calls + r->map_calls + r->unmap_calls,
		   r->heap_extend_calls, r->map_calls, r->unmap_calls,
		   (unsigned long long)(r->alloc_cycles / calls),
		   (unsigned long long)(r->replay_cycles / calls), r->checks);
}

/* Replay one module; returns 1 when it did not fit (skipped). */
static int replay_module(struct ktest *t, const struct mb2_module *m,
			 size_t limit)
{
	const char *text = phys_to_virt(m->start);
	int rc;

	if (m->end < m->start || !is_direct_map(text) ||
	    !is_direct_map(text + (m->end - m->start))) {
		KTEST_FAIL_(t, "%s: module at 0x%llx-0x%llx is not in the "
			    "direct map", m->cmdline,
			    (unsigned long long)m->start,
			    (unsigned long long)m->end);
		return 0;
	}
	memset(&res, 0, sizeof(res));
	res.limit = limit;
	rc = kreplay(m->cmdline, text, m->end - m->start, &res);
	if (rc == KREPLAY_ENOMEM) {
		ktest_note(t, "%s: not replayed: %s (needs about %llu KiB, "
			   "%llu KiB free)", m->cmdline, res.why,
			   (unsigned long long)(res.need_bytes >> 10),
			   (unsigned long long)(res.free_bytes >> 10));
		return 1;
	}
	if (rc == KREPLAY_EBADTRACE)
		KTEST_FAIL_(t, "%s:%lu: %s", m->cmdline, res.line, res.why);
	else if (rc != KREPLAY_OK)
		KTEST_FAIL_(t, "%s: %zu error(s), the first: %s", m->cmdline,
			    res.errors, res.first_error);
	if (rc != KREPLAY_EBADTRACE)
		note_figures(t, m->cmdline, &res);
	return 0;
}

KTEST(replay, every_trace_module_replays_verified)
{
	static char skip_why[96];
	const struct mb2_info *mb = mb2_boot_info();
	const char *lim = cmdline_get("replay_limit");
	size_t limit = lim ? strtoul(lim, NULL, 10) : 0;
	size_t traces = 0, skipped = 0;

	if (!mb)
		KTEST_SKIP(t, "no multiboot2 information");
	if (limit)
		ktest_note(t, "replay_limit=%zu: each trace replays its first "
			   "%zu calls at most", limit, limit);
	for (size_t i = 0; i < mb->module_count; i++) {
		if (!is_trace_module(&mb->modules[i]))
			continue;
		traces++;
		skipped += replay_module(t, &mb->modules[i], limit);
	}
	if (!traces)
		KTEST_SKIP(t, "no trace modules");
	if (skipped && !t->failed) {
		snprintf(skip_why, sizeof(skip_why), "%zu of %zu trace modules "
			 "do not fit in free memory", skipped, traces);
		KTEST_SKIP(t, skip_why);
	}
}

/* A trace of STOP_CALLS small allocations, made once. */
#define STOP_CALLS 3000
static char stop_trace[STOP_CALLS * 12 + 1];
static int stop_polls;

static void stop_trace_make(void)
{
	size_t off = 0;

	for (int i = 0; i < STOP_CALLS; i++)
		off += (size_t)snprintf(stop_trace + off, sizeof(stop_trace) - off,
					"m %d 16\n", i);
}

static int stop_at_first_poll(void)
{
	return ++stop_polls >= 1;
}

static int never_stop(void)
{
	stop_polls++;
	return 0;
}

/* r->stop (the shell's Ctrl-C) is asked between batches of calls: a yes
 * ends the replay after the batch, the live blocks are freed and checked
 * as at the end; a no changes nothing. */
KTEST(replay, stop_ends_the_replay_between_batches)
{
	size_t maps = live_mappings();

	stop_trace_make();
	memset(&res, 0, sizeof(res));
	res.stop = stop_at_first_poll;
	stop_polls = 0;
	KEXPECT_EQ(t, kreplay("stop", stop_trace, strlen(stop_trace), &res), KREPLAY_OK);
	KEXPECT_EQ(t, res.stopped, 1);
	KEXPECT_EQ(t, stop_polls, 1);
	KEXPECT_EQ(t, res.calls, KREPLAY_STOP_EVERY);
	KEXPECT_EQ(t, res.trace_calls, STOP_CALLS);
	KEXPECT_EQ(t, res.errors, 0);
	KEXPECT_EQ(t, live_mappings(), maps);

	memset(&res, 0, sizeof(res));
	res.stop = never_stop;
	stop_polls = 0;
	KEXPECT_EQ(t, kreplay("stop", stop_trace, strlen(stop_trace), &res), KREPLAY_OK);
	KEXPECT_EQ(t, res.stopped, 0);
	KEXPECT_EQ(t, stop_polls, STOP_CALLS / KREPLAY_STOP_EVERY);
	KEXPECT_EQ(t, res.calls, STOP_CALLS);
	KEXPECT_EQ(t, res.errors, 0);
}
