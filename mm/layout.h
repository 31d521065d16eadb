/* SPDX-License-Identifier: MIT */
/*
 * The kernel's virtual address layout: every region in one place.
 *
 * Each constant carries its unit in its name (_BASE an address, _BYTES a
 * size in bytes). docs/memory-layout.md draws the same table.
 *
 *   0x0000000000000000 .. 0x00007fffffffffff  lower half: nothing mapped
 *                                             (page 0 faults: NULL)
 *   DIRECT_MAP_BASE    0xffff800000000000     all physical memory, RW+NX
 *                      (DIRECT_MAP_MAX_BYTES = 16 TiB reserved)
 *   KBRK_BASE          0xffff900000000000     kernel brk heap (ksbrk)
 *                      (KBRK_MAX_BYTES = 64 GiB)
 *   VMAP_BASE          0xffffa00000000000     page mapper (vm_map)
 *                      (VMAP_BYTES = 64 GiB)
 *   MM_TEST_BASE       0xffffb00000000000     scratch pages of the mm
 *                      (MM_TEST_BYTES = 1 GiB)  self-tests (vmm suite)
 *   MMIO_BASE          0xffffc00000000000     device registers, uncached
 *                      (MMIO_BYTES = 1 GiB)     (mmio_map, mm/mmio.h)
 *   KERNEL_VIRT_BASE   0xffffffff80000000     kernel image (-mcmodel=kernel),
 *                                             loaded at physical 1 MiB
 *
 * Invariants: the regions do not overlap, each starts on a 512 GiB boundary
 * (its own PML4 slot) except the kernel image (the last 2 GiB), and all are
 * in the higher half, so every address space shares them.
 *
 * phys_to_virt()/virt_to_phys() work for the direct map only; the kernel
 * image has its own pair (kimage_virt_to_phys()), as its offset differs.
 */
#ifndef MM_LAYOUT_H
#define MM_LAYOUT_H

#include <stdint.h>

typedef uint64_t phys_addr_t;

#define PAGE_SHIFT		12
#define PAGE_SIZE		(1UL << PAGE_SHIFT)
#define PAGE_MASK		(~(PAGE_SIZE - 1))
#define LARGE_PAGE_SIZE		(1UL << 21)	/* a 2 MiB page */

#define PAGE_ALIGN_DOWN(x)	((uint64_t)(x) & PAGE_MASK)
#define PAGE_ALIGN_UP(x)	(((uint64_t)(x) + PAGE_SIZE - 1) & PAGE_MASK)
#define PAGE_ALIGNED(x)		(((uint64_t)(x) & (PAGE_SIZE - 1)) == 0)

#define DIRECT_MAP_BASE		0xffff800000000000UL
#define DIRECT_MAP_MAX_BYTES	(16UL << 40)

#define KBRK_BASE		0xffff900000000000UL
#define KBRK_MAX_BYTES		(64UL << 30)

#define VMAP_BASE		0xffffa00000000000UL
#define VMAP_BYTES		(64UL << 30)

#define MM_TEST_BASE		0xffffb00000000000UL
#define MM_TEST_BYTES		(1UL << 30)

#define MMIO_BASE		0xffffc00000000000UL
#define MMIO_BYTES		(1UL << 30)

#define KERNEL_VIRT_BASE	0xffffffff80000000UL
#define KERNEL_PHYS_LOAD	0x100000UL

/* Boot maps only this much at DIRECT_MAP_BASE before vmm_init runs. */
#define BOOT_DIRECT_MAP_BYTES	(1UL << 30)

static inline void *phys_to_virt(phys_addr_t pa)
{
	return (void *)(pa + DIRECT_MAP_BASE);
}

static inline phys_addr_t virt_to_phys(const void *va)
{
	return (phys_addr_t)(uintptr_t)va - DIRECT_MAP_BASE;
}

static inline int is_direct_map(const void *va)
{
	uintptr_t a = (uintptr_t)va;

	return a >= DIRECT_MAP_BASE && a - DIRECT_MAP_BASE < DIRECT_MAP_MAX_BYTES;
}

/* For addresses inside the kernel image (text, data, bss, boot stack). */
static inline phys_addr_t kimage_virt_to_phys(const void *va)
{
	return (phys_addr_t)(uintptr_t)va - KERNEL_VIRT_BASE;
}

#endif
