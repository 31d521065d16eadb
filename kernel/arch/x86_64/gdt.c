/* SPDX-License-Identifier: MIT */
/*
 * GDT with a 64-bit TSS; loads it, reloads every segment register and the
 * task register. The IST stacks are static, 16-byte aligned, and registered
 * with the backtrace walker.
 */
#include "kernel/arch/x86_64/gdt.h"
#include "kernel/arch/x86_64/backtrace.h"
#include <stdint.h>

struct gdt_ptr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

static struct gdt_cpu gdt_boot;
static uint8_t ist_stacks[3][IST_STACK_BYTES] __attribute__((aligned(16)));

#define SEG_CODE64_DPL0	0x00af9a000000ffffULL
#define SEG_DATA_DPL0	0x00cf92000000ffffULL
#define TSS_TYPE_AVAIL	0x89ULL		/* present, 64-bit TSS available */

/* A 16-byte system descriptor for the TSS at `base`. */
static void gdt_set_tss(uint64_t *gdt, int slot, uint64_t base, uint32_t limit)
{
	gdt[slot] = (limit & 0xffffULL) | ((base & 0xffffffULL) << 16) |
		    (TSS_TYPE_AVAIL << 40) | (((uint64_t)limit >> 16 & 0xf) << 48) |
		    ((base >> 24 & 0xffULL) << 56);
	gdt[slot + 1] = base >> 32;
}

static void gdt_load(const uint64_t *gdt)
{
	struct gdt_ptr p = { GDT_ENTRIES * 8 - 1, (uint64_t)(uintptr_t)gdt };

	/* A far return reloads CS; the data segments follow. */
	__asm__ volatile(
		"lgdt %0\n\t"
		"pushq %1\n\t"
		"leaq 1f(%%rip), %%rax\n\t"
		"pushq %%rax\n\t"
		"lretq\n"
		"1:\n\t"
		"movw %2, %%ax\n\t"
		"movw %%ax, %%ds\n\t"
		"movw %%ax, %%es\n\t"
		"movw %%ax, %%ss\n\t"
		"xorl %%eax, %%eax\n\t"
		"movw %%ax, %%fs\n\t"
		"movw %%ax, %%gs\n\t"
		"movw %3, %%ax\n\t"
		"ltr %%ax\n\t"
		: : "m"(p), "i"(GDT_KERNEL_CS), "i"(GDT_KERNEL_DS), "i"(GDT_TSS)
		: "rax", "memory");
}

void gdt_init_cpu(struct gdt_cpu *g, const uintptr_t ist_tops[3])
{
	g->gdt[0] = 0;
	g->gdt[GDT_KERNEL_CS / 8] = SEG_CODE64_DPL0;
	g->gdt[GDT_KERNEL_DS / 8] = SEG_DATA_DPL0;
	for (int i = 0; i < 3; i++)
		g->tss.ist[i] = ist_tops[i];
	g->tss.iomap_base = sizeof(g->tss);	/* no I/O permission bitmap */
	gdt_set_tss(g->gdt, GDT_TSS / 8, (uintptr_t)&g->tss, sizeof(g->tss) - 1);
	gdt_load(g->gdt);
}

void gdt_init(void)
{
	uintptr_t tops[3];

	for (int i = 0; i < 3; i++) {
		uintptr_t lo = (uintptr_t)ist_stacks[i];

		tops[i] = lo + IST_STACK_BYTES;
		backtrace_add_stack(lo, lo + IST_STACK_BYTES);
	}
	gdt_init_cpu(&gdt_boot, tops);
}
