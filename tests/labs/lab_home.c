/* SPDX-License-Identifier: MIT */
/*
 * The host home of the lab graders (make lab1 .. make lab4): as
 * tests/host/ktest_host.c, but each case runs in a child process under a
 * time limit, so a student's crash or endless loop fails that case alone,
 * with a one-line reason, and the grading goes on to the next.
 *
 *   build/host/labs/labN-grade SUITE[,SUITE...]
 *
 * Contract with libk/ktest.c: call() returns 0 when the case ran to its
 * end (the child's exit status carries whether it failed or skipped), or
 * non-zero with `why` naming the signal (the runner fails the case). The
 * child prints its diagnostics itself (stdout is flushed before it exits,
 * so the parent's output never interleaves with it).
 *
 * Exit status: 0 when every case passed, 1 otherwise.
 */
#define _DEFAULT_SOURCE
#include "libk/ktest.h"
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* A case's time limit: every lab case takes well under a second; this
 * only has to tell an endless loop from a slow machine. */
#define LAB_CASE_SECONDS 20

enum { LAB_PASSED = 0, LAB_FAILED = 1, LAB_SKIPPED = 2 };

static void lab_print(const char *s, size_t len)
{
	fwrite(s, 1, len, stdout);
}

/* The child: run the case, report how it went in the exit status. */
static void lab_child(const struct ktest_case *tc, struct ktest *t)
{
	alarm(LAB_CASE_SECONDS);
	tc->fn(t);
	fflush(stdout);
	_exit(t->failed ? LAB_FAILED : t->skipped ? LAB_SKIPPED : LAB_PASSED);
}

static int lab_call(const struct ktest_case *tc, struct ktest *t, char *why,
		    size_t why_len)
{
	int status;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		snprintf(why, why_len, "cannot fork to run the case");
		return 1;
	}
	if (pid == 0)
		lab_child(tc, t);
	if (waitpid(pid, &status, 0) != pid) {
		snprintf(why, why_len, "lost the case's process");
		return 1;
	}
	if (WIFSIGNALED(status)) {
		int sig = WTERMSIG(status);

		snprintf(why, why_len, "LAB: %s",
			 sig == SIGALRM ? "did not finish in 20 s: an endless loop?" :
			 sig == SIGSEGV ? "crashed (SIGSEGV): your code used a bad "
					  "pointer (NULL, or past the end of a list "
					  "or a table?)" : strsignal(sig));
		return 1;
	}
	if (WEXITSTATUS(status) == LAB_FAILED)
		t->failed++;
	else if (WEXITSTATUS(status) == LAB_SKIPPED)
		t->skipped = 1;
	return 0;
}

static const struct ktest_home lab_home = {
	.print = lab_print,
	.call = lab_call,
};

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	return ktest_run(&lab_home, argc > 1 ? argv[1] : NULL) ? 1 : 0;
}
