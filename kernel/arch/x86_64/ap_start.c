/* SPDX-License-Identifier: MIT */
/*
 * Starting the application processors (APs): the boot CPU copies the
 * trampoline (ap_trampoline.asm) to AP_TRAMPOLINE_PHYS, identity-maps that
 * page, and for one AP at a time fills the trampoline's parameters, sends
 * INIT, waits 10 ms, sends STARTUP, waits 200 us, sends a second STARTUP
 * if the AP is not up yet (Intel SDM vol. 3, "MP Initialization Protocol
 * Algorithm"), then waits up to AP_ONLINE_TIMEOUT_US for it.
 *
 * One AP at a time: the parameter block is shared. Runs on the boot CPU
 * with interrupts off, before the scheduler: nothing else runs.
 *
 * An AP loads its GDT/TSS and the IDT, sets its GS base, enables its
 * LAPIC (no LINT0: the PIC's IRQs stay on CPU 0), says it is online and
 * idles with `sti; hlt`, so it takes IPIs (smp_call.h: TLB shootdowns,
 * tests) and the panic NMI, until smp_ap_enter gives it the scheduler's
 * entry: then it calls that, and its boot flow becomes its idle thread.
 */
#include "kernel/arch/x86_64/smp.h"
#include "kernel/arch/x86_64/backtrace.h"
#include "kernel/arch/x86_64/idt.h"
#include "kernel/arch/x86_64/lapic.h"
#include "kernel/arch/x86_64/pit_delay.h"
#include "libk/console.h"
#include "libk/cpu.h"
#include "libk/string.h"
#include "mm/vmap.h"
#include "mm/vmm.h"

#define AP_TRAMPOLINE_PHYS	0x8000UL	/* as in ap_trampoline.asm */
#define AP_STACK_BYTES		16384
#define AP_ONLINE_TIMEOUT_US	200000
#define AP_POLL_US		100

struct ap_params {
	uint64_t cr3, stack, percpu, entry;
};

extern const uint8_t ap_trampoline_start[], ap_trampoline_end[];
extern const uint8_t ap_trampoline_params[];

/* Set once by smp_ap_enter (release); each AP's idle loop reads it. */
static void (*ap_entry)(uintptr_t stack_lo, uintptr_t stack_hi);

static long ap_kick(void *arg)
{
	(void)arg;
	return 0;	/* the IPI itself ends the AP's hlt */
}

void smp_ap_enter(void (*fn)(uintptr_t stack_lo, uintptr_t stack_hi))
{
	__atomic_store_n(&ap_entry, fn, __ATOMIC_RELEASE);
	smp_call_all_others(ap_kick, NULL);
}

static void __attribute__((noreturn)) ap_main(struct percpu *pc)
{
	gdt_init_cpu(&pc->gdt, pc->ist_tops);
	idt_load();
	wrmsr(MSR_GS_BASE, (uintptr_t)pc);
	lapic_enable_this_cpu(false);
	__atomic_store_n(&pc->online, 1, __ATOMIC_RELEASE);
	/* sti's one-instruction shadow: no IPI slips in before the hlt, so
	 * the kick of smp_ap_enter, if it comes after the check, ends it. */
	for (;;) {
		void (*fn)(uintptr_t, uintptr_t) =
			__atomic_load_n(&ap_entry, __ATOMIC_ACQUIRE);

		if (fn)
			fn(pc->stack_top - AP_STACK_BYTES, pc->stack_top);
		__asm__ volatile("sti; hlt; cli" : : : "memory");
	}
}

static bool ap_is_online(const struct percpu *pc)
{
	return __atomic_load_n(&pc->online, __ATOMIC_ACQUIRE) != 0;
}

/* Its kernel stack and three IST stacks, each a mapping of its own (an
 * overflow runs into the guard page of the mapping below). */
static int ap_alloc_stacks(struct percpu *pc)
{
	for (int i = 0; i < 4; i++) {
		uint8_t *s = vm_map(AP_STACK_BYTES);

		if (!s)
			return -1;	/* the ones mapped stay: a boot-time leak */
		if (i < 3)
			pc->ist_tops[i] = (uintptr_t)s + AP_STACK_BYTES;
		else
			pc->stack_top = (uintptr_t)s + AP_STACK_BYTES;
	}
	/* Its IPI handlers run on the kernel stack: so a panic's backtrace
	 * in one can walk it. */
	backtrace_add_stack(pc->stack_top - AP_STACK_BYTES, pc->stack_top);
	return 0;
}

/* Wait up to us microseconds for pc to come online. */
static bool ap_wait_online(const struct percpu *pc, uint32_t us)
{
	for (uint32_t t = 0; t < us; t += AP_POLL_US) {
		if (ap_is_online(pc))
			return true;
		pit_delay_us(AP_POLL_US);
	}
	return ap_is_online(pc);
}

static int ap_start_one(struct percpu *pc, struct ap_params *params)
{
	uint8_t vector = AP_TRAMPOLINE_PHYS >> PAGE_SHIFT;

	if (ap_alloc_stacks(pc)) {
		kprintf("cpu: no memory for the stacks of APIC id %u\n", pc->apic_id);
		return -1;
	}
	params->cr3 = read_cr3();
	params->stack = pc->stack_top;
	params->percpu = (uintptr_t)pc;
	params->entry = (uintptr_t)ap_main;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);

	if (lapic_send_init(pc->apic_id))
		goto ipi_failed;
	pit_delay_us(10000);
	if (lapic_send_startup(pc->apic_id, vector))
		goto ipi_failed;
	pit_delay_us(200);
	if (!ap_is_online(pc) && lapic_send_startup(pc->apic_id, vector))
		goto ipi_failed;
	if (ap_wait_online(pc, AP_ONLINE_TIMEOUT_US))
		return 0;
	kprintf("cpu: APIC id %u did not come online within %u ms\n",
		pc->apic_id, AP_ONLINE_TIMEOUT_US / 1000);
	return -1;
ipi_failed:
	kprintf("cpu: start-up IPI to APIC id %u not delivered\n", pc->apic_id);
	return -1;
}

/* The trampoline page: reachable through the direct map (to copy it, and
 * so RAM-like), free (pmm never hands out the first MiB; the raw boot
 * information there, if any, was copied by mb2_parse and is not read
 * again), and CR3 reachable from 32-bit code. */
static int ap_trampoline_install(struct ap_params **params)
{
	size_t bytes = (size_t)(ap_trampoline_end - ap_trampoline_start);
	uint8_t *dst = phys_to_virt(AP_TRAMPOLINE_PHYS);

	if (bytes > PAGE_SIZE || read_cr3() >= (1ULL << 32) ||
	    vmm_translate((uintptr_t)dst) != AP_TRAMPOLINE_PHYS) {
		kprintf("cpu: cannot place the AP trampoline (CR3 0x%llx)\n",
			(unsigned long long)read_cr3());
		return -1;
	}
	memcpy(dst, ap_trampoline_start, bytes);
	*params = (struct ap_params *)(dst + (ap_trampoline_params -
					       ap_trampoline_start));
	/* Identity-mapped, executable: fetched right after paging goes on. */
	if (vmm_map(AP_TRAMPOLINE_PHYS, AP_TRAMPOLINE_PHYS, 0)) {
		kprintf("cpu: cannot identity-map the AP trampoline\n");
		return -1;
	}
	return 0;
}

int smp_start_aps(void)
{
	size_t n = smp_cpu_count(), online = 1;
	struct ap_params *params;
	int failed = 0;

	if (n <= 1)
		return 0;
	if (!lapic_ready() || ap_trampoline_install(&params))
		return (int)n - 1;
	for (size_t i = 0; i < n; i++) {
		struct percpu *pc = smp_percpu(i);

		if (smp_cpu(i)->bsp)
			continue;
		if (ap_start_one(pc, params) == 0) {
			smp_mark_online(i);
			online++;
		} else {
			failed++;
		}
	}
	/* An AP that never came up may still be in the trampoline: then the
	 * page stays mapped, so it cannot fault there. */
	if (!failed)
		vmm_unmap(AP_TRAMPOLINE_PHYS);
	kprintf("cpu: %zu CPUs online\n", online);
	return failed;
}
