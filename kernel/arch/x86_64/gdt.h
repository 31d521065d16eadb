/*
 * The kernel's GDT and TSS (replacing boot.asm's boot GDT).
 *
 * Selectors: GDT_KERNEL_CS (64-bit code, DPL 0), GDT_KERNEL_DS, GDT_TSS.
 * The TSS carries the IST stacks used by exceptions that must work on a
 * broken stack: #DF (IST_DF), #PF (IST_PF, so a kernel stack overflow into
 * the guard page is reported), NMI and #MC (IST_NMI).
 * gdt_init() must run before idt_init().
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

#ifndef __ASSEMBLER__
void gdt_init(void);
#endif

#endif
