/* SPDX-License-Identifier: MIT */
/*
 * IRQ dispatch (contract in irq.h). isr.asm's irq stubs build the same
 * struct trap_frame as the exception stubs; trap_dispatch() hands vectors
 * >= 32 here before any fault handling, so an interrupt that arrives
 * inside an armed fault catch is never taken for a fault.
 *
 * The EOI goes out before the handler runs: a handler may switch to
 * another thread and not return here for a long time, and the PIC must
 * not hold back the next tick meanwhile. Interrupts stay off in the
 * handler (interrupt gate), so the line cannot re-enter it.
 */
#include "kernel/arch/x86_64/irq.h"
#include "kernel/arch/x86_64/idt.h"
#include "kernel/arch/x86_64/pic.h"

extern void (*const irq_stub_table[IRQ_COUNT])(void);

static irq_handler_t irq_handlers[IRQ_COUNT];
static unsigned long irq_counts[IRQ_COUNT];

void irq_init(void)
{
	pic_init(IRQ_VECTOR_BASE);
	for (int i = 0; i < IRQ_COUNT; i++)
		idt_set_gate(IRQ_VECTOR_BASE + i, irq_stub_table[i], 0, 0);
}

int irq_register(int irq, irq_handler_t handler)
{
	uint64_t flags;

	if (irq < 0 || irq >= IRQ_COUNT || !handler || irq_handlers[irq])
		return -1;
	flags = irq_save();
	irq_handlers[irq] = handler;
	pic_unmask(irq);
	irq_restore(flags);
	return 0;
}

void irq_dispatch(struct trap_frame *f)
{
	int irq = (int)f->vector - IRQ_VECTOR_BASE;

	if (irq < 0 || irq >= IRQ_COUNT)
		return;
	if (pic_is_spurious(irq))
		return;
	pic_eoi(irq);
	if (!irq_handlers[irq]) {
		/* Nobody asked for it: keep it from coming back. */
		pic_mask(irq);
		return;
	}
	irq_counts[irq]++;
	irq_handlers[irq](f);
}

unsigned long irq_count(int irq)
{
	return irq >= 0 && irq < IRQ_COUNT ? irq_counts[irq] : 0;
}
