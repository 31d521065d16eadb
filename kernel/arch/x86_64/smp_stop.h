/* SPDX-License-Identifier: MIT */
/*
 * smp_stop: a panic on one CPU stops all the others, so that only the
 * panicking CPU prints afterwards (kernel/panic.c, trap.c's fatal path).
 *
 * smp_stop_others() sets the stop request, sends an NMI to every other CPU
 * (the ICR's NMI delivery mode: it gets through with interrupts off) and
 * waits up to SMP_STOP_WAIT_MS for each online one to say it stopped;
 * returns how many did. With one CPU, or no LAPIC, it sends nothing.
 * An NMI seen while the request is set calls smp_stop_this_cpu(): the CPU
 * marks itself stopped (release) and halts for good, printing nothing.
 */
#ifndef KERNEL_ARCH_X86_64_SMP_STOP_H
#define KERNEL_ARCH_X86_64_SMP_STOP_H

#include <stdbool.h>
#include <stddef.h>

#define SMP_STOP_WAIT_MS	100

size_t smp_stop_others(void);
bool smp_stop_requested(void);
void smp_stop_this_cpu(void) __attribute__((noreturn));

#endif
