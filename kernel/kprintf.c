/*
 * kprintf over vsnprintf and the serial console. Returns the number of bytes
 * written (after truncation to KPRINTF_MAX - 1). The buffer is on the stack,
 * so kprintf is usable from exception handlers and panic without locks
 * (there is one CPU and no preemption yet).
 */
#include "kernel/kprintf.h"
#include "kernel/serial.h"
#include "libk/printf.h"

int kvprintf(const char *fmt, va_list ap)
{
	char buf[KPRINTF_MAX];
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);

	if (n < 0)
		return n;
	if ((size_t)n >= sizeof(buf))
		n = sizeof(buf) - 1;
	serial_write(buf, (size_t)n);
	return n;
}

int kprintf(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = kvprintf(fmt, ap);
	va_end(ap);
	return n;
}
