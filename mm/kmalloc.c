/* SPDX-License-Identifier: MIT */
/*
 * kmalloc: the kernel's allocation front (contracts in mm/kmalloc.h).
 *
 * The front knows nothing of any block layout: it picks an allocator from
 * kmalloc_allocators[] by name at boot and forwards every call. Overflow of
 * n * size is checked here, once, for the array forms.
 *
 * Each entry records its name and its caller's return address for the
 * allocator's misuse reports (osmem_kernel_front, backend_kernel.h), and
 * clears them on return, so a report never names a stale caller.
 *
 * Small blocks: with the fast allocator (not in debug mode) kmalloc,
 * kmalloc_array and kfree go through the calling CPU's small-block cache,
 * used with interrupts off (mm/kmalloc_cache.h); krealloc and ksize refuse
 * a block sitting in any CPU's cache as freed. kzalloc, kcalloc and kmalloc_aligned go to the
 * allocator (it knows which memory is zero; alignment).
 *
 * Out of memory: an allocation that returns NULL for a non-zero size prints
 * one line naming the call and its caller; with no timer to rate-limit by
 * time, the first KMALLOC_OOM_BURST are printed, then one in every
 * KMALLOC_OOM_EVERY, saying how many were suppressed. The caller gets NULL
 * and the kernel goes on.
 */
#include "mm/kmalloc.h"
#include "libk/console.h"
#include "libk/string.h"
#include "mm/kmalloc_cache.h"
#include "mm/osmem/backend_kernel.h"
#include <stdint.h>

#define KMALLOC_DEFAULT "fast"
#define KMALLOC_OOM_BURST 10
#define KMALLOC_OOM_EVERY 1000

/* Entry and exit of every kmalloc-family function: a macro, so that
 * __builtin_return_address(0) is the caller of that function. */
#define KMALLOC_ENTER(name)                                                  \
	(*osmem_kernel_front_here() = (struct osmem_kernel_front){           \
		 (name), __builtin_return_address(0) })
#define KMALLOC_LEAVE()                                                      \
	(*osmem_kernel_front_here() = (struct osmem_kernel_front){ 0 })

static unsigned long kmalloc_oom_count, kmalloc_oom_lines;

static const struct osmem_allocator *const kmalloc_allocators[] = {
	&osmem_fast,
	&osmem_classic,
	/* heap=classic:POLICY: the placement policies of lab 2 */
	&osmem_classic_first,
	&osmem_classic_next,
	&osmem_classic_worst,
	NULL,
};

/* The kernel heap: one instance of the chosen allocator. */
static const struct osmem_allocator *kmalloc_impl;
static struct osmem_heap_space kmalloc_space;
#define KHEAP OSMEM_HEAP(&kmalloc_space)

const struct osmem_allocator *kmalloc_find(const char *name)
{
	for (int i = 0; kmalloc_allocators[i]; i++)
		if (strcmp(kmalloc_allocators[i]->name, name) == 0)
			return kmalloc_allocators[i];
	return NULL;
}

int kmalloc_init(const char *name, unsigned flags)
{
	const struct osmem_allocator *a = NULL;
	int err = 0;

	osmem_kernel_backend_setup(flags & KMALLOC_PANIC_ON_MISUSE,
				   flags & KMALLOC_DEBUG);
	if (name && *name) {
		a = kmalloc_find(name);
		if (!a) {
			kprintf("kmalloc: unknown heap=%s, using %s\n", name,
				KMALLOC_DEFAULT);
			err = -1;
		}
	}
	if (!a)
		a = kmalloc_find(KMALLOC_DEFAULT);
	a->init(KHEAP, osmem_kernel_backend());
	kmalloc_impl = a;
	kmalloc_cache_init(a, KHEAP);
	if ((flags & KMALLOC_DEBUG) && !a->has_debug_mode) {
		/* Said at boot: a student must not believe red zones guard
		 * a heap that has none. */
		kprintf("kmalloc: heap_debug ignored: the %s allocator has no debug mode (no red zones, no poisoning; heap=fast has them)\n",
			a->name);
		flags &= ~KMALLOC_DEBUG;
	}
	kprintf("kmalloc: %s allocator%s%s\n", a->name,
		flags & KMALLOC_DEBUG ? ", debug" : "",
		flags & KMALLOC_PANIC_ON_MISUSE ? ", panic on misuse" : "");
	return err;
}

unsigned long kmalloc_oom_events(void)
{
	return kmalloc_oom_count;
}

unsigned long kmalloc_oom_lines_printed(void)
{
	return kmalloc_oom_lines;
}

/* The rate-limited out-of-memory line (see the top of the file). */
static void kmalloc_oom(size_t size)
{
	unsigned long n = __atomic_add_fetch(&kmalloc_oom_count, 1, __ATOMIC_RELAXED);
	const struct osmem_kernel_front *f = osmem_kernel_front_here();
	char who[CONSOLE_SYMBOL_MAX];

	if (n > KMALLOC_OOM_BURST && (n - KMALLOC_OOM_BURST) % KMALLOC_OOM_EVERY)
		return;
	__atomic_fetch_add(&kmalloc_oom_lines, 1, __ATOMIC_RELAXED);
	console_symbol(who, sizeof(who), (uintptr_t)f->caller);
	if (n <= KMALLOC_OOM_BURST)
		kprintf("kmalloc: out of memory: %s(%zu) from %s\n",
			f->front, size, who);
	else
		kprintf("kmalloc: out of memory: %s(%zu) from %s (%d similar suppressed)\n",
			f->front, size, who,
			KMALLOC_OOM_EVERY - 1);
}

/* Every allocating entry returns through here. */
static void *kmalloc_done(void *p, size_t size)
{
	if (!p && size)
		kmalloc_oom(size);
	KMALLOC_LEAVE();
	return p;
}

const struct osmem_allocator *kmalloc_allocator(void)
{
	return kmalloc_impl;
}

struct osmem_heap *kmalloc_heap_instance(void)
{
	return KHEAP;
}

/* malloc, through the cache when it is on. */
static void *kmalloc_small(size_t size)
{
	if (kmalloc_cache_on)
		return kmalloc_cache_alloc(KHEAP, size);
	return kmalloc_impl->malloc(KHEAP, size);
}

void *kmalloc(size_t size)
{
	void *p;

	/* A hit in this CPU's cache cannot fail or report: no record. */
	if (kmalloc_cache_on && (p = kmalloc_cache_try_alloc(KHEAP, size)))
		return p;
	KMALLOC_ENTER("kmalloc");
	return kmalloc_done(kmalloc_small(size), size);
}

void *kzalloc(size_t size)
{
	KMALLOC_ENTER("kzalloc");
	/* calloc knows which memory is already zero; malloc + memset not. */
	return kmalloc_done(kmalloc_impl->calloc(KHEAP, 1, size), size);
}

void *kcalloc(size_t n, size_t size)
{
	size_t bytes;

	KMALLOC_ENTER("kcalloc");
	if (__builtin_mul_overflow(n, size, &bytes))
		bytes = SIZE_MAX;	/* reported as the impossible size it is */
	return kmalloc_done(kmalloc_impl->calloc(KHEAP, n, size), bytes);
}

void *kmalloc_array(size_t n, size_t size)
{
	size_t bytes;

	KMALLOC_ENTER("kmalloc_array");
	if (__builtin_mul_overflow(n, size, &bytes))
		return kmalloc_done(NULL, SIZE_MAX);
	return kmalloc_done(kmalloc_small(bytes), bytes);
}

/*
 * Two NULLs from realloc are no out-of-memory: realloc(p, 0) frees p, and a
 * pointer the allocator refused (double free, foreign pointer) was already
 * reported as misuse during the call: one line about it, not two. classic
 * refuses such a pointer without a report (the assignment's rule,
 * mm/osmem/allocator.h); the kernel still names it: on a NULL with no
 * report, usable_size tells a live p (out of memory) from a dead one (it
 * reports it). The extra call is on the failure path only.
 */
void *krealloc(void *p, size_t size)
{
	unsigned reports = osmem_kernel_reports();
	void *q;

	KMALLOC_ENTER("krealloc");
	if (kmalloc_cache_on && p && kmalloc_cache_refuse(KHEAP, p, OSMEM_OP_REALLOC))
		q = NULL;
	else
		q = kmalloc_impl->realloc(KHEAP, p, size);
	if (!q && p && size && osmem_kernel_reports() == reports)
		(void)kmalloc_impl->usable_size(KHEAP, p);
	if (!q && osmem_kernel_reports() != reports)
		size = 0;
	return kmalloc_done(q, p || size ? size : 0);
}

void kfree(void *p)
{
	/* A push on this CPU's cache passed every check: nothing to report. */
	if (kmalloc_cache_on && kmalloc_cache_try_free(KHEAP, p))
		return;
	KMALLOC_ENTER("kfree");
	if (kmalloc_cache_on)
		kmalloc_cache_free(KHEAP, p);
	else if (p)
		kmalloc_impl->free(KHEAP, p);
	KMALLOC_LEAVE();
}

size_t ksize(void *p)
{
	size_t n;

	KMALLOC_ENTER("ksize");
	if (!p || (kmalloc_cache_on && kmalloc_cache_refuse(KHEAP, p, OSMEM_OP_USABLE_SIZE)))
		n = 0;
	else
		n = kmalloc_impl->usable_size(KHEAP, p);
	KMALLOC_LEAVE();
	return n;
}

void *kmalloc_aligned(size_t size, size_t align)
{
	KMALLOC_ENTER("kmalloc_aligned");
	return kmalloc_done(kmalloc_impl->memalign(KHEAP, align, size), size);
}
