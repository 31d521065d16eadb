/* SPDX-License-Identifier: MIT */
/*
 * panic and the fatal stop. Re-entry (a panic while panicking, e.g. from a
 * broken kprintf) prints one line and stops at once.
 *
 * On SMP the first CPU to panic owns the panic (panic_cpu, a CAS): it
 * stops the others (smp_stop.h) before it prints, so the report is one
 * CPU's, whole. A second CPU that panics meanwhile halts silently.
 */
#include "kernel/panic.h"
#include "kernel/arch/x86_64/backtrace.h"
#include "libk/cpu.h"
#include "libk/console.h"
#include "kernel/arch/x86_64/qemu.h"
#include "kernel/arch/x86_64/regs.h"
#include "kernel/arch/x86_64/smp.h"
#include "kernel/arch/x86_64/smp_stop.h"
#include "kernel/console/serial.h"
#include <stdarg.h>

static bool panic_exit_qemu;
static const char *panic_hint;	/* panic_stop's last line, or NULL */
static int panic_cpu = -1;	/* index of the CPU that owns the panic */
static size_t panic_stopped;	/* how many others it stopped */

void panic_set_exit_qemu(bool on)
{
	panic_exit_qemu = on;
}

void panic_set_console_hint(const char *line)
{
	panic_hint = line;
}

void panic_stop(void)
{
	cli();
	if (panic_exit_qemu)
		qemu_exit(QEMU_EXIT_FAIL);
	/* serial_puts, not kprintf: this also ends a panic while panicking. */
	if (panic_hint) {
		serial_puts(panic_hint);
		serial_puts("\n");
	}
	cpu_halt_forever();
}

void panic_begin(void)
{
	int me = (int)smp_this_index(), prev = -1;

	cli();
	if (!__atomic_compare_exchange_n(&panic_cpu, &prev, me, false,
					 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		if (prev != me)
			smp_stop_this_cpu();	/* the owner prints, not us */
		serial_puts("\nPANIC while panicking; stopping\n");
		panic_stop();
	}
	panic_stopped = smp_stop_others();
	/* A stopped CPU may hold the console lock for good (libk/console.h). */
	console_set_panic_mode(true);
}

/* The registers as they are at the call: general ones are what panic_at's
 * own code left in them, which still helps with the callee-saved ones. */
static void panic_capture(struct trap_frame *f)
{
	__asm__ volatile(
		"movq %%rax, 112(%0)\n\t"
		"movq %%rbx, 104(%0)\n\t"
		"movq %%rcx, 96(%0)\n\t"
		"movq %%rdx, 88(%0)\n\t"
		"movq %%rsi, 80(%0)\n\t"
		"movq %%rdi, 72(%0)\n\t"
		"movq %%rbp, 64(%0)\n\t"
		"movq %%r8, 56(%0)\n\t"
		"movq %%r9, 48(%0)\n\t"
		"movq %%r10, 40(%0)\n\t"
		"movq %%r11, 32(%0)\n\t"
		"movq %%r12, 24(%0)\n\t"
		"movq %%r13, 16(%0)\n\t"
		"movq %%r14, 8(%0)\n\t"
		"movq %%r15, 0(%0)\n\t"
		"movq %%rsp, 160(%0)\n\t"
		"movw %%cs, 144(%0)\n\t"
		"movw %%ss, 168(%0)\n\t"
		: : "r"(f) : "memory");
	f->rflags = read_rflags();
}

/* The kernel's panic (libk/panic.h): registers as they are here, the
 * caller of panic_at as RIP, a backtrace from here. */
static void __attribute__((noreturn)) kernel_panic(const char *file, int line,
						  const void *caller,
						  const char *fmt, va_list ap)
{
	struct trap_frame f = { 0 };

	panic_begin();
	panic_capture(&f);
	f.rip = (uint64_t)(uintptr_t)caller;
	kprintf("\nPANIC: ");
	kvprintf(fmt, ap);
	kprintf("\n  at %s:%d\n", file, line);
	if (smp_cpu_count() > 1)
		kprintf("  on CPU %d; %zu other CPU%s stopped\n", panic_cpu,
			panic_stopped, panic_stopped == 1 ? "" : "s");
	regs_print(&f);
	backtrace_print(0, (uintptr_t)__builtin_frame_address(0));
	kprintf("=== kernel stopped ===\n");
	panic_stop();
}

void panic_init(void)
{
	panic_set_handler(kernel_panic);
}
