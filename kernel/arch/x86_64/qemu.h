/* SPDX-License-Identifier: MIT */
/*
 * QEMU's isa-debug-exit device (-device isa-debug-exit,iobase=0xf4,
 * iosize=0x04): writing v to the port ends QEMU with status (v << 1) | 1.
 * On a machine without the device the write does nothing and the caller
 * goes on (it should then halt).
 */
#ifndef KERNEL_QEMU_H
#define KERNEL_QEMU_H

#include "kernel/arch/x86_64/io.h"

#define QEMU_EXIT_PORT	0xf4
#define QEMU_EXIT_PASS	0x10	/* QEMU exit status 33 */
#define QEMU_EXIT_FAIL	0x11	/* QEMU exit status 35 */

static inline void qemu_exit(uint8_t code)
{
	outb(QEMU_EXIT_PORT, code);
}

#endif
