/* SPDX-License-Identifier: MIT */
/*
 * The register dump of a trap frame, shared by the exception report
 * (trap.c) and panic (kernel/panic.c): a leaf both call down to, so
 * neither calls the other for it.
 */
#ifndef KERNEL_REGS_H
#define KERNEL_REGS_H

#include "kernel/arch/x86_64/trap.h"

/* Six lines: the general registers, RIP/RFLAGS/CS/SS, CR0/CR2/CR3/CR4. */
void regs_print(const struct trap_frame *f);

#endif
