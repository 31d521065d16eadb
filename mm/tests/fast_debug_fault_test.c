/* SPDX-License-Identifier: MIT */
/*
 * fast_debug_faults: the kernel half of debug mode's zero-size blocks
 * (mm/osmem/fast_debug.c). The shared suite osmem_fast_debug checks that
 * malloc(0) gives addresses in a reserved range; here, with the kernel's
 * own reservations (vm_reserve under the test backend), a read and a
 * write through such an address must fault at once (#PF at that address),
 * whether or not the block was freed, and the heap stays whole.
 */
#include "libk/ktest.h"
#include "kernel/ktest_kernel.h"
#include "kernel/arch/x86_64/trap.h"
#include "mm/osmem/tests/osmem_tests.h"
#include "mm/vmm.h"
#include <stdint.h>

static void fdf_read(void *p)
{
	(void)*(volatile unsigned char *)p;
}

static void fdf_write(void *p)
{
	*(volatile unsigned char *)p = 0x5a;
}

KTEST(fast_debug_faults, zero_size_block_faults_on_read_and_write)
{
	const struct osmem_allocator *a = &osmem_fast;
	struct osmem_heap *h = osmem_test_heap();
	const struct osmem_backend *be;
	char *z, *z2;

	osmem_tb_set_debug(true);
	be = osmem_tb_init();
	KASSERT_NOT_NULL(t, be);
	KASSERT_NOT_NULL(t, be->pages_reserve);
	a->init(h, be);
	z = a->malloc(h, 0);
	z2 = a->malloc(h, 0);
	KASSERT_NOT_NULL(t, z);
	KASSERT_NOT_NULL(t, z2);
	KEXPECT_PTR_NE(t, z, z2);
	KEXPECT_EQ(t, vmm_translate((uintptr_t)z), VMM_NOT_MAPPED);
	ktest_expect_fault(t, TRAP_PF, (uintptr_t)z, fdf_read, z);
	ktest_expect_fault(t, TRAP_PF, (uintptr_t)z2, fdf_write, z2);
	ktest_expect_fault(t, TRAP_PF, (uintptr_t)z + 8, fdf_write, z + 8);
	a->free(h, z);
	ktest_expect_fault(t, TRAP_PF, (uintptr_t)z, fdf_write, z);
	KEXPECT_EQ(t, a->usable_size(h, z2), 0);
	KEXPECT_EQ(t, osmem_tb_reports(), 0);
	KEXPECT_EQ(t, a->check(h), 0);
	a->free(h, z2);
	OSMEM_END(t, a);
}
