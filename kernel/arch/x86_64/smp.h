/* SPDX-License-Identifier: MIT */
/*
 * smp: the machine's CPUs, as far as they are known today.
 *
 * smp_init(info) runs once on the boot CPU after mm_init: ACPI discovery
 * (acpi.h) and the boot CPU's local APIC (lapic.h), then the CPU table
 * and one boot line, "cpu: N CPUs found (APIC ids ...), LAPIC at 0x...".
 * Only MADT processors that are enabled or online-capable are listed.
 * The boot CPU (the one whose APIC id the LAPIC reports) is marked bsp and
 * online; the others are found. smp_init also enables the boot CPU's
 * LAPIC (lapic.h) and measures the TSC for smp_call's timeouts. smp_start_aps() (ap_start.c) then starts
 * them and marks each that comes up online.
 * Without a usable MADT or LAPIC the table holds the boot CPU alone, and
 * one line says why: the kernel runs on one CPU as before.
 *
 * Invariants: smp_cpu_count() >= 1 after smp_init; exactly one CPU is bsp.
 * The table is written only by the boot CPU (smp_init, smp_start_aps,
 * before anything else runs), read-only after, so readers need no lock.
 *
 * Per-CPU data: CPU i has smp_percpu(i), and its GS base points at it
 * (this_cpu() reads it back through %gs:0). An AP writes only its own
 * `online` and `stopped` flags (release; others read them with acquire),
 * its own catch_top, and call slots by smp_call.h's protocol.
 */
#ifndef KERNEL_ARCH_X86_64_SMP_H
#define KERNEL_ARCH_X86_64_SMP_H

#include "kernel/arch/x86_64/gdt.h"
#include "kernel/arch/x86_64/smp_call.h"
#include "kernel/multiboot2.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SMP_MAX_CPUS 64

struct fault_catch;

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

struct percpu {
	struct percpu *self;		/* at %gs:0, for this_cpu() */
	size_t index;			/* in the CPU table */
	uint8_t apic_id;
	int online;			/* set by the CPU itself, once */
	uintptr_t ist_tops[3];		/* its IST stacks (gdt.h) */
	uintptr_t stack_top;		/* its kernel stack */
	struct gdt_cpu gdt;		/* its GDT and TSS */
	struct smp_call_slot call;	/* smp_call.h: calls to this CPU */
	struct fault_catch *catch_top;	/* an AP's fault catches (trap.c) */
	int stopped;			/* halted by a panic elsewhere */
};

static inline struct percpu *this_cpu(void)
{
	struct percpu *p;

	__asm__ volatile("movq %%gs:0, %0" : "=r"(p));
	return p;
}

void smp_init(const struct mb2_info *info);
/* Start every found CPU (INIT-SIPI-SIPI); prints "cpu: N CPUs online"
 * when there are others. Returns how many did not come up. */
int smp_start_aps(void);
struct percpu *smp_percpu(size_t i);
/* The calling CPU's index; 0 before smp_init (GS base not yet set). */
size_t smp_this_index(void);
/* The calling CPU is the boot CPU (also before smp_init). */
bool smp_on_bsp(void);
/* Every online AP leaves its idle `hlt` loop and calls fn(lo, hi) with
 * interrupts off on its own kernel stack [lo, hi), never to return (the
 * scheduler: kernel/sched/thread.c); an AP started later calls it too.
 * The boot CPU sets fn once, after timer_init (ap_start.c). */
void smp_ap_enter(void (*fn)(uintptr_t stack_lo, uintptr_t stack_hi));
/* For ap_start.c: record that CPU i came online. */
void smp_mark_online(size_t i);
size_t smp_cpu_count(void);
const struct cpu_info *smp_cpu(size_t i);	/* NULL past the end */
bool smp_from_madt(void);	/* the table came from ACPI, not a fallback */
const char *cpu_state_name(enum cpu_state s);

#endif
