/* SPDX-License-Identifier: MIT */
/*
 * ksetjmp/klongjmp: non-local return inside the kernel (kernel/arch/x86_64/setjmp.asm).
 *
 * ksetjmp(jb) saves the callee-saved registers, rsp, rflags and the return
 * address and returns 0; klongjmp(jb, v) makes that ksetjmp return again, with v (1
 * if v == 0). The function that called ksetjmp must still be running. Used
 * by fault recovery: an exception handler jumps back to a point armed
 * before running code that may fault (ktest cases, ktest_expect_fault).
 * Locals changed between ksetjmp and klongjmp must be volatile.
 */
#ifndef KERNEL_SETJMP_H
#define KERNEL_SETJMP_H

#include <stdint.h>

/* rbx, rbp, r12, r13, r14, r15, rsp, rip, rflags */
typedef uint64_t kjmp_buf[9];

int ksetjmp(kjmp_buf jb) __attribute__((returns_twice));
void klongjmp(kjmp_buf jb, int val) __attribute__((noreturn));

#endif
