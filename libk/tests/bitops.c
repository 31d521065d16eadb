/* SPDX-License-Identifier: MIT */
/* Suite libk_bitops: libk/bitops.h with literal expectations, both homes. */
#include "libk/bitops.h"
#include "libk/ktest.h"

KTEST(libk_bitops, fls64)
{
	KEXPECT_EQ(t, bit_fls64(0), -1);
	KEXPECT_EQ(t, bit_fls64(1), 0);
	KEXPECT_EQ(t, bit_fls64(2), 1);
	KEXPECT_EQ(t, bit_fls64(3), 1);
	KEXPECT_EQ(t, bit_fls64(0xfff), 11);
	KEXPECT_EQ(t, bit_fls64(0x1000), 12);
	KEXPECT_EQ(t, bit_fls64(0x100000000ULL), 32);
	KEXPECT_EQ(t, bit_fls64(0x8000000000000000ULL), 63);
	KEXPECT_EQ(t, bit_fls64(UINT64_MAX), 63);
}

KTEST(libk_bitops, ffs64)
{
	KEXPECT_EQ(t, bit_ffs64(0), -1);
	KEXPECT_EQ(t, bit_ffs64(1), 0);
	KEXPECT_EQ(t, bit_ffs64(2), 1);
	KEXPECT_EQ(t, bit_ffs64(3), 0);
	KEXPECT_EQ(t, bit_ffs64(0xff0), 4);
	KEXPECT_EQ(t, bit_ffs64(0x100000000ULL), 32);
	KEXPECT_EQ(t, bit_ffs64(0x8000000000000000ULL), 63);
	KEXPECT_EQ(t, bit_ffs64(UINT64_MAX), 0);
}

KTEST(libk_bitops, single_bits_and_neighbours)
{
	for (int i = 0; i < 64; i++) {
		uint64_t b = (uint64_t)1 << i;

		KEXPECT_EQ(t, bit_fls64(b), i);
		KEXPECT_EQ(t, bit_ffs64(b), i);
		KEXPECT(t, bit_is_pow2(b));
		/* All bits from i up: the lowest is i, the highest 63. */
		KEXPECT_EQ(t, bit_ffs64(~(b - 1)), i);
		KEXPECT_EQ(t, bit_fls64(~(b - 1)), 63);
		if (i >= 2)
			KEXPECT(t, !bit_is_pow2(b + 1));
		if (i >= 2)
			KEXPECT(t, !bit_is_pow2(b - 1));
	}
}

KTEST(libk_bitops, is_pow2)
{
	KEXPECT(t, !bit_is_pow2(0));
	KEXPECT(t, bit_is_pow2(1));
	KEXPECT(t, bit_is_pow2(2));
	KEXPECT(t, !bit_is_pow2(3));
	KEXPECT(t, bit_is_pow2(4096));
	KEXPECT(t, !bit_is_pow2(4095));
	KEXPECT(t, !bit_is_pow2(6144));
	KEXPECT(t, bit_is_pow2(0x8000000000000000ULL));
	KEXPECT(t, !bit_is_pow2(UINT64_MAX));
}

KTEST(libk_bitops, align)
{
	KEXPECT_EQ(t, bit_align_up(0, 16), 0);
	KEXPECT_EQ(t, bit_align_up(1, 16), 16);
	KEXPECT_EQ(t, bit_align_up(15, 16), 16);
	KEXPECT_EQ(t, bit_align_up(16, 16), 16);
	KEXPECT_EQ(t, bit_align_up(17, 16), 32);
	KEXPECT_EQ(t, bit_align_up(4097, 4096), 8192);
	KEXPECT_EQ(t, bit_align_up(12345, 1), 12345);
	KEXPECT_EQ(t, bit_align_down(0, 16), 0);
	KEXPECT_EQ(t, bit_align_down(15, 16), 0);
	KEXPECT_EQ(t, bit_align_down(31, 16), 16);
	KEXPECT_EQ(t, bit_align_down(32, 16), 32);
	KEXPECT_EQ(t, bit_align_down(8191, 4096), 4096);
	KEXPECT_EQ(t, bit_align_down(12345, 1), 12345);
	KEXPECT_EQ(t, bit_align_down(UINT64_MAX, 4096), 0xfffffffffffff000ULL);
	KEXPECT_EQ(t, bit_align_up(1, 0x8000000000000000ULL), 0x8000000000000000ULL);
	/* The unchecked form wraps. */
	KEXPECT_EQ(t, bit_align_up(UINT64_MAX, 16), 0);
}

KTEST(libk_bitops, align_up_checked)
{
	uint64_t out = 77;

	KEXPECT(t, bit_align_up_checked(17, 16, &out));
	KEXPECT_EQ(t, out, 32);
	KEXPECT(t, bit_align_up_checked(0, 4096, &out));
	KEXPECT_EQ(t, out, 0);
	/* The largest multiple of 16 is reachable; one more is not. */
	KEXPECT(t, bit_align_up_checked(UINT64_MAX - 15, 16, &out));
	KEXPECT_EQ(t, out, 0xfffffffffffffff0ULL);
	out = 77;
	KEXPECT(t, !bit_align_up_checked(UINT64_MAX - 14, 16, &out));
	KEXPECT(t, !bit_align_up_checked(UINT64_MAX, 16, &out));
	KEXPECT(t, !bit_align_up_checked(0x8000000000000001ULL,
					 0x8000000000000000ULL, &out));
	KEXPECT_EQ(t, out, 77);		/* untouched on failure */
	/* Alignment 1 never overflows. */
	KEXPECT(t, bit_align_up_checked(UINT64_MAX, 1, &out));
	KEXPECT_EQ(t, out, UINT64_MAX);
}
