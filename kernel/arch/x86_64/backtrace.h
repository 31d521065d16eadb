/* SPDX-License-Identifier: MIT */
/*
 * Frame-pointer backtraces (the kernel is built with -fno-omit-frame-pointer).
 *
 * A frame is [rbp] = caller's rbp, [rbp + 8] = return address. The walk stops
 * at rbp == 0 (boot.asm ends the chain so), and also, so that a corrupt
 * stack never makes it fault, at a non-canonical or unaligned rbp, an rbp
 * whose frame lies outside every known stack, a frame that does not move
 * up the stack, a zero return address, or BACKTRACE_MAX_DEPTH frames.
 *
 * Known stacks: the boot stack (linker.ld), those registered with
 * backtrace_add_stack() (the IST stacks), and the kernel thread running on
 * the walking CPU, which the scheduler sets on every switch.
 */
#ifndef KERNEL_BACKTRACE_H
#define KERNEL_BACKTRACE_H

#include <stdint.h>

#define BACKTRACE_MAX_DEPTH	32
#define BACKTRACE_MAX_STACKS	16

/* Register [lo, hi) as a stack; returns -1 when the registry is full. */
int backtrace_add_stack(uintptr_t lo, uintptr_t hi);

/* The running thread's stack [lo, hi) on the calling CPU
 * (kernel/sched/thread.c, on each switch; one per CPU). */
void backtrace_set_thread_stack(uintptr_t lo, uintptr_t hi);

/* Store up to max return addresses of the chain starting at rbp. */
int backtrace_walk(uintptr_t rbp, uintptr_t *pcs, int max);

/* Print "  #N 0x... name+0x.." lines: rip first (when non-zero), then the
 * chain from rbp. */
void backtrace_print(uintptr_t rip, uintptr_t rbp);

/* The same for the state at a fault: also names the caller when the
 * faulting function had no frame of its own (a frameless leaf, or a fault
 * in the prologue), from the return address on top of the stack. */
void backtrace_print_fault(uintptr_t rip, uintptr_t rsp, uintptr_t rbp);

#endif
