/* SPDX-License-Identifier: MIT */
/*
 * Helpers shared by the mm self-tests (pmm, vmm, kbrk, vmap suites).
 *
 * mmt_drain(leave): take free frames from pmm until only `leave` are left,
 * chaining them through their own first word (reached by the direct map),
 * so no memory is needed to remember them. Returns the chain's head (0 if
 * none). mmt_refill(head) gives the whole chain back.
 */
#ifndef MM_TESTS_MM_TESTS_H
#define MM_TESTS_MM_TESTS_H

#include "mm/layout.h"
#include "mm/pmm.h"
#include "mm/vmm.h"
#include <stddef.h>
#include <stdint.h>

static inline phys_addr_t mmt_drain(uint64_t leave)
{
	phys_addr_t head = 0;

	while (pmm_free_frames() > leave) {
		phys_addr_t pa = pmm_alloc();

		if (!pa)
			break;
		*(phys_addr_t *)phys_to_virt(pa) = head;
		head = pa;
	}
	return head;
}

static inline uint64_t mmt_refill(phys_addr_t head)
{
	uint64_t n = 0;

	while (head) {
		phys_addr_t next = *(phys_addr_t *)phys_to_virt(head);

		pmm_free(head);
		head = next;
		n++;
	}
	return n;
}

/* Page-table entry bits the tests read (the same bits as VMM_*). */
#define PTE_W	VMM_WRITE
#define PTE_NX	VMM_NX

/* A store that must fault (or not): called through ktest_expect_fault. */
static inline void write_byte(void *p)
{
	*(volatile unsigned char *)p = 0x5a;
}

/* How many of p[0..n) are not zero. */
static inline size_t count_nonzero(const volatile unsigned char *p, size_t n)
{
	size_t bad = 0;

	for (size_t i = 0; i < n; i++)
		bad += p[i] != 0;
	return bad;
}

#endif
