/* SPDX-License-Identifier: MIT */
/* panic_at over the home's handler (libk/panic.h). */
#include "libk/panic.h"
#include "libk/console.h"

static panic_handler_fn panic_handler;

void panic_set_handler(panic_handler_fn fn)
{
	panic_handler = fn;
}

void panic_at(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (panic_handler)
		panic_handler(file, line, __builtin_return_address(0), fmt, ap);
	kprintf("\nPANIC: ");
	kvprintf(fmt, ap);
	kprintf("\n  at %s:%d\n", file, line);
	va_end(ap);
	for (;;)
		;
}
