/* SPDX-License-Identifier: MIT */
/*
 * smp_call (see smp_call.h for the contract and the slot protocol).
 *
 * Waiting is timed with the TSC, measured once against the PIT at boot:
 * pit_delay_us is not reentrant, and any CPU may wait here.
 */
#include "kernel/arch/x86_64/smp_call.h"
#include "kernel/arch/x86_64/lapic.h"
#include "kernel/arch/x86_64/pit_delay.h"
#include "kernel/arch/x86_64/smp.h"
#include "libk/console.h"
#include "libk/cpu.h"
#include "libk/spinlock.h"

#define TSC_MEASURE_US		10000
#define TSC_FALLBACK_PER_MS	3000000ULL	/* 3 GHz, if the PIT says 0 */

static uint64_t smp_tsc_per_ms = TSC_FALLBACK_PER_MS;

void smp_call_init(void)
{
	uint64_t t0 = rdtsc(), t;

	pit_delay_us(TSC_MEASURE_US);
	t = (rdtsc() - t0) / (TSC_MEASURE_US / 1000);
	if (t)
		smp_tsc_per_ms = t;
	spin_set_wait_hook(smp_call_poll);
}

static bool cas(int *p, int from, int to)
{
	return __atomic_compare_exchange_n(p, &from, to, false,
					   __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
}

static bool cpu_takes_calls(size_t i)
{
	const struct cpu_info *c = smp_cpu(i);
	struct percpu *pc = smp_percpu(i);

	return c && c->state == CPU_ONLINE &&
	       __atomic_load_n(&pc->online, __ATOMIC_ACQUIRE) &&
	       !__atomic_load_n(&pc->stopped, __ATOMIC_ACQUIRE);
}

size_t smp_online_count(void)
{
	size_t n = 0;

	for (size_t i = 0; i < smp_cpu_count(); i++)
		n += cpu_takes_calls(i);
	return n ? n : 1;
}

/* Run a call function as the rule in smp_call.h says it runs: interrupts
 * off (the caller's), inside the "in a call" marker, so the lockdep-lite
 * reports any lock it takes (libk/spinlock.h). */
static long smp_call_run(smp_call_fn fn, void *arg)
{
	long r;

	spin_call_enter();
	r = fn(arg);
	spin_call_exit();
	return r;
}

/* Run the call posted to this CPU's slot, if any. */
void smp_call_poll(void)
{
	struct smp_call_slot *s;
	uint64_t flags;

	if (!rdmsr(MSR_GS_BASE))
		return;
	s = &this_cpu()->call;
	/* Interrupts off, as in the IPI handler, also when a waiting
	 * caller serves its own slot. */
	flags = irq_save();
	if (cas(&s->state, SMP_CALL_POSTED, SMP_CALL_RUNNING)) {
		s->ret = smp_call_run(s->fn, s->arg);
		if (!cas(&s->state, SMP_CALL_RUNNING, SMP_CALL_DONE))
			__atomic_store_n(&s->state, SMP_CALL_FREE, __ATOMIC_RELEASE);
	}
	irq_restore(flags);
}

void smp_call_interrupt(void)
{
	lapic_eoi();
	smp_call_poll();
}

/* Claim cpu's slot and post fn to it; -1 when it stays busy too long. */
static int smp_call_post(size_t cpu, smp_call_fn fn, void *arg, uint64_t end)
{
	struct smp_call_slot *s = &smp_percpu(cpu)->call;

	while (!cas(&s->state, SMP_CALL_FREE, SMP_CALL_CLAIMED)) {
		if (rdtsc() > end)
			return -1;
		smp_call_poll();
		cpu_relax();
	}
	s->fn = fn;
	s->arg = arg;
	__atomic_store_n(&s->state, SMP_CALL_POSTED, __ATOMIC_RELEASE);
	if (lapic_send_ipi(smp_percpu(cpu)->apic_id, LAPIC_IPI_VECTOR)) {
		/* not delivered: take it back unless it ran anyway */
		if (cas(&s->state, SMP_CALL_POSTED, SMP_CALL_FREE))
			return -1;
	}
	return 0;
}

/* Wait for the call posted to cpu; 0 and its result, or -1 (reported). */
static int smp_call_wait(size_t cpu, uint64_t end, long *ret)
{
	struct smp_call_slot *s = &smp_percpu(cpu)->call;

	while (__atomic_load_n(&s->state, __ATOMIC_ACQUIRE) != SMP_CALL_DONE) {
		if (rdtsc() > end) {
			if (cas(&s->state, SMP_CALL_POSTED, SMP_CALL_FREE) ||
			    cas(&s->state, SMP_CALL_RUNNING, SMP_CALL_ABANDONED)) {
				kprintf("smp_call: CPU %zu (APIC id %u) did not answer "
					"within %d ms\n", cpu, smp_percpu(cpu)->apic_id,
					SMP_CALL_TIMEOUT_MS);
				return -1;
			}
			continue;	/* it just finished */
		}
		smp_call_poll();
		cpu_relax();
	}
	if (ret)
		*ret = s->ret;
	__atomic_store_n(&s->state, SMP_CALL_FREE, __ATOMIC_RELEASE);
	return 0;
}

int smp_call(size_t cpu, smp_call_fn fn, void *arg, long *ret)
{
	uint64_t end = rdtsc() + SMP_CALL_TIMEOUT_MS * smp_tsc_per_ms;
	uint64_t flags;
	long r;

	if (cpu == smp_this_index()) {
		flags = irq_save();	/* as it would run on another CPU */
		r = smp_call_run(fn, arg);
		irq_restore(flags);
		if (ret)
			*ret = r;
		return 0;
	}
	if (!cpu_takes_calls(cpu)) {
		kprintf("smp_call: CPU %zu is not online\n", cpu);
		return -1;
	}
	if (smp_call_post(cpu, fn, arg, end)) {
		kprintf("smp_call: CPU %zu (APIC id %u) did not take the call\n",
			cpu, smp_percpu(cpu)->apic_id);
		return -1;
	}
	return smp_call_wait(cpu, end, ret);
}

int smp_call_all_others(smp_call_fn fn, void *arg)
{
	uint64_t end = rdtsc() + SMP_CALL_TIMEOUT_MS * smp_tsc_per_ms;
	bool posted[SMP_MAX_CPUS] = { false };
	size_t me = smp_this_index();
	int failed = 0;

	for (size_t i = 0; i < smp_cpu_count(); i++) {
		if (i == me || !cpu_takes_calls(i))
			continue;
		posted[i] = smp_call_post(i, fn, arg, end) == 0;
		if (!posted[i]) {
			kprintf("smp_call: CPU %zu (APIC id %u) did not take the call\n",
				i, smp_percpu(i)->apic_id);
			failed++;
		}
	}
	for (size_t i = 0; i < smp_cpu_count(); i++)
		if (posted[i] && smp_call_wait(i, end, NULL))
			failed++;
	return failed;
}
