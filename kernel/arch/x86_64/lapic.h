/*
 * lapic: the boot CPU's local APIC: read, and used to send start-up IPIs.
 *
 * lapic_init(madt_addr) finds the LAPIC's registers from MSR
 * IA32_APIC_BASE (what the hardware uses; madt_addr, the MADT's view, is
 * only compared with it, and a difference is reported), maps them
 * uncached (mm/mmio.h) and reads the boot CPU's APIC id and the APIC's
 * version. Returns 0, or -1 with one console line when the CPU has no
 * APIC, firmware left it disabled, or the registers cannot be mapped.
 *
 * It changes nothing: the APIC is not software-enabled, no LVT entry is
 * written, the PIC keeps delivering the timer (see lapic.c for why). Only
 * the ICR is written, to start the other CPUs (below).
 * lapic_id() etc. are valid after a successful lapic_init().
 */
#ifndef KERNEL_ARCH_X86_64_LAPIC_H
#define KERNEL_ARCH_X86_64_LAPIC_H

#include <stdbool.h>
#include <stdint.h>

int lapic_init(uint64_t madt_addr);
bool lapic_ready(void);
uint64_t lapic_phys_base(void);		/* from IA32_APIC_BASE */
bool lapic_msr_says_bsp(void);		/* IA32_APIC_BASE bit 8 */
uint8_t lapic_id(void);			/* the calling CPU's APIC id */
uint8_t lapic_version(void);		/* 0x10..0x15: an integrated APIC */
uint8_t lapic_max_lvt(void);		/* highest LVT entry index */

/*
 * Start-up IPIs to the CPU with APIC id `apic_id` (kernel/arch/x86_64/ap_start.c
 * sends them with the SDM's delays between): INIT, then STARTUP with the
 * trampoline's page number `vector` (it starts at vector * 4096). Each
 * waits for the ICR's delivery status to clear; -1 when it does not
 * within about 10 ms. A software-disabled APIC still sends them.
 */
int lapic_send_init(uint8_t apic_id);
int lapic_send_startup(uint8_t apic_id, uint8_t vector);

#endif
