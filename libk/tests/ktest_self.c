/* The framework checks itself: expectations that hold do not fail a test. */
#include "libk/ktest.h"

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
