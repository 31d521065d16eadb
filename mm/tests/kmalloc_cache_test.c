/* SPDX-License-Identifier: MIT */
/*
 * kmalloc's small-block cache on the live kernel heap (suite
 * kmalloc_cache, mm/kmalloc_cache.h): kfree of a small block puts it in
 * the cache and the next kmalloc of its size takes it back; stats, walk
 * and check() count it as cached; misuse of a cached block is reported
 * as the core reports it, naming the call and this test as the caller;
 * large and aligned blocks bypass it. Skipped when the cache is off
 * (heap=classic, heap_debug).
 */
#include "libk/ktest.h"
#include "libk/printf.h"
#include "libk/string.h"
#include "mm/kmalloc.h"
#include "mm/kmalloc_cache.h"
#include "libk/spinlock.h"
#include "mm/osmem/backend_kernel.h"

#define KC_NEED_CACHE(t)                                                     \
	do {                                                                 \
		if (!kmalloc_cache_on)                                       \
			KTEST_SKIP(t, "kmalloc's cache is off (heap=classic or heap_debug)"); \
	} while (0)

static struct osmem_stats kc_stats(void)
{
	struct osmem_stats st;

	kmalloc_allocator()->stats(kmalloc_heap_instance(), &st);
	return st;
}

static int kc_check(void)
{
	return kmalloc_allocator()->check(kmalloc_heap_instance());
}

static const char *kc_strstr(const char *s, const char *w)
{
	size_t n = strlen(w);

	for (; *s; s++)
		if (strncmp(s, w, n) == 0)
			return s;
	return NULL;
}

/* The last report is exactly "osmem: <what> of <p> (block of <size>
 * bytes) in <front> called from <fn>+...". */
static void kc_expect_report(struct ktest *t, unsigned before, const char *what,
			     const void *p, size_t size, const char *front,
			     const char *fn)
{
	char want[160];
	const char *line = osmem_kernel_last_report();

	KEXPECT_EQ(t, osmem_kernel_reports(), before + 1);
	snprintf(want, sizeof(want),
		 "osmem: %s of %p (block of %zu bytes) in %s called from %s+",
		 what, p, size, front, fn);
	if (!KEXPECT(t, kc_strstr(line, want) == line))
		ktest_note(t, "report: %s; want: %s...", line, want);
}

/* kfree caches the block: counted cached, not in use; kmalloc of its
 * size gets it back (the list is LIFO). */
KTEST(kmalloc_cache, kfree_caches_and_kmalloc_takes_back)
{
	struct osmem_stats before, after;
	void *p, *q;

	KC_NEED_CACHE(t);
	p = kmalloc(100);
	KASSERT_NOT_NULL(t, p);
	before = kc_stats();
	kfree(p);
	after = kc_stats();
	KEXPECT_EQ(t, after.blocks_cached, before.blocks_cached + 1);
	KEXPECT_EQ(t, after.bytes_cached, before.bytes_cached + 104);
	KEXPECT_EQ(t, after.blocks_in_use, before.blocks_in_use - 1);
	KEXPECT_EQ(t, after.bytes_in_use, before.bytes_in_use - 104);
	KEXPECT_EQ(t, kc_check(), 0);
	q = kmalloc(100);
	KEXPECT_PTR_EQ(t, q, p);
	kfree(q);
}

static size_t kc_walk_cached;

static void kc_count(void *payload, size_t size, enum osmem_block_kind kind,
		     void *arg)
{
	(void)payload;
	(void)arg;
	if (kind == OSMEM_BLOCK_CACHED)
		kc_walk_cached += size;
}

/* Every cached byte the stats count is a block walk() names cached. */
KTEST(kmalloc_cache, walk_and_stats_agree_on_cached_bytes)
{
	void *p[20];
	struct osmem_stats st;

	KC_NEED_CACHE(t);
	for (int i = 0; i < 20; i++)
		p[i] = kmalloc(16 + (size_t)i * 40);
	for (int i = 0; i < 20; i++)
		kfree(p[i]);
	kc_walk_cached = 0;
	kmalloc_allocator()->walk(kmalloc_heap_instance(), kc_count, NULL);
	st = kc_stats();
	KEXPECT_GE(t, st.blocks_cached, 1);
	KEXPECT_EQ(t, kc_walk_cached, st.bytes_cached);
	KEXPECT_EQ(t, kc_check(), 0);
}

KTEST(kmalloc_cache, double_kfree_of_a_cached_block_names_its_size)
{
	unsigned char *p = kmalloc(64), *q = kmalloc(64);
	unsigned before;

	KC_NEED_CACHE(t);
	KASSERT_NOT_NULL(t, p);
	KASSERT_NOT_NULL(t, q);
	kfree(p);
	kfree(q);                       /* p is no longer the list's head */
	before = osmem_kernel_reports();
	kfree(p);
	kc_expect_report(t, before, "double free", p, 72, "kfree", __func__);
	KEXPECT_EQ(t, kc_check(), 0);
	/* Held once: two allocations, two blocks. */
	p = kmalloc(64);
	q = kmalloc(64);
	KEXPECT_PTR_NE(t, p, q);
	kfree(p);
	kfree(q);
}

KTEST(kmalloc_cache, ksize_and_krealloc_refuse_a_cached_block)
{
	unsigned char *p = kmalloc(200);
	unsigned long oom = kmalloc_oom_events();
	unsigned before;

	KC_NEED_CACHE(t);
	KASSERT_NOT_NULL(t, p);
	kfree(p);
	before = osmem_kernel_reports();
	KEXPECT_EQ(t, ksize(p), 0);
	kc_expect_report(t, before, "invalid pointer", p, 200, "ksize", __func__);
	before = osmem_kernel_reports();
	KEXPECT_NULL(t, krealloc(p, 300));
	kc_expect_report(t, before, "double free", p, 200, "krealloc", __func__);
	KEXPECT_EQ(t, kmalloc_oom_events(), oom);
	KEXPECT_EQ(t, kc_check(), 0);
}

/* A header overwritten while the block is live: kfree refuses it. */
KTEST(kmalloc_cache, kfree_of_a_corrupted_header_is_refused)
{
	unsigned char *p = kmalloc(48);
	struct osmem_stats before;
	unsigned reports;

	KC_NEED_CACHE(t);
	KASSERT_NOT_NULL(t, p);
	((size_t *)(void *)p)[-1] ^= (size_t)1 << 52;
	before = kc_stats();
	reports = osmem_kernel_reports();
	kfree(p);
	KEXPECT_EQ(t, osmem_kernel_reports(), reports + 1);
	KEXPECT(t, kc_strstr(osmem_kernel_last_report(),
			     "corrupted block header") != NULL);
	KEXPECT_EQ(t, kc_stats().blocks_cached, before.blocks_cached);
	KEXPECT_EQ(t, kc_check(), 0);
}

/* Above the caches' sizes (the stash's too: the kernel's takes medium
 * blocks only, cache.h), and kzalloc/kmalloc_aligned:
 * the allocator. */
KTEST(kmalloc_cache, large_zeroed_and_aligned_blocks_bypass_it)
{
	struct osmem_stats before;
	void *big, *z, *al;
	size_t n;

	KC_NEED_CACHE(t);
	before = kc_stats();
	big = kmalloc(OSMEM_CACHE_STASH_MEDIUM_REQ_MAX + 1);
	z = kzalloc(100);
	al = kmalloc_aligned(100, 256);
	KASSERT_NOT_NULL(t, big);
	KASSERT_NOT_NULL(t, z);
	KASSERT_NOT_NULL(t, al);
	KEXPECT_EQ(t, (uintptr_t)al % 256, 0);
	kfree(big);
	KEXPECT_EQ(t, kc_stats().blocks_cached, before.blocks_cached);
	kfree(z);
	/* A heap block: it is cached. Its size depends on where it landed
	 * (a tail too small to split stays with it), so ask for its own
	 * usable size, which maps to its list, not for 100 bytes (z's). */
	n = ksize(al);
	kfree(al);
	KEXPECT_PTR_EQ(t, kmalloc(n), al);
	kfree(al);
	KEXPECT_EQ(t, kc_check(), 0);
}

/* Each CPU has its cache. Posing as the last CPU number (through the
 * spinlocks' CPU hook): no real CPU has it, so no one else touches its
 * cache while the test does (the real CPU 1 runs threads). kfree there
 * fills that CPU's cache, counted by the stats; a block allocated there
 * and freed on CPU 0 goes into CPU 0's; a kfree there of a block sitting
 * in CPU 0's cache is a double free, and the report names the posed CPU.
 * Fails with the one cache of CPU 0 (the other CPU went to the core:
 * nothing counted). */
#define KC_POSE_CPU (SPIN_MAX_CPUS - 1)
_Static_assert(KC_POSE_CPU == 63, "the report check spells ' on cpu 63'");

static unsigned kc_cpu_pose(void)
{
	return KC_POSE_CPU;
}

KTEST(kmalloc_cache, each_cpu_has_its_cache_and_a_double_free_names_the_cpu)
{
	unsigned (*real)(void);
	struct osmem_stats before, mid;
	unsigned char *p, *q, *cached;
	unsigned reports;
	const char *line;

	KC_NEED_CACHE(t);
	cached = kmalloc(40);
	KASSERT_NOT_NULL(t, cached);
	kfree(cached);                          /* in CPU 0's cache now */
	before = kc_stats();
	real = spin_set_cpu_hook(kc_cpu_pose);
	p = kmalloc(40);
	q = kmalloc(40);
	KEXPECT_PTR_NE(t, p, cached);
	KEXPECT_PTR_NE(t, q, cached);
	kfree(p);                               /* into the posed CPU's cache */
	mid = kc_stats();
	reports = osmem_kernel_reports();
	kfree(cached);                          /* sits in CPU 0's cache */
	line = osmem_kernel_last_report();
	KEXPECT_EQ(t, osmem_kernel_reports(), reports + 1);
	KEXPECT(t, kc_strstr(line, "double free") != NULL);
	if (!KEXPECT(t, kc_strstr(line, " on cpu 63") != NULL))
		ktest_note(t, "report: %s", line);
	KEXPECT_EQ(t, kmalloc_cache_flush_mine(), mid.blocks_cached - before.blocks_cached);
	spin_set_cpu_hook(real);
	KEXPECT_GE(t, mid.blocks_cached, before.blocks_cached + 1);
	kfree(q);                               /* its block, into CPU 0's */
	KEXPECT_PTR_EQ(t, kmalloc(40), q);
	kfree(q);
	KEXPECT_EQ(t, kc_check(), 0);
}

/* A report made on CPU 0 says so, at the end of its line. */
KTEST(kmalloc_cache, a_misuse_report_names_cpu_0)
{
	unsigned char *p = kmalloc(64);
	unsigned reports;
	const char *line;

	KC_NEED_CACHE(t);
	KASSERT_NOT_NULL(t, p);
	kfree(p);
	reports = osmem_kernel_reports();
	kfree(p);
	line = osmem_kernel_last_report();
	KEXPECT_EQ(t, osmem_kernel_reports(), reports + 1);
	if (!KEXPECT(t, kc_strstr(line, " on cpu 0") != NULL &&
		     line[strlen(line) - 1] == '0'))
		ktest_note(t, "report: %s", line);
}
