/* SPDX-License-Identifier: MIT */
/*
 * mm_init: bring up kernel memory management from a description of
 * physical memory that the kernel took from its boot loader.
 *
 *   1. pmm: frames from the available RAM ranges, keeping the first MiB and
 *      the `keep` ranges (kernel image, boot information, modules);
 *   2. vmm: fresh page tables (direct map of all RAM-like ranges, the image
 *      with its section rights, no identity map, the stack guard
 *      unmapped), CR3 switched;
 *   3. kbrk and vmap ready.
 * Then prints the memory summary (usable RAM, reserved, free frames).
 *
 * mm knows no boot protocol: kernel/boot_mem.c turns the multiboot2 map
 * into this. Needs the kernel GDT/IDT loaded (the boot GDT lies in the
 * identity map, which vmm_init removes). Panics when there is no RAM or the
 * tables cannot be built: the kernel cannot run without them.
 */
#ifndef MM_MM_H
#define MM_MM_H

#include "mm/pmm.h"

struct mm_boot_map {
	const struct pmm_range *avail;		/* RAM the kernel may use */
	int navail;
	const struct pmm_range *ram_like;	/* RAM, ACPI tables, NVS: the direct map */
	int nram_like;
	const struct pmm_range *keep;		/* never handed out */
	int nkeep;
};

void mm_init(const struct mm_boot_map *map);
void mm_print_summary(void);

#endif
