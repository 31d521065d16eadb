/* SPDX-License-Identifier: MIT */
/* The framework checks itself: expectations that hold do not fail a test. */
#include "libk/ktest.h"
#include "libk/string.h"

KTEST(ktest, expectations_that_hold_pass)
{
	int x = 3;

	KEXPECT(t, x == 3);
	KEXPECT_EQ(t, x, 3);
	KEXPECT_NE(t, x, 4);
	KEXPECT_LT(t, x, 4);
	KEXPECT_STREQ(t, "abc", "abc");
	KEXPECT_NULL(t, NULL);
	KEXPECT_NOT_NULL(t, &x);
	KEXPECT_EQ(t, t->failed, 0);
}

KTEST(ktest, failed_expectation_is_counted)
{
	struct ktest inner = { .tc = t->tc };

	/* A failing expectation against a scratch state: its diagnostic line
	 * is printed, and the count must go up by one. */
	KEXPECT(&inner, 1 == 2);
	KEXPECT_EQ(t, inner.failed, 1);
	KEXPECT_EQ(&inner, 1, 2);
	KEXPECT_EQ(t, inner.failed, 2);
	KEXPECT_STREQ(&inner, "a", "b");
	KEXPECT_EQ(t, inner.failed, 3);
}

KTEST(ktest, unknown_suite_names_are_found)
{
	size_t n = 0;
	const char *bad;

	KEXPECT_NULL(t, ktest_unknown_suite("all", &n));
	KEXPECT_NULL(t, ktest_unknown_suite("ktest", &n));
	bad = ktest_unknown_suite("ktest,nosuch,ktest", &n);
	KASSERT_NOT_NULL(t, bad);
	KEXPECT_EQ(t, n, 6);
	KEXPECT_EQ(t, strncmp(bad, "nosuch", n), 0);
	bad = ktest_unknown_suite("kt", &n);	/* a prefix is no suite */
	KEXPECT_NOT_NULL(t, bad);
}

extern const struct ktest_case __start_ktest_cases[];
extern const struct ktest_case __stop_ktest_cases[];
extern const struct ktest_suite __start_ktest_suites[];
extern const struct ktest_suite __stop_ktest_suites[];

/* libk/tests/suites.c lists every suite whose cases this home links, with
 * this home's bit: so `ktest list` and the unknown-name check know it. */
KTEST(ktest, every_suite_here_is_registered_for_this_home)
{
	unsigned where = ktest_where();

	KASSERT_NE(t, where, 0);
	for (const struct ktest_case *c = __start_ktest_cases; c < __stop_ktest_cases; c++) {
		const struct ktest_suite *s = ktest_suite_find(c->suite, strlen(c->suite));

		if (!s)
			KTEST_FAIL_(t, "suite %s has cases but no KTEST_SUITE line (libk/tests/suites.c)",
				    c->suite);
		else if (!(s->homes & where))
			KTEST_FAIL_(t, "suite %s has cases here, but its KTEST_SUITE line omits this home",
				    c->suite);
		if (t->failed)
			return;
	}
}

/* ...and no suite is registered for this home without a case here (a
 * filter naming it would run nothing), each with a description. */
KTEST(ktest, every_suite_registered_for_this_home_has_cases)
{
	unsigned where = ktest_where();

	KASSERT_NE(t, where, 0);
	for (const struct ktest_suite *s = __start_ktest_suites; s < __stop_ktest_suites; s++) {
		if (!s->what || !*s->what)
			KTEST_FAIL_(t, "suite %s says nothing of what it checks", s->name);
		if ((s->homes & where) && !ktest_suite_has_cases(s->name, strlen(s->name)))
			KTEST_FAIL_(t, "suite %s is registered for this home but has no case here",
				    s->name);
		if (ktest_suite_find(s->name, strlen(s->name)) != s)
			KTEST_FAIL_(t, "suite %s is registered twice", s->name);
	}
}

/* A name of the other home's suite is known here too (it is named, not
 * run); a name no home knows is not. */
KTEST(ktest, other_home_suites_are_known_names)
{
	size_t n = 0;

	KEXPECT_NULL(t, ktest_unknown_suite("pmm,libk_vs_libc", &n));
	KEXPECT_NOT_NULL(t, ktest_unknown_suite("pmm,bogus", &n));
	KEXPECT_EQ(t, n, 5);
}
