/* SPDX-License-Identifier: MIT */
/*
 * Lab 3's contract (docs/labs/lab3-paging.md): walk x86-64's four levels
 * of page tables by hand, as the MMU does (and mm/vmm.c's vmm_translate).
 * You write these in labs/lab3_pagewalk.c; `make lab3` grades that file.
 *
 * A virtual address: bits 47..39 index the PML4 (level 4), 38..30 the
 * PDPT (level 3), 29..21 the page directory (level 2), 20..12 the page
 * table (level 1), 11..0 are the offset in a 4 KiB page. It is canonical
 * when bits 63..48 are copies of bit 47.
 *
 * An entry (8 bytes): bit 0 present, bit 1 writable, bit 2 user, bit 7
 * page size (in a PDPT entry: it maps a 1 GiB page; in a PD entry: a 2 MiB
 * page; below: no meaning), bit 63 no-execute; bits 51..12 the physical
 * address of the next table or of the 4 KiB page (of a 2 MiB page: bits
 * 51..21; of a 1 GiB page: bits 51..30). The other bits (8..11, 52..62)
 * are ignored by the MMU and may be set: they are no part of an address.
 *
 * lab3_split(va, idx, &offset): idx[0] the PML4 index, idx[1] the PDPT's,
 * idx[2] the PD's, idx[3] the PT's; offset the 12-bit offset.
 *
 * lab3_translate(cr3, va, mem, &w): walk from the PML4 at physical address
 * cr3 (its low 12 bits are flags: ignore them). Read an entry at physical
 * address pa with lab3_read(mem, pa), and nothing else; one read per level
 * the walk visits. Returns
 *   LAB3_MAPPED        w.pa the physical address of va, w.page_size the
 *                      page's size (4096, 2 MiB or 1 GiB), w.level the
 *                      level of the entry that mapped it (1, 2 or 3), and
 *                      the rights that apply: w.writable and w.user only
 *                      if every entry on the way has the bit, w.nx if any
 *                      has bit 63;
 *   LAB3_NOT_PRESENT   w.level the level (4..1) whose entry is not present;
 *   LAB3_NON_CANONICAL va is not canonical (nothing read).
 */
#ifndef LABS_LAB3_H
#define LABS_LAB3_H

#include <stdint.h>

enum { LAB3_MAPPED, LAB3_NOT_PRESENT, LAB3_NON_CANONICAL };

struct lab3_walk {
	uint64_t pa;
	uint64_t page_size;
	int level;
	int writable, user, nx;
};

/* Physical memory: opaque, the grader's (the kernel's would read
 * through the direct map). */
struct lab3_mem;

uint64_t lab3_read(const struct lab3_mem *mem, uint64_t pa);

void lab3_split(uint64_t va, unsigned idx[4], unsigned *offset);
int lab3_translate(uint64_t cr3, uint64_t va, const struct lab3_mem *mem,
		   struct lab3_walk *w);

#endif
