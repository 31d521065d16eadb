/* SPDX-License-Identifier: MIT */
/*
 * The kernel home of the ktest framework (libk/ktest.h).
 *
 * ktest_kernel_home: print writes to COM1; call runs a case under a
 * fault catch (kernel/arch/x86_64/trap.h): a case that raises a CPU exception is ended
 * there and reported "not ok" with the fault (vector, RIP symbol, CR2); the
 * run goes on with the next case.
 *
 * ktest_expect_fault(t, vector, addr, fn, arg): runs fn(arg), which must
 * raise exception `vector` (for #PF with CR2 == addr; addr == KTEST_ANY_ADDR
 * accepts any address). Returns 0 when it did (fn was abandoned at the
 * fault; execution goes on after the call), otherwise records a ktest
 * failure saying what happened instead and returns -1.
 *
 * ktest_kernel_main(filter) runs the selected suites, then exits QEMU via
 * isa-debug-exit (QEMU_EXIT_PASS when every case passed, else
 * QEMU_EXIT_FAIL) and halts if still running. A panic during the run also
 * exits QEMU with the failure status.
 */
#ifndef KERNEL_KTEST_KERNEL_H
#define KERNEL_KTEST_KERNEL_H

#include "libk/ktest.h"
#include <stdint.h>

#define KTEST_ANY_ADDR ((uintptr_t)-1)

/* The kernel's home for ktest_run() (the shell's ktest command uses it). */
extern const struct ktest_home ktest_kernel_home;

/* poll (NULL: none) is asked before each case of the runs that follow;
 * non-zero stops the run there (the shell: Ctrl-C typed). */
void ktest_kernel_set_stop(int (*poll)(void));

int ktest_expect_fault_at(struct ktest *t, const char *file, int line,
			  int vector, uintptr_t addr, void (*fn)(void *),
			  void *arg);
#define ktest_expect_fault(t, vector, addr, fn, arg) \
	ktest_expect_fault_at((t), __FILE__, __LINE__, (vector), (addr), (fn), (arg))

void ktest_kernel_main(const char *filter) __attribute__((noreturn));

#endif
