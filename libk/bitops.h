/* SPDX-License-Identifier: MIT */
/*
 * libk bit operations on 64-bit values, for size classes and free-list
 * indexes. Header only, static inline, freestanding.
 *
 *   bit_fls64(x)    index of the most significant set bit (0..63); -1 if x == 0
 *   bit_ffs64(x)    index of the least significant set bit (0..63); -1 if x == 0
 *   bit_is_pow2(x)  x is a power of two (0 is not)
 *   bit_align_up(x, a), bit_align_down(x, a)
 *                   x rounded up/down to a multiple of a; a must be a power
 *                   of two. align_up wraps past 2^64 silently: use
 *   bit_align_up_checked(x, a, &out)
 *                   which returns false on overflow (out untouched).
 *
 * Note the indexes are 0-based: unlike the C library's ffs(), bit_ffs64(1)
 * is 0, not 1.
 *
 * The tricks, once: with a a power of two, a - 1 is a mask of the bits
 * below a, so x & ~(a - 1) clears them (round down), and adding a - 1 first
 * carries into the next multiple unless x already is one (round up).
 * x & (x - 1) clears the lowest set bit of x, so it is 0 exactly when x has
 * at most one bit set. __builtin_clzll/ctzll are undefined for 0, hence the
 * explicit 0 cases.
 */
#ifndef LIBK_BITOPS_H
#define LIBK_BITOPS_H

#include <stdbool.h>
#include <stdint.h>

static inline int bit_fls64(uint64_t x)
{
	return x ? 63 - __builtin_clzll(x) : -1;
}

static inline int bit_ffs64(uint64_t x)
{
	return x ? __builtin_ctzll(x) : -1;
}

static inline bool bit_is_pow2(uint64_t x)
{
	return x != 0 && (x & (x - 1)) == 0;
}

static inline uint64_t bit_align_down(uint64_t x, uint64_t a)
{
	return x & ~(a - 1);
}

static inline uint64_t bit_align_up(uint64_t x, uint64_t a)
{
	return (x + (a - 1)) & ~(a - 1);
}

static inline bool bit_align_up_checked(uint64_t x, uint64_t a, uint64_t *out)
{
	if (x > UINT64_MAX - (a - 1))
		return false;
	*out = bit_align_up(x, a);
	return true;
}

#endif
