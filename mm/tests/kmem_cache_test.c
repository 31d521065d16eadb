/* SPDX-License-Identifier: MIT */
/*
 * Self-tests of the object caches (suite kmem_cache, mm/kmem_cache.h).
 * Every case destroys the caches it made, and the last checks of several
 * cases compare kmalloc's in-use statistics with those taken before the
 * cache existed: a destroyed cache gives back every byte.
 */
#include "libk/ktest.h"
#include "libk/string.h"
#include "mm/kmalloc.h"
#include "mm/kmalloc_cache.h"
#include "mm/kmem_cache.h"
#include <stdint.h>

#define MANY 3000

static void *objs[MANY];

static void heap_stats(struct osmem_stats *st)
{
	kmalloc_allocator()->stats(kmalloc_heap_instance(), st);
}

static int same_in_use(const struct osmem_stats *a, const struct osmem_stats *b)
{
	return a->bytes_in_use == b->bytes_in_use &&
	       a->blocks_in_use == b->blocks_in_use &&
	       a->mapped_bytes == b->mapped_bytes &&
	       a->mapped_blocks == b->mapped_blocks;
}

KTEST(kmem_cache, bad_arguments_are_refused)
{
	KEXPECT_NULL(t, kmem_cache_create("zero", 0, 8));
	KEXPECT_NULL(t, kmem_cache_create("big", KMEM_CACHE_MAX_SIZE + 1, 8));
	KEXPECT_NULL(t, kmem_cache_create("align3", 32, 3));
	KEXPECT_NULL(t, kmem_cache_create("align8k", 32, 8192));
	KEXPECT_NULL(t, kmem_cache_alloc(NULL));
	KEXPECT_EQ(t, kmem_cache_destroy(NULL), 0);
}

KTEST(kmem_cache, objects_are_aligned_and_sized)
{
	static const size_t sizes[] = { 1, 7, 24, 100, 4000, 20000 };
	static const size_t aligns[] = { 0, 8, 16, 64, 512, 4096 };

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		for (size_t j = 0; j < sizeof(aligns) / sizeof(aligns[0]); j++) {
			struct kmem_cache *c = kmem_cache_create("shape", sizes[i], aligns[j]);
			size_t a = aligns[j] ? aligns[j] : 8;
			struct kmem_cache_stats st;
			unsigned char *p[4];

			KASSERT_NOT_NULL(t, c);
			kmem_cache_stats(c, &st);
			KEXPECT_GE(t, st.object_size, sizes[i]);
			KEXPECT_EQ(t, st.object_size % a, 0);
			for (int k = 0; k < 4; k++) {
				p[k] = kmem_cache_alloc(c);
				KASSERT_NOT_NULL(t, p[k]);
				KEXPECT_EQ(t, (uintptr_t)p[k] % a, 0);
				memset(p[k], 0x40 + k, sizes[i]);
			}
			/* Writing whole objects did not spill into neighbours. */
			for (int k = 0; k < 4; k++) {
				KEXPECT_EQ(t, p[k][0], 0x40 + k);
				KEXPECT_EQ(t, p[k][sizes[i] - 1], 0x40 + k);
				kmem_cache_free(c, p[k]);
			}
			KEXPECT_EQ(t, kmem_cache_destroy(c), 0);
		}
	}
}

struct find_cache {
	struct kmem_cache *want;
	int found;
};

static void find_cache_fn(struct kmem_cache *c, void *arg)
{
	struct find_cache *f = arg;

	if (c == f->want)
		f->found++;
}

KTEST(kmem_cache, name_is_copied_and_listed)
{
	char name[] = "ktest-listed";
	struct kmem_cache *c = kmem_cache_create(name, 40, 0);
	struct find_cache f;

	KASSERT_NOT_NULL(t, c);
	name[0] = 'X';
	KEXPECT_STREQ(t, kmem_cache_name(c), "ktest-listed");
	f.want = c;
	f.found = 0;
	kmem_cache_for_each(find_cache_fn, &f);
	KEXPECT_EQ(t, f.found, 1);
	KEXPECT_EQ(t, kmem_cache_destroy(c), 0);
	f.found = 0;
	kmem_cache_for_each(find_cache_fn, &f);
	KEXPECT_EQ(t, f.found, 0);
}

KTEST(kmem_cache, many_objects_across_slabs_keep_contents_and_exact_stats)
{
	struct osmem_stats before, after;
	struct kmem_cache_stats st;
	struct kmem_cache *c;
	size_t slabs_needed;

	heap_stats(&before);
	c = kmem_cache_create("many", 48, 16);
	KASSERT_NOT_NULL(t, c);
	for (size_t i = 0; i < MANY; i++) {
		objs[i] = kmem_cache_alloc(c);
		KASSERT_NOT_NULL(t, objs[i]);
		memset(objs[i], (int)(i & 0xff), 48);
	}
	kmem_cache_stats(c, &st);
	slabs_needed = (MANY + st.objects_per_slab - 1) / st.objects_per_slab;
	KEXPECT_GT(t, slabs_needed, 1);
	KEXPECT_EQ(t, st.objects_in_use, MANY);
	KEXPECT_EQ(t, st.slabs, slabs_needed);
	KEXPECT_EQ(t, st.objects_free, slabs_needed * st.objects_per_slab - MANY);
	KEXPECT_EQ(t, st.allocs, MANY);
	KEXPECT_EQ(t, st.frees, 0);
	/* No two objects overlap: each still holds its own byte. */
	for (size_t i = 0; i < MANY; i++) {
		unsigned char *p = objs[i];

		if (p[0] != (i & 0xff) || p[47] != (i & 0xff)) {
			KTEST_FAIL_(t, "object %zu lost its contents", i);
			break;
		}
	}
	/* Free the odd ones: every slab stays partly used. */
	for (size_t i = 1; i < MANY; i += 2)
		kmem_cache_free(c, objs[i]);
	kmem_cache_stats(c, &st);
	KEXPECT_EQ(t, st.objects_in_use, MANY / 2);
	KEXPECT_EQ(t, st.slabs, slabs_needed);
	KEXPECT_EQ(t, st.frees, MANY / 2);
	for (size_t i = 0; i < MANY; i += 2)
		kmem_cache_free(c, objs[i]);
	kmem_cache_stats(c, &st);
	KEXPECT_EQ(t, st.objects_in_use, 0);
	KEXPECT_EQ(t, st.objects_in_use + st.objects_free, st.slabs * st.objects_per_slab);
	kmem_cache_shrink(c);		/* this CPU's magazine back to the slabs */
	kmem_cache_stats(c, &st);
	KEXPECT_EQ(t, st.objects_cached, 0);
	KEXPECT_EQ(t, st.slabs, 1);	/* the spare */
	KEXPECT_EQ(t, st.objects_free, st.objects_per_slab);
	KEXPECT_EQ(t, st.allocs, MANY);
	KEXPECT_EQ(t, st.frees, MANY);
	KEXPECT_EQ(t, kmem_cache_destroy(c), 0);
	heap_stats(&after);
	KEXPECT(t, same_in_use(&before, &after));
	KEXPECT_EQ(t, after.bytes_in_use, before.bytes_in_use);
	KEXPECT_EQ(t, after.blocks_in_use, before.blocks_in_use);
}

KTEST(kmem_cache, empty_slabs_go_back_to_kmalloc_but_one_spare)
{
	struct osmem_stats base, mid;
	struct kmem_cache_stats st;
	struct kmem_cache *c = kmem_cache_create("spare", 256, 0);
	size_t per, n;

	KASSERT_NOT_NULL(t, c);
	kmem_cache_stats(c, &st);
	per = st.objects_per_slab;
	n = 3 * per;
	KASSERT_LE(t, n, MANY);
	heap_stats(&base);
	for (size_t i = 0; i < n; i++) {
		objs[i] = kmem_cache_alloc(c);
		KASSERT_NOT_NULL(t, objs[i]);
	}
	kmem_cache_stats(c, &st);
	KEXPECT_EQ(t, st.slabs, 3);
	heap_stats(&mid);
	KEXPECT_EQ(t, mid.blocks_in_use + mid.mapped_blocks,
		   base.blocks_in_use + base.mapped_blocks + 3);
	/* Empty the first slab (the spare), then the second (freed), once
	 * this CPU's magazine is back in the slabs. */
	for (size_t i = 0; i < 2 * per; i++)
		kmem_cache_free(c, objs[i]);
	kmem_cache_shrink(c);
	kmem_cache_stats(c, &st);
	KEXPECT_EQ(t, st.slabs, 2);
	KEXPECT_EQ(t, st.objects_in_use, per);
	heap_stats(&mid);
	KEXPECT_EQ(t, mid.blocks_in_use + mid.mapped_blocks,
		   base.blocks_in_use + base.mapped_blocks + 2);
	/* The spare serves the next allocation: no new slab. */
	objs[0] = kmem_cache_alloc(c);
	KASSERT_NOT_NULL(t, objs[0]);
	kmem_cache_stats(c, &st);
	KEXPECT_EQ(t, st.slabs, 2);
	kmem_cache_free(c, objs[0]);
	for (size_t i = 2 * per; i < n; i++)
		kmem_cache_free(c, objs[i]);
	kmem_cache_shrink(c);
	kmem_cache_stats(c, &st);
	KEXPECT_EQ(t, st.slabs, 1);
	KEXPECT_EQ(t, st.objects_in_use, 0);
	heap_stats(&mid);
	KEXPECT_EQ(t, mid.blocks_in_use + mid.mapped_blocks,
		   base.blocks_in_use + base.mapped_blocks + 1);
	KEXPECT_EQ(t, kmem_cache_destroy(c), 0);
}

KTEST(kmem_cache, double_free_and_foreign_pointers_are_refused)
{
	struct kmem_cache *a = kmem_cache_create("a", 64, 0);
	struct kmem_cache *b = kmem_cache_create("b", 64, 0);
	struct kmem_cache_stats st;
	unsigned long misuse = kmem_cache_misuse_count();
	char *p, *q, *k;
	int local;

	KASSERT_NOT_NULL(t, a);
	KASSERT_NOT_NULL(t, b);
	p = kmem_cache_alloc(a);
	q = kmem_cache_alloc(b);
	k = kmalloc(64);
	KASSERT_NOT_NULL(t, p);
	KASSERT_NOT_NULL(t, q);
	KASSERT_NOT_NULL(t, k);

	kmem_cache_free(a, q);			/* b's object */
	KEXPECT_EQ(t, kmem_cache_misuse_count(), misuse + 1);
	kmem_cache_free(a, k);			/* kmalloc's block */
	KEXPECT_EQ(t, kmem_cache_misuse_count(), misuse + 2);
	kmem_cache_free(a, &local);		/* the stack */
	KEXPECT_EQ(t, kmem_cache_misuse_count(), misuse + 3);
	kmem_cache_free(a, (void *)0xdead0000UL);	/* unmapped */
	KEXPECT_EQ(t, kmem_cache_misuse_count(), misuse + 4);
	kmem_cache_free(a, p + 8);		/* inside an object */
	KEXPECT_EQ(t, kmem_cache_misuse_count(), misuse + 5);
	kmem_cache_stats(a, &st);
	KEXPECT_EQ(t, st.objects_in_use, 1);
	KEXPECT_EQ(t, st.frees, 0);

	kmem_cache_free(a, p);
	KEXPECT_EQ(t, kmem_cache_misuse_count(), misuse + 5);
	kmem_cache_free(a, p);			/* twice: the slab is the spare now */
	KEXPECT_EQ(t, kmem_cache_misuse_count(), misuse + 6);
	kmem_cache_stats(a, &st);
	KEXPECT_EQ(t, st.objects_in_use, 0);
	KEXPECT_EQ(t, st.frees, 1);

	/* A double free in a partly used slab, then the free list is intact:
	 * the next two allocations are two distinct objects. */
	p = kmem_cache_alloc(a);
	char *r = kmem_cache_alloc(a);
	KASSERT_NOT_NULL(t, r);
	kmem_cache_free(a, p);
	kmem_cache_free(a, p);
	KEXPECT_EQ(t, kmem_cache_misuse_count(), misuse + 7);
	char *s1 = kmem_cache_alloc(a), *s2 = kmem_cache_alloc(a);
	KEXPECT_PTR_NE(t, s1, s2);
	KEXPECT_PTR_NE(t, s1, r);
	KEXPECT_PTR_NE(t, s2, r);
	kmem_cache_free(a, s1);
	kmem_cache_free(a, s2);
	kmem_cache_free(a, r);
	KEXPECT_EQ(t, kmem_cache_misuse_count(), misuse + 7);

	kmem_cache_free(b, q);
	kfree(k);
	KEXPECT_EQ(t, kmem_cache_destroy(a), 0);
	KEXPECT_EQ(t, kmem_cache_destroy(b), 0);
}

KTEST(kmem_cache, destroy_with_live_objects_is_refused_then_returns_every_byte)
{
	struct osmem_stats before, after;
	struct kmem_cache *c;
	unsigned long misuse = kmem_cache_misuse_count();
	void *p[100];

	heap_stats(&before);
	c = kmem_cache_create("live", 200, 32);
	KASSERT_NOT_NULL(t, c);
	for (int i = 0; i < 100; i++) {
		p[i] = kmem_cache_alloc(c);
		KASSERT_NOT_NULL(t, p[i]);
	}
	KEXPECT_EQ(t, kmem_cache_destroy(c), -1);
	KEXPECT_EQ(t, kmem_cache_misuse_count(), misuse + 1);
	/* Still usable after the refusal. */
	for (int i = 0; i < 99; i++)
		kmem_cache_free(c, p[i]);
	KEXPECT_EQ(t, kmem_cache_destroy(c), -1);
	kmem_cache_free(c, p[99]);
	KEXPECT_EQ(t, kmem_cache_misuse_count(), misuse + 2);
	KEXPECT_EQ(t, kmem_cache_destroy(c), 0);
	heap_stats(&after);
	KEXPECT(t, same_in_use(&before, &after));
	KEXPECT_EQ(t, kmalloc_allocator()->check(kmalloc_heap_instance()), 0);
}

/* Magazines are on with kmalloc's per-CPU caches (fast heap, not debug). */
#define NEED_MAGAZINES(t)						\
	do {								\
		if (!kmalloc_cache_on)					\
			KTEST_SKIP(t, "no magazines (heap=classic or heap_debug)"); \
	} while (0)

static bool has_text(const char *s, const char *w)
{
	size_t n = strlen(w);

	for (; *s; s++)
		if (strncmp(s, w, n) == 0)
			return true;
	return false;
}

/* A freed object waits in this CPU's magazine (counted cached, not in
 * use) and is the next one handed out; shrink gives the magazine back. */
KTEST(kmem_cache, a_freed_object_waits_in_this_cpus_magazine)
{
	struct kmem_cache *c;
	struct kmem_cache_stats st;
	size_t cached;
	void *p;

	NEED_MAGAZINES(t);
	c = kmem_cache_create("mag", 32, 0);
	KASSERT_NOT_NULL(t, c);
	p = kmem_cache_alloc(c);
	KASSERT_NOT_NULL(t, p);
	kmem_cache_stats(c, &st);
	cached = st.objects_cached;
	kmem_cache_free(c, p);
	kmem_cache_stats(c, &st);
	KEXPECT_EQ(t, st.objects_cached, cached + 1);
	KEXPECT_EQ(t, st.objects_in_use, 0);
	KEXPECT_EQ(t, st.frees, 1);
	KEXPECT_PTR_EQ(t, kmem_cache_alloc(c), p);
	kmem_cache_free(c, p);
	kmem_cache_shrink(c);
	kmem_cache_stats(c, &st);
	KEXPECT_EQ(t, st.objects_cached, 0);
	KEXPECT_EQ(t, st.objects_free, st.slabs * st.objects_per_slab);
	KEXPECT_EQ(t, kmem_cache_destroy(c), 0);
}

/* An object written after its free, while in the magazine, is reported
 * by the allocation that would have handed it out; the object goes back
 * to its slab (so it may well be the one handed out then, from there),
 * the counts stay exact and destroy succeeds. */
KTEST(kmem_cache, an_object_written_in_the_magazine_is_reported)
{
	unsigned long misuse = kmem_cache_misuse_count();
	struct kmem_cache_stats st;
	struct kmem_cache *c;
	uint64_t *p;
	void *q;

	NEED_MAGAZINES(t);
	c = kmem_cache_create("uaf", 40, 0);
	KASSERT_NOT_NULL(t, c);
	p = kmem_cache_alloc(c);
	KASSERT_NOT_NULL(t, p);
	kmem_cache_free(c, p);
	p[0] ^= 1;				/* a write after free */
	q = kmem_cache_alloc(c);
	KEXPECT_NOT_NULL(t, q);
	KEXPECT_EQ(t, kmem_cache_misuse_count(), misuse + 1);
	kmem_cache_stats(c, &st);
	KEXPECT_EQ(t, st.objects_in_use, 1);
	KEXPECT_EQ(t, st.objects_in_use + st.objects_free, st.slabs * st.objects_per_slab);
	if (!KEXPECT(t, has_text(kmem_cache_last_report(), "write after free of")))
		ktest_note(t, "report: %s", kmem_cache_last_report());
	kmem_cache_free(c, q);
	KEXPECT_EQ(t, kmem_cache_destroy(c), 0);
}
