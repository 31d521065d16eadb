/* SPDX-License-Identifier: MIT */
/*
 * Spinlocks and the lockdep-lite (contracts: libk/spinlock.h).
 *
 * Per CPU, a small stack of the locks it holds, in the order taken: the
 * order check compares a new lock with the top one only (the stack is
 * increasing by rank when no report was made, so the top is the largest).
 * A CPU touches only its own stack, with interrupts off or from code that
 * would nest correctly if interrupted (an interrupt handler's take and
 * release are pushed and popped before the interrupted code goes on).
 *
 * The call marker (spin_call_enter/exit) is a depth per real CPU, touched
 * only by that CPU with interrupts off (the kernel runs call functions
 * with interrupts off), so it needs no atomics.
 *
 * Reports go through kprintf, which takes the console lock: a report made
 * while taking the console lock itself must not check again (in_report).
 */
#include "libk/spinlock.h"
#include "libk/console.h"
#include "libk/cpu.h"
#include "libk/printf.h"

#define SPIN_HELD_MAX	8

struct spin_cpu_state {
	const spinlock_t *held[SPIN_HELD_MAX];
	int depth;
	bool in_report;
};

/* One per CPU, and one more for a pose (spin_slot). */
#define SPIN_POSE_SLOT	SPIN_MAX_CPUS
static struct spin_cpu_state spin_cpus[SPIN_MAX_CPUS + 1];
static unsigned (*spin_cpu_hook)(void);	/* the home's, the first set */
static void (*spin_wait_hook)(void);
/* A test's pose (spin_set_cpu_hook after the home's): it applies only on
 * the CPU that set it, so the other CPUs, running on, keep their own. */
static unsigned (*spin_pose_hook)(void);
static unsigned spin_pose_cpu;
static unsigned spin_call_depth[SPIN_MAX_CPUS];	/* by real CPU */
static bool spin_lockdep_on = true;
static unsigned spin_nreports;
static char spin_last[192];	/* last report; racy between CPUs, for tests */

#ifdef LIBK_HOST
/* The host cannot cli: a flag stands in for RFLAGS.IF. */
static uint64_t spin_host_rflags = RFLAGS_IF;

static uint64_t spin_irq_save(void)
{
	uint64_t f = spin_host_rflags;

	spin_host_rflags &= ~RFLAGS_IF;
	return f;
}

static void spin_irq_restore(uint64_t f)
{
	if (f & RFLAGS_IF)
		spin_host_rflags |= RFLAGS_IF;
}

bool spin_irq_enabled(void)
{
	return (spin_host_rflags & RFLAGS_IF) != 0;
}

void spin_host_irq_set(bool on)
{
	spin_host_rflags = on ? RFLAGS_IF : 0;
}
#else
static uint64_t spin_irq_save(void)
{
	return irq_save();
}

static void spin_irq_restore(uint64_t f)
{
	irq_restore(f);
}

bool spin_irq_enabled(void)
{
	return irq_enabled();
}
#endif

static unsigned spin_real_cpu(void)
{
	return spin_cpu_hook ? spin_cpu_hook() : 0;
}

unsigned (*spin_set_cpu_hook(unsigned (*cpu)(void)))(void)
{
	unsigned (*old)(void) = spin_pose_hook ? spin_pose_hook : spin_cpu_hook;

	if (!spin_cpu_hook || !cpu) {
		spin_cpu_hook = cpu;
		spin_pose_hook = NULL;
	} else if (cpu == spin_cpu_hook) {
		spin_pose_hook = NULL;		/* the pose ends */
	} else {
		spin_pose_cpu = spin_real_cpu();
		spin_pose_hook = cpu;
	}
	return old;
}

void spin_set_wait_hook(void (*fn)(void))
{
	spin_wait_hook = fn;
}

/* Out-of-range ids share the last slot rather than write past the table. */
unsigned spin_cpu(void)
{
	unsigned c = spin_real_cpu();

	if (spin_pose_hook && c == spin_pose_cpu)
		c = spin_pose_hook();
	return c < SPIN_MAX_CPUS ? c : SPIN_MAX_CPUS - 1;
}

/* The real CPU's slot of the marker: the call runs on the CPU, whatever
 * number a test there poses as. */
static unsigned *spin_call_here(void)
{
	unsigned c = spin_real_cpu();

	return &spin_call_depth[c < SPIN_MAX_CPUS ? c : SPIN_MAX_CPUS - 1];
}

void spin_call_enter(void)
{
	(*spin_call_here())++;
}

void spin_call_exit(void)
{
	unsigned *d = spin_call_here();

	if (*d)
		(*d)--;
}

unsigned spin_in_call(void)
{
	return *spin_call_here();
}

bool spin_lockdep_set(bool on)
{
	bool old = spin_lockdep_on;

	spin_lockdep_on = on;
	return old;
}

unsigned spin_reports(void)
{
	return spin_nreports;
}

const char *spin_last_report(void)
{
	return spin_last;
}

void spin_lock_init(spinlock_t *l, const char *name, int rank)
{
	*l = (spinlock_t)SPINLOCK_INIT(name, rank);
}

/* Where this CPU's takes are booked (owner, held stack): its own number,
 * or while it poses the pose's slot, which no real CPU uses, so a real
 * CPU with the posed number never mixes its locks with the pose's. */
static unsigned spin_slot(void)
{
	unsigned c = spin_real_cpu();

	if (spin_pose_hook && c == spin_pose_cpu)
		return SPIN_POSE_SLOT;
	return c < SPIN_MAX_CPUS ? c : SPIN_MAX_CPUS - 1;
}

bool spin_held_by_me(const spinlock_t *l)
{
	/* Another CPU may be writing owner: a relaxed atomic read; only this
	 * CPU ever stores its own number there. */
	return __atomic_load_n(&l->locked, __ATOMIC_RELAXED) &&
	       __atomic_load_n(&l->owner, __ATOMIC_RELAXED) == (int)spin_slot();
}

bool spin_is_locked(const spinlock_t *l)
{
	return __atomic_load_n(&l->locked, __ATOMIC_RELAXED) != 0;
}

/* One line to the console, kept for spin_last_report(). Called with the
 * report's text already formatted into spin_last. */
static void spin_report(struct spin_cpu_state *s)
{
	spin_nreports++;
	s->in_report = true;
	kprintf("%s\n", spin_last);
	s->in_report = false;
}

static const char *spin_caller_name(char *buf, size_t len, const void *caller)
{
	return console_symbol(buf, len, (uintptr_t)caller);
}

/* The order check: l must rank above the last lock this CPU still holds. */
static void spin_check_order(const spinlock_t *l, unsigned cpu,
			     struct spin_cpu_state *s, const void *caller)
{
	const spinlock_t *top;
	char where[CONSOLE_SYMBOL_MAX];

	if (!spin_lockdep_on || s->in_report || s->depth == 0)
		return;
	top = s->held[s->depth - 1];
	if (l->rank > top->rank || l->order_reported == top)
		return;
	((spinlock_t *)l)->order_reported = top;
	snprintf(spin_last, sizeof(spin_last),
		 "lockdep: CPU %u takes %s (rank %d) while holding %s (rank %d): "
		 "out of order, at %s", cpu, l->name, l->rank, top->name,
		 top->rank, spin_caller_name(where, sizeof(where), caller));
	spin_report(s);
}

/* The call rule: no lock inside a cross-CPU call function (the header). */
static void spin_check_call(const spinlock_t *l, unsigned cpu,
			    struct spin_cpu_state *s, const void *caller)
{
	char where[CONSOLE_SYMBOL_MAX];

	if (!spin_lockdep_on || s->in_report || l->call_reported ||
	    !spin_in_call())
		return;
	((spinlock_t *)l)->call_reported = true;
	snprintf(spin_last, sizeof(spin_last),
		 "lockdep: CPU %u takes %s (rank %d) inside an smp_call function "
		 "(which may take no lock), at %s", cpu, l->name, l->rank,
		 spin_caller_name(where, sizeof(where), caller));
	spin_report(s);
}

static void spin_push(struct spin_cpu_state *s, const spinlock_t *l)
{
	if (s->depth < SPIN_HELD_MAX)
		s->held[s->depth] = l;
	s->depth++;	/* past the table: counted, not checked */
}

/* Remove l (normally the top; an out-of-order release is allowed). */
static void spin_pop(struct spin_cpu_state *s, const spinlock_t *l)
{
	int n = s->depth < SPIN_HELD_MAX ? s->depth : SPIN_HELD_MAX;

	if (s->depth > SPIN_HELD_MAX) {
		s->depth--;
		return;
	}
	for (int i = n - 1; i >= 0; i--) {
		if (s->held[i] != l)
			continue;
		for (int j = i; j < n - 1; j++)
			s->held[j] = s->held[j + 1];
		s->depth--;
		return;
	}
}

/* Interrupts are off (the caller's or ours): this CPU cannot change. */
static void spin_acquire(spinlock_t *l, const void *caller)
{
	unsigned cpu = spin_cpu(), slot = spin_slot();
	struct spin_cpu_state *s = &spin_cpus[slot];
	char where[CONSOLE_SYMBOL_MAX];

	if (spin_held_by_me(l)) {
		l->nested++;
		snprintf(spin_last, sizeof(spin_last),
			 "spinlock: CPU %u takes %s (rank %d) again while holding "
			 "it (recursive; counted as nested), at %s", cpu, l->name,
			 l->rank, spin_caller_name(where, sizeof(where), caller));
		if (!s->in_report)
			spin_report(s);
		return;
	}
	spin_check_call(l, cpu, s, caller);
	spin_check_order(l, cpu, s, caller);
	for (;;) {
		if (!__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE))
			break;
		while (__atomic_load_n(&l->locked, __ATOMIC_RELAXED)) {
			if (spin_wait_hook)
				spin_wait_hook();
			cpu_relax();
		}
	}
	__atomic_store_n(&l->owner, (int)slot, __ATOMIC_RELAXED);
	spin_push(s, l);
}

/* Returns false (and reports) when this CPU may not release l. */
static bool spin_release(spinlock_t *l, const void *caller)
{
	unsigned cpu = spin_cpu(), slot = spin_slot();
	struct spin_cpu_state *s = &spin_cpus[slot];
	char where[CONSOLE_SYMBOL_MAX];

	if (!spin_held_by_me(l)) {
		snprintf(spin_last, sizeof(spin_last),
			 "spinlock: CPU %u releases %s (rank %d), which it does "
			 "not hold; ignored, at %s", cpu, l->name, l->rank,
			 spin_caller_name(where, sizeof(where), caller));
		spin_report(s);
		return false;
	}
	if (l->nested) {
		l->nested--;
		return false;
	}
	spin_pop(s, l);
	__atomic_store_n(&l->owner, -1, __ATOMIC_RELAXED);
	__atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
	return true;
}

uint64_t spin_lock_irqsave(spinlock_t *l)
{
	uint64_t flags = spin_irq_save();

	spin_acquire(l, __builtin_return_address(0));
	return flags;
}

/* Interrupts come back as the caller had them, even when the release was
 * refused (a nested or foreign release): that take disabled them too. */
void spin_unlock_irqrestore(spinlock_t *l, uint64_t flags)
{
	spin_release(l, __builtin_return_address(0));
	spin_irq_restore(flags);
}

void spin_lock(spinlock_t *l)
{
	spin_acquire(l, __builtin_return_address(0));
}

void spin_unlock(spinlock_t *l)
{
	spin_release(l, __builtin_return_address(0));
}
