/* SPDX-License-Identifier: MIT */
/*
 * TLB shootdown (see tlb.h). The range travels in the caller's stack
 * frame: smp_call_all_others waits for every CPU, so it outlives them.
 */
#include "kernel/arch/x86_64/tlb.h"
#include "kernel/arch/x86_64/smp.h"
#include "kernel/arch/x86_64/smp_call.h"
#include "libk/cpu.h"
#include "mm/layout.h"
#include "mm/vmm.h"

#define CR4_PGE		(1UL << 7)

struct tlb_range {
	uintptr_t from, to;
};

static unsigned long tlb_rounds;

/* On the receiving CPU, in its IPI handler. */
static long tlb_flush_here(void *arg)
{
	const struct tlb_range *r = arg;
	uint64_t cr4;

	if ((r->to - r->from) / PAGE_SIZE <= TLB_FLUSH_ALL_PAGES) {
		for (uintptr_t va = r->from; va < r->to; va += PAGE_SIZE)
			invlpg((void *)va);
		return 0;
	}
	/* Toggling CR4.PGE drops every entry, global ones included. */
	cr4 = read_cr4();
	__asm__ volatile("mov %0, %%cr4" : : "r"(cr4 & ~CR4_PGE) : "memory");
	__asm__ volatile("mov %0, %%cr4" : : "r"(cr4) : "memory");
	return 0;
}

void tlb_shootdown(uintptr_t from, uintptr_t to)
{
	struct tlb_range r = { from, to };

	if (smp_online_count() <= 1 || from >= to)
		return;
	__atomic_fetch_add(&tlb_rounds, 1, __ATOMIC_RELAXED);
	smp_call_all_others(tlb_flush_here, &r);
}

unsigned long tlb_shootdowns(void)
{
	return __atomic_load_n(&tlb_rounds, __ATOMIC_RELAXED);
}

void tlb_init(void)
{
	vmm_set_remote_flush(tlb_shootdown);
}
