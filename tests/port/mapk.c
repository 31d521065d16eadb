/* SPDX-License-Identifier: MIT */
/*
 * docs/porting.md, example 4: a port written from the tarball alone. A fake
 * kernel with all a bigger hobby kernel has: a break, a page mapper (first
 * fit over a page pool, so unmapped_reused), a lock that masks interrupts,
 * a report hook, and the tuning calls. make test's dist step unpacks
 * build/dist/osmem-VERSION.tar.gz into a scratch directory, copies this
 * file and ktap_mini.h beside osmem.c and osmem.h, and builds it there
 * with gcc and clang, -Wall -Wextra -Werror, no -I (tests/port/dist.sh):
 * whatever this port needs must be in the tarball's osmem.h.
 * It prints KTAP and exits 0 when every check passed.
 */
#include "osmem.h"
#include "ktap_mini.h"
#include <stdbool.h>
#include <stdint.h>

#define MK_PAGE 4096
#define MK_POOL_PAGES 512               /* 2 MiB of mappable pages */

/* ---------------------------------------------------- compiler calls ---- */
/* The four a freestanding compiler may emit calls to (PORTING.md, Names):
 * the kernel's own, as for the rest of its code. */
void *memset(void *d, int c, size_t n);
void *memcpy(void *restrict d, const void *restrict s, size_t n);
void *memmove(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);

void *memset(void *d, int c, size_t n)
{
	for (unsigned char *p = d; n--; )
		*p++ = (unsigned char)c;
	return d;
}

void *memcpy(void *restrict d, const void *restrict s, size_t n)
{
	for (unsigned char *p = d; n--; )
		*p++ = *(const unsigned char *)s++;
	return d;
}

void *memmove(void *d, const void *s, size_t n)
{
	unsigned char *p = d;
	const unsigned char *q = s;

	if (p < q)
		return memcpy(d, s, n);
	while (n--)
		p[n] = q[n];
	return d;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *p = a, *q = b;

	for (; n--; p++, q++)
		if (*p != *q)
			return *p - *q;
	return 0;
}

/* ------------------------------------------------------------- break ---- */
static _Alignas(MK_PAGE) char mk_brk_area[1 << 20];
static char *mk_brk = mk_brk_area;
static int mk_shrinks;

static void *mk_extend(const struct osmem_backend *be, intptr_t d)
{
	char *old = mk_brk;

	(void)be;
	if (d > (intptr_t)(mk_brk_area + sizeof(mk_brk_area) - old) ||
	    d < mk_brk_area - old)
		return OSMEM_BRK_FAIL;
	mk_shrinks += d < 0;
	mk_brk = old + d;
	return old;             /* .bss: zero the first time, as sbrk */
}

/* ------------------------------------------------------- page mapper ---- */
static _Alignas(MK_PAGE) char mk_pool[MK_POOL_PAGES][MK_PAGE];
static bool mk_used[MK_POOL_PAGES];
static void *mk_last_map;
static size_t mk_last_len;
static int mk_maps, mk_unmaps, mk_bad_unmaps;

/* First fit over whole pages (len need not be a page multiple); zeroed. */
static void *mk_map(size_t len)
{
	size_t n = (len + MK_PAGE - 1) / MK_PAGE, run = 0;

	for (size_t i = 0; i < MK_POOL_PAGES; i++) {
		run = mk_used[i] ? 0 : run + 1;
		if (run < n)
			continue;
		for (size_t j = i + 1 - n; j <= i; j++)
			mk_used[j] = true;
		mk_last_map = mk_pool[i + 1 - n];
		mk_last_len = len;
		mk_maps++;
		return memset(mk_last_map, 0, n * MK_PAGE);
	}
	return NULL;
}

/* Takes back exactly what mk_map gave last (this test maps one at a
 * time): anything else is counted as a broken contract. */
static int mk_unmap(void *p, size_t len)
{
	size_t first = (size_t)((char *)p - mk_pool[0]) / MK_PAGE;

	if (p != mk_last_map || len != mk_last_len) {
		mk_bad_unmaps++;
		return -1;
	}
	for (size_t j = first; j < first + (len + MK_PAGE - 1) / MK_PAGE; j++)
		mk_used[j] = false;
	mk_unmaps++;
	return 0;
}

/* ----------------------------------------------------- lock, report ---- */
/* A real kernel saves RFLAGS and cli's in lock, restores in unlock. */
static int mk_held, mk_nested, mk_locks, mk_irqs_on = 1;

static void mk_lock(const struct osmem_backend *be)
{
	(void)be;
	mk_nested += mk_held++;
	mk_irqs_on = 0;
	mk_locks++;
}

static void mk_unlock(const struct osmem_backend *be)
{
	(void)be;
	mk_held--;
	mk_irqs_on = 1;
}

static int mk_reports;
static enum osmem_fault mk_last_fault;
static char mk_line[200];

static void mk_report(const struct osmem_report *r)
{
	osmem_report_format(mk_line, sizeof(mk_line), r, "kfree", NULL, NULL);
	mini_puts("# ");
	mini_puts(mk_line);
	mini_puts("\n");
	mk_last_fault = r->fault;
	mk_reports++;
}

static const struct osmem_backend mk_be = {
	.name = "mapk", .page_size = MK_PAGE, .heap_extend = mk_extend,
	.pages_map = mk_map, .pages_unmap = mk_unmap, .unmapped_reused = true,
	.lock = mk_lock, .unlock = mk_unlock, .report = mk_report,
	.secret = 0x6d61706b5eedu,
};
static struct osmem_heap_space mk_space;

static bool starts_with(const char *s, const char *prefix)
{
	while (*prefix)
		if (*s++ != *prefix++)
			return false;
	return true;
}

static bool in(const void *p, const void *lo, size_t len)
{
	return (const char *)p >= (const char *)lo &&
	       (const char *)p < (const char *)lo + len;
}

/* ------------------------------------------------------------- kmain ---- */
__attribute__((used, noreturn)) static void kmain(void)
{
	struct osmem_heap *h = osmem_heap_create(&mk_space, &mk_be);
	struct osmem_stats st;
	char *small, *big;
	int locks;

	mini_puts("KTAP version 1\n1..14\n");
	mini_check(h && mk_locks == 0 && mk_brk == mk_brk_area, "create_calls_no_hook");
	mini_check(osmem_fast_tuned(h, OSMEM_FAST_MMAP_THRESHOLD) ==
		   OSMEM_FAST_DEFAULT_MMAP_THRESHOLD, "default_mmap_threshold");
	small = osmem_heap_malloc(h, 40);
	mini_check(in(small, mk_brk_area, sizeof(mk_brk_area)) &&
		   ((uintptr_t)small & 15) == 0, "small_from_break_16_aligned");
	big = osmem_heap_malloc(h, 1 << 20);
	mini_check(in(big, mk_pool, sizeof(mk_pool)) && mk_maps == 1 &&
		   big[(1 << 20) - 1] == 0, "large_mapped_zeroed");
	osmem_heap_free(h, big);
	mini_check(mk_unmaps == 1 && mk_bad_unmaps == 0, "unmap_takes_exactly_the_map");
	osmem_heap_free(h, small);
	osmem_heap_free(h, small);
	mini_check(mk_reports == 1 && mk_last_fault == OSMEM_FAULT_DOUBLE_FREE &&
		   starts_with(mk_line, "osmem: double free of "), "double_free_reported_once");
	osmem_heap_free(h, big);        /* its pages may be someone else's now */
	mini_check(mk_reports == 2 && mk_last_fault == OSMEM_FAULT_FOREIGN_POINTER,
		   "free_of_unmapped_is_foreign");

	locks = mk_locks;
	mini_check(osmem_fast_set_mmap_threshold(h, SIZE_MAX) >=
		   OSMEM_FAST_DEFAULT_MMAP_THRESHOLD && mk_locks > locks,
		   "set_mmap_threshold_locks");
	big = osmem_heap_malloc(h, 512 << 10);
	mini_check(in(big, mk_brk_area, sizeof(mk_brk_area)) && mk_maps == 1,
		   "threshold_raised_large_from_break");
	osmem_fast_tune(h, OSMEM_FAST_TRIM_THRESHOLD, SIZE_MAX);
	osmem_heap_free(h, big);
	mini_check(mk_shrinks == 0, "trim_threshold_max_never_trims");
	mini_check(osmem_fast_trim(h, 0) == 1 && mk_shrinks == 1, "trim_gives_back");
	osmem_heap_stats(h, &st);
	mini_check(st.blocks_in_use == 0 && st.heap_bytes < (64 << 10) + MK_PAGE,
		   "stats_after_trim");
	mini_check(osmem_heap_check(h) == 0, "check");
	mini_check(mk_held == 0 && mk_nested == 0 && mk_irqs_on &&
		   starts_with(osmem_version(), OSMEM_VERSION), "lock_balanced_version");
	mini_exit(mini_failed != 0);
}

MINI_START(kmain);
