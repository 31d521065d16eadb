/* SPDX-License-Identifier: MIT */
/*
 * Deliberate crashes (crash=...). Each is its own noinline function so the
 * report shows it by name in the RIP and the backtrace.
 */
#include "kernel/crash.h"
#include "kernel/arch/x86_64/smp.h"
#include "kernel/arch/x86_64/smp_call.h"
#include "libk/cpu.h"
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

static int crash_go;

/* On CPU 1: outlast smp_call's timeout, wait for CPU 0 to print, panic. */
static __attribute__((noinline)) long crash_panic_ap(void *arg)
{
	(void)arg;
	for (long i = 0; i < 4000000000L; i++) {
		if (__atomic_load_n(&crash_go, __ATOMIC_ACQUIRE))
			panic("crash=panic_ap requested: a panic on CPU %zu",
			      smp_this_index());
		cpu_relax();
	}
	return 0;
}

/* CPU 0 prints without pause while CPU 1 panics: the panic must stop it,
 * so no line of CPU 0 comes after "PANIC:" (tests/qemu/smp-panic.sh). */
static void crash_panic_on_ap(void)
{
	if (smp_online_count() < 2) {
		kprintf("crash=panic_ap: needs a second CPU online; ignored\n");
		return;
	}
	smp_call(1, crash_panic_ap, NULL, NULL);	/* times out: it spins */
	__atomic_store_n(&crash_go, 1, __ATOMIC_RELEASE);
	for (int i = 0; i < 5000; i++)
		kprintf("crash=panic_ap: CPU 0 still printing, line %d\n", i);
	kprintf("crash=panic_ap: CPU 0 was not stopped\n");
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
	else if (strcmp(what, "panic_ap") == 0)
		crash_panic_on_ap();
	else
		kprintf("crash=%s: unknown (pagefault, ud, panic, panic_ap); "
			"ignored\n", what);
}
