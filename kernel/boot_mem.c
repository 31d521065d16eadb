/* SPDX-License-Identifier: MIT */
/*
 * boot_mem: what the boot loader says of physical memory, as mm wants it
 * (struct mm_boot_map). mm knows no boot protocol; this file is the one
 * place that reads multiboot2's memory map for it.
 *
 * Kept from pmm, besides the first MiB that pmm keeps on its own: the
 * kernel image (physical bounds from linker.ld), the boot information block
 * and every module.
 */
#include "kernel/boot_mem.h"
#include "kernel/multiboot2.h"
#include "mm/mm.h"

#define BOOT_MEM_MAX_KEEP	(MB2_MAX_MODULES + 2)

extern char __kernel_phys_start[], __kernel_phys_end[];

/* The map entries of the given type (type 0: any RAM-like type). */
static int boot_mem_collect(const struct mb2_info *info, uint32_t type,
		      struct pmm_range *out)
{
	int n = 0;

	for (size_t i = 0; i < info->mmap_count; i++) {
		const struct mb2_mmap_entry *e = &info->mmap[i];
		int ram = e->type == MB2_MEM_AVAILABLE ||
			  e->type == MB2_MEM_ACPI_RECLAIM ||
			  e->type == MB2_MEM_NVS;

		if (e->len == 0 || (type ? e->type != type : !ram))
			continue;
		out[n].start = e->base;
		out[n].end = e->base + e->len;
		n++;
	}
	return n;
}

/* What pmm must never hand out, besides the first MiB. */
static int boot_mem_keep(const struct mb2_info *info, struct pmm_range *out)
{
	int n = 0;

	out[n].start = (phys_addr_t)(uintptr_t)__kernel_phys_start;
	out[n].end = (phys_addr_t)(uintptr_t)__kernel_phys_end;
	n++;
	if (info->phys) {
		out[n].start = info->phys;
		out[n].end = info->phys + info->total_size;
		n++;
	}
	for (size_t i = 0; i < info->module_count; i++) {
		out[n].start = info->modules[i].start;
		out[n].end = info->modules[i].end;
		n++;
	}
	return n;
}

void boot_mem_init(const struct mb2_info *info)
{
	static struct pmm_range avail[MB2_MAX_MMAP], ram_like[MB2_MAX_MMAP];
	static struct pmm_range keep[BOOT_MEM_MAX_KEEP];
	struct mm_boot_map map = { avail, 0, ram_like, 0, keep, 0 };

	if (info && info->has_mmap) {
		map.navail = boot_mem_collect(info, MB2_MEM_AVAILABLE, avail);
		/* the direct map also covers ACPI tables and NVS, for later */
		map.nram_like = boot_mem_collect(info, 0, ram_like);
		map.nkeep = boot_mem_keep(info, keep);
	}
	mm_init(&map);
}
