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
		} else {
			/* Nothing starts the other CPUs yet. */
			KEXPECT_EQ(t, c->state, CPU_FOUND);
		}
		for (size_t j = 0; j < i; j++)
			KEXPECT_NE(t, smp_cpu(j)->apic_id, c->apic_id);
	}
	KEXPECT_EQ(t, nbsp, 1);
	KEXPECT(t, lapic_msr_says_bsp());
	KEXPECT_NULL(t, smp_cpu(smp_cpu_count()));
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
