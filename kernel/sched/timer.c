/* SPDX-License-Identifier: MIT */
/*
 * The PIT as the wall clock and the LAPIC timer as each CPU's scheduler
 * tick (see timer.h). PIT mode 2, the rate generator: one interrupt every
 * PIT_HZ / TIMER_HZ input clocks, with no reprogramming per tick.
 *
 * State: timer_tick_count is written by CPU 0's PIT interrupt only;
 * timer_cpu_count[i] by CPU i's tick only (relaxed atomics: other CPUs
 * read them for the shell); lapic_count is set once by timer_init before
 * any AP starts its timer.
 */
#include "kernel/sched/timer.h"
#include "kernel/arch/x86_64/io.h"
#include "kernel/arch/x86_64/irq.h"
#include "kernel/arch/x86_64/lapic.h"
#include "kernel/arch/x86_64/smp.h"
#include "libk/console.h"

#define PIT_HZ		1193182
#define PIT_CH0		0x40
#define PIT_CMD		0x43
#define PIT_CH0_LOHI_MODE2 0x34	/* channel 0, lobyte/hibyte, mode 2, binary */
#define PIT_DIVISOR	((PIT_HZ + TIMER_HZ / 2) / TIMER_HZ)
#define LAPIC_CALIBRATE_US 10000

_Static_assert(PIT_DIVISOR > 1 && PIT_DIVISOR <= 65535, "PIT divisor");

static volatile uint64_t timer_tick_count;
static uint64_t timer_cpu_count[SMP_MAX_CPUS];
static void (*timer_hook)(void);
static uint32_t lapic_count;	/* LAPIC timer clocks per tick; 0: none */

static void timer_sched_tick(void)
{
	size_t cpu = smp_this_index();

	if (cpu < SMP_MAX_CPUS)
		__atomic_fetch_add(&timer_cpu_count[cpu], 1, __ATOMIC_RELAXED);
	if (timer_hook)
		timer_hook();
}

static void timer_irq(struct trap_frame *f)
{
	(void)f;
	timer_tick_count++;
	if (!lapic_count)
		timer_sched_tick();
}

void timer_init(void)
{
	uint32_t c;

	outb(PIT_CMD, PIT_CH0_LOHI_MODE2);
	outb(PIT_CH0, PIT_DIVISOR & 0xff);
	outb(PIT_CH0, PIT_DIVISOR >> 8);
	irq_register(IRQ_TIMER, timer_irq);
	/* Before interrupts are on: nothing else uses the PIT's channel 2. */
	c = lapic_timer_calibrate(LAPIC_CALIBRATE_US);
	lapic_count = (uint32_t)((uint64_t)c * 1000000 / TIMER_HZ /
				 LAPIC_CALIBRATE_US);
	if (lapic_count) {
		lapic_timer_set_handler(timer_sched_tick);
		lapic_timer_periodic(LAPIC_TIMER_VECTOR, lapic_count);
		kprintf("timer: PIT at %d Hz (wall clock), LAPIC timer at %d Hz "
			"on each CPU (%u clocks / 16 per tick)\n", TIMER_HZ,
			TIMER_HZ, lapic_count);
	} else {
		kprintf("timer: PIT at %d Hz, also the scheduler's tick on CPU 0\n",
			TIMER_HZ);
	}
}

void timer_start_this_cpu(void)
{
	if (lapic_count)
		lapic_timer_periodic(LAPIC_TIMER_VECTOR, lapic_count);
}

uint64_t timer_ticks(void)
{
	return timer_tick_count;
}

uint64_t timer_ms(void)
{
	return timer_tick_count * 1000 / TIMER_HZ;
}

uint64_t timer_cpu_ticks(size_t cpu)
{
	return cpu < SMP_MAX_CPUS ?
		__atomic_load_n(&timer_cpu_count[cpu], __ATOMIC_RELAXED) : 0;
}

bool timer_lapic_driven(void)
{
	return lapic_count != 0;
}

void timer_on_tick(void (*fn)(void))
{
	timer_hook = fn;
}
