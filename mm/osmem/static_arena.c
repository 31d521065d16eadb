/* SPDX-License-Identifier: MIT */
/*
 * The static arena backend: a heap over one buffer (osmem_embed.h).
 *
 * Layout of the buffer:
 *
 *   buf   state (struct static_arena, 64-byte aligned)   base        brk       end
 *   |.....|===========================|.................|###########|.........|
 *                                                        in the heap  not yet
 *
 * Invariants: base <= brk <= end; [base, zeroed) has been zeroed once,
 * and zeroed never moves down, so memory the break passes a second time
 * keeps what the allocator left (as sbrk's would). No lock: the heap's
 * lock (the port's, if it sets one) is held on every call.
 */
#include "mm/osmem/osmem_embed.h"
#include "libk/string.h"
#include <stdint.h>

#define STATIC_ALIGN 64          /* the heap's start: a cache line */
#define STATIC_PAGE  4096        /* growth step (backend.h page_size) */

struct static_arena {
	struct osmem_backend be;     /* first: heap_extend gets &be */
	char *base, *brk, *end, *zeroed;
};

static uintptr_t align_up(uintptr_t v, uintptr_t a)
{
	return (v + a - 1) & ~(a - 1);
}

/* sbrk inside the buffer: old break, or OSMEM_BRK_FAIL and nothing moved. */
static void *static_extend(const struct osmem_backend *be, intptr_t delta)
{
	struct static_arena *a = (struct static_arena *)(void *)be;
	char *old = a->brk;

	if (delta > 0 && (uintptr_t)delta > (uintptr_t)(a->end - old))
		return OSMEM_BRK_FAIL;
	/* 0 - delta in unsigned: -INTPTR_MIN would overflow. */
	if (delta < 0 && (uintptr_t)0 - (uintptr_t)delta > (uintptr_t)(old - a->base))
		return OSMEM_BRK_FAIL;
	a->brk = old + delta;
	if (a->brk > a->zeroed) {
		memset(a->zeroed, 0, (size_t)(a->brk - a->zeroed));
		a->zeroed = a->brk;
	}
	return old;
}

struct osmem_backend *osmem_static_backend(void *buf, size_t len)
{
	uintptr_t start = (uintptr_t)buf, end = start + len, st, base;
	struct static_arena *a;

	if (!buf || end < start)
		return NULL;
	st = align_up(start, STATIC_ALIGN);
	base = align_up(st + sizeof(*a), STATIC_ALIGN);
	if (st < start || base < st || base > end)
		return NULL;
	a = (struct static_arena *)st;
	memset(a, 0, sizeof(*a));
	a->be.name = "static-arena";
	a->be.page_size = STATIC_PAGE;
	a->be.heap_extend = static_extend;
	a->base = a->brk = a->zeroed = (char *)base;
	a->end = (char *)end;
	return &a->be;
}

struct osmem_heap *osmem_heap_from_arena(struct osmem_heap_space *space,
					 void *buf, size_t len)
{
	struct osmem_backend *be = osmem_static_backend(buf, len);

	return be ? osmem_heap_create(space, be) : NULL;
}
