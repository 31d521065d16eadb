/* SPDX-License-Identifier: MIT */
/*
 * The two cascaded 8259A PICs (master: IRQ 0-7, slave: IRQ 8-15 on the
 * master's line 2).
 *
 * pic_init(base) remaps IRQ n to vector base + n (base a multiple of 8:
 * the CPU's exceptions own 0-31) and masks every line. pic_unmask(irq) /
 * pic_mask(irq) open and close one line (unmasking a slave line also opens
 * the cascade). pic_eoi(irq) ends the interrupt (slave lines need both
 * chips). pic_is_spurious(irq) says whether IRQ 7 / 15 was a spurious one
 * (its in-service bit is clear); it then sends the master the EOI a
 * spurious slave IRQ still needs.
 */
#ifndef KERNEL_PIC_H
#define KERNEL_PIC_H

#include <stdbool.h>

void pic_init(int vector_base);
void pic_mask(int irq);
void pic_unmask(int irq);
void pic_eoi(int irq);
bool pic_is_spurious(int irq);

#endif
