/* SPDX-License-Identifier: MIT */
/*
 * Suite kmalloc_smp: kmalloc's per-CPU caches (mm/kmalloc_cache.h) and
 * kmem_cache with every CPU at once. Booted with -smp 2 by make test
 * (and -smp 1 again; -smp 4 by hand); with one CPU the storms run on the
 * boot CPU alone (its ring feeds itself) and the cross-CPU cases are
 * skipped.
 *
 * How the CPUs work together: every piece of work that must run on a
 * given CPU runs in a kernel thread pinned there (thread_create_on),
 * joined by the test (thread 0, pinned to CPU 0): the storms' workers,
 * the cross-CPU frees and allocations, and the flushes (a CPU empties
 * only its own cache, docs/locking.md). Never as an smp_call function:
 * those run in the IPI handler or inside another lock's wait and may
 * take no lock and allocate nothing (smp_call.h). A worker thread has
 * interrupts on, so its CPU answers TLB shootdowns while it works, and a
 * storm needs no change to the heap's trimming.
 *
 * A storm: one worker per online CPU; they start together (each says it
 * is ready, then waits for the shared `go`). Worker i hands blocks to
 * worker i+1 through a ring (one producer, one consumer,
 * release/acquire): it allocates, writes a pattern naming the block and
 * its maker, pushes; the next CPU pops, checks every byte, frees. So every
 * block of the ring is freed on another CPU than the one that allocated
 * it. Each worker also churns a few blocks of its own. Every wait is a
 * bounded loop on a condition (a stalled partner aborts the storm and
 * the test says so); no time is asserted.
 */
#include "kernel/arch/x86_64/smp.h"
#include "kernel/arch/x86_64/smp_call.h"
#include "kernel/sched/thread.h"
#include "libk/cpu.h"
#include "libk/ktest.h"
#include "libk/printf.h"
#include "libk/string.h"
#include "mm/kmalloc.h"
#include "mm/kmalloc_cache.h"
#include "mm/kmem_cache.h"
#include "mm/osmem/backend_kernel.h"
#include <stdint.h>

#define KS_RING		64
#define KS_CHURN	16
#define KS_PER_CPU	20000		/* blocks each CPU hands on */
#define KS_SPIN_MAX	200000000UL	/* polls without progress: stalled */
#define KS_START_MAX	10000000UL	/* yields waiting for the start */
#define KS_OBJ		72		/* the kmem_cache storm's objects */
#define KS_SIZE_MAX	4100		/* the largest block of a storm */

struct ks_ring {
	void *slot[KS_RING];
	unsigned head, tail;		/* consumer's, producer's (atomics) */
};

struct ks_cpu {
	struct ks_ring out;		/* to the next worker */
	unsigned long made, got, bad, nomem, stalled;
	long started;			/* 0, or -1: no thread (or no start) */
};

struct ks_run {
	size_t n;			/* workers */
	size_t cpu_of[SMP_MAX_CPUS];	/* worker i runs on CPU cpu_of[i] */
	struct ks_cpu w[SMP_MAX_CPUS];
	struct kmem_cache *kc;		/* NULL: kmalloc */
	int ready;			/* workers waiting for go (atomic) */
	int go;				/* the test's start signal (atomic) */
	int abort;
};

struct ks_arg {
	struct ks_run *run;
	size_t i;
};

static struct ks_run ks_run;
static struct ks_arg ks_args[SMP_MAX_CPUS];

/* ------------------------------------------------------------ blocks ---- */

static uint64_t ks_rand(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Mostly small (every list), now and then a medium block (the stash). */
static size_t ks_size(struct ks_run *r, uint64_t *seed)
{
	uint64_t x = ks_rand(seed);

	if (r->kc)
		return KS_OBJ;
	if (x % 32 == 0)
		return 1100 + x % 3000;
	return 16 + (x >> 8) % 700;
}

/* The block's first word says where it is and who made it; its size word
 * and every byte after follow from it. */
static void ks_fill(unsigned char *p, size_t size, uint64_t tag)
{
	uint64_t head[2] = { (uintptr_t)p ^ tag, size };

	memcpy(p, head, sizeof(head));
	for (size_t i = 16; i < size; i++)
		p[i] = (unsigned char)(tag + i * 31);
}

/* The pattern holds (the block's size read from it, or `fixed`). */
static bool ks_check(const unsigned char *p, size_t fixed)
{
	uint64_t head[2], tag;

	memcpy(head, p, sizeof(head));
	tag = head[0] ^ (uintptr_t)p;
	if ((fixed && head[1] != fixed) || head[1] < 16 || head[1] > KS_SIZE_MAX)
		return false;
	for (size_t i = 16; i < head[1]; i++)
		if (p[i] != (unsigned char)(tag + i * 31))
			return false;
	return true;
}

static void *ks_alloc(struct ks_run *r, size_t size)
{
	return r->kc ? kmem_cache_alloc(r->kc) : kmalloc(size);
}

static void ks_free(struct ks_run *r, void *p)
{
	if (r->kc)
		kmem_cache_free(r->kc, p);
	else
		kfree(p);
}

/* ----------------------------------------------------------- workers ---- */

static bool ks_push(struct ks_ring *q, void *p)
{
	unsigned tail = q->tail;

	if (tail - __atomic_load_n(&q->head, __ATOMIC_ACQUIRE) == KS_RING)
		return false;
	q->slot[tail % KS_RING] = p;
	__atomic_store_n(&q->tail, tail + 1, __ATOMIC_RELEASE);
	return true;
}

static void *ks_pop(struct ks_ring *q)
{
	unsigned head = q->head;
	void *p;

	if (head == __atomic_load_n(&q->tail, __ATOMIC_ACQUIRE))
		return NULL;
	p = q->slot[head % KS_RING];
	__atomic_store_n(&q->head, head + 1, __ATOMIC_RELEASE);
	return p;
}

/* Check a block that reached us, free it. */
static void ks_take(struct ks_run *r, struct ks_cpu *me, unsigned char *p)
{
	if (!ks_check(p, r->kc ? KS_OBJ : 0))
		me->bad++;
	ks_free(r, p);
}

/* A block of our own churn: replace slot k's. */
static void ks_churn(struct ks_run *r, struct ks_cpu *me, void **slot,
		     uint64_t *seed, uint64_t tag)
{
	unsigned k = (unsigned)(ks_rand(seed) % KS_CHURN);
	size_t size = ks_size(r, seed);

	if (slot[k])
		ks_take(r, me, slot[k]);
	slot[k] = ks_alloc(r, size);
	if (slot[k])
		ks_fill(slot[k], size, tag);
	else
		me->nomem++;
}

static void ks_work(void *arg)
{
	struct ks_arg *a = arg;
	struct ks_run *r = a->run;
	struct ks_cpu *me = &r->w[a->i];
	struct ks_ring *in = &r->w[(a->i + r->n - 1) % r->n].out;
	uint64_t seed = 0x9e3779b97f4a7c15ULL * (a->i + 1);
	void *slot[KS_CHURN] = { NULL };
	unsigned long idle = 0;

	while ((me->made < KS_PER_CPU || me->got < KS_PER_CPU) &&
	       !__atomic_load_n(&r->abort, __ATOMIC_RELAXED)) {
		bool moved = false;
		unsigned char *p;

		if (me->made < KS_PER_CPU &&
		    me->out.tail - __atomic_load_n(&me->out.head, __ATOMIC_ACQUIRE) < KS_RING) {
			size_t size = ks_size(r, &seed);

			p = ks_alloc(r, size);
			if (!p) {
				me->nomem++;
				break;
			}
			ks_fill(p, size, (a->i << 56) | me->made);
			ks_push(&me->out, p);
			me->made++;
			moved = true;
		}
		if ((p = ks_pop(in)) != NULL) {
			ks_take(r, me, p);
			me->got++;
			moved = true;
		}
		if (moved) {
			idle = 0;
			if (me->made % 4 == 0)
				ks_churn(r, me, slot, &seed, (a->i << 56) | (1ULL << 55) | me->made);
		} else if (++idle > KS_SPIN_MAX) {
			me->stalled = 1;
			__atomic_store_n(&r->abort, 1, __ATOMIC_RELAXED);
		} else {
			cpu_relax();
		}
	}
	for (unsigned k = 0; k < KS_CHURN; k++)
		if (slot[k])
			ks_take(r, me, slot[k]);
	/* What this CPU's cache holds goes back (the stats check after). */
	kmalloc_cache_flush_mine();
}

/* Wait (yielding) until *flag reaches want; false after KS_START_MAX
 * turns or once the storm aborts. */
static bool ks_wait_for(struct ks_run *r, int *flag, int want)
{
	for (unsigned long i = 0; i < KS_START_MAX; i++) {
		if (__atomic_load_n(flag, __ATOMIC_ACQUIRE) >= want)
			return true;
		if (__atomic_load_n(&r->abort, __ATOMIC_RELAXED))
			return false;
		thread_yield();
	}
	return false;
}

/* A storm worker's thread, pinned to its CPU: ready, wait for go, work. */
static void ks_worker_main(void *arg)
{
	struct ks_arg *a = arg;
	struct ks_run *r = a->run;

	__atomic_fetch_add(&r->ready, 1, __ATOMIC_ACQ_REL);
	if (!ks_wait_for(r, &r->go, 1)) {
		r->w[a->i].started = -1;
		__atomic_store_n(&r->abort, 1, __ATOMIC_RELAXED);
	}
	ks_work(arg);
}

/* --------------------------------------------------------- the harness ---- */

static long ks_flush_call(void *arg)
{
	(void)arg;
	return (long)kmalloc_cache_flush_mine();
}

struct ks_job {
	long (*fn)(void *arg);
	void *arg;
	long ret;
};

static void ks_job_main(void *arg)
{
	struct ks_job *j = arg;

	j->ret = j->fn(j->arg);
}

/* Run fn(arg) in a thread pinned to CPU cpu and wait for it: its result,
 * or -1 when the thread could not be made. Thread 0 may call it for its
 * own CPU too. The thread's control block and stack are allocated and
 * freed here, on the caller's CPU (its cache, not cpu's). */
static long ks_on(size_t cpu, long (*fn)(void *arg), void *arg)
{
	struct ks_job j = { fn, arg, -1 };
	struct thread *th = thread_create_on(cpu, "ks-on", ks_job_main, &j);

	if (!th || thread_join(th))
		return -1;
	return j.ret;
}

/* The online CPUs (those that schedule threads); this one first. */
static size_t ks_cpus(size_t *cpu)
{
	size_t n = 0, me = smp_this_index();

	cpu[n++] = me;
	if (smp_online_count() < 2)
		return n;
	for (size_t i = 0; i < smp_cpu_count() && n < SMP_MAX_CPUS; i++)
		if (i != me && smp_cpu(i)->state == CPU_ONLINE &&
		    __atomic_load_n(&smp_percpu(i)->online, __ATOMIC_ACQUIRE) &&
		    !__atomic_load_n(&smp_percpu(i)->stopped, __ATOMIC_ACQUIRE))
			cpu[n++] = i;
	return n;
}

/* Every cache but CPU skip's back to the heap, each by its own CPU: a
 * pinned thread for each other CPU, then this CPU's (thread 0 is pinned
 * to it) last, after the joins have freed those threads here. */
static void ks_flush_all_but(size_t skip)
{
	size_t cpu[SMP_MAX_CPUS], n = ks_cpus(cpu), me = smp_this_index();

	for (size_t i = 0; i < n; i++)
		if (cpu[i] != skip && cpu[i] != me)
			ks_on(cpu[i], ks_flush_call, NULL);
	if (me != skip)
		kmalloc_cache_flush_mine();
}

/* Every CPU's cache back to the heap. */
static void ks_flush_all(void)
{
	ks_flush_all_but(SMP_MAX_CPUS);
}

static struct osmem_stats ks_stats(void)
{
	struct osmem_stats st;

	kmalloc_allocator()->stats(kmalloc_heap_instance(), &st);
	return st;
}

/* Run the storm on every online CPU, a pinned worker thread on each,
 * started together; KEXPECTs about every worker. */
static void ks_storm(struct ktest *t, struct kmem_cache *kc)
{
	struct ks_run *r = &ks_run;
	struct thread *th[SMP_MAX_CPUS] = { NULL };
	int made = 0;

	memset(r, 0, sizeof(*r));
	r->kc = kc;
	r->n = ks_cpus(r->cpu_of);
	for (size_t i = 0; i < r->n; i++) {
		ks_args[i] = (struct ks_arg){ r, i };
		th[i] = thread_create_on(r->cpu_of[i], "ks-storm", ks_worker_main,
					 &ks_args[i]);
		if (th[i]) {
			made++;
		} else {
			r->w[i].started = -1;
			__atomic_store_n(&r->abort, 1, __ATOMIC_RELAXED);
		}
	}
	if (!ks_wait_for(r, &r->ready, made))
		__atomic_store_n(&r->abort, 1, __ATOMIC_RELAXED);
	__atomic_store_n(&r->go, 1, __ATOMIC_RELEASE);
	for (size_t i = 0; i < r->n; i++)
		if (th[i] && thread_join(th[i]))
			r->w[i].started = -1;
	ktest_note(t, "%zu CPU%s, %d blocks handed on by each", r->n,
		   r->n == 1 ? "" : "s", KS_PER_CPU);
	for (size_t i = 0; i < r->n; i++) {
		struct ks_cpu *w = &r->w[i];

		KEXPECT_EQ(t, w->started, 0);
		KEXPECT_EQ(t, w->made, KS_PER_CPU);
		KEXPECT_EQ(t, w->got, KS_PER_CPU);
		KEXPECT_EQ(t, w->bad, 0);
		KEXPECT_EQ(t, w->nomem, 0);
		KEXPECT_EQ(t, w->stalled, 0);
	}
}

/* The storm with kmalloc: contents intact, no report, the heap
 * consistent, and once every CPU's cache is flushed the heap's blocks in
 * use are exactly what they were. */
KTEST(kmalloc_smp, storm_with_cross_cpu_frees_keeps_contents_and_stats)
{
	struct osmem_stats before, after;
	unsigned reports;

	ks_flush_all();
	before = ks_stats();
	reports = osmem_kernel_reports();
	ks_storm(t, NULL);
	ks_flush_all();
	after = ks_stats();
	KEXPECT_EQ(t, osmem_kernel_reports(), reports);
	KEXPECT_EQ(t, kmalloc_allocator()->check(kmalloc_heap_instance()), 0);
	KEXPECT_EQ(t, after.blocks_in_use, before.blocks_in_use);
	KEXPECT_EQ(t, after.bytes_in_use, before.bytes_in_use);
	KEXPECT_EQ(t, after.blocks_cached, 0);
}

/* The same storm through one kmem_cache: every object back, counts exact. */
KTEST(kmalloc_smp, kmem_cache_storm_from_every_cpu)
{
	struct kmem_cache *kc = kmem_cache_create("ks_storm", KS_OBJ, 8);
	unsigned long misuse = kmem_cache_misuse_count();
	struct kmem_cache_stats st;

	KASSERT_NOT_NULL(t, kc);
	ks_storm(t, kc);
	kmem_cache_stats(kc, &st);
	KEXPECT_EQ(t, st.objects_in_use, 0);
	KEXPECT_EQ(t, st.allocs, st.frees);
	KEXPECT_GE(t, st.allocs, (size_t)ks_run.n * KS_PER_CPU);
	KEXPECT_EQ(t, kmem_cache_misuse_count(), misuse);
	KEXPECT_EQ(t, kmem_cache_destroy(kc), 0);
	ks_flush_all();
}

/* ------------------------------------------------ two CPUs, one block ---- */

#define NEED_TWO_CPUS(t)						\
	do {								\
		if (smp_online_count() < 2)				\
			KTEST_SKIP(t, "one CPU online");		\
	} while (0)

static size_t ks_other(void)
{
	size_t cpu[SMP_MAX_CPUS];

	return ks_cpus(cpu) > 1 ? cpu[1] : smp_this_index();
}

struct ks_blocks {
	void *p[16];
	size_t n, size;
	unsigned reports;
	char line[256];
};

static long ks_free_blocks(void *arg)
{
	struct ks_blocks *b = arg;
	unsigned before = osmem_kernel_reports();

	for (size_t i = 0; i < b->n; i++)
		kfree(b->p[i]);
	b->reports = osmem_kernel_reports() - before;
	if (b->reports)
		snprintf(b->line, sizeof(b->line), "%s", osmem_kernel_last_report());
	return 0;
}

static long ks_alloc_blocks(void *arg)
{
	struct ks_blocks *b = arg;

	for (size_t i = 0; i < b->n; i++)
		b->p[i] = kmalloc(b->size);
	return 0;
}

static bool ks_has(const char *s, const char *w)
{
	size_t n = strlen(w);

	for (; *s; s++)
		if (strncmp(s, w, n) == 0)
			return true;
	return false;
}

/* Blocks made here and freed on the other CPU land in ITS cache: the
 * stats count them as cached there, this CPU's next kmallocs of their
 * size get none of them (its own cache is another), and the other CPU's
 * flush gives exactly them back. The threads that carry the work are
 * made and freed on this CPU, so every cache but the other CPU's is
 * emptied before each count. */
KTEST(kmalloc_smp, blocks_freed_on_another_cpu_go_to_its_cache)
{
	struct ks_blocks b = { .n = 10, .size = 200 };
	struct osmem_stats s0, s1, s2;
	size_t other = ks_other();

	NEED_TWO_CPUS(t);
	if (!kmalloc_cache_on)
		KTEST_SKIP(t, "kmalloc's caches are off");
	for (size_t i = 0; i < b.n; i++)
		KASSERT_NOT_NULL(t, b.p[i] = kmalloc(b.size));
	ks_flush_all();
	s0 = ks_stats();
	KASSERT_EQ(t, ks_on(other, ks_free_blocks, &b), 0);
	ks_flush_all_but(other);
	s1 = ks_stats();
	KEXPECT_EQ(t, b.reports, 0);
	KEXPECT_EQ(t, s1.blocks_cached, s0.blocks_cached + b.n);
	KEXPECT_EQ(t, s1.blocks_in_use, s0.blocks_in_use - b.n);
	for (size_t i = 0; i < b.n; i++) {
		void *q = kmalloc(b.size);

		for (size_t j = 0; j < b.n; j++)
			KEXPECT_PTR_NE(t, q, b.p[j]);
		kfree(q);
	}
	ks_flush_all_but(other);
	KEXPECT_EQ(t, ks_on(other, ks_flush_call, NULL), (long)b.n);
	kmalloc_cache_flush_mine();	/* the flushing thread, freed here */
	s2 = ks_stats();
	KEXPECT_EQ(t, s2.blocks_cached, s0.blocks_cached);
	KEXPECT_EQ(t, s2.blocks_in_use, s0.blocks_in_use - b.n);
	KEXPECT_EQ(t, kmalloc_allocator()->check(kmalloc_heap_instance()), 0);
}

/* A kfree on CPU B of a block sitting in CPU A's cache is a double free,
 * reported on B, naming B's CPU and B's caller; both ways round. */
KTEST(kmalloc_smp, double_free_across_cpus_names_the_cpu)
{
	struct ks_blocks b = { .n = 1, .size = 64 };
	size_t other = ks_other();
	char want[32];
	void *p;
	unsigned before;

	NEED_TWO_CPUS(t);
	if (!kmalloc_cache_on)
		KTEST_SKIP(t, "kmalloc's caches are off");
	/* Made and freed here (in this CPU's cache), freed again there. */
	p = kmalloc(64);
	KASSERT_NOT_NULL(t, p);
	kfree(p);
	b.p[0] = p;
	KASSERT_EQ(t, ks_on(other, ks_free_blocks, &b), 0);
	KEXPECT_EQ(t, b.reports, 1);
	snprintf(want, sizeof(want), " on cpu %zu", other);
	KEXPECT(t, ks_has(b.line, "double free"));
	KEXPECT(t, ks_has(b.line, "called from ks_free_blocks+"));
	if (!KEXPECT(t, ks_has(b.line, want)))
		ktest_note(t, "report: %s", b.line);
	/* Made and freed there (in its cache), freed again here. */
	b = (struct ks_blocks){ .n = 1, .size = 64 };
	KASSERT_EQ(t, ks_on(other, ks_alloc_blocks, &b), 0);
	KASSERT_NOT_NULL(t, b.p[0]);
	KASSERT_EQ(t, ks_on(other, ks_free_blocks, &b), 0);
	KEXPECT_EQ(t, b.reports, 0);
	before = osmem_kernel_reports();
	kfree(b.p[0]);
	KEXPECT_EQ(t, osmem_kernel_reports(), before + 1);
	snprintf(want, sizeof(want), " on cpu %zu", smp_this_index());
	KEXPECT(t, ks_has(osmem_kernel_last_report(), "double free"));
	if (!KEXPECT(t, ks_has(osmem_kernel_last_report(), want)))
		ktest_note(t, "report: %s", osmem_kernel_last_report());
	KEXPECT_EQ(t, kmalloc_allocator()->check(kmalloc_heap_instance()), 0);
	ks_flush_all();
}

struct ks_obj {
	struct kmem_cache *kc;
	void *p;
	unsigned long misuse;
	char line[200];
};

static long ks_kmem_free(void *arg)
{
	struct ks_obj *o = arg;
	unsigned long before = kmem_cache_misuse_count();

	kmem_cache_free(o->kc, o->p);
	o->misuse = kmem_cache_misuse_count() - before;
	snprintf(o->line, sizeof(o->line), "%s", kmem_cache_last_report());
	return 0;
}

/* kmem_cache: an object freed here, freed again on the other CPU. */
KTEST(kmalloc_smp, kmem_cache_double_free_across_cpus_names_the_cpu)
{
	struct ks_obj o = { 0 };
	size_t other = ks_other();
	char want[32];

	NEED_TWO_CPUS(t);
	o.kc = kmem_cache_create("ks_df", 40, 8);
	KASSERT_NOT_NULL(t, o.kc);
	o.p = kmem_cache_alloc(o.kc);
	KASSERT_NOT_NULL(t, o.p);
	kmem_cache_free(o.kc, o.p);
	KASSERT_EQ(t, ks_on(other, ks_kmem_free, &o), 0);
	KEXPECT_EQ(t, o.misuse, 1);
	snprintf(want, sizeof(want), " on cpu %zu", other);
	KEXPECT(t, ks_has(o.line, "double free"));
	KEXPECT(t, ks_has(o.line, "caller ks_kmem_free+"));
	if (!KEXPECT(t, ks_has(o.line, want)))
		ktest_note(t, "report: %s", o.line);
	KEXPECT_EQ(t, kmem_cache_destroy(o.kc), 0);
}

static long ks_kmem_alloc(void *arg)
{
	struct ks_obj *o = arg;

	o->p = kmem_cache_alloc(o->kc);
	return 0;
}

/* kmem_cache: an object freed on the other CPU waits in that CPU's
 * magazine: counted cached, not handed out here, handed out there. */
KTEST(kmalloc_smp, kmem_cache_object_freed_on_another_cpu_waits_in_its_magazine)
{
	struct kmem_cache_stats st;
	struct ks_obj o = { 0 };
	size_t other = ks_other();
	void *p, *q;

	NEED_TWO_CPUS(t);
	if (!kmalloc_cache_on)
		KTEST_SKIP(t, "no magazines (heap=classic or heap_debug)");
	o.kc = kmem_cache_create("ks_mag", 48, 8);
	KASSERT_NOT_NULL(t, o.kc);
	p = kmem_cache_alloc(o.kc);
	KASSERT_NOT_NULL(t, p);
	kmem_cache_shrink(o.kc);		/* this CPU's magazine: empty */
	o.p = p;
	KASSERT_EQ(t, ks_on(other, ks_kmem_free, &o), 0);
	KEXPECT_EQ(t, o.misuse, 0);
	kmem_cache_stats(o.kc, &st);
	KEXPECT_EQ(t, st.objects_cached, 1);
	KEXPECT_EQ(t, st.objects_in_use, 0);
	q = kmem_cache_alloc(o.kc);
	KEXPECT_PTR_NE(t, q, p);
	kmem_cache_free(o.kc, q);
	kmem_cache_shrink(o.kc);
	o.p = NULL;
	KASSERT_EQ(t, ks_on(other, ks_kmem_alloc, &o), 0);
	KEXPECT_PTR_EQ(t, o.p, p);
	KASSERT_EQ(t, ks_on(other, ks_kmem_free, &o), 0);
	KEXPECT_EQ(t, kmem_cache_destroy(o.kc), 0);
}
