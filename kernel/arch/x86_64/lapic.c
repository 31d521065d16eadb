/*
 * The local APIC, discovered but not yet used (see lapic.h).
 *
 * Why nothing is switched over yet: the PIC timer drives the scheduler
 * today, and moving interrupts to the LAPIC (software enable, spurious
 * vector, LVT timer calibrated against the PIT, masking the 8259) is a
 * step of its own with its own tests. One step at a time: this file only
 * finds and reads the registers and sends start-up IPIs, so a failure
 * here cannot stop a boot that worked before.
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
#define LAPIC_REG_ICR_LO	0x300
#define LAPIC_REG_ICR_HI	0x310
#define LAPIC_REGS_BYTES	0x400

#define ICR_INIT		(5u << 8)
#define ICR_STARTUP		(6u << 8)
#define ICR_ASSERT		(1u << 14)
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
