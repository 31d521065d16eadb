/* SPDX-License-Identifier: MIT */
/*
 * vmm: the kernel's 4-level page tables.
 *
 * One address space (the kernel's). Tables are reached through the direct
 * map, so every table page must lie below vmm_direct_map_end() (before
 * vmm_init: below the boot direct map's 1 GiB, which pmm's lowest-first
 * order gives at boot).
 *
 * Invariants:
 * - Non-leaf entries are present + writable and carry no NX: the leaf alone
 *   decides the rights of a page.
 * - A page table (level 1) or page directory (level 2) that has no present
 *   entry is not linked: unmap frees it at once. PDPTs (level 3) of the
 *   higher half are never freed (future address spaces share them).
 * - vmm_ntables counts the table pages linked in the tree, PML4 included.
 *
 * TLB shootdown (SMP): every CPU caches translations, and invlpg flushes
 * only the calling CPU's. So when a mapping goes away (vmm_unmap,
 * vmm_unmap_free, and vmm_protect, which may take rights away), the
 * other online CPUs must flush it too before the address or the frame can
 * be reused: else a stale entry on another CPU would still reach the old
 * frame, which pmm may already have handed to someone else. The rule:
 * after clearing the entries and the local invlpg, and BEFORE a frame goes
 * back to pmm or the caller regains the range, call the remote flush
 * (vmm_set_remote_flush; the kernel's sends an IPI and waits for every
 * other CPU's ack, kernel/arch/x86_64/tlb.c). vmm_unmap_free clears up to
 * VMM_FLUSH_BATCH pages, flushes them in one round, then frees their
 * frames. Without a remote flush (one CPU, or mm on the host) nothing is
 * sent. mm cannot name the kernel, hence the hook.
 */
#include "mm/vmm.h"
#include "mm/pmm.h"
#include "mm/layout.h"
#include "libk/cpu.h"

#define PTE_P		(1UL << 0)
#define PTE_W		(1UL << 1)
#define PTE_PS		(1UL << 7)
#define PTE_G		(1UL << 8)
#define PTE_NX		(1UL << 63)
#define PTE_ADDR	0x000ffffffffff000UL
#define PTE_FLAGS_OK	(VMM_WRITE | VMM_GLOBAL | VMM_NX | VMM_NOCACHE)

#define CR0_WP		(1UL << 16)
#define CR4_PGE		(1UL << 7)

#define LEVELS		4
#define VMM_FLUSH_BATCH	32	/* pages per remote flush in vmm_unmap_free */
#define ENTRIES		512

extern char __kernel_start[], __kernel_end[];
extern char __text_start[], __text_end[];
extern char __rodata_start[], __rodata_end[];
extern char __stack_guard[];

static uint64_t *vmm_pml4;
static phys_addr_t vmm_pml4_pa;
static phys_addr_t vmm_dmap_end;
static uint64_t vmm_ntables;
static vmm_flush_fn vmm_remote_flush;

void vmm_set_remote_flush(vmm_flush_fn fn)
{
	vmm_remote_flush = fn;
}

/* The other CPUs drop their entries for [from, to) (see the top). */
static void vmm_flush_others(uintptr_t from, uintptr_t to)
{
	if (vmm_remote_flush)
		vmm_remote_flush(from, to);
}

static inline unsigned vmm_index(uintptr_t va, int level)
{
	return (va >> (PAGE_SHIFT + 9 * (level - 1))) & (ENTRIES - 1);
}

static inline uint64_t *vmm_table(uint64_t entry)
{
	return phys_to_virt(entry & PTE_ADDR);
}

static int vmm_canonical(uintptr_t va)
{
	uint64_t top = va >> 47;

	return top == 0 || top == 0x1ffff;
}

static int vmm_table_empty(const uint64_t *t)
{
	for (int i = 0; i < ENTRIES; i++)
		if (t[i] & PTE_P)
			return 0;
	return 1;
}

static phys_addr_t vmm_new_table(void)
{
	phys_addr_t pa = pmm_alloc_zeroed();

	if (pa)
		vmm_ntables++;
	return pa;
}

static void vmm_free_table(phys_addr_t pa)
{
	vmm_ntables--;
	pmm_free(pa);
}

/*
 * The entry for va at `level` (1 = page table), creating the tables above
 * it when `create`. NULL when a table is missing (and !create), a large
 * page is in the way, or no frame is left.
 */
static uint64_t *vmm_walk(uintptr_t va, int level, int create)
{
	uint64_t *t = vmm_pml4;

	for (int l = LEVELS; l > level; l--) {
		uint64_t *e = &t[vmm_index(va, l)];

		if (!(*e & PTE_P)) {
			phys_addr_t pa;

			if (!create || !(pa = vmm_new_table()))
				return NULL;
			*e = pa | PTE_P | PTE_W;
		} else if (*e & PTE_PS) {
			return NULL;
		}
		t = vmm_table(*e);
	}
	return &t[vmm_index(va, level)];
}

/*
 * Free the page table and page directory above va when they have no
 * present entry left. Stops at the PDPT.
 */
static void vmm_prune(uintptr_t va)
{
	for (int level = 2; level <= 3; level++) {
		uint64_t *e = vmm_walk(va, level, 0);

		if (!e || !(*e & PTE_P) || (*e & PTE_PS))
			return;
		if (!vmm_table_empty(vmm_table(*e)))
			return;
		phys_addr_t pa = *e & PTE_ADDR;
		*e = 0;
		vmm_free_table(pa);
	}
}

int vmm_map(uintptr_t va, phys_addr_t pa, uint64_t flags)
{
	uint64_t *pte;

	if (!PAGE_ALIGNED(va) || !PAGE_ALIGNED(pa) || !vmm_canonical(va) ||
	    (pa & ~PTE_ADDR) || (flags & ~PTE_FLAGS_OK))
		return -1;
	pte = vmm_walk(va, 1, 1);
	if (!pte) {
		vmm_prune(va);	/* drop tables this call made, if empty */
		invlpg((void *)va);	/* and any cached walk through them */
		return -1;
	}
	if (*pte & PTE_P)
		return -1;
	*pte = pa | flags | PTE_P;
	invlpg((void *)va);
	return 0;
}

/* Clear va's entry and flush it here only: callers flush the others. */
static phys_addr_t vmm_unmap_local(uintptr_t va)
{
	uint64_t *pte;
	phys_addr_t pa;

	if (!PAGE_ALIGNED(va) || !vmm_canonical(va))
		return VMM_NOT_MAPPED;
	pte = vmm_walk(va, 1, 0);
	if (!pte || !(*pte & PTE_P))
		return VMM_NOT_MAPPED;
	pa = *pte & PTE_ADDR;
	*pte = 0;
	vmm_prune(va);
	invlpg((void *)va);
	return pa;
}

phys_addr_t vmm_unmap(uintptr_t va)
{
	phys_addr_t pa = vmm_unmap_local(va);

	if (pa != VMM_NOT_MAPPED)
		vmm_flush_others(va, va + PAGE_SIZE);
	return pa;
}

phys_addr_t vmm_translate(uintptr_t va)
{
	uint64_t *t = vmm_pml4;

	if (!vmm_canonical(va))
		return VMM_NOT_MAPPED;
	for (int l = LEVELS; l >= 1; l--) {
		uint64_t e = t[vmm_index(va, l)];
		uint64_t span = 1UL << (PAGE_SHIFT + 9 * (l - 1));

		if (!(e & PTE_P))
			return VMM_NOT_MAPPED;
		if (l == 1 || (e & PTE_PS))
			return (e & PTE_ADDR & ~(span - 1)) + (va & (span - 1));
		t = vmm_table(e);
	}
	return VMM_NOT_MAPPED;
}

uint64_t vmm_leaf_entry(uintptr_t va)
{
	uint64_t *t = vmm_pml4;

	if (!vmm_canonical(va))
		return 0;
	for (int l = LEVELS; l >= 1; l--) {
		uint64_t e = t[vmm_index(va, l)];

		if (!(e & PTE_P))
			return 0;
		if (l == 1 || (e & PTE_PS))
			return e;
		t = vmm_table(e);
	}
	return 0;
}

int vmm_protect(uintptr_t va, uint64_t flags)
{
	uint64_t *pte;

	if (!PAGE_ALIGNED(va) || !vmm_canonical(va) || (flags & ~PTE_FLAGS_OK))
		return -1;
	pte = vmm_walk(va, 1, 0);
	if (!pte || !(*pte & PTE_P))
		return -1;
	*pte = (*pte & PTE_ADDR) | flags | PTE_P;
	invlpg((void *)va);
	vmm_flush_others(va, va + PAGE_SIZE);
	return 0;
}

phys_addr_t vmm_direct_map_end(void)
{
	return vmm_dmap_end;
}

uint64_t vmm_table_pages(void)
{
	return vmm_ntables;
}

/* Map one 2 MiB page of the direct map (skipped if already there). */
static int vmm_map_large(uintptr_t va, phys_addr_t pa)
{
	uint64_t *pde = vmm_walk(va, 2, 1);

	if (!pde)
		return -1;
	if (!(*pde & PTE_P))
		*pde = pa | PTE_P | PTE_W | PTE_PS | PTE_G | PTE_NX;
	return 0;
}

/* The direct map: every 2 MiB page touched by one of the ranges. */
static int vmm_map_direct(const struct pmm_range *ram, int nram)
{
	for (int i = 0; i < nram; i++) {
		phys_addr_t pa = ram[i].start & ~(LARGE_PAGE_SIZE - 1);

		if (ram[i].end > DIRECT_MAP_MAX_BYTES)
			return -1;
		for (; pa < ram[i].end; pa += LARGE_PAGE_SIZE)
			if (vmm_map_large(DIRECT_MAP_BASE + pa, pa))
				return -1;
		if (pa > vmm_dmap_end)
			vmm_dmap_end = pa;
	}
	return 0;
}

/* The rights of the image page at va, by the section it is in. */
static uint64_t vmm_image_flags(uintptr_t va)
{
	if (va >= (uintptr_t)__text_start && va < (uintptr_t)__text_end)
		return VMM_GLOBAL;
	if (va >= (uintptr_t)__rodata_start && va < (uintptr_t)__rodata_end)
		return VMM_GLOBAL | VMM_NX;
	return VMM_WRITE | VMM_GLOBAL | VMM_NX;
}

static int vmm_map_image(void)
{
	uintptr_t va;

	for (va = (uintptr_t)__kernel_start; va < (uintptr_t)__kernel_end;
	     va += PAGE_SIZE) {
		if (va == (uintptr_t)__stack_guard)
			continue;	/* unmapped: an overflow faults */
		if (vmm_map(va, kimage_virt_to_phys((void *)va),
			    vmm_image_flags(va)))
			return -1;
	}
	return 0;
}

/* The higher-half PDPTs that later mappings hang off: made once, kept. */
static int vmm_prepare_region(uintptr_t base)
{
	return vmm_walk(base, 3, 1) ? 0 : -1;
}

static void vmm_enable_global_pages(void)
{
	uint64_t cr4 = read_cr4();

	/* Toggling PGE flushes every TLB entry, global ones included. */
	__asm__ volatile("mov %0, %%cr4" : : "r"(cr4 & ~CR4_PGE) : "memory");
	__asm__ volatile("mov %0, %%cr4" : : "r"(cr4 | CR4_PGE) : "memory");
}

int vmm_init(const struct pmm_range *ram, int nram)
{
	vmm_ntables = 0;
	vmm_pml4_pa = vmm_new_table();
	if (!vmm_pml4_pa)
		return -1;
	vmm_pml4 = phys_to_virt(vmm_pml4_pa);

	if (vmm_map_direct(ram, nram) || vmm_map_image() ||
	    vmm_prepare_region(KBRK_BASE) || vmm_prepare_region(VMAP_BASE) ||
	    vmm_prepare_region(MM_TEST_BASE) || vmm_prepare_region(MMIO_BASE))
		return -1;

	/* Read-only pages must bind the kernel too. */
	__asm__ volatile("mov %0, %%cr0" : : "r"(read_cr0() | CR0_WP) : "memory");
	write_cr3(vmm_pml4_pa);
	vmm_enable_global_pages();
	return 0;
}

/* In rounds of VMM_FLUSH_BATCH pages: clear, flush everywhere, free. */
void vmm_unmap_free(uintptr_t from, uintptr_t to)
{
	phys_addr_t frames[VMM_FLUSH_BATCH];

	while (from < to) {
		uintptr_t end = to - from > VMM_FLUSH_BATCH * PAGE_SIZE ?
				from + VMM_FLUSH_BATCH * PAGE_SIZE : to;
		int n = 0;

		for (uintptr_t va = from; va < end; va += PAGE_SIZE) {
			phys_addr_t pa = vmm_unmap_local(va);

			if (pa != VMM_NOT_MAPPED)
				frames[n++] = pa;
		}
		if (n)
			vmm_flush_others(from, end);
		while (n > 0)
			pmm_free(frames[--n]);
		from = end;
	}
}

int vmm_map_fresh(uintptr_t from, uintptr_t to, uint64_t flags)
{
	for (uintptr_t va = from; va < to; va += PAGE_SIZE) {
		phys_addr_t pa = pmm_alloc_zeroed();

		if (!pa || vmm_map(va, pa, flags)) {
			if (pa)
				pmm_free(pa);
			vmm_unmap_free(from, va);
			return -1;
		}
	}
	return 0;
}
