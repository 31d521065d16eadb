/*
 * kmalloc's small-block cache (contract: mm/kmalloc_cache.h): the one
 * cache and its switch. The fast paths are inline in the header; the
 * slow paths are the shared ones (mm/osmem/cache.c).
 */
#include "mm/kmalloc_cache.h"
#include "libk/string.h"

struct osmem_cache kmalloc_cache;
bool kmalloc_cache_on;

void kmalloc_cache_init(const struct osmem_allocator *a, struct osmem_heap *h)
{
	memset(&kmalloc_cache, 0, sizeof(kmalloc_cache));
	kmalloc_cache_on = a == &osmem_fast &&
			   osmem_cache_attach(&kmalloc_cache, h);
}
