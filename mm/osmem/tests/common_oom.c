/* SPDX-License-Identifier: MIT */
/*
 * osmem_common: out of memory, on every allocator. A scripted sequence of
 * calls is run once to count its backend calls, then once per call number
 * N with call N made to fail (and once with every call from N on failing):
 * each request either succeeds or returns NULL, live blocks keep their
 * bytes, check() passes, and once the backend works again so does the
 * allocator. Then a seeded random mix, contents checked throughout.
 */
#include "mm/osmem/tests/osmem_tests.h"
#include "libk/string.h"
#include <stdint.h>

#define OOM_SLOTS 12

struct oom_slot {
	char *p;
	size_t n;
	unsigned seed;
};

/* Step i of the script: what to do with which slot. */
static void oom_step(struct ktest *t, const struct osmem_allocator *a,
		     struct osmem_heap *h, struct oom_slot *s, int i)
{
	static const size_t sizes[] = { 100, 200000, 4080, 24, 131072, 1000, 8, 70000 };
	struct oom_slot *x = &s[i % OOM_SLOTS];
	size_t n = sizes[i % 8];
	char *q;

	switch (i % 4) {
	case 0:
	case 1:
		if (x->p)
			a->free(h, x->p);
		x->p = i % 4 ? a->calloc(h, 1, n) : a->malloc(h, n);
		x->n = x->p ? n : 0;
		if (x->p && i % 4 == 1 && !osmem_is_zero(x->p, n))
			KTEST_FAIL_(t, "calloc not zero at step %d", i);
		break;
	case 2:
		q = a->realloc(h, x->p, n);
		if (q) {
			size_t kept = x->n < n ? x->n : n;

			if (!osmem_verify(q, kept, x->seed))
				KTEST_FAIL_(t, "realloc lost bytes at step %d", i);
			x->p = q;
			x->n = n;
		}
		break;
	default:
		a->free(h, x->p);
		x->p = NULL;
		x->n = 0;
		break;
	}
	if (x->p) {
		x->seed = (unsigned)i + 1;
		osmem_fill(x->p, x->n, x->seed);
	}
}

/* Is the slot's pattern intact? Between steps only its ends are looked at
 * (whole checks of every block at every step cost minutes under QEMU);
 * after the last step, and for the block a step touched, all of it. */
static int oom_intact(const struct oom_slot *x, int whole)
{
	size_t edge = 64;

	if (whole || x->n <= 2 * edge)
		return osmem_verify(x->p, x->n, x->seed);
	return osmem_verify(x->p, edge, x->seed) &&
	       osmem_verify_at(x->p, x->n - edge, edge, x->seed);
}

/* Run the script, checking the live blocks after each step. */
static void oom_script(struct ktest *t, const struct osmem_allocator *a,
		       struct osmem_heap *h, int steps)
{
	struct oom_slot s[OOM_SLOTS];

	memset(s, 0, sizeof(s));
	for (int i = 0; i < steps; i++) {
		oom_step(t, a, h, s, i);
		for (int k = 0; k < OOM_SLOTS; k++)
			if (s[k].p && !oom_intact(&s[k], i == steps - 1))
				KTEST_FAIL_(t, "slot %d spoiled at step %d", k, i);
	}
	if (a->check(h) != 0)
		KTEST_FAIL_(t, "check failed after the script");
	/* The backend works again: so must the allocator. */
	osmem_tb_fail_none();
	for (int k = 0; k < OOM_SLOTS; k++) {
		a->free(h, s[k].p);
		s[k].p = a->malloc(h, 100 + 1000 * (size_t)k);
		if (!s[k].p)
			KTEST_FAIL_(t, "malloc after recovery failed (slot %d)", k);
	}
	for (int k = 0; k < OOM_SLOTS; k++)
		a->free(h, s[k].p);
}

#define OOM_STEPS 48

static void oom_sweep(struct ktest *t, int from)
{
	const struct osmem_allocator *a;

	OSMEM_FOR_EACH_ALLOCATOR(t, a) {
		unsigned total;

		OSMEM_START(t, a);
		oom_script(t, a, h, OOM_STEPS);
		total = osmem_tb_ncalls();
		KEXPECT_GT(t, total, 4);
		for (unsigned n = 1; n <= total; n++) {
			OSMEM_RESTART(t, a);
			if (from)
				osmem_tb_fail_from(n);
			else
				osmem_tb_fail_at(n);
			oom_script(t, a, h, OOM_STEPS);
			OSMEM_END(t, a);
			if (t->failed) {
				ktest_note(t, "failing call %u%s", n, from ? " and on" : "");
				break;
			}
		}
	}
}

KTEST(osmem_common, oom_fail_each_call_in_turn)
{
	oom_sweep(t, 0);
}

KTEST(osmem_common, oom_fail_every_call_from_n_on)
{
	oom_sweep(t, 1);
}

KTEST(osmem_common, oom_from_the_start_gives_null)
{
	const struct osmem_allocator *a;

	OSMEM_FOR_EACH_ALLOCATOR(t, a) {
		OSMEM_START(t, a);
		osmem_tb_fail_from(1);
		KEXPECT_NULL(t, a->malloc(h, 100));
		KEXPECT_NULL(t, a->malloc(h, 300000));
		KEXPECT_NULL(t, a->calloc(h, 1, 5000));
		KEXPECT_NULL(t, a->realloc(h, NULL, 100));
		KEXPECT_EQ(t, a->check(h), 0);
		osmem_tb_fail_none();
		KEXPECT_NOT_NULL(t, a->malloc(h, 100));
		KEXPECT_NOT_NULL(t, a->malloc(h, 300000));
		OSMEM_END(t, a);
	}
}

/* A seeded mix of every call, each block's bytes checked at every free. */
KTEST(osmem_common, random_mix_keeps_contents)
{
	const struct osmem_allocator *a;
	struct oom_slot s[64];

	OSMEM_FOR_EACH_ALLOCATOR(t, a) {
		uint32_t rnd = 12345;

		OSMEM_START(t, a);
		memset(s, 0, sizeof(s));
		for (unsigned i = 0; i < 6000; i++) {
			struct oom_slot *x = &s[osmem_rand(&rnd) % 64];
			uint32_t r = osmem_rand(&rnd);
			size_t n = r % 16 == 0 ? 100000 + r % 200000 : 1 + r % 2000;

			if (x->p && !osmem_verify(x->p, x->n, x->seed)) {
				KTEST_FAIL_(t, "block spoiled at op %u", i);
				break;
			}
			if (x->p && r % 3 == 0) {
				a->free(h, x->p);
				x->p = NULL;
				continue;
			}
			if (x->p) {
				char *q = a->realloc(h, x->p, n);

				KASSERT_NOT_NULL(t, q);
				if (!osmem_verify(q, x->n < n ? x->n : n, x->seed))
					KTEST_FAIL_(t, "realloc lost bytes at op %u", i);
				x->p = q;
			} else {
				x->p = r % 5 == 0 ? a->calloc(h, n, 1) : a->malloc(h, n);
				KASSERT_NOT_NULL(t, x->p);
			}
			x->n = n;
			x->seed = i;
			osmem_fill(x->p, n, i);
			if (i % 500 == 0)
				KEXPECT_EQ(t, a->check(h), 0);
		}
		for (int k = 0; k < 64; k++)
			a->free(h, s[k].p);
		OSMEM_END(t, a);
	}
}
