/* SPDX-License-Identifier: MIT */
/*
 * The IDT: interrupt gates (IF cleared on entry) for the 32 CPU exception
 * vectors, each to its isr.asm stub; #DF, #PF, NMI and #MC run on their IST
 * stacks (kernel/arch/x86_64/gdt.h). irq_init() (kernel/arch/x86_64/irq.h) adds vectors 32..47
 * for the PIC's interrupts with idt_set_gate(); the rest are not present.
 */
#ifndef KERNEL_IDT_H
#define KERNEL_IDT_H

#include <stdint.h>

void idt_init(void);
/* Load the (one, shared) IDT on the calling CPU: the APs' start. */
void idt_load(void);
void idt_set_gate(int vector, void (*handler)(void), int ist, int dpl);

#endif
