/* SPDX-License-Identifier: MIT */
/*
 * build/host/mbench/rusage: run one benchmark program, report its peak
 * memory and its fate (tests/bench/malloc_bench.sh).
 *
 *   rusage [--preload=LIB] [--timeout=S] --out=FILE -- PROGRAM [ARG...]
 *
 * Forks; the child gets LD_PRELOAD=LIB (or none at all without --preload:
 * the C library's own malloc), and its stdout and stderr are this
 * program's. After S seconds (default 600) the child is killed. Then one
 * line goes to FILE:
 *
 *   status=N wall_s=W user_s=U sys_s=Y maxrss_kb=M
 *
 * N: the child's exit status, 128 + the signal if a signal ended it, 124
 * after a time-out (as timeout(1)), 127 if it could not be started. M is
 * wait4's ru_maxrss, the child's peak resident set. Exit status: N.
 *
 * The preload is set in the child only, so this program itself always runs
 * on the C library's malloc.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static pid_t rusage_child;
static volatile sig_atomic_t rusage_timed_out;

static void rusage_alarm(int sig)
{
	(void)sig;
	rusage_timed_out = 1;
	kill(rusage_child, SIGKILL);
}

static void rusage_usage(void)
{
	fprintf(stderr, "usage: rusage [--preload=LIB] [--timeout=S] "
		"--out=FILE -- PROGRAM [ARG...]\n");
	exit(2);
}

static double rusage_tv(struct timeval tv)
{
	return (double)tv.tv_sec + (double)tv.tv_usec * 1e-6;
}

int main(int argc, char **argv)
{
	const char *preload = NULL, *out = NULL;
	unsigned timeout = 600;
	struct timespec t0, t1;
	struct rusage ru;
	struct sigaction sa;
	int i, st, status;
	FILE *f;

	for (i = 1; i < argc && strcmp(argv[i], "--"); i++) {
		if (!strncmp(argv[i], "--preload=", 10))
			preload = argv[i] + 10;
		else if (!strncmp(argv[i], "--out=", 6))
			out = argv[i] + 6;
		else if (!strncmp(argv[i], "--timeout=", 10))
			timeout = (unsigned)strtoul(argv[i] + 10, NULL, 10);
		else
			rusage_usage();
	}
	if (i + 1 >= argc || !out || !timeout)
		rusage_usage();
	i++;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	rusage_child = fork();
	if (rusage_child < 0) {
		perror("rusage: fork");
		return 2;
	}
	if (rusage_child == 0) {
		if (preload && *preload)
			setenv("LD_PRELOAD", preload, 1);
		else
			unsetenv("LD_PRELOAD");
		execvp(argv[i], argv + i);
		fprintf(stderr, "rusage: %s: %s\n", argv[i], strerror(errno));
		_exit(127);
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = rusage_alarm;
	sigaction(SIGALRM, &sa, NULL);
	alarm(timeout);
	while (wait4(rusage_child, &st, 0, &ru) < 0) {
		if (errno != EINTR) {
			perror("rusage: wait4");
			return 2;
		}
	}
	alarm(0);
	clock_gettime(CLOCK_MONOTONIC, &t1);

	if (rusage_timed_out)
		status = 124;
	else if (WIFSIGNALED(st))
		status = 128 + WTERMSIG(st);
	else
		status = WEXITSTATUS(st);
	f = fopen(out, "w");
	if (!f) {
		perror(out);
		return 2;
	}
	fprintf(f, "status=%d wall_s=%.3f user_s=%.3f sys_s=%.3f maxrss_kb=%ld\n",
		status, (double)(t1.tv_sec - t0.tv_sec) +
		(double)(t1.tv_nsec - t0.tv_nsec) * 1e-9,
		rusage_tv(ru.ru_utime), rusage_tv(ru.ru_stime), ru.ru_maxrss);
	fclose(f);
	return status;
}
