/* SPDX-License-Identifier: MIT */
/*
 * Suite smp: IPIs between CPUs (smp_call.h), TLB shootdown (tlb.h, the
 * rule at the top of mm/vmm.c) and the local APIC enabled on each CPU.
 * Booted with -smp 2 by make test (step kernel_smp); with one CPU the
 * cross-CPU cases are skipped and only "one CPU sends no IPI" runs.
 */
#include "kernel/arch/x86_64/lapic.h"
#include "kernel/arch/x86_64/setjmp.h"
#include "kernel/arch/x86_64/smp.h"
#include "kernel/arch/x86_64/smp_call.h"
#include "kernel/arch/x86_64/tlb.h"
#include "kernel/arch/x86_64/trap.h"
#include "libk/cpu.h"
#include "libk/ktest.h"
#include "libk/printf.h"
#include "libk/spinlock.h"
#include "libk/string.h"
#include "mm/layout.h"
#include "mm/vmap.h"

#define NEED_TWO_CPUS(t)						\
	do {								\
		if (smp_online_count() < 2)				\
			KTEST_SKIP(t, "one CPU online");		\
	} while (0)

static long whoami(void *arg)
{
	(void)arg;
	return (long)smp_this_index() * 1000 + lapic_id();
}

KTEST(smp, call_runs_on_cpu1_and_returns_its_result)
{
	long r = -1;

	NEED_TWO_CPUS(t);
	KASSERT_EQ(t, smp_call(1, whoami, NULL, &r), 0);
	KEXPECT_EQ(t, r, 1000 + smp_percpu(1)->apic_id);
	/* On ourselves it runs here. */
	KASSERT_EQ(t, smp_call(smp_this_index(), whoami, NULL, &r), 0);
	KEXPECT_EQ(t, r, (long)smp_this_index() * 1000 + lapic_id());
}

static long apic_on(void *arg)
{
	(void)arg;
	return lapic_enabled_here();
}

KTEST(smp, lapic_enabled_on_every_cpu)
{
	KEXPECT(t, lapic_enabled_here());
	for (size_t i = 0; i < smp_cpu_count(); i++) {
		long r = 0;

		KEXPECT_EQ(t, smp_call(i, apic_on, NULL, &r), 0);
		KEXPECT_EQ(t, r, 1);
	}
}

static int ran_on[SMP_MAX_CPUS];

static long mark_me(void *arg)
{
	(void)arg;
	__atomic_fetch_add(&ran_on[smp_this_index()], 1, __ATOMIC_RELAXED);
	return 0;
}

KTEST(smp, call_all_others_runs_on_each_other_cpu_once)
{
	size_t me = smp_this_index();
	unsigned reports = spin_reports();

	NEED_TWO_CPUS(t);
	for (size_t i = 0; i < SMP_MAX_CPUS; i++)
		ran_on[i] = 0;
	KEXPECT_EQ(t, smp_call_all_others(mark_me, NULL), 0);
	for (size_t i = 0; i < smp_cpu_count(); i++)
		KEXPECT_EQ(t, ran_on[i], i == me ? 0 : 1);
	KEXPECT_EQ(t, spin_reports(), reports);	/* mark_me takes no lock */
}

static int stall_release;

/* Outlasts the caller's timeout, then frees the slot (it was abandoned). */
static long stall(void *arg)
{
	(void)arg;
	for (long i = 0; i < 4000000000L; i++) {
		if (__atomic_load_n(&stall_release, __ATOMIC_ACQUIRE))
			return 1;
		cpu_relax();
	}
	return 0;
}

KTEST(smp, a_cpu_that_does_not_answer_times_out_then_recovers)
{
	long r = 0;

	NEED_TWO_CPUS(t);
	__atomic_store_n(&stall_release, 0, __ATOMIC_RELEASE);
	KEXPECT_EQ(t, smp_call(1, stall, NULL, &r), -1);
	__atomic_store_n(&stall_release, 1, __ATOMIC_RELEASE);
	/* The abandoned call ends and frees the slot: CPU 1 answers again. */
	KEXPECT_EQ(t, smp_call(1, whoami, NULL, &r), 0);
	KEXPECT_EQ(t, r, 1000 + smp_percpu(1)->apic_id);
	KEXPECT_EQ(t, smp_call(SMP_MAX_CPUS, whoami, NULL, &r), -1);
}

struct probe {
	uintptr_t addr;
	uint64_t value;
	int vector;
	uint64_t cr2;
};

/* On the other CPU: read p->addr, catching a fault. */
static long probe_read(void *arg)
{
	struct probe *p = arg;
	struct fault_catch fc;

	p->vector = -1;
	fault_catch_push(&fc);
	if (ksetjmp(fc.jb) == 0) {
		p->value = *(volatile uint64_t *)p->addr;
		fault_catch_pop(&fc);
		return 0;
	}
	p->vector = fc.info.vector;
	p->cr2 = fc.info.cr2;
	return 1;
}

/* CPU 1 reads a page (its TLB now holds it), we unmap it, CPU 1 reads
 * again: it must fault. A stale entry would read the freed frame. */
KTEST(smp, unmapped_page_faults_on_the_other_cpu)
{
	struct probe p = { 0 };
	unsigned long rounds = tlb_shootdowns();
	unsigned reports = spin_reports();
	uint64_t *page;
	long r = -1;

	NEED_TWO_CPUS(t);
	page = vm_map(PAGE_SIZE);
	KASSERT_NOT_NULL(t, page);
	*page = 0x5ca1ab1e;
	p.addr = (uintptr_t)page;
	KASSERT_EQ(t, smp_call(1, probe_read, &p, &r), 0);
	KEXPECT_EQ(t, r, 0);
	KEXPECT_EQ(t, p.value, 0x5ca1ab1e);
	KASSERT_EQ(t, vm_unmap(page, PAGE_SIZE), 0);
	KEXPECT_GT(t, tlb_shootdowns(), rounds);
	KASSERT_EQ(t, smp_call(1, probe_read, &p, &r), 0);
	KEXPECT_EQ(t, r, 1);
	KEXPECT_EQ(t, p.vector, TRAP_PF);
	KEXPECT_EQ(t, p.cr2, (uintptr_t)page);
	/* The shootdown's flush and a caught fault in a call take no lock. */
	KEXPECT_EQ(t, spin_reports(), reports);
}

KTEST(smp, one_cpu_sends_no_shootdown)
{
	unsigned long rounds = tlb_shootdowns();
	void *page;

	if (smp_online_count() > 1)
		KTEST_SKIP(t, "more than one CPU online");
	page = vm_map(PAGE_SIZE);
	KASSERT_NOT_NULL(t, page);
	KASSERT_EQ(t, vm_unmap(page, PAGE_SIZE), 0);
	KEXPECT_EQ(t, tlb_shootdowns(), rounds);
}

static unsigned pose_as_five(void)
{
	return 5;
}

static long spin_cpu_there(void *arg)
{
	(void)arg;
	return (long)spin_cpu();
}

/* A test posing as another CPU (through the spinlocks' CPU hook, as the
 * kmalloc_cache and spinlock suites do) changes the number only on its
 * own CPU: CPU 1, running threads and ticks meanwhile, keeps its own
 * (else its run-queue lock would be recorded as CPU 5's). */
KTEST(smp, a_pose_as_another_cpu_stays_on_its_cpu)
{
	unsigned (*real)(void);
	unsigned here;
	long there = -1;
	int rc;

	NEED_TWO_CPUS(t);
	real = spin_set_cpu_hook(pose_as_five);
	here = spin_cpu();
	rc = smp_call(1, spin_cpu_there, NULL, &there);
	spin_set_cpu_hook(real);
	KEXPECT_EQ(t, here, 5);
	KEXPECT_EQ(t, rc, 0);
	KEXPECT_EQ(t, there, 1);
	KEXPECT_EQ(t, spin_cpu(), smp_this_index());
}

static unsigned pose_as_one(void)
{
	return 1;
}

static spinlock_t pose_lock = SPINLOCK_INIT("test_pose", 0);

static long held_there(void *arg)
{
	(void)arg;
	return spin_held_by_me(&pose_lock);
}

/* CPU 0 posing as CPU 1 takes a lock: the real CPU 1 does not count it
 * as its own (the pose books its locks apart), so CPU 1's own takes and
 * releases meanwhile are neither refused nor reported. */
KTEST(smp, a_pose_books_its_locks_apart_from_the_real_cpu)
{
	unsigned (*real)(void);
	uint64_t flags;
	long there = -1;
	int rc;

	NEED_TWO_CPUS(t);
	real = spin_set_cpu_hook(pose_as_one);
	flags = spin_lock_irqsave(&pose_lock);
	rc = smp_call(1, held_there, NULL, &there);
	KEXPECT(t, spin_held_by_me(&pose_lock));
	spin_unlock_irqrestore(&pose_lock, flags);
	spin_set_cpu_hook(real);
	KEXPECT_EQ(t, rc, 0);
	KEXPECT_EQ(t, there, 0);
	KEXPECT(t, !spin_is_locked(&pose_lock));
}

/* ------------------------------------ the rule for call functions ---- */

static spinlock_t call_rule_here = SPINLOCK_INIT("test_call_here", 10);
static spinlock_t call_rule_there = SPINLOCK_INIT("test_call_there", 10);

/* Breaks the rule of smp_call.h on purpose: takes a lock. Returns the
 * marker's depth as it saw it. */
static long takes_a_lock(void *arg)
{
	spinlock_t *l = arg;
	uint64_t f = spin_lock_irqsave(l);

	spin_unlock_irqrestore(l, f);
	return (long)spin_in_call();
}

static bool smp_test_has(const char *s, const char *w)
{
	size_t n = strlen(w);

	for (; *s; s++)
		if (strncmp(s, w, n) == 0)
			return true;
	return false;
}

/* Checks the report a take of lock `name` in takes_a_lock on `cpu` made. */
static void expect_call_report(struct ktest *t, unsigned before,
			       const char *name, size_t cpu)
{
	const char *line = spin_last_report();
	char want[32];

	snprintf(want, sizeof(want), "CPU %zu ", cpu);
	KEXPECT_EQ(t, spin_reports(), before + 1);
	KEXPECT(t, smp_test_has(line, name));
	KEXPECT(t, smp_test_has(line, "inside an smp_call function"));
	KEXPECT(t, smp_test_has(line, "takes_a_lock+"));
	if (!KEXPECT(t, smp_test_has(line, want)))
		ktest_note(t, "report: %s", line);
}

/* smp_call on the calling CPU runs fn here, still as a call function. */
KTEST(smp, a_lock_taken_in_a_call_on_this_cpu_is_reported)
{
	unsigned before = spin_reports();
	long r = -1;

	KASSERT_EQ(t, smp_call(smp_this_index(), takes_a_lock, &call_rule_here, &r), 0);
	KEXPECT_EQ(t, r, 1);
	KEXPECT_EQ(t, spin_in_call(), 0);
	expect_call_report(t, before, "test_call_here", smp_this_index());
}

/* On CPU 1, from its IPI handler: the report names CPU 1. */
KTEST(smp, a_lock_taken_in_a_call_on_another_cpu_is_reported)
{
	unsigned before = spin_reports();
	long r = -1;

	NEED_TWO_CPUS(t);
	KASSERT_EQ(t, smp_call(1, takes_a_lock, &call_rule_there, &r), 0);
	KEXPECT_EQ(t, r, 1);
	expect_call_report(t, before, "test_call_there", 1);
}
