/* SPDX-License-Identifier: MIT */
/* The whole port of the allocator to tinyk (docs/porting.md, example 2). */
#include "tests/port/tinyk/tinyk.h"
#include "osmem.h"         /* copied from make dist */

static void *extend(const struct osmem_backend *be, intptr_t d) { (void)be; return tk_sbrk(d); }
static void lock(const struct osmem_backend *be) { (void)be; tk_lock(); }
static void unlock(const struct osmem_backend *be) { (void)be; tk_unlock(); }
static void report(const struct osmem_report *r)
{
	char line[200];

	osmem_report_format(line, sizeof(line), r, NULL, NULL, NULL);
	tk_printk(line);
}
static const struct osmem_backend be = { .name = "tinyk", .page_size = 4096,
	.heap_extend = extend, .lock = lock, .unlock = unlock, .report = report };
static struct osmem_heap_space space;
static struct osmem_heap *heap;

void kheap_init(void) { heap = osmem_heap_create(&space, &be); }
void *kmalloc(size_t n) { return osmem_heap_malloc(heap, n); }
void kfree(void *p) { osmem_heap_free(heap, p); }
int kheap_check(void) { return osmem_heap_check(heap); }
