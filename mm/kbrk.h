/* SPDX-License-Identifier: MIT */
/*
 * kbrk: the kernel brk heap, the allocator's sbrk.
 *
 * A break moves inside [KBRK_BASE, KBRK_BASE + KBRK_MAX_BYTES). Every page
 * that holds a byte below the break is mapped (read/write, no-execute,
 * global); no page above it is.
 *
 * Contract:
 * - ksbrk(increment) returns the old break and moves it by increment
 *   (negative shrinks, 0 just reads it). Growing maps fresh zeroed frames;
 *   shrinking unmaps the pages left wholly above the break and frees their
 *   frames, and zeroes the rest of the break's own page, so memory the
 *   break moves over while growing always reads as zero.
 * - On failure (the range would be left, or a frame or page table is
 *   missing) it returns (void *)-1 and nothing changed: pages mapped by the
 *   failing call are unmapped and freed again.
 * - kbrk(addr) sets the break to addr: 0, or -1 with nothing changed.
 * - kbrk_start() is KBRK_BASE; kbrk_current() the break.
 */
#ifndef MM_KBRK_H
#define MM_KBRK_H

#include <stdint.h>

#define KBRK_FAIL ((void *)-1)

void kbrk_init(void);
void *ksbrk(intptr_t increment);
int kbrk(void *addr);
void *kbrk_start(void);
void *kbrk_current(void);

#endif
