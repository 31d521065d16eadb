/* SPDX-License-Identifier: MIT */
/*
 * mmio: a bump allocator of uncached address space (see mmio.h).
 *
 * Invariant: every page of [MMIO_BASE, mmio_next) is mapped, none above it.
 * mmio_next only grows; a failed call leaves it (and the tables' mappings)
 * as they were.
 */
#include "mm/mmio.h"
#include "mm/vmm.h"
#include "libk/cpu.h"

static uintptr_t mmio_next = MMIO_BASE;

void *mmio_map(phys_addr_t pa, size_t bytes)
{
	phys_addr_t first = PAGE_ALIGN_DOWN(pa), end;
	uintptr_t va;
	uint64_t flags;
	size_t n;

	if (bytes == 0 || pa + bytes < pa)
		return NULL;
	end = PAGE_ALIGN_UP(pa + bytes);
	n = (end - first) / PAGE_SIZE;
	flags = irq_save();
	va = mmio_next;
	if (n > (MMIO_BASE + MMIO_BYTES - va) / PAGE_SIZE) {
		irq_restore(flags);
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		if (vmm_map(va + i * PAGE_SIZE, first + i * PAGE_SIZE,
			    VMM_WRITE | VMM_NX | VMM_NOCACHE) == 0)
			continue;
		while (i--)
			vmm_unmap(va + i * PAGE_SIZE);
		irq_restore(flags);
		return NULL;
	}
	mmio_next = va + n * PAGE_SIZE;
	irq_restore(flags);
	return (void *)(va + (pa - first));
}

size_t mmio_used_bytes(void)
{
	return mmio_next - MMIO_BASE;
}
