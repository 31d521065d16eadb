/* SPDX-License-Identifier: MIT */
/*
 * mm_init: from a description of physical memory to running page tables
 * (see mm.h).
 */
#include "mm/mm.h"
#include "mm/kbrk.h"
#include "mm/layout.h"
#include "mm/pmm.h"
#include "mm/vmap.h"
#include "mm/vmm.h"
#include "libk/console.h"
#include "libk/panic.h"

void mm_init(const struct mm_boot_map *map)
{
	if (!map || map->navail == 0)
		panic("mm: the boot loader gave no memory map");
	if (pmm_init(map->avail, map->navail, map->keep, map->nkeep))
		panic("mm: no usable RAM, or no room for the frame bitmaps");
	if (vmm_init(map->ram_like, map->nram_like))
		panic("mm: cannot build the kernel page tables");
	kbrk_init();
	vmap_init();
	mm_print_summary();
}

void mm_print_summary(void)
{
	struct pmm_stats st;
	uint64_t kib = PAGE_SIZE / 1024;

	pmm_stats(&st);
	kprintf("memory: usable RAM %lu KiB (%lu frames), reserved %lu KiB "
		"(%lu frames), free %lu frames (%lu KiB)\n",
		st.total_frames * kib, st.total_frames,
		st.reserved_frames * kib, st.reserved_frames,
		st.free_frames, st.free_frames * kib);
	kprintf("memory: direct map of physical 0-0x%lx at 0x%lx, %lu page-table "
		"pages; identity map removed\n",
		(unsigned long)vmm_direct_map_end(), DIRECT_MAP_BASE,
		vmm_table_pages());
}
