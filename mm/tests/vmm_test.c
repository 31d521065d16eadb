/* SPDX-License-Identifier: MIT */
/*
 * vmm suite: page tables on the live kernel address space. Scratch mappings
 * go to MM_TEST_BASE (its PDPT is made by vmm_init and kept), so the table
 * page count before and after each case can be compared exactly.
 */
#include "libk/ktest.h"
#include "libk/string.h"
#include "libk/cpu.h"
#include "kernel/ktest_kernel.h"
#include "kernel/arch/x86_64/trap.h"
#include "mm/layout.h"
#include "mm/pmm.h"
#include "mm/vmm.h"
#include "mm/tests/mm_tests.h"

extern char __text_start[], __rodata_start[], __rodata_end[];
extern char __data_start[], __bss_start[], __bss_end[];
extern char __stack_guard[], __stack_bottom[], __stack_top[];

#define PTE_PS	(1UL << 7)
#define PTE_G	(1UL << 8)

#define SCRATCH	(MM_TEST_BASE + 0x12345000UL)

/* const data lands in .rodata (const volatile would not, with gcc) */
static const int vmm_test_rodata[4] = { 42, 43, 44, 45 };
static volatile unsigned char vmm_test_data_code[16] = { 0xc3 };

static void read_byte(void *p)
{
	(void)*(volatile unsigned char *)p;
}

static void call_code(void *p)
{
	((void (*)(void))p)();
}

/* Map one fresh frame at va; returns its pa (0 on failure). */
static phys_addr_t map_scratch(uintptr_t va, uint64_t flags)
{
	phys_addr_t pa = pmm_alloc_zeroed();

	if (pa && vmm_map(va, pa, flags)) {
		pmm_free(pa);
		return 0;
	}
	return pa;
}

static void unmap_scratch(uintptr_t va)
{
	phys_addr_t pa = vmm_unmap(va);

	if (pa != VMM_NOT_MAPPED)
		pmm_free(pa);
}

KTEST(vmm, map_translate_unmap_round_trip)
{
	uint64_t frames = pmm_free_frames(), tables = vmm_table_pages();
	phys_addr_t pa = pmm_alloc_zeroed();
	volatile uint64_t *v = (volatile uint64_t *)SCRATCH;

	KASSERT_NE(t, pa, 0);
	KEXPECT_EQ(t, vmm_translate(SCRATCH), VMM_NOT_MAPPED);
	KASSERT_EQ(t, vmm_map(SCRATCH, pa, VMM_WRITE | VMM_NX), 0);
	KEXPECT_EQ(t, vmm_translate(SCRATCH), pa);
	KEXPECT_EQ(t, vmm_translate(SCRATCH + 0x7f8), pa + 0x7f8);
	v[1] = 0x1122334455667788UL;
	KEXPECT_EQ(t, ((uint64_t *)phys_to_virt(pa))[1], 0x1122334455667788UL);
	KEXPECT_EQ(t, vmm_unmap(SCRATCH), pa);
	KEXPECT_EQ(t, vmm_translate(SCRATCH), VMM_NOT_MAPPED);
	KEXPECT_EQ(t, vmm_unmap(SCRATCH), VMM_NOT_MAPPED);
	pmm_free(pa);
	KEXPECT_EQ(t, vmm_table_pages(), tables);
	KEXPECT_EQ(t, pmm_free_frames(), frames);
}

KTEST(vmm, unmapped_page_faults_after_unmap)
{
	phys_addr_t pa = map_scratch(SCRATCH, VMM_WRITE | VMM_NX);

	KASSERT_NE(t, pa, 0);
	read_byte((void *)SCRATCH);	/* fills the TLB */
	vmm_unmap(SCRATCH);
	pmm_free(pa);
	/* invlpg must have dropped the stale TLB entry */
	ktest_expect_fault(t, TRAP_PF, SCRATCH, read_byte, (void *)SCRATCH);
}

KTEST(vmm, table_pages_come_and_go)
{
	uint64_t tables = vmm_table_pages(), frames = pmm_free_frames();
	uintptr_t a = MM_TEST_BASE, b = MM_TEST_BASE + 0x40000000UL - 0x200000UL;

	/* a fresh 1 GiB slot needs a page directory and a page table */
	KASSERT_NE(t, map_scratch(a, VMM_NX), 0);
	KEXPECT_EQ(t, vmm_table_pages(), tables + 2);
	/* same directory, another 2 MiB: one more page table */
	KASSERT_NE(t, map_scratch(b, VMM_NX), 0);
	KEXPECT_EQ(t, vmm_table_pages(), tables + 3);
	unmap_scratch(a);
	KEXPECT_EQ(t, vmm_table_pages(), tables + 2);
	unmap_scratch(b);
	KEXPECT_EQ(t, vmm_table_pages(), tables);
	KEXPECT_EQ(t, pmm_free_frames(), frames);
}

KTEST(vmm, double_map_refused)
{
	phys_addr_t pa = map_scratch(SCRATCH, VMM_NX), other = pmm_alloc();

	KASSERT_NE(t, pa, 0);
	KEXPECT_EQ(t, vmm_map(SCRATCH, other, VMM_WRITE), -1);
	KEXPECT_EQ(t, vmm_translate(SCRATCH), pa);
	pmm_free(other);
	unmap_scratch(SCRATCH);
}

KTEST(vmm, bad_arguments_refused)
{
	uint64_t tables = vmm_table_pages();
	phys_addr_t pa = pmm_alloc();

	KASSERT_NE(t, pa, 0);
	KEXPECT_EQ(t, vmm_map(SCRATCH + 1, pa, 0), -1);
	KEXPECT_EQ(t, vmm_map(SCRATCH, pa + 8, 0), -1);
	KEXPECT_EQ(t, vmm_map(0x0000800000000000UL, pa, 0), -1);
	KEXPECT_EQ(t, vmm_map(SCRATCH, pa, 1UL << 2), -1);	/* user bit */
	KEXPECT_EQ(t, vmm_map(SCRATCH, 1UL << 52, 0), -1);
	/* inside the direct map's large pages */
	KEXPECT_EQ(t, vmm_map(DIRECT_MAP_BASE + 0x200000, pa, 0), -1);
	KEXPECT_EQ(t, vmm_unmap(DIRECT_MAP_BASE + 0x200000), VMM_NOT_MAPPED);
	KEXPECT_EQ(t, vmm_protect(SCRATCH, VMM_WRITE), -1);
	KEXPECT_EQ(t, vmm_translate(SCRATCH), VMM_NOT_MAPPED);
	KEXPECT_EQ(t, vmm_table_pages(), tables);
	pmm_free(pa);
}

KTEST(vmm, protect_changes_rights)
{
	phys_addr_t pa = map_scratch(SCRATCH, VMM_WRITE | VMM_NX);

	KASSERT_NE(t, pa, 0);
	write_byte((void *)SCRATCH);
	KEXPECT_EQ(t, vmm_protect(SCRATCH, VMM_NX), 0);
	KEXPECT_EQ(t, vmm_leaf_entry(SCRATCH) & PTE_W, 0);
	ktest_expect_fault(t, TRAP_PF, SCRATCH, write_byte, (void *)SCRATCH);
	KEXPECT_EQ(t, vmm_protect(SCRATCH, VMM_WRITE | VMM_NX | VMM_GLOBAL), 0);
	KEXPECT_NE(t, vmm_leaf_entry(SCRATCH) & PTE_G, 0);
	write_byte((void *)SCRATCH);	/* a fault would fail the case */
	KEXPECT_EQ(t, vmm_translate(SCRATCH), pa);
	unmap_scratch(SCRATCH);
}

KTEST(vmm, nx_page_does_not_execute)
{
	phys_addr_t pa = map_scratch(SCRATCH, VMM_WRITE | VMM_NX);

	KASSERT_NE(t, pa, 0);
	*(volatile unsigned char *)SCRATCH = 0xc3;	/* ret */
	ktest_expect_fault(t, TRAP_PF, SCRATCH, call_code, (void *)SCRATCH);
	/* read-only and executable: the same byte now runs */
	KEXPECT_EQ(t, vmm_protect(SCRATCH, 0), 0);
	call_code((void *)SCRATCH);	/* a fault would fail the case */
	unmap_scratch(SCRATCH);
}

KTEST(vmm, null_dereference_faults)
{

	KEXPECT_EQ(t, vmm_translate(0), VMM_NOT_MAPPED);
	ktest_expect_fault(t, TRAP_PF, 0, read_byte, NULL);
	ktest_expect_fault(t, TRAP_PF, 0x10, write_byte, (void *)0x10);
}

KTEST(vmm, identity_map_is_gone)
{

	KEXPECT_EQ(t, vmm_translate(0x100000), VMM_NOT_MAPPED);
	KEXPECT_EQ(t, vmm_translate(0x200000), VMM_NOT_MAPPED);
	ktest_expect_fault(t, TRAP_PF, 0x100000, read_byte, (void *)0x100000);
}

KTEST(vmm, rodata_write_faults)
{
	uintptr_t a = (uintptr_t)&vmm_test_rodata[1];

	KEXPECT(t, a >= (uintptr_t)__rodata_start && a < (uintptr_t)__rodata_end);
	ktest_expect_fault(t, TRAP_PF, a, write_byte, (void *)a);
	KEXPECT_EQ(t, *(const volatile int *)a, 43);
}

KTEST(vmm, text_write_faults)
{
	void *code = (void *)(uintptr_t)&write_byte;

	ktest_expect_fault(t, TRAP_PF, (uintptr_t)code, write_byte, code);
}

KTEST(vmm, data_does_not_execute)
{

	ktest_expect_fault(t, TRAP_PF, (uintptr_t)vmm_test_data_code, call_code,
			   (void *)vmm_test_data_code);
}

KTEST(vmm, kernel_sections_have_their_rights)
{
	uint64_t text = vmm_leaf_entry((uintptr_t)__text_start);
	uint64_t ro = vmm_leaf_entry((uintptr_t)__rodata_start);
	uint64_t data = vmm_leaf_entry((uintptr_t)__data_start);
	uint64_t bss = vmm_leaf_entry((uintptr_t)__bss_start);
	uint64_t stack = vmm_leaf_entry((uintptr_t)__stack_bottom);

	KEXPECT_NE(t, text, 0);
	KEXPECT_EQ(t, text & (PTE_W | PTE_NX | PTE_PS), 0);
	KEXPECT_EQ(t, ro & (PTE_W | PTE_NX | PTE_PS), PTE_NX);
	KEXPECT_EQ(t, data & (PTE_W | PTE_NX | PTE_PS), PTE_W | PTE_NX);
	KEXPECT_EQ(t, bss & (PTE_W | PTE_NX | PTE_PS), PTE_W | PTE_NX);
	KEXPECT_EQ(t, stack & (PTE_W | PTE_NX | PTE_PS), PTE_W | PTE_NX);
	KEXPECT_EQ(t, vmm_leaf_entry((uintptr_t)__stack_guard), 0);
	KEXPECT_EQ(t, vmm_translate((uintptr_t)__text_start),
		   kimage_virt_to_phys(__text_start));
}

KTEST(vmm, direct_map_covers_all_ram)
{
	phys_addr_t head = mmt_drain(0), top = 0;
	uint64_t wrong = 0;
	uint64_t e;

	/* mmt_drain wrote every free frame through the direct map; check
	 * the tables agree for each and find the highest */
	for (phys_addr_t pa = head; pa; pa = *(phys_addr_t *)phys_to_virt(pa)) {
		wrong += vmm_translate((uintptr_t)phys_to_virt(pa)) != pa;
		if (pa > top)
			top = pa;
	}
	mmt_refill(head);
	KEXPECT_EQ(t, wrong, 0);
	KEXPECT_LT(t, top, vmm_direct_map_end());
	e = vmm_leaf_entry((uintptr_t)phys_to_virt(top));
	KEXPECT_EQ(t, e & (PTE_W | PTE_NX | PTE_PS), PTE_W | PTE_NX | PTE_PS);
}

/* Recurse with a fat frame until the stack runs into its guard page. */
static int __attribute__((noinline)) recurse_deep(int depth)
{
	volatile char pad[200];

	pad[0] = (char)depth;
	if (depth > 1000000)	/* never: 32 KiB of stack end far sooner */
		return pad[0];
	return recurse_deep(depth + 1) + pad[0];
}

static void overflow_stack(void *arg)
{
	(void)arg;
	recurse_deep(0);
}

KTEST(vmm, stack_guard_faults)
{
	uintptr_t sp = (uintptr_t)__builtin_frame_address(0);
	uintptr_t guard = (uintptr_t)__stack_guard, cr2;

	if (sp < (uintptr_t)__stack_bottom || sp >= (uintptr_t)__stack_top)
		KTEST_SKIP(t, "tests do not run on the boot stack");
	if (ktest_expect_fault(t, TRAP_PF, KTEST_ANY_ADDR, overflow_stack, NULL))
		return;
	/* no fault since: CR2 still holds the address that hit the guard */
	cr2 = read_cr2();
	KEXPECT(t, cr2 >= guard && cr2 < guard + PAGE_SIZE);
}
