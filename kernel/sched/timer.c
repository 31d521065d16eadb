/*
 * PIT channel 0 as the periodic tick (see timer.h). Mode 2, the rate
 * generator: one interrupt every PIT_HZ / TIMER_HZ input clocks, with no
 * reprogramming per tick.
 */
#include "kernel/sched/timer.h"
#include "kernel/arch/x86_64/io.h"
#include "kernel/arch/x86_64/irq.h"
#include "libk/console.h"

#define PIT_HZ		1193182
#define PIT_CH0		0x40
#define PIT_CMD		0x43
#define PIT_CH0_LOHI_MODE2 0x34	/* channel 0, lobyte/hibyte, mode 2, binary */
#define PIT_DIVISOR	((PIT_HZ + TIMER_HZ / 2) / TIMER_HZ)

_Static_assert(PIT_DIVISOR > 1 && PIT_DIVISOR <= 65535, "PIT divisor");

static volatile uint64_t timer_tick_count;
static void (*timer_hook)(void);

static void timer_irq(struct trap_frame *f)
{
	(void)f;
	timer_tick_count++;
	if (timer_hook)
		timer_hook();
}

void timer_init(void)
{
	outb(PIT_CMD, PIT_CH0_LOHI_MODE2);
	outb(PIT_CH0, PIT_DIVISOR & 0xff);
	outb(PIT_CH0, PIT_DIVISOR >> 8);
	irq_register(IRQ_TIMER, timer_irq);
	kprintf("timer: PIT at %d Hz\n", TIMER_HZ);
}

uint64_t timer_ticks(void)
{
	return timer_tick_count;
}

uint64_t timer_ms(void)
{
	return timer_tick_count * 1000 / TIMER_HZ;
}

void timer_on_tick(void (*fn)(void))
{
	timer_hook = fn;
}
