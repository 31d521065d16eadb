/* SPDX-License-Identifier: MIT */
/*
 * libk formatting: the vsnprintf core behind kprintf (kernel) and the test
 * runners' output (both homes).
 *
 * Conversions: %d %i %u %x %X %p %s %c %% with the length modifiers
 * hh h l ll z (so %zu %zd %lu %lx %llu ...), a field width (number or *),
 * the flags '0' (zero padding) and '-' (left justify), and a precision for
 * %s. Returns the length the full output would have had (as C99), writes at
 * most n bytes including the terminating NUL.
 */
#ifndef LIBK_PRINTF_H
#define LIBK_PRINTF_H

#include "libk/names.h"
#include <stdarg.h>
#include <stddef.h>

int vsnprintf(char *buf, size_t n, const char *fmt, va_list ap);
int snprintf(char *buf, size_t n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
