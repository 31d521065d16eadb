/*
 * The kernel backend (contract: mm/osmem/backend.h): the kernel brk heap
 * (ksbrk) stands in for sbrk, the page mapper (vm_map, vm_unmap, vm_remap)
 * for mmap, munmap and mremap. Reports go to the serial console.
 *
 * Lengths: the classic allocator maps exactly 32 + ALIGN8(size) bytes, not
 * whole pages; vm_map and vm_unmap round any length up to whole pages the
 * same way, so the same unrounded length maps and unmaps one mapping.
 *
 * Locking: the kernel has one CPU and no threads yet, so lock and unlock
 * are no-ops. When threads or interrupt-time allocation arrive, this is
 * the one place that changes (interrupts off plus a spin lock).
 */
#include "mm/osmem/backend_kernel.h"
#include "kernel/kprintf.h"
#include "mm/kbrk.h"
#include "mm/layout.h"
#include "mm/vmap.h"

static void *kernel_heap_extend(intptr_t delta)
{
	return ksbrk(delta);
}

static void *kernel_pages_map(size_t len)
{
	return vm_map(len);
}

static int kernel_pages_unmap(void *p, size_t len)
{
	return vm_unmap(p, len);
}

static void *kernel_pages_remap(void *p, size_t old_len, size_t new_len)
{
	return vm_remap(p, old_len, new_len);
}

static void kernel_lock(void)
{
}

static void kernel_unlock(void)
{
}

static void kernel_report(const char *msg)
{
	kprintf("%s\n", msg);
}

static const struct osmem_backend kernel_backend = {
	.name = "kernel",
	.page_size = PAGE_SIZE,
	.heap_extend = kernel_heap_extend,
	.pages_map = kernel_pages_map,
	.pages_unmap = kernel_pages_unmap,
	.pages_remap = kernel_pages_remap,
	.lock = kernel_lock,
	.unlock = kernel_unlock,
	.report = kernel_report,
};

const struct osmem_backend *osmem_kernel_backend(void)
{
	return &kernel_backend;
}
