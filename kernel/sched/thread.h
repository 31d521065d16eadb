/* SPDX-License-Identifier: MIT */
/*
 * Kernel threads and a preemptive round-robin scheduler on every CPU.
 *
 * A thread has a kmalloc'ed control block and a stack of THREAD_STACK_BYTES
 * from vm_map, with an unmapped guard page directly BELOW it, so running
 * off the stack's low end faults (#PF, reported on its IST stack) instead
 * of writing into another mapping. The boot flow (kmain) becomes thread 0,
 * "main", on the boot stack (whose guard the linker script places); it
 * stays on CPU 0 (the shell and the tests that name CPUs rely on it).
 *
 * Scheduling (thread.c says more): each CPU has a run queue, a FIFO of
 * its READY threads under its own spinlock, and an idle thread that runs
 * (hlt) only when the queue is empty. A running thread keeps its CPU for
 * at most THREAD_SLICE_TICKS of that CPU's timer ticks (timer.h), then
 * the tick preempts it (if another thread is ready there); thread_yield()
 * gives the CPU up at once. A new thread goes to the least loaded CPU
 * (ties in turn); an idle CPU steals a ready thread that is not pinned
 * from another CPU's queue.
 *
 * Contracts:
 * - thread_init() once on the boot CPU, after kmalloc_init and before
 *   timer_init; thread_start_cpus() once after timer_init with interrupts
 *   on: every other online CPU enters the scheduler (its boot flow becomes
 *   its idle thread) and starts its tick. Until then threads run on CPU 0.
 * - thread_create(name, fn, arg): a new ready thread that runs fn(arg) with
 *   interrupts on; returning from fn is thread_exit(). NULL when no memory.
 *   name is copied (truncated to THREAD_NAME_MAX - 1 characters).
 *   thread_create_on(cpu, ...): the same, pinned to CPU `cpu` for its whole
 *   life (never stolen); NULL also when that CPU does not schedule.
 * - thread_exit(): ends the calling thread (not thread 0, not an idle
 *   thread); never returns. Its control block and stack stay until a
 *   thread_join() takes them.
 * - thread_join(t), from any thread on any CPU: waits until t has exited
 *   and no CPU runs on its stack any more, then frees its control block
 *   and stack and returns 0. -1 (nothing done) when t is NULL, the caller
 *   itself, thread 0, an idle thread, or already being joined. Every
 *   created thread must be joined once (there is no detach yet).
 * - thread_block() / thread_wake(t): the caller waits until some thread
 *   (on any CPU) wakes it; a wake that finds t not blocked is kept, and
 *   t's next thread_block() returns at once (so a wake is never lost).
 *   A thread_block() may also return for an older kept wake: callers wait
 *   in a loop on their own condition.
 * - thread_sleep_ms(ms): the caller sleeps at least ms milliseconds of the
 *   wall clock (whole ticks, rounded up, plus one so a partly gone tick
 *   never counts); its own CPU's tick wakes it. thread_sleep_ms(0) is
 *   thread_yield(). Before thread_init both return at once.
 * - thread_for_each(fn, arg): calls fn with a snapshot of every live thread
 *   (created and not yet joined), in creation order. fn runs with no
 *   scheduler lock held, interrupts as the caller had them.
 * - thread_current() / thread_id(t) / thread_name(t) / thread_cpu().
 * - Allocation from any thread on any CPU is safe: the kernel heap and the
 *   mm layers below take their own spinlocks (libk/locking.h).
 */
#ifndef KERNEL_THREAD_H
#define KERNEL_THREAD_H

#include <stddef.h>
#include <stdint.h>

#define THREAD_NAME_MAX		24
#define THREAD_STACK_BYTES	(16 * 1024)
#define THREAD_SLICE_TICKS	10

struct thread;

struct thread_info {
	int id;
	const char *name;
	const char *state;	/* "running", "ready", "sleeping", "blocked", "dead" */
	int cpu;		/* the CPU it runs on, or last ran / is queued on */
	int pinned;		/* thread_create_on, thread 0, the idle threads */
	uint64_t ticks;		/* timer ticks it was running at */
	uintptr_t stack_lo, stack_hi;	/* its stack (thread 0: the boot stack) */
};

/* One CPU's scheduler, for the shell's `cpus` (racy reads: a snapshot). */
struct sched_cpu_info {
	int online;		/* this CPU runs threads */
	int ready;		/* threads in its run queue */
	int busy;		/* it runs a thread other than its idle one */
	uint64_t switches;	/* context switches on it */
	uint64_t steals;	/* threads it took from other queues */
};

void thread_init(void);
void thread_start_cpus(void);
struct thread *thread_create(const char *name, void (*fn)(void *), void *arg);
struct thread *thread_create_on(size_t cpu, const char *name,
				void (*fn)(void *), void *arg);
void thread_exit(void) __attribute__((noreturn));
int thread_join(struct thread *t);
void thread_yield(void);
void thread_block(void);
void thread_wake(struct thread *t);
void thread_sleep_ms(unsigned ms);
void thread_for_each(void (*fn)(const struct thread_info *ti, void *arg),
		     void *arg);
struct thread *thread_current(void);
int thread_id(const struct thread *t);
const char *thread_name(const struct thread *t);
/* The CPU the caller runs on (it may run elsewhere right after, unless
 * pinned or with interrupts off). */
size_t thread_cpu(void);
/* Live threads (created and not joined), thread 0 and the idles included. */
int thread_count(void);
/* Context switches since boot, all CPUs (a test sees preemption happen). */
uint64_t thread_switches(void);
/* CPU `cpu`'s scheduler; -1 past the CPU table. */
int sched_cpu_info(size_t cpu, struct sched_cpu_info *out);

/* From a CPU's timer interrupt, interrupts off: wake that CPU's sleepers,
 * charge the tick, preempt when the slice is used up. */
void thread_tick(void);

#endif
