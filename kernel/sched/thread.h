/*
 * Kernel threads and a round-robin scheduler on one CPU.
 *
 * A thread has a kmalloc'ed control block and a stack of THREAD_STACK_BYTES
 * from vm_map, with an unmapped guard page directly BELOW it, so running
 * off the stack's low end faults (#PF, reported on its IST stack) instead
 * of writing into another mapping. The boot flow (kmain) becomes thread 0,
 * "main", on the boot stack (whose guard the linker script places).
 *
 * Scheduling: a FIFO ready queue. A running thread keeps the CPU for at
 * most THREAD_SLICE_TICKS timer ticks, then the tick preempts it (if any
 * other thread is ready); thread_yield() gives the CPU up at once. The
 * idle thread runs (hlt) only when nothing else is ready.
 *
 * Contracts:
 * - thread_init() once, after kmalloc_init and before timer_init.
 * - thread_create(name, fn, arg): a new ready thread that runs fn(arg) with
 *   interrupts on; returning from fn is thread_exit(). NULL when no memory.
 *   name is copied (truncated to THREAD_NAME_MAX - 1 characters).
 * - thread_exit(): ends the calling thread (not thread 0); never returns.
 *   Its control block and stack stay until a thread_join() takes them.
 * - thread_join(t): waits until t has exited, then frees its control block
 *   and stack and returns 0. -1 (nothing done) when t is NULL, the caller
 *   itself, thread 0, the idle thread, or already being joined. Every
 *   created thread must be joined once (there is no detach yet).
 * - thread_sleep_ms(ms): the caller sleeps at least ms milliseconds
 *   (whole ticks, rounded up, plus one so a partly gone tick never counts).
 *   thread_sleep_ms(0) is thread_yield(). Before thread_init both return
 *   at once.
 * - thread_for_each(fn, arg): calls fn with a snapshot of every live thread
 *   (created and not yet joined), in creation order. The snapshot is taken
 *   with interrupts off; fn runs with them as the caller had them.
 * - thread_current() / thread_id(t) / thread_name(t).
 * - Allocation from any thread is safe: the kernel heap's lock turns
 *   interrupts off (mm/osmem/backend_kernel.c); pmm/vmm/vmap calls made
 *   here are serialized the same way.
 */
#ifndef KERNEL_THREAD_H
#define KERNEL_THREAD_H

#include <stdint.h>

#define THREAD_NAME_MAX		24
#define THREAD_STACK_BYTES	(16 * 1024)
#define THREAD_SLICE_TICKS	10

struct thread;

struct thread_info {
	int id;
	const char *name;
	const char *state;	/* "running", "ready", "sleeping", "blocked", "dead" */
	uint64_t ticks;		/* timer ticks it was running at */
	uintptr_t stack_lo, stack_hi;	/* its stack (thread 0: the boot stack) */
};

void thread_init(void);
struct thread *thread_create(const char *name, void (*fn)(void *), void *arg);
void thread_exit(void) __attribute__((noreturn));
int thread_join(struct thread *t);
void thread_yield(void);
void thread_sleep_ms(unsigned ms);
void thread_for_each(void (*fn)(const struct thread_info *ti, void *arg),
		     void *arg);
struct thread *thread_current(void);
int thread_id(const struct thread *t);
const char *thread_name(const struct thread *t);
/* Live threads (created and not joined), thread 0 and idle included. */
int thread_count(void);
/* Context switches since boot (a test sees preemption happen). */
uint64_t thread_switches(void);

/* From the timer interrupt, interrupts off: wake sleepers, charge the tick,
 * preempt when the slice is used up. */
void thread_tick(void);

#endif
