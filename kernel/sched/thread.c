/*
 * Kernel threads and the round-robin scheduler (contracts in thread.h).
 *
 * State, all guarded by interrupts off (one CPU: nothing else can run):
 * - current: the running thread; thread0 is the boot flow, on the boot
 *   stack; idle runs only when the ready queue is empty and is never in it.
 * - the ready queue (run_next links, FIFO) holds exactly the READY
 *   threads other than idle.
 * - the all list (all_next links, creation order) holds every live thread
 *   (created, not yet joined): thread_for_each() and the sleeper scan
 *   walk it.
 * - a thread is in exactly one state; schedule() is the only place that
 *   changes current, and it runs with interrupts off.
 *
 * Per-thread CPU state beyond the registers: the fault-catch list
 * (kernel/arch/x86_64/trap.h) and the kmalloc front's caller record
 * (osmem_kernel_front): a switch saves the outgoing thread's and installs
 * the incoming one's, so a fault recovers in the thread that faulted and a
 * thread preempted between kmalloc's entry and the heap lock still names
 * its own caller in a misuse report. The switch also tells the backtrace
 * walker which stack is running, so a fault in a thread gets a backtrace.
 *
 * Stacks: vm_map(THREAD_STACK_BYTES + one page) gives [base, base + S + P)
 * followed by vmap's own unmapped guard page. A stack grows down, so the
 * guard that matters is below it: the lowest page (base) is unmapped again
 * here and its frame given back to pmm; the stack is [base + P, base + P +
 * S). vm_unmap(base, S + P) at join takes the whole mapping back (it skips
 * the page that is no longer mapped). While a thread lives, vmap_stats
 * counts that guard page among the mapped pages.
 */
#include "kernel/sched/thread.h"
#include "kernel/arch/x86_64/backtrace.h"
#include "libk/cpu.h"
#include "kernel/arch/x86_64/irq.h"
#include "libk/console.h"
#include "kernel/panic.h"
#include "kernel/sched/timer.h"
#include "kernel/arch/x86_64/trap.h"
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
	THREAD_BLOCKED,		/* in thread_join */
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
	enum thread_state state;
	uint64_t rsp;			/* saved by thread_switch */
	void *map;			/* the vm_map'ed range, NULL for thread 0 */
	uintptr_t stack_lo, stack_hi;
	void (*fn)(void *);
	void *arg;
	uint64_t ticks;			/* ticks it was running at */
	uint64_t wake_tick;		/* SLEEPING: wake when timer_ticks() >= it */
	struct thread *joiner;		/* the thread in thread_join on it */
	struct thread *run_next;
	struct thread *all_next;
	struct fault_catch *catches;	/* saved while it is not running */
	struct osmem_kernel_front kfront; /* likewise */
};

#define THREAD_MAP_BYTES (THREAD_STACK_BYTES + PAGE_SIZE)

void thread_switch(uint64_t *save_rsp, uint64_t new_rsp);

extern const char __stack_bottom[], __stack_top[];

static struct thread thread0;
static struct thread *current, *idle;
static struct thread *ready_head, *ready_tail;
static struct thread *all_head, *all_tail;
static int thread_next_id, thread_live;
static int slice_left;
static uint64_t switch_count;

static void ready_push(struct thread *t)
{
	t->state = THREAD_READY;
	t->run_next = NULL;
	if (ready_tail)
		ready_tail->run_next = t;
	else
		ready_head = t;
	ready_tail = t;
}

static struct thread *ready_pop(void)
{
	struct thread *t = ready_head;

	if (t) {
		ready_head = t->run_next;
		if (!ready_head)
			ready_tail = NULL;
		t->run_next = NULL;
	}
	return t;
}

static void all_append(struct thread *t)
{
	t->all_next = NULL;
	if (all_tail)
		all_tail->all_next = t;
	else
		all_head = t;
	all_tail = t;
	thread_live++;
}

/* Unlink t from the all list; false if it is not on it. */
static bool all_remove(struct thread *t)
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

/*
 * Give the CPU to the next ready thread (idle if none and the caller cannot
 * go on). Interrupts off. The caller has set its own state: RUNNING means
 * "still runnable" (it goes to the back of the queue), anything else
 * means it waits (sleep, join) or is gone (exit).
 */
static void schedule(void)
{
	struct thread *prev = current, *next = ready_pop();

	if (!next) {
		if (prev->state == THREAD_RUNNING)
			return;
		next = idle;
	}
	if (prev == idle)
		prev->state = THREAD_READY;	/* idle is never queued */
	else if (prev->state == THREAD_RUNNING)
		ready_push(prev);
	next->state = THREAD_RUNNING;
	slice_left = THREAD_SLICE_TICKS;
	if (next == prev)
		return;
	switch_count++;
	prev->catches = fault_catch_swap(next->catches);
	prev->kfront = osmem_kernel_front;
	osmem_kernel_front = next->kfront;
	backtrace_set_thread_stack(next->stack_lo, next->stack_hi);
	current = next;
	thread_switch(&prev->rsp, next->rsp);
}

/* The first code of every created thread, entered from thread_switch with
 * interrupts off (the switch happened inside someone's critical section). */
/* name, truncated, into a THREAD_NAME_MAX buffer (zeroed by kzalloc). */
static void thread_set_name(struct thread *t, const char *name)
{
	size_t n = strlen(name);

	if (n > THREAD_NAME_MAX - 1)
		n = THREAD_NAME_MAX - 1;
	memcpy(t->name, name, n);
	t->name[n] = '\0';
}

static void thread_start(void)
{
	struct thread *t = current;

	sti();
	t->fn(t->arg);
	thread_exit();
}

static void idle_main(void *arg)
{
	(void)arg;
	for (;;) {
		/* sti; hlt is atomic: no tick is lost between the two. */
		__asm__ volatile("sti; hlt" : : : "memory");
	}
}

/* Map the stack with its low guard (see the top of the file): 0 or -1. */
static int thread_stack_map(struct thread *t)
{
	uint64_t flags = irq_save();
	char *base = vm_map(THREAD_MAP_BYTES);
	phys_addr_t pa;

	if (base) {
		pa = vmm_unmap((uintptr_t)base);
		if (pa != VMM_NOT_MAPPED)
			pmm_free(pa);
	}
	irq_restore(flags);
	if (!base)
		return -1;
	t->map = base;
	t->stack_lo = (uintptr_t)base + PAGE_SIZE;
	t->stack_hi = t->stack_lo + THREAD_STACK_BYTES;
	return 0;
}

static void thread_stack_unmap(struct thread *t)
{
	uint64_t flags = irq_save();

	vm_unmap(t->map, THREAD_MAP_BYTES);
	irq_restore(flags);
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

void thread_init(void)
{
	thread0.id = 0;
	thread_set_name(&thread0, "main");
	thread0.state = THREAD_RUNNING;
	thread0.stack_lo = (uintptr_t)__stack_bottom;
	thread0.stack_hi = (uintptr_t)__stack_top;
	current = &thread0;
	all_append(&thread0);
	thread_next_id = 1;
	slice_left = THREAD_SLICE_TICKS;
	idle = thread_alloc("idle", idle_main, NULL);
	if (!idle)
		panic("thread_init: no memory for the idle thread");
	idle->id = thread_next_id++;
	idle->state = THREAD_READY;
	all_append(idle);
	timer_on_tick(thread_tick);
	kprintf("threads: main and idle, %d KiB stacks, %d-tick slices\n",
		THREAD_STACK_BYTES / 1024, THREAD_SLICE_TICKS);
}

struct thread *thread_create(const char *name, void (*fn)(void *), void *arg)
{
	struct thread *t;
	uint64_t flags;

	if (!fn)
		return NULL;
	t = thread_alloc(name, fn, arg);
	if (!t)
		return NULL;
	flags = irq_save();
	t->id = thread_next_id++;
	all_append(t);
	ready_push(t);
	irq_restore(flags);
	return t;
}

void thread_exit(void)
{
	struct thread *t = current;

	cli();
	if (t == &thread0 || t == idle)
		panic("thread_exit: thread %d (%s) may not exit", t->id, t->name);
	t->state = THREAD_DEAD;
	if (t->joiner)
		ready_push(t->joiner);
	schedule();
	panic("thread_exit: dead thread %d ran again", t->id);
}

int thread_join(struct thread *t)
{
	uint64_t flags;
	bool ok = true;

	if (!t || t == current || t == &thread0 || t == idle)
		return -1;
	flags = irq_save();
	/* A thread not on the all list was joined already (or never made). */
	for (struct thread *u = all_head; u != t; u = u->all_next)
		if (!u) {
			ok = false;
			break;
		}
	if (!ok || t->joiner) {
		irq_restore(flags);
		return -1;
	}
	t->joiner = current;
	while (t->state != THREAD_DEAD) {
		current->state = THREAD_BLOCKED;
		schedule();
	}
	all_remove(t);
	irq_restore(flags);
	thread_stack_unmap(t);
	kfree(t);
	return 0;
}

void thread_yield(void)
{
	uint64_t flags;

	if (!current)
		return;		/* before thread_init: nothing to yield to */
	flags = irq_save();

	schedule();
	irq_restore(flags);
}

void thread_sleep_ms(unsigned ms)
{
	uint64_t ticks = ((uint64_t)ms * TIMER_HZ + 999) / 1000 + 1, flags;

	if (!ms || !current) {
		thread_yield();
		return;
	}
	flags = irq_save();
	current->wake_tick = timer_ticks() + ticks;
	current->state = THREAD_SLEEPING;
	schedule();
	irq_restore(flags);
}

void thread_tick(void)
{
	uint64_t now = timer_ticks();

	if (!current)
		return;		/* before thread_init */
	current->ticks++;
	for (struct thread *t = all_head; t; t = t->all_next)
		if (t->state == THREAD_SLEEPING && now >= t->wake_tick)
			ready_push(t);
	if (current == idle) {
		if (ready_head)
			schedule();
		return;
	}
	if (--slice_left <= 0)
		schedule();	/* keeps current when nothing else is ready */
}

struct thread_snap {
	struct thread_info ti;
	char name[THREAD_NAME_MAX];
};

void thread_for_each(void (*fn)(const struct thread_info *ti, void *arg),
		     void *arg)
{
	struct thread_snap *snap;
	uint64_t flags = irq_save();
	int n = 0, max = thread_live;

	/* kmalloc under interrupts off is fine: its lock nests in this. */
	snap = kmalloc_array((size_t)max, sizeof(*snap));
	for (struct thread *t = all_head; snap && t && n < max; t = t->all_next, n++) {
		struct thread_snap *s = &snap[n];

		memcpy(s->name, t->name, THREAD_NAME_MAX);
		s->ti.id = t->id;
		s->ti.name = s->name;
		s->ti.state = thread_state_names[t->state];
		s->ti.ticks = t->ticks;
		s->ti.stack_lo = t->stack_lo;
		s->ti.stack_hi = t->stack_hi;
	}
	irq_restore(flags);
	for (int i = 0; i < n; i++)
		fn(&snap[i].ti, arg);
	kfree(snap);
}

struct thread *thread_current(void)
{
	return current;
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
	return thread_live;
}

uint64_t thread_switches(void)
{
	return switch_count;
}
