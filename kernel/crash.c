/*
 * Deliberate crashes (crash=...). Each is its own noinline function so the
 * report shows it by name in the RIP and the backtrace.
 */
#include "kernel/crash.h"
#include "libk/console.h"
#include "kernel/panic.h"
#include "libk/string.h"
#include <stdint.h>

static __attribute__((noinline)) void crash_pagefault(void)
{
	volatile uint64_t *p = (volatile uint64_t *)CRASH_PAGEFAULT_ADDR;

	*p = 0x1234;
}

static __attribute__((noinline)) void crash_ud(void)
{
	__asm__ volatile("ud2");
}

void crash_on_request(const char *what)
{
	if (!what)
		return;
	kprintf("crash=%s requested\n", what);
	if (strcmp(what, "pagefault") == 0)
		crash_pagefault();
	else if (strcmp(what, "ud") == 0)
		crash_ud();
	else if (strcmp(what, "panic") == 0)
		panic("crash=panic requested on the command line");
	else
		kprintf("crash=%s: unknown (pagefault, ud, panic); ignored\n", what);
}
