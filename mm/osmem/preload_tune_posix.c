/* SPDX-License-Identifier: MIT */
/*
 * The drop-in library's tuning, as glibc's: mallopt, the MALLOC_*_
 * environment variables (read at init) and malloc_trim, over every arena
 * (preload_arena_posix.c). What it says of its heaps (mallinfo2,
 * malloc_info, malloc_stats): preload_info_posix.c.
 */
#define _GNU_SOURCE
#include "mm/osmem/backend_posix.h"
#include "mm/osmem/fast_index.h"
#include "mm/osmem/preload_arena_posix.h"
#include "mm/osmem/preload_cache_posix.h"
#include "mm/osmem/preload_posix.h"
#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>

/* ------------------------------------------------------------- tuning ---- */

/*
 * Tuning, as glibc's: mallopt(M_MMAP_THRESHOLD, M_TRIM_THRESHOLD,
 * M_TOP_PAD or M_ARENA_MAX, value), and at init the environment variables
 * glibc reads for the same four, MALLOC_MMAP_THRESHOLD_,
 * MALLOC_TRIM_THRESHOLD_, MALLOC_TOP_PAD_ and MALLOC_ARENA_MAX. The first
 * three set arena 0's value explicitly (the other arenas follow it),
 * which turns off the dynamic rule that raises the thresholds as mappings
 * are freed (contract: osmem_fast_tune, mm/osmem/fast_index.h).
 * malloc_trim(pad) flushes the calling thread's cache, asks every other
 * thread's to flush at that thread's next call, and gives the free top of
 * every arena's heap back down to pad bytes, and the kept mappings.
 */

/* The tunable a mallopt parameter or variable names; -1: none of ours. */
static int preload_tunable(int param)
{
	switch (param) {
	case M_MMAP_THRESHOLD:
		return OSMEM_FAST_MMAP_THRESHOLD;
	case M_TRIM_THRESHOLD:
		return OSMEM_FAST_TRIM_THRESHOLD;
	case M_TOP_PAD:
		return OSMEM_FAST_TOP_PAD;
	}
	return -1;
}

/*
 * 1 when the value was set, 0 when it is out of range (an mmap threshold
 * above 32 MiB, as glibc; a negative top pad, which glibc would take) or
 * the parameter is one this allocator does not have (M_MMAP_MAX,
 * M_ARENA_TEST...: glibc says 1 to those, but nothing here would honour
 * them). value converts as glibc converts it: -1 is SIZE_MAX, so
 * M_TRIM_THRESHOLD -1 turns trimming off. M_ARENA_MAX (at least 1) caps
 * the arenas that threads bound from now on share (preload_arena_posix.c).
 */
PRELOAD_API int mallopt(int param, int value)
{
	int which = preload_tunable(param);

	OSMEM_POSIX_FRONT("mallopt");
	if (param == M_ARENA_MAX)
		return value > 0 && osmem_arena_set_max((size_t)value) == 0;
	if (which < 0)
		return 0;
	osmem_preload();
	return osmem_arena_tune((enum osmem_fast_tunable)which,
				(size_t)(long)value) == 0;
}

/* 1 when memory went back to the system (the break moved down, or a
 * refused unmap went through), else 0. */
PRELOAD_API int malloc_trim(size_t pad)
{
	struct osmem_arena *a;
	int trimmed = 0;

	OSMEM_POSIX_FRONT("malloc_trim");
	osmem_preload();
	/* The calling thread's cache first, every other thread's asked to
	 * empty itself at its next call (preload_cache_posix.c, the trim
	 * protocol); then each arena's top down to pad, and its kept
	 * mappings (mm/osmem/fast_keep.c). */
	osmem_preload_cache_trim_all();
	for (unsigned i = 0; i < OSMEM_ARENAS; i++)
		if ((a = osmem_arena_at(i)))
			trimmed |= osmem_fast_trim(osmem_arena_heap(a), pad);
	return trimmed;
}

/*
 * A variable's value as glibc's tunables read it: decimal, or hex after
 * 0x; false (the variable is ignored) for anything else, an overflow or
 * an empty value. getenv and this parse allocate nothing, and leave
 * errno alone: init runs inside the program's first malloc.
 */
static int preload_env_size(const char *name, size_t *out)
{
	const char *s = getenv(name);
	size_t v = 0, base = 10, d;

	if (!s || !*s)
		return 0;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
		if (!*s)
			return 0;
	}
	for (; *s; s++) {
		if (*s >= '0' && *s <= '9')
			d = (size_t)(*s - '0');
		else if (base == 16 && (*s | 0x20) >= 'a' && (*s | 0x20) <= 'f')
			d = (size_t)((*s | 0x20) - 'a' + 10);
		else
			return 0;
		if (v > (SIZE_MAX - d) / base)
			return 0;
		v = v * base + d;
	}
	*out = v;
	return 1;
}

/* At init (preload_init), before any allocation: each variable that is
 * set and valid tunes the heap, as mallopt would. */
void osmem_preload_tune_from_env(void)
{
	static const struct {
		const char *name;
		enum osmem_fast_tunable which;
	} vars[] = {
		{ "MALLOC_MMAP_THRESHOLD_", OSMEM_FAST_MMAP_THRESHOLD },
		{ "MALLOC_TRIM_THRESHOLD_", OSMEM_FAST_TRIM_THRESHOLD },
		{ "MALLOC_TOP_PAD_", OSMEM_FAST_TOP_PAD },
	};
	size_t v;

	for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
		if (preload_env_size(vars[i].name, &v))
			osmem_arena_tune(vars[i].which, v);
	if (preload_env_size("MALLOC_ARENA_MAX", &v))
		osmem_arena_set_max(v);

}
