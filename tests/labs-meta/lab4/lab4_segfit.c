/* SPDX-License-Identifier: MIT */
/*
 * Lab 4's solution, for the graders' own test (tests/labs-meta/check.sh):
 * the contract is labs/lab4.h. The grader (make lab4) never reads this file.
 */
#include "labs/lab4.h"
#include "libk/bitops.h"

void lab4_mapping(size_t size, unsigned *fl, unsigned *sl)
{
	int f;

	if (size < ((size_t)1 << LAB4_LINEAR_SHIFT)) {
		*fl = 0;
		*sl = (unsigned)(size >> 4);
		return;
	}
	f = bit_fls64(size);
	*fl = (unsigned)(f - (LAB4_LINEAR_SHIFT - 1));
	*sl = (unsigned)(size >> (f - LAB4_SL_BITS)) & (LAB4_SL_COUNT - 1);
}

size_t lab4_round_up(size_t size)
{
	size_t w = 16;

	if (size >= ((size_t)1 << LAB4_LINEAR_SHIFT))
		w = (size_t)1 << (bit_fls64(size) - LAB4_SL_BITS);
	return (size + w - 1) & ~(w - 1);
}

int lab4_find(const struct lab4_maps *m, unsigned fl, unsigned sl,
	      unsigned *ofl, unsigned *osl)
{
	uint64_t fmap;
	uint32_t smap;

	if (fl >= LAB4_FL_COUNT)
		return 0;
	/* The lists at or after sl on fl's level, then the next level up. */
	smap = lab4_sl_map(m, fl) & (~0u << sl);
	if (!smap) {
		fmap = lab4_fl_map(m) & (~(uint64_t)0 << (fl + 1));
		if (!fmap)
			return 0;
		fl = (unsigned)bit_ffs64(fmap);
		smap = lab4_sl_map(m, fl);
	}
	*ofl = fl;
	*osl = (unsigned)bit_ffs64(smap);
	return 1;
}
