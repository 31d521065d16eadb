/* kprintf over vsnprintf and the home's sink (libk/console.h). */
#include "libk/console.h"
#include "libk/printf.h"

static void (*console_sink)(const char *s, size_t len);
static char *(*console_symbolizer)(char *buf, size_t len, uintptr_t addr);

void console_set_sink(void (*write)(const char *s, size_t len))
{
	console_sink = write;
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
	if (console_sink)
		console_sink(buf, (size_t)n);
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
