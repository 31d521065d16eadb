/* SPDX-License-Identifier: MIT */
/*
 * Spinlocks with a lock-order checker (a "lockdep-lite").
 *
 * A spinlock_t is a word taken by test-and-test-and-set (spin on a plain
 * read with `pause`, then one atomic exchange), so a waiting CPU does not
 * keep stealing the cache line. spin_lock_irqsave() disables interrupts on
 * this CPU first and returns the caller's RFLAGS, which
 * spin_unlock_irqrestore() brings back: a lock that an interrupt handler
 * could also want must be taken this way. spin_lock()/spin_unlock() are
 * for code that already runs with interrupts off.
 *
 * Every lock has a class name and a rank (libk/locking.h lists them all).
 * Contracts, checked on every take while lockdep is on (the default):
 *  - a CPU takes locks in strictly increasing rank: taking one whose rank
 *    is not greater than the last one it took and still holds prints one
 *    line (both names, both ranks, the CPU, the caller), once for the
 *    same pair taken in a row, and the take goes on;
 *  - a CPU never takes a lock it holds: that is reported (one line) and,
 *    instead of a silent deadlock, counted as nested: the matching inner
 *    unlock does not release it;
 *  - only the holder releases: a release by another CPU, or of a free
 *    lock, is reported and ignored;
 *  - no lock is taken inside a cross-CPU call function (between
 *    spin_call_enter and spin_call_exit on that CPU: the kernel's
 *    smp_call runs them from its IPI handler and from this file's wait
 *    hook, i.e. possibly inside another lock's wait on that CPU): such a
 *    take prints one line (the lock, the CPU, the caller), once per lock,
 *    and goes on.
 * The owner CPU is recorded even with lockdep off (recursion is always
 * caught). The CPU number comes from a hook the home registers
 * (spin_set_cpu_hook: the kernel's per-CPU data); 0 until then.
 *
 * In a host build (-DLIBK_HOST) interrupts are simulated by a flag, so the
 * host test program runs the same checks.
 */
#ifndef LIBK_SPINLOCK_H
#define LIBK_SPINLOCK_H

#include "libk/names.h"
#include <stdbool.h>
#include <stdint.h>

typedef struct spinlock {
	uint32_t locked;	/* 0 free, 1 taken (atomic) */
	int owner;		/* CPU holding it, -1 if free */
	unsigned nested;	/* recursive takes counted, not taken */
	/* the held lock of its last out-of-order report: the same pair is
	 * reported once, a new pair again */
	const struct spinlock *order_reported;
	bool call_reported;	/* taken inside a call function: said once */
	const char *name;	/* its class, for reports */
	int rank;		/* its place in libk/locking.h */
} spinlock_t;

#define SPINLOCK_INIT(cls, r) \
	{ .locked = 0, .owner = -1, .name = (cls), .rank = (r) }

void spin_lock_init(spinlock_t *l, const char *name, int rank);

uint64_t spin_lock_irqsave(spinlock_t *l);
void spin_unlock_irqrestore(spinlock_t *l, uint64_t flags);
void spin_lock(spinlock_t *l);
void spin_unlock(spinlock_t *l);

/* Whether this CPU holds l (for assertions and re-entry checks). */
bool spin_held_by_me(const spinlock_t *l);
bool spin_is_locked(const spinlock_t *l);

/* The home's "which CPU am I" (0-based, below SPIN_MAX_CPUS). */
#define SPIN_MAX_CPUS	64
/* Returns the hook before. The first hook set is the home's; setting
 * another after it is a test posing as another CPU for a moment: the pose
 * applies only on the CPU that set it (the others, which may be running
 * threads meanwhile, keep their own number), until the home's is set
 * again. */
unsigned (*spin_set_cpu_hook(unsigned (*cpu)(void)))(void);
unsigned spin_cpu(void);

/*
 * fn runs on every turn of a CPU's wait for a lock held elsewhere (with
 * interrupts as the taker has them: usually off). The kernel serves the
 * cross-CPU calls posted to the waiting CPU there (smp_call_poll): the
 * holder may be waiting for this CPU's TLB-shootdown answer, and a CPU
 * spinning with interrupts off takes no IPI, so without it the two would
 * wait for each other until smp_call's time-out. NULL: nothing.
 */
void spin_set_wait_hook(void (*fn)(void));

/*
 * The "inside a cross-CPU call function" marker of the calling CPU (its
 * real number: a test's pose does not move it). The kernel's smp_call
 * brackets every function it runs for another CPU with enter/exit (they
 * nest: a call function that waits may serve its own slot). Such a
 * function must not take a spinlock or allocate (kernel/arch/x86_64/
 * smp_call.h says why); a lock taken while the marker is set is
 * reported (lockdep on), an allocation once it reaches a lock (the heap's,
 * on a slow path). spin_in_call(): the marker's depth on this CPU.
 */
void spin_call_enter(void);
void spin_call_exit(void);
unsigned spin_in_call(void);

/* Lockdep on or off (on at boot); returns the old setting. */
bool spin_lockdep_set(bool on);

/* Misuse reports so far, and the last one's text (tests read them). */
unsigned spin_reports(void);
const char *spin_last_report(void);

/* Interrupts on for this CPU (host: the simulated flag). */
bool spin_irq_enabled(void);
#ifdef LIBK_HOST
void spin_host_irq_set(bool on);	/* host tests: the simulated IF */
#endif

#endif
