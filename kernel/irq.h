/*
 * Hardware interrupts: the 16 legacy IRQ lines of the two 8259 PICs,
 * remapped to vectors IRQ_VECTOR_BASE..+15 (kernel/pic.c), and the
 * interrupt-flag helpers every piece of shared kernel state is guarded by.
 *
 * Contract:
 * - irq_init() (after idt_init) remaps the PICs with every line masked and
 *   installs the 16 gates; interrupts stay off until the caller's sti().
 * - irq_register(irq, handler) installs handler for that line and unmasks
 *   it. The handler runs with interrupts off on the interrupted stack,
 *   after the EOI was sent (so it may switch threads: the next interrupt
 *   can arrive in the thread it switched to). One handler per line.
 * - A line with no handler is counted and masked again; a spurious IRQ 7
 *   or 15 (the PIC's in-service bit clear) is counted and not acknowledged.
 * - irq_save() returns the caller's RFLAGS and disables interrupts;
 *   irq_restore(flags) brings IF back as it was. They nest: the pair is
 *   the kernel's one critical-section primitive on one CPU.
 */
#ifndef KERNEL_IRQ_H
#define KERNEL_IRQ_H

#include "kernel/cpu.h"
#include "kernel/trap.h"
#include <stdint.h>

#define IRQ_VECTOR_BASE	32
#define IRQ_COUNT	16
#define IRQ_TIMER	0

typedef void (*irq_handler_t)(struct trap_frame *f);

void irq_init(void);
int irq_register(int irq, irq_handler_t handler);
void irq_dispatch(struct trap_frame *f);	/* from trap_dispatch */
unsigned long irq_count(int irq);		/* handled interrupts on that line */
unsigned long irq_spurious_count(void);

static inline uint64_t irq_save(void)
{
	uint64_t flags = read_rflags();

	cli();
	return flags;
}

static inline void irq_restore(uint64_t flags)
{
	if (flags & RFLAGS_IF)
		sti();
}

static inline int irq_enabled(void)
{
	return (read_rflags() & RFLAGS_IF) != 0;
}

#endif
