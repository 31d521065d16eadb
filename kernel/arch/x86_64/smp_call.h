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
 * fn must be short, must not sleep, allocate or take a lock (it runs in an
 * interrupt on a CPU that may hold none). It may arm a fault catch
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
/*
 * The split form, for long work on an idle CPU while the caller works
 * too (the kmalloc_smp suite, the kernel benchmark): smp_call_start posts
 * fn(arg) to another online CPU and returns 0 at once (or -1, reported);
 * the caller must then call smp_call_finish(cpu, timeout_ms, &ret), which
 * waits up to timeout_ms for it, as smp_call does (serving its own slot
 * meanwhile). Until then that CPU takes no other call (a TLB shootdown
 * waits for it too), so fn may run long only while nothing else needs
 * the CPU. As fn runs with interrupts off on a CPU that holds no lock
 * (an idle AP), it may take spinlocks and allocate.
 */
int smp_call_start(size_t cpu, smp_call_fn fn, void *arg);
int smp_call_finish(size_t cpu, unsigned timeout_ms, long *ret);
/* The IPI vector's handler (trap.c): EOI, then the calling CPU's slot. */
void smp_call_interrupt(void);
/* How many CPUs are online and take calls (1 without SMP). */
size_t smp_online_count(void);

#endif
