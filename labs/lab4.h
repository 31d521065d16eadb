/* SPDX-License-Identifier: MIT */
/*
 * Lab 4's contract (docs/labs/lab4-o1-allocator.md): the two O(1) steps of
 * a segregated-fit allocator, as the fast allocator does them
 * (mm/osmem/fast_index.h; fast_find() and fast_first_from() in
 * mm/osmem/fast_lists.h).
 * You write them in labs/lab4_segfit.c; `make lab4` grades that file.
 *
 * Size classes. A block size (a multiple of 16, 16 <= size < 2^47) maps to
 * a class (fl, sl):
 *
 *   size < 512             fl = 0, sl = size / 16     (classes 16 bytes wide)
 *   2^f <= size < 2^(f+1)  fl = f - 8,                (f >= 9; fl 1 .. 38)
 *                          sl = the LAB4_SL_BITS (5) bits just below bit f
 *
 * so each power-of-two range is cut into LAB4_SL_COUNT (32) classes of
 * equal width 2^(f-5), and every size of a class is smaller than every
 * size of a later class ((fl, sl) ordered as a pair).
 *
 * lab4_mapping(size, &fl, &sl): the class of size, as above.
 *
 * lab4_round_up(size): the smallest class edge (the smallest size of some
 * class) that is >= size. Every block of that class and of all later ones
 * holds size: the search starts there.
 *
 * lab4_find(m, fl, sl, &ofl, &osl): the first class at or after (fl, sl),
 * in class order, whose free list is not empty; 1 with it in (*ofl, *osl),
 * or 0 (outputs untouched) when there is none or fl >= LAB4_FL_COUNT. The
 * lists are known only through two bitmaps, read with the accessors below
 * and nothing else:
 *   lab4_fl_map(m)       bit f set: some list of first level f is not empty
 *   lab4_sl_map(m, f)    bit s set: list (f, s) is not empty
 * It must be O(1): at most 3 accessor calls in all, whatever the bitmaps
 * (bit_ffs64() in libk/bitops.h finds the lowest set bit in one step).
 */
#ifndef LABS_LAB4_H
#define LABS_LAB4_H

#include <stddef.h>
#include <stdint.h>

#define LAB4_SL_BITS      5
#define LAB4_SL_COUNT     (1u << LAB4_SL_BITS)
#define LAB4_LINEAR_SHIFT 9        /* sizes below 2^9 = 512: fl 0 */
#define LAB4_MAX_SHIFT    47       /* sizes below 2^47 */
#define LAB4_FL_COUNT     (LAB4_MAX_SHIFT - LAB4_LINEAR_SHIFT + 1)

/* The bitmaps: opaque, the grader owns them. */
struct lab4_maps;

uint64_t lab4_fl_map(const struct lab4_maps *m);
uint32_t lab4_sl_map(const struct lab4_maps *m, unsigned fl);

void lab4_mapping(size_t size, unsigned *fl, unsigned *sl);
size_t lab4_round_up(size_t size);
int lab4_find(const struct lab4_maps *m, unsigned fl, unsigned sl,
	      unsigned *ofl, unsigned *osl);

#endif
