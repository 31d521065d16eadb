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
