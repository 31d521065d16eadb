/* SPDX-License-Identifier: MIT */
/*
 * Lab 3's solution, for the graders' own test (tests/labs-meta/check.sh):
 * the contract is labs/lab3.h. The grader (make lab3) never reads this file.
 */
#include "labs/lab3.h"

#define PTE_P    (1ull << 0)
#define PTE_W    (1ull << 1)
#define PTE_U    (1ull << 2)
#define PTE_PS   (1ull << 7)
#define PTE_NX   (1ull << 63)
#define PTE_ADDR 0x000ffffffffff000ull

void lab3_split(uint64_t va, unsigned idx[4], unsigned *offset)
{
	for (int i = 0; i < 4; i++)
		idx[i] = (unsigned)(va >> (39 - 9 * i)) & 511;
	*offset = (unsigned)va & 4095;
}

int lab3_translate(uint64_t cr3, uint64_t va, const struct lab3_mem *mem,
		   struct lab3_walk *w)
{
	uint64_t table = cr3 & PTE_ADDR, e = 0;
	int64_t top = (int64_t)va >> 47;

	*w = (struct lab3_walk){ .writable = 1, .user = 1 };
	if (top != 0 && top != -1)
		return LAB3_NON_CANONICAL;
	for (int level = 4; level >= 1; level--) {
		unsigned shift = 12 + 9 * (unsigned)(level - 1);

		e = lab3_read(mem, table + (((va >> shift) & 511) * 8));
		w->level = level;
		if (!(e & PTE_P))
			return LAB3_NOT_PRESENT;
		w->writable &= !!(e & PTE_W);
		w->user &= !!(e & PTE_U);
		w->nx |= !!(e & PTE_NX);
		if (level == 1 || ((level == 2 || level == 3) && (e & PTE_PS))) {
			uint64_t size = 1ull << shift;

			w->page_size = size;
			w->pa = (e & PTE_ADDR & ~(size - 1)) | (va & (size - 1));
			return LAB3_MAPPED;
		}
		table = e & PTE_ADDR;
	}
	return LAB3_NOT_PRESENT;   /* not reached: level 1 maps or fails */
}
