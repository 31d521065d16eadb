/*
 * kprintf: formatted output on the serial console, over libk's vsnprintf
 * (same conversions: %d %i %u %x %X %p %s %c %% with hh h l ll z, width,
 * '0' and '-'). One call formats into a bounded buffer and writes it out in
 * one go; output longer than KPRINTF_MAX bytes is cut there.
 */
#ifndef KERNEL_KPRINTF_H
#define KERNEL_KPRINTF_H

#include <stdarg.h>

#define KPRINTF_MAX 1024

int kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int kvprintf(const char *fmt, va_list ap);

#endif
