/* SPDX-License-Identifier: MIT */
/*
 * Stopping the other CPUs on a panic (see smp_stop.h). The wait is a
 * bounded spin, not a PIT delay: the PIT may be in use by the CPU being
 * stopped, and the TSC may not have been measured yet.
 */
#include "kernel/arch/x86_64/smp_stop.h"
#include "kernel/arch/x86_64/lapic.h"
#include "kernel/arch/x86_64/smp.h"
#include "libk/cpu.h"

#define SMP_STOP_SPINS_PER_MS	100000	/* of cpu_relax: ample under TCG */

static int smp_stop_flag;

bool smp_stop_requested(void)
{
	return __atomic_load_n(&smp_stop_flag, __ATOMIC_ACQUIRE) != 0;
}

void smp_stop_this_cpu(void)
{
	if (rdmsr(MSR_GS_BASE))
		__atomic_store_n(&this_cpu()->stopped, 1, __ATOMIC_RELEASE);
	cpu_halt_forever();
}

static size_t smp_stopped_others(size_t me)
{
	size_t n = 0;

	for (size_t i = 0; i < smp_cpu_count(); i++)
		if (i != me && __atomic_load_n(&smp_percpu(i)->stopped,
					       __ATOMIC_ACQUIRE))
			n++;
	return n;
}

size_t smp_stop_others(void)
{
	size_t me = smp_this_index(), others = 0;

	for (size_t i = 0; i < smp_cpu_count(); i++)
		if (i != me && smp_cpu(i)->state == CPU_ONLINE)
			others++;
	if (!others || !lapic_ready())
		return 0;
	__atomic_store_n(&smp_stop_flag, 1, __ATOMIC_RELEASE);
	if (lapic_send_nmi_all_others())
		return 0;
	for (long spin = 0; spin < (long)SMP_STOP_WAIT_MS * SMP_STOP_SPINS_PER_MS; spin++) {
		if (smp_stopped_others(me) >= others)
			break;
		cpu_relax();
	}
	return smp_stopped_others(me);
}
