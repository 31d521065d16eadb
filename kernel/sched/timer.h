/*
 * The system tick: PIT channel 0 at TIMER_HZ on IRQ 0.
 *
 * timer_init() (after irq_init) programs the PIT and registers the tick
 * handler; ticks count once interrupts are on. Each tick advances the
 * count and then calls the hook set with timer_on_tick() (the scheduler's
 * thread_tick(), which wakes sleepers and preempts): the timer knows no
 * scheduler by name. timer_ticks() is the count since timer_init(),
 * timer_ms() the same in milliseconds; both are read atomically (one
 * aligned 64-bit load) and never go backwards.
 */
#ifndef KERNEL_TIMER_H
#define KERNEL_TIMER_H

#include <stdint.h>

#define TIMER_HZ	1000

void timer_init(void);
uint64_t timer_ticks(void);
uint64_t timer_ms(void);
/* fn runs on every tick, in the interrupt, interrupts off. */
void timer_on_tick(void (*fn)(void));

#endif
