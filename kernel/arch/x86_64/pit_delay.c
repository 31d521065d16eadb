/* SPDX-License-Identifier: MIT */
/*
 * PIT channel 2 as a one-shot (mode 0): its output (port 0x61 bit 5) goes
 * low when the count is written and high when it reaches zero.
 */
#include "kernel/arch/x86_64/pit_delay.h"
#include "kernel/arch/x86_64/io.h"
#include "libk/cpu.h"

#define PIT_HZ		1193182u
#define PIT_CH2		0x42
#define PIT_CMD		0x43
#define PIT_CH2_MODE0	0xb0	/* channel 2, lobyte/hibyte, mode 0, binary */
#define PORT_B		0x61
#define PORT_B_GATE2	0x01
#define PORT_B_SPEAKER	0x02
#define PORT_B_OUT2	0x20
#define PIT_MAX_US	50000u	/* 59659 ticks: fits the 16-bit count */

static void pit_wait_ticks(uint16_t ticks)
{
	uint8_t b = inb(PORT_B) & ~PORT_B_SPEAKER;

	outb(PORT_B, b & ~PORT_B_GATE2);	/* gate low: hold the count */
	outb(PIT_CMD, PIT_CH2_MODE0);
	outb(PIT_CH2, ticks & 0xff);
	outb(PIT_CH2, ticks >> 8);
	outb(PORT_B, b | PORT_B_GATE2);		/* gate high: count down */
	while (!(inb(PORT_B) & PORT_B_OUT2))
		cpu_relax();
}

void pit_delay_us(uint32_t us)
{
	while (us > 0) {
		uint32_t step = us > PIT_MAX_US ? PIT_MAX_US : us;
		uint32_t ticks = (uint32_t)(((uint64_t)step * PIT_HZ + 999999) / 1000000);

		pit_wait_ticks((uint16_t)(ticks ? ticks : 1));
		us -= step;
	}
}
