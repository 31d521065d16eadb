/* SPDX-License-Identifier: MIT */
/*
 * Kernel home of ktest: output on the serial console, fault recovery per
 * case, the expect-fault API and the run-then-exit-QEMU entry point.
 */
#include "kernel/ktest_kernel.h"
#include "libk/cpu.h"
#include "kernel/panic.h"
#include "kernel/arch/x86_64/qemu.h"
#include "kernel/console/serial.h"
#include "kernel/arch/x86_64/trap.h"

static void kernel_print(const char *s, size_t len)
{
	serial_write(s, len);
}

/* A case under a fault catch: an exception ends it, described in why. */
static int kernel_call(const struct ktest_case *tc, struct ktest *t,
		       char *why, size_t why_len)
{
	struct fault_catch fc;

	fault_catch_push(&fc);
	if (ksetjmp(fc.jb) == 0) {
		tc->fn(t);
		fault_catch_pop(&fc);
		return 0;
	}
	/* The exception handler popped fc and jumped here. */
	fault_describe(why, why_len, &fc.info);
	return 1;
}

/* The shell's Ctrl-C poll while it runs ktest; NULL on the boot's run. */
static int (*kernel_stop_poll)(void);

static int kernel_stop(void)
{
	return kernel_stop_poll ? kernel_stop_poll() : 0;
}

void ktest_kernel_set_stop(int (*poll)(void))
{
	kernel_stop_poll = poll;
}

const struct ktest_home ktest_kernel_home = {
	.print = kernel_print,
	.call = kernel_call,
	.where = KTEST_HOME_KERNEL,
	.stop = kernel_stop,
};

int ktest_expect_fault_at(struct ktest *t, const char *file, int line,
			  int vector, uintptr_t addr, void (*fn)(void *),
			  void *arg)
{
	struct fault_catch fc;
	char got[200];

	fault_catch_push(&fc);
	if (ksetjmp(fc.jb) == 0) {
		fn(arg);
		fault_catch_pop(&fc);
		ktest_fail(t, file, line, "expected %s %s, but no exception happened",
			   trap_mnemonic(vector), trap_name(vector));
		return -1;
	}
	fault_describe(got, sizeof(got), &fc.info);
	if (fc.info.vector != vector) {
		ktest_fail(t, file, line, "expected %s %s, got %s",
			   trap_mnemonic(vector), trap_name(vector), got);
		return -1;
	}
	if (vector == TRAP_PF && addr != KTEST_ANY_ADDR && fc.info.cr2 != addr) {
		ktest_fail(t, file, line, "expected #PF at 0x%lx, got %s",
			   (unsigned long)addr, got);
		return -1;
	}
	return 0;
}

void ktest_kernel_main(const char *filter)
{
	int failed;

	panic_set_exit_qemu(true);
	failed = ktest_run(&ktest_kernel_home, filter);
	qemu_exit(failed ? QEMU_EXIT_FAIL : QEMU_EXIT_PASS);
	/* No isa-debug-exit device: nothing else to do. */
	cpu_halt_forever();
}
