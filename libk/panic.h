/* SPDX-License-Identifier: MIT */
/*
 * panic(fmt, ...): the system cannot go on. Never returns.
 *
 * Any layer may panic; what a panic does belongs to the home, which
 * registers a handler at boot (the kernel's, kernel/panic.c, prints the
 * message with file:line, the registers and a backtrace, then stops).
 * Without a handler the message goes to the console and the CPU spins.
 * So mm panics without naming the kernel.
 */
#ifndef LIBK_PANIC_H
#define LIBK_PANIC_H

#include <stdarg.h>

#define panic(...) panic_at(__FILE__, __LINE__, __VA_ARGS__)

void panic_at(const char *file, int line, const char *fmt, ...)
	__attribute__((noreturn, format(printf, 3, 4)));

/* The handler must not return; caller is panic_at's return address. */
typedef void (*panic_handler_fn)(const char *file, int line,
				 const void *caller, const char *fmt,
				 va_list ap);
void panic_set_handler(panic_handler_fn fn);

#endif
