/* SPDX-License-Identifier: MIT */
/*
 * One allocation scenario per run, for tests/host/ltrace-check.sh, which
 * traces this program's brk/mmap/munmap and os_* results with ltrace and
 * compares them with the reference's sequence.
 *
 *   osmem_ltrace_prog SCENARIO      (linked against build/host/libosmem.so)
 *
 * Only os_* may allocate here: stdio or the C library's malloc would move
 * the break or map memory and spoil the trace. The program checks the
 * contents it wrote itself; exit status 0 when they held, 2 on a bad
 * scenario name, 1 otherwise.
 */
#include "mm/osmem/osmem.h"
#include <string.h>

static int fill_check(unsigned char *p, size_t n)
{
	if (!p)
		return 1;
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)(i * 7 + 1);
	for (size_t i = 0; i < n; i++)
		if (p[i] != (unsigned char)(i * 7 + 1))
			return 1;
	return 0;
}

/* malloc(100): the first heap use, a 128 KiB preallocation. */
static int first_small(void)
{
	return fill_check(os_malloc(100), 100);
}

/* malloc(128 KiB): header + size reaches the threshold, so a mapping. */
static int big_malloc(void)
{
	unsigned char *p = os_malloc(131072);
	int bad = fill_check(p, 131072);

	os_free(p);
	return bad;
}

/* calloc(1, 4080): 32 + 4080 reaches the page size, so a mapping. */
static int calloc_4080(void)
{
	unsigned char *p = os_calloc(1, 4080);
	int bad = !p;

	for (size_t i = 0; p && i < 4080; i++)
		bad |= p[i] != 0;
	os_free(p);
	return bad;
}

/* A freed block is reused for a smaller request and split; the split-off
 * rest serves the next request. */
static int reuse_split(void)
{
	unsigned char *a = os_malloc(1000), *b, *c;

	os_free(a);
	b = os_malloc(500);
	c = os_malloc(400);
	return fill_check(b, 500) | fill_check(c, 400) | (a != b);
}

/* The free last block is 8 bytes short: the break moves by 8 only. */
static int grow_last(void)
{
	unsigned char *a = os_malloc(1000), *b = os_malloc(130016);

	return fill_check(a, 1000) | fill_check(b, 130016);
}

/* A mapped block shrunk into the heap: new block first, copy, unmap. */
static int realloc_mapped(void)
{
	unsigned char *p = os_malloc(200000), *q;

	if (fill_check(p, 200000))
		return 1;
	q = os_realloc(p, 100);
	for (size_t i = 0; q && i < 100; i++)
		if (q[i] != (unsigned char)(i * 7 + 1))
			return 1;
	return !q;
}

/* 1 if p[0..n) still holds fill_check's pattern. */
static int kept(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != (unsigned char)(i * 7 + 1))
			return 0;
	return 1;
}

/*
 * os_realloc of a pointer that is no live block returns NULL, makes no
 * system call and changes nothing; the program goes on (the assignment's
 * rule): b freed, then b merged into the free a before it by a malloc's
 * merge pass.
 */
static int realloc_freed(void)
{
	unsigned char *a = os_malloc(100), *b = os_malloc(100), *c = os_malloc(100);
	unsigned char *d;
	int bad = fill_check(c, 100);

	os_free(b);
	bad |= os_realloc(b, 200) != NULL;
	bad |= os_realloc(b, 200000) != NULL;	/* a mapping's size: no mmap */
	os_free(a);
	d = os_malloc(1000);
	bad |= os_realloc(b, 50) != NULL;
	return bad | !kept(c, 100) | fill_check(d, 1000);
}

/*
 * q becomes the last block only by absorbing the free r after it, and is
 * still short: it moves to new heap space, as os_malloc(3000) would, and
 * does not move the break by the rest. The old block (q with r) is freed:
 * the next os_malloc(2000) takes it without a system call.
 */
static int realloc_absorb_then_move(void)
{
	unsigned char *big = os_malloc(131032), *q, *r, *n, *again;
	int bad;

	q = os_malloc(1000);
	r = os_malloc(1000);
	bad = fill_check(big, 131032) | fill_check(q, 1000) | !r;
	os_free(r);
	n = os_realloc(q, 3000);
	bad |= !n || !kept(n, 1000);
	again = os_malloc(2000);
	return bad | (again != q) | fill_check(n, 3000) | fill_check(again, 2000);
}

static const struct {
	const char *name;
	int (*fn)(void);
} scenarios[] = {
	{ "first_small", first_small },
	{ "big_malloc", big_malloc },
	{ "calloc_4080", calloc_4080 },
	{ "reuse_split", reuse_split },
	{ "grow_last", grow_last },
	{ "realloc_mapped", realloc_mapped },
	{ "realloc_freed", realloc_freed },
	{ "realloc_absorb_then_move", realloc_absorb_then_move },
};

int main(int argc, char **argv)
{
	for (size_t i = 0; argc > 1 && i < sizeof(scenarios) / sizeof(scenarios[0]); i++)
		if (strcmp(argv[1], scenarios[i].name) == 0)
			return scenarios[i].fn();
	return 2;
}
