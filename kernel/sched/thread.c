/* SPDX-License-Identifier: MIT */
/*
 * Kernel threads and the scheduler on every CPU (contracts in thread.h).
 *
 * State and its locks (the order: libk/locking.h):
 * - runqs[i], CPU i's run queue, under its "runq" spinlock (rank
 *   LOCK_RANK_RUNQ): the FIFO of READY threads queued there (run_next
 *   links), its SLEEPING threads (the sleepers list, same links), which
 *   thread it runs (current) and its idle thread (never queued), its
 *   slice and counts. A thread's state, its cpu (the queue it belongs to)
 *   and wake_pending change only under the lock of the queue it belongs
 *   to; a thread belongs to the CPU it runs or last ran on, or the queue
 *   it was placed on or stolen to.
 * - the all list (all_next links, creation order) under the "threads"
 *   spinlock (rank LOCK_RANK_THREADS): every live thread (created, not yet
 *   joined), thread_live, each thread's joiner claim. Never nested with a
 *   runq lock: each is taken and released on its own.
 *
 * Switching (schedule_locked): the switching CPU holds its runq lock from
 * before the outgoing thread's state is set until after the switch; the
 * incoming thread releases it (finish_switch, then unlock in its own
 * schedule_locked caller, or in thread_start). So while a thread's
 * registers are being saved, no other CPU can take it from a queue (a
 * stealer or a waker needs that lock), and a thread always resumes on
 * the CPU whose lock its resumer holds: after the switch, code re-reads
 * this_rq() rather than trusting a value from before it.
 *
 * Stacks and exit: on_cpu is 1 from the moment a CPU switches to a thread
 * until the next thread on that CPU has switched away from it
 * (finish_switch clears it, release). A joiner frees a stack only when
 * the thread has exited AND on_cpu is 0 (acquire), so no CPU still runs
 * on it, even for the few instructions between thread_exit's last store
 * and the switch. exited/joiner form a Dekker pair (seq_cst): the exiting
 * thread sets exited then reads joiner; the joiner sets joiner then reads
 * exited; at least one sees the other, and the wake is never lost (a
 * wake that finds the joiner not yet blocked is kept in wake_pending).
 *
 * Placement and balancing: thread_create puts a thread on the online CPU
 * with the fewest runnable threads (queued + running a non-idle thread),
 * ties going round in turn; an idle CPU steals the first unpinned READY
 * thread of another CPU's queue (idle_loop) before it halts. Placement
 * alone leaves a CPU idle when its threads block while the other's queue
 * is long (a join loop, docs/smp.md); stealing costs one lockless read
 * of each other queue's length per idle wake-up.
 *
 * Per-thread CPU state beyond the registers: the fault-catch list
 * (kernel/arch/x86_64/trap.h, per CPU, swapped on the switching CPU) and
 * the kmalloc front's caller record (osmem_kernel_front_here(), per
 * CPU): a switch saves the outgoing thread's and installs the incoming
 * one's on the switching CPU. The switch also
 * tells the backtrace walker which stack runs on this CPU.
 *
 * Stacks: vm_map(THREAD_STACK_BYTES + one page) gives [base, base + S + P)
 * followed by vmap's own unmapped guard page. A stack grows down, so the
 * guard that matters is below it: the lowest page (base) is unmapped again
 * here and its frame given back to pmm; the stack is [base + P, base + P +
 * S). vm_unmap(base, S + P) at join takes the whole mapping back (it skips
 * the page that is no longer mapped). While a thread lives, vmap_stats
 * counts that guard page among the mapped pages. An AP's idle thread runs
 * on the AP's boot stack (ap_start.c), never freed.
 */
#include "kernel/sched/thread.h"
#include "kernel/arch/x86_64/backtrace.h"
#include "kernel/arch/x86_64/irq.h"
#include "kernel/arch/x86_64/smp.h"
#include "kernel/arch/x86_64/trap.h"
#include "kernel/panic.h"
#include "kernel/sched/timer.h"
#include "libk/console.h"
#include "libk/cpu.h"
#include "libk/locking.h"
#include "libk/spinlock.h"
#include "libk/printf.h"
#include "libk/string.h"
#include "mm/kmalloc.h"
#include "mm/layout.h"
#include "mm/osmem/backend_kernel.h"
#include "mm/pmm.h"
#include "mm/vmap.h"
#include "mm/vmm.h"
#include <stdbool.h>
#include <stddef.h>

enum thread_state {
	THREAD_RUNNING,
	THREAD_READY,
	THREAD_SLEEPING,
	THREAD_BLOCKED,		/* thread_block (thread_join) */
	THREAD_DEAD,		/* exited, waiting for its join */
};

static const char *const thread_state_names[] = {
	[THREAD_RUNNING] = "running",
	[THREAD_READY] = "ready",
	[THREAD_SLEEPING] = "sleeping",
	[THREAD_BLOCKED] = "blocked",
	[THREAD_DEAD] = "dead",
};

struct thread {
	int id;
	char name[THREAD_NAME_MAX];
	enum thread_state state;	/* under runqs[cpu].lock */
	int cpu;			/* likewise; read lockless, re-checked */
	bool pinned;			/* never stolen */
	bool is_idle;
	bool wake_pending;		/* under runqs[cpu].lock */
	int on_cpu;			/* atomic: a CPU runs on its stack */
	int exited;			/* atomic, seq_cst with joiner */
	struct thread *joiner;		/* atomic, claimed under all_lock */
	uint64_t rsp;			/* saved by thread_switch */
	void *map;			/* the vm_map'ed range, NULL if none */
	uintptr_t stack_lo, stack_hi;
	void (*fn)(void *);
	void *arg;
	uint64_t ticks;			/* ticks it was running at */
	uint64_t wake_tick;		/* SLEEPING: wake when timer_ticks() >= it */
	struct thread *run_next;	/* ready queue or sleepers */
	struct thread *all_next;
	struct fault_catch *catches;	/* saved while it is not running */
	struct osmem_kernel_front kfront; /* likewise */
};

struct runq {
	spinlock_t lock;
	struct thread *head, *tail;	/* READY, FIFO */
	struct thread *sleepers;	/* SLEEPING, any order */
	struct thread *current, *idle;
	struct thread *switched_from;	/* for finish_switch */
	int nr_ready;			/* written under lock, read lockless */
	int slice_left;
	int online;			/* atomic: this CPU schedules */
	uint64_t switches, steals;
} __attribute__((aligned(64)));

#define THREAD_MAP_BYTES (THREAD_STACK_BYTES + PAGE_SIZE)
#define CPU_START_TIMEOUT_MS 1000

void thread_switch(uint64_t *save_rsp, uint64_t new_rsp);

extern const char __stack_bottom[], __stack_top[];

static struct runq runqs[SMP_MAX_CPUS];
static struct thread thread0;
static struct thread ap_idles[SMP_MAX_CPUS];	/* [0] unused: CPU 0's is mapped */
static spinlock_t all_lock = SPINLOCK_INIT("threads", LOCK_RANK_THREADS);
static struct thread *all_head, *all_tail;
static int thread_next_id, thread_live;
static bool sched_up;
static unsigned place_turn;

/* The calling CPU's queue: interrupts must be off (or the caller pinned),
 * else the answer may be stale by the time it is used. */
static struct runq *this_rq(void)
{
	return &runqs[this_cpu()->index];
}

static size_t rq_index(const struct runq *rq)
{
	return (size_t)(rq - runqs);
}

static void rq_push(struct runq *rq, struct thread *t)
{
	t->state = THREAD_READY;
	t->cpu = (int)rq_index(rq);
	t->run_next = NULL;
	if (rq->tail)
		rq->tail->run_next = t;
	else
		rq->head = t;
	rq->tail = t;
	__atomic_store_n(&rq->nr_ready, rq->nr_ready + 1, __ATOMIC_RELAXED);
}

/* Unlink t (READY, queued on rq) given its predecessor (NULL: the head). */
static void rq_unlink(struct runq *rq, struct thread *prev, struct thread *t)
{
	if (prev)
		prev->run_next = t->run_next;
	else
		rq->head = t->run_next;
	if (rq->tail == t)
		rq->tail = prev;
	t->run_next = NULL;
	__atomic_store_n(&rq->nr_ready, rq->nr_ready - 1, __ATOMIC_RELAXED);
}

static struct thread *rq_pop(struct runq *rq)
{
	struct thread *t = rq->head;

	if (t)
		rq_unlink(rq, NULL, t);
	return t;
}

/* Interrupts off, then this CPU's queue locked: returns the flags. */
static uint64_t rq_lock_this(struct runq **rq)
{
	uint64_t flags = irq_save();

	*rq = this_rq();
	spin_lock(&(*rq)->lock);
	return flags;
}

/* After a possible switch: the lock of the CPU we now run on. */
static void rq_unlock_this(uint64_t flags)
{
	spin_unlock(&this_rq()->lock);
	irq_restore(flags);
}

/* t's queue, locked (t->cpu may change until its lock is held). */
static struct runq *rq_lock_of(struct thread *t)
{
	for (;;) {
		int c = __atomic_load_n(&t->cpu, __ATOMIC_RELAXED);
		struct runq *rq = &runqs[c];

		spin_lock(&rq->lock);
		if (t->cpu == c)
			return rq;
		spin_unlock(&rq->lock);
	}
}

static void all_append(struct thread *t)
{
	uint64_t flags = spin_lock_irqsave(&all_lock);

	t->all_next = NULL;
	if (all_tail)
		all_tail->all_next = t;
	else
		all_head = t;
	all_tail = t;
	thread_live++;
	spin_unlock_irqrestore(&all_lock, flags);
}

/* Unlink t from the all list (all_lock held); false if not on it. */
static bool all_remove_locked(struct thread *t)
{
	struct thread **pp = &all_head, *prev = NULL;

	for (; *pp; prev = *pp, pp = &(*pp)->all_next) {
		if (*pp != t)
			continue;
		*pp = t->all_next;
		if (all_tail == t)
			all_tail = prev;
		thread_live--;
		return true;
	}
	return false;
}

/* In the thread that now runs: the one this CPU switched away from is off
 * its stack (thread.c's top: on_cpu). The runq lock is still held. */
static void finish_switch(void)
{
	struct runq *rq = this_rq();
	struct thread *p = rq->switched_from;

	rq->switched_from = NULL;
	if (p)
		__atomic_store_n(&p->on_cpu, 0, __ATOMIC_RELEASE);
}

/*
 * Give this CPU to the next ready thread (its idle thread if none and the
 * caller cannot go on). rq is this CPU's queue, locked, interrupts off.
 * The caller has set its own state: RUNNING means "still runnable" (it
 * goes to the back of the queue), anything else means it waits or is
 * gone. Returns, maybe on another CPU, with that CPU's lock held.
 */
static void schedule_locked(struct runq *rq)
{
	struct thread *prev = rq->current, *next = rq_pop(rq);
	struct osmem_kernel_front *kfront;

	if (!next) {
		if (prev->state == THREAD_RUNNING) {
			rq->slice_left = THREAD_SLICE_TICKS;
			return;
		}
		next = rq->idle;
	}
	if (prev->is_idle)
		prev->state = THREAD_READY;	/* an idle is never queued */
	else if (prev->state == THREAD_RUNNING)
		rq_push(rq, prev);
	next->state = THREAD_RUNNING;
	next->cpu = (int)rq_index(rq);
	rq->slice_left = THREAD_SLICE_TICKS;
	if (next == prev)
		return;
	rq->switches++;
	prev->catches = fault_catch_swap(next->catches);
	kfront = osmem_kernel_front_here();
	prev->kfront = *kfront;
	*kfront = next->kfront;
	backtrace_set_thread_stack(next->stack_lo, next->stack_hi);
	__atomic_store_n(&next->on_cpu, 1, __ATOMIC_RELAXED);
	rq->current = next;
	rq->switched_from = prev;
	thread_switch(&prev->rsp, next->rsp);
	finish_switch();
}

/* name, truncated, into a THREAD_NAME_MAX buffer (zeroed by kzalloc). */
static void thread_set_name(struct thread *t, const char *name)
{
	size_t n = strlen(name);

	if (n > THREAD_NAME_MAX - 1)
		n = THREAD_NAME_MAX - 1;
	memcpy(t->name, name, n);
	t->name[n] = '\0';
}

/* The first code of every created thread, entered from thread_switch
 * inside schedule_locked: interrupts off, this CPU's runq lock held. */
static void thread_start(void)
{
	struct thread *t;

	finish_switch();
	t = this_rq()->current;
	spin_unlock(&this_rq()->lock);
	sti();
	t->fn(t->arg);
	thread_exit();
}

/* Take one unpinned READY thread from another CPU's queue onto ours;
 * interrupts off. The two locks are taken one after the other, never
 * nested: in between the thread is on no queue, READY, its cpu already
 * ours (a waker then finds it under our lock). */
static bool steal_one(struct runq *me)
{
	size_t n = smp_cpu_count();

	for (size_t i = 0; i < n; i++) {
		struct runq *rq = &runqs[i];
		struct thread *prev = NULL, *t;

		if (rq == me || !__atomic_load_n(&rq->nr_ready, __ATOMIC_RELAXED))
			continue;
		spin_lock(&rq->lock);
		for (t = rq->head; t && t->pinned; prev = t, t = t->run_next)
			;
		if (t) {
			rq_unlink(rq, prev, t);
			t->cpu = (int)rq_index(me);
		}
		spin_unlock(&rq->lock);
		if (!t)
			continue;
		spin_lock(&me->lock);
		rq_push(me, t);
		me->steals++;
		spin_unlock(&me->lock);
		return true;
	}
	return false;
}

/* Every CPU's idle thread: run what is queued here, else steal, else halt
 * until the next interrupt (the tick, at most 1 ms away). */
static void __attribute__((noreturn)) idle_loop(void)
{
	for (;;) {
		struct runq *rq;

		cli();
		rq = this_rq();
		if (__atomic_load_n(&rq->nr_ready, __ATOMIC_RELAXED) ||
		    steal_one(rq)) {
			spin_lock(&rq->lock);
			schedule_locked(rq);
			spin_unlock(&this_rq()->lock);
			continue;
		}
		/* sti; hlt is atomic: no tick is lost between the two. */
		__asm__ volatile("sti; hlt" : : : "memory");
	}
}

static void idle_main(void *arg)
{
	(void)arg;
	idle_loop();
}

/* Map the stack with its low guard (see the top of the file): 0 or -1. */
static int thread_stack_map(struct thread *t)
{
	char *base = vm_map(THREAD_MAP_BYTES);
	phys_addr_t pa;

	if (!base)
		return -1;
	/* vmm's own lock (irq_save today) covers the page tables. */
	pa = vmm_unmap((uintptr_t)base);
	if (pa != VMM_NOT_MAPPED)
		pmm_free(pa);
	t->map = base;
	t->stack_lo = (uintptr_t)base + PAGE_SIZE;
	t->stack_hi = t->stack_lo + THREAD_STACK_BYTES;
	return 0;
}

static void thread_stack_unmap(struct thread *t)
{
	vm_unmap(t->map, THREAD_MAP_BYTES);
}

/* A new thread, not yet on any list, that will start in thread_start(). */
static struct thread *thread_alloc(const char *name, void (*fn)(void *),
				   void *arg)
{
	struct thread *t = kzalloc(sizeof(*t));
	uint64_t *sp;

	if (!t)
		return NULL;
	if (thread_stack_map(t)) {
		kfree(t);
		return NULL;
	}
	thread_set_name(t, name ? name : "?");
	t->fn = fn;
	t->arg = arg;
	/* What thread_switch pops: six zeroed callee-saved registers (rbp 0
	 * ends backtraces), then thread_start as the return address, above it
	 * a zero "return address" so thread_start sees an aligned frame. */
	sp = (uint64_t *)t->stack_hi;
	*--sp = 0;
	*--sp = (uint64_t)(uintptr_t)thread_start;
	for (int i = 0; i < 6; i++)
		*--sp = 0;
	t->rsp = (uint64_t)(uintptr_t)sp;
	return t;
}

static int thread_new_id(void)
{
	return __atomic_fetch_add(&thread_next_id, 1, __ATOMIC_RELAXED);
}

void thread_init(void)
{
	struct runq *rq0 = &runqs[0];
	struct thread *idle;

	for (size_t i = 0; i < SMP_MAX_CPUS; i++)
		spin_lock_init(&runqs[i].lock, "runq", LOCK_RANK_RUNQ);
	thread0.id = 0;
	thread_set_name(&thread0, "main");
	thread0.state = THREAD_RUNNING;
	thread0.pinned = true;
	thread0.on_cpu = 1;
	thread0.stack_lo = (uintptr_t)__stack_bottom;
	thread0.stack_hi = (uintptr_t)__stack_top;
	thread_next_id = 1;
	all_append(&thread0);
	idle = thread_alloc("idle", idle_main, NULL);
	if (!idle)
		panic("thread_init: no memory for the idle thread");
	idle->id = thread_new_id();
	idle->state = THREAD_READY;
	idle->pinned = idle->is_idle = true;
	all_append(idle);
	rq0->current = &thread0;
	rq0->idle = idle;
	rq0->slice_left = THREAD_SLICE_TICKS;
	__atomic_store_n(&rq0->online, 1, __ATOMIC_RELEASE);
	__atomic_store_n(&sched_up, true, __ATOMIC_RELEASE);
	timer_on_tick(thread_tick);
	kprintf("threads: main and idle, %d KiB stacks, %d-tick slices\n",
		THREAD_STACK_BYTES / 1024, THREAD_SLICE_TICKS);
}

/* On an AP, from ap_start.c's idle loop, interrupts off: this boot flow
 * becomes the CPU's idle thread (its control block prepared by
 * thread_start_cpus), the CPU's tick starts, and it schedules. */
static void sched_ap_main(uintptr_t stack_lo, uintptr_t stack_hi)
{
	struct runq *rq = this_rq();
	struct thread *idle = &ap_idles[rq_index(rq)];

	idle->stack_lo = stack_lo;
	idle->stack_hi = stack_hi;
	idle->cpu = (int)rq_index(rq);
	idle->state = THREAD_RUNNING;
	__atomic_store_n(&idle->on_cpu, 1, __ATOMIC_RELAXED);
	rq->current = rq->idle = idle;
	rq->slice_left = THREAD_SLICE_TICKS;
	backtrace_set_thread_stack(stack_lo, stack_hi);
	timer_start_this_cpu();
	__atomic_store_n(&rq->online, 1, __ATOMIC_RELEASE);
	idle_loop();
}

void thread_start_cpus(void)
{
	size_t n = smp_cpu_count(), want = 1, up = 1;
	uint64_t end;

	for (size_t i = 1; i < n && i < SMP_MAX_CPUS; i++) {
		struct thread *idle = &ap_idles[i];
		char name[THREAD_NAME_MAX];

		if (smp_cpu(i)->state != CPU_ONLINE)
			continue;
		snprintf(name, sizeof(name), "idle%zu", i);
		thread_set_name(idle, name);
		idle->id = thread_new_id();
		idle->pinned = idle->is_idle = true;
		idle->cpu = (int)i;
		idle->state = THREAD_READY;
		all_append(idle);
		want++;
	}
	if (want == 1)
		return;
	smp_ap_enter(sched_ap_main);
	end = timer_ms() + CPU_START_TIMEOUT_MS;
	for (;;) {
		up = 0;
		for (size_t i = 0; i < n; i++)
			up += __atomic_load_n(&runqs[i].online, __ATOMIC_ACQUIRE) != 0;
		if (up == want || timer_ms() > end)
			break;
		thread_sleep_ms(1);
	}
	kprintf("sched: %zu of %zu CPUs run threads\n", up, want);
}

/* The online CPU with the fewest runnable threads; ties in turn. */
static size_t place_cpu(void)
{
	size_t n = smp_cpu_count(), best = 0;
	unsigned start = __atomic_fetch_add(&place_turn, 1, __ATOMIC_RELAXED);
	int best_load = -1;

	for (size_t k = 0; k < n; k++) {
		size_t i = (start + k) % n;
		struct runq *rq = &runqs[i];
		int load;

		if (!__atomic_load_n(&rq->online, __ATOMIC_ACQUIRE))
			continue;
		load = __atomic_load_n(&rq->nr_ready, __ATOMIC_RELAXED) +
		       (__atomic_load_n(&rq->current, __ATOMIC_RELAXED) != rq->idle);
		if (best_load < 0 || load < best_load) {
			best_load = load;
			best = i;
		}
	}
	return best;
}

static struct thread *thread_create_at(size_t cpu, bool pin, const char *name,
				       void (*fn)(void *), void *arg)
{
	struct thread *t;
	struct runq *rq;
	uint64_t flags;

	if (!fn)
		return NULL;
	t = thread_alloc(name, fn, arg);
	if (!t)
		return NULL;
	t->id = thread_new_id();
	t->state = THREAD_READY;	/* as thread_for_each will show it */
	t->pinned = pin;
	t->cpu = pin ? (int)cpu : (int)place_cpu();
	all_append(t);
	flags = irq_save();
	rq = rq_lock_of(t);
	rq_push(rq, t);
	spin_unlock(&rq->lock);
	irq_restore(flags);
	return t;
}

struct thread *thread_create(const char *name, void (*fn)(void *), void *arg)
{
	return thread_create_at(0, false, name, fn, arg);
}

struct thread *thread_create_on(size_t cpu, const char *name,
				void (*fn)(void *), void *arg)
{
	if (cpu >= smp_cpu_count() || cpu >= SMP_MAX_CPUS ||
	    !__atomic_load_n(&runqs[cpu].online, __ATOMIC_ACQUIRE))
		return NULL;
	return thread_create_at(cpu, true, name, fn, arg);
}

void thread_wake(struct thread *t)
{
	uint64_t flags = irq_save();
	struct runq *rq = rq_lock_of(t);

	if (t->state == THREAD_BLOCKED)
		rq_push(rq, t);
	else
		t->wake_pending = true;
	spin_unlock(&rq->lock);
	irq_restore(flags);
}

void thread_block(void)
{
	struct runq *rq;
	uint64_t flags = rq_lock_this(&rq);
	struct thread *me = rq->current;

	if (me->wake_pending) {
		me->wake_pending = false;
	} else {
		me->state = THREAD_BLOCKED;
		schedule_locked(rq);
	}
	rq_unlock_this(flags);
}

void thread_exit(void)
{
	struct thread *t, *joiner;
	struct runq *rq;

	cli();
	t = this_rq()->current;
	if (t == &thread0 || t->is_idle)
		panic("thread_exit: thread %d (%s) may not exit", t->id, t->name);
	__atomic_store_n(&t->exited, 1, __ATOMIC_SEQ_CST);
	joiner = __atomic_load_n(&t->joiner, __ATOMIC_SEQ_CST);
	if (joiner)
		thread_wake(joiner);
	rq = this_rq();
	spin_lock(&rq->lock);
	t->state = THREAD_DEAD;
	schedule_locked(rq);
	panic("thread_exit: dead thread %d ran again", t->id);
}

/* Claim t for the caller's join: t live, not an idle, not joined yet. */
static bool join_claim(struct thread *t, struct thread *me)
{
	uint64_t flags = spin_lock_irqsave(&all_lock);
	struct thread *u = all_head;
	bool ok;

	while (u && u != t)
		u = u->all_next;
	ok = u && !t->is_idle && !t->joiner;
	if (ok)
		__atomic_store_n(&t->joiner, me, __ATOMIC_SEQ_CST);
	spin_unlock_irqrestore(&all_lock, flags);
	return ok;
}

int thread_join(struct thread *t)
{
	struct thread *me = thread_current();
	uint64_t flags;

	if (!t || !me || t == me || t == &thread0 || !join_claim(t, me))
		return -1;
	while (!__atomic_load_n(&t->exited, __ATOMIC_SEQ_CST))
		thread_block();
	/* It may still be switching away on its CPU: wait until it is off. */
	while (__atomic_load_n(&t->on_cpu, __ATOMIC_ACQUIRE))
		thread_yield();
	flags = spin_lock_irqsave(&all_lock);
	all_remove_locked(t);
	spin_unlock_irqrestore(&all_lock, flags);
	thread_stack_unmap(t);
	kfree(t);
	return 0;
}

void thread_yield(void)
{
	struct runq *rq;
	uint64_t flags;

	if (!__atomic_load_n(&sched_up, __ATOMIC_ACQUIRE))
		return;		/* before thread_init: nothing to yield to */
	flags = rq_lock_this(&rq);
	schedule_locked(rq);
	rq_unlock_this(flags);
}

void thread_sleep_ms(unsigned ms)
{
	uint64_t ticks = ((uint64_t)ms * TIMER_HZ + 999) / 1000 + 1, flags;
	struct runq *rq;
	struct thread *me;

	if (!ms || !__atomic_load_n(&sched_up, __ATOMIC_ACQUIRE)) {
		thread_yield();
		return;
	}
	flags = rq_lock_this(&rq);
	me = rq->current;
	me->wake_tick = timer_ticks() + ticks;
	me->state = THREAD_SLEEPING;
	me->run_next = rq->sleepers;
	rq->sleepers = me;
	schedule_locked(rq);
	rq_unlock_this(flags);
}

/* This CPU's sleepers whose time has come go to its queue (lock held). */
static void wake_sleepers(struct runq *rq, uint64_t now)
{
	struct thread **pp = &rq->sleepers;

	while (*pp) {
		struct thread *t = *pp;

		if (now >= t->wake_tick) {
			*pp = t->run_next;
			rq_push(rq, t);
		} else {
			pp = &t->run_next;
		}
	}
}

void thread_tick(void)
{
	struct runq *rq;

	if (!__atomic_load_n(&sched_up, __ATOMIC_ACQUIRE))
		return;		/* before thread_init */
	rq = this_rq();
	if (!__atomic_load_n(&rq->online, __ATOMIC_ACQUIRE))
		return;		/* an AP's tick before it schedules */
	spin_lock(&rq->lock);
	rq->current->ticks++;
	wake_sleepers(rq, timer_ticks());
	if (rq->current->is_idle) {
		if (rq->head)
			schedule_locked(rq);
	} else if (--rq->slice_left <= 0) {
		schedule_locked(rq);	/* keeps current when nothing else is ready */
	}
	spin_unlock(&this_rq()->lock);
}

struct thread_snap {
	struct thread_info ti;
	char name[THREAD_NAME_MAX];
};

/* Copy up to max threads' records (all_lock held); returns how many. */
static int thread_snapshot(struct thread_snap *snap, int max)
{
	int n = 0;

	for (struct thread *t = all_head; t && n < max; t = t->all_next, n++) {
		struct thread_snap *s = &snap[n];

		memcpy(s->name, t->name, THREAD_NAME_MAX);
		s->ti.id = t->id;
		s->ti.name = s->name;
		/* Another CPU's state, read without its lock: a snapshot. */
		s->ti.state = thread_state_names[__atomic_load_n(&t->state,
							__ATOMIC_RELAXED)];
		s->ti.cpu = __atomic_load_n(&t->cpu, __ATOMIC_RELAXED);
		s->ti.pinned = t->pinned;
		s->ti.ticks = t->ticks;
		s->ti.stack_lo = t->stack_lo;
		s->ti.stack_hi = t->stack_hi;
	}
	return n;
}

void thread_for_each(void (*fn)(const struct thread_info *ti, void *arg),
		     void *arg)
{
	struct thread_snap *snap;
	uint64_t flags;
	int n, max = __atomic_load_n(&thread_live, __ATOMIC_RELAXED) + 8;

	/* Allocated outside the lock (kmalloc's locks rank after it anyway);
	 * threads created meanwhile beyond the slack are left out. */
	snap = kmalloc_array((size_t)max, sizeof(*snap));
	if (!snap)
		return;
	flags = spin_lock_irqsave(&all_lock);
	n = thread_snapshot(snap, max);
	spin_unlock_irqrestore(&all_lock, flags);
	for (int i = 0; i < n; i++)
		fn(&snap[i].ti, arg);
	kfree(snap);
}

struct thread *thread_current(void)
{
	struct thread *t;
	uint64_t flags;

	if (!__atomic_load_n(&sched_up, __ATOMIC_ACQUIRE))
		return NULL;
	flags = irq_save();	/* no migration between the two reads */
	t = this_rq()->current;
	irq_restore(flags);
	return t;
}

size_t thread_cpu(void)
{
	return smp_this_index();
}

int thread_id(const struct thread *t)
{
	return t->id;
}

const char *thread_name(const struct thread *t)
{
	return t->name;
}

int thread_count(void)
{
	return __atomic_load_n(&thread_live, __ATOMIC_RELAXED);
}

uint64_t thread_switches(void)
{
	uint64_t n = 0;

	for (size_t i = 0; i < smp_cpu_count() && i < SMP_MAX_CPUS; i++)
		n += __atomic_load_n(&runqs[i].switches, __ATOMIC_RELAXED);
	return n;
}

int sched_cpu_info(size_t cpu, struct sched_cpu_info *out)
{
	struct runq *rq;

	if (cpu >= smp_cpu_count() || cpu >= SMP_MAX_CPUS)
		return -1;
	rq = &runqs[cpu];
	out->online = __atomic_load_n(&rq->online, __ATOMIC_ACQUIRE);
	out->ready = __atomic_load_n(&rq->nr_ready, __ATOMIC_RELAXED);
	/* Compared, never followed: the thread may be gone by now. */
	out->busy = __atomic_load_n(&rq->current, __ATOMIC_RELAXED) != rq->idle;
	out->switches = __atomic_load_n(&rq->switches, __ATOMIC_RELAXED);
	out->steals = __atomic_load_n(&rq->steals, __ATOMIC_RELAXED);
	return 0;
}
