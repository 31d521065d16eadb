/* SPDX-License-Identifier: MIT */
/*
 * The CPU table (see smp.h). Written once, by smp_init on the boot CPU
 * with no other CPU running; read-only afterwards.
 */
#include "kernel/arch/x86_64/smp.h"
#include "kernel/arch/x86_64/acpi.h"
#include "kernel/arch/x86_64/lapic.h"
#include "kernel/arch/x86_64/tlb.h"
#include "libk/console.h"
#include "libk/cpu.h"
#include "libk/spinlock.h"
#include "libk/string.h"

static struct cpu_info smp_cpus[SMP_MAX_CPUS];
static size_t smp_ncpus;
static bool smp_madt_used;
static struct percpu smp_pcpu[SMP_MAX_CPUS];

static void smp_fallback(uint8_t bsp_id)
{
	memset(smp_cpus, 0, sizeof(smp_cpus));
	smp_cpus[0].apic_id = bsp_id;
	smp_cpus[0].enabled = true;
	smp_cpus[0].bsp = true;
	smp_cpus[0].state = CPU_ONLINE;
	smp_ncpus = 1;
	smp_madt_used = false;
}

/* Copy the MADT's usable processors; -1 when the boot CPU is not among
 * them (the table cannot be trusted then). */
static int smp_from(const struct acpi_madt *m, uint8_t bsp_id)
{
	int nbsp = 0;

	smp_ncpus = 0;
	for (size_t i = 0; i < m->ncpus && smp_ncpus < SMP_MAX_CPUS; i++) {
		const struct acpi_madt_cpu *c = &m->cpus[i];
		struct cpu_info *ci = &smp_cpus[smp_ncpus];

		if (!acpi_cpu_usable(c))
			continue;
		ci->apic_id = c->apic_id;
		ci->acpi_id = c->acpi_id;
		ci->enabled = (c->flags & ACPI_LAPIC_ENABLED) != 0;
		ci->bsp = c->apic_id == bsp_id;
		ci->state = ci->bsp ? CPU_ONLINE : CPU_FOUND;
		nbsp += ci->bsp;
		smp_ncpus++;
	}
	if (nbsp != 1)
		return -1;
	smp_madt_used = true;
	return 0;
}

/* The spinlocks' CPU hook (libk/spinlock.h): valid once GS is set. */
static unsigned smp_spin_cpu(void)
{
	return (unsigned)this_cpu()->index;
}

void smp_init(const struct mb2_info *info)
{
	int acpi_err = acpi_init(info);
	const struct acpi_madt *m = acpi_madt();
	bool apic = false;
	uint8_t bsp_id = 0;

	if (lapic_init(m ? m->lapic_addr : 0) == 0) {
		apic = true;
		bsp_id = lapic_id();
	}
	smp_fallback(bsp_id);
	if (acpi_err == 0 && apic && smp_from(m, bsp_id) != 0) {
		kprintf("cpu: the boot CPU (APIC id %u) is not in the MADT once: "
			"using it alone\n", bsp_id);
		smp_fallback(bsp_id);
	}
	for (size_t i = 0; i < smp_ncpus; i++) {
		smp_pcpu[i].self = &smp_pcpu[i];
		smp_pcpu[i].index = i;
		smp_pcpu[i].apic_id = smp_cpus[i].apic_id;
		if (smp_cpus[i].bsp) {
			smp_pcpu[i].online = 1;
			/* gdt_init already loaded GS (selector 0): the base now. */
			wrmsr(MSR_GS_BASE, (uintptr_t)&smp_pcpu[i]);
		}
	}
	spin_set_cpu_hook(smp_spin_cpu);
	if (apic) {
		lapic_enable_this_cpu(true);
		smp_call_init();
	}
	tlb_init();	/* sends nothing while one CPU is online */
	kprintf("cpu: %zu CPU%s found (APIC ids", smp_ncpus,
		smp_ncpus == 1 ? "" : "s");
	for (size_t i = 0; i < smp_ncpus; i++)
		kprintf(" %u", smp_cpus[i].apic_id);
	if (apic)
		kprintf("), LAPIC at 0x%llx, id %u, version 0x%x\n",
			(unsigned long long)lapic_phys_base(), bsp_id, lapic_version());
	else
		kprintf("), no usable LAPIC\n");
}

size_t smp_cpu_count(void)
{
	return smp_ncpus;
}

const struct cpu_info *smp_cpu(size_t i)
{
	return i < smp_ncpus ? &smp_cpus[i] : NULL;
}

struct percpu *smp_percpu(size_t i)
{
	return i < smp_ncpus ? &smp_pcpu[i] : NULL;
}

size_t smp_this_index(void)
{
	struct percpu *pc = (struct percpu *)(uintptr_t)rdmsr(MSR_GS_BASE);

	return pc ? pc->index : 0;
}

bool smp_on_bsp(void)
{
	struct percpu *pc = (struct percpu *)(uintptr_t)rdmsr(MSR_GS_BASE);

	return !pc || pc->index >= smp_ncpus || smp_cpus[pc->index].bsp;
}

void smp_mark_online(size_t i)
{
	if (i < smp_ncpus)
		smp_cpus[i].state = CPU_ONLINE;
}

bool smp_from_madt(void)
{
	return smp_madt_used;
}

const char *cpu_state_name(enum cpu_state s)
{
	switch (s) {
	case CPU_FOUND:
		return "found";
	case CPU_ONLINE:
		return "online";
	default:
		return "?";
	}
}
