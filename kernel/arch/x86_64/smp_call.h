/* SPDX-License-Identifier: MIT */
/*
 * smp_call: run a function on another CPU, through an IPI.
 *
 * smp_call(cpu, fn, arg, &ret) runs fn(arg) on CPU `cpu` (an index in the
 * CPU table) in its IPI handler, interrupts off there, and waits for it:
 * 0 and *ret = fn's result, or -1 with one console line when the CPU is
 * not online or does not answer within SMP_CALL_TIMEOUT_MS. The calling
 * CPU itself runs fn directly. smp_call_all_others(fn, arg) runs fn on
 * every other online CPU (posted to all, then waited for) and returns how
 * many did not answer.
 *
 * The rule for call functions: fn must be short and must not sleep,
 * allocate or take a spinlock. It runs in the target's IPI handler, or
 * inside the target's wait for some spinlock (libk/spinlock.h's wait
 * hook: a CPU spinning with interrupts off serves its slot there), so it
 * may run nested inside any code of that CPU that waits for a lock: in
 * the middle of a kmalloc slow path (its per-CPU cache half updated, the
 * heap's lock next), or holding locks of its own; and until fn returns
 * that CPU answers no other call, TLB shootdowns included. Work that
 * needs locks or memory on a given CPU runs in a kernel thread pinned
 * there (thread_create_on) instead. Checked: every fn runs between
 * spin_call_enter and spin_call_exit (the calling CPU's own fn too), and
 * the lockdep-lite reports a spinlock taken meanwhile (one line naming
 * the lock, the CPU and the caller); an allocation is caught when it
 * reaches the heap's lock. Panicking in fn is allowed (crash=panic_ap):
 * panic stops the other CPUs and prints without the console lock.
 * fn may arm a fault catch
 * (trap.h): each CPU has its own catch list. A call that outlasts the
 * timeout is abandoned: its caller has returned, so fn must not touch
 * what arg points to once it runs that long (the callers here pass
 * stack data to calls that take microseconds).
 *
 * Each CPU has one call slot (struct smp_call_slot in its percpu), a small
 * state machine whose state word is the slot's lock (libk/locking.h):
 *   FREE -> CLAIMED (a caller's CAS: the slot is its own)
 *        -> POSTED  (fn, arg written; release)       caller
 *        -> RUNNING (the target's CAS; acquire)      target
 *        -> DONE    (ret written; release)           target
 *        -> FREE    (ret read; release)              caller
 * A caller that times out withdraws a POSTED call (CAS back to FREE: fn
 * never runs), or abandons a RUNNING one (CAS to ABANDONED: the target
 * frees the slot when fn returns). While a caller waits, claiming a slot
 * or for an answer, it runs calls posted to its own slot, so two CPUs
 * calling each other with interrupts off cannot deadlock.
 */
#ifndef KERNEL_ARCH_X86_64_SMP_CALL_H
#define KERNEL_ARCH_X86_64_SMP_CALL_H

#include <stddef.h>

#define SMP_CALL_TIMEOUT_MS	1000

typedef long (*smp_call_fn)(void *arg);

enum smp_call_state {
	SMP_CALL_FREE,
	SMP_CALL_CLAIMED,
	SMP_CALL_POSTED,
	SMP_CALL_RUNNING,
	SMP_CALL_DONE,
	SMP_CALL_ABANDONED,
};

struct smp_call_slot {
	int state;		/* enum smp_call_state, atomics only */
	smp_call_fn fn;
	void *arg;
	long ret;
};

/* On the boot CPU at boot (smp_init): measures the TSC for the timeout
 * and makes spinlock waiters serve their slot (spin_set_wait_hook). */
void smp_call_init(void);
/* Run the call posted to the calling CPU's slot, if any (interrupts off
 * while it runs); a no-op before GS is set. Any context. */
void smp_call_poll(void);
int smp_call(size_t cpu, smp_call_fn fn, void *arg, long *ret);
int smp_call_all_others(smp_call_fn fn, void *arg);
/* The IPI vector's handler (trap.c): EOI, then the calling CPU's slot. */
void smp_call_interrupt(void);
/* How many CPUs are online and take calls (1 without SMP). */
size_t smp_online_count(void);

#endif
