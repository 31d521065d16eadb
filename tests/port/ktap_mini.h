/* SPDX-License-Identifier: MIT */
/*
 * The examples' whole runtime (docs/porting.md): a freestanding program on
 * x86-64 Linux has no libc, so it writes and exits through two system
 * calls, and prints KTAP (one "ok N name" per check) for tests/run-all.sh.
 * Not part of any port: a real kernel prints on its console instead.
 */
#ifndef TESTS_PORT_KTAP_MINI_H
#define TESTS_PORT_KTAP_MINI_H

#include <stddef.h>

static long mini_syscall3(long nr, long a, long b, long c)
{
	long ret;

	__asm__ volatile("syscall" : "=a"(ret) : "a"(nr), "D"(a), "S"(b), "d"(c)
			 : "rcx", "r11", "memory");
	return ret;
}

static void mini_puts(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	mini_syscall3(1 /* write */, 1, (long)s, (long)n);
}

__attribute__((noreturn)) static void mini_exit(int code)
{
	for (;;)
		mini_syscall3(60 /* exit */, code, 0, 0);
}

static void mini_putu(unsigned long v)
{
	char b[24];
	int i = 23;

	b[i] = 0;
	do
		b[--i] = (char)('0' + v % 10);
	while (v /= 10);
	mini_puts(b + i);
}

static int mini_n, mini_failed;

/* One KTAP line for one check. */
static void mini_check(int ok, const char *name)
{
	mini_n++;
	mini_failed += !ok;
	mini_puts(ok ? "ok " : "not ok ");
	mini_putu((unsigned long)mini_n);
	mini_puts(" ");
	mini_puts(name);
	mini_puts("\n");
}

/* The program's entry: the stack aligned as the ABI wants at a call. */
#define MINI_START(main_fn)                                                  \
	__asm__(".globl _start\n_start:\n\tandq $-16, %rsp\n\tcall " #main_fn \
		"\n\thlt\n")

#endif
