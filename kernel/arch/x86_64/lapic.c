/* SPDX-License-Identifier: MIT */
/*
 * The local APIC (see lapic.h): found and read at boot, software-enabled
 * on every CPU for IPIs.
 *
 * Why the PIT and the serial port stay on the 8259 PIC: the scheduler's
 * tick is each CPU's LAPIC timer (lapic_timer_*, below), and the PIT is
 * only the wall clock every CPU reads and the LAPIC timer's yardstick
 * (docs/smp.md); the serial IRQ would need an I/O APIC driver. So the
 * boot CPU's LAPIC stays in "virtual wire" mode: LINT0 takes the PIC's
 * INTR as ExtINT, LINT1 the NMI line; the APs mask LINT0, so every PIC
 * interrupt still goes to CPU 0 only. The APIC adds the timer, IPI and
 * spurious vectors.
 */
#include "kernel/arch/x86_64/lapic.h"
#include "kernel/arch/x86_64/pit_delay.h"
#include "libk/console.h"
#include "libk/cpu.h"
#include "mm/mmio.h"

#define CPUID_EDX_APIC		(1u << 9)
#define APIC_BASE_BSP		(1UL << 8)
#define APIC_BASE_ENABLE	(1UL << 11)
#define APIC_BASE_ADDR		0x000ffffffffff000UL

/* Register offsets (Intel SDM vol. 3, "Local APIC Register Address Map"). */
#define LAPIC_REG_ID		0x20
#define LAPIC_REG_VERSION	0x30
#define LAPIC_REG_TPR		0x80
#define LAPIC_REG_EOI		0xb0
#define LAPIC_REG_SVR		0xf0
#define LAPIC_REG_LVT_TIMER	0x320
#define LAPIC_REG_LVT_LINT0	0x350
#define LAPIC_REG_LVT_LINT1	0x360
#define LAPIC_REG_LVT_ERROR	0x370
#define LAPIC_REG_ICR_LO	0x300
#define LAPIC_REG_ICR_HI	0x310
#define LAPIC_REG_TIMER_INIT	0x380
#define LAPIC_REG_TIMER_CUR	0x390
#define LAPIC_REG_TIMER_DIV	0x3e0
#define LAPIC_REGS_BYTES	0x400

#define ICR_INIT		(5u << 8)
#define ICR_STARTUP		(6u << 8)
#define ICR_FIXED		(0u << 8)
#define ICR_NMI			(4u << 8)
#define ICR_ASSERT		(1u << 14)
#define ICR_ALL_BUT_SELF	(3u << 18)	/* destination shorthand */

#define SVR_ENABLE		(1u << 8)
#define LVT_MASKED		(1u << 16)
#define LVT_EXTINT		(7u << 8)
#define LVT_NMI			(4u << 8)
#define LVT_TIMER_PERIODIC	(1u << 17)
#define TIMER_DIV_16		0x3	/* divide configuration: bus clock / 16 */
#define ICR_DELIVERY_PENDING	(1u << 12)
#define ICR_WAIT_POLLS		100	/* of 100 us each */

static volatile uint32_t *lapic_regs;
static uint64_t lapic_msr;

static uint32_t lapic_read(uint32_t reg)
{
	return lapic_regs[reg / 4];
}

static void lapic_write(uint32_t reg, uint32_t v)
{
	lapic_regs[reg / 4] = v;
}

static int lapic_ipi(uint8_t apic_id, uint32_t low)
{
	if (!lapic_regs)
		return -1;
	lapic_write(LAPIC_REG_ICR_HI, (uint32_t)apic_id << 24);
	lapic_write(LAPIC_REG_ICR_LO, low);	/* this write sends it */
	for (int i = 0; i < ICR_WAIT_POLLS; i++) {
		if (!(lapic_read(LAPIC_REG_ICR_LO) & ICR_DELIVERY_PENDING))
			return 0;
		pit_delay_us(100);
	}
	return -1;
}

int lapic_send_init(uint8_t apic_id)
{
	return lapic_ipi(apic_id, ICR_INIT | ICR_ASSERT);
}

int lapic_send_startup(uint8_t apic_id, uint8_t vector)
{
	return lapic_ipi(apic_id, ICR_STARTUP | ICR_ASSERT | vector);
}

int lapic_send_ipi(uint8_t apic_id, uint8_t vector)
{
	return lapic_ipi(apic_id, ICR_FIXED | ICR_ASSERT | vector);
}

int lapic_send_nmi_all_others(void)
{
	return lapic_ipi(0, ICR_NMI | ICR_ASSERT | ICR_ALL_BUT_SELF);
}

void lapic_eoi(void)
{
	lapic_write(LAPIC_REG_EOI, 0);
}

/* The order matters: LVTs first (masked timer and error, the LINTs as the
 * header says), then the software enable, so nothing arrives half set. */
void lapic_enable_this_cpu(bool bsp)
{
	if (!lapic_regs)
		return;
	lapic_write(LAPIC_REG_LVT_TIMER, LVT_MASKED);
	lapic_write(LAPIC_REG_LVT_ERROR, LVT_MASKED);
	lapic_write(LAPIC_REG_LVT_LINT0, bsp ? LVT_EXTINT : LVT_MASKED);
	lapic_write(LAPIC_REG_LVT_LINT1, bsp ? LVT_NMI : LVT_MASKED);
	lapic_write(LAPIC_REG_TPR, 0);		/* accept every priority */
	lapic_write(LAPIC_REG_SVR, SVR_ENABLE | LAPIC_SPURIOUS_VECTOR);
}

bool lapic_enabled_here(void)
{
	return lapic_regs && (lapic_read(LAPIC_REG_SVR) & SVR_ENABLE) &&
	       (lapic_read(LAPIC_REG_SVR) & 0xff) == LAPIC_SPURIOUS_VECTOR;
}

int lapic_init(uint64_t madt_addr)
{
	uint32_t id[4];
	uint64_t base;

	cpuid(1, id);
	if (!(id[3] & CPUID_EDX_APIC)) {
		kprintf("lapic: this CPU has no local APIC\n");
		return -1;
	}
	lapic_msr = rdmsr(MSR_APIC_BASE);
	base = lapic_msr & APIC_BASE_ADDR;
	if (!(lapic_msr & APIC_BASE_ENABLE)) {
		kprintf("lapic: disabled by firmware (IA32_APIC_BASE 0x%llx)\n",
			(unsigned long long)lapic_msr);
		return -1;
	}
	if (madt_addr && madt_addr != base)
		kprintf("lapic: MADT says 0x%llx, IA32_APIC_BASE 0x%llx: using the MSR\n",
			(unsigned long long)madt_addr, (unsigned long long)base);
	lapic_regs = mmio_map(base, LAPIC_REGS_BYTES);
	if (!lapic_regs) {
		kprintf("lapic: cannot map its registers at 0x%llx\n",
			(unsigned long long)base);
		return -1;
	}
	return 0;
}

bool lapic_ready(void)
{
	return lapic_regs != NULL;
}

uint64_t lapic_phys_base(void)
{
	return lapic_msr & APIC_BASE_ADDR;
}

bool lapic_msr_says_bsp(void)
{
	return (lapic_msr & APIC_BASE_BSP) != 0;
}

uint8_t lapic_id(void)
{
	return (uint8_t)(lapic_read(LAPIC_REG_ID) >> 24);
}

uint8_t lapic_version(void)
{
	return (uint8_t)lapic_read(LAPIC_REG_VERSION);
}

uint8_t lapic_max_lvt(void)
{
	return (uint8_t)(lapic_read(LAPIC_REG_VERSION) >> 16);
}

/* One-shot from the largest count, masked (no interrupt), for `us` on the
 * PIT: what is gone is the count per `us` at divide 16. */
uint32_t lapic_timer_calibrate(uint32_t us)
{
	uint32_t left;

	if (!lapic_regs)
		return 0;
	lapic_write(LAPIC_REG_TIMER_DIV, TIMER_DIV_16);
	lapic_write(LAPIC_REG_LVT_TIMER, LVT_MASKED);
	lapic_write(LAPIC_REG_TIMER_INIT, 0xffffffffu);
	pit_delay_us(us);
	left = lapic_read(LAPIC_REG_TIMER_CUR);
	lapic_write(LAPIC_REG_TIMER_INIT, 0);
	return 0xffffffffu - left;
}

void lapic_timer_periodic(uint8_t vector, uint32_t count)
{
	if (!lapic_regs || !count)
		return;
	lapic_write(LAPIC_REG_TIMER_DIV, TIMER_DIV_16);
	lapic_write(LAPIC_REG_LVT_TIMER, LVT_TIMER_PERIODIC | vector);
	lapic_write(LAPIC_REG_TIMER_INIT, count);	/* this write starts it */
}

static void (*lapic_timer_fn)(void);

void lapic_timer_set_handler(void (*fn)(void))
{
	lapic_timer_fn = fn;
}

/* The EOI first, as for the PIC's IRQs (irq.c): the handler may switch
 * threads and not come back here for a while. */
void lapic_timer_interrupt(void)
{
	lapic_eoi();
	if (lapic_timer_fn)
		lapic_timer_fn();
}
