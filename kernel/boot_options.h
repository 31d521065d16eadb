/* SPDX-License-Identifier: MIT */
/*
 * The boot options: every word the kernel reads from its command line
 * (kernel/cmdline.h), one line of help each, and the check that reports
 * the words it does not know or cannot read.
 *
 * boot_options[] lists them, ending with a NULL name. Each has a kind:
 *   FLAG    a bare word ("heap_debug"); a value is malformed
 *   VALUE   "name=value" with a non-empty value; a bare word is malformed
 *   NUMBER  a VALUE that is a number (decimal, or 0x hex)
 *   EITHER  bare or with a value ("ktest", "ktest=pmm,vmm")
 * and optionally the only values it takes ("qemu", "0|1").
 *
 * boot_options_check(c, report, arg) calls report(line, arg) once per
 * word of c that is unknown or malformed, and once if the command line
 * was cut (c->truncated); each line is whole, without a newline:
 *   unknown option heap_dbug; known: heap, heap_debug, ... (help boot)
 *   malformed option heap_debug=1: heap_debug takes no value
 *   malformed option crash: crash=WHAT needs a value
 *   malformed option smp_expect=two: smp_expect=N takes a number
 *   malformed option console_hint=vt: console_hint takes qemu
 * It returns how many lines it reported. Nothing is changed: the code
 * that reads an option still decides what a value means (heap=NAME is
 * kmalloc's, crash=WHAT is crash.c's) and reports a value it does not
 * know itself.
 *
 * Adding an option: read it with cmdline_has/cmdline_get where it is
 * used, and add its line here (boot_options.c) and to README's table
 * ("Boot options"); the shell's `help boot` prints this table.
 */
#ifndef KERNEL_BOOT_OPTIONS_H
#define KERNEL_BOOT_OPTIONS_H

#include "kernel/cmdline.h"

enum boot_option_kind {
	BOOT_OPTION_FLAG,
	BOOT_OPTION_VALUE,
	BOOT_OPTION_NUMBER,
	BOOT_OPTION_EITHER,
};

struct boot_option {
	const char *name;
	enum boot_option_kind kind;
	const char *usage;	/* "heap=NAME" */
	const char *values;	/* "a|b": the only values taken; NULL: any */
	const char *help;	/* one line */
};

extern const struct boot_option boot_options[];

int boot_options_check(const struct cmdline *c,
		       void (*report)(const char *line, void *arg), void *arg);

#endif
