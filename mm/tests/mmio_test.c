/* SPDX-License-Identifier: MIT */
/*
 * mmio suite: uncached mappings of device registers (mm/mmio.c), tried on
 * an ordinary RAM frame so the bytes can be checked through the direct
 * map. The frame stays allocated: mmio mappings are never taken down, and
 * a freed frame must not stay reachable through one.
 */
#include "libk/ktest.h"
#include "mm/mmio.h"
#include "mm/pmm.h"
#include "mm/vmm.h"

#define PTE_PWT	(1UL << 3)
#define PTE_PCD	(1UL << 4)

static phys_addr_t mmio_frame;

static phys_addr_t mmio_test_frame(void)
{
	if (!mmio_frame)
		mmio_frame = pmm_alloc_zeroed();
	return mmio_frame;
}

KTEST(mmio, maps_uncached_with_the_offset_kept)
{
	phys_addr_t pa = mmio_test_frame();
	size_t used = mmio_used_bytes();
	volatile uint32_t *r;

	KASSERT_NE(t, pa, 0);
	r = mmio_map(pa + 0x20, 8);
	KASSERT_NOT_NULL(t, (void *)r);
	KEXPECT_EQ(t, (uintptr_t)r & (PAGE_SIZE - 1), 0x20);
	KEXPECT(t, (uintptr_t)r >= MMIO_BASE && (uintptr_t)r < MMIO_BASE + MMIO_BYTES);
	KEXPECT_EQ(t, vmm_translate((uintptr_t)r), pa + 0x20);
	KEXPECT_EQ(t, vmm_leaf_entry((uintptr_t)r) & (PTE_PCD | PTE_PWT),
		   PTE_PCD | PTE_PWT);
	KEXPECT_EQ(t, mmio_used_bytes(), used + PAGE_SIZE);
	r[1] = 0xfee1dead;
	KEXPECT_EQ(t, ((uint32_t *)phys_to_virt(pa))[9], 0xfee1dead);
}

/* A range that straddles a page boundary takes both pages; a second call
 * for the same range gets addresses of its own. */
KTEST(mmio, straddling_range_and_fresh_addresses)
{
	phys_addr_t pa = mmio_test_frame();
	size_t used = mmio_used_bytes();
	uint8_t *a, *b;

	KASSERT_NE(t, pa, 0);
	a = mmio_map(pa + PAGE_SIZE - 4, 8);
	KASSERT_NOT_NULL(t, a);
	KEXPECT_EQ(t, mmio_used_bytes(), used + 2 * PAGE_SIZE);
	KEXPECT_EQ(t, vmm_translate((uintptr_t)a + 4), pa + PAGE_SIZE);
	b = mmio_map(pa, 4);
	KASSERT_NOT_NULL(t, b);
	KEXPECT_NE(t, (uintptr_t)b, (uintptr_t)a - (PAGE_SIZE - 4));
}

KTEST(mmio, bad_requests_map_nothing)
{
	size_t used = mmio_used_bytes();

	KEXPECT_NULL(t, mmio_map(0x1000, 0));
	KEXPECT_NULL(t, mmio_map(~0UL - 8, 64));	/* wraps */
	KEXPECT_NULL(t, mmio_map(0x1000, MMIO_BYTES + 1));
	KEXPECT_EQ(t, mmio_used_bytes(), used);
}
