/* SPDX-License-Identifier: MIT */
/*
 * What the drop-in library's test programs share (tests/preload/cache.c,
 * tests/preload/arenas.c): a CHECK that prints the failing condition and
 * marks the run failed, a pointer the compiler cannot see through, tagged
 * contents, where the heap on the break lies, and running the case
 * argv[1] names. Header-only: each program is one file.
 */
#ifndef TESTS_PRELOAD_PROG_H
#define TESTS_PRELOAD_PROG_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int failed;

#define CHECK(cond, ...)                                                     \
	do {                                                                 \
		if (!(cond)) {                                               \
			printf("FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond); \
			printf(__VA_ARGS__);                                 \
			printf("\n");                                        \
			failed = 1;                                          \
		}                                                            \
	} while (0)

/* The compiler must not pair or drop our mallocs and frees. */
static inline void *hide(void *p)
{
	__asm__ volatile("" : "+r"(p));
	return p;
}

/* Byte i of a block tagged `tag`. */
static inline unsigned char pat(uint32_t tag, size_t i)
{
	return (unsigned char)(tag * 131u + i * 7u + 1u);
}

static inline void fill(unsigned char *p, size_t n, uint32_t tag)
{
	for (size_t i = 0; i < n; i++)
		p[i] = pat(tag, i);
}

static inline int intact(const unsigned char *p, size_t n, uint32_t tag)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != pat(tag, i))
			return 0;
	return 1;
}

/* p lies in the heap on the program's break (the library's arena 0). */
static inline int in_brk_heap(const void *p)
{
	extern char end;

	return (const char *)p >= &end && (const char *)p < (char *)sbrk(0);
}

/* n forks, `gap` microseconds apart, while the caller's threads run: each
 * child runs child() and exits with what it returns; returns how many
 * exited 0 (the others are CHECK failures, with their status). */
static inline int prog_forks(int n, unsigned gap, int (*child)(void))
{
	int ok = 0;

	for (int i = 0; i < n; i++) {
		int status;
		pid_t pid;

		usleep(gap);
		pid = fork();
		if (pid == 0)
			_exit(child());
		if (pid < 0 || waitpid(pid, &status, 0) != pid) {
			CHECK(0, "fork or wait failed");
			continue;
		}
		if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
			ok++;
		else
			CHECK(0, "child %d: status 0x%x", i, status);
	}
	return ok;
}

struct prog_case {
	const char *name;
	int (*fn)(void);        /* returns failed */
};

/* Run the case named by argv[1]: "ok" and 0 when it passed, 1 when it
 * failed, 2 (and the usage) for an unknown name. */
static inline int prog_run(int argc, char **argv, const struct prog_case *cases,
			   size_t n)
{
	for (size_t i = 0; argc > 1 && i < n; i++) {
		if (strcmp(argv[1], cases[i].name) == 0) {
			int rc = cases[i].fn();

			if (!rc)
				printf("ok\n");
			return rc ? 1 : 0;
		}
	}
	fprintf(stderr, "usage: %s CASE; cases:", argv[0]);
	for (size_t i = 0; i < n; i++)
		fprintf(stderr, " %s", cases[i].name);
	fprintf(stderr, "\n");
	return 2;
}

#endif
