/* SPDX-License-Identifier: MIT */
/*
 * The counting view of the test backend (contract: fuzz_backend.h).
 *
 * Every call goes straight to the test backend; only the outcome is looked
 * at. The lock, unlock and report entries are the test backend's own, so
 * its lock checks and report count still see every call.
 */
#include "tests/fuzz/fuzz_backend.h"
#include "mm/osmem/tests/backend_test.h"
#include <stddef.h>

static const struct osmem_backend *fb_tb;  /* the test backend underneath */
static struct osmem_backend fb_view;
static struct fuzz_backend_counts fb_counts;

static void *fb_heap_extend(const struct osmem_backend *be, intptr_t delta)
{
	void *old = fb_tb->heap_extend(fb_tb, delta);

	(void)be;

	if (old == OSMEM_BRK_FAIL)
		fb_counts.failed++;
	return old;
}

static void *fb_pages_map(size_t len)
{
	void *p = fb_tb->pages_map(len);

	if (!p)
		fb_counts.failed++;
	return p;
}

static int fb_pages_unmap(void *p, size_t len)
{
	int r = fb_tb->pages_unmap(p, len);

	if (r != 0) {
		fb_counts.failed++;
		fb_counts.unmap_failed++;
	}
	return r;
}

static void *fb_pages_remap(void *p, size_t old_len, size_t new_len)
{
	void *q = fb_tb->pages_remap(p, old_len, new_len);

	/* A remap may refuse for want of room without anything being wrong,
	 * but the caller then falls back on map+copy: count it all the same. */
	if (!q)
		fb_counts.failed++;
	return q;
}

const struct osmem_backend *fuzz_backend_init(void)
{
	fb_tb = osmem_tb_init();
	fb_counts = (struct fuzz_backend_counts){ 0, 0 };
	if (!fb_tb)
		return NULL;
	fb_view = *fb_tb;
	fb_view.name = "fuzz";
	fb_view.heap_extend = fb_heap_extend;
	fb_view.pages_map = fb_pages_map;
	fb_view.pages_unmap = fb_pages_unmap;
	fb_view.pages_remap = fb_tb->pages_remap ? fb_pages_remap : NULL;
	return &fb_view;
}

struct fuzz_backend_counts fuzz_backend_counts(void)
{
	return fb_counts;
}
