/*
 * smp: the machine's CPUs, as far as they are known today.
 *
 * smp_init(info) runs once on the boot CPU after mm_init: ACPI discovery
 * (acpi.h) and the boot CPU's local APIC (lapic.h), then the CPU table
 * and one boot line, "cpu: N CPUs found (APIC ids ...), LAPIC at 0x...".
 * Only MADT processors that are enabled or online-capable are listed.
 * The boot CPU (the one whose APIC id the LAPIC reports) is marked bsp and
 * online; the others are found, not started (issue 14, later steps).
 * Without a usable MADT or LAPIC the table holds the boot CPU alone, and
 * one line says why: the kernel runs on one CPU as before.
 *
 * Invariants: smp_cpu_count() >= 1 after smp_init; exactly one CPU is bsp.
 * The table is written only by smp_init (one CPU running), read-only
 * after, so readers need no lock.
 */
#ifndef KERNEL_ARCH_X86_64_SMP_H
#define KERNEL_ARCH_X86_64_SMP_H

#include "kernel/multiboot2.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SMP_MAX_CPUS 64

enum cpu_state {
	CPU_FOUND,	/* listed by the MADT, not started */
	CPU_ONLINE,	/* running kernel code */
};

struct cpu_info {
	uint8_t apic_id;
	uint8_t acpi_id;
	bool enabled;		/* MADT: enabled now (else online-capable) */
	bool bsp;
	enum cpu_state state;
};

void smp_init(const struct mb2_info *info);
size_t smp_cpu_count(void);
const struct cpu_info *smp_cpu(size_t i);	/* NULL past the end */
bool smp_from_madt(void);	/* the table came from ACPI, not a fallback */
const char *cpu_state_name(enum cpu_state s);

#endif
