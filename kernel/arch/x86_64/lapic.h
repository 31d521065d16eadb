/* SPDX-License-Identifier: MIT */
/*
 * lapic: the local APIC: read at boot, enabled on every CPU, sends IPIs.
 *
 * lapic_init(madt_addr) finds the LAPIC's registers from MSR
 * IA32_APIC_BASE (what the hardware uses; madt_addr, the MADT's view, is
 * only compared with it, and a difference is reported), maps them
 * uncached (mm/mmio.h) and reads the boot CPU's APIC id and the APIC's
 * version. Returns 0, or -1 with one console line when the CPU has no
 * APIC, firmware left it disabled, or the registers cannot be mapped.
 *
 * lapic_init changes nothing. lapic_enable_this_cpu(bsp), on each CPU
 * (the boot CPU in smp_init, an AP in ap_main), software-enables its APIC
 * with LAPIC_SPURIOUS_VECTOR, masks its timer (until lapic_timer_periodic)
 * and error LVTs and leaves
 * the 8259 PIC in charge of the timer and serial IRQs on CPU 0 (virtual
 * wire; lapic.c says why). lapic_eoi() ends an APIC interrupt (the IPI
 * vector; never a spurious one, never a PIC IRQ).
 * lapic_id() etc. are valid after a successful lapic_init(); all but
 * lapic_init are no-ops (or -1) without one.
 */
#ifndef KERNEL_ARCH_X86_64_LAPIC_H
#define KERNEL_ARCH_X86_64_LAPIC_H

#include <stdbool.h>
#include <stdint.h>

#define LAPIC_SPURIOUS_VECTOR	0xff	/* low nibble all ones (P6 rule) */
#define LAPIC_IPI_VECTOR	0xf0	/* smp_call's (smp_call.h) */
#define LAPIC_TIMER_VECTOR	0xef	/* each CPU's scheduler tick (timer.h) */

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
/* A fixed interrupt with `vector` to one CPU; an NMI to every CPU but the
 * caller (panic). Same waiting and return values as above. */
int lapic_send_ipi(uint8_t apic_id, uint8_t vector);
int lapic_send_nmi_all_others(void);
void lapic_enable_this_cpu(bool bsp);
bool lapic_enabled_here(void);	/* software-enabled, our spurious vector */
void lapic_eoi(void);
int lapic_send_startup(uint8_t apic_id, uint8_t vector);

/*
 * The LAPIC timer, the scheduler's tick on every CPU (kernel/sched/timer.c).
 * lapic_timer_calibrate(us), on the boot CPU before interrupts are on:
 * runs the timer (divide 16, masked) for `us` microseconds timed by the
 * PIT (pit_delay.h) and returns the count it went down by; 0 without a
 * LAPIC. lapic_timer_periodic(vector, count), on each CPU: an interrupt
 * on `vector` every `count` timer clocks (divide 16), until reprogrammed.
 * QEMU's LAPIC timers all run at one rate, so the boot CPU's figure holds
 * for every CPU (real hardware would calibrate each).
 */
uint32_t lapic_timer_calibrate(uint32_t us);
void lapic_timer_periodic(uint8_t vector, uint32_t count);
/* fn runs on every LAPIC timer interrupt (any CPU), interrupts off, after
 * the EOI; lapic_timer_interrupt is trap.c's entry for the vector. */
void lapic_timer_set_handler(void (*fn)(void));
void lapic_timer_interrupt(void);

#endif
