/* SPDX-License-Identifier: MIT */
/*
 * pit_delay_us(us): busy-wait at least `us` microseconds on PIT channel 2
 * (the speaker's channel, gated by port 0x61; channel 0 stays the
 * scheduler's timer, kernel/sched/timer.c). Polls, needs no interrupt: for
 * the INIT-SIPI-SIPI delays, which run before interrupts are on. Not
 * reentrant: one caller at a time (the boot CPU).
 */
#ifndef KERNEL_ARCH_X86_64_PIT_DELAY_H
#define KERNEL_ARCH_X86_64_PIT_DELAY_H

#include <stdint.h>

void pit_delay_us(uint32_t us);

#endif
