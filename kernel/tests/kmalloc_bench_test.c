/* SPDX-License-Identifier: MIT */
/*
 * Suite kmalloc_bench: kmalloc+kfree pairs per CPU, on the boot CPU alone
 * and then on every online CPU at once; kmem_cache_alloc+free pairs the
 * same way. Prints figures, asserts none of them (tests never assert a
 * timing): only that every pair got its memory. Runs only when the
 * command line says `kbench` (make bench-kernel boots it, tests/bench/
 * kernel-bench.sh); in any other boot it is skipped.
 *
 * Each CPU's loop runs in a kernel thread pinned to it (thread_create_on),
 * the boot CPU's too; the test (thread 0) starts them together on a
 * shared flag and joins them. Not as smp_call functions: those may take
 * no lock and allocate nothing (smp_call.h). Each loop runs in chunks of
 * KB_CHUNK pairs with interrupts off, timed chunk by chunk, interrupts
 * back on between chunks: no timer tick is counted (under -icount one
 * CPU's ticks are exactly its instructions), interrupts do not come and
 * go on every pair (under TCG an `sti` ends the translated block, a host
 * cost no real CPU has), and a TLB shootdown from another CPU waits at
 * most one chunk for this CPU's answer. Nothing else is runnable on
 * those CPUs, so no switch.
 *
 * Time is the TSC, read on each CPU around its own loop: under QEMU's
 * -icount shift=0 it is QEMU's instruction-driven virtual clock (one CPU
 * alone: exactly its instructions; several: all their instructions, in
 * turns, so no per-CPU count), without it the host's cycles. The CPUs
 * start together; the slowest one's ticks are the run's. The lines:
 *   # kbench kmalloc 1 cpu: P pairs, T ticks, X.xx ticks/pair
 *   # kbench kmalloc 2 cpus: P pairs each, T ticks, X.xx ticks/pair per CPU, scaling S.ss
 * where scaling is (pairs of all CPUs per tick) / (pairs of one CPU per
 * tick): 2.00 would be perfect for two CPUs. The one-CPU line is the
 * boot CPU's thread alone, the other line every online CPU's at once
 * (2 or 4 with -smp 2 or 4).
 */
#include "kernel/arch/x86_64/smp.h"
#include "kernel/arch/x86_64/smp_call.h"
#include "kernel/cmdline.h"
#include "kernel/sched/thread.h"
#include "libk/cpu.h"
#include "libk/ktest.h"
#include "libk/string.h"
#include "mm/kmalloc.h"
#include "mm/kmem_cache.h"
#include <stdint.h>

#define KB_PAIRS	200000
#define KB_SIZE		64
#define KB_CHUNK	1000		/* pairs per interrupts-off stretch */
#define KB_START_MAX	10000000UL	/* yields waiting for the start */

struct kb_run {
	struct kmem_cache *kc;		/* NULL: kmalloc */
	int go;				/* the test's start signal (atomic) */
	int ready;			/* workers waiting for it (atomic) */
	int abort;			/* a worker could not start */
	uint64_t ticks[SMP_MAX_CPUS];
	unsigned long failed[SMP_MAX_CPUS];
};

struct kb_arg {
	struct kb_run *run;
	size_t slot;
};

static struct kb_run kb_run;
static struct kb_arg kb_args[SMP_MAX_CPUS];

/* KB_CHUNK pairs with interrupts off; the ticks they took. */
static uint64_t kb_chunk(struct kb_run *r, unsigned long *failed)
{
	uint64_t flags = irq_save(), t0 = rdtsc(), t;

	for (long i = 0; i < KB_CHUNK; i++) {
		void *p = r->kc ? kmem_cache_alloc(r->kc) : kmalloc(KB_SIZE);

		if (!p) {
			(*failed)++;
			continue;
		}
		*(volatile char *)p = (char)i;
		if (r->kc)
			kmem_cache_free(r->kc, p);
		else
			kfree(p);
	}
	t = rdtsc() - t0;
	irq_restore(flags);
	return t;
}

/* KB_PAIRS pairs, chunk by chunk (see the top); the ticks inside chunks. */
static uint64_t kb_pairs(struct kb_run *r, unsigned long *failed)
{
	uint64_t t = 0;

	for (long c = 0; c < KB_PAIRS / KB_CHUNK; c++)
		t += kb_chunk(r, failed);
	return t;
}

/* Wait (yielding) until *flag reaches want; false after KB_START_MAX
 * turns. */
static bool kb_wait_for(int *flag, int want)
{
	for (unsigned long i = 0; i < KB_START_MAX; i++) {
		if (__atomic_load_n(flag, __ATOMIC_ACQUIRE) >= want)
			return true;
		thread_yield();
	}
	return false;
}

/* One CPU's part, in a thread pinned there: say it is ready, wait for
 * go, run. */
static void kb_worker(void *arg)
{
	struct kb_arg *a = arg;
	struct kb_run *r = a->run;

	__atomic_fetch_add(&r->ready, 1, __ATOMIC_ACQ_REL);
	if (!kb_wait_for(&r->go, 1) || __atomic_load_n(&r->abort, __ATOMIC_ACQUIRE)) {
		r->failed[a->slot]++;
		return;
	}
	r->ticks[a->slot] = kb_pairs(r, &r->failed[a->slot]);
}

/* Every CPU of cpu[0..n) at once, a pinned thread each, started together;
 * the slowest one's ticks (they started together: its time is the run's).
 * Failed starts and failed pairs are added to *failed. */
static uint64_t kb_all(struct kb_run *r, const size_t *cpu, size_t n,
		       unsigned long *failed)
{
	struct thread *th[SMP_MAX_CPUS] = { NULL };
	uint64_t all = 0;
	int made = 0;

	r->go = r->ready = r->abort = 0;
	for (size_t k = 0; k < n; k++) {
		kb_args[k] = (struct kb_arg){ r, k };
		r->ticks[k] = 0;
		r->failed[k] = 0;
		th[k] = thread_create_on(cpu[k], "kbench", kb_worker, &kb_args[k]);
		made += th[k] != NULL;
		if (!th[k])
			(*failed)++;
	}
	if (!kb_wait_for(&r->ready, made) || made < (int)n)
		__atomic_store_n(&r->abort, 1, __ATOMIC_RELEASE);
	__atomic_store_n(&r->go, 1, __ATOMIC_RELEASE);
	for (size_t k = 0; k < n; k++) {
		if (th[k] && thread_join(th[k]))
			(*failed)++;
		all = r->ticks[k] > all ? r->ticks[k] : all;
		*failed += r->failed[k];
	}
	return all;
}

/* ratio100: the scaling, times 100 (integers: no FPU in the kernel). */
static void kb_print(struct ktest *t, const char *what, size_t ncpu, uint64_t ticks,
		     uint64_t ratio100)
{
	unsigned long long per100 = ticks * 100 / KB_PAIRS;

	if (ncpu == 1)
		ktest_note(t, "kbench %s 1 cpu: %d pairs, %llu ticks, %llu.%02llu ticks/pair",
			what, KB_PAIRS, (unsigned long long)ticks, per100 / 100, per100 % 100);
	else
		ktest_note(t, "kbench %s %zu cpus: %d pairs each, %llu ticks, %llu.%02llu "
			"ticks/pair per CPU, scaling %u.%02u", what, ncpu, KB_PAIRS,
			(unsigned long long)ticks, per100 / 100, per100 % 100,
			(unsigned)(ratio100 / 100), (unsigned)(ratio100 % 100));
}

/* The two phases for kmalloc (kc NULL) or one kmem_cache: the boot
 * CPU's thread alone (after a warm-up round: caches attached, slabs
 * made), then every online CPU's at once. */
static void kb_bench(struct ktest *t, const char *what, struct kmem_cache *kc)
{
	struct kb_run *r = &kb_run;
	size_t cpu[SMP_MAX_CPUS], n = 0, me = smp_this_index();
	uint64_t one, all;
	unsigned long failed = 0;

	memset(r, 0, sizeof(*r));
	r->kc = kc;
	cpu[n++] = me;
	kb_all(r, cpu, 1, &failed);
	one = kb_all(r, cpu, 1, &failed);
	kb_print(t, what, 1, one, 100);

	for (size_t i = 0; i < smp_cpu_count() && smp_online_count() > 1; i++)
		if (i != me && smp_cpu(i)->state == CPU_ONLINE)
			cpu[n++] = i;
	if (n > 1) {
		kb_all(r, cpu, n, &failed);	/* every CPU's cache warm */
		all = kb_all(r, cpu, n, &failed);
		kb_print(t, what, n, all, all ? (uint64_t)n * one * 100 / all : 0);
	}
	KEXPECT_EQ(t, failed, 0);
}

#define KB_NEED_KBENCH(t)						\
	do {								\
		if (!cmdline_has("kbench"))				\
			KTEST_SKIP(t, "a benchmark: boot with kbench (make bench-kernel)"); \
	} while (0)

KTEST(kmalloc_bench, kmalloc_pairs_per_cpu)
{
	KB_NEED_KBENCH(t);
	kb_bench(t, "kmalloc", NULL);
}

KTEST(kmalloc_bench, kmem_cache_pairs_per_cpu)
{
	struct kmem_cache *kc;

	KB_NEED_KBENCH(t);
	kc = kmem_cache_create("kbench", KB_SIZE, 8);
	KASSERT_NOT_NULL(t, kc);
	kb_bench(t, "kmem_cache", kc);
	KEXPECT_EQ(t, kmem_cache_destroy(kc), 0);
}
