/* SPDX-License-Identifier: MIT */
/*
 * pmm: the physical frame allocator (4 KiB frames).
 *
 * Contract:
 * - pmm_init() is given the available RAM ranges and the ranges to keep
 *   (first MiB, kernel image, multiboot information, modules). Only frames
 *   wholly inside an available range and outside every kept range are ever
 *   handed out. It places its own bitmaps in available RAM (below the boot
 *   direct map's 1 GiB) and keeps those frames too.
 * - pmm_alloc() returns the physical address of one free frame, lowest
 *   address first, or 0 when none is left (0 is never a valid frame: the
 *   first MiB is kept). Frames come out NOT zeroed: pmm_alloc_zeroed() zeroes
 *   one through the direct map.
 * - pmm_alloc_run(n) returns the first frame of n physically contiguous free
 *   frames, or 0.
 * - pmm_free(pa) / pmm_free_run(pa, n) give frames back. Freeing a frame that
 *   is not currently handed out (a double free, a kept frame, an address
 *   outside RAM, an unaligned one) prints one line naming the frame and the
 *   caller, counts a misuse (pmm_misuse_count) and changes nothing; for a run
 *   nothing is freed unless every frame of it may be.
 * - Never panics on exhaustion or misuse.
 * - Not reentrant: callers serialize with interrupts off (irq_save(),
 *   libk/cpu.h: threads are preempted by the timer); interrupt handlers
 *   must not allocate. Lock order: libk/locking.h.
 *
 * Counters (pmm_stats): total = frames of available RAM, reserved = those of
 * them that are kept, free = those free now. Handed-out frames are
 * total - reserved - free.
 */
#ifndef MM_PMM_H
#define MM_PMM_H

#include "mm/layout.h"
#include <stddef.h>
#include <stdint.h>

struct pmm_range {
	phys_addr_t start;	/* first byte */
	phys_addr_t end;	/* one past the last byte */
};

struct pmm_stats {
	uint64_t total_frames;
	uint64_t reserved_frames;
	uint64_t free_frames;
};

/* Returns 0, or -1 when no RAM is found or the bitmaps fit nowhere. */
int pmm_init(const struct pmm_range *avail, int navail,
	     const struct pmm_range *keep, int nkeep);

phys_addr_t pmm_alloc(void);
phys_addr_t pmm_alloc_zeroed(void);
phys_addr_t pmm_alloc_run(size_t n);
void pmm_free(phys_addr_t pa);
void pmm_free_run(phys_addr_t pa, size_t n);

void pmm_stats(struct pmm_stats *st);
uint64_t pmm_free_frames(void);

/* Is pa a frame currently handed out by pmm_alloc*? */
int pmm_is_allocated(phys_addr_t pa);

/* How many misuses (bad or double frees) were reported since boot. */
unsigned long pmm_misuse_count(void);

#endif
