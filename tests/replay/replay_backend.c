/* SPDX-License-Identifier: MIT */
/*
 * The replay's backend (contract: tests/replay/replay_backend.h).
 *
 * The region is reserved with MAP_NORESERVE: untouched pages cost nothing,
 * so it can be far larger than any trace needs. The break is an offset in
 * it; `high` is the highest break since the last reset, so a reset zeroes
 * only what was touched.
 */
#define _GNU_SOURCE
#include "tests/replay/replay_backend.h"
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static struct {
	char *base;
	size_t size;
	size_t page;
	size_t brk, high;		/* offsets from base */
	struct replay_backend_stats st;
} rb;

static struct osmem_backend rb_backend;

static size_t rb_round(size_t len)
{
	return (len + rb.page - 1) & ~(rb.page - 1);
}

static void rb_account(void)
{
	size_t now = rb.st.heap_bytes + rb.st.mapped_bytes;

	if (now > rb.st.peak_bytes)
		rb.st.peak_bytes = now;
}

static void *rb_heap_extend(const struct osmem_backend *be, intptr_t delta)
{
	(void)be;
	size_t old = rb.brk;

	rb.st.extend_calls++;
	if (delta > 0 && (size_t)delta > rb.size - rb.brk)
		return OSMEM_BRK_FAIL;
	if (delta < 0 && (size_t)-delta > rb.brk)
		return OSMEM_BRK_FAIL;
	rb.brk += (size_t)delta;
	if (delta < 0) {
		/* As brk does: whole pages above the new break go back. */
		size_t from = rb_round(rb.brk), to = rb_round(old);

		if (to > from)
			madvise(rb.base + from, to - from, MADV_DONTNEED);
	}
	if (rb.brk > rb.high)
		rb.high = rb.brk;
	rb.st.heap_bytes = rb.brk;
	rb_account();
	return rb.base + old;
}

static void *rb_pages_map(size_t len)
{
	void *p;

	rb.st.map_calls++;
	p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	rb.st.mapped_bytes += rb_round(len);
	rb_account();
	return p;
}

static int rb_pages_unmap(void *p, size_t len)
{
	rb.st.unmap_calls++;
	if (munmap(p, len) != 0)
		return -1;
	rb.st.mapped_bytes -= rb_round(len);
	return 0;
}

/* In place only, as the contract asks: no MREMAP_MAYMOVE. */
static void *rb_pages_remap(void *p, size_t old_len, size_t new_len)
{
	void *q;

	rb.st.remap_calls++;
	q = mremap(p, old_len, new_len, 0);
	if (q == MAP_FAILED)
		return NULL;
	rb.st.mapped_bytes += rb_round(new_len);
	rb.st.mapped_bytes -= rb_round(old_len);
	rb_account();
	return q;
}

static void rb_nolock(const struct osmem_backend *be)
{
	(void)be;
}

static void rb_report(const struct osmem_report *r)
{
	static const char tag[] = "replay: allocator reports: ";
	char line[256];
	int n = osmem_report_format(line, sizeof(line), r, NULL, NULL, NULL);

	rb.st.reports++;
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line))
		n = (int)sizeof(line) - 1;
	if (write(STDERR_FILENO, tag, sizeof(tag) - 1) < 0 ||
	    write(STDERR_FILENO, line, (size_t)n) < 0 ||
	    write(STDERR_FILENO, "\n", 1) < 0)
		return;		/* nowhere left to say it */
}

const struct osmem_backend *replay_backend_open(void)
{
	/* Largest first; a box with strict overcommit may refuse the
	 * biggest reservations. */
	static const size_t sizes[] = { (size_t)64 << 30, (size_t)8 << 30,
					(size_t)1 << 30 };

	if (rb.base)
		return &rb_backend;
	rb.page = (size_t)sysconf(_SC_PAGESIZE);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		void *p = mmap(NULL, sizes[i], PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
			       -1, 0);

		if (p != MAP_FAILED) {
			rb.base = p;
			rb.size = sizes[i];
			break;
		}
	}
	if (!rb.base)
		return NULL;
	rb_backend = (struct osmem_backend){
		.name = "replay",
		.page_size = rb.page,
		.heap_extend = rb_heap_extend,
		.pages_map = rb_pages_map,
		.pages_unmap = rb_pages_unmap,
		.pages_remap = rb_pages_remap,
		.lock = rb_nolock,
		.unlock = rb_nolock,
		.report = rb_report,
	};
	return &rb_backend;
}

void replay_backend_reset(void)
{
	if (rb.high)
		madvise(rb.base, rb_round(rb.high), MADV_DONTNEED);
	rb.brk = 0;
	rb.high = 0;
	memset(&rb.st, 0, sizeof(rb.st));
}

void replay_backend_set_debug(bool on)
{
	rb_backend.debug = on;
}

const struct replay_backend_stats *replay_backend_stats(void)
{
	return &rb.st;
}
