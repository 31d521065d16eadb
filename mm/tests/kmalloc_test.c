/* SPDX-License-Identifier: MIT */
/*
 * Self-tests of the kmalloc family on the live kernel heap (suite kmalloc).
 * Every case leaves the heap as it found it: whatever it allocates, it
 * frees, and the heap checker passes at the end.
 */
#include "libk/ktest.h"
#include "libk/string.h"
#include "mm/kmalloc.h"
#include <stdint.h>

#define SLOTS 256
#define CHURN_OPS 100000

struct slot {
	unsigned char *p;
	size_t size;
	uint32_t seed;
};

static struct slot slots[SLOTS];

static uint32_t next_rand(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

static unsigned char pattern(size_t i, uint32_t seed)
{
	return (unsigned char)((i * 31u) ^ seed ^ (i >> 7));
}

static void fill(unsigned char *p, size_t n, uint32_t seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = pattern(i, seed);
}

static int intact(const unsigned char *p, size_t n, uint32_t seed)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != pattern(i, seed))
			return 0;
	return 1;
}

/* Mostly small blocks, some mid-sized, a few past the page-mapping
 * threshold, as kernel code asks. */
static size_t random_size(uint32_t *rng)
{
	uint32_t r = next_rand(rng) % 100;

	if (r < 70)
		return 1 + next_rand(rng) % 256;
	if (r < 97)
		return 257 + next_rand(rng) % 8192;
	return 128 * 1024 + next_rand(rng) % (192 * 1024);
}

static void heap_stats(struct osmem_stats *st)
{
	kmalloc_allocator()->stats(kmalloc_heap_instance(), st);
}

static int heap_check(void)
{
	return kmalloc_allocator()->check(kmalloc_heap_instance());
}

struct walk_count {
	size_t alloc, free, mapped;
};

static void count_block(void *payload, size_t size, enum osmem_block_kind kind,
			void *arg)
{
	struct walk_count *c = arg;

	(void)payload;
	(void)size;
	if (kind == OSMEM_BLOCK_ALLOC)
		c->alloc++;
	else if (kind == OSMEM_BLOCK_FREE)
		c->free++;
	else if (kind == OSMEM_BLOCK_MAPPED)
		c->mapped++;
	/* CACHED: free for the kernel, in kmalloc's cache (not counted). */
}

/* One churn step on slot i: free, realloc or allocate, checking contents. */
static int churn_slot(struct ktest *t, struct slot *s, uint32_t *rng)
{
	uint32_t op = next_rand(rng) % 4;

	if (s->p && !intact(s->p, s->size, s->seed)) {
		KTEST_FAIL_(t, "block %p (%zu bytes) lost its contents",
			    (void *)s->p, s->size);
		return -1;
	}
	if (s->p && op == 0) {
		kfree(s->p);
		s->p = NULL;
		return 0;
	}
	if (s->p && op == 1) {
		size_t n = random_size(rng);
		unsigned char *q = krealloc(s->p, n);
		size_t kept = n < s->size ? n : s->size;

		if (!q)
			return 0;	/* out of memory: s->p is still valid */
		if (!intact(q, kept, s->seed)) {
			KTEST_FAIL_(t, "krealloc to %zu lost bytes", n);
			return -1;
		}
		s->p = q;
		s->size = n;
		fill(q, n, s->seed);
		return 0;
	}
	if (s->p)
		kfree(s->p);
	s->size = random_size(rng);
	s->seed = next_rand(rng);
	s->p = (op == 2) ? kzalloc(s->size) : kmalloc(s->size);
	if (s->p && op == 2) {
		for (size_t i = 0; i < s->size; i++)
			if (s->p[i]) {
				KTEST_FAIL_(t, "kzalloc(%zu) byte %zu not zero",
					    s->size, i);
				return -1;
			}
	}
	if (s->p)
		fill(s->p, s->size, s->seed);
	return 0;
}

KTEST(kmalloc, churn_100k_mixed_sizes_keeps_contents)
{
	struct osmem_stats before, after;
	struct walk_count c = { 0, 0, 0 };
	uint32_t rng = 0x2545f491;
	int ops;

	heap_stats(&before);
	for (ops = 0; ops < CHURN_OPS; ops++)
		if (churn_slot(t, &slots[next_rand(&rng) % SLOTS], &rng))
			break;
	KEXPECT_EQ(t, ops, CHURN_OPS);
	KEXPECT_EQ(t, heap_check(), 0);
	for (int i = 0; i < SLOTS; i++) {
		if (slots[i].p)
			KEXPECT(t, intact(slots[i].p, slots[i].size, slots[i].seed));
		kfree(slots[i].p);
		slots[i].p = NULL;
	}
	/* Walk the heap: nothing this test allocated may be left. */
	kmalloc_allocator()->walk(kmalloc_heap_instance(), count_block, &c);
	heap_stats(&after);
	ktest_note(t, "heap after churn: %zu blocks free, %zu in use, %zu mapped, %zu bytes of heap",
		   c.free, c.alloc, c.mapped, after.heap_bytes);
	KEXPECT_EQ(t, c.alloc, before.blocks_in_use);
	KEXPECT_EQ(t, c.mapped, before.mapped_blocks);
	KEXPECT_EQ(t, after.bytes_in_use, before.bytes_in_use);
	KEXPECT_EQ(t, after.mapped_bytes, before.mapped_bytes);
	KEXPECT_EQ(t, heap_check(), 0);
}

KTEST(kmalloc, kzalloc_clears_reused_memory)
{
	unsigned char *p = kmalloc(200);

	KASSERT_NOT_NULL(t, p);
	memset(p, 0xab, 200);
	kfree(p);
	p = kzalloc(200);
	KASSERT_NOT_NULL(t, p);
	for (int i = 0; i < 200; i++)
		if (!KEXPECT_EQ(t, p[i], 0))
			break;
	kfree(p);
}

KTEST(kmalloc, array_forms_refuse_overflow)
{
	KEXPECT_NULL(t, kcalloc(SIZE_MAX / 2, 3));
	KEXPECT_NULL(t, kmalloc_array(SIZE_MAX / 2, 3));
	KEXPECT_NULL(t, kmalloc_array((size_t)1 << 33, (size_t)1 << 33));
	KEXPECT_EQ(t, heap_check(), 0);
}

KTEST(kmalloc, kmalloc_array_and_kcalloc_give_n_times_size)
{
	uint64_t *a = kmalloc_array(100, sizeof(*a));
	uint64_t *z = kcalloc(100, sizeof(*z));

	KASSERT_NOT_NULL(t, a);
	KASSERT_NOT_NULL(t, z);
	KEXPECT_GE(t, ksize(a), 100 * sizeof(*a));
	KEXPECT_GE(t, ksize(z), 100 * sizeof(*z));
	for (int i = 0; i < 100; i++)
		KEXPECT_EQ(t, z[i], 0);
	kfree(a);
	kfree(z);
}

KTEST(kmalloc, kfree_null_is_a_noop)
{
	struct osmem_stats before, after;

	heap_stats(&before);
	kfree(NULL);
	heap_stats(&after);
	KEXPECT_EQ(t, memcmp(&before, &after, sizeof(before)), 0);
}

KTEST(kmalloc, ksize_covers_the_request)
{
	static const size_t sizes[] = { 1, 7, 8, 24, 100, 4096, 130000, 300000 };

	for (unsigned i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		void *p = kmalloc(sizes[i]);

		if (!KEXPECT_NOT_NULL(t, p))
			continue;
		KEXPECT_GE(t, ksize(p), sizes[i]);
		kfree(p);
	}
	KEXPECT_EQ(t, ksize(NULL), 0);
}

KTEST(kmalloc, krealloc_keeps_bytes_and_failure_keeps_block)
{
	unsigned char *p = kmalloc(64), *q;

	KASSERT_NOT_NULL(t, p);
	fill(p, 64, 7);
	q = krealloc(p, 5000);
	KASSERT_NOT_NULL(t, q);
	KEXPECT(t, intact(q, 64, 7));
	p = krealloc(q, SIZE_MAX - 64);
	KEXPECT_NULL(t, p);
	KEXPECT(t, intact(q, 64, 7));	/* q is still valid */
	kfree(q);
}

KTEST(kmalloc, aligned_blocks_are_aligned_or_refused)
{
	void *p8 = kmalloc_aligned(100, 8);

	/* Every allocator aligns to 8; beyond, it may refuse, never misalign. */
	KEXPECT_NOT_NULL(t, p8);
	kfree(p8);
	for (size_t align = 16; align <= 4096; align <<= 1) {
		void *p = kmalloc_aligned(100, align);

		if (!p)
			continue;
		KEXPECT_EQ(t, (uintptr_t)p & (align - 1), 0);
		kfree(p);
	}
}

KTEST(kmalloc, heap_option_names_an_allocator)
{
	KEXPECT_NOT_NULL(t, kmalloc_find("classic"));
	KEXPECT_NOT_NULL(t, kmalloc_find("fast"));
	KEXPECT_NULL(t, kmalloc_find("nosuch"));
	KEXPECT_NULL(t, kmalloc_find(""));
	KEXPECT_STREQ(t, kmalloc_allocator()->name, kmalloc_find(kmalloc_allocator()->name)->name);
}
