/* SPDX-License-Identifier: MIT */
/*
 * The console, as every layer sees it: kprintf and naming a code address.
 *
 * libk formats; the home decides where the bytes go and how an address is
 * named, by registering a sink and a symbolizer at boot (the kernel: the
 * serial port and its symbol table, kernel/kmain.c). So mm and libk print
 * without knowing the kernel, and the arrows stay kernel -> mm -> libk.
 *
 * Until a sink is registered kprintf writes nothing; until a symbolizer is
 * registered an address is named in hex. Both are safe in any context:
 * the buffer is on the stack and nothing is allocated.
 *
 * Locking: each kprintf is one sink call made under the console spinlock
 * (rank 6, libk/locking.h) with interrupts off, so lines from two CPUs
 * never interleave. A CPU that holds it already (a fault or a lock report
 * inside the sink) writes without it rather than deadlock, and after
 * console_set_panic_mode(true) (the kernel's panic) every write skips it: the CPU
 * holding it may never release it.
 */
#ifndef LIBK_CONSOLE_H
#define LIBK_CONSOLE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KPRINTF_MAX 1024
/* Room for any name console_symbol() writes ("name+0x1234"). */
#define CONSOLE_SYMBOL_MAX 96

/* Returns the number of bytes written (after truncation to KPRINTF_MAX - 1). */
int kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int kvprintf(const char *fmt, va_list ap);

/* Writes addr's name into buf[0..len) ("kmain+0x1c", or "0x..."); returns buf. */
char *console_symbol(char *buf, size_t len, uintptr_t addr);

typedef void (*console_sink_fn)(const char *s, size_t len);

/* Registers the sink; returns the one before (tests swap theirs in). */
console_sink_fn console_set_sink(console_sink_fn write);
/* On: from now on writes skip the console lock (panic: see above). The
 * kernel never turns it off again; tests do. */
void console_set_panic_mode(bool on);
/* Whether this CPU holds the console lock (a sink may ask). */
bool console_lock_held(void);
void console_set_symbolizer(char *(*name)(char *buf, size_t len, uintptr_t addr));

#endif
