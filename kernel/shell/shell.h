/* SPDX-License-Identifier: MIT */
/*
 * The kernel shell on COM1: `make run` lands in it when the command line
 * asks for no self-test.
 *
 * shell_run() never returns: it reads a line (kernel/console/lineedit.h, prompt
 * SHELL_PROMPT; Tab completes command names; a line longer than the
 * editor's buffer is refused with one line, never cut and run), remembers
 * it in the history (in the shell's own arena, kernel/shell/shell_mem.h),
 * splits it at spaces into at most SHELL_MAX_ARGS words and runs the
 * command named by the first. Each
 * command runs under a fault catch (kernel/arch/x86_64/trap.h): a CPU exception inside
 * one is reported as one line and the shell goes on.
 *
 * Boot options: shell_test (for the scripted session, tests/shell/) turns
 * the ANSI colours of heapmap off, so the output is plain text to match.
 *
 * The commands: a table of struct shell_cmd ending with a NULL name, in
 * kernel/shell/shell_cmds.c (those over the file system, threads and object
 * caches in kernel/shell/shell_sys.c). A command gets argv[0] (its name) to
 * argv[argc-1] and returns 0, or -1 after printing its one-line error.
 */
#ifndef KERNEL_SHELL_H
#define KERNEL_SHELL_H

#include <stdbool.h>

#define SHELL_PROMPT	"osmem> "
#define SHELL_MAX_ARGS	8

struct shell_cmd {
	const char *name;
	const char *usage;	/* "alloc SIZE" */
	const char *help;	/* one line */
	int (*fn)(int argc, char **argv);
};

extern const struct shell_cmd shell_cmds[];

void shell_run(void) __attribute__((noreturn));

/* ANSI colours wanted (off with the boot option shell_test). */
bool shell_colour(void);

/*
 * Parse a number argument: decimal or 0x hex, with an optional K, M or G
 * suffix (KiB, MiB, GiB; either case). On success *out is set and 0 returned; otherwise
 * (empty, not a number, trailing junk, overflow, above max) one line
 * "CMD: ..." is printed and -1 returned. what names the argument.
 */
int shell_number(const char *cmd, const char *what, const char *s,
		 unsigned long max, unsigned long *out);

/* Print "CMD: usage: USAGE" and return -1: a wrong argument count. */
int shell_usage(const char *cmd);

#endif
