/* SPDX-License-Identifier: MIT */
/*
 * The allocators the osmem_common cases run against (NULL-terminated), and
 * the helpers of osmem_tests.h.
 */
#include "mm/osmem/tests/osmem_tests.h"
#include "libk/string.h"

const struct osmem_allocator *const osmem_test_allocators[] = {
	&osmem_classic,
	&osmem_fast,
	NULL,
};

/* Never kmalloc's or any other live heap: the tests re-init it at will. */
static struct osmem_heap_space osmem_test_space;

struct osmem_heap *osmem_test_heap(void)
{
	return OSMEM_HEAP(&osmem_test_space);
}

/* Byte i of seed's pattern: never 0, differs between neighbouring seeds. */
static unsigned char osmem_pattern(size_t i, unsigned seed)
{
	return (unsigned char)(((i * 131u) ^ (seed * 0x9du) ^ (i >> 8)) | 1u);
}

void osmem_fill(void *p, size_t n, unsigned seed)
{
	unsigned char *c = p;

	for (size_t i = 0; i < n; i++)
		c[i] = osmem_pattern(i, seed);
}

int osmem_verify_at(const void *p, size_t off, size_t n, unsigned seed)
{
	const unsigned char *c = p;

	for (size_t i = off; i < off + n; i++)
		if (c[i] != osmem_pattern(i, seed))
			return 0;
	return 1;
}

int osmem_verify(const void *p, size_t n, unsigned seed)
{
	return osmem_verify_at(p, 0, n, seed);
}

int osmem_is_zero(const void *p, size_t n)
{
	const unsigned char *c = p;

	for (size_t i = 0; i < n; i++)
		if (c[i])
			return 0;
	return 1;
}

static void osmem_walk_one(void *payload, size_t size,
			   enum osmem_block_kind kind, void *arg)
{
	struct osmem_walk *w = arg;

	if (w->n < OSMEM_WALK_MAX)
		w->b[w->n] = (struct osmem_walk_block){ payload, size, kind };
	w->n++;
}

void osmem_walk_collect(const struct osmem_allocator *a, struct osmem_heap *h,
			struct osmem_walk *w)
{
	memset(w, 0, sizeof(*w));
	a->walk(h, osmem_walk_one, w);
}

void osmem_name_failures_(struct ktest *t, const struct osmem_allocator *next)
{
	static struct ktest *last_t;
	static const struct osmem_allocator *last_a;
	static int last_failed;

	if (last_t == t && last_a && t->failed > last_failed)
		ktest_note(t, "failures above: allocator %s", last_a->name);
	last_t = t;
	last_a = next;
	last_failed = t->failed;
}
