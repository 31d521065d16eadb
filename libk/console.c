/* SPDX-License-Identifier: MIT */
/* kprintf over vsnprintf and the home's sink (libk/console.h). */
#include "libk/console.h"
#include "libk/locking.h"
#include "libk/printf.h"
#include "libk/spinlock.h"

static void (*console_sink)(const char *s, size_t len);
static char *(*console_symbolizer)(char *buf, size_t len, uintptr_t addr);
static spinlock_t console_lock = SPINLOCK_INIT("console", LOCK_RANK_CONSOLE);
static bool console_panicking;

console_sink_fn console_set_sink(console_sink_fn write)
{
	console_sink_fn old = console_sink;

	console_sink = write;
	return old;
}

void console_set_panic_mode(bool on)
{
	console_panicking = on;
}

bool console_lock_held(void)
{
	return spin_held_by_me(&console_lock);
}

/* One sink call under the console lock, unless this CPU cannot wait for it:
 * it holds it already (a fault or report inside the sink) or it panicked
 * (the holder may be stopped for good). */
static void console_write(const char *buf, size_t n)
{
	uint64_t flags;

	if (!console_sink)
		return;
	if (console_panicking || spin_held_by_me(&console_lock)) {
		console_sink(buf, n);
		return;
	}
	flags = spin_lock_irqsave(&console_lock);
	console_sink(buf, n);
	spin_unlock_irqrestore(&console_lock, flags);
}

void console_set_symbolizer(char *(*name)(char *buf, size_t len, uintptr_t addr))
{
	console_symbolizer = name;
}

int kvprintf(const char *fmt, va_list ap)
{
	char buf[KPRINTF_MAX];
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);

	if (n < 0)
		return n;
	if ((size_t)n >= sizeof(buf))
		n = sizeof(buf) - 1;
	console_write(buf, (size_t)n);
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

char *console_symbol(char *buf, size_t len, uintptr_t addr)
{
	if (console_symbolizer)
		return console_symbolizer(buf, len, addr);
	snprintf(buf, len, "0x%lx", (unsigned long)addr);
	return buf;
}
