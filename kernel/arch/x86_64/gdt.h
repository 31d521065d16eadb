/* SPDX-License-Identifier: MIT */
/*
 * The kernel's GDT and TSS (replacing boot.asm's boot GDT).
 *
 * Selectors: GDT_KERNEL_CS (64-bit code, DPL 0), GDT_KERNEL_DS, GDT_TSS.
 * The TSS carries the IST stacks used by exceptions that must work on a
 * broken stack: #DF (IST_DF), #PF (IST_PF, so a kernel stack overflow into
 * the guard page is reported), NMI and #MC (IST_NMI).
 * gdt_init() must run before idt_init().
 *
 * Each CPU needs its own TSS (ltr marks a TSS busy; a second ltr of it
 * faults), so each has its own GDT too: gdt_init() sets up the boot CPU's
 * (static, with static IST stacks); gdt_init_cpu(g, ist_tops) fills and
 * loads the calling CPU's from *g, with IST stacks whose tops the caller
 * gives (an AP's, allocated for it by the boot CPU: kernel/arch/x86_64/ap_start.c).
 */
#ifndef KERNEL_GDT_H
#define KERNEL_GDT_H

#define GDT_KERNEL_CS	0x08
#define GDT_KERNEL_DS	0x10
#define GDT_TSS		0x18

#define IST_DF		1
#define IST_PF		2
#define IST_NMI		3
#define IST_STACK_BYTES	16384

#define GDT_ENTRIES	5	/* null, code, data, TSS (two slots) */

#ifndef __ASSEMBLER__
#include <stdint.h>

struct tss64 {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];		/* ist[0] is IST1 */
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} __attribute__((packed));

struct gdt_cpu {
	uint64_t gdt[GDT_ENTRIES] __attribute__((aligned(16)));
	struct tss64 tss __attribute__((aligned(16)));
};

void gdt_init(void);
void gdt_init_cpu(struct gdt_cpu *g, const uintptr_t ist_tops[3]);
#endif

#endif
