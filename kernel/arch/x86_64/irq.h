/* SPDX-License-Identifier: MIT */
/*
 * Hardware interrupts: the 16 legacy IRQ lines of the two 8259 PICs,
 * remapped to vectors IRQ_VECTOR_BASE..+15 (kernel/arch/x86_64/pic.c), and the
 * interrupt-flag helpers every piece of shared kernel state is guarded by.
 *
 * Contract:
 * - irq_init() (after idt_init) remaps the PICs with every line masked and
 *   installs the 16 gates; interrupts stay off until the caller's sti().
 * - irq_register(irq, handler) installs handler for that line and unmasks
 *   it. The handler runs with interrupts off on the interrupted stack,
 *   after the EOI was sent (so it may switch threads: the next interrupt
 *   can arrive in the thread it switched to). One handler per line.
 * - A line with no handler is masked again; a spurious IRQ 7
 *   or 15 (the PIC's in-service bit clear) is not acknowledged.
 * - irq_save()/irq_restore() (libk/cpu.h) are the kernel's one
 *   critical-section primitive on one CPU.
 */
#ifndef KERNEL_IRQ_H
#define KERNEL_IRQ_H

#include "libk/cpu.h"
#include "kernel/arch/x86_64/trap.h"
#include <stdint.h>

#define IRQ_VECTOR_BASE	32
#define IRQ_COUNT	16
#define IRQ_TIMER	0

typedef void (*irq_handler_t)(struct trap_frame *f);

void irq_init(void);
int irq_register(int irq, irq_handler_t handler);
void irq_dispatch(struct trap_frame *f);	/* from trap_dispatch */
unsigned long irq_count(int irq);		/* handled interrupts on that line */

#endif
