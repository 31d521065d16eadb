/* SPDX-License-Identifier: MIT */
/*
 * vmm: the kernel's page tables (x86-64, 4 levels, 4 KiB pages).
 *
 * Contract:
 * - vmm_init() builds fresh page tables and switches CR3 to them:
 *     the direct map of the given physical ranges at DIRECT_MAP_BASE
 *       (2 MiB pages, read/write, no-execute, global);
 *     the kernel image with its section rights: text read+execute, rodata
 *       read-only no-execute, everything else read/write no-execute;
 *     the boot stack's guard page (__stack_guard) left unmapped;
 *     nothing in the lower half: page 0 and the boot identity map are gone.
 *   It also turns on CR0.WP (so the kernel honours read-only pages) and
 *   CR4.PGE (global pages).
 * - vmm_map(va, pa, flags) maps one 4 KiB page; flags are VMM_WRITE,
 *   VMM_NX, VMM_GLOBAL, VMM_NOCACHE (device registers; present is implied; read is always allowed).
 *   Returns 0, or -1 (nothing changed) when va or pa is unaligned or not
 *   canonical, va is already mapped or inside a large page, or no frame is
 *   left for a page table.
 * - vmm_unmap(va) removes a 4 KiB mapping and returns its physical address
 *   (the frame is NOT freed: the caller owns it), or VMM_NOT_MAPPED.
 *   Page-table pages (page tables and page directories) that become empty
 *   go back to pmm; the PDPTs of the higher half stay, so every future
 *   address space can share them.
 * - vmm_translate(va) returns the physical address va maps to (large pages
 *   included), or VMM_NOT_MAPPED.
 * - vmm_protect(va, flags) changes the rights of a 4 KiB mapping; 0 or -1.
 * - Every change to a present entry is followed by invlpg, and every
 *   removal or protection change by the remote flush, if one is set
 *   (vmm_set_remote_flush: the other CPUs' TLBs; the rule is at the top
 *   of vmm.c), before the frame is freed or the call returns.
 * - Page-table pages come from pmm, zeroed, and are reached through the
 *   direct map.
 */
#ifndef MM_VMM_H
#define MM_VMM_H

#include "mm/layout.h"
#include "mm/pmm.h"
#include <stdint.h>

#define VMM_WRITE	(1UL << 1)
#define VMM_NOCACHE	(3UL << 3)	/* PWT+PCD: uncached with the default PAT */
#define VMM_GLOBAL	(1UL << 8)
#define VMM_NX		(1UL << 63)

#define VMM_NOT_MAPPED	((phys_addr_t)-1)

/* ram: the physical ranges to put in the direct map. 0 or -1. */
int vmm_init(const struct pmm_range *ram, int nram);

int vmm_map(uintptr_t va, phys_addr_t pa, uint64_t flags);
phys_addr_t vmm_unmap(uintptr_t va);
phys_addr_t vmm_translate(uintptr_t va);
int vmm_protect(uintptr_t va, uint64_t flags);

/* Flush [from, to) from every other CPU's TLB and wait for them; set by
 * the kernel once the other CPUs run (NULL: one CPU, nothing to do). */
typedef void (*vmm_flush_fn)(uintptr_t from, uintptr_t to);
void vmm_set_remote_flush(vmm_flush_fn fn);

/* The raw leaf entry for va (0 if none): rights checks in tests. */
uint64_t vmm_leaf_entry(uintptr_t va);

/* Physical end of the direct map (everything below it is reachable). */
phys_addr_t vmm_direct_map_end(void);

/* Page-table pages in use (all levels), for leak checks in tests. */
uint64_t vmm_table_pages(void);

/*
 * Ranges of fresh memory, for the kernel brk heap and the page mapper:
 * vmm_map_fresh maps a zeroed frame at every page of [from, to) with flags,
 * all or nothing (on a shortage of frames or tables it undoes what it
 * mapped and returns -1); vmm_unmap_free unmaps every mapped page of
 * [from, to) and gives its frame back to pmm (unmapped pages are skipped).
 */
int vmm_map_fresh(uintptr_t from, uintptr_t to, uint64_t flags);
void vmm_unmap_free(uintptr_t from, uintptr_t to);

#endif
