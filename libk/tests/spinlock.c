/* SPDX-License-Identifier: MIT */
/*
 * Suite spinlock: libk/spinlock.h and the console lock, both homes (the
 * host simulates the interrupt flag). Each test declares its own locks:
 * an out-of-order report is made once per lock.
 */
#include "libk/console.h"
#include "libk/ktest.h"
#include "libk/printf.h"
#include "libk/spinlock.h"
#include "libk/string.h"

/* Whether s contains sub. */
static bool spin_test_has(const char *s, const char *sub)
{
	size_t n = strlen(sub);

	for (; *s; s++)
		if (strncmp(s, sub, n) == 0)
			return true;
	return false;
}

KTEST(spinlock, take_and_release)
{
	spinlock_t l = SPINLOCK_INIT("test_a", 10);
	unsigned before = spin_reports();
	uint64_t f;

	KEXPECT(t, !spin_is_locked(&l));
	f = spin_lock_irqsave(&l);
	KEXPECT(t, spin_is_locked(&l));
	KEXPECT(t, spin_held_by_me(&l));
	spin_unlock_irqrestore(&l, f);
	KEXPECT(t, !spin_is_locked(&l));
	KEXPECT(t, !spin_held_by_me(&l));
	/* Again: a released lock can be taken (no deadlock, no report). */
	f = spin_lock_irqsave(&l);
	KEXPECT(t, spin_held_by_me(&l));
	spin_unlock_irqrestore(&l, f);
	KEXPECT_EQ(t, spin_reports(), before);
}

KTEST(spinlock, irq_state_restored)
{
	spinlock_t a = SPINLOCK_INIT("test_a", 10);
	spinlock_t b = SPINLOCK_INIT("test_b", 11);
	bool on = spin_irq_enabled();
	uint64_t fa, fb;

#ifdef LIBK_HOST
	spin_host_irq_set(true);
	on = true;
#endif
	fa = spin_lock_irqsave(&a);
	KEXPECT(t, !spin_irq_enabled());
	fb = spin_lock_irqsave(&b);
	spin_unlock_irqrestore(&b, fb);
	/* The inner pair found them off and leaves them off. */
	KEXPECT(t, !spin_irq_enabled());
	spin_unlock_irqrestore(&a, fa);
	KEXPECT_EQ(t, spin_irq_enabled(), on);
}

KTEST(spinlock, nested_in_order_is_quiet)
{
	spinlock_t a = SPINLOCK_INIT("test_a", 10);
	spinlock_t b = SPINLOCK_INIT("test_b", 11);
	spinlock_t c = SPINLOCK_INIT("test_c", 12);
	unsigned before = spin_reports();
	uint64_t f = spin_lock_irqsave(&a);

	spin_lock(&b);
	spin_lock(&c);
	KEXPECT(t, spin_held_by_me(&c));
	spin_unlock(&c);
	spin_unlock(&b);
	spin_unlock_irqrestore(&a, f);
	KEXPECT_EQ(t, spin_reports(), before);
	KEXPECT(t, !spin_is_locked(&a) && !spin_is_locked(&b) &&
		   !spin_is_locked(&c));
}

KTEST(spinlock, out_of_order_reported_once)
{
	spinlock_t lo = SPINLOCK_INIT("test_low", 10);
	spinlock_t hi = SPINLOCK_INIT("test_high", 20);
	unsigned before = spin_reports();
	uint64_t f;

	for (int i = 0; i < 2; i++) {
		f = spin_lock_irqsave(&hi);
		spin_lock(&lo);		/* 10 after 20: out of order */
		KEXPECT(t, spin_held_by_me(&lo));
		spin_unlock(&lo);
		spin_unlock_irqrestore(&hi, f);
	}
	KEXPECT_EQ(t, spin_reports(), before + 1);
	KEXPECT(t, spin_test_has(spin_last_report(), "lockdep: CPU "));
	KEXPECT(t, spin_test_has(spin_last_report(), "test_low (rank 10)"));
	KEXPECT(t, spin_test_has(spin_last_report(), "test_high (rank 20)"));
	KEXPECT(t, !spin_is_locked(&lo) && !spin_is_locked(&hi));
}

KTEST(spinlock, same_rank_is_out_of_order)
{
	spinlock_t a = SPINLOCK_INIT("test_sib_a", 10);
	spinlock_t b = SPINLOCK_INIT("test_sib_b", 10);
	unsigned before = spin_reports();
	uint64_t f = spin_lock_irqsave(&a);

	spin_lock(&b);
	spin_unlock(&b);
	spin_unlock_irqrestore(&a, f);
	KEXPECT_EQ(t, spin_reports(), before + 1);
	KEXPECT(t, spin_test_has(spin_last_report(), "test_sib_b"));
}

KTEST(spinlock, recursive_take_reported)
{
	spinlock_t l = SPINLOCK_INIT("test_rec", 10);
	unsigned before = spin_reports();
	uint64_t f = spin_lock_irqsave(&l);
	uint64_t g = spin_lock_irqsave(&l);	/* would deadlock */

	KEXPECT_EQ(t, spin_reports(), before + 1);
	KEXPECT(t, spin_test_has(spin_last_report(), "test_rec"));
	KEXPECT(t, spin_test_has(spin_last_report(), "again"));
	/* Counted as nested: the inner release keeps it taken. */
	spin_unlock_irqrestore(&l, g);
	KEXPECT(t, spin_held_by_me(&l));
	spin_unlock_irqrestore(&l, f);
	KEXPECT(t, !spin_is_locked(&l));
	KEXPECT_EQ(t, spin_reports(), before + 1);
}

KTEST(spinlock, release_not_held_reported)
{
	spinlock_t l = SPINLOCK_INIT("test_free", 10);
	unsigned before = spin_reports();

	spin_unlock(&l);
	KEXPECT_EQ(t, spin_reports(), before + 1);
	KEXPECT(t, spin_test_has(spin_last_report(), "test_free"));
	KEXPECT(t, !spin_is_locked(&l));
}

static struct {
	int calls;
	bool held;
	bool irq_on;
} spin_test_sink_seen;

static void spin_test_sink(const char *s, size_t len)
{
	(void)s;
	(void)len;
	spin_test_sink_seen.calls++;
	spin_test_sink_seen.held = console_lock_held();
	spin_test_sink_seen.irq_on = spin_irq_enabled();
}

KTEST(spinlock, console_lock_held_across_a_line)
{
	console_sink_fn old = console_set_sink(spin_test_sink);

	spin_test_sink_seen.calls = 0;
	kprintf("spinlock test line %d\n", 1);
	console_set_sink(old);
	KEXPECT_EQ(t, spin_test_sink_seen.calls, 1);
	KEXPECT(t, spin_test_sink_seen.held);
	KEXPECT(t, !spin_test_sink_seen.irq_on);
	KEXPECT(t, !console_lock_held());
}

static int spin_test_nested_calls;

/* A sink that prints from inside itself, as a fault or lock report made
 * while the console lock is held would. */
static void spin_test_nesting_sink(const char *s, size_t len)
{
	(void)s;
	(void)len;
	if (spin_test_nested_calls++ == 0)
		kprintf("inner line\n");
}

KTEST(spinlock, console_holder_prints_without_waiting)
{
	unsigned before = spin_reports();
	console_sink_fn old = console_set_sink(spin_test_nesting_sink);

	spin_test_nested_calls = 0;
	kprintf("outer line\n");
	console_set_sink(old);
	/* The inner line got out, with no recursive take of the lock. */
	KEXPECT_EQ(t, spin_test_nested_calls, 2);
	KEXPECT_EQ(t, spin_reports(), before);
	KEXPECT(t, !console_lock_held());
}

static unsigned spin_test_cpu_one(void)
{
	return 1;
}

static struct {
	unsigned (*real_hook)(void);
	int calls;
	bool inner_held;
} spin_test_panic;

/* Called first as "CPU 1", holding the console lock: poses as CPU 0 that
 * panics and prints while CPU 1 still holds it, then as CPU 1 again. */
static void spin_test_panic_sink(const char *s, size_t len)
{
	(void)s;
	(void)len;
	if (spin_test_panic.calls++ != 0) {
		spin_test_panic.inner_held = console_lock_held();
		return;
	}
	spin_set_cpu_hook(spin_test_panic.real_hook);
	console_set_panic_mode(true);
	kprintf("panic line from CPU 0\n");	/* without the bypass: spins */
	console_set_panic_mode(false);
	spin_set_cpu_hook(spin_test_cpu_one);
}

KTEST(spinlock, panic_mode_prints_past_another_holder)
{
	/* Interrupts off while posing: nothing else runs as "CPU 1". */
	spinlock_t guard = SPINLOCK_INIT("test_guard", 0);
	uint64_t f = spin_lock_irqsave(&guard);
	console_sink_fn old = console_set_sink(spin_test_panic_sink);

	spin_test_panic.calls = 0;
	spin_test_panic.real_hook = spin_set_cpu_hook(spin_test_cpu_one);
	kprintf("line from CPU 1\n");
	spin_set_cpu_hook(spin_test_panic.real_hook);
	console_set_sink(old);
	spin_unlock_irqrestore(&guard, f);
	KEXPECT_EQ(t, spin_test_panic.calls, 2);
	KEXPECT(t, !spin_test_panic.inner_held);
	KEXPECT(t, !console_lock_held());
}

KTEST(spinlock, lockdep_off_checks_no_order)
{
	spinlock_t lo = SPINLOCK_INIT("test_off_low", 10);
	spinlock_t hi = SPINLOCK_INIT("test_off_high", 20);
	unsigned before = spin_reports();
	bool was = spin_lockdep_set(false);
	uint64_t f = spin_lock_irqsave(&hi);

	spin_lock(&lo);		/* out of order, but the check is off */
	spin_unlock(&lo);
	spin_unlock_irqrestore(&hi, f);
	spin_lockdep_set(was);
	KEXPECT(t, was);	/* on by default */
	KEXPECT_EQ(t, spin_reports(), before);
}

/* A lock taken inside a cross-CPU call function (the marker set, as
 * smp_call sets it around the function) is reported once, naming the
 * lock, the CPU and the caller; after the call, the same take is quiet.
 * The marker is per CPU and a call runs with interrupts off: a guard lock
 * taken first (outside the marker, in order) keeps this CPU's timer tick
 * and its run-queue lock out. The kernel's case through a real smp_call
 * is in suite smp. */
KTEST(spinlock, lock_inside_a_call_function_reported)
{
	spinlock_t guard = SPINLOCK_INIT("test_call_guard", 9);
	spinlock_t l = SPINLOCK_INIT("test_in_call", 10);
	spinlock_t m = SPINLOCK_INIT("test_after_call", 10);
	unsigned before = spin_reports(), depth;
	char want[32];
	uint64_t g, f;

	g = spin_lock_irqsave(&guard);
	snprintf(want, sizeof(want), "CPU %u ", spin_cpu());
	spin_call_enter();
	depth = spin_in_call();
	f = spin_lock_irqsave(&l);
	spin_unlock_irqrestore(&l, f);
	f = spin_lock_irqsave(&l);	/* the same lock again: said once */
	spin_unlock_irqrestore(&l, f);
	spin_call_exit();
	f = spin_lock_irqsave(&m);	/* outside the call: quiet */
	spin_unlock_irqrestore(&m, f);
	spin_unlock_irqrestore(&guard, g);
	KEXPECT_EQ(t, depth, 1);
	KEXPECT_EQ(t, spin_in_call(), 0);
	KEXPECT_EQ(t, spin_reports(), before + 1);
	KEXPECT(t, spin_test_has(spin_last_report(), "test_in_call"));
	KEXPECT(t, spin_test_has(spin_last_report(), "inside an smp_call function"));
	KEXPECT(t, spin_test_has(spin_last_report(), want));
	KEXPECT(t, spin_test_has(spin_last_report(), " at "));
}

/* The marker nests (a call function that waits serves its own slot);
 * an exit too many leaves it at 0. */
KTEST(spinlock, call_marker_nests)
{
	spinlock_t guard = SPINLOCK_INIT("test_nest_guard", 9);
	unsigned d[4];
	uint64_t f = spin_lock_irqsave(&guard);	/* interrupts off */

	spin_call_enter();
	spin_call_enter();
	d[0] = spin_in_call();
	spin_call_exit();
	d[1] = spin_in_call();
	spin_call_exit();
	d[2] = spin_in_call();
	spin_call_exit();
	d[3] = spin_in_call();
	spin_unlock_irqrestore(&guard, f);
	KEXPECT_EQ(t, d[0], 2);
	KEXPECT_EQ(t, d[1], 1);
	KEXPECT_EQ(t, d[2], 0);
	KEXPECT_EQ(t, d[3], 0);
}
