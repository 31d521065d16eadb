/* SPDX-License-Identifier: MIT */
/*
 * Time and the scheduler's ticks.
 *
 * The wall clock: PIT channel 0 at TIMER_HZ on IRQ 0, through the 8259
 * PIC, so on CPU 0 only. timer_ticks() is its count since timer_init(),
 * timer_ms() the same in milliseconds; both are read atomically (one
 * aligned 64-bit load) from any CPU and never go backwards.
 *
 * The scheduler's tick: each CPU's local APIC timer, periodic at TIMER_HZ,
 * its count per tick measured once against the PIT by timer_init() on the
 * boot CPU. Each tick calls the hook set with timer_on_tick() (the
 * scheduler's thread_tick(): wake this CPU's sleepers, charge the tick,
 * preempt) on the CPU it fired on: the timer knows no scheduler by name.
 * timer_start_this_cpu() starts an AP's (the scheduler calls it when the
 * AP enters it). Without a LAPIC the PIT's interrupt drives CPU 0's
 * scheduler instead, as before SMP.
 *
 * Why the PIT stays: it is the one clock every CPU reads the same way
 * (sleeps compare against it wherever they run), and the LAPIC timer's
 * rate is only known through it; it and the serial IRQ stay on the PIC,
 * CPU 0 (docs/smp.md).
 */
#ifndef KERNEL_TIMER_H
#define KERNEL_TIMER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TIMER_HZ	1000

void timer_init(void);
uint64_t timer_ticks(void);
uint64_t timer_ms(void);
/* fn runs on every scheduler tick of a CPU, in the interrupt, interrupts
 * off, on that CPU. */
void timer_on_tick(void (*fn)(void));
/* This CPU's LAPIC timer at TIMER_HZ (an AP; the boot CPU's starts in
 * timer_init). Nothing without a calibrated LAPIC timer. */
void timer_start_this_cpu(void);
/* Scheduler ticks CPU `cpu` has taken (0 past the table). */
uint64_t timer_cpu_ticks(size_t cpu);
/* The LAPIC timer drives the scheduler (false: the PIT on CPU 0). */
bool timer_lapic_driven(void);

#endif
