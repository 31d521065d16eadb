/* SPDX-License-Identifier: MIT */
/*
 * CPU exceptions: the frame isr.asm builds, the dispatcher, fault reports,
 * and fault recovery.
 *
 * Every exception that is not recovered is fatal: trap_dispatch() prints
 * the vector name, error code (decoded for #PF), RIP with its symbol, CR2
 * for #PF, all registers and a symbolized backtrace, then stops the kernel
 * (panic_stop()).
 *
 * Recovery: code that may fault on purpose arms a struct fault_catch:
 *
 *     struct fault_catch fc;
 *     fault_catch_push(&fc);
 *     if (ksetjmp(fc.jb) == 0) {
 *         risky();
 *         fault_catch_pop(&fc);
 *     } else {
 *         ... fc.info says what faulted; fc is already popped ...
 *     }
 *
 * A recoverable exception (any but NMI, #DF, #MC) while a catch is armed
 * records the fault in the innermost catch, pops it and klongjmps to it.
 * Catches nest (a LIFO list); pops must match pushes. Each kernel thread
 * has its own list (kernel/sched/thread.c swaps them on every switch).
 * Vectors >= 32 are hardware interrupts: trap_dispatch() passes them to
 * irq_dispatch() (kernel/arch/x86_64/irq.h) and returns.
 */
#ifndef KERNEL_TRAP_H
#define KERNEL_TRAP_H

#include "kernel/arch/x86_64/setjmp.h"
#include <stddef.h>
#include <stdint.h>

#define TRAP_DE		0
#define TRAP_DB		1
#define TRAP_NMI	2
#define TRAP_BP		3
#define TRAP_OF		4
#define TRAP_BR		5
#define TRAP_UD		6
#define TRAP_NM		7
#define TRAP_DF		8
#define TRAP_TS		10
#define TRAP_NP		11
#define TRAP_SS		12
#define TRAP_GP		13
#define TRAP_PF		14
#define TRAP_MF		16
#define TRAP_AC		17
#define TRAP_MC		18
#define TRAP_XM		19
#define TRAP_VE		20
#define TRAP_CP		21
#define TRAP_COUNT	32

/* #PF error code bits */
#define PF_PRESENT	(1u << 0)
#define PF_WRITE	(1u << 1)
#define PF_USER		(1u << 2)
#define PF_RSVD		(1u << 3)
#define PF_IFETCH	(1u << 4)

/* Laid out by isr.asm: lowest address first. */
struct trap_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error;
	uint64_t rip, cs, rflags, rsp, ss;	/* pushed by the CPU */
};

struct fault_info {
	int vector;
	uint64_t error;
	uint64_t rip;
	uint64_t cr2;	/* #PF only, else 0 */
};

struct fault_catch {
	kjmp_buf jb;
	struct fault_info info;
	struct fault_catch *prev;
};

void fault_catch_push(struct fault_catch *c);
void fault_catch_pop(struct fault_catch *c);
/* Install top as the current catch list and return the one it replaces:
 * the scheduler gives every thread its own list (a fault recovers to a
 * catch of the thread that faulted, never of another). */
struct fault_catch *fault_catch_swap(struct fault_catch *top);

const char *trap_name(int vector);	/* "page fault" */
const char *trap_mnemonic(int vector);	/* "#PF" */

/* One line: "#PF page fault at kmain+0x1c, CR2 0x..., error 0x2 (...)". */
int fault_describe(char *buf, size_t len, const struct fault_info *fi);

/* Decode a #PF error code: "not-present write kernel data". */
int pf_error_describe(char *buf, size_t len, uint64_t error);

void trap_dispatch(struct trap_frame *f);

#endif
