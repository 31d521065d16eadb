/* SPDX-License-Identifier: MIT */
/*
 * tlb: TLB shootdown, the kernel's remote flush for mm/vmm.c (the rule is
 * at the top of vmm.c).
 *
 * tlb_init() (boot CPU, after the APs started) registers tlb_shootdown as
 * vmm's remote flush. tlb_shootdown(from, to) has every other online CPU
 * flush [from, to) (invlpg per page, or all TLB entries, global ones too,
 * past TLB_FLUSH_ALL_PAGES pages) through smp_call_all_others, and returns
 * when each one has acked; a CPU that does not answer is reported by
 * smp_call. With one CPU online it sends nothing. tlb_shootdowns() counts
 * the rounds that sent IPIs (tests).
 */
#ifndef KERNEL_ARCH_X86_64_TLB_H
#define KERNEL_ARCH_X86_64_TLB_H

#include <stdint.h>

#define TLB_FLUSH_ALL_PAGES	64

void tlb_init(void);
void tlb_shootdown(uintptr_t from, uintptr_t to);
unsigned long tlb_shootdowns(void);

#endif
