/* SPDX-License-Identifier: MIT */
/*
 * osmem_fast: the size-class index (fast_index.h) at every class edge, and
 * the block size of a request.
 */
#include "mm/osmem/tests/fast_tests.h"

/* Below 1024 every 16-byte size is a class of its own, in order. */
KTEST(osmem_fast, index_exact_classes_below_1024)
{
	unsigned fl, sl, pfl = 0, psl = 0;

	for (size_t size = FAST_MIN_BLOCK; size < FAST_EXACT_LIMIT; size += 16) {
		fast_index(size, &fl, &sl);
		KEXPECT_EQ(t, fast_class_base(fl, sl), size);
		KEXPECT_EQ(t, fast_class_width(size), 16);
		KEXPECT_EQ(t, fast_round_class(size), size);
		if (size > FAST_MIN_BLOCK)
			KEXPECT(t, fl > pfl || (fl == pfl && sl == psl + 1));
		pfl = fl;
		psl = sl;
	}
	fast_index(496, &fl, &sl);
	KEXPECT_EQ(t, fl, 0);
	KEXPECT_EQ(t, sl, 31);
	fast_index(512, &fl, &sl);
	KEXPECT_EQ(t, fl, 1);
	KEXPECT_EQ(t, sl, 0);
	fast_index(1008, &fl, &sl);
	KEXPECT_EQ(t, fl, 1);
	KEXPECT_EQ(t, sl, 31);
}

/* Above 1024: 32 classes per power of two; the first and last size of each
 * class map to it, the size before its base to the class before. */
KTEST(osmem_fast, index_every_class_edge)
{
	unsigned fl, sl, efl = 1, esl = 31;

	for (int f = 10; f < FAST_MAX_SHIFT; f++) {
		size_t w = (size_t)1 << (f - FAST_SL_BITS);

		for (unsigned s = 0; s < FAST_SL_COUNT; s++) {
			size_t base = ((size_t)1 << f) + s * w;

			fast_index(base, &fl, &sl);
			KEXPECT_EQ(t, fl, (unsigned)f - 8);
			KEXPECT_EQ(t, sl, s);
			KEXPECT_EQ(t, fast_class_base(fl, sl), base);
			KEXPECT_EQ(t, fast_class_width(base), w);
			fast_index(base + w - 16, &fl, &sl);
			KEXPECT_EQ(t, fl, (unsigned)f - 8);
			KEXPECT_EQ(t, sl, s);
			fast_index(base - 16, &fl, &sl);
			KEXPECT_EQ(t, fl, efl);
			KEXPECT_EQ(t, sl, esl);
			KEXPECT_EQ(t, fast_round_class(base - 16),
				   fast_class_width(base - 16) > 16 ? base : base - 16);
			KEXPECT_EQ(t, fast_round_class(base), base);
			efl = (unsigned)f - 8;
			esl = s;
		}
	}
	KEXPECT_EQ(t, efl, FAST_FL_COUNT - 1);
	fast_index(FAST_BLOCK_MAX - 16, &fl, &sl);
	KEXPECT_EQ(t, fl, FAST_FL_COUNT - 1);
	KEXPECT_EQ(t, sl, FAST_SL_COUNT - 1);
}

/* A class is at most 1/32 of its sizes wide: the bound fast.c states. */
KTEST(osmem_fast, index_class_width_bound)
{
	for (size_t size = FAST_EXACT_LIMIT; size < ((size_t)1 << 30);
	     size = size * 5 / 4 + 16) {
		size_t r = size & ~(size_t)15, R = fast_round_class(r);

		KEXPECT_LE(t, fast_class_width(r) * 32, r);
		KEXPECT_GE(t, R, r);
		KEXPECT_LT(t, R - r, fast_class_width(r));
	}
}

KTEST(osmem_fast, block_size_of_requests)
{
	size_t r = 0;

	KEXPECT(t, fast_block_size(0, &r));
	KEXPECT_EQ(t, r, 32);
	KEXPECT(t, fast_block_size(24, &r));
	KEXPECT_EQ(t, r, 32);
	KEXPECT(t, fast_block_size(25, &r));
	KEXPECT_EQ(t, r, 48);
	KEXPECT(t, fast_block_size(40, &r));
	KEXPECT_EQ(t, r, 48);
	KEXPECT(t, fast_block_size(41, &r));
	KEXPECT_EQ(t, r, 64);
	KEXPECT(t, fast_block_size(1000, &r));
	KEXPECT_EQ(t, r, 1008);
	KEXPECT(t, !fast_block_size(FAST_BLOCK_MAX, &r));
	KEXPECT(t, !fast_block_size(SIZE_MAX, &r));
	KEXPECT(t, !fast_block_size(SIZE_MAX - 7, &r));
}
