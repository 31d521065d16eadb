/* SPDX-License-Identifier: MIT */
/*
 * mmio: device registers mapped uncached, for the kernel's lifetime.
 *
 * Contract:
 * - mmio_map(pa, bytes) maps the physical range [pa, pa + bytes), widened
 *   to whole pages, read/write, no-execute, uncached (VMM_NOCACHE), at the
 *   next free addresses of [MMIO_BASE, MMIO_BASE + MMIO_BYTES), and returns
 *   the address of pa itself (its offset in the page kept). NULL, with
 *   nothing mapped, when bytes is 0, the range wraps, the region is full or
 *   a page table cannot be had.
 * - Nothing is ever unmapped: registers (the local APIC's, later the I/O
 *   APIC's) stay for as long as the kernel runs, and there are few.
 * - Every call maps fresh addresses, even for a range already mapped.
 * - Safe to call with interrupts on (it takes irq_save around its update;
 *   lock order: libk/locking.h, beside vmap at level 3).
 */
#ifndef MM_MMIO_H
#define MM_MMIO_H

#include "mm/layout.h"
#include <stddef.h>

void *mmio_map(phys_addr_t pa, size_t bytes);

/* Bytes of the region taken so far (tests). */
size_t mmio_used_bytes(void);

#endif
