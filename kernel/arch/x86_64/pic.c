/* SPDX-License-Identifier: MIT */
/*
 * The 8259A pair (see pic.h). The mask registers are cached: every change
 * writes the whole byte, and reads never touch the slow ports.
 */
#include "kernel/arch/x86_64/pic.h"
#include "kernel/arch/x86_64/io.h"
#include <stdint.h>

#define PIC1_CMD	0x20
#define PIC1_DATA	0x21
#define PIC2_CMD	0xa0
#define PIC2_DATA	0xa1

#define ICW1_ICW4	0x01	/* ICW4 follows */
#define ICW1_INIT	0x10
#define ICW4_8086	0x01
#define OCW2_EOI	0x20
#define OCW3_READ_ISR	0x0b
#define PIC_CASCADE_IRQ	2

static uint16_t pic_masks = 0xffff;	/* bit n set: IRQ n masked */

/* Port 0x80 is unused: writing it gives old PICs time between commands. */
static void pic_wait(void)
{
	outb(0x80, 0);
}

static void pic_write_masks(void)
{
	outb(PIC1_DATA, pic_masks & 0xff);
	outb(PIC2_DATA, pic_masks >> 8);
}

void pic_init(int vector_base)
{
	outb(PIC1_CMD, ICW1_INIT | ICW1_ICW4);
	pic_wait();
	outb(PIC2_CMD, ICW1_INIT | ICW1_ICW4);
	pic_wait();
	outb(PIC1_DATA, vector_base);		/* ICW2: vector offsets */
	pic_wait();
	outb(PIC2_DATA, vector_base + 8);
	pic_wait();
	outb(PIC1_DATA, 1 << PIC_CASCADE_IRQ);	/* ICW3: slave on line 2 */
	pic_wait();
	outb(PIC2_DATA, PIC_CASCADE_IRQ);	/* ICW3: slave's identity */
	pic_wait();
	outb(PIC1_DATA, ICW4_8086);
	pic_wait();
	outb(PIC2_DATA, ICW4_8086);
	pic_wait();
	pic_masks = 0xffff;
	pic_write_masks();
}

void pic_mask(int irq)
{
	pic_masks |= (uint16_t)(1u << irq);
	pic_write_masks();
}

void pic_unmask(int irq)
{
	pic_masks &= (uint16_t)~(1u << irq);
	if (irq >= 8)
		pic_masks &= (uint16_t)~(1u << PIC_CASCADE_IRQ);
	pic_write_masks();
}

void pic_eoi(int irq)
{
	if (irq >= 8)
		outb(PIC2_CMD, OCW2_EOI);
	outb(PIC1_CMD, OCW2_EOI);
}

bool pic_is_spurious(int irq)
{
	uint16_t cmd = irq >= 8 ? PIC2_CMD : PIC1_CMD;

	if ((irq & 7) != 7)
		return false;
	outb(cmd, OCW3_READ_ISR);
	if (inb(cmd) & 0x80)
		return false;
	/* The master did see the cascade line: it still wants its EOI. */
	if (irq >= 8)
		outb(PIC1_CMD, OCW2_EOI);
	return true;
}
