/* SPDX-License-Identifier: MIT */
/*
 * The host home of the ktest framework: a program that runs the shared test
 * cases (libk/tests, mm/osmem/tests) and the host-only ones (tests/host) and
 * prints KTAP on stdout.
 *
 *   build/host/ktest-host [SUITE[,SUITE...] | all | list]
 *
 * list prints every suite of both homes, one line each (libk/ktest.h).
 * Exit status: 0 when every case passed, 1 otherwise (a suite name that
 * no home knows too: the run bails out, listing the suites).
 */
#include "libk/ktest.h"
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static void host_print(const char *s, size_t len)
{
	fwrite(s, 1, len, stdout);
}

/* The host has no fault recovery: a faulting case ends the program, and the
 * KTAP report then lacks results, which the report tool flags. */
static int host_call(const struct ktest_case *tc, struct ktest *t, char *why,
		     size_t why_len)
{
	(void)why;
	(void)why_len;
	tc->fn(t);
	fflush(stdout);
	return 0;
}

static const struct ktest_home host_home = {
	.print = host_print,
	.call = host_call,
	.where = KTEST_HOME_HOST,
};

int main(int argc, char **argv)
{
	int failed;

	/* Line-buffered: if a sanitizer or a crash kills the program mid-test,
	 * the KTAP up to that test is already out, naming where it died. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	failed = ktest_run(&host_home, argc > 1 ? argv[1] : NULL);

	fflush(stdout);
	return failed != 0 ? 1 : 0;
}
