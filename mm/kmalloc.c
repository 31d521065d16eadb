/*
 * kmalloc: the kernel's allocation front (contracts in mm/kmalloc.h).
 *
 * The front knows nothing of any block layout: it picks an allocator from
 * kmalloc_allocators[] by name at boot and forwards every call. Overflow of
 * n * size is checked here, once, for the array forms.
 */
#include "mm/kmalloc.h"
#include "kernel/kprintf.h"
#include "libk/string.h"
#include "mm/osmem/backend_kernel.h"

#define KMALLOC_DEFAULT "fast"

static const struct osmem_allocator *const kmalloc_allocators[] = {
	&osmem_fast,
	&osmem_classic,
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

int kmalloc_init(const char *name)
{
	const struct osmem_allocator *a = NULL;
	int err = 0;

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
	kprintf("kmalloc: %s allocator\n", a->name);
	return err;
}

const struct osmem_allocator *kmalloc_allocator(void)
{
	return kmalloc_impl;
}

struct osmem_heap *kmalloc_heap_instance(void)
{
	return KHEAP;
}

void *kmalloc(size_t size)
{
	return kmalloc_impl->malloc(KHEAP, size);
}

void *kzalloc(size_t size)
{
	/* calloc knows which memory is already zero; malloc + memset not. */
	return kmalloc_impl->calloc(KHEAP, 1, size);
}

void *kcalloc(size_t n, size_t size)
{
	return kmalloc_impl->calloc(KHEAP, n, size);
}

void *kmalloc_array(size_t n, size_t size)
{
	size_t bytes;

	if (__builtin_mul_overflow(n, size, &bytes))
		return NULL;
	return kmalloc_impl->malloc(KHEAP, bytes);
}

void *krealloc(void *p, size_t size)
{
	return kmalloc_impl->realloc(KHEAP, p, size);
}

void kfree(void *p)
{
	if (p)
		kmalloc_impl->free(KHEAP, p);
}

size_t ksize(void *p)
{
	return p ? kmalloc_impl->usable_size(KHEAP, p) : 0;
}

void *kmalloc_aligned(size_t size, size_t align)
{
	return kmalloc_impl->memalign(KHEAP, align, size);
}
