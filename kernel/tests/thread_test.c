/* SPDX-License-Identifier: MIT */
/*
 * Suite "threads": the timer tick, kernel threads and the scheduler, and
 * the kernel heap under preemption.
 *
 * Threads other than the test's own never touch the ktest state while the
 * test runs (they record results in their argument, the test checks them
 * after thread_join); the one exception is the guard-page case, whose
 * thread calls ktest_expect_fault while the test thread is blocked in
 * thread_join, so the two never use it at once.
 */
#include "libk/cpu.h"
#include "kernel/arch/x86_64/irq.h"
#include "kernel/ktest_kernel.h"
#include "kernel/sched/thread.h"
#include "kernel/sched/timer.h"
#include "kernel/arch/x86_64/trap.h"
#include "libk/ktest.h"
#include "libk/string.h"
#include "mm/kmalloc.h"
#include "mm/layout.h"
#include "mm/osmem/backend_kernel.h"
#include "mm/vmap.h"
#include "mm/vmm.h"
#include <stdbool.h>

/* The two views of the PIT's count the timer gives: its ticks and its
 * milliseconds. A test reads them through this, so a case can hand in a
 * scripted clock. */
struct thr_clock {
	uint64_t (*ticks)(void *c);
	uint64_t (*ms)(void *c);
	void *c;
};

/* Spin until the tick count passes `until`, at most about `limit`
 * iterations; returns the last count seen. */
static uint64_t thr_spin_until(const struct thr_clock *k, uint64_t until,
			       unsigned long limit)
{
	uint64_t now = k->ticks(k->c);

	for (unsigned long i = 0; i < limit && now < until; i++) {
		cpu_relax();
		now = k->ticks(k->c);
	}
	return now;
}

/*
 * Five ticks pass and the milliseconds follow. The reads are ordered so
 * that no tick between two of them can fail the check: ms0 before t0 and
 * ms1 after t1, on a count that never goes back, give ms0 <= t0's time
 * and ms1 >= t1's time, so ms1 - ms0 >= t1 - t0 >= 5 ticks whenever ticks
 * fall. (Read t0 first and a tick before ms0 made ms0 one tick late; when
 * no tick then fell between t1 and ms1, the check failed: issue 16.)
 * Returns the last tick count read.
 */
static uint64_t thr_check_advance(struct ktest *t, const struct thr_clock *k)
{
	uint64_t ms0 = k->ms(k->c), t0 = k->ticks(k->c), t1;

	t1 = thr_spin_until(k, t0 + 5, 2000000000UL);
	KEXPECT_GE(t, t1, t0 + 5);
	KEXPECT_GE(t, k->ms(k->c), ms0 + 5 * 1000 / TIMER_HZ);
	return t1;
}

static uint64_t thr_timer_ticks(void *c)
{
	(void)c;
	return timer_ticks();
}

static uint64_t thr_timer_ms(void *c)
{
	(void)c;
	return timer_ms();
}

KTEST(threads, timer_advances)
{
	const struct thr_clock k = { thr_timer_ticks, thr_timer_ms, NULL };
	uint64_t t1;

	KASSERT(t, irq_enabled());
	t1 = thr_check_advance(t, &k);
	/* irq_count is bumped before the handler counts the tick. */
	KEXPECT_GE(t, irq_count(IRQ_TIMER), t1);
}

/* A clock whose count moves only where the script says: script[i] ticks
 * fall just before read i (then every read after the script, one tick). */
struct thr_script {
	uint64_t now;
	unsigned reads;
	const unsigned *script;
	unsigned len;
};

static uint64_t thr_script_read(void *c)
{
	struct thr_script *s = c;

	s->now += s->reads < s->len ? s->script[s->reads] : 1;
	s->reads++;
	return s->now;
}

static uint64_t thr_script_ms(void *c)
{
	return thr_script_read(c) * 1000 / TIMER_HZ;
}

/* Ticks at the worst places: between the first two reads, none between
 * the last tick read and the last milliseconds read, and every mix of
 * those; the check holds whatever the timing. */
KTEST(threads, timer_check_holds_wherever_ticks_fall)
{
	static const unsigned scripts[][8] = {
		{ 0, 1, 1, 1, 1, 1, 0, 0 },	/* one between the first reads, none at the last */
		{ 0, 0, 5, 0, 0, 0, 0, 0 },	/* five at once, none after */
		{ 3, 2, 0, 0, 4, 1, 0, 0 },
		{ 0, 1, 0, 0, 9, 0, 0, 0 },
	};

	for (unsigned i = 0; i < sizeof(scripts) / sizeof(scripts[0]); i++) {
		struct thr_script s = { 100, 0, scripts[i], 8 };
		const struct thr_clock k = { thr_script_read, thr_script_ms, &s };
		int before = t->failed;

		thr_check_advance(t, &k);
		if (t->failed != before)
			ktest_note(t, "script %u fails the check", i);
	}
}

struct thr_baseline {
	struct osmem_stats heap;
	struct vmap_stats vmap;
	int threads;
};

static void thr_baseline(struct thr_baseline *b)
{
	kmalloc_allocator()->stats(kmalloc_heap_instance(), &b->heap);
	vmap_stats(&b->vmap);
	b->threads = thread_count();
}

static void thr_expect_baseline(struct ktest *t, const struct thr_baseline *b)
{
	struct thr_baseline now;

	thr_baseline(&now);
	KEXPECT_EQ(t, now.heap.bytes_in_use, b->heap.bytes_in_use);
	KEXPECT_EQ(t, now.heap.blocks_in_use, b->heap.blocks_in_use);
	KEXPECT_EQ(t, now.heap.mapped_bytes, b->heap.mapped_bytes);
	KEXPECT_EQ(t, now.vmap.mappings, b->vmap.mappings);
	KEXPECT_EQ(t, now.vmap.pages, b->vmap.pages);
	KEXPECT_EQ(t, now.vmap.free_bytes, b->vmap.free_bytes);
	KEXPECT_EQ(t, now.threads, b->threads);
}

struct thr_simple {
	int ran;
	struct thread *self;
	int id;
};

static void thr_simple_main(void *arg)
{
	struct thr_simple *s = arg;

	s->self = thread_current();
	s->id = thread_id(thread_current());
	s->ran = 1;
}

KTEST(threads, create_join_frees_everything)
{
	struct thr_baseline b;
	struct thr_simple s = { 0 };
	struct thread *th;

	thr_baseline(&b);
	th = thread_create("simple", thr_simple_main, &s);
	KASSERT_NOT_NULL(t, th);
	KEXPECT_EQ(t, thread_count(), b.threads + 1);
	KEXPECT_STREQ(t, thread_name(th), "simple");
	KEXPECT_EQ(t, thread_join(th), 0);
	KEXPECT_EQ(t, s.ran, 1);
	KEXPECT_PTR_EQ(t, s.self, th);
	KEXPECT_GT(t, s.id, 0);
	thr_expect_baseline(t, &b);
	/* refused: joined already, NULL, oneself */
	KEXPECT_EQ(t, thread_join(th), -1);
	KEXPECT_EQ(t, thread_join(NULL), -1);
	KEXPECT_EQ(t, thread_join(thread_current()), -1);
}

KTEST(threads, many_create_join_cycles_return_to_baseline)
{
	struct thr_baseline b;
	struct thr_simple s[8];
	struct thread *th[8];
	int ran = 0;

	thr_baseline(&b);
	for (int round = 0; round < 10; round++) {
		memset(s, 0, sizeof(s));
		for (int i = 0; i < 8; i++)
			th[i] = thread_create("cycle", thr_simple_main, &s[i]);
		for (int i = 0; i < 8; i++)
			if (th[i] && thread_join(th[i]) == 0)
				ran += s[i].ran;
	}
	KEXPECT_EQ(t, ran, 80);
	thr_expect_baseline(t, &b);
}

static void thr_sleeper_main(void *arg)
{
	uint64_t *ticks = arg, t0 = timer_ticks();

	thread_sleep_ms(30);
	*ticks = timer_ticks() - t0;
}

KTEST(threads, sleep_lasts_at_least_the_time_asked)
{
	uint64_t t0 = timer_ticks(), slept = 0;
	struct thread *th;

	thread_sleep_ms(50);
	KEXPECT_GE(t, timer_ticks() - t0, 50 * TIMER_HZ / 1000);
	/* and from another thread, while this one waits in join */
	th = thread_create("sleeper", thr_sleeper_main, &slept);
	KASSERT_NOT_NULL(t, th);
	KEXPECT_EQ(t, thread_join(th), 0);
	KEXPECT_GE(t, slept, 30 * TIMER_HZ / 1000);
}

struct thr_busy {
	volatile unsigned long count;
	volatile int *stop;
	int id;
};

/* Never yields, sleeps or blocks: only the timer can take the CPU away. */
static void thr_busy_main(void *arg)
{
	struct thr_busy *b = arg;

	b->id = thread_id(thread_current());
	while (!*b->stop)
		b->count++;
}

struct thr_ticks {
	int id;
	uint64_t ticks;
};

static void thr_find_ticks(const struct thread_info *ti, void *arg)
{
	struct thr_ticks *want = arg;

	if (ti->id == want->id)
		want->ticks = ti->ticks;
}

struct thr_rr {
	struct thr_ticks *ka, *kb;
	const struct thr_busy *a, *b;
	unsigned long a_min, b_min;
};

/* Each charged 3 slices at least and each past its count of a_min/b_min:
 * with two busy threads sharing one CPU, only preemption gets there. */
static bool thr_rr_done(struct thr_rr *w)
{
	w->ka->ticks = w->kb->ticks = 0;
	thread_for_each(thr_find_ticks, w->ka);
	thread_for_each(thr_find_ticks, w->kb);
	return w->ka->ticks >= 3 * THREAD_SLICE_TICKS &&
	       w->kb->ticks >= 3 * THREAD_SLICE_TICKS &&
	       w->a->count > w->a_min && w->b->count > w->b_min;
}

/* Sleep-poll until thr_rr_done, at most about 10 s (never a time
 * asserted: a scheduler that does not preempt fails by not getting
 * there). */
static bool thr_rr_wait(struct thr_rr *w)
{
	uint64_t end = timer_ms() + 10000;

	while (!thr_rr_done(w)) {
		if (timer_ms() > end)
			return false;
		thread_sleep_ms(5);
	}
	return true;
}

KTEST(threads, round_robin_preempts_busy_threads)
{
	volatile int stop = 0;
	struct thr_busy a = { 0, &stop, 0 }, b = { 0, &stop, 0 };
	struct thread *ta, *tb;
	struct thr_ticks ka, kb;
	struct thr_rr w = { &ka, &kb, &a, &b, 0, 0 };
	unsigned long a_mid, b_mid;
	uint64_t sw0 = thread_switches();
	bool first, second;

	/* Both on CPU 0 (with several CPUs, each would get one to itself
	 * and nothing would need preempting); main sleeps meanwhile. */
	ta = thread_create_on(0, "busy-a", thr_busy_main, &a);
	tb = thread_create_on(0, "busy-b", thr_busy_main, &b);
	KASSERT_NOT_NULL(t, ta);
	if (!tb) {
		stop = 1;
		thread_join(ta);
		KASSERT_NOT_NULL(t, tb);
	}
	thread_sleep_ms(1);
	ka.id = a.id;
	kb.id = b.id;
	first = thr_rr_wait(&w);
	a_mid = a.count;
	b_mid = b.count;
	w.a_min = a_mid;
	w.b_min = b_mid;
	/* and again, from where they were: both go on being switched */
	second = thr_rr_wait(&w);
	stop = 1;
	KEXPECT_EQ(t, thread_join(ta), 0);
	KEXPECT_EQ(t, thread_join(tb), 0);
	KEXPECT(t, first);
	KEXPECT(t, second);
	/* both ran in each half, though neither ever gave the CPU up */
	KEXPECT_GT(t, a_mid, 0);
	KEXPECT_GT(t, b_mid, 0);
	KEXPECT_GT(t, a.count, a_mid);
	KEXPECT_GT(t, b.count, b_mid);
	KEXPECT_GE(t, ka.ticks, 3 * THREAD_SLICE_TICKS);
	KEXPECT_GE(t, kb.ticks, 3 * THREAD_SLICE_TICKS);
	KEXPECT_GE(t, thread_switches() - sw0, 6);
	ktest_note(t, "busy-a %lu, busy-b %lu loops; %lu and %lu ticks",
		   a.count, b.count, (unsigned long)ka.ticks,
		   (unsigned long)kb.ticks);
}

struct thr_guard {
	struct ktest *t;
	int faulted;		/* ktest_expect_fault's verdict: 0 = #PF seen */
	uint64_t cr2;
	int id;
};

static int __attribute__((noinline)) thr_recurse(int depth)
{
	volatile char pad[256];

	pad[0] = (char)depth;
	if (depth > 1000000)	/* never: 16 KiB of stack end far sooner */
		return pad[0];
	return thr_recurse(depth + 1) + pad[0];
}

static void thr_overflow(void *arg)
{
	(void)arg;
	thr_recurse(0);
}

static void thr_guard_main(void *arg)
{
	struct thr_guard *g = arg;

	g->id = thread_id(thread_current());
	g->faulted = ktest_expect_fault(g->t, TRAP_PF, KTEST_ANY_ADDR,
					thr_overflow, NULL);
	g->cr2 = read_cr2();
}

struct thr_stack {
	int id;
	uintptr_t lo, hi;
};

static void thr_find_stack(const struct thread_info *ti, void *arg)
{
	struct thr_stack *s = arg;

	if (ti->id == s->id) {
		s->lo = ti->stack_lo;
		s->hi = ti->stack_hi;
	}
}

KTEST(threads, stack_overflow_hits_the_guard_below)
{
	struct thr_guard g = { t, -1, 0, -1 };
	struct thr_stack st = { 0, 0, 0 };
	struct thread *th = thread_create("overflow", thr_guard_main, &g);

	KASSERT_NOT_NULL(t, th);
	/* the layout, while the thread is not yet joined */
	thread_sleep_ms(20);
	st.id = g.id;
	thread_for_each(thr_find_stack, &st);
	KEXPECT_EQ(t, thread_join(th), 0);
	KEXPECT_EQ(t, g.faulted, 0);
	KASSERT_NE(t, st.lo, 0);
	KEXPECT_EQ(t, st.hi - st.lo, THREAD_STACK_BYTES);
	/* the fault was in the page right below the stack */
	KEXPECT_GE(t, g.cr2, st.lo - PAGE_SIZE);
	KEXPECT_LT(t, g.cr2, st.lo);
}

KTEST(threads, stack_layout_guard_pages)
{
	struct thr_stack st = { 0, 0, 0 };
	volatile int stop = 0;
	struct thr_busy b = { 0, &stop, -1 };
	struct thread *th = thread_create("layout", thr_busy_main, &b);

	KASSERT_NOT_NULL(t, th);
	thread_sleep_ms(20);
	st.id = b.id;
	thread_for_each(thr_find_stack, &st);
	stop = 1;
	if (st.lo) {
		KEXPECT_EQ(t, vmm_translate(st.lo - PAGE_SIZE), VMM_NOT_MAPPED);
		KEXPECT_NE(t, vmm_translate(st.lo), VMM_NOT_MAPPED);
		KEXPECT_NE(t, vmm_translate(st.hi - PAGE_SIZE), VMM_NOT_MAPPED);
		KEXPECT_EQ(t, vmm_translate(st.hi), VMM_NOT_MAPPED);
	}
	KEXPECT_EQ(t, thread_join(th), 0);
	KEXPECT_NE(t, st.lo, 0);
}

/* ---- several threads allocating and freeing at once ---- */

#define THR_WORKERS	4
#define THR_OPS		20000
#define THR_SLOTS	48

struct thr_slot {
	unsigned char *p;
	size_t size;
	unsigned char seed;
};

struct thr_worker {
	int index;
	uint64_t rng;
	unsigned long errors;
	unsigned long ops, allocs, frees, reallocs, ooms;
	unsigned long interleaved;	/* ops after which another thread had run */
	struct thr_slot slots[THR_SLOTS];
};

static volatile int thr_last_worker = -1;

static uint64_t thr_rand(struct thr_worker *w)
{
	w->rng ^= w->rng << 13;
	w->rng ^= w->rng >> 7;
	w->rng ^= w->rng << 17;
	return w->rng;
}

/* Mostly small sizes, now and then one big enough to be page-mapped. */
static size_t thr_size(struct thr_worker *w)
{
	uint64_t r = thr_rand(w);

	if (r % 64 == 0)
		return 128 * 1024 + r % 65536;
	if (r % 8 == 0)
		return 1 + r % 8192;
	return 1 + r % 512;
}

static void thr_fill(struct thr_slot *s, size_t from)
{
	for (size_t i = from; i < s->size; i++)
		s->p[i] = (unsigned char)(s->seed + i * 7);
}

static unsigned long thr_bad_bytes(const struct thr_slot *s, size_t n)
{
	unsigned long bad = 0;

	for (size_t i = 0; i < n; i++)
		if (s->p[i] != (unsigned char)(s->seed + i * 7))
			bad++;
	return bad;
}

static void thr_worker_op(struct thr_worker *w, struct thr_slot *s)
{
	uint64_t r = thr_rand(w);

	if (!s->p) {
		s->size = thr_size(w);
		s->seed = (unsigned char)(r >> 8) ^ (unsigned char)w->index;
		s->p = (r & 1) ? kmalloc(s->size) : kzalloc(s->size);
		if (!s->p) {
			w->ooms++;
			return;
		}
		w->allocs++;
		thr_fill(s, 0);
	} else if (r % 3 == 0) {
		size_t n = thr_size(w), keep = n < s->size ? n : s->size;
		unsigned char *q;

		w->errors += thr_bad_bytes(s, s->size) ? 1 : 0;
		q = krealloc(s->p, n);
		if (!q) {
			w->ooms++;
			return;
		}
		s->p = q;
		w->reallocs++;
		w->errors += thr_bad_bytes(s, keep) ? 1 : 0;
		s->size = n;
		thr_fill(s, keep);
	} else {
		w->errors += thr_bad_bytes(s, s->size) ? 1 : 0;
		kfree(s->p);
		s->p = NULL;
		w->frees++;
	}
}

static void thr_worker_main(void *arg)
{
	struct thr_worker *w = arg;

	for (unsigned long i = 0; i < THR_OPS; i++) {
		thr_worker_op(w, &w->slots[thr_rand(w) % THR_SLOTS]);
		if (thr_last_worker != w->index) {
			w->interleaved++;
			thr_last_worker = w->index;
		}
		w->ops++;
	}
	for (int i = 0; i < THR_SLOTS; i++) {
		struct thr_slot *s = &w->slots[i];

		if (s->p) {
			w->errors += thr_bad_bytes(s, s->size) ? 1 : 0;
			kfree(s->p);
			s->p = NULL;
		}
	}
}

KTEST(threads, concurrent_kmalloc_contents_and_heap_checked)
{
	struct thr_baseline b;
	struct thr_worker *w = kzalloc(THR_WORKERS * sizeof(*w));
	struct thread *th[THR_WORKERS];
	unsigned long errors = 0, interleaved = 0, ops = 0, ooms = 0;
	uint64_t sw0 = thread_switches(), t0 = timer_ticks();

	KASSERT_NOT_NULL(t, w);
	thr_baseline(&b);
	for (int i = 0; i < THR_WORKERS; i++) {
		w[i].index = i;
		w[i].rng = 0x9e3779b97f4a7c15ULL * (uint64_t)(i + 1);
		th[i] = thread_create("kmalloc-worker", thr_worker_main, &w[i]);
	}
	for (int i = 0; i < THR_WORKERS; i++) {
		KEXPECT_NOT_NULL(t, th[i]);
		if (th[i])
			KEXPECT_EQ(t, thread_join(th[i]), 0);
		errors += w[i].errors;
		interleaved += w[i].interleaved;
		ops += w[i].ops;
		ooms += w[i].ooms;
	}
	KEXPECT_EQ(t, errors, 0);
	KEXPECT_EQ(t, ooms, 0);
	KEXPECT_EQ(t, ops, (unsigned long)THR_WORKERS * THR_OPS);
	/* preemption really mixed the workers' operations */
	KEXPECT_GT(t, interleaved, (unsigned long)THR_WORKERS);
	KEXPECT_EQ(t, kmalloc_allocator()->check(kmalloc_heap_instance()), 0);
	thr_expect_baseline(t, &b);
	ktest_note(t, "%lu ops in %lu ticks, %lu switches, %lu interleavings",
		   ops, (unsigned long)(timer_ticks() - t0),
		   (unsigned long)(thread_switches() - sw0), interleaved);
	kfree(w);
}

/* ---- the kmalloc front's caller record is per thread ---- */

#define THR_MISUSES 40

struct thr_misuse {
	int reports_ok;
	unsigned reports_seen;
	char bad_line[160];
};

static char thr_not_heap[64];

static int thr_contains(const char *s, const char *w)
{
	size_t n = strlen(w);

	for (; *s; s++)
		if (strncmp(s, w, n) == 0)
			return 1;
	return 0;
}

/* kfree of memory kmalloc never gave, again and again, while the workers
 * allocate: every report must name this function as kfree's caller. */
static void thr_misuse_main(void *arg)
{
	struct thr_misuse *m = arg;

	for (int i = 0; i < THR_MISUSES; i++) {
		unsigned before = osmem_kernel_reports();
		const char *line;

		kfree(thr_not_heap + 16);
		line = osmem_kernel_last_report();
		m->reports_seen += osmem_kernel_reports() - before;
		if (thr_contains(line, "in kfree called from thr_misuse_main+"))
			m->reports_ok++;
		else if (!m->bad_line[0])
			memcpy(m->bad_line, line, sizeof(m->bad_line) - 1);
		thread_sleep_ms(i % 3);	/* land at varied points of their work */
	}
}

KTEST(threads, misuse_reports_name_the_calling_thread)
{
	struct thr_worker *w = kzalloc(2 * sizeof(*w));
	struct thr_misuse m = { 0, 0, "" };
	struct thread *th[2], *tm;

	KASSERT_NOT_NULL(t, w);
	/* All three on one CPU, so they preempt each other: the caller
	 * record is per CPU, and per thread is what the scheduler keeps on
	 * each switch, which is what this case checks. */
	for (int i = 0; i < 2; i++) {
		w[i].index = i;
		w[i].rng = 0x2545f4914f6cdd1dULL * (uint64_t)(i + 3);
		th[i] = thread_create_on(0, "kmalloc-worker", thr_worker_main,
					 &w[i]);
	}
	tm = thread_create_on(0, "misuser", thr_misuse_main, &m);
	KEXPECT_NOT_NULL(t, tm);
	if (tm)
		KEXPECT_EQ(t, thread_join(tm), 0);
	for (int i = 0; i < 2; i++) {
		KEXPECT_NOT_NULL(t, th[i]);
		if (th[i])
			KEXPECT_EQ(t, thread_join(th[i]), 0);
		KEXPECT_EQ(t, w[i].errors, 0);
	}
	/* only the misuser misbehaved: exactly its reports, each naming it */
	KEXPECT_EQ(t, m.reports_seen, THR_MISUSES);
	KEXPECT_EQ(t, m.reports_ok, THR_MISUSES);
	if (m.bad_line[0])
		ktest_note(t, "a report named someone else: %s", m.bad_line);
	KEXPECT_EQ(t, kmalloc_allocator()->check(kmalloc_heap_instance()), 0);
	kfree(w);
}
