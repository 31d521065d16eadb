/* SPDX-License-Identifier: MIT */
/*
 * IDT setup. Needs the GDT/TSS of gdt_init() for its selector and ISTs.
 */
#include "kernel/arch/x86_64/idt.h"
#include "kernel/arch/x86_64/lapic.h"
#include "kernel/arch/x86_64/gdt.h"
#include "kernel/arch/x86_64/trap.h"

struct idt_gate {
	uint16_t offset_lo;
	uint16_t selector;
	uint8_t ist;
	uint8_t type_attr;
	uint16_t offset_mid;
	uint32_t offset_hi;
	uint32_t reserved;
} __attribute__((packed));

struct idt_ptr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

#define IDT_ENTRIES		256
#define GATE_INTERRUPT		0x8e	/* present, DPL 0, 64-bit interrupt gate */

extern void (*const isr_stub_table[TRAP_COUNT])(void);
extern void isr_stub_ipi(void), isr_stub_spurious(void), isr_stub_lapic_timer(void);

static struct idt_gate idt[IDT_ENTRIES] __attribute__((aligned(16)));

void idt_set_gate(int vector, void (*handler)(void), int ist, int dpl)
{
	uint64_t a = (uint64_t)(uintptr_t)handler;
	struct idt_gate *g = &idt[vector];

	g->offset_lo = a & 0xffff;
	g->selector = GDT_KERNEL_CS;
	g->ist = ist & 7;
	g->type_attr = GATE_INTERRUPT | ((dpl & 3) << 5);
	g->offset_mid = (a >> 16) & 0xffff;
	g->offset_hi = a >> 32;
	g->reserved = 0;
}

static int idt_ist_for(int vector)
{
	switch (vector) {
	case TRAP_DF:
		return IST_DF;
	case TRAP_PF:
		return IST_PF;
	case TRAP_NMI:
	case TRAP_MC:
		return IST_NMI;
	default:
		return 0;
	}
}

void idt_load(void)
{
	struct idt_ptr p = { sizeof(idt) - 1, (uint64_t)(uintptr_t)idt };

	__asm__ volatile("lidt %0" : : "m"(p) : "memory");
}

void idt_init(void)
{
	for (int v = 0; v < TRAP_COUNT; v++)
		idt_set_gate(v, isr_stub_table[v], idt_ist_for(v), 0);
	/* The local APIC's (lapic.h): set before any APIC is enabled. */
	idt_set_gate(LAPIC_IPI_VECTOR, isr_stub_ipi, 0, 0);
	idt_set_gate(LAPIC_TIMER_VECTOR, isr_stub_lapic_timer, 0, 0);
	idt_set_gate(LAPIC_SPURIOUS_VECTOR, isr_stub_spurious, 0, 0);
	idt_load();
}
