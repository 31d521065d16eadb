/* SPDX-License-Identifier: MIT */
/*
 * Faults on request, to see the kernel's fault reports: the command line
 * option crash=WHAT, WHAT one of pagefault (a write to an unmapped
 * address), ud (an invalid opcode), panic, panic_ap (CPU 1 panics while
 * CPU 0 prints: the panic must stop CPU 0; needs -smp 2). Unknown values
 * are reported and ignored. With panic_exit on the command line a panic
 * ends QEMU (as in self-test runs), for tests/qemu/smp-panic.sh.
 */
#ifndef KERNEL_CRASH_H
#define KERNEL_CRASH_H

/* The address crash=pagefault writes to: in the lower half, never mapped. */
#define CRASH_PAGEFAULT_ADDR 0x00000dead0000badUL

void crash_on_request(const char *what);

#endif
