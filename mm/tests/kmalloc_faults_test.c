/* SPDX-License-Identifier: MIT */
/*
 * Misuse of the kmalloc family on the live kernel heap (suite
 * kmalloc_faults): each case makes one bad call and checks that the kernel
 * backend printed one report naming the call and this test function as the
 * caller (symbolized: "in kfree called from ktest_fn_kmalloc_faults__..."),
 * that the kernel went on, that a sentinel block kept every byte and that
 * the heap checker passes. Then the edge cases of the front: kmalloc(0),
 * krealloc to an impossible size, and a long alloc/free run that must leave
 * the heap's statistics exactly where they were.
 *
 * The kernel must not be booted with heap_panic for these (a report would
 * panic by design).
 */
#include "libk/ktest.h"
#include "libk/printf.h"
#include "libk/string.h"
#include "mm/kmalloc.h"
#include "mm/osmem/backend_kernel.h"
#include "mm/layout.h"
#include "mm/vmap.h"
#include "mm/vmm.h"
#include <stdbool.h>
#include <stdint.h>

#define SENTINEL 96
#define CYCLES 100000

static long kf_static_data[4] = { 11, 22, 33, 44 };

static void kf_fill(unsigned char *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)(i * 7 + seed);
}

static int kf_verify(const unsigned char *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != (unsigned char)(i * 7 + seed))
			return 0;
	return 1;
}

static const char *kf_strstr(const char *s, const char *w)
{
	size_t n = strlen(w);

	for (; *s; s++)
		if (strncmp(s, w, n) == 0)
			return s;
	return NULL;
}

/*
 * kfree(x) from the test function `fn` must print exactly one report whose
 * line has "<what> of ..." and "in kfree called from <fn>+", leave the
 * sentinel alone and the heap consistent.
 */
static void kf_expect_kfree_report(struct ktest *t, void *x, const char *what,
				   const char *fn, unsigned before,
				   unsigned char *sentinel)
{
	char want[128];
	const char *line = osmem_kernel_last_report();

	(void)x;
	KEXPECT_EQ(t, osmem_kernel_reports(), before + 1);
	KEXPECT(t, kf_strstr(line, what) != NULL);
	snprintf(want, sizeof(want), "in kfree called from %s+", fn);
	if (!KEXPECT(t, kf_strstr(line, want) != NULL))
		ktest_note(t, "report: %s", line);
	KEXPECT(t, kf_verify(sentinel, SENTINEL, 3));
	KEXPECT_EQ(t, kmalloc_allocator()->check(kmalloc_heap_instance()), 0);
	kfree(sentinel);
}

static unsigned char *kf_sentinel(void)
{
	unsigned char *s = kmalloc(SENTINEL);

	if (s)
		kf_fill(s, SENTINEL, 3);
	return s;
}

KTEST(kmalloc_faults, kfree_of_a_stack_address)
{
	long local[4] = { 1, 2, 3, 4 };
	unsigned char *s = kf_sentinel();
	unsigned before = osmem_kernel_reports();

	KASSERT_NOT_NULL(t, s);
	kfree(&local[2]);
	kf_expect_kfree_report(t, &local[2], "pointer not from this heap", __func__,
			       before, s);
	KEXPECT_EQ(t, local[2], 3);
}

static void kf_text(void)
{
}

KTEST(kmalloc_faults, kfree_of_kernel_text)
{
	unsigned char *s = kf_sentinel();
	unsigned before = osmem_kernel_reports();

	KASSERT_NOT_NULL(t, s);
	kfree((void *)(uintptr_t)kf_text);
	kf_expect_kfree_report(t, NULL, "pointer not from this heap", __func__,
			       before, s);
}

KTEST(kmalloc_faults, kfree_of_kernel_data)
{
	unsigned char *s = kf_sentinel();
	unsigned before = osmem_kernel_reports();

	KASSERT_NOT_NULL(t, s);
	kfree(&kf_static_data[1]);
	kf_expect_kfree_report(t, NULL, "pointer not from this heap", __func__,
			       before, s);
	KEXPECT_EQ(t, kf_static_data[1], 22);
}

KTEST(kmalloc_faults, kfree_of_address_one)
{
	unsigned char *s = kf_sentinel();
	unsigned before = osmem_kernel_reports();

	KASSERT_NOT_NULL(t, s);
	kfree((void *)1);
	kf_expect_kfree_report(t, NULL, "pointer not from this heap", __func__,
			       before, s);
}

KTEST(kmalloc_faults, kfree_of_an_unmapped_address)
{
	unsigned char *s = kf_sentinel();
	void *page = vm_map(4096);
	unsigned before;

	KASSERT_NOT_NULL(t, s);
	KASSERT_NOT_NULL(t, page);
	KASSERT_EQ(t, vm_unmap(page, 4096), 0);
	before = osmem_kernel_reports();
	kfree((char *)page + 64);
	kf_expect_kfree_report(t, NULL, "pointer not from this heap", __func__,
			       before, s);
}

/* Above the fast heap's largest mmap threshold: always a mapping. */
#define KF_HUGE ((size_t)33 << 20)
#define KF_TRIES 256

/*
 * A large block's mapping, freed, goes back to vm_map, which hands the
 * range out again once its next-fit search has gone round (mm/vmap.h; the
 * test moves the search's start there). From then on an address
 * there is someone else's: kfree of it is a foreign pointer, not a double
 * free of the old block, mapped or unmapped again (issue 16: kmalloc then
 * kmalloc_faults in one boot saw a spurious double free).
 */
KTEST(kmalloc_faults, kfree_where_the_mapper_reused_a_freed_block_is_foreign)
{
	unsigned char *s = kf_sentinel();
	unsigned char *big = kmalloc(KF_HUGE);
	void *maps[KF_TRIES], *page, *got = NULL;
	unsigned before;
	int n = 0;

	KASSERT_NOT_NULL(t, s);
	if (!big) {
		kfree(s);
		KTEST_SKIP(t, "no 33 MiB of frames for a mapping");
	}
	page = (void *)((uintptr_t)big & ~(uintptr_t)(PAGE_SIZE - 1));
	kfree(big);
	/* As if the search had gone round the whole range to the freed one. */
	vmap_set_cursor((uintptr_t)page);
	while (n < KF_TRIES && got != page && (got = vm_map(PAGE_SIZE)))
		maps[n++] = got;
	if (got != page) {
		while (n > 0)
			vm_unmap(maps[--n], PAGE_SIZE);
		kfree(s);
		KTEST_SKIP(t, "vm_map did not hand the freed range out again");
	}
	before = osmem_kernel_reports();
	kfree(big);		/* the page is mapped: someone else's */
	kf_expect_kfree_report(t, NULL, "pointer not from this heap", __func__,
			       before, s);
	s = kf_sentinel();
	KASSERT_NOT_NULL(t, s);
	while (n > 0)
		vm_unmap(maps[--n], PAGE_SIZE);
	before = osmem_kernel_reports();
	kfree(big);		/* unmapped again, as kfree_of_an_unmapped_address */
	kf_expect_kfree_report(t, NULL, "pointer not from this heap", __func__,
			       before, s);
}

/*
 * A stale pointer into a freed large block faults, even after the next
 * large block was made: vm_map's next fit does not hand the freed range
 * out again at once (first fit did: the stale pointer then wrote into the
 * new block).
 */
KTEST(kmalloc_faults, a_freed_large_block_stays_unmapped)
{
	unsigned char *big = kmalloc(KF_HUGE), *next;

	if (!big)
		KTEST_SKIP(t, "no 33 MiB of frames for a mapping");
	kfree(big);
	next = kmalloc(KF_HUGE);
	if (!next)
		KTEST_SKIP(t, "no 33 MiB of frames for the second mapping");
	KEXPECT_PTR_NE(t, next, big);
	KEXPECT_EQ(t, vmm_translate((uintptr_t)big), VMM_NOT_MAPPED);
	KEXPECT_EQ(t, vmm_translate((uintptr_t)big + KF_HUGE - 1), VMM_NOT_MAPPED);
	kfree(next);
}

KTEST(kmalloc_faults, double_kfree)
{
	unsigned char *s = kf_sentinel();
	unsigned char *p = kmalloc(64);
	unsigned before;

	KASSERT_NOT_NULL(t, s);
	KASSERT_NOT_NULL(t, p);
	kfree(p);
	before = osmem_kernel_reports();
	kfree(p);
	kf_expect_kfree_report(t, p, "double free", __func__, before, s);
}

KTEST(kmalloc_faults, kfree_of_p_plus_1)
{
	unsigned char *s = kf_sentinel();
	unsigned char *p = kmalloc(64);
	unsigned before;

	KASSERT_NOT_NULL(t, s);
	KASSERT_NOT_NULL(t, p);
	kf_fill(p, 64, 9);
	before = osmem_kernel_reports();
	kfree(p + 1);
	kf_expect_kfree_report(t, p + 1, "invalid pointer", __func__, before, s);
	KEXPECT(t, kf_verify(p, 64, 9));
	kfree(p);
	KEXPECT_EQ(t, osmem_kernel_reports(), before + 1);
}

/*
 * krealloc of a freed block gives NULL; the block stays free and the
 * kernel goes on. fast reports the misuse, and that report is the one
 * line: it is not also counted or printed as an out-of-memory. classic's
 * realloc refuses it quietly, the course assignment's rule
 * (mm/osmem/allocator.h); krealloc then asks whether the pointer is live,
 * which names it: the same one line.
 */
KTEST(kmalloc_faults, krealloc_of_a_freed_block_is_misuse_not_oom)
{
	unsigned char *s = kf_sentinel();
	unsigned char *p = kmalloc(64);
	unsigned long oom;
	unsigned before;

	KASSERT_NOT_NULL(t, s);
	KASSERT_NOT_NULL(t, p);
	kfree(p);
	oom = kmalloc_oom_events();
	before = osmem_kernel_reports();
	KEXPECT_NULL(t, krealloc(p, 200));
	/* One misuse line on either allocator (classic's realloc is quiet,
	 * krealloc names the pointer), and no out-of-memory line. */
	KEXPECT_EQ(t, osmem_kernel_reports(), before + 1);
	KEXPECT_EQ(t, kmalloc_oom_events(), oom);
	KEXPECT(t, kf_verify(s, SENTINEL, 3));
	KEXPECT_EQ(t, kmalloc_allocator()->check(kmalloc_heap_instance()), 0);
	/* Still free: a kfree of it is the double free it always was. */
	kfree(p);
	KEXPECT_EQ(t, osmem_kernel_reports(), before + 2);
	kfree(s);
}

/* kmalloc(0) is documented in mm/kmalloc.h: classic gives NULL, fast a
 * unique minimal block that kfree takes. */
KTEST(kmalloc_faults, kmalloc_zero_twice)
{
	unsigned before = osmem_kernel_reports();
	void *a = kmalloc(0), *b = kmalloc(0);

	if (kmalloc_allocator() == &osmem_classic) {
		KEXPECT_NULL(t, a);
		KEXPECT_NULL(t, b);
	} else {
		KEXPECT_NOT_NULL(t, a);
		KEXPECT_NOT_NULL(t, b);
		KEXPECT_PTR_NE(t, a, b);
	}
	kfree(a);
	kfree(b);
	KEXPECT_EQ(t, osmem_kernel_reports(), before);
	KEXPECT_EQ(t, kmalloc_allocator()->check(kmalloc_heap_instance()), 0);
}

/* An impossible size fails cleanly (one out-of-memory event) and the old
 * block stays valid, unchanged, and freeable. */
KTEST(kmalloc_faults, krealloc_to_size_max_keeps_the_block)
{
	unsigned char *p = kmalloc(100);
	unsigned long oom = kmalloc_oom_events();
	size_t usable;

	KASSERT_NOT_NULL(t, p);
	kf_fill(p, 100, 5);
	usable = ksize(p);
	KEXPECT_NULL(t, krealloc(p, SIZE_MAX));
	KEXPECT_NULL(t, krealloc(p, SIZE_MAX - 4096));
	KEXPECT_EQ(t, kmalloc_oom_events(), oom + 2);
	KEXPECT(t, kf_verify(p, 100, 5));
	KEXPECT_EQ(t, ksize(p), usable);
	kfree(p);
	KEXPECT_EQ(t, kmalloc_allocator()->check(kmalloc_heap_instance()), 0);
}

/* Out of memory is counted, printed rate-limited, and the kernel goes on:
 * a burst of impossible requests all fail and the next real one works. */
KTEST(kmalloc_faults, out_of_memory_is_survived)
{
	unsigned long oom = kmalloc_oom_events();
	void *p;

	for (int i = 0; i < 50; i++)
		KEXPECT_NULL(t, kmalloc(SIZE_MAX / 2 + (size_t)i));
	KEXPECT_EQ(t, kmalloc_oom_events(), oom + 50);
	p = kmalloc(64);
	KEXPECT_NOT_NULL(t, p);
	kfree(p);
}

/* The out-of-memory line is rate-limited by count (there is no timer):
 * failure number n since boot prints when n <= 10 or n - 10 is a multiple
 * of 1000. 2,500 failures from wherever the count stands must print
 * exactly the lines that rule allows. */
KTEST(kmalloc_faults, out_of_memory_lines_are_rate_limited)
{
	unsigned long e = kmalloc_oom_events(), lines = kmalloc_oom_lines_printed();
	unsigned long want = 0;

	for (unsigned long n = e + 1; n <= e + 2500; n++)
		want += n <= 10 || (n - 10) % 1000 == 0;
	for (int i = 0; i < 2500; i++)
		KEXPECT_NULL(t, kmalloc(SIZE_MAX - (size_t)i));
	KEXPECT_EQ(t, kmalloc_oom_events(), e + 2500);
	KEXPECT_EQ(t, kmalloc_oom_lines_printed(), lines + want);
	KEXPECT_GE(t, want, 2);
}

/*
 * 100,000 allocations and frees in rounds of four (one large every 100
 * rounds): each round leaves the heap as the one before did, so after a
 * first round the statistics must come back exactly, every time.
 */
static void kf_round(unsigned r)
{
	static const size_t sizes[4] = { 24, 200, 1000, 4000 };
	void *p[4];

	for (int i = 0; i < 4; i++)
		p[i] = kmalloc(sizes[i]);
	if (r % 100 == 0)
		kfree(kmalloc(200 * 1024));
	for (int i = 3; i >= 0; i--)
		kfree(p[i]);
}

KTEST(kmalloc_faults, alloc_free_cycles_return_to_baseline)
{
	const struct osmem_allocator *a = kmalloc_allocator();
	struct osmem_stats base, now;

	/* Two large rounds first: on a fresh heap the first large block is a
	 * mapping whose free raises the mmap threshold (the dynamic rule), so
	 * the second comes from the heap and grows it; every later one reuses
	 * that room. One warm-up round left the result to the heap's history
	 * (kmalloc_faults first in a boot failed). */
	kf_round(0);
	kf_round(100);
	a->stats(kmalloc_heap_instance(), &base);
	for (unsigned r = 1; r <= CYCLES / 4; r++)
		kf_round(r);
	a->stats(kmalloc_heap_instance(), &now);
	KEXPECT_EQ(t, now.bytes_free, base.bytes_free);
	KEXPECT_EQ(t, now.bytes_in_use, base.bytes_in_use);
	KEXPECT_EQ(t, now.blocks_in_use, base.blocks_in_use);
	KEXPECT_EQ(t, now.heap_bytes, base.heap_bytes);
	KEXPECT_EQ(t, now.mapped_blocks, base.mapped_blocks);
	KEXPECT_EQ(t, a->check(kmalloc_heap_instance()), 0);
}
