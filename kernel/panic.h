/* SPDX-License-Identifier: MIT */
/*
 * panic(fmt, ...) (libk/panic.h): the kernel cannot go on. The kernel's
 * handler, registered by panic_init(), prints "PANIC: <message>", the
 * file:line of the call, the registers and a symbolized backtrace, then
 * stops with interrupts off (panic_stop()). Never returns.
 *
 * panic_stop(): the one way the kernel ends after a fatal error. It halts
 * forever, unless panic_set_exit_qemu(true) was called (self-test runs):
 * then it first exits QEMU with the failure status, so a test run ends at
 * once instead of waiting for its time limit. Otherwise, when a console
 * hint was set (panic_set_console_hint: the boot option console_hint=qemu
 * that `make run` passes), it prints the hint as the report's last line
 * ("press Ctrl-A x to leave QEMU"): a halted kernel no longer reads the
 * keyboard, and a student must know how to get the terminal back.
 */
#ifndef KERNEL_PANIC_H
#define KERNEL_PANIC_H

#include "libk/panic.h"
#include <stdbool.h>

/* Registers the kernel's panic handler (first thing at boot). */
void panic_init(void);
void panic_stop(void) __attribute__((noreturn));
/* Interrupts off; claim the panic for this CPU and stop the others. A
 * second panic on this CPU stops at once; one on another CPU halts it. */
void panic_begin(void);
void panic_set_exit_qemu(bool on);
/* The line panic_stop prints last (no newline; NULL: none). */
void panic_set_console_hint(const char *line);

#endif
