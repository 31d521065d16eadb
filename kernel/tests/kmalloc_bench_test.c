/*
 * Suite kmalloc_bench: kmalloc+kfree pairs per CPU, on the boot CPU alone
 * and then on every online CPU at once; kmem_cache_alloc+free pairs the
 * same way. Prints figures, asserts none of them (tests never assert a
 * timing): only that every pair got its memory. Runs only when the
 * command line says `kbench` (make bench-kernel boots it, tests/bench/
 * kernel-bench.sh); in any other boot it is skipped.
 *
 * Time is the TSC, read on each CPU around its own loop (interrupts off
 * there, so no timer tick lands inside): under QEMU's -icount shift=0 it
 * is QEMU's instruction-driven virtual clock (one CPU alone: exactly its
 * instructions; several: all their instructions, in turns, so no per-CPU
 * count), without it the host's cycles. The CPUs start together;
 * the slowest one's ticks are the run's. The lines:
 *   # kbench kmalloc 1 cpu: P pairs, T ticks, X.xx ticks/pair
 *   # kbench kmalloc 2 cpus: P pairs each, T ticks, X.xx ticks/pair per CPU, scaling S.ss
 * where scaling is (pairs of all CPUs per tick) / (pairs of one CPU per
 * tick): 2.00 would be perfect for two CPUs.
 */
#include "kernel/arch/x86_64/smp.h"
#include "kernel/arch/x86_64/smp_call.h"
#include "kernel/cmdline.h"
#include "libk/cpu.h"
#include "libk/ktest.h"
#include "libk/string.h"
#include "mm/kmalloc.h"
#include "mm/kmem_cache.h"
#include <stdint.h>

#define KB_PAIRS	200000
#define KB_SIZE		64
#define KB_WAIT_MS	120000

struct kb_run {
	struct kmem_cache *kc;		/* NULL: kmalloc */
	int go;				/* the boot CPU's start signal */
	int ready;			/* workers waiting for it */
	uint64_t ticks[SMP_MAX_CPUS];
	unsigned long failed[SMP_MAX_CPUS];
};

struct kb_arg {
	struct kb_run *run;
	size_t slot;
};

static struct kb_run kb_run;
static struct kb_arg kb_args[SMP_MAX_CPUS];

/* PAIRS pairs with interrupts off; the ticks they took. */
static uint64_t kb_pairs(struct kb_run *r, unsigned long *failed)
{
	uint64_t flags = irq_save(), t0 = rdtsc(), t;

	for (long i = 0; i < KB_PAIRS; i++) {
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

/* One CPU's part: say it is ready, wait for go, run. */
static long kb_worker(void *arg)
{
	struct kb_arg *a = arg;
	struct kb_run *r = a->run;

	__atomic_fetch_add(&r->ready, 1, __ATOMIC_ACQ_REL);
	while (!__atomic_load_n(&r->go, __ATOMIC_ACQUIRE))
		cpu_relax();
	r->ticks[a->slot] = kb_pairs(r, &r->failed[a->slot]);
	return 0;
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

/* The two phases for kmalloc (kc NULL) or one kmem_cache. */
static void kb_bench(struct ktest *t, const char *what, struct kmem_cache *kc)
{
	struct kb_run *r = &kb_run;
	size_t cpu[SMP_MAX_CPUS], n = 0, me = smp_this_index();
	uint64_t one, all = 0;
	unsigned long failed = 0;

	memset(r, 0, sizeof(*r));
	r->kc = kc;
	/* Warm up (caches attached, slabs made), then one CPU. */
	kb_pairs(r, &failed);
	one = kb_pairs(r, &failed);
	kb_print(t, what, 1, one, 100);

	cpu[n++] = me;
	for (size_t i = 0; i < smp_cpu_count() && smp_online_count() > 1; i++)
		if (i != me && smp_cpu(i)->state == CPU_ONLINE)
			cpu[n++] = i;
	if (n > 1) {
		for (size_t k = 0; k < n; k++)
			kb_args[k] = (struct kb_arg){ r, k };
		for (size_t k = 1; k < n; k++)
			KASSERT_EQ(t, smp_call_start(cpu[k], kb_worker, &kb_args[k]), 0);
		while (__atomic_load_n(&r->ready, __ATOMIC_ACQUIRE) < (int)n - 1)
			cpu_relax();
		__atomic_store_n(&r->go, 1, __ATOMIC_RELEASE);
		kb_worker(&kb_args[0]);
		for (size_t k = 1; k < n; k++)
			KEXPECT_EQ(t, smp_call_finish(cpu[k], KB_WAIT_MS, NULL), 0);
		/* They started together: the slowest one's time is the run's. */
		for (size_t k = 0; k < n; k++) {
			all = r->ticks[k] > all ? r->ticks[k] : all;
			failed += r->failed[k];
		}
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
