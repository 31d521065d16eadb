/* SPDX-License-Identifier: MIT */
/*
 * What the drop-in library says of its heaps, as glibc does: mallinfo2
 * (the totals in glibc's fields), malloc_info (an XML document, one
 * <heap> per arena, glibc's element names) and malloc_stats (a few lines
 * per arena on stderr). Every byte of a heap is in exactly one of in
 * use, cached (the threads' caches: lists and stash), free, headers; the
 * caches of other threads are read as they are at that moment. Nothing
 * here holds a lock while it writes: stdio may allocate.
 */
#define _GNU_SOURCE
#include "mm/osmem/backend_posix.h"
#include "mm/osmem/preload_arena_posix.h"
#include "mm/osmem/preload_cache_posix.h"
#include "mm/osmem/preload_posix.h"
#include <errno.h>
#include <malloc.h>
#include <stdio.h>

/* Every arena's stats, added up. */
static void preload_stats(struct osmem_stats *sum)
{
	struct osmem_stats st;
	struct osmem_arena *a;

	for (unsigned i = 0; i < OSMEM_ARENAS; i++)
		if ((a = osmem_arena_at(i))) {
			osmem_fast.stats(osmem_arena_heap(a), &st);
			osmem_stats_add(sum, &st);
		}
}

/*
 * mallinfo2(): the heaps' stats (allocator.h) in glibc's fields, with
 * glibc's meaning where it has one, summed over the arenas: arena = heap
 * bytes (the break's and the other arenas' regions'),
 * ordblks/fordblks = free blocks and all bytes free to the program,
 * cached included; smblks/fsmblks = blocks and bytes in the threads'
 * caches (glibc: its fastbins, the same idea: small freed blocks not
 * yet in the free lists, counted in fordblks); hblks/hblkhd = page
 * mappings; uordblks = bytes in use in the heap; usmblks, keepcost 0.
 * Freed mappings kept for reuse (mm/osmem/fast_keep.c) are free to the
 * program: in fordblks.
 * The caches of other threads are read as they are at that moment.
 */
PRELOAD_API struct mallinfo2 mallinfo2(void)
{
	struct mallinfo2 mi = { 0 };
	struct osmem_stats st = { 0 };

	OSMEM_POSIX_FRONT("mallinfo2");
	osmem_preload();
	preload_stats(&st);
	mi.arena = st.heap_bytes;
	mi.ordblks = st.blocks_free;
	mi.smblks = st.blocks_cached;
	mi.hblks = st.mapped_blocks;
	mi.hblkhd = st.mapped_bytes;
	mi.fsmblks = st.bytes_cached;
	mi.uordblks = st.bytes_in_use;
	mi.fordblks = st.bytes_free + st.bytes_cached + st.kept_bytes;
	return mi;
}

/* Arena i's stats; false when it is not in use. */
static int preload_arena_stats(unsigned i, struct osmem_stats *st)
{
	struct osmem_arena *a = osmem_arena_at(i);

	if (!a)
		return 0;
	osmem_fast.stats(osmem_arena_heap(a), st);
	return 1;
}

/*
 * malloc_info(0, fp): glibc's document. Per arena: "fast" = cached
 * blocks (glibc: fastbins and tcache, the same idea), "rest" = free
 * blocks, system "current" = heap bytes, aspace "total" = the same (each
 * heap is one piece); then the totals and "mmap" = the page mappings (all
 * arena 0's). Returns 0, or -1 with EINVAL for options other than 0 (as
 * glibc).
 */
PRELOAD_API int malloc_info(int options, FILE *fp)
{
	struct osmem_stats st, sum = { 0 };

	OSMEM_POSIX_FRONT("malloc_info");
	if (options != 0) {
		errno = EINVAL;
		return -1;
	}
	osmem_preload();
	fprintf(fp, "<malloc version=\"1\">\n");
	for (unsigned i = 0; i < OSMEM_ARENAS; i++) {
		if (!preload_arena_stats(i, &st))
			continue;
		osmem_stats_add(&sum, &st);
		fprintf(fp, "<heap nr=\"%u\">\n<sizes>\n</sizes>\n"
			"<total type=\"fast\" count=\"%zu\" size=\"%zu\"/>\n"
			"<total type=\"rest\" count=\"%zu\" size=\"%zu\"/>\n"
			"<system type=\"current\" size=\"%zu\"/>\n"
			"<aspace type=\"total\" size=\"%zu\"/>\n</heap>\n",
			i, st.blocks_cached, st.bytes_cached, st.blocks_free,
			st.bytes_free, st.heap_bytes, st.heap_bytes);
	}
	fprintf(fp, "<total type=\"fast\" count=\"%zu\" size=\"%zu\"/>\n"
		"<total type=\"rest\" count=\"%zu\" size=\"%zu\"/>\n"
		"<total type=\"mmap\" count=\"%zu\" size=\"%zu\"/>\n"
		"<system type=\"current\" size=\"%zu\"/>\n"
		"<aspace type=\"total\" size=\"%zu\"/>\n</malloc>\n",
		sum.blocks_cached, sum.bytes_cached, sum.blocks_free,
		sum.bytes_free, sum.mapped_blocks, sum.mapped_bytes,
		sum.heap_bytes + sum.mapped_bytes, sum.heap_bytes);
	return 0;
}

/* malloc_stats(): glibc's lines on stderr, per arena and in total, with
 * the cached bytes beside in use. */
PRELOAD_API void malloc_stats(void)
{
	struct osmem_stats st, sum = { 0 };

	OSMEM_POSIX_FRONT("malloc_stats");
	osmem_preload();
	for (unsigned i = 0; i < OSMEM_ARENAS; i++) {
		if (!preload_arena_stats(i, &st))
			continue;
		osmem_stats_add(&sum, &st);
		fprintf(stderr, "Arena %u:\nsystem bytes     = %10zu\n"
			"in use bytes     = %10zu\ncached bytes     = %10zu\n",
			i, st.heap_bytes, st.bytes_in_use, st.bytes_cached);
	}
	fprintf(stderr, "Total (incl. mmap):\nsystem bytes     = %10zu\n"
		"in use bytes     = %10zu\ncached bytes     = %10zu\n"
		"mmap regions     = %10zu\nmmap bytes       = %10zu\n"
		"kept mmap bytes  = %10zu\ncaches to flush  = %10u\n",
		sum.heap_bytes + sum.mapped_bytes, sum.bytes_in_use + sum.mapped_bytes,
		sum.bytes_cached, sum.mapped_blocks, sum.mapped_bytes,
		sum.kept_bytes, osmem_preload_cache_trim_pending());
}
