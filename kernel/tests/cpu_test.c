/* SPDX-License-Identifier: MIT */
/*
 * Suite cpu: what smp_init found on this machine. The real QEMU tables
 * are parsed at boot; the count is checked against smp_expect=N on the
 * command line (make test passes QEMU's -smp N as smp_expect=N, and a
 * second boot runs this suite with -smp 2). Without smp_expect= the count
 * test is skipped (e.g. `ktest cpu` typed in the shell).
 */
#include "kernel/arch/x86_64/acpi.h"
#include "kernel/arch/x86_64/lapic.h"
#include "kernel/arch/x86_64/smp.h"
#include "kernel/cmdline.h"
#include "libk/cpu.h"
#include "libk/ktest.h"
#include "mm/vmm.h"

KTEST(cpu, madt_found_and_parsed)
{
	const struct acpi_madt *m = acpi_madt();

	KASSERT_NOT_NULL(t, m);
	KEXPECT_GE(t, m->ncpus, 1);
	KEXPECT(t, !m->cpus_truncated);
	/* QEMU's PC: one I/O APIC at the usual place, LAPIC at 0xfee00000. */
	KEXPECT_GE(t, m->nioapics, 1);
	KEXPECT_EQ(t, m->lapic_addr, 0xfee00000);
	KEXPECT(t, smp_from_madt());
}

KTEST(cpu, count_is_what_qemu_was_given)
{
	const char *want = cmdline_get("smp_expect");
	size_t n = 0;

	if (!want || !*want)
		KTEST_SKIP(t, "no smp_expect=N on the command line");
	for (const char *p = want; *p; p++) {
		KASSERT(t, *p >= '0' && *p <= '9');
		n = n * 10 + (size_t)(*p - '0');
	}
	KEXPECT_EQ(t, smp_cpu_count(), n);
}

KTEST(cpu, one_bsp_it_is_us_and_online)
{
	size_t nbsp = 0;

	KASSERT(t, lapic_ready());
	for (size_t i = 0; i < smp_cpu_count(); i++) {
		const struct cpu_info *c = smp_cpu(i);

		if (c->bsp) {
			nbsp++;
			KEXPECT_EQ(t, c->apic_id, lapic_id());
			KEXPECT_EQ(t, c->state, CPU_ONLINE);
		}
		/* smp_start_aps started every other CPU. */
		KEXPECT_EQ(t, c->state, CPU_ONLINE);
		for (size_t j = 0; j < i; j++)
			KEXPECT_NE(t, smp_cpu(j)->apic_id, c->apic_id);
	}
	KEXPECT_EQ(t, nbsp, 1);
	KEXPECT(t, lapic_msr_says_bsp());
	KEXPECT_NULL(t, smp_cpu(smp_cpu_count()));
}

/* Each AP set its own online flag, after loading its GDT and GS base;
 * the boot CPU's GS base is its own per-CPU struct. */
KTEST(cpu, every_cpu_came_online_itself)
{
	for (size_t i = 0; i < smp_cpu_count(); i++) {
		struct percpu *pc = smp_percpu(i);

		KASSERT_NOT_NULL(t, pc);
		KEXPECT_PTR_EQ(t, pc->self, pc);
		KEXPECT_EQ(t, pc->apic_id, smp_cpu(i)->apic_id);
		KEXPECT_EQ(t, __atomic_load_n(&pc->online, __ATOMIC_ACQUIRE), 1);
		if (!smp_cpu(i)->bsp) {
			/* Its TSS was filled by the AP (gdt_init_cpu). */
			KEXPECT_EQ(t, pc->gdt.tss.ist[0], pc->ist_tops[0]);
			KEXPECT_NE(t, pc->stack_top, 0);
		} else {
			KEXPECT_PTR_EQ(t, this_cpu(), pc);
			KEXPECT_EQ(t, rdmsr(MSR_GS_BASE), (uintptr_t)pc);
		}
	}
	/* The trampoline's identity mapping is gone once all are up. */
	KEXPECT_EQ(t, vmm_translate(0x8000), VMM_NOT_MAPPED);
}

KTEST(cpu, lapic_registers_read)
{
	KASSERT(t, lapic_ready());
	KEXPECT_EQ(t, lapic_phys_base(), acpi_madt()->lapic_addr);
	/* An integrated APIC (not an 82489DX) has version 0x10..0x15. */
	KEXPECT_GE(t, lapic_version(), 0x10);
	KEXPECT_LE(t, lapic_version(), 0x15);
	KEXPECT_GE(t, lapic_max_lvt(), 3);
	/* The APIC id register agrees with CPUID's initial APIC id. */
	{
		uint32_t r[4];

		cpuid(1, r);
		KEXPECT_EQ(t, lapic_id(), r[1] >> 24);
	}
}
