/* SPDX-License-Identifier: MIT */
/*
 * Suite "sched": the scheduler on several CPUs (kernel/sched/thread.c).
 * Booted by make test with -smp 2 (the main kernel step) and -smp 1 (step
 * kernel_smp1); the cases that need a second CPU skip with one.
 *
 * Threads record what they saw in their argument (the CPUs they ran on,
 * counts); only the test's own thread (main, on CPU 0) touches the ktest
 * state. Waits are bounded loops on a condition (sched_wait_for), never
 * a time asserted: a broken scheduler fails them by not meeting the
 * condition before the bound.
 */
#include "kernel/arch/x86_64/smp.h"
#include "kernel/arch/x86_64/smp_call.h"
#include "kernel/sched/thread.h"
#include "kernel/sched/timer.h"
#include "kernel/arch/x86_64/pit_delay.h"
#include "libk/cpu.h"
#include "libk/ktest.h"
#include "libk/locking.h"
#include "libk/spinlock.h"
#include "libk/string.h"
#include "mm/kmalloc.h"
#include "mm/vmap.h"
#include <stdbool.h>
#include <stdint.h>

#define SCHED_WAIT_MS	10000	/* the bound of every wait: never reached */

#define NEED_TWO_CPUS(t)						\
	do {								\
		struct sched_cpu_info si_;				\
		if (sched_cpu_info(1, &si_) || !si_.online)		\
			KTEST_SKIP(t, "one CPU schedules");		\
	} while (0)

/* Sleep-poll until cond(arg) or the bound; returns the last cond. */
static bool sched_wait_for(bool (*cond)(void *), void *arg)
{
	uint64_t end = timer_ms() + SCHED_WAIT_MS;

	while (!cond(arg)) {
		if (timer_ms() > end)
			return false;
		thread_sleep_ms(1);
	}
	return true;
}

/* The CPUs that run threads, as a bit mask. */
static uint64_t sched_online_mask(void)
{
	uint64_t m = 0;

	for (size_t i = 0; i < smp_cpu_count() && i < 64; i++) {
		struct sched_cpu_info si;

		if (sched_cpu_info(i, &si) == 0 && si.online)
			m |= 1ULL << i;
	}
	return m;
}

/* ---- every CPU runs threads ---- */

static uint64_t sched_seen;	/* union of the CPUs the workers ran on */

struct sched_rec {
	uint64_t cpus;		/* the CPUs this thread ran on */
	unsigned long loops;
	volatile int *stop;
};

static void sched_record_main(void *arg)
{
	struct sched_rec *r = arg;

	while (!*r->stop) {
		uint64_t bit = 1ULL << thread_cpu();

		r->cpus |= bit;
		__atomic_fetch_or(&sched_seen, bit, __ATOMIC_RELAXED);
		r->loops++;
		if (r->loops % 64 == 0)
			thread_yield();
	}
}

static bool sched_seen_all(void *arg)
{
	return (__atomic_load_n(&sched_seen, __ATOMIC_RELAXED) &
		*(uint64_t *)arg) == *(uint64_t *)arg;
}

KTEST(sched, threads_run_on_every_cpu)
{
	uint64_t want = sched_online_mask(), got = 0;
	volatile int stop = 0;
	struct sched_rec r[4];
	struct thread *th[4];

	KEXPECT_NE(t, want, 0);
	__atomic_store_n(&sched_seen, 0, __ATOMIC_RELAXED);
	memset(r, 0, sizeof(r));
	for (int i = 0; i < 4; i++) {
		r[i].stop = &stop;
		th[i] = thread_create("record", sched_record_main, &r[i]);
	}
	KEXPECT(t, sched_wait_for(sched_seen_all, &want));
	stop = 1;
	for (int i = 0; i < 4; i++) {
		KEXPECT_NOT_NULL(t, th[i]);
		if (th[i])
			KEXPECT_EQ(t, thread_join(th[i]), 0);
		got |= r[i].cpus;
	}
	/* what the threads themselves recorded: every CPU, no other */
	KEXPECT_EQ(t, got, want);
	ktest_note(t, "CPU mask 0x%llx", (unsigned long long)got);
}

/* ---- pinned threads, joined from another CPU ---- */

struct sched_pin {
	uint64_t cpus;
	int steps;
};

static void sched_pin_main(void *arg)
{
	struct sched_pin *p = arg;

	for (int i = 0; i < 20; i++) {
		p->cpus |= 1ULL << thread_cpu();
		p->steps++;
		if (i % 4 == 0)
			thread_sleep_ms(1);
		else
			thread_yield();
	}
}

KTEST(sched, thread_on_cpu1_joined_from_cpu0)
{
	struct sched_pin p = { 0, 0 };
	struct thread *th;

	NEED_TWO_CPUS(t);
	KEXPECT_EQ(t, thread_cpu(), 0);	/* main stays on the boot CPU */
	th = thread_create_on(1, "on-cpu1", sched_pin_main, &p);
	KASSERT_NOT_NULL(t, th);
	KEXPECT_EQ(t, thread_join(th), 0);
	KEXPECT_EQ(t, p.steps, 20);
	KEXPECT_EQ(t, p.cpus, 2);	/* CPU 1 and only CPU 1 */
	KEXPECT_EQ(t, thread_cpu(), 0);
}

KTEST(sched, create_on_refuses_a_cpu_that_does_not_schedule)
{
	struct sched_pin p = { 0, 0 };

	KEXPECT_NULL(t, thread_create_on(smp_cpu_count(), "none", sched_pin_main, &p));
	KEXPECT_NULL(t, thread_create_on(SMP_MAX_CPUS + 5, "none", sched_pin_main, &p));
	KEXPECT_NULL(t, thread_create_on(0, "none", NULL, &p));
	KEXPECT_EQ(t, p.steps, 0);
}

/* ---- sleeping and waking across CPUs ---- */

struct sched_waiter {
	volatile int go;	/* set by the waker before thread_wake */
	int blocks;		/* thread_block calls until go was seen */
	uint64_t cpus;
	struct thread *self;
	volatile int ready;	/* self is set */
};

static void sched_waiter_main(void *arg)
{
	struct sched_waiter *w = arg;

	w->self = thread_current();
	__atomic_store_n(&w->ready, 1, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&w->go, __ATOMIC_ACQUIRE)) {
		w->cpus |= 1ULL << thread_cpu();
		w->blocks++;
		thread_block();
	}
	w->cpus |= 1ULL << thread_cpu();
}

struct sched_find {
	int id;
	const char *want;	/* the state waited for */
	int cpu;		/* its CPU in the last snapshot */
	bool match;
};

static void sched_find_one(const struct thread_info *ti, void *arg)
{
	struct sched_find *f = arg;

	if (ti->id != f->id)
		return;
	f->match = strcmp(ti->state, f->want) == 0;
	f->cpu = ti->cpu;
}

static bool sched_in_state(void *arg)
{
	struct sched_find *f = arg;

	f->match = false;
	thread_for_each(sched_find_one, f);
	return f->match;
}

static bool sched_flag_set(void *arg)
{
	return __atomic_load_n((volatile int *)arg, __ATOMIC_ACQUIRE) != 0;
}

KTEST(sched, block_on_cpu1_woken_from_cpu0)
{
	struct sched_waiter w = { 0 };
	struct sched_find f = { 0 };
	struct thread *th;

	NEED_TWO_CPUS(t);
	th = thread_create_on(1, "waiter", sched_waiter_main, &w);
	KASSERT_NOT_NULL(t, th);
	KEXPECT(t, sched_wait_for(sched_flag_set, (void *)&w.ready));
	f.id = thread_id(th);
	f.want = "blocked";
	KEXPECT(t, sched_wait_for(sched_in_state, &f));
	KEXPECT_EQ(t, f.cpu, 1);
	__atomic_store_n(&w.go, 1, __ATOMIC_RELEASE);
	thread_wake(th);	/* from CPU 0 */
	KEXPECT_EQ(t, thread_join(th), 0);
	KEXPECT_GE(t, w.blocks, 1);
	KEXPECT_EQ(t, w.cpus, 2);
}

struct sched_sleeper {
	uint64_t t0, t1;
	uint64_t cpus;
};

static void sched_sleeper_main(void *arg)
{
	struct sched_sleeper *s = arg;

	s->cpus |= 1ULL << thread_cpu();
	s->t0 = timer_ticks();
	thread_sleep_ms(40);
	s->t1 = timer_ticks();
	s->cpus |= 1ULL << thread_cpu();
}

KTEST(sched, sleep_on_cpu1_seen_and_ended_from_cpu0)
{
	struct sched_sleeper s = { 0, 0, 0 };
	struct sched_find f = { 0 };
	struct thread *th;

	NEED_TWO_CPUS(t);
	th = thread_create_on(1, "sleeper", sched_sleeper_main, &s);
	KASSERT_NOT_NULL(t, th);
	f.id = thread_id(th);
	f.want = "sleeping";
	KEXPECT(t, sched_wait_for(sched_in_state, &f));
	KEXPECT_EQ(t, f.cpu, 1);
	KEXPECT_EQ(t, thread_join(th), 0);	/* CPU 1's tick woke it */
	KEXPECT_GE(t, s.t1 - s.t0, 40 * TIMER_HZ / 1000);
	KEXPECT_EQ(t, s.cpus, 2);
}

struct sched_once {
	volatile int returned;
};

static void sched_block_once(void *arg)
{
	struct sched_once *o = arg;

	thread_block();
	__atomic_store_n(&o->returned, 1, __ATOMIC_RELEASE);
}

KTEST(sched, wake_before_block_is_kept)
{
	struct sched_once o = { 0 };
	struct thread *th;
	bool returned;

	/* On this CPU, so it cannot run before this thread waits: the wake
	 * comes before its one thread_block, which must return at once. */
	th = thread_create_on(thread_cpu(), "block-once", sched_block_once, &o);
	KASSERT_NOT_NULL(t, th);
	thread_wake(th);
	returned = sched_wait_for(sched_flag_set, (void *)&o.returned);
	if (!returned)
		thread_wake(th);	/* lost: let it end, to join it */
	KEXPECT(t, returned);
	KEXPECT_EQ(t, thread_join(th), 0);
}

/* ---- many short threads on every CPU: stacks and blocks come back ---- */

#define SCHED_SHORT	64

struct sched_short {
	int ran;
	uint64_t cpus;
};

static void sched_short_main(void *arg)
{
	struct sched_short *s = arg;

	s->cpus |= 1ULL << thread_cpu();
	s->ran++;
}

struct sched_spawner {
	struct sched_short s[SCHED_SHORT];
	int created, joined;
	uint64_t cpu_of_joiner;
};

/* Creates and joins threads itself: so creation, exit and freeing happen
 * on the spawner's CPU too, not only on the test's. */
static void sched_spawner_main(void *arg)
{
	struct sched_spawner *sp = arg;
	struct thread *th[SCHED_SHORT];
	size_t n = smp_cpu_count();

	sp->cpu_of_joiner = 1ULL << thread_cpu();
	for (int i = 0; i < SCHED_SHORT; i++) {
		th[i] = (i % 3 == 0) ?
			thread_create("short", sched_short_main, &sp->s[i]) :
			thread_create_on((size_t)i % n, "short", sched_short_main,
					 &sp->s[i]);
		sp->created += th[i] != NULL;
	}
	for (int i = 0; i < SCHED_SHORT; i++)
		if (th[i] && thread_join(th[i]) == 0)
			sp->joined++;
}

struct sched_baseline {
	struct vmap_stats vmap;
	size_t in_use;
	int threads;
};

static void sched_baseline(struct sched_baseline *b)
{
	struct osmem_stats st;

	kmalloc_allocator()->stats(kmalloc_heap_instance(), &st);
	b->in_use = st.bytes_in_use;
	vmap_stats(&b->vmap);
	b->threads = thread_count();
}

KTEST(sched, many_short_threads_on_every_cpu_free_their_stacks)
{
	struct sched_spawner *sp;
	struct sched_baseline b, a;
	struct thread *th[2];
	uint64_t cpus = 0, joiners = 0;
	int ran = 0;

	sched_baseline(&b);	/* before sp, which is freed before the end */
	sp = kzalloc(2 * sizeof(*sp));
	KASSERT_NOT_NULL(t, sp);
	for (int round = 0; round < 3; round++) {
		memset(sp, 0, 2 * sizeof(*sp));
		/* one spawner on the last CPU, one where placement puts it */
		th[0] = thread_create_on(smp_cpu_count() - 1, "spawner",
					 sched_spawner_main, &sp[0]);
		th[1] = thread_create("spawner", sched_spawner_main, &sp[1]);
		for (int k = 0; k < 2; k++) {
			KEXPECT_NOT_NULL(t, th[k]);
			if (th[k])
				KEXPECT_EQ(t, thread_join(th[k]), 0);
			KEXPECT_EQ(t, sp[k].created, SCHED_SHORT);
			KEXPECT_EQ(t, sp[k].joined, SCHED_SHORT);
			joiners |= sp[k].cpu_of_joiner;
			for (int i = 0; i < SCHED_SHORT; i++) {
				ran += sp[k].s[i].ran;
				cpus |= sp[k].s[i].cpus;
			}
		}
	}
	KEXPECT_EQ(t, ran, 3 * 2 * SCHED_SHORT);
	KEXPECT_EQ(t, cpus, sched_online_mask());
	KEXPECT_NE(t, joiners & (1ULL << (smp_cpu_count() - 1)), 0);
	kfree(sp);
	sched_baseline(&a);
	/* every stack unmapped, every control block freed */
	KEXPECT_EQ(t, a.in_use, b.in_use);
	KEXPECT_EQ(t, a.vmap.mappings, b.vmap.mappings);
	KEXPECT_EQ(t, a.vmap.pages, b.vmap.pages);
	KEXPECT_EQ(t, a.vmap.free_bytes, b.vmap.free_bytes);
	KEXPECT_EQ(t, a.threads, b.threads);
}

/* ---- preemption on an AP ---- */

struct sched_spin {
	volatile int *stop;
	volatile unsigned long count;
	uint64_t cpus;
};

/* Never yields, sleeps or blocks: only a tick can take its CPU. */
static void sched_spin_main(void *arg)
{
	struct sched_spin *s = arg;

	s->cpus |= 1ULL << thread_cpu();
	while (!*s->stop)
		s->count++;
	s->cpus |= 1ULL << thread_cpu();
}

struct sched_two {
	struct sched_spin *a, *b;
	unsigned long a0, b0;
};

static bool sched_both_moved(void *arg)
{
	struct sched_two *w = arg;

	return w->a->count > w->a0 && w->b->count > w->b0;
}

KTEST(sched, spinning_thread_on_cpu1_is_preempted_and_cpu0_runs_on)
{
	volatile int stop = 0;
	struct sched_spin s1 = { &stop, 0, 0 }, s2 = { &stop, 0, 0 },
			  s0 = { &stop, 0, 0 };
	struct sched_two w;
	struct thread *t1, *t2, *t0;
	uint64_t sw0;

	NEED_TWO_CPUS(t);
	t1 = thread_create_on(1, "spin-a", sched_spin_main, &s1);
	t2 = thread_create_on(1, "spin-b", sched_spin_main, &s2);
	t0 = thread_create_on(0, "cpu0-work", sched_spin_main, &s0);
	KEXPECT_NOT_NULL(t, t1);
	KEXPECT_NOT_NULL(t, t2);
	KEXPECT_NOT_NULL(t, t0);
	/* Both spinners on CPU 1 advance, twice over: CPU 1's tick takes
	 * the CPU from one to give it to the other. */
	w = (struct sched_two){ &s1, &s2, 0, 0 };
	for (int i = 0; i < 3; i++) {
		KEXPECT(t, sched_wait_for(sched_both_moved, &w));
		w.a0 = s1.count;
		w.b0 = s2.count;
	}
	/* and CPU 0 ran its own thread (and this one) all along */
	w = (struct sched_two){ &s0, &s0, s0.count, s0.count };
	KEXPECT(t, sched_wait_for(sched_both_moved, &w));
	sw0 = timer_cpu_ticks(1);
	stop = 1;
	if (t1)
		KEXPECT_EQ(t, thread_join(t1), 0);
	if (t2)
		KEXPECT_EQ(t, thread_join(t2), 0);
	if (t0)
		KEXPECT_EQ(t, thread_join(t0), 0);
	KEXPECT_EQ(t, s1.cpus, 2);
	KEXPECT_EQ(t, s2.cpus, 2);
	KEXPECT_EQ(t, s0.cpus, 1);
	KEXPECT_GT(t, sw0, 0);
}

/* ---- each CPU's own tick ---- */

struct sched_ticks {
	uint64_t before[SMP_MAX_CPUS];
	size_t n;
};

static bool sched_all_ticked(void *arg)
{
	struct sched_ticks *k = arg;

	for (size_t i = 0; i < k->n; i++)
		if (timer_cpu_ticks(i) <= k->before[i])
			return false;
	return true;
}

KTEST(sched, every_cpu_takes_its_own_tick)
{
	struct sched_ticks k;
	uint64_t mask = sched_online_mask();

	k.n = 0;
	for (size_t i = 0; i < smp_cpu_count() && i < 64; i++)
		if (mask & (1ULL << i)) {
			k.before[i] = timer_cpu_ticks(i);
			k.n = i + 1;
		}
	/* An idle AP halts: only its own timer can make its count move. */
	KEXPECT(t, sched_wait_for(sched_all_ticked, &k));
	KEXPECT_EQ(t, smp_online_count(), smp_cpu_count());
}

/* ---- a CPU spinning on a lock still answers cross-CPU calls ---- */

static spinlock_t sched_test_lock = SPINLOCK_INIT("sched_test", LOCK_RANK_RUNQ);

struct sched_spinner {
	volatile int go;	/* the lock is held: take it */
	volatile int trying;	/* about to spin (interrupts off) */
	uint64_t cpus;
};

static void sched_lock_taker(void *arg)
{
	struct sched_spinner *s = arg;
	uint64_t flags;

	while (!__atomic_load_n(&s->go, __ATOMIC_ACQUIRE))
		thread_yield();
	flags = irq_save();
	s->cpus |= 1ULL << thread_cpu();
	__atomic_store_n(&s->trying, 1, __ATOMIC_RELEASE);
	spin_lock(&sched_test_lock);	/* interrupts off: no IPI gets in */
	spin_unlock(&sched_test_lock);
	irq_restore(flags);
}

/* Which CPU runs it, times 10, plus the call marker's depth there
 * (libk/spinlock.h): a call served from the wait hook is a call too. */
static long sched_whoami(void *arg)
{
	(void)arg;
	return (long)smp_this_index() * 10 + (long)spin_in_call();
}

/* CPU 1 spins for a lock CPU 0 holds, with interrupts off; CPU 0 calls
 * it (as a TLB shootdown under the heap or vmap lock would). Without the
 * spinlock's wait hook serving the call slot, the call times out. The
 * call runs inside the marker, takes no lock and so is not reported. */
KTEST(sched, cpu_spinning_on_a_lock_answers_calls)
{
	struct sched_spinner s = { 0, 0, 0 };
	struct thread *th;
	uint64_t flags;
	unsigned reports;
	long r = -1;
	int rc;

	NEED_TWO_CPUS(t);
	reports = spin_reports();
	th = thread_create_on(1, "lock-taker", sched_lock_taker, &s);
	KASSERT_NOT_NULL(t, th);
	flags = spin_lock_irqsave(&sched_test_lock);
	__atomic_store_n(&s.go, 1, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&s.trying, __ATOMIC_ACQUIRE))
		cpu_relax();
	pit_delay_us(10000);	/* it is in the spin loop by now */
	rc = smp_call(1, sched_whoami, NULL, &r);
	spin_unlock_irqrestore(&sched_test_lock, flags);
	KEXPECT_EQ(t, thread_join(th), 0);
	KEXPECT_EQ(t, rc, 0);
	KEXPECT_EQ(t, r, 11);		/* CPU 1, inside the marker */
	KEXPECT_EQ(t, s.cpus, 2);
	KEXPECT_EQ(t, spin_reports(), reports);
}
